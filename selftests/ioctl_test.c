// SPDX-License-Identifier: GPL-2.0
/*
 * VMALENS_IOC_LAYOUT, VMALENS_IOC_VMAS and VMALENS_IOC_QUERY against the
 * truth in /proc: every record equals its /proc/PID/maps line, resuming
 * works with tiny buffers on a process with thousands of VMAs, each VMA's
 * flags name what /proc/PID/smaps prints in VmFlags, and every bad request
 * gets its documented errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#define MANY_PAGES	3000

/* One /proc/PID/maps line, split into its columns. */
struct maps_vma {
	unsigned long start, end;
	unsigned long long offset;
	unsigned int major, minor;
	unsigned long inode;
	char perms[5];
	const char *name;
};

struct maps {
	struct maps_vma *v;
	int n;
	char *text;
};

static int read_maps(pid_t pid, struct maps *m)
{
	char path[64], *line, *save;
	int consumed;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	m->text = slurp(path, NULL);
	if (!m->text)
		return -1;
	m->n = count_lines(m->text, NULL);
	m->v = calloc(m->n + 1, sizeof(*m->v));
	m->n = 0;
	for (line = strtok_r(m->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct maps_vma *v;

		/* x86's gate VMA: in maps, in no VMA tree, so not in the ioctl */
		if (strstr(line, " [vsyscall]"))
			continue;
		v = &m->v[m->n++];

		if (sscanf(line, "%lx-%lx %4s %llx %x:%x %lu%n", &v->start,
			   &v->end, v->perms, &v->offset, &v->major, &v->minor,
			   &v->inode, &consumed) != 7)
			return -1;
		v->name = line + consumed;
		v->name += strspn(v->name, " ");
	}
	return 0;
}

static void free_maps(struct maps *m)
{
	free(m->v);
	free(m->text);
}

static void prot_string(uint32_t prot, char *out)
{
	out[0] = prot & VMALENS_VMA_READ ? 'r' : '-';
	out[1] = prot & VMALENS_VMA_WRITE ? 'w' : '-';
	out[2] = prot & VMALENS_VMA_EXEC ? 'x' : '-';
	out[3] = prot & VMALENS_VMA_SHARED ? 's' : 'p';
	out[4] = '\0';
}

/* Does record @r (named @name) say what maps line @m says? */
static bool record_matches(const struct vmalens_vma *r, const char *name,
			   const struct maps_vma *m)
{
	char perms[5];

	prot_string(r->prot, perms);
	if (r->start != m->start || r->end != m->end || strcmp(perms, m->perms) ||
	    r->offset != m->offset || r->dev_major != m->major ||
	    r->dev_minor != m->minor || r->inode != m->inode) {
		snprintf(vml_err, sizeof(vml_err),
			 "record %llx-%llx %s off %llx dev %x:%x ino %llu vs maps %lx-%lx %s off %llx",
			 (unsigned long long)r->start, (unsigned long long)r->end,
			 perms, (unsigned long long)r->offset, r->dev_major,
			 r->dev_minor, (unsigned long long)r->inode, m->start,
			 m->end, m->perms, m->offset);
		return false;
	}
	if (strcmp(name, m->name)) {
		snprintf(vml_err, sizeof(vml_err), "name '%s' vs maps '%s'",
			 name, m->name);
		return false;
	}
	return true;
}

static int dev_open(void)
{
	return open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
}

/* Read all VMAs of @pid with buffers of @count records and @names bytes. */
static int bulk_read(int dev, pid_t pid, unsigned int count, size_t names_len,
		     struct vmalens_vma **out, char **names_out, int *n, int *calls)
{
	struct vmalens_vma *recs = calloc(count, sizeof(*recs));
	char *names = malloc(names_len);
	struct vmalens_vmas req;
	size_t total = 0, cap = 1024;
	unsigned int i;

	*out = malloc(cap * sizeof(**out));
	*names_out = malloc(cap * 256);
	*n = 0;
	*calls = 0;
	memset(&req, 0, sizeof(req));
	do {
		req.size = sizeof(req);
		req.pid = pid;
		req.vmas_addr = (uintptr_t)recs;
		req.vma_size = sizeof(*recs);
		req.vma_count = count;
		req.names_addr = (uintptr_t)names;
		req.names_size = names_len;
		req.start = req.next;
		if (ioctl(dev, VMALENS_IOC_VMAS, &req))
			return -errno;
		(*calls)++;
		for (i = 0; i < req.vma_count; i++) {
			if (*n == (int)cap) {
				cap *= 2;
				*out = realloc(*out, cap * sizeof(**out));
				*names_out = realloc(*names_out, cap * 256);
			}
			(*out)[*n] = recs[i];
			snprintf(*names_out + *n * 256, 256, "%s",
				 recs[i].name_len ? names + recs[i].name_off : "");
			(*n)++;
		}
		total += req.vma_count;
	} while (req.next);
	free(recs);
	free(names);
	return 0;
}

FIXTURE(ioctls) {
	int dev;
	struct target t;
};

FIXTURE_SETUP(ioctls)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", VMALENS_DEVICE, strerror(errno));
	ASSERT_EQ(0, target_fork(&self->t, setup_many_vmas, &(int){ MANY_PAGES }));
}

