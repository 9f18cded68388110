// SPDX-License-Identifier: MIT
// make bench-rtl: throughput, latency and simulator speed of the Verilator
// model of toffee_top (hw/sim/rtl_nic), with the host of tests/lib/fphost
// (host memory, rings, registers; its firmware is never run).
//
// Flows are installed through the slow-path command ring (INSTALL), as
// toffeed does. The engine polls freely (poll_step = 0, the hardware mode).
//
//  - segments per cycle: back-to-back in-order data segments (64-byte
//    payload, timestamps) round robin over 1, 1,000 and 65,536 flows. mac_rx
//    cannot back-pressure (it drops on overflow), so the harness offers the
//    next segment as soon as fewer than WINDOW segments are in flight (sent,
//    ACK not yet out): the MAC input is busy every cycle the NIC can take a
//    segment. Steady state: from the ACK of segment N/10 to that of 9N/10.
//  - MTU payload bytes per cycle: 1460-byte segments (no options), 1 flow.
//  - receive latency: last beat of a segment in at the MAC -> last DMA write
//    beat of its payload -> phase byte of its event entry written.
//  - transmit latency: doorbell write of an append on an idle flow -> first
//    beat of the data segment out at the MAC.
// Every run is checked: payload in host memory equals what was sent, one
// ACK per segment with the right ACK number, events add up, no drop or
// exception counted. A failed check fails the bench (exit 1).
//
// Usage: bench_rtl OUT.json [DW512.json to embed under "dw512"] [--quick]
#include <chrono>
#include <cmath>
#include <string>
#include "rtl_nic.h"
#include "Vtoffee_top.h"
#include "Vtoffee_top___024root.h"
#include "Vtoffee_top_toffee_top.h"
#include "tb_frames.h"
#define _Static_assert static_assert
extern "C" {
#include "fphost.h"
}

static const uint8_t MAC[6] = {2, 0, 0, 0, 0, 1};
static const unsigned N_CTX = 4;
static const unsigned WINDOW = 16;           // segments in flight, at most

struct bflow {
	uint32_t id, ctx, lip, rip;
	uint16_t lport, rport;
	bool ts;
	uint32_t isn;          // first payload byte's sequence number
	uint32_t seq;          // next byte to send
	uint32_t snd_iss;
	uint32_t acked;        // highest ACK number seen from the NIC
	uint64_t ev_bytes;
	struct toffee_flow img;
};

struct bench_host {
	struct fphost *fh;
	rtl_nic *nic;
	std::vector<bflow> flows;
	uint64_t acks = 0, other_tx = 0, bad_acks = 0;
};

static double now_s()
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static tb_frame build(const bflow &g, uint32_t seq, const uint8_t *pay, uint32_t plen)
{
	static const uint8_t rm[6] = {2, 0, 0, 0, 1, 2};
	tb_seg s = {MAC, rm, g.rip, g.lip, g.rport, g.lport, seq, g.snd_iss, 0x18, 0, 0xffff, g.ts, 256};
	return tb_seg_frame(s, pay, plen);
}

// The payload byte at sequence offset o of flow id (deterministic).
static inline uint8_t pay_byte(uint32_t id, uint32_t o) { return (uint8_t)(o * 131 + id * 7 + (o >> 8)); }

// Tick until the model has written nothing for a while: the host then reads
// ring indices and entries that belong together (the engine runs freely).
static void quiesce(bench_host &h)
{
	uint64_t last = h.nic->n_dma_wr_beats, quiet = 0;
	for (uint64_t n = 0; quiet < 400; n++) {
		TB_CHECK(n < 50000000, "bench: the model keeps writing");
		h.nic->tick();
		quiet = h.nic->n_dma_wr_beats == last && !h.nic->rx_pending() ? quiet + 1 : 0;
		last = h.nic->n_dma_wr_beats;
	}
}

