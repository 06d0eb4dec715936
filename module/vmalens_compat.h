/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalens_compat.h: every kernel-version difference vmalens depends on.
 *
 * The code is written for the newest kernel; the shims below restore the
 * new names on older ones.  VMALENS_HAVE_* come from compile-time probes
 * of the kernel headers in module/Kbuild, not from LINUX_VERSION_CODE,
 * because Debian backports features into older series.
 */
#ifndef _VMALENS_COMPAT_H
#define _VMALENS_COMPAT_H

#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/mount.h>
#include <linux/pkeys.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/string.h>

/* 6.1: the maple tree replaced the mm->mmap list and vma->vm_next */
#ifdef VMALENS_HAVE_MAPLE_TREE
static inline struct vm_area_struct *
vmalens_next_vma(struct mm_struct *mm, struct vm_area_struct *vma)
{
	return find_vma(mm, vma->vm_end);
}
#else
static inline struct vm_area_struct *
vmalens_next_vma(struct mm_struct *mm, struct vm_area_struct *vma)
{
	return vma->vm_next;
}
#endif

/*
 * A walk from an address on: 6.1+ steps the maple tree with an iterator
 * (amortised O(1) a step, where find_vma() at each end is O(log n));
 * before, the vm_next list does the same.
 */
#ifdef VMALENS_HAVE_MAPLE_TREE
struct vmalens_vma_iter {
	struct vma_iterator vmi;
};

static inline void vmalens_iter_init(struct vmalens_vma_iter *it,
				     struct mm_struct *mm, unsigned long addr)
{
	vma_iter_init(&it->vmi, mm, addr);
}

static inline struct vm_area_struct *
vmalens_iter_next(struct vmalens_vma_iter *it)
{
	return vma_next(&it->vmi);
}
#else
struct vmalens_vma_iter {
	struct mm_struct *mm;
	unsigned long addr;
	struct vm_area_struct *vma;
};

static inline void vmalens_iter_init(struct vmalens_vma_iter *it,
				     struct mm_struct *mm, unsigned long addr)
{
	it->mm = mm;
	it->addr = addr;
	it->vma = NULL;
}

static inline struct vm_area_struct *
vmalens_iter_next(struct vmalens_vma_iter *it)
{
	it->vma = it->vma ? it->vma->vm_next : find_vma(it->mm, it->addr);
	return it->vma;
}
#endif

#if defined(VMALENS_HAVE_MM_FLAGS_TEST)
/* 7.x: mm->flags became the mm_flags_t bitmap */
static inline bool vmalens_mm_topdown(const struct mm_struct *mm)
{
	return mm_flags_test(MMF_TOPDOWN, mm);
}
#elif defined(VMALENS_HAVE_MMF_TOPDOWN)
/* 6.9: MMF_TOPDOWN replaced the mm->get_unmapped_area pointer */
static inline bool vmalens_mm_topdown(const struct mm_struct *mm)
{
	return test_bit(MMF_TOPDOWN, &mm->flags);
}
#else
/*
 * Before 6.9 only mm->get_unmapped_area records the layout, and the
 * arch_get_unmapped_area* functions it points to are not exported: ask
 * kallsyms for the name and look for the "_topdown" suffix.
 */
static inline bool vmalens_mm_topdown(const struct mm_struct *mm)
{
	char sym[96];
	char *dot;
	size_t len;

	if (!mm->get_unmapped_area)
		return false;
	snprintf(sym, sizeof(sym), "%ps", (void *)mm->get_unmapped_area);
	dot = strchr(sym, '.');		/* a ".isra.0"-style clone suffix */
	if (dot)
		*dot = '\0';
	len = strlen(sym);
	return len >= 8 && !strcmp(sym + len - 8, "_topdown");
}
#endif

/* 6.6: vma_is_initial_heap(); before it /proc's [heap] test was inclusive */
#ifndef VMALENS_HAVE_VMA_IS_INITIAL_HEAP
static inline bool vma_is_initial_heap(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
}

static inline bool vma_is_initial_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
}
#endif

