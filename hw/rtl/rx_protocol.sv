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
//   P10 the ACK field is unacceptable: it acknowledges data never sent
//       (beyond snd_max), or lies further before snd_una than any window
//       the peer can advertise (RFC 5961 §5, fp_ack_too_old())
//   P11 the segment starts beyond the receive window (RFC 9293 §3.10.7.4)
//   P12 payload arrives while our receive window is zero (window probe)
//   P13 a FIN was accepted in order (after its payload was delivered and
//       ACKed here; the slow path runs the close state machine)
// P1..P9 are rx_classify's; this module decides P10..P13, in the order of
// rx_segment(): [P10], then acceptability (OLD_DATA drop, [P12], [P11]),
// trimming, the CTX_FULL drop, and [P13] last.
//
// What it computes, in the firmware's terms (seq/plen/fin after trimming):
//   - P10: ack beyond snd_max, or snd_una - ack in [2^(16 + (snd_wscale
//     & 15)), 2^31) -> punt, nothing else.
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
//   - ack_dup_seq / ack_dup_len: the D-SACK block of the ACK when the flow
//     has FLOWF_SACK (fp_tx_ack(); tx_frame adds the out-of-order interval
//     itself): old data, (seq, plen) as received; in order after a front
//     cut, (seq, cut) as received; out of order with payload that the
//     interval already holds entirely, (seq, plen) after trimming.
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
// A path through a stage holds at most one carry chain (x + y + 1 and
// seq + plen + fin: two) and a few LUT levels of compare / mux logic; yosys
// 0.23 (synth_xilinx -abc9, sta) finds 3 LUT levels at most. The raw
// segment and state travel alongside in a plain delay line (no reset, no
// enable: shift-register LUTs). About 2,400 LUTs, 1,544 SRL16, 3,160 FFs,
// 4 DSPs (the RTT multiplies).
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
    output wire [7:0]    punt_reason,    // EXC_ACK_UNACCEPTABLE .. EXC_FIN
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
    output wire [31:0]   ack_dup_seq,    // D-SACK block of the ACK (FLOWF_SACK, old data)
    output wire [15:0]   ack_dup_len,    // its length, 0 = none
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
// The delay line: the input record of every stage (no reset, one enable for
// all, so the bits no stage taps map to shift-register LUTs), and the valid
// bits. Every data register loads while the pipeline holds or takes a
// segment, or its outputs still show one (rp_run): a clock enable that lets
// the model skip the idle pipeline; valid bits always advance.
// ---------------------------------------------------------------------------
logic rp_run;
// verilator lint_off UNUSEDSIGNAL
logic [REC_W-1:0] ri_reg, ra_reg, rb_reg, rc_reg, rd_reg, re_reg, rf_reg, rg_reg;
// verilator lint_on UNUSEDSIGNAL
logic [STAGES-2:0] vld_reg;

always_ff @(posedge clk) begin
    vld_reg <= {vld_reg[STAGES-3:0], in_valid};
    if (rp_run) begin
        ri_reg <= {now_ns[31:0], in_ev_ok, in_pay_len, in_pay_off, in_ce, in_tsval, in_ts_ok, in_wnd,
               in_ack, in_seq, in_flags, in_flow_id, in_state};
        ra_reg <= ri_reg;
        rb_reg <= ra_reg;
        rc_reg <= rb_reg;
        rd_reg <= rc_reg;
        re_reg <= rd_reg;
        rf_reg <= re_reg;
        rg_reg <= rf_reg;
    end
    if (rst)
        vld_reg <= '0;
end

// ---------------------------------------------------------------------------
// Stage A (from ri_reg)
// ---------------------------------------------------------------------------
wire [31:0] i_seq = ri_reg[R_SEQ +: 32];
wire [31:0] i_ack = ri_reg[R_ACK +: 32];
wire [15:0] i_plen = ri_reg[R_PLEN +: 16];
wire        i_fin = ri_reg[R_FL + TH_FIN];
wire [31:0] i_rcv_nxt = ri_reg[O_RCVNXT +: 32];
wire [31:0] i_rx_avail = ri_reg[O_RXAVAIL +: 32];
wire [31:0] i_snd_una = ri_reg[O_SNDUNA +: 32];
wire [31:0] i_snd_max = ri_reg[O_SNDMAX +: 32];
wire [31:0] i_tx_end = ri_reg[O_TXEND +: 32];

logic        a_p10_reg, a_lt_rn_reg, a_gt_rn_reg, a_pz_reg, a_az_reg, a_pa_reg, a_new_ack_reg;
logic        a_ack_gt_te_reg, a_te_gt_una_reg;
logic        a_nxt_lt_ack_reg, a_ts_ge_reg, a_rtt_ge_reg, a_ack_eq_una_reg, a_una_ne_max_reg;
logic        a_olen_nz_reg;
logic [31:0] a_d_reg, a_wnd_end_reg, a_wnd_end1_reg, a_spf_reg, a_acked_reg, a_te_m_una_reg;
logic [31:0] a_peer_wnd_reg, a_rtt_diff_reg;
logic [31:0] a_oend_reg, a_size_reg;
logic [7:0]  a_dup_inc_reg;
// verilator lint_off UNUSEDSIGNAL
wire  [31:0] i_una_m_ack = i_snd_una - i_ack;   // how far ack is before snd_una (bits 16..31 used)
// verilator lint_on UNUSEDSIGNAL
logic [15:0] a_una_m_ack_hi_reg;  // its bits 16..31
logic [14:0] a_old_bits_reg;      // which of bits 16..30 make that too far

