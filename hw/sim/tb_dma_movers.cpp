// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/dma_write_bytes.sv (-DWRITE) or dma_read_bytes.sv
// (-DREAD), at -DDW=64 or 512, against a byte-exact model of host memory.
//
// WRITE: random source frames (1..1518 bytes, some with holes in tkeep),
//   random skips, one or two pieces at every alignment with lengths from 0,
//   some longer than the source, drain 0/1, random source gaps and write
//   back-pressure. Every write beat is checked as it leaves: aligned address,
//   beats of one piece consecutive and ending with last, every strobed byte
//   inside its piece and equal to the source byte, no byte without a
//   source byte (tkeep 0 or past tlast). Source beats consumed per command
//   are checked, and memory (canary-filled) is compared at the end.
// READ: random commands (0..1518 bytes, 128-byte images, two pieces at every
//   alignment) against a shell model that answers requests in order with
//   random latency and gaps and junk outside [addr, addr+len); random output
//   back-pressure. Requests and every output beat (data, tkeep, tlast) are
//   checked.
// Both then measure a long transfer without back-pressure: it must run at
// one beat per cycle (beats/cycle printed).
// Usage: V<top> [seed] [cases]. Exit 0 pass, 1 fail.
#include <deque>
#include <memory>
#include "tb_common.h"

#if !defined(DW)
#error "build with -DDW=64 or 512"
#endif
static const unsigned K = DW / 8;

#if defined(WRITE)
#include "Vdma_write_bytes.h"
typedef Vdma_write_bytes top_t;
#elif defined(READ)
#include "Vdma_read_bytes.h"
typedef Vdma_read_bytes top_t;
#else
#error "build with -DWRITE or -DREAD"
#endif

static std::unique_ptr<top_t> top;
static uint64_t cycles;
static void tick()
{
	top->clk = 1; top->eval(); top->clk = 0; top->eval();
	cycles++;
	TB_CHECK(cycles < 200000000ull, "timeout");
}

static const uint64_t MEM_BASE = 0x7f3200000000ull;
static const uint32_t MEM_SZ = 1u << 17;
static std::vector<uint8_t> mem_dut, mem_exp;

struct beat {
	uint8_t d[64];
	uint64_t keep;
	bool last;
};

#if defined(WRITE)
// ---------------------------------------------------------------- WRITE ---
struct piece_exp {                 // one write transaction
	unsigned cmd, p;
	uint64_t lo, hi;               // [lo, hi)
	std::vector<int> val;          // expected byte per address, -1: none
	uint64_t next_addr;
	unsigned written;
};
static std::deque<piece_exp> txq;
static std::deque<beat> feed;          // beats not yet given to the DUT
static std::vector<beat> pending;      // the model's view: unconsumed source
static uint64_t exp_consumed, dut_consumed;
static uint64_t dones;

struct wr_cmd { uint16_t skip, len0, len1; uint64_t iova0, iova1; bool drain; };

static void add_frame(tb_rng &r, unsigned len, bool holes)
{
	unsigned nb = (len + K - 1) / K;
	for (unsigned i = 0; i < nb; i++) {
		beat b;
		for (unsigned j = 0; j < K; j++) b.d[j] = (uint8_t)r.next();
		unsigned n = i + 1 < nb ? K : len - i * K;
		b.keep = tb_keep(n);
		if (holes)
			b.keep &= r.next();
		b.last = i + 1 == nb;
		feed.push_back(b);
		pending.push_back(b);
	}
}

