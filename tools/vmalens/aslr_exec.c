// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens aslr --exec: run each sample of PROGRAM to its entry point, where
 * its ELF interpreter has mapped every library it needs and none of its own
 * code has run, and measure every named mapping there (the program, each
 * library, [vdso], [stack], ...), not only the fixed regions.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aslr.h"
#include "lens.h"

/*
 * The breakpoint written over the first instruction at the entry point,
 * in memory order: x86's int3, arm64's "brk #0".
 */
#if defined(__x86_64__) || defined(__i386__)
static const unsigned char breakpoint[] = { 0xcc };
#elif defined(__aarch64__)
static const unsigned char breakpoint[] = { 0x00, 0x00, 0x20, 0xd4 };
#else
#define NO_BREAKPOINT
#endif

/*
 * How long a sample may take from its execve to its entry point: the
 * interpreter's work and every library's constructors, which may block.
 */
#define ENTRY_TIMEOUT_MS	10000

/*
 * waitpid() for @pid, but give up (0) after ENTRY_TIMEOUT_MS by the clock.
 * The first polls come quickly (most samples reach their entry within a
 * few milliseconds, and each sample's wait adds to the cost ratio), the
 * later ones every 2 ms.
 */
static pid_t wait_entry(pid_t pid, int *status)
{
	double deadline = aslr_now() + ENTRY_TIMEOUT_MS / 1000.0;
	useconds_t nap = 20;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r)
			return r;
		if (aslr_now() >= deadline)
			return 0;
		usleep(nap);
		if (nap < 2000)
			nap *= 2;
	}
}

/* AT_ENTRY of @pid, from /proc/PID/auxv (native word size); 0 if unknown. */
static unsigned long auxv_entry(pid_t pid)
{
	unsigned long pair[2], entry = 0;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, pair, sizeof(pair)) == sizeof(pair) && pair[0] != AT_NULL) {
		if (pair[0] == AT_ENTRY) {
			entry = pair[1];
			break;
		}
	}
	close(fd);
	return entry;
}

bool aslr_entry_stop_works(const char *prog)
{
#ifdef NO_BREAKPOINT
	(void)prog;
	return false;
#else
	unsigned char ident[EI_NIDENT];
	int fd = open(prog, O_RDONLY | O_CLOEXEC);
	bool native;

	if (fd < 0)
		return false;
	native = read(fd, ident, sizeof(ident)) == sizeof(ident) &&
		 !memcmp(ident, ELFMAG, SELFMAG) &&
		 ident[EI_CLASS] == (sizeof(long) == 8 ? ELFCLASS64 : ELFCLASS32);
	close(fd);
	return native;
#endif
}

int aslr_run_to_entry(pid_t pid, const char *prog)
{
#ifdef NO_BREAKPOINT
	(void)pid;
	(void)prog;
	return 0;
#else
	unsigned long entry = auxv_entry(pid);
	int status;
	long word;

	if (!entry) {
		p_err("%s: no entry point in /proc/%d/auxv", prog, pid);
		return -1;
	}
	/* The process is killed once read: the instruction is never put back. */
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)entry, NULL);
	if (errno)
		goto fail;
	memcpy(&word, breakpoint, sizeof(breakpoint));
	if (ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)word) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL))
		goto fail;
	switch (wait_entry(pid, &status)) {
	case 0:
		p_err("%s did not reach its entry point within %d s (a library's constructor waits?)",
		      prog, ENTRY_TIMEOUT_MS / 1000);
		return -1;
	case -1:
		goto fail;
	}
	if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP)
		return 0;
	if (WIFEXITED(status)) {
		p_err("%s exited with %d before its entry point (a library missing?)",
		      prog, WEXITSTATUS(status));
		return -2;
	}
	if (WIFSIGNALED(status)) {
		p_err("%s was killed by signal %d before its entry point", prog,
		      WTERMSIG(status));
		return -2;
	}
	p_err("%s stopped with signal %d before its entry point", prog, WSTOPSIG(status));
	return -1;
fail:
	p_err("%s: cannot run it to its entry point 0x%lx: %s", prog, entry,
	      strerror(errno));
	return -1;
#endif
}

