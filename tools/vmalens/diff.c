// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens diff FILE1 FILE2: compare two saved snapshots ("vmalens vmas
 * --json" or "vmalens show --json") of one process.
 *
 * A VMA of the old snapshot is paired with one of the new by, in turn:
 *  - the same start and name: unchanged, "changed" (other perms or
 *    offset), "grown" or "shrunk" (other end);
 *  - the same end and name: grown or shrunk at the bottom (a stack);
 *  - the same name, offset and size, named VMAs only: "moved".
 * The rest were "removed" (old only) or "added" (new only).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"
#include "lens.h"
#include "main.h"

struct dvma {
	uint64_t start, end, offset;
	const char *perms, *path, *kind;
	bool paired;
};

struct snap {
	struct jval *root;
	struct dvma *v;
	size_t nr;
	long pid;
};

enum change { CH_ADDED, CH_REMOVED, CH_GROWN, CH_SHRUNK, CH_MOVED, CH_CHANGED, CH_NR };
static const char *const change_names[CH_NR] = {
	"added", "removed", "grown", "shrunk", "moved", "changed",
};

struct pair {
	enum change what;
	const struct dvma *old, *new;
};

static int hexval(const struct jval *o, const char *key, uint64_t *out)
{
	const char *s = jget_str(o, key);

	return s ? parse_addr(s, out) : -EINVAL;
}

static int snap_load(const char *text, const char *what, struct snap *s)
{
	const struct jval *arr, *pid;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->root = jparse(text);
	if (!s->root) {
		p_err("%s is not valid JSON; save a snapshot with: %s vmas PID --json >FILE",
		      what, bin_name);
		return -1;
	}
	arr = s->root->type == J_ARRAY ? s->root : jget(s->root, "vmas");
	if (!arr || arr->type != J_ARRAY) {
		p_err("%s holds no VMAs: expected the output of '%s vmas --json' or '%s show --json'",
		      what, bin_name, bin_name);
		return -1;
	}
	pid = jget(s->root, "pid");
	if (pid && pid->type == J_NUMBER)
		s->pid = pid->u;
	s->v = calloc(arr->nr + 1, sizeof(*s->v));
	if (!s->v) {
		p_err("out of memory");
		return -1;
	}
	for (i = 0; i < arr->nr; i++) {
		const struct jval *o = arr->items[i];
		struct dvma *d = &s->v[i];

		d->perms = jget_str(o, "perms");
		d->path = jget_str(o, "path");
		d->kind = jget_str(o, "kind");
		if (hexval(o, "start", &d->start) || hexval(o, "end", &d->end) ||
		    hexval(o, "offset", &d->offset) || !d->perms || !d->path || !d->kind) {
			p_err("%s: VMA %zu lacks start, end, offset, perms, path or kind", what, i);
			return -1;
		}
	}
	s->nr = arr->nr;
	return 0;
}

static void snap_free(struct snap *s)
{
	jfree(s->root);
	free(s->v);
}

static struct dvma *find(struct snap *s, bool (*match)(const struct dvma *, const struct dvma *),
			 const struct dvma *a)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!s->v[i].paired && match(a, &s->v[i]))
			return &s->v[i];
	return NULL;
}

static bool same_start(const struct dvma *a, const struct dvma *b)
{
	return a->start == b->start && !strcmp(a->path, b->path);
}

static bool same_end(const struct dvma *a, const struct dvma *b)
{
	return a->end == b->end && !strcmp(a->path, b->path);
}

static bool same_object(const struct dvma *a, const struct dvma *b)
{
	return *a->path && !strcmp(a->path, b->path) && a->offset == b->offset &&
	       a->end - a->start == b->end - b->start;
}

static void vma_obj(const char *name, const struct dvma *d)
{
	jsonw_name(json_wtr, name);
	jsonw_start_object(json_wtr);
	jsonw_hex_field(json_wtr, "start", d->start);
	jsonw_hex_field(json_wtr, "end", d->end);
	jsonw_uint_field(json_wtr, "size", d->end - d->start);
	jsonw_string_field(json_wtr, "perms", d->perms);
	jsonw_hex_field(json_wtr, "offset", d->offset);
	jsonw_string_field(json_wtr, "path", d->path);
	jsonw_string_field(json_wtr, "kind", d->kind);
	jsonw_end_object(json_wtr);
}

