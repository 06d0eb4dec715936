// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens tasks: the table of debugfs vmalens/tasks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "parse.h"

struct task_table {
	struct task_line *row;
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

static void tasks_print_plain(const struct task_table *t)
{
	size_t i;

	printf("%7s %-8s %-18s %-18s %-18s %5s %s\n", "PID", "LAYOUT",
	       "MMAP_BASE", "START_BRK", "BRK", "MAPS", "COMM");
	for (i = 0; i < t->nr; i++) {
		const struct task_line *r = &t->row[i];

		printf("%7d %-8s 0x%-16" PRIx64 " 0x%-16" PRIx64 " 0x%-16" PRIx64
		       " %5u %s\n", r->pid, r->layout, r->mmap_base, r->start_brk,
		       r->brk, r->map_count, r->comm);
	}
}

static void tasks_print_json(const struct task_table *t)
{
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < t->nr; i++) {
		const struct task_line *r = &t->row[i];

		jsonw_start_object(json_wtr);
		jsonw_int_field(json_wtr, "pid", r->pid);
		jsonw_string_field(json_wtr, "comm", r->comm);
		jsonw_string_field(json_wtr, "layout", r->layout);
		jsonw_hex_field(json_wtr, "mmap_base", r->mmap_base);
		jsonw_hex_field(json_wtr, "start_brk", r->start_brk);
		jsonw_hex_field(json_wtr, "brk", r->brk);
		jsonw_uint_field(json_wtr, "map_count", r->map_count);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}

/* Parse a whole report, then print it: nothing is printed on error. */
int tasks_show(char *buf)
{
	struct task_table t = { 0 };
	int ret = EXIT_ERR;

	if (tasks_parse(buf, &t))
		goto out;
	if (json_output)
		tasks_print_json(&t);
	else
		tasks_print_plain(&t);
	ret = EXIT_OK;
out:
	free(t.row);
	return ret;
}

int do_tasks(int argc, char **argv)
{
	char *buf;
	int ret;

	(void)argv;
	if (argc > 0)
		return usage_err("tasks", "too many arguments");
	buf = read_report("tasks", 0);
	if (!buf)
		return EXIT_ERR;
	ret = tasks_show(buf);
	free(buf);
	return ret;
}
