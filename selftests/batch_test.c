// SPDX-License-Identifier: GPL-2.0
/*
 * VMALENS_IOC_UNMAPPED_AREA_BATCH answers each request exactly as
 * VMALENS_IOC_UNMAPPED_AREA does, and refuses a bad request with its index;
 * a dry-run is answered on the caller's CPU.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmalens.h"

#define NREQ	300

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random but valid request: sizes, hints, flags and modes mixed. */
static void random_request(struct vmalens_unmapped_area *ua, uint64_t *s,
			   pid_t pid, int fd)
{
	static const uint32_t flags[] = {
		MAP_PRIVATE | MAP_ANONYMOUS,
		MAP_SHARED | MAP_ANONYMOUS,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
		MAP_PRIVATE,
	};
	long page = sysconf(_SC_PAGESIZE);

	memset(ua, 0, sizeof(*ua));
	ua->size = sizeof(*ua);
	ua->pid = rnd(s) % 2 ? pid : 0;
	ua->len = (rnd(s) % 4 ? rnd(s) % (64 * page) : rnd(s) % (1UL << 34)) + 1;
	ua->hint = rnd(s) % 3 ? 0 : (rnd(s) % (1UL << 46)) & ~(page - 1);
	ua->prot = PROT_READ | (rnd(s) % 2 ? PROT_WRITE : 0);
	ua->mmap_flags = flags[rnd(s) % 5];
	ua->fd = ua->mmap_flags & MAP_ANONYMOUS ? -1 : fd;
	ua->mode = rnd(s) % 3;
}

static int batch(int dev, pid_t pid, struct vmalens_unmapped_area *reqs,
		 uint32_t n, uint32_t *count)
{
	struct vmalens_unmapped_area_batch b = {
		.size = sizeof(b), .pid = pid, .reqs_addr = (uintptr_t)reqs,
		.req_size = sizeof(*reqs), .count = n,
	};
	int ret = ioctl(dev, VMALENS_IOC_UNMAPPED_AREA_BATCH, &b) ? -errno : 0;

	if (count)
		*count = b.count;
	return ret;
}

FIXTURE(batch) {
	int dev, fd;
	pid_t target;
	struct vmalens_unmapped_area reqs[NREQ], one[NREQ];
};

FIXTURE_SETUP(batch)
{
	self->dev = open(VMALENS_DEVICE, O_RDWR);
	ASSERT_LE(0, self->dev);
	self->fd = open("/opt/vmalens/vmalens.ko", O_RDONLY);
	ASSERT_LE(0, self->fd);
	self->target = fork();
	if (!self->target) {
		for (;;)
			pause();
	}
	ASSERT_LT(0, self->target);
}

FIXTURE_TEARDOWN(batch)
{
	kill(self->target, SIGKILL);
	waitpid(self->target, NULL, 0);
	close(self->fd);
	close(self->dev);
}

/* The target sleeps: its address space holds still between the two asks. */
TEST_F(batch, same_answers_as_single_requests)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int i, errors = 0, same = 0;

	for (i = 0; i < NREQ; i++)
		random_request(&self->reqs[i], &seed, self->target, self->fd);
	memcpy(self->one, self->reqs, sizeof(self->one));
	ASSERT_EQ(0, batch(self->dev, self->target, self->reqs, NREQ, NULL));
	for (i = 0; i < NREQ; i++) {
		struct vmalens_unmapped_area *o = &self->one[i];

		o->pid = self->target;
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_UNMAPPED_AREA, o));
		o->pid = self->reqs[i].pid;
		/* MAP_32BIT-style random answers may differ; none asked here. */
		if (memcmp(o, &self->reqs[i], sizeof(*o))) {
			TH_LOG("request %d: batch addr 0x%llx err %d, single 0x%llx err %d",
			       i, (unsigned long long)self->reqs[i].addr,
			       self->reqs[i].error, (unsigned long long)o->addr,
			       o->error);
			continue;
		}
		same++;
		errors += !!o->error;
	}
	TH_LOG("%d requests, %d answered alike (%d of them mmap errors)",
	       NREQ, same, errors);
	EXPECT_EQ(NREQ, same);
	EXPECT_LT(0, errors);
	EXPECT_GT(NREQ, errors);
}

