// SPDX-License-Identifier: MIT
// mac_rx: receive side of the MAC interface.
//
// Takes frames (no FCS) from the Ethernet MAC, which cannot be back-pressured
// (s_axis_mac_rx_tready is always 1), and buffers them whole in a
// store-and-forward FIFO so the parser downstream may stall. Frames are
// dropped here, with a one-cycle status pulse each, when
//  - the MAC flags them bad (s_axis_mac_rx_tuser at tlast: FCS error),
//  - they are longer than toffee_abi_pkg::MAX_FRAME bytes (counted by the
//    fast path as DROP_OVERSIZE), or
//  - the FIFO is full (overflow; the frame never reached the fast path).
// Precedence when several apply: overflow, then FCS, then oversize.
`default_nettype none

module mac_rx #(
    // Stream width in bits: 64 (simulation, 10G) or 512 (100G).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // FIFO depth in beats (power of two); must hold at least a few
    // MAX_FRAME frames: 16 KiB or more is sensible.
    parameter FIFO_DEPTH = 2048
) (
    input  wire                   clk,
    input  wire                   rst,

    // From the MAC.
    input  wire [DATA_WIDTH-1:0]  s_axis_mac_rx_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_mac_rx_tkeep,
    input  wire                   s_axis_mac_rx_tvalid,
    output wire                   s_axis_mac_rx_tready,
    input  wire                   s_axis_mac_rx_tlast,
    input  wire                   s_axis_mac_rx_tuser,  // bad frame (at tlast)

    // To the parser.
    output wire [DATA_WIDTH-1:0]  m_axis_rx_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_rx_tkeep,
    output wire                   m_axis_rx_tvalid,
    input  wire                   m_axis_rx_tready,
    output wire                   m_axis_rx_tlast,

    // One-cycle pulses, one per frame.
    output wire                   stat_rx_frame,        // passed on
    output wire                   stat_drop_fcs,
    output wire                   stat_drop_oversize,
    output wire                   stat_drop_overflow
);

localparam [15:0] MAX_FRAME = 16'(toffee_abi_pkg::MAX_FRAME);
localparam LEN_W = 16;

if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512) begin : g_err_dw
    $error("mac_rx: DATA_WIDTH must be 64, 128, 256 or 512");
end
if (FIFO_DEPTH * KEEP_WIDTH < 2 * 1518) begin : g_err_depth
    $error("mac_rx: FIFO_DEPTH must hold at least two maximum-size frames");
end

// Bytes of the current frame before this beat, saturating.
logic [LEN_W-1:0] len_reg = '0, len_next;
// Reason of the frame that just ended, for the FIFO's (one cycle later)
// bad-frame pulse.
logic fcs_reg = 1'b0;

wire [LEN_W-1:0] frame_len = len_reg + LEN_W'(keep_pkg::keep_bytes(64'(s_axis_mac_rx_tkeep)));
wire oversize = frame_len > MAX_FRAME;
wire in_fire = s_axis_mac_rx_tvalid && s_axis_mac_rx_tready;

always_comb begin
    len_next = len_reg;
    if (in_fire) begin
        if (s_axis_mac_rx_tlast)
            len_next = '0;
        else if (len_reg <= MAX_FRAME)      // saturate past the limit
            len_next = len_reg + LEN_W'(KEEP_WIDTH);
    end
end

always_ff @(posedge clk) begin
    len_reg <= len_next;
    if (in_fire && s_axis_mac_rx_tlast)
        fcs_reg <= s_axis_mac_rx_tuser;
    if (rst) begin
        len_reg <= '0;
        fcs_reg <= 1'b0;
    end
end

wire fifo_bad;

axis_frame_fifo #(
    .DATA_WIDTH(DATA_WIDTH),
    .DEPTH(FIFO_DEPTH),
    .DROP_WHEN_FULL(1),
    .DROP_BAD(1)
) fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_mac_rx_tdata),
    .s_axis_tkeep(s_axis_mac_rx_tkeep),
    .s_axis_tvalid(s_axis_mac_rx_tvalid),
    .s_axis_tready(s_axis_mac_rx_tready),
    .s_axis_tlast(s_axis_mac_rx_tlast),
    .s_axis_tuser(s_axis_mac_rx_tuser || oversize),
    .m_axis_tdata(m_axis_rx_tdata),
    .m_axis_tkeep(m_axis_rx_tkeep),
    .m_axis_tvalid(m_axis_rx_tvalid),
    .m_axis_tready(m_axis_rx_tready),
    .m_axis_tlast(m_axis_rx_tlast),
    .stat_good_frame(stat_rx_frame),
    .stat_bad_frame(fifo_bad),
    .stat_overflow(stat_drop_overflow)
);

assign stat_drop_fcs = fifo_bad && fcs_reg;
assign stat_drop_oversize = fifo_bad && !fcs_reg;

endmodule

`default_nettype wire
