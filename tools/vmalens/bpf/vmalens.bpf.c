// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens.bpf.c - a process's address-space layout, read by BPF iterators
 *
 * The BPF twin of the module's VMALENS_IOC_LAYOUT and VMALENS_IOC_VMAS, for
 * kernels where vmalens.ko is not loaded: two iterators whose output is
 * the module's own uapi structs, so the CLI reads either source alike.
 *
 *   iter/task	    one struct vmalens_mm_layout per process with an mm
 *		    (target_tgid 0: every process; else that one)
 *   iter/task_vma  one record per VMA of target_tgid (5.12+):
 *		    struct vmalens_vma, then name_len bytes of name and a NUL.
 *		    name_off is relative to the record's first byte: always
 *		    sizeof(struct vmalens_vma). The next record starts right
 *		    after the NUL; records are not padded.
 *
 * No vmlinux.h: only the fields read here are declared, each struct with
 * preserve_access_index, and libbpf relocates them against the running
 * kernel's BTF (CO-RE). Where kernels differ the code asks BTF rather than
 * a version number, with a "___flavour" struct for each old shape.
 *
 * Nothing here writes a kernel pointer into the output: every record holds
 * values only (addresses of the *user* address space, numbers, names).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "../../../module/uapi/vmalens.h"

/* Shorter names for the kernel's types, as the kernel spells them. */
typedef __u8 u8;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef unsigned int dev_t;
typedef _Bool bool;
#define true	1
#define false	0
#define NULL	((void *)0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PF_KTHREAD		0x00200000	/* include/linux/sched.h, 5.x-7.x */
#define MMF_TOPDOWN		31		/* 6.9+: the layout is in mm->flags */
#define MINORBITS		20		/* include/linux/kdev_t.h */
#define MINORMASK		((1U << MINORBITS) - 1)

/* --- The kernel structs read, field by field ------------------------- */

struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct hlist_bl_node {
	struct hlist_bl_node *next, **pprev;
} __attribute__((preserve_access_index));

struct dentry;

struct dentry_operations {
	char *(*d_dname)(struct dentry *dentry, char *buf, int len);
} __attribute__((preserve_access_index));

struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
	const struct dentry_operations *d_op;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

/* fs/mount.h: never in a uapi header, found through vfsmount's offset. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct super_block {
	dev_t s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
} __attribute__((preserve_access_index));

struct mm_struct {
	unsigned long mmap_base;
	unsigned long mmap_legacy_base;
	unsigned long mmap_compat_base;		/* x86 only */
	unsigned long mmap_compat_legacy_base;	/* x86 only */
	unsigned long task_size;
	int map_count;
	unsigned long total_vm;
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;
	struct {
		void *vdso;
	} context;
	unsigned long flags;
} __attribute__((preserve_access_index));

/* Before 6.9: the layout is which function mm->get_unmapped_area is. */
struct mm_struct___pre69 {
	unsigned long (*get_unmapped_area)(struct file *file, unsigned long addr,
					   unsigned long len, unsigned long pgoff,
					   unsigned long flags);
} __attribute__((preserve_access_index));

/* 6.18: mm->flags became the bitmap mm_flags_t (briefly named _flags). */
struct mm_struct___bitmap {
	struct {
		unsigned long __mm_flags[1];
	} flags;
} __attribute__((preserve_access_index));

struct mm_struct___bitmap_rc {
	struct {
		unsigned long __mm_flags[1];
	} _flags;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	struct mm_struct *mm;
	struct fs_struct *fs;
	char comm[16];
} __attribute__((preserve_access_index));

struct vm_special_mapping {
	const char *name;
} __attribute__((preserve_access_index));

struct vm_area_struct;

struct vm_operations_struct {
	const char *(*name)(struct vm_area_struct *vma);
} __attribute__((preserve_access_index));

struct anon_vma_name {
	char name[0];
} __attribute__((preserve_access_index));

