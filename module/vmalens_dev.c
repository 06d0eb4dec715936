// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmalens: the binary interface.
 *
 * A misc device rather than a debugfs file: debugfs refuses ioctl files
 * under kernel lockdown, does not proxy compat_ioctl for 32-bit callers,
 * and is not mounted on production Android kernels.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"

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

/*
 * Requests carry their own size, so only the ioctl's type and number are
 * matched: a caller built against a newer, larger struct still reaches us.
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
		return vmalens_ioctl_layout(uarg);
	case _IOC_NR(VMALENS_IOC_VMAS):
		return vmalens_ioctl_vmas(uarg);
	case _IOC_NR(VMALENS_IOC_QUERY):
		return vmalens_ioctl_query(uarg);
	case _IOC_NR(VMALENS_IOC_UNMAPPED_AREA):
		return vmalens_ioctl_unmapped_area(uarg);
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

static struct miscdevice vmalens_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vmalens",
	.fops	= &vmalens_dev_fops,
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
