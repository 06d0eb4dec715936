/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's one header: the command table and what every command
 * shares (exit statuses, the error path, the output mode, process
 * arguments, plain-text helpers); then VMAs and layouts from /dev/vmalens
 * (or, without the module, from the kernel's own PROCMAP_QUERY and
 * /proc/PID/maps), the address-space map, and the commands' options.
 *
 * Where things are:
 *   main.c        main(): global options, the command, stdout's fate
 *   commands.c    the command table, help and version
 *   cmdline.c     options of the commands, usage errors, a command's help
 *   args.c        option values, argument parsers, colour
 *   output.c      the error path, notes, plain-text helpers, read_all()
 *   pidname.c     PID arguments: pids, "self", process names
 *   dev.c         /dev/vmalens: its ioctls and their errors
 *   vmasrc.c      where VMAs come from: the module, PROCMAP_QUERY, maps;
 *                 whether maps shows Android's [page size compat] entries
 *   vmalist.c     the VMA list, what a VMA is, its JSON object
 *   map.c         the address-space drawing
 *   show.c layout.c vmas.c query.c probe.c tasks.c diff.c aslr.c
 *                 one command each (aslr_stats.c: aslr's estimator)
 */
#ifndef VMALENS_LENS_H
#define VMALENS_LENS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../../module/uapi/vmalens.h"
#include "json_writer.h"

#define VMALENS_TOOL_VERSION	"0.1.0"

/* Exit statuses (doc/vmalens.1, EXIT STATUS). */
#define EXIT_OK		0
#define EXIT_ERR	1	/* the report could not be read */
#define EXIT_USAGE	2	/* bad command line */

extern const char *bin_name;
extern bool json_output;
/*
 * The exit status when stdout could not be written: EXIT_ERR, or what a
 * command whose 1 means something else says is trouble (diff: 2).
 */
extern int output_lost_status;
extern bool pretty_output;
/* --quiet: no notes on stderr (which source a fallback read); errors stay */
extern bool quiet;
extern json_writer_t *json_wtr;

/*
 * A command: its name, its worker, its options, its arguments and one
 * line for help.  "vmalens help", "vmalens CMD --help", the option parser
 * and the unit test that holds the man page to the table all read these
 * tables.
 */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const struct option *opts;	/* its own, beside global_opts; or NULL */
	const char *args;		/* after "vmalens NAME" */
	const char *summary;		/* one line, lowercase */
	const char *details;		/* more lines for "NAME --help", or NULL */
};

extern const struct cmd main_cmds[];
/* --json, --pretty, --help, --color: before or after the command */
extern const struct option global_opts[];

/*
 * getopt_long values of the long-only options (commands.c): --color and
 * --backend, global ones, then from OPT_LEN on those of the commands.
 */
enum {
	OPT_COLOR = 0x80, OPT_BACKEND,
	OPT_LEN = 0x100, OPT_HINT, OPT_FLAGS, OPT_PGOFF, OPT_FILE, OPT_MODE,
	OPT_FULL, OPT_NO_GAPS, OPT_SORT, OPT_SAMPLES, OPT_COMPAT, OPT_EXEC,
	OPT_FILTER, OPT_RANGE, OPT_PERM, OPT_BYTES, OPT_DISTANCE, OPT_FORK, OPT_FORK_EXEC,
	OPT_VMFLAGS,
};

/* The global options before the command; EXIT_OK, else the exit status. */
int parse_global_opts(int argc, char **argv, bool *help, bool *version);
int cmd_select(const struct cmd *cmds, int argc, char **argv);
void print_usage(FILE *f);
void print_cmd_usage(FILE *f, const struct cmd *cmd);
/* A command's ARGS from column @col, wrapped to 80 columns. */
void print_wrapped(FILE *f, int col, const char *text);
const struct cmd *cmd_find(const struct cmd *cmds, const char *name);

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read @fd to its end; NULL with *err set to the errno. */
char *read_all(int fd, int *err);