/*
 * vm_flags: since 6.3 a const member of an anonymous union (the writable
 * twin is __vm_flags); CO-RE finds a member through anonymous unions, so
 * one declaration serves both.
 */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
	unsigned long vm_pgoff;
	struct file *vm_file;
	void *vm_private_data;
	const struct vm_operations_struct *vm_ops;
	struct anon_vma_name *anon_name;	/* 5.17+, CONFIG_ANON_VMA_NAME */
} __attribute__((preserve_access_index));

/* 5.17 to 6.1: anon_name shares a union with the file-only i_mmap node. */
struct vm_area_struct___anon_union {
	struct {
		char rb[1];
	} shared;
} __attribute__((preserve_access_index));

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
} __attribute__((preserve_access_index));

/*
 * Kernel functions and variables known by address only (kallsyms):
 * typeless and weak, so a kernel without one still loads, with 0 here.
 */
extern const void arch_get_unmapped_area_topdown __ksym __weak;
extern const void special_mapping_name __ksym __weak;
extern const void simple_dname __ksym __weak;
extern const void anon_inodefs_dname __ksym __weak;
extern const void stack_guard_gap __ksym __weak;
extern const void mmap_min_addr __ksym __weak;
extern const void mmap_rnd_bits __ksym __weak;
extern const void mmap_rnd_compat_bits __ksym __weak;

/* --- Settings --------------------------------------------------------- */

/*
 * The process to report, 0 for every one (iter/task only). Not rodata:
 * the loader loads this object once and runs its iterators for many
 * processes, setting this before each; it reads one iterator at a time.
 */
__u32 target_tgid;

/*
 * Fixed at load time by the loader (spelled in __u32 and _Bool, as the
 * skeleton repeats them for userspace). heap_exclusive: 6.6's
 * vma_is_initial_heap() made [heap] a strict overlap of [start_brk, brk)
 * (an empty heap no longer names the VMA ending at start_brk); no BTF
 * type or field changed with it, so the loader decides by the release.
 * pkeys_on: x86 only, whether smaps prints "ProtectionKey:" (the CPU and
 * kernel enable protection keys), as the module's pkey follows smaps.
 * page_shift: PAGE_SHIFT, which no BTF holds (4K, 16K or 64K on arm64).
 */
const volatile _Bool heap_exclusive = 1;
const volatile _Bool pkeys_on = 0;
const volatile __u32 page_shift = 12;

/* --- Scratch space ------------------------------------------------------ */

#define PATH_MAX	4096
#define NAME_MAX	255
#define NAME_BUF	(PATH_MAX * 2)		/* what a masked write may reach */
#define PATH_DEPTH	64			/* dentries and mounts walked */

struct vma_out {
	struct vmalens_vma rec;
	char name[NAME_BUF];
};

/*
 * The path's components, leaf first, before they are written root first.
 * The counts live here rather than in registers: the verifier knows
 * nothing of a map value's contents, so the loop iterations it walks look
 * alike and are pruned, where counters it tracks made each pass unique
 * (E2BIG, a million instructions, on 6.12).
 */
struct path_walk {
	const unsigned char *name[PATH_DEPTH];
	u32 len[PATH_DEPTH];
	u32 n;		/* components found */
	u32 pos;	/* bytes of the name written */
};