// Apply command c to the model: expected transactions and memory, consumption.
static void model_cmd(unsigned c, const wr_cmd &w)
{
	unsigned nb = 0;
	while (!pending[nb].last) nb++;
	nb++;
	std::vector<int> src(nb * K);
	for (unsigned i = 0; i < nb; i++)
		for (unsigned j = 0; j < K; j++)
			src[i * K + j] = (pending[i].keep >> j) & 1 ? pending[i].d[j] : -1;
	uint32_t S[2] = {w.skip, (uint32_t)w.skip + w.len0};
	uint64_t D[2] = {w.iova0, w.iova1};
	uint32_t L[2] = {w.len0, w.len1};
	for (unsigned p = 0; p < 2; p++) {
		if (!L[p])
			continue;
		piece_exp e;
		e.cmd = c; e.p = p; e.lo = D[p]; e.hi = D[p] + L[p];
		e.next_addr = D[p] & ~(uint64_t)(K - 1);
		e.written = 0;
		for (uint32_t i = 0; i < L[p]; i++) {
			uint32_t j = S[p] + i;
			int v = j < src.size() ? src[j] : -1;
			e.val.push_back(v);
			if (v >= 0)
				mem_exp[D[p] + i - MEM_BASE] = (uint8_t)v;
		}
		txq.push_back(e);
	}
	uint32_t need = ((uint32_t)w.skip + w.len0 + w.len1 + K - 1) / K;
	unsigned cons = w.drain ? nb : std::min(nb, need);
	pending.erase(pending.begin(), pending.begin() + cons);
	exp_consumed += cons;
}

static void check_wr_beat()
{
	uint64_t a = top->m_axis_dma_wr_addr;
	uint8_t d[64];
	tb_get(top->m_axis_dma_wr_data, d, K);
	uint64_t strb = top->m_axis_dma_wr_strb;
	if (K < 64) strb &= tb_keep(K);
	TB_CHECK(!txq.empty(), "write beat at 0x%llx without a piece", (unsigned long long)a);
	piece_exp &e = txq.front();
	TB_CHECK(a == e.next_addr, "cmd %u piece %u: beat address 0x%llx, expected 0x%llx", e.cmd, e.p,
		 (unsigned long long)a, (unsigned long long)e.next_addr);
	for (unsigned i = 0; i < K; i++) {
		if (!((strb >> i) & 1))
			continue;
		uint64_t b = a + i;
		TB_CHECK(b >= e.lo && b < e.hi, "cmd %u piece %u [0x%llx, 0x%llx): wrote byte 0x%llx outside",
			 e.cmd, e.p, (unsigned long long)e.lo, (unsigned long long)e.hi, (unsigned long long)b);
		int v = e.val[b - e.lo];
		TB_CHECK(v >= 0, "cmd %u piece %u: wrote byte 0x%llx (piece byte %llu) that has no source byte",
			 e.cmd, e.p, (unsigned long long)b, (unsigned long long)(b - e.lo));
		TB_CHECK(d[i] == v, "cmd %u piece %u: byte 0x%llx (piece byte %llu) = %02x, expected %02x", e.cmd,
			 e.p, (unsigned long long)b, (unsigned long long)(b - e.lo), d[i], v);
		mem_dut[b - MEM_BASE] = d[i];
		e.written++;
	}
	bool is_last = e.next_addr == ((e.hi - 1) & ~(uint64_t)(K - 1));
	TB_CHECK(top->m_axis_dma_wr_last == is_last, "cmd %u piece %u: last=%d at beat 0x%llx", e.cmd, e.p,
		 top->m_axis_dma_wr_last, (unsigned long long)a);
	e.next_addr += K;
	if (is_last) {
		unsigned n = 0;
		for (int v : e.val) n += v >= 0;
		TB_CHECK(e.written == n, "cmd %u piece %u: %u bytes written, expected %u", e.cmd, e.p, e.written, n);
		txq.pop_front();
	}
}

