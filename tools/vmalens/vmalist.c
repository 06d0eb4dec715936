// SPDX-License-Identifier: GPL-2.0
/*
 * A process's VMAs as one list, whichever interface they came from
 * (vmasrc.c): the list, what each VMA is, and its JSON object.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"

void vma_list_free(struct vma_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct lvma *vma_list_add(struct vma_list *l, const char *name)
{
	struct lvma *tmp;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		tmp = realloc(l->v, cap * sizeof(*l->v));
		if (!tmp)
			return NULL;
		l->v = tmp;
		l->cap = cap;
	}
	tmp = &l->v[l->nr];
	memset(tmp, 0, sizeof(*tmp));
	tmp->pkey = -1;		/* only the module's records (ABI 4) carry one */
	tmp->name = strdup(name);
	if (!tmp->name)
		return NULL;
	l->nr++;
	return tmp;
}

static const char *const kind_names[] = {
	[VMALENS_KIND_ANON] = "anon", [VMALENS_KIND_FILE] = "file",
	[VMALENS_KIND_HEAP] = "heap", [VMALENS_KIND_STACK] = "stack",
	[VMALENS_KIND_VDSO] = "vdso", [VMALENS_KIND_VVAR] = "vvar",
	[VMALENS_KIND_SPECIAL] = "special",
};

size_t vma_list_find(const struct vma_list *l, uint64_t addr)
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

const char *vma_kind_name(uint32_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "special";
}

void vma_perms(const struct lvma *v, char perms[5])
{
	perms[0] = v->prot & VMALENS_VMA_READ ? 'r' : '-';
	perms[1] = v->prot & VMALENS_VMA_WRITE ? 'w' : '-';
	perms[2] = v->prot & VMALENS_VMA_EXEC ? 'x' : '-';
	perms[3] = v->prot & VMALENS_VMA_SHARED ? 's' : 'p';
	perms[4] = '\0';
}

uint64_t vma_gap_guard(const struct vma_list *l, size_t i, uint64_t gap)
{
	const struct lvma *v = &l->v[i];
	bool grows_down = v->has_flags ? !!(v->flags & VMALENS_VMA_F_GROWSDOWN) :
			  v->kind == VMALENS_KIND_STACK;

	if (!grows_down || !gap)
		return 0;
	return gap < l->guard ? gap : l->guard;
}

/*
 * The VMALENS_VMA_F_* bits: the mnemonic /proc/PID/smaps prints for each in
 * VmFlags, and the key of "flags" in JSON (doc/vmalens.1).
 */
static const struct {
	uint64_t flag;
	const char *mnemonic, *key;
} vma_flag_names[] = {
	{ VMALENS_VMA_F_READ, "rd", "read" },
	{ VMALENS_VMA_F_WRITE, "wr", "write" },
	{ VMALENS_VMA_F_EXEC, "ex", "exec" },
	{ VMALENS_VMA_F_SHARED, "sh", "shared" },
	{ VMALENS_VMA_F_MAYREAD, "mr", "mayread" },
	{ VMALENS_VMA_F_MAYWRITE, "mw", "maywrite" },
	{ VMALENS_VMA_F_MAYEXEC, "me", "mayexec" },
	{ VMALENS_VMA_F_MAYSHARE, "ms", "mayshare" },
	{ VMALENS_VMA_F_GROWSDOWN, "gd", "growsdown" },
	{ VMALENS_VMA_F_PFNMAP, "pf", "pfnmap" },
	{ VMALENS_VMA_F_LOCKED, "lo", "locked" },
	{ VMALENS_VMA_F_IO, "io", "io" },
	{ VMALENS_VMA_F_SEQ_READ, "sr", "seq_read" },
	{ VMALENS_VMA_F_RAND_READ, "rr", "rand_read" },
	{ VMALENS_VMA_F_DONTCOPY, "dc", "dontcopy" },
	{ VMALENS_VMA_F_DONTEXPAND, "de", "dontexpand" },
	{ VMALENS_VMA_F_LOCKONFAULT, "lf", "lock_on_fault" },
	{ VMALENS_VMA_F_ACCOUNT, "ac", "account" },
	{ VMALENS_VMA_F_NORESERVE, "nr", "noreserve" },
	{ VMALENS_VMA_F_HUGETLB, "ht", "hugetlb" },
	{ VMALENS_VMA_F_SYNC, "sf", "sync" },
	{ VMALENS_VMA_F_ARCH_1, "ar", "arch_1" },
	{ VMALENS_VMA_F_WIPEONFORK, "wf", "wipeonfork" },
	{ VMALENS_VMA_F_DONTDUMP, "dd", "dontdump" },
	{ VMALENS_VMA_F_SOFTDIRTY, "sd", "soft_dirty" },
	{ VMALENS_VMA_F_MIXEDMAP, "mm", "mixedmap" },
	{ VMALENS_VMA_F_HUGEPAGE, "hg", "hugepage" },
	{ VMALENS_VMA_F_NOHUGEPAGE, "nh", "nohugepage" },
	{ VMALENS_VMA_F_MERGEABLE, "mg", "mergeable" },
	{ VMALENS_VMA_F_UFFD_MISSING, "um", "uffd_missing" },
	{ VMALENS_VMA_F_UFFD_WP, "uw", "uffd_wp" },
	{ VMALENS_VMA_F_UFFD_MINOR, "ui", "uffd_minor" },
	{ VMALENS_VMA_F_SHADOW_STACK, "ss", "shadow_stack" },
	{ VMALENS_VMA_F_DROPPABLE, "dp", "droppable" },
	{ VMALENS_VMA_F_SEALED, "sl", "sealed" },
	{ VMALENS_VMA_F_BTI, "bt", "bti" },
	{ VMALENS_VMA_F_MTE, "mt", "mte" },
	{ VMALENS_VMA_F_DENYWRITE, "dw", "denywrite" },
	{ VMALENS_VMA_F_MAYBE_GUARD, "gu", "maybe_guard" },
};

