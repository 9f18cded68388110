// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/cmd_exec.sv against the firmware itself (libfp.a
// behind the tests/lib/fphost harness). Every command is posted to the
// harness's slow-path CMD ring or a context CMD ring (sometimes with a wrong
// phase byte, random tags and reserved bytes) and executed by the firmware's
// own fp_cmd_poll_sp() / fp_cmd_poll_ctx() (not fp_poll(): the transmit
// scheduler would change the state afterwards). The RTL gets the same
// 32/16 entry bytes from ring memory, the flow's state as the firmware had
// it, the INSTALL image from host memory, the same now_ns. Compared:
//  - the new state (fp->flows[id]) when the RTL writes one, else unchanged;
//    QUEUED and sched_next may differ exactly when the firmware enqueued the
//    flow (tx_sched.sv keeps them), and the RTL must keep the old values;
//  - the feedback entry (all 31 bytes before the phase byte), status;
//  - counters (DROP_CMD_BAD, DROP_CMD_NOT_OWNER; no other may move, except
//    TX_ACKS with the window-update ACK);
//  - the window-update ACK (a frame transmitted);
//  - the scheduler: the firmware enqueued the flow <=> kick_pend (and the
//    flow was not queued); kick itself against the source's rule;
//  - READ_STATE's DMA write (host memory at iova), INSTALL's insert and
//    REMOVE's remove (the firmware's table before/after); an insert the
//    firmware's table refuses (-EEXIST for another flow's 4-tuple, -ENOSPC
//    with a crafted bucket overflow) is applied to the RTL outputs as the
//    engine does (docs in cmd_exec.sv).
// Before each command the target flow's protocol fields are often set to
// random or boundary values, so every size check and threshold is hit.
// Finally all recorded inputs are replayed back to back (one per cycle,
// random gaps) and every output must repeat bit for bit: fully pipelined.
// Usage: tb_cmd_exec [commands] [seed]
#include <memory>
#include <vector>
#include "Vcmd_exec.h"
#include "Vcmd_exec_cmd_exec.h"
#include "tb_common.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

#ifndef CAP
#error "build with -DCAP=<FLOW_CAP>"
#endif

static std::unique_ptr<Vcmd_exec> top;
static void tick()
{
	top->clk = 1;
	top->eval();
	top->clk = 0;
	top->eval();
}

static const unsigned LAT = 4;
static const unsigned NCTX = 4;

struct rtl_in {
	bool ctx_cmd, phase_ok;
	uint8_t cmd[32];
	uint8_t ctx;
	uint8_t state[128], image[128];
	uint64_t now;
};
struct rtl_out {
	bool ctx_cmd, state_wr, fb_valid, dma_wr_valid, kick, kick_pend, ack;
	uint32_t flow_id;
	uint8_t state[128], fb[32];
	uint16_t status;
	uint64_t iova, cnt;
	unsigned tab_op;
	uint32_t lip, rip, ports;
	bool operator==(const rtl_out &o) const
	{
		return ctx_cmd == o.ctx_cmd && state_wr == o.state_wr && fb_valid == o.fb_valid &&
		       dma_wr_valid == o.dma_wr_valid && kick == o.kick && kick_pend == o.kick_pend &&
		       ack == o.ack && flow_id == o.flow_id && !memcmp(state, o.state, 128) &&
		       !memcmp(fb, o.fb, 32) && status == o.status && iova == o.iova && cnt == o.cnt &&
		       tab_op == o.tab_op && lip == o.lip && rip == o.rip && ports == o.ports;
	}
};

static void drive(const rtl_in &in, bool valid)
{
	top->in_valid = valid;
	top->in_ctx_cmd = in.ctx_cmd;
	top->in_phase_ok = in.phase_ok;
	tb_put(top->in_cmd, in.cmd, 32);
	top->in_ctx = in.ctx;
	tb_put(top->in_state, in.state, 128);
	tb_put(top->in_image, in.image, 128);
	top->in_now_ns = in.now;
}

static rtl_out sample()
{
	rtl_out o;
	o.ctx_cmd = top->out_ctx_cmd;
	o.state_wr = top->out_state_wr;
	o.fb_valid = top->out_fb_valid;
	o.dma_wr_valid = top->out_dma_wr_valid;
	o.kick = top->out_kick;
	o.kick_pend = top->out_kick_pend;
	o.ack = top->out_ack;
	o.flow_id = top->out_flow_id;
	tb_get(top->out_state, o.state, 128);
	tb_get(top->out_fb, o.fb, 32);
	o.status = top->out_status;
	o.iova = top->out_dma_wr_iova;
	o.cnt = top->out_cnt_inc;
	o.tab_op = top->out_tab_op;
	o.lip = top->out_tab_local_ip;
	o.rip = top->out_tab_remote_ip;
	o.ports = top->out_tab_ports;
	return o;
}

