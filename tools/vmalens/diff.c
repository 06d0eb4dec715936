// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens diff FILE1 FILE2: compare two saved snapshots ("vmalens vmas
 * --json" or "vmalens show --json") of one process.
 *
 * A VMA of the old snapshot is paired with one of the new by, in turn:
 *  - the same start and name: unchanged, "changed" (other perms,
 *    offset or kind), "grown" or "shrunk" (other end);
 *  - the same start and end: "changed" (another path, e.g. an anonymous
 *    VMA named with PR_SET_VMA_ANON_NAME);
 *  - the same end and name: grown or shrunk at the bottom (a stack);
 *  - the same name, offset and size, named VMAs only: "moved" (the k-th
 *    such VMA of the old snapshot, in address order, with the k-th new).
 * The rest were "removed" (old only) or "added" (new only).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

struct dvma {
	uint64_t start, end, offset;
	const char *perms, *path, *kind;	/* in the snapshot's strs */
	size_t strs_at;		/* where perms is, until strs stops growing */
	bool paired;
};

/* perms, path and kind of every VMA, one after another, in one buffer */
struct strpool {
	char *buf;
	size_t len, cap;
};

struct snap {
	struct dvma *v;
	size_t nr, cap;
	struct strpool strs;
	long pid;
};

enum change { CH_ADDED, CH_REMOVED, CH_GROWN, CH_SHRUNK, CH_MOVED, CH_CHANGED, CH_NR };
static const char *const change_names[CH_NR] = {
	"added", "removed", "grown", "shrunk", "moved", "changed",
};

/* diff(1)'s exit statuses */
#define DIFF_SAME	0
#define DIFF_DIFFERENT	1
#define DIFF_TROUBLE	2

struct pair {
	enum change what;
	const struct dvma *old, *new;
};

/*
 * A snapshot is read with json-c, one VMA at a time: between the members
 * of the top-level array or object the text is walked here (white space,
 * brackets, ',' and ':'), and every value in it is json-c's.  Only one
 * VMA's tree is alive at a time, whatever the size of the document, and
 * the text streams through a small buffer that stays in the cache: a
 * value cut by the buffer's end is fed to json-c's tokener in pieces.
 */
struct reader {
	const char *name;
	int fd;
	char *buf;
	size_t len, pos;	/* bytes in buf; the next one to look at */
	size_t base;		/* the file offset of buf[0] */
	bool eof;
	struct json_tokener *tok;
	char bad[256];		/* the first VMA that is none: said after the JSON is read */
	char *err;		/* why the snapshot cannot be read: LOAD_ERR_LEN bytes */
};

#define READ_BUF_LEN	(256 * 1024)
#define LOAD_ERR_LEN	1024

/*
 * The snapshots are read side by side, so a reader says nothing itself:
 * the first reason it fails waits in err for do_diff(), which says the
 * first file's.  Always -1.
 */
