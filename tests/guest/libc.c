/* glibc features a UKL program relies on: stdio, string functions glibc
 * picks by IFUNC, printf of floats, qsort, getaddrinfo of a numeric
 * address, time and clock_gettime, strtod, a constructor. Prints
 * "libc: ok" and exits 0 when every check holds. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>

static int failures;
static int constructed;

__attribute__((constructor)) static void init(void)
{
	constructed = 1;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("libc: FAILED %s\n", what);
		failures++;
	}
}

static int compare(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	char buf[256], big[4096];
	int numbers[] = { 5, 3, 9, 1, 7, 2 };
	struct addrinfo hints = { .ai_family = AF_INET }, *res = NULL;
	struct timespec ts;
	time_t now;

	check(constructed, "constructor before main");

	/* IFUNC-selected string functions, on sizes that take the vector paths */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	check(strlen(big) == sizeof(big) - 1, "strlen");
	check(memchr(big, 'y', sizeof(big)) == NULL, "memchr");
	memcpy(buf, big, 200);
	buf[200] = '\0';
	check(strcmp(buf, big + sizeof(big) - 201) == 0, "memcpy/strcmp");
	check(strstr("unikernel linux", "linux") != NULL, "strstr");

	snprintf(buf, sizeof(buf), "%.3f %e %g", 3.14159, 12345.678, 0.5);
	check(strcmp(buf, "3.142 1.234568e+04 0.5") == 0, "printf of floats");
	check(strtod("2.5e3", NULL) == 2500.0, "strtod");

	qsort(numbers, 6, sizeof(int), compare);
	check(numbers[0] == 1 && numbers[5] == 9, "qsort");

	check(getaddrinfo("127.0.0.1", "7", &hints, &res) == 0 && res &&
	      ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(7),
	      "getaddrinfo of a numeric address");
	if (res)
		freeaddrinfo(res);

	now = time(NULL);
	check(now > 1600000000, "time");
	check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock_gettime");

	if (failures)
		return 1;
	printf("libc: ok\n");
	return 0;
}
