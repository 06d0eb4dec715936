// SPDX-License-Identifier: GPL-2.0
/*
 * What a caller or a target can do to the module: exec in a loop while it
 * is read, wedge its own mmap_lock, hide /proc or bind-mount over it,
 * reuse a pid, pass a file descriptor to someone else, or race a failing
 * module load. Each case must end in a documented errno or a right
 * answer, never in a crash, a hang or another process's data.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#define DBG		"/sys/kernel/debug/vmalens"
#define LOCKHOLD	"/sys/kernel/debug/vmalens_lockhold"
#define LOCKHOLD_KO	"/opt/vmalens/selftests/helpers/vmalens_lockhold.ko"
#define NOBODY		65534

static const char *module_path(void)
{
	const char *path = getenv("VMALENS_KO");

	return path ? path : "/opt/vmalens/vmalens.ko";
}

static int load_module_path(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret ? -errno : 0;
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the ioctls, each returning 0 or -errno ------------------------------- */

static int do_layout(int fd, pid_t pid, struct vmalens_mm_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->pid = pid;
	return ioctl(fd, VMALENS_IOC_LAYOUT, l) ? -errno : 0;
}

static int do_dryrun(int fd, pid_t pid, unsigned int mode, uint64_t len,
		     struct vmalens_unmapped_area *ua)
{
	memset(ua, 0, sizeof(*ua));
	ua->size = sizeof(*ua);
	ua->pid = pid;
	ua->len = len;
	ua->prot = PROT_READ | PROT_WRITE;
	ua->mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	ua->fd = -1;
	ua->mode = mode;
	return ioctl(fd, VMALENS_IOC_UNMAPPED_AREA, ua) ? -errno : 0;
}

static int do_vmas(int fd, pid_t pid, uint64_t start, struct vmalens_vma *recs,
		   uint32_t cap, struct vmalens_vmas *req)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->pid = pid;
	req->start = start;
	req->vmas_addr = (uintptr_t)recs;
	req->vma_size = sizeof(*recs);
	req->vma_count = cap;
	return ioctl(fd, VMALENS_IOC_VMAS, req) ? -errno : 0;
}

static int do_query(int fd, pid_t pid, uint64_t addr, char *name, size_t size)
{
	struct vmalens_query q = {
		.size = sizeof(q), .pid = pid, .addr = addr,
		.flags = VMALENS_QUERY_COVERING_OR_NEXT,
		.name_addr = (uintptr_t)name, .name_size = size,
	};

	return ioctl(fd, VMALENS_IOC_QUERY, &q) ? -errno : 0;
}

/* Write a pid to an open debugfs report; 0 or -errno. */
static int write_pid(int fd, pid_t pid)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", pid);

	return write(fd, buf, len) == len ? 0 : -errno;
}

/* --- processes the tests look at ------------------------------------------ */

/* A child that sleeps until killed. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (!pid) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * A child with @n extra single-page VMAs (alternate protections keep them
 * from merging), which then sleeps. With @near_stack they are put just
 * below the stack, above every mmap of ours, where a forked sibling that
 * shares our layout has none.
 */
static pid_t spawn_many_vmas_at(int n, bool near_stack)
{
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		long page = sysconf(_SC_PAGESIZE);
		uintptr_t hint = near_stack ?
				 ((uintptr_t)&c & ~0xfffffUL) - (32UL << 20) : 0;
		char *base = mmap((void *)hint, page * 2 * n, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int i;

		for (i = 0; base != MAP_FAILED && i < n; i++)
			mprotect(base + 2 * i * page, page, PROT_READ);
		c = base == MAP_FAILED ? 'x' : 'k';
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1 || c != 'k')
		pid = -1;
	close(pipefd[0]);
	return pid;
}

static pid_t spawn_many_vmas(int n)
{
	return spawn_many_vmas_at(n, false);
}

/* Start address of every line of /proc/PID/maps, in order. */
static int maps_starts(pid_t pid, uint64_t *starts, int max)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f))
		if (!strstr(line, " [vsyscall]"))	/* in no VMA tree */
			starts[n++] = strtoull(line, NULL, 16);
	fclose(f);
	return n;
}

/* --- exec race ---------------------------------------------------------------- */

