/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_toffee.c
 * The toffee side: the fast-path core on the benchmark platform, set up
 * through registers as include/toffee/abi.h describes, with flows installed
 * by TOFFEE_CMD_INSTALL (the measured flow last, after the background flows
 * that load the table), then the measured phases:
 *  tf_rx   fp_rx() of an in-order data segment, including the ACK it
 *          generates (if the core defers the ACK to fp_poll(), that
 *          fp_poll() is measured too: wrapper fwb_op_tf_rx_flush);
 *  tf_tx   fp_poll_tx(now, 1) sending one MSS segment (the application's
 *          command that appended the bytes was served before, unmeasured;
 *          the doorbell scan is tf_idle's cost);
 *  tf_txb  fp_poll_tx(now, round) sending `round` segments, per segment
 *          (informational: the per-call overhead amortised);
 *  tf_ack  fp_rx() of a pure ACK that advances snd_una by one segment;
 *  tf_idle fp_poll(now, 1) with nothing to do (informational: the fixed
 *          cost of one fp_poll() call).
 * Simulated time advances by `step_ns` per operation (default 1230 ns, one
 * full-size frame at 10 Gb/s); the scheduler's timing wheel does work per
 * elapsed 1024 ns, so this choice matters for tf_tx.
 * The application's work (writing the transmit buffer, posting commands,
 * reading events) is done between measured calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fwb.h"
#include "fwb_plat.h"

#define BUF_LOG2 16u
#define BUF_SIZE (1u << BUF_LOG2)
#define CTX 0u

static struct fwb_host H;
static struct fp *fp;
static struct fwb_ring r_exc, r_raw, r_cmd, r_fb, r_ev, r_acmd;
static struct toffee_flow fl;       /* the measured flow as installed */
static uint32_t flow_id;
static uint64_t now = 1000000000ull;
static uint32_t peer_nxt, peer_tsval = 5000, snd_nxt;
static uint64_t tx_off, rx_off;
static unsigned long unmeasured_frames;
static uint64_t step_ns;            /* simulated time per operation */

#define BARRIER() __asm__ volatile("" ::: "memory")

