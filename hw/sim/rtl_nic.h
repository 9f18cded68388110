// SPDX-License-Identifier: MIT
// rtl_nic: the Verilator model of toffee_top as a NIC a C++ program can drive.
//
// It owns the model and serves everything around it, one clock cycle per
// tick():
//   - host memory: a flat byte array owned by the caller (IOVA = offset, as
//     tests/lib/fphost), served to the DMA write and read channels (reads
//     answered in request order, one beat per cycle, as docs/rtl.md asks);
//     a write outside [4096, *mem_limit) aborts;
//   - the MAC: frames queued with rx_frame() go in back to back, one beat per
//     cycle; transmitted frames are collected (tx_frames) or handed to a hook;
//   - registers: blocking AXI-Lite reads and writes (the model keeps ticking);
//     mirror_to_nic()/mirror_from_nic() keep a host register image (the
//     plain-memory register file fphost's ring helpers use) and the RTL's
//     register file consistent, as the differential test does;
//   - polls: poll_step = 1 runs one fp_poll()-equivalent per poll() call,
//     poll_step = 0 lets the engine poll freely (hardware behaviour);
//   - notifications (m_axis_irq) are collected.
// Observation hooks (cycle-stamped) let a benchmark time individual beats.
// Used by bench/rtl (make bench-rtl), toffee-replay --impl rtl and the
// differential test (tb_diff).
#ifndef TOFFEE_RTL_NIC_H
#define TOFFEE_RTL_NIC_H

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

class Vtoffee_top;

class rtl_nic {
public:
	typedef std::vector<uint8_t> frame;

	// @p mem / @p mem_limit: host memory and the pointer to its used size
	// (DMA beyond it is a model bug). @p poll_step: see above.
	rtl_nic(uint8_t *mem, const size_t *mem_limit, bool poll_step);
	~rtl_nic();
	static unsigned data_width();
	static unsigned flow_cap();

	// Reset, then run the table sweeps (flow_lookup, tx_sched: FLOW_CAP cycles).
	void reset();
	void tick();
	uint64_t cycle() const { return cyc_; }

	// Host time (ns) presented on now_ns from the next tick on.
	uint64_t now_ns = 0;

	uint32_t reg_rd(uint32_t addr);
	void reg_wr(uint32_t addr, uint32_t val);
	// Read a NIC-written register; its value becomes the one mirror_to_nic()
	// compares the host's image with (the words both sides write, ARM).
	uint32_t reg_rd_nic_owned(uint32_t addr);
	// The registers the host writes (in the order to forward them) and the
	// ones the NIC writes, for contexts 0 .. n_ctx - 1.
	static void reg_lists(unsigned n_ctx, std::vector<uint32_t> &host, std::vector<uint32_t> &nic);

	// Host register image: write the host-owned registers that changed since
	// the last call to the RTL; copy the NIC-owned ones back.
	void mirror_to_nic(const volatile uint32_t *regs, unsigned n_ctx);
	void mirror_from_nic(volatile uint32_t *regs, unsigned n_ctx);
	uint64_t counter(unsigned i);

	void rx_frame(const uint8_t *data, uint32_t len);
	// Quiet cycles that cover a @p len-byte frame's way to the engine.
	static unsigned rx_quiet(uint32_t len) { return (len + data_width() / 8 - 1) / (data_width() / 8) + 64; }
	size_t rx_pending() const { return rx_frames_.size() + (rx_beats_.empty() ? 0 : 1); }

	// One poll token (poll_step = 1) with transmit budget @p budget, then run
	// until idle for @p quiet cycles. Returns the activity seen (DMA requests
	// and write beats, frames, notifications): 0 means the poll found nothing
	// to do. (The engine hands the token back when its DMA writes and frames
	// are issued; a short @p quiet covers what is still in flight.)
	uint64_t poll(unsigned budget, unsigned quiet = 300);
	// Run until the engine, the MAC input, the DMA channels and the MAC
	// output have been quiet for @p quiet cycles. False on timeout. After a
	// received frame the engine stays idle while the frame crosses mac_rx,
	// the parser and the lookup: @p quiet must cover that (its beats + ~30;
	// rx_quiet()).
	bool run_idle(unsigned quiet = 300, uint64_t max_cycles = 20000000);
	// After rx_frame() on an idle model: run until the engine has taken the
	// frame and finished it, then until quiet for @p quiet cycles (or, if the
	// frame never reaches the engine -- mac_rx dropped it -- rx_quiet(len)).
	bool run_rx(uint32_t len, unsigned quiet = 40);
	bool idle() const;

	// Output.
	std::vector<frame> tx_frames;             // when no tx hook is set
	std::vector<uint32_t> irqs;
	std::function<void(const uint8_t *, uint32_t)> on_tx;     // whole frames
	// Per-beat observation (cycle of the handshake).
	std::function<void(uint64_t cyc, uint64_t addr, uint64_t strb, bool last)> on_dma_wr;
	std::function<void(uint64_t cyc, bool first, bool last)> on_mac_tx_beat;
	std::function<void(uint64_t cyc, bool last)> on_mac_rx_beat;
	std::function<void(uint64_t cyc, uint32_t addr)> on_axil_wr;   // write handshake
	std::function<void()> on_tick;            // after each clock edge

	// Activity counters (monotonic).
	uint64_t n_dma_wr_beats = 0, n_dma_rd_reqs = 0, n_tx = 0, n_irq = 0, n_rx_frames = 0;
	uint64_t busy_cycles = 0;
	// Back-pressure: the share of cycles (0-100) in which the MAC transmit
	// channel, and the DMA write and read-request channels, are not ready
	// (pseudo-random, repeatable), as a busy MAC or PCIe shell would be.
	unsigned mac_stall_pct = 0, dma_stall_pct = 0;
	uint64_t mac_pause_until = 0;             // MAC transmit not ready before this cycle (a pause)
	Vtoffee_top *model() { return top_.get(); }

private:
	struct rx_beat { uint8_t d[64]; unsigned n; bool last; };
	struct rd_req { uint64_t addr; uint32_t len; uint32_t tag; };
	std::unique_ptr<Vtoffee_top> top_;
	uint8_t *mem_;
	const size_t *mem_limit_;
	uint64_t cyc_ = 0;
	std::deque<frame> rx_frames_;
	std::deque<rx_beat> rx_beats_;
	std::deque<rd_req> rdq_;
	uint32_t rd_beat_ = 0;
	uint32_t stall_rng_ = 0x9e3779b9;
	bool stall(unsigned pct);
	frame tx_cur_;
	std::map<uint32_t, uint32_t> shadow_;     // register values the RTL holds
};

#endif
