// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: the "layout" report, the fields arch_pick_mmap_layout() and
 * exec left in a process's mm_struct.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/* Per open "layout" file: the process it reports on. */
struct layout_file {
	struct vmalens_pinned target;
};

static void vmalens_read_args(struct mm_struct *mm, struct vmalens_layout *lay)
{
	spin_lock(&mm->arg_lock);
	lay->arg_start = mm->arg_start;
	lay->arg_end = mm->arg_end;
	lay->env_start = mm->env_start;
	lay->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
}

/**
 * vmalens_read_layout() - snapshot the layout fields of an mm
 * @t:   the process (for pid, comm and bitness) and its mm, referenced
 * @lay: filled on success
 *
 * Takes and drops the mm's mmap read lock; must not be called with it held.
 *
 * Return: 0, or -EINTR if a fatal signal interrupted the lock wait.
 */
int vmalens_read_layout(const struct vmalens_target *t,
			struct vmalens_layout *lay)
{
	struct mm_struct *mm = t->mm;

	lay->pid = task_tgid_vnr(t->task);
	get_task_comm(lay->comm, t->task);
	lay->compat = t->compat;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	lay->topdown = vmalens_mm_topdown(mm);
	lay->mmap_base = mm->mmap_base;
	lay->mmap_legacy_base = mm->mmap_legacy_base;
	lay->task_size = mm->task_size;
	lay->start_code = mm->start_code;
	lay->end_code = mm->end_code;
	lay->start_data = mm->start_data;
	lay->end_data = mm->end_data;
	lay->start_brk = mm->start_brk;
	lay->brk = mm->brk;
	lay->start_stack = mm->start_stack;
	lay->vdso = (unsigned long)mm->context.vdso;
	lay->map_count = mm->map_count;
	lay->total_vm = mm->total_vm;
	vmalens_read_args(mm, lay);
	mmap_read_unlock(mm);
	return 0;
}

static void show_layout(struct seq_file *m, const struct vmalens_layout *lay)
{
	seq_printf(m, "pid: %d\ncomm: %s\n", lay->pid, lay->comm);
	seq_printf(m, "layout: %s\n", lay->topdown ? "topdown" : "legacy");
	seq_printf(m, "compat: %d\n", lay->compat);
	seq_printf(m, "mmap_base: 0x%lx\n", lay->mmap_base);
	seq_printf(m, "mmap_legacy_base: 0x%lx\n", lay->mmap_legacy_base);
	seq_printf(m, "task_size: 0x%lx\n", lay->task_size);
	seq_printf(m, "start_code: 0x%lx\nend_code: 0x%lx\n",
		   lay->start_code, lay->end_code);
	seq_printf(m, "start_data: 0x%lx\nend_data: 0x%lx\n",
		   lay->start_data, lay->end_data);
	seq_printf(m, "start_brk: 0x%lx\nbrk: 0x%lx\n",
		   lay->start_brk, lay->brk);
	seq_printf(m, "start_stack: 0x%lx\n", lay->start_stack);
	seq_printf(m, "arg_start: 0x%lx\narg_end: 0x%lx\n",
		   lay->arg_start, lay->arg_end);
	seq_printf(m, "env_start: 0x%lx\nenv_end: 0x%lx\n",
		   lay->env_start, lay->env_end);
	seq_printf(m, "vdso: 0x%lx\n", lay->vdso);
	seq_printf(m, "map_count: %d\n", lay->map_count);
	seq_printf(m, "total_vm: %lu\n", lay->total_vm);
	seq_printf(m, "page_size: %lu\n", PAGE_SIZE);
}

static int layout_show(struct seq_file *m, void *unused)
{
	struct layout_file *lf = m->private;
	struct vmalens_target t;
	struct vmalens_layout lay;
	int err;

	err = vmalens_get_pinned(&lf->target, &t);
	if (err)
		return err;
	err = vmalens_read_layout(&t, &lay);
	vmalens_put_target(&t);
	if (err)
		return err;
	show_layout(m, &lay);
	/* Read the sysctls with no lock held: they go through the VFS. */
	seq_printf(m, "mmap_rnd_bits: %d\n",
		   vmalens_sysctl_int("vm/mmap_rnd_bits"));
	seq_printf(m, "mmap_rnd_compat_bits: %d\n",
		   vmalens_sysctl_int("vm/mmap_rnd_compat_bits"));
	seq_printf(m, "stack_guard_gap: %lu\n", vmalens_stack_guard_gap());
	return 0;
}

