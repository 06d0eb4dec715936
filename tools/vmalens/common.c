// SPDX-License-Identifier: GPL-2.0
/*
 * What every command shares: the error path, the command dispatcher and
 * reading a whole file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"
#include "main.h"

const char *bin_name = "vmalens";
bool json_output;
bool pretty_output;
json_writer_t *json_wtr;

/*
 * The one error function: "Error: ..." on stderr, or {"error": "..."} on
 * stdout with --json so that a consumer always gets a JSON document.
 */
void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (json_output) {
		json_writer_t *w = json_wtr ? json_wtr : jsonw_new(stdout);

		if (!w) {
			fprintf(stderr, "Error: %s\n", msg);
			return;
		}
		jsonw_pretty(w, pretty_output);
		jsonw_start_object(w);
		jsonw_string_field(w, "error", msg);
		jsonw_end_object(w);
		if (!json_wtr)
			jsonw_destroy(&w);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

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

/*
 * argv[0] is the command name; the command gets argv[1..].  "CMD help"
 * (and "CMD --help", which main() turns into it) is answered here, from
 * the table, for every command alike.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv)
{
	const struct cmd *cmd;
	int i;

	if (argc < 1) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = cmd_find(cmds, argv[0]);
	if (!cmd)
		return usage_err(NULL, "unknown command '%s'", argv[0]);
	for (i = 1; i < argc; i++) {
		if (is_help_arg(argv[i]) && strcmp(cmd->name, "help")) {
			print_cmd_usage(stdout, cmd);
			return EXIT_OK;
		}
	}
	return cmd->func(argc - 1, argv + 1);
}

void print_cmd_usage(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "Usage: %s %s%s%s\n\n  %s\n", bin_name, cmd->name,
		*cmd->args ? " " : "", cmd->args, cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
}

bool is_help_arg(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "-h");
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

const char *human_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int i = 0;

	while (v >= 1024 && i < 6) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[i]);
	return buf;
}

char *read_all(int fd, int *err)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *tmp;
	ssize_t n;

	while (buf) {
		if (cap - len < 4096) {
			tmp = realloc(buf, cap * 2);
			if (!tmp)
				break;
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			free(buf);
			return NULL;
		}
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		len += n;
	}
	free(buf);
	*err = ENOMEM;
	return NULL;
}