/*
 * The exec-loop target is this very binary: with VMALENS_EXEC_LOOP set it
 * execs itself again before main() runs, forever.
 */
__attribute__((constructor)) static void exec_loop(void)
{
	char *argv[] = { "safety_test", NULL };

	if (!getenv("VMALENS_EXEC_LOOP"))
		return;
	for (;;)
		execve("/proc/self/exe", argv, environ);
}

struct race {
	pid_t target;
	int dev;
	double until;
	/* counts, per outcome */
	long ok, errs, bad;
	char why[256];
};

static void race_bad(struct race *r, const char *what, int err)
{
	__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	snprintf(r->why, sizeof(r->why), "%s: %s", what, strerror(-err));
}

/* The errnos a request about an exec'ing process may end in. */
static bool race_errno(int err)
{
	return err == -ESRCH || err == -ENXIO || err == -EAGAIN ||
	       err == -EINTR || err == -ENOENT;
}

static void race_one(struct race *r, unsigned int i)
{
	struct vmalens_unmapped_area ua;
	struct vmalens_mm_layout l;
	struct vmalens_vma recs[16];
	struct vmalens_vmas req;
	char name[256];
	int err;

	switch (i % 6) {
	case 0:
		err = do_layout(r->dev, r->target, &l);
		if (!err && (!l.task_size || !l.mmap_base ||
			     l.mmap_base > l.task_size))
			return race_bad(r, "LAYOUT of a half-made mm", 0);
		break;
	case 1: case 2: case 3:
		err = do_dryrun(r->dev, r->target, i % 6 - 1, 1 << 20, &ua);
		if (!err && !ua.error && (!ua.addr || ua.addr >= (1ULL << 57)))
			return race_bad(r, "UNMAPPED_AREA answer", 0);
		break;
	case 4:
		err = do_vmas(r->dev, r->target, 0, recs, 16, &req);
		break;
	default:
		err = do_query(r->dev, r->target, 0, name, sizeof(name));
		break;
	}
	if (!err)
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
	else if (race_errno(err))
		__atomic_add_fetch(&r->errs, 1, __ATOMIC_RELAXED);
	else
		race_bad(r, "undocumented errno", err);
}

static void *race_ioctls(void *arg)
{
	struct race *r = arg;
	unsigned int i = 0;

	while (now() < r->until)
		race_one(r, i++);
	return NULL;
}

/* The debugfs reports of the same target, opened and read over and over. */
static void *race_debugfs(void *arg)
{
	static const char *const files[] = { DBG "/layout", DBG "/vmas" };
	struct race *r = arg;
	unsigned int i = 0;
	char buf[4096];

	while (now() < r->until) {
		int fd = open(files[i++ % 2], O_RDWR);
		ssize_t n;

		if (fd < 0)
			return NULL;	/* no debugfs: the ioctls still race */
		if (!write_pid(fd, r->target)) {
			do
				n = read(fd, buf, sizeof(buf));
			while (n > 0);
			if (n < 0 && !race_errno(-errno))
				race_bad(r, "debugfs read", -errno);
		}
		close(fd);
	}
	return NULL;
}

TEST(exec_race)
{
	/* The module before the fix died after 3.9 s; 10 s is well past it. */
	double secs = getenv("VMALENS_RACE_SECS") ?
		      atof(getenv("VMALENS_RACE_SECS")) : 10;
	struct race r = { .dev = open(VMALENS_DEVICE, O_RDWR) };
	pthread_t th[4];
	int i;

	ASSERT_LE(0, r.dev);
	setenv("VMALENS_EXEC_LOOP", "1", 1);
	r.target = fork();
	if (!r.target)
		exec_loop();
	unsetenv("VMALENS_EXEC_LOOP");
	ASSERT_LT(0, r.target);
	r.until = now() + secs;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_ioctls, &r));
	ASSERT_EQ(0, pthread_create(&th[3], NULL, race_debugfs, &r));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	reap(r.target);
	close(r.dev);
	TH_LOG("%.0f s against an exec loop: %ld answers, %ld documented errors, %ld bad",
	       secs, r.ok, r.errs, r.bad);
	EXPECT_EQ(0, r.bad) TH_LOG("first bad: %s", r.why);
	EXPECT_LT(0, r.ok);
}

/* --- a wedged target ---------------------------------------------------------- */

