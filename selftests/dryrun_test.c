// SPDX-License-Identifier: GPL-2.0
/*
 * VMALENS_IOC_UNMAPPED_AREA against the truth: for randomized requests,
 * anonymous and of files (sealed, read-only, noexec, /dev/zero), the
 * dry-run must name the address (or errno) that the target's own mmap()
 * returns right after, for top-down and legacy targets, native and 32-bit,
 * and one under prctl(PR_SET_MDWE).
 * Also: nothing in the target changes, and every bad request gets its
 * documented errno.
 *
 * Set VMALENS_SEED to replay a run; the seed is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <linux/mman.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "mmap_target.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef __NR_mseal
#define __NR_mseal 462
#endif

#define REQUESTS_PER_TARGET	400
#define OWN_SEARCH_REQUESTS	150
#define UNCHANGED_DRYRUNS	10000

struct target {
	pid_t pid;
	int to_fd, from_fd;
	uint64_t arena, arena_len;
	unsigned int word_bits;
};

/* @fd and @pgoff only where @flags lack MAP_ANONYMOUS */
struct request {
	uint64_t hint, len, prot, flags;
	int fd;
	uint64_t pgoff;
};

static uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t page_align(uint64_t len)
{
	return (len + page_size() - 1) & ~(page_size() - 1);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define NOEXEC_DIR	"/tmp/vmalens-noexec"
/* VML_EXT4_FILE: vm_util.h's struct target would clash with this file's */
#define EXT4_FILE	"/mnt/ext4/lib.bin"	/* the bed's read-only ext4 disk */

/* A memfd of 4 pages with @seals added (MFD_ALLOW_SEALING). */
static int sealed_memfd(unsigned int seals)
{
	int fd = syscall(__NR_memfd_create, "vmalens-sealed", 0x0002U);

	if (fd < 0 || ftruncate(fd, 4 * page_size()) ||
	    fcntl(fd, F_ADD_SEALS, seals)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The files the random requests map, opened without O_CLOEXEC before the
 * target starts: it inherits them under the same numbers, so the dry-run
 * (which takes the caller's fd) and the target's mmap() see one file.
 * The ext4 file, where the guest has the disk, maps through
 * thp_get_unmapped_area(), which aligns a PMD or more to the PMD.
 */
enum { F_RW, F_RO, F_SEAL_W, F_SEAL_FW, F_NOEXEC, F_ZERO, F_EXT4, NR_FILES };

static const char *const file_what[NR_FILES] = {
	"tmpfs file", "tmpfs file, read-only fd", "memfd, F_SEAL_WRITE",
	"memfd, F_SEAL_FUTURE_WRITE", "file on a noexec mount", "/dev/zero",
	"ext4 file, read-only",
};

static int files[NR_FILES] = { -1, -1, -1, -1, -1, -1, -1 };

#define FILE_PAGES	64

static int open_files(void)
{
	char path[] = "/tmp/vmalens-randomXXXXXX";
	int i;

	files[F_RW] = mkstemp(path);
	if (files[F_RW] >= 0) {
		files[F_RO] = open(path, O_RDONLY);
		unlink(path);
	}
	files[F_SEAL_W] = sealed_memfd(F_SEAL_WRITE);
	files[F_SEAL_FW] = sealed_memfd(F_SEAL_FUTURE_WRITE);
	mkdir(NOEXEC_DIR, 0700);
	if (!mount("tmpfs", NOEXEC_DIR, "tmpfs", MS_NOEXEC, NULL)) {
		files[F_NOEXEC] = open(NOEXEC_DIR "/random", O_RDWR | O_CREAT, 0600);
		umount2(NOEXEC_DIR, MNT_DETACH);	/* the fd keeps it alive */
	}
	files[F_ZERO] = open("/dev/zero", O_RDWR);
	files[F_EXT4] = open(EXT4_FILE, O_RDONLY);	/* only where there is one */
	for (i = 0; i < NR_FILES; i++)
		if (files[i] < 0 && i != F_EXT4)
			return -1;
	if (ftruncate(files[F_RW], FILE_PAGES * page_size()) ||
	    ftruncate(files[F_NOEXEC], FILE_PAGES * page_size()))
		return -1;
	return 0;
}

static void close_files(void)
{
	int i;

	for (i = 0; i < NR_FILES; i++) {
		if (files[i] >= 0)
			close(files[i]);
		files[i] = -1;
	}
}

static void seed_rng(void)
{
	const char *env = getenv("VMALENS_SEED");

	rng_state = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
	if (!rng_state)
		rng_state = 1;
	printf("# VMALENS_SEED=%" PRIu64 "\n", rng_state);
}

static const char *helper_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

/*
 * Start a helper; returns 0, or -ENOEXEC if this kernel cannot run it,
 * -EOPNOTSUPP if it lacks what the helper's argument asks for.
 */
static int target_start(struct target *t, const char *helper, const char *arg)
{
	int to[2], from[2], status;
	struct mmap_target_hello hello;
	char dir[PATH_MAX], path[PATH_MAX + 64];

	if (!helper_dir(dir, sizeof(dir)))
		return -errno;
	snprintf(path, sizeof(path), "%s/helpers/%s", dir, helper);
	if (pipe(to) || pipe(from))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(path, helper, arg, (char *)NULL);
		_exit(errno == ENOEXEC ? 126 : 127);
	}
	close(to[0]);
	close(from[1]);
	t->to_fd = to[1];
	t->from_fd = from[0];
	if (read(t->from_fd, &hello, sizeof(hello)) != sizeof(hello)) {
		waitpid(t->pid, &status, 0);
		t->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
			return -EOPNOTSUPP;
		return WIFEXITED(status) && WEXITSTATUS(status) == 126 ?
		       -ENOEXEC : -EIO;
	}
	t->arena = hello.arena;
	t->arena_len = hello.arena_len;
	t->word_bits = hello.word_bits;
	return 0;
}

static void target_stop(struct target *t)
{
	struct mmap_target_req req = { .op = MMAP_TARGET_EXIT };

	if (!t->pid)
		return;
	if (write(t->to_fd, &req, sizeof(req)) != sizeof(req))
		kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->to_fd);
	close(t->from_fd);
	t->pid = 0;
}

/* The target's real mmap(): address or -errno. */
static int64_t target_mmap(struct target *t, const struct request *r)
{
	bool anon = r->flags & MAP_ANONYMOUS;
	struct mmap_target_req req = {
		.addr = r->hint, .len = r->len, .prot = r->prot,
		.flags = r->flags, .op = MMAP_TARGET_MMAP,
		.fd = anon ? -1 : r->fd, .offset = anon ? 0 : r->pgoff * page_size(),
	};
	struct mmap_target_reply reply;

	if (write(t->to_fd, &req, sizeof(req)) != sizeof(req) ||
	    read(t->from_fd, &reply, sizeof(reply)) != sizeof(reply))
		return INT64_MIN;
	return reply.result;
}

static int dryrun(int dev, pid_t pid, const struct request *r, unsigned int mode,
		  struct vmalens_unmapped_area *ua)
{
	memset(ua, 0, sizeof(*ua));
	ua->size = sizeof(*ua);
	ua->pid = pid;
	ua->hint = r->hint;
	ua->len = r->len;
	ua->prot = r->prot;
	ua->mmap_flags = r->flags;
	ua->fd = r->flags & MAP_ANONYMOUS ? -1 : r->fd;
	ua->pgoff = r->flags & MAP_ANONYMOUS ? 0 : r->pgoff;
	ua->mode = mode;
	return ioctl(dev, VMALENS_IOC_UNMAPPED_AREA, ua) ? -errno : 0;
}

/* Does the dry-run answer agree with what mmap() returned? */
static bool answer_matches(const struct vmalens_unmapped_area *ua,
			   const struct request *r, int64_t real)
{
	/* MAP_32BIT's random start may find no room before any later step */
	if ((ua->result_flags & VMALENS_UA_RANDOM) && real == -ENOMEM)
		return ua->result_flags & VMALENS_UA_MAY_FAIL;
	if (ua->error)
		return real == ua->error;
	if (real < 0)
		return false;
	if (ua->result_flags & VMALENS_UA_RANDOM)
		return (uint64_t)real >= ua->random_start &&
		       (uint64_t)real + r->len <= ua->random_end;
	/*
	 * A step the answer says it cannot reproduce (a file's THP alignment
	 * in the forced search) may move the mapping, within the gap it names.
	 */
	if ((uint64_t)real == ua->addr)
		return true;
	return (ua->result_flags & VMALENS_UA_APPROXIMATE) &&
	       (uint64_t)real >= ua->gap_start &&
	       (uint64_t)real + page_align(r->len) <= ua->gap_end;
}

/* A hint of one of the classes the issue names, for target @t. */
static uint64_t pick_hint(const struct target *t, uint64_t len)
{
	uint64_t pg = page_size(), top = t->word_bits == 64 ? 1ULL << 47 : 0xc0000000ULL;
	uint64_t free_area = (top / 2 + rnd_below(top / 4)) & ~(pg - 1);

	switch (rnd_below(10)) {
	case 0: case 1: case 2:
		return 0;
	case 3:
		return free_area;				/* likely free */
	case 4:
		return free_area + 1 + rnd_below(pg - 1);	/* unaligned */
	case 5:
		return t->arena + rnd_below(t->arena_len / pg) * pg; /* occupied */
	case 6:
		return rnd_below(16) * pg;			/* below mmap_min_addr */
	case 7:	/* above the default window, or at its edge */
		if (t->word_bits == 32)
			return 0xfff00000ULL - len;
#if defined(__aarch64__)
		return (1ULL << 48) + rnd_below(1024) * pg;
#else
		/* the edge, or the 56-bit space 5-level paging opens (la57) */
		if (rnd_below(2))
			return (1ULL << 47) - pg * rnd_below(4);
		return ((1ULL << 47) + rnd_below((1ULL << 56) - (1ULL << 48))) & ~(pg - 1);
#endif
	default:
		return (top - len - rnd_below(1 << 20) * pg) & ~(pg - 1);
	}
}

static uint64_t pick_len(const struct target *t)
{
	uint64_t pg = page_size();

	switch (rnd_below(10)) {
	case 0:
		return pg;
	case 1: case 2:
		return (1 + rnd_below(16)) * pg;
	case 3:
		return (1 + rnd_below(16)) * pg - rnd_below(pg);	/* unaligned */
	case 4: case 5:
		return (1 + rnd_below(3)) * (2ULL << 20);	/* PMD multiples: THP */
	case 6:
		return (2ULL << 20) + pg;
	case 7:
		return t->word_bits == 64 ? 1ULL << 30 : 256ULL << 20;
	case 8:	/* more than the free space */
		return t->word_bits == 64 ? 1ULL << 47 : 0xf0000000ULL;
	default:
		return rnd_below(50) ? 64 * pg : 0;		/* 0: EINVAL */
	}
}

/* Flags of every class the issue names; MAP_FIXED only inside the arena. */
static void pick_flags(const struct target *t, struct request *r)
{
	uint64_t pg = page_size(), off;
	unsigned int dice = rnd_below(20);

	r->flags = MAP_ANONYMOUS | (rnd_below(5) ? MAP_PRIVATE : MAP_SHARED);
	r->prot = rnd_below(4) ? PROT_READ | PROT_WRITE : PROT_NONE;
	if (!rnd_below(8))	/* writable and executable: MDWE refuses */
		r->prot |= PROT_EXEC;
	if (dice == 0 || dice == 1) {
		r->flags |= dice ? MAP_FIXED_NOREPLACE : MAP_FIXED;
		r->len = (1 + rnd_below(8)) * pg;
		off = rnd_below(t->arena_len / pg - r->len / pg + 1) * pg;
		r->hint = t->arena + off;
	} else if (dice == 2) {
		r->flags |= MAP_FIXED_NOREPLACE;	/* anywhere: EEXIST or fits */
	} else if (dice == 3) {
		r->flags |= MAP_STACK;
	} else if (dice == 4) {
		r->flags |= MAP_GROWSDOWN;
	} else if (dice == 5 && r->len <= 16 * pg) {
		r->flags |= MAP_POPULATE;
	} else if (dice == 7) {
		/* 6.11+; EINVAL before, as any unknown type */
		r->flags = (r->flags & ~MAP_TYPE) | MAP_DROPPABLE;
	} else if (dice == 8) {
		r->flags |= MAP_UNINITIALIZED | 0x800000;	/* ignored */
#ifdef MAP_32BIT
	} else if (dice == 6 && t->word_bits == 64) {
		r->flags |= MAP_32BIT;
#endif
	}
	/* sometimes; else a 1 GiB request is charged, and refused in a small guest */
	if (!rnd_below(4))
		r->flags |= MAP_NORESERVE;
}

/*
 * One request in three maps a file of files[] instead, at a small offset
 * or (64-bit) one no file can reach: do_mmap()'s file checks (EOVERFLOW,
 * EACCES, EPERM for seals and noexec, EINVAL for the anonymous-only
 * types and MAP_GROWSDOWN), the file's own get_unmapped_area(), and the
 * commit charge of a private writable file mapping, mixed with every hint,
 * length and flag class above.
 */
static void pick_file(const struct target *t, struct request *r)
{
	uint64_t last = (uint64_t)LLONG_MAX / page_size();

	r->fd = -1;
	if (rnd_below(3))
		return;
	do
		r->fd = files[rnd_below(NR_FILES)];
	while (r->fd < 0);
	r->flags &= ~MAP_ANONYMOUS;
	if (!rnd_below(4))
		r->prot |= PROT_READ | PROT_EXEC;
	if (t->word_bits == 64 && !rnd_below(16))
		r->pgoff = last - rnd_below(2);
	else
		r->pgoff = rnd_below(FILE_PAGES);
}

/* arm64's PROT_MTE: asks for tags, which only some memory can hold */
#define PROT_MTE_ARM64	0x20

#ifdef __aarch64__
/*
 * A shared mapping of /dev/zero that PROT_MTE makes fail corrupts 5.10
 * kernels without 6.12's mmap_region() error-path rework (arm64-5.10 is
 * one): shmem_zero_setup() has swapped the VMA's file for a shmem one,
 * and the error path puts /dev/zero's file a second time, so its count
 * reaches 0 while the fd still holds it (seen: fget() of that fd spinning
 * until the soft-lockup watchdog fired). Never asked of the real mmap.
 */
static bool mte_breaks_kernel(const struct request *r)
{
	return r->fd >= 0 && r->fd == files[F_ZERO] &&
	       (r->flags & MAP_TYPE) != MAP_PRIVATE;
}
#endif

static void random_request(const struct target *t, struct request *r)
{
	r->len = pick_len(t);
	r->hint = pick_hint(t, r->len);
	pick_flags(t, r);
	pick_file(t, r);
#ifdef __aarch64__
	/* ignored without MTE; with it, EINVAL on a file but tmpfs */
	if (!rnd_below(5) && !mte_breaks_kernel(r))
		r->prot |= PROT_MTE_ARM64;
#endif
	if (t->word_bits == 32) {
		r->hint &= 0xffffffffULL;
		r->len &= 0xffffffffULL;
	}
}

static const char *file_name(const struct request *r)
{
	int i;

	if (r->flags & MAP_ANONYMOUS)
		return "anonymous";
	for (i = 0; i < NR_FILES; i++)
		if (files[i] == r->fd)
			return file_what[i];
	return "?";
}

static void log_mismatch(struct __test_metadata *_metadata, const char *what,
			 const struct request *r,
			 const struct vmalens_unmapped_area *ua, int64_t real)
{
	TH_LOG("%s: mmap(0x%" PRIx64 ", 0x%" PRIx64 ", prot 0x%" PRIx64
	       ", flags 0x%" PRIx64 ", %s, pgoff 0x%" PRIx64 ") dry-run %s0x%llx (error %d, flags 0x%llx, layer %u)"
	       " real %s0x%" PRIx64,
	       what, r->hint, r->len, r->prot, r->flags, file_name(r), r->pgoff, "",
	       (unsigned long long)ua->addr, ua->error,
	       (unsigned long long)ua->result_flags, ua->layer,
	       real < 0 ? "-" : "", real < 0 ? (uint64_t)-real : (uint64_t)real);
}

/* Of the last compare_requests(): ext4 requests, and approximate answers to them */
static int ext4_requests, ext4_approx;

/* Run @n random requests in @mode; returns the number of mismatches. */
static int compare_requests(struct __test_metadata *_metadata, int dev,
			    struct target *t, int n, unsigned int mode)
{
	int i, bad = 0, file = 0, approx = 0, tagged = 0, untaggable = 0, ret;

	ext4_requests = 0;
	ext4_approx = 0;
	struct vmalens_unmapped_area ua;
	struct request r;
	int64_t real;

	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		random_request(t, &r);
		file += !(r.flags & MAP_ANONYMOUS);
		tagged += !!(r.prot & PROT_MTE_ARM64);
		ret = dryrun(dev, t->pid, &r, mode, &ua);
		approx += !ret && (ua.result_flags & VMALENS_UA_APPROXIMATE) &&
			 !ua.error;
		untaggable += !ret && ua.error && ua.layer == VMALENS_LAYER_ARCH_FLAGS;
		if (!(r.flags & MAP_ANONYMOUS) && r.fd == files[F_EXT4]) {
			ext4_requests++;
			ext4_approx += !ret && (ua.result_flags & VMALENS_UA_APPROXIMATE);
		}
		if (ret) {
			TH_LOG("ioctl failed: %s", strerror(-ret));
			return n;
		}
		real = target_mmap(t, &r);
		if (!answer_matches(&ua, &r, real)) {
			log_mismatch(_metadata, mode ? "own search" : "kernel", &r, &ua, real);
			bad++;
		}
	}
	printf("# %d requests (%d of files, %d answers approximate", n, file, approx);
	if (tagged)
		printf(", %d with PROT_MTE, %d refused for it", tagged, untaggable);
	if (ext4_requests)
		printf(", %d of the ext4 file", ext4_requests);
	printf("), %d mismatches\n", bad);
	return bad;
}

FIXTURE(dryrun) {
	struct target t;
	int dev;
};

FIXTURE_VARIANT(dryrun) {
	const char *helper;
	const char *arg;
};

FIXTURE_VARIANT_ADD(dryrun, native) { .helper = "mmap_target", .arg = "" };
FIXTURE_VARIANT_ADD(dryrun, native_legacy) { .helper = "mmap_target", .arg = "legacy" };
FIXTURE_VARIANT_ADD(dryrun, compat) { .helper = "mmap_target32", .arg = "" };
FIXTURE_VARIANT_ADD(dryrun, compat_legacy) { .helper = "mmap_target32", .arg = "legacy" };
FIXTURE_VARIANT_ADD(dryrun, native_mdwe) { .helper = "mmap_target", .arg = "mdwe" };

/* A fixture's device and target: 0, or -errno (-ENOEXEC: cannot run it). */
static int fixture_start(int *dev, struct target *t, const char *helper, const char *arg)
{
	*dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	if (*dev < 0)
		return -errno;
	return target_start(t, helper, arg);
}

static void fixture_stop(int dev, struct target *t)
{
	target_stop(t);
	if (dev >= 0)
		close(dev);
}

FIXTURE_SETUP(dryrun)
{
	int ret;

	ASSERT_EQ(0, open_files()) TH_LOG("the files to map: %s", strerror(errno));
	ret = fixture_start(&self->dev, &self->t, variant->helper, variant->arg);

	if (ret == -ENOEXEC)
		SKIP(return, "this kernel cannot run %s (no 32-bit support)", variant->helper);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no prctl(PR_SET_MDWE) on this kernel");
	ASSERT_EQ(0, ret) TH_LOG("%s %s: %s", variant->helper, variant->arg, strerror(-ret));
}

FIXTURE_TEARDOWN(dryrun)
{
	fixture_stop(self->dev, &self->t);
	close_files();
}

TEST_F_TIMEOUT(dryrun, kernel_answer_matches_real_mmap, 300)
{
	seed_rng();
	EXPECT_EQ(0, compare_requests(_metadata, self->dev, &self->t,
				      REQUESTS_PER_TARGET, VMALENS_MODE_AUTO));
}

/* vmalens' own search, in the target's own direction, must agree too. */
TEST_F_TIMEOUT(dryrun, own_search_matches_real_mmap, 300)
{
	struct vmalens_unmapped_area ua;
	struct request r = { .len = page_size(), .prot = PROT_READ,
			     .flags = MAP_PRIVATE | MAP_ANONYMOUS };

	seed_rng();
	ASSERT_EQ(0, dryrun(self->dev, self->t.pid, &r, VMALENS_MODE_AUTO, &ua));
	ASSERT_NE(VMALENS_MODE_AUTO, ua.mode_used);
	EXPECT_EQ(strcmp(variant->arg, "legacy") ? VMALENS_MODE_TOPDOWN :
		  VMALENS_MODE_BOTTOMUP, ua.mode_used);
	EXPECT_EQ(0, compare_requests(_metadata, self->dev, &self->t,
				      OWN_SEARCH_REQUESTS, ua.mode_used));
	/* thp_get_unmapped_area() is modelled, not approximated */
	EXPECT_EQ(0, ext4_approx) TH_LOG("of %d ext4 requests", ext4_requests);
}

/*
 * vmalens' own search models thp_get_unmapped_area(), which the ext4 file
 * maps through: at lengths around a PMD (page_size^2 / 8), at offsets at
 * and off a PMD's start, without a hint and with one just above where the
 * hintless mapping went (it fits the length, not the length plus a PMD),
 * the answer in the target's own direction is exact and equals the
 * target's real mmap.
 */
TEST_F(dryrun, ext4_file_own_search_matches_real_mmap)
{
	uint64_t pg = page_size(), pmd = pg * (pg / 8);
	const struct { uint64_t len, pgoff; } cases[] = {
		{ pmd, 0 }, { 2 * pmd, 0 }, { 2 * pmd, 3 }, { pmd + pg, 0 },
		{ pmd, 1 }, { 3 * pmd + 5 * pg, 7 }, { pg, 0 },
	};
	struct request r = { .prot = PROT_READ, .flags = MAP_PRIVATE | MAP_ANONYMOUS,
			     .len = pg };
	struct vmalens_unmapped_area ua;
	unsigned int i, hinted;
	int64_t real;

	if (files[F_EXT4] < 0)
		SKIP(return, "no ext4 disk in this guest (%s)", EXT4_FILE);
	ASSERT_EQ(0, dryrun(self->dev, self->t.pid, &r, VMALENS_MODE_AUTO, &ua));
	r.flags = MAP_PRIVATE;
	r.fd = files[F_EXT4];
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.len = cases[i].len;
		r.pgoff = cases[i].pgoff;
		for (hinted = 0, r.hint = 0; hinted < 2; hinted++) {
			ASSERT_EQ(0, dryrun(self->dev, self->t.pid, &r, ua.mode_used, &ua));
			real = target_mmap(&self->t, &r);
			TH_LOG("len 0x%" PRIx64 " pgoff %" PRIu64 " hint 0x%" PRIx64
			       ": dry-run 0x%llx (error %d, flags 0x%llx), real 0x%" PRIx64,
			       r.len, r.pgoff, r.hint, (unsigned long long)ua.addr, ua.error,
			       (unsigned long long)ua.result_flags, real);
			EXPECT_FALSE(ua.result_flags & VMALENS_UA_APPROXIMATE);
			ASSERT_LT(0, real);
			EXPECT_EQ(0, ua.error);
			EXPECT_EQ((uint64_t)real, ua.addr);
			r.hint = real + 3 * pg;
		}
	}
}

