/* SPDX-License-Identifier: MIT */
/*
 * echo_srv: a single-threaded epoll TCP echo server, the server of the RPC
 * benchmark (make bench-system), the demo (make run) and the scale test.
 * The same binary runs on the Linux kernel's stack and, unmodified, on
 * toffee under `toffee run`.
 *
 *   echo_srv [-p PORT] [-a ADDR]
 *
 * Everything read is written back. A connection whose peer does not take
 * the echo stops being read until its backlog drained (EPOLLOUT). Prints
 * "listening PORT" once it accepts connections; on SIGTERM/SIGINT prints
 * "echo_srv: accepted N, peak P open, B bytes echoed, utime U s stime S s"
 * and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SZ (64 * 1024)
#define MAX_EV 256

struct conn {
	int fd;
	uint32_t off, len;      /* echo backlog: buf[off, len) still to write */
	char *buf;              /* allocated only while a backlog exists */
};

static volatile sig_atomic_t g_stop;
static void on_sig(int s)
{
	(void)s;
	g_stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "echo_srv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t g_accepted, g_bytes;
static unsigned g_open, g_peak;

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
	g_open--;
}

/* Write buf[0, n) (n > 0); keep what the socket does not take. Returns -1
 * if the connection must go. */
static int echo_out(int ep, struct conn *c, const char *buf, uint32_t n)
{
	ssize_t w = write(c->fd, buf, n);
	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		w = 0;
	}
	g_bytes += (uint64_t)w;
	if ((uint32_t)w == n)
		return 0;
	if (!c->buf && !(c->buf = malloc(BUF_SZ)))
		return -1;
	memmove(c->buf, buf + w, n - (uint32_t)w);
	c->off = 0;
	c->len = n - (uint32_t)w;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int on_conn(int ep, struct conn *c, uint32_t events, char *buf)
{
	if (c->len) {           /* draining a backlog */
		ssize_t w = write(c->fd, c->buf + c->off, c->len - c->off);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		g_bytes += (uint64_t)w;
		c->off += (uint32_t)w;
		if (c->off < c->len)
			return 0;
		c->off = c->len = 0;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	ssize_t r = read(c->fd, buf, BUF_SZ);
	if (r > 0)
		return echo_out(ep, c, buf, (uint32_t)r);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	(void)events;
	return -1;              /* EOF or error */
}

static void on_listen(int ep, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "echo_srv: accept: %s\n", strerror(errno));
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "echo_srv: epoll_ctl: %s\n", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		g_accepted++;
		if (++g_open > g_peak)
			g_peak = g_open;
	}
}

int main(int argc, char **argv)
{
	int port = 7000, opt;
	const char *addr = "0.0.0.0";
	while ((opt = getopt(argc, argv, "p:a:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'a')
			addr = optarg;
		else {
			fprintf(stderr, "usage: echo_srv [-p PORT] [-a ADDR]\n");
			return 2;
		}
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "echo_srv: bad address %s\n", addr);
		return 2;
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0)
		die("epoll_ctl listen");
	printf("listening %d\n", port);
	fflush(stdout);

	char *buf = malloc(BUF_SZ);
	struct epoll_event evs[MAX_EV];
	if (!buf)
		die("malloc");
	while (!g_stop) {
		int n = epoll_wait(ep, evs, MAX_EV, 100);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c)
				on_listen(ep, lfd);
			else if (on_conn(ep, c, evs[i].events, buf) < 0)
				conn_close(ep, c);
		}
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("echo_srv: accepted %llu, peak %u open, %llu bytes echoed, utime %.3f s stime %.3f s\n",
	       (unsigned long long)g_accepted, g_peak, (unsigned long long)g_bytes,
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	fflush(stdout);
	free(buf);
	return 0;
}
