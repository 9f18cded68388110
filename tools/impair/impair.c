/* SPDX-License-Identifier: MIT */
/*
 * toffee-impair: a user-space Ethernet bridge between two interfaces that
 * drops, reorders, duplicates and corrupts frames with a seeded random
 * generator (this kernel has no netem). Used by the system tests to put a
 * lossy wire between toffee and a Linux peer.
 *
 *   toffee-impair --a IF --b IF [--loss P] [--reorder P] [--dup P]
 *                 [--corrupt P] [--seed N] [--only-tcp]
 *
 * P are probabilities in [0,1] applied independently in both directions.
 * Reordering holds a frame back until the next frame in the same direction
 * has passed (or 1 ms has elapsed). Corruption flips one random bit after
 * the Ethernet header, so checksums catch it. With --only-tcp, ARP and
 * other non-TCP frames pass unimpaired (so address resolution stays quick).
 * Prints counters on SIGINT/SIGTERM and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 9216

struct dir {
	int in, out;                 /* sockets: receive on in, send on out */
	uint8_t held[MAX_FRAME];     /* frame held back for reordering */
	ssize_t held_len;            /* 0 = none */
	uint64_t held_at_ns;
	uint64_t fwd, lost, reordered, duped, corrupted;
};

static volatile sig_atomic_t stop;
static double p_loss, p_reorder, p_dup, p_corrupt;
static bool only_tcp;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void on_signal(int sig) { (void)sig; stop = 1; }

/* xorshift64*: small, seeded, reproducible. */
static double rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545f4914f6cdd1dull) >> 11) / (double)(1ull << 53);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_if(const char *name)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s < 0) {
		perror("socket(AF_PACKET)");
		exit(1);
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(name) };
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "toffee-impair: cannot bind to %s: %s\n", name, strerror(errno));
		exit(1);
	}
	struct packet_mreq mr = { .mr_ifindex = sll.sll_ifindex, .mr_type = PACKET_MR_PROMISC };
	setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	int one = 1;                 /* do not see our own transmissions */
	setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return s;
}

static void emit(struct dir *d, const uint8_t *f, ssize_t len)
{
	if (send(d->out, f, (size_t)len, 0) == len)
		d->fwd++;
}

static bool is_tcp(const uint8_t *f, ssize_t len)
{
	return len >= 34 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 6;
}

static void forward(struct dir *d)
{
	uint8_t f[MAX_FRAME];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t len = recvfrom(d->in, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (len <= 0 || from.sll_pkttype == PACKET_OUTGOING)
		return;
	bool impair = !only_tcp || is_tcp(f, len);
	if (impair && rnd() < p_loss) {
		d->lost++;
		return;
	}
	if (impair && len > 14 && rnd() < p_corrupt) {
		size_t bit = 14 * 8 + (size_t)(rnd() * (double)((size_t)(len - 14) * 8));
		f[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		d->corrupted++;
	}
	if (impair && !d->held_len && rnd() < p_reorder) {
		memcpy(d->held, f, (size_t)len);
		d->held_len = len;
		d->held_at_ns = now_ns();
		d->reordered++;
		return;
	}
	emit(d, f, len);
	if (impair && rnd() < p_dup) {
		emit(d, f, len);
		d->duped++;
	}
	if (d->held_len) {           /* the held frame goes after this one */
		emit(d, d->held, d->held_len);
		d->held_len = 0;
	}
}

static void flush_stale(struct dir *d)
{
	if (d->held_len && now_ns() - d->held_at_ns > 1000000) {
		emit(d, d->held, d->held_len);
		d->held_len = 0;
	}
}

static double prob(const char *s, const char *what)
{
	char *end;
	double p = strtod(s, &end);
	if (*end || p < 0 || p > 1) {
		fprintf(stderr, "toffee-impair: --%s wants a probability in [0,1], got '%s'\n", what, s);
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"a", required_argument, 0, 'a'}, {"b", required_argument, 0, 'b'},
		{"loss", required_argument, 0, 'l'}, {"reorder", required_argument, 0, 'r'},
		{"dup", required_argument, 0, 'd'}, {"corrupt", required_argument, 0, 'c'},
		{"seed", required_argument, 0, 's'}, {"only-tcp", no_argument, 0, 't'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	const char *ia = NULL, *ib = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ia = optarg; break;
		case 'b': ib = optarg; break;
		case 'l': p_loss = prob(optarg, "loss"); break;
		case 'r': p_reorder = prob(optarg, "reorder"); break;
		case 'd': p_dup = prob(optarg, "dup"); break;
		case 'c': p_corrupt = prob(optarg, "corrupt"); break;
		case 's': rng_state = strtoull(optarg, NULL, 0) * 0x9e3779b97f4a7c15ull | 1; break;
		case 't': only_tcp = true; break;
		case 'h':
			printf("usage: toffee-impair --a IF --b IF [--loss P] [--reorder P] [--dup P] "
			       "[--corrupt P] [--seed N] [--only-tcp]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!ia || !ib || optind != argc) {
		fprintf(stderr, "toffee-impair: need --a IF and --b IF (see --help)\n");
		return 2;
	}
	int sa = open_if(ia), sb = open_if(ib);
	static struct dir ab, ba;
	ab.in = sa; ab.out = sb;
	ba.in = sb; ba.out = sa;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct pollfd pfd[2] = { { .fd = sa, .events = POLLIN }, { .fd = sb, .events = POLLIN } };
	while (!stop) {
		int n = poll(pfd, 2, 1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN))
			forward(&ab);
		if (n > 0 && (pfd[1].revents & POLLIN))
			forward(&ba);
		flush_stale(&ab);
		flush_stale(&ba);
	}
	printf("%s->%s fwd %llu lost %llu reordered %llu dup %llu corrupt %llu\n", ia, ib,
	       (unsigned long long)ab.fwd, (unsigned long long)ab.lost, (unsigned long long)ab.reordered,
	       (unsigned long long)ab.duped, (unsigned long long)ab.corrupted);
	printf("%s->%s fwd %llu lost %llu reordered %llu dup %llu corrupt %llu\n", ib, ia,
	       (unsigned long long)ba.fwd, (unsigned long long)ba.lost, (unsigned long long)ba.reordered,
	       (unsigned long long)ba.duped, (unsigned long long)ba.corrupted);
	return 0;
}
