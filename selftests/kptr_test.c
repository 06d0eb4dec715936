// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens never shows a kernel pointer.  Every output is scanned for
 * values in the kernel half of the address space: each debugfs file, every
 * address-sized field of each ioctl's answer, and the plain and --json text
 * of each CLI command, all about a child process.  Text is scanned for hex
 * (with or without 0x) and decimal numbers, negative ones included.
 *
 * Judged explicitly, and allowed:
 *  - 0xffffffffffffffff (~0ULL, printed -1 or 18446744073709551615): a
 *    sentinel, not an address;
 *  - negative decimals down to -2^32 (errnos, -1): small numbers, not an
 *    address's two's complement;
 *  - the x86_64 vsyscall page 0xffffffffff600000-0xffffffffff601000: a fixed
 *    user-visible ABI address that /proc/PID/maps shows too;
 *  - the flag words vm_flags and result_flags: bit 63 is VM_SEALED (6.10+).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#if defined(__aarch64__)
#define KERNEL_HALF	0xffff000000000000ULL
#else
#define KERNEL_HALF	0xffff800000000000ULL
#endif
#define VSYSCALL_START	0xffffffffff600000ULL
#define VSYSCALL_END	0xffffffffff601000ULL

static int leaks;

static bool is_kernel(uint64_t v)
{
	if (v < KERNEL_HALF || v == ~0ULL)
		return false;
#if defined(__x86_64__)
	if (v == VSYSCALL_START || v == VSYSCALL_END)
		return false;
#endif
	return true;
}

static void leak(const char *where, uint64_t v, const char *ctx, int len)
{
	if (leaks++ < 20)
		printf("# LEAK in %s: %#" PRIx64 " near '%.*s'\n", where, v, len, ctx);
}

static bool hexch(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool alnum(char c)
{
	return hexch(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') ||
	       c == '_';
}

/*
 * Every number in TEXT: 0x-prefixed or bare hex (a token of hex digits
 * with a letter, as /proc/PID/maps prints ranges), decimal, and decimal
 * with a minus sign that is not a range's dash.
 */
static void scan_text(const char *where, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *s = p, *ctx = p > text + 20 ? p - 20 : text;
		bool neg = false, hex = false, letters = false;
		uint64_t v = 0;
		size_t n;

		if (!alnum(*p)) {
			p++;
			continue;
		}
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexch(p[2])) {
			s = p += 2;
			hex = true;
		}
		n = strspn(p, "0123456789abcdefABCDEF");
		if (alnum(p[n])) {	/* a word, not a number: skip it */
			while (alnum(*p))
				p++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			letters |= !(p[i] >= '0' && p[i] <= '9');
		if (hex || letters) {
			if (n > 16)
				n = 16, leak(where, ~1ULL, ctx, 40);	/* wider than an address */
			for (size_t i = 0; i < n; i++)
				v = v << 4 | (uint64_t)(hexch(p[i]) && p[i] > '9' ?
					(p[i] | 0x20) - 'a' + 10 : p[i] - '0');
		} else {
			errno = 0;
			v = strtoull(p, NULL, 10);
			if (errno == ERANGE)
				leak(where, ~1ULL, ctx, 40);
			neg = s > text && s[-1] == '-' &&
			      (s == text + 1 || !alnum(s[-2]));
		}
		p += n;
		if (neg) {
			/* -N: small negatives are errnos and -1, not addresses */
			if (v > (1ULL << 32))
				v = -v;
			else
				continue;
		}
		if (is_kernel(v))
			leak(where, v, ctx, (int)(p - ctx) + 4);
	}
}

/* Address-sized fields: every __u64 but the flag words. */
static void scan_u64(const char *where, const void *base, const size_t *offs,
		     int n)
{
	char what[128];
	int i;

	for (i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)base + offs[i], sizeof(v));
		if (is_kernel(v)) {
			snprintf(what, sizeof(what), "%s field at offset %zu",
				 where, offs[i]);
			leak(what, v, "", 0);
		}
	}
}

#define O(type, f)	offsetof(struct type, f)
#define N(a)		((int)(sizeof(a) / sizeof((a)[0])))

