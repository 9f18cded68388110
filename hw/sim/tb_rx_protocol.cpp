// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/rx_protocol.sv against the firmware itself. Every case
// is a flow state and a segment that passes P1..P9:
//   - the firmware (libfp.a behind tests/lib/fphost, flows installed with
//     the slow-path INSTALL command, then their state overwritten through
//     fp->flows[id] - test code only) runs fp_rx() on the frame;
//   - the RTL gets the same state and the frame's fields (parser record of
//     hw/sim/ref_parse.h), one case per cycle with random bubbles.
// Compared, per case: the new state byte for byte (except the scheduler's
// sched_next and FP_NF_QUEUED), the receive buffer (the RTL's deposit pieces
// applied to an image vs the firmware's memory), the context event, the
// ACK frame and its ECE bit (TX_ACKS), exception reason / flow / length,
// every counter delta (cnt_inc, rx_bytes_add; RX_FRAMES is the front end's,
// TX_ACKS the engine's), and kick: the scheduler's lists are emptied before
// each case, so the firmware queued the flow iff kick && fp_tx_pending().
// Cases: a directed list, then random ones (states around sequence-number
// wrap, window edges, the out-of-order interval, dupack chains that carry
// the firmware's state from case to case). Usage: tb [random cases] [seed].
// Exit 0 pass, 1 fail (first differing field printed), 77 skip.
#include <memory>
#include <deque>
#include "Vrx_protocol.h"
#include "tb_frames.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

static std::unique_ptr<Vrx_protocol> top;
static const unsigned LAT = 9;

static const uint8_t our_mac[6] = {2, 0, 0, 0, 0, 1};

// One flow of the harness.
struct tflow {
	uint32_t id;
	struct toffee_flow tmpl;     // as installed
};

// A segment to build.
struct seg {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;               // ACK always set by the generator
	uint8_t tos;
	unsigned opt;                // 0 none, 1 NOP NOP TS, 2 SACK + TS, 3 SACK only, 4 TS NOP NOP
	uint32_t tsval;
	unsigned plen;
};

struct rtl_in {
	uint32_t flow_id;
	uint8_t state[128];
	uint8_t flags;
	uint32_t seq, ack, tsval;
	uint16_t wnd, pay_off, pay_len, frame_len;
	bool ts_ok, ce, ev_ok;
	uint64_t now;
};

struct expect {
	size_t n;
	const char *what;
	rtl_in in;
	tb_frame frame;
	uint8_t state[128];
	int punt, drop;                       // reason or -1
	uint32_t exc_flow, exc_len;
	bool ev;
	struct toffee_ctx_ev evd;
	bool ack, ece;
	uint32_t dup_seq, dup_len;            // the ACK's D-SACK block (len 0: none)
	uint64_t cnt_delta[TOFFEE_CNT_COUNT];
	bool queued, pending;
	uint64_t rx_iova;
	uint32_t rx_size;
	std::vector<uint8_t> rxbuf;           // the firmware's buffer after the case
};

static struct fphost *fh;
static std::vector<tflow> flows;
static tb_rng *rng;

static tb_frame build_frame(const struct toffee_flow &t, const seg &s, std::vector<uint8_t> &pay)
{
	uint8_t opt[40];
	unsigned ol = 0;
	auto ts = [&](void) {
		opt[ol++] = 8; opt[ol++] = 10;
		for (int i = 3; i >= 0; i--) opt[ol++] = (uint8_t)(s.tsval >> (8 * i));
		for (int i = 0; i < 4; i++) opt[ol++] = (uint8_t)rng->below(256);
	};
	auto sack = [&](unsigned nb) {
		opt[ol++] = 5; opt[ol++] = (uint8_t)(2 + 8 * nb);
		for (unsigned i = 0; i < 8 * nb; i++) opt[ol++] = (uint8_t)rng->below(256);
	};
	switch (s.opt) {
	case 1: opt[ol++] = 1; opt[ol++] = 1; ts(); break;
	case 2: opt[ol++] = 1; opt[ol++] = 1; sack(1); ts(); opt[ol++] = 1; opt[ol++] = 1; break;
	case 3: opt[ol++] = 1; opt[ol++] = 1; sack(2); break;
	case 4: ts(); opt[ol++] = 1; opt[ol++] = 0; break;
	default: break;
	}
	unsigned thl = 20 + ol;
	unsigned ip_len = 20 + thl + s.plen;
	tb_frame f(14 + ip_len);
	memcpy(&f[0], our_mac, 6);
	memcpy(&f[6], t.remote_mac, 6);
	f[12] = 8; f[13] = 0;
	uint8_t *ip = &f[14];
	ip[0] = 0x45; ip[1] = s.tos;
	ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
	ip[4] = (uint8_t)rng->below(256); ip[5] = (uint8_t)rng->below(256);
	ip[6] = rng->chance(50) ? 0x40 : 0; ip[7] = 0;
	ip[8] = 64; ip[9] = 6;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(t.remote_ip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(t.local_ip >> (24 - 8 * i));
	}
	uint8_t *th = ip + 20;
	th[0] = (uint8_t)(t.remote_port >> 8); th[1] = (uint8_t)t.remote_port;
	th[2] = (uint8_t)(t.local_port >> 8); th[3] = (uint8_t)t.local_port;
	for (int i = 0; i < 4; i++) {
		th[4 + i] = (uint8_t)(s.seq >> (24 - 8 * i));
		th[8 + i] = (uint8_t)(s.ack >> (24 - 8 * i));
	}
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = s.flags;
	th[14] = (uint8_t)(s.wnd >> 8); th[15] = (uint8_t)s.wnd;
	memcpy(th + 20, opt, ol);
	pay.resize(s.plen);
	for (unsigned i = 0; i < s.plen; i++)
		pay[i] = (uint8_t)(1 + rng->below(255));      // never the buffer's fill (0)
	memcpy(th + thl, pay.data(), s.plen);
	tb_fix_csums(f);
	return f;
}

static uint32_t reg(uint32_t off) { return fphost_reg_rd(fh, off); }

