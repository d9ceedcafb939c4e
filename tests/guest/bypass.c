/*
 * What a system call keeps when the UKL entry calls its handler directly
 * (the bypass, kernel patch 23), checked the same way in a normal process:
 *
 *   bypass [tracer PATH]
 *   bypass calls N
 *
 * The second form only makes N getppid() calls, for counting which entry
 * code they run (tests/cases/bypass.sh).
 *
 * 1. A signal that arrives while a bypassed call runs is delivered on its
 *    way back, and the handler's sigreturn restores every register the
 *    call must keep: a busy loop of getppid() with a 1 ms timer, each call
 *    with different register patterns, so a slot the bypass failed to fill
 *    would bring back an older call's values.
 * 2. /proc/PID/syscall of a thread blocked in a bypassed read() names the
 *    call and its arguments, as for a normal process.
 * 3. With "tracer PATH": a normal process, PATH, traces a child of its own
 *    with ptrace and sees the child's calls (tests/guest/tracer.c).
 * 4. Last, as it cannot be undone: a seccomp filter the program installs
 *    stops getppid() with EPERM, and other calls still run.
 *
 * Exits 0 and prints "bypass: ok"; otherwise a line says what failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

extern char **environ;

/* rbx, rbp, r12-r15 and the argument registers, before and after */
#define NREGS 12
static const char *const reg_names[NREGS] = {
	"rbx", "rbp", "r12", "r13", "r14", "r15",
	"rdi", "rsi", "rdx", "r10", "r8", "r9"
};

/*
 * getppid with every register it must keep set from SEED; the values
 * after the call go to AFTER. Returns %rax.
 */
static long getppid_with(unsigned long seed, unsigned long after[NREGS])
{
	unsigned long io[2 * NREGS];	/* the values to set, then those seen */
	unsigned long *p = io;
	long ret;

	for (int i = 0; i < NREGS; i++)
		io[i] = seed * 0x9e3779b97f4a7c15UL + (unsigned long)i;
	/* Below the red zone; %rbp by hand, as it may be the frame pointer */
	__asm__ volatile(
		"subq $128, %%rsp\n\t"
		"pushq %%rbp\n\t"
		"pushq %%rcx\n\t"
		"movq 0(%%rcx), %%rbx\n\t"
		"movq 8(%%rcx), %%rbp\n\t"
		"movq 16(%%rcx), %%r12\n\t"
		"movq 24(%%rcx), %%r13\n\t"
		"movq 32(%%rcx), %%r14\n\t"
		"movq 40(%%rcx), %%r15\n\t"
		"movq 48(%%rcx), %%rdi\n\t"
		"movq 56(%%rcx), %%rsi\n\t"
		"movq 64(%%rcx), %%rdx\n\t"
		"movq 72(%%rcx), %%r10\n\t"
		"movq 80(%%rcx), %%r8\n\t"
		"movq 88(%%rcx), %%r9\n\t"
		"movl %[nr], %%eax\n\t"
		SYSCALL_INSN
		"movq (%%rsp), %%rcx\n\t"
		"movq %%rbx, 96(%%rcx)\n\t"
		"movq %%rbp, 104(%%rcx)\n\t"
		"movq %%r12, 112(%%rcx)\n\t"
		"movq %%r13, 120(%%rcx)\n\t"
		"movq %%r14, 128(%%rcx)\n\t"
		"movq %%r15, 136(%%rcx)\n\t"
		"movq %%rdi, 144(%%rcx)\n\t"
		"movq %%rsi, 152(%%rcx)\n\t"
		"movq %%rdx, 160(%%rcx)\n\t"
		"movq %%r10, 168(%%rcx)\n\t"
		"movq %%r8, 176(%%rcx)\n\t"
		"movq %%r9, 184(%%rcx)\n\t"
		"popq %%rcx\n\t"
		"popq %%rbp\n\t"
		"addq $128, %%rsp\n\t"
		: "=a"(ret), "+c"(p)
		: [nr] "i"(SYS_getppid)
		: "rbx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
		  "r13", "r14", "r15", "memory", "cc");
	for (int i = 0; i < NREGS; i++) {
		after[i] = io[NREGS + i];
		if (after[i] != io[i]) {
			printf("bypass: getppid changed %s: %#lx, expected %#lx\n",
			       reg_names[i], after[i], io[i]);
			return -1;
		}
	}
	return ret;
}

