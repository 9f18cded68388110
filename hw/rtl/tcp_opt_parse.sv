// SPDX-License-Identifier: MIT
// tcp_opt_parse: pipelined walk over the TCP option area (up to 40 bytes).
//
// Accepts one option area per cycle (when ce is high) and delivers its
// result 11 cycles (ce advances) later. The walk, as in hw/sim/ref_parse.c
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
// most four options fit in 40 bytes: four iterations. The input is
// registered, then every position's outcome is precomputed in parallel
// ("if an option starts here: end of list, malformed/unknown, TS, SACK with
// n blocks, next position"); each iteration is then two short stages: find
// the first non-NOP position at or after p (one-hot), and select that
// position's outcome with an AND-OR over the one-hot vector. A last stage
// extracts the values. Latency 11 cycles (ce advances); at most ~6 LUT
// levels per stage.
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
localparam NPOS = 41;          // positions 0..40; 40 = end of any area
localparam RW = 12;            // per-position outcome record
localparam R_NXT = 0;          // [5:0] position after the option
localparam R_SACKN = 6;        // [1:0] SACK blocks - 1
localparam R_SACK = 8;
localparam R_TS = 9;
localparam R_BAD = 10;         // malformed or unknown
localparam R_END = 11;         // end of the area or EOL: the walk ends well

if (USER_WIDTH < 1) begin : g_err_user
    $error("tcp_opt_parse: USER_WIDTH must be at least 1");
end

// Clock enables that let the model skip bubbles (most cycles carry no
// option area): valid bits advance with ce; the values carried along
// unchanged (user, option bytes, outcomes: shift-register chains, SRL-
// friendly with one enable) advance while anything is in flight (run); a
// stage that computes loads only when the stage before holds an area. The
// data of a bubble is never read.
logic run;

// ---------------------------------------------------------------------------
// R0: input register. R1: per-position outcomes.
// ---------------------------------------------------------------------------
logic r0_valid = 1'b0;
logic [USER_WIDTH-1:0] r0_user;
logic [319:0] r0_opt;
logic [5:0] r0_len;

always_ff @(posedge clk) begin
    if (ce)
        r0_valid <= in_valid;
    if (run) begin
        r0_user <= in_user;
        r0_opt <= in_opt;
        r0_len <= in_len > 6'd40 ? 6'd40 : in_len;
    end
    if (rst)
        r0_valid <= 1'b0;
end

// Every position's outcome: {stop (the walk stops skipping here), the
// record if it stops here}. Records are stored by field: bit f of
// position i's record is bit f*NPOS + i, so selecting the record of a
// one-hot position is an AND-OR per field over whole vectors.
function automatic [NPOS*(RW+1)-1:0] outcomes(input [319:0] opt, input [5:0] len);
    logic [335:0] pad;
    logic [NPOS-1:0] stop;
    logic [NPOS*RW-1:0] rec;
    logic [RW-1:0] r;
    pad = {16'd0, opt};
    for (int i = 0; i < NPOS; i = i + 1) begin
        logic [7:0] kind, olen;
        logic past, has_len, fits;
        logic [6:0] end_pos;
        kind = pad[8*i +: 8];
        olen = pad[8*(i+1) +: 8];
        past = 6'(i) >= len;
        has_len = 7'(i + 1) < 7'(len);
        end_pos = 7'(i) + olen[6:0];
        fits = olen >= 8'd2 && olen <= 8'd40 && end_pos <= 7'(len);
        stop[i] = past || kind != 8'd1;
        r = '0;
        r[R_END] = past || kind == 8'd0;
        r[R_TS] = !past && kind == 8'd8 && olen == 8'd10 && has_len && fits;
        r[R_SACK] = !past && kind == 8'd5 && has_len && fits &&
                    olen >= 8'd10 && olen <= 8'd34 && olen[2:0] == 3'd2;
        r[R_BAD] = !r[R_END] && !r[R_TS] && !r[R_SACK];
        r[R_SACKN +: 2] = 2'((olen - 8'd10) >> 3);
        r[R_NXT +: 6] = end_pos[5:0];
        for (int f = 0; f < RW; f = f + 1)
            rec[f*NPOS + i] = r[f];
    end
    outcomes = {stop, rec};
endfunction

logic r1_valid = 1'b0;
logic [USER_WIDTH-1:0] r1_user;
logic [319:0] r1_opt;
logic [NPOS-1:0] r1_stop;
logic [NPOS*RW-1:0] r1_rec;

always_ff @(posedge clk) begin
    if (ce)
        r1_valid <= r0_valid;
    if (run) begin
        r1_user <= r0_user;
        r1_opt <= r0_opt;
    end
    if (ce && r0_valid) begin
        {r1_stop, r1_rec} <= outcomes(r0_opt, r0_len);
    end
    if (rst)
        r1_valid <= 1'b0;
end

// ---------------------------------------------------------------------------
// Iterations: A finds the first stop at or after p (one-hot), B takes the
// outcome there. The walk state and one-hot per stage are flat vectors
// (yosys 0.23 has no packed multi-dimensional arrays; stage s is slice s),
// the values carried along are arrays with an entry per stage.
// ---------------------------------------------------------------------------
localparam S_P = 0;            // [5:0] walk position
localparam S_DONE = 6;
localparam S_BAD = 7;
localparam S_TS = 8;
localparam S_TS_POS = 9;       // [5:0]
localparam S_SACK_N = 15;      // [2:0]
localparam S_SACK_POS = 18;    // [5:0]
localparam S_VALID = 24;
localparam SW = 25;
localparam STAGES = 2 * ITER;