static int __attribute__((format(printf, 2, 3))) load_err(char *err, const char *fmt, ...)
{
	va_list ap;

	if (*err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, LOAD_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

static int bad_json(struct reader *r, const char *why)
{
	return load_err(r->err, "%s is not valid JSON (%s at byte %zu); save a snapshot with: "
			"%s vmas PID --json >FILE", r->name, why, r->base + r->pos, bin_name);
}

static int no_vmas(struct reader *r)
{
	return load_err(r->err, "%s is not a vmalens snapshot: no VMAs; expected the output of "
			"'%s vmas --json' or '%s show --json'", r->name, bin_name, bin_name);
}

/* Drop what was read, read what comes next; false at the end or on an error. */
static bool refill(struct reader *r)
{
	char why[256];
	ssize_t n;

	if (r->eof)
		return false;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->base += r->pos;
	r->len -= r->pos;
	r->pos = 0;
	do {
		n = read(r->fd, r->buf + r->len, READ_BUF_LEN - r->len);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		r->len += n;
		return true;
	}
	if (n < 0)
		load_err(r->err, "cannot read %s: %s", r->name, strerror_r(errno, why, sizeof(why)));
	r->eof = true;
	return false;
}

/* The next byte after white space, not consumed; EOF at the end. */
static int peek(struct reader *r)
{
	for (;;) {
		while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t' ||
					   r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r'))
			r->pos++;
		if (r->pos < r->len)
			return (unsigned char)r->buf[r->pos];
		if (!refill(r))
			return EOF;
	}
}

/* Consume c if it comes next (after white space). */
static bool take(struct reader *r, char c)
{
	if (peek(r) != c)
		return false;
	r->pos++;
	return true;
}

/* The JSON value that comes next; *out is NULL for null. */
static int read_value(struct reader *r, struct json_object **out)
{
	enum json_tokener_error err;

	peek(r);
	json_tokener_reset(r->tok);
	for (;;) {
		*out = json_tokener_parse_ex(r->tok, r->buf + r->pos, (int)(r->len - r->pos));
		err = json_tokener_get_error(r->tok);
		r->pos += json_tokener_get_parse_end(r->tok);
		if (err != json_tokener_continue)
			break;
		if (!refill(r)) {
			/* a number ends only where something follows it */
			*out = json_tokener_parse_ex(r->tok, "", 1);
			if (json_tokener_get_error(r->tok) == json_tokener_success)
				return 0;
			return bad_json(r, "the text ends too early");
		}
	}
	if (err != json_tokener_success)
		return bad_json(r, json_tokener_error_desc(err));
	return 0;
}

static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int hex_member(struct json_object *o, const char *key, uint64_t *out)
{
	const char *s = str_member(o, key);

	return s ? parse_addr(s, out) : -EINVAL;
}

/* The first reason why the text is no snapshot. */
static void __attribute__((format(printf, 2, 3))) snap_bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (*r->bad)
		return;
	va_start(ap, fmt);
	vsnprintf(r->bad, sizeof(r->bad), fmt, ap);
	va_end(ap);
}

/* Append s to the pool; false when out of memory. */
static bool pool_add(struct strpool *p, const char *s)
{
	size_t n = strlen(s) + 1;

	if (p->cap - p->len < n) {
		size_t cap = p->cap ? p->cap : 65536;
		char *buf;

		while (cap - p->len < n)
			cap *= 2;
		buf = realloc(p->buf, cap);
		if (!buf)
			return false;
		p->buf = buf;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	return true;
}

/* The pool has stopped growing: point every VMA at its strings. */
static void vmas_find_strs(struct snap *s)
{
	struct dvma *d;

	for (d = s->v; d < s->v + s->nr; d++) {
		d->perms = s->strs.buf + d->strs_at;
		d->path = d->perms + strlen(d->perms) + 1;
		d->kind = d->path + strlen(d->path) + 1;
	}
}

/* -1 only when out of memory. */
static int vma_add(struct reader *r, struct snap *s, struct json_object *o)
{
	const char *perms = str_member(o, "perms"), *path = str_member(o, "path");
	const char *kind = str_member(o, "kind");
	struct dvma *d;

	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		d = realloc(s->v, cap * sizeof(*d));
		if (!d)
			goto nomem;
		s->v = d;
		s->cap = cap;
	}
	d = &s->v[s->nr];
	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(o, json_type_object) || hex_member(o, "start", &d->start) ||
	    hex_member(o, "end", &d->end) || hex_member(o, "offset", &d->offset) ||
	    !perms || !path || !kind) {
		snap_bad(r, "VMA %zu lacks start, end, offset, perms, path or kind", s->nr);
		return 0;
	}
	/* the kernel's VMAs: not empty, sorted, apart (pairing relies on it) */
	if (d->end <= d->start) {
		snap_bad(r, "VMA %zu ends (0x%" PRIx64 ") at or below its start (0x%" PRIx64 ")",
			 s->nr, d->end, d->start);
		return 0;
	}
	if (s->nr && d->start < s->v[s->nr - 1].end) {
		snap_bad(r, "VMA %zu (0x%" PRIx64 ") starts below the end of VMA %zu (0x%" PRIx64
			 "): out of order or overlapping", s->nr, d->start, s->nr - 1,
			 s->v[s->nr - 1].end);
		return 0;
	}
	d->strs_at = s->strs.len;
	if (!pool_add(&s->strs, perms) || !pool_add(&s->strs, path) || !pool_add(&s->strs, kind))
		goto nomem;
	s->nr++;
	return 0;
nomem:
	return load_err(r->err, "out of memory");
}

