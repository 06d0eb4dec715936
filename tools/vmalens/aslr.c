// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens aslr: start fresh processes, read each one's layout through the
 * module while it is stopped, and estimate how much randomness each region
 * shows, next to what the kernel's constants and sysctls promise
 * (VMALENS_IOC_ASLR).  Nothing here needs debugfs.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aslr.h"
#include "lens.h"

#define SAMPLER		"vmalens-aslr-sampler"
#define SAMPLER32	"vmalens-aslr-sampler32"
#define DEFAULT_SAMPLES	100
#define MAX_SAMPLES	100000
#define ZYGOTE_FD	100		/* as ZYGOTE_FD in sampler/aslr_sampler.c */
#define FILE_FD		101		/* as FILE_FD in sampler/aslr_sampler.c */
#define FILE_LEN_FD	102		/* as FILE_LEN_FD in sampler/aslr_sampler.c */

int aslr_samples;
bool aslr_compat;
char *aslr_exec;
bool aslr_fork, aslr_fork_exec;

/*
 * The file the sampler maps one PMD of, as a dynamic loader maps a
 * library that large: --file, or this program's own binary, which most
 * systems keep on the file system of their libraries.
 */
static struct {
	const char *path;
	dev_t dev;
	ino_t ino;
	uint64_t len;
} mapped_file;

/* One sample: the regions' addresses; has[] false where there is none. */
struct sample {
	uint64_t v[REG_NR];
	bool has[REG_NR];
	uint64_t heap_rel;	/* start_brk - start_code */
	bool compat;
};

/* Seconds on the monotonic clock. */
double aslr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The samplers sit next to the vmalens binary, or in ../libexec/vmalens. */
static int find_sampler(const char *name, char *path, size_t len)
{
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -1;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(path, len, "%s/%s", dir, name);
	if (!access(path, X_OK))
		return 0;
	snprintf(path, len, "%s/../libexec/vmalens/%s", dir, name);
	return access(path, X_OK);
}

/*
 * Start PROG so that it stops before it runs any code of its own:
 * PTRACE_TRACEME stops it with SIGTRAP right after execve().  The sampler
 * needs no ptrace: it stops itself with SIGSTOP after its one mmap.
 * Returns at once; wait_stopped() waits for the stop.
 */
