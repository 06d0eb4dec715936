// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens-bench - what reading an address space costs, side by side, on the
 * running kernel (run in a vmtest guest by tools/bench/bench).
 *
 * A target child creates N VMAs (one page each, protections alternating so
 * they cannot merge) and grows on command. Measured:
 *
 *  walk    ns per VMA of one full walk of the target: /proc/PID/maps read
 *          and parsed, a PROCMAP_QUERY loop (6.11+), VMALENS_IOC_VMAS with
 *          a buffer for every VMA and its name. Median of --reps walks.
 *  stall   a thread of the target times each 4 KiB mmap+munmap pair while
 *          nothing else runs (idle), while another process reads
 *          /proc/PID/maps in a loop (procmaps), and while one dumps through
 *          VMALENS_IOC_VMAS in a loop (vmalens).
 *  dryrun  one VMALENS_IOC_UNMAPPED_AREA; one VMALENS_IOC_UNMAPPED_AREA_BATCH
 *          of 256 requests, per request; against the target's own real
 *          mmap+munmap pair (the idle stall samples).
 *
 * Output: "bench KEY=VALUE" lines (a figure that cannot be had is "na"),
 * and the stall samples in µs between "bench-samples begin PHASE" and
 * "bench-samples end" lines. Never fails on a figure; exits non-zero only
 * when the benchmark itself cannot run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "vmalens.h"

/*
 * PROCMAP_QUERY (Linux 6.11, include/uapi/linux/fs.h) for build hosts whose
 * headers predate it: the ABI as its documentation states it.
 */
#ifndef PROCMAP_QUERY
struct procmap_query {
	__u64 size;
	__u64 query_flags;
	__u64 query_addr;
	__u64 vma_start;
	__u64 vma_end;
	__u64 vma_flags;
	__u64 vma_page_size;
	__u64 vma_offset;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 vma_name_size;
	__u32 build_id_size;
	__u64 vma_name_addr;
	__u64 build_id_addr;
};
#define PROCMAP_QUERY			_IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA	0x10
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_COUNTS	8
#define BATCH_REQS	256
#define NAME_MAX_LEN	4096

enum phase { PH_IDLE, PH_PROCMAPS, PH_VMALENS, NR_PHASES };
static const char *const phase_name[NR_PHASES] = {
	"idle", "procmaps", "vmalens",
};

/* What the bench shares with the target and the reader processes. */
struct shared {
	atomic_int stop;		/* readers: leave the loop */
	atomic_int started;		/* readers: the first walk began */
	atomic_long loops;		/* readers: full walks done */
	long base;			/* stall: where this round's samples go */
	long nsamples;			/* stall: how many it took */
	uint64_t samples[];		/* stall: ns per mmap+munmap pair */
};

static struct {
	long counts[MAX_COUNTS];
	int ncounts;
	long stall_vmas;
	long stall_samples;	/* most samples per phase */
	long stall_min;		/* fewest samples per phase */
	int stall_rounds;	/* the phases take turns this many times */
	long print_samples;	/* most samples printed per phase */
	double stall_secs;
	int reps;
	int dry_reps;
	int batch_reps;
	bool quick;
} opt;

static long page_size;
static struct shared *sh;
static int devfd = -1;

/* --- helpers ------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmalens-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		die("out of memory (%zu bytes)", n);
	/* Touch it now: first-touch faults are no part of any walk. */
	memset(p, 0, n);
	return p;
}

