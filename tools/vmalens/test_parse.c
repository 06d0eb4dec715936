// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit test for the vmalens CLI: the argument and /proc/PID/maps
 * parsers, the JSON writer and reader, the printers fed with ioctl
 * records, the ASLR estimator, diff, the map, process names, Android's
 * pgsize_migration switch, and the command table against "vmalens help"
 * and the man page.
 *
 *   test_parse MANPAGE [VMALENS-BINARY]
 *
 * Exits 1 if any check fails.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aslr.h"
#include "lens.h"
#include "unit_test.h"

#define CHECK_STR(got, want) \
	CHECK(!strcmp((got), (want)), "got '%s', want '%s'", (got), (want))

static char *escaped(const char *s, size_t len)
{
	static char out[256];
	FILE *f = fmemopen(out, sizeof(out), "w");

	json_escape(f, s, len);
	fclose(f);
	return out;
}

static void test_json_escape(void)
{
	CHECK_STR(escaped("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(escaped("\n\t\r\b\f\x01\x1f\x7f", 8),
		  "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"");
	CHECK_STR(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK_STR(escaped("\xff", 1), "\"\\u00ff\"");
	CHECK_STR(escaped("a\xc3", 2), "\"a\\u00c3\"");		/* truncated */
	CHECK_STR(escaped("\xc0\x80", 2), "\"\\u00c0\\u0080\"");	/* overlong */
	CHECK_STR(escaped("\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");	/* surrogate */
	CHECK_STR(escaped("\xf4\x90\x80\x80", 4),
		  "\"\\u00f4\\u0090\\u0080\\u0080\"");	/* > U+10FFFF */
	CHECK_STR(escaped("a\0b", 3), "\"a\\u0000b\"");
}

/* The numbers json_writer formats itself, at both ends of their range. */
static void test_json_numbers(void)
{
	static char out[256];
	FILE *f = fmemopen(out, sizeof(out), "w");
	json_writer_t *w = jsonw_new(f);

	jsonw_start_array(w);
	jsonw_uint(w, 0);
	jsonw_uint(w, UINT64_MAX);
	jsonw_hex(w, 0);
	jsonw_hex(w, UINT64_MAX);
	jsonw_hex(w, 0x7f000);
	jsonw_end_array(w);
	jsonw_destroy(&w);
	fclose(f);
	CHECK_STR(out, "[0,18446744073709551615,\"0x0\",\"0xffffffffffffffff\",\"0x7f000\"]\n");
}

/* Run fn with JSON (or plain) output into a string. */
static char *capture(int (*fn)(char *), const char *report, bool json, int *ret)
{
	static char out[16384];
	char *in = strdup(report);
	FILE *f = fmemopen(out, sizeof(out), "w");
	FILE *saved = stdout;

	memset(out, 0, sizeof(out));
	stdout = f;
	json_output = json;
	json_wtr = json ? jsonw_new(f) : NULL;
	*ret = fn(in);
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	json_output = false;
	fclose(f);
	stdout = saved;
	free(in);
	return out;
}

/* Is s exactly one valid JSON document?  json-c, independent of our writer. */
static bool valid_json(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	bool ok;

	if (!tok)
		return false;
	obj = json_tokener_parse_ex(tok, s, (int)strlen(s));
	ok = obj && json_tokener_get_error(tok) == json_tokener_success;
	/* Only white space may follow the document. */
	if (ok)
		ok = strspn(s + json_tokener_get_parse_end(tok), " \t\n") ==
		     strlen(s + json_tokener_get_parse_end(tok));
	json_object_put(obj);
	json_tokener_free(tok);
	return ok;
}

static const struct vmalens_mm_layout *layout_arg;

static int layout_printer(char *unused)
{
	(void)unused;
	if (json_output)
		layout_json(layout_arg);
	else
		layout_plain(layout_arg);
	return 0;
}

static const struct task_table *tasks_arg;

static int tasks_printer(char *unused)
{
	(void)unused;
	return tasks_print(tasks_arg);
}

/* tasks: the rows of VMALENS_IOC_LAYOUT, in --sort order. */
static void test_tasks(void)
{
	struct vmalens_mm_layout rows[3] = {
		{ .pid = 77, .layout = VMALENS_MODE_BOTTOMUP, .mmap_base = 0x2aaaaaaab000,
		  .start_brk = 0x8000, .brk = 0x9000, .map_count = 2, .total_vm = 500,
		  .page_size = 4096, .comm = "a \"b\"" },
		{ .pid = 1, .layout = VMALENS_MODE_TOPDOWN, .mmap_base = 0x7f0c2a3c4000,
		  .start_brk = 0x55d0c2a3c000, .brk = 0x55d0c2a5d000, .map_count = 9,
		  .total_vm = 100, .page_size = 4096, .comm = "init" },
		{ .pid = 5, .map_count = 9, .total_vm = 50, .page_size = 4096, .comm = "x" },
	};
	struct task_table t = { rows, 3, 3 };
	char *out;
	int ret;

	tasks_arg = &t;
	out = capture(tasks_printer, "", true, &ret);
	CHECK(ret == 0, "tasks_print %d", ret);
	CHECK(valid_json(out), "invalid JSON: %s", out);
	CHECK(strstr(out, "[{\"pid\":1,\"comm\":\"init\",\"layout\":\"topdown\","
		      "\"mmap_base\":\"0x7f0c2a3c4000\",\"start_brk\":\"0x55d0c2a3c000\","
		      "\"brk\":\"0x55d0c2a5d000\",\"map_count\":9,\"total_vm\":100},"
		      "{\"pid\":5,") == out, "by pid: %s", out);
	CHECK(strstr(out, "{\"pid\":77,\"comm\":\"a \\\"b\\\"\",\"layout\":\"legacy\",") != NULL,
	      "legacy: %s", out);
	lopt.sort = "total_vm";
	out = capture(tasks_printer, "", true, &ret);
	CHECK(strstr(out, "[{\"pid\":77,") == out && strstr(out, "},{\"pid\":1,"),
	      "by total_vm: %s", out);
	lopt.sort = "map_count";
	out = capture(tasks_printer, "", false, &ret);
	CHECK(strstr(out, "\n      1 topdown ") && strstr(out, "\n      5 ") &&
	      strstr(out, "\n      1 ") < strstr(out, "\n      5 ") &&
	      strstr(out, "\n      5 ") < strstr(out, "\n     77 legacy ") &&
	      strstr(out, "400.0 KiB init\n"), "by map_count, ties by pid:\n%s", out);
	lopt.bytes = true;
	out = capture(tasks_printer, "", false, &ret);
	CHECK(strstr(out, "             TOTAL_VM COMM\n") && strstr(out, "               409600 init\n"),
	      "--bytes:\n%s", out);
	lopt.bytes = false;
	lopt.sort = NULL;
}

/* The one layout object: every field of the ioctl, typed, in order. */
static void test_layout(void)
{
	struct vmalens_mm_layout l = {
		.size = sizeof(l), .pid = 1234, .layout = VMALENS_MODE_BOTTOMUP,
		.mmap_base = 0x2aaaaaaab000, .task_size = 0x7ffffffff000,
		.start_brk = 0x55d0c2a3c000, .brk = 0x55d0c2a5d000, .map_count = 9,
		.total_vm = 300, .page_size = 4096, .stack_guard_gap = 1 << 20,
		.mmap_min_addr = 65536, .mmap_rnd_bits = 28, .mmap_rnd_compat_bits = -1,
		.comm = "a \"b\"",
	};
	char *out;
	int ret;

	layout_arg = &l;
	out = capture(layout_printer, "", true, &ret);
	CHECK(valid_json(out), "invalid JSON: %s", out);
	CHECK(strstr(out, "{\"pid\":1234,\"comm\":\"a \\\"b\\\"\",\"layout\":\"legacy\","
		      "\"compat\":0,\"mmap_base\":\"0x2aaaaaaab000\",") == out, "json: %s", out);
	CHECK(strstr(out, "\"task_size\":\"0x7ffffffff000\",\"va_bits\":47,") != NULL, "%s", out);
	CHECK(strstr(out, "\"brk\":\"0x55d0c2a5d000\",") != NULL, "%s", out);
	CHECK(strstr(out, "\"map_count\":9,\"total_vm\":300,\"page_size\":4096,"
		      "\"stack_guard_gap\":1048576,\"mmap_min_addr\":65536,"
		      "\"mmap_rnd_bits\":28,\"mmap_rnd_compat_bits\":-1}\n") != NULL, "%s", out);
	out = capture(layout_printer, "", false, &ret);
	CHECK(strstr(out, "\nmmap_base                0x2aaaaaaab000\n") != NULL,
	      "plain layout:\n%s", out);
	CHECK(strstr(out, "\nmmap_rnd_compat_bits     -1\n") && strstr(out, "\nlayout                   legacy\n"),
	      "plain layout:\n%s", out);
}

static int count_str(const char *s, const char *what);

static const struct vma_list *vmas_arg;

static int vmas_printer(char *unused)
{
	(void)unused;
	vmas_list_show(vmas_arg);
	return 0;
}

/* Rows of a plain table, header and gap rows included. */
static int rows(const char *out)
{
	int n = 0;

	for (; *out; out++)
		n += *out == '\n';
	return n;
}

/*
 * vmas --filter, --range, --perm, --bytes and --distance on the list of
 * test_vmas_printers(): a file VMA r-x at 0x400000, the heap rw- right
 * above it, the stack rw- far above.
 */
static void test_vmas_filters(const struct vma_list *l)
{
	char *out;
	int ret;

	vmas_arg = l;
	lopt.filter = "stack";
	out = capture(vmas_printer, "", false, &ret);
	CHECK(rows(out) == 2 && strstr(out, "[stack]") && !strstr(out, " -- gap "),
	      "--filter stack:\n%s", out);
	out = capture(vmas_printer, "", true, &ret);
	CHECK(valid_json(out) && !strncmp(out, "[{\"start\":\"0x7ffc00000000\"", 26) &&
	      strstr(out, "\"gap_before\":140720304283648,") && !strstr(out, "},{"),
	      "--filter stack, JSON, gap to the heap: %s", out);
	lopt.filter = "nothing has this";
	out = capture(vmas_printer, "", true, &ret);
	CHECK(!strcmp(out, "[]\n"), "--filter without a match: %s", out);
	lopt.filter = NULL;

	lopt.range_lo = 0x400fff;
	lopt.range_hi = 0x401001;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(rows(out) == 3 && strstr(out, "0x000000400000-") && strstr(out, "0x000000401000-"),
	      "--range 400fff-401001 overlaps file and heap:\n%s", out);
	lopt.range_lo = 0x402000;
	lopt.range_hi = 0x7ffc00000000;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(rows(out) == 1, "--range over the gap alone lists nothing:\n%s", out);
	lopt.range_lo = lopt.range_hi = 0;

	lopt.perm = "x";
	out = capture(vmas_printer, "", false, &ret);
	CHECK(rows(out) == 2 && strstr(out, " r-xp "), "--perm x:\n%s", out);
	lopt.perm = "wx";
	out = capture(vmas_printer, "", true, &ret);
	CHECK(!strcmp(out, "[]\n"), "--perm wx, none here: %s", out);
	lopt.perm = "rp";
	out = capture(vmas_printer, "", false, &ret);
	CHECK(rows(out) == 4, "--perm rp, all three:\n%s", out);
	lopt.perm = NULL;

	lopt.bytes = true;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, "                4096 r-xp ") && strstr(out, "              135168 rw-p ") &&
	      strstr(out, " -- gap 140720304283648, guard 1048576\n"), "--bytes:\n%s", out);
	lopt.bytes = false;

	lopt.have_distance = true;
	lopt.distance_from = 0x401000;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, " OFFSET   DISTANCE            PATH\n") &&
	      strstr(out, " 00000000 -0x1000             /opt/b") &&
	      strstr(out, " 00000000 +0x0                \n") &&
	      strstr(out, " 00000000 +0x7ffbffbff000     [stack]\n"), "--distance:\n%s", out);
	out = capture(vmas_printer, "", true, &ret);
	CHECK(valid_json(out) && strstr(out, "\"guard_before\":0,\"distance\":-4096}") &&
	      strstr(out, "\"distance\":0}"), "--distance, JSON: %s", out);
	lopt.have_distance = false;
}