// Run one case through the firmware and record what it did.
static expect run_fw(size_t n, const char *what, const tflow &tf, const struct toffee_flow &st, const seg &s,
		     bool ev_full, uint64_t now)
{
	expect e;
	memset(&e.in, 0, sizeof e.in);
	e.n = n;
	e.what = what;
	struct fp *fp = fh->fp;
	struct toffee_flow *f = &fp->flows[tf.id];
	// The state, with the scheduler's lists empty.
	*f = st;
	f->nic_flags = (uint8_t)((f->nic_flags | FP_NF_VALID) & ~FP_NF_QUEUED);
	f->sched_next = TOFFEE_FLOW_NONE;
	fp_fx_init(fp, tf.id);  // as INSTALL would: the firmware caches some fields (fx)
	for (const tflow &o : flows) {
		fp->flows[o.id].nic_flags &= (uint8_t)~FP_NF_QUEUED;
		fp->flows[o.id].sched_next = TOFFEE_FLOW_NONE;
	}
	fp->ready_head = fp->ready_tail = TOFFEE_FLOW_NONE;
	memcpy(e.in.state, f, 128);

	// The receive buffer: zeros (payload bytes are never 0).
	e.rx_iova = f->rx_buf_iova;
	e.rx_size = 1u << f->rx_buf_log2;
	memset(fphost_ptr(fh, e.rx_iova, e.rx_size), 0, e.rx_size);

	std::vector<uint8_t> pay;
	e.frame = build_frame(tf.tmpl, s, pay);
	ref_meta m;
	ref_parse(e.frame.data(), (uint32_t)e.frame.size(), &m);
	TB_CHECK(m.ip_csum_ok && m.tcp_csum_ok && m.opt_ok, "case %zu: bad frame", n);

	// The event ring: full (LOG2 = 0 disables it) or as it is.
	uint32_t ev_blk = ctx_reg(0, TOFFEE_CTX_EV);
	uint32_t log2 = reg(ev_blk + TOFFEE_Q_LOG2);
	if (ev_full)
		fphost_reg_wr(fh, ev_blk + TOFFEE_Q_LOG2, 0);
	uint32_t l2 = reg(ev_blk + TOFFEE_Q_LOG2);
	uint32_t tail = reg(ev_blk + TOFFEE_Q_TAIL), head = reg(db_reg(0, TOFFEE_DB_EV_HEAD));
	e.in.ev_ok = l2 != 0 && tail - head < (1u << l2);

	e.in.flow_id = tf.id;
	e.in.flags = (uint8_t)m.tcp_flags;
	e.in.seq = m.tcp_seq;
	e.in.ack = m.tcp_ack;
	e.in.wnd = (uint16_t)m.tcp_win;
	e.in.ts_ok = m.ts;
	e.in.tsval = m.ts_val;
	e.in.ce = (m.ip_tos & 3) == 3;
	e.in.pay_off = (uint16_t)m.pay_off;
	e.in.pay_len = (uint16_t)m.pay_len;
	e.in.frame_len = (uint16_t)(14 + m.ip_len);
	e.in.now = now;

	uint64_t before[TOFFEE_CNT_COUNT];
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) before[i] = fp_counter(fp, i);
	fh->now_ns = now;
	fphost_tx_clear(fh);
	fphost_rx(fh, e.frame.data(), (uint32_t)e.frame.size());
	if (ev_full)
		fphost_reg_wr(fh, ev_blk + TOFFEE_Q_LOG2, log2);

	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) e.cnt_delta[i] = fp_counter(fp, i) - before[i];
	memcpy(e.state, f, 128);
	e.queued = f->nic_flags & FP_NF_QUEUED;
	e.pending = fp_tx_pending(f);
	e.punt = e.drop = -1;
	struct toffee_sp_exc x;
	static uint8_t xf[TOFFEE_FRAME_SLOT];
	while (fphost_exc_next(fh, &x, xf) == 1) {
		TB_CHECK(e.punt < 0, "case %zu: two exceptions", n);
		e.punt = x.reason;
		e.exc_flow = x.flow_id;
		e.exc_len = x.frame_len;
	}
	for (unsigned d = 1; d < TOFFEE_DROP_COUNT; d++)
		if (e.cnt_delta[TOFFEE_CNT_DROP_BASE + d]) {
			TB_CHECK(e.drop < 0, "case %zu: two drops", n);
			e.drop = (int)d;
		}
	e.ev = false;
	struct toffee_ctx_ev ev;
	while (fphost_ctx_ev_next(fh, 0, &ev) == 1) {
		TB_CHECK(!e.ev, "case %zu: two events", n);
		e.ev = true;
		e.evd = ev;
	}
	TB_CHECK(fh->n_tx <= 1, "case %zu: %zu frames sent", n, fh->n_tx);
	e.ack = fh->n_tx == 1;
	e.ece = false;
	e.dup_seq = e.dup_len = 0;
	if (e.ack) {
		const uint8_t *a = fh->tx[0].data;
		TB_CHECK(fh->tx[0].len >= 54 && (a[47] & FP_TH_ACK), "case %zu: not an ACK", n);
		e.ece = a[47] & FP_TH_ECE;
		// A D-SACK block is the first SACK block; the interval of the
		// state after the case, if reported, is the last.
		const struct toffee_flow *sa = (const struct toffee_flow *)e.state;
		uint32_t thl = (uint32_t)(a[46] >> 4) * 4;
		uint32_t ooo_blk = (sa->flags & TOFFEE_FLOWF_SACK) && sa->ooo_len ? 1 : 0;
		for (uint32_t i = 20; i + 1 < thl;) {
			if (a[34 + i] == 1) { i++; continue; }
			if (a[34 + i] == 5 && a[35 + i] >= 10 && (a[35 + i] - 2u) / 8 > ooo_blk) {
				e.dup_seq = rd32(a + 36 + i);
				e.dup_len = rd32(a + 40 + i) - e.dup_seq;
			}
			if (a[35 + i] < 2) break;
			i += a[35 + i];
		}
	}
	fphost_tx_clear(fh);
	const uint8_t *b = (const uint8_t *)fphost_ptr(fh, e.rx_iova, e.rx_size);
	e.rxbuf.assign(b, b + e.rx_size);
	return e;
}