FIXTURE_TEARDOWN(ioctls)
{
	target_kill(&self->t);
	close(self->dev);
}

static void check_all_records(struct __test_metadata *_metadata, int dev,
			      pid_t pid, unsigned int count, size_t names_len)
{
	struct vmalens_vma *recs;
	char *names;
	struct maps m;
	int n, calls, i;

	ASSERT_EQ(0, bulk_read(dev, pid, count, names_len, &recs, &names, &n, &calls));
	ASSERT_EQ(0, read_maps(pid, &m));
	EXPECT_EQ(m.n, n);
	for (i = 0; i < n && i < m.n; i++)
		if (!record_matches(&recs[i], names + i * 256, &m.v[i])) {
			TH_LOG("VMA %d: %s", i, vml_err);
			EXPECT_TRUE(false);
			break;
		}
	printf("# %d VMAs in %d calls of %u records / %zu name bytes\n",
	       n, calls, count, names_len);
	free(recs);
	free(names);
	free_maps(&m);
}

TEST_F(ioctls, vmas_equal_proc_maps)
{
	check_all_records(_metadata, self->dev, self->t.pid, 4096, 1 << 20);
}

/* Tiny buffers force many resumes through ->next. */
TEST_F_TIMEOUT(ioctls, vmas_resume_with_tiny_buffers, 300)
{
	check_all_records(_metadata, self->dev, self->t.pid, 3, 4096);
	check_all_records(_metadata, self->dev, self->t.pid, 1, 64);
}

/*
 * ->next is 0 exactly when the last VMA is in the records: a buffer with
 * room for every VMA ends the walk in one call (its last batch fills to
 * the brim, and the module must look past it); one short of it resumes
 * after the last record.
 */
TEST_F(ioctls, vmas_next_is_zero_exactly_at_the_end)
{
	struct vmalens_vma *recs;
	struct vmalens_vmas req;
	struct maps m;
	uint32_t cap;

	ASSERT_EQ(0, read_maps(self->t.pid, &m));
	ASSERT_LT(2, m.n);
	recs = calloc(m.n, sizeof(*recs));
	ASSERT_NE(NULL, recs);
	for (cap = m.n - 1; cap <= (uint32_t)m.n; cap++) {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.pid = self->t.pid;
		req.vmas_addr = (uintptr_t)recs;
		req.vma_size = sizeof(*recs);
		req.vma_count = cap;
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_VMAS, &req)) TH_LOG("%s", strerror(errno));
		EXPECT_EQ(cap, req.vma_count);
		if (cap == (uint32_t)m.n) {
			EXPECT_EQ(0, req.next) TH_LOG("room for all %d VMAs: next 0x%llx",
						       m.n, (unsigned long long)req.next);
		} else {
			EXPECT_EQ(m.v[cap - 1].end, req.next) TH_LOG("%u of %d VMAs", cap, m.n);
		}
	}
	free(recs);
	free_maps(&m);
}

TEST_F(ioctls, vmas_name_buffer_too_small)
{
	struct vmalens_vma rec;
	struct vmalens_vmas req = {
		.size = sizeof(req), .pid = self->t.pid,
		.vmas_addr = (uintptr_t)&rec, .vma_size = sizeof(rec),
		.vma_count = 1, .names_size = 2,
	};
	char names[2];
	struct maps m;

	ASSERT_EQ(0, read_maps(self->t.pid, &m));
	ASSERT_NE(0, m.v[0].name[0]);	/* the program's file */
	req.names_addr = (uintptr_t)names;
	EXPECT_EQ(-1, ioctl(self->dev, VMALENS_IOC_VMAS, &req));
	EXPECT_EQ(ENOSPC, errno);
	free_maps(&m);
}