struct wedge {
	pid_t target, holder, asker;
	bool have_lockhold;
};

/* Hold @target's mmap_lock for writing for @ms, from a child. */
static pid_t hold_lock(pid_t target, unsigned int ms)
{
	pid_t pid = fork();

	if (!pid) {
		char buf[32];
		int fd = open(LOCKHOLD, O_WRONLY);
		int len = snprintf(buf, sizeof(buf), "%d %u", target, ms);

		_exit(fd >= 0 && write(fd, buf, len) == len ? 0 : 1);
	}
	return pid;
}

/* A child that asks one dry-run about @target, and reports how it ended. */
static pid_t ask_dryrun(pid_t target)
{
	pid_t pid = fork();

	if (!pid) {
		struct vmalens_unmapped_area ua;
		int fd = open(VMALENS_DEVICE, O_RDWR);

		_exit(do_dryrun(fd, target, VMALENS_MODE_AUTO, 4096, &ua) ? 1 : 0);
	}
	return pid;
}

/* Wait up to @secs for @pid; true if it ended. */
static bool wait_exit(pid_t pid, double secs, int *status)
{
	double end = now() + secs;

	while (now() < end) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(20000);
	}
	return false;
}

FIXTURE(wedged) {
	struct wedge w;
};

FIXTURE_SETUP(wedged)
{
	int err = load_module_path(LOCKHOLD_KO, "");

	if (err && err != -EEXIST)
		SKIP(return, "no test module %s (%s)", LOCKHOLD_KO, strerror(-err));
	if (access(LOCKHOLD, W_OK))
		SKIP(return, "no debugfs for the test module");
	self->w.have_lockhold = true;
	self->w.target = spawn_sleeper();
	ASSERT_LT(0, self->w.target);
	self->w.holder = hold_lock(self->w.target, 10000);
	ASSERT_LT(0, self->w.holder);
	usleep(300000);		/* let it take the lock */
}

FIXTURE_TEARDOWN(wedged)
{
	if (!self->w.have_lockhold)
		return;
	if (self->w.holder > 0)
		waitpid(self->w.holder, NULL, 0);
	reap(self->w.target);
	unload_module("vmalens_lockhold");
	/* Whatever happened, leave the module loaded for the next test. */
	load_module_path(module_path(), "");
}

/*
 * A dry-run about a process whose mmap_lock is wedged waits, killably; a
 * dry-run about any other process meanwhile answers at once; and rmmod
 * does not wait for the wedged one.
 */
TEST_F(wedged, others_answer_and_rmmod_returns)
{
	struct vmalens_unmapped_area ua;
	int dev = open(VMALENS_DEVICE, O_RDWR), status, err;
	double t0;

	ASSERT_LE(0, dev);
	self->w.asker = ask_dryrun(self->w.target);
	ASSERT_LT(0, self->w.asker);
	usleep(300000);
	ASSERT_EQ(0, waitpid(self->w.asker, &status, WNOHANG))
		TH_LOG("the dry-run about the wedged process did not wait");

	t0 = now();
	ASSERT_EQ(0, do_dryrun(dev, 0, VMALENS_MODE_AUTO, 4096, &ua));
	EXPECT_EQ(0, ua.error);
	EXPECT_GT(2.0, now() - t0)
		TH_LOG("a dry-run about ourselves waited %.1f s behind the wedged one",
		       now() - t0);
	close(dev);

	kill(self->w.asker, SIGKILL);
	EXPECT_TRUE(wait_exit(self->w.asker, 2.0, &status))
		TH_LOG("the waiting dry-run did not end on SIGKILL");

	t0 = now();
	err = unload_module("vmalens");
	EXPECT_GT(3.0, now() - t0) TH_LOG("rmmod took %.1f s", now() - t0);
	EXPECT_TRUE(!err || err == -EBUSY || err == -EAGAIN)
		TH_LOG("rmmod: %s", strerror(-err));
	TH_LOG("rmmod while the lock was wedged: %s after %.2f s",
	       err ? strerror(-err) : "unloaded", now() - t0);
}

