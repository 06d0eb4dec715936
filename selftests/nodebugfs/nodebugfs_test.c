// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens without debugfs: run in a guest booted with debugfs=off (or a
 * kernel without CONFIG_DEBUG_FS), where production Android kernels are.
 * Checks that debugfs really is out of reach, that /dev/vmalens is there,
 * and that every command of the vmalens CLI that reads a live process
 * works through the ioctls alone: exit status 0, sensible plain output,
 * and --json that json-c parses.
 *
 * Where debugfs is available the whole program skips (exit 4): passing
 * there would prove nothing.  The CLI is $VMALENS, else "vmalens" on PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "vmalens.h"

#define DEBUGFS		"/sys/kernel/debug"
#define OUT_FILE	"/tmp/nodebugfs_test.out"
#define ERR_FILE	"/tmp/nodebugfs_test.err"
#define CHILD_MAP	(64 * 1024)

struct run {
	int status;		/* exit status, or -1 */
	char out[1 << 16];
	char err[4096];
};

static void slurp_into(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* vmalens ARGS... (NULL-terminated); stdout and stderr into r. */
static void run_cli(struct run *r, ...)
{
	const char *cli = getenv("VMALENS") ? getenv("VMALENS") : "vmalens";
	char *argv[16];
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	argv[argc++] = (char *)cli;
	va_start(ap, r);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	r->status = -1;
	pid = fork();
	if (pid == 0) {
		int out = open(OUT_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(ERR_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(120);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	slurp_into(OUT_FILE, r->out, sizeof(r->out));
	slurp_into(ERR_FILE, r->err, sizeof(r->err));
}

static struct json_object *parse_json(const char *text, char *why, size_t len)
{
	enum json_tokener_error err;
	struct json_object *o = json_tokener_parse_verbose(text, &err);

	if (!o)
		snprintf(why, len, "json-c: %s in: %.300s", json_tokener_error_desc(err), text);
	return o;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* For EXPECT_STREQ, which cannot take NULL. */
static const char *jstr_or(struct json_object *o, const char *key)
{
	const char *v = jstr(o, key);

	return v ? v : "(missing)";
}

static bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool any = false;

	while (d && !any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return any;
}

/*
 * Is debugfs usable here?  Looks for vmalens' directory at the usual
 * mount point, then mounts debugfs afresh in a private mount namespace (a
 * child, so the test's own mounts stay as they are): a kernel that lets
 * it mount with any content has debugfs.  Says why, either way.  Looks at the usual
 */
static bool debugfs_usable(char *why, size_t len)
{
	char dir[] = "/tmp/nodebugfs.XXXXXX", path[64];
	int status, pipefd[2];
	pid_t pid;

	if (!access(DEBUGFS "/vmalens", F_OK)) {
		snprintf(why, len, "%s/vmalens exists", DEBUGFS);
		return true;
	}
	if (!mkdtemp(dir) || pipe(pipefd)) {
		snprintf(why, len, "cannot set up the mount attempt: %s", strerror(errno));
		return false;
	}
	pid = fork();
	if (pid == 0) {
		int ret = 2;	/* 0 mounted with vmalens, 1 mounted without, 2 failed */

		close(pipefd[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
			dprintf(pipefd[1], "unshare: %s", strerror(errno));
			_exit(3);
		}
		if (mount("debugfs", dir, "debugfs", 0, NULL)) {
			dprintf(pipefd[1], "mount -t debugfs fails: %s", strerror(errno));
			_exit(2);
		}
		snprintf(path, sizeof(path), "%s/vmalens", dir);
		if (!access(path, F_OK)) {
			ret = 0;
			dprintf(pipefd[1], "a fresh debugfs mount has the vmalens directory");
		} else if (dir_has_entries(dir)) {
			ret = 0;
			dprintf(pipefd[1], "debugfs mounts and has files, just not vmalens'");
		} else {
			ret = 1;
			dprintf(pipefd[1], "a fresh debugfs mount shows nothing");
		}
		umount2(dir, MNT_DETACH);
		_exit(ret);
	}
	close(pipefd[1]);
	status = read(pipefd[0], why, len - 1);
	why[status > 0 ? status : 0] = '\0';
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		status = 3 << 8;
	rmdir(dir);
	return WEXITSTATUS(status) == 0;
}

/* --- the live child ---------------------------------------------------- */

FIXTURE(cli) {
	pid_t child;
	unsigned long map;	/* an anonymous mapping of the child */
	char pid[16], addr[32];
};

FIXTURE_SETUP(cli)
{
	int pipefd[2];
	ssize_t n;

	ASSERT_EQ(0, pipe(pipefd));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		void *p = mmap(NULL, CHILD_MAP, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned long a = p == MAP_FAILED ? 0 : (unsigned long)p;

		close(pipefd[0]);
		if (write(pipefd[1], &a, sizeof(a)) != sizeof(a))
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	n = read(pipefd[0], &self->map, sizeof(self->map));
	close(pipefd[0]);
	ASSERT_EQ(sizeof(self->map), (size_t)n);
	ASSERT_NE(0, self->map);
	snprintf(self->pid, sizeof(self->pid), "%d", self->child);
	snprintf(self->addr, sizeof(self->addr), "%lx", self->map + 4096);
}

FIXTURE_TEARDOWN(cli)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
}

/* --- tests --------------------------------------------------------------- */

TEST(debugfs_is_out_of_reach)
{
	char why[256] = "";
	struct stat st;

	EXPECT_NE(0, access(DEBUGFS "/vmalens", F_OK));
	EXPECT_FALSE(debugfs_usable(why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("debugfs: %s", why);
	ASSERT_EQ(0, stat(VMALENS_DEVICE, &st)) TH_LOG("%s: %s", VMALENS_DEVICE, strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0, access("/sys/class/misc/vmalens/dev", R_OK));
}

TEST_F_TIMEOUT(cli, show, 120)
{
	struct json_object *o, *lay, *vmas;
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";

	ASSERT_NE(NULL, r);
	run_cli(r, "show", self->pid, "--color=never", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "<- mmap_base")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "next mmap (dry-run)")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "[stack]")) TH_LOG("%s", r->out);

	run_cli(r, "--json", "show", self->pid, NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	lay = jget(o, "layout");
	vmas = jget(o, "vmas");
	EXPECT_EQ(self->child, json_object_get_int(jget(lay, "pid")));
	EXPECT_NE(NULL, jstr(lay, "mmap_base"));
	EXPECT_NE(NULL, jstr(jget(o, "next_mmap"), "addr"));
	EXPECT_LT(3, (int)json_object_array_length(vmas));
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, layout, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o;

	ASSERT_NE(NULL, r);
	run_cli(r, "layout", self->pid, NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "mmap_base ")) TH_LOG("%s", r->out);
	run_cli(r, "--json", "layout", self->pid, NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_EQ(self->child, json_object_get_int(jget(o, "pid")));
	EXPECT_NE(NULL, jstr(o, "task_size"));
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, vmas, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o, *v;

	ASSERT_NE(NULL, r);
	run_cli(r, "vmas", self->pid, "--color=never", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_EQ(NULL, strstr(r->err, "note:")) TH_LOG("fell back to /proc: %s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "[stack]")) TH_LOG("%s", r->out);

	run_cli(r, "--json", "vmas", self->pid, NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	ASSERT_TRUE(json_object_is_type(o, json_type_array));
	ASSERT_LT(3, (int)json_object_array_length(o));
	v = json_object_array_get_idx(o, 0);
	/* flags and vm_flags come only from the module, never from /proc */
	EXPECT_TRUE(jget(v, "flags") && json_object_is_type(jget(v, "flags"), json_type_object))
		TH_LOG("%s", r->out);
	EXPECT_NE(NULL, jstr(v, "vm_flags")) TH_LOG("%s", r->out);
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, query, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o;

	ASSERT_NE(NULL, r);
	run_cli(r, "query", self->pid, self->addr, "--color=never", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_EQ(NULL, strstr(r->err, "note:")) TH_LOG("fell back to /proc: %s", r->err);

	run_cli(r, "--json", "query", self->pid, self->addr, NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_TRUE(json_object_get_boolean(jget(o, "mapped"))) TH_LOG("%s", r->out);
	EXPECT_STREQ("anon", jstr_or(jget(o, "vma"), "kind")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, jstr(jget(o, "vma"), "start")) TH_LOG("%s", r->out);
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, probe, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o;

	ASSERT_NE(NULL, r);
	run_cli(r, "probe", self->pid, "--len", "1M", "--color=never", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "decided by")) TH_LOG("%s", r->out);

	run_cli(r, "--json", "probe", self->pid, "--len", "1M", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_NE(NULL, jstr(o, "addr")) TH_LOG("%s", r->out);
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, tasks, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o;
	bool found = false;
	size_t i;

	ASSERT_NE(NULL, r);
	run_cli(r, "tasks", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_EQ(0, strncmp(r->out, "    PID LAYOUT", 14)) TH_LOG("%s", r->out);

	run_cli(r, "--json", "tasks", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	ASSERT_TRUE(json_object_is_type(o, json_type_array));
	for (i = 0; i < json_object_array_length(o); i++)
		if (json_object_get_int(jget(json_object_array_get_idx(o, i), "pid")) ==
		    self->child)
			found = true;
	EXPECT_TRUE(found) TH_LOG("pid %d not listed: %s", self->child, r->out);
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, aslr, 300)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "";
	struct json_object *o, *regions;

	ASSERT_NE(NULL, r);
	run_cli(r, "aslr", "--samples", "10", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "\nmmap_base ")) TH_LOG("%s", r->out);

	run_cli(r, "--json", "aslr", "--samples", "10", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	regions = jget(o, "regions");
	ASSERT_EQ(VMALENS_ASLR_NR_REGIONS, (int)json_object_array_length(regions));
	EXPECT_STREQ("arch_mmap_rnd",
		     jstr_or(json_object_array_get_idx(regions, VMALENS_ASLR_MMAP_BASE), "source"))
		TH_LOG("%s", r->out);
	EXPECT_EQ(getpagesize(), json_object_get_int(jget(o, "page_size")));
	json_object_put(o);
	free(r);
}

TEST_F_TIMEOUT(cli, version, 120)
{
	struct run *r = calloc(1, sizeof(*r));
	char why[512] = "", want[32];
	struct json_object *o, *m;

	ASSERT_NE(NULL, r);
	snprintf(want, sizeof(want), "(abi %d)", VMALENS_ABI_VERSION);
	run_cli(r, "version", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "\nmodule v")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(strchr(r->out, '\n') ?: r->out, want)) TH_LOG("%s", r->out);

	run_cli(r, "--json", "version", NULL);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	o = parse_json(r->out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	m = jget(o, "module");
	ASSERT_NE(NULL, m) TH_LOG("module not seen: %s", r->out);
	EXPECT_EQ(VMALENS_ABI_VERSION, json_object_get_int(jget(m, "abi"))) TH_LOG("%s", r->out);
	EXPECT_STREQ("ioctl", jstr_or(m, "source")) TH_LOG("%s", r->out);
	json_object_put(o);
	free(r);
}

int main(int argc, char **argv)
{
	char why[256] = "";

	if (debugfs_usable(why, sizeof(why)))
		ksft_exit_skip("debugfs is available (%s): boot with debugfs=off to run these tests\n",
			       why);
	return test_harness_run(argc, argv);
}
