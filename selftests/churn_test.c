// SPDX-License-Identifier: GPL-2.0
/*
 * Read address spaces while they change.  Target processes loop mmap,
 * munmap, mprotect, mremap, madvise (DONTNEED, GUARD_INSTALL), fork,
 * threads, exec of themselves and exit; four reader threads meanwhile use
 * every interface on them: the debugfs vmas, layout and tasks files, and
 * the LAYOUT, VMAS, QUERY and UNMAPPED_AREA (every mode) ioctls.  Every
 * answer must be well-formed or an errno the header documents; each VMAS
 * batch sorted, non-overlapping and below the target's task_size.
 *
 *   VMALENS_CHURN_SECS=N  how long (default: CHURN_SECS)
 *   VMALENS_CHURN_CPUS=X  how many CPUs the targets and readers keep busy
 *                         together (default: CHURN_CPUS; 0: as many as
 *                         they can)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#define CHURN_SECS		60
/*
 * The seven threads share about one CPU: they still run side by side on
 * both of the guest's CPUs, in the same mix, at half the rate they reach
 * unpaced, and the other guest on the host gets the second core.
 */
#define CHURN_CPUS		1.0
#define PACE_CHUNK_NS		5000000	/* CPU time worked between sleeps */
#define NR_TARGETS		3
#define NR_READERS		4
#define EXEC_GENERATIONS	8
#define STEPS_PER_EXEC		400
#define BATCH			64	/* the module's lock batch */
#define MAX_ERRNO		134

/* x86_64's vsyscall page: a fixed user-visible ABI address above TASK_SIZE. */
#define VSYSCALL_ADDR		0xffffffffff600000ULL

enum iface {
	I_DBG_VMAS, I_DBG_LAYOUT, I_DBG_TASKS, I_LAYOUT, I_VMAS, I_QUERY,
	I_UA_AUTO, I_UA_TOPDOWN, I_UA_BOTTOMUP, I_NR
};

static const char *const iface_name[I_NR] = {
	"debugfs vmas", "debugfs layout", "debugfs tasks", "IOC_LAYOUT",
	"IOC_VMAS", "IOC_QUERY", "IOC_UA auto", "IOC_UA topdown",
	"IOC_UA bottomup",
};

static struct {
	_Atomic pid_t *slot;		/* shared with the supervisors */
	double rest;			/* sleep per unit of CPU time worked */
	int dev;
	bool debugfs;
	long ps;
	uint64_t task_size;
	double deadline;
	atomic_ulong calls[I_NR], errs[I_NR][MAX_ERRNO];
	atomic_ulong vmas_seen, bad;
	pthread_mutex_t log_lock;
} C;

/* Each problem is logged once per interface and errno, counted always. */
static atomic_uchar logged[I_NR][MAX_ERRNO + 1];

#define BAD(i, e, fmt, ...) do {					\
	atomic_fetch_add(&C.bad, 1);					\
	if (!atomic_exchange(&logged[i][(e) < MAX_ERRNO ? (e) : MAX_ERRNO], 1)) { \
		pthread_mutex_lock(&C.log_lock);			\
		printf("# BAD %s: " fmt "\n", iface_name[i], ##__VA_ARGS__); \
		fflush(stdout);						\
		pthread_mutex_unlock(&C.log_lock);			\
	}								\
} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* C.rest for VMALENS_CHURN_CPUS: targets and readers share that many CPUs. */
static double churn_rest(void)
{
	const char *env = getenv("VMALENS_CHURN_CPUS");
	double cpus = env ? atof(env) : CHURN_CPUS;
	double threads = NR_TARGETS + NR_READERS;

	return cpus > 0 && cpus < threads ? threads / cpus - 1 : 0;
}

/* CPU time in ns: the calling thread's, or its process's and its children's. */
static uint64_t cpu_ns(bool whole_process)
{
	struct timespec ts;
	struct rusage ru;
	uint64_t ns;

	clock_gettime(whole_process ? CLOCK_PROCESS_CPUTIME_ID :
		      CLOCK_THREAD_CPUTIME_ID, &ts);
	ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (whole_process && !getrusage(RUSAGE_CHILDREN, &ru))
		ns += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	return ns;
}

