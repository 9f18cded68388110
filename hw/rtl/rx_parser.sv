// SPDX-License-Identifier: MIT
// rx_parser: Ethernet/IPv4/TCP header parser and checksum checker.
//
// Input: received frames (no FCS), DATA_WIDTH bits per beat, tkeep
// contiguous. Output: the same beats, unchanged, on m_axis_data, and one
// metadata record per frame on m_axis_meta, issued a fixed number of cycles
// (17) after the frame's last beat, when both checksums are known. One frame
// per cycle is sustained (a 64-byte frame is one beat at DATA_WIDTH 512).
//
// What the record holds, for any frame (garbage in, defined garbage out;
// hw/sim/ref_parse.c is the bit-exact C model):
//  - header fields at their fixed offsets: Ethernet (14 bytes), IPv4 at 14,
//    TCP at 34 (meaningful only when ip_ihl == 5: the fast path punts IPv4
//    options, P2); bytes beyond the end of the frame read as zero;
//  - ip_csum_ok: the ones'-complement sum of bytes [14, max(34, 14+4*ihl))
//    present in the frame folds to 0xffff;
//  - tcp_csum_ok: the sum of bytes [14+4*ihl, max(34, 14+ip_len)) present in
//    the frame plus the pseudo header (addresses, protocol 6, length
//    ip_len - 4*ihl) folds to 0xffff. Computed as the sum of the whole IPv4
//    packet minus the IPv4 header's, so one masked adder tree per beat
//    serves both checksums;
//  - the TCP option walk of tcp_opt_parse over bytes [54, 54+4*doff-20);
//  - pay_off = 14 + 4*ihl + 4*doff and pay_len = ip_len - 4*ihl - 4*doff
//    (16-bit, wrapping when the header is bogus).
// The validity checks themselves (RUNT, IP_HDR, ... in the firmware's order)
// belong to the protocol stage; this module only measures.
//
// Pipeline: the input beat is copied to the data output register and to
// stage B with the header captured so far; C masks the beat's bytes to the
// two checksum regions and sums groups of four 16-bit words; D accumulates
// and, at the last beat, emits the frame record; E extracts fields, folds
// the IPv4 sum and adds the pseudo header; E2 forms the TCP sum; then the
// option walk (11 stages); F folds the TCP sum and holds the output record.
// Data and metadata back-pressure both stall the input (s_axis_rx_tready);
// stages B..F advance together (pipe_ce) whenever the metadata output is
// free, so a consumer that waits for a frame's record before taking its
// data must buffer at least one maximum-size frame.
`default_nettype none

module rx_parser #(
    // Stream width in bits: 64, 128, 256 or 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_rx_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_rx_tkeep,
    input  wire                   s_axis_rx_tvalid,
    output wire                   s_axis_rx_tready,
    input  wire                   s_axis_rx_tlast,

    output wire [DATA_WIDTH-1:0]  m_axis_data_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_data_tkeep,
    output wire                   m_axis_data_tvalid,
    input  wire                   m_axis_data_tready,
    output wire                   m_axis_data_tlast,

    output wire                   m_axis_meta_tvalid,
    input  wire                   m_axis_meta_tready,
    output wire [15:0]            m_axis_meta_frame_len,  // bytes (saturating)
    output wire [47:0]            m_axis_meta_dst_mac,    // wire byte i at [8*i +: 8]
    output wire [47:0]            m_axis_meta_src_mac,
    output wire [15:0]            m_axis_meta_ethertype,
    output wire [3:0]             m_axis_meta_ip_ver,
    output wire [3:0]             m_axis_meta_ip_ihl,     // 32-bit words
    output wire [7:0]             m_axis_meta_ip_tos,     // DSCP, ECN in [1:0]
    output wire [15:0]            m_axis_meta_ip_len,     // total length
    output wire                   m_axis_meta_ip_frag,    // MF or fragment offset
    output wire [7:0]             m_axis_meta_ip_proto,
    output wire [31:0]            m_axis_meta_ip_src,
    output wire [31:0]            m_axis_meta_ip_dst,
    output wire                   m_axis_meta_ip_csum_ok,
    output wire [15:0]            m_axis_meta_tcp_sport,
    output wire [15:0]            m_axis_meta_tcp_dport,
    output wire [31:0]            m_axis_meta_tcp_seq,
    output wire [31:0]            m_axis_meta_tcp_ack,
    output wire [3:0]             m_axis_meta_tcp_doff,   // 32-bit words
    output wire [7:0]             m_axis_meta_tcp_flags,  // CWR ECE URG ACK PSH RST SYN FIN
    output wire [15:0]            m_axis_meta_tcp_win,
    output wire                   m_axis_meta_tcp_csum_ok,
    output wire [15:0]            m_axis_meta_pay_off,
    output wire [15:0]            m_axis_meta_pay_len,
    output wire                   m_axis_meta_opt_ok,
    output wire                   m_axis_meta_ts,
    output wire [31:0]            m_axis_meta_ts_val,
    output wire [31:0]            m_axis_meta_ts_ecr,
    output wire [2:0]             m_axis_meta_sack_n,
    output wire [255:0]           m_axis_meta_sack        // see tcp_opt_parse
);

localparam HDR_BYTES = 96;                  // 14 + 20 + 60 rounded up
localparam HDR_W = HDR_BYTES * 8;
localparam LG_K = $clog2(KEEP_WIDTH);
localparam IDX_W = 16 - LG_K;               // beat index; idx * KEEP_WIDTH fits 16 bits
localparam NWORDS = KEEP_WIDTH / 2;
localparam NGROUPS = (NWORDS + 3) / 4;      // partial sums of four words

if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512) begin : g_err_dw
    $error("rx_parser: DATA_WIDTH must be 64, 128, 256 or 512");
end
if (KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_kw
    $error("rx_parser: KEEP_WIDTH must be DATA_WIDTH/8");
end

// Network byte order: wire byte i of a header slice is in bits [8*i +: 8].
function automatic [15:0] be16(input [15:0] w);
    be16 = {w[7:0], w[15:8]};
endfunction

function automatic [31:0] be32(input [31:0] w);
    be32 = {w[7:0], w[15:8], w[23:16], w[31:24]};
endfunction

// ---------------------------------------------------------------------------
// Input: header capture, data output register, stage B.
// ---------------------------------------------------------------------------
logic [DATA_WIDTH-1:0] out_data_reg = '0;
logic [KEEP_WIDTH-1:0] out_keep_reg = '0;
logic out_last_reg = 1'b0;
logic out_valid_reg = 1'b0;

wire meta_busy;                               // output record not taken
wire pipe_ce = !meta_busy;
wire data_ok = !out_valid_reg || m_axis_data_tready;
assign s_axis_rx_tready = data_ok && pipe_ce;
wire accept = s_axis_rx_tvalid && s_axis_rx_tready;

logic [IDX_W-1:0] idx_reg = '0;               // beat index of the next beat
logic [15:0] len_reg = '0;                    // bytes before the next beat
logic [CAP_W-1:0] cap_reg = '0;               // header bytes captured so far

localparam HDR_BEATS = (HDR_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam CAP_W = HDR_BEATS * DATA_WIDTH;  // capture register, whole beats

// The input beat with bytes outside tkeep zeroed.
logic [DATA_WIDTH-1:0] beat_masked;
wire [15:0] beat_bytes = 16'(keep_pkg::keep_bytes(64'(s_axis_rx_tkeep)));
always_comb begin
    for (int i = 0; i < KEEP_WIDTH; i = i + 1)
        beat_masked[8*i +: 8] = s_axis_rx_tkeep[i] ? s_axis_rx_tdata[8*i +: 8] : 8'd0;
end

// Header captured so far, including this beat (whole beats; a new frame
// clears what the last one left).
logic [CAP_W-1:0] cap_next;
always_comb begin
    for (int k = 0; k < HDR_BEATS; k = k + 1) begin
        if (idx_reg == IDX_W'(k))
            cap_next[k*DATA_WIDTH +: DATA_WIDTH] = beat_masked;
        else if (idx_reg == '0)
            cap_next[k*DATA_WIDTH +: DATA_WIDTH] = '0;
        else
            cap_next[k*DATA_WIDTH +: DATA_WIDTH] = cap_reg[k*DATA_WIDTH +: DATA_WIDTH];
    end
end
wire [HDR_W-1:0] hdr_next = cap_next[HDR_W-1:0];

wire [15:0] len_sum = len_reg + beat_bytes;
wire [15:0] len_next = len_sum < len_reg ? 16'hffff : len_sum;   // saturate

logic b_valid = 1'b0, b_last = 1'b0;
logic [DATA_WIDTH-1:0] b_data;
logic [KEEP_WIDTH-1:0] b_keep;
logic [IDX_W-1:0] b_idx;
logic [15:0] b_len;
logic [HDR_W-1:0] b_hdr;

always_ff @(posedge clk) begin
    if (accept) begin
        out_data_reg <= s_axis_rx_tdata;
        out_keep_reg <= s_axis_rx_tkeep;
        out_last_reg <= s_axis_rx_tlast;
        cap_reg <= cap_next;
        if (s_axis_rx_tlast) begin
            idx_reg <= '0;
            len_reg <= '0;
        end else begin
            if (idx_reg != '1)
                idx_reg <= idx_reg + 1'b1;
            len_reg <= len_next;
        end
    end
    if (accept)
        out_valid_reg <= 1'b1;
    else if (m_axis_data_tready)
        out_valid_reg <= 1'b0;

    if (pipe_ce) begin
        b_valid <= accept;
        b_last <= s_axis_rx_tlast;
        b_data <= s_axis_rx_tdata;
        b_keep <= s_axis_rx_tkeep;
        b_idx <= idx_reg;
        b_len <= len_next;
        b_hdr <= hdr_next;
    end
    if (rst) begin
        out_valid_reg <= 1'b0;
        idx_reg <= '0;
        len_reg <= '0;
        b_valid <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Stage C: mask the beat to the two checksum regions, partial word sums.
// ---------------------------------------------------------------------------
wire [3:0] b_ihl = b_hdr[8*14 +: 4];
wire [15:0] b_ip_len = be16(b_hdr[8*16 +: 16]);
wire [16:0] end_all_raw = 17'd14 + 17'(b_ip_len);
wire [16:0] end_all = end_all_raw < 17'd34 ? 17'd34 : end_all_raw;
wire [16:0] end_ip_raw = 17'd14 + 17'({b_ihl, 2'b00});
wire [16:0] end_ip = end_ip_raw < 17'd34 ? 17'd34 : end_ip_raw;
wire [16:0] base = 17'({b_idx, LG_K'(0)});

logic [KEEP_WIDTH-1:0] in_all, in_ip;
logic [NGROUPS*18-1:0] psum_all, psum_ip;      // group g at [18*g +: 18]
always_comb begin
    for (int j = 0; j < KEEP_WIDTH; j = j + 1) begin
        in_all[j] = b_keep[j] && base + 17'(j) >= 17'd14 && base + 17'(j) < end_all;
        in_ip[j] = b_keep[j] && base + 17'(j) >= 17'd14 && base + 17'(j) < end_ip;
    end
    for (int g = 0; g < NGROUPS; g = g + 1) begin
        psum_all[18*g +: 18] = '0;
        psum_ip[18*g +: 18] = '0;
        for (int w = 4 * g; w < 4 * g + 4 && w < NWORDS; w = w + 1) begin
            psum_all[18*g +: 18] = psum_all[18*g +: 18] + 18'({in_all[2*w] ? b_data[16*w +: 8] : 8'd0,
                                             in_all[2*w+1] ? b_data[16*w+8 +: 8] : 8'd0});
            psum_ip[18*g +: 18] = psum_ip[18*g +: 18] + 18'({in_ip[2*w] ? b_data[16*w +: 8] : 8'd0,
                                           in_ip[2*w+1] ? b_data[16*w+8 +: 8] : 8'd0});
        end
    end
end

logic c_valid = 1'b0, c_last = 1'b0, c_first = 1'b0;
logic [NGROUPS*18-1:0] c_psum_all, c_psum_ip;
logic [15:0] c_len;
logic [HDR_W-1:0] c_hdr;

always_ff @(posedge clk) begin
    if (pipe_ce) begin
        c_valid <= b_valid;
        c_last <= b_last;
        c_first <= b_idx == '0;
        c_psum_all <= psum_all;
        c_psum_ip <= psum_ip;
        c_len <= b_len;
        c_hdr <= b_hdr;
    end
    if (rst)
        c_valid <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage D: accumulate; at the last beat, the frame record.
// ---------------------------------------------------------------------------
logic [31:0] acc_all_reg = '0, acc_ip_reg = '0;
logic [31:0] acc_all_next, acc_ip_next;
always_comb begin
    acc_all_next = c_first ? 32'd0 : acc_all_reg;
    acc_ip_next = c_first ? 32'd0 : acc_ip_reg;
    for (int g = 0; g < NGROUPS; g = g + 1) begin
        acc_all_next = acc_all_next + 32'(c_psum_all[18*g +: 18]);
        acc_ip_next = acc_ip_next + 32'(c_psum_ip[18*g +: 18]);
    end
end

logic d_valid = 1'b0;
logic [15:0] d_len;
// verilator lint_off UNUSEDSIGNAL
logic [HDR_W-1:0] d_hdr;                      // checksums, id, TTL, urgent unused
// verilator lint_on UNUSEDSIGNAL
logic [31:0] d_sum_all, d_sum_ip;

always_ff @(posedge clk) begin
    if (pipe_ce) begin
        if (c_valid) begin
            acc_all_reg <= acc_all_next;
            acc_ip_reg <= acc_ip_next;
        end
        d_valid <= c_valid && c_last;
        d_len <= c_len;
        d_hdr <= c_hdr;
        d_sum_all <= acc_all_next;
        d_sum_ip <= acc_ip_next;
    end
    if (rst)
        d_valid <= 1'b0;
end

// ---------------------------------------------------------------------------
// Stage E: fields, IPv4 checksum, pseudo header.
// ---------------------------------------------------------------------------
function automatic [15:0] fold32(input [31:0] s);
    logic [16:0] t;
    t = 17'(s[15:0]) + 17'(s[31:16]);
    fold32 = t[15:0] + 16'(t[16]);
endfunction

wire [3:0] d_ihl = d_hdr[8*14 +: 4];
wire [3:0] d_doff = d_hdr[8*46+4 +: 4];
wire [15:0] d_ip_len = be16(d_hdr[8*16 +: 16]);
wire [15:0] d_tcp_len = d_ip_len - 16'({d_ihl, 2'b00});
wire [15:0] d_ip_fold = fold32(d_sum_ip);
wire [18:0] d_pseudo = 19'(be16(d_hdr[8*26 +: 16])) + 19'(be16(d_hdr[8*28 +: 16])) + 19'(be16(d_hdr[8*30 +: 16])) +
                       19'(be16(d_hdr[8*32 +: 16])) + 19'd6 + 19'(d_tcp_len);
wire [5:0] d_opt_len = d_doff < 4'd5 ? 6'd0 : 6'({d_doff, 2'b00} - 6'd20);

// Fields carried through the option walk (the order is the unpack below).
localparam UW = 16 + 48 + 48 + 16 + 4 + 4 + 8 + 16 + 1 + 8 + 32 + 32 + 1 +
                16 + 16 + 32 + 32 + 4 + 8 + 16 + 16 + 16 + 32;

logic e_valid = 1'b0;
logic [UW-33:0] e_user;                     // all but tcp_sum
logic [319:0] e_opt;
logic [5:0] e_opt_len;
logic [31:0] e_sum_all;
logic [15:0] e_ip_fold;
logic [18:0] e_pseudo;


always_ff @(posedge clk) begin
    if (pipe_ce) begin
        e_valid <= d_valid;
        e_user <= {
            d_len,                              // frame_len
            d_hdr[8*0 +: 48],                   // dst_mac
            d_hdr[8*6 +: 48],                   // src_mac
            be16(d_hdr[8*12 +: 16]),                     // ethertype
            d_hdr[8*14+4 +: 4],                 // ip_ver
            d_ihl,                              // ip_ihl
            d_hdr[8*15 +: 8],                      // ip_tos
            d_ip_len,                           // ip_len
            (be16(d_hdr[8*20 +: 16]) & 16'h3fff) != 16'd0, // ip_frag
            d_hdr[8*23 +: 8],                      // ip_proto
            be32(d_hdr[8*26 +: 32]),                     // ip_src
            be32(d_hdr[8*30 +: 32]),                     // ip_dst
            d_ip_fold == 16'hffff,              // ip_csum_ok
            be16(d_hdr[8*34 +: 16]),                     // tcp_sport
            be16(d_hdr[8*36 +: 16]),                     // tcp_dport
            be32(d_hdr[8*38 +: 32]),                     // tcp_seq
            be32(d_hdr[8*42 +: 32]),                     // tcp_ack
            d_doff,                             // tcp_doff
            d_hdr[8*47 +: 8],                      // tcp_flags
            be16(d_hdr[8*48 +: 16]),                     // tcp_win
            16'd14 + 16'({d_ihl, 2'b00}) + 16'({d_doff, 2'b00}),  // pay_off
            d_tcp_len - 16'({d_doff, 2'b00})    // pay_len
        };
        e_opt <= d_hdr[8*54 +: 320];
        e_opt_len <= d_opt_len;
        e_sum_all <= d_sum_all;
        e_ip_fold <= d_ip_fold;
        e_pseudo <= d_pseudo;
    end
    if (rst)
        e_valid <= 1'b0;
end

// Stage E2: TCP sum = packet sum - IPv4 header sum + pseudo header.
wire [15:0] e_ip_inv = ~e_ip_fold;
logic e2_valid = 1'b0;
logic [UW-1:0] e2_user;
logic [319:0] e2_opt;
logic [5:0] e2_opt_len;

always_ff @(posedge clk) begin
    if (pipe_ce) begin
        e2_valid <= e_valid;
        e2_user <= {e_user, e_sum_all + 32'(e_ip_inv) + 32'(e_pseudo)};   // tcp_sum
        e2_opt <= e_opt;
        e2_opt_len <= e_opt_len;
    end
    if (rst)
        e2_valid <= 1'b0;
end

// ---------------------------------------------------------------------------
// Option walk, then stage F: fold the TCP sum; output record.
// ---------------------------------------------------------------------------
wire w_valid, w_opt_ok, w_ts;
wire [UW-1:0] w_user;
wire [31:0] w_ts_val, w_ts_ecr;
wire [2:0] w_sack_n;
wire [255:0] w_sack;

tcp_opt_parse #(
    .USER_WIDTH(UW)
) opt_inst (
    .clk(clk),
    .rst(rst),
    .ce(pipe_ce),
    .in_valid(e2_valid),
    .in_user(e2_user),
    .in_opt(e2_opt),
    .in_len(e2_opt_len),
    .out_valid(w_valid),
    .out_user(w_user),
    .out_opt_ok(w_opt_ok),
    .out_ts(w_ts),
    .out_ts_val(w_ts_val),
    .out_ts_ecr(w_ts_ecr),
    .out_sack_n(w_sack_n),
    .out_sack(w_sack)
);

logic f_valid = 1'b0;
logic [UW-1:0] f_user;
logic f_tcp_ok, f_opt_ok, f_ts;
logic [31:0] f_ts_val, f_ts_ecr;
logic [2:0] f_sack_n;
logic [255:0] f_sack;

always_ff @(posedge clk) begin
    if (pipe_ce) begin
        f_valid <= w_valid;
        f_user <= w_user;
        f_tcp_ok <= fold32(w_user[31:0]) == 16'hffff;
        f_opt_ok <= w_opt_ok;
        f_ts <= w_ts;
        f_ts_val <= w_ts_val;
        f_ts_ecr <= w_ts_ecr;
        f_sack_n <= w_sack_n;
        f_sack <= w_sack;
    end
    if (rst)
        f_valid <= 1'b0;
end

assign meta_busy = f_valid && !m_axis_meta_tready;

// verilator lint_off UNUSEDSIGNAL
wire [31:0] f_tcp_sum_unused;              // folded into f_tcp_ok
// verilator lint_on UNUSEDSIGNAL
assign {
    m_axis_meta_frame_len, m_axis_meta_dst_mac, m_axis_meta_src_mac,
    m_axis_meta_ethertype, m_axis_meta_ip_ver, m_axis_meta_ip_ihl, m_axis_meta_ip_tos,
    m_axis_meta_ip_len, m_axis_meta_ip_frag, m_axis_meta_ip_proto, m_axis_meta_ip_src,
    m_axis_meta_ip_dst, m_axis_meta_ip_csum_ok, m_axis_meta_tcp_sport,
    m_axis_meta_tcp_dport, m_axis_meta_tcp_seq, m_axis_meta_tcp_ack,
    m_axis_meta_tcp_doff, m_axis_meta_tcp_flags, m_axis_meta_tcp_win,
    m_axis_meta_pay_off, m_axis_meta_pay_len, f_tcp_sum_unused
} = f_user;

assign m_axis_meta_tvalid = f_valid;
assign m_axis_meta_tcp_csum_ok = f_tcp_ok;
assign m_axis_meta_opt_ok = f_opt_ok;
assign m_axis_meta_ts = f_ts;
assign m_axis_meta_ts_val = f_ts_val;
assign m_axis_meta_ts_ecr = f_ts_ecr;
assign m_axis_meta_sack_n = f_sack_n;
assign m_axis_meta_sack = f_sack;

assign m_axis_data_tdata = out_data_reg;
assign m_axis_data_tkeep = out_keep_reg;
assign m_axis_data_tvalid = out_valid_reg;
assign m_axis_data_tlast = out_last_reg;

endmodule

`default_nettype wire