static int layout_open(struct inode *inode, struct file *file)
{
	struct layout_file *lf;
	int err;

	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	/* The global target, judged now with the opener's credentials. */
	vmalens_pin_target(file, vmalens_global_target(), &lf->target);
	err = single_open(file, layout_show, lf);
	if (err) {
		vmalens_unpin_target(&lf->target);
		kfree(lf);
	}
	return err;
}

/* Choose another process; the next read starts from the beginning. */
static ssize_t layout_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct layout_file *lf = m->private;

	return vmalens_write_pinned(file, ubuf, count, ppos, &lf->target);
}

static int layout_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct layout_file *lf = m->private;

	vmalens_unpin_target(&lf->target);
	kfree(lf);
	return single_release(inode, file);
}

static const struct file_operations layout_fops = {
	.owner		= THIS_MODULE,
	.open		= layout_open,
	.read		= seq_read,
	.write		= layout_write,
	.llseek		= seq_lseek,
	.release	= layout_release,
};

/**
 * vmalens_layout_init() - create the "layout" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_layout_init(struct dentry *dir)
{
	debugfs_create_file("layout", 0600, dir, NULL, &layout_fops);
}

/* The x86 bases for 32-bit syscalls; no other arch keeps separate ones. */
static void ioc_compat_bases(struct mm_struct *mm, struct vmalens_mm_layout *out)
{
#ifdef CONFIG_HAVE_ARCH_COMPAT_MMAP_BASES
	out->mmap_compat_base = mm->mmap_compat_base;
	out->mmap_compat_legacy_base = mm->mmap_compat_legacy_base;
#endif
}

static void ioc_fill_layout(const struct vmalens_layout *lay,
			    struct vmalens_mm_layout *out)
{
	unsigned long dac;

	out->layout = lay->topdown ? VMALENS_MODE_TOPDOWN : VMALENS_MODE_BOTTOMUP;
	out->compat = lay->compat;
	out->mmap_base = lay->mmap_base;
	out->mmap_legacy_base = lay->mmap_legacy_base;
	out->task_size = lay->task_size;
	out->start_code = lay->start_code;
	out->end_code = lay->end_code;
	out->start_data = lay->start_data;
	out->end_data = lay->end_data;
	out->start_brk = lay->start_brk;
	out->brk = lay->brk;
	out->start_stack = lay->start_stack;
	out->arg_start = lay->arg_start;
	out->arg_end = lay->arg_end;
	out->env_start = lay->env_start;
	out->env_end = lay->env_end;
	out->vdso = lay->vdso;
	out->map_count = lay->map_count;
	out->total_vm = lay->total_vm;
	out->page_size = PAGE_SIZE;
	out->stack_guard_gap = vmalens_stack_guard_gap();
	out->mmap_min_addr = vmalens_mmap_min_addr(&dac);
	out->mmap_rnd_bits = vmalens_sysctl_int("vm/mmap_rnd_bits");
	out->mmap_rnd_compat_bits =
		vmalens_sysctl_int("vm/mmap_rnd_compat_bits");
	strscpy(out->comm, lay->comm, sizeof(out->comm));
}

/**
 * vmalens_ioctl_layout() - VMALENS_IOC_LAYOUT
 * @file: the open /dev/vmalens
 * @uarg: the caller's struct vmalens_mm_layout
 *
 * Return: 0 with the layout copied back, or a negative errno.
 */
long vmalens_ioctl_layout(const struct file *file, void __user *uarg)
{
	struct vmalens_mm_layout *out;
	struct vmalens_layout lay;
	struct vmalens_target t;
	u64 usize;
	long err;

	err = vmalens_get_request_size(uarg, &usize, VMALENS_MM_LAYOUT_SIZE_VER0);
	if (err)
		return err;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	err = copy_struct_from_user(out, sizeof(*out), uarg, usize);
	if (err)
		goto out_free;
	err = -EINVAL;
	if (out->flags)
		goto out_free;
	err = vmalens_get_target(file, out->pid, &t);
	if (err)
		goto out_free;
	err = vmalens_read_layout(&t, &lay);
	if (!err)
		ioc_compat_bases(t.mm, out);
	vmalens_put_target(&t);
	if (err)
		goto out_free;
	ioc_fill_layout(&lay, out);
	if (copy_to_user(uarg, out, min_t(u64, usize, sizeof(*out))))
		err = -EFAULT;
out_free:
	kfree(out);
	return err;
}
