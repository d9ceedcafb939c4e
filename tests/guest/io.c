/* Files in a tmpfs, a pipe, and a 64 MiB loopback TCP transfer checked by
 * checksum. Exits 0 and prints "io: ok". */
#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TRANSFER (64UL << 20)

static uint64_t mix(uint64_t sum, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static int files(void)
{
	char buf[32] = { 0 };
	int fd = open("/tmp/ukl-test", O_CREAT | O_RDWR | O_TRUNC, 0600);

	if (fd < 0 || write(fd, "hello tmpfs", 11) != 11 ||
	    lseek(fd, 0, SEEK_SET) != 0 || read(fd, buf, sizeof(buf)) != 11 ||
	    strcmp(buf, "hello tmpfs") || close(fd) || unlink("/tmp/ukl-test"))
		return 1;
	return 0;
}

static int pipes(void)
{
	char buf[16] = { 0 };
	int p[2];

	if (pipe(p) || write(p[1], "through", 7) != 7 || read(p[0], buf, 16) != 7 ||
	    strcmp(buf, "through"))
		return 1;
	close(p[0]);
	close(p[1]);
	return 0;
}

static int listener;
static uint64_t sent_sum;

static void *sender(void *arg)
{
	static unsigned char block[65536];
	struct sockaddr_in *addr = arg;
	uint64_t sum = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)addr, sizeof(*addr)))
		return (void *)1;
	for (size_t done = 0; done < TRANSFER; done += sizeof(block)) {
		for (size_t i = 0; i < sizeof(block); i++)
			block[i] = (unsigned char)((done + i) * 2654435761u >> 13);
		sum = mix(sum, block, sizeof(block));
		for (size_t off = 0; off < sizeof(block);) {
			ssize_t n = write(fd, block + off, sizeof(block) - off);
			if (n <= 0)
				return (void *)1;
			off += n;
		}
	}
	sent_sum = sum;
	close(fd);
	return NULL;
}

static int tcp(void)
{
	static unsigned char buf[65536];
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	uint64_t sum = 0;
	size_t total = 0;
	pthread_t t;
	void *res;
	ssize_t n;
	int fd;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 1) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len))
		return 1;
	pthread_create(&t, NULL, sender, &addr);
	fd = accept(listener, NULL, NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sum = mix(sum, buf, n);
		total += n;
	}
	pthread_join(t, &res);
	close(fd);
	close(listener);
	if (res || total != TRANSFER || sum != sent_sum) {
		printf("io: tcp got %zu bytes, sums %llx/%llx\n", total,
		       (unsigned long long)sum, (unsigned long long)sent_sum);
		return 1;
	}
	return 0;
}

int main(void)
{
	if (files()) {
		printf("io: tmpfs file failed\n");
		return 1;
	}
	printf("io: tmpfs file\n");
	if (pipes()) {
		printf("io: pipe failed\n");
		return 1;
	}
	printf("io: pipe\n");
	if (tcp())
		return 1;
	printf("io: 64 MiB over loopback TCP, checksum matches\n");
	printf("io: ok\n");
	return 0;
}
