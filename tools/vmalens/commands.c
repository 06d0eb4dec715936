// SPDX-License-Identifier: GPL-2.0
/*
 * The command table, and the two commands that read no report: help and
 * version.  Help text is generated from the table so that it cannot drift
 * from the commands; test_parse.c holds doc/vmalens.1 to the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"
#include "../../module/uapi/vmalens.h"

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

/* What a PID argument takes (parse_pid_arg()); "[PID]" adds the default. */
#define PID_NAME_DETAILS \
	"  PID is a process id in vmalens's pid namespace, \"self\", or a process\n" \
	"  name as for pidof (a comm, an argv[0] or its basename) that matches\n" \
	"  exactly one process other than vmalens itself.\n"

#define PID_DETAILS PID_NAME_DETAILS \
	"  PID defaults to the vmalens process itself (like /proc/self).  Reading\n" \
	"  another process needs CAP_SYS_PTRACE; /dev/vmalens itself needs root.\n"

#define PROBE_ARGS \
	"PID --len SIZE [--hint ADDR] [--flags LIST] [--pgoff N] [--file PATH] " \
	"[--mode auto|topdown|bottomup]"

/*
 * The options of each command, beside global_opts: cmd_select() gives
 * getopt_long the two lists together, so a command takes its own options
 * and no other command's.  Their values: cmd_set_opt() in args.c.
 */
#define OPT_VALUE(name, val)	{ name, required_argument, NULL, val }
#define OPT_FLAG(name, val)	{ name, no_argument, NULL, val }

/* the arguments of the modelled mmap: probe's, and show's next mmap */
#define MMAP_OPTS \
	OPT_VALUE("len", OPT_LEN), OPT_VALUE("hint", OPT_HINT), \
	OPT_VALUE("flags", OPT_FLAGS), OPT_VALUE("pgoff", OPT_PGOFF), \
	OPT_VALUE("file", OPT_FILE), OPT_VALUE("mode", OPT_MODE)

/* which VMAs vmas lists and show draws */
#define FILTER_OPTS \
	OPT_VALUE("filter", OPT_FILTER), OPT_VALUE("range", OPT_RANGE), \
	OPT_VALUE("perm", OPT_PERM)

static const struct option show_opts[] = {
	OPT_FLAG("full", OPT_FULL), FILTER_OPTS, MMAP_OPTS, { 0 }
};
static const struct option vmas_opts[] = {
	OPT_FLAG("no-gaps", OPT_NO_GAPS), FILTER_OPTS, OPT_FLAG("bytes", OPT_BYTES),
	OPT_VALUE("distance", OPT_DISTANCE), OPT_FLAG("flags", OPT_VMFLAGS), { 0 }
};
static const struct option probe_opts[] = { MMAP_OPTS, { 0 } };
static const struct option tasks_opts[] = {
	OPT_VALUE("sort", OPT_SORT), OPT_FLAG("bytes", OPT_BYTES), { 0 }
};
static const struct option aslr_opts[] = {
	OPT_VALUE("samples", OPT_SAMPLES), OPT_FLAG("compat", OPT_COMPAT),
	OPT_VALUE("exec", OPT_EXEC), OPT_FLAG("fork", OPT_FORK), OPT_FLAG("fork-exec", OPT_FORK_EXEC),
	OPT_VALUE("file", OPT_FILE), { 0 }
};

const struct option global_opts[] = {
	OPT_FLAG("json", 'j'),
	OPT_FLAG("pretty", 'p'),
	OPT_FLAG("help", 'h'),
	OPT_FLAG("quiet", 'q'),
	{ "color", optional_argument, NULL, OPT_COLOR },
	OPT_VALUE("backend", OPT_BACKEND),
	OPT_FLAG("version", 'V'),	/* before the command only */
	{ 0 }
};

