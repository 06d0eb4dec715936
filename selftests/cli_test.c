// SPDX-License-Identifier: GPL-2.0
/*
 * The vmalens CLI against real processes: every VMA of /proc/PID/maps in
 * "vmas"; the bands of "show" in address order, without overlap and in 100
 * columns, also with 10,000 VMAs; --json parsed by json-c (an independent
 * parser) and round-tripped through "diff"; "layout --json" as the very
 * object "show --json" embeds; "tasks" and "version" from the ioctls, also
 * without debugfs mounted; and each documented error message for its cause
 * (module not loaded, no device node, not root, no CAP_SYS_PTRACE, no such
 * process, no mm); a process name wherever a pid goes, and its errors;
 * and the backends: the module's layout and VMAs, the BPF backend's and
 * /proc's agree field by field, and without the module the next backend
 * serves and says so.
 *
 * The binary is $VMALENS, else ../bin/vmalens next to this test.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "vmalens.h"

#define OUT_FILE	"/tmp/cli_test.out"
#define ERR_FILE	"/tmp/cli_test.err"
#define MANY_VMAS	10000

static char vmalens[PATH_MAX];

struct run {
	int status;		/* exit status, or -1 */
	char *out, *err;
	size_t out_len;
};

typedef int (*run_setup_fn)(void);

static const char *cli_path(void)
{
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	if (*vmalens)
		return vmalens;
	if (getenv("VMALENS")) {
		snprintf(vmalens, sizeof(vmalens), "%s", getenv("VMALENS"));
		return vmalens;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(vmalens, sizeof(vmalens), "%s/../bin/vmalens", exe);
	return vmalens;
}

/* Run vmalens ARGS (NULL-terminated) with setup() in the child first. */
static void run_cli(struct run *r, run_setup_fn setup, ...)
{
	char *argv[32];
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	argv[argc++] = (char *)cli_path();
	va_start(ap, setup);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
	pid = fork();
	if (pid == 0) {
		int out = open(OUT_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(ERR_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(120);
		if (setup && setup())
			_exit(121);
		execv(argv[0], argv);
		_exit(122);
	}
	r->status = -1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	r->out = slurp(OUT_FILE, &r->out_len);
	r->err = slurp(ERR_FILE, NULL);
	if (!r->out)
		r->out = strdup("");
	if (!r->err)
		r->err = strdup("");
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static char *num(pid_t pid)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%d", pid);
	return buf[i];
}

/* --- target processes ------------------------------------------------- */

static void *extra;

static void on_usr1(int sig)
{
	(void)sig;
	extra = mmap(NULL, 3 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* A few kinds of mapping: file, anon, a hole, a named heap; SIGUSR1 adds one. */
static void setup_small(char *report, size_t size, void *arg)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	char *p;

	(void)arg;
	p = malloc(1000);		/* a brk heap */
	if (p)
		p[0] = 1;
	if (fd >= 0)
		mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	p = mmap(NULL, 16 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p + (4 << 12), 4 << 12);
	signal(SIGUSR1, on_usr1);
	snprintf(report, size, "ready=1 heap=%lu", (unsigned long)sbrk(0) - 1);
}

/* MANY_VMAS VMAs: one mapping, every other page read-only. */
static void setup_many(char *report, size_t size, void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, MANY_VMAS * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	(void)arg;
	for (i = 1; p != MAP_FAILED && i < MANY_VMAS; i += 2)
		mprotect(p + i * page, page, PROT_READ);
	snprintf(report, size, "ready=%d", p != MAP_FAILED);
}

/* --- helpers on the output -------------------------------------------- */

static int count_maps(pid_t pid)
{
	char path[64];
	char *maps;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	/* every line, x86's [vsyscall] gate VMA too: vmas lists it */
	n = maps ? count_lines(maps, NULL) : -1;
	free(maps);
	return n;
}

/* The lines of /proc/PID/maps with an x in the perms, [vsyscall] too. */
static int count_exec_maps(pid_t pid)
{
	char path[64], *maps, *line, *save = NULL, perms[5];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	if (!maps)
		return -1;
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%*x-%*x %4s", perms) == 1 && perms[2] == 'x')
			n++;
	free(maps);
	return n;
}

/*
 * Every line of /proc/PID/maps must be a row of "vmas": the same range,
 * perms and path.  Returns the number missing, naming the first.
 */
static int maps_in_vmas(pid_t pid, const char *vmas, char *why, size_t len)
{
	char path[64], *maps, *line, *save = NULL;
	int missing = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	if (!maps) {
		snprintf(why, len, "cannot read %s", path);
		return -1;
	}
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		char perms[8], want[96], *name;
		int n = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &n) < 3)
			continue;
		name = line + n;
		snprintf(want, sizeof(want), "0x%012lx-0x%012lx", s, e);
		{
			const char *row = strstr(vmas, want);
			const char *eol = row ? strchr(row, '\n') : NULL;
			char rowbuf[512];

			if (row) {
				size_t rl = eol ? (size_t)(eol - row) : strlen(row);

				snprintf(rowbuf, sizeof(rowbuf), "%.*s", (int)rl, row);
			}
			if (!row || !strstr(rowbuf, perms) || (*name && !strstr(rowbuf, name))) {
				if (!missing)
					snprintf(why, len, "missing: %s", line);
				missing++;
			}
		}
	}
	free(maps);
	return missing;
}

/* A boundary row: "  0x<addr> +" (looks at this line only) */
static bool is_boundary(const char *line, unsigned long *addr)
{
	char buf[64];
	size_t len = strcspn(line, "\n");
	int n = 0;

	/* a copy: sscanf() would strlen() the rest of the output each time */
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return sscanf(buf, "  0x%lx%n", addr, &n) == 1 && n && !strncmp(buf + n, " +", 2);
}

/*
 * The map's boundary rows ("  0x... +"): strictly decreasing (bands in
 * address order, none overlapping), ending at 0; every row <= 100 columns.
 * Returns the number of rows, or -1 with why set.
 */
static int check_map(const char *text, unsigned long *nboundaries, char *why, size_t len)
{
	const char *line = text, *eol;
	unsigned long last = ULONG_MAX, a;
	int rows = 0;

	*nboundaries = 0;
	for (; *line; line = eol + 1) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		rows++;
		if (eol - line > 100) {
			snprintf(why, len, "row of %d columns: %.*s", (int)(eol - line),
				 (int)(eol - line), line);
			return -1;
		}
		if (is_boundary(line, &a)) {
			if (a >= last) {
				snprintf(why, len, "boundary 0x%lx not below 0x%lx", a, last);
				return -1;
			}
			last = a;
			(*nboundaries)++;
		}
		if (!*eol)
			break;
	}
	if (last != 0) {
		snprintf(why, len, "the map does not end at 0 (last 0x%lx)", last);
		return -1;
	}
	return rows;
}

/* Is there a boundary row "  0x<addr> +" (any zero padding) for addr? */
static bool has_boundary(const char *text, unsigned long addr)
{
	const char *line;
	unsigned long a;

	for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (is_boundary(line, &a) && a == addr)
			return true;
	return false;
}

static struct json_object *parse_json(const char *text, char *why, size_t len)
{
	enum json_tokener_error err;
	struct json_object *o = json_tokener_parse_verbose(text, &err);

