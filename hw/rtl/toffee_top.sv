// SPDX-License-Identifier: MIT
// toffee_top: the RTL fast path, wired; the synthesis top of `make synth`.
//
// Receive front end (mac_rx -> rx_parser -> flow_lookup, the frame bytes in
// a store-and-forward FIFO), then the protocol engine (engine.sv, one job
// at a time in the firmware's order) with its step modules (rx_protocol,
// cmd_exec, tx_segment, tx_frame, tx_sched), the byte movers (dma_write_bytes,
// dma_read_bytes), the per-flow state (flow_state), the register file
// (axil_regs) and mac_tx. Host memory is reached through the DMA channels of
// docs/rtl.md; notifications leave as context ids on m_axis_notify.
`default_nettype none

module toffee_top #(
    // Stream and DMA width in bits: 64 (simulation) or 512 (100 GbE).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Flow table capacity (power of two).
    parameter FLOW_CAP = 65536,
    // Application contexts.
    parameter CTX_CAP = 256,
    // MAC transmit FIFO in beats (at least two maximum-size frames; the
    // differential test makes it small so that a paused MAC fills it).
    parameter MAC_TX_FIFO_DEPTH = 1024
) (
    input  wire                    clk,
    input  wire                    rst,

    // Ethernet MAC.
    input  wire [DATA_WIDTH-1:0]   s_axis_mac_rx_tdata,
    input  wire [KEEP_WIDTH-1:0]   s_axis_mac_rx_tkeep,
    input  wire                    s_axis_mac_rx_tvalid,
    output wire                    s_axis_mac_rx_tready,
    input  wire                    s_axis_mac_rx_tlast,
    input  wire                    s_axis_mac_rx_tuser,
    output wire [DATA_WIDTH-1:0]   m_axis_mac_tx_tdata,
    output wire [KEEP_WIDTH-1:0]   m_axis_mac_tx_tkeep,
    output wire                    m_axis_mac_tx_tvalid,
    input  wire                    m_axis_mac_tx_tready,
    output wire                    m_axis_mac_tx_tlast,

    // Host: AXI-Lite BAR0.
    input  wire [20:0]             s_axil_awaddr,
    input  wire                    s_axil_awvalid,
    output wire                    s_axil_awready,
    input  wire [31:0]             s_axil_wdata,
    input  wire [3:0]              s_axil_wstrb,
    input  wire                    s_axil_wvalid,
    output wire                    s_axil_wready,
    output wire [1:0]              s_axil_bresp,
    output wire                    s_axil_bvalid,
    input  wire                    s_axil_bready,
    input  wire [20:0]             s_axil_araddr,
    input  wire                    s_axil_arvalid,
    output wire                    s_axil_arready,
    output wire [31:0]             s_axil_rdata,
    output wire [1:0]              s_axil_rresp,
    output wire                    s_axil_rvalid,
    input  wire                    s_axil_rready,

    // Host: DMA (served by the shell or the simulation harness).
    output wire                    m_axis_dma_wr_tvalid,
    input  wire                    m_axis_dma_wr_tready,
    output wire [63:0]             m_axis_dma_wr_addr,
    output wire [DATA_WIDTH-1:0]   m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]   m_axis_dma_wr_strb,
    output wire                    m_axis_dma_wr_last,
    output wire                    m_axis_dma_rd_req_tvalid,
    input  wire                    m_axis_dma_rd_req_tready,
    output wire [63:0]             m_axis_dma_rd_req_addr,
    output wire [15:0]             m_axis_dma_rd_req_len,
    output wire [8:0]              m_axis_dma_rd_req_tag,
    input  wire                    s_axis_dma_rd_resp_tvalid,
    output wire                    s_axis_dma_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]   s_axis_dma_rd_resp_data,
    input  wire [8:0]              s_axis_dma_rd_resp_tag,
    input  wire                    s_axis_dma_rd_resp_last,

    // Time (ns): the shell's clock (or the harness, held during a step).
    input  wire [63:0]             now_ns,
    // Polls: poll_step = 0 (default; hardware, toffee-sim) polls without
    // pause; poll_step = 1 (the differential harness) runs one fp_poll() per
    // token with its transmit budget, the token taken when the poll is done.
    input  wire                    poll_step,
    input  wire                    s_axis_poll_tvalid,
    output wire                    s_axis_poll_tready,
    input  wire [15:0]             s_axis_poll_budget,
    output wire                    engine_idle,
    // Notifications (interrupt per context: MSI-X vector = context).
    output wire                    m_axis_irq_tvalid,
    input  wire                    m_axis_irq_tready,
    output wire [7:0]              m_axis_irq_ctx
);

// ---------------------------------------------------------------------------
// Receive front end.
// ---------------------------------------------------------------------------
wire [DATA_WIDTH-1:0] rx_tdata;
wire [KEEP_WIDTH-1:0] rx_tkeep;
wire rx_tvalid, rx_tready, rx_tlast;
wire stat_rx_frame, stat_drop_fcs, stat_drop_oversize, stat_drop_overflow;

mac_rx #(.DATA_WIDTH(DATA_WIDTH)) mac_rx_inst (
    .clk(clk), .rst(rst),
    .s_axis_mac_rx_tdata(s_axis_mac_rx_tdata), .s_axis_mac_rx_tkeep(s_axis_mac_rx_tkeep),
    .s_axis_mac_rx_tvalid(s_axis_mac_rx_tvalid), .s_axis_mac_rx_tready(s_axis_mac_rx_tready),
    .s_axis_mac_rx_tlast(s_axis_mac_rx_tlast), .s_axis_mac_rx_tuser(s_axis_mac_rx_tuser),
    .m_axis_rx_tdata(rx_tdata), .m_axis_rx_tkeep(rx_tkeep), .m_axis_rx_tvalid(rx_tvalid),
    .m_axis_rx_tready(rx_tready), .m_axis_rx_tlast(rx_tlast),
    .stat_rx_frame(stat_rx_frame), .stat_drop_fcs(stat_drop_fcs),
    .stat_drop_oversize(stat_drop_oversize), .stat_drop_overflow(stat_drop_overflow)
);

wire [DATA_WIDTH-1:0] pd_tdata;
wire [KEEP_WIDTH-1:0] pd_tkeep;
wire pd_tvalid, pd_tready, pd_tlast;
wire meta_valid, meta_ready;
wire [15:0] m_frame_len, m_ethertype, m_ip_len, m_tcp_sport, m_tcp_dport, m_tcp_win;
wire [15:0] m_pay_off, m_pay_len;
wire [47:0] m_dst_mac, m_src_mac;
wire [3:0] m_ip_ver, m_ip_ihl, m_tcp_doff;
wire [7:0] m_ip_tos, m_ip_proto, m_tcp_flags;
wire m_ip_frag, m_ip_csum_ok, m_tcp_csum_ok, m_opt_ok, m_ts;
wire [31:0] m_ip_src, m_ip_dst, m_tcp_seq, m_tcp_ack, m_ts_val, m_ts_ecr;
wire [2:0] m_sack_n;
wire [255:0] m_sack;

rx_parser #(.DATA_WIDTH(DATA_WIDTH)) parser_inst (
    .clk(clk), .rst(rst),
    .s_axis_rx_tdata(rx_tdata), .s_axis_rx_tkeep(rx_tkeep), .s_axis_rx_tvalid(rx_tvalid),
    .s_axis_rx_tready(rx_tready), .s_axis_rx_tlast(rx_tlast),
    .m_axis_data_tdata(pd_tdata), .m_axis_data_tkeep(pd_tkeep), .m_axis_data_tvalid(pd_tvalid),
    .m_axis_data_tready(pd_tready), .m_axis_data_tlast(pd_tlast),
    .m_axis_meta_tvalid(meta_valid), .m_axis_meta_tready(meta_ready),
    .m_axis_meta_frame_len(m_frame_len), .m_axis_meta_dst_mac(m_dst_mac),
    .m_axis_meta_src_mac(m_src_mac), .m_axis_meta_ethertype(m_ethertype),
    .m_axis_meta_ip_ver(m_ip_ver), .m_axis_meta_ip_ihl(m_ip_ihl), .m_axis_meta_ip_tos(m_ip_tos),
    .m_axis_meta_ip_len(m_ip_len), .m_axis_meta_ip_frag(m_ip_frag),
    .m_axis_meta_ip_proto(m_ip_proto), .m_axis_meta_ip_src(m_ip_src),
    .m_axis_meta_ip_dst(m_ip_dst), .m_axis_meta_ip_csum_ok(m_ip_csum_ok),
    .m_axis_meta_tcp_sport(m_tcp_sport), .m_axis_meta_tcp_dport(m_tcp_dport),
    .m_axis_meta_tcp_seq(m_tcp_seq), .m_axis_meta_tcp_ack(m_tcp_ack),
    .m_axis_meta_tcp_doff(m_tcp_doff), .m_axis_meta_tcp_flags(m_tcp_flags),
    .m_axis_meta_tcp_win(m_tcp_win), .m_axis_meta_tcp_csum_ok(m_tcp_csum_ok),
    .m_axis_meta_pay_off(m_pay_off), .m_axis_meta_pay_len(m_pay_len),
    .m_axis_meta_opt_ok(m_opt_ok), .m_axis_meta_ts(m_ts), .m_axis_meta_ts_val(m_ts_val),
    .m_axis_meta_ts_ecr(m_ts_ecr), .m_axis_meta_sack_n(m_sack_n), .m_axis_meta_sack(m_sack)
);

// Frame bytes wait here for the engine (store and forward: the whole frame
// must fit).
wire [DATA_WIDTH-1:0] fr_tdata;
wire [KEEP_WIDTH-1:0] fr_tkeep;
wire fr_tvalid, fr_tready, fr_tlast;

axis_frame_fifo #(
    .DATA_WIDTH(DATA_WIDTH), .DEPTH(DATA_WIDTH >= 512 ? 512 : 2048),
    .DROP_WHEN_FULL(0), .DROP_BAD(0)
) frame_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(pd_tdata), .s_axis_tkeep(pd_tkeep), .s_axis_tvalid(pd_tvalid),
    .s_axis_tready(pd_tready), .s_axis_tlast(pd_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(fr_tdata), .m_axis_tkeep(fr_tkeep),
    .m_axis_tvalid(fr_tvalid), .m_axis_tready(fr_tready),
    .m_axis_tlast(fr_tlast),
    // verilator lint_off PINCONNECTEMPTY
    .stat_good_frame(), .stat_bad_frame(), .stat_overflow()
    // verilator lint_on PINCONNECTEMPTY
);

// The parser fields the engine needs, carried through the lookup (what the
// firmware ignores too -- source MAC, TSecr, SACK blocks -- is left unused).
localparam SEG_META_W = 281;
wire [SEG_META_W-1:0] seg_meta = {
    m_tcp_seq, m_tcp_ack, m_ts_val,                               // 96
    m_pay_off, m_pay_len, m_tcp_win, m_ip_len, m_ethertype,       // 80
    m_frame_len,                                                  // 16
    m_dst_mac,                                                    // 48
    m_tcp_flags, m_ip_tos, m_ip_proto,                            // 24
    m_ip_ver, m_ip_ihl, m_tcp_doff,                               // 12
    m_ip_frag, m_ip_csum_ok, m_tcp_csum_ok, m_opt_ok, m_ts        // 5
};
// verilator lint_off UNUSEDSIGNAL
wire [47:0] unused_src_mac = m_src_mac;
wire [31:0] unused_ts_ecr = m_ts_ecr;
wire [2:0] unused_sack_n = m_sack_n;
wire [255:0] unused_sack = m_sack;
// verilator lint_on UNUSEDSIGNAL

wire seg_tvalid, seg_tready, seg_hit;
wire [31:0] seg_flow_id;
wire [SEG_META_W-1:0] sm;
wire upd_tvalid, upd_tready, upd_remove, upd_status_tvalid, upd_status_tready;
wire hold_lookup, lookup_tready;
assign meta_ready = lookup_tready && !hold_lookup;
wire [31:0] upd_local_ip, upd_remote_ip, upd_ports, upd_flow_id;
wire [15:0] upd_status;

flow_lookup #(.FLOW_CAP(FLOW_CAP), .USER_WIDTH(SEG_META_W), .URAM(1)) lookup_inst (
    .clk(clk), .rst(rst),
    .s_axis_lookup_tvalid(meta_valid && !hold_lookup), .s_axis_lookup_tready(lookup_tready),
    .s_axis_lookup_local_ip(m_ip_dst), .s_axis_lookup_remote_ip(m_ip_src),
    .s_axis_lookup_ports({m_tcp_dport, m_tcp_sport}),
    .s_axis_lookup_user(seg_meta),
    .m_axis_result_tvalid(seg_tvalid), .m_axis_result_tready(seg_tready),
    .m_axis_result_hit(seg_hit), .m_axis_result_flow_id(seg_flow_id),
    .m_axis_result_user(sm),
    .s_axis_update_tvalid(upd_tvalid), .s_axis_update_tready(upd_tready),
    .s_axis_update_remove(upd_remove),
    .s_axis_update_local_ip(upd_local_ip), .s_axis_update_remote_ip(upd_remote_ip),
    .s_axis_update_ports(upd_ports), .s_axis_update_flow_id(upd_flow_id),
    .m_axis_status_tvalid(upd_status_tvalid), .m_axis_status_tready(upd_status_tready),
    .m_axis_status_status(upd_status),
    // verilator lint_off PINCONNECTEMPTY
    .busy_init()
    // verilator lint_on PINCONNECTEMPTY
);

wire st_rd_tvalid, st_tvalid, st_wr_tvalid;
wire [31:0] st_rd_flow_id, st_flow_id, st_wr_flow_id, st_wr_strb;
wire [1023:0] st_state, st_wr_state;

// Pipeline depths the engine times its same-flow reads by.
localparam ST_READ_LATENCY = 2, RXP_LATENCY = 9;

flow_state #(.FLOW_CAP(FLOW_CAP), .READ_LATENCY(ST_READ_LATENCY), .URAM(1)) state_inst (
    .clk(clk), .rst(rst),
    .s_axis_rd_tvalid(st_rd_tvalid), .s_axis_rd_flow_id(st_rd_flow_id),
    .m_axis_st_tvalid(st_tvalid), .m_axis_st_flow_id(st_flow_id), .m_axis_st_state(st_state),
    .s_axis_wr_tvalid(st_wr_tvalid), .s_axis_wr_flow_id(st_wr_flow_id),
    .s_axis_wr_state(st_wr_state), .s_axis_wr_strb(st_wr_strb)
);

// ---------------------------------------------------------------------------
// Register file.
// ---------------------------------------------------------------------------
wire [31:0] cfg_ctrl, cfg_ctx_limit;
wire [47:0] cfg_mac;
wire [4*64-1:0] cfg_spq_base, cfg_spq_buf;
wire [4*32-1:0] cfg_spq_log2, cfg_spq_head, cfg_spq_tail, spq_head_wdata, spq_tail_wdata;
wire [3:0] spq_head_we, spq_tail_we;
wire ctx_en;
wire [10:0] ctx_we;
wire [7:0] ctx_addr;
wire [11*32-1:0] ctx_wdata, ctx_rdata;
wire db_tvalid, db_tready;
wire [7:0] db_ctx;
wire [1:0] db_reg;
wire [31:0] db_value;
wire [63:0] cnt_inc;
wire [15:0] cnt_rx_bytes, cnt_tx_bytes;

// MAC-level drops in the fast path's counters: oversize frames as the
// firmware counts them (DROP_OVERSIZE, and RX_FRAMES by the engine); FCS
// errors and receive-FIFO overflows, which never reach the fast path, as
// DROP_MAC_FCS / DROP_MAC_OVERFLOW.
wire [63:0] cnt_all = cnt_inc |
    (64'(stat_drop_oversize) << (toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_OVERSIZE))) |
    (64'(stat_drop_fcs) << (toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_MAC_FCS))) |
    (64'(stat_drop_overflow) << (toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_MAC_OVERFLOW)));
// verilator lint_off UNUSEDSIGNAL
wire unused_stats = stat_rx_frame;  // frames in: RX_FRAMES is counted by the engine
// verilator lint_on UNUSEDSIGNAL

axil_regs #(.FLOW_CAP(FLOW_CAP), .CTX_CAP(CTX_CAP)) regs_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(s_axil_awaddr), .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr), .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready), .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
    .ctrl(cfg_ctrl), .mac(cfg_mac), .ctx_limit(cfg_ctx_limit),
    .spq_base(cfg_spq_base), .spq_log2(cfg_spq_log2), .spq_buf(cfg_spq_buf),
    .spq_head(cfg_spq_head), .spq_tail(cfg_spq_tail),
    .spq_head_we(spq_head_we), .spq_head_wdata(spq_head_wdata),
    .spq_tail_we(spq_tail_we), .spq_tail_wdata(spq_tail_wdata),
    .ctx_en(ctx_en), .ctx_we(ctx_we), .ctx_addr(ctx_addr), .ctx_wdata(ctx_wdata),
    .ctx_rdata(ctx_rdata),
    .m_axis_db_tvalid(db_tvalid), .m_axis_db_tready(db_tready),
    .m_axis_db_ctx(db_ctx), .m_axis_db_reg(db_reg), .m_axis_db_value(db_value),
    .cnt_inc(cnt_all), .cnt_rx_bytes(cnt_rx_bytes),
    .cnt_tx_bytes(cnt_tx_bytes)
);

// ---------------------------------------------------------------------------
// Step modules.
// ---------------------------------------------------------------------------
wire rxp_in_valid, rxp_ts_ok, rxp_ce, rxp_ev_ok;
wire [31:0] rxp_flow_id, rxp_seq, rxp_ack, rxp_tsval;
wire [1023:0] rxp_state, rxp_out_state;
wire [7:0] rxp_flags;
wire [15:0] rxp_wnd, rxp_pay_off, rxp_pay_len, rxp_frame_len;
wire rxp_out_valid, rxp_drop, rxp_punt, rxp_dep_valid, rxp_ev_valid, rxp_ack_valid, rxp_ack_ece, rxp_kick;
wire [7:0] rxp_drop_reason, rxp_punt_reason, rxp_ev_flags;
wire [15:0] rxp_dep_off, rxp_dep_len0, rxp_dep_len1;
wire [63:0] rxp_dep_iova0, rxp_dep_iova1, rxp_cnt_inc;
wire [31:0] rxp_ev_rx_bytes, rxp_ev_tx_freed, rxp_rx_bytes_add, rxp_ack_dup_seq;
wire [15:0] rxp_ack_dup_len;
// verilator lint_off UNUSEDSIGNAL
wire [31:0] rxp_out_flow_id;
// verilator lint_on UNUSEDSIGNAL

rx_protocol #(.LATENCY(RXP_LATENCY)) rxp_inst (
    .clk(clk), .rst(rst),
    .in_valid(rxp_in_valid), .in_flow_id(rxp_flow_id), .in_state(rxp_state),
    .in_flags(rxp_flags), .in_seq(rxp_seq), .in_ack(rxp_ack), .in_wnd(rxp_wnd),
    .in_ts_ok(rxp_ts_ok), .in_tsval(rxp_tsval), .in_ce(rxp_ce),
    .in_pay_off(rxp_pay_off), .in_pay_len(rxp_pay_len), .in_frame_len(rxp_frame_len),
    .in_ev_ok(rxp_ev_ok), .now_ns(now_ns),
    .out_valid(rxp_out_valid), .out_flow_id(rxp_out_flow_id), .out_state(rxp_out_state),
    .drop(rxp_drop), .drop_reason(rxp_drop_reason), .punt(rxp_punt), .punt_reason(rxp_punt_reason),
    .dep_valid(rxp_dep_valid), .dep_off(rxp_dep_off), .dep_iova0(rxp_dep_iova0),
    .dep_len0(rxp_dep_len0), .dep_iova1(rxp_dep_iova1), .dep_len1(rxp_dep_len1),
    .ev_valid(rxp_ev_valid), .ev_rx_bytes(rxp_ev_rx_bytes), .ev_tx_freed(rxp_ev_tx_freed),
    .ev_flags(rxp_ev_flags), .ack_valid(rxp_ack_valid), .ack_ece(rxp_ack_ece),
    .ack_dup_seq(rxp_ack_dup_seq), .ack_dup_len(rxp_ack_dup_len), .kick(rxp_kick),
    .cnt_inc(rxp_cnt_inc), .rx_bytes_add(rxp_rx_bytes_add)
);

wire cmx_in_valid, cmx_ctx_cmd, cmx_phase_ok;
wire [7:0] cmx_ctx;
wire [255:0] cmx_cmd, cmx_fb;
wire [1023:0] cmx_state, cmx_image, cmx_out_state;
wire cmx_out_valid, cmx_out_state_wr, cmx_fb_valid, cmx_dma_wr_valid, cmx_kick, cmx_kick_pend, cmx_ack;
wire [15:0] cmx_status;
wire [63:0] cmx_dma_wr_iova, cmx_cnt_inc;
wire [1:0] cmx_tab_op;
wire [31:0] cmx_tab_local_ip, cmx_tab_remote_ip, cmx_tab_ports;
// verilator lint_off UNUSEDSIGNAL
wire cmx_out_ctx_cmd;
wire [31:0] cmx_out_flow_id;
// verilator lint_on UNUSEDSIGNAL

cmd_exec #(.FLOW_CAP(FLOW_CAP)) cmx_inst (
    .clk(clk), .rst(rst),
    .in_valid(cmx_in_valid), .in_ctx_cmd(cmx_ctx_cmd), .in_phase_ok(cmx_phase_ok),
    .in_cmd(cmx_cmd), .in_ctx(cmx_ctx), .in_state(cmx_state), .in_image(cmx_image),
    .in_now_ns(now_ns),
    .out_valid(cmx_out_valid), .out_ctx_cmd(cmx_out_ctx_cmd), .out_flow_id(cmx_out_flow_id),
    .out_state(cmx_out_state), .out_state_wr(cmx_out_state_wr), .out_status(cmx_status),
    .out_fb_valid(cmx_fb_valid), .out_fb(cmx_fb),
    .out_dma_wr_valid(cmx_dma_wr_valid), .out_dma_wr_iova(cmx_dma_wr_iova),
    .out_tab_op(cmx_tab_op), .out_tab_local_ip(cmx_tab_local_ip),
    .out_tab_remote_ip(cmx_tab_remote_ip), .out_tab_ports(cmx_tab_ports),
    .out_kick(cmx_kick), .out_kick_pend(cmx_kick_pend), .out_ack(cmx_ack),
    .out_cnt_inc(cmx_cnt_inc)
);

// Transmit step and scheduler.
wire txs_in_valid, txs_out_valid;
wire [1023:0] txs_state, txs_out_state;
wire [1:0] txs_result;
wire [63:0] txs_wake_ns, txs_iova0, txs_iova1;
wire [31:0] txs_seq;
wire [15:0] txs_len, txs_len0, txs_len1;
wire [7:0] txs_flags, txs_tos;
// verilator lint_off UNUSEDSIGNAL
wire [31:0] txs_out_flow_id, txs_tx_bytes;      // the engine counts what it sends
wire [6:0] txs_hlen;
wire [63:0] txs_cnt_inc;
// verilator lint_on UNUSEDSIGNAL

tx_segment txs_inst (
    .clk(clk), .rst(rst),
    .in_valid(txs_in_valid), .in_flow_id(32'd0), .in_state(txs_state), .in_now_ns(now_ns),
    .out_valid(txs_out_valid), .out_flow_id(txs_out_flow_id), .out_result(txs_result),
    .out_wake_ns(txs_wake_ns), .out_seq(txs_seq), .out_len(txs_len), .out_flags(txs_flags),
    .out_tos(txs_tos), .out_hlen(txs_hlen), .out_iova0(txs_iova0), .out_len0(txs_len0),
    .out_iova1(txs_iova1), .out_len1(txs_len1), .out_state(txs_out_state),
    .out_cnt_inc(txs_cnt_inc), .out_tx_bytes(txs_tx_bytes)
);

wire sch_op_valid, sch_op_ready, sch_head_valid;
wire [2:0] sch_op;
wire [31:0] sch_op_id, sch_head_id;
wire [63:0] sch_op_time;
// verilator lint_off UNUSEDSIGNAL
wire sch_busy_init;
wire [63:0] sch_wheel_time;
wire [31:0] sch_wheel_busy;
// verilator lint_on UNUSEDSIGNAL

tx_sched #(.FLOW_CAP(FLOW_CAP)) sch_inst (
    .clk(clk), .rst(rst),
    .s_axis_op_tvalid(sch_op_valid), .s_axis_op_tready(sch_op_ready),
    .s_axis_op_code(sch_op), .s_axis_op_flow_id(sch_op_id), .s_axis_op_time(sch_op_time),
    .head_valid(sch_head_valid), .head_id(sch_head_id),
    .busy_init(sch_busy_init), .stat_wheel_time(sch_wheel_time), .stat_wheel_busy(sch_wheel_busy)
);

// tx_frame: ACKs and data segments; payload from dma_read_bytes.
wire txf_req_valid, txf_req_ready, txf_req_is_ack, txf_req_ece, txf_busy;
wire [1023:0] txf_req_state;
wire [31:0] txf_req_seq, txf_req_dup_seq;
wire [15:0] txf_req_dup_len;
wire [7:0] txf_req_flags, txf_req_tos;
wire [15:0] txf_req_len;
wire [DATA_WIDTH-1:0] pay_tdata, txf_tdata;
wire [KEEP_WIDTH-1:0] txf_tkeep;
wire pay_tvalid, pay_tready, txf_tvalid, txf_tready, txf_tlast;
// verilator lint_off UNUSEDSIGNAL
wire [KEEP_WIDTH-1:0] pay_tkeep;
wire pay_tlast;
// verilator lint_on UNUSEDSIGNAL

tx_frame #(.DATA_WIDTH(DATA_WIDTH)) txf_inst (
    .clk(clk), .rst(rst), .mac(cfg_mac),
    .s_axis_req_tvalid(txf_req_valid), .s_axis_req_tready(txf_req_ready),
    .s_axis_req_state(txf_req_state), .s_axis_req_is_ack(txf_req_is_ack),
    .s_axis_req_ece(txf_req_ece), .s_axis_req_dup_seq(txf_req_dup_seq),
    .s_axis_req_dup_len(txf_req_dup_len), .s_axis_req_seq(txf_req_seq), .s_axis_req_flags(txf_req_flags),
    .s_axis_req_len(txf_req_len), .s_axis_req_tos(txf_req_tos), .s_axis_req_now_ns(now_ns),
    .s_axis_pay_tdata(pay_tdata), .s_axis_pay_tvalid(pay_tvalid), .s_axis_pay_tready(pay_tready),
    .m_axis_tx_tdata(txf_tdata), .m_axis_tx_tkeep(txf_tkeep), .m_axis_tx_tvalid(txf_tvalid),
    .m_axis_tx_tready(txf_tready), .m_axis_tx_tlast(txf_tlast), .busy(txf_busy)
);

// ---------------------------------------------------------------------------
// DMA: the engine's reads and the payload reads share the read channel; the
// engine is the only writer (ring entries, and dma_write_bytes through it).
// ---------------------------------------------------------------------------
wire mvr_req_valid, mvr_req_ready;
wire [63:0] mvr_req_iova0, mvr_req_iova1;
wire [15:0] mvr_req_len0, mvr_req_len1;
wire [1:0] rd_req_tvalid, rd_req_tready, rd_resp_tvalid, rd_resp_tready;
wire [127:0] rd_req_addr;
wire [31:0] rd_req_len;
wire [15:0] rd_req_tag;
wire [DATA_WIDTH-1:0] rd_resp_data;
wire [7:0] rd_resp_tag;
wire rd_resp_last;
// verilator lint_off UNUSEDSIGNAL
wire mvr_busy, mvw_busy_unused;
// verilator lint_on UNUSEDSIGNAL

dma_read_bytes #(.DATA_WIDTH(DATA_WIDTH), .TAG_WIDTH(8)) mvr_inst (
    .clk(clk), .rst(rst),
    .s_axis_cmd_tvalid(mvr_req_valid), .s_axis_cmd_tready(mvr_req_ready),
    .s_axis_cmd_iova0(mvr_req_iova0), .s_axis_cmd_len0(mvr_req_len0),
    .s_axis_cmd_iova1(mvr_req_iova1), .s_axis_cmd_len1(mvr_req_len1),
    .m_axis_dma_rd_req_tvalid(rd_req_tvalid[1]), .m_axis_dma_rd_req_tready(rd_req_tready[1]),
    .m_axis_dma_rd_req_addr(rd_req_addr[64 +: 64]), .m_axis_dma_rd_req_len(rd_req_len[16 +: 16]),
    .m_axis_dma_rd_req_tag(rd_req_tag[8 +: 8]),
    .s_axis_dma_rd_resp_tvalid(rd_resp_tvalid[1]), .s_axis_dma_rd_resp_tready(rd_resp_tready[1]),
    .s_axis_dma_rd_resp_data(rd_resp_data), .s_axis_dma_rd_resp_tag(rd_resp_tag),
    .s_axis_dma_rd_resp_last(rd_resp_last),
    .m_axis_tdata(pay_tdata), .m_axis_tkeep(pay_tkeep), .m_axis_tvalid(pay_tvalid),
    .m_axis_tready(pay_tready), .m_axis_tlast(pay_tlast),
    .busy(mvr_busy)
);

assign rd_req_tag[0 +: 8] = 8'd0;

dma_rd_arb #(.N(2), .DATA_WIDTH(DATA_WIDTH), .TAG_WIDTH(8)) rd_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_rd_req_tvalid(rd_req_tvalid), .s_axis_rd_req_tready(rd_req_tready),
    .s_axis_rd_req_addr(rd_req_addr), .s_axis_rd_req_len(rd_req_len),
    .s_axis_rd_req_tag(rd_req_tag),
    .m_axis_rd_req_tvalid(m_axis_dma_rd_req_tvalid), .m_axis_rd_req_tready(m_axis_dma_rd_req_tready),
    .m_axis_rd_req_addr(m_axis_dma_rd_req_addr), .m_axis_rd_req_len(m_axis_dma_rd_req_len),
    .m_axis_rd_req_tag(m_axis_dma_rd_req_tag),
    .s_axis_rd_resp_tvalid(s_axis_dma_rd_resp_tvalid), .s_axis_rd_resp_tready(s_axis_dma_rd_resp_tready),
    .s_axis_rd_resp_data(s_axis_dma_rd_resp_data), .s_axis_rd_resp_tag(s_axis_dma_rd_resp_tag),
    .s_axis_rd_resp_last(s_axis_dma_rd_resp_last),
    .m_axis_rd_resp_tvalid(rd_resp_tvalid), .m_axis_rd_resp_tready(rd_resp_tready),
    .m_axis_rd_resp_data(rd_resp_data), .m_axis_rd_resp_tag(rd_resp_tag),
    .m_axis_rd_resp_last(rd_resp_last)
);

wire mvw_req_valid, mvw_req_ready, mvw_busy;
wire [15:0] mvw_req_skip, mvw_req_len0, mvw_req_len1;
wire [63:0] mvw_req_iova0, mvw_req_iova1;
wire [DATA_WIDTH-1:0] mvw_tdata, mvw_wr_data;
wire [KEEP_WIDTH-1:0] mvw_tkeep, mvw_wr_strb;
wire mvw_tvalid, mvw_tready, mvw_tlast;
wire mvw_wr_tvalid, mvw_wr_tready, mvw_wr_last;
wire [63:0] mvw_wr_addr;

dma_write_bytes #(.DATA_WIDTH(DATA_WIDTH)) mvw_inst (
    .clk(clk), .rst(rst),
    .s_axis_cmd_tvalid(mvw_req_valid), .s_axis_cmd_tready(mvw_req_ready),
    .s_axis_cmd_skip(mvw_req_skip), .s_axis_cmd_iova0(mvw_req_iova0),
    .s_axis_cmd_len0(mvw_req_len0), .s_axis_cmd_iova1(mvw_req_iova1),
    .s_axis_cmd_len1(mvw_req_len1), .s_axis_cmd_drain(1'b1),
    .s_axis_src_tdata(mvw_tdata), .s_axis_src_tkeep(mvw_tkeep), .s_axis_src_tvalid(mvw_tvalid),
    .s_axis_src_tready(mvw_tready), .s_axis_src_tlast(mvw_tlast),
    .m_axis_dma_wr_tvalid(mvw_wr_tvalid), .m_axis_dma_wr_tready(mvw_wr_tready),
    .m_axis_dma_wr_addr(mvw_wr_addr), .m_axis_dma_wr_data(mvw_wr_data),
    .m_axis_dma_wr_strb(mvw_wr_strb), .m_axis_dma_wr_last(mvw_wr_last),
    .busy(mvw_busy),
    // verilator lint_off PINCONNECTEMPTY
    .done()
    // verilator lint_on PINCONNECTEMPTY
);
assign mvw_busy_unused = 1'b0;

// ---------------------------------------------------------------------------
// The engine.
// ---------------------------------------------------------------------------
wire [DATA_WIDTH-1:0] tx_tdata;
wire [KEEP_WIDTH-1:0] tx_tkeep;
wire tx_tvalid, tx_tready, tx_tlast;

engine #(.DATA_WIDTH(DATA_WIDTH), .FLOW_CAP(FLOW_CAP), .CTX_CAP(CTX_CAP),
         .ST_READ_LATENCY(ST_READ_LATENCY), .RXP_LATENCY(RXP_LATENCY)) engine_inst (
    .clk(clk), .rst(rst), .now_ns(now_ns),
    .poll_step(poll_step), .s_axis_poll_tvalid(s_axis_poll_tvalid), .s_axis_poll_tready(s_axis_poll_tready),
    .s_axis_poll_budget(s_axis_poll_budget), .idle(engine_idle),
    .s_axis_seg_tvalid(seg_tvalid), .s_axis_seg_tready(seg_tready),
    .s_axis_seg_hit(seg_hit), .s_axis_seg_flow_id(seg_flow_id),
    .s_axis_seg_tcp_seq(sm[249 +: 32]), .s_axis_seg_tcp_ack(sm[217 +: 32]),
    .s_axis_seg_ts_val(sm[185 +: 32]), .s_axis_seg_pay_off(sm[169 +: 16]),
    .s_axis_seg_pay_len(sm[153 +: 16]), .s_axis_seg_tcp_win(sm[137 +: 16]),
    .s_axis_seg_ip_len(sm[121 +: 16]), .s_axis_seg_ethertype(sm[105 +: 16]),
    .s_axis_seg_frame_len(sm[89 +: 16]), .s_axis_seg_dst_mac(sm[41 +: 48]),
    .s_axis_seg_tcp_flags(sm[33 +: 8]), .s_axis_seg_ip_tos(sm[25 +: 8]),
    .s_axis_seg_ip_proto(sm[17 +: 8]), .s_axis_seg_ip_ver(sm[13 +: 4]),
    .s_axis_seg_ip_ihl(sm[9 +: 4]), .s_axis_seg_tcp_doff(sm[5 +: 4]),
    .s_axis_seg_ip_frag(sm[4]), .s_axis_seg_ip_csum_ok(sm[3]), .s_axis_seg_tcp_csum_ok(sm[2]),
    .s_axis_seg_opt_ok(sm[1]), .s_axis_seg_ts(sm[0]),
    .stat_oversize(stat_drop_oversize),
    .s_axis_frame_tdata(fr_tdata), .s_axis_frame_tkeep(fr_tkeep), .s_axis_frame_tvalid(fr_tvalid),
    .s_axis_frame_tready(fr_tready), .s_axis_frame_tlast(fr_tlast),
    .cfg_ctrl(cfg_ctrl), .cfg_mac(cfg_mac), .cfg_ctx_limit(cfg_ctx_limit),
    .cfg_spq_base(cfg_spq_base), .cfg_spq_log2(cfg_spq_log2), .cfg_spq_buf(cfg_spq_buf),
    .cfg_spq_head(cfg_spq_head), .cfg_spq_tail(cfg_spq_tail),
    .spq_head_we(spq_head_we), .spq_head_wdata(spq_head_wdata),
    .spq_tail_we(spq_tail_we), .spq_tail_wdata(spq_tail_wdata),
    .ctx_en(ctx_en), .ctx_we(ctx_we), .ctx_addr(ctx_addr), .ctx_wdata(ctx_wdata), .ctx_rdata(ctx_rdata),
    .s_axis_db_tvalid(db_tvalid), .s_axis_db_tready(db_tready), .s_axis_db_ctx(db_ctx),
    .s_axis_db_reg(db_reg), .s_axis_db_value(db_value),
    .cnt_inc(cnt_inc), .cnt_rx_bytes(cnt_rx_bytes), .cnt_tx_bytes(cnt_tx_bytes),
    .m_axis_notify_tvalid(m_axis_irq_tvalid), .m_axis_notify_tready(m_axis_irq_tready),
    .m_axis_notify_ctx(m_axis_irq_ctx),
    .st_rd_tvalid(st_rd_tvalid), .st_rd_flow_id(st_rd_flow_id), .st_tvalid(st_tvalid),
    .st_flow_id(st_flow_id), .st_state(st_state), .st_wr_tvalid(st_wr_tvalid),
    .st_wr_flow_id(st_wr_flow_id), .st_wr_state(st_wr_state), .st_wr_strb(st_wr_strb),
    .m_axis_upd_tvalid(upd_tvalid), .m_axis_upd_tready(upd_tready), .m_axis_upd_remove(upd_remove),
    .m_axis_upd_local_ip(upd_local_ip), .m_axis_upd_remote_ip(upd_remote_ip),
    .m_axis_upd_ports(upd_ports), .m_axis_upd_flow_id(upd_flow_id),
    .s_axis_upd_status_tvalid(upd_status_tvalid), .s_axis_upd_status_tready(upd_status_tready),
    .s_axis_upd_status(upd_status), .hold_lookup(hold_lookup),
    .rxp_in_valid(rxp_in_valid), .rxp_flow_id(rxp_flow_id), .rxp_state(rxp_state),
    .rxp_flags(rxp_flags), .rxp_seq(rxp_seq), .rxp_ack(rxp_ack), .rxp_wnd(rxp_wnd),
    .rxp_ts_ok(rxp_ts_ok), .rxp_tsval(rxp_tsval), .rxp_ce(rxp_ce), .rxp_pay_off(rxp_pay_off),
    .rxp_pay_len(rxp_pay_len), .rxp_frame_len(rxp_frame_len), .rxp_ev_ok(rxp_ev_ok),
    .rxp_out_valid(rxp_out_valid), .rxp_out_state(rxp_out_state), .rxp_drop(rxp_drop),
    .rxp_drop_reason(rxp_drop_reason), .rxp_punt(rxp_punt), .rxp_punt_reason(rxp_punt_reason),
    .rxp_dep_valid(rxp_dep_valid), .rxp_dep_off(rxp_dep_off), .rxp_dep_iova0(rxp_dep_iova0),
    .rxp_dep_len0(rxp_dep_len0), .rxp_dep_iova1(rxp_dep_iova1), .rxp_dep_len1(rxp_dep_len1),
    .rxp_ev_valid(rxp_ev_valid), .rxp_ev_rx_bytes(rxp_ev_rx_bytes), .rxp_ev_tx_freed(rxp_ev_tx_freed),
    .rxp_ev_flags(rxp_ev_flags), .rxp_ack_valid(rxp_ack_valid), .rxp_ack_ece(rxp_ack_ece),
    .rxp_ack_dup_seq(rxp_ack_dup_seq), .rxp_ack_dup_len(rxp_ack_dup_len),
    .rxp_kick(rxp_kick), .rxp_cnt_inc(rxp_cnt_inc), .rxp_rx_bytes_add(rxp_rx_bytes_add),
    .cmx_in_valid(cmx_in_valid), .cmx_ctx_cmd(cmx_ctx_cmd), .cmx_phase_ok(cmx_phase_ok),
    .cmx_ctx(cmx_ctx), .cmx_cmd(cmx_cmd), .cmx_state(cmx_state), .cmx_image(cmx_image),
    .cmx_out_valid(cmx_out_valid), .cmx_out_state(cmx_out_state), .cmx_out_state_wr(cmx_out_state_wr),
    .cmx_status(cmx_status), .cmx_fb_valid(cmx_fb_valid), .cmx_fb(cmx_fb),
    .cmx_dma_wr_valid(cmx_dma_wr_valid), .cmx_dma_wr_iova(cmx_dma_wr_iova),
    .cmx_tab_op(cmx_tab_op), .cmx_tab_local_ip(cmx_tab_local_ip),
    .cmx_tab_remote_ip(cmx_tab_remote_ip), .cmx_tab_ports(cmx_tab_ports),
    .cmx_kick(cmx_kick), .cmx_kick_pend(cmx_kick_pend), .cmx_ack(cmx_ack), .cmx_cnt_inc(cmx_cnt_inc),
    .txs_in_valid(txs_in_valid), .txs_state(txs_state),
    .txs_out_valid(txs_out_valid), .txs_result(txs_result), .txs_wake_ns(txs_wake_ns),
    .txs_seq(txs_seq), .txs_len(txs_len), .txs_flags(txs_flags), .txs_tos(txs_tos),
    .txs_iova0(txs_iova0), .txs_len0(txs_len0), .txs_iova1(txs_iova1), .txs_len1(txs_len1),
    .txs_out_state(txs_out_state),
    .txf_req_valid(txf_req_valid), .txf_req_ready(txf_req_ready), .txf_busy(txf_busy),
    .txf_req_is_ack(txf_req_is_ack),
    .txf_req_ece(txf_req_ece), .txf_req_dup_seq(txf_req_dup_seq), .txf_req_dup_len(txf_req_dup_len),
    .txf_req_state(txf_req_state), .txf_req_seq(txf_req_seq),
    .txf_req_flags(txf_req_flags), .txf_req_len(txf_req_len), .txf_req_tos(txf_req_tos),
    .s_axis_txf_tdata(txf_tdata), .s_axis_txf_tkeep(txf_tkeep), .s_axis_txf_tvalid(txf_tvalid),
    .s_axis_txf_tready(txf_tready), .s_axis_txf_tlast(txf_tlast),
    .mvr_req_valid(mvr_req_valid), .mvr_req_ready(mvr_req_ready), .mvr_req_iova0(mvr_req_iova0),
    .mvr_req_len0(mvr_req_len0), .mvr_req_iova1(mvr_req_iova1), .mvr_req_len1(mvr_req_len1),
    .sch_op_valid(sch_op_valid), .sch_op_ready(sch_op_ready), .sch_op(sch_op), .sch_op_id(sch_op_id),
    .sch_op_time(sch_op_time), .sch_busy(!sch_op_ready), .sch_head_valid(sch_head_valid),
    .sch_head_id(sch_head_id), .sch_wheel_any(sch_wheel_busy != 32'd0),
    .mvw_req_valid(mvw_req_valid), .mvw_req_ready(mvw_req_ready), .mvw_req_skip(mvw_req_skip),
    .mvw_req_iova0(mvw_req_iova0), .mvw_req_len0(mvw_req_len0), .mvw_req_iova1(mvw_req_iova1),
    .mvw_req_len1(mvw_req_len1),
    .m_axis_mvw_tdata(mvw_tdata), .m_axis_mvw_tkeep(mvw_tkeep), .m_axis_mvw_tvalid(mvw_tvalid),
    .m_axis_mvw_tready(mvw_tready), .m_axis_mvw_tlast(mvw_tlast), .mvw_busy(mvw_busy),
    .s_axis_mvw_wr_tvalid(mvw_wr_tvalid), .s_axis_mvw_wr_tready(mvw_wr_tready),
    .s_axis_mvw_wr_addr(mvw_wr_addr), .s_axis_mvw_wr_data(mvw_wr_data),
    .s_axis_mvw_wr_strb(mvw_wr_strb), .s_axis_mvw_wr_last(mvw_wr_last),
    .m_axis_dma_wr_tvalid(m_axis_dma_wr_tvalid), .m_axis_dma_wr_tready(m_axis_dma_wr_tready),
    .m_axis_dma_wr_addr(m_axis_dma_wr_addr), .m_axis_dma_wr_data(m_axis_dma_wr_data),
    .m_axis_dma_wr_strb(m_axis_dma_wr_strb), .m_axis_dma_wr_last(m_axis_dma_wr_last),
    .m_axis_rd_req_tvalid(rd_req_tvalid[0]), .m_axis_rd_req_tready(rd_req_tready[0]),
    .m_axis_rd_req_addr(rd_req_addr[0 +: 64]), .m_axis_rd_req_len(rd_req_len[0 +: 16]),
    .s_axis_rd_resp_tvalid(rd_resp_tvalid[0]), .s_axis_rd_resp_tready(rd_resp_tready[0]),
    .s_axis_rd_resp_data(rd_resp_data), .s_axis_rd_resp_last(rd_resp_last),
    .m_axis_tx_tdata(tx_tdata), .m_axis_tx_tkeep(tx_tkeep), .m_axis_tx_tvalid(tx_tvalid),
    .m_axis_tx_tready(tx_tready), .m_axis_tx_tlast(tx_tlast)
);

// ---------------------------------------------------------------------------
// Transmit.
// ---------------------------------------------------------------------------
mac_tx #(.DATA_WIDTH(DATA_WIDTH), .FIFO_DEPTH(MAC_TX_FIFO_DEPTH)) mac_tx_inst (
    .clk(clk), .rst(rst),
    .s_axis_tx_tdata(tx_tdata), .s_axis_tx_tkeep(tx_tkeep),
    .s_axis_tx_tvalid(tx_tvalid), .s_axis_tx_tready(tx_tready),
    .s_axis_tx_tlast(tx_tlast),
    .m_axis_mac_tx_tdata(m_axis_mac_tx_tdata), .m_axis_mac_tx_tkeep(m_axis_mac_tx_tkeep),
    .m_axis_mac_tx_tvalid(m_axis_mac_tx_tvalid), .m_axis_mac_tx_tready(m_axis_mac_tx_tready),
    .m_axis_mac_tx_tlast(m_axis_mac_tx_tlast),
    // verilator lint_off PINCONNECTEMPTY
    .stat_tx_frame()
    // verilator lint_on PINCONNECTEMPTY
);

endmodule

`default_nettype wire
