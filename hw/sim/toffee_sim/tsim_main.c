/* SPDX-License-Identifier: MIT */
/*
 * toffee-sim: the Verilator model of the RTL NIC (hw/rtl/toffee_top.sv,
 * DATA_WIDTH 64) as a NIC process behind the device protocol, like
 * toffee-fw (include/toffee/devproto.h, host/dev/nicsrv.h):
 *
 *   toffee-sim [--tap NAME] [--pcap-in FILE] [--pcap-out FILE]
 *              [--rundir DIR] [--pidfile FILE] [--trace FILE.fst ...]
 *
 * The loop (one thread; docs/cosim.md):
 *   busy: cycles in batches; per cycle the MAC RX feeder, the DMA service
 *         (tsim_dma.c) and the AXI-Lite master of the register bridge
 *         (tsim_regs.c) drive the model's inputs, tsim_model_cycle() clocks
 *         it, the handshakes are accounted; a register sweep every
 *         --sync-cycles cycles; between batches the TAP / pcap input is
 *         read and, every millisecond, the control socket is served.
 *   idle: when no frame is queued, the host changed no register, nothing is
 *         in flight and the model showed no activity for --drain-cycles (and
 *         a last sweep copied its counters out), sleep in poll() on the TAP
 *         and the socket for at most --idle-ms, then compare the BAR again.
 *
 * Simulated time is cycles x 4 ns (250 MHz): it advances only while the
 * model runs, not while the process sleeps. The model's now_ns input is by
 * default the host's monotonic clock (--time wall: TCP timestamps, RTT
 * samples and pacing then agree with toffeed's clock, as with toffee-fw);
 * --time cycles makes it cycles x 4 ns.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "nicproc.h"
#include "nicsrv.h"
#include "tsim_dma.h"
#include "tsim_model.h"
#include "tsim_opts.h"
#include "tsim_port.h"
#include "tsim_regs.h"

#define BATCH          256u        /* cycles between checks of the outside world */
#define RESET_CYCLES   16u
#define INIT_CYCLES    (FLOW_CAP_BUILT * 2u + 64u)   /* table / RAM clears after reset */
#define CTL_PERIOD_NS  1000000ull  /* control socket while busy */

struct sim {
	struct sim_opts o;
	struct tsim_model *m;
	struct tsim_io io;
	struct nicsrv *srv;
	struct tsim_dma dma;
	struct tsim_regs regs;
	struct tsim_port port;
	uint64_t cycle;
	uint64_t last_activity;
	/* MAC RX feeder: the frame being fed, next byte; the next frame may
	 * start at rx_next_cycle (the port's line rate) */
	struct tsim_frame *rx_cur;
	uint32_t rx_off;
	uint64_t rx_next_cycle;
	/* MAC TX collector */
	uint8_t tx_buf[TSIM_FRAME_MAX];
	uint32_t tx_len;
	bool tx_overflow;
	bool reset_pending;
	/* statistics */
	uint64_t frames_in, frames_out, tx_too_big, segs, seg_hits, irqs;
	uint64_t busy_cycles, busy_ns;
	/* now_ns: t_base_ns at cycle t_base_cycle, + 4 ns per cycle since */
	uint64_t t_base_ns, t_base_cycle;
};

static volatile sig_atomic_t g_stop, g_trace_req;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		g_trace_req = 1;
	else
		g_stop = 1;
}

/* ---- glue: memory, notifications, logs -------------------------------------------- */

static bool mem_read(void *arg, uint64_t iova, void *dst, uint32_t len)
{
	struct sim *s = arg;
	bool ok = nicsrv_translate(s->srv, iova, len) != NULL;

	nicsrv_dma_read(s->srv, iova, dst, len);   /* zeroes and counts a refused one */
	return ok;
}

static bool mem_write(void *arg, uint64_t iova, const void *src, uint32_t len)
{
	struct sim *s = arg;
	bool ok = nicsrv_translate(s->srv, iova, len) != NULL;

	nicsrv_dma_write(s->srv, iova, src, len);  /* drops and counts a refused one */
	return ok;
}

