// SPDX-License-Identifier: GPL-2.0
/*
 * Where a process's VMAs come from: the module's bulk ioctl or, without
 * the module, the kernel's own PROCMAP_QUERY ioctl (6.11+) or the text of
 * /proc/PID/maps, with the kind guessed from the name and each failure
 * told as the module would tell it; and whether maps shows entries that
 * are not VMAs (Android's 16K-page emulation).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lens.h"

/* 6.11 include/uapi/linux/fs.h; Debian 12's headers (6.1) lack it. */
#ifndef PROCMAP_QUERY
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;		/* in */
	uint64_t query_addr;		/* in */
	uint64_t vma_start;		/* out */
	uint64_t vma_end;		/* out */
	uint64_t vma_flags;		/* out */
	uint64_t vma_page_size;		/* out */
	uint64_t vma_offset;		/* out */
	uint64_t inode;			/* out */
	uint32_t dev_major;		/* out */
	uint32_t dev_minor;		/* out */
	uint32_t vma_name_size;		/* in/out */
	uint32_t build_id_size;		/* in/out */
	uint64_t vma_name_addr;		/* in */
	uint64_t build_id_addr;		/* in */
};
#define PROCMAP_QUERY	_IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA	0x10
#endif

/* What the module calls the VMA, guessed from its /proc name. */
static uint32_t kind_of(const char *name, uint64_t inode)
{
	if (!strcmp(name, "[heap]"))
		return VMALENS_KIND_HEAP;
	if (!strncmp(name, "[stack", 6))
		return VMALENS_KIND_STACK;
	if (!strcmp(name, "[vdso]"))
		return VMALENS_KIND_VDSO;
	if (!strncmp(name, "[vvar", 5))
		return VMALENS_KIND_VVAR;
	if (!strncmp(name, "[anon", 5) || !*name)
		return VMALENS_KIND_ANON;
	if (*name == '[')
		return VMALENS_KIND_SPECIAL;
	return inode || *name == '/' ? VMALENS_KIND_FILE : VMALENS_KIND_ANON;
}

/* Split buf at newlines; returns the next line (NUL-terminated) or NULL. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

/*
 * The kernel's one escape in /proc/PID/maps (mangle_path(), "\n"): a
 * newline in a name is "\012".  Undone, so that a name reads the same
 * from every source; plain output escapes it again.
 */
static void unescape_newlines(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (!strncmp(s, "\\012", 4)) {
			*out++ = '\n';
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

#if defined(__x86_64__)
#define VMALENS_HAS_VSYSCALL	1
#else
#define VMALENS_HAS_VSYSCALL	0
#endif

/* "7f..-7f.. rw-p 00000000 fd:01 1234   /path" lines */
int parse_proc_maps(char *text, struct vma_list *l)
{
	char *cursor = text, *line;

	while ((line = next_line(&cursor))) {
		uint64_t start, end, offset, inode;
		unsigned int maj, min;
		char perms[8];
		struct lvma *v;
		int n = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 "%n",
			   &start, &end, perms, &offset, &maj, &min, &inode, &n) != 7 ||
		    strlen(perms) != 4)
			return -EINVAL;
		line += n;
		while (*line == ' ')
			line++;
		unescape_newlines(line);
		v = vma_list_add(l, line);
		if (!v)
			return -ENOMEM;
		v->start = start;
		v->end = end;
		v->offset = offset;
		v->inode = inode;
		v->dev_major = maj;
		v->dev_minor = min;
		v->prot = (perms[0] == 'r' ? VMALENS_VMA_READ : 0) |
			  (perms[1] == 'w' ? VMALENS_VMA_WRITE : 0) |
			  (perms[2] == 'x' ? VMALENS_VMA_EXEC : 0) |
			  (perms[3] == 's' ? VMALENS_VMA_SHARED : 0);
		v->kind = kind_of(v->name, inode);
	}
	return 0;
}

enum pgsize_migration pgsize_migration_read(const char *root)
{
	char path[PATH_MAX], buf[8];
	bool got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/pgsize_migration/enabled", root);
	f = fopen(path, "re");
	if (!f)
		return PGSIZE_MIG_NONE;
	got = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	/* the kernel prints its static key as "0\n" or "1\n" */
	if (!got || (buf[0] != '0' && buf[0] != '1') || (buf[1] && buf[1] != '\n'))
		return PGSIZE_MIG_NONE;
	return buf[0] == '1' ? PGSIZE_MIG_ON : PGSIZE_MIG_OFF;
}

