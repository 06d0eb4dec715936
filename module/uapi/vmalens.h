/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmalens user ABI: shared by the module, the vmalens CLI and the selftests.
 * Include it by path; it depends only on linux/types.h and linux/ioctl.h.
 *
 * The ioctls live on the misc device /dev/vmalens (mode 0600). Every request
 * names its pid: the device keeps no per-open state.
 *
 * Every request struct starts with a __u64 size the caller sets to the
 * sizeof() it was compiled with. The module reads min(size, its own size)
 * bytes, zero-fills fields newer than the caller, and refuses a larger
 * struct whose unknown tail is not all zero (E2BIG). Reserved fields and
 * unknown flag bits must be zero (EINVAL). Only __u64 and paired __u32
 * fields are used, so the layout is identical for 32- and 64-bit callers.
 * Fields are marked in, out or in/out.
 *
 * Errors common to every ioctl:
 *   E2BIG   size larger than a page, or a non-zero tail the module does
 *           not know
 *   EINVAL  size smaller than the first version of the struct, unknown
 *           flags, non-zero reserved fields
 *   EFAULT  a user pointer that cannot be read or written
 *   ESRCH   no such pid in the caller's pid namespace
 *   EPERM   another process and the caller lacks CAP_SYS_PTRACE
 *   ENXIO   the process has no address space (kernel thread, zombie)
 */
#ifndef _UAPI_VMALENS_H
#define _UAPI_VMALENS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Bumped whenever a struct below gains a field or an ioctl changes meaning.
 * Readers check it in /sys/kernel/debug/vmalens/version.
 */
#define VMALENS_ABI_VERSION	1

#define VMALENS_DEVICE		"/dev/vmalens"

/* Values of vmalens_unmapped_area.mode and .mode_used */
enum vmalens_mode {
	VMALENS_MODE_AUTO	= 0,	/* the target's own layout */
	VMALENS_MODE_TOPDOWN	= 1,
	VMALENS_MODE_BOTTOMUP	= 2,
};

/**
 * struct vmalens_unmapped_area - VMALENS_IOC_UNMAPPED_AREA: where would
 *	mmap(hint, len, prot, mmap_flags, fd, pgoff) called by @pid land now?
 * @size:	in: sizeof(struct vmalens_unmapped_area)
 * @pid:	in: the process whose mmap is modelled
 * @flags:	in: none defined yet, must be 0
 * @hint:	in: mmap's addr argument
 * @len:	in: mmap's length argument (not yet page-aligned)
 * @pgoff:	in: mmap's offset, in pages
 * @prot:	in: PROT_* bits
 * @mmap_flags:	in: MAP_* bits, as passed to mmap (MAP_HUGETLB: EOPNOTSUPP)
 * @fd:		in: a file descriptor of the *caller* whose file is mapped,
 *		or -1 for an anonymous mapping
 * @mode:	in: enum vmalens_mode. AUTO runs the kernel's own placement
 *		code in the target's layout. TOPDOWN and BOTTOMUP run vmalens'
 *		copy of the arch search in that direction over the target's
 *		VMA tree, to show what the other layout would pick.
 * @addr:	out: the address mmap would return; 0 if @error is set
 * @error:	out: 0, or the negative errno mmap would fail with
 * @mode_used:	out: the enum vmalens_mode actually searched
 * @gap_start:	out: end of the VMA before @addr (0 if none)
 * @gap_end:	out: start of the VMA after @addr (task size if none)
 * @layer:	out: enum vmalens_layer, the step that decided
 * @reserved:	must be 0
 * @result_flags: out: VMALENS_UA_* bits
 * @random_start: out: with VMALENS_UA_RANDOM, the lowest address the real
 *		mmap can return
 * @random_end:	out: with VMALENS_UA_RANDOM, one past the highest address
 *		the mapping can end at
 *
 * The answer describes one instant: the target may change its address space
 * right after. Nothing is mapped and the target's mm is never written.
 */
struct vmalens_unmapped_area {
	__u64 size;
	__u32 pid;
	__u32 flags;
	__u64 hint;
	__u64 len;
	__u64 pgoff;
	__u32 prot;
	__u32 mmap_flags;
	__s32 fd;
	__u32 mode;
	__u64 addr;
	__s32 error;
	__u32 mode_used;
	__u64 gap_start;
	__u64 gap_end;
	__u32 layer;
	__u32 reserved;
	__u64 result_flags;
	__u64 random_start;
	__u64 random_end;
};

#define VMALENS_UNMAPPED_AREA_SIZE_VER0	120	/* sizeof first version */

/*
 * Values of vmalens_unmapped_area.layer, named after the kernel function
 * that made the decision (mm/mmap.c's layering).
 */
enum vmalens_layer {
	VMALENS_LAYER_DO_MMAP	= 0,	/* argument checks, MAP_FIXED */
	VMALENS_LAYER_FILE	= 1,	/* file->f_op->get_unmapped_area */
	VMALENS_LAYER_SHMEM	= 2,	/* shmem_get_unmapped_area (anon shared) */
	VMALENS_LAYER_THP	= 3,	/* thp_get_unmapped_area (anon, PMD-sized) */
	VMALENS_LAYER_ARCH	= 4,	/* arch_get_unmapped_area[_topdown] */
	VMALENS_LAYER_VMALENS	= 5,	/* vmalens' own search (forced mode) */
};

/* The real mmap picks at random (x86 MAP_32BIT under ASLR). */
#define VMALENS_UA_RANDOM	0x01ULL
/* The address was computed by vmalens' own search, not the kernel's. */
#define VMALENS_UA_EMULATED	0x02ULL
/* A kernel step vmalens cannot reproduce may move the result (shmem THP). */
#define VMALENS_UA_APPROXIMATE	0x04ULL
/* The request was modelled as a 32-bit (compat) syscall. */
#define VMALENS_UA_COMPAT	0x08ULL
/* MAP_FIXED over existing mappings: they would be unmapped. */
#define VMALENS_UA_REPLACES	0x10ULL
/* With VMALENS_UA_RANDOM: some random draws leave no room (-ENOMEM). */
#define VMALENS_UA_MAY_FAIL	0x20ULL

#define VMALENS_IOC_MAGIC	0xE5

#define VMALENS_IOC_UNMAPPED_AREA \
	_IOWR(VMALENS_IOC_MAGIC, 0x04, struct vmalens_unmapped_area)

#endif /* _UAPI_VMALENS_H */
