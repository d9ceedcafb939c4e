/*
 * The paper's TCP echo server, many-connection variant: one thread, one
 * epoll instance, non-blocking sockets.
 *
 *   echo-epoll [PORT]      (default 7)
 *
 * Everything a client sends comes back unchanged. Each connection keeps a
 * buffer of bytes read but not yet written back (at most MAX_PENDING);
 * while that buffer is full the server stops reading from the connection,
 * so a client that sends without reading only fills its own buffer and
 * its own socket queues. When a client shuts down its write side, the
 * server finishes sending what is pending and then closes. Resets and
 * other errors close only the connection they happened on.
 *
 * Level-triggered epoll is used on purpose: it lets every handler stop
 * after a bounded amount of work (fairness between connections) without
 * having to remember that more data is waiting.
 *
 * Plain Linux C (epoll, accept4); it builds with any gcc, including the
 * UKL wrapper that adds -mno-red-zone.
 */
#define _GNU_SOURCE	/* accept4, SOCK_NONBLOCK and friends */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS	4096		/* simultaneous clients served */
#define INITIAL_BUF	(16 * 1024)	/* per-connection buffer to start */
#define MAX_PENDING	(256 * 1024)	/* per-connection unsent bytes cap */
#define BACKLOG		512
#define MAX_EVENTS	256		/* epoll events handled per wakeup */
#define ACCEPTS_PER_EVENT 64		/* bound work per listener wakeup */
#define IO_PER_EVENT	8		/* bound reads/writes per conn wakeup */
#define RETRY_MS	100		/* accept retry delay after EMFILE */

struct conn {
	int fd;
	uint32_t events;	/* what epoll currently watches for */
	bool rd_closed;		/* client shut down its write side */
	char *buf;		/* pending bytes live in buf[head, tail) */
	size_t cap, head, tail;
};

struct server {
	int lfd, epfd;
	int nconns;
	bool accepting;		/* listener registered with epoll */
};

/*
 * The listener's epoll cookie: connections carry a struct conn pointer,
 * so any unique address tells the listener apart.
 */
static char listener_tag;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static size_t pending(const struct conn *c)
{
	return c->tail - c->head;
}

/*
 * The default soft fd limit (1024) would cap us below MAX_CONNS; raise it
 * as far as the hard limit allows. Failure is harmless (fewer clients).
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = MAX_CONNS + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int listen_on(int port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("echo-epoll: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("echo-epoll: bind");
	if (listen(fd, BACKLOG) < 0)
		die("echo-epoll: listen");
	return fd;
}

/* Start or stop watching the listener (we stop while at MAX_CONNS). */
static void set_accepting(struct server *s, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_tag };

	if (s->accepting == on)
		return;
	if (epoll_ctl(s->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      s->lfd, &ev) < 0)
		die("echo-epoll: epoll_ctl(listener)");
	s->accepting = on;
}

static void conn_close(struct server *s, struct conn *c)
{
	/* close() also drops the fd from the epoll set: no dup()s exist. */
	close(c->fd);
	free(c->buf);
	free(c);
	s->nconns--;
}

/*
 * Make room at buf + tail: first by sliding pending bytes to the front,
 * then by growing up to MAX_PENDING. Returns the free space (0 = full).
 */
static size_t conn_make_room(struct conn *c)
{
	size_t len = pending(c), ncap;
	char *nbuf;

	if (c->tail < c->cap)
		return c->cap - c->tail;
	if (c->head > 0) {
		memmove(c->buf, c->buf + c->head, len);
		c->head = 0;
		c->tail = len;
		return c->cap - c->tail;
	}
	if (c->cap >= MAX_PENDING)
		return 0;
	ncap = c->cap ? c->cap * 2 : INITIAL_BUF;
	if (ncap > MAX_PENDING)
		ncap = MAX_PENDING;
	nbuf = realloc(c->buf, ncap);
	if (!nbuf)
		return 0;	/* out of memory: behave as if full */
	c->buf = nbuf;
	c->cap = ncap;
	return c->cap - c->tail;
}

/*
 * Read what the client sent into the pending buffer.
 * Returns -1 if the connection is dead and must be closed.
 */
