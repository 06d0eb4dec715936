/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmalens selftests: reading the debugfs reports,
 * reading the independent truth from /proc, and spawning target processes
 * that set up an address space, report through a pipe, then pause.
 */
#ifndef VMALENS_VM_UTIL_H
#define VMALENS_VM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VMALENS_DIR	"/sys/kernel/debug/vmalens"

/* A file on the bed's read-only ext4 disk (guest-init), where there is one */
#define VML_EXT4_FILE	"/mnt/ext4/lib.bin"

#define VML_VM_READ		0x1UL
#define VML_VM_WRITE		0x2UL
#define VML_VM_EXEC		0x4UL
#define VML_VM_MAYSHARE		0x80UL
#define VML_VM_GROWSDOWN	0x100UL

/* The `layout` file, one member per documented key. */
struct vml_layout {
	long pid;
	char comm[64];
	char layout[16];
	long compat;
	unsigned long mmap_base, mmap_legacy_base, task_size;
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;
	unsigned long vdso, map_count, total_vm, page_size;
	long mmap_rnd_bits, mmap_rnd_compat_bits;
	unsigned long stack_guard_gap;
};

/* One line of the `vmas` file: a VMA or a gap. */
struct vml_line {
	bool gap;
	unsigned long start, end;
	/* VMA lines */
	char *maps;		/* the /proc/PID/maps part, before the last TAB */
	char perms[5];
	char *name;		/* inside maps; "" when none */
	char kind[16];
	unsigned long flags;
	/* gap lines */
	unsigned long size, guard;
	bool has_guard;
};

struct vml_vmas {
	struct vml_line *l;
	int n;			/* all lines */
	int nvmas;		/* VMA lines only */
	char *text;		/* owns every string above */
};

/* A process spawned by a test; see target_fork() and target_exec(). */
struct target {
	pid_t pid;
	char report[512];	/* "key=value ..." line written by the target */
};

/* Reporting: helpers explain a mismatch here; tests TH_LOG it. */
extern char vml_err[4096];

char *slurp(const char *path, size_t *len);
int vml_query(int fd, pid_t pid, char **out, size_t chunk);
int vml_read(const char *file, pid_t pid, char **out);
int vml_write_pid(int fd, const char *text);
int read_layout(pid_t pid, struct vml_layout *l);
int parse_layout(const char *text, struct vml_layout *l);

int parse_vmas(char *text, struct vml_vmas *v);
void free_vmas(struct vml_vmas *v);
const struct vml_line *find_vma(const struct vml_vmas *v, unsigned long addr);
const struct vml_line *find_vma_named(const struct vml_vmas *v, const char *name);
int read_vmas(pid_t pid, struct vml_vmas *v);

int compare_with_maps(const struct vml_vmas *v, const char *maps);
int check_gaps(const struct vml_vmas *v, unsigned long guard_gap);
int check_kinds(const struct vml_vmas *v);

int proc_stat_fields(pid_t pid, unsigned long *f, int nfields);
long proc_status_kb(pid_t pid, const char *key);
long proc_file_kb(const char *path, const char *key);
int count_lines(const char *text, const char *skip);
long read_long_file(const char *path);
int write_long_file(const char *path, long val);
unsigned long default_stack_guard_gap(void);

typedef void (*target_setup_fn)(char *report, size_t size, void *arg);
typedef int (*target_preexec_fn)(void *arg);
int target_fork(struct target *t, target_setup_fn setup, void *arg);
int target_exec(struct target *t, const char *path, target_preexec_fn pre,
		void *arg);
void target_kill(struct target *t);
void setup_many_vmas(char *report, size_t size, void *pages);
unsigned long report_ul(const struct target *t, const char *key);
bool report_has(const struct target *t, const char *key);

/* --- stress tests: fuzz_test, churn_test, unload_test, kptr_test --------- */

#include <stdint.h>

#define VMALENS_KO_DEFAULT	"/opt/vmalens/vmalens.ko"

uint64_t vml_rand(uint64_t *state);
long env_long(const char *name, long def);
bool debug_kernel(void);
/*
 * Whether the vmalens module is loaded (/sys/module/vmalens): the bed
 * loads it unless booted with "vmtest run --no-module", where a test of
 * the module skips with VML_SKIP_WITHOUT_MODULE(); a test of the CLI's
 * other backends can make sure the module is not there.
 */
bool vml_module_loaded(void);
#define VML_SKIP_WITHOUT_MODULE(statement)				\
	do {								\
		if (!vml_module_loaded())				\
			SKIP(statement, "the vmalens module is not loaded"); \
	} while (0)
/* The running kernel's release as major * 100 + minor (518: 5.18); -1 */
int vml_kernel_release(void);
/* What one PMD maps: page_size / 8 entries of 8 bytes on 64-bit tables */
unsigned long vml_pmd_size(void);
int run_cmd(char *const argv[], unsigned int secs, char **out);
int module_unload(char **out);
int module_load(char **out);
void churn_step(uint64_t *state);

#endif /* VMALENS_VM_UTIL_H */