// Slow-path command helper: post, let the engine run, wait for completions.
static void sp_sync(bench_host &h, unsigned expect)
{
	h.nic->mirror_to_nic(h.fh->regs, N_CTX);
	unsigned got = 0;
	struct toffee_sp_fb fb;
	for (int round = 0; got < expect; round++) {
		TB_CHECK(round < 100000, "bench: slow-path completions missing (%u of %u)", got, expect);
		quiesce(h);
		h.nic->mirror_from_nic(h.fh->regs, N_CTX);
		while (fphost_fb_next(h.fh, &fb)) {
			TB_CHECK(fb.status == 0, "bench: slow-path command failed: status %d", (int)fb.status);
			got++;
		}
		h.nic->mirror_to_nic(h.fh->regs, N_CTX);   // the FB head
	}
}

// Set up host + model with @p nflows flows, each receiving @p bytes_per_flow.
static void setup(bench_host &h, unsigned nflows, uint64_t bytes_per_flow, bool ts, uint16_t mss)
{
	uint64_t slot = 64;
	while (slot < bytes_per_flow)
		slot *= 2;
	uint64_t buf = slot < 4096 ? 4096 : slot;
	unsigned per_buf = (unsigned)(buf / slot);
	unsigned log2 = 0;
	while ((1ull << log2) < buf)
		log2++;
	size_t nbufs = (nflows + per_buf - 1) / per_buf;

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = rtl_nic::flow_cap();
	cfg.n_ctx = N_CTX;
	cfg.ctx_log2 = 16;
	cfg.sp_log2 = 10;
	cfg.mem_size = (size_t)(nbufs * buf + (64u << 20) + (size_t)nflows * 256);
	memcpy(cfg.mac, MAC, 6);
	h.fh = fphost_create(&cfg);
	TB_CHECK(h.fh, "fphost_create");
	h.nic = new rtl_nic(h.fh->mem, &h.fh->mem_used, false);
	h.nic->reset();
	h.nic->on_tx = [&h](const uint8_t *f, uint32_t len) {
		// The NIC's ACKs: pure ACK, to a bench flow, ACK number advancing.
		if (len < 54 || f[23] != 6 || len > 54 + 12 + 6) {
			h.other_tx++;
			return;
		}
		uint16_t dport = (uint16_t)(f[36] << 8 | f[37]);
		uint32_t ackn = (uint32_t)f[42] << 24 | (uint32_t)f[43] << 16 | (uint32_t)f[44] << 8 | f[45];
		uint32_t idx = dport - 1024u + (f[30] == 0x0b ? 65536u - 1024u : 0u);
		if (idx >= h.flows.size() || !(f[47] & 0x10)) {
			h.other_tx++;
			return;
		}
		bflow &g = h.flows[idx];
		if ((int32_t)(ackn - g.acked) <= 0 || (int32_t)(ackn - g.seq) > 0)
			h.bad_acks++;
		g.acked = ackn;
		h.acks++;
	};

	uint64_t tx_iova = fphost_alloc(h.fh, 4096, 4096);
	std::vector<uint64_t> rx_iova(nbufs);
	for (size_t i = 0; i < nbufs; i++)
		rx_iova[i] = fphost_alloc(h.fh, buf, buf);
	uint64_t img_iova = fphost_alloc(h.fh, 1024 * 128, 4096);
	tb_rng r(42);
	h.flows.resize(nflows);
	unsigned pending = 0;
	for (unsigned i = 0; i < nflows; i++) {
		bflow &g = h.flows[i];
		g.id = i;
		g.ctx = i % N_CTX;
		g.lip = 0x0a000001;
		g.rip = 0x0a010000 + (i >> 8);
		g.lport = 80;
		g.rport = (uint16_t)(1024 + i);   // on_tx finds the flow by port (and IP)
		if (i >= 65536 - 1024) {
			g.rport = (uint16_t)(1024 + (i - (65536 - 1024)));
			g.rip = 0x0b000000 + (i >> 8);
		}
		g.ts = ts;
		g.isn = (uint32_t)(r.next() & ~(buf - 1)) + (uint32_t)((i % per_buf) * slot);
		g.seq = g.isn;
		g.acked = g.isn;
		g.snd_iss = (uint32_t)r.next();
		struct toffee_flow &f = g.img;
		static const uint8_t rm[6] = {2, 0, 0, 0, 1, 2};
		fphost_flow_key(&f, g.lip, g.rip, g.lport, g.rport, rm, (uint16_t)g.ctx);
		f.flags = ts ? TOFFEE_FLOWF_TS : 0;
		f.mss = mss;
		f.rx_buf_iova = rx_iova[i / per_buf];
		f.rx_buf_log2 = (uint8_t)log2;
		f.tx_buf_iova = tx_iova;
		f.tx_buf_log2 = 12;
		f.rcv_nxt = g.isn;
		f.rx_avail = (uint32_t)buf;
		f.ts_recent = 256;
		f.snd_una = f.snd_nxt = f.snd_max = f.tx_end = g.snd_iss;
		f.snd_wnd = 65535;
		uint64_t ia = img_iova + (uint64_t)(pending % 1024) * 128;
		memcpy(fphost_ptr(h.fh, ia, sizeof f), &f, sizeof f);
		struct toffee_sp_cmd c;
		memset(&c, 0, sizeof c);
		c.opcode = TOFFEE_CMD_INSTALL;
		c.flow_id = g.id;
		c.iova = ia;
		TB_CHECK(fphost_sp_post(h.fh, &c) >= 0, "INSTALL post");
		if (++pending == 1024 || i + 1 == nflows) {
			sp_sync(h, pending);
			pending = 0;
		}
	}
}

