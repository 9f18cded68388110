/* SPDX-License-Identifier: MIT */
/*
 * rpc_cli: the client side of the RPC benchmark, the demo and the scale
 * test, talking to an echo server (echo_srv). Runs on the Linux peer.
 *
 *   rpc_cli rpc   HOST PORT [-c CONNS] [-s SIZE] [-d SECONDS]
 *       closed loop as in TAS §5.1: CONNS connections, each with one SIZE-byte
 *       request outstanding; the next goes out when the echo is complete.
 *       Prints requests/s and latency percentiles, and a line
 *       "RESULT reqs=N secs=T rps=R p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.."
 *   rpc_cli short HOST PORT [-n N] [-s SIZE]
 *       N connections in sequence: connect, SIZE bytes there and back, close.
 *   rpc_cli conc  HOST PORT [-n N] [-s SIZE] [-r ROUNDS] [-H SECONDS]
 *       N connections open at once; ROUNDS times SIZE bytes on every one of
 *       them, then back; then (after holding them SECONDS, printing
 *       "holding N") close them all.
 *
 * Every echo is checked byte for byte. Any error, short read, mismatch or a
 * stall of more than 10 s (-t) ends the program with status 1 and says where.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in g_sa;
static int g_timeout_s = 10;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	fputs("rpc_cli: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The payload of message @p seq on connection @p c: a recognisable pattern. */
static void fill(char *b, size_t n, uint64_t c, uint64_t seq)
{
	uint64_t x = (c * 0x9e3779b97f4a7c15ull) ^ (seq * 0xbf58476d1ce4e5b9ull);
	for (size_t i = 0; i < n; i++) {
		if ((i & 7) == 0)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		b[i] = (char)(x >> ((i & 7) * 8));
	}
}

/* A blocking connection with timeouts and TCP_NODELAY. */
static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	struct timeval tv = { .tv_sec = g_timeout_s };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&g_sa, sizeof(g_sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, g_timeout_s * 1000) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes (blocking socket). 0, or -1 with errno (0 = EOF). */
static int read_all(int fd, char *b, size_t n)
{
	while (n) {
		ssize_t r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = 0;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static const char *why(void)
{
	return errno ? strerror(errno) : "connection closed";
}

/* ---- rpc: closed loop --------------------------------------------------------------- */
struct rconn {
	int fd;
	uint64_t seq, t0;
	size_t got;
	bool live;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

static int do_rpc(int conns, size_t size, double secs)
{
	struct rconn *c = calloc((size_t)conns, sizeof(*c));
	char *want = malloc(size), *req = malloc(size), *rbuf = malloc((size_t)conns * size);
	size_t cap = 1 << 20, nlat = 0;
	uint32_t *lat = malloc(cap * sizeof(*lat));
	if (!c || !want || !req || !rbuf || !lat)
		fail("out of memory");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < conns; i++) {
		if ((c[i].fd = dial()) < 0)
			fail("rpc: connection %d: connect: %s", i, strerror(errno));
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) < 0)
			fail("epoll_ctl: %s", strerror(errno));
	}
	uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), last = start;
	for (int i = 0; i < conns; i++) {
		fill(req, size, (uint64_t)i, 0);
		c[i].t0 = now_ns();
		c[i].live = true;
		if (write_all(c[i].fd, req, size) < 0)
			fail("rpc: connection %d: write: %s", i, why());
	}
	int live = conns;
	uint64_t done = 0;
	struct epoll_event evs[256];
	while (live) {
		int n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait: %s", strerror(errno));
		uint64_t now = now_ns();
		if (n <= 0 && now - last > (uint64_t)g_timeout_s * 1000000000ull)
			fail("rpc: no echo for %d s (%llu requests done)", g_timeout_s, (unsigned long long)done);
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;
			struct rconn *r = &c[i];
			char *rb = rbuf + (size_t)i * size;
			ssize_t got = read(r->fd, rb + r->got, size - r->got);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				if (got == 0)
					errno = 0;
				fail("rpc: connection %d, request %llu: read: %s", i,
				     (unsigned long long)r->seq, why());
			}
			r->got += (size_t)got;
			if (r->got < size)
				continue;
			now = now_ns();
			fill(want, size, (uint64_t)i, r->seq);
			if (memcmp(want, rb, size) != 0)
				fail("rpc: connection %d, request %llu: wrong echo", i, (unsigned long long)r->seq);
			if (nlat == cap) {
				cap *= 2;
				if (!(lat = realloc(lat, cap * sizeof(*lat))))
					fail("out of memory");
			}
			uint64_t l = now - r->t0;
			lat[nlat++] = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
			done++;
			last = now;
			r->got = 0;
			if (now >= end) {
				r->live = false;
				live--;
				continue;
			}
			r->seq++;
			fill(req, size, (uint64_t)i, r->seq);
			r->t0 = now;
			if (write_all(r->fd, req, size) < 0)
				fail("rpc: connection %d: write: %s", i, why());
		}
	}
	double t = (double)(now_ns() - start) / 1e9;
	for (int i = 0; i < conns; i++)
		close(c[i].fd);
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	double rps = (double)done / t;
	printf("rpc: %d connections, %zu-byte requests: %llu in %.2f s: %.0f requests/s, "
	       "latency us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f\n",
	       conns, size, (unsigned long long)done, t, rps, pct(lat, nlat, 0.5), pct(lat, nlat, 0.9),
	       pct(lat, nlat, 0.99), pct(lat, nlat, 0.999), nlat ? lat[nlat - 1] / 1000.0 : 0);
	printf("RESULT reqs=%llu secs=%.3f rps=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
	       (unsigned long long)done, t, rps, pct(lat, nlat, 0.5), pct(lat, nlat, 0.9), pct(lat, nlat, 0.99),
	       pct(lat, nlat, 0.999), nlat ? lat[nlat - 1] / 1000.0 : 0);
	return 0;
}

