// SPDX-License-Identifier: GPL-2.0
/*
 * Unload under load: UNLOAD_CYCLES rounds of busybox rmmod and insmod while
 * reader processes open /dev/vmalens and the debugfs files, hold them for a
 * moment, and ask (LAYOUT, debugfs reads, and dry-runs, which run on the
 * module's kthread).  Some readers are killed in the middle of a dry-run,
 * leaving it to the kthread.  Each rmmod must either unload or fail as
 * busy, within a time bound; the module must answer after each round; it
 * is loaded again at the end.
 *
 *   VMALENS_UNLOAD_CYCLES=N   rounds (default UNLOAD_CYCLES)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"
#include "vm_util.h"

#define UNLOAD_CYCLES	100
#define NR_READERS	3
#define RMMOD_SECS	30	/* a hang, not a slow emulator */

struct reader_stats {
	atomic_ulong opens, open_failed, calls, stale, bad;
	atomic_int last_bad_errno;
	char last_bad[128];
};

/* Shared with the readers: a quiet round lets rmmod succeed. */
struct control {
	atomic_int quiet;	/* readers: close everything and wait */
	atomic_int holding[NR_READERS];	/* reader N has files open */
	struct reader_stats st[NR_READERS];
};

static struct control *ctl;

static void reader_bad(struct reader_stats *st, const char *what, int e)
{
	atomic_fetch_add(&st->bad, 1);
	atomic_store(&st->last_bad_errno, e);
	snprintf(st->last_bad, sizeof(st->last_bad), "%s", what);
}

/* Opens PATH, tolerating only its absence while the module is away. */
static int reopen(struct reader_stats *st, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	atomic_fetch_add(&st->opens, 1);
	if (fd < 0) {
		atomic_fetch_add(&st->open_failed, 1);
		if (errno != ENOENT && errno != ENXIO && errno != ENODEV)
			reader_bad(st, path, errno);
	}
	return fd;
}

/*
 * Holds the device and a debugfs file for a random few milliseconds while
 * asking; an fd that is open pins the module, so every call must succeed.
 */
static void reader(int n, pid_t parent)
{
	struct reader_stats *st = &ctl->st[n];
	uint64_t rng = getpid() * 7919ULL;
	char *text;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		atomic_store(&ctl->holding[n], 1);
		if (atomic_load(&ctl->quiet)) {
			atomic_store(&ctl->holding[n], 0);
			usleep(1000);
			continue;
		}
		int dev = reopen(st, VMALENS_DEVICE, O_RDWR);
		int dbg = access(VMALENS_DIR, F_OK) ? -1 :
			  reopen(st, VMALENS_DIR "/layout", O_RDWR);
		int k, rounds = 1 + vml_rand(&rng) % 8;

		for (k = 0; dev >= 0 && k < rounds; k++) {
			struct vmalens_unmapped_area u = {
				.size = sizeof(u), .fd = -1,
				.pid = vml_rand(&rng) % 2 ? 0 : parent,
				.len = (1 + vml_rand(&rng) % 64) * 4096,
				.mode = vml_rand(&rng) % 3,
				.prot = PROT_READ,
				.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS,
			};
			struct vmalens_mm_layout l = { .size = sizeof(l) };

			atomic_fetch_add(&st->calls, 2);
			if (ioctl(dev, VMALENS_IOC_UNMAPPED_AREA, &u))
				reader_bad(st, "UNMAPPED_AREA", errno);
			if (ioctl(dev, VMALENS_IOC_LAYOUT, &l))
				reader_bad(st, "LAYOUT", errno);
		}
		if (dbg >= 0) {
			int ret = vml_query(dbg, 0, &text, 4096);

			atomic_fetch_add(&st->calls, 1);
			/* An open debugfs file need not pin the module. */
			if (ret == -EIO)
				atomic_fetch_add(&st->stale, 1);
			else if (ret)
				reader_bad(st, "debugfs layout", -ret);
			else
				free(text);
		}
		usleep(vml_rand(&rng) % 5000);
		if (dev >= 0)
			close(dev);
		if (dbg >= 0)
			close(dbg);
		atomic_store(&ctl->holding[n], 0);
		usleep(vml_rand(&rng) % 5000);
	}
}

/*
 * A process killed in the middle of dry-runs: its request is left to the
 * module's kthread, and its file closes, just before rmmod.
 */
static void abandon_dryrun(uint64_t *rng)
{
	pid_t pid = fork();

	if (pid == 0) {
		int dev = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC);

		for (;;) {
			struct vmalens_unmapped_area u = {
				.size = sizeof(u), .fd = -1, .len = 1 << 20,
				.mode = VMALENS_MODE_AUTO, .prot = PROT_READ,
				.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS,
			};

			ioctl(dev, VMALENS_IOC_UNMAPPED_AREA, &u);
		}
	}
	usleep(1000 + vml_rand(rng) % 10000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static pid_t start_reader(int n)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0)
		reader(n, parent);
	return pid;
}

