// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/dma_rd_arb.sv (N = 3, 64-bit data) with random
// traffic, gaps and back-pressure: requests from each requester go to a
// shell model that answers in order with the aligned beats covering
// [addr, addr+len) (data = a function of the address); each requester must
// get exactly its own responses, in its order, with its tags.
#include <deque>
#include <memory>
#include "tb_common.h"
#include "Vdma_rd_arb.h"
typedef Vdma_rd_arb top_t;

static std::unique_ptr<top_t> top;
static uint64_t cycles;
static void tick()
{
	top->clk = 1; top->eval(); top->clk = 0; top->eval();
	cycles++;
}
static const int N = 3;

static uint64_t mem_byte(uint64_t a) { return (a * 0x9e3779b97f4a7c15ull) >> 56; }

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	tb_rng r(argc > 1 ? strtoull(argv[1], nullptr, 0) : 1);
	top = std::make_unique<top_t>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	struct req { uint64_t addr; uint32_t len, tag; };
	std::deque<req> want[N];                // per requester, awaiting responses
	std::deque<std::pair<req, int>> shell;  // requests as the shell saw them
	req pend[N];
	bool has[N] = {};
	uint32_t issued[N] = {}, answered[N] = {}, beat_in_resp[N] = {};
	const uint32_t per = 2000;
	unsigned gap = 30;
	uint32_t sbeat = 0;
	uint64_t total = 0;
	while (total < N * per) {
		if (cycles % 4000 == 0) gap = r.chance(40) ? 0 : r.below(60);
		uint32_t valid = 0;
		for (int i = 0; i < N; i++) {
			if (!has[i] && issued[i] < per && !r.chance(gap)) {
				pend[i] = {0x10000ull * (i + 1) + r.below(4096), 1 + r.below(100), r.below(256)};
				has[i] = true;
			}
			if (has[i]) {
				valid |= 1u << i;
				top->s_axis_rd_req_addr[2 * i] = (uint32_t)pend[i].addr;
				top->s_axis_rd_req_addr[2 * i + 1] = (uint32_t)(pend[i].addr >> 32);
				top->s_axis_rd_req_len = (top->s_axis_rd_req_len & ~(0xffffull << (16 * i))) |
							 ((uint64_t)pend[i].len << (16 * i));
				top->s_axis_rd_req_tag = (top->s_axis_rd_req_tag & ~(0xffu << (8 * i))) | (pend[i].tag << (8 * i));
			}
		}
		top->s_axis_rd_req_tvalid = valid;
		top->m_axis_rd_req_tready = !r.chance(gap / 2);
		// Shell: answer the oldest request, one beat per cycle.
		bool sv = !shell.empty() && !r.chance(gap / 2);
		uint32_t nbeats = 0;
		if (sv) {
			const req &q = shell.front().first;
			nbeats = (uint32_t)((q.addr % 8 + q.len + 7) / 8);
			uint64_t a = (q.addr & ~7ull) + 8ull * sbeat, d = 0;
			for (int b = 0; b < 8; b++) d |= mem_byte(a + b) << (8 * b);
			top->s_axis_rd_resp_data = d;
			top->s_axis_rd_resp_tag = q.tag;
			top->s_axis_rd_resp_last = sbeat + 1 == nbeats;
		}
		top->s_axis_rd_resp_tvalid = sv;
		uint32_t rr = 0;
		for (int i = 0; i < N; i++) rr |= (uint32_t)!r.chance(gap / 3) << i;
		top->m_axis_rd_resp_tready = rr;
		top->eval();
		uint32_t rdy = top->s_axis_rd_req_tready;
		TB_CHECK(__builtin_popcount(rdy & valid) <= 1, "two requests granted");
		if (top->m_axis_rd_req_tvalid && top->m_axis_rd_req_tready) {
			int i = __builtin_ctz(rdy & valid);
			TB_CHECK(top->m_axis_rd_req_addr == pend[i].addr && top->m_axis_rd_req_len == pend[i].len,
				 "request fields");
			shell.push_back({{pend[i].addr, pend[i].len, top->m_axis_rd_req_tag}, i});
			want[i].push_back(pend[i]);
			has[i] = false;
			issued[i]++;
		}
		uint32_t rv = top->m_axis_rd_resp_tvalid;
		TB_CHECK(__builtin_popcount(rv) <= 1, "response to two requesters");
		if (sv) {
			int dst = shell.front().second;
			TB_CHECK(rv == (1u << dst), "response routed to 0x%x, expected requester %d", rv, dst);
			if (top->s_axis_rd_resp_tready) {
				TB_CHECK((rr >> dst) & 1, "response taken by a stalled requester");
				const req &w = want[dst].front();
				uint64_t a = (w.addr & ~7ull) + 8ull * beat_in_resp[dst], d = 0;
				for (int b = 0; b < 8; b++) d |= mem_byte(a + b) << (8 * b);
				TB_CHECK(top->m_axis_rd_resp_data == d && top->m_axis_rd_resp_tag == w.tag,
					 "requester %d: response data/tag", dst);
				beat_in_resp[dst]++;
				if (++sbeat == nbeats) {
					TB_CHECK(top->m_axis_rd_resp_last && beat_in_resp[dst] == nbeats, "last");
					shell.pop_front();
					want[dst].pop_front();
					beat_in_resp[dst] = 0;
					sbeat = 0;
					answered[dst]++;
					total++;
				}
			}
		}
		tick();
		TB_CHECK(cycles < 5000000, "timeout");
	}
	printf("dma_rd_arb N=%d: %llu requests answered to the right requester (%u/%u/%u), %llu cycles\n",
	       N, (unsigned long long)total, answered[0], answered[1], answered[2],
	       (unsigned long long)cycles);
	top->final();
	top.reset();
	return 0;
}