/* The array of VMAs, r->pos on its '['. */
static int read_vma_array(struct reader *r, struct snap *s)
{
	struct json_object *o;
	int ret;

	r->pos++;
	if (take(r, ']'))
		return 0;
	do {
		if (read_value(r, &o))
			return -1;
		ret = vma_add(r, s, o);
		json_object_put(o);
		if (ret)
			return -1;
	} while (take(r, ','));
	return take(r, ']') ? 0 : bad_json(r, "expected ',' or ']'");
}

/* "show --json": an object with "vmas" (and "pid"), r->pos on its '{'. */
static int read_object(struct reader *r, struct snap *s, bool *have_vmas)
{
	struct json_object *key, *val;
	bool is_vmas, is_pid;

	r->pos++;
	if (take(r, '}'))
		return 0;
	do {
		if (peek(r) != '"')
			return bad_json(r, "expected a member name");
		if (read_value(r, &key))
			return -1;
		is_vmas = !strcmp(json_object_get_string(key), "vmas");
		is_pid = !strcmp(json_object_get_string(key), "pid");
		json_object_put(key);
		if (!take(r, ':'))
			return bad_json(r, "expected ':'");
		if (is_vmas && peek(r) == '[') {
			if (read_vma_array(r, s))
				return -1;
			*have_vmas = true;
			continue;
		}
		if (read_value(r, &val))
			return -1;
		if (is_pid && json_object_is_type(val, json_type_int))
			s->pid = json_object_get_int64(val);
		json_object_put(val);
	} while (take(r, ','));
	return take(r, '}') ? 0 : bad_json(r, "expected ',' or '}'");
}

static int snap_read(struct reader *r, struct snap *s)
{
	struct json_object *o;
	bool have_vmas = false;
	int ret;

	if (peek(r) == '[') {
		ret = read_vma_array(r, s);
		have_vmas = true;
	} else if (peek(r) == '{') {
		ret = read_object(r, s, &have_vmas);
	} else {
		/* some other JSON value, or none */
		ret = read_value(r, &o);
		json_object_put(o);
	}
	if (ret)
		return ret;
	if (peek(r) != EOF)
		return bad_json(r, "text after the document");
	if (!have_vmas)
		return no_vmas(r);
	if (*r->bad)
		return load_err(r->err, "%s is not a vmalens snapshot: %s", r->name, r->bad);
	return 0;
}

