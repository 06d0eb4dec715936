// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmalens: the binary interface.
 *
 * A misc device rather than a debugfs file: debugfs refuses ioctl files
 * under kernel lockdown, does not proxy compat_ioctl for 32-bit callers,
 * and is not mounted on production Android kernels.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/**
 * vmalens_get_request_size() - read and check the size of a request
 * @usize_p:	the request's leading size field, in user memory
 * @usize:	where to store the size
 * @min:	the size of the request's first version
 *
 * Return: 0, -EFAULT, -E2BIG (larger than a page) or -EINVAL (smaller
 * than the first version of the struct).
 */
int vmalens_get_request_size(const u64 __user *usize_p, u64 *usize, size_t min)
{
	if (get_user(*usize, usize_p))
		return -EFAULT;
	/* Bounds the copy_struct_from_user() tail scan. */
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	if (*usize < min)
		return -EINVAL;
	return 0;
}

/* VMALENS_IOC_VERSION: which module, which ABI. */
static long vmalens_ioctl_version(void __user *uarg)
{
	struct vmalens_version v = {};
	u64 usize;
	long err;

	err = vmalens_get_request_size(uarg, &usize, VMALENS_VERSION_SIZE_VER0);
	if (err)
		return err;
	err = copy_struct_from_user(&v, sizeof(v), uarg, usize);
	if (err)
		return err;
	if (v.flags)
		return -EINVAL;
	v.abi_version = VMALENS_ABI_VERSION;
	v.page_size = PAGE_SIZE;
	strscpy(v.version, VMALENS_VERSION, sizeof(v.version));
	v.features = VMALENS_PER_VMA_LOCK ? VMALENS_FEATURE_PER_VMA_LOCK : 0;
	if (copy_to_user(uarg, &v, min_t(u64, usize, sizeof(v))))
		return -EFAULT;
	return 0;
}

/*
 * Requests carry their own size, so only the ioctl's type and number are
 * matched: a caller built against a newer, larger struct still reaches us.
 * Requests that name a process decide access with the caller's and the
 * opener's credentials (vmalens_task.c).
 */
static long vmalens_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VMALENS_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMALENS_IOC_LAYOUT):
		return vmalens_ioctl_layout(file, uarg);
	case _IOC_NR(VMALENS_IOC_VMAS):
		return vmalens_ioctl_vmas(file, uarg);
	case _IOC_NR(VMALENS_IOC_QUERY):
		return vmalens_ioctl_query(file, uarg);
	case _IOC_NR(VMALENS_IOC_UNMAPPED_AREA):
		return vmalens_ioctl_unmapped_area(file, uarg);
	case _IOC_NR(VMALENS_IOC_VERSION):
		return vmalens_ioctl_version(uarg);
	case _IOC_NR(VMALENS_IOC_ASLR):
		return vmalens_ioctl_aslr(uarg);
	case _IOC_NR(VMALENS_IOC_UNMAPPED_AREA_BATCH):
		return vmalens_ioctl_unmapped_area_batch(file, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmalens_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= vmalens_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* /sys/class/misc/vmalens/abi_version: readable by all, no debugfs. */
static ssize_t abi_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", VMALENS_ABI_VERSION);
}
static DEVICE_ATTR_RO(abi_version);

static struct attribute *vmalens_dev_attrs[] = {
	&dev_attr_abi_version.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmalens_dev);

static struct miscdevice vmalens_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vmalens",
	.fops	= &vmalens_dev_fops,
	.groups	= vmalens_dev_groups,
	.mode	= 0600,
};

/**
 * vmalens_dev_init() - create /dev/vmalens
 *
 * Return: 0 or a negative errno.
 */
int vmalens_dev_init(void)
{
	return misc_register(&vmalens_miscdev);
}

/**
 * vmalens_dev_exit() - remove /dev/vmalens
 */
void vmalens_dev_exit(void)
{
	misc_deregister(&vmalens_miscdev);
}
