// SPDX-License-Identifier: GPL-2.0
/*
 * The address-space map: the whiteboard drawing, top (task_size) to bottom
 * (0).  Each region is a band between two boundary rows that carry the
 * addresses; each gap between regions is one row with its size, however
 * long it is; marks (mmap_base, brk, the next mmap) sit on the boundary
 * rows, splitting a gap where they fall inside one.
 *
 *       0x7ffffffff000 +--------------------------------------+ task_size
 *                      :              gap 2.1 MiB              :
 *       0x7ffd8c021000 +--------------------------------------+
 *                      | stack [stack]             rw-p 132 KiB |
 *       0x7ffd8c000000 +--------------------------------------+
 *
 * Without --full, neighbouring VMAs of one file (or of anonymous memory)
 * become one band with their count, so that 10,000 VMAs still make a
 * picture of a few dozen rows.  Every row fits in MAP_COLUMNS.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"

#define MAP_COLUMNS	100
#define BOX_INNER	58	/* between the two borders */
#define MAX_BANDS	48	/* more: group harder (not with --full) */
#define GROUP_GAP_MAX	(64ULL << 20)	/* VMAs this close may share a band */

enum seg_type { SEG_GAP, SEG_BAND, SEG_NEW };

struct seg {
	uint64_t start, end;
	enum seg_type type;
	uint32_t kind;
	const char *name;	/* of the first VMA */
	char perms[5];		/* "" when the VMAs differ */
	size_t nr;		/* VMAs in the band */
	uint64_t mapped;
	uint64_t guard;		/* gap: the stack guard gap at its top */
	bool hidden;		/* gap: holds VMAs a filter left out */
	bool mixed_kind, mixed_name;
	uint64_t flags;		/* band: the VMALENS_VMA_F_* of any of its VMAs */
	bool wx;		/* band: one of its VMAs is writable and executable */
	size_t first;		/* index of the lowest VMA */
};

struct segs {
	struct seg *s;
	size_t nr, cap;
};

static struct seg *seg_add(struct segs *ss)
{
	if (ss->nr == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 64;
		ss->s = realloc(ss->s, ss->cap * sizeof(*ss->s));
		if (!ss->s) {
			fprintf(stderr, "vmalens: out of memory\n");
			exit(EXIT_ERR);
		}
	}
	memset(&ss->s[ss->nr], 0, sizeof(ss->s[0]));
	return &ss->s[ss->nr++];
}

const char *vma_label(const struct lvma *v)
{
	return *v->name ? v->name : vma_kind_name(v->kind);
}

/* Landmarks keep a band of their own whatever the grouping. */
static bool landmark(uint32_t kind)
{
	return kind == VMALENS_KIND_STACK || kind == VMALENS_KIND_HEAP ||
	       kind == VMALENS_KIND_VDSO || kind == VMALENS_KIND_VVAR;
}

/*
 * level 0: one band per VMA; 1: same name; 2: same kind; 3: anything but
 * landmarks.  Only VMAs at most GROUP_GAP_MAX apart are grouped.
 */
/* Does the gap [lo, hi) hold the dry-run mapping or a mark? */
static bool gap_has_news(const struct map_req *r, uint64_t lo, uint64_t hi)
{
	size_t m;

	if (r->new_end > r->new_start && r->new_start >= lo && r->new_start < hi)
		return true;
	for (m = 0; m < r->nr_marks; m++)
		if (r->marks[m].addr > lo && r->marks[m].addr < hi)
			return true;
	return false;
}

static bool can_group(const struct map_req *r, const struct seg *b, const struct lvma *v,
		      int level)
{
	if (level == 0 || v->start - b->end > GROUP_GAP_MAX ||
	    (v->start > b->end && gap_has_news(r, b->end, v->start)))
		return false;
	if (landmark(b->kind) || landmark(v->kind))
		return level >= 1 && b->kind == v->kind && !strcmp(b->name, v->name);
	switch (level) {
	case 1:
		return b->kind == v->kind && !strcmp(b->name, v->name);
	case 2:
		return b->kind == v->kind;
	default:
		return true;
	}
}

