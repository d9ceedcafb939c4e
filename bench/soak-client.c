/*
 * Soak client (host side) for examples/echo/echo-epoll.c: keeps many
 * connections busy for a fixed time, checks every echoed byte, and
 * reports at fixed intervals.
 *
 *   soak-client [-h HOST] -p PORT -d SECONDS [-c CONNECTIONS] [-i SECONDS]
 *               [-m MAXSIZE] [-S SEED] [-W SECONDS] [-l CONSOLE] [-L LABEL]
 *
 *   -h HOST   server, numeric IPv4 (default 127.0.0.1, where `ukl run -p`
 *             forwards; the guest's address inside the namespace of
 *             `ukl run --net tap`)
 *   -p PORT   server port
 *   -d SECS   how long to run once the server answers, 1..86400
 *   -c CONNS  connections kept open, 1..1024 (default 100)
 *   -i SECS   report interval (default 30)
 *   -m BYTES  largest message, 1..1048576 (default 65536)
 *   -S SEED   seed of the message sizes and contents (default 1)
 *   -W SECS   how long to wait for the server to answer at all (default 180)
 *   -l FILE   the guest's console log: each report adds the guest's memory
 *             use, the last "ukl: mem used_kib=N" line found there
 *             (ukl run --mem-report)
 *   -L LABEL  first word of every report line (default "soak")
 *
 * Each connection has one message in flight at a time: it sends the whole
 * message (reading the echo meanwhile) and reads until all of it came
 * back, comparing every byte, then sends the next. Message sizes are
 * spread over the powers of two (each of the ranges 1, 2-3, 4-7, ...,
 * up to MAXSIZE equally likely), and contents are pseudo-random bytes;
 * both come from SEED, the connection and the message number, so a run
 * sends the same bytes every time.
 *
 * Errors: a connection that fails (refused, reset, closed by the server,
 * a byte that differs, more bytes than were sent, no progress for
 * STALL_S seconds) counts one error, is closed and reconnected after
 * RECONNECT_MS, and carries on with its next message. The server is
 * first waited for with a 1-byte probe (QEMU's user networking accepts
 * on the host before the guest listens, so a connect alone proves
 * nothing); nothing before that counts.
 *
 * Connections are opened one at a time: a connection is opened only once
 * the one opened before it has had bytes echoed (or failed). QEMU's user
 * networking listens on the host with a backlog of 1 (`ss -ltn` shows it),
 * so simultaneous connects overflow that queue, and a connection that
 * sends a large first message while it sits there was sometimes reset
 * (in both modes alike: the guest never saw it).
 *
 * Every interval, and once at the end, a line on stdout:
 *   LABEL min=M t_s=T roundtrips=N errors=E used_kib=K bytes=B
 * (used_kib=- until the console has a memory line); at the end also
 *   LABEL done t_s=T roundtrips=N errors=E bytes=B conns=C
 * Round trips, errors and bytes (echoed and checked) count from the start.
 *
 * Bounded: runs at most -d seconds after the server answered (plus -W
 * for the wait), one reconnect per connection per RECONNECT_MS.
 * Exit status: 0 the run completed (errors or not: see the lines),
 * 1 the server never answered, 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NSEC		1000000000LL
#define MSEC		1000000LL
#define MAX_CONNS	1024
#define MAX_SIZE	(1024 * 1024)
#define RECONNECT_MS	100
#define STALL_S		60
#define MAX_LOGGED	20	/* error messages printed on stderr */

struct conn {
	int id, fd;
	uint64_t msgno;		/* messages started on this connection */
	uint64_t size_rng;
	unsigned char *msg;	/* the message in flight */
	size_t size, sent, recvd;
	bool want_out;		/* EPOLLOUT registered */
	int64_t progress;	/* last time bytes moved */
	int64_t retry_at;	/* when fd < 0: reconnect time */
};

static struct {
	int port, nconns, interval, maxsize, wait_s;
	long duration;
	uint64_t seed;
	const char *host, *console, *label;
} opt = { .nconns = 100, .interval = 30, .maxsize = 65536, .wait_s = 180,
	  .seed = 1, .host = "127.0.0.1", .label = "soak" };

static struct conn conns[MAX_CONNS];
static struct conn *opening;	/* opened, nothing echoed yet */
static int epfd;
static uint64_t roundtrips, errors, bytes, logged;
static long used_kib = -1;
static off_t console_off;
static struct sockaddr_in server;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void usage(void)
{
	fprintf(stderr, "usage: soak-client [-h HOST] -p PORT -d SECONDS [-c CONNS] [-i SECONDS]\n"
		"                   [-m MAXSIZE] [-S SEED] [-W SECONDS] [-l CONSOLE] [-L LABEL]\n");
	exit(2);
}