static int procmap_query_all(int fd, struct vma_list *l)
{
	static char name[PATH_MAX + 64];
	struct procmap_query q;
	uint64_t addr = 0;
	struct lvma *v;

	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		q.query_addr = addr;
		q.vma_name_addr = (uintptr_t)name;
		q.vma_name_size = sizeof(name);
		if (ioctl(fd, PROCMAP_QUERY, &q))
			return errno == ENOENT ? 0 : -errno;
		if (!q.vma_name_size)
			name[0] = '\0';
		v = vma_list_add(l, name);
		if (!v)
			return -ENOMEM;
		v->start = q.vma_start;
		v->end = q.vma_end;
		v->offset = q.vma_offset;
		v->inode = q.inode;
		v->dev_major = q.dev_major;
		v->dev_minor = q.dev_minor;
		v->prot = q.vma_flags & 0xf;	/* PROCMAP_QUERY_VMA_* = our bits */
		v->kind = kind_of(v->name, q.inode);
		if (q.vma_end <= addr)
			return -EIO;
		addr = q.vma_end;
	}
}

static uint64_t default_guard(void)
{
	char line[4096], *p;
	long pages = 256;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (fgets(line, sizeof(line), f))
			for (p = strstr(line, "stack_guard_gap="); p;
			     p = strstr(p + 1, "stack_guard_gap="))
				pages = strtol(p + 16, NULL, 0);
		fclose(f);
	}
	return (uint64_t)pages * sysconf(_SC_PAGESIZE);
}

/* CAP_SYS_PTRACE in our effective set, from /proc/self/status. */
static bool have_cap_sys_ptrace(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(f);
	return eff & (1ULL << 19);	/* CAP_SYS_PTRACE */
}

/*
 * Why /proc gave no VMAs for pid, told as the module tells the same
 * cause (explain_pid_error()): no such pid; a pid without an address
 * space (PROCMAP_QUERY's ESRCH, or maps empty, while /proc/PID exists);
 * or ptrace access refused, which for a caller with CAP_SYS_PTRACE is
 * the kernel's ptrace policy, a cause the module never has.
 */
static void explain_proc_error(pid_t pid, int err, const char *what)
{
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%d", pid);
	if ((err == ENOENT || err == ESRCH) && access(dir, F_OK))
		err = ESRCH;
	else if (err == ENOENT || err == ESRCH)
		err = ENXIO;
	else if (err == EACCES)
		err = EPERM;
	if (err == EPERM && have_cap_sys_ptrace())
		p_err("not allowed to inspect process %d: /proc/%d/maps refused it despite CAP_SYS_PTRACE (Yama's ptrace_scope=3, an LSM, or a process of another user namespace)",
		      pid, pid);
	else if (err == EPERM)
		p_err("not allowed to inspect process %d: needs CAP_SYS_PTRACE (without it, /proc shows only your own processes)",
		      pid);
	else
		explain_pid_error(pid, err, what);
}

/*
 * A 32-bit process, by its program's ELF class: it has no [vsyscall] page.
 * Unreadable: taken as 64-bit, the common case.
 */
static bool proc_compat(pid_t pid)
{
	unsigned char ident[EI_CLASS + 1];
	char path[64];
	bool compat;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	compat = read(fd, ident, sizeof(ident)) == sizeof(ident) &&
		 !memcmp(ident, ELFMAG, SELFMAG) && ident[EI_CLASS] == ELFCLASS32;
	close(fd);
	return compat;
}

/* PROCMAP_QUERY on /proc/PID/maps: 0, -ENOTTY if the kernel lacks it, -1 after p_err(). */
static int procmap_vmas(pid_t pid, struct vma_list *l)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		explain_proc_error(pid, errno, path);
		return -1;
	}
	l->guard = default_guard();
	l->source = BACKEND_PROCMAP;
	err = procmap_query_all(fd, l);
	close(fd);
	if (!err) {
		/* the VMA tree, like the module's: the gate as the module's reader adds it */
		vma_list_add_gate(l, proc_compat(pid));
		return 0;
	}
	vma_list_free(l);
	if (err == -ENOTTY || err == -EINVAL)
		return -ENOTTY;
	explain_proc_error(pid, -err, "PROCMAP_QUERY");
	return -1;
}

/* The text of /proc/PID/maps: 0, or -1 after p_err(). */
static int maps_vmas(pid_t pid, struct vma_list *l)
{
	char path[64], *text;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		explain_proc_error(pid, errno, path);
		return -1;
	}
	l->guard = default_guard();
	l->source = BACKEND_PROC;
	text = read_all(fd, &err);
	close(fd);
	if (!text) {
		p_err("cannot read %s: %s", path, strerror(err));
		return -1;
	}
	if (parse_proc_maps(text, l)) {
		free(text);
		p_err("cannot parse %s", path);
		return -1;
	}
	free(text);
	if (!l->nr) {		/* a live address space has VMAs */
		vma_list_free(l);
		explain_proc_error(pid, ESRCH, path);
		return -1;
	}
	return 0;
}

