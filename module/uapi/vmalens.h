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
 *   EPERM   another process, and the caller or the opener of the file
 *           lacks CAP_SYS_PTRACE (see "Who may look at what" in README.md)
 *   ENXIO   the process has no address space (kernel thread, zombie)
 *   EINTR   a fatal signal arrived while waiting for the process's locks
 *   EAGAIN  the process is in the middle of exec and its new address
 *           space has no layout yet; ask again
 *   ENOMEM  the module could not allocate what the request needs
 *   ENOTTY  not an ioctl of this device
 */
#ifndef _UAPI_VMALENS_H
#define _UAPI_VMALENS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Bumped whenever a struct below gains a field or an ioctl changes meaning.
 * Readers check it with VMALENS_IOC_VERSION, or in
 * /sys/class/misc/vmalens/abi_version (no debugfs needed).
 */
#define VMALENS_ABI_VERSION	6

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
 * @prot:	in: PROT_* bits; those mmap ignores are ignored
 * @mmap_flags:	in: MAP_* bits, as passed to mmap (MAP_HUGETLB: EOPNOTSUPP);
 *		those mmap ignores are ignored
 * @fd:		in: a file descriptor of the *caller* whose file is mapped;
 *		ignored with MAP_ANONYMOUS, as mmap ignores it
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
 *
 * Errors of the ioctl itself, beside the common ones: EOPNOTSUPP for
 * MAP_HUGETLB and MAP_SYNC (not modelled); EBADF when @fd is
 * not an open file of the caller's for a file mapping; EINVAL for an
 * unknown @mode. Why mmap itself would fail comes back in @error, with
 * the ioctl returning 0: a MAP_* type it does not know (EINVAL), for
 * instance.
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
	VMALENS_LAYER_LIMITS	= 6,	/* mmap_region: RLIMIT_AS, RLIMIT_DATA */
	VMALENS_LAYER_COMMIT	= 7,	/* the commit charge: vm.overcommit_memory */
	VMALENS_LAYER_SEAL	= 8,	/* memfd write seals, mseal(2)'d VMAs */
	VMALENS_LAYER_MDWE	= 9,	/* prctl(PR_SET_MDWE): no W+X mapping */
	VMALENS_LAYER_ARCH_FLAGS = 10,	/* arch_validate_flags: arm64 PROT_MTE */
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
/*
 * With VMALENS_UA_RANDOM: some random draws leave no room (-ENOMEM).  On an
 * answer with an error, the real mmap fails with -ENOMEM on those draws,
 * before the step that gives the error.
 */
#define VMALENS_UA_MAY_FAIL	0x20ULL
/*
 * The answer rests on the memory committed system-wide (vm.overcommit_memory
 * 2): any process's allocation or exit may change it before the real mmap.
 */
#define VMALENS_UA_GLOBAL_COMMIT	0x40ULL
/*
 * Steps vmalens does not evaluate that could still refuse the mapping:
 * the LSMs' security_mmap_file() and security_mmap_addr() hooks (beyond
 * the capability rule for low addresses), on every kernel with LSMs...
 */
#define VMALENS_UA_UNMODELLED_LSM	0x80ULL
/*
 * ...and, for a file mapping that passes every modelled check, its ->mmap
 * (not for /dev/zero, whose ->mmap vmalens models).
 */
#define VMALENS_UA_UNMODELLED_FILE_MMAP	0x100ULL

#define VMALENS_IOC_MAGIC	0xE5

/* --- VMALENS_IOC_LAYOUT ------------------------------------------------- */