static const size_t layout_u64[] = {
	O(vmalens_mm_layout, mmap_base), O(vmalens_mm_layout, mmap_legacy_base),
	O(vmalens_mm_layout, mmap_compat_base),
	O(vmalens_mm_layout, mmap_compat_legacy_base),
	O(vmalens_mm_layout, task_size), O(vmalens_mm_layout, start_code),
	O(vmalens_mm_layout, end_code), O(vmalens_mm_layout, start_data),
	O(vmalens_mm_layout, end_data), O(vmalens_mm_layout, start_brk),
	O(vmalens_mm_layout, brk), O(vmalens_mm_layout, start_stack),
	O(vmalens_mm_layout, arg_start), O(vmalens_mm_layout, arg_end),
	O(vmalens_mm_layout, env_start), O(vmalens_mm_layout, env_end),
	O(vmalens_mm_layout, vdso), O(vmalens_mm_layout, map_count),
	O(vmalens_mm_layout, total_vm), O(vmalens_mm_layout, page_size),
	O(vmalens_mm_layout, stack_guard_gap), O(vmalens_mm_layout, mmap_min_addr),
};
static const size_t vma_u64[] = {	/* vm_flags: a flag word */
	O(vmalens_vma, start), O(vmalens_vma, end), O(vmalens_vma, offset),
	O(vmalens_vma, inode),
};
static const size_t vmas_u64[] = {
	O(vmalens_vmas, start), O(vmalens_vmas, vmas_addr),
	O(vmalens_vmas, names_addr), O(vmalens_vmas, names_size),
	O(vmalens_vmas, next),
};
static const size_t query_u64[] = {
	O(vmalens_query, addr), O(vmalens_query, name_addr),
	O(vmalens_query, gap_start),
};
static const size_t ua_u64[] = {	/* result_flags: a flag word */
	O(vmalens_unmapped_area, hint), O(vmalens_unmapped_area, len),
	O(vmalens_unmapped_area, pgoff), O(vmalens_unmapped_area, addr),
	O(vmalens_unmapped_area, gap_start), O(vmalens_unmapped_area, gap_end),
	O(vmalens_unmapped_area, random_start), O(vmalens_unmapped_area, random_end),
};
static const size_t version_u64[] = { O(vmalens_version, page_size) };
static const size_t aslr_u64[] = {
	O(vmalens_aslr, page_size), O(vmalens_aslr, stack_rnd_mask),
	O(vmalens_aslr, stack_rnd_compat_mask),
	O(vmalens_aslr, stack_subpage_range), O(vmalens_aslr, brk_range),
	O(vmalens_aslr, brk_compat_range),
};

/* The strings inside a struct, bounded by their arrays. */
static void scan_str(const char *where, const char *s, size_t size)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)size, s);
	scan_text(where, buf);
}

FIXTURE(kptr) {
	struct target t;
	int dev;
};

