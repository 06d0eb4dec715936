// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded ioctl fuzzer for /dev/vmalens, with the debugfs files on the
 * side.  Each call is random but structured: a real command (or a random
 * or mis-encoded one), a size at the boundaries of its struct's versions,
 * field values that favour the boundaries, pids of every kind of process,
 * and user pointers that are NULL, unmapped, read-only, kernel addresses or
 * cross into a PROT_NONE page.  A churning process changes its address
 * space meanwhile.  Every error must be one the uapi header documents for
 * that command; the module must unload and load again afterwards.
 *
 *   VMALENS_FUZZ_SEED=N   replay the sequence of seed N (printed each run)
 *   VMALENS_FUZZ_COUNT=N  ioctls to issue (default: FUZZ_DEBUG_COUNT on a
 *                         debug kernel, FUZZ_RELEASE_COUNT on release ones)
 *
 * The debug kernel, where KASAN, lockdep and kmemleak see every call, gets
 * the full million; the release kernels a shorter run, to keep make check
 * inside its budget.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#ifndef MAP_32BIT
#define MAP_32BIT	0x40	/* x86 only: an unknown bit elsewhere */
#endif

#define FUZZ_DEBUG_COUNT	1000000
#define FUZZ_RELEASE_COUNT	50000

/*
 * The execer and the churner pause between steps: they still change state
 * under the fuzzer's calls thousands of times, but no longer keep the
 * second CPU busy, which on the debug kernel cost the fuzzer half its
 * rate (and make check its time) while two guests shared the host.
 */
#define EXECER_PAUSE_US		5000
#define CHURNER_PAUSE_US	1000

#define RESERVE_SIZE	(9ULL << 30)	/* beyond any u32 record stride */
#define OUT_PAGES	16
#define RO_PAGE		64
#define REQ_PAGE	126		/* two pages, then PROT_NONE */
#define SCRATCH		(1 << 17)	/* two pages of the largest size */

/* Errors the header lists under "Errors common to every ioctl". */
static const int common_errnos[] = {
	E2BIG, EINVAL, EFAULT, ESRCH, EPERM, ENXIO, EINTR, EAGAIN, 0
};
static const int vmas_errnos[] = { ENOSPC, 0 };
static const int query_errnos[] = { ENOENT, ENAMETOOLONG, 0 };
static const int ua_errnos[] = { EOPNOTSUPP, EBADF, 0 };
static const int aslr_errnos[] = { EBADF, 0 };	/* VMALENS_ASLR_FILE's fd */
static const int none[] = { 0 };

static void fill_layout(void *req);
static void fill_vmas(void *req);
static void fill_query(void *req);
static void fill_ua(void *req);
static void fill_version(void *req);
static void fill_aslr(void *req);
static void fill_batch(void *req);
struct fuzz_cmd;
static uint64_t rsize(const struct fuzz_cmd *c);

static const struct fuzz_cmd {
	const char *name;
	unsigned long cmd;
	uint64_t ver0, size;
	void (*fill)(void *req);
	const int *extra;	/* documented beside the common ones */
} cmds[] = {
	{ "LAYOUT", VMALENS_IOC_LAYOUT, VMALENS_MM_LAYOUT_SIZE_VER0,
	  sizeof(struct vmalens_mm_layout), fill_layout, none },
	{ "VMAS", VMALENS_IOC_VMAS, VMALENS_VMAS_SIZE_VER0,
	  sizeof(struct vmalens_vmas), fill_vmas, vmas_errnos },
	{ "QUERY", VMALENS_IOC_QUERY, VMALENS_QUERY_SIZE_VER0,
	  sizeof(struct vmalens_query), fill_query, query_errnos },
	{ "UNMAPPED_AREA", VMALENS_IOC_UNMAPPED_AREA,
	  VMALENS_UNMAPPED_AREA_SIZE_VER0,
	  sizeof(struct vmalens_unmapped_area), fill_ua, ua_errnos },
	{ "VERSION", VMALENS_IOC_VERSION, VMALENS_VERSION_SIZE_VER0,
	  sizeof(struct vmalens_version), fill_version, none },
	{ "ASLR", VMALENS_IOC_ASLR, VMALENS_ASLR_SIZE_VER0,
	  sizeof(struct vmalens_aslr), fill_aslr, aslr_errnos },
	{ "BATCH", VMALENS_IOC_UNMAPPED_AREA_BATCH,
	  VMALENS_UNMAPPED_AREA_BATCH_SIZE_VER0,
	  sizeof(struct vmalens_unmapped_area_batch), fill_batch, ua_errnos },
};

