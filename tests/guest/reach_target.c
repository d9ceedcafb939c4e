/* The target of tests/guest/reach_intruder.c: starts the intruder, a normal
 * program, with its own pid and the address of a word on its stack, waits
 * for it, then checks that the word still holds what it put there.
 *
 *   reach_target        (prints "reach_target: word intact" or "... changed")
 *
 * Its exit status is the intruder's: 0 when every attempt went as the
 * intruder was told to expect. */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TARGET_WORD	0x5ec7e75ec7e7L

extern char **environ;

int main(int argc, char **argv)
{
	volatile long word = TARGET_WORD;	/* on the stack: user half */
	char pid_arg[32], addr_arg[32];
	char *args[] = { "/bin/intruder", pid_arg, addr_arg,
			 argc > 1 ? argv[1] : "refused", NULL };
	pid_t pid;
	int status, err;

	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	snprintf(addr_arg, sizeof(addr_arg), "%p", (void *)&word);
	err = posix_spawn(&pid, args[0], NULL, NULL, args, environ);
	if (err) {
		printf("reach_target: posix_spawn: %s\n", strerror(err));
		return 120;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		printf("reach_target: the intruder did not exit normally\n");
		return 121;
	}
	printf("reach_target: word %s\n",
	       word == TARGET_WORD ? "intact" : "changed");
	return WEXITSTATUS(status);
}
