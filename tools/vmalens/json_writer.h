/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: objects, arrays, strings and integers.
 *
 * Strings are written as UTF-8.  Control characters, '"' and '\\' are
 * escaped; a byte that is not part of a valid UTF-8 sequence (a path need
 * not be UTF-8) is written as \u00XX with XX its value, so the output is
 * always valid JSON.  Valid multibyte UTF-8 passes through unchanged.
 */
#ifndef VMALENS_JSON_WRITER_H
#define VMALENS_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f);
/* Ends the document (if any) with a newline and frees the writer. */
void jsonw_destroy(json_writer_t **self);
void jsonw_pretty(json_writer_t *self, bool on);

void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);

/* The member name of the next value inside an object. */
void jsonw_name(json_writer_t *self, const char *name);

void jsonw_string(json_writer_t *self, const char *s);
/* The first len bytes of s (which may hold NUL bytes) as one string. */
void jsonw_string_len(json_writer_t *self, const char *s, size_t len);
void jsonw_printf(json_writer_t *self, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* a raw, unquoted value */
void jsonw_uint(json_writer_t *self, uint64_t v);
void jsonw_int(json_writer_t *self, int64_t v);
void jsonw_bool(json_writer_t *self, bool v);
void jsonw_null(json_writer_t *self);
/* An address or flag word as the string "0x...". */
void jsonw_hex(json_writer_t *self, uint64_t v);

/* name + value in one call */
void jsonw_string_field(json_writer_t *self, const char *name, const char *s);
void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t v);
void jsonw_int_field(json_writer_t *self, const char *name, int64_t v);
void jsonw_bool_field(json_writer_t *self, const char *name, bool v);
void jsonw_hex_field(json_writer_t *self, const char *name, uint64_t v);

/* Escape one string to f, quotes included (exposed for the unit test). */
void json_escape(FILE *f, const char *s, size_t len);

#endif /* VMALENS_JSON_WRITER_H */
