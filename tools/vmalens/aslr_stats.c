// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens aslr: estimating the entropy of sampled addresses, and finding
 * the first mmap'd object among a sample's VMAs.  No I/O: see aslr.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslr.h"

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

bool aslr_mmap_first(const struct vma_list *l, uint64_t mmap_base, bool topdown,
		     uint64_t start_code, uint64_t *first)
{
	const char *prog = NULL;
	bool found = false, in_prog;
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (l->v[i].start <= start_code && start_code < l->v[i].end)
			prog = l->v[i].name;
	for (i = 0, in_prog = false; i < l->nr; i++) {
		const struct lvma *v = &l->v[i];

		/* the program's file VMAs, and the bss right after them */
		if (prog && *prog && !strcmp(v->name, prog))
			in_prog = true;
		else if (!in_prog || *v->name || v->start != l->v[i - 1].end)
			in_prog = false;
		if (in_prog)
			continue;
		if (v->kind != VMALENS_KIND_FILE && v->kind != VMALENS_KIND_ANON)
			continue;
		if (topdown && v->end <= mmap_base && (!found || v->start > *first)) {
			*first = v->start;
			found = true;
		} else if (!topdown && v->start >= mmap_base &&
			   (!found || v->start < *first)) {
			*first = v->start;
			found = true;
		}
	}
	return found;
}
