// SPDX-License-Identifier: MIT
// axis_frame_fifo: store-and-forward AXI-Stream frame FIFO in block RAM.
//
// A frame becomes visible at the output only after its last beat was
// written, so the output never stalls inside a frame (what a MAC needs) and
// a frame can still be discarded after its last beat: when it is marked bad
// (s_axis_tuser at tlast) or, with DROP_WHEN_FULL, when it did not fit.
// Without DROP_WHEN_FULL the input is back-pressured instead (a frame larger
// than the FIFO is then dropped rather than deadlocking).
//
// tkeep must be contiguous from bit 0 and all ones on every beat but the
// last (Ethernet frames); the FIFO stores only the byte count of the last
// beat and regenerates tkeep, so a 64-bit beat fits one 72-bit BRAM word.
// Throughput: one beat per cycle in and out.
`default_nettype none

module axis_frame_fifo #(
    // Stream width in bits: a multiple of 8, 16 to 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // FIFO depth in beats: a power of two, at least 16.
    parameter DEPTH = 512,
    // 1: drop a frame that does not fit (input never back-pressured, tready
    // stays 1). 0: back-pressure the input while the FIFO is full.
    parameter DROP_WHEN_FULL = 1,
    // 1: drop frames whose s_axis_tuser is set on the last beat.
    parameter DROP_BAD = 1
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tuser,   // bad frame (at tlast)

    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,

    // One-cycle pulses per input frame.
    output wire                   stat_good_frame,
    output wire                   stat_bad_frame,
    output wire                   stat_overflow
);

localparam ADDR_W = $clog2(DEPTH);
localparam CNT_W = $clog2(KEEP_WIDTH);       // bytes in the last beat, 0 = all
localparam MEM_W = DATA_WIDTH + 1 + CNT_W;

// Parameter checks (fail elaboration).
if (DATA_WIDTH % 8 != 0 || DATA_WIDTH < 16 || DATA_WIDTH > 512) begin : g_err_dw
    $error("axis_frame_fifo: DATA_WIDTH must be a multiple of 8, 16 to 512");
end
if (KEEP_WIDTH * 8 != DATA_WIDTH || (1 << CNT_W) != KEEP_WIDTH) begin : g_err_kw
    $error("axis_frame_fifo: KEEP_WIDTH must be DATA_WIDTH/8, a power of two");
end
if ((1 << ADDR_W) != DEPTH || DEPTH < 16) begin : g_err_depth
    $error("axis_frame_fifo: DEPTH must be a power of two >= 16");
end

logic [MEM_W-1:0] mem [DEPTH];

// Pointers carry one extra bit to tell full from empty.
logic [ADDR_W:0] wr_ptr_reg = '0, wr_ptr_next;       // next beat to write
logic [ADDR_W:0] wr_commit_reg = '0, wr_commit_next; // end of last good frame
logic [ADDR_W:0] rd_ptr_reg = '0, rd_ptr_next;
logic drop_frame_reg = 1'b0, drop_frame_next;      // current frame overflowed

logic [DATA_WIDTH-1:0] out_data_reg = '0;
logic [CNT_W-1:0] out_cnt_reg = '0;
logic out_last_reg = 1'b0;
logic out_valid_reg = 1'b0, out_valid_next;

logic good_reg = 1'b0, bad_reg = 1'b0, ovf_reg = 1'b0;
logic good_next, bad_next, ovf_next;

wire full = (wr_ptr_reg[ADDR_W] != rd_ptr_reg[ADDR_W]) &&
            (wr_ptr_reg[ADDR_W-1:0] == rd_ptr_reg[ADDR_W-1:0]);
wire empty = wr_commit_reg == rd_ptr_reg;

// Back-pressure mode still accepts (and drops) a frame that alone fills the
// FIFO, since waiting for space would never end.
assign s_axis_tready = DROP_WHEN_FULL != 0 ? 1'b1 :
                       (!full || drop_frame_reg || wr_commit_reg == rd_ptr_reg);

// Byte count of a contiguous tkeep, modulo KEEP_WIDTH (all ones -> 0).
// verilator lint_off UNUSEDSIGNAL
wire [6:0] in_bytes = keep_pkg::keep_bytes(64'(s_axis_tkeep));
// verilator lint_on UNUSEDSIGNAL
wire [CNT_W-1:0] keep_count = in_bytes[CNT_W-1:0];

wire in_fire = s_axis_tvalid && s_axis_tready;
wire wr_en = in_fire && !drop_frame_reg && !full;

always_comb begin
    wr_ptr_next = wr_ptr_reg;
    wr_commit_next = wr_commit_reg;
    drop_frame_next = drop_frame_reg;
    good_next = 1'b0;
    bad_next = 1'b0;
    ovf_next = 1'b0;

    if (in_fire) begin
        if (wr_en)
            wr_ptr_next = wr_ptr_reg + 1'b1;
        if (full || drop_frame_reg)
            drop_frame_next = 1'b1;
        if (s_axis_tlast) begin
            drop_frame_next = 1'b0;
            if (full || drop_frame_reg) begin
                wr_ptr_next = wr_commit_reg;    // discard the partial frame
                ovf_next = 1'b1;
            end else if (DROP_BAD != 0 && s_axis_tuser) begin
                wr_ptr_next = wr_commit_reg;
                bad_next = 1'b1;
            end else begin
                wr_commit_next = wr_ptr_reg + 1'b1;
                good_next = 1'b1;
            end
        end
    end
end

always_ff @(posedge clk) begin
    if (wr_en)
        mem[wr_ptr_reg[ADDR_W-1:0]] <= {s_axis_tlast, keep_count, s_axis_tdata};
end

// Read side: one output register, refilled from the RAM in the cycle the
// current beat leaves, so the stream runs at one beat per cycle.
wire rd_en = !empty && (!out_valid_reg || m_axis_tready);

always_comb begin
    rd_ptr_next = rd_ptr_reg;
    out_valid_next = out_valid_reg;
    if (rd_en) begin
        rd_ptr_next = rd_ptr_reg + 1'b1;
        out_valid_next = 1'b1;
    end else if (m_axis_tready) begin
        out_valid_next = 1'b0;
    end
end

always_ff @(posedge clk) begin
    if (rd_en)
        {out_last_reg, out_cnt_reg, out_data_reg} <= mem[rd_ptr_reg[ADDR_W-1:0]];
end

always_ff @(posedge clk) begin
    wr_ptr_reg <= wr_ptr_next;
    wr_commit_reg <= wr_commit_next;
    rd_ptr_reg <= rd_ptr_next;
    drop_frame_reg <= drop_frame_next;
    out_valid_reg <= out_valid_next;
    good_reg <= good_next;
    bad_reg <= bad_next;
    ovf_reg <= ovf_next;
    if (rst) begin
        wr_ptr_reg <= '0;
        wr_commit_reg <= '0;
        rd_ptr_reg <= '0;
        drop_frame_reg <= 1'b0;
        out_valid_reg <= 1'b0;
        good_reg <= 1'b0;
        bad_reg <= 1'b0;
        ovf_reg <= 1'b0;
    end
end

// tkeep from the stored count: all ones except on a short last beat.
logic [KEEP_WIDTH-1:0] out_keep;
always_comb begin
    for (int i = 0; i < KEEP_WIDTH; i = i + 1)
        out_keep[i] = !out_last_reg || out_cnt_reg == '0 || CNT_W'(i) < out_cnt_reg;
end

assign m_axis_tdata = out_data_reg;
assign m_axis_tkeep = out_keep;
assign m_axis_tvalid = out_valid_reg;
assign m_axis_tlast = out_last_reg;
assign stat_good_frame = good_reg;
assign stat_bad_frame = bad_reg;
assign stat_overflow = ovf_reg;

endmodule

`default_nettype wire