static long num(const char *s, int flag, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "soak-client: -%c wants a number in %ld..%ld\n", flag, lo, hi);
		exit(2);
	}
	return v;
}

/* Size and contents of message conn->msgno, from the seed alone. */
static void next_message(struct conn *c)
{
	uint64_t r = splitmix(&c->size_rng), s;
	int bits = 0, maxbits = 0;
	size_t i;

	while ((2L << maxbits) <= opt.maxsize)
		maxbits++;
	bits = r % (maxbits + 1);		/* sizes in [2^bits, 2^(bits+1)) */
	c->size = ((size_t)1 << bits) + (r >> 32) % ((size_t)1 << bits);
	if (c->size > (size_t)opt.maxsize)
		c->size = opt.maxsize;
	s = opt.seed * 0x100000001b3ULL ^ ((uint64_t)c->id << 40) ^ c->msgno;
	for (i = 0; i < c->size; i += 8) {
		uint64_t v = splitmix(&s);
		size_t n = c->size - i < 8 ? c->size - i : 8;

		memcpy(c->msg + i, &v, n);
	}
	c->msgno++;
	c->sent = c->recvd = 0;
}

static void set_out(struct conn *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out == on)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

/* Count an error, close, and reconnect later; the message starts over. */
static void conn_fail(struct conn *c, const char *why, int64_t now)
{
	errors++;
	if (logged++ < MAX_LOGGED)
		fprintf(stderr, "soak-client: connection %d, message %llu (%zu bytes, %zu sent, %zu back): %s\n",
			c->id, (unsigned long long)c->msgno - 1, c->size, c->sent, c->recvd, why);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (opening == c)
		opening = NULL;
	c->retry_at = now + RECONNECT_MS * MSEC;
	c->sent = c->recvd = 0;	/* the same message again on the new connection */
}

static void conn_open(struct conn *c, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_fail(c, strerror(errno), now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&server, sizeof(server)) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(c, strerror(errno), now);
		return;
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		conn_fail(c, strerror(errno), now);
		return;
	}
	c->want_out = true;	/* connect completion, then sending */
	c->progress = now;
	opening = c;
}

static void conn_send(struct conn *c, int64_t now)
{
	while (c->sent < c->size) {
		ssize_t n = send(c->fd, c->msg + c->sent, c->size - c->sent, MSG_NOSIGNAL);

		if (n > 0) {
			c->sent += n;
			c->progress = now;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_fail(c, n < 0 ? strerror(errno) : "send returned 0", now);
		return;
	}
	set_out(c, c->sent < c->size);
}

static void conn_recv(struct conn *c, int64_t now)
{
	static unsigned char buf[MAX_SIZE];
	char why[96];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_fail(c, strerror(errno), now);
			return;
		}
		if (n == 0) {
			conn_fail(c, "the server closed the connection", now);
			return;
		}
		if (c->recvd + n > c->sent) {
			conn_fail(c, "more bytes came back than were sent", now);
			return;
		}
		if (memcmp(buf, c->msg + c->recvd, n) != 0) {
			ssize_t i = 0;

			while (buf[i] == c->msg[c->recvd + i])
				i++;
			snprintf(why, sizeof(why), "wrong byte at offset %zu", c->recvd + i);
			conn_fail(c, why, now);
			return;
		}
		c->recvd += n;
		bytes += n;
		c->progress = now;
		if (opening == c)
			opening = NULL;	/* through to the guest: the next may open */
		if (c->recvd == c->size) {
			roundtrips++;
			next_message(c);
			conn_send(c, now);
			if (c->fd < 0)
				return;
		}
	}
}

static void conn_event(struct conn *c, uint32_t ev, int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (ev & EPOLLERR) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		conn_fail(c, err ? strerror(err) : "socket error", now);
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
		conn_recv(c, now);
		if (c->fd < 0)
			return;
	}
	if (ev & EPOLLOUT)
		conn_send(c, now);
}

/* The last "ukl: mem used_kib=N" line added to the console since last time. */
static void read_console(void)
{
	static char carry[256];
	static size_t ncarry;
	char buf[65536];
	ssize_t n;
	int fd;

	if (!opt.console || (fd = open(opt.console, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf), console_off)) > 0) {
		console_off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ncarry < sizeof(carry) - 1)
					carry[ncarry++] = buf[i];
				continue;
			}
			carry[ncarry] = '\0';
			char *p = strstr(carry, "ukl: mem used_kib=");

			if (p)
				used_kib = strtol(p + 18, NULL, 10);
			ncarry = 0;
		}
	}
	close(fd);
}

