// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/rx_parser.sv (built per DATA_WIDTH as DW).
//
// Frames: every frame of the Linux traces (their checksums are correct, so
// every IPv4/TCP frame must report both checksums good), generated TCP frames
// with random option lists (valid and malformed), and mutations of both
// (bit flips, truncation, padding, bogus lengths). Each frame's metadata
// must equal hw/sim/ref_parse.h field by field, and the data output must
// repeat the input beats exactly. Input gaps and output back-pressure are
// random. Usage: tb_rx_parser [frames] [seed]
#include <memory>
#include "Vrx_parser.h"
#include "tb_common.h"
#include "ref_parse.h"
#include "tb_frames.h"

#ifndef DW
#error "build with -DDW=<DATA_WIDTH>"
#endif
static const unsigned K = DW / 8;

static std::unique_ptr<Vrx_parser> top;
static uint64_t cycles;

static void tick()
{
	top->clk = 1;
	top->eval();
	top->clk = 0;
	top->eval();
	cycles++;
}

static void compare(const tb_frame &f, size_t n, const ref_meta &e)
{
	ref_meta g;
	memset(&g, 0, sizeof g);
	g.frame_len = top->m_axis_meta_frame_len;
	g.dst_mac = top->m_axis_meta_dst_mac;
	g.src_mac = top->m_axis_meta_src_mac;
	g.ethertype = top->m_axis_meta_ethertype;
	g.ip_ver = top->m_axis_meta_ip_ver;
	g.ip_ihl = top->m_axis_meta_ip_ihl;
	g.ip_tos = top->m_axis_meta_ip_tos;
	g.ip_len = top->m_axis_meta_ip_len;
	g.ip_frag = top->m_axis_meta_ip_frag;
	g.ip_proto = top->m_axis_meta_ip_proto;
	g.ip_src = top->m_axis_meta_ip_src;
	g.ip_dst = top->m_axis_meta_ip_dst;
	g.ip_csum_ok = top->m_axis_meta_ip_csum_ok;
	g.tcp_sport = top->m_axis_meta_tcp_sport;
	g.tcp_dport = top->m_axis_meta_tcp_dport;
	g.tcp_seq = top->m_axis_meta_tcp_seq;
	g.tcp_ack = top->m_axis_meta_tcp_ack;
	g.tcp_doff = top->m_axis_meta_tcp_doff;
	g.tcp_flags = top->m_axis_meta_tcp_flags;
	g.tcp_win = top->m_axis_meta_tcp_win;
	g.tcp_csum_ok = top->m_axis_meta_tcp_csum_ok;
	g.pay_off = top->m_axis_meta_pay_off;
	g.pay_len = top->m_axis_meta_pay_len;
	g.opt_ok = top->m_axis_meta_opt_ok;
	g.ts = top->m_axis_meta_ts;
	g.ts_val = top->m_axis_meta_ts_val;
	g.ts_ecr = top->m_axis_meta_ts_ecr;
	g.sack_n = top->m_axis_meta_sack_n;
	for (int i = 0; i < 8; i++)
		g.sack[i] = tb_word(top->m_axis_meta_sack, (unsigned)i);
#define F(x) if (g.x != e.x) TB_FAIL("frame %zu (%zu bytes): " #x " = 0x%llx, expected 0x%llx", \
	n, f.size(), (unsigned long long)g.x, (unsigned long long)e.x)
	F(frame_len); F(dst_mac); F(src_mac); F(ethertype); F(ip_ver); F(ip_ihl); F(ip_tos);
	F(ip_len); F(ip_frag); F(ip_proto); F(ip_src); F(ip_dst); F(ip_csum_ok);
	F(tcp_sport); F(tcp_dport); F(tcp_seq); F(tcp_ack); F(tcp_doff); F(tcp_flags);
	F(tcp_win); F(tcp_csum_ok); F(pay_off); F(pay_len); F(opt_ok); F(ts); F(ts_val);
	F(ts_ecr); F(sack_n);
	for (int i = 0; i < 8; i++) F(sack[i]);
