// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens where no module may load: run in a guest booted with
 * lockdown=integrity and without the module (vmtest.nomodule), as a
 * Secure Boot machine runs Debian's kernel.  The kernel must refuse the
 * unsigned module, and the CLI must still read a live process through
 * its BPF backend: show, layout, vmas, query and tasks succeed and say
 * so once, vmas agrees with /proc/PID/maps, and probe and aslr, which
 * need the module, say that.
 *
 * Where the kernel is not locked down the whole program skips (exit 4):
 * passing there would prove nothing.  The CLI is "vmalens" on PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "../vm_util.h"

#define LOCKDOWN	"/sys/kernel/security/lockdown"
#define MODULE_KO	"/opt/vmalens/vmalens.ko"
#define BPF_NOTE	"note: /dev/vmalens not available (module not loaded); reading through the BPF backend\n"
#define CLI_SECS	300

/* Skip unless securityfs shows a lockdown level in force. */
#define SKIP_UNLESS_LOCKED_DOWN()						\
	do {									\
		char *l = slurp(LOCKDOWN, NULL);				\
		bool on = l && !strstr(l, "[none]");				\
										\
		free(l);							\
		if (!on)							\
			SKIP(return, "the kernel is not locked down (%s)", LOCKDOWN); \
	} while (0)

/* vmalens ARGS (NULL-ended): its exit status; stdout and stderr in *out. */
static int cli(char **out, ...)
{
	char *argv[16] = { "vmalens" };
	int argc = 1;
	va_list ap;

	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	free(*out);
	*out = NULL;
	return run_cmd(argv, CLI_SECS, out);
}

/* The kernel log holds @text (the lockdown LSM's own words). */
static bool klog_has(const char *text)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf = len > 0 ? malloc(len + 1) : NULL;
	bool has;

	if (!buf)
		return false;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = '\0';
	has = strstr(buf, text) != NULL;
	free(buf);
	return has;
}

TEST(unsigned_module_is_refused)
{
	int fd;

	SKIP_UNLESS_LOCKED_DOWN();
	fd = open(MODULE_KO, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", MODULE_KO, strerror(errno));
	EXPECT_EQ(-1, syscall(SYS_finit_module, fd, "", 0));
	EXPECT_EQ(EPERM, errno);
	close(fd);
	EXPECT_TRUE(klog_has("Lockdown: ")) TH_LOG("no lockdown message in the kernel log");
	EXPECT_TRUE(klog_has("unsigned module loading is restricted"));
	EXPECT_NE(0, access("/dev/vmalens", F_OK));
}

/* The start of init's first VMA, as /proc/1/maps has it, in hex. */
static void first_start(char *buf, size_t len)
{
	char *maps = slurp("/proc/1/maps", NULL);

	snprintf(buf, len, "%.*s", maps ? (int)strcspn(maps, "-") : 0, maps ? maps : "");
	free(maps);
}

TEST(cli_reads_through_bpf)
{
	char *out = NULL, *note, addr[32];
	struct json_object *vmas;
	char *maps;

	SKIP_UNLESS_LOCKED_DOWN();
	first_start(addr, sizeof(addr));
	ASSERT_NE(0, addr[0]);
	{
		char *const cmds[][4] = {
			{ "show", "1" }, { "layout", "1" }, { "vmas", "1" },
			{ "query", "1", addr }, { "tasks" },
		};
		size_t i;

		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			EXPECT_EQ(0, cli(&out, cmds[i][0], cmds[i][1], cmds[i][2], NULL))
				TH_LOG("%s: %s", cmds[i][0], out);
			note = strstr(out, BPF_NOTE);
			EXPECT_NE(NULL, note) TH_LOG("%s: %s", cmds[i][0], out);
			/* said once */
			EXPECT_TRUE(!note || !strstr(note + 1, BPF_NOTE)) TH_LOG("%s", out);
		}
	}

	/* the VMAs of init, one for one with /proc/1/maps */
	ASSERT_EQ(0, cli(&out, "-q", "--json", "vmas", "1", NULL)) TH_LOG("%s", out);
	vmas = json_tokener_parse(out);
	ASSERT_NE(NULL, vmas) TH_LOG("not JSON: %.300s", out);
	maps = slurp("/proc/1/maps", NULL);
	ASSERT_NE(NULL, maps);
	EXPECT_EQ(count_lines(maps, NULL), (int)json_object_array_length(vmas)) TH_LOG("%s", maps);
	free(maps);
	json_object_put(vmas);

	EXPECT_EQ(1, cli(&out, "probe", "1", "--len", "4K", NULL));
	EXPECT_NE(NULL, strstr(out, "the dry-run needs the module")) TH_LOG("%s", out);
	EXPECT_EQ(1, cli(&out, "aslr", "--samples", "2", NULL));
	EXPECT_NE(NULL, strstr(out, "aslr needs the module")) TH_LOG("%s", out);
	free(out);
}

TEST_HARNESS_MAIN
