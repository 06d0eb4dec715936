// SPDX-License-Identifier: GPL-2.0
/*
 * A PID argument: a pid, "self", or the name of a process, found the way
 * pidof(1) finds it.  Pids change on every boot, and on Android nobody
 * remembers them: "vmalens show system_server" is what one types.  Every
 * command that takes a pid parses it with parse_pid_arg(), so that none
 * of them can lag behind.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

/*
 * Does a process with this comm and argv[0] go by @name?  Its comm (what
 * ps and top show, at most 15 bytes) is one name; its argv[0], whole or
 * its last path component, is another: an Android app process rewrites
 * argv[0] to its package name, far longer than comm can hold.  A kernel
 * thread has an empty cmdline: its @argv0 "" equals no name and has no
 * basename, so it goes by its comm alone.
 */
bool proc_name_matches(const char *name, const char *comm, const char *argv0)
{
	const char *slash;

	if (!*name)
		return false;
	if (!strcmp(name, comm))
		return true;
	if (!strcmp(name, argv0))
		return true;
	slash = strrchr(argv0, '/');
	return slash && !strcmp(name, slash + 1);
}

/*
 * Count one more match; keep the lowest pids, ascending, for the message.
 * /proc lists pids in ascending order, but nothing promises it.
 */
static void pid_matches_add(struct pid_matches *m, pid_t pid, const char *comm)
{
	size_t i;

	m->nr++;
	if (m->nr_shown == PID_MATCHES_SHOWN) {
		if (pid > m->shown[PID_MATCHES_SHOWN - 1].pid)
			return;
		m->nr_shown--;		/* the highest makes room */
	}
	for (i = m->nr_shown; i > 0 && m->shown[i - 1].pid > pid; i--)
		m->shown[i] = m->shown[i - 1];
	m->shown[i].pid = pid;
	snprintf(m->shown[i].comm, sizeof(m->shown[i].comm), "%s", comm);
	m->nr_shown++;
}

/* A directory of /proc that names a process: a positive decimal number. */
pid_t proc_dir_pid(const char *name)
{
	long v = 0;

	if (!*name)
		return 0;
	for (; *name; name++) {
		if (!isdigit((unsigned char)*name) || v > INT_MAX / 10)
			return 0;
		v = v * 10 + (*name - '0');
	}
	return v;
}

/* Read a small file below @dirfd, NUL-terminated; its length, or -1. */
static ssize_t read_small(int dirfd, const char *file, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * Every process of @proc_dir (a procfs mount, or a tree shaped like one)
 * that goes by @name, but @exclude.  A process that exits while we look
 * is passed over: its files vanish or fail to read, and it is not there
 * to be inspected anyway.  Comm and cmdline are read below one open
 * directory of the process, so that a pid reused meanwhile cannot lend
 * its comm to the cmdline of another process.  0, or -errno when
 * @proc_dir cannot be listed.
 */
int pids_by_name(const char *proc_dir, const char *name, pid_t exclude,
		 struct pid_matches *m)
{
	/* room for an argv[0] as long as a path; a longer one is cut */
	char comm[64], cmdline[PATH_MAX + 1];
	struct dirent *d;
	int pid_dirfd;
	ssize_t n;
	pid_t pid;
	DIR *dir;

	memset(m, 0, sizeof(*m));
	dir = opendir(proc_dir);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		pid = proc_dir_pid(d->d_name);
		if (!pid || pid == exclude)
			continue;
		pid_dirfd = openat(dirfd(dir), d->d_name,
				   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pid_dirfd < 0)
			continue;
		n = read_small(pid_dirfd, "comm", comm, sizeof(comm));
		if (n > 0 && comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		/* the first NUL ends argv[0]; an empty cmdline: a kernel thread */
		if (n >= 0 &&
		    read_small(pid_dirfd, "cmdline", cmdline, sizeof(cmdline)) >= 0 &&
		    proc_name_matches(name, comm, cmdline))
			pid_matches_add(m, pid, comm);
		close(pid_dirfd);
	}
	closedir(dir);
	return 0;
}

/* "101 (foo), 102 (foo-worker) and 3 more": the candidates of a message. */
const char *pid_matches_list(const struct pid_matches *m, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < m->nr_shown; i++)
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%d (%s)",
				 i ? ", " : "", (int)m->shown[i].pid, m->shown[i].comm);
	if (m->nr > m->nr_shown)
		snprintf(buf + used, used < len ? len - used : 0, " and %zu more",
			 m->nr - m->nr_shown);
	return buf;
}

/*
 * Only a name must be looked up; a number is a pid even if some process
 * is called "42", as it is for pidof, kill and ps.
 */
static bool is_pid_number(const char *arg)
{
	return !*arg || strspn(arg, "0123456789") == strlen(arg);
}

/*
 * PID, "self" or a process name: the one parser of every command's PID.
 * A name must match exactly one process; vmalens never matches itself,
 * or "vmalens show vmalens" would describe the wrong process.
 */
int parse_pid_arg(const char *cmd, const char *arg, pid_t *pid)
{
	struct pid_matches m;
	char list[512];
	char *end;
	long v;
	int err;

	if (!strcmp(arg, "self")) {
		*pid = getpid();
		return 0;
	}
	if (is_pid_number(arg)) {
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v <= 0 || v > INT_MAX)
			return usage_err(cmd, "invalid pid '%s': expected a positive number",
					 arg);
		*pid = v;
		return 0;
	}
	err = pids_by_name("/proc", arg, getpid(), &m);
	if (err) {
		p_err("cannot list the processes in /proc: %s", strerror(-err));
		return EXIT_ERR;
	}
	if (m.nr == 0)
		return usage_err(cmd, "no process named '%s'", arg);
	if (m.nr > 1) {
		p_err("%zu processes named '%s': %s; pass the pid of one",
		      m.nr, arg, pid_matches_list(&m, list, sizeof(list)));
		return EXIT_USAGE;
	}
	*pid = m.shown[0].pid;
	return 0;
}