FWB_NOINLINE void fwb_op_tf_rx(const uint8_t *f, uint32_t len) { fp_rx(fp, f, len, now); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_rx(const uint8_t *f, uint32_t len) { fp_rx(fp, f, len, now); BARRIER(); }
FWB_NOINLINE void fwb_op_tf_rx_flush(void) { fp_poll(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_rx_flush(void) { fp_poll(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_op_tf_ack(const uint8_t *f, uint32_t len) { fp_rx(fp, f, len, now); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_ack(const uint8_t *f, uint32_t len) { fp_rx(fp, f, len, now); BARRIER(); }
FWB_NOINLINE void fwb_op_tf_tx(void) { fp_poll_tx(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_tx(void) { fp_poll_tx(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_op_tf_idle(void) { fp_poll(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_idle(void) { fp_poll(fp, now, 1); BARRIER(); }
FWB_NOINLINE void fwb_op_tf_txb(unsigned n) { fp_poll_tx(fp, now, n); BARRIER(); }
FWB_NOINLINE void fwb_warm_tf_txb(unsigned n) { fp_poll_tx(fp, now, n); BARRIER(); }

static uint32_t spq(uint32_t q, uint32_t reg)
{
	return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + reg;
}

static uint32_t ctxq(uint32_t which, uint32_t reg)
{
	return TOFFEE_REG_CTX_BASE + CTX * TOFFEE_REG_CTX_STRIDE + which + reg;
}

static uint32_t db(uint32_t reg)
{
	return TOFFEE_REG_DB_BASE + CTX * TOFFEE_REG_DB_STRIDE + reg;
}

static void check_no_exceptions(const char *when)
{
	struct toffee_sp_exc e;
	unsigned i;

	if (fwb_ring_take(&H, &r_exc, &e))
		fwb_fail("toffee %s: exception %u (%s) on flow %u", when, e.reason,
			 fp_exc_name(e.reason), e.flow_id);
	for (i = 1; i < TOFFEE_DROP_COUNT; i++)
		if (fp_counter(fp, TOFFEE_CNT_DROP_BASE + i))
			fwb_fail("toffee %s: drop counter %s = %llu", when, fp_drop_name(i),
				 (unsigned long long)fp_counter(fp, TOFFEE_CNT_DROP_BASE + i));
}

/** Serve the slow-path command ring until @p n completions arrived. */
static void complete(unsigned n, int16_t *status, uint32_t *ids)
{
	struct toffee_sp_fb fb;
	unsigned got = 0, spins = 0;

	while (got < n) {
		if (fwb_ring_take(&H, &r_fb, &fb)) {
			if (fb.type != TOFFEE_FB_DONE)
				fwb_fail("toffee: unexpected feedback type %u", fb.type);
			if (status)
				status[got] = fb.status;
			if (ids)
				ids[got] = fb.flow_id;
			got++;
			continue;
		}
		if (fp_poll(fp, now, 0) == 0 && ++spins > 1000)
			fwb_fail("toffee: commands not completed (%u of %u)", got, n);
	}
}

static void setup_regs(const struct fwb_cfg *cfg)
{
	size_t need = fp_mem_size(cfg->flow_cap);
	void *mem = aligned_alloc(64, (need + 63) & ~(size_t)63);

	if (mem == NULL)
		fwb_fail("out of memory for the fast path (%zu bytes)", need);
	memset(mem, 0, need);
	fp = fp_init(mem, need, cfg->flow_cap, &H.plat, H.regs);
	if (fp == NULL)
		fwb_fail("fp_init failed (flow_cap %u)", cfg->flow_cap);
	if (fwb_rreg(&H, TOFFEE_REG_ID) != TOFFEE_ABI_ID ||
	    fwb_rreg(&H, TOFFEE_REG_VERSION) >> 16 != TOFFEE_ABI_MAJOR)
		fwb_fail("fast path: bad identification block");
	if (fwb_rreg(&H, TOFFEE_REG_FLOW_CAP) != cfg->flow_cap)
		fwb_fail("fast path reports %u flow slots, configured %u",
			 fwb_rreg(&H, TOFFEE_REG_FLOW_CAP), cfg->flow_cap);
	printf("FWB info fp_mem_bytes %zu\n", need);

	fwb_wreg(&H, TOFFEE_REG_MAC_LO, (uint32_t)fwb_local_mac[0] | (uint32_t)fwb_local_mac[1] << 8 |
		 (uint32_t)fwb_local_mac[2] << 16 | (uint32_t)fwb_local_mac[3] << 24);
	fwb_wreg(&H, TOFFEE_REG_MAC_HI, (uint32_t)fwb_local_mac[4] | (uint32_t)fwb_local_mac[5] << 8);

	fwb_ring_setup(&H, &r_exc, spq(TOFFEE_SPQ_EXC, 0), 6, sizeof(struct toffee_sp_exc), 1,
		       spq(TOFFEE_SPQ_EXC, TOFFEE_Q_HEAD), spq(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL));
	fwb_ring_setup(&H, &r_raw, spq(TOFFEE_SPQ_RAW, 0), 4, sizeof(struct toffee_sp_raw), 1,
		       spq(TOFFEE_SPQ_RAW, TOFFEE_Q_TAIL), spq(TOFFEE_SPQ_RAW, TOFFEE_Q_HEAD));
	fwb_ring_setup(&H, &r_cmd, spq(TOFFEE_SPQ_CMD, 0), 10, sizeof(struct toffee_sp_cmd), 0,
		       spq(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL), spq(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD));
	fwb_ring_setup(&H, &r_fb, spq(TOFFEE_SPQ_FB, 0), 10, sizeof(struct toffee_sp_fb), 0,
		       spq(TOFFEE_SPQ_FB, TOFFEE_Q_HEAD), spq(TOFFEE_SPQ_FB, TOFFEE_Q_TAIL));
	fwb_ring_setup(&H, &r_ev, ctxq(TOFFEE_CTX_EV, 0), 12, sizeof(struct toffee_ctx_ev), 0,
		       db(TOFFEE_DB_EV_HEAD), ctxq(TOFFEE_CTX_EV, TOFFEE_Q_TAIL));
	fwb_ring_setup(&H, &r_acmd, ctxq(TOFFEE_CTX_CMD, 0), 8, sizeof(struct toffee_ctx_cmd), 0,
		       db(TOFFEE_DB_CMD_TAIL), ctxq(TOFFEE_CTX_CMD, TOFFEE_Q_HEAD));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fwb_wreg(&H, TOFFEE_REG_CTX_LIMIT, 1);     /* one context in use: bound the doorbell scan */
	fwb_wreg(&H, TOFFEE_REG_CTRL, TOFFEE_CTRL_ENABLE);
}

/** Install flows 0..n-2 as background (distinct peers), then the measured
 *  flow with id n-1 mirroring lwIP's connection. */
static void install_flows(const struct fwb_cfg *cfg, uint32_t local_iss)
{
	enum { BATCH = 256 };
	uint64_t st = fwb_halloc(&H, (uint64_t)BATCH * sizeof(struct toffee_flow), 4096);
	uint64_t dummy = fwb_halloc(&H, 4096, 4096);
	struct toffee_flow *f = fwb_hptr(&H, st);
	int16_t status[BATCH];
	uint32_t ids[BATCH];
	uint32_t i, b, n = cfg->flows, failed = 0;

	if (n < 1 || n > cfg->flow_cap)
		fwb_fail("flows must be in [1, flow_cap]");
	for (i = 0; i < n; i += b) {
		b = n - i < BATCH ? n - i : BATCH;
		for (uint32_t k = 0; k < b; k++) {
			uint32_t id = i + k;
			struct toffee_flow *x = &f[k];
			struct toffee_sp_cmd c;

			memset(x, 0, sizeof *x);
			x->local_ip = FWB_LOCAL_IP;
			x->local_port = FWB_LOCAL_PORT;
			memcpy(x->remote_mac, fwb_peer_mac, 6);
			x->ctx_id = CTX;
			x->snd_wscale = FWB_PEER_WSCALE;
			x->rcv_wscale = 7;
			if (id + 1 < n) {       /* background flow */
				x->remote_ip = 0x0a800000u | id;   /* 10.128.0.0/9 */
				x->remote_port = FWB_PEER_PORT;
				x->flags = TOFFEE_FLOWF_TS;
				x->mss = FWB_TS_PAYLOAD;
				x->rx_buf_log2 = x->tx_buf_log2 = 12;
				x->rx_buf_iova = x->tx_buf_iova = dummy;
				x->rx_avail = 4096;
				x->rcv_nxt = 1000;
				x->snd_una = x->snd_nxt = x->snd_max = x->tx_end = 2000;
				x->snd_wnd = 65535;
			} else {                /* the measured flow */
				x->remote_ip = FWB_PEER_IP;
				x->remote_port = FWB_PEER_PORT;
				x->flags = cfg->ts ? TOFFEE_FLOWF_TS : 0;
				x->mss = cfg->ts ? FWB_TS_PAYLOAD : FWB_MSS_OPT;
				x->rx_buf_log2 = x->tx_buf_log2 = BUF_LOG2;
				x->rx_buf_iova = fwb_halloc(&H, BUF_SIZE, 4096);
				x->tx_buf_iova = fwb_halloc(&H, BUF_SIZE, 4096);
				H.pay_lo = x->rx_buf_iova;
				H.pay_hi = x->tx_buf_iova + BUF_SIZE;
				x->rx_avail = BUF_SIZE;
				x->rcv_nxt = FWB_PEER_ISN + 1;
				x->ts_recent = 99;
				x->snd_una = x->snd_nxt = x->snd_max = x->tx_end = local_iss + 1;
				x->snd_wnd = (uint32_t)FWB_PEER_WIN << FWB_PEER_WSCALE;
				fl = *x;
			}
			memset(&c, 0, sizeof c);
			c.opcode = TOFFEE_CMD_INSTALL;
			c.tag = (uint16_t)k;
			c.flow_id = id;
			c.iova = st + (uint64_t)k * sizeof(struct toffee_flow);
			if (fwb_ring_post(&H, &r_cmd, &c))
				fwb_fail("toffee: command ring full");
		}
		complete(b, status, ids);
		for (uint32_t k = 0; k < b; k++) {
			if (i + k + 1 == n && status[k])
				fwb_fail("toffee: INSTALL of the measured flow failed (%d)", status[k]);
			failed += status[k] != 0;
		}
		flow_id = i + b - 1;
	}
	if (fp_flow(fp, flow_id) == NULL)
		fwb_fail("toffee: measured flow %u not installed", flow_id);
	printf("FWB info flows_installed %u\n", n - failed);
	printf("FWB info flows_install_failed %u\n", failed);
	check_no_exceptions("install");
}

/** Application: post a context command and have the core serve it. */
static void app_cmd(uint32_t tx_bytes, uint32_t rx_bytes)
{
	struct toffee_ctx_cmd c;
	unsigned long before = H.tx_count;
	unsigned spins = 0;

	memset(&c, 0, sizeof c);
	c.flow_id = flow_id;
	c.tx_bytes = tx_bytes;
	c.rx_bytes = rx_bytes;
	if (fwb_ring_post(&H, &r_acmd, &c))
		fwb_fail("toffee: context command ring full");
	while (fwb_rreg(&H, ctxq(TOFFEE_CTX_CMD, TOFFEE_Q_HEAD)) != r_acmd.idx)
		if (fp_poll(fp, now, 0) == 0 && ++spins > 100)
			fwb_fail("toffee: context command not consumed");
	unmeasured_frames += H.tx_count - before;
}

/** Application: read all events; returns the sums. */
static void app_events(uint32_t *rx_bytes, uint32_t *tx_freed)
{
	struct toffee_ctx_ev ev;

	*rx_bytes = *tx_freed = 0;
	while (fwb_ring_take(&H, &r_ev, &ev)) {
		if (ev.flow_id != flow_id)
			fwb_fail("toffee: event for flow %u", ev.flow_id);
		*rx_bytes += ev.rx_bytes;
		*tx_freed += ev.tx_freed;
	}
}

static const uint8_t *frame_at(unsigned long i, uint32_t *len)
{
	*len = H.cap_len[i % FWB_CAP_SLOTS];
	return H.cap[i % FWB_CAP_SLOTS];
}

static void parse_sent(unsigned long i, struct fwb_seg *s, const char *what)
{
	const char *why;
	uint32_t len;
	const uint8_t *f = frame_at(i, &len);

	if (fwb_parse(f, len, s, &why))
		fwb_fail("toffee %s: bad frame: %s", what, why);
	if (s->src_ip != FWB_LOCAL_IP || s->dst_ip != FWB_PEER_IP ||
	    s->src_port != FWB_LOCAL_PORT || s->dst_port != FWB_PEER_PORT)
		fwb_fail("toffee %s: wrong addressing", what);
	if (fl.flags & TOFFEE_FLOWF_TS && !s->has_ts)
		fwb_fail("toffee %s: no timestamp option", what);
}

static void rx_phase(const struct fwb_cfg *cfg, const struct fwb_rx_frames *rx)
{
	unsigned total = cfg->warmup + cfg->ops, i;
	unsigned long flushed = 0;
	struct fwb_seg in, r;
	const char *why;

	for (i = 0; i < total; i++) {
		int m = i >= cfg->warmup;
		unsigned long before = H.tx_count;
		uint32_t rxb, freed, off, k;
		const uint8_t *buf = fwb_hptr(&H, fl.rx_buf_iova);

		if (fwb_parse_peer(rx->frame[i], rx->len[i], &in, &why) || in.seq != peer_nxt)
			fwb_fail("toffee rx: own frame invalid");
		now += step_ns;
		(m ? fwb_op_tf_rx : fwb_warm_tf_rx)(rx->frame[i], rx->len[i]);
		if (H.tx_count == before) {     /* ACK deferred to fp_poll */
			(m ? fwb_op_tf_rx_flush : fwb_warm_tf_rx_flush)();
			flushed++;
		}
		check_no_exceptions("rx");
		if (H.tx_count - before != 1)
			fwb_fail("toffee rx: %lu frames sent for one segment, expected 1 ACK",
				 H.tx_count - before);
		peer_nxt += in.payload_len;
		parse_sent(H.tx_count - 1, &r, "rx ACK");
		if (!(r.flags & FWB_ACK) || r.ack != peer_nxt || r.payload_len)
			fwb_fail("toffee rx: ACK %#x, expected %#x", r.ack, peer_nxt);
		if (r.has_ts && r.tsecr != in.tsval)
			fwb_fail("toffee rx: TSecr %u, expected %u", r.tsecr, in.tsval);
		app_events(&rxb, &freed);
		if (rxb != in.payload_len || freed)
			fwb_fail("toffee rx: events report %u bytes, expected %u", rxb,
				 in.payload_len);
		off = in.seq & (BUF_SIZE - 1);
		for (k = 0; k < in.payload_len; k++)
			if (buf[(off + k) & (BUF_SIZE - 1)] != fwb_pattern(rx_off + k))
				fwb_fail("toffee rx: payload mismatch in the receive buffer");
		rx_off += in.payload_len;
		app_cmd(0, rxb);                /* the application consumed it */
	}
	printf("FWB info rx_ack_deferred_to_poll %lu\n", flushed);
	fwb_report_ops("tf_rx", cfg->ops);
}

/** Application appends @p n segments' worth of bytes to the transmit buffer. */
static void append(unsigned n, uint32_t plen)
{
	uint8_t *buf = fwb_hptr(&H, fl.tx_buf_iova);
	uint32_t bytes = n * plen, k, seq = fl.tx_end;

	for (k = 0; k < bytes; k++)
		buf[(seq + k) & (BUF_SIZE - 1)] = fwb_pattern(tx_off + (seq + k - snd_nxt));
	fl.tx_end += bytes;
	app_cmd(bytes, 0);
}

static void check_segment(unsigned long i, uint32_t plen)
{
	struct fwb_seg r;
	uint32_t k;

	parse_sent(i, &r, "tx");
	if (r.seq != snd_nxt || r.payload_len != plen || !(r.flags & FWB_ACK) ||
	    r.ack != peer_nxt)
		fwb_fail("toffee tx: segment seq %#x len %u ack %#x, expected %#x %u %#x",
			 r.seq, r.payload_len, r.ack, snd_nxt, plen, peer_nxt);
	for (k = 0; k < plen; k++)
		if (r.payload[k] != fwb_pattern(tx_off + k))
			fwb_fail("toffee tx: payload mismatch");
	snd_nxt += plen;
	tx_off += plen;
}

/** Peer acknowledges the segments ending at end[0..n-1] one by one; the
 *  first started at @p start. ACK number @p first + j is measured if it is
 *  past the warm-up and @p measured is not NULL (which counts them). */
static void ack_segments(const struct fwb_cfg *cfg, unsigned n, uint32_t start,
			 const uint32_t *end, unsigned first, unsigned *measured)
{
	uint8_t f[1536];
	unsigned j;

	for (j = 0; j < n; j++) {
		struct fwb_seg s = { 0 };
		unsigned long before = H.tx_count;
		uint32_t rxb, freed, len, prev = j ? end[j - 1] : start;
		int measure = measured && first + j >= cfg->warmup;

		s.src_ip = FWB_PEER_IP;
		s.dst_ip = FWB_LOCAL_IP;
		s.src_port = FWB_PEER_PORT;
		s.dst_port = FWB_LOCAL_PORT;
		s.seq = peer_nxt;
		s.ack = end[j];
		s.flags = FWB_ACK;
		s.win = FWB_PEER_WIN;
		s.has_ts = cfg->ts;
		s.tsval = peer_tsval++;
		s.tsecr = (uint32_t)(now >> TOFFEE_TS_SHIFT);
		len = fwb_build(f, &s);
		now += step_ns;
		(measure ? fwb_op_tf_ack : fwb_warm_tf_ack)(f, len);
		check_no_exceptions("ack");
		if (H.tx_count != before)
			fwb_fail("toffee ack: a pure ACK made the core send %lu frames",
				 H.tx_count - before);
		if (fp_flow(fp, flow_id)->snd_una != end[j])
			fwb_fail("toffee ack: snd_una %#x, expected %#x",
				 fp_flow(fp, flow_id)->snd_una, end[j]);
		app_events(&rxb, &freed);
		if (freed != end[j] - prev || rxb)
			fwb_fail("toffee ack: %u bytes reported freed, expected %u", freed,
				 end[j] - prev);
		if (measure)
			(*measured)++;
	}
}

static void tx_ack_phase(const struct fwb_cfg *cfg)
{
	unsigned i, j, n, tx_ops = 0, ack_ops = 0, txb_ops = 0;
	uint32_t plen = fl.mss, end[64], start;

	if (cfg->round < 1 || cfg->round > FWB_CAP_SLOTS || cfg->round * plen > BUF_SIZE)
		fwb_fail("round must be in [1, 64] and fit the transmit buffer");
	snd_nxt = fl.snd_nxt;
	/* tf_tx and tf_ack: rounds of `round` segments sent, then acked; the
	 * first `warmup` of each are not measured */
	for (i = 0; i < cfg->warmup + cfg->ops; i += n) {
		n = cfg->warmup + cfg->ops - i < cfg->round ? cfg->warmup + cfg->ops - i : cfg->round;
		start = snd_nxt;
		append(n, plen);
		for (j = 0; j < n; j++) {
			unsigned long before = H.tx_count;
			int m = i + j >= cfg->warmup;
			now += step_ns;
			(m ? fwb_op_tf_tx : fwb_warm_tf_tx)();
			check_no_exceptions("tx");
			if (H.tx_count - before != 1)
				fwb_fail("toffee tx: fp_poll(1) sent %lu frames",
					 H.tx_count - before);
			check_segment(H.tx_count - 1, plen);
			end[j] = snd_nxt;
			tx_ops += m;
		}
		ack_segments(cfg, n, start, end, i, &ack_ops);
	}
	fwb_report_ops("tf_tx", tx_ops);
	fwb_report_ops("tf_ack", ack_ops);

	/* tf_txb: one fp_poll(now, round) per round; the first is warm-up */
	n = cfg->round;
	for (i = 0; i < cfg->ops + n; i += n) {
		unsigned long before = H.tx_count;
		int m = i >= n;

		start = snd_nxt;
		append(n, plen);
		now += step_ns * n;
		(m ? fwb_op_tf_txb : fwb_warm_tf_txb)(n);
		check_no_exceptions("txb");
		if (H.tx_count - before != n)
			fwb_fail("toffee txb: fp_poll(%u) sent %lu frames", n,
				 H.tx_count - before);
		for (j = 0; j < n; j++) {
			check_segment(before + j, plen);
			end[j] = snd_nxt;
		}
		ack_segments(cfg, n, start, end, 0, NULL);
		txb_ops += m ? n : 0;
	}
	fwb_report_ops("tf_txb", txb_ops);
}

static void idle_phase(const struct fwb_cfg *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->warmup + cfg->ops; i++) {
		unsigned long before = H.tx_count;
		now += step_ns;
		(i >= cfg->warmup ? fwb_op_tf_idle : fwb_warm_tf_idle)();
		if (H.tx_count != before)
			fwb_fail("toffee idle: fp_poll sent a frame");
	}
	check_no_exceptions("idle");
	fwb_report_ops("tf_idle", cfg->ops);
}

void fwb_toffee_run(const struct fwb_cfg *cfg, const struct fwb_rx_frames *rx,
		    uint32_t local_iss)
{
	step_ns = cfg->step_ns;
	fwb_host_init(&H, 64ull << 20);
	setup_regs(cfg);
	install_flows(cfg, local_iss);
	peer_nxt = FWB_PEER_ISN + 1;
	rx_phase(cfg, rx);
	tx_ack_phase(cfg);
	idle_phase(cfg);
	printf("FWB info flow_state_bytes %zu\n", sizeof(struct toffee_flow));
	printf("FWB info flow_capacity %u\n", fwb_rreg(&H, TOFFEE_REG_FLOW_CAP));
	printf("FWB info tf_unmeasured_frames %lu\n", unmeasured_frames);
	printf("FWB info tf_notifies %lu\n", H.notifies);
	printf("FWB info tf_cnt_rx_data_segs %llu\n",
	       (unsigned long long)fp_counter(fp, TOFFEE_CNT_RX_DATA_SEGS));
	printf("FWB info tf_cnt_tx_acks %llu\n",
	       (unsigned long long)fp_counter(fp, TOFFEE_CNT_TX_ACKS));
	printf("FWB info tf_cnt_rx_acks %llu\n",
	       (unsigned long long)fp_counter(fp, TOFFEE_CNT_RX_ACKS));
	printf("FWB info tf_cnt_tx_segs %llu\n",
	       (unsigned long long)fp_counter(fp, TOFFEE_CNT_TX_SEGS));
}
