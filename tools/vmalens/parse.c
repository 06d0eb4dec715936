// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for the vmalens debugfs files.  Each returns 0 or -EINVAL; none
 * prints anything, so the unit test can drive them with sample text.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

char *next_line(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

/* strtoull with the whole token required; base 0 takes "0x" or decimal. */
static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

/* "key: value"; the value is everything after ": " (a comm may hold ": "). */
int parse_layout_line(char *line, struct layout_field *f)
{
	char *sep = strstr(line, ": ");

	if (!sep || sep == line)
		return -EINVAL;
	*sep = '\0';
	f->key = line;
	f->value = sep + 2;
	return 0;
}

bool is_gap_line(const char *line)
{
	return !strncmp(line, "-- gap ", 7);
}

/* "-- gap 0x<start>-0x<end> <bytes>[ guard=<bytes>]" */
int parse_gap_line(const char *line, struct gap_line *g)
{
	int n = 0, m = 0;

	memset(g, 0, sizeof(*g));
	if (sscanf(line, "-- gap 0x%" SCNx64 "-0x%" SCNx64 " %" SCNu64 "%n",
		   &g->start, &g->end, &g->bytes, &n) != 3 || !n)
		return -EINVAL;
	line += n;
	if (!*line)
		return 0;
	if (sscanf(line, " guard=%" SCNu64 "%n", &g->guard, &m) != 1 ||
	    line[m])
		return -EINVAL;
	g->has_guard = true;
	return 0;
}

/* The extra fields after the last TAB: "kind=<kind> flags=0x<flags>". */
static int parse_vma_extras(char *s, struct vma_line *v)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "kind=", 5)) {
			v->kind = tok + 5;
		} else if (!strncmp(tok, "flags=", 6)) {
			if (strncmp(tok + 6, "0x", 2) ||
			    parse_u64(tok + 6, 16, &v->flags))
				return -EINVAL;
			v->has_flags = true;
		}
		/* unknown key=value fields: a newer module; ignore them */
	}
	return 0;
}

/*
 * One VMA line: the six /proc/PID/maps columns, a TAB, the extra fields.
 *
 * The name is what follows the padding.  The kernel pads the name to
 * MAPS_NAME_COLUMN, so when the line is long enough and only blanks lie
 * between the inode column and that column, the name starts exactly there
 * and may itself begin with blanks.  Otherwise (a shorter pad, a 32-bit
 * kernel) the blanks are skipped, and a name's leading blanks are lost;
 * /proc/PID/maps has the same ambiguity.  The name is kept as printed:
 * " (deleted)" and the \011 / \012 escapes of TAB and newline included.
 */
int parse_vma_line(char *line, struct vma_line *v)
{
	char *tab = strrchr(line, '\t'), *name;
	char perms[8];
	int n = 0;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->kind = "";
	if (!tab)
		return -EINVAL;
	*tab = '\0';
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 "%n",
		   &v->start, &v->end, perms, &v->offset, &v->dev_major,
		   &v->dev_minor, &v->inode, &n) != 7 || !n)
		return -EINVAL;
	if (strlen(perms) != 4 || v->end < v->start)
		return -EINVAL;
	memcpy(v->perms, perms, 5);

	name = line + n;
	if (*name && *name != ' ')
		return -EINVAL;		/* junk glued to the inode column */
	for (i = n; i < MAPS_NAME_COLUMN && line[i] == ' '; i++)
		;
	if (i == MAPS_NAME_COLUMN && (size_t)(tab - line) > i) {
		name = line + i;
	} else {
		while (*name == ' ')
			name++;
	}
	v->path = name;
	return parse_vma_extras(tab + 1, v);
}

bool is_tasks_header(const char *line)
{
	while (*line == ' ')
		line++;
	return !strncmp(line, "PID ", 4);
}

/* "PID LAYOUT MMAP_BASE START_BRK BRK MAPS COMM"; COMM is the rest. */
int parse_task_line(char *line, struct task_line *t)
{
	char *save = NULL, *tok[6];
	uint64_t pid, maps;
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < 6; i++) {
		tok[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!tok[i])
			return -EINVAL;
	}
	/* strtok_r left save at the COMM column (or past the end). */
	if (!save)
		return -EINVAL;
	while (*save == ' ')
		save++;
	t->comm = save;
	t->layout = tok[1];
	if (parse_u64(tok[0], 10, &pid) || pid > INT32_MAX ||
	    parse_u64(tok[2], 16, &t->mmap_base) ||
	    parse_u64(tok[3], 16, &t->start_brk) ||
	    parse_u64(tok[4], 16, &t->brk) ||
	    parse_u64(tok[5], 10, &maps) || maps > UINT32_MAX)
		return -EINVAL;
	t->pid = pid;
	t->map_count = maps;
	return 0;
}

/* Fields that are strings even when they look like numbers. */
static const char *const layout_string_keys[] = { "comm", "layout", NULL };

enum field_type layout_field_type(const char *key, const char *value)
{
	int i;

	for (i = 0; layout_string_keys[i]; i++)
		if (!strcmp(key, layout_string_keys[i]))
			return FIELD_STRING;
	if (!strncmp(value, "0x", 2))
		return FIELD_HEX;
	if (*value == '-')
		value++;
	if (!*value)
		return FIELD_STRING;
	for (; *value; value++)
		if (!isdigit((unsigned char)*value))
			return FIELD_STRING;
	return FIELD_NUMBER;
}
