/*
 * A normal process returns from a signal handler with a stack segment
 * that does not exist (UC_STRICT_RESTORE_SS keeps it as given): the
 * kernel's IRET to user mode faults, in ring 0, with the user's GS still
 * loaded. Stock Linux turns that into a SIGSEGV for the
 * process (status 139). The UKL entry stack's code runs before GS is
 * fixed, so it must not touch GS: if it did, this would hang the kernel.
 * Prints "bad_iret: returning" first.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <ucontext.h>

#define UC_STRICT_RESTORE_SS	0x4	/* from the kernel's uapi ucontext.h */
#define BAD_SELECTOR		0xfff3UL	/* beyond any GDT, RPL 3 */

static void break_the_stack_segment(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *csgsfs = &uc->uc_mcontext.gregs[REG_CSGSFS];

	(void)sig;
	(void)info;
	/* cs, gs, fs, ss: 16 bits each */
	*csgsfs = (*csgsfs & 0x0000ffffffffffffUL) | (BAD_SELECTOR << 48);
	uc->uc_flags |= UC_STRICT_RESTORE_SS;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = break_the_stack_segment, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	printf("bad_iret: returning\n");
	fflush(stdout);
	raise(SIGUSR1);
	printf("bad_iret: still here\n");
	return 0;
}
