/* SPDX-License-Identifier: MIT */
/*
 * toffeed: the toffee slow path.
 *
 *   toffeed --rundir DIR --ip ADDR/LEN [--gw ADDR] [--cc dctcp|newreno] [--foreground] ...
 *
 * Single-threaded event loop over epoll: a timerfd for the timers (a heap),
 * a timerfd that paces the polling of the NIC's rings (or the slow-path
 * eventfd when the NIC offers one), a signalfd, app.sock and the
 * applications' sockets, and the NIC's control socket (its loss ends
 * toffeed). No per-segment work happens here: only exceptions, commands and
 * their completions.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "toffee/devproto.h"
#include "sp.h"

static FILE *g_log;

uint64_t sp_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sp_log(struct sp *sp, int level, const char *fmt, ...)
{
	if (sp && level > sp->cfg.verbose)
		return;
	FILE *f = g_log ? g_log : stderr;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	char tbuf[32];
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	fprintf(f, "%s.%03ld toffeed: ", tbuf, ts.tv_nsec / 1000000);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

void sp_arm(struct sp *sp, struct sp_timer *t, uint64_t when)
{
	if (sp_timer_arm(&sp->timers, t, when)) {
		SP_ERR(sp, "out of memory arming a timer");
		abort();
	}
}

/* ---- options ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: toffeed --ip ADDR/LEN [OPTIONS]\n"
		"The toffee slow path: connects to the NIC at DIR/nic.sock, serves applications\n"
		"on DIR/app.sock.\n"
		"  --rundir DIR        run directory (default $TOFFEE_RUNDIR or /run/toffee/default)\n"
		"  --ip ADDR/LEN       our IPv4 address and subnet (required)\n"
		"  --gw ADDR           default gateway\n"
		"  --cc dctcp|newreno  congestion control (default dctcp, rate based)\n"
		"  --backend NAME      fw, sim or auto (default auto: whatever NIC listens)\n"
		"  --foreground        do not daemonize; log to stderr\n"
		"  --log FILE          log file when daemonized (default DIR/toffeed.log)\n"
		"  --pidfile FILE      default DIR/toffeed.pid\n"
		"  -v, --verbose       more log (twice: per connection)\n"
		"  --mtu N             default 1500\n"
		"  --region-mb N       memory per application (default 256)\n"
		"  --buf-kb N          payload buffer per flow and direction, power of two (default 128)\n"
		"  --max-flows N       cap on NIC flow slots used (default 65536)\n"
		"  --time-wait-ms N    TIME_WAIT duration, 2 MSL (default 1000)\n"
		"  --rto-min-ms N      lower bound of the RTO (default 200; RFC 6298 says 1000)\n"
		"  --ports LO-HI       ephemeral ports (default 32768-60999)\n"
		"  --ecn               request ECN on active opens (passive opens accept it)\n"
		"  --no-ecn            neither request nor accept ECN\n"
		"  --no-sack           do not negotiate SACK-permitted (on by default when the\n"
		"                      NIC puts SACK blocks in its ACKs, TOFFEE_FEAT_SACK)\n"
		"  --no-ts, --no-ws    disable timestamps / window scaling\n"
		"  --syn-backlog N     half-open connections per listener (default 1024)\n"
		"  --syncookies MODE   auto (default: once a listener's SYN queue is full),\n"
		"                      always, or never (SYNs beyond the queue are dropped)\n"
		"  --nic-wait-s N      wait this long for the NIC to appear (default 10)\n"
		"  -h, --help\n");
}

static int parse_ip(const char *s, uint32_t *ip)
{
	unsigned a, b, c, d;
	char extra;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -EINVAL;
	*ip = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static void defaults(struct sp_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->rundir = getenv("TOFFEE_RUNDIR");
	if (!c->rundir || !*c->rundir)
		c->rundir = "/run/toffee/default";
	c->backend = "auto";
	c->nic_wait_ms = 10000;
	c->mtu = 1500;
	c->region_size = 256ull << 20;
	c->buf_log2 = 17;
	c->buf_log2_min = 14;
	c->ctx_ring_log2 = 12;
	c->max_flows = 65536;
	c->time_wait_ns = 1000000000ull;
	c->fin_wait2_ns = 60000000000ull;
	c->syn_retries = 6;
	c->synack_retries = 5;
	c->data_retries = 15;
	c->syn_backlog = 1024;
	c->port_lo = 32768;
	c->port_hi = 60999;
	c->syn.ws = c->syn.ts = true;
	c->syn.sack = true;                     /* if the NIC can: start() */
	c->syn.ecn = false;
	c->syn.ecn_accept = true;
	c->rto.min_us = 200000;
	c->rto.max_us = 60000000;
	c->rto.g_us = 1000;
	c->cc.algo = SP_CC_DCTCP;
	c->cc.g_shift = 4;                      /* g = 1/16 */
	c->cc.min_rate = 125000;                /* 1 Mbit/s */
	c->cc.max_rate = 1250000000;            /* 10 Gbit/s: limit lifted above */
	c->cc.step = 1250000;                   /* +10 Mbit/s per interval */
	c->tick_min_us = 1000;
	c->tick_idle_us = 64000;
	c->tick_per_flow_ns = 20000;
	c->poll_busy_ns = 50000;
	c->poll_idle_ns = 1000000;
	c->arp_reachable_ns = 60000000000ull;
	c->arp_retry_ns = 1000000000ull;
	c->arp_tries = 3;
}