	if (!o)
		snprintf(why, len, "json-c: %s in: %.200s", json_tokener_error_desc(err), text);
	return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* json-c holds a JSON null as a NULL member: present, but NULL. */
static bool jhas(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* --- tests ------------------------------------------------------------ */

/* Only for the timeouts: emulated arm64 CPUs are slow. */
FIXTURE(cli) {
	int unused;
};

FIXTURE_SETUP(cli)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(cli)
{
}

TEST_F_TIMEOUT(cli, vmas_lists_every_vma_of_proc_maps, 300)
{
	struct run r = { 0 };
	struct target t;
	char why[1024] = "";
	struct json_object *arr;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "vmas", num(t.pid), "--color=never", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(0, maps_in_vmas(t.pid, r.out, why, sizeof(why))) TH_LOG("%s\n%s", why, r.out);
	EXPECT_NE(NULL, strstr(r.out, "-- gap ")) TH_LOG("no gap rows:\n%s", r.out);
	EXPECT_EQ(NULL, strstr(r.out, "\033[")) TH_LOG("colour with --color=never");

	run_cli(&r, NULL, "vmas", num(t.pid), NULL);	/* stdout is a file */
	EXPECT_EQ(NULL, strstr(r.out, "\033[")) TH_LOG("colour without a terminal");
	run_cli(&r, NULL, "vmas", num(t.pid), "--color=always", NULL);
	EXPECT_NE(NULL, strstr(r.out, "\033[")) TH_LOG("no colour with --color=always");

	run_cli(&r, NULL, "vmas", num(t.pid), "--no-gaps", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(NULL, strstr(r.out, "-- gap ")) TH_LOG("--no-gaps:\n%s", r.out);
	EXPECT_EQ(count_maps(t.pid) + 1, count_lines(r.out, NULL));

	/* the filter against /proc's own perms, in both outputs */
	run_cli(&r, NULL, "vmas", num(t.pid), "--perm", "x", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(count_exec_maps(t.pid) + 1, count_lines(r.out, NULL)) TH_LOG("%s", r.out);
	run_cli(&r, NULL, "--json", "vmas", num(t.pid), "--perm", "x", NULL);
	arr = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, arr) TH_LOG("%s", why);
	EXPECT_EQ(count_exec_maps(t.pid), (int)json_object_array_length(arr));
	json_object_put(arr);

	run_cli(&r, NULL, "--json", "vmas", num(t.pid), NULL);
	EXPECT_EQ(0, r.status);
	arr = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, arr) TH_LOG("%s", why);
	ASSERT_TRUE(json_object_is_type(arr, json_type_array));
	EXPECT_EQ(count_maps(t.pid), (int)json_object_array_length(arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		static const char *const keys[] = { "start", "end", "size", "perms", "offset",
			"dev", "inode", "path", "deleted", "kind", "flags", "vm_flags",
			"pkey", "gap_before", "guard_before" };

		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *key = keys[k];

			EXPECT_TRUE(jhas(v, key)) TH_LOG("VMA %zu lacks %s", i, key);
		}
		if (!strcmp(jstr(v, "path") ?: "", "[vsyscall]")) {
			/* x86's gate VMA comes from /proc, not from the module */
			EXPECT_TRUE(jhas(v, "flags") && !jget(v, "flags"));
			continue;
		}
		EXPECT_TRUE(jget(v, "vm_flags") && json_object_is_type(jget(v, "vm_flags"),
								       json_type_string))
			TH_LOG("the module reports vm_flags");
		/* every VMA of a live process may at least be read or is PROT_NONE */
		EXPECT_TRUE(jget(v, "flags") && json_object_is_type(jget(v, "flags"),
								    json_type_object))
			TH_LOG("the module reports flags");
		if (jget(v, "flags") && json_object_is_type(jget(v, "flags"), json_type_object))
			EXPECT_EQ(!!strchr(json_object_get_string(jget(v, "perms")), 'r'),
				  jhas(jget(v, "flags"), "read"))
				TH_LOG("VMA %zu: perms and flags.read disagree", i);
	}
	json_object_put(arr);
	run_free(&r);
	target_kill(&t);
}

TEST_F_TIMEOUT(cli, show_bands_in_address_order, 300)
{
	struct run r = { 0 };
	struct target t;
	char why[1024] = "";
	unsigned long nb;
	int rows;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "show", num(t.pid), "--color=never", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	rows = check_map(strstr(r.out, "\n\n") ? strstr(r.out, "\n\n") + 2 : r.out, &nb,
			 why, sizeof(why));
	EXPECT_LT(0, rows) TH_LOG("%s\n%s", why, r.out);
	{
		static const char *const words[] = { "task_size", "<- mmap_base", "<- brk",
			"next mmap (dry-run)", "layout", "ASLR", "-bit VA" };
		size_t k;

		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			const char *w = words[k];

			EXPECT_NE(NULL, strstr(r.out, w)) TH_LOG("'%s' missing:\n%s", w, r.out);
		}
	}

	/* --full: a boundary at each end of each VMA below task_size */
	run_cli(&r, NULL, "show", num(t.pid), "--full", "--color=never", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	rows = check_map(strstr(r.out, "\n\n") + 2, &nb, why, sizeof(why));
	EXPECT_LT(0, rows) TH_LOG("%s\n%s", why, r.out);
	{
		char path[64], *maps, *line, *save = NULL;

		snprintf(path, sizeof(path), "/proc/%d/maps", t.pid);
		maps = slurp(path, NULL);
		ASSERT_NE(NULL, maps);
		for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long s, e;

			if (sscanf(line, "%lx-%lx", &s, &e) != 2 || strstr(line, "[vsyscall]"))
				continue;
			EXPECT_TRUE(has_boundary(r.out, s)) TH_LOG("no boundary at %s", line);
			EXPECT_TRUE(has_boundary(r.out, e)) TH_LOG("no boundary at %s", line);
		}
		free(maps);
	}
	run_free(&r);
	target_kill(&t);
}

/* The first VMA of /proc/PID/maps with x in its perms: 0, or -1. */
static int first_exec_map(pid_t pid, unsigned long *start, unsigned long *end)
{
	char path[64], *maps, *line, *save = NULL, perms[5];
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line && ret;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%lx-%lx %4s", start, end, perms) == 3 && perms[2] == 'x')
			ret = 0;
	free(maps);
	return ret;
}

/* Boundary rows of the map outside [lo, hi]: their number. */
static int boundaries_outside(const char *map, unsigned long lo, unsigned long hi)
{
	const char *line;
	unsigned long a;
	int n = 0;

	for (line = map; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (is_boundary(line, &a) && (a < lo || a > hi))
			n++;
	return n;
}

/*
 * show takes vmas' filters: the same VMAs in --json, only those drawn in
 * the map (the space of the others "filtered out"), and --range draws
 * just the range.
 */
TEST_F_TIMEOUT(cli, show_filters_as_vmas_does, 300)
{
	struct json_object *show, *vmas;
	struct run r = { 0 };
	char why[1024] = "", range[64];
	unsigned long s, e;
	const char *map;
	struct target t;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "--json", "show", num(t.pid), "--perm", "x", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	show = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, show) TH_LOG("%s", why);
	run_cli(&r, NULL, "--json", "vmas", num(t.pid), "--perm", "x", NULL);
	vmas = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, vmas) TH_LOG("%s", why);
	EXPECT_EQ(count_exec_maps(t.pid), (int)json_object_array_length(jget(show, "vmas")));
	EXPECT_TRUE(json_object_equal(jget(show, "vmas"), vmas))
		TH_LOG("show: %s\nvmas: %s", json_object_get_string(jget(show, "vmas")),
		       json_object_get_string(vmas));
	json_object_put(show);
	json_object_put(vmas);

