/*
 * For tests/cases/count.sh: work of a known size between guest markers
 * of the counting plugin (xchg %bx,%bx, docs/measuring.md). A busy loop
 * of K iterations of two instructions, one of 3K, then a console line of
 * 64 characters, each followed by a marker, then 20 ms of sleep. With a
 * second argument "wait" it then waits forever, for the test of host
 * snapshots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void marker(void)
{
	__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

/* exactly two instructions per iteration: dec, jnz */
static void spin(long k)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(k) : : "cc");
}

int main(int argc, char **argv)
{
	long k = argc > 1 ? atol(argv[1]) : 1000000;
	char line[65];

	if (k < 1)
		k = 1;
	memset(line, 'x', 64);
	line[64] = 0;
	marker();
	spin(k);
	marker();
	spin(3 * k);
	marker();
	printf("%s\n", line);
	fflush(stdout);
	marker();
	printf("count_loop: done\n");
	fflush(stdout);
	/*
	 * Idle for a moment, so that the run has HLTs to count: the boot
	 * itself no longer goes idle (kernel patch 25 took out its only
	 * sleep).
	 */
	usleep(20000);
	if (argc > 2 && !strcmp(argv[2], "wait"))
		for (;;)
			pause();
	return 0;
}