// One command through the RTL alone, LATENCY cycles.
static rtl_out run_rtl(const rtl_in &in)
{
	drive(in, true);
	tick();
	top->in_valid = 0;
	for (unsigned c = 1; c < LAT; c++) {
		TB_CHECK(!top->out_valid, "out_valid %u cycles after in_valid (LATENCY %u)", c, LAT);
		tick();
	}
	TB_CHECK(top->out_valid, "no out_valid after %u cycles", LAT);
	return sample();
}

static void hexdiff(const char *what, const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i]) {
			fprintf(stderr, "  %s: first difference at byte %u: RTL 0x%02x, firmware 0x%02x\n",
				what, i, a[i], b[i]);
			return;
		}
}

struct key { uint32_t lip, rip; uint16_t lport, rport; };

static tb_rng *R;
static struct fphost *fh;

static uint32_t rnd32() { return (uint32_t)R->next(); }

// A valid image (every install() condition met), identity from @p k.
static void valid_image(struct toffee_flow *f, const key &k)
{
	for (unsigned i = 0; i < sizeof *f; i++)
		((uint8_t *)f)[i] = (uint8_t)R->next();       // accumulators, tb_time, ...: ignored or reset
	f->local_ip = k.lip;
	f->remote_ip = k.rip;
	f->local_port = k.lport;
	f->remote_port = k.rport;
	f->ctx_id = (uint16_t)R->below(NCTX);
	f->flags = (uint16_t)(R->next() & (TOFFEE_FLOWF_TS | TOFFEE_FLOWF_ECN | TOFFEE_FLOWF_TX_FIN));
	f->mss = (uint16_t)(1 + R->below((f->flags & TOFFEE_FLOWF_TS) ? 1452 : 1464));
	f->snd_wscale = (uint8_t)R->below(15);
	f->rcv_wscale = (uint8_t)R->below(15);
	f->rx_buf_log2 = (uint8_t)(12 + R->below(19));
	f->tx_buf_log2 = (uint8_t)(12 + R->below(19));
	uint32_t rx_size = 1u << f->rx_buf_log2, tx_size = 1u << f->tx_buf_log2;
	f->rx_avail = R->chance(30) ? rx_size : R->below(rx_size + 1);
	f->snd_una = rnd32();
	f->tx_end = R->chance(10) ? f->snd_una - 1 : f->snd_una + (R->chance(20) ? tx_size : R->below(tx_size + 1));
	f->snd_nxt = f->snd_una + R->below(1 + (f->tx_end - f->snd_una < tx_size ? f->tx_end - f->snd_una : 0));
	f->snd_max = f->snd_nxt + (R->chance(50) ? 0 : R->below(1000));
}

// Break (or touch at its boundary) one condition of install().
static void mutate_image(struct toffee_flow *f)
{
	bool ts = f->flags & TOFFEE_FLOWF_TS;
	uint32_t tx_size = 1u << f->tx_buf_log2;
	switch (R->below(16)) {
	case 0: f->ctx_id = (uint16_t)(R->chance(50) ? 255 + R->below(2) : R->next()); break;
	case 1: f->mss = (uint16_t)R->below(2); break;
	case 2: f->mss = (uint16_t)((ts ? 1452 : 1464) + R->below(2)); break;
	case 3: f->mss = (uint16_t)R->next(); break;
	case 4: f->snd_wscale = (uint8_t)(R->chance(70) ? 14 + R->below(2) : R->next()); break;
	case 5: f->rcv_wscale = (uint8_t)(R->chance(70) ? 14 + R->below(2) : R->next()); break;
	case 6: { static const uint8_t v[] = {11, 12, 30, 31, 0, 255, 32, 44};
		f->rx_buf_log2 = v[R->below(8)]; break; }
	case 7: { static const uint8_t v[] = {11, 12, 30, 31, 0, 255, 32, 44};
		f->tx_buf_log2 = v[R->below(8)]; break; }
	case 8: f->rx_avail = (1u << (f->rx_buf_log2 & 31)) + R->below(2); break;
	case 9: f->snd_una = f->snd_nxt + (R->chance(80) ? R->below(2) : 0x80000000u - 1 + R->below(3)); break;
	case 10: f->snd_nxt = f->snd_max + (R->chance(80) ? R->below(2) : 0x80000000u - 1 + R->below(3));
		f->snd_una = f->snd_nxt; break;
	case 11: f->snd_una = f->tx_end + 1 + R->below(2); f->snd_nxt = f->snd_max = f->snd_una; break;
	case 12: f->tx_end = f->snd_una + tx_size + R->below(2); break;
	case 13: f->tx_end = f->snd_una + 0x80000000u - 1 + R->below(3); break;
	case 14: f->flags ^= TOFFEE_FLOWF_TS; break;
	default: f->snd_una = rnd32(); f->snd_nxt = rnd32(); f->snd_max = rnd32(); f->tx_end = rnd32(); break;
	}
}

