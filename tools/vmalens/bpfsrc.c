// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF backend: layouts and VMAs read by the iterators of
 * bpf/vmalens.bpf.c, for a kernel without the module. The object is
 * loaded once, on first use, and serves every request after; each
 * request creates one iterator, reads it to its end and lets it go.
 *
 * Pids are the initial pid namespace's: the program compares task->tgid,
 * so in a child pid namespace the backend declines.
 *
 * Every function is quiet: it returns -errno and leaves the sentence to
 * bpf_decline_reason(), for the caller to print or not. libbpf is quiet
 * too, unless VMALENS_BPF_DEBUG is set: then its log, and the verifier's
 * on a failed load, go to stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lens.h"

#ifdef HAVE_BPF_BACKEND

#include <stdarg.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "vmalens.skel.h"

#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"

static struct vmalens_bpf *skel;
static int load_err;			/* a failed load is not retried */
static char reason[256];
static char libbpf_msg[200];		/* libbpf's first warning */
/* VMALENS_BPF_DEBUG=1: libbpf's whole log, the verifier's included, on stderr */
static bool debug;

bool bpf_backend_built(void)
{
	return true;
}

const char *bpf_decline_reason(void)
{
	return reason;
}

static int decline(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int decline(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * libbpf prints nothing of ours. Its first warning names what failed
 * ("prog 'dump_vmas': BPF program load failed: ..."); the ones after it
 * repeat the failure up the stack.
 */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t len;

	if (debug) {
		vfprintf(stderr, fmt, ap);
		return 0;
	}
	if (level != LIBBPF_WARN || libbpf_msg[0])
		return 0;
	vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
	len = strlen(libbpf_msg);
	if (len && libbpf_msg[len - 1] == '\n')
		libbpf_msg[len - 1] = '\0';
	return 0;
}

/* 6.6 made the [heap] test strict (vma_is_initial_heap()). */
static bool kernel_heap_exclusive(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 6);
}

/*
 * Whether smaps prints "ProtectionKey:" lines, as the module's pkey
 * follows smaps: x86 with keys enabled by the CPU and the kernel.
 */
static bool smaps_has_pkeys(void)
{
#if defined(__x86_64__) || defined(__i386__)
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "ProtectionKey:", 14);
	fclose(f);
	return found;
#else
	return false;
#endif
}

static unsigned int page_shift(void)
{
	long size = sysconf(_SC_PAGESIZE);

	return size > 0 ? (unsigned int)__builtin_ctzl((unsigned long)size) : 12;
}

/* Why the object did not load, once the verifier or libbpf said no. */
static int load_failed(int err)
{
	struct btf *vmlinux;
	bool has_vma_iter;

	if (err == -EPERM || err == -EACCES)
		return decline(-EPERM, "not allowed to load BPF programs (needs root, or CAP_BPF with CAP_PERFMON)");
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return decline(-EOPNOTSUPP, "the kernel's BTF could not be read");
	has_vma_iter = btf__find_by_name_kind(vmlinux, "bpf_iter_task_vma", BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	if (!has_vma_iter)
		return decline(-EOPNOTSUPP, "the kernel has no task_vma BPF iterator (5.12 and later have it)");
	return decline(-EOPNOTSUPP, "the BPF program did not load (%s): %s",
		       strerror(-err), libbpf_msg[0] ? libbpf_msg : "no detail");
}

/* At exit: the programs and maps go with the last reference anyway. */
static void bpf_unload(void)
{
	vmalens_bpf__destroy(skel);
	skel = NULL;
}

/*
 * Whether vmalens runs in a child pid namespace: then /proc/self/status
 * gives NSpid one pid per level.  Its pids are not the task->tgid the
 * iterators compare, and the backend must not answer for another
 * process than the one asked for.
 */
static bool in_child_pid_ns(void)
{
	char line[256];
	bool nested = false;
	FILE *f = fopen("/proc/self/status", "re");
	int a, b;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "NSpid: %d %d", &a, &b) == 2)
			nested = true;
	fclose(f);
	return nested;
}

