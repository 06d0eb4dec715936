// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens vmas [PID]: the VMA and gap lines of debugfs vmalens/vmas.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "parse.h"

struct vma_row {
	bool is_gap;
	struct gap_line gap;
	struct vma_line vma;
};

struct vma_table {
	struct vma_row *row;
	size_t nr, cap;
};

static struct vma_row *vma_table_add(struct vma_table *t)
{
	struct vma_row *tmp;

	if (t->nr == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		tmp = realloc(t->row, t->cap * sizeof(*t->row));
		if (!tmp)
			return NULL;
		t->row = tmp;
	}
	return &t->row[t->nr++];
}

static int vmas_parse(char *buf, struct vma_table *t)
{
	char *cursor = buf, *line;
	struct vma_row *r;
	int lineno = 0, err;

	while ((line = next_line(&cursor))) {
		lineno++;
		r = vma_table_add(t);
		if (!r) {
			p_err("out of memory");
			return -1;
		}
		r->is_gap = is_gap_line(line);
		if (r->is_gap)
			err = parse_gap_line(line, &r->gap);
		else
			err = parse_vma_line(line, &r->vma);
		if (err) {
			p_err("vmas: cannot parse line %d: '%s'", lineno, line);
			return -1;
		}
	}
	return 0;
}

static bool path_deleted(const char *path)
{
	size_t len = strlen(path), n = strlen(" (deleted)");

	return len > n && !strcmp(path + len - n, " (deleted)");
}

static void vmas_print_plain(const struct vma_table *t)
{
	char size[32], guard[32], flags[24];
	size_t i;

	printf("%-33s %-4s %-8s %-5s %-10s %-7s %-11s %s\n", "ADDRESS", "PERM",
	       "OFFSET", "DEV", "INODE", "KIND", "FLAGS", "PATH");
	for (i = 0; i < t->nr; i++) {
		const struct vma_row *r = &t->row[i];

		if (r->is_gap) {
			printf("%016" PRIx64 "-%016" PRIx64 " -- gap %s",
			       r->gap.start, r->gap.end,
			       human_size(r->gap.bytes, size, sizeof(size)));
			if (r->gap.has_guard)
				printf(", guard %s",
				       human_size(r->gap.guard, guard, sizeof(guard)));
			putchar('\n');
			continue;
		}
		snprintf(flags, sizeof(flags), "0x%" PRIx64, r->vma.flags);
		printf("%016" PRIx64 "-%016" PRIx64 " %-4s %08" PRIx64
		       " %02x:%02x %-10" PRIu64 " %-7s %-11s%s%s\n",
		       r->vma.start, r->vma.end, r->vma.perms, r->vma.offset,
		       r->vma.dev_major, r->vma.dev_minor, r->vma.inode,
		       r->vma.kind, flags, *r->vma.path ? " " : "", r->vma.path);
	}
}

/*
 * An array of VMA objects only; the gap line in front of a VMA becomes its
 * "gap_before" (and "guard_before").  A gap after the last VMA, which the
 * module does not print today, would be dropped.
 */
static void vmas_print_json(const struct vma_table *t)
{
	const struct gap_line *gap = NULL;
	char dev[16];
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < t->nr; i++) {
		const struct vma_line *v = &t->row[i].vma;

		if (t->row[i].is_gap) {
			gap = &t->row[i].gap;
			continue;
		}
		snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
		jsonw_start_object(json_wtr);
		jsonw_hex_field(json_wtr, "start", v->start);
		jsonw_hex_field(json_wtr, "end", v->end);
		jsonw_uint_field(json_wtr, "size", v->end - v->start);
		jsonw_string_field(json_wtr, "perms", v->perms);
		jsonw_hex_field(json_wtr, "offset", v->offset);
		jsonw_string_field(json_wtr, "dev", dev);
		jsonw_uint_field(json_wtr, "inode", v->inode);
		jsonw_string_field(json_wtr, "path", v->path);
		jsonw_bool_field(json_wtr, "deleted", v->inode && path_deleted(v->path));
		jsonw_string_field(json_wtr, "kind", v->kind);
		jsonw_hex_field(json_wtr, "flags", v->flags);
		jsonw_uint_field(json_wtr, "gap_before", gap ? gap->bytes : 0);
		jsonw_uint_field(json_wtr, "guard_before", gap ? gap->guard : 0);
		jsonw_end_object(json_wtr);
		gap = NULL;
	}
	jsonw_end_array(json_wtr);
}

/* Parse a whole report, then print it: nothing is printed on error. */
int vmas_show(char *buf)
{
	struct vma_table t = { 0 };
	int ret = EXIT_ERR;

	if (vmas_parse(buf, &t))
		goto out;
	if (json_output)
		vmas_print_json(&t);
	else
		vmas_print_plain(&t);
	ret = EXIT_OK;
out:
	free(t.row);
	return ret;
}

int do_vmas(int argc, char **argv)
{
	char *buf;
	pid_t pid;
	int ret;

	ret = parse_pid_args("vmas", argc, argv, &pid);
	if (ret)
		return ret;
	buf = read_report("vmas", pid);
	if (!buf)
		return EXIT_ERR;
	ret = vmas_show(buf);
	free(buf);
	return ret;
}
