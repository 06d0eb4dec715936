// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of "vmalens diff", run on the binary:
 *
 *   test_diff [MANPAGE] VMALENS
 *   test_diff --write N OLD NEW	write the two N-VMA snapshots of the
 *					big test, to time diff by hand
 *
 * Snapshots are written the way "vmalens vmas --json" writes them
 * (vma_json() in vmalist.c).  Exits 1 if any check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit_test.h"

/* Enough for diff of the big snapshots; the old reader needed GBs. */
#define MEM_LIMIT	(512UL << 20)
/* Not a time limit on diff: it only stops a hung one. */
#define HANG_SECS	120

static const char *vmalens;
static char tmpdir[] = "/tmp/test_diff.XXXXXX";

/* --- snapshots ------------------------------------------------------- */

struct snapw {
	FILE *f;
	uint64_t prev_end;
	size_t nr;
};

static void snap_begin(struct snapw *w, FILE *f)
{
	w->f = f;
	w->prev_end = 0;
	w->nr = 0;
	fputc('[', f);
}

/* One VMA as vma_json() writes it. */
static void snap_vma(struct snapw *w, uint64_t start, uint64_t end, const char *perms,
		     uint64_t offset, const char *path, const char *kind)
{
	bool file = *path == '/';

	fprintf(w->f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\","
		"\"size\":%" PRIu64 ",\"perms\":\"%s\",\"offset\":\"0x%" PRIx64 "\","
		"\"dev\":\"%s\",\"inode\":%u,\"path\":\"%s\",\"deleted\":false,"
		"\"kind\":\"%s\",\"flags\":{\"read\":true,%s\"mayread\":true,"
		"\"maywrite\":true,\"mayexec\":true%s},\"vm_flags\":\"0x%x\","
		"\"gap_before\":%" PRIu64 ",\"guard_before\":0}",
		w->nr ? "," : "", start, end, end - start, perms, offset,
		file ? "08:01" : "00:00", file ? 1234567u : 0u, path, kind,
		file ? "" : "\"write\":true,", file ? "" : ",\"account\":true",
		file ? 0x8000071u : 0x100073u, start - w->prev_end);
	w->prev_end = end;
	w->nr++;
}

static void snap_end(struct snapw *w)
{
	fputs("]\n", w->f);
}

/*
 * The big snapshots: n slots of 1 MiB, one VMA in each on either side
 * (n a multiple of 10).  By slot number mod 10:
 *   0 unchanged file	1 file removed, another added	2 perms changed
 *   3 anon grown	4 anon shrunk			5 offset changed
 *   6 file moved	7 anon grown down		8 unchanged anon
 *   9 anon removed, another added
 */