static volatile sig_atomic_t ticks;

/* Clobbers the registers the interrupted call keeps its values in. */
static void on_tick(int sig)
{
	__asm__ volatile("movq $-1, %%rbx\n\tmovq $-1, %%r12\n\t"
			 "movq $-1, %%r13\n\tmovq $-1, %%r14\n\tmovq $-1, %%r15\n\t"
			 ::: "rbx", "r12", "r13", "r14", "r15");
	ticks++;
	(void)sig;
}

static int check_signals_during_calls(void)
{
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	unsigned long after[NREGS];
	long calls = 0, ppid = getppid();
	struct timespec start, now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	/* Bounded: 200 signals, 2 million calls or 20 seconds */
	while (ticks < 200 && calls < 2000000) {
		if (getppid_with((unsigned long)calls, after) != ppid)
			return 1;
		calls++;
		if (calls % 1024 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec > 20)
				break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	if (ticks < 20) {
		printf("bypass: only %d signals in %ld calls\n", (int)ticks, calls);
		return 1;
	}
	printf("bypass: %d signals during %ld calls, registers intact\n",
	       (int)ticks, calls);
	return 0;
}

static int pipe_fds[2];
static char reader_buf[7];
static volatile pid_t reader_tid;

static void *blocked_reader(void *arg)
{
	(void)arg;
	reader_tid = gettid();
	if (read(pipe_fds[0], reader_buf, sizeof(reader_buf)) != 1)
		printf("bypass: the blocked read failed\n");
	return NULL;
}

/* /proc/self/task/TID/syscall: "NR ARG1 ... ARG6 SP PC" while it blocks */
static int check_proc_syscall(void)
{
	char path[64], line[256], want[128];
	struct timespec nap = { 0, 300 * 1000 * 1000 };
	pthread_t reader;
	FILE *f;
	int bad = 0;

	if (pipe(pipe_fds) != 0)
		return 1;
	pthread_create(&reader, NULL, blocked_reader, NULL);
	nanosleep(&nap, NULL);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)reader_tid);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		printf("bypass: %s: %s\n", path, strerror(errno));
		bad = 1;
	} else {
		snprintf(want, sizeof(want), "%d 0x%x 0x%lx 0x%zx ", SYS_read,
			 pipe_fds[0], (unsigned long)reader_buf, sizeof(reader_buf));
		if (strncmp(line, want, strlen(want)) != 0) {
			printf("bypass: %s says %s, expected it to begin %s\n",
			       path, line, want);
			bad = 1;
		} else {
			printf("bypass: a blocked read shows as %s", line);
		}
	}
	if (f)
		fclose(f);
	if (write(pipe_fds[1], "x", 1) != 1)
		bad = 1;
	pthread_join(reader, NULL);
	return bad;
}

static int run_tracer(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	pid_t pid;
	int status;

	if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0) {
		printf("bypass: cannot start %s\n", path);
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		printf("bypass: %s failed (status %#x)\n", path, status);
		return 1;
	}
	return 0;
}

/* Stops getppid with EPERM, allows everything else (x86_64 only). */
static int install_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		printf("bypass: installing the filter: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int check_seccomp(void)
{
	long before = getppid(), after;

	if (before < 0) {
		printf("bypass: getppid before the filter: %s\n", strerror(errno));
		return 1;
	}
	if (install_filter())
		return 1;
	/* syscall(), as glibc's getppid() does not set errno */
	errno = 0;
	after = syscall(SYS_getppid);
	if (after != -1 || errno != EPERM) {
		printf("bypass: getppid under the filter gave %ld (%s), expected EPERM\n",
		       after, strerror(errno));
		return 1;
	}
	printf("bypass: seccomp stopped getppid: EPERM (it gave %ld before)\n", before);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "calls") == 0) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		printf("bypass: %ld calls made\n", n);
		return 0;
	}
	if (argc != 1 && !(argc == 3 && strcmp(argv[1], "tracer") == 0)) {
		printf("usage: bypass [tracer PATH | calls N]\n");
		return 2;
	}
	bad |= check_signals_during_calls();
	bad |= check_proc_syscall();
	if (argc == 3)
		bad |= run_tracer(argv[2]);
	bad |= check_seccomp();
	if (bad)
		return 1;
	printf("bypass: ok\n");
	return 0;
}
