// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/flow_state.sv (READ_LATENCY = LAT): reads every cycle,
// mostly of two or three hot flows, and writes of two kinds: a consumer that
// writes back, one cycle after it receives a flow's state, a modified copy
// of it (the protocol stage's read-modify-write), and unrelated random
// writes with random word enables. Every state delivered must equal a model
// to which each write was applied in the cycle it was presented - i.e. no
// segment ever sees stale state, also back to back on the same flow.
#include <memory>
#include "Vflow_state.h"
#include "tb_common.h"

#ifndef LAT
#error "build with -DLAT="
#endif
static const unsigned CAP = 64;

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	tb_rng r(argc > 1 ? strtoull(argv[1], nullptr, 0) : 1);
	std::unique_ptr<Vflow_state> top = std::make_unique<Vflow_state>();
	static uint32_t model[CAP][32];
	memset(model, 0, sizeof model);

	auto tick = [&] { top->clk = 1; top->eval(); top->clk = 0; top->eval(); };
	top->rst = 1;
	tick();
	top->rst = 0;
	// Initialise every flow (the RAM starts undefined on hardware).
	for (uint32_t f = 0; f < CAP; f++) {
		top->s_axis_wr_tvalid = 1;
		top->s_axis_wr_flow_id = f;
		for (int w = 0; w < 32; w++) top->s_axis_wr_state[w] = model[f][w] = (uint32_t)r.next();
		top->s_axis_wr_strb = 0xffffffffu;
		tick();
	}
	top->s_axis_wr_tvalid = 0;
	for (int i = 0; i < 8; i++) tick();

	bool wb_pending = false;               // write-back due this cycle
	uint32_t wb_flow = 0, wb_state[32], wb_strb = 0;
	uint64_t checked = 0, forwarded = 0;
	uint32_t hot[3] = {r.below(CAP), r.below(CAP), r.below(CAP)};
	const uint64_t ncycles = 300000;
	for (uint64_t c = 0; c < ncycles; c++) {
		if (c % 10000 == 0)
			for (auto &h : hot) h = r.below(CAP);
		bool rd = r.chance(85);
		uint32_t rf = r.chance(80) ? hot[r.below(3)] : r.below(CAP);
		top->s_axis_rd_tvalid = rd;
		top->s_axis_rd_flow_id = rf;
		// This cycle's write: the consumer's write-back, else maybe a random one.
		bool wr = false;
		uint32_t wf = 0, ws[32], wm = 0;
		if (wb_pending) {
			wr = true; wf = wb_flow; memcpy(ws, wb_state, sizeof ws); wm = wb_strb;
		} else if (r.chance(20)) {
			wr = true; wf = r.chance(50) ? hot[r.below(3)] : r.below(CAP);
			for (int w = 0; w < 32; w++) ws[w] = (uint32_t)r.next();
			wm = (uint32_t)r.next();
		}
		wb_pending = false;
		top->s_axis_wr_tvalid = wr;
		top->s_axis_wr_flow_id = wf;
		for (int w = 0; w < 32; w++) top->s_axis_wr_state[w] = wr ? ws[w] : 0;
		top->s_axis_wr_strb = wm;
		top->eval();
		if (wr)
			for (int w = 0; w < 32; w++)
				if ((wm >> w) & 1) model[wf][w] = ws[w];
		if (top->m_axis_st_tvalid) {
			uint32_t f = top->m_axis_st_flow_id;
			TB_CHECK(f < CAP, "flow id");
			for (int w = 0; w < 32; w++)
				TB_CHECK(top->m_axis_st_state[w] == model[f][w],
					 "cycle %llu flow %u word %d: 0x%08x, model 0x%08x",
					 (unsigned long long)c, f, w, top->m_axis_st_state[w], model[f][w]);
			checked++;
			// The consumer: update some words (e.g. rcv_nxt += len) and
			// write them back next cycle.
			if (r.chance(90)) {
				wb_pending = true;
				wb_flow = f;
				wb_strb = (uint32_t)r.next() | 1u << 12;
				for (int w = 0; w < 32; w++) wb_state[w] = top->m_axis_st_state[w] + 1 + (uint32_t)w;
				forwarded++;
			}
		}
		tick();
	}
	printf("flow_state READ_LATENCY=%d: %llu states checked, %llu read-modify-writes, %llu cycles\n",
	       LAT, (unsigned long long)checked, (unsigned long long)forwarded,
	       (unsigned long long)ncycles);
	top->final();
	top.reset();
	return 0;
}