/* A writable and executable VMA stands out in colour, and only it. */
static void test_vmas_wx(void)
{
	static const struct vmalens_vma recs[] = {
		{ .start = 0x10000, .end = 0x11000, .kind = VMALENS_KIND_ANON,
		  .prot = VMALENS_VMA_READ | VMALENS_VMA_WRITE | VMALENS_VMA_EXEC },
		{ .start = 0x11000, .end = 0x12000, .kind = VMALENS_KIND_ANON,
		  .prot = VMALENS_VMA_READ | VMALENS_VMA_EXEC },
	};
	struct vma_list l = { 0 };
	char *out;
	int ret;

	CHECK(vma_list_add_rec(&l, &recs[0], "", true) && vma_list_add_rec(&l, &recs[1], "", true), "add");
	vmas_arg = &l;
	color_mode = 1;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, " \033[1;31mrwxp\033[0m ") && strstr(out, " r-xp ") &&
	      !strstr(out, "31mr-xp"), "W+X highlighted:\n%s", out);
	color_mode = 0;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, " rwxp ") && !strchr(out, '\033'), "no colour:\n%s", out);
	color_mode = -1;
	vma_list_free(&l);
}

/* vmas: the module's records through the printers every source shares. */
static void test_vmas_printers(void)
{
	static const struct vmalens_vma recs[] = {
		{ .start = 0x400000, .end = 0x401000, .vm_flags = 0x875, .inode = 12,
		  .dev_major = 8, .dev_minor = 1, .kind = VMALENS_KIND_FILE,
		  .prot = VMALENS_VMA_READ | VMALENS_VMA_EXEC,
		  .flags = VMALENS_VMA_F_READ | VMALENS_VMA_F_EXEC | VMALENS_VMA_F_MAYREAD },
		{ .start = 0x401000, .end = 0x402000, .vm_flags = 0x100073,
		  .kind = VMALENS_KIND_HEAP, .prot = VMALENS_VMA_READ | VMALENS_VMA_WRITE,
		  .flags = VMALENS_VMA_F_READ | VMALENS_VMA_F_WRITE | VMALENS_VMA_F_ACCOUNT,
		  .pkey = -1 },
		{ .start = 0x7ffc00000000, .end = 0x7ffc00021000, .vm_flags = 0x100173,
		  .kind = VMALENS_KIND_STACK, .prot = VMALENS_VMA_READ | VMALENS_VMA_WRITE,
		  .flags = VMALENS_VMA_F_READ | VMALENS_VMA_F_GROWSDOWN | VMALENS_VMA_F_SEALED,
		  .pkey = 5 },
	};
	static const char *const names[] = { "/opt/b\xff\"d dir/x (deleted)", "", "[stack]" };
	struct vma_list l = { 0 };
	char *out;
	size_t i;
	int ret;

	for (i = 0; i < 3; i++)
		CHECK(vma_list_add_rec(&l, &recs[i], names[i], true) != NULL, "add %zu", i);
	l.guard = 1 << 20;
	vmas_arg = &l;
	out = capture(vmas_printer, "", true, &ret);
	CHECK(valid_json(out), "invalid JSON: %s", out);
	CHECK(strstr(out, "\"path\":\"/opt/b\\u00ff\\\"d dir/x (deleted)\",\"deleted\":true,"
		      "\"kind\":\"file\",\"flags\":{\"read\":true,\"exec\":true,\"mayread\":true},"
		      "\"vm_flags\":\"0x875\",\"pkey\":0,\"gap_before\":4194304,"
		      "\"guard_before\":0}") != NULL, "vma 1: %s", out);
	CHECK(strstr(out, "\"path\":\"\",\"deleted\":false,\"kind\":\"heap\","
		      "\"flags\":{\"read\":true,\"write\":true,\"account\":true},"
		      "\"vm_flags\":\"0x100073\",\"pkey\":null,\"gap_before\":0,") != NULL,
	      "vma 2: %s", out);
	CHECK(strstr(out, "\"vm_flags\":\"0x100173\",\"pkey\":5,") != NULL, "vma 3 pkey: %s", out);
	CHECK(strstr(out, "\"start\":\"0x7ffc00000000\",\"end\":\"0x7ffc00021000\",\"size\":135168,"
		      "\"perms\":\"rw-p\",\"offset\":\"0x0\",\"dev\":\"00:00\",\"inode\":0,"
		      "\"path\":\"[stack]\"") != NULL, "vma 3: %s", out);
	CHECK(strstr(out, "\"gap_before\":140720304283648,\"guard_before\":1048576}]") != NULL,
	      "vma 3 gap: %s", out);
	CHECK(!strstr(out, "\"gap\""), "no gap objects: %s", out);

	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, " -- gap 128.0 TiB, guard 1.0 MiB\n") != NULL, "plain gap row:\n%s", out);
	lopt.no_gaps = true;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(!strstr(out, " -- gap "), "--no-gaps:\n%s", out);
	lopt.no_gaps = false;
	lopt.vmflags = true;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, " OFFSET   FLAGS                   PATH\n") &&
	      strstr(out, " rd ex mr                /opt/") &&
	      strstr(out, " rd gd sl pk:5           [stack]"), "--flags:\n%s", out);
	lopt.vmflags = false;
	test_vmas_filters(&l);
	vma_list_free(&l);
}

static const struct vma_list *query_list;
static size_t query_idx;
static uint64_t query_addr, query_below;

static int query_printer(char *unused)
{
	(void)unused;
	query_json(query_list, query_idx, query_addr, query_below);
	return 0;
}

/* "gap_before" of the "prev" (or "vma") object of query --json; -1 if none. */
static int64_t query_gap(const struct vma_list *l, size_t i, uint64_t addr, uint64_t below,
			 const char *key)
{
	struct json_object *o, *v, *g;
	int64_t gap = -1;
	char *out;
	int ret;

	query_list = l;
	query_idx = i;
	query_addr = addr;
	query_below = below;
	out = capture(query_printer, "", true, &ret);
	o = json_tokener_parse(out);
	CHECK(o != NULL, "invalid JSON: %s", out);
	if (o && json_object_object_get_ex(o, key, &v) && v &&
	    json_object_object_get_ex(v, "gap_before", &g))
		gap = json_object_get_int64(g);
	json_object_put(o);
	return gap;
}

/*
 * query --json: "gap_before" of "prev" is the gap between it and the VMA
 * below it, from the whole list (/proc, or above the last VMA) or, when
 * the module gave only [prev, vma], from the end of the one below prev.
 */