/* LAYOUT and VMAS wait for the wedged lock killably too. */
TEST_F(wedged, layout_is_killable)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		struct vmalens_mm_layout l;
		int fd = open(VMALENS_DEVICE, O_RDWR);

		_exit(do_layout(fd, self->w.target, &l) ? 1 : 0);
	}
	usleep(300000);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));
	kill(pid, SIGKILL);
	EXPECT_TRUE(wait_exit(pid, 2.0, &status));
}

/* Whether the module reads VMAS under per-VMA locks; -errno if unknown. */
static int per_vma_walk(int fd)
{
	struct vmalens_version v = { .size = sizeof(v) };

	if (ioctl(fd, VMALENS_IOC_VERSION, &v))
		return -errno;
	return !!(v.features & VMALENS_FEATURE_PER_VMA_LOCK);
}

/* per_vma_walk(), asked on an open of its own. */
static int per_vma_walk_now(void)
{
	int dev = open(VMALENS_DEVICE, O_RDWR), ret;

	if (dev < 0)
		return -errno;
	ret = per_vma_walk(dev);
	close(dev);
	return ret;
}

/* Child @pid, a @what of the wedged target, waits for the lock, killably. */
static void expect_waits_killably(struct __test_metadata *_metadata, pid_t pid,
				  bool ended, const char *what)
{
	int status;

	EXPECT_FALSE(ended) TH_LOG("the %s did not wait for the wedged lock", what);
	kill(pid, SIGKILL);
	EXPECT_TRUE(ended || wait_exit(pid, 2.0, &status))
		TH_LOG("the waiting %s did not end on SIGKILL", what);
}

/* A child that walks @target's VMAs into shared @recs; exits 0 on success. */
static pid_t walk_in_child(pid_t target, struct vmalens_vmas *req,
			   struct vmalens_vma *recs, uint32_t cap)
{
	pid_t pid = fork();

	if (!pid) {
		int fd = open(VMALENS_DEVICE, O_RDWR);

		_exit(fd >= 0 && !do_vmas(fd, target, 0, recs, cap, req) ? 0 : 1);
	}
	return pid;
}

/*
 * With per-VMA locks (6.12 and 7.3 here) the walk never takes the mmap
 * lock, so a writer that holds it does not hold the walk up: every VMA
 * comes back, sorted. Elsewhere (5.10, 6.1) it waits for it, killably.
 */
TEST_F(wedged, vmas_walks_past_the_lock_or_waits_killably)
{
	const uint32_t cap = 4096;
	int per_vma = per_vma_walk_now(), status;
	struct vmalens_vmas *req;
	struct vmalens_vma *recs;
	uint32_t i, sorted = 1;
	bool ended;
	pid_t pid;

	ASSERT_LE(0, per_vma) TH_LOG("VMALENS_IOC_VERSION: %s", strerror(-per_vma));
	req = mmap(NULL, sizeof(*req) + cap * sizeof(*recs), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, req);
	recs = (struct vmalens_vma *)(req + 1);
	pid = walk_in_child(self->w.target, req, recs, cap);
	ASSERT_LT(0, pid);
	ended = wait_exit(pid, 2.0, &status);
	if (!per_vma) {
		expect_waits_killably(_metadata, pid, ended, "walk");
		TH_LOG("the walk waits for the mmap lock (no per-VMA locks here)");
		munmap(req, sizeof(*req) + cap * sizeof(*recs));
		return;
	}
	if (!ended)
		kill(pid, SIGKILL);
	ASSERT_TRUE(ended) TH_LOG("the walk waited for the wedged mmap lock");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_LE(5, req->vma_count);
	EXPECT_EQ(0, req->next);
	for (i = 1; i < req->vma_count; i++)
		sorted &= recs[i - 1].end <= recs[i].start && recs[i].start < recs[i].end;
	EXPECT_TRUE(sorted);
	TH_LOG("%u VMAs read while the mmap lock was held for writing", req->vma_count);
	munmap(req, sizeof(*req) + cap * sizeof(*recs));
}

/* What a child's read of the debugfs "vmas" file saw, in shared memory. */
struct vmas_read {
	unsigned int vmas;
	bool sorted;
};

/* Read @target's debugfs "vmas" file whole; 0, or -errno. */
static int read_vmas_file(pid_t target, struct vmas_read *r)
{
	unsigned long start, end, prev_end = 0;
	char *text, *line, *save;
	int err = vml_read("vmas", target, &text);

	if (err)
		return err;
	r->sorted = true;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) != 2)
			continue;	/* a "-- gap" line */
		r->sorted &= prev_end <= start && start < end;
		prev_end = end;
		r->vmas++;
	}
	free(text);
	return 0;
}

