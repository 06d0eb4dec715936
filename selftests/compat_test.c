// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit target (i686 on x86_64, armhf on arm64): the module must call it
 * compat, give it a 32-bit task_size, and list the same VMAs as /proc.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"

#define TARGET_COPY	"/tmp/vmalens_compat_target"

/*
 * compat_target.bin is installed beside the tests without execute permission
 * (the guest runs every executable there): run a copy from /tmp.
 */
static int install_target(void)
{
	char exe[4096], src[4200], *text;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t len;
	FILE *f;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(src, sizeof(src), "%s/compat_target.bin", dirname(exe));
	text = slurp(src, &len);
	if (!text)
		return -errno;
	f = fopen(TARGET_COPY, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		free(text);
		return -EIO;
	}
	free(text);
	return chmod(TARGET_COPY, 0755) ? -errno : 0;
}

FIXTURE(compat) {
	struct target t;
	struct vml_layout l;
	struct vml_vmas v;
};

FIXTURE_SETUP(compat)
{
	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, install_target());
	ASSERT_EQ(0, target_exec(&self->t, TARGET_COPY, NULL, NULL));
	if (report_has(&self->t, "exec_errno") &&
	    report_ul(&self->t, "exec_errno") == ENOEXEC)
		SKIP(return, "this kernel/CPU cannot run 32-bit binaries (ENOEXEC)");
	ASSERT_FALSE(report_has(&self->t, "exec_errno"))
		TH_LOG("%s", self->t.report);
	ASSERT_EQ(32, report_ul(&self->t, "bits"));
}

FIXTURE_TEARDOWN(compat)
{
	target_kill(&self->t);
	free_vmas(&self->v);
	unlink(TARGET_COPY);
}

TEST_F(compat, layout_is_32bit)
{
	unsigned long f[52];

	ASSERT_EQ(0, read_layout(self->t.pid, &self->l)) TH_LOG("%s", vml_err);
	EXPECT_EQ(1, self->l.compat);
#if defined(__x86_64__)
	EXPECT_EQ(0xffffe000UL, self->l.task_size);	/* IA32_PAGE_OFFSET */
#elif defined(__aarch64__)
	/* TASK_SIZE_32: 4 GiB, minus a page unless 64K pages + kuser helpers */
	EXPECT_TRUE(self->l.task_size == 0x100000000UL ||
		    self->l.task_size == 0x100000000UL - self->l.page_size)
		TH_LOG("task_size 0x%lx", self->l.task_size);
#endif
	EXPECT_GT(self->l.task_size, report_ul(&self->t, "mmap"));
	EXPECT_EQ(report_ul(&self->t, "brk"), self->l.brk);
	EXPECT_EQ(read_long_file("/proc/sys/vm/mmap_rnd_compat_bits"),
		  self->l.mmap_rnd_compat_bits);

	ASSERT_EQ(0, proc_stat_fields(self->t.pid, f, 52));
	EXPECT_EQ(f[26], self->l.start_code);
	EXPECT_EQ(f[27], self->l.end_code);
	EXPECT_EQ(f[28], self->l.start_stack);
	EXPECT_EQ(f[47], self->l.start_brk);
	EXPECT_EQ(f[48], self->l.arg_start);
	EXPECT_EQ(f[51], self->l.env_end);
}

TEST_F(compat, vmas_match_proc)
{
	char path[64], *maps;
	int i;

	ASSERT_EQ(0, read_vmas(self->t.pid, &self->v)) TH_LOG("%s", vml_err);
	snprintf(path, sizeof(path), "/proc/%d/maps", self->t.pid);
	maps = slurp(path, NULL);
	ASSERT_NE(NULL, maps);
	EXPECT_EQ(0, compare_with_maps(&self->v, maps))
		TH_LOG("vmas differ from %s:%s", path, vml_err);
	free(maps);
	EXPECT_EQ(0, check_gaps(&self->v, default_stack_guard_gap()))
		TH_LOG("%s", vml_err);
	EXPECT_EQ(0, check_kinds(&self->v)) TH_LOG("%s", vml_err);
	for (i = 0; i < self->v.n; i++)
		EXPECT_GE(0x100000000UL, self->v.l[i].end)
			TH_LOG("above 4 GiB: %s", self->v.l[i].gap ? "gap" :
			       self->v.l[i].maps);
}

TEST_HARNESS_MAIN