/**
 * struct vmalens_mm_layout - VMALENS_IOC_LAYOUT: how @pid's address space
 *	is laid out (the binary twin of the debugfs "layout" file)
 * @size:	in: sizeof(struct vmalens_mm_layout)
 * @pid:	in: the process (0: the caller)
 * @flags:	in: none defined yet, must be 0
 * @layout:	out: VMALENS_MODE_TOPDOWN or VMALENS_MODE_BOTTOMUP (legacy),
 *		as arch_pick_mmap_layout() chose at exec
 * @compat:	out: 1 for a 32-bit task
 * @mmap_base:	out: mm->mmap_base
 * @mmap_legacy_base: out: mm->mmap_legacy_base (0 where the arch keeps none)
 * @mmap_compat_base: out: x86 mm->mmap_compat_base (32-bit syscalls), or 0
 * @mmap_compat_legacy_base: out: x86 mm->mmap_compat_legacy_base, or 0
 * @task_size:	out: mm->task_size
 * @start_code:	out: and the fields below: the mm_struct fields of that name
 * @end_code:	out
 * @start_data:	out
 * @end_data:	out
 * @start_brk:	out
 * @brk:	out
 * @start_stack: out
 * @arg_start:	out
 * @arg_end:	out
 * @env_start:	out
 * @env_end:	out
 * @vdso:	out: the vDSO base, 0 if none
 * @map_count:	out: number of VMAs
 * @total_vm:	out: mapped pages
 * @page_size:	out: bytes per page
 * @stack_guard_gap: out: bytes kept free below a VM_GROWSDOWN VMA
 * @mmap_min_addr: out: the lowest address mmap may use
 * @mmap_rnd_bits: out: vm.mmap_rnd_bits, -1 if unreadable
 * @mmap_rnd_compat_bits: out: vm.mmap_rnd_compat_bits, -1 if none
 * @comm:	out: the task's name, NUL-terminated
 */
struct vmalens_mm_layout {
	__u64 size;
	__u32 pid;
	__u32 flags;
	__u32 layout;
	__u32 compat;
	__u64 mmap_base;
	__u64 mmap_legacy_base;
	__u64 mmap_compat_base;
	__u64 mmap_compat_legacy_base;
	__u64 task_size;
	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
	__u64 vdso;
	__u64 map_count;
	__u64 total_vm;
	__u64 page_size;
	__u64 stack_guard_gap;
	__u64 mmap_min_addr;
	__s32 mmap_rnd_bits;
	__s32 mmap_rnd_compat_bits;
	char comm[16];
};

#define VMALENS_MM_LAYOUT_SIZE_VER0	224	/* sizeof first version */

/* --- VMA records: VMALENS_IOC_VMAS and VMALENS_IOC_QUERY ----------------- */

/* Values of vmalens_vma.kind */
enum vmalens_vma_kind {
	VMALENS_KIND_ANON	= 0,
	VMALENS_KIND_FILE	= 1,
	VMALENS_KIND_HEAP	= 2,
	VMALENS_KIND_STACK	= 3,
	VMALENS_KIND_VDSO	= 4,
	VMALENS_KIND_VVAR	= 5,
	VMALENS_KIND_SPECIAL	= 6,	/* other named special mappings */
};

/* Bits of vmalens_vma.prot, as the rwxp/s columns of /proc/PID/maps */
#define VMALENS_VMA_READ	0x01
#define VMALENS_VMA_WRITE	0x02
#define VMALENS_VMA_EXEC	0x04
#define VMALENS_VMA_SHARED	0x08

/**
 * struct vmalens_vma - one VMA
 * @start:	first address
 * @end:	one past the last address
 * @offset:	file offset in bytes (0 for anonymous memory)
 * @vm_flags:	the raw vm_flags
 * @inode:	inode number of the backing file, or 0
 * @dev_major:	device of the backing file, or 0
 * @dev_minor:	device of the backing file, or 0
 * @kind:	enum vmalens_vma_kind
 * @prot:	VMALENS_VMA_* bits
 * @name_off:	where the name starts in the names buffer
 * @name_len:	its length without the terminating NUL; 0: no name
 * @flags:	VMALENS_VMA_F_* bits (since ABI 3; a 64-byte record lacks it)
 * @pkey:	the memory protection key (pkey_mprotect(2)), as smaps prints
 *		it in "ProtectionKey:"; -1 where smaps prints no such line:
 *		the kernel or the CPU has no protection keys (since ABI 4; a
 *		72-byte record lacks it, and a module of ABI 3 leaves it 0)
 * @reserved:	0
 *
 * The name is exactly what /proc/PID/maps prints in its last column
 * ("/usr/lib/x.so (deleted)", "[heap]", "[anon:name]"), unescaped.
 * @vm_flags is the kernel's own word, for debugging: its bits move between
 * versions and architectures; @flags does not.
 */
struct vmalens_vma {
	__u64 start;
	__u64 end;
	__u64 offset;
	__u64 vm_flags;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 kind;
	__u32 prot;
	__u32 name_off;
	__u32 name_len;
	__u64 flags;
	__s32 pkey;
	__u32 reserved;
};