/* 6.8: /proc shows the user-visible path of overlayfs backing files */
#ifndef VMALENS_HAVE_FILE_USER_PATH
static inline const struct path *file_user_path(struct file *f)
{
	return &f->f_path;
}

static inline const struct inode *file_user_inode(struct file *f)
{
	return file_inode(f);
}
#endif

#ifdef CONFIG_ANON_VMA_NAME
/* 5.17: prctl(PR_SET_VMA_ANON_NAME); 6.2: shared anon VMAs too */
static inline const char *vmalens_anon_name(const struct vm_area_struct *vma)
{
#ifndef VMALENS_HAVE_ANON_SHMEM_NAME
	/* 6.1 keeps the name in a union that is valid only without a file */
	if (vma->vm_file)
		return NULL;
#endif
	return vma->anon_name ? vma->anon_name->name : NULL;
}
#else
static inline const char *vmalens_anon_name(const struct vm_area_struct *vma)
{
	return NULL;
}
#endif

/* x86 marks 32-bit tasks with TIF_ADDR32, arm64 with TIF_32BIT */
static inline bool vmalens_task_compat(struct task_struct *task)
{
#if defined(CONFIG_X86_64)
	return test_tsk_thread_flag(task, TIF_ADDR32);
#elif defined(CONFIG_ARM64) && defined(CONFIG_COMPAT)
	return test_tsk_thread_flag(task, TIF_32BIT);
#else
	return false;
#endif
}

/* 6.1: the maple tree; before it, vm_prev and the rb-tree's last node */
#ifdef VMALENS_HAVE_MAPLE_TREE
static inline struct vm_area_struct *
vmalens_vma_before(struct mm_struct *mm, unsigned long addr)
{
	VMA_ITERATOR(vmi, mm, addr);

	return vma_prev(&vmi);
}
#else
static inline struct vm_area_struct *
vmalens_vma_before(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct rb_node *last;

	if (vma)
		return vma->vm_prev;
	last = rb_last(&mm->mm_rb);
	return last ? rb_entry(last, struct vm_area_struct, vm_rb) : NULL;
}
#endif

/*
 * A VMA read under its own lock, not the mmap lock: the target's mmap(),
 * which takes the mmap lock for writing, then never waits for a reader
 * (only a writer that changes that very VMA does, for one VMA's copy).
 * 7.x's /proc/PID/maps reads this way, through lock_next_vma(), which is
 * not exported. 6.4 added per-VMA locks: 7.x exports lock_vma_under_rcu()
 * and hides vma_start_read(); 6.4 to 6.12 export neither but have
 * vma_start_read() and vma_end_read() inline in mm.h.
 *
 * A walk steps the maple tree under rcu_read_lock() (held by the caller
 * across the walk) and locks each VMA it meets; whatever it finds is only
 * a hint until the VMA is locked and checked.
 */
#if defined(VMALENS_HAVE_LOCK_VMA_UNDER_RCU)
#define VMALENS_PER_VMA_LOCK	1

/*
 * 7.x: VMAs are SLAB_TYPESAFE_BY_RCU, so the entry is not read at all;
 * lock_vma_under_rcu() looks its start up again and checks what it finds.
 */
static inline struct vm_area_struct *
vmalens_lock_found_vma(struct mm_struct *mm, struct vm_area_struct *vma,
		       unsigned long start)
{
	return lock_vma_under_rcu(mm, start);
}
#elif defined(CONFIG_PER_VMA_LOCK) && defined(VMALENS_HAVE_VMA_DETACHED)
#define VMALENS_PER_VMA_LOCK	1

/*
 * 6.4-6.12: lock the entry itself, with the checks lock_vma_under_rcu()
 * (mm/memory.c, unexported) makes after its mas_walk() in 6.12; 6.4-6.7
 * also limit it to anonymous VMAs, a page fault's need and not a
 * reader's. VMAs are freed after an RCU grace period, so the entry can
 * be read until it is locked. One that was detached meanwhile is not
 * looked for again as the kernel does: the caller falls back.
 */