/* The other direction has no real mmap to compare with: check it is sane. */
TEST_F(dryrun, other_mode_lands_in_a_free_gap)
{
	struct vmalens_unmapped_area ua, probe;
	struct request r = { .prot = PROT_READ, .flags = MAP_PRIVATE | MAP_ANONYMOUS };
	unsigned int other;
	int i;

	ASSERT_EQ(0, dryrun(self->dev, self->t.pid, &r, VMALENS_MODE_AUTO, &probe));
	other = probe.mode_used == VMALENS_MODE_TOPDOWN ? VMALENS_MODE_BOTTOMUP :
							  VMALENS_MODE_TOPDOWN;
	for (i = 0; i < 50; i++) {
		r.len = (1 + rnd_below(64)) * page_size();
		ASSERT_EQ(0, dryrun(self->dev, self->t.pid, &r, other, &ua));
		ASSERT_EQ(0, ua.error);
		EXPECT_EQ(other, ua.mode_used);
		EXPECT_TRUE(ua.result_flags & VMALENS_UA_EMULATED);
		EXPECT_LE(ua.gap_start, ua.addr);
		EXPECT_LE(ua.addr + r.len, ua.gap_end);
	}
}

/* vm_util.c; its header's struct target is another than ours */
long proc_status_kb(pid_t pid, const char *key);
long proc_file_kb(const char *path, const char *key);
long read_long_file(const char *path);
int write_long_file(const char *path, long val);

