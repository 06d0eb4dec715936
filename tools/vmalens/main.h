/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMALENS_MAIN_H
#define VMALENS_MAIN_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

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
 * getopt_long values of the long-only options (commands.c): --color, a
 * global one, then from OPT_LEN on those of the commands.
 */
enum {
	OPT_COLOR = 0x80,
	OPT_LEN = 0x100, OPT_HINT, OPT_FLAGS, OPT_PGOFF, OPT_FILE, OPT_MODE,
	OPT_FULL, OPT_NO_GAPS, OPT_SORT, OPT_SAMPLES, OPT_COMPAT, OPT_EXEC,
	OPT_FILTER, OPT_RANGE, OPT_PERM, OPT_BYTES, OPT_DISTANCE,
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

int do_layout(int argc, char **argv);
int do_vmas(int argc, char **argv);
int do_tasks(int argc, char **argv);
int do_aslr(int argc, char **argv);

#endif /* VMALENS_MAIN_H */