static void teardown(bench_host &h)
{
	delete h.nic;
	fphost_destroy(h.fh);
	h = bench_host();
}

// Drain the event rings into the flows.
static void drain_events(bench_host &h)
{
	quiesce(h);
	h.nic->mirror_from_nic(h.fh->regs, N_CTX);
	struct toffee_ctx_ev ev;
	for (unsigned c = 0; c < N_CTX; c++)
		while (fphost_ctx_ev_next(h.fh, c, &ev)) {
			TB_CHECK(ev.flow_id < h.flows.size(), "event for flow %u", ev.flow_id);
			h.flows[ev.flow_id].ev_bytes += ev.rx_bytes;
		}
	h.nic->mirror_to_nic(h.fh->regs, N_CTX);
}

// Everything a run must satisfy.
static void check_run(bench_host &h, uint64_t nseg, const char *what)
{
	drain_events(h);
	for (bflow &g : h.flows) {
		uint32_t n = g.seq - g.isn;
		TB_CHECK(g.acked == g.seq, "%s: flow %u: last ACK %u, sent up to %u", what, g.id, g.acked - g.isn, n);
		TB_CHECK(g.ev_bytes == n, "%s: flow %u: events report %llu bytes, %u sent", what, g.id,
			 (unsigned long long)g.ev_bytes, n);
		uint32_t mask = (1u << g.img.rx_buf_log2) - 1;
		for (uint32_t o = 0; o < n; o++) {
			uint8_t b = h.fh->mem[g.img.rx_buf_iova + ((g.isn + o) & mask)];
			TB_CHECK(b == pay_byte(g.id, o), "%s: flow %u: payload byte %u is %02x, sent %02x", what, g.id, o,
				 b, pay_byte(g.id, o));
		}
	}
	TB_CHECK(h.acks == nseg, "%s: %llu ACKs for %llu segments", what, (unsigned long long)h.acks,
		 (unsigned long long)nseg);
	TB_CHECK(h.bad_acks == 0 && h.other_tx == 0, "%s: %llu bad ACKs, %llu other frames", what,
		 (unsigned long long)h.bad_acks, (unsigned long long)h.other_tx);
	uint64_t drops = 0, exc = 0;
	for (unsigned i = 1; i < TOFFEE_DROP_COUNT; i++)
		drops += h.nic->counter(TOFFEE_CNT_DROP_BASE + i);
	for (unsigned i = 1; i < TOFFEE_EXC_COUNT; i++)
		exc += h.nic->counter(TOFFEE_CNT_EXC_BASE + i);
	TB_CHECK(h.fh->abi_violations == 0, "%s: %llu ABI violations seen by the host", what,
		 (unsigned long long)h.fh->abi_violations);
	TB_CHECK(drops == 0 && exc == 0, "%s: %llu drops, %llu exceptions", what, (unsigned long long)drops,
		 (unsigned long long)exc);
	uint64_t segs = h.nic->counter(TOFFEE_CNT_RX_DATA_SEGS), tx_acks = h.nic->counter(TOFFEE_CNT_TX_ACKS);
	TB_CHECK(segs == nseg && tx_acks == nseg, "%s: counters rx_data_segs %llu tx_acks %llu, %llu sent", what,
		 (unsigned long long)segs, (unsigned long long)tx_acks, (unsigned long long)nseg);
}

