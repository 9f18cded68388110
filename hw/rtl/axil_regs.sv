// SPDX-License-Identifier: MIT
// axil_regs: the register file of include/toffee/abi.h (BAR0) on AXI-Lite.
//
// Map (offsets from toffee_abi_pkg):
//   REG_ID .. REG_CTX_CAP   read-only identification (parameters)
//   REG_CTRL, MAC_LO/HI, CTX_LIMIT   read/write, outputs to the fast path
//   SPQ blocks (4 rings x Q_*)       read/write flip-flops; the NIC-written
//                                    index of each ring (EXC/FB tail, CMD/RAW
//                                    head) also has a write port on the NIC
//                                    side, which wins over a host write in
//                                    the same cycle
//   context blocks (CTX_BASE + ctx * CTX_STRIDE) and doorbell pages
//   (DB_BASE + ctx * DB_STRIDE)      one RAM row per context, see below
//   counters (CNT_BASE + 8 * i)      64-bit, LO then HI: reading LO latches HI
// Offsets that hold nothing read as zero and ignore writes (also the
// unused words of context blocks: Q_BUF_*, EV Q_HEAD, CMD Q_TAIL, which
// the firmware's plain-memory register file would store).
//
// Context RAM row (word w at bits [32*w +: 32]):
//   0 EV BASE_LO  1 EV BASE_HI  2 EV LOG2  3 EV TAIL (NIC)
//   4 CMD BASE_LO 5 CMD BASE_HI 6 CMD LOG2 7 CMD HEAD (NIC)
//   8 DB CMD_TAIL (app)  9 DB EV_HEAD (app)  10 DB ARM (app; NIC clears)
//   (the doorbell page's DB_CMD_HEAD reads word 7; host writes to it are
//   ignored)
// Port A serves the host, port B the NIC (whole row read, per-word write,
// one-cycle read latency); a host write waits while the NIC writes its row.
// A host write to a doorbell word is also posted on
// m_axis_db (the NIC needs no scan of the contexts); the write response
// waits until the NIC has taken it.
//
// AXI-Lite: one transaction at a time, writes before reads; read latency
// three cycles; SLVERR is never returned.
`default_nettype none

module axil_regs #(
    // Value of REG_FLOW_CAP (the flow table's capacity).
    parameter FLOW_CAP = 65536,
    // Number of contexts implemented (REG_CTX_CAP), 1 .. MAX_CTX.
    parameter CTX_CAP = 256,
    // Value of REG_FEATURES (toffee_abi_pkg::FEAT_* bits).
    parameter [31:0] FEATURES = toffee_abi_pkg::FEAT_TS | toffee_abi_pkg::FEAT_ECN |
                                toffee_abi_pkg::FEAT_RATE | toffee_abi_pkg::FEAT_OOO1 |
                                toffee_abi_pkg::FEAT_SACK | toffee_abi_pkg::FEAT_SLOWMARK,
    // AXI-Lite address width: must cover TOFFEE_REG_BAR_SIZE.
    parameter ADDR_WIDTH = 21
) (
    input  wire                   clk,
    input  wire                   rst,

    // AXI-Lite slave (host BAR0).
    input  wire [ADDR_WIDTH-1:0]  s_axil_awaddr,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire [31:0]            s_axil_wdata,
    input  wire [3:0]             s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire [1:0]             s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]  s_axil_araddr,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire [31:0]            s_axil_rdata,
    output wire [1:0]             s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    // Configuration for the fast path.
    output wire [31:0]            ctrl,
    output wire [47:0]            mac,          // wire byte i at [8*i +: 8]
    output wire [31:0]            ctx_limit,
    // Slow-path rings, ring q at [64*q +: 64] / [32*q +: 32].
    output wire [4*64-1:0]        spq_base,
    output wire [4*32-1:0]        spq_log2,
    output wire [4*64-1:0]        spq_buf,
    output wire [4*32-1:0]        spq_head,
    output wire [4*32-1:0]        spq_tail,
    input  wire [3:0]             spq_head_we,  // NIC writes (CMD, RAW rings)
    input  wire [4*32-1:0]        spq_head_wdata,
    input  wire [3:0]             spq_tail_we,  // NIC writes (EXC, FB rings)
    input  wire [4*32-1:0]        spq_tail_wdata,

    // Context RAM, NIC port.
    input  wire                   ctx_en,
    input  wire [10:0]            ctx_we,       // per word of the row
    input  wire [7:0]             ctx_addr,
    input  wire [11*32-1:0]       ctx_wdata,
    output wire [11*32-1:0]       ctx_rdata,

    // Doorbell writes by applications: context, word (0 CMD_TAIL, 1 EV_HEAD,
    // 2 ARM), value.
    output wire                   m_axis_db_tvalid,
    input  wire                   m_axis_db_tready,
    output wire [7:0]             m_axis_db_ctx,
    output wire [1:0]             m_axis_db_reg,
    output wire [31:0]            m_axis_db_value,

    // Counters: +1 for every set bit, plus byte counts for RX/TX_BYTES.
    input  wire [63:0]            cnt_inc,
    input  wire [15:0]            cnt_rx_bytes,
    input  wire [15:0]            cnt_tx_bytes
);

localparam NCNT = 32'(toffee_abi_pkg::CNT_COUNT);
localparam CTX_ROW_W = 11 * 32;

if (CTX_CAP < 1 || CTX_CAP > 32'(toffee_abi_pkg::MAX_CTX)) begin : g_err_ctx
    $error("axil_regs: CTX_CAP must be in 1 .. MAX_CTX");
end
if ((1 << ADDR_WIDTH) < 32'(toffee_abi_pkg::REG_BAR_SIZE)) begin : g_err_aw
    $error("axil_regs: ADDR_WIDTH does not cover REG_BAR_SIZE");
end
if (NCNT != 64) begin : g_err_cnt
    $error("axil_regs: the counter ports assume CNT_COUNT == 64");
end

// ---------------------------------------------------------------------------
// Address decode (byte addresses).
// ---------------------------------------------------------------------------
localparam [31:0] A_SPQ = toffee_abi_pkg::REG_SPQ_BASE;
localparam [31:0] A_SPQ_END = A_SPQ + toffee_abi_pkg::SPQ_COUNT * toffee_abi_pkg::REG_SPQ_STRIDE;
localparam [31:0] A_CNT = toffee_abi_pkg::REG_CNT_BASE;
localparam [31:0] A_CNT_END = A_CNT + NCNT * toffee_abi_pkg::REG_CNT_STRIDE;
localparam [31:0] A_CTX = toffee_abi_pkg::REG_CTX_BASE;
localparam [31:0] A_CTX_END = A_CTX + CTX_CAP * toffee_abi_pkg::REG_CTX_STRIDE;
localparam [31:0] A_DB = toffee_abi_pkg::REG_DB_BASE;
localparam [31:0] A_DB_END = A_DB + CTX_CAP * toffee_abi_pkg::REG_DB_STRIDE;

// Where an address lands, as a flat vector (yosys 0.23 miscompiles
// functions returning structs): RAM row/word, SPQ ring/offset, counter.
localparam D_IS_RAM = 0;
localparam D_CTX = 1;        // [7:0]
localparam D_WORD = 9;       // [3:0] row word, 11 = none
localparam D_IS_DB = 13;
localparam D_IS_SPQ = 14;
localparam D_Q = 15;         // [1:0]
localparam D_QW = 17;        // [2:0] word in the ring block
localparam D_IS_CNT = 20;
localparam D_CNT = 21;       // [5:0]
localparam D_CNT_HI = 27;
localparam D_RO = 28;        // RAM word the host may read but not write
localparam DEC_W = 29;

function automatic [DEC_W-1:0] decode(input [31:0] a);
    // verilator lint_off UNUSEDSIGNAL
    logic [31:0] o;                          // offset inside a region
    // verilator lint_on UNUSEDSIGNAL
    logic [3:0] word;
    o = '0;
    decode = '0;
    word = 4'd11;
    if (a >= A_SPQ && a < A_SPQ_END) begin
        o = a - A_SPQ;
        decode[D_IS_SPQ] = 1'b1;
        decode[D_Q +: 2] = o[6:5];
        decode[D_QW +: 3] = o[4:2];
    end else if (a >= A_CNT && a < A_CNT_END) begin
        o = a - A_CNT;
        decode[D_IS_CNT] = 1'b1;
        decode[D_CNT +: 6] = o[8:3];
        decode[D_CNT_HI] = o[2];
    end else if (a >= A_CTX && a < A_CTX_END) begin
        o = a - A_CTX;
        decode[D_CTX +: 8] = o[13:6];
        case (o[5:0])
            6'(toffee_abi_pkg::CTX_EV + toffee_abi_pkg::Q_BASE_LO):  word = 4'd0;
            6'(toffee_abi_pkg::CTX_EV + toffee_abi_pkg::Q_BASE_HI):  word = 4'd1;
            6'(toffee_abi_pkg::CTX_EV + toffee_abi_pkg::Q_LOG2):     word = 4'd2;
            6'(toffee_abi_pkg::CTX_EV + toffee_abi_pkg::Q_TAIL):     word = 4'd3;
            6'(toffee_abi_pkg::CTX_CMD + toffee_abi_pkg::Q_BASE_LO): word = 4'd4;
            6'(toffee_abi_pkg::CTX_CMD + toffee_abi_pkg::Q_BASE_HI): word = 4'd5;
            6'(toffee_abi_pkg::CTX_CMD + toffee_abi_pkg::Q_LOG2):    word = 4'd6;
            6'(toffee_abi_pkg::CTX_CMD + toffee_abi_pkg::Q_HEAD):    word = 4'd7;
            default:                                                 word = 4'd11;
        endcase
        decode[D_IS_RAM] = word != 4'd11;
    end else if (a >= A_DB && a < A_DB_END) begin
        o = a - A_DB;
        decode[D_CTX +: 8] = o[19:12];
        case (o[11:0])
            12'(toffee_abi_pkg::DB_CMD_TAIL): word = 4'd8;
            12'(toffee_abi_pkg::DB_EV_HEAD):  word = 4'd9;
            12'(toffee_abi_pkg::DB_ARM):      word = 4'd10;
            12'(toffee_abi_pkg::DB_CMD_HEAD): word = 4'd7;    // mirror, read-only
            default:                          word = 4'd11;
        endcase
        decode[D_IS_RAM] = word != 4'd11;
        decode[D_RO] = word == 4'd7;
        decode[D_IS_DB] = word != 4'd11 && word != 4'd7;
    end
    decode[D_WORD +: 4] = word;
endfunction

// ---------------------------------------------------------------------------
// Context RAM: port A host, port B NIC.
// ---------------------------------------------------------------------------
logic a_en;
logic [10:0] a_we;
logic [7:0] a_addr;
logic [CTX_ROW_W-1:0] a_wdata;
logic [CTX_ROW_W-1:0] a_rdata, b_rdata;

(* ram_style = "block" *)
logic [CTX_ROW_W-1:0] ctx_mem [256];

always_ff @(posedge clk) begin
    if (a_en) begin
        for (int w = 0; w < 11; w = w + 1)
            if (a_we[w])
                ctx_mem[a_addr][32*w +: 32] <= a_wdata[32*w +: 32];
        a_rdata <= ctx_mem[a_addr];
    end
end

always_ff @(posedge clk) begin
    if (ctx_en) begin
        for (int w = 0; w < 11; w = w + 1)
            if (ctx_we[w])
                ctx_mem[ctx_addr][32*w +: 32] <= ctx_wdata[32*w +: 32];
        b_rdata <= ctx_mem[ctx_addr];
    end
end

assign ctx_rdata = b_rdata;

// ---------------------------------------------------------------------------
// Flip-flop registers and counters.
// ---------------------------------------------------------------------------
logic [31:0] ctrl_reg = '0, mac_lo_reg = '0, mac_hi_reg = '0, ctx_limit_reg = '0;
// SPQ words: ring q, offset o/4 at [32*(8*q + o/4) +: 32] (word 7 unused).
logic [4*8*32-1:0] spq_reg = '0;
logic [63:0] cnt_reg [NCNT];           // per-counter registers

// Enabled in cycles that count something (most do not; the model skips
// the adders then).
wire cnt_any = cnt_inc != '0 || cnt_rx_bytes != 16'd0 || cnt_tx_bytes != 16'd0;
always_ff @(posedge clk) begin
    if (cnt_any)
        for (int i = 0; i < NCNT; i = i + 1) begin
            logic [63:0] add;
            add = 64'(cnt_inc[i]);
            if (i == 32'(toffee_abi_pkg::CNT_RX_BYTES))
                add = add + 64'(cnt_rx_bytes);
            if (i == 32'(toffee_abi_pkg::CNT_TX_BYTES))
                add = add + 64'(cnt_tx_bytes);
            cnt_reg[i] <= cnt_reg[i] + add;
        end
    if (rst)
        for (int i = 0; i < NCNT; i = i + 1)
            cnt_reg[i] <= '0;
end

// ---------------------------------------------------------------------------
// AXI-Lite transaction FSM.
// ---------------------------------------------------------------------------
localparam [2:0] ST_IDLE = 3'd0, ST_WDB = 3'd1, ST_WRESP = 3'd2,
                 ST_RD1 = 3'd3, ST_RD2 = 3'd4, ST_RRESP = 3'd5;
logic [2:0] state_reg = ST_IDLE;
logic [31:0] addr_reg = '0;
logic [31:0] wdata_reg = '0;
logic [31:0] rdata_reg = '0;
logic [31:0] cnt_hi_latch_reg = '0;
logic [5:0] cnt_latch_idx_reg = '0;
logic cnt_latch_valid_reg = 1'b0;
logic [DEC_W-1:0] dec_reg = '0;

wire [DEC_W-1:0] wdec = decode(32'(s_axil_awaddr));
// Both RAM ports writing one row in the same cycle is a BRAM collision
// (undefined contents, whatever the word enables): the host waits a cycle.
wire row_busy = ctx_en && ctx_we != '0 && wdec[D_IS_RAM] && !wdec[D_RO] && ctx_addr == wdec[D_CTX +: 8];
wire start_wr = state_reg == ST_IDLE && s_axil_awvalid && s_axil_wvalid && !row_busy;
wire start_rd = state_reg == ST_IDLE && !start_wr && s_axil_arvalid;

assign s_axil_awready = start_wr;
assign s_axil_wready = start_wr;
assign s_axil_arready = start_rd;

// Byte-enable merge for flip-flop registers.
function automatic [31:0] merge(input [31:0] old, input [31:0] d, input [3:0] strb);
    for (int b = 0; b < 4; b = b + 1)
        merge[8*b +: 8] = strb[b] ? d[8*b +: 8] : old[8*b +: 8];
endfunction

always_comb begin
    a_en = 1'b0;
    a_we = '0;
    a_addr = start_wr ? wdec[D_CTX +: 8] : dec_reg[D_CTX +: 8];
    a_wdata = {11{s_axil_wdata}};
    if (start_wr && wdec[D_IS_RAM] && !wdec[D_RO]) begin
        a_en = 1'b1;
        a_we[wdec[D_WORD +: 4]] = s_axil_wstrb != 4'd0;   // 32-bit words; partial
    end                                           // writes store the word
    if (state_reg == ST_RD1 && dec_reg[D_IS_RAM])
        a_en = 1'b1;
end

// Register read value (state ST_RD1; RAM data arrives for ST_RD2).
logic [31:0] ff_rdata;
always_comb begin
    logic [31:0] a;
    a = addr_reg;
    ff_rdata = 32'd0;
    if (dec_reg[D_IS_SPQ]) begin
        if (dec_reg[D_QW +: 3] != 3'd7)
            ff_rdata = spq_reg[32*{dec_reg[D_Q +: 2], dec_reg[D_QW +: 3]} +: 32];
    end else if (dec_reg[D_IS_CNT]) begin
        if (!dec_reg[D_CNT_HI])
            ff_rdata = cnt_reg[dec_reg[D_CNT +: 6]][31:0];
        else if (cnt_latch_valid_reg && cnt_latch_idx_reg == dec_reg[D_CNT +: 6])
            ff_rdata = cnt_hi_latch_reg;
        else
            ff_rdata = cnt_reg[dec_reg[D_CNT +: 6]][63:32];
    end else begin
        case (a)
            toffee_abi_pkg::REG_ID:        ff_rdata = toffee_abi_pkg::ABI_ID;
            toffee_abi_pkg::REG_VERSION:   ff_rdata = {toffee_abi_pkg::ABI_MAJOR[15:0],
                                                       toffee_abi_pkg::ABI_MINOR[15:0]};
            toffee_abi_pkg::REG_FEATURES:  ff_rdata = FEATURES;
            toffee_abi_pkg::REG_FLOW_CAP:  ff_rdata = 32'(FLOW_CAP);
            toffee_abi_pkg::REG_CTX_CAP:   ff_rdata = 32'(CTX_CAP);
            toffee_abi_pkg::REG_CTRL:      ff_rdata = ctrl_reg;
            toffee_abi_pkg::REG_MAC_LO:    ff_rdata = mac_lo_reg;
            toffee_abi_pkg::REG_MAC_HI:    ff_rdata = mac_hi_reg;
            toffee_abi_pkg::REG_CTX_LIMIT: ff_rdata = ctx_limit_reg;
            default:                       ff_rdata = 32'd0;
        endcase
    end
end

logic db_valid_reg = 1'b0;
logic [7:0] db_ctx_reg = '0;
logic [1:0] db_reg_reg = '0;

always_ff @(posedge clk) begin
    case (state_reg)
        ST_IDLE: begin
            if (start_wr) begin
                addr_reg <= 32'(s_axil_awaddr);
                dec_reg <= wdec;
                wdata_reg <= s_axil_wdata;
                if (wdec[D_IS_DB]) begin
                    db_valid_reg <= 1'b1;
                    db_ctx_reg <= wdec[D_CTX +: 8];
                    db_reg_reg <= 2'(wdec[D_WORD +: 4] - 4'd8);
                    state_reg <= ST_WDB;
                end else begin
                    state_reg <= ST_WRESP;
                end
            end else if (start_rd) begin
                addr_reg <= 32'(s_axil_araddr);
                dec_reg <= decode(32'(s_axil_araddr));
                state_reg <= ST_RD1;
            end
        end
        ST_WDB: begin
            if (m_axis_db_tready) begin
                db_valid_reg <= 1'b0;
                state_reg <= ST_WRESP;
            end
        end
        ST_WRESP: begin
            if (s_axil_bready)
                state_reg <= ST_IDLE;
        end
        ST_RD1: begin
            rdata_reg <= ff_rdata;
            if (dec_reg[D_IS_CNT] && !dec_reg[D_CNT_HI]) begin
                cnt_hi_latch_reg <= cnt_reg[dec_reg[D_CNT +: 6]][63:32];
                cnt_latch_idx_reg <= dec_reg[D_CNT +: 6];
                cnt_latch_valid_reg <= 1'b1;
            end
            state_reg <= ST_RD2;
        end
        ST_RD2: begin
            if (dec_reg[D_IS_RAM])
                rdata_reg <= a_rdata[32*dec_reg[D_WORD +: 4] +: 32];
            state_reg <= ST_RRESP;
        end
        ST_RRESP: begin
            if (s_axil_rready)
                state_reg <= ST_IDLE;
        end
        default: state_reg <= ST_IDLE;
    endcase

    // Flip-flop register writes (host), then NIC index writes (win).
    if (start_wr) begin
        case (32'(s_axil_awaddr))
            toffee_abi_pkg::REG_CTRL:      ctrl_reg <= merge(ctrl_reg, s_axil_wdata, s_axil_wstrb);
            toffee_abi_pkg::REG_MAC_LO:    mac_lo_reg <= merge(mac_lo_reg, s_axil_wdata, s_axil_wstrb);
            toffee_abi_pkg::REG_MAC_HI:    mac_hi_reg <= merge(mac_hi_reg, s_axil_wdata, s_axil_wstrb);
            toffee_abi_pkg::REG_CTX_LIMIT: ctx_limit_reg <= merge(ctx_limit_reg, s_axil_wdata, s_axil_wstrb);
            default: ;
        endcase
        if (wdec[D_IS_SPQ] && wdec[D_QW +: 3] != 3'd7)
            spq_reg[32*{wdec[D_Q +: 2], wdec[D_QW +: 3]} +: 32] <=
                merge(spq_reg[32*{wdec[D_Q +: 2], wdec[D_QW +: 3]} +: 32], s_axil_wdata, s_axil_wstrb);
    end
    for (int q = 0; q < 4; q = q + 1) begin
        if (spq_head_we[q])
            spq_reg[32*(8*q + 32'(toffee_abi_pkg::Q_HEAD) / 4) +: 32] <= spq_head_wdata[32*q +: 32];
        if (spq_tail_we[q])
            spq_reg[32*(8*q + 32'(toffee_abi_pkg::Q_TAIL) / 4) +: 32] <= spq_tail_wdata[32*q +: 32];
    end

    if (rst) begin
        state_reg <= ST_IDLE;
        db_valid_reg <= 1'b0;
        cnt_latch_valid_reg <= 1'b0;
        ctrl_reg <= '0;
        mac_lo_reg <= '0;
        mac_hi_reg <= '0;
        ctx_limit_reg <= '0;
        spq_reg <= '0;
    end
end

assign s_axil_bresp = 2'b00;
assign s_axil_bvalid = state_reg == ST_WRESP;
assign s_axil_rdata = rdata_reg;
assign s_axil_rresp = 2'b00;
assign s_axil_rvalid = state_reg == ST_RRESP;

assign m_axis_db_tvalid = db_valid_reg;
assign m_axis_db_ctx = db_ctx_reg;
assign m_axis_db_reg = db_reg_reg;
assign m_axis_db_value = wdata_reg;

assign ctrl = ctrl_reg;
assign mac = {mac_hi_reg[15:0], mac_lo_reg};
assign ctx_limit = ctx_limit_reg;

for (genvar q = 0; q < 4; q = q + 1) begin : g_spq_out
    localparam integer W = 8 * q;
    assign spq_base[64*q +: 64] = {spq_reg[32*(W + 32'(toffee_abi_pkg::Q_BASE_HI) / 4) +: 32],
                                   spq_reg[32*(W + 32'(toffee_abi_pkg::Q_BASE_LO) / 4) +: 32]};
    assign spq_log2[32*q +: 32] = spq_reg[32*(W + 32'(toffee_abi_pkg::Q_LOG2) / 4) +: 32];
    assign spq_buf[64*q +: 64] = {spq_reg[32*(W + 32'(toffee_abi_pkg::Q_BUF_HI) / 4) +: 32],
                                  spq_reg[32*(W + 32'(toffee_abi_pkg::Q_BUF_LO) / 4) +: 32]};
    assign spq_head[32*q +: 32] = spq_reg[32*(W + 32'(toffee_abi_pkg::Q_HEAD) / 4) +: 32];
    assign spq_tail[32*q +: 32] = spq_reg[32*(W + 32'(toffee_abi_pkg::Q_TAIL) / 4) +: 32];
end

endmodule

`default_nettype wire
