// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens layout [PID]: the fields of VMALENS_IOC_LAYOUT, one a line, or
 * the layout object that "show --json" embeds: one table serves both.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

int va_bits(uint64_t task_size)
{
	int bits = 0;

	while (bits < 64 && (1ULL << bits) < task_size)
		bits++;
	return bits;
}

enum lay_type {
	LT_HEX,		/* an address: "0x..." */
	LT_U64,
	LT_U32,
	LT_S32,		/* -1: unknown */
	LT_COMM,
	LT_LAYOUT,	/* "topdown" or "legacy" */
	LT_VA_BITS,	/* derived from task_size */
};

/* The keys of the layout object, in order (doc/vmalens.1). */
static const struct lay_key {
	const char *name;
	enum lay_type type;
	size_t off;
} lay_keys[] = {
#define K(name, type) { #name, type, offsetof(struct vmalens_mm_layout, name) }
	K(pid, LT_U32),
	K(comm, LT_COMM),
	K(layout, LT_LAYOUT),
	K(compat, LT_U32),
	K(mmap_base, LT_HEX),
	K(mmap_legacy_base, LT_HEX),
	K(mmap_compat_base, LT_HEX),
	K(mmap_compat_legacy_base, LT_HEX),
	K(task_size, LT_HEX),
	{ "va_bits", LT_VA_BITS, offsetof(struct vmalens_mm_layout, task_size) },
	K(start_code, LT_HEX),
	K(end_code, LT_HEX),
	K(start_data, LT_HEX),
	K(end_data, LT_HEX),
	K(start_brk, LT_HEX),
	K(brk, LT_HEX),
	K(start_stack, LT_HEX),
	K(arg_start, LT_HEX),
	K(arg_end, LT_HEX),
	K(env_start, LT_HEX),
	K(env_end, LT_HEX),
	K(vdso, LT_HEX),
	K(map_count, LT_U64),
	K(total_vm, LT_U64),
	K(page_size, LT_U64),
	K(stack_guard_gap, LT_U64),
	K(mmap_min_addr, LT_U64),
	K(mmap_rnd_bits, LT_S32),
	K(mmap_rnd_compat_bits, LT_S32),
#undef K
};

#define NR_KEYS	(sizeof(lay_keys) / sizeof(lay_keys[0]))

const char *layout_name(uint32_t layout)
{
	return layout == VMALENS_MODE_BOTTOMUP ? "legacy" : "topdown";
}

static uint64_t u64_at(const struct vmalens_mm_layout *l, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)l + off, sizeof(v));
	return v;
}

static uint32_t u32_at(const struct vmalens_mm_layout *l, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)l + off, sizeof(v));
	return v;
}

void layout_json(const struct vmalens_mm_layout *l)
{
	const struct lay_key *k;

	jsonw_start_object(json_wtr);
	for (k = lay_keys; k < lay_keys + NR_KEYS; k++) {
		jsonw_name(json_wtr, k->name);
		switch (k->type) {
		case LT_HEX:
			jsonw_hex(json_wtr, u64_at(l, k->off));
			break;
		case LT_U64:
			jsonw_uint(json_wtr, u64_at(l, k->off));
			break;
		case LT_U32:
			jsonw_uint(json_wtr, u32_at(l, k->off));
			break;
		case LT_S32:
			jsonw_int(json_wtr, (int32_t)u32_at(l, k->off));
			break;
		case LT_COMM:
			jsonw_string(json_wtr, l->comm);
			break;
		case LT_LAYOUT:
			jsonw_string(json_wtr, layout_name(l->layout));
			break;
		case LT_VA_BITS:
			jsonw_uint(json_wtr, va_bits(l->task_size));
			break;
		}
	}
	jsonw_end_object(json_wtr);
}

/* "key  value" lines with the JSON object's keys, in its order. */
void layout_plain(const struct vmalens_mm_layout *l)
{
	char comm[4 * sizeof(l->comm)];
	const struct lay_key *k;
	int width = 0, w;

	for (k = lay_keys; k < lay_keys + NR_KEYS; k++) {
		w = strlen(k->name);
		if (w > width)
			width = w;
	}
	for (k = lay_keys; k < lay_keys + NR_KEYS; k++) {
		printf("%-*s  ", width, k->name);
		switch (k->type) {
		case LT_HEX:
			printf("0x%" PRIx64 "\n", u64_at(l, k->off));
			break;
		case LT_U64:
			printf("%" PRIu64 "\n", u64_at(l, k->off));
			break;
		case LT_U32:
			printf("%" PRIu32 "\n", u32_at(l, k->off));
			break;
		case LT_S32:
			printf("%" PRId32 "\n", (int32_t)u32_at(l, k->off));
			break;
		case LT_COMM:
			printf("%s\n", plain_str(l->comm, comm, sizeof(comm)));
			break;
		case LT_LAYOUT:
			printf("%s\n", layout_name(l->layout));
			break;
		case LT_VA_BITS:
			printf("%d\n", va_bits(l->task_size));
			break;
		}
	}
}

int do_layout(int argc, char **argv)
{
	struct vmalens_mm_layout lay;
	struct lens_src src;
	pid_t pid;
	int ret;

	ret = parse_pid_args("layout", argc, argv, &pid);
	if (ret)
		return ret;
	if (src_open(&src, true))
		return EXIT_ERR;
	ret = src_layout(&src, pid, &lay);
	src_close(&src);
	if (ret)
		return EXIT_ERR;
	if (json_output)
		layout_json(&lay);
	else
		layout_plain(&lay);
	return EXIT_OK;
}
