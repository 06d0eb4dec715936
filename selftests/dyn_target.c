// SPDX-License-Identifier: GPL-2.0
/*
 * A dynamically linked program for aslr_test's "aslr --exec": its
 * interpreter maps libc before its entry point.  It never runs that far
 * under the test (the sampler stops it at the entry and kills it).
 */
#include <stdio.h>

int main(void)
{
	return puts("dyn_target") < 0;
}
