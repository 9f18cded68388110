// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/axil_regs.sv: the register map of abi.h (offsets taken
// from the C header itself) through AXI-Lite, against a C++ model: the
// identification block, control registers, the slow-path ring blocks (host
// and NIC writers), context blocks and doorbell pages in RAM (host port and
// NIC port), doorbell notifications (the write response waits for them),
// unmapped offsets reading zero, and 64-bit counters with LO/HI latching.
#include <map>
#include <memory>
#include "Vaxil_regs.h"
#include "tb_common.h"
#define _Static_assert static_assert
#include "toffee/abi.h"

static std::unique_ptr<Vaxil_regs> top;
static tb_rng rng(1);
static uint64_t cycles;
static uint64_t cnt_model[64];
static bool db_stall;                     // NIC slow to take doorbells
static int cnt_mode;                      // 0 random, 1 frozen, 2 RX_BYTES pump
struct db_ev { uint32_t ctx, reg, value; };
static std::vector<db_ev> db_seen;

static void tick()
{
	// Counters: random increments every cycle, mirrored in the model.
	uint64_t inc = rng.next() & rng.next();
	uint32_t rxb = rng.chance(30) ? rng.below(1500) : 0, txb = rng.chance(30) ? rng.below(1500) : 0;
	if (cnt_mode) {
		inc = 0;
		txb = 0;
		rxb = cnt_mode == 2 ? 65535 : 0;
	}
	top->cnt_inc = inc;
	top->cnt_rx_bytes = rxb;
	top->cnt_tx_bytes = txb;
	top->m_axis_db_tready = !(db_stall && rng.chance(80));
	top->eval();
	if (top->m_axis_db_tvalid && top->m_axis_db_tready)
		db_seen.push_back({top->m_axis_db_ctx, top->m_axis_db_reg, top->m_axis_db_value});
	top->clk = 1;
	top->eval();
	top->clk = 0;
	top->eval();
	if (!top->rst) {
		for (int i = 0; i < 64; i++)
			cnt_model[i] += (inc >> i) & 1;
		cnt_model[TOFFEE_CNT_RX_BYTES] += rxb;
		cnt_model[TOFFEE_CNT_TX_BYTES] += txb;
	}
	cycles++;
}

static void axil_write(uint32_t a, uint32_t d, uint8_t strb = 0xf)
{
	top->s_axil_awaddr = a;
	top->s_axil_awvalid = 1;
	top->s_axil_wdata = d;
	top->s_axil_wstrb = strb;
	top->s_axil_wvalid = 1;
	top->s_axil_bready = 0;
	int n = 0;
	for (;;) {
		top->eval();
		bool acc = top->s_axil_awready && top->s_axil_wready;
		tick();
		if (acc) break;
		TB_CHECK(++n < 100, "write 0x%x not accepted", a);
	}
	top->s_axil_awvalid = 0;
	top->s_axil_wvalid = 0;
	top->s_axil_bready = rng.chance(50);
	for (n = 0;; n++) {
		top->eval();
		bool done = top->s_axil_bvalid && top->s_axil_bready;
		tick();
		if (done) break;
		top->s_axil_bready = !rng.chance(30);
		TB_CHECK(n < 1000, "no write response for 0x%x", a);
	}
	top->s_axil_bready = 0;
}

static uint32_t axil_read(uint32_t a)
{
	top->s_axil_araddr = a;
	top->s_axil_arvalid = 1;
	int n = 0;
	for (;;) {
		top->eval();
		bool acc = top->s_axil_arready;
		tick();
		if (acc) break;
		TB_CHECK(++n < 100, "read 0x%x not accepted", a);
	}
	top->s_axil_arvalid = 0;
	for (n = 0;; n++) {
		top->s_axil_rready = !rng.chance(30);
		top->eval();
		if (top->s_axil_rvalid && top->s_axil_rready) {
			uint32_t d = top->s_axil_rdata;
			tick();
			top->s_axil_rready = 0;
			return d;
		}
		tick();
		TB_CHECK(n < 1000, "no read data for 0x%x", a);
	}
}

static void expect(uint32_t a, uint32_t want, const char *what)
{
	uint32_t got = axil_read(a);
	TB_CHECK(got == want, "%s: read 0x%x = 0x%08x, expected 0x%08x", what, a, got, want);
}

