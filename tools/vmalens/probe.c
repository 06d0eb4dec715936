// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens probe PID --len SIZE ...: where would the process's next mmap()
 * land (VMALENS_IOC_UNMAPPED_AREA), drawn with the gap it came from and
 * its neighbours.
 * vmalens query PID ADDR: the VMA covering an address, and the gap before
 * it (VMALENS_IOC_QUERY; without the module, PROCMAP_QUERY or
 * /proc/PID/maps).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lens.h"
#include "main.h"

static const char *const layer_names[] = {
	[VMALENS_LAYER_DO_MMAP] = "do_mmap", [VMALENS_LAYER_FILE] = "file",
	[VMALENS_LAYER_SHMEM] = "shmem", [VMALENS_LAYER_THP] = "thp",
	[VMALENS_LAYER_ARCH] = "arch", [VMALENS_LAYER_VMALENS] = "vmalens",
};

/* The kernel step each layer stands for, for the plain output. */
static const char *const layer_funcs[] = {
	[VMALENS_LAYER_DO_MMAP] = "do_mmap() argument checks / MAP_FIXED",
	[VMALENS_LAYER_FILE] = "the file's f_op->get_unmapped_area",
	[VMALENS_LAYER_SHMEM] = "shmem_get_unmapped_area (shared anonymous)",
	[VMALENS_LAYER_THP] = "thp_get_unmapped_area (PMD-aligned anonymous)",
	[VMALENS_LAYER_ARCH] = "arch_get_unmapped_area",
	[VMALENS_LAYER_VMALENS] = "vmalens' copy of the arch search (forced --mode)",
};

static const char *layer_name(uint32_t layer)
{
	return layer < sizeof(layer_names) / sizeof(layer_names[0]) ? layer_names[layer] : "unknown";
}

static const char *mode_name(uint32_t mode)
{
	return mode == VMALENS_MODE_BOTTOMUP ? "bottomup" :
	       mode == VMALENS_MODE_TOPDOWN ? "topdown" : "auto";
}

/* The JSON keys of probe (doc/vmalens.1), also show's "next_mmap". */
void dryrun_json(const struct vmalens_unmapped_area *ua)
{
	const char *e = ua->error ? strerrorname_np(-ua->error) : NULL;
	char ebuf[16];

	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "pid", ua->pid);
	jsonw_hex_field(json_wtr, "hint", ua->hint);
	jsonw_uint_field(json_wtr, "len", ua->len);
	jsonw_name(json_wtr, "addr");
	if (ua->error)
		jsonw_null(json_wtr);
	else
		jsonw_hex(json_wtr, ua->addr);
	jsonw_name(json_wtr, "error");
	if (ua->error) {
		if (!e) {
			snprintf(ebuf, sizeof(ebuf), "E%d", -ua->error);
			e = ebuf;
		}
		jsonw_string(json_wtr, e);
	} else {
		jsonw_null(json_wtr);
	}
	jsonw_hex_field(json_wtr, "gap_start", ua->gap_start);
	jsonw_hex_field(json_wtr, "gap_end", ua->gap_end);
	jsonw_string_field(json_wtr, "mode", mode_name(ua->mode_used));
	jsonw_string_field(json_wtr, "layer", layer_name(ua->layer));
	jsonw_bool_field(json_wtr, "random", ua->result_flags & VMALENS_UA_RANDOM);
	jsonw_name(json_wtr, "random_start");
	if (ua->result_flags & VMALENS_UA_RANDOM)
		jsonw_hex(json_wtr, ua->random_start);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "random_end");
	if (ua->result_flags & VMALENS_UA_RANDOM)
		jsonw_hex(json_wtr, ua->random_end);
	else
		jsonw_null(json_wtr);
	jsonw_bool_field(json_wtr, "emulated", ua->result_flags & VMALENS_UA_EMULATED);
	jsonw_bool_field(json_wtr, "approximate", ua->result_flags & VMALENS_UA_APPROXIMATE);
	jsonw_bool_field(json_wtr, "compat", ua->result_flags & VMALENS_UA_COMPAT);
	jsonw_bool_field(json_wtr, "replaces", ua->result_flags & VMALENS_UA_REPLACES);
	jsonw_bool_field(json_wtr, "may_fail", ua->result_flags & VMALENS_UA_MAY_FAIL);
	jsonw_end_object(json_wtr);
}

