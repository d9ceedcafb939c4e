/*
 * tsc-khz: print the host's time-stamp counter frequency in kHz.
 *
 * Under TCG a guest's TSC runs at the host's rate. QEMU's microvm
 * machine has no HPET or ACPI PM timer to calibrate it against, so
 * ukl run tells the guest kernel the rate (tsc_early_khz=). Measured
 * against CLOCK_MONOTONIC_RAW over 20 ms, five times, keeping the
 * shortest bracket of each reading: a preemption between the TSC and the
 * clock read would only lengthen it.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A clock reading with the TSC just before and after it. */
static void paired_read(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 10; i++) {
		uint64_t before = __rdtsc();
		uint64_t t = now_ns();
		uint64_t after = __rdtsc();

		if (after - before < best) {
			best = after - before;
			*tsc = before + best / 2;
			*ns = t;
		}
	}
}

int main(void)
{
	const struct timespec interval = { 0, 20 * 1000 * 1000 };
	uint64_t khz[5];
	int i, j;

	for (i = 0; i < 5; i++) {
		uint64_t tsc0, ns0, tsc1, ns1;

		paired_read(&tsc0, &ns0);
		nanosleep(&interval, NULL);
		paired_read(&tsc1, &ns1);
		khz[i] = (tsc1 - tsc0) * 1000000 / (ns1 - ns0);
	}
	/* The median of the five. */
	for (i = 1; i < 5; i++)
		for (j = i; j > 0 && khz[j - 1] > khz[j]; j--) {
			uint64_t t = khz[j];

			khz[j] = khz[j - 1];
			khz[j - 1] = t;
		}
	if (khz[2] == 0) {
		fprintf(stderr, "tsc-khz: the TSC did not advance\n");
		return 1;
	}
	printf("%llu\n", (unsigned long long)khz[2]);
	return 0;
}