/* ---- short: connections in sequence ------------------------------------------------- */
static int do_short(long n, size_t size)
{
	char *b = malloc(size), *want = malloc(size);
	if (!b || !want)
		fail("out of memory");
	uint64_t start = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = dial();
		if (fd < 0)
			fail("short: connection %ld of %ld: connect: %s", i + 1, n, strerror(errno));
		fill(want, size, (uint64_t)i, 0);
		if (write_all(fd, want, size) < 0)
			fail("short: connection %ld of %ld: write: %s", i + 1, n, why());
		if (read_all(fd, b, size) < 0)
			fail("short: connection %ld of %ld: read: %s", i + 1, n, why());
		if (memcmp(b, want, size) != 0)
			fail("short: connection %ld of %ld: wrong echo", i + 1, n);
		close(fd);
	}
	double t = (double)(now_ns() - start) / 1e9;
	printf("short: %ld connections in sequence (%zu bytes each way) in %.2f s: %.0f connections/s\n",
	       n, size, t, (double)n / t);
	return 0;
}

/* ---- conc: many connections at once -------------------------------------------------- */
static int do_conc(int n, size_t size, int rounds, int hold)
{
	int *fd = calloc((size_t)n, sizeof(*fd));
	char *b = malloc(size), *want = malloc(size);
	if (!fd || !b || !want)
		fail("out of memory");
	uint64_t start = now_ns();
	for (int i = 0; i < n; i++)
		if ((fd[i] = dial()) < 0)
			fail("conc: connection %d of %d: connect: %s", i + 1, n, strerror(errno));
	double tc = (double)(now_ns() - start) / 1e9;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			fill(b, size, (uint64_t)i, (uint64_t)r);
			if (write_all(fd[i], b, size) < 0)
				fail("conc: connection %d, round %d: write: %s", i, r, why());
		}
		for (int i = 0; i < n; i++) {
			if (read_all(fd[i], b, size) < 0)
				fail("conc: connection %d, round %d: read: %s", i, r, why());
			fill(want, size, (uint64_t)i, (uint64_t)r);
			if (memcmp(b, want, size) != 0)
				fail("conc: connection %d, round %d: wrong echo", i, r);
		}
	}
	double t = (double)(now_ns() - start) / 1e9;
	printf("conc: %d connections open at once (connected in %.2f s), %d rounds of %zu bytes each way "
	       "on each, in %.2f s\n", n, tc, rounds, size, t);
	if (hold > 0) {
		printf("holding %d\n", n);
		fflush(stdout);
		sleep((unsigned)hold);
	}
	for (int i = 0; i < n; i++)
		close(fd[i]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: rpc_cli rpc|short|conc HOST PORT [-c CONNS] [-s SIZE] [-d SECONDS]\n"
			"       [-n N] [-r ROUNDS] [-H HOLD_SECONDS] [-t STALL_TIMEOUT_S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		usage();
	const char *mode = argv[1];
	g_sa.sin_family = AF_INET;
	g_sa.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &g_sa.sin_addr) != 1)
		fail("bad address %s", argv[2]);
	int conns = 1, rounds = 1, hold = 0, opt;
	long n = 1;
	size_t size = 64;
	double secs = 10;
	optind = 4;
	while ((opt = getopt(argc, argv, "c:s:d:n:r:H:t:")) != -1) {
		switch (opt) {
		case 'c': conns = atoi(optarg); break;
		case 's': size = (size_t)atol(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'H': hold = atoi(optarg); break;
		case 't': g_timeout_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (conns < 1 || n < 1 || size < 1 || size > (1 << 20) || rounds < 0 || secs <= 0)
		usage();
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "rpc") == 0)
		return do_rpc(conns, size, secs);
	if (strcmp(mode, "short") == 0)
		return do_short(n, size);
	if (strcmp(mode, "conc") == 0)
		return do_conc((int)n, size, rounds, hold);
	usage();
}