/* Parse the "[PID]" argument of a per-process command. */
int parse_pid_args(const char *cmd, int argc, char **argv, pid_t *pid);
/* One PID argument: a pid, "self" or a process name (pidname.c). */
int parse_pid_arg(const char *cmd, const char *arg, pid_t *pid);

/* The processes a name matched: how many, and the lowest pids of them. */
#define PID_MATCHES_SHOWN	10

struct pid_matches {
	size_t nr;			/* every match */
	size_t nr_shown;
	struct {
		pid_t pid;
		char comm[64];		/* as /proc/PID/comm has it */
	} shown[PID_MATCHES_SHOWN];	/* ascending */
};

/* The pid a /proc directory entry names, or 0 for any other entry. */
pid_t proc_dir_pid(const char *name);
bool proc_name_matches(const char *name, const char *comm, const char *argv0);
int pids_by_name(const char *proc_dir, const char *name, pid_t exclude,
		 struct pid_matches *m);
const char *pid_matches_list(const struct pid_matches *m, char *buf, size_t len);

/*
 * @s for plain output, into @buf: control bytes, DEL and the backslash
 * as \ooo, as /proc/PID/maps escapes (\012 for a newline), so that a
 * file or process name cannot drive the terminal or fake a line.  Cut
 * short, never inside an escape, if @len is too small; JSON has its own
 * escapes and does not use this.
 */
const char *plain_str(const char *s, char *buf, size_t len);
/* Room for any name escaped: a path of PATH_MAX, each byte as \ooo. */
#define PLAIN_NAME_MAX	(4 * 4096 + 64)

/* "4.0 KiB", "1.5 MiB": for plain output only */
const char *human_size(unsigned long long bytes, char *buf, size_t len);
/* A size column: human_size(), or with --bytes (vmas, tasks) the count. */
const char *size_str(uint64_t bytes, char *buf, size_t len);
/*
 * Hex digits of an address column whose highest address is @top: 12 for
 * a 48-bit space, 14 for 56 bits, 16 above.  Every table and drawing
 * pads its addresses ("0x%0*" PRIx64) to this width.
 */
int addr_digits(uint64_t top);

/* vmalens aslr's options (cmd_set_opt() sets them) */
extern int aslr_samples;
extern bool aslr_compat;
extern char *aslr_exec;
extern bool aslr_fork, aslr_fork_exec;

int do_layout(int argc, char **argv);
int do_vmas(int argc, char **argv);
int do_tasks(int argc, char **argv);
int do_aslr(int argc, char **argv);

/* --- VMAs, layouts, the map -------------------------------------------- */

/* Options of show, vmas, probe and tasks; cmd_set_opt() fills them in. */
struct lens_opts {
	uint64_t len, hint, pgoff;
	bool have_len, have_hint, have_pgoff;
	const char *flags;		/* --flags LIST */
	const char *file;		/* --file PATH */
	const char *mode;		/* --mode auto|topdown|bottomup */
	const char *sort;		/* --sort pid|maps|total_vm */
	bool full;			/* show --full */
	bool no_gaps;			/* vmas --no-gaps */
	const char *filter;		/* vmas --filter TEXT */
	uint64_t range_lo, range_hi;	/* vmas --range LOW-HIGH; range_hi 0: none */
	const char *perm;		/* vmas --perm LETTERS */
	bool bytes;			/* vmas, tasks --bytes */
	bool vmflags;			/* vmas --flags: the VmFlags column */
	bool have_distance;		/* vmas --distance ADDR */
	uint64_t distance_from;
};

extern struct lens_opts lopt;

/*
 * Set the option @opt (an OPT_* value of the command table) of the
 * command @cmd from its argument; EXIT_USAGE or 0.
 */
int cmd_set_opt(const char *cmd, int opt, const char *arg);