/*
 * Called between steps by every target and reader: once it has worked
 * PACE_CHUNK_NS of CPU time since its last rest, it sleeps C.rest times
 * that long.  CPU time, not wall time: waiting for a CPU is not work.  A
 * target counts its whole process and the children it forked and reaped
 * (churn_step() forks, starts threads, and they do most of its work); a
 * reader counts itself.
 */
static void pace(bool whole_process)
{
	static __thread uint64_t rested_at;
	struct timespec ts;
	uint64_t cpu, ns;

	if (C.rest <= 0)
		return;
	cpu = cpu_ns(whole_process);
	if (cpu - rested_at < PACE_CHUNK_NS)
		return;
	if (rested_at) {
		ns = (cpu - rested_at) * C.rest;
		ts.tv_sec = ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		nanosleep(&ts, NULL);
	}
	rested_at = cpu;
}

/* --- the targets ----------------------------------------------------- */

static void churn_and_exec(uint64_t seed, int generation)
{
	char env[64], *argv[] = { "churn_target", NULL };
	int i;

	for (i = 0; i < STEPS_PER_EXEC; i++) {
		churn_step(&seed);
		pace(true);
	}
	if (generation >= EXEC_GENERATIONS || !(vml_rand(&seed) % 4))
		_exit(0);
	snprintf(env, sizeof(env), "%" PRIu64 ":%d", vml_rand(&seed),
		 generation + 1);
	setenv("VMALENS_CHURN_EXEC", env, 1);
	execv("/proc/self/exe", argv);
	_exit(1);
}

/* A target re-executed by churn_and_exec() churns on before main(). */
__attribute__((constructor)) static void churn_exec_main(void)
{
	const char *env = getenv("VMALENS_CHURN_EXEC");
	uint64_t seed;
	int gen;

	if (!env || sscanf(env, "%" SCNu64 ":%d", &seed, &gen) != 2)
		return;
	C.rest = churn_rest();
	churn_and_exec(seed, gen);
}

/* Keeps slot @i filled with a live target: when one exits, starts another. */
static void supervise(int i, uint64_t seed)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			churn_and_exec(vml_rand(&seed), 0);
		}
		vml_rand(&seed);
		if (pid < 0) {
			sleep(1);
			continue;
		}
		atomic_store(&C.slot[i], pid);
		waitpid(pid, NULL, 0);
	}
}

/* --- the readers ----------------------------------------------------- */

static bool documented(enum iface i, int e)
{
	switch (e) {
	case E2BIG: case EINVAL: case EFAULT: case ESRCH: case EPERM:
	case ENXIO: case EINTR: case EAGAIN:
		return i != I_DBG_VMAS && i != I_DBG_LAYOUT && i != I_DBG_TASKS;
	case ENOSPC:
		return i == I_VMAS;
	case ENOENT: case ENAMETOOLONG:
		return i == I_QUERY;
	}
	return false;
}

/*
 * debugfs.md: ESRCH, EPERM, ENXIO, EINVAL; we are root and write well-formed
 * pids, so only a vanished or exec'ing process may fail a read.
 */
static bool dbg_documented(int e)
{
	return e == ESRCH || e == ENXIO || e == EINTR || e == EAGAIN;
}

/*
 * Counts an answer; false if it is an error (documented or not).  Call it
 * with the ioctl's return value stored first: errno must be read after it.
 */
static bool answer(enum iface i, int ret, int e)
{
	atomic_fetch_add(&C.calls[i], 1);
	if (!ret)
		return true;
	if (e >= 0 && e < MAX_ERRNO)
		atomic_fetch_add(&C.errs[i][e], 1);
	if (i <= I_DBG_TASKS ? !dbg_documented(e) : !documented(i, e))
		BAD(i, e, "errno %d (%s) is not documented", e, strerror(e));
	return false;
}

static bool user_range_ok(uint64_t start, uint64_t end)
{
	if (end == VSYSCALL_ADDR + 4096 && start == VSYSCALL_ADDR)
		return true;
	return start < end && end <= C.task_size;
}

