// SPDX-License-Identifier: MIT
// tb_diff: the differential test of toffee_top against the firmware
// (tb_diff.cpp). What its parts share: tb_diff.cpp (the harness: both
// sides' events, steps, the comparison; main), tb_diff_flows.cpp (generated
// flows and their frames), tb_diff_work.cpp (the generated workloads),
// tb_diff_trace.cpp (the Linux traces), tb_diff_race.cpp (doorbells and ARM
// written while the engine works).
#pragma once
#include <map>
#include <memory>
#include "Vtoffee_top.h"
#include "Vtoffee_top___024root.h"
#include "Vtoffee_top_toffee_top.h"
#include "rtl_nic.h"
#include "tb_frames.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

#ifndef DW
#define DW 64
#endif
#ifndef NSEG_DEFAULT
#define NSEG_DEFAULT 1500
#endif
static const unsigned BB = DW / 8;              // bytes per beat
static const uint8_t MAC[6] = {2, 0, 0, 0, 0, 1};
static const unsigned N_CTX = 4;
static_assert(DW == 64 || DW == 512, "DW");

// What one side did in a step.
struct side_events {
	std::vector<tb_frame> tx;
	std::vector<uint64_t> entries;   // phase-byte addresses of ring entries
	std::vector<uint64_t> wsums;     // per entry: wsum when it was committed
	// the writes, for a report: address, bytes (0: a ring entry committed)
	std::vector<std::pair<uint64_t, uint32_t>> wlog;
	std::vector<uint32_t> notifies;
};

// A generated flow, as the peer and the application see it.
struct gflow {
	uint32_t id, ctx;
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint8_t rmac[6];
	bool ts;
	uint32_t peer_seq;      // next new byte of the peer
	uint32_t peer_ack;      // what the peer acknowledges (our snd_una side)
	uint32_t tsval;
	bool installed, fin, tx_fin;
	uint32_t tx_end;        // our bytes appended (host view)
	uint32_t snd_seen;      // highest sequence end the NIC sent
	struct toffee_flow img;
};

// tb_diff.cpp: the harness.
extern struct fphost *fh;
extern std::unique_ptr<rtl_nic> nic;
extern side_events rtl_ev;
extern std::vector<uint8_t> rmem;             // RTL host memory
unsigned state_of();                          // the engine's state_reg
extern uint64_t rtl_commit_cyc;
extern uint64_t step_no;
extern const char *step_name;
extern uint64_t read_state_iova;
extern std::map<uint32_t, uint32_t> pending_rx, consumed_ahead;
uint32_t spq(uint32_t q, uint32_t f);
uint32_t ctxr(uint32_t c, uint32_t f);
uint32_t dbr(uint32_t c, uint32_t f);
void sync_host();
void compare();
void run_idle(const char *what);
void step_rx(const tb_frame &f, const char *what);
void step_rx_burst(const std::vector<tb_frame> &fs, const char *what);
void poll_idle(const char *what);
void host_drain();

// tb_diff_flows.cpp
extern std::vector<gflow> flows;
extern std::map<uint16_t, size_t> by_port;
gflow make_flow(uint32_t id, tb_rng &r);
void track_frame(const tb_frame &f);
tb_frame build(const gflow &g, uint32_t seq, uint8_t flags, const uint8_t *pay, uint32_t plen,
	       uint16_t win = 0xffff, uint8_t tos = 0);
// (rx_log2: the receive buffer's size, 0 = 4 or 8 KiB at random)
void install(gflow &g, tb_rng &r, const char *what, uint32_t rx_log2 = 0);
void sp_cmd(uint8_t op, uint32_t id, uint32_t arg0, const char *what);

// tb_diff_work.cpp
void phase_transmit();
void phase_generated(tb_rng &r, unsigned nseg, std::map<std::string, uint64_t> &kinds);
void phase_bursts(tb_rng &r, unsigned nseg, std::map<std::string, uint64_t> &kinds);

// tb_diff_trace.cpp
void track_trace_frame(const tb_frame &f);
void consume_rx(tb_rng &r);
void replay_trace(const char *name, tb_rng &r, size_t max_frames);

// tb_diff_race.cpp
void arm_race(tb_rng &r, gflow &g, unsigned rounds);
unsigned doorbell_race(tb_rng &r, unsigned rounds);
void rx_flood(gflow &g, unsigned n);