const struct cmd main_cmds[] = {
	{ "show", do_show, show_opts,
	  "[PID] [--full] [--filter TEXT] [--range LOW-HIGH] [--perm LETTERS] "
	  "[--len SIZE] [--hint ADDR] [--flags LIST] [--pgoff N] [--file PATH] "
	  "[--mode auto|topdown|bottomup]",
	  "draw the address-space map of a process, with its layout summary",
	  "  A summary (layout mode, mmap_base, brk, stack, task_size and VA bits,\n"
	  "  page size, ASLR in force, where the next mmap of --len bytes, default\n"
	  "  one page, would land), then the map from task_size down to 0: one band\n"
	  "  per region, one row per gap with its size, mmap_base, brk and the next\n"
	  "  mmap marked.  Neighbouring VMAs of one file, or of anonymous memory, are\n"
	  "  grouped; --full draws one band per VMA.  The filters of vmas choose\n"
	  "  the VMAs drawn (and listed with --json): the space of those left out\n"
	  "  is a \"filtered out\" row, never a gap; --range draws [LOW, HIGH) only.\n"
	  "  --len and the other mmap arguments are probe's, for the next mmap.\n"
	  "  Needs the module, or the BPF backend (then no next mmap).\n"
	  PID_DETAILS },
	{ "layout", do_layout, NULL, "[PID]",
	  "show the address-space layout parameters of a process",
	  "  Prints mmap_base, the legacy/top-down choice, brk, stack, vdso,\n"
	  "  randomisation bits and the stack guard gap, one field a line.\n"
	  PID_DETAILS },
	{ "vmas", do_vmas, vmas_opts,
	  "[PID] [--no-gaps] [--filter TEXT] [--range LOW-HIGH] [--perm LETTERS] "
	  "[--bytes] [--distance ADDR] [--flags]",
	  "list the VMAs of a process, with the gaps between them",
	  "  One row per VMA: range, size, perms, kind, offset, path; a gap row\n"
	  "  where two VMAs do not touch (with the stack guard gap), unless\n"
	  "  --no-gaps.  With --json: an array of VMA objects, each with\n"
	  "  \"gap_before\".  Reads /dev/vmalens; without the module, the BPF\n"
	  "  backend, the kernel's PROCMAP_QUERY (6.11+) or /proc/PID/maps (these\n"
	  "  two: kind guessed, no flags).\n"
	  "  Filters (no gap rows then): --filter, names that contain TEXT;\n"
	  "  --range, VMAs that overlap [LOW, HIGH) (hex); --perm, VMAs with every\n"
	  "  letter of r, w, x, p, s (--perm wx: writable and executable, which\n"
	  "  the table highlights).  --bytes: exact sizes.  --distance: each VMA's\n"
	  "  start minus ADDR (hex), a column, or \"distance\" in JSON.  --flags:\n"
	  "  a column of the VMA's flags, named as smaps' VmFlags names them\n"
	  "  (module only; JSON always has them as \"flags\").\n"
	  PID_DETAILS },
	{ "query", do_query, NULL, "PID ADDR",
	  "show the VMA that covers an address, or the gap it lies in",
	  "  ADDR is hex.  Prints the VMA, the gap before it and its neighbour\n"
	  "  below, drawn as in show.  Without the module: the BPF backend,\n"
	  "  PROCMAP_QUERY or /proc/PID/maps.\n"
	  PID_NAME_DETAILS },
	{ "probe", do_probe, probe_opts, PROBE_ARGS,
	  "show where an mmap() by the process would land now (a dry-run)",
	  "  Asks the module where mmap(ADDR, SIZE, PROT_READ|PROT_WRITE, FLAGS,\n"
	  "  fd, N) called by PID would land, without mapping anything.  SIZE\n"
	  "  takes K, M, G suffixes; N is in pages; ADDR is hex; FLAGS are mmap\n"
	  "  flag names without MAP_, lowercase, comma-separated (private, shared,\n"
	  "  shared_validate, droppable, anonymous, fixed, fixed_noreplace, 32bit,\n"
	  "  above4g, stack, growsdown, hugetlb, noreserve, populate, locked,\n"
	  "  uninitialized; default private,anonymous).  --file maps\n"
	  "  PATH (read-only) instead of anonymous memory.  --mode topdown or bottomup\n"
	  "  runs the search of the other layout.  Prints the address (or the\n"
	  "  errno), the kernel step that decided, and the gap it came from with\n"
	  "  its neighbours.  Needs the module.\n"
	  PID_NAME_DETAILS },
	{ "tasks", do_tasks, tasks_opts, "[--sort pid|map_count|total_vm] [--bytes]",
	  "list the processes with an address space",
	  "  Sorted by pid (default), or biggest first by map_count or total_vm.\n"
	  "  --bytes: TOTAL_VM in bytes, not binary units.\n"
	  "  Without CAP_SYS_PTRACE only vmalens's own process is listed.\n"
	  "  Needs the module or the BPF backend.\n" },
	{ "diff", do_diff, NULL, "FILE1 FILE2",
	  "compare two saved --json snapshots of one process",
	  "  FILE1 and FILE2 hold the output of 'vmas --json' or 'show --json'\n"
	  "  (- reads stdin, for one of them).  Prints the VMAs added, removed,\n"
	  "  grown, shrunk, moved and changed (perms, offset, path, kind).\n"
	  "  Exits 0 if the same, 1 if different, 2 on trouble, as diff(1).\n" },
	{ "aslr", do_aslr, aslr_opts,
	  "[--samples N] [--compat] [--fork] [--fork-exec] [--file FILE] | --exec PROGRAM [-- ARGS]",
	  "measure the address-space randomisation of fresh processes",
	  "  Starts N fresh processes (default 100: a tiny static PIE sampler, its\n"
	  "  32-bit twin with --compat, or PROGRAM run to its entry point), reads\n"
	  "  each one's layout while it is stopped, and kills it.  For mmap_base,\n"
	  "  the first mmap'd object, stack, heap, exec (load base) and vdso it\n"
	  "  prints distinct values, estimated bits, the bits that vary, the range\n"
	  "  seen and the alignment, next to the bits the kernel's constants and\n"
	  "  sysctls promise, with a verdict: OK, WEAKER THAN CONFIGURED or NOT\n"
	  "  RANDOMIZED.  Also samples per second and the cost relative to a bare\n"
	  "  fork+exec.  Needs root (/dev/vmalens, and reading other processes).\n"
	  "  --exec: also every named mapping of PROGRAM (itself, each library,\n"
	  "  [vdso], [stack]) with its bits.\n"
	  "  --fork: also N children forked, without exec, from one exec'd sampler\n"
	  "  (as Android apps are from zygote): the bits each region varies by\n"
	  "  between siblings, and how many they share.  --fork-exec: the same\n"
	  "  parent's children exec the sampler again before they are read.\n"
	  "  mmap_file: the sampler maps one PMD of FILE (default: the vmalens\n"
	  "  binary) as a loader maps a library that large; where the file\n"
	  "  system aligns that to the PMD size (ext4, xfs, btrfs since 5.18)\n"
	  "  the kernel itself gives it fewer bits than mmap_rnd_bits.\n" },
	{ "version", do_version, NULL, "",
	  "show the versions of this tool and of the loaded module",
	  "  Asks /dev/vmalens (VMALENS_IOC_VERSION); without access to it, reads\n"
	  "  /sys/module/vmalens/version and /sys/class/misc/vmalens/abi_version.\n"
	  "  Succeeds, and says so, when the module is not loaded.  Also says\n"
	  "  whether this binary has the BPF backend.\n" },
	{ "help", do_help, NULL, "[COMMAND]",
	  "show this help, or the help of one command", NULL },
	{ 0 }
};