static inline struct vm_area_struct *
vmalens_lock_found_vma(struct mm_struct *mm, struct vm_area_struct *vma,
		       unsigned long start)
{
	if (!vma_start_read(vma))
		return NULL;
	if (vma->detached || start < vma->vm_start || start >= vma->vm_end) {
		vma_end_read(vma);
		return NULL;
	}
	return vma;
}
#else
#define VMALENS_PER_VMA_LOCK	0
#endif

#if VMALENS_PER_VMA_LOCK
struct vmalens_vma_walk {
	struct mm_struct *mm;
	struct vma_iterator vmi;
};

/* Start a walk at @addr; the caller holds rcu_read_lock() throughout. */
static inline void vmalens_walk_init(struct vmalens_vma_walk *w,
				     struct mm_struct *mm, unsigned long addr)
{
	w->mm = mm;
	vma_iter_init(&w->vmi, mm, addr);
}

/**
 * vmalens_walk_lock_next() - the walk's next VMA, read-locked
 * @w: the walk, under rcu_read_lock()
 *
 * Return: the VMA, locked until vmalens_unlock_vma(); NULL at the end;
 * ERR_PTR(-EAGAIN) if it could not be locked (a writer is changing it,
 * or it moved since the tree was read): read it under the mmap lock.
 */
static inline struct vm_area_struct *
vmalens_walk_lock_next(struct vmalens_vma_walk *w)
{
	struct vm_area_struct *vma = vma_next(&w->vmi);

	if (!vma)
		return NULL;
	vma = vmalens_lock_found_vma(w->mm, vma, w->vmi.mas.index);
	return vma ?: ERR_PTR(-EAGAIN);
}

/* Whether the walk has another VMA, without locking it. */
static inline bool vmalens_walk_has_next(struct vmalens_vma_walk *w)
{
	return vma_next(&w->vmi);
}

static inline void vmalens_unlock_vma(struct vm_area_struct *vma)
{
	vma_end_read(vma);
}
#else
struct vmalens_vma_walk {
};

static inline void vmalens_walk_init(struct vmalens_vma_walk *w,
				     struct mm_struct *mm, unsigned long addr)
{
}

static inline struct vm_area_struct *
vmalens_walk_lock_next(struct vmalens_vma_walk *w)
{
	return ERR_PTR(-EAGAIN);
}

static inline bool vmalens_walk_has_next(struct vmalens_vma_walk *w)
{
	return false;
}

static inline void vmalens_unlock_vma(struct vm_area_struct *vma)
{
}
#endif

#if defined(VMALENS_HAVE_MM_GUA_NO_MM)
/* 7.x: mm_get_unmapped_area() lost its mm argument (it was current->mm) */
static inline unsigned long
vmalens_mm_get_unmapped_area(struct mm_struct *mm, struct file *file,
			     unsigned long addr, unsigned long len,
			     unsigned long pgoff, unsigned long flags)
{
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
}

/* 7.x: __get_unmapped_area() aligns only anonymous mappings to THP size */
static inline bool vmalens_thp_applies(const struct file *file)
{
	return !file;
}

#define VMALENS_ANON_THP_ALIGN		1
#elif defined(VMALENS_HAVE_MM_GUA_MM)
/* 6.9: get_unmapped_area() became an inline over the unexported
 * __get_unmapped_area(); only the layout dispatch is exported
 */
static inline unsigned long
vmalens_mm_get_unmapped_area(struct mm_struct *mm, struct file *file,
			     unsigned long addr, unsigned long len,
			     unsigned long pgoff, unsigned long flags)
{
	return mm_get_unmapped_area(mm, file, addr, len, pgoff, flags);
}

/* 6.9-6.12: the THP branch also takes files without get_unmapped_area */
static inline bool vmalens_thp_applies(const struct file *file)
{
	return true;
}