static void out(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("bench %s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A figure, or "na" when it could not be measured (negative). */
static void out_fig(const char *key, double v)
{
	if (v < 0)
		out(key, "na");
	else
		out(key, "%.1f", v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n <= 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void raise_max_map_count(long want)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r+");
	long cur = 0;

	if (!f || fscanf(f, "%ld", &cur) != 1)
		die("cannot read /proc/sys/vm/max_map_count");
	if (cur < want) {
		rewind(f);
		if (fprintf(f, "%ld\n", want) < 0 || fflush(f))
			die("cannot raise vm.max_map_count to %ld (root?)", want);
	}
	fclose(f);
}

/* --- the target ----------------------------------------------------------- */

enum { CMD_GROW, CMD_STALL };

struct cmd {
	int op;
	long arg;
};

static int cmd_fd[2], reply_fd[2];
static pid_t target;

/*
 * One round: mmap+munmap pairs for opt.stall_secs / opt.stall_rounds (and
 * at least a round's share of opt.stall_min), or until the round's part
 * of the sample buffer is full.
 */
static void *stall_thread(void *arg)
{
	uint64_t deadline = now_ns() +
		(uint64_t)(opt.stall_secs / opt.stall_rounds * 1e9);
	long cap = *(long *)arg, min = opt.stall_min / opt.stall_rounds, i;
	uint64_t *samples = sh->samples + sh->base;

	for (i = 0; i < cap; i++) {
		uint64_t t0 = now_ns(), t1;
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		munmap(p, 4096);
		t1 = now_ns();
		samples[i] = t1 - t0;
		if (t1 > deadline && i + 1 >= min) {
			i++;
			break;
		}
	}
	sh->nsamples = i;
	return NULL;
}

/* Pages [0, grown) of the region alternate r-- and rw-: one VMA each. */
static void target_main(long max_pages)
{
	char *region = mmap(NULL, max_pages * page_size, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	long grown = 0, reply;
	struct cmd c;

	if (region == MAP_FAILED)
		die("target: cannot reserve %ld pages", max_pages);
	while (read(cmd_fd[0], &c, sizeof(c)) == sizeof(c)) {
		reply = 0;
		switch (c.op) {
		case CMD_GROW:
			for (; grown < c.arg && grown < max_pages; grown++) {
				if (!(grown & 1))
					continue;
				if (mprotect(region + grown * page_size,
					     page_size, PROT_READ | PROT_WRITE)) {
					reply = -errno;
					break;
				}
			}
			break;
		case CMD_STALL: {
			pthread_t th;
			long n = c.arg;

			if (pthread_create(&th, NULL, stall_thread, &n) ||
			    pthread_join(th, NULL))
				reply = -1;
			break;
		}
		}
		if (write(reply_fd[1], &reply, sizeof(reply)) != sizeof(reply))
			_exit(1);
	}
	_exit(0);
}

static long target_cmd(int op, long arg)
{
	struct cmd c = { .op = op, .arg = arg };
	long reply;

	if (write(cmd_fd[1], &c, sizeof(c)) != sizeof(c) ||
	    read(reply_fd[0], &reply, sizeof(reply)) != sizeof(reply))
		die("the target died");
	return reply;
}

static void target_start(long max_pages)
{
	if (pipe(cmd_fd) || pipe(reply_fd))
		die("pipe: %s", strerror(errno));
	target = fork();
	if (target < 0)
		die("fork: %s", strerror(errno));
	if (!target) {
		close(cmd_fd[1]);
		close(reply_fd[0]);
		if (devfd >= 0)
			close(devfd);
		target_main(max_pages);
	}
	close(cmd_fd[0]);
	close(reply_fd[1]);
}

/* --- the three walks ------------------------------------------------------ */

struct text_vma {
	unsigned long start, end, offset, inode;
	unsigned int major, minor, prot;
	const char *name;
	size_t name_len;
};

static char *text_buf;
static size_t text_cap;
static struct text_vma *text_vmas;
static long vma_cap;

/* One line of /proc/PID/maps; returns the next line, NULL at a bad one. */
static char *parse_line(char *p, struct text_vma *v)
{
	char *e;

	v->start = strtoul(p, &e, 16);
	if (*e != '-')
		return NULL;
	v->end = strtoul(e + 1, &e, 16);
	if (*e != ' ' || !e[1] || !e[2] || !e[3] || !e[4])
		return NULL;
	p = e + 1;
	v->prot = (p[0] == 'r') | (p[1] == 'w') << 1 | (p[2] == 'x') << 2 |
		  (p[3] == 's') << 3;
	v->offset = strtoul(p + 5, &e, 16);
	v->major = strtoul(e + 1, &e, 16);
	if (*e != ':')
		return NULL;
	v->minor = strtoul(e + 1, &e, 16);
	v->inode = strtoul(e + 1, &e, 10);
	while (*e == ' ')
		e++;
	v->name = e;
	while (*e != '\n' && *e)
		e++;
	v->name_len = e - v->name;
	return *e ? e + 1 : e;
}

static long walk_text(pid_t pid)
{
	char path[64], *p, *end;
	size_t len = 0;
	ssize_t r;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((r = read(fd, text_buf + len, text_cap - 1 - len)) > 0) {
		len += r;
		if (len == text_cap - 1)
			die("text buffer too small");
	}
	close(fd);
	if (r < 0)
		return -errno;
	text_buf[len] = 0;
	end = text_buf + len;
	for (p = text_buf; p < end && n < vma_cap; n++) {
		p = parse_line(p, &text_vmas[n]);
		if (!p)
			die("cannot parse /proc/%d/maps line %ld", pid, n + 1);
	}
	return n;
}

static char query_name[NAME_MAX_LEN];

static long walk_query(pid_t pid)
{
	struct procmap_query q;
	unsigned long addr = 0;
	char path[64];
	long n = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		q.query_addr = addr;
		q.vma_name_addr = (uintptr_t)query_name;
		q.vma_name_size = sizeof(query_name);
		if (ioctl(fd, PROCMAP_QUERY, &q)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		n++;
		addr = q.vma_end;
	}
	close(fd);
	return err ? err : n;
}

static struct vmalens_vma *lens_vmas;
static char *lens_names;
static size_t lens_names_size;

/* The whole space through VMALENS_IOC_VMAS; -errno on failure. */
static long walk_vmas(pid_t pid)
{
	struct vmalens_vmas r;
	unsigned long start = 0;
	long n = 0;

	if (devfd < 0)
		return -ENODEV;
	do {
		memset(&r, 0, sizeof(r));
		r.size = sizeof(r);
		r.pid = pid;
		r.start = start;
		r.vmas_addr = (uintptr_t)lens_vmas;
		r.vma_size = sizeof(*lens_vmas);
		r.vma_count = vma_cap;
		r.names_addr = (uintptr_t)lens_names;
		r.names_size = lens_names_size;
		if (ioctl(devfd, VMALENS_IOC_VMAS, &r))
			return -errno;
		n += r.vma_count;
		start = r.next;
	} while (start && r.vma_count);
	return n;
}

typedef long (*walk_fn)(pid_t pid);

/* Median ns per VMA of opt.reps walks; -1 if the walk is not supported. */
static double time_walk(walk_fn fn, pid_t pid, long *nvmas)
{
	double ns[64];
	int i, reps = opt.reps < 64 ? opt.reps : 64;

	for (i = 0; i < reps; i++) {
		uint64_t t0 = now_ns();
		long n = fn(pid);
		uint64_t t = now_ns() - t0;

		if (n <= 0)
			return -1;
		ns[i] = (double)t / n;
		*nvmas = n;
	}
	return median(ns, reps);
}

static void bench_walks(long n)
{
	static const struct { const char *name; walk_fn fn; } walks[] = {
		{ "text", walk_text },
		{ "query", walk_query },
		{ "vmalens", walk_vmas },
	};
	char key[64];
	long nvmas = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(walks); i++) {
		double v = time_walk(walks[i].fn, target, &nvmas);

		snprintf(key, sizeof(key), "walk_%s_ns_%ld", walks[i].name, n);
		out_fig(key, v);
	}
	snprintf(key, sizeof(key), "walk_vmas_%ld", n);
	out(key, "%ld", nvmas);
}

/* --- stall ---------------------------------------------------------------- */

static void reader_main(enum phase ph)
{
	sh->started = 1;
	while (!sh->stop) {
		if ((ph == PH_PROCMAPS ? walk_text(target) : walk_vmas(target)) < 0)
			_exit(1);
		sh->loops++;
	}
	_exit(0);
}

static void out_phase(enum phase ph, uint64_t *s, long n, long loops)
{
	uint64_t max = 0;
	double sum = 0;
	static const struct { const char *name; double q; } pct[] = {
		{ "p50", 0.50 }, { "p90", 0.90 }, { "p99", 0.99 },
		{ "p999", 0.999 },
	};
	char key[64];
	long i, stride;

	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		sum += s[i];
		if (s[i] > max)
			max = s[i];
	}
	/* An evenly strided subset (in time order) keeps the console short. */
	stride = (n + opt.print_samples - 1) / opt.print_samples;
	printf("bench-samples begin %s\n", phase_name[ph]);
	for (i = 0; i < n; i += stride)
		printf("%.2f\n", s[i] / 1e3);
	printf("bench-samples end\n");
	qsort(s, n, sizeof(*s), cmp_u64);
#define PHASE_KEY(what) \
	snprintf(key, sizeof(key), "stall_%s_%s", phase_name[ph], what)
	PHASE_KEY("samples");
	out(key, "%ld", n);
	PHASE_KEY("mean_us");
	out(key, "%.1f", sum / n / 1e3);
	PHASE_KEY("max_us");
	out(key, "%.1f", max / 1e3);
	for (i = 0; i < (long)ARRAY_SIZE(pct); i++) {
		char what[16];

		snprintf(what, sizeof(what), "%s_us", pct[i].name);
		PHASE_KEY(what);
		out(key, "%.1f", s[(long)(pct[i].q * (n - 1))] / 1e3);
	}
	PHASE_KEY("reader_loops");
	out(key, "%ld", loops);
#undef PHASE_KEY
}

/* The idle median, for the dry-run comparison; -1 if not measured. */
static double real_pair_median_us = -1, real_pair_mean_us = -1;

/*
 * The phases take turns (idle, procmaps, vmalens, idle, ...) so that a
 * change in the host's load is spread over all three.
 */
static void bench_stall(void)
{
	long cap = opt.stall_samples, n[NR_PHASES] = { 0 }, loops[NR_PHASES] = { 0 };
	enum phase ph;
	int r;

	for (r = 0; r < opt.stall_rounds; r++) {
		for (ph = PH_IDLE; ph < NR_PHASES; ph++) {
			long room = cap - n[ph], share = cap / opt.stall_rounds;
			pid_t reader = 0;

			if (ph == PH_VMALENS && devfd < 0)
				continue;
			sh->stop = 0;
			sh->started = 0;
			sh->loops = 0;
			sh->nsamples = 0;
			sh->base = ph * cap + n[ph];
			if (ph != PH_IDLE) {
				reader = fork();
				if (reader < 0)
					die("fork: %s", strerror(errno));
				if (!reader)
					reader_main(ph);
				/* Measure against a reader that is reading. */
				while (!sh->started &&
				       waitpid(reader, NULL, WNOHANG) == 0)
					usleep(1000);
				usleep(20000);
			}
			if (target_cmd(CMD_STALL, share < room ? share : room))
				die("the target's stall thread failed");
			if (reader) {
				sh->stop = 1;
				waitpid(reader, NULL, 0);
				loops[ph] += sh->loops;
			}
			n[ph] += sh->nsamples;
		}
	}
	for (ph = PH_IDLE; ph < NR_PHASES; ph++) {
		uint64_t *s = sh->samples + ph * cap;
		double sum = 0;
		long i;

		if (ph == PH_VMALENS && devfd < 0) {
			out("stall_vmalens_mean_us", "na");
			continue;
		}
		if (ph == PH_IDLE && n[ph] > 0) {
			for (i = 0; i < n[ph]; i++)
				sum += s[i];
			real_pair_mean_us = sum / n[ph] / 1e3;
		}
		out_phase(ph, s, n[ph], loops[ph]);
		if (ph == PH_IDLE && n[ph] > 0)	/* sorted by out_phase */
			real_pair_median_us = s[n[ph] / 2] / 1e3;
	}
}

/* --- dry-run ---------------------------------------------------------------- */

static void dry_req(struct vmalens_unmapped_area *r, pid_t pid,
		    unsigned long len)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->pid = pid;
	r->len = len;
	r->prot = PROT_READ | PROT_WRITE;
	r->mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	r->fd = -1;
	r->mode = VMALENS_MODE_AUTO;
}

static void bench_dry_single(void)
{
	struct vmalens_unmapped_area r;
	double us[1024];
	double sum = 0;
	int i, n = 0, reps = opt.dry_reps < 1024 ? opt.dry_reps : 1024;

	for (i = 0; i < reps && devfd >= 0; i++) {
		uint64_t t0;
		int rc;

		dry_req(&r, target, 4096);
		t0 = now_ns();
		rc = ioctl(devfd, VMALENS_IOC_UNMAPPED_AREA, &r);
		us[n] = (now_ns() - t0) / 1e3;
		if (rc || r.error)
			break;
		sum += us[n++];
	}
	out_fig("dryrun_single_mean_us", n ? sum / n : -1);
	out_fig("dryrun_single_us", median(us, n));
}

static void bench_dry_batch(void)
{
	double per_req = -1, mean = -1;
#ifdef VMALENS_IOC_UNMAPPED_AREA_BATCH
	/* Mixed lengths: pages, THP-sized (PMD) ones, odd and large ones. */
	static const unsigned long lens[] = {
		4096, 8192, 65536, 12288, 1UL << 20, 2UL << 20,
		(2UL << 20) + 4096, 16UL << 20, 4096 * 3, 256UL << 20,
	};
	static struct vmalens_unmapped_area tmpl[BATCH_REQS], reqs[BATCH_REQS];
	struct vmalens_unmapped_area_batch b;
	double us[256], sum = 0;
	int i, n = 0, reps = opt.batch_reps < 256 ? opt.batch_reps : 256;

	for (i = 0; i < BATCH_REQS; i++)
		dry_req(&tmpl[i], target, lens[i % ARRAY_SIZE(lens)]);
	for (i = 0; i < reps && devfd >= 0; i++) {
		uint64_t t0;
		int rc, j;

		memcpy(reqs, tmpl, sizeof(reqs));
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.pid = target;
		b.reqs_addr = (uintptr_t)reqs;
		b.req_size = sizeof(reqs[0]);
		b.count = BATCH_REQS;
		t0 = now_ns();
		rc = ioctl(devfd, VMALENS_IOC_UNMAPPED_AREA_BATCH, &b);
		us[n] = (now_ns() - t0) / 1e3 / BATCH_REQS;
		if (rc) {
			fprintf(stderr, "vmalens-bench: batch: %s\n",
				strerror(errno));
			break;
		}
		for (j = 0; j < BATCH_REQS; j++)
			if (reqs[j].error)
				break;
		if (j < BATCH_REQS) {
			fprintf(stderr, "vmalens-bench: batch request %d: error %d\n",
				j, reqs[j].error);
			break;
		}
		sum += us[n++];
	}
	if (n) {
		mean = sum / n;
		per_req = median(us, n);
	}
#endif
	out("dryrun_batch_n", "%d", BATCH_REQS);
	out_fig("dryrun_batch_mean_us", mean);
	out_fig("dryrun_batch_req_us", per_req);
}

/* --- main ------------------------------------------------------------------- */

static void parse_counts(const char *s)
{
	char *e;

	opt.ncounts = 0;
	while (*s && opt.ncounts < MAX_COUNTS) {
		long v = strtol(s, &e, 10);

		if (e == s || v <= 0)
			die("bad --counts list");
		opt.counts[opt.ncounts++] = v;
		s = *e == ',' ? e + 1 : e;
	}
}

static void usage(void)
{
	fputs("usage: vmalens-bench [--quick] [--counts N,N,...] [--reps R]\n"
	      "                     [--stall-vmas N] [--stall-samples MAX] [--stall-secs S]\n"
	      "                     [--stall-rounds R]\n"
	      "BENCH_QUICK=1 in the environment is --quick.\n", stderr);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	const char *q = getenv("BENCH_QUICK");
	int i;

	opt.quick = q && *q && strcmp(q, "0");
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--quick"))
			opt.quick = true;
	if (opt.quick) {
		parse_counts("1000,10000");
		opt.stall_vmas = 10000;
		opt.stall_samples = 20000;
		opt.stall_min = 500;
		opt.stall_secs = 1;
		opt.stall_rounds = 2;
		opt.reps = 3;
		opt.dry_reps = 50;
		opt.batch_reps = 5;
	} else {
		parse_counts("1000,10000,60000,200000");
		opt.stall_vmas = 60000;
		opt.stall_samples = 100000;
		opt.stall_min = 2000;
		opt.stall_secs = 4;
		opt.stall_rounds = 4;
		opt.reps = 5;
		opt.dry_reps = 300;
		opt.batch_reps = 20;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick"))
			continue;
		if (!v)
			usage();
		if (!strcmp(a, "--counts"))
			parse_counts(v);
		else if (!strcmp(a, "--reps"))
			opt.reps = atoi(v);
		else if (!strcmp(a, "--stall-vmas"))
			opt.stall_vmas = atol(v);
		else if (!strcmp(a, "--stall-samples"))
			opt.stall_samples = atol(v);
		else if (!strcmp(a, "--stall-secs"))
			opt.stall_secs = atof(v);
		else if (!strcmp(a, "--stall-rounds"))
			opt.stall_rounds = atoi(v);
		else
			usage();
		i++;
	}
	if (opt.reps < 1 || opt.stall_samples < 1 || opt.stall_vmas < 1 ||
	    opt.stall_rounds < 1 || opt.stall_rounds > opt.stall_samples)
		usage();
	if (opt.stall_min > opt.stall_samples)
		opt.stall_min = opt.stall_samples;
	opt.print_samples = 5000;
}

static void out_system(void)
{
	struct vmalens_version v = { .size = sizeof(v) };
	struct utsname u;

	uname(&u);
	out("kernel", "%s", u.release);
	out("machine", "%s", u.machine);
	out("page_size", "%ld", page_size);
	out("quick", "%d", opt.quick);
	if (devfd >= 0 && !ioctl(devfd, VMALENS_IOC_VERSION, &v))
		out("module", "%s abi %u%s", v.version, v.abi_version,
		    v.features & VMALENS_FEATURE_PER_VMA_LOCK ? ", per-VMA locks" : "");
	else
		out("module", "na");
}

int main(int argc, char **argv)
{
	long max_n = 0, steps[MAX_COUNTS + 1];
	int i, j, nsteps = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	page_size = sysconf(_SC_PAGESIZE);
	devfd = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		fprintf(stderr, "vmalens-bench: %s: %s: vmalens figures are na\n",
			VMALENS_DEVICE, strerror(errno));
	out_system();

	/* The sizes to grow the target to, ascending, stall size included. */
	for (i = 0; i < opt.ncounts; i++)
		steps[nsteps++] = opt.counts[i];
	steps[nsteps++] = opt.stall_vmas;
	for (i = 0; i < nsteps; i++)
		for (j = i + 1; j < nsteps; j++)
			if (steps[j] < steps[i]) {
				long t = steps[i];

				steps[i] = steps[j];
				steps[j] = t;
			}
	max_n = steps[nsteps - 1];
	raise_max_map_count(max_n + 65536);

	vma_cap = max_n + 4096;
	text_cap = (size_t)vma_cap * 128;
	text_buf = xmalloc(text_cap);
	text_vmas = xmalloc(vma_cap * sizeof(*text_vmas));
	lens_vmas = xmalloc(vma_cap * sizeof(*lens_vmas));
	lens_names_size = (size_t)vma_cap * 64 + (1 << 20);
	lens_names = xmalloc(lens_names_size);

	sh = mmap(NULL, sizeof(*sh) +
		  NR_PHASES * opt.stall_samples * sizeof(uint64_t),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	target_start(max_n + 16);

	printf("bench walk_counts=");
	for (i = 0; i < opt.ncounts; i++)
		printf("%s%ld", i ? "," : "", opt.counts[i]);
	printf("\n");
	for (i = 0; i < nsteps; i++) {
		long n = steps[i], err;
		bool walk = false;

		if (i && n == steps[i - 1])
			continue;
		err = target_cmd(CMD_GROW, n);
		if (err)
			die("target: mprotect: %s (vm.max_map_count?)",
			    strerror((int)-err));
		for (j = 0; j < opt.ncounts; j++)
			walk |= opt.counts[j] == n;
		if (walk)
			bench_walks(n);
		if (n == opt.stall_vmas) {
			long nv = walk_text(target);

			out("stall_n", "%ld", n);
			out("stall_vmas", "%ld", nv);
			bench_stall();
			bench_dry_single();
			bench_dry_batch();
			out_fig("dryrun_real_us", real_pair_median_us);
			out_fig("dryrun_real_mean_us", real_pair_mean_us);
		}
	}
	close(cmd_fd[1]);	/* the target leaves at EOF */
	waitpid(target, NULL, 0);
	out("done", "1");
	return 0;
}