/* Pages of a limit that just fits the target's size now, plus @spare pages. */
static rlim_t limit_above(pid_t pid, const char *status_key, long spare)
{
	long kb = proc_status_kb(pid, status_key);

	return kb < 0 ? 0 : (rlim_t)kb * 1024 + spare * page_size();
}

/* @file: an index in files[], where @flags lack MAP_ANONYMOUS */
struct mmap_kind {
	uint64_t prot, flags;
	int file;
};

/* Requests of several kinds, and how one refused for a limit looks. */
struct limit_probe {
	const struct mmap_kind *kinds;
	unsigned int nr_kinds;
	int error, layer;
};

/* The kinds may_expand_vm() tells apart, MAP_FIXED replacing arena pages. */
static const struct mmap_kind expand_kinds[] = {
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1 },
	{ PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1 },
	{ PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1 },
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1 },
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1 },
};

static const struct limit_probe expand_probe = {
	.kinds = expand_kinds, .nr_kinds = ARRAY_SIZE(expand_kinds),
	.error = -ENOMEM, .layer = VMALENS_LAYER_LIMITS,
};

/*
 * Locked or not, private or shared; no MAP_FIXED: after mlockall() the
 * target's restoring of its arena would be locked too.
 */
static const struct mmap_kind lock_kinds[] = {
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1 },
	{ PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_LOCKED, -1 },
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1 },
};

