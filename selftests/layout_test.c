// SPDX-License-Identifier: GPL-2.0
/*
 * The `layout` report against /proc/PID/stat, /proc/PID/status and
 * /proc/PID/maps, and the legacy/topdown choice against where the target's
 * own first mmap lands and where the arch's rules put mmap_base.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"

#define LEGACY_SYSCTL	"/proc/sys/vm/legacy_va_layout"
#define SZ_128M		(128UL << 20)

static unsigned long page_align(unsigned long x)
{
	unsigned long ps = sysconf(_SC_PAGESIZE);

	return (x + ps - 1) & ~(ps - 1);
}

static void setup_heap(char *report, size_t size, void *arg)
{
	char *old = sbrk(5 * sysconf(_SC_PAGESIZE) + 123);
	void *map;

	(void)arg;
	if (old == (void *)-1)
		_exit(1);
	old[0] = 1;
	map = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(report, size, "brk=%p mmap=%p", sbrk(0), map);
}

/* Start of the /proc/PID/maps line named NAME, or 0; *max_end: last end. */
static unsigned long maps_start(pid_t pid, const char *name,
				unsigned long *max_end)
{
	char path[64], *maps, *line, *save = NULL;
	unsigned long start, end, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	if (!maps)
		return 0;
	*max_end = 0;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (strstr(line, name))
			found = start;
		if (!strstr(line, "[vsyscall]") && end > *max_end)
			*max_end = end;
	}
	free(maps);
	return found;
}

