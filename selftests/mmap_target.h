/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pipe protocol between dryrun_test and mmap_target. Fixed-width
 * fields only: the target may be a 32-bit program.
 */
#ifndef MMAP_TARGET_H
#define MMAP_TARGET_H

#include <stdint.h>

#define MMAP_TARGET_ARENA_PAGES	64

enum {
	MMAP_TARGET_MMAP = 1,
	MMAP_TARGET_EXIT = 2,
};

/* Sent once by the target when it is ready. */
struct mmap_target_hello {
	uint64_t arena;
	uint64_t arena_len;
	uint32_t word_bits;
	uint32_t pad;
};

/*
 * @fd: one the target inherited from the test (the same number in both),
 * or -1; @offset: in bytes, a multiple of the page size.
 */
struct mmap_target_req {
	uint64_t addr;
	uint64_t len;
	uint32_t prot;
	uint32_t flags;
	uint32_t op;
	int32_t fd;
	uint64_t offset;
};

struct mmap_target_reply {
	int64_t result;		/* the address, or -errno */
};

#endif
