// SPDX-License-Identifier: MIT
// tcp_opt_parse: pipelined walk over the TCP option area (up to 40 bytes).
//
// Accepts one option area per cycle (when ce is high) and delivers its
// result 9 cycles (ce advances) later. The walk, as in hw/sim/ref_parse.c
// (the testbench's reference) and the firmware's receive path:
//
//   p = 0
//   loop: skip NOP (1) bytes; stop at the end of the area or at EOL (0);
//         kind = opt[p]; a length byte must follow inside the area and
//         2 <= len <= area - p, else malformed;
//         TS   (8): len must be 10          -> ts_val/ts_ecr (last one wins)
//         SACK (5): len = 2 + 8n, 1 <= n <= 4 -> n blocks   (last one wins)
//         any other kind                    -> unknown (opt_ok = 0)
//         p += len
//   opt_ok = no malformed and no unknown option was met (the walk stops
//   at the first one; what was found before it is still reported).
//
// Every known option is at least 10 bytes, so after skipping NOP runs at
// most four options fit in 40 bytes: four iterations, two stages each (skip
// NOPs and read kind/len via one-hot selection; then check and advance),
// and one stage extracting the values.
`default_nettype none

module tcp_opt_parse #(
    // Width of a side-band vector carried along with each option area.
    parameter USER_WIDTH = 1
) (
    input  wire                   clk,
    input  wire                   rst,
    // Pipeline advance (global stall when low).
    input  wire                   ce,

    input  wire                   in_valid,
    input  wire [USER_WIDTH-1:0]  in_user,
    input  wire [319:0]           in_opt,      // option byte i at [8*i +: 8]
    input  wire [5:0]             in_len,      // bytes of options, 0..40

    output wire                   out_valid,
    output wire [USER_WIDTH-1:0]  out_user,
    output wire                   out_opt_ok,
    output wire                   out_ts,      // a timestamp option was found
    output wire [31:0]            out_ts_val,
    output wire [31:0]            out_ts_ecr,
    output wire [2:0]             out_sack_n,  // SACK blocks, 0..4
    // Block i: left edge at [64*i +: 32], right edge at [64*i+32 +: 32];
    // blocks at or beyond out_sack_n are zero.
    output wire [255:0]           out_sack
);

localparam ITER = 4;
localparam STAGES = 2 * ITER;
localparam NPOS = 41;          // positions 0..40; 40 = end of any area

if (USER_WIDTH < 1) begin : g_err_user
    $error("tcp_opt_parse: USER_WIDTH must be at least 1");
end

// Walk state of one option area, one packed vector per stage (yosys handles
// packed arrays of vectors; unpacked arrays would become memories). The
// option bytes and the side-band travel in their own shift registers.
localparam S_HAS_LEN = 0;                  // q + 1 < area length
localparam S_AT_END = 1;                   // q >= area length
localparam S_OLEN = 2;                     // [7:0] length byte at q + 1
localparam S_KIND = 10;                    // [7:0] kind byte at q
localparam S_Q = 18;                       // [5:0] first non-NOP at or after p
localparam S_SACK_POS = 24;                // [5:0] last SACK option
localparam S_SACK_N = 30;                  // [2:0] its block count
localparam S_TS_POS = 33;                  // [5:0] last TS option
localparam S_TS = 39;
localparam S_BAD = 40;
localparam S_DONE = 41;
localparam S_P = 42;                       // [5:0] walk position
localparam S_LEN = 48;                     // [5:0] area length
localparam S_VALID = 54;
localparam SW = 55;

// First half of an iteration: skip NOPs from p (lowest position at or
// after p where the walk must stop), read kind and length there.
function automatic [SW-1:0] skip_nops(input [SW-1:0] st, input [NPOS-1:0] stop,
                                      input [335:0] opt);
    logic [NPOS-1:0] cand;
    logic [5:0] len, p, q;
    logic found;
    len = st[S_LEN +: 6];
    p = st[S_P +: 6];
    cand = stop & ~((NPOS'(1) << p) - 1'b1);
    q = '0;
    found = 1'b0;
    for (int i = NPOS - 1; i >= 0; i = i - 1)
        if (cand[i]) begin
            q = 6'(i);
            found = 1'b1;
        end
    skip_nops = st;
    skip_nops[S_Q +: 6] = q;
    skip_nops[S_KIND +: 8] = opt[8*q +: 8];
    skip_nops[S_OLEN +: 8] = opt[8*(q + 6'd1) +: 8];
    skip_nops[S_AT_END] = !found || q >= len;   // !found: p beyond 40
    skip_nops[S_HAS_LEN] = 7'(q) + 7'd1 < 7'(len);
endfunction

// Second half: check the option at q, record it, advance p.
function automatic [SW-1:0] take_option(input [SW-1:0] st);
    logic [8:0] end_pos;
    logic [7:0] kind, olen;
    kind = st[S_KIND +: 8];
    olen = st[S_OLEN +: 8];
    end_pos = 9'(st[S_Q +: 6]) + 9'(olen);
    take_option = st;
    if (!st[S_DONE]) begin
        if (st[S_AT_END] || kind == 8'd0) begin
            take_option[S_DONE] = 1'b1;                      // end of list
        end else if (!st[S_HAS_LEN] || olen < 8'd2 || end_pos > 9'(st[S_LEN +: 6])) begin
            take_option[S_DONE] = 1'b1;                      // malformed
            take_option[S_BAD] = 1'b1;
        end else if (kind == 8'd8 && olen == 8'd10) begin
            take_option[S_TS] = 1'b1;                        // timestamps
            take_option[S_TS_POS +: 6] = st[S_Q +: 6];
            take_option[S_P +: 6] = end_pos[5:0];
        end else if (kind == 8'd5 && olen >= 8'd10 && olen <= 8'd34 && olen[2:0] == 3'd2) begin
            take_option[S_SACK_N +: 3] = 3'((olen - 8'd2) >> 3);   // SACK
            take_option[S_SACK_POS +: 6] = st[S_Q +: 6];
            take_option[S_P +: 6] = end_pos[5:0];
        end else begin
            take_option[S_DONE] = 1'b1;                      // unknown kind
            take_option[S_BAD] = 1'b1;
        end
    end
endfunction

logic [SW-1:0] st_in;
always_comb begin
    st_in = '0;
    st_in[S_VALID] = in_valid;
    st_in[S_LEN +: 6] = in_len > 6'd40 ? 6'd40 : in_len;
end

// Where a walk must stop skipping: at a non-NOP byte or at the area's end.
logic [NPOS-1:0] stop_in;
always_comb begin
    for (int i = 0; i < NPOS; i = i + 1)
        stop_in[i] = 6'(i) >= st_in[S_LEN +: 6] || (i < 40 && in_opt[8*(i % 40) +: 8] != 8'd1);
end

logic [STAGES-1:0][SW-1:0] st_reg;
logic [STAGES-1:0][NPOS-1:0] stop_reg;
logic [STAGES-1:0][319:0] opt_reg;
logic [STAGES-1:0][USER_WIDTH-1:0] user_reg;

always_ff @(posedge clk) begin
    if (ce) begin
        st_reg[0] <= skip_nops(st_in, stop_in, {16'd0, in_opt});
        stop_reg[0] <= stop_in;
        opt_reg[0] <= in_opt;
        user_reg[0] <= in_user;
        for (int s = 1; s < STAGES; s = s + 1) begin
            st_reg[s] <= (s % 2 == 0) ? skip_nops(st_reg[s-1], stop_reg[s-1], {16'd0, opt_reg[s-1]}) :
                                        take_option(st_reg[s-1]);
            stop_reg[s] <= stop_reg[s-1];
            opt_reg[s] <= opt_reg[s-1];
            user_reg[s] <= user_reg[s-1];
        end
    end
    if (rst)
        for (int s = 0; s < STAGES; s = s + 1)
            st_reg[s][S_VALID] <= 1'b0;
end

wire [SW-1:0] st_last = st_reg[STAGES-1];

// Extraction: values at the recorded positions (big-endian on the wire).
// The area is padded so a part-select past byte 39 reads zeros.
wire [639:0] opt_pad = {320'd0, opt_reg[STAGES-1]};
wire [5:0] ts_pos = st_last[S_TS_POS +: 6];
wire [5:0] sack_pos = st_last[S_SACK_POS +: 6];
wire [2:0] sack_n = st_last[S_SACK_N +: 3];
wire ts_found = st_last[S_TS];

function automatic [31:0] be32(input [31:0] le);
    be32 = {le[7:0], le[15:8], le[23:16], le[31:24]};
endfunction

logic valid_out_reg = 1'b0;
logic [USER_WIDTH-1:0] user_out_reg;
logic ok_out_reg, ts_out_reg;
logic [31:0] ts_val_out_reg, ts_ecr_out_reg;
logic [2:0] sack_n_out_reg;
logic [255:0] sack_out_reg;

always_ff @(posedge clk) begin
    if (ce) begin
        valid_out_reg <= st_last[S_VALID];
        user_out_reg <= user_reg[STAGES-1];
        ok_out_reg <= !st_last[S_BAD];
        ts_out_reg <= ts_found;
        ts_val_out_reg <= ts_found ? be32(opt_pad[8*(ts_pos + 6'd2) +: 32]) : 32'd0;
        ts_ecr_out_reg <= ts_found ? be32(opt_pad[8*(ts_pos + 6'd6) +: 32]) : 32'd0;
        sack_n_out_reg <= sack_n;
        for (int b = 0; b < 4; b = b + 1) begin
            sack_out_reg[64*b +: 32] <= 3'(b) < sack_n ?
                be32(opt_pad[8*(sack_pos + 6'(2 + 8*b)) +: 32]) : 32'd0;
            sack_out_reg[64*b+32 +: 32] <= 3'(b) < sack_n ?
                be32(opt_pad[8*(sack_pos + 6'(6 + 8*b)) +: 32]) : 32'd0;
        end
    end
    if (rst)
        valid_out_reg <= 1'b0;
end

assign out_valid = valid_out_reg;
assign out_user = user_out_reg;
assign out_opt_ok = ok_out_reg;
assign out_ts = ts_out_reg;
assign out_ts_val = ts_val_out_reg;
assign out_ts_ecr = ts_ecr_out_reg;
assign out_sack_n = sack_n_out_reg;
assign out_sack = sack_out_reg;

endmodule

`default_nettype wire
