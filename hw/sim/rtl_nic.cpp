// SPDX-License-Identifier: MIT
// rtl_nic: see rtl_nic.h. Compiled against one Verilator build of toffee_top:
// -DDW=<DATA_WIDTH> -DFLOW_CAP=<FLOW_CAP> must match the -G parameters.
#include "rtl_nic.h"
#include "Vtoffee_top.h"
#include "tb_common.h"
#define _Static_assert static_assert
#include "toffee/abi.h"

#ifndef DW
#define DW 64
#endif
#ifndef FLOW_CAP
#define FLOW_CAP 65536
#endif
static const unsigned BB = DW / 8;

unsigned rtl_nic::data_width() { return DW; }
unsigned rtl_nic::flow_cap() { return FLOW_CAP; }

rtl_nic::rtl_nic(uint8_t *mem, const size_t *mem_limit, bool poll_step)
	: top_(new Vtoffee_top), mem_(mem), mem_limit_(mem_limit)
{
	top_->poll_step = poll_step;
	top_->s_axis_poll_tvalid = 0;
	top_->s_axis_poll_budget = 0;
}

rtl_nic::~rtl_nic()
{
	top_->final();
}

void rtl_nic::reset()
{
	top_->rst = 1;
	for (int i = 0; i < 8; i++)
		tick();
	top_->rst = 0;
	// The sweeps after reset: flow_lookup clears FLOW_CAP/2 buckets,
	// tx_sched max(FLOW_CAP, 1024 wheel slots) entries.
	for (unsigned i = 0; i < (FLOW_CAP > 1024 ? FLOW_CAP : 1024) + 64; i++)
		tick();
}

bool rtl_nic::idle() const
{
	Vtoffee_top *t = top_.get();
	return t->engine_idle && rx_beats_.empty() && rx_frames_.empty() && rdq_.empty() &&
	       !t->m_axis_mac_tx_tvalid && !t->m_axis_dma_wr_tvalid;
}

void rtl_nic::rx_frame(const uint8_t *data, uint32_t len)
{
	rx_frames_.emplace_back(data, data + len);
}

bool rtl_nic::stall(unsigned pct)
{
	if (!pct)
		return false;
	stall_rng_ ^= stall_rng_ << 13;             // xorshift32
	stall_rng_ ^= stall_rng_ >> 17;
	stall_rng_ ^= stall_rng_ << 5;
	return stall_rng_ % 100 < pct;
}

