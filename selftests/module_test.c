// SPDX-License-Identifier: GPL-2.0
/*
 * The module loads, reports its version through debugfs, and unloads
 * without leaving a file behind.  Runs as root inside a vmtest guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/vmalens"
#define SYSFS_DIR	"/sys/module/vmalens"

static const char *module_path(void)
{
	const char *path = getenv("VMALENS_KO");

	return path ? path : "/opt/vmalens/vmalens.ko";
}

/* Reads a small text file; returns its length or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	return len;
}

static int load_module(void)
{
	int fd = open(module_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret ? -errno : 0;
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, "vmalens", O_NONBLOCK) ? -errno : 0;
}

TEST(module_is_loaded)
{
	struct stat st;

	ASSERT_EQ(0, stat(SYSFS_DIR, &st));
	ASSERT_EQ(0, stat(DEBUGFS_DIR, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	/* Root-only: the reports describe other users' address spaces. */
	ASSERT_EQ(0, stat(DEBUGFS_DIR "/version", &st));
	EXPECT_EQ(0, st.st_mode & 077);
}

/* The debugfs version agrees with what the module core recorded. */
TEST(version_reads_back)
{
	char version[256], modversion[64], expected[256];
	int len;

	ASSERT_LT(0, read_text(DEBUGFS_DIR "/version", version, sizeof(version)));
	len = read_text(SYSFS_DIR "/version", modversion, sizeof(modversion));
	ASSERT_LT(1, len);
	modversion[len - 1] = '\0';
	snprintf(expected, sizeof(expected), "vmalens %s abi %d\n",
		 modversion, VMALENS_ABI_VERSION);
	EXPECT_STREQ(expected, version);
}

TEST(unload_leaves_nothing_and_reloads)
{
	char version[256];
	struct stat st;

	ASSERT_EQ(0, unload_module());
	EXPECT_EQ(-1, stat(DEBUGFS_DIR, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, stat(SYSFS_DIR, &st));
	EXPECT_EQ(ENOENT, errno);

	/* Later tests need the module: load it again and check it works. */
	ASSERT_EQ(0, load_module());
	ASSERT_LT(0, read_text(DEBUGFS_DIR "/version", version, sizeof(version)));
	EXPECT_EQ(0, strncmp(version, "vmalens ", 8));
}

TEST_HARNESS_MAIN