TEST_F_TIMEOUT(ioctls, query_each_vma_and_gap, 300)
{
	struct vmalens_query q;
	char name[4096];
	struct maps m;
	int i;

	ASSERT_EQ(0, read_maps(self->t.pid, &m));
	for (i = 0; i < m.n; i += 97) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.pid = self->t.pid;
		q.addr = m.v[i].start + (m.v[i].end - m.v[i].start) / 2;
		q.name_addr = (uintptr_t)name;
		q.name_size = sizeof(name);
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_QUERY, &q));
		EXPECT_TRUE(record_matches(&q.vma, q.name_size ? name : "", &m.v[i]))
			TH_LOG("%s", vml_err);
		EXPECT_EQ(i ? m.v[i - 1].end : 0, q.gap_start);
	}
	/* Below the first VMA: nothing covers it, the next is the first. */
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.pid = self->t.pid;
	q.addr = m.v[0].start - 1;
	EXPECT_EQ(-1, ioctl(self->dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(ENOENT, errno);
	q.flags = VMALENS_QUERY_COVERING_OR_NEXT;
	ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(m.v[0].start, q.vma.start);
	/* Without a buffer the name's size is reported... */
	EXPECT_EQ(strlen(m.v[0].name) + 1, q.name_size);
	/* ...and a buffer too small for it is refused. */
	q.name_addr = (uintptr_t)name;
	q.name_size = 2;
	EXPECT_EQ(-1, ioctl(self->dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(ENAMETOOLONG, errno);
	free_maps(&m);
}

TEST_F(ioctls, layout_equals_proc)
{
	struct vmalens_mm_layout l = { .size = sizeof(l), .pid = self->t.pid };
	unsigned long f[52];
	char path[64], *comm;
	struct maps m;

	ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_LAYOUT, &l));
	ASSERT_EQ(0, proc_stat_fields(self->t.pid, f, 52));
	EXPECT_EQ(f[26], l.start_code);
	EXPECT_EQ(f[27], l.end_code);
	EXPECT_EQ(f[28], l.start_stack);
	EXPECT_EQ(f[45], l.start_data);
	EXPECT_EQ(f[46], l.end_data);
	EXPECT_EQ(f[47], l.start_brk);
	EXPECT_EQ(f[48], l.arg_start);
	EXPECT_EQ(f[49], l.arg_end);
	EXPECT_EQ(f[50], l.env_start);
	EXPECT_EQ(f[51], l.env_end);
	EXPECT_EQ((unsigned long)sysconf(_SC_PAGESIZE), l.page_size);
	ASSERT_EQ(0, read_maps(self->t.pid, &m));
	EXPECT_EQ((unsigned long)m.n, l.map_count);
	free_maps(&m);
	EXPECT_EQ(VMALENS_MODE_TOPDOWN, l.layout);
	snprintf(path, sizeof(path), "/proc/%d/comm", self->t.pid);
	comm = slurp(path, NULL);
	ASSERT_NE(NULL, comm);
	comm[strcspn(comm, "\n")] = '\0';
	EXPECT_STREQ(comm, l.comm);
	free(comm);
}

/* --- bad input ---------------------------------------------------------- */

/* smaps' VmFlags mnemonics and the vmalens_vma.flags bits they stand for */
static const struct {
	const char *mnemonic;
	uint64_t flag;
} vmflags[] = {
	{ "rd", VMALENS_VMA_F_READ }, { "wr", VMALENS_VMA_F_WRITE },
	{ "ex", VMALENS_VMA_F_EXEC }, { "sh", VMALENS_VMA_F_SHARED },
	{ "mr", VMALENS_VMA_F_MAYREAD }, { "mw", VMALENS_VMA_F_MAYWRITE },
	{ "me", VMALENS_VMA_F_MAYEXEC }, { "ms", VMALENS_VMA_F_MAYSHARE },
	{ "gd", VMALENS_VMA_F_GROWSDOWN }, { "pf", VMALENS_VMA_F_PFNMAP },
	{ "lo", VMALENS_VMA_F_LOCKED }, { "io", VMALENS_VMA_F_IO },
	{ "sr", VMALENS_VMA_F_SEQ_READ }, { "rr", VMALENS_VMA_F_RAND_READ },
	{ "dc", VMALENS_VMA_F_DONTCOPY }, { "de", VMALENS_VMA_F_DONTEXPAND },
	{ "lf", VMALENS_VMA_F_LOCKONFAULT }, { "ac", VMALENS_VMA_F_ACCOUNT },
	{ "nr", VMALENS_VMA_F_NORESERVE }, { "ht", VMALENS_VMA_F_HUGETLB },
	{ "sf", VMALENS_VMA_F_SYNC }, { "ar", VMALENS_VMA_F_ARCH_1 },
	{ "wf", VMALENS_VMA_F_WIPEONFORK }, { "dd", VMALENS_VMA_F_DONTDUMP },
	{ "sd", VMALENS_VMA_F_SOFTDIRTY }, { "mm", VMALENS_VMA_F_MIXEDMAP },
	{ "hg", VMALENS_VMA_F_HUGEPAGE }, { "nh", VMALENS_VMA_F_NOHUGEPAGE },
	{ "mg", VMALENS_VMA_F_MERGEABLE }, { "um", VMALENS_VMA_F_UFFD_MISSING },
	{ "uw", VMALENS_VMA_F_UFFD_WP }, { "ui", VMALENS_VMA_F_UFFD_MINOR },
	{ "ss", VMALENS_VMA_F_SHADOW_STACK }, { "dp", VMALENS_VMA_F_DROPPABLE },
	{ "sl", VMALENS_VMA_F_SEALED }, { "bt", VMALENS_VMA_F_BTI },
	{ "mt", VMALENS_VMA_F_MTE }, { "dw", VMALENS_VMA_F_DENYWRITE },
	{ "gu", VMALENS_VMA_F_MAYBE_GUARD },
};

/*
 * The flags smaps' "VmFlags:" @line names; an unknown mnemonic goes to
 * @unknown, and *@unnamed counts the bits the kernel itself prints as "??"
 * (5.10 has no name for VM_LOCKONFAULT).
 */
static uint64_t smaps_flags(const char *line, char *unknown, size_t size,
			    int *unnamed)
{
	char tok[8];
	uint64_t flags = 0;
	unsigned int i;
	int n;

	while (sscanf(line, " %7s%n", tok, &n) == 1) {
		line += n;
		for (i = 0; i < sizeof(vmflags) / sizeof(vmflags[0]); i++)
			if (!strcmp(tok, vmflags[i].mnemonic))
				break;
		if (i < sizeof(vmflags) / sizeof(vmflags[0]))
			flags |= vmflags[i].flag;
		else if (!strcmp(tok, "??"))
			(*unnamed)++;
		else if (strlen(unknown) + strlen(tok) + 2 < size)
			strcat(strcat(unknown, " "), tok);
	}
	return flags;
}

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* A mapping whose middle page gets @advice; old kernels may refuse it. */
static void advised(int advice)
{
	char *p = mmap(NULL, 3 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		madvise(p + page_size(), page_size(), advice);
}

static void mapped(int prot, int flags)
{
	mmap(NULL, 2 * page_size(), prot, flags, -1, 0);
}

/*
 * A target with a VMA for each flag a process can set on itself: madvise()
 * advice, mlock and mlock-on-fault, shared, growsdown, noreserve, droppable
 * (6.11+), mseal (6.10+) and guard regions (6.13+) where the kernel has them.
 */
static void setup_flag_zoo(char *report, size_t size, void *arg)
{
	static const int advice[] = {
		MADV_DONTFORK, MADV_WIPEONFORK, MADV_DONTDUMP, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_SEQUENTIAL, MADV_RANDOM, MADV_MERGEABLE,
		102 /* MADV_GUARD_INSTALL */,
	};
	long pg = page_size();
	unsigned int i;
	char *p;

	(void)arg;
	for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++)
		advised(advice[i]);
	mapped(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	mapped(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN);
	mapped(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	mapped(PROT_READ | PROT_WRITE, 0x08 /* MAP_DROPPABLE */ | MAP_ANONYMOUS);
	mapped(PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	p = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		mlock(p + pg, pg);
	p = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		syscall(__NR_mlock2, p + pg, pg, 1 /* MLOCK_ONFAULT */);
	p = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		syscall(462 /* mseal */, p + pg, pg, 0);
	snprintf(report, size, "ready=1");
}

/*
 * For every VMA of @pid, the flags vmalens reports must be those smaps
 * names in VmFlags (and one more at most for each bit smaps prints as
 * "??").  Returns the VMAs compared.
 */
static int compare_vmflags(struct __test_metadata *_metadata, int dev, pid_t pid,
			   uint64_t *seen)
{
	char path[64], unknown[256] = "", line[1024];
	unsigned long start = 0, end = 0, lo, hi;
	struct vmalens_vma *recs;
	int n, calls, i = 0, compared = 0, unnamed;
	uint64_t want;
	char *names;
	FILE *f;

	if (bulk_read(dev, pid, 256, 1 << 16, &recs, &names, &n, &calls))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "FilePmdMapped:" scans as one hex number: keep only a whole range */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			start = lo;
			end = hi;
			while (i < n && recs[i].start < start)
				i++;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if (i == n || recs[i].start != start)
			continue;	/* x86's [vsyscall]: not in the VMA tree */
		unknown[0] = '\0';
		unnamed = 0;
		want = smaps_flags(line + 8, unknown, sizeof(unknown), &unnamed);
		/* every flag smaps names, and no more than one per "??" beside */
		EXPECT_TRUE((recs[i].flags & want) == want &&
			    __builtin_popcountll(recs[i].flags & ~want) <= unnamed)
			TH_LOG("pid %d VMA %lx-%lx: smaps %#" PRIx64 " vmalens %#" PRIx64 ": %s",
			       pid, start, end, want, (uint64_t)recs[i].flags, line);
		EXPECT_STREQ("", unknown)
			TH_LOG("pid %d VMA %lx-%lx: mnemonics vmalens lacks:%s", pid, start, end,
			       unknown);
		*seen |= want;
		compared++;
	}
	fclose(f);
	if (!compared)
		TH_LOG("pid %d: %d records from %#llx, none matched a VmFlags line of %s",
		       pid, n, n ? (unsigned long long)recs[0].start : 0ULL, path);
	free(recs);
	free(names);
	return compared;
}

TEST(vma_flags_equal_smaps_vmflags)
{
	struct target zoo = { 0 };
	uint64_t seen = 0;
	int dev = dev_open(), n, total = 0;
	unsigned int i, kinds = 0;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, target_fork(&zoo, setup_flag_zoo, NULL));
	n = compare_vmflags(_metadata, dev, zoo.pid, &seen);
	EXPECT_LT(20, n);
	total += n;
	n = compare_vmflags(_metadata, dev, 1, &seen);
	EXPECT_LT(0, n);
	total += n;
	target_kill(&zoo);
	printf("# flags seen:");
	for (i = 0; i < sizeof(vmflags) / sizeof(vmflags[0]); i++)
		if (seen & vmflags[i].flag) {
			printf(" %s", vmflags[i].mnemonic);
			kinds++;
		}
	printf("\n# %d VMAs of 2 processes, %u distinct flags, each as smaps says\n",
	       total, kinds);
	EXPECT_LE(15, kinds);
	close(dev);
}

/*
 * A target that gives the middle page of a mapping a protection key of
 * its own, where the kernel and the CPU have keys: "keyed=1 pkey=K
 * addr=A"; "keyed=0" without them.
 */
static void setup_pkey(char *report, size_t size, void *arg)
{
	long pg = page_size(), key = -1;
	char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		key = syscall(__NR_pkey_alloc, 0, 0);
	if (key >= 0 && syscall(__NR_pkey_mprotect, p + pg, pg, PROT_READ, key))
		key = -1;
	if (key < 0)
		snprintf(report, size, "keyed=0");
	else
		snprintf(report, size, "keyed=1 pkey=%ld addr=%#lx", key,
			 (unsigned long)(p + pg));
}

/* One VMA of smaps: its start, and its ProtectionKey line (-1: none). */
struct smaps_pkey {
	unsigned long start;
	int key;
};

static int read_smaps_pkeys(pid_t pid, struct smaps_pkey **out)
{
	char path[64], line[1024];
	unsigned long lo, hi;
	int n = 0, cap = 256, key;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	*out = malloc(cap * sizeof(**out));
	if (!f || !*out)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			if (n == cap) {
				cap *= 2;
				*out = realloc(*out, cap * sizeof(**out));
			}
			(*out)[n].start = lo;
			(*out)[n++].key = -1;
		} else if (n && sscanf(line, "ProtectionKey: %d", &key) == 1) {
			(*out)[n - 1].key = key;
		}
	}
	fclose(f);
	return n;
}