void rtl_nic::tick()
{
	Vtoffee_top *t = top_.get();
	t->now_ns = now_ns;
	// MAC receive: the next frame's beats follow the last one without a gap.
	if (rx_beats_.empty() && !rx_frames_.empty()) {
		const frame &f = rx_frames_.front();
		for (size_t o = 0; o < f.size(); o += BB) {
			rx_beat b;
			memset(&b, 0, sizeof b);
			b.n = f.size() - o < BB ? (unsigned)(f.size() - o) : BB;
			memcpy(b.d, &f[o], b.n);
			b.last = o + BB >= f.size();
			rx_beats_.push_back(b);
		}
		rx_frames_.pop_front();
		n_rx_frames++;
	}
	t->s_axis_mac_rx_tvalid = !rx_beats_.empty();
	if (!rx_beats_.empty()) {
		tb_put(t->s_axis_mac_rx_tdata, rx_beats_.front().d, BB);
		t->s_axis_mac_rx_tkeep = tb_keep(rx_beats_.front().n);
		t->s_axis_mac_rx_tlast = rx_beats_.front().last;
	}
	t->s_axis_mac_rx_tuser = 0;
	t->m_axis_mac_tx_tready = cyc_ >= mac_pause_until && !stall(mac_stall_pct);
	t->m_axis_dma_wr_tready = !stall(dma_stall_pct);
	t->m_axis_dma_rd_req_tready = !stall(dma_stall_pct);
	t->m_axis_irq_tready = 1;
	// DMA read responses: the beats of the oldest request, in order.
	t->s_axis_dma_rd_resp_tvalid = 0;
	uint32_t nbeats = 0;
	if (!rdq_.empty()) {
		const rd_req &q = rdq_.front();
		uint64_t a0 = q.addr & ~(uint64_t)(BB - 1);
		nbeats = (uint32_t)(((q.addr & (BB - 1)) + q.len + BB - 1) / BB);
		uint8_t d[64];
		uint64_t a = a0 + (uint64_t)BB * rd_beat_;
		size_t lim = *mem_limit_;
		for (unsigned i = 0; i < BB; i++)
			d[i] = a + i < lim ? mem_[a + i] : 0;
		t->s_axis_dma_rd_resp_tvalid = 1;
		tb_put(t->s_axis_dma_rd_resp_data, d, BB);
		t->s_axis_dma_rd_resp_tag = q.tag;
		t->s_axis_dma_rd_resp_last = rd_beat_ + 1 == nbeats;
	}

	t->clk = 0;
	t->eval();
	bool rx_fire = t->s_axis_mac_rx_tvalid && t->s_axis_mac_rx_tready;
	bool rx_last = rx_fire && t->s_axis_mac_rx_tlast;
	bool resp_fire = t->s_axis_dma_rd_resp_tvalid && t->s_axis_dma_rd_resp_tready;
	if (t->m_axis_dma_rd_req_tvalid && t->m_axis_dma_rd_req_tready) {
		rdq_.push_back({t->m_axis_dma_rd_req_addr, t->m_axis_dma_rd_req_len, t->m_axis_dma_rd_req_tag});
		n_dma_rd_reqs++;
	}
	if (t->m_axis_dma_wr_tvalid && t->m_axis_dma_wr_tready) {
		uint64_t a = t->m_axis_dma_wr_addr, strb = t->m_axis_dma_wr_strb;
		uint8_t d[64];
		tb_get(t->m_axis_dma_wr_data, d, BB);
		TB_CHECK((a & (BB - 1)) == 0, "rtl_nic: DMA write address 0x%llx not beat-aligned",
			 (unsigned long long)a);
		size_t lim = *mem_limit_;
		for (unsigned i = 0; i < BB; i++)
			if (strb >> i & 1) {
				TB_CHECK(a + i >= 4096 && a + i < lim, "rtl_nic: DMA write out of range: 0x%llx (cycle %llu)",
					 (unsigned long long)(a + i), (unsigned long long)cyc_);
				mem_[a + i] = d[i];
			}
		n_dma_wr_beats++;
		if (on_dma_wr)
			on_dma_wr(cyc_, a, strb, t->m_axis_dma_wr_last);
	}
	if (t->m_axis_mac_tx_tvalid && t->m_axis_mac_tx_tready) {
		uint8_t d[64];
		uint64_t k = t->m_axis_mac_tx_tkeep;
		bool first = tx_cur_.empty();
		tb_get(t->m_axis_mac_tx_tdata, d, BB);
		for (unsigned i = 0; i < BB; i++)
			if (k >> i & 1)
				tx_cur_.push_back(d[i]);
		if (on_mac_tx_beat)
			on_mac_tx_beat(cyc_, first, t->m_axis_mac_tx_tlast);
		if (t->m_axis_mac_tx_tlast) {
			n_tx++;
			if (on_tx)
				on_tx(tx_cur_.data(), (uint32_t)tx_cur_.size());
			else
				tx_frames.push_back(tx_cur_);
			tx_cur_.clear();
		}
	}
	if (t->m_axis_irq_tvalid) {
		irqs.push_back(t->m_axis_irq_ctx);
		n_irq++;
	}
	if (rx_fire && on_mac_rx_beat)
		on_mac_rx_beat(cyc_, rx_last);
	if (!t->engine_idle)
		busy_cycles++;
	t->clk = 1;
	t->eval();
	cyc_++;
	if (rx_fire)
		rx_beats_.pop_front();
	if (resp_fire) {
		rd_beat_++;
		if (rd_beat_ == nbeats) {
			rdq_.pop_front();
			rd_beat_ = 0;
		}
	}
	if (on_tick)
		on_tick();
}

uint32_t rtl_nic::reg_rd(uint32_t a)
{
	Vtoffee_top *t = top_.get();
	t->s_axil_araddr = a;
	t->s_axil_arvalid = 1;
	t->s_axil_rready = 1;
	for (int n = 0; n < 100000; n++) {
		t->clk = 0;
		t->eval();
		bool ar = t->s_axil_arvalid && t->s_axil_arready;
		bool r = t->s_axil_rvalid;
		uint32_t v = t->s_axil_rdata;
		tick();
		if (ar)
			t->s_axil_arvalid = 0;
		if (r) {
			t->s_axil_rready = 0;
			return v;
		}
	}
	TB_FAIL("rtl_nic: AXI-Lite read of 0x%x hangs", a);
}

void rtl_nic::reg_wr(uint32_t a, uint32_t v)
{
	Vtoffee_top *t = top_.get();
	t->s_axil_awaddr = a;
	t->s_axil_awvalid = 1;
	t->s_axil_wdata = v;
	t->s_axil_wstrb = 0xf;
	t->s_axil_wvalid = 1;
	t->s_axil_bready = 1;
	for (int n = 0; n < 100000; n++) {
		t->clk = 0;
		t->eval();
		bool aw = t->s_axil_awvalid && t->s_axil_awready;
		bool b = t->s_axil_bvalid;
		uint64_t c = cyc_;
		tick();
		if (aw) {
			t->s_axil_awvalid = t->s_axil_wvalid = 0;
			if (on_axil_wr)
				on_axil_wr(c, a);
		}
		if (b) {
			t->s_axil_bready = 0;
			return;
		}
	}
	TB_FAIL("rtl_nic: AXI-Lite write of 0x%x hangs", a);
}

static uint32_t spq(uint32_t q, uint32_t f) { return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + f; }
static uint32_t ctxr(uint32_t c, uint32_t f) { return TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE + f; }
static uint32_t dbr(uint32_t c, uint32_t f) { return TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE + f; }