static int conn_read(struct conn *c)
{
	size_t room;
	ssize_t n;
	int i;

	for (i = 0; i < IO_PER_EVENT && !c->rd_closed; i++) {
		room = conn_make_room(c);
		if (room == 0)
			return pending(c) ? 0 : -1;	/* full, or no memory */
		n = recv(c->fd, c->buf + c->tail, room, 0);
		if (n > 0) {
			c->tail += n;
			continue;
		}
		if (n == 0) {
			c->rd_closed = true;	/* half-close: drain, then close */
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return -1;	/* ECONNRESET and friends */
	}
	return 0;
}

/*
 * Send pending bytes back. Returns -1 if the connection is dead.
 * MSG_NOSIGNAL: a vanished client must give EPIPE, not kill the server.
 */
static int conn_flush(struct conn *c)
{
	ssize_t n;
	int i;

	for (i = 0; i < IO_PER_EVENT && pending(c); i++) {
		n = send(c->fd, c->buf + c->head, pending(c), MSG_NOSIGNAL);
		if (n > 0) {
			c->head += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;	/* EPIPE, ECONNRESET, ... */
	}
	if (pending(c) == 0) {
		c->head = c->tail = 0;
		/* A burst grew the buffer: give the memory back when idle. */
		if (c->cap > INITIAL_BUF) {
			free(c->buf);
			c->buf = NULL;
			c->cap = 0;
		}
	}
	return 0;
}

/*
 * Watch for input only while there is room to put it (back-pressure),
 * and for output only while something is pending.
 */
static int conn_rearm(struct server *s, struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	uint32_t want = 0;

	if (!c->rd_closed && pending(c) < MAX_PENDING)
		want |= EPOLLIN;
	if (pending(c))
		want |= EPOLLOUT;
	if (want == c->events)
		return 0;
	ev.events = want;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -1;
	c->events = want;
	return 0;
}

static void conn_event(struct server *s, struct conn *c, uint32_t ev)
{
	/* HUP means our send side is gone too (reset): nothing to finish. */
	if (ev & (EPOLLERR | EPOLLHUP))
		goto dead;
	if ((ev & EPOLLIN) && conn_read(c) < 0)
		goto dead;
	if (pending(c) && conn_flush(c) < 0)
		goto dead;
	if (c->rd_closed && pending(c) == 0)
		goto dead;	/* half-closed and fully echoed: done */
	if (conn_rearm(s, c) < 0)
		goto dead;
	return;
dead:
	conn_close(s, c);
	if (s->nconns < MAX_CONNS)
		set_accepting(s, true);
}

static void conn_add(struct server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	ev.data.ptr = c;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("echo-epoll: epoll_ctl(add)");
		close(fd);
		free(c);
		return;
	}
	s->nconns++;
}

/* Returns true if accepting should pause for a while (out of fds). */
static bool accept_some(struct server *s)
{
	int i, fd;

	for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
		if (s->nconns >= MAX_CONNS) {
			set_accepting(s, false);	/* resumed on a close */
			return false;
		}
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_add(s, fd);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return false;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/*
			 * The pending connection stays queued, so a
			 * level-triggered listener would wake us at once,
			 * forever: step back and retry after a delay.
			 */
			return true;
		default:
			perror("echo-epoll: accept");
			return false;
		}
	}
	return false;
}

static void serve(struct server *s)
{
	static struct epoll_event evs[MAX_EVENTS];
	bool backoff = false;
	int i, n;

	for (;;) {	/* a server: runs until killed */
		n = epoll_wait(s->epfd, evs, MAX_EVENTS,
			       backoff ? RETRY_MS : -1);
		if (n < 0 && errno != EINTR)
			die("echo-epoll: epoll_wait");
		if (backoff) {
			backoff = false;
			if (s->nconns < MAX_CONNS)
				set_accepting(s, true);
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr != &listener_tag) {
				conn_event(s, evs[i].data.ptr, evs[i].events);
			} else if (accept_some(s)) {
				set_accepting(s, false);
				backoff = true;
			}
		}
	}
}

static int parse_port(int argc, char **argv)
{
	char *end;
	long port;

	if (argc > 2)
		return -1;
	if (argc < 2)
		return 7;
	errno = 0;
	port = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || port <= 0 || port > 65535)
		return -1;
	return port;
}

int main(int argc, char **argv)
{
	struct server s = { .accepting = false };
	int port = parse_port(argc, argv);

	if (port < 0) {
		fprintf(stderr, "usage: echo-epoll [PORT]   (default 7)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);	/* belt and braces with MSG_NOSIGNAL */
	raise_fd_limit();
	s.lfd = listen_on(port);
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s.epfd < 0)
		die("echo-epoll: epoll_create1");
	set_accepting(&s, true);
	printf("echo-epoll: listening on port %d\n", port);
	fflush(stdout);
	serve(&s);
	return 0;
}
