// SPDX-License-Identifier: GPL-2.0
/*
 * The get_unmapped_area dry-run: where would mmap() called by process P
 * land now?
 *
 * Every placement function of the kernel reads current: current->mm, the
 * 32-bit syscall state, TASK_SIZE, the personality. So the question is
 * answered on a kthread that borrows the target's mm with kthread_use_mm()
 * and, for a 32-bit target, wears the target's syscall ABI while it asks.
 * The kernel's own code then decides (VMALENS_MODE_AUTO); only the "what
 * would the other layout pick" question (a forced mode) runs vmalens' copy
 * of the arch search. Nothing is mapped, and the target's mm is only read,
 * under mmap_read_lock.
 *
 * Each request gets a kthread of its own (a waiting one from a small idle
 * list, else a new one), so a request never waits behind another
 * process's lock. The kthread waits for the target's lock killably and
 * accepts SIGKILL: a caller that is killed while it waits kills the
 * kthread's wait too, which then gives up at once. A kthread holds a
 * module reference while it works, so rmmod never waits for one (it
 * reports the module busy instead).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/*
 * mmap() ignores the MAP_* and PROT_* bits it does not know (MAP_SHARED
 * and MAP_PRIVATE stay lenient for old binaries): so does the dry-run,
 * passing them to the same kernel code.  MAP_32BIT is x86-64's.
 */
#ifdef CONFIG_X86_64
#define DRYRUN_MAP_ARCH		MAP_32BIT
#else
#define DRYRUN_MAP_ARCH		0
#endif

/* arch/x86/kernel/sys_x86_64.c: find_start_end() for MAP_32BIT */
#define MAP32_WINDOW_START	0x40000000UL
#define MAP32_WINDOW_END	0x80000000UL
#define MAP32_RANDOM_RANGE	0x02000000UL

/* Flags vmalens knows but does not model. */
#define DRYRUN_MAP_UNMODELLED	(MAP_HUGETLB | MAP_SYNC)

/**
 * struct dryrun_one - one question of a batch
 * @req:	the user's request, answered in place
 * @file:	the caller's file for a file mapping, or NULL
 * @error:	the kthread's answer when it is an error
 */
struct dryrun_one {
	struct vmalens_unmapped_area req;
	struct file *file;
	long error;
};

/**
 * struct dryrun_request - questions about one process, shared by the ioctl
 *	and its kthread
 * @ref:	the ioctl and the kthread each hold one; a caller killed while
 *		waiting drops its own and leaves the rest to the kthread
 * @done:	completed by the kthread
 * @mm:		the target's mm, taken with vmalens_get_target()
 * @file:	the file of the question being answered, or NULL
 * @compat:	model a 32-bit syscall of the target
 * @personality: the target's personality (ADDR_LIMIT_3GB, ...)
 * @randomize:	the target has PF_RANDOMIZE
 * @rawio:	the target may map below dac_mmap_min_addr (CAP_SYS_RAWIO)
 * @min_addr:	the effective mmap_min_addr (not exported: see below)
 * @dac_min_addr: vm.mmap_min_addr, the capability-checked bound
 * @max_map_count: vm.max_map_count
 * @guard_gap:	the stack guard gap in bytes
 * @ipc_lock:	the target may lock memory beyond @rlim_memlock
 * @sys_admin:	the target may commit memory into the admin reserve
 * @overcommit:	vm.overcommit_memory
 * @admin_reserve: vm.admin_reserve_kbytes, in pages, where @overcommit is 2
 * @user_reserve: vm.user_reserve_kbytes, in pages, where @overcommit is 2
 * @swap_pages:	SwapTotal, where @overcommit 0 may need it; else -1
 * @commit_limit: CommitLimit, where @overcommit 2 needs it; else -1
 * @rlim_memlock: its RLIMIT_MEMLOCK soft limit, in bytes
 * @rlim_as:	its RLIMIT_AS soft limit
 * @rlim_data:	its RLIMIT_DATA soft limit
 * @rlim_data_max: its RLIMIT_DATA hard limit
 * @req:	the question being answered (a copy of one of @reqs)
 * @lock:	orders @finished against a killed caller's SIGKILL
 * @finished:	the kthread is done with this request: a SIGKILL sent now
 *		would hit its next one
 * @nr:		how many questions @reqs holds
 * @reqs:	the questions
 */
struct dryrun_request {
	struct kref ref;
	struct completion done;
	struct mm_struct *mm;
	struct file *file;
	bool compat;
	bool randomize;
	bool rawio;
	unsigned int personality;
	unsigned long min_addr;
	unsigned long dac_min_addr;
	unsigned long max_map_count;
	unsigned long guard_gap;
	bool ipc_lock;
	bool sys_admin;
	int overcommit;
	unsigned long admin_reserve;
	unsigned long user_reserve;
	long swap_pages;
	long commit_limit;
	unsigned long rlim_memlock;
	unsigned long rlim_as;
	unsigned long rlim_data;
	unsigned long rlim_data_max;
	struct vmalens_unmapped_area req;
	spinlock_t lock;		/* guards @finished */
	bool finished;
	unsigned int nr;
	struct dryrun_one reqs[];
};

static struct dryrun_request *dryrun_alloc(unsigned int nr)
{
	struct dryrun_request *dr;

	dr = kvzalloc(struct_size(dr, reqs, nr), GFP_KERNEL);
	if (!dr)
		return NULL;
	dr->nr = nr;
	kref_init(&dr->ref);
	init_completion(&dr->done);
	spin_lock_init(&dr->lock);
	return dr;
}

static void dryrun_release(struct kref *ref)
{
	struct dryrun_request *dr = container_of(ref, struct dryrun_request, ref);
	unsigned int i;

	for (i = 0; i < dr->nr; i++)
		if (dr->reqs[i].file)
			fput(dr->reqs[i].file);
	if (dr->mm)
		mmput(dr->mm);
	kvfree(dr);
}

/* --- wearing the target's syscall ABI ------------------------------------ */

/**
 * struct abi_state - what dryrun_enter_abi() changed on the kthread
 * @personality: the kthread's own personality, restored on leave
 * @compat:	whether the 32-bit state was set
 */
struct abi_state {
	unsigned int personality;
	bool compat;
};

/*
 * TASK_SIZE, the mmap bases, in_compat_syscall() and the THP gate all test
 * *current*'s thread flags. A kthread never returns to user mode, so setting
 * them on our own kthread for the duration of one question affects nothing
 * but the placement code we call.
 */
static void dryrun_enter_abi(struct abi_state *st, const struct dryrun_request *dr)
{
	st->personality = current->personality;
	st->compat = dr->compat;
	current->personality = dr->personality;
	if (!dr->compat)
		return;
#if defined(CONFIG_X86_64)
	set_thread_flag(TIF_ADDR32);
	current_thread_info()->status |= TS_COMPAT;
#elif defined(CONFIG_ARM64)
	set_thread_flag(TIF_32BIT);
#endif
}

static void dryrun_leave_abi(const struct abi_state *st)
{
	current->personality = st->personality;
	if (!st->compat)
		return;
#if defined(CONFIG_X86_64)
	current_thread_info()->status &= ~TS_COMPAT;
	clear_thread_flag(TIF_ADDR32);
#elif defined(CONFIG_ARM64)
	clear_thread_flag(TIF_32BIT);
#endif
}

/* --- vmalens' own search, for the forced modes --------------------------- */

/**
 * struct search - one vm_unmapped_area() question
 * @length:	bytes wanted
 * @low:	lowest acceptable address
 * @high:	one past the highest acceptable end
 * @topdown:	take the highest fit, not the lowest
 *
 * Mirrors struct vm_unmapped_area_info for anonymous mappings (no alignment,
 * no start gap), which vm_unmapped_area() itself is not exported to answer.
 */
