// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens-demo: the sample process of "make demo".
 *
 *   vmalens-demo [--legacy] [--vmas N]
 *
 * Makes a small malloc (served from the brk heap) and a large one (above
 * glibc's 128 KiB mmap threshold: served by mmap), prints where they
 * landed, and waits to be looked at.  --legacy re-executes itself with
 * the ADDR_COMPAT_LAYOUT personality, so the kernel picks the legacy
 * (bottom-up) mmap layout at exec, as setarch -L would.  --vmas N adds
 * one mapping of N pages, every other page read-only: N VMAs.  SIGUSR1
 * maps 3 MiB more, for "vmalens diff".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

static void map_more(int sig)
{
	(void)sig;
	mmap(NULL, 3 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(int argc, char **argv)
{
	char *small, *large;
	long vmas = 0, page = sysconf(_SC_PAGESIZE), i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--legacy") && !(personality(0xffffffff) & ADDR_COMPAT_LAYOUT)) {
			char exe[4096];
			ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

			if (n < 0) {
				perror("readlink /proc/self/exe");
				return 1;
			}
			exe[n] = '\0';
			personality(personality(0xffffffff) | ADDR_COMPAT_LAYOUT);
			execv(exe, argv);
			perror("execv");
			return 1;
		}
		if (!strcmp(argv[i], "--vmas") && i + 1 < argc)
			vmas = atol(argv[++i]);
	}
	small = malloc(100);
	large = malloc(1 << 20);
	if (!small || !large)
		return 1;
	memset(small, 1, 100);
	memset(large, 1, 1 << 20);
	if (vmas > 0) {
		char *p = mmap(NULL, vmas * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		for (i = 1; p != MAP_FAILED && i < vmas; i += 2)
			mprotect(p + i * page, page, PROT_READ);
	}
	signal(SIGUSR1, map_more);
	printf("vmalens-demo: pid %d, %s layout: malloc(100) = %p (brk heap), "
	       "malloc(1 MiB) = %p (mmap)\n", getpid(),
	       personality(0xffffffff) & ADDR_COMPAT_LAYOUT ? "legacy" : "top-down",
	       (void *)small, (void *)large);
	fflush(stdout);
	for (;;)
		pause();
}
