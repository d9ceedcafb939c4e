/* FPU/SIMD state must survive preemption: threads on several vCPUs run
 * the same double-precision computation for a few seconds each while they
 * preempt each other, and every result must equal, bit for bit, the one
 * computed alone first. Exits 0 and prints "fpu: ok". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 4

static double compute(long rounds)
{
	double x = 1.0, y = 0.5, z = 0.0;

	for (long i = 0; i < rounds; i++) {
		x = x * 1.0000001 + y / (i + 1.0);
		y = y * 0.9999999 + x * 1e-9;
		z += x * y - (double)i * 1e-12;
	}
	return x + y + z;
}

static long rounds;
static double expected;

static void *worker(void *arg)
{
	double *out = arg;

	*out = compute(rounds);
	return NULL;
}

int main(void)
{
	struct timespec a, b;
	double results[THREADS];
	pthread_t t[THREADS];
	int bad = 0;

	/* size the work so that one computation takes about a second */
	rounds = 100000;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		expected = compute(rounds);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) > 250000000L ||
		    rounds > 400000000L)
			break;
		rounds *= 2;
	}
	rounds *= 4;
	expected = compute(rounds);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, &results[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (memcmp(&results[i], &expected, sizeof(double))) {
			printf("fpu: thread %d got %.17g, expected %.17g\n", i,
			       results[i], expected);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	printf("fpu: %d threads, %ld rounds per thread, all equal\n", THREADS, rounds);
	printf("fpu: ok\n");
	return 0;
}
