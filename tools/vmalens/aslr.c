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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aslr.h"
#include "lens.h"

#define SAMPLER		"vmalens-aslr-sampler"
#define SAMPLER32	"vmalens-aslr-sampler32"
#define DEFAULT_SAMPLES	100
#define MAX_SAMPLES	100000

int aslr_samples;
bool aslr_compat;
char *aslr_exec;

/* One sample: the regions' addresses; has[] false where there is none. */
struct sample {
	uint64_t v[REG_NR];
	bool has[REG_NR];
	uint64_t heap_rel;	/* start_brk - start_code */
	bool compat;
};

static double now(void)
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

static pid_t start_stopped(char **argv, bool trace)
{
	pid_t pid = spawn(argv, trace);

	if (pid < 0 || wait_stopped(pid, argv[0]))
		return -1;
	return pid;
}

static void finish(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Read one stopped process's regions; p_err() and -1 on failure. */
static int read_sample(int fd, pid_t pid, struct sample *s)
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
	s->has[REG_MMAP_FIRST] =
		aslr_mmap_first(&l, lay.mmap_base, lay.layout != VMALENS_MODE_BOTTOMUP,
				lay.start_code, &s->v[REG_MMAP_FIRST]);
	ret = 0;
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
	enum aslr_verdict verdict[REG_NR];
	int nsamples;
	bool compat;
	double sample_secs, base_secs;	/* per process */
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

static int sample_all(int fd, char **argv, bool trace, int n, struct aslr_result *r)
{
	uint64_t *vals[REG_NR], *heap_rel;
	size_t cnt[REG_NR] = { 0 }, nrel = 0;
	struct sample s;
	double t0;
	int i, j, ret = -1;
	pid_t pid, next = -1;

	heap_rel = calloc(n, sizeof(*heap_rel));
	for (j = 0; j < REG_NR; j++)
		vals[j] = calloc(n, sizeof(uint64_t));

	/*
	 * One process ahead: the next one forks and execs (on another CPU,
	 * where there is one) while this one is read, so reading costs
	 * little beyond the fork+exec+stop that sampling needs anyway.
	 */
	t0 = now();
	next = spawn(argv, trace);
	for (i = 0; i < n; i++) {
		pid = next;
		next = -1;
		if (pid < 0 || wait_stopped(pid, argv[0]))
			goto out;
		if (i + 1 < n) {
			next = spawn(argv, trace);
			if (next < 0) {
				finish(pid);
				goto out;
			}
		}
		if (read_sample(fd, pid, &s)) {
			finish(pid);
			goto out;
		}
		finish(pid);
		r->compat = s.compat;
		for (j = 0; j < REG_NR; j++)
			if (s.has[j])
				vals[j][cnt[j]++] = s.v[j];
		if (s.has[REG_HEAP] && s.has[REG_EXEC])
			heap_rel[nrel++] = s.heap_rel;
	}
	r->sample_secs = (now() - t0) / n;
	r->nsamples = n;
	for (j = 0; j < REG_NR; j++)
		aslr_stats_compute(vals[j], cnt[j], &r->st[j]);
	/*
	 * The heap's own randomness: brk starts after the program's bss
	 * (PIE: moves with it) or at ELF_ET_DYN_BASE (static PIE, 6.1+), then
	 * arch_randomize_brk() adds its offset.  Count only what neither the
	 * absolute address nor the distance to the program explains.
	 */
	r->heap_abs = r->st[REG_HEAP];
	if (nrel) {
		struct aslr_stats rel;

		aslr_stats_compute(heap_rel, nrel, &rel);
		if (rel.bits < r->st[REG_HEAP].bits) {
			r->st[REG_HEAP].bits = rel.bits;
			r->st[REG_HEAP].distinct = rel.distinct;
			r->st[REG_HEAP].shannon = rel.shannon;
		}
	}
	ret = 0;
out:
	if (next > 0)
		finish(next);
	for (j = 0; j < REG_NR; j++)
		free(vals[j]);
	free(heap_rel);
	return ret;
}

/* The bare cost: fork + exec + stop + kill, no reading. */
static int bench_bare(char **argv, bool trace, int n, double *secs)
{
	double t0 = now();
	pid_t pid;
	int i;

	for (i = 0; i < n; i++) {
		pid = start_stopped(argv, trace);
		if (pid < 0)
			return -1;
		finish(pid);
	}
	*secs = (now() - t0) / n;
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
		       aslr_region_names[i], s->distinct, s->bits,
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
		if (r->note[i])
			printf("  %-10s note: %s\n", "", r->note[i]);
	}
	printf("\nheap bits: the smaller of start_brk (%.1f) and start_brk - start_code.\n",
	       r->heap_abs.bits);
	printf("counting cannot show more than log2(%d) = %.1f bits; BITS is\n"
	       "min(range bits, varying bits), see vmalens(1).\n",
	       r->nsamples, log2(r->nsamples));
	if (r->base_secs > 0)
		printf("\n%.0f samples/s; %.2f ms per sample, %.2f ms per bare fork+exec+stop: x%.2f\n",
		       1 / r->sample_secs, r->sample_secs * 1e3, r->base_secs * 1e3,
		       r->sample_secs / r->base_secs);
}

static void json_double(json_writer_t *w, const char *name, double v)
{
	jsonw_name(w, name);
	jsonw_printf(w, "%.2f", v);
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
		json_double(json_wtr, "theoretical_bits", r->expected[i]);
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
	json_double(json_wtr, "samples_per_sec", 1 / r->sample_secs);
	json_double(json_wtr, "cost_ratio",
		    r->base_secs > 0 ? r->sample_secs / r->base_secs : 0);
	jsonw_end_object(json_wtr);
}

int do_aslr(int argc, char **argv)
{
	char sampler[PATH_MAX], **pargv = NULL;
	static char *sampler_argv[2];
	struct vmalens_aslr t;
	struct aslr_result *r = NULL;
	int n = aslr_samples ? aslr_samples : DEFAULT_SAMPLES, i, fd, ret = EXIT_ERR;
	bool trace = aslr_exec != NULL;

	if (n < 2 || n > MAX_SAMPLES)
		return usage_err("aslr", "--samples must be between 2 and %d",
				 MAX_SAMPLES);
	if (!aslr_exec && argc)
		return usage_err("aslr", "unexpected argument '%s'", argv[0]);
	if (aslr_exec && aslr_compat)
		return usage_err("aslr", "--compat samples the 32-bit sampler; not with --exec");

	fd = dev_open_or_explain();
	if (fd < 0)
		return EXIT_ERR;
	if (dev_aslr(fd, &t))
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
	if (sample_all(fd, pargv, trace, n, r))
		goto out;
	if (bench_bare(pargv, trace, n / 4 < 10 ? 10 : n / 4, &r->base_secs))
		r->base_secs = 0;
	expect(&t, r, elf_max_align(pargv[0]));
	for (i = 0; i < REG_NR; i++)
		r->verdict[i] = aslr_verdict(&r->st[i], r->expected[i]);
	if (json_output)
		print_json(&t, r, pargv[0]);
	else
		print_plain(&t, r, pargv[0]);
	ret = EXIT_OK;
out:
	close(fd);
	free(r);
	if (pargv != sampler_argv)
		free(pargv);
	return ret;
}