#define VMALENS_VMA_SIZE_VER0	64

/*
 * Bits of vmalens_vma.flags: what the kernel records about a VMA, numbered
 * by vmalens.  Each bit stands for the vm_flags bit that
 * /proc/PID/smaps prints as the mnemonic in the comment ("VmFlags:");
 * a bit the running kernel does not have is never set.
 */
#define VMALENS_VMA_F_READ		0x1ULL	/* rd */
#define VMALENS_VMA_F_WRITE		0x2ULL	/* wr */
#define VMALENS_VMA_F_EXEC		0x4ULL	/* ex */
#define VMALENS_VMA_F_SHARED		0x8ULL	/* sh */
#define VMALENS_VMA_F_MAYREAD		0x10ULL	/* mr */
#define VMALENS_VMA_F_MAYWRITE		0x20ULL	/* mw */
#define VMALENS_VMA_F_MAYEXEC		0x40ULL	/* me */
#define VMALENS_VMA_F_MAYSHARE		0x80ULL	/* ms */
#define VMALENS_VMA_F_GROWSDOWN		0x100ULL	/* gd */
#define VMALENS_VMA_F_PFNMAP		0x200ULL	/* pf */
#define VMALENS_VMA_F_LOCKED		0x400ULL	/* lo */
#define VMALENS_VMA_F_IO		0x800ULL	/* io */
#define VMALENS_VMA_F_SEQ_READ		0x1000ULL	/* sr */
#define VMALENS_VMA_F_RAND_READ		0x2000ULL	/* rr */
#define VMALENS_VMA_F_DONTCOPY		0x4000ULL	/* dc */
#define VMALENS_VMA_F_DONTEXPAND	0x8000ULL	/* de */
#define VMALENS_VMA_F_LOCKONFAULT	0x10000ULL	/* lf */
#define VMALENS_VMA_F_ACCOUNT		0x20000ULL	/* ac */
#define VMALENS_VMA_F_NORESERVE		0x40000ULL	/* nr */
#define VMALENS_VMA_F_HUGETLB		0x80000ULL	/* ht */
#define VMALENS_VMA_F_SYNC		0x100000ULL	/* sf */
#define VMALENS_VMA_F_ARCH_1		0x200000ULL	/* ar: x86 PAT */
#define VMALENS_VMA_F_WIPEONFORK	0x400000ULL	/* wf */
#define VMALENS_VMA_F_DONTDUMP		0x800000ULL	/* dd */
#define VMALENS_VMA_F_SOFTDIRTY		0x1000000ULL	/* sd */
#define VMALENS_VMA_F_MIXEDMAP		0x2000000ULL	/* mm */
#define VMALENS_VMA_F_HUGEPAGE		0x4000000ULL	/* hg */
#define VMALENS_VMA_F_NOHUGEPAGE	0x8000000ULL	/* nh */
#define VMALENS_VMA_F_MERGEABLE		0x10000000ULL	/* mg: KSM */
#define VMALENS_VMA_F_UFFD_MISSING	0x20000000ULL	/* um */
#define VMALENS_VMA_F_UFFD_WP		0x40000000ULL	/* uw */
#define VMALENS_VMA_F_UFFD_MINOR	0x80000000ULL	/* ui */
#define VMALENS_VMA_F_SHADOW_STACK	0x100000000ULL	/* ss */
#define VMALENS_VMA_F_DROPPABLE		0x200000000ULL	/* dp */
#define VMALENS_VMA_F_SEALED		0x400000000ULL	/* sl: mseal(2) */
#define VMALENS_VMA_F_BTI		0x800000000ULL	/* bt: arm64 */
#define VMALENS_VMA_F_MTE		0x1000000000ULL	/* mt: arm64 */
#define VMALENS_VMA_F_DENYWRITE		0x2000000000ULL	/* dw: before 5.15 */
#define VMALENS_VMA_F_MAYBE_GUARD	0x4000000000ULL	/* gu: guard regions, 7.x */

