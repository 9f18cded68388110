// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/ring_reader.sv (default) and hw/rtl/dma_read_block.sv
// (-DBLOCK) against a model, with a simulated host memory behind the DMA
// read channel of docs/rtl.md: requests back-pressured at random, responses
// (the aligned beats covering [addr, addr + len), read from host memory
// when sent) in request order after a random latency with random gaps.
//
// ring_reader: a host producer writes entries (random bytes, phase byte
// last, sometimes a wrong one) and publishes tail; a consumer takes the
// entries with random ready and writes head = idx + 1 after a random delay.
// Every delivered entry must be the one at head (index, bytes in host
// memory, phase_ok = phase byte == toffee_phase(idx, log2)); a producer
// more than a ring ahead (bogus tail) must give exactly one overrun pulse
// with ovr_head = tail (the consumer writes it to head) and no entry after
// it is due; ring resets (disable, new base/size/indices, enable) must make
// the reader drop everything in flight. Indices start near 2^32 so they
// wrap, and rings are small so slots wrap. Finally every entry produced
// must have been delivered.
//
// dma_read_block: random blocks (1 .. 1518 bytes at any address) must come
// out as beats k = bytes [kB, kB + B) with last and the byte count of the
// last beat, under output back-pressure.
// Usage: tb_ring_reader [cycles|blocks] [seed]
#include <deque>
#include <memory>
#include "tb_common.h"
#define _Static_assert static_assert
#include "toffee/abi.h"
#ifdef BLOCK
#include "Vdma_read_block.h"
typedef Vdma_read_block top_t;
#else
#include "Vring_reader.h"
typedef Vring_reader top_t;
#endif

#ifndef DW
#error "build with -DDW=<DATA_WIDTH>"
#endif
static const unsigned B = DW / 8;
#ifndef BLOCK
#ifndef ENTRY
#error "build with -DENTRY=<ENTRY_BYTES>"
#endif
#ifndef DEPTH
#define DEPTH 4
#endif
#endif

static std::unique_ptr<top_t> top;
static tb_rng *R;
static uint64_t cyc;

// ---- host memory and the DMA read channel ---------------------------------
static const uint64_t MEM = 1u << 20;
static std::vector<uint8_t> mem(MEM);

struct dma_req { uint64_t addr; uint32_t len; uint32_t tag; uint64_t at; };
static std::deque<dma_req> reqs;
static unsigned beat_i;            // next beat of reqs.front()
static unsigned max_out, outstanding;
static unsigned lat_max = 40;

// Inputs of the DMA model for this cycle (set before the rising edge).
static void dma_drive()
{
	top->m_axis_dma_rd_req_tready = R->chance(70);
	bool v = false;
	if (!reqs.empty() && reqs.front().at <= cyc && R->chance(80)) {
		const dma_req &q = reqs.front();
		uint64_t first = q.addr & ~(uint64_t)(B - 1);
		unsigned nb = (unsigned)(((q.addr % B) + q.len + B - 1) / B);
		uint8_t beat[64];
		for (unsigned i = 0; i < B; i++) {
			uint64_t a = first + (uint64_t)beat_i * B + i;
			bool in = a >= q.addr && a < q.addr + q.len;
			beat[i] = in ? mem[a] : (uint8_t)R->next();     // outside: don't care
		}
		tb_put(top->s_axis_dma_rd_resp_data, beat, B);
		top->s_axis_dma_rd_resp_tag = q.tag;
		top->s_axis_dma_rd_resp_last = beat_i + 1 == nb;
		v = true;
	}
	top->s_axis_dma_rd_resp_tvalid = v;
}

// Handshakes seen in this cycle (call after eval, before the edge).
static void dma_edge()
{
	if (top->m_axis_dma_rd_req_tvalid && top->m_axis_dma_rd_req_tready) {
		dma_req q = {top->m_axis_dma_rd_req_addr, top->m_axis_dma_rd_req_len, top->m_axis_dma_rd_req_tag,
			     cyc + 1 + R->below(lat_max)};
		TB_CHECK(q.len >= 1, "DMA request of length 0");
		TB_CHECK(q.addr + q.len <= MEM, "DMA request outside host memory: 0x%llx + %u",
			 (unsigned long long)q.addr, q.len);
		if (!reqs.empty() && q.at < reqs.back().at) q.at = reqs.back().at;
		reqs.push_back(q);
		outstanding++;
		if (outstanding > max_out) max_out = outstanding;
	}
	if (top->s_axis_dma_rd_resp_tvalid && top->s_axis_dma_rd_resp_tready) {
		beat_i++;
		if (top->s_axis_dma_rd_resp_last) {
			reqs.pop_front();
			beat_i = 0;
			outstanding--;
		}
	}
}

