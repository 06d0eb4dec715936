// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens show [PID]: the layout summary, then the address-space map with
 * mmap_base, brk and the next mmap marked.  Needs the module: the layout
 * and the dry-run are facts only it can give.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lens.h"

#define ADDR_NO_RANDOMIZE	0x0040000	/* include/uapi/linux/personality.h */

int dryrun_request(pid_t pid, uint64_t len, struct vmalens_unmapped_area *ua, int *file_fd);

struct aslr_state {
	int rvs;		/* kernel.randomize_va_space, -1 unknown */
	int no_randomize;	/* ADDR_NO_RANDOMIZE in the personality, -1 unknown */
};

static long read_long(const char *path, int base)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, base);
	fclose(f);
	return v;
}

/*
 * kernel.randomize_va_space as the module reads it from the kernel
 * (VMALENS_IOC_ASLR), else from /proc/sys: without the module (@fd -1),
 * or with one older than the ioctl.
 */
static void aslr_read(int fd, pid_t pid, struct aslr_state *a)
{
	struct vmalens_aslr k = { .size = sizeof(k) };
	char path[64];
	long pers;

	if (fd >= 0 && !ioctl(fd, VMALENS_IOC_ASLR, &k))
		a->rvs = k.randomize_va_space;
	else
		a->rvs = read_long("/proc/sys/kernel/randomize_va_space", 10);
	snprintf(path, sizeof(path), "/proc/%d/personality", pid);
	pers = read_long(path, 16);
	a->no_randomize = pers < 0 ? -1 : !!(pers & ADDR_NO_RANDOMIZE);
}

