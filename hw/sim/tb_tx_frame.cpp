// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/tx_frame.sv (DW bits) against the frames the firmware
// itself transmits (libfp.a behind tests/lib/fphost, which records every
// frame handed to the platform's tx()):
//  - data segments: a random flow state is written into the core's flow
//    table, the flow made the only one of the ready FIFO and fp_poll_tx()
//    called, so tx_segment() builds and sends the segment; the RTL gets the
//    same state, time, seq (the old snd_nxt), flags, tos and length (read
//    back from the firmware's frame) and the payload beats read from the
//    flow's transmit buffer (across its wrap);
//  - pure ACKs: fp_tx_ack() on the state after the segment, with and without
//    ECE, SACK (none, a D-SACK block, the out-of-order interval, both).
// The RTL frame must equal the firmware's byte for byte (and tkeep must be
// contiguous, tlast on the last beat), with random gaps in the payload
// stream and random back-pressure on the output.
#include <memory>
#include "Vtx_frame.h"
#include "tb_common.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}
#ifndef DW
#error "build with -DDW="
#endif
static const unsigned K = DW / 8;

static std::unique_ptr<Vtx_frame> top;
static uint64_t cycles;
static void tick()
{
	top->clk = 1; top->eval(); top->clk = 0; top->eval();
	cycles++;
}

struct job {
	struct toffee_flow st;
	bool is_ack, ece;
	uint32_t seq, len;
	uint32_t dup_seq, dup_len;     // ACK: D-SACK block
	uint8_t flags, tos;
	uint64_t now;
	std::vector<uint8_t> pay;
	tb_frame expect;
	const char *what;
	unsigned n;
};

static void check_same(const char *what, unsigned n, const tb_frame &rtl, const uint8_t *fw, uint32_t fw_len);

// Stream @p jobs through the RTL: requests, payload beats and output beats
// each advance independently (random request gaps, payload gaps and output
// back-pressure in percent), so consecutive frames overlap as far as the
// RTL lets them. Every frame must equal its job's expected frame. Returns
// the cycles taken.
static uint64_t run_jobs(tb_rng &r, const std::vector<job> &jobs, unsigned req_gap, unsigned gap_pct, unsigned bp_pct)
{
	size_t ri = 0, pi = 0, oi = 0;
	unsigned beat = 0;
	tb_frame out;
	uint64_t c0 = cycles;
	top->s_axis_req_tvalid = 0;
	for (uint64_t t = 0; oi < jobs.size(); t++) {
		TB_CHECK(t < 100000 + 1000 * jobs.size(), "timeout (request %zu, payload %zu beat %u, frame %zu)", ri, pi, beat, oi);
		// Request.
		if (!top->s_axis_req_tvalid && ri < jobs.size() && !r.chance(req_gap)) {
			const job &j = jobs[ri];
			tb_put(top->s_axis_req_state, (const uint8_t *)&j.st, 128);
			top->s_axis_req_is_ack = j.is_ack;
			top->s_axis_req_ece = j.ece;
			top->s_axis_req_dup_seq = j.is_ack ? j.dup_seq : (uint32_t)r.next();
			top->s_axis_req_dup_len = j.is_ack ? j.dup_len : r.below(2000);
			// An ACK's seq/flags/len/tos must be ignored: garbage.
			top->s_axis_req_seq = j.is_ack ? (uint32_t)r.next() : j.seq;
			top->s_axis_req_flags = j.is_ack ? (uint8_t)r.next() : j.flags;
			top->s_axis_req_len = j.is_ack ? r.below(2000) : j.len;
			top->s_axis_req_tos = j.is_ack ? (uint8_t)r.next() : j.tos;
			top->s_axis_req_now_ns = j.now;
			top->s_axis_req_tvalid = 1;
		}
		// Payload of the oldest job with beats left (only once its
		// request is in: the stream carries nothing else).
		while (pi < ri && (jobs[pi].is_ack || beat * K >= jobs[pi].len)) { pi++; beat = 0; }
		bool pv = pi < ri && !r.chance(gap_pct);
		if (pv) {
			const job &j = jobs[pi];
			uint8_t b[64];
			for (unsigned i = 0; i < K; i++)     // garbage beyond len: must be ignored
				b[i] = beat * K + i < j.len ? j.pay[beat * K + i] : (uint8_t)r.next();
			tb_put(top->s_axis_pay_tdata, b, K);
		}
		top->s_axis_pay_tvalid = pv;
		top->m_axis_tx_tready = !r.chance(bp_pct);
		top->eval();
		bool req_taken = top->s_axis_req_tvalid && top->s_axis_req_tready;
		bool pay_taken = pv && top->s_axis_pay_tready;
		if (top->m_axis_tx_tvalid && top->m_axis_tx_tready) {
			uint8_t b[64];
			tb_get(top->m_axis_tx_tdata, b, K);
			uint64_t keep = (uint64_t)top->m_axis_tx_tkeep;
			unsigned n = 0;
			while (n < K && (keep >> n & 1)) n++;
			TB_CHECK(n > 0 && tb_keep(n) == (keep & tb_keep(K)), "tkeep 0x%llx not contiguous",
				 (unsigned long long)keep);
			TB_CHECK(n == K || top->m_axis_tx_tlast, "partial beat without tlast");
			out.insert(out.end(), b, b + n);
			if (top->m_axis_tx_tlast) {
				TB_CHECK(oi < ri, "frame %zu before its request", oi);
				const job &j = jobs[oi];
				check_same(j.what, j.n, out, j.expect.data(), (uint32_t)j.expect.size());
				out.clear();
				oi++;
			}
		}
		tick();
		if (req_taken) { top->s_axis_req_tvalid = 0; ri++; }
		if (pay_taken) beat++;
	}
	TB_CHECK(ri == jobs.size() && !top->s_axis_req_tvalid, "requests left over");
	return cycles - c0;
}