/* --color=never|always|auto; colours only on a terminal by default */
enum color { C_OFF, C_STACK, C_HEAP, C_FILE, C_ANON, C_SPECIAL, C_MARK, C_GAP,
	     C_ADDED, C_REMOVED, C_BOLD };
extern int color_mode;		/* -1 auto, 0 never, 1 always */
int set_color_mode(const char *arg);
bool color_on(void);
const char *col(enum color c);	/* "" when colour is off */
const char *col_end(void);

/* Argument parsers (args.c): 0 or -EINVAL. */
/* Numbers are decimal unless 0x; the whole string; no sign, no overflow. */
int parse_size(const char *s, uint64_t *out);	/* 4096, 4K, 1M, 2G, 1T */
int parse_count(const char *s, uint64_t *out);	/* pages, samples: no suffix */
int parse_addr(const char *s, uint64_t *out);	/* hex, 0x optional */
int parse_mmap_flags(const char *s, uint32_t *out, const char **bad);
const char *mmap_flag_names(uint32_t flags, char *buf, size_t len);

/* One VMA, from whichever source. */
struct lvma {
	uint64_t start, end, offset, vm_flags, inode;
	uint64_t flags;			/* VMALENS_VMA_F_* */
	uint32_t dev_major, dev_minor, kind, prot;
	int32_t pkey;			/* protection key; -1: none or not known */
	bool has_flags;			/* flags, vm_flags known (module only) */
	char *name;			/* "" for none; owned by the list */
};

/*
 * Where layouts and VMAs come from, best first: the module; the BPF
 * backend (bpfsrc.c), where no module may load; the kernel's
 * PROCMAP_QUERY (6.11+) and the text of /proc/PID/maps, which know VMAs
 * but no layout.  --backend forces one.
 */
enum backend { BACKEND_MODULE, BACKEND_BPF, BACKEND_PROCMAP, BACKEND_PROC, BACKEND_NR };

struct vma_list {
	struct lvma *v;
	size_t nr, cap;
	enum backend source;
	uint64_t guard;			/* stack guard gap in bytes, 0 if unknown */
};

void vma_list_free(struct vma_list *l);
/* The index of the first VMA ending above @addr (l->nr if none). */
size_t vma_list_find(const struct vma_list *l, uint64_t addr);
struct lvma *vma_list_add(struct vma_list *l, const char *name);
struct lvma *vma_list_add_rec(struct vma_list *l, const struct vmalens_vma *r,
			      const char *name, bool pkey_known);
/* Whether the module behind @fd fills vmalens_vma.pkey (ABI 4 and later). */
bool dev_fills_pkey(int fd);
const char *vma_kind_name(uint32_t kind);
void vma_perms(const struct lvma *v, char perms[5]);
/* Writable and executable at once: what an exploit looks for. */
bool vma_wx(const struct lvma *v);
/* @flags as smaps prints them in VmFlags: "rd wr mr mw me ac" */
const char *vma_flag_mnemonics(uint64_t flags, char *buf, size_t len);
/* The guard gap at the bottom of the gap that ends at v (0 if none). */
uint64_t vma_gap_guard(const struct vma_list *l, size_t i, uint64_t gap);

/*
 * /dev/vmalens.  dev_open() returns an fd, or -1 with errno: quiet, so the
 * caller can fall back.  The others p_err() a one-line, actionable reason
 * and return -1.
 */
int dev_open(void);
int dev_open_or_explain(void);
/* Why dev_open() failed with @err; @also, if not NULL, in parentheses after it. */
void dev_explain_open_error(int err, const char *also);
int dev_layout(int fd, pid_t pid, struct vmalens_mm_layout *l);
int dev_vmas(int fd, pid_t pid, struct vma_list *l);
int dev_query(int fd, pid_t pid, uint64_t addr, bool or_next,
	      struct vmalens_query *q, char *name, size_t name_len);