// Runs commands until all are done. in_pct/out_pct: chance of a source beat
// / of write ready per cycle. Returns cycles from the first to the last
// write beat.
struct run_stats { uint64_t first = 0, last = 0, beats = 0; };
static run_stats run_cmds(tb_rng &r, const std::vector<wr_cmd> &cmds, unsigned cmd_base, unsigned in_pct,
			  unsigned out_pct, unsigned cmd_pct)
{
	run_stats st;
	size_t ci = 0;
	bool src_off = false, cmd_off = false;
	bool seen = false;
	while (ci < cmds.size() || top->busy || top->s_axis_cmd_tvalid) {
		if (!cmd_off && ci < cmds.size() && r.chance(cmd_pct)) {
			const wr_cmd &w = cmds[ci];
			top->s_axis_cmd_skip = w.skip;
			top->s_axis_cmd_len0 = w.len0;
			top->s_axis_cmd_len1 = w.len1;
			top->s_axis_cmd_iova0 = w.iova0;
			top->s_axis_cmd_iova1 = w.iova1;
			top->s_axis_cmd_drain = w.drain;
			top->s_axis_cmd_tvalid = 1;
			cmd_off = true;
		}
		if (!src_off && !feed.empty() && r.chance(in_pct)) {
			const beat &b = feed.front();
			tb_put(top->s_axis_src_tdata, b.d, K);
			top->s_axis_src_tkeep = K < 64 ? b.keep & tb_keep(K) : b.keep;
			top->s_axis_src_tlast = b.last;
			top->s_axis_src_tvalid = 1;
			src_off = true;
		}
		top->m_axis_dma_wr_tready = r.chance(out_pct);
		top->eval();
		// busy low: every write beat of the accepted commands has left.
		TB_CHECK(top->busy || txq.empty(), "busy low with %zu pieces not written", txq.size());
		if (top->s_axis_cmd_tvalid && top->s_axis_cmd_tready) {
			// The previous command is complete: its consumption must match.
			TB_CHECK(dut_consumed == exp_consumed, "before cmd %zu: %llu source beats consumed, expected %llu",
				 cmd_base + ci, (unsigned long long)dut_consumed, (unsigned long long)exp_consumed);
			model_cmd(cmd_base + (unsigned)ci, cmds[ci]);
			ci++;
			cmd_off = false;
		}
		if (top->s_axis_src_tvalid && top->s_axis_src_tready) {
			feed.pop_front();
			dut_consumed++;
			src_off = false;
		}
		if (top->m_axis_dma_wr_tvalid && top->m_axis_dma_wr_tready) {
			check_wr_beat();
			if (!seen) st.first = cycles;
			seen = true;
			st.last = cycles;
			st.beats++;
		}
		tick();
		TB_CHECK(!top->done || !top->busy, "done while busy");
		dones += top->done;
		top->s_axis_cmd_tvalid = cmd_off;
		top->s_axis_src_tvalid = src_off;
	}
	TB_CHECK(dut_consumed == exp_consumed, "%llu source beats consumed, expected %llu",
		 (unsigned long long)dut_consumed, (unsigned long long)exp_consumed);
	TB_CHECK(txq.empty(), "%zu pieces not written", txq.size());
	TB_CHECK(dones > 0, "no done pulse");
	dones = 0;
	return st;
}

static void compare_mem(const char *when)
{
	for (uint32_t i = 0; i < MEM_SZ; i++)
		TB_CHECK(mem_dut[i] == mem_exp[i], "%s: memory at 0x%llx = %02x, expected %02x", when,
			 (unsigned long long)(MEM_BASE + i), mem_dut[i], mem_exp[i]);
}

