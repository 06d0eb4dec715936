// SPDX-License-Identifier: GPL-2.0
/*
 * The `vmas` report against /proc/PID/maps, field by field, for targets the
 * tests build: plain, thousands of VMAs, awkward file names, growsdown and
 * thread stacks, named anonymous memory; plus gap/kind consistency and a
 * target that dies in the middle of a read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif

#define MANY_PAGES	4500
#define SPACES_FILE	"/tmp/vmalens file with spaces"
#define DELETED_FILE	"/tmp/vmalens-deleted"

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static void *map_file(const char *path, bool unlink_it)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	void *p;

	if (fd < 0 || ftruncate(fd, 3 * page_size()))
		_exit(1);
	p = mmap(NULL, 2 * page_size(), PROT_READ, MAP_SHARED, fd, page_size());
	if (p == MAP_FAILED)
		_exit(1);
	close(fd);
	if (unlink_it)
		unlink(path);
	return p;
}

static void setup_files(char *report, size_t size, void *arg)
{
	void *spaces = map_file(SPACES_FILE, false);
	void *deleted = map_file(DELETED_FILE, true);

	(void)arg;
	snprintf(report, size, "spaces=%p deleted=%p", spaces, deleted);
}

static void setup_growsdown(char *report, size_t size, void *arg)
{
	void *p = mmap(NULL, 16 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		_exit(1);
	snprintf(report, size, "addr=%p", p);
}

static void *thread_fn(void *arg)
{
	int local;

	__atomic_store_n((void **)arg, (void *)&local, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static void setup_thread(char *report, size_t size, void *arg)
{
	void *stack_addr = NULL;
	pthread_t th;

	(void)arg;
	if (pthread_create(&th, NULL, thread_fn, &stack_addr))
		_exit(1);
	while (!__atomic_load_n(&stack_addr, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(report, size, "stack=%p", stack_addr);
}

static void setup_anon_name(char *report, size_t size, void *arg)
{
	void *p = mmap(NULL, 4 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		_exit(1);
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p,
		  4 * page_size(), (unsigned long)"vmalens test"))
		snprintf(report, size, "prctl_errno=%d", errno);
	else
		snprintf(report, size, "addr=%p", p);
}

FIXTURE(vmas) {
	struct target t;
	struct vml_vmas v;
};

FIXTURE_SETUP(vmas)
{
	memset(self, 0, sizeof(*self));
}

FIXTURE_TEARDOWN(vmas)
{
	target_kill(&self->t);
	free_vmas(&self->v);
}

/*
 * The checks every target gets: module lines equal /proc/PID/maps, gaps
 * fit the VMAs around them, kind= and flags= agree with the name and perms.
 */
static void check_against_proc(struct __test_metadata *_metadata,
			       struct vml_vmas *v, pid_t pid)
{
	char path[64], *maps;

	ASSERT_EQ(0, read_vmas(pid, v)) TH_LOG("%s", vml_err);
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	ASSERT_NE(NULL, maps) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_EQ(0, compare_with_maps(v, maps))
		TH_LOG("vmas differ from %s:%s", path, vml_err);
	free(maps);
	EXPECT_EQ(0, check_gaps(v, default_stack_guard_gap()))
		TH_LOG("%s", vml_err);
	EXPECT_EQ(0, check_kinds(v)) TH_LOG("%s", vml_err);
}

TEST_F(vmas, plain_process)
{
	ASSERT_EQ(0, target_fork(&self->t, NULL, NULL));
	check_against_proc(_metadata, &self->v, self->t.pid);
	EXPECT_NE(NULL, find_vma_named(&self->v, "[stack]"));
	EXPECT_NE(NULL, find_vma_named(&self->v, "[vdso]"));
}

/*
 * The reader's own address space, pid 0 meaning "whoever reads".  Both
 * reports go to static buffers read back to back, so that no allocation
 * changes the heap between them.
 */
TEST_F(vmas, reader_itself)
{
	static char mod[1 << 20], proc[1 << 20];
	ssize_t mlen = 0, plen = 0, n;
	int mfd, pfd;

	mfd = open(VMALENS_DIR "/vmas", O_RDONLY);
	ASSERT_LE(0, mfd);
	pfd = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, pfd);
	while ((n = read(mfd, mod + mlen, sizeof(mod) - 1 - mlen)) > 0)
		mlen += n;
	ASSERT_EQ(0, n) TH_LOG("reading own vmas: %s", strerror(errno));
	while ((n = read(pfd, proc + plen, sizeof(proc) - 1 - plen)) > 0)
		plen += n;
	ASSERT_EQ(0, n);
	close(mfd);
	close(pfd);

	ASSERT_EQ(0, parse_vmas(strdup(mod), &self->v)) TH_LOG("%s", vml_err);
	EXPECT_EQ(0, compare_with_maps(&self->v, proc))
		TH_LOG("own vmas differ from /proc/self/maps:%s", vml_err);
	EXPECT_EQ(0, check_gaps(&self->v, default_stack_guard_gap()))
		TH_LOG("%s", vml_err);
	EXPECT_EQ(0, check_kinds(&self->v)) TH_LOG("%s", vml_err);
}