#define NR_CMDS		(sizeof(cmds) / sizeof(cmds[0]))
#define CMD_OTHER	NR_CMDS		/* any other number: ENOTTY only */
#define MAX_ERRNO	134

/* Types the VFS answers itself (FIOCLEX, FIFREEZE, FS_IOC_*, FICLONE...). */
static const unsigned char vfs_types[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };

enum pid_kind {
	PID_ZERO, PID_SELF, PID_LIVE, PID_ZOMBIE, PID_DEAD, PID_KTHREAD,
	PID_INIT, PID_OTHER_USER, PID_EXECER, PID_CHURNER, PID_NR_CHILDREN
};

static struct fuzz {
	uint64_t seed, rng;
	long ps;
	char *reserve, *out, *ro, *rw_alias, *req;
	pid_t pid[PID_NR_CHILDREN];
	int fds[8];
	int dev;
	char dbg_files[16][64];
	int nr_dbg;
	uint64_t task_size;
	unsigned long counts[NR_CMDS + 1][MAX_ERRNO];
	double secs[NR_CMDS + 1];	/* in the ioctl, per command */
	unsigned long dbg_calls, dbg_counts[MAX_ERRNO];
	unsigned char logged[NR_CMDS + 1][MAX_ERRNO], dbg_logged[MAX_ERRNO];
} F;