always_ff @(posedge clk) begin
    if (rp_run) begin
        a_p10_reg <= seq_gt(i_ack, i_snd_max);                                     // [P10]
        a_una_m_ack_hi_reg <= i_una_m_ack[31:16];
        a_old_bits_reg <= 15'h7fff << ri_reg[O_WSCALE +: 4];
        a_lt_rn_reg <= seq_lt(i_seq, i_rcv_nxt);
        a_gt_rn_reg <= seq_gt(i_seq, i_rcv_nxt);
        a_d_reg <= i_rcv_nxt - i_seq;
        a_wnd_end_reg <= i_rcv_nxt + i_rx_avail;
        a_wnd_end1_reg <= i_rcv_nxt + i_rx_avail + 32'd1;
        a_spf_reg <= i_seq + {16'd0, i_plen} + {31'd0, i_fin};
        a_pz_reg <= i_plen == 16'd0;
        a_az_reg <= i_rx_avail == 32'd0;
        a_pa_reg <= i_plen == 16'd0 && !i_fin;
        a_new_ack_reg <= seq_gt(i_ack, i_snd_una);
        a_acked_reg <= i_ack - i_snd_una;
        a_ack_gt_te_reg <= seq_gt(i_ack, i_tx_end);
        a_te_gt_una_reg <= seq_gt(i_tx_end, i_snd_una);
        a_te_m_una_reg <= i_tx_end - i_snd_una;
        a_nxt_lt_ack_reg <= seq_lt(ri_reg[O_SNDNXT +: 32], i_ack);
        a_peer_wnd_reg <= {16'd0, ri_reg[R_WND +: 16]} << ri_reg[O_WSCALE +: 5];
        a_ts_ge_reg <= !seq_lt(ri_reg[R_TSVAL +: 32], ri_reg[O_TSRECENT +: 32]);
        a_rtt_ge_reg <= seq_geq(i_ack, ri_reg[O_RTTSEQ +: 32]);
        a_rtt_diff_reg <= ri_reg[R_NOW +: 32] - ri_reg[O_RTTSTART +: 32];
        a_ack_eq_una_reg <= i_ack == i_snd_una;
        a_una_ne_max_reg <= i_snd_una != i_snd_max;
        a_oend_reg <= ri_reg[O_OOOSTART +: 32] + ri_reg[O_OOOLEN +: 32];
        a_olen_nz_reg <= ri_reg[O_OOOLEN +: 32] != 32'd0;
        a_dup_inc_reg <= ri_reg[O_DUPACKS +: 8] + 8'd1;
        a_size_reg <= 32'd1 << ri_reg[O_RXLOG2 +: 5];
    end
end

// ---------------------------------------------------------------------------
// Stage B (from ra_reg, a_*)
// ---------------------------------------------------------------------------
wire [31:0] a_seq = ra_reg[R_SEQ +: 32];
wire [15:0] a_plen = ra_reg[R_PLEN +: 16];
wire [31:0] a_rcv_nxt = ra_reg[O_RCVNXT +: 32];

logic        b_p10_reg, b_old_reg, b_p12_reg, b_p11_reg, b_new_ack_reg, b_nxt_lt_ack_reg;
logic        b_ts_ge_reg, b_rtt_ge_reg;
logic        b_ack_eq_una_reg, b_una_ne_max_reg, b_wnd_eq_reg, b_olen_nz_reg;
logic [15:0] b_cut_reg;
logic [31:0] b_wr0_reg, b_fb_acked_reg, b_fb_ecn_reg, b_freed_reg, b_peer_wnd_reg, b_oend_reg;
logic [31:0] b_oend_m_rn_reg, b_size_reg;
logic [44:0] b_p_lo_reg, b_p_hi_reg;
logic [7:0]  b_dup_inc_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        // [P10]: beyond snd_max, or 2^(16 + wscale) or more before snd_una
        b_p10_reg <= a_p10_reg || (!a_una_m_ack_hi_reg[15] && |(a_una_m_ack_hi_reg[14:0] & a_old_bits_reg));
        // Entirely old: a duplicate (OLD_DATA, duplicate ACK).
        b_old_reg <= a_lt_rn_reg && seq_leq(a_spf_reg, a_rcv_nxt);
        b_p12_reg <= !a_pz_reg && a_az_reg;                                                // [P12]
        // A pure ACK may sit on the right edge; anything else must start inside.
        b_p11_reg <= a_gt_rn_reg &&                                            // [P11]
                     seq_geq(a_seq, a_pa_reg ? a_wnd_end1_reg : a_wnd_end_reg);
        // The front below rcv_nxt: cut = min(rcv_nxt - seq, plen).
        b_cut_reg <= !a_lt_rn_reg ? 16'd0 : (a_d_reg > {16'd0, a_plen}) ? a_plen : a_d_reg[15:0];
        b_wr0_reg <= a_wnd_end_reg - a_seq;
        b_new_ack_reg <= a_new_ack_reg;
        b_fb_acked_reg <= ra_reg[O_FBACKED +: 32] + a_acked_reg;
        b_fb_ecn_reg <= ra_reg[O_FBECN +: 32] + a_acked_reg;
        // Bytes freed exclude our FIN, which occupies tx_end.
        b_freed_reg <= !a_new_ack_reg ? 32'd0 : !a_ack_gt_te_reg ? a_acked_reg
                                      : a_te_gt_una_reg ? a_te_m_una_reg : 32'd0;
        b_nxt_lt_ack_reg <= a_nxt_lt_ack_reg;
        b_peer_wnd_reg <= a_peer_wnd_reg;
        b_wnd_eq_reg <= a_peer_wnd_reg == ra_reg[O_SNDWND +: 32];
        b_ts_ge_reg <= a_ts_ge_reg;
        b_rtt_ge_reg <= a_rtt_ge_reg;
        b_p_lo_reg <= 45'(a_rtt_diff_reg[15:0]) * 45'(RTT_M);
        b_p_hi_reg <= 45'(a_rtt_diff_reg[31:16]) * 45'(RTT_M);
        b_ack_eq_una_reg <= a_ack_eq_una_reg;
        b_una_ne_max_reg <= a_una_ne_max_reg;
        b_oend_reg <= a_oend_reg;
        b_oend_m_rn_reg <= a_oend_reg - a_rcv_nxt;
        b_olen_nz_reg <= a_olen_nz_reg;
        b_dup_inc_reg <= a_dup_inc_reg;
        b_size_reg <= a_size_reg;
    end