/* Open and load the object on first use; 0 or the sticky -errno. */
static int bpf_load(void)
{
	int err;

	if (skel)
		return 0;
	if (load_err)
		return load_err;
	debug = getenv("VMALENS_BPF_DEBUG");
	libbpf_set_print(libbpf_quiet);
	if (in_child_pid_ns()) {
		load_err = decline(-EOPNOTSUPP, "vmalens runs in a child pid namespace; the BPF iterators know the initial one's pids");
		return load_err;
	}
	if (access(BTF_VMLINUX, R_OK)) {
		load_err = decline(-EOPNOTSUPP, "the kernel has no BTF (%s: CONFIG_DEBUG_INFO_BTF)",
				   BTF_VMLINUX);
		return load_err;
	}
	skel = vmalens_bpf__open();
	if (!skel) {
		load_err = decline(-EOPNOTSUPP, "the BPF object could not be opened: %s",
				   strerror(errno));
		return load_err;
	}
	skel->rodata->heap_exclusive = kernel_heap_exclusive();
	skel->rodata->pkeys_on = smaps_has_pkeys();
	skel->rodata->page_shift = page_shift();
	err = vmalens_bpf__load(skel);
	if (err) {
		vmalens_bpf__destroy(skel);
		skel = NULL;
		load_err = load_failed(err);
		return load_err;
	}
	atexit(bpf_unload);
	return 0;
}

/*
 * Run @prog's iterator for @pid (0: every process) and return its whole
 * output in *@buf (malloc'd, the caller frees) and *@len. Kernels since
 * 6.1 walk only that task (link_info.task.tid); older ones ignore the
 * field and walk every task, which the program filters on target_tgid.
 */
static int iter_read(struct bpf_program *prog, pid_t pid, char **buf, size_t *len)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo;
	struct bpf_link *link = NULL;
	size_t cap = 0, used = 0;
	char *out = NULL, *tmp;
	int fd, err = 0;
	ssize_t n;

	skel->bss->target_tgid = pid;
	if (pid) {
		memset(&linfo, 0, sizeof(linfo));
		linfo.task.tid = pid;
		opts.link_info = &linfo;
		opts.link_info_len = sizeof(linfo);
		link = bpf_program__attach_iter(prog, &opts);
	}
	if (!link)
		link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return decline(-EOPNOTSUPP, "the BPF iterator could not be attached: %s",
			       strerror(errno));
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = decline(-EOPNOTSUPP, "the BPF iterator could not be created: %s",
			      strerror(errno));
		goto out_link;
	}
	for (;;) {
		if (cap - used < 8192) {
			cap = cap ? cap * 2 : 65536;
			tmp = realloc(out, cap);
			if (!tmp) {
				err = decline(-ENOMEM, "out of memory");
				goto out_fd;
			}
			out = tmp;
		}
		n = read(fd, out + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = decline(-errno, "reading the BPF iterator failed: %s",
				      strerror(errno));
			goto out_fd;
		}
		if (!n)
			break;
		used += n;
	}
	*buf = out;
	*len = used;
	out = NULL;
out_fd:
	close(fd);
out_link:
	bpf_link__destroy(link);
	free(out);
	return err;
}

/* A /proc/sys/vm setting, or @fallback where it cannot be read. */
static long read_sysctl(const char *name, long fallback)
{
	char path[64];
	long val;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	f = fopen(path, "re");
	if (!f)
		return fallback;
	if (fscanf(f, "%ld", &val) != 1)
		val = fallback;
	fclose(f);
	return val;
}

/*
 * The settings the program could not read from kallsyms: 0 (not found)
 * or -2 in the fields it fills from symbols; page_size always.
 */