struct opts {
	const char *logfile, *pidfile;
};

static int parse_args(int argc, char **argv, struct sp_cfg *c, struct opts *o)
{
	enum { O_RUNDIR = 256, O_IP, O_GW, O_CC, O_BACKEND, O_FG, O_LOG, O_PID, O_MTU, O_REGION,
	       O_BUF, O_MAXF, O_TW, O_RTOMIN, O_PORTS, O_ECN, O_NOECN, O_NOSACK, O_NOTS, O_NOWS, O_WAIT,
	       O_SYNBL, O_COOKIES };
	static const struct option lo[] = {
		{ "rundir", 1, NULL, O_RUNDIR }, { "ip", 1, NULL, O_IP }, { "gw", 1, NULL, O_GW },
		{ "cc", 1, NULL, O_CC }, { "backend", 1, NULL, O_BACKEND },
		{ "foreground", 0, NULL, O_FG }, { "log", 1, NULL, O_LOG },
		{ "pidfile", 1, NULL, O_PID }, { "verbose", 0, NULL, 'v' }, { "mtu", 1, NULL, O_MTU },
		{ "region-mb", 1, NULL, O_REGION }, { "buf-kb", 1, NULL, O_BUF },
		{ "max-flows", 1, NULL, O_MAXF }, { "time-wait-ms", 1, NULL, O_TW },
		{ "rto-min-ms", 1, NULL, O_RTOMIN }, { "ports", 1, NULL, O_PORTS },
		{ "ecn", 0, NULL, O_ECN }, { "no-ecn", 0, NULL, O_NOECN }, { "no-sack", 0, NULL, O_NOSACK },
		{ "no-ts", 0, NULL, O_NOTS }, { "no-ws", 0, NULL, O_NOWS },
		{ "nic-wait-s", 1, NULL, O_WAIT }, { "syn-backlog", 1, NULL, O_SYNBL },
		{ "syncookies", 1, NULL, O_COOKIES }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	bool have_ip = false;
	uint64_t v;
	int ch;
	while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (ch) {
		case O_RUNDIR:
			c->rundir = optarg;
			break;
		case O_IP: {
			char buf[32];
			const char *slash = strchr(optarg, '/');
			if (!slash || (size_t)(slash - optarg) >= sizeof(buf)) {
				fprintf(stderr, "toffeed: --ip wants ADDR/LEN, e.g. 10.0.0.2/24\n");
				return -EINVAL;
			}
			memcpy(buf, optarg, (size_t)(slash - optarg));
			buf[slash - optarg] = 0;
			if (parse_ip(buf, &c->route.ip) || parse_u64(slash + 1, 1, 32, &v)) {
				fprintf(stderr, "toffeed: --ip %s: not an IPv4 address/prefix\n", optarg);
				return -EINVAL;
			}
			c->route.prefix = (uint8_t)v;
			have_ip = true;
			break;
		}
		case O_GW:
			if (parse_ip(optarg, &c->route.gw)) {
				fprintf(stderr, "toffeed: --gw %s: not an IPv4 address\n", optarg);
				return -EINVAL;
			}
			break;
		case O_CC:
			if (strcmp(optarg, "dctcp") == 0)
				c->cc.algo = SP_CC_DCTCP;
			else if (strcmp(optarg, "newreno") == 0)
				c->cc.algo = SP_CC_NEWRENO;
			else {
				fprintf(stderr, "toffeed: --cc %s: use dctcp or newreno\n", optarg);
				return -EINVAL;
			}
			break;
		case O_BACKEND:
			c->backend = optarg;
			break;
		case O_FG:
			c->foreground = true;
			break;
		case O_LOG:
			o->logfile = optarg;
			break;
		case O_PID:
			o->pidfile = optarg;
			break;
		case 'v':
			c->verbose++;
			break;
		case O_MTU:
			if (parse_u64(optarg, 576, TOFFEE_MAX_FRAME - SP_ETH_LEN, &v))
				goto bad;
			c->mtu = (uint32_t)v;
			break;
		case O_REGION:
			if (parse_u64(optarg, 4, 4095, &v))
				goto bad;
			c->region_size = v << 20;
			break;
		case O_BUF:
			if (parse_u64(optarg, 16, 1u << 20, &v) || (v & (v - 1)))
				goto bad;
			c->buf_log2 = (uint8_t)(__builtin_ctzll(v) + 10);
			if (c->buf_log2_min > c->buf_log2)
				c->buf_log2_min = c->buf_log2;
			break;
		case O_MAXF:
			if (parse_u64(optarg, 16, 1u << 24, &v))
				goto bad;
			c->max_flows = (uint32_t)v;
			break;
		case O_TW:
			if (parse_u64(optarg, 0, 240000, &v))
				goto bad;
			c->time_wait_ns = v * 1000000ull;
			break;
		case O_RTOMIN:
			if (parse_u64(optarg, 1, 60000, &v))
				goto bad;
			c->rto.min_us = (uint32_t)(v * 1000);
			break;
		case O_PORTS: {
			unsigned a, b;
			char extra;
			if (sscanf(optarg, "%u-%u%c", &a, &b, &extra) != 2 || a == 0 || a > b || b > 65535)
				goto bad;
			c->port_lo = (uint16_t)a;
			c->port_hi = (uint16_t)b;
			break;
		}
		case O_ECN:
			c->syn.ecn = c->syn.ecn_accept = true;
			break;
		case O_NOECN:
			c->syn.ecn = c->syn.ecn_accept = false;
			break;
		case O_NOSACK:
			c->syn.sack = false;
			break;
		case O_NOTS:
			c->syn.ts = false;
			break;
		case O_NOWS:
			c->syn.ws = false;
			break;
		case O_WAIT:
			if (parse_u64(optarg, 0, 3600, &v))
				goto bad;
			c->nic_wait_ms = (int)(v * 1000);
			break;
		case O_SYNBL:
			if (parse_u64(optarg, 1, 1u << 20, &v))
				goto bad;
			c->syn_backlog = (uint32_t)v;
			break;
		case O_COOKIES:
			if (strcmp(optarg, "auto") == 0)
				c->syncookies = SP_COOKIES_AUTO;
			else if (strcmp(optarg, "always") == 0)
				c->syncookies = SP_COOKIES_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				c->syncookies = SP_COOKIES_NEVER;
			else {
				fprintf(stderr, "toffeed: --syncookies %s: use auto, always or never\n", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		continue;
bad:
		fprintf(stderr, "toffeed: bad value '%s' for %s (see --help)\n", optarg, argv[optind - 1]);
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "toffeed: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (!have_ip) {
		fprintf(stderr, "toffeed: --ip ADDR/LEN is required (see --help)\n");
		return -EINVAL;
	}
	if (c->route.gw && (c->route.gw & sp_route_mask(c->route.prefix)) !=
			   (c->route.ip & sp_route_mask(c->route.prefix))) {
		fprintf(stderr, "toffeed: --gw is not on the subnet of --ip\n");
		return -EINVAL;
	}
	c->syn.mss = (uint16_t)(c->mtu - 40);
	c->syn.rcv_wscale = sp_wscale_for(1u << c->buf_log2);
	return 0;
}

/* ---- start-up -------------------------------------------------------------------- */

static int add_fd(struct sp *sp, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(sp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void set_poll(struct sp *sp, uint64_t ns)
{
	if (sp->poll_ns == ns)
		return;
	sp->poll_ns = ns;
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) },
		.it_value = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) },
	};
	timerfd_settime(sp->pfd, 0, &its, NULL);
}

