/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host unit tests (test_*.c, one program each) share: a check
 * that counts, and reports a failure with its place and condition.
 */
#ifndef VMALENS_UNIT_TEST_H
#define VMALENS_UNIT_TEST_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#endif /* VMALENS_UNIT_TEST_H */
