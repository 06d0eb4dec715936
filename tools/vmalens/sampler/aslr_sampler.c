// SPDX-License-Identifier: GPL-2.0
/*
 * The default process "vmalens aslr" samples: a freestanding static PIE
 * (no libc, no relocations), so that nothing but the kernel decides where
 * its pieces go.  It maps one anonymous page, so that the mmap area holds
 * at least one object besides the program, and stops itself; the CLI
 * reads its layout while it is stopped, then kills it.
 *
 * With a socket on ZYGOTE_FD ("vmalens aslr --fork") it is a fork server
 * instead, as Android's zygote is: for each request byte it forks a child
 * that stops itself ('f': the child is a copy of this process, as an app
 * is of zygote) or that first execs this program anew ('e'), waits until
 * the child stops, and answers with the child's pid (an int; -1 if it
 * could not fork or the child ended).  The CLI reads and kills the child;
 * the next request, or the socket's end, reaps it.
 *
 * With a file on FILE_FD, it also maps as many bytes of it as FILE_LEN_FD
 * holds (a 32-bit count), privately and without a hint, as a dynamic
 * loader maps a library: the CLI asks for one PMD, the size from which
 * some file systems align the mapping.  Samples are taken one at a time,
 * so the shared offset of FILE_LEN_FD is only ever moved by one reader.
 *
 * Built native and 32-bit (i386 on x86_64, arm on arm64).
 */
#define SIGSTOP		19
#define SIGCHLD		17
#define PROT_RW		3		/* PROT_READ | PROT_WRITE */
#define MAP_PRIV_ANON	0x22		/* MAP_PRIVATE | MAP_ANONYMOUS */
#define WUNTRACED	2
#define ZYGOTE_FD	100		/* as ZYGOTE_FD in aslr.c */
#define FILE_FD		101		/* as FILE_FD in aslr.c */
#define FILE_LEN_FD	102		/* as FILE_LEN_FD in aslr.c */
#define PROT_READ	1
#define MAP_PRIVATE	2

#if defined(__i386__) || defined(__arm__)
/* the numbers that i386 and arm (EABI) share */
#define NR_EXIT		1
#define NR_FORK		2
#define NR_READ		3
#define NR_WRITE	4
#define NR_CLOSE	6
#define NR_EXECVE	11
#define NR_GETPID	20
#define NR_KILL		37
#define NR_LSEEK	19
#define NR_WAIT4	114
#endif

#if defined(__x86_64__)
#define NR_READ		0
#define NR_WRITE	1
#define NR_CLOSE	3
#define NR_LSEEK	8
#define NR_MMAP		9
#define NR_GETPID	39
#define NR_FORK		57
#define NR_EXECVE	59
#define NR_EXIT		60
#define NR_WAIT4	61
#define NR_KILL		62

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret)
			  : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			    "r"(r9)
			  : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__i386__)
#define NR_MMAP		90		/* old_mmap: one pointer to six args */

static long sys4(long nr, long a, long b, long c, long d)
{
	long ret;

	__asm__ volatile ("int $0x80" : "=a"(ret)
			  : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}

static long sys3(long nr, long a, long b, long c)
{
	return sys4(nr, a, b, c, 0);
}

static long sys_mmap(long a, long b, long c, long d, long e, long f)
{
	long args[6] = { a, b, c, d, e, f };

	return sys3(NR_MMAP, (long)args, 0, 0);
}
#elif defined(__aarch64__) || defined(__arm__)
#if defined(__aarch64__)
#define NR_CLOSE	57
#define NR_LSEEK	62
#define NR_READ		63
#define NR_WRITE	64
#define NR_EXIT		93
#define NR_KILL		129
#define NR_GETPID	172
#define NR_CLONE	220		/* no fork: clone(SIGCHLD, 0, ...) */
#define NR_EXECVE	221
#define NR_MMAP		222
#define NR_WAIT4	260
#define SVC		"svc #0"
#define NR_REG		"x8"
#define ARG_REG(n)	"x" #n
#else
#define NR_MMAP		192		/* mmap2: offset in pages */
#define SVC		"svc #0"
#define NR_REG		"r7"
#define ARG_REG(n)	"r" #n
#endif

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long rn __asm__(NR_REG) = nr;
	register long r0 __asm__(ARG_REG(0)) = a;
	register long r1 __asm__(ARG_REG(1)) = b;
	register long r2 __asm__(ARG_REG(2)) = c;
	register long r3 __asm__(ARG_REG(3)) = d;
	register long r4 __asm__(ARG_REG(4)) = e;
	register long r5 __asm__(ARG_REG(5)) = f;

	__asm__ volatile (SVC : "+r"(r0)
			  : "r"(rn), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			  : "memory");
	return r0;
}
#else
#error "aslr_sampler: unsupported architecture"
#endif