TEST_F(batch, refuses_bad_requests_by_index)
{
	struct vmalens_unmapped_area_batch b = { .size = sizeof(b) };
	uint64_t seed = 7;
	uint32_t count;
	int i;

	for (i = 0; i < 8; i++)
		random_request(&self->reqs[i], &seed, self->target, self->fd);
	EXPECT_EQ(-EINVAL, batch(self->dev, self->target, self->reqs, 0, NULL));
	EXPECT_EQ(-EINVAL, batch(self->dev, self->target, self->reqs,
				 VMALENS_BATCH_MAX + 1, NULL));
	self->reqs[3].pid = getpid();		/* another process */
	EXPECT_EQ(-EINVAL, batch(self->dev, self->target, self->reqs, 8, &count));
	EXPECT_EQ(3, count);
	self->reqs[3].pid = 0;
	self->reqs[5].mmap_flags = MAP_PRIVATE;
	self->reqs[5].fd = 1000;		/* not open */
	EXPECT_EQ(-EBADF, batch(self->dev, self->target, self->reqs, 8, &count));
	EXPECT_EQ(5, count);
	self->reqs[5].fd = -1;
	self->reqs[5].mmap_flags |= MAP_ANONYMOUS;
	self->reqs[6].size = sizeof(self->reqs[6]) - 8;	/* not req_size */
	EXPECT_EQ(-EINVAL, batch(self->dev, self->target, self->reqs, 8, &count));
	EXPECT_EQ(6, count);
	self->reqs[6].size = sizeof(self->reqs[6]);
	EXPECT_EQ(0, batch(self->dev, self->target, self->reqs, 8, NULL));
	b.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, VMALENS_IOC_UNMAPPED_AREA_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EFAULT, batch(self->dev, self->target, NULL, 8, NULL));
	for (i = 0; i < 8; i++)
		self->reqs[i].pid = 0;
	EXPECT_EQ(-ESRCH, batch(self->dev, 0x7fffffff, self->reqs, 8, NULL));
}

/*
 * The CPU a vmalens_dryrun kthread last ran on and the CPUs it may use
 * (/proc/PID/stat field 39, /proc/PID/status Cpus_allowed_list), if
 * @pid is one.
 */
static bool dryrun_kthread_cpu(pid_t pid, int *cpu, char *allowed, size_t size)
{
	char path[64], buf[1024], *p;
	bool ok = false;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && strstr(buf, "(vmalens_dryrun)")) {
		/* the fields after the comm, from field 3 (the state) on */
		p = strtok(strrchr(buf, ')') + 1, " ");
		for (i = 3; p && i < 39; i++)
			p = strtok(NULL, " ");
		ok = p && sscanf(p, "%d", cpu) == 1;
	}
	fclose(f);
	if (!ok)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = false;
	while (fgets(buf, sizeof(buf), f))
		if (size > 63 && sscanf(buf, "Cpus_allowed_list: %63s", allowed) == 1)
			ok = true;
	fclose(f);
	return ok;
}

/*
 * Waking the kthread on another, idle CPU cost more than the dry-run
 * itself: the kthread that answered last must have run on the caller's
 * CPU, and be allowed only that one.
 */
TEST_F(batch, answered_on_the_callers_cpu)
{
	struct vmalens_unmapped_area ua;
	int cpu, ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpus < 2)
		SKIP(return, "one CPU: nothing to tell apart");
	for (cpu = ncpus - 1; cpu >= 0; cpu -= ncpus - 1) {
		char allowed[64], want[16];
		int ran_on, found = 0, on_cpu = 0;
		struct dirent *e;
		cpu_set_t set;
		DIR *d;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
		memset(&ua, 0, sizeof(ua));
		ua.size = sizeof(ua);
		ua.pid = self->target;
		ua.len = 4096;
		ua.prot = PROT_READ;
		ua.mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
		ua.fd = -1;
		ASSERT_EQ(0, ioctl(self->dev, VMALENS_IOC_UNMAPPED_AREA, &ua));
		ASSERT_EQ(0, ua.error);
		snprintf(want, sizeof(want), "%d", cpu);
		d = opendir("/proc");
		ASSERT_NE(NULL, d);
		while ((e = readdir(d))) {
			pid_t pid = atoi(e->d_name);

			if (pid <= 0 || !dryrun_kthread_cpu(pid, &ran_on, allowed,
							    sizeof(allowed)))
				continue;
			found++;
			TH_LOG("caller on CPU %d: kthread %d ran on %d, allowed %s",
			       cpu, pid, ran_on, allowed);
			on_cpu += ran_on == cpu && !strcmp(allowed, want);
		}
		closedir(d);
		EXPECT_LT(0, found);
		EXPECT_LT(0, on_cpu);
		if (!cpu)
			break;
	}
}

TEST_HARNESS_MAIN
