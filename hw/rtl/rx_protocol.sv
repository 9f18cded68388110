// SPDX-License-Identifier: MIT
// rx_protocol: the receive protocol step of firmware/fp_rx.c (rx_segment(),
// the header-predicted path of fp_rx(), ooo_accept(), deposit()) and of
// firmware/fp_ack.c (fp_ack_process(), fp_ack_same()) for a segment that
// rx_classify passed (P1..P9 done): a pure function of (flow state,
// segment) -> (new flow state, actions), pipelined, one input per cycle.
//
// Punt to the slow path when ... (enum toffee_exc_reason; the same numbered
// list heads firmware/fp_rx.c, and each check below is tagged [Pn]):
//   P1  the frame is not IPv4 (ARP, IPv6, VLAN-tagged, ...)
//   P2  the IPv4 header has options, or the packet is a fragment
//   P3  the IPv4 protocol is not TCP
//   P4  no flow is installed for the 4-tuple
//   P5  the flow is marked TOFFEE_FLOWF_SLOWPATH
//   P6  SYN is set
//   P7  RST is set
//   P8  ACK is not set
//   P9  a TCP option other than NOP, EOL, timestamps or SACK, or a malformed
//       option list
//   P10 the ACK field acknowledges data never sent (beyond snd_max)
//   P11 the segment starts beyond the receive window (RFC 9293 §3.10.7.4)
//   P12 payload arrives while our receive window is zero (window probe)
//   P13 a FIN was accepted in order (after its payload was delivered and
//       ACKed here; the slow path runs the close state machine)
// P1..P9 are rx_classify's; this module decides P10..P13, in the order of
// rx_segment(): [P10], then acceptability (OLD_DATA drop, [P12], [P11]),
// trimming, the CTX_FULL drop, and [P13] last.
//
// What it computes, in the firmware's terms (seq/plen/fin after trimming):
//   - P10: ack beyond snd_max -> punt, nothing else.
//   - Acceptability (RFC 9293 as the firmware): a segment entirely below
//     rcv_nxt (seq < rcv_nxt, seq + plen + fin <= rcv_nxt) is dropped as
//     OLD_DATA and answered with a duplicate ACK (ECE clear); payload into a
//     zero window is P12; a segment starting beyond the window (a pure ACK
//     may sit on its right edge) is P11; otherwise the front below rcv_nxt
//     and the tail beyond rcv_nxt + rx_avail are cut (a cut tail drops FIN).
//   - CTX_FULL: a segment that would post a context event (new ACK, or in
//     order with payload or FIN) while !ev_ok is dropped, no ACK.
//   - Timestamps: ts_recent = tsval when TS is present, seq <= rcv_nxt and
//     tsval >= ts_recent (mod 2^32).
//   - ACK processing: a new ACK advances snd_una (and snd_nxt after
//     go-back-N), frees min(ack, tx_end) - snd_una bytes, takes the window
//     (wnd << snd_wscale), clears dupacks, adds to fb_acked (fb_ecn_acked
//     with ECE), samples the RTT (fb_rtt_us = (now[31:0] - rtt_start) / 1000
//     when FP_NF_RTT and ack >= rtt_seq, clearing FP_NF_RTT), counts
//     RX_ACKS, kicks. An ACK of snd_una of a pure segment with the same
//     window while data is outstanding is a duplicate (RX_DUPACKS; dupacks
//     saturates at 255; the third goes back N: snd_nxt = snd_una, FP_NF_RTT
//     cleared, fb_fast_rexmits + 1, FAST_REXMITS, kick); otherwise a changed
//     window is taken (kick).
//   - Pure ACK: an event (0, freed, 0) if freed != 0; no ACK sent.
//   - Out of order: payload accepted into the one interval when it is empty
//     or the segment touches it (RX_DATA_SEGS, deposit), else dropped (OOO);
//     an event (0, freed, 0) if freed != 0; a duplicate ACK.
//   - In order: deposit, rcv_nxt += plen, rx_avail -= plen, and if rcv_nxt
//     reaches the interval it is merged (rcv_nxt = its end, rx_avail less
//     the merged bytes, a FIN is then ignored) and emptied; RX_DATA_SEGS and
//     RX_BYTES; a FIN takes one sequence number and sets FLOWF_FIN_RCVD;
//     an event (delivered, freed, FIN ? EVF_FIN : 0); an ACK; P13 on FIN.
//   - ack_ece = FLOWF_ECN && ce for the ACKs of accepted segments.
//
// Order in which the engine must carry out the actions (the firmware's):
//   1. P10 / P11 / P12: the exception only (frame copy, then EXC entry);
//      the state is unchanged, nothing else happens.
//   2. OLD_DATA: the drop count, then the duplicate ACK (from the state,
//      which is unchanged).
//   3. CTX_FULL: the drop count only; state unchanged, no ACK.
//   4. Otherwise the new state is written back, and then:
//      pure ACK:     the event (if ev_valid);
//      out of order: the payload deposit (if dep_valid; else the OOO drop
//                    count), the event (if ev_valid), the ACK;
//      in order:     the payload deposit (if dep_valid), the event, the
//                    ACK, then the P13 exception (if punt).
//      The payload DMA writes must be visible before the event entry, the
//      event before the ACK is sent, the ACK before the P13 exception.
//      `kick` (the scheduler's kick(id)) comes from the ACK processing,
//      before the deposit in the firmware; it only has to reach tx_sched
//      before the scheduler's next turn.
// Counters (cnt_inc, rx_bytes_add) may be applied at any time. cnt_inc has
// the exception bit (CNT_EXC_BASE + reason) of a punt as fp_exc_post()
// counts it; DROP_EXC_FULL (exception ring full) is the engine's, as are
// RX_FRAMES and TX_ACKS / DROP_TX_BUSY of the ACK it sends.
//
// The scheduler's private bits (sched_next, FP_NF_QUEUED of nic_flags) are
// passed through unchanged; `kick` says fp_sched_kick() was called (it
// enqueues the flow only if it is not queued and has something to send).
// Shift counts (snd_wscale, rx_buf_log2) use their low five bits, as the
// firmware's 32-bit shifts do on x86-64 and aarch64 (>= 32 is undefined in
// C; the slow path never installs such values).
//
// Pipeline (one input per cycle, no back-pressure, LATENCY = 9):
//   I  input register
//   A  compares / differences of the raw fields (P10, seq vs rcv_nxt, ack
//      vs snd_una / tx_end / rtt_seq, window end, peer window shift, ...)
//   B  OLD_DATA, P12, P11, front cut, freed bytes, feedback sums, RTT
//      partial products (x * ceil(2^38 / 1000), two 16 x 29 multiplies)
//   C  trimmed seq / plen, room to the window end, RTT product sum
//   D  tail cut, in order?, interval compares, buffer offset
//   E  pure?, CTX_FULL, segment end, ACK-processing decisions, deposit
//      address
//   F  interval accept / merge compares, buffer wrap
//   G  interval length, merged rcv_nxt / rx_avail, piece lengths, verdict
//   H  output register (rcv_nxt + FIN, new state, actions)
// Every stage does at most one 32-bit add/compare on a path plus muxing
// (two for the small increments), so no path is deep; the raw segment and
// state travel alongside in a plain delay line (shift-register LUTs).
`default_nettype none

module rx_protocol #(
    // Cycles from in_valid to out_valid. Fixed by the pipeline (9); the
    // parameter exists so that the engine can read it.
    parameter LATENCY = 9
) (
    input  wire          clk,
    input  wire          rst,

    input  wire          in_valid,
    input  wire [31:0]   in_flow_id,
    input  wire [1023:0] in_state,       // struct toffee_flow, byte i at [8i +: 8]
    input  wire [7:0]    in_flags,       // TCP flags (FIN = bit 0 ... CWR = bit 7)
    input  wire [31:0]   in_seq,
    input  wire [31:0]   in_ack,
    input  wire [15:0]   in_wnd,
    input  wire          in_ts_ok,       // a timestamp option is present
    input  wire [31:0]   in_tsval,
    input  wire          in_ce,          // IPv4 ECN field == 3
    input  wire [15:0]   in_pay_off,     // frame byte of the first payload byte
    input  wire [15:0]   in_pay_len,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [15:0]   in_frame_len,   // 14 + IPv4 total length (the engine's, for exceptions)
    // verilator lint_on UNUSEDSIGNAL
    input  wire          in_ev_ok,       // the flow's context has a free event slot
    // verilator lint_off UNUSEDSIGNAL
    input  wire [63:0]   now_ns,         // only the low 32 bits matter (rtt_start)
    // verilator lint_on UNUSEDSIGNAL

    output wire          out_valid,
    output wire [31:0]   out_flow_id,
    output wire [1023:0] out_state,      // new state (unchanged on punt / drop)
    output wire          drop,
    output wire [7:0]    drop_reason,    // DROP_OLD_DATA / DROP_OOO / DROP_CTX_FULL
    output wire          punt,
    output wire [7:0]    punt_reason,    // EXC_ACK_UNSENT .. EXC_FIN
    output wire          dep_valid,
    output wire [15:0]   dep_off,        // frame byte where the deposited bytes start
    output wire [63:0]   dep_iova0,
    output wire [15:0]   dep_len0,
    output wire [63:0]   dep_iova1,      // the buffer start (second piece after the wrap)
    output wire [15:0]   dep_len1,       // 0 if the deposit does not wrap
    output wire          ev_valid,
    output wire [31:0]   ev_rx_bytes,
    output wire [31:0]   ev_tx_freed,
    output wire [7:0]    ev_flags,
    output wire          ack_valid,      // send an ACK built from out_state
    output wire          ack_ece,
    output wire          kick,           // fp_sched_kick(id)
    output wire [63:0]   cnt_inc,        // one bit per TOFFEE_CNT_*
    output wire [31:0]   rx_bytes_add    // TOFFEE_CNT_RX_BYTES increment
);

localparam integer STAGES = 9;

if (LATENCY != STAGES) begin : g_err_latency
    $error("rx_protocol: LATENCY is fixed at 9 by the pipeline");
end
if (32'(toffee_abi_pkg::FLOW_BYTES) * 8 != 1024) begin : g_err_abi
    $error("rx_protocol: struct toffee_flow is no longer 128 bytes");
end

// ---------------------------------------------------------------------------
// Field positions: flow state (bits of in_state) and the input record.
// ---------------------------------------------------------------------------
localparam integer O_FLAGS    = 8 * toffee_abi_pkg::FLOW_FLAGS_OFF;
localparam integer O_WSCALE   = 8 * toffee_abi_pkg::FLOW_SND_WSCALE_OFF;
localparam integer O_RXLOG2   = 8 * toffee_abi_pkg::FLOW_RX_BUF_LOG2_OFF;
localparam integer O_DUPACKS  = 8 * toffee_abi_pkg::FLOW_DUPACKS_OFF;
localparam integer O_NICFL    = 8 * toffee_abi_pkg::FLOW_NIC_FLAGS_OFF;
localparam integer O_FASTRX   = 8 * toffee_abi_pkg::FLOW_FB_FAST_REXMITS_OFF;
localparam integer O_RXIOVA   = 8 * toffee_abi_pkg::FLOW_RX_BUF_IOVA_OFF;
localparam integer O_RCVNXT   = 8 * toffee_abi_pkg::FLOW_RCV_NXT_OFF;
localparam integer O_RXAVAIL  = 8 * toffee_abi_pkg::FLOW_RX_AVAIL_OFF;
localparam integer O_OOOSTART = 8 * toffee_abi_pkg::FLOW_OOO_START_OFF;
localparam integer O_OOOLEN   = 8 * toffee_abi_pkg::FLOW_OOO_LEN_OFF;
localparam integer O_TSRECENT = 8 * toffee_abi_pkg::FLOW_TS_RECENT_OFF;
localparam integer O_SNDUNA   = 8 * toffee_abi_pkg::FLOW_SND_UNA_OFF;
localparam integer O_SNDNXT   = 8 * toffee_abi_pkg::FLOW_SND_NXT_OFF;
localparam integer O_SNDMAX   = 8 * toffee_abi_pkg::FLOW_SND_MAX_OFF;
localparam integer O_TXEND    = 8 * toffee_abi_pkg::FLOW_TX_END_OFF;
localparam integer O_SNDWND   = 8 * toffee_abi_pkg::FLOW_SND_WND_OFF;
localparam integer O_RTTSEQ   = 8 * toffee_abi_pkg::FLOW_RTT_SEQ_OFF;
localparam integer O_RTTSTART = 8 * toffee_abi_pkg::FLOW_RTT_START_OFF;
localparam integer O_FBACKED  = 8 * toffee_abi_pkg::FLOW_FB_ACKED_OFF;
localparam integer O_FBECN    = 8 * toffee_abi_pkg::FLOW_FB_ECN_ACKED_OFF;
localparam integer O_FBRTT    = 8 * toffee_abi_pkg::FLOW_FB_RTT_US_OFF;

// The input record: state, then the segment.
localparam integer R_FLOW  = 1024;
localparam integer R_FL    = R_FLOW + 32;
localparam integer R_SEQ   = R_FL + 8;
localparam integer R_ACK   = R_SEQ + 32;
localparam integer R_WND   = R_ACK + 32;
localparam integer R_TSOK  = R_WND + 16;
localparam integer R_TSVAL = R_TSOK + 1;
localparam integer R_CE    = R_TSVAL + 32;
localparam integer R_POFF  = R_CE + 1;
localparam integer R_PLEN  = R_POFF + 16;
localparam integer R_EVOK  = R_PLEN + 16;
localparam integer R_NOW   = R_EVOK + 1;
localparam integer REC_W   = R_NOW + 32;

// TCP header flags.
localparam integer TH_FIN = 0, TH_ECE = 6;
// nic_flags bits (firmware/fp_internal.h): FP_NF_RTT.
localparam integer NF_RTT = 2;
// ceil(2^38 / 1000): (x * RTT_M) >> 38 == x / 1000 for every 32-bit x.
localparam [28:0] RTT_M = 29'd274877907;

// Sequence-number comparisons (RFC 9293 modular arithmetic), exactly the
// firmware's seq_lt/seq_leq/seq_gt/seq_geq.
// verilator lint_off UNUSEDSIGNAL
function automatic logic seq_lt(input logic [31:0] a, input logic [31:0] b);
    logic [31:0] x;
    x = a - b;
    seq_lt = x[31];
endfunction
function automatic logic seq_leq(input logic [31:0] a, input logic [31:0] b);
    logic [31:0] x;
    x = a - b;
    seq_leq = x[31] || a == b;
endfunction
function automatic logic seq_gt(input logic [31:0] a, input logic [31:0] b);
    logic [31:0] x;
    x = a - b;
    seq_gt = !x[31] && a != b;
endfunction
function automatic logic seq_geq(input logic [31:0] a, input logic [31:0] b);
    logic [31:0] x;
    x = a - b;
    seq_geq = !x[31];
endfunction
// verilator lint_on UNUSEDSIGNAL

// ---------------------------------------------------------------------------
// The delay line: the input record of every stage (no reset, no enable, so
// the bits no stage taps map to shift-register LUTs), and the valid bits.
// ---------------------------------------------------------------------------
// verilator lint_off UNUSEDSIGNAL
logic [REC_W-1:0] ri, ra, rb, rc, rd, re, rf, rg;
// verilator lint_on UNUSEDSIGNAL
logic [STAGES-2:0] vld;

always_ff @(posedge clk) begin
    ri <= {now_ns[31:0], in_ev_ok, in_pay_len, in_pay_off, in_ce, in_tsval, in_ts_ok, in_wnd,
           in_ack, in_seq, in_flags, in_flow_id, in_state};
    ra <= ri;
    rb <= ra;
    rc <= rb;
    rd <= rc;
    re <= rd;
    rf <= re;
    rg <= rf;
    vld <= {vld[STAGES-3:0], in_valid};
    if (rst)
        vld <= '0;
end

// ---------------------------------------------------------------------------
// Stage A (from ri)
// ---------------------------------------------------------------------------
wire [31:0] i_seq = ri[R_SEQ +: 32];
wire [31:0] i_ack = ri[R_ACK +: 32];
wire [15:0] i_plen = ri[R_PLEN +: 16];
wire        i_fin = ri[R_FL + TH_FIN];
wire [31:0] i_rcv_nxt = ri[O_RCVNXT +: 32];
wire [31:0] i_rx_avail = ri[O_RXAVAIL +: 32];
wire [31:0] i_snd_una = ri[O_SNDUNA +: 32];
wire [31:0] i_snd_max = ri[O_SNDMAX +: 32];
wire [31:0] i_tx_end = ri[O_TXEND +: 32];

logic        a_p10, a_lt_rn, a_gt_rn, a_pz, a_az, a_pa, a_new_ack, a_ack_gt_te, a_te_gt_una;
logic        a_nxt_lt_ack, a_ts_ge, a_rtt_ge, a_ack_eq_una, a_una_ne_max, a_olen_nz;
logic [31:0] a_d, a_wnd_end, a_wnd_end1, a_spf, a_acked, a_te_m_una, a_peer_wnd, a_rtt_diff;
logic [31:0] a_oend, a_size;
logic [7:0]  a_dup_inc;

always_ff @(posedge clk) begin
    a_p10 <= seq_gt(i_ack, i_snd_max);                                     // [P10]
    a_lt_rn <= seq_lt(i_seq, i_rcv_nxt);
    a_gt_rn <= seq_gt(i_seq, i_rcv_nxt);
    a_d <= i_rcv_nxt - i_seq;
    a_wnd_end <= i_rcv_nxt + i_rx_avail;
    a_wnd_end1 <= i_rcv_nxt + i_rx_avail + 32'd1;
    a_spf <= i_seq + {16'd0, i_plen} + {31'd0, i_fin};
    a_pz <= i_plen == 16'd0;
    a_az <= i_rx_avail == 32'd0;
    a_pa <= i_plen == 16'd0 && !i_fin;
    a_new_ack <= seq_gt(i_ack, i_snd_una);
    a_acked <= i_ack - i_snd_una;
    a_ack_gt_te <= seq_gt(i_ack, i_tx_end);
    a_te_gt_una <= seq_gt(i_tx_end, i_snd_una);
    a_te_m_una <= i_tx_end - i_snd_una;
    a_nxt_lt_ack <= seq_lt(ri[O_SNDNXT +: 32], i_ack);
    a_peer_wnd <= {16'd0, ri[R_WND +: 16]} << ri[O_WSCALE +: 5];
    a_ts_ge <= !seq_lt(ri[R_TSVAL +: 32], ri[O_TSRECENT +: 32]);
    a_rtt_ge <= seq_geq(i_ack, ri[O_RTTSEQ +: 32]);
    a_rtt_diff <= ri[R_NOW +: 32] - ri[O_RTTSTART +: 32];
    a_ack_eq_una <= i_ack == i_snd_una;
    a_una_ne_max <= i_snd_una != i_snd_max;
    a_oend <= ri[O_OOOSTART +: 32] + ri[O_OOOLEN +: 32];
    a_olen_nz <= ri[O_OOOLEN +: 32] != 32'd0;
    a_dup_inc <= ri[O_DUPACKS +: 8] + 8'd1;
    a_size <= 32'd1 << ri[O_RXLOG2 +: 5];
end

// ---------------------------------------------------------------------------
// Stage B (from ra, a_*)
// ---------------------------------------------------------------------------
wire [31:0] a_seq = ra[R_SEQ +: 32];
wire [15:0] a_plen = ra[R_PLEN +: 16];
wire [31:0] a_rcv_nxt = ra[O_RCVNXT +: 32];

logic        b_p10, b_old, b_p12, b_p11, b_new_ack, b_nxt_lt_ack, b_ts_ge, b_rtt_ge;
logic        b_ack_eq_una, b_una_ne_max, b_wnd_eq, b_olen_nz;
logic [15:0] b_cut;
logic [31:0] b_wr0, b_fb_acked, b_fb_ecn, b_freed, b_peer_wnd, b_oend, b_oend_m_rn, b_size;
logic [44:0] b_p_lo, b_p_hi;
logic [7:0]  b_dup_inc;

always_ff @(posedge clk) begin
    b_p10 <= a_p10;
    // Entirely old: a duplicate (OLD_DATA, duplicate ACK).
    b_old <= a_lt_rn && seq_leq(a_spf, a_rcv_nxt);
    b_p12 <= !a_pz && a_az;                                                // [P12]
    // A pure ACK may sit on the right edge; anything else must start inside.
    b_p11 <= a_gt_rn && seq_geq(a_seq, a_pa ? a_wnd_end1 : a_wnd_end);    // [P11]
    // The front below rcv_nxt: cut = min(rcv_nxt - seq, plen).
    b_cut <= !a_lt_rn ? 16'd0 : (a_d > {16'd0, a_plen}) ? a_plen : a_d[15:0];
    b_wr0 <= a_wnd_end - a_seq;
    b_new_ack <= a_new_ack;
    b_fb_acked <= ra[O_FBACKED +: 32] + a_acked;
    b_fb_ecn <= ra[O_FBECN +: 32] + a_acked;
    // Bytes freed exclude our FIN, which occupies tx_end.
    b_freed <= !a_new_ack ? 32'd0 : !a_ack_gt_te ? a_acked
                                  : a_te_gt_una ? a_te_m_una : 32'd0;
    b_nxt_lt_ack <= a_nxt_lt_ack;
    b_peer_wnd <= a_peer_wnd;
    b_wnd_eq <= a_peer_wnd == ra[O_SNDWND +: 32];
    b_ts_ge <= a_ts_ge;
    b_rtt_ge <= a_rtt_ge;
    b_p_lo <= 45'(a_rtt_diff[15:0]) * 45'(RTT_M);
    b_p_hi <= 45'(a_rtt_diff[31:16]) * 45'(RTT_M);
    b_ack_eq_una <= a_ack_eq_una;
    b_una_ne_max <= a_una_ne_max;
    b_oend <= a_oend;
    b_oend_m_rn <= a_oend - a_rcv_nxt;
    b_olen_nz <= a_olen_nz;
    b_dup_inc <= a_dup_inc;
    b_size <= a_size;
end

// ---------------------------------------------------------------------------
// Stage C (from rb, b_*)
// ---------------------------------------------------------------------------
logic        c_p10, c_old, c_p12, c_p11, c_new_ack, c_nxt_lt_ack, c_ts_ge, c_rtt_ge;
logic        c_ack_eq_una, c_una_ne_max, c_wnd_eq, c_olen_nz, c_freed_nz;
logic [15:0] c_cut, c_plen1;
logic [31:0] c_seq1, c_room, c_fb_acked, c_fb_ecn, c_freed, c_peer_wnd, c_oend, c_oend_m_rn;
logic [31:0] c_size, c_mask;
logic [22:0] c_rtt_q;
logic [7:0]  c_dup_inc;

always_ff @(posedge clk) begin
    c_p10 <= b_p10;
    c_old <= b_old;
    c_p12 <= b_p12;
    c_p11 <= b_p11;
    c_cut <= b_cut;
    c_seq1 <= rb[R_SEQ +: 32] + {16'd0, b_cut};
    c_plen1 <= rb[R_PLEN +: 16] - b_cut;
    c_room <= b_wr0 - {16'd0, b_cut};                  // wnd_end - seq (trimmed)
    c_new_ack <= b_new_ack;
    c_fb_acked <= b_fb_acked;
    c_fb_ecn <= b_fb_ecn;
    c_freed <= b_freed;
    c_freed_nz <= b_freed != 32'd0;
    c_nxt_lt_ack <= b_nxt_lt_ack;
    c_peer_wnd <= b_peer_wnd;
    c_wnd_eq <= b_wnd_eq;
    c_ts_ge <= b_ts_ge;
    c_rtt_ge <= b_rtt_ge;
    c_rtt_q <= 23'(({16'd0, b_p_lo} + {b_p_hi, 16'd0}) >> 38);
    c_ack_eq_una <= b_ack_eq_una;
    c_una_ne_max <= b_una_ne_max;
    c_oend <= b_oend;
    c_oend_m_rn <= b_oend_m_rn;
    c_olen_nz <= b_olen_nz;
    c_dup_inc <= b_dup_inc;
    c_size <= b_size;
    c_mask <= b_size - 32'd1;
end

// ---------------------------------------------------------------------------
// Stage D (from rc, c_*)
// ---------------------------------------------------------------------------
wire c_trim = {16'd0, c_plen1} > c_room;              // the tail beyond the window

logic        d_p10, d_old, d_p12, d_p11, d_fin2, d_in_order, d_leq_rn, d_gt_oend, d_start_gt_seq;
logic        d_new_ack, d_nxt_lt_ack, d_ts_ge, d_rtt_ge, d_ack_eq_una, d_una_ne_max, d_wnd_eq;
logic        d_olen_nz, d_freed_nz;
logic [15:0] d_cut, d_plen2;
logic [31:0] d_seq1, d_off, d_fb_acked, d_fb_ecn, d_freed, d_peer_wnd, d_oend, d_oend_m_rn;
logic [31:0] d_size, d_rtt_us;
logic [7:0]  d_dup_inc;

always_ff @(posedge clk) begin
    d_p10 <= c_p10;
    d_old <= c_old;
    d_p12 <= c_p12;
    d_p11 <= c_p11;
    d_cut <= c_cut;
    d_seq1 <= c_seq1;
    d_plen2 <= c_trim ? c_room[15:0] : c_plen1;
    d_fin2 <= rc[R_FL + TH_FIN] && !c_trim;
    d_in_order <= c_seq1 == rc[O_RCVNXT +: 32];
    d_leq_rn <= seq_leq(c_seq1, rc[O_RCVNXT +: 32]);
    d_gt_oend <= seq_gt(c_seq1, c_oend);
    d_start_gt_seq <= seq_gt(rc[O_OOOSTART +: 32], c_seq1);
    d_off <= c_seq1 & c_mask;
    d_new_ack <= c_new_ack;
    d_fb_acked <= c_fb_acked;
    d_fb_ecn <= c_fb_ecn;
    d_freed <= c_freed;
    d_freed_nz <= c_freed_nz;
    d_nxt_lt_ack <= c_nxt_lt_ack;
    d_peer_wnd <= c_peer_wnd;
    d_wnd_eq <= c_wnd_eq;
    d_ts_ge <= c_ts_ge;
    d_rtt_ge <= c_rtt_ge;
    d_rtt_us <= {9'd0, c_rtt_q};
    d_ack_eq_una <= c_ack_eq_una;
    d_una_ne_max <= c_una_ne_max;
    d_oend <= c_oend;
    d_oend_m_rn <= c_oend_m_rn;
    d_olen_nz <= c_olen_nz;
    d_dup_inc <= c_dup_inc;
    d_size <= c_size;
end

// ---------------------------------------------------------------------------
// Stage E (from rd, d_*): the verdict up to CTX_FULL, the ACK processing's
// decisions, the segment end, the deposit address.
// ---------------------------------------------------------------------------
wire d_pure = d_plen2 == 16'd0 && !d_fin2;
wire d_has = d_plen2 != 16'd0;
// fp_ack_process: an ACK of snd_una that neither counts as a duplicate nor
// changes the window is ignored; fp_ack_same: duplicate or window update.
wire d_same = !d_new_ack && d_ack_eq_una && (!d_wnd_eq || (d_pure && d_una_ne_max));
wire d_dup = d_same && d_pure && d_wnd_eq && d_una_ne_max;

logic        e_p10, e_old, e_p12, e_p11, e_ctx_full, e_pure, e_has, e_fin2, e_in_order;
logic        e_gt_oend, e_start_gt_seq, e_ts_upd, e_new_ack, e_nxt_lt_ack, e_rtt_upd;
logic        e_dup, e_frx, e_winupd, e_olen_nz, e_freed_nz;
logic [15:0] e_cut, e_plen2;
logic [15:0] e_first;
logic [31:0] e_seq1, e_end, e_rx_avail2, e_off_end, e_fb_acked, e_fb_ecn, e_freed;
logic [31:0] e_peer_wnd, e_oend, e_oend_m_rn, e_size, e_rtt_us;
logic [63:0] e_iova0;
logic [7:0]  e_dupacks;

always_ff @(posedge clk) begin
    e_p10 <= d_p10;
    e_old <= d_old;
    e_p12 <= d_p12;
    e_p11 <= d_p11;
    // A segment that posts an event reserves it first: full ring, drop.
    e_ctx_full <= (d_new_ack || (d_in_order && (d_has || d_fin2))) && !rd[R_EVOK];
    e_pure <= d_pure;
    e_has <= d_has;
    e_fin2 <= d_fin2;
    e_in_order <= d_in_order;
    e_cut <= d_cut;
    e_plen2 <= d_plen2;
    e_seq1 <= d_seq1;
    e_gt_oend <= d_gt_oend;
    e_start_gt_seq <= d_start_gt_seq;
    e_end <= d_seq1 + {16'd0, d_plen2};
    e_rx_avail2 <= rd[O_RXAVAIL +: 32] - {16'd0, d_plen2};
    e_off_end <= d_off + {16'd0, d_plen2};
    e_first <= 16'(d_size - d_off);           // used only when < plen
    e_iova0 <= rd[O_RXIOVA +: 64] + {32'd0, d_off};
    // Timestamps (RFC 7323 §4.3): a segment that covers rcv_nxt.
    e_ts_upd <= rd[R_TSOK] && d_leq_rn && d_ts_ge;
    e_new_ack <= d_new_ack;
    e_nxt_lt_ack <= d_nxt_lt_ack;
    e_rtt_upd <= d_new_ack && rd[O_NICFL + NF_RTT] && d_rtt_ge;
    e_dup <= d_dup;
    e_frx <= d_dup && d_dup_inc == 8'd3;               // third duplicate: go back N
    e_winupd <= d_same && !d_dup;                      // then the window differs
    e_dupacks <= d_dup_inc == 8'd0 ? 8'd255 : d_dup_inc;
    e_fb_acked <= d_fb_acked;
    e_fb_ecn <= d_fb_ecn;
    e_freed <= d_freed;
    e_freed_nz <= d_freed_nz;
    e_peer_wnd <= d_peer_wnd;
    e_oend <= d_oend;
    e_oend_m_rn <= d_oend_m_rn;
    e_olen_nz <= d_olen_nz;
    e_size <= d_size;
    e_rtt_us <= d_rtt_us;
end

// ---------------------------------------------------------------------------
// Stage F (from re, e_*): the interval (ooo_accept, and the merge of the
// in-order path), the buffer wrap.
// ---------------------------------------------------------------------------
wire [31:0] e_ooo_start = re[O_OOOSTART +: 32];
wire e_proceed = !e_p10 && !e_old && !e_p12 && !e_p11 && !e_ctx_full;

logic        f_p10, f_old, f_p12, f_p11, f_ctx_full, f_proceed, f_pure, f_has, f_fin2, f_in_order;
logic        f_rej, f_m_cond, f_m_ext, f_wrap, f_ts_upd, f_new_ack, f_nxt_lt_ack, f_rtt_upd;
logic        f_dup, f_frx, f_winupd, f_freed_nz;
logic [15:0] f_cut, f_plen2, f_first, f_lenb;
logic [31:0] f_end, f_new_start, f_new_end, f_ext, f_rx_avail2, f_fb_acked, f_fb_ecn;
logic [31:0] f_freed, f_peer_wnd, f_oend, f_oend_m_rn, f_rtt_us;
logic [63:0] f_iova0;
logic [7:0]  f_dupacks;

always_ff @(posedge clk) begin
    f_p10 <= e_p10;
    f_old <= e_old;
    f_p12 <= e_p12;
    f_p11 <= e_p11;
    f_ctx_full <= e_ctx_full;
    f_proceed <= e_proceed;
    f_pure <= e_pure;
    f_has <= e_has;
    f_fin2 <= e_fin2;
    f_in_order <= e_in_order;
    f_cut <= e_cut;
    f_plen2 <= e_plen2;
    f_end <= e_end;
    // ooo_accept: a segment that does not touch a non-empty interval.
    f_rej <= e_olen_nz && (e_gt_oend || seq_lt(e_end, e_ooo_start));
    f_new_start <= (!e_olen_nz || e_start_gt_seq) ? e_seq1 : e_ooo_start;
    f_new_end <= (e_olen_nz && seq_gt(e_oend, e_end)) ? e_oend : e_end;
    // In order: rcv_nxt + plen reached the interval (merge), beyond it?
    f_m_cond <= e_olen_nz && seq_geq(e_end, e_ooo_start);
    f_m_ext <= seq_gt(e_oend, e_end);
    f_ext <= e_oend - e_end;
    f_rx_avail2 <= e_rx_avail2;
    // deposit(): off + len <= size is one piece.
    f_wrap <= e_off_end > e_size;
    f_first <= e_first;
    f_lenb <= e_plen2 - e_first;
    f_iova0 <= e_iova0;
    f_ts_upd <= e_ts_upd;
    f_new_ack <= e_new_ack;
    f_nxt_lt_ack <= e_nxt_lt_ack;
    f_rtt_upd <= e_rtt_upd;
    f_dup <= e_dup;
    f_frx <= e_frx;
    f_winupd <= e_winupd;
    f_dupacks <= e_dupacks;
    f_fb_acked <= e_fb_acked;
    f_fb_ecn <= e_fb_ecn;
    f_freed <= e_freed;
    f_freed_nz <= e_freed_nz;
    f_peer_wnd <= e_peer_wnd;
    f_oend <= e_oend;
    f_oend_m_rn <= e_oend_m_rn;
    f_rtt_us <= e_rtt_us;
end

// ---------------------------------------------------------------------------
// Stage G (from rf, f_*): interval length, merged rcv_nxt / rx_avail, the
// deposit pieces, the verdict.
// ---------------------------------------------------------------------------
wire f_merged = f_m_cond && f_m_ext;
wire f_ooo_path = f_proceed && !f_pure && !f_in_order;
wire f_ino_path = f_proceed && !f_pure && f_in_order;
wire f_accept = f_ooo_path && f_has && !f_rej;

logic        g_p10, g_old, g_p12, g_p11, g_ctx_full, g_proceed, g_pure, g_has;
logic        g_ooo_path, g_ino_path, g_accept, g_merge, g_fin3, g_dep, g_ts_upd, g_new_ack;
logic        g_nxt_lt_ack, g_rtt_upd, g_dup, g_frx, g_winupd, g_freed_nz;
logic [15:0] g_cut, g_len0, g_len1;
logic [31:0] g_rcv_nxt3, g_rx_avail3, g_delivered, g_ooo_start, g_ooo_len, g_fb_acked;
logic [31:0] g_fb_ecn, g_freed, g_peer_wnd, g_rtt_us;
logic [63:0] g_iova0;
logic [7:0]  g_dupacks;

always_ff @(posedge clk) begin
    g_p10 <= f_p10;
    g_old <= f_old;
    g_p12 <= f_p12;
    g_p11 <= f_p11;
    g_ctx_full <= f_ctx_full;
    g_proceed <= f_proceed;
    g_pure <= f_pure;
    g_has <= f_has;
    g_ooo_path <= f_ooo_path;
    g_ino_path <= f_ino_path;
    g_accept <= f_accept;
    g_merge <= f_ino_path && f_has && f_m_cond;         // the interval is emptied
    // The merged interval ends the data: a FIN before it is not in order.
    g_fin3 <= f_fin2 && !(f_has && f_merged);
    g_dep <= (f_ino_path && f_has) || f_accept;
    g_rcv_nxt3 <= (f_has && f_merged) ? f_oend : f_end;
    g_rx_avail3 <= f_merged ? f_rx_avail2 - f_ext : f_rx_avail2;
    g_delivered <= (f_ino_path && f_has) ? (f_merged ? f_oend_m_rn : {16'd0, f_plen2}) : 32'd0;
    g_ooo_start <= f_new_start;
    g_ooo_len <= f_new_end - f_new_start;
    g_cut <= f_cut;
    g_len0 <= f_wrap ? f_first : f_plen2;
    g_len1 <= f_wrap ? f_lenb : 16'd0;
    g_iova0 <= f_iova0;
    g_ts_upd <= f_ts_upd;
    g_new_ack <= f_new_ack;
    g_nxt_lt_ack <= f_nxt_lt_ack;
    g_rtt_upd <= f_rtt_upd;
    g_dup <= f_dup;
    g_frx <= f_frx;
    g_winupd <= f_winupd;
    g_dupacks <= f_dupacks;
    g_fb_acked <= f_fb_acked;
    g_fb_ecn <= f_fb_ecn;
    g_freed <= f_freed;
    g_freed_nz <= f_freed_nz;
    g_peer_wnd <= f_peer_wnd;
    g_rtt_us <= f_rtt_us;
end

// ---------------------------------------------------------------------------
// Stage H (from rg, g_*): the new state and the actions, registered.
// ---------------------------------------------------------------------------
wire        g_fin_in = g_ino_path && g_fin3;                // FIN consumed [P13]
wire        g_ece_seg = rg[R_FL + TH_ECE];
wire [15:0] g_flflags = rg[O_FLAGS +: 16];
wire [7:0]  g_nicfl = rg[O_NICFL +: 8];

logic [1023:0] st_n;
always_comb begin
    st_n = rg[1023:0];
    if (g_proceed) begin
        if (g_ts_upd)
            st_n[O_TSRECENT +: 32] = rg[R_TSVAL +: 32];
        // ACK processing (fp_ack_process / fp_ack_same).
        if (g_new_ack) begin
            st_n[O_SNDUNA +: 32] = rg[R_ACK +: 32];
            if (g_nxt_lt_ack)
                st_n[O_SNDNXT +: 32] = rg[R_ACK +: 32];       // after go-back-N
            st_n[O_DUPACKS +: 8] = 8'd0;
            st_n[O_SNDWND +: 32] = g_peer_wnd;
            st_n[O_FBACKED +: 32] = g_fb_acked;
            if (g_ece_seg)
                st_n[O_FBECN +: 32] = g_fb_ecn;
            if (g_rtt_upd) begin
                st_n[O_FBRTT +: 32] = g_rtt_us;
                st_n[O_NICFL +: 8] = g_nicfl & ~(8'd1 << NF_RTT);
            end
        end else if (g_dup) begin
            st_n[O_DUPACKS +: 8] = g_dupacks;
            if (g_frx) begin                                   // go back N
                st_n[O_SNDNXT +: 32] = rg[O_SNDUNA +: 32];
                st_n[O_NICFL +: 8] = g_nicfl & ~(8'd1 << NF_RTT);
                st_n[O_FASTRX +: 16] = rg[O_FASTRX +: 16] + 16'd1;
            end
        end else if (g_winupd) begin
            st_n[O_SNDWND +: 32] = g_peer_wnd;
        end
        // The receive side.
        if (g_accept) begin
            st_n[O_OOOSTART +: 32] = g_ooo_start;
            st_n[O_OOOLEN +: 32] = g_ooo_len;
        end
        if (g_ino_path) begin
            st_n[O_RCVNXT +: 32] = g_rcv_nxt3 + {31'd0, g_fin3};
            if (g_has)
                st_n[O_RXAVAIL +: 32] = g_rx_avail3;
            if (g_merge)
                st_n[O_OOOLEN +: 32] = 32'd0;
            if (g_fin3)
                st_n[O_FLAGS +: 16] = g_flflags | toffee_abi_pkg::FLOWF_FIN_RCVD;
        end
    end
end

localparam integer C_EXC = toffee_abi_pkg::CNT_EXC_BASE;
localparam integer C_DROP = toffee_abi_pkg::CNT_DROP_BASE;

logic [7:0] dr, pr;
logic [63:0] cnt_n;
always_comb begin
    dr = 8'd0;
    pr = 8'd0;
    if (g_p10)
        pr = toffee_abi_pkg::EXC_ACK_UNSENT;                                // [P10]
    else if (g_old)
        dr = toffee_abi_pkg::DROP_OLD_DATA;
    else if (g_p12)
        pr = toffee_abi_pkg::EXC_ZERO_WINDOW;                               // [P12]
    else if (g_p11)
        pr = toffee_abi_pkg::EXC_OUT_OF_WINDOW;                             // [P11]
    else if (g_ctx_full)
        dr = toffee_abi_pkg::DROP_CTX_FULL;
    else if (g_ooo_path && !g_accept)
        dr = toffee_abi_pkg::DROP_OOO;
    else if (g_fin_in)
        pr = toffee_abi_pkg::EXC_FIN;                                       // [P13]
    cnt_n = 64'd0;
    if (pr != 8'd0)
        cnt_n[6'(C_EXC) + pr[5:0]] = 1'b1;
    if (dr != 8'd0)
        cnt_n[6'(C_DROP) + dr[5:0]] = 1'b1;
    if (g_proceed) begin
        cnt_n[toffee_abi_pkg::CNT_RX_ACKS] = g_new_ack;
        cnt_n[toffee_abi_pkg::CNT_RX_DUPACKS] = !g_new_ack && g_dup;
        cnt_n[toffee_abi_pkg::CNT_FAST_REXMITS] = !g_new_ack && g_dup && g_frx;
        cnt_n[toffee_abi_pkg::CNT_RX_DATA_SEGS] = g_dep;
    end
end

logic          o_valid = 1'b0;
logic [31:0]   o_flow_id;
logic [1023:0] o_state;
logic          o_drop, o_punt, o_dep, o_ev, o_ack, o_ece, o_kick;
logic [7:0]    o_drop_reason, o_punt_reason, o_ev_flags;
logic [15:0]   o_dep_off, o_len0, o_len1;
logic [63:0]   o_iova0, o_iova1, o_cnt;
logic [31:0]   o_ev_rx, o_ev_freed, o_rx_bytes;

wire g_v = vld[STAGES-2];

always_ff @(posedge clk) begin
    o_valid <= g_v;
    o_flow_id <= rg[R_FLOW +: 32];
    o_state <= st_n;
    o_drop <= g_v && dr != 8'd0;
    o_drop_reason <= dr;
    o_punt <= g_v && pr != 8'd0;
    o_punt_reason <= pr;
    o_dep <= g_v && g_proceed && g_dep;
    o_dep_off <= rg[R_POFF +: 16] + g_cut;
    o_iova0 <= g_iova0;
    o_len0 <= g_len0;
    o_iova1 <= rg[O_RXIOVA +: 64];
    o_len1 <= g_len1;
    // Events: every in-order segment with payload or FIN, and any segment
    // whose ACK freed bytes.
    o_ev <= g_v && g_proceed && (g_ino_path || g_freed_nz);
    o_ev_rx <= g_delivered;
    o_ev_freed <= g_freed;
    o_ev_flags <= g_fin_in ? toffee_abi_pkg::EVF_FIN : 8'd0;
    // ACKs: the duplicate ACK of old data, and every segment that is not a
    // pure ACK.
    o_ack <= g_v && (g_old && !g_p10 || g_proceed && !g_pure);
    o_ece <= !g_old && (g_flflags & toffee_abi_pkg::FLOWF_ECN) != 16'd0 && rg[R_CE];
    o_kick <= g_v && g_proceed && (g_new_ack || g_frx || g_winupd);
    o_cnt <= g_v ? cnt_n : 64'd0;
    o_rx_bytes <= (g_v && g_proceed) ? g_delivered : 32'd0;
    if (rst)
        o_valid <= 1'b0;
end

assign out_valid = o_valid;
assign out_flow_id = o_flow_id;
assign out_state = o_state;
assign drop = o_drop;
assign drop_reason = o_drop_reason;
assign punt = o_punt;
assign punt_reason = o_punt_reason;
assign dep_valid = o_dep;
assign dep_off = o_dep_off;
assign dep_iova0 = o_iova0;
assign dep_len0 = o_len0;
assign dep_iova1 = o_iova1;
assign dep_len1 = o_len1;
assign ev_valid = o_ev;
assign ev_rx_bytes = o_ev_rx;
assign ev_tx_freed = o_ev_freed;
assign ev_flags = o_ev_flags;
assign ack_valid = o_ack;
assign ack_ece = o_ece;
assign kick = o_kick;
assign cnt_inc = o_cnt;
assign rx_bytes_add = o_rx_bytes;

endmodule

`default_nettype wire