struct scratch {
	struct vma_out out;
	struct path_walk walk;
	struct vmalens_mm_layout layout;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static struct scratch *get_scratch(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* --- The layout ---------------------------------------------------------- */

/**
 * mm_topdown() - whether arch_pick_mmap_layout() chose the top-down layout
 * @mm: the process's mm
 *
 * 6.9 replaced the mm->get_unmapped_area pointer by the MMF_TOPDOWN bit of
 * mm->flags, which 6.18 turned into a bitmap. Before 6.9 the pointer's
 * value is compared with arch_get_unmapped_area_topdown's address (x86's
 * own, or the generic one on arm64); without kallsyms that address is 0
 * and the answer "legacy".
 */
static bool mm_topdown(struct mm_struct *mm)
{
	unsigned long word = 0;

	if (bpf_core_field_exists(((struct mm_struct___pre69 *)mm)->get_unmapped_area)) {
		unsigned long fn = (unsigned long)BPF_CORE_READ(
			(struct mm_struct___pre69 *)mm, get_unmapped_area);

		return fn && fn == (unsigned long)&arch_get_unmapped_area_topdown;
	}
	if (bpf_core_field_exists(((struct mm_struct___bitmap *)mm)->flags.__mm_flags))
		word = BPF_CORE_READ((struct mm_struct___bitmap *)mm, flags.__mm_flags[0]);
	else if (bpf_core_field_exists(((struct mm_struct___bitmap_rc *)mm)->_flags.__mm_flags))
		word = BPF_CORE_READ((struct mm_struct___bitmap_rc *)mm, _flags.__mm_flags[0]);
	else
		word = BPF_CORE_READ(mm, flags);
	return word & (1UL << MMF_TOPDOWN);
}

/* A kernel variable by its kallsyms address; @fallback if it has none. */
static u64 ksym_ulong(const void *addr, u64 fallback)
{
	unsigned long val;

	if (!addr || bpf_probe_read_kernel(&val, sizeof(val), addr))
		return fallback;
	return val;
}

static s32 ksym_int(const void *addr, s32 fallback)
{
	int val;

	if (!addr || bpf_probe_read_kernel(&val, sizeof(val), addr))
		return fallback;
	return val;
}

/*
 * Fill @l from @task's mm. The settings that are not the mm's come from
 * kallsyms here (the effective mmap_min_addr, LSM part included, and
 * stack_guard_gap, which no file shows); page_size is the loader's, and
 * so is any value left 0 or -2 because its symbol was not found.
 */
static void fill_layout(struct vmalens_mm_layout *l, struct task_struct *task,
			struct mm_struct *mm)
{
	l->size = sizeof(*l);
	l->pid = BPF_CORE_READ(task, tgid);
	l->flags = 0;
	l->layout = mm_topdown(mm) ? VMALENS_MODE_TOPDOWN : VMALENS_MODE_BOTTOMUP;
	l->mmap_base = BPF_CORE_READ(mm, mmap_base);
	l->mmap_legacy_base = BPF_CORE_READ(mm, mmap_legacy_base);
	l->mmap_compat_base = 0;
	l->mmap_compat_legacy_base = 0;
	/* CONFIG_HAVE_ARCH_COMPAT_MMAP_BASES: x86 */
	if (bpf_core_field_exists(mm->mmap_compat_base)) {
		l->mmap_compat_base = BPF_CORE_READ(mm, mmap_compat_base);
		l->mmap_compat_legacy_base = BPF_CORE_READ(mm, mmap_compat_legacy_base);
	}
	l->task_size = BPF_CORE_READ(mm, task_size);
	/*
	 * The module tests TIF_ADDR32 (x86) or TIF_32BIT (arm64), whose bit
	 * numbers no BTF records; exec sets mm->task_size from the very same
	 * flag, to at most 4 GiB (IA32_PAGE_OFFSET, TASK_SIZE_32).
	 */
	l->compat = l->task_size <= (1ULL << 32);
	l->start_code = BPF_CORE_READ(mm, start_code);
	l->end_code = BPF_CORE_READ(mm, end_code);
	l->start_data = BPF_CORE_READ(mm, start_data);
	l->end_data = BPF_CORE_READ(mm, end_data);
	l->start_brk = BPF_CORE_READ(mm, start_brk);
	l->brk = BPF_CORE_READ(mm, brk);
	l->start_stack = BPF_CORE_READ(mm, start_stack);
	l->arg_start = BPF_CORE_READ(mm, arg_start);
	l->arg_end = BPF_CORE_READ(mm, arg_end);
	l->env_start = BPF_CORE_READ(mm, env_start);
	l->env_end = BPF_CORE_READ(mm, env_end);
	l->vdso = (u64)BPF_CORE_READ(mm, context.vdso);	/* a user address */
	l->map_count = BPF_CORE_READ(mm, map_count);
	l->total_vm = BPF_CORE_READ(mm, total_vm);
	l->page_size = 0;
	l->stack_guard_gap = ksym_ulong(&stack_guard_gap, 0);
	l->mmap_min_addr = ksym_ulong(&mmap_min_addr, 0);
	l->mmap_rnd_bits = ksym_int(&mmap_rnd_bits, -2);
	l->mmap_rnd_compat_bits = ksym_int(&mmap_rnd_compat_bits, -2);
	bpf_probe_read_kernel_str(l->comm, sizeof(l->comm), &task->comm);
}

SEC("iter/task")
int dump_layout(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct scratch *s;
	struct mm_struct *mm;
	u32 tgid;

	if (!task)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	/* One record per process: its group leader's. */
	if (BPF_CORE_READ(task, pid) != tgid)
		return 0;
	if (target_tgid && tgid != target_tgid)
		return 0;
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return 0;
	mm = BPF_CORE_READ(task, mm);
	if (!mm)			/* exiting, or a zombie */
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	fill_layout(&s->layout, task, mm);
	bpf_seq_write(seq, &s->layout, sizeof(s->layout));
	return 0;
}

/* --- The VMAs ------------------------------------------------------------ */

/* The smaps VmFlags bits whose vm_flags value is the same from 5.12 to 7.x. */
static const struct {
	u64 vm, lens;
} stable_flags[] = {
	{ 0x00000001, VMALENS_VMA_F_READ },
	{ 0x00000002, VMALENS_VMA_F_WRITE },
	{ 0x00000004, VMALENS_VMA_F_EXEC },
	{ 0x00000008, VMALENS_VMA_F_SHARED },
	{ 0x00000010, VMALENS_VMA_F_MAYREAD },
	{ 0x00000020, VMALENS_VMA_F_MAYWRITE },
	{ 0x00000040, VMALENS_VMA_F_MAYEXEC },
	{ 0x00000080, VMALENS_VMA_F_MAYSHARE },
	{ 0x00000100, VMALENS_VMA_F_GROWSDOWN },
	{ 0x00000200, VMALENS_VMA_F_UFFD_MISSING },
	{ 0x00000400, VMALENS_VMA_F_PFNMAP },
	{ 0x00001000, VMALENS_VMA_F_UFFD_WP },
	{ 0x00002000, VMALENS_VMA_F_LOCKED },
	{ 0x00004000, VMALENS_VMA_F_IO },
	{ 0x00008000, VMALENS_VMA_F_SEQ_READ },
	{ 0x00010000, VMALENS_VMA_F_RAND_READ },
	{ 0x00020000, VMALENS_VMA_F_DONTCOPY },
	{ 0x00040000, VMALENS_VMA_F_DONTEXPAND },
	{ 0x00080000, VMALENS_VMA_F_LOCKONFAULT },
	{ 0x00100000, VMALENS_VMA_F_ACCOUNT },
	{ 0x00200000, VMALENS_VMA_F_NORESERVE },
	{ 0x00400000, VMALENS_VMA_F_HUGETLB },
	{ 0x00800000, VMALENS_VMA_F_SYNC },
#if defined(__TARGET_ARCH_arm64)
	{ 0x01000000, VMALENS_VMA_F_BTI },		/* VM_ARCH_1 */
	{ 0x100000000ULL, VMALENS_VMA_F_MTE },		/* VM_HIGH_ARCH_0 */
#else
	{ 0x01000000, VMALENS_VMA_F_ARCH_1 },		/* x86 PAT */
#endif
	{ 0x02000000, VMALENS_VMA_F_WIPEONFORK },
	{ 0x04000000, VMALENS_VMA_F_DONTDUMP },
	{ 0x08000000, VMALENS_VMA_F_SOFTDIRTY },	/* 0 without the config */
	{ 0x10000000, VMALENS_VMA_F_MIXEDMAP },
	{ 0x20000000, VMALENS_VMA_F_HUGEPAGE },
	{ 0x40000000, VMALENS_VMA_F_NOHUGEPAGE },
	{ 0x80000000, VMALENS_VMA_F_MERGEABLE },
};

static u64 lens_flags(u64 vm_flags)
{
	u64 flags = 0;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(stable_flags); i++)
		if (vm_flags & stable_flags[i].vm)
			flags |= stable_flags[i].lens;
	return flags;
}

/* The rwxp/s columns of /proc/PID/maps (s: VM_MAYSHARE, 0x80). */
static u32 lens_prot(u64 vm_flags)
{
	u32 prot = 0;

	if (vm_flags & 0x1)
		prot |= VMALENS_VMA_READ;
	if (vm_flags & 0x2)
		prot |= VMALENS_VMA_WRITE;
	if (vm_flags & 0x4)
		prot |= VMALENS_VMA_EXEC;
	if (vm_flags & 0x80)
		prot |= VMALENS_VMA_SHARED;
	return prot;
}

/* x86's VM_PKEY_BIT0..3 are VM_HIGH_ARCH_0..3, bits 32 to 35. */
static s32 vma_pkey(u64 vm_flags)
{
#if defined(__TARGET_ARCH_x86)
	if (pkeys_on)
		return (vm_flags >> 32) & 0xf;
#endif
	return -1;
}

/*
 * Append @len bytes at @src (kernel memory) to the name at *@pos; false
 * once the name would pass PATH_MAX. The masks are for the verifier: they
 * change nothing, as the checks above them bound both values.
 */
static bool name_put(struct vma_out *o, u32 *pos, const void *src, u32 len)
{
	u32 p = *pos;

	if (len > NAME_MAX || p + len >= PATH_MAX)
		return false;
	if (bpf_probe_read_kernel(&o->name[p & (PATH_MAX - 1)], len & NAME_MAX, src))
		return false;
	*pos = p + len;
	return true;
}

/* The same for a NUL-terminated kernel string of at most NAME_MAX bytes. */
static bool name_put_str(struct vma_out *o, u32 *pos, const void *src)
{
	u32 p = *pos;
	long n;

	if (p >= PATH_MAX)
		return false;
	n = bpf_probe_read_kernel_str(&o->name[p & (PATH_MAX - 1)], NAME_MAX + 1, src);
	if (n <= 0)
		return false;
	*pos = p + n - 1;			/* without the NUL */
	return true;
}

/* A string of this program's (a literal); @len without its NUL. */
static void name_put_lit(struct vma_out *o, u32 *pos, const char *lit, u32 len)
{
	u32 p = *pos, i;

	for (i = 0; i < len && i < 16; i++)
		o->name[(p + i) & (NAME_BUF - 1)] = lit[i];
	*pos = p + len;
}

#define PUT_LIT(o, pos, s)	name_put_lit(o, pos, s, sizeof(s) - 1)

static bool d_unlinked(struct dentry *d)
{
	return !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
}

static struct mount *real_mount(struct vfsmount *mnt)
{
	return (void *)mnt - bpf_core_field_offset(struct mount, mnt);
}

/**
 * file_path() - the file's path as /proc/PID/maps prints it
 * @o:    its name is written from 0
 * @file: the VMA's file
 *
 * d_path() without the helper, which iterators may not call: a pseudo
 * file (memfd, an anon_inode) is named by its dentry's d_dname; any other
 * by walking d_parent up to the reader's root, from a mount's root to
 * its mountpoint in the parent mount, and " (deleted)" after a file no
 * longer linked. PATH_DEPTH components at most: a deeper path keeps its
 * last ones only (d_path() would show them all).
 *
 * Return: the name's length.
 */
static u32 file_path(struct vma_out *o, struct path_walk *w, struct file *file)
{
	struct task_struct *reader = (void *)bpf_get_current_task();
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *root_dentry = BPF_CORE_READ(reader, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(reader, fs, root.mnt);
	struct mount *mnt = real_mount(vfsmnt);
	struct dentry *leaf = dentry;
	const void *dname;
	u32 i;

	w->n = 0;
	w->pos = 0;
	dname = BPF_CORE_READ(dentry, d_op, d_dname);
	if (dname && (BPF_CORE_READ(dentry, d_parent) != dentry ||
		      dentry != BPF_CORE_READ(vfsmnt, mnt_root))) {
		if (dname == &anon_inodefs_dname)
			PUT_LIT(o, &w->pos, "anon_inode:");
		else
			PUT_LIT(o, &w->pos, "/");
		name_put(o, &w->pos, BPF_CORE_READ(dentry, d_name.name),
			 BPF_CORE_READ(dentry, d_name.len));
		if (dname == &simple_dname)
			PUT_LIT(o, &w->pos, " (deleted)");
		return w->pos;
	}

	for (i = 0; i < PATH_DEPTH; i++) {
		struct dentry *parent;
		u32 n;

		if (dentry == root_dentry && vfsmnt == root_mnt)
			break;
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)		/* the namespace's root */
				break;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry)		/* detached from any mount */
			break;
		n = w->n & (PATH_DEPTH - 1);
		w->name[n] = BPF_CORE_READ(dentry, d_name.name);
		w->len[n] = BPF_CORE_READ(dentry, d_name.len);
		w->n++;
		dentry = parent;
	}