// Coverage of the interesting behaviours (from the firmware's view).
enum {
	COV_INORDER, COV_PURE_FREED, COV_DUPACK, COV_FASTRX, COV_DUP_PAST3, COV_DUP_SAT, COV_WINUPD,
	COV_WSCALE, COV_OLD, COV_TRIM_FRONT, COV_TRIM_TAIL, COV_OOO_NEW, COV_OOO_EXTEND, COV_OOO_MERGE,
	COV_OOO_REJECT, COV_FIN_ONLY, COV_FIN_DATA, COV_FIN_AFTER_MERGE, COV_P10, COV_P11, COV_P12,
	COV_CTX_FULL, COV_ECE_ACK, COV_ECN_ACKED, COV_TS_NEW, COV_TS_OLD, COV_SEQ_WRAP, COV_BUF_WRAP,
	COV_RTT, COV_KICK_SEEN, COV_OOO_FIN_DROP, COV_DSACK, COV_P10_OLD, COV_COUNT
};
static const char *cov_name[COV_COUNT] = {
	"in-order data", "pure ACK freeing", "dupack", "fast rexmit (3rd dupack)", "dupacks past 3",
	"dupacks saturated", "window update", "window scale", "old data", "front trim", "tail trim",
	"OOO new interval", "OOO extend", "OOO merge", "OOO reject", "FIN alone", "FIN with data",
	"FIN after merge", "P10", "P11", "P12", "CTX_FULL", "ACK with ECE", "ECN-acked bytes",
	"ts_recent updated", "ts_recent kept", "sequence wrap", "buffer wrap", "RTT sample",
	"kick observed", "OOO FIN dropped", "D-SACK block", "P10: ACK too old (RFC 5961)"};
static uint64_t cov[COV_COUNT];

static void coverage(const expect &e, unsigned dep_len1, unsigned dep_len, unsigned dep_off)
{
	const struct toffee_flow *b = (const struct toffee_flow *)e.in.state;
	const struct toffee_flow *a = (const struct toffee_flow *)e.state;
	const uint64_t *d = e.cnt_delta;
	bool fin = e.in.flags & FP_TH_FIN;
	if (d[TOFFEE_CNT_RX_DATA_SEGS] && a->rcv_nxt != b->rcv_nxt) cov[COV_INORDER]++;
	if (e.ev && e.evd.tx_freed && !e.evd.rx_bytes && !e.in.pay_len && !fin) cov[COV_PURE_FREED]++;
	if (d[TOFFEE_CNT_RX_DUPACKS]) cov[COV_DUPACK]++;
	if (d[TOFFEE_CNT_FAST_REXMITS]) cov[COV_FASTRX]++;
	if (d[TOFFEE_CNT_RX_DUPACKS] && a->dupacks > 3 && a->dupacks < 255) cov[COV_DUP_PAST3]++;
	if (d[TOFFEE_CNT_RX_DUPACKS] && b->dupacks == 255) cov[COV_DUP_SAT]++;
	if (a->snd_wnd != b->snd_wnd && a->snd_una == b->snd_una) cov[COV_WINUPD]++;
	if (b->snd_wscale && a->snd_una != b->snd_una) cov[COV_WSCALE]++;
	if (e.drop == TOFFEE_DROP_OLD_DATA) cov[COV_OLD]++;
	if (dep_len && dep_off > e.in.pay_off) cov[COV_TRIM_FRONT]++;
	if (dep_len && dep_off == e.in.pay_off && dep_len < e.in.pay_len) cov[COV_TRIM_TAIL]++;
	if (!b->ooo_len && a->ooo_len) cov[COV_OOO_NEW]++;
	if (b->ooo_len && a->ooo_len > b->ooo_len) cov[COV_OOO_EXTEND]++;
	if (b->ooo_len && !a->ooo_len && a->rcv_nxt - b->rcv_nxt > e.in.pay_len) cov[COV_OOO_MERGE]++;
	if (e.drop == TOFFEE_DROP_OOO && e.in.pay_len) cov[COV_OOO_REJECT]++;
	if (e.drop == TOFFEE_DROP_OOO && !e.in.pay_len) cov[COV_OOO_FIN_DROP]++;
	if (e.punt == TOFFEE_EXC_FIN && !e.evd.rx_bytes) cov[COV_FIN_ONLY]++;
	if (e.punt == TOFFEE_EXC_FIN && e.evd.rx_bytes) cov[COV_FIN_DATA]++;
	if (fin && b->ooo_len && !a->ooo_len && e.punt < 0 && a->rcv_nxt != b->rcv_nxt) cov[COV_FIN_AFTER_MERGE]++;
	if (e.punt == TOFFEE_EXC_ACK_UNACCEPTABLE) cov[COV_P10]++;
	if (e.punt == TOFFEE_EXC_ACK_UNACCEPTABLE && !seq_gt(e.in.ack, b->snd_max)) cov[COV_P10_OLD]++;
	if (e.punt == TOFFEE_EXC_OUT_OF_WINDOW) cov[COV_P11]++;
	if (e.punt == TOFFEE_EXC_ZERO_WINDOW) cov[COV_P12]++;
	if (e.drop == TOFFEE_DROP_CTX_FULL) cov[COV_CTX_FULL]++;
	if (e.ece) cov[COV_ECE_ACK]++;
	if (e.dup_len) cov[COV_DSACK]++;
	if (a->fb_ecn_acked != b->fb_ecn_acked) cov[COV_ECN_ACKED]++;
	if (e.in.ts_ok && a->ts_recent != b->ts_recent) cov[COV_TS_NEW]++;
	if (e.in.ts_ok && e.drop < 0 && e.punt < 0 && a->ts_recent == b->ts_recent && e.in.tsval != b->ts_recent)
		cov[COV_TS_OLD]++;
	if (a->rcv_nxt < b->rcv_nxt && a->rcv_nxt != b->rcv_nxt) cov[COV_SEQ_WRAP]++;
	if (dep_len1) cov[COV_BUF_WRAP]++;
	if (a->fb_rtt_us != b->fb_rtt_us || ((b->nic_flags & FP_NF_RTT) && !(a->nic_flags & FP_NF_RTT) &&
					     a->snd_una != b->snd_una)) cov[COV_RTT]++;
	if (e.queued) cov[COV_KICK_SEEN]++;
}

