// SPDX-License-Identifier: MIT
// tb_diff: doorbells and ARM written while the engine works (tb_diff.h).
#include "tb_diff.h"

// ---------------------------------------------------------------------------
// ARM while the event is on its way: the application arms its context at a
// random cycle after the segment entered the MAC. The RTL must notify if
// the ARM write landed no later than the cycle the event's entry was
// committed (the application arms, then looks at the ring: finding nothing
// it would sleep through the event); the firmware gets the ARM write
// before the segment if the RTL notified, after it if not, and must agree
// with the RTL in all else.
void arm_race(tb_rng &r, gflow &g, unsigned rounds)
{
	uint64_t t_arm = 0;
	nic->on_axil_wr = [&](uint64_t cyc, uint32_t) { t_arm = cyc; };
	uint8_t pay[256];
	unsigned notified_n = 0;
	for (unsigned i = 0; i < rounds; i++) {
		consume_rx(r);
		fphost_reg_wr(fh, dbr(g.ctx, TOFFEE_DB_ARM), 0);
		poll_idle("arm race: drained");
		if (const struct toffee_flow *st = fp_flow(fh->fp, g.id))
			g.peer_seq = st->rcv_nxt;
		g.peer_ack = g.snd_seen;
		uint32_t plen = 1 + r.below(sizeof pay);
		for (uint32_t k = 0; k < plen; k++)
			pay[k] = (uint8_t)r.next();
		tb_frame f = build(g, g.peer_seq, 0x10, pay, plen);
		g.peer_seq += plen;
		step_no++;
		step_name = "arm race";
		sync_host();
		size_t e0 = rtl_ev.entries.size();
		nic->rx_frame(f.data(), (uint32_t)f.size());
		for (unsigned d = r.below(DW == 64 ? 140 : 90); d; d--)
			nic->tick();
		nic->reg_wr(dbr(g.ctx, TOFFEE_DB_ARM), 1);
		run_idle("arm race");
		bool notified = false;
		for (uint32_t c : nic->irqs)
			notified |= c == g.ctx;
		TB_CHECK(rtl_ev.entries.size() == e0 + 1, "arm race: %zu entries", rtl_ev.entries.size() - e0);
		TB_CHECK(notified || t_arm > rtl_commit_cyc, "arm race: ARM written at cycle %llu, the event's entry "
			 "committed at %llu, no notification (lost wakeup)", (unsigned long long)t_arm,
			 (unsigned long long)rtl_commit_cyc);
		if (notified)
			fphost_reg_wr(fh, dbr(g.ctx, TOFFEE_DB_ARM), 1);
		fphost_rx(fh, f.data(), (uint32_t)f.size());
		if (!notified)
			fphost_reg_wr(fh, dbr(g.ctx, TOFFEE_DB_ARM), 1);
		compare();
		notified_n += notified;
	}
	nic->on_axil_wr = nullptr;
	TB_CHECK(notified_n > 0 && notified_n < rounds, "arm race: %u of %u notified (the delays miss the race)",
		 notified_n, rounds);
	host_drain();
	consume_rx(r);
	fphost_reg_wr(fh, dbr(g.ctx, TOFFEE_DB_ARM), 0);
	poll_idle("arm race: done");
}

// n no-op commands for flow fid appended to context c's CMD ring (the RTL's
// memory only: the firmware does not follow), idx its tail; then CMD_TAIL.
static void ctx_noops(uint32_t c, uint32_t fid, uint32_t &idx, uint32_t n)
{
	const struct fphost_ring *q = &fh->ctx_cmd[c];
	uint32_t size = 1u << q->log2;
	for (uint32_t i = 0; i < n; i++, idx++) {
		struct toffee_ctx_cmd e;
		memset(&e, 0, sizeof e);
		e.flow_id = fid;
		e.phase = toffee_phase(idx, q->log2);
		memcpy(&rmem[q->iova + (uint64_t)(idx & (size - 1)) * sizeof e], &e, sizeof e);
	}
	nic->reg_wr(dbr(c, TOFFEE_DB_CMD_TAIL), idx);
}