int dev_dryrun(int fd, struct vmalens_unmapped_area *ua);
/* @file_fd: the file of the mmap_file region (ABI 6), or -1 */
int dev_aslr(int fd, int file_fd, struct vmalens_aslr *a);
/* Quiet, for version's fallback: 0 or -errno. */
int dev_version(int fd, struct vmalens_version *v);
/*
 * The one mapping from a documented errno to a message with its hint
 * (module/uapi/vmalens.h): ESRCH, EPERM, ENXIO, EAGAIN for a process;
 * ENOTTY, EINTR, EACCES for any request.
 */
void explain_pid_error(pid_t pid, int err, const char *what);
void explain_ioctl_error(int err, const char *what);

/*
 * The BPF backend (bpfsrc.c): a CO-RE program on the kernel's task and
 * task_vma iterators (5.12+), for machines where no module may load.
 * Quiet: 0, or -errno for the caller to explain.  -ENOSYS: built without
 * it; -EOPNOTSUPP: no BTF or no task_vma iterator; -EPERM: not allowed
 * to load BPF; -ESRCH: no such process, or one without an mm.
 */
bool bpf_backend_built(void);
int bpf_layout(pid_t pid, struct vmalens_mm_layout *l);
int bpf_vmas(pid_t pid, struct vma_list *l);
/* Every process with an mm, for tasks: @fn for each; its non-zero stops. */
int bpf_layouts(int (*fn)(const struct vmalens_mm_layout *l, void *arg), void *arg);
/* One line: why the backend declined, after a negative return. */
const char *bpf_decline_reason(void);

/* --backend: BACKEND_NR until given, the first that serves */
extern enum backend backend_forced;
int set_backend(const char *arg);
const char *backend_name(enum backend b);

/*
 * The backend a command reads through: @fd is /dev/vmalens's for the
 * module, else -1; @note, which one it is and why, until said.
 */
struct lens_src {
	enum backend backend;
	int fd;
	char note[512];
};

/*
 * Open the first backend that serves a command, or the one --backend
 * names: the module; else BPF; else, when the command needs only VMAs
 * (@need_layout false), PROCMAP_QUERY, then /proc/PID/maps.  0, or -1
 * after p_err() with every reason the better ones declined.
 */
int src_open(struct lens_src *s, bool need_layout);
void src_close(struct lens_src *s);
/*
 * From the backend @s: 0, or -1 after p_err().  The first success says
 * on stderr which backend it was, unless the module (src_note()).
 */
int src_layout(struct lens_src *s, pid_t pid, struct vmalens_mm_layout *l);
int src_vmas(struct lens_src *s, pid_t pid, struct vma_list *l);
void src_note(struct lens_src *s);
/* Open the first backend for VMAs, read pid's, close it: 0 or -1. */
int read_vmas(pid_t pid, struct vma_list *l);
/* /proc/PID/maps text to a list (exposed for the unit test). */
int parse_proc_maps(char *text, struct vma_list *l);
/*
 * x86-64's [vsyscall] gate VMA, for a 64-bit process: in /proc/PID/maps but
 * in no VMA tree, so the module's list lacks it.
 */
void vma_list_add_gate(struct vma_list *l, bool compat);
/*
 * A VMA starting here lies above the user address space (x86's gate): it
 * sets no address column's width, and no gap before it is a gap.
 */
bool vma_above_space(uint64_t start);

/*
 * Android's kernels emulate 16K pages on 4K ones (pgsize_migration): with
 * it on, /proc/PID/maps shows the padding of a library's 16K-aligned
 * segment as a "[page size compat]" entry that no VMA stands for.  Read
 * from @root/sys/kernel/mm/pgsize_migration/enabled; @root is "" but in
 * the unit test.  NONE: no such file, one we cannot read, or a value
 * the kernel never writes there.
 */
enum pgsize_migration { PGSIZE_MIG_NONE, PGSIZE_MIG_OFF, PGSIZE_MIG_ON };
enum pgsize_migration pgsize_migration_read(const char *root);