static void expect_task_size(struct __test_metadata *_metadata,
			     unsigned long task_size)
{
#if defined(__x86_64__)
	/*
	 * The truth from the kernel itself: a hint above 47 bits is honoured
	 * only with 5-level paging (the la57 target), which opens 56 bits.
	 */
	void *high = mmap((void *)(1UL << 50), 4096, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool five_level = high != MAP_FAILED && (unsigned long)high >= 1UL << 47;

	if (high != MAP_FAILED)
		munmap(high, 4096);
	EXPECT_EQ(five_level ? (1UL << 56) - 4096 : (1UL << 47) - 4096, task_size)
		TH_LOG("task_size 0x%lx, %d-level paging", task_size, five_level ? 5 : 4);
#elif defined(__aarch64__)
	/* 1 << VA_BITS: 39 is a phone's (Android), 47 16K pages' */
	EXPECT_TRUE(task_size == 1UL << 39 || task_size == 1UL << 47 ||
		    task_size == 1UL << 48 || task_size == 1UL << 52)
		TH_LOG("task_size 0x%lx", task_size);
#endif
}

FIXTURE(layout) {
	struct target t;
	struct vml_layout l;
	long saved_legacy;
};

FIXTURE_SETUP(layout)
{
	memset(self, 0, sizeof(*self));
	self->saved_legacy = -1;
}

FIXTURE_TEARDOWN(layout)
{
	target_kill(&self->t);
	if (self->saved_legacy >= 0)
		write_long_file(LEGACY_SYSCTL, self->saved_legacy);
}

TEST_F(layout, matches_proc)
{
	unsigned long f[52], vdso, max_end, brk;
	char path[64], *comm, *maps;
	const struct vml_line *heap;
	struct vml_vmas v;
	pid_t pid;

	ASSERT_EQ(0, target_fork(&self->t, setup_heap, NULL));
	pid = self->t.pid;
	ASSERT_EQ(0, read_layout(pid, &self->l)) TH_LOG("%s", vml_err);
	ASSERT_EQ(0, proc_stat_fields(pid, f, 52));

	EXPECT_EQ(pid, self->l.pid);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = slurp(path, NULL);
	ASSERT_NE(NULL, comm);
	comm[strcspn(comm, "\n")] = '\0';
	EXPECT_STREQ(comm, self->l.comm);
	free(comm);
	EXPECT_EQ(0, self->l.compat);
	EXPECT_STREQ("topdown", self->l.layout);

	/* proc(5): the stat fields the layout report shares. */
	EXPECT_EQ(f[26], self->l.start_code);
	EXPECT_EQ(f[27], self->l.end_code);
	EXPECT_EQ(f[28], self->l.start_stack);
	EXPECT_EQ(f[45], self->l.start_data);
	EXPECT_EQ(f[46], self->l.end_data);
	EXPECT_EQ(f[47], self->l.start_brk);
	EXPECT_EQ(f[48], self->l.arg_start);
	EXPECT_EQ(f[49], self->l.arg_end);
	EXPECT_EQ(f[50], self->l.env_start);
	EXPECT_EQ(f[51], self->l.env_end);

	EXPECT_EQ(proc_status_kb(pid, "VmSize"),
		  (long)(self->l.total_vm * self->l.page_size / 1024));
	EXPECT_EQ(sysconf(_SC_PAGESIZE), (long)self->l.page_size);

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	ASSERT_NE(NULL, maps);
	EXPECT_EQ(count_lines(maps, "[vsyscall]"), (int)self->l.map_count);
	free(maps);

	vdso = maps_start(pid, "[vdso]", &max_end);
	EXPECT_EQ(vdso, self->l.vdso);
	EXPECT_LE(max_end, self->l.task_size);
	expect_task_size(_metadata, self->l.task_size);

	/* brk as the target itself saw it, and the heap VMA ending there. */
	brk = report_ul(&self->t, "brk");
	EXPECT_EQ(brk, self->l.brk);
	ASSERT_EQ(0, read_vmas(pid, &v)) TH_LOG("%s", vml_err);
	heap = find_vma(&v, brk - 1);
	ASSERT_NE(NULL, heap);
	EXPECT_EQ(page_align(brk), heap->end) TH_LOG("heap %s", heap->maps);
	free_vmas(&v);

	/* Topdown: the target's mmap without a hint landed below mmap_base. */
	EXPECT_LE(report_ul(&self->t, "mmap") + sysconf(_SC_PAGESIZE),
		  self->l.mmap_base);

	EXPECT_EQ(read_long_file("/proc/sys/vm/mmap_rnd_bits"),
		  self->l.mmap_rnd_bits);
	EXPECT_EQ(read_long_file("/proc/sys/vm/mmap_rnd_compat_bits"),
		  self->l.mmap_rnd_compat_bits);
	EXPECT_EQ(default_stack_guard_gap(), self->l.stack_guard_gap);
}

/*
 * Where the arch's arch_pick_mmap_layout() may put mmap_base, as [*lo, *hi],
 * for a task exec'ed with stack limit RLIM (compat-bases not covered).
 */
static void expected_base(const struct vml_layout *l, bool legacy,
			  unsigned long rlim, unsigned long *lo,
			  unsigned long *hi)
{
	unsigned long ps = l->page_size, shift = __builtin_ctzl(ps);
	bool rnd = read_long_file("/proc/sys/kernel/randomize_va_space") != 0;
	unsigned long rnd_max = rnd ? ((1UL << l->mmap_rnd_bits) - 1) * ps : 0;
	unsigned long window, pad, gap = rlim;

#if defined(__x86_64__)
	window = (1UL << 47) - 4096;	/* task_size_64bit(0) */
	pad = rnd ? 0x3fffffUL << 12 : 0;
	*lo = page_align(window / 3);
#elif defined(__aarch64__)
	/*
	 * The default map window, 1 << VA_BITS_MIN, holds the stack: 39
	 * bits on a phone, 47 with 16K pages (even where task_size is 48
	 * bits), 48 otherwise.
	 */
	if (l->start_stack < 1UL << 39)
		window = 1UL << 39;
	else
		window = l->start_stack < 1UL << 47 ? 1UL << 47 : 1UL << 48;
	pad = rnd ? (0x3ffffUL >> (shift - 12)) << shift : 0;
	*lo = page_align(window / 4);
#else
	window = 0, pad = 0, *lo = 0;
#endif
	(void)shift;
	if (legacy) {
		*hi = *lo + rnd_max;
		return;
	}
	pad += default_stack_guard_gap();
	if (gap + pad > gap)
		gap += pad;
	if (gap < SZ_128M)
		gap = SZ_128M;
	else if (gap > window / 6 * 5)
		gap = window / 6 * 5;
	*lo = page_align(window - gap - rnd_max);
	*hi = page_align(window - gap);
}

static void check_policy(struct __test_metadata *_metadata,
			 struct target *t, struct vml_layout *l, bool legacy,
			 unsigned long rlim)
{
	unsigned long mmap_addr, lo, hi;

	ASSERT_FALSE(report_has(t, "exec_errno")) TH_LOG("%s", t->report);
	ASSERT_FALSE(report_has(t, "pre_errno")) TH_LOG("%s", t->report);
	ASSERT_EQ(0, read_layout(t->pid, l)) TH_LOG("%s", vml_err);
	EXPECT_STREQ(legacy ? "legacy" : "topdown", l->layout);

	/* Independent truth: which way the target's own mmap went. */
	mmap_addr = report_ul(t, "mmap");
	if (legacy) {
		EXPECT_LE(l->mmap_base, mmap_addr)
			TH_LOG("bottom-up mmap at 0x%lx, mmap_base 0x%lx",
			       mmap_addr, l->mmap_base);
	} else {
		EXPECT_LE(mmap_addr + l->page_size, l->mmap_base)
			TH_LOG("topdown mmap at 0x%lx, mmap_base 0x%lx",
			       mmap_addr, l->mmap_base);
	}

	ASSERT_LE(0, l->mmap_rnd_bits);
	expected_base(l, legacy, rlim, &lo, &hi);
	EXPECT_TRUE(lo <= l->mmap_base && l->mmap_base <= hi)
		TH_LOG("mmap_base 0x%lx outside [0x%lx, 0x%lx] (%s, rnd_bits %ld)",
		       l->mmap_base, lo, hi, l->layout, l->mmap_rnd_bits);
	EXPECT_EQ(0, l->mmap_base & (l->page_size - 1));
#if defined(__x86_64__)
	/* x86 computes both bases from one random factor. */
	expected_base(l, true, rlim, &lo, &hi);
	EXPECT_TRUE(lo <= l->mmap_legacy_base && l->mmap_legacy_base <= hi)
		TH_LOG("mmap_legacy_base 0x%lx outside [0x%lx, 0x%lx]",
		       l->mmap_legacy_base, lo, hi);
	if (legacy)
		EXPECT_EQ(l->mmap_legacy_base, l->mmap_base);
#elif defined(__aarch64__)
	/* The generic layout code never sets it. */
	EXPECT_EQ(0, l->mmap_legacy_base);
#endif
}

static unsigned long stack_rlim(void)
{
	struct rlimit r;

	getrlimit(RLIMIT_STACK, &r);
	return r.rlim_cur;
}

static int pre_compat_layout(void *arg)
{
	(void)arg;
	return personality(PER_LINUX | ADDR_COMPAT_LAYOUT) == -1 ? -1 : 0;
}

static int pre_unlimited_stack(void *arg)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	(void)arg;
	return setrlimit(RLIMIT_STACK, &r);
}