	for (i = 0; i < PATH_DEPTH; i++) {
		u32 k;

		if (i >= w->n)
			break;
		k = (w->n - 1 - i) & (PATH_DEPTH - 1);
		PUT_LIT(o, &w->pos, "/");
		if (!name_put(o, &w->pos, w->name[k], w->len[k]))
			break;
	}
	if (!w->pos)
		PUT_LIT(o, &w->pos, "/");
	if (d_unlinked(leaf))
		PUT_LIT(o, &w->pos, " (deleted)");
	return w->pos;
}

/*
 * The anonymous name prctl(PR_SET_VMA_ANON_NAME) gave, or NULL. 5.17 to
 * 6.1 kept it in a union with the i_mmap node of file VMAs, so there it
 * means something only without a file; 6.2 gave it a field of its own
 * (shared anonymous memory, a shmem file, may then have a name too).
 */
static const char *anon_name(struct vm_area_struct *vma, struct file *file)
{
	struct anon_vma_name *an;

	if (!bpf_core_field_exists(vma->anon_name))
		return NULL;
	if (file && bpf_core_field_exists(((struct vm_area_struct___anon_union *)vma)->shared) &&
	    bpf_core_field_offset(vma->anon_name) ==
	    bpf_core_field_offset(((struct vm_area_struct___anon_union *)vma)->shared))
		return NULL;
	an = BPF_CORE_READ(vma, anon_name);
	if (!an)
		return NULL;
	return (const char *)an + bpf_core_field_offset(an->name);
}