static void drive(const rtl_in &in, bool valid)
{
	top->in_valid = valid;
	top->in_flow_id = in.flow_id;
	tb_put(top->in_state, in.state, 128);
	top->in_flags = in.flags;
	top->in_seq = in.seq;
	top->in_ack = in.ack;
	top->in_wnd = in.wnd;
	top->in_ts_ok = in.ts_ok;
	top->in_tsval = in.tsval;
	top->in_ce = in.ce;
	top->in_pay_off = in.pay_off;
	top->in_pay_len = in.pay_len;
	top->in_frame_len = in.frame_len;
	top->in_ev_ok = in.ev_ok;
	top->now_ns = in.now;
}

static const char *fieldname(unsigned byte)
{
	static const struct { unsigned off, len; const char *name; } fl[] = {
		{0, 4, "local_ip"}, {4, 4, "remote_ip"}, {8, 2, "local_port"}, {10, 2, "remote_port"},
		{12, 6, "remote_mac"}, {18, 2, "ctx_id"}, {20, 2, "flags"}, {22, 2, "mss"},
		{24, 1, "snd_wscale"}, {25, 1, "rcv_wscale"}, {26, 1, "rx_buf_log2"}, {27, 1, "tx_buf_log2"},
		{28, 1, "dupacks"}, {29, 1, "nic_flags"}, {30, 2, "fb_fast_rexmits"}, {32, 8, "rx_buf_iova"},
		{40, 8, "tx_buf_iova"}, {48, 4, "rcv_nxt"}, {52, 4, "rx_avail"}, {56, 4, "ooo_start"},
		{60, 4, "ooo_len"}, {64, 4, "ts_recent"}, {68, 4, "snd_una"}, {72, 4, "snd_nxt"},
		{76, 4, "snd_max"}, {80, 4, "tx_end"}, {84, 4, "snd_wnd"}, {88, 4, "cwnd"},
		{92, 4, "ps_per_byte"}, {96, 8, "tb_time"}, {104, 4, "rtt_seq"}, {108, 4, "rtt_start"},
		{112, 4, "fb_acked"}, {116, 4, "fb_ecn_acked"}, {120, 4, "fb_rtt_us"}, {124, 4, "sched_next"}};
	for (auto &x : fl)
		if (byte >= x.off && byte < x.off + x.len) return x.name;
	return "?";
}

static void dump_case(const expect &e)
{
	const struct toffee_flow *s = (const struct toffee_flow *)e.in.state;
	fprintf(stderr, "case %zu (%s): flow %u flags 0x%02x seq 0x%08x ack 0x%08x wnd %u ts %d/0x%08x ce %d "
		"pay_off %u pay_len %u ev_ok %d now 0x%llx\n", e.n, e.what, e.in.flow_id, e.in.flags, e.in.seq,
		e.in.ack, e.in.wnd, e.in.ts_ok, e.in.tsval, e.in.ce, e.in.pay_off, e.in.pay_len, e.in.ev_ok,
		(unsigned long long)e.in.now);
	fprintf(stderr, "  state: flags 0x%x wscale %u rx_log2 %u dupacks %u nic 0x%x rcv_nxt 0x%08x rx_avail %u "
		"ooo 0x%08x+%u ts_recent 0x%08x una 0x%08x nxt 0x%08x max 0x%08x tx_end 0x%08x snd_wnd %u "
		"rtt_seq 0x%08x rtt_start 0x%08x\n", s->flags, s->snd_wscale, s->rx_buf_log2, s->dupacks,
		s->nic_flags, s->rcv_nxt, s->rx_avail, s->ooo_start, s->ooo_len, s->ts_recent, s->snd_una,
		s->snd_nxt, s->snd_max, s->tx_end, s->snd_wnd, s->rtt_seq, s->rtt_start);
	fprintf(stderr, "  firmware: punt %d drop %d ev %d (%u, %u, %u) ack %d ece %d queued %d\n", e.punt, e.drop,
		e.ev, e.ev ? e.evd.rx_bytes : 0, e.ev ? e.evd.tx_freed : 0, e.ev ? e.evd.flags : 0, e.ack, e.ece,
		e.queued);
}

#define MISMATCH(e, ...) do { dump_case(e); TB_FAIL(__VA_ARGS__); } while (0)

static uint64_t n_checked, n_kick_obs;