static void test_query_json(void)
{
	static const struct vmalens_vma recs[] = {
		{ .start = 0x400000, .end = 0x401000, .kind = VMALENS_KIND_FILE,
		  .prot = VMALENS_VMA_READ },
		{ .start = 0x600000, .end = 0x621000, .kind = VMALENS_KIND_HEAP,
		  .prot = VMALENS_VMA_READ | VMALENS_VMA_WRITE },
		{ .start = 0x621000, .end = 0x622000, .kind = VMALENS_KIND_ANON,
		  .prot = VMALENS_VMA_READ },
		{ .start = 0x7f0000000000, .end = 0x7f0000001000, .kind = VMALENS_KIND_ANON,
		  .prot = VMALENS_VMA_READ },
	};
	struct vma_list all = { 0 }, two = { 0 };
	int64_t g;
	size_t i;

	for (i = 0; i < 4; i++)
		CHECK(vma_list_add_rec(&all, &recs[i], "", true) != NULL, "add %zu", i);
	CHECK(vma_list_add_rec(&two, &recs[0], "", true) && vma_list_add_rec(&two, &recs[1], "", true),
	      "add two");

	g = query_gap(&all, 1, 0x600000, 0, "prev");
	CHECK(g == 0x400000, "prev is the first VMA: gap_before %" PRId64, g);
	g = query_gap(&all, 2, 0x621000, 0, "prev");
	CHECK(g == 0x1ff000, "prev below a gap: gap_before %" PRId64, g);
	g = query_gap(&all, 2, 0x621000, 0, "vma");
	CHECK(g == 0, "vma touching prev: gap_before %" PRId64, g);
	g = query_gap(&all, 3, 0x7f0000000000, 0, "prev");
	CHECK(g == 0, "prev touching the one below: gap_before %" PRId64, g);
	g = query_gap(&all, all.nr, 0x7f0000002000, 0, "prev");
	CHECK(g == 0x7f0000000000 - 0x622000, "above the last VMA: gap_before %" PRId64, g);
	/* the module's [prev, vma]: the VMA below prev ended at 0x300000 */
	g = query_gap(&two, 1, 0x600000, 0x300000, "prev");
	CHECK(g == 0x100000, "module prev: gap_before %" PRId64, g);
	g = query_gap(&two, 1, 0x600000, 0x300000, "vma");
	CHECK(g == 0x1ff000, "module vma: gap_before %" PRId64, g);
	g = query_gap(&two, 0, 0x300000, 0x200000, "vma");
	CHECK(g == 0x200000, "module vma without prev: gap_before %" PRId64, g);
	vma_list_free(&all);
	vma_list_free(&two);
}

static const struct vmalens_unmapped_area *dryrun_arg;

static int dryrun_printer(char *unused)
{
	(void)unused;
	dryrun_json(dryrun_arg);
	return 0;
}

/* probe draws the dry-run's mapping rounded to the task's page size. */
static void test_dryrun_end(void)
{
	CHECK(dryrun_end(0x7f0000000000, 1, 4096) == 0x7f0000001000, "4K page");
	CHECK(dryrun_end(0x7f0000000000, 4096, 4096) == 0x7f0000001000, "4K page, exact");
	CHECK(dryrun_end(0x7f0000000000, 4096, 16384) == 0x7f0000004000,
	      "16K page: 0x%" PRIx64, dryrun_end(0x7f0000000000, 4096, 16384));
	CHECK(dryrun_end(0x7f0000000000, 65537, 65536) == 0x7f0000020000,
	      "64K page: 0x%" PRIx64, dryrun_end(0x7f0000000000, 65537, 65536));
	CHECK(dryrun_end(0x7f0000000000, 5000, 0) == 0x7f0000000000 + 5000,
	      "page size unknown: 0x%" PRIx64, dryrun_end(0x7f0000000000, 5000, 0));
}

/* A failed dry-run names its errno, from the C library's own table. */
static void test_dryrun_error(void)
{
	struct vmalens_unmapped_area ua = { .pid = 7, .len = 4096, .error = -ENOMEM };
	char *out = NULL;
	size_t len;
	FILE *f;
	int ret;

	f = open_memstream(&out, &len);
	dryrun_line(f, &ua);
	fclose(f);
	CHECK(!strncmp(out, "ENOMEM (Cannot allocate memory): mmap of 4.0 KiB would fail", 59),
	      "plain: %s", out);
	free(out);
	dryrun_arg = &ua;
	CHECK(strstr(capture(dryrun_printer, "", true, &ret), "\"error\":\"ENOMEM\""),
	      "JSON ENOMEM");
	ua.error = -4000;	/* no errno has that number */
	CHECK(strstr(capture(dryrun_printer, "", true, &ret), "\"error\":\"E4000\""),
	      "JSON E4000");
}

/*
 * query above the last VMA: the gap above it runs to task_size (to the
 * address if task_size is unknown), never past 2^64, and [vsyscall],
 * above task_size, is not the VMA drawn.
 */
static void test_query_above(void)
{
	static const struct vmalens_vma recs[] = {
		{ .start = 0x400000, .end = 0x401000, .kind = VMALENS_KIND_FILE },
		{ .start = 0x7ffc00000000, .end = 0x7ffc00021000, .kind = VMALENS_KIND_STACK },
		{ .start = 0xffffffffff600000, .end = 0xffffffffff601000,
		  .kind = VMALENS_KIND_SPECIAL },
	};
	const uint64_t task_size = 0x7ffffffff000;
	struct vma_list l = { 0 };
	uint64_t top = 0;
	size_t last = 99;
	bool ok;

	CHECK(!query_above(&l, 0x1000, task_size, &last, &top), "no VMAs");
	CHECK(vma_list_add_rec(&l, &recs[0], "", true) && vma_list_add_rec(&l, &recs[1], "[stack]", true),
	      "add");
	ok = query_above(&l, 0x7ffd00000000, task_size, &last, &top);
	CHECK(ok && last == 1 && top == task_size, "to task_size: %d %zu 0x%" PRIx64,
	      ok, last, top);
	ok = query_above(&l, UINT64_MAX, task_size, &last, &top);
	CHECK(ok && last == 1 && top == task_size, "no wrap: %d %zu 0x%" PRIx64, ok, last, top);
	ok = query_above(&l, 0x7ffd00000000, 0, &last, &top);
	CHECK(ok && last == 1 && top == 0x7ffd00000000, "task_size unknown: %d %zu 0x%" PRIx64,
	      ok, last, top);
	ok = query_above(&l, UINT64_MAX, 0, &last, &top);
	CHECK(ok && last == 1 && top == UINT64_MAX, "unknown, no wrap: %d %zu 0x%" PRIx64,
	      ok, last, top);
	CHECK(vma_list_add_rec(&l, &recs[2], "[vsyscall]", true) != NULL, "add vsyscall");
	ok = query_above(&l, 0x7ffd00000000, task_size, &last, &top);
	CHECK(ok && last == 1 && top == task_size, "[vsyscall] left out: %d %zu 0x%" PRIx64,
	      ok, last, top);

	/* vmas: no gap before the gate, which lies above the address space */
	{
		char *out;
		int ret;

		vmas_arg = &l;
		out = capture(vmas_printer, "", false, &ret);
		CHECK(strstr(out, "[vsyscall]") && !strstr(out, "EiB") &&
		      count_str(out, " -- gap ") == 2, "gate rows:\n%s", out);
		out = capture(vmas_printer, "", true, &ret);
		CHECK(strstr(out, "\"path\":\"[vsyscall]\",\"deleted\":false,\"kind\":\"special\"") &&
		      strstr(out, "\"gap_before\":0,\"guard_before\":0}]"), "gate JSON: %s", out);
	}
	vma_list_free(&l);
}

/*
 * A name that could drive the terminal: plain output escapes control
 * bytes and the backslash as /proc does (\ooo); JSON keeps its escapes.
 * From /proc/PID/maps, whose only escape is \012, the name is the same.
 */
static void test_names_escaped(void)
{
	static const char name[] = "/tmp/x\033[2J\033]0;pwn\007\ny\\z\tq\x7f \xc3\xa9";
	static const char want[] = "/tmp/x\\033[2J\\033]0;pwn\\007\\012y\\134z\\011q\\177 \xc3\xa9";
	char maps[] = "00400000-00401000 r--p 00000000 08:01 12 /tmp/a\\012b\n";
	struct vmalens_vma rec = { .start = 0x400000, .end = 0x401000, .inode = 12,
				   .kind = VMALENS_KIND_FILE, .prot = VMALENS_VMA_READ };
	struct vmalens_mm_layout row = { .pid = 7, .page_size = 4096,
					 .comm = "a\033[31mb" };
	struct task_table t = { &row, 1, 1 };
	struct vma_list l = { 0 };
	struct map_req r = { 0 };
	char *out, *drawn = NULL;
	size_t len;
	FILE *f;
	int ret;

	CHECK(vma_list_add_rec(&l, &rec, name, true) != NULL, "add");
	vmas_arg = &l;
	out = capture(vmas_printer, "", false, &ret);
	CHECK(strstr(out, want) && !strchr(out, '\033') && !strchr(out, '\007'),
	      "plain vmas:\n%s", out);
	out = capture(vmas_printer, "", true, &ret);
	CHECK(valid_json(out) &&
	      strstr(out, "\"path\":\"/tmp/x\\u001b[2J\\u001b]0;pwn\\u0007\\ny\\\\z\\tq\\u007f "),
	      "JSON vmas: %s", out);

	r.vmas = &l;
	r.last = l.nr;
	r.top = 0x402000;
	r.full = true;
	f = open_memstream(&drawn, &len);
	map_draw(f, &r);
	fclose(f);
	CHECK(!strchr(drawn, '\033') && !strchr(drawn, '\007') && strstr(drawn, "\\007\\012y"),
	      "map:\n%s", drawn);
	free(drawn);
	vma_list_free(&l);

	CHECK(!parse_proc_maps(maps, &l) && l.nr == 1, "proc maps");
	CHECK(l.nr == 1 && !strcmp(l.v[0].name, "/tmp/a\nb"), "\\012 from /proc: %s",
	      l.nr ? l.v[0].name : "");
	vma_list_free(&l);

	tasks_arg = &t;
	out = capture(tasks_printer, "", false, &ret);
	CHECK(strstr(out, " a\\033[31mb\n") && !strchr(out, '\033'), "tasks comm:\n%s", out);
}