/*
 * One command a line as "vmalens NAME ARGS" (what the unit test and the
 * completion check look for), its summary indented below it: 80 columns
 * whatever the length of ARGS.
 */
void print_usage(FILE *f)
{
	const struct cmd *cmd;
	int col;

	fprintf(f, "Usage: %s [OPTIONS] COMMAND [ARGS]\n\nCommands:\n", bin_name);
	for (cmd = main_cmds; cmd->name; cmd++) {
		col = fprintf(f, "    %s %s%s", bin_name, cmd->name, *cmd->args ? " " : "");
		if (*cmd->args)
			print_wrapped(f, col, cmd->args);
		else
			fputc('\n', f);
		fprintf(f, "        %s\n", cmd->summary);
	}
	fprintf(f,
		"\nOptions (before or after the command):\n"
		"    -j, --json      JSON output (errors too: {\"error\": ...} on stdout)\n"
		"    -p, --pretty    indented JSON output (implies --json)\n"
		"    -h, --help      this help, or with COMMAND the help of COMMAND\n"
		"    -q, --quiet     no notes on stderr (which source a fallback read)\n"
		"    --color[=WHEN]  colour: never, always, auto (default: on a terminal)\n"
		"    --backend=WHICH read through module, bpf, procmap or proc only\n"
		"                    (default: the first of them that serves)\n"
		"    -V, --version   same as '%s version' (before the command only)\n"
		"\nPID is a pid, \"self\" or a process name (as for pidof); it defaults\n"
		"to the vmalens process itself (like /proc/self).\n"
		"See %s(1).\n", bin_name, bin_name);
}

static int do_help(int argc, char **argv)
{
	const struct cmd *cmd;

	/* help is for people: text on stdout, with --json too */
	if (argc == 0) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 1)
		return usage_err("help", "too many arguments");
	cmd = cmd_find(main_cmds, argv[0]);
	if (!cmd)
		return usage_err(NULL, "unknown command '%s'", argv[0]);
	print_cmd_usage(stdout, cmd);
	return EXIT_OK;
}

#define SYS_MODULE_DIR		"/sys/module/vmalens"
#define SYS_MODULE_VERSION	SYS_MODULE_DIR "/version"
#define SYS_ABI_VERSION		"/sys/class/misc/vmalens/abi_version"

