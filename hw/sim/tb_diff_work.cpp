// SPDX-License-Identifier: MIT
// tb_diff: the generated workloads (tb_diff.h).
#include "tb_diff.h"

// INSTALL done (flows[0]): segments, duplicate ACKs and fast retransmit,
// RETRANSMIT, rate limiting through the wheel, window limit, FIN.
void phase_transmit()
{
	// --- 1b. Transmit: segments, duplicate ACKs and fast retransmit, RTO
	// (RETRANSMIT), rate limiting through the wheel, window limit, FIN. ----
	{
		gflow &g = flows[0];
		uint8_t data[4096];
		for (unsigned i = 0; i < sizeof data; i++)
			data[i] = (uint8_t)(i * 7);
		auto append = [&](uint32_t len, uint8_t fl) {
			fphost_tx_write(fh, &g.img, g.tx_end, data, len);
			TB_CHECK(fphost_ctx_cmd_flags(fh, g.ctx, g.id, len, 0, fl) == 0, "ctx cmd");
			g.tx_end += len;
		};
		auto peer_ack = [&](uint32_t ack, const char *what, uint16_t win = 0xffff) {
			g.peer_ack = ack;
			step_rx(build(g, g.peer_seq, 0x10, nullptr, 0, win), what);
			poll_idle(what);
		};
		append(3000, 0);
		poll_idle("send 3000 bytes");
		uint32_t una = g.img.snd_una;
		for (int i = 0; i < 4; i++)
			peer_ack(una, "duplicate ACK");          // the third goes back N
		peer_ack(una + 1448, "partial ACK");
		sp_cmd(TOFFEE_CMD_RETRANSMIT, g.id, 0, "RETRANSMIT");
		peer_ack(g.snd_seen, "ACK of everything");
		sp_cmd(TOFFEE_CMD_SET_RATE, g.id, 2000, "SET_RATE 2 ns/byte");
		append(4000, 0);
		for (int i = 0; i < 12; i++) {
			fh->now_ns += 1500;
			poll_idle("rate-limited polls");
		}
		peer_ack(g.snd_seen, "ACK under rate");
		sp_cmd(TOFFEE_CMD_SET_RATE, g.id, 0, "SET_RATE off");
		sp_cmd(TOFFEE_CMD_SET_WINDOW, g.id, 2000, "SET_WINDOW 2000");
		append(4000, 0);
		poll_idle("window-limited");
		peer_ack(g.snd_seen, "ACK opens the window");
		peer_ack(g.snd_seen, "ACK with a zero window", 0);
		peer_ack(g.snd_seen, "window update");
		sp_cmd(TOFFEE_CMD_SET_WINDOW, g.id, 0, "SET_WINDOW off");
		append(100, TOFFEE_CMDF_FIN);
		g.tx_fin = true;
		poll_idle("data + FIN");
		peer_ack(g.snd_seen, "ACK of the FIN");
		sp_cmd(TOFFEE_CMD_FEEDBACK, g.id, 0, "FEEDBACK");
		sp_cmd(TOFFEE_CMD_READ_STATE, g.id, 0, "READ_STATE");
		host_drain();
		printf("tb_diff: transmit path (segments, fast retransmit, RETRANSMIT, rate, window, FIN) identical: "
		       "%llu segments, %llu fast retransmits\n",
		       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_TX_SEGS),
		       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_FAST_REXMITS));
		fflush(stdout);
	}
}