static const char *dev_error(int rc)
{
	switch (rc) {
	case -ENOENT:
	case -ECONNREFUSED:
		return "no NIC is listening there (start toffee-fw or toffee-sim first, or use `toffee start`)";
	case -EBUSY:
		return "another toffeed is attached to this NIC";
	case -EPROTO:
		return "the NIC's HELLO is not what this toffeed expects (backend name or ABI version)";
	case -ENOTSUP:
		return "this backend is not built in";
	case -EACCES:
		return "permission denied (run as root)";
	default:
		return strerror(-rc);
	}
}

static int start(struct sp *sp)
{
	struct sp_cfg *cfg = &sp->cfg;
	int rc;
	sp->now = sp_clock();
	sp->epfd = sp->tfd = sp->pfd = sp->sigfd = sp->lfd = sp->spefd = -1;
	if (getrandom(sp->isn_key, sizeof(sp->isn_key), 0) != sizeof(sp->isn_key))
		sp->isn_key[0] = sp->now ^ (uint64_t)getpid() << 32;
	if (cfg->syncookies != SP_COOKIES_NEVER &&
	    getrandom(sp->cookie_key, sizeof(sp->cookie_key), 0) != sizeof(sp->cookie_key)) {
		SP_ERR(sp, "no random key for SYN cookies (%s): SYN cookies off", strerror(errno));
		cfg->syncookies = SP_COOKIES_NEVER;
	}
	/* Descriptors: each application takes a few, each connection shared
	 * across a fork one (handover.c), which may use half of them. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		sp->share_max = (uint32_t)(rl.rlim_cur / 2 < UINT32_MAX ? rl.rlim_cur / 2 : UINT32_MAX);
	}
	rc = dev_open(cfg->backend, cfg->rundir, cfg->nic_wait_ms, &sp->dev);
	if (rc) {
		SP_ERR(sp, "cannot open the NIC (backend %s) at %s/nic.sock: %s", cfg->backend,
		       cfg->rundir, dev_error(rc));
		return rc;
	}
	memcpy(sp->mac, sp->dev->info.mac, 6);
	/* SACK-permitted only if the NIC reports the blocks in its ACKs:
	 * a Linux sender that has SACK on does not count plain duplicate
	 * ACKs, and every loss would wait for an RTO. */
	if (cfg->syn.sack && !(sp->dev->info.features & TOFFEE_FEAT_SACK)) {
		SP_INFO(sp, "the NIC does not send SACK blocks (features 0x%x): SACK not negotiated",
			sp->dev->info.features);
		cfg->syn.sack = false;
	}
	sp->nflows = sp->dev->info.flow_cap < cfg->max_flows ? sp->dev->info.flow_cap : cfg->max_flows;
	if (sp->nflows < 16) {
		SP_ERR(sp, "the NIC offers %u flow slots: too few", sp->dev->info.flow_cap);
		return -EPROTO;
	}
	rc = dev_region_create(sp->dev, 0, sp_nicq_region_size(sp->nflows), &sp->r0);
	if (rc) {
		SP_ERR(sp, "cannot create region 0: %s", strerror(-rc));
		return rc;
	}
	sp->ports = calloc(1, sizeof(*sp->ports));
	if (!sp->ports || sp_conn_init(sp) || sp_ids_init(&sp->ctx_ids, sp->dev->info.ctx_cap))
		return -ENOMEM;
	sp_ports_init(sp->ports, cfg->port_lo, cfg->port_hi, sp->isn_key[1], sp->isn_key[0] ^ 0x5555);
	sp_neigh_init(sp);
	rc = sp_nicq_init(sp);
	if (rc)
		return rc;
	struct dev *d = sp->dev;
	dev_wr32(d, TOFFEE_REG_MAC_LO, (uint32_t)sp->mac[0] | (uint32_t)sp->mac[1] << 8 |
		 (uint32_t)sp->mac[2] << 16 | (uint32_t)sp->mac[3] << 24);
	dev_wr32(d, TOFFEE_REG_MAC_HI, (uint32_t)sp->mac[4] | (uint32_t)sp->mac[5] << 8);
	sp_app_update_ctx_limit(sp);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	dev_wr32(d, TOFFEE_REG_CTRL, TOFFEE_CTRL_ENABLE);

	sp->epfd = epoll_create1(EPOLL_CLOEXEC);
	sp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sp->pfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	sp->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sp->epfd < 0 || sp->tfd < 0 || sp->pfd < 0 || sp->sigfd < 0)
		return -errno;
	if ((rc = add_fd(sp, sp->tfd, SP_EV_TIMER)) || (rc = add_fd(sp, sp->pfd, SP_EV_POLL)) ||
	    (rc = add_fd(sp, sp->sigfd, SP_EV_SIGNAL)) || (rc = add_fd(sp, d->event_fd, SP_EV_DEV)))
		return rc;
	/* A slow-path eventfd, if the NIC offers one; else the rings are polled. */
	sp->spefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sp->spefd >= 0 && dev_notify(d, TOFFEE_DEV_CTX_SP, sp->spefd) == 0 &&
	    add_fd(sp, sp->spefd, SP_EV_SPEFD) == 0) {
		cfg->poll_busy_ns = cfg->poll_idle_ns = 10000000;   /* a safety net only */
		SP_INFO(sp, "the NIC notifies the slow path");
	} else if (sp->spefd >= 0) {
		close(sp->spefd);
		sp->spefd = -1;
	}
	set_poll(sp, cfg->poll_busy_ns);
	sp->last_work_ns = sp->now;
	rc = sp_app_listen(sp);
	if (rc) {
		SP_ERR(sp, "cannot serve %s/app.sock: %s", cfg->rundir,
		       rc == -EADDRINUSE ? "another toffeed serves it" : strerror(-rc));
		return rc;
	}
	sp_neigh_announce(sp);
	return 0;
}