static void snap_free(struct snap *s)
{
	free(s->strs.buf);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* One snapshot file, loaded on a thread of its own. */
struct snap_file {
	const char *path;	/* as given: "-" is stdin */
	struct snap snap;
	int ret;
	char err[LOAD_ERR_LEN];	/* why not, when ret is -1 */
};

/* A pthread start routine: f->ret 0 with f->snap loaded, or -1 with f->err. */
static void *snap_file_load(void *arg)
{
	struct snap_file *f = arg;
	struct reader r = { .name = strcmp(f->path, "-") ? f->path : "stdin", .err = f->err };
	struct snap *s = &f->snap;
	char why[256];

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	f->ret = -1;
	r.fd = strcmp(f->path, "-") ? open(f->path, O_RDONLY | O_CLOEXEC) : 0;
	if (r.fd < 0) {
		load_err(f->err, "cannot open %s: %s", f->path, strerror_r(errno, why, sizeof(why)));
		return NULL;
	}
	r.buf = malloc(READ_BUF_LEN);
	r.tok = json_tokener_new();
	if (!r.buf || !r.tok) {
		load_err(f->err, "out of memory");
		goto out;
	}
	/* RFC 8259 only; the text goes on after each member */
	json_tokener_set_flags(r.tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	f->ret = snap_read(&r, s);
	if (!f->ret)
		vmas_find_strs(s);
out:
	if (r.tok)
		json_tokener_free(r.tok);
	free(r.buf);
	if (r.fd)
		close(r.fd);
	return NULL;
}

struct pairing {
	struct pair *p;
	size_t nr, unchanged;
};

static void pair_add(struct pairing *pg, enum change what, struct dvma *a, struct dvma *b)
{
	if (a)
		a->paired = true;
	if (b)
		b->paired = true;
	pg->p[pg->nr++] = (struct pair){ what, a, b };
}

/* What differs between two VMAs of the same range, for "changed". */
enum field { F_PERMS = 1 << 0, F_OFFSET = 1 << 1, F_PATH = 1 << 2, F_KIND = 1 << 3 };
static const char *const field_names[] = { "perms", "offset", "path", "kind" };
#define NR_FIELDS	(sizeof(field_names) / sizeof(field_names[0]))

static unsigned int changed_fields(const struct dvma *a, const struct dvma *b)
{
	return (strcmp(a->perms, b->perms) ? F_PERMS : 0) | (a->offset != b->offset ? F_OFFSET : 0) |
	       (strcmp(a->path, b->path) ? F_PATH : 0) | (strcmp(a->kind, b->kind) ? F_KIND : 0);
}

/* a and b have the same start or the same end. */
static void pair_range(struct pairing *pg, struct dvma *a, struct dvma *b)
{
	if (a->start != b->start || a->end != b->end)
		pair_add(pg, b->end - b->start > a->end - a->start ? CH_GROWN : CH_SHRUNK, a, b);
	else if (changed_fields(a, b))
		pair_add(pg, CH_CHANGED, a, b);
	else
		a->paired = b->paired = true, pg->unchanged++;
}

/*
 * Pair the unpaired VMAs with the same name and the same start (by_end
 * false) or end; by start, also those of one range with other names.  A
 * snapshot's VMAs are sorted and apart, so starts and ends rise on each
 * side and one walk along both finds every match.
 */
static void pair_walk(struct pairing *pg, struct snap *o, struct snap *n, bool by_end)
{
	size_t i = 0, j = 0;

	while (i < o->nr && j < n->nr) {
		struct dvma *a = &o->v[i], *b = &n->v[j];
		uint64_t ka = by_end ? a->end : a->start, kb = by_end ? b->end : b->start;

		if (ka != kb) {
			ka < kb ? i++ : j++;
			continue;
		}
		if (!a->paired && !b->paired &&
		    (!strcmp(a->path, b->path) || (!by_end && a->end == b->end)))
			pair_range(pg, a, b);
		i++;
		j++;
	}
}

/* The same mapped object: name, offset and size. */
static int cmp_object(const struct dvma *a, const struct dvma *b)
{
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	if (a->end - a->start != b->end - b->start)
		return a->end - a->start < b->end - b->start ? -1 : 1;
	return 0;
}

/* Objects, then addresses: the k-th old copy of an object pairs with the k-th new. */
static int cmp_object_addr(const void *x, const void *y)
{
	const struct dvma *a = *(const struct dvma *const *)x, *b = *(const struct dvma *const *)y;
	int c = cmp_object(a, b);

	return c ? c : a->start < b->start ? -1 : a->start > b->start;
}

/* The unpaired named VMAs of s, sorted by cmp_object_addr(); NULL if out of memory. */
static struct dvma **unpaired_named(struct snap *s, size_t *nr)
{
	struct dvma **v = malloc((s->nr + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (*nr = i = 0; i < s->nr; i++)
		if (!s->v[i].paired && *s->v[i].path)
			v[(*nr)++] = &s->v[i];
	qsort(v, *nr, sizeof(*v), cmp_object_addr);
	return v;
}

/* Named VMAs left unpaired on both sides, of the same object: moved. */
static int pair_moved(struct pairing *pg, struct snap *o, struct snap *n)
{
	size_t no, nn, i = 0, j = 0;
	struct dvma **a = unpaired_named(o, &no), **b = unpaired_named(n, &nn);
	int c;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	while (i < no && j < nn) {
		c = cmp_object(a[i], b[j]);
		if (c) {
			c < 0 ? i++ : j++;
			continue;
		}
		pair_add(pg, CH_MOVED, a[i++], b[j++]);
	}
	free(a);
	free(b);
	return 0;
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

/* "fields": ["perms", ...], the sibling of print_fields() */
static void fields_json(unsigned int f)
{
	size_t i;

	jsonw_name(json_wtr, "fields");
	jsonw_start_array(json_wtr);
	for (i = 0; i < NR_FIELDS; i++)
		if (f & (1u << i))
			jsonw_string(json_wtr, field_names[i]);
	jsonw_end_array(json_wtr);
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
			if (p[i].what == CH_CHANGED)
				fields_json(changed_fields(p[i].old, p[i].new));
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
	}
	jsonw_uint_field(json_wtr, "unchanged", unchanged);
	jsonw_end_object(json_wtr);
}

static void print_range(const struct dvma *d, int w)
{
	printf("0x%0*" PRIx64 "-0x%0*" PRIx64, w, d->start, w, d->end);
}

/* The address column's width over every VMA listed ([vsyscall] aside). */
static int pairs_addr_digits(const struct pair *p, size_t nr)
{
	uint64_t top = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct dvma *d[2] = { p[i].old, p[i].new };
		int k;

		for (k = 0; k < 2; k++)
			if (d[k] && !vma_above_space(d[k]->start) && d[k]->end > top)
				top = d[k]->end;
	}
	return addr_digits(top);
}

/*
 * A snapshot's strings as plain text: escaped as /proc/PID/maps escapes
 * (plain_str()), since a file may hold any bytes; "" for no path.
 */
static const char *shown(const char *str, char *buf)
{
	return *str ? plain_str(str, buf, PLAIN_NAME_MAX) : "\"\"";
}

/* ": perms r--p -> rw-p, offset 0x0 -> 0x1000", the sibling of fields_json() */
static void print_fields(const struct dvma *a, const struct dvma *b)
{
	static char s1[PLAIN_NAME_MAX], s2[PLAIN_NAME_MAX];
	unsigned int f = changed_fields(a, b);
	const char *sep = ":";

	if (f & F_PERMS) {
		printf("%s perms %s -> %s", sep, shown(a->perms, s1), shown(b->perms, s2));
		sep = ",";
	}
	if (f & F_OFFSET) {
		printf("%s offset 0x%" PRIx64 " -> 0x%" PRIx64, sep, a->offset, b->offset);
		sep = ",";
	}
	if (f & F_PATH) {
		printf("%s path %s -> %s", sep, shown(a->path, s1), shown(b->path, s2));
		sep = ",";
	}
	if (f & F_KIND)
		printf("%s kind %s -> %s", sep, shown(a->kind, s1), shown(b->kind, s2));
}

static void print_plain(const struct pair *p, size_t nr, size_t unchanged)
{
	static const char sign[CH_NR] = { '+', '-', '>', '<', '~', '*' };
	static const enum color color[CH_NR] = { C_ADDED, C_REMOVED, C_ADDED, C_REMOVED,
						 C_MARK, C_MARK };
	static char s1[PLAIN_NAME_MAX], s2[32];
	size_t counts[CH_NR] = { 0 }, i;
	int c, w = pairs_addr_digits(p, nr);

	for (i = 0; i < nr; i++) {
		const struct dvma *d = p[i].new ? p[i].new : p[i].old;

		counts[p[i].what]++;
		printf("%s%c %-8s%s ", col(color[p[i].what]), sign[p[i].what],
		       change_names[p[i].what], col_end());
		if (p[i].old && p[i].new && p[i].what != CH_CHANGED) {
			print_range(p[i].old, w);
			printf(" -> ");
		}
		print_range(d, w);
		if (p[i].what == CH_GROWN || p[i].what == CH_SHRUNK)
			printf(" %s -> %s", human_size(p[i].old->end - p[i].old->start, s1, sizeof(s1)),
			       human_size(d->end - d->start, s2, sizeof(s2)));
		else
			printf(" %s", human_size(d->end - d->start, s1, sizeof(s1)));
		printf(" %s", shown(d->perms, s1));
		printf(" %s", shown(*d->path ? d->path : d->kind, s1));
		if (p[i].what == CH_CHANGED)
			print_fields(p[i].old, d);
		putchar('\n');
	}
	for (c = 0; c < CH_NR; c++)
		printf("%s%zu %s", c ? ", " : "", counts[c], change_names[c]);
	printf(", %zu unchanged\n", unchanged);
}

/*
 * The listing in address order (a new VMA's, or a removed one's) and at
 * one address what went before what came; NULL if out of memory.  Every
 * new VMA but the unchanged is in one pair, and the removed ones were
 * added in address order from removed_at to added_at: a merge along the
 * new VMAs puts them in order, where a sort of all the pairs cost a good
 * part of the time after the loading.
 */
static struct pair *pairs_in_order(const struct pairing *pg, const struct snap *n,
				   size_t removed_at, size_t added_at)
{
	const struct pair **of_new = calloc(n->nr + 1, sizeof(*of_new));
	const struct pair *rm = pg->p + removed_at, *rm_end = pg->p + added_at, *p;
	struct pair *out = malloc((pg->nr + 1) * sizeof(*out));
	size_t i, k = 0;

	if (!of_new || !out) {
		free(of_new);
		free(out);
		return NULL;
	}
	for (p = pg->p; p < pg->p + pg->nr; p++)
		if (p->new)
			of_new[p->new - n->v] = p;
	for (i = 0; i < n->nr; i++) {
		p = of_new[i];
		if (!p)
			continue;
		while (rm < rm_end && (rm->old->start < p->new->start ||
				       (rm->old->start == p->new->start && !p->old)))
			out[k++] = *rm++;
		out[k++] = *p;
	}
	while (rm < rm_end)
		out[k++] = *rm++;
	free(of_new);
	return out;
}

/*
 * Pair the VMAs of o and n and print the changes: DIFF_SAME, DIFF_DIFFERENT
 * or DIFF_TROUBLE.  O(n log n): walks along both sides, and one sort of
 * the VMAs left to find the moved ones.
 */
static int diff_snaps(struct snap *o, struct snap *n)
{
	struct pairing pg = { 0 };
	size_t i, removed_at, added_at;
	struct pair *listing;

	if (o->pid >= 0 && n->pid >= 0 && o->pid != n->pid)
		fprintf(stderr, "warning: the snapshots are of different processes (pid %ld, %ld)\n",
			o->pid, n->pid);
	pg.p = calloc(o->nr + n->nr + 1, sizeof(*pg.p));
	if (!pg.p)
		goto nomem;
	pair_walk(&pg, o, n, false);	/* same start and name */
	pair_walk(&pg, o, n, true);	/* same end and name: a stack grown down */
	if (pair_moved(&pg, o, n))
		goto nomem;
	removed_at = pg.nr;
	for (i = 0; i < o->nr; i++)
		if (!o->v[i].paired)
			pair_add(&pg, CH_REMOVED, &o->v[i], NULL);
	added_at = pg.nr;
	for (i = 0; i < n->nr; i++)
		if (!n->v[i].paired)
			pair_add(&pg, CH_ADDED, NULL, &n->v[i]);
	listing = pairs_in_order(&pg, n, removed_at, added_at);
	if (!listing)
		goto nomem;
	/*
	 * The loader threads left stdio locking stdout on every call, a
	 * character at a time: lock it once for the whole listing.
	 */
	flockfile(stdout);
	if (json_output)
		print_json(listing, pg.nr, pg.unchanged);
	else
		print_plain(listing, pg.nr, pg.unchanged);
	funlockfile(stdout);
	free(listing);
	free(pg.p);
	return pg.nr ? DIFF_DIFFERENT : DIFF_SAME;
nomem:
	p_err("out of memory");
	free(pg.p);
	return DIFF_TROUBLE;
}

/* As diff(1): 0 if the snapshots are the same, 1 if they differ, 2 on trouble. */
int do_diff(int argc, char **argv)
{
	struct snap_file f[2] = { { .path = argv[0] }, { .path = argv[1] } };
	pthread_t second;
	bool threaded;
	int ret;

	/* diff(1)'s 1 means "they differ": lost output is trouble, 2 */
	output_lost_status = DIFF_TROUBLE;
	if (argc != 2)
		return usage_err("diff", argc > 2 ? "too many arguments" : "expected FILE1 FILE2");
	if (!strcmp(argv[0], "-") && !strcmp(argv[1], "-"))
		return usage_err("diff", "stdin (-) can be only one of FILE1 and FILE2: it is read once");
	/* reading the JSON is most of the work: the two files on two cores */
	threaded = !pthread_create(&second, NULL, snap_file_load, &f[1]);
	snap_file_load(&f[0]);
	if (threaded)
		pthread_join(second, NULL);
	else
		snap_file_load(&f[1]);
	ret = DIFF_TROUBLE;
	if (f[0].ret || f[1].ret)
		p_err("%s", f[0].ret ? f[0].err : f[1].err);
	else
		ret = diff_snaps(&f[0].snap, &f[1].snap);
	snap_free(&f[0].snap);
	snap_free(&f[1].snap);
	return ret;
}
