/* SPDX-License-Identifier: MIT */
/*
 * toffee-fw: the C fast path on one DPDK lcore.
 *
 *   toffee-fw EAL-ARGS -- [--rundir DIR] [--flows N] [--pidfile FILE] ...
 *
 * One Ethernet port (chosen by the EAL arguments: a PCI device, or a vdev
 * such as net_tap / net_af_packet / net_memif), one RX and one TX queue.
 * The main lcore runs the loop:
 *
 *   rte_eth_rx_burst -> fp_rx for each frame (mbuf data passed directly,
 *                       multi-segment frames copied out)
 *   fp_poll          -> doorbells, slow-path commands, raw frames, scheduler;
 *                       transmitted frames are copied into mbufs and queued
 *   rte_eth_tx_burst -> the queued frames (fp's tx returns -EBUSY when the
 *                       queue is full and the port does not take more)
 *   every 1 ms       -> nicsrv_poll: the control socket (toffeed)
 *
 * The control socket is served on the same thread (a poll() with zero
 * timeout per millisecond, ~1 us of 1000): MAP/UNMAP then never race with
 * a DMA access, and the hot path needs no locks. When idle for a while the
 * loop sleeps briefly (--idle-sleep-us, 0 = pure busy polling).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fp.h"
#include "nicproc.h"
#include "nicsrv.h"

#define RX_BURST       32u
#define TX_BURST       32u
#define TX_BUDGET      32u          /* segments the scheduler may send per poll */
#define NB_DESC        1024u
#define NB_MBUFS       8191u
#define MBUF_CACHE     256u
#define CTL_PERIOD_NS  1000000ull   /* control socket check */
#define IDLE_SPINS     1024u        /* empty iterations before sleeping */
#define IDLE_SLEEP_MIN_NS 2000u     /* first sleep; doubles up to --idle-sleep-us */
#define RX_COPY_MAX    16384u       /* largest multi-segment frame copied out */

struct fw_opts {
	const char *rundir;
	const char *pidfile;
	uint32_t flows;
	int port;                   /* -1 = first available */
	bool promisc;
	unsigned idle_sleep_us;
	bool stats;
	const char *loop_stats;     /* file for struct fw_loop_stats, or NULL */
};

/* --loop-stats FILE: how the polling core spends its time, updated in
 * place (64 bytes, native byte order; read by bench/system/sysbench.py).
 * An iteration runs from one clock read to the next (one per loop); it is
 * working if it received or sent a frame or the fast path did anything
 * (a command, a segment, an event), else idle polling. Time in the idle
 * backoff's nanosleep() is neither. */
struct fw_loop_stats {
	uint64_t magic;             /* FW_LOOP_MAGIC */
	uint64_t units_per_s;       /* 1e9: the times below are in ns */
	uint64_t iters, idle_iters;
	uint64_t idle_ns, work_ns, sleep_ns;
	uint64_t rsvd;
};
#define FW_LOOP_MAGIC 0x7374706f6f6c7766ull   /* "fwloopst" */

struct fw {
	struct fw_opts o;
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_mbuf *txq[TX_BURST];
	unsigned ntx;
	struct nicsrv *srv;
	struct fp_platform plat;
	struct fp *fp;
	void *fp_mem;
	size_t fp_len;
	bool fp_mem_rte;
	uint64_t tx_full, rx_too_big;
	uint64_t missed, ierrors;           /* the port's drop counts so far (port_drops) */
	volatile struct fw_loop_stats *loop; /* --loop-stats, mapped */
	uint8_t rx_copy[RX_COPY_MAX];
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* ---- options ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: toffee-fw EAL-ARGS -- [OPTIONS]\n"
		"Runs the toffee fast path on a DPDK port; toffeed connects to DIR/nic.sock.\n"
		"EAL example (no hugepages):\n"
		"  --no-huge --no-pci -m 256 -l 0 --file-prefix NAME --vdev=net_tap0,iface=TAP\n"
		"  (or --vdev=net_af_packet0,iface=VETH)\n"
		"Options after --:\n"
		"  --rundir DIR         run directory (default $TOFFEE_RUNDIR or /run/toffee/default)\n"
		"  --flows N            flow slots, a power of two in [16, 2^24] (default 65536)\n"
		"  --pidfile FILE       write the process id there (removed on exit)\n"
		"  --port N             DPDK port id (default: the first port)\n"
		"  --no-promisc         leave the port's promiscuous mode off\n"
		"  --idle-sleep-us N    when idle, sleep with backoff up to N us (default 100;\n"
		"                       0 = busy poll, lowest latency, one core at 100%%)\n"
		"  --stats              print counters on exit\n"
		"  --loop-stats FILE    keep the polling loop's time (working, idle polling,\n"
		"                       sleeping) in FILE, 64 bytes updated in place\n"
		"  -h, --help           this text\n");
}

