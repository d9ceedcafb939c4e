/* alarm() interrupts a pure busy loop and its handler runs; a SIGSEGV
 * handler runs on a NULL dereference and siglongjmp recovers. Exits 0 and
 * prints "signals: ok". */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t alarmed;
static sigjmp_buf recover;
static volatile void *fault_addr;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_addr = info->si_addr;
	siglongjmp(recover, 1);
}

int main(void)
{
	struct sigaction sa = { 0 };
	volatile unsigned long spins = 0;
	volatile int *null = NULL;

	signal(SIGALRM, on_alarm);
	alarm(1);
	while (!alarmed)	/* no system call in this loop */
		spins++;
	printf("signals: SIGALRM after %lu spins\n", (unsigned long)spins);

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(recover, 1) == 0) {
		*null = 1;
		printf("signals: NULL store did not fault\n");
		return 1;
	}
	if (fault_addr != NULL) {
		printf("signals: fault address %p, expected NULL\n", (void *)fault_addr);
		return 1;
	}
	printf("signals: SIGSEGV handled, recovered with siglongjmp\n");
	/* the handler must be usable again after siglongjmp */
	if (sigsetjmp(recover, 1) == 0) {
		*null = 2;
		return 1;
	}
	printf("signals: ok\n");
	return 0;
}