/* The bands of the VMAs r->select passes; one left out ends a band. */
static void build_bands(const struct map_req *r, int level, struct segs *ss)
{
	const struct vma_list *l = r->vmas;
	char perms[5];
	struct seg *b = NULL;
	size_t i;

	ss->nr = 0;
	for (i = r->first; i < r->last; i++) {
		const struct lvma *v = &l->v[i];

		if (r->select && !r->select(v)) {
			b = NULL;
			continue;
		}
		vma_perms(v, perms);
		if (b && can_group(r, b, v, level)) {
			if (strcmp(b->perms, perms))
				b->perms[0] = '\0';
			b->mixed_kind |= b->kind != v->kind;
			b->mixed_name |= strcmp(b->name, v->name) != 0;
			b->end = v->end;
			b->nr++;
			b->mapped += v->end - v->start;
			b->flags |= v->flags;
			b->wx |= vma_wx(v);
			continue;
		}
		b = seg_add(ss);
		b->type = SEG_BAND;
		b->start = v->start;
		b->end = v->end;
		b->kind = v->kind;
		b->name = v->name;
		memcpy(b->perms, perms, 5);
		b->nr = 1;
		b->mapped = v->end - v->start;
		b->flags = v->flags;
		b->wx = vma_wx(v);
		b->first = i;
	}
}

/* Bands and gaps from r->bottom to r->top, the dry-run mapping inserted. */
static void build_segs(const struct map_req *r, const struct segs *bands, struct segs *ss)
{
	uint64_t at = r->bottom;
	size_t i = 0;
	bool new_done = r->new_end <= r->new_start;
	struct seg *g;

	for (;;) {
		const struct seg *next = i < bands->nr ? &bands->s[i] : NULL;
		uint64_t next_start = next ? next->start : r->top;

		if (!new_done && r->new_start >= at && r->new_end <= next_start) {
			if (r->new_start > at) {
				g = seg_add(ss);
				g->start = at;
				g->end = r->new_start;
			}
			g = seg_add(ss);
			g->type = SEG_NEW;
			g->start = r->new_start;
			g->end = r->new_end;
			g->name = r->new_label;
			at = r->new_end;
			new_done = true;
		}
		if (next_start > at) {
			g = seg_add(ss);
			g->start = at;
			g->end = next_start;
			if (next)
				g->guard = vma_gap_guard(r->vmas, next->first, next_start - at);
		}
		if (!next)
			break;
		*seg_add(ss) = *next;
		at = next->end;
		i++;
	}
}

/* Split gaps at the marks that fall strictly inside them. */
static void split_gaps(const struct map_req *r, struct segs *ss)
{
	size_t m, i;

	for (m = 0; m < r->nr_marks; m++) {
		uint64_t a = r->marks[m].addr;

		for (i = 0; i < ss->nr; i++) {
			struct seg *g = &ss->s[i], *hi;

			if (g->type != SEG_GAP || a <= g->start || a >= g->end)
				continue;
			seg_add(ss);
			g = &ss->s[i];
			memmove(g + 2, g + 1, (ss->nr - i - 2) * sizeof(*g));
			hi = g + 1;
			*hi = *g;
			hi->start = a;
			g->end = a;
			g->guard = 0;	/* the guard sits at the top, below the stack */
			break;
		}
	}
}

/*
 * A gap row that holds a VMA r->select left out says "filtered out": it is
 * not free space, and its stack guard is not known.  One pass: segments
 * and VMAs are both in address order.
 */
