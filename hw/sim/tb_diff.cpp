// SPDX-License-Identifier: MIT
// Differential test of the RTL fast path (toffee_top, DATA_WIDTH 64) against
// the C firmware (libfp.a behind the tests/lib/fphost harness).
//
// One host drives both. The firmware side is a plain fphost; the RTL side
// (hw/sim/rtl_nic: host memory, DMA, MAC, AXI-Lite) gets the same host: before every step, the host memory the harness wrote
// (rings, commands, INSTALL images, payload) is copied to the RTL's memory
// model and every host-written register whose value changed is written to
// the RTL through AXI-Lite (doorbells included). Then the step runs on both
// with the same now_ns: a frame (fp_rx() / the MAC input, the RTL run until
// it is idle) or a poll (fp_poll(budget) / one token on s_axis_poll with the
// same budget, poll_step = 1). After the step the two must agree on:
//   - the frames on the wire, byte for byte, in order;
//   - the ring entries written (phase-byte commits, in order);
//   - the notifications (context ids, in order);
//   - the NIC-written registers (EXC/FB tails, CMD/RAW heads, context EV
//     tails, CMD heads, ARM);
//   - the whole host memory image;
// and at the end on every counter. The first difference is printed with the
// step that produced it.
//
// Workloads: an INSTALL + in-order segment + ACK; then generated traffic on
// 1,024 flows over 4 contexts (in-order, out-of-order, duplicated and lost
// segments, pure ACKs, FINs, window probes, bad checksums, unknown flows,
// application rx_consumed commands with window updates, ARM, slow-path
// commands: FEEDBACK, READ_STATE, SET_RATE/WINDOW, REMOVE and re-INSTALL);
// then bursts of frames back to back on a few flows of one context (a
// filling event ring, MAC and DMA back-pressure, a paused MAC that fills the
// transmit FIFO, which diff.mk builds small); then the Linux traces (flows installed from their handshakes, as
// toffee-replay does). Transmission of data (tx appends) waits for
// tx_segment/tx_sched in toffee_top: the generated flows have nothing to
// send, so the firmware never schedules them either.
// Usage: Vtoffee_top [segments (1500)] [seed (1)] [frames per trace (300;
// a large number replays the traces whole)].
#include <map>
#include <memory>
#include "Vtoffee_top.h"
#include "Vtoffee_top___024root.h"
#include "Vtoffee_top_toffee_top.h"
#include "rtl_nic.h"
#include "tb_frames.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

#ifndef DW
#define DW 64
#endif
#ifndef NSEG_DEFAULT
#define NSEG_DEFAULT 1500
#endif
static const unsigned BB = DW / 8;              // bytes per beat
static const uint8_t MAC[6] = {2, 0, 0, 0, 0, 1};
static const unsigned N_CTX = 4;
static_assert(DW == 64 || DW == 512, "DW");

// ---------------------------------------------------------------------------
// Events recorded per step.
// ---------------------------------------------------------------------------
struct side_events {
	std::vector<tb_frame> tx;
	std::vector<uint64_t> entries;   // phase-byte addresses of ring entries
	std::vector<uint64_t> wsums;     // per entry: wsum when it was committed
	// the writes, for a report: address, bytes (0: a ring entry committed)
	std::vector<std::pair<uint64_t, uint32_t>> wlog;
	std::vector<uint32_t> notifies;
};

static struct fphost *fh;
static side_events fw_ev;
static void (*fw_dma_write)(void *, uint64_t, const void *, uint32_t);
static void (*fw_dma_write_entry)(void *, uint64_t, const void *, uint32_t);
static void (*fw_notify)(void *, uint32_t);

