/*
 * TCP echo latency client (host side) for the echo servers in
 * examples/echo.
 *
 *   echo-client [-h HOST] [-p PORT] [-s SIZE] [-n COUNT] [-w WARMUP]
 *               [-c CONNECTIONS] [-o CSV] [-t SECONDS] [-W SECONDS]
 *               [-S SOCKET] [-g MICROSECONDS] [-r] [-q] [-x]
 *
 *   -h HOST   server, numeric IPv4 (default 127.0.0.1)
 *   -p PORT   server port (default 7777)
 *   -s SIZE   message size in bytes, 1..1048576 (default 64)
 *   -r        random message sizes in 1..SIZE instead, from a fixed-seed
 *             PRNG so every run sends the same sequence
 *   -n COUNT  measured round trips per connection (default 10000)
 *   -w WARMUP unmeasured round trips per connection first (default 100)
 *   -c CONNS  connections, 1..4096 (default 1)
 *   -o CSV    write raw samples: "index,size_bytes,rtt_ns" per line
 *   -t SECS   overall time limit (default 300); when hit, report what
 *             was measured so far and exit 3
 *   -W SECS   how long to keep retrying the connect (default 30)
 *   -S SOCKET the counting plugin's Unix socket (ukl run --count-socket):
 *             a snapshot labelled "start" right before the first measured
 *             message and "end" right after the last reply, each awaited
 *             (docs/measuring.md)
 *   -g USECS  wait this long after each reply before sending the next
 *             message, so that the server's VM goes idle in between, as
 *             it would on fast hardware (for counted runs; default 0)
 *   -q        no summary line
 *   -x        abuse mode: robustness checks instead of measuring
 *
 * One round trip sends one whole message and reads until all of it came
 * back; every echoed byte is compared with what was sent. Messages carry
 * a pattern derived from their index, so a lost, duplicated or shifted
 * chunk shows up as a mismatch. Messages are numbered from 0 in sending
 * order over all connections, warmup included; errors name the
 * connection (from 0), the message and the byte offset.
 *
 * With several connections, all are opened first and then used
 * round-robin from this one thread, one message outstanding at a time.
 * That keeps the numbers comparable with the single-connection case
 * (no thread scheduling noise) while still making the server juggle
 * many open sockets. All samples go into one set of statistics.
 *
 * The summary is one machine-readable line on stdout:
 *   count=N mean_us=X p50_us=X p90_us=X p99_us=X p999_us=X max_us=X
 * Percentiles use the nearest-rank method on the sorted samples.
 *
 * Connecting retries for -W seconds because the server may still be
 * booting. QEMU's user networking accepts on the host side even before
 * the guest listens and then closes, so a successful connect() proves
 * nothing: each new connection first does a 1-byte probe round trip and
 * on EOF/reset the connect is retried.
 *
 * Exit status: 0 success, 1 failure (bad echo, lost connection, could
 * not connect), 2 usage error, 3 time limit hit.
 */
#define _GNU_SOURCE	/* SOCK_NONBLOCK, nanosleep etc. even under -std=c11 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NSEC		1000000000LL
#define MSEC		1000000LL
#define MAX_SIZE	(1024 * 1024)
#define MAX_CONNS	4096
#define MAX_SAMPLES	(1L << 25)	/* 400 MiB of samples at most */
#define MAX_COUNT	100000000L
#define WAIT_MS		100		/* longest single blocking wait */
#define RETRY_MS	100		/* pause between connect attempts */
#define PROBE_NS	(5 * NSEC)	/* patience for one probe */
#define PROBE_SEQ	UINT64_MAX	/* pattern index used by probes */
#define ABUSE_BYTES	(64 * 1024)
#define SIZE_SEED	0x2545f4914f6cdd1dULL

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_TIMEOUT = 3 };

/* How one round trip ended. */
enum rt_status { RT_OK, RT_EOF, RT_ERR, RT_MISMATCH, RT_TIMEOUT };

struct rt_res {
	enum rt_status status;
	int err;		/* errno for RT_ERR */
	size_t len;		/* message length */
	size_t off;		/* bytes received / first bad byte */
	uint8_t want, got;	/* the bad byte, for RT_MISMATCH */
};

