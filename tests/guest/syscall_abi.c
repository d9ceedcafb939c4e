/*
 * The system call contract, as a program sees it:
 *
 * 1. Only %rax, %rcx and %r11 change across a system call: the arguments
 *    and the callee-saved registers come back intact, on the fast return
 *    and when a signal handler ran in between.
 * 2. A blocking read that a signal interrupts is restarted with
 *    SA_RESTART, fails with EINTR without it, and a nanosleep that a
 *    stop and continue interrupt carries on (the restart without handler).
 *
 * The registers are checked with the instruction the C library uses:
 * "syscall" in a normal process, "call __ukl_syscall" in a UKL image.
 * Exits 0 and prints "syscall_abi: ok".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __UKL__
#define SYSCALL_INSN "call __ukl_syscall\n\t"
#else
#define SYSCALL_INSN "syscall\n\t"
#endif

/* rbx, r12, r13, r14, r15, rdi, rsi, rdx, r10, r8, r9 after the call */
#define NREGS 11
static unsigned long regs_after[NREGS];
static const char *const reg_names[NREGS] = {
	"rbx", "r12", "r13", "r14", "r15", "rdi", "rsi", "rdx", "r10", "r8", "r9"
};

/*
 * Makes system call NR with every register it may not change set to a
 * known value (arguments 1 and 2 are ARG1 and ARG2, the rest patterns),
 * and records the registers afterwards in regs_after. Returns %rax.
 */
static long call_with_patterns(long nr, unsigned long arg1, unsigned long arg2)
{
	long ret;

	__asm__ volatile(
		"movq $0x1b1b1b1b, %%rbx\n\t"
		"movq $0x1c1c1c1c, %%r12\n\t"
		"movq $0x1d1d1d1d, %%r13\n\t"
		"movq $0x1e1e1e1e, %%r14\n\t"
		"movq $0x1f1f1f1f, %%r15\n\t"
		"movq $0, %%rdx\n\t"
		"movq $0x2a2a2a2a, %%r10\n\t"
		"movq $0x2b2b2b2b, %%r8\n\t"
		"movq $0x2c2c2c2c, %%r9\n\t"
		SYSCALL_INSN
		"movq %%rbx, %[r0]\n\t"
		"movq %%r12, %[r1]\n\t"
		"movq %%r13, %[r2]\n\t"
		"movq %%r14, %[r3]\n\t"
		"movq %%r15, %[r4]\n\t"
		"movq %%rdi, %[r5]\n\t"
		"movq %%rsi, %[r6]\n\t"
		"movq %%rdx, %[r7]\n\t"
		"movq %%r10, %[r8]\n\t"
		"movq %%r8, %[r9]\n\t"
		"movq %%r9, %[r10]\n\t"
		: "=a"(ret), "+D"(arg1), "+S"(arg2),
		  [r0] "=m"(regs_after[0]), [r1] "=m"(regs_after[1]),
		  [r2] "=m"(regs_after[2]), [r3] "=m"(regs_after[3]),
		  [r4] "=m"(regs_after[4]), [r5] "=m"(regs_after[5]),
		  [r6] "=m"(regs_after[6]), [r7] "=m"(regs_after[7]),
		  [r8] "=m"(regs_after[8]), [r9] "=m"(regs_after[9]),
		  [r10] "=m"(regs_after[10])
		: "0"(nr)
		: "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13",
		  "r14", "r15", "memory", "cc");
	return ret;
}

static int check_registers(const char *what, long nr, unsigned long arg1,
			   unsigned long arg2)
{
	const unsigned long want[NREGS] = {
		0x1b1b1b1b, 0x1c1c1c1c, 0x1d1d1d1d, 0x1e1e1e1e, 0x1f1f1f1f,
		arg1, arg2, 0, 0x2a2a2a2a, 0x2b2b2b2b, 0x2c2c2c2c
	};
	long ret = call_with_patterns(nr, arg1, arg2);
	int bad = 0;

	if (ret < 0 && ret > -4096) {
		printf("syscall_abi: %s returned %ld\n", what, ret);
		return 1;
	}
	for (int i = 0; i < NREGS; i++) {
		if (regs_after[i] != want[i]) {
			printf("syscall_abi: %s changed %s: %#lx, expected %#lx\n",
			       what, reg_names[i], regs_after[i], want[i]);
			bad = 1;
		}
	}
	return bad;
}

