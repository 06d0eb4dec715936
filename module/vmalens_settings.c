// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: the kernel settings the reports and the dry-run depend on but
 * the kernel does not export to modules (vm.mmap_min_addr,
 * vm.mmap_rnd_bits, vm.max_map_count, stack_guard_gap=, ...).
 *
 * They are read through the kernel's own sysctl and /proc/cmdline code, on
 * an instance of procfs the module mounts for itself at load time and that
 * is attached to no mount namespace. Nothing in the caller's view of the
 * filesystem (a chroot without /proc, a bind mount over /proc/sys/...,
 * a debugfs file of ours mounted there) can hide, replace or loop back
 * into them. The reads run with the kernel's credentials: some of these
 * files are root-only, and an unprivileged caller may still ask about its
 * own process.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mount.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vmalens.h"
#include "vmalens_compat.h"

/* The kernel's default stack_guard_gap, in pages (mm/mmap.c). */
#define VMALENS_DEFAULT_GUARD_PAGES	256UL

static struct vfsmount *settings_mnt;
static const struct cred *settings_cred;
/* The boot command line never changes: parsed once, at load. */
static unsigned long settings_guard_gap;

/*
 * The sysctls vmalens reads, opened once at load: a dry-run reads two of
 * them, and opening a file costs more than reading it. Each read still
 * runs the sysctl's handler, so it sees the value of the moment.
 */
static const char *const settings_names[] = {
	"sys/vm/mmap_min_addr", "sys/vm/max_map_count", "sys/vm/mmap_rnd_bits",
	"sys/vm/mmap_rnd_compat_bits", "sys/kernel/randomize_va_space",
	"sys/vm/overcommit_memory", "sys/vm/admin_reserve_kbytes",
	"sys/vm/user_reserve_kbytes",
};

static struct file *settings_files[ARRAY_SIZE(settings_names)];
/* /proc/meminfo: SwapTotal and CommitLimit are not exported either */
static struct file *settings_meminfo;

/* Read an open file of the private procfs into @buf, NUL-terminated. */
static int settings_read_file(struct file *f, char *buf, size_t size)
{
	const struct cred *old;
	loff_t pos = 0;
	ssize_t n;

	/* The sysctl checks its permission at every read, with ours. */
	old = override_creds(settings_cred);
	n = kernel_read(f, buf, size - 1, &pos);
	revert_creds(old);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

static struct file *settings_open(const char *name)
{
	const struct cred *old;
	struct file *f;

	old = override_creds(settings_cred);
	f = file_open_root_mnt(settings_mnt, name, O_RDONLY, 0);
	revert_creds(old);
	return f;
}

/**
 * vmalens_sysctl_int() - read an integer sysctl the kernel does not export
 * @name: its path below /proc/sys, e.g. "vm/mmap_rnd_bits"; one of
 *	  settings_names[]
 *
 * Return: the value, or -1 if the kernel has no such sysctl.
 */
int vmalens_sysctl_int(const char *name)
{
	char buf[24];
	unsigned int i;
	int val;

	for (i = 0; i < ARRAY_SIZE(settings_names); i++)
		if (!strcmp(settings_names[i] + strlen("sys/"), name))
			break;
	if (WARN_ON_ONCE(i == ARRAY_SIZE(settings_names)) ||
	    !settings_files[i] ||
	    settings_read_file(settings_files[i], buf, sizeof(buf)))
		return -1;
	if (kstrtoint(strim(buf), 10, &val))
		return -1;
	return val;
}

/**
 * vmalens_meminfo_pages() - a line of /proc/meminfo, in pages
 * @key: the name before the colon, e.g. "SwapTotal"; a line in kB
 *
 * For the figures of the commit charge that the kernel does not export:
 * total_swap_pages (SwapTotal) and vm_commit_limit() (CommitLimit).
 *
 * Return: the value in pages, or -1 if it cannot be read.
 */
long vmalens_meminfo_pages(const char *key)
{
	size_t len = strlen(key);
	char *buf, *line, *next;
	unsigned long kb;
	long pages = -1;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf || !settings_meminfo ||
	    settings_read_file(settings_meminfo, buf, PAGE_SIZE))
		goto out;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, key, len) || line[len] != ':')
			continue;
		if (sscanf(line + len + 1, "%lu", &kb) == 1)
			pages = kb >> (PAGE_SHIFT - 10);
		break;
	}