struct opts {
	struct sockaddr_in addr;
	const char *host, *csv, *snap_sock;
	int port, nconns, time_limit, connect_window, gap_us;
	size_t size;
	long count, warmup;
	bool random_sizes, quiet, abuse;
};

struct samples {
	uint64_t *rtt;		/* ns */
	uint32_t *size;		/* bytes */
	size_t n, cap;
};

struct ctx {
	const struct opts *o;
	int64_t deadline;	/* end of the -t time limit */
	uint8_t *tx, *rx;	/* message buffers, bufsize bytes each */
	size_t bufsize;
	uint64_t size_rng;	/* state for -r sizes */
	uint64_t seq;		/* index of the next message */
	char last_err[160];	/* why the last connect attempt failed */
	struct samples s;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: echo-client [-h HOST] [-p PORT] [-s SIZE] [-n COUNT] [-w WARMUP]\n"
		"                   [-c CONNECTIONS] [-o CSV] [-t SECONDS] [-W SECONDS]\n"
		"                   [-S SOCKET] [-g USECS] [-r] [-q] [-x]\n"
		"  -h HOST  numeric IPv4 address (127.0.0.1)   -p PORT  (7777)\n"
		"  -s SIZE  bytes per message, 1..%d (64)  -r  random sizes 1..SIZE\n"
		"  -n COUNT measured round trips per connection (10000)\n"
		"  -w N     warmup round trips per connection (100)\n"
		"  -c N     connections, 1..%d (1)     -o CSV  write raw samples\n"
		"  -t SECS  time limit, exit 3 when hit (300)\n"
		"  -W SECS  connect retry window (30)  -q  no summary  -x  abuse mode\n"
		"  -S SOCK  counting plugin socket: snapshots start and end\n"
		"  -g USECS pause after each reply (0)\n",
		MAX_SIZE, MAX_CONNS);
	exit(EXIT_USAGE);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Milliseconds left until @deadline, rounded up, capped at WAIT_MS. */
static int wait_ms(int64_t deadline)
{
	int64_t left = deadline - now_ns();

	if (left <= 0)
		return 0;
	left = (left + MSEC - 1) / MSEC;
	return left < WAIT_MS ? (int)left : WAIT_MS;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MSEC };

	nanosleep(&ts, NULL);
}

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static long parse_num(const char *s, char opt, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "echo-client: -%c wants a number in %ld..%ld, not '%s'\n",
			opt, min, max, s);
		usage();
	}
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){
		.host = "127.0.0.1", .port = 7777, .size = 64, .count = 10000,
		.warmup = 100, .nconns = 1, .time_limit = 300,
		.connect_window = 30,
	};
	while ((c = getopt(argc, argv, "h:p:s:n:w:c:o:t:W:S:g:rqx")) != -1) {
		switch (c) {
		case 'h': o->host = optarg; break;
		case 'p': o->port = parse_num(optarg, c, 1, 65535); break;
		case 's': o->size = parse_num(optarg, c, 1, MAX_SIZE); break;
		case 'n': o->count = parse_num(optarg, c, 1, MAX_COUNT); break;
		case 'w': o->warmup = parse_num(optarg, c, 0, MAX_COUNT); break;
		case 'c': o->nconns = parse_num(optarg, c, 1, MAX_CONNS); break;
		case 'o': o->csv = optarg; break;
		case 't': o->time_limit = parse_num(optarg, c, 1, 7 * 86400); break;
		case 'W': o->connect_window = parse_num(optarg, c, 1, 3600); break;
		case 'S': o->snap_sock = optarg; break;
		case 'g': o->gap_us = parse_num(optarg, c, 0, 1000000); break;
		case 'r': o->random_sizes = true; break;
		case 'q': o->quiet = true; break;
		case 'x': o->abuse = true; break;
		default: usage();	/* getopt already said what was wrong */
		}
	}
	if (optind != argc) {
		fprintf(stderr, "echo-client: unexpected argument '%s'\n", argv[optind]);
		usage();
	}
	if (o->count * o->nconns > MAX_SAMPLES) {
		fprintf(stderr, "echo-client: COUNT x CONNECTIONS must be <= %ld\n",
			MAX_SAMPLES);
		usage();
	}
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->host, &o->addr.sin_addr) != 1) {
		fprintf(stderr, "echo-client: -h wants a numeric IPv4 address, not '%s'\n",
			o->host);
		usage();
	}
}