/* 6.7: anonymous mappings of PMD-multiple length are aligned to a PMD */
#define VMALENS_ANON_THP_ALIGN		1
#else
/* before 6.9: the whole of get_unmapped_area() is exported */
#define VMALENS_HAVE_GET_UNMAPPED_AREA
#define VMALENS_ANON_THP_ALIGN		0

/* No THP branch of __get_unmapped_area() that a file takes */
static inline bool vmalens_thp_applies(const struct file *file)
{
	return !file && VMALENS_ANON_THP_ALIGN;
}
#endif

/*
 * 6.9 (with start_gap): vm_unmapped_area() raises low_limit to
 * mmap_min_addr itself; before, only the generic topdown caller did.
 */
static inline void vmalens_clamp_search_low(unsigned long *low,
					    unsigned long min_addr)
{
#ifdef VMALENS_HAVE_UNMAPPED_AREA_START_GAP
	if (*low < min_addr)
		*low = min_addr;
#endif
}

/* 6.17: a file may offer ->mmap_prepare instead of ->mmap */
#ifdef VMALENS_HAVE_CAN_MMAP_FILE
#define vmalens_can_mmap_file(file)	can_mmap_file(file)
#else
static inline bool vmalens_can_mmap_file(struct file *file)
{
	return file->f_op->mmap;
}
#endif

/*
 * 6.12: the mark of a file whose offsets are unsigned (/dev/mem, /proc/PID/mem)
 * moved from f_mode (FMODE_UNSIGNED_OFFSET) to f_op->fop_flags.
 */
static inline bool vmalens_file_unsigned_offset(const struct file *file)
{
#ifdef FOP_UNSIGNED_OFFSET
	return file->f_op->fop_flags & FOP_UNSIGNED_OFFSET;
#else
	return file->f_mode & FMODE_UNSIGNED_OFFSET;
#endif
}

/*
 * The VMA's memory protection key, as show_smap() prints "ProtectionKey:"
 * (fs/proc/task_mmu.c, 5.10 to 7.3): only where the architecture has keys
 * (x86; arm64 since 6.12, with POE) and the CPU enables them.  Elsewhere
 * -1, for the line smaps leaves out.
 */
static inline s32 vmalens_vma_pkey(struct vm_area_struct *vma)
{
#ifdef CONFIG_ARCH_HAS_PKEYS
	if (arch_pkeys_enabled())
		return vma_pkey(vma);
#endif
	return -1;
}

/*
 * 6.11: MAP_DROPPABLE, a private anonymous mapping whose pages the kernel
 * may drop; VM_DROPPABLE is VM_NONE where it cannot (32-bit).  Before,
 * the type value is refused like any unknown one.
 */
static inline bool vmalens_map_droppable(unsigned long flags)
{
#ifdef MAP_DROPPABLE
	return (flags & MAP_TYPE) == MAP_DROPPABLE;
#else
	return false;
#endif
}

/*
 * The vm_flags bits of vmalens_vma.flags (and of the dry-run's mseal and
 * MAP_DROPPABLE checks) that not every kernel has; 0 where it has not, or
 * where /proc/PID/smaps does not name the bit (the arm64 ones without
 * their config).  On arm64 VM_ARCH_1 is VM_ARM64_BTI,
 * which smaps names "bt" rather than "ar".
 */
