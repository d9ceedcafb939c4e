/*
 * Data kept in the red zone, the 128 bytes below %rsp that x86-64 code may
 * use without moving %rsp, must survive every interrupt, exception and
 * signal. In ring 0 the CPU pushes an interrupt's frame right below %rsp
 * unless the vector has a stack of its own, so this is what breaks first
 * when UKL's entry stack is missing or unsafe.
 *
 * Each thread (one per vCPU) fills the red zone with a pattern and reads it
 * back for about SECONDS seconds, while a timer signal arrives every
 * millisecond and the other threads make system calls. Prints
 * "redzone: ok" and exits 0 if no word ever changed; exits 1 otherwise.
 *
 *   redzone [SECONDS] [THREADS]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;

static void on_alarm(int sig)
{
	(void)sig;
	signals_seen++;
}

/*
 * One round: write 16 words below %rsp, spin, read them back. Returns how
 * many words were disturbed. The assembly uses only the red zone and the
 * registers it declares, so the compiler's frame is never touched (the
 * program is built with -mno-red-zone or has no locals there anyway).
 */
static long red_zone_round(unsigned long seed, long spins)
{
	long bad;

	__asm__ volatile(
		"	movq	%[seed], %%rax\n"
		"	movq	$-128, %%rcx\n"
		"1:	movq	%%rax, (%%rsp,%%rcx)\n"
		"	addq	$0x1234567b, %%rax\n"
		"	addq	$8, %%rcx\n"
		"	jnz	1b\n"
		"	movq	%[spins], %%rdx\n"
		"2:	pause\n"
		"	decq	%%rdx\n"
		"	jnz	2b\n"
		"	xorq	%[bad], %[bad]\n"
		"	movq	%[seed], %%rax\n"
		"	movq	$-128, %%rcx\n"
		"3:	cmpq	%%rax, (%%rsp,%%rcx)\n"
		"	je	4f\n"
		"	incq	%[bad]\n"
		"4:	addq	$0x1234567b, %%rax\n"
		"	addq	$8, %%rcx\n"
		"	jnz	3b\n"
		: [bad] "=&r"(bad)
		: [seed] "r"(seed), [spins] "r"(spins)
		: "rax", "rcx", "rdx", "cc", "memory");
	return bad;
}

static double seconds;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *spin_and_check(void *arg)
{
	unsigned long seed = (unsigned long)arg * 0x1000193;
	double end = now() + seconds;
	long rounds = 0, bad = 0;

	while (now() < end) {
		bad += red_zone_round(seed + rounds, 20000);
		rounds++;
		if (rounds % 64 == 0)
			getppid();	/* a system call between rounds */
	}
	printf("redzone: thread %lu: %ld rounds, %ld words disturbed\n",
	       (unsigned long)arg, rounds, bad);
	return (void *)bad;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 2 ? atoi(argv[2]) : 2;
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	pthread_t threads[16];
	long total_bad = 0;
	void *ret;
	int i;

	seconds = argc > 1 ? atof(argv[1]) : 3;
	if (nthreads < 1 || nthreads > 16)
		nthreads = 2;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	for (i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, spin_and_check,
			       (void *)(unsigned long)(i + 1));
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i], &ret);
		total_bad += (long)ret;
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	printf("redzone: %d signals\n", (int)signals_seen);
	if (total_bad || signals_seen == 0) {
		printf("redzone: FAILED (%ld words disturbed)\n", total_bad);
		return 1;
	}
	printf("redzone: ok\n");
	return 0;
}
