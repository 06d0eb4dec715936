// SPDX-License-Identifier: GPL-2.0
/*
 * VMALENS_IOC_VMAS and VMALENS_IOC_QUERY: the VMA tree in binary.
 *
 * Like PROCMAP_QUERY, the mmap lock is held only to copy VMA fields into
 * kernel memory; names are formatted and everything is copied to the user
 * after it is dropped (a fault on the caller's buffer may need the lock of
 * the caller's own mm, which can be the target's). Files are pinned with
 * get_file() across that window. Where the kernel has per-VMA locks (6.4
 * and later), the walk takes no mmap lock at all: each VMA is copied under
 * its own read lock, as 7.x's /proc/PID/maps reads.
 */
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "uapi/vmalens.h"
#include "vmalens.h"
#include "vmalens_compat.h"

/* VMAs copied per hold of the mmap lock. */
#define VMAS_BATCH	64

/*
 * Room for a name that is not a path: "[anon:...]" (user-given names are
 * at most 80 bytes) or a special mapping's ("[vdso]", "[uprobes]").
 */
#define VMA_NAME_MAX	96

/**
 * struct vma_snap - one VMA, copied out from under the mmap lock
 * @rec:	 the record, name fields not yet set
 * @file:	 the backing file, pinned, or NULL
 * @name:	 "[heap]", "[vdso]", "[anon:...]", ... or empty. A copy: a
 *		 special mapping's name may live in memory that goes away
 *		 with the mm (uprobes' xol area) once the lock is dropped.
 */
struct vma_snap {
	struct vmalens_vma rec;
	struct file *file;
	char name[VMA_NAME_MAX];
};

static u32 vma_prot(vm_flags_t flags)
{
	return (flags & VM_READ ? VMALENS_VMA_READ : 0) |
	       (flags & VM_WRITE ? VMALENS_VMA_WRITE : 0) |
	       (flags & VM_EXEC ? VMALENS_VMA_EXEC : 0) |
	       (flags & VM_MAYSHARE ? VMALENS_VMA_SHARED : 0);
}

