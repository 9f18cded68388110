// SPDX-License-Identifier: MIT
// ring_writer: writes fixed-size ring entries to host memory, phase byte last.
//
// An entry request names the ring (base IOVA, log2 of its size) and the
// producer index; the writer computes the slot address
// base + (idx & (2^log2 - 1)) * ENTRY_BYTES and the phase
// ((idx >> log2) & 1) ^ 1 (toffee_phase() of abi.h), and issues two DMA
// write transactions: the entry without its last byte, then the last byte
// (the phase) alone. The DMA interface performs writes in issue order (see
// docs/rtl.md), so the consumer never sees a current phase with stale
// contents. The caller owns the producer index and the full check.
//
// The ring base must be aligned to ENTRY_BYTES (abi.h); its low bits are
// ignored. Cost: ENTRY_BYTES / (DATA_WIDTH/8) body beats (at least one) plus
// one phase beat per entry, back to back; the next entry is taken when the
// writer is idle (s_axis_entry_tready is a register: no path from the DMA
// channel's tready to whatever the caller does on taking an entry).
`default_nettype none

module ring_writer #(
    // DMA data width in bits: 64 .. 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Entry size in bytes: a power of two, 8 .. 64 (abi.h: 16 or 32).
    parameter ENTRY_BYTES = 16
) (
    input  wire                        clk,
    input  wire                        rst,

    input  wire                        s_axis_entry_tvalid,
    output wire                        s_axis_entry_tready,
    input  wire [ENTRY_BYTES*8-1:0]    s_axis_entry_data,  // last byte ignored
    // verilator lint_off UNUSEDSIGNAL
    input  wire [63:0]                 s_axis_entry_base,  // aligned to ENTRY_BYTES
    // verilator lint_on UNUSEDSIGNAL
    input  wire [4:0]                  s_axis_entry_log2,
    input  wire [31:0]                 s_axis_entry_idx,

    output wire                        m_axis_dma_wr_tvalid,
    input  wire                        m_axis_dma_wr_tready,
    output wire [63:0]                 m_axis_dma_wr_addr,   // beat-aligned
    output wire [DATA_WIDTH-1:0]       m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]       m_axis_dma_wr_strb,
    output wire                        m_axis_dma_wr_last    // end of a transaction
);

localparam LG_K = $clog2(KEEP_WIDTH);
localparam LG_E = $clog2(ENTRY_BYTES);
localparam BODY_BEATS = ENTRY_BYTES > KEEP_WIDTH ? ENTRY_BYTES / KEEP_WIDTH : 1;
localparam BEAT_W = BODY_BEATS > 1 ? $clog2(BODY_BEATS) : 1;

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG_K) != KEEP_WIDTH || KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_dw
    $error("ring_writer: DATA_WIDTH must be a power of two in 64 .. 512");
end
if ((1 << LG_E) != ENTRY_BYTES || ENTRY_BYTES < 8 || ENTRY_BYTES > 64) begin : g_err_entry
    $error("ring_writer: ENTRY_BYTES must be a power of two in 8 .. 64");
end

localparam [1:0] ST_IDLE = 2'd0, ST_BODY = 2'd1, ST_PHASE = 2'd2;
logic [1:0] state_reg = ST_IDLE;
logic [ENTRY_BYTES*8-1:0] entry_reg = '0;
logic [63:0] addr_reg = '0;                  // entry address
logic phase_reg = 1'b0;
logic [BEAT_W-1:0] beat_reg = '0;

// Slot address and phase of the incoming request.
wire [31:0] slot_mask = (32'd1 << s_axis_entry_log2) - 32'd1;
wire [31:0] slot = s_axis_entry_idx & slot_mask;
wire [63:0] base_al = {s_axis_entry_base[63:LG_E], LG_E'(0)};
wire [63:0] in_addr = base_al + ({32'd0, slot} << LG_E);
wire in_phase = !s_axis_entry_idx[s_axis_entry_log2];   // lap parity, inverted

wire out_fire = m_axis_dma_wr_tvalid && m_axis_dma_wr_tready;
assign s_axis_entry_tready = state_reg == ST_IDLE;
wire in_fire = s_axis_entry_tvalid && s_axis_entry_tready;

always_ff @(posedge clk) begin
    if (in_fire) begin
        entry_reg <= s_axis_entry_data;
        addr_reg <= in_addr;
        phase_reg <= in_phase;
        beat_reg <= '0;
    end
    case (state_reg)
        ST_IDLE:
            if (in_fire)
                state_reg <= ST_BODY;
        ST_BODY:
            if (out_fire) begin
                if (beat_reg == BEAT_W'(BODY_BEATS - 1))
                    state_reg <= ST_PHASE;
                else
                    beat_reg <= beat_reg + 1'b1;
            end
        ST_PHASE:
            if (out_fire)
                state_reg <= ST_IDLE;
        default:
            state_reg <= ST_IDLE;
    endcase
    if (rst)
        state_reg <= ST_IDLE;
end

// Output beat.
// verilator lint_off UNUSEDSIGNAL
wire [63:0] body_a = addr_reg + ({{(64-BEAT_W){1'b0}}, beat_reg} << LG_K);  // low bits: g_small only
// verilator lint_on UNUSEDSIGNAL
wire [63:0] phase_a = addr_reg + 64'(ENTRY_BYTES - 1);
wire [LG_K-1:0] phase_off = phase_a[LG_K-1:0];
logic [DATA_WIDTH-1:0] body_data;
logic [KEEP_WIDTH-1:0] body_strb;

if (ENTRY_BYTES < KEEP_WIDTH) begin : g_small
    // The whole entry lies inside one beat, at its offset.
    wire [LG_K-1:0] off = body_a[LG_K-1:0];
    assign body_data = {{(DATA_WIDTH-ENTRY_BYTES*8){1'b0}}, entry_reg} << (8 * off);
    assign body_strb = {{(KEEP_WIDTH-ENTRY_BYTES+1){1'b0}}, {(ENTRY_BYTES-1){1'b1}}} << off;
end else begin : g_big
    // Whole beats; the last one without the phase byte.
    assign body_data = entry_reg[DATA_WIDTH*beat_reg +: DATA_WIDTH];
    assign body_strb = {beat_reg != BEAT_W'(BODY_BEATS - 1), {(KEEP_WIDTH-1){1'b1}}};
end

wire in_body = state_reg == ST_BODY;
wire [63:LG_K] o_beat = in_body ? body_a[63:LG_K] : phase_a[63:LG_K];
wire [63:0] o_addr = {o_beat, LG_K'(0)};
wire [DATA_WIDTH-1:0] o_data = in_body ? body_data :
                               {{(DATA_WIDTH-1){1'b0}}, phase_reg} << (8 * phase_off);
wire [KEEP_WIDTH-1:0] o_strb = in_body ? body_strb : {{(KEEP_WIDTH-1){1'b0}}, 1'b1} << phase_off;

assign m_axis_dma_wr_tvalid = state_reg == ST_BODY || state_reg == ST_PHASE;
assign m_axis_dma_wr_addr = o_addr;
assign m_axis_dma_wr_data = o_data;
assign m_axis_dma_wr_strb = o_strb;
assign m_axis_dma_wr_last = state_reg == ST_PHASE || beat_reg == BEAT_W'(BODY_BEATS - 1);

endmodule

`default_nettype wire
