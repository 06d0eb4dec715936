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
	"mmap_base", "mmap_first", "stack", "heap", "exec", "vdso", "mmap_file",
};

const char *const aslr_verdict_names[] = {
	"OK", "WEAKER THAN CONFIGURED", "NOT RANDOMIZED", "ABSENT",
};

const char *const aslr_binding_names[] = { "bits", "min-entropy", "collision" };

#define Z999_ONE_SIDED	3.090
#define Z99_TWO_SIDED	2.576
#define CHUNK_PAIRS	30	/* equal pairs a uniform chunk must give */

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

/* One-sided 99.9% bounds on a Poisson mean seen as count c (Wilson-Hilferty). */
static double poisson_upper(double c)
{
	double a = c + 1;

	return a * pow(1 - 1 / (9 * a) + Z999_ONE_SIDED / (3 * sqrt(a)), 3);
}

static double poisson_lower(double c)
{
	double b;

	if (c <= 0)
		return 0;
	b = 1 - 1 / (9 * c) - Z999_ONE_SIDED / (3 * sqrt(c));
	return b > 0 ? c * b * b * b : 0;
}

/* Pairs of equal values in sorted v. */
static double equal_pairs(const uint64_t *v, size_t n)
{
	double pairs = 0;
	size_t i, run;

	for (i = 0, run = 1; i < n; i++, run++) {
		if (i + 1 < n && v[i + 1] == v[i])
			continue;
		pairs += (double)run * (run - 1) / 2;
		run = 0;
	}
	return pairs;
}

/* The bits of x at pos[0..k), packed together. */
static uint64_t gather_bits(uint64_t x, const int *pos, int k)
{
	uint64_t key = 0;
	int i;

	for (i = 0; i < k; i++)
		key |= (x >> pos[i] & 1) << i;
	return key;
}

/* Estimate, low, high of one chunk of width bits with c equal pairs. */
static void chunk_bits(double pairs, double c, int width, double out[3])
{
	double lo = poisson_lower(c);
	int i;

	out[0] = c > 0 ? log2(pairs / c) : width;
	out[1] = log2(pairs / poisson_upper(c));
	out[2] = lo > 0 ? log2(pairs / lo) : width;
	for (i = 0; i < 3; i++)
		if (out[i] > width)
			out[i] = width;
}

/* The birthday estimate, see struct aslr_stats; v sorted, s->min set. */
static void collision_estimate(const uint64_t *v, size_t n, struct aslr_stats *s,
			       uint64_t *keys)
{
	double pairs = (double)n * (n - 1) / 2, c, est[3];
	uint64_t mask = 0;
	int pos[64], k = 0, chunks, cmax, j, from, to;
	size_t i;

	s->collision = s->collision_low = s->collision_high = 0;
	for (i = 0; i < n; i++)
		mask |= v[i] - s->min;
	for (j = 0; j < 64; j++)
		if (mask >> j & 1)
			pos[k++] = j;
	cmax = (int)floor(log2(pairs / CHUNK_PAIRS));
	if (cmax < 1)
		cmax = 1;
	chunks = (k + cmax - 1) / cmax;
	for (j = 0; j < chunks; j++) {
		from = j * k / chunks;
		to = (j + 1) * k / chunks;
		for (i = 0; i < n; i++)
			keys[i] = gather_bits(v[i] - s->min, pos + from, to - from);
		qsort(keys, n, sizeof(*keys), cmp_u64);
		chunk_bits(pairs, equal_pairs(keys, n), to - from, est);
		s->collision += est[0];
		s->collision_low += est[1];
		s->collision_high += est[2];
	}
	/* equal whole values: are the chunks dependent? */
	c = equal_pairs(v, n);
	chunk_bits(pairs, c, 64, est);
	if (c > 0 && est[2] < s->collision) {
		s->collision = est[0];
		s->collision_low = est[1];
		s->collision_high = est[2];
	}
}

/* NIST SP 800-90B 6.3.1; true if the top value is surely above 2^-bits. */
static bool mcv_estimate(const uint64_t *v, size_t n, double bits, struct aslr_stats *s)
{
	size_t i, run, top = 0;
	double p, sd;

	for (i = 0, run = 1; i < n; i++, run++) {
		if (i + 1 < n && v[i + 1] == v[i])
			continue;
		if (run > top)
			top = run;
		run = 0;
	}
	p = (double)top / n;
	sd = n > 1 ? sqrt(p * (1 - p) / (n - 1)) : 1;
	s->min_entropy = -log2(fmin(1, p + Z99_TWO_SIDED * sd));
	return p - Z99_TWO_SIDED * sd > exp2(-bits);
}

/* Which figure the verdict goes by, see struct aslr_stats. */
static void choose_binding(const uint64_t *v, size_t n, struct aslr_stats *s)
{
	double allowed = s->bits;

	s->binding = BIND_BITS;
	s->binding_bits = s->bits;
	if (!isnan(s->collision) && s->collision_high <= s->bits - 2) {
		s->binding = BIND_COLLISION;
		s->binding_bits = s->collision;
		allowed = s->collision_high;
	}
	/* a top value too common even for what the pairs allow */
	if (mcv_estimate(v, n, allowed, s) && s->min_entropy < s->binding_bits) {
		s->binding = BIND_MIN_ENTROPY;
		s->binding_bits = s->min_entropy;
	}
}

void aslr_stats_compute(uint64_t *v, size_t n, struct aslr_stats *s)
{
	struct aslr_stats off;
	size_t i, run;
	double p;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->collision = s->collision_low = s->collision_high = NAN;
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
	if (!s->varying) {
		choose_binding(v, n, s);
		return;
	}
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
	if (n >= ASLR_COLLISION_MIN) {
		uint64_t *keys = malloc(n * sizeof(*keys));

		if (keys)
			collision_estimate(v, n, s, keys);
		free(keys);
	}
	choose_binding(v, n, s);
}

enum aslr_verdict aslr_verdict(const struct aslr_stats *s, double expected)
{
	if (!s->n)
		return VERDICT_ABSENT;
	if (s->distinct <= 1)
		return VERDICT_NONE;
	if (s->binding_bits < expected - 1)
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