static uint64_t rnd(void)
{
	return vml_rand(&F.rng);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A 64-bit value, boundaries favoured. */
static uint64_t rv64(void)
{
	static const uint64_t edge[] = {
		0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7ffffffff000ULL, 0x7fffffffffffULL, 0x800000000000ULL,
		0xfffffffff000ULL, 0xffffffffffffULL, 0x1000000000000ULL,
		0xfffffffffffff000ULL, 0x00fffffffffff000ULL,
		0xffff800000000000ULL, 0xffff000000000000ULL,
		0xffffffff81000000ULL, 0xffffffffff600000ULL,
		0x8000000000000000ULL, 0x7fffffffffffffffULL,
		~0ULL - 1, ~0ULL,
	};
	uint64_t r = rnd();

	switch (r % 10) {
	case 0: case 1: case 2: case 3:
		return edge[below(sizeof(edge) / sizeof(edge[0]))];
	case 4:
		return edge[below(sizeof(edge) / sizeof(edge[0]))] +
		       (int64_t)below(5) - 2;
	case 5:
		return F.ps * below(4) - below(2);
	case 6:
		return (uint64_t)(uintptr_t)F.out + below(OUT_PAGES * F.ps);
	case 7:
		return F.task_size - F.ps * below(3);
	case 8:
		return rnd() & ((1ULL << below(64)) - 1);
	default:
		return rnd();
	}
}

static uint32_t rv32(void)
{
	return below(4) ? (uint32_t)rv64() : (uint32_t)below(256);
}

/* Mostly 0; sometimes the defined bits, sometimes anything. */
static uint32_t rflags(uint32_t valid)
{
	switch (below(8)) {
	case 0:
		return valid & rnd();
	case 1:
		return rv32();
	case 2:
		return 1U << below(32);
	default:
		return 0;
	}
}

static uint32_t rpid(void)
{
	static const uint32_t odd[] = {
		0x7ffffff0, INT_MAX, 0x80000000, 0xffffffff, 0xfffffffe, 32768,
		4194304,
	};

	switch (below(16)) {
	case 0: case 1:
		return 0;
	case 2: case 3:
		return getpid();
	case 4: case 5: case 6:
		return F.pid[PID_LIVE];
	case 7:
		return F.pid[below(PID_NR_CHILDREN)];
	case 8:
		return F.pid[PID_ZOMBIE];
	case 9:
		return F.pid[PID_DEAD];
	case 10:
		return 2;
	case 11:
		return F.pid[PID_OTHER_USER];
	case 12:
		return F.pid[PID_EXECER];
	case 13:
		return F.pid[PID_CHURNER];
	case 14:
		return odd[below(sizeof(odd) / sizeof(odd[0]))];
	default:
		return rv32();
	}
}

/*
 * A user pointer for the module to write through: into the output arena
 * (which ends in PROT_NONE), or NULL, unmapped, read-only, a kernel address
 * or somewhere in our PROT_NONE reservation.  Never our own live data.
 */
static uint64_t rptr(void)
{
	static const uint64_t kern[] = {
		0xffff800000000000ULL, 0xffff888000000000ULL,
		0xffffffff81000000ULL, 0xffff000000000000ULL,
		0xffff800008000000ULL, 0xffffffffff600000ULL, ~0ULL - 4095,
	};
	uint64_t arena = (uintptr_t)F.out, end = arena + OUT_PAGES * F.ps;

	switch (below(16)) {
	case 0:
		return 0;
	case 1:
		return 0x1000 + below(0x100);	/* below mmap_min_addr */
	case 2:
		return (uintptr_t)F.reserve + (1ULL << 30) + below(F.ps);
	case 3:
		return (uintptr_t)F.ro + below(F.ps);
	case 4:
		return kern[below(sizeof(kern) / sizeof(kern[0]))];
	case 5: case 6:
		return end - 1 - below(512);	/* crosses into PROT_NONE */
	case 7:
		return (uintptr_t)F.reserve + below(RESERVE_SIZE);
	default:
		return arena + (below(4) ? below(OUT_PAGES * F.ps) & ~7ULL
					  : below(OUT_PAGES * F.ps));
	}
}

static uint64_t rcount(void)
{
	static const uint64_t edge[] = { 0, 1, 2, 3, 63, 64, 65, 255, 256, 1000,
					 4096, 65536, 0x7fffffff, 0xffffffff };

	return below(3) ? edge[below(sizeof(edge) / sizeof(edge[0]))] : rv32();
}

static uint64_t rbufsize(void)
{
	static const uint64_t edge[] = { 0, 1, 2, 15, 16, 17, 255, 256, 4095,
					 4096, 4097, 65536, 1 << 20, 0xffffffff,
					 0x100000000ULL, ~0ULL };

	return below(3) ? edge[below(sizeof(edge) / sizeof(edge[0]))] : rv64();
}

static void fill_layout(void *req)
{
	struct vmalens_mm_layout *l = req;

	l->pid = rpid();
	l->flags = rflags(0);
	if (!below(4))
		l->layout = rv32(), l->mmap_base = rv64(), l->task_size = rv64();
}

static void fill_vmas(void *req)
{
	static const uint32_t vsize[] = { 0, 1, 8, 32, 56, 63, 64, 65, 72, 128,
					  4096, 4097, 0x7fffffff, 0xffffffff };
	struct vmalens_vmas *v = req;

	v->pid = rpid();
	v->flags = rflags(0);
	v->start = rv64();
	v->vmas_addr = rptr();
	v->vma_size = below(2) ? sizeof(struct vmalens_vma) :
		      vsize[below(sizeof(vsize) / sizeof(vsize[0]))];
	v->vma_count = rcount();
	if (below(3)) {
		v->names_addr = rptr();
		v->names_size = rbufsize();
	} else if (below(2)) {
		v->names_addr = 0;
		v->names_size = below(2) ? 0 : rbufsize();
	} else {
		v->names_addr = rptr();
		v->names_size = 0;
	}
	v->next = below(4) ? 0 : rv64();
}

static void fill_query(void *req)
{
	struct vmalens_query *q = req;

	q->pid = rpid();
	q->flags = rflags(VMALENS_QUERY_COVERING_OR_NEXT);
	q->addr = rv64();
	q->name_addr = below(3) ? rptr() : 0;
	q->name_size = below(3) ? (uint32_t)rbufsize() : rv32();
	q->reserved = below(8) ? 0 : rv32();
	if (!below(4))
		q->gap_start = rv64(), q->vma.start = rv64(), q->vma.name_off = rv32();
}

static int32_t rfd(void)
{
	static const int32_t odd[] = { -1, 0, 1, 2, 9999, INT_MAX, INT_MIN, -2 };

	if (below(3))
		return -1;
	if (below(2))
		return F.fds[below(sizeof(F.fds) / sizeof(F.fds[0]))];
	return below(2) ? odd[below(sizeof(odd) / sizeof(odd[0]))] : (int32_t)rv32();
}

static uint32_t rmmap_flags(void)
{
	static const uint32_t bits[] = {
		MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FIXED,
		MAP_ANONYMOUS, MAP_32BIT, MAP_GROWSDOWN, MAP_DENYWRITE,
		MAP_EXECUTABLE, MAP_LOCKED, MAP_NORESERVE, MAP_POPULATE,
		MAP_NONBLOCK, MAP_STACK, MAP_HUGETLB, MAP_SYNC,
		MAP_FIXED_NOREPLACE, 0x8000000 /* MAP_UNINITIALIZED */,
	};
	uint32_t f = below(2) ? MAP_PRIVATE : MAP_SHARED;
	int i, n = below(4);

	if (below(4))
		f |= MAP_ANONYMOUS;
	for (i = 0; i < n; i++)
		f |= bits[below(sizeof(bits) / sizeof(bits[0]))];
	if (!below(16))
		f = rv32();
	return f;
}

static void fill_ua(void *req)
{
	static const uint64_t lens[] = { 0, 1, 4095, 4096, 4097, 65536,
					 2 << 20, (2 << 20) + 4096, 1 << 30,
					 0x7ffffffff000ULL, 1ULL << 47, ~0ULL };
	struct vmalens_unmapped_area *u = req;

	u->pid = rpid();
	u->flags = rflags(0);
	u->hint = below(3) ? 0 : rv64();
	u->len = below(2) ? lens[below(sizeof(lens) / sizeof(lens[0]))] : rv64();
	u->pgoff = below(2) ? 0 : rv64();
	u->prot = below(4) ? below(8) : rflags(0x3f000007);
	u->mmap_flags = rmmap_flags();
	u->fd = rfd();
	u->mode = below(8) ? below(3) : rv32();
	u->reserved = below(8) ? 0 : rv32();
	if (!below(4))
		u->addr = rv64(), u->error = rv32(), u->random_end = rv64();
}

static void fill_version(void *req)
{
	struct vmalens_version *v = req;

	v->flags = rflags(0);
	if (!below(4))
		v->abi_version = rv32(), v->page_size = rv64();
}

static void fill_aslr(void *req)
{
	struct vmalens_aslr *a = req;

	a->flags = rflags(VMALENS_ASLR_FILE);
	/* a descriptor that is open (0-2), one that is not, or any value */
	a->file_fd = below(2) ? (int32_t)below(8) : (int32_t)rv32();
	if (!below(8))
		a->reserved = rv32();
	if (!below(4))
		a->nr_regions = rv32(), a->regions[below(8)].bits = rv32();
}

/*
 * An array of dry-run requests in the output arena (it may run into the
 * PROT_NONE page after it), each as fill_ua() makes them, mostly about
 * the batch's own pid.
 */
static void fill_batch(void *req)
{
	static const uint32_t rsizes[] = { 0, 8, 119, 120, 121, 152, 160, 4096,
					   4097, 0xffffffff };
	struct vmalens_unmapped_area_batch *b = req;
	uint32_t k, n;
	char *arr;

	b->pid = rpid();
	b->flags = rflags(0);
	b->req_size = below(4) ? sizeof(struct vmalens_unmapped_area) :
		      rsizes[below(sizeof(rsizes) / sizeof(rsizes[0]))];
	b->count = below(4) ? 1 + below(8) : (uint32_t)rcount();
	if (below(8)) {
		arr = F.out + (below(2) ? 0 : below(OUT_PAGES * F.ps) & ~7UL);
		b->reqs_addr = (uintptr_t)arr;
		n = b->count < 8 ? b->count : 8;
		for (k = 0; k < n && b->req_size <= 4096; k++) {
			struct vmalens_unmapped_area u;
			size_t room = F.out + OUT_PAGES * F.ps - arr, len;

			memset(&u, 0, sizeof(u));
			fill_ua(&u);
			u.size = below(8) ? b->req_size : rsize(&cmds[3]);
			u.pid = below(4) ? b->pid : (below(2) ? 0 : u.pid);
			len = sizeof(u) < b->req_size ? sizeof(u) : b->req_size;
			if (room < b->req_size)
				break;
			memcpy(arr, &u, len);
			memset(arr + len, 0, b->req_size - len);
			arr += b->req_size;
		}
	} else {
		b->reqs_addr = rptr();
	}
}

static uint64_t rsize(const struct fuzz_cmd *c)
{
	static const int64_t near[] = { -8, -1, 1, 8 };

	switch (below(16)) {
	case 8:
		return c->ver0;
	case 9:
		return c->ver0 + near[below(4)];
	case 10:
		return c->size + near[below(4)];
	case 11:
		return below(17);
	case 12:
		return F.ps - 1 + below(3);
	case 13:
		return 2 * F.ps - below(2);
	case 14:
		return below(2 * F.ps + 1);
	case 15:
		return rv64();
	default:
		return c->size;
	}
}

static bool allowed(unsigned int c, int e)
{
	const int *p;

	if (c == CMD_OTHER)
		return e == ENOTTY;
	for (p = common_errnos; *p; p++)
		if (*p == e)
			return true;
	for (p = cmds[c].extra; *p; p++)
		if (*p == e)
			return true;
	return false;
}

static bool vfs_type(unsigned int type)
{
	size_t i;

	for (i = 0; i < sizeof(vfs_types); i++)
		if (vfs_types[i] == type)
			return true;
	return false;
}

/* A command number: a real one, or a near miss, or anything. */
static unsigned long rcmd(unsigned int *c)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	unsigned long cmd;
	unsigned int nr, type, dir, size;

	*c = below(NR_CMDS);
	switch (below(16)) {
	case 0:		/* our type, any number, any direction and size */
		nr = below(4) ? 1 + below(8) : below(256);
		dir = dirs[below(4)];
		size = below(_IOC_SIZEMASK + 1);
		cmd = _IOC(dir, VMALENS_IOC_MAGIC, nr, size);
		break;
	case 1:		/* anything but the types the VFS handles */
		do
			type = below(256);
		while (vfs_type(type));
		cmd = _IOC(dirs[below(4)], type, below(256),
			   below(_IOC_SIZEMASK + 1));
		break;
	case 2:		/* the real number with another size */
		cmd = _IOC(_IOC_READ | _IOC_WRITE, VMALENS_IOC_MAGIC,
			   _IOC_NR(cmds[*c].cmd), below(_IOC_SIZEMASK + 1));
		break;
	default:
		return cmds[*c].cmd;
	}
	/* Only type, number and direction select a handler (vmalens_dev.c). */
	if (_IOC_TYPE(cmd) == VMALENS_IOC_MAGIC &&
	    _IOC_DIR(cmd) == (_IOC_READ | _IOC_WRITE) &&
	    _IOC_NR(cmd) >= 1 && _IOC_NR(cmd) <= NR_CMDS)
		*c = _IOC_NR(cmd) - 1;
	else
		*c = CMD_OTHER;
	return cmd;
}

