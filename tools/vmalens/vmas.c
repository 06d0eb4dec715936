// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens vmas [PID]: the VMA table, with a row for each gap; the filters
 * --filter, --range and --perm choose rows, --bytes and --distance change
 * the columns.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"

/* A filter is on: gap rows would then describe VMAs that are not shown. */
bool vma_filter_on(void)
{
	return lopt.filter || lopt.range_hi || lopt.perm;
}

/*
 * Does v pass the filters of vmas and show: its name contains --filter's text, it
 * overlaps --range's [LOW, HIGH), and it has every --perm letter?
 */
bool vma_selected(const struct lvma *v)
{
	char perms[5];
	const char *p;

	if (lopt.filter && !strstr(v->name, lopt.filter))
		return false;
	if (lopt.range_hi && (v->end <= lopt.range_lo || v->start >= lopt.range_hi))
		return false;
	if (lopt.perm) {
		vma_perms(v, perms);
		for (p = lopt.perm; *p; p++)
			if (!strchr(perms, *p))
				return false;
	}
	return true;
}

/*
 * An array of VMA objects only; the gap in front of a VMA becomes its
 * "gap_before" (and "guard_before"), measured to the VMA below it whether
 * or not a filter shows that one.
 */
static void vmas_print_json(const struct vma_list *l)
{
	uint64_t prev_end = 0;
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < l->nr; i++) {
		const struct lvma *v = &l->v[i];

		if (vma_selected(v)) {
			vma_json_open(l, i, v->start - prev_end);
			if (lopt.have_distance)
				jsonw_int_field(json_wtr, "distance",
						(int64_t)(v->start - lopt.distance_from));
			jsonw_end_object(json_wtr);
		}
		prev_end = v->end;
	}
	jsonw_end_array(json_wtr);
}

static enum color kind_color(uint32_t kind)
{
	switch (kind) {
	case VMALENS_KIND_STACK: return C_STACK;
	case VMALENS_KIND_HEAP: return C_HEAP;
	case VMALENS_KIND_FILE: return C_FILE;
	case VMALENS_KIND_ANON: return C_ANON;
	default: return C_SPECIAL;
	}
}

/*
 * The end of the highest VMA that sets the address column's width: x86's
 * [vsyscall] page (in /proc/PID/maps only) is far above task_size and
 * does not widen it.
 */
static uint64_t column_top(const struct vma_list *l)
{
	size_t i = l->nr;

	while (i > 0 && vma_above_space(l->v[i - 1].start))
		i--;
	return i ? l->v[i - 1].end : 0;
}

/* DISTANCE: start - ADDR, signed hex, "+0x0" for a VMA that starts there. */
static const char *distance_cell(uint64_t start, char *buf, size_t len)
{
	uint64_t from = lopt.distance_from;

	if (start >= from)
		snprintf(buf, len, "+0x%" PRIx64, start - from);
	else
		snprintf(buf, len, "-0x%" PRIx64, from - start);
	return buf;
}

static void vmas_print_gap(const struct vma_list *l, size_t i, uint64_t prev_end, int w)
{
	char size[32], guard[32];
	uint64_t gap = l->v[i].start - prev_end, g;

	printf("%s0x%0*" PRIx64 "-0x%0*" PRIx64 " -- gap %s", col(C_GAP),
	       w, prev_end, w, l->v[i].start, size_str(gap, size, sizeof(size)));
	g = vma_gap_guard(l, i, gap);
	if (g)
		printf(", guard %s", size_str(g, guard, sizeof(guard)));
	printf("%s\n", col_end());
}

/* Wide enough for a typical VMA's mnemonics ("rd wr mr mw me ac sd") */
#define FLAGS_COLUMN	23

/*
 * The FLAGS cell: smaps' VmFlags mnemonics, then "pk:N" for a protection
 * key other than the default 0 (smaps' ProtectionKey); "-" without the
 * module.
 */
static const char *flags_cell(const struct lvma *v, char *buf, size_t len)
{
	size_t used;

	if (!v->has_flags)
		return "-";
	vma_flag_mnemonics(v->flags, buf, len);
	used = strlen(buf);
	if (v->pkey > 0 && used < len)
		snprintf(buf + used, len - used, " pk:%d", v->pkey);
	return buf;
}

/*
 * RANGE SIZE PERM KIND OFFSET [DISTANCE] [FLAGS] PATH, one row per VMA shown; with
 * gaps, a row "RANGE -- gap SIZE[, guard SIZE]" wherever two VMAs do not
 * touch.  PERM is highlighted where a VMA is both writable and executable.
 */
static void vmas_print(const struct vma_list *l, bool gaps)
{
	static char name[PLAIN_NAME_MAX];
	int w = addr_digits(column_top(l)), size_w = lopt.bytes ? 20 : 10;
	char size[32], dist[32], perms[5], flags[128];
	uint64_t prev_end = 0;
	size_t i;

	printf("%-*s %*s %-4s %-7s %-8s ", 2 * w + 5, "RANGE", size_w, "SIZE", "PERM",
	       "KIND", "OFFSET");
	if (lopt.have_distance)
		printf("%-19s ", "DISTANCE");
	if (lopt.vmflags)
		printf("%-*s ", FLAGS_COLUMN, "FLAGS");
	printf("PATH\n");
	for (i = 0; i < l->nr; i++) {
		const struct lvma *v = &l->v[i];

		if (gaps && v->start != prev_end && !vma_above_space(v->start))
			vmas_print_gap(l, i, prev_end, w);
		prev_end = v->end;
		if (!vma_selected(v))
			continue;
		vma_perms(v, perms);
		printf("0x%0*" PRIx64 "-0x%0*" PRIx64 " %*s %s%-4s%s %s%-7s%s %08" PRIx64 " ",
		       w, v->start, w, v->end, size_w,
		       size_str(v->end - v->start, size, sizeof(size)),
		       vma_wx(v) ? col(C_MARK) : "", perms, vma_wx(v) ? col_end() : "",
		       col(kind_color(v->kind)), vma_kind_name(v->kind), col_end(), v->offset);
		if (lopt.have_distance)
			printf("%-19s ", distance_cell(v->start, dist, sizeof(dist)));
		if (lopt.vmflags)
			printf("%-*s ", FLAGS_COLUMN, flags_cell(v, flags, sizeof(flags)));
		printf("%s\n", plain_str(v->name, name, sizeof(name)));
	}
}

void vmas_list_show(const struct vma_list *l)
{
	if (json_output)
		vmas_print_json(l);
	else
		vmas_print(l, !lopt.no_gaps && !vma_filter_on());
}

/*
 * With /dev/vmalens: the bulk ioctl.  Without it: the kernel's own
 * interfaces, PROCMAP_QUERY or /proc/PID/maps (read_vmas() says which).
 */
int do_vmas(int argc, char **argv)
{
	struct vma_list l;
	pid_t pid;
	int ret;

	ret = parse_pid_args("vmas", argc, argv, &pid);
	if (ret)
		return ret;
	if (read_vmas(pid, &l))
		return EXIT_ERR;
	vmas_list_show(&l);
	vma_list_free(&l);
	return EXIT_OK;
}