/*
 * The same for the debugfs "vmas" file, which people cat in a loop: with
 * per-VMA locks it reads past a wedged mmap lock, elsewhere it waits for
 * it killably.
 */
TEST_F(wedged, vmas_file_reads_past_the_lock_or_waits_killably)
{
	int per_vma = per_vma_walk_now(), status;
	struct vmas_read *r;
	bool ended;
	pid_t pid;

	ASSERT_LE(0, per_vma) TH_LOG("VMALENS_IOC_VERSION: %s", strerror(-per_vma));
	if (access(DBG "/vmas", R_OK))
		SKIP(return, "no debugfs");
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	pid = fork();
	if (!pid)
		_exit(read_vmas_file(self->w.target, r) ? 1 : 0);
	ASSERT_LT(0, pid);
	ended = wait_exit(pid, 2.0, &status);
	if (!per_vma) {
		expect_waits_killably(_metadata, pid, ended, "read");
		munmap(r, sizeof(*r));
		return;
	}
	if (!ended)
		kill(pid, SIGKILL);
	ASSERT_TRUE(ended) TH_LOG("the read waited for the wedged mmap lock");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_LE(5, r->vmas);
	EXPECT_TRUE(r->sorted);
	TH_LOG("%u VMAs read from debugfs while the mmap lock was held for writing",
	       r->vmas);
	munmap(r, sizeof(*r));
}

/* --- settings come from the kernel, not from the caller's /proc ------------- */

static int layout_in_child(int dev, struct vmalens_mm_layout *out,
			   int (*setup)(void))
{
	struct vmalens_mm_layout *l = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, ret;
	pid_t pid;

	if (l == MAP_FAILED)
		return -ENOMEM;
	pid = fork();
	if (!pid)
		_exit(setup() ? 2 : do_layout(dev, 0, l) ? 1 : 0);
	waitpid(pid, &status, 0);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
	*out = *l;
	munmap(l, sizeof(*l));
	return ret;
}

static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static int chroot_without_proc(void)
{
	if (private_mounts() || (mkdir("/tmp/noproc", 0755) && errno != EEXIST))
		return -1;
	return chroot("/tmp/noproc") || chdir("/");
}

static int fake_sysctls(void)
{
	int fd;

	if (private_mounts())
		return -1;
	fd = open("/tmp/fake5", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "5\n", 2) != 2)
		return -1;
	close(fd);
	fd = open("/tmp/fakecmdline", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "stack_guard_gap=1\n", 18) != 18)
		return -1;
	close(fd);
	return mount("/tmp/fake5", "/proc/sys/vm/mmap_rnd_bits", NULL, MS_BIND, NULL) ||
	       mount("/tmp/fake5", "/proc/sys/vm/mmap_min_addr", NULL, MS_BIND, NULL) ||
	       mount("/tmp/fakecmdline", "/proc/cmdline", NULL, MS_BIND, NULL);
}

static void expect_same_settings(struct __test_metadata *_metadata,
				 const struct vmalens_mm_layout *a,
				 const struct vmalens_mm_layout *b)
{
	EXPECT_EQ(a->mmap_min_addr, b->mmap_min_addr);
	EXPECT_EQ(a->mmap_rnd_bits, b->mmap_rnd_bits);
	EXPECT_EQ(a->mmap_rnd_compat_bits, b->mmap_rnd_compat_bits);
	EXPECT_EQ(a->stack_guard_gap, b->stack_guard_gap);
}

TEST(settings_ignore_the_callers_proc)
{
	struct vmalens_mm_layout base, l;
	int dev = open(VMALENS_DEVICE, O_RDWR);

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, do_layout(dev, 0, &base));
	ASSERT_LT(0, base.mmap_rnd_bits);

	ASSERT_EQ(0, layout_in_child(dev, &l, chroot_without_proc));
	expect_same_settings(_metadata, &base, &l);
	ASSERT_EQ(0, layout_in_child(dev, &l, fake_sysctls));
	expect_same_settings(_metadata, &base, &l);
	close(dev);
}

