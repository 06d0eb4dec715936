// SPDX-License-Identifier: GPL-2.0
/*
 * Who may see what (doc/debugfs.md): every documented errno, the target
 * file and per-file pid override, and the tasks list as root and as an
 * unprivileged reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"

#define NOBODY		65534

/* Selects PID_TEXT (any string) on a fresh FILE and reads it; 0 or -errno. */
static int query_text(const char *file, const char *pid_text)
{
	char path[128], *out = NULL;
	int fd, ret;

	snprintf(path, sizeof(path), VMALENS_DIR "/%s", file);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	ret = vml_write_pid(fd, pid_text);
	if (!ret)
		ret = vml_query(fd, -1, &out, 4096);
	free(out);
	close(fd);
	return ret;
}

static int query_pid(const char *file, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%d\n", pid);
	return query_text(file, text);
}

struct task_line {
	long pid;
	char layout[16];
	unsigned long mmap_base, start_brk, brk, maps;
	char comm[64];
};

/* Finds PID's line in a `tasks` text; 0 or -ENOENT; *n: lines after header. */
static int tasks_find(const char *text, pid_t pid, struct task_line *t, int *n)
{
	const char *p = strchr(text, '\n');
	int found = -ENOENT;

	*n = 0;
	while (p && p[1]) {
		struct task_line cur = { 0 };

		p++;
		if (sscanf(p, "%ld %15s 0x%lx 0x%lx 0x%lx %lu %63[^\n]", &cur.pid,
			   cur.layout, &cur.mmap_base, &cur.start_brk, &cur.brk,
			   &cur.maps, cur.comm) == 7) {
			(*n)++;
			if (cur.pid == pid) {
				*t = cur;
				found = 0;
			}
		} else {
			(*n) = -1000;	/* malformed line */
		}
		p = strchr(p, '\n');
	}
	return found;
}

static int open_rw(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), VMALENS_DIR "/%s", file);
	return open(path, O_RDWR);
}

/*
 * Runs in a target: opens the files as root, then drops every privilege
 * and reports what it may still read.  OTHER is a process it may not see.
 */
static void setup_unprivileged(char *report, size_t size, void *arg)
{
	pid_t other = *(pid_t *)arg, self = getpid();
	int other_fd = open_rw("layout"), vmas_fd = open_rw("vmas");
	int own_fd = open_rw("layout"), own_vmas = open_rw("vmas");
	int pre_fd = open_rw("layout"), tasks_fd = open(VMALENS_DIR "/tasks", O_RDONLY);
	int pre, lay, vm, own, ownv, tasks, ntasks = -1, pid_ok = 0;
	struct vml_layout l;
	struct task_line t;
	char buf[32], *out;

	/*
	 * Selected while root, read after the drop: the file keeps the
	 * process it was given, as /proc/PID/maps keeps its mm. The files
	 * opened as root but given a pid only after the drop are judged at
	 * that write. tasks was opened as root: it lists what root may see.
	 */
	snprintf(buf, sizeof(buf), "%d\n", other);
	vml_write_pid(pre_fd, buf);
	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		_exit(1);
	pre = vml_query(pre_fd, -1, &out, 4096);
	lay = vml_query(other_fd, other, &out, 4096);
	vm = vml_query(vmas_fd, other, &out, 4096);
	own = vml_query(own_fd, self, &out, 4096);
	if (!own) {
		pid_ok = !parse_layout(out, &l) && l.pid == self;
		free(out);
	}
	ownv = vml_query(own_vmas, self, &out, 4096);
	if (!ownv)
		free(out);
	tasks = vml_query(tasks_fd, -1, &out, 4096);
	if (!tasks) {
		tasks = tasks_find(out, self, &t, &ntasks);
		free(out);
	}
	snprintf(report, size,
		 "pre=%d layout=%d vmas=%d own=%d own_vmas=%d pid_ok=%d tasks=%d ntasks=%d",
		 -pre, -lay, -vm, -own, -ownv, pid_ok, -tasks, ntasks);
}

FIXTURE(access) {
	struct target t, t2;
};

FIXTURE_SETUP(access)
{
	memset(self, 0, sizeof(*self));
}

FIXTURE_TEARDOWN(access)
{
	int fd = open(VMALENS_DIR "/target", O_WRONLY);

	target_kill(&self->t);
	target_kill(&self->t2);
	if (fd >= 0) {
		vml_write_pid(fd, "0\n");
		close(fd);
	}
}