static void hexdump(const unsigned char *p, size_t len, char *out, size_t size)
{
	size_t i, used = 0;

	for (i = 0; i < len && used + 4 < size; i++)
		used += snprintf(out + used, size - used, "%s%02x",
				 i % 32 ? (i % 8 ? "" : " ") : "\n#   ", p[i]);
}

static bool fuzz_one(struct __test_metadata *_metadata, unsigned long iter)
{
	static unsigned char img[SCRATCH] __attribute__((aligned(64)));
	unsigned int c;
	unsigned long cmd = rcmd(&c);
	const struct fuzz_cmd *fc = &cmds[c == CMD_OTHER ? below(NR_CMDS) : c];
	uint64_t size = rsize(fc), len, off, where = below(32);
	uint64_t fit = 2 * F.ps;
	const char *kind;
	uintptr_t arg;
	struct timespec t0, t1;
	char dump[512];
	int ret, e;

	len = size > fc->size ? size : fc->size;
	if (len > fit)
		len = fit;
	memset(img, 0, len);
	*(uint64_t *)img = size;
	fc->fill(img);
	if (len > fc->size && !below(8))	/* a tail the module cannot know */
		img[fc->size + below(len - fc->size)] = 1 + below(255);

	if (where < 24) {
		kind = "req";
		off = fit - len - (below(4) ? below(8) * 8 : below(64));
		if (off > fit)
			off = 0;
		memcpy(F.req + off, img, fit - off < len ? fit - off : len);
		arg = (uintptr_t)F.req + off;
	} else if (where < 27) {
		kind = "crossing";
		off = fit - 1 - below(len > 1 ? len - 1 : 1);
		memcpy(F.req + off, img, fit - off);
		arg = (uintptr_t)F.req + off;
	} else if (where < 29) {
		kind = "read-only";
		off = len < (uint64_t)F.ps ? (F.ps - len) & ~7ULL : 0;
		memcpy(F.rw_alias + off, img, len < (uint64_t)F.ps ? len : (uint64_t)F.ps);
		arg = (uintptr_t)F.ro + off;
	} else {
		kind = "pointer";
		arg = rptr();
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ioctl(F.dev, cmd, arg);
	e = ret < 0 ? errno : 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	F.secs[c] += t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (e < MAX_ERRNO)
		F.counts[c][e]++;
	if (ret > 0 || (ret < 0 && !allowed(c, e))) {
		/* Each undocumented errno once per command: the table counts. */
		if (e < MAX_ERRNO && F.logged[c][e])
			return false;
		if (e < MAX_ERRNO)
			F.logged[c][e] = 1;
		hexdump(img, len < 128 ? len : 128, dump, sizeof(dump));
		TH_LOG("seed %#" PRIx64 " call %lu: ioctl(%s cmd %#lx, %s arg %#lx, size %" PRIu64 ") = %d, errno %d (%s), not documented for this command; request:%s",
		       F.seed, iter, c == CMD_OTHER ? "other" : cmds[c].name,
		       cmd, kind, (unsigned long)arg, size, ret, e, strerror(e),
		       dump);
		return false;
	}
	return true;
}

/* --- debugfs ----------------------------------------------------------- */

static void dbg_count(int e)
{
	F.dbg_calls++;
	if (e >= 0 && e < MAX_ERRNO)
		F.dbg_counts[e]++;
}

/* debugfs.md: ESRCH, EPERM, ENXIO, EINVAL; EFAULT for our bad buffers. */
static bool dbg_allowed(int e)
{
	return !e || e == ESRCH || e == EPERM || e == ENXIO || e == EINVAL ||
	       e == EFAULT || e == EINTR || e == EAGAIN;
}

static bool fuzz_debugfs(struct __test_metadata *_metadata, unsigned long iter)
{
	static const char *texts[] = { "-1", "abc", "", "99999999999999999999",
				       " 1\n", "0x10", "2", "0\n", "+5", "1 2" };
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	static char big[8192], buf[65536];
	const char *file = F.dbg_files[below(F.nr_dbg)];
	int mode = modes[below(3)], what = below(8), nreads = 1 + below(64);
	size_t chunk = below(2) ? 1 + below(64) : 1 + below(sizeof(buf));
	bool bad_buf = !below(8);
	char path[128], text[64];
	ssize_t n;
	int fd, e, i;

	snprintf(path, sizeof(path), VMALENS_DIR "/%s", file);
	switch (what) {
	case 0: case 1: case 2:
		snprintf(text, sizeof(text), "%u\n", rpid());
		break;
	case 3:
		snprintf(text, sizeof(text), "%s", texts[below(10)]);
		break;
	case 4:
		for (i = 0; i < 63; i++)
			text[i] = 1 + below(255);
		text[below(64)] = '\0';
		text[63] = '\0';
		break;
	default:
		text[0] = '\0';
	}
	fd = open(path, mode | O_CLOEXEC);
	if (fd < 0)
		return true;	/* 0400 files opened for writing, as root: fine */
	if (mode != O_RDONLY && (what < 5 || what == 7)) {
		if (what == 7) {
			memset(big, '1', sizeof(big));
			n = write(fd, big, 1 + below(sizeof(big)));
		} else {
			n = write(fd, text, strlen(text));
		}
		e = n < 0 ? errno : 0;
		dbg_count(e);
		if (!dbg_allowed(e))
			goto bad;
	}
	if (!below(4))
		lseek(fd, below(2) ? 0 : rv64(), below(3));
	for (i = 0; mode != O_WRONLY && i < nreads; i++) {
		char *dst = bad_buf ? (char *)(uintptr_t)rptr() : buf;

		n = read(fd, dst, bad_buf ? 64 : chunk);
		e = n < 0 ? errno : 0;
		dbg_count(e);
		if (!dbg_allowed(e))
			goto bad;
		if (n <= 0)
			break;
	}
	close(fd);
	return true;
bad:
	if (!F.dbg_logged[e] && (F.dbg_logged[e] = 1))
		TH_LOG("seed %#" PRIx64 " call %lu: %s (mode %d, wrote '%.20s'): errno %d (%s) not documented in debugfs.md",
	       F.seed, iter, path, mode, text, e, strerror(e));
	close(fd);
	return false;
}

/* --- the processes named by pid ------------------------------------- */

/* Re-executed as an exec'ing target: exec ourselves forever. */
__attribute__((constructor)) static void fuzz_exec_loop(void)
{
	char *argv[] = { "fuzz_exec_loop", NULL };

	if (!getenv("VMALENS_FUZZ_EXEC"))
		return;
	usleep(EXECER_PAUSE_US);
	execv("/proc/self/exe", argv);
	_exit(1);
}

static pid_t spawn(int kind, uint64_t seed)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	switch (kind) {
	case PID_ZOMBIE:
	case PID_DEAD:
		_exit(0);
	case PID_OTHER_USER:
		if (setgid(65534) || setuid(65534))
			_exit(1);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	case PID_EXECER:
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpriority(PRIO_PROCESS, 0, 10);
		setenv("VMALENS_FUZZ_EXEC", "1", 1);
		fuzz_exec_loop();
		_exit(1);
	default:	/* PID_CHURNER */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpriority(PRIO_PROCESS, 0, 10);
		for (;;) {
			churn_step(&seed);
			usleep(CHURNER_PAUSE_US);
		}
	}
}