logic [STAGES*SW-1:0] st_reg;
logic [STAGES*NPOS-1:0] oh_reg;            // one-hot (valid after A stages)
// Values carried along: one array entry per stage (per-entry registers;
// the model copies only entries that change).
logic [NPOS-1:0] stop_reg [STAGES];
logic [NPOS*RW-1:0] rec_reg [STAGES];
logic [319:0] opt_reg [STAGES];
logic [USER_WIDTH-1:0] user_reg [STAGES];

function automatic [NPOS-1:0] first_stop(input [NPOS-1:0] stop, input [5:0] p);
    logic [NPOS-1:0] cand;
    cand = stop & ({NPOS{1'b1}} << p);          // positions >= p
    first_stop = cand & ~(cand - 1'b1);
endfunction

// Positions whose index has bit b set: the one-hot position's index is an
// AND-OR with these.
localparam logic [6*NPOS-1:0] POS_BITS = {41'h1ff00000000, 41'h000ffff0000, 41'h100ff00ff00,
                                          41'h0f0f0f0f0f0, 41'h0cccccccccc, 41'h0aaaaaaaaaa};
if (NPOS != 41) begin : g_err_npos
    $error("tcp_opt_parse: POS_BITS assumes 41 positions");
end

function automatic [SW-1:0] take(input [SW-1:0] st, input [NPOS-1:0] oh,
                                 input [NPOS*RW-1:0] recs);
    logic [RW-1:0] r;
    logic [5:0] q;
    for (int f = 0; f < RW; f = f + 1)
        r[f] = (oh & recs[f*NPOS +: NPOS]) != '0;
    for (int b = 0; b < 6; b = b + 1)
        q[b] = (oh & POS_BITS[b*NPOS +: NPOS]) != '0;
    take = st;
    if (!st[S_DONE]) begin
        if (oh == '0 || r[R_END]) begin
            take[S_DONE] = 1'b1;
        end else if (r[R_BAD]) begin
            take[S_DONE] = 1'b1;
            take[S_BAD] = 1'b1;
        end else if (r[R_TS]) begin
            take[S_TS] = 1'b1;
            take[S_TS_POS +: 6] = q;
            take[S_P +: 6] = r[R_NXT +: 6];
        end else begin
            take[S_SACK_N +: 3] = 3'(r[R_SACKN +: 2]) + 3'd1;
            take[S_SACK_POS +: 6] = q;
            take[S_P +: 6] = r[R_NXT +: 6];
        end
    end
endfunction

logic [STAGES-1:0] st_valid;
always_comb
    for (int s = 0; s < STAGES; s = s + 1)
        st_valid[s] = st_reg[s*SW + S_VALID];

always_ff @(posedge clk)
    if (run) begin
        stop_reg[0] <= r1_stop;
        rec_reg[0] <= r1_rec;
        opt_reg[0] <= r1_opt;
        user_reg[0] <= r1_user;
        for (int s = 1; s < STAGES; s = s + 1) begin
            stop_reg[s] <= stop_reg[s-1];
            rec_reg[s] <= rec_reg[s-1];
            opt_reg[s] <= opt_reg[s-1];
            user_reg[s] <= user_reg[s-1];
        end
    end

always_ff @(posedge clk) begin
    logic [STAGES*SW-1:0] st_n;
    logic [STAGES*NPOS-1:0] oh_n;
    st_n = st_reg;
    oh_n = oh_reg;
    if (ce) begin
        if (r1_valid) begin
            st_n[0 +: SW] = SW'(1) << S_VALID;
            oh_n[0 +: NPOS] = first_stop(r1_stop, 6'd0);
        end else
            st_n[S_VALID] = 1'b0;
        for (int s = 1; s < STAGES; s = s + 1) begin
            if (!st_valid[s-1]) begin
                st_n[s*SW + S_VALID] = 1'b0;
            end else if (s % 2 == 1) begin
                st_n[s*SW +: SW] = take(st_reg[(s-1)*SW +: SW], oh_reg[(s-1)*NPOS +: NPOS],
                                        rec_reg[s-1]);
                oh_n[s*NPOS +: NPOS] = '0;
            end else begin
                st_n[s*SW +: SW] = st_reg[(s-1)*SW +: SW];
                oh_n[s*NPOS +: NPOS] = first_stop(stop_reg[s-1],
                                                  st_reg[(s-1)*SW + S_P +: 6]);
            end
        end
    end
    if (rst)
        for (int s = 0; s < STAGES; s = s + 1)
            st_n[s*SW + S_VALID] = 1'b0;
    st_reg <= st_n;
    oh_reg <= oh_n;
end

wire [SW-1:0] st_last = st_reg[(STAGES-1)*SW +: SW];

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
    if (ce)
        valid_out_reg <= st_last[S_VALID];
    if (run)
        user_out_reg <= user_reg[STAGES-1];
    if (ce && st_last[S_VALID]) begin
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

assign run = ce && (in_valid || r0_valid || r1_valid || st_valid != '0);

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