/* The module answers a fresh open: LAYOUT of ourselves. */
static int module_answers(void)
{
	struct vmalens_mm_layout l = { .size = sizeof(l) };
	int fd = open(VMALENS_DEVICE, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, VMALENS_IOC_LAYOUT, &l) ? -errno : 0;
	close(fd);
	return ret;
}

static bool busy_message(const char *out)
{
	return strstr(out, "in use") || strstr(out, "busy") ||
	       strstr(out, "temporarily unavailable");
}

FIXTURE(unload) {
	pid_t reader[NR_READERS];
};

FIXTURE_SETUP(unload)
{
	int i;

	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctl);
	ASSERT_EQ(0, module_answers());
	for (i = 0; i < NR_READERS; i++) {
		self->reader[i] = start_reader(i);
		ASSERT_LT(0, self->reader[i]);
	}
}

FIXTURE_TEARDOWN(unload)
{
	char *out = NULL;
	int i;

	for (i = 0; i < NR_READERS; i++)
		if (self->reader[i] > 0) {
			kill(self->reader[i], SIGKILL);
			waitpid(self->reader[i], NULL, 0);
		}
	/* Later tests, and the guest's final rmmod, need the module. */
	if (access("/sys/module/vmalens", F_OK)) {
		module_load(&out);
		free(out);
	}
}

TEST_F_TIMEOUT(unload, rmmod_is_clean_under_load, 1800)
{
	long cycles = env_long("VMALENS_UNLOAD_CYCLES", UNLOAD_CYCLES);
	unsigned long unloaded = 0, busy = 0, killed = 0;
	uint64_t rng = time(NULL);
	struct timespec t0, t1;
	long c;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (c = 0; c < cycles; c++) {
		char *out = NULL;
		int ret;

		bool quiet = vml_rand(&rng) % 2;

		usleep(vml_rand(&rng) % 20000);
		/* Kill a reader in the middle of its calls now and then. */
		if (!(vml_rand(&rng) % 4)) {
			i = vml_rand(&rng) % NR_READERS;
			kill(self->reader[i], SIGKILL);
			waitpid(self->reader[i], NULL, 0);
			atomic_store(&ctl->holding[i], 0);
			self->reader[i] = start_reader(i);
			killed++;
		}
		/*
		 * Every other round on average the readers let go, and the
		 * last dry-run is abandoned right before rmmod: it succeeds
		 * while the kthread may still be working.
		 */
		if (quiet) {
			atomic_store(&ctl->quiet, 1);
			for (i = 0; i < NR_READERS; i++)
				while (atomic_load(&ctl->holding[i]))
					usleep(500);
			abandon_dryrun(&rng);
			killed++;
		}
		ret = module_unload(&out);
		atomic_store(&ctl->quiet, 0);
		if (ret == 0) {
			unloaded++;
			EXPECT_NE(0, access("/sys/module/vmalens", F_OK))
				TH_LOG("cycle %ld: rmmod succeeded, module still there", c);
			free(out);
			ret = module_load(&out);
			ASSERT_EQ(0, ret) TH_LOG("cycle %ld: insmod: %d: %s", c, ret, out);
		} else {
			busy++;
			ASSERT_NE(-ETIMEDOUT, ret)
				TH_LOG("cycle %ld: rmmod hung for %d s", c, RMMOD_SECS);
			EXPECT_TRUE(busy_message(out))
				TH_LOG("cycle %ld: rmmod failed (%d) but not as busy: %s",
				       c, ret, out);
		}
		free(out);
		ret = module_answers();
		ASSERT_EQ(0, ret) TH_LOG("cycle %ld: LAYOUT after the round: %s",
					 c, strerror(-ret));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %ld cycles in %.1f s: %lu unloaded, %lu busy; %lu readers killed mid-call\n",
	       cycles, t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       unloaded, busy, killed);
	for (i = 0; i < NR_READERS; i++) {
		struct reader_stats *st = &ctl->st[i];

		printf("# reader %d: %lu opens (%lu while unloaded), %lu calls, %lu debugfs EIO, %lu bad\n",
		       i, (unsigned long)st->opens, (unsigned long)st->open_failed,
		       (unsigned long)st->calls, (unsigned long)st->stale,
		       (unsigned long)st->bad);
		EXPECT_EQ(0, st->bad)
			TH_LOG("reader %d: %s: %s", i, st->last_bad,
			       strerror(st->last_bad_errno));
	}
	/* Both outcomes must have happened, or the test proved little. */
	EXPECT_LT(0, unloaded);
	EXPECT_LT(0, busy);
}

TEST_HARNESS_MAIN