static void mark_hidden(const struct map_req *r, struct segs *ss)
{
	const struct lvma *v = r->vmas->v;
	size_t i, at = r->first;

	if (!r->select)
		return;
	for (i = 0; i < ss->nr; i++) {
		struct seg *g = &ss->s[i];

		while (at < r->last && v[at].end <= g->start)
			at++;
		if (g->type != SEG_GAP)
			continue;
		for (; at < r->last && v[at].start < g->end; at++) {
			if (!r->select(&v[at])) {
				g->hidden = true;
				g->guard = 0;
				break;
			}
		}
	}
}

static int addr_width(const struct map_req *r)
{
	return addr_digits(r->top);
}

/* Append " <- text" for each mark at addr (or inside (lo, hi) if in_band). */
static void marks_text(const struct map_req *r, uint64_t lo, uint64_t hi, bool in_band,
		       char *buf, size_t len)
{
	size_t m, used = strlen(buf);

	for (m = 0; m < r->nr_marks; m++) {
		const struct map_mark *k = &r->marks[m];
		bool hit = in_band ? k->addr > lo && k->addr < hi : k->addr == lo;

		if (!hit || used >= len)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "<- ", k->text);
	}
}

/* What a band holds that deserves a look: W+X, mseal(2)ed, guard regions. */
static void band_warnings(const struct seg *s, char *buf, size_t len)
{
	static const struct {
		uint64_t flag;
		const char *text;
	} flagged[] = {
		{ VMALENS_VMA_F_SEALED, "sealed" },
		{ VMALENS_VMA_F_MAYBE_GUARD, "guard" },
	};
	size_t i, used = strlen(buf);

	if (s->wx && used < len)
		used += snprintf(buf + used, len - used, "%sW+X", used ? ", " : "<- ");
	for (i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++)
		if ((s->flags & flagged[i].flag) && used < len)
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "<- ",
					 flagged[i].text);
}

static void print_tail(FILE *f, const char *tail, int used)
{
	int room = MAP_COLUMNS - used - 1;

	if (!*tail || room < 4) {
		fputc('\n', f);
		return;
	}
	if ((int)strlen(tail) > room)
		fprintf(f, " %s%.*s...%s\n", col(C_MARK), room - 3, tail, col_end());
	else
		fprintf(f, " %s%s%s\n", col(C_MARK), tail, col_end());
}

static void boundary(FILE *f, const struct map_req *r, uint64_t addr, bool dotted,
		     const char *label)
{
	int w = addr_width(r), i;
	char tail[160] = "";

	if (label)
		snprintf(tail, sizeof(tail), "%s", label);
	marks_text(r, addr, addr, false, tail, sizeof(tail));
	fprintf(f, "  0x%0*" PRIx64 " +", w, addr);
	for (i = 0; i < BOX_INNER; i++)
		fputc(dotted && (i & 1) ? ' ' : '-', f);
	fputc('+', f);
	print_tail(f, tail, 2 + 2 + w + 1 + BOX_INNER + 2);
}

static enum color seg_color(const struct seg *s)
{
	if (s->type == SEG_NEW)
		return C_MARK;
	if (s->mixed_kind)
		return C_OFF;
	switch (s->kind) {
	case VMALENS_KIND_STACK: return C_STACK;
	case VMALENS_KIND_HEAP: return C_HEAP;
	case VMALENS_KIND_FILE: return C_FILE;
	case VMALENS_KIND_ANON: return C_ANON;
	default: return C_SPECIAL;
	}
}

/* Fit s into width columns, keeping its end (the file name). */
static void fit_left(char *out, size_t outlen, const char *s, int width)
{
	int len = strlen(s);

	if (len <= width)
		snprintf(out, outlen, "%s", s);
	else
		snprintf(out, outlen, "...%s", s + len - (width - 3));
}