// The bytes written to host memory outside the NIC-written rings (payload,
// frame copies, READ_STATE images), summed as hashes of (address, value):
// the firmware and the RTL must have written the same bytes when each ring
// entry is committed (a deposit is in memory before the event that
// announces it, and the next one is not yet).
static uint64_t fw_wsum, rtl_wsum;
static bool wsum_counts(uint64_t a);
static uint64_t wbyte(uint64_t a, uint8_t v)
{
	uint64_t x = (a << 8 | v) * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

static void rec_write(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (wsum_counts(iova + i))
			fw_wsum += wbyte(iova + i, ((const uint8_t *)src)[i]);
	fw_ev.wlog.push_back({iova, len});
	fw_dma_write(priv, iova, src, len);
}
static void rec_write_entry(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	fw_ev.entries.push_back(iova + len - 1);
	fw_ev.wsums.push_back(fw_wsum);
	fw_ev.wlog.push_back({iova + len - 1, 0});
	fw_dma_write_entry(priv, iova, src, len);
}
static void rec_notify(void *priv, uint32_t ctx)
{
	fw_ev.notifies.push_back(ctx);
	if (fw_notify)
		fw_notify(priv, ctx);
}

// ---------------------------------------------------------------------------
// The RTL (hw/sim/rtl_nic: host memory, DMA, MAC, AXI-Lite) and its memory.
// ---------------------------------------------------------------------------
static std::unique_ptr<rtl_nic> nic;
static std::vector<uint8_t> rmem;             // RTL host memory (same IOVAs), fh->mem_size
static size_t rmem_used;                      // = fh->mem_used after each sync
static side_events rtl_ev;                    // ring entries (tx frames, irqs: in nic)
static bool wr_first = true;
static int wr_beats_in_txn;
static uint64_t wr_txn_addr;
static unsigned wr_txn_bytes;
static std::vector<std::pair<uint64_t, uint64_t>> ring_areas;   // NIC-written rings
static uint64_t rtl_commit_cyc;               // the last ring entry's commit (phase byte)
static uint64_t read_state_iova;              // READ_STATE image of this step
static const uint32_t toffee_abi_pkg_nf = offsetof(struct toffee_flow, nic_flags);

// Cycles per job, from the engine's state (engine.sv S_* codes).
enum { E_SP_NEXT = 41, E_SP_DONE = 53, E_RAW_NEXT = 55, E_RAW_DONE = 59,
       E_CTX_NEXT = 64, E_CTX_END = 72, E_TX_NEXT = 81, E_POLL_DONE = 89 };
struct jstat {
	uint64_t n = 0, sum = 0, min = ~0ull, max = 0;
	void add(uint64_t c) { n++; sum += c; min = c < min ? c : min; max = c > max ? c : max; }
};
static std::map<std::string, jstat> jobs;
static unsigned cur_state;
static uint64_t t_sp, t_raw, t_ctx, t_tx;

static unsigned state_of() { return nic->model()->rootp->toffee_top->engine_inst__DOT__state_reg; }
// States that say what a job did. (A received segment's cycles overlap the
// next one's decision: bench-rtl's BENCH_RTL_PROFILE gives them per state.)
enum { E_TXF_REQ = 30, E_RD_REQ = 34 };
static unsigned tx_flags, ctx_flags;
static void job_track()
{
	uint64_t cyc = nic->cycle();
	unsigned s = state_of();
	if (s == cur_state)
		return;
	if (s == E_TXF_REQ) tx_flags |= 1;
	if (s == E_RD_REQ) ctx_flags |= 1;
	if (s == E_SP_NEXT) t_sp = cyc;
	if (s == E_SP_DONE && t_sp) { jobs["slow-path command"].add(cyc - t_sp + 1); t_sp = 0; }
	if (s == E_RAW_NEXT) t_raw = cyc;
	if (s == E_RAW_DONE && t_raw) { jobs["raw frame (+ frame beats)"].add(cyc - t_raw + 1); t_raw = 0; }
	if ((s == E_CTX_NEXT || s == E_CTX_END) && t_ctx) {
		if (ctx_flags & 1)
			jobs[tx_flags & 1 ? "context command +ACK" : "context command"].add(cyc - t_ctx);
		t_ctx = 0;
	}
	if (s == E_CTX_NEXT) { t_ctx = cyc; ctx_flags = 0; tx_flags = 0; }
	if ((s == E_TX_NEXT || s == E_POLL_DONE) && t_tx) {
		if (cur_state != E_TX_NEXT)
			jobs[tx_flags & 1 ? "tx turn, segment sent" : "tx turn, nothing sent"].add(cyc - t_tx);
		t_tx = 0;
	}
	if (s == E_TX_NEXT) { t_tx = cyc; tx_flags = 0; }
	cur_state = s;
}

static bool in_ring(uint64_t a)
{
	for (auto &r : ring_areas)
		if (a >= r.first && a < r.second)
			return true;
	return false;
}

// Not the rings, nor the READ_STATE image's scheduler fields (they may
// differ, compare()).
static bool wsum_counts(uint64_t a)
{
	uint64_t sn = offsetof(struct toffee_flow, sched_next);
	if (read_state_iova && (a == read_state_iova + toffee_abi_pkg_nf ||
				(a >= read_state_iova + sn && a < read_state_iova + sn + 4)))
		return false;
	return !in_ring(a);
}

// A DMA write beat: a ring entry is committed by a one-byte write of its
// phase byte (a transaction of one beat and one byte in a NIC-written ring).
static void on_dma_wr(uint64_t cyc, uint64_t a, uint64_t strb, bool last)
{
	unsigned n = (unsigned)__builtin_popcountll(strb);
	for (unsigned i = 0; i < BB; i++)
		if ((strb >> i & 1) && wsum_counts(a + i))
			rtl_wsum += wbyte(a + i, rmem[a + i]);
	if (wr_first) {
		wr_beats_in_txn = 0;
		wr_txn_bytes = 0;
	}
	if (n)
		wr_txn_addr = a + (unsigned)__builtin_ctzll(strb);
	wr_beats_in_txn++;
	wr_txn_bytes += n;
	wr_first = last;
	if (last && wr_beats_in_txn == 1 && wr_txn_bytes == 1 && in_ring(wr_txn_addr)) {
		rtl_ev.entries.push_back(wr_txn_addr);
		rtl_ev.wsums.push_back(rtl_wsum);
		rtl_ev.wlog.push_back({wr_txn_addr, 0});
		rtl_commit_cyc = cyc;
	} else if (last && !in_ring(wr_txn_addr)) {
		rtl_ev.wlog.push_back({wr_txn_addr, wr_txn_bytes});
	}
}

// Run until the RTL has been idle (engine, MAC input, DMA, MAC output) for
// a while (300 cycles: a whole 1518-byte frame crosses mac_rx and the parser).
static void run_idle(const char *what)
{
	TB_CHECK(nic->run_idle(300, 2000000), "RTL does not get idle (%s), cycle %llu", what,
		 (unsigned long long)nic->cycle());
}

// ---------------------------------------------------------------------------
// Registers: host-written ones mirrored, NIC-written ones compared.
// ---------------------------------------------------------------------------
static std::vector<uint32_t> nic_regs;        // NIC-written registers (compared)

static uint32_t spq(uint32_t q, uint32_t f) { return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + f; }
static uint32_t ctxr(uint32_t c, uint32_t f) { return TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE + f; }
static uint32_t dbr(uint32_t c, uint32_t f) { return TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE + f; }

static const char *step_name = "";
static uint64_t step_no;

// The host's writes since the last step: memory and registers.
static void sync_host()
{
	memcpy(rmem.data(), fh->mem, fh->mem_used);
	rmem_used = fh->mem_used;
	nic->now_ns = fh->now_ns;
	nic->mirror_to_nic(fh->regs, N_CTX);
}

static void dump_frame(const char *who, const tb_frame &f)
{
	fprintf(stderr, "  %s (%zu bytes):", who, f.size());
	for (size_t i = 0; i < f.size() && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", f[i]);
	fputc('\n', stderr);
}

static uint64_t n_frames_cmp, n_entries_cmp, n_notify_cmp, n_steps;
static void (*on_fw_frame)(const tb_frame &);  // the workload follows the NIC's sends
static const tb_frame *cur_frame;

// On a difference: the frame of the step and the counters that differ.
static void dump_context()
{
	if (cur_frame)
		dump_frame("input frame", *cur_frame);
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
		uint64_t v = nic->counter(i), w = fp_counter(fh->fp, i);
		if (v != w)
			fprintf(stderr, "  counter %u: firmware %llu, RTL %llu\n", i, (unsigned long long)w,
				(unsigned long long)v);
	}
}

static void compare()
{
	n_steps++;
	rtl_ev.tx.swap(nic->tx_frames);
	rtl_ev.notifies.swap(nic->irqs);
	nic->tx_frames.clear();
	nic->irqs.clear();
	// Frames on the wire.
	fw_ev.tx.clear();
	for (size_t i = 0; i < fh->n_tx; i++)
		fw_ev.tx.emplace_back(fh->tx[i].data, fh->tx[i].data + fh->tx[i].len);
	fphost_tx_clear(fh);
	if (on_fw_frame)
		for (const tb_frame &f : fw_ev.tx)
			on_fw_frame(f);
	for (size_t i = 0; i < fw_ev.tx.size() || i < rtl_ev.tx.size(); i++) {
		tb_frame a = i < fw_ev.tx.size() ? fw_ev.tx[i] : tb_frame();
		tb_frame b = i < rtl_ev.tx.size() ? rtl_ev.tx[i] : tb_frame();
		if (a.size() < 60 && !a.empty())
			a.resize(60, 0);                        // mac_tx pads
		if (a != b) {
			fprintf(stderr, "step %llu (%s): transmitted frame %zu differs (firmware %zu frames, RTL %zu)\n",
				(unsigned long long)step_no, step_name, i, fw_ev.tx.size(), rtl_ev.tx.size());
			dump_frame("firmware", a);
			dump_frame("RTL", b);
			dump_context();
			TB_FAIL("wire");
		}
		n_frames_cmp++;
	}
	// Ring entries, in order.
	for (size_t i = 0; i < fw_ev.entries.size() || i < rtl_ev.entries.size(); i++) {
		uint64_t a = i < fw_ev.entries.size() ? fw_ev.entries[i] : 0;
		uint64_t b = i < rtl_ev.entries.size() ? rtl_ev.entries[i] : 0;
		if (a != b)
			dump_context();
		TB_CHECK(a == b, "step %llu (%s): ring entry %zu: firmware wrote the entry ending at 0x%llx, RTL at 0x%llx "
			 "(%zu vs %zu entries)", (unsigned long long)step_no, step_name, i, (unsigned long long)a,
			 (unsigned long long)b, fw_ev.entries.size(), rtl_ev.entries.size());
		if (fw_ev.wsums[i] != rtl_ev.wsums[i]) {
			for (const side_events *e : {&fw_ev, &rtl_ev}) {
				fprintf(stderr, "  %s writes (entry: +0):", e == &fw_ev ? "firmware" : "RTL");
				for (auto &w : e->wlog)
					fprintf(stderr, " %llx+%u", (unsigned long long)w.first, w.second);
				fputc('\n', stderr);
			}
			dump_context();
		}
		TB_CHECK(fw_ev.wsums[i] == rtl_ev.wsums[i], "step %llu (%s): ring entry %zu (0x%llx): the host-memory "
			 "writes before it differ from the firmware's (data written after the entry announcing it, "
			 "or the next data before it)", (unsigned long long)step_no, step_name, i, (unsigned long long)a);
		n_entries_cmp++;
	}
	// Notifications.
	if (fw_ev.notifies != rtl_ev.notifies)
		dump_context();
	TB_CHECK(fw_ev.notifies == rtl_ev.notifies, "step %llu (%s): notifications differ (%zu vs %zu, first %d vs %d)",
		 (unsigned long long)step_no, step_name, fw_ev.notifies.size(), rtl_ev.notifies.size(),
		 fw_ev.notifies.empty() ? -1 : (int)fw_ev.notifies[0],
		 rtl_ev.notifies.empty() ? -1 : (int)rtl_ev.notifies[0]);
	n_notify_cmp += fw_ev.notifies.size();
	// NIC-written registers.
	for (uint32_t r : nic_regs) {
		uint32_t a = fphost_reg_rd(fh, r), b = nic->reg_rd_nic_owned(r);
		if (a != b)
			dump_context();
		TB_CHECK(a == b, "step %llu (%s): register 0x%x: firmware %u, RTL %u", (unsigned long long)step_no,
			 step_name, r, a, b);
	}
	// Host memory. A READ_STATE image may differ in the scheduler's private
	// fields (FP_NF_QUEUED, sched_next: tx_sched keeps them, docs/rtl.md).
	if (read_state_iova) {
		uint64_t a = read_state_iova;
		uint32_t nf = toffee_abi_pkg_nf, sn = offsetof(struct toffee_flow, sched_next);
		rmem[a + nf] = (uint8_t)((rmem[a + nf] & ~FP_NF_QUEUED) | (fh->mem[a + nf] & FP_NF_QUEUED));
		memcpy(&rmem[a + sn], &fh->mem[a + sn], 4);
		read_state_iova = 0;
	}
	if (memcmp(rmem.data(), fh->mem, fh->mem_used) != 0) {
		size_t i = 0;
		while (rmem[i] == fh->mem[i])
			i++;
		size_t j = i;
		while (j < fh->mem_used && j < i + 64 && rmem[j] != fh->mem[j])
			j++;
		fprintf(stderr, "step %llu (%s): host memory differs from 0x%zx (first %zu differing bytes):\n",
			(unsigned long long)step_no, step_name, i, j - i);
		for (size_t k = i & ~15ul; k < j; k++)
			fprintf(stderr, "  0x%zx firmware %02x RTL %02x\n", k, fh->mem[k], rmem[k]);
		dump_context();
		TB_FAIL("memory");
	}
	fw_ev = side_events();
	rtl_ev = side_events();
}

// ---------------------------------------------------------------------------
// Steps.
// ---------------------------------------------------------------------------
static std::map<std::string, std::pair<uint64_t, uint64_t>> job_cycles;   // busy cycles, jobs

static void step_rx(const tb_frame &f, const char *what)
{
	step_no++;
	step_name = what;
	sync_host();
	fphost_rx(fh, f.data(), (uint32_t)f.size());
	uint64_t b0 = nic->busy_cycles;
	cur_frame = &f;
	nic->rx_frame(f.data(), (uint32_t)f.size());
	run_idle(what);
	job_cycles["rx"].first += nic->busy_cycles - b0;
	job_cycles["rx"].second++;
	compare();
	cur_frame = nullptr;
}

// Several frames back to back: the firmware takes them one after the other,
// the RTL as they come (its lookahead decides a segment while the previous
// one's actions run); the outputs must still be identical.
static void step_rx_burst(const std::vector<tb_frame> &fs, const char *what)
{
	step_no++;
	step_name = what;
	sync_host();
	for (const tb_frame &f : fs)
		fphost_rx(fh, f.data(), (uint32_t)f.size());
	cur_frame = &fs.back();
	for (const tb_frame &f : fs)
		nic->rx_frame(f.data(), (uint32_t)f.size());
	run_idle(what);
	compare();
	cur_frame = nullptr;
}

static unsigned step_poll(unsigned budget, const char *what)
{
	step_no++;
	step_name = what;
	sync_host();
	unsigned n = fphost_poll(fh, budget);
	uint64_t b0 = nic->busy_cycles;
	nic->poll(budget, 300);
	job_cycles["poll"].first += nic->busy_cycles - b0;
	job_cycles["poll"].second++;
	compare();
	return n;
}

static void poll_idle(const char *what)
{
	for (int i = 0; i < 64; i++)
		if (!step_poll(16, what))
			return;
}

// The host consumes what the NIC produced (events, exceptions, feedback),
// so that rings never fill; returns bytes delivered per flow via events.
static std::map<uint32_t, uint32_t> pending_rx;   // flow -> bytes to consume
static std::map<uint32_t, uint32_t> consumed_ahead; // flow -> bytes consumed before their events were read
static void host_drain()
{
	struct toffee_ctx_ev ev;
	for (uint32_t c = 0; c < N_CTX; c++)
		while (fphost_ctx_ev_next(fh, c, &ev)) {
			uint32_t &ahead = consumed_ahead[ev.flow_id], n = ev.rx_bytes < ahead ? ev.rx_bytes : ahead;
			ahead -= n;
			pending_rx[ev.flow_id] += ev.rx_bytes - n;
		}
	struct toffee_sp_exc exc;
	while (fphost_exc_next(fh, &exc, nullptr)) {
	}
	struct toffee_sp_fb fb;
	while (fphost_fb_next(fh, &fb)) {
	}
}

// ---------------------------------------------------------------------------
// Flows and frames.
// ---------------------------------------------------------------------------
struct gflow {
	uint32_t id, ctx;
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint8_t rmac[6];
	bool ts;
	uint32_t peer_seq;      // next new byte of the peer
	uint32_t peer_ack;      // what the peer acknowledges (our snd_una side)
	uint32_t tsval;
	bool installed, fin, tx_fin;
	uint32_t tx_end;        // our bytes appended (host view)
	uint32_t snd_seen;      // highest sequence end the NIC sent
	struct toffee_flow img;
};
static std::vector<gflow> flows;
static std::map<uint16_t, size_t> by_port;      // remote port -> flows index

static void track_frame(const tb_frame &f)
{
	if (f.size() < 54 || f[12] != 8 || f[13] != 0 || f[23] != 6)
		return;
	uint16_t dport = (uint16_t)ref_be16(&f[36]);
	auto it = by_port.find(dport);
	if (it == by_port.end())
		return;
	gflow &g = flows[it->second];
	uint32_t seq = ref_be32(&f[38]), ip_len = ref_be16(&f[16]), thl = (f[46] >> 4) * 4u;
	uint32_t end = seq + (ip_len - 20 - thl) + (f[47] & 1);
	if (seq_gt(end, g.snd_seen))
		g.snd_seen = end;
}

static tb_frame build(const gflow &g, uint32_t seq, uint8_t flags, const uint8_t *pay, uint32_t plen,
		      uint16_t win = 0xffff, uint8_t tos = 0)
{
	unsigned ol = g.ts ? 12 : 0, thl = 20 + ol, ip_len = 20 + thl + plen;
	tb_frame f(14 + ip_len, 0);
	uint8_t *p = f.data();
	memcpy(p, MAC, 6);
	memcpy(p + 6, g.rmac, 6);
	p[12] = 8;
	uint8_t *ip = p + 14, *th = ip + 20;
	ip[0] = 0x45; ip[1] = tos; ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40; ip[8] = 64; ip[9] = 6;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(g.rip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(g.lip >> (24 - 8 * i));
	}
	th[0] = (uint8_t)(g.rport >> 8); th[1] = (uint8_t)g.rport;
	th[2] = (uint8_t)(g.lport >> 8); th[3] = (uint8_t)g.lport;
	for (int i = 0; i < 4; i++) {
		th[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		th[8 + i] = (uint8_t)(g.peer_ack >> (24 - 8 * i));
	}
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	th[14] = (uint8_t)(win >> 8); th[15] = (uint8_t)win;
	if (ol) {
		th[20] = 1; th[21] = 1; th[22] = 8; th[23] = 10;
		for (int i = 0; i < 4; i++)
			th[24 + i] = (uint8_t)(g.tsval >> (24 - 8 * i));
	}
	if (plen)
		memcpy(th + thl, pay, plen);
	tb_fix_csums(f);
	return f;
}

static void install(gflow &g, tb_rng &r, const char *what)
{
	struct toffee_flow &f = g.img;
	memset(&f, 0, sizeof f);
	f.local_ip = g.lip;
	f.remote_ip = g.rip;
	f.local_port = g.lport;
	f.remote_port = g.rport;
	memcpy(f.remote_mac, g.rmac, 6);
	f.ctx_id = (uint16_t)g.ctx;
	f.flags = (uint16_t)((g.ts ? TOFFEE_FLOWF_TS : 0) | (r.chance(30) ? TOFFEE_FLOWF_ECN : 0));
	f.mss = 1448;
	f.snd_wscale = (uint8_t)r.below(8);
	f.rcv_wscale = (uint8_t)r.below(3);
	fphost_flow_bufs(fh, &f, 12 + r.below(2), 12);
	f.rcv_nxt = g.peer_seq;
	f.rx_avail = 1u << f.rx_buf_log2;
	f.ts_recent = g.tsval;
	uint32_t iss = (uint32_t)r.next();
	f.snd_una = f.snd_nxt = f.snd_max = f.tx_end = iss;
	f.snd_wnd = 65535;
	g.peer_ack = iss;
	g.tx_end = iss;
	g.snd_seen = iss;
	g.tx_fin = false;
	memcpy(fphost_ptr(fh, fh->scratch_iova, sizeof f), &f, sizeof f);
	struct toffee_sp_cmd c;
	memset(&c, 0, sizeof c);
	c.opcode = TOFFEE_CMD_INSTALL;
	c.flow_id = g.id;
	c.iova = fh->scratch_iova;
	TB_CHECK(fphost_sp_post(fh, &c) > 0, "INSTALL post");
	poll_idle(what);
	g.installed = true;
	g.fin = false;
	host_drain();
}

static void sp_cmd(uint8_t op, uint32_t id, uint32_t arg0, const char *what)
{
	struct toffee_sp_cmd c;
	memset(&c, 0, sizeof c);
	c.opcode = op;
	c.flow_id = id;
	c.iova = fh->scratch_iova;
	c.arg0 = arg0;
	if (op == TOFFEE_CMD_READ_STATE)
		memset(fphost_ptr(fh, fh->scratch_iova, 128), 0, 128);
	TB_CHECK(fphost_sp_post(fh, &c) > 0, "command post");
	if (op == TOFFEE_CMD_READ_STATE) {
		// the command runs in the first poll
		read_state_iova = fh->scratch_iova;
	}
	poll_idle(what);
	read_state_iova = 0;
	if (op == TOFFEE_CMD_READ_STATE) {
		// The scheduler's private fields (QUEUED, sched_next) may differ:
		// nothing is ever queued here, so they must not.
	}
	host_drain();
}

// ---------------------------------------------------------------------------
// Linux traces, replayed as toffee-replay does: the fast path is the server
// of every connection whose SYN-ACK is in the capture. The flow is installed
// from SYN and SYN-ACK (ISNs, MSS less 12 with timestamps, window scales if
// both offered, ts_recent = the SYN's TSval, the SYN's window, the client's
// MAC); the client's frames are fed as captured (also those of no known
// connection: punted or dropped); the server's new payload is appended to
// the transmit buffer when it appears (its FIN becomes CMDF_FIN), so the
// NIC sends it itself; received bytes are consumed as their events arrive.
struct tconn {
	uint32_t sip, cip;
	uint16_t sport, cport;
	uint32_t id, ctx;
	uint32_t syn_seq, syn_tsval, syn_mss;
	int syn_ws;                 // -1: none
	uint16_t syn_win;
	bool syn_ts, installed, fin_sent;
	uint8_t cmac[6];
	uint32_t app_end;           // server bytes appended so far (next seq)
	struct toffee_flow img;
	uint32_t nic_ack;           // the last ACK number the NIC sent
	bool nic_ack_seen;
	uint32_t fed_end;           // highest client sequence end fed
	uint32_t refed_at;          // the ACK number of the last re-feed
	bool refed;
	std::map<uint32_t, tb_frame> *data;   // client data frames by sequence number
};
static std::vector<tconn> *trace_conns;

static void track_trace_frame(const tb_frame &f)
{
	if (!trace_conns || f.size() < 54 || f[12] != 8 || f[13] != 0 || f[23] != 6)
		return;
	uint32_t sip = ref_be32(&f[26]), dip = ref_be32(&f[30]);
	uint16_t sp = (uint16_t)ref_be16(&f[34]), dp = (uint16_t)ref_be16(&f[36]);
	for (auto &c : *trace_conns)
		if (c.sip == sip && c.sport == sp && c.cip == dip && c.cport == dp) {
			c.nic_ack = ref_be32(&f[42]);
			c.nic_ack_seen = true;
		}
}

static void syn_opts(const uint8_t *f, const ref_meta &m, uint32_t *mss, int *ws, bool *ts, uint32_t *tsval)
{
	const uint8_t *o = f + 14 + 20 + 20;
	uint32_t len = m.tcp_doff * 4 - 20, i = 0;
	*mss = 536; *ws = -1; *ts = false; *tsval = 0;
	while (i < len) {
		uint8_t k = o[i];
		if (k == 0) break;
		if (k == 1) { i++; continue; }
		if (i + 1 >= len || o[i + 1] < 2) break;
		if (k == 2 && o[i + 1] == 4) *mss = ref_be16(o + i + 2);
		if (k == 3 && o[i + 1] == 3) *ws = o[i + 2];
		if (k == 8 && o[i + 1] == 10) { *ts = true; *tsval = ref_be32(o + i + 2); }
		i += o[i + 1];
	}
}

static uint32_t next_trace_id = 3500;

static void consume_rx(tb_rng &r)
{
	host_drain();
	for (auto &p : pending_rx) {
		if (!p.second)
			continue;
		const struct toffee_flow *st = fp_flow(fh->fp, p.first);
		if (!st)
			continue;
		uint32_t take = r.chance(80) ? p.second : 1 + r.below(p.second);
		if (fphost_ctx_cmd(fh, st->ctx_id, p.first, 0, take) == 0)
			p.second -= take;
	}
}

static void replay_trace(const char *name, tb_rng &r, size_t max_frames)
{
	const char *dir = getenv("TOFFEE_TRACES");
	std::string d = dir ? dir : "../shared/traces/linux";
	std::vector<tb_frame> frames;
	if (!tb_load_pcap(d + "/" + name + ".pcap", frames)) {
		printf("tb_diff: trace %s not found (TOFFEE_TRACES), skipped\n", name);
		return;
	}
	std::vector<tconn> conns;
	conns.reserve(64);
	trace_conns = &conns;
	std::vector<std::map<uint32_t, tb_frame>> datas(64);
	uint64_t fed = 0, refed = 0;
	uint8_t zero[1448];
	memset(zero, 0, sizeof zero);
	for (size_t n = 0; n < frames.size() && n < max_frames; n++) {
		const tb_frame &f = frames[n];
		ref_meta m;
		ref_parse(f.data(), (uint32_t)f.size(), &m);
		fh->now_ns += 10000;
		bool tcp = m.ethertype == 0x0800 && m.ip_proto == 6 && f.size() >= 54;
		tconn *c = nullptr;
		bool from_server = false;
		for (auto &x : conns) {
			if (!tcp) break;
			if (x.sip == m.ip_src && x.sport == m.tcp_sport && x.cip == m.ip_dst && x.cport == m.tcp_dport)
				c = &x, from_server = true;
			else if (x.cip == m.ip_src && x.cport == m.tcp_sport && x.sip == m.ip_dst && x.sport == m.tcp_dport)
				c = &x;
		}
		if (tcp && (m.tcp_flags & 0x12) == 0x02) {           // a client's SYN
			if (c && c->installed && c->syn_seq != m.tcp_seq) {  // a reused 4-tuple
				sp_cmd(TOFFEE_CMD_REMOVE, c->id, 0, "trace: remove reused");
				c->installed = false;
			}
			if (!c) {
				conns.push_back(tconn());
				c = &conns.back();
				memset(c, 0, sizeof *c);
				c->cip = m.ip_src; c->cport = (uint16_t)m.tcp_sport;
				c->sip = m.ip_dst; c->sport = (uint16_t)m.tcp_dport;
				c->id = next_trace_id++;
				c->ctx = c->id % N_CTX;
				TB_CHECK(conns.size() <= datas.size(), "too many connections in %s", name);
				c->data = &datas[conns.size() - 1];
			}
			c->syn_seq = m.tcp_seq;
			c->syn_win = (uint16_t)m.tcp_win;
			memcpy(c->cmac, f.data() + 6, 6);
			syn_opts(f.data(), m, &c->syn_mss, &c->syn_ws, &c->syn_ts, &c->syn_tsval);
		}
		if (tcp && (m.tcp_flags & 0x12) == 0x12 && c && from_server && !c->installed) {   // SYN-ACK: install
			uint32_t mss; int ws; bool ts; uint32_t tsv;
			syn_opts(f.data(), m, &mss, &ws, &ts, &tsv);
			struct toffee_flow &fl = c->img;
			memset(&fl, 0, sizeof fl);
			fl.local_ip = c->sip; fl.remote_ip = c->cip;
			fl.local_port = c->sport; fl.remote_port = c->cport;
			memcpy(fl.remote_mac, c->cmac, 6);
			fl.ctx_id = (uint16_t)c->ctx;
			bool both_ts = ts && c->syn_ts;
			fl.flags = both_ts ? TOFFEE_FLOWF_TS : 0;
			uint32_t cm = c->syn_mss - (both_ts ? 12 : 0);
			fl.mss = (uint16_t)(cm > 1448 ? 1448 : cm);
			if (ws >= 0 && c->syn_ws >= 0) {
				fl.snd_wscale = (uint8_t)(c->syn_ws > 14 ? 14 : c->syn_ws);
				fl.rcv_wscale = (uint8_t)(ws > 14 ? 14 : ws);
			}
			fphost_flow_bufs(fh, &fl, 20, 20);
			fl.rcv_nxt = c->syn_seq + 1;
			fl.rx_avail = 1u << 20;
			fl.ts_recent = c->syn_tsval;
			fl.snd_una = fl.snd_nxt = fl.snd_max = fl.tx_end = m.tcp_seq + 1;
			fl.snd_wnd = c->syn_win;
			c->app_end = m.tcp_seq + 1;
			c->fin_sent = false;
			memcpy(fphost_ptr(fh, fh->scratch_iova, sizeof fl), &fl, sizeof fl);
			struct toffee_sp_cmd cmd;
			memset(&cmd, 0, sizeof cmd);
			cmd.opcode = TOFFEE_CMD_INSTALL;
			cmd.flow_id = c->id;
			cmd.iova = fh->scratch_iova;
			TB_CHECK(fphost_sp_post(fh, &cmd) > 0, "INSTALL post");
			poll_idle("trace: install");
			c->installed = true;
			continue;
		}
		if (from_server) {
			// The server application: new payload appended, FIN after it.
			if (!c->installed || (m.tcp_flags & 0x02))
				continue;
			uint32_t end = m.tcp_seq + m.pay_len;
			if (seq_gt(end, c->app_end) && !c->fin_sent) {
				uint32_t from = seq_gt(m.tcp_seq, c->app_end) ? c->app_end : m.tcp_seq;
				for (uint32_t sq = from; sq != end;) {
					uint32_t len = end - sq > sizeof zero ? (uint32_t)sizeof zero : end - sq;
					if (seq_geq(sq, m.tcp_seq))
						fphost_tx_write(fh, &c->img, sq, f.data() + m.pay_off + (sq - m.tcp_seq), len);
					else
						fphost_tx_write(fh, &c->img, sq, zero, len);   // missed by the capture
					sq += len;
				}
				fphost_ctx_cmd(fh, c->ctx, c->id, end - c->app_end, 0);
				c->app_end = end;
			}
			if ((m.tcp_flags & 0x01) && !c->fin_sent) {
				fphost_ctx_cmd_flags(fh, c->ctx, c->id, 0, 0, TOFFEE_CMDF_FIN);
				c->fin_sent = true;
			}
			poll_idle("trace: server application");
			continue;
		}
		step_rx(f, "trace frame");
		fed++;
		consume_rx(r);
		poll_idle("trace: poll");
		if (!c || !c->installed || !m.tcp_csum_ok || !m.ip_csum_ok)
			continue;
		// The client retransmission model of toffee-replay (docs/replay.md):
		// keep the client's data frames; when the NIC acknowledges less than
		// was fed, feed again the frame holding the byte it asks for (once
		// per ACK number).
		uint32_t end = m.tcp_seq + m.pay_len + (m.tcp_flags & 1);
		if (m.pay_len)
			(*c->data)[m.tcp_seq] = f;
		if (seq_gt(end, c->fed_end) || !c->fed_end)
			c->fed_end = end;
		for (int k = 0; k < 8 && c->nic_ack_seen && seq_lt(c->nic_ack, c->fed_end) &&
				(!c->refed || c->refed_at != c->nic_ack); k++) {
			uint32_t a = c->nic_ack;
			const tb_frame *hold = nullptr;
			for (auto &d : *c->data) {
				ref_meta dm;
				ref_parse(d.second.data(), (uint32_t)d.second.size(), &dm);
				if (seq_leq(d.first, a) && seq_lt(a, d.first + dm.pay_len)) {
					hold = &d.second;
					break;
				}
			}
			c->refed = true;
			c->refed_at = a;
			if (!hold)
				break;
			tb_frame again = *hold;
			fh->now_ns += 10000;
			step_rx(again, "trace: client retransmission");
			refed++;
			consume_rx(r);
			poll_idle("trace: poll");
		}
	}
	uint64_t delivered = 0;
	for (auto &c : conns)
		if (c.nic_ack_seen)
			delivered += c.nic_ack - c.syn_seq - 1;
	printf("tb_diff: trace %s: %llu client frames fed, %llu again, %zu connections, %llu bytes acknowledged\n",
	       name, (unsigned long long)fed, (unsigned long long)refed, conns.size(),
	       (unsigned long long)delivered);
	trace_conns = nullptr;
	fflush(stdout);
}

// ---------------------------------------------------------------------------
// ARM while the event is on its way: the application arms its context at a
// random cycle after the segment entered the MAC. The RTL must notify if
// the ARM write landed no later than the cycle the event's entry was
// committed (the application arms, then looks at the ring: finding nothing
// it would sleep through the event); the firmware gets the ARM write
// before the segment if the RTL notified, after it if not, and must agree
// with the RTL in all else.
static void arm_race(tb_rng &r, gflow &g, unsigned rounds)
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

// ---------------------------------------------------------------------------
// Doorbells while the engine works: the lockstep steps above never ring a
// doorbell during a poll. Here the engine polls without pause (poll_step =
// 0) while the host appends context commands (no-ops: nothing to send or
// consume) and writes CMD_TAIL at random moments, and (directed) right
// while the engine works through that context's ring; every command must
// be consumed in the end: a doorbell that came while the engine was busy
// with that context must not be lost. The last phase: the firmware does
// not follow it.
static unsigned doorbell_race(tb_rng &r, unsigned rounds)
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
		const struct fphost_ring *q = &fh->ctx_cmd[c];
		uint32_t size = 1u << q->log2;
		for (uint32_t i = 0; i < n; i++, idx[c]++) {
			struct toffee_ctx_cmd e;
			memset(&e, 0, sizeof e);
			e.flow_id = fid[c];
			e.phase = toffee_phase(idx[c], q->log2);
			memcpy(&rmem[q->iova + (uint64_t)(idx[c] & (size - 1)) * sizeof e], &e, sizeof e);
		}
		nic->reg_wr(dbr(c, TOFFEE_DB_CMD_TAIL), idx[c]);
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

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nseg = argc > 1 ? (unsigned)atoi(argv[1]) : NSEG_DEFAULT;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = 4096;
	cfg.n_ctx = N_CTX;
	cfg.ctx_log2 = 4;                   // 16 events: the bursts below fill it
	cfg.mem_size = 256u << 20;
	memcpy(cfg.mac, MAC, 6);
	fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");
	fw_dma_write = fh->plat.dma_write;
	fw_dma_write_entry = fh->plat.dma_write_entry;
	fw_notify = fh->plat.notify;
	fh->plat.dma_write = rec_write;
	fh->plat.dma_write_entry = rec_write_entry;
	fh->plat.notify = rec_notify;
	for (uint32_t q : {TOFFEE_SPQ_EXC, TOFFEE_SPQ_FB})
		ring_areas.push_back({fh->sp[q].iova, fh->sp[q].iova + ((uint64_t)fh->sp[q].entry << fh->sp[q].log2)});
	for (uint32_t c = 0; c < N_CTX; c++)
		ring_areas.push_back({fh->ctx_ev[c].iova,
				      fh->ctx_ev[c].iova + ((uint64_t)fh->ctx_ev[c].entry << fh->ctx_ev[c].log2)});
	std::vector<uint32_t> host_regs;
	rtl_nic::reg_lists(N_CTX, host_regs, nic_regs);
	rmem.assign(fh->mem_size, 0);
	nic = std::make_unique<rtl_nic>(rmem.data(), &rmem_used, true);
	nic->on_dma_wr = on_dma_wr;
	nic->on_tick = job_track;
	nic->reset();
	fh->now_ns = 1000000;

	// --- 1. INSTALL, one in-order segment, its ACK. -------------------------
	on_fw_frame = [](const tb_frame &f) { track_frame(f); track_trace_frame(f); };
	auto mkflow = [&](uint32_t id) {
		gflow g;
		memset(&g, 0, sizeof g);
		g.id = id;
		g.ctx = id % N_CTX;
		g.lip = 0x0a000001;
		g.rip = 0x0a010000 + (id >> 4);
		g.lport = 80;
		g.rport = (uint16_t)(10000 + id);
		uint8_t rm[6] = {2, 0, 0, 0, 0, (uint8_t)(2 + id % 200)};
		memcpy(g.rmac, rm, 6);
		g.ts = id % 3 != 0;
		g.peer_seq = (uint32_t)r.next();
		g.tsval = (uint32_t)r.next() & 0xffff;
		return g;
	};
	flows.push_back(mkflow(7));
	by_port[flows[0].rport] = 0;
	install(flows[0], r, "install flow 7");
	{
		uint8_t pay[100];
		for (int i = 0; i < 100; i++)
			pay[i] = (uint8_t)i;
		gflow &g = flows[0];
		step_rx(build(g, g.peer_seq, 0x18, pay, 100), "in-order segment");
		g.peer_seq += 100;
		poll_idle("poll after the segment");
		host_drain();
	}
	printf("tb_diff: basic path (INSTALL, in-order segment, ACK) identical\n");
	fflush(stdout);

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

	// --- 2. Generated workload on 1,024 flows. -------------------------------
	const unsigned NF = 1024;
	for (uint32_t i = 1; i < NF; i++) {
		flows.push_back(mkflow(8 + i * 3));
		by_port[flows.back().rport] = flows.size() - 1;
		install(flows.back(), r, "install");
	}
	std::map<std::string, uint64_t> kinds;
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
			step_rx(build(g, g.peer_seq, 0x10 | (r.chance(30) ? 0x08 : 0), pay, plen, 0xffff,
				      r.chance(10) ? 3 : 0), what);
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
						      TOFFEE_CMD_RETRANSMIT, TOFFEE_CMD_FEEDBACK, TOFFEE_CMD_SET_RATE};
			uint8_t op = ops[r.below(sizeof ops)];
			what = "slow-path command";
			uint32_t arg = op == TOFFEE_CMD_SET_RATE ? (r.chance(30) ? 0 : r.below(20000))
				     : op == TOFFEE_CMD_SET_WINDOW ? (r.chance(30) ? 0 : r.below(20000)) : 0;
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
	// --- 2c. ARM while the event is on its way.
	for (gflow &g : flows)
		if (g.installed && !g.fin && g.ctx == 2) {
			arm_race(r, g, 200);
			kinds["arm race"] += 200;
			break;
		}

	// --- 3. The Linux traces. ----------------------------------------------------
	{
		uint32_t ctrl = fphost_reg_rd(fh, TOFFEE_REG_CTRL);
		fphost_reg_wr(fh, TOFFEE_REG_CTRL, ctrl | TOFFEE_CTRL_PROMISC);   // the captures' MACs
		// The firmware latches CTRL at its next poll, the RTL uses it at once:
		// poll before the first frame.
		poll_idle("latch CTRL");
		size_t max_frames = argc > 3 ? (size_t)strtoull(argv[3], nullptr, 0) : 300;
		for (const char *t : {"echo_small", "refused", "reset", "bulk_in", "bulk_out", "lossy_2pct", "reorder"})
			replay_trace(t, r, max_frames);
		consume_rx(r);
		poll_idle("final poll");
	}

	// --- Counters. -------------------------------------------------------------
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
		uint64_t v = nic->counter(i), w = fp_counter(fh->fp, i);
		TB_CHECK(v == w, "counter %u: firmware %llu, RTL %llu", i, (unsigned long long)w,
			 (unsigned long long)v);
	}
	TB_CHECK(fh->abi_violations == 0, "%llu ABI violations seen by the host",
		 (unsigned long long)fh->abi_violations);
	kinds["doorbell during poll"] += doorbell_race(r, 400);

	printf("tb_diff: %llu steps identical: %llu frames, %llu ring entries, %llu notifications; %llu RTL cycles\n",
	       (unsigned long long)n_steps, (unsigned long long)n_frames_cmp, (unsigned long long)n_entries_cmp,
	       (unsigned long long)n_notify_cmp, (unsigned long long)nic->cycle());
	for (auto &k : kinds)
		printf("  %-18s %llu\n", k.first.c_str(), (unsigned long long)k.second);
	printf("  engine cycles per job (DATA_WIDTH %u):\n", DW);
	for (auto &j : jobs)
		printf("    %-34s n %-7llu min %-5llu avg %-7.1f max %llu\n", j.first.c_str(),
		       (unsigned long long)j.second.n, (unsigned long long)j.second.min,
		       j.second.n ? (double)j.second.sum / j.second.n : 0.0, (unsigned long long)j.second.max);
	for (auto &j : job_cycles)
		printf("  busy cycles per %s step: %.1f (%llu steps)\n", j.first.c_str(),
		       j.second.second ? (double)j.second.first / j.second.second : 0.0,
		       (unsigned long long)j.second.second);
	printf("  counters: tx_segs %llu tx_bytes %llu tx_raw %llu dupacks %llu fast_rexmits %llu raw_bad %llu\n",
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_TX_SEGS),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_TX_BYTES),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_TX_RAW),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_RX_DUPACKS),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_FAST_REXMITS),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_RAW_BAD));
	printf("  counters: rx_frames %llu data_segs %llu acks %llu tx_acks %llu exc %llu\n",
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_RX_FRAMES),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_RX_DATA_SEGS),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_RX_ACKS),
	       (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_TX_ACKS),
	       (unsigned long long)([] { uint64_t s = 0; for (unsigned i = 0; i < 16; i++) s += fp_counter(fh->fp, TOFFEE_CNT_EXC_BASE + i); return s; }()));
	printf("  exceptions:");
	for (unsigned i = 1; i < TOFFEE_EXC_COUNT; i++)
		if (fp_counter(fh->fp, TOFFEE_CNT_EXC_BASE + i))
			printf(" %s %llu", fp_exc_name(i), (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_EXC_BASE + i));
	printf("\n  drops:");
	for (unsigned i = 1; i < TOFFEE_DROP_COUNT; i++)
		if (fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + i))
			printf(" %s %llu", fp_drop_name(i), (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + i));
	printf("\n");
	nic.reset();
	fflush(NULL);
	_Exit(0);
}
