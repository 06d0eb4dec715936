// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the vmalens selftests; see vm_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

char vml_err[4096];

static void err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vml_err, sizeof(vml_err), fmt, ap);
	va_end(ap);
}

/* Reads a whole file (proc files too); NULL with errno set on failure. */
char *slurp(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 65536;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	if (buf && n < 0) {
		int e = errno;

		free(buf);
		buf = NULL;
		errno = e;
	}
	close(fd);
	if (buf) {
		buf[len] = '\0';
		if (lenp)
			*lenp = len;
	}
	return buf;
}

/* Writes TEXT (a pid or garbage) to an open report file; 0 or -errno. */
int vml_write_pid(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * Selects PID on the open file FD (unless PID < 0) the documented way, then
 * reads the report to EOF in CHUNK-byte reads.  Returns 0 or -errno of the
 * first failing step; *out is malloc'ed on success.
 */
int vml_query(int fd, pid_t pid, char **out, size_t chunk)
{
	size_t len = 0, cap = 65536;
	char pidbuf[32];
	char *buf;
	ssize_t n;
	int ret;

	if (pid >= 0) {
		snprintf(pidbuf, sizeof(pidbuf), "%d\n", pid);
		ret = vml_write_pid(fd, pidbuf);
		if (ret)
			return ret;
	}
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (cap - len < chunk) {
			cap = cap * 2 + chunk;
			buf = realloc(buf, cap + 1);
			if (!buf)
				return -ENOMEM;
		}
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			ret = -errno;
			free(buf);
			return ret;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Opens debugfs FILE, selects PID on it, reads it all; 0 or -errno. */
int vml_read(const char *file, pid_t pid, char **out)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), VMALENS_DIR "/%s", file);
	fd = open(path, (pid >= 0 ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = vml_query(fd, pid, out, 65536);
	close(fd);
	return ret;
}

#define LF(name) { #name, offsetof(struct vml_layout, name) }
static const struct {
	const char *key;
	size_t off;
} layout_ul[] = {
	LF(mmap_base), LF(mmap_legacy_base), LF(task_size),
	LF(start_code), LF(end_code), LF(start_data), LF(end_data),
	LF(start_brk), LF(brk), LF(start_stack), LF(arg_start), LF(arg_end),
	LF(env_start), LF(env_end), LF(vdso), LF(map_count), LF(total_vm),
	LF(page_size), LF(stack_guard_gap),
};

/* Parses the `layout` text; 0, or -EINVAL naming the bad line in vml_err. */
int parse_layout(const char *text, struct vml_layout *l)
{
	char key[64], val[128];
	const char *p = text;
	int seen = 0;
	size_t i;

	memset(l, 0xff, sizeof(*l));
	l->comm[0] = l->layout[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		int klen;

		if (!nl)
			nl = p + strlen(p);
		if (sscanf(p, "%63[^:]: %n", key, &klen) != 1) {
			err_set("bad layout line: %.*s", (int)(nl - p), p);
			return -EINVAL;
		}
		snprintf(val, sizeof(val), "%.*s", (int)(nl - p - klen), p + klen);
		seen++;
		if (!strcmp(key, "pid"))
			l->pid = strtol(val, NULL, 10);
		else if (!strcmp(key, "comm"))
			snprintf(l->comm, sizeof(l->comm), "%.63s", val);
		else if (!strcmp(key, "layout"))
			snprintf(l->layout, sizeof(l->layout), "%.15s", val);
		else if (!strcmp(key, "compat"))
			l->compat = strtol(val, NULL, 10);
		else if (!strcmp(key, "mmap_rnd_bits"))
			l->mmap_rnd_bits = strtol(val, NULL, 10);
		else if (!strcmp(key, "mmap_rnd_compat_bits"))
			l->mmap_rnd_compat_bits = strtol(val, NULL, 10);
		else {
			for (i = 0; i < ARRAY_SIZE(layout_ul); i++)
				if (!strcmp(key, layout_ul[i].key))
					break;
			if (i == ARRAY_SIZE(layout_ul)) {
				err_set("unknown layout key '%s'", key);
				return -EINVAL;
			}
			*(unsigned long *)((char *)l + layout_ul[i].off) =
				strtoul(val, NULL, 0);
		}
		p = *nl ? nl + 1 : nl;
	}
	/* pid comm layout compat + the two rnd bits + the table */
	if (seen != 6 + (int)(ARRAY_SIZE(layout_ul))) {
		err_set("layout has %d keys, expected %zu:\n%s", seen,
			6 + ARRAY_SIZE(layout_ul), text);
		return -EINVAL;
	}
	return 0;
}

int read_layout(pid_t pid, struct vml_layout *l)
{
	char *text;
	int ret = vml_read("layout", pid, &text);

	if (ret) {
		err_set("reading layout of %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = parse_layout(text, l);
	free(text);
	return ret;
}

static int parse_gap(char *s, struct vml_line *g)
{
	char *guard;

	g->gap = true;
	if (sscanf(s, "-- gap 0x%lx-0x%lx %lu", &g->start, &g->end, &g->size) != 3)
		return -EINVAL;
	guard = strstr(s, " guard=");
	g->has_guard = guard != NULL;
	if (guard)
		g->guard = strtoul(guard + 7, NULL, 10);
	return 0;
}

/* "start-end perms offset dev inode   name\tkind=K flags=0xF" */
static int parse_vma(char *s, struct vml_line *v)
{
	char *tab = strrchr(s, '\t');
	int n = 0;

	if (!tab)
		return -EINVAL;
	*tab = '\0';
	v->maps = s;
	if (sscanf(tab + 1, "kind=%15s flags=0x%lx", v->kind, &v->flags) != 2)
		return -EINVAL;
	if (sscanf(s, "%lx-%lx %4s %*x %*x:%*x %*u %n", &v->start, &v->end,
		   v->perms, &n) != 3 || !n)
		return -EINVAL;
	v->name = s + n;
	return 0;
}

/* Splits TEXT in place; 0, or -EINVAL naming the bad line in vml_err. */
int parse_vmas(char *text, struct vml_vmas *v)
{
	char *line, *save = NULL;
	int cap = 1024;

	memset(v, 0, sizeof(*v));
	v->text = text;
	v->l = calloc(cap, sizeof(*v->l));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct vml_line *l;
		char copy[512];
		int ret;

		if (v->n == cap)
			v->l = realloc(v->l, (cap *= 2) * sizeof(*v->l));
		l = memset(&v->l[v->n], 0, sizeof(*l));
		snprintf(copy, sizeof(copy), "%s", line);
		if (!strncmp(line, "-- gap", 6))
			ret = parse_gap(line, l);
		else
			ret = parse_vma(line, l);
		if (ret) {
			err_set("bad vmas line %d: '%s'", v->n + 1, copy);
			return ret;
		}
		if (!l->gap)
			v->nvmas++;
		v->n++;
	}
	return 0;
}

void free_vmas(struct vml_vmas *v)
{
	free(v->l);
	free(v->text);
	memset(v, 0, sizeof(*v));
}

int read_vmas(pid_t pid, struct vml_vmas *v)
{
	char *text;
	int ret = vml_read("vmas", pid, &text);

	if (ret) {
		err_set("reading vmas of %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = parse_vmas(text, v);
	if (ret)
		free(text);
	return ret;
}

const struct vml_line *find_vma(const struct vml_vmas *v, unsigned long addr)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (!v->l[i].gap && v->l[i].start <= addr && addr < v->l[i].end)
			return &v->l[i];
	return NULL;
}

const struct vml_line *find_vma_named(const struct vml_vmas *v, const char *name)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (!v->l[i].gap && !strcmp(v->l[i].name, name))
			return &v->l[i];
	return NULL;
}

/*
 * The VMA lines, cut at their last TAB, must equal /proc/PID/maps line for
 * line (the x86 [vsyscall] gate VMA is not in the tree, so maps may end with
 * it).  Returns the number of mismatches; the first few are in vml_err.
 */
static void mismatch(int *bad, size_t *used, const char *mod, const char *proc)
{
	if ((*bad)++ < 3 && *used < sizeof(vml_err))
		*used += snprintf(vml_err + *used, sizeof(vml_err) - *used,
				  "\n  module: '%s'\n  /proc:  '%s'", mod, proc);
}

int compare_with_maps(const struct vml_vmas *v, const char *maps)
{
	char *copy = strdup(maps), *save = NULL, *line;
	size_t used = 0;
	int i = 0, bad = 0;

	vml_err[0] = '\0';
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (i < v->n && v->l[i].gap)
			i++;
		if (i >= v->n) {
			if (!strstr(line, "[vsyscall]"))
				mismatch(&bad, &used, "(end)", line);
			continue;
		}
		if (strcmp(v->l[i].maps, line))
			mismatch(&bad, &used, v->l[i].maps, line);
		i++;
	}
	for (; i < v->n; i++)
		if (!v->l[i].gap)
			mismatch(&bad, &used, v->l[i].maps, "(end)");
	free(copy);
	return bad;
}

/*
 * Gap lines sit exactly between VMAs that do not touch (and before the
 * first one), have the right size, and carry guard= below a growsdown VMA.
 */
int check_gaps(const struct vml_vmas *v, unsigned long guard_gap)
{
	unsigned long prev_end = 0;
	int i, bad = 0;

	vml_err[0] = '\0';
	for (i = 0; i < v->n; i++) {
		const struct vml_line *l = &v->l[i];
		const struct vml_line *next = i + 1 < v->n ? &v->l[i + 1] : NULL;

		if (!l->gap) {
			if (l->start != prev_end && (i == 0 || !v->l[i - 1].gap)) {
				bad++;
				err_set("no gap line before %s", l->maps);
			}
			prev_end = l->end;
			continue;
		}
		if (l->start != prev_end || !next || next->gap ||
		    l->end != next->start || l->size != l->end - l->start ||
		    l->start >= l->end) {
			bad++;
			err_set("gap 0x%lx-0x%lx %lu: previous end 0x%lx, next '%s'",
				l->start, l->end, l->size, prev_end,
				next ? (next->gap ? "(gap)" : next->maps) : "(end)");
			continue;
		}
		if (next->flags & VML_VM_GROWSDOWN) {
			unsigned long want = guard_gap < l->size ? guard_gap : l->size;

			if (!l->has_guard || l->guard != want) {
				bad++;
				err_set("gap below growsdown '%s': guard=%lu, expected %lu",
					next->maps, l->has_guard ? l->guard : 0, want);
			}
		} else if (l->has_guard) {
			bad++;
			err_set("guard= on gap below non-growsdown '%s'", next->maps);
		}
	}
	return bad;
}

static const char *expected_kind(const struct vml_line *l)
{
	if (!strcmp(l->name, "[heap]"))
		return "heap";
	if (!strcmp(l->name, "[stack]"))
		return "stack";
	if (!strcmp(l->name, "[vdso]"))
		return "vdso";
	if (!strcmp(l->name, "[vvar]"))
		return "vvar";
	if (l->name[0] == '/')
		return "file";
	if (l->name[0] == '\0' || !strncmp(l->name, "[anon:", 6))
		return "anon";
	return NULL;
}

/* kind= agrees with the /proc name, and flags= with the perms column. */
int check_kinds(const struct vml_vmas *v)
{
	int i, bad = 0;

	vml_err[0] = '\0';
	for (i = 0; i < v->n; i++) {
		const struct vml_line *l = &v->l[i];
		const char *want;
		char perms[5];

		if (l->gap)
			continue;
		want = expected_kind(l);
		if (want && strcmp(want, l->kind)) {
			bad++;
			err_set("kind=%s, expected %s: %s", l->kind, want, l->maps);
		}
		snprintf(perms, sizeof(perms), "%c%c%c%c",
			 l->flags & VML_VM_READ ? 'r' : '-',
			 l->flags & VML_VM_WRITE ? 'w' : '-',
			 l->flags & VML_VM_EXEC ? 'x' : '-',
			 l->flags & VML_VM_MAYSHARE ? 's' : 'p');
		if (strcmp(perms, l->perms)) {
			bad++;
			err_set("flags=0x%lx mean %s: %s", l->flags, perms, l->maps);
		}
	}
	return bad;
}

/* Fields 1..NFIELDS of /proc/PID/stat (f[1] = pid); comm is skipped. */
int proc_stat_fields(pid_t pid, unsigned long *f, int nfields)
{
	char path[64], *text, *p, *save = NULL;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	text = slurp(path, NULL);
	if (!text)
		return -errno;
	memset(f, 0, nfields * sizeof(*f));
	f[1] = pid;
	p = strrchr(text, ')');
	if (!p) {
		free(text);
		return -EINVAL;
	}
	p = strtok_r(p + 1, "\n ", &save);
	for (i = 3; p && i < nfields; i++, p = strtok_r(NULL, "\n ", &save))
		f[i] = strtoul(p, NULL, 10);
	free(text);
	return i == nfields ? 0 : -ERANGE;
}

/* A "Key:   N kB" value of /proc/PID/status, or -1. */
long proc_status_kb(pid_t pid, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return proc_file_kb(path, key);
}

/* A "Key:   N kB" value of a /proc file (status, meminfo), or -1. */
long proc_file_kb(const char *path, const char *key)
{
	char *text, *p;
	long val = -1;

	text = slurp(path, NULL);
	if (!text)
		return -1;
	p = strstr(text, key);
	if (p && p[strlen(key)] == ':')
		val = strtol(p + strlen(key) + 1, NULL, 10);
	free(text);
	return val;
}

/* Lines in TEXT, not counting those containing SKIP (if non-NULL). */
int count_lines(const char *text, const char *skip)
{
	int n = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		if (!skip || !memmem(text, len, skip, strlen(skip)))
			n++;
		text += len + (nl ? 1 : 0);
	}
	return n;
}