/*
 * x86-64's [vsyscall] page: the gate VMA that /proc/PID/maps of every
 * 64-bit process ends with, though it is in no mm's tree (the module
 * cannot ask get_gate_vma(), which is not exported).  It is one page for
 * the whole system, in its one mode: take its line from our own maps.
 * Nothing is added where there is none (vsyscall=none, other arches).
 */
void vma_list_add_gate(struct vma_list *l, bool compat)
{
	char *maps, *line, *eol;
	int fd, err;

	if (!VMALENS_HAS_VSYSCALL || compat)
		return;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	maps = read_all(fd, &err);
	close(fd);
	line = maps ? strstr(maps, " [vsyscall]\n") : NULL;
	if (line) {
		eol = strchr(line, '\n');
		*eol = '\0';
		while (line > maps && line[-1] != '\n')
			line--;
		parse_proc_maps(line, l);
	}
	free(maps);
}

enum backend backend_forced = BACKEND_NR;

static const char *const backend_names[BACKEND_NR] = {
	[BACKEND_MODULE] = "module",
	[BACKEND_BPF] = "bpf",
	[BACKEND_PROCMAP] = "procmap",
	[BACKEND_PROC] = "proc",
};

const char *backend_name(enum backend b)
{
	return b < BACKEND_NR ? backend_names[b] : "auto";
}

int set_backend(const char *arg)
{
	enum backend b;

	for (b = 0; b < BACKEND_NR; b++) {
		if (!strcmp(arg, backend_names[b])) {
			backend_forced = b;
			return 0;
		}
	}
	return usage_err(NULL, "invalid --backend '%s': expected module, bpf, procmap or proc",
			 arg);
}

/* why src_try_bpf() declined */
static char bpf_declined[200];

/* Whether this kernel answers PROCMAP_QUERY (6.11+), asked of our own maps. */
static bool procmap_works(void)
{
	struct procmap_query q = { .size = sizeof(q),
				   .query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA };
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	bool works;

	if (fd < 0)
		return false;
	works = !ioctl(fd, PROCMAP_QUERY, &q);
	close(fd);
	return works;
}

/*
 * The module: 1 taken, 0 declined (no module, or not root: the others may
 * still serve) with *err its errno, -1 after p_err().
 */
static int src_try_module(struct lens_src *s, int *err)
{
	s->fd = dev_open();
	if (s->fd >= 0)
		return 1;
	*err = errno;
	if (backend_forced == BACKEND_NR &&
	    (*err == ENOENT || *err == EACCES || *err == EPERM))
		return 0;
	dev_explain_open_error(*err, NULL);
	return -1;
}

/* "module not loaded" and the like: the short reason of a note */
static const char *module_declined(int err)
{
	if (err == ENOENT)
		return access("/sys/module/vmalens", F_OK) ? "module not loaded" :
		       "the module is loaded but the device node is missing";
	return "root only";
}

/* Our own arg_start, field 48 of /proc/self/stat; 0 if unknown. */
static uint64_t self_arg_start(void)
{
	char *text, *p;
	uint64_t v = 0;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), err, field;

	if (fd < 0)
		return 0;
	text = read_all(fd, &err);
	close(fd);
	p = text ? strrchr(text, ')') : NULL;
	/* field 3 follows the comm's ')' */
	for (field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	free(text);
	return v;
}

/*
 * BPF: 1 taken, 0 declined, -1 after p_err().  The iterators know the
 * initial pid namespace's pids: our own pid must name our own process
 * there, or every answer would be about another one.
 */
static int src_try_bpf(void)
{
	struct vmalens_mm_layout self;
	const char *why;

	if (bpf_layout(getpid(), &self))
		why = bpf_decline_reason();
	else if (self.arg_start != self_arg_start())
		why = "our pid names another process to BPF (a child pid namespace)";
	else
		return 1;
	if (backend_forced == BACKEND_NR) {
		snprintf(bpf_declined, sizeof(bpf_declined), "%s", why);
		return 0;
	}
	p_err("the BPF backend cannot be used: %s", why);
	return -1;
}

