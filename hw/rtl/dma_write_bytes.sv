// SPDX-License-Identifier: MIT
// dma_write_bytes: copies bytes of a source stream (a received frame from the
// frame FIFO, or any beat stream with tkeep/tlast) to up to two host-memory
// destinations through the DMA write channel, realigned to the destination.
//
// A command {skip, (iova0, len0), (iova1, len1), drain} writes source bytes
// [skip, skip + len0) to [iova0, iova0 + len0) and the bytes that follow,
// [skip + len0, skip + len0 + len1), to [iova1, iova1 + len1) — the two
// pieces of the firmware's deposit() (receive buffer wrap), or one piece for
// the exception frame copy. Source byte j is lane j mod B of beat j div B
// (B = DATA_WIDTH/8), beats counted from the first beat the command sees.
//
// Each non-empty piece is one write transaction (last on its final beat) of
// beat-aligned beats with strobes exactly on the piece's bytes: nothing
// outside [iova, iova + len) is ever written. Source bytes whose tkeep is 0,
// or that lie past the source's tlast, are not written either (a source
// shorter than skip + len0 + len1 leaves those destination bytes untouched;
// the beats are still issued, with fewer or no strobes).
//
// Consumption: with drain = 1 the command consumes the source through its
// tlast beat, whatever the pieces (also when both are empty); with drain = 0
// it consumes only the beats holding source bytes [0, skip + len0 + len1)
// (or through tlast if that comes first), and the next command starts at
// the beat after them.
//
// Data path: a window of two source beats (w0, w1) and a byte shift of the
// pair by the piece's rotation ((src - dst) mod B) into a two-entry output
// buffer; the shift is the only wide logic (a B:1 byte mux per lane) and
// sits between registers. One output beat per cycle sustained when the
// source delivers one beat per cycle; a command costs 2 cycles of setup,
// a piece change at most one bubble; the next command is taken in the
// cycle after the source's last beat (4 cycles per one-beat frame).
// Handshakes: s_axis_src_tready and s_axis_cmd_tready are functions of
// registers only (not of any valid or of m_axis_dma_wr_tready), and
// m_axis_dma_wr_tready only enables registers: no combinational path from
// input to output.
//
// busy: a command is in progress or write beats are still buffered. When it
// falls, every beat of the previous commands has been handed to the write
// channel (so a ring entry issued after it lands after the data). done: a
// one-cycle pulse when busy falls after commands were accepted (at the
// earliest three cycles after an acceptance; busy is high in between; one
// pulse for commands given back to back).
`default_nettype none

module dma_write_bytes #(
    // Data width in bits (source and DMA): a power of two, 64 .. 512.
    parameter DATA_WIDTH = 64,
    // Bytes per beat (derived).
    parameter KEEP_WIDTH = DATA_WIDTH / 8
) (
    input  wire                   clk,
    input  wire                   rst,

    // Command.
    input  wire                   s_axis_cmd_tvalid,
    output wire                   s_axis_cmd_tready,
    input  wire [15:0]            s_axis_cmd_skip,    // source bytes to pass over
    input  wire [63:0]            s_axis_cmd_iova0,   // piece 0: any alignment
    input  wire [15:0]            s_axis_cmd_len0,
    input  wire [63:0]            s_axis_cmd_iova1,   // piece 1 (continues the bytes)
    input  wire [15:0]            s_axis_cmd_len1,
    input  wire                   s_axis_cmd_drain,   // consume through tlast

    // Source bytes.
    input  wire [DATA_WIDTH-1:0]  s_axis_src_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_src_tkeep,
    input  wire                   s_axis_src_tvalid,
    output wire                   s_axis_src_tready,
    input  wire                   s_axis_src_tlast,

    // DMA write channel (docs/rtl.md).
    output wire                   m_axis_dma_wr_tvalid,
    input  wire                   m_axis_dma_wr_tready,
    output wire [63:0]            m_axis_dma_wr_addr,   // beat-aligned
    output wire [DATA_WIDTH-1:0]  m_axis_dma_wr_data,
    output wire [KEEP_WIDTH-1:0]  m_axis_dma_wr_strb,
    output wire                   m_axis_dma_wr_last,   // end of a piece

    output wire                   busy,
    output wire                   done      // one cycle: accepted commands all done
);

localparam LG = $clog2(KEEP_WIDTH);
// Byte positions: skip + len0 + len1 + B < 2^18.
localparam BW = 18;
// Beat indices.
localparam IW = BW - LG;
localparam [KEEP_WIDTH-1:0] ALL = {KEEP_WIDTH{1'b1}};

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG) != KEEP_WIDTH || KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_err_dw
    $error("dma_write_bytes: DATA_WIDTH must be a power of two in 64 .. 512");
end

localparam [1:0] ST_IDLE = 2'd0, ST_PREP = 2'd1, ST_RUN = 2'd2, ST_DRAIN = 2'd3;
logic [1:0] state_reg = ST_IDLE;

// Command registers.
logic [15:0] skip_reg = '0, len0_reg = '0, len1_reg = '0;
logic [63:0] iova0_reg = '0, iova1_reg = '0;
logic drain_reg = 1'b0;

// ---- Piece parameters (computed in ST_PREP from the command registers) ----
// In biased beat indices: source beat i is index i + 1, index 0 is a virtual
// beat before the source (w0 holds it, keep 0, when a command starts). Output
// beat n of a piece (S = source start, D = destination, d = D mod B) takes
// byte (rot + l) of the pair (beat b + n, beat b + n + 1) into lane l, where
// S + B - d = b * B + rot.
wire [BW-1:0] p0_s = BW'(skip_reg);
wire [BW-1:0] p1_s = BW'(skip_reg) + BW'(len0_reg);

wire [LG-1:0] p0_d = iova0_reg[LG-1:0];
wire [LG-1:0] p1_d = iova1_reg[LG-1:0];
wire [BW-1:0] p0_t = p0_s + BW'(KEEP_WIDTH) - BW'(p0_d);
wire [BW-1:0] p1_t = p1_s + BW'(KEEP_WIDTH) - BW'(p1_d);
wire [IW-1:0] p0_b = p0_t[BW-1:LG];
wire [IW-1:0] p1_b = p1_t[BW-1:LG];
wire [LG-1:0] p0_rot = p0_t[LG-1:0];
wire [LG-1:0] p1_rot = p1_t[LG-1:0];
wire [BW-1:0] p0_end = BW'(p0_d) + BW'(len0_reg);
wire [BW-1:0] p1_end = BW'(p1_d) + BW'(len1_reg);
// verilator lint_off UNUSEDSIGNAL
wire [BW-1:0] p0_endr = p0_end + BW'(KEEP_WIDTH - 1);   // low bits unused
wire [BW-1:0] p1_endr = p1_end + BW'(KEEP_WIDTH - 1);
// verilator lint_on UNUSEDSIGNAL
wire [IW-1:0] p0_n = p0_endr[BW-1:LG];                  // beats of the piece
wire [IW-1:0] p1_n = p1_endr[BW-1:LG];
wire [LG-1:0] p0_e = p0_end[LG-1:0];                    // end lane of the last beat
wire [LG-1:0] p1_e = p1_end[LG-1:0];
// Strobes of the first and of the last beat.
wire [KEEP_WIDTH-1:0] p0_fm = ALL << p0_d;
wire [KEEP_WIDTH-1:0] p1_fm = ALL << p1_d;
wire [KEEP_WIDTH-1:0] p0_lm = p0_e == '0 ? ALL : ~(ALL << p0_e);
wire [KEEP_WIDTH-1:0] p1_lm = p1_e == '0 ? ALL : ~(ALL << p1_e);
// Last beat needs the second source beat: rot + (bytes in the last beat) > B.
wire [LG:0] p0_e1 = p0_e == '0 ? (LG+1)'(KEEP_WIDTH) : {1'b0, p0_e};
wire [LG:0] p1_e1 = p1_e == '0 ? (LG+1)'(KEEP_WIDTH) : {1'b0, p1_e};
wire p0_nb1 = {1'b0, p0_rot} + p0_e1 > (LG+1)'(KEEP_WIDTH);
wire p1_nb1 = {1'b0, p1_rot} + p1_e1 > (LG+1)'(KEEP_WIDTH);

// Current piece, and the second one while the first runs.
logic [IW-1:0] cur_n_reg = '0, nxt_n_reg = '0;      // beats left (cur: incl. this)
logic [LG-1:0] cur_rot_reg = '0, nxt_rot_reg = '0;
logic cur_nb1_reg = 1'b0, nxt_nb1_reg = 1'b0;      // last beat needs its second beat
logic cur_rotnz_reg = 1'b0, nxt_rotnz_reg = 1'b0;  // other beats do (rot != 0)
logic need_b1_reg = 1'b0;                           // this beat needs its second beat
logic [63:LG] cur_addr_reg = '0, nxt_addr_reg = '0;
logic [KEEP_WIDTH-1:0] cur_smask_reg = '0;          // strobe mask of this beat
logic [KEEP_WIDTH-1:0] cur_lm_reg = '0, nxt_fm_reg = '0, nxt_lm_reg = '0;
logic cur_last_reg = 1'b0;
logic has_nxt_reg = 1'b0;

// ---- Source window ----
logic [DATA_WIDTH-1:0] w0_reg = '0, w1_reg = '0;
logic [KEEP_WIDTH-1:0] w0k_reg = '0, w1k_reg = '0;  // w1k = 0 while !v1
logic v1_reg = 1'b0;
// Beats still to consume with drain = 0.
logic [IW-1:0] left_reg = '0;
// No more source beats for this command: past tlast, or all needed (drain 0).
logic stop_reg = 1'b0;

// Position of the window relative to the current output beat: dist = (its
// base beat b) - (the beat in w0), never below -1. aligned: dist = 0 (w0, w1
// are its pair); behind: dist = -1 (w0 is its second beat; the first holds
// none of its bytes); ahead: dist > 0 (shift first). nxt_rel: the same for
// the second piece's first beat.
localparam DW_ = IW + 1;
logic [DW_-1:0] dist_reg = '0, nxt_rel_reg = '0;
logic aligned_reg = 1'b0, behind_reg = 1'b0, ahead_reg = 1'b0;

// ---- Output buffer (skid_buf, below) ----
wire out_rdy;                        // it takes a beat

// ---- Emit / shift / load decisions (all from registers) ----
wire run = state_reg == ST_RUN;
wire have_b1 = v1_reg || stop_reg;
wire emit = run && out_rdy && (behind_reg || (aligned_reg && (!need_b1_reg || have_b1)));
wire shift = run && have_b1 && (ahead_reg || (emit && aligned_reg && !cur_last_reg));
wire can_load = !stop_reg && (state_reg == ST_DRAIN ||
                              ((state_reg == ST_PREP || run) && (!v1_reg || shift)));
wire load = can_load && s_axis_src_tvalid;

assign s_axis_src_tready = can_load;
// A command is taken when idle or when the previous one has only its end of
// drain left (no more source beats): back to back.
wire cmd_rdy = state_reg == ST_IDLE || (state_reg == ST_DRAIN && stop_reg);
assign s_axis_cmd_tready = cmd_rdy;
wire cmd_fire = s_axis_cmd_tvalid && cmd_rdy;

// The output beat.
wire [2*DATA_WIDTH-1:0] pair_d = {behind_reg ? w0_reg : w1_reg, w0_reg};
wire [2*KEEP_WIDTH-1:0] pair_k = {behind_reg ? w0k_reg : w1k_reg, w0k_reg};
// verilator lint_off UNUSEDSIGNAL
wire [2*DATA_WIDTH-1:0] sh_d = pair_d >> {cur_rot_reg, 3'b000};
wire [2*KEEP_WIDTH-1:0] sh_k = pair_k >> cur_rot_reg;
// verilator lint_on UNUSEDSIGNAL
wire [DATA_WIDTH-1:0] e_data = sh_d[DATA_WIDTH-1:0];
wire [KEEP_WIDTH-1:0] e_strb = sh_k[KEEP_WIDTH-1:0] & cur_smask_reg;

// Window position after a shift alone (only while ahead) and at the piece
// change.
wire d_is1 = dist_reg == DW_'(1);
wire n_is0 = nxt_rel_reg == '0;
wire n_ism1 = nxt_rel_reg == '1;
wire n_gt0 = !nxt_rel_reg[DW_-1] && !n_is0;

always_ff @(posedge clk) begin
    // Command.
    if (cmd_fire) begin
        skip_reg <= s_axis_cmd_skip;
        len0_reg <= s_axis_cmd_len0;
        len1_reg <= s_axis_cmd_len1;
        iova0_reg <= s_axis_cmd_iova0;
        iova1_reg <= s_axis_cmd_iova1;
        drain_reg <= s_axis_cmd_drain;
        left_reg <= IW'((BW'(s_axis_cmd_skip) + BW'(s_axis_cmd_len0) + BW'(s_axis_cmd_len1) +
                         BW'(KEEP_WIDTH - 1)) >> LG);
        stop_reg <= !s_axis_cmd_drain && s_axis_cmd_skip == '0 && s_axis_cmd_len0 == '0 &&
                    s_axis_cmd_len1 == '0;
        v1_reg <= 1'b0;
        w0k_reg <= '0;
        w1k_reg <= '0;
    end

    // Window.
    if (shift) begin
        w0_reg <= w1_reg;
        w0k_reg <= w1k_reg;
        nxt_rel_reg <= nxt_rel_reg - 1'b1;
    end
    if (load) begin
        w1_reg <= s_axis_src_tdata;
        w1k_reg <= s_axis_src_tkeep;
        left_reg <= left_reg - 1'b1;
        stop_reg <= s_axis_src_tlast || (!drain_reg && left_reg == IW'(1));
        v1_reg <= 1'b1;
    end else if (shift) begin
        w1k_reg <= '0;
        v1_reg <= 1'b0;
    end

    // Pieces.
    case (state_reg)
        ST_IDLE:
            if (cmd_fire)
                state_reg <= ST_PREP;
        ST_PREP: begin
            nxt_rel_reg <= DW_'(p1_b);
            nxt_rot_reg <= p1_rot;
            nxt_n_reg <= p1_n;
            nxt_nb1_reg <= p1_nb1;
            nxt_rotnz_reg <= p1_rot != '0;
            nxt_addr_reg <= iova1_reg[63:LG];
            nxt_fm_reg <= p1_fm;
            nxt_lm_reg <= p1_lm;
            behind_reg <= 1'b0;
            if (len0_reg != '0) begin
                dist_reg <= DW_'(p0_b);
                aligned_reg <= p0_b == '0;
                ahead_reg <= p0_b != '0;
                cur_rot_reg <= p0_rot;
                cur_n_reg <= p0_n;
                cur_nb1_reg <= p0_nb1;
                cur_rotnz_reg <= p0_rot != '0;
                need_b1_reg <= p0_n == IW'(1) ? p0_nb1 : p0_rot != '0;
                cur_addr_reg <= iova0_reg[63:LG];
                cur_lm_reg <= p0_lm;
                cur_smask_reg <= p0_fm & (p0_n == IW'(1) ? p0_lm : ALL);
                cur_last_reg <= p0_n == IW'(1);
                has_nxt_reg <= len1_reg != '0;
                state_reg <= ST_RUN;
            end else begin
                dist_reg <= DW_'(p1_b);
                aligned_reg <= p1_b == '0;
                ahead_reg <= p1_b != '0;
                cur_rot_reg <= p1_rot;
                cur_n_reg <= p1_n;
                cur_nb1_reg <= p1_nb1;
                cur_rotnz_reg <= p1_rot != '0;
                need_b1_reg <= p1_n == IW'(1) ? p1_nb1 : p1_rot != '0;
                cur_addr_reg <= iova1_reg[63:LG];
                cur_lm_reg <= p1_lm;
                cur_smask_reg <= p1_fm & (p1_n == IW'(1) ? p1_lm : ALL);
                cur_last_reg <= p1_n == IW'(1);
                has_nxt_reg <= 1'b0;
                state_reg <= len1_reg != '0 ? ST_RUN : ST_DRAIN;
            end
        end
        ST_RUN:
            if (emit && cur_last_reg) begin
                // Piece change (no shift in this cycle).
                dist_reg <= nxt_rel_reg;
                aligned_reg <= n_is0;
                behind_reg <= n_ism1;
                ahead_reg <= n_gt0;
                cur_rot_reg <= nxt_rot_reg;
                cur_n_reg <= nxt_n_reg;
                cur_nb1_reg <= nxt_nb1_reg;
                cur_rotnz_reg <= nxt_rotnz_reg;
                need_b1_reg <= nxt_n_reg == IW'(1) ? nxt_nb1_reg : nxt_rotnz_reg;
                cur_addr_reg <= nxt_addr_reg;
                cur_lm_reg <= nxt_lm_reg;
                cur_smask_reg <= nxt_fm_reg & (nxt_n_reg == IW'(1) ? nxt_lm_reg : ALL);
                cur_last_reg <= nxt_n_reg == IW'(1);
                has_nxt_reg <= 1'b0;
                if (!has_nxt_reg)
                    state_reg <= ST_DRAIN;
            end else begin
                if (emit) begin
                    cur_n_reg <= cur_n_reg - 1'b1;
                    cur_addr_reg <= cur_addr_reg + 1'b1;
                    cur_smask_reg <= cur_n_reg == IW'(2) ? cur_lm_reg : ALL;
                    cur_last_reg <= cur_n_reg == IW'(2);
                    need_b1_reg <= cur_n_reg == IW'(2) ? cur_nb1_reg : cur_rotnz_reg;
                end
                if (emit && !shift) begin
                    // Next beat one further, window not moved: from behind to
                    // aligned, from aligned to ahead.
                    dist_reg <= dist_reg + 1'b1;
                    aligned_reg <= behind_reg;
                    ahead_reg <= aligned_reg;
                    behind_reg <= 1'b0;
                end else if (shift && !emit) begin
                    // Catching up while ahead.
                    dist_reg <= dist_reg - 1'b1;
                    aligned_reg <= d_is1;
                    ahead_reg <= !d_is1;
                end
            end
        ST_DRAIN:
            if (cmd_fire)
                state_reg <= ST_PREP;
            else if (stop_reg)
                state_reg <= ST_IDLE;
        default:
            state_reg <= ST_IDLE;
    endcase

    if (rst) begin
        state_reg <= ST_IDLE;
        v1_reg <= 1'b0;
        stop_reg <= 1'b0;
    end
end

// ---- Output buffer ----
wire out_busy;
wire [63:LG] out_addr;
skid_buf #(.WIDTH(64 - LG + DATA_WIDTH + KEEP_WIDTH + 1)) out_inst (
    .clk(clk), .rst(rst),
    .in_valid(emit), .in_ready(out_rdy), .in_data({cur_addr_reg, e_data, e_strb, cur_last_reg}),
    .out_valid(m_axis_dma_wr_tvalid), .out_ready(m_axis_dma_wr_tready),
    .out_data({out_addr, m_axis_dma_wr_data, m_axis_dma_wr_strb, m_axis_dma_wr_last}), .busy(out_busy)
);
assign m_axis_dma_wr_addr = {out_addr, LG'(0)};
assign busy = state_reg != ST_IDLE || out_busy;

logic pend_reg = 1'b0;                // a command was accepted, done not yet
always_ff @(posedge clk) begin
    if (cmd_fire)
        pend_reg <= 1'b1;
    else if (!busy)
        pend_reg <= 1'b0;
    if (rst)
        pend_reg <= 1'b0;
end
assign done = pend_reg && !busy;

endmodule

`default_nettype wire