// ---------------------------------------------------------------------------
// Doorbells while the engine works: the lockstep steps above never ring a
// doorbell during a poll. Here the engine polls without pause (poll_step =
// 0) while the host appends context commands (no-ops: nothing to send or
// consume) and writes CMD_TAIL at random moments, and (directed) right
// while the engine works through that context's ring; every command must
// be consumed in the end: a doorbell that came while the engine was busy
// with that context must not be lost. The last phase: the firmware does
// not follow it.
unsigned doorbell_race(tb_rng &r, unsigned rounds)
{
	static const unsigned S_CTX_CMD = 65;        // engine.sv: an entry read back
	uint32_t idx[N_CTX], fid[N_CTX];
	unsigned rung = 0;
	for (uint32_t c = 0; c < N_CTX; c++) {
		idx[c] = fh->ctx_cmd[c].idx;
		fid[c] = TOFFEE_FLOW_NONE;
		for (const gflow &g : flows)
			if (g.installed && g.ctx == c)
				fid[c] = g.id;
	}
	auto append = [&](uint32_t c, uint32_t n) {
		ctx_noops(c, fid[c], idx[c], n);
		rung++;
	};
	nic->model()->poll_step = 0;
	for (unsigned k = 0; k < rounds + N_CTX; k++) {
		// the last N_CTX rounds: one directed doorbell per context
		uint32_t c = k < rounds ? r.below(N_CTX) : k - rounds;
		uint32_t size = 1u << fh->ctx_cmd[c].log2, n = 2 + r.below(8);
		if (idx[c] - nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD)) + n + 1 > size / 2)
			continue;
		append(c, n);
		if (k >= rounds || r.chance(50)) {
			unsigned w = 0;
			while (w++ < 5000 && !(state_of() == S_CTX_CMD &&
					       nic->model()->rootp->toffee_top->engine_inst__DOT__cur_ctx_reg == c))
				nic->tick();
			append(c, 1);
		}
		for (unsigned g = r.below(60); g; g--)
			nic->tick();
	}
	for (uint64_t n = 0;; n++) {
		bool all = true;
		for (uint32_t c = 0; c < N_CTX; c++)
			all &= nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD)) == idx[c];
		if (all)
			break;
		if (n == 20000)
			for (uint32_t c = 0; c < N_CTX; c++)
				TB_CHECK(nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD)) == idx[c],
					 "doorbells during polls: context %u's CMD head stays at %u, tail %u (a lost doorbell)",
					 c, nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD)), idx[c]);
		for (unsigned i = 0; i < 20; i++)
			nic->tick();
	}
	nic->model()->poll_step = 1;
	return rung;
}