/* A deterministic generator, so the unit test never flakes. */
static uint64_t xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#define CHECK_NEAR(got, want, tol) \
	CHECK(fabs((got) - (want)) <= (tol), "got %.3f, want %.3f", (double)(got), (double)(want))

static void test_aslr_stats(void)
{
	static uint64_t v[1000];
	uint64_t rng = 88172645463325252ULL;
	struct aslr_stats s;
	size_t i;

	/* all equal: nothing varies */
	for (i = 0; i < 50; i++)
		v[i] = 0x7f0000000000;
	aslr_stats_compute(v, 50, &s);
	CHECK(s.distinct == 1 && s.nvarying == 0 && s.bits == 0, "constant");
	CHECK(aslr_verdict(&s, 28) == VERDICT_NONE, "constant verdict");
	aslr_stats_compute(v, 0, &s);
	CHECK(aslr_verdict(&s, 28) == VERDICT_ABSENT, "no samples");

	/* mmap_base-like: a base minus 28 random page bits, 200 samples */
	for (i = 0; i < 200; i++)
		v[i] = 0x7ffff7fff000 - ((xorshift(&rng) & ((1ULL << 28) - 1)) << 12);
	aslr_stats_compute(v, 200, &s);
	CHECK(s.distinct == 200, "distinct %zu", s.distinct);
	CHECK(s.align == 0x1000, "align 0x%" PRIx64, s.align);
	CHECK_NEAR(s.bits, 28, 0.2);
	/* counting alone caps at log2(200) */
	CHECK_NEAR(s.shannon, log2(200), 0.01);
	CHECK(s.nvarying == 28, "varying %d", s.nvarying);
	CHECK(s.nbalanced >= 27, "balanced %d", s.nbalanced);

	CHECK(aslr_verdict(&s, 28) == VERDICT_OK, "verdict 28");
	CHECK(aslr_verdict(&s, 32) == VERDICT_WEAKER, "verdict 32");

	/* a base whose bits above the random ones are 1000: borrows flip 4 */
	for (i = 0; i < 200; i++)
		v[i] = 0x8000000001000ULL - ((xorshift(&rng) & 0x3ffff) << 12);
	aslr_stats_compute(v, 200, &s);
	CHECK(s.nvarying == 18, "borrow: varying %d", s.nvarying);
	CHECK_NEAR(s.bits, 18, 0.2);

	/* a hole: bits 12-15 and 30-33 only; the range would say 22 */
	for (i = 0; i < 300; i++) {
		uint64_t r = xorshift(&rng);

		v[i] = 0x10000000000 | (r & 0xf) << 12 | (r >> 8 & 0xf) << 30;
	}
	aslr_stats_compute(v, 300, &s);
	CHECK(s.nvarying == 8, "varying %d", s.nvarying);
	CHECK_NEAR(s.bits, 8, 0.01);
	CHECK_NEAR(s.range_bits, 22, 0.1);

	/* a biased bit: bit 20 set in 90% of the samples */
	for (i = 0; i < 1000; i++) {
		uint64_t r = xorshift(&rng);

		v[i] = (r & 0xff) << 12 | (uint64_t)(r % 10 != 0) << 20;
	}
	aslr_stats_compute(v, 1000, &s);
	CHECK(s.unbalanced == 1ULL << 20, "unbalanced 0x%" PRIx64, s.unbalanced);
	CHECK(s.nvarying == 9 && s.nbalanced == 8, "%d %d", s.nvarying, s.nbalanced);

	/* stack-like: pages and a 16-byte aligned sub-page offset */
	for (i = 0; i < 500; i++) {
		uint64_t r = xorshift(&rng);

		v[i] = (0x7fff00000000 - ((r & 0x3fffff) << 12) -
			(r >> 32) % 8192) & ~0xfULL;
	}
	aslr_stats_compute(v, 500, &s);
	CHECK(s.align == 16, "align %" PRIu64, s.align);
	CHECK_NEAR(s.bits, 30, 0.3);
}

/*
 * The birthday and most-common-value estimates: they see past log2(N)
 * where the draw is uniform, and they bind where it is not.
 */
/* splitmix64: xorshift's low bits are not uniform enough for pair counts */
static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void test_aslr_estimators(void)
{
	static uint64_t v[600];
	uint64_t rng = 1, r;
	struct aslr_stats s;
	int seed, bits;
	size_t i;

	/* uniform 18 and 28 bits, 600 samples: counting shows 9.2 */
	for (bits = 18; bits <= 28; bits += 10) {
		for (seed = 0; seed < 5; seed++) {
			for (i = 0; i < 600; i++)
				v[i] = 0x7f0000000000 -
				       ((splitmix(&rng) & ((1ULL << bits) - 1)) << 12);
			aslr_stats_compute(v, 600, &s);
			CHECK(s.shannon < 9.3 && fabs(s.collision - bits) <= 1,
			      "uniform %d: collision %.2f [%.2f, %.2f], shannon %.2f", bits,
			      s.collision, s.collision_low, s.collision_high, s.shannon);
			/* and it knows it: chunks leave a narrow interval */
			CHECK(s.collision_low <= bits && bits <= s.collision_high &&
			      s.collision_low > bits - 1.5,
			      "uniform %d: [%.2f, %.2f]", bits, s.collision_low, s.collision_high);
			CHECK(s.binding == BIND_BITS && s.binding_bits == s.bits,
			      "uniform %d: binding %s %.2f", bits, aslr_binding_names[s.binding],
			      s.binding_bits);
			CHECK(s.min_entropy < log2(600) && s.min_entropy > log2(600) - 3,
			      "uniform %d: min-entropy %.2f", bits, s.min_entropy);
		}
	}

	/* uniform 8 bits: the top value's share is no surprise */
	for (i = 0; i < 600; i++)
		v[i] = 0x40000000 + ((splitmix(&rng) & 0xff) << 12);
	aslr_stats_compute(v, 600, &s);
	CHECK(s.binding == BIND_BITS && fabs(s.collision - 8) <= 0.3,
	      "8 bits: binding %s, collision %.2f", aslr_binding_names[s.binding], s.collision);

	/* 18 bits that vary, 9 of entropy: bits 21-29 copy bits 12-20 */
	for (i = 0; i < 600; i++) {
		r = splitmix(&rng) & 0x1ff;
		v[i] = 0x7f0000000000 + (r << 12 | r << 21);
	}
	aslr_stats_compute(v, 600, &s);
	CHECK(s.nvarying == 18 && fabs(s.bits - 18) < 0.1, "copied: bits %.2f", s.bits);
	CHECK(s.binding == BIND_COLLISION && fabs(s.binding_bits - 9) <= 0.5,
	      "copied: binding %s %.2f", aslr_binding_names[s.binding], s.binding_bits);
	CHECK(aslr_verdict(&s, 18) == VERDICT_WEAKER, "copied: verdict");

	/* one value in half of the samples, the rest uniform 28 bits */
	for (i = 0; i < 600; i++)
		v[i] = 0x7f0000000000 - (i % 2 ? (splitmix(&rng) & ((1ULL << 28) - 1)) << 12 : 0);
	aslr_stats_compute(v, 600, &s);
	CHECK(s.binding == BIND_MIN_ENTROPY && s.binding_bits > 0.5 && s.binding_bits < 1,
	      "half one value: binding %s %.2f", aslr_binding_names[s.binding], s.binding_bits);
	CHECK(aslr_verdict(&s, 28) == VERDICT_WEAKER, "half one value: verdict");

	/* too few samples for pairs */
	aslr_stats_compute(v, ASLR_COLLISION_MIN - 1, &s);
	CHECK(isnan(s.collision) && s.binding == BIND_BITS, "few: %.2f", s.collision);
}

/* The first mmap'd object: neither the program, nor its bss, nor [heap]. */
static void test_aslr_mmap_first(void)
{
	char maps[] =
		"00400000-00401000 r-xp 00000000 08:01 12                                 /bin/prog\n"
		"00401000-00402000 rw-p 00001000 08:01 12                                 /bin/prog\n"
		"00402000-00403000 rw-p 00000000 00:00 0 \n"
		"00600000-00621000 rw-p 00000000 00:00 0                                  [heap]\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		"7f0000010000-7f0000020000 r-xp 00000000 08:01 99                         /lib/ld.so\n"
		"7f0000040000-7f0000042000 r--p 00000000 00:00 0                          [vvar]\n"
		"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]\n";
	struct vma_list l = { 0 };
	uint64_t first = 0;

	CHECK(!parse_proc_maps(maps, &l) && l.nr == 8, "proc maps %zu", l.nr);
	CHECK(aslr_mmap_first(&l, 0x7f0000030000, true, 0x400100, &first), "topdown");
	CHECK(first == 0x7f0000010000, "topdown: 0x%" PRIx64, first);
	/* legacy: the lowest at or above mmap_base; the bss at 0x402000 is not */
	CHECK(aslr_mmap_first(&l, 0x100000, false, 0x400100, &first), "legacy");
	CHECK(first == 0x7f0000000000, "legacy: 0x%" PRIx64, first);
	CHECK(!aslr_mmap_first(&l, 0x7ffc00100000, false, 0x400100, &first), "none above");
	vma_list_free(&l);
}

