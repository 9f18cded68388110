// SPDX-License-Identifier: MIT
// flow_lookup: 4-tuple -> flow id in constant time, the firmware's table
// (firmware/fp_flowtab.c) in block RAM.
//
// Two-choice hashing over 4-slot buckets, FLOW_CAP / 2 buckets (two slots
// per flow). A key lives in bucket h & mask or rot16(h) & mask, where h is
// fp_flowtab_hash(): murmur3's finaliser over
// remote_ip ^ rotl(local_ip, 7) ^ ports * 0x9e3779b1 (ports = local_port
// << 16 | remote_port). Both buckets are read in the same cycle through the
// two ports of one RAM, so a lookup costs one cycle of throughput; an
// insert puts the key into the less loaded bucket (the first on a tie), in
// its first free slot, exactly as the firmware does, so both
// implementations fill, collide and refuse (-ENOSPC) identically.
//
// Slot: {id_plus1, ports, remote_ip, local_ip} (id_plus1 = 0: free);
// bucket = 4 slots, slot i in bits [i*SLOT_W +: SLOT_W].
//
// Pipeline (all stages stall together when an output is not taken):
//   I  input register       H1 ports * C1          H2 fmix: x ^= x >> 16, * C2
//   H3 x ^= x >> 13, * C3   H4 bucket addresses    R  RAM read (both buckets)
//   O  compare 8 slots, result register
// Updates (insert/remove) travel the same pipeline and write the chosen
// bucket through port A in the cycle after O; while one is in flight no new request is
// accepted, so a request sees every update accepted before it (never stale
// state) and lookups run back to back otherwise. After reset the table is
// cleared by a sweep of FLOW_CAP / 2 cycles (inputs stalled meanwhile).
`default_nettype none

module flow_lookup #(
    // Number of flows (power of two, 16 .. 2^24); the table has
    // FLOW_CAP / 2 buckets of four slots, as the firmware's fp_mem_size().
    parameter FLOW_CAP = 65536,
    // Width of the side-band carried from a lookup to its result.
    parameter USER_WIDTH = 1,
    // 1: ask for UltraRAM (large tables), 0: block RAM.
    parameter URAM = 1
) (
    input  wire                   clk,
    input  wire                   rst,

    // Lookups.
    input  wire                   s_axis_lookup_tvalid,
    output wire                   s_axis_lookup_tready,
    input  wire [31:0]            s_axis_lookup_local_ip,
    input  wire [31:0]            s_axis_lookup_remote_ip,
    input  wire [31:0]            s_axis_lookup_ports,   // local << 16 | remote
    input  wire [USER_WIDTH-1:0]  s_axis_lookup_user,

    output wire                   m_axis_result_tvalid,
    input  wire                   m_axis_result_tready,
    output wire                   m_axis_result_hit,
    output wire [31:0]            m_axis_result_flow_id, // FLOW_NONE on a miss
    output wire [USER_WIDTH-1:0]  m_axis_result_user,

    // Inserts and removes (slow-path INSTALL / REMOVE commands).
    input  wire                   s_axis_update_tvalid,
    output wire                   s_axis_update_tready,
    input  wire                   s_axis_update_remove,  // 0: insert, 1: remove
    input  wire [31:0]            s_axis_update_local_ip,
    input  wire [31:0]            s_axis_update_remote_ip,
    input  wire [31:0]            s_axis_update_ports,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]            s_axis_update_flow_id, // insert only; < FLOW_CAP
    // verilator lint_on UNUSEDSIGNAL

    output wire                   m_axis_status_tvalid,
    input  wire                   m_axis_status_tready,
    // 0, or a negative errno as the firmware returns it: -EEXIST (insert of
    // a present key), -ENOSPC (both buckets full), -ENOENT (remove of an
    // absent key).
    output wire [15:0]            m_axis_status_status,

    output wire                   busy_init              // reset sweep running
);

localparam ID_W = $clog2(FLOW_CAP);
localparam NB = FLOW_CAP / 2;                // buckets
localparam BA_W = $clog2(NB);
localparam SLOT_W = 96 + ID_W + 1;
localparam BUCKET_W = 4 * SLOT_W;
localparam [15:0] E_NOENT = 16'hfffe;        // -2
localparam [15:0] E_EXIST = 16'hffef;        // -17
localparam [15:0] E_NOSPC = 16'hffe4;        // -28

if ((1 << ID_W) != FLOW_CAP || FLOW_CAP < 16 || FLOW_CAP > (1 << 24)) begin : g_err_cap
    $error("flow_lookup: FLOW_CAP must be a power of two in [16, 2^24]");
end
if (USER_WIDTH < 1) begin : g_err_user
    $error("flow_lookup: USER_WIDTH must be at least 1");
end

// ---------------------------------------------------------------------------
// Request arbitration and stage I.
// ---------------------------------------------------------------------------
localparam OP_LOOKUP = 2'd0, OP_INSERT = 2'd1, OP_REMOVE = 2'd2;

wire ce;                                     // pipeline advance
logic upd_busy_reg = 1'b0;                   // an update is in the pipeline
logic init_reg = 1'b1;                       // reset sweep
logic [BA_W-1:0] init_addr_reg = '0;

wire accept_ok = ce && !upd_busy_reg && !init_reg;
assign s_axis_update_tready = accept_ok;
assign s_axis_lookup_tready = accept_ok && !s_axis_update_tvalid;   // updates first
wire take_upd = s_axis_update_tvalid && s_axis_update_tready;
wire take_lkp = s_axis_lookup_tvalid && s_axis_lookup_tready;

logic i_valid = 1'b0;
logic [1:0] i_op;
logic [95:0] i_key;                           // {ports, remote_ip, local_ip}
logic [ID_W-1:0] i_id;
logic [USER_WIDTH-1:0] i_user;

always_ff @(posedge clk) begin
    if (ce) begin
        i_valid <= take_upd || take_lkp;
        if (take_upd) begin
            i_op <= s_axis_update_remove ? OP_REMOVE : OP_INSERT;
            i_key <= {s_axis_update_ports, s_axis_update_remote_ip, s_axis_update_local_ip};
            i_id <= s_axis_update_flow_id[ID_W-1:0];
        end else begin
            i_op <= OP_LOOKUP;
            i_key <= {s_axis_lookup_ports, s_axis_lookup_remote_ip, s_axis_lookup_local_ip};
            i_id <= '0;
        end
        i_user <= s_axis_lookup_user;
    end
    if (rst)
        i_valid <= 1'b0;
end

// ---------------------------------------------------------------------------
// Hash stages H1..H4: fp_flowtab_hash().
// ---------------------------------------------------------------------------
// Request state carried along: {op, key, id, user}.
localparam CW = 2 + 96 + ID_W + USER_WIDTH;
logic [CW-1:0] h1_c, h2_c, h3_c, h4_c, r_c;
logic h1_v = 1'b0, h2_v = 1'b0, h3_v = 1'b0, h4_v = 1'b0, r_v = 1'b0;
logic [31:0] h1_x, h1_m, h2_y, h3_z;
logic [BA_W-1:0] h4_b1, h4_b2;

wire [31:0] i_lip = i_key[31:0];
wire [31:0] i_rip = i_key[63:32];
wire [31:0] i_ports = i_key[95:64];
wire [31:0] h2_x0 = h1_x ^ h1_m;
wire [31:0] h2_x1 = h2_x0 ^ (h2_x0 >> 16);
wire [31:0] h3_y1 = h2_y ^ (h2_y >> 13);
wire [31:0] h4_h = h3_z ^ (h3_z >> 16);

always_ff @(posedge clk) begin
    if (ce) begin
        h1_v <= i_valid;
        h1_c <= {i_op, i_key, i_id, i_user};
        h1_x <= i_rip ^ {i_lip[24:0], i_lip[31:25]};
        h1_m <= i_ports * 32'h9e3779b1;
        h2_v <= h1_v;
        h2_c <= h1_c;
        h2_y <= h2_x1 * 32'h85ebca6b;
        h3_v <= h2_v;
        h3_c <= h2_c;
        h3_z <= h3_y1 * 32'hc2b2ae35;
        h4_v <= h3_v;
        h4_c <= h3_c;
        h4_b1 <= h4_h[BA_W-1:0];
        h4_b2 <= BA_W'({h4_h[15:0], h4_h[31:16]});     // rot16(h)
        r_v <= h4_v;
        r_c <= h4_c;
    end
    if (rst) begin
        h1_v <= 1'b0;
        h2_v <= 1'b0;
        h3_v <= 1'b0;
        h4_v <= 1'b0;
        r_v <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Table RAM: port A reads bucket 1 or writes (updates, reset sweep), port B
// reads bucket 2. Reads are enabled by ce so a stalled pipeline keeps its
// data.
// ---------------------------------------------------------------------------
logic wr_en;
logic [BA_W-1:0] wr_addr;
logic [BUCKET_W-1:0] wr_data;
logic [BUCKET_W-1:0] rd_b1, rd_b2;
logic [BA_W-1:0] r_b1, r_b2;                 // addresses of the data read

wire [BA_W-1:0] a_addr = wr_en ? wr_addr : h4_b1;

if (URAM != 0) begin : g_uram
    (* ram_style = "ultra" *)
    logic [BUCKET_W-1:0] mem [NB];
    always_ff @(posedge clk) begin
        if (wr_en)
            mem[a_addr] <= wr_data;
        else if (ce)
            rd_b1 <= mem[a_addr];
    end
    always_ff @(posedge clk) begin
        if (ce)
            rd_b2 <= mem[h4_b2];
    end
end else begin : g_bram
    (* ram_style = "block" *)
    logic [BUCKET_W-1:0] mem [NB];
    always_ff @(posedge clk) begin
        if (wr_en)
            mem[a_addr] <= wr_data;
        else if (ce)
            rd_b1 <= mem[a_addr];
    end
    always_ff @(posedge clk) begin
        if (ce)
            rd_b2 <= mem[h4_b2];
    end
end

always_ff @(posedge clk) begin
    if (ce) begin
        r_b1 <= h4_b1;
        r_b2 <= h4_b2;
    end
end

// ---------------------------------------------------------------------------
// Stage O: compare, decide, write back updates.
// ---------------------------------------------------------------------------
wire [1:0] r_op = r_c[CW-1 -: 2];
wire [95:0] r_key = r_c[CW-3 -: 96];
wire [ID_W-1:0] r_id = r_c[USER_WIDTH +: ID_W];
wire [USER_WIDTH-1:0] r_user = r_c[USER_WIDTH-1:0];

logic [3:0] m1, m2, free1, free2;            // per-slot match / free
logic [2:0] used1, used2;
logic hit;
logic [ID_W:0] hit_id_plus1;
always_comb begin
    used1 = '0;
    used2 = '0;
    hit_id_plus1 = '0;
    for (int i = 0; i < 4; i = i + 1) begin
        free1[i] = rd_b1[i*SLOT_W + 96 +: ID_W+1] == '0;
        free2[i] = rd_b2[i*SLOT_W + 96 +: ID_W+1] == '0;
        m1[i] = !free1[i] && rd_b1[i*SLOT_W +: 96] == r_key;
        m2[i] = !free2[i] && rd_b2[i*SLOT_W +: 96] == r_key;
        used1 = used1 + 3'(!free1[i]);
        used2 = used2 + 3'(!free2[i]);
        if (m1[i] || m2[i])                  // a key is in one slot at most
            hit_id_plus1 = hit_id_plus1 | (m1[i] ? rd_b1[i*SLOT_W + 96 +: ID_W+1] :
                                                   rd_b2[i*SLOT_W + 96 +: ID_W+1]);
    end
    hit = m1 != '0 || m2 != '0;
end

// Update decision (only for a valid update op at R).
logic [15:0] upd_status;
logic upd_write;
logic [BA_W-1:0] upd_addr;
logic [BUCKET_W-1:0] upd_data;
always_comb begin
    logic use2;
    logic [3:0] freev, mv;
    logic [BUCKET_W-1:0] b;
    logic placed;
    upd_status = 16'd0;
    upd_write = 1'b0;
    use2 = 1'b0;
    placed = 1'b0;
    freev = '0;
    mv = '0;
    if (r_op == OP_INSERT) begin
        use2 = used2 < used1;                // less loaded, bucket 1 on a tie
        b = use2 ? rd_b2 : rd_b1;
        freev = use2 ? free2 : free1;
        for (int i = 0; i < 4; i = i + 1)
            if (freev[i] && !placed) begin
                b[i*SLOT_W +: SLOT_W] = {(ID_W+1)'(r_id) + 1'b1, r_key};
                placed = 1'b1;
            end
        if (hit)
            upd_status = E_EXIST;
        else if (!placed)
            upd_status = E_NOSPC;
        else
            upd_write = 1'b1;
    end else begin
        // Remove: the match in bucket 1 first, as the firmware's find().
        use2 = m1 == '0;
        b = use2 ? rd_b2 : rd_b1;
        mv = use2 ? m2 : m1;
        for (int i = 0; i < 4; i = i + 1)
            if (mv[i])
                b[i*SLOT_W +: SLOT_W] = '0;
        if (!hit)
            upd_status = E_NOENT;
        else
            upd_write = 1'b1;
    end
    upd_addr = use2 ? r_b2 : r_b1;
    upd_data = b;
end

logic o_valid = 1'b0, o_upd = 1'b0;
logic o_hit;
logic [ID_W:0] o_id_plus1;
logic [USER_WIDTH-1:0] o_user;
logic [15:0] o_status;

wire o_busy = o_valid && (o_upd ? !m_axis_status_tready : !m_axis_result_tready);
assign ce = !o_busy;
wire r_is_upd = r_v && r_op != OP_LOOKUP;

always_ff @(posedge clk) begin
    if (ce) begin
        o_valid <= r_v;
        o_upd <= r_op != OP_LOOKUP;
        o_hit <= hit;
        o_id_plus1 <= hit_id_plus1;
        o_user <= r_user;
        o_status <= upd_status;
    end
    // An update is decided when it moves from R to O (its write follows
    // one cycle later); the next request is accepted after the decision.
    if (take_upd)
        upd_busy_reg <= 1'b1;
    else if (ce && r_is_upd)
        upd_busy_reg <= 1'b0;
    if (init_reg) begin
        init_addr_reg <= init_addr_reg + 1'b1;
        if (init_addr_reg == BA_W'(NB - 1))
            init_reg <= 1'b0;
    end
    if (rst) begin
        o_valid <= 1'b0;
        upd_busy_reg <= 1'b0;
        init_reg <= 1'b1;
        init_addr_reg <= '0;
    end
end

// The update's write is registered (it leaves the compare logic out of the
// RAM address path) and performed in the cycle after the decision. The
// request accepted next reads the RAM five cycles later, after the write,
// and port A is free for it: only bubbles follow an update.
logic wr_pend_reg = 1'b0;
logic [BA_W-1:0] wr_addr_reg;
logic [BUCKET_W-1:0] wr_data_reg;

always_ff @(posedge clk) begin
    wr_pend_reg <= ce && r_is_upd && upd_write;
    wr_addr_reg <= upd_addr;
    wr_data_reg <= upd_data;
    if (rst)
        wr_pend_reg <= 1'b0;
end

always_comb begin
    wr_en = 1'b0;
    wr_addr = wr_addr_reg;
    wr_data = wr_data_reg;
    if (init_reg) begin
        wr_en = 1'b1;
        wr_addr = init_addr_reg;
        wr_data = '0;
    end else if (wr_pend_reg) begin
        wr_en = 1'b1;
    end
end

assign m_axis_result_tvalid = o_valid && !o_upd;
assign m_axis_result_hit = o_hit;
wire [ID_W:0] o_id = o_id_plus1 - 1'b1;
assign m_axis_result_flow_id = o_hit ? 32'(o_id) : 32'hffffffff;
assign m_axis_result_user = o_user;
assign m_axis_status_tvalid = o_valid && o_upd;
assign m_axis_status_status = o_status;
assign busy_init = init_reg;

endmodule

`default_nettype wire