/* "[anon:NAME]" or "[anon_shmem:NAME]" */
static u32 put_anon_name(struct vma_out *o, const char *name, bool shmem)
{
	u32 pos = 0;

	if (shmem)
		PUT_LIT(o, &pos, "[anon_shmem:");
	else
		PUT_LIT(o, &pos, "[anon:");
	name_put_str(o, &pos, name);
	PUT_LIT(o, &pos, "]");
	return pos;
}

/*
 * A mapping named by its vm_special_mapping ("[vdso]", "[vvar]",
 * "[vvar_vclock]", "[uprobes]", "[sigpage]"): its vm_ops->name is
 * special_mapping_name(), which returns that struct's name. Other
 * vm_ops->name callbacks (drivers) cannot be called from here.
 */
static bool special_name(struct vma_out *o, struct vm_area_struct *vma, u32 *pos)
{
	const void *fn = BPF_CORE_READ(vma, vm_ops, name);
	struct vm_special_mapping *sm;

	if (!fn || fn != &special_mapping_name)
		return false;
	sm = BPF_CORE_READ(vma, vm_private_data);
	return sm && name_put_str(o, pos, BPF_CORE_READ(sm, name));
}

static u32 special_kind(const char *n, u32 len)
{
	if (len == 6 && n[0] == '[' && n[1] == 'v' && n[2] == 'd' && n[3] == 's' &&
	    n[4] == 'o' && n[5] == ']')
		return VMALENS_KIND_VDSO;
	if (len >= 5 && n[0] == '[' && n[1] == 'v' && n[2] == 'v' && n[3] == 'a' &&
	    n[4] == 'r')
		return VMALENS_KIND_VVAR;
	return VMALENS_KIND_SPECIAL;
}