int src_open(struct lens_src *s, bool need_layout)
{
	enum backend forced = backend_forced;
	char bpf_why[256] = "";
	int ret, mod_err = 0;

	s->fd = -1;
	s->note[0] = '\0';
	s->backend = BACKEND_MODULE;
	if (forced == BACKEND_NR || forced == BACKEND_MODULE) {
		ret = src_try_module(s, &mod_err);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	s->backend = BACKEND_BPF;
	if (forced == BACKEND_NR || forced == BACKEND_BPF) {
		ret = src_try_bpf();
		if (ret > 0 && forced == BACKEND_NR)
			snprintf(s->note, sizeof(s->note),
				 "%s not available (%s); reading through the BPF backend",
				 VMALENS_DEVICE, module_declined(mod_err));
		if (ret)
			return ret < 0 ? -1 : 0;
		snprintf(bpf_why, sizeof(bpf_why), "the BPF backend declined: %s",
			 bpf_declined);
	}
	if (need_layout) {
		if (forced != BACKEND_NR)
			p_err("the %s backend has no layouts: only module and bpf have",
			      backend_name(forced));
		else
			dev_explain_open_error(mod_err, bpf_why);
		return -1;
	}
	s->backend = BACKEND_PROCMAP;
	if ((forced == BACKEND_NR || forced == BACKEND_PROCMAP) && procmap_works()) {
		if (forced == BACKEND_NR)
			snprintf(s->note, sizeof(s->note),
				 "%s not available (%s; %s); reading the VMAs with PROCMAP_QUERY on /proc/PID/maps (no kind/flags from the module)",
				 VMALENS_DEVICE, module_declined(mod_err), bpf_why);
		return 0;
	}
	if (forced == BACKEND_PROCMAP) {
		p_err("this kernel has no PROCMAP_QUERY (it came in 6.11); try --backend=proc");
		return -1;
	}
	s->backend = BACKEND_PROC;
	if (forced == BACKEND_NR)
		snprintf(s->note, sizeof(s->note),
			 "%s not available (%s; %s) and no PROCMAP_QUERY (kernel < 6.11); reading /proc/PID/maps",
			 VMALENS_DEVICE, module_declined(mod_err), bpf_why);
	return 0;
}

void src_note(struct lens_src *s)
{
	if (s->note[0])
		p_note("%s", s->note);
	s->note[0] = '\0';
}

void src_close(struct lens_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* A BPF backend's failure for pid, as the module tells the same cause. */
static int bpf_pid_error(pid_t pid, int err, const char *what)
{
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%d", pid);
	if (err == -ESRCH && !access(dir, F_OK))
		err = -ENXIO;	/* in /proc, but no mm: a kernel thread or a zombie */
	if (err == -ESRCH || err == -ENXIO || err == -EAGAIN)
		explain_pid_error(pid, -err, what);
	else
		p_err("%s for process %d: %s (%s)", what, pid, strerror(-err),
		      bpf_decline_reason());
	return -1;
}

int src_layout(struct lens_src *s, pid_t pid, struct vmalens_mm_layout *l)
{
	int err;

	if (s->backend == BACKEND_MODULE)
		return dev_layout(s->fd, pid, l);
	err = bpf_layout(pid, l);
	if (err)
		return bpf_pid_error(pid, err, "the BPF task iterator");
	src_note(s);
	return 0;
}

static int src_read_vmas(struct lens_src *s, pid_t pid, struct vma_list *l)
{
	struct vmalens_mm_layout lay;
	int err;

	memset(l, 0, sizeof(*l));
	switch (s->backend) {
	case BACKEND_MODULE:
		if (dev_vmas(s->fd, pid, l))
			return -1;
		if (!dev_layout(s->fd, pid, &lay)) {
			l->guard = lay.stack_guard_gap;
			vma_list_add_gate(l, lay.compat);
		}
		return 0;
	case BACKEND_BPF:
		l->source = BACKEND_BPF;
		err = bpf_vmas(pid, l);
		if (!err)
			err = bpf_layout(pid, &lay);
		if (err) {
			vma_list_free(l);
			return bpf_pid_error(pid, err, "the BPF task_vma iterator");
		}
		l->guard = lay.stack_guard_gap;
		vma_list_add_gate(l, lay.compat);
		return 0;
	case BACKEND_PROCMAP:
		err = procmap_vmas(pid, l);
		/* -ENOTTY was ruled out at open: only a kernel that changed its mind */
		return err == -ENOTTY ? maps_vmas(pid, l) : err;
	default:
		return maps_vmas(pid, l);
	}
}

int src_vmas(struct lens_src *s, pid_t pid, struct vma_list *l)
{
	int ret = src_read_vmas(s, pid, l);

	if (!ret)
		src_note(s);
	return ret;
}

int read_vmas(pid_t pid, struct vma_list *l)
{
	struct lens_src s;
	int ret;

	memset(l, 0, sizeof(*l));
	if (src_open(&s, false))
		return -1;
	ret = src_vmas(&s, pid, l);
	src_close(&s);
	return ret;
}
