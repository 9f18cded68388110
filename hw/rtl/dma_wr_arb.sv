// SPDX-License-Identifier: MIT
// dma_wr_arb: merges N DMA write streams into one, transaction by transaction.
//
// A DMA write stream carries beats {addr (beat-aligned IOVA), data, strb}
// and marks the last beat of a transaction with last. The arbiter grants one
// source at a time, round robin, and keeps the grant until that source's
// last beat, so transactions are never interleaved and each source's writes
// reach the shell in the order the source issued them (what the phase-byte
// protocol of ring_writer relies on). Combinational path from the granted
// source to the output; a register slice can follow if timing needs it.
`default_nettype none

module dma_wr_arb #(
    // Number of sources, 2 .. 16.
    parameter N = 2,
    // DMA data width in bits.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8
) (
    input  wire                       clk,
    input  wire                       rst,

    // Source i at [i*W +: W] of each vector.
    input  wire [N-1:0]               s_axis_dma_wr_tvalid,
    output wire [N-1:0]               s_axis_dma_wr_tready,
    input  wire [N*64-1:0]            s_axis_dma_wr_addr,
    input  wire [N*DATA_WIDTH-1:0]    s_axis_dma_wr_data,
    input  wire [N*KEEP_WIDTH-1:0]    s_axis_dma_wr_strb,
    input  wire [N-1:0]               s_axis_dma_wr_last,

    output wire                       m_axis_dma_wr_tvalid,
    input  wire                       m_axis_dma_wr_tready,
    output wire [63:0]                m_axis_dma_wr_addr,
    output wire [DATA_WIDTH-1:0]      m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]      m_axis_dma_wr_strb,
    output wire                       m_axis_dma_wr_last
);

localparam SEL_W = $clog2(N);

if (N < 2 || N > 16) begin : g_err_n
    $error("dma_wr_arb: N must be in 2 .. 16");
end
if (KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_kw
    $error("dma_wr_arb: KEEP_WIDTH must be DATA_WIDTH/8");
end

logic locked_reg = 1'b0;                     // inside a transaction
logic [SEL_W-1:0] sel_reg = '0;              // granted source
logic [SEL_W-1:0] prio_reg = '0;             // round-robin start

// Next grant: the first requesting source at or after prio_reg.
logic [SEL_W-1:0] pick;
logic any;
always_comb begin
    pick = sel_reg;
    any = 1'b0;
    for (int k = N - 1; k >= 0; k = k - 1) begin
        logic [SEL_W:0] i;
        i = (SEL_W+1)'(prio_reg) + (SEL_W+1)'(k);
        if (i >= (SEL_W+1)'(N))
            i = i - (SEL_W+1)'(N);
        if (s_axis_dma_wr_tvalid[i[SEL_W-1:0]]) begin
            pick = i[SEL_W-1:0];
            any = 1'b1;
        end
    end
end

wire [SEL_W-1:0] sel = locked_reg ? sel_reg : pick;
wire active = locked_reg || any;
wire fire = active && s_axis_dma_wr_tvalid[sel] && m_axis_dma_wr_tready;

always_ff @(posedge clk) begin
    if (fire) begin
        sel_reg <= sel;
        locked_reg <= !s_axis_dma_wr_last[sel];
        if (s_axis_dma_wr_last[sel])
            prio_reg <= sel == SEL_W'(N - 1) ? '0 : sel + 1'b1;
    end
    if (rst) begin
        locked_reg <= 1'b0;
        prio_reg <= '0;
    end
end

assign m_axis_dma_wr_tvalid = active && s_axis_dma_wr_tvalid[sel];
assign m_axis_dma_wr_addr = s_axis_dma_wr_addr[sel*64 +: 64];
assign m_axis_dma_wr_data = s_axis_dma_wr_data[sel*DATA_WIDTH +: DATA_WIDTH];
assign m_axis_dma_wr_strb = s_axis_dma_wr_strb[sel*KEEP_WIDTH +: KEEP_WIDTH];
assign m_axis_dma_wr_last = s_axis_dma_wr_last[sel];
assign s_axis_dma_wr_tready = active ? (N'(m_axis_dma_wr_tready) << sel) : '0;

endmodule

`default_nettype wire