/* A debugfs file of ours mounted over a sysctl must not make us read ourselves. */
static int layout_over_sysctl(void)
{
	if (private_mounts())
		return -1;
	return mount(DBG "/layout", "/proc/sys/vm/mmap_rnd_bits", NULL,
		     MS_BIND, NULL);
}

TEST(no_recursion_through_a_bind_mount)
{
	struct vmalens_mm_layout base, l;
	int dev = open(VMALENS_DEVICE, O_RDWR);

	ASSERT_LE(0, dev);
	if (access(DBG "/layout", R_OK))
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, do_layout(dev, 0, &base));
	ASSERT_EQ(0, layout_in_child(dev, &l, layout_over_sysctl));
	expect_same_settings(_metadata, &base, &l);
	close(dev);
}

/* --- who may look at what ------------------------------------------------------ */

/* Set the effective and permitted capability sets to @caps. */
static int set_caps(uint64_t caps)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = caps >> 32, .permitted = caps >> 32 },
	};

	return syscall(SYS_capset, &h, d);
}

/* Drop to uid/gid NOBODY, keeping only capability @keep (0: none). */
static int become_nobody(int keep)
{
	if (keep && prctl(PR_SET_KEEPCAPS, 1))
		return -1;
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return set_caps(keep ? 1ULL << keep : 0);
}

enum who { ROOT, NOBODY_NOCAP, NOBODY_PTRACE, USERNS_ROOT };

/*
 * LAYOUT of @pid asked by a child that first becomes @who; @dev was opened
 * by the parent (root) unless it is -1, then the child opens it first.
 * Returns 0 or the errno the ioctl gave, 100+ for a setup failure.
 */