/*
 * Fill a message with bytes that depend on its index: a PRNG stream
 * seeded by @seq, so neighbouring messages and shifted offsets differ.
 */
static void fill_message(uint8_t *buf, size_t len, uint64_t seq)
{
	uint64_t state = (seq + 1) * 0x9e3779b97f4a7c15ULL, v;
	size_t i, n;

	if (!state)
		state = 1;	/* xorshift must not start at 0 */
	for (i = 0; i < len; i += n) {
		v = xorshift64(&state);
		n = len - i < sizeof(v) ? len - i : sizeof(v);
		memcpy(buf + i, &v, n);
	}
}

static size_t next_size(struct ctx *x)
{
	if (!x->o->random_sizes)
		return x->o->size;
	return 1 + xorshift64(&x->size_rng) % x->o->size;
}

static enum rt_status rt_fail(struct rt_res *r, enum rt_status st, int err,
			      size_t off)
{
	r->status = st;
	r->err = err;
	r->off = off;
	return st;
}

static bool transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* Wait up to WAIT_MS (never past @deadline) for @fd to become ready. */
static void wait_io(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	poll(&p, 1, wait_ms(deadline));
}

/*
 * Send @len bytes of @tx and read @len bytes back into @rx.
 *
 * The send side never blocks and we keep reading while sending: with a
 * large message, a server that echoes as it reads would otherwise stall
 * on a full socket toward us while we stall sending to it. Once all is
 * sent we block in recv(), which keeps small round trips at one send()
 * and one recv(); SO_RCVTIMEO (WAIT_MS) wakes us to check the deadline.
 * Each pass moves at least one byte or waits, so the loop is bounded by
 * the message size and @deadline.
 */
static enum rt_status round_trip(int fd, const uint8_t *tx, uint8_t *rx,
				 size_t len, int64_t deadline, struct rt_res *r)
{
	size_t sent = 0, got = 0;
	ssize_t n;

	r->len = len;
	while (got < len) {
		if (sent < len) {
			n = send(fd, tx + sent, len - sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				sent += n;
			else if (n < 0 && !transient(errno))
				return rt_fail(r, RT_ERR, errno, got);
		}
		n = recv(fd, rx + got, len - got, sent < len ? MSG_DONTWAIT : 0);
		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0)
			return rt_fail(r, RT_EOF, 0, got);
		if (!transient(errno))
			return rt_fail(r, RT_ERR, errno, got);
		if (now_ns() >= deadline)
			return rt_fail(r, RT_TIMEOUT, 0, got);
		if (sent < len)
			wait_io(fd, POLLIN | POLLOUT, deadline);
	}
	return rt_fail(r, RT_OK, 0, got);
}

/* Compare the echo with what was sent; done outside the timed region. */
static enum rt_status check_echo(const uint8_t *tx, const uint8_t *rx,
				 struct rt_res *r)
{
	size_t i;

	if (!memcmp(tx, rx, r->len))
		return RT_OK;
	for (i = 0; tx[i] == rx[i]; i++)
		;	/* memcmp said they differ, so this stops below len */
	r->want = tx[i];
	r->got = rx[i];
	return rt_fail(r, RT_MISMATCH, 0, i);
}

/* Fill, exchange and check one message that is not timed. */
static enum rt_status echo_once(struct ctx *x, int fd, size_t len,
				uint64_t seq, int64_t deadline, struct rt_res *r)
{
	fill_message(x->tx, len, seq);
	if (round_trip(fd, x->tx, x->rx, len, deadline, r) != RT_OK)
		return r->status;
	return check_echo(x->tx, x->rx, r);
}