static void show_json(const struct vmalens_mm_layout *lay, const struct aslr_state *a,
		      enum pgsize_migration pgm, const struct vmalens_unmapped_area *ua,
		      bool have_ua, const struct vma_list *l)
{
	uint64_t prev_end = 0;
	size_t i;

	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "pid", lay->pid);
	jsonw_string_field(json_wtr, "comm", lay->comm);
	jsonw_name(json_wtr, "layout");
	layout_json(lay);	/* the object of "layout --json" */
	jsonw_name(json_wtr, "aslr");
	jsonw_start_object(json_wtr);
	jsonw_int_field(json_wtr, "randomize_va_space", a->rvs);
	jsonw_name(json_wtr, "addr_no_randomize");
	if (a->no_randomize < 0)
		jsonw_null(json_wtr);
	else
		jsonw_bool(json_wtr, a->no_randomize);
	jsonw_int_field(json_wtr, "mmap_rnd_bits", lay->mmap_rnd_bits);
	jsonw_int_field(json_wtr, "mmap_rnd_compat_bits", lay->mmap_rnd_compat_bits);
	jsonw_end_object(json_wtr);
	jsonw_name(json_wtr, "pgsize_migration");	/* as pgsize_line() */
	if (pgm == PGSIZE_MIG_NONE)
		jsonw_null(json_wtr);
	else
		jsonw_bool(json_wtr, pgm == PGSIZE_MIG_ON);
	jsonw_name(json_wtr, "next_mmap");
	if (have_ua)
		dryrun_json(ua);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "vmas");
	jsonw_start_array(json_wtr);
	for (i = 0; i < l->nr; i++) {
		if (vma_selected(&l->v[i]))
			vma_json(l, i, l->v[i].start - prev_end);
		prev_end = l->v[i].end;
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static const char *aslr_text(const struct vmalens_mm_layout *lay, const struct aslr_state *a,
			     char *buf, size_t len)
{
	int n;

	if (a->rvs == 0)
		n = snprintf(buf, len, "off (randomize_va_space 0)");
	else if (a->no_randomize == 1)
		n = snprintf(buf, len, "off for this process (personality ADDR_NO_RANDOMIZE)");
	else if (a->rvs > 0)
		n = snprintf(buf, len, "on (randomize_va_space %d%s)", a->rvs,
			     a->rvs == 1 ? ": no brk randomisation" : "");
	else
		n = snprintf(buf, len, "unknown (no /proc/sys/kernel/randomize_va_space)");
	if (lay->mmap_rnd_bits >= 0 && a->rvs != 0 && a->no_randomize != 1)
		snprintf(buf + n, len - n, ", mmap_base %d bits%s", lay->compat ?
			 lay->mmap_rnd_compat_bits : lay->mmap_rnd_bits,
			 lay->compat ? " (compat)" : "");
	return buf;
}

/*
 * Android's 16K-page emulation, where the kernel has its switch: then
 * /proc/PID/maps and this command's VMAs may differ.  The plain twin of
 * show --json's "pgsize_migration".
 */
static void pgsize_line(unsigned int pid, enum pgsize_migration pgm)
{
	if (pgm == PGSIZE_MIG_ON)
		printf("  page size    16K emulated on 4K pages (pgsize_migration on): /proc/%u/maps may add [page size compat] entries that are not VMAs\n",
		       pid);
	else if (pgm == PGSIZE_MIG_OFF)
		printf("  page size    no 16K emulation (pgsize_migration off): /proc/%u/maps lists the VMAs\n",
		       pid);
}

static void show_summary(const struct vmalens_mm_layout *lay, const struct aslr_state *a,
			 enum pgsize_migration pgm, const struct vmalens_unmapped_area *ua,
			 bool have_ua)
{
	char s1[32], s2[32], s3[32], buf[160], comm[4 * sizeof(lay->comm)];
	bool legacy = lay->layout == VMALENS_MODE_BOTTOMUP;

	printf("%spid %u (%s)%s: %s layout, mmap grows %s from mmap_base%s\n", col(C_BOLD),
	       lay->pid, plain_str(lay->comm, comm, sizeof(comm)), col_end(),
	       legacy ? "legacy (bottom-up)" : "top-down",
	       legacy ? "up" : "down", lay->compat ? ", 32-bit task" : "");
	printf("  task_size    0x%-14llx" " %d-bit VA, page size %s, mmap_min_addr %s\n",
	       lay->task_size, va_bits(lay->task_size),
	       human_size(lay->page_size, s1, sizeof(s1)),
	       human_size(lay->mmap_min_addr, s2, sizeof(s2)));
	printf("  mmap_base    0x%llx", lay->mmap_base);
	if (lay->mmap_legacy_base && lay->mmap_legacy_base != lay->mmap_base)
		printf(", legacy base 0x%llx", lay->mmap_legacy_base);
	if (lay->compat && lay->mmap_compat_base)
		printf(", 32-bit mmaps: compat base 0x%llx", lay->mmap_compat_base);
	putchar('\n');
	printf("  brk          0x%llx" "-0x%llx" " (heap %s)\n", lay->start_brk,
	       lay->brk, human_size(lay->brk - lay->start_brk, s1, sizeof(s1)));
	printf("  code, data   0x%llx" "-0x%llx" ", 0x%llx" "-0x%llx" "\n",
	       lay->start_code, lay->end_code, lay->start_data, lay->end_data);
	printf("  stack        start_stack 0x%llx" ", guard gap %s\n", lay->start_stack,
	       human_size(lay->stack_guard_gap, s1, sizeof(s1)));
	printf("  ASLR         %s\n", aslr_text(lay, a, buf, sizeof(buf)));
	printf("  VMAs         %llu" ", %s mapped\n", lay->map_count,
	       human_size(lay->total_vm * lay->page_size, s3, sizeof(s3)));
	pgsize_line(lay->pid, pgm);
	printf("  next mmap    ");
	if (have_ua)
		dryrun_line(stdout, ua);
	else
		printf("unknown: the dry-run needs the module\n");
	putchar('\n');
}

/*
 * --range LOW-HIGH: the map spans [LOW, HIGH), widened to whole VMAs at
 * its ends, and draws only the VMAs that overlap it.
 */
static void show_range(const struct vma_list *l, struct map_req *r)
{
	size_t first = r->first, last = r->last;
	uint64_t task_size = r->top;

	while (first < last && l->v[first].end <= lopt.range_lo)
		first++;
	while (last > first && l->v[last - 1].start >= lopt.range_hi)
		last--;
	r->bottom = lopt.range_lo;
	if (first < last && l->v[first].start < r->bottom)
		r->bottom = l->v[first].start;
	if (lopt.range_hi < r->top)
		r->top = lopt.range_hi;
	if (first < last && l->v[last - 1].end > r->top)
		r->top = l->v[last - 1].end;
	r->first = first;
	r->last = last;
	if (r->top != task_size)
		r->top_label = NULL;
}

static void show_map(const struct vmalens_mm_layout *lay,
		     const struct vmalens_unmapped_area *ua, bool have_ua,
		     const struct vma_list *l)
{
	struct map_mark marks[8];
	struct map_req r = { 0 };
	size_t nm = 0, first = 0, last = l->nr;
	uint64_t top = lay->task_size;
	char next[32];

	/* [vsyscall] sits above task_size, outside the mm: leave it out */
	while (last > 0 && l->v[last - 1].start >= lay->task_size)
		last--;
	/* a 32-bit x86 task's mmaps start from the compat bases */
	if (lay->compat && lay->mmap_compat_base) {
		marks[nm++] = (struct map_mark){ lay->mmap_compat_base, "mmap_compat_base" };
		if (lay->mmap_compat_legacy_base &&
		    lay->mmap_compat_legacy_base != lay->mmap_compat_base)
			marks[nm++] = (struct map_mark){ lay->mmap_compat_legacy_base,
							 "mmap_compat_legacy_base" };
	} else {
		marks[nm++] = (struct map_mark){ lay->mmap_base, "mmap_base" };
		if (lay->mmap_legacy_base && lay->mmap_legacy_base != lay->mmap_base)
			marks[nm++] = (struct map_mark){ lay->mmap_legacy_base,
							 "mmap_legacy_base" };
	}
	if (lay->start_brk != lay->brk)
		marks[nm++] = (struct map_mark){ lay->start_brk, "start_brk" };
	marks[nm++] = (struct map_mark){ lay->brk, lay->start_brk == lay->brk ?
					 "brk (empty heap)" : "brk" };
	if (lay->mmap_min_addr)
		marks[nm++] = (struct map_mark){ lay->mmap_min_addr, "mmap_min_addr" };
	if (have_ua && !ua->error && !(ua->result_flags & VMALENS_UA_REPLACES)) {
		human_size(ua->len, next, sizeof(next));
		r.new_start = ua->addr;
		r.new_end = ua->addr + ((ua->len + lay->page_size - 1) & ~(lay->page_size - 1));
		r.new_label = "next mmap (dry-run)";
	}
	r.vmas = l;
	r.first = first;
	r.last = last;
	r.top = top;
	r.bottom = 0;
	if (lopt.range_hi)
		show_range(l, &r);
	r.select = vma_filter_on() ? vma_selected : NULL;
	r.top_label = "task_size";
	r.marks = marks;
	r.nr_marks = nm;
	r.full = lopt.full;
	map_draw(stdout, &r);
}

int do_show(int argc, char **argv)
{
	struct vmalens_unmapped_area ua;
	struct vmalens_mm_layout lay;
	struct vma_list l = { 0 };
	enum pgsize_migration pgm;
	struct aslr_state a;
	struct lens_src src;
	int file_fd = -1, ret;
	bool have_ua = false;
	pid_t pid;

	ret = parse_pid_args("show", argc, argv, &pid);
	if (ret)
		return ret;
	if (src_open(&src, true))
		return EXIT_ERR;
	ret = EXIT_ERR;
	/* JSON's "vmas" as vmas lists them, with the gate */
	if (src_layout(&src, pid, &lay) || src_vmas(&src, pid, &l))
		goto out;
	aslr_read(src.fd, pid, &a);
	/* the next mmap is a dry-run in the kernel: the module's alone */
	if (src.backend == BACKEND_MODULE) {
		ret = dryrun_request(pid, lopt.have_len ? lopt.len : lay.page_size, &ua,
				     &file_fd);
		if (ret)
			goto out;
		ret = EXIT_ERR;
		if (dev_dryrun(src.fd, &ua))
			goto out;
		have_ua = true;
	}
	pgm = pgsize_migration_read("");
	if (json_output) {
		show_json(&lay, &a, pgm, &ua, have_ua, &l);
	} else {
		show_summary(&lay, &a, pgm, &ua, have_ua);
		show_map(&lay, &ua, have_ua, &l);
	}
	ret = EXIT_OK;
out:
	if (file_fd >= 0)
		close(file_fd);
	src_close(&src);
	vma_list_free(&l);
	return ret;
}
