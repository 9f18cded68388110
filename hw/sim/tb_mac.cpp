// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/mac_rx.sv (-DMAC_RX) or mac_tx.sv (-DMAC_TX), DW bits.
//  RX: the MAC pushes frames of 1..1600 bytes without back-pressure, some
//      flagged bad; the parser side stalls at random, sometimes for long
//      enough to overflow the FIFO. Delivered frames must be, in order,
//      exactly the good frames of at most MAX_FRAME bytes minus those
//      dropped for overflow; the status pulses must account for every
//      frame, and overflows must happen (the test provokes them).
//  TX: frames of 1..1514 bytes with gaps inside frames; the MAC must see
//      each frame padded with zeros to 60 bytes, without gaps.
#include <deque>
#include <memory>
#include "tb_common.h"
#define _Static_assert static_assert
#include "toffee/abi.h"
#ifdef MAC_RX
#include "Vmac_rx.h"
typedef Vmac_rx top_t;
#else
#include "Vmac_tx.h"
typedef Vmac_tx top_t;
#endif
#ifndef DW
#error "build with -DDW="
#endif
static const unsigned K = DW / 8;

static std::unique_ptr<top_t> top;
static uint64_t cycles;
static void tick()
{
	top->clk = 1; top->eval(); top->clk = 0; top->eval();
	cycles++;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	tb_rng r(argc > 1 ? strtoull(argv[1], nullptr, 0) : 1);
	top = std::make_unique<top_t>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	const unsigned nframes = 3000;
	std::vector<tb_frame> in;
	std::vector<bool> bad;
	for (unsigned i = 0; i < nframes; i++) {
#ifdef MAC_RX
		unsigned len = r.chance(10) ? 1519 + r.below(100) : 1 + r.below(r.chance(50) ? 128 : 1518);
#else
		unsigned len = 1 + r.below(r.chance(50) ? 100 : 1514);
#endif
		tb_frame f(len);
		for (auto &b : f) b = (uint8_t)r.next();
		in.push_back(f);
		bad.push_back(r.chance(10));
	}
	size_t fi = 0, bi = 0, out_n = 0;
	tb_frame cur;
	unsigned stall = 0, gap = 10;
	bool calm = false;                      // a phase without output stalls
#ifdef MAC_RX
	uint64_t n_good = 0, n_fcs = 0, n_big = 0, n_ovf = 0;
	size_t expect_from = 0;                 // next input frame that may be delivered
	while (fi < nframes || top->m_axis_rx_tvalid || cycles < 100) {
		if (cycles % 20000 == 0) calm = !calm;
		bool send = fi < nframes && !r.chance(gap);
		if (send) {
			const tb_frame &f = in[fi];
			unsigned off = (unsigned)(bi * K), n = (unsigned)f.size() - off < K ? (unsigned)f.size() - off : K;
			tb_put(top->s_axis_mac_rx_tdata, f.data() + off, n);
			top->s_axis_mac_rx_tkeep = tb_keep(n);
			top->s_axis_mac_rx_tlast = off + n == f.size();
			top->s_axis_mac_rx_tuser = bad[fi] && off + n == f.size();
		}
		top->s_axis_mac_rx_tvalid = send;
		if (!calm && stall == 0 && r.chance(1)) stall = r.below(3000);
		top->m_axis_rx_tready = stall == 0 && !r.chance(calm ? 0 : 20);
		if (stall) stall--;
		top->eval();
		TB_CHECK(top->s_axis_mac_rx_tready, "MAC side back-pressured");
		if (top->m_axis_rx_tvalid && top->m_axis_rx_tready) {
			uint8_t b[64];
			tb_get(top->m_axis_rx_tdata, b, K);
			for (unsigned i = 0; i < K; i++)
				if ((top->m_axis_rx_tkeep >> i) & 1) cur.push_back(b[i]);
			if (top->m_axis_rx_tlast) {
				// The next good frame at or after expect_from must be it.
				size_t j = expect_from;
				while (j < fi + 1 && !(in[j] == cur))
					j++;
				TB_CHECK(j <= fi && !bad[j] && in[j].size() <= TOFFEE_MAX_FRAME,
					 "output frame %zu (%zu bytes) is not a pending good input frame", out_n, cur.size());
				expect_from = j + 1;
				cur.clear();
				out_n++;
			}
		}
		n_good += top->stat_rx_frame;
		n_fcs += top->stat_drop_fcs;
		n_big += top->stat_drop_oversize;
		n_ovf += top->stat_drop_overflow;
		tick();
		if (send && ++bi * K >= in[fi].size()) { fi++; bi = 0; }
		TB_CHECK(cycles < 10000000, "timeout");
	}
	for (int i = 0; i < 10; i++) tick();
	n_good += top->stat_rx_frame; n_fcs += top->stat_drop_fcs;
	n_big += top->stat_drop_oversize; n_ovf += top->stat_drop_overflow;
	uint64_t exp_fcs = 0, exp_big = 0;
	for (unsigned i = 0; i < nframes; i++) {
		exp_fcs += bad[i];
		exp_big += !bad[i] && in[i].size() > TOFFEE_MAX_FRAME;
	}
	TB_CHECK(n_good == out_n, "stat_rx_frame %llu, delivered %zu", (unsigned long long)n_good, out_n);
	TB_CHECK(n_good + n_fcs + n_big + n_ovf == nframes, "status pulses do not add up");
	TB_CHECK(n_fcs <= exp_fcs && n_big <= exp_big && n_fcs + n_big + n_ovf >= exp_fcs + exp_big,
		 "drop reasons: fcs %llu/%llu oversize %llu/%llu overflow %llu", (unsigned long long)n_fcs,
		 (unsigned long long)exp_fcs, (unsigned long long)n_big, (unsigned long long)exp_big,
		 (unsigned long long)n_ovf);
	TB_CHECK(n_ovf > 0, "no overflow happened: test too weak");
	printf("mac_rx DW=%u: %u frames: %llu delivered, %llu FCS, %llu oversize, %llu overflow; %llu cycles\n",
	       DW, nframes, (unsigned long long)n_good, (unsigned long long)n_fcs, (unsigned long long)n_big,
	       (unsigned long long)n_ovf, (unsigned long long)cycles);
#else
	bool mac_busy = false;                  // inside a frame on the MAC side
	uint64_t n_stat = 0;
	while (out_n < nframes) {
		bool send = fi < nframes && !r.chance(gap);
		if (send) {
			const tb_frame &f = in[fi];
			unsigned off = (unsigned)(bi * K), n = (unsigned)f.size() - off < K ? (unsigned)f.size() - off : K;
			tb_put(top->s_axis_tx_tdata, f.data() + off, n);
			// Garbage beyond tkeep must not leak into the padding.
			uint8_t junk[64];
			tb_get(top->s_axis_tx_tdata, junk, K);
			for (unsigned i = n; i < K; i++) junk[i] = 0xee;
			tb_put(top->s_axis_tx_tdata, junk, K);
			top->s_axis_tx_tkeep = tb_keep(n);
			top->s_axis_tx_tlast = off + n == f.size();
		}
		top->s_axis_tx_tvalid = send;
		top->m_axis_mac_tx_tready = !r.chance(20);
		top->eval();
		bool in_fire = send && top->s_axis_tx_tready;
		TB_CHECK(!mac_busy || top->m_axis_mac_tx_tvalid, "gap inside a frame towards the MAC");
		if (top->m_axis_mac_tx_tvalid && top->m_axis_mac_tx_tready) {
			uint8_t b[64];
			tb_get(top->m_axis_mac_tx_tdata, b, K);
			for (unsigned i = 0; i < K; i++)
				if ((top->m_axis_mac_tx_tkeep >> i) & 1) cur.push_back(b[i]);
			mac_busy = !top->m_axis_mac_tx_tlast;
			if (top->m_axis_mac_tx_tlast) {
				tb_frame e = in[out_n];
				if (e.size() < 60) e.resize(60, 0);
				TB_CHECK(cur == e, "frame %zu: %zu bytes out, expected %zu", out_n, cur.size(), e.size());
				cur.clear();
				out_n++;
			}
		}
		n_stat += top->stat_tx_frame;
		tick();
		if (in_fire && ++bi * K >= in[fi].size()) { fi++; bi = 0; }
		TB_CHECK(cycles < 10000000, "timeout");
	}
	printf("mac_tx DW=%u: %zu frames padded and gap-free, %llu cycles\n", DW, out_n,
	       (unsigned long long)cycles);
	(void)n_stat;
#endif
	top->final();
	top.reset();
	return 0;
}
