/* SPDX-License-Identifier: MIT */
/**
 * @file tsim_model.h
 * toffee-sim: the plain-C view of the Verilated toffee_top (DATA_WIDTH 64).
 *
 * The only C++ of toffee-sim is tsim_model.cpp, which owns the Verilator
 * model and copies this struct to and from its ports once per clock cycle.
 * Everything else (register bridge, DMA service, Ethernet port, main loop)
 * is C and works on struct tsim_io.
 *
 * One call of tsim_model_cycle() is one rising edge of the 250 MHz clock:
 *  1. the inputs below are applied and the model is evaluated with clk low,
 *  2. the outputs are sampled (the values the edge sees: a valid/ready
 *     handshake happens at this edge iff both are 1 in the struct after
 *     the call),
 *  3. clk goes high and the model is evaluated again (the edge).
 * So the caller drives inputs, calls tsim_model_cycle(), then accounts the
 * handshakes from the struct (inputs it drove + outputs sampled).
 *
 * Only the stable ports of toffee_top are mandatory (clk, rst, the MAC
 * streams, AXI-Lite, the DMA write and read channels). Optional ports are
 * detected at build time (tsim_ports.h, generated from toffee_top.sv):
 * the now_ns input (driven with cycles x 4 ns), engine_idle (activity),
 * the interrupt stream m_axis_irq_{tvalid,tready,ctx} (always ready; each
 * beat signals that context's eventfd), and the temporary sinks of the
 * pre-engine top (segment / frame / doorbell / status streams), which the
 * harness keeps flowing so that the receive pipeline does not stall.
 * Every other input is left undriven (zero): e.g. poll_step = 0, the
 * engine polls freely.
 */
#ifndef TOFFEE_TSIM_MODEL_H
#define TOFFEE_TSIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSIM_BEAT 8u            /* bytes per beat (DATA_WIDTH 64) */
#define TSIM_NS_PER_CYCLE 4u    /* 250 MHz */

struct tsim_io {
	/* ---- inputs: harness -> model ---- */
	uint8_t  rst;
	uint64_t now_ns;                 /* used only if the top has a now_ns port */
	/* MAC RX stream (frames from the wire) */
	uint64_t rx_data;
	uint8_t  rx_keep, rx_valid, rx_last;
	/* MAC TX stream */
	uint8_t  tx_ready;
	/* AXI-Lite master (BAR0) */
	uint32_t awaddr, wdata, araddr;
	uint8_t  awvalid, wvalid, wstrb, bready, arvalid, rready;
	/* DMA write channel */
	uint8_t  dwr_ready;
	/* DMA read channel */
	uint8_t  drd_req_ready;
	uint8_t  drd_resp_valid, drd_resp_last;
	uint16_t drd_resp_tag;
	uint64_t drd_resp_data;

	/* ---- outputs: model -> harness (sampled before the edge) ---- */
	uint8_t  rx_ready;
	uint64_t tx_data;
	uint8_t  tx_keep, tx_valid, tx_last;
	uint8_t  awready, wready, bvalid, arready, rvalid;
	uint32_t rdata;
	uint8_t  dwr_valid, dwr_last, dwr_strb;
	uint64_t dwr_addr, dwr_data;
	uint8_t  drd_req_valid;
	uint64_t drd_req_addr;
	uint16_t drd_req_len, drd_req_tag;
	uint8_t  drd_resp_ready;
	/* optional ports (0 when the top lacks them) */
	uint8_t  irq_fire;               /* interrupt request taken at this edge */
	uint32_t irq_ctx;
	uint8_t  seg_fire, seg_hit;      /* pre-engine segment stream: record taken */
	uint8_t  aux_fire;               /* pre-engine frame/doorbell/status beat taken */
	uint8_t  engine_busy;            /* !engine_idle (0 when the top has no such port) */
};

struct tsim_model;

/** Create the model (and open @p fst_path if not NULL: waveforms are
 *  dumped for cycles in [@p trace_start, @p trace_stop)). NULL on error. */
struct tsim_model *tsim_model_new(const char *fst_path, uint64_t trace_start,
				  uint64_t trace_stop);
/** Open a trace window of @p cycles from now (the FST file given to
 *  tsim_model_new() is rewritten; an open window is extended). -1 without
 *  a trace file. */
int tsim_model_trace_window(struct tsim_model *m, uint64_t cycles);
/** One clock cycle (see above). */
void tsim_model_cycle(struct tsim_model *m, struct tsim_io *io);
/** Cycles run so far. */
uint64_t tsim_model_cycles(const struct tsim_model *m);
/** Close the trace, free the model. NULL is ignored. */
void tsim_model_free(struct tsim_model *m);
/** The optional ports this build drives, e.g. "seg frame db status" (for logs). */
const char *tsim_model_ports(void);

#ifdef __cplusplus
}
#endif

#endif /* TOFFEE_TSIM_MODEL_H */
