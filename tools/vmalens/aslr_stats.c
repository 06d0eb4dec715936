// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens aslr: estimating the entropy of sampled addresses, and reading
 * the module's theoretical figures.  No I/O: see aslr.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslr.h"
#include "parse.h"

const char *const aslr_region_names[REG_NR] = {
	"mmap_base", "mmap_first", "stack", "heap", "exec", "vdso",
};

const char *const aslr_verdict_names[] = {
	"OK", "WEAKER THAN CONFIGURED", "NOT RANDOMIZED", "ABSENT",
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Which bits vary across v[i] - base, and how many of them are balanced. */
static void bit_analysis(const uint64_t *v, size_t n, uint64_t base,
			 struct aslr_stats *s)
{
	uint64_t all_or = 0, all_and = ~0ULL, d;
	double sigma = 0.5 / sqrt((double)n), p;
	size_t i, ones;
	int b;

	for (i = 0; i < n; i++) {
		d = v[i] - base;
		all_or |= d;
		all_and &= d;
	}
	s->varying = all_or & ~all_and;
	s->unbalanced = 0;
	s->nvarying = s->nbalanced = 0;
	for (b = 0; b < 64; b++) {
		if (!(s->varying >> b & 1))
			continue;
		s->nvarying++;
		for (i = 0, ones = 0; i < n; i++)
			ones += (v[i] - base) >> b & 1;
		p = (double)ones / n;
		if (fabs(p - 0.5) > 4 * sigma)
			s->unbalanced |= 1ULL << b;
		else
			s->nbalanced++;
	}
}

void aslr_stats_compute(uint64_t *v, size_t n, struct aslr_stats *s)
{
	struct aslr_stats off;
	size_t i, run;
	double p;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	s->min = v[0];
	s->max = v[n - 1];
	for (i = 0, run = 1; i < n; i++, run++) {
		if (i + 1 < n && v[i + 1] == v[i])
			continue;
		/* the end of a run of equal values */
		s->distinct++;
		p = (double)run / n;
		s->shannon -= p * log2(p);
		run = 0;
	}
	/*
	 * The address bits themselves, and the offsets from the lowest
	 * address: a random offset subtracted from an unaligned base borrows
	 * into the bits above it (flipping one or more of them), which the
	 * offsets do not show; a range with holes shows fewer varying bits
	 * in the addresses.  Keep whichever view shows fewer.
	 */
	bit_analysis(v, n, 0, s);
	if (!s->varying)
		return;
	s->align = s->varying & -s->varying;
	s->range_bits = log2((double)((s->max - s->min) / s->align) + 1);
	bit_analysis(v, n, s->min, &off);
	if (off.nvarying < s->nvarying) {
		s->varying = off.varying;
		s->unbalanced = off.unbalanced;
		s->nvarying = off.nvarying;
		s->nbalanced = off.nbalanced;
	}
	s->bits = s->range_bits < s->nvarying ? s->range_bits : s->nvarying;
}

enum aslr_verdict aslr_verdict(const struct aslr_stats *s, double expected)
{
	if (!s->n)
		return VERDICT_ABSENT;
	if (s->distinct <= 1)
		return VERDICT_NONE;
	if (s->bits < expected - 1)
		return VERDICT_WEAKER;
	return VERDICT_OK;
}

static int region_index(const char *name)
{
	int i;

	for (i = 0; i < REG_NR; i++)
		if (!strcmp(name, aslr_region_names[i]))
			return i;
	return -1;
}

/* A key of the global part: its address in t, or NULL. */
static long *global_key(struct aslr_theory *t, const char *key)
{
	static const struct { const char *key; size_t off; } keys[] = {
#define K(k, m) { k, offsetof(struct aslr_theory, m) }
		K("page_size", page_size), K("randomize_va_space", rvs),
		K("mmap_rnd_bits", rnd_bits),
		K("mmap_rnd_bits_min", rnd_bits_min),
		K("mmap_rnd_bits_max", rnd_bits_max),
		K("mmap_rnd_compat_bits", rnd_compat_bits),
		K("mmap_rnd_compat_bits_min", rnd_compat_bits_min),
		K("mmap_rnd_compat_bits_max", rnd_compat_bits_max),
		K("thp_align_shift", thp_align_shift),
#undef K
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			return (long *)((char *)t + keys[i].off);
	return NULL;
}

static void region_key(struct aslr_theory_region *r, const char *key,
		       const char *value)
{
	int v = atoi(value);

	if (!strcmp(key, "bits"))
		r->bits = v;
	else if (!strcmp(key, "shift"))
		r->shift = v;
	else if (!strcmp(key, "compat_bits"))
		r->compat_bits = v;
	else if (!strcmp(key, "compat_shift"))
		r->compat_shift = v;
	else if (!strcmp(key, "randomize_va_space_min"))
		r->min_rvs = v;
	else if (!strcmp(key, "source"))
		snprintf(r->source, sizeof(r->source), "%s", value);
	/* unknown keys: a newer module; ignore them */
}

int aslr_parse_theory(char *text, struct aslr_theory *t)
{
	struct aslr_theory_region *cur = NULL;
	struct layout_field f;
	char *cursor = text, *line;
	long *g;
	int i;

	memset(t, 0, sizeof(*t));
	t->rnd_compat_bits = -1;
	while ((line = next_line(&cursor))) {
		if (parse_layout_line(line, &f))
			return -1;
		if (!strcmp(f.key, "region")) {
			i = region_index(f.value);
			cur = i < 0 ? NULL : &t->r[i];	/* unknown: skip it */
			if (i >= 0)
				t->have[i] = true;
			continue;
		}
		if (cur) {
			region_key(cur, f.key, f.value);
			continue;
		}
		g = global_key(t, f.key);
		if (g)
			*g = strtol(f.value, NULL, 0);
	}
	for (i = 0; i < REG_NR; i++)
		if (!t->have[i])
			return -1;
	return t->page_size > 0 ? 0 : -1;
}
