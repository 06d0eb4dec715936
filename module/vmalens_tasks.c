// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: the "tasks" report, one line per process with an address space.
 *
 * The process list is walked under RCU only long enough to take a
 * reference on each thread-group leader; each mm is then read outside RCU
 * with its own mmap read lock, one process at a time.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vmalens.h"

/* Room for processes forked between counting and collecting. */
#define TASKS_SLACK	64

/**
 * struct task_list - referenced thread-group leaders
 * @tasks: the array
 * @nr:    how many are in it
 */
struct task_list {
	struct task_struct **tasks;
	unsigned int nr;
};

static unsigned int count_processes(void)
{
	struct task_struct *p;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process(p)
		n++;
	rcu_read_unlock();
	return n;
}

/*
 * Reference every process, or only the reader's own.  Processes forked
 * after counting beyond the slack are missed, as they would be by a read
 * a moment earlier.
 */
static int collect_processes(struct task_list *tl, bool all)
{
	unsigned int max = 1;
	struct task_struct *p;

	if (all)
		max = count_processes() + TASKS_SLACK;
	tl->tasks = kvmalloc_array(max, sizeof(*tl->tasks), GFP_KERNEL);
	if (!tl->tasks)
		return -ENOMEM;
	tl->nr = 0;
	rcu_read_lock();
	if (!all) {
		/* current, not its leader: that one may already be exiting */
		get_task_struct(current);
		tl->tasks[tl->nr++] = current;
	}
	for_each_process(p) {
		if (!all || tl->nr == max)
			break;
		get_task_struct(p);
		tl->tasks[tl->nr++] = p;
	}
	rcu_read_unlock();
	return 0;
}

static void release_processes(struct task_list *tl)
{
	unsigned int i;

	for (i = 0; i < tl->nr; i++)
		put_task_struct(tl->tasks[i]);
	kvfree(tl->tasks);
}

/*
 * One line; processes without an mm or a pid here are skipped, and so are
 * those in the middle of exec.
 */
static int show_process(struct seq_file *m, struct task_struct *task)
{
	struct vmalens_target t = { .task = task };
	struct vmalens_layout lay;
	int err;

	if (!task_tgid_vnr(task))	/* not in the reader's pid namespace */
		return 0;
	err = vmalens_take_mm(task, &t);
	if (err == -ENXIO || err == -EAGAIN)
		return 0;
	if (err)
		return err;
	err = vmalens_read_layout(&t, &lay);
	mmput(t.mm);
	if (err)
		return err;
	seq_printf(m, "%7d %-8s 0x%-16lx 0x%-16lx 0x%-16lx %4d %s\n",
		   lay.pid, lay.topdown ? "topdown" : "legacy", lay.mmap_base,
		   lay.start_brk, lay.brk, lay.map_count, lay.comm);
	return 0;
}

static int tasks_show(struct seq_file *m, void *unused)
{
	struct task_list tl;
	unsigned int i;
	int err;

	/* Decided at open, with the opener's credentials (tasks_open()). */
	err = collect_processes(&tl, m->private);
	if (err)
		return err;
	seq_printf(m, "%7s %-8s %-18s %-18s %-18s %4s %s\n", "PID", "LAYOUT",
		   "MMAP_BASE", "START_BRK", "BRK", "MAPS", "COMM");
	for (i = 0; i < tl.nr && !err; i++)
		err = show_process(m, tl.tasks[i]);
	release_processes(&tl);
	return err;
}

static int tasks_open(struct inode *inode, struct file *file)
{
	/* Everyone, or the reader's own process only: see vmalens_task.c. */
	bool all = vmalens_may_inspect_all(file);

	return single_open(file, tasks_show, all ? (void *)1UL : NULL);
}

static const struct file_operations tasks_fops = {
	.owner		= THIS_MODULE,
	.open		= tasks_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/**
 * vmalens_tasks_init() - create the "tasks" file
 * @dir: the vmalens debugfs directory
 */
void vmalens_tasks_init(struct dentry *dir)
{
	debugfs_create_file("tasks", 0400, dir, NULL, &tasks_fops);
}