long read_long_file(const char *path)
{
	char *text = slurp(path, NULL);
	long val;

	if (!text)
		return -1;
	val = strtol(text, NULL, 0);
	free(text);
	return val;
}

int write_long_file(const char *path, long val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	char buf[32];
	int ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, strlen(buf)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* stack_guard_gap: 256 pages unless the boot line says otherwise. */
unsigned long default_stack_guard_gap(void)
{
	char *cmdline = slurp("/proc/cmdline", NULL);
	unsigned long pages = 256;
	char *p = cmdline ? strstr(cmdline, "stack_guard_gap=") : NULL;

	if (p)
		pages = strtoul(p + 16, NULL, 0);
	free(cmdline);
	return pages * sysconf(_SC_PAGESIZE);
}

static void target_ready(int fd, const char *report)
{
	char line[600];

	snprintf(line, sizeof(line), "%s\n", report);
	if (write(fd, line, strlen(line)) < 0)
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

/* Reads the target's one report line; 0, or -EPIPE if it died first. */
static int target_wait_report(struct target *t, int fd)
{
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(t->report) - 1 &&
	       (n = read(fd, t->report + len, sizeof(t->report) - 1 - len)) > 0) {
		len += n;
		if (memchr(t->report, '\n', len))
			break;
	}
	close(fd);
	t->report[len] = '\0';
	if (!memchr(t->report, '\n', len)) {
		target_kill(t);
		return -EPIPE;
	}
	*strchr(t->report, '\n') = '\0';
	return 0;
}

/*
 * Forks a target that runs SETUP (which fills in its report line), tells the
 * parent through a pipe, and pauses until killed; it also dies with us.
 */
int target_fork(struct target *t, target_setup_fn setup, void *arg)
{
	int p[2];

	memset(t, 0, sizeof(*t));
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		char report[512] = "ready=1";

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setup)
			setup(report, sizeof(report), arg);
		target_ready(p[1], report);
	}
	close(p[1]);
	return target_wait_report(t, p[0]);
}