/* Parse our own options (argv[0] is skipped). Returns 0, 1 for --help, or -1
 * after printing the error. */
static int parse_opts(int argc, char **argv, struct fw_opts *o)
{
	static const struct option lo[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "flows", required_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "no-promisc", no_argument, NULL, 'n' },
		{ "idle-sleep-us", required_argument, NULL, 'i' },
		{ "stats", no_argument, NULL, 's' },
		{ "loop-stats", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	o->rundir = getenv("TOFFEE_RUNDIR");
	if (!o->rundir || !*o->rundir)
		o->rundir = "/run/toffee/default";
	o->flows = 65536;
	o->port = -1;
	o->promisc = true;
	o->idle_sleep_us = 100;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "toffee-fw: --rundir: empty directory name\n");
				return -1;
			}
			o->rundir = optarg;
			break;
		case 'f':
			if (nicproc_parse_u32("toffee-fw", "--flows", optarg, 16, 1u << 24, &v))
				return -1;
			if (v & (v - 1)) {
				fprintf(stderr, "toffee-fw: --flows %s: must be a power of two in [16, 16777216]\n",
					optarg);
				return -1;
			}
			o->flows = v;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'P':
			if (nicproc_parse_u32("toffee-fw", "--port", optarg, 0, RTE_MAX_ETHPORTS - 1, &v))
				return -1;
			o->port = (int)v;
			break;
		case 'n':
			o->promisc = false;
			break;
		case 'i':
			if (nicproc_parse_u32("toffee-fw", "--idle-sleep-us", optarg, 0, 1000000, &v))
				return -1;
			o->idle_sleep_us = v;
			break;
		case 's':
			o->stats = true;
			break;
		case 'L':
			o->loop_stats = optarg;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "toffee-fw: option %s needs an argument\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "toffee-fw: unknown option '%s' after -- (try -- --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "toffee-fw: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- platform: transmit ------------------------------------------------------ */

static void tx_flush(struct fw *f)
{
	uint16_t n;

	if (!f->ntx)
		return;
	n = rte_eth_tx_burst(f->port, 0, f->txq, (uint16_t)f->ntx);
	if (n && n < f->ntx)
		memmove(f->txq, f->txq + n, (f->ntx - n) * sizeof(f->txq[0]));
	f->ntx -= n;
}

static int fw_tx(void *arg, const uint8_t *frame, uint32_t len)
{
	struct fw *f = arg;
	struct rte_mbuf *m;
	char *p;

	if (f->ntx == TX_BURST) {
		tx_flush(f);
		if (f->ntx == TX_BURST) {
			f->tx_full++;
			return -EBUSY;
		}
	}
	m = rte_pktmbuf_alloc(f->pool);
	if (!m) {
		f->tx_full++;
		return -EBUSY;
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (!p || len > UINT16_MAX) {
		rte_pktmbuf_free(m);
		return -EBUSY;
	}
	memcpy(p, frame, len);
	f->txq[f->ntx++] = m;
	if (f->ntx == TX_BURST)
		tx_flush(f);
	return 0;
}

/* nicsrv: toffeed went away; start from a fresh core (BAR already zeroed). */
static void fw_reset(void *arg)
{
	struct fw *f = arg;

	f->fp = fp_init(f->fp_mem, f->fp_len, f->o.flows, &f->plat, nicsrv_regs(f->srv));
}

static void fw_log(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "toffee-fw: %s\n", msg);
}

/* ---- setup ---------------------------------------------------------------------- */

static int port_setup(struct fw *f)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrx = NB_DESC, ntx = NB_DESC;
	int sock, rc;

	if (f->o.port < 0) {
		uint16_t p;

		f->o.port = -1;
		RTE_ETH_FOREACH_DEV(p) {
			f->o.port = p;
			break;
		}
		if (f->o.port < 0) {
			fprintf(stderr, "toffee-fw: no Ethernet port: give one in the EAL arguments, "
				"e.g. --vdev=net_tap0,iface=NAME or --vdev=net_af_packet0,iface=VETH\n");
			return -1;
		}
	} else if (!rte_eth_dev_is_valid_port((uint16_t)f->o.port)) {
		fprintf(stderr, "toffee-fw: --port %d: no such port (%u available)\n",
			f->o.port, rte_eth_dev_count_avail());
		return -1;
	}
	f->port = (uint16_t)f->o.port;
	rc = rte_eth_dev_info_get(f->port, &info);
	if (rc) {
		fprintf(stderr, "toffee-fw: port %u: cannot get device info: %s\n", f->port, strerror(-rc));
		return -1;
	}
	sock = rte_eth_dev_socket_id(f->port);
	f->pool = rte_pktmbuf_pool_create("toffee_mbufs", NB_MBUFS, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, sock);
	if (!f->pool) {
		fprintf(stderr, "toffee-fw: cannot create the mbuf pool: %s (more memory: -m)\n",
			rte_strerror(rte_errno));
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_configure(f->port, 1, 1, &conf)) ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(f->port, &nrx, &ntx)) ||
	    (rc = rte_eth_rx_queue_setup(f->port, 0, nrx, (unsigned)sock, NULL, f->pool)) ||
	    (rc = rte_eth_tx_queue_setup(f->port, 0, ntx, (unsigned)sock, NULL)) ||
	    (rc = rte_eth_dev_start(f->port))) {
		fprintf(stderr, "toffee-fw: port %u (%s): setup failed: %s\n",
			f->port, info.driver_name, strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	if (f->o.promisc && (rc = rte_eth_promiscuous_enable(f->port)) != 0)
		fprintf(stderr, "toffee-fw: port %u: promiscuous mode not enabled: %s\n",
			f->port, strerror(-rc));
	return 0;
}

static int fp_setup(struct fw *f)
{
	f->fp_len = (fp_mem_size(f->o.flows) + 63) & ~(size_t)63;
	f->fp_mem = rte_zmalloc_socket("toffee_fp", f->fp_len, 64, rte_socket_id());
	f->fp_mem_rte = f->fp_mem != NULL;
	if (!f->fp_mem && posix_memalign(&f->fp_mem, 64, f->fp_len) != 0) {
		fprintf(stderr, "toffee-fw: cannot allocate %zu bytes for %u flows\n",
			f->fp_len, f->o.flows);
		return -1;
	}
	nicsrv_platform(f->srv, &f->plat);
	f->fp = fp_init(f->fp_mem, f->fp_len, f->o.flows, &f->plat, nicsrv_regs(f->srv));
	if (!f->fp) {
		fprintf(stderr, "toffee-fw: fp_init failed (%u flows)\n", f->o.flows);
		return -1;
	}
	return 0;
}

/* ---- main loop ------------------------------------------------------------------- */

static void rx_one(struct fw *f, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p;

	if (m->nb_segs == 1) {
		p = rte_pktmbuf_mtod(m, const uint8_t *);
	} else if (len <= RX_COPY_MAX) {
		p = rte_pktmbuf_read(m, 0, len, f->rx_copy);
	} else {
		f->rx_too_big++;
		fp_platform_drops(f->fp, TOFFEE_DROP_OVERSIZE, 1);
		return;
	}
	nicsrv_wire_rx(f->srv, p, len);
	fp_rx(f->fp, p, len, now);
}

/* What the port dropped before we saw it (ring full, no mbuf, bad frames)
 * goes into the fast path's drop counters. */
static void port_drops(struct fw *f)
{
	struct rte_eth_stats st;
	if (rte_eth_stats_get(f->port, &st) != 0)
		return;
	uint64_t missed = st.imissed + st.rx_nombuf;
	if (missed > f->missed)
		fp_platform_drops(f->fp, TOFFEE_DROP_MAC_OVERFLOW, missed - f->missed);
	if (st.ierrors > f->ierrors)
		fp_platform_drops(f->fp, TOFFEE_DROP_MAC_FCS, st.ierrors - f->ierrors);
	f->missed = missed;
	f->ierrors = st.ierrors;
}

/* Map --loop-stats FILE (created, 64 bytes). */
static int loop_stats_open(struct fw *f)
{
	int fd = open(f->o.loop_stats, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, sizeof(struct fw_loop_stats)) < 0) {
		fprintf(stderr, "toffee-fw: --loop-stats %s: %s\n", f->o.loop_stats, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	void *p = mmap(NULL, sizeof(struct fw_loop_stats), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "toffee-fw: --loop-stats %s: mmap: %s\n", f->o.loop_stats, strerror(errno));
		return -1;
	}
	f->loop = p;
	memset(p, 0, sizeof(struct fw_loop_stats));
	f->loop->units_per_s = 1000000000ull;
	f->loop->magic = FW_LOOP_MAGIC;
	return 0;
}

static void run(struct fw *f)
{
	struct rte_mbuf *rx[RX_BURST];
	uint64_t next_ctl = 0, sleep_ns = IDLE_SLEEP_MIN_NS;
	uint64_t last = 0, slept = 0;               /* --loop-stats */
	unsigned idle = 0, last_work = 0;

	while (!g_stop) {
		uint16_t nb = rte_eth_rx_burst(f->port, 0, rx, RX_BURST);
		uint64_t now = nicproc_now_ns();
		unsigned work = nb;
		volatile struct fw_loop_stats *ls = f->loop;
		if (ls) {                               /* the iteration that ended here */
			if (last) {
				uint64_t d = now - last - slept;
				ls->iters++;
				if (last_work) {
					ls->work_ns += d;
				} else {
					ls->idle_ns += d;
					ls->idle_iters++;
				}
				ls->sleep_ns += slept;
			}
			last = now;
			slept = 0;
		}

		for (uint16_t i = 0; i < nb; i++)
			rx_one(f, rx[i], now);
		if (nb)
			rte_pktmbuf_free_bulk(rx, nb);
		work += fp_poll(f->fp, now, TX_BUDGET);
		if (f->ntx) {
			work++;
			tx_flush(f);
		}
		nicsrv_sp_notify_check(f->srv);
		if (now >= next_ctl) {
			next_ctl = now + CTL_PERIOD_NS;
			if (nicsrv_poll(f->srv, 0) & NICSRV_EV_SHUTDOWN)
				break;
			port_drops(f);
		}
		last_work = work;
		if (work) {
			idle = 0;
			sleep_ns = IDLE_SLEEP_MIN_NS;
		} else if (++idle >= IDLE_SPINS && f->o.idle_sleep_us) {
			/* back off exponentially up to --idle-sleep-us */
			struct timespec ts = { 0, (long)sleep_ns };
			uint64_t t0 = ls ? nicproc_now_ns() : 0;

			nanosleep(&ts, NULL);
			if (ls)
				slept += nicproc_now_ns() - t0;
			if (sleep_ns < (uint64_t)f->o.idle_sleep_us * 1000)
				sleep_ns *= 2;
			if (sleep_ns > (uint64_t)f->o.idle_sleep_us * 1000)
				sleep_ns = (uint64_t)f->o.idle_sleep_us * 1000;
		}
	}
}

static void print_stats(struct fw *f)
{
	struct nicsrv_stats st;

	nicsrv_get_stats(f->srv, &st);
	fprintf(stderr, "toffee-fw: wire rx %" PRIu64 " tx %" PRIu64 ", dma faults %" PRIu64
		", notifies %" PRIu64 ", tx queue full %" PRIu64 ", rx too big %" PRIu64 "\n",
		st.rx_frames, st.tx_frames, st.dma_faults, st.notifies, f->tx_full, f->rx_too_big);
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
		uint64_t v = fp_counter(f->fp, i);
		const char *name;
		char buf[32];

		if (!v)
			continue;
		if (i >= TOFFEE_CNT_DROP_BASE)
			snprintf(buf, sizeof(buf), "drop_%s", fp_drop_name(i - TOFFEE_CNT_DROP_BASE));
		else if (i >= TOFFEE_CNT_EXC_BASE)
			snprintf(buf, sizeof(buf), "exc_%s", fp_exc_name(i - TOFFEE_CNT_EXC_BASE));
		else
			snprintf(buf, sizeof(buf), "counter_%u", i);
		name = buf;
		fprintf(stderr, "toffee-fw:   %-24s %" PRIu64 "\n", name, v);
	}
}