	ASSERT_EQ(0, first_exec_map(t.pid, &s, &e));
	run_cli(&r, NULL, "show", num(t.pid), "--full", "--perm", "x", "--color=never", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	map = strstr(r.out, "\n\n");
	ASSERT_NE(NULL, map);
	EXPECT_LT(0, check_map(map + 2, &s, why, sizeof(why))) TH_LOG("%s\n%s", why, r.out);
	ASSERT_EQ(0, first_exec_map(t.pid, &s, &e));
	EXPECT_TRUE(has_boundary(map, s) && has_boundary(map, e)) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(map, "filtered out")) TH_LOG("%s", r.out);
	EXPECT_EQ(NULL, strstr(map, "[stack]")) TH_LOG("a band not executable:\n%s", r.out);

	snprintf(range, sizeof(range), "%lx-%lx", s, e);
	run_cli(&r, NULL, "show", num(t.pid), "--full", "--range", range, "--color=never", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	map = strstr(r.out, "\n\n");
	ASSERT_NE(NULL, map);
	EXPECT_TRUE(has_boundary(map, s) && has_boundary(map, e)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, boundaries_outside(map, s, e)) TH_LOG("--range %s:\n%s", range, r.out);
	run_free(&r);
	target_kill(&t);
}

TEST_F_TIMEOUT(cli, show_10000_vmas_stays_readable, 300)
{
	struct run r = { 0 };
	struct target t;
	char why[1024] = "";
	unsigned long nb;
	int rows;

	ASSERT_EQ(0, target_fork(&t, setup_many, NULL));
	ASSERT_LE(MANY_VMAS, count_maps(t.pid));
	run_cli(&r, NULL, "show", num(t.pid), "--color=never", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	rows = check_map(strstr(r.out, "\n\n") + 2, &nb, why, sizeof(why));
	EXPECT_LT(0, rows) TH_LOG("%s", why);
	EXPECT_GT(120, rows) TH_LOG("%d rows for %d VMAs:\n%s", rows, count_maps(t.pid), r.out);
	EXPECT_NE(NULL, strstr(r.out, " VMAs)")) TH_LOG("no grouped band:\n%s", r.out);

	run_cli(&r, NULL, "show", num(t.pid), "--full", "--color=never", NULL);
	ASSERT_EQ(0, r.status);
	rows = check_map(strstr(r.out, "\n\n") + 2, &nb, why, sizeof(why));
	EXPECT_LT(0, rows) TH_LOG("%s", why);
	EXPECT_LE((unsigned long)MANY_VMAS, nb);
	run_free(&r);
	target_kill(&t);
}

TEST_F_TIMEOUT(cli, json_parses_and_round_trips_through_diff, 300)
{
	struct json_object *a, *b, *d, *lay, *next, *added;
	struct run r = { 0 };
	struct target t;
	char why[1024] = "";
	int before, i;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "--json", "show", num(t.pid), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	a = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, a) TH_LOG("%s", why);
	ASSERT_EQ(0, write_file("/tmp/cli_a.json", r.out));
	lay = jget(a, "layout");
	next = jget(a, "next_mmap");
	ASSERT_NE(NULL, lay);
	ASSERT_NE(NULL, next);
	EXPECT_NE(NULL, jstr(lay, "mmap_base"));
	EXPECT_NE(NULL, jstr(lay, "task_size"));
	EXPECT_NE(NULL, jstr(next, "addr"));
	EXPECT_EQ(count_maps(t.pid), (int)json_object_array_length(jget(a, "vmas")));

	/* the target maps 3 MiB more */
	before = count_maps(t.pid);
	kill(t.pid, SIGUSR1);
	for (i = 0; i < 100 && count_maps(t.pid) == before; i++)
		usleep(10000);
	run_cli(&r, NULL, "--json", "vmas", num(t.pid), NULL);
	ASSERT_EQ(0, r.status);
	b = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, b) TH_LOG("%s", why);
	ASSERT_EQ(0, write_file("/tmp/cli_b.json", r.out));

	/* diff(1)'s exit codes: 1 when the snapshots differ, 0 when not */
	run_cli(&r, NULL, "--json", "diff", "/tmp/cli_a.json", "/tmp/cli_b.json", NULL);
	ASSERT_EQ(1, r.status) TH_LOG("%s %s", r.out, r.err);
	d = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, d) TH_LOG("%s", why);
	added = jget(d, "added");
	ASSERT_NE(NULL, added);
	/* new VMA, or an old anon VMA grown by the new mapping merging */
	EXPECT_EQ(1, (int)(json_object_array_length(added) +
			   json_object_array_length(jget(d, "grown"))))
		TH_LOG("%s", r.out);
	json_object_put(d);

	run_cli(&r, NULL, "--json", "diff", "/tmp/cli_a.json", "/tmp/cli_a.json", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s %s", r.out, r.err);
	d = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, d) TH_LOG("%s", why);
	EXPECT_EQ(before, json_object_get_int(jget(d, "unchanged"))) TH_LOG("%s", r.out);
	json_object_put(d);
	run_cli(&r, NULL, "diff", "/tmp/cli_a.json", "/tmp/cli_b.json", "--color=never", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.out, "3.0 MiB")) TH_LOG("%s", r.out);
	json_object_put(a);
	json_object_put(b);
	run_free(&r);
	target_kill(&t);
}

TEST_F_TIMEOUT(cli, probe_and_query_json, 300)
{
	struct json_object *o, *v;
	struct run r = { 0 };
	struct target t;
	char why[1024] = "", addr[32];
	static const char *const keys[] = { "addr", "error", "gap_start", "gap_end", "mode",
		"layer", "random", "random_start", "random_end", "emulated", "approximate",
		"compat", "replaces", "may_fail", "global_commit", "unmodelled" };

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "--json", "probe", num(t.pid), "--len", "256M", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *key = keys[k];

		EXPECT_TRUE(jhas(o, key)) TH_LOG("probe lacks %s", key);
	}
	EXPECT_NE(NULL, jstr(o, "addr"));
	EXPECT_TRUE(jhas(o, "error") && !jget(o, "error"));
	EXPECT_STREQ("topdown", jstr(o, "mode"));
	EXPECT_TRUE(jget(o, "unmodelled") &&
		    json_object_is_type(jget(o, "unmodelled"), json_type_array));
	json_object_put(o);

	/* a file mapping: the CLI passes its own fd of the file */
	run_cli(&r, NULL, "--json", "probe", num(t.pid), "--len", "8K", "--file",
		cli_path(), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s %s", r.out, r.err);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_NE(NULL, jstr(o, "addr")) TH_LOG("%s", r.out);
	json_object_put(o);

	/* MAP_FIXED_NOREPLACE on the heap: EEXIST */
	snprintf(addr, sizeof(addr), "%lx", report_ul(&t, "heap") & ~(sysconf(_SC_PAGESIZE) - 1));
	run_cli(&r, NULL, "--json", "probe", num(t.pid), "--len", "4K", "--hint", addr,
		"--flags", "private,anonymous,fixed_noreplace", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.out);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_STREQ("EEXIST", jstr(o, "error")) TH_LOG("%s", r.out);
	EXPECT_TRUE(jhas(o, "addr") && !jget(o, "addr"));
	json_object_put(o);

	run_cli(&r, NULL, "probe", num(t.pid), "--len", "256M", "--mode", "bottomup",
		"--color=never", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "the probed mmap")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "bottom-up")) TH_LOG("%s", r.out);

	run_cli(&r, NULL, "--json", "query", num(t.pid), addr, NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_TRUE(json_object_get_boolean(jget(o, "mapped")));
	v = jget(o, "vma");
	EXPECT_STREQ("[heap]", jstr(v, "path")) TH_LOG("%s", r.out);
	EXPECT_STREQ("heap", jstr(v, "kind"));
	json_object_put(o);

	run_cli(&r, NULL, "--json", "query", num(t.pid), "1000", NULL);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	EXPECT_FALSE(json_object_get_boolean(jget(o, "mapped")));
	EXPECT_STREQ("0x0", jstr(o, "gap_start"));
	json_object_put(o);
	run_free(&r);
	target_kill(&t);
}