// 1,024 generated flows over 4 contexts and nseg steps on them.
void phase_generated(tb_rng &r, unsigned nseg, std::map<std::string, uint64_t> &kinds)
{
	// --- 2. Generated workload on 1,024 flows. -------------------------------
	const unsigned NF = 1024;
	for (uint32_t i = 1; i < NF; i++) {
		flows.push_back(make_flow(8 + i * 3, r));
		by_port[flows.back().rport] = flows.size() - 1;
		install(flows.back(), r, "install");
	}
	uint8_t pay[1448];
	for (unsigned n = 0; n < nseg; n++) {
		gflow &g = flows[r.chance(50) ? r.below(32) : r.below(NF)];   // a hot set, and the rest
		fh->now_ns += 1000 + r.below(50000);
		for (unsigned i = 0; i < sizeof pay; i++)
			pay[i] = (uint8_t)r.next();
		uint32_t plen = r.chance(20) ? 0 : 1 + r.below(r.chance(50) ? 1448 : 200);
		g.tsval += r.below(3);
		unsigned k = r.below(100);
		const char *what;
		if (!g.installed) {
			install(g, r, "re-install");
			continue;
		}
		{	// what the peer acknowledges: all it got, a duplicate, or part
			const struct toffee_flow *st = fp_flow(fh->fp, g.id);
			uint32_t una = st ? st->snd_una : g.peer_ack;
			unsigned a = r.below(10);
			if (a < 6)
				g.peer_ack = g.snd_seen;
			else if (a < 9)
				g.peer_ack = una;
			else if (seq_gt(g.snd_seen, una))
				g.peer_ack = una + r.below(g.snd_seen - una + 1);
		}
		if (k >= 92 && k < 99 && !g.tx_fin && r.chance(60)) {   // the application sends
			const struct toffee_flow *st = fp_flow(fh->fp, g.id);
			uint32_t size = 1u << g.img.tx_buf_log2;
			uint32_t used = st && !seq_gt(st->snd_una, g.tx_end) ? g.tx_end - st->snd_una : size;
			if (st && used < size) {
				uint32_t len = 1 + r.below(size - used < 3000 ? size - used : 3000);
				fphost_tx_write(fh, &g.img, g.tx_end, pay, len < sizeof pay ? len : (uint32_t)sizeof pay);
				if (len > sizeof pay)
					fphost_tx_write(fh, &g.img, g.tx_end + sizeof pay, pay, len - (uint32_t)sizeof pay);
				bool fin = r.chance(3);
				TB_CHECK(fphost_ctx_cmd_flags(fh, g.ctx, g.id, len, 0, fin ? TOFFEE_CMDF_FIN : 0) == 0,
					 "ctx cmd");
				g.tx_end += len;
				g.tx_fin = fin;
			}
			poll_idle("tx append");
			kinds["tx append"]++;
			continue;
		}
		if (k < 55) {                            // in order
			what = plen ? "in-order data" : "pure ACK";
			// PSH now and then; ECE (the peer echoes congestion) and CE
			// (marked on the way) now and then
			uint8_t fl = (uint8_t)(0x10 | (r.chance(30) ? 0x08 : 0) | (r.chance(10) ? 0x40 : 0));
			step_rx(build(g, g.peer_seq, fl, pay, plen, 0xffff, r.chance(10) ? 3 : 0), what);
			g.peer_seq += plen;
		} else if (k < 65) {                     // lost: skipped, comes later
			what = "out of order";
			uint32_t gap = 1 + r.below(3000);
			step_rx(build(g, g.peer_seq + gap, 0x10, pay, plen ? plen : 1), what);
		} else if (k < 72) {                     // duplicate / old
			what = "old data";
			uint32_t back = 1 + r.below(2000);
			step_rx(build(g, g.peer_seq - back, 0x10, pay, plen ? plen : 1), what);
		} else if (k < 76) {                     // FIN in order
			what = "FIN";
			step_rx(build(g, g.peer_seq, 0x11, pay, plen), what);
			g.peer_seq += plen + 1;
		} else if (k < 80) {                     // corrupted
			what = "bad checksum";
			tb_frame f = build(g, g.peer_seq, 0x10, pay, plen);
			f[f.size() - 1] ^= 0x5a;
			if (plen == 0)
				f[40] ^= 1;
			step_rx(f, what);
		} else if (k < 83) {                     // SYN / RST / no ACK: punts
			what = "punt flags";
			static const uint8_t fl[3] = {0x12, 0x14, 0x00};
			step_rx(build(g, g.peer_seq, fl[r.below(3)], pay, 0), what);
		} else if (k == 84 && r.chance(40)) {     // oversize: mac_rx drops it, RX_FRAMES counts it
			what = "oversize";
			tb_frame f = build(g, g.peer_seq, 0x10, pay, 1448);
			f.resize(TOFFEE_MAX_FRAME + 1 + r.below(200), 0xee);
			step_rx(f, what);
		} else if (k < 85) {                     // unknown flow
			what = "no flow";
			gflow u = g;
			u.rport ^= 0x8000;
			step_rx(build(u, u.peer_seq, 0x10, pay, plen), what);
		} else if (k < 87) {                     // ACK beyond snd_max
			what = "ack unsent";
			gflow u = g;
			u.peer_ack += 1 + r.below(1000);
			step_rx(build(u, g.peer_seq, 0x10, pay, plen), what);
		} else if (k < 92) {                     // application consumes, maybe arms
			what = "rx consumed";
			host_drain();
			if (r.chance(50))
				fphost_reg_wr(fh, dbr(g.ctx, TOFFEE_DB_ARM), 1);
			uint32_t c = pending_rx[g.id];
			if (c) {
				uint32_t take = r.chance(50) ? c : 1 + r.below(c);
				TB_CHECK(fphost_ctx_cmd(fh, g.ctx, g.id, 0, take) == 0, "ctx cmd");
				pending_rx[g.id] -= take;
			}
			poll_idle(what);
		} else if (k < 96) {                     // slow-path commands
			static const uint8_t ops[] = {TOFFEE_CMD_FEEDBACK, TOFFEE_CMD_READ_STATE, TOFFEE_CMD_SET_RATE,
						      TOFFEE_CMD_SET_WINDOW, TOFFEE_CMD_NOP, TOFFEE_CMD_REMOVE,
						      TOFFEE_CMD_RETRANSMIT, TOFFEE_CMD_FEEDBACK, TOFFEE_CMD_SET_RATE,
						      TOFFEE_CMD_SET_SLOWPATH};
			uint8_t op = ops[r.below(sizeof ops)];
			what = "slow-path command";
			uint32_t arg = op == TOFFEE_CMD_SET_RATE ? (r.chance(30) ? 0 : r.below(20000))
				     : op == TOFFEE_CMD_SET_WINDOW ? (r.chance(30) ? 0 : r.below(20000))
				     : op == TOFFEE_CMD_SET_SLOWPATH ? (r.chance(60) ? 0 : r.chance(95) ? 1 : 2) : 0;
			sp_cmd(op, r.chance(95) ? g.id : 4095 - r.below(10), arg, what);
			if (op == TOFFEE_CMD_REMOVE && g.id < 4095 - 10) {
				g.installed = false;
				pending_rx.erase(g.id);
				consumed_ahead.erase(g.id);
				g.peer_seq += 100000;      // a new connection on the same 4-tuple
			}
		} else if (r.chance(50)) {                // a raw frame from the slow path
			what = "raw frame";
			uint32_t len = r.chance(10) ? (r.chance(50) ? 10 : 1600) : 14 + r.below(1500);
			tb_frame f = build(g, g.peer_seq, 0x10, pay, 0);
			f.resize(len < 14 ? 14 : len);
			for (size_t i = 54; i < f.size(); i++)
				f[i] = (uint8_t)r.next();
			if (len < 14 || len > TOFFEE_MAX_FRAME) {
				// a bad length: written into the ring by hand (fphost refuses it)
				struct fphost_ring *rr = &fh->sp[TOFFEE_SPQ_RAW];
				uint32_t slot = rr->idx & ((1u << rr->log2) - 1);
				struct toffee_sp_raw e;
				memset(&e, 0, sizeof e);
				e.frame_len = (uint16_t)len;
				e.phase = toffee_phase(rr->idx, rr->log2);
				memcpy(fphost_ptr(fh, rr->iova + (uint64_t)slot * sizeof e, sizeof e), &e, sizeof e);
				rr->idx++;
				fphost_reg_wr(fh, spq(TOFFEE_SPQ_RAW, TOFFEE_Q_TAIL), rr->idx);
			} else {
				TB_CHECK(fphost_raw_send(fh, f.data(), len) == 0, "raw send");
			}
			poll_idle(what);
		} else {                                 // the host drains and polls
			what = "poll";
			host_drain();
			poll_idle(what);
		}
		kinds[what]++;
		if (r.chance(20)) {
			host_drain();
			poll_idle("poll");
		}
	}
	host_drain();
	poll_idle("final poll");
}

