/* Prints the first line of each file named on its command line as
 * "show PATH=LINE" (or "show PATH: ERROR"), so that a test can see a
 * setting of the kernel the program booted on, such as a module
 * parameter under /sys/module. Exits 0 when every file was read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[256];
	int failures = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");

		if (!f || !fgets(line, sizeof(line), f)) {
			printf("show %s: %s\n", argv[i], f ? "empty" : strerror(errno));
			failures++;
		} else {
			line[strcspn(line, "\n")] = '\0';
			printf("show %s=%s\n", argv[i], line);
		}
		if (f)
			fclose(f);
	}
	return failures ? 1 : 0;
}