struct tput { double seg_per_cycle, bytes_per_cycle, cycles_per_s; uint64_t cycles, nseg; unsigned beats; };

// Stream @p nseg segments of @p plen bytes round robin over the flows.
static tput stream(bench_host &h, uint64_t nseg, uint32_t plen, const char *what)
{
	std::vector<uint64_t> ack_cyc;
	ack_cyc.reserve(nseg);
	uint64_t acks0 = h.acks;
	auto prev = h.nic->on_tx;
	h.nic->on_tx = [&](const uint8_t *f, uint32_t len) {
		prev(f, len);
		if (h.acks != acks0 + ack_cyc.size())
			ack_cyc.push_back(h.nic->cycle());
	};
	uint8_t pay[1500];
	uint64_t sent = 0;
	// In flight: WINDOW segments, at most 8 KiB (mac_rx's FIFO holds 16 KiB
	// at DATA_WIDTH 64 and drops what does not fit).
	uint64_t window = 8192 / (plen + 66);
	window = window < 2 ? 2 : window > WINDOW ? WINDOW : window;
	size_t fi = 0;
	unsigned fbytes = 0;
	// BENCH_RTL_PROFILE=1: the engine's cycles per segment in each state of
	// its sequencer and of its lookahead
	const bool profile = getenv("BENCH_RTL_PROFILE") != nullptr;
	uint64_t prof[128] = {0}, la_prof[16] = {0};
	double t0 = now_s();
	uint64_t c0 = h.nic->cycle();
	while (ack_cyc.size() < nseg) {
		while (sent < nseg && sent - ack_cyc.size() < window && h.nic->rx_pending() < 2) {
			bflow &g = h.flows[fi];
			for (uint32_t i = 0; i < plen; i++)
				pay[i] = pay_byte(g.id, g.seq - g.isn + i);
			tb_frame f = build(g, g.seq, pay, plen);
			fbytes = (unsigned)f.size();
			g.seq += plen;
			h.nic->rx_frame(f.data(), (uint32_t)f.size());
			sent++;
			fi = fi + 1 == h.flows.size() ? 0 : fi + 1;
		}
		h.nic->tick();
		if (profile) {
			prof[h.nic->model()->rootp->toffee_top->engine_inst__DOT__state_reg & 127]++;
			la_prof[h.nic->model()->rootp->toffee_top->engine_inst__DOT__la_state_reg & 15]++;
		}
		// Stalled: no ACK for a million cycles (a segment takes tens).
		TB_CHECK(h.nic->cycle() - (ack_cyc.empty() ? c0 : ack_cyc.back()) < 1000000,
			 "%s: no ACK for 1,000,000 cycles (%zu of %llu ACKs)", what, ack_cyc.size(),
			 (unsigned long long)nseg);
	}
	double t1 = now_s();
	uint64_t c1 = h.nic->cycle();
	for (int i = 0; i < 2000; i++)
		h.nic->tick();
	h.nic->on_tx = prev;
	if (profile)
		for (unsigned st = 0; st < 128; st++)
			if (prof[st])
				fprintf(stderr, "%s: state %u: %.2f cycles/segment\n", what, st, (double)prof[st] / (double)nseg);
	if (profile)
		for (unsigned st = 0; st < 16; st++)
			if (la_prof[st])
				fprintf(stderr, "%s: lookahead state %u: %.2f cycles/segment\n", what, st,
					(double)la_prof[st] / (double)nseg);
	size_t a = nseg / 10, b = nseg - nseg / 10;
	tput t;
	t.cycles = ack_cyc[b] - ack_cyc[a];
	t.nseg = b - a;
	t.seg_per_cycle = (double)t.nseg / (double)t.cycles;
	t.bytes_per_cycle = t.seg_per_cycle * plen;
	t.cycles_per_s = (double)(c1 - c0) / (t1 - t0);
	t.beats = (fbytes + rtl_nic::data_width() / 8 - 1) / (rtl_nic::data_width() / 8);
	check_run(h, nseg, what);
	return t;
}

