/* SPDX-License-Identifier: GPL-2.0 */
/* A small JSON reader for "vmalens diff": a tree of values. */
#ifndef VMALENS_JSON_READER_H
#define VMALENS_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jval {
	enum jtype type;
	bool b;
	double num;
	uint64_t u;		/* the number read as an unsigned integer */
	char *str;
	size_t nr;		/* array or object members */
	struct jval **items;
	char **keys;		/* objects only */
};

/* The whole text must be one JSON value; NULL if it is not. */
struct jval *jparse(const char *text);
void jfree(struct jval *v);
const struct jval *jget(const struct jval *obj, const char *key);
const char *jget_str(const struct jval *obj, const char *key);

#endif /* VMALENS_JSON_READER_H */
