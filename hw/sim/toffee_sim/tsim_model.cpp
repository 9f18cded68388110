// SPDX-License-Identifier: MIT
// toffee-sim: the Verilated toffee_top behind the plain-C struct tsim_io
// (tsim_model.h). The only C++ of toffee-sim: Verilator's model is a C++
// class. Optional ports are compiled in according to tsim_ports.h, which the
// build generates from toffee_top.sv (ports.sh), so this file keeps
// compiling when the top gains or loses them.
#include <cstdio>
#include <cstdlib>
#include "Vtoffee_top.h"
#include "verilated.h"
#include "verilated_fst_c.h"
#include "tsim_model.h"
#include "tsim_ports.h"

// The harness keeps a pre-engine sink flowing only if both halves exist.
#if defined(TSIM_HAS_M_AXIS_SEG_TVALID) && defined(TSIM_HAS_M_AXIS_SEG_TREADY)
#define TSIM_SEG 1
#endif
#if defined(TSIM_HAS_M_AXIS_FRAME_TVALID) && defined(TSIM_HAS_M_AXIS_FRAME_TREADY)
#define TSIM_FRAME 1
#endif
#if defined(TSIM_HAS_M_AXIS_DB_TVALID) && defined(TSIM_HAS_M_AXIS_DB_TREADY)
#define TSIM_DB 1
#endif
#if defined(TSIM_HAS_M_AXIS_STATUS_TVALID) && defined(TSIM_HAS_M_AXIS_STATUS_TREADY)
#define TSIM_STATUS 1
#endif
#if defined(TSIM_HAS_M_AXIS_IRQ_TVALID) && defined(TSIM_HAS_M_AXIS_IRQ_TREADY) && \
    defined(TSIM_HAS_M_AXIS_IRQ_CTX)
#define TSIM_IRQ 1
#endif

struct tsim_model {
	VerilatedContext *ctx;
	Vtoffee_top *top;
	VerilatedFstC *fst;
	const char *fst_path;
	uint64_t cycle;
	uint64_t trace_start, trace_stop;
	bool tracing, trace_done;
};

extern "C" struct tsim_model *tsim_model_new(const char *fst_path, uint64_t trace_start,
					       uint64_t trace_stop)
{
	tsim_model *m = new tsim_model();
	m->ctx = new VerilatedContext;
	if (fst_path)
		m->ctx->traceEverOn(true);
	m->top = new Vtoffee_top{m->ctx, "toffee_top"};
	m->fst_path = fst_path;
	m->trace_start = trace_start;
	m->trace_stop = trace_stop;
	m->top->clk = 0;
	m->top->rst = 1;
	m->top->eval();
	return m;
}

static void trace_window(tsim_model *m)
{
	if (!m->fst_path || m->trace_done)
		return;
	if (!m->tracing && m->cycle >= m->trace_start && m->cycle < m->trace_stop) {
		m->fst = new VerilatedFstC;
		m->top->trace(m->fst, 99);
		m->fst->open(m->fst_path);
		m->tracing = true;
		fprintf(stderr, "toffee-sim: tracing to %s from cycle %llu\n", m->fst_path,
			(unsigned long long)m->cycle);
	} else if (m->tracing && m->cycle >= m->trace_stop) {
		m->fst->close();
		delete m->fst;
		m->fst = nullptr;
		m->tracing = false;
		m->trace_done = true;
		fprintf(stderr, "toffee-sim: trace closed at cycle %llu\n", (unsigned long long)m->cycle);
	}
}

extern "C" int tsim_model_trace_window(struct tsim_model *m, uint64_t cycles)
{
	if (!m->fst_path)
		return -1;
	if (!m->tracing) {               /* (an open window is extended) */
		m->trace_start = m->cycle;
		m->trace_done = false;
	}
	m->trace_stop = m->cycle + cycles;
	return 0;
}