static int layout_as(enum who who, int dev, pid_t pid)
{
	int status;
	pid_t child = fork();

	if (!child) {
		struct vmalens_mm_layout l;

		if (dev < 0)
			dev = open(VMALENS_DEVICE, O_RDWR);
		if (dev < 0)
			_exit(101);
		if (who == NOBODY_NOCAP && become_nobody(0))
			_exit(102);
		if (who == NOBODY_PTRACE && become_nobody(CAP_SYS_PTRACE))
			_exit(103);
		if (who == USERNS_ROOT && unshare(CLONE_NEWUSER))
			_exit(104);
		_exit(-do_layout(dev, pid, &l));
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

/* A child of uid NOBODY, dumpable or not. */
static pid_t spawn_nobody(bool dumpable)
{
	int pipefd[2];
	pid_t pid;
	char c = 0;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		if (become_nobody(0) || prctl(PR_SET_DUMPABLE, dumpable))
			_exit(1);
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1 || c != 'k')
		pid = -1;
	close(pipefd[0]);
	return pid;
}

TEST(permission_matrix)
{
	int dev = open(VMALENS_DEVICE, O_RDWR);
	pid_t other = spawn_nobody(true), hidden = spawn_nobody(false);

	ASSERT_LE(0, dev);
	ASSERT_LT(0, other);
	ASSERT_LT(0, hidden);
	/* root sees everyone */
	EXPECT_EQ(0, layout_as(ROOT, dev, 1));
	EXPECT_EQ(0, layout_as(ROOT, dev, hidden));
	/* no capabilities: only the caller's own process */
	EXPECT_EQ(0, layout_as(NOBODY_NOCAP, dev, 0));
	EXPECT_EQ(EPERM, layout_as(NOBODY_NOCAP, dev, 1));
	EXPECT_EQ(EPERM, layout_as(NOBODY_NOCAP, dev, other));
	EXPECT_EQ(EPERM, layout_as(NOBODY_NOCAP, dev, hidden));
	/* CAP_SYS_PTRACE alone is enough */
	EXPECT_EQ(0, layout_as(NOBODY_PTRACE, dev, 1));
	EXPECT_EQ(0, layout_as(NOBODY_PTRACE, dev, hidden));
	/* root in a user namespace holds no capability in the initial one */
	EXPECT_EQ(0, layout_as(USERNS_ROOT, dev, 0));
	EXPECT_EQ(EPERM, layout_as(USERNS_ROOT, dev, 1));
	reap(other);
	reap(hidden);
	close(dev);
}

/* Send or receive one file descriptor over a unix socket. */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * A file is never worth more than its opener: opened by nobody and then
 * used by root (a confused deputy), it still sees only root's own process.
 */
TEST(opener_credentials_count)
{
	struct vmalens_mm_layout l;
	int sock[2], fd, status;
	pid_t opener;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
	ASSERT_EQ(0, chmod(VMALENS_DEVICE, 0666));
	opener = fork();
	if (!opener) {
		if (become_nobody(0))
			_exit(2);
		fd = open(VMALENS_DEVICE, O_RDWR);
		_exit(fd < 0 || send_fd(sock[1], fd) ? 3 : 0);
	}
	fd = recv_fd(sock[0]);
	waitpid(opener, &status, 0);
	chmod(VMALENS_DEVICE, 0600);
	close(sock[0]);
	close(sock[1]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, do_layout(fd, 1, &l));
	EXPECT_EQ(0, do_layout(fd, 0, &l));
	close(fd);
}

/*
 * A file opened by root and kept after setuid(nobody) is judged with both:
 * nobody may no longer choose another process through it.
 */
TEST(root_file_after_setuid)
{
	int dev = open(VMALENS_DEVICE, O_RDWR);

	ASSERT_LE(0, dev);
	EXPECT_EQ(EPERM, layout_as(NOBODY_NOCAP, dev, 1));
	EXPECT_EQ(0, layout_as(NOBODY_NOCAP, dev, 0));
	close(dev);
}

/*
 * A debugfs file keeps the process chosen when the pid was written, as
 * /proc/PID/maps keeps the one it was opened for; a pid written later by a
 * caller without the right is refused at the write.
 */
TEST(debugfs_choice_is_kept)
{
	int fd = open(DBG "/layout", O_RDWR), status;
	pid_t child;

	if (fd < 0)
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, write_pid(fd, 1));
	child = fork();
	if (!child) {
		char buf[4096];

		if (become_nobody(0))
			_exit(2);
		if (lseek(fd, 0, SEEK_SET) || read(fd, buf, sizeof(buf)) <= 0 ||
		    !strstr(buf, "pid: 1\n"))
			_exit(3);
		_exit(write_pid(fd, 1) == -EPERM ? 0 : 4);
	}
	waitpid(child, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("3: the chosen process could not be read after setuid; 4: a new pid was accepted");
	close(fd);
}

/* --- pids ------------------------------------------------------------------------ */

/* Make the next fork get pid @pid, where the kernel lets us. */
static int next_pid_is(pid_t pid)
{
	char buf[16];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%d", pid - 1);
	int ret = fd >= 0 && write(fd, buf, len) == len ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

/* Is every VMA line of the vmas report @text one of @starts? */
static bool vmas_lines_in(char *text, const uint64_t *starts, int n)
{
	char *line, *save;
	int i;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t start = strtoull(line, NULL, 16);

		if (!strncmp(line, "--", 2) || !strchr(line, '-'))
			continue;
		for (i = 0; i < n && starts[i] != start; i++)
			;
		if (i == n)
			return false;
	}
	return true;
}

TEST(pid_reuse_during_a_read)
{
	static char text[1 << 20];
	static uint64_t starts[1024];
	int fd = open(DBG "/vmas", O_RDWR), nstarts;
	size_t len = 0;
	pid_t old, reuse;
	ssize_t n;

	if (fd < 0)
		SKIP(return, "no debugfs");
	old = spawn_many_vmas(200);
	ASSERT_LT(0, old);
	nstarts = maps_starts(old, starts, 1024);
	ASSERT_LT(200, nstarts);
	ASSERT_EQ(0, write_pid(fd, old));
	n = read(fd, text, 2048);
	ASSERT_EQ(2048, n);
	len = n;
	reap(old);
	if (next_pid_is(old))
		SKIP(return, "no ns_last_pid to reuse a pid");
	/* Forks share our layout: put the new VMAs where the old had none. */
	reuse = spawn_many_vmas_at(300, true);
	ASSERT_EQ(old, reuse) TH_LOG("the pid was not reused");
	while ((n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	text[len] = '\0';
	EXPECT_TRUE(n == 0 || errno == ESRCH) TH_LOG("read: %s", strerror(errno));
	EXPECT_TRUE(vmas_lines_in(text, starts, nstarts))
		TH_LOG("the read went on with another process's VMAs");
	reap(reuse);
	close(fd);
}

TEST(pid_written_after_a_read)
{
	int fd = open(DBG "/vmas", O_RDWR);
	pid_t a = spawn_sleeper(), b = spawn_many_vmas(10);
	char buf[65536], maps[256], path[64], *first;
	ssize_t n;
	FILE *f;

	if (fd < 0)
		SKIP(return, "no debugfs");
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	ASSERT_EQ(0, write_pid(fd, a));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	ASSERT_EQ(0, n);
	ASSERT_EQ(0, write_pid(fd, b));
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n) TH_LOG("nothing read after a new pid was written");
	buf[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/maps", b);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(maps, sizeof(maps), f));
	fclose(f);
	maps[strcspn(maps, " ")] = '\0';	/* "start-end" */
	/* The report opens with the gap below the first VMA. */
	first = strncmp(buf, "--", 2) ? buf : strchr(buf, '\n') + 1;
	EXPECT_EQ(0, strncmp(first, maps, strlen(maps)))
		TH_LOG("the read did not start at the new process's first VMA");
	reap(a);
	reap(b);
	close(fd);
}

/* --- VMAS ends with next == 0 whatever the count ------------------------------- */

TEST(vmas_next_at_batch_multiples)
{
	static struct vmalens_vma recs[512];
	static uint64_t starts[1024];
	static const int counts[] = { 1, 63, 64, 65, 128, 192 };
	int dev = open(VMALENS_DEVICE, O_RDWR), n, i, slack;
	struct vmalens_vmas req;
	pid_t pid = spawn_many_vmas(250);

	ASSERT_LE(0, dev);
	ASSERT_LT(0, pid);
	n = maps_starts(pid, starts, 1024);
	ASSERT_LT(200, n);
	for (i = 0; i < (int)(sizeof(counts) / sizeof(counts[0])); i++) {
		for (slack = 0; slack <= 10; slack += 10) {
			uint64_t start = starts[n - counts[i]];

			ASSERT_EQ(0, do_vmas(dev, pid, start, recs,
					     counts[i] + slack, &req));
			EXPECT_EQ(counts[i], req.vma_count);
			EXPECT_EQ(0, req.next)
				TH_LOG("%d VMAs left, room for %d: next=0x%llx",
				       counts[i], counts[i] + slack,
				       (unsigned long long)req.next);
		}
	}
	reap(pid);
	close(dev);
}

/* --- a failing load shows nothing ----------------------------------------------- */

/* Try to open our files until told to stop; count what opened. */
static pid_t spawn_opener(int *counter_fd)
{
	static const char *const files[] = {
		DBG "/layout", DBG "/vmas", DBG "/version", VMALENS_DEVICE,
	};
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		int opened = 0, fd;
		double end = now() + 3;
		unsigned int i = 0;
		char buf[256];

		close(pipefd[0]);
		while (now() < end) {
			fd = open(files[i++ % 4], O_RDONLY);
			if (fd < 0)
				continue;
			opened++;
			/* hold it across the failed init, then use it */
			usleep(1500000);
			if (read(fd, buf, sizeof(buf)) < 0)
				(void)0;
			close(fd);
		}
		if (write(pipefd[1], &opened, sizeof(opened)) != sizeof(opened))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	*counter_fd = pipefd[0];
	return pid;
}

TEST(failed_load_shows_nothing)
{
	int err, counter, opened = -1;
	pid_t opener;

	err = unload_module("vmalens");
	if (err)
		SKIP(return, "cannot unload the module: %s", strerror(-err));
	opener = spawn_opener(&counter);
	ASSERT_LT(0, opener);
	err = load_module_path(module_path(), "fail_init_after_ms=1000");
	EXPECT_NE(0, err) TH_LOG("the load did not fail as asked");
	if (!err)
		unload_module("vmalens");
	ASSERT_EQ((ssize_t)sizeof(opened), read(counter, &opened, sizeof(opened)));
	waitpid(opener, NULL, 0);
	close(counter);
	EXPECT_EQ(0, opened) TH_LOG("%d files opened while init could still fail",
				    opened);
	ASSERT_EQ(0, load_module_path(module_path(), ""));
}

TEST_HARNESS_MAIN