/* One plain line: "0x7f..: arch_get_unmapped_area, top-down" or the errno. */
void dryrun_line(FILE *f, const struct vmalens_unmapped_area *ua)
{
	char size[32];

	human_size(ua->len, size, sizeof(size));
	if (ua->error) {
		const char *e = strerrorname_np(-ua->error);

		fprintf(f, "%s%s%s (%s): mmap of %s would fail", col(C_MARK),
			e ? e : "error", col_end(), strerror(-ua->error), size);
	} else {
		fprintf(f, "%s0x%llx" "%s (%s, %s search)", col(C_MARK), ua->addr, col_end(),
			size, ua->mode_used == VMALENS_MODE_BOTTOMUP ? "bottom-up" : "top-down");
	}
	fprintf(f, ", decided by %s\n",
		ua->layer < sizeof(layer_funcs) / sizeof(layer_funcs[0]) ?
		layer_funcs[ua->layer] : "an unknown step");
	if (ua->result_flags & VMALENS_UA_RANDOM)
		fprintf(f, "  random: the real mmap picks anywhere in 0x%llx" "-0x%llx" "%s\n",
			ua->random_start, ua->random_end,
			ua->result_flags & VMALENS_UA_MAY_FAIL ? "; some draws fail (ENOMEM)" : "");
	if (ua->result_flags & VMALENS_UA_EMULATED)
		fprintf(f, "  emulated: vmalens' own search, not the kernel's code\n");
	if (ua->result_flags & VMALENS_UA_APPROXIMATE)
		fprintf(f, "  approximate: a kernel step vmalens cannot reproduce may move it\n");
	if (ua->result_flags & VMALENS_UA_COMPAT)
		fprintf(f, "  compat: modelled as a 32-bit mmap\n");
	if (ua->result_flags & VMALENS_UA_REPLACES)
		fprintf(f, "  replaces: MAP_FIXED over existing mappings, which it would unmap\n");
}

/* The index of the first VMA ending above addr (l->nr if none). */
static size_t vma_find(const struct vma_list *l, uint64_t addr)
{
	size_t lo = 0, hi = l->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Draw [lo_vma, hi_vma] around an address with its marks. */
static void draw_around(const struct vma_list *l, size_t lo, size_t hi, uint64_t bottom,
			uint64_t top, const struct map_mark *marks, size_t nr_marks,
			uint64_t new_start, uint64_t new_end, const char *new_label)
{
	struct map_req r = {
		.vmas = l, .first = lo, .last = hi, .bottom = bottom, .top = top,
		.marks = marks, .nr_marks = nr_marks, .full = true,
		.new_start = new_start, .new_end = new_end, .new_label = new_label,
	};

	putchar('\n');
	map_draw(stdout, &r);
}

int dryrun_request(pid_t pid, uint64_t len, struct vmalens_unmapped_area *ua, int *file_fd)
{
	uint32_t flags = MAP_PRIVATE | MAP_ANONYMOUS;
	const char *bad;

	memset(ua, 0, sizeof(*ua));
	*file_fd = -1;
	if (lopt.flags && parse_mmap_flags(lopt.flags, &flags, &bad))
		return usage_err("probe", "unknown mmap flag '%s' in --flags", bad);
	ua->pid = pid;
	ua->len = len;
	ua->hint = lopt.hint;
	ua->pgoff = lopt.pgoff;
	ua->fd = -1;
	ua->prot = PROT_READ | PROT_WRITE;
	ua->mmap_flags = flags;
	ua->mode = !lopt.mode || !strcmp(lopt.mode, "auto") ? VMALENS_MODE_AUTO :
		   !strcmp(lopt.mode, "topdown") ? VMALENS_MODE_TOPDOWN : VMALENS_MODE_BOTTOMUP;
	if (lopt.file) {
		*file_fd = open(lopt.file, O_RDONLY | O_CLOEXEC);
		if (*file_fd < 0) {
			p_err("cannot open --file %s: %s", lopt.file, strerror(errno));
			return EXIT_ERR;
		}
		ua->fd = *file_fd;
		ua->prot = PROT_READ;
		ua->mmap_flags &= ~MAP_ANONYMOUS;
		if (!(ua->mmap_flags & (MAP_SHARED | MAP_PRIVATE)))
			ua->mmap_flags |= MAP_PRIVATE;
	}
	return 0;
}

uint64_t dryrun_end(uint64_t addr, uint64_t len, uint64_t page_size)
{
	/* unknown, or not a power of two: the length as asked */
	if (!page_size || (page_size & (page_size - 1)))
		return addr + len;
	return addr + ((len + page_size - 1) & ~(page_size - 1));
}

static void probe_plain(const struct vmalens_unmapped_area *ua, const struct vma_list *l,
			uint64_t page_size)
{
	static char file[PLAIN_NAME_MAX];
	char size[32], flags[128];
	struct map_mark marks[2];
	size_t lo, hi, nm = 0;
	uint64_t bottom, top;

	mmap_flag_names(ua->mmap_flags, flags, sizeof(flags));
	printf("pid %u: mmap(0x%llx" ", %s, %s%s%s) -> ", ua->pid, ua->hint,
	       human_size(ua->len, size, sizeof(size)), flags, lopt.file ? ", " : "",
	       lopt.file ? plain_str(lopt.file, file, sizeof(file)) : "");
	dryrun_line(stdout, ua);
	if (ua->error || !l)
		return;
	printf("  from the gap 0x%llx" "-0x%llx" " (%s)\n", ua->gap_start, ua->gap_end,
	       human_size(ua->gap_end - ua->gap_start, size, sizeof(size)));

	/* the neighbours: the VMA ending at gap_start, the one at gap_end */
	hi = vma_find(l, ua->gap_end);
	lo = vma_find(l, ua->gap_start ? ua->gap_start - 1 : 0);
	if (lo < l->nr && l->v[lo].start >= ua->gap_end)
		lo = l->nr;
	bottom = lo < l->nr ? l->v[lo].start : ua->gap_start;
	top = hi < l->nr ? l->v[hi].end : ua->gap_end;
	if (lo == l->nr)
		lo = hi;
	if (ua->result_flags & VMALENS_UA_RANDOM) {
		marks[nm++] = (struct map_mark){ ua->random_start, "random_start" };
		marks[nm++] = (struct map_mark){ ua->random_end, "random_end" };
	}
	if (ua->result_flags & VMALENS_UA_REPLACES)
		draw_around(l, lo, hi < l->nr ? hi + 1 : hi, bottom, top, marks, nm, 0, 0, NULL);
	else
		draw_around(l, lo, hi < l->nr ? hi + 1 : hi, bottom, top, marks, nm, ua->addr,
			    dryrun_end(ua->addr, ua->len, page_size), "the probed mmap");
}

int do_probe(int argc, char **argv)
{
	struct vmalens_unmapped_area ua;
	struct vmalens_mm_layout lay = { 0 };
	struct vma_list l = { 0 };
	int fd, file_fd, ret;
	pid_t pid;

	if (argc != 1)
		return usage_err("probe", argc ? "too many arguments" : "missing PID");
	ret = parse_pid_arg("probe", argv[0], &pid);
	if (ret)
		return ret;
	if (!lopt.have_len)
		return usage_err("probe", "missing --len SIZE");
	ret = dryrun_request(pid, lopt.len, &ua, &file_fd);
	if (ret)
		return ret;
	fd = dev_open_or_explain();
	if (fd < 0) {
		ret = EXIT_ERR;
		goto out;
	}
	ret = EXIT_ERR;
	if (dev_dryrun(fd, &ua))
		goto out_fd;
	if (json_output) {
		dryrun_json(&ua);
	} else {
		/* the layout for the page size the mapping is rounded to */
		if (!ua.error && (dev_layout(fd, pid, &lay) || dev_vmas(fd, pid, &l)))
			goto out_fd;
		probe_plain(&ua, ua.error ? NULL : &l, lay.page_size);
	}
	ret = EXIT_OK;
out_fd:
	close(fd);
out:
	if (file_fd >= 0)
		close(file_fd);
	vma_list_free(&l);
	return ret;
}

/* --- query ------------------------------------------------------------ */

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
			draw_around(l, lo, lo + 1, l->v[lo].start, top, &mark, 1, 0, 0, NULL);
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
	draw_around(l, lo, i + 1, i ? l->v[lo].start : 0, l->v[i].end, &mark, 1, 0, 0, NULL);
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
		if (have_prev && !vma_list_add_rec(l, &p.vma, pname))
			goto oom;
	}
	if (!vma_list_add_rec(l, &q.vma, name))
		goto oom;
	*idx = l->nr - 1;
	*below = have_prev ? p.gap_start : q.gap_start;
	if (!dev_layout(fd, pid, &lay)) {
		l->guard = lay.stack_guard_gap;
		*task_size = lay.task_size;
	}
	l->source = SRC_MODULE;
	return 0;
