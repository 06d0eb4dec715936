// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: show how a process's virtual address space is laid out, and why.
 *
 * Module entry points. /dev/vmalens is the interface that must always
 * work; the debugfs files are a convenience for people who cat, created
 * only where debugfs is available (not with debugfs=off or
 * CONFIG_DEBUG_FS=n).
 *
 * Init order: first every step that can fail and shows nothing to
 * userspace, then the one step that both can fail and makes something
 * visible (misc_register(), which shows nothing if it fails), then the
 * debugfs files, which cannot fail the load. So no file can be opened
 * while init may still fail and free the module under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "uapi/vmalens.h"
#include "vmalens.h"

/*
 * For the selftests only: wait this many milliseconds at the last step of
 * init that can fail, then fail it, so a test can try to open our files
 * while init is still undecided.
 */
static unsigned int fail_init_after_ms;
module_param(fail_init_after_ms, uint, 0);
MODULE_PARM_DESC(fail_init_after_ms,
		 "testing: fail the load after waiting this long (ms)");

static struct dentry *vmalens_dir;

static int version_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "vmalens %s abi %d\n", VMALENS_VERSION, VMALENS_ABI_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

/* Best effort: without debugfs, /dev/vmalens still serves everything. */
static void vmalens_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("vmalens", NULL);

	if (IS_ERR_OR_NULL(dir)) {
		pr_info("debugfs unavailable; /dev/vmalens serves every request\n");
		return;
	}
	debugfs_create_file("version", 0400, dir, NULL, &version_fops);
	vmalens_target_init(dir);
	vmalens_layout_init(dir);
	vmalens_vmas_init(dir);
	vmalens_tasks_init(dir);
	vmalens_aslr_init(dir);
	vmalens_dir = dir;
}

static int vmalens_injected_failure(void)
{
	if (!fail_init_after_ms)
		return 0;
	msleep_interruptible(fail_init_after_ms);
	pr_info("failing the load as fail_init_after_ms asks\n");
	return -EAGAIN;
}

static int __init vmalens_init(void)
{
	int err;

	err = vmalens_settings_init();
	if (err)
		return err;
	err = vmalens_injected_failure();
	if (err)
		goto exit_settings;
	vmalens_query_init();
	err = vmalens_dev_init();	/* last: ioctls may arrive from here on */
	if (err)
		goto exit_settings;
	vmalens_debugfs_init();
	return 0;

exit_settings:
	vmalens_settings_exit();
	return err;
}

static void __exit vmalens_exit(void)
{
	debugfs_remove(vmalens_dir);
	vmalens_dev_exit();
	vmalens_dryrun_exit();
	vmalens_settings_exit();
}

module_init(vmalens_init);
module_exit(vmalens_exit);

MODULE_DESCRIPTION("Virtual address space layout inspector");
MODULE_VERSION(VMALENS_VERSION);
MODULE_LICENSE("GPL");