/* One whole walk through VMALENS_IOC_VMAS in batches of BATCH records. */
static void bulk_snapshot(pid_t pid)
{
	static __thread struct vmalens_vma rec[BATCH];
	static __thread char names[BATCH * 4096];
	struct vmalens_vmas v = { 0 };
	int calls = 0, ret;
	unsigned int k;

	do {
		uint64_t start = v.next;

		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		v.pid = pid;
		v.start = start;
		v.vmas_addr = (uintptr_t)rec;
		v.vma_size = sizeof(rec[0]);
		v.vma_count = BATCH;
		v.names_addr = (uintptr_t)names;
		v.names_size = sizeof(names);
		ret = ioctl(C.dev, VMALENS_IOC_VMAS, &v);
		if (!answer(I_VMAS, ret, errno))
			return;
		if (v.vma_count > BATCH || v.names_size > sizeof(names)) {
			BAD(I_VMAS, 0, "pid %d: %u records, %llu name bytes", pid,
			    v.vma_count, (unsigned long long)v.names_size);
			return;
		}
		for (k = 0; k < v.vma_count; k++) {
			const struct vmalens_vma *r = &rec[k];

			if (!user_range_ok(r->start, r->end) ||
			    r->start % C.ps || r->end % C.ps)
				BAD(I_VMAS, 0, "pid %d: VMA %#llx-%#llx outside [0, %#llx)",
				    pid, (unsigned long long)r->start,
				    (unsigned long long)r->end,
				    (unsigned long long)C.task_size);
			if (r->end <= start)
				BAD(I_VMAS, 1, "pid %d: VMA %#llx-%#llx at or below start %#llx",
				    pid, (unsigned long long)r->start,
				    (unsigned long long)r->end,
				    (unsigned long long)start);
			if (k && r->start < rec[k - 1].end)
				BAD(I_VMAS, 2, "pid %d: VMA %#llx-%#llx overlaps or precedes %#llx-%#llx in one batch",
				    pid, (unsigned long long)r->start,
				    (unsigned long long)r->end,
				    (unsigned long long)rec[k - 1].start,
				    (unsigned long long)rec[k - 1].end);
			if (r->name_len && ((uint64_t)r->name_off + r->name_len >= v.names_size ||
					    names[r->name_off + r->name_len]))
				BAD(I_VMAS, 3, "pid %d: name at %u+%u of %llu bytes", pid,
				    r->name_off, r->name_len,
				    (unsigned long long)v.names_size);
		}
		if (v.next && v.vma_count && v.next < rec[v.vma_count - 1].end)
			BAD(I_VMAS, 4, "pid %d: next %#llx below the last end %#llx",
			    pid, (unsigned long long)v.next,
			    (unsigned long long)rec[v.vma_count - 1].end);
		if (v.next && !v.vma_count) {
			BAD(I_VMAS, 5, "pid %d: no records but next %#llx", pid,
			    (unsigned long long)v.next);
			return;
		}
		atomic_fetch_add(&C.vmas_seen, v.vma_count);
	} while (v.next && ++calls < 10000);
}

static uint64_t some_addr(uint64_t *rng, const struct vmalens_mm_layout *l)
{
	uint64_t r = vml_rand(rng);

	switch (r % 6) {
	case 0:
		return l->mmap_base - (r >> 8) % (1 << 30);
	case 1:
		return l->start_brk + (r >> 8) % (1 << 20);
	case 2:
		return l->start_stack - (r >> 8) % (1 << 20);
	case 3:
		return l->start_code + (r >> 8) % (1 << 20);
	default:
		return (r >> 8) % C.task_size;
	}
}

static void query(pid_t pid, uint64_t *rng, const struct vmalens_mm_layout *l)
{
	char name[4096];
	struct vmalens_query q = {
		.size = sizeof(q), .pid = pid, .addr = some_addr(rng, l),
		.flags = vml_rand(rng) % 2, .name_addr = (uintptr_t)name,
		.name_size = sizeof(name),
	};
	int ret;

	ret = ioctl(C.dev, VMALENS_IOC_QUERY, &q);
	if (!answer(I_QUERY, ret, errno))
		return;
	if (!user_range_ok(q.vma.start, q.vma.end) || q.addr >= q.vma.end ||
	    (!q.flags && q.addr < q.vma.start) || q.gap_start > q.vma.start ||
	    q.name_size > sizeof(name) || (q.name_size && name[q.name_size - 1]))
		BAD(I_QUERY, 0, "pid %d addr %#llx flags %u: VMA %#llx-%#llx gap_start %#llx name_size %u",
		    pid, (unsigned long long)q.addr, q.flags,
		    (unsigned long long)q.vma.start, (unsigned long long)q.vma.end,
		    (unsigned long long)q.gap_start, q.name_size);
}

