// SPDX-License-Identifier: GPL-2.0
/*
 * A small JSON reader (RFC 8259): enough to load the snapshots our own
 * writer produced, strict enough to reject what is not JSON.  Strings are
 * decoded to UTF-8; \u00XX escapes of bytes that were not valid UTF-8 come
 * back as that code point, which compares equal between two snapshots.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"

#define JSONR_MAX_DEPTH	64

struct jp {
	const char *p;
	int depth;
};

static void ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static struct jval *jnew(enum jtype t)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static int put_utf8(char *out, unsigned int c)
{
	if (c < 0x80) {
		out[0] = c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = 0xc0 | c >> 6;
		out[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		out[0] = 0xe0 | c >> 12;
		out[1] = 0x80 | (c >> 6 & 0x3f);
		out[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | c >> 18;
	out[1] = 0x80 | (c >> 12 & 0x3f);
	out[2] = 0x80 | (c >> 6 & 0x3f);
	out[3] = 0x80 | (c & 0x3f);
	return 4;
}

static int hex4(const char *s, unsigned int *out)
{
	int i;

	*out = 0;
	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*out = *out << 4 | (isdigit((unsigned char)s[i]) ? s[i] - '0' :
				    (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return 0;
}

static char *jstring(struct jp *j)
{
	const char *s = ++j->p;
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned int c, lo;

	if (!out)
		return NULL;
	while (*s != '"') {
		if ((unsigned char)*s < 0x20)
			goto bad;	/* raw control characters, NUL included */
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(s, &c))
				goto bad;
			s += 4;
			if (c >= 0xd800 && c < 0xdc00 && s[0] == '\\' && s[1] == 'u' &&
			    !hex4(s + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			o += put_utf8(o, c);
			break;
		default:
			goto bad;
		}
	}
	*o = '\0';
	j->p = s + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static struct jval *jvalue(struct jp *j);

static struct jval *jcontainer(struct jp *j, bool object)
{
	struct jval *v = jnew(object ? J_OBJECT : J_ARRAY), *e;
	char close = object ? '}' : ']';
	void *tmp;

	if (!v || ++j->depth > JSONR_MAX_DEPTH)
		goto bad;
	j->p++;
	ws(j);
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;

		ws(j);
		if (object) {
			if (*j->p != '"' || !(key = jstring(j)))
				goto bad;
			ws(j);
			if (*j->p++ != ':') {
				free(key);
				goto bad;
			}
		}
		e = jvalue(j);
		if (!e) {
			free(key);
			goto bad;
		}
		tmp = realloc(v->items, (v->nr + 1) * sizeof(*v->items));
		if (tmp)
			v->items = tmp;
		if (tmp && object) {
			tmp = realloc(v->keys, (v->nr + 1) * sizeof(*v->keys));
			if (tmp) {
				v->keys = tmp;
				v->keys[v->nr] = key;
			}
		}
		if (!tmp) {
			jfree(e);
			free(key);
			goto bad;
		}
		v->items[v->nr++] = e;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			goto bad;
		j->depth--;
		return v;
	}
bad:
	jfree(v);
	return NULL;
}

static struct jval *jnumber(struct jp *j)
{
	const char *s = j->p;
	struct jval *v;
	char *end;

	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return NULL;
	v = jnew(J_NUMBER);
	if (!v)
		return NULL;
	v->num = strtod(j->p, &end);
	v->u = strtoull(j->p, NULL, 10);
	j->p = end;
	return v;
}

static struct jval *jvalue(struct jp *j)
{
	struct jval *v;

	ws(j);
	switch (*j->p) {
	case '{':
		return jcontainer(j, true);
	case '[':
		return jcontainer(j, false);
	case '"':
		v = jnew(J_STRING);
		if (v && !(v->str = jstring(j))) {
			free(v);
			v = NULL;
		}
		return v;
	case 't':
		if (strncmp(j->p, "true", 4))
			return NULL;
		j->p += 4;
		v = jnew(J_BOOL);
		if (v)
			v->b = true;
		return v;
	case 'f':
		if (strncmp(j->p, "false", 5))
			return NULL;
		j->p += 5;
		return jnew(J_BOOL);
	case 'n':
		if (strncmp(j->p, "null", 4))
			return NULL;
		j->p += 4;
		return jnew(J_NULL);
	default:
		return jnumber(j);
	}
}

struct jval *jparse(const char *text)
{
	struct jp j = { text, 0 };
	struct jval *v = jvalue(&j);

	if (!v)
		return NULL;
	ws(&j);
	if (*j.p) {
		jfree(v);
		return NULL;
	}
	return v;
}

void jfree(struct jval *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nr; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct jval *jget(const struct jval *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != J_OBJECT)
		return NULL;
	for (i = 0; i < obj->nr; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const char *jget_str(const struct jval *obj, const char *key)
{
	const struct jval *v = jget(obj, key);

	return v && v->type == J_STRING ? v->str : NULL;
}