extern "C" void tsim_model_cycle(struct tsim_model *m, struct tsim_io *io)
{
	Vtoffee_top *t = m->top;

	if (__builtin_expect(m->fst_path != nullptr, 0))
		trace_window(m);
	t->rst = io->rst;
#ifdef TSIM_HAS_NOW_NS
	t->now_ns = io->now_ns;
#endif
	t->s_axis_mac_rx_tdata = io->rx_data;
	t->s_axis_mac_rx_tkeep = io->rx_keep;
	t->s_axis_mac_rx_tvalid = io->rx_valid;
	t->s_axis_mac_rx_tlast = io->rx_last;
	t->s_axis_mac_rx_tuser = 0;
	t->m_axis_mac_tx_tready = io->tx_ready;
	t->s_axil_awaddr = io->awaddr;
	t->s_axil_awvalid = io->awvalid;
	t->s_axil_wdata = io->wdata;
	t->s_axil_wstrb = io->wstrb;
	t->s_axil_wvalid = io->wvalid;
	t->s_axil_bready = io->bready;
	t->s_axil_araddr = io->araddr;
	t->s_axil_arvalid = io->arvalid;
	t->s_axil_rready = io->rready;
	t->m_axis_dma_wr_tready = io->dwr_ready;
	t->m_axis_dma_rd_req_tready = io->drd_req_ready;
	t->s_axis_dma_rd_resp_tvalid = io->drd_resp_valid;
	t->s_axis_dma_rd_resp_data = io->drd_resp_data;
	t->s_axis_dma_rd_resp_tag = io->drd_resp_tag;
	t->s_axis_dma_rd_resp_last = io->drd_resp_last;
#ifdef TSIM_SEG
	t->m_axis_seg_tready = 1;
#endif
#ifdef TSIM_FRAME
	t->m_axis_frame_tready = 1;
#endif
#ifdef TSIM_DB
	t->m_axis_db_tready = 1;
#endif
#ifdef TSIM_STATUS
	t->m_axis_status_tready = 1;
#endif
#ifdef TSIM_IRQ
	t->m_axis_irq_tready = 1;
#endif

	t->clk = 0;
	t->eval();
	if (m->tracing)
		m->fst->dump(m->cycle * 4000u);

	io->rx_ready = t->s_axis_mac_rx_tready;
	io->tx_data = t->m_axis_mac_tx_tdata;
	io->tx_keep = t->m_axis_mac_tx_tkeep;
	io->tx_valid = t->m_axis_mac_tx_tvalid;
	io->tx_last = t->m_axis_mac_tx_tlast;
	io->awready = t->s_axil_awready;
	io->wready = t->s_axil_wready;
	io->bvalid = t->s_axil_bvalid;
	io->arready = t->s_axil_arready;
	io->rvalid = t->s_axil_rvalid;
	io->rdata = t->s_axil_rdata;
	io->dwr_valid = t->m_axis_dma_wr_tvalid;
	io->dwr_last = t->m_axis_dma_wr_last;
	io->dwr_strb = t->m_axis_dma_wr_strb;
	io->dwr_addr = t->m_axis_dma_wr_addr;
	io->dwr_data = t->m_axis_dma_wr_data;
	io->drd_req_valid = t->m_axis_dma_rd_req_tvalid;
	io->drd_req_addr = t->m_axis_dma_rd_req_addr;
	io->drd_req_len = t->m_axis_dma_rd_req_len;
	io->drd_req_tag = t->m_axis_dma_rd_req_tag;
	io->drd_resp_ready = t->s_axis_dma_rd_resp_tready;
#ifdef TSIM_IRQ
	io->irq_fire = t->m_axis_irq_tvalid;
	io->irq_ctx = t->m_axis_irq_ctx;
#endif
	io->aux_fire = 0;
#ifdef TSIM_HAS_ENGINE_IDLE
	io->engine_busy = !t->engine_idle;
#endif
#ifdef TSIM_SEG
	io->seg_fire = t->m_axis_seg_tvalid;
#ifdef TSIM_HAS_M_AXIS_SEG_HIT
	io->seg_hit = t->m_axis_seg_hit;
#endif
#endif
#ifdef TSIM_FRAME
	io->aux_fire |= t->m_axis_frame_tvalid;
#endif
#ifdef TSIM_DB
	io->aux_fire |= t->m_axis_db_tvalid;
#endif
#ifdef TSIM_STATUS
	io->aux_fire |= t->m_axis_status_tvalid;
#endif

	t->clk = 1;
	t->eval();
	if (m->tracing)
		m->fst->dump(m->cycle * 4000u + 2000u);
	m->cycle++;
}

extern "C" uint64_t tsim_model_cycles(const struct tsim_model *m)
{
	return m->cycle;
}

extern "C" void tsim_model_free(struct tsim_model *m)
{
	if (!m)
		return;
	if (m->tracing) {
		m->fst->close();
		delete m->fst;
	}
	m->top->final();
	delete m->top;
	delete m->ctx;
	delete m;
}

extern "C" const char *tsim_model_ports(void)
{
	return ""
#ifdef TSIM_HAS_NOW_NS
		" now_ns"
#endif
#ifdef TSIM_HAS_ENGINE_IDLE
		" engine_idle"
#endif
#ifdef TSIM_IRQ
		" irq"
#endif
#ifdef TSIM_SEG
		" seg(pre-engine)"
#endif
#ifdef TSIM_FRAME
		" frame(pre-engine)"
#endif
#ifdef TSIM_DB
		" db(pre-engine)"
#endif
#ifdef TSIM_STATUS
		" status(pre-engine)"
#endif
		;
}
