// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens aslr against the kernel's own knobs: the mmap_base bits that vary
 * across fresh processes follow vm.mmap_rnd_bits (and the compat value),
 * and kernel.randomize_va_space / ADDR_NO_RANDOMIZE switch the regions on
 * and off as binfmt_elf says; children forked from one parent without
 * exec (Android's zygote) all have its layout.  Each case runs "vmalens
 * --json aslr" (the CLI on PATH) and reads its JSON minimally.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"

#define RVS_SYSCTL		"/proc/sys/kernel/randomize_va_space"
#define RND_SYSCTL		"/proc/sys/vm/mmap_rnd_bits"
#define RND_COMPAT_SYSCTL	"/proc/sys/vm/mmap_rnd_compat_bits"
#define BITS_SAMPLES		200	/* enough for every bit of 33 to flip */
#define SWITCH_SAMPLES		50
#define FORK_SAMPLES		40
#define PAIR_SAMPLES		600	/* log2(600) = 9.2: counting stops there */

static const char *const regions[] = {
	"mmap_base", "mmap_first", "stack", "heap", "exec", "vdso", "mmap_file",
};

#define NR_REGIONS	(sizeof(regions) / sizeof(regions[0]))

/* The whole JSON output of "vmalens --json aslr ARGS", or NULL. */
static char *run_aslr(const char *args)
{
	char cmd[256], *out = NULL;
	size_t len = 0, n;
	FILE *p, *m;
	char buf[4096];

	snprintf(cmd, sizeof(cmd), "vmalens --json aslr %s 2>&1", args);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	m = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	if (pclose(p) != 0) {
		snprintf(vml_err, sizeof(vml_err), "%s: %s", cmd, out);
		free(out);
		return NULL;
	}
	return out;
}

/* The object of REGION in the "regions" array, up to the next region. */
static const char *region_obj(const char *json, const char *region)
{
	char key[64];

	snprintf(key, sizeof(key), "\"region\":\"%s\"", region);
	return strstr(json, key);
}

static double region_double(const char *json, const char *region, const char *name)
{
	const char *obj = region_obj(json, region), *p;
	char key[64];

	if (!obj)
		return -1;
	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(obj, key);
	return p ? strtod(p + strlen(key), NULL) : -1;
}

static long region_num(const char *json, const char *region, const char *name)
{
	return (long)region_double(json, region, name);
}

/*
 * A figure of the "mappings" entry (aslr --exec) whose name contains
 * @name_part; -1 if there is none.
 */
static double mapping_double(const char *json, const char *name_part, const char *key)
{
	const char *p = strstr(json, "\"mappings\":["), *end;
	char k[64];

	p = p ? strstr(p, name_part) : NULL;
	if (!p)
		return -1;
	end = strchr(p, '}');
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(p, k);
	return p && end && p < end ? strtod(p + strlen(k), NULL) : -1;
}

static long mapping_num(const char *json, const char *name_part, const char *key)
{
	return (long)mapping_double(json, name_part, key);
}

static const char *region_verdict(const char *json, const char *region)
{
	static char v[64];
	const char *obj = region_obj(json, region), *p;

	if (!obj || !(p = strstr(obj, "\"verdict\":\"")))
		return "?";
	p += strlen("\"verdict\":\"");
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(p, "\""), p);
	return v;
}

static long module_key(const char *key)
{
	char *text, *p, k[64];
	long val = -1;

	if (vml_read("aslr", -1, &text))
		return -1;
	snprintf(k, sizeof(k), "\n%s: ", key);
	p = strstr(text, k);
	if (p)
		val = strtol(p + strlen(k), NULL, 10);
	free(text);
	return val;
}

FIXTURE(aslr) {
	long saved_rvs, saved_bits, saved_compat_bits;
	char *json;
};

FIXTURE_SETUP(aslr)
{
	self->saved_rvs = read_long_file(RVS_SYSCTL);
	self->saved_bits = read_long_file(RND_SYSCTL);
	self->saved_compat_bits = read_long_file(RND_COMPAT_SYSCTL);
	self->json = NULL;
	ASSERT_LE(0, self->saved_rvs);
	ASSERT_LE(0, self->saved_bits);
}

