// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: the global options, choosing the command from the
 * table (commands.c), each command's own options, usage errors and the
 * help text of one command.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

const char *bin_name = "vmalens";

int usage_err(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd)
		p_err("%s; try: %s %s --help", msg, bin_name, cmd);
	else
		p_err("%s; try: %s help", msg, bin_name);
	return EXIT_USAGE;
}

const struct cmd *cmd_find(const struct cmd *cmds, const char *name)
{
	for (; cmds->name; cmds++)
		if (!strcmp(cmds->name, name))
			return cmds;
	return NULL;
}

/* Room for one command's options and the global ones. */
#define MAX_OPTS	32

/* The command's options, then the global ones but --version. */
static void opts_merge(const struct cmd *cmd, struct option *t)
{
	const struct option *o;
	size_t n = 0;

	for (o = cmd->opts; o && o->name && n < MAX_OPTS - 1; o++)
		t[n++] = *o;
	for (o = global_opts; o->name && n < MAX_OPTS - 1; o++)
		if (o->val != 'V')
			t[n++] = *o;
	memset(&t[n], 0, sizeof(t[n]));
}

static const char *opt_name(const struct option *t, int val)
{
	for (; t->name; t++)
		if (t->val == val)
			return t->name;
	return "?";
}

/* The commands but @self that take --@name: "show, probe", or "". */
static const char *opt_owners(const struct cmd *self, const char *name, char *buf,
			      size_t len)
{
	const struct option *o;
	const struct cmd *cmd;
	size_t used = 0;

	buf[0] = '\0';
	for (cmd = main_cmds; cmd->name; cmd++) {
		if (cmd == self)
			continue;
		for (o = cmd->opts; o && o->name; o++)
			if (!strcmp(o->name, name))
				used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? ", " : "", cmd->name);
	}
	return buf;
}

/* How many options of @t begin with @name; their names into @buf. */
static int opt_prefixed(const struct option *t, const char *name, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	for (; t->name; t++)
		if (!strncmp(t->name, name, strlen(name)))
			used += snprintf(buf + used, used < len ? len - used : 0, "%s--%s",
					 n++ ? ", " : "", t->name);
	return n;
}

/*
 * What getopt_long refused, said plainly: a value missing or not wanted,
 * an option of another command, or none at all.  @cmd is NULL before the
 * command; @word is the argument getopt_long stopped at.
 */
static int opt_error(const struct cmd *cmd, const struct option *t, int c,
		     const char *word)
{
	const char *where = cmd ? cmd->name : NULL;
	char name[64], owners[128];
	bool is_long = !strncmp(word, "--", 2);
	size_t len = is_long ? strcspn(word + 2, "=") : 0;

	if (c == ':')
		return usage_err(where, "option '--%s' needs a value", opt_name(t, optopt));
	/* a short option inside a cluster ("-jx"): word is not it */
	if (is_long && optopt && strncmp(word + 2, opt_name(t, optopt), len))
		is_long = false;
	if (!is_long) {
		if (optopt)
			return usage_err(where, "unknown option '-%c'", optopt);
		return usage_err(where, "unknown option '%s'", word);
	}
	if (optopt)
		return usage_err(where, "option '--%s' takes no value", opt_name(t, optopt));
	snprintf(name, sizeof(name), "%.*s", (int)len, word + 2);
	if (opt_prefixed(t, name, owners, sizeof(owners)) > 1)
		return usage_err(where, "option '--%s' is ambiguous: %s", name, owners);
	if (cmd && !strcmp(name, "version"))
		return usage_err(where, "'--version' is not an option of %s: give it before the command",
				 cmd->name);
	if (!*opt_owners(cmd, name, owners, sizeof(owners)))
		return usage_err(where, "unknown option '--%s'", name);
	if (!cmd)
		return usage_err(NULL, "'--%s' is an option of %s: give it after the command",
				 name, owners);
	return usage_err(where, "'--%s' is not an option of %s (it is one of %s)", name,
			 cmd->name, owners);
}

/* The global options, wherever they come: 0, or EXIT_USAGE. */
static int global_set_opt(int c, const char *arg, bool *help)
{
	switch (c) {
	case 'p':
		pretty_output = true;
		/* fall through */
	case 'j':
		json_output = true;
		return 0;
	case 'h':
		*help = true;
		return 0;
	case 'q':
		quiet = true;
		return 0;
	case OPT_COLOR:
		return set_color_mode(arg);
	case OPT_BACKEND:
		return set_backend(arg);
	}
	return -1;
}

/*
 * Up to the command: "+" stops getopt_long at it, so that each option
 * after it is read against that command's table alone.
 */