oom:
	p_err("out of memory");
	return -1;
}

int do_query(int argc, char **argv)
{
	struct vma_list l = { 0 };
	uint64_t addr, below = 0, task_size = 0;
	size_t i = 0;
	pid_t pid;
	int fd, ret;

	if (argc != 2)
		return usage_err("query", argc > 2 ? "too many arguments" : "expected PID ADDR");
	ret = parse_pid_arg("query", argv[0], &pid);
	if (ret)
		return ret;
	if (parse_addr(argv[1], &addr))
		return usage_err("query", "invalid address '%s': expected hex", argv[1]);

	fd = dev_open();
	if (fd >= 0) {
		ret = query_module(fd, pid, addr, &l, &i, &below, &task_size);
		close(fd);
		if (ret < 0)
			return EXIT_ERR;
		if (ret > 0 && read_vmas(pid, &l))
			return EXIT_ERR;
		if (ret > 0)
			i = l.nr;
	} else {
		if (errno != ENOENT && errno != EACCES && errno != EPERM)
			return dev_open_or_explain() < 0 ? EXIT_ERR : EXIT_ERR;
		if (proc_vmas(pid, &l))
			return EXIT_ERR;
		i = vma_find(&l, addr);
	}
	if (json_output)
		query_json(&l, i, addr, below);
	else
		query_plain(pid, &l, i, addr, below, task_size);
	vma_list_free(&l);
	return EXIT_OK;
}