/* For EXPECT_STREQ, which cannot take NULL. */
static const char *jstr_or(struct json_object *o, const char *key)
{
	const char *v = o ? jstr(o, key) : NULL;

	return v ? v : "(missing)";
}

/* The keys of a JSON object, in order, comma-separated. */
static void json_keys(struct json_object *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	json_object_object_foreach(o, key, val) {
		(void)val;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s,", key);
	}
}

TEST_F_TIMEOUT(cli, layout_json_is_shows_layout_object, 300)
{
	struct json_object *lay, *show, *shown;
	char why[1024] = "", k1[2048], k2[2048];
	struct run r = { 0 };
	struct target t;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "--json", "layout", num(t.pid), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	lay = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, lay) TH_LOG("%s", why);
	run_cli(&r, NULL, "--json", "show", num(t.pid), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	show = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, show) TH_LOG("%s", why);
	shown = jget(show, "layout");
	ASSERT_NE(NULL, shown);

	/* the same keys in the same order, and the same facts */
	json_keys(lay, k1, sizeof(k1));
	json_keys(shown, k2, sizeof(k2));
	EXPECT_STREQ(k2, k1);
	EXPECT_NE(NULL, strstr(k1, "pid,comm,layout,")) TH_LOG("%s", k1);
	EXPECT_NE(NULL, strstr(k1, "stack_guard_gap,mmap_min_addr,mmap_rnd_bits,")) TH_LOG("%s", k1);
	EXPECT_EQ(t.pid, json_object_get_int(jget(lay, "pid")));
	{
		static const char *const same[] = { "comm", "layout", "mmap_base", "task_size",
			"start_brk", "start_stack", "vdso" };

		size_t i;

		for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
			const char *key = same[i];

			EXPECT_STREQ(jstr_or(shown, key), jstr_or(lay, key)) TH_LOG("%s differs", key);
		}
	}
	EXPECT_TRUE(json_object_is_type(jget(lay, "stack_guard_gap"), json_type_int));
	EXPECT_TRUE(json_object_is_type(jget(lay, "mmap_rnd_bits"), json_type_int));

	/* plain: the same keys, one a line */
	run_cli(&r, NULL, "layout", num(t.pid), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	json_object_object_foreach(lay, key, val) {
		char want[64];

		(void)val;
		snprintf(want, sizeof(want), "%s%s ", r.out == strstr(r.out, key) ? "" : "\n",
			 key);
		EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("'%s' missing:\n%s", key, r.out);
	}
	json_object_put(lay);
	json_object_put(show);
	run_free(&r);
	target_kill(&t);
}

static int no_debugfs(void);
static int without_ptrace_cap(void);
static int as_nobody(void);
static int hide_module_and_sysfs(void);

/* The module's line of "version": "module v... (abi 2)" */
TEST_F_TIMEOUT(cli, version_reports_module_abi, 300)
{
	struct json_object *o, *m;
	struct run r = { 0 };
	char why[1024] = "", want[64];
	bool plain_per_vma;

	snprintf(want, sizeof(want), "(abi %d)", VMALENS_ABI_VERSION);
	run_cli(&r, NULL, "version", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(2, count_lines(r.out, NULL)) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\nmodule v")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(strstr(r.out, "\n") ?: r.out, want)) TH_LOG("%s", r.out);
	EXPECT_EQ(NULL, strstr(r.out, "mismatch")) TH_LOG("%s", r.out);
	plain_per_vma = strstr(r.out, ", reads VMAs under per-VMA locks\n");
	EXPECT_TRUE(plain_per_vma || strstr(r.out, ", reads VMAs under the mmap lock\n"))
		TH_LOG("%s", r.out);

	run_cli(&r, NULL, "--json", "version", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	m = jget(o, "module");
	ASSERT_NE(NULL, m) TH_LOG("%s", r.out);
	EXPECT_EQ(VMALENS_ABI_VERSION, json_object_get_int(jget(m, "abi"))) TH_LOG("%s", r.out);
	EXPECT_STREQ("ioctl", jstr_or(m, "source")) TH_LOG("%s", r.out);
	EXPECT_EQ(getpagesize(), json_object_get_int(jget(m, "page_size"))) TH_LOG("%s", r.out);
	/* the walk's lock, the same in both forms */
	ASSERT_TRUE(json_object_is_type(jget(m, "per_vma_lock"), json_type_boolean))
		TH_LOG("%s", r.out);
	EXPECT_EQ(plain_per_vma, json_object_get_boolean(jget(m, "per_vma_lock")))
		TH_LOG("%s", r.out);
	json_object_put(o);

	/* without debugfs: the same answer */
	run_cli(&r, no_debugfs, "version", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);

	/* not root: the world-readable sysfs files */
	run_cli(&r, as_nobody, "--json", "version", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	o = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, o) TH_LOG("%s", why);
	m = jget(o, "module");
	ASSERT_NE(NULL, m) TH_LOG("%s", r.out);
	EXPECT_STREQ("sysfs", jstr_or(m, "source")) TH_LOG("%s", r.out);
	EXPECT_EQ(VMALENS_ABI_VERSION, json_object_get_int(jget(m, "abi"))) TH_LOG("%s", r.out);
	json_object_put(o);

	/* no module at all: says so, and still succeeds */
	run_cli(&r, hide_module_and_sysfs, "version", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "module: not loaded")) TH_LOG("%s", r.out);
	run_cli(&r, hide_module_and_sysfs, "--json", "version", NULL);
	EXPECT_NE(NULL, strstr(r.out, "\"module\":null")) TH_LOG("%s", r.out);
	run_free(&r);
}

static bool tasks_has(struct json_object *arr, pid_t pid, const char *comm)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (json_object_get_int(jget(o, "pid")) == pid &&
		    (!comm || (jstr(o, "comm") && !strcmp(jstr(o, "comm"), comm))))
			return true;
	}
	return false;
}

