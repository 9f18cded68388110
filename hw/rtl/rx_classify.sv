// SPDX-License-Identifier: MIT
// rx_classify: the checks at the head of the receive path, in the order of
// firmware/fp_rx.c, for one segment per cycle.
//
// Punt to the slow path when ... (enum toffee_exc_reason; the same numbered
// list heads firmware/fp_rx.c, and each check below is tagged [Pn]):
//   P1  the frame is not IPv4 (ARP, IPv6, VLAN-tagged, ...)
//   P2  the IPv4 header has options, or the packet is a fragment
//   P3  the IPv4 protocol is not TCP
//   P4  no flow is installed for the 4-tuple
//   P5  the flow is marked TOFFEE_FLOWF_SLOWPATH
//   P6  SYN is set
//   P7  RST is set
//   P8  ACK is not set
//   P9  a TCP option other than NOP, EOL, timestamps or SACK, or a malformed
//       option list
//   P10 the ACK field acknowledges data never sent (beyond snd_max)
//   P11 the segment starts beyond the receive window (RFC 9293 §3.10.7.4)
//   P12 payload arrives while our receive window is zero (window probe)
//   P13 a FIN was accepted in order (after its payload was delivered and
//       ACKed here; the slow path runs the close state machine)
// P1..P9 depend on the frame, the configuration, the flow table and the
// flow's flags only, and are decided here; P10..P13 need the protocol state
// and belong to the protocol step (rx_protocol, docs/rtl.md), which takes
// this module's PASS verdicts.
//
// Drop and count (enum toffee_drop_reason) when the NIC is disabled, the
// frame is oversize, truncated, not addressed to us, or has a bad IPv4 or
// TCP header or checksum - interleaved with P1..P3 exactly as in fp_rx().
//
// Input: the parser's record (rx_parser) with the flow lookup's result and
// the flow's flags (flow_state); output: the verdict one cycle later.
`default_nettype none

module rx_classify (
    input  wire         clk,
    input  wire         rst,

    // Configuration (axil_regs).
    input  wire [31:0]  ctrl,
    input  wire [47:0]  mac,                 // wire byte i at [8*i +: 8]

    input  wire         s_axis_seg_tvalid,
    output wire         s_axis_seg_tready,
    input  wire [15:0]  s_axis_seg_frame_len,
    input  wire [47:0]  s_axis_seg_dst_mac,
    input  wire [15:0]  s_axis_seg_ethertype,
    input  wire [3:0]   s_axis_seg_ip_ver,
    input  wire [3:0]   s_axis_seg_ip_ihl,
    input  wire [15:0]  s_axis_seg_ip_len,
    input  wire         s_axis_seg_ip_frag,
    input  wire [7:0]   s_axis_seg_ip_proto,
    input  wire         s_axis_seg_ip_csum_ok,
    input  wire [3:0]   s_axis_seg_tcp_doff,
    input  wire [7:0]   s_axis_seg_tcp_flags,
    input  wire         s_axis_seg_tcp_csum_ok,
    input  wire         s_axis_seg_opt_ok,
    input  wire         s_axis_seg_hit,      // the 4-tuple has a flow
    input  wire [31:0]  s_axis_seg_flow_id,
    input  wire [15:0]  s_axis_seg_flow_flags,

    output wire         m_axis_verdict_tvalid,
    input  wire         m_axis_verdict_tready,
    output wire [1:0]   m_axis_verdict_kind,    // VERDICT_*
    output wire [7:0]   m_axis_verdict_reason,  // drop or exception reason
    output wire [31:0]  m_axis_verdict_flow_id  // FLOW_NONE for P1..P4
);

localparam [1:0] VERDICT_PASS = 2'd0;   // on to the protocol step (P10..)
localparam [1:0] VERDICT_DROP = 2'd1;   // count DROP_<reason>, nothing else
localparam [1:0] VERDICT_PUNT = 2'd2;   // exception <reason> to the slow path

// TCP header flags.
localparam FIN = 0, SYN = 1, RST = 2, ACK = 4;

wire [15:0] len = s_axis_seg_frame_len;
wire [15:0] ihl4 = {10'd0, s_axis_seg_ip_ihl, 2'b00};
wire [15:0] thl = {10'd0, s_axis_seg_tcp_doff, 2'b00};
wire [16:0] ip_end = 17'd14 + 17'(s_axis_seg_ip_len);
wire [15:0] tcp_len = s_axis_seg_ip_len - 16'd20;
wire mac_ok = s_axis_seg_dst_mac == mac || s_axis_seg_dst_mac[0] ||
              (ctrl & toffee_abi_pkg::CTRL_PROMISC) != 32'd0;
wire enabled = (ctrl & toffee_abi_pkg::CTRL_ENABLE) != 32'd0;

logic [1:0] kind;
logic [7:0] reason;
logic with_flow;
always_comb begin
    kind = VERDICT_PASS;
    reason = 8'd0;
    with_flow = 1'b0;
    if (!enabled) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_DISABLED;
    end else if (len > 16'(toffee_abi_pkg::MAX_FRAME)) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_OVERSIZE;
    end else if (len < 16'd14) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_RUNT;
    end else if (!mac_ok) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_NOT_FOR_US;
    end else if (s_axis_seg_ethertype != 16'h0800) begin
        kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_NOT_IPV4;            // [P1]
    end else if (len < 16'd34) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_RUNT;
    end else if (s_axis_seg_ip_ver != 4'd4 || s_axis_seg_ip_ihl < 4'd5) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_IP_HDR;
    end else if (s_axis_seg_ip_len < ihl4 || ip_end > 17'(len)) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_IP_HDR;
    end else if (s_axis_seg_ip_ihl != 4'd5 || s_axis_seg_ip_frag) begin
        kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_IP_OPTS_FRAG;        // [P2]
    end else if (!s_axis_seg_ip_csum_ok) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_IP_CSUM;
    end else if (s_axis_seg_ip_proto != 8'd6) begin
        kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_NOT_TCP;             // [P3]
    end else if (s_axis_seg_ip_len < 16'd40) begin          // tcp_len < 20
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_RUNT;
    end else if (thl < 16'd20 || thl > tcp_len) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_TCP_HDR;
    end else if (!s_axis_seg_tcp_csum_ok) begin
        kind = VERDICT_DROP; reason = toffee_abi_pkg::DROP_TCP_CSUM;
    end else if (!s_axis_seg_hit) begin
        kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_NO_FLOW;             // [P4]
    end else begin
        with_flow = 1'b1;
        if ((s_axis_seg_flow_flags & toffee_abi_pkg::FLOWF_SLOWPATH) != 16'd0) begin
            kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_SLOW_FLOW;       // [P5]
        end else if (s_axis_seg_tcp_flags[SYN]) begin
            kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_SYN;             // [P6]
        end else if (s_axis_seg_tcp_flags[RST]) begin
            kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_RST;             // [P7]
        end else if (!s_axis_seg_tcp_flags[ACK]) begin
            kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_NO_ACK;          // [P8]
        end else if (!s_axis_seg_opt_ok) begin
            kind = VERDICT_PUNT; reason = toffee_abi_pkg::EXC_OPTIONS;         // [P9]
        end
    end
end

// verilator lint_off UNUSEDSIGNAL
wire unused_fin = s_axis_seg_tcp_flags[FIN];     // P13, in the protocol step
// verilator lint_on UNUSEDSIGNAL

logic v_valid = 1'b0;
logic [1:0] v_kind;
logic [7:0] v_reason;
logic [31:0] v_flow;

assign s_axis_seg_tready = !v_valid || m_axis_verdict_tready;

always_ff @(posedge clk) begin
    if (s_axis_seg_tready) begin
        v_valid <= s_axis_seg_tvalid;
        v_kind <= kind;
        v_reason <= reason;
        v_flow <= with_flow ? s_axis_seg_flow_id : toffee_abi_pkg::FLOW_NONE;
    end
    if (rst)
        v_valid <= 1'b0;
end

assign m_axis_verdict_tvalid = v_valid;
assign m_axis_verdict_kind = v_kind;
assign m_axis_verdict_reason = v_reason;
assign m_axis_verdict_flow_id = v_flow;

endmodule

`default_nettype wire