/* Describe a failed round trip into @buf. */
static void describe(const struct rt_res *r, char *buf, size_t size)
{
	switch (r->status) {
	case RT_EOF:
		snprintf(buf, size, "server closed the connection at byte offset %zu of %zu",
			 r->off, r->len);
		break;
	case RT_ERR:
		snprintf(buf, size, "%s at byte offset %zu of %zu",
			 strerror(r->err), r->off, r->len);
		break;
	case RT_MISMATCH:
		snprintf(buf, size, "echoed byte differs at byte offset %zu of %zu (sent 0x%02x, got 0x%02x)",
			 r->off, r->len, r->want, r->got);
		break;
	case RT_TIMEOUT:
		snprintf(buf, size, "timed out at byte offset %zu of %zu",
			 r->off, r->len);
		break;
	default:
		snprintf(buf, size, "ok");
	}
}

static void report(int conn, uint64_t seq, const struct rt_res *r)
{
	char what[160];

	describe(r, what, sizeof(what));
	if (seq == PROBE_SEQ)
		fprintf(stderr, "echo-client: connection %d, probe message: %s\n",
			conn, what);
	else
		fprintf(stderr, "echo-client: connection %d, message %llu: %s\n",
			conn, (unsigned long long)seq, what);
}

/*
 * Latency settings, plus a receive timeout so blocking reads come back
 * now and then to check the deadline.
 */
