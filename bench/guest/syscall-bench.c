/*
 * Cost of single system calls, measured inside the guest: getppid, read
 * and write of 1 byte and of 8 KiB, a sendto/recvfrom pair on a loopback
 * UDP socket, an anonymous page fault, and the calls a process makes in
 * the vDSO (clock_gettime, gettimeofday, time, getcpu), and last getppid
 * again under a seccomp filter that allows everything, which sends each
 * call down the kernel's full entry path (in UKL: past the bypass and the
 * fast path). Each is timed over many calls with CLOCK_MONOTONIC; the best
 * of several repetitions is reported, as the least disturbed by the host.
 * One line per measurement:
 *
 *   syscall NAME ns=NANOSECONDS_PER_CALL calls=CALLS_MADE
 *
 * CALLS_MADE counts the warm-up too: what a counter outside the guest saw
 * between two of these lines is divided by it (bench/counts.py).
 *
 * The same source runs as a UKL image and as a normal process.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int zero_fd, null_fd, udp_fd;
static struct sockaddr_in udp_addr;
static char buf[8192];

static void do_getppid(long n)
{
	for (long i = 0; i < n; i++)
		getppid();
}

static void do_read1(long n)
{
	for (long i = 0; i < n; i++)
		if (read(zero_fd, buf, 1) != 1)
			exit(1);
}

static void do_write1(long n)
{
	for (long i = 0; i < n; i++)
		if (write(null_fd, buf, 1) != 1)
			exit(1);
}

static void do_read8k(long n)
{
	for (long i = 0; i < n; i++)
		if (read(zero_fd, buf, sizeof(buf)) != sizeof(buf))
			exit(1);
}

static void do_write8k(long n)
{
	for (long i = 0; i < n; i++)
		if (write(null_fd, buf, sizeof(buf)) != sizeof(buf))
			exit(1);
}

/* One sendto and one recvfrom of 64 bytes on a socket that talks to itself. */
static void do_udp(long n)
{
	for (long i = 0; i < n; i++) {
		if (sendto(udp_fd, buf, 64, 0, (struct sockaddr *)&udp_addr,
			   sizeof(udp_addr)) != 64 ||
		    recvfrom(udp_fd, buf, sizeof(buf), 0, NULL, NULL) != 64)
			exit(1);
	}
}

static void do_clock_gettime(long n)
{
	struct timespec ts;

	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
}

static void do_gettimeofday(long n)
{
	struct timeval tv;

	for (long i = 0; i < n; i++)
		gettimeofday(&tv, NULL);
}

static void do_time(long n)
{
	for (long i = 0; i < n; i++)
		time(NULL);
}

static void do_getcpu(long n)
{
	for (long i = 0; i < n; i++)
		sched_getcpu();
}

/* Touch n fresh anonymous pages: one page fault each. */
static void do_page_fault(long n)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		exit(1);
	for (long i = 0; i < n; i++)
		m[i * page] = 1;
	munmap(m, n * page);
}

/*
 * A filter of one instruction, "allow", is enough to give every later call
 * of this thread seccomp work: the kernel then takes its full entry and
 * exit path, in a process and in UKL alike. It cannot be removed, so it is
 * installed after every other measurement.
 */
static void allow_all_with_seccomp(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("syscall-bench: seccomp");
		exit(1);
	}
}

static void measure(const char *name, void (*fn)(long), long n)
{
	double best = 0, t0, ns;

	fn(n / 10);	/* warm up caches and lazily set-up state */
	for (int r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		fn(n);
		ns = (now_ns() - t0) / n;
		if (r == 0 || ns < best)
			best = ns;
	}
	printf("syscall %s ns=%.1f calls=%ld\n", name, best,
	       n / 10 + REPEATS * n);
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 1;
	socklen_t len = sizeof(udp_addr);

	if (scale < 1)
		scale = 1;
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	udp_addr.sin_family = AF_INET;
	udp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (zero_fd < 0 || null_fd < 0 || udp_fd < 0 ||
	    bind(udp_fd, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) ||
	    getsockname(udp_fd, (struct sockaddr *)&udp_addr, &len)) {
		perror("syscall-bench: setup");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	measure("getppid", do_getppid, 100000 * scale);
	measure("read-1B", do_read1, 50000 * scale);
	measure("write-1B", do_write1, 50000 * scale);
	measure("read-8KiB", do_read8k, 20000 * scale);
	measure("write-8KiB", do_write8k, 50000 * scale);
	measure("sendto+recvfrom-64B", do_udp, 10000 * scale);
	measure("page-fault", do_page_fault, 5000 * scale);
	measure("clock_gettime", do_clock_gettime, 100000 * scale);
	measure("gettimeofday", do_gettimeofday, 100000 * scale);
	measure("time", do_time, 100000 * scale);
	measure("getcpu", do_getcpu, 100000 * scale);
	allow_all_with_seccomp();
	measure("getppid-full-path", do_getppid, 100000 * scale);
	return 0;
}