/*
 * Requests of each of @p's kinds, @nr lengths of @pages pages each.
 * Counts the refusals @p names in @refused and the successes in @placed;
 * returns the mismatches.
 */
static int compare_lengths(struct __test_metadata *_metadata, int dev, struct target *t,
			   const struct limit_probe *p, const long *pages, unsigned int nr,
			   int *refused, int *placed)
{
	struct vmalens_unmapped_area ua;
	struct request r;
	unsigned int k, l;
	int bad = 0;
	int64_t real;

	for (k = 0; k < p->nr_kinds; k++) {
		for (l = 0; l < nr; l++) {
			memset(&r, 0, sizeof(r));
			r.prot = p->kinds[k].prot;
			r.flags = p->kinds[k].flags;
			if (!(r.flags & MAP_ANONYMOUS))
				r.fd = files[p->kinds[k].file];
			r.len = pages[l] * page_size();
			r.hint = r.flags & MAP_FIXED ? t->arena : 0;
			if (dryrun(dev, t->pid, &r, VMALENS_MODE_AUTO, &ua))
				return 1;
			real = target_mmap(t, &r);
			if (!answer_matches(&ua, &r, real)) {
				log_mismatch(_metadata, "limits", &r, &ua, real);
				bad++;
			}
			*refused += ua.error == p->error && (int)ua.layer == p->layer;
			*placed += !ua.error;
		}
	}
	return bad;
}

/* Requests of 1 to 2 * @spare pages, around the edge of a limit @spare pages away. */
static int compare_near_limit(struct __test_metadata *_metadata, int dev,
			      struct target *t, const struct limit_probe *p, long spare,
			      int *refused, int *placed)
{
	/* around the edge: emulated CPUs are too slow to walk every length */
	const long lengths[] = { 1, spare - 1, spare, spare + 1, 2 * spare };

	return compare_lengths(_metadata, dev, t, p, lengths, ARRAY_SIZE(lengths), refused,
			       placed);
}

/*
 * RLIMIT_AS and RLIMIT_DATA, set a few pages above what the target has
 * mapped: the dry-run must refuse exactly what mmap_region() refuses.
 */
TEST_F_TIMEOUT(dryrun, address_space_limits_match_real_mmap, 300)
{
	const long spare = 8;
	struct rlimit old_as, old_data, lim;
	int refused, placed;

	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_AS, NULL, &old_as));
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_DATA, NULL, &old_data));

	/* the whole address space */
	refused = placed = 0;
	lim = (struct rlimit){ limit_above(self->t.pid, "VmSize", spare), RLIM_INFINITY };
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_AS, &lim, NULL));
	EXPECT_EQ(0, compare_near_limit(_metadata, self->dev, &self->t, &expand_probe,
					spare, &refused, &placed));
	printf("# RLIMIT_AS: %d refused for the limit, %d placed\n", refused, placed);
	EXPECT_LT(0, refused);
	EXPECT_LT(0, placed);
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_AS, &old_as, NULL));

	/* private writable pages only */
	refused = placed = 0;
	lim = (struct rlimit){ limit_above(self->t.pid, "VmData", spare), RLIM_INFINITY };
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_DATA, &lim, NULL));
	EXPECT_EQ(0, compare_near_limit(_metadata, self->dev, &self->t, &expand_probe,
					spare, &refused, &placed));
	printf("# RLIMIT_DATA: %d refused for the limit, %d placed\n", refused, placed);
	EXPECT_LT(0, refused);
	EXPECT_LT(0, placed);

	/* a zero soft limit falls back to the hard one (for valgrind) */
	refused = placed = 0;
	lim = (struct rlimit){ 0, limit_above(self->t.pid, "VmData", spare) };
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_DATA, &lim, NULL));
	EXPECT_EQ(0, compare_near_limit(_metadata, self->dev, &self->t, &expand_probe,
					spare, &refused, &placed));
	printf("# RLIMIT_DATA 0, hard limit: %d refused, %d placed\n", refused, placed);
	EXPECT_LT(0, refused);
	EXPECT_LT(0, placed);
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_DATA, &old_data, NULL));
}

