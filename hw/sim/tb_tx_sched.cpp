// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/tx_sched.sv against the firmware's scheduler itself:
// the list code of firmware/fp_sched.c and the inline operations of
// fp_internal.h (fp_sched_kick / pop / rotate / wait / advance) run on a
// real struct fp (libfp.a, fp_init through tests/lib/fphost without rings).
// Every flow has data pending, so fp_sched_kick() is "enqueue unless
// queued", as the RTL's KICK. Random operation sequences go through both:
// kicks (a small pool of flows, so most find the flow queued), pops and
// rotations of the head, the transmit loop's pop + wait(id, when) with
// times before wheel_time, inside the wheel and beyond its horizon, and
// advances with small steps, slot-boundary steps and jumps of more than a
// revolution. After every operation the head of the ready FIFO, wheel_time
// and wheel_busy must be the firmware's; at the end both are drained and the
// remaining service order compared. Also checks the RTL's copies of
// FP_WHEEL_SHIFT and FP_WHEEL_SLOTS.
#include <memory>
#include "Vtx_sched.h"
#include "Vtx_sched_tx_sched.h"
#include "tb_common.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

static_assert(Vtx_sched_tx_sched::WHEEL_SHIFT == FP_WHEEL_SHIFT, "FP_WHEEL_SHIFT");
static_assert(Vtx_sched_tx_sched::WHEEL_SLOTS == FP_WHEEL_SLOTS, "FP_WHEEL_SLOTS");
#ifndef CAP
#define CAP 1024
#endif

static std::unique_ptr<Vtx_sched> top;
static uint64_t cycles;
static void tick() { top->clk = 1; top->eval(); top->clk = 0; top->eval(); cycles++; }

enum { OP_KICK, OP_POP, OP_ROTATE, OP_WAIT, OP_ADVANCE, OP_N };
static const char *oname[] = {"KICK", "POP", "ROTATE", "WAIT", "ADVANCE"};
static uint64_t op_max[OP_N], op_cnt[OP_N], op_cyc[OP_N];

