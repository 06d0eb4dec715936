// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens tasks: every process with an address space, from /proc's pid
 * list and VMALENS_IOC_LAYOUT per pid.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lens.h"

#define EXEC_RETRIES	3

/* The processes that could not be listed, by cause. */
struct tasks_skipped {
	size_t denied;		/* EPERM */
	size_t in_exec;		/* EAGAIN, still after EXEC_RETRIES */
	size_t failed;		/* any other errno */
	int failed_err;		/* the last of those */
};

static int tasks_add(struct task_table *t, const struct vmalens_mm_layout *lay)
{
	struct vmalens_mm_layout *tmp;

	if (t->nr == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 128;
		tmp = realloc(t->row, t->cap * sizeof(*t->row));
		if (!tmp)
			return -1;
		t->row = tmp;
	}
	t->row[t->nr++] = *lay;
	return 0;
}

/*
 * One pid: 1 listed, 0 skipped (counted in *s, or quietly: gone meanwhile,
 * or a kernel thread), -1 after p_err() when no other pid can fare better.
 */
static int tasks_one(int fd, pid_t pid, struct task_table *t, struct tasks_skipped *s)
{
	struct vmalens_mm_layout lay;
	int tries;

	for (tries = 0; ; tries++) {
		memset(&lay, 0, sizeof(lay));
		lay.size = sizeof(lay);
		lay.pid = pid;
		if (!ioctl(fd, VMALENS_IOC_LAYOUT, &lay))
			break;
		switch (errno) {
		case ESRCH:		/* exited since readdir() */
		case ENXIO:		/* kernel thread, zombie */
			return 0;
		case EPERM:
			s->denied++;
			return 0;
		case EAGAIN:		/* caught in exec: ask again */
			if (tries < EXEC_RETRIES)
				continue;
			s->in_exec++;
			return 0;
		case ENOTTY:
		case EINTR:
			explain_ioctl_error(errno, "VMALENS_IOC_LAYOUT");
			return -1;
		default:
			s->failed++;
			s->failed_err = errno;
			return 0;
		}
	}
	lay.comm[sizeof(lay.comm) - 1] = '\0';
	if (tasks_add(t, &lay)) {
		p_err("out of memory");
		return -1;
	}
	return 1;
}

static int tasks_collect(int fd, struct task_table *t, struct tasks_skipped *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int ret = 0;
	pid_t pid;

	if (!d) {
		p_err("cannot list processes: /proc: %s; is procfs mounted?", strerror(errno));
		return -1;
	}
	while (ret >= 0 && (e = readdir(d))) {
		pid = proc_dir_pid(e->d_name);
		if (pid > 0)
			ret = tasks_one(fd, pid, t, s);
	}
	closedir(d);
	return ret < 0 ? -1 : 0;
}

/* Skipped processes are never silent: one note on stderr, both outputs. */
static void tasks_note(const struct tasks_skipped *s)
{
	if (s->denied)
		fprintf(stderr, "note: %zu processes not listed: not allowed to inspect them (needs CAP_SYS_PTRACE)\n",
			s->denied);
	if (s->in_exec)
		fprintf(stderr, "note: %zu processes not listed: in the middle of exec; try again\n",
			s->in_exec);
	if (s->failed)
		fprintf(stderr, "note: %zu processes not listed: VMALENS_IOC_LAYOUT failed (%s)\n",
			s->failed, strerror(s->failed_err));
}

static int sort_key;		/* 0 pid, 1 map_count, 2 total_vm */
static const struct task_table *sort_table;

static int cmp_rows(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct vmalens_mm_layout *rx = &sort_table->row[x], *ry = &sort_table->row[y];
	uint64_t kx, ky;

	switch (sort_key) {
	case 1:
		kx = rx->map_count;
		ky = ry->map_count;
		break;
	case 2:
		kx = rx->total_vm;
		ky = ry->total_vm;
		break;
	default:
		return rx->pid < ry->pid ? -1 : rx->pid > ry->pid;
	}
	/* biggest first; ties by pid */
	if (kx != ky)
		return kx < ky ? 1 : -1;
	return rx->pid < ry->pid ? -1 : rx->pid > ry->pid;
}

