// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens tasks: the table of debugfs vmalens/tasks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lens.h"
#include "main.h"
#include "parse.h"

struct task_table {
	struct task_line *row;
	uint64_t *total_vm;		/* pages, per row; NULL without the device */
	size_t nr, cap;
};

static int tasks_parse(char *buf, struct task_table *t)
{
	char *cursor = buf, *line;
	struct task_line *tmp;
	int lineno = 0;

	while ((line = next_line(&cursor))) {
		lineno++;
		if (lineno == 1 && is_tasks_header(line))
			continue;
		if (t->nr == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 128;
			tmp = realloc(t->row, t->cap * sizeof(*t->row));
			if (!tmp) {
				p_err("out of memory");
				return -1;
			}
			t->row = tmp;
		}
		if (parse_task_line(line, &t->row[t->nr])) {
			p_err("tasks: cannot parse line %d", lineno);
			return -1;
		}
		t->nr++;
	}
	return 0;
}

/* total_vm from VMALENS_IOC_LAYOUT; a process gone meanwhile shows 0. */
static void tasks_total_vm(struct task_table *t)
{
	struct vmalens_mm_layout lay;
	int fd = dev_open();
	size_t i;

	if (fd < 0)
		return;
	t->total_vm = calloc(t->nr + 1, sizeof(*t->total_vm));
	for (i = 0; t->total_vm && i < t->nr; i++) {
		memset(&lay, 0, sizeof(lay));
		lay.size = sizeof(lay);
		lay.pid = t->row[i].pid;
		if (!ioctl(fd, VMALENS_IOC_LAYOUT, &lay))
			t->total_vm[i] = lay.total_vm;
	}
	close(fd);
}

static int sort_key;		/* 0 pid, 1 map_count, 2 total_vm */
static const struct task_table *sort_table;

static int cmp_rows(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct task_line *rx = &sort_table->row[x], *ry = &sort_table->row[y];
	uint64_t kx, ky;

	switch (sort_key) {
	case 1:
		kx = rx->map_count;
		ky = ry->map_count;
		break;
	case 2:
		kx = sort_table->total_vm ? sort_table->total_vm[x] : 0;
		ky = sort_table->total_vm ? sort_table->total_vm[y] : 0;
		break;
	default:
		return rx->pid - ry->pid;
	}
	/* biggest first; ties by pid */
	if (kx != ky)
		return kx < ky ? 1 : -1;
	return rx->pid - ry->pid;
}

static size_t *tasks_order(const struct task_table *t)
{
	size_t *order = calloc(t->nr + 1, sizeof(*order)), i;

	if (!order)
		return NULL;
	for (i = 0; i < t->nr; i++)
		order[i] = i;
	sort_key = !lopt.sort || !strcmp(lopt.sort, "pid") ? 0 :
		   !strcmp(lopt.sort, "total_vm") ? 2 : 1;
	sort_table = t;
	qsort(order, t->nr, sizeof(*order), cmp_rows);
	return order;
}

static void tasks_print_plain(const struct task_table *t, const size_t *order)
{
	char size[32];
	size_t i;

	printf("%7s %-8s %-16s %-16s %-16s %6s %10s %s\n", "PID", "LAYOUT",
	       "MMAP_BASE", "START_BRK", "BRK", "MAPS", "TOTAL_VM", "COMM");
	for (i = 0; i < t->nr; i++) {
		const struct task_line *r = &t->row[order[i]];

		printf("%7d %-8s 0x%-14" PRIx64 " 0x%-14" PRIx64 " 0x%-14" PRIx64
		       " %6u %10s %s\n", r->pid, r->layout, r->mmap_base, r->start_brk,
		       r->brk, r->map_count,
		       t->total_vm ? human_size(t->total_vm[order[i]] * sysconf(_SC_PAGESIZE),
						size, sizeof(size)) : "-",
		       r->comm);
	}
}

static void tasks_print_json(const struct task_table *t, const size_t *order)
{
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < t->nr; i++) {
		const struct task_line *r = &t->row[order[i]];

		jsonw_start_object(json_wtr);
		jsonw_int_field(json_wtr, "pid", r->pid);
		jsonw_string_field(json_wtr, "comm", r->comm);
		jsonw_string_field(json_wtr, "layout", r->layout);
		jsonw_hex_field(json_wtr, "mmap_base", r->mmap_base);
		jsonw_hex_field(json_wtr, "start_brk", r->start_brk);
		jsonw_hex_field(json_wtr, "brk", r->brk);
		jsonw_uint_field(json_wtr, "map_count", r->map_count);
		if (t->total_vm)
			jsonw_uint_field(json_wtr, "total_vm", t->total_vm[order[i]]);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}

/* Parse a whole report, then print it: nothing is printed on error. */
int tasks_show(char *buf)
{
	struct task_table t = { 0 };
	size_t *order = NULL;
	int ret = EXIT_ERR;

	if (tasks_parse(buf, &t))
		goto out;
	tasks_total_vm(&t);
	order = tasks_order(&t);
	if (!order) {
		p_err("out of memory");
		goto out;
	}
	if (json_output)
		tasks_print_json(&t, order);
	else
		tasks_print_plain(&t, order);
	ret = EXIT_OK;
out:
	free(order);
	free(t.total_vm);
	free(t.row);
	return ret;
}

int do_tasks(int argc, char **argv)
{
	char *buf;
	int ret;

	(void)argv;
	ret = lens_check_opts("tasks", LOPT_SORT);
	if (ret)
		return ret;
	if (argc > 0)
		return usage_err("tasks", "too many arguments");
	buf = read_report("tasks", 0);
	if (!buf)
		return EXIT_ERR;
	ret = tasks_show(buf);
	free(buf);
	return ret;
}