/*
 * Every record's pkey must be what smaps prints for that VMA, -1 where it
 * prints no ProtectionKey line.  Returns the VMAs compared; *keyed counts
 * those with a key other than 0.
 */
static int compare_pkeys(struct __test_metadata *_metadata, int dev, pid_t pid,
			 int *keyed)
{
	struct smaps_pkey *want;
	struct vmalens_vma *recs;
	int n, nw, calls, i = 0, w, compared = 0;
	char *names;

	if (bulk_read(dev, pid, 256, 1 << 16, &recs, &names, &n, &calls))
		return -1;
	nw = read_smaps_pkeys(pid, &want);
	for (w = 0; w < nw; w++) {
		while (i < n && recs[i].start < want[w].start)
			i++;
		if (i == n || recs[i].start != want[w].start)
			continue;	/* x86's [vsyscall]: not in the VMA tree */
		EXPECT_EQ(want[w].key, recs[i].pkey)
			TH_LOG("pid %d VMA %#lx: smaps ProtectionKey %d, vmalens %d",
			       pid, want[w].start, want[w].key, recs[i].pkey);
		EXPECT_EQ(0, recs[i].reserved);
		*keyed += recs[i].pkey > 0;
		compared++;
	}
	free(want);
	free(recs);
	free(names);
	return compared;
}

