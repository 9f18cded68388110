// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/tx_segment.sv against the firmware's tx_segment()
// itself (libfp.a behind tests/lib/fphost): for every case a random flow
// state is written into the core's flow table, the flow made the only one of
// the ready FIFO and fp_poll_tx() called at time now. What the firmware did
// gives the expected outputs:
//   a frame was sent        -> SENT or MORE (MORE: the flow is still queued),
//                              seq / flags / tos / length / header length
//                              from the frame, the DMA reads of the payload
//                              (recorded by wrapping the platform's
//                              dma_read) are the pieces
//   nothing sent            -> WAIT_RATE if the flow went to the wheel, IDLE
//   the flow state after    -> out_state, except the scheduler's bits
//                              (QUEUED, sched_next) which the RTL leaves as
//                              they were in its input
//   counters TX_SEGS, TX_BYTES
// The RTL takes one case per cycle; each result must appear exactly LATENCY
// cycles later. States: random, with the windows, rates, FIN, buffer wrap,
// sequence wrap and mss limits drawn often; coverage of each is checked.
// Also checks that the RTL's copies of firmware-private constants are the
// firmware's.
#include <memory>
#include "Vtx_segment.h"
#include "Vtx_segment_tx_segment.h"
#include "tb_common.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

static_assert(Vtx_segment_tx_segment::NF_VALID == FP_NF_VALID, "FP_NF_VALID");
static_assert(Vtx_segment_tx_segment::NF_QUEUED == FP_NF_QUEUED, "FP_NF_QUEUED");
static_assert(Vtx_segment_tx_segment::NF_RTT == FP_NF_RTT, "FP_NF_RTT");
static_assert(Vtx_segment_tx_segment::TB_BURST_NS == FP_TB_BURST_NS, "FP_TB_BURST_NS");
static const unsigned LATENCY = 29;

static std::unique_ptr<Vtx_segment> top;
static void tick() { top->clk = 1; top->eval(); top->clk = 0; top->eval(); }

struct rd { uint64_t iova; uint32_t len; };
static std::vector<rd> reads;
static void (*orig_dma_read)(void *, uint64_t, void *, uint32_t);
static void rec_dma_read(void *priv, uint64_t iova, void *dst, uint32_t len)
{
	reads.push_back({iova, len});
	orig_dma_read(priv, iova, dst, len);
}

struct tcase {
	struct toffee_flow in;
	uint64_t now;
	// expected
	int res;
	uint32_t seq, len, hlen;
	uint8_t flags, tos;
	uint64_t iova0, iova1;
	uint32_t len0, len1;
	struct toffee_flow out;
	uint64_t segs, bytes;
};

enum { R_IDLE = 0, R_SENT = 1, R_MORE = 2, R_WAIT = 3 };
static const char *rname[] = {"IDLE", "SENT", "MORE", "WAIT_RATE"};