#if !defined(__i386__)
static long sys4(long nr, long a, long b, long c, long d)
{
	return sys6(nr, a, b, c, d, 0, 0);
}

static long sys3(long nr, long a, long b, long c)
{
	return sys6(nr, a, b, c, 0, 0, 0);
}

static long sys_mmap(long a, long b, long c, long d, long e, long f)
{
	return sys6(NR_MMAP, a, b, c, d, e, f);
}
#endif

static long sys_fork(void)
{
#if defined(NR_FORK)
	return sys3(NR_FORK, 0, 0, 0);
#else
	return sys6(NR_CLONE, SIGCHLD, 0, 0, 0, 0, 0);
#endif
}

static void __attribute__((noreturn)) sys_exit(long status)
{
	for (;;)
		sys3(NR_EXIT, status, 0, 0);
}

static void __attribute__((noreturn)) stop_self(void)
{
	sys3(NR_KILL, sys3(NR_GETPID, 0, 0, 0), SIGSTOP, 0);
	sys_exit(0);
}

/* A child for request @req, stopped; its pid, or -1. */
static int fork_stopped(char req)
{
	char *argv[2], *envp[1];
	long child;
	int status;

	child = sys_fork();
	if (child == 0) {
		if (req != 'e')
			stop_self();
		/* a fresh exec must not find the socket and serve too */
		sys3(NR_CLOSE, ZYGOTE_FD, 0, 0);
		argv[0] = "/proc/self/exe";
		argv[1] = 0;
		envp[0] = 0;
		sys3(NR_EXECVE, (long)argv[0], (long)argv, (long)envp);
		sys_exit(127);
	}
	if (child < 0)
		return -1;
	status = 0;
	if (sys4(NR_WAIT4, child, (long)&status, WUNTRACED, 0) != child ||
	    (status & 0xff) != 0x7f) {
		/* it ended instead of stopping: reaped already */
		return -1;
	}
	return (int)child;
}

static void __attribute__((noreturn)) serve(char req)
{
	int child = -1;

	do {
		if (child > 0)
			sys4(NR_WAIT4, child, 0, 0, 0);	/* killed by the CLI */
		child = fork_stopped(req);
		if (sys3(NR_WRITE, ZYGOTE_FD, (long)&child, sizeof(child)) != sizeof(child))
			break;
	} while (sys3(NR_READ, ZYGOTE_FD, (long)&req, 1) == 1);
	if (child > 0)
		sys4(NR_WAIT4, child, 0, 0, 0);
	sys_exit(0);
}

/* The library-like mapping of FILE_FD, if the CLI gave a file and a length. */
static void map_file(void)
{
	unsigned int len = 0;

	if (sys3(NR_LSEEK, FILE_LEN_FD, 0, 0) != 0 ||
	    sys3(NR_READ, FILE_LEN_FD, (long)&len, sizeof(len)) != sizeof(len) ||
	    !len)
		return;
	sys_mmap(0, len, PROT_READ, MAP_PRIVATE, FILE_FD, 0);
}

void _start(void) __attribute__((noreturn, used));

void _start(void)
{
	char req;

	sys_mmap(0, 4096, PROT_RW, MAP_PRIV_ANON, -1, 0);
	map_file();
	/* no socket: -EBADF at once */
	if (sys3(NR_READ, ZYGOTE_FD, (long)&req, 1) == 1)
		serve(req);
	stop_self();
}
