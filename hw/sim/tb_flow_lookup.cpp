// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/flow_lookup.sv against the firmware's own flow table
// (firmware/fp_flowtab.c, linked from libfp.a): the same sequence of
// inserts, removes and lookups must give the same statuses (0, -EEXIST,
// -ENOSPC, -ENOENT) and the same flow ids, including when buckets overflow
// (a small table, FLOW_CAP = CAP, is filled past capacity). Random input
// gaps and output back-pressure; then a lookups-only run must sustain one
// lookup per cycle; then a reset must empty the table.
// Usage: tb_flow_lookup [ops] [seed]
#include <deque>
#include <memory>
#include "Vflow_lookup.h"
#include "tb_common.h"
#define _Static_assert static_assert         /* abi.h is C11 */
extern "C" {
#include "fp_internal.h"
}

#ifndef CAP
#error "build with -DCAP=<FLOW_CAP>"
#endif

static std::unique_ptr<Vflow_lookup> top;
static uint64_t cycles;

static void tick()
{
	top->clk = 1;
	top->eval();
	top->clk = 0;
	top->eval();
	cycles++;
}

struct key { uint32_t lip, rip, ports; };

static struct fp *fw;
static void fw_reset()
{
	memset(fw->buckets, 0, (CAP / 2) * sizeof(struct fp_bucket));
}