static void read_debugfs_names(void)
{
	struct dirent *d;
	DIR *dir = opendir(VMALENS_DIR);

	F.nr_dbg = 0;
	if (!dir)
		return;
	while ((d = readdir(dir)) && F.nr_dbg < 16)
		if (d->d_name[0] != '.')
			snprintf(F.dbg_files[F.nr_dbg++], 64, "%.63s", d->d_name);
	closedir(dir);
}

static void print_table(unsigned long total, double secs)
{
	unsigned int c, e;

	printf("# %lu ioctls in %.1f s (%.0f/s)\n", total, secs, total / secs);
	printf("# %-14s", "errno");
	for (c = 0; c < NR_CMDS; c++)
		printf(" %9.9s", cmds[c].name);
	printf(" %9s\n", "other");
	for (e = 0; e < MAX_ERRNO; e++) {
		unsigned long sum = 0;

		for (c = 0; c <= NR_CMDS; c++)
			sum += F.counts[c][e];
		if (!sum)
			continue;
		printf("# %-14s", e ? strerrorname_np(e) : "0 (success)");
		for (c = 0; c <= NR_CMDS; c++)
			printf(" %9lu", F.counts[c][e]);
		printf("\n");
	}
	/* Where the run's time went: the kernel's share, per command. */
	printf("# %-14s", "s in ioctl");
	for (c = 0; c <= NR_CMDS; c++)
		printf(" %9.1f", F.secs[c]);
	printf("\n");
	if (!F.nr_dbg)
		return;
	printf("# debugfs: %lu reads and writes:", F.dbg_calls);
	for (e = 0; e < MAX_ERRNO; e++)
		if (F.dbg_counts[e])
			printf(" %s %lu", e ? strerrorname_np(e) : "ok",
			       F.dbg_counts[e]);
	printf("\n");
}

