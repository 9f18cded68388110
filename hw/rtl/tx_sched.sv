// SPDX-License-Identifier: MIT
// tx_sched: the transmit scheduler of firmware/fp_sched.c (with the inline
// operations of fp_internal.h): a ready FIFO served round robin and a timing
// wheel of WHEEL_SLOTS slots of 2^WHEEL_SHIFT ns for flows over their rate,
// both singly linked lists through this module's own link RAM (the
// firmware's sched_next) with a queued-bit RAM (its FP_NF_QUEUED). Same
// operations, same list order, hence the same service order:
//
//   KICK(id)        enqueue at the tail of the ready FIFO unless queued
//                   (fp_sched_kick; the caller has checked fp_tx_pending)
//   POP             remove the head, clear its queued bit (fp_sched_pop)
//   ROTATE          move the head to the tail (fp_sched_rotate)
//   WAIT(id, t)     put id into the slot of t, clamped to [wheel_time,
//                   wheel_time + (SLOTS-1) slots] (fp_sched_wait)
//   ADVANCE(t)      move every slot that expired by t to the ready FIFO in
//                   slot order, at most one revolution (fp_sched_advance,
//                   fp_sched_wheel_walk); with an empty wheel wheel_time is
//                   set directly
//
// Operations are taken one at a time on s_axis_op (tready low while one
// runs). KICK, POP and ROTATE take 2 or 3 cycles, WAIT 4, ADVANCE 2 with an
// empty wheel, else 3 plus one cycle per slot walked (the walk stops as soon
// as the wheel is empty, which gives the same wheel_time as the
// firmware's full walk). The head of the ready FIFO (head_valid, head_id) is
// valid while s_axis_op_tready is high.
//
// The tails' links are never read (a list's last element is known from its
// tail register), so appending writes one link. The second element of the
// ready FIFO is kept in a register (head_nxt) so that POP and ROTATE need no
// read before they change the head; it is refilled from the link RAM after.
// After reset, a sweep clears the queued bits and the wheel (max(FLOW_CAP,
// WHEEL_SLOTS) cycles, busy_init).
`default_nettype none

module tx_sched #(
    // Number of flows (power of two).
    parameter FLOW_CAP = 65536
) (
    input  wire           clk,
    input  wire           rst,

    input  wire           s_axis_op_tvalid,
    output wire           s_axis_op_tready,
    input  wire [2:0]     s_axis_op_code,      // 0 KICK, 1 POP, 2 ROTATE, 3 WAIT, 4 ADVANCE
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]    s_axis_op_flow_id,   // KICK, WAIT (< FLOW_CAP)
    // verilator lint_on UNUSEDSIGNAL
    input  wire [63:0]    s_axis_op_time,      // WAIT: when; ADVANCE: now (ns)

    output wire           head_valid,          // ready FIFO not empty
    output wire [31:0]    head_id,             // its first flow (FLOW_NONE if empty)

    output wire           busy_init,
    output wire [63:0]    stat_wheel_time,     // the firmware's wheel_time
    output wire [31:0]    stat_wheel_busy      // wheel slots holding flows
);

// Firmware-private constants (firmware/fp_internal.h; tb_tx_sched checks
// them against the firmware's values).
localparam WHEEL_SHIFT /*verilator public*/ = 10;      // FP_WHEEL_SHIFT
localparam WHEEL_SLOTS /*verilator public*/ = 1024;    // FP_WHEEL_SLOTS

localparam [2:0] OP_KICK = 3'd0, OP_POP = 3'd1, OP_ROTATE = 3'd2, OP_WAIT = 3'd3, OP_ADVANCE = 3'd4;
localparam ID_W = $clog2(FLOW_CAP);
localparam SW = $clog2(WHEEL_SLOTS);
localparam SWEEP = FLOW_CAP > WHEEL_SLOTS ? FLOW_CAP : WHEEL_SLOTS;
localparam SWW = $clog2(SWEEP);
localparam [63:0] SLOT_NS = 64'd1 << WHEEL_SHIFT;
localparam [63:0] HORIZON_NS = 64'(WHEEL_SLOTS - 1) << WHEEL_SHIFT;

if ((1 << ID_W) != FLOW_CAP || FLOW_CAP < 2 || FLOW_CAP > (1 << 24)) begin : g_err_cap
    $error("tx_sched: FLOW_CAP must be a power of two in 2 .. 2^24");
end
if ((1 << SW) != WHEEL_SLOTS) begin : g_err_slots
    $error("tx_sched: WHEEL_SLOTS must be a power of two");
end

// States (one-hot is left to synthesis).
localparam [3:0] S_INIT = 4'd0, S_IDLE = 4'd1, S_KICK = 4'd2, S_POP = 4'd3, S_ROT = 4'd4,
                 S_W1 = 4'd5, S_W2 = 4'd6, S_W3 = 4'd7, S_A0 = 4'd8, S_WALK = 4'd9,
                 S_WEND = 4'd10, S_FIX = 4'd11;
logic [3:0] st_reg = S_INIT;

// ---------------------------------------------------------------------------
// RAMs: link (next flow), queued bit, wheel slots {valid, head, tail}. One
// read and one write port each.
// ---------------------------------------------------------------------------
logic link_we;
logic [ID_W-1:0] link_wa, link_wd, link_ra, link_q;
(* ram_style = "block" *)
logic [ID_W-1:0] link_mem [FLOW_CAP];
always_ff @(posedge clk) begin
    if (link_we)
        link_mem[link_wa] <= link_wd;
end
always_ff @(posedge clk) begin
    link_q <= link_mem[link_ra];
end

logic q_we, q_wd, q_q;
logic [ID_W-1:0] q_wa, q_ra;
(* ram_style = "block" *)
logic q_mem [FLOW_CAP];
always_ff @(posedge clk) begin
    if (q_we)
        q_mem[q_wa] <= q_wd;
end
always_ff @(posedge clk) begin
    q_q <= q_mem[q_ra];
end

localparam WHW = 1 + 2 * ID_W;
logic wh_we;
logic [SW-1:0] wh_wa, wh_ra;
logic [WHW-1:0] wh_wd, wh_q;
(* ram_style = "block" *)
logic [WHW-1:0] wh_mem [WHEEL_SLOTS];
always_ff @(posedge clk) begin
    if (wh_we)
        wh_mem[wh_wa] <= wh_wd;
end
always_ff @(posedge clk) begin
    wh_q <= wh_mem[wh_ra];
end
wire wh_q_valid = wh_q[WHW-1];
wire [ID_W-1:0] wh_q_head = wh_q[ID_W +: ID_W];
wire [ID_W-1:0] wh_q_tail = wh_q[0 +: ID_W];

// ---------------------------------------------------------------------------
// State.
// ---------------------------------------------------------------------------
logic [ID_W-1:0] head, tail, head_nxt;
logic empty;
logic [63:0] wt;                                // wheel_time (a multiple of SLOT_NS)
logic [SW:0] nbusy;                             // wheel_busy
logic [ID_W-1:0] op_id;
logic [63:0] op_t;
logic [SWW-1:0] sweep;
logic w_early, w_late;                          // WAIT: when < wheel_time, when > horizon
logic [SW-1:0] w_slot;
logic [SW:0] walk_n;                            // slots walked
logic walk_pv;                                  // a slot read is pending
logic [SW-1:0] walk_ps;                         // its slot
logic walk_fix;                                 // head_nxt must be read after the walk

wire take = st_reg == S_IDLE && s_axis_op_tvalid;
// verilator lint_off UNUSEDSIGNAL
wire [63:0] now_m_wt = op_t - wt;               // ADVANCE: now - wheel_time; WAIT: when - wheel_time
wire [63:0] op_t_m_hz = op_t - (wt + HORIZON_NS);
// verilator lint_on UNUSEDSIGNAL
// WAIT: the slot of the clamped time (wheel_time is a multiple of the slot
// size: the horizon's slot is the one before wheel_time's).
wire [SW-1:0] w_slot_c = w_early ? wt[WHEEL_SHIFT +: SW] :
                         w_late ? wt[WHEEL_SHIFT +: SW] - 1'b1 : op_t[WHEEL_SHIFT +: SW];
wire [63:0] floor_next = {op_t[63:WHEEL_SHIFT], {WHEEL_SHIFT{1'b0}}} + SLOT_NS;
wire walk_issue = walk_n < (SW+1)'(WHEEL_SLOTS) && !now_m_wt[63] && nbusy != '0;

always_comb begin
    link_we = 1'b0;
    link_wa = tail;
    link_wd = op_id;
    link_ra = head_nxt;
    q_we = 1'b0;
    q_wa = op_id;
    q_wd = 1'b1;
    q_ra = s_axis_op_flow_id[ID_W-1:0];
    wh_we = 1'b0;
    wh_wa = w_slot;
    wh_wd = {1'b1, op_id, op_id};
    wh_ra = w_slot;
    case (st_reg)
    S_INIT: begin
        q_we = 1'b1;
        q_wa = sweep[ID_W-1:0];
        q_wd = 1'b0;
        wh_we = 1'b1;
        wh_wa = sweep[SW-1:0];
        wh_wd = '0;
    end
    S_KICK: begin
        if (!q_q) begin
            q_we = 1'b1;
            link_we = !empty;                        // link[tail] = id
        end
    end
    S_POP: begin
        q_we = !empty;
        q_wa = head;
        q_wd = 1'b0;
    end
    S_ROT: begin
        link_we = !empty && head != tail;            // link[tail] = head
        link_wd = head;
    end
    S_W2: wh_ra = w_slot_c;
    S_W3: begin
        q_we = 1'b1;
        wh_we = 1'b1;
        if (wh_q_valid) begin
            link_we = 1'b1;                          // link[slot tail] = id
            link_wa = wh_q_tail;
            wh_wd = {1'b1, wh_q_head, op_id};
        end
    end
    S_WALK: begin
        wh_ra = wt[WHEEL_SHIFT +: SW];
        if (walk_pv && wh_q_valid) begin
            wh_we = 1'b1;                            // the slot is emptied
            wh_wa = walk_ps;
            wh_wd = '0;
            link_we = !empty;                        // link[ready tail] = slot head
            link_wd = wh_q_head;
        end
    end
    S_WEND: link_ra = head;
    default: ;
    endcase
end

always_ff @(posedge clk) begin
    case (st_reg)
    S_INIT: begin
        sweep <= sweep + 1'b1;
        if (sweep == SWW'(SWEEP - 1))
            st_reg <= S_IDLE;
    end
    S_IDLE: begin
        if (take) begin
            op_id <= s_axis_op_flow_id[ID_W-1:0];
            op_t <= s_axis_op_time;
            case (s_axis_op_code)
            OP_KICK: st_reg <= S_KICK;
            OP_POP: st_reg <= S_POP;
            OP_ROTATE: st_reg <= S_ROT;
            OP_WAIT: st_reg <= S_W1;
            OP_ADVANCE: st_reg <= S_A0;
            default: st_reg <= S_IDLE;
            endcase
        end
    end
    S_KICK: begin
        if (!q_q) begin
            if (empty) begin
                head <= op_id;
                empty <= 1'b0;
            end else if (head == tail) begin
                head_nxt <= op_id;
            end
            tail <= op_id;
        end
        st_reg <= S_IDLE;
    end
    S_POP: begin
        st_reg <= S_IDLE;
        if (!empty) begin
            if (head == tail) begin
                empty <= 1'b1;
            end else begin
                head <= head_nxt;                    // link_q <= link[head_nxt]
                if (head_nxt != tail)
                    st_reg <= S_FIX;
            end
        end
    end
    S_ROT: begin
        st_reg <= S_IDLE;
        if (!empty && head != tail) begin
            head <= head_nxt;
            tail <= head;
            if (head_nxt == tail)
                head_nxt <= head;                    // two flows: they swap
            else
                st_reg <= S_FIX;                     // link_q <= link[head_nxt]
        end
    end
    S_FIX: begin
        head_nxt <= link_q;
        st_reg <= S_IDLE;
    end
    S_W1: begin
        // (int64)(when - wheel_time) < 0, (int64)(when - horizon) > 0.
        w_early <= now_m_wt[63];
        w_late <= !op_t_m_hz[63] && op_t_m_hz != 64'd0;
        st_reg <= S_W2;
    end
    S_W2: begin
        w_slot <= w_slot_c;
        st_reg <= S_W3;                              // wh_q <= wheel[w_slot_c]
    end
    S_W3: begin
        if (!wh_q_valid)
            nbusy <= nbusy + 1'b1;
        st_reg <= S_IDLE;
    end
    S_A0: begin
        if (nbusy == '0) begin
            if (!now_m_wt[63])
                wt <= floor_next;
            st_reg <= S_IDLE;
        end else begin
            walk_n <= '0;
            walk_pv <= 1'b0;
            walk_fix <= 1'b0;
            st_reg <= S_WALK;
        end
    end
    S_WALK: begin
        // Issue: read the slot at wheel_time, advance wheel_time.
        walk_pv <= walk_issue;
        walk_ps <= wt[WHEEL_SHIFT +: SW];
        if (walk_issue) begin
            wt <= wt + SLOT_NS;
            walk_n <= walk_n + 1'b1;
        end
        // Process the slot read in the previous cycle: append its list.
        if (walk_pv && wh_q_valid) begin
            nbusy <= nbusy - 1'b1;
            if (empty) begin
                head <= wh_q_head;
                empty <= 1'b0;
                walk_fix <= wh_q_head != wh_q_tail;
            end else if (head == tail) begin
                head_nxt <= wh_q_head;
            end
            tail <= wh_q_tail;
        end
        if (!walk_issue && !walk_pv)
            st_reg <= S_WEND;
    end
    S_WEND: begin
        if (!now_m_wt[63])                           // fell a revolution behind
            wt <= floor_next;
        st_reg <= walk_fix ? S_FIX : S_IDLE;         // link_q <= link[head]
    end
    default: st_reg <= S_IDLE;
    endcase

    if (rst) begin
        st_reg <= S_INIT;
        sweep <= '0;
        empty <= 1'b1;
        wt <= 64'd0;
        nbusy <= '0;
    end
end

assign s_axis_op_tready = st_reg == S_IDLE;
assign head_valid = !empty;
assign head_id = empty ? toffee_abi_pkg::FLOW_NONE : 32'(head);
assign busy_init = st_reg == S_INIT;
assign stat_wheel_time = wt;
assign stat_wheel_busy = 32'(nbusy);

endmodule

`default_nettype wire