/* One name's lowest start in each sample that had it. */
struct named {
	char *name;
	uint64_t *vals;
	size_t cnt;
	int last_sample;	/* the sample that added vals[cnt - 1] */
	struct aslr_stats st;
};

struct named_set {
	struct named *v;
	size_t nr, cap;
	int nsamples;		/* samples per name at most */
	int samples;		/* samples added */
};

struct named_set *named_set_new(int nsamples)
{
	struct named_set *ns = calloc(1, sizeof(*ns));

	if (ns)
		ns->nsamples = nsamples;
	return ns;
}

void named_set_free(struct named_set *ns)
{
	size_t i;

	if (!ns)
		return;
	for (i = 0; i < ns->nr; i++) {
		free(ns->v[i].name);
		free(ns->v[i].vals);
	}
	free(ns->v);
	free(ns);
}

static struct named *named_find(struct named_set *ns, const char *name)
{
	struct named *tmp;
	size_t i;

	for (i = 0; i < ns->nr; i++)
		if (!strcmp(ns->v[i].name, name))
			return &ns->v[i];
	if (ns->nr == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 32;

		tmp = realloc(ns->v, cap * sizeof(*tmp));
		if (!tmp)
			return NULL;
		ns->v = tmp;
		ns->cap = cap;
	}
	tmp = &ns->v[ns->nr];
	memset(tmp, 0, sizeof(*tmp));
	tmp->last_sample = -1;
	tmp->name = strdup(name);
	tmp->vals = calloc(ns->nsamples, sizeof(*tmp->vals));
	if (!tmp->name || !tmp->vals) {
		free(tmp->name);
		free(tmp->vals);
		return NULL;
	}
	ns->nr++;
	return tmp;
}

/*
 * The named VMAs of one sample, in address order: the lowest of each name
 * counts (a library's first segment: its load base), once per sample.
 */
int named_set_add(struct named_set *ns, const struct vma_list *l)
{
	struct named *nm;
	size_t i;

	if (ns->samples == ns->nsamples)
		return 0;
	for (i = 0; i < l->nr; i++) {
		if (!l->v[i].name[0])
			continue;
		nm = named_find(ns, l->v[i].name);
		if (!nm) {
			p_err("out of memory");
			return -1;
		}
		if (nm->last_sample == ns->samples)
			continue;	/* a higher VMA of a name this sample had */
		nm->last_sample = ns->samples;
		nm->vals[nm->cnt++] = l->v[i].start;
	}
	ns->samples++;
	return 0;
}

void named_set_compute(struct named_set *ns)
{
	size_t i;

	for (i = 0; i < ns->nr; i++)
		aslr_stats_compute(ns->v[i].vals, ns->v[i].cnt, &ns->v[i].st);
}

void named_set_print_plain(const struct named_set *ns, const char *prog, bool at_entry)
{
	static char name[PLAIN_NAME_MAX];
	char range[64];
	size_t i;

	printf("\nevery named mapping of %s at its %s (the lowest VMA of each name):\n",
	       prog, at_entry ? "entry point" : "execve, before its interpreter ran");
	printf("%8s %8s %6s  %-37s %s\n", "SAMPLES", "DISTINCT", "BITS", "RANGE", "NAME");
	for (i = 0; i < ns->nr; i++) {
		const struct aslr_stats *s = &ns->v[i].st;

		snprintf(range, sizeof(range), "0x%" PRIx64 "-0x%" PRIx64, s->min, s->max);
		printf("%8zu %8zu %6.1f  %-37s %s\n", s->n, s->distinct, s->binding_bits,
		       range, plain_str(ns->v[i].name, name, sizeof(name)));
	}
}

void named_set_print_json(const struct named_set *ns)
{
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < ns->nr; i++) {
		const struct aslr_stats *s = &ns->v[i].st;

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", ns->v[i].name);
		jsonw_uint_field(json_wtr, "samples", s->n);
		jsonw_uint_field(json_wtr, "distinct", s->distinct);
		jsonw_name(json_wtr, "bits");
		jsonw_printf(json_wtr, "%.2f", s->binding_bits);
		jsonw_hex_field(json_wtr, "min", s->min);
		jsonw_hex_field(json_wtr, "max", s->max);
		jsonw_hex_field(json_wtr, "align", s->align);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}