static volatile sig_atomic_t handled;

/* Uses the registers the interrupted code keeps its values in. */
static void on_signal(int sig)
{
	volatile unsigned long sink = 0;

	__asm__ volatile("movq $-1, %%rbx\n\tmovq $-1, %%r12\n\tmovq $-1, %%r15\n\t"
			 ::: "rbx", "r12", "r15");
	for (int i = 0; i < 1000; i++)
		sink += i;
	handled++;
	(void)sig;
}

static void catch_signal(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void alarm_in_ms(long ms)
{
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int pipe_fds[2];

static void *write_later(void *arg)
{
	(void)arg;
	usleep(400 * 1000);
	if (write(pipe_fds[1], "x", 1) != 1)
		printf("syscall_abi: late write failed\n");
	return NULL;
}

static int check_restarts(void)
{
	pthread_t writer;
	char c = 0;
	ssize_t n;

	if (pipe(pipe_fds) != 0)
		return 1;

	/* SA_RESTART: the read goes on after the handler, and gets the byte */
	catch_signal(SIGALRM, SA_RESTART);
	handled = 0;
	pthread_create(&writer, NULL, write_later, NULL);
	alarm_in_ms(100);
	n = read(pipe_fds[0], &c, 1);
	pthread_join(writer, NULL);
	if (n != 1 || c != 'x' || handled != 1) {
		printf("syscall_abi: SA_RESTART read gave %zd '%c' (%s), handler ran %d times\n",
		       n, c, n < 0 ? strerror(errno) : "-", (int)handled);
		return 1;
	}

	/* No SA_RESTART: the read fails with EINTR */
	catch_signal(SIGALRM, 0);
	handled = 0;
	alarm_in_ms(100);
	n = read(pipe_fds[0], &c, 1);
	if (n != -1 || errno != EINTR || handled != 1) {
		printf("syscall_abi: read without SA_RESTART gave %zd (%s), expected EINTR\n",
		       n, n < 0 ? strerror(errno) : "-");
		return 1;
	}
	return 0;
}

/*
 * A stop and a continue interrupt a nanosleep with no handler to run: the
 * kernel restarts it through restart_syscall, and it sleeps its full time.
 * The stopper is a second process that shares the address space (fork()
 * of a UKL program is refused; a thread would be stopped with us).
 */
static pid_t stopped_parent;

static int stop_and_continue(void *arg)
{
	struct timespec t = { 0, 150 * 1000 * 1000 };

	(void)arg;
	nanosleep(&t, NULL);
	kill(stopped_parent, SIGSTOP);
	nanosleep(&t, NULL);
	kill(stopped_parent, SIGCONT);
	return 0;
}

static int check_restart_without_handler(void)
{
	static char stopper_stack[64 * 1024] __attribute__((aligned(16)));
	struct timespec start, end, nap = { 0, 600 * 1000 * 1000 };
	pid_t child;
	int status;
	double slept;

	stopped_parent = getpid();
	child = clone(stop_and_continue, stopper_stack + sizeof(stopper_stack),
		      CLONE_VM | SIGCHLD, NULL);
	if (child < 0) {
		printf("syscall_abi: clone: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (nanosleep(&nap, NULL) != 0) {
		printf("syscall_abi: nanosleep after stop/continue: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	waitpid(child, &status, 0);
	slept = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	if (slept < 0.6) {
		printf("syscall_abi: nanosleep returned after %.3f s of 0.6\n", slept);
		return 1;
	}
	return 0;
}

int main(void)
{
	static char dev_null_byte;
	int bad = 0;

	bad |= check_registers("getppid", SYS_getppid, 0x3d3d3d3d, 0x3e3e3e3e);
	bad |= check_registers("write", SYS_write, 1, (unsigned long)&dev_null_byte);

	/* A signal to ourselves: delivered on the way back, then sigreturn */
	catch_signal(SIGUSR1, 0);
	handled = 0;
	bad |= check_registers("kill", SYS_kill, getpid(), SIGUSR1);
	if (handled != 1) {
		printf("syscall_abi: the SIGUSR1 handler ran %d times\n", (int)handled);
		bad = 1;
	}

	bad |= check_restarts();
	bad |= check_restart_without_handler();
	if (bad)
		return 1;
	printf("syscall_abi: ok\n");
	return 0;
}