static void notify_ctx(void *arg, uint32_t ctx)
{
	struct sim *s = arg;

	nicsrv_notify(s->srv, ctx);
}

static void sim_log(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "toffee-sim: %s\n", msg);
}

static void regs_log(const char *msg)
{
	fprintf(stderr, "toffee-sim: %s\n", msg);
}

/* ---- the cycle ------------------------------------------------------------------- */

/* The model's time input (--time): cycles x 4 ns, or the host's monotonic
 * clock re-read at every batch and advanced 4 ns per cycle in between (never
 * backwards). */
static uint64_t sim_now(const struct sim *s)
{
	if (s->o.time_cycles)
		return s->cycle * TSIM_NS_PER_CYCLE;
	return s->t_base_ns + (s->cycle - s->t_base_cycle) * TSIM_NS_PER_CYCLE;
}

static void time_sync(struct sim *s)
{
	uint64_t w = nicproc_now_ns(), cur = sim_now(s);

	s->t_base_ns = w > cur ? w : cur;
	s->t_base_cycle = s->cycle;
}

static void rx_drive(struct sim *s)
{
	struct tsim_io *io = &s->io;

	if (!s->rx_cur && s->cycle >= s->rx_next_cycle) {
		s->rx_cur = tsim_port_rx_head(&s->port);
		s->rx_off = 0;
		if (s->rx_cur) {
			/* its time on the wire, preamble and inter-frame gap included */
			uint64_t g = s->o.line_gbps;
			if (g)
				s->rx_next_cycle = s->cycle + ((s->rx_cur->len + 20u) * 8u + g * TSIM_NS_PER_CYCLE - 1) /
							      (g * TSIM_NS_PER_CYCLE);
			nicsrv_wire_rx(s->srv, s->rx_cur->data, s->rx_cur->len);
			tsim_port_wire_rx(&s->port, s->rx_cur->data, s->rx_cur->len,
					  s->cycle * TSIM_NS_PER_CYCLE);
			s->frames_in++;
		}
	}
	if (!s->rx_cur) {
		io->rx_valid = 0;
		io->rx_last = 0;
		return;
	}
	uint32_t left = s->rx_cur->len - s->rx_off, n = left < TSIM_BEAT ? left : TSIM_BEAT;
	uint64_t d = 0;

	memcpy(&d, s->rx_cur->data + s->rx_off, n);
	io->rx_data = d;
	io->rx_keep = (uint8_t)((1u << n) - 1u);
	io->rx_valid = 1;
	io->rx_last = left <= TSIM_BEAT;
}

static void rx_edge(struct sim *s)
{
	struct tsim_io *io = &s->io;

	if (!(io->rx_valid && io->rx_ready))
		return;
	s->last_activity = s->cycle;
	if (io->rx_last) {
		s->rx_cur = NULL;
		tsim_port_rx_pop(&s->port);
	} else {
		s->rx_off += TSIM_BEAT;
	}
}

static void tx_edge(struct sim *s)
{
	struct tsim_io *io = &s->io;

	if (!(io->tx_valid && io->tx_ready))
		return;
	s->last_activity = s->cycle;
	unsigned n = (unsigned)__builtin_popcount(io->tx_keep);

	if (s->tx_len + n <= sizeof(s->tx_buf)) {
		memcpy(s->tx_buf + s->tx_len, &io->tx_data, n);
		s->tx_len += n;
	} else {
		s->tx_overflow = true;
	}
	if (!io->tx_last)
		return;
	if (s->tx_overflow) {
		s->tx_too_big++;
	} else {
		s->frames_out++;
		nicsrv_wire_tx(s->srv, s->tx_buf, s->tx_len);
		tsim_port_send(&s->port, s->tx_buf, s->tx_len, s->cycle * TSIM_NS_PER_CYCLE);
	}
	s->tx_len = 0;
	s->tx_overflow = false;
}