/**
 * struct vmalens_vmas - VMALENS_IOC_VMAS: bulk export of @pid's VMAs
 * @size:	in: sizeof(struct vmalens_vmas)
 * @pid:	in: the process (0: the caller)
 * @flags:	in: none defined yet, must be 0
 * @start:	in: report VMAs that end above this address
 * @vmas_addr:	in: user pointer to an array of records
 * @vma_size:	in: size of one record as the caller knows it (at least
 *		VMALENS_VMA_SIZE_VER0); the module writes min(its, yours)
 *		bytes per record and zeroes the rest
 * @vma_count:	in: capacity of the array; out: records filled
 * @names_addr:	in: user pointer to a buffer for the names (may be 0 with
 *		@names_size 0: names are then not reported)
 * @names_size:	in: its size (only the first 4 GiB are used: name_off is
 *		32 bits); out: bytes used, NULs included
 * @next:	out: the address to pass as @start to continue; 0 when the
 *		last VMA has been reported
 *
 * The lock on the target's address space is taken and dropped per batch
 * of at most 64 VMAs, and given up sooner when the target (or anyone)
 * waits to write, so a large process is read as /proc/PID/maps is: each
 * batch is consistent, the whole may see concurrent changes. Where the
 * kernel allows it (VMALENS_FEATURE_PER_VMA_LOCK) that lock is not taken:
 * each VMA is read under its own lock, and each record is consistent. The
 * records stay sorted and never overlap: a VMA mapped, moved or grown
 * across the point where the walk took the lock again is left out (it was
 * not there when the records before that point were taken).
 * Returns 0 even when the buffers filled before the VMAs ran out (resume
 * at @next); -ENOSPC if not even one VMA's name fits in the names buffer.
 */
struct vmalens_vmas {
	__u64 size;
	__u32 pid;
	__u32 flags;
	__u64 start;
	__u64 vmas_addr;
	__u32 vma_size;
	__u32 vma_count;
	__u64 names_addr;
	__u64 names_size;
	__u64 next;
};

#define VMALENS_VMAS_SIZE_VER0	64

/* vmalens_query.flags: if no VMA covers @addr, report the next one above */
#define VMALENS_QUERY_COVERING_OR_NEXT	0x01

/**
 * struct vmalens_query - VMALENS_IOC_QUERY: the VMA covering an address
 * @size:	in: sizeof(struct vmalens_query)
 * @pid:	in: the process (0: the caller)
 * @flags:	in: VMALENS_QUERY_* bits
 * @addr:	in: the address asked about
 * @name_addr:	in: user buffer for the name, or 0
 * @name_size:	in: its size; out: the name's length with its NUL (0: none)
 * @reserved:	must be 0
 * @gap_start:	out: end of the VMA before the reported one (0 if none)
 * @vma:	out: the VMA (its name_off is 0)
 *
 * Errors: ENOENT if no VMA covers @addr (or lies above it, with
 * VMALENS_QUERY_COVERING_OR_NEXT); ENAMETOOLONG if the name does not fit.
 */
struct vmalens_query {
	__u64 size;
	__u32 pid;
	__u32 flags;
	__u64 addr;
	__u64 name_addr;
	__u32 name_size;
	__u32 reserved;
	__u64 gap_start;
	struct vmalens_vma vma;
};

#define VMALENS_QUERY_SIZE_VER0		112

/* --- VMALENS_IOC_VERSION -------------------------------------------------- */

/**
 * struct vmalens_version - VMALENS_IOC_VERSION: which module answers
 * @size:	in: sizeof(struct vmalens_version)
 * @flags:	in: none defined yet, must be 0
 * @abi_version: out: the module's VMALENS_ABI_VERSION
 * @page_size:	out: bytes per page of the running kernel
 * @version:	out: the module's version string, NUL-terminated
 * @features:	out: VMALENS_FEATURE_* of this module on this kernel
 *		(ABI 5; a caller that passes the first size does not get it)
 *
 * Needs no pid and no debugfs; the same facts are in
 * /sys/module/vmalens/version and /sys/class/misc/vmalens/abi_version.
 */
struct vmalens_version {
	__u64 size;
	__u32 flags;
	__u32 abi_version;
	__u64 page_size;
	char version[32];
	__u64 features;
};

#define VMALENS_VERSION_SIZE_VER0	56	/* sizeof first version */
#define VMALENS_VERSION_SIZE_VER1	64	/* adds features */

/*
 * vmalens_version.features: VMALENS_IOC_VMAS reads each VMA under that
 * VMA's own lock and never takes the mmap lock, so the target's mmap
 * does not wait for it (kernels with CONFIG_PER_VMA_LOCK: 6.4 and later)
 */