TEST(vma_pkey_equals_smaps_protection_key)
{
	struct target t = { 0 };
	struct vmalens_query q = { .size = sizeof(q) };
	int dev = dev_open(), keyed = 0, n;
	long key;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, target_fork(&t, setup_pkey, NULL));
	n = compare_pkeys(_metadata, dev, t.pid, &keyed);
	EXPECT_LT(5, n);
	if (report_ul(&t, "keyed")) {
		/* the key the target set, through QUERY as well as VMAS */
		key = report_ul(&t, "pkey");
		q.pid = t.pid;
		q.addr = report_ul(&t, "addr");
		ASSERT_EQ(0, ioctl(dev, VMALENS_IOC_QUERY, &q));
		EXPECT_EQ(key, q.vma.pkey);
		EXPECT_EQ(q.addr, q.vma.start);
		EXPECT_LE(1, keyed);
		printf("# %d VMAs, %d with a key of their own (the target's %ld), as smaps says\n",
		       n, keyed, key);
	} else {
		printf("# %d VMAs as smaps says; no protection keys on this kernel or CPU\n",
		       n);
	}
	target_kill(&t);
	close(dev);
}

TEST(bad_requests)
{
	struct vmalens_vma rec;
	struct vmalens_vmas v = { .size = sizeof(v), .vmas_addr = (uintptr_t)&rec,
				  .vma_size = sizeof(rec), .vma_count = 1 };
	struct vmalens_query q = { .size = sizeof(q) };
	struct vmalens_mm_layout l = { .size = sizeof(l) };
	int dev = dev_open();

	ASSERT_LE(0, dev);
	/* The caller itself (pid 0) works. */
	ASSERT_EQ(0, ioctl(dev, VMALENS_IOC_VMAS, &v));
	EXPECT_EQ(1, v.vma_count);
	ASSERT_EQ(0, ioctl(dev, VMALENS_IOC_LAYOUT, &l));

	l.size = 8;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_LAYOUT, &l));
	EXPECT_EQ(EINVAL, errno);
	l.size = sizeof(l);
	l.flags = 1;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_LAYOUT, &l));
	EXPECT_EQ(EINVAL, errno);
	l.flags = 0;
	l.pid = 0x7ffffff0;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_LAYOUT, &l));
	EXPECT_EQ(ESRCH, errno);
	l.pid = 2;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_LAYOUT, &l));
	EXPECT_EQ(ENXIO, errno);

	v.vma_count = 1;
	v.vma_size = 32;		/* smaller than any record version */
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_VMAS, &v));
	EXPECT_EQ(EINVAL, errno);
	v.vma_size = sizeof(rec);
	v.names_size = 16;		/* a size without a buffer */
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_VMAS, &v));
	EXPECT_EQ(EINVAL, errno);
	v.names_size = 0;
	v.vmas_addr = 0x10;		/* unmapped */
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_VMAS, &v));
	EXPECT_EQ(EFAULT, errno);
	v.vmas_addr = (uintptr_t)-4096;	/* not user memory */
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_VMAS, &v));
	EXPECT_EQ(EFAULT, errno);

	q.flags = 0x80;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.flags = 0;
	q.reserved = 1;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.reserved = 0;
	q.size = 4096 + 8;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_QUERY, &q));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(dev);
}