#undef F
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned ngen = argc > 1 ? (unsigned)atoi(argv[1]) : 4000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	std::vector<tb_frame> trace;
	int files = tb_load_traces(trace);
	std::vector<tb_frame> frames;
	std::vector<bool> must_be_good;                 // trace TCP/IPv4 frames
	auto is_tcp = [](const tb_frame &f) {
		return f.size() >= 54 && f[12] == 8 && f[13] == 0 && f[14] == 0x45 && f[23] == 6;
	};
	// At 64 bits a bulk-transfer frame is 190 beats: keep every small frame
	// and a third of the large ones to stay within seconds.
	for (size_t i = 0; i < trace.size(); i++) {
		const tb_frame &f = trace[i];
		if (DW < 512 && f.size() > 200 && i % 3)
			continue;
		frames.push_back(f);
		must_be_good.push_back(is_tcp(f));
	}
	for (unsigned i = 0; i < ngen; i++) {
		tb_frame f;
		if (!trace.empty() && r.chance(40))
			f = trace[r.below((uint32_t)trace.size())];
		else
			f = gen_tcp(r);
		bool good = is_tcp(f) && r.chance(50);
		if (!good)
			mutate(r, f);
		frames.push_back(f);
		must_be_good.push_back(good);
	}
	// A burst of minimum-size frames back to back (one per beat at 512).
	for (unsigned i = 0; i < 200; i++) {
		tb_frame f = gen_tcp(r);
		f.resize(60);
		frames.push_back(f);
		must_be_good.push_back(false);
	}

	top = std::make_unique<Vrx_parser>();
	top->clk = 0;
	top->rst = 1;
	tick(); tick();
	top->rst = 0;

	size_t in_f = 0, in_b = 0;                       // frame, beat being sent
	size_t out_f = 0, meta_f = 0;
	tb_frame out_cur;
	unsigned gap_pct = 20, bp_pct = 20;
	uint64_t good_seen = 0, busy = 0;
	while (meta_f < frames.size() || out_f < frames.size()) {
		if (cycles % 5000 == 0) {                       // vary the load pattern
			gap_pct = r.chance(30) ? 0 : r.below(50);
			bp_pct = r.chance(30) ? 0 : r.below(50);
		}
		bool send = in_f < frames.size() && !r.chance(gap_pct);
		if (send) {
			const tb_frame &f = frames[in_f];
			unsigned off = (unsigned)(in_b * K), n = (unsigned)f.size() - off;
			if (n > K) n = K;
			tb_put(top->s_axis_rx_tdata, f.data() + off, n);
			top->s_axis_rx_tkeep = tb_keep(n);
			top->s_axis_rx_tlast = off + n == f.size();
		}
		top->s_axis_rx_tvalid = send;
		top->m_axis_data_tready = !r.chance(bp_pct);
		top->m_axis_meta_tready = !r.chance(bp_pct);
		top->eval();
		bool in_fire = send && top->s_axis_rx_tready;
		if (send && !top->s_axis_rx_tready) busy++;
		if (top->m_axis_data_tvalid && top->m_axis_data_tready) {
			uint8_t b[64];
			tb_get(top->m_axis_data_tdata, b, K);
			for (unsigned i = 0; i < K; i++)
				if ((top->m_axis_data_tkeep >> i) & 1) out_cur.push_back(b[i]);
			if (top->m_axis_data_tlast) {
				TB_CHECK(out_f < frames.size(), "extra output frame");
				TB_CHECK(out_cur == frames[out_f], "data of frame %zu differs", out_f);
				out_cur.clear();
				out_f++;
			}
		}
		if (top->m_axis_meta_tvalid && top->m_axis_meta_tready) {
			TB_CHECK(meta_f < frames.size(), "extra metadata record");
			const tb_frame &f = frames[meta_f];
			ref_meta e;
			ref_parse(f.data(), (uint32_t)f.size(), &e);
			compare(f, meta_f, e);
			if (must_be_good[meta_f]) {
				TB_CHECK(e.ip_csum_ok && e.tcp_csum_ok,
					 "frame %zu: a correct frame failed a checksum in the model", meta_f);
				good_seen++;
			}
			meta_f++;
		}
		tick();
		if (in_fire) {
			in_b++;
			if (in_b * K >= frames[in_f].size()) { in_f++; in_b = 0; }
		}
		TB_CHECK(cycles < 100000000ull, "timeout");
	}
	// Throughput: minimum-size frames with no gaps and no back-pressure.
	uint64_t t0 = cycles, nmin = 400;
	size_t got = 0;
	std::vector<tb_frame> mins;
	for (unsigned i = 0; i < nmin; i++) { mins.push_back(gen_tcp(r)); mins.back().resize(64); }
	size_t mi = 0, mb = 0;
	uint64_t t_in = 0;                              // cycles until all accepted
	int64_t first_last = -1, first_meta = -1;       // latency of the first frame
	while (got < nmin) {
		bool send = mi < nmin;
		if (send) {
			unsigned off = (unsigned)(mb * K), n = 64 - off < K ? 64 - off : K;
			tb_put(top->s_axis_rx_tdata, mins[mi].data() + off, n);
			top->s_axis_rx_tkeep = tb_keep(n);
			top->s_axis_rx_tlast = off + n == 64;
		}
		top->s_axis_rx_tvalid = send;
		top->m_axis_data_tready = 1;
		top->m_axis_meta_tready = 1;
		top->eval();
		bool fire = send && top->s_axis_rx_tready;
		if (fire && top->s_axis_rx_tlast && first_last < 0) first_last = (int64_t)cycles;
		if (top->m_axis_meta_tvalid && first_meta < 0) first_meta = (int64_t)cycles;
		got += top->m_axis_meta_tvalid;
		tick();
		if (fire && ++mb * K >= 64) { mi++; mb = 0; }
		if (mi == nmin && !t_in) t_in = cycles - t0;
	}
	double beats = (double)(nmin * ((64 + K - 1) / K));
	double eff = beats / (double)t_in;
	printf("rx_parser DW=%u: %zu frames (%d trace files, %llu known-good checked), "
	       "%llu cycles; 64-byte frames: %.2f beats/cycle\n", DW, frames.size(), files,
	       (unsigned long long)good_seen, (unsigned long long)cycles, eff);
	TB_CHECK(first_meta - first_last == 17, "metadata latency %lld cycles, documented 17",
		 (long long)(first_meta - first_last));
	TB_CHECK(eff > 0.99, "parser does not sustain one beat per cycle (%.2f)", eff);
	top->final();
	top.reset();
	return 0;
}