static uint64_t rand_addr(tb_rng &r, uint32_t lo, uint32_t hi, uint32_t len)
{
	return MEM_BASE + lo + r.below(hi - lo - len);
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint64_t seed = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1;
	unsigned ncases = argc > 2 ? (unsigned)strtoul(argv[2], nullptr, 0) : 4000;
	tb_rng r(seed);
	top = std::make_unique<top_t>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	mem_dut.resize(MEM_SZ);
	for (auto &b : mem_dut) b = (uint8_t)r.next();    // canary
	mem_exp = mem_dut;

	unsigned done = 0, batch = 0, wraps = 0, zero = 0, short_src = 0, nodrain = 0;
	while (done < ncases) {
		// A batch of commands under one traffic mix.
		static const unsigned mix[][3] = {{100, 100, 100}, {70, 70, 50}, {30, 90, 80}, {90, 30, 80}, {50, 50, 20}};
		const unsigned *m = mix[batch % 5];
		std::vector<wr_cmd> cmds;
		unsigned n = std::min(ncases - done, 1 + r.below(40));
		for (unsigned i = 0; i < n; i++) {
			if (pending.empty()) {
				unsigned fl = r.chance(10) ? 128 : r.chance(20) ? 1 + r.below(3 * K) : 1 + r.below(1518);
				add_frame(r, fl, r.chance(10));
			}
			unsigned avail = 0;
			while (!pending[avail].last) avail++;
			avail = (avail + 1) * K;     // bytes in the beats (tkeep aside)
			wr_cmd w = {};
			w.skip = (uint16_t)(r.chance(30) ? 0 : r.below(avail + (r.chance(5) ? 100 : 0)));
			uint32_t room = avail > w.skip ? avail - w.skip : 0;
			uint32_t L = r.chance(8) ? 0 : r.below(room + 1 + (r.chance(5) ? 200 : 0));
			if (L > room) short_src++;
			if (r.chance(40)) {
				w.len0 = (uint16_t)r.below(L + 1);
				wraps += w.len0 && w.len0 < L;
			} else {
				w.len0 = (uint16_t)L;
			}
			w.len1 = (uint16_t)(L - w.len0);
			zero += L == 0;
			w.iova0 = rand_addr(r, MEM_SZ / 2, MEM_SZ, w.len0);
			w.iova1 = r.chance(50) ? MEM_BASE + K * r.below(64) : rand_addr(r, 0, MEM_SZ / 2, w.len1);
			w.drain = !r.chance(15);
			nodrain += !w.drain;
			cmds.push_back(w);
			// Advance the model's view so that the next command sees the rest
			// (run_cmds applies the model again, at each command's acceptance).
			unsigned nb = 0;
			while (!pending[nb].last) nb++;
			nb++;
			uint32_t need = ((uint32_t)w.skip + w.len0 + w.len1 + K - 1) / K;
			unsigned cons = w.drain ? nb : std::min(nb, need);
			pending.erase(pending.begin(), pending.begin() + cons);
		}
		// Back to the batch start: feed holds exactly the unconsumed beats.
		pending.assign(feed.begin(), feed.end());
		run_stats st = run_cmds(r, cmds, done, m[0], m[1], m[2]);
		(void)st;
		done += n;
		batch++;
		if (batch % 25 == 0)
			compare_mem("after a batch");
	}
	compare_mem("end");
	printf("dma_write_bytes DW=%u: %u commands (%u split at a wrap, %u empty, %u beyond the source, "
	       "%u without drain), %llu source beats, %llu cycles\n",
	       DW, ncases, wraps, zero, short_src, nodrain, (unsigned long long)dut_consumed,
	       (unsigned long long)cycles);

	// Throughput: long sources, no gaps, no back-pressure.
	if (!pending.empty()) {                     // the rest of a frame (drain 0)
		wr_cmd w = {};
		w.drain = true;
		run_cmds(r, {w}, ncases, 100, 100, 100);
	}
	for (int t = 0; t < 8; t++) {
		TB_CHECK(feed.empty() && pending.empty(), "leftover source");
		unsigned fl = 60000;
		add_frame(r, fl, false);
		wr_cmd w = {};
		w.skip = (uint16_t)r.below(200);
		uint32_t L = 50000 + r.below(fl - 50200);
		bool split = t & 1;
		w.len0 = (uint16_t)(split ? L / 2 + r.below(100) : L);
		w.len1 = (uint16_t)(L - w.len0);
		w.iova0 = MEM_BASE + r.below(MEM_SZ - 65536);
		w.iova1 = MEM_BASE + r.below(K);
		if (split) w.iova0 = MEM_BASE + 65536 + r.below(MEM_SZ - 65536 - w.len0);
		w.drain = true;
		pending.assign(feed.begin(), feed.end());
		run_stats st = run_cmds(r, {w}, ncases + t, 100, 100, 100);
		uint64_t span = st.last - st.first + 1;
		uint64_t beats = (w.iova0 % K + w.len0 + K - 1) / K + (w.len1 ? (w.iova1 % K + w.len1 + K - 1) / K : 0);
		TB_CHECK(st.beats == beats, "throughput run: %llu beats, expected %llu", (unsigned long long)st.beats,
			 (unsigned long long)beats);
		TB_CHECK(span <= beats + (split ? 1 : 0), "throughput: %llu beats took %llu cycles",
			 (unsigned long long)beats, (unsigned long long)span);
		printf("  long write %s: %llu beats in %llu cycles (%.4f beats/cycle)\n", split ? "split" : "one piece",
		       (unsigned long long)beats, (unsigned long long)span, (double)beats / span);
	}
	// Command overhead: back-to-back 64-byte frames, each copied whole.
	{
		std::vector<wr_cmd> cmds;
		for (int i = 0; i < 200; i++) {
			add_frame(r, 64, false);
			wr_cmd w = {};
			w.len0 = 64;
			w.iova0 = MEM_BASE + r.below(MEM_SZ - 64);
			w.drain = true;
			cmds.push_back(w);
		}
		pending.assign(feed.begin(), feed.end());
		uint64_t c0 = cycles;
		run_cmds(r, cmds, ncases + 8, 100, 100, 100);
		printf("  64-byte frames back to back: %.2f cycles per command\n", (double)(cycles - c0) / 200);
	}
	compare_mem("after the throughput runs");
	printf("PASS\n");
	top->final();
	top.reset();
	return 0;
}