#ifdef VM_UFFD_MINOR			/* 5.13 */
#define VMALENS_VM_UFFD_MINOR	VM_UFFD_MINOR
#else
#define VMALENS_VM_UFFD_MINOR	0
#endif
#ifdef VM_SHADOW_STACK			/* 6.6 */
#define VMALENS_VM_SHADOW_STACK	VM_SHADOW_STACK
#else
#define VMALENS_VM_SHADOW_STACK	0
#endif
#ifdef VM_DROPPABLE			/* 6.11 */
#define VMALENS_VM_DROPPABLE	VM_DROPPABLE
#else
#define VMALENS_VM_DROPPABLE	0
#endif
#ifdef VM_SEALED			/* 6.10 */
#define VMALENS_VM_SEALED	VM_SEALED
#else
#define VMALENS_VM_SEALED	0
#endif
#ifdef VM_DENYWRITE			/* gone in 5.15 */
#define VMALENS_VM_DENYWRITE	VM_DENYWRITE
#else
#define VMALENS_VM_DENYWRITE	0
#endif
#ifdef VM_MAYBE_GUARD			/* MADV_GUARD_INSTALL was used on it */
#define VMALENS_VM_MAYBE_GUARD	VM_MAYBE_GUARD
#else
#define VMALENS_VM_MAYBE_GUARD	0
#endif
#ifdef CONFIG_ARM64_BTI
#define VMALENS_VM_BTI		VM_ARM64_BTI
#define VMALENS_VM_ARCH_1	0
#else
#define VMALENS_VM_BTI		0
#define VMALENS_VM_ARCH_1	VM_ARCH_1
#endif
#ifdef CONFIG_ARM64_MTE
#define VMALENS_VM_MTE		VM_MTE
#else
#define VMALENS_VM_MTE		0
#endif

/*
 * VM_MTE_ALLOWED as mmap() grants it to a new mapping of @file (NULL:
 * anonymous) on arm64 with MTE: to anonymous mappings
 * (arch_calc_vm_flag_bits()), to shmem's regular files (tmpfs, memfds:
 * shmem_mmap() in 5.10, arch_calc_vm_flag_bits() since 6.12's rework and
 * its backports) and to hugetlbfs where arch_calc_vm_flag_bits() says so
 * (6.13). shmem_file() calls shmem_mapping(), which 5.10 and 6.1 do not
 * export: a regular file of a tmpfs superblock is what it finds. Not
 * /dev/zero: its shared mapping is made shmem only by its ->mmap, after
 * the flags are set.
 */
static inline vm_flags_t vmalens_mte_allowed(const struct file *file)
{
#ifdef CONFIG_ARM64_MTE
	const struct inode *inode;

	if (!file)
		return VM_MTE_ALLOWED;
	inode = file_inode(file);
	if (S_ISREG(inode->i_mode) && inode->i_sb->s_magic == TMPFS_MAGIC)
		return VM_MTE_ALLOWED;
#ifdef VMALENS_HAVE_HUGETLB_MTE
	if (inode->i_sb->s_magic == HUGETLBFS_MAGIC)
		return VM_MTE_ALLOWED;
#endif
#endif
	return 0;
}

/*
 * Where mmap() asks arch_validate_flags(): first thing in mmap_region()
 * since 6.12's rework of its error paths (backported to 5.10 and 6.1,
 * with calc_vm_flag_bits() taking the file), after the file's ->mmap
 * before it.
 */
#ifdef VMALENS_HAVE_CALC_VM_FLAG_BITS_FILE
#define VMALENS_ARCH_FLAGS_FIRST	1
#else
#define VMALENS_ARCH_FLAGS_FIRST	0
#endif

/* 6.3: prctl(PR_SET_MDWE) marks the mm; 7.x reads mm flags through a helper */
static inline bool vmalens_mm_has_mdwe(const struct mm_struct *mm)
{
#if defined(MMF_HAS_MDWE) && defined(VMALENS_HAVE_MM_FLAGS_TEST)
	return mm_flags_test(MMF_HAS_MDWE, mm);
#elif defined(MMF_HAS_MDWE)
	return test_bit(MMF_HAS_MDWE, &mm->flags);
#else
	return false;
#endif
}

/* 6.4: x86's MAP_ABOVE4G (for shadow stacks); ignored before, as elsewhere */
static inline bool vmalens_map_above4g(unsigned long flags)
{
#ifdef MAP_ABOVE4G
	return flags & MAP_ABOVE4G;
#else
	return false;
#endif
}

/*
 * Whether a shmem file (a memfd, or any tmpfs file) carries a write seal.
 * memfd_file_seals_ptr() is static in mm/memfd.c, and shmem_mapping() is
 * not exported on 5.10: tell shmem by its magic.  The seals of a memfd on
 * hugetlbfs are not read.
 */
