/* posix_spawn of a normal static program from the image (/bin/helper,
 * tests/guest/helper.c), waited for, its exit status read. Exits 0 and
 * prints "spawn: ok". */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

extern char **environ;

int main(void)
{
	char *argv[] = { "/bin/helper", "from-spawn", NULL };
	pid_t pid;
	int status, err;

	err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (err) {
		printf("spawn: posix_spawn failed: %d\n", err);
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("spawn: waitpid failed\n");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 5) {
		printf("spawn: helper status %#x, expected exit 5\n", status);
		return 1;
	}
	printf("spawn: ok\n");
	return 0;
}