static void print_json(const struct pair *p, size_t nr, size_t unchanged)
{
	size_t i;
	int c;

	jsonw_start_object(json_wtr);
	for (c = 0; c < CH_NR; c++) {
		jsonw_name(json_wtr, change_names[c]);
		jsonw_start_array(json_wtr);
		for (i = 0; i < nr; i++) {
			if (p[i].what != (enum change)c)
				continue;
			jsonw_start_object(json_wtr);
			if (p[i].old)
				vma_obj("old", p[i].old);
			if (p[i].new)
				vma_obj("new", p[i].new);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
	}
	jsonw_uint_field(json_wtr, "unchanged", unchanged);
	jsonw_end_object(json_wtr);
}

static void print_range(const struct dvma *d)
{
	printf("0x%012" PRIx64 "-0x%012" PRIx64, d->start, d->end);
}

static void print_plain(const struct pair *p, size_t nr, size_t unchanged)
{
	static const char sign[CH_NR] = { '+', '-', '>', '<', '~', '*' };
	static const enum color color[CH_NR] = { C_ADDED, C_REMOVED, C_ADDED, C_REMOVED,
						 C_MARK, C_MARK };
	size_t counts[CH_NR] = { 0 }, i;
	char s1[32], s2[32];
	int c;

	for (i = 0; i < nr; i++) {
		const struct dvma *d = p[i].new ? p[i].new : p[i].old;

		counts[p[i].what]++;
		printf("%s%c %-8s%s ", col(color[p[i].what]), sign[p[i].what],
		       change_names[p[i].what], col_end());
		if (p[i].old && p[i].new) {
			print_range(p[i].old);
			printf(" -> ");
		}
		print_range(d);
		if (p[i].what == CH_GROWN || p[i].what == CH_SHRUNK)
			printf(" %s -> %s", human_size(p[i].old->end - p[i].old->start, s1, sizeof(s1)),
			       human_size(d->end - d->start, s2, sizeof(s2)));
		else
			printf(" %s", human_size(d->end - d->start, s1, sizeof(s1)));
		if (p[i].what == CH_CHANGED && strcmp(p[i].old->perms, d->perms))
			printf(" %s -> %s", p[i].old->perms, d->perms);
		else
			printf(" %s", d->perms);
		printf(" %s\n", *d->path ? d->path : d->kind);
	}
	for (c = 0; c < CH_NR; c++)
		printf("%s%zu %s", c ? ", " : "", counts[c], change_names[c]);
	printf(", %zu unchanged\n", unchanged);
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	uint64_t ax = x->new ? x->new->start : x->old->start;
	uint64_t ay = y->new ? y->new->start : y->old->start;

	return ax < ay ? -1 : ax > ay;
}

int diff_texts(const char *a, const char *b)
{
	struct snap o = { 0 }, n = { 0 };
	struct pair *p = NULL;
	size_t i, nr = 0, unchanged = 0;
	int ret = EXIT_ERR;

	if (snap_load(a, "FILE1", &o) || snap_load(b, "FILE2", &n))
		goto out;
	if (o.pid >= 0 && n.pid >= 0 && o.pid != n.pid)
		fprintf(stderr, "warning: the snapshots are of different processes (pid %ld, %ld)\n",
			o.pid, n.pid);
	p = calloc(o.nr + n.nr + 1, sizeof(*p));
	if (!p) {
		p_err("out of memory");
		goto out;
	}
	for (i = 0; i < o.nr; i++) {
		struct dvma *a1 = &o.v[i], *b1 = find(&n, same_start, a1);

		if (!b1)
			b1 = find(&n, same_end, a1);
		if (!b1)
			continue;
		a1->paired = b1->paired = true;
		if (a1->start == b1->start && a1->end == b1->end) {
			if (!strcmp(a1->perms, b1->perms) && a1->offset == b1->offset) {
				unchanged++;
				continue;
			}
			p[nr++] = (struct pair){ CH_CHANGED, a1, b1 };
		} else {
			p[nr++] = (struct pair){ b1->end - b1->start > a1->end - a1->start ?
						 CH_GROWN : CH_SHRUNK, a1, b1 };
		}
	}
	for (i = 0; i < o.nr; i++) {
		struct dvma *a1 = &o.v[i], *b1;

		if (a1->paired)
			continue;
		b1 = find(&n, same_object, a1);
		if (b1) {
			a1->paired = b1->paired = true;
			p[nr++] = (struct pair){ CH_MOVED, a1, b1 };
		} else {
			p[nr++] = (struct pair){ CH_REMOVED, a1, NULL };
		}
	}
	for (i = 0; i < n.nr; i++)
		if (!n.v[i].paired)
			p[nr++] = (struct pair){ CH_ADDED, NULL, &n.v[i] };
	qsort(p, nr, sizeof(*p), cmp_pair);
	if (json_output)
		print_json(p, nr, unchanged);
	else
		print_plain(p, nr, unchanged);
	ret = EXIT_OK;
out:
	free(p);
	snap_free(&o);
	snap_free(&n);
	return ret;
}

static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t len = 0, cap = 65536, n;
	char *buf = NULL, *tmp;

	if (!f) {
		p_err("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		tmp = realloc(buf, cap + 1);
		if (!tmp) {
			free(buf);
			buf = NULL;
			p_err("out of memory");
			break;
		}
		buf = tmp;
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap) {
			buf[len] = '\0';
			break;
		}
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

int do_diff(int argc, char **argv)
{
	char *a, *b = NULL;
	int ret;

	ret = lens_check_opts("diff", 0);
	if (ret)
		return ret;
	if (argc != 2)
		return usage_err("diff", argc > 2 ? "too many arguments" : "expected FILE1 FILE2");
	a = slurp(argv[0]);
	if (a)
		b = slurp(argv[1]);
	ret = a && b ? diff_texts(a, b) : EXIT_ERR;
	free(a);
	free(b);
	return ret;
}
