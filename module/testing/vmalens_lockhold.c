// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens_lockhold: a test-only module that wedges a process's mmap_lock.
 *
 * Writing "PID MS" to /sys/kernel/debug/vmalens_lockhold takes PID's
 * mmap_lock for writing and holds it for MS milliseconds, in the writer's
 * own context: the write returns when the lock is dropped, or early on a
 * fatal signal. It stands in for a process whose lock is stuck behind a
 * slow fault (FUSE, NFS), so the selftests can check that vmalens neither
 * hangs nor makes other requests wait. Built only by the test bed.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

static struct dentry *lockhold_file;

static int lockhold(pid_t nr, unsigned int ms)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	pid = find_get_pid(nr);
	if (!pid)
		return -ESRCH;
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -ENXIO;
	if (mmap_write_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	msleep_interruptible(ms);
	mmap_write_unlock(mm);
	mmput(mm);
	return 0;
}

static ssize_t lockhold_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	unsigned int ms;
	char buf[32];
	int nr, err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%d %u", &nr, &ms) != 2 || nr <= 0 || ms > 60000)
		return -EINVAL;
	err = lockhold(nr, ms);
	return err ? err : count;
}

static const struct file_operations lockhold_fops = {
	.owner	= THIS_MODULE,
	.open	= nonseekable_open,
	.write	= lockhold_write,
	.llseek	= noop_llseek,
};

static int __init lockhold_init(void)
{
	lockhold_file = debugfs_create_file("vmalens_lockhold", 0200, NULL,
					    NULL, &lockhold_fops);
	return IS_ERR(lockhold_file) ? PTR_ERR(lockhold_file) : 0;
}

static void __exit lockhold_exit(void)
{
	debugfs_remove(lockhold_file);
}

module_init(lockhold_init);
module_exit(lockhold_exit);

MODULE_DESCRIPTION("vmalens tests: hold a process's mmap_lock for writing");
MODULE_LICENSE("GPL");