static void gen(tb_rng &r, struct toffee_flow &st, uint64_t &now, uint64_t buf)
{
	uint8_t *sb = (uint8_t *)&st;
	for (unsigned i = 0; i < sizeof st; i++) sb[i] = (uint8_t)r.next();
	bool ts = r.chance(50);
	uint32_t hlen = ts ? 66 : 54;
	st.flags = (uint16_t)((st.flags & ~(TOFFEE_FLOWF_TS | TOFFEE_FLOWF_ECN | TOFFEE_FLOWF_TX_FIN |
					    TOFFEE_FLOWF_SLOWPATH)) |
			      (ts ? TOFFEE_FLOWF_TS : 0) | (r.chance(50) ? TOFFEE_FLOWF_ECN : 0) |
			      (r.chance(30) ? TOFFEE_FLOWF_TX_FIN : 0));
	st.nic_flags = (uint8_t)((st.nic_flags & ~FP_NF_VALID) | (r.chance(97) ? FP_NF_VALID : 0));
	unsigned mk = r.below(10);
	uint32_t mss = mk == 0 ? 1 + r.below(16) : mk == 1 ? 1518 - hlen : 1 + r.below(1518 - hlen);
	st.mss = (uint16_t)mss;
	st.tx_buf_iova = buf + (r.chance(50) ? 0 : 64 * r.below(16));
	st.tx_buf_log2 = (uint8_t)(4 + r.below(13));
	// Sequence space: una <= nxt <= max, end >= nxt (mostly), near the wrap.
	uint32_t una = r.chance(20) ? (uint32_t)-(int32_t)r.below(5000) : (uint32_t)r.next();
	uint32_t bsz = 1u << st.tx_buf_log2;
	uint32_t inflight = r.chance(30) ? 0 : r.below(r.chance(50) ? 3000 : bsz);
	uint32_t nxt = una + inflight;
	st.snd_una = una;
	st.snd_nxt = nxt;
	st.snd_max = r.chance(50) ? nxt : nxt + r.below(4000);
	if (r.chance(5)) st.snd_max = nxt - 1 - r.below(100);
	unsigned ek = r.below(8);
	uint32_t more = ek == 0 ? 0 : ek == 1 ? r.below(mss + 1) : ek == 2 ? mss * (1 + r.below(4))
		      : r.below(bsz + 1);
	st.tx_end = nxt + more;
	if (r.chance(5)) st.tx_end = nxt - 1 - r.below(1000);      // nothing new (after go-back-N)
	if (r.chance(3)) { st.tx_end = (uint32_t)r.next(); st.snd_max = (uint32_t)r.next(); }
	// Windows.
	unsigned wk = r.below(8);
	st.snd_wnd = wk == 0 ? 0 : wk == 1 ? r.below(100) : wk == 2 ? inflight + r.below(2 * mss + 1)
		   : wk == 3 ? (uint32_t)r.next() : 64000 + r.below(1u << 20);
	unsigned ck = r.below(6);
	st.cwnd = ck < 3 ? 0 : ck == 3 ? inflight + r.below(2 * mss + 1) : ck == 4 ? r.below(3000)
		: (uint32_t)r.next();
	// Time and rate.
	unsigned tk = r.below(6);
	now = tk == 0 ? r.below(40000) : tk == 1 ? ~0ull - r.below(40000) : tk == 2 ? (1ull << 63) + r.below(40000) - 20000
	    : r.next() >> r.below(30);
	unsigned pk = r.below(8);
	st.ps_per_byte = pk < 3 ? 0 : pk == 3 ? 0xffffffffu - r.below(1000) : pk == 4 ? (uint32_t)r.next()
		       : 1 + r.below(pk == 5 ? 1000 : 200000);
	unsigned bk = r.below(8);
	st.tb_time = bk == 0 ? now : bk == 1 ? now + 1 + r.below(100000) : bk == 2 ? now - FP_TB_BURST_NS + r.below(3) - 1
		   : bk == 3 ? now - r.below(FP_TB_BURST_NS) : bk == 4 ? now - FP_TB_BURST_NS - r.below(1u << 30)
		   : bk == 5 ? r.next() : now + (uint64_t)(int64_t)(int32_t)r.next();
}