#define OVERCOMMIT_SYSCTL	"/proc/sys/vm/overcommit_memory"

/* What __vm_enough_memory() is asked about, and what it is not. */
static const struct mmap_kind commit_kinds[] = {
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1 },
	{ PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1 },
	{ PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1 },
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1 },
	/* a private writable file mapping is charged; /dev/zero's shared one too */
	{ PROT_READ | PROT_WRITE, MAP_PRIVATE, F_RW },
	{ PROT_READ, MAP_SHARED, F_ZERO },
	{ PROT_READ, MAP_SHARED, F_RW },
};

static const struct limit_probe commit_probe = {
	.kinds = commit_kinds, .nr_kinds = ARRAY_SIZE(commit_kinds),
	.error = -ENOMEM, .layer = VMALENS_LAYER_COMMIT,
};

static long meminfo_pages(const char *key)
{
	long kb = proc_file_kb("/proc/meminfo", key);

	return kb < 0 ? -1 : kb / (long)(page_size() / 1024);
}

/*
 * One vm.overcommit_memory policy: the mismatches, or -1 if it cannot be
 * set.  A 32-bit target's search refuses the biggest lengths first: only
 * a 64-bit one must see the commit refuse.
 */
static int compare_overcommit(struct __test_metadata *_metadata, int dev, struct target *t,
			      int policy, const long *pages, unsigned int nr)
{
	int refused = 0, placed = 0, bad;

	if (write_long_file(OVERCOMMIT_SYSCTL, policy))
		return -1;
	bad = compare_lengths(_metadata, dev, t, &commit_probe, pages, nr, &refused, &placed);
	printf("# vm.overcommit_memory %d, %ld to %ld pages: %d refused (commit), %d placed, "
	       "%d mismatches\n", policy, pages[0], pages[nr - 1], refused, placed, bad);
	/* 0 and 2 refuse the charged kinds at the biggest length; 1 nothing */
	if (((policy == OVERCOMMIT_ALWAYS) != !refused && t->word_bits == 64) || !placed)
		bad++;
	return bad;
}

/*
 * vm.overcommit_memory 0, 1 and 2, with lengths around what each refuses:
 * RAM and swap together for the heuristic, the commit limit less what is
 * committed for 2.  The latter only far from its edge: the kernel reads
 * the committed total from per-CPU counters that may be off by thousands
 * of pages.
 */
TEST_F_TIMEOUT(dryrun, overcommit_matches_real_mmap, 300)
{
	long old = read_long_file(OVERCOMMIT_SYSCTL), all, avail, margin;
	long heuristic[5], never[3];
	int bad[3];

	ASSERT_LE(0, old);
	all = meminfo_pages("MemTotal") + meminfo_pages("SwapTotal");
	ASSERT_LT(0, all);
	heuristic[0] = 1;
	heuristic[1] = all - 1;
	heuristic[2] = all;
	heuristic[3] = all + 1;
	heuristic[4] = all + 64;
	bad[0] = compare_overcommit(_metadata, self->dev, &self->t, OVERCOMMIT_GUESS,
				    heuristic, ARRAY_SIZE(heuristic));
	bad[1] = compare_overcommit(_metadata, self->dev, &self->t, OVERCOMMIT_ALWAYS,
				    heuristic, ARRAY_SIZE(heuristic));
	avail = meminfo_pages("CommitLimit") - meminfo_pages("Committed_AS");
	margin = avail / 4 > 16384 ? avail / 4 : 16384;
	never[0] = 1;
	never[1] = avail - margin > 1 ? avail - margin : 2;
	never[2] = avail + margin;
	bad[2] = compare_overcommit(_metadata, self->dev, &self->t, OVERCOMMIT_NEVER,
				    never, ARRAY_SIZE(never));
	ASSERT_EQ(0, write_long_file(OVERCOMMIT_SYSCTL, old));
	EXPECT_EQ(0, bad[0]);
	EXPECT_EQ(0, bad[1]);
	EXPECT_EQ(0, bad[2]);
}

FIXTURE(locked) {
	struct target t;
	int dev;
};

FIXTURE_VARIANT(locked) {
	const char *helper;
	const char *arg;
};

FIXTURE_VARIANT_ADD(locked, native) { .helper = "mmap_target", .arg = "unprivileged" };
FIXTURE_VARIANT_ADD(locked, native_mlockall) { .helper = "mmap_target", .arg = "mlockall" };
FIXTURE_VARIANT_ADD(locked, compat) { .helper = "mmap_target32", .arg = "unprivileged" };

FIXTURE_SETUP(locked)
{
	int ret = fixture_start(&self->dev, &self->t, variant->helper, variant->arg);

	if (ret == -ENOEXEC)
		SKIP(return, "this kernel cannot run %s (no 32-bit support)", variant->helper);
	ASSERT_EQ(0, ret) TH_LOG("%s %s: %s", variant->helper, variant->arg, strerror(-ret));
}

FIXTURE_TEARDOWN(locked)
{
	fixture_stop(self->dev, &self->t);
}

/*
 * RLIMIT_MEMLOCK a few pages above what a target without CAP_IPC_LOCK has
 * locked, then zero: the dry-run must refuse what do_mmap() refuses, with
 * EAGAIN, and MAP_LOCKED under a zero limit with EPERM.
 */
TEST_F_TIMEOUT(locked, mlock_limits_match_real_mmap, 300)
{
	const long spare = 8;
	struct limit_probe probe = {
		.kinds = lock_kinds, .nr_kinds = ARRAY_SIZE(lock_kinds),
		.error = -EAGAIN, .layer = VMALENS_LAYER_DO_MMAP,
	};
	struct rlimit lim;
	int refused = 0, placed = 0;

	lim.rlim_cur = lim.rlim_max = limit_above(self->t.pid, "VmLck", spare);
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_MEMLOCK, &lim, NULL));
	EXPECT_EQ(0, compare_near_limit(_metadata, self->dev, &self->t, &probe, spare,
					&refused, &placed));
	printf("# RLIMIT_MEMLOCK: %d refused (EAGAIN), %d placed\n", refused, placed);
	EXPECT_LT(0, refused);
	EXPECT_LT(0, placed);

	refused = placed = 0;
	lim.rlim_cur = lim.rlim_max = 0;
	probe.error = -EPERM;
	ASSERT_EQ(0, prlimit(self->t.pid, RLIMIT_MEMLOCK, &lim, NULL));
	EXPECT_EQ(0, compare_near_limit(_metadata, self->dev, &self->t, &probe, spare,
					&refused, &placed));
	printf("# RLIMIT_MEMLOCK 0: %d refused (EPERM), %d placed\n", refused, placed);
	EXPECT_LT(0, refused);
	if (strcmp(variant->arg, "mlockall"))
		EXPECT_LT(0, placed);
}

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, n;

	if (!f)
		return -errno;
	*buf = malloc(cap);
	*len = 0;
	while (*buf && (n = fread(*buf + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len == cap)
			*buf = realloc(*buf, cap *= 2);
	}
	fclose(f);
	return *buf ? 0 : -ENOMEM;
}

FIXTURE(unchanged) {
	struct target t;
	int dev;
};

FIXTURE_SETUP(unchanged)
{
	self->dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, open_files()) TH_LOG("the files to map: %s", strerror(errno));
	ASSERT_EQ(0, target_start(&self->t, "mmap_target", ""));
}

FIXTURE_TEARDOWN(unchanged)
{
	target_stop(&self->t);
	close(self->dev);
	close_files();
}