FIXTURE_TEARDOWN(aslr)
{
	write_long_file(RVS_SYSCTL, self->saved_rvs);
	write_long_file(RND_SYSCTL, self->saved_bits);
	if (self->saved_compat_bits >= 0)
		write_long_file(RND_COMPAT_SYSCTL, self->saved_compat_bits);
	free(self->json);
}

/* Bits of REGION that varied, against the sysctl value, +-1 (a borrow). */
static void expect_bits(struct __test_metadata *_metadata, const char *json,
			const char *region, long want)
{
	long varying = region_num(json, region, "varying_bits");

	TH_LOG("%s: %ld bits vary, sysctl says %ld", region, varying, want);
	EXPECT_TRUE(varying >= want && varying <= want + 1);
	/* the estimate tracks it too */
	EXPECT_LE(want - 1, region_num(json, region, "bits"));
	EXPECT_EQ(want, region_num(json, region, "configured_bits"));
	EXPECT_STREQ("OK", region_verdict(json, region));
}

static void check_rnd_bits(struct __test_metadata *_metadata, char **json,
			   long bits)
{
	char args[32];

	ASSERT_EQ(0, write_long_file(RND_SYSCTL, bits)) TH_LOG("set %ld", bits);
	snprintf(args, sizeof(args), "--samples %d", BITS_SAMPLES);
	free(*json);
	*json = run_aslr(args);
	ASSERT_NE(NULL, *json) TH_LOG("%s", vml_err);
	expect_bits(_metadata, *json, "mmap_base", bits);
	expect_bits(_metadata, *json, "mmap_first", bits);
}

TEST_F(aslr, mmap_rnd_bits_min)
{
	long min = module_key("mmap_rnd_bits_min");

	ASSERT_LT(0, min) TH_LOG("module reports no mmap_rnd_bits_min");
	check_rnd_bits(_metadata, &self->json, min);
}

TEST_F(aslr, mmap_rnd_bits_max)
{
	long max = module_key("mmap_rnd_bits_max");

	ASSERT_LT(0, max) TH_LOG("module reports no mmap_rnd_bits_max");
	check_rnd_bits(_metadata, &self->json, max);
}

/* One value written to the sysctl that the kernel must refuse. */
TEST_F(aslr, mmap_rnd_bits_range_is_the_kernels)
{
	long max = module_key("mmap_rnd_bits_max");

	ASSERT_LT(0, max);
	EXPECT_NE(0, write_long_file(RND_SYSCTL, max + 1));
	EXPECT_EQ(self->saved_bits, read_long_file(RND_SYSCTL));
}

static void check_switch(struct __test_metadata *_metadata, char **json,
			 const char *const want[6])
{
	char args[32];
	int i;

	snprintf(args, sizeof(args), "--samples %d", SWITCH_SAMPLES);
	*json = run_aslr(args);
	ASSERT_NE(NULL, *json) TH_LOG("%s", vml_err);
	for (i = 0; i < 6; i++) {
		const char *got = region_verdict(*json, regions[i]);

		if (!strcmp(want[i], "randomized")) {
			EXPECT_TRUE(!strcmp(got, "OK") ||
				    !strcmp(got, "WEAKER THAN CONFIGURED"))
				TH_LOG("%s: %s, want randomized", regions[i], got);
		} else {
			EXPECT_STREQ(want[i], got) TH_LOG("%s", regions[i]);
		}
	}
}

TEST_F(aslr, randomize_va_space_0)
{
	const char *const want[] = { "NOT RANDOMIZED", "NOT RANDOMIZED",
		"NOT RANDOMIZED", "NOT RANDOMIZED", "NOT RANDOMIZED",
		"NOT RANDOMIZED" };

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 0));
	check_switch(_metadata, &self->json, want);
	EXPECT_EQ(0, region_num(self->json, "mmap_base", "theoretical_bits"));
}

TEST_F(aslr, randomize_va_space_1)
{
	const char *const want[] = { "randomized", "randomized", "randomized",
		"NOT RANDOMIZED", "randomized", "randomized" };

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 1));
	check_switch(_metadata, &self->json, want);
}