/*
 * Forks, runs PRE in the child (personality, rlimits...), then execs PATH
 * with VMALENS_TARGET_FD naming the report pipe.  An exec failure comes back
 * as "exec_errno=N" in the report.
 */
int target_exec(struct target *t, const char *path, target_preexec_fn pre,
		void *arg)
{
	char env[64], report[64];
	int p[2];

	memset(t, 0, sizeof(*t));
	if (pipe(p))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		char *argv[] = { (char *)path, NULL };
		char *envp[] = { env, NULL };

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(env, sizeof(env), "VMALENS_TARGET_FD=%d", p[1]);
		if (pre && pre(arg)) {
			snprintf(report, sizeof(report), "pre_errno=%d", errno);
			target_ready(p[1], report);
		}
		execve(path, argv, envp);
		snprintf(report, sizeof(report), "exec_errno=%d", errno);
		target_ready(p[1], report);
	}
	close(p[1]);
	return target_wait_report(t, p[0]);
}

void target_kill(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

static const char *report_find(const struct target *t, const char *key)
{
	size_t klen = strlen(key);
	const char *p = t->report;

	while ((p = strstr(p, key))) {
		if ((p == t->report || p[-1] == ' ') && p[klen] == '=')
			return p + klen + 1;
		p += klen;
	}
	return NULL;
}

bool report_has(const struct target *t, const char *key)
{
	return report_find(t, key) != NULL;
}

unsigned long report_ul(const struct target *t, const char *key)
{
	const char *p = report_find(t, key);

	return p ? strtoul(p, NULL, 0) : 0;
}

/*
 * A test binary re-executed by target_exec() becomes a target before the
 * harness starts: it makes its first anonymous mmap without a hint and
 * reports where it landed, with its brk.
 */
__attribute__((constructor)) static void exec_target_main(void)
{
	const char *fd = getenv("VMALENS_TARGET_FD");
	char report[128];
	void *addr;

	if (!fd)
		return;
	addr = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(report, sizeof(report), "mmap=%p brk=%p", addr, sbrk(0));
	target_ready(atoi(fd), report);
}

/*
 * A target_fork() setup: one mapping of *(int *)@pages pages, every other
 * page made read-only, so that many VMAs exist; reports "addr=".
 */
void setup_many_vmas(char *report, size_t size, void *pages)
{
	long ps = sysconf(_SC_PAGESIZE);
	int i, n = *(int *)pages;
	char *p;

	p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	for (i = 0; i < n; i += 2)
		if (mprotect(p + i * ps, ps, PROT_READ))
			_exit(1);
	snprintf(report, size, "addr=%p", p);
}

/* --- stress tests: fuzz_test, churn_test, unload_test, kptr_test --------- */

#include <poll.h>
#include <pthread.h>
#include <time.h>

/* splitmix64: one 64-bit state, reproducible from a printed seed. */
uint64_t vml_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A numeric environment override (any base strtol accepts), else DEF. */
long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 0);
	return *end ? def : n;
}