static void layout_settings(struct vmalens_mm_layout *l)
{
	l->page_size = 1ULL << page_shift();
	if (!l->stack_guard_gap)	/* the kernel's default: 256 pages */
		l->stack_guard_gap = 256 * l->page_size;
	/*
	 * Only vm.mmap_min_addr's DAC part: the LSM part (CONFIG_LSM_MMAP_MIN_ADDR)
	 * may raise the kernel's own value above it.  Seen on arm64-6.1, where
	 * the kallsyms read did not serve: 4096 for the module's 32768.
	 */
	if (!l->mmap_min_addr)
		l->mmap_min_addr = read_sysctl("mmap_min_addr", 0);
	if (l->mmap_rnd_bits == -2)
		l->mmap_rnd_bits = read_sysctl("mmap_rnd_bits", -1);
	if (l->mmap_rnd_compat_bits == -2)
		l->mmap_rnd_compat_bits = read_sysctl("mmap_rnd_compat_bits", -1);
}

/* Walk the layout records of one run; ESRCH if there is none. */
static int for_each_layout(pid_t pid, int (*fn)(const struct vmalens_mm_layout *l, void *arg),
			   void *arg)
{
	struct vmalens_mm_layout l;
	size_t len, off;
	char *buf;
	int err;

	err = bpf_load();
	if (err)
		return err;
	err = iter_read(skel->progs.dump_layout, pid, &buf, &len);
	if (err)
		return err;
	if (!len)
		err = decline(-ESRCH, "no process %d with an address space", (int)pid);
	for (off = 0; !err && off + sizeof(l) <= len; off += sizeof(l)) {
		memcpy(&l, buf + off, sizeof(l));
		layout_settings(&l);
		err = fn(&l, arg);
	}
	free(buf);
	return err;
}

static int copy_layout(const struct vmalens_mm_layout *l, void *arg)
{
	memcpy(arg, l, sizeof(*l));
	return 0;
}

int bpf_layout(pid_t pid, struct vmalens_mm_layout *l)
{
	return for_each_layout(pid ? pid : getpid(), copy_layout, l);
}

int bpf_layouts(int (*fn)(const struct vmalens_mm_layout *l, void *arg), void *arg)
{
	return for_each_layout(0, fn, arg);
}

/*
 * The records of dump_vmas: struct vmalens_vma, then name_len bytes of
 * name at name_off (from the record's start) and a NUL; the next record
 * follows at once.
 */
int bpf_vmas(pid_t pid, struct vma_list *l)
{
	struct vmalens_vma r;
	size_t len, off = 0;
	char *buf;
	int err;

	if (!pid)
		pid = getpid();
	err = bpf_load();
	if (err)
		return err;
	err = iter_read(skel->progs.dump_vmas, pid, &buf, &len);
	if (err)
		return err;
	if (!len)
		err = decline(-ESRCH, "no process %d with an address space", (int)pid);
	while (!err && off + sizeof(r) <= len) {
		size_t next;

		memcpy(&r, buf + off, sizeof(r));
		next = off + r.name_off + r.name_len + 1;
		if (r.name_off != sizeof(r) || next > len || buf[next - 1]) {
			err = decline(-EIO, "the BPF iterator's record at byte %zu is malformed", off);
			break;
		}
		/* a VMA that moved between two reads of the iterator */
		if (!l->nr || r.start >= l->v[l->nr - 1].end) {
			if (!vma_list_add_rec(l, &r, buf + off + r.name_off, true))
				err = decline(-ENOMEM, "out of memory");
		}
		off = next;
	}
	free(buf);
	return err;
}

#else /* !HAVE_BPF_BACKEND */

static const char no_backend[] =
	"built without the BPF backend: clang, bpftool or libbpf-dev was missing";

bool bpf_backend_built(void)
{
	return false;
}

const char *bpf_decline_reason(void)
{
	return no_backend;
}

int bpf_layout(pid_t pid, struct vmalens_mm_layout *l)
{
	(void)pid;
	(void)l;
	return -ENOSYS;
}

int bpf_vmas(pid_t pid, struct vma_list *l)
{
	(void)pid;
	(void)l;
	return -ENOSYS;
}

int bpf_layouts(int (*fn)(const struct vmalens_mm_layout *l, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return -ENOSYS;
}

#endif /* HAVE_BPF_BACKEND */
