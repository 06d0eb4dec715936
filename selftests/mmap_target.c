// SPDX-License-Identifier: GPL-2.0
/*
 * A process whose mmap calls a selftest controls, built native and 32-bit.
 *
 * It maps an "arena" (PROT_NONE) that MAP_FIXED requests may land in, tells
 * the parent where it is, then serves requests from stdin: each one is a
 * real mmap() whose result goes back on stdout, after which the mapping is
 * undone (unmapped, or the arena restored) so the address space is the
 * same before every request. With the argument "legacy" it first re-execs
 * itself with ADDR_COMPAT_LAYOUT so the kernel picks the bottom-up layout.
 * With "unprivileged" it gives up root (and so CAP_IPC_LOCK, whose holder
 * no mlock limit binds); "mlockall" adds mlockall(MCL_FUTURE), so that
 * every later mapping is locked; "mdwe" sets prctl(PR_SET_MDWE) (6.3+;
 * exit status 125 where the kernel has none).  A request may name a file by an fd the
 * target inherited from the test, which has the same file open.
 */
#define _FILE_OFFSET_BITS 64	/* the 32-bit build too: mmap2's offsets */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mmap_target.h"

static int read_full(void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(0, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int write_full(const void *buf, size_t len)
{
	return write(1, buf, len) == (ssize_t)len ? 0 : -1;
}

static int in_arena(uintptr_t addr, uintptr_t len, uintptr_t arena,
		    uintptr_t arena_len)
{
	return addr >= arena && addr + len <= arena + arena_len;
}

/* Undo one successful mmap so the next request sees the same tree. */
static int undo(void *p, uintptr_t len, uintptr_t arena, uintptr_t arena_len)
{
	if (in_arena((uintptr_t)p, len, arena, arena_len))
		return mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			    MAP_FIXED | MAP_NORESERVE, -1, 0) == p ? 0 : -1;
	return munmap(p, len);
}

static int serve(uintptr_t arena, uintptr_t arena_len)
{
	struct mmap_target_req req;
	struct mmap_target_reply reply;
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	while (!read_full(&req, sizeof(req))) {
		if (req.op == MMAP_TARGET_EXIT)
			return 0;
		p = mmap((void *)(uintptr_t)req.addr, (size_t)req.len, (int)req.prot,
			 (int)req.flags, req.fd, (off_t)req.offset);
		memset(&reply, 0, sizeof(reply));
		if (p == MAP_FAILED) {
			reply.result = -errno;
		} else {
			reply.result = (int64_t)(uintptr_t)p;
			if (undo(p, (req.len + page - 1) & ~(uintptr_t)(page - 1),
				 arena, arena_len))
				return 1;
		}
		if (write_full(&reply, sizeof(reply)))
			return 1;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct mmap_target_hello hello;
	uintptr_t arena_len = MMAP_TARGET_ARENA_PAGES * sysconf(_SC_PAGESIZE);
	void *arena;

	if (argc > 1 && !strcmp(argv[1], "legacy") &&
	    !(personality(0xffffffff) & ADDR_COMPAT_LAYOUT)) {
		personality(personality(0xffffffff) | ADDR_COMPAT_LAYOUT);
		execv("/proc/self/exe", argv);
		return 127;
	}
	arena = mmap(NULL, arena_len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	if (argc > 1 && (!strcmp(argv[1], "unprivileged") || !strcmp(argv[1], "mlockall")) &&
	    (setgid(65534) || setuid(65534)))
		return 1;
	if (argc > 1 && !strcmp(argv[1], "mlockall") && mlockall(MCL_FUTURE))
		return 1;
	if (argc > 1 && !strcmp(argv[1], "mdwe") &&
	    prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0))
		return 125;
	memset(&hello, 0, sizeof(hello));
	hello.arena = (uintptr_t)arena;
	hello.arena_len = arena_len;
	hello.word_bits = sizeof(long) * 8;
	if (write_full(&hello, sizeof(hello)))
		return 1;
	return serve((uintptr_t)arena, arena_len);
}
