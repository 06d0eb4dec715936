// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: the "vmas" report, /proc/PID/maps plus the kind of each VMA,
 * its raw vm_flags and the gaps between VMAs.
 *
 * Modelled on fs/proc/task_mmu.c: a read fills one seq_file buffer between
 * m_start() and m_stop(), and the walk resumes by address: *ppos is the
 * end of the last VMA shown (0 at the start). Where the kernel has per-VMA
 * locks (VMALENS_PER_VMA_LOCK), a buffer is filled under rcu_read_lock()
 * with each VMA read-locked while it is shown, as 7.x's /proc/PID/maps
 * does, and the target's mmap lock is never taken; a VMA that cannot be
 * locked ends the read early, and the next read resumes there. Elsewhere,
 * or when the first VMA of a read cannot be locked, the mmap lock is held
 * for that one buffer.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/* How the VMAs of one read are held. */
enum vmas_hold {
	VMAS_HOLD_NONE,		/* between reads */
	VMAS_HOLD_PER_VMA,	/* rcu_read_lock(), the shown VMA read-locked */
	VMAS_HOLD_MMAP,		/* the mmap lock, for reading */
};

/**
 * struct vmas_file - per open "vmas" file
 * @target:    the process this file reports on, chosen at open or write
 * @mm:        the mm being walked; non-NULL only between m_start() and
 *             m_stop(), held as @hold says
 * @hold:      how this read holds the VMAs it shows
 * @walk:      the per-VMA walk of this read (VMAS_HOLD_PER_VMA)
 * @gap_start: end of the VMA before the current one (0 before the first)
 * @prev_growsup: whether that VMA grows up (VM_GROWSUP; never on x86 or
 *             arm64), so its guard gap counts in the gap after it
 * @guard_gap: the kernel's stack_guard_gap, in bytes
 */
struct vmas_file {
	struct vmalens_pinned target;
	struct mm_struct *mm;
	enum vmas_hold hold;
	struct vmalens_vma_walk walk;
	unsigned long gap_start;
	bool prev_growsup;
	unsigned long guard_gap;
};

static const char * const kind_names[] = {
	[VMALENS_KIND_ANON]	= "anon",
	[VMALENS_KIND_FILE]	= "file",
	[VMALENS_KIND_HEAP]	= "heap",
	[VMALENS_KIND_STACK]	= "stack",
	[VMALENS_KIND_VDSO]	= "vdso",
	[VMALENS_KIND_VVAR]	= "vvar",
	[VMALENS_KIND_SPECIAL]	= "special",
};

static enum vmalens_vma_kind special_kind(const char *name)
{
	if (!strcmp(name, "[vdso]"))
		return VMALENS_KIND_VDSO;
	if (!strncmp(name, "[vvar", 5))	/* [vvar], [vvar_vclock] */
		return VMALENS_KIND_VVAR;
	return VMALENS_KIND_SPECIAL;
}

/**
 * vmalens_describe_vma() - how /proc/PID/maps names a VMA, and its kind
 * @vma: the VMA, under its mm's mmap lock or its own read lock
 * @d:   filled in; the strings and the path live as long as the VMA
 *
 * One helper for the text report and the binary ioctls, so both follow
 * the naming rules of the running kernel's get_vma_name()/show_map_vma().
 */
void vmalens_describe_vma(struct vm_area_struct *vma, struct vmalens_vma_desc *d)
{
	const char *anon_name = vmalens_anon_name(vma);

	memset(d, 0, sizeof(*d));
	if (vma->vm_file) {
		d->kind = VMALENS_KIND_FILE;
		if (anon_name) {
			d->anon_prefix = "anon_shmem";
			d->name = anon_name;
		} else {
			d->path = file_user_path(vma->vm_file);
		}
		return;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		d->name = vma->vm_ops->name(vma);
		if (d->name) {
			d->kind = special_kind(d->name);
			return;
		}
	}
	/* arch_vma_name() is NULL on x86 and arm64, and not exported. */
	if (vma_is_initial_heap(vma)) {
		d->name = "[heap]";
		d->kind = VMALENS_KIND_HEAP;
	} else if (vma_is_initial_stack(vma)) {
		d->name = "[stack]";
		d->kind = VMALENS_KIND_STACK;
	} else {
		d->kind = VMALENS_KIND_ANON;
		if (anon_name) {
			d->anon_prefix = "anon";
			d->name = anon_name;
		}
	}
}