#define VMALENS_FEATURE_PER_VMA_LOCK	0x01ULL

/* --- VMALENS_IOC_ASLR ----------------------------------------------------- */

/* Indexes of vmalens_aslr.regions */
enum vmalens_aslr_region {
	VMALENS_ASLR_MMAP_BASE	= 0,	/* mm->mmap_base */
	VMALENS_ASLR_MMAP_FIRST	= 1,	/* the first mmap without a hint */
	VMALENS_ASLR_STACK	= 2,	/* the initial stack pointer */
	VMALENS_ASLR_HEAP	= 3,	/* start_brk */
	VMALENS_ASLR_EXEC	= 4,	/* the load address of a PIE */
	VMALENS_ASLR_VDSO	= 5,	/* the vDSO */
	VMALENS_ASLR_MMAP_FILE	= 6,	/* a hintless private mmap of one PMD
					 * of a file (ABI 6)
					 */
	VMALENS_ASLR_NR_REGIONS	= 7,
};

/* vmalens_aslr.flags: regions[VMALENS_ASLR_MMAP_FILE] is about @file_fd */
#define VMALENS_ASLR_FILE	0x01U

/**
 * struct vmalens_aslr_bits - the randomization the kernel promises one region
 * @bits:	random bits of a 64-bit process at the current settings (0
 *		when kernel.randomize_va_space is below @min_rvs)
 * @shift:	the lowest address bit they change
 * @compat_bits: the same for a 32-bit process, -1 without compat support
 * @compat_shift: the same for a 32-bit process, -1 without compat support
 * @min_rvs:	the kernel.randomize_va_space value that turns them on
 * @reserved:	0
 * @source:	the kernel function or constant the bits come from,
 *		NUL-terminated ("arch_mmap_rnd", "arch_randomize_brk", ...)
 */
struct vmalens_aslr_bits {
	__s32 bits;
	__s32 shift;
	__s32 compat_bits;
	__s32 compat_shift;
	__s32 min_rvs;
	__u32 reserved;
	char source[40];
};

/**
 * struct vmalens_aslr - VMALENS_IOC_ASLR: the kernel's ASLR constants and
 *	settings, and the bits each region gets from them (the binary twin
 *	of the debugfs "aslr" file)
 * @size:	in: sizeof(struct vmalens_aslr)
 * @flags:	in: 0 or VMALENS_ASLR_FILE; others are refused (EINVAL)
 * @nr_regions:	out: how many entries of @regions are filled
 * @page_size:	out: bytes per page
 * @randomize_va_space: out: kernel.randomize_va_space
 * @mmap_rnd_bits: out: vm.mmap_rnd_bits, -1 where the arch has none
 * @mmap_rnd_bits_min: out: its lowest allowed value (CONFIG_ARCH_MMAP_RND_BITS_MIN)
 * @mmap_rnd_bits_max: out: its highest allowed value
 * @mmap_rnd_compat_bits: out: vm.mmap_rnd_compat_bits, -1 without compat
 * @mmap_rnd_compat_bits_min: out: its lowest allowed value
 * @mmap_rnd_compat_bits_max: out: its highest allowed value
 * @thp_align_shift: out: log2 of the alignment given to hintless anonymous
 *		mmaps of a PMD multiple (0: none)
 * @stack_rnd_mask: out: STACK_RND_MASK of a 64-bit process, in pages
 * @stack_rnd_compat_mask: out: STACK_RND_MASK of a 32-bit process, in pages
 * @stack_subpage_range: out: bytes arch_align_stack() may subtract
 * @brk_range:	out: arch_randomize_brk()'s range for a 64-bit process
 * @brk_compat_range: out: the same for a 32-bit process
 * @regions:	out: indexed by enum vmalens_aslr_region
 * @file_fd:	in: with VMALENS_ASLR_FILE, a file descriptor of the caller
 *		(EBADF if it is not open; EINVAL if @size is below
 *		VMALENS_ASLR_SIZE_VER1)
 * @reserved:	in: 0
 *
 * Settings are read from the kernel itself, never through the caller's
 * view of /proc.
 *
 * regions[VMALENS_ASLR_MMAP_FILE] is a private mapping, without a hint,
 * of one PMD of a file: what a dynamic loader does with a library that
 * large.  Where the file's get_unmapped_area aligns it to a PMD (ext4,
 * xfs and btrfs use thp_get_unmapped_area, which does so for every file
 * since 5.18), the address keeps only the random bits above the PMD
 * size, and @shift says so.  Without VMALENS_ASLR_FILE the region is
 * about a file of such a file system.
 */