static void tune_socket(int fd)
{
	struct timeval tv = { 0, WAIT_MS * 1000 };
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Wait for a non-blocking connect; returns 0 or an errno value. */
static int wait_connected(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0, n;

	do {	/* bounded: each poll waits, and the deadline ends it */
		n = poll(&p, 1, wait_ms(deadline));
	} while (n == 0 && now_ns() < deadline);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/*
 * One connect attempt that gives up at @deadline (a blocking connect to
 * an unreachable host could hang for minutes). Returns fd or -errno.
 */
static int connect_once(const struct sockaddr_in *addr, int64_t deadline)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		err = errno == EINPROGRESS ? wait_connected(fd, deadline) : errno;
	if (!err && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	tune_socket(fd);
	return fd;
}

/*
 * Connect, retrying until @deadline. With @probe, a connection only
 * counts once a 1-byte message came back (see the header comment).
 * Returns the fd, or -1 with x->last_err set; a probe that comes back
 * wrong is a real server bug and exits at once.
 */
static int connect_retry(struct ctx *x, int conn, int64_t deadline, bool probe)
{
	int64_t probe_end;
	struct rt_res r;
	char what[128];
	int fd;

	snprintf(x->last_err, sizeof(x->last_err), "no attempt made");
	while (now_ns() < deadline) {	/* each pass sleeps RETRY_MS */
		fd = connect_once(&x->o->addr, deadline);
		if (fd >= 0 && !probe)
			return fd;
		if (fd >= 0) {
			probe_end = now_ns() + PROBE_NS;
			if (probe_end > deadline)
				probe_end = deadline;
			if (echo_once(x, fd, 1, PROBE_SEQ, probe_end, &r) == RT_OK)
				return fd;
			close(fd);
			if (r.status == RT_MISMATCH) {
				report(conn, PROBE_SEQ, &r);
				exit(EXIT_FAIL);
			}
			describe(&r, what, sizeof(what));
			snprintf(x->last_err, sizeof(x->last_err), "probe: %s", what);
		} else {
			snprintf(x->last_err, sizeof(x->last_err), "%s", strerror(-fd));
		}
		sleep_ms(wait_ms(deadline) < RETRY_MS ? wait_ms(deadline) : RETRY_MS);
	}
	return -1;
}

/* Connect-retry window starting now, but never past the time limit. */
static int64_t window_end(const struct ctx *x)
{
	int64_t end = now_ns() + x->o->connect_window * NSEC;

	return end < x->deadline ? end : x->deadline;
}

/* Say why connecting failed; returns the exit status to use. */
static int connect_failed(const struct ctx *x)
{
	const struct opts *o = x->o;

	if (now_ns() >= x->deadline) {
		fprintf(stderr, "echo-client: time limit of %d s reached while connecting to %s:%d (last error: %s)\n",
			o->time_limit, o->host, o->port, x->last_err);
		return EXIT_TIMEOUT;
	}
	fprintf(stderr, "echo-client: cannot connect to %s:%d within %d s (last error: %s)\n",
		o->host, o->port, o->connect_window, x->last_err);
	return EXIT_FAIL;
}

static void samples_add(struct samples *s, size_t size, uint64_t rtt)
{
	/* cap was sized for every planned sample, so this always fits */
	if (s->n < s->cap) {
		s->rtt[s->n] = rtt;
		s->size[s->n] = size;
		s->n++;
	}
}

/*
 * @rounds round trips on every connection, round-robin. With @record,
 * they are timed and kept. Returns an exit status.
 */
static int run_phase(struct ctx *x, const int *fds, long rounds, bool record)
{
	int64_t t0, t1;
	struct rt_res r;
	size_t len;
	long i;
	int c;

	for (i = 0; i < rounds; i++) {
		for (c = 0; c < x->o->nconns; c++, x->seq++) {
			len = next_size(x);
			fill_message(x->tx, len, x->seq);
			t0 = now_ns();
			round_trip(fds[c], x->tx, x->rx, len, x->deadline, &r);
			t1 = now_ns();
			if (r.status == RT_TIMEOUT)
				return EXIT_TIMEOUT;
			if (r.status != RT_OK || check_echo(x->tx, x->rx, &r)) {
				report(c, x->seq, &r);
				return EXIT_FAIL;
			}
			if (record)
				samples_add(&x->s, len, t1 - t0);
			if (t1 >= x->deadline)
				return EXIT_TIMEOUT;
			if (x->o->gap_us) {
				struct timespec ts = { x->o->gap_us / 1000000,
						       (x->o->gap_us % 1000000) * 1000L };

				nanosleep(&ts, NULL);
			}
		}
	}
	return EXIT_OK;
}

/*
 * Ask the counting plugin for a snapshot labelled @label and wait until it
 * answers with the counts, so that they are from before what comes next.
 * Returns 0, or -1 after saying why.
 */
static int snapshot(const char *path, const char *label)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[2048];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "echo-client: -S: path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "echo-client: -S %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, label, strlen(label)) != (ssize_t)strlen(label) ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "echo-client: -S %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* the reply is one line; the plugin answers at once */
	while (got < sizeof(reply) - 1 && !memchr(reply, '\n', got)) {
		n = read(fd, reply + got, sizeof(reply) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!memchr(reply, '\n', got)) {
		fprintf(stderr, "echo-client: -S %s: no answer to snapshot %s\n", path, label);
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with >= permille/1000 at or below. */
static double pct_us(const uint64_t *sorted, size_t n, unsigned permille)
{
	size_t rank = (permille * n + 999) / 1000;

	if (n == 0)
		return 0;
	return sorted[rank ? rank - 1 : 0] / 1000.0;
}

/* Sorts the samples in place, so the CSV must be written first. */
static void print_summary(struct samples *s)
{
	unsigned long long sum = 0;
	size_t i, n = s->n;

	qsort(s->rtt, n, sizeof(*s->rtt), cmp_u64);
	for (i = 0; i < n; i++)
		sum += s->rtt[i];
	printf("count=%zu mean_us=%.3f p50_us=%.3f p90_us=%.3f p99_us=%.3f p999_us=%.3f max_us=%.3f\n",
	       n, n ? (double)sum / n / 1000.0 : 0.0,
	       pct_us(s->rtt, n, 500), pct_us(s->rtt, n, 900),
	       pct_us(s->rtt, n, 990), pct_us(s->rtt, n, 999),
	       n ? s->rtt[n - 1] / 1000.0 : 0.0);
	fflush(stdout);
}

static int write_csv(const struct samples *s, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "echo-client: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "index,size_bytes,rtt_ns\n");
	for (i = 0; i < s->n; i++)
		fprintf(f, "%zu,%u,%llu\n", i, s->size[i],
			(unsigned long long)s->rtt[i]);
	/* '|' not '||': the file must be closed either way */
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "echo-client: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

/* Open every connection (each probed). Returns an exit status. */
static int open_all(struct ctx *x, int *fds)
{
	int64_t end = window_end(x);
	int c;

	for (c = 0; c < x->o->nconns; c++) {
		fds[c] = connect_retry(x, c, end, true);
		if (fds[c] < 0) {
			while (c--)
				close(fds[c]);
			return connect_failed(x);
		}
	}
	return EXIT_OK;
}

static int run_bench(struct ctx *x)
{
	const struct opts *o = x->o;
	int *fds = calloc(o->nconns, sizeof(*fds));
	int st, c;

	x->s.cap = (size_t)o->count * o->nconns;
	x->s.rtt = malloc(x->s.cap * sizeof(*x->s.rtt));
	x->s.size = malloc(x->s.cap * sizeof(*x->s.size));
	if (!fds || !x->s.rtt || !x->s.size) {
		fprintf(stderr, "echo-client: out of memory\n");
		return EXIT_FAIL;
	}
	st = open_all(x, fds);
	if (st == EXIT_FAIL)
		return st;
	if (st == EXIT_OK) {
		st = run_phase(x, fds, o->warmup, false);
		if (st == EXIT_OK && o->snap_sock && snapshot(o->snap_sock, "start"))
			st = EXIT_FAIL;
		if (st == EXIT_OK)
			st = run_phase(x, fds, o->count, true);
		if (st == EXIT_OK && o->snap_sock && snapshot(o->snap_sock, "end"))
			st = EXIT_FAIL;
		for (c = 0; c < o->nconns; c++)
			close(fds[c]);
	}
	if (st == EXIT_FAIL)
		return st;
	if (o->csv && write_csv(&x->s, o->csv) < 0)
		return EXIT_FAIL;
	if (!o->quiet)
		print_summary(&x->s);
	if (st == EXIT_TIMEOUT)
		fprintf(stderr, "echo-client: time limit of %d s reached; reported %zu of %zu samples\n",
			o->time_limit, x->s.n, x->s.cap);
	return st;
}

/*
 * Abuse mode helper: send all of @tx while reading what comes back into
 * @rx, until @want bytes arrived (with everything sent), EOF, or @until.
 * With @shut_wr, shut down our write side once everything is sent.
 * Returns bytes received, or -errno; sets *eof when the server closed.
 */
static ssize_t pump(int fd, const uint8_t *tx, size_t len, bool shut_wr,
		    uint8_t *rx, size_t want, int64_t until, bool *eof)
{
	size_t sent = 0, got = 0;
	bool moved, shut = false;
	ssize_t n;

	*eof = false;
	while (now_ns() < until && !(sent == len && got == want)) {
		moved = false;
		if (sent < len) {
			n = send(fd, tx + sent, len - sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && !transient(errno))
				return -errno;
			moved = n > 0;
			sent += n > 0 ? n : 0;
		}
		if (sent == len && shut_wr && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (got < want) {
			n = recv(fd, rx + got, want - got, MSG_DONTWAIT);
			if (n == 0) {
				*eof = true;
				break;
			}
			if (n < 0 && !transient(errno))
				return -errno;
			moved |= n > 0;
			got += n > 0 ? n : 0;
		}
		if (!moved)
			wait_io(fd, POLLIN | (sent < len ? POLLOUT : 0), until);
	}
	return got;
}

static int64_t soon(const struct ctx *x, int64_t ns)
{
	int64_t t = now_ns() + ns;

	return t < x->deadline ? t : x->deadline;
}

/* (a) 64 KiB of random bytes, whatever comes back within 2 s, close. */
static int abuse_random(struct ctx *x, int fd)
{
	uint64_t rng = SIZE_SEED ^ 0xabcdef;
	bool eof;
	size_t i;

	for (i = 0; i < ABUSE_BYTES; i++)
		x->tx[i] = xorshift64(&rng);
	pump(fd, x->tx, ABUSE_BYTES, false, x->rx, ABUSE_BYTES,
	     soon(x, 2 * NSEC), &eof);
	return 0;	/* any outcome is fine: only the server's survival counts */
}

/* (b) 1000 bytes, shutdown(SHUT_WR), expect exactly them back, then EOF. */
static int abuse_half_close(struct ctx *x, int fd)
{
	const size_t len = 1000;
	bool eof;
	ssize_t got;

	fill_message(x->tx, len, x->seq++);
	/* ask for more than was sent, so extra bytes would show */
	got = pump(fd, x->tx, len, true, x->rx, 2 * len, soon(x, 10 * NSEC),
		   &eof);
	if (got < 0) {
		fprintf(stderr, "echo-client: abuse: half-close: %s\n",
			strerror(-got));
		return -1;
	}
	if (!eof || (size_t)got != len || memcmp(x->tx, x->rx, len)) {
		fprintf(stderr, "echo-client: abuse: half-close: got %zd bytes%s (want exactly %zu, then EOF)%s\n",
			got, eof ? " and EOF" : " and no EOF", len,
			(size_t)got == len ? ", contents differ" : "");
		return -1;
	}
	return 0;
}

/* (c) send something, then reset the connection instead of closing it. */
static int abuse_reset(struct ctx *x, int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	fill_message(x->tx, 4096, x->seq++);
	send(fd, x->tx, 4096, MSG_DONTWAIT | MSG_NOSIGNAL);
	/* linger 0 makes close() send RST rather than FIN */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return 0;
}

/* (d) connect and close at once, sending nothing. */
static int abuse_empty(struct ctx *x, int fd)
{
	(void)x;
	(void)fd;
	return 0;
}

/* Is the server still serving? A fresh connection, 100 bytes back. */
static int check_alive(struct ctx *x)
{
	struct rt_res r;
	int fd = connect_retry(x, 0, window_end(x), true);

	if (fd < 0)
		return connect_failed(x);
	echo_once(x, fd, 100, x->seq, x->deadline, &r);
	close(fd);
	if (r.status == RT_TIMEOUT)
		return EXIT_TIMEOUT;
	if (r.status != RT_OK) {
		report(0, x->seq, &r);
		return EXIT_FAIL;
	}
	x->seq++;
	return EXIT_OK;
}

static const struct abuse_step {
	const char *name;
	int (*run)(struct ctx *x, int fd);
} abuse_steps[] = {
	{ "random-64k", abuse_random },
	{ "half-close", abuse_half_close },
	{ "reset", abuse_reset },
	{ "connect-close", abuse_empty },
};

static int run_abuse(struct ctx *x)
{
	size_t i;
	int st, fd;

	st = check_alive(x);	/* also waits for a booting server */
	for (i = 0; st == EXIT_OK && i < sizeof(abuse_steps) / sizeof(abuse_steps[0]); i++) {
		fd = connect_retry(x, 0, window_end(x), false);
		if (fd < 0)
			return connect_failed(x);
		st = abuse_steps[i].run(x, fd) ? EXIT_FAIL : EXIT_OK;
		close(fd);
		if (st == EXIT_OK)
			st = check_alive(x);
		if (st == EXIT_OK)
			printf("abuse: %s ok\n", abuse_steps[i].name);
		else
			fprintf(stderr, "echo-client: abuse: %s failed\n",
				abuse_steps[i].name);
		fflush(stdout);
	}
	if (st == EXIT_TIMEOUT)
		fprintf(stderr, "echo-client: time limit of %d s reached\n",
			x->o->time_limit);
	return st;
}

/* -c up to MAX_CONNS needs more than the usual 1024 fds. */
static void raise_fd_limit(int nconns)
{
	rlim_t want = nconns + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct ctx x = { .o = &o, .size_rng = SIZE_SEED };

	parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);	/* errors come back as EPIPE instead */
	raise_fd_limit(o.nconns);
	x.deadline = now_ns() + o.time_limit * NSEC;
	x.bufsize = o.size > ABUSE_BYTES ? o.size : ABUSE_BYTES;
	x.tx = malloc(x.bufsize);
	x.rx = malloc(x.bufsize);
	if (!x.tx || !x.rx) {
		fprintf(stderr, "echo-client: out of memory\n");
		return EXIT_FAIL;
	}
	return o.abuse ? run_abuse(&x) : run_bench(&x);
}