struct search {
	unsigned long length;
	unsigned long low;
	unsigned long high;
	bool topdown;
};

static unsigned long guard_below(const struct vm_area_struct *vma,
				 unsigned long guard_gap)
{
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return vma->vm_start;
	return vma->vm_start > guard_gap ? vma->vm_start - guard_gap : 0;
}

/*
 * The gap [start, end) between @prev and @next, as the kernel's search sees
 * it: clipped to the search window, and below a VM_GROWSDOWN @next only up
 * to its guard gap. Returns false if @length does not fit.
 */
static bool gap_fits(const struct dryrun_request *dr, const struct search *s,
		     const struct vm_area_struct *prev,
		     const struct vm_area_struct *next,
		     unsigned long *start, unsigned long *end)
{
	unsigned long lo = prev ? prev->vm_end : 0;
	unsigned long hi = next ? guard_below(next, dr->guard_gap) : ULONG_MAX;

	lo = max(lo, s->low);
	hi = min(hi, s->high);
	if (hi <= lo || hi - lo < s->length)
		return false;
	*start = lo;
	*end = hi;
	return true;
}

/* VMAs visited between two chances to reschedule or give up. */
#define SEARCH_YIELD_EVERY	256

/*
 * vm_unmapped_area() over the target's tree: the lowest fitting gap, or
 * with @s->topdown the top of the highest one.
 *
 * Bound: one search visits each VMA of the window once, so at most
 * map_count <= vm.max_map_count VMAs (65530 by default), and a request
 * makes at most five searches (a THP search and its fallback, each
 * top-down then bottom-up, and the MAP_32BIT check). The kernel's own
 * search is O(log n) over the augmented tree, which is not exported.
 * Every SEARCH_YIELD_EVERY VMAs the walk reschedules, and gives up with
 * -EINTR once its caller has been killed (see dryrun_run()).
 */
static unsigned long search_gaps(const struct dryrun_request *dr,
				 const struct search *s)
{
	struct vm_area_struct *prev, *vma;
	unsigned long start, end, found = -ENOMEM;
	unsigned int visited = 0;

	mmap_assert_locked(dr->mm);
	if (s->high <= s->low || s->high - s->low < s->length)
		return -ENOMEM;
	prev = vmalens_vma_before(dr->mm, s->low);
	for (vma = find_vma(dr->mm, s->low); vma;
	     vma = vmalens_next_vma(dr->mm, vma)) {
		if (prev && prev->vm_end >= s->high)
			break;
		if (gap_fits(dr, s, prev, vma, &start, &end)) {
			found = s->topdown ? end - s->length : start;
			if (!s->topdown)
				return found;
		}
		prev = vma;
		if (++visited % SEARCH_YIELD_EVERY)
			continue;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if ((!prev || prev->vm_end < s->high) &&
	    gap_fits(dr, s, prev, NULL, &start, &end))
		found = s->topdown ? end - s->length : start;
	return found;
}

/*
 * Whether __get_unmapped_area() goes through __thp_get_unmapped_area()
 * for this request: a file whose get_unmapped_area is
 * thp_get_unmapped_area(), where that aligns (any hint); else the THP
 * branch for a hintless PMD-multiple length, private anonymous since 6.7,
 * 6.9-6.12 also files without a get_unmapped_area, and 32-bit syscalls
 * never there.  MAP_FIXED keeps its address either way.
 */
static bool own_thp_applies(const struct dryrun_request *dr, unsigned long addr,
			    unsigned long len, unsigned long flags)
{
	struct file *file = dr->file;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) || (flags & MAP_FIXED))
		return false;
	if (file && file->f_op->get_unmapped_area)
		return vmalens_file_uses_thp(file) &&
		       vmalens_thp_aligns(file, dr->compat);
	if (!file && (flags & MAP_SHARED))
		return false;		/* shmem's own */
	return VMALENS_ANON_THP_ALIGN && vmalens_thp_applies(file) &&
	       !dr->compat && !addr && IS_ALIGNED(len, PMD_SIZE);
}

/* vm_unmapped_area() over [@low, @high), lowest or highest fit. */
static unsigned long search_window(const struct dryrun_request *dr, bool topdown,
				   unsigned long low, unsigned long high,
				   unsigned long len)
{
	struct search s = {
		.length = len, .low = low, .high = high, .topdown = topdown,
	};

	vmalens_clamp_search_low(&s.low, dr->min_addr);
	return search_gaps(dr, &s);
}

/* The generic (and arm64) hint check: inside the window, clear of both
 * neighbours and of mmap_min_addr. x86 checks only the next VMA.
 */
static bool hint_fits(const struct dryrun_request *dr, unsigned long addr,
		      unsigned long len, unsigned long end)
{
	struct vm_area_struct *next = find_vma(dr->mm, addr);
	struct vm_area_struct *prev;

	if (end - len < addr)
		return false;
	if (next && addr + len > guard_below(next, dr->guard_gap))
		return false;
	if (IS_ENABLED(CONFIG_X86))
		return true;
	prev = vmalens_vma_before(dr->mm, addr);
	return addr >= dr->min_addr && (!prev || addr >= prev->vm_end);
}

#ifdef CONFIG_X86_64
/* arch/x86/mm/mmap.c: get_mmap_base(), for the ABI we are wearing. */
static unsigned long x86_mmap_base(const struct dryrun_request *dr, bool legacy)
{
	struct mm_struct *mm = dr->mm;

	if (dr->compat)
		return legacy ? mm->mmap_compat_legacy_base : mm->mmap_compat_base;
	return legacy ? mm->mmap_legacy_base : mm->mmap_base;
}

/*
 * arch/x86/mm/mmap.c: mmap_address_hint_valid(). A hint range may not
 * straddle the 47-bit default window.
 */
static bool x86_hint_valid(unsigned long addr, unsigned long len)
{
	bool starts_high = addr > DEFAULT_MAP_WINDOW;
	bool ends_high = addr + len > DEFAULT_MAP_WINDOW;

	return TASK_SIZE - len >= addr && starts_high == ends_high;
}

/* The low end of a top-down search: 4 GiB for a native MAP_ABOVE4G one. */
static unsigned long x86_topdown_low(const struct dryrun_request *dr,
				     unsigned long flags)
{
	return !dr->compat && vmalens_map_above4g(flags) ? SZ_4G : PAGE_SIZE;
}

