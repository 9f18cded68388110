// SPDX-License-Identifier: MIT
// mac_tx: transmit side of the MAC interface.
//
// Frames from the transmit engine (which may pause inside a frame while it
// waits for payload DMA) are padded with zero bytes to the Ethernet minimum
// of 60 bytes (no FCS) and buffered whole, so the MAC receives every frame as
// an unbroken burst and never underruns. The input is back-pressured when the
// FIFO is full; nothing is dropped here.
`default_nettype none

module mac_tx #(
    // Stream width in bits: 64 (simulation, 10G) or 512 (100G).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // FIFO depth in beats (power of two); at least two maximum-size frames.
    parameter FIFO_DEPTH = 1024
) (
    input  wire                   clk,
    input  wire                   rst,

    // From the transmit engine.
    input  wire [DATA_WIDTH-1:0]  s_axis_tx_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tx_tkeep,
    input  wire                   s_axis_tx_tvalid,
    output wire                   s_axis_tx_tready,
    input  wire                   s_axis_tx_tlast,

    // To the MAC.
    output wire [DATA_WIDTH-1:0]  m_axis_mac_tx_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_mac_tx_tkeep,
    output wire                   m_axis_mac_tx_tvalid,
    input  wire                   m_axis_mac_tx_tready,
    output wire                   m_axis_mac_tx_tlast,

    // One-cycle pulse per frame entering the FIFO.
    output wire                   stat_tx_frame
);

localparam MIN_LEN = 60;
localparam LEN_W = 16;

if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512) begin : g_err_dw
    $error("mac_tx: DATA_WIDTH must be 64, 128, 256 or 512");
end
if (FIFO_DEPTH * KEEP_WIDTH < 2 * 1518) begin : g_err_depth
    $error("mac_tx: FIFO_DEPTH must hold at least two maximum-size frames");
end

// Bytes of the current frame before this beat (saturates at MIN_LEN).
logic [LEN_W-1:0] len_reg = '0, len_next;
// Emitting zero beats after the input's last beat.
logic pad_reg = 1'b0, pad_next;

// Padded beat towards the FIFO.
logic [DATA_WIDTH-1:0] p_tdata;
logic [KEEP_WIDTH-1:0] p_tkeep;
logic p_tvalid, p_tlast;
wire p_tready;

always_comb begin
    len_next = len_reg;
    pad_next = pad_reg;
    p_tdata = '0;
    p_tkeep = '0;
    p_tlast = 1'b0;
    p_tvalid = 1'b0;

    if (pad_reg) begin
        // Zero bytes up to MIN_LEN.
        p_tvalid = 1'b1;
        for (int i = 0; i < KEEP_WIDTH; i = i + 1)
            p_tkeep[i] = len_reg + LEN_W'(i) < LEN_W'(MIN_LEN);
        p_tlast = len_reg + LEN_W'(KEEP_WIDTH) >= LEN_W'(MIN_LEN);
        if (p_tready) begin
            len_next = len_reg + LEN_W'(KEEP_WIDTH);
            if (p_tlast) begin
                pad_next = 1'b0;
                len_next = '0;
            end
        end
    end else begin
        p_tvalid = s_axis_tx_tvalid;
        for (int i = 0; i < KEEP_WIDTH; i = i + 1) begin
            // Bytes past tkeep on a short last beat become zero padding.
            p_tkeep[i] = s_axis_tx_tkeep[i] ||
                         (s_axis_tx_tlast && len_reg + LEN_W'(i) < LEN_W'(MIN_LEN));
            p_tdata[i*8 +: 8] = s_axis_tx_tkeep[i] ? s_axis_tx_tdata[i*8 +: 8] : 8'h00;
        end
        p_tlast = s_axis_tx_tlast && len_reg + LEN_W'(KEEP_WIDTH) >= LEN_W'(MIN_LEN);
        if (s_axis_tx_tvalid && p_tready) begin
            if (!s_axis_tx_tlast)
                len_next = len_reg + LEN_W'(KEEP_WIDTH) < LEN_W'(MIN_LEN) ?
                           len_reg + LEN_W'(KEEP_WIDTH) : LEN_W'(MIN_LEN);
            else if (p_tlast)
                len_next = '0;
            else begin
                len_next = len_reg + LEN_W'(KEEP_WIDTH);
                pad_next = 1'b1;
            end
        end
    end
end

assign s_axis_tx_tready = p_tready && !pad_reg;

always_ff @(posedge clk) begin
    len_reg <= len_next;
    pad_reg <= pad_next;
    if (rst) begin
        len_reg <= '0;
        pad_reg <= 1'b0;
    end
end

axis_frame_fifo #(
    .DATA_WIDTH(DATA_WIDTH),
    .DEPTH(FIFO_DEPTH),
    .DROP_WHEN_FULL(0),
    .DROP_BAD(0)
) fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(p_tdata),
    .s_axis_tkeep(p_tkeep),
    .s_axis_tvalid(p_tvalid),
    .s_axis_tready(p_tready),
    .s_axis_tlast(p_tlast),
    .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_mac_tx_tdata),
    .m_axis_tkeep(m_axis_mac_tx_tkeep),
    .m_axis_tvalid(m_axis_mac_tx_tvalid),
    .m_axis_tready(m_axis_mac_tx_tready),
    .m_axis_tlast(m_axis_mac_tx_tlast),
    .stat_good_frame(stat_tx_frame),
    // verilator lint_off PINCONNECTEMPTY
    .stat_bad_frame(),                      // DROP_BAD = 0: never
    .stat_overflow()                        // DROP_WHEN_FULL = 0: only oversize frames
    // verilator lint_on PINCONNECTEMPTY
);

endmodule

`default_nettype wire