struct lat { double rx_dma, rx_ev, tx; };

static lat latency()
{
	bench_host h;
	setup(h, 1, 1u << 16, true, 1448);
	bflow &g = h.flows[0];
	uint64_t rx_lo = g.img.rx_buf_iova, rx_hi = rx_lo + (1u << g.img.rx_buf_log2);
	const fphost_ring &evr = h.fh->ctx_ev[g.ctx];
	uint64_t ev_lo = evr.iova, ev_hi = ev_lo + ((uint64_t)evr.entry << evr.log2);
	uint64_t t_in = 0, t_pay = 0, t_ev = 0;
	h.nic->on_mac_rx_beat = [&](uint64_t c, bool last) { if (last) t_in = c; };
	h.nic->on_dma_wr = [&](uint64_t c, uint64_t a, uint64_t strb, bool last) {
		(void)strb;
		if (getenv("BENCH_RTL_DEBUG"))
			fprintf(stderr, "dma wr cyc %llu addr 0x%llx strb %llx last %d (rx 0x%llx..0x%llx ev 0x%llx..0x%llx)\n",
				(unsigned long long)c, (unsigned long long)a, (unsigned long long)strb, last,
				(unsigned long long)rx_lo, (unsigned long long)rx_hi, (unsigned long long)ev_lo,
				(unsigned long long)ev_hi);
		if (a >= rx_lo && a < rx_hi && last)
			t_pay = c;
		if (a >= ev_lo && a < ev_hi && last)
			t_ev = c;
	};
	const int N = 8;
	double s_dma = 0, s_ev = 0;
	uint8_t pay[64];
	for (int k = 0; k < N; k++) {
		for (uint32_t i = 0; i < 64; i++)
			pay[i] = pay_byte(g.id, g.seq - g.isn + i);
		tb_frame f = build(g, g.seq, pay, 64);
		g.seq += 64;
		t_in = t_pay = t_ev = 0;
		h.nic->rx_frame(f.data(), (uint32_t)f.size());
		for (int i = 0; i < 3000; i++) {
			h.nic->tick();
			if (getenv("BENCH_RTL_DEBUG") && i % 200 == 0)
				fprintf(stderr, "cyc %llu state %u idle %d pending %zu rxv %d\n", (unsigned long long)h.nic->cycle(),
					(unsigned)h.nic->model()->rootp->toffee_top->engine_inst__DOT__state_reg,
					(int)h.nic->model()->engine_idle, h.nic->rx_pending(),
					(int)h.nic->model()->s_axis_mac_rx_tvalid);
		}
		if (getenv("BENCH_RTL_DEBUG"))
			for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++)
				if (uint64_t v = h.nic->counter(i))
					fprintf(stderr, "counter %u = %llu\n", i, (unsigned long long)v);
		TB_CHECK(t_in && t_pay > t_in && t_ev > t_pay, "latency: events out of order (%llu %llu %llu)",
			 (unsigned long long)t_in, (unsigned long long)t_pay, (unsigned long long)t_ev);
		s_dma += (double)(t_pay - t_in);
		s_ev += (double)(t_ev - t_pay);
	}
	check_run(h, N, "rx latency");
	lat l;
	l.rx_dma = s_dma / N;
	l.rx_ev = s_ev / N;
	// Transmit: an append of 100 bytes on the idle flow.
	uint64_t t_db = 0, t_out = 0;
	uint32_t db_addr = TOFFEE_REG_DB_BASE + g.ctx * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_CMD_TAIL;
	h.nic->on_axil_wr = [&](uint64_t c, uint32_t a) { if (a == db_addr) t_db = c; };
	uint64_t first_cyc = 0;
	h.nic->on_mac_tx_beat = [&](uint64_t c, bool first, bool) { if (first) first_cyc = c; };
	auto prev = h.nic->on_tx;
	h.nic->on_tx = [&](const uint8_t *f, uint32_t len) {
		if (len > 54 + 12 + 6 && !t_out)
			t_out = first_cyc;
		else
			prev(f, len);
	};
	uint8_t data[100];
	memset(data, 0x5a, sizeof data);
	fphost_tx_write(h.fh, &g.img, g.snd_iss, data, sizeof data);
	TB_CHECK(fphost_ctx_cmd(h.fh, g.ctx, g.id, sizeof data, 0) == 0, "ctx cmd");
	h.nic->mirror_to_nic(h.fh->regs, N_CTX);
	for (int i = 0; i < 5000 && !t_out; i++)
		h.nic->tick();
	TB_CHECK(t_db && t_out > t_db, "tx latency: no data segment (doorbell %llu, out %llu)",
		 (unsigned long long)t_db, (unsigned long long)t_out);
	l.tx = (double)(t_out - t_db);
	teardown(h);
	return l;
}