static mode_t file_mode(const char *file)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), VMALENS_DIR "/%s", file);
	return stat(path, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

/* Root-only files: what a file allows is the first line of defence. */
TEST_F(access, file_modes)
{
	EXPECT_EQ(0600, file_mode("target"));
	EXPECT_EQ(0600, file_mode("layout"));
	EXPECT_EQ(0600, file_mode("vmas"));
	EXPECT_EQ(0400, file_mode("tasks"));
}

TEST_F(access, unprivileged_sees_only_itself)
{
	pid_t other = getpid();

	ASSERT_EQ(0, target_fork(&self->t, setup_unprivileged, &other));
	TH_LOG("errnos: %s", self->t.report);
	EXPECT_EQ(0, (int)report_ul(&self->t, "pre"));
	EXPECT_EQ(EPERM, (int)report_ul(&self->t, "layout"));
	EXPECT_EQ(EPERM, (int)report_ul(&self->t, "vmas"));
	EXPECT_EQ(0, (int)report_ul(&self->t, "own"));
	EXPECT_EQ(0, (int)report_ul(&self->t, "own_vmas"));
	EXPECT_EQ(1, (int)report_ul(&self->t, "pid_ok"));
	EXPECT_EQ(0, (int)report_ul(&self->t, "tasks"));
	EXPECT_LT(1, (int)report_ul(&self->t, "ntasks"));
}

TEST_F(access, root_reads_others)
{
	struct vml_layout l;

	ASSERT_EQ(0, read_layout(1, &l)) TH_LOG("%s", vml_err);
	EXPECT_EQ(1, l.pid);
	EXPECT_EQ(0, query_pid("vmas", 1));
}

TEST_F(access, unknown_pid_is_esrch)
{
	char path[64];
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	snprintf(path, sizeof(path), "/proc/%d", pid);
	ASSERT_NE(0, access(path, F_OK)) TH_LOG("pid %d reused", pid);
	EXPECT_EQ(-ESRCH, query_pid("layout", pid));
	EXPECT_EQ(-ESRCH, query_pid("vmas", pid));
}

TEST_F(access, kernel_thread_is_enxio)
{
	char *comm = slurp("/proc/2/comm", NULL);

	if (!comm || strcmp(comm, "kthreadd\n"))
		SKIP(return, "pid 2 is not kthreadd");
	free(comm);
	EXPECT_EQ(-ENXIO, query_pid("layout", 2));
	EXPECT_EQ(-ENXIO, query_pid("vmas", 2));
}

TEST_F(access, zombie_is_enxio)
{
	siginfo_t info;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	/* Wait for it to become a zombie without reaping it. */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(-ENXIO, query_pid("layout", pid));
	EXPECT_EQ(-ENXIO, query_pid("vmas", pid));
	waitpid(pid, NULL, 0);
}

static void expect_einval(struct __test_metadata *_metadata,
			  const char *file, const char *text)
{
	int len = strcspn(text, "\n"), fd;

	if (strcmp(file, "target")) {
		EXPECT_EQ(-EINVAL, query_text(file, text))
			TH_LOG("%s <- '%.*s'", file, len, text);
		return;
	}
	/* target has no report to read: the write itself must fail. */
	fd = open(VMALENS_DIR "/target", O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, vml_write_pid(fd, text))
		TH_LOG("target <- '%.*s'", len, text);
	close(fd);
}

TEST_F(access, malformed_pid_is_einval)
{
	static const char *const bad[] = { "abc\n", "-1\n", "-42\n", "12abc\n", "\n" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_einval(_metadata, "layout", bad[i]);
		expect_einval(_metadata, "vmas", bad[i]);
		expect_einval(_metadata, "target", bad[i]);
	}
}

/* target picks the pid for every reader; a pid written to a file wins. */
TEST_F(access, target_file_and_override)
{
	struct vml_layout l;
	char *text, buf[32];
	int fd;

	ASSERT_EQ(0, target_fork(&self->t, NULL, NULL));
	text = slurp(VMALENS_DIR "/target", NULL);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("0\n", text);
	free(text);
	ASSERT_EQ(0, read_layout(-1, &l)) TH_LOG("%s", vml_err);
	EXPECT_EQ(getpid(), l.pid);

	snprintf(buf, sizeof(buf), "%d\n", self->t.pid);
	fd = open(VMALENS_DIR "/target", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vml_write_pid(fd, buf));
	close(fd);
	text = slurp(VMALENS_DIR "/target", NULL);
	ASSERT_NE(NULL, text);
	EXPECT_EQ(self->t.pid, atoi(text));
	free(text);
	ASSERT_EQ(0, read_layout(-1, &l)) TH_LOG("%s", vml_err);
	EXPECT_EQ(self->t.pid, l.pid);
	ASSERT_EQ(0, read_layout(getpid(), &l)) TH_LOG("%s", vml_err);
	EXPECT_EQ(getpid(), l.pid);
}

static void expect_task(struct __test_metadata *_metadata, const char *tasks,
			pid_t pid)
{
	struct vml_layout l;
	struct task_line t;
	int n;

	ASSERT_EQ(0, tasks_find(tasks, pid, &t, &n)) TH_LOG("pid %d missing", pid);
	ASSERT_LT(0, n) TH_LOG("malformed tasks:\n%s", tasks);
	ASSERT_EQ(0, read_layout(pid, &l)) TH_LOG("%s", vml_err);
	EXPECT_STREQ(l.layout, t.layout);
	EXPECT_EQ(l.mmap_base, t.mmap_base);
	EXPECT_EQ(l.start_brk, t.start_brk);
	EXPECT_EQ(l.brk, t.brk);
	EXPECT_EQ(l.map_count, t.maps);
	EXPECT_STREQ(l.comm, t.comm);
}

TEST_F(access, tasks_as_root)
{
	struct task_line t;
	char *tasks;
	int n;

	ASSERT_EQ(0, target_fork(&self->t, NULL, NULL));
	ASSERT_EQ(0, target_fork(&self->t2, NULL, NULL));
	tasks = slurp(VMALENS_DIR "/tasks", NULL);
	ASSERT_NE(NULL, tasks) TH_LOG("tasks: %s", strerror(errno));
	EXPECT_EQ(0, strncmp(tasks + strspn(tasks, " "), "PID LAYOUT", 10))
		TH_LOG("header: %.80s", tasks);
	expect_task(_metadata, tasks, self->t.pid);
	expect_task(_metadata, tasks, self->t2.pid);
	expect_task(_metadata, tasks, 1);
	EXPECT_EQ(-ENOENT, tasks_find(tasks, 2, &t, &n))
		TH_LOG("kthreadd has no mm");
	free(tasks);
}

TEST_HARNESS_MAIN