static void report(int64_t t)
{
	read_console();
	long long secs = (t + NSEC / 2) / NSEC;

	printf("%s min=%.2f t_s=%lld roundtrips=%llu errors=%llu used_kib=", opt.label,
	       secs / 60.0, secs, (unsigned long long)roundtrips, (unsigned long long)errors);
	if (used_kib < 0)
		printf("-");
	else
		printf("%ld", used_kib);
	printf(" bytes=%llu\n", (unsigned long long)bytes);
	fflush(stdout);
}

/*
 * Wait until a 1-byte round trip works: the guest is up and listening.
 * Blocking, with short timeouts; gives up after -W seconds.
 */
static bool wait_for_server(void)
{
	int64_t deadline = now_ns() + opt.wait_s * NSEC;

	while (now_ns() < deadline) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timeval tv = { .tv_sec = 5 };
		char b = 'p';

		if (fd < 0)
			return false;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&server, sizeof(server)) == 0 &&
		    send(fd, &b, 1, MSG_NOSIGNAL) == 1 && recv(fd, &b, 1, 0) == 1 && b == 'p') {
			close(fd);
			return true;
		}
		close(fd);
		poll(NULL, 0, RECONNECT_MS);
	}
	return false;
}

int main(int argc, char **argv)
{
	static struct epoll_event evs[256];
	int64_t start, end, now, next_report;
	int c, i, n;

	while ((c = getopt(argc, argv, "h:p:d:c:i:m:S:W:l:L:")) != -1) {
		switch (c) {
		case 'h': opt.host = optarg; break;
		case 'p': opt.port = num(optarg, c, 1, 65535); break;
		case 'd': opt.duration = num(optarg, c, 1, 86400); break;
		case 'c': opt.nconns = num(optarg, c, 1, MAX_CONNS); break;
		case 'i': opt.interval = num(optarg, c, 1, 86400); break;
		case 'm': opt.maxsize = num(optarg, c, 1, MAX_SIZE); break;
		case 'S': opt.seed = num(optarg, c, 0, 0x7fffffffL); break;
		case 'W': opt.wait_s = num(optarg, c, 1, 3600); break;
		case 'l': opt.console = optarg; break;
		case 'L': opt.label = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !opt.port || !opt.duration)
		usage();
	signal(SIGPIPE, SIG_IGN);
	server.sin_family = AF_INET;
	server.sin_port = htons(opt.port);
	if (inet_pton(AF_INET, opt.host, &server.sin_addr) != 1) {
		fprintf(stderr, "soak-client: -h wants a numeric IPv4 address, not %s\n", opt.host);
		return 2;
	}

	if (!wait_for_server()) {
		fprintf(stderr, "soak-client: no echo from %s:%d within %d s\n",
			opt.host, opt.port, opt.wait_s);
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("soak-client: epoll_create1");
		return 1;
	}
	start = now_ns();
	end = start + opt.duration * NSEC;
	next_report = start + opt.interval * NSEC;
	for (i = 0; i < opt.nconns; i++) {
		struct conn *k = &conns[i];

		k->id = i;
		k->size_rng = opt.seed ^ ((uint64_t)i << 32);
		k->msg = malloc(opt.maxsize);
		if (!k->msg) {
			perror("soak-client: malloc");
			return 1;
		}
		next_message(k);
		k->fd = -1;
		k->retry_at = start;	/* opened one by one in the loop below */
	}
	for (;;) {
		now = now_ns();
		if (now >= next_report || now >= end) {
			if (now >= end) {
				report(end - start);
				break;
			}
			report(next_report - start);
			next_report += opt.interval * NSEC;
			continue;
		}
		int64_t wake = next_report < end ? next_report : end;
		int timeout = (wake - now) / MSEC + 1;

		if (timeout > 100)
			timeout = 100;	/* reconnects and stalls are checked below */
		n = epoll_wait(epfd, evs, 256, timeout);
		if (n < 0 && errno != EINTR) {
			perror("soak-client: epoll_wait");
			return 1;
		}
		now = now_ns();
		for (i = 0; i < n; i++) {
			struct conn *k = evs[i].data.ptr;

			if (k->fd >= 0)
				conn_event(k, evs[i].events, now);
		}
		for (i = 0; i < opt.nconns; i++) {
			struct conn *k = &conns[i];

			if (k->fd < 0 && now >= k->retry_at && !opening)
				conn_open(k, now);
			else if (k->fd >= 0 && now - k->progress > STALL_S * NSEC)
				conn_fail(k, "no progress for 60 s", now);
		}
	}
	printf("%s done t_s=%lld roundtrips=%llu errors=%llu bytes=%llu conns=%d\n", opt.label,
	       (long long)((end - start) / NSEC), (unsigned long long)roundtrips,
	       (unsigned long long)errors, (unsigned long long)bytes, opt.nconns);
	for (i = 0; i < opt.nconns; i++) {
		if (conns[i].fd >= 0)
			close(conns[i].fd);
		free(conns[i].msg);
	}
	return 0;
}