/* start-end perms offset dev inode, padded as show_vma_header_prefix(). */
static void show_vma_header_prefix(struct seq_file *m,
				   struct vm_area_struct *vma)
{
	unsigned long long pgoff = 0, ino = 0;
	vm_flags_t flags = vma->vm_flags;
	dev_t dev = 0;

	if (vma->vm_file) {
		const struct inode *inode = file_user_inode(vma->vm_file);

		dev = inode->i_sb->s_dev;
		ino = inode->i_ino;
		pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
	}
	seq_setwidth(m, 25 + sizeof(void *) * 6 - 1);
	seq_printf(m, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %llu ",
		   vma->vm_start, vma->vm_end,
		   flags & VM_READ ? 'r' : '-',
		   flags & VM_WRITE ? 'w' : '-',
		   flags & VM_EXEC ? 'x' : '-',
		   flags & VM_MAYSHARE ? 's' : 'p',
		   pgoff, MAJOR(dev), MINOR(dev), ino);
}

static void show_map_vma(struct seq_file *m, struct vm_area_struct *vma)
{
	struct vmalens_vma_desc d;

	show_vma_header_prefix(m, vma);
	vmalens_describe_vma(vma, &d);
	if (d.path) {
		seq_pad(m, ' ');
		/* TAB too, so the last TAB always starts our fields. */
		seq_path(m, d.path, "\n\t");
	} else if (d.anon_prefix) {
		seq_pad(m, ' ');
		seq_printf(m, "[%s:%s]", d.anon_prefix, d.name);
	} else if (d.name) {
		seq_pad(m, ' ');
		seq_puts(m, d.name);
	}
	seq_printf(m, "\tkind=%s flags=0x%lx\n", kind_names[d.kind],
		   (unsigned long)vma->vm_flags);
}

/* The guard gap the kernel keeps free in this gap, clipped to it. */
static unsigned long gap_guard(struct vmas_file *vf,
			       struct vm_area_struct *vma, unsigned long size)
{
	unsigned long guard = 0;

	if (vma->vm_flags & VM_GROWSDOWN)
		guard += vf->guard_gap;
	if (vf->prev_growsup)
		guard += vf->guard_gap;
	return min(guard, size);
}

static void show_gap(struct seq_file *m, struct vmas_file *vf,
		     struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_start - vf->gap_start;
	unsigned long guard = gap_guard(vf, vma, size);

	seq_printf(m, "-- gap 0x%lx-0x%lx %lu", vf->gap_start,
		   vma->vm_start, size);
	if (guard)
		seq_printf(m, " guard=%lu", guard);
	seq_putc(m, '\n');
}

/*
 * The first VMA at or above @addr: under per-VMA locks where it can be
 * locked, else under the mmap lock; vf->hold says which. Either way the
 * read goes on under rcu_read_lock(), which m_stop() drops: the per-VMA
 * walk needs it, and filling one buffer under the mmap lock never sleeps.
 */
static void *first_vma(struct vmas_file *vf, unsigned long addr)
	__acquires(RCU)
{
	struct vm_area_struct *vma;

	rcu_read_lock();
	if (VMALENS_PER_VMA_LOCK) {
		vmalens_walk_init(&vf->walk, vf->mm, addr);
		vma = vmalens_walk_lock_next(&vf->walk);
		if (!IS_ERR(vma)) {
			vf->hold = VMAS_HOLD_PER_VMA;
			return vma;
		}
	}
	rcu_read_unlock();
	if (mmap_read_lock_killable(vf->mm)) {
		vma = ERR_PTR(-EINTR);
	} else {
		vf->hold = VMAS_HOLD_MMAP;
		vma = find_vma(vf->mm, addr);
	}
	rcu_read_lock();
	return vma;
}

