// SPDX-License-Identifier: MIT
// Differential test of the RTL fast path (toffee_top, DATA_WIDTH 64 or 512) against
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
// Also: every ring entry must be committed after exactly the host-memory
// bytes the firmware wrote before its own entry (payload before the event
// announcing it, the next payload after it).
//
// Workloads (tb_diff_work.cpp, tb_diff_trace.cpp, tb_diff_race.cpp): an
// INSTALL + in-order segment + ACK; a directed transmit scenario; generated
// traffic on 1,024 flows over 4 contexts (in-order, out-of-order,
// duplicated and lost segments, pure ACKs, FINs, window probes, bad
// checksums, unknown flows, application rx_consumed commands with window
// updates, ARM, tx appends, slow-path commands: FEEDBACK, READ_STATE,
// SET_RATE/WINDOW, REMOVE and re-INSTALL); bursts of frames back to back on
// a few flows of one context (a filling event ring, MAC and DMA
// back-pressure, a paused MAC that fills the transmit FIFO, which diff.mk
// builds small); ARM written while an event is on its way; the Linux traces
// (flows installed from their handshakes, as toffee-replay does); last,
// doorbells rung while the engine polls freely (the firmware does not
// follow that part).
// Usage: Vtoffee_top [segments (1500)] [seed (1)] [frames per trace (300;
// a large number replays the traces whole)].
#include "tb_diff.h"

// ---------------------------------------------------------------------------
// The firmware's side: its writes, entries and notifications, recorded.
// ---------------------------------------------------------------------------
struct fphost *fh;
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
std::unique_ptr<rtl_nic> nic;
std::vector<uint8_t> rmem;             // RTL host memory (same IOVAs), fh->mem_size
static size_t rmem_used;                      // = fh->mem_used after each sync
side_events rtl_ev;                    // ring entries (tx frames, irqs: in nic)
static bool wr_first = true;
static int wr_beats_in_txn;
static uint64_t wr_txn_addr;                   // its last beat's first byte written
static uint64_t wr_txn_start;                  // its first byte written
static unsigned wr_txn_bytes;
static std::vector<std::pair<uint64_t, uint64_t>> ring_areas;   // NIC-written rings
uint64_t rtl_commit_cyc;               // the last ring entry's commit (phase byte)
uint64_t read_state_iova;              // READ_STATE image of this step
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

unsigned state_of() { return nic->model()->rootp->toffee_top->engine_inst__DOT__state_reg; }
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
	if (n) {
		wr_txn_addr = a + (unsigned)__builtin_ctzll(strb);
		if (!wr_txn_bytes)
			wr_txn_start = wr_txn_addr;
	}
	wr_beats_in_txn++;
	wr_txn_bytes += n;
	wr_first = last;
	if (last && wr_beats_in_txn == 1 && wr_txn_bytes == 1 && in_ring(wr_txn_addr)) {
		rtl_ev.entries.push_back(wr_txn_addr);
		rtl_ev.wsums.push_back(rtl_wsum);
		rtl_ev.wlog.push_back({wr_txn_addr, 0});
		rtl_commit_cyc = cyc;
	} else if (last && !in_ring(wr_txn_start)) {
		rtl_ev.wlog.push_back({wr_txn_start, wr_txn_bytes});
	}
}

// Run until the RTL has been idle (engine, MAC input, DMA, MAC output) for
// a while (300 cycles: a whole 1518-byte frame crosses mac_rx and the parser).
void run_idle(const char *what)
{
	TB_CHECK(nic->run_idle(300, 2000000), "RTL does not get idle (%s), cycle %llu", what,
		 (unsigned long long)nic->cycle());
}

// ---------------------------------------------------------------------------
// Registers: host-written ones mirrored, NIC-written ones compared.
// ---------------------------------------------------------------------------
static std::vector<uint32_t> nic_regs;        // NIC-written registers (compared)

uint32_t spq(uint32_t q, uint32_t f) { return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + f; }
uint32_t ctxr(uint32_t c, uint32_t f) { return TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE + f; }
uint32_t dbr(uint32_t c, uint32_t f) { return TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE + f; }