struct vmalens_aslr {
	__u64 size;
	__u32 flags;
	__u32 nr_regions;
	__u64 page_size;
	__s32 randomize_va_space;
	__s32 mmap_rnd_bits;
	__s32 mmap_rnd_bits_min;
	__s32 mmap_rnd_bits_max;
	__s32 mmap_rnd_compat_bits;
	__s32 mmap_rnd_compat_bits_min;
	__s32 mmap_rnd_compat_bits_max;
	__s32 thp_align_shift;
	__u64 stack_rnd_mask;
	__u64 stack_rnd_compat_mask;
	__u64 stack_subpage_range;
	__u64 brk_range;
	__u64 brk_compat_range;
	struct vmalens_aslr_bits regions[8];
	__s32 file_fd;
	__u32 reserved;
};

#define VMALENS_ASLR_SIZE_VER0		608	/* sizeof first version */
#define VMALENS_ASLR_SIZE_VER1		616	/* + file_fd (ABI 6) */

/* --- VMALENS_IOC_UNMAPPED_AREA_BATCH ---------------------------------------- */

/* The most requests one VMALENS_IOC_UNMAPPED_AREA_BATCH call takes. */
#define VMALENS_BATCH_MAX	1024

/**
 * struct vmalens_unmapped_area_batch - VMALENS_IOC_UNMAPPED_AREA_BATCH:
 *	many dry-runs about one process in one call
 * @size:	in: sizeof(struct vmalens_unmapped_area_batch)
 * @pid:	in: the process every request is about (0: the caller); each
 *		request's own pid must be 0 or this pid
 * @flags:	in: none defined yet, must be 0
 * @reqs_addr:	in: user pointer to an array of struct vmalens_unmapped_area
 * @req_size:	in: the size of one element as the caller knows it, at
 *		least VMALENS_UNMAPPED_AREA_SIZE_VER0 and at most a page;
 *		each element's own size field must equal it
 * @count:	in: how many requests, 1 to VMALENS_BATCH_MAX; out: on an
 *		invalid request, its index
 *
 * Every request is checked first, as VMALENS_IOC_UNMAPPED_AREA checks it;
 * one it would refuse (EINVAL, EOPNOTSUPP, EBADF, E2BIG, EFAULT) fails
 * the whole call with that errno, @count set to its index and nothing
 * answered; so does a request about another process (EINVAL). Then
 * each is answered in place exactly as VMALENS_IOC_UNMAPPED_AREA answers
 * it (an mmap error in its error field). Each answer describes one
 * instant; the lock on the process's address space is given up between
 * two requests when a writer waits, so the process may change between
 * two answers.
 */
struct vmalens_unmapped_area_batch {
	__u64 size;
	__u32 pid;
	__u32 flags;
	__u64 reqs_addr;
	__u32 req_size;
	__u32 count;
};

#define VMALENS_UNMAPPED_AREA_BATCH_SIZE_VER0	32	/* sizeof first version */

#define VMALENS_IOC_LAYOUT \
	_IOWR(VMALENS_IOC_MAGIC, 0x01, struct vmalens_mm_layout)
#define VMALENS_IOC_VMAS \
	_IOWR(VMALENS_IOC_MAGIC, 0x02, struct vmalens_vmas)
#define VMALENS_IOC_QUERY \
	_IOWR(VMALENS_IOC_MAGIC, 0x03, struct vmalens_query)
#define VMALENS_IOC_UNMAPPED_AREA \
	_IOWR(VMALENS_IOC_MAGIC, 0x04, struct vmalens_unmapped_area)
#define VMALENS_IOC_VERSION \
	_IOWR(VMALENS_IOC_MAGIC, 0x05, struct vmalens_version)
#define VMALENS_IOC_ASLR \
	_IOWR(VMALENS_IOC_MAGIC, 0x06, struct vmalens_aslr)
#define VMALENS_IOC_UNMAPPED_AREA_BATCH \
	_IOWR(VMALENS_IOC_MAGIC, 0x07, struct vmalens_unmapped_area_batch)

#endif /* _UAPI_VMALENS_H */