static void cycle(struct sim *s)
{
	struct tsim_io *io = &s->io;

	io->now_ns = sim_now(s);
	io->tx_ready = 1;
	rx_drive(s);
	tsim_dma_drive(&s->dma, io, s->cycle);
	tsim_regs_drive(&s->regs, io, s->cycle);
	tsim_model_cycle(s->m, io);
	rx_edge(s);
	tx_edge(s);
	if (io->dwr_valid || io->drd_req_valid || io->drd_resp_valid)
		s->last_activity = s->cycle;
	tsim_dma_edge(&s->dma, io, s->cycle);
	tsim_regs_edge(&s->regs, io, s->cycle);
	if (io->seg_fire) {
		s->segs++;
		s->seg_hits += io->seg_hit;
		s->last_activity = s->cycle;
	}
	/* (engine_idle is no help here: with poll_step = 0 the engine polls
	 * without pause and is never idle) */
	if (io->aux_fire)
		s->last_activity = s->cycle;
	if (io->irq_fire) {
		s->irqs++;
		s->last_activity = s->cycle;
		tsim_regs_irq(&s->regs, io->irq_ctx);     /* ARM = 0 first, as the model */
		nicsrv_notify(s->srv, io->irq_ctx);
	}
	s->cycle++;
}

/* Reset the model: rst for a few cycles, then the flow table's clear. */
static void model_reset(struct sim *s)
{
	struct tsim_io *io = &s->io;

	time_sync(s);
	memset(io, 0, sizeof(*io));
	io->rst = 1;
	for (unsigned i = 0; i < RESET_CYCLES; i++) {
		io->now_ns = sim_now(s);
		tsim_model_cycle(s->m, io);
		s->cycle++;
	}
	memset(io, 0, sizeof(*io));
	for (unsigned i = 0; i < INIT_CYCLES; i++) {
		io->now_ns = sim_now(s);
		tsim_model_cycle(s->m, io);
		s->cycle++;
	}
	s->rx_cur = NULL;
	s->tx_len = 0;
	s->tx_overflow = false;
	tsim_dma_reset(&s->dma);
	s->last_activity = s->cycle;
}

/* nicsrv: toffeed detached and the BAR was zeroed: a fresh device. */
static void sim_reset(void *arg)
{
	struct sim *s = arg;

	model_reset(s);
	tsim_regs_reset(&s->regs);
	fprintf(stderr, "toffee-sim: device reset at cycle %" PRIu64 "\n", s->cycle);
}

/* Run until the register bridge has nothing in flight (bounded). */
static void run_until_regs_idle(struct sim *s)
{
	time_sync(s);
	for (unsigned i = 0; i < 4u * TSIM_AXI_TIMEOUT && !tsim_regs_idle(&s->regs); i++)
		cycle(s);
}

/* ---- main loop ------------------------------------------------------------------- */

/* DIR/sim.stats: the simulated clock while running (rewritten every
 * STATS_PERIOD_NS of wall-clock time and when the model goes idle; removed
 * at exit), for `make run` and anyone who wants simulated time: one
 * "name value" per line. */
#define STATS_PERIOD_NS 200000000ull

static void stats_file(struct sim *s)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/sim.stats", s->o.rundir) >= (int)sizeof(path))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "cycles %" PRIu64 "\nsim_ns %" PRIu64 "\nbusy_cycles %" PRIu64 "\nbusy_wall_ns %" PRIu64
		"\nframes_in %" PRIu64 "\nframes_out %" PRIu64 "\nclock_mhz 250\n",
		s->cycle, s->cycle * TSIM_NS_PER_CYCLE, s->busy_cycles, s->busy_ns, s->frames_in, s->frames_out);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
	if (s->port.pwire)
		pcap_dump_flush(s->port.pwire);
}