int parse_global_opts(int argc, char **argv, bool *help, bool *version)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jphqV", global_opts, NULL)) != -1) {
		if (c == 'V') {
			*version = true;
			continue;
		}
		ret = global_set_opt(c, optarg, help);
		if (ret < 0)
			return opt_error(NULL, global_opts, c, argv[optind - 1]);
		if (ret)
			return ret;
	}
	return EXIT_OK;
}

/*
 * argv[0] is the command.  Its options and the global ones may come in
 * any order among its arguments ("vmalens vmas 42 --json"); "--" ends
 * them, so that a process named "-bash" or the ARGS of "aslr --exec"
 * can follow.  The arguments, in order, go to @args; *nr_before: how
 * many came before a "--".
 */
static int cmd_parse_opts(const struct cmd *cmd, int argc, char **argv, char **args,
			  int *nr_args, int *nr_before, bool *help)
{
	struct option t[MAX_OPTS];
	int c, ret, n = 0;

	opts_merge(cmd, t);
	opterr = 0;
	optind = 0;		/* glibc: start afresh, after the global pass */
	/* "-": arguments come back in order as 1, not permuted */
	while ((c = getopt_long(argc, argv, "-:jphq", t, NULL)) != -1) {
		if (c == 1) {
			args[n++] = optarg;
			continue;
		}
		if (c >= OPT_LEN)
			ret = cmd_set_opt(cmd->name, c, optarg);
		else
			ret = global_set_opt(c, optarg, help);
		if (ret < 0)
			return opt_error(cmd, t, c, argv[optind - 1]);
		if (ret)
			return ret;
	}
	*nr_before = n;
	while (optind < argc)
		args[n++] = argv[optind++];
	args[n] = NULL;
	*nr_args = n;
	return EXIT_OK;
}

/*
 * argv[0] is the command name; the command gets its arguments without
 * the options.  "CMD --help", and "CMD help" as bpftool has it, are
 * answered here, from the table, for every command alike.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv)
{
	const struct cmd *cmd;
	int ret, nr, nr_before;
	bool help = false;
	char **args;

	if (argc < 1) {
		/* a JSON consumer gets a JSON document, as for any usage error */
		if (json_output)
			return usage_err(NULL, "no command given");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = cmd_find(cmds, argv[0]);
	if (!cmd)
		return usage_err(NULL, "unknown command '%s'", argv[0]);
	args = calloc(argc + 1, sizeof(*args));
	if (!args) {
		p_err("out of memory");
		return EXIT_ERR;
	}
	ret = cmd_parse_opts(cmd, argc, argv, args, &nr, &nr_before, &help);
	if (ret)
		goto out;
	/* --json may have come after the command */
	if (json_output && !json_wtr) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			json_output = false;
			p_err("out of memory");
			ret = EXIT_ERR;
			goto out;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}
	if (!help && nr_before && !strcmp(args[0], "help") && strcmp(cmd->name, "help"))
		help = true;
	if (help) {
		print_cmd_usage(stdout, cmd);
		ret = EXIT_OK;
		goto out;
	}
	ret = cmd->func(nr, args);
out:
	free(args);
	return ret;
}

/* Help lines fit a terminal of this many columns (the unit test checks). */
#define HELP_COLUMNS	80

/*
 * @text, a command's ARGS, from column @col on (the caller printed what
 * comes before it): broken at the blanks outside brackets, so that an
 * option stays whole, with the lines after it indented to @col.
 */
void print_wrapped(FILE *f, int col, const char *text)
{
	const char *p = text, *end;
	int depth, pos = col, first = 1;

	while (*p) {
		/* the next unit: up to a blank outside brackets */
		depth = 0;
		for (end = p; *end && (*end != ' ' || depth); end++)
			depth += *end == '[' ? 1 : *end == ']' ? -1 : 0;
		if (!first && pos + 1 + (end - p) > HELP_COLUMNS) {
			fprintf(f, "\n%*s", col, "");
			pos = col;
			first = 1;
		}
		pos += fprintf(f, "%s%.*s", first ? "" : " ", (int)(end - p), p);
		first = 0;
		p = *end ? end + 1 : end;
	}
	fputc('\n', f);
}

void print_cmd_usage(FILE *f, const struct cmd *cmd)
{
	int col = fprintf(f, "Usage: %s %s%s", bin_name, cmd->name, *cmd->args ? " " : "");

	if (*cmd->args)
		print_wrapped(f, col, cmd->args);
	else
		fputc('\n', f);
	fprintf(f, "\n  %s\n", cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
}

/* "[PID]": see parse_pid_arg(); default: vmalens itself. */
int parse_pid_args(const char *cmd, int argc, char **argv, pid_t *pid)
{
	*pid = getpid();
	if (argc == 0)
		return 0;
	if (argc > 1)
		return usage_err(cmd, "too many arguments");
	return parse_pid_arg(cmd, argv[0], pid);
}