TEST_F_TIMEOUT(cli, tasks_lists_processes_from_the_ioctl, 300)
{
	struct json_object *arr, *o;
	struct run r = { 0 };
	struct target t;
	char why[1024] = "", comm[32] = "", path[64], *c;
	static const char *const keys[] = { "pid", "comm", "layout", "mmap_base", "start_brk",
		"brk", "map_count", "total_vm" };
	uint64_t last = UINT64_MAX;
	size_t i;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	snprintf(path, sizeof(path), "/proc/%d/comm", t.pid);
	c = slurp(path, NULL);
	ASSERT_NE(NULL, c);
	snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(c, "\n"), c);
	free(c);

	run_cli(&r, NULL, "--json", "tasks", "--sort", "total_vm", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	arr = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, arr) TH_LOG("%s", why);
	ASSERT_TRUE(json_object_is_type(arr, json_type_array));
	EXPECT_TRUE(tasks_has(arr, t.pid, comm)) TH_LOG("pid %d (%s) missing", t.pid, comm);
	EXPECT_TRUE(tasks_has(arr, 1, NULL)) TH_LOG("init missing");
	EXPECT_FALSE(tasks_has(arr, 2, NULL)) TH_LOG("kthreadd has no mm");
	for (i = 0; i < json_object_array_length(arr); i++) {
		size_t row = i, k;
		uint64_t tv;

		o = json_object_array_get_idx(arr, i);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *key = keys[k];

			EXPECT_TRUE(jhas(o, key)) TH_LOG("row %zu lacks %s", row, key);
		}
		tv = json_object_get_uint64(jget(o, "total_vm"));
		EXPECT_GE(last, tv) TH_LOG("not sorted by total_vm at row %zu", row);
		last = tv;
	}
	EXPECT_STREQ("", r.err) TH_LOG("root skips nothing it can see");
	json_object_put(arr);

	run_cli(&r, NULL, "tasks", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(0, strncmp(r.out, "    PID LAYOUT", 14)) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, comm)) TH_LOG("%s", r.out);

	/* without debugfs: the same table */
	run_cli(&r, no_debugfs, "tasks", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, comm)) TH_LOG("%s", r.out);

	/* without CAP_SYS_PTRACE: only itself, and the rest counted */
	run_cli(&r, without_ptrace_cap, "--json", "tasks", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	arr = parse_json(r.out, why, sizeof(why));
	ASSERT_NE(NULL, arr) TH_LOG("%s", why);
	EXPECT_EQ(1, (int)json_object_array_length(arr)) TH_LOG("%s", r.out);
	EXPECT_FALSE(tasks_has(arr, t.pid, NULL));
	EXPECT_NE(NULL, strstr(r.err, "processes not listed: not allowed to inspect them (needs CAP_SYS_PTRACE)"))
		TH_LOG("%s", r.err);
	json_object_put(arr);
	run_free(&r);
	target_kill(&t);
}

/* --- errors: each documented message for its cause --------------------- */

static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static int hide_device(void)
{
	return private_mounts() || mount("none", "/dev", "tmpfs", 0, NULL);
}

static int hide_module(void)
{
	return hide_device() || mount("none", "/sys/class/misc", "tmpfs", 0, NULL) ||
	       mount("none", "/sys/kernel/debug", "tmpfs", 0, NULL);
}

static int no_debugfs(void)
{
	return private_mounts() || umount2("/sys/kernel/debug", MNT_DETACH);
}

/* No trace of the module: device, misc class, debugfs and /sys/module. */
static int hide_module_and_sysfs(void)
{
	return hide_module() || mount("none", "/sys/module", "tmpfs", 0, NULL);
}

static int as_nobody(void)
{
	return setgid(65534) || setuid(65534);
}

/* root without CAP_SYS_PTRACE, also after exec (out of the bounding set) */
static int without_ptrace_cap(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	unsigned int bit = 1u << (CAP_SYS_PTRACE % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) || syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_PTRACE / 32].effective &= ~bit;
	d[CAP_SYS_PTRACE / 32].permitted &= ~bit;
	d[CAP_SYS_PTRACE / 32].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d);
}

TEST_F_TIMEOUT(cli, error_messages, 300)
{
	struct run r = { 0 };
	struct target t;
	char why[1024] = "";

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));

	/* the module's own messages: the other backends would serve show */
	run_cli(&r, hide_module, "--backend=module", "show", num(t.pid), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "module not loaded? try: sudo insmod")) TH_LOG("%s", r.err);
	EXPECT_EQ(1, count_lines(r.err, NULL)) TH_LOG("one line: %s", r.err);
	run_cli(&r, hide_module, "probe", num(t.pid), "--len", "4K", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "module not loaded? try: sudo insmod")) TH_LOG("%s", r.err);

	/* without the module, vmas and query fall back to /proc, and say so */
	run_cli(&r, hide_module, "vmas", num(t.pid), NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "note: /dev/vmalens not available")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, maps_in_vmas(t.pid, r.out, why, sizeof(why))) TH_LOG("%s", why);
	run_cli(&r, hide_module, "--json", "query", num(t.pid), "1000", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\"mapped\":false")) TH_LOG("%s", r.out);

	run_cli(&r, hide_device, "--backend=module", "show", num(t.pid), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "module loaded but /dev/vmalens is missing; create it: mknod /dev/vmalens c"))
		TH_LOG("%s", r.err);

	/* nothing needs debugfs any more */
	run_cli(&r, no_debugfs, "layout", num(t.pid), NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(NULL, strstr(r.err, "debugfs")) TH_LOG("%s", r.err);

	run_cli(&r, hide_module, "--backend=module", "tasks", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "module not loaded? try: sudo insmod")) TH_LOG("%s", r.err);

	run_cli(&r, as_nobody, "--backend=module", "show", num(t.pid), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "permission denied; the device is root-only")) TH_LOG("%s", r.err);

	run_cli(&r, without_ptrace_cap, "show", num(t.pid), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not allowed to inspect process")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "CAP_SYS_PTRACE"));

	run_cli(&r, NULL, "show", "999999999", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no such process: 999999999")) TH_LOG("%s", r.err);

	run_cli(&r, NULL, "show", "2", NULL);		/* kthreadd */
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "has no address space")) TH_LOG("%s", r.err);

	run_cli(&r, NULL, "--json", "show", "2", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_EQ(0, strncmp(r.out, "{\"error\":\"process 2 has no address space", 40))
		TH_LOG("%s", r.out);

	run_cli(&r, NULL, "probe", num(t.pid), NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "missing --len SIZE")) TH_LOG("%s", r.err);
	run_cli(&r, NULL, "probe", num(t.pid), "--len", "4K", "--flags", "private,bogus", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "unknown mmap flag 'bogus'")) TH_LOG("%s", r.err);
	run_cli(&r, NULL, "layout", "--full", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'--full' is not an option of layout (it is one of show)"))
		TH_LOG("%s", r.err);
	run_free(&r);
	target_kill(&t);
}

/* --- process names: what a pid argument may also be -------------------- */

/* A target_fork() setup: the target goes by the comm @name. */
static void setup_named(char *report, size_t size, void *name)
{
	snprintf(report, size, "named=%d", !prctl(PR_SET_NAME, name));
}

/* A comm of no other process: the test's pid in it, 15 bytes at most. */
static void unique_name(char *name, size_t size, const char *prefix)
{
	snprintf(name, size, "%s%d", prefix, getpid());
}

static bool has_comm(pid_t pid, const char *name)
{
	char path[64], *comm;
	bool same;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = slurp(path, NULL);
	same = comm && !strncmp(comm, name, strlen(name)) && comm[strlen(name)] == '\n';
	free(comm);
	return same;
}

/* What "--json CMD" prints as "pid", or -1. */
static int json_pid(const char *out)
{
	struct json_object *o = json_tokener_parse(out);
	int pid = o && jhas(o, "pid") ? json_object_get_int(jget(o, "pid")) : -1;

	json_object_put(o);
	return pid;
}

