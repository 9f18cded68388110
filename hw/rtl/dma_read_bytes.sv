// SPDX-License-Identifier: MIT
// dma_read_bytes: reads up to two pieces of host memory through the DMA read
// channel and outputs their concatenation as a byte stream starting at
// lane 0 — the transmit payload (two pieces: the transmit buffer's wrap), an
// INSTALL image, a raw frame from the slow path.
//
// A command {(iova0, len0), (iova1, len1)} issues one read request per
// non-empty piece ({addr, len, tag = piece number}) and outputs beat k =
// bytes [kB, kB + B) of piece0 ++ piece1 (B = DATA_WIDTH/8), all ones in
// tkeep except on the last beat (contiguous from lane 0), tlast on the last
// beat. A command with len0 + len1 = 0 issues nothing and outputs nothing.
//
// The shell answers each request with the naturally aligned beats covering
// [addr, addr + len), in request order (docs/rtl.md); the reader counts the
// bytes itself (the response's last and tag are not needed). Up to
// OUTSTANDING pieces may be requested ahead of their responses, so the
// requests of the next command go out while the current one streams. The
// response beat is rotated by (addr - output position) mod B and merged
// with the carry of the previous beat: one output beat per response beat at
// most; sustained one beat per cycle when responses come one per cycle (a
// misaligned piece costs one response beat more than its output, a command
// whose bytes end with a carry costs one flush cycle).
//
// Back-pressure: output back-pressure stops the response stream (this
// reader does not buffer whole responses); s_axis_dma_rd_resp_tready,
// s_axis_cmd_tready and the request valid are functions of registers only,
// m_axis_tready only enables registers.
`default_nettype none

module dma_read_bytes #(
    // Data width in bits (DMA and output stream): a power of two, 64 .. 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // DMA read tag width, at least 1 (the tag is the piece number).
    parameter TAG_WIDTH = 8,
    // Pieces requested but not yet fully answered: a power of two, 2 .. 16.
    parameter OUTSTANDING = 4
) (
    input  wire                   clk,
    input  wire                   rst,

    // Command.
    input  wire                   s_axis_cmd_tvalid,
    output wire                   s_axis_cmd_tready,
    input  wire [63:0]            s_axis_cmd_iova0,
    input  wire [15:0]            s_axis_cmd_len0,
    input  wire [63:0]            s_axis_cmd_iova1,
    input  wire [15:0]            s_axis_cmd_len1,

    // DMA read channel (docs/rtl.md).
    output wire                   m_axis_dma_rd_req_tvalid,
    input  wire                   m_axis_dma_rd_req_tready,
    output wire [63:0]            m_axis_dma_rd_req_addr,
    output wire [15:0]            m_axis_dma_rd_req_len,
    output wire [TAG_WIDTH-1:0]   m_axis_dma_rd_req_tag,
    input  wire                   s_axis_dma_rd_resp_tvalid,
    output wire                   s_axis_dma_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]  s_axis_dma_rd_resp_data,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [TAG_WIDTH-1:0]   s_axis_dma_rd_resp_tag,    // not needed: in order
    input  wire                   s_axis_dma_rd_resp_last,   // not needed: counted
    // verilator lint_on UNUSEDSIGNAL

    // Byte stream.
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,

    output wire                   busy
);

localparam LG = $clog2(KEEP_WIDTH);
localparam QW = $clog2(OUTSTANDING);
localparam [KEEP_WIDTH-1:0] ALL = {KEEP_WIDTH{1'b1}};

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG) != KEEP_WIDTH || KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_dw
    $error("dma_read_bytes: DATA_WIDTH must be a power of two in 64 .. 512");
end
if (TAG_WIDTH < 1) begin : g_err_tag
    $error("dma_read_bytes: TAG_WIDTH must be at least 1");
end
if ((1 << QW) != OUTSTANDING || OUTSTANDING < 2 || OUTSTANDING > 16) begin : g_err_out
    $error("dma_read_bytes: OUTSTANDING must be a power of two in 2 .. 16");
end

// ---- Requests ----
logic rq_busy_reg = 1'b0;           // a command's pieces are being requested
logic rq_piece_reg = 1'b0;
logic [63:0] iova0_reg = '0, iova1_reg = '0;
logic [15:0] len0_reg = '0, len1_reg = '0;

logic req_valid_reg = 1'b0;
logic [63:0] req_addr_reg = '0;
logic [15:0] req_len_reg = '0;
logic req_tag_reg = 1'b0;

// Per requested piece, for the response side: first lane, rotation, bytes
// in the first beat, length, last piece of its command.
logic [LG-1:0] q_rot [OUTSTANDING];
logic [LG:0] q_k1 [OUTSTANDING];
logic [15:0] q_len [OUTSTANDING];
logic q_lastp [OUTSTANDING];
logic [QW:0] q_wr_reg = '0, q_rd_reg = '0;
wire q_full = q_wr_reg == {~q_rd_reg[QW], q_rd_reg[QW-1:0]};
wire q_empty = q_wr_reg == q_rd_reg;

assign s_axis_cmd_tready = !rq_busy_reg;
wire cmd_fire = s_axis_cmd_tvalid && !rq_busy_reg;

wire [63:0] cur_iova = rq_piece_reg ? iova1_reg : iova0_reg;
wire [15:0] cur_len = rq_piece_reg ? len1_reg : len0_reg;
wire cur_lastp = rq_piece_reg || len1_reg == '0;
wire [LG-1:0] cur_off = cur_iova[LG-1:0];
// Output lane of the piece's first byte: 0, or len0 mod B for piece 1.
wire [LG-1:0] cur_pos = rq_piece_reg ? len0_reg[LG-1:0] : '0;
wire [LG:0] cur_room = (LG+1)'(KEEP_WIDTH) - {1'b0, cur_off};
wire [LG:0] cur_k1 = {1'b0, cur_len} < 17'(cur_room) ? cur_len[LG:0] : cur_room;
wire req_slot = !req_valid_reg || m_axis_dma_rd_req_tready;
wire issue = rq_busy_reg && cur_len != '0 && req_slot && !q_full;
wire piece_done = rq_busy_reg && (cur_len == '0 || issue);

always_ff @(posedge clk) begin
    if (cmd_fire) begin
        iova0_reg <= s_axis_cmd_iova0;
        len0_reg <= s_axis_cmd_len0;
        iova1_reg <= s_axis_cmd_iova1;
        len1_reg <= s_axis_cmd_len1;
        rq_busy_reg <= 1'b1;
        rq_piece_reg <= 1'b0;
    end
    if (piece_done) begin
        rq_piece_reg <= 1'b1;
        if (cur_lastp)
            rq_busy_reg <= 1'b0;
    end
    if (req_slot)
        req_valid_reg <= issue;
    if (issue) begin
        req_addr_reg <= cur_iova;
        req_len_reg <= cur_len;
        req_tag_reg <= rq_piece_reg;
        q_rot[q_wr_reg[QW-1:0]] <= cur_off - cur_pos;
        q_k1[q_wr_reg[QW-1:0]] <= cur_k1;
        q_len[q_wr_reg[QW-1:0]] <= cur_len;
        q_lastp[q_wr_reg[QW-1:0]] <= cur_lastp;
        q_wr_reg <= q_wr_reg + 1'b1;
    end
    if (rst) begin
        rq_busy_reg <= 1'b0;
        req_valid_reg <= 1'b0;
        q_wr_reg <= '0;
    end
end

// ---- Responses ----
logic first_reg = 1'b1;              // the next beat is a piece's first
logic [15:0] rem_reg = '0;           // bytes of the piece left (not first)
logic [LG:0] kb_reg = '0;            // bytes in the next beat (not first)
logic [LG-1:0] fill_reg = '0;        // bytes held in acc (lanes < fill)
logic [KEEP_WIDTH-1:0] fill_mask_reg = '0;
logic [DATA_WIDTH-1:0] acc_reg = '0;
logic flush_reg = 1'b0;              // acc holds a command's final bytes
logic [KEEP_WIDTH-1:0] flush_keep_reg = '0;

wire out_rdy;                        // the output buffer takes a beat

assign s_axis_dma_rd_resp_tready = out_rdy && !flush_reg && !q_empty;
wire rfire = s_axis_dma_rd_resp_tvalid && s_axis_dma_rd_resp_tready;

wire [QW-1:0] h = q_rd_reg[QW-1:0];
wire [LG-1:0] h_rot = q_rot[h];
wire [LG:0] k = first_reg ? q_k1[h] : kb_reg;
wire [15:0] rem = first_reg ? q_len[h] : rem_reg;
wire [LG:0] sum = {1'b0, fill_reg} + k;
wire full = sum[LG];                           // sum >= B
wire [LG-1:0] new_fill = sum[LG-1:0];
wire end_piece = rem == 16'(k);
wire end_cmd = end_piece && q_lastp[h];
wire [15:0] rem_after = rem - 16'(k);
wire [LG:0] kb_next = rem_after < 16'(KEEP_WIDTH) ? rem_after[LG:0] : (LG+1)'(KEEP_WIDTH);

// Rotate the response beat so that its next byte lands at lane fill.
// verilator lint_off UNUSEDSIGNAL
wire [2*DATA_WIDTH-1:0] rot2 = {s_axis_dma_rd_resp_data, s_axis_dma_rd_resp_data} >> {h_rot, 3'b000};
// verilator lint_on UNUSEDSIGNAL
wire [DATA_WIDTH-1:0] rd = rot2[DATA_WIDTH-1:0];
logic [DATA_WIDTH-1:0] merged;
always_comb begin
    for (int i = 0; i < KEEP_WIDTH; i = i + 1)
        merged[8*i +: 8] = fill_mask_reg[i] ? acc_reg[8*i +: 8] : rd[8*i +: 8];
end

// A beat goes out when the response completes one, at a command's end, or
// for the flush of a command's final carry.
wire r_emit = rfire && (full || end_cmd);
wire f_emit = flush_reg && out_rdy;
wire emit = r_emit || f_emit;
wire [DATA_WIDTH-1:0] e_data = flush_reg ? acc_reg : merged;
wire e_last = flush_reg || (end_cmd && (!full || new_fill == '0));
wire [KEEP_WIDTH-1:0] e_keep = flush_reg ? flush_keep_reg :
                               (end_cmd && !full) ? ~(ALL << new_fill) : ALL;
wire [LG-1:0] fill_next = end_cmd ? '0 : new_fill;

always_ff @(posedge clk) begin
    if (f_emit)
        flush_reg <= 1'b0;
    if (rfire) begin
        first_reg <= end_piece;
        rem_reg <= rem_after;
        kb_reg <= kb_next;
        fill_reg <= fill_next;
        fill_mask_reg <= ~(ALL << fill_next);
        acc_reg <= full ? rd : merged;
        if (end_cmd && full && new_fill != '0) begin
            flush_reg <= 1'b1;
            flush_keep_reg <= ~(ALL << new_fill);
        end
        if (end_piece)
            q_rd_reg <= q_rd_reg + 1'b1;
    end
    if (rst) begin
        first_reg <= 1'b1;
        fill_reg <= '0;
        fill_mask_reg <= '0;
        flush_reg <= 1'b0;
        q_rd_reg <= '0;
    end
end

// ---- Output buffer ----
wire out_busy;
skid_buf #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1)) out_inst (
    .clk(clk), .rst(rst),
    .in_valid(emit), .in_ready(out_rdy), .in_data({e_last, e_keep, e_data}),
    .out_valid(m_axis_tvalid), .out_ready(m_axis_tready),
    .out_data({m_axis_tlast, m_axis_tkeep, m_axis_tdata}), .busy(out_busy)
);

assign m_axis_dma_rd_req_tvalid = req_valid_reg;
assign m_axis_dma_rd_req_addr = req_addr_reg;
assign m_axis_dma_rd_req_len = req_len_reg;
assign m_axis_dma_rd_req_tag = TAG_WIDTH'(req_tag_reg);
assign busy = rq_busy_reg || req_valid_reg || !q_empty || flush_reg || out_busy;

endmodule

`default_nettype wire
