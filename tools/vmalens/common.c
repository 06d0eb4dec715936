// SPDX-License-Identifier: GPL-2.0
/*
 * What every command shares: the error path, the command dispatcher and
 * reading a report out of /sys/kernel/debug/vmalens/.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* "[PID]": a positive decimal pid or "self"; default: vmalens itself. */
int parse_pid_args(const char *cmd, int argc, char **argv, pid_t *pid)
{
	char *end;
	long v;

	*pid = getpid();
	if (argc == 0)
		return 0;
	if (argc > 1)
		return usage_err(cmd, "too many arguments");
	if (!strcmp(argv[0], "self"))
		return 0;
	errno = 0;
	v = strtol(argv[0], &end, 10);
	if (errno || *end || end == argv[0] || v <= 0 || v > INT_MAX)
		return usage_err(cmd, "invalid pid '%s': expected a positive number",
				 argv[0]);
	*pid = v;
	return 0;
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

/* Is debugfs mounted at /sys/kernel/debug?  -1 if we cannot tell. */
static int debugfs_mounted(void)
{
	char line[4096];
	FILE *f = fopen("/proc/mounts", "re");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char dir[PATH_MAX], type[64];

		if (sscanf(line, "%*s %4095s %63s", dir, type) == 2 &&
		    !strcmp(dir, "/sys/kernel/debug") && !strcmp(type, "debugfs")) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* open() failed: say which piece is missing and how to get it. */
static void explain_open_error(const char *path, int err)
{
	switch (err) {
	case ENOENT:
		if (debugfs_mounted() == 0)
			p_err("cannot open %s: debugfs not mounted? try: mount -t debugfs none /sys/kernel/debug",
			      path);
		else if (access(VMALENS_DEBUGFS_DIR, F_OK) && errno == ENOENT)
			p_err("cannot open %s: module not loaded? try: sudo insmod module/vmalens.ko",
			      path);
		else
			p_err("cannot open %s: no such file; is the module older than this tool? check: %s version",
			      path, bin_name);
		break;
	case EACCES:
		p_err("cannot open %s: permission denied; debugfs is root-only, try: sudo %s ...",
		      path, bin_name);
		break;
	case EPERM:
		p_err("cannot open %s: operation not permitted; is debugfs restricted (kernel lockdown, debugfs=off)?",
		      path);
		break;
	default:
		p_err("cannot open %s: %s", path, strerror(err));
	}
}

/* Writing the pid or reading the report failed: the module's errnos. */
static void explain_report_error(const char *path, pid_t pid, int err)
{
	switch (err) {
	case ESRCH:
	case EPERM:
	case ENXIO:
		explain_pid_error(pid, err, path);	/* as the ioctls say it */
		break;
	case EINVAL:
		p_err("%s rejected pid %d as invalid", path, pid);
		break;
	default:
		p_err("cannot read %s: %s", path, strerror(err));
	}
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

/* *err > 0: open() failed; *err < 0: writing or reading failed. */
static char *read_report_err(const char *path, pid_t pid, int *err)
{
	char num[24], *buf = NULL;
	int fd, len;

	fd = open(path, (pid > 0 ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (pid > 0) {
		len = snprintf(num, sizeof(num), "%d\n", pid);
		errno = 0;
		if (write(fd, num, len) != len) {
			*err = -(errno ? errno : EIO);
			goto out;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			*err = -errno;
			goto out;
		}
	}
	errno = 0;
	buf = read_all(fd, err);
	if (!buf)
		*err = -*err;
out:
	close(fd);
	return buf;
}

char *read_report_quiet(const char *file, pid_t pid, int *err)
{
	char path[PATH_MAX];
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", VMALENS_DEBUGFS_DIR, file);
	buf = read_report_err(path, pid, err);
	if (!buf)
		*err = abs(*err);
	return buf;
}

char *read_report(const char *file, pid_t pid)
{
	char path[PATH_MAX];
	char *buf;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", VMALENS_DEBUGFS_DIR, file);
	buf = read_report_err(path, pid, &err);
	if (buf)
		return buf;
	if (err > 0)
		explain_open_error(path, err);
	else
		explain_report_error(path, pid, -err);
	return NULL;
}