// Context row words (axil_regs.sv) and where each lives in BAR0.
static uint32_t ctx_word_addr(uint32_t ctx, int w)
{
	static const uint32_t off[11] = {
		TOFFEE_CTX_EV + TOFFEE_Q_BASE_LO, TOFFEE_CTX_EV + TOFFEE_Q_BASE_HI,
		TOFFEE_CTX_EV + TOFFEE_Q_LOG2, TOFFEE_CTX_EV + TOFFEE_Q_TAIL,
		TOFFEE_CTX_CMD + TOFFEE_Q_BASE_LO, TOFFEE_CTX_CMD + TOFFEE_Q_BASE_HI,
		TOFFEE_CTX_CMD + TOFFEE_Q_LOG2, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD,
		TOFFEE_DB_CMD_TAIL, TOFFEE_DB_EV_HEAD, TOFFEE_DB_ARM,
	};
	if (w < 8)
		return TOFFEE_REG_CTX_BASE + ctx * TOFFEE_REG_CTX_STRIDE + off[w];
	return TOFFEE_REG_DB_BASE + ctx * TOFFEE_REG_DB_STRIDE + off[w];
}

static uint32_t ctx_model[CTX][11];

// NIC port: read a row (one-cycle latency) / write some words.
static void nic_row(uint32_t ctx, uint32_t we, const uint32_t *wd, uint32_t *rd)
{
	top->ctx_en = 1;
	top->ctx_addr = ctx;
	top->ctx_we = we;
	for (int w = 0; w < 11; w++)
		top->ctx_wdata[w] = wd ? wd[w] : 0;
	tick();
	top->ctx_en = 0;
	top->ctx_we = 0;
	if (rd)
		for (int w = 0; w < 11; w++)
			rd[w] = top->ctx_rdata[w];
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	top = std::make_unique<Vaxil_regs>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	memset(cnt_model, 0, sizeof cnt_model);

	// Identification.
	expect(TOFFEE_REG_ID, TOFFEE_ABI_ID, "ID");
	expect(TOFFEE_REG_VERSION, TOFFEE_ABI_MAJOR << 16 | TOFFEE_ABI_MINOR, "VERSION");
	expect(TOFFEE_REG_FEATURES, TOFFEE_FEAT_TS | TOFFEE_FEAT_ECN | TOFFEE_FEAT_RATE | TOFFEE_FEAT_OOO1 | TOFFEE_FEAT_SACK |
	       TOFFEE_FEAT_SLOWMARK,
	       "FEATURES");
	expect(TOFFEE_REG_FLOW_CAP, 65536, "FLOW_CAP");
	expect(TOFFEE_REG_CTX_CAP, CTX, "CTX_CAP");
	axil_write(TOFFEE_REG_ID, 0x12345678);
	expect(TOFFEE_REG_ID, TOFFEE_ABI_ID, "ID is read-only");

	// Control registers, byte strobes, outputs.
	axil_write(TOFFEE_REG_CTRL, TOFFEE_CTRL_ENABLE | TOFFEE_CTRL_PROMISC);
	axil_write(TOFFEE_REG_MAC_LO, 0x00000002);            // 02:00:00:00:00:01
	axil_write(TOFFEE_REG_MAC_HI, 0x0100);
	axil_write(TOFFEE_REG_CTX_LIMIT, 0xaabbccdd);
	axil_write(TOFFEE_REG_CTX_LIMIT, 0x00000011, 0x1);
	expect(TOFFEE_REG_CTRL, 3, "CTRL");
	expect(TOFFEE_REG_CTX_LIMIT, 0xaabbcc11, "CTX_LIMIT byte strobe");
	TB_CHECK(top->ctrl == 3, "ctrl output");
	TB_CHECK(top->mac == 0x010000000002ull, "mac output 0x%llx", (unsigned long long)top->mac);
	TB_CHECK(top->ctx_limit == 0xaabbcc11, "ctx_limit output");

	// Slow-path ring blocks.
	uint32_t spq[4][8] = {};
	for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++)
		for (uint32_t o = 0; o < TOFFEE_REG_SPQ_STRIDE; o += 4) {
			uint32_t v = (uint32_t)rng.next();
			axil_write(TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + o, v);
			if (o / 4 != 7) spq[q][o / 4] = v;
		}
	// NIC-side index writes win and are visible to the host.
	top->spq_head_we = 1u << TOFFEE_SPQ_CMD;
	top->spq_head_wdata[TOFFEE_SPQ_CMD] = 0x1234;
	top->spq_tail_we = 1u << TOFFEE_SPQ_EXC;
	top->spq_tail_wdata[TOFFEE_SPQ_EXC] = 0x5678;
	tick();
	top->spq_head_we = 0;
	top->spq_tail_we = 0;
	spq[TOFFEE_SPQ_CMD][TOFFEE_Q_HEAD / 4] = 0x1234;
	spq[TOFFEE_SPQ_EXC][TOFFEE_Q_TAIL / 4] = 0x5678;
	for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++) {
		for (uint32_t o = 0; o < TOFFEE_REG_SPQ_STRIDE; o += 4)
			expect(TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + o, spq[q][o / 4], "SPQ");
		uint64_t base = (uint64_t)spq[q][1] << 32 | spq[q][0];
		uint64_t buf = (uint64_t)spq[q][4] << 32 | spq[q][3];
		TB_CHECK(((uint64_t)top->spq_base[2 * q + 1] << 32 | top->spq_base[2 * q]) == base, "spq_base %u", q);
		TB_CHECK(((uint64_t)top->spq_buf[2 * q + 1] << 32 | top->spq_buf[2 * q]) == buf, "spq_buf %u", q);
		TB_CHECK(top->spq_log2[q] == spq[q][2], "spq_log2 %u", q);
		TB_CHECK(top->spq_head[q] == spq[q][5] && top->spq_tail[q] == spq[q][6], "spq idx %u", q);
	}

	// Context RAM from both sides, doorbells, unmapped words.
	db_stall = true;
	for (int it = 0; it < 3000; it++) {
		uint32_t ctx = rng.below(CTX);
		int w = (int)rng.below(11);
		uint32_t v = (uint32_t)rng.next();
		switch (rng.below(4)) {
		case 0: {                                       // host write
			size_t before = db_seen.size();
			axil_write(ctx_word_addr(ctx, w), v);
			ctx_model[ctx][w] = v;
			if (w >= 8) {
				TB_CHECK(db_seen.size() == before + 1, "doorbell not posted before BRESP");
				const db_ev &e = db_seen.back();
				TB_CHECK(e.ctx == ctx && e.reg == (uint32_t)(w - 8) && e.value == v,
					 "doorbell event ctx %u reg %u value 0x%x", e.ctx, e.reg, e.value);
			} else {
				TB_CHECK(db_seen.size() == before, "spurious doorbell");
			}
			break;
		}
		case 1:                                         // host read
			expect(ctx_word_addr(ctx, w), ctx_model[ctx][w], "context word (host)");
			break;
		case 2: {                                       // NIC write of some words
			uint32_t we = (uint32_t)rng.below(1u << 11), wd[11];
			for (int k = 0; k < 11; k++) {
				wd[k] = (uint32_t)rng.next();
				if ((we >> k) & 1) ctx_model[ctx][k] = wd[k];
			}
			nic_row(ctx, we, wd, nullptr);
			break;
		}
		default: {                                      // NIC read
			uint32_t rd[11];
			nic_row(ctx, 0, nullptr, nullptr);
			for (int k = 0; k < 11; k++) rd[k] = top->ctx_rdata[k];
			for (int k = 0; k < 11; k++)
				TB_CHECK(rd[k] == ctx_model[ctx][k], "context %u word %d (NIC) 0x%x, expected 0x%x",
					 ctx, k, rd[k], ctx_model[ctx][k]);
			break;
		}
		}
	}
	db_stall = false;
	// The doorbell page's DB_CMD_HEAD mirrors the CMD ring's head (word 7)
	// and ignores writes (no doorbell is posted either).
	size_t dbs = db_seen.size();
	for (uint32_t ctx = 0; ctx < CTX; ctx += 7) {
		uint32_t a = TOFFEE_REG_DB_BASE + ctx * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_CMD_HEAD;
		expect(a, ctx_model[ctx][7], "DB_CMD_HEAD mirror");
		axil_write(a, ~ctx_model[ctx][7]);
		expect(a, ctx_model[ctx][7], "DB_CMD_HEAD is read-only");
		expect(ctx_word_addr(ctx, 7), ctx_model[ctx][7], "CMD Q_HEAD after a DB_CMD_HEAD write");
	}
	TB_CHECK(db_seen.size() == dbs, "a DB_CMD_HEAD write posted a doorbell");
	// A NIC write to a row holds off a host write to the same row (a BRAM
	// write-write collision); both land.
	{
		const uint32_t ctx = 5, nic_v = 0xabc00001, host_v = 0x00000777;
		top->ctx_en = 1;
		top->ctx_addr = ctx;
		top->ctx_we = 1u << 3;                          // EV tail (NIC)
		for (int w = 0; w < 11; w++)
			top->ctx_wdata[w] = w == 3 ? nic_v : 0;
		top->s_axil_awaddr = ctx_word_addr(ctx, 9);     // DB EV_HEAD (host)
		top->s_axil_awvalid = 1;
		top->s_axil_wdata = host_v;
		top->s_axil_wstrb = 0xf;
		top->s_axil_wvalid = 1;
		top->eval();
		TB_CHECK(!top->s_axil_awready, "host write to a row the NIC writes in the same cycle");
		tick();
		top->ctx_en = 0;
		top->ctx_we = 0;
		top->s_axil_awvalid = 0;
		top->s_axil_wvalid = 0;
		ctx_model[ctx][3] = nic_v;
		axil_write(ctx_word_addr(ctx, 9), host_v);
		ctx_model[ctx][9] = host_v;
		expect(ctx_word_addr(ctx, 3), nic_v, "NIC word after a held-off host write");
		expect(ctx_word_addr(ctx, 9), host_v, "host word after it was held off");
	}
	// Offsets that hold nothing.
	static const uint32_t holes[] = {
		0x24, 0xfc, TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_COUNT * TOFFEE_REG_SPQ_STRIDE,
		TOFFEE_REG_CTX_BASE + TOFFEE_CTX_EV + TOFFEE_Q_BUF_LO,
		TOFFEE_REG_CTX_BASE + TOFFEE_CTX_EV + TOFFEE_Q_HEAD,
		TOFFEE_REG_CTX_BASE + TOFFEE_CTX_CMD + TOFFEE_Q_TAIL,
		TOFFEE_REG_DB_BASE + 0x10, TOFFEE_REG_DB_BASE + 0xffc,
		TOFFEE_REG_CTX_BASE + CTX * TOFFEE_REG_CTX_STRIDE,
		TOFFEE_REG_CNT(TOFFEE_CNT_COUNT),
	};
	for (uint32_t a : holes) {
		axil_write(a, 0xffffffff);
		expect(a, 0, "unmapped offset");
	}

	// Counters, exact: increments stop while LO and HI are read.
	cnt_mode = 1;
	for (int i = 0; i < 64; i++) {
		uint32_t lo = axil_read(TOFFEE_REG_CNT(i));
		uint32_t hi = axil_read(TOFFEE_REG_CNT(i) + 4);
		TB_CHECK(((uint64_t)hi << 32 | lo) == cnt_model[i], "counter %d = 0x%08x%08x, expected 0x%llx",
			 i, hi, lo, (unsigned long long)cnt_model[i]);
	}
	// Reading LO latches HI: carry into HI between the two reads.
	const int rb = TOFFEE_CNT_RX_BYTES;
	uint32_t lo = axil_read(TOFFEE_REG_CNT(rb));
	uint32_t hi_then = (uint32_t)(cnt_model[rb] >> 32);
	cnt_mode = 2;
	for (int k = 0; (uint32_t)(cnt_model[rb] >> 32) == hi_then; k++) {
		tick();
		TB_CHECK(k < 70000, "RX_BYTES pump");
	}
	cnt_mode = 1;
	uint32_t hi = axil_read(TOFFEE_REG_CNT(rb) + 4);
	TB_CHECK(hi == hi_then, "HI not latched by the LO read (0x%x, expected 0x%x, lo 0x%x)", hi, hi_then, lo);
	lo = axil_read(TOFFEE_REG_CNT(rb));
	hi = axil_read(TOFFEE_REG_CNT(rb) + 4);
	TB_CHECK(((uint64_t)hi << 32 | lo) == cnt_model[rb], "RX_BYTES after the carry");
	cnt_mode = 0;
	printf("axil_regs CTX_CAP=%d: register map checked in %llu cycles (%zu doorbells)\n", CTX,
	       (unsigned long long)cycles, db_seen.size());
	top->final();
	top.reset();
	return 0;
}