/* VMALENS_IOC_ASLR about FILE (VMALENS_ASLR_FILE), or -errno. */
static int aslr_of_file(int dev, const char *file, struct vmalens_aslr *a)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = VMALENS_ASLR_FILE;
	a->file_fd = fd;
	if (ioctl(dev, VMALENS_IOC_ASLR, a))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The mmap_file region judges the file it is given: a file on the
 * guest's tmpfs root, or a memfd, is page aligned, as shmem without
 * huge= leaves it; a file on ext4 (the bed's disk, where there is one)
 * is PMD aligned since 5.18, its bits mmap_rnd_bits less the PMD's page
 * bits (not for 32-bit processes since 6.8 and stable 6.1.y).  Requests
 * that name no usable file are refused with their documented errno.
 */
TEST(aslr_judges_the_file_given)
{
	const struct vmalens_aslr_bits *r;
	long page = sysconf(_SC_PAGESIZE), pmd_shift;
	struct vmalens_aslr a = { .size = sizeof(a) };
	int dev = dev_open(), release, memfd, lost;
	char memfd_path[64];

	ASSERT_LE(0, dev);
	pmd_shift = __builtin_ctzl(vml_pmd_size());
	r = &a.regions[VMALENS_ASLR_MMAP_FILE];

	ASSERT_EQ(0, aslr_of_file(dev, "/opt/vmalens/bin/vmalens", &a));
	EXPECT_EQ(VMALENS_ASLR_NR_REGIONS, a.nr_regions);
	EXPECT_EQ(__builtin_ctzl(page), r->shift) TH_LOG("source %s", r->source);
	EXPECT_EQ(a.mmap_rnd_bits, r->bits);

	memfd = memfd_create("vmalens-aslr", 0);
	ASSERT_LE(0, memfd);
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	ASSERT_EQ(0, aslr_of_file(dev, memfd_path, &a));
	EXPECT_EQ(__builtin_ctzl(page), r->shift);
	EXPECT_STREQ("shmem_get_unmapped_area", r->source);
	close(memfd);

	release = 0;
	if (!access(VML_EXT4_FILE, R_OK)) {
		release = vml_kernel_release();
		ASSERT_LT(0, release);
		ASSERT_EQ(0, aslr_of_file(dev, VML_EXT4_FILE, &a));
		lost = release >= 518 ? pmd_shift - __builtin_ctzl(page) : 0;
		TH_LOG("ext4 on release %d: %d bits from bit %d (compat %d from %d), %s", release,
		       r->bits, r->shift, r->compat_bits, r->compat_shift, r->source);
		EXPECT_STREQ("thp_get_unmapped_area", r->source);
		EXPECT_EQ(lost ? pmd_shift : __builtin_ctzl(page), r->shift);
		EXPECT_EQ(a.mmap_rnd_bits > lost ? a.mmap_rnd_bits - lost : 0, r->bits);
		/* not for 32-bit processes: 6.8, and stable 6.1.y */
		if (a.mmap_rnd_compat_bits >= 0)
			EXPECT_EQ(a.mmap_rnd_compat_bits, r->compat_bits);
	}

	/* the flag needs the struct that holds file_fd */
	a.size = VMALENS_ASLR_SIZE_VER0;
	a.flags = VMALENS_ASLR_FILE;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_ASLR, &a));
	EXPECT_EQ(EINVAL, errno);
	a.size = sizeof(a);
	a.file_fd = -1;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_ASLR, &a));
	EXPECT_EQ(EBADF, errno);
	a.file_fd = 0;
	a.reserved = 1;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_ASLR, &a));
	EXPECT_EQ(EINVAL, errno);
	a.reserved = 0;
	a.flags = 2;
	EXPECT_EQ(-1, ioctl(dev, VMALENS_IOC_ASLR, &a));
	EXPECT_EQ(EINVAL, errno);
	if (!release)
		SKIP(close(dev); return, "no ext4 disk in this guest: tmpfs and memfd only");
	close(dev);
}

TEST_HARNESS_MAIN
