// SPDX-License-Identifier: MIT
// wr_channel: the engine's DMA write channel, shared by two ring writers
// (16-byte EV / EXC entries, 32-byte FB entries; each entry is two
// transactions: the entry, then its phase byte) and the write mover
// (dma_write_bytes: payload deposits and exception frame copies).
//
// One transaction at a time: the source that has the channel keeps it until
// its last beat; the next is picked when the channel is free, a ring entry
// first, then the mover. A ring entry goes out only once every mover
// transaction requested before it was taken is out (clear_reg), so the host
// sees a deposit or frame copy before the entry that announces it; the
// mover, which may already hold the next deposit, is not held up by entries
// requested after it. mv_txn_new tells how many transactions a mover request
// taken in this cycle will make (one per non-empty piece).
`default_nettype none

module wr_channel #(
    parameter DATA_WIDTH = 64,
    parameter KEEP_WIDTH = DATA_WIDTH / 8
) (
    input  wire                   clk,
    input  wire                   rst,

    // 16-byte ring entries.
    input  wire                   s_e16_valid,
    output wire                   s_e16_ready,
    input  wire [127:0]           s_e16_data,
    input  wire [63:0]            s_e16_base,
    input  wire [4:0]             s_e16_log2,
    input  wire [31:0]            s_e16_idx,
    output wire                   e16_txn_end,   // one of its two transactions ended

    // 32-byte ring entries.
    input  wire                   s_e32_valid,
    output wire                   s_e32_ready,
    input  wire [255:0]           s_e32_data,
    input  wire [63:0]            s_e32_base,
    input  wire [4:0]             s_e32_log2,
    input  wire [31:0]            s_e32_idx,
    output wire                   e32_txn_end,

    // The mover: transactions announced by a request, then its beats.
    input  wire [2:0]             mv_txn_new,
    input  wire                   s_axis_mv_tvalid,
    output wire                   s_axis_mv_tready,
    input  wire [63:0]            s_axis_mv_addr,
    input  wire [DATA_WIDTH-1:0]  s_axis_mv_data,
    input  wire [KEEP_WIDTH-1:0]  s_axis_mv_strb,
    input  wire                   s_axis_mv_last,

    // DMA write channel (docs/rtl.md).
    output wire                   m_axis_dma_wr_tvalid,
    input  wire                   m_axis_dma_wr_tready,
    output wire [63:0]            m_axis_dma_wr_addr,
    output wire [DATA_WIDTH-1:0]  m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]  m_axis_dma_wr_strb,
    output wire                   m_axis_dma_wr_last
);

wire w16_valid, w32_valid, w16_last, w32_last;
wire [63:0] w16_addr, w32_addr;
wire [DATA_WIDTH-1:0] w16_data, w32_data;
wire [KEEP_WIDTH-1:0] w16_strb, w32_strb;
wire w16_ready, w32_ready;

ring_writer #(.DATA_WIDTH(DATA_WIDTH), .ENTRY_BYTES(16)) rw16_inst (
    .clk(clk), .rst(rst),
    .s_axis_entry_tvalid(s_e16_valid), .s_axis_entry_tready(s_e16_ready),
    .s_axis_entry_data(s_e16_data), .s_axis_entry_base(s_e16_base),
    .s_axis_entry_log2(s_e16_log2), .s_axis_entry_idx(s_e16_idx),
    .m_axis_dma_wr_tvalid(w16_valid), .m_axis_dma_wr_tready(w16_ready),
    .m_axis_dma_wr_addr(w16_addr), .m_axis_dma_wr_data(w16_data),
    .m_axis_dma_wr_strb(w16_strb), .m_axis_dma_wr_last(w16_last)
);

ring_writer #(.DATA_WIDTH(DATA_WIDTH), .ENTRY_BYTES(32)) rw32_inst (
    .clk(clk), .rst(rst),
    .s_axis_entry_tvalid(s_e32_valid), .s_axis_entry_tready(s_e32_ready),
    .s_axis_entry_data(s_e32_data), .s_axis_entry_base(s_e32_base),
    .s_axis_entry_log2(s_e32_log2), .s_axis_entry_idx(s_e32_idx),
    .m_axis_dma_wr_tvalid(w32_valid), .m_axis_dma_wr_tready(w32_ready),
    .m_axis_dma_wr_addr(w32_addr), .m_axis_dma_wr_data(w32_data),
    .m_axis_dma_wr_strb(w32_strb), .m_axis_dma_wr_last(w32_last)
);

localparam [1:0] WO_NONE = 2'd0, WO_MV = 2'd1, WO_16 = 2'd2, WO_32 = 2'd3;
logic locked_reg = 1'b0;              // inside a transaction of own_reg
logic [1:0] own_reg = WO_NONE;
logic [2:0] mv_owe_reg = '0;          // mover transactions requested, not yet out
logic [2:0] rw_owe_reg = '0;          // of these, the ones before the ring entry
logic clear_reg = 1'b1;               // rw_owe_reg == 0
wire [1:0] pick = locked_reg ? own_reg :
                  w16_valid && clear_reg ? WO_16 :
                  s_axis_mv_tvalid ? WO_MV :
                  w32_valid && clear_reg ? WO_32 : WO_NONE;
wire selmv = pick == WO_MV;
wire sel16 = pick == WO_16;
wire sel32 = pick == WO_32;

assign m_axis_dma_wr_tvalid = sel16 ? w16_valid : sel32 ? w32_valid : selmv && s_axis_mv_tvalid;
assign m_axis_dma_wr_addr = sel16 ? w16_addr : sel32 ? w32_addr : s_axis_mv_addr;
assign m_axis_dma_wr_data = sel16 ? w16_data : sel32 ? w32_data : s_axis_mv_data;
assign m_axis_dma_wr_strb = sel16 ? w16_strb : sel32 ? w32_strb : s_axis_mv_strb;
assign m_axis_dma_wr_last = sel16 ? w16_last : sel32 ? w32_last : s_axis_mv_last;
assign w16_ready = sel16 && m_axis_dma_wr_tready;
assign w32_ready = sel32 && m_axis_dma_wr_tready;
assign s_axis_mv_tready = selmv && m_axis_dma_wr_tready;
wire fire = m_axis_dma_wr_tvalid && m_axis_dma_wr_tready;
assign e16_txn_end = sel16 && fire && m_axis_dma_wr_last;
assign e32_txn_end = sel32 && fire && m_axis_dma_wr_last;
wire mv_txn_end = selmv && fire && m_axis_dma_wr_last;
wire [2:0] mv_owe_next = mv_owe_reg + mv_txn_new - 3'(mv_txn_end);
always_ff @(posedge clk) begin
    if (fire) begin
        locked_reg <= !m_axis_dma_wr_last;
        own_reg <= pick;
    end
    mv_owe_reg <= mv_owe_next;
    if ((s_e16_valid && s_e16_ready) || (s_e32_valid && s_e32_ready)) begin
        rw_owe_reg <= mv_owe_next;
        clear_reg <= mv_owe_next == 3'd0;
    end else if (mv_txn_end && !clear_reg) begin
        rw_owe_reg <= rw_owe_reg - 3'd1;
        clear_reg <= rw_owe_reg == 3'd1;
    end
    if (rst) begin
        locked_reg <= 1'b0;
        mv_owe_reg <= '0;
        rw_owe_reg <= '0;
        clear_reg <= 1'b1;
    end
end

endmodule

`default_nettype wire