static void *m_start(struct seq_file *m, loff_t *ppos)
	__acquires(RCU)
{
	struct vmas_file *vf = m->private;
	struct vmalens_target t;
	int err;

	vf->guard_gap = vmalens_stack_guard_gap();
	/* Access was decided when the process was chosen, as /proc does. */
	err = vmalens_get_pinned(&vf->target, &t);
	if (err) {
		rcu_read_lock();	/* m_stop() drops it */
		/* the process exited: the file ends here */
		return err == -ESRCH && vf->target.pid ? NULL : ERR_PTR(err);
	}
	put_task_struct(t.task);
	vf->mm = t.mm;
	vf->gap_start = *ppos;
	if (!*ppos)
		vf->prev_growsup = false;
	return first_vma(vf, vf->gap_start);
}

static void *m_next(struct seq_file *m, void *v, loff_t *ppos)
{
	struct vmas_file *vf = m->private;
	struct vm_area_struct *vma = v, *next;

	*ppos = vma->vm_end;
	vf->gap_start = vma->vm_end;
	vf->prev_growsup = vma->vm_flags & VM_GROWSUP;
	if (vf->hold == VMAS_HOLD_MMAP)
		return vmalens_next_vma(vf->mm, vma);
	vmalens_unlock_vma(vma);
	next = vmalens_walk_lock_next(&vf->walk);
	/* Being changed: end this read; the next one starts at *ppos. */
	return IS_ERR(next) ? NULL : next;
}

static void m_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	struct vmas_file *vf = m->private;

	if (vf->hold == VMAS_HOLD_PER_VMA && !IS_ERR_OR_NULL(v))
		vmalens_unlock_vma(v);
	rcu_read_unlock();
	if (vf->hold == VMAS_HOLD_MMAP)
		mmap_read_unlock(vf->mm);
	vf->hold = VMAS_HOLD_NONE;
	if (vf->mm) {
		mmput(vf->mm);
		vf->mm = NULL;
	}
}

static int show_vma(struct seq_file *m, void *v)
{
	struct vmas_file *vf = m->private;
	struct vm_area_struct *vma = v;

	/* A VMA may have grown below gap_start since the last read. */
	if (vma->vm_start > vf->gap_start)
		show_gap(m, vf, vma);
	show_map_vma(m, vma);
	return 0;
}

static const struct seq_operations vmas_sops = {
	.start	= m_start,
	.next	= m_next,
	.stop	= m_stop,
	.show	= show_vma,
};

static int vmas_open(struct inode *inode, struct file *file)
{
	struct vmas_file *vf;

	vf = __seq_open_private(file, &vmas_sops, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	/* The global target, judged now with the opener's credentials. */
	vmalens_pin_target(file, vmalens_global_target(), &vf->target);
	return 0;
}

/* Choose another process; the next read starts from the beginning. */
static ssize_t vmas_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct vmas_file *vf = m->private;

	return vmalens_write_pinned(file, ubuf, count, ppos, &vf->target);
}

static int vmas_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct vmas_file *vf = m->private;

	vmalens_unpin_target(&vf->target);
	return seq_release_private(inode, file);
}

static const struct file_operations vmas_fops = {
	.owner		= THIS_MODULE,
	.open		= vmas_open,
	.read		= seq_read,
	.write		= vmas_write,
	.llseek		= seq_lseek,
	.release	= vmas_release,
};

/**
 * vmalens_vmas_init() - create the "vmas" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_vmas_init(struct dentry *dir)
{
	debugfs_create_file("vmas", 0600, dir, NULL, &vmas_fops);
}