void rtl_nic::reg_lists(unsigned n_ctx, std::vector<uint32_t> &host, std::vector<uint32_t> &nic)
{
	host = {TOFFEE_REG_MAC_LO, TOFFEE_REG_MAC_HI, TOFFEE_REG_CTX_LIMIT};
	for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++) {
		for (uint32_t f : {TOFFEE_Q_BASE_LO, TOFFEE_Q_BASE_HI, TOFFEE_Q_LOG2, TOFFEE_Q_BUF_LO, TOFFEE_Q_BUF_HI})
			host.push_back(spq(q, f));
		bool nic_prod = q == TOFFEE_SPQ_EXC || q == TOFFEE_SPQ_FB;
		host.push_back(spq(q, nic_prod ? TOFFEE_Q_HEAD : TOFFEE_Q_TAIL));
		nic.push_back(spq(q, nic_prod ? TOFFEE_Q_TAIL : TOFFEE_Q_HEAD));
	}
	for (uint32_t c = 0; c < n_ctx; c++) {
		for (uint32_t r : {TOFFEE_CTX_EV, TOFFEE_CTX_CMD})
			for (uint32_t f : {TOFFEE_Q_BASE_LO, TOFFEE_Q_BASE_HI, TOFFEE_Q_LOG2})
				host.push_back(ctxr(c, r + f));
		nic.push_back(ctxr(c, TOFFEE_CTX_EV + TOFFEE_Q_TAIL));
		nic.push_back(ctxr(c, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD));
		nic.push_back(dbr(c, TOFFEE_DB_CMD_HEAD));
		host.push_back(dbr(c, TOFFEE_DB_CMD_TAIL));
		host.push_back(dbr(c, TOFFEE_DB_EV_HEAD));
		host.push_back(dbr(c, TOFFEE_DB_ARM));     // host sets, NIC clears
		nic.push_back(dbr(c, TOFFEE_DB_ARM));
	}
	host.push_back(TOFFEE_REG_CTRL);               // last: enable after the rest
}

void rtl_nic::mirror_to_nic(const volatile uint32_t *regs, unsigned n_ctx)
{
	std::vector<uint32_t> host, nic;
	reg_lists(n_ctx, host, nic);
	for (uint32_t r : host) {
		uint32_t v = regs[r / 4];
		auto it = shadow_.find(r);
		uint32_t old = it == shadow_.end() ? 0 : it->second;
		if (v != old) {
			reg_wr(r, v);
			shadow_[r] = v;
		}
	}
}

void rtl_nic::mirror_from_nic(volatile uint32_t *regs, unsigned n_ctx)
{
	std::vector<uint32_t> host, nic;
	reg_lists(n_ctx, host, nic);
	for (uint32_t r : nic) {
		uint32_t v = reg_rd(r);
		regs[r / 4] = v;
		shadow_[r] = v;
	}
}

uint32_t rtl_nic::reg_rd_nic_owned(uint32_t r)
{
	uint32_t v = reg_rd(r);
	shadow_[r] = v;
	return v;
}

uint64_t rtl_nic::counter(unsigned i)
{
	uint32_t lo = reg_rd(TOFFEE_REG_CNT(i)), hi = reg_rd(TOFFEE_REG_CNT(i) + 4);
	return (uint64_t)hi << 32 | lo;
}

bool rtl_nic::run_idle(unsigned quiet, uint64_t max_cycles)
{
	unsigned q = 0;
	for (uint64_t n = 0; n < max_cycles; n++) {
		tick();
		q = idle() ? q + 1 : 0;
		if (q >= quiet)
			return true;
	}
	return false;
}

bool rtl_nic::run_rx(uint32_t len, unsigned quiet)
{
	unsigned q = 0, lim = rx_quiet(len);
	bool seen = false;
	for (uint64_t n = 0; n < 20000000; n++) {
		tick();
		if (!top_->engine_idle)
			seen = true;
		q = idle() ? q + 1 : 0;
		if (q >= (seen ? quiet : lim))
			return true;
	}
	return false;
}

uint64_t rtl_nic::poll(unsigned budget, unsigned quiet)
{
	Vtoffee_top *t = top_.get();
	uint64_t a0 = n_dma_wr_beats + n_dma_rd_reqs + n_tx + n_irq;
	t->s_axis_poll_tvalid = 1;
	t->s_axis_poll_budget = budget;
	for (uint64_t k = 0;; k++) {
		t->clk = 0;
		t->eval();
		bool fire = t->s_axis_poll_tready;
		tick();
		if (fire)
			break;
		TB_CHECK(k < 20000000, "rtl_nic: a poll does not end");
	}
	t->s_axis_poll_tvalid = 0;
	TB_CHECK(run_idle(quiet), "rtl_nic: the model does not get idle after a poll");
	return n_dma_wr_beats + n_dma_rd_reqs + n_tx + n_irq - a0;
}
