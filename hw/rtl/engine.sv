// SPDX-License-Identifier: MIT
// engine: the sequencer of the protocol engine (v1, docs/rtl.md "The
// protocol engine"). One job at a time, in the firmware's order:
//
//   received segment   (fp_rx): classify (rx_classify, inside), read the
//                      flow state, rx_protocol, write the state back, then
//                      the actions in fp_rx()'s order: payload deposit,
//                      context event (+ ARM -> notification), ACK,
//                      exception (frame copy + EXC entry)
//   poll (fp_poll), one per token on s_axis_poll (budget = tx_budget):
//     slow-path commands (fp_cmd_poll_sp): entry read, cmd_exec, flow
//                      table insert/remove, state write, READ_STATE copy,
//                      FB entry, head
//     raw frames       (fp_cmd_poll_raw): entry read, frame DMA read ->
//                      MAC, head
//     context commands (fp_cmd_poll_ctx): contexts with a pending CMD_TAIL
//                      doorbell in index order (a bitmap, not a scan),
//                      at most 64 commands each per poll, cmd_exec, window
//                      update ACK, head
//     transmit         (fp_tx_run): scheduler advance, then up to budget
//                      turns: tx_segment, frame (tx_frame + dma_read_bytes
//                      payload), state write, rotate/pop/wait
//
// Received segments may start between any two jobs (they come first, as
// the platform loop of the firmware calls fp_rx before fp_poll). A job
// takes a bounded number of cycles (constant per segment / entry). Received
// segments overlap (a loader, a lookahead deciding the next segment, the
// sequencer carrying out the actions, the deposit's replay and writes, and
// the event tail finishing an event: docs/rtl.md); polls do not overlap.
//
// The step modules (rx_protocol, cmd_exec, tx_segment, tx_frame, tx_sched)
// and the byte movers (dma_write_bytes for deposits, exception copies and
// READ_STATE images from the engine's frame buffer; dma_read_bytes for
// transmit payload) sit outside: their interfaces are ports of this module
// (prefixes rxp_, cmx_, txs_, txf_, sch_, mvw_, mvr_), wired in toffee_top.
// The engine owns the DMA write channel (ring writers inside, the mover's
// writes passed through, one source at a time so the host sees the writes
// in the firmware's order), its own read port (ring entries, INSTALL
// images, raw frames) and the MAC transmit stream (tx_frame's frames and
// raw frames).
//
// Counters: the engine counts RX_FRAMES (including the frames mac_rx drops
// as oversize, stat_oversize), exceptions (EXC_BASE + reason, EXC_FULL),
// TX_ACKS, TX_SEGS/TX_BYTES, TX_RAW, RAW_BAD and CMD_BAD of the slow-path
// rings; the step modules' cnt_inc outputs are added for their own events
// (their exception / transmit bits are masked).
`default_nettype none

module engine #(
    // DMA and stream width in bits (64 .. 512).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Flow state capacity (power of two): ids at or above are invalid.
    parameter FLOW_CAP = 65536,
    // Contexts implemented (axil_regs CTX_CAP).
    parameter CTX_CAP = 256,
    // Transmit budget of a free-running poll (poll_step = 0).
    parameter FREE_BUDGET = 32,
    // flow_state's read latency and rx_protocol's (fixed) latency: a
    // segment's state read is timed so that it arrives with the write of
    // the same flow's previous segment.
    parameter ST_READ_LATENCY = 2,
    parameter RXP_LATENCY = 9
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [63:0]             now_ns,

    // Polls. poll_step = 0 (hardware, toffee-sim): one poll after another,
    // FREE_BUDGET segments each. poll_step = 1 (the differential harness):
    // one poll per token on s_axis_poll (budget = fp_poll's tx_budget),
    // the token taken when the poll is done.
    input  wire                    poll_step,
    input  wire                    s_axis_poll_tvalid,
    output wire                    s_axis_poll_tready,
    input  wire [15:0]             s_axis_poll_budget,
    output wire                    idle,               // no job running or waiting

    // Received segments (flow_lookup result with the parser fields).
    input  wire                    s_axis_seg_tvalid,
    output wire                    s_axis_seg_tready,
    input  wire                    s_axis_seg_hit,
    input  wire [31:0]             s_axis_seg_flow_id,
    input  wire [15:0]             s_axis_seg_frame_len,
    input  wire [47:0]             s_axis_seg_dst_mac,
    input  wire [15:0]             s_axis_seg_ethertype,
    input  wire [3:0]              s_axis_seg_ip_ver,
    input  wire [3:0]              s_axis_seg_ip_ihl,
    input  wire [7:0]              s_axis_seg_ip_tos,
    input  wire [15:0]             s_axis_seg_ip_len,
    input  wire                    s_axis_seg_ip_frag,
    input  wire [7:0]              s_axis_seg_ip_proto,
    input  wire                    s_axis_seg_ip_csum_ok,
    input  wire [31:0]             s_axis_seg_tcp_seq,
    input  wire [31:0]             s_axis_seg_tcp_ack,
    input  wire [3:0]              s_axis_seg_tcp_doff,
    input  wire [7:0]              s_axis_seg_tcp_flags,
    input  wire [15:0]             s_axis_seg_tcp_win,
    input  wire                    s_axis_seg_tcp_csum_ok,
    input  wire                    s_axis_seg_opt_ok,
    input  wire                    s_axis_seg_ts,
    input  wire [31:0]             s_axis_seg_ts_val,
    input  wire [15:0]             s_axis_seg_pay_off,
    input  wire [15:0]             s_axis_seg_pay_len,
    input  wire                    stat_oversize,      // mac_rx dropped a frame (RX_FRAMES)

    // Frame bytes (frame FIFO), one frame per segment, in segment order.
    input  wire [DATA_WIDTH-1:0]   s_axis_frame_tdata,
    input  wire [KEEP_WIDTH-1:0]   s_axis_frame_tkeep,
    input  wire                    s_axis_frame_tvalid,
    output wire                    s_axis_frame_tready,
    input  wire                    s_axis_frame_tlast,

    // Configuration and slow-path rings (axil_regs).
    input  wire [31:0]             cfg_ctrl,
    input  wire [47:0]             cfg_mac,
    input  wire [31:0]             cfg_ctx_limit,
    input  wire [4*64-1:0]         cfg_spq_base,
    input  wire [4*32-1:0]         cfg_spq_log2,
    input  wire [4*64-1:0]         cfg_spq_buf,
    input  wire [4*32-1:0]         cfg_spq_head,
    input  wire [4*32-1:0]         cfg_spq_tail,
    output wire [3:0]              spq_head_we,
    output wire [4*32-1:0]         spq_head_wdata,
    output wire [3:0]              spq_tail_we,
    output wire [4*32-1:0]         spq_tail_wdata,
    // Context RAM port B (one-cycle read latency).
    output wire                    ctx_en,
    output wire [10:0]             ctx_we,
    output wire [7:0]              ctx_addr,
    output wire [11*32-1:0]        ctx_wdata,
    input  wire [11*32-1:0]        ctx_rdata,
    // Doorbells.
    input  wire                    s_axis_db_tvalid,
    output wire                    s_axis_db_tready,
    input  wire [7:0]              s_axis_db_ctx,
    input  wire [1:0]              s_axis_db_reg,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]             s_axis_db_value,    // the RAM holds it
    // verilator lint_on UNUSEDSIGNAL
    // Counters.
    output wire [63:0]             cnt_inc,
    output wire [15:0]             cnt_rx_bytes,
    output wire [15:0]             cnt_tx_bytes,
    // Notifications (fp_ctx_notify): context ids.
    output wire                    m_axis_notify_tvalid,
    input  wire                    m_axis_notify_tready,
    output wire [7:0]              m_axis_notify_ctx,

    // Flow state (flow_state).
    output wire                    st_rd_tvalid,
    output wire [31:0]             st_rd_flow_id,
    input  wire                    st_tvalid,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]             st_flow_id,
    // verilator lint_on UNUSEDSIGNAL
    input  wire [1023:0]           st_state,
    output wire                    st_wr_tvalid,
    output wire [31:0]             st_wr_flow_id,
    output wire [1023:0]           st_wr_state,
    output wire [31:0]             st_wr_strb,

    // Flow table updates (flow_lookup).
    output wire                    m_axis_upd_tvalid,
    input  wire                    m_axis_upd_tready,
    output wire                    m_axis_upd_remove,
    output wire [31:0]             m_axis_upd_local_ip,
    output wire [31:0]             m_axis_upd_remote_ip,
    output wire [31:0]             m_axis_upd_ports,
    output wire [31:0]             m_axis_upd_flow_id,
    input  wire                    s_axis_upd_status_tvalid,
    output wire                    s_axis_upd_status_tready,
    input  wire [15:0]             s_axis_upd_status,
    // Stop lookups from entering flow_lookup while an update waits for its
    // pipeline to empty (see S_SP_TAB).
    output wire                    hold_lookup,

    // rx_protocol.
    output wire                    rxp_in_valid,
    output wire [31:0]             rxp_flow_id,
    output wire [1023:0]           rxp_state,
    output wire [7:0]              rxp_flags,
    output wire [31:0]             rxp_seq,
    output wire [31:0]             rxp_ack,
    output wire [15:0]             rxp_wnd,
    output wire                    rxp_ts_ok,
    output wire [31:0]             rxp_tsval,
    output wire                    rxp_ce,
    output wire [15:0]             rxp_pay_off,
    output wire [15:0]             rxp_pay_len,
    output wire [15:0]             rxp_frame_len,
    output wire                    rxp_ev_ok,
    input  wire                    rxp_out_valid,
    input  wire [1023:0]           rxp_out_state,
    input  wire                    rxp_drop,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [7:0]              rxp_drop_reason,    // counted by rxp_cnt_inc
    // verilator lint_on UNUSEDSIGNAL
    input  wire                    rxp_punt,
    input  wire [7:0]              rxp_punt_reason,
    input  wire                    rxp_dep_valid,
    input  wire [15:0]             rxp_dep_off,
    input  wire [63:0]             rxp_dep_iova0,
    input  wire [15:0]             rxp_dep_len0,
    input  wire [63:0]             rxp_dep_iova1,
    input  wire [15:0]             rxp_dep_len1,
    input  wire                    rxp_ev_valid,
    input  wire [31:0]             rxp_ev_rx_bytes,
    input  wire [31:0]             rxp_ev_tx_freed,
    input  wire [7:0]              rxp_ev_flags,
    input  wire                    rxp_ack_valid,
    input  wire                    rxp_ack_ece,
    input  wire [31:0]             rxp_ack_dup_seq,
    input  wire [15:0]             rxp_ack_dup_len,
    input  wire                    rxp_kick,
    input  wire [63:0]             rxp_cnt_inc,
    input  wire [31:0]             rxp_rx_bytes_add,

    // cmd_exec: a slow-path command (32-byte entry) or a context command
    // (16-byte entry in the low bits, cmx_ctx its context).
    output wire                    cmx_in_valid,
    output wire                    cmx_ctx_cmd,
    output wire                    cmx_phase_ok,
    output wire [7:0]              cmx_ctx,
    output wire [255:0]            cmx_cmd,
    output wire [1023:0]           cmx_state,           // current (nic_flags VALID bit)
    output wire [1023:0]           cmx_image,           // INSTALL image
    input  wire                    cmx_out_valid,
    input  wire [1023:0]           cmx_out_state,
    input  wire                    cmx_out_state_wr,    // write cmx_out_state back
    input  wire [15:0]             cmx_status,          // 0 / -errno (slow path)
    // verilator lint_off UNUSEDSIGNAL
    input  wire                    cmx_fb_valid,        // every slow-path command has one
    // verilator lint_on UNUSEDSIGNAL
    input  wire [255:0]            cmx_fb,
    input  wire                    cmx_dma_wr_valid,    // READ_STATE
    input  wire [63:0]             cmx_dma_wr_iova,
    input  wire [1:0]              cmx_tab_op,          // 0 none, 1 insert, 2 remove
    input  wire [31:0]             cmx_tab_local_ip,
    input  wire [31:0]             cmx_tab_remote_ip,
    input  wire [31:0]             cmx_tab_ports,
    // verilator lint_off UNUSEDSIGNAL
    input  wire                    cmx_kick,            // kick_pend is the one that matters
    // verilator lint_on UNUSEDSIGNAL
    input  wire                    cmx_kick_pend,
    input  wire                    cmx_ack,             // window-update ACK
    input  wire [63:0]             cmx_cnt_inc,

    // tx_segment.
    output wire                    txs_in_valid,
    output wire [1023:0]           txs_state,
    input  wire                    txs_out_valid,
    input  wire [1:0]              txs_result,          // TXR_*: IDLE, SENT, MORE, WAIT_RATE
    input  wire [63:0]             txs_wake_ns,         // WAIT_RATE: tb_time
    input  wire [31:0]             txs_seq,
    input  wire [15:0]             txs_len,
    input  wire [7:0]              txs_flags,
    input  wire [7:0]              txs_tos,
    input  wire [63:0]             txs_iova0,
    input  wire [15:0]             txs_len0,
    input  wire [63:0]             txs_iova1,
    input  wire [15:0]             txs_len1,
    input  wire [1023:0]           txs_out_state,

    // tx_frame: a segment or ACK to build from the state (payload from
    // dma_read_bytes, wired to tx_frame in toffee_top); its frame comes back
    // on s_axis_txf.
    output wire                    txf_req_valid,
    input  wire                    txf_req_ready,
    input  wire                    txf_busy,           // a frame accepted, not yet all out
    output wire                    txf_req_is_ack,
    output wire                    txf_req_ece,
    output wire [31:0]             txf_req_dup_seq,    // ACK: D-SACK block (tx_frame)
    output wire [15:0]             txf_req_dup_len,
    output wire [1023:0]           txf_req_state,
    output wire [31:0]             txf_req_seq,
    output wire [7:0]              txf_req_flags,
    output wire [15:0]             txf_req_len,
    output wire [7:0]              txf_req_tos,
    input  wire [DATA_WIDTH-1:0]   s_axis_txf_tdata,
    input  wire [KEEP_WIDTH-1:0]   s_axis_txf_tkeep,
    input  wire                    s_axis_txf_tvalid,
    output wire                    s_axis_txf_tready,
    input  wire                    s_axis_txf_tlast,

    // dma_read_bytes: transmit payload, two pieces.
    output wire                    mvr_req_valid,
    input  wire                    mvr_req_ready,
    output wire [63:0]             mvr_req_iova0,
    output wire [15:0]             mvr_req_len0,
    output wire [63:0]             mvr_req_iova1,
    output wire [15:0]             mvr_req_len1,

    // tx_sched: operations and the head of the ready FIFO.
    output wire                    sch_op_valid,
    input  wire                    sch_op_ready,
    output wire [2:0]              sch_op,              // SCH_*
    output wire [31:0]             sch_op_id,
    output wire [63:0]             sch_op_time,
    input  wire                    sch_busy,            // an operation in progress
    input  wire                    sch_head_valid,
    input  wire [31:0]             sch_head_id,
    input  wire                    sch_wheel_any,      // flows waiting on the wheel

    // dma_write_bytes: bytes [off, off + len0 + len1) of the frame stream
    // m_axis_mvw (the engine's frame buffer replayed from byte 0, consumed
    // through tlast: drain) to iova0 (len0 bytes) and iova1 (len1 bytes);
    // its DMA writes pass through the engine; done when busy falls.
    output wire                    mvw_req_valid,
    input  wire                    mvw_req_ready,
    output wire [15:0]             mvw_req_skip,
    output wire [63:0]             mvw_req_iova0,
    output wire [15:0]             mvw_req_len0,
    output wire [63:0]             mvw_req_iova1,
    output wire [15:0]             mvw_req_len1,
    output wire [DATA_WIDTH-1:0]   m_axis_mvw_tdata,
    output wire [KEEP_WIDTH-1:0]   m_axis_mvw_tkeep,
    output wire                    m_axis_mvw_tvalid,
    input  wire                    m_axis_mvw_tready,
    output wire                    m_axis_mvw_tlast,
    input  wire                    mvw_busy,
    input  wire                    s_axis_mvw_wr_tvalid,
    output wire                    s_axis_mvw_wr_tready,
    input  wire [63:0]             s_axis_mvw_wr_addr,
    input  wire [DATA_WIDTH-1:0]   s_axis_mvw_wr_data,
    input  wire [KEEP_WIDTH-1:0]   s_axis_mvw_wr_strb,
    input  wire                    s_axis_mvw_wr_last,

    // DMA write channel (to the shell).
    output wire                    m_axis_dma_wr_tvalid,
    input  wire                    m_axis_dma_wr_tready,
    output wire [63:0]             m_axis_dma_wr_addr,
    output wire [DATA_WIDTH-1:0]   m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]   m_axis_dma_wr_strb,
    output wire                    m_axis_dma_wr_last,
    // The engine's DMA reads (through dma_rd_arb).
    output wire                    m_axis_rd_req_tvalid,
    input  wire                    m_axis_rd_req_tready,
    output wire [63:0]             m_axis_rd_req_addr,
    output wire [15:0]             m_axis_rd_req_len,
    input  wire                    s_axis_rd_resp_tvalid,
    output wire                    s_axis_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]   s_axis_rd_resp_data,
    input  wire                    s_axis_rd_resp_last,

    // MAC transmit (to mac_tx).
    output wire [DATA_WIDTH-1:0]   m_axis_tx_tdata,
    output wire [KEEP_WIDTH-1:0]   m_axis_tx_tkeep,
    output wire                    m_axis_tx_tvalid,
    input  wire                    m_axis_tx_tready,
    output wire                    m_axis_tx_tlast
);

localparam B = KEEP_WIDTH;
localparam LG_B = $clog2(B);
localparam ID_W = $clog2(FLOW_CAP);
localparam RD_BEATS = 128 / B + 1;           // 128 bytes at any alignment
localparam RDB_W = RD_BEATS * DATA_WIDTH;
localparam RDC_W = $clog2(RD_BEATS + 1);

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG_B) != B || B * 8 != DATA_WIDTH) begin : g_err_dw
    $error("engine: DATA_WIDTH must be a power of two in 64 .. 512");
end
if ((1 << ID_W) != FLOW_CAP) begin : g_err_cap
    $error("engine: FLOW_CAP must be a power of two");
end
if (CTX_CAP < 1 || CTX_CAP > 256) begin : g_err_ctx
    $error("engine: CTX_CAP must be in 1 .. 256");
end
if (RXP_LATENCY < 1 || RXP_LATENCY > 15) begin : g_err_rxp_latency
    $error("engine: RXP_LATENCY must be in 1 .. 15");
end

// Scheduler operations and tx_segment results.
localparam [2:0] SCH_KICK = 3'd0, SCH_POP = 3'd1, SCH_ROTATE = 3'd2, SCH_WAIT = 3'd3, SCH_ADVANCE = 3'd4;
localparam [1:0] TXR_IDLE = 2'd0, TXR_SENT = 2'd1, TXR_MORE = 2'd2, TXR_WAIT_RATE = 2'd3;
// rx_classify verdicts.
localparam [1:0] V_PASS = 2'd0, V_DROP = 2'd1, V_PUNT = 2'd2;   // rx_classify's verdicts

// Field offsets in struct toffee_flow (bits).
localparam O_CTX = 8 * toffee_abi_pkg::FLOW_CTX_ID_OFF;
localparam O_FLAGS = 8 * toffee_abi_pkg::FLOW_FLAGS_OFF;
localparam O_NICF = 8 * toffee_abi_pkg::FLOW_NIC_FLAGS_OFF;
localparam O_SNDNXT = 8 * toffee_abi_pkg::FLOW_SND_NXT_OFF;
localparam O_TXEND = 8 * toffee_abi_pkg::FLOW_TX_END_OFF;
// Context RAM row words.
localparam W_EV_BASE_LO = 0, W_EV_BASE_HI = 1, W_EV_LOG2 = 2, W_EV_TAIL = 3;
localparam W_CMD_BASE_LO = 4, W_CMD_BASE_HI = 5, W_CMD_LOG2 = 6, W_CMD_HEAD = 7;
localparam W_CMD_TAIL = 8, W_EV_HEAD = 9, W_ARM = 10;
// Slow-path rings.
localparam Q_EXC = 0, Q_RAW = 1, Q_CMD = 2, Q_FB = 3;
localparam [31:0] CTX_BUDGET = 32'd64;        // FP_CTX_CMD_BUDGET

// verilator lint_off UNUSEDSIGNAL
function automatic [63:0] cbit(input [31:0] idx);
    cbit = 64'd1 << idx[5:0];
endfunction
function automatic [31:0] w32(input [11*32-1:0] row, input integer w);
    w32 = row[32*w +: 32];
endfunction
// toffee_phase(idx, log2)
function automatic [7:0] phase_of(input [31:0] idx, input [31:0] log2);
    phase_of = {7'd0, !idx[log2[4:0]]};
endfunction
function automatic [31:0] size_of(input [31:0] log2);
    size_of = 32'd1 << log2[4:0];
endfunction
function automatic seq_lt(input [31:0] a, input [31:0] b);
    logic [31:0] d;
    d = a - b;
    seq_lt = d[31];
endfunction
// verilator lint_on UNUSEDSIGNAL

// ---------------------------------------------------------------------------
// States.
// ---------------------------------------------------------------------------
localparam [6:0]
    S_IDLE        = 7'd0,
    // receive
    S_RX_NEXT     = 7'd1,   // the taken segment's next action (kick, deposit, event, exception)
    S_EV_ROWW     = 7'd16,  // event without a deposit: its context row arriving
    // shared action sub-sequences
    S_MV_REQ      = 7'd20,  // mover request + frame replay (then on: it runs by itself)
    S_EV_ENTRY    = 7'd22,  // event entry to the ring writer (then the event tail)
    S_EXC_CLAIM   = 7'd27,
    S_EXC_ENTRY   = 7'd28,
    S_EXC_WAIT    = 7'd29,
    S_TXF_REQ     = 7'd30,  // frame request (+ payload read)
    S_TXF_WAIT    = 7'd31,
    S_SCH_OP      = 7'd32,  // scheduler operation
    S_SCH_WAIT    = 7'd33,
    S_RD_REQ      = 7'd34,  // engine DMA read of up to 128 bytes
    S_RD_WAIT     = 7'd35,
    S_RD_ALIGN    = 7'd38,  // the bytes read, aligned (a register: depth)
    S_FB_ENTRY    = 7'd36,
    S_FB_WAIT     = 7'd37,
    // poll
    S_POLL        = 7'd40,
    S_SP_NEXT     = 7'd41,
    S_SP_CMD      = 7'd42,  // entry read back
    S_SP_IMG      = 7'd43,  // INSTALL image read back
    S_SP_STRD     = 7'd44,
    S_SP_STW      = 7'd45,
    S_SP_EXEC     = 7'd46,
    S_SP_EXECW    = 7'd47,
    S_SP_TAB      = 7'd48,
    S_SP_TABW     = 7'd49,
    S_SP_WB       = 7'd50,
    S_SP_RDST     = 7'd51,  // READ_STATE, REMOVE with an iova: state -> frame buffer
    S_SP_FB       = 7'd52,
    S_SP_DONE     = 7'd53,
    S_RAW_START   = 7'd54,
    S_RAW_NEXT    = 7'd55,
    S_RAW_ENT     = 7'd56,
    S_RAW_RDREQ   = 7'd57,
    S_RAW_STREAM  = 7'd58,
    S_RAW_DONE    = 7'd59,
    S_CTX_START   = 7'd60,
    S_CTX_PICK    = 7'd61,
    S_CTX_ROW     = 7'd62,
    S_CTX_ROWW    = 7'd63,
    S_CTX_NEXT    = 7'd64,
    S_CTX_CMD     = 7'd65,
    S_CTX_STRD    = 7'd66,
    S_CTX_STW     = 7'd67,
    S_CTX_EXEC    = 7'd68,
    S_CTX_EXECW   = 7'd69,
    S_CTX_WB      = 7'd70,
    S_CTX_ACK     = 7'd71,
    S_CTX_END     = 7'd72,
    S_CTX_PICK2   = 7'd73,
    S_CTX_PICK3   = 7'd74,
    S_TX_START    = 7'd80,
    S_TX_NEXT     = 7'd81,
    S_TX_STRD     = 7'd82,
    S_TX_STW      = 7'd83,
    S_TX_SEG      = 7'd84,
    S_TX_SEGW     = 7'd85,
    S_TX_WB       = 7'd87,
    S_TX_SCHED    = 7'd88,
    S_POLL_DONE   = 7'd89,
    S_TX_WAITOP   = 7'd90;

// The lookahead: the receive decision (flow state, rx_classify, context row,
// rx_protocol, state write) of the next segment, while the sequencer
// carries out the actions of the previous one.
localparam [3:0]
    LA_IDLE  = 4'd0,
    LA_STRD  = 4'd1,    // flow state read
    LA_STW   = 4'd2,
    LA_CLS   = 4'd3,    // rx_classify
    LA_CLSW  = 4'd4,
    LA_CTX   = 4'd5;    // waits for the context row (event ring room)

logic [6:0] state_reg /*verilator public_flat_rd*/ = S_IDLE;
logic [6:0] ret_reg = S_IDLE;        // return state of a sub-sequence
logic [6:0] ret2_reg = S_IDLE;       // second level (event / exception -> TXF / MV)
logic [6:0] resume_reg = S_IDLE;     // where the poll continues after a job

// ---------------------------------------------------------------------------
// Job registers.
// ---------------------------------------------------------------------------
// segment
logic seg_hit_reg = 1'b0;
logic [31:0] seg_flow_reg = '0;
logic [15:0] seg_frame_len_reg = '0, seg_ip_len_reg = '0, seg_ethertype_reg = '0;
logic [47:0] seg_dst_mac_reg = '0;
logic [3:0] seg_ip_ver_reg = '0, seg_ip_ihl_reg = '0, seg_tcp_doff_reg = '0;
logic [7:0] seg_ip_tos_reg = '0, seg_ip_proto_reg = '0, seg_tcp_flags_reg = '0;
logic seg_ip_frag_reg = 1'b0, seg_ip_csum_ok_reg = 1'b0, seg_tcp_csum_ok_reg = 1'b0;
logic seg_opt_ok_reg = 1'b0, seg_ts_reg = 1'b0;
logic [31:0] seg_seq_reg = '0, seg_ack_reg = '0, seg_ts_val_reg = '0;
logic [15:0] seg_win_reg = '0, seg_pay_off_reg = '0, seg_pay_len_reg = '0;

logic [1023:0] fst_reg = '0;         // flow state as read
logic [1023:0] nst_reg = '0;         // new state
logic [11*32-1:0] row_reg = '0;      // context row (the sequencer's)

// lookahead: its state (the segment being decided)
logic [3:0] la_state_reg /*verilator public_flat_rd*/ = LA_IDLE;
logic la_ev_ok_reg = 1'b0;           // room in the event ring
logic la_ctx_rd_reg = 1'b0;          // its context row read issued
logic la_ctx_cap_reg = 1'b0;         // ... and arriving
wire la_ev_known;                    // la_ev_ok (below) has it

// The decided segments, oldest first (lq_*, LQ entries): the sequencer
// takes the head. A DROP or PUNT is complete when it is decided; a PASS
// entry is made as its segment enters rx_protocol (waiting: lq_wait) and
// completed as rx_protocol's output comes, in the same order. Each entry
// holds what the sequencer needs, in the shape of its a_* registers.
localparam LQ = 4;
localparam LQ_W = $clog2(LQ);
logic [LQ_W-1:0] lq_head_reg = '0, lq_tail_reg = '0;
logic [LQ_W:0] lq_count_reg = '0;
logic [LQ-1:0] lq_valid_reg = '0;    // in the queue
logic [LQ-1:0] lq_wait_reg = '0;     // ... waiting for rx_protocol
logic [3:0] lq_due_reg [LQ];         // ... cycles until its output (and state write)
logic [LQ-1:0] lq_punt_reg = '0, lq_dep_reg = '0, lq_ev_reg = '0, lq_ack_reg = '0, lq_ece_reg = '0,
               lq_kick_reg = '0;
logic [31:0] lq_flow_reg [LQ];       // the flow (PASS: its state is written back)
logic [31:0] lq_aflow_reg [LQ];      // the flow of its actions (PUNT: the verdict's)
logic [7:0] lq_ctx_reg [LQ];
logic [15:0] lq_frame_len_reg [LQ];
logic [7:0] lq_exc_reason_reg [LQ];
logic [15:0] lq_exc_len_reg [LQ];
logic [15:0] lq_dep_off_reg [LQ], lq_dep_len0_reg [LQ], lq_dep_len1_reg [LQ];
logic [63:0] lq_dep_iova0_reg [LQ], lq_dep_iova1_reg [LQ];
logic [31:0] lq_ev_rx_reg [LQ], lq_ev_freed_reg [LQ];
logic [7:0] lq_ev_flags_reg [LQ];
logic [31:0] lq_dup_seq_reg [LQ];
logic [15:0] lq_dup_len_reg [LQ];
logic [1023:0] lq_nst_reg [LQ];      // the new state (its ACK is built from it)

// the segment the sequencer holds: its actions (a_*), taken from the lookahead
logic [31:0] a_flow_reg = '0;
logic [7:0] a_ctx_reg = '0;
logic [15:0] a_frame_len_reg = '0;
logic a_punt_reg = 1'b0, a_dep_reg = 1'b0, a_ev_reg = 1'b0, a_kick_reg = 1'b0;
// Its ACK, requested from tx_frame alongside the other actions (txf_*
// hold it: the sequencer stays in S_IDLE until tx_frame has taken it).
logic ack_pend_reg = 1'b0;
logic ev_row_cap_reg = 1'b0;         // the event's row arrives: row_reg
// An ARM doorbell for the event's context came after its row was read (or
// the event tail disarmed it): the ARM word in row_reg may be stale.
logic arm_dirty_reg = 1'b0;
logic [7:0] a_exc_reason_reg = '0, a_ev_flags_reg = '0;
logic [15:0] a_exc_len_reg = '0;
logic [15:0] a_dep_off_reg = '0, a_dep_len0_reg = '0, a_dep_len1_reg = '0;
logic [63:0] a_dep_iova0_reg = '0, a_dep_iova1_reg = '0;
logic [31:0] a_ev_rx_reg = '0, a_ev_freed_reg = '0;
// Its event is not yet in its ring's tail: a lookahead reading the same
// context's row counts it as used.
logic ev_pend_reg = 1'b0;

// The event tail: an event whose entry the ring writer has taken is
// finished here while the sequencer goes on with the next segment, in two
// stages of one event each: W (ew_*) waits for the entry and its phase
// byte to go out; A (et_*) writes tail + 1 and decides ARM ->
// notification. The next entry is taken as W's event moves on to A.
logic ew_valid_reg = 1'b0;
logic [7:0] ew_ctx_reg = '0;
logic [31:0] ew_tail_reg = '0;        // its slot: the tail becomes ew_tail_reg + 1
logic ew_arm_reg = 1'b0;             // ARM as in the row read at dispatch
logic ew_dirty_reg = 1'b0;           // ... but it may have changed since: read it again
logic ew_last1_reg = 1'b0;           // the entry's first transaction is out
logic ew_done_reg = 1'b0;            // ... and the second (the phase byte)
localparam [2:0] ET_IDLE = 3'd0, ET_ARM = 3'd2, ET_ARMW = 3'd3, ET_NOTIFY = 3'd4;
logic [2:0] et_state_reg = ET_IDLE;
logic [7:0] et_ctx_reg = '0;
logic [31:0] et_tail_reg = '0;
logic et_arm_reg = 1'b0;
logic et_dirty_reg = 1'b0;
// The event row read now does not have the event tail's tail + 1 yet.
logic tail_fwd_reg = 1'b0;

// action parameters
logic [31:0] ev_flow_reg = '0;       // event: flow id, ctx
logic [7:0] ev_ctx_reg = '0;
logic [7:0] exc_reason_reg = '0;     // exception
logic [31:0] exc_flow_reg = '0;
logic [15:0] exc_len_reg = '0;
logic [31:0] exc_idx_reg = '0;
logic [15:0] mv_off_reg = '0, mv_len0_reg = '0, mv_len1_reg = '0, mv_frame_len_reg = '0;
logic mv_img_reg = 1'b0;                       // replay the READ_STATE image, not the frame
logic [63:0] mv_iova0_reg = '0, mv_iova1_reg = '0;
logic [1023:0] txf_state_reg = '0;   // frame request
logic [31:0] txf_seq_reg = '0;
logic [7:0] txf_flags_reg = '0, txf_tos_reg = '0;
logic [15:0] txf_len_reg = '0;
logic [63:0] txf_iova0_reg = '0, txf_iova1_reg = '0;
logic [15:0] txf_len0_reg = '0, txf_len1_reg = '0;
logic txf_req_done_reg = 1'b0, mvr_req_done_reg = 1'b0;
logic txf_is_ack_reg = 1'b0;
logic [2:0] sch_op_reg = '0;         // scheduler op
logic [31:0] sch_id_reg = '0;
logic [63:0] sch_time_reg = '0;
logic [63:0] rd_addr_reg = '0;       // engine read
logic [15:0] rd_len_reg = '0;
logic [RDB_W-1:0] rd_buf_reg = '0;
logic [RDC_W-1:0] rd_cnt_reg = '0;
logic [255:0] fb_entry_reg = '0;     // FB entry
logic [1:0] lastcnt_reg = '0;        // ring writer transactions seen

// poll
logic in_poll_reg = 1'b0;
logic [15:0] budget_reg = '0, sent_reg = '0;
logic [31:0] head_reg = '0, log2_reg = '0;
logic [31:0] qmask_reg = '0;             // size_of(log2_reg) - 1 (a register: depth)
// Entries of the ring being polled still to take, and whether none is left
// (a register: the end-of-ring test of S_*_NEXT is one bit, not a compare).
logic [31:0] left_reg = '0;
logic ring_end_reg = 1'b1;
logic [255:0] cmd_reg = '0;
logic [1023:0] img_reg = '0;
logic [15:0] status_reg = '0;
logic c_wr_reg = 1'b0, c_kick_reg = 1'b0, c_ack_reg = 1'b0, c_rdst_reg = 1'b0;
logic [1:0] c_tab_reg = '0;
logic [7:0] cur_ctx_reg /*verilator public_flat_rd*/ = '0;
logic [8:0] cursor_reg = '0;
logic [255:0] pend_reg = '0;         // contexts with a CMD_TAIL doorbell
logic [1:0] txr_reg = '0;
logic [63:0] t_wake_reg = '0;
logic phase_ok_reg = 1'b0, flow_ok_reg = 1'b0;
logic txf_ece_reg = 1'b0;
logic [31:0] txf_dup_seq_reg = '0;
logic [15:0] txf_dup_len_reg = '0;
logic [63:0] tab_lip_rip_reg = '0;
logic [31:0] tab_ports_reg = '0;
logic [63:0] rdst_iova_reg = '0;
logic [15:0] raw_len_reg = '0, raw_left_reg = '0;
logic [4:0] rdst_beat_reg = '0;

// outputs driven from the FSM
logic [63:0] cnt_reg = '0;
logic [15:0] cnt_rxb_reg = '0, cnt_txb_reg = '0;
logic [31:0] rxb_pend_reg = '0;      // RX_BYTES still to add (16 bits per cycle)
logic [3:0] oversize_pend_reg = '0;
logic [3:0] hw_we_reg = '0, tw_we_reg = '0;
logic [4*32-1:0] hw_d_reg = '0, tw_d_reg = '0;
logic ctx_en_r, ctx_we_any;
logic [10:0] ctx_we_r;
logic [7:0] ctx_addr_r;
logic [11*32-1:0] ctx_wdata_r;
logic notify_valid_reg = 1'b0;
logic [7:0] notify_ctx_reg = '0;

wire enabled = cfg_ctrl[0];

// ---------------------------------------------------------------------------
// rx_classify (inside: it needs the flow's flags, read here).
// ---------------------------------------------------------------------------
logic cls_valid_reg = 1'b0;
wire cls_ready, v_valid;
// The request goes out as the flow state arrives (its flags straight from
// the read), else from cls_valid_reg.
wire cls_now = la_state_reg == LA_STW && st_tvalid;
wire cls_valid = cls_valid_reg || cls_now;
wire [15:0] cls_flow_flags = cls_now ? st_state[O_FLAGS +: 16] : fst_reg[O_FLAGS +: 16];
wire [1:0] v_kind;
wire [7:0] v_reason;
wire [31:0] v_flow;

rx_classify cls_inst (
    .clk(clk), .rst(rst),
    .ctrl(cfg_ctrl), .mac(cfg_mac),
    .s_axis_seg_tvalid(cls_valid), .s_axis_seg_tready(cls_ready),
    .s_axis_seg_frame_len(seg_frame_len_reg), .s_axis_seg_dst_mac(seg_dst_mac_reg),
    .s_axis_seg_ethertype(seg_ethertype_reg), .s_axis_seg_ip_ver(seg_ip_ver_reg),
    .s_axis_seg_ip_ihl(seg_ip_ihl_reg), .s_axis_seg_ip_len(seg_ip_len_reg),
    .s_axis_seg_ip_frag(seg_ip_frag_reg), .s_axis_seg_ip_proto(seg_ip_proto_reg),
    .s_axis_seg_ip_csum_ok(seg_ip_csum_ok_reg), .s_axis_seg_tcp_doff(seg_tcp_doff_reg),
    .s_axis_seg_tcp_flags(seg_tcp_flags_reg), .s_axis_seg_tcp_csum_ok(seg_tcp_csum_ok_reg),
    .s_axis_seg_opt_ok(seg_opt_ok_reg), .s_axis_seg_hit(seg_hit_reg),
    .s_axis_seg_flow_id(seg_flow_reg), .s_axis_seg_flow_flags(cls_flow_flags),
    .m_axis_verdict_tvalid(v_valid), .m_axis_verdict_tready(la_state_reg == LA_CLSW && lq_room),
    .m_axis_verdict_kind(v_kind), .m_axis_verdict_reason(v_reason),
    .m_axis_verdict_flow_id(v_flow)
);

// ---------------------------------------------------------------------------
// Frame buffer (frame_buf): the loader fills two frame slots ahead of the
// sequencer; the sequencer's frame (or the READ_STATE image) is replayed
// to the write mover.
// ---------------------------------------------------------------------------
wire lq_head_ready = lq_valid_reg[lq_head_reg] && !lq_wait_reg[lq_head_reg];
wire la_take = state_reg == S_IDLE && !ack_pend_reg && lq_head_ready;   // the sequencer takes a segment
wire la_busy = la_state_reg != LA_IDLE || lq_count_reg != '0;
wire rx_job;                                   // the sequencer holds a frame
wire fb_cur_ready;                             // ... loaded, its bank free of the previous replay
wire rp_idle;                                  // no replay under way
wire rp_start = mvw_req_valid && mvw_req_ready;

frame_buf #(.DATA_WIDTH(DATA_WIDTH)) fbuf_inst (
    .clk(clk), .rst(rst),
    .s_axis_frame_tdata(s_axis_frame_tdata), .s_axis_frame_tvalid(s_axis_frame_tvalid),
    .s_axis_frame_tready(s_axis_frame_tready), .s_axis_frame_tlast(s_axis_frame_tlast),
    .take(la_take), .seq_idle(state_reg == S_IDLE), .job(rx_job), .cur_ready(fb_cur_ready),
    .img_we(state_reg == S_SP_RDST), .img_beat(rdst_beat_reg),
    .img_data(nst_reg[DATA_WIDTH*rdst_beat_reg +: DATA_WIDTH]),
    .rp_start(rp_start), .rp_img(mv_img_reg), .rp_off(mv_off_reg), .rp_len(mv_frame_len_reg),
    .rp_idle(rp_idle),
    .m_axis_tdata(m_axis_mvw_tdata), .m_axis_tkeep(m_axis_mvw_tkeep), .m_axis_tvalid(m_axis_mvw_tvalid),
    .m_axis_tready(m_axis_mvw_tready), .m_axis_tlast(m_axis_mvw_tlast)
);

// ---------------------------------------------------------------------------
// Ring writers (EV and EXC entries: 16 bytes; FB: 32 bytes) and the write
// mover on the DMA write channel (wr_channel.sv: a ring entry goes out after
// the mover transactions requested before it).
// ---------------------------------------------------------------------------
logic rw16_valid, rw32_valid;
logic [127:0] rw16_data;
logic [63:0] rw16_base;
logic [4:0] rw16_log2;
logic [31:0] rw16_idx;
wire rw16_ready, rw32_ready;
wire rw16_txn_end, rw32_txn_end;      // one of an entry's two transactions ended
// (a mover request: one transaction per non-empty piece)
wire [2:0] mv_txn_new = mvw_req_valid && mvw_req_ready ? 3'(mv_len0_reg != 16'd0) + 3'(mv_len1_reg != 16'd0) : 3'd0;

wr_channel #(.DATA_WIDTH(DATA_WIDTH)) wrc_inst (
    .clk(clk), .rst(rst),
    .s_e16_valid(rw16_valid), .s_e16_ready(rw16_ready), .s_e16_data(rw16_data), .s_e16_base(rw16_base),
    .s_e16_log2(rw16_log2), .s_e16_idx(rw16_idx), .e16_txn_end(rw16_txn_end),
    .s_e32_valid(rw32_valid), .s_e32_ready(rw32_ready), .s_e32_data(fb_entry_reg),
    .s_e32_base(cfg_spq_base[64*Q_FB +: 64]), .s_e32_log2(cfg_spq_log2[32*Q_FB +: 5]),
    .s_e32_idx(cfg_spq_tail[32*Q_FB +: 32]), .e32_txn_end(rw32_txn_end),
    .mv_txn_new(mv_txn_new),
    .s_axis_mv_tvalid(s_axis_mvw_wr_tvalid), .s_axis_mv_tready(s_axis_mvw_wr_tready),
    .s_axis_mv_addr(s_axis_mvw_wr_addr), .s_axis_mv_data(s_axis_mvw_wr_data),
    .s_axis_mv_strb(s_axis_mvw_wr_strb), .s_axis_mv_last(s_axis_mvw_wr_last),
    .m_axis_dma_wr_tvalid(m_axis_dma_wr_tvalid), .m_axis_dma_wr_tready(m_axis_dma_wr_tready),
    .m_axis_dma_wr_addr(m_axis_dma_wr_addr), .m_axis_dma_wr_data(m_axis_dma_wr_data),
    .m_axis_dma_wr_strb(m_axis_dma_wr_strb), .m_axis_dma_wr_last(m_axis_dma_wr_last)
);
// The event entry: offered in S_EV_ENTRY once the event tail is free;
// taken: the event tail has it (et_go).
wire ew_to_a = ew_valid_reg && ew_done_reg && et_state_reg == ET_IDLE;   // W -> A
wire ev_entry_now = (!ew_valid_reg || ew_to_a) && state_reg == S_EV_ENTRY;
wire et_go = ev_entry_now && rw16_ready;
wire et_idle = !ew_valid_reg && et_state_reg == ET_IDLE;

// ---------------------------------------------------------------------------
// MAC transmit: tx_frame's frames, or raw frames read from the RAW slots.
// ---------------------------------------------------------------------------
wire raw_mode = state_reg == S_RAW_STREAM;
wire [15:0] raw_keep_n = raw_left_reg >= 16'(B) ? 16'(B) : raw_left_reg;
assign m_axis_tx_tdata = raw_mode ? s_axis_rd_resp_data : s_axis_txf_tdata;
assign m_axis_tx_tkeep = raw_mode ? KEEP_WIDTH'((65'd1 << raw_keep_n[LG_B:0]) - 65'd1) : s_axis_txf_tkeep;
assign m_axis_tx_tvalid = raw_mode ? s_axis_rd_resp_tvalid : s_axis_txf_tvalid;
assign m_axis_tx_tlast = raw_mode ? s_axis_rd_resp_last : s_axis_txf_tlast;
assign s_axis_txf_tready = !raw_mode && m_axis_tx_tready;

// Engine reads: entries and images collected in rd_buf_reg; raw frames
// streamed to the MAC.
assign m_axis_rd_req_tvalid = state_reg == S_RD_REQ || (state_reg == S_RAW_RDREQ && !txf_busy);
assign m_axis_rd_req_addr = rd_addr_reg;
assign m_axis_rd_req_len = rd_len_reg;
assign s_axis_rd_resp_tready = state_reg == S_RD_WAIT || (raw_mode && m_axis_tx_tready);
wire [LG_B-1:0] rd_shift = rd_addr_reg[LG_B-1:0];
// What the last engine read returned from rd_addr_reg on (S_RD_ALIGN).
logic [1023:0] rd_aligned = '0;

// ---------------------------------------------------------------------------
// Step module inputs.
// ---------------------------------------------------------------------------
wire [31:0] ev_log2 = w32(row_reg, W_EV_LOG2);
// The lookahead's row (ctx_rdata the cycle after la_ctx_go), with the held
// segment's event.
wire [31:0] la_ev_log2 = w32(ctx_rdata, W_EV_LOG2);
wire [1:0] et_pend = 2'(ew_valid_reg && ew_ctx_reg == fst_reg[O_CTX +: 8]) +
                     2'(et_state_reg == ET_ARM && et_ctx_reg == fst_reg[O_CTX +: 8]);
// The queue's events for this context: decided (lq_known), and not yet
// known (lq_unknown: segments still in rx_protocol).
logic [LQ_W:0] lq_known, lq_unknown;
always_comb begin
    lq_known = '0;
    lq_unknown = '0;
    for (int i = 0; i < LQ; i = i + 1)
        if (lq_valid_reg[i] && lq_ctx_reg[i] == fst_reg[O_CTX +: 8]) begin
            lq_known = lq_known + (LQ_W+1)'(!lq_wait_reg[i] && lq_ev_reg[i]);
            lq_unknown = lq_unknown + (LQ_W+1)'(lq_wait_reg[i]);
        end
end
wire [31:0] la_ev_used = w32(ctx_rdata, W_EV_TAIL) - w32(ctx_rdata, W_EV_HEAD) +
                         32'(ev_pend_reg && a_ctx_reg == fst_reg[O_CTX +: 8]) + 32'(et_pend) + 32'(lq_known);
wire lq_room = lq_count_reg != (LQ_W+1)'(LQ);

// rx_protocol starts as the verdict is PASS and the event room is known.
assign rxp_in_valid = la_ev_known && lq_room &&
                      ((la_state_reg == LA_CLSW && v_valid && v_kind == V_PASS) || la_state_reg == LA_CTX);
assign rxp_flow_id = seg_flow_reg;
assign rxp_state = fst_reg;
assign rxp_flags = seg_tcp_flags_reg;
assign rxp_seq = seg_seq_reg;
assign rxp_ack = seg_ack_reg;
assign rxp_wnd = seg_win_reg;
assign rxp_ts_ok = seg_ts_reg;
assign rxp_tsval = seg_ts_val_reg;
assign rxp_ce = seg_ip_tos_reg[1:0] == 2'b11;
assign rxp_pay_off = seg_pay_off_reg;
assign rxp_pay_len = seg_pay_len_reg;
assign rxp_frame_len = 16'd14 + seg_ip_len_reg;
// Room in the event ring: from the row as it arrives, then held. It is
// known for sure when the segments still in rx_protocol cannot change it
// (whether they make an event or not); else the row is read again.
wire [31:0] la_ev_size = size_of(la_ev_log2);
wire la_ev_ok_now = la_ev_log2 != 32'd0 && la_ev_used + 32'(lq_unknown) < la_ev_size;
wire la_ev_sure_now = la_ev_log2 == 32'd0 || la_ev_used >= la_ev_size || la_ev_ok_now;
assign la_ev_known = la_ctx_rd_reg && (!la_ctx_cap_reg || la_ev_sure_now);
assign rxp_ev_ok = la_ctx_cap_reg ? la_ev_ok_now : la_ev_ok_reg;

assign cmx_in_valid = state_reg == S_SP_EXEC || state_reg == S_CTX_EXEC;
assign cmx_ctx_cmd = state_reg == S_CTX_EXEC;
assign cmx_phase_ok = phase_ok_reg;
assign cmx_ctx = cur_ctx_reg;
assign cmx_cmd = cmd_reg;
assign cmx_state = fst_reg;
assign cmx_image = img_reg;

assign txs_in_valid = state_reg == S_TX_SEG;
assign txs_state = fst_reg;

assign txf_req_valid = ack_pend_reg || (state_reg == S_TXF_REQ && !txf_req_done_reg);
assign txf_req_state = txf_state_reg;
assign txf_req_is_ack = txf_is_ack_reg;
assign txf_req_ece = txf_ece_reg;
assign txf_req_dup_seq = txf_dup_seq_reg;
assign txf_req_dup_len = txf_dup_len_reg;
assign txf_req_seq = txf_seq_reg;
assign txf_req_flags = txf_flags_reg;
assign txf_req_len = txf_len_reg;
assign txf_req_tos = txf_tos_reg;
assign mvr_req_valid = state_reg == S_TXF_REQ && !mvr_req_done_reg && txf_len_reg != 16'd0;
assign mvr_req_iova0 = txf_iova0_reg;
assign mvr_req_len0 = txf_len0_reg;
assign mvr_req_iova1 = txf_iova1_reg;
assign mvr_req_len1 = txf_len1_reg;

assign mvw_req_valid = state_reg == S_MV_REQ && rp_idle;
assign mvw_req_skip = 16'(mv_off_reg[LG_B-1:0]);
assign mvw_req_iova0 = mv_iova0_reg;
assign mvw_req_len0 = mv_len0_reg;
assign mvw_req_iova1 = mv_iova1_reg;
assign mvw_req_len1 = mv_len1_reg;

assign sch_op_valid = state_reg == S_SCH_OP;
assign sch_op = sch_op_reg;
assign sch_op_id = sch_id_reg;
assign sch_op_time = sch_time_reg;

// Flow state port.
// A segment of a flow whose previous segment is still in rx_protocol reads
// its state no earlier than ST_READ_LATENCY cycles before that segment's
// state is written: flow_state delivers a read with the writes presented
// up to its delivery, so the state arrives updated.
logic la_haz;
always_comb begin
    la_haz = 1'b0;
    for (int i = 0; i < LQ; i = i + 1)
        if (lq_wait_reg[i] && lq_due_reg[i] > 4'(ST_READ_LATENCY) &&
            lq_flow_reg[i][ID_W-1:0] == seg_flow_reg[ID_W-1:0])
            la_haz = 1'b1;
end
wire la_rd = la_state_reg == LA_STRD && !la_haz;
assign st_rd_tvalid = la_rd || state_reg == S_SP_STRD ||
                      state_reg == S_CTX_STRD || state_reg == S_TX_STRD;
assign st_rd_flow_id = la_state_reg == LA_STRD ? seg_flow_reg :
                       state_reg == S_TX_STRD ? sch_id_reg :
                       state_reg == S_CTX_STRD ? cmd_reg[31:0] : cmd_reg[63:32];
// The lookahead writes rx_protocol's output state as it arrives: its
// entry is the oldest one waiting.
logic [LQ_W-1:0] lq_fill;
always_comb begin
    lq_fill = lq_head_reg;
    for (int i = LQ - 1; i >= 0; i = i - 1)
        if (lq_wait_reg[LQ_W'(lq_head_reg + LQ_W'(i))])
            lq_fill = LQ_W'(lq_head_reg + LQ_W'(i));
end
wire la_wr = rxp_out_valid;
assign st_wr_tvalid = la_wr || (state_reg == S_SP_WB && c_wr_reg) ||
                      (state_reg == S_CTX_WB && c_wr_reg) || state_reg == S_TX_WB;
assign st_wr_flow_id = la_wr ? lq_flow_reg[lq_fill] :
                       state_reg == S_TX_WB ? sch_id_reg :
                       state_reg == S_CTX_WB ? cmd_reg[31:0] : cmd_reg[63:32];
assign st_wr_state = la_wr ? rxp_out_state : nst_reg;
assign st_wr_strb = '1;

// Flow table updates: the key from the image (INSTALL) or the state (REMOVE).
// A table update shares flow_lookup's pipeline with the lookups, whose
// results wait at its output until this engine takes them in S_IDLE: an
// update behind a waiting result would never finish while the engine waits
// for it. So S_SP_TAB first holds new lookups off, lets HOLD_CYCLES (more
// than flow_lookup's latency) pass, and gives up the command for a pending
// segment (the command is fetched again later: nothing of it was done yet);
// the update goes in only when the pipeline is empty.
localparam [3:0] HOLD_CYCLES = 4'd12;
logic hold_reg = 1'b0;
logic [3:0] hold_cnt_reg = '0;
wire upd_go = hold_cnt_reg == HOLD_CYCLES && !s_axis_seg_tvalid;
assign hold_lookup = hold_reg;
assign m_axis_upd_tvalid = state_reg == S_SP_TAB && upd_go;
assign m_axis_upd_remove = c_tab_reg == 2'd2;
assign m_axis_upd_local_ip = tab_lip_rip_reg[31:0];
assign m_axis_upd_remote_ip = tab_lip_rip_reg[63:32];
assign m_axis_upd_ports = tab_ports_reg;
assign m_axis_upd_flow_id = cmd_reg[63:32];
assign s_axis_upd_status_tready = state_reg == S_SP_TABW;

// Segments: the lookahead takes one while the sequencer is idle or busy
// with the previous segment's actions (its ports are then free).
// (the next segment is accepted as the sequencer takes the decided one)
// Segments go before polls, but after RX_TURN of them a poll with work to
// do (doorbells, commands, raw frames, flows to send) is owed its next
// step (a suspended one, or with poll_step = 0 a new one): the lookahead
// takes no new segment until a poll has resumed or started. (Without this
// a steady stream of segments kept the host's commands waiting for as long
// as it lasted: the slow path's REMOVE and INSTALL, an application's
// consumed bytes - so the window it was opening stayed shut.)
// (registers, a cycle behind: off the segment handshake's path; a poll
// may then wait one segment more, and segments one cycle more)
localparam [3:0] RX_TURN = 4'd8;
logic [3:0] rx_streak_reg = '0;
logic poll_work_reg = 1'b0, poll_owed_reg = 1'b0;
always_ff @(posedge clk) begin
    poll_work_reg <= pend_reg != '0 || sch_head_valid || sch_wheel_any ||
                     cfg_spq_tail[32*Q_CMD +: 32] != cfg_spq_head[32*Q_CMD +: 32] ||
                     cfg_spq_tail[32*Q_RAW +: 32] != cfg_spq_head[32*Q_RAW +: 32];
    poll_owed_reg <= rx_streak_reg == RX_TURN && poll_work_reg && (in_poll_reg || !poll_step) && !rst;
end
assign s_axis_seg_tready = la_state_reg == LA_IDLE && (state_reg == S_IDLE || rx_job) &&
                           !poll_owed_reg;
assign s_axis_db_tready = 1'b1;

// The scheduler's tx_pending() of a new state (fp_sched_kick's test).
// verilator lint_off UNUSEDSIGNAL
function automatic tx_pending(input [1023:0] s);
    tx_pending = seq_lt(s[O_SNDNXT +: 32], s[O_TXEND +: 32]) ||
                 ((s[O_FLAGS +: 16] & toffee_abi_pkg::FLOWF_TX_FIN) != 16'd0 &&
                  s[O_SNDNXT +: 32] == s[O_TXEND +: 32]);
endfunction
// verilator lint_on UNUSEDSIGNAL

// Exception frame length: the whole frame for P1..P3, IPv4 total length + 14
// from P4 on (fp_rx strips the Ethernet padding there).
wire [15:0] exc_len_of_verdict = v_reason <= toffee_abi_pkg::EXC_NOT_TCP ? seg_frame_len_reg
                                                                        : 16'd14 + seg_ip_len_reg;

// Lowest pending context at or above the cursor, below the limit: a
// 256-wide priority encoder in one cycle is a ~50-LUT chain, so it takes
// three registered stages (S_CTX_PICK: the candidates; S_CTX_PICK2: per
// group of 16, any and the lowest; S_CTX_PICK3: the lowest group). A
// doorbell that comes meanwhile is picked by the next poll (pend stays set).
// The stages are functions evaluated in their states, and the masks are
// whole-vector expressions: the model computes them only when used.
wire [31:0] lim0 = cfg_ctx_limit == 32'd0 || cfg_ctx_limit > 32'(CTX_CAP) ? 32'(CTX_CAP) : cfg_ctx_limit;
logic [255:0] below_lim_reg = '0;       // i < lim0 (follows CTX_LIMIT a cycle late)
logic [255:0] cand_reg = '0;
logic [15:0] grp_any_reg = '0;
logic [63:0] grp_low_reg = '0;         // per group: its lowest candidate
logic [7:0] pick_ctx_reg = '0;
always_ff @(posedge clk)
    below_lim_reg <= lim0 >= 32'd256 ? '1 : ~({256{1'b1}} << lim0[7:0]);

// Contexts i with i >= cursor (cursor 256: none). Shifted ones, not a
// subtraction: a decoder, no 256-bit carry chain.
function automatic [255:0] at_or_above(input [8:0] cursor);
    at_or_above = cursor[8] ? 256'd0 : {256{1'b1}} << cursor[7:0];
endfunction
// Per group of 16 candidates: the index of its lowest.
function automatic [63:0] group_lowest(input [255:0] c);
    group_lowest = '0;
    for (int g = 0; g < 16; g = g + 1)
        for (int i = 15; i >= 0; i = i - 1)
            if (c[16*g + i])
                group_lowest[4*g +: 4] = 4'(i);
endfunction
function automatic [15:0] group_any(input [255:0] c);
    for (int g = 0; g < 16; g = g + 1)
        group_any[g] = c[16*g +: 16] != 16'd0;
endfunction
// The lowest group's lowest candidate.
function automatic [7:0] lowest_ctx(input [15:0] any, input [63:0] low);
    lowest_ctx = '0;
    for (int g = 15; g >= 0; g = g - 1)
        if (any[g])
            lowest_ctx = {4'(g), low[4*g +: 4]};
endfunction


// ---------------------------------------------------------------------------
// The sequencer.
// ---------------------------------------------------------------------------
always_comb begin
    rw16_valid = ev_entry_now || state_reg == S_EXC_ENTRY;
    rw16_data = '0;
    rw16_base = '0;
    rw16_log2 = '0;
    rw16_idx = '0;
    if (ev_entry_now) begin
        rw16_data = {8'd0, 16'd0, a_ev_flags_reg, a_ev_freed_reg, a_ev_rx_reg, ev_flow_reg};
        rw16_base = {w32(row_reg, W_EV_BASE_HI), w32(row_reg, W_EV_BASE_LO)};
        rw16_log2 = ev_log2[4:0];
        rw16_idx = w32(row_reg, W_EV_TAIL);
    end else begin
        rw16_data = {8'd0, 64'd0, exc_reason_reg, exc_len_reg, exc_flow_reg};
        rw16_base = cfg_spq_base[64*Q_EXC +: 64];
        rw16_log2 = cfg_spq_log2[32*Q_EXC +: 5];
        rw16_idx = exc_idx_reg;
    end
    rw32_valid = state_reg == S_FB_ENTRY;
end

// A host write of ARM reaches the RAM the cycle before it is posted here.
wire db_arm = s_axis_db_tvalid && s_axis_db_reg == 2'd2;

// Context RAM port B: the event tail's, else the sequencer's, else the
// lookahead's row read. The event's row is read as S_RX_NEXT dispatches it.
wire et_disarm = et_state_reg == ET_NOTIFY && !notify_valid_reg;
wire et_port = et_state_reg == ET_ARM || et_disarm;
// S_RX_NEXT dispatches when the loader has the frame and the event tail
// does not use the port; an exception waits until the event tail is done
// (the ring writer and the write-count are then the sequencer's).
// (a bank waiting for its replay to end still holds the previous frame)
wire rx_next_go = fb_cur_ready && !et_port &&
                  (a_kick_reg || a_dep_reg || a_ev_reg || !a_punt_reg || et_idle);
wire rx_ev_row = state_reg == S_RX_NEXT && rx_next_go && !a_kick_reg && a_ev_reg;
wire seq_ctx_port = rx_ev_row || et_port || state_reg == S_CTX_ROW || state_reg == S_CTX_END;
// (from the flow state as it arrives, else from fst_reg)
wire la_ctx_go = ((la_state_reg == LA_STW && st_tvalid) || la_state_reg == LA_CLS ||
                  la_state_reg == LA_CLSW || la_state_reg == LA_CTX) && !la_ctx_rd_reg && !seq_ctx_port;
always_comb begin
    ctx_en_r = 1'b0;
    ctx_we_r = '0;
    ctx_addr_r = ev_ctx_reg;
    ctx_wdata_r = '0;
    ctx_we_any = 1'b0;
    case (state_reg)
        S_CTX_ROW: begin
            ctx_en_r = 1'b1;
            ctx_addr_r = pick_ctx_reg;
        end
        S_CTX_END: begin                     // head
            ctx_en_r = 1'b1;
            ctx_addr_r = cur_ctx_reg;
            ctx_we_r[W_CMD_HEAD] = 1'b1;
            ctx_wdata_r[32*W_CMD_HEAD +: 32] = head_reg;
        end
        default: ;
    endcase
    if (rx_ev_row) begin
        ctx_en_r = 1'b1;
        ctx_addr_r = a_ctx_reg;
    end
    if (et_state_reg == ET_ARM) begin          // tail + 1, read the row again (ARM)
        ctx_en_r = 1'b1;
        ctx_addr_r = et_ctx_reg;
        ctx_we_r[W_EV_TAIL] = 1'b1;
        ctx_wdata_r[32*W_EV_TAIL +: 32] = et_tail_reg + 32'd1;
    end
    if (et_disarm) begin                       // armed: disarm (and notify)
        ctx_en_r = 1'b1;
        ctx_addr_r = et_ctx_reg;
        ctx_we_r[W_ARM] = 1'b1;
    end
    if (la_ctx_go) begin
        ctx_en_r = 1'b1;
        ctx_addr_r = la_state_reg == LA_STW ? st_state[O_CTX +: 8] : fst_reg[O_CTX +: 8];
    end
    ctx_we_any = ctx_we_r != '0;
end
// verilator lint_off UNUSEDSIGNAL
wire unused_we_any = ctx_we_any;
// verilator lint_on UNUSEDSIGNAL

assign ctx_en = ctx_en_r;
assign ctx_we = ctx_we_r;
assign ctx_addr = ctx_addr_r;
assign ctx_wdata = ctx_wdata_r;

// Step counters: exceptions and transmissions are the engine's.
localparam [63:0] STEP_MASK = ~((64'hffff << toffee_abi_pkg::CNT_EXC_BASE) |
                                cbit(toffee_abi_pkg::CNT_TX_ACKS) | cbit(toffee_abi_pkg::CNT_TX_SEGS) |
                                cbit(toffee_abi_pkg::CNT_TX_BYTES) | cbit(toffee_abi_pkg::CNT_RX_FRAMES));

always_ff @(posedge clk) begin
    logic [63:0] cnt;
    logic [31:0] rxb;
    logic [15:0] txb;
    cnt = '0;
    rxb = '0;
    txb = '0;
    hw_we_reg <= '0;
    tw_we_reg <= '0;
    ev_row_cap_reg <= rx_ev_row;
    tail_fwd_reg <= ew_valid_reg && ew_ctx_reg == a_ctx_reg;
    if (ev_row_cap_reg) begin
        row_reg <= ctx_rdata;
        row_reg[32*W_EV_TAIL +: 32] <= w32(ctx_rdata, W_EV_TAIL) + 32'(tail_fwd_reg);
    end
    if (rx_ev_row)
        arm_dirty_reg <= db_arm && s_axis_db_ctx == a_ctx_reg;
    else if ((db_arm && s_axis_db_ctx == ev_ctx_reg) || (et_disarm && et_ctx_reg == ev_ctx_reg))
        arm_dirty_reg <= 1'b1;
    if (ack_pend_reg && txf_req_ready) begin     // the segment's ACK: tx_frame has it
        cnt = cnt | cbit(toffee_abi_pkg::CNT_TX_ACKS);
        ack_pend_reg <= 1'b0;
    end

    case (state_reg)
        // ------------------------------------------------------------------
        S_IDLE: if (!ack_pend_reg) begin
            if (lq_head_ready) begin             // la_take: its actions
                if (rx_streak_reg != RX_TURN)
                    rx_streak_reg <= rx_streak_reg + 4'd1;
                a_flow_reg <= lq_aflow_reg[lq_head_reg];
                a_ctx_reg <= lq_ctx_reg[lq_head_reg];
                a_frame_len_reg <= lq_frame_len_reg[lq_head_reg];
                a_punt_reg <= lq_punt_reg[lq_head_reg];
                a_exc_reason_reg <= lq_exc_reason_reg[lq_head_reg];
                a_exc_len_reg <= lq_exc_len_reg[lq_head_reg];
                a_dep_reg <= lq_dep_reg[lq_head_reg];
                a_dep_off_reg <= lq_dep_off_reg[lq_head_reg];
                a_dep_iova0_reg <= lq_dep_iova0_reg[lq_head_reg];
                a_dep_len0_reg <= lq_dep_len0_reg[lq_head_reg];
                a_dep_iova1_reg <= lq_dep_iova1_reg[lq_head_reg];
                a_dep_len1_reg <= lq_dep_len1_reg[lq_head_reg];
                a_ev_reg <= lq_ev_reg[lq_head_reg];
                a_ev_rx_reg <= lq_ev_rx_reg[lq_head_reg];
                a_ev_freed_reg <= lq_ev_freed_reg[lq_head_reg];
                a_ev_flags_reg <= lq_ev_flags_reg[lq_head_reg];
                if (lq_ack_reg[lq_head_reg]) begin
                    ack_pend_reg <= 1'b1;
                    txf_seq_reg <= lq_nst_reg[lq_head_reg][O_SNDNXT +: 32];
                    txf_flags_reg <= 8'h10 | (lq_ece_reg[lq_head_reg] ? 8'h40 : 8'h00);
                    txf_ece_reg <= lq_ece_reg[lq_head_reg];
                    txf_dup_seq_reg <= lq_dup_seq_reg[lq_head_reg];
                    txf_dup_len_reg <= lq_dup_len_reg[lq_head_reg];
                    txf_len_reg <= '0;
                    txf_tos_reg <= '0;
                    txf_is_ack_reg <= 1'b1;
                end
                a_kick_reg <= lq_kick_reg[lq_head_reg];
                ev_pend_reg <= lq_ev_reg[lq_head_reg];
                txf_state_reg <= lq_nst_reg[lq_head_reg];   // for its ACK
                state_reg <= S_RX_NEXT;
            end else if (la_busy || (s_axis_seg_tvalid && !poll_owed_reg)) begin
                // a segment is being decided: it goes first
            end else if (!et_idle) begin
                // the event tail finishes before a poll uses the context port
            end else if (in_poll_reg) begin
                rx_streak_reg <= '0;
                state_reg <= resume_reg;         // resume the poll
            end else if (s_axis_poll_tvalid || !poll_step) begin
                rx_streak_reg <= '0;
                in_poll_reg <= 1'b1;
                budget_reg <= poll_step ? s_axis_poll_budget : 16'(FREE_BUDGET);
                state_reg <= S_POLL;
            end
        end

        // ------------------------------------------------------------------
        // Received segment.
        S_RX_NEXT: if (rx_next_go) begin
            // its next action, in the firmware's order; after the last one
            // straight back to S_IDLE
            if (a_kick_reg) begin                // state written by the lookahead
                a_kick_reg <= 1'b0;
                sch_op_reg <= SCH_KICK;
                sch_id_reg <= a_flow_reg;
                ret_reg <= S_RX_NEXT;
                state_reg <= S_SCH_OP;
            end else if (a_dep_reg) begin
                a_dep_reg <= 1'b0;
                mv_off_reg <= a_dep_off_reg;
                mv_iova0_reg <= a_dep_iova0_reg;
                mv_len0_reg <= a_dep_len0_reg;
                mv_iova1_reg <= a_dep_iova1_reg;
                mv_len1_reg <= a_dep_len1_reg;
                mv_frame_len_reg <= a_frame_len_reg;
                mv_img_reg <= 1'b0;
                // the event's row is read now (rx_ev_row): the event
                // follows the deposit directly
                a_ev_reg <= 1'b0;
                ev_flow_reg <= a_flow_reg;
                ev_ctx_reg <= a_ctx_reg;
                ret_reg <= a_ev_reg ? S_EV_ENTRY : a_punt_reg ? S_RX_NEXT : S_IDLE;
                state_reg <= S_MV_REQ;
            end else if (a_ev_reg) begin         // its row read now (rx_ev_row)
                a_ev_reg <= 1'b0;
                ev_flow_reg <= a_flow_reg;
                ev_ctx_reg <= a_ctx_reg;
                state_reg <= S_EV_ROWW;
            end else if (a_punt_reg) begin
                a_punt_reg <= 1'b0;
                exc_reason_reg <= a_exc_reason_reg;
                exc_flow_reg <= a_flow_reg;
                exc_len_reg <= a_exc_len_reg;
                ret2_reg <= S_IDLE;
                state_reg <= S_EXC_CLAIM;
            end else begin
                state_reg <= S_IDLE;             // nothing (a drop: counted by the lookahead)
            end
        end

        // ------------------------------------------------------------------
        // Mover: the request, once the previous replay is over; the
        // replay and the mover's writes run by themselves from here (a
        // ring entry issued later waits for the writes, wr_channel; the
        // frame's bank stays full until its replay ends, rel_pend_reg).
        S_MV_REQ: if (mvw_req_ready && rp_idle) state_reg <= ret_reg;

        // Context event: the row (base, size, tail), the entry to the ring
        // writer; the event tail does the rest.
        S_EV_ROWW: state_reg <= S_EV_ENTRY;    // (ev_row_cap_reg)
        S_EV_ENTRY: if (et_go) state_reg <= a_punt_reg ? S_RX_NEXT : S_IDLE;

        // Exception: claim the EXC slot, copy the frame, write the entry.
        S_EXC_CLAIM: begin
            cnt = cnt | cbit(toffee_abi_pkg::CNT_EXC_BASE + 32'(exc_reason_reg));
            exc_idx_reg <= cfg_spq_tail[32*Q_EXC +: 32];
            if (cfg_spq_log2[32*Q_EXC +: 32] == 32'd0 ||
                cfg_spq_tail[32*Q_EXC +: 32] - cfg_spq_head[32*Q_EXC +: 32] >= size_of(cfg_spq_log2[32*Q_EXC +: 32])) begin
                cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_EXC_FULL));
                state_reg <= ret2_reg;
            end else begin
                mv_off_reg <= '0;
                mv_iova0_reg <= cfg_spq_buf[64*Q_EXC +: 64] +
                    ({32'd0, cfg_spq_tail[32*Q_EXC +: 32] & (size_of(cfg_spq_log2[32*Q_EXC +: 32]) - 32'd1)} << 11);
                mv_len0_reg <= exc_len_reg;
                mv_iova1_reg <= '0;
                mv_len1_reg <= '0;
                mv_frame_len_reg <= a_frame_len_reg;
                mv_img_reg <= 1'b0;
                ret_reg <= S_EXC_ENTRY;
                state_reg <= S_MV_REQ;
            end
        end
        S_EXC_ENTRY: begin
            lastcnt_reg <= '0;
            if (rw16_ready)
                state_reg <= S_EXC_WAIT;
        end
        S_EXC_WAIT: begin
            if (rw16_txn_end)
                lastcnt_reg <= lastcnt_reg + 1'b1;
            if (rw16_txn_end && lastcnt_reg == 2'd1) begin
                tw_we_reg[Q_EXC] <= 1'b1;
                tw_d_reg[32*Q_EXC +: 32] <= exc_idx_reg + 32'd1;
                state_reg <= ret2_reg;
            end
        end

        // Frame to the MAC: request to tx_frame (and the payload read).
        S_TXF_REQ: begin
            if (txf_req_ready)
                txf_req_done_reg <= 1'b1;
            if (mvr_req_ready)
                mvr_req_done_reg <= 1'b1;
            // tx_frame keeps what it needs from the request: an ACK goes
            // out while the engine moves on (raw frames, data segments and
            // `idle` wait for it).
            if ((txf_req_done_reg || txf_req_ready) &&
                (mvr_req_done_reg || mvr_req_ready || txf_len_reg == 16'd0)) begin
                if (txf_is_ack_reg) begin
                    cnt = cnt | cbit(toffee_abi_pkg::CNT_TX_ACKS);
                    state_reg <= ret_reg;
                end else begin
                    state_reg <= S_TXF_WAIT;
                end
            end
        end
        S_TXF_WAIT: if (txf_req_ready) begin    // loaded: it leaves while the next turn runs
            cnt = cnt | cbit(toffee_abi_pkg::CNT_TX_SEGS);
            txb = txf_len_reg;
            state_reg <= ret_reg;
        end

        // Scheduler operation.
        S_SCH_OP: if (sch_op_ready) state_reg <= S_SCH_WAIT;
        S_SCH_WAIT: if (!sch_busy) state_reg <= ret_reg;

        // Engine read of rd_len_reg bytes at rd_addr_reg into rd_buf_reg.
        S_RD_REQ: begin
            rd_cnt_reg <= '0;
            if (m_axis_rd_req_tready)
                state_reg <= S_RD_WAIT;
        end
        S_RD_WAIT: if (s_axis_rd_resp_tvalid) begin
            if (rd_cnt_reg < RDC_W'(RD_BEATS))
                rd_buf_reg[DATA_WIDTH*rd_cnt_reg +: DATA_WIDTH] <= s_axis_rd_resp_data;
            rd_cnt_reg <= rd_cnt_reg + 1'b1;
            if (s_axis_rd_resp_last)
                state_reg <= S_RD_ALIGN;
        end
        S_RD_ALIGN: begin
            rd_aligned <= 1024'(rd_buf_reg >> {rd_shift, 3'b000});
            state_reg <= ret_reg;
        end

        // FB entry (fb_entry_reg) at the FB tail, tail + 1.
        S_FB_ENTRY: begin
            lastcnt_reg <= '0;
            if (rw32_ready)
                state_reg <= S_FB_WAIT;
        end
        S_FB_WAIT: begin
            if (rw32_txn_end)
                lastcnt_reg <= lastcnt_reg + 1'b1;
            if (rw32_txn_end && lastcnt_reg == 2'd1) begin
                tw_we_reg[Q_FB] <= 1'b1;
                tw_d_reg[32*Q_FB +: 32] <= cfg_spq_tail[32*Q_FB +: 32] + 32'd1;
                state_reg <= ret_reg;
            end
        end

        // ------------------------------------------------------------------
        // Poll: slow-path commands.
        S_POLL: begin
            if (!enabled) begin
                state_reg <= S_POLL_DONE;
            end else begin
                log2_reg <= cfg_spq_log2[32*Q_CMD +: 32];
                qmask_reg <= size_of(cfg_spq_log2[32*Q_CMD +: 32]) - 32'd1;
                head_reg <= cfg_spq_head[32*Q_CMD +: 32];
                left_reg <= cfg_spq_tail[32*Q_CMD +: 32] - cfg_spq_head[32*Q_CMD +: 32];
                ring_end_reg <= cfg_spq_tail[32*Q_CMD +: 32] == cfg_spq_head[32*Q_CMD +: 32];
                if (cfg_spq_log2[32*Q_CMD +: 32] == 32'd0) begin
                    left_reg <= '0;
                    ring_end_reg <= 1'b1;
                end else if (cfg_spq_tail[32*Q_CMD +: 32] - cfg_spq_head[32*Q_CMD +: 32] >
                             size_of(cfg_spq_log2[32*Q_CMD +: 32])) begin
                    cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_CMD_BAD));
                    hw_we_reg[Q_CMD] <= 1'b1;
                    hw_d_reg[32*Q_CMD +: 32] <= cfg_spq_tail[32*Q_CMD +: 32];
                    left_reg <= '0;
                    ring_end_reg <= 1'b1;
                end
                state_reg <= S_SP_NEXT;
            end
        end
        S_SP_NEXT: begin
            // (the read's address whether or not it is made: the end test
            // stays off the address path)
            rd_addr_reg <= cfg_spq_base[64*Q_CMD +: 64] +
                           ({32'd0, head_reg & qmask_reg} << 5);
            rd_len_reg <= 16'd32;
            if (ring_end_reg || cfg_spq_log2[32*Q_FB +: 32] == 32'd0 ||
                cfg_spq_tail[32*Q_FB +: 32] - cfg_spq_head[32*Q_FB +: 32] >= size_of(cfg_spq_log2[32*Q_FB +: 32])) begin
                hold_reg <= 1'b0;                // (a command given up may not come back)
                state_reg <= S_RAW_START;
            end else begin
                ret_reg <= S_SP_CMD;
                state_reg <= S_RD_REQ;
            end
        end
        S_SP_CMD: begin
            cmd_reg <= rd_aligned[255:0];
            fst_reg <= '0;
            img_reg <= '0;
            flow_ok_reg <= rd_aligned[32 +: 32] < 32'(FLOW_CAP);
            phase_ok_reg <= rd_aligned[248 +: 8] == phase_of(head_reg, log2_reg);
            if (rd_aligned[248 +: 8] == phase_of(head_reg, log2_reg) &&
                rd_aligned[7:0] == toffee_abi_pkg::CMD_INSTALL) begin
                rd_addr_reg <= rd_aligned[64 +: 64];
                rd_len_reg <= 16'd128;
                ret_reg <= S_SP_IMG;
                state_reg <= S_RD_REQ;
            end else begin
                state_reg <= rd_aligned[32 +: 32] < 32'(FLOW_CAP) ? S_SP_STRD : S_SP_EXEC;
            end
        end
        S_SP_IMG: begin
            img_reg <= rd_aligned[1023:0];
            state_reg <= flow_ok_reg ? S_SP_STRD : S_SP_EXEC;
        end
        S_SP_STRD: state_reg <= S_SP_STW;
        S_SP_STW: if (st_tvalid) begin
            fst_reg <= st_state;
            state_reg <= S_SP_EXEC;
        end
        S_SP_EXEC: state_reg <= S_SP_EXECW;
        S_SP_EXECW: if (cmx_out_valid) begin
            nst_reg <= cmx_out_state;
            status_reg <= cmx_status;
            fb_entry_reg <= cmx_fb;
            c_wr_reg <= cmx_out_state_wr;
            c_kick_reg <= cmx_kick_pend;
            c_tab_reg <= cmx_tab_op;
            c_rdst_reg <= cmx_dma_wr_valid;
            rdst_iova_reg <= cmx_dma_wr_iova;
            tab_lip_rip_reg <= {cmx_tab_remote_ip, cmx_tab_local_ip};
            tab_ports_reg <= cmx_tab_ports;
            cnt = cnt | (cmx_cnt_inc & STEP_MASK);
            if (cmx_tab_op == 2'd0)
                hold_reg <= 1'b0;
            state_reg <= cmx_tab_op != 2'd0 ? S_SP_TAB : S_SP_WB;
        end
        S_SP_TAB: begin
            hold_reg <= 1'b1;
            if (s_axis_seg_tvalid) begin                 // the segment first, then again
                hold_cnt_reg <= '0;
                resume_reg <= S_SP_NEXT;
                state_reg <= S_IDLE;
            end else if (hold_cnt_reg != HOLD_CYCLES) begin
                hold_cnt_reg <= hold_cnt_reg + 4'd1;
            end else if (m_axis_upd_tready) begin
                state_reg <= S_SP_TABW;
            end
        end
        S_SP_TABW: if (s_axis_upd_status_tvalid) begin
            hold_reg <= 1'b0;
            hold_cnt_reg <= '0;
            if (c_tab_reg == 2'd1 && s_axis_upd_status != 16'd0) begin
                // INSTALL refused by the table: no state, no kick, its status
                fb_entry_reg[8*toffee_abi_pkg::SP_FB_STATUS_OFF +: 16] <= s_axis_upd_status;
                c_wr_reg <= 1'b0;
                c_kick_reg <= 1'b0;
            end
            state_reg <= S_SP_WB;
        end
        S_SP_WB: begin                           // state written (st_wr if c_wr)
            rdst_beat_reg <= '0;
            if (c_kick_reg && c_wr_reg) begin
                sch_op_reg <= SCH_KICK;
                sch_id_reg <= cmd_reg[63:32];
                ret_reg <= c_rdst_reg ? S_SP_RDST : S_SP_FB;
                state_reg <= S_SCH_OP;
            end else begin
                state_reg <= c_rdst_reg ? S_SP_RDST : S_SP_FB;
            end
        end
        S_SP_RDST: begin                         // state image (cmx_out_state) -> frame buffer
            rdst_beat_reg <= rdst_beat_reg + 1'b1;
            if (rdst_beat_reg == 5'(128 / B - 1)) begin
                mv_off_reg <= '0;
                mv_iova0_reg <= rdst_iova_reg;
                mv_len0_reg <= 16'd128;
                mv_iova1_reg <= '0;
                mv_len1_reg <= '0;
                mv_frame_len_reg <= 16'd128;
                mv_img_reg <= 1'b1;
                ret_reg <= S_SP_FB;
                state_reg <= S_MV_REQ;
            end
        end
        S_SP_FB: begin
            ret_reg <= S_SP_DONE;
            state_reg <= S_FB_ENTRY;
        end
        S_SP_DONE: begin
            hw_we_reg[Q_CMD] <= 1'b1;
            hw_d_reg[32*Q_CMD +: 32] <= head_reg + 32'd1;
            head_reg <= head_reg + 32'd1;
            left_reg <= left_reg - 32'd1;
            ring_end_reg <= left_reg == 32'd1;
            resume_reg <= S_SP_NEXT;
            state_reg <= S_IDLE;                 // received frames may go first
        end

        // Raw frames.
        S_RAW_START: begin
            log2_reg <= cfg_spq_log2[32*Q_RAW +: 32];
            qmask_reg <= size_of(cfg_spq_log2[32*Q_RAW +: 32]) - 32'd1;
            head_reg <= cfg_spq_head[32*Q_RAW +: 32];
            left_reg <= cfg_spq_tail[32*Q_RAW +: 32] - cfg_spq_head[32*Q_RAW +: 32];
            ring_end_reg <= cfg_spq_tail[32*Q_RAW +: 32] == cfg_spq_head[32*Q_RAW +: 32];
            if (cfg_spq_log2[32*Q_RAW +: 32] == 32'd0) begin
                left_reg <= '0;
                ring_end_reg <= 1'b1;
            end else if (cfg_spq_tail[32*Q_RAW +: 32] - cfg_spq_head[32*Q_RAW +: 32] >
                         size_of(cfg_spq_log2[32*Q_RAW +: 32])) begin
                cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_CMD_BAD));
                hw_we_reg[Q_RAW] <= 1'b1;
                hw_d_reg[32*Q_RAW +: 32] <= cfg_spq_tail[32*Q_RAW +: 32];
                left_reg <= '0;
                ring_end_reg <= 1'b1;
            end
            state_reg <= S_RAW_NEXT;
        end
        S_RAW_NEXT: begin
            rd_addr_reg <= cfg_spq_base[64*Q_RAW +: 64] +
                           ({32'd0, head_reg & qmask_reg} << 4);
            rd_len_reg <= 16'd16;
            if (ring_end_reg) begin
                state_reg <= S_CTX_START;
            end else begin
                ret_reg <= S_RAW_ENT;
                state_reg <= S_RD_REQ;
            end
        end
        S_RAW_ENT: begin
            raw_len_reg <= rd_aligned[15:0];
            raw_left_reg <= rd_aligned[15:0];
            if (rd_aligned[120 +: 8] != phase_of(head_reg, log2_reg) || rd_aligned[15:0] < 16'd14 ||
                rd_aligned[15:0] > 16'(toffee_abi_pkg::MAX_FRAME)) begin
                cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_RAW_BAD));
                state_reg <= S_RAW_DONE;
            end else begin
                rd_addr_reg <= cfg_spq_buf[64*Q_RAW +: 64] +
                               ({32'd0, head_reg & qmask_reg} << 11);
                rd_len_reg <= rd_aligned[15:0];
                state_reg <= S_RAW_RDREQ;
            end
        end
        S_RAW_RDREQ: if (m_axis_rd_req_tready && !txf_busy) state_reg <= S_RAW_STREAM;   // after tx_frame's frames
        S_RAW_STREAM: if (s_axis_rd_resp_tvalid && m_axis_tx_tready) begin
            raw_left_reg <= raw_left_reg - raw_keep_n;
            if (s_axis_rd_resp_last) begin
                cnt = cnt | cbit(toffee_abi_pkg::CNT_TX_RAW);
                state_reg <= S_RAW_DONE;
            end
        end
        S_RAW_DONE: begin
            hw_we_reg[Q_RAW] <= 1'b1;
            hw_d_reg[32*Q_RAW +: 32] <= head_reg + 32'd1;
            head_reg <= head_reg + 32'd1;
            left_reg <= left_reg - 32'd1;
            ring_end_reg <= left_reg == 32'd1;
            resume_reg <= S_RAW_NEXT;
            state_reg <= S_IDLE;
        end

        // Context commands: pending contexts in index order.
        S_CTX_START: begin
            cursor_reg <= '0;
            state_reg <= S_CTX_PICK;
        end
        S_CTX_PICK: begin
            cand_reg <= pend_reg & below_lim_reg & at_or_above(cursor_reg);
            state_reg <= S_CTX_PICK2;
        end
        S_CTX_PICK2: begin
            grp_any_reg <= group_any(cand_reg);
            grp_low_reg <= group_lowest(cand_reg);
            state_reg <= S_CTX_PICK3;
        end
        S_CTX_PICK3: begin
            pick_ctx_reg <= lowest_ctx(grp_any_reg, grp_low_reg);
            state_reg <= grp_any_reg != 16'd0 ? S_CTX_ROW : S_TX_START;
        end
        S_CTX_ROW: begin
            cur_ctx_reg <= pick_ctx_reg;
            cursor_reg <= 9'(pick_ctx_reg) + 9'd1;
            state_reg <= S_CTX_ROWW;
        end
        S_CTX_ROWW: begin
            row_reg <= ctx_rdata;
            log2_reg <= w32(ctx_rdata, W_CMD_LOG2);
            qmask_reg <= size_of(w32(ctx_rdata, W_CMD_LOG2)) - 32'd1;
            head_reg <= w32(ctx_rdata, W_CMD_HEAD);
            left_reg <= w32(ctx_rdata, W_CMD_TAIL) - w32(ctx_rdata, W_CMD_HEAD);
            ring_end_reg <= w32(ctx_rdata, W_CMD_TAIL) == w32(ctx_rdata, W_CMD_HEAD);
            if (w32(ctx_rdata, W_CMD_LOG2) == 32'd0 || w32(ctx_rdata, W_CMD_TAIL) == w32(ctx_rdata, W_CMD_HEAD)) begin
                pend_reg[cur_ctx_reg] <= 1'b0;
                state_reg <= S_CTX_PICK;
            end else if (w32(ctx_rdata, W_CMD_TAIL) - w32(ctx_rdata, W_CMD_HEAD) >
                         size_of(w32(ctx_rdata, W_CMD_LOG2))) begin
                // Overrun (fp_cmd_poll_ctx / ring_pending): the ring is
                // reset, head = tail (the DB_CMD_HEAD mirror reads it).
                cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_CMD_BAD));
                head_reg <= w32(ctx_rdata, W_CMD_TAIL);
                left_reg <= '0;
                ring_end_reg <= 1'b1;
                state_reg <= S_CTX_END;
            end else begin
                if (w32(ctx_rdata, W_CMD_TAIL) - w32(ctx_rdata, W_CMD_HEAD) > CTX_BUDGET)
                    left_reg <= CTX_BUDGET;
                state_reg <= S_CTX_NEXT;
            end
        end
        S_CTX_NEXT: begin
            rd_addr_reg <= {w32(row_reg, W_CMD_BASE_HI), w32(row_reg, W_CMD_BASE_LO)} +
                           ({32'd0, head_reg & qmask_reg} << 4);
            rd_len_reg <= 16'd16;
            if (ring_end_reg) begin
                state_reg <= S_CTX_END;
            end else begin
                ret_reg <= S_CTX_CMD;
                state_reg <= S_RD_REQ;
            end
        end
        S_CTX_CMD: begin
            cmd_reg <= {128'd0, rd_aligned[127:0]};
            fst_reg <= '0;
            img_reg <= '0;
            phase_ok_reg <= rd_aligned[120 +: 8] == phase_of(head_reg, log2_reg);
            state_reg <= rd_aligned[31:0] < 32'(FLOW_CAP) ? S_CTX_STRD : S_CTX_EXEC;
        end
        S_CTX_STRD: state_reg <= S_CTX_STW;
        S_CTX_STW: if (st_tvalid) begin
            fst_reg <= st_state;
            state_reg <= S_CTX_EXEC;
        end
        S_CTX_EXEC: state_reg <= S_CTX_EXECW;
        S_CTX_EXECW: if (cmx_out_valid) begin
            nst_reg <= cmx_out_state;
            c_wr_reg <= cmx_out_state_wr;
            c_kick_reg <= cmx_kick_pend;
            c_ack_reg <= cmx_ack;
            cnt = cnt | (cmx_cnt_inc & STEP_MASK);
            state_reg <= S_CTX_WB;
        end
        S_CTX_WB: begin
            if (c_kick_reg && c_wr_reg) begin
                sch_op_reg <= SCH_KICK;
                sch_id_reg <= cmd_reg[31:0];
                ret_reg <= S_CTX_ACK;
                state_reg <= S_SCH_OP;
            end else begin
                state_reg <= S_CTX_ACK;
            end
        end
        S_CTX_ACK: begin
            head_reg <= head_reg + 32'd1;
            left_reg <= left_reg - 32'd1;
            ring_end_reg <= left_reg == 32'd1;
            if (c_ack_reg) begin
                c_ack_reg <= 1'b0;
                txf_state_reg <= nst_reg;
                txf_seq_reg <= nst_reg[O_SNDNXT +: 32];
                txf_flags_reg <= 8'h10;
                txf_ece_reg <= 1'b0;
                txf_dup_len_reg <= '0;
                txf_len_reg <= '0;
                txf_tos_reg <= '0;
                txf_is_ack_reg <= 1'b1;
                txf_req_done_reg <= 1'b0;
                mvr_req_done_reg <= 1'b0;
                ret_reg <= S_CTX_NEXT;
                state_reg <= S_TXF_REQ;
            end else begin
                state_reg <= S_CTX_NEXT;
            end
        end
        S_CTX_END: begin                         // head written (ctx port)
            // pend stays set: a doorbell that came after S_CTX_ROWW read
            // the tail must not be lost. The next poll reads the row again
            // and clears pend there if the ring is empty.
            resume_reg <= S_CTX_PICK;
            state_reg <= S_IDLE;
        end

        // Transmit: advance the wheel, then up to budget turns.
        S_TX_START: begin
            sent_reg <= '0;
            sch_op_reg <= SCH_ADVANCE;
            sch_time_reg <= now_ns;
            ret_reg <= S_TX_NEXT;
            state_reg <= S_SCH_OP;
        end
        S_TX_NEXT: begin
            if (sent_reg == budget_reg || !sch_head_valid) begin
                state_reg <= S_POLL_DONE;
            end else if (sent_reg != '0 && s_axis_seg_tvalid && !poll_owed_reg && !poll_step) begin
                // After the first turn a received segment goes first: the
                // wire cannot wait (a transmit turn takes longer than a frame
                // takes to come in, and a budget of turns used to overflow
                // the MAC's FIFO). The poll resumes here; RX_TURN bounds the
                // segments in between.
                resume_reg <= S_TX_NEXT;
                state_reg <= S_IDLE;
            end else begin
                sch_id_reg <= sch_head_id;
                state_reg <= S_TX_STRD;
            end
        end
        S_TX_STRD: state_reg <= S_TX_STW;
        S_TX_STW: if (st_tvalid) begin
            fst_reg <= st_state;
            nst_reg <= st_state;
            // A removed flow still linked: IDLE (pop).
            state_reg <= st_state[O_NICF] ? S_TX_SEG : S_TX_SCHED;
            txr_reg <= TXR_IDLE;
        end
        S_TX_SEG: state_reg <= S_TX_SEGW;
        S_TX_SEGW: if (txs_out_valid) begin
            txr_reg <= txs_result;
            t_wake_reg <= txs_wake_ns;
            nst_reg <= txs_out_state;
            txf_state_reg <= fst_reg;
            txf_seq_reg <= txs_seq;
            txf_flags_reg <= txs_flags;
            txf_len_reg <= txs_len;
            txf_tos_reg <= txs_tos;
            txf_iova0_reg <= txs_iova0;
            txf_len0_reg <= txs_len0;
            txf_iova1_reg <= txs_iova1;
            txf_len1_reg <= txs_len1;
            txf_is_ack_reg <= 1'b0;
            txf_req_done_reg <= 1'b0;
            mvr_req_done_reg <= 1'b0;
            if (txs_result == TXR_SENT || txs_result == TXR_MORE) begin
                ret_reg <= S_TX_WB;
                state_reg <= S_TXF_REQ;
            end else begin
                state_reg <= S_TX_SCHED;
            end
        end
        S_TX_WB: begin                           // state written (st_wr)
            sent_reg <= sent_reg + 16'd1;
            state_reg <= S_TX_SCHED;
        end
        S_TX_SCHED: begin                        // MORE: rotate; else pop (WAIT_RATE: then wait)
            sch_time_reg <= t_wake_reg;
            sch_op_reg <= txr_reg == TXR_MORE ? SCH_ROTATE : SCH_POP;
            ret_reg <= txr_reg == TXR_WAIT_RATE ? S_TX_WAITOP : S_TX_NEXT;
            state_reg <= S_SCH_OP;
        end
        S_TX_WAITOP: begin
            sch_op_reg <= SCH_WAIT;
            ret_reg <= S_TX_NEXT;
            state_reg <= S_SCH_OP;
        end

        S_POLL_DONE: begin
            in_poll_reg <= 1'b0;
            state_reg <= S_IDLE;
        end
        default: state_reg <= S_IDLE;
    endcase

    // The lookahead (it shares the counters with the sequencer).
    case (la_state_reg)
        LA_IDLE: ;
        LA_STRD: if (la_rd) la_state_reg <= LA_STW;
        LA_STW: if (st_tvalid) begin
            fst_reg <= st_state;
            cls_valid_reg <= !cls_ready;         // (cls_now)
            la_state_reg <= cls_ready ? LA_CLSW : LA_CLS;
        end
        LA_CLS: begin                            // (cls_valid_reg set on entry)
            if (cls_ready) begin
                cls_valid_reg <= 1'b0;
                la_state_reg <= LA_CLSW;
            end
        end
        LA_CLSW: if (v_valid && lq_room) begin  // (the verdict is taken)
            if (v_kind == V_DROP)
                cnt = cnt | cbit(toffee_abi_pkg::CNT_DROP_BASE + 32'(v_reason));
            la_state_reg <= v_kind != V_PASS || la_ev_known ? LA_IDLE : LA_CTX;
        end
        LA_CTX: if (rxp_in_valid) la_state_reg <= LA_IDLE;
        default: la_state_reg <= LA_IDLE;
    endcase

    // The queue of decided segments. A new entry: a DROP or PUNT verdict
    // (complete), or a segment entering rx_protocol (waiting).
    begin
        logic alloc, pop;
        alloc = (la_state_reg == LA_CLSW && v_valid && lq_room && v_kind != V_PASS) || rxp_in_valid;
        pop = la_take;
        if (alloc) begin
            lq_valid_reg[lq_tail_reg] <= 1'b1;
            lq_wait_reg[lq_tail_reg] <= rxp_in_valid;
            lq_due_reg[lq_tail_reg] <= 4'(RXP_LATENCY - 1);
            lq_flow_reg[lq_tail_reg] <= seg_flow_reg;
            lq_aflow_reg[lq_tail_reg] <= rxp_in_valid || v_kind != V_PUNT ? seg_flow_reg : v_flow;
            lq_ctx_reg[lq_tail_reg] <= fst_reg[O_CTX +: 8];
            lq_frame_len_reg[lq_tail_reg] <= seg_frame_len_reg;
            lq_punt_reg[lq_tail_reg] <= !rxp_in_valid && v_kind == V_PUNT;
            lq_exc_reason_reg[lq_tail_reg] <= v_reason;
            lq_exc_len_reg[lq_tail_reg] <= rxp_in_valid ? 16'd14 + seg_ip_len_reg : exc_len_of_verdict;
            lq_dep_reg[lq_tail_reg] <= 1'b0;
            lq_ev_reg[lq_tail_reg] <= 1'b0;
            lq_ack_reg[lq_tail_reg] <= 1'b0;
            lq_kick_reg[lq_tail_reg] <= 1'b0;
            lq_tail_reg <= lq_tail_reg + LQ_W'(1);
        end
        if (rxp_out_valid) begin                 // its entry completed (state written: la_wr)
            lq_wait_reg[lq_fill] <= 1'b0;
            lq_nst_reg[lq_fill] <= rxp_out_state;
            lq_punt_reg[lq_fill] <= rxp_punt;
            lq_exc_reason_reg[lq_fill] <= rxp_punt_reason;
            lq_dep_reg[lq_fill] <= rxp_dep_valid;
            lq_dep_off_reg[lq_fill] <= rxp_dep_off;
            lq_dep_iova0_reg[lq_fill] <= rxp_dep_iova0;
            lq_dep_len0_reg[lq_fill] <= rxp_dep_len0;
            lq_dep_iova1_reg[lq_fill] <= rxp_dep_iova1;
            lq_dep_len1_reg[lq_fill] <= rxp_dep_len1;
            lq_ev_reg[lq_fill] <= rxp_ev_valid;
            lq_ev_rx_reg[lq_fill] <= rxp_ev_rx_bytes;
            lq_ev_freed_reg[lq_fill] <= rxp_ev_tx_freed;
            lq_ev_flags_reg[lq_fill] <= rxp_ev_flags;
            lq_ack_reg[lq_fill] <= rxp_ack_valid;
            lq_ece_reg[lq_fill] <= rxp_ack_ece;
            lq_dup_seq_reg[lq_fill] <= rxp_ack_dup_seq;
            lq_dup_len_reg[lq_fill] <= rxp_ack_dup_len;
            lq_kick_reg[lq_fill] <= rxp_kick && tx_pending(rxp_out_state);
            cnt = cnt | (rxp_cnt_inc & STEP_MASK);
            rxb = rxp_rx_bytes_add;              // may exceed 16 bits (OOO merge)
        end
        for (int i = 0; i < LQ; i = i + 1)
            if (lq_wait_reg[i] && lq_due_reg[i] != 4'd0)
                lq_due_reg[i] <= lq_due_reg[i] - 4'd1;
        if (pop) begin
            lq_valid_reg[lq_head_reg] <= 1'b0;
            lq_head_reg <= lq_head_reg + LQ_W'(1);
        end
        lq_count_reg <= lq_count_reg + (LQ_W+1)'(alloc) - (LQ_W+1)'(pop);
    end
    // The context row (room in the event ring) is read while rx_classify
    // decides: la_ctx_go issues it, ctx_rdata has it the cycle after
    // (la_ev_ok_now), la_ev_ok_reg from then on.
    if (la_ctx_go)
        la_ctx_rd_reg <= 1'b1;
    la_ctx_cap_reg <= la_ctx_go;
    if (la_ctx_cap_reg) begin
        la_ev_ok_reg <= la_ev_ok_now;
        if (!la_ev_sure_now)
            la_ctx_rd_reg <= 1'b0;               // not sure yet: read it again
    end
    // A segment accepted (in LA_IDLE).
    if (s_axis_seg_tvalid && s_axis_seg_tready) begin
        seg_hit_reg <= s_axis_seg_hit;
        seg_flow_reg <= s_axis_seg_flow_id;
        seg_frame_len_reg <= s_axis_seg_frame_len;
        seg_dst_mac_reg <= s_axis_seg_dst_mac;
        seg_ethertype_reg <= s_axis_seg_ethertype;
        seg_ip_ver_reg <= s_axis_seg_ip_ver;
        seg_ip_ihl_reg <= s_axis_seg_ip_ihl;
        seg_ip_tos_reg <= s_axis_seg_ip_tos;
        seg_ip_len_reg <= s_axis_seg_ip_len;
        seg_ip_frag_reg <= s_axis_seg_ip_frag;
        seg_ip_proto_reg <= s_axis_seg_ip_proto;
        seg_ip_csum_ok_reg <= s_axis_seg_ip_csum_ok;
        seg_seq_reg <= s_axis_seg_tcp_seq;
        seg_ack_reg <= s_axis_seg_tcp_ack;
        seg_tcp_doff_reg <= s_axis_seg_tcp_doff;
        seg_tcp_flags_reg <= s_axis_seg_tcp_flags;
        seg_win_reg <= s_axis_seg_tcp_win;
        seg_tcp_csum_ok_reg <= s_axis_seg_tcp_csum_ok;
        seg_opt_ok_reg <= s_axis_seg_opt_ok;
        seg_ts_reg <= s_axis_seg_ts;
        seg_ts_val_reg <= s_axis_seg_ts_val;
        seg_pay_off_reg <= s_axis_seg_pay_off;
        seg_pay_len_reg <= s_axis_seg_pay_len;
        fst_reg <= '0;
        cnt = cnt | cbit(toffee_abi_pkg::CNT_RX_FRAMES);
        la_state_reg <= s_axis_seg_hit ? LA_STRD : LA_CLS;
        cls_valid_reg <= !s_axis_seg_hit;
        la_ctx_rd_reg <= 1'b0;
    end

    // RX_FRAMES of frames mac_rx dropped (never seen here).
    if (stat_oversize || (oversize_pend_reg != 4'd0 && cnt[toffee_abi_pkg::CNT_RX_FRAMES] == 1'b0)) begin
        logic [3:0] p;
        p = oversize_pend_reg + 4'(stat_oversize);
        if (cnt[toffee_abi_pkg::CNT_RX_FRAMES] == 1'b0 && p != 4'd0) begin
            cnt = cnt | cbit(toffee_abi_pkg::CNT_RX_FRAMES);
            p = p - 4'd1;
        end
        oversize_pend_reg <= p;
    end

    // Doorbells: CMD_TAIL marks the context pending (wins over a clear).
    if (s_axis_db_tvalid && s_axis_db_reg == 2'd0)
        pend_reg[s_axis_db_ctx] <= 1'b1;

    // The event tail: W.
    if (ew_valid_reg && rw16_txn_end) begin        // the entry, then its phase byte
        ew_last1_reg <= 1'b1;
        if (ew_last1_reg)
            ew_done_reg <= 1'b1;
    end
    if ((db_arm && s_axis_db_ctx == ew_ctx_reg) || (et_disarm && et_ctx_reg == ew_ctx_reg))
        ew_dirty_reg <= 1'b1;
    // A.
    case (et_state_reg)
        ET_ARM:                                    // tail + 1 (et_port); ARM as read at
            // dispatch unless it may have changed since (then as read now)
            et_state_reg <= et_dirty_reg || (db_arm && s_axis_db_ctx == et_ctx_reg) ? ET_ARMW :
                            et_arm_reg ? ET_NOTIFY : ET_IDLE;
        // (the disarm waits for ET_NOTIFY: a context RAM enable computed from
        // its own read data would be a path through the RAM)
        ET_ARMW: et_state_reg <= w32(ctx_rdata, W_ARM) == 32'd0 ? ET_IDLE : ET_NOTIFY;
        ET_NOTIFY: if (!notify_valid_reg) begin    // disarm (et_disarm), notify
            notify_valid_reg <= 1'b1;
            notify_ctx_reg <= et_ctx_reg;
            et_state_reg <= ET_IDLE;
        end
        default: ;
    endcase
    if (db_arm && s_axis_db_ctx == et_ctx_reg)
        et_dirty_reg <= 1'b1;
    if (ew_to_a) begin
        ew_valid_reg <= 1'b0;
        et_state_reg <= ET_ARM;
        et_ctx_reg <= ew_ctx_reg;
        et_tail_reg <= ew_tail_reg;
        et_arm_reg <= ew_arm_reg;
        et_dirty_reg <= ew_dirty_reg || (db_arm && s_axis_db_ctx == ew_ctx_reg);
    end
    if (et_go) begin                               // the event's entry is taken
        ew_valid_reg <= 1'b1;
        ew_ctx_reg <= ev_ctx_reg;
        ew_tail_reg <= w32(row_reg, W_EV_TAIL);
        ew_arm_reg <= w32(row_reg, W_ARM) != 32'd0;
        ew_dirty_reg <= arm_dirty_reg || (db_arm && s_axis_db_ctx == ev_ctx_reg) ||
                        (et_disarm && et_ctx_reg == ev_ctx_reg);
        ew_last1_reg <= 1'b0;
        ew_done_reg <= 1'b0;
        ev_pend_reg <= 1'b0;                       // the event tail's now
    end

    // Notifications.
    if (notify_valid_reg && m_axis_notify_tready)
        notify_valid_reg <= 1'b0;

    cnt_reg <= cnt;
    // RX_BYTES: axil_regs adds 16 bits per cycle; a merge of the
    // out-of-order interval may deliver more at once.
    begin
        logic [31:0] pend;
        pend = rxb_pend_reg + rxb;
        cnt_rxb_reg <= pend > 32'h0000ffff ? 16'hffff : pend[15:0];
        rxb_pend_reg <= pend > 32'h0000ffff ? pend - 32'h0000ffff : 32'd0;
    end
    cnt_txb_reg <= txb;

    if (rst) begin
        state_reg <= S_IDLE;
        la_state_reg <= LA_IDLE;
        lq_head_reg <= '0;
        lq_tail_reg <= '0;
        lq_count_reg <= '0;
        lq_valid_reg <= '0;
        lq_wait_reg <= '0;
        ev_pend_reg <= 1'b0;
        et_state_reg <= ET_IDLE;
        ew_valid_reg <= 1'b0;
        la_ctx_rd_reg <= 1'b0;
        la_ctx_cap_reg <= 1'b0;
        ack_pend_reg <= 1'b0;
        ev_row_cap_reg <= 1'b0;
        in_poll_reg <= 1'b0;
        rx_streak_reg <= '0;
        hold_reg <= 1'b0;
        hold_cnt_reg <= '0;
        cls_valid_reg <= 1'b0;
        notify_valid_reg <= 1'b0;
        pend_reg <= '0;
        cnt_reg <= '0;
        rxb_pend_reg <= '0;
        oversize_pend_reg <= '0;
        hw_we_reg <= '0;
        tw_we_reg <= '0;
    end
end

assign s_axis_poll_tready = state_reg == S_POLL_DONE && poll_step;
assign idle = state_reg == S_IDLE && !la_busy && !rx_job && !in_poll_reg &&
              !s_axis_seg_tvalid && !notify_valid_reg && !txf_busy && !ack_pend_reg && !mvw_busy &&
              et_idle;

assign spq_head_we = hw_we_reg;
assign spq_head_wdata = hw_d_reg;
assign spq_tail_we = tw_we_reg;
assign spq_tail_wdata = tw_d_reg;
assign cnt_inc = cnt_reg;
assign cnt_rx_bytes = cnt_rxb_reg;
assign cnt_tx_bytes = cnt_txb_reg;
assign m_axis_notify_tvalid = notify_valid_reg;
assign m_axis_notify_ctx = notify_ctx_reg;

// verilator lint_off UNUSEDSIGNAL
wire unused = &{1'b0, cfg_spq_buf[255:128], seg_ip_tos_reg[7:2], status_reg,
                rxp_drop, ev_log2[31:5], raw_len_reg, rd_cnt_reg,
                s_axis_frame_tkeep, txf_req_ready, fst_reg[O_NICF+1 +: 7]};
// verilator lint_on UNUSEDSIGNAL

endmodule

`default_nettype wire
