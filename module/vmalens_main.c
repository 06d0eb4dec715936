// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: show how a process's virtual address space is laid out, and why.
 *
 * Module entry points and the debugfs directory every report lives in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "uapi/vmalens.h"
#include "vmalens.h"

#define VMALENS_VERSION "0.1.0"

static struct dentry *vmalens_dir;

static int version_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "vmalens %s abi %d\n", VMALENS_VERSION, VMALENS_ABI_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int __init vmalens_init(void)
{
	int err;

	vmalens_dir = debugfs_create_dir("vmalens", NULL);
	if (IS_ERR(vmalens_dir)) {
		pr_err("cannot create the debugfs directory (%ld)\n",
		       PTR_ERR(vmalens_dir));
		return PTR_ERR(vmalens_dir);
	}
	debugfs_create_file("version", 0400, vmalens_dir, NULL, &version_fops);
	vmalens_target_init(vmalens_dir);
	vmalens_layout_init(vmalens_dir);
	vmalens_vmas_init(vmalens_dir);
	vmalens_tasks_init(vmalens_dir);
	vmalens_aslr_init(vmalens_dir);

	err = vmalens_dryrun_init();
	if (err)
		goto remove_debugfs;
	/* Last: once the device exists, ioctls may arrive. */
	err = vmalens_dev_init();
	if (err)
		goto stop_dryrun;
	return 0;

stop_dryrun:
	vmalens_dryrun_exit();
remove_debugfs:
	debugfs_remove(vmalens_dir);
	return err;
}

static void __exit vmalens_exit(void)
{
	vmalens_dev_exit();
	vmalens_dryrun_exit();
	debugfs_remove(vmalens_dir);
}

module_init(vmalens_init);
module_exit(vmalens_exit);

MODULE_DESCRIPTION("Virtual address space layout inspector");
MODULE_VERSION(VMALENS_VERSION);
MODULE_LICENSE("GPL");