/* vm_flags bits and the vmalens_vma.flags bits they stand for */
static const struct {
	vm_flags_t vm;
	u64 stable;
} stable_flags[] = {
	{ VM_READ, VMALENS_VMA_F_READ },
	{ VM_WRITE, VMALENS_VMA_F_WRITE },
	{ VM_EXEC, VMALENS_VMA_F_EXEC },
	{ VM_SHARED, VMALENS_VMA_F_SHARED },
	{ VM_MAYREAD, VMALENS_VMA_F_MAYREAD },
	{ VM_MAYWRITE, VMALENS_VMA_F_MAYWRITE },
	{ VM_MAYEXEC, VMALENS_VMA_F_MAYEXEC },
	{ VM_MAYSHARE, VMALENS_VMA_F_MAYSHARE },
	{ VM_GROWSDOWN, VMALENS_VMA_F_GROWSDOWN },
	{ VM_PFNMAP, VMALENS_VMA_F_PFNMAP },
	{ VM_LOCKED, VMALENS_VMA_F_LOCKED },
	{ VM_IO, VMALENS_VMA_F_IO },
	{ VM_SEQ_READ, VMALENS_VMA_F_SEQ_READ },
	{ VM_RAND_READ, VMALENS_VMA_F_RAND_READ },
	{ VM_DONTCOPY, VMALENS_VMA_F_DONTCOPY },
	{ VM_DONTEXPAND, VMALENS_VMA_F_DONTEXPAND },
	{ VM_LOCKONFAULT, VMALENS_VMA_F_LOCKONFAULT },
	{ VM_ACCOUNT, VMALENS_VMA_F_ACCOUNT },
	{ VM_NORESERVE, VMALENS_VMA_F_NORESERVE },
	{ VM_HUGETLB, VMALENS_VMA_F_HUGETLB },
	{ VM_SYNC, VMALENS_VMA_F_SYNC },
	{ VMALENS_VM_ARCH_1, VMALENS_VMA_F_ARCH_1 },
	{ VM_WIPEONFORK, VMALENS_VMA_F_WIPEONFORK },
	{ VM_DONTDUMP, VMALENS_VMA_F_DONTDUMP },
	{ VM_SOFTDIRTY, VMALENS_VMA_F_SOFTDIRTY },
	{ VM_MIXEDMAP, VMALENS_VMA_F_MIXEDMAP },
	{ VM_HUGEPAGE, VMALENS_VMA_F_HUGEPAGE },
	{ VM_NOHUGEPAGE, VMALENS_VMA_F_NOHUGEPAGE },
	{ VM_MERGEABLE, VMALENS_VMA_F_MERGEABLE },
	{ VM_UFFD_MISSING, VMALENS_VMA_F_UFFD_MISSING },
	{ VM_UFFD_WP, VMALENS_VMA_F_UFFD_WP },
	{ VMALENS_VM_UFFD_MINOR, VMALENS_VMA_F_UFFD_MINOR },
	{ VMALENS_VM_SHADOW_STACK, VMALENS_VMA_F_SHADOW_STACK },
	{ VMALENS_VM_DROPPABLE, VMALENS_VMA_F_DROPPABLE },
	{ VMALENS_VM_SEALED, VMALENS_VMA_F_SEALED },
	{ VMALENS_VM_BTI, VMALENS_VMA_F_BTI },
	{ VMALENS_VM_MTE, VMALENS_VMA_F_MTE },
	{ VMALENS_VM_DENYWRITE, VMALENS_VMA_F_DENYWRITE },
	{ VMALENS_VM_MAYBE_GUARD, VMALENS_VMA_F_MAYBE_GUARD },
};

/* The kernel's vm_flags in vmalens' own, stable numbering: by the table. */
static u64 __init vma_stable_flags_slow(vm_flags_t vm_flags)
{
	u64 flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stable_flags); i++)
		if (vm_flags & stable_flags[i].vm)
			flags |= stable_flags[i].stable;
	return flags;
}

/*
 * The same, a byte of vm_flags at a time: stable_by_byte[i][b] is what
 * byte i of vm_flags stands for when it is b: eight lookups a record
 * instead of a pass over every entry of stable_flags[].
 */
static u64 stable_by_byte[sizeof(vm_flags_t)][256] __ro_after_init;

static u64 vma_stable_flags(vm_flags_t vm_flags)
{
	u64 flags = 0;
	unsigned int i;

	for (i = 0; i < sizeof(vm_flags); i++, vm_flags >>= 8)
		flags |= stable_by_byte[i][vm_flags & 0xff];
	return flags;
}

/**
 * vmalens_query_init() - build the vm_flags translation of the records
 *
 * Called once at module init, before the device can take a request.
 */
void __init vmalens_query_init(void)
{
	unsigned int i, b;

	for (i = 0; i < sizeof(vm_flags_t); i++)
		for (b = 0; b < 256; b++)
			stable_by_byte[i][b] =
				vma_stable_flags_slow((vm_flags_t)b << (8 * i));
}

/*
 * Every field of the record is stored one by one, and the name is only
 * ever read as a string: no memset() of the snap, which the walk paid for
 * every VMA (a "rep stos" of 184 bytes, one iteration at a time under
 * QEMU's emulation). The size check makes a new field of the record come
 * back here.
 */