static inline bool vmalens_file_write_sealed(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (!IS_ENABLED(CONFIG_SHMEM) || inode->i_sb->s_magic != TMPFS_MAGIC)
		return false;
	return READ_ONCE(SHMEM_I(inode)->seals) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE);
}

/*
 * 6.7: a read-only shared mapping of a write-sealed memfd loses
 * VM_MAYWRITE and passes (is_shared_maywrite(); Debian backported it to
 * 5.10 and 6.1 in late 2024).  Before, mapping_map_writable() refused it.
 */
static inline bool vmalens_sealed_file_maps_read_only(void)
{
#ifdef VMALENS_HAVE_IS_SHARED_MAYWRITE
	return true;
#else
	return false;
#endif
}

/*
 * 6.12 (and 7.x): do_mmap() checks the memfd write seals itself,
 * memfd_check_seals_mmap(); before, shmem_mmap() did, after the commit
 * charge.  Debian's 5.10 and 6.1 carry the latter.
 */
static inline bool vmalens_seals_in_do_mmap(void)
{
#ifdef VMALENS_HAVE_MEMFD_CHECK_SEALS_MMAP
	return true;
#else
	return false;
#endif
}

/* 5.12: file_open_root() takes a struct path; file_open_root_mnt() */
#ifndef VMALENS_HAVE_FILE_OPEN_ROOT_MNT
static inline struct file *file_open_root_mnt(struct vfsmount *mnt,
					      const char *name, int flags,
					      umode_t mode)
{
	return file_open_root(mnt->mnt_root, mnt, name, flags, mode);
}
#endif

/*
 * Has exec finished laying out this mm? exec_mmap() installs a new mm
 * before setup_new_exec() gives it a layout: mmap_base, task_size and,
 * before 6.9, the get_unmapped_area method stay 0 until then. Taking the
 * mm under exec_update_lock never sees that state; this is the check
 * that makes it a clean error should it ever be seen anyway.
 */
#ifdef VMALENS_HAVE_MMF_TOPDOWN
static inline bool vmalens_mm_has_layout(const struct mm_struct *mm)
{
	return mm->task_size && mm->mmap_base;
}
#else
static inline bool vmalens_mm_has_layout(const struct mm_struct *mm)
{
	return mm->task_size && mm->mmap_base && mm->get_unmapped_area;
}
#endif

/*
 * ASLR constants (vmalens_aslr.c).  The kernel keeps them in arch headers
 * as macros of current's bitness, or in .c files; restate them here.
 */
#ifdef CONFIG_HAVE_ARCH_MMAP_RND_BITS
#define VMALENS_MMAP_RND_BITS_MIN	CONFIG_ARCH_MMAP_RND_BITS_MIN
#define VMALENS_MMAP_RND_BITS_MAX	CONFIG_ARCH_MMAP_RND_BITS_MAX
#else
#define VMALENS_MMAP_RND_BITS_MIN	(-1)
#define VMALENS_MMAP_RND_BITS_MAX	(-1)
#endif
#ifdef CONFIG_HAVE_ARCH_MMAP_RND_COMPAT_BITS
#define VMALENS_MMAP_RND_COMPAT_BITS_MIN CONFIG_ARCH_MMAP_RND_COMPAT_BITS_MIN
#define VMALENS_MMAP_RND_COMPAT_BITS_MAX CONFIG_ARCH_MMAP_RND_COMPAT_BITS_MAX
#else
#define VMALENS_MMAP_RND_COMPAT_BITS_MIN (-1)
#define VMALENS_MMAP_RND_COMPAT_BITS_MAX (-1)
#endif

/* STACK_RND_MASK (asm/elf.h), in pages, for a 64-bit or a compat task */
static inline unsigned long vmalens_stack_rnd_mask(bool compat)
{
#if defined(CONFIG_X86_64)
	return compat ? 0x7ff : 0x3fffff;
#elif defined(CONFIG_ARM64)
	return (compat ? 0x7ffUL : 0x3ffffUL) >> (PAGE_SHIFT - 12);
#else
	return 0;
#endif
}