static void stop(struct sp *sp)
{
	char path[512];
	if (sp->lfd >= 0) {
		close(sp->lfd);
		snprintf(path, sizeof(path), "%s/app.sock", sp->cfg.rundir);
		unlink(path);
	}
	if (sp->dev) {
		if (sp->dev->bar)
			dev_wr32(sp->dev, TOFFEE_REG_CTRL, 0);
		sp_nicq_fini(sp);
		dev_region_destroy(sp->dev, &sp->r0);
		dev_close(sp->dev);
	}
	int fds[] = { sp->epfd, sp->tfd, sp->pfd, sp->sigfd, sp->spefd };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* ---- the loop ---------------------------------------------------------------------- */

static void arm_timers(struct sp *sp, uint64_t *armed)
{
	uint64_t next = sp_timer_next(&sp->timers);
	if (next == *armed)
		return;
	*armed = next;
	struct itimerspec its = { 0 };
	if (next != UINT64_MAX) {
		if (next == 0)
			next = 1;
		its.it_value.tv_sec = (time_t)(next / 1000000000u);
		its.it_value.tv_nsec = (long)(next % 1000000000u);
	}
	timerfd_settime(sp->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int loop(struct sp *sp, bool until_idle, uint64_t deadline)
{
	uint64_t armed = 0, drain;
	int rc = 0;
	while (!sp->stop || until_idle) {
		if (until_idle && (!sp->apps || sp_clock() > deadline))
			break;
		arm_timers(sp, &armed);
		struct epoll_event evs[64];
		int n = epoll_wait(sp->epfd, evs, 64, until_idle ? 10 : -1);
		if (n < 0 && errno != EINTR) {
			SP_ERR(sp, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		sp->now = sp_clock();
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			switch (tag) {
			case SP_EV_TIMER:
			case SP_EV_POLL:
			case SP_EV_SPEFD:
				if (read(tag == SP_EV_TIMER ? sp->tfd : tag == SP_EV_POLL ? sp->pfd : sp->spefd,
					 &drain, sizeof(drain)) < 0) {
					/* spurious: nothing to drain */
				}
				if (tag == SP_EV_TIMER)
					armed = 0;
				break;
			case SP_EV_SIGNAL: {
				struct signalfd_siginfo si;
				if (read(sp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					SP_INFO(sp, "signal %u: shutting down", si.ssi_signo);
				sp->stop = true;
				break;
			}
			case SP_EV_LISTEN:
				sp_app_accept(sp);
				break;
			case SP_EV_DEV: {
				char b[sizeof(struct toffee_devmsg)];
				ssize_t k = recv(sp->dev->event_fd, b, sizeof(b), MSG_DONTWAIT);
				if (k > 0 || (k < 0 && (errno == EAGAIN || errno == EINTR)))
					break;             /* stray message: ignore */
				SP_ERR(sp, "the NIC went away");
				epoll_ctl(sp->epfd, EPOLL_CTL_DEL, sp->dev->event_fd, NULL);
				sp->stop = true;
				rc = -ECONNRESET;
				until_idle = false;
				break;
			}
			default: {
				if (tag & SP_EV_SHARE) {
					sp_handover_share_event(sp, (uint32_t)tag);
					break;
				}
				struct sp_app *a = evs[i].data.ptr;
				if (evs[i].events & EPOLLOUT)
					sp_app_output(a);
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					sp_app_input(a);
				break;
			}
			}
		}
		if (rc)
			return rc;
		unsigned work = sp_nicq_poll(sp);
		work += sp_timer_run(&sp->timers, sp->now);
		if (work)
			sp->last_work_ns = sp->now;
		set_poll(sp, sp->now - sp->last_work_ns < 100000000ull ? sp->cfg.poll_busy_ns
									   : sp->cfg.poll_idle_ns);
	}
	return rc;
}

/* ---- main ----------------------------------------------------------------------------- */

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static struct sp sp;
	struct opts o = { 0 };
	defaults(&sp.cfg);
	if (parse_args(argc, argv, &sp.cfg, &o))
		return 2;
	if (mkdir(sp.cfg.rundir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "toffeed: cannot create %s: %s\n", sp.cfg.rundir, strerror(errno));
		return 1;
	}
	char pidpath[512], logpath[512];
	snprintf(pidpath, sizeof(pidpath), "%s/toffeed.pid", sp.cfg.rundir);
	snprintf(logpath, sizeof(logpath), "%s/toffeed.log", sp.cfg.rundir);
	if (!o.pidfile)
		o.pidfile = pidpath;
	if (!o.logfile)
		o.logfile = logpath;

	int ready[2] = { -1, -1 };
	if (!sp.cfg.foreground) {
		/* Daemonize; the parent exits once the child is serving (or failed). */
		if (pipe2(ready, O_CLOEXEC) < 0)
			return 1;
		pid_t pid = fork();
		if (pid < 0) {
			perror("toffeed: fork");
			return 1;
		}
		if (pid > 0) {
			close(ready[1]);
			char buf[512];
			ssize_t n = read(ready[0], buf, sizeof(buf) - 1);
			if (n == 1 && buf[0] == 0)
				return 0;
			fprintf(stderr, "toffeed: failed to start, see %s\n", o.logfile);
			return 1;
		}
		close(ready[0]);
		setsid();
		g_log = fopen(o.logfile, "a");
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			if (g_log)
				dup2(fileno(g_log), 2);
			close(nul);
		}
	}
	int rc = start(&sp);
	if (!rc && write_pidfile(o.pidfile))
		SP_ERR(&sp, "cannot write %s: %s", o.pidfile, strerror(errno));
	if (rc) {
		stop(&sp);
		return 1;
	}
	char ipb[16];
	uint32_t ip = sp.cfg.route.ip;
	snprintf(ipb, sizeof(ipb), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	SP_ERR(&sp, "serving %s/app.sock: %s/%u on NIC \"%s\" (%u flows), cc %s", sp.cfg.rundir, ipb,
	       sp.cfg.route.prefix, sp.dev->info.impl, sp.nflows,
	       sp.cfg.cc.algo == SP_CC_NEWRENO ? "newreno" : "dctcp");
	if (ready[1] >= 0) {
		char ok = 0;
		if (write(ready[1], &ok, 1) != 1) {
			/* parent gone: carry on */
		}
		close(ready[1]);
	}
	rc = loop(&sp, false, 0);
	/* Reset what is left towards the peers, and let the NIC finish. */
	sp_app_shutdown_all(&sp);
	if (!rc)
		loop(&sp, true, sp_clock() + 1000000000ull);
	stop(&sp);
	unlink(o.pidfile);
	SP_ERR(&sp, "stopped");
	return rc ? 1 : 0;
}