TEST_F(layout, exec_default_is_topdown)
{
	ASSERT_EQ(0, target_exec(&self->t, "/proc/self/exe", NULL, NULL));
	check_policy(_metadata, &self->t, &self->l, false, stack_rlim());
}

TEST_F(layout, addr_compat_layout_is_legacy)
{
	ASSERT_EQ(0, target_exec(&self->t, "/proc/self/exe",
				 pre_compat_layout, NULL));
	check_policy(_metadata, &self->t, &self->l, true, stack_rlim());
}

/* Unlimited stack means legacy in the generic code (arm64), not on x86. */
TEST_F(layout, unlimited_stack)
{
	bool legacy = false;

#if defined(__aarch64__)
	legacy = true;
#endif
	ASSERT_EQ(0, target_exec(&self->t, "/proc/self/exe",
				 pre_unlimited_stack, NULL));
	check_policy(_metadata, &self->t, &self->l, legacy, RLIM_INFINITY);
}

TEST_F(layout, legacy_va_layout_sysctl)
{
	self->saved_legacy = read_long_file(LEGACY_SYSCTL);
	ASSERT_LE(0, self->saved_legacy);
	ASSERT_EQ(0, write_long_file(LEGACY_SYSCTL, 1));
	ASSERT_EQ(0, target_exec(&self->t, "/proc/self/exe", NULL, NULL));
	ASSERT_EQ(0, write_long_file(LEGACY_SYSCTL, self->saved_legacy));
	self->saved_legacy = -1;
	check_policy(_metadata, &self->t, &self->l, true, stack_rlim());
}

TEST_HARNESS_MAIN