/*
 * "vmalens [--json] CMD NAME [ARG]" must print exactly what
 * "vmalens [--json] CMD PID [ARG]" prints.
 */
static void expect_name_as_pid(struct __test_metadata *_metadata, bool json,
			       const char *cmd, pid_t pid, const char *name,
			       const char *arg)
{
	const char *who[2] = { num(pid), name };
	struct run r[2] = { { 0 } };
	int i;

	for (i = 0; i < 2; i++) {
		if (json)
			run_cli(&r[i], NULL, "--json", cmd, who[i], arg, NULL);
		else
			run_cli(&r[i], NULL, cmd, who[i], arg, NULL);
		EXPECT_EQ(0, r[i].status) TH_LOG("%s %s: %s", cmd, who[i], r[i].err);
	}
	EXPECT_STREQ(r[0].out, r[1].out);
	run_free(&r[0]);
	run_free(&r[1]);
}

/*
 * Every command that takes a pid takes the target's name, and then says
 * exactly what it says for the pid.  A command that missed the name
 * lookup fails with "invalid pid"; one that found another process (the
 * test itself, say) prints another pid.
 */
TEST_F_TIMEOUT(cli, name_resolves_like_its_pid, 300)
{
	struct run r = { 0 };
	char name[16];
	struct target t;

	unique_name(name, sizeof(name), "vmlname");
	ASSERT_EQ(0, target_fork(&t, setup_named, name));
	ASSERT_TRUE(report_has(&t, "named") && report_ul(&t, "named") == 1);
	ASSERT_TRUE(has_comm(t.pid, name)) TH_LOG("prctl(PR_SET_NAME) did not rename");

	expect_name_as_pid(_metadata, false, "layout", t.pid, name, NULL);
	expect_name_as_pid(_metadata, true, "vmas", t.pid, name, NULL);
	expect_name_as_pid(_metadata, true, "query", t.pid, name, "1000");

	/* the next mmap may be drawn at random: compare the pid only */
	run_cli(&r, NULL, "--json", "show", name, NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(t.pid, json_pid(r.out)) TH_LOG("%s", r.out);
	run_cli(&r, NULL, "--json", "probe", name, "--len", "4K", NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(t.pid, json_pid(r.out)) TH_LOG("%s", r.out);
	run_free(&r);
	target_kill(&t);
}

/*
 * A name nobody has: a usage error from every command, before the module
 * is asked anything.  vmalens never finds itself, even when it runs under
 * that very name; kernel threads are found by comm.
 */
TEST_F_TIMEOUT(cli, name_matching_nothing_fails, 300)
{
	/* every command that takes a pid, with the rest it needs */
	static char *cmds[][3] = {
		{ "show" }, { "layout" }, { "vmas" }, { "query", "1000" },
		{ "probe", "--len", "4K" },
	};
	char name[16], want[128], link[64], saved[PATH_MAX];
	struct run r = { 0 };
	size_t i;

	unique_name(name, sizeof(name), "vmlnone");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		run_cli(&r, NULL, cmds[i][0], name, cmds[i][1], cmds[i][2], NULL);
		snprintf(want, sizeof(want),
			 "Error: no process named '%s'; try: vmalens %s --help\n",
			 name, cmds[i][0]);
		EXPECT_EQ(2, r.status) TH_LOG("%s: %s", cmds[i][0], r.err);
		EXPECT_STREQ(want, r.err);
		EXPECT_STREQ("", r.out);
	}

	run_cli(&r, NULL, "--json", "layout", name, NULL);
	EXPECT_EQ(2, r.status);
	snprintf(want, sizeof(want), "{\"error\":\"no process named '%s'; ", name);
	EXPECT_EQ(0, strncmp(r.out, want, strlen(want))) TH_LOG("%s", r.out);

	/* through a link of that name, vmalens's comm and argv[0] are it */
	unique_name(name, sizeof(name), "vmlself");
	snprintf(link, sizeof(link), "/tmp/%s", name);
	ASSERT_NE(NULL, realpath(cli_path(), saved));
	unlink(link);
	ASSERT_EQ(0, symlink(saved, link)) TH_LOG("%s", strerror(errno));
	snprintf(vmalens, sizeof(vmalens), "%s", link);
	run_cli(&r, NULL, "layout", name, NULL);
	snprintf(vmalens, sizeof(vmalens), "%s", saved);
	unlink(link);
	EXPECT_EQ(2, r.status) TH_LOG("%s%s", r.out, r.err);
	snprintf(want, sizeof(want), "Error: no process named '%s'; ", name);
	EXPECT_EQ(0, strncmp(r.err, want, strlen(want))) TH_LOG("%s", r.err);

	/* kthreadd: no cmdline, found by its comm, and it has no mm */
	run_cli(&r, NULL, "show", "kthreadd", NULL);
	EXPECT_EQ(1, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "process 2 has no address space")) TH_LOG("%s", r.err);
	run_free(&r);
}

/*
 * Two processes with one name: refused, with both pids and comms in the
 * message, lower pid first.  Once one is gone the name is the other's.
 */
TEST_F_TIMEOUT(cli, name_of_two_processes_fails_listing_both, 300)
{
	struct target a, b, *low, *high;
	char name[16], msg[128], want[160];
	struct json_object *o;
	struct run r = { 0 };

	unique_name(name, sizeof(name), "vmltwin");
	ASSERT_EQ(0, target_fork(&a, setup_named, name));
	ASSERT_EQ(0, target_fork(&b, setup_named, name));
	ASSERT_TRUE(has_comm(a.pid, name) && has_comm(b.pid, name));
	low = a.pid < b.pid ? &a : &b;
	high = a.pid < b.pid ? &b : &a;
	snprintf(msg, sizeof(msg),
		 "2 processes named '%s': %d (%s), %d (%s); pass the pid of one",
		 name, low->pid, name, high->pid, name);
	snprintf(want, sizeof(want), "Error: %s\n", msg);

	run_cli(&r, NULL, "layout", name, NULL);
	EXPECT_EQ(2, r.status) TH_LOG("%s", r.out);
	EXPECT_STREQ(want, r.err);
	EXPECT_STREQ("", r.out);
	run_cli(&r, NULL, "--json", "probe", name, "--len", "4K", NULL);
	EXPECT_EQ(2, r.status);
	o = json_tokener_parse(r.out);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", r.out);
	EXPECT_STREQ(msg, jstr_or(o, "error"));
	json_object_put(o);

	target_kill(low);
	expect_name_as_pid(_metadata, false, "layout", high->pid, name, NULL);
	run_free(&r);
	target_kill(high);
}

static bool is_zombie(pid_t pid)
{
	char path[64], *stat, *paren;
	bool z;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	stat = slurp(path, NULL);
	paren = stat ? strrchr(stat, ')') : NULL;
	z = paren && paren[1] == ' ' && paren[2] == 'Z';
	free(stat);
	return z;
}

