// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens vmas [PID]: the VMA table, with a row for each gap.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
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

/* The debugfs text as a VMA list: the same printers serve every source. */
static int vmas_to_list(const struct vma_table *t, struct vma_list *l)
{
	size_t i;

	l->source = SRC_DEBUGFS;
	for (i = 0; i < t->nr; i++) {
		const struct vma_line *r = &t->row[i].vma;
		struct lvma *v;
		int kind;

		if (t->row[i].is_gap) {
			if (t->row[i].gap.guard > l->guard)
				l->guard = t->row[i].gap.guard;
			continue;
		}
		v = vma_list_add(l, r->path);
		if (!v)
			return -1;
		v->start = r->start;
		v->end = r->end;
		v->offset = r->offset;
		v->inode = r->inode;
		v->dev_major = r->dev_major;
		v->dev_minor = r->dev_minor;
		v->vm_flags = r->flags;
		v->has_flags = r->has_flags;
		kind = vma_kind_from_name(r->kind);
		v->kind = kind < 0 ? VMALENS_KIND_SPECIAL : kind;
		v->prot = (r->perms[0] == 'r' ? VMALENS_VMA_READ : 0) |
			  (r->perms[1] == 'w' ? VMALENS_VMA_WRITE : 0) |
			  (r->perms[2] == 'x' ? VMALENS_VMA_EXEC : 0) |
			  (r->perms[3] == 's' ? VMALENS_VMA_SHARED : 0);
	}
	return 0;
}

/*
 * An array of VMA objects only; the gap in front of a VMA becomes its
 * "gap_before" (and "guard_before").
 */
static void vmas_print_json(const struct vma_list *l)
{
	uint64_t prev_end = 0;
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < l->nr; i++) {
		vma_json(l, i, l->v[i].start - prev_end);
		prev_end = l->v[i].end;
	}
	jsonw_end_array(json_wtr);
}

static void vmas_list_show(const struct vma_list *l)
{
	if (json_output)
		vmas_print_json(l);
	else
		vmas_print(l, !lopt.no_gaps);
}

/* Parse a whole report, then print it: nothing is printed on error. */
int vmas_show(char *buf)
{
	struct vma_table t = { 0 };
	struct vma_list l = { 0 };
	int ret = EXIT_ERR;

	if (vmas_parse(buf, &t))
		goto out;
	if (vmas_to_list(&t, &l)) {
		p_err("out of memory");
		goto out;
	}
	vmas_list_show(&l);
	ret = EXIT_OK;
out:
	vma_list_free(&l);
	free(t.row);
	return ret;
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

	ret = lens_check_opts("vmas", LOPT_NO_GAPS);
	if (ret)
		return ret;
	ret = parse_pid_args("vmas", argc, argv, &pid);
	if (ret)
		return ret;
	if (read_vmas(pid, &l))
		return EXIT_ERR;
	vmas_list_show(&l);
	vma_list_free(&l);
	return EXIT_OK;
}