/* What is known of the loaded module; abi -1 and "" where unknown. */
struct module_info {
	bool loaded;
	const char *source;		/* "ioctl" or "sysfs" */
	char version[32];
	int abi;
	uint64_t page_size;		/* 0: unknown (sysfs has none) */
	int per_vma_lock;		/* VMAS without the mmap lock; -1: unknown */
	int dev_err;			/* why the ioctl was not used, or 0 */
};

/* The first line of a small sysfs file, without its newline; -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		err = ferror(f) ? -EIO : -ENODATA;
		fclose(f);
		return err;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * VMALENS_IOC_VERSION when the device opens (root), else the world-readable
 * sysfs files: neither needs debugfs.
 */
static void module_info_read(struct module_info *m)
{
	struct vmalens_version v;
	char abi[16];
	int fd, err;

	memset(m, 0, sizeof(*m));
	m->abi = -1;
	m->per_vma_lock = -1;
	fd = dev_open();
	if (fd >= 0) {
		err = dev_version(fd, &v);
		close(fd);
		if (!err) {
			m->loaded = true;
			m->source = "ioctl";
			snprintf(m->version, sizeof(m->version), "%s", v.version);
			m->abi = v.abi_version;
			m->page_size = v.page_size;
			if (v.abi_version >= 5)	/* features came with ABI 5 */
				m->per_vma_lock = !!(v.features &
						     VMALENS_FEATURE_PER_VMA_LOCK);
			return;
		}
		m->dev_err = -err;	/* ENOTTY: a module older than the ioctl */
	} else {
		m->dev_err = errno;
	}
	m->loaded = !access(SYS_MODULE_DIR, F_OK);
	if (!m->loaded)
		return;
	m->source = "sysfs";
	read_line(SYS_MODULE_VERSION, m->version, sizeof(m->version));
	if (!read_line(SYS_ABI_VERSION, abi, sizeof(abi)))
		m->abi = atoi(abi);
}

static void version_json(const struct module_info *m)
{
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "version", VMALENS_TOOL_VERSION);
	jsonw_int_field(json_wtr, "abi", VMALENS_ABI_VERSION);
	jsonw_bool_field(json_wtr, "bpf_backend", bpf_backend_built());
	jsonw_name(json_wtr, "module");
	if (!m->loaded) {
		jsonw_null(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "version");
	if (*m->version)
		jsonw_string(json_wtr, m->version);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "abi");
	if (m->abi >= 0)
		jsonw_int(json_wtr, m->abi);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "page_size");
	if (m->page_size)
		jsonw_uint(json_wtr, m->page_size);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "per_vma_lock");
	if (m->per_vma_lock >= 0)
		jsonw_bool(json_wtr, m->per_vma_lock);
	else
		jsonw_null(json_wtr);
	jsonw_string_field(json_wtr, "source", m->source);
	jsonw_end_object(json_wtr);
	jsonw_end_object(json_wtr);
}

static void version_plain(const struct module_info *m)
{
	printf("%s v%s (abi %d), %s\n", bin_name, VMALENS_TOOL_VERSION, VMALENS_ABI_VERSION,
	       bpf_backend_built() ? "with the BPF backend" : "built without the BPF backend");
	if (!m->loaded) {
		printf("module: not loaded (no %s); try: sudo insmod module/vmalens.ko\n",
		       SYS_MODULE_DIR);
		return;
	}
	printf("module v%s", *m->version ? m->version : "unknown");
	if (m->abi >= 0)
		printf(" (abi %d)%s", m->abi,
		       m->abi != VMALENS_ABI_VERSION ? " -- abi mismatch" : "");
	else
		printf(" (abi unknown: no %s; older than this tool?)", SYS_ABI_VERSION);
	if (m->per_vma_lock == 1)
		printf(", reads VMAs under per-VMA locks");
	else if (!m->per_vma_lock)
		printf(", reads VMAs under the mmap lock");
	if (m->dev_err == ENOTTY)
		printf(", from sysfs: the module does not know VMALENS_IOC_VERSION");
	else if (m->dev_err)
		printf(", from sysfs (%s: %s)", VMALENS_DEVICE, strerror(m->dev_err));
	putchar('\n');
}

/* "vmalens v0.1.0 (abi 2)", then the module's line; succeeds without it. */
static int do_version(int argc, char **argv)
{
	struct module_info m;

	(void)argv;
	if (argc > 0)
		return usage_err("version", "too many arguments");
	module_info_read(&m);
	if (json_output)
		version_json(&m);
	else
		version_plain(&m);
	return EXIT_OK;
}