static void dryrun(pid_t pid, uint64_t *rng, enum iface i)
{
	uint64_t r = vml_rand(rng);
	struct vmalens_unmapped_area u = {
		.size = sizeof(u), .pid = pid, .mode = i - I_UA_AUTO,
		.len = (1 + r % 512) * C.ps, .fd = -1,
		.prot = PROT_READ | PROT_WRITE,
		.mmap_flags = MAP_ANONYMOUS | ((r >> 10) % 4 ? MAP_PRIVATE : MAP_SHARED),
		.hint = (r >> 12) % 3 ? 0 : ((r >> 16) % C.task_size) & ~(C.ps - 1),
	};
	uint64_t len = u.len;
	int ret;

	ret = ioctl(C.dev, VMALENS_IOC_UNMAPPED_AREA, &u);
	if (!answer(i, ret, errno))
		return;
	if (u.error > 0 || u.error < -4095 || u.mode_used > VMALENS_MODE_BOTTOMUP ||
	    u.layer > VMALENS_LAYER_ARCH_FLAGS ||
	    (u.error && u.addr) ||
	    (!u.error && (u.addr % C.ps || u.addr + len > C.task_size ||
			  u.addr < u.gap_start || u.addr + len > u.gap_end ||
			  u.gap_end > C.task_size)))
		BAD(i, 0, "pid %d len %#llx hint %#llx flags %#x: addr %#llx error %d gap %#llx-%#llx mode_used %u layer %u",
		    pid, (unsigned long long)len, (unsigned long long)u.hint,
		    u.mmap_flags, (unsigned long long)u.addr, u.error,
		    (unsigned long long)u.gap_start, (unsigned long long)u.gap_end,
		    u.mode_used, u.layer);
}

static void debugfs_read(pid_t pid, enum iface i)
{
	static const char *const file[] = { "vmas", "layout", "tasks" };
	char *text = NULL;
	int ret = vml_read(file[i - I_DBG_VMAS], i == I_DBG_TASKS ? -1 : pid, &text);

	if (!answer(i, ret, -ret))
		return;
	if (i == I_DBG_VMAS) {
		struct vml_vmas v;
		int k;

		if (parse_vmas(text, &v)) {
			BAD(i, 0, "pid %d: %s", pid, vml_err);
			free(v.l);
			goto out;
		}
		for (k = 0; k < v.n; k++)
			if (!user_range_ok(v.l[k].start, v.l[k].end) &&
			    !(v.l[k].gap && v.l[k].start == v.l[k].end))
				BAD(i, 1, "pid %d: line %d %#lx-%#lx outside the task size",
				    pid, k, v.l[k].start, v.l[k].end);
		v.text = NULL;
		free_vmas(&v);
	} else if (i == I_DBG_LAYOUT) {
		struct vml_layout l;

		if (parse_layout(text, &l) || l.pid != pid ||
		    l.task_size != C.task_size)
			BAD(i, 0, "pid %d: %s\n%s", pid, vml_err, text);
	} else if (strncmp(text + strspn(text, " "), "PID", 3)) {
		BAD(i, 0, "no header: %.80s", text);
	}
out:
	free(text);
}

static void *reader(void *arg)
{
	uint64_t rng = (uintptr_t)arg;

	for (; now() < C.deadline; pace(false)) {
		pid_t pid = atomic_load(&C.slot[vml_rand(&rng) % NR_TARGETS]);
		struct vmalens_mm_layout l = { .size = sizeof(l), .pid = pid };
		enum iface i = vml_rand(&rng) % I_NR;
		int ret;

		if (i <= I_DBG_TASKS && !C.debugfs)
			i = I_LAYOUT;
		if (i <= I_DBG_TASKS) {
			debugfs_read(pid, i);
			continue;
		}
		ret = ioctl(C.dev, VMALENS_IOC_LAYOUT, &l);
		if (!answer(I_LAYOUT, ret, errno))
			continue;
		if (l.task_size != C.task_size || l.page_size != (uint64_t)C.ps ||
		    l.start_brk > l.brk || l.mmap_base > l.task_size ||
		    l.start_stack >= l.task_size)
			BAD(I_LAYOUT, 0, "pid %d: task_size %#llx page_size %llu brk %#llx-%#llx mmap_base %#llx stack %#llx",
			    pid, (unsigned long long)l.task_size,
			    (unsigned long long)l.page_size,
			    (unsigned long long)l.start_brk,
			    (unsigned long long)l.brk,
			    (unsigned long long)l.mmap_base,
			    (unsigned long long)l.start_stack);
		if (i == I_VMAS)
			bulk_snapshot(pid);
		else if (i == I_QUERY)
			query(pid, &rng, &l);
		else if (i >= I_UA_AUTO)
			dryrun(pid, &rng, i);
	}
	return NULL;
}

