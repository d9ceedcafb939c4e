/* Files in directories the host shares (ukl run -v). Runs its arguments
 * as steps, in order:
 *   cat PATH           print "cat PATH: <first line>"
 *   write PATH TEXT    create or truncate PATH with TEXT and a newline
 *   erofs PATH         creating PATH and making PATH.d must fail with EROFS
 * Prints "volumes: ok" and exits 0 when every step did as told. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cat(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f)) {
		printf("volumes: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	printf("cat %s: %s\n", path, line);
	return 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		printf("volumes: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("wrote %s\n", path);
	return 0;
}

static int refused(const char *path)
{
	char dir[512];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), made;

	if (fd >= 0 || errno != EROFS) {
		printf("volumes: creating %s: want EROFS, got %s\n", path,
		       fd >= 0 ? "success" : strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s.d", path);
	made = mkdir(dir, 0755) == 0;
	if (made || errno != EROFS) {
		printf("volumes: mkdir %s: want EROFS, got %s\n", dir,
		       made ? "success" : strerror(errno));
		return -1;
	}
	printf("erofs %s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc;

		if (strcmp(argv[i], "cat") == 0 && i + 1 < argc)
			rc = cat(argv[++i]);
		else if (strcmp(argv[i], "write") == 0 && i + 2 < argc) {
			rc = write_text(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (strcmp(argv[i], "erofs") == 0 && i + 1 < argc)
			rc = refused(argv[++i]);
		else {
			printf("volumes: bad step '%s'\n", argv[i]);
			return 2;
		}
		if (rc < 0)
			return 1;
	}
	printf("volumes: ok\n");
	return 0;
}
