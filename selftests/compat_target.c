// SPDX-License-Identifier: GPL-2.0
/*
 * The 32-bit target of compat_test, built with the compat toolchain.  Like
 * the targets in vm_util.c it makes one anonymous mmap without a hint,
 * reports it and its brk on the fd named by VMALENS_TARGET_FD, and pauses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	const char *fd = getenv("VMALENS_TARGET_FD");
	char report[128];
	void *addr;

	if (!fd)
		return 2;
	addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(report, sizeof(report), "mmap=%p brk=%p bits=%zu\n", addr,
		 sbrk(0), 8 * sizeof(long));
	if (write(atoi(fd), report, strlen(report)) < 0)
		return 1;
	close(atoi(fd));
	for (;;)
		pause();
}