// One operation through the RTL; returns its cycles.
static void rtl_op(unsigned code, uint32_t id, uint64_t t)
{
	TB_CHECK(top->s_axis_op_tready, "not ready");
	top->s_axis_op_tvalid = 1;
	top->s_axis_op_code = code;
	top->s_axis_op_flow_id = id;
	top->s_axis_op_time = t;
	tick();
	top->s_axis_op_tvalid = 0;
	uint64_t n = 1;
	while (!top->s_axis_op_tready) {
		tick();
		TB_CHECK(++n < 5000, "%s: no completion", oname[code]);
	}
	op_cnt[code]++;
	op_cyc[code] += n;
	if (n > op_max[code]) op_max[code] = n;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nops = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = CAP;
	cfg.no_setup = true;
	struct fphost *fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");
	struct fp *fp = fh->fp;
	for (unsigned i = 0; i < CAP; i++) {                  // every flow has data pending
		fp->flows[i].snd_nxt = 0;
		fp->flows[i].tx_end = 1;
	}

	top = std::make_unique<Vtx_sched>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	unsigned init = 0;
	while (top->busy_init) { tick(); TB_CHECK(++init < 2 * CAP + 2048, "init sweep"); }

	auto compare = [&](unsigned n, const char *what) {
		uint32_t h = fp->ready_head;
		if (top->head_valid != (h != TOFFEE_FLOW_NONE) || top->head_id != h)
			TB_FAIL("op %u (%s): RTL head %s 0x%x, firmware 0x%x", n, what,
				top->head_valid ? "valid" : "none", top->head_id, h);
		if (top->stat_wheel_time != fp->wheel_time || top->stat_wheel_busy != fp->wheel_busy)
			TB_FAIL("op %u (%s): RTL wheel_time %llu busy %u, firmware %llu busy %u", n, what,
				(unsigned long long)top->stat_wheel_time, top->stat_wheel_busy,
				(unsigned long long)fp->wheel_time, fp->wheel_busy);
	};
	compare(0, "reset");

	uint64_t now = 0;
	unsigned pool = 8;
	uint64_t moved = 0, clamped_lo = 0, clamped_hi = 0, walks = 0, behind = 0, max_ready = 0;
	for (unsigned n = 1; n <= nops; n++) {
		if (n % 20000 == 1)                                  // phases: few or many flows
			pool = r.chance(50) && CAP > 20 ? 4 + r.below(16) : CAP;
		unsigned k = r.below(100);
		uint32_t h = fp->ready_head;
		if (k < 30) {
			uint32_t id = r.below(pool);
			fp_sched_kick(fp, &fp->flows[id], id);
			rtl_op(OP_KICK, id, r.next());
			compare(n, "KICK");
		} else if (k < 42 && h != TOFFEE_FLOW_NONE) {
			fp_sched_pop(fp, &fp->flows[h]);
			rtl_op(OP_POP, r.next(), r.next());
			compare(n, "POP");
		} else if (k < 57 && h != TOFFEE_FLOW_NONE) {
			fp_sched_rotate(fp, &fp->flows[h], h);
			rtl_op(OP_ROTATE, r.next(), r.next());
			compare(n, "ROTATE");
		} else if (k < 75) {
			// The transmit loop's WAIT_RATE: pop the head, wait; or a
			// flow that is in no list.
			uint32_t id;
			if (h != TOFFEE_FLOW_NONE && r.chance(70)) {
				fp_sched_pop(fp, &fp->flows[h]);
				rtl_op(OP_POP, 0, 0);
				compare(n, "POP before WAIT");
				id = h;
			} else {
				id = r.below(pool);
				if (fp->flows[id].nic_flags & FP_NF_QUEUED) continue;
			}
			unsigned wk = r.below(10);
			uint64_t when = wk == 0 ? now - r.below(100000) : wk == 1 ? fp->wheel_time + ((uint64_t)FP_WHEEL_SLOTS << FP_WHEEL_SHIFT) + r.below(1u << 22)
				      : wk == 2 ? r.next() : wk == 3 ? fp->wheel_time + ((uint64_t)(FP_WHEEL_SLOTS - 1) << FP_WHEEL_SHIFT) - 1 + r.below(3)
				      : now + r.below(wk < 7 ? 20000 : 1100000);
			uint64_t hz = fp->wheel_time + ((uint64_t)(FP_WHEEL_SLOTS - 1) << FP_WHEEL_SHIFT);
			clamped_lo += (int64_t)(when - fp->wheel_time) < 0;
			clamped_hi += (int64_t)(when - hz) > 0;
			fp_sched_wait(fp, &fp->flows[id], id, when);
			rtl_op(OP_WAIT, id, when);
			compare(n, "WAIT");
		} else {
			unsigned sk = r.below(20);
			now += sk == 0 ? (1u << 20) + r.below(1u << 22) : sk == 1 ? 0 : sk < 4 ? 1024 - (now & 1023)
			     : r.below(sk < 12 ? 3000 : 60000);
			walks += fp->wheel_busy != 0;
			uint32_t busy0 = fp->wheel_busy;
			behind += busy0 && (int64_t)(now - fp->wheel_time) >= ((int64_t)FP_WHEEL_SLOTS << FP_WHEEL_SHIFT);
			fp_sched_advance(fp, now);
			moved += busy0 - fp->wheel_busy;
			rtl_op(OP_ADVANCE, r.next(), now);
			compare(n, "ADVANCE");
		}
		uint64_t len = 0;
		for (uint32_t i = fp->ready_head; i != TOFFEE_FLOW_NONE && len < 3 * CAP; i = fp->flows[i].sched_next) len++;
		if (len > max_ready) max_ready = len;
	}
	// Drain: everything to the ready FIFO, then serve it.
	now += 2ull << 20;
	for (unsigned i = 0; i < 3; i++) {
		fp_sched_advance(fp, now);
		rtl_op(OP_ADVANCE, 0, now);
		compare(nops + 1, "drain ADVANCE");
		now += 1u << 20;
	}
	unsigned drained = 0;
	while (fp->ready_head != TOFFEE_FLOW_NONE) {
		fp_sched_pop(fp, &fp->flows[fp->ready_head]);
		rtl_op(OP_POP, 0, 0);
		compare(nops + 2 + drained, "drain POP");
		drained++;
	}
	printf("tx_sched (FLOW_CAP %u): %u operations identical to the firmware's scheduler (head, wheel_time, "
	       "wheel_busy after each), %u drained in the same order; %llu flows moved from the wheel in "
	       "%llu walks (%llu a revolution behind), waits clamped %llu early / %llu late, longest ready FIFO %llu\n",
	       CAP, nops, drained, (unsigned long long)moved, (unsigned long long)walks, (unsigned long long)behind,
	       (unsigned long long)clamped_lo, (unsigned long long)clamped_hi, (unsigned long long)max_ready);
	printf("  cycles per operation (mean/max):");
	for (unsigned i = 0; i < OP_N; i++)
		printf(" %s %.2f/%llu", oname[i], op_cnt[i] ? (double)op_cyc[i] / op_cnt[i] : 0.0,
		       (unsigned long long)op_max[i]);
	printf("\n");
	TB_CHECK(moved > 0 && behind > 0 && clamped_lo > 0 && clamped_hi > 0 && drained > 0, "coverage too thin");
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
