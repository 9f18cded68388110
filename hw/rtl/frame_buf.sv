// SPDX-License-Identifier: MIT
// frame_buf: the engine's frame buffer (docs/rtl.md "The protocol engine").
// Two banks of one frame slot each. The loader copies frames from the frame
// FIFO into them ahead of the engine's sequencer, so that a frame's copy
// overlaps the previous frame's processing; the sequencer's frame is the
// oldest loaded one, replayed to the write mover as often as its actions
// need it (deposit, exception copy). A READ_STATE image is written to the
// top of bank 0, above the largest frame, and can be replayed instead.
//
// The sequencer takes a segment (take), whose frame is then its job until
// it is idle again; the frame's bank is released then, or when the replay
// still reading it ends. cur_ready: the job's frame is loaded and its bank
// is not still held for the previous frame's replay.
// Replay: rp_start (with rp_img, rp_off, rp_len as they are in that cycle)
// streams the beats holding bytes [rp_off, rp_len) of the frame or image,
// the first byte of each beat at lane 0 of the slot (the mover skips the
// bytes before rp_off in the first beat; the last beat's tkeep ends at
// byte rp_len - 1).
`default_nettype none

module frame_buf #(
    parameter DATA_WIDTH = 64,
    parameter KEEP_WIDTH = DATA_WIDTH / 8
) (
    input  wire                   clk,
    input  wire                   rst,

    // Frames (from the frame FIFO; tkeep is implied by the frame's length).
    input  wire [DATA_WIDTH-1:0]  s_axis_frame_tdata,
    input  wire                   s_axis_frame_tvalid,
    output wire                   s_axis_frame_tready,
    input  wire                   s_axis_frame_tlast,

    // The sequencer.
    input  wire                   take,
    input  wire                   seq_idle,
    output wire                   job,
    output wire                   cur_ready,

    // READ_STATE image, one beat per cycle while img_we (the loader pauses:
    // one write port).
    input  wire                   img_we,
    input  wire [4:0]             img_beat,
    input  wire [DATA_WIDTH-1:0]  img_data,

    // Replay to the write mover.
    input  wire                   rp_start,
    input  wire                   rp_img,
    input  wire [15:0]            rp_off,
    input  wire [15:0]            rp_len,
    output wire                   rp_idle,
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast
);

localparam B = KEEP_WIDTH;
localparam LG_B = $clog2(B);
localparam FB_DEPTH = 2048 / B;              // beats of one frame slot
localparam FBA_W = $clog2(FB_DEPTH);
localparam IMG_BASE = FB_DEPTH - 128 / B;
if ((toffee_abi_pkg::MAX_FRAME + B - 1) / B > IMG_BASE) begin : g_err_fb
    $error("frame_buf: frame buffer bank too small for a frame and the state image");
end

logic [DATA_WIDTH-1:0] fbuf [2 * FB_DEPTH];
logic fb_we;
logic [FBA_W:0] fb_waddr;
logic [DATA_WIDTH-1:0] fb_wdata;

// Loader.
logic [1:0] bank_full_reg = '0;
logic ld_bank_reg = 1'b0;                      // bank being loaded
logic cur_bank_reg = 1'b0;                     // the sequencer's frame
logic [FBA_W-1:0] load_addr_reg = '0;
logic rx_job_reg = 1'b0;                       // the sequencer holds bank cur_bank_reg
wire ld_go = s_axis_frame_tvalid && s_axis_frame_tready;
wire frame_done = rx_job_reg && seq_idle;
// The sequencer is done with its frame while the replay still reads it: the
// bank is released when the replay ends.
logic rel_pend_reg = 1'b0;
logic rel_bank_reg = 1'b0;
assign s_axis_frame_tready = !bank_full_reg[ld_bank_reg] && !img_we;
assign job = rx_job_reg;
assign cur_ready = bank_full_reg[cur_bank_reg] && !(rel_pend_reg && rel_bank_reg == cur_bank_reg);

always_comb begin
    fb_we = 1'b0;
    fb_waddr = {ld_bank_reg, load_addr_reg};
    fb_wdata = s_axis_frame_tdata;
    if (ld_go)
        fb_we = 1'b1;
    if (img_we) begin
        fb_we = 1'b1;
        fb_waddr = (FBA_W+1)'(IMG_BASE) + (FBA_W+1)'(img_beat);
        fb_wdata = img_data;
    end
end

always_ff @(posedge clk) begin
    if (fb_we)
        fbuf[fb_waddr] <= fb_wdata;
end

// Replay: rp_len bytes from the sequencer's frame, or from the image.
logic rp_active_reg = 1'b0;
logic [FBA_W:0] rp_addr_reg = '0;
logic [FBA_W:0] rp_end_reg = '0;               // last beat
logic [KEEP_WIDTH-1:0] rp_last_keep_reg = '0;
logic rp_valid_reg = 1'b0;
logic rp_last_reg = 1'b0;
logic [DATA_WIDTH-1:0] rp_data_reg = '0;
logic [KEEP_WIDTH-1:0] rp_keep_reg = '0;
wire rp_adv = !rp_valid_reg || m_axis_tready;

// The replay starts at the beat holding byte rp_off (the mover skips the
// bytes before it in that beat) and ends at the frame's last beat.
wire [FBA_W:0] rp_base = rp_img ? (FBA_W+1)'(IMG_BASE) : {cur_bank_reg, FBA_W'(0)};
wire [FBA_W:0] rp_first = rp_base + (FBA_W+1)'(rp_off >> LG_B);
wire [15:0] rp_len_m1 = rp_len - 16'd1;

always_ff @(posedge clk) begin
    if (rp_adv) begin
        rp_valid_reg <= 1'b0;
        if (rp_active_reg) begin
            rp_data_reg <= fbuf[rp_addr_reg];
            rp_valid_reg <= 1'b1;
            rp_last_reg <= rp_addr_reg == rp_end_reg;
            rp_keep_reg <= rp_addr_reg == rp_end_reg ? rp_last_keep_reg : {KEEP_WIDTH{1'b1}};
            rp_addr_reg <= rp_addr_reg + 1'b1;
            if (rp_addr_reg == rp_end_reg)
                rp_active_reg <= 1'b0;
        end
    end
    if (rp_start) begin
        rp_valid_reg <= 1'b0;
        rp_active_reg <= 1'b1;
        rp_addr_reg <= rp_first;
        rp_end_reg <= rp_base + (FBA_W+1)'(rp_len_m1 >> LG_B);
        rp_last_keep_reg <= KEEP_WIDTH'((65'd2 << rp_len_m1[LG_B-1:0]) - 65'd1);
    end
    if (rst) begin
        rp_active_reg <= 1'b0;
        rp_valid_reg <= 1'b0;
    end
end

// The replay is over (the mover has its last beat); or it still reads
// the sequencer's bank.
assign rp_idle = !rp_active_reg && !rp_valid_reg;
wire rp_on_cur = !rp_idle && rp_addr_reg[FBA_W] == cur_bank_reg;

// Loader: banks filled from the frame stream, released by the sequencer
// (and its replay).
always_ff @(posedge clk) begin
    if (ld_go) begin
        load_addr_reg <= load_addr_reg + 1'b1;
        if (s_axis_frame_tlast) begin
            bank_full_reg[ld_bank_reg] <= 1'b1;
            ld_bank_reg <= !ld_bank_reg;
            load_addr_reg <= '0;
        end
    end
    if (rel_pend_reg && rp_idle) begin
        bank_full_reg[rel_bank_reg] <= 1'b0;
        rel_pend_reg <= 1'b0;
    end
    if (frame_done) begin                      // never the bank being filled
        if (rp_on_cur) begin
            rel_pend_reg <= 1'b1;
            rel_bank_reg <= cur_bank_reg;
        end else begin
            bank_full_reg[cur_bank_reg] <= 1'b0;
        end
        cur_bank_reg <= !cur_bank_reg;
        rx_job_reg <= 1'b0;
    end
    if (take)
        rx_job_reg <= 1'b1;
    if (rst) begin
        bank_full_reg <= '0;
        ld_bank_reg <= 1'b0;
        cur_bank_reg <= 1'b0;
        load_addr_reg <= '0;
        rx_job_reg <= 1'b0;
        rel_pend_reg <= 1'b0;
    end
end

assign m_axis_tdata = rp_data_reg;
assign m_axis_tkeep = rp_keep_reg;
assign m_axis_tvalid = rp_valid_reg;
assign m_axis_tlast = rp_last_reg;

endmodule

`default_nettype wire