// ---------------------------------------------------------------------------
// Host commands during a flood: a steady stream of segments must not keep
// the host's commands (an application's consumed bytes: the window it
// opens; the slow path's REMOVE and INSTALL) waiting until it ends. The
// engine polls freely; n full-size in-order segments for flow g go in as
// fast as they are taken (g's receive buffer holds them all; the host takes
// the events as they come), and once they flow, 4 commands of g's context
// and 2 slow-path commands (SET_WINDOW, and the REMOVE of another flow: a
// table update) are posted. They must be done within the first half of the
// flood (a poll step per RX_TURN segments, engine.sv; without it, only
// after the flood). The firmware does not follow.
void rx_flood(gflow &g, unsigned n)
{
	const struct toffee_flow *st = fp_flow(fh->fp, g.id);
	TB_CHECK(st != nullptr, "flood: flow %u not installed", g.id);
	g.peer_ack = st->snd_una;
	static uint8_t pay[1448];
	TB_CHECK(n * sizeof pay <= st->rx_avail, "flood: %u segments do not fit", n);
	uint32_t seq = st->rcv_nxt;
	uint64_t segs0 = nic->counter(TOFFEE_CNT_RX_DATA_SEGS);
	nic->model()->poll_step = 0;
	for (unsigned i = 0; i < 2000; i++)      // a poll or two with nothing to do
		nic->tick();
	// (doorbell_race() left the RTL's rings ahead of the firmware's: all
	// taken, the head is the tail)
	uint32_t c = g.ctx, idx = nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD));
	// A frame every `period` cycles: back to back at DW 64 (the MAC is the
	// limit; the engine waits for each frame), at the engine's pace at DW
	// 512 (a faster MAC would overflow its FIFO).
	unsigned sent = 0;
	const uint64_t beats = (build(g, seq, 0x10, pay, sizeof pay).size() + DW / 8 - 1) / (DW / 8);
	const uint64_t period = DW == 64 ? beats : beats + 8;
	uint64_t t_in = nic->cycle();
	auto feed = [&]() {
		for (; sent < n && nic->cycle() >= t_in + sent * period; sent++, seq += sizeof pay) {
			tb_frame f = build(g, seq, 0x10, pay, sizeof pay);
			nic->rx_frame(f.data(), (uint32_t)f.size());
		}
	};
	while (nic->cycle() < t_in + 5 * period) {   // the flood under way
		feed();
		nic->tick();
	}
	ctx_noops(c, g.id, idx, 4);
	uint32_t other = TOFFEE_FLOW_NONE;
	for (const gflow &h : flows)
		if (h.installed && h.id != g.id) {
			other = h.id;
			break;
		}
	TB_CHECK(other != TOFFEE_FLOW_NONE, "flood: no other flow to remove");
	const struct fphost_ring *q = &fh->sp[TOFFEE_SPQ_CMD];
	uint32_t sp_idx = nic->reg_rd(spq(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD));
	for (uint32_t k = 0; k < 2; k++, sp_idx++) {
		struct toffee_sp_cmd e;
		memset(&e, 0, sizeof e);
		e.opcode = k ? TOFFEE_CMD_REMOVE : TOFFEE_CMD_SET_WINDOW;
		e.flow_id = k ? other : g.id;
		e.phase = toffee_phase(sp_idx, q->log2);
		memcpy(&rmem[q->iova + (uint64_t)(sp_idx & ((1u << q->log2) - 1)) * sizeof e], &e, sizeof e);
	}
	nic->reg_wr(spq(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL), sp_idx);
	uint64_t t0 = nic->cycle(), t_cmd = 0, t_end = 0;
	while (!t_cmd || !t_end) {
		TB_CHECK(nic->cycle() - t0 < 2000000, "flood: not done after 2000000 cycles");
		for (unsigned i = 0; i < 10; i++) {
			feed();
			nic->tick();
		}
		if (!t_cmd && nic->reg_rd(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD)) == idx &&
		    nic->reg_rd(spq(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD)) == sp_idx)
			t_cmd = nic->cycle();
		if (!t_end && sent == n && nic->rx_pending() == 0)
			t_end = nic->cycle();
		nic->reg_wr(dbr(c, TOFFEE_DB_EV_HEAD), nic->reg_rd(ctxr(c, TOFFEE_CTX_EV + TOFFEE_Q_TAIL)));
	}
	printf("tb_diff: a flood of %u 1448-byte segments takes %llu cycles; the host's commands during "
	       "them are done after %llu\n", n, (unsigned long long)(t_end - t0), (unsigned long long)(t_cmd - t0));
	for (unsigned i = 0; i < 5000; i++)      // the last segments' deposits
		nic->tick();
	uint64_t segs = nic->counter(TOFFEE_CNT_RX_DATA_SEGS) - segs0;
	TB_CHECK(segs == n, "flood: %llu of %u segments delivered", (unsigned long long)segs, n);
	TB_CHECK(t_cmd - t0 < (t_end - t0) / 2, "flood: the host's commands done after %llu of the flood's %llu "
		 "cycles (polls starved by segments)", (unsigned long long)(t_cmd - t0),
		 (unsigned long long)(t_end - t0));
	nic->model()->poll_step = 1;
}
