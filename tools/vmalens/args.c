// SPDX-License-Identifier: GPL-2.0
/*
 * The options of the reader's commands, colour, and the parsers of their
 * arguments: sizes, addresses, mmap flag names.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lens.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

struct lens_opts lopt;
int color_mode = -1;

/* "LOW-HIGH", two hex addresses, LOW below HIGH. */
static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash = strchr(s, '-');
	char low[32];

	if (!dash || (size_t)(dash - s) >= sizeof(low))
		return -EINVAL;
	memcpy(low, s, dash - s);
	low[dash - s] = '\0';
	if (parse_addr(low, lo) || parse_addr(dash + 1, hi) || *lo >= *hi)
		return -EINVAL;
	return 0;
}

/* vmas' filters and columns. */
static int cmd_set_vmas_opt(const char *cmd, int opt, const char *arg)
{
	switch (opt) {
	case OPT_FILTER:
		lopt.filter = arg;
		break;
	case OPT_RANGE:
		if (parse_range(arg, &lopt.range_lo, &lopt.range_hi))
			return usage_err(cmd, "invalid --range '%s': expected LOW-HIGH, hex, LOW below HIGH",
					 arg);
		break;
	case OPT_PERM:
		if (!*arg || arg[strspn(arg, "rwxps")])
			return usage_err(cmd, "invalid --perm '%s': expected letters of r, w, x, p, s",
					 arg);
		lopt.perm = arg;
		break;
	case OPT_BYTES:
		lopt.bytes = true;
		break;
	case OPT_VMFLAGS:
		lopt.vmflags = true;
		break;
	case OPT_DISTANCE:
		if (parse_addr(arg, &lopt.distance_from))
			return usage_err(cmd, "invalid --distance '%s': expected a hex address", arg);
		lopt.have_distance = true;
		break;
	}
	return 0;
}

int cmd_set_opt(const char *cmd, int opt, const char *arg)
{
	uint64_t n;

	switch (opt) {
	case OPT_LEN:
		if (parse_size(arg, &lopt.len) || !lopt.len)
			return usage_err(cmd, "invalid --len '%s': expected a size such as 4096, 64K, 1G",
					 arg);
		lopt.have_len = true;
		break;
	case OPT_HINT:
		if (parse_addr(arg, &lopt.hint))
			return usage_err(cmd, "invalid --hint '%s': expected a hex address", arg);
		lopt.have_hint = true;
		break;
	case OPT_PGOFF:
		if (parse_count(arg, &lopt.pgoff))
			return usage_err(cmd, "invalid --pgoff '%s': expected a number of pages",
					 arg);
		lopt.have_pgoff = true;
		break;
	case OPT_FLAGS:
		lopt.flags = arg;
		break;
	case OPT_FILE:
		lopt.file = arg;
		break;
	case OPT_MODE:
		if (strcmp(arg, "auto") && strcmp(arg, "topdown") && strcmp(arg, "bottomup"))
			return usage_err(cmd, "invalid --mode '%s': expected auto, topdown or bottomup",
					 arg);
		lopt.mode = arg;
		break;
	case OPT_SORT:
		if (strcmp(arg, "pid") && strcmp(arg, "map_count") && strcmp(arg, "maps") &&
		    strcmp(arg, "total_vm"))
			return usage_err(cmd, "invalid --sort '%s': expected pid, map_count or total_vm",
					 arg);
		lopt.sort = arg;
		break;
	case OPT_FULL:
		lopt.full = true;
		break;
	case OPT_NO_GAPS:
		lopt.no_gaps = true;
		break;
	case OPT_SAMPLES:
		if (parse_count(arg, &n) || n > INT_MAX)
			return usage_err(cmd, "invalid --samples '%s': expected a number", arg);
		aslr_samples = n;
		break;
	case OPT_COMPAT:
		aslr_compat = true;
		break;
	case OPT_EXEC:
		aslr_exec = (char *)arg;
		break;
	case OPT_FORK:
		aslr_fork = true;
		break;
	case OPT_FORK_EXEC:
		aslr_fork_exec = true;
		break;
	default:
		return cmd_set_vmas_opt(cmd, opt, arg);
	}
	return 0;
}

int set_color_mode(const char *arg)
{
	if (!arg || !strcmp(arg, "always"))
		color_mode = 1;
	else if (!strcmp(arg, "never"))
		color_mode = 0;
	else if (!strcmp(arg, "auto"))
		color_mode = -1;
	else
		return usage_err(NULL, "invalid --color '%s': expected never, always or auto", arg);
	return 0;
}

