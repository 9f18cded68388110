// SPDX-License-Identifier: MIT
// dma_read_block: reads a block of host memory [addr, addr + len) through
// the DMA read channel of docs/rtl.md and delivers it realigned to byte 0:
// output beat k carries bytes [kB, kB + B) of the block (B = DATA_WIDTH/8),
// tkeep is all ones except on the last beat (the first len - (n-1)B lanes),
// tlast on the last beat. For the INSTALL image (128 bytes at an iova), raw
// frames of the slow path (up to 1518 bytes from a frame slot), payload.
//
// One DMA request per block ({addr, len}, any alignment, len >= 1); up to
// DEPTH blocks may be outstanding (their offsets and lengths wait in a small
// FIFO; responses come in request order). The response beats r_0 .. r_{m-1}
// cover the aligned range; with o = addr % B, output k = bytes [o, o + B) of
// {r_{k+1}, r_k}: the beat is emitted when r_{k+1} arrives, or from r_k
// alone when the block ends inside it (then one cycle after the last
// response beat). Output back-pressure stalls the responses (the shell's
// response stream then waits; share the channel through dma_rd_arb).
`default_nettype none

module dma_read_block #(
    // DMA data width in bits: 64 .. 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Blocks in flight (power of two, 2 .. 16).
    parameter DEPTH = 2,
    // DMA tag width (constant 0 on requests: responses are in order).
    parameter TAG_WIDTH = 8
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire                      s_axis_blk_tvalid,
    output wire                      s_axis_blk_tready,
    input  wire [63:0]               s_axis_blk_addr,
    input  wire [15:0]               s_axis_blk_len,     // >= 1

    output wire                      m_axis_dma_rd_req_tvalid,
    input  wire                      m_axis_dma_rd_req_tready,
    output wire [63:0]               m_axis_dma_rd_req_addr,
    output wire [15:0]               m_axis_dma_rd_req_len,
    output wire [TAG_WIDTH-1:0]      m_axis_dma_rd_req_tag,

    input  wire                      s_axis_dma_rd_resp_tvalid,
    output wire                      s_axis_dma_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]     s_axis_dma_rd_resp_data,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [TAG_WIDTH-1:0]      s_axis_dma_rd_resp_tag,
    // verilator lint_on UNUSEDSIGNAL
    input  wire                      s_axis_dma_rd_resp_last,

    output wire                      m_axis_data_tvalid,
    input  wire                      m_axis_data_tready,
    output wire [DATA_WIDTH-1:0]     m_axis_data_tdata,
    output wire [KEEP_WIDTH-1:0]     m_axis_data_tkeep,
    output wire                      m_axis_data_tlast
);

localparam B = KEEP_WIDTH;
localparam LG_B = $clog2(B);
localparam LG_D = $clog2(DEPTH);
// FIFO entry: {flush, last_bytes - 1, beats - 1, offset}.
localparam FW = 1 + LG_B + 16 + LG_B;

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG_B) != B || B * 8 != DATA_WIDTH) begin : g_err_dw
    $error("dma_read_block: DATA_WIDTH must be a power of two in 64 .. 512");
end
if (DEPTH < 2 || DEPTH > 16 || (1 << LG_D) != DEPTH) begin : g_err_depth
    $error("dma_read_block: DEPTH must be a power of two in 2 .. 16");
end

// ---------------------------------------------------------------------------
// Requests: straight to the DMA channel, the geometry into the FIFO.
// ---------------------------------------------------------------------------
logic [FW-1:0] fifo [DEPTH];
logic [LG_D:0] cnt_reg = '0;
logic [LG_D-1:0] wp_reg = '0, rp_reg = '0;
wire full = cnt_reg == (LG_D+1)'(DEPTH);
assign m_axis_dma_rd_req_tvalid = s_axis_blk_tvalid && !full;
assign s_axis_blk_tready = m_axis_dma_rd_req_tready && !full;
assign m_axis_dma_rd_req_addr = s_axis_blk_addr;
assign m_axis_dma_rd_req_len = s_axis_blk_len;
assign m_axis_dma_rd_req_tag = '0;
wire push = s_axis_blk_tvalid && s_axis_blk_tready;

wire [LG_B-1:0] i_off = s_axis_blk_addr[LG_B-1:0];
wire [15:0] i_lm1 = s_axis_blk_len - 16'd1;
wire [15:0] i_nbm1 = {{LG_B{1'b0}}, i_lm1[15:LG_B]};        // output beats - 1
wire [LG_B-1:0] i_lastm1 = i_lm1[LG_B-1:0];                  // bytes in the last beat - 1
// The block ends inside its last response beat: o != 0 and
// o + (len - 1) % B < B (no carry into another response beat).
wire [LG_B:0] i_endpos = {1'b0, i_off} + {1'b0, i_lastm1};
wire i_flush = i_off != '0 && !i_endpos[LG_B];

always_ff @(posedge clk)
    if (push)
        fifo[wp_reg] <= {i_flush, i_lastm1, i_nbm1, i_off};

// ---------------------------------------------------------------------------
// Realignment.
// ---------------------------------------------------------------------------
wire [FW-1:0] cur = fifo[rp_reg];
wire [LG_B-1:0] c_off = cur[LG_B-1:0];
wire [15:0] c_nbm1 = cur[LG_B +: 16];
wire [LG_B-1:0] c_lastm1 = cur[LG_B+16 +: LG_B];
wire c_flush = cur[FW-1];
wire busy = cnt_reg != '0;

logic [DATA_WIDTH-1:0] prev_reg = '0;
logic have_prev_reg = 1'b0;        // a response beat of this block seen
logic tail_reg = 1'b0;             // the block's final beat comes from prev_reg
logic [15:0] obeat_reg = '0;

logic o_valid_reg = 1'b0;
logic [DATA_WIDTH-1:0] o_data_reg = '0;
logic [KEEP_WIDTH-1:0] o_keep_reg = '0;
logic o_last_reg = 1'b0;

wire o_free = !o_valid_reg || m_axis_data_tready;
assign s_axis_dma_rd_resp_tready = busy && !tail_reg && o_free;
wire beat = s_axis_dma_rd_resp_tvalid && s_axis_dma_rd_resp_tready;
wire beat_end = beat && s_axis_dma_rd_resp_last;
// An output from this beat: always when aligned, else from the second on.
wire emit_beat = beat && (c_off == '0 || have_prev_reg);
wire emit_tail = tail_reg && o_free;
wire emit = emit_beat || emit_tail;

// Bytes [o, o + B) of {hi, prev}.
wire [DATA_WIDTH-1:0] hi = tail_reg ? '0 : s_axis_dma_rd_resp_data;
wire [2*DATA_WIDTH-1:0] pair = {hi, prev_reg};
wire [DATA_WIDTH-1:0] shifted = DATA_WIDTH'(pair >> {c_off, 3'b000});
wire [DATA_WIDTH-1:0] o_data = c_off == '0 ? s_axis_dma_rd_resp_data : shifted;
wire o_last = obeat_reg == c_nbm1;
wire [KEEP_WIDTH-1:0] keep_last = {KEEP_WIDTH{1'b1}} >> (LG_B'(KEEP_WIDTH - 1) - c_lastm1);
wire [KEEP_WIDTH-1:0] o_keep = o_last ? keep_last : {KEEP_WIDTH{1'b1}};
// The block is done with its last output.
wire done = (beat_end && !c_flush) || emit_tail;

always_ff @(posedge clk) begin
    if (o_valid_reg && m_axis_data_tready)
        o_valid_reg <= 1'b0;
    if (emit) begin
        o_valid_reg <= 1'b1;
        o_data_reg <= o_data;
        o_keep_reg <= o_keep;
        o_last_reg <= o_last;
        obeat_reg <= obeat_reg + 16'd1;
    end
    if (beat) begin
        prev_reg <= s_axis_dma_rd_resp_data;
        have_prev_reg <= 1'b1;
        if (beat_end && c_flush)
            tail_reg <= 1'b1;
    end
    if (emit_tail)
        tail_reg <= 1'b0;
    if (done) begin
        have_prev_reg <= 1'b0;
        obeat_reg <= '0;
        rp_reg <= rp_reg + 1'b1;
    end
    cnt_reg <= cnt_reg + (LG_D+1)'(push) - (LG_D+1)'(done);
    if (push)
        wp_reg <= wp_reg + 1'b1;
    if (rst) begin
        o_valid_reg <= 1'b0;
        have_prev_reg <= 1'b0;
        tail_reg <= 1'b0;
        obeat_reg <= '0;
        cnt_reg <= '0;
        wp_reg <= '0;
        rp_reg <= '0;
    end
end

assign m_axis_data_tvalid = o_valid_reg;
assign m_axis_data_tdata = o_data_reg;
assign m_axis_data_tkeep = o_keep_reg;
assign m_axis_data_tlast = o_last_reg;

endmodule

`default_nettype wire