static void check_same(const char *what, unsigned n, const tb_frame &rtl, const uint8_t *fw, uint32_t fw_len)
{
	if (rtl.size() == fw_len && !memcmp(rtl.data(), fw, fw_len))
		return;
	size_t i = 0;
	while (i < rtl.size() && i < fw_len && rtl[i] == fw[i]) i++;
	TB_FAIL("%s %u: RTL frame %zu bytes, firmware %u; first difference at byte %zu: RTL 0x%02x firmware 0x%02x",
		what, n, rtl.size(), fw_len, i, i < rtl.size() ? rtl[i] : 0, i < fw_len ? fw[i] : 0);
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned ncases = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = 64;
	const uint8_t mac[6] = {0x02, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
	memcpy(cfg.mac, mac, 6);
	struct fphost *fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");
	struct fp *fp = fh->fp;
	fphost_poll(fh, 0);                                   // latch CTRL and the MAC
	const unsigned BUF_LOG2 = 16;
	uint64_t buf = fphost_alloc(fh, 1u << BUF_LOG2, 1u << BUF_LOG2);
	uint8_t *bufp = (uint8_t *)fphost_ptr(fh, buf, 1u << BUF_LOG2);
	for (unsigned i = 0; i < (1u << BUF_LOG2); i++) bufp[i] = (uint8_t)r.next();

	top = std::make_unique<Vtx_frame>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	top->mac = (uint64_t)mac[0] | (uint64_t)mac[1] << 8 | (uint64_t)mac[2] << 16 |
		   (uint64_t)mac[3] << 24 | (uint64_t)mac[4] << 32 | (uint64_t)mac[5] << 40;

	const uint32_t id = 5;
	std::vector<job> jobs;
	unsigned n_data = 0, n_ack = 0, n_ts = 0, n_wrap = 0, n_fin = 0, n_ece = 0, n_clamp = 0;
	unsigned n_sack[3] = {};       // ACKs with 0, 1, 2 SACK blocks
	unsigned len_hist[4] = {};
	for (unsigned n = 0; n < ncases; n++) {
		struct toffee_flow st;
		uint8_t *sb = (uint8_t *)&st;
		for (unsigned i = 0; i < sizeof st; i++) sb[i] = (uint8_t)r.next();
		bool ts = r.chance(50);
		uint32_t hlen = ts ? 66 : 54;
		st.flags = (uint16_t)((ts ? TOFFEE_FLOWF_TS : 0) | (r.chance(50) ? TOFFEE_FLOWF_ECN : 0) |
				      (r.chance(30) ? TOFFEE_FLOWF_TX_FIN : 0) | (r.below(4) << 4));
		// Payload sizes: all of them, beat boundaries, the largest.
		unsigned lk = r.below(4);
		uint32_t mss = lk == 0 ? 1 + r.below(2 * K + 2) : lk == 1 ? 1518 - hlen - r.below(2 * K)
			     : 1 + r.below(1518 - hlen);
		st.mss = (uint16_t)mss;
		st.tx_buf_iova = buf;
		st.tx_buf_log2 = (uint8_t)(5 + r.below(BUF_LOG2 - 4));
		while ((1u << st.tx_buf_log2) < mss) st.tx_buf_log2++;     // a segment fits the buffer
		st.rcv_wscale = (uint8_t)(r.chance(90) ? r.below(15) : r.below(32));
		if (r.chance(30)) st.rx_avail = r.below(1u << 20);
		st.nic_flags = (uint8_t)(FP_NF_VALID | (st.nic_flags & FP_NF_RTT));
		uint32_t nxt = st.snd_nxt;
		if (r.chance(20)) nxt = st.snd_nxt = (uint32_t)-(int32_t)r.below(3000);   // sequence wrap
		st.tx_end = nxt + (r.chance(10) ? 0 : r.below(r.chance(50) ? 3 * mss : 70000));
		if (st.tx_end == nxt) st.flags |= TOFFEE_FLOWF_TX_FIN;
		st.snd_una = nxt - r.below(1000);
		st.snd_wnd = r.chance(80) ? 1000000 + r.below(1000000) : r.below(5000);
		st.cwnd = r.chance(70) ? 0 : r.below(100000);
		st.snd_max = nxt + (r.chance(50) ? 0 : r.below(5000));
		uint64_t now = r.next() >> r.below(40);
		st.ps_per_byte = r.chance(60) ? 0 : r.below(100000);
		st.tb_time = now - r.below(100000);

		// The firmware: the flow alone in the ready FIFO, one segment.
		fp->flows[id] = st;
		fp_fx_init(fp, id);  // as INSTALL would: the firmware caches some fields (fx)
		fp_sched_init(fp, now);
		fp->flows[id].nic_flags |= FP_NF_QUEUED;
		fp->flows[id].sched_next = TOFFEE_FLOW_NONE;
		fp->ready_head = fp->ready_tail = id;
		fphost_tx_clear(fh);
		fp_poll_tx(fp, now, 1);
		TB_CHECK(fh->n_tx <= 1, "case %u: %zu frames", n, fh->n_tx);
		if (fh->n_tx == 1) {
			const struct fphost_frame &ff = fh->tx[0];
			TB_CHECK(ff.len >= hlen, "case %u: short firmware frame", n);
			uint32_t len = ff.len - hlen;
			uint8_t flags = ff.data[47], tos = ff.data[15];
			uint32_t mask = (1u << st.tx_buf_log2) - 1;
			std::vector<uint8_t> pay(len + 1);
			for (uint32_t i = 0; i < len; i++) pay[i] = bufp[(nxt + i) & mask];
			n_wrap += (nxt & mask) + len > mask + 1;
			n_fin += flags & FP_TH_FIN;
			len_hist[len == 0 ? 0 : len % K == 0 ? 1 : len < K ? 2 : 3]++;
			job j;
			j.st = st; j.is_ack = false; j.ece = r.chance(50);  // ece: ignored for data
			j.dup_seq = j.dup_len = 0;
			j.seq = nxt; j.flags = flags; j.len = len; j.tos = tos; j.now = now;
			j.pay.assign(pay.begin(), pay.begin() + len);
			j.expect.assign(ff.data, ff.data + ff.len);
			j.what = "data segment"; j.n = n;
			jobs.push_back(j);
			n_data++;
			n_ts += ts;
		}
		// A pure ACK from the state as the firmware left it.
		st = fp->flows[id];
		if (r.chance(20)) st.rx_avail = 0xffffffffu >> r.below(8);
		n_clamp += (st.rx_avail >> (st.rcv_wscale & 31)) > 0xffff;
		bool ece = r.chance(50);
		n_ece += ece;
		st.flags = (uint16_t)(r.chance(50) ? st.flags | TOFFEE_FLOWF_SACK : st.flags & ~TOFFEE_FLOWF_SACK);
		if (r.chance(40)) st.ooo_len = 0;
		uint32_t dup_seq = (uint32_t)r.next(), dup_len = r.chance(50) ? 0 : 1 + r.below(1500);
		bool sack = st.flags & TOFFEE_FLOWF_SACK;
		n_sack[sack ? (dup_len != 0) + (st.ooo_len != 0) : 0]++;
		fphost_tx_clear(fh);
		fp->flows[id] = st;
		fp_fx_init(fp, id);
		fp_tx_ack(fp, &fp->flows[id], id, now, ece, dup_seq, dup_len);
		TB_CHECK(fh->n_tx == 1, "case %u: no ACK", n);
		job j;
		j.st = st; j.is_ack = true; j.ece = ece; j.dup_seq = dup_seq; j.dup_len = dup_len;
		j.seq = 0; j.flags = 0; j.len = 0; j.tos = 0; j.now = now;
		j.expect.assign(fh->tx[0].data, fh->tx[0].data + fh->tx[0].len);
		j.what = "ACK"; j.n = n;
		jobs.push_back(j);
		n_ack++;
		// Through the RTL in batches, each with its own pacing.
		if (jobs.size() >= 200 || n + 1 == ncases) {
			unsigned mode = r.below(4);
			run_jobs(r, jobs, mode == 0 ? 0 : r.below(80), mode == 0 ? 0 : r.below(60), mode == 0 ? 0 : r.below(60));
			jobs.clear();
		}
	}
	// Throughput without gaps or back-pressure: ACKs, largest segments.
	double cyc[2];
	for (unsigned kind = 0; kind < 2; kind++) {
		struct toffee_flow st = fp->flows[id];
		st.flags = TOFFEE_FLOWF_TS;
		st.mss = 1518 - 66;
		st.tx_end = st.snd_nxt + 100 * st.mss;
		st.snd_una = st.snd_nxt;
		st.snd_wnd = 1u << 30;
		st.cwnd = 0;
		st.ps_per_byte = 0;
		st.tx_buf_log2 = BUF_LOG2;
		st.nic_flags = FP_NF_VALID;
		for (unsigned n = 0; n < 50; n++) {
			fp->flows[id] = st;
			fp_fx_init(fp, id);
			fphost_tx_clear(fh);
			job j;
			j.st = st; j.ece = false; j.now = 1000000 + n;
			if (kind == 0) {
				fp_tx_ack(fp, &fp->flows[id], id, j.now, false, 0, 0);
				j.dup_seq = j.dup_len = 0;
				j.is_ack = true; j.seq = 0; j.flags = 0; j.len = 0; j.tos = 0;
			} else {
				fp_sched_init(fp, j.now);
				fp->flows[id].nic_flags |= FP_NF_QUEUED;
				fp->flows[id].sched_next = TOFFEE_FLOW_NONE;
				fp->ready_head = fp->ready_tail = id;
				fp_poll_tx(fp, j.now, 1);
				j.is_ack = false; j.seq = st.snd_nxt; j.len = st.mss;
				j.flags = fh->tx[0].data[47]; j.tos = fh->tx[0].data[15];
				uint32_t mask = (1u << BUF_LOG2) - 1;
				for (uint32_t i = 0; i < j.len; i++) j.pay.push_back(bufp[(st.snd_nxt + i) & mask]);
				st.snd_nxt += st.mss;
			}
			TB_CHECK(fh->n_tx == 1 && fh->tx[0].len == (kind ? 1518u : 66u), "throughput frame");
			j.expect.assign(fh->tx[0].data, fh->tx[0].data + fh->tx[0].len);
			j.what = kind ? "full segment (throughput)" : "ACK (throughput)"; j.n = n;
			jobs.push_back(j);
		}
		cyc[kind] = (double)run_jobs(r, jobs, 0, 0, 0) / 50;
		jobs.clear();
	}
	printf("tx_frame DW%u: %u data segments (%u with timestamps, %u FIN, %u across the buffer wrap; "
	       "len 0/multiple of %u/short/other: %u/%u/%u/%u) and %u ACKs (%u ECE, %u window clamped, "
	       "with 0/1/2 SACK blocks: %u/%u/%u) "
	       "identical to the firmware's frames; back to back: %.1f cycles per ACK, %.1f per 1518-byte frame\n",
	       DW, n_data, n_ts, n_fin, n_wrap, K, len_hist[0], len_hist[1], len_hist[2], len_hist[3], n_ack,
	       n_ece, n_clamp, n_sack[0], n_sack[1], n_sack[2], cyc[0], cyc[1]);
	TB_CHECK(n_data > ncases / 3 && n_wrap > 0 && n_fin > 0 && len_hist[0] > 0 && len_hist[1] > 0 &&
		 n_sack[1] > 0 && n_sack[2] > 0, "coverage too thin");
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