/* The measured bits of every region, for the record (x100). */
static void log_bits(struct __test_metadata *_metadata, const char *json)
{
	unsigned int i;

	for (i = 0; i < NR_REGIONS; i++) {
		const char *obj = region_obj(json, regions[i]), *b, *t;

		b = obj ? strstr(obj, "\"bits\":") : NULL;
		t = obj ? strstr(obj, "\"theoretical_bits\":") : NULL;
		if (!b || !t)
			continue;
		TH_LOG("%-10s bits %.1f theoretical %.1f varying %ld distinct %ld",
		       regions[i], strtod(b + 7, NULL), strtod(t + 19, NULL),
		       region_num(json, regions[i], "varying_bits"),
		       region_num(json, regions[i], "distinct"));
	}
}

TEST_F(aslr, randomize_va_space_2)
{
	const char *const want[] = { "OK", "OK", "OK", "OK", "OK", "OK" };

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	check_switch(_metadata, &self->json, want);
	log_bits(_metadata, self->json);
}

/* setarch -R: the personality survives fork and exec into every sample. */
TEST_F(aslr, addr_no_randomize)
{
	const char *const want[] = { "NOT RANDOMIZED", "NOT RANDOMIZED",
		"NOT RANDOMIZED", "NOT RANDOMIZED", "NOT RANDOMIZED",
		"NOT RANDOMIZED" };

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	ASSERT_NE(-1, personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	check_switch(_metadata, &self->json, want);
	personality(PER_LINUX);
}

TEST_F(aslr, compat_bits)
{
	long max = module_key("mmap_rnd_compat_bits_max"), bits;
	char args[32];
	int i;

	if (self->saved_compat_bits < 0 || max < 0)
		SKIP(return, "no vm.mmap_rnd_compat_bits on this kernel");
	for (i = 0; i < 2; i++) {
		bits = i ? max : self->saved_compat_bits;
		ASSERT_EQ(0, write_long_file(RND_COMPAT_SYSCTL, bits));
		snprintf(args, sizeof(args), "--compat --samples %d", BITS_SAMPLES / 2);
		free(self->json);
		self->json = run_aslr(args);
		if (!self->json && strstr(vml_err, "cannot start"))
			SKIP(return, "cannot run 32-bit programs: %.200s", vml_err);
		ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
		ASSERT_NE(NULL, strstr(self->json, "\"compat\":true"));
		/* x86's ia32 tasks map from mmap_compat_base: mmap_first */
		expect_bits(_metadata, self->json, "mmap_first", bits);
		log_bits(_metadata, self->json);
	}
}

/*
 * The birthday estimate sees the configured bits, within one, where
 * counting distinct values cannot (Shannon <= log2(600)); the verdict
 * goes by the bits, the samples being a uniform draw.
 */
TEST_F(aslr, collision_estimate_sees_past_counting)
{
	long min = module_key("mmap_rnd_bits_min");
	const char *binding;
	double coll, shannon;
	char args[32];

	ASSERT_LT(0, min);
	ASSERT_EQ(0, write_long_file(RND_SYSCTL, min));
	snprintf(args, sizeof(args), "--samples %d", PAIR_SAMPLES);
	self->json = run_aslr(args);
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	coll = region_double(self->json, "mmap_base", "collision_bits");
	shannon = region_double(self->json, "mmap_base", "shannon");
	binding = strstr(region_obj(self->json, "mmap_base"), "\"binding\":\"");
	TH_LOG("mmap_rnd_bits %ld: collision %.2f [%.2f, %.2f], shannon %.2f, min-entropy %.2f",
	       min, coll, region_double(self->json, "mmap_base", "collision_low"),
	       region_double(self->json, "mmap_base", "collision_high"), shannon,
	       region_double(self->json, "mmap_base", "min_entropy"));
	EXPECT_LE(min - 1, coll);
	EXPECT_GE(min + 1, coll);
	EXPECT_GT(min - 1, shannon);
	ASSERT_NE(NULL, binding);
	EXPECT_EQ(0, strncmp(binding, "\"binding\":\"bits\"", 16));
}

/*
 * Siblings forked from one sampler: every region the same in all of them
 * (0 bits; they share every bit the exec'd samples show), while children
 * of the same parent that exec again are as random as exec'd samples.
 */
static void check_forked(struct __test_metadata *_metadata, const char *json)
{
	const char *fork = strstr(json, "\"fork\":{"), *fexec = strstr(json, "\"fork_exec\":{");
	double exec_bits, fork_bits, shared, fe_bits;
	unsigned int i;

	ASSERT_NE(NULL, fork) TH_LOG("no fork object: %.300s", json);
	ASSERT_NE(NULL, fexec) TH_LOG("no fork_exec object: %.300s", json);
	for (i = 0; i < NR_REGIONS; i++) {
		exec_bits = region_double(json, regions[i], "bits");
		fork_bits = region_double(fork, regions[i], "bits");
		shared = region_double(fork, regions[i], "shared_bits");
		fe_bits = region_double(fexec, regions[i], "bits");
		TH_LOG("%-10s exec'd %.1f forked %.1f (%ld distinct) shared %.1f fork+exec %.1f",
		       regions[i], exec_bits, fork_bits, region_num(fork, regions[i], "distinct"),
		       shared, fe_bits);
		EXPECT_EQ(1, region_num(fork, regions[i], "distinct")) TH_LOG("%s", regions[i]);
		EXPECT_EQ(0, fork_bits);
		EXPECT_LT(0, exec_bits) TH_LOG("%s not randomized", regions[i]);
		EXPECT_TRUE(shared > exec_bits - 0.01 && shared < exec_bits + 0.01);
		EXPECT_LT(1, region_num(fexec, regions[i], "distinct")) TH_LOG("%s", regions[i]);
		EXPECT_LE(exec_bits - 1, fe_bits) TH_LOG("%s", regions[i]);
	}
}

TEST_F(aslr, fork_siblings_share_every_bit)
{
	char args[64];

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--fork --fork-exec --samples %d", FORK_SAMPLES);
	self->json = run_aslr(args);
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	check_forked(_metadata, self->json);
}

TEST_F(aslr, fork_siblings_share_every_bit_compat)
{
	char args[64];

	if (self->saved_compat_bits < 0)
		SKIP(return, "no vm.mmap_rnd_compat_bits on this kernel");
	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--compat --fork --fork-exec --samples %d", FORK_SAMPLES);
	self->json = run_aslr(args);
	if (!self->json && strstr(vml_err, "cannot start"))
		SKIP(return, "cannot run 32-bit programs: %.200s", vml_err);
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	ASSERT_NE(NULL, strstr(self->json, "\"compat\":true"));
	check_forked(_metadata, self->json);
}

/*
 * --exec: a program of one's own, stopped by PTRACE_TRACEME at its exec
 * and run to its entry point.  The sampler is a static PIE, so every
 * region moves, the load base with mmap_rnd_bits; at its entry it has
 * mapped nothing yet (no interpreter either): no mmap_first.  Its named
 * mappings move as the regions do: the program's lowest VMA with
 * start_code, [vdso] with the vdso.  A program that does not exist, or
 * whose library is missing (its interpreter exits before the entry
 * point), is an error, exit 1.
 */
TEST_F(aslr, exec_samples_the_program_given)
{
	char args[256];
	int i;

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--samples %d --exec /opt/vmalens/bin/vmalens-aslr-sampler",
		 SWITCH_SAMPLES);
	self->json = run_aslr(args);
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	EXPECT_NE(NULL, strstr(self->json,
			       "\"program\":\"/opt/vmalens/bin/vmalens-aslr-sampler\""));
	for (i = 0; i < 6; i++) {
		if (!strcmp(regions[i], "mmap_first"))
			continue;
		EXPECT_EQ(SWITCH_SAMPLES, region_num(self->json, regions[i], "samples"))
			TH_LOG("%s", regions[i]);
		EXPECT_LT(1, region_num(self->json, regions[i], "distinct")) TH_LOG("%s", regions[i]);
	}
	EXPECT_STREQ("ABSENT", region_verdict(self->json, "mmap_first"));
	/* the sampler maps no file of ours when it is the program given */
	EXPECT_STREQ("ABSENT", region_verdict(self->json, "mmap_file"));
	EXPECT_STREQ("OK", region_verdict(self->json, "exec"));
	EXPECT_NE(NULL, strstr(self->json, "\"stopped_at\":\"entry\""));
	EXPECT_EQ(SWITCH_SAMPLES, mapping_num(self->json, "/vmalens-aslr-sampler\"", "samples"));
	EXPECT_EQ(region_num(self->json, "exec", "distinct"),
		  mapping_num(self->json, "/vmalens-aslr-sampler\"", "distinct"));
	EXPECT_EQ(SWITCH_SAMPLES, mapping_num(self->json, "\"[vdso]\"", "samples"));
	EXPECT_EQ(region_num(self->json, "vdso", "distinct"),
		  mapping_num(self->json, "\"[vdso]\"", "distinct"));
	log_bits(_metadata, self->json);
	free(self->json);
	self->json = run_aslr("--samples 2 --exec /no/such/program");
	EXPECT_EQ(NULL, self->json);
	EXPECT_NE(NULL, strstr(vml_err, "cannot execute /no/such/program")) TH_LOG("%s", vml_err);
	/* a library that is not there: the interpreter exits before the entry */
	self->json = run_aslr("--samples 2 --exec /opt/vmalens/selftests/helpers/dyn_missing");
	EXPECT_EQ(NULL, self->json);
	EXPECT_NE(NULL, strstr(vml_err, "exited with 127 before its entry point"))
		TH_LOG("%s", vml_err);
}

