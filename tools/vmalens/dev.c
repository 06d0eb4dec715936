// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls on /dev/vmalens (module/uapi/vmalens.h), each with the one-line
 * reason and hint when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lens.h"

#define MISC_DEV_FILE	"/sys/class/misc/vmalens/dev"

int dev_open(void)
{
	return open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
}

int dev_open_or_explain(void)
{
	int fd = dev_open();

	if (fd >= 0)
		return fd;
	dev_explain_open_error(errno, NULL);
	return -1;
}

void dev_explain_open_error(int err, const char *also)
{
	char more[320] = "";
	unsigned int maj, min;
	FILE *f;

	if (also)
		snprintf(more, sizeof(more), " (%s)", also);
	switch (err) {
	case ENOENT:
		f = fopen(MISC_DEV_FILE, "re");
		if (f && fscanf(f, "%u:%u", &maj, &min) == 2) {
			p_err("module loaded but %s is missing; create it: mknod %s c %u %u%s",
			      VMALENS_DEVICE, VMALENS_DEVICE, maj, min, more);
		} else {
			p_err("cannot open %s: module not loaded? try: sudo insmod module/vmalens.ko%s",
			      VMALENS_DEVICE, more);
		}
		if (f)
			fclose(f);
		break;
	case EACCES:
	case EPERM:
		p_err("cannot open %s: permission denied; the device is root-only (mode 0600), try: sudo %s ...%s",
		      VMALENS_DEVICE, bin_name, more);
		break;
	default:
		p_err("cannot open %s: %s%s", VMALENS_DEVICE, strerror(err), more);
	}
}

/* A failed ioctl that names no process: the errnos every request shares. */
void explain_ioctl_error(int err, const char *what)
{
	switch (err) {
	case ENOTTY:
		p_err("%s: the loaded module does not know this request; is it older than this tool? check: %s version",
		      what, bin_name);
		break;
	case EINTR:
		p_err("%s: interrupted by a signal; try again", what);
		break;
	case EACCES:
	case EPERM:
		p_err("%s: permission denied; the device is root-only (mode 0600), try: sudo %s ...",
		      what, bin_name);
		break;
	default:
		p_err("%s: %s", what, strerror(err));
	}
}

void explain_pid_error(pid_t pid, int err, const char *what)
{
	switch (err) {
	case ESRCH:
		p_err("no such process: %d", pid);
		break;
	case EPERM:
		p_err("not allowed to inspect process %d: needs CAP_SYS_PTRACE (without it, only vmalens's own process)",
		      pid);
		break;
	case ENXIO:
		p_err("process %d has no address space (a kernel thread or a zombie)", pid);
		break;
	case EAGAIN:
		p_err("process %d is in the middle of exec and has no layout yet; try again", pid);
		break;
	case ENOTTY:
	case EINTR:
		explain_ioctl_error(err, what);
		break;
	default:
		p_err("%s for process %d: %s", what, pid, strerror(err));
	}
}

int dev_layout(int fd, pid_t pid, struct vmalens_mm_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->pid = pid;
	if (ioctl(fd, VMALENS_IOC_LAYOUT, l)) {
		explain_pid_error(pid, errno, "VMALENS_IOC_LAYOUT");
		return -1;
	}
	l->comm[sizeof(l->comm) - 1] = '\0';
	return 0;
}

int dev_version(int fd, struct vmalens_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(fd, VMALENS_IOC_VERSION, v))
		return -errno;
	v->version[sizeof(v->version) - 1] = '\0';
	return 0;
}

int dev_aslr(int fd, int file_fd, struct vmalens_aslr *a)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	if (file_fd >= 0) {
		a->flags = VMALENS_ASLR_FILE;
		a->file_fd = file_fd;
	}
	if (ioctl(fd, VMALENS_IOC_ASLR, a)) {
		explain_ioctl_error(errno, "VMALENS_IOC_ASLR");
		return -1;
	}
	for (i = 0; i < sizeof(a->regions) / sizeof(a->regions[0]); i++)
		a->regions[i].source[sizeof(a->regions[i].source) - 1] = '\0';
	return 0;
}

#define VMAS_BATCH	256
#define NAMES_SIZE	(64 * 1024)

/*
 * A module of ABI 3 leaves vmalens_vma.pkey 0, which is also a key: only
 * the version tells the two apart.  Asked once per run.
 */
