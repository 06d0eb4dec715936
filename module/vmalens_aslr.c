// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: how many random bits the kernel puts into each region of a new
 * process, from its own constants and settings: the debugfs "aslr" report
 * and VMALENS_IOC_ASLR, both filled by aslr_fill().
 *
 * Userspace samples real processes and compares (vmalens aslr).  The
 * values here are what the code of this kernel promises at the current
 * sysctl settings, for a process exec'ed now: mmap_base and the PIE load
 * base get arch_mmap_rnd(), the stack STACK_RND_MASK pages plus the
 * arch_align_stack() sub-page offset, brk arch_randomize_brk()'s range,
 * and the vdso lands where its arch maps it.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/* start_stack is rounded to 16 bytes (STACK_ROUND in binfmt_elf.c) */
#define VMALENS_STACK_ALIGN_SHIFT	4

/* The region names of the "aslr" file, by enum vmalens_aslr_region. */
static const char *const aslr_region_names[VMALENS_ASLR_NR_REGIONS] = {
	[VMALENS_ASLR_MMAP_BASE]	= "mmap_base",
	[VMALENS_ASLR_MMAP_FIRST]	= "mmap_first",
	[VMALENS_ASLR_STACK]		= "stack",
	[VMALENS_ASLR_HEAP]		= "heap",
	[VMALENS_ASLR_EXEC]		= "exec",
	[VMALENS_ASLR_VDSO]		= "vdso",
	[VMALENS_ASLR_MMAP_FILE]	= "mmap_file",
};

/*
 * The theoretical randomization of one region, whatever the value of
 * kernel.randomize_va_space.
 * @bits:     random bits in the address
 * @shift:    the lowest address bit they can change
 * @min_rvs:  the kernel.randomize_va_space value that turns them on
 * @source:   where the bits come from, as the kernel names it
 */
struct aslr_region {
	int bits;
	int shift;
	int min_rvs;
	const char *source;
};

/* STACK_RND_MASK is a page count of the form 2^n - 1 */
static int aslr_stack_page_bits(bool compat)
{
	return fls_long(vmalens_stack_rnd_mask(compat));
}

/*
 * arch_align_stack() subtracts a random offset below RANGE, then rounds
 * to 16 bytes.  Above a page the offset overlaps the page bits: count
 * only the part below the page, the rest adds less than a bit.
 */
static int aslr_stack_subpage_bits(void)
{
	unsigned long range = min_t(unsigned long,
				    VMALENS_STACK_SUBPAGE_RANGE, PAGE_SIZE);

	return range ? ilog2(range) - VMALENS_STACK_ALIGN_SHIFT : 0;
}

static int aslr_brk_bits(bool compat)
{
	return ilog2(vmalens_brk_range(compat)) - PAGE_SHIFT;
}

/*
 * How a private mapping of one PMD of @file, without a hint, is aligned:
 * the lowest address bit its random part can change.  As
 * __get_unmapped_area() picks the file's get_unmapped_area: @file NULL
 * stands for a file system that maps through thp_get_unmapped_area().
 * A shmem file is aligned when its mount asks for huge pages (the "force"
 * setting of shmem_enabled, for testing only, is not seen); a function
 * vmalens does not know is reported as page aligned, and @source says so.
 */
static int aslr_file_shift(struct file *file, bool compat, const char **source)
{
	struct shmem_sb_info *sbinfo;
	struct super_block *sb;

	*source = "mmap_base";
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return PAGE_SHIFT;
	if (!file || vmalens_file_uses_thp(file)) {
		*source = "thp_get_unmapped_area";
		return vmalens_thp_aligns(file, compat) ? PMD_SHIFT : PAGE_SHIFT;
	}
	if (!file->f_op->get_unmapped_area) {
		if (!vmalens_thp_applies(file) || compat)
			return PAGE_SHIFT;
		*source = "thp_get_unmapped_area";
		return PMD_SHIFT;
	}
	sb = file_inode(file)->i_sb;
	if (sb->s_magic == RAMFS_MAGIC)		/* mm_get_unmapped_area() */
		return PAGE_SHIFT;
	if (sb->s_magic == TMPFS_MAGIC) {
		/* s_fs_info: SHMEM_SB() of mm/shmem.c, 5.10 to 7.x */
		sbinfo = sb->s_fs_info;
		*source = "shmem_get_unmapped_area";
		return sbinfo->huge ? PMD_SHIFT : PAGE_SHIFT;
	}
	*source = "the file's own, not modelled";
	return PAGE_SHIFT;
}

/* mmap_base's @rnd random pages, of which alignment to 2^@shift keeps some. */
static struct aslr_region aslr_file_region(int rnd, struct file *file,
					   bool compat)
{
	struct aslr_region r = { .min_rvs = 1 };

	r.shift = aslr_file_shift(file, compat, &r.source);
	r.bits = max(rnd - (r.shift - PAGE_SHIFT), 0);
	return r;
}