// Compare the RTL's outputs (now on the ports) with the firmware's record.
static void check(const expect &e)
{
	const size_t n = e.n;
	// Deposit pieces -> image.
	std::vector<uint8_t> img(e.rx_size, 0);
	unsigned dlen = 0, dlen1 = 0, doff = 0;
	if (top->dep_valid) {
		uint64_t i0 = top->dep_iova0, i1 = top->dep_iova1;
		unsigned l0 = top->dep_len0, l1 = top->dep_len1;
		doff = top->dep_off;
		dlen = l0 + l1;
		dlen1 = l1;
		if (i0 < e.rx_iova || i0 + l0 > e.rx_iova + e.rx_size || (l1 && i1 != e.rx_iova) || l1 > e.rx_size ||
		    doff + dlen > e.frame.size())
			MISMATCH(e, "case %zu: deposit out of range: off %u iova0 0x%llx len0 %u iova1 0x%llx len1 %u",
				 n, doff, (unsigned long long)i0, l0, (unsigned long long)i1, l1);
		memcpy(&img[i0 - e.rx_iova], &e.frame[doff], l0);
		memcpy(&img[i1 - e.rx_iova], &e.frame[doff + l0], l1);
	}
	for (uint32_t i = 0; i < e.rx_size; i++)
		if (img[i] != e.rxbuf[i])
			MISMATCH(e, "case %zu: receive buffer byte %u: RTL 0x%02x firmware 0x%02x (RTL deposit %s "
				 "off %u len0 %u len1 %u)", n, i, img[i], e.rxbuf[i], top->dep_valid ? "yes" : "no",
				 doff, (unsigned)top->dep_len0, (unsigned)top->dep_len1);
	// State.
	uint8_t st[128];
	tb_get(top->out_state, st, 128);
	for (unsigned i = 0; i < 124; i++) {
		uint8_t mask = i == 29 ? (uint8_t)~FP_NF_QUEUED : 0xff;
		if ((st[i] ^ e.state[i]) & mask)
			MISMATCH(e, "case %zu: state byte %u (%s): RTL 0x%02x firmware 0x%02x (before 0x%02x)", n, i,
				 fieldname(i), st[i], e.state[i], e.in.state[i]);
	}
	if (top->out_flow_id != e.in.flow_id)
		MISMATCH(e, "case %zu: out_flow_id %u", n, (unsigned)top->out_flow_id);
	// Verdicts.
	int rp = top->punt ? (int)top->punt_reason : -1, rd = top->drop ? (int)top->drop_reason : -1;
	if (rp != e.punt)
		MISMATCH(e, "case %zu: punt: RTL %d firmware %d", n, rp, e.punt);
	if (rp >= 0 && (e.exc_flow != e.in.flow_id || e.exc_len != e.in.frame_len))
		MISMATCH(e, "case %zu: exception flow %u len %u vs frame_len %u", n, e.exc_flow, e.exc_len,
			 e.in.frame_len);
	if (rd != e.drop)
		MISMATCH(e, "case %zu: drop: RTL %d firmware %d", n, rd, e.drop);
	// Event.
	if ((bool)top->ev_valid != e.ev)
		MISMATCH(e, "case %zu: event: RTL %d firmware %d", n, top->ev_valid, e.ev);
	if (e.ev && (e.evd.flow_id != e.in.flow_id || e.evd.rx_bytes != top->ev_rx_bytes ||
		     e.evd.tx_freed != top->ev_tx_freed || e.evd.flags != top->ev_flags))
		MISMATCH(e, "case %zu: event fields: RTL (%u, %u, 0x%x) firmware flow %u (%u, %u, 0x%x)", n,
			 (unsigned)top->ev_rx_bytes, (unsigned)top->ev_tx_freed, (unsigned)top->ev_flags,
			 e.evd.flow_id, e.evd.rx_bytes, e.evd.tx_freed, e.evd.flags);
	// ACK.
	if ((bool)top->ack_valid != e.ack)
		MISMATCH(e, "case %zu: ack_valid: RTL %d firmware %d", n, top->ack_valid, e.ack);
	if (e.ack && (bool)top->ack_ece != e.ece)
		MISMATCH(e, "case %zu: ack_ece: RTL %d firmware %d", n, top->ack_ece, e.ece);
	if (e.ack && (top->ack_dup_len != e.dup_len || (e.dup_len && top->ack_dup_seq != e.dup_seq)))
		MISMATCH(e, "case %zu: D-SACK block: RTL 0x%08x+%u firmware 0x%08x+%u", n, (unsigned)top->ack_dup_seq,
			 (unsigned)top->ack_dup_len, e.dup_seq, e.dup_len);
	// Counters.
	uint64_t ci = top->cnt_inc;
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
		uint64_t want;
		bool rtl_bit = (ci >> i) & 1;
		if (i == TOFFEE_CNT_RX_FRAMES) {
			TB_CHECK(e.cnt_delta[i] == 1, "case %zu: RX_FRAMES", n);
			want = 0;
		} else if (i == TOFFEE_CNT_TX_ACKS) {
			if (e.cnt_delta[i] != (uint64_t)e.ack)
				MISMATCH(e, "case %zu: TX_ACKS delta %llu", n, (unsigned long long)e.cnt_delta[i]);
			want = 0;
		} else if (i == TOFFEE_CNT_RX_BYTES) {
			if (e.cnt_delta[i] != top->rx_bytes_add)
				MISMATCH(e, "case %zu: RX_BYTES: RTL %u firmware %llu", n, (unsigned)top->rx_bytes_add,
					 (unsigned long long)e.cnt_delta[i]);
			want = 0;
		} else {
			want = e.cnt_delta[i];
		}
		if (want > 1 || rtl_bit != (want == 1))
			MISMATCH(e, "case %zu: counter %u: RTL %d firmware +%llu", n, i, rtl_bit,
				 (unsigned long long)want);
	}
	// Kick: with the lists empty, the firmware queued the flow iff
	// fp_sched_kick() was called and the flow had something to send.
	if (e.queued != ((bool)top->kick && e.pending))
		MISMATCH(e, "case %zu: kick: RTL %d, firmware queued %d (pending %d)", n, top->kick, e.queued,
			 e.pending);
	n_kick_obs += e.pending;
	coverage(e, dlen1, dlen, doff);
	n_checked++;
}

// ---------------------------------------------------------------------------
// Case generation
// ---------------------------------------------------------------------------
static uint32_t rnd32() { return (uint32_t)rng->next(); }
static uint32_t pick(std::initializer_list<uint32_t> l)
{
	uint32_t i = rng->below((uint32_t)l.size());
	return *(l.begin() + i);
}