static void test_args(void)
{
	const char *bad = NULL;
	char name[128];
	uint64_t v;
	uint32_t f;

	CHECK(!parse_size("4096", &v) && v == 4096, "plain");
	CHECK(!parse_size("64K", &v) && v == 65536, "K");
	CHECK(!parse_size("1G", &v) && v == 1ULL << 30, "G");
	CHECK(!parse_size("2MiB", &v) && v == 2ULL << 20, "MiB");
	CHECK(parse_size("1X", &v) && parse_size("", &v) && parse_size("-1", &v), "bad sizes");
	CHECK(!parse_addr("0x7f0000000000", &v) && v == 0x7f0000000000, "addr");
	CHECK(!parse_addr("dead", &v) && v == 0xdead, "addr without 0x");
	CHECK(parse_addr("0xzz", &v), "bad addr");

	/* strict: decimal unless 0x, the whole string, no overflow */
	v = 0;
	CHECK(!parse_size("010", &v) && v == 10, "010 is ten, not octal: %" PRIu64, v);
	CHECK(!parse_size("0x10", &v) && v == 16, "0x10: %" PRIu64, v);
	CHECK(!parse_size("0x10K", &v) && v == 16 << 10, "0x10K: %" PRIu64, v);
	CHECK(parse_size("5x", &v) && parse_size("4K5", &v) && parse_size("0x", &v),
	      "trailing bytes");
	CHECK(parse_size(" 4096", &v) && parse_size("+4096", &v) && parse_size("4096 ", &v),
	      "space or sign");
	CHECK(parse_size("18446744073709551616", &v), "2^64 overflows");
	CHECK(!parse_size("18446744073709551615", &v) && v == UINT64_MAX, "2^64-1");
	CHECK(parse_size("16777216T", &v), "2^64 by suffix overflows");
	CHECK(parse_addr("0x0x10", &v), "0x0x10 is no address");
	CHECK(parse_addr("-1", &v) && parse_addr(" 10", &v) && parse_addr("+10", &v) &&
	      parse_addr("", &v) && parse_addr("0x", &v), "bad addrs");
	CHECK(parse_addr("10000000000000000", &v), "2^64 overflows");
	CHECK(!parse_addr("ffffffffffffffff", &v) && v == UINT64_MAX, "2^64-1");
	CHECK(!parse_mmap_flags("private,anonymous", &f, &bad) && f == 0x22, "flags 0x%x", f);
	CHECK(!parse_mmap_flags("shared,fixed_noreplace,populate", &f, &bad) &&
	      f == (0x01 | 0x100000 | 0x8000), "flags 0x%x", f);
	CHECK(!parse_mmap_flags("private,anonymous,locked", &f, &bad) &&
	      f == (0x22 | MAP_LOCKED), "flags 0x%x", f);
	CHECK(parse_mmap_flags("private,bogus", &f, &bad) && !strcmp(bad, "bogus"), "bad flag");
	CHECK(!parse_mmap_flags("droppable,anonymous", &f, &bad) && f == 0x28, "flags 0x%x", f);
	CHECK(!strcmp(mmap_flag_names(0x22, name, sizeof(name)), "private,anonymous"),
	      "names of 0x22: %s", name);
	CHECK(!strcmp(mmap_flag_names(0x03, name, sizeof(name)), "shared_validate"),
	      "names of 0x03: %s", name);
	CHECK(!strcmp(mmap_flag_names(0x28, name, sizeof(name)), "droppable,anonymous"),
	      "names of 0x28: %s", name);
	CHECK(addr_digits(0) == 12 && addr_digits(0x7ffffffff000) == 12 &&
	      addr_digits(1ULL << 48) == 12, "48-bit columns");
	CHECK(addr_digits((1ULL << 48) + 4096) == 14 && addr_digits(1ULL << 56) == 14,
	      "57-bit columns");
	CHECK(addr_digits((1ULL << 56) + 4096) == 16 && addr_digits(UINT64_MAX) == 16,
	      "64-bit columns");
}

/* One process of a fake /proc: DIR/NAME/comm and DIR/NAME/cmdline. */
static void fake_proc(const char *dir, const char *name, const char *comm,
		      const char *cmdline, size_t cmdline_len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK(!mkdir(path, 0700), "mkdir %s: %s", path, strerror(errno));
	if (comm) {
		snprintf(path, sizeof(path), "%s/%s/comm", dir, name);
		f = fopen(path, "w");
		CHECK(f && fprintf(f, "%s\n", comm) > 0 && !fclose(f), "write %s", path);
	}
	snprintf(path, sizeof(path), "%s/%s/cmdline", dir, name);
	f = fopen(path, "w");
	CHECK(f && fwrite(cmdline, 1, cmdline_len, f) == cmdline_len && !fclose(f),
	      "write %s", path);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The pure half of parse_pid_arg(): who goes by a name, and the message. */
static void test_pid_names(void)
{
	char dir[] = "/tmp/vmalens-test-proc.XXXXXX", list[512], pid[16];
	struct pid_matches m;
	int i;

	CHECK(proc_name_matches("foo", "foo", "/usr/bin/bar"), "comm");
	CHECK(proc_name_matches("foo", "bar", "foo"), "argv[0]");
	CHECK(proc_name_matches("foo", "bar", "/usr/bin/foo"), "basename of argv[0]");
	CHECK(proc_name_matches("/usr/bin/foo", "foo", "/usr/bin/foo"), "whole argv[0]");
	CHECK(proc_name_matches("com.android.systemui", "ndroid.systemui",
				"com.android.systemui"), "Android app: argv[0], comm cut");
	CHECK(proc_name_matches("kthreadd", "kthreadd", ""), "kernel thread by comm");
	CHECK(!proc_name_matches("foo", "bar", ""), "kernel thread: no argv[0]");
	CHECK(!proc_name_matches("foo", "foobar", "/bin/foobar"), "prefix");
	CHECK(!proc_name_matches("foo", "x", "/foo/x"), "a directory of argv[0]");
	CHECK(!proc_name_matches("bin/foo", "foo", "/usr/bin/foo"), "a tail of argv[0]");
	CHECK(!proc_name_matches("", "", ""), "empty name");

	CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	fake_proc(dir, "7", "foo", "foo\0--flag", 11);
	fake_proc(dir, "3", "java", "/system/bin/foo", 16);
	fake_proc(dir, "12", "foo", "", 0);		/* a kernel thread */
	fake_proc(dir, "5", "bar", "", 0);
	fake_proc(dir, "9", "foobar", "foobar", 7);
	fake_proc(dir, "4", "x", "/foo/x", 7);
	fake_proc(dir, "40", "sh", "foo", 3);		/* argv rewritten, no NUL */
	fake_proc(dir, "20", "foo", "foo", 4);		/* the one excluded */
	fake_proc(dir, "30", NULL, "foo", 4);		/* gone: no comm */
	fake_proc(dir, "net", "foo", "foo", 4);		/* not a process */
	CHECK(!pids_by_name(dir, "foo", 20, &m), "scan");
	CHECK(m.nr == 4 && m.nr_shown == 4, "%zu matches", m.nr);
	CHECK_STR(pid_matches_list(&m, list, sizeof(list)),
		  "3 (java), 7 (foo), 12 (foo), 40 (sh)");
	CHECK(!pids_by_name(dir, "bar", 0, &m) && m.nr == 1 && m.shown[0].pid == 5,
	      "kernel thread bar: %zu", m.nr);
	CHECK(!pids_by_name(dir, "baz", 0, &m) && m.nr == 0, "no baz: %zu", m.nr);

	/* more than shown: the lowest pids, whatever order the directory has */
	for (i = 0; i < 13; i++) {		/* 100, 105, 110, 102, ... */
		snprintf(pid, sizeof(pid), "%d", 100 + i * 5 % 13);
		fake_proc(dir, pid, "many", "many", 5);
	}
	CHECK(!pids_by_name(dir, "many", 0, &m), "scan");
	CHECK(m.nr == 13 && m.nr_shown == PID_MATCHES_SHOWN, "%zu matches", m.nr);
	CHECK(m.shown[0].pid == 100 && m.shown[PID_MATCHES_SHOWN - 1].pid == 109,
	      "shown %d..%d", (int)m.shown[0].pid, (int)m.shown[PID_MATCHES_SHOWN - 1].pid);
	pid_matches_list(&m, list, sizeof(list));
	CHECK(strstr(list, "100 (many), 101 (many), ") == list &&
	      strstr(list, ", 109 (many) and 3 more") &&
	      !strcmp(strstr(list, " and "), " and 3 more"), "list: %s", list);
	/* a buffer too short: cut, still a string */
	CHECK(strlen(pid_matches_list(&m, list, 20)) == 19, "cut: %s", list);

	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	CHECK(pids_by_name(dir, "foo", 0, &m) == -ENOENT, "no such directory");
}

/*
 * Android's 16K-page emulation, read from a fake sysfs under a temporary
 * root: no file, the kernel's "1\n" and "0\n", and what it never writes.
 */
static void test_pgsize_migration(void)
{
	static const char *const dirs[] = {
		"sys", "sys/kernel", "sys/kernel/mm", "sys/kernel/mm/pgsize_migration",
	};
	static const struct {
		const char *text;
		enum pgsize_migration want;
	} cases[] = {
		{ "1\n", PGSIZE_MIG_ON },
		{ "0\n", PGSIZE_MIG_OFF },
		{ "1", PGSIZE_MIG_ON },		/* no newline */
		{ "", PGSIZE_MIG_NONE },
		{ "2\n", PGSIZE_MIG_NONE },
		{ "10\n", PGSIZE_MIG_NONE },
		{ "on\n", PGSIZE_MIG_NONE },
	};
	char root[] = "/tmp/vmalens-test-sys.XXXXXX", path[PATH_MAX], esc[32];
	enum pgsize_migration got;
	size_t i;
	FILE *f;

	CHECK(mkdtemp(root) != NULL, "mkdtemp: %s", strerror(errno));
	CHECK(pgsize_migration_read(root) == PGSIZE_MIG_NONE, "no sysfs");
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		CHECK(!mkdir(path, 0700), "mkdir %s: %s", path, strerror(errno));
	}
	CHECK(pgsize_migration_read(root) == PGSIZE_MIG_NONE, "the directory, no file");
	snprintf(path, sizeof(path), "%s/sys/kernel/mm/pgsize_migration/enabled", root);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = fopen(path, "w");
		CHECK(f && fputs(cases[i].text, f) >= 0 && !fclose(f), "write %s", path);
		got = pgsize_migration_read(root);
		CHECK(got == cases[i].want, "'%s': got %d, want %d",
		      plain_str(cases[i].text, esc, sizeof(esc)), got, cases[i].want);
	}
	nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	CHECK(pgsize_migration_read(root) == PGSIZE_MIG_NONE, "removed");
}

