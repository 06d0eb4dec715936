// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: the "aslr" report, how many random bits the kernel puts into
 * each region of a new process, from its own constants and settings.
 *
 * Userspace samples real processes and compares (vmalens aslr).  The
 * values here are what the code of this kernel promises at the current
 * sysctl settings, for a process exec'ed now: mmap_base and the PIE load
 * base get arch_mmap_rnd(), the stack STACK_RND_MASK pages plus the
 * arch_align_stack() sub-page offset, brk arch_randomize_brk()'s range,
 * and the vdso lands where its arch maps it.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "vmalens.h"
#include "vmalens_compat.h"

/* start_stack is rounded to 16 bytes (STACK_ROUND in binfmt_elf.c) */
#define VMALENS_STACK_ALIGN_SHIFT	4

/*
 * The theoretical randomization of one region.
 * @bits:     random bits in the address at the current settings
 * @shift:    the lowest address bit they can change
 * @min_rvs:  the kernel.randomize_va_space value that turns them on
 * @source:   where the bits come from, as the kernel names it
 */
struct aslr_region {
	const char *name;
	int bits;
	int shift;
	int min_rvs;
	const char *source;
};

/* The sysctl values the report is computed from. */
struct aslr_settings {
	int rvs;		/* kernel.randomize_va_space */
	int rnd_bits;		/* vm.mmap_rnd_bits */
	int rnd_compat_bits;	/* vm.mmap_rnd_compat_bits, -1 if none */
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

static void show_region(struct seq_file *m, const struct aslr_settings *s,
			const struct aslr_region *native,
			const struct aslr_region *compat)
{
	int bits = s->rvs >= native->min_rvs ? native->bits : 0;

	seq_printf(m, "region: %s\n", native->name);
	seq_printf(m, "bits: %d\nshift: %d\n", bits, native->shift);
	if (compat) {
		bits = s->rvs >= compat->min_rvs ? compat->bits : 0;
		seq_printf(m, "compat_bits: %d\ncompat_shift: %d\n", bits,
			   compat->shift);
	} else {
		seq_puts(m, "compat_bits: -1\ncompat_shift: -1\n");
	}
	seq_printf(m, "randomize_va_space_min: %d\n", native->min_rvs);
	seq_printf(m, "source: %s\n", native->source);
}

static void show_regions(struct seq_file *m, const struct aslr_settings *s)
{
	int rnd = max(s->rnd_bits, 0), crnd = max(s->rnd_compat_bits, 0);
	int stack_bits = aslr_stack_page_bits(false) + aslr_stack_subpage_bits();
	int cstack_bits = aslr_stack_page_bits(true) + aslr_stack_subpage_bits();
	const struct aslr_region native[] = {
		{ "mmap_base", rnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		{ "mmap_first", rnd, PAGE_SHIFT, 1, "mmap_base" },
		{ "stack", stack_bits, VMALENS_STACK_ALIGN_SHIFT, 1,
		  "STACK_RND_MASK+arch_align_stack" },
		{ "heap", aslr_brk_bits(false), PAGE_SHIFT, 2,
		  "arch_randomize_brk" },
		{ "exec", rnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		{ "vdso", VMALENS_VDSO_NEAR_STACK ? aslr_stack_page_bits(false) :
		  rnd, PAGE_SHIFT, 1, VMALENS_VDSO_NEAR_STACK ?
		  "vdso_addr" : "mmap_base" },
	};
	const struct aslr_region compat[] = {
		{ "mmap_base", crnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		{ "mmap_first", crnd, PAGE_SHIFT, 1, "mmap_base" },
		{ "stack", cstack_bits, VMALENS_STACK_ALIGN_SHIFT, 1,
		  "STACK_RND_MASK+arch_align_stack" },
		{ "heap", aslr_brk_bits(true), PAGE_SHIFT, 2,
		  "arch_randomize_brk" },
		{ "exec", crnd, PAGE_SHIFT, 1, "arch_mmap_rnd" },
		{ "vdso", crnd, PAGE_SHIFT, 1, "mmap_base" },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(native); i++)
		show_region(m, s, &native[i],
			    s->rnd_compat_bits >= 0 ? &compat[i] : NULL);
}

static int aslr_show(struct seq_file *m, void *unused)
{
	struct aslr_settings s;

	s.rvs = vmalens_sysctl_int("kernel/randomize_va_space");
	s.rnd_bits = vmalens_sysctl_int("vm/mmap_rnd_bits");
	s.rnd_compat_bits =
		vmalens_sysctl_int("vm/mmap_rnd_compat_bits");

	seq_printf(m, "page_size: %lu\n", PAGE_SIZE);
	seq_printf(m, "randomize_va_space: %d\n", s.rvs);
	seq_printf(m, "mmap_rnd_bits: %d\n", s.rnd_bits);
	seq_printf(m, "mmap_rnd_bits_min: %d\nmmap_rnd_bits_max: %d\n",
		   VMALENS_MMAP_RND_BITS_MIN, VMALENS_MMAP_RND_BITS_MAX);
	seq_printf(m, "mmap_rnd_compat_bits: %d\n", s.rnd_compat_bits);
	seq_printf(m, "mmap_rnd_compat_bits_min: %d\n",
		   VMALENS_MMAP_RND_COMPAT_BITS_MIN);
	seq_printf(m, "mmap_rnd_compat_bits_max: %d\n",
		   VMALENS_MMAP_RND_COMPAT_BITS_MAX);
	seq_printf(m, "stack_rnd_mask: 0x%lx\nstack_rnd_compat_mask: 0x%lx\n",
		   vmalens_stack_rnd_mask(false), vmalens_stack_rnd_mask(true));
	seq_printf(m, "stack_subpage_range: %lu\n",
		   (unsigned long)VMALENS_STACK_SUBPAGE_RANGE);
	seq_printf(m, "brk_range: 0x%lx\nbrk_compat_range: 0x%lx\n",
		   vmalens_brk_range(false), vmalens_brk_range(true));
	seq_printf(m, "thp_align_shift: %d\n", VMALENS_THP_ANON_ALIGN_SHIFT);
	show_regions(m, &s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aslr);

/**
 * vmalens_aslr_init() - create the "aslr" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_aslr_init(struct dentry *dir)
{
	debugfs_create_file("aslr", 0400, dir, NULL, &aslr_fops);
}