static bool model_quiet(const struct sim *s)
{
	return !s->rx_cur && !tsim_port_rx_head((struct tsim_port *)&s->port) &&
	       !tsim_dma_busy(&s->dma) && tsim_regs_idle(&s->regs) && !s->tx_len &&
	       s->cycle - s->last_activity >= s->o.drain;
}

static void idle_wait(struct sim *s)
{
	struct pollfd p[3];
	int fds[2], n = 0, tap = -1;

	nicsrv_fds(s->srv, fds);
	p[n++] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	if (fds[1] >= 0)
		p[n++] = (struct pollfd){ .fd = fds[1], .events = POLLIN };
	if (s->port.tap_fd >= 0) {
		tap = n;
		p[n++] = (struct pollfd){ .fd = s->port.tap_fd, .events = POLLIN };
	}
	if (poll(p, (nfds_t)n, (int)s->o.idle_ms) > 0 && tap >= 0 &&
	    (p[tap].revents & (POLLERR | POLLHUP | POLLNVAL))) {
		/* the interface was deleted under us: no spinning on a dead fd */
		fprintf(stderr, "toffee-sim: TAP %s is gone (poll events 0x%x): port closed\n",
			s->port.tap_name, p[tap].revents);
		close(s->port.tap_fd);
		s->port.tap_fd = -1;
	}
}

static int run(struct sim *s)
{
	uint64_t next_ctl = 0, next_stats = 0, next_sweep = s->cycle, flush_cycle = UINT64_MAX;
	bool busy = true;

	while (!g_stop && s->cycle < s->o.max_cycles) {
		uint64_t t0 = nicproc_now_ns(), c0 = s->cycle;

		if (g_trace_req) {
			g_trace_req = 0;
			if (s->o.trace_signal && tsim_model_trace_window(s->m, s->o.trace_signal) == 0)
				fprintf(stderr, "toffee-sim: SIGUSR1: tracing %" PRIu64 " cycles from cycle %" PRIu64 "\n",
					s->o.trace_signal, s->cycle);
		}

		if (!busy || t0 >= next_ctl) {
			next_ctl = t0 + CTL_PERIOD_NS;
			if (nicsrv_poll(s->srv, 0) & NICSRV_EV_SHUTDOWN)
				return 1;
		}
		if (t0 >= next_stats) {
			next_stats = t0 + STATS_PERIOD_NS;
			stats_file(s);
		}
		/* the CTRL value forwarded to the model */
		s->port.pin_hold = s->o.pcap_after_enable &&
			!(s->regs.shadow[TOFFEE_REG_CTRL / 4u] & TOFFEE_CTRL_ENABLE);
		tsim_port_fill(&s->port);
		if (!busy) {
			if (!tsim_port_rx_head(&s->port) && !tsim_regs_host_dirty(&s->regs)) {
				if (s->o.exit_idle && !tsim_port_pcap_pending(&s->port) && !s->port.pin_hold)
					return 0;
				idle_wait(s);
				continue;
			}
			busy = true;
			next_sweep = s->cycle;
		}
		/* a batch of cycles, with the register sweeps due in it */
		uint64_t end = s->cycle + BATCH;

		time_sync(s);
		if (end > s->o.max_cycles)
			end = s->o.max_cycles;
		while (s->cycle < end) {
			if (s->cycle >= next_sweep && tsim_regs_idle(&s->regs)) {
				if (tsim_regs_sweep(&s->regs, false))
					s->last_activity = s->cycle;
				next_sweep = s->cycle + s->o.sync_cycles;
			}
			cycle(s);
		}
		nicsrv_sp_notify_check(s->srv);
		s->busy_cycles += s->cycle - c0;
		s->busy_ns += nicproc_now_ns() - t0;
		if (!model_quiet(s))
			continue;
		/* quiet: one sweep with the counters after the last activity,
		 * then sleep (unless the host wrote something meanwhile) */
		if (flush_cycle == UINT64_MAX || s->last_activity >= flush_cycle) {
			if (tsim_regs_sweep(&s->regs, true))
				s->last_activity = s->cycle;
			flush_cycle = s->cycle;
			next_sweep = s->cycle + s->o.sync_cycles;
		} else if (!s->o.no_idle && !tsim_regs_host_dirty(&s->regs)) {
			busy = false;
			flush_cycle = UINT64_MAX;
			stats_file(s);
		}
	}
	return 0;
}