// A transcription of tx_segment() (fp_tx.c), for the states the firmware
// cannot be run on here: segments longer than its frame buffer (mss up to
// 65535: the token bucket's product up to 2^49, the whole range of the
// RTL's divider) and buffers up to 2^31 bytes. It is checked against the
// firmware on every ordinary case first.
static void model(tcase &c)
{
	const struct toffee_flow &f = c.in;
	uint64_t now = c.now;
	c.out = f;
	c.res = R_IDLE;
	c.seq = c.len = c.hlen = 0;
	c.flags = c.tos = 0;
	c.iova0 = c.iova1 = 0;
	c.len0 = c.len1 = 0;
	c.segs = c.bytes = 0;
	if (!(f.nic_flags & FP_NF_VALID)) return;
	uint32_t nxt = f.snd_nxt, end = f.tx_end;
	bool fin_wanted = f.flags & TOFFEE_FLOWF_TX_FIN;
	if (seq_geq(nxt, end) && !(fin_wanted && nxt == end)) return;
	uint32_t wnd = f.snd_wnd;
	if (f.cwnd && f.cwnd < wnd) wnd = f.cwnd;
	uint32_t inflight = nxt - f.snd_una;
	if (inflight >= wnd && !(wnd == 0 && inflight == 0 && nxt == end)) return;
	if (f.ps_per_byte && (int64_t)(f.tb_time - now) > 0) { c.res = R_WAIT; return; }
	uint32_t len = end - nxt;
	if (len > f.mss) len = f.mss;
	if (len > wnd - inflight) len = wnd - inflight;
	bool fin = fin_wanted && nxt + len == end;
	c.flags = (uint8_t)(FP_TH_ACK | (nxt + len == end ? FP_TH_PSH : 0) | (fin ? FP_TH_FIN : 0));
	c.tos = (f.flags & TOFFEE_FLOWF_ECN) && len ? 0x02 : 0;
	c.hlen = (f.flags & TOFFEE_FLOWF_TS) ? 66 : 54;
	c.seq = nxt;
	c.len = len;
	if (len) {
		uint32_t mask = (uint32_t)((1ull << (f.tx_buf_log2 & 31)) - 1);
		uint32_t off = nxt & mask, first = mask + 1 - off;
		c.iova0 = f.tx_buf_iova + off;
		if (first >= len) {
			c.len0 = len;
		} else {
			c.len0 = first;
			c.iova1 = f.tx_buf_iova;
			c.len1 = len - first;
		}
	}
	uint32_t seg_end = nxt + len + fin;
	if (seq_geq(nxt, f.snd_max) && !(f.nic_flags & FP_NF_RTT)) {
		c.out.rtt_seq = seg_end;
		c.out.rtt_start = (uint32_t)now;
		c.out.nic_flags |= FP_NF_RTT;
	}
	c.out.snd_nxt = seg_end;
	if (seq_gt(seg_end, f.snd_max)) c.out.snd_max = seg_end;
	if (f.ps_per_byte) {
		uint64_t base = f.tb_time;
		if ((int64_t)(now - FP_TB_BURST_NS - base) > 0) base = now - FP_TB_BURST_NS;
		c.out.tb_time = base + ((uint64_t)(len + c.hlen) * f.ps_per_byte) / 1000u;
	}
	c.segs = 1;
	c.bytes = len;
	c.res = fp_tx_pending(&c.out) ? R_MORE : R_SENT;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned ncases = argc > 1 ? (unsigned)atoi(argv[1]) : 40000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = 64;
	struct fphost *fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");
	struct fp *fp = fh->fp;
	fphost_poll(fh, 0);                                   // latch CTRL
	orig_dma_read = fh->plat.dma_read;
	fh->plat.dma_read = rec_dma_read;
	uint64_t buf = fphost_alloc(fh, 1u << 18, 1u << 16);
	uint8_t *bufp = (uint8_t *)fphost_ptr(fh, buf, 1u << 18);
	for (unsigned i = 0; i < (1u << 18); i++) bufp[i] = (uint8_t)r.next();

	top = std::make_unique<Vtx_segment>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	top->in_valid = 0;
	for (unsigned i = 0; i < LATENCY + 2; i++) { tick(); TB_CHECK(!top->out_valid, "out_valid after reset"); }

	const uint32_t id = 7;
	unsigned cov[24] = {};
	unsigned wide = 0;
	enum { C_IDLE, C_SENT, C_MORE, C_WAIT, C_FIN_ONLY, C_FIN_DATA, C_WRAP, C_SEQWRAP, C_MSS, C_WNDLEN, C_ZEROWND,
	       C_CWND, C_CAP, C_RTT, C_TS, C_ECT, C_INVALID, C_WIDE_LEN, C_BIG_PRODUCT, C_N };
	static const char *cname[] = {"idle", "sent", "more", "wait_rate", "fin_only", "fin_data", "buf_wrap",
				      "seq_wrap", "mss_limited", "wnd_limited_len", "zero_wnd_idle", "cwnd_limited",
				      "burst_cap", "rtt_start", "ts", "ect", "invalid", "model_len_gt_2048",
				      "model_product_ge_2^47"};
	const unsigned BATCH = 1000;
	std::vector<tcase> cs(BATCH);
	for (unsigned done = 0; done < ncases; done += BATCH) {
		unsigned nb = ncases - done < BATCH ? ncases - done : BATCH;
		for (unsigned k = 0; k < nb; k++) {
			tcase &c = cs[k];
			gen(r, c.in, c.now, buf);
			if (r.chance(20)) {                       // beyond the firmware's frame: the model
				c.in.mss = (uint16_t)(r.chance(50) ? 0xffff - r.below(100) : 1 + r.below(0xffff));
				c.in.tx_buf_log2 = (uint8_t)r.below(32);
				c.in.snd_una = c.in.snd_nxt - (r.chance(50) ? 0 : r.below(1000));
				c.in.tx_end = c.in.snd_nxt + (r.chance(10) ? 0 : r.below(1u << 18));
				if (r.chance(70)) c.in.snd_wnd = 1u << 20 | (uint32_t)r.next();
				if (r.chance(70)) c.in.cwnd = 0;
				if (r.chance(50)) c.in.ps_per_byte = 0xffffffffu - r.below(1u << r.below(32));
				model(c);
				wide++;
				cov[C_WIDE_LEN] += c.len > 2048;
				cov[C_BIG_PRODUCT] += c.in.ps_per_byte && (uint64_t)(c.len + c.hlen) * c.in.ps_per_byte >= 1ull << 47;
				continue;
			}
			// The firmware.
			fp->flows[id] = c.in;
			fp_fx_init(fp, id);  // as INSTALL would: the firmware caches some fields (fx)
			fp_sched_init(fp, c.now);
			fp->flows[id].nic_flags |= FP_NF_QUEUED;
			fp->flows[id].sched_next = TOFFEE_FLOW_NONE;
			fp->ready_head = fp->ready_tail = id;
			uint64_t segs0 = fp_counter(fp, TOFFEE_CNT_TX_SEGS), bytes0 = fp_counter(fp, TOFFEE_CNT_TX_BYTES);
			reads.clear();
			fphost_tx_clear(fh);
			fp_poll_tx(fp, c.now, 1);
			c.segs = fp_counter(fp, TOFFEE_CNT_TX_SEGS) - segs0;
			c.bytes = fp_counter(fp, TOFFEE_CNT_TX_BYTES) - bytes0;
			c.out = fp->flows[id];
			c.out.nic_flags = (uint8_t)((c.out.nic_flags & ~FP_NF_QUEUED) | (c.in.nic_flags & FP_NF_QUEUED));
			c.out.sched_next = c.in.sched_next;
			c.seq = c.len = c.hlen = 0;
			c.flags = c.tos = 0;
			c.iova0 = c.iova1 = 0;
			c.len0 = c.len1 = 0;
			TB_CHECK(fh->n_tx <= 1 && reads.size() <= 2, "firmware: %zu frames, %zu reads", fh->n_tx, reads.size());
			if (fh->n_tx == 1) {
				const uint8_t *f = fh->tx[0].data;
				c.res = fp->ready_head == id ? R_MORE : R_SENT;
				c.hlen = 34 + (f[46] >> 4) * 4;
				c.len = fh->tx[0].len - c.hlen;
				c.seq = rd32(f + 38);
				c.flags = f[47];
				c.tos = f[15];
				if (reads.size() >= 1) { c.iova0 = reads[0].iova; c.len0 = reads[0].len; }
				if (reads.size() == 2) { c.iova1 = reads[1].iova; c.len1 = reads[1].len; }
			} else {
				TB_CHECK(fp->ready_head == TOFFEE_FLOW_NONE, "firmware kept an idle flow");
				c.res = fp->wheel_busy ? R_WAIT : R_IDLE;
			}
			// The model must agree with the firmware.
			{
				tcase m = c;
				model(m);
				TB_CHECK(m.res == c.res && m.seq == c.seq && m.len == c.len && m.hlen == c.hlen &&
					 m.flags == c.flags && m.tos == c.tos && m.len0 == c.len0 && m.len1 == c.len1 &&
					 (!m.len0 || m.iova0 == c.iova0) && (!m.len1 || m.iova1 == c.iova1) &&
					 m.segs == c.segs && m.bytes == c.bytes && !memcmp(&m.out, &c.out, 128),
					 "case %u: the testbench's model of tx_segment() disagrees with the firmware", done + k);
			}
			// Coverage.
			const struct toffee_flow &s = c.in;
			uint32_t wnd = s.cwnd && s.cwnd < s.snd_wnd ? s.cwnd : s.snd_wnd;
			cov[c.res]++;
			bool sent = c.res == R_SENT || c.res == R_MORE;
			if (sent) {
				cov[C_FIN_ONLY] += c.len == 0;
				cov[C_FIN_DATA] += c.len > 0 && (c.flags & FP_TH_FIN);
				cov[C_WRAP] += c.len1 > 0;
				cov[C_SEQWRAP] += s.snd_nxt + c.len + (c.flags & 1) < s.snd_nxt;
				cov[C_MSS] += c.len == s.mss && s.tx_end - s.snd_nxt > s.mss;
				cov[C_WNDLEN] += c.len < s.mss && c.len < s.tx_end - s.snd_nxt;
				cov[C_CWND] += s.cwnd && s.cwnd < s.snd_wnd && c.len == s.cwnd - (s.snd_nxt - s.snd_una);
				cov[C_CAP] += s.ps_per_byte && (int64_t)(c.now - FP_TB_BURST_NS - s.tb_time) > 0;
				cov[C_RTT] += !(s.nic_flags & FP_NF_RTT) && (c.out.nic_flags & FP_NF_RTT);
				cov[C_TS] += c.hlen == 66;
				cov[C_ECT] += c.tos == 2;
			} else if (c.res == R_IDLE) {
				cov[C_ZEROWND] += wnd == 0 && s.snd_nxt != s.tx_end;
				cov[C_INVALID] += !(s.nic_flags & FP_NF_VALID);
			}
		}
		// The RTL: one case per cycle.
		for (unsigned t = 0; t < nb + LATENCY; t++) {
			if (t < nb) {
				top->in_valid = 1;
				top->in_flow_id = done + t;
				tb_put(top->in_state, (const uint8_t *)&cs[t].in, 128);
				top->in_now_ns = cs[t].now;
			} else {
				top->in_valid = 0;
			}
			tick();
			bool expect = t + 1 >= LATENCY && t + 1 - LATENCY < nb;
			TB_CHECK(top->out_valid == expect, "cycle %u: out_valid %d, expected %d", t, top->out_valid, expect);
			if (!expect) continue;
			unsigned k = t + 1 - LATENCY;
			const tcase &c = cs[k];
			unsigned n = done + k;
			TB_CHECK(top->out_flow_id == n, "case %u: flow id %u", n, top->out_flow_id);
			if ((int)top->out_result != c.res)
				TB_FAIL("case %u: result RTL %s, firmware %s (nxt %u end %u una %u wnd %u cwnd %u ps %u tb %llu now %llu)",
					n, rname[top->out_result], rname[c.res], c.in.snd_nxt, c.in.tx_end, c.in.snd_una,
					c.in.snd_wnd, c.in.cwnd, c.in.ps_per_byte, (unsigned long long)c.in.tb_time,
					(unsigned long long)c.now);
			bool sent = c.res == R_SENT || c.res == R_MORE;
#define CMP(rtl, fw, what) TB_CHECK((uint64_t)(rtl) == (uint64_t)(fw), "case %u (%s): %s RTL 0x%llx, firmware 0x%llx", \
				       n, rname[c.res], what, (unsigned long long)(rtl), (unsigned long long)(fw))
			if (sent) {
				CMP(top->out_seq, c.seq, "seq");
				CMP(top->out_len, c.len, "len");
				CMP(top->out_flags, c.flags, "flags");
				CMP(top->out_tos, c.tos, "tos");
				CMP(top->out_hlen, c.hlen, "hlen");
				CMP(top->out_len0, c.len0, "len0");
				CMP(top->out_len1, c.len1, "len1");
				if (c.len0) CMP(top->out_iova0, c.iova0, "iova0");
				if (c.len1) CMP(top->out_iova1, c.iova1, "iova1");
			} else {
				CMP(top->out_len, 0, "len (no send)");
			}
			if (c.res == R_WAIT)
				CMP(top->out_wake_ns, c.in.tb_time, "wake_ns");
			CMP(top->out_cnt_inc, c.segs << TOFFEE_CNT_TX_SEGS, "cnt_inc");
			CMP(top->out_tx_bytes, c.bytes, "tx_bytes");
			uint8_t o[128];
			tb_get(top->out_state, o, 128);
			if (memcmp(o, &c.out, 128)) {
				unsigned i = 0;
				while (o[i] == ((const uint8_t *)&c.out)[i]) i++;
				TB_FAIL("case %u (%s): state differs first at byte %u: RTL 0x%02x, firmware 0x%02x "
					"(snd_nxt %u/%u snd_max %u/%u tb_time %llu/%llu)", n, rname[c.res], i, o[i],
					((const uint8_t *)&c.out)[i], ((const struct toffee_flow *)o)->snd_nxt, c.out.snd_nxt,
					((const struct toffee_flow *)o)->snd_max, c.out.snd_max,
					(unsigned long long)((const struct toffee_flow *)o)->tb_time,
					(unsigned long long)c.out.tb_time);
			}
		}
	}
	printf("tx_segment: %u cases identical to the firmware's tx_segment() (%u of them, beyond its frame "
	       "buffer, to its transcription) at one per cycle, latency %u\n ", ncases, wide, LATENCY);
	for (unsigned i = 0; i < C_N; i++) printf(" %s=%u", cname[i], cov[i]);
	printf("\n");
	for (unsigned i = 0; i < C_N; i++)
		TB_CHECK(cov[i] > 0 || ncases < 1000, "case kind %s never exercised", cname[i]);
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
