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
// Two frames overlap: a request is taken in IDLE; LOAD takes its payload
// beats (one per cycle) into one bank of the buffer; WAIT lets the checksum
// pipelines settle (WAIT_CYC cycles) and hands the frame (header with
// checksums, bank) to the emitter once the previous frame has left; the
// next request is then taken and loaded into the other bank while the
// emitter sends the beats, one per cycle while m_axis_tx_tready.
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
localparam WAIT_CYC = 8;
localparam JW = $clog2((MAX_PAYLOAD + HMAX + B - 1) / B + 1);   // beat index
localparam [2:0] S_IDLE = 3'd1, S_LOAD = 3'd2, S_WAIT = 3'd4;

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

logic [2:0] st_reg = S_IDLE;

// ---------------------------------------------------------------------------
// Request registers (stable for the whole frame).
// ---------------------------------------------------------------------------
logic [31:0] r_lip, r_rip, r_seq, r_ack, r_rx_avail, r_ts_recent, r_tsval;
logic [15:0] r_lport, r_rport, r_len;
logic [47:0] r_rmac, r_mac;
logic [7:0] r_flags, r_tos;
logic [4:0] r_wscale;
logic r_ts;
logic [1:0] r_nblk;                            // SACK blocks (pure ACKs)
logic [31:0] r_b0l, r_b0r, r_b1l, r_b1r;       // their edges

wire take_req = st_reg == S_IDLE && s_axis_req_tvalid;
assign s_axis_req_tready = st_reg == S_IDLE;

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
// Header pipeline (free-running on the request registers; settled after
// five cycles, long before WAIT ends).
// ---------------------------------------------------------------------------
// P1: window shift, lengths.
// SACK option bytes: NOP NOP kind len, 8 per block.
wire [4:0] r_xopt = r_nblk == 2'd0 ? 5'd0 : r_nblk == 2'd1 ? 5'd12 : 5'd20;
logic [31:0] p1_win;
logic [15:0] p1_ip_len, p1_tcp_len;
logic [6:0] p1_hlen;
always_ff @(posedge clk) begin
    p1_win <= r_rx_avail >> r_wscale;
    p1_ip_len <= (r_ts ? 16'd52 : 16'd40) + 16'(r_xopt) + r_len;
    p1_tcp_len <= (r_ts ? 16'd32 : 16'd20) + 16'(r_xopt) + r_len;
    p1_hlen <= (r_ts ? H1 : H0) + 7'(r_xopt);
end