/* Emulated CPUs are slow: 10,000 round trips to the worker need time. */
TEST_F_TIMEOUT(unchanged, maps_unchanged_after_many_dryruns, 600)
{
	struct vmalens_unmapped_area ua;
	char path[64], *before, *after;
	size_t before_len, after_len;
	struct target *t = &self->t;
	struct request r;
	int dev = self->dev, i;

	snprintf(path, sizeof(path), "/proc/%d/maps", t->pid);
	ASSERT_EQ(0, read_file(path, &before, &before_len));
	seed_rng();
	for (i = 0; i < UNCHANGED_DRYRUNS; i++) {
		random_request(t, &r);
		ASSERT_EQ(0, dryrun(dev, t->pid, &r, rnd_below(3), &ua));
	}
	ASSERT_EQ(0, read_file(path, &after, &after_len));
	EXPECT_EQ(before_len, after_len);
	EXPECT_EQ(0, memcmp(before, after, before_len < after_len ? before_len : after_len));
	free(before);
	free(after);
}

/* --- bad input -------------------------------------------------------------- */

FIXTURE(badinput) {
	int dev;
	struct vmalens_unmapped_area ua;
};

FIXTURE_SETUP(badinput)
{
	self->dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	memset(&self->ua, 0, sizeof(self->ua));
	self->ua.size = sizeof(self->ua);
	self->ua.pid = getpid();
	self->ua.len = page_size();
	self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	self->ua.fd = -1;
}

FIXTURE_TEARDOWN(badinput)
{
	close(self->dev);
}

static int ua_ioctl(int dev, void *arg)
{
	return ioctl(dev, VMALENS_IOC_UNMAPPED_AREA, arg) ? errno : 0;
}

TEST_F(badinput, good_request_works)
{
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(0, self->ua.error);
	EXPECT_NE(0, self->ua.addr);
}

TEST_F(badinput, sizes)
{
	char big[2 * 4096 + 64] __attribute__((aligned(8)));
	struct vmalens_unmapped_area *ua = (void *)big;

	self->ua.size = 0;
	EXPECT_EQ(EINVAL, ua_ioctl(self->dev, &self->ua));
	self->ua.size = VMALENS_UNMAPPED_AREA_SIZE_VER0 - 8;
	EXPECT_EQ(EINVAL, ua_ioctl(self->dev, &self->ua));
	self->ua.size = page_size() + 8;
	EXPECT_EQ(E2BIG, ua_ioctl(self->dev, &self->ua));
	/* A newer, larger struct: fine while its tail is zero. */
	memset(big, 0, sizeof(big));
	memcpy(ua, &self->ua, sizeof(self->ua));
	ua->size = sizeof(*ua) + 64;
	EXPECT_EQ(0, ua_ioctl(self->dev, ua));
	big[sizeof(*ua) + 8] = 1;
	EXPECT_EQ(E2BIG, ua_ioctl(self->dev, ua));
}

TEST_F(badinput, flags_mode_reserved)
{
	self->ua.flags = 1;
	EXPECT_EQ(EINVAL, ua_ioctl(self->dev, &self->ua));
	self->ua.flags = 0;
	self->ua.mode = 3;
	EXPECT_EQ(EINVAL, ua_ioctl(self->dev, &self->ua));
	self->ua.mode = 0;
	self->ua.reserved = 1;
	EXPECT_EQ(EINVAL, ua_ioctl(self->dev, &self->ua));
	self->ua.reserved = 0;
	self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
	EXPECT_EQ(EOPNOTSUPP, ua_ioctl(self->dev, &self->ua));
	self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_SYNC;
	EXPECT_EQ(EOPNOTSUPP, ua_ioctl(self->dev, &self->ua));
	/* Output fields are ignored on input: a struct can be reused. */
	self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	self->ua.addr = 0x1000;
	self->ua.error = -1;
	EXPECT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(0, self->ua.error);
}

TEST_F(badinput, pids)
{
	self->ua.pid = 0x7ffffff0;
	EXPECT_EQ(ESRCH, ua_ioctl(self->dev, &self->ua));
	self->ua.pid = (uint32_t)-1;
	EXPECT_EQ(ESRCH, ua_ioctl(self->dev, &self->ua));
	self->ua.pid = 2;	/* kthreadd: no address space */
	EXPECT_EQ(ENXIO, ua_ioctl(self->dev, &self->ua));
}

TEST_F(badinput, lengths_are_mmap_errors)
{
	self->ua.len = 0;
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(-EINVAL, self->ua.error);
	self->ua.error = 0;
	self->ua.len = UINT64_MAX - 10;		/* PAGE_ALIGN overflows */
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(-ENOMEM, self->ua.error);
	self->ua.error = 0;
	self->ua.len = 1ULL << 62;
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(-ENOMEM, self->ua.error);
	self->ua.error = 0;
	self->ua.len = 4097;			/* unaligned: rounded up */
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(0, self->ua.error);
}

TEST_F(badinput, user_pointers)
{
	void *unmapped = mmap(NULL, page_size(), PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, unmapped);
	munmap(unmapped, page_size());
	EXPECT_EQ(EFAULT, ua_ioctl(self->dev, NULL));
	EXPECT_EQ(EFAULT, ua_ioctl(self->dev, unmapped));
	EXPECT_EQ(EFAULT, ua_ioctl(self->dev, (void *)(uintptr_t)-4096));
#if defined(__x86_64__) || defined(__aarch64__)
	EXPECT_EQ(EFAULT, ua_ioctl(self->dev, (void *)0xffff888000000000ULL));
#endif
}

TEST_F(badinput, files)
{
	int fd = open("/proc/self/exe", O_RDONLY);

	ASSERT_LE(0, fd);
	self->ua.mmap_flags = MAP_PRIVATE;
	self->ua.fd = 1000;
	EXPECT_EQ(EBADF, ua_ioctl(self->dev, &self->ua));
	self->ua.fd = fd;
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_EQ(0, self->ua.error);
	EXPECT_NE(0, self->ua.addr);
	/* the file's ->mmap still runs after what is modelled: said so */
	EXPECT_TRUE(self->ua.result_flags & VMALENS_UA_UNMODELLED_FILE_MMAP);
	self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua));
	EXPECT_FALSE(self->ua.result_flags & VMALENS_UA_UNMODELLED_FILE_MMAP);
	close(fd);
}

struct file_case {
	const char *what;
	int fd;
	uint64_t prot, flags, pgoff;
	uint64_t len;		/* 0: a page */
};

/*
 * Ask the dry-run about @c for the caller itself, in @ua, then map @c for
 * real and unmap it: *real is the real mmap's -errno, or 0. Returns the
 * ioctl's errno, 0 when it answered.
 */
static int ask_then_map(int dev, struct vmalens_unmapped_area *ua,
			const struct file_case *c, int *real)
{
	uint64_t len = c->len ? c->len : page_size();
	void *p;
	int ret;

	ua->fd = c->fd;
	ua->prot = c->prot;
	ua->mmap_flags = c->flags;
	ua->pgoff = c->pgoff;
	ua->len = len;
	ret = ua_ioctl(dev, ua);
	if (ret)
		return ret;
	p = mmap(NULL, len, c->prot, c->flags, c->fd, (off_t)(c->pgoff * page_size()));
	*real = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	return 0;
}

/*
 * do_mmap()'s file checks, asked about the test itself and compared with
 * its own mmap of the same fd right after: an offset past what a regular
 * file can address (EOVERFLOW), PROT_EXEC on a noexec mount (EPERM), a
 * shared writable mapping of a read-only fd and any mapping of a
 * write-only one (EACCES), MAP_GROWSDOWN on a file (EINVAL), a shared
 * writable mapping of a write-sealed memfd (EPERM; before the 6.7 rework
 * or its backport, a read-only one of an F_SEAL_WRITE memfd too), and
 * their neighbours that succeed.
 */
