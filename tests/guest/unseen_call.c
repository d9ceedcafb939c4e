/*
 * A system call the analysis of ukl-gcc --specialize cannot see: its
 * number comes from the command line. In a specialized image a number
 * outside the program's set gets ENOSYS and the program goes on; as a
 * normal process (or a generic image) the call is made.
 *
 * Also a call through syscall() with a constant number, which the analysis
 * does see (glibc's syscall() passes its first argument on as the number):
 * it must work in every image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long nr = argc > 1 ? strtol(argv[1], NULL, 0) : SYS_getuid;
	long ppid, ret;

	ppid = syscall(SYS_getppid);
	if (ppid < 0) {
		printf("unseen_call: syscall(SYS_getppid) failed: %s\n",
		       strerror(errno));
		return 1;
	}
	printf("unseen_call: constant call made\n");
	errno = 0;
	ret = syscall(nr);
	if (ret == -1 && errno == ENOSYS)
		printf("unseen_call: call %ld: ENOSYS\n", nr);
	else
		printf("unseen_call: call %ld made\n", nr);
	/* a second call of the same number: no second note */
	syscall(nr);
	printf("unseen_call: went on\n");
	return 0;
}