static void snap_vma(struct vm_area_struct *vma, struct vma_snap *s)
{
	struct vmalens_vma *rec = &s->rec;
	struct vmalens_vma_desc d;

	BUILD_BUG_ON(sizeof(*rec) != 80);
	vmalens_describe_vma(vma, &d);
	rec->start = vma->vm_start;
	rec->end = vma->vm_end;
	rec->offset = 0;
	rec->vm_flags = vma->vm_flags;
	rec->inode = 0;
	rec->dev_major = 0;
	rec->dev_minor = 0;
	rec->kind = d.kind;
	rec->prot = vma_prot(vma->vm_flags);
	rec->name_off = 0;
	rec->name_len = 0;
	rec->flags = 0;		/* snap_finish() */
	rec->pkey = vmalens_vma_pkey(vma);
	rec->reserved = 0;
	if (vma->vm_file) {
		const struct inode *inode = file_user_inode(vma->vm_file);

		rec->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		rec->inode = inode->i_ino;
		rec->dev_major = MAJOR(inode->i_sb->s_dev);
		rec->dev_minor = MINOR(inode->i_sb->s_dev);
	}
	s->file = NULL;
	s->name[0] = '\0';
	if (d.path)
		s->file = get_file(vma->vm_file);
	else if (d.anon_prefix)
		snprintf(s->name, sizeof(s->name), "[%s:%s]", d.anon_prefix,
			 d.name);
	else if (d.name)
		strscpy(s->name, d.name, sizeof(s->name));
}

/*
 * What the record needs that the mmap lock does not: the stable flags,
 * translated from the vm_flags copied under it.
 */
static void snap_finish(struct vma_snap *s)
{
	s->rec.flags = vma_stable_flags(s->rec.vm_flags);
}

/* The name /proc/PID/maps would print, in @buf; NULL if there is none. */
static const char *snap_name(struct vma_snap *s, char *buf, size_t size)
{
	char *p;

	if (s->file) {
		p = d_path(file_user_path(s->file), buf, size);
		return IS_ERR(p) ? NULL : p;
	}
	return s->name[0] ? s->name : NULL;
}

static void put_snaps(struct vma_snap *snaps, unsigned int n)
{
	while (n--)
		if (snaps[n].file)
			fput(snaps[n].file);
}

/**
 * struct vmas_walk - one VMALENS_IOC_VMAS call in progress
 * @req:	the request; ->vma_count and ->names_size grow as we fill
 * @cap:	the caller's record capacity
 * @names_cap:	the caller's names buffer size
 * @snaps:	the current batch
 * @recs:	the batch's records, laid out as the caller's array
 * @path_buf:	scratch for d_path()
 * @last_file:	the file whose path @last_name holds (in @path_buf), so
 *		the VMAs of one mapped file cost one d_path(); per batch
 * @last_name:	that path
 */
struct vmas_walk {
	struct vmalens_vmas req;
	u32 cap;
	u64 names_cap;
	struct vma_snap *snaps;
	struct vmalens_vma *recs;
	char *path_buf;
	const struct file *last_file;
	const char *last_name;
};

/*
 * Copy a batch of up to @max VMAs from @addr on under the mmap lock;
 * returns how many, and in @more whether another VMA followed the batch
 * when it was taken. The batch ends early when a writer waits for the
 * lock (the target's own mmap, say): the caller takes the lock again for
 * the rest, after it.
 *
 * A batch that @resumes one before it, under a new hold of the lock,
 * leaves out a VMA that now straddles @addr: it was mapped, moved or
 * grown while the lock was given up, after the records below @addr were
 * taken, and it would overlap them.
 */
static int snap_batch_locked(struct mm_struct *mm, unsigned long addr,
			     bool resumes, struct vma_snap *snaps,
			     unsigned int max, bool *more)
{
	struct vmalens_vma_iter it;
	struct vm_area_struct *vma;
	unsigned int n = 0;

	if (vmalens_read_lock_behind_writers(mm))
		return -EINTR;
	vmalens_iter_init(&it, mm, addr);
	vma = vmalens_iter_next(&it);
	if (vma && resumes && vma->vm_start < addr)
		vma = vmalens_iter_next(&it);
	while (vma && n < max) {
		snap_vma(vma, &snaps[n++]);
		vma = vmalens_iter_next(&it);
		if (mmap_lock_is_contended(mm))
			break;
	}
	*more = vma;
	mmap_read_unlock(mm);
	return n;
}