// A random state for flow tf (sp fields as installed).
static struct toffee_flow rand_state(const tflow &tf)
{
	tb_rng &r = *rng;
	struct toffee_flow s = tf.tmpl;
	uint32_t size = 1u << s.rx_buf_log2;
	s.flags = (uint16_t)((r.chance(50) ? TOFFEE_FLOWF_TS : 0) | (r.chance(50) ? TOFFEE_FLOWF_ECN : 0) |
			     (r.chance(10) ? TOFFEE_FLOWF_TX_FIN : 0) | (r.chance(5) ? TOFFEE_FLOWF_FIN_RCVD : 0) |
			     (r.chance(5) ? TOFFEE_FLOWF_FIN_SENT : 0) | (r.chance(50) ? TOFFEE_FLOWF_SACK : 0));
	s.snd_wscale = (uint8_t)(r.chance(50) ? 0 : r.below(15));
	s.rcv_wscale = (uint8_t)r.below(15);
	s.dupacks = (uint8_t)pick({0, 0, 0, 1, 2, 2, 3, 4, 254, 255, r.below(256)});
	s.nic_flags = (uint8_t)(FP_NF_VALID | (r.chance(50) ? FP_NF_RTT : 0) | (r.chance(20) ? 0x80 : 0));
	s.fb_fast_rexmits = (uint16_t)pick({0, 1, 0xffff, r.below(65536)});
	s.rcv_nxt = r.chance(15) ? 0xffffffffu - r.below(4000) : r.chance(5) ? 0x7fffffffu - r.below(4000) : rnd32();
	unsigned k = r.below(100);
	s.rx_avail = k < 8 ? 0 : k < 40 ? r.below(4000) : k < 80 ? r.below(size + 1) : k < 95 ? size
		   : k < 98 ? r.below(1u << 24) : rnd32();
	if (r.chance(40)) {
		s.ooo_start = s.rcv_nxt + 1 + r.below(r.chance(70) ? 3000 : 70000);
		s.ooo_len = 1 + r.below(r.chance(80) ? 3000 : 60000);
	} else {
		s.ooo_len = 0;
		s.ooo_start = r.chance(50) ? rnd32() : 0;
	}
	s.ts_recent = rnd32();
	s.snd_una = r.chance(15) ? 0xffffffffu - r.below(100000) : rnd32();
	uint32_t out = r.chance(20) ? 0 : r.below(r.chance(50) ? 10000 : 200000);
	s.snd_max = s.snd_una + out;
	s.snd_nxt = s.snd_una + (out ? r.below(out + 1) : 0);
	s.tx_end = r.chance(15) ? s.snd_max - (out ? 1 : 0) : s.snd_max + r.below(r.chance(30) ? 1 : 100000);
	s.snd_wnd = r.chance(50) ? r.below(65536) << s.snd_wscale : rnd32();
	s.rtt_seq = s.snd_una + r.below(out + 2000) - 1000;
	s.rtt_start = rnd32();
	// Half-space edges (states the slow path would not install).
	auto edge = [&](uint32_t base) { return base + 0x80000000u + r.below(200000) - 100000; };
	if (r.chance(5)) s.tx_end = edge(s.snd_una);
	if (r.chance(5)) s.rtt_seq = edge(s.snd_una);
	if (r.chance(5)) { s.ooo_start = edge(s.rcv_nxt); s.ooo_len = 1 + r.below(200000); }
	if (r.chance(3)) s.snd_max = edge(s.snd_una);
	s.fb_acked = r.chance(20) ? 0xffffffffu - r.below(100000) : rnd32();
	s.fb_ecn_acked = r.chance(20) ? 0xffffffffu - r.below(100000) : rnd32();
	s.fb_rtt_us = rnd32();
	s.tb_time = rng->next();
	return s;
}