int main(int argc, char **argv)
{
	static struct fw fw;
	struct fw *f = &fw;
	struct rte_ether_addr mac;
	struct nicsrv_config nc;
	struct sigaction sa;
	int split = argc, rc, ret = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			split = i;
			break;
		}
	}
	/* Our options first: wrong flags fail before the EAL starts. argv[split]
	 * ("--") plays argv[0] for getopt. */
	if (split < argc) {
		rc = parse_opts(argc - split, argv + split, &f->o);
		if (rc) {
			if (rc > 0)
				usage(stdout);
			return rc > 0 ? 0 : 2;
		}
	} else {
		char *none[] = { argv[0], NULL };

		parse_opts(1, none, &f->o);
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
				usage(stdout);
				return 0;
			}
	}

	rc = rte_eal_init(split, argv);
	if (rc < 0) {
		fprintf(stderr, "toffee-fw: EAL initialisation failed: %s (check the EAL arguments before --)\n",
			rte_strerror(rte_errno));
		return 2;
	}
	if (rc + 1 < split) {
		fprintf(stderr, "toffee-fw: unexpected argument '%s' before -- (toffee-fw options go after --)\n",
			argv[rc + 1]);
		rte_eal_cleanup();
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);   /* short idle sleeps stay short */

	if (port_setup(f))
		goto out_eal;
	rc = rte_eth_macaddr_get(f->port, &mac);
	if (rc) {
		fprintf(stderr, "toffee-fw: port %u: no MAC address: %s\n", f->port, strerror(-rc));
		goto out_port;
	}
	nc = (struct nicsrv_config){
		.rundir = f->o.rundir, .name = "fw", .flow_cap = f->o.flows,
		.tx = fw_tx, .tx_arg = f, .reset = fw_reset, .reset_arg = f,
		.log = fw_log,
	};
	memcpy(nc.mac, mac.addr_bytes, 6);
	rc = nicsrv_create(&nc, &f->srv);
	if (rc) {
		fprintf(stderr, "toffee-fw: cannot serve %s/nic.sock: %s\n", f->o.rundir, strerror(-rc));
		goto out_port;
	}
	if (fp_setup(f))
		goto out_srv;
	if (f->o.loop_stats && loop_stats_open(f))
		goto out_srv;
	if (f->o.pidfile && nicproc_write_pidfile("toffee-fw", f->o.pidfile))
		goto out_srv;
	fprintf(stderr, "toffee-fw: port %u MAC %02x:%02x:%02x:%02x:%02x:%02x, %u flows, "
		"listening on %s/nic.sock\n", f->port,
		mac.addr_bytes[0], mac.addr_bytes[1], mac.addr_bytes[2],
		mac.addr_bytes[3], mac.addr_bytes[4], mac.addr_bytes[5],
		f->o.flows, f->o.rundir);

	run(f);
	fprintf(stderr, "toffee-fw: %s, shutting down\n",
		g_stop ? "signal received" : "SHUTDOWN requested");
	if (f->o.stats)
		print_stats(f);
	ret = 0;
	if (f->o.pidfile)
		unlink(f->o.pidfile);
out_srv:
	nicsrv_destroy(f->srv);
	f->srv = NULL;
out_port:
	for (unsigned tries = 0; f->ntx && tries < 100; tries++)
		tx_flush(f);
	if (f->ntx)
		rte_pktmbuf_free_bulk(f->txq, f->ntx);
	f->ntx = 0;
	rte_eth_dev_stop(f->port);
	rte_eth_dev_close(f->port);
out_eal:
	if (f->fp_mem) {
		if (f->fp_mem_rte)
			rte_free(f->fp_mem);
		else
			free(f->fp_mem);
	}
	rte_eal_cleanup();
	return ret;
}