/* Who keeps the module busy: its refcount, open files, its kthreads. */
static void print_holders(void)
{
	char path[600], link[256], *text;
	struct dirent *p, *f;
	DIR *proc = opendir("/proc"), *fds;
	ssize_t n;

	text = slurp("/sys/module/vmalens/refcnt", NULL);
	printf("# module refcnt: %s", text ? text : "?\n");
	free(text);
	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", p->d_name);
		text = slurp(path, NULL);
		if (text && strstr(text, "vmalens"))
			printf("# task %s", text);
		free(text);
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name,
				 f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', strstr(link, "vmalens")))
				printf("# pid %s fd %s -> %s\n", p->d_name,
				       f->d_name, link);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

FIXTURE(fuzz) {
	struct target live;
};

FIXTURE_SETUP(fuzz)
{
	struct vmalens_mm_layout l = { .size = sizeof(l) };
	uint64_t seed = env_long("VMALENS_FUZZ_SEED", 0);
	int memfd;

	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (ts.tv_sec * 1000000007ULL) ^ ts.tv_nsec ^ getpid();
	}
	F.seed = F.rng = seed;
	printf("# seed %#" PRIx64 " (replay: VMALENS_FUZZ_SEED=%#" PRIx64 ")\n",
	       seed, seed);
	F.ps = sysconf(_SC_PAGESIZE);
	F.dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, F.dev) TH_LOG("open %s: %s", VMALENS_DEVICE, strerror(errno));
	ASSERT_EQ(0, ioctl(F.dev, VMALENS_IOC_LAYOUT, &l));
	F.task_size = l.task_size;

	F.reserve = mmap(NULL, RESERVE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, F.reserve);
	F.out = F.reserve;
	ASSERT_EQ(0, mprotect(F.out, OUT_PAGES * F.ps, PROT_READ | PROT_WRITE));
	F.req = F.reserve + REQ_PAGE * F.ps;
	ASSERT_EQ(0, mprotect(F.req, 2 * F.ps, PROT_READ | PROT_WRITE));
	memfd = memfd_create("vmalens_fuzz", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, F.ps));
	F.rw_alias = mmap(NULL, F.ps, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, F.rw_alias);
	F.ro = mmap(F.reserve + RO_PAGE * F.ps, F.ps, PROT_READ,
		    MAP_SHARED | MAP_FIXED, memfd, 0);
	ASSERT_NE(MAP_FAILED, F.ro);

	/* Files whose mapping the dry-run models: ours, by fd. */
	F.fds[0] = memfd;
	F.fds[1] = F.dev;
	F.fds[2] = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	F.fds[3] = open("/dev/zero", O_RDWR | O_CLOEXEC);
	F.fds[4] = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	F.fds[5] = open(VMALENS_DIR "/version", O_RDONLY | O_CLOEXEC);
	F.fds[6] = open("/tmp/vmalens_fuzz_file", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, F.fds[6]);
	ASSERT_EQ(0, ftruncate(F.fds[6], 1 << 20));
	{
		int p[2];

		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
		F.fds[7] = p[0];
	}

	ASSERT_EQ(0, target_fork(&self->live, setup_many_vmas, &(int){ 200 }));
	F.pid[PID_LIVE] = self->live.pid;
	F.pid[PID_ZERO] = 0;
	F.pid[PID_SELF] = getpid();
	F.pid[PID_KTHREAD] = 2;
	F.pid[PID_INIT] = 1;
	F.pid[PID_ZOMBIE] = spawn(PID_ZOMBIE, 0);
	F.pid[PID_DEAD] = spawn(PID_DEAD, 0);
	waitpid(F.pid[PID_DEAD], NULL, 0);
	F.pid[PID_OTHER_USER] = spawn(PID_OTHER_USER, 0);
	F.pid[PID_EXECER] = spawn(PID_EXECER, 0);
	F.pid[PID_CHURNER] = spawn(PID_CHURNER, seed ^ 0x636875726e);
	read_debugfs_names();
}