/*
 * A kernel built for debugging (lockdep or kmemleak) runs the long
 * versions of the stress tests; release kernels a shorter one.
 */
bool debug_kernel(void)
{
	return !access("/proc/lockdep", F_OK) ||
	       !access("/sys/kernel/debug/kmemleak", F_OK);
}

bool vml_module_loaded(void)
{
	return !access("/sys/module/vmalens", F_OK);
}

int vml_kernel_release(void)
{
	int major, minor;
	struct utsname u;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return -1;
	return major * 100 + minor;
}

unsigned long vml_pmd_size(void)
{
	unsigned long page = sysconf(_SC_PAGESIZE);

	return page * (page / 8);
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs ARGV (found on PATH) with stdout and stderr captured into *OUT
 * (malloc'ed, may be NULL), killing it after SECS seconds.  Returns its
 * exit status, 128 + signal, -ETIMEDOUT, or -errno.
 */
int run_cmd(char *const argv[], unsigned int secs, char **out)
{
	double deadline = now_secs() + secs;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	int p[2], status, ret = -ETIMEDOUT;
	bool eof = false, exited = false;
	pid_t pid;

	if (!buf || pipe2(p, O_CLOEXEC))
		return -ENOMEM;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		pid_t w;

		if (!eof && poll(&pfd, 1, 10) > 0) {
			ssize_t n;

			if (cap - len < 2048)
				buf = realloc(buf, (cap *= 2) + 1);
			n = read(p[0], buf + len, cap - len);
			if (n > 0)
				len += n;
			else
				eof = true;
		} else if (eof) {
			usleep(10000);
		}
		if (!exited) {
			w = waitpid(pid, &status, WNOHANG);
			exited = w == pid;	/* then drain the pipe */
		}
		if (exited && eof) {
			ret = WIFEXITED(status) ? WEXITSTATUS(status)
						: 128 + WTERMSIG(status);
			break;
		}
		if (now_secs() > deadline) {
			if (!exited) {
				kill(pid, SIGKILL);
				/* A task stuck in the kernel may never die. */
				for (int i = 0; i < 100 && !waitpid(pid, NULL, WNOHANG); i++)
					usleep(10000);
			}
			break;
		}
	}
	close(p[0]);
	buf[len] = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	return ret;
}

/* busybox rmmod/insmod, as an administrator would; see run_cmd(). */
int module_unload(char **out)
{
	char *argv[] = { "rmmod", "vmalens", NULL };

	return run_cmd(argv, 60, out);
}

int module_load(char **out)
{
	const char *ko = getenv("VMALENS_KO");
	char *argv[] = { "insmod", (char *)(ko ? ko : VMALENS_KO_DEFAULT), NULL };

	return run_cmd(argv, 60, out);
}

#define CHURN_SLOTS	32

static struct {
	char *addr;
	size_t len;
} churn_map[CHURN_SLOTS];

static void *churn_thread(void *arg)
{
	uint64_t state = (uintptr_t)arg;
	int i;

	for (i = 0; i < 8; i++) {
		size_t len = (1 + vml_rand(&state) % 16) * sysconf(_SC_PAGESIZE);
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			*(volatile char *)p = 1;
			munmap(p, len);
		}
	}
	return NULL;
}

