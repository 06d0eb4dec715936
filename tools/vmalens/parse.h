/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for the text files in /sys/kernel/debug/vmalens/ (doc/debugfs.md).
 * They work on one line at a time, in place: the strings they return point
 * into the caller's buffer, which they may modify.
 */
#ifndef VMALENS_PARSE_H
#define VMALENS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The column the name starts at in a /proc/PID/maps line on a 64-bit
 * kernel: show_vma_header_prefix() calls seq_setwidth(m, 25 +
 * sizeof(void *) * 6 - 1), and seq_pad(m, ' ') pads up to that width and
 * then adds one more ' ' before the name.
 */
#define MAPS_NAME_COLUMN	(25 + 8 * 6 - 1 + 1)

struct layout_field {
	char *key;
	char *value;
};

struct vma_line {
	uint64_t start, end;
	char perms[5];
	uint64_t offset;
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	char *path;			/* "" for an unnamed mapping */
	char *kind;			/* file, anon, heap, ... ("" if absent) */
	uint64_t flags;			/* vm_flags */
	bool has_flags;
};

struct gap_line {
	uint64_t start, end, bytes;
	uint64_t guard;			/* 0 if the line has no guard= */
	bool has_guard;
};

struct task_line {
	int pid;
	char *layout;
	uint64_t mmap_base, start_brk, brk;
	unsigned int map_count;
	char *comm;
};

/* Split buf at newlines; returns the next line (NUL-terminated) or NULL. */
char *next_line(char **cursor);

int parse_layout_line(char *line, struct layout_field *f);
bool is_gap_line(const char *line);
int parse_gap_line(const char *line, struct gap_line *g);
int parse_vma_line(char *line, struct vma_line *v);
bool is_tasks_header(const char *line);
int parse_task_line(char *line, struct task_line *t);

/* The type a layout field has in JSON, by its name (doc/debugfs.md). */
enum field_type { FIELD_STRING, FIELD_NUMBER, FIELD_HEX };
enum field_type layout_field_type(const char *key, const char *value);

#endif /* VMALENS_PARSE_H */