FIXTURE(churn) {
	pid_t supervisor[NR_TARGETS];
};

FIXTURE_SETUP(churn)
{
	struct vmalens_mm_layout l = { .size = sizeof(l) };
	int i;

	C.ps = sysconf(_SC_PAGESIZE);
	C.rest = churn_rest();
	C.debugfs = !access(VMALENS_DIR, F_OK);
	C.dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, C.dev) TH_LOG("open %s: %s", VMALENS_DEVICE, strerror(errno));
	/* The targets are this same 64-bit program: the same task size. */
	ASSERT_EQ(0, ioctl(C.dev, VMALENS_IOC_LAYOUT, &l));
	C.task_size = l.task_size;
	C.slot = mmap(NULL, C.ps, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, C.slot);
	pthread_mutex_init(&C.log_lock, NULL);
	for (i = 0; i < NR_TARGETS; i++) {
		self->supervisor[i] = fork();
		ASSERT_LE(0, self->supervisor[i]);
		if (!self->supervisor[i])
			supervise(i, 0x5eed0000 + i + time(NULL));
	}
	for (i = 0; i < NR_TARGETS; i++)
		while (!atomic_load(&C.slot[i]))
			usleep(1000);
}

FIXTURE_TEARDOWN(churn)
{
	int i;

	for (i = 0; i < NR_TARGETS; i++) {
		kill(self->supervisor[i], SIGKILL);
		waitpid(self->supervisor[i], NULL, 0);
	}
	close(C.dev);
}

TEST_F_TIMEOUT(churn, readers_see_well_formed_answers, 1800)
{
	long secs = env_long("VMALENS_CHURN_SECS", CHURN_SECS);
	pthread_t th[NR_READERS];
	unsigned long total = 0;
	int i, e;

	printf("# %ld s (VMALENS_CHURN_SECS), %d targets, %d readers, ",
	       secs, NR_TARGETS, NR_READERS);
	if (C.rest)
		printf("paced to %.1f CPUs (VMALENS_CHURN_CPUS)",
		       (NR_TARGETS + NR_READERS) / (C.rest + 1));
	else
		printf("unpaced");
	printf("%s\n",
	       C.debugfs ? "" : ", no debugfs: ioctls only");
	C.deadline = now() + secs;
	for (i = 0; i < NR_READERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader,
					    (void *)(uintptr_t)(time(NULL) * 31 + i)));
	for (i = 0; i < NR_READERS; i++)
		pthread_join(th[i], NULL);

	for (i = 0; i < I_NR; i++) {
		unsigned long errs = 0;

		for (e = 0; e < MAX_ERRNO; e++)
			errs += C.errs[i][e];
		total += C.calls[i];
		printf("# %-16s %8lu calls %6lu errors:", iface_name[i],
		       (unsigned long)C.calls[i], errs);
		for (e = 0; e < MAX_ERRNO; e++)
			if (C.errs[i][e])
				printf(" %s %lu", strerrorname_np(e),
				       (unsigned long)C.errs[i][e]);
		printf("\n");
	}
	printf("# %lu calls in %ld s, %lu VMA records checked\n", total, secs,
	       (unsigned long)C.vmas_seen);
	EXPECT_EQ(0, C.bad);
	for (i = C.debugfs ? 0 : I_LAYOUT; i < I_NR; i++)
		EXPECT_LT(0, C.calls[i]) TH_LOG("interface %d never ran", i);
}

TEST_HARNESS_MAIN