static void tick()
{
	top->clk = 1;
	top->eval();
	top->clk = 0;
	top->eval();
	cyc++;
}

#ifdef BLOCK
int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nblk = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
	tb_rng rng(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);
	R = &rng;
	for (auto &b : mem) b = (uint8_t)R->next();
	top = std::make_unique<top_t>();
	top->rst = 1;
	tick();
	top->rst = 0;

	std::deque<std::pair<uint64_t, uint32_t>> want;     // blocks requested, in order
	unsigned sent = 0, done = 0, out_beat = 0;
	uint64_t bytes = 0;
	while (done < nblk) {
		TB_CHECK(cyc < 4000ull * nblk + 10000, "stuck: %u of %u blocks done", done, nblk);
		// Block requests.
		uint64_t addr = 0;
		uint32_t len = 0;
		bool v = sent < nblk && R->chance(30);
		if (v) {
			unsigned k = R->below(10);
			len = k < 3 ? 128 : k < 5 ? 1 + R->below(64) : k < 6 ? 1518 - R->below(3) : 1 + R->below(1518);
			addr = 4096 + R->below((uint32_t)(MEM - 8192));
			if (R->chance(30)) addr &= ~(uint64_t)(R->chance(50) ? 63 : 7);
		}
		top->s_axis_blk_tvalid = v;
		top->s_axis_blk_addr = addr;
		top->s_axis_blk_len = len;
		top->m_axis_data_tready = R->chance(75);
		dma_drive();
		top->eval();
		if (v && top->s_axis_blk_tready) {
			want.push_back({addr, len});
			sent++;
		}
		if (top->m_axis_data_tvalid && top->m_axis_data_tready) {
			TB_CHECK(!want.empty(), "output beat without a block");
			uint64_t a = want.front().first;
			uint32_t l = want.front().second;
			unsigned nb = (l + B - 1) / B;
			bool last = out_beat + 1 == nb;
			unsigned n = last ? l - out_beat * B : B;
			TB_CHECK(top->m_axis_data_tlast == last, "block %u (0x%llx + %u) beat %u: last %d",
				 done, (unsigned long long)a, l, out_beat, top->m_axis_data_tlast);
			TB_CHECK(top->m_axis_data_tkeep == tb_keep(n), "block %u beat %u: keep 0x%llx, %u bytes",
				 done, out_beat, (unsigned long long)top->m_axis_data_tkeep, n);
			uint8_t d[64];
			tb_get(top->m_axis_data_tdata, d, B);
			for (unsigned i = 0; i < n; i++)
				if (d[i] != mem[a + out_beat * B + i])
					TB_FAIL("block %u (0x%llx + %u) beat %u byte %u: 0x%02x, expected 0x%02x",
						done, (unsigned long long)a, l, out_beat, i, d[i], mem[a + out_beat * B + i]);
			bytes += n;
			if (last) {
				want.pop_front();
				done++;
				out_beat = 0;
			} else {
				out_beat++;
			}
		}
		dma_edge();
		tick();
	}
	printf("dma_read_block DW %u: %u blocks, %llu bytes realigned, %llu cycles, max %u DMA requests outstanding\n",
	       DW, nblk, (unsigned long long)bytes, (unsigned long long)cyc, max_out);
	top->final();
	top.reset();
	return 0;
}
#else
int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint64_t ncyc = argc > 1 ? strtoull(argv[1], nullptr, 0) : 400000;
	tb_rng rng(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);
	R = &rng;
	for (auto &b : mem) b = (uint8_t)R->next();
	top = std::make_unique<top_t>();

	// Ring registers (the model is the register file).
	uint64_t base = 0x10000;
	uint32_t log2 = 3, saved_log2 = 3, head = 0xfffffff0u, tail = head;
	bool bogus = false;               // tail is more than a ring ahead
	uint64_t bogus_at = 0;
	uint64_t last_reset = 0;
	// Consumer.
	bool busy = false;
	uint32_t busy_idx = 0;
	uint64_t busy_until = 0;
	uint64_t n_ent = 0, n_bad = 0, n_ovr = 0, n_reset = 0, n_wrap = 0, n_disabled = 0;
	unsigned phase_bad_pct = 5;

	top->rst = 1;
	top->cfg_base = base;
	top->cfg_log2 = log2;
	top->cfg_head = head;
	top->cfg_tail = tail;
	tick();
	tick();
	top->rst = 0;

	auto slot_addr = [&](uint32_t idx) { return base + (uint64_t)(idx & ((1u << log2) - 1)) * ENTRY; };
	uint64_t end = ncyc;
	bool draining = false;
	for (;;) {
		if (cyc >= end && !draining) {             // stop producing, everything must arrive
			draining = true;
			end = cyc + 20000;
			if (log2 == 0) log2 = saved_log2;     // re-enable as it was
			if (bogus) {                           // let the overrun be handled first
				end += 1000;
			}
		}
		if (draining && !bogus && !busy && head == tail && log2 && cyc > end - 19000)
			break;
		TB_CHECK(cyc < end, "drain: head %u tail %u (log2 %u), not all entries delivered", head, tail, log2);

		// Producer: a few entries, then publish tail.
		if (!draining && log2 && !bogus && R->chance(20)) {
			unsigned k = 1 + R->below(3);
			for (unsigned i = 0; i < k && tail - head < (1u << log2); i++) {
				uint64_t a = slot_addr(tail);
				for (unsigned j = 0; j + 1 < ENTRY; j++) mem[a + j] = (uint8_t)R->next();
				uint8_t ph = toffee_phase(tail, log2);
				if (R->chance(phase_bad_pct)) ph = R->chance(50) ? (uint8_t)(ph ^ 1) : (uint8_t)R->next();
				mem[a + ENTRY - 1] = ph;
				tail++;
			}
		}
		// A bogus producer index now and then.
		if (!draining && log2 && !bogus && R->chance(1) && R->chance(10)) {
			tail = head + (1u << log2) + 2 + (R->chance(50) ? 0 : R->below(1000000));   // +2: the consumer may still advance head by one
			if (R->chance(20)) tail = head - 1 - R->below(5);
			bogus = true;
			bogus_at = cyc;
		}
		// A ring reset now and then: disable, new geometry, enable.
		if (!draining && !bogus && cyc - last_reset > 3000 && R->chance(1) && R->chance(5)) {
			if (log2) {
				saved_log2 = log2;
				log2 = 0;                         // disabled for a while
				n_disabled++;
				last_reset = cyc;
			} else {
				log2 = 2 + R->below(5);
				base = 0x10000 + (uint64_t)R->below(4096) * 64;
				head = tail = R->chance(50) ? 0 : 0u - R->below(64);
				busy = false;                     // the consumer forgets its entry
				n_reset++;
				last_reset = cyc;
			}
		}

		top->cfg_base = base;
		top->cfg_log2 = log2;
		top->cfg_head = head;
		top->cfg_tail = tail;
		top->m_axis_entry_tready = R->chance(60);
		dma_drive();
		top->eval();

		if (top->ovr_valid) {
			TB_CHECK(bogus, "cycle %llu: overrun pulse without an overrun (head %u tail %u)",
				 (unsigned long long)cyc, head, tail);
			TB_CHECK(top->ovr_head == tail, "overrun: ovr_head %u, tail %u", top->ovr_head, tail);
			TB_CHECK(!busy, "overrun while the consumer holds entry %u", busy_idx);
			head = tail;                          // the consumer writes head, counts CMD_BAD
			bogus = false;
			n_ovr++;
		}
		if (top->m_axis_entry_tvalid && top->m_axis_entry_tready) {
			uint32_t idx = top->m_axis_entry_idx;
			TB_CHECK(log2 != 0 || cyc - last_reset < 4, "entry %u delivered while disabled", idx);
			if (log2 == 0) {                      // disabled in the last cycles: in flight
				busy = true;
				busy_idx = idx;
				busy_until = cyc + 1;
				dma_edge();
				tick();
				continue;
			}
			TB_CHECK(!busy, "entry %u delivered while entry %u is being executed", idx, busy_idx);
			TB_CHECK(idx == head, "cycle %llu: entry %u delivered, head is %u", (unsigned long long)cyc, idx, head);
			TB_CHECK(!bogus || cyc - bogus_at < 4, "entry %u delivered during an overrun", idx);
			TB_CHECK(bogus || (tail - idx >= 1 && tail - idx <= (1u << log2)), "entry %u beyond tail %u", idx, tail);
			uint8_t d[64];
			tb_get(top->m_axis_entry_data, d, ENTRY);
			uint64_t a = slot_addr(idx);
			for (unsigned j = 0; j < ENTRY; j++)
				if (d[j] != mem[a + j])
					TB_FAIL("entry %u (log2 %u) byte %u: 0x%02x, host memory 0x%02x", idx, log2, j, d[j], mem[a + j]);
			bool pok = mem[a + ENTRY - 1] == toffee_phase(idx, log2);
			TB_CHECK(top->m_axis_entry_phase_ok == pok, "entry %u: phase_ok %d, phase byte 0x%02x",
				 idx, top->m_axis_entry_phase_ok, mem[a + ENTRY - 1]);
			n_ent++;
			n_bad += !pok;
			n_wrap += (idx & ((1u << log2) - 1)) == 0;
			busy = true;
			busy_idx = idx;
			busy_until = cyc + R->below(R->chance(80) ? 3 : 30);
		}
		dma_edge();
		tick();
		if (busy && cyc >= busy_until) {          // executed: advance head
			busy = false;
			head = busy_idx + 1;
		}
		TB_CHECK(outstanding <= DEPTH, "%u DMA requests outstanding (DEPTH %u)", outstanding, DEPTH);
	}
	printf("ring_reader DW %u entry %u: %llu entries in %llu cycles (%llu bad phase, %llu at slot 0), "
	       "%llu overruns, %llu disables, %llu ring resets, max %u requests outstanding\n",
	       DW, ENTRY, (unsigned long long)n_ent, (unsigned long long)cyc, (unsigned long long)n_bad,
	       (unsigned long long)n_wrap, (unsigned long long)n_ovr, (unsigned long long)n_disabled,
	       (unsigned long long)n_reset, max_out);
	TB_CHECK(n_ovr > 0 && n_reset > 0 && n_bad > 0 && n_ent > 1000, "a case was never exercised");

	// Throughput: a consumer that is always ready and writes head at once.
	lat_max = 8;
	uint64_t t0 = cyc, got = 0;
	uint32_t want = 0;
	log2 = 4;
	base = 0x20000;
	head = tail = 0;
	for (unsigned i = 0; i < 20; i++) tick();        // reader resynchronises
	t0 = cyc;
	while (got < 2000) {
		TB_CHECK(cyc - t0 < 100000, "throughput run stuck at %llu", (unsigned long long)got);
		while (tail - head < (1u << log2)) {
			uint64_t a = slot_addr(tail);
			for (unsigned j = 0; j + 1 < ENTRY; j++) mem[a + j] = (uint8_t)R->next();
			mem[a + ENTRY - 1] = toffee_phase(tail, log2);
			tail++;
		}
		top->cfg_base = base;
		top->cfg_log2 = log2;
		top->cfg_head = head;
		top->cfg_tail = tail;
		top->m_axis_entry_tready = 1;
		dma_drive();
		top->eval();
		TB_CHECK(!top->ovr_valid, "throughput: overrun");
		if (top->m_axis_entry_tvalid) {
			TB_CHECK(top->m_axis_entry_idx == want && top->m_axis_entry_phase_ok, "throughput: entry %u", want);
			head = ++want;
			got++;
		}
		dma_edge();
		tick();
	}
	printf("  always-ready consumer: %.2f cycles per entry (DMA latency up to %u)\n",
	       (double)(cyc - t0) / (double)got, lat_max);
	top->final();
	top.reset();
	return 0;
}
#endif