/*
 * The same batch with each VMA under its own read lock and the mmap lock
 * never taken (VMALENS_PER_VMA_LOCK): one step through the tree under
 * RCU, locking and copying each VMA on the way (snap_vma() does not
 * sleep: it counts a file reference and copies names). Each record is one
 * consistent VMA; between two VMAs the tree may change, and the rule for
 * a straddling VMA is the one above, applied at every step. A VMA that
 * cannot be locked (a writer is changing it) ends the batch, and the
 * caller resumes there; -EAGAIN if it is the first, and the caller reads
 * the batch under the mmap lock.
 */
static int snap_batch_per_vma(struct mm_struct *mm, unsigned long addr,
			      bool resumes, struct vma_snap *snaps,
			      unsigned int max, bool *more)
{
	struct vmalens_vma_walk walk;
	struct vm_area_struct *vma;
	bool skip_straddler = resumes;
	unsigned int n = 0;

	if (!VMALENS_PER_VMA_LOCK)
		return -EAGAIN;
	*more = true;
	rcu_read_lock();
	vmalens_walk_init(&walk, mm, addr);
	while (n < max) {
		vma = vmalens_walk_lock_next(&walk);
		if (IS_ERR(vma))
			break;
		if (!vma) {
			*more = false;
			break;
		}
		if ((resumes || n) && vma->vm_start < addr) {
			vmalens_unlock_vma(vma);
			if (n || !skip_straddler)
				break;		/* grew across @addr: resume */
			skip_straddler = false;
			continue;
		}
		snap_vma(vma, &snaps[n++]);
		addr = vma->vm_end;
		vmalens_unlock_vma(vma);
	}
	if (n == max)
		*more = vmalens_walk_has_next(&walk);
	rcu_read_unlock();
	return n || !*more ? n : -EAGAIN;
}

static int snap_batch(struct vmas_walk *w, struct mm_struct *mm,
		      unsigned long addr, bool resumes, unsigned int max,
		      bool *more)
{
	int n;

	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	n = snap_batch_per_vma(mm, addr, resumes, w->snaps, max, more);
	if (n != -EAGAIN)
		return n;
	return snap_batch_locked(mm, addr, resumes, w->snaps, max, more);
}

/* The name of @s, computing a file's path once for its run of VMAs. */
static const char *walk_name(struct vmas_walk *w, struct vma_snap *s)
{
	if (s->file && s->file == w->last_file)
		return w->last_name;
	w->last_name = snap_name(s, w->path_buf, PATH_MAX);
	w->last_file = s->file;
	return w->last_name;
}

/* Copy @s's name out and point its record at it; -ENOSPC when full. */
static int emit_name(struct vmas_walk *w, struct vma_snap *s)
{
	struct vmalens_vmas *r = &w->req;
	const char *name;
	size_t len;

	if (!w->names_cap)
		return 0;
	name = walk_name(w, s);
	if (!name)
		return 0;
	len = strlen(name);
	if (r->names_size + len + 1 > w->names_cap)
		return -ENOSPC;
	if (copy_to_user(u64_to_user_ptr(r->names_addr + r->names_size),
			 name, len + 1))
		return -EFAULT;
	s->rec.name_off = r->names_size;
	s->rec.name_len = len;
	r->names_size += len + 1;
	return 0;
}