bool dev_fills_pkey(int fd)
{
	static int fills = -1;
	struct vmalens_version v;

	if (fills < 0)
		fills = !dev_version(fd, &v) && v.abi_version >= 4;
	return fills;
}

/*
 * Append the module's record @r, named @name; NULL when out of memory.
 * @pkey_known: the module filled r->pkey (dev_fills_pkey()).
 */
struct lvma *vma_list_add_rec(struct vma_list *l, const struct vmalens_vma *r,
			      const char *name, bool pkey_known)
{
	struct lvma *v = vma_list_add(l, name);

	if (!v)
		return NULL;
	v->start = r->start;
	v->end = r->end;
	v->offset = r->offset;
	v->vm_flags = r->vm_flags;
	v->flags = r->flags;
	v->has_flags = true;
	if (pkey_known)
		v->pkey = r->pkey;
	v->inode = r->inode;
	v->dev_major = r->dev_major;
	v->dev_minor = r->dev_minor;
	v->kind = r->kind;
	v->prot = r->prot;
	return v;
}

/* The bulk export, resumed at ->next until the module says it is done. */
int dev_vmas(int fd, pid_t pid, struct vma_list *l)
{
	struct vmalens_vma *rec = calloc(VMAS_BATCH, sizeof(*rec));
	char *names = malloc(NAMES_SIZE);
	bool pkey_known = dev_fills_pkey(fd);
	struct vmalens_vmas req;
	uint64_t start = 0;
	int ret = -1;
	uint32_t i;

	l->source = BACKEND_MODULE;
	if (!rec || !names) {
		p_err("out of memory");
		goto out;
	}
	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.pid = pid;
		req.start = start;
		req.vmas_addr = (uintptr_t)rec;
		req.vma_size = sizeof(*rec);
		req.vma_count = VMAS_BATCH;
		req.names_addr = (uintptr_t)names;
		req.names_size = NAMES_SIZE;
		if (ioctl(fd, VMALENS_IOC_VMAS, &req)) {
			explain_pid_error(pid, errno, "VMALENS_IOC_VMAS");
			goto out;
		}
		for (i = 0; i < req.vma_count; i++) {
			const struct vmalens_vma *r = &rec[i];
			char *name = "";

			if (r->name_len && r->name_off + r->name_len < req.names_size)
				name = names + r->name_off;
			/* the module never reports a VMA twice, but be safe */
			if (l->nr && r->start < l->v[l->nr - 1].end)
				continue;
			if (!vma_list_add_rec(l, r, name, pkey_known)) {
				p_err("out of memory");
				goto out;
			}
		}
		if (req.next && req.next <= start) {
			p_err("VMALENS_IOC_VMAS did not advance (next 0x%llx)",
			      (unsigned long long)req.next);
			goto out;
		}
		start = req.next;
	} while (start);
	ret = 0;
out:
	free(rec);
	free(names);
	return ret;
}

int dev_query(int fd, pid_t pid, uint64_t addr, bool or_next,
	      struct vmalens_query *q, char *name, size_t name_len)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->pid = pid;
	q->addr = addr;
	q->flags = or_next ? VMALENS_QUERY_COVERING_OR_NEXT : 0;
	q->name_addr = (uintptr_t)name;
	q->name_size = name_len;
	name[0] = '\0';
	if (ioctl(fd, VMALENS_IOC_QUERY, q)) {
		if (errno == ENOENT)
			return -ENOENT;
		explain_pid_error(pid, errno, "VMALENS_IOC_QUERY");
		return -1;
	}
	if (!q->name_size)
		name[0] = '\0';
	name[name_len - 1] = '\0';
	return 0;
}

int dev_dryrun(int fd, struct vmalens_unmapped_area *ua)
{
	ua->size = sizeof(*ua);
	if (ioctl(fd, VMALENS_IOC_UNMAPPED_AREA, ua)) {
		if (errno == EOPNOTSUPP)
			p_err("the dry-run cannot model this request (hugetlb mappings are not supported)");
		else if (errno == EBADF)
			p_err("the dry-run got a bad file descriptor for --file");
		else if (errno == EINVAL)
			p_err("the module rejected the request as invalid (flags or mode)");
		else
			explain_pid_error(ua->pid, errno, "VMALENS_IOC_UNMAPPED_AREA");
		return -1;
	}
	return 0;
}