// Random or boundary protocol fields for an installed flow (the NIC's own
// fields; identity stays, so the flow table remains consistent).
static void perturb(struct toffee_flow *f)
{
	if (R->chance(50))
		f->rx_buf_log2 = (uint8_t)(12 + R->below(19));
	if (R->chance(50))
		f->tx_buf_log2 = (uint8_t)(12 + R->below(19));
	uint32_t rx_size = 1u << f->rx_buf_log2, tx_size = 1u << f->tx_buf_log2;
	if (R->chance(30))
		f->mss = (uint16_t)(R->chance(50) ? R->below(1500) : R->next());
	switch (R->below(4)) {
	case 0: f->rx_avail = rx_size - R->below(4); break;
	case 1: f->rx_avail = R->below(rx_size + 1); break;
	case 2: f->rx_avail = R->chance(50) ? 0 : rnd32(); break;
	default: {
		uint32_t thr = 2u * f->mss < rx_size / 2 ? 2u * f->mss : rx_size / 2;
		f->rx_avail = thr - 2 + R->below(4);
		break;
	}
	}
	f->snd_una = R->chance(20) ? rnd32() : f->snd_una;
	switch (R->below(5)) {
	case 0: f->tx_end = f->snd_una + tx_size - R->below(3); break;
	case 1: f->tx_end = f->snd_una - R->below(3); break;
	case 2: f->tx_end = f->snd_una + R->below(tx_size + 1); break;
	case 3: f->tx_end = f->snd_una + 0x80000000u - 1 + R->below(3); break;
	default: f->tx_end = rnd32(); break;
	}
	switch (R->below(4)) {
	case 0: f->snd_nxt = f->tx_end; break;
	case 1: f->snd_nxt = f->tx_end - 1 + R->below(3); break;
	case 2: f->snd_nxt = f->snd_una + R->below(1000); break;
	default: f->snd_nxt = rnd32(); break;
	}
	f->snd_max = f->snd_nxt + R->below(100);
	if (R->chance(30))
		f->flags ^= TOFFEE_FLOWF_TX_FIN;
	if (R->chance(30))
		f->nic_flags ^= FP_NF_RTT;
	f->fb_acked = rnd32();
	f->fb_ecn_acked = rnd32();
	f->fb_rtt_us = rnd32();
	f->fb_fast_rexmits = (uint16_t)R->next();
	f->dupacks = (uint8_t)R->next();
	f->cwnd = rnd32();
	f->ps_per_byte = rnd32();
}

// Coverage only: the first install() condition an image fails (0 = none),
// in install()'s order; counted to show every condition is reached.
static const char *const inst_cond[] = {"ok", "ctx_id", "mss=0", "hdr+mss", "snd_wscale", "rcv_wscale",
	"rx_log2<", "rx_log2>", "tx_log2<", "tx_log2>", "rx_avail", "una>nxt", "nxt>max", "una>end+1", "end-una"};
