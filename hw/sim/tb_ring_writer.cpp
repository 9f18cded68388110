// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/ring_writer.sv (DW, ENTRY): random entries to several
// rings of random sizes through a back-pressured DMA write port, applied to a
// host-memory model. Checks every beat's address alignment and strobes, that
// each entry is two transactions (body without the last byte, then the phase
// byte alone), that when the phase byte lands the body is already complete
// in memory, the phase values of abi.h's toffee_phase(), and the final
// memory contents.
#include <map>
#include <memory>
#include "Vring_writer.h"
#include "tb_common.h"
#define _Static_assert static_assert
#include "toffee/abi.h"

#if !defined(DW) || !defined(ENTRY)
#error "build with -DDW=... -DENTRY=..."
#endif
static const unsigned K = DW / 8;

static std::unique_ptr<Vring_writer> top;
static std::map<uint64_t, uint8_t> mem;        // host memory model

struct ring { uint64_t base; uint32_t log2, idx; };
struct pending { uint64_t addr; uint8_t bytes[ENTRY]; };

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	tb_rng r(argc > 1 ? strtoull(argv[1], nullptr, 0) : 1);
	top = std::make_unique<Vring_writer>();
	top->rst = 1;
	top->clk = 0;
	for (int i = 0; i < 2; i++) { top->clk = 1; top->eval(); top->clk = 0; top->eval(); }
	top->rst = 0;

	std::vector<ring> rings;
	for (int i = 0; i < 4; i++)
		rings.push_back({0x100000ull * (i + 1) + (uint64_t)ENTRY * r.below(4096),
				 2 + r.below(7), (uint32_t)r.next()});
	std::vector<pending> inflight;               // issued, phase not yet seen
	std::map<uint64_t, std::vector<uint8_t>> final_entry;
	unsigned nentries = 3000, sent = 0, done = 0, beats = 0, in_txn = 0;
	bool in_body = true;
	uint64_t cycles = 0;
	while (done < nentries) {
		// Offer an entry.
		int ri = (int)r.below((uint32_t)rings.size());
		ring &rg = rings[ri];
		uint8_t e[ENTRY];
		for (unsigned i = 0; i < ENTRY; i++) e[i] = (uint8_t)r.next();
		bool offer = sent < nentries && r.chance(70);
		top->s_axis_entry_tvalid = offer;
		tb_put(top->s_axis_entry_data, e, ENTRY);
		top->s_axis_entry_base = rg.base | (r.chance(50) ? r.below(ENTRY) : 0);  // low bits ignored
		top->s_axis_entry_log2 = rg.log2;
		top->s_axis_entry_idx = rg.idx;
		top->m_axis_dma_wr_tready = !r.chance(30);
		top->eval();
		if (offer && top->s_axis_entry_tready) {
			pending p;
			p.addr = rg.base + (uint64_t)(rg.idx & ((1u << rg.log2) - 1)) * ENTRY;
			memcpy(p.bytes, e, ENTRY);
			p.bytes[ENTRY - 1] = toffee_phase(rg.idx, rg.log2);
			inflight.push_back(p);
			rg.idx++;
			sent++;
		}
		if (top->m_axis_dma_wr_tvalid && top->m_axis_dma_wr_tready) {
			uint64_t a = top->m_axis_dma_wr_addr;
			uint8_t d[64];
			tb_get(top->m_axis_dma_wr_data, d, K);
			uint64_t strb = top->m_axis_dma_wr_strb;
			TB_CHECK(a % K == 0, "unaligned beat address 0x%llx", (unsigned long long)a);
			TB_CHECK(!inflight.empty(), "write without an entry");
			const pending &p = inflight.front();
			unsigned n = 0;
			for (unsigned i = 0; i < K; i++)
				if ((strb >> i) & 1) {
					uint64_t b = a + i;
					TB_CHECK(b >= p.addr && b < p.addr + ENTRY, "byte 0x%llx outside the entry at 0x%llx",
						 (unsigned long long)b, (unsigned long long)p.addr);
					mem[b] = d[i];
					n++;
				}
			beats++;
			in_txn += n;
			if (in_body) {
				TB_CHECK(!((strb >> ((p.addr + ENTRY - 1) % K)) & 1) || a != ((p.addr + ENTRY - 1) & ~(uint64_t)(K - 1)),
					 "phase byte written with the body");
				if (top->m_axis_dma_wr_last) {
					TB_CHECK(in_txn == ENTRY - 1, "body transaction of %u bytes", in_txn);
					in_body = false;
					in_txn = 0;
				}
			} else {
				TB_CHECK(top->m_axis_dma_wr_last && n == 1, "phase transaction is not one byte");
				TB_CHECK(mem[p.addr + ENTRY - 1] == p.bytes[ENTRY - 1], "phase value");
				for (unsigned i = 0; i < ENTRY; i++)
					TB_CHECK(mem[p.addr + i] == p.bytes[i], "entry %u: byte %u not in memory when its phase lands",
						 done, i);
				final_entry[p.addr] = std::vector<uint8_t>(p.bytes, p.bytes + ENTRY);
				inflight.erase(inflight.begin());
				in_body = true;
				in_txn = 0;
				done++;
			}
		}
		top->clk = 1; top->eval(); top->clk = 0; top->eval();
		TB_CHECK(++cycles < 1000000, "timeout");
	}
	for (auto &kv : final_entry)
		for (unsigned i = 0; i < ENTRY; i++)
			TB_CHECK(mem[kv.first + i] == kv.second[i], "final memory at 0x%llx",
				 (unsigned long long)kv.first);
	unsigned body = ENTRY > K ? ENTRY / K : 1;
	TB_CHECK(beats == nentries * (body + 1), "%u beats for %u entries", beats, nentries);
	printf("ring_writer DW=%u ENTRY=%u: %u entries, %u beats, %llu cycles\n", DW, ENTRY, nentries,
	       beats, (unsigned long long)cycles);
	top->final();
	top.reset();
	return 0;
}