/*
 * --exec of a dynamically linked program (selftests/dyn_target.c, with
 * its own interpreter and libc in helpers/lib): read at its entry point,
 * libc, which only the interpreter maps after the execve, is there in
 * every sample, and each of the three objects moves from sample to sample.
 */
TEST_F(aslr, exec_reports_each_library_at_the_entry_point)
{
	static const char *const objects[] = {
		"/helpers/dyn_target\"", "/helpers/lib/libc.so.6\"", "/helpers/lib/ld-linux-",
	};
	char args[256];
	unsigned int i;

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--samples %d --exec /opt/vmalens/selftests/helpers/dyn_target",
		 SWITCH_SAMPLES);
	self->json = run_aslr(args);
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	EXPECT_NE(NULL, strstr(self->json, "\"stopped_at\":\"entry\""));
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		TH_LOG("%s: %ld samples, %ld distinct, %.1f bits", objects[i],
		       mapping_num(self->json, objects[i], "samples"),
		       mapping_num(self->json, objects[i], "distinct"),
		       mapping_double(self->json, objects[i], "bits"));
		EXPECT_EQ(SWITCH_SAMPLES, mapping_num(self->json, objects[i], "samples"));
		EXPECT_LT(1, mapping_num(self->json, objects[i], "distinct"));
	}
}