static void print_stats(struct sim *s, double wall_s)
{
	struct nicsrv_stats ns;
	const struct tsim_dma_stats *d = &s->dma.st;
	const struct tsim_regs_stats *r = &s->regs.st;

	nicsrv_get_stats(s->srv, &ns);
	fprintf(stderr, "toffee-sim: %" PRIu64 " cycles (%.3f ms simulated) in %.1f s: %.0f cycles/s overall, "
		"%.0f cycles/s while running\n", s->cycle, (double)s->cycle * TSIM_NS_PER_CYCLE / 1e6, wall_s,
		wall_s > 0 ? (double)s->cycle / wall_s : 0.0,
		s->busy_ns ? (double)s->busy_cycles * 1e9 / (double)s->busy_ns : 0.0);
	fprintf(stderr, "toffee-sim: frames in %" PRIu64 " (tap %" PRIu64 ", pcap %" PRIu64 ", too big %" PRIu64
		"), out %" PRIu64 " (tap %" PRIu64 ", tap drops %" PRIu64 ", pcap %" PRIu64 ", too big %" PRIu64 ")\n",
		s->frames_in, s->port.st.tap_in, s->port.st.pcap_in, s->port.st.too_big, s->frames_out,
		s->port.st.tap_out, s->port.st.tap_out_drops, s->port.st.pcap_out, s->tx_too_big);
	if (strstr(tsim_model_ports(), "seg"))
		fprintf(stderr, "toffee-sim: pre-engine segment records %" PRIu64 " (flow hits %" PRIu64 ")\n",
			s->segs, s->seg_hits);
	fprintf(stderr, "toffee-sim: interrupts %" PRIu64 "\n", s->irqs);
	fprintf(stderr, "toffee-sim: dma write beats %" PRIu64 " (%" PRIu64 " bytes, faults %" PRIu64
		", unaligned %" PRIu64 "), read requests %" PRIu64 " (%" PRIu64 " beats, faults %" PRIu64
		", bad %" PRIu64 "); nicsrv dma faults %" PRIu64 "\n",
		d->wr_beats, d->wr_bytes, d->wr_faults, d->wr_unaligned, d->rd_reqs, d->rd_beats,
		d->rd_faults, d->rd_bad, ns.dma_faults);
	fprintf(stderr, "toffee-sim: register bridge: %" PRIu64 " sweeps, %" PRIu64 " writes, %" PRIu64
		" reads, %" PRIu64 " timeouts, %" PRIu64 " races, %" PRIu64 " notifications\n",
		r->sweeps, r->writes, r->reads, r->timeouts, r->races, r->notifies);
}