static void write_big(size_t n, FILE *fo, FILE *fn)
{
	struct snapw o, w;
	char path[64], path2[64];
	size_t i;

	snap_begin(&o, fo);
	snap_begin(&w, fn);
	for (i = 0; i < n; i++) {
		uint64_t b = 0x10000000 + (uint64_t)i * 0x100000;

		snprintf(path, sizeof(path), "/usr/lib/lib%zu.so", i);
		switch (i % 10) {
		case 0:
			snap_vma(&o, b, b + 0x4000, "r--p", 0, path, "file");
			snap_vma(&w, b, b + 0x4000, "r--p", 0, path, "file");
			break;
		case 1:
			snprintf(path2, sizeof(path2), "/usr/lib/new%zu.so", i);
			snap_vma(&o, b, b + 0x4000, "r--p", 0, path, "file");
			snap_vma(&w, b + 0x8000, b + 0xa000, "r--p", 0, path2, "file");
			break;
		case 2:
			snap_vma(&o, b, b + 0x4000, "r--p", 0, path, "file");
			snap_vma(&w, b, b + 0x4000, "rw-p", 0, path, "file");
			break;
		case 3:
			snap_vma(&o, b, b + 0x4000, "rw-p", 0, "", "anon");
			snap_vma(&w, b, b + 0x6000, "rw-p", 0, "", "anon");
			break;
		case 4:
			snap_vma(&o, b, b + 0x4000, "rw-p", 0, "", "anon");
			snap_vma(&w, b, b + 0x2000, "rw-p", 0, "", "anon");
			break;
		case 5:
			snap_vma(&o, b, b + 0x4000, "r--p", 0, path, "file");
			snap_vma(&w, b, b + 0x4000, "r--p", 0x1000, path, "file");
			break;
		case 6:
			snap_vma(&o, b, b + 0x4000, "r-xp", 0, path, "file");
			snap_vma(&w, b + 0x10000, b + 0x14000, "r-xp", 0, path, "file");
			break;
		case 7:
			snap_vma(&o, b + 0x10000, b + 0x14000, "rw-p", 0, "", "anon");
			snap_vma(&w, b + 0xc000, b + 0x14000, "rw-p", 0, "", "anon");
			break;
		case 8:
			snap_vma(&o, b, b + 0x4000, "rw-p", 0, "", "anon");
			snap_vma(&w, b, b + 0x4000, "rw-p", 0, "", "anon");
			break;
		case 9:
			snap_vma(&o, b + 0x40000, b + 0x41000, "rw-p", 0, "", "anon");
			snap_vma(&w, b + 0x20000, b + 0x21000, "rw-p", 0, "", "anon");
			break;
		}
	}
	snap_end(&o);
	snap_end(&w);
}

/* The summary line diff prints for write_big(n). */
static void big_summary(size_t n, char *buf, size_t len)
{
	size_t t = n / 10;

	snprintf(buf, len, "%zu added, %zu removed, %zu grown, %zu shrunk, %zu moved, "
		 "%zu changed, %zu unchanged\n", 2 * t, 2 * t, 2 * t, t, t, 2 * t, 2 * t);
}

static char *tmp_path(const char *name)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

/* Write text to a file of the temporary directory; its path. */
static const char *tmp_file(const char *name, const char *text)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

struct tvma {
	uint64_t start, end;
	const char *perms;
	uint64_t offset;
	const char *path, *kind;
};

/* A snapshot file of the temporary directory; its path. */
static const char *snap_file(const char *name, const struct tvma *v, size_t nr)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "w");
	struct snapw w;
	size_t i;

	if (!f) {
		perror(path);
		exit(2);
	}
	snap_begin(&w, f);
	for (i = 0; i < nr; i++)
		snap_vma(&w, v[i].start, v[i].end, v[i].perms, v[i].offset, v[i].path, v[i].kind);
	snap_end(&w);
	if (fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

#define SNAP(name, ...) snap_file(name, (const struct tvma[]){ __VA_ARGS__ },		\
				  sizeof((const struct tvma[]){ __VA_ARGS__ }) /		\
				  sizeof(struct tvma))

/* The small snapshots most tests start from: a program, its heap, a library. */
#define PROG	{ 0x1000, 0x2000, "r-xp", 0, "/bin/x", "file" }
#define HEAP	{ 0x5000, 0x6000, "rw-p", 0, "[heap]", "heap" }
#define HEAP2	{ 0x5000, 0x7000, "rw-p", 0, "[heap]", "heap" }
#define LIB	{ 0x9000, 0xa000, "r--p", 0, "/lib/y", "file" }

/* --- running vmalens ------------------------------------------------- */

struct result {
	int status;		/* the exit status; -1 if killed */
	int sig;
	double secs;
	char *out, *err;	/* all of stdout and stderr */
};

static char *read_back(FILE *f)
{
	long len;
	char *s;

	fflush(f);
	len = ftell(f);
	s = malloc(len + 1);
	if (!s) {
		perror("malloc");
		exit(2);
	}
	rewind(f);
	s[fread(s, 1, len, f)] = '\0';
	fclose(f);
	return s;
}