/* arch/x86/kernel/sys_x86_64.c, both directions, anonymous mappings. */
static unsigned long own_search(const struct dryrun_request *dr, bool topdown,
				unsigned long addr, unsigned long len,
				unsigned long flags)
{
	bool map32 = !dr->compat && (flags & MAP_32BIT);
	unsigned long hint = addr, low, end;

	if (topdown && len > TASK_SIZE)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return addr;
	if (topdown && !map32) {
		if (addr) {
			addr &= PAGE_MASK;
			if (x86_hint_valid(addr, len) &&
			    hint_fits(dr, addr, len, ULONG_MAX))
				return addr;
		}
		end = x86_mmap_base(dr, false);
		if (addr > DEFAULT_MAP_WINDOW && !dr->compat)
			end += TASK_SIZE_MAX - DEFAULT_MAP_WINDOW;
		addr = search_window(dr, true, x86_topdown_low(dr, flags), end, len);
		if (!offset_in_page(addr))
			return addr;
	}
	/* Bottom-up, and the topdown fallback; MAP_32BIT's random start is
	 * modelled at its lowest value and reported as random by the caller.
	 */
	if (map32) {
		low = MAP32_WINDOW_START;
		end = MAP32_WINDOW_END;
	} else {
		low = x86_mmap_base(dr, true);
		end = dr->compat ? TASK_SIZE : (hint > DEFAULT_MAP_WINDOW ?
						TASK_SIZE_MAX : DEFAULT_MAP_WINDOW);
	}
	if (len > end)
		return -ENOMEM;
	if (hint) {
		addr = PAGE_ALIGN(hint);
		if (hint_fits(dr, addr, len, end))
			return addr;
	}
	return search_window(dr, false, low, end, len);
}
#else
/* mm/mmap.c: generic_get_unmapped_area[_topdown](), as arm64 uses them. */
static unsigned long own_search(const struct dryrun_request *dr, bool topdown,
				unsigned long addr, unsigned long len,
				unsigned long flags)
{
	unsigned long mmap_end = addr > DEFAULT_MAP_WINDOW ? TASK_SIZE :
							     DEFAULT_MAP_WINDOW;
	unsigned long base = dr->mm->mmap_base, ret;

	if (len > mmap_end - dr->min_addr)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return addr;
	if (addr) {
		addr = PAGE_ALIGN(addr);
		if (hint_fits(dr, addr, len, mmap_end))
			return addr;
	}
	if (!topdown) {
		/* A legacy mm's base; for a top-down one, the legacy base
		 * without the random offset it never drew.
		 */
		if (vmalens_mm_topdown(dr->mm))
			base = TASK_UNMAPPED_BASE;
		return search_window(dr, false, base, mmap_end, len);
	}
	if (addr > DEFAULT_MAP_WINDOW)
		base += TASK_SIZE - DEFAULT_MAP_WINDOW;
	ret = search_window(dr, true, max(PAGE_SIZE, dr->min_addr), base, len);
	if (!offset_in_page(ret))
		return ret;
	return search_window(dr, false, TASK_UNMAPPED_BASE, mmap_end, len);
}
#endif

/*
 * __thp_get_unmapped_area() (mm/huge_memory.c, 5.10-7.x) over vmalens' own
 * search, for a mapping at file offset @off (0: anonymous): search a PMD
 * more, keep a hint that fits that, else move the result to the offset's
 * place in a PMD; since 6.8 a top-down result already there moves up a
 * PMD.  0 where the kernel falls back to the plain search.
 */
static unsigned long own_thp_search(const struct dryrun_request *dr, bool topdown,
				    unsigned long addr, unsigned long len,
				    loff_t off, unsigned long flags)
{
	loff_t off_end = off + len, off_align = round_up(off, PMD_SIZE);
	unsigned long len_pad = len + PMD_SIZE, ret, off_sub;

	if (off_end <= off_align || off_end - off_align < PMD_SIZE)
		return 0;
	if (len_pad < len || off + len_pad < off)
		return 0;
	ret = own_search(dr, topdown, addr, len_pad, flags);
	if (IS_ERR_VALUE(ret))
		return 0;
	if (ret == addr)
		return addr;
	off_sub = (off - ret) & (PMD_SIZE - 1);
	if (VMALENS_THP_TOPDOWN_MOVES_UP && topdown && !off_sub)
		return ret + PMD_SIZE;
	return ret + off_sub;
}

/* The end of __get_unmapped_area(): whoever chose @addr, it must fit. */
static unsigned long gua_final_checks(unsigned long addr, unsigned long len)
{
	if (IS_ERR_VALUE(addr))
		return addr;
	if (addr > TASK_SIZE - len)
		return -ENOMEM;
	if (offset_in_page(addr))
		return -EINVAL;
	return addr;
}

/*
 * __get_unmapped_area() around vmalens' own arch search.  A file's own
 * get_unmapped_area other than thp_get_unmapped_area() (shmem's, a
 * driver's) is not modelled: the answer says so.
 */
static unsigned long own_get_unmapped_area(struct dryrun_request *dr, bool topdown,
					   unsigned long addr, unsigned long len,
					   unsigned long pgoff, unsigned long flags)
{
	struct vmalens_unmapped_area *r = &dr->req;
	struct file *file = dr->file;
	unsigned long ret;

	if (len > TASK_SIZE)
		return -ENOMEM;
	if (own_thp_applies(dr, addr, len, flags)) {
		ret = own_thp_search(dr, topdown, addr, len,
				     file ? (loff_t)pgoff << PAGE_SHIFT : 0, flags);
		if (ret)
			return gua_final_checks(ret, len);
	} else if (file && file->f_op->get_unmapped_area &&
		   !vmalens_file_uses_thp(file)) {
		r->result_flags |= VMALENS_UA_APPROXIMATE;
	}
	return gua_final_checks(own_search(dr, topdown, addr, len, flags), len);
}

/* --- the kernel's own placement code --------------------------------------- */

/*
 * The rest of __get_unmapped_area() where the kernel does not export it
 * (6.9+): the file/shmem/THP choice and the final checks. Before 6.9 the
 * exported get_unmapped_area() is the whole thing.
 */
static unsigned long kernel_search(struct dryrun_request *dr, unsigned long addr,
				   unsigned long len, unsigned long pgoff,
				   unsigned long flags)
{
	struct vmalens_unmapped_area *r = &dr->req;
	struct file *file = dr->file;

	r->layer = VMALENS_LAYER_ARCH;
	if (file && file->f_op->get_unmapped_area)
		r->layer = VMALENS_LAYER_FILE;
	else if (!file && (flags & MAP_SHARED))
		r->layer = VMALENS_LAYER_SHMEM;
#ifdef VMALENS_HAVE_GET_UNMAPPED_AREA
	return get_unmapped_area(file, addr, len, pgoff, flags);
#else
	if (len > TASK_SIZE)
		return -ENOMEM;
	if (!file)
		pgoff = 0;
	if (r->layer == VMALENS_LAYER_FILE) {
		addr = file->f_op->get_unmapped_area(file, addr, len, pgoff, flags);
	} else if (r->layer == VMALENS_LAYER_SHMEM) {
		/* shmem_get_unmapped_area is not exported; it only moves
		 * the result when shmem THP is enabled.
		 */
		if (len >= PMD_SIZE && !(flags & MAP_FIXED))
			r->result_flags |= VMALENS_UA_APPROXIMATE;
		addr = vmalens_mm_get_unmapped_area(dr->mm, file, addr, len,
						    pgoff, flags);
	} else if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) &&
		   vmalens_thp_applies(file) && !addr &&
		   IS_ALIGNED(len, PMD_SIZE)) {
		r->layer = VMALENS_LAYER_THP;
		addr = thp_get_unmapped_area(file, addr, len, pgoff, flags);
	} else {
		addr = vmalens_mm_get_unmapped_area(dr->mm, file, addr, len,
						    pgoff, flags);
	}
	return gua_final_checks(addr, len);
#endif
}

/*
 * security_mmap_addr() runs with the caller's credentials; ours are the
 * kernel's. Model the capability rule (commoncap); an LSM policy such as
 * SELinux' mmap_zero is not modelled.
 */
static unsigned long check_low_addr(const struct dryrun_request *dr,
				    unsigned long addr)
{
	if (!IS_ERR_VALUE(addr) && addr < dr->dac_min_addr && !dr->rawio)
		return -EPERM;
	return addr;
}

/* --- do_mmap() and the answer ---------------------------------------------- */

static void report_gap(struct dryrun_request *dr, unsigned long addr,
		       unsigned long len)
{
	struct vmalens_unmapped_area *r = &dr->req;
	struct vm_area_struct *next, *prev;

	next = find_vma(dr->mm, addr);
	if (next && next->vm_start < addr + len) {
		r->result_flags |= VMALENS_UA_REPLACES;
		return;
	}
	prev = vmalens_vma_before(dr->mm, addr);
	r->gap_start = prev ? prev->vm_end : 0;
	r->gap_end = next ? next->vm_start : dr->mm->task_size;
}

/*
 * file_mmap_size_max() and file_mmap_ok() (mm/mmap.c, 5.10 to 7.3; static
 * there): whether @pgoff and @len stay within what the file's offsets
 * can address.
 */