const char *step_name = "";
uint64_t step_no;

// The host's writes since the last step: memory and registers.
void sync_host()
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
static uint64_t n_sack_acks, n_dsack_acks;   // compared ACKs with SACK blocks, D-SACK first
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

void compare()
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
		struct ref_meta m;
		ref_parse(a.data(), (uint32_t)a.size(), &m);
		if (m.ip_proto == 6 && m.sack_n) {
			n_sack_acks++;
			// D-SACK (RFC 2883): the first block below the ACK or inside the second
			n_dsack_acks += (int32_t)(m.sack[1] - m.tcp_ack) <= 0 ||
					(m.sack_n > 1 && (int32_t)(m.sack[0] - m.sack[2]) >= 0 &&
					 (int32_t)(m.sack[1] - m.sack[3]) <= 0);
		}
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

void step_rx(const tb_frame &f, const char *what)
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
void step_rx_burst(const std::vector<tb_frame> &fs, const char *what)
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

void poll_idle(const char *what)
{
	for (int i = 0; i < 64; i++)
		if (!step_poll(16, what))
			return;
}

// The host consumes what the NIC produced (events, exceptions, feedback),
// so that rings never fill; returns bytes delivered per flow via events.
std::map<uint32_t, uint32_t> pending_rx;   // flow -> bytes to consume
std::map<uint32_t, uint32_t> consumed_ahead; // flow -> bytes consumed before their events were read
void host_drain()
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
	flows.push_back(make_flow(7, r));
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
		// SET_SLOWPATH: the next segment is punted (P5, nothing delivered),
		// then, cleared, delivered again; a bad argument is refused.
		sp_cmd(TOFFEE_CMD_SET_SLOWPATH, g.id, 1, "SET_SLOWPATH 1");
		step_rx(build(g, g.peer_seq, 0x18, pay, 100), "segment to a slow-path flow");
		poll_idle("poll after the punted segment");
		sp_cmd(TOFFEE_CMD_SET_SLOWPATH, g.id, 2, "SET_SLOWPATH 2 (bad)");
		sp_cmd(TOFFEE_CMD_SET_SLOWPATH, g.id, 0, "SET_SLOWPATH 0");
		step_rx(build(g, g.peer_seq, 0x18, pay, 100), "segment after SET_SLOWPATH 0");
		g.peer_seq += 100;
		poll_idle("poll after the segment");
		host_drain();
		TB_CHECK(fp_counter(fh->fp, TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_SLOW_FLOW) == 1,
			 "SET_SLOWPATH: %llu slow-flow exceptions, want 1",
			 (unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_SLOW_FLOW));
	}
	printf("tb_diff: basic path (INSTALL, in-order segment, ACK, SET_SLOWPATH) identical\n");
	fflush(stdout);

	phase_transmit();
	std::map<std::string, uint64_t> kinds;
	phase_generated(r, nseg, kinds);
	phase_bursts(r, nseg, kinds);
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
	// (the flood's flow: 256 KiB to receive into)
	flows.push_back(make_flow(4000, r));
	by_port[flows.back().rport] = flows.size() - 1;
	install(flows.back(), r, "install the flood's flow", 18);
	kinds["doorbell during poll"] += doorbell_race(r, 400);
	rx_flood(flows.back(), 100);
	kinds["flood"] += 100;

	printf("tb_diff: %llu steps identical: %llu frames (%llu ACKs with SACK blocks, %llu with D-SACK), "
	       "%llu ring entries, %llu notifications; %llu RTL cycles\n",
	       (unsigned long long)n_steps, (unsigned long long)n_frames_cmp, (unsigned long long)n_sack_acks,
	       (unsigned long long)n_dsack_acks, (unsigned long long)n_entries_cmp,
	       (unsigned long long)n_notify_cmp, (unsigned long long)nic->cycle());
	TB_CHECK(n_sack_acks > 0 && n_dsack_acks > 0, "no SACK / D-SACK blocks compared");
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