static size_t *tasks_order(const struct task_table *t)
{
	size_t *order = calloc(t->nr + 1, sizeof(*order)), i;

	if (!order)
		return NULL;
	for (i = 0; i < t->nr; i++)
		order[i] = i;
	sort_key = !lopt.sort || !strcmp(lopt.sort, "pid") ? 0 :
		   !strcmp(lopt.sort, "total_vm") ? 2 : 1;
	sort_table = t;
	qsort(order, t->nr, sizeof(*order), cmp_rows);
	return order;
}

static void tasks_print_plain(const struct task_table *t, const size_t *order)
{
	char size[32], comm[4 * sizeof(t->row[0].comm)];
	size_t i;

	int size_w = lopt.bytes ? 20 : 10;

	printf("%7s %-8s %-16s %-16s %-16s %6s %*s %s\n", "PID", "LAYOUT",
	       "MMAP_BASE", "START_BRK", "BRK", "MAPS", size_w, "TOTAL_VM", "COMM");
	for (i = 0; i < t->nr; i++) {
		const struct vmalens_mm_layout *r = &t->row[order[i]];

		printf("%7" PRIu32 " %-8s 0x%-14" PRIx64 " 0x%-14" PRIx64 " 0x%-14" PRIx64
		       " %6" PRIu64 " %*s %s\n", (uint32_t)r->pid, layout_name(r->layout),
		       (uint64_t)r->mmap_base, (uint64_t)r->start_brk, (uint64_t)r->brk,
		       (uint64_t)r->map_count, size_w,
		       size_str(r->total_vm * r->page_size, size, sizeof(size)),
		       plain_str(r->comm, comm, sizeof(comm)));
	}
}

static void tasks_print_json(const struct task_table *t, const size_t *order)
{
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < t->nr; i++) {
		const struct vmalens_mm_layout *r = &t->row[order[i]];

		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "pid", r->pid);
		jsonw_string_field(json_wtr, "comm", r->comm);
		jsonw_string_field(json_wtr, "layout", layout_name(r->layout));
		jsonw_hex_field(json_wtr, "mmap_base", r->mmap_base);
		jsonw_hex_field(json_wtr, "start_brk", r->start_brk);
		jsonw_hex_field(json_wtr, "brk", r->brk);
		jsonw_uint_field(json_wtr, "map_count", r->map_count);
		jsonw_uint_field(json_wtr, "total_vm", r->total_vm);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}

int tasks_print(const struct task_table *t)
{
	size_t *order = tasks_order(t);

	if (!order) {
		p_err("out of memory");
		return EXIT_ERR;
	}
	if (json_output)
		tasks_print_json(t, order);
	else
		tasks_print_plain(t, order);
	free(order);
	return EXIT_OK;
}

/* bpf_layouts()'s callback: one more row, or -ENOMEM */
static int tasks_add_bpf(const struct vmalens_mm_layout *lay, void *t)
{
	return tasks_add(t, lay) ? -ENOMEM : 0;
}

/* Every process in one pass of the BPF task iterator: root sees them all. */
static int tasks_collect_bpf(struct task_table *t)
{
	int err = bpf_layouts(tasks_add_bpf, t);

	if (err == -ENOMEM)
		p_err("out of memory");
	else if (err)
		p_err("the BPF task iterator failed: %s (%s)", strerror(-err),
		      bpf_decline_reason());
	return err ? -1 : 0;
}

int do_tasks(int argc, char **argv)
{
	struct tasks_skipped skipped = { 0 };
	struct task_table t = { 0 };
	struct lens_src src;
	int ret, err;

	(void)argv;
	if (argc > 0)
		return usage_err("tasks", "too many arguments");
	if (src_open(&src, true))
		return EXIT_ERR;
	ret = EXIT_ERR;
	if (src.backend == BACKEND_MODULE)
		err = tasks_collect(src.fd, &t, &skipped);
	else
		err = tasks_collect_bpf(&t);
	if (!err) {
		src_note(&src);
		ret = tasks_print(&t);
	}
	if (ret == EXIT_OK)
		tasks_note(&skipped);
	src_close(&src);
	free(t.row);
	return ret;
}