/* The map: bands in address order, no row wider than 100 columns. */
static bool is_file_vma(const struct lvma *v)
{
	return v->kind == VMALENS_KIND_FILE;
}

static int count_str(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_map(void)
{
	char maps[] =
		"00400000-00401000 r--p 00000000 08:01 12                                 /bin/prog\n"
		"00401000-00402000 r-xp 00001000 08:01 12                                 /bin/prog\n"
		"00600000-00621000 rw-p 00000000 00:00 0                                  [heap]\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		"7f0000001000-7f0000002000 r--p 00000000 00:00 0 \n"
		"7f0000010000-7f0000020000 r-xp 00000000 08:01 99                         /a/very/long/directory/name/that/goes/on/libsomething.so.1\n"
		"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]\n";
	struct map_mark marks[] = { { 0x7f0000030000, "mmap_base" }, { 0x621000, "brk" } };
	struct vma_list l = { 0 };
	struct map_req r = { 0 };
	char *out = NULL, *line, *save = NULL;
	uint64_t last = ~0ULL, a;
	size_t len;
	FILE *f;
	int rows = 0;

	CHECK(!parse_proc_maps(maps, &l) && l.nr == 7, "proc maps %zu", l.nr);
	CHECK(l.v[2].kind == VMALENS_KIND_HEAP && l.v[6].kind == VMALENS_KIND_STACK &&
	      l.v[3].kind == VMALENS_KIND_ANON && l.v[0].kind == VMALENS_KIND_FILE, "kinds");
	CHECK_STR(l.v[5].name, "/a/very/long/directory/name/that/goes/on/libsomething.so.1");
	l.guard = 1 << 20;
	r.vmas = &l;
	r.last = l.nr;
	r.top = 0x7ffffffff000;
	r.top_label = "task_size";
	r.marks = marks;
	r.nr_marks = 2;
	r.new_start = 0x7f0000020000;
	r.new_end = 0x7f0000021000;
	r.new_label = "next mmap";
	f = open_memstream(&out, &len);
	map_draw(f, &r);
	fclose(f);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		rows++;
		CHECK(strlen(line) <= 100, "row too wide (%zu): %s", strlen(line), line);
		if (sscanf(line, "  0x%" SCNx64 " +", &a) == 1) {
			CHECK(a < last, "boundary 0x%" PRIx64 " not below 0x%" PRIx64, a, last);
			last = a;
		}
	}
	CHECK(last == 0, "the map ends at 0");
	free(out);
	f = open_memstream(&out, &len);
	map_draw(f, &r);
	fclose(f);
	CHECK(strstr(out, "<- mmap_base") && strstr(out, "<- brk") && strstr(out, "task_size") &&
	      strstr(out, "next mmap") && strstr(out, "/bin/prog (2 VMAs)") &&
	      strstr(out, "gap 1.0 MiB (stack guard 1.0 MiB)") == NULL &&
	      strstr(out, "(stack guard 1.0 MiB)") && strstr(out, "...") , "map:\n%s", out);
	free(out);

	/* the warnings: W+X, and the flags of the module (the heap: sealed) */
	l.v[2].prot |= VMALENS_VMA_EXEC;
	l.v[2].flags = VMALENS_VMA_F_SEALED | VMALENS_VMA_F_MAYBE_GUARD;
	r.full = true;
	f = open_memstream(&out, &len);
	map_draw(f, &r);
	fclose(f);
	CHECK(count_str(out, "W+X") == 1 && count_str(out, "sealed") == 1 &&
	      strstr(out, "| <- W+X, sealed, guard\n"), "map warnings:\n%s", out);
	free(out);
	l.v[2].prot &= ~VMALENS_VMA_EXEC;
	l.v[2].flags = 0;
	r.full = false;

	/* a filter: the space of the VMAs left out is never drawn as a gap */
	r.select = is_file_vma;
	f = open_memstream(&out, &len);
	map_draw(f, &r);
	fclose(f);
	CHECK(strstr(out, "/bin/prog (2 VMAs)") && strstr(out, "libsomething") &&
	      !strstr(out, "[heap]") && !strstr(out, "[stack]") && !strstr(out, "stack guard") &&
	      count_str(out, "filtered out") == 3 && strstr(out, "gap 4.0 MiB") &&
	      count_str(out, "gap ") == 2 && strstr(out, "gap 60.0 KiB"),
	      "map of the files only:\n%s", out);
	free(out);
	vma_list_free(&l);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/*
 * Commands, help and man page cannot drift: every command in the table
 * has a line in "vmalens help" and an entry in the man page's COMMANDS
 * section, and that section has no entry for a command that is gone.
 * An entry is the line after ".TP": "\fBvmalens NAME\fR ...".
 */
static void test_drift(const char *manpage)
{
	char *man = slurp(manpage), *sec, *end, *p, *help = NULL, want[64];
	const struct cmd *cmd;
	size_t help_len;
	FILE *f;
	int entries = 0;

	CHECK(man != NULL, "cannot read %s", manpage);
	if (!man)
		return;
	f = open_memstream(&help, &help_len);
	print_usage(f);
	fclose(f);

	sec = strstr(man, "\n.SH COMMANDS\n");
	CHECK(sec != NULL, "no COMMANDS section in %s", manpage);
	if (!sec)
		goto out;
	end = strstr(sec + 1, "\n.SH ");
	if (end)
		*end = '\0';

	for (cmd = main_cmds; cmd->name; cmd++) {
		snprintf(want, sizeof(want), "\n    vmalens %s%s", cmd->name, *cmd->args ? " " : "\n");
		CHECK(strstr(help, want) != NULL, "'%s' missing from vmalens help", cmd->name);
		snprintf(want, sizeof(want), "\n.TP\n\\fBvmalens %s\\fR", cmd->name);
		CHECK(strstr(sec, want) != NULL, "'%s' missing from %s COMMANDS",
		      cmd->name, manpage);
	}
	for (p = strstr(sec, "\n.TP\n"); p; p = strstr(p + 1, "\n.TP\n")) {
		char name[32] = "";

		CHECK(sscanf(p, "\n.TP\n\\fBvmalens %31[a-z_-]\\fR", name) == 1,
		      "odd COMMANDS entry: %.40s", p + 5);
		CHECK(!*name || cmd_find(main_cmds, name), "man page documents unknown command '%s'",
		      name);
		entries++;
	}
	CHECK(entries > 0, "no entries in COMMANDS");
	for (p = strstr(help, "\n    vmalens "); p; p = strstr(p + 1, "\n    vmalens ")) {
		char name[32] = "";

		sscanf(p, "\n    vmalens %31[a-z_-]", name);
		CHECK(cmd_find(main_cmds, name), "help lists unknown command '%s'", name);
	}
out:
	free(help);
	free(man);
}

/* "--no-gaps" as a man page spells it: "\-\-no\-gaps". */
static void man_option(const char *name, char *buf, size_t len)
{
	size_t n = 0;

	for (; *name && n + 3 < len; name++) {
		if (*name == '-')
			buf[n++] = '\\';
		buf[n++] = *name;
	}
	buf[n] = '\0';
}

/* @text holds "--@name" as a whole option name, not a prefix of one. */
static bool has_option(const char *text, const char *dashes, const char *name)
{
	size_t d = strlen(dashes), n = strlen(name);
	const char *p;

	for (p = strstr(text, dashes); p; p = strstr(p + 1, dashes))
		if (!strncmp(p + d, name, n) && !isalnum((unsigned char)p[d + n]) &&
		    p[d + n] != '-' && p[d + n] != '\\')
			return true;
	return false;
}

/*
 * Every option of the tables is in the man page's OPTIONS, in its
 * command's help ("vmalens CMD --help") and in the bash completion; every
 * option the man page's OPTIONS entries name is in a table.
 */
static void test_option_drift(const char *manpage)
{
	char *man = slurp(manpage), *compl, *opts, *help, *p, mname[64], path[PATH_MAX];
	const struct option *o;
	const struct cmd *cmd;
	size_t help_len;
	FILE *f;

	/* doc/vmalens.1 -> doc/../tools/vmalens/completion/vmalens.bash */
	p = strrchr(manpage, '/');
	snprintf(path, sizeof(path), "%.*s/../tools/vmalens/completion/vmalens.bash",
		 p ? (int)(p - manpage) : 1, p ? manpage : ".");
	compl = slurp(path);
	CHECK(man && compl, "cannot read %s or %s", manpage, path);
	opts = man ? strstr(man, "\n.SH OPTIONS\n") : NULL;
	CHECK(opts != NULL, "no OPTIONS section in %s", manpage);
	if (!opts || !compl)
		goto out;
	p = strstr(opts + 1, "\n.SH ");
	if (p)
		*p = '\0';
	for (o = global_opts; o->name; o++) {
		man_option(o->name, mname, sizeof(mname));
		CHECK(has_option(opts, "\\-\\-", mname), "global --%s not in OPTIONS", o->name);
		CHECK(!strcmp(o->name, "version") || has_option(compl, "--", o->name),
		      "global --%s not in the completion", o->name);
	}
	for (cmd = main_cmds; cmd->name; cmd++) {
		f = open_memstream(&help, &help_len);
		print_cmd_usage(f, cmd);
		fclose(f);
		for (o = cmd->opts; o && o->name; o++) {
			man_option(o->name, mname, sizeof(mname));
			CHECK(has_option(opts, "\\-\\-", mname), "%s --%s not in OPTIONS",
			      cmd->name, o->name);
			CHECK(has_option(help, "--", o->name), "%s --%s not in its help",
			      cmd->name, o->name);
			CHECK(has_option(compl, "--", o->name), "%s --%s not in the completion",
			      cmd->name, o->name);
		}
		free(help);
	}
	/* the reverse: each ".B \-\-NAME"-like entry of OPTIONS */
	for (p = strstr(opts, "\n.TP\n"); p; p = strstr(p + 1, "\n.TP\n")) {
		const char *q = strstr(p + 5, "\\-\\-");
		char name[32] = "", *d;
		bool known = false;

		if (!q || q > strchrnul(p + 5, '\n'))
			continue;
		sscanf(q + 4, "%31[a-z\\-]", name);
		for (d = name; (d = strstr(d, "\\-")); )
			memmove(d, d + 1, strlen(d));
		for (o = global_opts; o->name && !known; o++)
			known = !strcmp(o->name, name);
		for (cmd = main_cmds; cmd->name && !known; cmd++)
			for (o = cmd->opts; o && o->name && !known; o++)
				known = !strcmp(o->name, name);
		CHECK(known, "OPTIONS documents unknown option '--%s'", name);
	}
out:
	free(compl);
	free(man);
}

/* Every line of @text at most 80 columns; @what names it. */
static void check_width(const char *what, const char *text)
{
	const char *p = text, *nl;
	size_t len;

	for (; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		len = nl - p;
		CHECK(len <= 80, "%s: a line of %zu columns: %.*s", what, len, (int)len, p);
		if (!*nl)
			break;
	}
}

/* "vmalens help" and each "vmalens CMD --help" fit an 80-column terminal. */
static void test_help_width(void)
{
	const struct cmd *cmd;
	char *text = NULL, what[64];
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	print_usage(f);
	fclose(f);
	check_width("vmalens help", text);
	free(text);
	for (cmd = main_cmds; cmd->name; cmd++) {
		text = NULL;
		f = open_memstream(&text, &len);
		print_cmd_usage(f, cmd);
		fclose(f);
		snprintf(what, sizeof(what), "vmalens %s --help", cmd->name);
		check_width(what, text);
		free(text);
	}
}

static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int status;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	/* a cut output would fail as "invalid JSON"; say what really happened */
	CHECK(n < len - 1, "%s: output longer than %zu bytes", cmd, len - 1);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The binary itself: exit statuses, JSON errors, help on stdout. */
static void test_binary(const char *bin)
{
	/* room for a whole VMA list in JSON, however long the paths */
	static char out[1 << 18];
	char cmd[512], *help = NULL;
	size_t help_len;
	FILE *f;
	int rc;

	/* no pid is that large: fails whether or not the module is loaded */
	snprintf(cmd, sizeof(cmd), "%s --json layout 999999999 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_ERR, "layout of a missing pid: exit %d", rc);
	CHECK(!strncmp(out, "{\"error\":\"", 10) && valid_json(out), "JSON error: %s", out);

	snprintf(cmd, sizeof(cmd), "%s vmas 999999999 2>&1 >/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_ERR && !strncmp(out, "Error: ", 7), "plain error %d: %s", rc, out);

	/* global options after the command too */
	snprintf(cmd, sizeof(cmd), "%s vmas self --json 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && out[0] == '[' && valid_json(out), "vmas self --json: %d %.200s", rc, out);

	/* Without the module: a note says which source was read; not with -q. */
	if (access("/dev/vmalens", F_OK)) {
		snprintf(cmd, sizeof(cmd), "%s vmas self 2>&1 >/dev/null", bin);
		rc = run(cmd, out, sizeof(out));
		CHECK(rc == 0 && !strncmp(out, "note: /dev/vmalens not available", 32),
		      "the fallback's note: %d %s", rc, out);
		snprintf(cmd, sizeof(cmd), "%s vmas self -q 2>&1 >/dev/null", bin);
		rc = run(cmd, out, sizeof(out));
		CHECK(rc == 0 && !*out, "-q: %d %s", rc, out);
	}
	/* --perm x: exactly the executable rows, at least the vmalens text */
	snprintf(cmd, sizeof(cmd), "%s --quiet vmas self --perm x --no-gaps", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && strstr(out, "vmalens-host\n") && !strstr(out, "rw-p") &&
	      !strstr(out, "r--p"), "--perm x: %d %s", rc, out);

	snprintf(cmd, sizeof(cmd), "%s nosuchcommand 2>&1", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_USAGE && strstr(out, "Error: unknown command 'nosuchcommand'"),
	      "unknown command %d: %s", rc, out);

	snprintf(cmd, sizeof(cmd), "%s layout 0 2>&1", bin);
	CHECK(run(cmd, out, sizeof(out)) == EXIT_USAGE, "pid 0: %s", out);

	snprintf(cmd, sizeof(cmd), "%s help", bin);
	rc = run(cmd, out, sizeof(out));
	f = open_memstream(&help, &help_len);
	print_usage(f);
	fclose(f);
	CHECK(rc == 0 && !strcmp(out, help), "vmalens help differs from print_usage()");
	free(help);

	/* help is text on stdout, with --json too */
	f = open_memstream(&help, &help_len);
	print_usage(f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s --json help 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && !strcmp(out, help), "--json help: %d %.100s", rc, out);
	snprintf(cmd, sizeof(cmd), "%s --json --help 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && !strcmp(out, help), "--json --help: %d %.100s", rc, out);
	free(help);
	snprintf(cmd, sizeof(cmd), "%s vmas --json --help 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && !strncmp(out, "Usage: vmalens vmas", 19), "vmas --json --help: %d %s",
	      rc, out);
	snprintf(cmd, sizeof(cmd), "%s --json help vmas 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && !strncmp(out, "Usage: vmalens vmas", 19), "--json help vmas: %d %s",
	      rc, out);

	/* no command: the usage on stderr; with --json, a JSON error */
	snprintf(cmd, sizeof(cmd), "%s 2>&1 >/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_USAGE && !strncmp(out, "Usage: vmalens ", 15), "no command: %d %s",
	      rc, out);
	snprintf(cmd, sizeof(cmd), "%s --json 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_USAGE && valid_json(out) &&
	      !strcmp(out, "{\"error\":\"no command given; try: vmalens help\"}\n"),
	      "--json without a command: %d %s", rc, out);

	for (const struct cmd *c = main_cmds; c->name; c++) {
		snprintf(cmd, sizeof(cmd), "%s %s --help", bin, c->name);
		rc = run(cmd, out, sizeof(out));
		snprintf(cmd, sizeof(cmd), "Usage: vmalens %s", c->name);
		CHECK(rc == 0 && !strncmp(out, cmd, strlen(cmd)), "%s --help: %d %s",
		      c->name, rc, out);
	}
}

/*
 * Usage errors: exit 2 and one "Error: ...; try: ..." line on stderr,
 * before anything is read (so they hold without the module too).
 */
static void test_binary_usage(const char *bin)
{
	static const struct {
		const char *args, *err;
	} cases[] = {
		{ "probe self --len 4K --pgoff 1K", "invalid --pgoff '1K': expected a number of pages" },
		{ "probe self --len 4K --pgoff 0x", "invalid --pgoff '0x'" },
		{ "aslr --samples 5x", "invalid --samples '5x': expected a number" },
		{ "query self 0x0x10", "invalid address '0x0x10'" },
		{ "probe self --len 4K --hint 0x0x10", "invalid --hint '0x0x10'" },
		/* a missing value is named as such, not as an unknown option */
		{ "probe self --len", "option '--len' needs a value; try: vmalens probe --help" },
		{ "aslr --samples", "option '--samples' needs a value; try: vmalens aslr --help" },
		{ "probe self --len 4K --mode", "option '--mode' needs a value" },
		{ "vmas self --no-gaps=yes", "option '--no-gaps' takes no value" },
		/* each command takes its own options only */
		{ "vmas --exec /bin/ls", "'--exec' is not an option of vmas (it is one of aslr)" },
		{ "vmas --compat", "'--compat' is not an option of vmas" },
		{ "layout --full", "'--full' is not an option of layout (it is one of show)" },
		{ "tasks --len 4K", "'--len' is not an option of tasks (it is one of show, probe)" },
		{ "diff --sort pid a b", "'--sort' is not an option of diff" },
		{ "vmas --bogus", "unknown option '--bogus'; try: vmalens vmas --help" },
		{ "show --f", "option '--f' is ambiguous: --full, --filter, --flags, --file" },
		{ "vmas -x", "unknown option '-x'; try: vmalens vmas --help" },
		{ "--len 4K probe self", "'--len' is an option of show, probe: give it after the command" },
		{ "--bogus vmas", "unknown option '--bogus'; try: vmalens help" },
		{ "--color=pink vmas", "invalid --color 'pink'" },
		{ "version --version", "'--version' is not an option of version" },
		{ "aslr --samples 1", "--samples must be between 2 and " },
		{ "vmas --range 5-5", "invalid --range '5-5': expected LOW-HIGH" },
		{ "vmas --range 0x10", "invalid --range '0x10'" },
		{ "vmas --range 10-0x0x20", "invalid --range '10-0x0x20'" },
		{ "vmas --perm rwz", "invalid --perm 'rwz': expected letters of r, w, x, p, s" },
		{ "vmas --perm ''", "invalid --perm ''" },
		{ "vmas --distance 12g", "invalid --distance '12g': expected a hex address" },
		{ "show --bytes", "'--bytes' is not an option of show (it is one of vmas, tasks)" },
		/* after "--", a word that begins with "-" is an argument */
		{ "vmas -- -vmalens-nosuch", "no process named '-vmalens-nosuch'" },
	};
	char cmd[512], out[8192];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null", bin, cases[i].args);
		rc = run(cmd, out, sizeof(out));
		CHECK(rc == EXIT_USAGE && !strncmp(out, "Error: ", 7) && strstr(out, cases[i].err) &&
		      strchr(out, '\n') == out + strlen(out) - 1 && strstr(out, "; try: vmalens "),
		      "vmalens %s: exit %d: %s", cases[i].args, rc, out);
	}
}

/*
 * Output that cannot be written fails the command: exit 1 and a message
 * on stderr, whatever the command printed.
 */
static void test_binary_full(const char *bin)
{
	static const char *const args[] = {
		"vmas self", "--json vmas self", "vmas self --no-gaps", "help", "--help",
		"vmas --help", "help probe", "version", "--json version",
	};
	char cmd[512], out[8192];
	size_t i;
	int rc;

	if (access("/dev/full", W_OK))
		return;
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/full", bin, args[i]);
		rc = run(cmd, out, sizeof(out));
		CHECK(rc == EXIT_ERR && strstr(out, "Error: cannot write the output: "),
		      "vmalens %s >/dev/full: exit %d: %s", args[i], rc, out);
	}
}

/* A child that goes by @name (its comm) until killed; its pid, or -1. */
static pid_t named_child(const char *name)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, name);
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	/* the name is set once the child says so */
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

static void kill_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * Run "vmalens -q vmas self" and @arg with its stdout and stderr on a
 * pseudo-terminal, NO_COLOR set or not; what it wrote, up to len bytes,
 * into out.  The exit status.
 */
static int run_on_pty(const char *bin, bool no_color, char *out, size_t len, const char *arg)
{
	size_t n = 0;
	ssize_t got;
	int fd, st;
	pid_t pid;

	pid = forkpty(&fd, NULL, NULL, NULL);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (no_color)
			setenv("NO_COLOR", "1", 1);
		else
			unsetenv("NO_COLOR");
		execl(bin, bin, "-q", "vmas", "self", arg, (char *)NULL);
		_exit(127);
	}
	/* EIO once the child is gone and the output drained */
	while (n + 1 < len && (got = read(fd, out + n, len - 1 - n)) > 0)
		n += got;
	out[n] = '\0';
	close(fd);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* On a terminal: colour by default, none with NO_COLOR or in JSON. */
static void test_pty_colour(const char *bin)
{
	char out[65536];
	int rc;

	rc = run_on_pty(bin, false, out, sizeof(out), NULL);
	CHECK(rc == 0 && strstr(out, "\033["), "no colour on a terminal: %d %.300s", rc, out);
	rc = run_on_pty(bin, true, out, sizeof(out), NULL);
	CHECK(rc == 0 && strstr(out, "RANGE") && !strstr(out, "\033["),
	      "colour with NO_COLOR: %d %.300s", rc, out);
	rc = run_on_pty(bin, false, out, sizeof(out), "--json");
	CHECK(rc == 0 && out[0] == '[' && !strstr(out, "\033["), "JSON on a terminal: %d %.300s",
	      rc, out);
}

/*
 * Colour by default only on a terminal; never with NO_COLOR there, and
 * never in JSON, even with --color=always.
 */
static void test_binary_colour(const char *bin)
{
	char cmd[512], out[65536];
	int fd, rc;

	fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd < 0) {
		printf("test_parse: skipped colour on a terminal: no pseudo-terminal: %s\n",
		       strerror(errno));
	} else {
		close(fd);
		test_pty_colour(bin);
	}
	snprintf(cmd, sizeof(cmd), "%s --json --color=always vmas self 2>/dev/null", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == 0 && valid_json(out) && !strstr(out, "\033["),
	      "--json --color=always: %d %.300s", rc, out);
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Without the module, each reason /proc gives no VMAs has the message the
 * module's errno has: a zombie has no address space (ENXIO), a missing pid
 * is no such process (ESRCH), and a process of another user needs
 * CAP_SYS_PTRACE (EPERM; run as nobody when we are root).
 */
static void test_binary_proc_errors(const char *bin)
{
	char cmd[PATH_MAX + 256], out[8192], want[160], dir[] = "/tmp/vmalens-test-bin.XXXXXX";
	pid_t zombie;
	int rc, i;

	if (!access("/dev/vmalens", F_OK))
		return;		/* the module answers, not /proc */
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	CHECK(zombie > 0, "fork: %s", strerror(errno));
	for (i = 0; i < 1000 && proc_state(zombie) != 'Z'; i++)
		usleep(1000);
	snprintf(cmd, sizeof(cmd), "%s vmas %d 2>&1", bin, (int)zombie);
	rc = run(cmd, out, sizeof(out));
	snprintf(want, sizeof(want),
		 "Error: process %d has no address space (a kernel thread or a zombie)\n",
		 (int)zombie);
	CHECK(rc == EXIT_ERR && !strcmp(out, want), "zombie: %d %s", rc, out);
	waitpid(zombie, NULL, 0);

	snprintf(cmd, sizeof(cmd), "%s vmas 999999999 2>&1", bin);
	rc = run(cmd, out, sizeof(out));
	CHECK(rc == EXIT_ERR && !strcmp(out, "Error: no such process: 999999999\n"),
	      "missing pid: %d %s", rc, out);

	if (geteuid() != 0 || !mkdtemp(dir))
		return;
	/* a copy nobody may run, wherever the build tree is */
	snprintf(cmd, sizeof(cmd), "chmod 755 %s && cp %s %s/vmalens && "
		 "setpriv --reuid=65534 --regid=65534 --clear-groups %s/vmalens version",
		 dir, bin, dir, dir);
	if (run(cmd, out, sizeof(out))) {
		printf("test_parse: skipped vmas as nobody: nobody cannot run %s/vmalens\n", dir);
		goto out;
	}
	snprintf(cmd, sizeof(cmd),
		 "setpriv --reuid=65534 --regid=65534 --clear-groups %s/vmalens vmas %d 2>&1",
		 dir, (int)getpid());
	rc = run(cmd, out, sizeof(out));
	snprintf(want, sizeof(want), "Error: not allowed to inspect process %d: needs CAP_SYS_PTRACE",
		 (int)getpid());
	CHECK(rc == EXIT_ERR && strstr(out, want) == out, "as nobody: %d %s", rc, out);
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "%s", cmd);
}

/*
 * Names on the host, without the module: the errors come before the
 * device is opened, and vmas reads /proc when there is no /dev/vmalens.
 */
static void test_binary_pid_names(const char *bin)
{
	char cmd[PATH_MAX + 128], out[8192], by_pid[8192], name[16], want[128];
	char abs_bin[PATH_MAX], link[PATH_MAX];
	pid_t a, b;
	int rc;

	/* unique to this run; 15 bytes at most, as comm holds */
	snprintf(name, sizeof(name), "vtp%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s layout %s 2>&1", bin, name);
	rc = run(cmd, out, sizeof(out));
	snprintf(want, sizeof(want), "Error: no process named '%s'; ", name);
	CHECK(rc == EXIT_USAGE && strstr(out, want) == out, "no match %d: %s", rc, out);

	a = named_child(name);
	CHECK(a > 0, "fork: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "%s vmas %s 2>/dev/null", bin, name);
	rc = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "%s vmas %d 2>/dev/null", bin, (int)a);
	CHECK(run(cmd, by_pid, sizeof(by_pid)) == 0 && rc == 0 && !strcmp(out, by_pid),
	      "vmas by name %d differs from by pid:\n%s\n%s", rc, out, by_pid);

	b = named_child(name);
	CHECK(b > 0, "fork: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "%s --json probe %s --len 4K", bin, name);
	rc = run(cmd, out, sizeof(out));
	snprintf(want, sizeof(want), "2 processes named '%s': %d (%s), %d (%s); pass",
		 name, (int)(a < b ? a : b), name, (int)(a < b ? b : a), name);
	CHECK(rc == EXIT_USAGE && strstr(out, want) && valid_json(out),
	      "two matches %d: %s", rc, out);
	kill_child(a);
	kill_child(b);

	/* vmalens under the name itself: it must not find itself */
	CHECK(realpath(bin, abs_bin) != NULL, "realpath %s", bin);
	snprintf(link, sizeof(link), "/tmp/%s", name);
	unlink(link);
	CHECK(!symlink(abs_bin, link), "symlink %s: %s", link, strerror(errno));
	snprintf(cmd, sizeof(cmd), "%s query %s 1000 2>&1", link, name);
	rc = run(cmd, out, sizeof(out));
	snprintf(want, sizeof(want), "Error: no process named '%s'; ", name);
	CHECK(rc == EXIT_USAGE && strstr(out, want) == out, "itself %d: %s", rc, out);
	unlink(link);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MANPAGE [VMALENS-BINARY]\n", argv[0]);
		return 2;
	}
	test_json_escape();
	test_json_numbers();
	test_layout();
	test_tasks();
	test_vmas_printers();
	test_vmas_wx();
	test_query_json();
	test_dryrun_end();
	test_dryrun_error();
	test_query_above();
	test_names_escaped();
	test_aslr_stats();
	test_aslr_estimators();
	test_aslr_mmap_first();
	test_args();
	test_pid_names();
	test_pgsize_migration();
	test_map();
	test_drift(argv[1]);
	test_option_drift(argv[1]);
	test_help_width();
	if (argc > 2) {
		test_binary(argv[2]);
		test_binary_usage(argv[2]);
		test_binary_full(argv[2]);
		test_binary_pid_names(argv[2]);
		test_binary_proc_errors(argv[2]);
		test_binary_colour(argv[2]);
	}

	printf("test_parse: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
