// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens probe PID --len SIZE ...: where would the process's next mmap()
 * land (VMALENS_IOC_UNMAPPED_AREA), drawn with the gap it came from and
 * its neighbours.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lens.h"

static const char *const layer_names[] = {
	[VMALENS_LAYER_DO_MMAP] = "do_mmap", [VMALENS_LAYER_FILE] = "file",
	[VMALENS_LAYER_SHMEM] = "shmem", [VMALENS_LAYER_THP] = "thp",
	[VMALENS_LAYER_ARCH] = "arch", [VMALENS_LAYER_VMALENS] = "vmalens",
	[VMALENS_LAYER_LIMITS] = "limits", [VMALENS_LAYER_COMMIT] = "commit",
	[VMALENS_LAYER_SEAL] = "seal", [VMALENS_LAYER_MDWE] = "mdwe",
	[VMALENS_LAYER_ARCH_FLAGS] = "arch-flags",
};

/* The kernel step each layer stands for, for the plain output. */
static const char *const layer_funcs[] = {
	[VMALENS_LAYER_DO_MMAP] = "do_mmap() argument checks / MAP_FIXED",
	[VMALENS_LAYER_FILE] = "the file's f_op->get_unmapped_area",
	[VMALENS_LAYER_SHMEM] = "shmem_get_unmapped_area (shared anonymous)",
	[VMALENS_LAYER_THP] = "thp_get_unmapped_area (PMD-aligned anonymous)",
	[VMALENS_LAYER_ARCH] = "arch_get_unmapped_area",
	[VMALENS_LAYER_VMALENS] = "vmalens' copy of the arch search (forced --mode)",
	[VMALENS_LAYER_LIMITS] = "mmap_region(): RLIMIT_AS / RLIMIT_DATA (may_expand_vm)",
	[VMALENS_LAYER_COMMIT] = "the commit charge (vm.overcommit_memory, __vm_enough_memory)",
	[VMALENS_LAYER_SEAL] = "a seal: the memfd's write seals, or a VMA sealed by mseal(2)",
	[VMALENS_LAYER_MDWE] = "prctl(PR_SET_MDWE): no mapping both writable and executable",
	[VMALENS_LAYER_ARCH_FLAGS] = "arch_validate_flags(): arm64 PROT_MTE on memory without tags",
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
	jsonw_bool_field(json_wtr, "global_commit", ua->result_flags & VMALENS_UA_GLOBAL_COMMIT);
	jsonw_name(json_wtr, "unmodelled");
	jsonw_start_array(json_wtr);
	if (ua->result_flags & VMALENS_UA_UNMODELLED_LSM)
		jsonw_string(json_wtr, "lsm");
	if (ua->result_flags & VMALENS_UA_UNMODELLED_FILE_MMAP)
		jsonw_string(json_wtr, "file_mmap");
	jsonw_end_array(json_wtr);
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
	if ((ua->result_flags & VMALENS_UA_RANDOM) && ua->error)
		fprintf(f, "  random: the real mmap searches 0x%llx" "-0x%llx" " from a random start;\n"
			"  some draws find no room and fail with ENOMEM first\n",
			ua->random_start, ua->random_end);
	else if (ua->result_flags & VMALENS_UA_RANDOM)
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
	if (ua->result_flags & VMALENS_UA_GLOBAL_COMMIT)
		fprintf(f, "  global commit: vm.overcommit_memory is 2, and what every process\n"
			"  commits meanwhile may change the answer\n");
	if (ua->result_flags & VMALENS_UA_UNMODELLED_FILE_MMAP)
		fprintf(f, "  not evaluated: the file's ->mmap (its driver or file system) may\n"
			"  still refuse\n");
	if (ua->result_flags & VMALENS_UA_UNMODELLED_LSM)
		fprintf(f, "  not evaluated: an LSM's mmap hooks (security_mmap_file,\n"
			"  security_mmap_addr) may still refuse\n");
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
	hi = vma_list_find(l, ua->gap_end);
	lo = vma_list_find(l, ua->gap_start ? ua->gap_start - 1 : 0);
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
		map_draw_around(l, lo, hi < l->nr ? hi + 1 : hi, bottom, top, marks, nm, 0, 0, NULL);
	else
		map_draw_around(l, lo, hi < l->nr ? hi + 1 : hi, bottom, top, marks, nm, ua->addr,
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
	if (backend_forced != BACKEND_NR && backend_forced != BACKEND_MODULE)
		return usage_err("probe", "the dry-run runs in the module; --backend=%s has none",
				 backend_name(backend_forced));
	ret = dryrun_request(pid, lopt.len, &ua, &file_fd);
	if (ret)
		return ret;
	fd = dev_open();
	if (fd < 0) {
		dev_explain_open_error(errno,
				       "the dry-run needs the module: no other backend has it");
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