TEST_F(vmas, thousands_of_vmas)
{
	const struct vml_line *first, *last;
	unsigned long addr;
	char *small, *big;
	int fd;

	ASSERT_EQ(0, target_fork(&self->t, setup_many_vmas, &(int){ MANY_PAGES }));
	check_against_proc(_metadata, &self->v, self->t.pid);
	ASSERT_LE(MANY_PAGES, self->v.nvmas);

	addr = report_ul(&self->t, "addr");
	first = find_vma(&self->v, addr);
	last = find_vma(&self->v, addr + (MANY_PAGES - 1) * page_size());
	ASSERT_NE(NULL, first);
	ASSERT_NE(NULL, last);
	EXPECT_EQ(MANY_PAGES - 1, last - first) TH_LOG("VMAs between the ends");

	/* Tiny reads must give the same bytes as one big read. */
	fd = open(VMALENS_DIR "/vmas", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vml_query(fd, self->t.pid, &small, 100));
	close(fd);
	ASSERT_EQ(0, vml_read("vmas", self->t.pid, &big));
	EXPECT_EQ(strlen(big), strlen(small));
	EXPECT_EQ(0, strcmp(big, small)) TH_LOG("100-byte reads differ");
	free(small);
	free(big);
}

TEST_F(vmas, file_names_with_spaces_and_deleted)
{
	const struct vml_line *l;

	ASSERT_EQ(0, target_fork(&self->t, setup_files, NULL));
	check_against_proc(_metadata, &self->v, self->t.pid);

	l = find_vma(&self->v, report_ul(&self->t, "spaces"));
	ASSERT_NE(NULL, l);
	EXPECT_STREQ(SPACES_FILE, l->name);
	EXPECT_STREQ("file", l->kind);
	l = find_vma(&self->v, report_ul(&self->t, "deleted"));
	ASSERT_NE(NULL, l);
	EXPECT_STREQ(DELETED_FILE " (deleted)", l->name);
	EXPECT_STREQ("file", l->kind);
	unlink(SPACES_FILE);
}

TEST_F(vmas, growsdown_mapping)
{
	const struct vml_line *l;

	ASSERT_EQ(0, target_fork(&self->t, setup_growsdown, NULL));
	check_against_proc(_metadata, &self->v, self->t.pid);
	l = find_vma(&self->v, report_ul(&self->t, "addr"));
	ASSERT_NE(NULL, l);
	EXPECT_TRUE(l->flags & VML_VM_GROWSDOWN) TH_LOG("%s", l->maps);
	/* The gap below it must carry guard= (checked by check_gaps). */
	EXPECT_TRUE(l > self->v.l && l[-1].gap) TH_LOG("no gap below %s", l->maps);
}

TEST_F(vmas, thread_stack)
{
	const struct vml_line *l;

	ASSERT_EQ(0, target_fork(&self->t, setup_thread, NULL));
	check_against_proc(_metadata, &self->v, self->t.pid);
	l = find_vma(&self->v, report_ul(&self->t, "stack"));
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("anon", l->kind) TH_LOG("%s", l->maps);
}

TEST_F(vmas, anon_name)
{
	const struct vml_line *l;

	ASSERT_EQ(0, target_fork(&self->t, setup_anon_name, NULL));
	if (report_has(&self->t, "prctl_errno")) {
		ASSERT_EQ(EINVAL, (int)report_ul(&self->t, "prctl_errno"));
		SKIP(return, "PR_SET_VMA_ANON_NAME unsupported (kernel < 5.17 or !CONFIG_ANON_VMA_NAME)");
	}
	check_against_proc(_metadata, &self->v, self->t.pid);
	l = find_vma(&self->v, report_ul(&self->t, "addr"));
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("[anon:vmalens test]", l->name);
	EXPECT_STREQ("anon", l->kind);
}

/*
 * The target is killed between two small reads of a long report: the read
 * loop must end with EOF or an error, never hang or crash, and the module
 * must keep working.
 */
TEST_F(vmas, target_exits_during_read)
{
	char buf[512], *own;
	int fd, reads = 0;
	ssize_t n;

	ASSERT_EQ(0, target_fork(&self->t, setup_many_vmas, &(int){ MANY_PAGES }));
	fd = open(VMALENS_DIR "/vmas", O_RDWR);
	ASSERT_LE(0, fd);
	snprintf(buf, sizeof(buf), "%d\n", self->t.pid);
	ASSERT_EQ(0, vml_write_pid(fd, buf));
	for (; reads < 4; reads++)
		ASSERT_LT(0, read(fd, buf, sizeof(buf)));
	target_kill(&self->t);
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0 && ++reads < 100000);
	EXPECT_GE(0, n) TH_LOG("read never ended");
	if (n < 0) {
		EXPECT_TRUE(errno == ESRCH || errno == ENXIO || errno == EIO)
			TH_LOG("read after exit: %s", strerror(errno));
	}
	close(fd);
	ASSERT_EQ(0, vml_read("vmas", 0, &own)) TH_LOG("module unusable after");
	free(own);
}

TEST_HARNESS_MAIN