out:
	kfree(buf);
	return pages;
}

/**
 * vmalens_mmap_min_addr() - the lowest address mmap() may use
 * @dac: set to vm.mmap_min_addr, the part CAP_SYS_RAWIO may go below
 *
 * vm.mmap_min_addr shows only the DAC part of mmap_min_addr, which the
 * LSM part (CONFIG_LSM_MMAP_MIN_ADDR) may raise (security/min_addr.c).
 *
 * Return: the effective mmap_min_addr.
 */
unsigned long vmalens_mmap_min_addr(unsigned long *dac)
{
	int val = vmalens_sysctl_int("vm/mmap_min_addr");
	unsigned long min_addr;

	*dac = val > 0 ? val : 0;
	min_addr = *dac;
#ifdef CONFIG_LSM_MMAP_MIN_ADDR
	min_addr = max_t(unsigned long, min_addr, CONFIG_LSM_MMAP_MIN_ADDR);
#endif
	return min_addr;
}

/* stack_guard_gap=N (pages) on the command line, or the default. */
static unsigned long parse_guard_gap(const char *cmdline)
{
	unsigned long pages = VMALENS_DEFAULT_GUARD_PAGES, val;
	const char *p = cmdline;
	char word[32];

	/* The kernel's __setup handler runs per occurrence: the last wins. */
	while ((p = strstr(p, "stack_guard_gap="))) {
		if (p == cmdline || p[-1] == ' ') {
			strscpy(word, p + strlen("stack_guard_gap="), sizeof(word));
			word[strcspn(word, "\n\t ")] = '\0';
			if (!kstrtoul(word, 10, &val))	/* else ignored */
				pages = val;
		}
		p++;
	}
	return pages << PAGE_SHIFT;
}

/**
 * vmalens_stack_guard_gap() - the kernel's stack_guard_gap, in bytes
 *
 * stack_guard_gap is not exported. It is 256 pages unless the boot
 * command line says stack_guard_gap=N (pages).
 *
 * Return: the guard gap in bytes.
 */
unsigned long vmalens_stack_guard_gap(void)
{
	return settings_guard_gap;
}

static void settings_read_guard_gap(void)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	struct file *f = settings_open("cmdline");

	settings_guard_gap = VMALENS_DEFAULT_GUARD_PAGES << PAGE_SHIFT;
	if (buf && !IS_ERR(f) && !settings_read_file(f, buf, PAGE_SIZE))
		settings_guard_gap = parse_guard_gap(buf);
	if (!IS_ERR(f))
		filp_close(f, NULL);
	kfree(buf);
}

/* A sysctl this kernel lacks (no compat bits, say) stays NULL: -1. */
static void settings_open_files(void)
{
	unsigned int i;
	struct file *f;

	for (i = 0; i < ARRAY_SIZE(settings_names); i++) {
		f = settings_open(settings_names[i]);
		settings_files[i] = IS_ERR(f) ? NULL : f;
	}
	f = settings_open("meminfo");
	settings_meminfo = IS_ERR(f) ? NULL : f;
}

static void settings_close_files(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(settings_names); i++)
		if (settings_files[i])
			filp_close(settings_files[i], NULL);
	if (settings_meminfo)
		filp_close(settings_meminfo, NULL);
}

/**
 * vmalens_settings_init() - mount the private procfs the settings come from
 *
 * Return: 0, or a negative errno if the kernel has no procfs to mount.
 */
int vmalens_settings_init(void)
{
	struct file_system_type *proc = get_fs_type("proc");
	int err;

	if (!proc) {
		pr_err("vmalens needs procfs to read the kernel's settings\n");
		return -ENODEV;
	}
	/* procfs is built in: get_fs_type() took no module reference. */
	settings_mnt = kern_mount(proc);
	if (IS_ERR(settings_mnt)) {
		err = PTR_ERR(settings_mnt);
		pr_err("cannot mount a private procfs (%d)\n", err);
		return err;
	}
	settings_cred = prepare_kernel_cred(&init_task);
	if (!settings_cred) {
		kern_unmount(settings_mnt);
		return -ENOMEM;
	}
	settings_read_guard_gap();
	settings_open_files();
	return 0;
}

/**
 * vmalens_settings_exit() - release what vmalens_settings_init() set up
 */
void vmalens_settings_exit(void)
{
	settings_close_files();
	put_cred(settings_cred);
	kern_unmount(settings_mnt);
}