#define NR_VMA_FLAG_NAMES (sizeof(vma_flag_names) / sizeof(vma_flag_names[0]))

const char *vma_flag_mnemonics(uint64_t flags, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NR_VMA_FLAG_NAMES; i++)
		if (flags & vma_flag_names[i].flag)
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? " " : "", vma_flag_names[i].mnemonic);
	return buf;
}

/* "flags": the flags that are set, each true; null without the module */
static void vma_flags_json(const struct lvma *v)
{
	size_t i;

	jsonw_name(json_wtr, "flags");
	if (!v->has_flags) {
		jsonw_null(json_wtr);
		return;
	}
	jsonw_start_object(json_wtr);
	for (i = 0; i < NR_VMA_FLAG_NAMES; i++)
		if (v->flags & vma_flag_names[i].flag)
			jsonw_bool_field(json_wtr, vma_flag_names[i].key, true);
	jsonw_end_object(json_wtr);
}

static bool path_deleted(const char *path)
{
	size_t len = strlen(path), n = strlen(" (deleted)");

	return len > n && !strcmp(path + len - n, " (deleted)");
}

bool vma_above_space(uint64_t start)
{
	return start >= 0xff00000000000000ULL;
}

bool vma_wx(const struct lvma *v)
{
	return (v->prot & (VMALENS_VMA_WRITE | VMALENS_VMA_EXEC)) ==
	       (VMALENS_VMA_WRITE | VMALENS_VMA_EXEC);
}

/*
 * The keys of "vmas --json" (doc/vmalens.1); stable.  The object is left
 * open for a command's own keys (vmas --distance).
 */
void vma_json_open(const struct vma_list *l, size_t i, uint64_t gap_before)
{
	const struct lvma *v = &l->v[i];
	char dev[16], perms[5];

	if (vma_above_space(v->start))
		gap_before = 0;
	vma_perms(v, perms);
	snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
	jsonw_start_object(json_wtr);
	jsonw_hex_field(json_wtr, "start", v->start);
	jsonw_hex_field(json_wtr, "end", v->end);
	jsonw_uint_field(json_wtr, "size", v->end - v->start);
	jsonw_string_field(json_wtr, "perms", perms);
	jsonw_hex_field(json_wtr, "offset", v->offset);
	jsonw_string_field(json_wtr, "dev", dev);
	jsonw_uint_field(json_wtr, "inode", v->inode);
	jsonw_string_field(json_wtr, "path", v->name);
	jsonw_bool_field(json_wtr, "deleted", v->inode && path_deleted(v->name));
	jsonw_string_field(json_wtr, "kind", vma_kind_name(v->kind));
	vma_flags_json(v);
	jsonw_name(json_wtr, "vm_flags");
	if (v->has_flags)
		jsonw_hex(json_wtr, v->vm_flags);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "pkey");
	if (v->pkey >= 0)
		jsonw_int(json_wtr, v->pkey);
	else
		jsonw_null(json_wtr);
	jsonw_uint_field(json_wtr, "gap_before", gap_before);
	jsonw_uint_field(json_wtr, "guard_before", vma_gap_guard(l, i, gap_before));
}

void vma_json(const struct vma_list *l, size_t i, uint64_t gap_before)
{
	vma_json_open(l, i, gap_before);
	jsonw_end_object(json_wtr);
}