/* The keys both of vmas' sources must agree on, for VMA i of each array. */
static int same_vma(struct json_object *a, struct json_object *b, char *why, size_t len)
{
	static const char *const keys[] = { "start", "end", "perms", "offset", "dev", "path",
					     "kind" };
	struct json_object *x, *y;
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		x = jget(a, keys[k]);
		y = jget(b, keys[k]);
		if (!x || !y || strcmp(json_object_get_string(x), json_object_get_string(y))) {
			snprintf(why, len, "%s: %s (vmalens) vs %s (/proc) in %s",
				 keys[k], x ? json_object_get_string(x) : "-",
				 y ? json_object_get_string(y) : "-", json_object_get_string(a));
			return -1;
		}
	}
	if (json_object_get_uint64(jget(a, "inode")) != json_object_get_uint64(jget(b, "inode"))) {
		snprintf(why, len, "inode differs in %s", json_object_get_string(a));
		return -1;
	}
	return 0;
}

/*
 * The same process read through the module and, with /dev hidden, through
 * the kernel's own interfaces (PROCMAP_QUERY or /proc/PID/maps): the same
 * VMAs, and for a zombie and a missing pid the same message.
 */
TEST_F_TIMEOUT(cli, module_and_fallback_agree, 300)
{
	struct json_object *mod, *proc, *v;
	struct run r = { 0 }, fb = { 0 };
	char why[1024] = "";
	struct target t;
	size_t i, j = 0;
	pid_t zombie;

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, NULL, "--json", "vmas", num(t.pid), NULL);
	run_cli(&fb, hide_device, "--json", "vmas", num(t.pid), NULL);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(0, fb.status) TH_LOG("%s", fb.err);
	EXPECT_NE(NULL, strstr(fb.err, "note: /dev/vmalens not available")) TH_LOG("%s", fb.err);
	mod = parse_json(r.out, why, sizeof(why));
	proc = parse_json(fb.out, why, sizeof(why));
	ASSERT_TRUE(mod && proc) TH_LOG("%s", why);
	for (i = 0; i < json_object_array_length(proc); i++) {
		v = json_object_array_get_idx(proc, i);
		ASSERT_LT(j, json_object_array_length(mod)) TH_LOG("/proc has more VMAs");
		EXPECT_EQ(0, same_vma(json_object_array_get_idx(mod, j), v, why, sizeof(why)))
			TH_LOG("VMA %zu: %s", j, why);
		j++;
	}
	EXPECT_EQ(json_object_array_length(mod), j);
	json_object_put(mod);
	json_object_put(proc);
	target_kill(&t);

	zombie = fork();
	if (zombie == 0)
		_exit(0);
	ASSERT_LT(0, zombie);
	while (!is_zombie(zombie))
		usleep(1000);
	run_cli(&r, NULL, "vmas", num(zombie), NULL);
	run_cli(&fb, hide_device, "vmas", num(zombie), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_EQ(1, fb.status);
	EXPECT_NE(NULL, strstr(r.err, "has no address space")) TH_LOG("%s", r.err);
	EXPECT_STREQ(r.err, fb.err);
	waitpid(zombie, NULL, 0);

	run_cli(&r, NULL, "vmas", "999999999", NULL);
	run_cli(&fb, hide_device, "vmas", "999999999", NULL);
	EXPECT_STREQ("Error: no such process: 999999999\n", r.err);
	EXPECT_STREQ(r.err, fb.err);
	run_free(&r);
	run_free(&fb);
}

/* --- backends: the module, BPF and /proc, each written apart ------------ */

#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif

#define VARIED_PAGES	300

/*
 * A target of every kind the backends must agree on: a brk heap, ~300
 * VMAs of alternating protection, a private and a shared mapping of a
 * file that is then deleted, and an anonymous VMA named where the kernel
 * has anon names (reported as anon_name=1).
 */
static void setup_varied(char *report, size_t size, void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[64], *p, *named;
	int fd, i, anon_name;

	(void)arg;
	p = malloc(100000);
	if (p)
		p[0] = 1;
	p = mmap(NULL, VARIED_PAGES * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 1; p != MAP_FAILED && i < VARIED_PAGES; i += 2)
		mprotect(p + i * page, page, i % 4 == 1 ? PROT_READ : PROT_NONE);
	snprintf(path, sizeof(path), "/tmp/cli_test_deleted.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && !ftruncate(fd, 4 * page)) {
		mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
		mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * page);
	}
	unlink(path);
	named = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	anon_name = named != MAP_FAILED &&
		    !prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, named, 3 * page, "cli_test");
	snprintf(report, size, "ready=1 anon_name=%d", anon_name);
}

/* A legacy (bottom-up) layout, chosen at exec as setarch -L does. */
static int pre_legacy(void *arg)
{
	(void)arg;
	return personality(PER_LINUX | ADDR_COMPAT_LAYOUT) == -1 ? -1 : 0;
}

/* "bpf_backend" of version --json: whether this vmalens was built with it. */
static bool cli_has_bpf(void)
{
	struct run r = { 0 };
	struct json_object *o, *b;
	char why[256];
	bool has;

	run_cli(&r, NULL, "--json", "version", NULL);
	o = parse_json(r.out, why, sizeof(why));
	has = o && json_object_object_get_ex(o, "bpf_backend", &b) && json_object_get_boolean(b);
	json_object_put(o);
	run_free(&r);
	return has;
}

/* @args (up to 3, NULL-ended) of @pid through --backend=@backend, parsed. */
static struct json_object *json_through(const char *backend, const char *cmd, pid_t pid,
					char *why, size_t len)
{
	char opt[64];
	struct run r = { 0 };
	struct json_object *o = NULL;

	snprintf(opt, sizeof(opt), "--backend=%s", backend);
	run_cli(&r, NULL, opt, "--json", cmd, num(pid), NULL);
	if (r.status)
		snprintf(why, len, "%s %s: exit %d: %s", opt, cmd, r.status, r.err);
	else
		o = parse_json(r.out, why, len);
	run_free(&r);
	return o;
}

/*
 * Every member of @a equal in @b, and no member more in @b: 0, else -1
 * with the first difference in @why.  @skip, NULL-ended, are left out.
 */
static int same_object(struct json_object *a, struct json_object *b, const char *const *skip,
		       const char *names, char *why, size_t len)
{
	const char *const *k;
	struct json_object *y;

	if (json_object_object_length(a) != json_object_object_length(b)) {
		snprintf(why, len, "%s: %d vs %d members in %s", names,
			 json_object_object_length(a), json_object_object_length(b),
			 json_object_get_string(a));
		return -1;
	}
	json_object_object_foreach(a, key, x) {
		for (k = skip; k && *k && strcmp(*k, key); k++)
			;
		if (k && *k)
			continue;
		if (!json_object_object_get_ex(b, key, &y) || !json_object_equal(x, y)) {
			snprintf(why, len, "%s: %s is %s vs %s in %s", names, key,
				 json_object_to_json_string(x), y ? json_object_to_json_string(y) : "-",
				 json_object_get_string(a));
			return -1;
		}
	}
	return 0;
}

/* The layout's members /proc/PID/stat also has, with their field numbers. */
static const struct {
	const char *key;
	int field;
} stat_fields[] = {
	{ "start_code", 26 }, { "end_code", 27 }, { "start_stack", 28 },
	{ "start_data", 45 }, { "end_data", 46 }, { "start_brk", 47 },
	{ "arg_start", 48 }, { "arg_end", 49 }, { "env_start", 50 }, { "env_end", 51 },
};