/*
 * One random change to the caller's address space: mmap, munmap (whole or
 * part), mprotect, mremap, madvise DONTNEED or GUARD_INSTALL, a fork whose
 * child changes its copy and exits, or a short-lived thread.
 */
void churn_step(uint64_t *state)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t r = vml_rand(state);
	int slot = r % CHURN_SLOTS, op = (r >> 8) % 16;
	char *a = churn_map[slot].addr;
	size_t len = churn_map[slot].len, pages = len / ps;
	size_t off = pages > 1 ? ((r >> 16) % (pages - 1)) * ps : 0;
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_EXEC };
	pthread_t th;
	pid_t pid, parent;

	if (!a) {
		len = (1 + (r >> 16) % 64) * ps;
		a = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			return;
		a[0] = 1;
		churn_map[slot].addr = a;
		churn_map[slot].len = len;
		return;
	}
	switch (op) {
	case 0: case 1: case 2:
		munmap(a, len);
		churn_map[slot].addr = NULL;
		break;
	case 3:		/* punch a hole: the VMA splits */
		munmap(a + off, ps);
		break;
	case 4: case 5: case 6: {
		size_t n = 1 + (r >> 40) % 4;

		if (off / ps + n > pages)
			n = pages - off / ps;
		mprotect(a + off, n * ps, prots[(r >> 32) % 4]);
		break;
	}
	case 7: case 8: {
		size_t nlen = (1 + (r >> 32) % 96) * ps;
		char *n = mremap(a, len, nlen, MREMAP_MAYMOVE);

		if (n != MAP_FAILED) {
			churn_map[slot].addr = n;
			churn_map[slot].len = nlen;
		}
		break;
	}
	case 9: case 10:
		madvise(a + off, ps, MADV_DONTNEED);
		break;
	case 11:	/* MADV_GUARD_INSTALL (6.13+); EINVAL before */
		madvise(a + off, ps, 102);
		break;
	case 12:
		parent = getpid();
		pid = fork();
		if (pid == 0) {
			/*
			 * Die with the parent: an orphan would go on churning
			 * with the test's files open, holding the module.
			 */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(0);
			for (int i = 0; i < 16; i++)
				churn_step(state);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	case 13:
		if (!pthread_create(&th, NULL, churn_thread,
				    (void *)(uintptr_t)vml_rand(state)))
			pthread_join(th, NULL);
		break;
	default:
		/*
		 * Fault pages in so DONTNEED has work; MADV_POPULATE_WRITE
		 * (5.14+) fails instead of faulting on holes, guard pages
		 * and read-only pages.
		 */
		madvise(a, len, 23);
		break;
	}
}
