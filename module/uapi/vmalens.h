/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmalens user ABI: shared by the module, the vmalens CLI and the selftests.
 * Include it by path; it depends only on linux/types.h and linux/ioctl.h.
 */
#ifndef _UAPI_VMALENS_H
#define _UAPI_VMALENS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Bumped whenever a struct below gains a field or an ioctl changes meaning.
 * Readers check it in /sys/kernel/debug/vmalens/version.
 */
#define VMALENS_ABI_VERSION	1

#endif /* _UAPI_VMALENS_H */
