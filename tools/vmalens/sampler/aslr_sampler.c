// SPDX-License-Identifier: GPL-2.0
/*
 * The default process "vmalens aslr" samples: a freestanding static PIE
 * (no libc, no relocations), so that nothing but the kernel decides where
 * its pieces go.  It maps one anonymous page, so that the mmap area holds
 * at least one object besides the program, and stops itself; the CLI
 * reads its layout while it is stopped, then kills it.
 *
 * Built native and 32-bit (i386 on x86_64, arm on arm64).
 */
#define SIGSTOP		19
#define PROT_RW		3		/* PROT_READ | PROT_WRITE */
#define MAP_PRIV_ANON	0x22		/* MAP_PRIVATE | MAP_ANONYMOUS */

#if defined(__x86_64__)
#define NR_MMAP		9
#define NR_GETPID	39
#define NR_KILL		62
#define NR_EXIT		60

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
#define NR_GETPID	20
#define NR_KILL		37
#define NR_EXIT		1

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile ("int $0x80" : "=a"(ret)
			  : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static long sys_mmap(long a, long b, long c, long d, long e, long f)
{
	long args[6] = { a, b, c, d, e, f };

	return sys3(NR_MMAP, (long)args, 0, 0);
}
#elif defined(__aarch64__) || defined(__arm__)
#if defined(__aarch64__)
#define NR_MMAP		222
#define NR_GETPID	172
#define NR_KILL		129
#define NR_EXIT		93
#define SVC		"svc #0"
#define NR_REG		"x8"
#define ARG_REG(n)	"x" #n
#else
#define NR_MMAP		192		/* mmap2: offset in pages */
#define NR_GETPID	20
#define NR_KILL		37
#define NR_EXIT		1
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
static long sys3(long nr, long a, long b, long c)
{
	return sys6(nr, a, b, c, 0, 0, 0);
}

static long sys_mmap(long a, long b, long c, long d, long e, long f)
{
	return sys6(NR_MMAP, a, b, c, d, e, f);
}
#endif

void _start(void) __attribute__((noreturn, used));

void _start(void)
{
	long pid;

	sys_mmap(0, 4096, PROT_RW, MAP_PRIV_ANON, -1, 0);
	pid = sys3(NR_GETPID, 0, 0, 0);
	sys3(NR_KILL, pid, SIGSTOP, 0);
	for (;;)
		sys3(NR_EXIT, 0, 0, 0);
}
