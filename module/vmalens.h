/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalens.h: declarations shared by the vmalens module's source files.
 */
#ifndef _VMALENS_H
#define _VMALENS_H

#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/types.h>

struct dentry;
struct mm_struct;

#define VMALENS_VERSION "0.2.0"

/**
 * struct vmalens_target - a process being inspected, with references held
 * @task:	 the task the pid named (reference held)
 * @mm:		 its address space (mm_users reference held), taken while
 *		 the task could not be in the middle of exec
 * @compat:	 the task was a 32-bit one when @mm was taken
 * @randomize:	 the task had PF_RANDOMIZE then
 * @rawio:	 the task held CAP_SYS_RAWIO in the initial namespace then
 * @ipc_lock:	 and CAP_IPC_LOCK, which lifts its mlock limit
 * @sys_admin:	 and CAP_SYS_ADMIN, which may commit memory into the
 *		 admin reserve (vm.overcommit_memory 2)
 * @personality: the task's personality then
 */
struct vmalens_target {
	struct task_struct *task;
	struct mm_struct *mm;
	bool compat;
	bool randomize;
	bool rawio;
	bool ipc_lock;
	bool sys_admin;
	unsigned int personality;
};

/**
 * struct vmalens_pinned - the process a debugfs file reports on
 * @pid:	the process's struct pid (a reused pid number gets a new
 *		one), or NULL when nothing is pinned
 * @mm:		its mm as chosen, mmgrab()bed: held for the file's life, as
 *		/proc/PID/maps holds it; mmget_not_zero() before each read
 * @compat:	the process was a 32-bit one when chosen
 * @err:	why nothing is pinned (-ESRCH, -EPERM, ...), 0 if pinned
 */
struct vmalens_pinned {
	struct pid *pid;
	struct mm_struct *mm;
	bool compat;
	int err;
};

/**
 * struct vmalens_layout - a snapshot of one mm's layout fields
 * @pid:	the process, in the reader's pid namespace
 * @comm:	its command name
 * @topdown:	mmap grows down from @mmap_base
 * @compat:	a 32-bit process
 * @mmap_base:	where the mmap search starts
 * @mmap_legacy_base: the bottom-up layout's base
 * @task_size:	the top of the user address space
 * @start_code: start of the program text
 * @end_code:	its end
 * @start_data: start of the program data
 * @end_data:	its end
 * @start_brk:	start of the brk heap
 * @brk:	its current end
 * @start_stack: the stack top at exec
 * @arg_start:	start of the argument strings
 * @arg_end:	their end
 * @env_start:	start of the environment strings
 * @env_end:	their end
 * @vdso:	where the vDSO is mapped
 * @total_vm:	pages mapped
 * @map_count:	VMAs
 *
 * Field names follow struct mm_struct; addresses are user addresses.
 */
struct vmalens_layout {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	bool topdown;
	bool compat;
	unsigned long mmap_base;
	unsigned long mmap_legacy_base;
	unsigned long task_size;
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;
	unsigned long vdso;
	unsigned long total_vm;
	int map_count;
};

/**
 * struct vmalens_vma_desc - how /proc/PID/maps names a VMA, and its kind
 * @path:        the file's path, or NULL
 * @name:        a fixed name such as "[heap]", or an anon name, or NULL
 * @anon_prefix: "anon" or "anon_shmem" when @name is a user-given name
 * @kind:        enum vmalens_vma_kind
 */
struct vmalens_vma_desc {
	const struct path *path;
	const char *name;
	const char *anon_prefix;
	unsigned int kind;
};

/* vmalens_settings.c */
int vmalens_sysctl_int(const char *name);
long vmalens_meminfo_pages(const char *key);
unsigned long vmalens_mmap_min_addr(unsigned long *dac);
unsigned long vmalens_stack_guard_gap(void);
int vmalens_settings_init(void);
void vmalens_settings_exit(void);

/* vmalens_task.c */
ssize_t vmalens_parse_pid(const char __user *ubuf, size_t count, pid_t *pid);
bool vmalens_may_inspect_all(const struct file *file);
int vmalens_get_target(const struct file *file, u64 pid,
		       struct vmalens_target *t);
void vmalens_put_target(struct vmalens_target *t);
int vmalens_take_mm(struct task_struct *task, struct vmalens_target *t);
int vmalens_read_lock_behind_writers(struct mm_struct *mm);
void vmalens_pin_target(const struct file *file, pid_t pid,
			struct vmalens_pinned *p);
void vmalens_unpin_target(struct vmalens_pinned *p);
ssize_t vmalens_write_pinned(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos, struct vmalens_pinned *p);
int vmalens_get_pinned(const struct vmalens_pinned *p,
		       struct vmalens_target *t);
pid_t vmalens_global_target(void);
void vmalens_target_init(struct dentry *dir);

/* vmalens_layout.c */
long vmalens_ioctl_layout(const struct file *file, void __user *uarg);
int vmalens_read_layout(const struct vmalens_target *t,
			struct vmalens_layout *lay);
void vmalens_layout_init(struct dentry *dir);

/* vmalens_vmas.c */
struct vm_area_struct;
void vmalens_describe_vma(struct vm_area_struct *vma, struct vmalens_vma_desc *d);
void vmalens_vmas_init(struct dentry *dir);

/* vmalens_tasks.c */
void vmalens_tasks_init(struct dentry *dir);

/* vmalens_aslr.c */
long vmalens_ioctl_aslr(void __user *uarg);
void vmalens_aslr_init(struct dentry *dir);

/* vmalens_dev.c */
int vmalens_get_request_size(const u64 __user *usize_p, u64 *usize, size_t min);
int vmalens_dev_init(void);
void vmalens_dev_exit(void);

/* vmalens_query.c */
void vmalens_query_init(void);
long vmalens_ioctl_vmas(const struct file *file, void __user *uarg);
long vmalens_ioctl_query(const struct file *file, void __user *uarg);

/* vmalens_dryrun.c */
struct vmalens_unmapped_area;
long vmalens_ioctl_unmapped_area(const struct file *file,
				 struct vmalens_unmapped_area __user *uarg);
long vmalens_ioctl_unmapped_area_batch(const struct file *file,
				       void __user *uarg);
void vmalens_dryrun_exit(void);

#endif /* _VMALENS_H */