/*
 * In a child: make in, out and err its standard input, output and error.
 * When this test itself was started with a standard stream closed, tmpfile()
 * may have handed out that number, so each is first moved above 2: dup2()
 * onto 0 must not close the file that is to become 1.
 */
static int child_stdio(int in, int out, int err)
{
	int fds[3] = { in, out, err }, i;

	for (i = 0; i < 3; i++) {
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			return -1;
	}
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return -1;
	return 0;
}

/*
 * vmalens ARGS... (NULL-terminated) with stdin from in (NULL: /dev/null),
 * under MEM_LIMIT of address space.
 */
static void run(struct result *r, const char *in, ...)
{
	FILE *out = tmpfile(), *err = tmpfile();
	struct timespec t0, t1;
	const char *argv[16];
	int i = 1, st;
	va_list ap;
	pid_t pid;

	argv[0] = vmalens;
	va_start(ap, in);
	while ((argv[i] = va_arg(ap, const char *)) && i < 15)
		i++;
	va_end(ap);
	argv[i] = NULL;
	if (!out || !err) {
		perror("tmpfile");
		exit(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { MEM_LIMIT, MEM_LIMIT };
		int fd = open(in ? in : "/dev/null", O_RDONLY);

		if (fd < 0 || child_stdio(fd, fileno(out), fileno(err)) ||
		    setrlimit(RLIMIT_AS, &rl))
			_exit(125);
		alarm(HANG_SECS);
		execv(vmalens, (char **)argv);
		_exit(126);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		perror("fork");
		exit(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	r->out = read_back(out);
	r->err = read_back(err);
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* The last line of s, or s. */
static const char *last_line(const char *s)
{
	size_t len = strlen(s);
	const char *p;

	if (len && s[len - 1] == '\n')
		len--;
	for (p = s + len; p > s && p[-1] != '\n'; p--)
		;
	return p;
}

/* --- tests ----------------------------------------------------------- */

/*
 * Two snapshots of n VMAs each: the counts of each change come out right,
 * within MEM_LIMIT.  The time is printed, not checked.
 */
static void test_big(size_t n)
{
	const char *a = tmp_path("big_a.json"), *b = tmp_path("big_b.json");
	FILE *fa = fopen(a, "w"), *fb = fopen(b, "w");
	char want[256];
	struct result r;

	if (!fa || !fb) {
		perror("fopen");
		exit(2);
	}
	write_big(n, fa, fb);
	if (fclose(fa) || fclose(fb)) {
		perror("fclose");
		exit(2);
	}
	big_summary(n, want, sizeof(want));
	run(&r, NULL, "diff", a, b, "--color=never", NULL);
	CHECK(r.sig == 0 && !strcmp(last_line(r.out), want),
	      "%zu VMAs: exit %d, signal %d, last line: %s  want: %sstderr: %s",
	      n, r.status, r.sig, last_line(r.out), want, r.err);
	printf("test_diff: %zu VMAs diffed in %.2f s\n", n, r.secs);
	result_free(&r);
	unlink(a);
	unlink(b);
}

/* As diff(1): 0 the same, 1 different, 2 trouble; the JSON output too. */
/* diff's exit status with its standard output on /dev/full */
static int full_status(const char *a, const char *b)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' diff '%s' '%s' >/dev/full 2>/dev/null", vmalens, a, b);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_exit_status(void)
{
	const char *a = SNAP("a.json", PROG, HEAP, LIB), *b = SNAP("b.json", PROG, HEAP2, LIB);
	const char *bad = tmp_file("bad.json", "[1,");
	struct result r;

	run(&r, NULL, "diff", a, a, NULL);
	CHECK(r.status == 0 && strstr(r.out, ", 0 changed, 3 unchanged\n"), "same: exit %d: %s%s",
	      r.status, r.out, r.err);
	result_free(&r);
	run(&r, NULL, "diff", a, b, NULL);
	CHECK(r.status == 1 && strstr(r.out, "1 grown"), "differ: exit %d: %s%s",
	      r.status, r.out, r.err);
	result_free(&r);
	run(&r, NULL, "--json", "diff", a, b, NULL);
	CHECK(r.status == 1 && strstr(r.out, "\"grown\":[{"), "differ, JSON: exit %d: %s%s",
	      r.status, r.out, r.err);
	result_free(&r);
	run(&r, NULL, "--json", "diff", b, b, NULL);
	CHECK(r.status == 0 && strstr(r.out, "\"unchanged\":3}"), "same, JSON: exit %d: %s%s",
	      r.status, r.out, r.err);
	result_free(&r);
	run(&r, NULL, "diff", a, bad, NULL);
	CHECK(r.status == 2 && strstr(r.err, "Error: ") && strstr(r.err, "is not valid JSON"),
	      "bad JSON: exit %d: %s", r.status, r.err);
	result_free(&r);
	run(&r, NULL, "diff", tmp_path("none.json"), a, NULL);
	CHECK(r.status == 2 && strstr(r.err, "cannot open"), "no file: exit %d: %s", r.status, r.err);
	result_free(&r);
	run(&r, NULL, "diff", a, NULL);
	CHECK(r.status == 2 && strstr(r.err, "try: vmalens diff --help"), "one file: exit %d: %s",
	      r.status, r.err);
	result_free(&r);
	/* "same" or "different" with the answer lost is trouble, not 0 or 1 */
	CHECK(full_status(a, a) == 2 && full_status(a, b) == 2,
	      "stdout full: exit %d, %d", full_status(a, a), full_status(a, b));
	unlink(a);
	unlink(b);
	unlink(bad);
}

/* The kernel's VMAs are not empty, sorted and apart: anything else is no snapshot. */
static void test_not_a_snapshot(void)
{
	static const struct {
		const char *what, *text, *err;
	} cases[] = {
		{ "empty VMA", NULL, "VMA 1 ends (0x5000) at or below its start (0x5000)" },
		{ "end below start", NULL, "VMA 1 ends (0x4000) at or below its start (0x5000)" },
		{ "out of order", NULL, "VMA 1 (0x1000) starts below the end of VMA 0 (0xa000)" },
		{ "overlapping", NULL, "VMA 2 (0x5800) starts below the end of VMA 1 (0x6000)" },
		{ "no fields", "[{\"start\":\"0x1000\"}]",
		  "VMA 0 lacks start, end, offset, perms, path or kind" },
		{ "no VMAs", "{\"pid\":1}", "no VMAs; expected the output of" },
		{ "a bare number", "5", "no VMAs; expected the output of" },
	};
	const char *paths[] = {
		SNAP("c0.json", PROG, { 0x5000, 0x5000, "rw-p", 0, "", "anon" }),
		SNAP("c1.json", PROG, { 0x5000, 0x4000, "rw-p", 0, "", "anon" }),
		SNAP("c2.json", LIB, PROG),
		SNAP("c3.json", PROG, HEAP, { 0x5800, 0x7000, "rw-p", 0, "", "anon" }),
	};
	const char *a = SNAP("a.json", PROG, HEAP, LIB), *f;
	char want[256];
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = cases[i].text ? tmp_file("c.json", cases[i].text) : paths[i];
		snprintf(want, sizeof(want), " is not a vmalens snapshot: %s", cases[i].err);
		run(&r, NULL, "diff", a, f, NULL);
		CHECK(r.status == 2 && !strncmp(r.err, "Error: ", 7) && strstr(r.err, want),
		      "%s: exit %d: %s  want: %s",
		      cases[i].what, r.status, r.err, want);
		result_free(&r);
		unlink(f);
	}
	unlink(a);
}

/*
 * The text streams through a buffer far smaller than a big snapshot: the
 * byte an error names counts from the file's start, whatever was read
 * before; the first file's error is said though both are read at once;
 * a file that opens but cannot be read says so.
 */
static void test_streamed(void)
{
	const char *a = tmp_path("stream_a.json"), *b = tmp_path("stream_b.json");
	const char *bad = tmp_file("bad.json", "[1,");
	FILE *fa = fopen(a, "w"), *fb = fopen(b, "w");
	char want[512];
	struct result r;
	long size;

	if (!fa || !fb) {
		perror("fopen");
		exit(2);
	}
	write_big(4000, fa, fb);	/* ~900 KB each */
	fputs("\n x", fa);
	size = ftell(fa);
	if (fclose(fa) || fclose(fb)) {
		perror("fclose");
		exit(2);
	}
	run(&r, NULL, "diff", b, a, NULL);
	snprintf(want, sizeof(want), "Error: %s is not valid JSON (text after the document at byte %ld)",
		 a, size - 1);
	CHECK(r.status == 2 && strstr(r.err, want) == r.err, "byte count: exit %d: %s  want: %s",
	      r.status, r.err, want);
	result_free(&r);
	run(&r, NULL, "diff", a, bad, NULL);
	CHECK(r.status == 2 && strstr(r.err, want) == r.err && !strstr(r.err, bad),
	      "first file first: exit %d: %s  want: %s", r.status, r.err, want);
	result_free(&r);
	run(&r, NULL, "diff", b, tmpdir, NULL);
	snprintf(want, sizeof(want), "Error: cannot read %s: %s\n", tmpdir, strerror(EISDIR));
	CHECK(r.status == 2 && !strcmp(r.err, want), "directory: exit %d: %s  want: %s", r.status,
	      r.err, want);
	result_free(&r);
	unlink(a);
	unlink(b);
	unlink(bad);
}

/* Messages name the files as given; stdin is read, once. */
static void test_names_and_stdin(void)
{
	const char *a = SNAP("a.json", PROG, HEAP, LIB), *bad = tmp_file("bad.json", "{\"vmas\":[}");
	const char *nosnap = SNAP("nosnap.json", PROG, { 0x1800, 0x3000, "rw-p", 0, "", "anon" });
	char want[256];
	struct result r;

	run(&r, NULL, "diff", a, bad, NULL);
	snprintf(want, sizeof(want), "Error: %s is not valid JSON (", bad);
	CHECK(r.status == 2 && strstr(r.err, want) == r.err, "bad JSON: exit %d: %s", r.status, r.err);
	result_free(&r);
	run(&r, NULL, "diff", nosnap, a, NULL);
	snprintf(want, sizeof(want), "Error: %s is not a vmalens snapshot: VMA 1", nosnap);
	CHECK(r.status == 2 && strstr(r.err, want) == r.err, "no snapshot: exit %d: %s",
	      r.status, r.err);
	result_free(&r);
	run(&r, bad, "diff", a, "-", NULL);
	CHECK(r.status == 2 && strstr(r.err, "Error: stdin is not valid JSON (") == r.err,
	      "bad stdin: exit %d: %s", r.status, r.err);
	result_free(&r);
	run(&r, a, "diff", "-", a, NULL);
	CHECK(r.status == 0 && strstr(r.out, " 3 unchanged\n"), "stdin: exit %d: %s%s", r.status,
	      r.out, r.err);
	result_free(&r);
	run(&r, a, "diff", "-", "-", NULL);
	CHECK(r.status == 2 && strstr(r.err, "Error: stdin (-) can be only one of FILE1 and FILE2") ==
	      r.err && !*r.out, "- -: exit %d: %s%s", r.status, r.out, r.err);
	result_free(&r);
	unlink(a);
	unlink(bad);
	unlink(nosnap);
}

/* A "changed" VMA says what changed, in plain text and JSON alike. */
static void test_changed_fields(void)
{
	const char *a = SNAP("a.json", PROG, HEAP, LIB, { 0xc000, 0xd000, "rw-p", 0, "", "anon" });
	const char *b = SNAP("b.json", PROG, HEAP, { 0x9000, 0xa000, "rw-p", 0x1000, "/lib/y", "file" },
			     { 0xc000, 0xd000, "rw-p", 0, "[anon:buf]", "anon" });
	static const char *const plain[] = {
		"* changed  0x000000009000-0x00000000a000 4.0 KiB rw-p /lib/y: "
		"perms r--p -> rw-p, offset 0x0 -> 0x1000\n",
		"* changed  0x00000000c000-0x00000000d000 4.0 KiB rw-p [anon:buf]: "
		"path \"\" -> [anon:buf]\n",
		"0 added, 0 removed, 0 grown, 0 shrunk, 0 moved, 2 changed, 2 unchanged\n",
	};
	static const char *const json[] = {
		"\"changed\":[{\"old\":{\"start\":\"0x9000\"",
		"\"perms\":\"rw-p\",\"offset\":\"0x1000\",\"path\":\"/lib/y\",\"kind\":\"file\"},"
		"\"fields\":[\"perms\",\"offset\"]}",
		"\"path\":\"[anon:buf]\",\"kind\":\"anon\"},\"fields\":[\"path\"]}],\"unchanged\":2}",
	};
	struct result r;
	size_t i;

	run(&r, NULL, "diff", a, b, "--color=never", NULL);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		CHECK(r.status == 1 && strstr(r.out, plain[i]), "exit %d: %s%s  want: %s", r.status,
		      r.out, r.err, plain[i]);
	result_free(&r);
	run(&r, NULL, "--json", "diff", a, b, NULL);
	for (i = 0; i < sizeof(json) / sizeof(json[0]); i++)
		CHECK(r.status == 1 && strstr(r.out, json[i]), "JSON: exit %d: %s%s  want: %s",
		      r.status, r.out, r.err, json[i]);
	result_free(&r);
	unlink(a);
	unlink(b);
}

/* A name from a snapshot cannot drive the terminal: escaped as in /proc/PID/maps. */
static void test_names_escaped(void)
{
	const char *a = SNAP("a.json", PROG);
	const char *b = SNAP("b.json", PROG, { 0x5000, 0x6000, "r--p", 0, "/e\\u001b[2Jx\\ny", "file" },
			     { 0x7000, 0x8000, "rw-p", 0, "", "a\\u0007" });
	struct result r;

	run(&r, NULL, "diff", a, b, "--color=never", NULL);
	CHECK(r.status == 1 && strstr(r.out, " 4.0 KiB r--p /e\\033[2Jx\\012y\n") &&
	      strstr(r.out, " 4.0 KiB rw-p a\\007\n") && !strchr(r.out, '\033') && !strchr(r.out, '\a'),
	      "exit %d: %s%s", r.status, r.out, r.err);
	result_free(&r);
	unlink(a);
	unlink(b);
}

static int write_main(int argc, char **argv)
{
	FILE *fa, *fb;

	if (argc != 5 || atol(argv[2]) <= 0 || atol(argv[2]) % 10) {
		fprintf(stderr, "usage: %s --write N OLD NEW  (N a multiple of 10)\n", argv[0]);
		return 2;
	}
	fa = fopen(argv[3], "w");
	fb = fopen(argv[4], "w");
	if (!fa || !fb) {
		perror("fopen");
		return 2;
	}
	write_big(atol(argv[2]), fa, fb);
	return fclose(fa) || fclose(fb) ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--write"))
		return write_main(argc, argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s [MANPAGE] VMALENS\n", argv[0]);
		return 2;
	}
	vmalens = argv[argc - 1];
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_exit_status();
	test_not_a_snapshot();
	test_names_and_stdin();
	test_changed_fields();
	test_names_escaped();
	test_streamed();
	test_big(20000);
	test_big(200000);

	rmdir(tmpdir);
	printf("test_diff: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
