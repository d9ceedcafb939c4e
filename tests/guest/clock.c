/*
 * The time functions a process gets from the vDSO: right values, on every
 * vCPU, after settimeofday, and without entering the kernel.
 *
 *   clock [CPUS]
 *
 * Checks, printing one line each and "clock: ok" at the end (exit 0); the
 * first failure prints "clock: FAILED ..." and exits 1:
 *   - every clock the vDSO serves agrees with the clock_gettime system
 *     call (read between two library calls), and so do gettimeofday and
 *     time; clock_getres agrees with its system call;
 *   - an unknown clock gives EINVAL, and CLOCK_PROCESS_CPUTIME_ID (which
 *     the vDSO leaves to the kernel) still works;
 *   - on each of CPUS vCPUs, sched_getcpu names the CPU a thread is
 *     pinned to, and CLOCK_MONOTONIC never goes back between threads;
 *   - after settimeofday a day ahead, the realtime clocks follow at once
 *     and CLOCK_MONOTONIC does not;
 *   - with syscall user dispatch blocking every system call, the time
 *     functions still answer (none of them entered the kernel), while
 *     getppid is caught with SIGSYS (the block works). Calls that read
 *     the clocksource are left out when the vDSO could not read it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#endif
#define DISPATCH_ALLOW 0
#define DISPATCH_BLOCK 1

#define NSEC 1000000000LL
#define MAX_CPUS 8
#define ROUNDS 20000

static void failed(const char *what)
{
	printf("clock: FAILED %s\n", what);
	exit(1);
}

static long long ns_of(const struct timespec *ts)
{
	return ts->tv_sec * NSEC + ts->tv_nsec;
}

static long long sys_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clk, &ts))
		failed("the clock_gettime system call");
	return ns_of(&ts);
}

static long long lib_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		failed("clock_gettime");
	return ns_of(&ts);
}

/*
 * The library's reading and the system call's must interleave: a before
 * s before b, give or take slack (a coarse clock lags by up to a tick).
 */
static void check_clock(const char *name, clockid_t clk, long long slack)
{
	long long a = lib_clock_ns(clk), s = sys_clock_ns(clk), b = lib_clock_ns(clk);

	if (a > s + slack || s > b + slack || b < a) {
		printf("clock: %s lib %lld sys %lld lib %lld\n", name, a, s, b);
		failed(name);
	}
	printf("clock: %s agrees with the system call\n", name);
}

static void check_clocks(void)
{
	const long long tick = NSEC / 50;	/* a coarse clock's lag, HZ >= 100 */
	struct timespec lib, sys;
	struct timeval tv;
	long long a, b;
	time_t t;

	check_clock("CLOCK_REALTIME", CLOCK_REALTIME, 0);
	check_clock("CLOCK_MONOTONIC", CLOCK_MONOTONIC, 0);
	check_clock("CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW, 0);
	check_clock("CLOCK_BOOTTIME", CLOCK_BOOTTIME, 0);
	check_clock("CLOCK_TAI", CLOCK_TAI, 0);
	check_clock("CLOCK_REALTIME_COARSE", CLOCK_REALTIME_COARSE, tick);
	check_clock("CLOCK_MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE, tick);

	a = lib_clock_ns(CLOCK_REALTIME);
	if (gettimeofday(&tv, NULL))
		failed("gettimeofday");
	b = lib_clock_ns(CLOCK_REALTIME);
	if (tv.tv_sec * NSEC + tv.tv_usec * 1000LL < a - 1000 ||
	    tv.tv_sec * NSEC + tv.tv_usec * 1000LL > b)
		failed("gettimeofday disagrees with CLOCK_REALTIME");
	t = time(NULL);
	if (t < a / NSEC - 1 || t > b / NSEC)
		failed("time disagrees with CLOCK_REALTIME");
	printf("clock: gettimeofday and time agree\n");

	if (clock_getres(CLOCK_MONOTONIC, &lib) ||
	    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &sys) ||
	    ns_of(&lib) != ns_of(&sys) ||
	    clock_getres(CLOCK_MONOTONIC_COARSE, &lib) ||
	    syscall(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, &sys) ||
	    ns_of(&lib) != ns_of(&sys))
		failed("clock_getres");
	printf("clock: clock_getres agrees\n");

	errno = 0;
	if (clock_gettime(1000, &lib) != -1 || errno != EINVAL)
		failed("an unknown clock does not give EINVAL");
	a = lib_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (volatile int i = 0; i < 1000000; i++)
		;
	if (lib_clock_ns(CLOCK_PROCESS_CPUTIME_ID) <= a)
		failed("CLOCK_PROCESS_CPUTIME_ID does not advance");
	printf("clock: EINVAL and CLOCK_PROCESS_CPUTIME_ID as the kernel gives\n");
}

static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static long long last_ns;
static int went_back;

static void *on_cpu(void *arg)
{
	long cpu = (long)arg;
	cpu_set_t set;
	unsigned int c, node;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		failed("sched_setaffinity");
	if (sched_getcpu() != cpu || getcpu(&c, &node) || c != cpu) {
		printf("clock: pinned to %ld, sched_getcpu says %d\n", cpu, sched_getcpu());
		failed("sched_getcpu");
	}
	/* Each reading is taken and compared under the lock: none may be
	 * older than the last one any thread saw. */
	for (int i = 0; i < ROUNDS; i++) {
		long long now;

		pthread_mutex_lock(&last_lock);
		now = lib_clock_ns(CLOCK_MONOTONIC);
		if (now < last_ns)
			went_back = 1;
		last_ns = now;
		pthread_mutex_unlock(&last_lock);
	}
	return NULL;
}

static void check_cpus(long cpus)
{
	pthread_t t[MAX_CPUS];

	for (long i = 0; i < cpus; i++)
		if (pthread_create(&t[i], NULL, on_cpu, (void *)i))
			failed("pthread_create");
	for (long i = 0; i < cpus; i++)
		pthread_join(t[i], NULL);
	if (went_back)
		failed("CLOCK_MONOTONIC went back between CPUs");
	printf("clock: sched_getcpu and CLOCK_MONOTONIC right on %ld CPUs\n", cpus);
}

static void check_settimeofday(void)
{
	struct timeval tv;
	long long mono = lib_clock_ns(CLOCK_MONOTONIC);
	long long real = lib_clock_ns(CLOCK_REALTIME);
	const long long day = 86400 * NSEC;

	tv.tv_sec = (real + day) / NSEC;
	tv.tv_usec = 0;
	if (settimeofday(&tv, NULL))
		failed("settimeofday");
	if (lib_clock_ns(CLOCK_REALTIME) < real + day - NSEC ||
	    sys_clock_ns(CLOCK_REALTIME) - lib_clock_ns(CLOCK_REALTIME) > 0 ||
	    time(NULL) < tv.tv_sec)
		failed("the realtime clocks did not follow settimeofday");
	if (lib_clock_ns(CLOCK_MONOTONIC) - mono > day / 2)
		failed("CLOCK_MONOTONIC jumped with settimeofday");
	printf("clock: settimeofday moved the realtime clocks, not the monotonic one\n");
}

static volatile char selector = DISPATCH_ALLOW;
static volatile int sigsys_seen;

static void on_sigsys(int sig)
{
	(void)sig;
	selector = DISPATCH_ALLOW;	/* before anything makes a system call */
	sigsys_seen++;
}

/* Each returns whether the call answered. */
static int call_realtime(void) { struct timespec ts; return !clock_gettime(CLOCK_REALTIME, &ts); }
static int call_monotonic(void) { struct timespec ts; return !clock_gettime(CLOCK_MONOTONIC, &ts); }
static int call_coarse(void) { struct timespec ts; return !clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); }
static int call_boottime(void) { struct timespec ts; return !clock_gettime(CLOCK_BOOTTIME, &ts); }
static int call_gettimeofday(void) { struct timeval tv; return !gettimeofday(&tv, NULL); }
static int call_time(void) { return time(NULL) > 0; }
static int call_getcpu(void) { unsigned int c, n; return !getcpu(&c, &n); }
static int call_getres(void) { struct timespec ts; return !clock_getres(CLOCK_MONOTONIC, &ts); }