/* A hex figure ("0x...") of REGION; 0 if there is none. */
static unsigned long long region_hex(const char *json, const char *region,
				     const char *name)
{
	const char *obj = region_obj(json, region), *p;
	char key[64];

	if (!obj)
		return 0;
	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = strstr(obj, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static int log2_exact(unsigned long long x)
{
	return __builtin_ctzll(x);
}

/*
 * One run of "aslr ARGS", checked on its mmap_file region: one PMD of a
 * file, mapped by each sampler as a loader maps a library.  @aligned:
 * whether this kernel's mmap aligns it to the PMD (page_size^2 / 8 bytes
 * on 64-bit page tables).  Then the lowest address bit that varies among
 * the samples is the PMD's, the bits that vary are mmap_rnd_bits less
 * the PMD's page bits, the module's theory says both, and the verdict is
 * WEAKER THAN CONFIGURED (NOT RANDOMIZED where nothing is left); else
 * every configured bit varies from the page up, and it is OK.
 */
static void check_file_region(struct __test_metadata *_metadata, char **json,
			      const char *args, bool aligned)
{
	unsigned long long page = sysconf(_SC_PAGESIZE), pmd = vml_pmd_size();
	unsigned long long want_align = aligned ? pmd : page;
	long lost = aligned ? log2_exact(pmd) - log2_exact(page) : 0;
	long configured, want, varying;
	const char *verdict;

	free(*json);
	*json = run_aslr(args);
	ASSERT_NE(NULL, *json) TH_LOG("%s", vml_err);
	configured = region_num(*json, "mmap_file", "configured_bits");
	want = configured > lost ? configured - lost : 0;
	varying = region_num(*json, "mmap_file", "varying_bits");
	verdict = region_verdict(*json, "mmap_file");
	TH_LOG("aslr %s: mmap_file %ld of %ld bits vary from 0x%llx up (%s),"
	       " theory %ld from 0x%llx, %s", args, varying, configured, region_hex(*json, "mmap_file", "align"),
	       aligned ? "PMD aligned" : "page aligned",
	       region_num(*json, "mmap_file", "theoretical_bits"),
	       region_hex(*json, "mmap_file", "theoretical_align"), verdict);
	ASSERT_LT(0, configured);
	EXPECT_EQ(want, region_num(*json, "mmap_file", "theoretical_bits"));
	EXPECT_EQ(want_align, region_hex(*json, "mmap_file", "theoretical_align"));
	if (!want) {
		EXPECT_GE(1, varying);
		EXPECT_TRUE(!strcmp(verdict, "NOT RANDOMIZED") ||
			    !strcmp(verdict, "WEAKER THAN CONFIGURED")) TH_LOG("%s", verdict);
		return;
	}
	EXPECT_EQ(want_align, region_hex(*json, "mmap_file", "align"));
	EXPECT_TRUE(varying >= want && varying <= want + 1);
	EXPECT_STREQ(aligned ? "WEAKER THAN CONFIGURED" : "OK", verdict);
	if (aligned)
		EXPECT_NE(NULL, strstr(region_obj(*json, "mmap_file"), "\"note\":\""));
}

/*
 * The default file is the vmalens binary, here on the guest's tmpfs root,
 * whose mappings nothing aligns: the region keeps every bit.
 */
TEST_F(aslr, large_file_mapping_on_tmpfs_keeps_every_bit)
{
	char args[64];

	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--samples %d", BITS_SAMPLES);
	check_file_region(_metadata, &self->json, args, false);
}

/*
 * On ext4, since 5.18 ("mm/readahead: Align file mappings for non-DAX"),
 * thp_get_unmapped_area() aligns a mapping of a PMD or more to the PMD,
 * but not for 32-bit processes since 6.8, a change stable 6.1.y carries
 * too (Debian's 6.1 does).  The expectation comes from the release alone,
 * not from the module.
 */
TEST_F(aslr, large_file_mapping_on_ext4_is_pmd_aligned_since_5_18)
{
	int release = vml_kernel_release();
	char args[128];

	if (access(VML_EXT4_FILE, R_OK))
		SKIP(return, "no ext4 disk in this guest (%s: %s)", VML_EXT4_FILE, strerror(errno));
	ASSERT_LT(0, release);
	ASSERT_EQ(0, write_long_file(RVS_SYSCTL, 2));
	snprintf(args, sizeof(args), "--samples %d --file %s", BITS_SAMPLES, VML_EXT4_FILE);
	check_file_region(_metadata, &self->json, args, release >= 518);
	if (self->saved_compat_bits < 0)
		return;
	free(self->json);
	self->json = run_aslr("--compat --samples 2");
	if (!self->json && strstr(vml_err, "cannot start"))
		SKIP(return, "cannot run 32-bit programs: %.200s", vml_err);
	snprintf(args, sizeof(args), "--compat --samples %d --file %s", BITS_SAMPLES / 2,
		 VML_EXT4_FILE);
	check_file_region(_metadata, &self->json, args, false);
}

/* Unless asked for, neither is sampled: null. */
TEST_F(aslr, fork_objects_null_unless_asked)
{
	self->json = run_aslr("--samples 2");
	ASSERT_NE(NULL, self->json) TH_LOG("%s", vml_err);
	EXPECT_NE(NULL, strstr(self->json, "\"fork\":null,\"fork_exec\":null"));
	EXPECT_NE(NULL, strstr(self->json, "\"stopped_at\":null,\"mappings\":null"));
}

TEST_HARNESS_MAIN