FIXTURE_SETUP(kptr)
{
	leaks = 0;
	ASSERT_EQ(0, target_fork(&self->t, setup_many_vmas, &(int){ 16 }));
	self->dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", VMALENS_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(kptr)
{
	target_kill(&self->t);
	close(self->dev);
}

/* The scanner itself must see what it looks for (and nothing else). */
TEST(scanner_finds_kernel_addresses)
{
	static const char *const bad[] = {
		"x ffff888003a1c000 y", "0xffffffff81000000", "18446612682070835200",
		"-131387495358464", "addr=0xffff000012345678,",
	};
	static const char *const fine[] = {
		"7ffc1234a000-7ffc1234b000 rw-p", "-1", "-22", "18446744073709551615",
		"0xffffffffffffffff", "deadbeefcafe", "ffffffffff600000-ffffffffff601000",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		leaks = 0;
		scan_text("self-test", bad[i]);
#if defined(__x86_64__)	/* non-canonical there, not the kernel half */
		if (strstr(bad[i], "ffff000012345678"))
			continue;
#endif
		EXPECT_EQ(1, leaks) TH_LOG("'%s' not caught", bad[i]);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		leaks = 0;
		scan_text("self-test", fine[i]);
#if !defined(__x86_64__)
		if (strstr(fine[i], "ff600000"))
			continue;
#endif
		EXPECT_EQ(0, leaks) TH_LOG("'%s' flagged", fine[i]);
	}
	leaks = 0;
}

TEST_F(kptr, debugfs_files)
{
	struct dirent *d;
	DIR *dir = opendir(VMALENS_DIR);
	int files = 0;

	if (!dir)
		SKIP(return, "no debugfs");
	while ((d = readdir(dir))) {
		char path[300], *text = NULL;
		bool per_pid = !strcmp(d->d_name, "vmas") ||
			       !strcmp(d->d_name, "layout");
		int ret;

		if (d->d_name[0] == '.')
			continue;
		ret = vml_read(d->d_name, per_pid ? self->t.pid : -1, &text);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", d->d_name, strerror(-ret));
		snprintf(path, sizeof(path), "debugfs %s", d->d_name);
		scan_text(path, text);
		free(text);
		files++;
	}
	closedir(dir);
	printf("# %d debugfs files scanned\n", files);
	EXPECT_LE(5, files);
	EXPECT_EQ(0, leaks);
}

TEST_F(kptr, ioctl_answers)
{
	static struct vmalens_vma rec[4096];
	static char names[1 << 20];
	struct vmalens_mm_layout l = { .size = sizeof(l), .pid = self->t.pid };
	struct vmalens_vmas v = {
		.size = sizeof(v), .pid = self->t.pid,
		.vmas_addr = (uintptr_t)rec, .vma_size = sizeof(rec[0]),
		.vma_count = 4096, .names_addr = (uintptr_t)names,
		.names_size = sizeof(names),
	};
	struct vmalens_version ver = { .size = sizeof(ver) };
	struct vmalens_aslr a = { .size = sizeof(a) };
	unsigned int i, mode, records = 0;
	char where[64];

	ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_LAYOUT, &l));
	scan_u64("LAYOUT", &l, layout_u64, N(layout_u64));
	scan_str("LAYOUT comm", l.comm, sizeof(l.comm));

	do {
		v.start = v.next;
		v.vma_count = 4096;
		v.names_size = sizeof(names);
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_VMAS, &v));
		scan_u64("VMAS", &v, vmas_u64, N(vmas_u64));
		for (i = 0; i < v.vma_count; i++, records++) {
			struct vmalens_query q = {
				.size = sizeof(q), .pid = self->t.pid,
				.addr = rec[i].start,
			};

			snprintf(where, sizeof(where), "VMAS record %u", records);
			scan_u64(where, &rec[i], vma_u64, N(vma_u64));
			if (rec[i].name_len)
				scan_text(where, names + rec[i].name_off);
			ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_QUERY, &q));
			scan_u64("QUERY", &q, query_u64, N(query_u64));
			scan_u64("QUERY vma", &q.vma, vma_u64, N(vma_u64));
		}
	} while (v.next);

	for (mode = 0; mode <= VMALENS_MODE_BOTTOMUP; mode++)
		for (i = 0; i < 4; i++) {
			static const uint32_t flags[] = {
				MAP_PRIVATE | MAP_ANONYMOUS,
				MAP_SHARED | MAP_ANONYMOUS,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
#ifdef MAP_32BIT	/* x86: the randomized low-4G search */
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
#else
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
#endif
			};
			struct vmalens_unmapped_area u = {
				.size = sizeof(u), .pid = self->t.pid,
				.len = i == 1 ? 2 << 20 : 4096, .fd = -1,
				.prot = PROT_READ, .mmap_flags = flags[i],
				.mode = mode, .hint = i == 2 ? l.mmap_base : 0,
			};

			ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_UNMAPPED_AREA, &u));
			snprintf(where, sizeof(where), "UNMAPPED_AREA mode %u flags %#x",
				 mode, flags[i]);
			scan_u64(where, &u, ua_u64, N(ua_u64));
		}

	{
		struct vmalens_unmapped_area reqs[3];
		struct vmalens_unmapped_area_batch b = {
			.size = sizeof(b), .pid = self->t.pid,
			.reqs_addr = (uintptr_t)reqs, .req_size = sizeof(reqs[0]),
			.count = 3,
		};

		for (i = 0; i < 3; i++)
			reqs[i] = (struct vmalens_unmapped_area){
				.size = sizeof(reqs[0]), .len = 4096 << i,
				.fd = -1, .prot = PROT_READ, .mode = i,
				.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS,
			};
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_UNMAPPED_AREA_BATCH, &b));
		for (i = 0; i < 3; i++)
			scan_u64("UNMAPPED_AREA_BATCH", &reqs[i], ua_u64, N(ua_u64));
	}
	ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_VERSION, &ver));
	scan_u64("VERSION", &ver, version_u64, N(version_u64));
	scan_str("VERSION version", ver.version, sizeof(ver.version));
	ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_ASLR, &a));
	scan_u64("ASLR", &a, aslr_u64, N(aslr_u64));
	for (i = 0; i < sizeof(a.regions) / sizeof(a.regions[0]); i++)
		scan_str("ASLR source", a.regions[i].source,
			 sizeof(a.regions[i].source));
	printf("# %u VMA records, %u queries, 12 + 3 batched dry-runs scanned\n", records,
	       records);
	EXPECT_EQ(0, leaks);
}

TEST_F_TIMEOUT(kptr, cli_commands, 300)
{
	char pid[16], addr[32], *out;
	const char *cmds[][6] = {
		{ "show", pid }, { "vmas", pid }, { "query", pid, addr },
		{ "probe", pid, "--len", "1M" }, { "layout", pid }, { "tasks" },
		{ "aslr", "--samples", "8" }, { "version" },
	};
	unsigned int i, json, scanned = 0;

	snprintf(pid, sizeof(pid), "%d", self->t.pid);
	snprintf(addr, sizeof(addr), "%#lx", report_ul(&self->t, "addr"));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		for (json = 0; json < 2; json++) {
			char *argv[10] = { "vmalens" }, where[96];
			int k, n = 1, ret;

			for (k = 0; k < 6 && cmds[i][k]; k++)
				argv[n++] = (char *)cmds[i][k];
			if (json)
				argv[n++] = "--json";
			ret = run_cmd(argv, 120, &out);
			snprintf(where, sizeof(where), "vmalens %s%s", cmds[i][0],
				 json ? " --json" : "");
			EXPECT_EQ(0, ret) TH_LOG("%s: exit %d: %.300s", where, ret, out);
			scan_text(where, out);
			scanned += strlen(out);
			free(out);
		}
	printf("# %u bytes of CLI output scanned\n", scanned);
	EXPECT_EQ(0, leaks);
}

TEST_HARNESS_MAIN
