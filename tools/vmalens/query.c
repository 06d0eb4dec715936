// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens query PID ADDR: the VMA covering an address, and the gap before
 * it (VMALENS_IOC_QUERY; without the module, PROCMAP_QUERY or
 * /proc/PID/maps).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

/* Where the gap below l->v[j] starts: the end of the VMA before it. */
static uint64_t gap_below(const struct vma_list *l, size_t j, uint64_t below)
{
	return j ? l->v[j - 1].end : below;
}

void query_json(const struct vma_list *l, size_t i, uint64_t addr, uint64_t below)
{
	bool found = i < l->nr;
	size_t prev = found ? i - 1 : l->nr - 1;	/* valid if found && i, or l->nr */
	uint64_t gap_start = found ? gap_below(l, i, below) : 0;

	jsonw_start_object(json_wtr);
	jsonw_hex_field(json_wtr, "addr", addr);
	jsonw_bool_field(json_wtr, "mapped", found && l->v[i].start <= addr);
	jsonw_name(json_wtr, "vma");
	if (found)
		vma_json(l, i, l->v[i].start - gap_start);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "prev");
	if ((found && i) || (!found && l->nr))
		vma_json(l, prev, l->v[prev].start - gap_below(l, prev, below));
	else
		jsonw_null(json_wtr);
	jsonw_hex_field(json_wtr, "gap_start", found ? gap_start :
			l->nr ? l->v[l->nr - 1].end : 0);
	jsonw_name(json_wtr, "gap_end");
	if (found)
		jsonw_hex(json_wtr, l->v[i].start);
	else
		jsonw_null(json_wtr);
	jsonw_end_object(json_wtr);
}

bool query_above(const struct vma_list *l, uint64_t addr, uint64_t task_size,
		 size_t *last, uint64_t *top)
{
	size_t n = l->nr;

	/* [vsyscall] sits above task_size, outside the mm: leave it out */
	while (task_size && n > 0 && l->v[n - 1].start >= task_size)
		n--;
	if (!n)
		return false;
	*last = n - 1;
	*top = task_size ? task_size : addr;
	if (*top < l->v[n - 1].end)
		*top = l->v[n - 1].end;
	return true;
}

static void query_plain(pid_t pid, const struct vma_list *l, size_t i, uint64_t addr,
			uint64_t below, uint64_t task_size)
{
	static char path[PLAIN_NAME_MAX];
	char size[32], perms[5], name[64];
	struct map_mark mark = { addr, NULL };
	uint64_t gap_start, top;
	size_t lo;

	snprintf(name, sizeof(name), "0x%" PRIx64, addr);
	mark.text = name;
	if (i == l->nr) {
		printf("pid %d: 0x%" PRIx64 " is not mapped: above the last VMA%s\n", pid, addr,
		       l->nr ? "" : " (there are none)");
		if (query_above(l, addr, task_size, &lo, &top))
			map_draw_around(l, lo, lo + 1, l->v[lo].start, top, &mark, 1, 0, 0, NULL);
		return;
	}
	gap_start = gap_below(l, i, below);
	vma_perms(&l->v[i], perms);
	if (l->v[i].start <= addr)
		printf("pid %d: 0x%" PRIx64 " is in the %s VMA 0x%" PRIx64 "-0x%" PRIx64
		       " (%s), %s%s%s, %" PRIu64 " bytes in\n", pid, addr,
		       vma_kind_name(l->v[i].kind), l->v[i].start, l->v[i].end,
		       human_size(l->v[i].end - l->v[i].start, size, sizeof(size)), perms,
		       *l->v[i].name ? " " : "", plain_str(l->v[i].name, path, sizeof(path)),
		       addr - l->v[i].start);
	else
		printf("pid %d: 0x%" PRIx64 " is not mapped: it lies in the gap below %s\n",
		       pid, addr, plain_str(vma_label(&l->v[i]), path, sizeof(path)));
	printf("  gap before it: 0x%" PRIx64 "-0x%" PRIx64 " (%s)\n", gap_start, l->v[i].start,
	       human_size(l->v[i].start - gap_start, size, sizeof(size)));
	lo = i ? i - 1 : i;
	map_draw_around(l, lo, i + 1, i ? l->v[lo].start : 0, l->v[i].end, &mark, 1, 0, 0, NULL);
}

/*
 * A list [prev, vma] from VMALENS_IOC_QUERY; *idx = 1, or l->nr if none;
 * *below: where the VMA below the first one ends (0 if none); *task_size
 * from the layout (0 if unread).
 */
static int query_module(int fd, pid_t pid, uint64_t addr, struct vma_list *l, size_t *idx,
			uint64_t *below, uint64_t *task_size)
{
	static char name[PATH_MAX + 64];
	struct vmalens_mm_layout lay;
	struct vmalens_query q, p;
	bool have_prev = false;
	int ret;

	ret = dev_query(fd, pid, addr, true, &q, name, sizeof(name));
	if (ret == -ENOENT) {
		/* above the last VMA: the caller reads them all; the gap ends at task_size */
		if (!dev_layout(fd, pid, &lay))
			*task_size = lay.task_size;
		return 1;
	}
	if (ret)
		return -1;
	if (q.gap_start) {
		static char pname[PATH_MAX + 64];

		ret = dev_query(fd, pid, q.gap_start - 1, false, &p, pname, sizeof(pname));
		if (ret && ret != -ENOENT)
			return -1;
		have_prev = !ret;
		if (have_prev && !vma_list_add_rec(l, &p.vma, pname, dev_fills_pkey(fd)))
			goto oom;
	}
	if (!vma_list_add_rec(l, &q.vma, name, dev_fills_pkey(fd)))
		goto oom;
	*idx = l->nr - 1;
	*below = have_prev ? p.gap_start : q.gap_start;
	if (!dev_layout(fd, pid, &lay)) {
		l->guard = lay.stack_guard_gap;
		*task_size = lay.task_size;
	}
	l->source = BACKEND_MODULE;
	return 0;
oom:
	p_err("out of memory");
	return -1;
}

int do_query(int argc, char **argv)
{
	struct vma_list l = { 0 };
	uint64_t addr, below = 0, task_size = 0;
	struct vmalens_mm_layout lay;
	struct lens_src src;
	size_t i = 0;
	pid_t pid;
	int ret;

	if (argc != 2)
		return usage_err("query", argc > 2 ? "too many arguments" : "expected PID ADDR");
	ret = parse_pid_arg("query", argv[0], &pid);
	if (ret)
		return ret;
	if (parse_addr(argv[1], &addr))
		return usage_err("query", "invalid address '%s': expected hex", argv[1]);

	if (src_open(&src, false))
		return EXIT_ERR;
	if (src.backend == BACKEND_MODULE) {
		ret = query_module(src.fd, pid, addr, &l, &i, &below, &task_size);
		if (ret > 0) {
			/* above the last VMA: all of them, for the drawing */
			ret = src_vmas(&src, pid, &l);
			i = l.nr;
		}
	} else {
		/* the others list every VMA; BPF knows task_size too */
		ret = src_vmas(&src, pid, &l);
		if (!ret && src.backend == BACKEND_BPF && !src_layout(&src, pid, &lay))
			task_size = lay.task_size;
		i = vma_list_find(&l, addr);
	}
	src_close(&src);
	if (ret) {
		vma_list_free(&l);
		return EXIT_ERR;
	}
	if (json_output)
		query_json(&l, i, addr, below);
	else
		query_plain(pid, &l, i, addr, below, task_size);
	vma_list_free(&l);
	return EXIT_OK;
}