// P2: the header bytes without checksums, partial sums.
wire [15:0] p1_win16 = p1_win[31:16] != 16'd0 ? 16'hffff : p1_win[15:0];
wire [15:0] hl_flags = {(r_ts ? 4'd8 : 4'd5) + 4'(r_xopt[4:2]), 4'd0, r_flags};
wire [15:0] sack_kl = {8'd5, r_nblk == 2'd1 ? 8'd10 : 8'd18};   // kind 5, length
logic [HMAX*8-1:0] hb_reg;
logic [19:0] ps_ip0, ps_ip1, ps_t0, ps_t1, ps_t2, ps_t3, ps_t4;
always_ff @(posedge clk) begin
    hb_reg <= '0;
    hb_reg[0 +: 48] <= r_rmac;
    hb_reg[48 +: 48] <= r_mac;
    hb_reg[96 +: 16] <= 16'h0008;
    hb_reg[14*8 +: 8] <= 8'h45;
    hb_reg[15*8 +: 8] <= r_tos;
    hb_reg[16*8 +: 16] <= bs16(p1_ip_len);
    hb_reg[20*8 +: 8] <= 8'h40;
    hb_reg[22*8 +: 8] <= 8'h40;
    hb_reg[23*8 +: 8] <= 8'h06;
    hb_reg[26*8 +: 32] <= bs32(r_lip);
    hb_reg[30*8 +: 32] <= bs32(r_rip);
    hb_reg[34*8 +: 16] <= bs16(r_lport);
    hb_reg[36*8 +: 16] <= bs16(r_rport);
    hb_reg[38*8 +: 32] <= bs32(r_seq);
    hb_reg[42*8 +: 32] <= bs32(r_ack);
    hb_reg[46*8 +: 16] <= bs16(hl_flags);
    hb_reg[48*8 +: 16] <= bs16(p1_win16);
    if (r_ts) begin
        hb_reg[54*8 +: 32] <= 32'h0a080101;
        hb_reg[58*8 +: 32] <= bs32(r_tsval);
        hb_reg[62*8 +: 32] <= bs32(r_ts_recent);
    end
    // SACK: after the timestamps (byte 66) or the fixed header (54).
    if (r_nblk != 2'd0) begin
        hb_reg[(r_ts ? 66 : 54)*8 +: 96] <= {bs32(r_b0r), bs32(r_b0l), bs16(sack_kl), 16'h0101};
        if (r_nblk == 2'd2)
            hb_reg[(r_ts ? 78 : 66)*8 +: 64] <= {bs32(r_b1r), bs32(r_b1l)};
    end
    // IPv4 header words: 0x45tos, length, 0 (ID), 0x4000, 0x4006, addresses.
    ps_ip0 <= 20'({8'h45, r_tos}) + 20'(p1_ip_len) + 20'h04000 + 20'h04006;
    ps_ip1 <= 20'(r_lip[31:16]) + 20'(r_lip[15:0]) + 20'(r_rip[31:16]) + 20'(r_rip[15:0]);
    // TCP: pseudo header (addresses, protocol, TCP length), header, options.
    ps_t0 <= 20'(r_lip[31:16]) + 20'(r_lip[15:0]) + 20'(r_rip[31:16]) + 20'(r_rip[15:0]);
    ps_t1 <= 20'd6 + 20'(p1_tcp_len) + 20'(r_lport) + 20'(r_rport) + 20'(hl_flags);
    ps_t2 <= 20'(r_seq[31:16]) + 20'(r_seq[15:0]) + 20'(r_ack[31:16]) + 20'(r_ack[15:0]) +
             20'(p1_win16);
    ps_t3 <= r_ts ? 20'h00101 + 20'h0080a + 20'(r_tsval[31:16]) + 20'(r_tsval[15:0]) +
                    20'(r_ts_recent[31:16]) + 20'(r_ts_recent[15:0]) : 20'd0;
    ps_t4 <= (r_nblk == 2'd0 ? 20'd0 : 20'h00101 + 20'(sack_kl) + 20'(r_b0l[31:16]) + 20'(r_b0l[15:0]) +
                                       20'(r_b0r[31:16]) + 20'(r_b0r[15:0])) +
             (r_nblk == 2'd2 ? 20'(r_b1l[31:16]) + 20'(r_b1l[15:0]) + 20'(r_b1r[31:16]) +
                               20'(r_b1r[15:0]) : 20'd0);
end

// P3: totals; P4, P5: IPv4 fold.
logic [20:0] p3_ip;
logic [22:0] p3_tcp;
logic [16:0] p4_ip;
logic [15:0] ip_csum;
always_ff @(posedge clk) begin
    p3_ip <= 21'(ps_ip0) + 21'(ps_ip1);
    p3_tcp <= 23'(ps_t0) + 23'(ps_t1) + 23'(ps_t2) + 23'(ps_t3) + 23'(ps_t4);
    p4_ip <= 17'(p3_ip[15:0]) + 17'(p3_ip[20:16]);
    ip_csum <= ~(p4_ip[15:0] + 16'(p4_ip[16]));
end

// ---------------------------------------------------------------------------
// Payload: LOAD stores the beats and sums them (network-order words).
// ---------------------------------------------------------------------------
logic [15:0] l_rem;                            // payload bytes still to come
logic [AW-1:0] l_ptr;
wire pay_take = st_reg == S_LOAD && s_axis_pay_tvalid;
assign s_axis_pay_tready = st_reg == S_LOAD;

logic [DATA_WIDTH-1:0] pay_masked;
always_comb begin
    pay_masked = s_axis_pay_tdata;
    for (int i = 0; i < B; i = i + 1)
        if (l_rem <= 16'(i))
            pay_masked[i*8 +: 8] = 8'd0;
end

// Two banks: frame n+1 is loaded while frame n is emitted.
(* ram_style = "block" *)
logic [DATA_WIDTH-1:0] buf_mem [2*DEPTH];
logic lb, eb;                                   // bank being loaded / emitted
logic [DATA_WIDTH-1:0] pay_q;                  // RAM read register
logic [AW-1:0] rd_addr;
logic rd_en;
always_ff @(posedge clk) begin
    if (pay_take)
        buf_mem[{lb, l_ptr}] <= pay_masked;
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

// Final TCP checksum: total, two folds, complement (free-running).
logic [31:0] f0_tot;
logic [16:0] f1_sum;
logic [15:0] tcp_csum;
always_ff @(posedge clk) begin
    f0_tot <= acc + 32'(p3_tcp);
    f1_sum <= 17'(f0_tot[15:0]) + 17'(f0_tot[31:16]);
    tcp_csum <= ~(f1_sum[15:0] + 16'(f1_sum[16]));
end

// ---------------------------------------------------------------------------
// Control.
// ---------------------------------------------------------------------------
logic [3:0] w_cnt;
logic [HPAD*8-1:0] hdr_reg;                     // header with checksums
logic [15:0] e_rem;                             // frame bytes from this beat on
logic [6:0] e_hrem;                             // header bytes from this beat on
logic [JW-1:0] e_j;                             // beat index
logic e_act;
logic e_busy;                                   // a frame is being emitted
logic e_ts;                                     // its header has timestamps
// Stage 1 (beside the RAM read register) and the output register.
logic s1_v, s1_last;
logic [15:0] s1_rem;
logic [6:0] s1_hrem;
logic [JW-1:0] s1_j;
logic [DATA_WIDTH-1:0] prev_q;
logic [DATA_WIDTH-1:0] o_data;
logic [KEEP_WIDTH-1:0] o_keep;
logic o_valid, o_last;

wire stall = o_valid && !m_axis_tx_tready;
wire frame_done = o_valid && m_axis_tx_tready && o_last;
assign rd_en = !stall;
assign rd_addr = AW'(e_j - (e_ts ? JW'(NHB1) : JW'(NHB0)));

always_ff @(posedge clk) begin
    case (st_reg)
    S_IDLE: begin
        if (take_req) begin
            l_rem <= s_axis_req_is_ack ? 16'd0 : s_axis_req_len;
            l_ptr <= '0;
            w_cnt <= '0;
            st_reg <= (!s_axis_req_is_ack && s_axis_req_len != 16'd0) ? S_LOAD : S_WAIT;
        end
    end
    S_LOAD: begin
        if (pay_take) begin
            l_ptr <= l_ptr + 1'b1;
            l_rem <= l_rem > 16'(B) ? l_rem - 16'(B) : 16'd0;
            if (l_rem <= 16'(B))
                st_reg <= S_WAIT;
        end
    end
    S_WAIT: begin
        // Checksums settled, the previous frame out: hand over to the
        // emitter, take the next request.
        if (w_cnt != 4'(WAIT_CYC))
            w_cnt <= w_cnt + 1'b1;
        else if (!e_busy) begin
            hdr_reg <= '0;
            hdr_reg[HMAX*8-1:0] <= hb_reg;
            hdr_reg[24*8 +: 16] <= bs16(ip_csum);
            hdr_reg[50*8 +: 16] <= bs16(tcp_csum);
            e_rem <= 16'(p1_hlen) + r_len;
            e_hrem <= p1_hlen;
            e_j <= '0;
            e_act <= 1'b1;
            e_busy <= 1'b1;
            e_ts <= r_ts;
            eb <= lb;
            lb <= !lb;
            st_reg <= S_IDLE;
        end
    end
    default: st_reg <= S_IDLE;
    endcase
    if (frame_done)
        e_busy <= 1'b0;

    // Emit pipeline: issue (RAM read), stage 1, output register; all hold
    // while the output is not taken.
    if (!stall) begin
        s1_v <= e_act;
        s1_rem <= e_rem;
        s1_hrem <= e_hrem;
        s1_j <= e_j;
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
                o_data[i*8 +: 8] <= hdr_beat[i*8 +: 8];
            else
                o_data[i*8 +: 8] <= e_ts ? pay_mix1[i*8 +: 8] : pay_mix0[i*8 +: 8];
        end
    end

    if (rst) begin
        st_reg <= S_IDLE;
        e_act <= 1'b0;
        e_busy <= 1'b0;
        lb <= 1'b0;
        s1_v <= 1'b0;
        o_valid <= 1'b0;
    end
end

// Header bytes of beat s1_j; payload bytes shifted behind the header: byte
// i of the beat is payload byte (j*B + i - H), i.e. for i >= H % B byte
// i - H % B of the current payload beat, else of the previous one.
logic [DATA_WIDTH-1:0] hdr_beat;
always_comb begin
    hdr_beat = '0;
    for (int h = 0; h < HBEATS; h = h + 1)
        if (s1_j == JW'(h))
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
assign busy = st_reg != S_IDLE || e_busy;

endmodule

`default_nettype wire