TEST_F(badinput, file_checks_match_own_mmap)
{
	char path[] = "/tmp/vmalens-fileXXXXXX";
	uint64_t pg = page_size(), last = (uint64_t)LLONG_MAX / pg;
	int rw, ro, wo, nx, sw, sf, err, refused = 0;
	unsigned int i;

	rw = mkstemp(path);
	ASSERT_LE(0, rw);
	ASSERT_EQ(0, ftruncate(rw, 4 * pg));
	ro = open(path, O_RDONLY);
	wo = open(path, O_WRONLY);
	unlink(path);
	mkdir(NOEXEC_DIR, 0700);
	ASSERT_EQ(0, mount("tmpfs", NOEXEC_DIR, "tmpfs", MS_NOEXEC, NULL));
	nx = open(NOEXEC_DIR "/file", O_RDWR | O_CREAT, 0600);
	umount2(NOEXEC_DIR, MNT_DETACH);	/* the fd keeps it alive */
	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	ASSERT_LE(0, nx);
	ASSERT_EQ(0, ftruncate(nx, 4 * pg));
	sw = sealed_memfd(F_SEAL_WRITE);
	sf = sealed_memfd(F_SEAL_FUTURE_WRITE);
	ASSERT_LE(0, sw);
	ASSERT_LE(0, sf);
	{
		const struct file_case cases[] = {
			{ "past the last offset", rw, PROT_READ, MAP_PRIVATE, last, 0 },
			{ "at the last offset", rw, PROT_READ, MAP_PRIVATE, last - 1, 0 },
			{ "exec, noexec mount", nx, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, 0 },
			{ "read, noexec mount", nx, PROT_READ, MAP_PRIVATE, 0, 0 },
			{ "shared writable, read-only fd", ro, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0 },
			{ "shared read-only, read-only fd", ro, PROT_READ, MAP_SHARED, 0, 0 },
			{ "shared, write-only fd", wo, PROT_WRITE, MAP_SHARED, 0, 0 },
			{ "private, write-only fd", wo, PROT_READ, MAP_PRIVATE, 0, 0 },
			{ "shared growsdown", rw, PROT_READ, MAP_SHARED | MAP_GROWSDOWN, 0, 0 },
			{ "private growsdown", rw, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, 0, 0 },
			{ "shared writable", rw, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0 },
			{ "shared writable, F_SEAL_WRITE", sw, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0 },
			{ "shared read-only, F_SEAL_WRITE", sw, PROT_READ, MAP_SHARED, 0, 0 },
			{ "private writable, F_SEAL_WRITE", sw, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, 0 },
			{ "shared writable, F_SEAL_FUTURE_WRITE", sf, PROT_READ | PROT_WRITE,
			  MAP_SHARED_VALIDATE, 0, 0 },
			{ "shared read-only, F_SEAL_FUTURE_WRITE", sf, PROT_READ, MAP_SHARED, 0, 0 },
#ifdef __x86_64__
			/*
			 * MAP_32BIT's random start leaves no room for 1 GiB in
			 * its 1 GiB window: ENOMEM before the fd's EACCES
			 */
			{ "1 GiB MAP_32BIT shared writable, read-only fd", ro,
			  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_32BIT, 0, 1ULL << 30 },
#endif
		};

		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			bool random_enomem;

			ASSERT_EQ(0, ask_then_map(self->dev, &self->ua, &cases[i], &err))
				TH_LOG("%s", cases[i].what);
			random_enomem = err == -ENOMEM &&
					(self->ua.result_flags & VMALENS_UA_RANDOM) &&
					(self->ua.result_flags & VMALENS_UA_MAY_FAIL);
			if (!random_enomem)
				EXPECT_EQ(err, self->ua.error)
					TH_LOG("%s: real %d, dry-run %d", cases[i].what,
					       err, self->ua.error);
			refused += err != 0 && !cases[i].len;	/* the bounds below */
		}
		printf("# %u file mappings, %d refused, each as the real mmap\n",
		       (unsigned int)ARRAY_SIZE(cases), refused);
		/* 10 before the 6.7 rework: read-only shared with F_SEAL_WRITE too */
		EXPECT_LE(9, refused);
		EXPECT_GE(10, refused);
	}
	close(sw);
	close(sf);
	close(rw);
	close(ro);
	close(wo);
	close(nx);
}

#ifdef __aarch64__
#define HWCAP2_MTE_ARM64	(1UL << 18)
#define RAMFS_DIR		"/tmp/vmalens-ramfs"

/*
 * With MTE, PROT_MTE asks for tags: anonymous memory, tmpfs files and
 * memfds can hold them, private /dev/zero and a file on ramfs cannot (EINVAL,
 * layer arch-flags). Asked about the test itself and compared with its
 * own mmap of the same fd right after.
 */
TEST_F(badinput, prot_mte_matches_own_mmap)
{
	const uint64_t rt = PROT_READ | PROT_MTE_ARM64;
	char path[] = "/tmp/vmalens-mteXXXXXX";
	int tmp, mfd, zero, ram, err, refused = 0;
	unsigned int i;

	if (!(getauxval(AT_HWCAP2) & HWCAP2_MTE_ARM64))
		SKIP(return, "no MTE on this CPU");
	tmp = mkstemp(path);
	ASSERT_LE(0, tmp);
	unlink(path);
	mfd = memfd_create("vmalens-mte", 0);
	zero = open("/dev/zero", O_RDWR);
	mkdir(RAMFS_DIR, 0700);
	ASSERT_EQ(0, mount("ramfs", RAMFS_DIR, "ramfs", 0, NULL));
	ram = open(RAMFS_DIR "/file", O_RDWR | O_CREAT, 0600);
	umount2(RAMFS_DIR, MNT_DETACH);		/* the fd keeps it alive */
	ASSERT_LE(0, mfd);
	ASSERT_LE(0, zero);
	ASSERT_LE(0, ram);
	ASSERT_EQ(0, ftruncate(tmp, page_size()));
	ASSERT_EQ(0, ftruncate(mfd, page_size()));
	ASSERT_EQ(0, ftruncate(ram, page_size()));
	{
		const struct file_case cases[] = {
			{ "anonymous private", -1, rt, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0 },
			{ "anonymous shared", -1, rt, MAP_SHARED | MAP_ANONYMOUS, 0, 0 },
			{ "tmpfs file, private", tmp, rt, MAP_PRIVATE, 0, 0 },
			{ "tmpfs file, shared", tmp, rt, MAP_SHARED, 0, 0 },
			{ "memfd, shared", mfd, rt, MAP_SHARED, 0, 0 },
			/* not shared: see mte_breaks_kernel() */
			{ "/dev/zero, private", zero, rt, MAP_PRIVATE, 0, 0 },
			{ "ramfs file, private", ram, rt, MAP_PRIVATE, 0, 0 },
			{ "ramfs file, without PROT_MTE", ram, PROT_READ, MAP_PRIVATE, 0, 0 },
		};

		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			ASSERT_EQ(0, ask_then_map(self->dev, &self->ua, &cases[i], &err))
				TH_LOG("%s", cases[i].what);
			EXPECT_EQ(err, self->ua.error)
				TH_LOG("%s: real %d, dry-run %d", cases[i].what, err,
				       self->ua.error);
			if (err)
				EXPECT_EQ(VMALENS_LAYER_ARCH_FLAGS, self->ua.layer)
					TH_LOG("%s: layer %u", cases[i].what, self->ua.layer);
			refused += err != 0;
		}
		printf("# %u PROT_MTE mappings, %d refused, each as the real mmap\n",
		       (unsigned int)ARRAY_SIZE(cases), refused);
		EXPECT_EQ(2, refused);	/* /dev/zero, ramfs */
	}
	close(tmp);
	close(mfd);
	close(zero);
	close(ram);
}
#endif

