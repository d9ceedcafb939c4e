/* The /etc a program expects: users and groups by name and by number,
 * localhost through the hosts database, the resolver's configuration, and
 * a name that is nowhere failing at once rather than after a DNS timeout.
 * Prints what it found (the test compares), then "etc: ok" and exits 0
 * when every lookup answered. */
#include <arpa/inet.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("etc: FAILED %s\n", what);
		failures++;
	}
}

static void users_and_groups(void)
{
	struct passwd *pw;
	struct group *gr;

	pw = getpwnam("nobody");
	check(pw != NULL, "getpwnam(nobody)");
	if (pw)
		printf("passwd nobody uid=%u gid=%u\n", (unsigned)pw->pw_uid,
		       (unsigned)pw->pw_gid);
	pw = getpwuid(0);
	check(pw != NULL, "getpwuid(0)");
	if (pw)
		printf("passwd uid 0 is %s home=%s\n", pw->pw_name, pw->pw_dir);
	gr = getgrnam("nogroup");
	check(gr != NULL, "getgrnam(nogroup)");
	if (gr)
		printf("group nogroup gid=%u\n", (unsigned)gr->gr_gid);
	gr = getgrgid(0);
	check(gr != NULL, "getgrgid(0)");
	if (gr)
		printf("group gid 0 is %s\n", gr->gr_name);
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void hosts(void)
{
	struct hostent *h = gethostbyname("localhost");
	double start;

	check(h != NULL && h->h_addrtype == AF_INET, "gethostbyname(localhost)");
	if (h && h->h_addrtype == AF_INET)
		printf("host localhost is %s\n",
		       inet_ntoa(*(struct in_addr *)h->h_addr_list[0]));
	start = seconds();
	h = gethostbyname("no-such-host.invalid");
	check(h == NULL, "an unknown name resolved");
	printf("unknown name failed in %s\n", seconds() - start < 3 ? "under 3 s" : "3 s or more");
}

static void resolver(void)
{
	char line[256];
	FILE *f = fopen("/etc/resolv.conf", "r");

	check(f != NULL, "open /etc/resolv.conf");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "nameserver", 10) == 0)
			printf("resolv.conf: %s", line);
	fclose(f);
}

int main(void)
{
	users_and_groups();
	hosts();
	resolver();
	if (failures)
		return 1;
	printf("etc: ok\n");
	return 0;
}