/* arch_align_stack() subtracts up to this many bytes (process.c) */
#if defined(CONFIG_X86_64)
#define VMALENS_STACK_SUBPAGE_RANGE	8192
#elif defined(CONFIG_ARM64)
#define VMALENS_STACK_SUBPAGE_RANGE	PAGE_SIZE
#else
#define VMALENS_STACK_SUBPAGE_RANGE	0
#endif

/*
 * arch_randomize_brk()'s range: 1 GiB for a 64-bit task, 32 MiB for a
 * compat one.  arm64 always had it; x86_64 tasks got 1 GiB instead of
 * 32 MiB in 6.9, and stable 5.10.y and 6.1.y have that too (Debian's
 * 5.10.262 and 6.1.192 measure 18 bits); older 5.10.y kernels give 13.
 */
static inline unsigned long vmalens_brk_range(bool compat)
{
	return compat ? SZ_32M : SZ_1G;
}

/*
 * Until between 6.1 and 6.12, x86 put a 64-bit task's vdso just above
 * its stack (vdso_addr()); now, and for ia32 tasks always, it goes in the
 * mmap area.  MMF_TOPDOWN (6.9) is the nearest probe.
 */
#if defined(CONFIG_X86_64) && !defined(VMALENS_HAVE_MMF_TOPDOWN)
#define VMALENS_VDSO_NEAR_STACK		1
#else
#define VMALENS_VDSO_NEAR_STACK		0
#endif

/*
 * 6.7: anonymous mmaps of a PMD multiple without a hint are THP aligned;
 * MMF_TOPDOWN (6.9) is the nearest probe, and no kernel tested is between.
 */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(VMALENS_HAVE_MMF_TOPDOWN)
#define VMALENS_THP_ANON_ALIGN_SHIFT	PMD_SHIFT
#else
#define VMALENS_THP_ANON_ALIGN_SHIFT	0
#endif

/*
 * 5.18 ("mm/readahead: Align file mappings for non-DAX"):
 * thp_get_unmapped_area() aligns a mapping of a PMD or more of any file;
 * before, only of a DAX file.  aops->dirty_folio (5.18) is the probe.
 * @file NULL: a file that is not DAX.
 */
static inline bool vmalens_thp_aligns_file(struct file *file)
{
#ifdef VMALENS_HAVE_AOPS_DIRTY_FOLIO
	return true;
#else
	return file && IS_ENABLED(CONFIG_FS_DAX_PMD) && IS_DAX(file_inode(file));
#endif
}

/*
 * 6.8 ("mm: thp_get_unmapped_area must honour topdown preference"): a
 * top-down search whose padded result is already aligned moves up a PMD,
 * so that it ends where an unpadded one would.  MMF_TOPDOWN (6.9) is the
 * nearest probe.
 */
#ifdef VMALENS_HAVE_MMF_TOPDOWN
#define VMALENS_THP_TOPDOWN_MOVES_UP	1
#else
#define VMALENS_THP_TOPDOWN_MOVES_UP	0
#endif

/* Whether @file maps through thp_get_unmapped_area() (ext4, xfs, btrfs...) */
static inline bool vmalens_file_uses_thp(const struct file *file)
{
	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) &&
	       file->f_op->get_unmapped_area == thp_get_unmapped_area;
}

/*
 * Whether thp_get_unmapped_area() aligns a mapping of a PMD or more of
 * @file (NULL: a file that is not DAX) for a caller, @compat for a
 * 32-bit syscall.  6.8 ("mm: huge_memory: don't force huge page alignment
 * on 32 bit") stopped it for 32-bit syscalls, whose few random bits it
 * took, and stable 6.1.y has that too: Debian's 6.1 measured unaligned.
 * No header shows it, so older 5.18-6.7 releases, which did align, are
 * not told apart.
 */
static inline bool vmalens_thp_aligns(struct file *file, bool compat)
{
	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && !compat &&
	       vmalens_thp_aligns_file(file);
}

#endif /* _VMALENS_COMPAT_H */