bool color_on(void)
{
	static int tty = -1;

	if (json_output || color_mode == 0)
		return false;
	if (color_mode == 1)
		return true;
	if (tty < 0)
		tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	return tty;
}

const char *col(enum color c)
{
	static const char *const seq[] = {
		[C_OFF] = "\033[0m", [C_STACK] = "\033[35m", [C_HEAP] = "\033[32m",
		[C_FILE] = "\033[34m", [C_ANON] = "\033[33m", [C_SPECIAL] = "\033[36m",
		[C_MARK] = "\033[1;31m", [C_GAP] = "\033[2m", [C_ADDED] = "\033[32m",
		[C_REMOVED] = "\033[31m", [C_BOLD] = "\033[1m",
	};

	return color_on() ? seq[c] : "";
}

const char *col_end(void)
{
	return col(C_OFF);
}

/*
 * Digits of @base at s, at least one, into *out; *end after the last.
 * No sign, no space, no second prefix, no overflow: what strtoull lets
 * through ("-1", " 7", "0x0x10" in base 16) is refused here.
 */
static int parse_digits(const char *s, unsigned int base, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	unsigned int d;
	const char *p;

	for (p = s; isxdigit((unsigned char)*p); p++) {
		d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (p == s)
		return -EINVAL;
	*out = v;
	*end = p;
	return 0;
}

/* Decimal, or hex after 0x: never octal, so "010" is ten. */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, 16, out, end);
	return parse_digits(s, 10, out, end);
}

int parse_count(const char *s, uint64_t *out)
{
	const char *end;

	if (parse_number(s, out, &end) || *end)
		return -EINVAL;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end))
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	}
	if (shift && (!strcasecmp(end, "iB") || !strcasecmp(end, "B")))
		end += strlen(end);
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int parse_addr(const char *s, uint64_t *out)
{
	const char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (parse_digits(s, 16, out, &end) || *end)
		return -EINVAL;
	return 0;
}

/* Values mmap's headers may lack: the kernel's, per arch where noted. */
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED	0x4000000
#endif
#if defined(__x86_64__) && !defined(MAP_ABOVE4G)
#define MAP_ABOVE4G		0x80
#endif

/*
 * The mmap flag names; a type (the MAP_TYPE field: shared, private,
 * shared_validate, droppable) is a value of the field, not a bit.
 */
static const struct {
	const char *name;
	uint32_t flag;
	bool type;
} mmap_flags[] = {
	{ "shared", MAP_SHARED, true },
	{ "private", MAP_PRIVATE, true },
	{ "shared_validate", MAP_SHARED_VALIDATE, true },
	{ "droppable", MAP_DROPPABLE, true },
	{ "fixed", MAP_FIXED, false },
	{ "anonymous", MAP_ANONYMOUS, false },
#ifdef MAP_32BIT
	{ "32bit", MAP_32BIT, false },
#endif
#ifdef MAP_ABOVE4G
	{ "above4g", MAP_ABOVE4G, false },
#endif
	{ "growsdown", MAP_GROWSDOWN, false },
	{ "noreserve", MAP_NORESERVE, false },
	{ "populate", MAP_POPULATE, false },
	{ "locked", MAP_LOCKED, false },
	{ "stack", MAP_STACK, false },
	{ "hugetlb", MAP_HUGETLB, false },
	{ "fixed_noreplace", MAP_FIXED_NOREPLACE, false },
	{ "uninitialized", MAP_UNINITIALIZED, false },
};

#define NR_MMAP_FLAGS (sizeof(mmap_flags) / sizeof(mmap_flags[0]))

/* "private,anonymous" → MAP_PRIVATE | MAP_ANONYMOUS; *bad: the unknown one */
int parse_mmap_flags(const char *s, uint32_t *out, const char **bad)
{
	static char word[64];
	const char *p = s, *comma;
	size_t i, n;

	*out = 0;
	while (*p) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, p, n);
		word[n] = '\0';
		for (i = 0; i < NR_MMAP_FLAGS; i++)
			if (!strcmp(word, mmap_flags[i].name))
				break;
		if (i == NR_MMAP_FLAGS) {
			*bad = word;
			return -EINVAL;
		}
		*out |= mmap_flags[i].flag;
		p += n + (comma ? 1 : 0);
	}
	return 0;
}

const char *mmap_flag_names(uint32_t flags, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NR_MMAP_FLAGS; i++)
		if (mmap_flags[i].type ? (flags & MAP_TYPE) == mmap_flags[i].flag :
					 (flags & mmap_flags[i].flag) != 0)
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", mmap_flags[i].name);
	return buf;
}