struct input_case {
	const char *what;
	uint64_t prot, flags;
	int fd;
};

/*
 * What mmap accepts and ignores, or refuses by type, asked about the test
 * itself and compared with its own mmap right after: errno and address.
 */
TEST_F(badinput, inputs_match_own_mmap)
{
	const uint64_t rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	const struct input_case cases[] = {
		{ "MAP_UNINITIALIZED", rw, anon | MAP_UNINITIALIZED, -1 },
		{ "MAP_HUGE_2MB without MAP_HUGETLB", rw, anon | (21ULL << 26), -1 },
		{ "an unassigned MAP_ bit", rw, anon | 0x800000, -1 },
		{ "an unassigned MAP_ bit, shared", rw, MAP_SHARED | MAP_ANONYMOUS | 0x800000, -1 },
		{ "PROT_SEM", rw | 0x8, anon, -1 },
		{ "prot 0x10 (arm64 PROT_BTI)", PROT_READ | PROT_EXEC | 0x10, anon, -1 },
		{ "prot 0x20 (arm64 PROT_MTE)", rw | 0x20, anon, -1 },
		{ "PROT_GROWSDOWN", rw | PROT_GROWSDOWN, anon, -1 },
		{ "an anonymous mapping's fd", rw, anon, 999 },
		{ "MAP_DROPPABLE", rw, MAP_DROPPABLE | MAP_ANONYMOUS, -1 },
		{ "MAP_DROPPABLE, locked", rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1 },
		{ "MAP_DROPPABLE, growsdown", rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1 },
		{ "MAP_SHARED_VALIDATE, anonymous", rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1 },
		{ "type 0xf", rw, 0xf | MAP_ANONYMOUS, -1 },
		{ "MAP_ABOVE4G (x86)", rw, anon | 0x80, -1 },
	};
	uint64_t pg = page_size();
	int err, refused = 0;
	unsigned int i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ua.prot = cases[i].prot;
		self->ua.mmap_flags = cases[i].flags;
		self->ua.fd = cases[i].fd;
		ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua)) TH_LOG("%s", cases[i].what);
		p = mmap(NULL, pg, cases[i].prot, cases[i].flags, cases[i].fd, 0);
		err = p == MAP_FAILED ? -errno : 0;
		EXPECT_EQ(err, self->ua.error) TH_LOG("%s: real %d, dry-run %d",
						       cases[i].what, err, self->ua.error);
		if (p != MAP_FAILED) {
			EXPECT_EQ((uintptr_t)p, self->ua.addr) TH_LOG("%s", cases[i].what);
			munmap(p, pg);
		}
		refused += err != 0;
	}
	printf("# %u inputs, %d refused, each as the real mmap\n",
	       (unsigned int)ARRAY_SIZE(cases), refused);
	/* droppable locked or growsdown, shared-validate anonymous, type 0xf */
	EXPECT_LE(4, refused);
}

/*
 * MAP_FIXED over pages sealed by mseal(2) (6.10+): EPERM from the seal
 * layer, where MAP_FIXED_NOREPLACE says EEXIST first and the unsealed
 * neighbours are replaced; compared with the test's own mmap each time.
 */
TEST_F(badinput, map_fixed_over_mseal_matches_own_mmap)
{
	struct { const char *what; unsigned int page, pages; uint64_t flags; } cases[] = {
		{ "over the sealed pages", 2, 2, MAP_FIXED },
		{ "across the seal's start", 1, 2, MAP_FIXED },
		{ "across the seal's end", 3, 2, MAP_FIXED },
		{ "NOREPLACE over them", 2, 1, MAP_FIXED_NOREPLACE },
		{ "before them", 0, 2, MAP_FIXED },
		{ "after them", 4, 2, MAP_FIXED },
	};
	uint64_t pg = page_size(), rw = PROT_READ | PROT_WRITE;
	int err, by_seal = 0;
	unsigned int i;
	char *base, *p;

	base = mmap(NULL, 6 * pg, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	if (syscall(__NR_mseal, base + 2 * pg, 2 * pg, 0)) {
		ASSERT_EQ(ENOSYS, errno);
		SKIP(return, "no mseal(2) on this kernel");
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ua.hint = (uintptr_t)base + cases[i].page * pg;
		self->ua.len = cases[i].pages * pg;
		self->ua.prot = rw;
		self->ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS | cases[i].flags;
		ASSERT_EQ(0, ua_ioctl(self->dev, &self->ua)) TH_LOG("%s", cases[i].what);
		p = mmap((void *)(uintptr_t)self->ua.hint, self->ua.len, rw,
			 self->ua.mmap_flags, -1, 0);
		err = p == MAP_FAILED ? -errno : 0;
		EXPECT_EQ(err, self->ua.error) TH_LOG("%s: real %d, dry-run %d",
						       cases[i].what, err, self->ua.error);
		if (p != MAP_FAILED)
			EXPECT_EQ((uintptr_t)p, self->ua.addr) TH_LOG("%s", cases[i].what);
		if (self->ua.error == -EPERM) {
			EXPECT_EQ(VMALENS_LAYER_SEAL, self->ua.layer);
			by_seal++;
		}
	}
	printf("# %u MAP_FIXED requests, %d refused by the seal\n",
	       (unsigned int)ARRAY_SIZE(cases), by_seal);
	EXPECT_EQ(3, by_seal);
}

/*
 * prctl(PR_SET_MDWE) (6.3+): a child that cannot undo it asks about itself,
 * then maps; a writable and executable mapping is EACCES from the mdwe layer.
 */
TEST_F(badinput, mdwe_matches_own_mmap)
{
	static const uint64_t prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC,
	};
	int status, i;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int bad = 0, refused = 0, err;
		void *p;

		if (prctl(65 /* PR_SET_MDWE */, 1 /* REFUSE_EXEC_GAIN */, 0, 0, 0))
			_exit(errno == EINVAL ? 100 : 101);
		self->ua.pid = getpid();
		for (i = 0; i < (int)ARRAY_SIZE(prots); i++) {
			self->ua.prot = prots[i];
			if (ua_ioctl(self->dev, &self->ua))
				_exit(102);
			p = mmap(NULL, page_size(), prots[i], MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			err = p == MAP_FAILED ? -errno : 0;
			bad += err != self->ua.error ||
			       (err && self->ua.layer != VMALENS_LAYER_MDWE);
			refused += err != 0;
		}
		_exit(bad ? 103 : refused);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		SKIP(return, "no prctl(PR_SET_MDWE) on this kernel");
	EXPECT_EQ(2, WEXITSTATUS(status)) TH_LOG("101: prctl, 102: ioctl, 103: mismatch");
	if (WEXITSTATUS(status) < 100)
		printf("# %d requests under MDWE, %d refused, each as the real mmap\n",
		       (int)ARRAY_SIZE(prots), WEXITSTATUS(status));
}

TEST_F(badinput, unknown_ioctl)
{
	EXPECT_EQ(-1, ioctl(self->dev, _IO(VMALENS_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(ENOTTY, errno);
}

/* Without CAP_SYS_PTRACE only one's own process may be asked about. */
TEST_F(badinput, other_process_needs_cap_sys_ptrace)
{
	pid_t child = fork();
	int status;

	ASSERT_LE(0, child);
	if (!child) {
		int rc;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		self->ua.pid = 1;
		rc = ua_ioctl(self->dev, &self->ua);
		if (rc != EPERM)
			_exit(11);
		self->ua.pid = getpid();
		_exit(ua_ioctl(self->dev, &self->ua) == 0 ? 0 : 12);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
