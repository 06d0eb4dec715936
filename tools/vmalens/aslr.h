/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalens aslr: the entropy estimator and the choice of the first mmap'd
 * object, as pure functions the unit test drives with sample data.
 */
#ifndef VMALENS_ASLR_H
#define VMALENS_ASLR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lens.h"

/* The regions of VMALENS_IOC_ASLR, in the order of its regions[] */
enum aslr_region {
	REG_MMAP_BASE	= VMALENS_ASLR_MMAP_BASE,
	REG_MMAP_FIRST	= VMALENS_ASLR_MMAP_FIRST,
	REG_STACK	= VMALENS_ASLR_STACK,
	REG_HEAP	= VMALENS_ASLR_HEAP,
	REG_EXEC	= VMALENS_ASLR_EXEC,
	REG_VDSO	= VMALENS_ASLR_VDSO,
	REG_NR		= VMALENS_ASLR_NR_REGIONS
};

extern const char *const aslr_region_names[REG_NR];

/*
 * What N samples of one address show.
 *
 * range_bits:  log2((max - min) / align + 1), align being the lowest bit
 *              that varies: the entropy of a uniform draw from one
 *              contiguous range.  Unlike counting, it is not capped at
 *              log2(N), but it overstates a range with holes.
 * varying:     the bits that are not the same in every sample, counted
 *              in the addresses and in their offsets from the lowest one,
 *              whichever shows fewer: a random offset subtracted from an
 *              unaligned base borrows into the bits above it, and only
 *              the offsets are free of that; only the addresses show the
 *              holes of a range with gaps.
 * bits:        min(range_bits, number of varying bits): the estimate.
 * shannon:     plug-in entropy of the sample distribution; <= log2(N).
 * unbalanced:  varying bits set in fewer than 1/2 - 4 sigma or more than
 *              1/2 + 4 sigma of the samples (sigma = 0.5 / sqrt(N)).
 */
struct aslr_stats {
	size_t n, distinct;
	uint64_t min, max, align;	/* align: 0 if all samples are equal */
	uint64_t varying, unbalanced;	/* bit masks */
	int nvarying, nbalanced;
	double range_bits, shannon, bits;
};

/* Sorts v in place. */
void aslr_stats_compute(uint64_t *v, size_t n, struct aslr_stats *s);

/*
 * The first mmap'd object of a fresh process: the start of the highest
 * file or anonymous VMA below mmap_base (top-down), or of the lowest at or
 * above it (legacy), not counting the program's own VMAs and its bss.
 * false if there is none.
 */
bool aslr_mmap_first(const struct vma_list *l, uint64_t mmap_base, bool topdown,
		     uint64_t start_code, uint64_t *first);

enum aslr_verdict { VERDICT_OK, VERDICT_WEAKER, VERDICT_NONE, VERDICT_ABSENT };
extern const char *const aslr_verdict_names[];

/* NOT RANDOMIZED if one value, WEAKER if more than a bit below expected. */
enum aslr_verdict aslr_verdict(const struct aslr_stats *s, double expected);

#endif /* VMALENS_ASLR_H */