static pid_t spawn(char **argv, bool trace)
{
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		p_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (trace && ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Wait until a spawn()ed PROG stops; p_err(), reap it and -1 if it did not. */
static int wait_stopped(pid_t pid, const char *prog)
{
	int status = 0;

	if (waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status))
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		p_err("cannot execute %s (exit status 127)", prog);
	else if (WIFEXITED(status))
		p_err("%s exited with %d before it stopped", prog,
		      WEXITSTATUS(status));
	else
		p_err("%s was killed by signal %d before it stopped",
		      prog, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

static void finish(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The start of the sampler's mapping of mapped_file, if it has one. */
static bool find_file_mapping(const struct vma_list *l, uint64_t *start)
{
	size_t i;

	if (!mapped_file.len)
		return false;
	for (i = 0; i < l->nr; i++) {
		const struct lvma *v = &l->v[i];

		if (v->inode == mapped_file.ino && !v->offset &&
		    v->dev_major == major(mapped_file.dev) &&
		    v->dev_minor == minor(mapped_file.dev) &&
		    v->end - v->start >= mapped_file.len) {
			*start = v->start;
			return true;
		}
	}
	return false;
}

/*
 * Give every sampler this process starts the file to map and the length:
 * one PMD.  A page-table page holds page_size / 8 entries of 8 bytes on
 * every 64-bit architecture, so a PMD maps page_size^2 / 8 bytes (2 MiB
 * with 4 KiB pages, 32 MiB with 16 KiB); a 32-bit process runs on the
 * same 64-bit page tables.  Returns the file's descriptor, or p_err() and
 * -2.
 */
static int give_sampler_file(uint64_t page_size)
{
	uint32_t len = page_size * (page_size / 8);
	struct stat st;
	int fd, lfd;

	fd = open(mapped_file.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p_err("cannot open %s: %s", mapped_file.path, strerror(errno));
		return -2;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		p_err("%s is not a regular file", mapped_file.path);
		goto err;
	}
	lfd = memfd_create("vmalens-aslr-len", 0);
	if (lfd < 0 || write(lfd, &len, sizeof(len)) != sizeof(len) ||
	    dup2(lfd, FILE_LEN_FD) != FILE_LEN_FD || dup2(fd, FILE_FD) != FILE_FD) {
		p_err("cannot hand %s to the sampler: %s", mapped_file.path,
		      strerror(errno));
		if (lfd >= 0)
			close(lfd);
		goto err;
	}
	close(lfd);
	mapped_file.dev = st.st_dev;
	mapped_file.ino = st.st_ino;
	mapped_file.len = len;
	return fd;
err:
	close(fd);
	return -2;
}

/*
 * Read one stopped process's regions, and its named mappings into @ns
 * unless it is NULL; p_err() and -1 on failure.
 */
static int read_sample(int fd, pid_t pid, struct sample *s, struct named_set *ns)
{
	struct vmalens_mm_layout lay;
	struct vma_list l = { 0 };
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (dev_layout(fd, pid, &lay))
		return -1;
	s->v[REG_MMAP_BASE] = lay.mmap_base;
	s->has[REG_MMAP_BASE] = true;
	s->v[REG_STACK] = lay.start_stack;
	s->has[REG_STACK] = true;
	s->v[REG_VDSO] = lay.vdso;
	s->has[REG_VDSO] = lay.vdso != 0;
	s->v[REG_EXEC] = lay.start_code;
	s->has[REG_EXEC] = lay.start_code != 0;
	s->v[REG_HEAP] = lay.start_brk;
	s->has[REG_HEAP] = lay.start_brk != 0;
	s->heap_rel = lay.start_brk - lay.start_code;
	s->compat = lay.compat;

	if (dev_vmas(fd, pid, &l))
		goto out;
	s->has[REG_MMAP_FILE] = find_file_mapping(&l, &s->v[REG_MMAP_FILE]);
	s->has[REG_MMAP_FIRST] =
		aslr_mmap_first(&l, lay.mmap_base, lay.layout != VMALENS_MODE_BOTTOMUP,
				lay.start_code, &s->v[REG_MMAP_FIRST]);
	ret = ns ? named_set_add(ns, &l) : 0;
out:
	vma_list_free(&l);
	return ret;
}

/* The largest p_align of the program's PT_LOAD segments, or 0. */
static uint64_t elf_max_align(const char *path)
{
	unsigned char buf[4096];
	uint64_t align = 0, a;
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(buf, ELFMAG, SELFMAG))
		return 0;
	if (buf[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
		Elf64_Phdr ph;

		for (i = 0; i < eh->e_phnum; i++) {
			size_t off = eh->e_phoff + (size_t)i * sizeof(ph);

			if (off + sizeof(ph) > (size_t)n)
				break;
			memcpy(&ph, buf + off, sizeof(ph));
			if (ph.p_type == PT_LOAD && ph.p_align > align)
				align = ph.p_align;
		}
	} else if (buf[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)buf;
		Elf32_Phdr ph;

		for (i = 0; i < eh->e_phnum; i++) {
			size_t off = eh->e_phoff + (size_t)i * sizeof(ph);

			if (off + sizeof(ph) > (size_t)n)
				break;
			memcpy(&ph, buf + off, sizeof(ph));
			a = ph.p_align;
			if (ph.p_type == PT_LOAD && a > align)
				align = a;
		}
	}
	return align;
}

struct aslr_result {
	struct aslr_stats st[REG_NR];
	struct aslr_stats heap_abs;	/* st[REG_HEAP] is the heap's own */
	double expected[REG_NR];
	long configured[REG_NR];	/* -1: no sysctl claims a value */
	const char *note[REG_NR];
	char file_note[160];
	enum aslr_verdict verdict[REG_NR];
	int nsamples;
	bool compat;
	double sample_secs, base_secs;	/* per process */
	/* --fork, --fork-exec: nsamples children of one sampler each */
	struct aslr_stats forked[REG_NR], fork_exec[REG_NR];
	bool has_forked, has_fork_exec;
	/* --exec: stopped at the entry point, not the execve; named mappings */
	bool entry_stop;
	struct named_set *named;
};

static int log2_floor(uint64_t x)
{
	int b = -1;

	while (x) {
		x >>= 1;
		b++;
	}
	return b;
}

/*
 * The mmap_file region keeps mmap_base's randomness above the alignment
 * the file's get_unmapped_area gives it: say how many bits that costs.
 */
static void file_note(const struct vmalens_aslr *t, struct aslr_result *r,
		      long rnd)
{
	const struct vmalens_aslr_bits *tr = &t->regions[REG_MMAP_FILE];
	int shift = r->compat ? tr->compat_shift : tr->shift;
	int lost = shift - log2_floor(t->page_size);
	char pmd[32];

	r->configured[REG_MMAP_FILE] = rnd;
	if (lost <= 0)
		return;
	snprintf(r->file_note, sizeof(r->file_note),
		 "%s aligns a mapping of a PMD or more to %s: %d of the %ld bits are lost",
		 tr->source, human_size(1ULL << shift, pmd, sizeof(pmd)), lost, rnd);
	r->note[REG_MMAP_FILE] = r->file_note;
}

/* Expected bits of each region, from the module's figures. */
static void expect(const struct vmalens_aslr *t, struct aslr_result *r,
		   uint64_t p_align)
{
	long rnd = r->compat ? t->mmap_rnd_compat_bits : t->mmap_rnd_bits;
	int i, loss;

	for (i = 0; i < REG_NR; i++) {
		const struct vmalens_aslr_bits *tr = &t->regions[i];

		r->expected[i] = r->compat ? tr->compat_bits : tr->bits;
		r->configured[i] = -1;
		if (!strcmp(tr->source, "arch_mmap_rnd") ||
		    !strcmp(tr->source, "mmap_base"))
			r->configured[i] = rnd;
	}
	file_note(t, r, rnd);
	/*
	 * binfmt_elf aligns a PIE's load address to its largest p_align
	 * (arm64 toolchains use 64 KiB): that clears the low random bits.
	 */
	loss = log2_floor(p_align) - log2_floor(t->page_size);
	if (p_align && loss > 0) {
		r->expected[REG_EXEC] -= loss;
		r->note[REG_EXEC] = "p_align above the page size clears low bits";
	}
#if defined(__x86_64__) || defined(__i386__)
	if (r->compat)
		r->note[REG_MMAP_BASE] =
			"mm->mmap_base; an ia32 task maps from mmap_compat_base (see mmap_first)";
	if (r->compat) {
		r->expected[REG_MMAP_BASE] = t->randomize_va_space ? t->mmap_rnd_bits : 0;
		r->configured[REG_MMAP_BASE] = t->mmap_rnd_bits;
	}
#endif
	for (i = 0; i < REG_NR; i++)
		if (r->expected[i] < 0)
			r->expected[i] = 0;
}

/* The addresses of up to N samples, per region. */
struct sample_set {
	uint64_t *vals[REG_NR], *heap_rel;
	size_t cnt[REG_NR], nrel;
	bool compat;
};

static void set_free(struct sample_set *ss)
{
	int j;

	for (j = 0; j < REG_NR; j++)
		free(ss->vals[j]);
	free(ss->heap_rel);
}

static int set_init(struct sample_set *ss, int n)
{
	int j;

	memset(ss, 0, sizeof(*ss));
	ss->heap_rel = calloc(n, sizeof(*ss->heap_rel));
	for (j = 0; j < REG_NR; j++)
		ss->vals[j] = calloc(n, sizeof(uint64_t));
	for (j = 0; j < REG_NR; j++)
		if (!ss->vals[j])
			break;
	if (ss->heap_rel && j == REG_NR)
		return 0;
	set_free(ss);
	p_err("out of memory");
	return -1;
}

static void set_add(struct sample_set *ss, const struct sample *s)
{
	int j;

	ss->compat = s->compat;
	for (j = 0; j < REG_NR; j++)
		if (s->has[j])
			ss->vals[j][ss->cnt[j]++] = s->v[j];
	if (s->has[REG_HEAP] && s->has[REG_EXEC])
		ss->heap_rel[ss->nrel++] = s->heap_rel;
}

/* Each region's figures; heap_abs (if not NULL): the heap's absolute ones. */
static void set_stats(struct sample_set *ss, struct aslr_stats st[REG_NR],
		      struct aslr_stats *heap_abs)
{
	struct aslr_stats rel;
	int j;

	for (j = 0; j < REG_NR; j++)
		aslr_stats_compute(ss->vals[j], ss->cnt[j], &st[j]);
	if (heap_abs)
		*heap_abs = st[REG_HEAP];
	/*
	 * The heap's own randomness: brk starts after the program's bss
	 * (PIE: moves with it) or at ELF_ET_DYN_BASE (static PIE, 6.1+), then
	 * arch_randomize_brk() adds its offset.  Count only what neither the
	 * absolute address nor the distance to the program explains.
	 */
	if (!ss->nrel)
		return;
	aslr_stats_compute(ss->heap_rel, ss->nrel, &rel);
	if (rel.bits < st[REG_HEAP].bits) {
		st[REG_HEAP].bits = rel.bits;
		st[REG_HEAP].distinct = rel.distinct;
		st[REG_HEAP].shannon = rel.shannon;
		st[REG_HEAP].collision = rel.collision;
		st[REG_HEAP].collision_low = rel.collision_low;
		st[REG_HEAP].collision_high = rel.collision_high;
		st[REG_HEAP].min_entropy = rel.min_entropy;
		st[REG_HEAP].binding = rel.binding;
		st[REG_HEAP].binding_bits = rel.binding_bits;
	}
}

/* A spawn()ed process, stopped where it is sampled; -1 if it did not stop. */
static int stop_for_sample(pid_t pid, char **argv, const struct aslr_result *r)
{
	if (pid < 0 || wait_stopped(pid, argv[0]))
		return -1;
	if (!r->entry_stop)
		return 0;
	switch (aslr_run_to_entry(pid, argv[0])) {
	case 0:
		return 0;
	case -1:
		finish(pid);
		break;
	}
	return -1;
}

static int sample_all(int fd, char **argv, bool trace, int n, struct aslr_result *r)
{
	struct sample_set ss;
	struct sample s;
	double t0;
	int i, ret = -1;
	pid_t pid, next = -1;

	if (set_init(&ss, n))
		return -1;
	/*
	 * One process ahead: the next one forks and execs (on another CPU,
	 * where there is one) while this one is read, so reading costs
	 * little beyond the fork+exec+stop that sampling needs anyway.
	 */
	t0 = aslr_now();
	next = spawn(argv, trace);
	for (i = 0; i < n; i++) {
		pid = next;
		next = -1;
		if (stop_for_sample(pid, argv, r))
			goto out;
		if (i + 1 < n) {
			next = spawn(argv, trace);
			if (next < 0) {
				finish(pid);
				goto out;
			}
		}
		if (read_sample(fd, pid, &s, r->named)) {
			finish(pid);
			goto out;
		}
		finish(pid);
		set_add(&ss, &s);
	}
	r->sample_secs = (aslr_now() - t0) / n;
	r->nsamples = n;
	r->compat = ss.compat;
	set_stats(&ss, r->st, &r->heap_abs);
	ret = 0;
out:
	if (next > 0)
		finish(next);
	set_free(&ss);
	return ret;
}

/*
 * A fork server: the sampler, exec'd once, with a socket on ZYGOTE_FD
 * (the protocol is in sampler/aslr_sampler.c).  Its children are not
 * ours: the server reaps them, after we have killed them.
 */
struct zygote {
	const char *prog;
	pid_t pid;
	int sock;
};

static int zygote_start(struct zygote *z, char *prog)
{
	char *argv[2] = { prog, NULL };
	int sv[2];

	z->prog = prog;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		p_err("socketpair: %s", strerror(errno));
		return -1;
	}
	z->pid = fork();
	if (z->pid == 0) {
		if (dup2(sv[1], ZYGOTE_FD) == ZYGOTE_FD)
			execv(prog, argv);
		_exit(127);
	}
	close(sv[1]);
	z->sock = sv[0];
	if (z->pid < 0) {
		p_err("fork: %s", strerror(errno));
		close(z->sock);
		return -1;
	}
	return 0;
}

/* Let the server reap its last child and end; kill it if it does not. */
static void zygote_stop(struct zygote *z)
{
	int i;

	close(z->sock);
	for (i = 0; i < 100; i++) {
		if (waitpid(z->pid, NULL, WNOHANG) == z->pid)
			return;
		usleep(10000);
	}
	finish(z->pid);
}

/* Wait for the server's answer; p_err() and false if it cannot come. */
static bool zygote_answers(struct zygote *z)
{
	struct pollfd pfd = { .fd = z->sock, .events = POLLIN };
	int status, n;

	for (;;) {
		n = poll(&pfd, 1, 100);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			break;
		/* a sampler that serves no forks stops itself, as in exec mode */
		if (waitpid(z->pid, &status, WNOHANG | WUNTRACED) == z->pid) {
			p_err("%s %s instead of serving forks: is it the sampler of this vmalens?",
			      z->prog, WIFSTOPPED(status) ? "stopped" : "ended");
			return false;
		}
	}
	p_err("poll: %s", strerror(errno));
	return false;
}

/* A new child of the server, stopped: 'f' forked, 'e' forked and exec'd. */
static pid_t zygote_child(struct zygote *z, char req)
{
	int child;

	if (send(z->sock, &req, 1, MSG_NOSIGNAL) != 1) {
		p_err("%s: the fork server went away: %s", z->prog, strerror(errno));
		return -1;
	}
	if (!zygote_answers(z))
		return -1;
	if (recv(z->sock, &child, sizeof(child), MSG_WAITALL) != sizeof(child)) {
		p_err("%s: the fork server went away", z->prog);
		return -1;
	}
	if (child <= 0) {
		p_err("%s: a forked child ended before it stopped, or fork failed", z->prog);
		return -1;
	}
	return child;
}

/* n children of one server, read and killed one at a time. */
static int sample_forked(int fd, char *prog, char req, int n, struct aslr_stats st[REG_NR])
{
	struct sample_set ss;
	struct zygote z;
	struct sample s;
	int i, ret = -1;
	pid_t pid;

	if (set_init(&ss, n))
		return -1;
	if (zygote_start(&z, prog)) {
		set_free(&ss);
		return -1;
	}
	for (i = 0; i < n; i++) {
		pid = zygote_child(&z, req);
		if (pid < 0)
			goto out;
		ret = read_sample(fd, pid, &s, NULL);
		kill(pid, SIGKILL);
		if (ret)
			goto out;
		set_add(&ss, &s);
	}
	set_stats(&ss, st, NULL);
	ret = 0;
out:
	zygote_stop(&z);
	set_free(&ss);
	return ret;
}

/* The bare cost: fork + exec + stop (where sampled) + kill, no reading. */
static int bench_bare(char **argv, bool trace, int n, const struct aslr_result *r,
		      double *secs)
{
	double t0 = aslr_now();
	pid_t pid;
	int i;

	for (i = 0; i < n; i++) {
		pid = spawn(argv, trace);
		if (stop_for_sample(pid, argv, r))
			return -1;
		finish(pid);
	}
	*secs = (aslr_now() - t0) / n;
	return 0;
}

static void print_bits_mask(uint64_t mask)
{
	int b, lo = -1;

	for (b = 0; b <= 64; b++) {
		bool set = b < 64 && (mask >> b & 1);

		if (set && lo < 0)
			lo = b;
		if (!set && lo >= 0) {
			printf(lo == b - 1 ? " %d" : " %d-%d", lo, b - 1);
			lo = -1;
		}
	}
}

/* What siblings of one parent have in common that fresh execs do not. */
static double shared_bits(const struct aslr_result *r, int i)
{
	double d = r->st[i].bits - r->forked[i].bits;

	return d > 0 ? d : 0;
}

static void print_bits_cell(bool has, const struct aslr_stats *s)
{
	if (has)
		printf(" %9.1f", s->bits);
	else
		printf(" %9s", "-");
}

static void print_forked_plain(const struct aslr_result *r)
{
	bool all_alike = true;
	int i;

	printf("\nchildren of one exec'd sampler, %d each%s%s:\n", r->nsamples,
	       r->has_forked ? "; FORKED: forked, not exec'd (zygote)" : "",
	       r->has_fork_exec ? "; FORK+EXEC: forked, then exec'd" : "");
	printf("%-10s %9s %9s %9s %9s\n", "REGION", "EXEC'D", "FORKED", "SHARED", "FORK+EXEC");
	for (i = 0; i < REG_NR; i++) {
		printf("%-10s %9.1f", aslr_region_names[i], r->st[i].bits);
		print_bits_cell(r->has_forked, &r->forked[i]);
		if (r->has_forked)
			printf(" %9.1f", shared_bits(r, i));
		else
			printf(" %9s", "-");
		print_bits_cell(r->has_fork_exec, &r->fork_exec[i]);
		printf("\n");
		if (r->forked[i].distinct > 1)
			all_alike = false;
	}
	if (!r->has_forked)
		return;
	if (all_alike)
		printf("every forked child had its parent's layout: siblings share all their\n"
		       "random bits, so one child's leaked address is every sibling's.\n");
	else
		printf("forked children differed where FORKED is above 0.\n");
}

static const char *const binding_why[] = {
	[BIND_BITS] = "fits a uniform draw",
	[BIND_MIN_ENTROPY] = "one value too common",
	[BIND_COLLISION] = "too many equal pairs",
};

/* The birthday and most-common-value estimates, and which figure binds. */
static void print_estimators(const struct aslr_stats *s)
{
	if (!s->n)
		return;
	printf("  %-10s ", "");
	if (isnan(s->collision))
		printf("collision - (under %d samples)", ASLR_COLLISION_MIN);
	else
		printf("collision %.1f (99%%: %.1f-%.1f)", s->collision, s->collision_low,
		       s->collision_high);
	printf(", min-entropy %.1f (99%%); binding: %s %.1f, %s\n", s->min_entropy,
	       aslr_binding_names[s->binding], s->binding_bits,
	       s->distinct > 1 ? binding_why[s->binding] : "one value");
}

static void print_plain(const struct vmalens_aslr *t, const struct aslr_result *r,
			const char *prog)
{
	int i;

	printf("%d samples of %s%s; randomize_va_space %d, mmap_rnd_bits %d",
	       r->nsamples, prog, r->compat ? " (compat)" : "", t->randomize_va_space,
	       t->mmap_rnd_bits);
	if (t->mmap_rnd_compat_bits >= 0)
		printf(", mmap_rnd_compat_bits %d", t->mmap_rnd_compat_bits);
	printf("\n\n%-10s %8s %6s %6s %10s %-37s %s\n", "REGION", "DISTINCT",
	       "BITS", "EXPECT", "ALIGN", "RANGE", "VERDICT");
	for (i = 0; i < REG_NR; i++) {
		const struct aslr_stats *s = &r->st[i];
		char range[64];

		snprintf(range, sizeof(range), "0x%" PRIx64 "-0x%" PRIx64,
			 s->min, s->max);
		printf("%-10s %8zu %6.1f %6.1f %10" PRIx64 " %-37s %s\n",
		       aslr_region_names[i], s->distinct, s->binding_bits,
		       r->expected[i], s->align, s->n ? range : "-",
		       aslr_verdict_names[r->verdict[i]]);
	}
	printf("\nper-bit analysis (address bits that vary; * = unbalanced):\n");
	for (i = 0; i < REG_NR; i++) {
		const struct aslr_stats *s = i == REG_HEAP ? &r->heap_abs : &r->st[i];

		printf("  %-10s %2d varying, %2d balanced, range %.1f, shannon %.1f:",
		       aslr_region_names[i], s->nvarying, s->nbalanced,
		       s->range_bits, s->shannon);
		print_bits_mask(s->varying);
		if (s->unbalanced) {
			printf(" *");
			print_bits_mask(s->unbalanced);
		}
		printf("\n");
		print_estimators(&r->st[i]);
		if (r->note[i])
			printf("  %-10s note: %s\n", "", r->note[i]);
	}
	printf("\nheap bits: the smaller of start_brk (%.1f) and start_brk - start_code.\n",
	       r->heap_abs.bits);
	printf("counting cannot show more than log2(%d) = %.1f bits; BITS is\n"
	       "min(range bits, varying bits) unless the collision or min-entropy\n"
	       "estimate binds, see vmalens(1).\n",
	       r->nsamples, log2(r->nsamples));
	if (r->named)
		named_set_print_plain(r->named, prog, r->entry_stop);
	if (r->base_secs > 0)
		printf("\n%.0f samples/s; %.2f ms per sample, %.2f ms per bare fork+exec+stop: x%.2f\n",
		       1 / r->sample_secs, r->sample_secs * 1e3, r->base_secs * 1e3,
		       r->sample_secs / r->base_secs);
	if (r->has_forked || r->has_fork_exec)
		print_forked_plain(r);
}

static void json_double(json_writer_t *w, const char *name, double v)
{
	jsonw_name(w, name);
	jsonw_printf(w, "%.2f", v);
}

/* NAN as null */
static void json_double_or_null(json_writer_t *w, const char *name, double v)
{
	if (isnan(v)) {
		jsonw_name(w, name);
		jsonw_null(w);
	} else {
		json_double(w, name, v);
	}
}

static void json_estimators(const struct aslr_stats *s)
{
	json_double_or_null(json_wtr, "collision_bits", s->collision);
	json_double_or_null(json_wtr, "collision_low", s->collision_low);
	json_double_or_null(json_wtr, "collision_high", s->collision_high);
	json_double(json_wtr, "min_entropy", s->min_entropy);
	jsonw_string_field(json_wtr, "binding", aslr_binding_names[s->binding]);
	json_double(json_wtr, "binding_bits", s->binding_bits);
}

/* "fork" and "fork_exec": null unless sampled */
static void forked_json(const char *name, bool has, const struct aslr_stats *st,
			const struct aslr_result *r)
{
	int i;

	jsonw_name(json_wtr, name);
	if (!has) {
		jsonw_null(json_wtr);
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_int_field(json_wtr, "samples", r->nsamples);
	jsonw_name(json_wtr, "regions");
	jsonw_start_array(json_wtr);
	for (i = 0; i < REG_NR; i++) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "region", aslr_region_names[i]);
		json_double(json_wtr, "bits", st[i].bits);
		jsonw_uint_field(json_wtr, "distinct", st[i].distinct);
		if (st == r->forked)
			json_double(json_wtr, "shared_bits", shared_bits(r, i));
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static void print_json(const struct vmalens_aslr *t, const struct aslr_result *r,
		       const char *prog)
{
	int i;

	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "program", prog);
	jsonw_bool_field(json_wtr, "compat", r->compat);
	jsonw_int_field(json_wtr, "samples", r->nsamples);
	jsonw_int_field(json_wtr, "randomize_va_space", t->randomize_va_space);
	jsonw_int_field(json_wtr, "mmap_rnd_bits", t->mmap_rnd_bits);
	jsonw_int_field(json_wtr, "mmap_rnd_compat_bits", t->mmap_rnd_compat_bits);
	jsonw_uint_field(json_wtr, "page_size", t->page_size);
	jsonw_name(json_wtr, "regions");
	jsonw_start_array(json_wtr);
	for (i = 0; i < REG_NR; i++) {
		const struct aslr_stats *s = &r->st[i];

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "region", aslr_region_names[i]);
		json_double(json_wtr, "bits", s->bits);
		jsonw_uint_field(json_wtr, "distinct", s->distinct);
		jsonw_uint_field(json_wtr, "samples", s->n);
		json_estimators(s);
		json_double(json_wtr, "theoretical_bits", r->expected[i]);
		jsonw_hex_field(json_wtr, "theoretical_align",
				1ULL << (r->compat ? t->regions[i].compat_shift :
					 t->regions[i].shift));
		jsonw_name(json_wtr, "configured_bits");
		if (r->configured[i] >= 0)
			jsonw_int(json_wtr, r->configured[i]);
		else
			jsonw_null(json_wtr);
		jsonw_string_field(json_wtr, "verdict",
				   aslr_verdict_names[r->verdict[i]]);
		if (i == REG_HEAP)
			s = &r->heap_abs;
		json_double(json_wtr, "range_bits", s->range_bits);
		json_double(json_wtr, "shannon", s->shannon);
		jsonw_int_field(json_wtr, "varying_bits", s->nvarying);
		jsonw_int_field(json_wtr, "balanced_bits", s->nbalanced);
		jsonw_hex_field(json_wtr, "varying_mask", s->varying);
		jsonw_hex_field(json_wtr, "unbalanced_mask", s->unbalanced);
		jsonw_hex_field(json_wtr, "min", s->min);
		jsonw_hex_field(json_wtr, "max", s->max);
		jsonw_hex_field(json_wtr, "align", s->align);
		jsonw_string_field(json_wtr, "source", t->regions[i].source);
		if (r->note[i])
			jsonw_string_field(json_wtr, "note", r->note[i]);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	forked_json("fork", r->has_forked, r->forked, r);
	forked_json("fork_exec", r->has_fork_exec, r->fork_exec, r);
	/* --exec: where each sample was read, and its every named mapping */
	jsonw_name(json_wtr, "stopped_at");
	if (r->named)
		jsonw_string(json_wtr, r->entry_stop ? "entry" : "execve");
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "mappings");
	if (r->named)
		named_set_print_json(r->named);
	else
		jsonw_null(json_wtr);
	json_double(json_wtr, "samples_per_sec", 1 / r->sample_secs);
	json_double(json_wtr, "cost_ratio",
		    r->base_secs > 0 ? r->sample_secs / r->base_secs : 0);
	jsonw_end_object(json_wtr);
}

/*
 * The file for the mmap_file region, handed to the samplers; -1 where the
 * module is too old to judge it (before ABI 6: the region check says so),
 * or p_err() and -2.
 */
static int sampler_file(int dev_fd)
{
	static char self[PATH_MAX];
	struct vmalens_version v;
	ssize_t n;

	if (dev_version(dev_fd, &v) || v.abi_version < 6)
		return -1;
	mapped_file.path = lopt.file;
	if (!mapped_file.path) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0) {
			p_err("cannot read /proc/self/exe: %s", strerror(errno));
			return -2;
		}
		self[n] = '\0';
		mapped_file.path = self;
	}
	return give_sampler_file(getpagesize());
}

