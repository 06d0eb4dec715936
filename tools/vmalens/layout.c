// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens layout [PID]: the "key: value" lines of debugfs vmalens/layout.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "parse.h"

#define LAYOUT_MAX_FIELDS	64

struct layout {
	struct layout_field field[LAYOUT_MAX_FIELDS];
	int nr;
};

static int layout_parse(char *buf, struct layout *l)
{
	char *cursor = buf, *line;
	int lineno = 0;

	l->nr = 0;
	while ((line = next_line(&cursor))) {
		lineno++;
		if (l->nr == LAYOUT_MAX_FIELDS) {
			p_err("layout: more than %d fields; is the module newer than this tool?",
			      LAYOUT_MAX_FIELDS);
			return -1;
		}
		if (parse_layout_line(line, &l->field[l->nr])) {
			p_err("layout: cannot parse line %d: '%s'", lineno, line);
			return -1;
		}
		l->nr++;
	}
	if (!l->nr) {
		p_err("layout: the report is empty");
		return -1;
	}
	return 0;
}

static void layout_print_plain(const struct layout *l)
{
	int i, width = 0, w;

	for (i = 0; i < l->nr; i++) {
		w = strlen(l->field[i].key);
		if (w > width)
			width = w;
	}
	for (i = 0; i < l->nr; i++)
		printf("%-*s  %s\n", width, l->field[i].key, l->field[i].value);
}

/* Field names as in doc/debugfs.md; addresses as "0x..." strings. */
static void layout_print_json(const struct layout *l)
{
	const struct layout_field *f;
	int i;

	jsonw_start_object(json_wtr);
	for (i = 0; i < l->nr; i++) {
		f = &l->field[i];
		jsonw_name(json_wtr, f->key);
		switch (layout_field_type(f->key, f->value)) {
		case FIELD_HEX:
			jsonw_hex(json_wtr, strtoull(f->value, NULL, 16));
			break;
		case FIELD_NUMBER:
			if (*f->value == '-')
				jsonw_int(json_wtr, strtoll(f->value, NULL, 10));
			else
				jsonw_uint(json_wtr, strtoull(f->value, NULL, 10));
			break;
		case FIELD_STRING:
			jsonw_string(json_wtr, f->value);
			break;
		}
	}
	jsonw_end_object(json_wtr);
}

/* Parse a whole report, then print it: nothing is printed on error. */
int layout_show(char *buf)
{
	struct layout l;

	if (layout_parse(buf, &l))
		return EXIT_ERR;
	if (json_output)
		layout_print_json(&l);
	else
		layout_print_plain(&l);
	return EXIT_OK;
}

int do_layout(int argc, char **argv)
{
	char *buf;
	pid_t pid;
	int ret;

	ret = parse_pid_args("layout", argc, argv, &pid);
	if (ret)
		return ret;
	buf = read_report("layout", pid);
	if (!buf)
		return EXIT_ERR;
	ret = layout_show(buf);
	free(buf);
	return ret;
}
