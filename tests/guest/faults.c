/*
 * Faults the program causes itself, one per run. A process dies of the
 * signal named after each case; a UKL program runs in ring 0 inside the
 * kernel, so every one of them reaches a kernel exception handler with a
 * kernel %cs, and must still end as that signal, not as an oops, a
 * WARNING or a hang. Prints "faults: CASE" before faulting.
 *
 *   faults kernel-text [SYMBOL]   call a kernel function (default _printk)
 *   faults recursion              overflow main's stack         SIGSEGV
 *   faults thread-recursion       overflow a thread's stack     SIGSEGV
 *   faults divide                 integer division by zero      SIGFPE
 *   faults ud2                    __builtin_trap()              SIGILL
 *   faults int3                   a breakpoint                  SIGTRAP
 *   faults write-code             store into the program's text SIGSEGV
 *   faults write-rodata           store into a static const     SIGSEGV
 *   faults trap-flag              set EFLAGS.TF, no handler     SIGTRAP
 *   faults sigreturn-noncanonical return from a handler to a
 *                                 non-canonical RIP             SIGSEGV
 *   faults gs                     arch_prctl(ARCH_SET_GS), read %gs:0
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * Read by the divide case at run time, so the compiler cannot fold it;
 * both, since gcc turns 1 / x into a comparison with no division.
 */
static volatile int dividend = 1000, zero;
/* Never reached: keeps gcc's -Winfinite-recursion quiet. */
static volatile unsigned long depth_limit = ~0UL;
/* In .rodata: its address is taken, so it is not folded away either. */
static const int read_only = 42;

/*
 * The address of a kernel symbol from /proc/kallsyms (root sees real
 * addresses). The program cannot name kernel symbols: ukl-gcc refuses
 * them, so that nothing binds to the kernel by accident. A process gets
 * the same address, which is mapped for the kernel only.
 */
static unsigned long kernel_symbol(const char *name)
{
	char line[256], sym[128], type;
	unsigned long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (f == NULL) {
		perror("faults: /proc/kallsyms");
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) == 3 &&
		    strcmp(sym, name) == 0) {
			fclose(f);
			return addr;
		}
	}
	fprintf(stderr, "faults: no %s in /proc/kallsyms\n", name);
	exit(2);
}

static unsigned long __attribute__((noinline)) recurse(unsigned long depth)
{
	char frame[1024];

	/* The frame is live across the call: no tail call, no loop. */
	__asm__ volatile("" : : "r"(frame) : "memory");
	if (depth == depth_limit)
		return depth;
	depth = recurse(depth + 1);
	__asm__ volatile("" : : "r"(frame) : "memory");
	return depth;
}

static void *thread_recursion(void *arg)
{
	(void)arg;
	recurse(0);
	return NULL;
}

static void to_noncanonical(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)info;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000UL;
}

/*
 * A process may point %gs at its own data; a UKL program's %gs is the
 * kernel's per-CPU base, which only a SWAPGS on the way to ring 3 would
 * exchange, and UKL never goes there. Reports what %gs:0 reads.
 */
static int gs_case(void)
{
	unsigned long *mine, seen;

	/*
	 * In the user half in both modes: the program's static data in UKL
	 * is a kernel address, which arch_prctl refuses with EPERM anyway.
	 */
	mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mine == MAP_FAILED) {
		perror("faults: mmap");
		return 2;
	}
	*mine = 0x1234abcd5678UL;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, mine) != 0) {
		printf("faults: arch_prctl(ARCH_SET_GS): %s\n", strerror(errno));
		return 0;
	}
	__asm__ volatile("movq %%gs:0, %0" : "=r"(seen));
	if (seen == *mine)
		printf("faults: %%gs:0 reads the new base\n");
	else
		printf("faults: %%gs:0 reads %#lx, not the new base\n", seen);
	return 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "divide";

	printf("faults: %s\n", how);
	fflush(stdout);
	if (strcmp(how, "kernel-text") == 0) {
		int (*kfunc)(const char *, ...);

		kfunc = (int (*)(const char *, ...))kernel_symbol(argc > 2 ? argv[2] : "_printk");
		/* KERN_EMERG, so that the console shows it even when quiet */
		kfunc("\001" "0" "faults: the kernel's printk ran\n");
		printf("faults: kernel-text returned\n");
		return 0;
	} else if (strcmp(how, "recursion") == 0) {
		recurse(0);
	} else if (strcmp(how, "thread-recursion") == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_recursion, NULL) != 0) {
			printf("faults: pthread_create failed\n");
			return 2;
		}
		pthread_join(t, NULL);
	} else if (strcmp(how, "divide") == 0) {
		printf("faults: %d/0 = %d\n", dividend, dividend / zero);
	} else if (strcmp(how, "ud2") == 0) {
		__builtin_trap();
	} else if (strcmp(how, "int3") == 0) {
		__asm__ volatile("int3");
	} else if (strcmp(how, "write-code") == 0) {
		*(volatile unsigned char *)(uintptr_t)main = 0xc3;
	} else if (strcmp(how, "write-rodata") == 0) {
		*(volatile int *)(uintptr_t)&read_only = 7;
	} else if (strcmp(how, "trap-flag") == 0) {
		/* The #DB comes after the instruction that follows popfq. */
		__asm__ volatile("pushfq; orl $0x100, (%%rsp); popfq; nop" : : : "memory", "cc");
	} else if (strcmp(how, "sigreturn-noncanonical") == 0) {
		struct sigaction sa = { .sa_sigaction = to_noncanonical, .sa_flags = SA_SIGINFO };

		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
	} else if (strcmp(how, "gs") == 0) {
		return gs_case();
	} else {
		printf("faults: unknown case\n");
		return 2;
	}
	printf("faults: %s: still here\n", how);
	return 1;
}