static unsigned inst_first_bad(const struct toffee_flow *f)
{
	uint32_t hdr = FP_HDRS_LEN + ((f->flags & TOFFEE_FLOWF_TS) ? FP_TS_OPT_LEN : 0);
	if (f->ctx_id >= TOFFEE_MAX_CTX) return 1;
	if (f->mss == 0) return 2;
	if (hdr + f->mss > TOFFEE_MAX_FRAME) return 3;
	if (f->snd_wscale > 14) return 4;
	if (f->rcv_wscale > 14) return 5;
	if (f->rx_buf_log2 < TOFFEE_BUF_LOG2_MIN) return 6;
	if (f->rx_buf_log2 > TOFFEE_BUF_LOG2_MAX) return 7;
	if (f->tx_buf_log2 < TOFFEE_BUF_LOG2_MIN) return 8;
	if (f->tx_buf_log2 > TOFFEE_BUF_LOG2_MAX) return 9;
	if (f->rx_avail > (1u << f->rx_buf_log2)) return 10;
	if (seq_gt(f->snd_una, f->snd_nxt)) return 11;
	if (seq_gt(f->snd_nxt, f->snd_max)) return 12;
	if (seq_gt(f->snd_una, f->tx_end + 1)) return 13;
	if (seq_lt(f->snd_una, f->tx_end) && f->tx_end - f->snd_una > (1u << f->tx_buf_log2)) return 14;
	return 0;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned ncmd = argc > 1 ? (unsigned)atoi(argv[1]) : 40000;
	tb_rng rng(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);
	R = &rng;

	// Firmware-private constants mirrored in the RTL.
	TB_CHECK(Vcmd_exec_cmd_exec::NF_VALID == FP_NF_VALID && Vcmd_exec_cmd_exec::NF_QUEUED == FP_NF_QUEUED &&
		 Vcmd_exec_cmd_exec::NF_RTT == FP_NF_RTT, "FP_NF_* differ from the firmware's");
	TB_CHECK(Vcmd_exec_cmd_exec::HDRS_LEN == FP_HDRS_LEN && Vcmd_exec_cmd_exec::TS_OPT_LEN == FP_TS_OPT_LEN,
		 "header lengths differ from the firmware's");
	TB_CHECK(Vcmd_exec_cmd_exec::E_NOENT == (uint16_t)-ENOENT && Vcmd_exec_cmd_exec::E_EXIST == (uint16_t)-EEXIST &&
		 Vcmd_exec_cmd_exec::E_INVAL == (uint16_t)-EINVAL && Vcmd_exec_cmd_exec::E_PROTO == (uint16_t)-EPROTO,
		 "errno values differ");

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = CAP;
	cfg.n_ctx = NCTX;
	cfg.sp_log2 = 3;                       // small rings: many wrap-arounds
	cfg.ctx_log2 = 2;
	fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");
	struct fp *fp = fh->fp;
	uint64_t img_iova = fphost_alloc(fh, 128, 128);
	uint64_t rd_iova = fphost_alloc(fh, 128, 128);

	// Keys: a pool of random 4-tuples, and a set whose two buckets are
	// both in {0, 1} (more than 8 of them overflow: -ENOSPC).
	std::vector<key> keys, crowd;
	for (unsigned i = 0; i < 3 * CAP; i++)
		keys.push_back({rnd32(), rnd32(), (uint16_t)R->next(), (uint16_t)R->next()});
	while (crowd.size() < 16) {
		key k = {0x0a000001u, rnd32(), 7000, (uint16_t)R->next()};
		uint32_t h = fp_flowtab_hash(k.lip, k.rip, (uint32_t)k.lport << 16 | k.rport);
		if ((h & fp->bucket_mask) < 2 && (fp_bucket2(h) & fp->bucket_mask) < 2)
			crowd.push_back(k);
	}

	top = std::make_unique<Vcmd_exec>();
	top->rst = 1;
	tick();
	tick();
	top->rst = 0;

	std::vector<rtl_in> rec_in;
	std::vector<rtl_out> rec_out;
	uint64_t st_cnt[8] = {}, op_cnt[16] = {}, ctx_cnt[8] = {}, inst_cnt[15] = {};
	enum { S_OK, S_INVAL, S_NOENT, S_EXIST, S_PROTO, S_NOSPC, S_EXIST_TAB };
	uint32_t last_flow = 0;
	uint64_t now = 1000000;

	for (unsigned n = 0; n < ncmd; n++) {
		now += R->below(100000);
		fphost_advance(fh, now - fh->now_ns);
		rtl_in in;
		memset(&in, 0, sizeof in);
		in.now = now;
		for (unsigned i = 0; i < 128; i++) in.image[i] = (uint8_t)R->next();

		bool is_ctx = R->chance(40);
		uint32_t id;
		unsigned k = R->below(100);
		if (k < 3) id = CAP + R->below(3);
		else if (k < 5) id = R->chance(50) ? 0xffffffffu : rnd32();
		else if (k < 25) id = last_flow;
		else id = R->below(CAP);
		last_flow = id < CAP ? id : last_flow;

		// The flow's state as the firmware has it (perturbed first).
		struct toffee_flow *fl = id < CAP ? &fp->flows[id] : nullptr;
		if (fl && (fl->nic_flags & FP_NF_VALID) && R->chance(50))
			perturb(fl);
		if (fl && !(fl->nic_flags & FP_NF_VALID) && R->chance(20)) {
			uint8_t nf = (uint8_t)(R->next() & ~FP_NF_VALID);
			for (unsigned i = 0; i < sizeof *fl; i++) ((uint8_t *)fl)[i] = (uint8_t)R->next();
			fl->nic_flags = nf;
		}
		// The scheduler: an empty ready list; the flow queued or not.
		fp_sched_init(fp, now);
		if (fl) {
			if (R->chance(75)) fl->nic_flags &= (uint8_t)~FP_NF_QUEUED;
			else fl->nic_flags |= FP_NF_QUEUED;
			fl->sched_next = R->chance(50) ? TOFFEE_FLOW_NONE : rnd32();
			memcpy(in.state, fl, 128);
		} else if (R->chance(50)) {
			for (unsigned i = 0; i < 128; i++) in.state[i] = (uint8_t)R->next();
		} else {                                 // what the engine reads (index truncated), made live
			struct toffee_flow al = fp->flows[id & (CAP - 1)];
			al.nic_flags |= FP_NF_VALID;
			al.ctx_id = (uint16_t)R->below(NCTX);
			memcpy(in.state, &al, 128);
		}
		struct toffee_flow old;
		memcpy(&old, in.state, 128);

		uint64_t before[TOFFEE_CNT_COUNT];
		for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) before[i] = fp_counter(fp, i);
		size_t ntx = fh->n_tx;
		bool bad_phase = R->chance(4);
		uint8_t op = 0;
		key ikey = {0, 0, 0, 0};
		uint32_t pre_lookup = TOFFEE_FLOW_NONE;
		struct toffee_sp_fb fw_fb;
		memset(&fw_fb, 0, sizeof fw_fb);

		if (!is_ctx) {
			struct toffee_sp_cmd c;
			memset(&c, 0, sizeof c);
			unsigned o = R->below(100);
			op = o < 35 ? TOFFEE_CMD_INSTALL : o < 45 ? TOFFEE_CMD_REMOVE : o < 90 ? (uint8_t)R->below(TOFFEE_CMD_COUNT)
			     : (uint8_t)(TOFFEE_CMD_COUNT + R->below(R->chance(50) ? 3 : 247));
			c.opcode = op;
			c.flow_id = id;
			c.arg0 = op == TOFFEE_CMD_SET_SLOWPATH && R->chance(75) ? R->below(2) : rnd32();
			c.arg1 = rnd32();
			c.iova = op == TOFFEE_CMD_INSTALL ? img_iova : op == TOFFEE_CMD_READ_STATE ? rd_iova
			       : op == TOFFEE_CMD_REMOVE ? (R->chance(50) ? rd_iova : 0) : R->next();
			if (op == TOFFEE_CMD_INSTALL) {
				struct toffee_flow img;
				ikey = R->chance(15) ? crowd[R->below((uint32_t)crowd.size())]
						     : keys[R->below((uint32_t)keys.size())];
				valid_image(&img, ikey);
				if (R->chance(45)) mutate_image(&img);
				if (R->chance(10)) mutate_image(&img);
				memcpy(fphost_ptr(fh, img_iova, 128), &img, 128);
				memcpy(in.image, &img, 128);
				ikey = {img.local_ip, img.remote_ip, img.local_port, img.remote_port};
				pre_lookup = fp_flowtab_lookup(fp, ikey.lip, ikey.rip, (uint32_t)ikey.lport << 16 | ikey.rport);
			}
			if (op == TOFFEE_CMD_READ_STATE || op == TOFFEE_CMD_REMOVE)
				memset(fphost_ptr(fh, rd_iova, 128), 0, 128);
			struct fphost_ring *rg = &fh->sp[TOFFEE_SPQ_CMD];
			TB_CHECK(fphost_sp_post(fh, &c) > 0, "sp ring full");
			uint32_t idx = rg->idx - 1;
			uint8_t *e = (uint8_t *)fphost_ptr(fh, rg->iova + (uint64_t)(idx & ((1u << rg->log2) - 1)) * 32, 32);
			e[2] = (uint8_t)R->next(); e[3] = (uint8_t)R->next();       // tag
			e[1] = (uint8_t)R->next();                                  // rsvd0
			for (unsigned i = 24; i < 31; i++) e[i] = (uint8_t)R->next(); // rsvd1
			uint8_t good = toffee_phase(idx, rg->log2);
			if (bad_phase) e[31] = R->chance(50) ? (uint8_t)(good ^ 1) : (uint8_t)(2 + R->below(254));
			memcpy(in.cmd, e, 32);
			in.phase_ok = e[31] == good;
			in.ctx_cmd = false;
			// The firmware.
			fp_cmd_poll_sp(fp, now);
			TB_CHECK(fphost_fb_next(fh, &fw_fb) == 1, "cmd %u: no feedback entry", n);
			struct toffee_sp_fb extra;
			TB_CHECK(fphost_fb_next(fh, &extra) == 0, "cmd %u: two feedback entries", n);
		} else {
			uint32_t ctx = R->below(NCTX);
			if (fl && (fl->nic_flags & FP_NF_VALID) && R->chance(85))
				ctx = fl->ctx_id < NCTX ? fl->ctx_id : ctx;
			if (!fl && (old.nic_flags & FP_NF_VALID) && old.ctx_id < NCTX && R->chance(85))
				ctx = old.ctx_id;                 // out of range, but the state looks owned
			uint32_t tx_size = fl ? 1u << (fl->tx_buf_log2 & 31) : 4096;
			uint32_t rx_size = fl ? 1u << (fl->rx_buf_log2 & 31) : 4096;
			uint32_t tx_used = fl ? (seq_gt(fl->snd_una, fl->tx_end) ? 0 : fl->tx_end - fl->snd_una) : 0;
			uint32_t tx_room = tx_size - tx_used, rx_room = fl ? rx_size - fl->rx_avail : 0;
			uint32_t txb = 0, rxb = 0;
			switch (R->below(6)) {
			case 0: txb = tx_room + R->below(2); break;
			case 1: txb = R->below(tx_room + 1); break;
			case 2: txb = R->chance(50) ? rnd32() : tx_room - 1; break;
			default: txb = 0; break;
			}
			switch (R->below(6)) {
			case 0: rxb = rx_room + R->below(2); break;
			case 1: rxb = R->below(rx_room + 1); break;
			case 2: rxb = rnd32(); break;
			case 3: if (fl) {
				uint32_t thr = 2u * fl->mss < rx_size / 2 ? 2u * fl->mss : rx_size / 2;
				rxb = thr - fl->rx_avail - 1 + R->below(3);
			} break;
			default: rxb = 0; break;
			}
			if (R->chance(10)) rxb = rx_room;
			uint8_t flags = R->chance(15) ? (uint8_t)(TOFFEE_CMDF_FIN | (R->next() & 0xfe)) : (uint8_t)(R->next() & 0xfe & -(int)R->chance(10));
			struct fphost_ring *rg = &fh->ctx_cmd[ctx];
			TB_CHECK(fphost_ctx_cmd_flags(fh, ctx, id, txb, rxb, flags) == 0, "ctx ring full");
			uint32_t idx = rg->idx - 1;
			uint8_t *e = (uint8_t *)fphost_ptr(fh, rg->iova + (uint64_t)(idx & ((1u << rg->log2) - 1)) * 16, 16);
			e[13] = (uint8_t)R->next(); e[14] = (uint8_t)R->next();     // rsvd
			uint8_t good = toffee_phase(idx, rg->log2);
			if (bad_phase) e[15] = R->chance(50) ? (uint8_t)(good ^ 1) : (uint8_t)(2 + R->below(254));
			memcpy(in.cmd, e, 16);
			for (unsigned i = 16; i < 32; i++) in.cmd[i] = (uint8_t)R->next();
			in.phase_ok = e[15] == good;
			in.ctx_cmd = true;
			in.ctx = (uint8_t)ctx;
			fp_cmd_poll_ctx(fp, now);
			TB_CHECK(fphost_ctx_cmd_done(fh, ctx), "cmd %u: context command not consumed", n);
		}

		rtl_out o = run_rtl(in);
		rec_in.push_back(in);
		rec_out.push_back(o);

		// The engine's side of INSTALL: run the insert (the firmware's
		// result), apply a refusal.
		bool wr = o.state_wr, kick = o.kick, kick_pend = o.kick_pend;
		uint16_t status = o.status;
		const char *ctxs = is_ctx ? "ctx" : "sp";
		if (o.tab_op == 1) {
			TB_CHECK(!is_ctx && op == TOFFEE_CMD_INSTALL && id < CAP, "cmd %u: insert for op %u", n, op);
			TB_CHECK(o.lip == ikey.lip && o.rip == ikey.rip && o.ports == ((uint32_t)ikey.lport << 16 | ikey.rport),
				 "cmd %u: insert key differs", n);
			if (fw_fb.status == -EEXIST || fw_fb.status == -ENOSPC) {
				TB_CHECK(status == 0, "cmd %u: insert with status 0x%x", n, status);
				TB_CHECK(fw_fb.status == -ENOSPC || pre_lookup != TOFFEE_FLOW_NONE, "cmd %u: -EEXIST without the key", n);
				st_cnt[fw_fb.status == -EEXIST ? S_EXIST_TAB : S_NOSPC]++;
				status = (uint16_t)fw_fb.status;
				wr = kick = kick_pend = false;
				o.fb[24] = (uint8_t)status;
				o.fb[25] = (uint8_t)(status >> 8);
			} else {
				TB_CHECK(fp_flowtab_lookup(fp, ikey.lip, ikey.rip, (uint32_t)ikey.lport << 16 | ikey.rport) == id,
					 "cmd %u (INSTALL flow %u): RTL validated the image (insert), firmware status %d",
					 n, id, fw_fb.status);
			}
		} else if (o.tab_op == 2) {
			TB_CHECK(!is_ctx && op == TOFFEE_CMD_REMOVE, "cmd %u: remove for op %u", n, op);
			TB_CHECK(o.lip == old.local_ip && o.rip == old.remote_ip &&
				 o.ports == ((uint32_t)old.local_port << 16 | old.remote_port), "cmd %u: remove key differs", n);
			TB_CHECK(fp_flowtab_lookup(fp, o.lip, o.rip, o.ports) == TOFFEE_FLOW_NONE,
				 "cmd %u: key still in the firmware's table", n);
		} else {
			TB_CHECK(o.tab_op == 0, "cmd %u: tab_op %u", n, o.tab_op);
			TB_CHECK(!(op == TOFFEE_CMD_INSTALL && !is_ctx && fw_fb.status == 0),
				 "cmd %u: firmware installed, RTL has no insert", n);
		}

		// Feedback entry.
		TB_CHECK(o.fb_valid == !is_ctx, "cmd %u: fb_valid %d", n, o.fb_valid);
		TB_CHECK(o.ctx_cmd == is_ctx, "cmd %u: ctx_cmd", n);
		TB_CHECK(o.flow_id == id, "cmd %u: flow_id 0x%x, expected 0x%x", n, o.flow_id, id);
		if (!is_ctx) {
			if (memcmp(o.fb, &fw_fb, 31) || status != (uint16_t)fw_fb.status) {
				hexdiff("fb", o.fb, (const uint8_t *)&fw_fb, 31);
				TB_FAIL("cmd %u (sp op %u flow 0x%x phase_ok %d): status RTL %d firmware %d, fb differs",
					n, op, id, in.phase_ok, (int16_t)status, fw_fb.status);
			}
			int s = fw_fb.status;
			if (s == 0) st_cnt[S_OK]++;
			else if (s == -EINVAL) st_cnt[S_INVAL]++;
			else if (s == -ENOENT) st_cnt[S_NOENT]++;
			else if (s == -EEXIST && o.tab_op == 0) st_cnt[S_EXIST]++;
			else if (s == -EPROTO) st_cnt[S_PROTO]++;
			if (in.phase_ok) op_cnt[op < 10 ? op : 10]++;
			if (in.phase_ok && op == TOFFEE_CMD_INSTALL && id < CAP && !(old.nic_flags & FP_NF_VALID)) {
				unsigned c = inst_first_bad((const struct toffee_flow *)in.image);
				TB_CHECK((c != 0) == (fw_fb.status == -EINVAL), "cmd %u: coverage model disagrees", n);
				inst_cnt[c]++;
			}
		}

		// Counters.
		for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
			uint64_t d = fp_counter(fp, i) - before[i];
			uint64_t exp = (o.cnt >> i) & 1;
			if (i == TOFFEE_CNT_TX_ACKS) exp = o.ack;
			if (d != exp)
				TB_FAIL("cmd %u (%s op %u flow 0x%x): counter %u moved by %llu, RTL says %llu",
					n, ctxs, op, id, i, (unsigned long long)d, (unsigned long long)exp);
		}
		TB_CHECK((fh->n_tx - ntx) == (size_t)o.ack, "cmd %u: %zu frames sent, RTL ack %d", n, fh->n_tx - ntx, o.ack);
		if (is_ctx) {
			uint64_t nown = fp_counter(fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_NOT_OWNER) - before[TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_NOT_OWNER];
			uint64_t bad = fp_counter(fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD) - before[TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD];
			ctx_cnt[nown ? 0 : bad ? (in.phase_ok ? 1 : 2) : o.ack ? 3 : 4]++;
			if (!nown && !bad && (in.cmd[12] & TOFFEE_CMDF_FIN)) ctx_cnt[5]++;
		}

		// State.
		if (id < CAP) {
			const struct toffee_flow *nf = &fp->flows[id];
			bool enq = !(old.nic_flags & FP_NF_QUEUED) && (nf->nic_flags & FP_NF_QUEUED);
			struct toffee_flow fw_cmp = *nf;
			if (enq) {                       // the scheduler's bits: the RTL keeps the old ones
				fw_cmp.nic_flags = (uint8_t)((fw_cmp.nic_flags & ~FP_NF_QUEUED) | (old.nic_flags & FP_NF_QUEUED));
				fw_cmp.sched_next = old.sched_next;
			}
			const uint8_t *exp_state = wr ? o.state : in.state;
			if (memcmp(exp_state, &fw_cmp, 128)) {
				hexdiff("state", exp_state, (const uint8_t *)&fw_cmp, 128);
				TB_FAIL("cmd %u (%s op %u flow 0x%x phase_ok %d): state differs (RTL state_wr %d)",
					n, ctxs, op, id, in.phase_ok, wr);
			}
			bool pend = fp_tx_pending(nf);
			TB_CHECK(enq == (kick && pend && !(old.nic_flags & FP_NF_QUEUED)),
				 "cmd %u (%s op %u): firmware enqueued %d, RTL kick %d pending %d", n, ctxs, op, enq, kick, pend);
			TB_CHECK(kick_pend == (kick && pend), "cmd %u: kick_pend %d, kick %d, pending %d", n, kick_pend, kick, pend);
		} else {
			TB_CHECK(!wr && !kick && !o.ack, "cmd %u: flow id 0x%x out of range written", n, id);
		}
		// kick where fp_sched_kick() is called (unobservable when nothing is pending).
		bool exp_kick = false;
		if (!is_ctx)
			exp_kick = in.phase_ok && (int16_t)status == 0 &&
				   (op == TOFFEE_CMD_INSTALL || op == TOFFEE_CMD_SET_RATE || op == TOFFEE_CMD_SET_WINDOW ||
				    op == TOFFEE_CMD_RETRANSMIT || op == TOFFEE_CMD_TX_FIN);
		else
			exp_kick = wr && (in.cmd[4] | in.cmd[5] | in.cmd[6] | in.cmd[7] || (in.cmd[12] & TOFFEE_CMDF_FIN));
		TB_CHECK(kick == exp_kick, "cmd %u (%s op %u): kick %d, expected %d", n, ctxs, op, kick, exp_kick);

		// READ_STATE, and REMOVE with an iova (the state as removed).
		uint64_t cmd_iova;
		memcpy(&cmd_iova, in.cmd + offsetof(struct toffee_sp_cmd, iova), 8);
		bool fw_read = !is_ctx && in.phase_ok && fw_fb.status == 0 &&
			       (op == TOFFEE_CMD_READ_STATE || (op == TOFFEE_CMD_REMOVE && cmd_iova != 0));
		TB_CHECK(o.dma_wr_valid == fw_read, "cmd %u (op %u): dma_wr_valid %d", n, op, o.dma_wr_valid);
		if (fw_read) {
			TB_CHECK(o.iova == rd_iova, "cmd %u: image iova", n);
			if (memcmp(o.state, fphost_ptr(fh, rd_iova, 128), 128)) {
				hexdiff("image", o.state, (const uint8_t *)fphost_ptr(fh, rd_iova, 128), 128);
				TB_FAIL("cmd %u (op %u): state image differs", n, op);
			}
		}
		fphost_tx_clear(fh);
		TB_CHECK(fh->abi_violations == 0, "cmd %u: harness saw an ABI violation", n);
	}

	// Replay back to back: every output must repeat (one command per cycle).
	size_t got = 0, sent = 0;
	uint64_t cyc = 0;
	std::vector<size_t> in_flight;
	while (got < rec_in.size()) {
		bool v = sent < rec_in.size() && !R->chance(10);
		if (v) drive(rec_in[sent], true);
		else top->in_valid = 0;
		tick();
		cyc++;
		if (v) sent++;
		if (top->out_valid) {
			rtl_out o = sample();
			TB_CHECK(got < rec_in.size(), "replay: extra output");
			if (!(o == rec_out[got]))
				TB_FAIL("replay: command %zu differs when pipelined", got);
			got++;
		}
		TB_CHECK(cyc < 2 * rec_in.size() + 100, "replay: outputs missing");
	}

	printf("cmd_exec: %u commands identical to the firmware (FLOW_CAP %u), replayed pipelined in %llu cycles\n",
	       ncmd, CAP, (unsigned long long)cyc);
	printf("  sp status: ok=%llu einval=%llu enoent=%llu eexist=%llu eexist(table)=%llu enospc=%llu eproto=%llu\n",
	       (unsigned long long)st_cnt[S_OK], (unsigned long long)st_cnt[S_INVAL], (unsigned long long)st_cnt[S_NOENT],
	       (unsigned long long)st_cnt[S_EXIST], (unsigned long long)st_cnt[S_EXIST_TAB],
	       (unsigned long long)st_cnt[S_NOSPC], (unsigned long long)st_cnt[S_PROTO]);
	printf("  sp opcodes (phase ok):");
	for (int i = 0; i <= 10; i++) printf(" %d%s=%llu", i, i == 10 ? "+" : "", (unsigned long long)op_cnt[i]);
	printf("\n  ctx: not_owner=%llu bad=%llu bad_phase=%llu ack=%llu ok_no_ack=%llu (with FIN %llu)\n",
	       (unsigned long long)ctx_cnt[0], (unsigned long long)ctx_cnt[1], (unsigned long long)ctx_cnt[2],
	       (unsigned long long)ctx_cnt[3], (unsigned long long)ctx_cnt[4], (unsigned long long)ctx_cnt[5]);
	printf("  install on a free slot, first failing condition:");
	for (unsigned i = 0; i < 15; i++) printf(" %s=%llu", inst_cond[i], (unsigned long long)inst_cnt[i]);
	printf("\n");
	for (unsigned i = 0; i < 15; i++)
		TB_CHECK(inst_cnt[i] > 0, "install condition %s never reached", inst_cond[i]);
	TB_CHECK(st_cnt[S_EXIST_TAB] && st_cnt[S_NOSPC] && st_cnt[S_EXIST] && st_cnt[S_PROTO] && ctx_cnt[3],
		 "a case was never exercised");
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