/* One entry of vmalens_aslr.regions; @compat is NULL without compat. */
static void aslr_fill_region(struct vmalens_aslr_bits *out, int rvs,
			     const struct aslr_region *native,
			     const struct aslr_region *compat)
{
	out->bits = rvs >= native->min_rvs ? native->bits : 0;
	out->shift = native->shift;
	if (compat) {
		out->compat_bits = rvs >= compat->min_rvs ? compat->bits : 0;
		out->compat_shift = compat->shift;
	} else {
		out->compat_bits = -1;
		out->compat_shift = -1;
	}
	out->min_rvs = native->min_rvs;
	out->reserved = 0;
	strscpy(out->source, native->source, sizeof(out->source));
}

/*
 * The regions, from the settings aslr_fill() has already stored in @a;
 * @file: the file of the mmap_file region, or NULL.
 */
static void aslr_fill_regions(struct vmalens_aslr *a, struct file *file)
{
	int rnd = max(a->mmap_rnd_bits, 0), crnd = max(a->mmap_rnd_compat_bits, 0);
	int stack_bits = aslr_stack_page_bits(false) + aslr_stack_subpage_bits();
	int cstack_bits = aslr_stack_page_bits(true) + aslr_stack_subpage_bits();
	const struct aslr_region native[VMALENS_ASLR_NR_REGIONS] = {
		[VMALENS_ASLR_MMAP_BASE] = { rnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		[VMALENS_ASLR_MMAP_FIRST] = { rnd, PAGE_SHIFT, 1, "mmap_base" },
		[VMALENS_ASLR_STACK] = { stack_bits, VMALENS_STACK_ALIGN_SHIFT, 1,
					 "STACK_RND_MASK+arch_align_stack" },
		[VMALENS_ASLR_HEAP] = { aslr_brk_bits(false), PAGE_SHIFT, 2,
					"arch_randomize_brk" },
		[VMALENS_ASLR_EXEC] = { rnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		[VMALENS_ASLR_VDSO] = { VMALENS_VDSO_NEAR_STACK ?
					aslr_stack_page_bits(false) : rnd,
					PAGE_SHIFT, 1, VMALENS_VDSO_NEAR_STACK ?
					"vdso_addr" : "mmap_base" },
		[VMALENS_ASLR_MMAP_FILE] = aslr_file_region(rnd, file, false),
	};
	const struct aslr_region compat[VMALENS_ASLR_NR_REGIONS] = {
		[VMALENS_ASLR_MMAP_BASE] = { crnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		[VMALENS_ASLR_MMAP_FIRST] = { crnd, PAGE_SHIFT, 1, "mmap_base" },
		[VMALENS_ASLR_STACK] = { cstack_bits, VMALENS_STACK_ALIGN_SHIFT, 1,
					 "STACK_RND_MASK+arch_align_stack" },
		[VMALENS_ASLR_HEAP] = { aslr_brk_bits(true), PAGE_SHIFT, 2,
					"arch_randomize_brk" },
		[VMALENS_ASLR_EXEC] = { crnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		[VMALENS_ASLR_VDSO] = { crnd, PAGE_SHIFT, 1, "mmap_base" },
		[VMALENS_ASLR_MMAP_FILE] = aslr_file_region(crnd, file, true),
	};
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(a->regions) < VMALENS_ASLR_NR_REGIONS);
	for (i = 0; i < VMALENS_ASLR_NR_REGIONS; i++)
		aslr_fill_region(&a->regions[i], a->randomize_va_space, &native[i],
				 a->mmap_rnd_compat_bits >= 0 ? &compat[i] : NULL);
	a->nr_regions = VMALENS_ASLR_NR_REGIONS;
}

/*
 * Every output field of @a, for the debugfs file and the ioctl alike;
 * @file: see aslr_fill_regions().  The input fields are left as the
 * caller set them.
 */
static void aslr_fill(struct vmalens_aslr *a, struct file *file)
{
	a->page_size = PAGE_SIZE;
	a->randomize_va_space = vmalens_sysctl_int("kernel/randomize_va_space");
	a->mmap_rnd_bits = vmalens_sysctl_int("vm/mmap_rnd_bits");
	a->mmap_rnd_bits_min = VMALENS_MMAP_RND_BITS_MIN;
	a->mmap_rnd_bits_max = VMALENS_MMAP_RND_BITS_MAX;
	a->mmap_rnd_compat_bits = vmalens_sysctl_int("vm/mmap_rnd_compat_bits");
	a->mmap_rnd_compat_bits_min = VMALENS_MMAP_RND_COMPAT_BITS_MIN;
	a->mmap_rnd_compat_bits_max = VMALENS_MMAP_RND_COMPAT_BITS_MAX;
	a->thp_align_shift = VMALENS_THP_ANON_ALIGN_SHIFT;
	a->stack_rnd_mask = vmalens_stack_rnd_mask(false);
	a->stack_rnd_compat_mask = vmalens_stack_rnd_mask(true);
	a->stack_subpage_range = VMALENS_STACK_SUBPAGE_RANGE;
	a->brk_range = vmalens_brk_range(false);
	a->brk_compat_range = vmalens_brk_range(true);
	memset(a->regions, 0, sizeof(a->regions));
	aslr_fill_regions(a, file);
}

static void show_region(struct seq_file *m, const char *name,
			const struct vmalens_aslr_bits *r)
{
	seq_printf(m, "region: %s\n", name);
	seq_printf(m, "bits: %d\nshift: %d\n", r->bits, r->shift);
	seq_printf(m, "compat_bits: %d\ncompat_shift: %d\n", r->compat_bits,
		   r->compat_shift);
	seq_printf(m, "randomize_va_space_min: %d\n", r->min_rvs);
	seq_printf(m, "source: %s\n", r->source);
}

static void show_aslr(struct seq_file *m, const struct vmalens_aslr *a)
{
	unsigned int i;

	seq_printf(m, "page_size: %llu\n", a->page_size);
	seq_printf(m, "randomize_va_space: %d\n", a->randomize_va_space);
	seq_printf(m, "mmap_rnd_bits: %d\n", a->mmap_rnd_bits);
	seq_printf(m, "mmap_rnd_bits_min: %d\nmmap_rnd_bits_max: %d\n",
		   a->mmap_rnd_bits_min, a->mmap_rnd_bits_max);
	seq_printf(m, "mmap_rnd_compat_bits: %d\n", a->mmap_rnd_compat_bits);
	seq_printf(m, "mmap_rnd_compat_bits_min: %d\n",
		   a->mmap_rnd_compat_bits_min);
	seq_printf(m, "mmap_rnd_compat_bits_max: %d\n",
		   a->mmap_rnd_compat_bits_max);
	seq_printf(m, "stack_rnd_mask: 0x%llx\nstack_rnd_compat_mask: 0x%llx\n",
		   a->stack_rnd_mask, a->stack_rnd_compat_mask);
	seq_printf(m, "stack_subpage_range: %llu\n", a->stack_subpage_range);
	seq_printf(m, "brk_range: 0x%llx\nbrk_compat_range: 0x%llx\n",
		   a->brk_range, a->brk_compat_range);
	seq_printf(m, "thp_align_shift: %d\n", a->thp_align_shift);
	for (i = 0; i < a->nr_regions; i++)
		show_region(m, aslr_region_names[i], &a->regions[i]);
}

static int aslr_show(struct seq_file *m, void *unused)
{
	struct vmalens_aslr *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	aslr_fill(a, NULL);
	show_aslr(m, a);
	kfree(a);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aslr);

/* The flags and input fields of @in, whose first @usize bytes came from the caller. */
static int aslr_check_request(const struct vmalens_aslr *in, u64 usize)
{
	if (in->flags & ~VMALENS_ASLR_FILE || in->reserved)
		return -EINVAL;
	if ((in->flags & VMALENS_ASLR_FILE) && usize < VMALENS_ASLR_SIZE_VER1)
		return -EINVAL;
	return 0;
}

/**
 * vmalens_ioctl_aslr() - VMALENS_IOC_ASLR
 * @uarg: the caller's struct vmalens_aslr
 *
 * The figures of the debugfs "aslr" file.  They describe the kernel, not a
 * process: no pid, and no permission beyond opening /dev/vmalens; the
 * file of VMALENS_ASLR_FILE is one the caller holds open.
 *
 * Return: 0 with the figures copied back, or a negative errno.
 */
long vmalens_ioctl_aslr(void __user *uarg)
{
	struct vmalens_aslr *out;
	struct file *file = NULL;
	u64 usize;
	long err;

	err = vmalens_get_request_size(uarg, &usize, VMALENS_ASLR_SIZE_VER0);
	if (err)
		return err;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	err = copy_struct_from_user(out, sizeof(*out), uarg, usize);
	if (err)
		goto out_free;
	err = aslr_check_request(out, usize);
	if (err)
		goto out_free;
	if (out->flags & VMALENS_ASLR_FILE) {
		file = fget(out->file_fd);
		err = -EBADF;
		if (!file)
			goto out_free;
	}
	aslr_fill(out, file);
	err = 0;
	if (copy_to_user(uarg, out, min_t(u64, usize, sizeof(*out))))
		err = -EFAULT;
	if (file)
		fput(file);
out_free:
	kfree(out);
	return err;
}

/**
 * vmalens_aslr_init() - create the "aslr" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_aslr_init(struct dentry *dir)
{
	debugfs_create_file("aslr", 0400, dir, NULL, &aslr_fops);
}