void phase_bursts(tb_rng &r, unsigned nseg, std::map<std::string, uint64_t> &kinds)
{
	uint8_t pay[1448];
	// --- 2b. Bursts: 2 to 8 frames back to back on flows of one context,
	// mostly in order, full-size or small, with the kinds above mixed in.
	// The host drains only now and then, so the event ring fills up and
	// the segments that find it full are dropped (CTX_FULL) exactly where
	// the firmware drops them. The MAC and the DMA channels back-pressure
	// (a share of the cycles drawn per burst): deposits and entries wait
	// for the write channel, ring reads for the read channel, frames for
	// the MAC.
	{
		std::vector<size_t> hot;
		for (size_t i = 0; i < flows.size() && hot.size() < 6; i++)
			if (flows[i].installed && flows[i].ctx == 1 && !flows[i].fin)
				hot.push_back(i);
		TB_CHECK(!hot.empty(), "burst: no installed flow on context 1");
		uint64_t drops0 = fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CTX_FULL);
		for (unsigned b = 0; b < nseg / 4; b++) {
			std::vector<tb_frame> fs;
			unsigned n = 2 + r.below(7);
			for (size_t i : hot)                     // the peer resends what was not taken
				if (const struct toffee_flow *st = fp_flow(fh->fp, flows[i].id))
					flows[i].peer_seq = st->rcv_nxt;
			for (unsigned i = 0; i < n; i++) {
				gflow &g = flows[hot[r.below((uint32_t)hot.size())]];
				uint32_t plen = r.chance(15) ? 1448 : r.chance(25) ? 0 : 1 + r.below(300);
				for (unsigned k = 0; k < plen; k++)
					pay[k] = (uint8_t)r.next();
				g.tsval += r.below(2);
				g.peer_ack = g.snd_seen;
				unsigned k = r.below(100);
				if (k < 70 || plen == 0) {
					fs.push_back(build(g, g.peer_seq, 0x10, pay, plen));
					g.peer_seq += plen;
				} else if (k < 78) {
					fs.push_back(build(g, g.peer_seq + 1 + r.below(3000), 0x10, pay, plen));
				} else if (k < 84) {
					fs.push_back(build(g, g.peer_seq - 1 - r.below(2000), 0x10, pay, plen));
				} else if (k < 90) {
					tb_frame f = build(g, g.peer_seq, 0x10, pay, plen);
					f[f.size() - 1] ^= 0x5a;
					fs.push_back(f);
				} else if (k < 95) {
					fs.push_back(build(g, g.peer_seq, 0x18, pay, plen, 0xffff, 3));  // CE
					g.peer_seq += plen;
				} else {
					gflow u = g;
					u.rport ^= 0x8000;
					fs.push_back(build(u, u.peer_seq, 0x10, pay, plen));
				}
			}
			nic->mac_stall_pct = r.chance(50) ? 0 : 50 + r.below(45);
			nic->dma_stall_pct = r.chance(50) ? 0 : r.below(60);
			step_rx_burst(fs, "burst");
			kinds["burst frames"] += n;
			if (r.chance(6)) {
				host_drain();
				consume_rx(r);
				poll_idle("burst: drained");
			} else if (r.chance(40)) {
				// the application reads what it has (it knows from the
				// events it has not looked at yet): the windows reopen,
				// the event ring keeps filling
				for (size_t i : hot) {
					const struct toffee_flow *st = fp_flow(fh->fp, flows[i].id);
					uint32_t used = st ? (1u << st->rx_buf_log2) - st->rx_avail : 0;
					if (used && fphost_ctx_cmd(fh, 1, flows[i].id, 0, used) == 0)
						consumed_ahead[flows[i].id] += used;
				}
				poll_idle("burst: window reopened");
			}
			if (r.chance(10))                        // the application waits for an event
				fphost_reg_wr(fh, dbr(1, TOFFEE_DB_ARM), 1);
		}
		// A paused MAC (a pause frame): the transmit FIFO and tx_frame fill
		// up with ACKs (in-order, out-of-order and old segments all get one)
		// while segments keep coming, so the engine takes segments with the
		// previous one's ACK still waiting for tx_frame.
		nic->mac_stall_pct = nic->dma_stall_pct = 0;
		for (unsigned b = 0; b < 6; b++) {
			host_drain();
			consume_rx(r);
			poll_idle("burst: drained");
			std::vector<tb_frame> fs;
			for (size_t i : hot)
				if (const struct toffee_flow *st = fp_flow(fh->fp, flows[i].id))
					flows[i].peer_seq = st->rcv_nxt;
			unsigned n = 48 + r.below(33);
			for (unsigned i = 0; i < n; i++) {
				gflow &g = flows[hot[r.below((uint32_t)hot.size())]];
				uint32_t plen = 1 + r.below(100);
				for (unsigned k = 0; k < plen; k++)
					pay[k] = (uint8_t)r.next();
				g.peer_ack = g.snd_seen;
				unsigned k = r.below(100);
				if (k < 50) {
					fs.push_back(build(g, g.peer_seq, 0x10, pay, plen));
					g.peer_seq += plen;
				} else if (k < 75) {
					fs.push_back(build(g, g.peer_seq + 1 + r.below(3000), 0x10, pay, plen));
				} else {
					fs.push_back(build(g, g.peer_seq - 1 - r.below(2000), 0x10, pay, plen));
				}
			}
			nic->mac_pause_until = nic->cycle() + 3000 + r.below(3000);
			step_rx_burst(fs, "burst, MAC paused");
			kinds["burst frames, MAC paused"] += n;
		}
		host_drain();
		consume_rx(r);
		poll_idle("final poll");
		kinds["burst: ctx full"] += fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CTX_FULL) - drops0;
		nic->mac_stall_pct = nic->dma_stall_pct = 0;
	}
}