int main(int argc, char **argv)
{
	static struct sim sim;
	struct sim *s = &sim;
	struct nicsrv_config nc;
	struct sigaction sa;
	uint64_t t_start;
	int rc, ret = 1;

	rc = tsim_parse_opts(argc, argv, &s->o);
	if (rc) {
		if (rc > 0)
			tsim_usage(stdout);
		return rc > 0 ? 0 : 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

	if (tsim_port_init(&s->port))
		return 1;
	if ((s->o.tap && tsim_port_open_tap(&s->port, s->o.tap)) ||
	    (s->o.pcap_in && tsim_port_open_pcap_in(&s->port, s->o.pcap_in)) ||
	    (s->o.pcap_out && tsim_port_open_pcap_out(&s->port, s->o.pcap_out)) ||
	    (s->o.pcap_wire && tsim_port_open_pcap_wire(&s->port, s->o.pcap_wire)))
		goto out_port;

	nc = (struct nicsrv_config){
		.rundir = s->o.rundir, .name = "sim", .flow_cap = FLOW_CAP_BUILT,
		.reset = sim_reset, .reset_arg = s, .log = sim_log,
	};
	memcpy(nc.mac, s->o.mac, 6);
	rc = nicsrv_create(&nc, &s->srv);
	if (rc) {
		fprintf(stderr, "toffee-sim: cannot serve %s/nic.sock: %s\n", s->o.rundir, strerror(-rc));
		goto out_port;
	}
	struct tsim_mem mem = { .arg = s, .read = mem_read, .write = mem_write };
	bool has_irq = strstr(tsim_model_ports(), "irq") != NULL;

	if (tsim_dma_init(&s->dma, &mem, s->o.dma_latency) ||
	    tsim_regs_init(&s->regs, nicsrv_regs(s->srv), s->o.sync_cycles, s->o.cnt_chunk,
			   notify_ctx, s, !has_irq)) {
		fprintf(stderr, "toffee-sim: out of memory\n");
		goto out_srv;
	}
	s->regs.log = regs_log;
	s->m = tsim_model_new(s->o.trace, s->o.trace_start, s->o.trace_stop);
	if (!s->m) {
		fprintf(stderr, "toffee-sim: cannot create the model\n");
		goto out_srv;
	}
	t_start = nicproc_now_ns();
	model_reset(s);
	tsim_regs_read_id(&s->regs);
	run_until_regs_idle(s);
	if (!s->regs.id_valid || s->regs.id[0] != TOFFEE_ABI_ID ||
	    s->regs.id[1] >> 16 != TOFFEE_ABI_MAJOR) {
		fprintf(stderr, "toffee-sim: the model's identification registers read ID 0x%08x, "
			"VERSION 0x%08x; want 0x%08x, major %u (is the register file reachable?)\n",
			s->regs.id[0], s->regs.id[1], TOFFEE_ABI_ID, TOFFEE_ABI_MAJOR);
		goto out_model;
	}
	if (s->o.pidfile && nicproc_write_pidfile("toffee-sim", s->o.pidfile))
		goto out_model;
	fprintf(stderr, "toffee-sim: toffee_top ABI %u.%u, features 0x%x, %u flows, %u contexts, "
		"MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s%s%s%s%s, now_ns %s, listening on %s/nic.sock; "
		"optional ports:%s\n",
		s->regs.id[1] >> 16, s->regs.id[1] & 0xffff, s->regs.id[2], s->regs.id[3], s->regs.id[4],
		s->o.mac[0], s->o.mac[1], s->o.mac[2], s->o.mac[3], s->o.mac[4], s->o.mac[5],
		s->o.tap ? ", TAP " : "", s->o.tap ? s->port.tap_name : "",
		s->o.pcap_in ? ", replaying " : "", s->o.pcap_in ? s->o.pcap_in : "",
		s->o.pcap_out ? ", recording " : "", s->o.pcap_out ? s->o.pcap_out : "",
		s->o.time_cycles ? "cycles x 4 ns" : "host monotonic clock", s->o.rundir, *tsim_model_ports() ? tsim_model_ports() : " none");

	rc = run(s);
	fprintf(stderr, "toffee-sim: %s, shutting down\n",
		g_stop ? "signal received" : rc ? "SHUTDOWN requested" :
		s->cycle >= s->o.max_cycles ? "--cycles reached" : "input replayed");
	print_stats(s, (double)(nicproc_now_ns() - t_start) / 1e9);
	{
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/sim.stats", s->o.rundir) < (int)sizeof(path))
			unlink(path);
	}
	ret = 0;
	if (s->o.pidfile)
		unlink(s->o.pidfile);
out_model:
	tsim_model_free(s->m);
out_srv:
	tsim_regs_fini(&s->regs);
	tsim_dma_fini(&s->dma);
	nicsrv_destroy(s->srv);
out_port:
	tsim_port_close(&s->port);
	return ret;
}
