// SPDX-License-Identifier: MIT
// dma_rd_arb: shares the DMA read interface between N requesters.
//
// A read request {addr, len (bytes), tag} is answered, in request order, by
// the naturally aligned beats covering [addr, addr + len) with the request's
// tag and last on the final beat (the contract of the shell, docs/rtl.md).
// The arbiter grants requests round robin, widens the tag with the source
// number on the way out and routes each response beat back by it, so any
// number of requests may be outstanding. A requester must accept its
// responses (back-pressure on one requester stalls the shared response
// stream).
`default_nettype none

module dma_rd_arb #(
    // Number of requesters, 2 .. 16.
    parameter N = 2,
    // DMA data width in bits.
    parameter DATA_WIDTH = 64,
    // Tag width of each requester.
    parameter TAG_WIDTH = 8,
    // Tag width towards the shell (derived).
    parameter M_TAG_WIDTH = TAG_WIDTH + $clog2(N)
) (
    input  wire                        clk,
    input  wire                        rst,

    input  wire [N-1:0]                s_axis_rd_req_tvalid,
    output wire [N-1:0]                s_axis_rd_req_tready,
    input  wire [N*64-1:0]             s_axis_rd_req_addr,
    input  wire [N*16-1:0]             s_axis_rd_req_len,
    input  wire [N*TAG_WIDTH-1:0]      s_axis_rd_req_tag,

    output wire                        m_axis_rd_req_tvalid,
    input  wire                        m_axis_rd_req_tready,
    output wire [63:0]                 m_axis_rd_req_addr,
    output wire [15:0]                 m_axis_rd_req_len,
    output wire [M_TAG_WIDTH-1:0]      m_axis_rd_req_tag,

    input  wire                        s_axis_rd_resp_tvalid,
    output wire                        s_axis_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]       s_axis_rd_resp_data,
    input  wire [M_TAG_WIDTH-1:0]      s_axis_rd_resp_tag,
    input  wire                        s_axis_rd_resp_last,

    output wire [N-1:0]                m_axis_rd_resp_tvalid,
    input  wire [N-1:0]                m_axis_rd_resp_tready,
    output wire [DATA_WIDTH-1:0]       m_axis_rd_resp_data,  // shared by all
    output wire [TAG_WIDTH-1:0]        m_axis_rd_resp_tag,
    output wire                        m_axis_rd_resp_last
);

localparam SEL_W = $clog2(N);

if (N < 2 || N > 16) begin : g_err_n
    $error("dma_rd_arb: N must be in 2 .. 16");
end
if (M_TAG_WIDTH != TAG_WIDTH + SEL_W) begin : g_err_tag
    $error("dma_rd_arb: M_TAG_WIDTH must be TAG_WIDTH + clog2(N)");
end

logic [SEL_W-1:0] prio_reg = '0;
logic [SEL_W-1:0] pick;
logic any;
always_comb begin
    pick = '0;
    any = 1'b0;
    for (int k = N - 1; k >= 0; k = k - 1) begin
        logic [SEL_W:0] i;
        i = (SEL_W+1)'(prio_reg) + (SEL_W+1)'(k);
        if (i >= (SEL_W+1)'(N))
            i = i - (SEL_W+1)'(N);
        if (s_axis_rd_req_tvalid[i[SEL_W-1:0]]) begin
            pick = i[SEL_W-1:0];
            any = 1'b1;
        end
    end
end

always_ff @(posedge clk) begin
    if (any && m_axis_rd_req_tready)
        prio_reg <= pick == SEL_W'(N - 1) ? '0 : pick + 1'b1;
    if (rst)
        prio_reg <= '0;
end

assign m_axis_rd_req_tvalid = any;
assign m_axis_rd_req_addr = s_axis_rd_req_addr[pick*64 +: 64];
assign m_axis_rd_req_len = s_axis_rd_req_len[pick*16 +: 16];
assign m_axis_rd_req_tag = {pick, s_axis_rd_req_tag[pick*TAG_WIDTH +: TAG_WIDTH]};
assign s_axis_rd_req_tready = any ? (N'(m_axis_rd_req_tready) << pick) : '0;

wire [SEL_W-1:0] dst = s_axis_rd_resp_tag[M_TAG_WIDTH-1 -: SEL_W];
assign m_axis_rd_resp_tvalid = s_axis_rd_resp_tvalid ? (N'(1) << dst) : '0;
assign s_axis_rd_resp_tready = m_axis_rd_resp_tready[dst];
assign m_axis_rd_resp_data = s_axis_rd_resp_data;
assign m_axis_rd_resp_tag = s_axis_rd_resp_tag[TAG_WIDTH-1:0];
assign m_axis_rd_resp_last = s_axis_rd_resp_last;

endmodule

`default_nettype wire
