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
#include <sys/types.h>

#include "lens.h"

/* The regions of VMALENS_IOC_ASLR, in the order of its regions[] */
enum aslr_region {
	REG_MMAP_BASE	= VMALENS_ASLR_MMAP_BASE,
	REG_MMAP_FIRST	= VMALENS_ASLR_MMAP_FIRST,
	REG_STACK	= VMALENS_ASLR_STACK,
	REG_HEAP	= VMALENS_ASLR_HEAP,
	REG_EXEC	= VMALENS_ASLR_EXEC,
	REG_VDSO	= VMALENS_ASLR_VDSO,
	REG_MMAP_FILE	= VMALENS_ASLR_MMAP_FILE,
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
 * collision:   the birthday estimate, log2(pairs / equal pairs): the
 *              varying bits of the offsets are cut into chunks small
 *              enough that a uniform chunk gives >= 30 equal pairs among
 *              the N samples, each chunk's estimate is capped by its
 *              width (so it errs low), and the chunks are summed: it sees
 *              past log2(N) as long as the chunks are independent; where
 *              the equal whole values say the chunks are not (fewer bits
 *              than the sum, surely), it is the whole values' estimate.
 *              [collision_low, collision_high]: one-sided 99.9% Poisson
 *              bounds on each chunk's equal pairs, summed over the chunks
 *              (so 99% for up to ten chunks together).  NAN below
 *              ASLR_COLLISION_MIN samples.
 * min_entropy: NIST SP 800-90B 6.3.1, the most common value estimate:
 *              -log2 of the 99% upper bound of its share.  Never more
 *              than about log2(N) - 2: a guarantee the sample can give,
 *              not an estimate of the whole.
 * binding:     the figure the verdict uses, binding_bits: "bits" unless
 *              the samples contradict a uniform draw of that many bits:
 *              "collision" when collision_high is two bits or more
 *              below bits; "min-entropy" when, besides, the 99% lower
 *              bound of the most common value's share is above 2^-B, B
 *              being bits or collision_high (one value is too common
 *              even for the pairs), and min_entropy is lower.
 */
enum aslr_binding { BIND_BITS, BIND_MIN_ENTROPY, BIND_COLLISION };

#define ASLR_COLLISION_MIN	20

struct aslr_stats {
	size_t n, distinct;
	uint64_t min, max, align;	/* align: 0 if all samples are equal */
	uint64_t varying, unbalanced;	/* bit masks */
	int nvarying, nbalanced;
	double range_bits, shannon, bits;
	double collision, collision_low, collision_high, min_entropy;
	enum aslr_binding binding;
	double binding_bits;
};

extern const char *const aslr_binding_names[];

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

/* NOT RANDOMIZED if one value, WEAKER if binding_bits is more than a bit below expected. */
enum aslr_verdict aslr_verdict(const struct aslr_stats *s, double expected);

/*
 * aslr --exec (aslr_exec.c).  A traced PROGRAM stopped at its execve() is
 * run to its entry point (AT_ENTRY) by a breakpoint there, where possible:
 * a program of vmalens' own ELF class on x86 or arm64.
 */
double aslr_now(void);		/* seconds, CLOCK_MONOTONIC */
bool aslr_entry_stop_works(const char *prog);
/* 0; or p_err() and -1 (@pid is still to be killed), -2 (it is reaped) */
int aslr_run_to_entry(pid_t pid, const char *prog);

/* Every named mapping's lowest start, per sample, and their figures. */
struct named_set;
struct named_set *named_set_new(int nsamples);
void named_set_free(struct named_set *ns);
int named_set_add(struct named_set *ns, const struct vma_list *l);
void named_set_compute(struct named_set *ns);
void named_set_print_plain(const struct named_set *ns, const char *prog, bool at_entry);
void named_set_print_json(const struct named_set *ns);

#endif /* VMALENS_ASLR_H */