static std::string read_file(const char *p)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return "";
	std::string s;
	char b[4096];
	size_t n;
	while ((n = fread(b, 1, sizeof b, f)) > 0)
		s.append(b, n);
	fclose(f);
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	const char *out = argc > 1 ? argv[1] : "rtl.json";
	const char *embed = argc > 2 && strcmp(argv[2], "-") ? argv[2] : nullptr;
	bool quick = argc > 3 && !strcmp(argv[3], "--quick");
	if (getenv("BENCH_RTL_LAT_ONLY")) {
		lat l = latency();
		printf("rx %.0f + %.0f tx %.0f\n", l.rx_dma, l.rx_ev, l.tx);
		return 0;
	}
	if (getenv("BENCH_RTL_SPEED_ONLY")) {   // model speed alone: 1 flow, N (default 20,000) segments
		uint64_t n = strtoull(getenv("BENCH_RTL_SPEED_ONLY"), nullptr, 10);
		// (at most 60,000: one flow's events fill its context's 65,536-entry
		// ring, which the bench does not consume; the NIC then drops)
		n = n < 100 ? 20000 : n > 60000 ? 60000 : n;
		// BENCH_RTL_PLEN: their payload (default 64 bytes, at most 1448)
		uint32_t plen = getenv("BENCH_RTL_PLEN") ? (uint32_t)strtoul(getenv("BENCH_RTL_PLEN"), nullptr, 10) : 64;
		plen = plen < 1 ? 1 : plen > 1448 ? 1448 : plen;
		bench_host h;
		setup(h, 1, n * plen, true, 1448);
		tput t = stream(h, n, plen, "segments");
		printf("sim_cycles_per_s %.0f seg_per_cycle %.4f\n", t.cycles_per_s, t.seg_per_cycle);
		teardown(h);
		return 0;
	}
	unsigned dw = rtl_nic::data_width();
	const unsigned counts[3] = {1, 1000, 65536};
	double spc[3], sim_speed = 0;
	tput tp[3];
	for (int k = 0; k < 3; k++) {
		unsigned nf = counts[k];
		uint64_t nseg = nf == 65536 ? (quick ? 65536 : 131072) : (quick ? 4000 : 20000);
		uint64_t per_flow = (nseg + nf - 1) / nf * 64;
		bench_host h;
		double t0 = now_s();
		setup(h, nf, per_flow, true, 1448);
		fprintf(stderr, "bench-rtl (DW %u): %u flows installed in %.1f s, %llu segments...\n", dw, nf,
			now_s() - t0, (unsigned long long)nseg);
		tp[k] = stream(h, nseg, 64, "64-byte segments");
		spc[k] = tp[k].seg_per_cycle;
		if (nf == 1)
			sim_speed = tp[k].cycles_per_s;
		teardown(h);
	}
	tput mtu;
	{
		bench_host h;
		uint64_t nseg = quick ? 500 : 3000;
		setup(h, 1, nseg * 1460, false, 1460);
		mtu = stream(h, nseg, 1460, "MTU segments");
		teardown(h);
	}
	lat l = latency();

	double bw = dw / 8.0;
	FILE *f = fopen(out, "w");
	TB_CHECK(f, "cannot write %s", out);
	fprintf(f, "{\"data_width\": %u, \"seg_per_cycle\": {\"1\": %.4f, \"1000\": %.4f, \"65536\": %.4f}, "
		   "\"mtu_bytes_per_cycle\": %.3f, \"rx_latency_cycles\": %.0f, \"rx_latency_split\": "
		   "{\"mac_to_payload_dma\": %.0f, \"payload_dma_to_event\": %.0f}, \"tx_latency_cycles\": %.0f, "
		   "\"sim_cycles_per_s\": %.0f, \"mac_ceiling_seg_per_cycle\": %.4f, \"frame_beats_64b\": %u, "
		   "\"checked\": true",
		dw, spc[0], spc[1], spc[2], mtu.bytes_per_cycle, l.rx_dma + l.rx_ev, l.rx_dma, l.rx_ev, l.tx, sim_speed,
		1.0 / tp[0].beats, tp[0].beats);
	std::string e = embed ? read_file(embed) : "";
	if (!e.empty())
		fprintf(f, ", \"dw512\": %s", e.c_str());
	fprintf(f, "}\n");
	fclose(f);

	auto mark = [](bool ok) { return ok ? "MET" : "MISSED"; };
	printf("bench-rtl: Verilator model of toffee_top, DATA_WIDTH %u, FLOW_CAP %u (every run checked: payload\n"
	       "in host memory, one ACK per segment, events, no drops or exceptions)\n", dw, rtl_nic::flow_cap());
	printf("  %-44s %12s  %-14s %s\n", "measure", "figure", "target", "");
	for (int k = 0; k < 3; k++) {
		char nm[64];
		snprintf(nm, sizeof nm, "segments/cycle, 64 B, %u flow%s", counts[k], counts[k] > 1 ? "s" : "");
		printf("  %-44s %12.4f  %-14s %s (%.0f cycles/segment)\n", nm, spc[k], ">= 0.5 (1.0)",
		       mark(spc[k] >= 0.5), 1.0 / spc[k]);
	}
	printf("  %-44s %12.4f  %-14s %s\n", "  (MAC ceiling: one frame per N beats)", 1.0 / tp[0].beats, "", "");
	char tg[32];
	snprintf(tg, sizeof tg, ">= %.1f", 0.9 * bw);
	printf("  %-44s %12.2f  %-14s %s (%.0f%% of %g)\n", "MTU payload bytes/cycle (1460 B, 1 flow)",
	       mtu.bytes_per_cycle, tg, mark(mtu.bytes_per_cycle >= 0.9 * bw), 100 * mtu.bytes_per_cycle / bw, bw);
	printf("  %-44s %12.0f  %-14s %s\n", "rx latency, cycles (MAC last byte -> event)", l.rx_dma + l.rx_ev, "-",
	       "");
	printf("  %-44s %12.0f\n", "  MAC last byte -> payload DMA last beat", l.rx_dma);
	printf("  %-44s %12.0f\n", "  payload DMA -> event entry written", l.rx_ev);
	printf("  %-44s %12.0f  %-14s %s\n", "tx latency, cycles (doorbell -> MAC)", l.tx, "-", "");
	printf("  %-44s %12.0f  %-14s %s\n", "simulator cycles/s (1-flow run)", sim_speed, ">= 1000000",
	       mark(sim_speed >= 1e6));
	if (!e.empty())
		printf("  (DATA_WIDTH 512 figures in %s and under \"dw512\")\n", out);
	printf("  results: %s\n", out);
	fflush(NULL);
	_Exit(0);
}