static void stop_children(FIXTURE_DATA(fuzz) *self)
{
	int k;

	target_kill(&self->live);
	for (k = PID_OTHER_USER; k <= PID_CHURNER; k++)
		if (F.pid[k] > 0) {
			kill(F.pid[k], SIGKILL);
			waitpid(F.pid[k], NULL, 0);
			F.pid[k] = 0;
		}
	if (F.pid[PID_ZOMBIE] > 0)
		waitpid(F.pid[PID_ZOMBIE], NULL, 0);
	F.pid[PID_ZOMBIE] = 0;
}

FIXTURE_TEARDOWN(fuzz)
{
	stop_children(self);
	unlink("/tmp/vmalens_fuzz_file");
}

TEST_F_TIMEOUT(fuzz, ioctls_return_documented_errors, 2400)
{
	long count = env_long("VMALENS_FUZZ_COUNT", debug_kernel() ?
			      FUZZ_DEBUG_COUNT : FUZZ_RELEASE_COUNT);
	struct vmalens_mm_layout l = { .size = sizeof(l) };
	struct timespec t0, t1;
	char *out = NULL;
	unsigned long i;
	int bad = 0, ret, k;

	printf("# %ld ioctls (VMALENS_FUZZ_COUNT), %d debugfs files%s\n",
	       count, F.nr_dbg, F.nr_dbg ? "" : " (no debugfs: skipped)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < (unsigned long)count; i++) {
		if (!fuzz_one(_metadata, i))
			bad++;
		if (F.nr_dbg && !(rnd() % 256) && !fuzz_debugfs(_metadata, i))
			bad++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_table(i, t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	EXPECT_EQ(0, bad);

	/* Whatever the fuzz did, the module must unload and load again. */
	stop_children(self);
	for (k = 0; k < 8; k++)
		if (F.fds[k] >= 0 && F.fds[k] != F.dev)
			close(F.fds[k]);
	close(F.dev);
	/*
	 * The churner's last forks (they inherited our fds) and the
	 * per-request kthreads may hold the module for a moment after the
	 * kill; 10 s is far beyond that, so a longer hold is a leak.
	 */
	for (k = 0; k < 40; k++) {
		free(out);
		ret = module_unload(&out);
		if (ret != 1)
			break;
		usleep(250000);
	}
	if (ret)
		print_holders();
	EXPECT_EQ(0, ret) TH_LOG("rmmod vmalens (%d tries): %d: %s", k + 1, ret, out);
	if (k)
		printf("# rmmod needed %d tries\n", k + 1);
	free(out);
	ret = module_load(&out);
	ASSERT_EQ(0, ret) TH_LOG("insmod: %d: %s", ret, out);
	free(out);
	F.dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, F.dev);
	EXPECT_EQ(0, ioctl(F.dev, VMALENS_IOC_LAYOUT, &l));
	close(F.dev);
}

TEST_HARNESS_MAIN