/* The kind and name of a VMA without a file, as the module's describe. */
static u32 describe_anon(struct vma_out *o, struct vm_area_struct *vma,
			 struct mm_struct *mm, u32 *kind)
{
	u64 start = BPF_CORE_READ(vma, vm_start), end = BPF_CORE_READ(vma, vm_end);
	u64 brk = BPF_CORE_READ(mm, brk), start_brk = BPF_CORE_READ(mm, start_brk);
	u64 stack = BPF_CORE_READ(mm, start_stack);
	const char *an;
	u32 pos = 0;
	bool heap;

	if (special_name(o, vma, &pos)) {
		*kind = special_kind(o->name, pos);
		return pos;
	}
	/* Without kallsyms: the vDSO at least is known by its address. */
	if (!&special_mapping_name && start == (u64)BPF_CORE_READ(mm, context.vdso)) {
		*kind = VMALENS_KIND_VDSO;
		PUT_LIT(o, &pos, "[vdso]");
		return pos;
	}
	if (heap_exclusive)
		heap = start < brk && end > start_brk;
	else
		heap = start <= brk && end >= start_brk;
	if (heap) {
		*kind = VMALENS_KIND_HEAP;
		PUT_LIT(o, &pos, "[heap]");
		return pos;
	}
	if (start <= stack && end >= stack) {
		*kind = VMALENS_KIND_STACK;
		PUT_LIT(o, &pos, "[stack]");
		return pos;
	}
	*kind = VMALENS_KIND_ANON;
	an = anon_name(vma, NULL);
	return an ? put_anon_name(o, an, false) : 0;
}