/* Copy the records of @n snaps out, in one piece when the sizes agree. */
static int emit_records(struct vmas_walk *w, const struct vma_snap *snaps,
			unsigned int n)
{
	struct vmalens_vmas *r = &w->req;
	u64 at = r->vmas_addr + (u64)r->vma_count * r->vma_size;
	size_t len = min_t(size_t, r->vma_size, sizeof(*w->recs));
	unsigned int i;

	if (r->vma_size == sizeof(*w->recs)) {
		for (i = 0; i < n; i++)
			w->recs[i] = snaps[i].rec;
		if (copy_to_user(u64_to_user_ptr(at), w->recs, n * sizeof(*w->recs)))
			return -EFAULT;
	} else {
		for (i = 0; i < n; i++, at += r->vma_size)
			if (copy_to_user(u64_to_user_ptr(at), &snaps[i].rec, len) ||
			    clear_user(u64_to_user_ptr(at + len), r->vma_size - len))
				return -EFAULT;
	}
	r->vma_count += n;
	return 0;
}

/* Fill the caller's buffers batch by batch; sets ->next. */
static int walk_vmas(struct vmas_walk *w, struct mm_struct *mm)
{
	struct vmalens_vmas *r = &w->req;
	unsigned long addr = r->start;
	int n, i, want, err = 0;
	bool more, resumes = false;

	r->next = 0;
	while (r->vma_count < w->cap) {
		want = min_t(u32, VMAS_BATCH, w->cap - r->vma_count);
		n = snap_batch(w, mm, addr, resumes, want, &more);
		resumes = true;
		if (n <= 0) {
			r->next = 0;		/* no VMA at or above addr */
			return n;
		}
		for (i = 0; i < n && !err; i++) {
			snap_finish(&w->snaps[i]);
			err = emit_name(w, &w->snaps[i]);
		}
		if (err)
			i--;			/* snaps[i] did not fit */
		/* Resume after the last VMA copied, or at the one that failed. */
		addr = err ? w->snaps[i].rec.start : w->snaps[n - 1].rec.end;
		if (emit_records(w, w->snaps, i))
			err = -EFAULT;
		put_snaps(w->snaps, n);
		w->last_file = NULL;	/* freed files' addresses come back */
		if (err)
			break;
		r->next = more ? addr : 0;	/* 0: the last VMA is reported */
		if (!more)
			return 0;
	}
	if (err == -ENOSPC && r->vma_count) {
		r->next = addr;
		return 0;
	}
	return err;
}

static int check_vmas_request(const struct vmalens_vmas *r)
{
	if (r->flags)
		return -EINVAL;
	if (r->vma_size < VMALENS_VMA_SIZE_VER0 || r->vma_size > PAGE_SIZE)
		return -EINVAL;
	if (!r->vmas_addr || !r->vma_count)
		return -EINVAL;
	/* A buffer address and its size come together or not at all. */
	if (!r->names_addr != !r->names_size)
		return -EINVAL;
	return 0;
}

static void vmas_walk_free(struct vmas_walk *w)
{
	kfree(w->snaps);
	kfree(w->recs);
	kfree(w->path_buf);
}

static int vmas_walk_alloc(struct vmas_walk *w)
{
	w->snaps = kmalloc_array(VMAS_BATCH, sizeof(*w->snaps), GFP_KERNEL);
	w->recs = kmalloc_array(VMAS_BATCH, sizeof(*w->recs), GFP_KERNEL);
	w->path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (w->snaps && w->recs && w->path_buf)
		return 0;
	vmas_walk_free(w);
	return -ENOMEM;
}

/**
 * vmalens_ioctl_vmas() - VMALENS_IOC_VMAS
 * @file: the open /dev/vmalens
 * @uarg: the caller's struct vmalens_vmas
 *
 * Return: 0 (see ->vma_count and ->next), or a negative errno.
 */
