// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: choosing the process to inspect, and who may inspect it.
 *
 * Modules cannot call ptrace_may_access() or mm_access(), so the check is
 * stricter than /proc's: CAP_SYS_PTRACE, or the reader's own process.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "vmalens.h"

/* The global default written to "target"; 0 means "whoever reads". */
static pid_t vmalens_target_pid;

/**
 * vmalens_pick_pid() - the pid a report should describe
 * @file_pid: the pid written to the open file, or VMALENS_PID_UNSET
 *
 * Return: @file_pid if one was written, else the global target.
 */
pid_t vmalens_pick_pid(pid_t file_pid)
{
	if (file_pid != VMALENS_PID_UNSET)
		return file_pid;
	return READ_ONCE(vmalens_target_pid);
}

/**
 * vmalens_parse_pid() - parse a decimal pid written by userspace
 * @ubuf:  the user buffer
 * @count: its length
 * @pid:   where to store the pid (untouched on error)
 *
 * Return: @count, or -EINVAL for a malformed or negative pid.
 */
ssize_t vmalens_parse_pid(const char __user *ubuf, size_t count, pid_t *pid)
{
	int val;

	if (kstrtoint_from_user(ubuf, count, 10, &val) || val < 0)
		return -EINVAL;
	WRITE_ONCE(*pid, val);
	return count;
}

/**
 * vmalens_may_inspect() - may the reader see @task's address space?
 * @task: the task to inspect
 *
 * Return: true for the reader's own thread group, or with CAP_SYS_PTRACE.
 */
bool vmalens_may_inspect(struct task_struct *task)
{
	return same_thread_group(task, current) || capable(CAP_SYS_PTRACE);
}

static struct task_struct *vmalens_find_task(pid_t pid)
{
	struct task_struct *task;
	struct pid *p;

	if (!pid) {
		get_task_struct(current);
		return current;
	}
	p = find_get_pid(pid);		/* in the reader's pid namespace */
	if (!p)
		return NULL;
	task = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	return task;
}

/**
 * vmalens_get_target() - look up a pid, check access and pin its mm
 * @pid: pid in the reader's pid namespace, 0 for the reader itself
 * @t:   filled with referenced task and mm on success
 *
 * Release with vmalens_put_target().
 *
 * Return: 0, -ESRCH (no such pid), -EPERM (not allowed) or -ENXIO (no mm).
 */
int vmalens_get_target(pid_t pid, struct vmalens_target *t)
{
	int err;

	t->task = vmalens_find_task(pid);
	if (!t->task)
		return -ESRCH;
	err = -EPERM;
	if (!vmalens_may_inspect(t->task))
		goto put_task;
	err = -ENXIO;
	t->mm = get_task_mm(t->task);	/* NULL for kernel threads, zombies */
	if (!t->mm)
		goto put_task;
	return 0;

put_task:
	put_task_struct(t->task);
	t->task = NULL;
	return err;
}

/**
 * vmalens_put_target() - drop the references vmalens_get_target() took
 * @t: the target
 */
void vmalens_put_target(struct vmalens_target *t)
{
	mmput(t->mm);
	put_task_struct(t->task);
	t->mm = NULL;
	t->task = NULL;
}

static ssize_t target_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", READ_ONCE(vmalens_target_pid));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t target_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return vmalens_parse_pid(ubuf, count, &vmalens_target_pid);
}

static const struct file_operations target_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= target_read,
	.write	= target_write,
	.llseek	= default_llseek,
};

/**
 * vmalens_target_init() - create the "target" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_target_init(struct dentry *dir)
{
	debugfs_create_file("target", 0600, dir, NULL, &target_fops);
}