SEC("iter/task_vma")
int dump_vmas(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct vmalens_vma *r;
	struct mm_struct *mm;
	struct file *file;
	struct scratch *s;
	u32 tgid, len, kind = VMALENS_KIND_ANON;
	u64 vm_flags;

	if (!task || !vma)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	if (tgid != target_tgid || BPF_CORE_READ(task, pid) != tgid)
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	r = &s->out.rec;
	mm = BPF_CORE_READ(vma, vm_mm);
	file = BPF_CORE_READ(vma, vm_file);
	vm_flags = BPF_CORE_READ(vma, vm_flags);

	r->start = BPF_CORE_READ(vma, vm_start);
	r->end = BPF_CORE_READ(vma, vm_end);
	r->offset = 0;
	r->vm_flags = vm_flags;
	r->inode = 0;
	r->dev_major = 0;
	r->dev_minor = 0;
	r->prot = lens_prot(vm_flags);
	r->flags = lens_flags(vm_flags);
	r->pkey = vma_pkey(vm_flags);
	r->reserved = 0;
	if (file) {
		struct inode *inode = BPF_CORE_READ(file, f_inode);
		dev_t dev = BPF_CORE_READ(inode, i_sb, s_dev);
		const char *an = anon_name(vma, file);

		kind = VMALENS_KIND_FILE;
		r->offset = (u64)BPF_CORE_READ(vma, vm_pgoff) << page_shift;
		r->inode = BPF_CORE_READ(inode, i_ino);
		r->dev_major = dev >> MINORBITS;
		r->dev_minor = dev & MINORMASK;
		len = an ? put_anon_name(&s->out, an, true) :
			   file_path(&s->out, &s->walk, file);
	} else {
		len = describe_anon(&s->out, vma, mm, &kind);
	}
	len &= PATH_MAX - 1;
	s->out.name[len] = '\0';
	r->kind = kind;
	r->name_off = sizeof(*r);
	r->name_len = len;
	bpf_seq_write(seq, &s->out, sizeof(*r) + len + 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