static bool dryrun_file_mmap_ok(struct file *file, unsigned long pgoff, unsigned long len)
{
	umode_t mode = file_inode(file)->i_mode;
	u64 maxsize = ULONG_MAX;

	if (S_ISREG(mode) || S_ISBLK(mode) || S_ISSOCK(mode))
		maxsize = MAX_LFS_FILESIZE;
	else if (vmalens_file_unsigned_offset(file))
		maxsize = 0;	/* no limit but the wrap-around below */
	if (maxsize && len > maxsize)
		return false;
	maxsize -= len;
	return pgoff <= maxsize >> PAGE_SHIFT;
}

/* path_noexec() (fs/exec.c, 5.10 to 7.3; not exported) */
static bool dryrun_path_noexec(const struct path *path)
{
	return (path->mnt->mnt_flags & MNT_NOEXEC) ||
	       (path->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/*
 * do_mmap()'s checks of a file mapping, which come after the address is
 * chosen (mm/mmap.c, 5.10 to 7.3), in its order.  They use the caller's
 * open file, as if the target had opened the file the same way.  Not
 * modelled: 5.10's mandatory locks (locks_verify_locked()), gone in 5.15.
 */
static int check_file_type(const struct dryrun_request *dr, unsigned long flags)
{
	const struct vmalens_unmapped_area *r = &dr->req;
	struct file *file = dr->file;
	struct inode *inode = file_inode(file);

	if (!dryrun_file_mmap_ok(file, r->pgoff, PAGE_ALIGN(r->len)))
		return -EOVERFLOW;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		flags &= LEGACY_MAP_MASK;
		fallthrough;
	case MAP_SHARED_VALIDATE:
		if (flags & ~LEGACY_MAP_MASK)
			return -EOPNOTSUPP;
		if (r->prot & PROT_WRITE) {
			if (!(file->f_mode & FMODE_WRITE))
				return -EACCES;
			if (IS_SWAPFILE(file->f_mapping->host))
				return -ETXTBSY;
		}
		/* an append-only file is never written through a mapping */
		if (IS_APPEND(inode) && (file->f_mode & FMODE_WRITE))
			return -EACCES;
		fallthrough;
	case MAP_PRIVATE:
		if (!(file->f_mode & FMODE_READ))
			return -EACCES;
		if ((r->prot & PROT_EXEC) && dryrun_path_noexec(&file->f_path))
			return -EPERM;
		if (!vmalens_can_mmap_file(file))
			return -ENODEV;
		return flags & MAP_GROWSDOWN ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/*
 * do_mmap()'s MAP_DROPPABLE (mm/mmap.c, 6.11 to 7.3): where the kernel has
 * VM_DROPPABLE (64-bit), neither locked, hugetlb nor a stack.
 */
static int check_droppable(unsigned long flags)
{
	/* VM_DROPPABLE is VM_NONE where the kernel cannot drop pages */
	if (!VMALENS_VM_DROPPABLE)
		return -EOPNOTSUPP;
	if (flags & (MAP_LOCKED | MAP_HUGETLB | MAP_GROWSDOWN))
		return -EINVAL;
	return 0;
}

/* do_mmap()'s type checks, which come after the address is chosen. */
static int check_type(const struct dryrun_request *dr, unsigned long flags)
{
	if (dr->file)
		return check_file_type(dr, flags);
	if (vmalens_map_droppable(flags))
		return check_droppable(flags);
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		return flags & MAP_GROWSDOWN ? -EINVAL : 0;
	case MAP_PRIVATE:
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * do_mmap()'s mlock checks, can_do_mlock() and mlock_future_ok() (called
 * mlock_future_check() before 6.5; mm/mlock.c and mm/mmap.c, 5.10 to 7.3,
 * not exported), for the target's limit and capability: MAP_LOCKED needs
 * a non-zero RLIMIT_MEMLOCK, and a locked mapping (MAP_LOCKED, or every
 * mapping after the target's mlockall(MCL_FUTURE)) must fit in it beside
 * what the target has locked already.
 */
static int check_mlock(const struct dryrun_request *dr, unsigned long len,
		       unsigned long flags)
{
	bool locked = (flags & MAP_LOCKED) || (dr->mm->def_flags & VM_LOCKED);

	if (dr->ipc_lock || !locked)
		return 0;
	if ((flags & MAP_LOCKED) && !dr->rlim_memlock)
		return -EPERM;
	if ((len >> PAGE_SHIFT) + dr->mm->locked_vm > dr->rlim_memlock >> PAGE_SHIFT)
		return -EAGAIN;
	return 0;
}

/*
 * Pages of the VMAs with all of @must in their vm_flags that [start, end)
 * overlaps: MAP_FIXED replaces them.
 */
static unsigned long pages_replaced(struct mm_struct *mm, unsigned long start,
				    unsigned long end, vm_flags_t must)
{
	struct vmalens_vma_iter it;
	struct vm_area_struct *vma;
	unsigned long pages = 0;

	vmalens_iter_init(&it, mm, start);
	while ((vma = vmalens_iter_next(&it)) && vma->vm_start < end)
		if ((vma->vm_flags & must) == must)
			pages += (min(end, vma->vm_end) - max(start, vma->vm_start)) >>
				 PAGE_SHIFT;
	return pages;
}

/* is_data_mapping() of the vm_flags do_mmap() would give the mapping. */
static bool dryrun_is_data(const struct dryrun_request *dr, unsigned long flags)
{
	/* VM_WRITE without VM_SHARED or VM_STACK (VM_GROWSDOWN here) */
	return (dr->req.prot & PROT_WRITE) && !(flags & MAP_GROWSDOWN) &&
	       ((flags & MAP_TYPE) == MAP_PRIVATE || vmalens_map_droppable(flags));
}

/*
 * mmap_region()'s first check, may_expand_vm() (mm/mmap.c, 5.10 to 7.3;
 * not exported) for the target's own limits: the new pages, less those a
 * MAP_FIXED mapping replaces, within RLIMIT_AS and, for a private writable
 * mapping, RLIMIT_DATA (with the kernel's exception for a zero soft
 * limit).  The ignore_rlimit_data boot option is not visible to a module:
 * taken as off, its default.
 */
static int check_expand(const struct dryrun_request *dr, unsigned long addr,
			unsigned long len, unsigned long flags)
{
	struct mm_struct *mm = dr->mm;
	unsigned long pages = len >> PAGE_SHIFT;

	pages -= pages_replaced(mm, addr, addr + len, 0);
	if (mm->total_vm + pages > dr->rlim_as >> PAGE_SHIFT)
		return -ENOMEM;
	if (!dryrun_is_data(dr, flags) ||
	    mm->data_vm + pages <= dr->rlim_data >> PAGE_SHIFT)
		return 0;
	if (!dr->rlim_data && mm->data_vm + pages <= dr->rlim_data_max >> PAGE_SHIFT)
		return 0;
	return -ENOMEM;
}

/*
 * /dev/zero (mem 1:5): its ->mmap, mmap_zero() (drivers/char/mem.c, 5.10 to
 * 7.3), makes a shared mapping shmem_zero_setup()'s, as mmap_region() does
 * a shared anonymous one, and a private one anonymous; it refuses nothing
 * else, so vmalens models all of it.
 */
static bool file_is_dev_zero(const struct file *file)
{
	const struct inode *inode = file_inode(file);

	return S_ISCHR(inode->i_mode) && imajor(inode) == MEM_MAJOR &&
	       iminor(inode) == 5;
}

/*
 * The pages the mapping would charge to the commit: mmap_region()'s
 * accountable_mapping() (a private writable mapping, less the accounted
 * pages MAP_FIXED replaces) or, for a shared anonymous or /dev/zero one,
 * shmem_zero_setup()'s shmem_acct_size() (all of it); none with
 * VM_NORESERVE, which MAP_NORESERVE sets unless vm.overcommit_memory is 2
 * and MAP_DROPPABLE always, or for hugetlbfs (mm/mmap.c, mm/vma.c,
 * mm/shmem.c; 5.10 to 7.3).
 */
static unsigned long commit_charge(const struct dryrun_request *dr, unsigned long addr,
				   unsigned long len, unsigned long flags)
{
	struct file *file = dr->file;

	if ((flags & MAP_NORESERVE) && dr->overcommit != OVERCOMMIT_NEVER)
		return 0;
	if (vmalens_map_droppable(flags))
		return 0;
	if (file && file_inode(file)->i_sb->s_magic == HUGETLBFS_MAGIC)
		return 0;
	if ((flags & MAP_TYPE) == MAP_PRIVATE)
		return dr->req.prot & PROT_WRITE ?
		       (len >> PAGE_SHIFT) - pages_replaced(dr->mm, addr, addr + len, VM_ACCOUNT) :
		       0;
	return file && !file_is_dev_zero(file) ? 0 : len >> PAGE_SHIFT;
}

/*
 * __vm_enough_memory() (mm/util.c, 5.10 to 7.3; not exported) for the
 * charge, with the target's CAP_SYS_ADMIN and total_vm: heuristic
 * overcommit (0) refuses only what exceeds RAM and swap together; 2
 * refuses what would take the memory committed system-wide to the
 * commit limit, less the reserves.
 */
static int check_commit(struct dryrun_request *dr, unsigned long addr,
			unsigned long len, unsigned long flags)
{
	unsigned long pages = commit_charge(dr, addr, len, flags);
	long allowed;

	/* an unreadable setting (-1) tells nothing: no refusal */
	if (!pages || dr->overcommit == OVERCOMMIT_ALWAYS || dr->overcommit < 0)
		return 0;
	if (dr->overcommit == OVERCOMMIT_GUESS) {
		if (pages <= totalram_pages() || dr->swap_pages < 0)
			return 0;
		return pages > totalram_pages() + dr->swap_pages ? -ENOMEM : 0;
	}
	dr->req.result_flags |= VMALENS_UA_GLOBAL_COMMIT;
	allowed = dr->commit_limit;
	if (allowed < 0)
		return 0;
	if (!dr->sys_admin)
		allowed -= dr->admin_reserve;
	allowed -= min(dr->mm->total_vm / 32, dr->user_reserve);
	return (long)(vm_memory_committed() + pages) < allowed ? 0 : -ENOMEM;
}

/*
 * The memfd write seals (F_SEAL_WRITE, F_SEAL_FUTURE_WRITE; mm/memfd.c,
 * mm/shmem.c, mm/mmap.c, 5.10 to 7.3): a shared writable mapping of a
 * write-sealed file is refused with EPERM.  do_mmap() keeps VM_SHARED only
 * for a writable fd.  A read-only shared one passes where the kernel has
 * the 6.7 rework that takes VM_MAYWRITE from it (is_shared_maywrite(),
 * backported to Debian's 5.10 and 6.1); before, F_SEAL_WRITE's negative
 * i_mmap_writable made mapping_map_writable() refuse it too.  Where the
 * check runs differs: in do_mmap() where it has memfd_check_seals_mmap()
 * (6.12, 7.3), after the commit charge before.
 */
static int check_write_seals(const struct dryrun_request *dr, unsigned long flags)
{
	struct file *file = dr->file;
	unsigned long type = flags & MAP_TYPE;

	if (!file || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) ||
	    !(file->f_mode & FMODE_WRITE))
		return 0;
	if ((dr->req.prot & PROT_WRITE) && vmalens_file_write_sealed(file))
		return -EPERM;
	if (!vmalens_sealed_file_maps_read_only() &&
	    atomic_read(&file->f_mapping->i_mmap_writable) < 0)
		return -EPERM;
	return 0;
}

/*
 * MAP_FIXED over a VMA sealed by mseal(2): the unmap that makes room
 * refuses with EPERM.  6.12 to 7.3 check it in vms_gather_munmap_vmas()
 * (mm/vma.c), before may_expand_vm(); 6.10 and 6.11, which no Debian
 * series carries, checked after it.
 */
static int check_sealed_vmas(const struct dryrun_request *dr, unsigned long addr,
			     unsigned long len)
{
	struct vmalens_vma_iter it;
	struct vm_area_struct *vma;

	vmalens_iter_init(&it, dr->mm, addr);
	while ((vma = vmalens_iter_next(&it)) && vma->vm_start < addr + len)
		if (vma->vm_flags & VMALENS_VM_SEALED)	/* 6.10+, 64-bit */
			return -EPERM;
	return 0;
}

/*
 * map_deny_write_exec() (include/linux/mman.h, 6.3 to 6.12; mm/ after)
 * for a process that called prctl(PR_SET_MDWE): a new mapping may not be
 * writable and executable at once (EACCES).
 */
static int check_mdwe(const struct dryrun_request *dr)
{
	u32 prot = dr->req.prot, wx = PROT_WRITE | PROT_EXEC;

	/* do_mmap()'s READ_IMPLIES_EXEC, which a noexec mount overrides */
	if ((prot & PROT_READ) && (dr->personality & READ_IMPLIES_EXEC) &&
	    !(dr->file && dryrun_path_noexec(&dr->file->f_path)))
		prot |= PROT_EXEC;
	if (!vmalens_mm_has_mdwe(dr->mm) || (prot & wx) != wx)
		return 0;
	return -EACCES;
}

/*
 * arch_validate_flags() (5.10 to 7.3; arm64's in asm/mman.h) on the flags
 * the new mapping would get: with MTE, PROT_MTE on memory that cannot
 * hold tags is EINVAL. The kernel's own inline helpers compute and judge
 * the flags; only VM_MTE_ALLOWED is vmalens' (vmalens_mte_allowed()).
 */
static int check_arch_flags(const struct dryrun_request *dr)
{
	vm_flags_t vm_flags = calc_vm_prot_bits(dr->req.prot, 0) |
			      vmalens_mte_allowed(dr->file);

	return arch_validate_flags(vm_flags) ? 0 : -EINVAL;
}

/* Record that @layer refused the mapping, if it did. */
static int refused_by(struct dryrun_request *dr, u32 layer, int err)
{
	if (err)
		dr->req.layer = layer;
	return err;
}

/*
 * The steps of do_mmap() and mmap_region() that can still refuse once the
 * address is chosen, in the kernel's order: 6.12's and 7.3's where the
 * memfd seals are checked in do_mmap().  Before, the seals and MDWE came
 * after the commit charge (shmem_mmap(), and 6.3 to 6.11's mmap_region()
 * after ->mmap; no Debian series has MDWE before 6.12).  The arch's
 * verdict on the flags (PROT_MTE) comes first in mmap_region() since the
 * 6.12 rework and its backports, last (after ->mmap) before.
 */
static int check_mapping(struct dryrun_request *dr, unsigned long addr,
			 unsigned long len, unsigned long flags)
{
	bool seals_first = vmalens_seals_in_do_mmap();
	int ret;

	ret = refused_by(dr, VMALENS_LAYER_DO_MMAP, check_mlock(dr, len, flags));
	if (!ret)
		ret = refused_by(dr, VMALENS_LAYER_DO_MMAP, check_type(dr, flags));
	if (!ret && seals_first)
		ret = refused_by(dr, VMALENS_LAYER_SEAL, check_write_seals(dr, flags));
	if (!ret && seals_first)
		ret = refused_by(dr, VMALENS_LAYER_MDWE, check_mdwe(dr));
	if (!ret && VMALENS_ARCH_FLAGS_FIRST)
		ret = refused_by(dr, VMALENS_LAYER_ARCH_FLAGS, check_arch_flags(dr));
	if (!ret)
		ret = refused_by(dr, VMALENS_LAYER_SEAL,
				 check_sealed_vmas(dr, addr, len));
	if (!ret)
		ret = refused_by(dr, VMALENS_LAYER_LIMITS,
				 check_expand(dr, addr, len, flags));
	if (!ret)
		ret = refused_by(dr, VMALENS_LAYER_COMMIT,
				 check_commit(dr, addr, len, flags));
	if (!ret && !seals_first)
		ret = refused_by(dr, VMALENS_LAYER_SEAL, check_write_seals(dr, flags));
	if (!ret && !seals_first)
		ret = refused_by(dr, VMALENS_LAYER_MDWE, check_mdwe(dr));
	if (!ret && !VMALENS_ARCH_FLAGS_FIRST)
		ret = refused_by(dr, VMALENS_LAYER_ARCH_FLAGS, check_arch_flags(dr));
	return ret;
}

/*
 * MAP_32BIT (x86-64 only) starts its search at a random page of the first
 * 32 MiB of its window when the process has PF_RANDOMIZE. Our kthread has
 * not, so it found the lowest possible address: say the answer is random,
 * and whether the highest start would leave no room at all.
 */
static void mark_random(struct dryrun_request *dr, unsigned long addr,
			unsigned long hint, unsigned long len)
{
	struct vmalens_unmapped_area *r = &dr->req;

	if (!IS_ENABLED(CONFIG_X86_64) || dr->compat || !dr->randomize ||
	    !(r->mmap_flags & DRYRUN_MAP_ARCH) || (r->mmap_flags & MAP_FIXED) ||
	    (r->mmap_flags & MAP_FIXED_NOREPLACE) || addr == PAGE_ALIGN(hint))
		return;
	r->result_flags |= VMALENS_UA_RANDOM;
	r->random_start = MAP32_WINDOW_START;
	r->random_end = MAP32_WINDOW_END;
	if (IS_ERR_VALUE(search_window(dr, false, MAP32_WINDOW_START +
				       MAP32_RANDOM_RANGE - PAGE_SIZE,
				       MAP32_WINDOW_END, len)))
		r->result_flags |= VMALENS_UA_MAY_FAIL;
}

/*
 * A check after the search refused the mapping.  Where some of MAP_32BIT's
 * random starts leave no room (mark_random()), the real mmap fails there
 * first, with -ENOMEM, on those draws: RANDOM and MAY_FAIL stay to say so.
 * Otherwise every draw reaches the check, and the refusal is certain.
 */
static void refused_after_random(struct dryrun_request *dr)
{
	struct vmalens_unmapped_area *r = &dr->req;

	if (r->result_flags & VMALENS_UA_MAY_FAIL)
		return;
	r->result_flags &= ~VMALENS_UA_RANDOM;
	r->random_start = 0;
	r->random_end = 0;
}

/* The placement part of do_mmap(), in its order. Returns address or -errno. */
static unsigned long dryrun_place(struct dryrun_request *dr)
{
	struct vmalens_unmapped_area *r = &dr->req;
	unsigned long flags = r->mmap_flags, addr = r->hint, len = r->len, hint;
	int ret;

	r->layer = VMALENS_LAYER_DO_MMAP;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {
		/* round_hint_to_min() */
		addr &= PAGE_MASK;
		if (addr && addr < dr->min_addr)
			addr = PAGE_ALIGN(dr->min_addr);
	}
	hint = addr;
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (r->pgoff + (len >> PAGE_SHIFT) < r->pgoff)
		return -EOVERFLOW;
	if (dr->mm->map_count > dr->max_map_count)
		return -ENOMEM;

	if (r->mode == VMALENS_MODE_AUTO) {
		addr = kernel_search(dr, addr, len, r->pgoff, flags);
	} else {
		r->layer = VMALENS_LAYER_VMALENS;
		r->result_flags |= VMALENS_UA_EMULATED;
		addr = own_get_unmapped_area(dr, r->mode == VMALENS_MODE_TOPDOWN,
					     addr, len, r->pgoff, flags);
	}
	if (flags & MAP_FIXED)
		r->layer = VMALENS_LAYER_DO_MMAP;
	addr = check_low_addr(dr, addr);
	if (IS_ERR_VALUE(addr))
		return addr;
	if ((r->mmap_flags & MAP_FIXED_NOREPLACE) &&
	    find_vma_intersection(dr->mm, addr, addr + len))
		return -EEXIST;
	mark_random(dr, addr, hint, len);
	ret = check_mapping(dr, addr, len, flags);
	if (ret) {
		refused_after_random(dr);
		return ret;
	}
	if (dr->file && !file_is_dev_zero(dr->file))
		r->result_flags |= VMALENS_UA_UNMODELLED_FILE_MMAP;
	report_gap(dr, addr, len);
	return addr;
}

/* Answer @dr->req; the target's lock is held and its ABI worn. */
static unsigned long dryrun_answer(struct dryrun_request *dr)
{
	struct vmalens_unmapped_area *r = &dr->req;

	if (dr->compat)
		r->result_flags |= VMALENS_UA_COMPAT;
	/* vm_mmap_pgoff() asks security_mmap_file() before anything else */
	if (IS_ENABLED(CONFIG_SECURITY))
		r->result_flags |= VMALENS_UA_UNMODELLED_LSM;
	if (r->mode == VMALENS_MODE_AUTO)
		r->mode_used = vmalens_mm_topdown(dr->mm) ?
			       VMALENS_MODE_TOPDOWN : VMALENS_MODE_BOTTOMUP;
	else
		r->mode_used = r->mode;
	return dryrun_place(dr);
}

/* Between two questions, let a waiting writer have the lock first. */
static int dryrun_yield_lock(struct dryrun_request *dr)
{
	if (!fatal_signal_pending(current) && !mmap_lock_is_contended(dr->mm))
		return 0;
	mmap_read_unlock(dr->mm);
	if (fatal_signal_pending(current))
		return -EINTR;
	return vmalens_read_lock_behind_writers(dr->mm);
}

/*
 * Answer every question under one hold of the target's lock (given up
 * when a writer waits), one switch to its mm and one change of ABI.
 * Questions left when the kthread is killed end in -EINTR.
 */
static void dryrun_ask_all(struct dryrun_request *dr)
{
	struct abi_state st;
	unsigned long addr;
	unsigned int i = 0;

	if (vmalens_read_lock_behind_writers(dr->mm))
		goto interrupted;
	kthread_use_mm(dr->mm);
	dryrun_enter_abi(&st, dr);
	for (; i < dr->nr; i++) {
		if (i && dryrun_yield_lock(dr))
			break;
		dr->req = dr->reqs[i].req;
		dr->file = dr->reqs[i].file;
		addr = dryrun_answer(dr);
		dr->reqs[i].req = dr->req;
		if (IS_ERR_VALUE(addr))
			dr->reqs[i].error = addr;
		else
			dr->reqs[i].req.addr = addr;
	}
	dryrun_leave_abi(&st);
	kthread_unuse_mm(dr->mm);
	if (i == dr->nr)
		mmap_read_unlock(dr->mm);
interrupted:
	/* A failed dryrun_yield_lock() left the lock dropped. */
	for (; i < dr->nr; i++)
		dr->reqs[i].error = -EINTR;
}

/* --- the kthreads ----------------------------------------------------------- */

/*
 * Starting a kthread costs more than a dry-run, so a few that finished a
 * request wait for the next one. Each request still gets a kthread of its
 * own: when none waits, a new one starts, so a request never queues
 * behind another process's lock. A kthread holds a module reference only
 * while it works; the idle ones are stopped by vmalens_dryrun_exit().
 */
#define DRYRUN_IDLE_MAX		2

/**
 * struct dryrun_thread - a kthread's slot on the idle list
 * @task:	the kthread
 * @dr:		the request handed to it, or NULL while it waits
 * @idle:	on dryrun_idle while it waits
 */
struct dryrun_thread {
	struct task_struct *task;
	struct dryrun_request *dr;
	struct list_head idle;
};

static LIST_HEAD(dryrun_idle);
static unsigned int dryrun_idle_nr;
static DEFINE_SPINLOCK(dryrun_idle_lock);

static void dryrun_finish(struct dryrun_request *dr)
{
	spin_lock(&dr->lock);
	dr->finished = true;
	spin_unlock(&dr->lock);
	complete(&dr->done);
	kref_put(&dr->ref, dryrun_release);
}

/* Wait on the idle list for the next request; false to exit instead. */
static bool dryrun_park(struct dryrun_thread *th)
{
	/* A SIGKILL from the last request's caller must not hit the next. */
	flush_signals(current);
	th->dr = NULL;
	spin_lock(&dryrun_idle_lock);
	if (dryrun_idle_nr == DRYRUN_IDLE_MAX) {
		spin_unlock(&dryrun_idle_lock);
		return false;
	}
	list_add(&th->idle, &dryrun_idle);
	dryrun_idle_nr++;
	spin_unlock(&dryrun_idle_lock);
	/* Idle, we hold no module reference: rmmod stops us instead. */
	module_put(THIS_MODULE);
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		if (READ_ONCE(th->dr))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return !kthread_should_stop();
}

static int dryrun_thread(void *data)
{
	struct dryrun_thread th = { .task = current, .dr = data };

	/* A killed caller sends SIGKILL: it ends our lock wait (see top). */
	allow_signal(SIGKILL);
	do {
		dryrun_ask_all(th.dr);
		dryrun_finish(th.dr);
	} while (dryrun_park(&th));
	if (kthread_should_stop())
		return 0;		/* stopped while idle: no reference held */
	module_put_and_kthread_exit(0);
}

/*
 * Run the kthread on the caller's CPU. The caller only sleeps until the
 * answer is there, so that CPU is free; waking the kthread on another,
 * idle CPU instead costs an IPI and that CPU's way out of idle, more than
 * the dry-run itself (x86_64-6.12 under TCG: a median of 61-86 us and a
 * 90th percentile of 190-920 us per request, against 25 and 29 us on the
 * caller's CPU). Should that CPU go offline meanwhile, the call fails and
 * the kthread keeps the CPUs it had.
 */
static void dryrun_follow_caller(struct task_struct *task)
{
	set_cpus_allowed_ptr(task, cpumask_of(raw_smp_processor_id()));
}

/*
 * Take a kthread off the idle list; NULL if none waits. Once off the list
 * it is ours: it sleeps until dryrun_dispatch() gives it a request.
 */
static struct dryrun_thread *dryrun_take_idle(void)
{
	struct dryrun_thread *th;

	spin_lock(&dryrun_idle_lock);
	th = list_first_entry_or_null(&dryrun_idle, struct dryrun_thread, idle);
	if (th) {
		list_del(&th->idle);
		dryrun_idle_nr--;
	}
	spin_unlock(&dryrun_idle_lock);
	return th;
}

/* Hand @dr to a waiting kthread, or start one; returns it, referenced. */
static struct task_struct *dryrun_dispatch(struct dryrun_request *dr)
{
	struct dryrun_thread *th = dryrun_take_idle();
	struct task_struct *task;

	if (th) {
		task = th->task;
		get_task_struct(task);
		dryrun_follow_caller(task);
		WRITE_ONCE(th->dr, dr);
		wake_up_process(task);
		return task;
	}
	task = kthread_create(dryrun_thread, dr, "vmalens_dryrun");
	if (IS_ERR(task))
		return task;
	get_task_struct(task);		/* it may exit before we signal it */
	dryrun_follow_caller(task);
	wake_up_process(task);
	return task;
}

/**
 * vmalens_dryrun_exit() - stop the kthreads that wait for a request
 *
 * Called at unload, when no request can be in flight: every working
 * kthread holds a module reference.
 */
void vmalens_dryrun_exit(void)
{
	struct dryrun_thread *th, *tmp;
	LIST_HEAD(idle);

	spin_lock(&dryrun_idle_lock);
	list_splice_init(&dryrun_idle, &idle);
	dryrun_idle_nr = 0;
	spin_unlock(&dryrun_idle_lock);
	list_for_each_entry_safe(th, tmp, &idle, idle)
		kthread_stop(th->task);
}

/* --- the ioctl -------------------------------------------------------------- */

static int dryrun_check_request(const struct vmalens_unmapped_area *r)
{
	/* No flags are defined yet: refuse any so they can mean something later. */
	if (r->flags || r->reserved)
		return -EINVAL;
	if (r->mode > VMALENS_MODE_BOTTOMUP)
		return -EINVAL;
	/*
	 * hugetlbfs picks its own alignment from a file it creates; the DAX
	 * checks depend on the file system.
	 */
	if (r->mmap_flags & DRYRUN_MAP_UNMODELLED)
		return -EOPNOTSUPP;
	return 0;
}

/* Output fields are ignored on input, so a caller can reuse its struct. */
static void dryrun_clear_outputs(struct vmalens_unmapped_area *r)
{
	r->addr = 0;
	r->error = 0;
	r->mode_used = 0;
	r->gap_start = 0;
	r->gap_end = 0;
	r->layer = 0;
	r->result_flags = 0;
	r->random_start = 0;
	r->random_end = 0;
}

static int dryrun_open_file(struct dryrun_one *one)
{
	struct vmalens_unmapped_area *r = &one->req;

	/* mmap() never looks at an anonymous mapping's fd */
	if (r->mmap_flags & MAP_ANONYMOUS)
		return 0;
	if (r->fd < 0)
		return -EBADF;
	one->file = fget(r->fd);
	if (!one->file)
		return -EBADF;
	return 0;
}

/* Read one request of @usize bytes from @uaddr and check it. */
static int dryrun_read_one(struct dryrun_one *one, const void __user *uaddr,
			   u64 usize)
{
	int ret;

	ret = copy_struct_from_user(&one->req, sizeof(one->req), uaddr, usize);
	if (ret)
		return ret;
	ret = dryrun_check_request(&one->req);
	if (ret)
		return ret;
	dryrun_clear_outputs(&one->req);
	return dryrun_open_file(one);
}

/*
 * The commit figures the kernel does not export, from /proc/meminfo: read
 * here, before the target's mmap_lock is taken (a seq_file's mutex under
 * it is the reverse of the order /proc/PID/maps takes the two in), and
 * only where an answer may need them: swap for a request longer than
 * RAM under heuristic overcommit, the commit limit and the reserves
 * under strict.
 */
static void dryrun_read_commit(struct dryrun_request *dr)
{
	u64 longest = 0;
	unsigned int i;
	int kb;

	dr->swap_pages = -1;
	dr->commit_limit = -1;
	dr->admin_reserve = 0;
	dr->user_reserve = 0;
	for (i = 0; i < dr->nr; i++)
		longest = max(longest, dr->reqs[i].req.len);
	if (dr->overcommit == OVERCOMMIT_GUESS && longest >> PAGE_SHIFT >= totalram_pages()) {
		dr->swap_pages = vmalens_meminfo_pages("SwapTotal");
	} else if (dr->overcommit == OVERCOMMIT_NEVER) {
		dr->commit_limit = vmalens_meminfo_pages("CommitLimit");
		kb = vmalens_sysctl_int("vm/admin_reserve_kbytes");
		dr->admin_reserve = kb > 0 ? (unsigned long)kb >> (PAGE_SHIFT - 10) : 0;
		kb = vmalens_sysctl_int("vm/user_reserve_kbytes");
		dr->user_reserve = kb > 0 ? (unsigned long)kb >> (PAGE_SHIFT - 10) : 0;
	}
}

static void dryrun_read_limits(struct dryrun_request *dr)
{
	int val;

	dr->min_addr = vmalens_mmap_min_addr(&dr->dac_min_addr);
	val = vmalens_sysctl_int("vm/max_map_count");
	dr->max_map_count = val > 0 ? val : DEFAULT_MAX_MAP_COUNT;
	dr->guard_gap = vmalens_stack_guard_gap();
	dr->overcommit = vmalens_sysctl_int("vm/overcommit_memory");
	dryrun_read_commit(dr);
}

static int dryrun_prepare(const struct file *file, struct dryrun_request *dr,
			  u32 pid)
{
	struct vmalens_target t;
	int ret;

	ret = vmalens_get_target(file, pid, &t);
	if (ret)
		return ret;
	dr->mm = t.mm;			/* the request now owns this reference */
	dr->compat = t.compat;
	dr->personality = t.personality;
	dr->randomize = t.randomize;
	dr->rawio = t.rawio;
	dr->ipc_lock = t.ipc_lock;
	dr->sys_admin = t.sys_admin;
	dr->rlim_memlock = task_rlimit(t.task, RLIMIT_MEMLOCK);
	dr->rlim_as = task_rlimit(t.task, RLIMIT_AS);
	dr->rlim_data = task_rlimit(t.task, RLIMIT_DATA);
	dr->rlim_data_max = task_rlimit_max(t.task, RLIMIT_DATA);
	put_task_struct(t.task);
	dryrun_read_limits(dr);
	return 0;
}

/*
 * Start @dr's kthread and wait for its answers. A fatal signal abandons
 * the request: the kthread is killed, and its reference frees the request.
 */
static int dryrun_run(struct dryrun_request *dr)
{
	struct task_struct *thread;
	unsigned int i;

	/* The kthread's references, which it drops when done with @dr. */
	__module_get(THIS_MODULE);
	kref_get(&dr->ref);
	thread = dryrun_dispatch(dr);
	if (IS_ERR(thread)) {
		kref_put(&dr->ref, dryrun_release);
		module_put(THIS_MODULE);
		return PTR_ERR(thread);
	}
	if (wait_for_completion_killable(&dr->done)) {
		spin_lock(&dr->lock);
		if (!dr->finished)
			send_sig(SIGKILL, thread, 1);
		spin_unlock(&dr->lock);
		put_task_struct(thread);
		return -EINTR;
	}
	put_task_struct(thread);
	for (i = 0; i < dr->nr; i++) {
		if (dr->reqs[i].error == -EINTR)	/* the kthread was killed */
			return -EINTR;
		dr->reqs[i].req.error = dr->reqs[i].error;
	}
	return 0;
}

/**
 * vmalens_ioctl_unmapped_area() - VMALENS_IOC_UNMAPPED_AREA
 * @file: the open /dev/vmalens
 * @uarg: the caller's struct vmalens_unmapped_area
 *
 * Return: 0 with the answer (including an mmap error in ->error) copied
 * back, or a negative errno for a request that could not be asked.
 */
long vmalens_ioctl_unmapped_area(const struct file *file,
				 struct vmalens_unmapped_area __user *uarg)
{
	struct dryrun_request *dr;
	struct dryrun_one *one;
	u64 usize;
	long ret;

	ret = vmalens_get_request_size(&uarg->size, &usize,
				       VMALENS_UNMAPPED_AREA_SIZE_VER0);
	if (ret)
		return ret;
	dr = dryrun_alloc(1);
	if (!dr)
		return -ENOMEM;
	one = &dr->reqs[0];
	ret = dryrun_read_one(one, uarg, usize);
	if (ret)
		goto out_put;
	ret = dryrun_prepare(file, dr, one->req.pid);
	if (ret)
		goto out_put;
	ret = dryrun_run(dr);
	if (ret)
		goto out_put;
	if (copy_to_user(uarg, &one->req, min_t(u64, usize, sizeof(one->req))))
		ret = -EFAULT;
out_put:
	kref_put(&dr->ref, dryrun_release);
	return ret;
}

/* Read and check every request of a batch; on error, *@bad is its index. */
static int dryrun_read_batch(struct dryrun_request *dr,
			     const struct vmalens_unmapped_area_batch *b,
			     u32 *bad)
{
	const void __user *base = u64_to_user_ptr(b->reqs_addr);
	unsigned int i;
	u64 size;
	int ret;

	for (i = 0; i < dr->nr; i++) {
		const void __user *uaddr = base + (size_t)i * b->req_size;

		*bad = i;
		if (get_user(size, (const u64 __user *)uaddr))
			return -EFAULT;
		if (size != b->req_size)
			return -EINVAL;
		ret = dryrun_read_one(&dr->reqs[i], uaddr, size);
		if (ret)
			return ret;
		/* Every request is about the batch's process. */
		if (dr->reqs[i].req.pid && dr->reqs[i].req.pid != b->pid)
			return -EINVAL;
	}
	return 0;
}

static int dryrun_write_batch(const struct dryrun_request *dr,
			      const struct vmalens_unmapped_area_batch *b)
{
	void __user *base = u64_to_user_ptr(b->reqs_addr);
	size_t len = min_t(size_t, b->req_size, sizeof(dr->reqs[0].req));
	unsigned int i;

	for (i = 0; i < dr->nr; i++)
		if (copy_to_user(base + (size_t)i * b->req_size,
				 &dr->reqs[i].req, len))
			return -EFAULT;
	return 0;
}

static int dryrun_check_batch(const struct vmalens_unmapped_area_batch *b)
{
	if (b->flags)
		return -EINVAL;
	if (!b->count || b->count > VMALENS_BATCH_MAX)
		return -EINVAL;
	/* Each element is itself an extensible struct of that size. */
	if (b->req_size < VMALENS_UNMAPPED_AREA_SIZE_VER0 ||
	    b->req_size > PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/**
 * vmalens_ioctl_unmapped_area_batch() - VMALENS_IOC_UNMAPPED_AREA_BATCH
 * @file: the open /dev/vmalens
 * @uarg: the caller's struct vmalens_unmapped_area_batch
 *
 * One kthread, one hold of the target's lock and one switch of mm answer
 * them all: the per-request cost of the single ioctl is mostly those.
 *
 * Return: 0 with every answer copied back, or a negative errno (for an
 * invalid request, with its index in ->count).
 */
long vmalens_ioctl_unmapped_area_batch(const struct file *file, void __user *uarg)
{
	struct vmalens_unmapped_area_batch b;
	struct dryrun_request *dr;
	u64 usize;
	u32 bad;
	long ret;

	ret = vmalens_get_request_size(uarg, &usize,
				       VMALENS_UNMAPPED_AREA_BATCH_SIZE_VER0);
	if (ret)
		return ret;
	ret = copy_struct_from_user(&b, sizeof(b), uarg, usize);
	if (ret)
		return ret;
	ret = dryrun_check_batch(&b);
	if (ret)
		return ret;
	dr = dryrun_alloc(b.count);
	if (!dr)
		return -ENOMEM;
	ret = dryrun_read_batch(dr, &b, &bad);
	if (ret) {
		b.count = bad;
		if (copy_to_user(uarg, &b, min_t(u64, usize, sizeof(b))))
			ret = -EFAULT;
		goto out_put;
	}
	ret = dryrun_prepare(file, dr, b.pid);
	if (ret)
		goto out_put;
	ret = dryrun_run(dr);
	if (!ret)
		ret = dryrun_write_batch(dr, &b);
out_put:
	kref_put(&dr->ref, dryrun_release);
	return ret;
}