int do_aslr(int argc, char **argv)
{
	char sampler[PATH_MAX], **pargv = NULL;
	static char *sampler_argv[2];
	struct vmalens_aslr t;
	struct aslr_result *r = NULL;
	int n = aslr_samples ? aslr_samples : DEFAULT_SAMPLES, i, fd, ret = EXIT_ERR;
	int file_fd = -1;
	bool trace = aslr_exec != NULL;

	if (n < 2 || n > MAX_SAMPLES)
		return usage_err("aslr", "--samples must be between 2 and %d",
				 MAX_SAMPLES);
	if (!aslr_exec && argc)
		return usage_err("aslr", "unexpected argument '%s'", argv[0]);
	if (aslr_exec && aslr_compat)
		return usage_err("aslr", "--compat samples the 32-bit sampler; not with --exec");
	if (aslr_exec && (aslr_fork || aslr_fork_exec))
		return usage_err("aslr", "--fork and --fork-exec fork the sampler; not with --exec");

	if (aslr_exec && lopt.file)
		return usage_err("aslr", "--file is what the sampler maps; not with --exec");

	if (backend_forced != BACKEND_NR && backend_forced != BACKEND_MODULE)
		return usage_err("aslr", "the kernel's ASLR constants are the module's to read; "
				 "--backend=%s has none", backend_name(backend_forced));
	fd = dev_open();
	if (fd < 0) {
		dev_explain_open_error(errno, "aslr needs the module: it judges the samples "
				       "by the kernel's ASLR constants");
		return EXIT_ERR;
	}
	if (!aslr_exec) {
		file_fd = sampler_file(fd);
		if (file_fd == -2)
			goto out;
	}
	if (dev_aslr(fd, file_fd, &t))
		goto out;
	if (t.nr_regions < REG_NR) {
		p_err("VMALENS_IOC_ASLR reported %u regions, this tool needs %d; check: %s version",
		      t.nr_regions, REG_NR, bin_name);
		goto out;
	}

	if (aslr_exec) {
		pargv = calloc(argc + 2, sizeof(*pargv));
		if (!pargv)
			goto out;
		pargv[0] = aslr_exec;
		for (i = 0; i < argc; i++)
			pargv[i + 1] = argv[i];
	} else {
		if (find_sampler(aslr_compat ? SAMPLER32 : SAMPLER, sampler,
				 sizeof(sampler))) {
			p_err("cannot find %s next to %s or in ../libexec/vmalens; was it built? (make tools)",
			      aslr_compat ? SAMPLER32 : SAMPLER, bin_name);
			goto out;
		}
		sampler_argv[0] = sampler;
		pargv = sampler_argv;
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	if (aslr_exec) {
		r->entry_stop = aslr_entry_stop_works(aslr_exec);
		r->named = named_set_new(n);
		if (!r->named)
			goto out;
	}
	if (sample_all(fd, pargv, trace, n, r))
		goto out;
	r->has_forked = aslr_fork;
	if (aslr_fork && sample_forked(fd, pargv[0], 'f', n, r->forked))
		goto out;
	r->has_fork_exec = aslr_fork_exec;
	if (aslr_fork_exec && sample_forked(fd, pargv[0], 'e', n, r->fork_exec))
		goto out;
	if (bench_bare(pargv, trace, n / 4 < 10 ? 10 : n / 4, r, &r->base_secs))
		r->base_secs = 0;
	expect(&t, r, elf_max_align(pargv[0]));
	if (r->named)
		named_set_compute(r->named);
	for (i = 0; i < REG_NR; i++)
		r->verdict[i] = aslr_verdict(&r->st[i], r->expected[i]);
	/* The kernel's own alignment gives it fewer bits than configured. */
	i = REG_MMAP_FILE;
	if (r->verdict[i] == VERDICT_OK && r->expected[i] < r->configured[i] - 1)
		r->verdict[i] = VERDICT_WEAKER;
	if (json_output)
		print_json(&t, r, pargv[0]);
	else
		print_plain(&t, r, pargv[0]);
	ret = EXIT_OK;
out:
	close(fd);
	if (file_fd >= 0)
		close(file_fd);
	if (r)
		named_set_free(r->named);
	free(r);
	if (pargv != sampler_argv)
		free(pargv);
	return ret;
}
