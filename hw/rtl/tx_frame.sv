// SPDX-License-Identifier: MIT
// tx_frame: the frame of a data segment or of a pure ACK, byte for byte as
// the firmware's fp_build_headers() / fp_send_ack() (firmware/fp_internal.h)
// with fp_put_tcp_csum() and the payload of tx_segment() (firmware/fp_tx.c).
//
//   Ethernet  dst = the flow's remote_mac, src = `mac` (the MAC registers,
//             byte i = bits 8i+7:8i as REG_MAC_LO/HI), type 0x0800
//   IPv4      ihl 5, tos, total length, ID 0, DF, TTL 64, TCP, checksum,
//             local_ip -> remote_ip
//   TCP       local_port -> remote_port, seq, ack = rcv_nxt, data offset,
//             flags, window = min(rx_avail >> rcv_wscale, 0xffff),
//             checksum, urgent 0; with FLOWF_TS the option NOP NOP TS with
//             TSval = now_ns >> TS_SHIFT and TSecr = ts_recent; a pure ACK
//             of a flow with FLOWF_SACK then has NOP NOP SACK with a D-SACK
//             block [dup_seq, dup_seq + dup_len) if dup_len != 0 and the
//             out-of-order interval [ooo_start, ooo_start + ooo_len) if
//             ooo_len != 0, in that order (as fp_tx_ack())
//
// A request (s_axis_req) is either an ACK (is_ack: seq = snd_nxt, flags ACK
// plus ECE if `ece`, no payload, tos 0, as fp_send_ack) or a data segment
// (seq, flags, len, tos as tx_segment.sv computed them). The payload arrives
// on s_axis_pay as ceil(len / B) beats, beat k = payload bytes
// [k*B, k*B + B) (B = DATA_WIDTH / 8; the engine realigned the DMA data;
// bytes past len are ignored). The payload is stored in a buffer while it is
// summed, because the TCP checksum precedes it on the wire; then the whole
// frame (header + payload, unpadded: mac_tx pads) leaves on m_axis_tx.
//
// Frames overlap: a request is held in stage R while its payload beats
// (one per cycle) go into a bank of the buffer and are summed; its header
// and checksums then go through six stages (P1 .. P6), one frame in each,
// while R takes the next request; P6 hands the frame (header with
// checksums, bank) to the emitter as the emitter issues the previous
// frame's last beat, and the emitter sends the beats, one per cycle while
// m_axis_tx_tready. A pure ACK can follow an ACK every cycle into the
// pipeline; frames with payload use the two banks, so at most two of them
// are in tx_frame at once.
// Checksums are computed from the field values in network-order 16-bit
// words; a non-zero sum folds to [1, 0xffff] exactly like the firmware's
// fp_csum_fold_nz(), so the complemented value is identical.
`default_nettype none

module tx_frame #(
    // Stream width in bits: 64 (simulation, 10G) to 512 (100G).
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8,
    // Largest payload in bytes (INSTALL enforces header + mss <= MAX_FRAME).
    parameter MAX_PAYLOAD = 1518 - 54
) (
    input  wire                   clk,
    input  wire                   rst,

    // Local MAC address (byte i = bits 8i+7:8i).
    input  wire [47:0]            mac,

    // Frame request.
    input  wire                   s_axis_req_tvalid,
    output wire                   s_axis_req_tready,
    input  wire [1023:0]          s_axis_req_state,    // struct toffee_flow, byte i at [8i +: 8]
    input  wire                   s_axis_req_is_ack,   // pure ACK (seq/flags/len/tos ignored)
    input  wire                   s_axis_req_ece,      // ACK: set ECE
    input  wire [31:0]            s_axis_req_dup_seq,  // ACK: D-SACK block start
    input  wire [15:0]            s_axis_req_dup_len,  // ACK: its length (0 = none)
    input  wire [31:0]            s_axis_req_seq,
    input  wire [7:0]             s_axis_req_flags,
    input  wire [15:0]            s_axis_req_len,      // payload bytes <= MAX_PAYLOAD
    input  wire [7:0]             s_axis_req_tos,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [63:0]            s_axis_req_now_ns,   // TSval = now_ns >> TS_SHIFT
    // verilator lint_on UNUSEDSIGNAL

    // Payload beats of the current request.
    input  wire [DATA_WIDTH-1:0]  s_axis_pay_tdata,
    input  wire                   s_axis_pay_tvalid,
    output wire                   s_axis_pay_tready,

    // The frame, to mac_tx.
    output wire [DATA_WIDTH-1:0]  m_axis_tx_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tx_tkeep,
    output wire                   m_axis_tx_tvalid,
    input  wire                   m_axis_tx_tready,
    output wire                   m_axis_tx_tlast,

    // A request taken and its frame not yet fully handed to m_axis_tx.
    output wire                   busy
);

localparam B = KEEP_WIDTH;
localparam NW = B / 2;                         // 16-bit words per beat
localparam NG = (NW + 3) / 4;                  // groups of four words
localparam DEPTH = 1 << $clog2((MAX_PAYLOAD + B - 1) / B + 1);
localparam AW = $clog2(DEPTH);
localparam HMAX = 86;                          // timestamps and two SACK blocks
localparam HBEATS = (HMAX + B - 1) / B;        // beats that hold header bytes
localparam HPAD = HBEATS * B;                  // header vector, padded
// Header lengths without / with the timestamp option, their beat split.
localparam [6:0] H0 = 7'd54, H1 = 7'd66;
localparam R0 = 54 % B, R1 = 66 % B;
localparam NHB0 = 54 / B, NHB1 = 66 / B;
localparam JW = $clog2((MAX_PAYLOAD + HMAX + B - 1) / B + 1);   // beat index
// Fields a frame carries along the header pipeline: bank, timestamps,
// header length, payload length.
localparam MW = 1 + 1 + 7 + 16;

if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512) begin : g_err_dw
    $error("tx_frame: DATA_WIDTH must be 64, 128, 256 or 512");
end
if (KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_kw
    $error("tx_frame: KEEP_WIDTH must be DATA_WIDTH / 8");
end
if (MAX_PAYLOAD < 1 || MAX_PAYLOAD > 9000) begin : g_err_max
    $error("tx_frame: MAX_PAYLOAD must be in 1 .. 9000");
end
if (32'(toffee_abi_pkg::FLOW_BYTES) != 128) begin : g_err_abi
    $error("tx_frame: struct toffee_flow is no longer 128 bytes");
end

function automatic [15:0] bs16(input [15:0] v);
    bs16 = {v[7:0], v[15:8]};
endfunction
function automatic [31:0] bs32(input [31:0] v);
    bs32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
endfunction

// ---------------------------------------------------------------------------
// Stage R: the request registers, held while its payload is loaded and
// summed.
// ---------------------------------------------------------------------------
logic [31:0] r_lip, r_rip, r_seq, r_ack, r_rx_avail, r_ts_recent, r_tsval;
logic [15:0] r_lport, r_rport, r_len;
logic [47:0] r_rmac, r_mac;
logic [7:0] r_flags, r_tos;
logic [4:0] r_wscale;
logic r_ts;
logic [1:0] r_nblk;                            // SACK blocks (pure ACKs)
logic [31:0] r_b0l, r_b0r, r_b1l, r_b1r;       // their edges

logic r_v = 1'b0;                              // R holds a request
logic r_load = 1'b0;                           // ... its payload beats still coming
logic [1:0] r_settle = '0;                     // cycles since its last beat (3: summed)
logic r_bank;                                  // the bank of its payload
logic [1:0] data_cnt = '0;                     // frames with payload taken, not yet emitted
logic lb = 1'b0;                               // the bank the next payload goes to
wire adv;                                      // the header pipeline moves
wire r_go = r_v && !r_load && r_settle == 2'd3 && adv;   // R -> P1
// A new request as R empties; one with payload needs a free bank (the
// other may still be emitted), so two frames with payload at most.
assign s_axis_req_tready = (!r_v || r_go) && data_cnt != 2'd2;
wire take_req = s_axis_req_tvalid && s_axis_req_tready;
wire req_pay = !s_axis_req_is_ack && s_axis_req_len != 16'd0;

function automatic [31:0] fld32(input [1023:0] s, input [31:0] off);
    fld32 = s[off*8 +: 32];
endfunction

// SACK blocks of a pure ACK: a D-SACK block, then the interval.
wire req_sack = s_axis_req_is_ack && (s_axis_req_state[toffee_abi_pkg::FLOW_FLAGS_OFF*8 +: 16] &
                                      toffee_abi_pkg::FLOWF_SACK) != 16'd0;
wire [31:0] req_ooo_start = fld32(s_axis_req_state, toffee_abi_pkg::FLOW_OOO_START_OFF);
wire [31:0] req_ooo_len = fld32(s_axis_req_state, toffee_abi_pkg::FLOW_OOO_LEN_OFF);
wire req_dsack = req_sack && s_axis_req_dup_len != 16'd0;
wire req_osack = req_sack && req_ooo_len != 32'd0;

always_ff @(posedge clk) begin
    if (take_req) begin
        r_lip <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_LOCAL_IP_OFF);
        r_rip <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_REMOTE_IP_OFF);
        r_lport <= s_axis_req_state[toffee_abi_pkg::FLOW_LOCAL_PORT_OFF*8 +: 16];
        r_rport <= s_axis_req_state[toffee_abi_pkg::FLOW_REMOTE_PORT_OFF*8 +: 16];
        r_rmac <= s_axis_req_state[toffee_abi_pkg::FLOW_REMOTE_MAC_OFF*8 +: 48];
        r_ts <= (s_axis_req_state[toffee_abi_pkg::FLOW_FLAGS_OFF*8 +: 16] &
                 toffee_abi_pkg::FLOWF_TS) != 16'd0;
        // x86 shifts by the count modulo 32; rcv_wscale <= 14 in practice.
        r_wscale <= s_axis_req_state[toffee_abi_pkg::FLOW_RCV_WSCALE_OFF*8 +: 5];
        r_ack <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_RCV_NXT_OFF);
        r_rx_avail <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_RX_AVAIL_OFF);
        r_ts_recent <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_TS_RECENT_OFF);
        r_tsval <= s_axis_req_now_ns[toffee_abi_pkg::TS_SHIFT +: 32];
        r_mac <= mac;
        r_nblk <= 2'(req_dsack) + 2'(req_osack);
        r_b0l <= req_dsack ? s_axis_req_dup_seq : req_ooo_start;
        r_b0r <= req_dsack ? s_axis_req_dup_seq + 32'(s_axis_req_dup_len) : req_ooo_start + req_ooo_len;
        r_b1l <= req_ooo_start;
        r_b1r <= req_ooo_start + req_ooo_len;
        if (s_axis_req_is_ack) begin
            r_seq <= fld32(s_axis_req_state, toffee_abi_pkg::FLOW_SND_NXT_OFF);
            r_flags <= {1'b0, s_axis_req_ece, 6'h10};
            r_len <= 16'd0;
            r_tos <= 8'd0;
        end else begin
            r_seq <= s_axis_req_seq;
            r_flags <= s_axis_req_flags;
            r_len <= s_axis_req_len;
            r_tos <= s_axis_req_tos;
        end
    end
end

// ---------------------------------------------------------------------------
// Header pipeline: P1 .. P6, one frame per stage, all moving together
// (adv) unless P6's frame waits for the emitter. A frame enters P1 from R
// (r_go) with its payload sum; P6 has the header with both checksums.
// ---------------------------------------------------------------------------
// P1: window shift, lengths; the request's fields copied (q_*), so that R
// can take the next request.
// SACK option bytes: NOP NOP kind len, 8 per block.
wire [4:0] r_xopt = r_nblk == 2'd0 ? 5'd0 : r_nblk == 2'd1 ? 5'd12 : 5'd20;
logic k1_v = 1'b0;
logic [31:0] p1_win;
logic [15:0] p1_ip_len, p1_tcp_len;
logic [6:0] p1_hlen;
logic [31:0] q_lip, q_rip, q_seq, q_ack, q_ts_recent, q_tsval, q_acc;
logic [15:0] q_lport, q_rport, q_len;
logic [47:0] q_rmac, q_mac;
logic [7:0] q_flags, q_tos;
logic q_ts, q_bank;
logic [1:0] q_nblk;
logic [2:0] q_xwords;                          // SACK option length in 32-bit words
logic [31:0] q_b0l, q_b0r, q_b1l, q_b1r;
always_ff @(posedge clk) begin
    if (adv) begin
        k1_v <= r_go;
        p1_win <= r_rx_avail >> r_wscale;
        p1_ip_len <= (r_ts ? 16'd52 : 16'd40) + 16'(r_xopt) + r_len;
        p1_tcp_len <= (r_ts ? 16'd32 : 16'd20) + 16'(r_xopt) + r_len;
        p1_hlen <= (r_ts ? H1 : H0) + 7'(r_xopt);
        q_lip <= r_lip;
        q_rip <= r_rip;
        q_seq <= r_seq;
        q_ack <= r_ack;
        q_ts_recent <= r_ts_recent;
        q_tsval <= r_tsval;
        q_acc <= acc;
        q_lport <= r_lport;
        q_rport <= r_rport;
        q_len <= r_len;
        q_rmac <= r_rmac;
        q_mac <= r_mac;
        q_flags <= r_flags;
        q_tos <= r_tos;
        q_ts <= r_ts;
        q_bank <= r_bank;
        q_nblk <= r_nblk;
        q_xwords <= r_xopt[4:2];
        q_b0l <= r_b0l;
        q_b0r <= r_b0r;
        q_b1l <= r_b1l;
        q_b1r <= r_b1r;
    end
    if (rst)
        k1_v <= 1'b0;
end

// P2: the header bytes without checksums, partial sums.
wire [15:0] p1_win16 = p1_win[31:16] != 16'd0 ? 16'hffff : p1_win[15:0];
wire [15:0] hl_flags = {(q_ts ? 4'd8 : 4'd5) + 4'(q_xwords), 4'd0, q_flags};
wire [15:0] sack_kl = {8'd5, q_nblk == 2'd1 ? 8'd10 : 8'd18};   // kind 5, length
logic k2_v = 1'b0;
logic [HMAX*8-1:0] hb_reg;
logic [19:0] ps_ip0, ps_ip1, ps_t0, ps_t1, ps_t2, ps_t3, ps_t4;
logic [31:0] k2_acc;
logic [MW-1:0] k2_m;
always_ff @(posedge clk) begin
    if (adv) begin
        k2_v <= k1_v;
        k2_acc <= q_acc;
        k2_m <= {q_bank, q_ts, p1_hlen, q_len};
        hb_reg <= '0;
        hb_reg[0 +: 48] <= q_rmac;
        hb_reg[48 +: 48] <= q_mac;
        hb_reg[96 +: 16] <= 16'h0008;
        hb_reg[14*8 +: 8] <= 8'h45;
        hb_reg[15*8 +: 8] <= q_tos;
        hb_reg[16*8 +: 16] <= bs16(p1_ip_len);
        hb_reg[20*8 +: 8] <= 8'h40;
        hb_reg[22*8 +: 8] <= 8'h40;
        hb_reg[23*8 +: 8] <= 8'h06;
        hb_reg[26*8 +: 32] <= bs32(q_lip);
        hb_reg[30*8 +: 32] <= bs32(q_rip);
        hb_reg[34*8 +: 16] <= bs16(q_lport);
        hb_reg[36*8 +: 16] <= bs16(q_rport);
        hb_reg[38*8 +: 32] <= bs32(q_seq);
        hb_reg[42*8 +: 32] <= bs32(q_ack);
        hb_reg[46*8 +: 16] <= bs16(hl_flags);
        hb_reg[48*8 +: 16] <= bs16(p1_win16);
        if (q_ts) begin
            hb_reg[54*8 +: 32] <= 32'h0a080101;
            hb_reg[58*8 +: 32] <= bs32(q_tsval);
            hb_reg[62*8 +: 32] <= bs32(q_ts_recent);
        end
        // SACK: after the timestamps (byte 66) or the fixed header (54).
        if (q_nblk != 2'd0) begin
            hb_reg[(q_ts ? 66 : 54)*8 +: 96] <= {bs32(q_b0r), bs32(q_b0l), bs16(sack_kl), 16'h0101};
            if (q_nblk == 2'd2)
                hb_reg[(q_ts ? 78 : 66)*8 +: 64] <= {bs32(q_b1r), bs32(q_b1l)};
        end
        // IPv4 header words: 0x45tos, length, 0 (ID), 0x4000, 0x4006, addresses.
        ps_ip0 <= 20'({8'h45, q_tos}) + 20'(p1_ip_len) + 20'h04000 + 20'h04006;
        ps_ip1 <= 20'(q_lip[31:16]) + 20'(q_lip[15:0]) + 20'(q_rip[31:16]) + 20'(q_rip[15:0]);
        // TCP: pseudo header (addresses, protocol, TCP length), header, options.
        ps_t0 <= 20'(q_lip[31:16]) + 20'(q_lip[15:0]) + 20'(q_rip[31:16]) + 20'(q_rip[15:0]);
        ps_t1 <= 20'd6 + 20'(p1_tcp_len) + 20'(q_lport) + 20'(q_rport) + 20'(hl_flags);
        ps_t2 <= 20'(q_seq[31:16]) + 20'(q_seq[15:0]) + 20'(q_ack[31:16]) + 20'(q_ack[15:0]) +
                 20'(p1_win16);
        ps_t3 <= q_ts ? 20'h00101 + 20'h0080a + 20'(q_tsval[31:16]) + 20'(q_tsval[15:0]) +
                        20'(q_ts_recent[31:16]) + 20'(q_ts_recent[15:0]) : 20'd0;
        ps_t4 <= (q_nblk == 2'd0 ? 20'd0 : 20'h00101 + 20'(sack_kl) + 20'(q_b0l[31:16]) + 20'(q_b0l[15:0]) +
                                           20'(q_b0r[31:16]) + 20'(q_b0r[15:0])) +
                 (q_nblk == 2'd2 ? 20'(q_b1l[31:16]) + 20'(q_b1l[15:0]) + 20'(q_b1r[31:16]) +
                                   20'(q_b1r[15:0]) : 20'd0);
    end
    if (rst)
        k2_v <= 1'b0;
end

// P3: totals; P4: IPv4 fold, TCP total with the payload sum; P5: IPv4
// checksum, TCP fold; P6: TCP checksum.
logic k3_v = 1'b0, k4_v = 1'b0, k5_v = 1'b0, k6_v = 1'b0;
logic [HMAX*8-1:0] k3_hb, k4_hb, k5_hb, k6_hb;
logic [MW-1:0] k3_m, k4_m, k5_m, k6_m;
logic [31:0] k3_acc;
logic [20:0] p3_ip;
logic [22:0] p3_tcp;
logic [16:0] p4_ip;
logic [31:0] f0_tot;
logic [15:0] ip_csum, k6_ip_csum;
logic [16:0] f1_sum;
logic [15:0] tcp_csum;
always_ff @(posedge clk) begin
    if (adv) begin
        k3_v <= k2_v;
        k4_v <= k3_v;
        k5_v <= k4_v;
        k6_v <= k5_v;
        k3_hb <= hb_reg;
        k4_hb <= k3_hb;
        k5_hb <= k4_hb;
        k6_hb <= k5_hb;
        k3_m <= k2_m;
        k4_m <= k3_m;
        k5_m <= k4_m;
        k6_m <= k5_m;
        k3_acc <= k2_acc;
        p3_ip <= 21'(ps_ip0) + 21'(ps_ip1);
        p3_tcp <= 23'(ps_t0) + 23'(ps_t1) + 23'(ps_t2) + 23'(ps_t3) + 23'(ps_t4);
        p4_ip <= 17'(p3_ip[15:0]) + 17'(p3_ip[20:16]);
        f0_tot <= k3_acc + 32'(p3_tcp);
        ip_csum <= ~(p4_ip[15:0] + 16'(p4_ip[16]));
        f1_sum <= 17'(f0_tot[15:0]) + 17'(f0_tot[31:16]);
        k6_ip_csum <= ip_csum;
        tcp_csum <= ~(f1_sum[15:0] + 16'(f1_sum[16]));
    end
    if (rst) begin
        k3_v <= 1'b0;
        k4_v <= 1'b0;
        k5_v <= 1'b0;
        k6_v <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Payload: LOAD stores the beats and sums them (network-order words).
// ---------------------------------------------------------------------------
logic [15:0] l_rem;                            // payload bytes still to come
logic [AW-1:0] l_ptr;
wire pay_take = r_v && r_load && s_axis_pay_tvalid;
assign s_axis_pay_tready = r_v && r_load;

logic [DATA_WIDTH-1:0] pay_masked;
always_comb begin
    pay_masked = s_axis_pay_tdata;
    for (int i = 0; i < B; i = i + 1)
        if (l_rem <= 16'(i))
            pay_masked[i*8 +: 8] = 8'd0;
end

// Two banks: a frame's payload is loaded while the previous one's is emitted.
(* ram_style = "block" *)
logic [DATA_WIDTH-1:0] buf_mem [2*DEPTH];
logic eb;                                       // the bank being emitted
logic [DATA_WIDTH-1:0] pay_q;                  // RAM read register
logic [AW-1:0] rd_addr;
logic rd_en;
always_ff @(posedge clk) begin
    if (pay_take)
        buf_mem[{r_bank, l_ptr}] <= pay_masked;
end
always_ff @(posedge clk) begin
    if (rd_en)
        pay_q <= buf_mem[{eb, rd_addr}];
end

// Sum pipeline: masked beat -> sums of four words -> beat sum -> accumulator.
logic pa_v, pb_v, pc_v;
logic [DATA_WIDTH-1:0] pa_d;
logic [NG*18-1:0] pb_d, pb_next;
logic [20:0] pc_d, pc_next;
logic [31:0] acc;
always_comb begin
    pb_next = '0;
    for (int g = 0; g < NG; g = g + 1)
        for (int k = 0; k < 4; k = k + 1)
            if (g * 4 + k < NW)
                pb_next[g*18 +: 18] = pb_next[g*18 +: 18] +
                    18'({pa_d[(2*(g*4+k))*8 +: 8], pa_d[(2*(g*4+k)+1)*8 +: 8]});
    pc_next = '0;
    for (int g = 0; g < NG; g = g + 1)
        pc_next = pc_next + 21'(pb_d[g*18 +: 18]);
end
always_ff @(posedge clk) begin
    pa_v <= pay_take;
    pa_d <= pay_masked;
    pb_v <= pa_v;
    pb_d <= pb_next;
    pc_v <= pb_v;
    pc_d <= pc_next;
    if (pc_v)
        acc <= acc + 32'(pc_d);
    if (take_req)
        acc <= 32'd0;
    if (rst) begin
        pa_v <= 1'b0;
        pb_v <= 1'b0;
        pc_v <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Control: R, then the emitter.
// ---------------------------------------------------------------------------
logic [HPAD*8-1:0] hdr_reg;                     // header with checksums
logic [15:0] e_rem;                             // frame bytes from this beat on
logic [6:0] e_hrem;                             // header bytes from this beat on
logic [JW-1:0] e_j;                             // beat index
logic e_act;                                    // beats left to issue
logic e_pay;                                    // ... of a frame with payload
logic e_ts;                                     // its header has timestamps
logic [2:0] e_frames;                           // handed over, not yet fully out
// Stage 1 (beside the RAM read register) and the output register.
logic s1_v, s1_last, s1_ts;
logic [15:0] s1_rem;
logic [6:0] s1_hrem;
logic [DATA_WIDTH-1:0] s1_hdr;
logic [DATA_WIDTH-1:0] prev_q;
logic [DATA_WIDTH-1:0] o_data;
logic [KEEP_WIDTH-1:0] o_keep;
logic o_valid, o_last;

wire stall = o_valid && !m_axis_tx_tready;
wire frame_done = o_valid && m_axis_tx_tready && o_last;
// P6's frame goes to the emitter as it issues the previous frame's last
// beat; until then the header pipeline holds.
wire e_last_issue = e_act && !stall && e_rem <= 16'(B);
wire hand = k6_v && (!e_act || e_last_issue);
assign adv = !k6_v || hand;
assign rd_en = !stall;
assign rd_addr = AW'(e_j - (e_ts ? JW'(NHB1) : JW'(NHB0)));

always_ff @(posedge clk) begin
    if (take_req) begin
        r_v <= 1'b1;
        r_load <= req_pay;
        r_settle <= req_pay ? 2'd0 : 2'd3;
        r_bank <= lb;
        if (req_pay)
            lb <= !lb;
        l_rem <= req_pay ? s_axis_req_len : 16'd0;
        l_ptr <= '0;
    end else if (r_go) begin
        r_v <= 1'b0;
    end
    if (pay_take) begin
        l_ptr <= l_ptr + 1'b1;
        l_rem <= l_rem > 16'(B) ? l_rem - 16'(B) : 16'd0;
        if (l_rem <= 16'(B))
            r_load <= 1'b0;
    end
    // (the last beat's sum reaches acc three cycles later)
    if (r_v && !r_load && r_settle != 2'd3 && !take_req)
        r_settle <= r_settle + 2'd1;
    data_cnt <= data_cnt + 2'(take_req && req_pay) - 2'(e_last_issue && e_pay);

    e_frames <= e_frames + 3'(hand) - 3'(frame_done);

    // Emit pipeline: issue (RAM read, header beat), stage 1, output
    // register; all hold while the output is not taken.
    if (!stall) begin
        s1_v <= e_act;
        s1_rem <= e_rem;
        s1_hrem <= e_hrem;
        s1_hdr <= hdr_beat;
        s1_ts <= e_ts;
        s1_last <= e_rem <= 16'(B);
        if (e_act) begin
            e_j <= e_j + 1'b1;
            e_rem <= e_rem - 16'(B);
            e_hrem <= e_hrem > 7'(B) ? e_hrem - 7'(B) : 7'd0;
            if (e_rem <= 16'(B))
                e_act <= 1'b0;
        end
        if (s1_v)
            prev_q <= pay_q;
        o_valid <= s1_v;
        o_last <= s1_last;
        for (int i = 0; i < B; i = i + 1) begin
            o_keep[i] <= s1_rem > 16'(i);
            if (s1_hrem > 7'(i))
                o_data[i*8 +: 8] <= s1_hdr[i*8 +: 8];
            else
                o_data[i*8 +: 8] <= s1_ts ? pay_mix1[i*8 +: 8] : pay_mix0[i*8 +: 8];
        end
    end

    // (after the issue: a frame handed over as the previous one's last
    // beat is issued starts its own beats)
    if (hand) begin
        hdr_reg <= '0;
        hdr_reg[HMAX*8-1:0] <= k6_hb;
        hdr_reg[24*8 +: 16] <= bs16(k6_ip_csum);
        hdr_reg[50*8 +: 16] <= bs16(tcp_csum);
        e_rem <= 16'(k6_m[22:16]) + k6_m[15:0];
        e_hrem <= k6_m[22:16];
        e_j <= '0;
        e_act <= 1'b1;
        e_pay <= k6_m[15:0] != 16'd0;
        e_ts <= k6_m[23];
        eb <= k6_m[24];
    end

    if (rst) begin
        r_v <= 1'b0;
        r_load <= 1'b0;
        data_cnt <= '0;
        e_act <= 1'b0;
        e_frames <= '0;
        lb <= 1'b0;
        s1_v <= 1'b0;
        o_valid <= 1'b0;
    end
end

// Header bytes of beat e_j; payload bytes shifted behind the header: byte
// i of the beat is payload byte (j*B + i - H), i.e. for i >= H % B byte
// i - H % B of the current payload beat, else of the previous one.
logic [DATA_WIDTH-1:0] hdr_beat;
always_comb begin
    hdr_beat = '0;
    for (int h = 0; h < HBEATS; h = h + 1)
        if (e_j == JW'(h))
            hdr_beat = hdr_reg[h*DATA_WIDTH +: DATA_WIDTH];
end
// verilator lint_off UNUSEDSIGNAL
wire [2*DATA_WIDTH-1:0] pay_cat = {pay_q, prev_q};
// verilator lint_on UNUSEDSIGNAL
wire [DATA_WIDTH-1:0] pay_mix0 = pay_cat[(B-R0)*8 +: DATA_WIDTH];
wire [DATA_WIDTH-1:0] pay_mix1 = pay_cat[(B-R1)*8 +: DATA_WIDTH];

assign m_axis_tx_tdata = o_data;
assign m_axis_tx_tkeep = o_keep;
assign m_axis_tx_tvalid = o_valid;
assign m_axis_tx_tlast = o_last;
assign busy = r_v || k1_v || k2_v || k3_v || k4_v || k5_v || k6_v || e_frames != 3'd0;

endmodule

`default_nettype wire
