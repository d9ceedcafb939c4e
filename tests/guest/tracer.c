/*
 * A normal process beside the UKL application that traces a child of its
 * own: the UKL entry (and its bypass) must leave the normal system call
 * path, and what ptrace sees on it, as it was.
 *
 * The child stops itself, then calls getppid() and exits. The tracer
 * follows it from system call stop to system call stop and checks that it
 * sees getppid enter with its number in orig_rax and leave with its own
 * pid in rax. Prints "tracer: saw getppid enter and return PID" and exits
 * 0, or says what it missed and exits 1.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bounded: the child makes a handful of calls */
#define MAX_STOPS 64

int main(void)
{
	struct user_regs_struct regs;
	int status, stops = 0, in_getppid = 0, entered = 0, returned = 0;
	long result = 0;
	pid_t child = fork();

	if (child < 0) {
		perror("tracer: fork");
		return 1;
	}
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		syscall(SYS_getppid);
		_exit(0);
	}
	waitpid(child, &status, 0);		/* its SIGSTOP */
	ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)PTRACE_O_TRACESYSGOOD);
	while (stops++ < MAX_STOPS) {
		if (ptrace(PTRACE_SYSCALL, child, NULL, NULL) != 0)
			break;
		if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status))
			break;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		ptrace(PTRACE_GETREGS, child, NULL, &regs);
		if (!in_getppid && regs.orig_rax == SYS_getppid) {
			in_getppid = entered = 1;
		} else if (in_getppid) {
			in_getppid = 0;
			returned = 1;
			result = (long)regs.rax;
		}
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (!entered || !returned || result != getpid()) {
		printf("tracer: getppid entered %d, returned %d, gave %ld (my pid %d)\n",
		       entered, returned, result, (int)getpid());
		return 1;
	}
	printf("tracer: saw getppid enter and return %ld\n", result);
	return 0;
}
