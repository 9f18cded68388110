// SPDX-License-Identifier: MIT
// skid_buf: a two-entry output buffer, head and skid. Its input ready is a
// register (the skid is empty), so an upstream that decides a beat from its
// own registers may emit whenever in_ready, with no combinational path from
// out_ready back into it; a beat emitted while the head waits goes to the
// skid. Used by the DMA byte movers (dma_read_bytes, dma_write_bytes).
`default_nettype none

module skid_buf #(
    // Bits of a beat (the payload: data, strobes, address, last, ...).
    parameter WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,

    input  wire             in_valid,      // only while in_ready
    output wire             in_ready,
    input  wire [WIDTH-1:0] in_data,

    output wire             out_valid,
    input  wire             out_ready,
    output wire [WIDTH-1:0] out_data,

    output wire             busy           // a beat is held
);

logic o_valid_reg = 1'b0, t_valid_reg = 1'b0;
logic [WIDTH-1:0] o_data_reg = '0, t_data_reg = '0;
wire o_free = !o_valid_reg || out_ready;

always_ff @(posedge clk) begin
    if (o_free) begin
        if (t_valid_reg)
            o_data_reg <= t_data_reg;
        else if (in_valid)
            o_data_reg <= in_data;
        o_valid_reg <= t_valid_reg || in_valid;
        t_valid_reg <= 1'b0;          // in_valid is 0 while t is valid
    end else if (in_valid) begin
        t_data_reg <= in_data;
        t_valid_reg <= 1'b1;
    end
    if (rst) begin
        o_valid_reg <= 1'b0;
        t_valid_reg <= 1'b0;
    end
end

assign in_ready = !t_valid_reg;
assign out_valid = o_valid_reg;
assign out_data = o_data_reg;
assign busy = o_valid_reg || t_valid_reg;

endmodule

`default_nettype wire
