// SPDX-License-Identifier: MIT
// tx_segment: the transmit step of tx_segment() in firmware/fp_tx.c without
// its I/O, as a pure function of (flow state, now_ns), pipelined: one input
// per cycle, outputs exactly LATENCY cycles later (docs/rtl.md, "module
// contracts").
//
// Result (the firmware's enum fp_tx_result):
//   IDLE (0)       flow not valid (FP_NF_VALID, as fp_tx_run), nothing to
//                  send, or window-limited
//   SENT (1)       a segment is sent and nothing more is pending
//   MORE (2)       a segment is sent and more is pending (fp_tx_pending)
//   WAIT_RATE (3)  over its rate until wake_ns (= tb_time)
// For SENT/MORE: seq, len (<= mss), TCP flags (ACK, PSH when it reaches
// tx_end, FIN), tos (ECT(0) with FLOWF_ECN and payload), header length (54,
// or 66 with timestamps), the payload's pieces in the transmit buffer
// (iova0/len0 up to the buffer's wrap, iova1/len1 after it; both 0 without
// payload) and the new state: snd_nxt, snd_max, RTT timing (rtt_seq,
// rtt_start, FP_NF_RTT), token bucket tb_time:
//   base = tb_time, or now - FP_TB_BURST_NS if that is later;
//   tb_time = base + (len + hlen) * ps_per_byte / 1000
// computed exactly: the product (< 2^49) goes through a pipelined restoring
// divider by the constant 1000, two quotient bits per stage. The
// scheduler's bits (sched_next, FP_NF_QUEUED) are never changed.
// Counters: cnt_inc[CNT_TX_SEGS], tx_bytes = len.
//
// Shift counts (tx_buf_log2) are taken modulo 32 as the firmware's shifts
// do on x86-64 and aarch64 (tx_buf_log2 < 32 for every valid flow).
`default_nettype none

module tx_segment #(
    // Cycles from in_valid to out_valid (fixed by the design; the parameter
    // lets the engine read it and fails elaboration if it is wrong).
    parameter LATENCY = 29
) (
    input  wire           clk,
    input  wire           rst,

    input  wire           in_valid,
    input  wire [31:0]    in_flow_id,          // passed through
    input  wire [1023:0]  in_state,            // struct toffee_flow, byte i at [8i +: 8]
    input  wire [63:0]    in_now_ns,

    output wire           out_valid,
    output wire [31:0]    out_flow_id,
    output wire [1:0]     out_result,          // 0 IDLE, 1 SENT, 2 MORE, 3 WAIT_RATE
    output wire [63:0]    out_wake_ns,         // WAIT_RATE: tb_time
    output wire [31:0]    out_seq,
    output wire [15:0]    out_len,
    output wire [7:0]     out_flags,
    output wire [7:0]     out_tos,
    output wire [6:0]     out_hlen,
    output wire [63:0]    out_iova0,
    output wire [15:0]    out_len0,
    output wire [63:0]    out_iova1,
    output wire [15:0]    out_len1,
    output wire [1023:0]  out_state,
    output wire [63:0]    out_cnt_inc,
    output wire [31:0]    out_tx_bytes
);

// Firmware-private constants (firmware/fp_internal.h; tb_tx_segment checks
// them against the firmware's values).
localparam [7:0] NF_VALID /*verilator public*/ = 8'h01;         // FP_NF_VALID
// verilator lint_off UNUSEDPARAM
localparam [7:0] NF_QUEUED /*verilator public*/ = 8'h02;        // FP_NF_QUEUED (never changed)
// verilator lint_on UNUSEDPARAM
localparam [7:0] NF_RTT /*verilator public*/ = 8'h04;           // FP_NF_RTT
localparam [63:0] TB_BURST_NS /*verilator public*/ = 64'd16384; // FP_TB_BURST_NS
localparam [1:0] R_IDLE = 2'd0, R_SENT = 2'd1, R_MORE = 2'd2, R_WAIT = 2'd3;

localparam DIV_STAGES = 20;                    // 40 quotient bits, 2 per stage
localparam LAT = 6 + 2 + DIV_STAGES + 1;        // front, multiply, divide, merge

if (LATENCY != LAT) begin : g_err_lat
    $error("tx_segment: LATENCY must be 29");
end
if (32'(toffee_abi_pkg::FLOW_BYTES) != 128) begin : g_err_abi
    $error("tx_segment: struct toffee_flow is no longer 128 bytes");
end

localparam OFF_FLAGS = toffee_abi_pkg::FLOW_FLAGS_OFF * 8;
localparam OFF_MSS = toffee_abi_pkg::FLOW_MSS_OFF * 8;
localparam OFF_LOG2 = toffee_abi_pkg::FLOW_TX_BUF_LOG2_OFF * 8;
localparam OFF_NIC = toffee_abi_pkg::FLOW_NIC_FLAGS_OFF * 8;
localparam OFF_IOVA = toffee_abi_pkg::FLOW_TX_BUF_IOVA_OFF * 8;
localparam OFF_UNA = toffee_abi_pkg::FLOW_SND_UNA_OFF * 8;
localparam OFF_NXT = toffee_abi_pkg::FLOW_SND_NXT_OFF * 8;
localparam OFF_MAX = toffee_abi_pkg::FLOW_SND_MAX_OFF * 8;
localparam OFF_END = toffee_abi_pkg::FLOW_TX_END_OFF * 8;
localparam OFF_WND = toffee_abi_pkg::FLOW_SND_WND_OFF * 8;
localparam OFF_CWND = toffee_abi_pkg::FLOW_CWND_OFF * 8;
localparam OFF_PS = toffee_abi_pkg::FLOW_PS_PER_BYTE_OFF * 8;
localparam OFF_TB = toffee_abi_pkg::FLOW_TB_TIME_OFF * 8;
localparam OFF_RSEQ = toffee_abi_pkg::FLOW_RTT_SEQ_OFF * 8;
localparam OFF_RSTART = toffee_abi_pkg::FLOW_RTT_START_OFF * 8;

// Every data register has one clock enable, seg_run: the pipeline holds or
// takes a flow. Bubbles then stay where they are (their data is never read)
// and the model skips the idle pipeline; one enable for all keeps the
// delay lines SRL-friendly. Valid bits always advance.
logic seg_run;

// ---------------------------------------------------------------------------
// Stage 1: input registers.
// ---------------------------------------------------------------------------
logic s1_v;
logic [31:0] s1_id;
logic [1023:0] s1_st;
logic [63:0] s1_now;
always_ff @(posedge clk) begin
    s1_v <= in_valid;
    if (seg_run) begin
        s1_id <= in_flow_id;
        s1_st <= in_state;
        s1_now <= in_now_ns;
    end
    if (rst)
        s1_v <= 1'b0;
end

wire [31:0] s1_nxt = s1_st[OFF_NXT +: 32];
wire [31:0] s1_end = s1_st[OFF_END +: 32];
wire [31:0] s1_una = s1_st[OFF_UNA +: 32];
wire [31:0] s1_wnd = s1_st[OFF_WND +: 32];
wire [31:0] s1_cwnd = s1_st[OFF_CWND +: 32];
wire [31:0] s1_max = s1_st[OFF_MAX +: 32];
wire [63:0] s1_tb = s1_st[OFF_TB +: 64];
wire [15:0] s1_flags = s1_st[OFF_FLAGS +: 16];
wire [7:0] s1_nic = s1_st[OFF_NIC +: 8];
// verilator lint_off UNUSEDSIGNAL
wire [31:0] s1_nxt_m_end = s1_nxt - s1_end;         // sign bits only
wire [31:0] s1_nxt_m_max = s1_nxt - s1_max;
// verilator lint_on UNUSEDSIGNAL

// ---------------------------------------------------------------------------
// Stage 2: differences, window, masks.
// ---------------------------------------------------------------------------
logic s2_v;
logic [31:0] s2_id;
logic [1023:0] s2_st;
logic [63:0] s2_now, s2_now_m, s2_tb_diff;
logic [31:0] s2_d_end, s2_wnd, s2_inflight, s2_mask;
logic s2_ge_end, s2_eq_end, s2_fin_w, s2_rate_on, s2_valid, s2_rtt_new;
always_ff @(posedge clk) begin
    s2_v <= s1_v;
    if (seg_run) begin
        s2_id <= s1_id;
        s2_st <= s1_st;
        s2_now <= s1_now;
        s2_now_m <= s1_now - TB_BURST_NS;
        s2_tb_diff <= s1_tb - s1_now;
        s2_d_end <= s1_end - s1_nxt;
        s2_ge_end <= !s1_nxt_m_end[31];                         // seq_geq(nxt, end)
        s2_eq_end <= s1_nxt == s1_end;
        s2_fin_w <= (s1_flags & toffee_abi_pkg::FLOWF_TX_FIN) != 16'd0;
        s2_wnd <= (s1_cwnd != 32'd0 && s1_cwnd < s1_wnd) ? s1_cwnd : s1_wnd;
        s2_inflight <= s1_nxt - s1_una;
        s2_rate_on <= s1_st[OFF_PS +: 32] != 32'd0;
        s2_valid <= (s1_nic & NF_VALID) != 8'd0;
        // Karn: time new data only, one segment at a time.
        s2_rtt_new <= !s1_nxt_m_max[31] && (s1_nic & NF_RTT) == 8'd0;
        s2_mask <= (32'd1 << s1_st[OFF_LOG2 +: 5]) - 32'd1;
    end
    if (rst)
        s2_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage 3: the IDLE / WAIT conditions, first length limit.
// ---------------------------------------------------------------------------
wire [31:0] s2_mss = 32'(s2_st[OFF_MSS +: 16]);
logic s3_v;
logic [31:0] s3_id;
logic [1023:0] s3_st;
logic [63:0] s3_now, s3_now_m, s3_tb_after_cap;
logic [31:0] s3_d_end, s3_avail, s3_mask;
logic [15:0] s3_len_a;
logic s3_fin_w, s3_rate_on, s3_rtt_new, s3_idle, s3_wait;
always_ff @(posedge clk) begin
    s3_v <= s2_v;
    if (seg_run) begin
        s3_id <= s2_id;
        s3_st <= s2_st;
        s3_now <= s2_now;
        s3_now_m <= s2_now_m;
        s3_tb_after_cap <= s2_now_m - s2_st[OFF_TB +: 64];     // now - BURST - tb_time
        s3_d_end <= s2_d_end;
        s3_avail <= s2_wnd - s2_inflight;
        s3_mask <= s2_mask;
        s3_len_a <= s2_d_end > s2_mss ? s2_mss[15:0] : s2_d_end[15:0];
        s3_fin_w <= s2_fin_w;
        s3_rate_on <= s2_rate_on;
        s3_rtt_new <= s2_rtt_new;
        s3_idle <= !s2_valid || (s2_ge_end && !(s2_fin_w && s2_eq_end)) ||
                   (s2_inflight >= s2_wnd && !(s2_wnd == 32'd0 && s2_inflight == 32'd0 && s2_eq_end));
        s3_wait <= s2_rate_on && !s2_tb_diff[63] && s2_tb_diff != 64'd0;   // (int64)(tb - now) > 0
    end
    if (rst)
        s3_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage 4: length, result, token bucket base.
// ---------------------------------------------------------------------------
logic s4_v;
logic [31:0] s4_id;
logic [1023:0] s4_st;
logic [63:0] s4_now, s4_base;
logic [31:0] s4_d_end, s4_mask;
logic [15:0] s4_len;
logic [1:0] s4_res;                             // IDLE, WAIT, or SENT for "send"
logic s4_fin_w, s4_rate_on, s4_rtt_new;
always_ff @(posedge clk) begin
    s4_v <= s3_v;
    if (seg_run) begin
        s4_id <= s3_id;
        s4_st <= s3_st;
        s4_now <= s3_now;
        // (int64)(now - BURST - tb) > 0: idle credit is capped.
        s4_base <= (!s3_tb_after_cap[63] && s3_tb_after_cap != 64'd0) ? s3_now_m : s3_st[OFF_TB +: 64];
        s4_d_end <= s3_d_end;
        s4_mask <= s3_mask;
        s4_len <= s3_avail < 32'(s3_len_a) ? s3_avail[15:0] : s3_len_a;
        s4_res <= s3_idle ? R_IDLE : s3_wait ? R_WAIT : R_SENT;
        s4_fin_w <= s3_fin_w;
        s4_rate_on <= s3_rate_on;
        s4_rtt_new <= s3_rtt_new;
    end
    if (rst)
        s4_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage 5: flags, segment end, buffer offset, length for the token bucket.
// ---------------------------------------------------------------------------
wire s4_ts = (s4_st[OFF_FLAGS +: 16] & toffee_abi_pkg::FLOWF_TS) != 16'd0;
wire s4_ecn = (s4_st[OFF_FLAGS +: 16] & toffee_abi_pkg::FLOWF_ECN) != 16'd0;
wire s4_psh = s4_d_end == 32'(s4_len);                      // nxt + len == end
wire s4_fin = s4_fin_w && s4_psh;
wire [31:0] s4_off = s4_st[OFF_NXT +: 32] & s4_mask;
logic s5_v;
logic [31:0] s5_id;
logic [1023:0] s5_st;
// verilator lint_off UNUSEDSIGNAL
logic [63:0] s5_now, s5_base;
// verilator lint_on UNUSEDSIGNAL
logic [31:0] s5_seg_end, s5_off, s5_first;
logic [15:0] s5_len;
logic [16:0] s5_tb_len;
logic [7:0] s5_flags, s5_tos;
logic [6:0] s5_hlen;
logic [1:0] s5_res;
logic s5_fin_w, s5_rate_on, s5_rtt_new;
always_ff @(posedge clk) begin
    s5_v <= s4_v;
    if (seg_run) begin
        s5_id <= s4_id;
        s5_st <= s4_st;
        s5_now <= s4_now;
        s5_base <= s4_base;
        s5_seg_end <= s4_st[OFF_NXT +: 32] + 32'(s4_len) + 32'(s4_fin);
        s5_off <= s4_off;
        s5_first <= s4_mask + 32'd1 - s4_off;
        s5_len <= s4_len;
        s5_tb_len <= 17'(s4_len) + (s4_ts ? 17'd66 : 17'd54);
        s5_flags <= {3'b000, 1'b1, s4_psh, 2'b00, s4_fin};     // ACK, PSH, FIN
        s5_tos <= (s4_ecn && s4_len != 16'd0) ? 8'h02 : 8'h00;
        s5_hlen <= s4_ts ? 7'd66 : 7'd54;
        s5_res <= s4_res;
        s5_fin_w <= s4_fin_w;
        s5_rate_on <= s4_rate_on;
        s5_rtt_new <= s4_rtt_new;
    end
    if (rst)
        s5_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage 6: pieces, new state (all but tb_time), result; the token bucket's
// product starts.
// ---------------------------------------------------------------------------
wire [31:0] s5_max = s5_st[OFF_MAX +: 32];
wire [31:0] s5_end = s5_st[OFF_END +: 32];
wire [31:0] s5_end_m_max = s5_seg_end - s5_max;
// verilator lint_off UNUSEDSIGNAL
wire [31:0] s5_end_m_txend = s5_seg_end - s5_end;
// verilator lint_on UNUSEDSIGNAL
wire s5_send = s5_res == R_SENT;
wire s5_more = s5_end_m_txend[31] || (s5_fin_w && s5_seg_end == s5_end);   // fp_tx_pending
// The flow's new state (all but tb_time): a function evaluated in the
// stage register (the model computes it for segments only).
function automatic [1023:0] new_state(input [1023:0] st, input send, input [31:0] seg_end,
                                       input [31:0] end_m_max, input rtt_new, input [31:0] now);
    new_state = st;
    if (send) begin
        new_state[OFF_NXT +: 32] = seg_end;
        if (!end_m_max[31] && end_m_max != 32'd0)                // seq_gt(seg_end, snd_max)
            new_state[OFF_MAX +: 32] = seg_end;
        if (rtt_new) begin
            new_state[OFF_RSEQ +: 32] = seg_end;
            new_state[OFF_RSTART +: 32] = now;
            new_state[OFF_NIC +: 8] = st[OFF_NIC +: 8] | NF_RTT;
        end
    end
endfunction

// Everything but the token bucket travels in one bundle to the merge stage.
localparam BW = 32 + 2 + 32 + 16 + 8 + 8 + 7 + 64 + 16 + 64 + 16 + 1024 + 64 + 1 + 1;
logic s6_v;
logic [BW-1:0] s6_b;
logic [63:0] s6_base;
logic [16:0] s6_tb_len;
logic [31:0] s6_ps;
always_ff @(posedge clk) begin
    s6_v <= s5_v;
    if (seg_run) begin
        s6_b <= {s5_id,
                 s5_send ? (s5_more ? R_MORE : R_SENT) : s5_res,
                 s5_st[OFF_NXT +: 32],
                 s5_send ? s5_len : 16'd0,
                 s5_send ? s5_flags : 8'd0,
                 s5_send ? s5_tos : 8'd0,
                 s5_hlen,
                 s5_st[OFF_IOVA +: 64] + 64'(s5_off),
                 (!s5_send || s5_len == 16'd0) ? 16'd0 :
                     (s5_first >= 32'(s5_len) ? s5_len : s5_first[15:0]),
                 s5_st[OFF_IOVA +: 64],
                 (!s5_send || s5_first >= 32'(s5_len)) ? 16'd0 : s5_len - s5_first[15:0],
                 new_state(s5_st, s5_send, s5_seg_end, s5_end_m_max, s5_rtt_new, s5_now[31:0]),
                 s5_st[OFF_TB +: 64],
                 s5_send && s5_rate_on,
                 s5_send};
        s6_base <= s5_base;
        s6_tb_len <= s5_tb_len;
        s6_ps <= s5_st[OFF_PS +: 32];
    end
    if (rst)
        s6_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// Token bucket: product (2 stages), divide by 1000 (DIV_STAGES), add.
// x = (len + hlen) * ps_per_byte < 2^17 * 2^32 = 2^49; quotient < 2^40.
// Restoring division, radix 4: the remainder r < 1000 takes the next two
// dividend bits, t = 4r + b < 4000, and q = max k with t >= 1000 k.
// ---------------------------------------------------------------------------
logic [48:0] m1, m2;
always_ff @(posedge clk)
    if (seg_run) begin
        m1 <= 49'(s6_tb_len) * 49'(s6_ps);
        m2 <= m1;
    end

function automatic [11:0] dstep(input [9:0] r, input [1:0] b);   // {q[1:0], r'}
    logic [11:0] t;
    // verilator lint_off UNUSEDSIGNAL
    logic [12:0] d1, d2, d3;
    // verilator lint_on UNUSEDSIGNAL
    t = {r, b};
    d1 = 13'(t) - 13'd1000;
    d2 = 13'(t) - 13'd2000;
    d3 = 13'(t) - 13'd3000;
    if (!d3[12])
        dstep = {2'd3, d3[9:0]};
    else if (!d2[12])
        dstep = {2'd2, d2[9:0]};
    else if (!d1[12])
        dstep = {2'd1, d1[9:0]};
    else
        dstep = {2'd0, t[9:0]};
endfunction

// Stage s: remainder, dividend bits still to use (top first), quotient
// bits so far (low end); stage 0 takes the product.
logic [9:0] dv_r [DIV_STAGES];
logic [39:0] dv_x [DIV_STAGES];
logic [39:0] dv_q [DIV_STAGES];
always_ff @(posedge clk)
    if (seg_run) begin
        logic [11:0] o;
        o = dstep(10'(m2[48:40]), m2[39:38]);   // m2[48:40] < 512 < 1000: no quotient bit yet
        dv_r[0] <= o[9:0];
        dv_x[0] <= {m2[37:0], 2'b00};
        dv_q[0] <= {38'd0, o[11:10]};
        for (int s = 1; s < DIV_STAGES; s = s + 1) begin
            o = dstep(dv_r[s-1], dv_x[s-1][39:38]);
            dv_r[s] <= o[9:0];
            dv_x[s] <= {dv_x[s-1][37:0], 2'b00};
            dv_q[s] <= {dv_q[s-1][37:0], o[11:10]};
        end
    end
wire [39:0] quot = dv_q[DIV_STAGES-1];

// The bundle and the base wait for the quotient (shift registers, no reset:
// SRL-friendly); out_valid is a separate, reset shift register.
localparam DL = 2 + DIV_STAGES;
logic [BW-1:0] dl_b [DL];
logic [63:0] dl_base [DL];
logic [DL-1:0] dl_v;
always_ff @(posedge clk)
    if (seg_run) begin
        dl_b[0] <= s6_b;
        dl_base[0] <= s6_base;
        for (int i = 1; i < DL; i = i + 1) begin
            dl_b[i] <= dl_b[i-1];
            dl_base[i] <= dl_base[i-1];
        end
    end
always_ff @(posedge clk) begin
    dl_v <= {dl_v[DL-2:0], s6_v};
    if (rst)
        dl_v <= '0;
end
wire [BW-1:0] e_b = dl_b[DL-1];

// Merge: tb_time.
logic o_v;
// verilator lint_off UNUSEDSIGNAL
logic [BW-1:0] o_b;                             // bit 1: rate flag, merge only
// verilator lint_on UNUSEDSIGNAL
always_ff @(posedge clk) begin
    o_v <= dl_v[DL-1];
    if (seg_run) begin
        o_b <= e_b;
        if (e_b[1])                              // sent with a rate: new tb_time
            o_b[2 + 64 + OFF_TB +: 64] <= dl_base[DL-1] + 64'(quot);
    end
    if (rst)
        o_v <= 1'b0;
end

// Bundle fields (from the top).
localparam P_ID = BW - 32, P_RES = P_ID - 2, P_SEQ = P_RES - 32, P_LEN = P_SEQ - 16,
           P_FL = P_LEN - 8, P_TOS = P_FL - 8, P_HLEN = P_TOS - 7, P_IOVA0 = P_HLEN - 64,
           P_LEN0 = P_IOVA0 - 16, P_IOVA1 = P_LEN0 - 64, P_LEN1 = P_IOVA1 - 16,
           P_ST = P_LEN1 - 1024, P_TB = P_ST - 64;
if (P_TB != 2) begin : g_err_bundle
    $error("tx_segment: bundle layout");
end

assign seg_run = in_valid || s1_v || s2_v || s3_v || s4_v || s5_v || s6_v || dl_v != '0;

assign out_valid = o_v;
assign out_flow_id = o_b[P_ID +: 32];
assign out_result = o_b[P_RES +: 2];
assign out_wake_ns = o_b[P_TB +: 64];
assign out_seq = o_b[P_SEQ +: 32];
assign out_len = o_b[P_LEN +: 16];
assign out_flags = o_b[P_FL +: 8];
assign out_tos = o_b[P_TOS +: 8];
assign out_hlen = o_b[P_HLEN +: 7];
assign out_iova0 = o_b[P_IOVA0 +: 64];
assign out_len0 = o_b[P_LEN0 +: 16];
assign out_iova1 = o_b[P_IOVA1 +: 64];
assign out_len1 = o_b[P_LEN1 +: 16];
assign out_state = o_b[P_ST +: 1024];
assign out_tx_bytes = 32'(o_b[P_LEN +: 16]);
logic [63:0] cnt;
always_comb begin
    cnt = 64'd0;
    cnt[toffee_abi_pkg::CNT_TX_SEGS] = o_b[0];
end
assign out_cnt_inc = cnt;

endmodule

`default_nettype wire
