// SPDX-License-Identifier: MIT
// cmd_exec: applies ONE host command to one flow, exactly as the firmware
// (firmware/fp_cmd.c): a slow-path command entry (sp_exec(), install(), the
// completion of fp_cmd_poll_sp()) or an application command entry
// (ctx_exec(), the phase check of fp_cmd_poll_ctx()). A pure step module
// (docs/rtl.md, "The protocol engine (v1)"): in_valid with the inputs,
// out_valid with the outputs exactly LATENCY cycles later, one command per
// cycle, no back-pressure.
//
// Inputs: the entry (32 bytes; a context entry in the low 16), its phase
// verdict from ring_reader (phase byte == toffee_phase(head, log2)), for a
// context command the context number, the current state of the flow the
// entry names (flow_state; byte i of struct toffee_flow at [8i +: 8]; its
// FP_NF_VALID bit of nic_flags says whether the flow is installed; for an
// id >= FLOW_CAP any state may be given, it is ignored), for INSTALL the
// 128-byte image read from the entry's iova (ignored otherwise), and now_ns
// (INSTALL sets tb_time).
//
// Outputs:
//  - state / state_wr: the new state to write back (state_wr = 0: keep the
//    old one; out_state is then only meaningful for READ_STATE, where it is
//    the unchanged state the DMA write carries);
//  - status: fb.status (0, -EINVAL, -ENOENT, -EEXIST, -EPROTO), 16 bits;
//  - fb_valid / fb: the feedback entry (struct toffee_sp_fb, phase byte 0:
//    ring_writer sets it) for every slow-path command: DONE, or FLOW with
//    the counters for FEEDBACK;
//  - dma_wr_valid / dma_wr_iova: READ_STATE, or REMOVE with iova != 0
//    (the state as removed), write out_state (128 bytes) to iova;
//  - tab_op / tab_*: the flow-table operation (flow_lookup update port):
//    INSERT {local_ip, remote_ip, ports, flow_id} for INSTALL, REMOVE of the
//    flow's key for REMOVE (the firmware ignores the remove's status);
//  - kick: fp_sched_kick() would be called; kick_pend: and the new state has
//    something to send (fp_tx_pending()), i.e. the scheduler enqueues the
//    flow unless it is queued already;
//  - ack: ctx_exec()'s window-update ACK (build it from out_state, no ECE;
//    whoever sends it counts TX_ACKS or DROP_TX_BUSY);
//  - cnt_inc: DROP_CMD_BAD, DROP_CMD_NOT_OWNER (bits CNT_DROP_BASE + reason).
//
// INSTALL and the flow table. The firmware validates the image, then
// inserts the key, and only when the insert succeeds writes the state and
// kicks. With tab_op == TAB_INSERT the outputs assume success (status 0,
// state_wr, kick); the engine runs the insert on flow_lookup and, if its
// status s is non-zero (-EEXIST: the 4-tuple belongs to another flow,
// -ENOSPC), drops state_wr, kick and kick_pend and posts fb with status s
// (fb bits [SP_FB_STATUS_OFF*8 +: 16]). CMD_BAD is not counted for these
// (the firmware counts only -EINVAL and -EPROTO), so cnt_inc stays valid.
//
// The scheduler's private bits (sched_next, FP_NF_QUEUED) are kept by
// tx_sched.sv: every command passes them through unchanged (INSTALL keeps
// the old state's, as install() does), so READ_STATE images may differ from
// the firmware's only there.
//
// Pipeline: S0 input registers (the image replaces the state for INSTALL);
// S1 field arithmetic and comparisons; S2 the decision (status, which
// fields change, their new values); S3 the output state, feedback record
// and fp_tx_pending() of the new state.
`default_nettype none

module cmd_exec #(
    // Flow slots (fp->flow_cap): a power of two, 16 .. 2^24. Flow ids at
    // or above it are -EINVAL (INSTALL) / -ENOENT / not owned.
    parameter FLOW_CAP = 65536,
    // Cycles from in_valid to out_valid. Fixed by the pipeline: must be 4.
    parameter LATENCY = 4
) (
    input  wire            clk,
    input  wire            rst,

    input  wire            in_valid,
    input  wire            in_ctx_cmd,     // 0: struct toffee_sp_cmd, 1: struct toffee_ctx_cmd
    input  wire            in_phase_ok,    // the entry's phase byte is current
    // verilator lint_off UNUSEDSIGNAL
    input  wire [255:0]    in_cmd,         // the entry (context entry in [127:0])
    // verilator lint_on UNUSEDSIGNAL
    input  wire [7:0]      in_ctx,         // context of a context command
    input  wire [1023:0]   in_state,       // state of the flow the entry names
    input  wire [1023:0]   in_image,       // INSTALL: struct toffee_flow from iova
    input  wire [63:0]     in_now_ns,

    output wire            out_valid,
    output wire            out_ctx_cmd,
    output wire [31:0]     out_flow_id,    // the entry's flow_id
    output wire [1023:0]   out_state,
    output wire            out_state_wr,
    output wire [15:0]     out_status,
    output wire            out_fb_valid,
    output wire [255:0]    out_fb,
    output wire            out_dma_wr_valid,
    output wire [63:0]     out_dma_wr_iova,
    output wire [1:0]      out_tab_op,     // TAB_*
    output wire [31:0]     out_tab_local_ip,
    output wire [31:0]     out_tab_remote_ip,
    output wire [31:0]     out_tab_ports,  // local_port << 16 | remote_port
    output wire            out_kick,
    output wire            out_kick_pend,
    output wire            out_ack,
    output wire [63:0]     out_cnt_inc
);

// Flow-table operations (out_tab_op).
localparam [1:0] TAB_NONE = 2'd0, TAB_INSERT = 2'd1, TAB_REMOVE = 2'd2;

// Firmware-private constants (firmware/fp_internal.h); tb_cmd_exec checks
// them against the firmware's.
localparam [7:0]  NF_VALID /*verilator public*/ = 8'h01;   // FP_NF_VALID
localparam [7:0]  NF_QUEUED /*verilator public*/ = 8'h02;  // FP_NF_QUEUED
localparam [7:0]  NF_RTT /*verilator public*/ = 8'h04;     // FP_NF_RTT
localparam [15:0] HDRS_LEN /*verilator public*/ = 16'd54;  // FP_HDRS_LEN
localparam [15:0] TS_OPT_LEN /*verilator public*/ = 16'd12; // FP_TS_OPT_LEN
// Negative errno values as fb.status carries them (Linux numbers).
localparam [15:0] E_NOENT /*verilator public*/ = 16'hfffe;  // -ENOENT (2)
localparam [15:0] E_EXIST /*verilator public*/ = 16'hffef;  // -EEXIST (17)
localparam [15:0] E_INVAL /*verilator public*/ = 16'hffea;  // -EINVAL (22)
localparam [15:0] E_PROTO /*verilator public*/ = 16'hffb9;  // -EPROTO (71)

localparam ID_W = $clog2(FLOW_CAP);

if ((1 << ID_W) != FLOW_CAP || FLOW_CAP < 16 || FLOW_CAP > (1 << 24)) begin : g_err_cap
    $error("cmd_exec: FLOW_CAP must be a power of two in [16, 2^24]");
end
if (LATENCY != 4) begin : g_err_lat
    $error("cmd_exec: LATENCY is 4");
end
if (32'(toffee_abi_pkg::FLOW_BYTES) != 128 || 32'(toffee_abi_pkg::SP_CMD_BYTES) != 32 ||
    32'(toffee_abi_pkg::SP_FB_BYTES) != 32 || 32'(toffee_abi_pkg::CTX_CMD_BYTES) != 16) begin : g_err_abi
    $error("cmd_exec: ABI entry sizes changed");
end

// Bit positions of the fields used (toffee_abi_pkg byte offsets * 8).
localparam integer F_LIP   = 8 * toffee_abi_pkg::FLOW_LOCAL_IP_OFF;
localparam integer F_RIP   = 8 * toffee_abi_pkg::FLOW_REMOTE_IP_OFF;
localparam integer F_LPORT = 8 * toffee_abi_pkg::FLOW_LOCAL_PORT_OFF;
localparam integer F_RPORT = 8 * toffee_abi_pkg::FLOW_REMOTE_PORT_OFF;
localparam integer F_CTX   = 8 * toffee_abi_pkg::FLOW_CTX_ID_OFF;
localparam integer F_FLAGS = 8 * toffee_abi_pkg::FLOW_FLAGS_OFF;
localparam integer F_MSS   = 8 * toffee_abi_pkg::FLOW_MSS_OFF;
localparam integer F_SWS   = 8 * toffee_abi_pkg::FLOW_SND_WSCALE_OFF;
localparam integer F_RWS   = 8 * toffee_abi_pkg::FLOW_RCV_WSCALE_OFF;
localparam integer F_RXL   = 8 * toffee_abi_pkg::FLOW_RX_BUF_LOG2_OFF;
localparam integer F_TXL   = 8 * toffee_abi_pkg::FLOW_TX_BUF_LOG2_OFF;
localparam integer F_DUPA  = 8 * toffee_abi_pkg::FLOW_DUPACKS_OFF;
localparam integer F_NF    = 8 * toffee_abi_pkg::FLOW_NIC_FLAGS_OFF;
localparam integer F_FBFR  = 8 * toffee_abi_pkg::FLOW_FB_FAST_REXMITS_OFF;
localparam integer F_RXAV  = 8 * toffee_abi_pkg::FLOW_RX_AVAIL_OFF;
localparam integer F_UNA   = 8 * toffee_abi_pkg::FLOW_SND_UNA_OFF;
localparam integer F_NXT   = 8 * toffee_abi_pkg::FLOW_SND_NXT_OFF;
localparam integer F_MAX   = 8 * toffee_abi_pkg::FLOW_SND_MAX_OFF;
localparam integer F_END   = 8 * toffee_abi_pkg::FLOW_TX_END_OFF;
localparam integer F_CWND  = 8 * toffee_abi_pkg::FLOW_CWND_OFF;
localparam integer F_PS    = 8 * toffee_abi_pkg::FLOW_PS_PER_BYTE_OFF;
localparam integer F_TB    = 8 * toffee_abi_pkg::FLOW_TB_TIME_OFF;
localparam integer F_FBA   = 8 * toffee_abi_pkg::FLOW_FB_ACKED_OFF;
localparam integer F_FBE   = 8 * toffee_abi_pkg::FLOW_FB_ECN_ACKED_OFF;
localparam integer F_FBR   = 8 * toffee_abi_pkg::FLOW_FB_RTT_US_OFF;
localparam integer F_NEXT  = 8 * toffee_abi_pkg::FLOW_SCHED_NEXT_OFF;
// Slow-path command entry.
localparam integer C_OP    = 8 * toffee_abi_pkg::SP_CMD_OPCODE_OFF;
localparam integer C_TAG   = 8 * toffee_abi_pkg::SP_CMD_TAG_OFF;
localparam integer C_FID   = 8 * toffee_abi_pkg::SP_CMD_FLOW_ID_OFF;
localparam integer C_IOVA  = 8 * toffee_abi_pkg::SP_CMD_IOVA_OFF;
localparam integer C_ARG0  = 8 * toffee_abi_pkg::SP_CMD_ARG0_OFF;
// Context command entry.
localparam integer X_FID   = 8 * toffee_abi_pkg::CTX_CMD_FLOW_ID_OFF;
localparam integer X_TXB   = 8 * toffee_abi_pkg::CTX_CMD_TX_BYTES_OFF;
localparam integer X_RXB   = 8 * toffee_abi_pkg::CTX_CMD_RX_BYTES_OFF;
localparam integer X_FLG   = 8 * toffee_abi_pkg::CTX_CMD_FLAGS_OFF;
// Feedback entry.
localparam integer B_FID   = 8 * toffee_abi_pkg::SP_FB_FLOW_ID_OFF;
localparam integer B_ACK   = 8 * toffee_abi_pkg::SP_FB_ACKED_BYTES_OFF;
localparam integer B_ECN   = 8 * toffee_abi_pkg::SP_FB_ECN_BYTES_OFF;
localparam integer B_RTT   = 8 * toffee_abi_pkg::SP_FB_RTT_US_OFF;
localparam integer B_INF   = 8 * toffee_abi_pkg::SP_FB_INFLIGHT_OFF;
localparam integer B_FR    = 8 * toffee_abi_pkg::SP_FB_FAST_REXMITS_OFF;
localparam integer B_TAG   = 8 * toffee_abi_pkg::SP_FB_TAG_OFF;
localparam integer B_ST    = 8 * toffee_abi_pkg::SP_FB_STATUS_OFF;
localparam integer B_TYPE  = 8 * toffee_abi_pkg::SP_FB_TYPE_OFF;

localparam [15:0] FLOWF_TS = toffee_abi_pkg::FLOWF_TS;
localparam [15:0] FLOWF_TX_FIN = toffee_abi_pkg::FLOWF_TX_FIN;
localparam [15:0] FLOWF_SLOWPATH = toffee_abi_pkg::FLOWF_SLOWPATH;
localparam [7:0]  CMDF_FIN = toffee_abi_pkg::CMDF_FIN;
localparam [15:0] MAX_FRAME = 16'(toffee_abi_pkg::MAX_FRAME);
// hdr + mss > MAX_FRAME  <=>  mss > MAX_FRAME - hdr (install()).
localparam [15:0] MSS_MAX_TS = MAX_FRAME - HDRS_LEN - TS_OPT_LEN;
localparam [15:0] MSS_MAX = MAX_FRAME - HDRS_LEN;
localparam [7:0]  LOG2_MIN = 8'(toffee_abi_pkg::BUF_LOG2_MIN);
localparam [7:0]  LOG2_MAX = 8'(toffee_abi_pkg::BUF_LOG2_MAX);
localparam integer CNT_BAD = toffee_abi_pkg::CNT_DROP_BASE + {24'd0, toffee_abi_pkg::DROP_CMD_BAD};
localparam integer CNT_NOWN = toffee_abi_pkg::CNT_DROP_BASE + {24'd0, toffee_abi_pkg::DROP_CMD_NOT_OWNER};

// Data registers load while the pipeline holds or takes a command (cx_run;
// valid bits always advance): a clock enable that lets the model skip the
// idle pipeline, which is most cycles. The output stage runs one cycle
// more, to clear its valid-qualified outputs.
logic cx_run;

// ---------------------------------------------------------------------------
// S0: input registers. For INSTALL the image takes the state's place (the
// old state contributes its VALID bit, QUEUED bit and sched_next only).
// ---------------------------------------------------------------------------
logic          s0_v = 1'b0;
logic          s0_x;                  // context command
logic          s0_pok;
logic [159:0]  s0_cmd;                // up to arg0 (the rest is unused)
logic [7:0]    s0_ctx;
logic [1023:0] s0_f;                  // state, or the image for INSTALL
logic [7:0]    s0_onf;                // old nic_flags
logic [31:0]   s0_onext;              // old sched_next
logic [63:0]   s0_now;

wire in_install = !in_ctx_cmd && in_cmd[C_OP +: 8] == toffee_abi_pkg::CMD_INSTALL;

always_ff @(posedge clk) begin
    s0_v <= in_valid;
    if (cx_run) begin
        s0_x <= in_ctx_cmd;
        s0_pok <= in_phase_ok;
        s0_cmd <= in_cmd[159:0];
        s0_ctx <= in_ctx;
        s0_f <= in_install ? in_image : in_state;
        s0_onf <= in_state[F_NF +: 8];
        s0_onext <= in_state[F_NEXT +: 32];
        s0_now <= in_now_ns;
    end
    if (rst)
        s0_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// S1: arithmetic and comparisons on the fields.
// ---------------------------------------------------------------------------
wire [7:0]  a_op = s0_cmd[C_OP +: 8];
// verilator lint_off UNUSEDSIGNAL
wire [31:0] a_fid = s0_x ? s0_cmd[X_FID +: 32] : s0_cmd[C_FID +: 32];
// verilator lint_on UNUSEDSIGNAL
wire [31:0] a_txb = s0_cmd[X_TXB +: 32];
wire [31:0] a_rxb = s0_cmd[X_RXB +: 32];
wire [15:0] a_ctxid = s0_f[F_CTX +: 16];
wire [15:0] a_flags = s0_f[F_FLAGS +: 16];
wire [15:0] a_mss = s0_f[F_MSS +: 16];
wire [7:0]  a_sws = s0_f[F_SWS +: 8];
wire [7:0]  a_rws = s0_f[F_RWS +: 8];
wire [7:0]  a_rxl = s0_f[F_RXL +: 8];
wire [7:0]  a_txl = s0_f[F_TXL +: 8];
wire [31:0] a_rxav = s0_f[F_RXAV +: 32];
wire [31:0] a_una = s0_f[F_UNA +: 32];
wire [31:0] a_nxt = s0_f[F_NXT +: 32];
wire [31:0] a_max = s0_f[F_MAX +: 32];
wire [31:0] a_end = s0_f[F_END +: 32];

// 1 << log2 as the firmware's 32-bit shift (only used for log2 in 12 .. 30:
// install() checks the range first, installed flows have passed it).
wire [31:0] a_rx_size = 32'd1 << a_rxl[4:0];
wire [31:0] a_tx_size = 32'd1 << a_txl[4:0];

// Sequence differences (seq_gt(a, b): d = a - b, !d[31] && d != 0).
wire [31:0] d_una_nxt = a_una - a_nxt;
wire [31:0] d_nxt_max = a_nxt - a_max;
wire [31:0] d_una_end1 = a_una + ~a_end;            // snd_una - (tx_end + 1)
wire [31:0] d_una_end = a_una - a_end;
wire [31:0] d_end_una = a_end - a_una;              // tx_end - snd_una

logic          s1_v = 1'b0;
logic          s1_x, s1_pok;
logic [159:0]  s1_cmd;
logic [1023:0] s1_f;
logic [7:0]    s1_onf;
logic [31:0]   s1_onext;
logic [63:0]   s1_now;
logic          s1_is_nop, s1_is_inst, s1_is_rem, s1_is_rate, s1_is_wnd, s1_is_rexmit;
logic          s1_is_read, s1_is_fb, s1_is_fin, s1_is_slow, s1_op_known;
logic          s1_arg_gt1;                           // arg0 > 1 (SET_SLOWPATH: bad)
logic          s1_in_range, s1_valid, s1_ctx_eq;
logic [7:0]    s1_ibad;                              // install() conditions
logic          s1_end_big;
logic          s1_una_gt_nxt, s1_nxt_gt_max, s1_una_gt_end1, s1_una_lt_end;
logic          s1_una_gt_end;
logic [31:0]   s1_tx_size, s1_tx_room, s1_rx_room, s1_thr, s1_rx_new, s1_end_new;
logic [31:0]   s1_inflight;

always_ff @(posedge clk) begin
    s1_v <= s0_v;
    if (cx_run) begin
        s1_x <= s0_x;
        s1_pok <= s0_pok;
        s1_cmd <= s0_cmd;
        s1_f <= s0_f;
        s1_onf <= s0_onf;
        s1_onext <= s0_onext;
        s1_now <= s0_now;

        s1_is_nop <= a_op == toffee_abi_pkg::CMD_NOP;
        s1_is_inst <= a_op == toffee_abi_pkg::CMD_INSTALL;
        s1_is_rem <= a_op == toffee_abi_pkg::CMD_REMOVE;
        s1_is_rate <= a_op == toffee_abi_pkg::CMD_SET_RATE;
        s1_is_wnd <= a_op == toffee_abi_pkg::CMD_SET_WINDOW;
        s1_is_rexmit <= a_op == toffee_abi_pkg::CMD_RETRANSMIT;
        s1_is_read <= a_op == toffee_abi_pkg::CMD_READ_STATE;
        s1_is_fb <= a_op == toffee_abi_pkg::CMD_FEEDBACK;
        s1_is_fin <= a_op == toffee_abi_pkg::CMD_TX_FIN;
        s1_is_slow <= a_op == toffee_abi_pkg::CMD_SET_SLOWPATH;
        s1_arg_gt1 <= s0_cmd[C_ARG0 + 1 +: 31] != 31'd0;
        s1_op_known <= a_op < toffee_abi_pkg::CMD_COUNT;

        s1_in_range <= a_fid[31:ID_W] == '0;
        s1_valid <= (s0_onf & NF_VALID) != 8'd0;
        s1_ctx_eq <= a_ctxid == {8'd0, s0_ctx};

        // install(): every condition of its -EINVAL test, in its order.
        s1_ibad[0] <= {16'd0, a_ctxid} >= toffee_abi_pkg::MAX_CTX;
        s1_ibad[1] <= a_mss == 16'd0;
        s1_ibad[2] <= a_mss > ((a_flags & FLOWF_TS) != 16'd0 ? MSS_MAX_TS : MSS_MAX);
        s1_ibad[3] <= a_sws > 8'd14;
        s1_ibad[4] <= a_rws > 8'd14;
        s1_ibad[5] <= a_rxl < LOG2_MIN || a_rxl > LOG2_MAX;
        s1_ibad[6] <= a_txl < LOG2_MIN || a_txl > LOG2_MAX;
        s1_ibad[7] <= a_rxav > a_rx_size;
        s1_end_big <= d_end_una > a_tx_size;             // with seq_lt(una, end)
        s1_una_gt_nxt <= !d_una_nxt[31] && d_una_nxt != 32'd0;
        s1_nxt_gt_max <= !d_nxt_max[31] && d_nxt_max != 32'd0;
        s1_una_gt_end1 <= !d_una_end1[31] && d_una_end1 != 32'd0;
        s1_una_lt_end <= d_una_end[31];
        s1_una_gt_end <= !d_una_end[31] && d_una_end != 32'd0;

        // ctx_exec(): room in the buffers, threshold, new values.
        s1_tx_size <= a_tx_size;
        s1_tx_room <= a_tx_size - d_end_una;              // tx_size - tx_used when not seq_gt(una, end)
        s1_rx_room <= a_rx_size - a_rxav;
        s1_thr <= {15'd0, a_mss, 1'b0} < {1'b0, a_rx_size[31:1]} ? {15'd0, a_mss, 1'b0} : {1'b0, a_rx_size[31:1]};
        s1_rx_new <= a_rxav + a_rxb;
        s1_end_new <= a_end + a_txb;

        s1_inflight <= a_nxt - a_una;
    end
    if (rst)
        s1_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// S2: the decision.
// ---------------------------------------------------------------------------
wire [31:0] b_txb = s1_cmd[X_TXB +: 32];
wire [31:0] b_rxb = s1_cmd[X_RXB +: 32];
wire [7:0]  b_xflags = s1_cmd[X_FLG +: 8];
wire [15:0] b_flags = s1_f[F_FLAGS +: 16];
wire [31:0] b_rxav = s1_f[F_RXAV +: 32];
wire        b_img_bad = (|s1_ibad[7:0]) || s1_una_gt_nxt || s1_nxt_gt_max || s1_una_gt_end1 ||
                        (s1_una_lt_end && s1_end_big);
wire        b_live = s1_in_range && s1_valid;     // valid_flow()

// Slow-path command.
logic [15:0] sp_status;
logic        sp_bad, sp_wr, sp_kick, sp_ins, sp_rem, sp_read, sp_fbk;
always_comb begin
    sp_status = 16'd0;
    sp_bad = 1'b0;
    sp_wr = 1'b0;
    sp_kick = 1'b0;
    sp_ins = 1'b0;
    sp_rem = 1'b0;
    sp_read = 1'b0;
    sp_fbk = 1'b0;
    if (!s1_pok) begin
        sp_status = E_PROTO;
        sp_bad = 1'b1;
    end else if (s1_is_nop) begin
        sp_status = 16'd0;
    end else if (s1_is_inst) begin
        if (!s1_in_range) begin
            sp_status = E_INVAL;
            sp_bad = 1'b1;
        end else if (s1_valid) begin
            sp_status = E_EXIST;
        end else if (b_img_bad) begin
            sp_status = E_INVAL;
            sp_bad = 1'b1;
        end else begin
            sp_ins = 1'b1;                        // then the insert decides
            sp_wr = 1'b1;
            sp_kick = 1'b1;
        end
    end else if (!b_live) begin
        sp_status = s1_op_known ? E_NOENT : E_INVAL;
        sp_bad = !s1_op_known;
    end else if (s1_is_rem) begin
        sp_rem = 1'b1;
        sp_wr = 1'b1;
    end else if (s1_is_rate || s1_is_wnd || s1_is_rexmit || s1_is_fin) begin
        sp_wr = 1'b1;
        sp_kick = 1'b1;
    end else if (s1_is_slow) begin
        if (s1_arg_gt1) begin
            sp_status = E_INVAL;
            sp_bad = 1'b1;
        end else begin
            sp_wr = 1'b1;                         // no kick: nothing to send
        end
    end else if (s1_is_read) begin
        sp_read = 1'b1;
    end else if (s1_is_fb) begin
        sp_fbk = 1'b1;
        sp_wr = 1'b1;
    end else begin
        sp_status = E_INVAL;
        sp_bad = 1'b1;
    end
end

// Context command.
wire x_tx_bad = b_txb > (s1_una_gt_end ? s1_tx_size : s1_tx_room);
wire x_rx_bad = b_rxb > s1_rx_room;
wire x_fin_bad = b_txb != 32'd0 && (b_flags & FLOWF_TX_FIN) != 16'd0;
wire x_owner = b_live && s1_ctx_eq;
wire x_ok = s1_pok && x_owner && !(x_tx_bad || x_rx_bad || x_fin_bad);
wire x_fin = (b_xflags & CMDF_FIN) != 8'd0;
wire x_cross = b_rxav < s1_thr && s1_rx_new >= s1_thr;

logic          s2_v = 1'b0;
logic          s2_x;
logic [127:0]  s2_cmd;                  // opcode .. iova
logic [1023:0] s2_f;
logic [31:0]   s2_onext;
logic [63:0]   s2_now;
logic [15:0]   s2_status;
logic          s2_wr, s2_kick, s2_ack, s2_bad, s2_nown, s2_ins, s2_rem, s2_read, s2_fbk;
logic          s2_clr_fb;               // zero the feedback accumulators
logic          s2_inst;                 // install's other resets
logic [7:0]    s2_nf;                   // new nic_flags
logic [15:0]   s2_flags;                // new flags
logic [31:0]   s2_nxt, s2_end, s2_rxav, s2_ps, s2_cwnd, s2_inflight;

always_ff @(posedge clk) begin
    s2_v <= s1_v;
    if (cx_run) begin
        s2_x <= s1_x;
        s2_cmd <= s1_cmd[127:0];
        s2_f <= s1_f;
        s2_onext <= s1_onext;
        s2_now <= s1_now;
        s2_inflight <= s1_inflight;
        if (!s1_x) begin
            s2_status <= sp_status;
            s2_wr <= sp_wr;
            s2_kick <= sp_kick;
            s2_ack <= 1'b0;
            s2_bad <= sp_bad;
            s2_nown <= 1'b0;
            s2_ins <= sp_ins;
            s2_rem <= sp_rem;
            s2_read <= sp_read;
            s2_fbk <= sp_fbk;
            s2_clr_fb <= sp_ins || sp_fbk;
            s2_inst <= sp_ins;
        end else begin
            s2_status <= 16'd0;
            s2_wr <= x_ok;
            s2_kick <= x_ok && (b_txb != 32'd0 || x_fin);
            s2_ack <= x_ok && b_rxb != 32'd0 && x_cross;
            s2_bad <= !s1_pok || (x_owner && !x_ok);
            s2_nown <= s1_pok && !x_owner;
            s2_ins <= 1'b0;
            s2_rem <= 1'b0;
            s2_read <= 1'b0;
            s2_fbk <= 1'b0;
            s2_clr_fb <= 1'b0;
            s2_inst <= 1'b0;
        end
        // New values of the fields a command changes (s1_f when unchanged).
        s2_nf <= sp_ins && !s1_x ? (NF_VALID | (s1_onf & NF_QUEUED)) :
                 sp_rem && !s1_x ? (s1_f[F_NF +: 8] & ~NF_VALID) :
                 sp_wr && s1_is_rexmit && !s1_x ? (s1_f[F_NF +: 8] & ~NF_RTT) : s1_f[F_NF +: 8];
        s2_flags <= (!s1_x && sp_wr && s1_is_fin) || (s1_x && x_ok && x_fin) ? (b_flags | FLOWF_TX_FIN) :
                    !s1_x && sp_wr && s1_is_slow ? (s1_cmd[C_ARG0] ? (b_flags | FLOWF_SLOWPATH)
                                                                   : (b_flags & ~FLOWF_SLOWPATH)) : b_flags;
        s2_nxt <= !s1_x && sp_wr && s1_is_rexmit ? s1_f[F_UNA +: 32] : s1_f[F_NXT +: 32];
        s2_end <= s1_x && x_ok ? s1_end_new : s1_f[F_END +: 32];
        s2_rxav <= s1_x && x_ok ? s1_rx_new : b_rxav;
        s2_ps <= !s1_x && sp_wr && s1_is_rate ? s1_cmd[C_ARG0 +: 32] : s1_f[F_PS +: 32];
        s2_cwnd <= !s1_x && sp_wr && s1_is_wnd ? s1_cmd[C_ARG0 +: 32] : s1_f[F_CWND +: 32];
    end
    if (rst)
        s2_v <= 1'b0;
end

// ---------------------------------------------------------------------------
// S3: output state, feedback record, fp_tx_pending() of the new state.
// ---------------------------------------------------------------------------
// fp_tx_pending(): seq_lt(snd_nxt, tx_end) || (TX_FIN && snd_nxt == tx_end).
wire [31:0] c_d = s2_nxt - s2_end;
wire c_pending = c_d[31] || ((s2_flags & FLOWF_TX_FIN) != 16'd0 && c_d == 32'd0);

logic          o_v = 1'b0;
logic          o_x;
logic [31:0]   o_fid;
logic [1023:0] o_f;
logic          o_wr;
logic [15:0]   o_status;
logic          o_fb_v;
logic [255:0]  o_fb;
logic          o_dma_v;
logic [63:0]   o_iova;
logic [1:0]    o_tab;
logic [31:0]   o_lip, o_rip, o_ports;
logic          o_kick, o_kpend, o_ack;
logic [63:0]   o_cnt;

always_ff @(posedge clk) begin
    o_v <= s2_v;
    if (cx_run) begin
        logic [1023:0] n_f;
        logic [255:0] n_fb;
        n_f = s2_f;
        n_f[F_FLAGS +: 16] = s2_flags;
        n_f[F_NF +: 8] = s2_nf;
        n_f[F_NEXT +: 32] = s2_onext;
        n_f[F_NXT +: 32] = s2_nxt;
        n_f[F_END +: 32] = s2_end;
        n_f[F_RXAV +: 32] = s2_rxav;
        n_f[F_PS +: 32] = s2_ps;
        n_f[F_CWND +: 32] = s2_cwnd;
        if (s2_inst) begin
            n_f[F_DUPA +: 8] = 8'd0;
            n_f[F_TB +: 64] = s2_now;
        end
        if (s2_clr_fb) begin
            n_f[F_FBA +: 32] = 32'd0;
            n_f[F_FBE +: 32] = 32'd0;
            n_f[F_FBR +: 32] = 32'd0;
            n_f[F_FBFR +: 16] = 16'd0;
        end
        n_fb = '0;
        n_fb[B_FID +: 32] = s2_cmd[C_FID +: 32];
        n_fb[B_TAG +: 16] = s2_cmd[C_TAG +: 16];
        n_fb[B_ST +: 16] = s2_status;
        n_fb[B_TYPE +: 8] = s2_fbk ? toffee_abi_pkg::FB_FLOW : toffee_abi_pkg::FB_DONE;
        if (s2_fbk) begin
            n_fb[B_ACK +: 32] = s2_f[F_FBA +: 32];
            n_fb[B_ECN +: 32] = s2_f[F_FBE +: 32];
            n_fb[B_RTT +: 32] = s2_f[F_FBR +: 32];
            n_fb[B_INF +: 32] = s2_inflight;
            n_fb[B_FR +: 16] = s2_f[F_FBFR +: 16];
        end
        o_x <= s2_x;
        o_fid <= s2_x ? s2_cmd[X_FID +: 32] : s2_cmd[C_FID +: 32];
        o_f <= n_f;
        o_wr <= s2_v && s2_wr;
        o_status <= s2_status;
        o_fb_v <= s2_v && !s2_x;
        o_fb <= n_fb;
        o_dma_v <= s2_v && (s2_read || (s2_rem && s2_cmd[C_IOVA +: 64] != 64'd0));
        o_iova <= s2_cmd[C_IOVA +: 64];
        o_tab <= !s2_v ? TAB_NONE : s2_ins ? TAB_INSERT : s2_rem ? TAB_REMOVE : TAB_NONE;
        o_lip <= s2_f[F_LIP +: 32];
        o_rip <= s2_f[F_RIP +: 32];
        o_ports <= {s2_f[F_LPORT +: 16], s2_f[F_RPORT +: 16]};
        o_kick <= s2_v && s2_kick;
        o_kpend <= s2_v && s2_kick && c_pending;
        o_ack <= s2_v && s2_ack;
        o_cnt <= '0;
        o_cnt[CNT_BAD] <= s2_v && s2_bad;
        o_cnt[CNT_NOWN] <= s2_v && s2_nown;
    end
    if (rst) begin
        o_v <= 1'b0;
        o_wr <= 1'b0;
        o_fb_v <= 1'b0;
        o_dma_v <= 1'b0;
        o_tab <= TAB_NONE;
        o_kick <= 1'b0;
        o_kpend <= 1'b0;
        o_ack <= 1'b0;
        o_cnt <= '0;
    end
end

assign cx_run = in_valid || s0_v || s1_v || s2_v || o_v;

assign out_valid = o_v;
assign out_ctx_cmd = o_x;
assign out_flow_id = o_fid;
assign out_state = o_f;
assign out_state_wr = o_wr;
assign out_status = o_status;
assign out_fb_valid = o_fb_v;
assign out_fb = o_fb;
assign out_dma_wr_valid = o_dma_v;
assign out_dma_wr_iova = o_iova;
assign out_tab_op = o_tab;
assign out_tab_local_ip = o_lip;
assign out_tab_remote_ip = o_rip;
assign out_tab_ports = o_ports;
assign out_kick = o_kick;
assign out_kick_pend = o_kpend;
assign out_ack = o_ack;
assign out_cnt_inc = o_cnt;

endmodule

`default_nettype wire
