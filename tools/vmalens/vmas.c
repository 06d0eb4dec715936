// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens vmas [PID]: the VMA table, with a row for each gap.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
#include "main.h"

/*
 * An array of VMA objects only; the gap in front of a VMA becomes its
 * "gap_before" (and "guard_before").
 */
static void vmas_print_json(const struct vma_list *l)
{
	uint64_t prev_end = 0;
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < l->nr; i++) {
		vma_json(l, i, l->v[i].start - prev_end);
		prev_end = l->v[i].end;
	}
	jsonw_end_array(json_wtr);
}

void vmas_list_show(const struct vma_list *l)
{
	if (json_output)
		vmas_print_json(l);
	else
		vmas_print(l, !lopt.no_gaps);
}

/*
 * With /dev/vmalens: the bulk ioctl.  Without it: the kernel's own
 * interfaces, PROCMAP_QUERY or /proc/PID/maps (read_vmas() says which).
 */
int do_vmas(int argc, char **argv)
{
	struct vma_list l;
	pid_t pid;
	int ret;

	ret = parse_pid_args("vmas", argc, argv, &pid);
	if (ret)
		return ret;
	if (read_vmas(pid, &l))
		return EXIT_ERR;
	vmas_list_show(&l);
	vma_list_free(&l);
	return EXIT_OK;
}
