/* A normal process that tries to reach into another one: the UKL
 * application, which is kernel code, must refuse it all.
 *
 *   reach_intruder PID ADDRESS refused|allowed
 *
 * ADDRESS is a word on PID's stack. Tries, as root: PTRACE_ATTACH,
 * PTRACE_SEIZE, a write through /proc/PID/mem, process_vm_writev and
 * process_vm_readv; with "refused" also an exec of the UKL start marker
 * (/app), plain and after PTRACE_TRACEME. Prints one line per attempt,
 * "reach_intruder: WHAT: RESULT" (ok or the errno name), and exits 0 if
 * every attempt was refused ("refused") or succeeded ("allowed"),
 * 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NEW_WORD	0xbadL

static int unexpected;
static int want_refused;

/* Report RC (0 or an errno) of WHAT and count it if it is not expected. */
static void report(const char *what, int rc)
{
	printf("reach_intruder: %s: %s\n", what, rc ? strerrorname_np(rc) : "ok");
	if ((rc != 0) != want_refused)
		unexpected++;
}

/* Stop tracing PID again after an attach that worked. */
static void detach(pid_t pid)
{
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, 0, 0);
}

static int try_attach(pid_t pid, int request)
{
	if (ptrace(request, pid, 0, 0) < 0)
		return errno;
	if (request == PTRACE_SEIZE)
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	detach(pid);
	return 0;
}

static int try_proc_mem(pid_t pid, unsigned long addr)
{
	char path[64];
	long word = NEW_WORD;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	if (pwrite(fd, &word, sizeof(word), addr) != sizeof(word))
		rc = errno;
	close(fd);
	return rc;
}

static int try_vm(pid_t pid, unsigned long addr, int write)
{
	long word = NEW_WORD;
	struct iovec local = { &word, sizeof(word) };
	struct iovec remote = { (void *)addr, sizeof(word) };
	ssize_t n;

	if (write)
		n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	else
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	return n < 0 ? errno : 0;
}

/* Exec the start marker in a child, traced by us or not; its errno. */
static int try_exec_marker(int traced)
{
	int status;
	pid_t child = fork();

	if (child == 0) {
		char *argv[] = { "/app", NULL };

		if (traced && ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(100);
		execv(argv[0], argv);
		_exit(errno);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return ECHILD;
	if (WIFSTOPPED(status)) {	/* the exec worked: a traced ring-0 task */
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return 0;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

int main(int argc, char **argv)
{
	pid_t pid;
	unsigned long addr;

	if (argc != 4) {
		fprintf(stderr, "usage: reach_intruder PID ADDRESS refused|allowed\n");
		return 2;
	}
	pid = atoi(argv[1]);
	addr = strtoul(argv[2], NULL, 0);
	want_refused = strcmp(argv[3], "refused") == 0;

	report("ptrace-attach", try_attach(pid, PTRACE_ATTACH));
	report("ptrace-seize", try_attach(pid, PTRACE_SEIZE));
	report("proc-mem-write", try_proc_mem(pid, addr));
	report("process-vm-writev", try_vm(pid, addr, 1));
	report("process-vm-readv", try_vm(pid, addr, 0));
	if (want_refused) {
		report("exec-marker", try_exec_marker(0));
		report("traceme-exec-marker", try_exec_marker(1));
	}
	return unexpected ? 1 : 0;
}
