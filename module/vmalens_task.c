// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: choosing the process to inspect, who may inspect it, and taking
 * its address space the way /proc does.
 *
 * Access follows the model of /proc/PID/maps, stricter where a module
 * cannot do what /proc does:
 *  - The decision is taken when the process is chosen: at each ioctl on
 *    /dev/vmalens (the pid is in the request), or when a pid is written to
 *    a debugfs file (or the file is opened, for the global target). From
 *    then on the file keeps that process's mm, as /proc/PID/maps keeps the
 *    one it opened: whoever holds the file reads that process.
 *  - The decision takes both the caller's credentials and those the file
 *    was opened with: either may see its own process, anything else needs
 *    CAP_SYS_PTRACE in the initial user namespace in both. A file passed to
 *    another process is never worth more than its opener or its user.
 *  - ptrace_may_access() (and with it the LSM and Yama ptrace hooks that
 *    /proc runs) is not exported to modules: vmalens does not run those
 *    hooks. It asks for CAP_SYS_PTRACE instead of /proc's "same uid and
 *    dumpable", so a policy that lets a uid read its own processes' maps is
 *    narrower here, and a policy that denies a CAP_SYS_PTRACE holder (an
 *    LSM, Yama's ptrace_scope=3) is not applied.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "vmalens.h"
#include "vmalens_compat.h"

/* The global default written to "target"; 0 means "whoever opens". */
static pid_t vmalens_target_pid;

/**
 * vmalens_global_target() - the pid written to the "target" file
 *
 * Return: that pid, 0 for the reader's own process.
 */
pid_t vmalens_global_target(void)
{
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
 * vmalens_may_inspect_all() - may this file, used by current, see everyone?
 * @file: the open file the request came through
 *
 * Return: true if both the opener and the caller hold CAP_SYS_PTRACE in
 * the initial user namespace.
 */
bool vmalens_may_inspect_all(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE) &&
	       capable(CAP_SYS_PTRACE);
}

static bool may_inspect(const struct file *file, struct task_struct *task)
{
	return same_thread_group(task, current) || vmalens_may_inspect_all(file);
}

static struct task_struct *find_task(pid_t pid)
{
	struct task_struct *task;
	struct pid *p;

	if (!pid) {
		get_task_struct(current);
		return current;
	}
	p = find_get_pid(pid);		/* in the caller's pid namespace */
	if (!p)
		return NULL;
	task = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	return task;
}

/*
 * capable(@cap) as @task would see it: cap_capable() (security/commoncap.c,
 * 5.10 to 7.3) for the initial namespace grants a capability only to a
 * cred of that namespace with it effective.  An LSM's own say is not
 * modelled.
 */
static bool task_capable(struct task_struct *task, int cap)
{
	const struct cred *cred;
	bool capable;

	rcu_read_lock();
	cred = __task_cred(task);
	capable = cred->user_ns == &init_user_ns &&
		  cap_raised(cred->cap_effective, cap);
	rcu_read_unlock();
	return capable;
}

/**
 * vmalens_take_mm() - take @task's mm the way mm_access() does
 * @task: the task, referenced by the caller
 * @t:    its mm and the task state that goes with it, on success
 *
 * mm_access() (kernel/fork.c, all versions) is not exported. Like it, take
 * the mm under the task's exec_update_lock: exec holds it for writing from
 * before exec_mmap() installs the new mm until setup_new_exec() has given
 * it a layout, so the mm is either the one before exec or a finished one.
 * The bitness, personality and credentials exec changes in that window are
 * read under the same lock, so they belong to that mm.
 *
 * Return: 0, -EINTR (fatal signal while exec held the lock), -ENXIO (no
 * mm: kernel thread, zombie) or -EAGAIN (an mm without a layout).
 */
int vmalens_take_mm(struct task_struct *task, struct vmalens_target *t)
{
	struct mm_struct *mm;
	int err;

	if (down_read_killable(&task->signal->exec_update_lock))
		return -EINTR;
	err = -ENXIO;
	mm = get_task_mm(task);		/* NULL for kernel threads, zombies */
	if (!mm)
		goto unlock;
	err = -EAGAIN;
	if (!vmalens_mm_has_layout(mm)) {
		mmput(mm);
		goto unlock;
	}
	t->mm = mm;
	t->compat = vmalens_task_compat(task);
	t->randomize = task->flags & PF_RANDOMIZE;
	t->rawio = task_capable(task, CAP_SYS_RAWIO);
	t->ipc_lock = task_capable(task, CAP_IPC_LOCK);
	t->sys_admin = task_capable(task, CAP_SYS_ADMIN);
	t->personality = task->personality;
	err = 0;
unlock:
	up_read(&task->signal->exec_update_lock);
	return err;
}

/**
 * vmalens_read_lock_behind_writers() - take @mm's lock for reading, after
 * the writers that wait for it
 * @mm: the target's mm, its lock not held by us
 *
 * A walk gives the lock up when a writer waits (the target's own mmap,
 * say), but must not take it straight back: the rwsem lets a lone reader
 * take a reader-owned lock ahead of a writer that was woken and has not
 * run yet (the rwsem's reader lock stealing), and a walk that came back
 * at once would keep the writer out until the rwsem hands the lock over,
 * milliseconds later. So wait while anyone waits for the lock: a writer
 * leaves the wait list when it has the lock, and the read lock is then
 * taken behind it. The wait is bounded by two jiffies, when the rwsem's
 * handoff would have let the writer in anyway.
 *
 * Return: 0 with the lock held for reading, or -EINTR on a fatal signal.
 */
int vmalens_read_lock_behind_writers(struct mm_struct *mm)
{
	unsigned long until = jiffies + 2;

	while (mmap_lock_is_contended(mm) && time_before(jiffies, until)) {
		if (fatal_signal_pending(current))
			return -EINTR;
		usleep_range(10, 20);
	}
	return mmap_read_lock_killable(mm) ? -EINTR : 0;
}

/**
 * vmalens_get_target() - look up a pid, check access and take its mm
 * @file: the open file the request came through (its opener's credentials)
 * @pid:  pid in the caller's pid namespace, 0 for the caller itself
 * @t:    filled with referenced task and mm on success
 *
 * Release with vmalens_put_target().
 *
 * Return: 0, -ESRCH (no such pid), -EPERM (not allowed), or an error of
 * vmalens_take_mm().
 */
int vmalens_get_target(const struct file *file, u64 pid,
		       struct vmalens_target *t)
{
	int err;

	/* Beyond INT_MAX no pid exists; don't let it turn negative. */
	if (pid > INT_MAX)
		return -ESRCH;
	t->task = find_task(pid);
	if (!t->task)
		return -ESRCH;
	err = -EPERM;
	if (!may_inspect(file, t->task))
		goto put_task;
	err = vmalens_take_mm(t->task, t);
	if (err)
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

/**
 * vmalens_pin_target() - choose the process a debugfs file reports on
 * @file: the debugfs file; its opener and current must both be allowed
 * @pid:  the pid (0: the caller's own process)
 * @p:    replaced: the process's struct pid and mm, or the error
 *
 * Like /proc/PID/maps at open, the file then keeps the process's struct
 * pid and mm (mmgrab(), not mmget(): the file must not keep a dead
 * process's memory alive). Reads see that process or nothing, never a
 * later process that reuses the pid number.
 */
void vmalens_pin_target(const struct file *file, pid_t pid,
			struct vmalens_pinned *p)
{
	struct vmalens_target t;

	vmalens_unpin_target(p);
	p->err = vmalens_get_target(file, pid, &t);
	if (p->err)
		return;
	p->pid = get_task_pid(t.task, PIDTYPE_PID);
	p->compat = t.compat;
	mmgrab(t.mm);
	p->mm = t.mm;
	vmalens_put_target(&t);
}

/**
 * vmalens_write_pinned() - a pid written to a debugfs report that pins it
 * @file:  the seq_file-backed debugfs file
 * @ubuf:  the user's text
 * @count: its length
 * @ppos:  the file position, rewound: the next read starts anew
 * @p:     the file's pinned process, replaced
 *
 * Return: @count, or the error that kept the process from being chosen
 * (-EINVAL, -ESRCH, -EPERM, -ENXIO, -EINTR, ...); reads then fail with it.
 */
ssize_t vmalens_write_pinned(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos, struct vmalens_pinned *p)
{
	struct seq_file *m = file->private_data;
	ssize_t ret;
	pid_t pid;

	ret = vmalens_parse_pid(ubuf, count, &pid);
	if (ret < 0)
		return ret;
	/* Against a read of this file, which may be waiting for a lock. */
	if (mutex_lock_killable(&m->lock))
		return -EINTR;
	vmalens_pin_target(file, pid, p);
	if (p->err)
		ret = p->err;
	mutex_unlock(&m->lock);
	*ppos = 0;
	return ret;
}

/**
 * vmalens_unpin_target() - let go of what vmalens_pin_target() chose
 * @p: the pinned process, or one that holds nothing
 */
void vmalens_unpin_target(struct vmalens_pinned *p)
{
	if (p->mm)
		mmdrop(p->mm);
	put_pid(p->pid);
	p->mm = NULL;
	p->pid = NULL;
	p->err = -ESRCH;
}

/**
 * vmalens_get_pinned() - references on a pinned process for one read
 * @p: the pinned process
 * @t: filled with referenced task and mm on success
 *
 * Release with vmalens_put_target().
 *
 * Return: 0, the error that kept anything from being pinned, or -ESRCH
 * once the process has exited or exec'ed away from the pinned mm.
 */
int vmalens_get_pinned(const struct vmalens_pinned *p, struct vmalens_target *t)
{
	if (!p->pid)
		return p->err;
	t->task = get_pid_task(p->pid, PIDTYPE_PID);
	if (!t->task)
		return -ESRCH;
	if (!mmget_not_zero(p->mm)) {
		put_task_struct(t->task);
		return -ESRCH;
	}
	t->mm = p->mm;
	t->compat = p->compat;
	return 0;
}

static ssize_t target_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", vmalens_global_target());
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* Files opened later pin this pid; files already open keep theirs. */
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
