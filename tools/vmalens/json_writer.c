// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer.  It keeps one "a value was already written
 * at this depth" bit per nesting level, which is all it needs to place commas.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *out;
	unsigned int depth;
	bool pretty;
	bool after_name;		/* jsonw_name() was just called */
	bool has_value[JSONW_MAX_DEPTH];
};

json_writer_t *jsonw_new(FILE *f)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (self)
		self->out = f;
	return self;
}

void jsonw_destroy(json_writer_t **self)
{
	if (!*self)
		return;
	if ((*self)->has_value[0])
		fputc('\n', (*self)->out);
	/* no fflush: whoever owns the stream flushes it and checks the result */
	free(*self);
	*self = NULL;
}

void jsonw_pretty(json_writer_t *self, bool on)
{
	self->pretty = on;
}

static void jsonw_indent(json_writer_t *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	fputc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("    ", self->out);
}

/* Called before every value and every member name. */
static void jsonw_sep(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (self->has_value[self->depth])
		fputc(',', self->out);
	if (self->depth)
		jsonw_indent(self);
	self->has_value[self->depth] = true;
}

static void jsonw_open(json_writer_t *self, char c)
{
	jsonw_sep(self);
	fputc(c, self->out);
	if (self->depth + 1 < JSONW_MAX_DEPTH)
		self->depth++;
	self->has_value[self->depth] = false;
}

static void jsonw_close(json_writer_t *self, char c)
{
	bool had = self->has_value[self->depth];

	if (self->depth)
		self->depth--;
	if (had)
		jsonw_indent(self);
	fputc(c, self->out);
}

void jsonw_start_object(json_writer_t *self) { jsonw_open(self, '{'); }
void jsonw_end_object(json_writer_t *self) { jsonw_close(self, '}'); }
void jsonw_start_array(json_writer_t *self) { jsonw_open(self, '['); }
void jsonw_end_array(json_writer_t *self) { jsonw_close(self, ']'); }

/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), or 0 if the
 * bytes there are not one: no overlong forms, no surrogates, <= U+10FFFF.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	/* The second byte's range rules out overlongs and surrogates. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* How many bytes from s on go out as they are: printable ASCII and UTF-8. */
static size_t json_plain_len(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			i++;
		else if (s[i] >= 0x80 && (n = utf8_seq_len(s + i, len - i)))
			i += n;
		else
			break;
	}
	return i;
}

/* A byte that json_plain_len() stops at. */
static void json_escape_byte(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':  fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\b': fputs("\\b", f); break;
	case '\f': fputs("\\f", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	/* a control character, or a byte that is not UTF-8: keep its value visible */
	default: fprintf(f, "\\u%04x", c);
	}
}

/* The plain runs of str go out whole: a call per byte was most of the cost. */
void json_escape(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		n = json_plain_len(s + i, len - i);
		fwrite(s + i, 1, n, f);
		i += n;
		if (i < len)
			json_escape_byte(f, s[i++]);
	}
	fputc('"', f);
}

void jsonw_name(json_writer_t *self, const char *name)
{
	jsonw_sep(self);
	json_escape(self->out, name, strlen(name));
	fputs(self->pretty ? ": " : ":", self->out);
	self->after_name = true;
}

void jsonw_string_len(json_writer_t *self, const char *s, size_t len)
{
	jsonw_sep(self);
	json_escape(self->out, s, len);
}

void jsonw_string(json_writer_t *self, const char *s)
{
	jsonw_string_len(self, s, strlen(s));
}

void jsonw_printf(json_writer_t *self, const char *fmt, ...)
{
	va_list ap;

	jsonw_sep(self);
	va_start(ap, fmt);
	vfprintf(self->out, fmt, ap);
	va_end(ap);
}

/*
 * The digits of v, written backwards from end; where they start.  Numbers
 * are most of a listing such as "vmalens --json diff", and printf() costs
 * several times as much for each.
 */
static char *u64_digits(char *end, uint64_t v)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

static char *u64_hex_digits(char *end, uint64_t v)
{
	do {
		*--end = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	return end;
}

void jsonw_uint(json_writer_t *self, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf), *s = u64_digits(end, v);

	jsonw_sep(self);
	fwrite(s, 1, end - s, self->out);
}

/* "0x" and the digits, quoted: JSON has no hex numbers. */
void jsonw_hex(json_writer_t *self, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf), *s;

	end[-1] = '"';
	s = u64_hex_digits(end - 1, v);
	*--s = 'x';
	*--s = '0';
	*--s = '"';
	jsonw_sep(self);
	fwrite(s, 1, end - s, self->out);
}

void jsonw_int(json_writer_t *self, int64_t v) { jsonw_printf(self, "%" PRId64, v); }
void jsonw_bool(json_writer_t *self, bool v) { jsonw_printf(self, "%s", v ? "true" : "false"); }
void jsonw_null(json_writer_t *self) { jsonw_printf(self, "null"); }

void jsonw_string_field(json_writer_t *self, const char *name, const char *s)
{
	jsonw_name(self, name);
	jsonw_string(self, s);
}

void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t v)
{
	jsonw_name(self, name);
	jsonw_uint(self, v);
}

void jsonw_int_field(json_writer_t *self, const char *name, int64_t v)
{
	jsonw_name(self, name);
	jsonw_int(self, v);
}

void jsonw_bool_field(json_writer_t *self, const char *name, bool v)
{
	jsonw_name(self, name);
	jsonw_bool(self, v);
}

void jsonw_hex_field(json_writer_t *self, const char *name, uint64_t v)
{
	jsonw_name(self, name);
	jsonw_hex(self, v);
}
