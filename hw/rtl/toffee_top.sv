// SPDX-License-Identifier: MIT
// toffee_top: the RTL assembled so far, as the synthesis top of `make synth`.
//
// This is the foundation of the NIC, not the finished fast path: the
// receive front end (mac_rx -> rx_parser -> flow_lookup, with the frame
// bytes buffered for the payload DMA), the per-flow state RAM with its
// forwarding, the register file, the ring writers
// for context events and slow-path feedback behind the DMA write arbiter,
// the DMA read arbiter and mac_tx. The protocol stage (rx_protocol.sv,
// docs/rtl.md) will sit between the segment stream (m_axis_seg) and the
// ring writers / DMA; until then their inputs are top-level ports so that
// synthesis keeps every module whole.
`default_nettype none

module toffee_top #(
    // Stream and DMA width in bits: 64 (simulation) or 512 (100 GbE).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Flow table capacity (power of two).
    parameter FLOW_CAP = 65536,
    // Application contexts.
    parameter CTX_CAP = 256
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

    // --- Interfaces of the stages still to come (see the header). ---
    // Parsed segments with their flow.
    output wire                    m_axis_seg_tvalid,
    input  wire                    m_axis_seg_tready,
    output wire                    m_axis_seg_hit,
    output wire [31:0]             m_axis_seg_flow_id,
    output wire [280:0]            m_axis_seg_meta,   // see seg_meta
    // Frame bytes, for payload DMA and exception copies.
    output wire [DATA_WIDTH-1:0]   m_axis_frame_tdata,
    output wire [KEEP_WIDTH-1:0]   m_axis_frame_tkeep,
    output wire                    m_axis_frame_tvalid,
    input  wire                    m_axis_frame_tready,
    output wire                    m_axis_frame_tlast,
    // Flow table updates (INSTALL / REMOVE).
    input  wire                    s_axis_update_tvalid,
    output wire                    s_axis_update_tready,
    input  wire                    s_axis_update_remove,
    input  wire [95:0]             s_axis_update_key,
    input  wire [31:0]             s_axis_update_flow_id,
    output wire                    m_axis_status_tvalid,
    input  wire                    m_axis_status_tready,
    output wire [15:0]             m_axis_status_status,
    // Per-flow state (flow_state): reads by flow id, write-backs.
    input  wire                    st_rd_tvalid,
    input  wire [31:0]             st_rd_flow_id,
    output wire                    st_tvalid,
    output wire [31:0]             st_flow_id,
    output wire [1023:0]           st_state,
    input  wire                    st_wr_tvalid,
    input  wire [31:0]             st_wr_flow_id,
    input  wire [1023:0]           st_wr_state,
    input  wire [31:0]             st_wr_strb,
    // Ring entries: context events and feedback records.
    input  wire                    s_axis_ev_tvalid,
    output wire                    s_axis_ev_tready,
    input  wire [127:0]            s_axis_ev_data,
    input  wire [63:0]             s_axis_ev_base,
    input  wire [4:0]              s_axis_ev_log2,
    input  wire [31:0]             s_axis_ev_idx,
    input  wire                    s_axis_fb_tvalid,
    output wire                    s_axis_fb_tready,
    input  wire [255:0]            s_axis_fb_data,
    input  wire [63:0]             s_axis_fb_base,
    input  wire [4:0]              s_axis_fb_log2,
    input  wire [31:0]             s_axis_fb_idx,
    // Payload writes.
    input  wire                    s_axis_pay_wr_tvalid,
    output wire                    s_axis_pay_wr_tready,
    input  wire [63:0]             s_axis_pay_wr_addr,
    input  wire [DATA_WIDTH-1:0]   s_axis_pay_wr_data,
    input  wire [KEEP_WIDTH-1:0]   s_axis_pay_wr_strb,
    input  wire                    s_axis_pay_wr_last,
    // DMA reads (transmit payload, commands).
    input  wire [1:0]              s_axis_rd_req_tvalid,
    output wire [1:0]              s_axis_rd_req_tready,
    input  wire [127:0]            s_axis_rd_req_addr,
    input  wire [31:0]             s_axis_rd_req_len,
    input  wire [15:0]             s_axis_rd_req_tag,
    output wire [1:0]              m_axis_rd_resp_tvalid,
    input  wire [1:0]              m_axis_rd_resp_tready,
    output wire [DATA_WIDTH-1:0]   m_axis_rd_resp_data,
    output wire [7:0]              m_axis_rd_resp_tag,
    output wire                    m_axis_rd_resp_last,
    // Frames to send.
    input  wire [DATA_WIDTH-1:0]   s_axis_tx_tdata,
    input  wire [KEEP_WIDTH-1:0]   s_axis_tx_tkeep,
    input  wire                    s_axis_tx_tvalid,
    output wire                    s_axis_tx_tready,
    input  wire                    s_axis_tx_tlast,
    // Register file: configuration, context RAM port, doorbells, counters.
    output wire [31:0]             cfg_ctrl,
    output wire [47:0]             cfg_mac,
    output wire [31:0]             cfg_ctx_limit,
    output wire [4*64-1:0]         cfg_spq_base,
    output wire [4*32-1:0]         cfg_spq_log2,
    output wire [4*64-1:0]         cfg_spq_buf,
    output wire [4*32-1:0]         cfg_spq_head,
    output wire [4*32-1:0]         cfg_spq_tail,
    input  wire [3:0]              spq_head_we,
    input  wire [4*32-1:0]         spq_head_wdata,
    input  wire [3:0]              spq_tail_we,
    input  wire [4*32-1:0]         spq_tail_wdata,
    input  wire                    ctx_en,
    input  wire [10:0]             ctx_we,
    input  wire [7:0]              ctx_addr,
    input  wire [11*32-1:0]        ctx_wdata,
    output wire [11*32-1:0]        ctx_rdata,
    output wire                    m_axis_db_tvalid,
    input  wire                    m_axis_db_tready,
    output wire [7:0]              m_axis_db_ctx,
    output wire [1:0]              m_axis_db_reg,
    output wire [31:0]             m_axis_db_value,
    input  wire [63:0]             cnt_inc,
    input  wire [15:0]             cnt_rx_bytes,
    input  wire [15:0]             cnt_tx_bytes
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

// Frame bytes wait here for the protocol stage's verdict (store and
// forward: the whole frame must fit).
axis_frame_fifo #(
    .DATA_WIDTH(DATA_WIDTH), .DEPTH(DATA_WIDTH >= 512 ? 512 : 2048),
    .DROP_WHEN_FULL(0), .DROP_BAD(0)
) frame_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(pd_tdata), .s_axis_tkeep(pd_tkeep), .s_axis_tvalid(pd_tvalid),
    .s_axis_tready(pd_tready), .s_axis_tlast(pd_tlast), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_frame_tdata), .m_axis_tkeep(m_axis_frame_tkeep),
    .m_axis_tvalid(m_axis_frame_tvalid), .m_axis_tready(m_axis_frame_tready),
    .m_axis_tlast(m_axis_frame_tlast),
    // verilator lint_off PINCONNECTEMPTY
    .stat_good_frame(), .stat_bad_frame(), .stat_overflow()
    // verilator lint_on PINCONNECTEMPTY
);

// The fields the protocol stage needs, carried through the lookup (what it
// does not need yet -- source MAC, TSecr, SACK blocks -- is left unused and
// trimmed by synthesis, as the firmware ignores them too).
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

flow_lookup #(.FLOW_CAP(FLOW_CAP), .USER_WIDTH(SEG_META_W), .URAM(1)) lookup_inst (
    .clk(clk), .rst(rst),
    .s_axis_lookup_tvalid(meta_valid), .s_axis_lookup_tready(meta_ready),
    .s_axis_lookup_local_ip(m_ip_dst), .s_axis_lookup_remote_ip(m_ip_src),
    .s_axis_lookup_ports({m_tcp_dport, m_tcp_sport}),
    .s_axis_lookup_user(seg_meta),
    .m_axis_result_tvalid(m_axis_seg_tvalid), .m_axis_result_tready(m_axis_seg_tready),
    .m_axis_result_hit(m_axis_seg_hit), .m_axis_result_flow_id(m_axis_seg_flow_id),
    .m_axis_result_user(m_axis_seg_meta),
    .s_axis_update_tvalid(s_axis_update_tvalid), .s_axis_update_tready(s_axis_update_tready),
    .s_axis_update_remove(s_axis_update_remove),
    .s_axis_update_local_ip(s_axis_update_key[31:0]),
    .s_axis_update_remote_ip(s_axis_update_key[63:32]),
    .s_axis_update_ports(s_axis_update_key[95:64]),
    .s_axis_update_flow_id(s_axis_update_flow_id),
    .m_axis_status_tvalid(m_axis_status_tvalid), .m_axis_status_tready(m_axis_status_tready),
    .m_axis_status_status(m_axis_status_status),
    // verilator lint_off PINCONNECTEMPTY
    .busy_init()
    // verilator lint_on PINCONNECTEMPTY
);

flow_state #(.FLOW_CAP(FLOW_CAP), .READ_LATENCY(2), .URAM(1)) state_inst (
    .clk(clk), .rst(rst),
    .s_axis_rd_tvalid(st_rd_tvalid), .s_axis_rd_flow_id(st_rd_flow_id),
    .m_axis_st_tvalid(st_tvalid), .m_axis_st_flow_id(st_flow_id), .m_axis_st_state(st_state),
    .s_axis_wr_tvalid(st_wr_tvalid), .s_axis_wr_flow_id(st_wr_flow_id),
    .s_axis_wr_state(st_wr_state), .s_axis_wr_strb(st_wr_strb)
);

// ---------------------------------------------------------------------------
// Register file.
// ---------------------------------------------------------------------------
// MAC-level drops are counted by the fast path's counters as the firmware
// does: oversize frames as DROP_OVERSIZE (FCS errors and FIFO overflows
// never reach it).
wire [63:0] cnt_all = cnt_inc |
    (64'(stat_drop_oversize) << (toffee_abi_pkg::CNT_DROP_BASE + 32'(toffee_abi_pkg::DROP_OVERSIZE)));
// verilator lint_off UNUSEDSIGNAL
wire [2:0] unused_stats = {stat_rx_frame, stat_drop_fcs, stat_drop_overflow};  // MAC-level statistics: not in the ABI's counters
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
    .m_axis_db_tvalid(m_axis_db_tvalid), .m_axis_db_tready(m_axis_db_tready),
    .m_axis_db_ctx(m_axis_db_ctx), .m_axis_db_reg(m_axis_db_reg), .m_axis_db_value(m_axis_db_value),
    .cnt_inc(cnt_all), .cnt_rx_bytes(cnt_rx_bytes),
    .cnt_tx_bytes(cnt_tx_bytes)
);

// ---------------------------------------------------------------------------
// DMA: ring writers and payload writes share the write port.
// ---------------------------------------------------------------------------
wire ev_wr_tvalid, ev_wr_tready, ev_wr_last, fb_wr_tvalid, fb_wr_tready, fb_wr_last;
wire [63:0] ev_wr_addr, fb_wr_addr;
wire [DATA_WIDTH-1:0] ev_wr_data, fb_wr_data;
wire [KEEP_WIDTH-1:0] ev_wr_strb, fb_wr_strb;

ring_writer #(.DATA_WIDTH(DATA_WIDTH), .ENTRY_BYTES(16)) ev_writer_inst (
    .clk(clk), .rst(rst),
    .s_axis_entry_tvalid(s_axis_ev_tvalid), .s_axis_entry_tready(s_axis_ev_tready),
    .s_axis_entry_data(s_axis_ev_data), .s_axis_entry_base(s_axis_ev_base),
    .s_axis_entry_log2(s_axis_ev_log2), .s_axis_entry_idx(s_axis_ev_idx),
    .m_axis_dma_wr_tvalid(ev_wr_tvalid), .m_axis_dma_wr_tready(ev_wr_tready),
    .m_axis_dma_wr_addr(ev_wr_addr), .m_axis_dma_wr_data(ev_wr_data),
    .m_axis_dma_wr_strb(ev_wr_strb), .m_axis_dma_wr_last(ev_wr_last)
);

ring_writer #(.DATA_WIDTH(DATA_WIDTH), .ENTRY_BYTES(32)) fb_writer_inst (
    .clk(clk), .rst(rst),
    .s_axis_entry_tvalid(s_axis_fb_tvalid), .s_axis_entry_tready(s_axis_fb_tready),
    .s_axis_entry_data(s_axis_fb_data), .s_axis_entry_base(s_axis_fb_base),
    .s_axis_entry_log2(s_axis_fb_log2), .s_axis_entry_idx(s_axis_fb_idx),
    .m_axis_dma_wr_tvalid(fb_wr_tvalid), .m_axis_dma_wr_tready(fb_wr_tready),
    .m_axis_dma_wr_addr(fb_wr_addr), .m_axis_dma_wr_data(fb_wr_data),
    .m_axis_dma_wr_strb(fb_wr_strb), .m_axis_dma_wr_last(fb_wr_last)
);

wire [2:0] arb_ready;
assign {fb_wr_tready, ev_wr_tready, s_axis_pay_wr_tready} = arb_ready;

dma_wr_arb #(.N(3), .DATA_WIDTH(DATA_WIDTH)) wr_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_dma_wr_tvalid({fb_wr_tvalid, ev_wr_tvalid, s_axis_pay_wr_tvalid}),
    .s_axis_dma_wr_tready(arb_ready),
    .s_axis_dma_wr_addr({fb_wr_addr, ev_wr_addr, s_axis_pay_wr_addr}),
    .s_axis_dma_wr_data({fb_wr_data, ev_wr_data, s_axis_pay_wr_data}),
    .s_axis_dma_wr_strb({fb_wr_strb, ev_wr_strb, s_axis_pay_wr_strb}),
    .s_axis_dma_wr_last({fb_wr_last, ev_wr_last, s_axis_pay_wr_last}),
    .m_axis_dma_wr_tvalid(m_axis_dma_wr_tvalid), .m_axis_dma_wr_tready(m_axis_dma_wr_tready),
    .m_axis_dma_wr_addr(m_axis_dma_wr_addr), .m_axis_dma_wr_data(m_axis_dma_wr_data),
    .m_axis_dma_wr_strb(m_axis_dma_wr_strb), .m_axis_dma_wr_last(m_axis_dma_wr_last)
);

dma_rd_arb #(.N(2), .DATA_WIDTH(DATA_WIDTH), .TAG_WIDTH(8)) rd_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_rd_req_tvalid(s_axis_rd_req_tvalid), .s_axis_rd_req_tready(s_axis_rd_req_tready),
    .s_axis_rd_req_addr(s_axis_rd_req_addr), .s_axis_rd_req_len(s_axis_rd_req_len),
    .s_axis_rd_req_tag(s_axis_rd_req_tag),
    .m_axis_rd_req_tvalid(m_axis_dma_rd_req_tvalid), .m_axis_rd_req_tready(m_axis_dma_rd_req_tready),
    .m_axis_rd_req_addr(m_axis_dma_rd_req_addr), .m_axis_rd_req_len(m_axis_dma_rd_req_len),
    .m_axis_rd_req_tag(m_axis_dma_rd_req_tag),
    .s_axis_rd_resp_tvalid(s_axis_dma_rd_resp_tvalid), .s_axis_rd_resp_tready(s_axis_dma_rd_resp_tready),
    .s_axis_rd_resp_data(s_axis_dma_rd_resp_data), .s_axis_rd_resp_tag(s_axis_dma_rd_resp_tag),
    .s_axis_rd_resp_last(s_axis_dma_rd_resp_last),
    .m_axis_rd_resp_tvalid(m_axis_rd_resp_tvalid), .m_axis_rd_resp_tready(m_axis_rd_resp_tready),
    .m_axis_rd_resp_data(m_axis_rd_resp_data), .m_axis_rd_resp_tag(m_axis_rd_resp_tag),
    .m_axis_rd_resp_last(m_axis_rd_resp_last)
);

// ---------------------------------------------------------------------------
// Transmit.
// ---------------------------------------------------------------------------
mac_tx #(.DATA_WIDTH(DATA_WIDTH)) mac_tx_inst (
    .clk(clk), .rst(rst),
    .s_axis_tx_tdata(s_axis_tx_tdata), .s_axis_tx_tkeep(s_axis_tx_tkeep),
    .s_axis_tx_tvalid(s_axis_tx_tvalid), .s_axis_tx_tready(s_axis_tx_tready),
    .s_axis_tx_tlast(s_axis_tx_tlast),
    .m_axis_mac_tx_tdata(m_axis_mac_tx_tdata), .m_axis_mac_tx_tkeep(m_axis_mac_tx_tkeep),
    .m_axis_mac_tx_tvalid(m_axis_mac_tx_tvalid), .m_axis_mac_tx_tready(m_axis_mac_tx_tready),
    .m_axis_mac_tx_tlast(m_axis_mac_tx_tlast),
    // verilator lint_off PINCONNECTEMPTY
    .stat_tx_frame()
    // verilator lint_on PINCONNECTEMPTY
);

endmodule

`default_nettype wire