end

// ---------------------------------------------------------------------------
// Stage C (from rb_reg, b_*)
// ---------------------------------------------------------------------------
logic        c_p10_reg, c_old_reg, c_p12_reg, c_p11_reg, c_new_ack_reg, c_nxt_lt_ack_reg;
logic        c_ts_ge_reg, c_rtt_ge_reg;
logic        c_ack_eq_una_reg, c_una_ne_max_reg, c_wnd_eq_reg, c_olen_nz_reg, c_freed_nz_reg;
logic [15:0] c_cut_reg, c_plen1_reg;
logic [31:0] c_seq1_reg, c_room_reg, c_fb_acked_reg, c_fb_ecn_reg, c_freed_reg, c_peer_wnd_reg;
logic [31:0] c_oend_reg, c_oend_m_rn_reg;
logic [31:0] c_size_reg, c_mask_reg;
logic [22:0] c_rtt_q_reg;
logic [7:0]  c_dup_inc_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        c_p10_reg <= b_p10_reg;
        c_old_reg <= b_old_reg;
        c_p12_reg <= b_p12_reg;
        c_p11_reg <= b_p11_reg;
        c_cut_reg <= b_cut_reg;
        c_seq1_reg <= rb_reg[R_SEQ +: 32] + {16'd0, b_cut_reg};
        c_plen1_reg <= rb_reg[R_PLEN +: 16] - b_cut_reg;
        c_room_reg <= b_wr0_reg - {16'd0, b_cut_reg};                  // wnd_end - seq (trimmed)
        c_new_ack_reg <= b_new_ack_reg;
        c_fb_acked_reg <= b_fb_acked_reg;
        c_fb_ecn_reg <= b_fb_ecn_reg;
        c_freed_reg <= b_freed_reg;
        c_freed_nz_reg <= b_freed_reg != 32'd0;
        c_nxt_lt_ack_reg <= b_nxt_lt_ack_reg;
        c_peer_wnd_reg <= b_peer_wnd_reg;
        c_wnd_eq_reg <= b_wnd_eq_reg;
        c_ts_ge_reg <= b_ts_ge_reg;
        c_rtt_ge_reg <= b_rtt_ge_reg;
        c_rtt_q_reg <= 23'(({16'd0, b_p_lo_reg} + {b_p_hi_reg, 16'd0}) >> 38);
        c_ack_eq_una_reg <= b_ack_eq_una_reg;
        c_una_ne_max_reg <= b_una_ne_max_reg;
        c_oend_reg <= b_oend_reg;
        c_oend_m_rn_reg <= b_oend_m_rn_reg;
        c_olen_nz_reg <= b_olen_nz_reg;
        c_dup_inc_reg <= b_dup_inc_reg;
        c_size_reg <= b_size_reg;
        c_mask_reg <= b_size_reg - 32'd1;
    end
end

// ---------------------------------------------------------------------------
// Stage D (from rc_reg, c_*)
// ---------------------------------------------------------------------------
wire c_trim = {16'd0, c_plen1_reg} > c_room_reg;              // the tail beyond the window

logic        d_p10_reg, d_old_reg, d_p12_reg, d_p11_reg, d_fin2_reg, d_in_order_reg;
logic        d_leq_rn_reg, d_gt_oend_reg, d_start_gt_seq_reg;
logic        d_new_ack_reg, d_nxt_lt_ack_reg, d_ts_ge_reg, d_rtt_ge_reg, d_ack_eq_una_reg;
logic        d_una_ne_max_reg, d_wnd_eq_reg;
logic        d_olen_nz_reg, d_freed_nz_reg;
logic [15:0] d_cut_reg, d_plen2_reg;
logic [31:0] d_seq1_reg, d_off_reg, d_fb_acked_reg, d_fb_ecn_reg, d_freed_reg, d_peer_wnd_reg;
logic [31:0] d_oend_reg, d_oend_m_rn_reg;
logic [31:0] d_size_reg, d_rtt_us_reg;
logic [7:0]  d_dup_inc_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        d_p10_reg <= c_p10_reg;
        d_old_reg <= c_old_reg;
        d_p12_reg <= c_p12_reg;
        d_p11_reg <= c_p11_reg;
        d_cut_reg <= c_cut_reg;
        d_seq1_reg <= c_seq1_reg;
        d_plen2_reg <= c_trim ? c_room_reg[15:0] : c_plen1_reg;
        d_fin2_reg <= rc_reg[R_FL + TH_FIN] && !c_trim;
        d_in_order_reg <= c_seq1_reg == rc_reg[O_RCVNXT +: 32];
        d_leq_rn_reg <= seq_leq(c_seq1_reg, rc_reg[O_RCVNXT +: 32]);
        d_gt_oend_reg <= seq_gt(c_seq1_reg, c_oend_reg);
        d_start_gt_seq_reg <= seq_gt(rc_reg[O_OOOSTART +: 32], c_seq1_reg);
        d_off_reg <= c_seq1_reg & c_mask_reg;
        d_new_ack_reg <= c_new_ack_reg;
        d_fb_acked_reg <= c_fb_acked_reg;
        d_fb_ecn_reg <= c_fb_ecn_reg;
        d_freed_reg <= c_freed_reg;
        d_freed_nz_reg <= c_freed_nz_reg;
        d_nxt_lt_ack_reg <= c_nxt_lt_ack_reg;
        d_peer_wnd_reg <= c_peer_wnd_reg;
        d_wnd_eq_reg <= c_wnd_eq_reg;
        d_ts_ge_reg <= c_ts_ge_reg;
        d_rtt_ge_reg <= c_rtt_ge_reg;
        d_rtt_us_reg <= {9'd0, c_rtt_q_reg};
        d_ack_eq_una_reg <= c_ack_eq_una_reg;
        d_una_ne_max_reg <= c_una_ne_max_reg;
        d_oend_reg <= c_oend_reg;
        d_oend_m_rn_reg <= c_oend_m_rn_reg;
        d_olen_nz_reg <= c_olen_nz_reg;
        d_dup_inc_reg <= c_dup_inc_reg;
        d_size_reg <= c_size_reg;
    end
end

// ---------------------------------------------------------------------------
// Stage E (from rd_reg, d_*): the verdict up to CTX_FULL, the ACK processing's
// decisions, the segment end, the deposit address.
// ---------------------------------------------------------------------------
wire d_pure = d_plen2_reg == 16'd0 && !d_fin2_reg;
wire d_has = d_plen2_reg != 16'd0;
// fp_ack_process: an ACK of snd_una that neither counts as a duplicate nor
// changes the window is ignored; fp_ack_same: duplicate or window update.
wire d_same = !d_new_ack_reg && d_ack_eq_una_reg && (!d_wnd_eq_reg || (d_pure && d_una_ne_max_reg));
wire d_dup = d_same && d_pure && d_wnd_eq_reg && d_una_ne_max_reg;

logic        e_p10_reg, e_old_reg, e_p12_reg, e_p11_reg, e_ctx_full_reg, e_pure_reg, e_has_reg;
logic        e_fin2_reg, e_in_order_reg;
logic        e_gt_oend_reg, e_start_gt_seq_reg, e_ts_upd_reg, e_new_ack_reg, e_nxt_lt_ack_reg;
logic        e_rtt_upd_reg;
logic        e_dup_reg, e_frx_reg, e_winupd_reg, e_olen_nz_reg, e_freed_nz_reg;
logic [15:0] e_cut_reg, e_plen2_reg;
logic [15:0] e_first_reg;
logic [31:0] e_seq1_reg, e_end_reg, e_rx_avail2_reg, e_off_end_reg, e_fb_acked_reg;
logic [31:0] e_fb_ecn_reg, e_freed_reg;
logic [31:0] e_peer_wnd_reg, e_oend_reg, e_oend_m_rn_reg, e_size_reg, e_rtt_us_reg;
logic [63:0] e_iova0_reg;
logic [7:0]  e_dupacks_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        e_p10_reg <= d_p10_reg;
        e_old_reg <= d_old_reg;
        e_p12_reg <= d_p12_reg;
        e_p11_reg <= d_p11_reg;
        // A segment that posts an event reserves it first: full ring, drop.
        e_ctx_full_reg <= (d_new_ack_reg || (d_in_order_reg && (d_has || d_fin2_reg))) &&
                          !rd_reg[R_EVOK];
        e_pure_reg <= d_pure;
        e_has_reg <= d_has;
        e_fin2_reg <= d_fin2_reg;
        e_in_order_reg <= d_in_order_reg;
        e_cut_reg <= d_cut_reg;
        e_plen2_reg <= d_plen2_reg;
        e_seq1_reg <= d_seq1_reg;
        e_gt_oend_reg <= d_gt_oend_reg;
        e_start_gt_seq_reg <= d_start_gt_seq_reg;
        e_end_reg <= d_seq1_reg + {16'd0, d_plen2_reg};
        e_rx_avail2_reg <= rd_reg[O_RXAVAIL +: 32] - {16'd0, d_plen2_reg};
        e_off_end_reg <= d_off_reg + {16'd0, d_plen2_reg};
        e_first_reg <= 16'(d_size_reg - d_off_reg);           // used only when < plen
        e_iova0_reg <= rd_reg[O_RXIOVA +: 64] + {32'd0, d_off_reg};
        // Timestamps (RFC 7323 §4.3): a segment that covers rcv_nxt.
        e_ts_upd_reg <= rd_reg[R_TSOK] && d_leq_rn_reg && d_ts_ge_reg;
        e_new_ack_reg <= d_new_ack_reg;
        e_nxt_lt_ack_reg <= d_nxt_lt_ack_reg;
        e_rtt_upd_reg <= d_new_ack_reg && rd_reg[O_NICFL + NF_RTT] && d_rtt_ge_reg;
        e_dup_reg <= d_dup;
        e_frx_reg <= d_dup && d_dup_inc_reg == 8'd3;               // third duplicate: go back N
        e_winupd_reg <= d_same && !d_dup;                      // then the window differs
        e_dupacks_reg <= d_dup_inc_reg == 8'd0 ? 8'd255 : d_dup_inc_reg;
        e_fb_acked_reg <= d_fb_acked_reg;
        e_fb_ecn_reg <= d_fb_ecn_reg;
        e_freed_reg <= d_freed_reg;
        e_freed_nz_reg <= d_freed_nz_reg;
        e_peer_wnd_reg <= d_peer_wnd_reg;
        e_oend_reg <= d_oend_reg;
        e_oend_m_rn_reg <= d_oend_m_rn_reg;
        e_olen_nz_reg <= d_olen_nz_reg;
        e_size_reg <= d_size_reg;
        e_rtt_us_reg <= d_rtt_us_reg;
    end
end

// ---------------------------------------------------------------------------
// Stage F (from re_reg, e_*): the interval (ooo_accept, and the merge of the
// in-order path), the buffer wrap.
// ---------------------------------------------------------------------------
wire [31:0] e_ooo_start = re_reg[O_OOOSTART +: 32];
wire e_proceed = !e_p10_reg && !e_old_reg && !e_p12_reg && !e_p11_reg && !e_ctx_full_reg;

logic        f_p10_reg, f_old_reg, f_p12_reg, f_p11_reg, f_ctx_full_reg, f_proceed_reg;
logic        f_pure_reg, f_has_reg, f_fin2_reg, f_in_order_reg;
logic        f_rej_reg, f_m_cond_reg, f_m_ext_reg, f_wrap_reg, f_ts_upd_reg, f_new_ack_reg;
logic        f_nxt_lt_ack_reg, f_rtt_upd_reg, f_held_reg;
logic        f_dup_reg, f_frx_reg, f_winupd_reg, f_freed_nz_reg;
logic [15:0] f_cut_reg, f_plen2_reg, f_first_reg, f_lenb_reg;
logic [31:0] f_seq1_reg, f_end_reg, f_new_start_reg, f_new_end_reg, f_ext_reg, f_rx_avail2_reg;
logic [31:0] f_fb_acked_reg, f_fb_ecn_reg;
logic [31:0] f_freed_reg, f_peer_wnd_reg, f_oend_reg, f_oend_m_rn_reg, f_rtt_us_reg;
logic [63:0] f_iova0_reg;
logic [7:0]  f_dupacks_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        f_p10_reg <= e_p10_reg;
        f_old_reg <= e_old_reg;
        f_p12_reg <= e_p12_reg;
        f_p11_reg <= e_p11_reg;
        f_ctx_full_reg <= e_ctx_full_reg;
        f_proceed_reg <= e_proceed;
        f_pure_reg <= e_pure_reg;
        f_has_reg <= e_has_reg;
        f_fin2_reg <= e_fin2_reg;
        f_in_order_reg <= e_in_order_reg;
        f_cut_reg <= e_cut_reg;
        f_plen2_reg <= e_plen2_reg;
        f_seq1_reg <= e_seq1_reg;
        f_end_reg <= e_end_reg;
        // payload the interval holds entirely (a duplicate: D-SACK)
        f_held_reg <= e_has_reg && e_olen_nz_reg && !e_start_gt_seq_reg && seq_leq(e_end_reg, e_oend_reg);
        // ooo_accept: a segment that does not touch a non-empty interval.
        f_rej_reg <= e_olen_nz_reg && (e_gt_oend_reg || seq_lt(e_end_reg, e_ooo_start));
        f_new_start_reg <= (!e_olen_nz_reg || e_start_gt_seq_reg) ? e_seq1_reg : e_ooo_start;
        f_new_end_reg <= (e_olen_nz_reg && seq_gt(e_oend_reg, e_end_reg)) ? e_oend_reg : e_end_reg;
        // In order: rcv_nxt + plen reached the interval (merge), beyond it?
        f_m_cond_reg <= e_olen_nz_reg && seq_geq(e_end_reg, e_ooo_start);
        f_m_ext_reg <= seq_gt(e_oend_reg, e_end_reg);
        f_ext_reg <= e_oend_reg - e_end_reg;
        f_rx_avail2_reg <= e_rx_avail2_reg;
        // deposit(): off + len <= size is one piece.
        f_wrap_reg <= e_off_end_reg > e_size_reg;
        f_first_reg <= e_first_reg;
        f_lenb_reg <= e_plen2_reg - e_first_reg;
        f_iova0_reg <= e_iova0_reg;
        f_ts_upd_reg <= e_ts_upd_reg;
        f_new_ack_reg <= e_new_ack_reg;
        f_nxt_lt_ack_reg <= e_nxt_lt_ack_reg;
        f_rtt_upd_reg <= e_rtt_upd_reg;
        f_dup_reg <= e_dup_reg;
        f_frx_reg <= e_frx_reg;
        f_winupd_reg <= e_winupd_reg;
        f_dupacks_reg <= e_dupacks_reg;
        f_fb_acked_reg <= e_fb_acked_reg;
        f_fb_ecn_reg <= e_fb_ecn_reg;
        f_freed_reg <= e_freed_reg;
        f_freed_nz_reg <= e_freed_nz_reg;
        f_peer_wnd_reg <= e_peer_wnd_reg;
        f_oend_reg <= e_oend_reg;
        f_oend_m_rn_reg <= e_oend_m_rn_reg;
        f_rtt_us_reg <= e_rtt_us_reg;
    end
end

// ---------------------------------------------------------------------------
// Stage G (from rf_reg, f_*): interval length, merged rcv_nxt / rx_avail, the
// deposit pieces, the verdict.
// ---------------------------------------------------------------------------
wire f_merged = f_m_cond_reg && f_m_ext_reg;
wire f_ooo_path = f_proceed_reg && !f_pure_reg && !f_in_order_reg;
wire f_ino_path = f_proceed_reg && !f_pure_reg && f_in_order_reg;
wire f_accept = f_ooo_path && f_has_reg && !f_rej_reg;

logic        g_p10_reg, g_old_reg, g_p12_reg, g_p11_reg, g_ctx_full_reg, g_proceed_reg;
logic        g_pure_reg, g_has_reg;
logic        g_ooo_path_reg, g_ino_path_reg, g_accept_reg, g_merge_reg, g_fin3_reg, g_dep_reg;
logic        g_ts_upd_reg, g_new_ack_reg;
logic        g_nxt_lt_ack_reg, g_rtt_upd_reg, g_dup_reg, g_frx_reg, g_winupd_reg, g_freed_nz_reg;
logic [15:0] g_cut_reg, g_len0_reg, g_len1_reg, g_dup_len_reg;
logic [31:0] g_dup_seq_reg;
logic [31:0] g_rcv_nxt3_reg, g_rx_avail3_reg, g_delivered_reg, g_ooo_start_reg, g_ooo_len_reg;
logic [31:0] g_fb_acked_reg;
logic [31:0] g_fb_ecn_reg, g_freed_reg, g_peer_wnd_reg, g_rtt_us_reg;
logic [63:0] g_iova0_reg;
logic [7:0]  g_dupacks_reg;

always_ff @(posedge clk) begin
    if (rp_run) begin
        g_p10_reg <= f_p10_reg;
        g_old_reg <= f_old_reg;
        g_p12_reg <= f_p12_reg;
        g_p11_reg <= f_p11_reg;
        g_ctx_full_reg <= f_ctx_full_reg;
        g_proceed_reg <= f_proceed_reg;
        g_pure_reg <= f_pure_reg;
        g_has_reg <= f_has_reg;
        g_ooo_path_reg <= f_ooo_path;
        g_ino_path_reg <= f_ino_path;
        g_accept_reg <= f_accept;
        g_merge_reg <= f_ino_path && f_has_reg && f_m_cond_reg;         // the interval is emptied
        // The merged interval ends the data: a FIN before it is not in order.
        g_fin3_reg <= f_fin2_reg && !(f_has_reg && f_merged);
        g_dep_reg <= (f_ino_path && f_has_reg) || f_accept;
        g_rcv_nxt3_reg <= (f_has_reg && f_merged) ? f_oend_reg : f_end_reg;
        g_rx_avail3_reg <= f_merged ? f_rx_avail2_reg - f_ext_reg : f_rx_avail2_reg;
        g_delivered_reg <= !(f_ino_path && f_has_reg) ? 32'd0
                           : f_merged ? f_oend_m_rn_reg : {16'd0, f_plen2_reg};
        g_ooo_start_reg <= f_new_start_reg;
        g_ooo_len_reg <= f_new_end_reg - f_new_start_reg;
        g_cut_reg <= f_cut_reg;
        // the D-SACK block: old data as received, the old front of an
        // in-order segment, a held duplicate as trimmed
        g_dup_seq_reg <= (f_ooo_path && f_held_reg) ? f_seq1_reg : rf_reg[R_SEQ +: 32];
        g_dup_len_reg <= f_old_reg ? rf_reg[R_PLEN +: 16] : f_ino_path ? f_cut_reg :
                         (f_ooo_path && f_held_reg) ? f_plen2_reg : 16'd0;
        g_len0_reg <= f_wrap_reg ? f_first_reg : f_plen2_reg;
        g_len1_reg <= f_wrap_reg ? f_lenb_reg : 16'd0;
        g_iova0_reg <= f_iova0_reg;
        g_ts_upd_reg <= f_ts_upd_reg;
        g_new_ack_reg <= f_new_ack_reg;
        g_nxt_lt_ack_reg <= f_nxt_lt_ack_reg;
        g_rtt_upd_reg <= f_rtt_upd_reg;
        g_dup_reg <= f_dup_reg;
        g_frx_reg <= f_frx_reg;
        g_winupd_reg <= f_winupd_reg;
        g_dupacks_reg <= f_dupacks_reg;
        g_fb_acked_reg <= f_fb_acked_reg;
        g_fb_ecn_reg <= f_fb_ecn_reg;
        g_freed_reg <= f_freed_reg;
        g_freed_nz_reg <= f_freed_nz_reg;
        g_peer_wnd_reg <= f_peer_wnd_reg;
        g_rtt_us_reg <= f_rtt_us_reg;
    end
end

// ---------------------------------------------------------------------------
// Stage H (from rg_reg, g_*): the new state and the actions, registered.
// ---------------------------------------------------------------------------
wire        g_fin_in = g_ino_path_reg && g_fin3_reg;                // FIN consumed [P13]
wire        g_ece_seg = rg_reg[R_FL + TH_ECE];
wire [15:0] g_flflags = rg_reg[O_FLAGS +: 16];
wire [7:0]  g_nicfl = rg_reg[O_NICFL +: 8];

logic [1023:0] st_n;
always_comb begin
    st_n = rg_reg[1023:0];
    if (g_proceed_reg) begin
        if (g_ts_upd_reg)
            st_n[O_TSRECENT +: 32] = rg_reg[R_TSVAL +: 32];
        // ACK processing (fp_ack_process / fp_ack_same).
        if (g_new_ack_reg) begin
            st_n[O_SNDUNA +: 32] = rg_reg[R_ACK +: 32];
            if (g_nxt_lt_ack_reg)
                st_n[O_SNDNXT +: 32] = rg_reg[R_ACK +: 32];       // after go-back-N
            st_n[O_DUPACKS +: 8] = 8'd0;
            st_n[O_SNDWND +: 32] = g_peer_wnd_reg;
            st_n[O_FBACKED +: 32] = g_fb_acked_reg;
            if (g_ece_seg)
                st_n[O_FBECN +: 32] = g_fb_ecn_reg;
            if (g_rtt_upd_reg) begin
                st_n[O_FBRTT +: 32] = g_rtt_us_reg;
                st_n[O_NICFL +: 8] = g_nicfl & ~(8'd1 << NF_RTT);
            end
        end else if (g_dup_reg) begin
            st_n[O_DUPACKS +: 8] = g_dupacks_reg;
            if (g_frx_reg) begin                                   // go back N
                st_n[O_SNDNXT +: 32] = rg_reg[O_SNDUNA +: 32];
                st_n[O_NICFL +: 8] = g_nicfl & ~(8'd1 << NF_RTT);
                st_n[O_FASTRX +: 16] = rg_reg[O_FASTRX +: 16] + 16'd1;
            end
        end else if (g_winupd_reg) begin
            st_n[O_SNDWND +: 32] = g_peer_wnd_reg;
        end
        // The receive side.
        if (g_accept_reg) begin
            st_n[O_OOOSTART +: 32] = g_ooo_start_reg;
            st_n[O_OOOLEN +: 32] = g_ooo_len_reg;
        end
        if (g_ino_path_reg) begin
            st_n[O_RCVNXT +: 32] = g_rcv_nxt3_reg + {31'd0, g_fin3_reg};
            if (g_has_reg)
                st_n[O_RXAVAIL +: 32] = g_rx_avail3_reg;
            if (g_merge_reg)
                st_n[O_OOOLEN +: 32] = 32'd0;
            if (g_fin3_reg)
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
    if (g_p10_reg)
        pr = toffee_abi_pkg::EXC_ACK_UNACCEPTABLE;                                // [P10]
    else if (g_old_reg)
        dr = toffee_abi_pkg::DROP_OLD_DATA;
    else if (g_p12_reg)
        pr = toffee_abi_pkg::EXC_ZERO_WINDOW;                               // [P12]
    else if (g_p11_reg)
        pr = toffee_abi_pkg::EXC_OUT_OF_WINDOW;                             // [P11]
    else if (g_ctx_full_reg)
        dr = toffee_abi_pkg::DROP_CTX_FULL;
    else if (g_ooo_path_reg && !g_accept_reg)
        dr = toffee_abi_pkg::DROP_OOO;
    else if (g_fin_in)
        pr = toffee_abi_pkg::EXC_FIN;                                       // [P13]
    cnt_n = 64'd0;
    if (pr != 8'd0)
        cnt_n[6'(C_EXC) + pr[5:0]] = 1'b1;
    if (dr != 8'd0)
        cnt_n[6'(C_DROP) + dr[5:0]] = 1'b1;
    if (g_proceed_reg) begin
        cnt_n[toffee_abi_pkg::CNT_RX_ACKS] = g_new_ack_reg;
        cnt_n[toffee_abi_pkg::CNT_RX_DUPACKS] = !g_new_ack_reg && g_dup_reg;
        cnt_n[toffee_abi_pkg::CNT_FAST_REXMITS] = !g_new_ack_reg && g_dup_reg && g_frx_reg;
        cnt_n[toffee_abi_pkg::CNT_RX_DATA_SEGS] = g_dep_reg;
    end
end

logic          o_valid_reg = 1'b0;
logic [31:0]   o_flow_id_reg;
logic [1023:0] o_state_reg;
logic          o_drop_reg, o_punt_reg, o_dep_reg, o_ev_reg, o_ack_reg, o_ece_reg, o_kick_reg;
logic [7:0]    o_drop_reason_reg, o_punt_reason_reg, o_ev_flags_reg;
logic [15:0]   o_dep_off_reg, o_len0_reg, o_len1_reg;
logic [63:0]   o_iova0_reg, o_iova1_reg, o_cnt_reg;
logic [31:0]   o_ev_rx_reg, o_ev_freed_reg, o_rx_bytes_reg, o_dup_seq_reg;
logic [15:0]   o_dup_len_reg;

wire g_v = vld_reg[STAGES-2];

always_ff @(posedge clk) begin
    o_valid_reg <= g_v;
    if (rp_run) begin
        o_flow_id_reg <= rg_reg[R_FLOW +: 32];
        o_state_reg <= st_n;
        o_drop_reg <= g_v && dr != 8'd0;
        o_drop_reason_reg <= dr;
        o_punt_reg <= g_v && pr != 8'd0;
        o_punt_reason_reg <= pr;
        o_dep_reg <= g_v && g_proceed_reg && g_dep_reg;
        o_dep_off_reg <= rg_reg[R_POFF +: 16] + g_cut_reg;
        o_iova0_reg <= g_iova0_reg;
        o_len0_reg <= g_len0_reg;
        o_iova1_reg <= rg_reg[O_RXIOVA +: 64];
        o_len1_reg <= g_len1_reg;
        // Events: every in-order segment with payload or FIN, and any segment
        // whose ACK freed bytes.
        o_ev_reg <= g_v && g_proceed_reg && (g_ino_path_reg || g_freed_nz_reg);
        o_ev_rx_reg <= g_delivered_reg;
        o_ev_freed_reg <= g_freed_reg;
        o_ev_flags_reg <= g_fin_in ? toffee_abi_pkg::EVF_FIN : 8'd0;
        // ACKs: the duplicate ACK of old data, and every segment that is not a
        // pure ACK.
        o_ack_reg <= g_v && (g_old_reg && !g_p10_reg || g_proceed_reg && !g_pure_reg);
        o_ece_reg <= !g_old_reg && (g_flflags & toffee_abi_pkg::FLOWF_ECN) != 16'd0 && rg_reg[R_CE];
        o_dup_seq_reg <= g_dup_seq_reg;
        o_dup_len_reg <= (g_flflags & toffee_abi_pkg::FLOWF_SACK) != 16'd0 ? g_dup_len_reg : 16'd0;
        o_kick_reg <= g_v && g_proceed_reg && (g_new_ack_reg || g_frx_reg || g_winupd_reg);
        o_cnt_reg <= g_v ? cnt_n : 64'd0;
        o_rx_bytes_reg <= (g_v && g_proceed_reg) ? g_delivered_reg : 32'd0;
    end
    if (rst)
        o_valid_reg <= 1'b0;
end

assign rp_run = in_valid || vld_reg != '0 || o_valid_reg;

assign out_valid = o_valid_reg;
assign out_flow_id = o_flow_id_reg;
assign out_state = o_state_reg;
assign drop = o_drop_reg;
assign drop_reason = o_drop_reason_reg;
assign punt = o_punt_reg;
assign punt_reason = o_punt_reason_reg;
assign dep_valid = o_dep_reg;
assign dep_off = o_dep_off_reg;
assign dep_iova0 = o_iova0_reg;
assign dep_len0 = o_len0_reg;
assign dep_iova1 = o_iova1_reg;
assign dep_len1 = o_len1_reg;
assign ev_valid = o_ev_reg;
assign ev_rx_bytes = o_ev_rx_reg;
assign ev_tx_freed = o_ev_freed_reg;
assign ev_flags = o_ev_flags_reg;
assign ack_valid = o_ack_reg;
assign ack_ece = o_ece_reg;
assign ack_dup_seq = o_dup_seq_reg;
assign ack_dup_len = o_dup_len_reg;
assign kick = o_kick_reg;
assign cnt_inc = o_cnt_reg;
assign rx_bytes_add = o_rx_bytes_reg;

endmodule

`default_nettype wire