/* One VMA object of the JSON output of vmas, show and query. */
void vma_json(const struct vma_list *l, size_t i, uint64_t gap_before);
/* The same, left open for more keys; close with jsonw_end_object(). */
void vma_json_open(const struct vma_list *l, size_t i, uint64_t gap_before);
/*
 * "vmas": the JSON array, or the table with gap rows unless --no-gaps or
 * a filter; only the VMAs vma_selected() passes.
 */
void vmas_list_show(const struct vma_list *l);
/* --filter, --range, --perm (vmas, show): is one on, does a VMA pass them */
bool vma_filter_on(void);
bool vma_selected(const struct lvma *v);

/* The address-space map (map.c). */
struct map_mark {
	uint64_t addr;
	const char *text;

};

struct map_req {
	const struct vma_list *vmas;
	size_t first, last;		/* the VMAs drawn, [first, last) */
	uint64_t top, bottom;		/* the drawing spans [bottom, top) */
	const char *top_label;		/* printed at top, e.g. "task_size" */
	const struct map_mark *marks;
	size_t nr_marks;
	bool full;			/* one band per VMA */
	bool (*select)(const struct lvma *v);	/* the VMAs drawn; NULL: all */
	uint64_t new_start, new_end;	/* a dry-run mapping to draw, or 0/0 */
	const char *new_label;
};

void map_draw(FILE *f, const struct map_req *r);
/*
 * On stdout, after a blank line: VMAs [lo, hi) of @l, one band each,
 * from @bottom to @top, with @marks and the dry-run mapping
 * [@new_start, @new_end) (0, 0: none) labelled @new_label.
 */
void map_draw_around(const struct vma_list *l, size_t lo, size_t hi, uint64_t bottom,
		     uint64_t top, const struct map_mark *marks, size_t nr_marks,
		     uint64_t new_start, uint64_t new_end, const char *new_label);
/* The band label of one VMA: its path or [name], else its kind. */
const char *vma_label(const struct lvma *v);

/*
 * The layout of VMALENS_IOC_LAYOUT: one object for "layout --json" and the
 * "layout" member of "show --json", and its plain twin (layout.c).
 */
void layout_json(const struct vmalens_mm_layout *l);
void layout_plain(const struct vmalens_mm_layout *l);
const char *layout_name(uint32_t layout);	/* "topdown" or "legacy" */
int va_bits(uint64_t task_size);		/* 0x7ffffffff000 -> 47 */

/* The rows of "tasks" (tasks.c); printed in --sort order. */
struct task_table {
	struct vmalens_mm_layout *row;
	size_t nr, cap;
};

int tasks_print(const struct task_table *t);

/*
 * "query --json" (probe.c): l->v[i] is the VMA at or above addr (i ==
 * l->nr: none); @below is the end of the VMA below l->v[0], 0 if none.
 */
void query_json(const struct vma_list *l, size_t i, uint64_t addr, uint64_t below);
/*
 * "query" at @addr above the last VMA: *last, the VMA to draw (none from
 * @task_size up), and *top, where the gap above it ends: @task_size, or
 * if that is unknown (0) @addr.  False if there is no VMA to draw.
 */
bool query_above(const struct vma_list *l, uint64_t addr, uint64_t task_size,
		 size_t *last, uint64_t *top);
/*
 * A dry-run's answer (probe.c), as probe prints it and as show's
 * "next_mmap": a failure by its errno's name, "E<n>" for one without.
 */
void dryrun_json(const struct vmalens_unmapped_area *ua);
void dryrun_line(FILE *f, const struct vmalens_unmapped_area *ua);
/* The end of a dry-run's mapping at @addr: @len rounded up to @page_size. */
uint64_t dryrun_end(uint64_t addr, uint64_t len, uint64_t page_size);

int do_show(int argc, char **argv);
int do_probe(int argc, char **argv);
int do_query(int argc, char **argv);
int do_diff(int argc, char **argv);

#endif /* VMALENS_LENS_H */
