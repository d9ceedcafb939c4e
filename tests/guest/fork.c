/*
 * fork() of the UKL application fails cleanly: its data is part of the
 * kernel image, so a child with a copy of the address space would still
 * share it with the parent. As a normal process fork() works as usual.
 * Either way the parent's data stays intact, and vfork, posix_spawn,
 * system() and popen() work (the image has /bin/sh and /bin/helper).
 *
 * Prints "fork: refused EOPNOTSUPP" or "fork: child status 7", then
 * "fork: ok"; exits 0 only if everything held.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int shared_word = 42;

static int check_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		shared_word = 1000;	/* must never reach the parent */
		_exit(7);
	}
	if (pid < 0) {
		printf("fork: refused %s\n", errno == EOPNOTSUPP ? "EOPNOTSUPP" : strerror(errno));
		return errno == EOPNOTSUPP ? 0 : -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	printf("fork: child status %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status) == 7 ? 0 : -1;
}

static int check_vfork(void)
{
	char *argv[] = { "/bin/helper", "from-vfork", NULL };
	int status;
	pid_t pid = vfork();

	if (pid == 0) {
		execve(argv[0], argv, environ);
		_exit(126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 0 : -1;
}

static int check_spawn(void)
{
	char *argv[] = { "/bin/helper", "from-spawn", NULL };
	int status;
	pid_t pid;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 0 : -1;
}

static int check_system_and_popen(void)
{
	char line[128] = "";
	FILE *p;
	int status = system("exit 3");

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3) {
		printf("fork: system() gave %#x\n", status);
		return -1;
	}
	p = popen("echo through-popen", "r");
	if (!p || !fgets(line, sizeof(line), p))
		return -1;
	if (pclose(p) != 0 || strcmp(line, "through-popen\n") != 0)
		return -1;
	return 0;
}

int main(void)
{
	int failed = 0;

	if (check_fork() < 0) {
		printf("fork: fork() misbehaved\n");
		failed = 1;
	}
	if (shared_word != 42) {
		printf("fork: the child's write reached the parent\n");
		failed = 1;
	}
	if (check_vfork() < 0) {
		printf("fork: vfork failed\n");
		failed = 1;
	}
	if (check_spawn() < 0) {
		printf("fork: posix_spawn failed\n");
		failed = 1;
	}
	if (check_system_and_popen() < 0) {
		printf("fork: system or popen failed\n");
		failed = 1;
	}
	if (!failed)
		printf("fork: ok\n");
	return failed;
}