long vmalens_ioctl_vmas(const struct file *file, void __user *uarg)
{
	struct vmas_walk w = {};
	struct vmalens_target t;
	u64 usize;
	long err;

	err = vmalens_get_request_size(uarg, &usize, VMALENS_VMAS_SIZE_VER0);
	if (err)
		return err;
	err = copy_struct_from_user(&w.req, sizeof(w.req), uarg, usize);
	if (err)
		return err;
	err = check_vmas_request(&w.req);
	if (err)
		return err;
	w.cap = w.req.vma_count;
	/* name_off is 32 bits: names start in the buffer's first 4 GiB. */
	w.names_cap = min_t(u64, w.req.names_size, (u64)U32_MAX + 1);
	w.req.vma_count = 0;
	w.req.names_size = 0;
	err = vmalens_get_target(file, w.req.pid, &t);
	if (err)
		return err;
	put_task_struct(t.task);
	err = vmas_walk_alloc(&w);
	if (err)
		goto out_mmput;
	err = walk_vmas(&w, t.mm);
	if (!err && copy_to_user(uarg, &w.req, min_t(u64, usize, sizeof(w.req))))
		err = -EFAULT;
	vmas_walk_free(&w);
out_mmput:
	mmput(t.mm);
	return err;
}

/* Find the VMA @q asks about and the end of the one before it. */
static int query_find(struct mm_struct *mm, struct vmalens_query *q,
		      struct vma_snap *s)
{
	struct vm_area_struct *vma, *prev;
	int err = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, q->addr);
	if (!vma || (vma->vm_start > q->addr &&
		     !(q->flags & VMALENS_QUERY_COVERING_OR_NEXT))) {
		err = -ENOENT;
	} else {
		snap_vma(vma, s);
		prev = vmalens_vma_before(mm, vma->vm_start);
		q->gap_start = prev ? prev->vm_end : 0;
	}
	mmap_read_unlock(mm);
	return err;
}

/* Copy the name out; without a buffer, only report the size it needs. */
static int query_name(struct vmalens_query *q, struct vma_snap *s, char *buf)
{
	const char *name = snap_name(s, buf, PATH_MAX);
	size_t len = name ? strlen(name) + 1 : 0;
	u32 cap = q->name_size;

	q->name_size = len;
	if (!q->name_addr || !len)
		return 0;
	if (len > cap)
		return -ENAMETOOLONG;
	if (copy_to_user(u64_to_user_ptr(q->name_addr), name, len))
		return -EFAULT;
	s->rec.name_len = len - 1;
	return 0;
}

static int check_query(const struct vmalens_query *q)
{
	if (q->flags & ~VMALENS_QUERY_COVERING_OR_NEXT || q->reserved)
		return -EINVAL;
	if (!q->name_addr != !q->name_size)
		return -EINVAL;
	return 0;
}

/**
 * vmalens_ioctl_query() - VMALENS_IOC_QUERY
 * @file: the open /dev/vmalens
 * @uarg: the caller's struct vmalens_query
 *
 * Return: 0, -ENOENT (no such VMA), -ENAMETOOLONG, or another negative errno.
 */
long vmalens_ioctl_query(const struct file *file, void __user *uarg)
{
	struct vmalens_target t;
	struct vmalens_query q;
	struct vma_snap s;
	char *buf;
	u64 usize;
	long err;

	err = vmalens_get_request_size(uarg, &usize, VMALENS_QUERY_SIZE_VER0);
	if (err)
		return err;
	err = copy_struct_from_user(&q, sizeof(q), uarg, usize);
	if (err)
		return err;
	err = check_query(&q);
	if (err)
		return err;
	err = vmalens_get_target(file, q.pid, &t);
	if (err)
		return err;
	put_task_struct(t.task);
	memset(&s, 0, sizeof(s));
	err = query_find(t.mm, &q, &s);
	mmput(t.mm);
	if (err)
		return err;
	snap_finish(&s);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	err = buf ? query_name(&q, &s, buf) : -ENOMEM;
	kfree(buf);
	if (s.file)
		fput(s.file);
	if (err)
		return err;
	q.vma = s.rec;
	if (copy_to_user(uarg, &q, min_t(u64, usize, sizeof(q))))
		return -EFAULT;
	return 0;
}
