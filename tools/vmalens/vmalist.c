// SPDX-License-Identifier: GPL-2.0
/*
 * A process's VMAs as one list, whichever interface they came from
 * (vmasrc.c): the list, what each VMA is, and its JSON object.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"

#define VM_GROWSDOWN_BIT	0x00000100ULL	/* include/linux/mm.h */

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
	bool grows_down = v->has_flags ? !!(v->vm_flags & VM_GROWSDOWN_BIT) :
			  v->kind == VMALENS_KIND_STACK;

	if (!grows_down || !gap)
		return 0;
	return gap < l->guard ? gap : l->guard;
}

static bool path_deleted(const char *path)
{
	size_t len = strlen(path), n = strlen(" (deleted)");

	return len > n && !strcmp(path + len - n, " (deleted)");
}

/*
 * The keys of "vmas --json" (doc/vmalens.1); stable.  The object is left
 * open for a command's own keys (vmas --distance).
 */
void vma_json_open(const struct vma_list *l, size_t i, uint64_t gap_before)
{
	const struct lvma *v = &l->v[i];
	char dev[16], perms[5];

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
	jsonw_name(json_wtr, "flags");
	if (v->has_flags)
		jsonw_hex(json_wtr, v->vm_flags);
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