/* The BPF layout's members against /proc/PID/stat: 0, or -1 with @why. */
static int layout_matches_stat(struct json_object *lay, pid_t pid, char *why, size_t len)
{
	unsigned long f[52], v;
	size_t i;

	if (proc_stat_fields(pid, f, 52)) {
		snprintf(why, len, "cannot read /proc/%d/stat", pid);
		return -1;
	}
	for (i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++) {
		v = strtoul(jstr(lay, stat_fields[i].key) ?: "", NULL, 16);
		if (v != f[stat_fields[i].field]) {
			snprintf(why, len, "%s 0x%lx, /proc/%d/stat field %d 0x%lx", stat_fields[i].key,
				 v, pid, stat_fields[i].field, f[stat_fields[i].field]);
			return -1;
		}
	}
	return 0;
}

/*
 * One process three ways: the module's layout and VMAs equal the BPF
 * backend's member by member (two programs written apart that read the
 * same mm_struct), and the BPF backend's agree with /proc/PID/stat and,
 * VMA by VMA, with /proc/PID/maps (a third, the kernel's own text).
 */
static void three_way(struct __test_metadata *_metadata, pid_t pid, bool anon_name)
{
	/*
	 * mmap_min_addr: the BPF backend reads the kernel's effective value
	 * from kallsyms and, where that read fails, falls back to
	 * vm.mmap_min_addr, which lacks the LSM part: arm64-6.1 gave 4096
	 * where the module says 32768.  A known difference (bpfsrc.c), not
	 * compared until the program reads it otherwise.
	 */
	static const char *const lay_skip[] = { "mmap_min_addr", NULL };
	struct json_object *mod_l, *bpf_l, *mod_v, *bpf_v, *proc_v, *a;
	char why[1024] = "";
	size_t i, named = 0;

	mod_l = json_through("module", "layout", pid, why, sizeof(why));
	ASSERT_NE(NULL, mod_l) TH_LOG("%s", why);
	bpf_l = json_through("bpf", "layout", pid, why, sizeof(why));
	ASSERT_NE(NULL, bpf_l) TH_LOG("%s", why);
	EXPECT_EQ(0, same_object(mod_l, bpf_l, lay_skip, "layout module vs bpf", why,
				 sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, layout_matches_stat(bpf_l, pid, why, sizeof(why))) TH_LOG("%s", why);

	mod_v = json_through("module", "vmas", pid, why, sizeof(why));
	ASSERT_NE(NULL, mod_v) TH_LOG("%s", why);
	bpf_v = json_through("bpf", "vmas", pid, why, sizeof(why));
	ASSERT_NE(NULL, bpf_v) TH_LOG("%s", why);
	proc_v = json_through("proc", "vmas", pid, why, sizeof(why));
	ASSERT_NE(NULL, proc_v) TH_LOG("%s", why);
	ASSERT_EQ(json_object_array_length(mod_v), json_object_array_length(bpf_v));
	ASSERT_EQ(json_object_array_length(proc_v), json_object_array_length(bpf_v));
	for (i = 0; i < json_object_array_length(bpf_v); i++) {
		a = json_object_array_get_idx(bpf_v, i);
		EXPECT_EQ(0, same_object(json_object_array_get_idx(mod_v, i), a, NULL,
					 "VMA module vs bpf", why, sizeof(why)))
			TH_LOG("VMA %zu: %s", i, why);
		EXPECT_EQ(0, same_vma(a, json_object_array_get_idx(proc_v, i), why, sizeof(why)))
			TH_LOG("VMA %zu, bpf vs /proc: %s", i, why);
		named += jstr(a, "path") && !strcmp(jstr(a, "path"), "[anon:cli_test]");
	}
	EXPECT_EQ(anon_name, named == 1) TH_LOG("%zu VMAs named [anon:cli_test]", named);
	json_object_put(mod_l);
	json_object_put(bpf_l);
	json_object_put(mod_v);
	json_object_put(bpf_v);
	json_object_put(proc_v);
}

/*
 * Whether --backend=bpf serves here.  With BTF and the task_vma iterator
 * (5.12+) it must; without them (5.10, the bed's own kernels) it must
 * decline, saying why.
 */
static bool bpf_serves(struct __test_metadata *_metadata)
{
	struct run r = { 0 };
	bool serves;

	run_cli(&r, NULL, "--backend=bpf", "layout", NULL);
	serves = r.status == 0;
	if (vml_kernel_release() >= 512 && !access("/sys/kernel/btf/vmlinux", F_OK)) {
		EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	} else if (!serves) {
		EXPECT_NE(NULL, strstr(r.err, "the BPF backend cannot be used: ")) TH_LOG("%s", r.err);
	}
	run_free(&r);
	return serves;
}

TEST_F_TIMEOUT(cli, backends_agree_field_by_field, 300)
{
	struct target t;

	if (!cli_has_bpf())
		SKIP(return, "vmalens was built without the BPF backend");
	if (!bpf_serves(_metadata))
		SKIP(return, "no BTF or no task_vma iterator (5.12+): the backend declines");
	ASSERT_EQ(0, target_fork(&t, setup_varied, NULL));
	three_way(_metadata, t.pid, report_ul(&t, "anon_name"));
	target_kill(&t);
	ASSERT_EQ(0, target_exec(&t, "/proc/self/exe", pre_legacy, NULL));
	three_way(_metadata, t.pid, false);
	target_kill(&t);
	three_way(_metadata, 1, false);
}

/*
 * With no module, the CLI says once which backend it read through: BPF
 * where it serves, else PROCMAP_QUERY or /proc with BPF's reason; show
 * still draws, without the dry-run.
 */
TEST_F_TIMEOUT(cli, without_module_the_next_backend_says_so, 300)
{
	struct run r = { 0 };
	struct target t;
	bool bpf = cli_has_bpf() && bpf_serves(_metadata);

	ASSERT_EQ(0, target_fork(&t, setup_small, NULL));
	run_cli(&r, hide_module_and_sysfs, "vmas", num(t.pid), NULL);
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(1, count_lines(r.err, NULL)) TH_LOG("one note: %s", r.err);
	if (bpf) {
		EXPECT_NE(NULL, strstr(r.err, "module not loaded); reading through the BPF backend"))
			TH_LOG("%s", r.err);
		run_cli(&r, hide_module_and_sysfs, "show", num(t.pid), NULL);
		EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
		EXPECT_NE(NULL, strstr(r.out, "next mmap    unknown: the dry-run needs the module"))
			TH_LOG("%s", r.out);
		run_cli(&r, hide_module_and_sysfs, "--json", "tasks", NULL);
		EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
		EXPECT_NE(NULL, strstr(r.out, "\"comm\":\"init\"")) TH_LOG("%.300s", r.out);
	} else {
		EXPECT_NE(NULL, strstr(r.err, "the BPF backend declined: ")) TH_LOG("%s", r.err);
		run_cli(&r, hide_module_and_sysfs, "show", num(t.pid), NULL);
		EXPECT_EQ(1, r.status);
		EXPECT_NE(NULL, strstr(r.err, "module not loaded? try: sudo insmod")) TH_LOG("%s", r.err);
	}
	run_cli(&r, hide_module_and_sysfs, "--backend=proc", "layout", num(t.pid), NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "the proc backend has no layouts")) TH_LOG("%s", r.err);
	run_cli(&r, hide_module_and_sysfs, "probe", num(t.pid), "--len", "4K", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "the dry-run needs the module")) TH_LOG("%s", r.err);
	run_free(&r);
	target_kill(&t);
}

TEST_HARNESS_MAIN