static void wait_init()
{
	for (int i = 0; top->busy_init; i++) {
		TB_CHECK(i < 4 * CAP, "reset sweep does not end");
		tick();
	}
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nops = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	fw = (struct fp *)calloc(1, sizeof *fw);
	fw->buckets = (struct fp_bucket *)calloc(CAP / 2, sizeof(struct fp_bucket));
	fw->bucket_mask = CAP / 2 - 1;
	fw->flow_cap = CAP;

	// Key pool: 3x capacity, sharing addresses/ports the way real flows do.
	std::vector<key> pool;
	for (unsigned i = 0; i < 3 * CAP; i++) {
		key k;
		k.lip = r.chance(70) ? 0x0a4d0001u : (uint32_t)r.next();
		k.rip = r.chance(50) ? 0x0a4d0000u + r.below(64) : (uint32_t)r.next();
		k.ports = (r.chance(60) ? 7000u : r.below(65536)) << 16 | r.below(65536);
		pool.push_back(k);
	}

	top = std::make_unique<Vflow_lookup>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	wait_init();

	std::deque<uint32_t> exp_status, exp_flow;
	std::deque<uint32_t> exp_user;
	uint64_t n_upd = 0, n_lkp = 0, n_nospc = 0, n_hit = 0, st_seen = 0, res_seen = 0;
	uint32_t user = 0;
	unsigned upd_pct = 60, bp = 20, gap = 20;
	bool upd_pending = false, lkp_pending = false;
	key uk{}, lk{};
	bool urem = false;
	uint32_t uid = 0;
	uint64_t issued = 0;
	while (issued < nops || !exp_status.empty() || !exp_flow.empty()) {
		if (cycles % 3000 == 0) {
			// Phases: fill (inserts), churn, drain (removes).
			upd_pct = r.below(80);
			bp = r.chance(30) ? 0 : r.below(60);
			gap = r.chance(30) ? 0 : r.below(60);
		}
		if (!upd_pending && issued < nops && r.chance(upd_pct / 4 + 1)) {
			upd_pending = true;
			uk = pool[r.below((uint32_t)pool.size())];
			urem = r.chance(cycles % 20000 < 10000 ? 25 : 60);
			uid = r.below(CAP);
		}
		if (!lkp_pending && issued < nops && !r.chance(gap)) {
			lkp_pending = true;
			lk = pool[r.below((uint32_t)pool.size())];
		}
		top->s_axis_update_tvalid = upd_pending;
		top->s_axis_update_remove = urem;
		top->s_axis_update_local_ip = uk.lip;
		top->s_axis_update_remote_ip = uk.rip;
		top->s_axis_update_ports = uk.ports;
		top->s_axis_update_flow_id = uid;
		top->s_axis_lookup_tvalid = lkp_pending;
		top->s_axis_lookup_local_ip = lk.lip;
		top->s_axis_lookup_remote_ip = lk.rip;
		top->s_axis_lookup_ports = lk.ports;
		top->s_axis_lookup_user = user & 0xff;
		top->m_axis_result_tready = !r.chance(bp);
		top->m_axis_status_tready = !r.chance(bp);
		top->eval();
		// The order the RTL accepts requests in is the order to model.
		if (upd_pending && top->s_axis_update_tready) {
			int st = urem ? fp_flowtab_remove(fw, uk.lip, uk.rip, uk.ports)
				      : fp_flowtab_insert(fw, uk.lip, uk.rip, uk.ports, uid);
			exp_status.push_back((uint32_t)(uint16_t)(int16_t)st);
			n_nospc += st == -ENOSPC;
			upd_pending = false;
			n_upd++;
			issued++;
		} else if (lkp_pending && top->s_axis_lookup_tready) {
			exp_flow.push_back(fp_flowtab_lookup(fw, lk.lip, lk.rip, lk.ports));
			exp_user.push_back(user & 0xff);
			user++;
			lkp_pending = false;
			n_lkp++;
			issued++;
		}
		if (top->m_axis_status_tvalid && top->m_axis_status_tready) {
			TB_CHECK(!exp_status.empty(), "unexpected status");
			TB_CHECK(top->m_axis_status_status == exp_status.front(),
				 "update %llu: status 0x%04x, firmware says 0x%04x",
				 (unsigned long long)st_seen, top->m_axis_status_status, exp_status.front());
			exp_status.pop_front();
			st_seen++;
		}
		if (top->m_axis_result_tvalid && top->m_axis_result_tready) {
			TB_CHECK(!exp_flow.empty(), "unexpected result");
			uint32_t e = exp_flow.front();
			TB_CHECK(top->m_axis_result_flow_id == e && top->m_axis_result_hit == (e != TOFFEE_FLOW_NONE),
				 "lookup %llu: flow 0x%x hit %d, firmware says 0x%x",
				 (unsigned long long)res_seen, top->m_axis_result_flow_id,
				 top->m_axis_result_hit, e);
			TB_CHECK(top->m_axis_result_user == exp_user.front(), "lookup %llu: user mismatch",
				 (unsigned long long)res_seen);
			n_hit += e != TOFFEE_FLOW_NONE;
			exp_flow.pop_front();
			exp_user.pop_front();
			res_seen++;
		}
		tick();
		TB_CHECK(cycles < 50ull * nops + 100000, "timeout");
	}
	TB_CHECK(n_nospc > 0, "the table never overflowed: test too weak");
	TB_CHECK(n_hit > n_lkp / 10, "too few hits (%llu of %llu)", (unsigned long long)n_hit,
		 (unsigned long long)n_lkp);

	// Lookups only, no back-pressure: one per cycle.
	top->s_axis_update_tvalid = 0;
	top->m_axis_result_tready = 1;
	top->m_axis_status_tready = 1;
	uint64_t acc = 0, t0 = cycles, got = 0;
	int64_t first_res = -1;
	for (int i = 0; i < 2000; i++) {
		key k = pool[r.below((uint32_t)pool.size())];
		top->s_axis_lookup_tvalid = 1;
		top->s_axis_lookup_local_ip = k.lip;
		top->s_axis_lookup_remote_ip = k.rip;
		top->s_axis_lookup_ports = k.ports;
		top->eval();
		acc += top->s_axis_lookup_tready;
		got += top->m_axis_result_tvalid;
		if (top->m_axis_result_tvalid && first_res < 0) first_res = (int64_t)(cycles - t0);
		tick();
	}
	double rate = (double)acc / (double)(cycles - t0);
	TB_CHECK(first_res == 7, "lookup latency %lld cycles, documented 7", (long long)first_res);
	TB_CHECK(rate > 0.99, "lookup rate %.3f per cycle", rate);
	top->s_axis_lookup_tvalid = 0;
	for (int i = 0; i < 20; i++) tick();

	// Reset empties the table (after the sweep).
	top->rst = 1;
	tick();
	top->rst = 0;
	wait_init();
	fw_reset();
	for (const key &k : pool) {
		top->s_axis_lookup_tvalid = 1;
		top->s_axis_lookup_local_ip = k.lip;
		top->s_axis_lookup_remote_ip = k.rip;
		top->s_axis_lookup_ports = k.ports;
		top->eval();
		TB_CHECK(top->s_axis_lookup_tready, "not ready after reset");
		tick();
		TB_CHECK(!(top->m_axis_result_tvalid && top->m_axis_result_hit), "hit after reset");
	}
	printf("flow_lookup FLOW_CAP=%u: %llu updates (%llu refused -ENOSPC), %llu lookups "
	       "(%llu hits) identical to fp_flowtab.c; %.2f lookups/cycle; %llu cycles\n",
	       CAP, (unsigned long long)n_upd, (unsigned long long)n_nospc,
	       (unsigned long long)n_lkp, (unsigned long long)n_hit, rate,
	       (unsigned long long)cycles);
	top->final();
	top.reset();
	return 0;
}
