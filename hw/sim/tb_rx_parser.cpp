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

static uint16_t csum16(const uint8_t *p, size_t n, uint64_t s = 0)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return (uint16_t)~ref_fold(s);
}

// A TCP/IPv4 frame with correct checksums and a random option list.
static tb_frame gen_tcp(tb_rng &r)
{
	uint8_t opt[40];
	unsigned ol = 0;
	unsigned target = 4 * r.below(11);              // 0..40 bytes of options
	while (ol < target) {
		unsigned room = target - ol, pick = r.below(10);
		if (pick < 3) {
			opt[ol++] = 1;                          // NOP
		} else if (pick == 3 && r.chance(30)) {
			opt[ol++] = 0;                          // EOL, then anything
			while (ol < target)
				opt[ol++] = (uint8_t)(r.chance(50) ? 0 : r.below(256));
		} else if (pick < 6 && room >= 10) {            // TS
			opt[ol] = 8; opt[ol + 1] = 10;
			for (int i = 2; i < 10; i++) opt[ol + i] = (uint8_t)r.below(256);
			ol += 10;
		} else if (pick < 8 && room >= 10) {            // SACK, 1..4 blocks
			unsigned n = 1 + r.below((room - 2) / 8 < 4 ? (room - 2) / 8 : 4);
			opt[ol] = 5; opt[ol + 1] = (uint8_t)(2 + 8 * n);
			for (unsigned i = 2; i < 2 + 8 * n; i++) opt[ol + i] = (uint8_t)r.below(256);
			ol += 2 + 8 * n;
		} else if (pick == 8 && room >= 4) {            // MSS: unknown here
			opt[ol] = 2; opt[ol + 1] = 4; opt[ol + 2] = 5; opt[ol + 3] = 0xb4;
			ol += 4;
		} else {                                        // garbage TLV
			opt[ol++] = (uint8_t)r.below(256);
			if (ol < target) opt[ol++] = (uint8_t)r.below(r.chance(50) ? 12 : 256);
		}
	}
	unsigned plen = r.chance(30) ? 0 : r.below(r.chance(50) ? 64 : 1460 - ol);
	unsigned thl = 20 + ol, ip_len = 20 + thl + plen;
	tb_frame f(14 + ip_len);
	uint8_t *p = f.data();
	for (int i = 0; i < 12; i++) p[i] = (uint8_t)r.below(256);
	p[12] = 0x08; p[13] = 0x00;
	uint8_t *ip = p + 14, *th = ip + 20;
	ip[0] = 0x45; ip[1] = (uint8_t)r.below(256);
	ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
	ip[4] = (uint8_t)r.below(256); ip[5] = (uint8_t)r.below(256);
	ip[6] = r.chance(5) ? 0x20 : 0x40; ip[7] = 0;
	ip[8] = 64; ip[9] = 6;
	for (int i = 12; i < 20; i++) ip[i] = (uint8_t)r.below(256);
	uint16_t c = csum16(ip, 20);
	ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	for (int i = 0; i < 12; i++) th[i] = (uint8_t)r.below(256);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = (uint8_t)r.below(256);
	th[14] = (uint8_t)r.below(256); th[15] = (uint8_t)r.below(256);
	memcpy(th + 20, opt, ol);
	for (unsigned i = 0; i < plen; i++) th[thl + i] = (uint8_t)r.below(256);
	uint64_t ps = ref_be16(ip + 12) + ref_be16(ip + 14) + ref_be16(ip + 16) +
		      ref_be16(ip + 18) + 6 + thl + plen;
	c = csum16(th, thl + plen, ps);
	th[16] = (uint8_t)(c >> 8); th[17] = (uint8_t)c;
	if (f.size() < 60 && r.chance(70))
		f.resize(60, 0);                                // Ethernet padding
	return f;
}

static void mutate(tb_rng &r, tb_frame &f)
{
	switch (r.below(6)) {
	case 0:                                                 // flip bits
		for (unsigned n = 1 + r.below(3); n && !f.empty(); n--)
			f[r.below((uint32_t)f.size())] ^= (uint8_t)(1u << r.below(8));
		break;
	case 1:                                                 // header byte
		if (f.size() > 14)
			f[r.below(f.size() < 96 ? (uint32_t)f.size() : 96)] = (uint8_t)r.below(256);
		break;
	case 2:                                                 // truncate
		f.resize(r.below((uint32_t)f.size() + 1));
		break;
	case 3:                                                 // pad
		f.resize(f.size() + 1 + r.below(100), (uint8_t)r.below(256));
		break;
	case 4:                                                 // bogus ip_len
		if (f.size() > 18) { f[16] = (uint8_t)r.below(8); f[17] = (uint8_t)r.below(256); }
		break;
	default:                                                // bogus ihl/doff
		if (f.size() > 47) {
			f[14] = (uint8_t)(0x40 | r.below(16));
			f[46] = (uint8_t)(r.below(16) << 4);
		}
		break;
	}
	if (f.empty())
		f.push_back(0);
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
	TB_CHECK(eff > 0.99, "parser does not sustain one beat per cycle (%.2f)", eff);
	top->final();
	top.reset();
	return 0;
}