static void band_row(FILE *f, const struct map_req *r, const struct seg *s)
{
	int w = addr_width(r), lw = BOX_INNER - 26;
	char label[256], text[256], size[32], tail[160] = "", name[256];
	const char *kind = s->type == SEG_NEW ? "new" :
			   s->mixed_kind ? "mixed" : vma_kind_name(s->kind);

	if (s->type == SEG_NEW)
		snprintf(text, sizeof(text), "%s", s->name ? s->name : "next mmap");
	else if (s->nr == 1 || !s->mixed_name)
		snprintf(text, sizeof(text), s->nr > 1 ? "%s (%zu VMAs)" : "%s",
			 *s->name ? plain_str(s->name, name, sizeof(name)) :
			 s->kind == VMALENS_KIND_ANON ? "anonymous" : kind, s->nr);
	else
		snprintf(text, sizeof(text), "%zu VMAs%s", s->nr,
			 s->mixed_kind ? "" : s->kind == VMALENS_KIND_FILE ? " of files" : "");
	fit_left(label, sizeof(label), text, lw);
	human_size(s->type == SEG_NEW ? s->end - s->start : s->mapped, size, sizeof(size));
	if (s->type == SEG_BAND) {
		marks_text(r, s->start, s->end, true, tail, sizeof(tail));
		band_warnings(s, tail, sizeof(tail));
	}
	fprintf(f, "  %*s | %s%-7s%s %-*s %-4s %10s |", w + 2, "", col(seg_color(s)), kind,
		col_end(), lw, label, s->type == SEG_NEW ? "" : s->perms, size);
	print_tail(f, tail, 2 + 2 + w + 1 + BOX_INNER + 2);
}

static void gap_row(FILE *f, const struct map_req *r, const struct seg *s)
{
	int w = addr_width(r), pad;
	char text[96], size[32], guard[32];

	human_size(s->end - s->start, size, sizeof(size));
	if (s->hidden)
		snprintf(text, sizeof(text), "filtered out, %s", size);
	else if (s->guard)
		snprintf(text, sizeof(text), "gap %s (stack guard %s)", size,
			 human_size(s->guard, guard, sizeof(guard)));
	else
		snprintf(text, sizeof(text), "gap %s", size);
	pad = (BOX_INNER - (int)strlen(text)) / 2;
	fprintf(f, "  %*s :%s%*s%s%*s%s:\n", w + 2, "", col(C_GAP), pad, "", text,
		BOX_INNER - pad - (int)strlen(text), "", col_end());
}

void map_draw(FILE *f, const struct map_req *r)
{
	struct segs bands = { 0 }, segs = { 0 };
	int level = r->full ? 0 : 1;
	size_t i;

	for (;;) {
		build_bands(r, level, &bands);
		if (r->full || bands.nr <= MAX_BANDS || level == 3)
			break;
		level++;
	}
	build_segs(r, &bands, &segs);
	split_gaps(r, &segs);
	mark_hidden(r, &segs);

	for (i = segs.nr; i-- > 0;) {
		const struct seg *s = &segs.s[i];
		bool dotted = s->type == SEG_GAP && i + 1 < segs.nr &&
			      segs.s[i + 1].type == SEG_GAP;

		boundary(f, r, s->end, dotted, i + 1 == segs.nr ? r->top_label : NULL);
		if (s->type == SEG_GAP)
			gap_row(f, r, s);
		else
			band_row(f, r, s);
	}
	boundary(f, r, segs.nr ? segs.s[0].start : r->bottom, false, NULL);
	free(bands.s);
	free(segs.s);
}

void map_draw_around(const struct vma_list *l, size_t lo, size_t hi, uint64_t bottom,
		     uint64_t top, const struct map_mark *marks, size_t nr_marks,
		     uint64_t new_start, uint64_t new_end, const char *new_label)
{
	struct map_req r = {
		.vmas = l, .first = lo, .last = hi, .bottom = bottom, .top = top,
		.marks = marks, .nr_marks = nr_marks, .full = true,
		.new_start = new_start, .new_end = new_end, .new_label = new_label,
	};

	putchar('\n');
	map_draw(stdout, &r);
}
