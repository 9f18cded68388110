// SPDX-License-Identifier: MIT
// flow_state: per-flow fast-path state (struct toffee_flow, 128 bytes) in
// UltraRAM, read-modify-write at one flow per cycle, never stale.
//
// A read of flow f is issued on s_axis_rd and its state appears on
// m_axis_st READ_LATENCY cycles later. The state delivered in cycle t
// includes every write presented on s_axis_wr before cycle t *and* the write
// presented in cycle t itself: the RAM data is merged (byte enables, oldest
// first) with the writes the RAM read could not see yet, which this module
// keeps in a shift register of the last READ_LATENCY writes, and with the
// write arriving in the same cycle (bypass). So a protocol stage that
// receives the state of segment n in cycle t and writes its update back in
// cycle t + 1 hands segment n + 1 of the same flow, delivered in cycle t + 1,
// the updated state: back-to-back segments of one flow run at one per cycle
// without stalls (the forwarding of docs/rtl.md).
//
// The pipeline has no back-pressure: a consumer that can stall holds its
// reads back (credits) rather than the output. Writes have byte enables
// (one per byte of the 128-byte state) so that fields owned by different
// stages can be updated independently.
`default_nettype none

module flow_state #(
    // Number of flows (power of two).
    parameter FLOW_CAP = 65536,
    // Cycles from s_axis_rd to m_axis_st: 1 (RAM output register) plus
    // output pipeline registers for URAM cascades; 1 .. 4.
    parameter READ_LATENCY = 2,
    // 1: UltraRAM, 0: block RAM.
    parameter URAM = 1
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire                    s_axis_rd_tvalid,
    input  wire [31:0]             s_axis_rd_flow_id,

    output wire                    m_axis_st_tvalid,
    output wire [31:0]             m_axis_st_flow_id,
    output wire [1023:0]           m_axis_st_state,     // byte i at [8*i +: 8]

    input  wire                    s_axis_wr_tvalid,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]             s_axis_wr_flow_id,   // < FLOW_CAP
    // verilator lint_on UNUSEDSIGNAL
    input  wire [1023:0]           s_axis_wr_state,
    input  wire [31:0]             s_axis_wr_strb       // 32-bit word enables
);

localparam ID_W = $clog2(FLOW_CAP);
localparam W = 1024;
localparam NB = 32;                           // 32-bit words

if ((1 << ID_W) != FLOW_CAP || FLOW_CAP < 2) begin : g_err_cap
    $error("flow_state: FLOW_CAP must be a power of two");
end
if (READ_LATENCY < 1 || READ_LATENCY > 4) begin : g_err_lat
    $error("flow_state: READ_LATENCY must be in 1 .. 4");
end
if (32'(toffee_abi_pkg::FLOW_BYTES) * 8 != W) begin : g_err_abi
    $error("flow_state: struct toffee_flow is no longer 128 bytes");
end

// ---------------------------------------------------------------------------
// RAM: port A writes, port B reads (read-first semantics do not matter: a
// write in the cycle of a read is in the forwarding window).
// ---------------------------------------------------------------------------
wire [ID_W-1:0] rd_addr = s_axis_rd_flow_id[ID_W-1:0];
wire [ID_W-1:0] wr_addr = s_axis_wr_flow_id[ID_W-1:0];
logic [W-1:0] ram_q;

if (URAM != 0) begin : g_uram
    (* ram_style = "ultra" *)
    logic [W-1:0] mem [FLOW_CAP];
    always_ff @(posedge clk) begin
        for (int b = 0; b < NB; b = b + 1)
            if (s_axis_wr_tvalid && s_axis_wr_strb[b])
                mem[wr_addr][32*b +: 32] <= s_axis_wr_state[32*b +: 32];
    end
    always_ff @(posedge clk) begin
        if (s_axis_rd_tvalid)
            ram_q <= mem[rd_addr];
    end
end else begin : g_bram
    (* ram_style = "block" *)
    logic [W-1:0] mem [FLOW_CAP];
    always_ff @(posedge clk) begin
        for (int b = 0; b < NB; b = b + 1)
            if (s_axis_wr_tvalid && s_axis_wr_strb[b])
                mem[wr_addr][32*b +: 32] <= s_axis_wr_state[32*b +: 32];
    end
    always_ff @(posedge clk) begin
        if (s_axis_rd_tvalid)
            ram_q <= mem[rd_addr];
    end
end

// ---------------------------------------------------------------------------
// Read pipeline: stage 1 is the RAM register; stages 2.. are pipeline
// registers where the data is merged with the writes that passed meanwhile.
// Write history: slot 0 is the write of the previous cycle, slot k the one
// k + 1 cycles ago.
// ---------------------------------------------------------------------------
localparam HW = READ_LATENCY;                 // history depth
logic [HW-1:0] h_valid;
logic [HW*ID_W-1:0] h_id;
logic [HW*W-1:0] h_data;
logic [HW*NB-1:0] h_strb;

always_ff @(posedge clk) begin
    h_valid[0] <= s_axis_wr_tvalid;
    h_id[0 +: ID_W] <= wr_addr;
    h_data[0 +: W] <= s_axis_wr_state;
    h_strb[0 +: NB] <= s_axis_wr_strb;
    for (int k = 1; k < HW; k = k + 1) begin
        h_valid[k] <= h_valid[k-1];
        h_id[k*ID_W +: ID_W] <= h_id[(k-1)*ID_W +: ID_W];
        h_data[k*W +: W] <= h_data[(k-1)*W +: W];
        h_strb[k*NB +: NB] <= h_strb[(k-1)*NB +: NB];
    end
    if (rst)
        h_valid <= '0;
end

// Merge one write into a state if it is for the same flow.
function automatic [W-1:0] merge(input [W-1:0] st, input [ID_W-1:0] id, input v,
                                 input [ID_W-1:0] wid, input [W-1:0] wd, input [NB-1:0] ws);
    merge = st;
    if (v && wid == id)
        for (int b = 0; b < NB; b = b + 1)
            if (ws[b])
                merge[32*b +: 32] = wd[32*b +: 32];
endfunction

// The read issued READ_LATENCY cycles ago saw every write before its own
// cycle; the writes of its cycle and the READ_LATENCY - 1 after it are in
// the history, the write of this cycle is on the input: merge them, oldest
// first, at the output.
logic [READ_LATENCY-1:0] p_valid;
logic [READ_LATENCY*32-1:0] p_fid;

always_ff @(posedge clk) begin
    p_valid[0] <= s_axis_rd_tvalid;
    p_fid[0 +: 32] <= s_axis_rd_flow_id;
    for (int s = 1; s < READ_LATENCY; s = s + 1) begin
        p_valid[s] <= p_valid[s-1];
        p_fid[s*32 +: 32] <= p_fid[(s-1)*32 +: 32];
    end
    if (rst)
        p_valid <= '0;
end

// RAM data through READ_LATENCY - 1 plain registers.
logic [W-1:0] ram_data_out;
if (READ_LATENCY == 1) begin : g_lat1
    assign ram_data_out = ram_q;
end else begin : g_latn
    logic [(READ_LATENCY-1)*W-1:0] d;
    always_ff @(posedge clk) begin
        d[0 +: W] <= ram_q;
        for (int s = 1; s < READ_LATENCY - 1; s = s + 1)
            d[s*W +: W] <= d[(s-1)*W +: W];
    end
    assign ram_data_out = d[(READ_LATENCY-2)*W +: W];
end

wire [31:0] out_fid = p_fid[(READ_LATENCY-1)*32 +: 32];
wire [ID_W-1:0] out_id = out_fid[ID_W-1:0];
logic [W-1:0] out_state;
always_comb begin
    out_state = ram_data_out;
    for (int k = HW - 1; k >= 0; k = k - 1)           // oldest first
        out_state = merge(out_state, out_id, h_valid[k], h_id[k*ID_W +: ID_W],
                          h_data[k*W +: W], h_strb[k*NB +: NB]);
    out_state = merge(out_state, out_id, s_axis_wr_tvalid, wr_addr,
                      s_axis_wr_state, s_axis_wr_strb);
end

assign m_axis_st_tvalid = p_valid[READ_LATENCY-1];
assign m_axis_st_flow_id = out_fid;
assign m_axis_st_state = out_state;

endmodule

`default_nettype wire
