// SPDX-License-Identifier: MIT
// ring_reader: fetches the entries of a host-produced ring (slow-path CMD,
// RAW, a context's CMD ring) through the DMA read channel of docs/rtl.md
// and delivers them in order, each with its index and its phase verdict.
//
// The ring is given by the register file: base (IOVA, aligned to
// ENTRY_BYTES), log2 (0 = disabled), head (the consumer index: written by
// the consumer, i.e. the engine, after it has executed an entry) and tail
// (the producer index from the doorbell). The reader keeps its own fetch
// index and prefetches up to DEPTH entries (one DMA request of ENTRY_BYTES
// per entry, never more requests than it has room for). Entry i is
// delivered on m_axis_entry when head == i, i.e. after the consumer has
// advanced head past entry i - 1: entries are executed one after the other,
// as fp_cmd_poll_*() does, and head stays the consumer's.
//
// ring_pending() (firmware/fp_cmd.c): a producer more than a ring ahead
// (tail - head > 2^log2) is nonsense: the reader discards everything
// fetched, pulses ovr_valid with ovr_head = tail (the consumer writes it to
// head and counts DROP_CMD_BAD, as the firmware does; for the RAW ring the
// firmware counts CMD_BAD too) and waits until head reads ovr_head. The
// test is made whenever the next entry is due (head == its index) and
// blocks delivery while it holds - the firmware makes it once per poll
// before the entries, which is the same as long as the producer only moves
// tail forward by at most a ring.
//
// phase_ok: the entry's last byte equals toffee_phase(index, log2)
// (((index >> log2) & 1) ^ 1). The consumer treats a bad phase as the
// firmware does (CMD: -EPROTO and CMD_BAD; RAW: RAW_BAD; context: CMD_BAD)
// and advances head anyway.
//
// Resynchronisation: when the ring is disabled (log2 = 0), its base or size
// changes, or head moves anywhere but to the next index (the slow path reset
// the ring), everything fetched is discarded (responses still in flight are
// dropped when they arrive) and fetching restarts at head.
//
// Inputs are registered twice; delivery follows a head write by three cycles.
`default_nettype none

module ring_reader #(
    // DMA data width in bits: 64 .. 512.
    parameter DATA_WIDTH = 64,
    // Entry size in bytes: 16 or 32 (a power of two, 8 .. 64).
    parameter ENTRY_BYTES = 16,
    // Entries prefetched and buffered (power of two, 2 .. 16).
    parameter DEPTH = 4,
    // DMA tag width (the tag carries the low bits of the entry index; the
    // reader relies on response order only).
    parameter TAG_WIDTH = 8
) (
    input  wire                      clk,
    input  wire                      rst,

    // Ring registers.
    input  wire [63:0]               cfg_base,
    input  wire [4:0]                cfg_log2,
    input  wire [31:0]               cfg_head,
    input  wire [31:0]               cfg_tail,

    // Producer overrun: write ovr_head to head, count DROP_CMD_BAD.
    output wire                      ovr_valid,
    output wire [31:0]               ovr_head,

    // DMA read requests and responses.
    output wire                      m_axis_dma_rd_req_tvalid,
    input  wire                      m_axis_dma_rd_req_tready,
    output wire [63:0]               m_axis_dma_rd_req_addr,
    output wire [15:0]               m_axis_dma_rd_req_len,
    output wire [TAG_WIDTH-1:0]      m_axis_dma_rd_req_tag,

    input  wire                      s_axis_dma_rd_resp_tvalid,
    output wire                      s_axis_dma_rd_resp_tready,
    input  wire [DATA_WIDTH-1:0]     s_axis_dma_rd_resp_data,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [TAG_WIDTH-1:0]      s_axis_dma_rd_resp_tag,
    // verilator lint_on UNUSEDSIGNAL
    input  wire                      s_axis_dma_rd_resp_last,

    // Entries, in ring order.
    output wire                      m_axis_entry_tvalid,
    input  wire                      m_axis_entry_tready,
    output wire [ENTRY_BYTES*8-1:0]  m_axis_entry_data,
    output wire [31:0]               m_axis_entry_idx,
    output wire                      m_axis_entry_phase_ok
);

localparam B = DATA_WIDTH / 8;
localparam LG_B = $clog2(B);
localparam EW = ENTRY_BYTES * 8;
localparam LG_E = $clog2(ENTRY_BYTES);
localparam LG_D = $clog2(DEPTH);
localparam NBEATS = ENTRY_BYTES > B ? ENTRY_BYTES / B : 1;   // response beats per entry
localparam CNT_W = LG_D + 1;

if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << LG_B) != B || B * 8 != DATA_WIDTH) begin : g_err_dw
    $error("ring_reader: DATA_WIDTH must be a power of two in 64 .. 512");
end
if ((1 << LG_E) != ENTRY_BYTES || ENTRY_BYTES < 8 || ENTRY_BYTES > 64) begin : g_err_entry
    $error("ring_reader: ENTRY_BYTES must be a power of two in 8 .. 64");
end
if ((1 << LG_D) != DEPTH || DEPTH < 2 || DEPTH > 16) begin : g_err_depth
    $error("ring_reader: DEPTH must be a power of two in 2 .. 16");
end
if (TAG_WIDTH < 1 || TAG_WIDTH > 32) begin : g_err_tag
    $error("ring_reader: TAG_WIDTH must be in 1 .. 32");
end

// ---------------------------------------------------------------------------
// Registered configuration and derived conditions.
// ---------------------------------------------------------------------------
// Two register stages: the second holds a consistent view (head, tail,
// configuration and the overrun test of the same cycle).
logic [63:0] base_r = '0, base_q = '0;
logic [4:0]  log2_r = '0, log2_q = '0;
logic [31:0] head_r = '0, tail_r = '0, head_q = '0, tail_q = '0;
logic        chg_q = 1'b0;                       // base or log2 just changed
logic        ovr_q = 1'b0;                       // ring_pending() would reset
wire  [32:0] size_r = 33'd1 << log2_r;
wire  [31:0] pend_r = tail_r - head_r;
always_ff @(posedge clk) begin
    base_r <= cfg_base;
    log2_r <= cfg_log2;
    head_r <= cfg_head;
    tail_r <= cfg_tail;
    base_q <= base_r;
    log2_q <= log2_r;
    head_q <= head_r;
    tail_q <= tail_r;
    chg_q <= base_r != base_q || log2_r != log2_q;
    ovr_q <= log2_r != 5'd0 && {1'b0, pend_r} > size_r;
end
wire [32:0] size = 33'd1 << log2_q;

// ---------------------------------------------------------------------------
// Indices and counters.
// ---------------------------------------------------------------------------
logic [31:0] fidx_reg = '0;       // next index to request
logic [31:0] ridx_reg = '0;       // index of the next kept response
logic [31:0] didx_reg = '0;       // index of the next entry to deliver
logic [CNT_W-1:0] out_reg = '0;   // requests whose response has not ended
logic [CNT_W-1:0] drop_reg = '0;  // of which the oldest to drop
logic [CNT_W-1:0] cnt_reg = '0;   // entries in the FIFO
logic [LG_D-1:0] wp_reg = '0, rp_reg = '0;
logic wait_reg = 1'b0;            // overrun posted, waiting for head
logic [31:0] ovr_head_qeg = '0;
logic ovr_pulse_reg = 1'b0;

// head_q against the delivery index, registered: due (head == didx: the
// next entry may go) and head_ok (head == didx or didx - 1: the consumer
// is executing the last entry). Compared one cycle ahead against every
// value didx_reg can take next, then selected.
logic due_reg = 1'b0, hok_reg = 1'b0;
wire due = due_reg;
wire head_ok = hok_reg;
wire disabled = log2_q == 5'd0;
wire resync = !wait_reg && (disabled || chg_q || !head_ok);
wire do_ovr = !wait_reg && !resync && due && ovr_q;
wire flush = resync || do_ovr;

// Requests: room for the response, something produced, not past tail.
wire [31:0] ahead = tail_q - fidx_reg;
wire room = ({1'b0, out_reg} + {1'b0, cnt_reg}) < (CNT_W+1)'(DEPTH);
wire req_v = !flush && !wait_reg && !disabled && !ovr_q && room &&
             ahead != 32'd0 && {1'b0, ahead} <= size;
wire req_fire = req_v && m_axis_dma_rd_req_tready;
wire [31:0] slot = fidx_reg & (size[31:0] - 32'd1);
assign m_axis_dma_rd_req_tvalid = req_v;
assign m_axis_dma_rd_req_addr = {base_q[63:LG_E], LG_E'(0)} + 64'({slot, LG_E'(0)});
assign m_axis_dma_rd_req_len = 16'(ENTRY_BYTES);
assign m_axis_dma_rd_req_tag = TAG_WIDTH'(fidx_reg);

// Responses: always accepted (room was reserved at request time).
assign s_axis_dma_rd_resp_tready = 1'b1;
wire rsp_beat = s_axis_dma_rd_resp_tvalid;
wire rsp_end = rsp_beat && s_axis_dma_rd_resp_last;
wire rsp_drop = drop_reg != '0;
wire rsp_keep_end = rsp_end && !rsp_drop;

// Entry assembly.
// verilator lint_off UNUSEDSIGNAL
logic [EW-1:0] acc_reg = '0;        // earlier beats of a multi-beat entry
// verilator lint_on UNUSEDSIGNAL
logic [EW-1:0] entry;
if (ENTRY_BYTES >= B) begin : g_multi
    // Whole beats, in order; the last completes the entry.
    if (NBEATS > 1) begin : g_acc
        always_comb entry = {s_axis_dma_rd_resp_data, acc_reg[EW-1:DATA_WIDTH]};
        always_ff @(posedge clk)
            if (rsp_beat)
                acc_reg <= {s_axis_dma_rd_resp_data, acc_reg[EW-1:DATA_WIDTH]};
    end else begin : g_one
        always_comb entry = s_axis_dma_rd_resp_data;
    end
end else begin : g_part
    // The entry is a part of one beat, at its offset in the beat.
    wire [31:0] rslot = ridx_reg & (size[31:0] - 32'd1);
    wire [63:0] raddr = {base_q[63:LG_E], LG_E'(0)} + 64'({rslot, LG_E'(0)});
    wire [LG_B-LG_E-1:0] part = raddr[LG_B-1:LG_E];
    always_comb entry = s_axis_dma_rd_resp_data[EW*part +: EW];
    // verilator lint_off UNUSEDSIGNAL
    wire unused_addr = ^raddr;
    // verilator lint_on UNUSEDSIGNAL
end

wire phase_ok = entry[EW-8 +: 8] == {7'd0, !ridx_reg[log2_q]};

// FIFO of {phase_ok, entry}; index = didx + position.
logic [EW:0] mem [DEPTH];
always_ff @(posedge clk)
    if (rsp_keep_end)
        mem[wp_reg] <= {phase_ok, entry};

wire [EW:0] head_ent = mem[rp_reg];
wire out_v = cnt_reg != '0 && due && !flush && !wait_reg && !ovr_q;
wire out_fire = out_v && m_axis_entry_tready;
assign m_axis_entry_tvalid = out_v;
assign m_axis_entry_data = head_ent[EW-1:0];
assign m_axis_entry_phase_ok = head_ent[EW];
assign m_axis_entry_idx = didx_reg;

// ---------------------------------------------------------------------------
// Book-keeping.
// ---------------------------------------------------------------------------
wire c_d0 = head_r == didx_reg;
wire c_dp1 = head_r == didx_reg + 32'd1;
wire c_dm1 = head_r == didx_reg - 32'd1;
wire c_hq = head_r == head_q;
wire c_hqm1 = head_r == head_q - 32'd1;
wire c_tq = head_r == tail_q;
wire c_tqm1 = head_r == tail_q - 32'd1;
wire [CNT_W-1:0] out_next = out_reg + CNT_W'(req_fire) - CNT_W'(rsp_end);
always_ff @(posedge clk) begin
    ovr_pulse_reg <= 1'b0;
    out_reg <= out_next;
    if (rsp_end && rsp_drop)
        drop_reg <= drop_reg - 1'b1;
    if (req_fire)
        fidx_reg <= fidx_reg + 32'd1;
    if (rsp_keep_end) begin
        ridx_reg <= ridx_reg + 32'd1;
        wp_reg <= wp_reg + 1'b1;
    end
    if (out_fire) begin
        didx_reg <= didx_reg + 32'd1;
        rp_reg <= rp_reg + 1'b1;
    end
    cnt_reg <= cnt_reg + CNT_W'(rsp_keep_end) - CNT_W'(out_fire);
    if (wait_reg && (head_q == ovr_head_qeg || disabled))
        wait_reg <= 1'b0;
    if (flush) begin
        // Discard the FIFO and every response still to come.
        drop_reg <= out_next;
        cnt_reg <= '0;
        wp_reg <= '0;
        rp_reg <= '0;
        fidx_reg <= do_ovr ? tail_q : head_q;
        ridx_reg <= do_ovr ? tail_q : head_q;
        didx_reg <= do_ovr ? tail_q : head_q;
    end
    if (do_ovr) begin
        wait_reg <= 1'b1;
        ovr_head_qeg <= tail_q;
        ovr_pulse_reg <= 1'b1;
    end
    // due / head_ok of the next cycle (head_r is next cycle's head_q).
    if (flush && do_ovr) begin
        due_reg <= c_tq;
        hok_reg <= c_tq || c_tqm1;
    end else if (flush) begin
        due_reg <= c_hq;
        hok_reg <= c_hq || c_hqm1;
    end else if (out_fire) begin
        due_reg <= c_dp1;
        hok_reg <= c_dp1 || c_d0;
    end else begin
        due_reg <= c_d0;
        hok_reg <= c_d0 || c_dm1;
    end
    if (rst) begin
        due_reg <= 1'b0;                          // resynchronise
        hok_reg <= 1'b0;
        out_reg <= '0;
        drop_reg <= '0;
        cnt_reg <= '0;
        wp_reg <= '0;
        rp_reg <= '0;
        wait_reg <= 1'b0;
        ovr_pulse_reg <= 1'b0;
        fidx_reg <= '0;
        ridx_reg <= '0;
        didx_reg <= '0;
    end
end

assign ovr_valid = ovr_pulse_reg;
assign ovr_head = ovr_head_qeg;

endmodule

`default_nettype wire