#else
// ----------------------------------------------------------------- READ ---
struct rreq { uint64_t addr; uint32_t len; uint64_t ready_at; };
static std::deque<rreq> shell_q;        // accepted requests, not yet answered
static std::deque<rreq> req_exp;        // expected requests
static std::deque<std::vector<uint8_t>> out_exp;
static std::vector<uint8_t> host;

struct rd_cmd { uint64_t iova0, iova1; uint16_t len0, len1; };

struct rrun { uint64_t first = 0, last = 0, beats = 0; };

static rrun run_cmds(tb_rng &r, const std::vector<rd_cmd> &cmds, unsigned base, unsigned lat_max,
		     unsigned gap_pct, unsigned out_pct, unsigned req_pct)
{
	rrun st;
	size_t ci = 0;
	bool cmd_off = false, seen = false;
	// Response state: beats of the head request.
	unsigned rbeat = 0;
	bool resp_off = false;
	size_t out_pos = 0;
	while (ci < cmds.size() || top->busy || top->s_axis_cmd_tvalid || !shell_q.empty()) {
		if (!cmd_off && ci < cmds.size()) {
			const rd_cmd &c = cmds[ci];
			top->s_axis_cmd_iova0 = c.iova0;
			top->s_axis_cmd_len0 = c.len0;
			top->s_axis_cmd_iova1 = c.iova1;
			top->s_axis_cmd_len1 = c.len1;
			top->s_axis_cmd_tvalid = 1;
			cmd_off = true;
		}
		top->m_axis_dma_rd_req_tready = r.chance(req_pct);
		if (!resp_off && !shell_q.empty() && shell_q.front().ready_at <= cycles && !r.chance(gap_pct)) {
			const rreq &q = shell_q.front();
			uint64_t a0 = q.addr & ~(uint64_t)(K - 1);
			uint64_t a = a0 + (uint64_t)rbeat * K;
			uint8_t d[64];
			for (unsigned j = 0; j < K; j++) {
				uint64_t b = a + j;
				d[j] = b >= q.addr && b < q.addr + q.len ? host[b - MEM_BASE] : (uint8_t)r.next();
			}
			tb_put(top->s_axis_dma_rd_resp_data, d, K);
			unsigned nb = (unsigned)((q.addr % K + q.len + K - 1) / K);
			top->s_axis_dma_rd_resp_last = rbeat + 1 == nb;
			top->s_axis_dma_rd_resp_tag = (uint32_t)r.next() & 0xff;   // must not matter
			top->s_axis_dma_rd_resp_tvalid = 1;
			resp_off = true;
		}
		top->m_axis_tready = r.chance(out_pct);
		top->eval();
		// busy low: every accepted command is requested, answered and output.
		TB_CHECK(top->busy || (out_exp.empty() && req_exp.empty() && shell_q.empty()),
			 "busy low with %zu commands not output", out_exp.size());
		if (top->s_axis_cmd_tvalid && top->s_axis_cmd_tready) {
			const rd_cmd &c = cmds[ci];
			std::vector<uint8_t> bytes;
			if (c.len0) req_exp.push_back({c.iova0, c.len0, 0});
			if (c.len1) req_exp.push_back({c.iova1, c.len1, 0});
			for (unsigned i = 0; i < c.len0; i++) bytes.push_back(host[c.iova0 + i - MEM_BASE]);
			for (unsigned i = 0; i < c.len1; i++) bytes.push_back(host[c.iova1 + i - MEM_BASE]);
			if (!bytes.empty()) out_exp.push_back(bytes);
			ci++;
			cmd_off = false;
		}
		if (top->m_axis_dma_rd_req_tvalid && top->m_axis_dma_rd_req_tready) {
			uint64_t a = top->m_axis_dma_rd_req_addr;
			uint32_t l = top->m_axis_dma_rd_req_len;
			TB_CHECK(!req_exp.empty(), "unexpected request 0x%llx+%u", (unsigned long long)a, l);
			TB_CHECK(l >= 1 && a == req_exp.front().addr && l == req_exp.front().len,
				 "request 0x%llx+%u, expected 0x%llx+%u", (unsigned long long)a, l,
				 (unsigned long long)req_exp.front().addr, req_exp.front().len);
			req_exp.pop_front();
			shell_q.push_back({a, l, cycles + (lat_max ? 1 + r.below(lat_max) : 1)});
		}
		if (top->s_axis_dma_rd_resp_tvalid && top->s_axis_dma_rd_resp_tready) {
			const rreq &q = shell_q.front();
			unsigned nb = (unsigned)((q.addr % K + q.len + K - 1) / K);
			if (++rbeat == nb) {
				shell_q.pop_front();
				rbeat = 0;
			}
			resp_off = false;
		}
		if (top->m_axis_tvalid && top->m_axis_tready) {
			TB_CHECK(!out_exp.empty(), "output beat without a command");
			const std::vector<uint8_t> &e = out_exp.front();
			size_t left = e.size() - out_pos;
			unsigned n = left < K ? (unsigned)left : K;
			uint64_t keep = top->m_axis_tkeep;
			if (K < 64) keep &= tb_keep(K);
			TB_CHECK(keep == tb_keep(n), "cmd %zu byte %zu: tkeep %llx, expected %llx", base + ci - out_exp.size(),
				 out_pos, (unsigned long long)keep, (unsigned long long)tb_keep(n));
			TB_CHECK(top->m_axis_tlast == (left <= K), "cmd %zu byte %zu of %zu: tlast %d",
				 base + ci - out_exp.size(), out_pos, e.size(), top->m_axis_tlast);
			uint8_t d[64];
			tb_get(top->m_axis_tdata, d, K);
			for (unsigned j = 0; j < n; j++)
				TB_CHECK(d[j] == e[out_pos + j], "cmd %zu byte %zu of %zu: %02x, expected %02x",
					 base + ci - out_exp.size(), out_pos + j, e.size(), d[j], e[out_pos + j]);
			out_pos += n;
			if (out_pos == e.size()) {
				out_exp.pop_front();
				out_pos = 0;
			}
			if (!seen) st.first = cycles;
			seen = true;
			st.last = cycles;
			st.beats++;
		}
		tick();
		top->s_axis_cmd_tvalid = cmd_off;
		top->s_axis_dma_rd_resp_tvalid = resp_off;
	}
	TB_CHECK(out_exp.empty(), "%zu commands without their output", out_exp.size());
	TB_CHECK(req_exp.empty(), "%zu requests not issued", req_exp.size());
	return st;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint64_t seed = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1;
	unsigned ncases = argc > 2 ? (unsigned)strtoul(argv[2], nullptr, 0) : 4000;
	tb_rng r(seed);
	top = std::make_unique<top_t>();
	top->rst = 1;
	tick(); tick();
	top->rst = 0;
	host.resize(MEM_SZ);
	for (auto &b : host) b = (uint8_t)r.next();

	unsigned done = 0, batch = 0, wraps = 0, zero = 0;
	static const unsigned mix[][4] = {{0, 0, 100, 100}, {40, 30, 70, 70}, {5, 10, 30, 90},
					  {200, 0, 100, 50}, {20, 60, 90, 30}};
	while (done < ncases) {
		const unsigned *m = mix[batch % 5];
		std::vector<rd_cmd> cmds;
		unsigned n = std::min(ncases - done, 1 + r.below(40));
		for (unsigned i = 0; i < n; i++) {
			uint32_t L = r.chance(3) ? 0 : r.chance(10) ? 128 : r.chance(20) ? r.below(3 * K) : r.below(1519);
			rd_cmd c = {};
			if (r.chance(40)) {
				c.len0 = (uint16_t)r.below(L + 1);
				wraps += c.len0 && c.len0 < L;
			} else {
				c.len0 = (uint16_t)L;
			}
			c.len1 = (uint16_t)(L - c.len0);
			zero += L == 0;
			c.iova0 = MEM_BASE + r.below(MEM_SZ - c.len0);
			c.iova1 = r.chance(50) ? MEM_BASE + K * r.below(64) : MEM_BASE + r.below(MEM_SZ - c.len1);
			cmds.push_back(c);
		}
		run_cmds(r, cmds, done, m[0], m[1], m[2], m[3]);
		done += n;
		batch++;
	}
	printf("dma_read_bytes DW=%u: %u commands (%u split at a wrap, %u empty), %llu cycles\n", DW, ncases,
	       wraps, zero, (unsigned long long)cycles);

	// Throughput: long reads, responses one cycle after the request, no gaps.
	for (int t = 0; t < 8; t++) {
		bool split = t & 1;
		uint32_t L = 50000 + r.below(15000);
		rd_cmd c = {};
		c.len0 = (uint16_t)(split ? L / 2 + r.below(100) : L);
		c.len1 = (uint16_t)(L - c.len0);
		c.iova0 = MEM_BASE + r.below(MEM_SZ - c.len0);
		c.iova1 = MEM_BASE + r.below(MEM_SZ - c.len1);
		rrun st = run_cmds(r, {c}, ncases + t, 0, 0, 100, 100);
		uint64_t span = st.last - st.first + 1;
		uint64_t beats = (L + K - 1) / K;
		TB_CHECK(st.beats == beats, "throughput run: %llu beats, expected %llu", (unsigned long long)st.beats,
			 (unsigned long long)beats);
		// A misaligned piece has one response beat more than its bytes fill.
		TB_CHECK(span <= beats + (split ? 2 : 1), "throughput: %llu beats took %llu cycles",
			 (unsigned long long)beats, (unsigned long long)span);
		printf("  long read %s: %llu beats in %llu cycles (%.4f beats/cycle)\n", split ? "split" : "one piece",
		       (unsigned long long)beats, (unsigned long long)span, (double)beats / span);
	}
	{
		std::vector<rd_cmd> cmds;
		for (int i = 0; i < 200; i++) {
			rd_cmd c = {};
			c.len0 = 64;
			c.iova0 = MEM_BASE + r.below(MEM_SZ - 64);
			cmds.push_back(c);
		}
		uint64_t c0 = cycles;
		run_cmds(r, cmds, ncases + 8, 0, 0, 100, 100);
		printf("  64-byte reads back to back, response 1 cycle after the request: %.2f cycles per command\n",
		       (double)(cycles - c0) / 200);
	}
	printf("PASS\n");
	top->final();
	top.reset();
	return 0;
}
#endif
