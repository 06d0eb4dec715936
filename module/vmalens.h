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

/* No pid was written to this open file: use the global target. */
#define VMALENS_PID_UNSET	(-1)

/**
 * struct vmalens_target - a process being inspected, with references held
 * @task: the task the pid named (reference held)
 * @mm:   its address space (mm_users reference held)
 */
struct vmalens_target {
	struct task_struct *task;
	struct mm_struct *mm;
};

/**
 * struct vmalens_layout - a snapshot of one mm's layout fields
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

/* vmalens_task.c */
pid_t vmalens_pick_pid(pid_t file_pid);
ssize_t vmalens_parse_pid(const char __user *ubuf, size_t count, pid_t *pid);
bool vmalens_may_inspect(struct task_struct *task);
int vmalens_get_target(pid_t pid, struct vmalens_target *t);
void vmalens_put_target(struct vmalens_target *t);
void vmalens_target_init(struct dentry *dir);

/* vmalens_layout.c */
int vmalens_sysctl_int(const char *name);
unsigned long vmalens_mmap_min_addr(unsigned long *dac);
long vmalens_ioctl_layout(void __user *uarg);
int vmalens_read_layout(struct task_struct *task, struct mm_struct *mm,
			struct vmalens_layout *lay);
unsigned long vmalens_stack_guard_gap(void);
void vmalens_layout_init(struct dentry *dir);

/* vmalens_vmas.c */
struct vm_area_struct;
void vmalens_describe_vma(struct vm_area_struct *vma, struct vmalens_vma_desc *d);
void vmalens_vmas_init(struct dentry *dir);

/* vmalens_tasks.c */
void vmalens_tasks_init(struct dentry *dir);

/* vmalens_aslr.c */
void vmalens_aslr_init(struct dentry *dir);

/* vmalens_dev.c */
int vmalens_get_request_size(const u64 __user *usize_p, u64 *usize, size_t min);
int vmalens_dev_init(void);
void vmalens_dev_exit(void);

/* vmalens_query.c */
long vmalens_ioctl_vmas(void __user *uarg);
long vmalens_ioctl_query(void __user *uarg);

/* vmalens_dryrun.c */
struct vmalens_unmapped_area;
long vmalens_ioctl_unmapped_area(struct vmalens_unmapped_area __user *uarg);
int vmalens_dryrun_init(void);
void vmalens_dryrun_exit(void);

#endif /* _VMALENS_H */
