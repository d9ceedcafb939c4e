/*
 * ukl-init: PID 1 of every UKL guest, unikernel and normal process alike.
 *
 * Linux panics when PID 1 exits, so the program under test never is PID 1:
 * this launcher mounts the usual filesystems and the host directories the
 * runner shares (ukl run -v), starts the program with the arguments and
 * environment the runner put on the kernel command line, waits for it,
 * reports its exit status to the host and powers the VM off. With
 * ukl.mem_report=S it also prints the guest's memory use every S seconds.
 * Starting both kinds of program the same way keeps the comparison between
 * them fair.
 *
 * The status goes to the host twice: as a line on the console for people,
 * and as a bare number on the second serial port, which the runner reads.
 *
 * It is built against musl (scripts/runtime.sh), so it must stay plain
 * POSIX and Linux calls: no glibc extensions.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "cmdline.h"
#include "volumes.h"

static void mount_or_warn(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "ukl-init: mount %s on %s: %s\n", type, dir,
			strerror(errno));
}

/* Loopback must work even without ip= on the command line. */
static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/* Byte-exact output: no "\n" -> "\r\n" translation on the console. */
static void console_raw_output(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		t.c_oflag &= ~OPOST;
		tcsetattr(fd, TCSANOW, &t);
	}
}

static char *read_cmdline(void)
{
	static char buf[8192];
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int wait_for(pid_t app)
{
	int status;
	pid_t pid;

	for (;;) {
		pid = wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return 120;	/* cannot happen: the app is our child */
		if (pid != app)
			continue;	/* an orphan we adopted */
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return exit_code(status);
	}
}

/*
 * ukl.mem_report=S: one console line every S seconds with the memory the
 * guest uses, MemTotal - MemAvailable from /proc/meminfo (what the
 * program, its page cache and the kernel hold; the same measure for a UKL
 * image and a normal process), so a long run shows whether it grows.
 * Each line goes out in one write(), so it is never split; it can land
 * between two writes of the program's own output.
 */
static void report_memory(void)
{
	char buf[4096], line[128], *p;
	long total = -1, avail = -1;
	struct timespec up;
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((p = strstr(buf, "MemTotal:")))
		total = strtol(p + 9, NULL, 10);
	if ((p = strstr(buf, "MemAvailable:")))
		avail = strtol(p + 13, NULL, 10);
	if (total < 0 || avail < 0)
		return;
	clock_gettime(CLOCK_BOOTTIME, &up);
	n = snprintf(line, sizeof(line), "ukl: mem used_kib=%ld total_kib=%ld uptime_s=%ld\n",
		     total - avail, total, (long)up.tv_sec);
	if (write(STDOUT_FILENO, line, n) != n)
		return;	/* nothing to do about a console that fails */
}

/*
 * wait_for with memory reports: SIGCHLD stays blocked (since before the
 * fork) and sigtimedwait() sleeps until a child changes state or the
 * next report is due, so no wake-up is lost between a check and a sleep.
 */
static int wait_reporting(pid_t app, unsigned period, const sigset_t *chld)
{
	struct timespec now, next, left;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &next);
	next.tv_sec += period;
	for (;;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == app && (WIFEXITED(status) || WIFSIGNALED(status)))
				return exit_code(status);
		}
		if (pid < 0 && errno == ECHILD)
			return 120;	/* cannot happen: the app is our child */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
			report_memory();
			next.tv_sec += period;
			if (next.tv_sec < now.tv_sec)	/* we were away long */
				next.tv_sec = now.tv_sec + period;
			continue;
		}
		left.tv_sec = next.tv_sec - now.tv_sec;
		left.tv_nsec = next.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		sigtimedwait(chld, NULL, &left);	/* SIGCHLD, EAGAIN or EINTR */
	}
}

static void report_and_power_off(int status)
{
	char line[32];
	int fd, len;

	printf("ukl: exit status %d\n", status);
	fflush(stdout);
	/*
	 * On a line of its own: UEFI firmware (a disk from ukl package) may
	 * have written its own output to the port first.
	 */
	len = snprintf(line, sizeof(line), "\n%d\n", status);
	fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (fd >= 0) {
		if (write(fd, line, len) != len)
			perror("ukl-init: /dev/ttyS1");
		tcdrain(fd);
		close(fd);
	}
	sync();
	/*
	 * Without ACPI (Firecracker, QEMU's microvm with acpi=off) the kernel
	 * cannot power the machine off and would only halt it; a reset is
	 * what such monitors take as the guest's end.
	 */
	if (access("/sys/firmware/acpi", F_OK) == 0)
		reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(void)
{
	struct launch launch;
	sigset_t chld, old_mask;
	char *cmdline;
	pid_t app;

	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	mount_or_warn("tmpfs", "/tmp", "tmpfs");
	loopback_up();
	console_raw_output(STDOUT_FILENO);
	setvbuf(stdout, NULL, _IONBF, 0);

	cmdline = read_cmdline();
	if (!cmdline || parse_cmdline(cmdline, &launch) < 0) {
		fprintf(stderr, "ukl-init: cannot read the kernel command line\n");
		report_and_power_off(120);
	}
	/* The program must find its shared directories from its first instruction. */
	if (mount_volumes(launch.volumes, launch.nvolumes) < 0)
		report_and_power_off(120);

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (launch.mem_report)
		sigprocmask(SIG_BLOCK, &chld, &old_mask);
	app = fork();
	if (app < 0) {
		perror("ukl-init: fork");
		report_and_power_off(120);
	}
	if (app == 0) {
		/* The program starts with the signal mask init had at boot. */
		if (launch.mem_report)
			sigprocmask(SIG_SETMASK, &old_mask, NULL);
		setsid();
		execve(launch.prog, launch.argv, launch.envp);
		fprintf(stderr, "ukl-init: cannot start %s: %s\n", launch.prog,
			strerror(errno));
		_exit(127);
	}
	if (launch.mem_report)
		report_and_power_off(wait_reporting(app, launch.mem_report, &chld));
	report_and_power_off(wait_for(app));
}