// A segment for state s.
static seg rand_seg(const struct toffee_flow &s)
{
	tb_rng &r = *rng;
	seg g;
	memset(&g, 0, sizeof g);
	g.plen = r.chance(30) ? 0 : r.chance(30) ? 1 + r.below(64) : 1 + r.below(1400);
	bool fin = r.chance(15);
	uint32_t oend = s.ooo_start + s.ooo_len;
	unsigned k = r.below(100);
	if (k < 35)
		g.seq = s.rcv_nxt;
	else if (k < 45)                                    // entirely old, or on the boundary
		g.seq = s.rcv_nxt - g.plen - fin - (r.chance(30) ? 0 : r.below(3000));
	else if (k < 55)                                    // overlapping the front
		g.seq = s.rcv_nxt - 1 - r.below(g.plen + 1);
	else if (k < 70 && s.ooo_len) {                     // around the interval
		switch (r.below(6)) {
		case 0: g.seq = s.ooo_start - g.plen; break;
		case 1: g.seq = oend; break;
		case 2: g.seq = oend + 1; break;
		case 3: g.seq = s.ooo_start - g.plen - 1; break;
		case 4: g.seq = s.ooo_start + r.below(s.ooo_len); break;
		default: g.seq = s.ooo_start - r.below(g.plen + 1); break;
		}
	} else if (k < 70) {
		g.seq = s.rcv_nxt + 1 + r.below(3000);
	} else if (k < 82) {                                // the window's right edge
		uint32_t we = s.rcv_nxt + s.rx_avail;
		g.seq = we - r.below(g.plen + 2) + r.below(2);
	} else if (k < 90) {
		g.seq = s.rcv_nxt + r.below(s.rx_avail + 2);
	} else if (k < 95) {                                // in order into the interval
		g.seq = s.rcv_nxt;
		if (s.ooo_len)
			g.plen = (s.ooo_start - s.rcv_nxt) + r.below(s.ooo_len + 200) - r.below(100);
		if (g.plen > 1400) g.plen = r.below(1400);
	} else if (k < 97) {                                // half-space edge
		g.seq = s.rcv_nxt + 0x80000000u + r.below(4000) - 2000;
	} else {
		g.seq = rnd32();
	}
	k = r.below(100);
	uint32_t out = s.snd_max - s.snd_una;
	if (k < 40) g.ack = s.snd_una;
	else if (k < 70) g.ack = s.snd_una + 1 + r.below(out ? out : 1);
	else if (k < 78) g.ack = s.snd_max;
	else if (k < 84) g.ack = s.snd_max + 1 + r.below(r.chance(50) ? 3 : 100000);
	else if (k < 90) g.ack = s.tx_end + r.below(3) - 1;
	else if (k < 92) g.ack = s.snd_una - 1 - r.below(100000);
	else if (k < 94) g.ack = s.snd_una - (1u << (16 + (s.snd_wscale & 15))) + r.below(5) - 2;   // RFC 5961 bound
	else if (k < 97) g.ack = s.snd_una + 0x80000000u + r.below(200000) - 100000;   // half-space edge
	else g.ack = rnd32();
	if (r.chance(50)) {
		g.wnd = (uint16_t)(s.snd_wnd >> s.snd_wscale);     // equal if representable
	} else {
		g.wnd = (uint16_t)r.below(65536);
	}
	g.flags = (uint8_t)(FP_TH_ACK | (fin ? FP_TH_FIN : 0) | (r.chance(30) ? FP_TH_ECE : 0) |
			    (r.chance(40) ? FP_TH_PSH : 0) | (r.chance(10) ? 0x80 : 0) | (r.chance(5) ? 0x20 : 0));
	g.tos = (uint8_t)(r.below(4) | (r.below(64) << 2));
	unsigned o = r.below(100);
	g.opt = o < 35 ? 0 : o < 80 ? 1 : o < 88 ? 2 : o < 94 ? 3 : 4;
	g.tsval = r.chance(45) ? s.ts_recent + r.below(2000) - 1000
		: r.chance(10) ? s.ts_recent + 0x80000000u + r.below(4) - 2 : rnd32();
	return g;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nrand = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);
	rng = &r;

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = 64;
	cfg.n_ctx = 1;
	memcpy(cfg.mac, our_mac, 6);
	fh = fphost_create(&cfg);
	if (!fh) {
		fprintf(stderr, "fphost_create failed\n");
		return 77;
	}
	// Flows with receive buffers of 4 KiB (frequent wraps), 8 KiB, 64 KiB.
	static const uint32_t logs[] = {12, 13, 16};
	for (unsigned i = 0; i < 3; i++) {
		tflow tf;
		memset(&tf, 0, sizeof tf);
		tf.id = 5 + 7 * i;
		struct toffee_flow &fl = tf.tmpl;
		fl.local_ip = 0x0a4d0001u;
		fl.remote_ip = 0x0a4d0002u + i;
		fl.local_port = 7000;
		fl.remote_port = (uint16_t)(40000 + i);
		const uint8_t rmac[6] = {2, 0, 0, 0, 0, (uint8_t)(0x10 + i)};
		memcpy(fl.remote_mac, rmac, 6);
		fl.mss = 1448;
		fl.flags = TOFFEE_FLOWF_TS;
		fl.rcv_nxt = 1000;
		fphost_flow_bufs(fh, &fl, logs[i], 12);
		fl.rx_avail = 1u << logs[i];
		TB_CHECK(fphost_flow_install(fh, tf.id, &fl) == 0, "install flow %u", tf.id);
		tf.tmpl = *fp_flow(fh->fp, tf.id);
		flows.push_back(tf);
	}

	top = std::make_unique<Vrx_protocol>();
	uint64_t tick_no = 0;
	auto tick = [&] { top->clk = 1; top->eval(); top->clk = 0; top->eval(); tick_no++; };
	top->rst = 1;
	tick();
	tick();
	top->rst = 0;

	std::vector<expect> batch;
	std::deque<std::pair<uint64_t, size_t>> inflight;   // (tick it was fed, index in batch)
	size_t n = 0;
	rtl_in idle;
	memset(&idle, 0, sizeof idle);

	auto run_batch = [&] {
		size_t next = 0;
		inflight.clear();
		while (next < batch.size() || !inflight.empty()) {
			bool feed = next < batch.size() && !r.chance(15);
			if (feed) {
				drive(batch[next].in, true);
				inflight.emplace_back(tick_no, next);
				next++;
			} else {
				idle.state[0] = (uint8_t)r.below(256);
				drive(idle, false);
			}
			tick();
			if (top->out_valid) {
				TB_CHECK(!inflight.empty(), "out_valid without a case in flight");
				uint64_t t = inflight.front().first;
				size_t i = inflight.front().second;
				inflight.pop_front();
				if (tick_no - t != LAT)
					TB_FAIL("case %zu: out_valid %llu cycles after in_valid, LATENCY %u", batch[i].n,
						(unsigned long long)(tick_no - t), LAT);
				check(batch[i]);
			} else {
				TB_CHECK(inflight.empty() || tick_no - inflight.front().first < LAT,
					 "case %zu: no out_valid after %u cycles", batch[inflight.front().second].n, LAT);
				TB_CHECK(!top->drop && !top->punt && !top->dep_valid && !top->ev_valid && !top->ack_valid &&
					 !top->kick && !top->cnt_inc, "actions without out_valid");
			}
		}
		batch.clear();
	};
	auto add = [&](const char *what, const tflow &tf, const struct toffee_flow &st, const seg &s, bool ev_full,
		       uint64_t now) {
		batch.push_back(run_fw(n++, what, tf, st, s, ev_full, now));
		struct toffee_flow after;
		memcpy(&after, batch.back().state, sizeof after);
		if (batch.size() == 48)
			run_batch();
		return after;
	};
	auto base_seg = [&](const struct toffee_flow &st) {
		seg g;
		memset(&g, 0, sizeof g);
		g.seq = st.rcv_nxt;
		g.ack = st.snd_una;
		g.wnd = (uint16_t)(st.snd_wnd >> st.snd_wscale);
		g.flags = FP_TH_ACK;
		g.opt = 1;
		g.tsval = st.ts_recent + 1;
		return g;
	};
	auto base_state = [&](const tflow &tf) {
		struct toffee_flow s = tf.tmpl;
		s.rcv_nxt = 0xfffff000u;
		s.rx_avail = 1u << s.rx_buf_log2;
		s.ooo_start = s.ooo_len = 0;
		s.snd_una = 0x10000u; s.snd_nxt = s.snd_max = 0x18000u; s.tx_end = 0x20000u;
		s.snd_wnd = 65535; s.snd_wscale = 0; s.dupacks = 0;
		s.ts_recent = 0x1000;
		s.flags = TOFFEE_FLOWF_TS | TOFFEE_FLOWF_ECN;
		return s;
	};
	const uint64_t now0 = 0x123456789abcull;

	// ---- directed cases ------------------------------------------------------
	{
		const tflow &tf = flows[0];
		struct toffee_flow s = base_state(tf);
		seg g = base_seg(s);
		g.plen = 100;
		add("in order", tf, s, g, false, now0);
		g.plen = 0; g.ack = s.snd_una + 500;
		add("pure new ACK", tf, s, g, false, now0);
		// Duplicate ACKs 1..5 on the same state chain, then saturation.
		struct toffee_flow d = s;
		for (int i = 0; i < 5; i++) {
			g = base_seg(d);
			d = add("dup ACK chain", tf, d, g, false, now0);
		}
		d.dupacks = 255;
		add("dup ACK saturated", tf, d, base_seg(d), false, now0);
		g = base_seg(s); g.wnd = 1000;
		add("window update", tf, s, g, false, now0);
		struct toffee_flow w = s; w.snd_wscale = 7; w.snd_wnd = 512 << 7;
		g = base_seg(w); g.ack = w.snd_una + 10; g.wnd = 300;
		add("window scale", tf, w, g, false, now0);
		g = base_seg(s); g.seq = s.rcv_nxt - 200; g.plen = 100;
		add("old data", tf, s, g, false, now0);
		g.plen = 200; g.flags |= FP_TH_FIN; g.seq = s.rcv_nxt - 201;
		add("old data + FIN on the boundary", tf, s, g, false, now0);
		g = base_seg(s); g.seq = s.rcv_nxt - 50; g.plen = 120;
		add("front overlap", tf, s, g, false, now0);
		struct toffee_flow sw = s; sw.rx_avail = 80;
		g = base_seg(sw); g.plen = 200; g.flags |= FP_TH_FIN;
		add("tail beyond the window (FIN cut)", tf, sw, g, false, now0);
		sw.rx_avail = 0; g.flags = FP_TH_ACK;
		add("zero window probe (P12)", tf, sw, g, false, now0);
		g = base_seg(s); g.seq = s.rcv_nxt + s.rx_avail; g.plen = 10;
		add("beyond the window (P11)", tf, s, g, false, now0);
		g.plen = 0;
		add("pure ACK on the right edge", tf, s, g, false, now0);
		g = base_seg(s); g.ack = s.snd_max + 1;
		add("ACK of unsent data (P10)", tf, s, g, false, now0);
		for (uint8_t ws : {0, 7, 14}) {                     // RFC 5961 §5: the bound, either side
			struct toffee_flow w = s;
			w.snd_wscale = ws;
			g = base_seg(w); g.ack = w.snd_una - (1u << (16 + ws));
			add("ACK 2^(16 + wscale) before snd_una (P10)", tf, w, g, false, now0);
			g.ack++;
			add("ACK just inside the RFC 5961 bound", tf, w, g, false, now0);
		}
		g = base_seg(s); g.plen = 10;
		add("event ring full", tf, s, g, true, now0);
		// OOO: new, extend left, extend right, reject, merge, FIN after OOO.
		struct toffee_flow o = s;
		g = base_seg(o); g.seq = o.rcv_nxt + 1000; g.plen = 500;
		o = add("OOO new", tf, o, g, false, now0);
		g = base_seg(o); g.seq = o.rcv_nxt + 800; g.plen = 200;
		o = add("OOO extend left", tf, o, g, false, now0);
		g = base_seg(o); g.seq = o.ooo_start + o.ooo_len; g.plen = 300;
		o = add("OOO extend right", tf, o, g, false, now0);
		g = base_seg(o); g.seq = o.ooo_start + o.ooo_len + 1; g.plen = 300;
		add("OOO reject", tf, o, g, false, now0);
		g = base_seg(o); g.plen = 900; g.flags |= FP_TH_FIN;
		add("in order reaching the interval, FIN", tf, o, g, false, now0);
		g = base_seg(o); g.plen = 800; g.flags |= FP_TH_FIN;
		add("in order just touching the interval, FIN", tf, o, g, false, now0);
		g = base_seg(s); g.flags |= FP_TH_FIN;
		add("FIN alone", tf, s, g, false, now0);
		g.plen = 333;
		add("FIN with data", tf, s, g, false, now0);
		g = base_seg(s); g.plen = 40; g.tos = 3; g.flags |= FP_TH_ECE; g.ack = s.snd_una + 100;
		add("CE and ECE", tf, s, g, false, now0);
		g = base_seg(s); g.plen = 40; g.tsval = s.ts_recent - 5;
		add("old timestamp", tf, s, g, false, now0);
		struct toffee_flow rt = s; rt.nic_flags |= FP_NF_RTT; rt.rtt_seq = s.snd_una + 100;
		rt.rtt_start = (uint32_t)now0 - 123456789u;
		g = base_seg(rt); g.ack = rt.snd_una + 200;
		add("RTT sample", tf, rt, g, false, now0);
		// Receive buffer wrap with a sequence wrap.
		const tflow &t2 = flows[0];
		struct toffee_flow bw = base_state(t2);
		bw.rcv_nxt = 0xffffffffu - 100;
		g = base_seg(bw); g.plen = 1000;
		add("buffer and sequence wrap", t2, bw, g, false, now0);
	}
	run_batch();
	size_t n_directed = n;

	// ---- random cases ----------------------------------------------------------
	struct toffee_flow chain[3];
	bool have_chain[3] = {false, false, false};
	for (unsigned i = 0; i < nrand; i++) {
		unsigned fi = r.below(3);
		const tflow &tf = flows[fi];
		struct toffee_flow s = have_chain[fi] && r.chance(40) ? chain[fi] : rand_state(tf);
		seg g = rand_seg(s);
		if (r.chance(10)) {                             // a duplicate-ACK candidate
			g.ack = s.snd_una;
			g.wnd = (uint16_t)(s.snd_wnd >> s.snd_wscale);
			s.snd_wnd = (uint32_t)g.wnd << s.snd_wscale;
			if (r.chance(70)) { g.plen = 0; g.flags &= (uint8_t)~FP_TH_FIN; g.seq = s.rcv_nxt; }
		}
		if (r.chance(8)) s.rtt_seq = g.ack;             // RTT sample boundary
		if (r.chance(5)) g.tsval = s.ts_recent;
		bool full = r.chance(6);
		uint64_t now = r.chance(50) ? rng->next() : now0 + r.below(1u << 30);
		chain[fi] = add("random", tf, s, g, full, now);
		have_chain[fi] = true;
	}
	run_batch();
	TB_CHECK(n_checked == n, "%llu of %zu cases checked", (unsigned long long)n_checked, n);

	printf("rx_protocol: %zu cases (%zu directed, %u random), every output identical to fp_rx(); "
	       "kick observable in %llu\n  coverage:", n, n_directed, nrand, (unsigned long long)n_kick_obs);
	bool ok = true;
	for (unsigned c = 0; c < COV_COUNT; c++) {
		printf("%s %s=%llu", c % 6 == 5 ? "\n   " : "", cov_name[c], (unsigned long long)cov[c]);
		ok &= cov[c] > 0;
	}
	printf("\n");
	for (unsigned c = 0; c < COV_COUNT; c++)
		TB_CHECK(cov[c] > 0, "never exercised: %s", cov_name[c]);
	(void)ok;
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