/* hw: reads the clocksource, which the vDSO can do only for some */
static const struct {
	const char *name;
	int (*call)(void);
	int hw;
} time_calls[] = {
	{ "clock_gettime(CLOCK_REALTIME)", call_realtime, 1 },
	{ "clock_gettime(CLOCK_MONOTONIC)", call_monotonic, 1 },
	{ "clock_gettime(CLOCK_MONOTONIC_COARSE)", call_coarse, 0 },
	{ "clock_gettime(CLOCK_BOOTTIME)", call_boottime, 1 },
	{ "gettimeofday", call_gettimeofday, 1 },
	{ "time", call_time, 0 },
	{ "getcpu", call_getcpu, 0 },
	{ "clock_getres(CLOCK_MONOTONIC)", call_getres, 0 },
};

/*
 * Whether the vDSO can read the current clocksource. With several vCPUs
 * under TCG Linux finds the TSCs unsynchronized and picks the HPET, which
 * the vDSO cannot read: then a process makes system calls too.
 */
static int vdso_reads_clocksource(void)
{
	char name[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (!f || !fgets(name, sizeof(name), f))
		failed("cannot read the current clocksource");
	fclose(f);
	name[strcspn(name, "\n")] = 0;
	if (!strcmp(name, "tsc") || !strcmp(name, "tsc-early") ||
	    !strcmp(name, "kvm-clock"))
		return 1;
	printf("clock: clocksource %s, which the vDSO cannot read: "
	       "only the calls that do not read it are checked\n", name);
	return 0;
}

static void check_no_system_calls(void)
{
	const char *entered = NULL;
	int answered = 0, caught, hw = vdso_reads_clocksource();
	size_t i;

	signal(SIGSYS, on_sigsys);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector))
		failed("PR_SET_SYSCALL_USER_DISPATCH");
	for (i = 0; i < sizeof(time_calls) / sizeof(time_calls[0]); i++) {
		if (time_calls[i].hw && !hw) {
			answered++;
			continue;
		}
		selector = DISPATCH_BLOCK;
		answered += time_calls[i].call();
		if (sigsys_seen && !entered)
			entered = time_calls[i].name;
	}
	caught = sigsys_seen;
	selector = DISPATCH_BLOCK;
	getppid();	/* must be caught */
	selector = DISPATCH_ALLOW;
	prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
	if (entered) {
		printf("clock: %s made a system call (SIGSYS)\n", entered);
		failed("a time function entered the kernel");
	}
	if (answered != (int)i)
		failed("a time function failed under syscall user dispatch");
	if (sigsys_seen != caught + 1)
		failed("syscall user dispatch did not catch getppid");
	printf("clock: the time functions made no system call\n");
}

int main(int argc, char **argv)
{
	long cpus = argc > 1 ? atol(argv[1]) : 1;

	if (cpus < 1 || cpus > MAX_CPUS)
		failed("CPUS must be 1 to 8");
	check_clocks();
	check_cpus(cpus);
	check_no_system_calls();
	check_settimeofday();
	printf("clock: ok\n");
	return 0;
}
