/* SPDX-License-Identifier: MIT */
/* The per-flow control loop. Every interval (about two RTTs while the flow
 * is busy, backing off to tick_idle when it is idle) toffeed asks the NIC
 * for the flow's feedback (TOFFEE_CMD_FEEDBACK: bytes acknowledged, of which
 * ECN-marked, fast retransmits, an RTT sample, bytes in flight) and
 *  - feeds the RTT sample to the RFC 6298 estimator;
 *  - runs the congestion-control law and tells the NIC the new rate or
 *    window (SET_RATE / SET_WINDOW) when it changed;
 *  - runs the retransmission timer: data in flight without progress for an
 *    RTO -> read the state and, if something is still unacknowledged, go
 *    back N (RETRANSMIT) and back off;
 *  - probes a zero window (persist) when the flow has data but the peer's
 *    window is closed;
 *  - polls closing flows for the acknowledgement of their FIN;
 *  - keeps idle connections alive, or resets them when the peer is gone
 *    (keepalive, below).
 * The interval grows with the number of busy flows (tick_per_flow_ns), so
 * the load of the loop on toffeed and on the NIC stays bounded. */
#include <errno.h>
#include <string.h>
#include "sp.h"

#define PERSIST_EVERY 4u     /* idle ticks between zero-window checks */
#define SP_TICK_GRID_NS 1000000u  /* ticks fall due on multiples of this */

static bool installed_state(uint8_t st)
{
	return st >= SP_ESTABLISHED && st <= SP_LAST_ACK;
}

static uint32_t busy_interval_us(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	uint64_t us = c->rto.sampled ? 2ull * c->rto.srtt_us : sp->cfg.tick_min_us;
	uint64_t load = (uint64_t)sp->nactive * sp->cfg.tick_per_flow_ns / 1000u;
	if (us < sp->cfg.tick_min_us)
		us = sp->cfg.tick_min_us;
	if (us < load)
		us = load;
	if (us > sp->cfg.tick_idle_us)
		us = sp->cfg.tick_idle_us;
	return (uint32_t)us;
}

static void set_busy(struct sp_conn *c, bool busy)
{
	if (c->busy == busy)
		return;
	c->busy = busy;
	if (busy)
		c->sp->nactive++;
	else
		c->sp->nactive--;
}

static void tick(struct sp_timer *t, uint64_t now)
{
	struct sp_conn *c = SP_CONTAINER(t, struct sp_conn, tick);
	(void)now;
	if (!installed_state(c->state))
		return;
	if (c->fin_req && !c->fin_acked)
		sp_conn_read(c, SP_ACT_CLOSE);
	/* The next tick is armed when the record arrives. */
	sp_cmd(c->sp, TOFFEE_CMD_FEEDBACK, c->flow_id, 0, 0, SP_WHY_FEEDBACK, c, NULL);
}

void sp_ctl_start(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	c->tick.fn = tick;
	c->tick_us = sp->cfg.tick_min_us;
	c->last_fb_ns = sp->now;
	c->progress_ns = sp->now;
	c->retries = 0;
	sp_arm(sp, &c->tick, sp->now + (uint64_t)c->tick_us * 1000u);
}

void sp_ctl_stop(struct sp_conn *c)
{
	sp_timer_cancel(&c->sp->timers, &c->tick);
	sp_timer_cancel(&c->sp->timers, &c->ka_tmr);
	set_busy(c, false);
}

static void apply_cc(struct sp_conn *c, const struct sp_cc_out *o)
{
	struct sp *sp = c->sp;
	if (o->set_rate) {
		sp_cmd(sp, TOFFEE_CMD_SET_RATE, c->flow_id, 0, o->ps_per_byte, SP_WHY_PLAIN, c, NULL);
		sp_count(sp, SP_CNT_CC_RATE);
	}
	if (o->set_window) {
		sp_cmd(sp, TOFFEE_CMD_SET_WINDOW, c->flow_id, 0, o->cwnd, SP_WHY_PLAIN, c, NULL);
		sp_count(sp, SP_CNT_CC_WINDOW);
	}
}

void sp_ctl_feedback(struct sp_conn *c, const struct toffee_sp_fb *fb)
{
	struct sp *sp = c->sp;
	if (!installed_state(c->state))
		return;
	uint64_t now = sp->now;
	uint64_t interval = now - c->last_fb_ns;
	c->last_fb_ns = now;
	sp_count(sp, SP_CNT_FEEDBACK);
	if (fb->rtt_us)
		sp_rto_sample(&c->rto, &sp->cfg.rto, fb->rtt_us);

	struct sp_cc_in in = {
		.acked = fb->acked_bytes, .ecn = fb->ecn_bytes, .fast_rexmits = fb->fast_rexmits,
		.inflight = fb->inflight, .interval_us = (uint32_t)(interval / 1000u),
	};
	struct sp_cc_out out;
	if (sp_cc_update(&c->cc, &sp->cfg.cc, &in, &out))
		apply_cc(c, &out);

	/* Retransmission timer (RFC 6298 §5): restarted by new ACKs, off when
	 * nothing is in flight. */
	if (fb->inflight == 0 || fb->acked_bytes) {
		c->progress_ns = now;
		if (c->rto.backoffs)
			sp_rto_restart(&c->rto, &sp->cfg.rto, false);
		c->retries = 0;
	} else if (now - c->progress_ns >= (uint64_t)c->rto.rto_us * 1000u) {
		c->progress_ns = now;            /* decided once the state is read */
		sp_conn_read(c, SP_ACT_RTO);
	}

	bool busy = fb->inflight || fb->acked_bytes;
	set_busy(c, fb->acked_bytes != 0);
	if (busy) {
		c->idle_ticks = 0;
		c->tick_us = busy_interval_us(c);
		if (!fb->acked_bytes) {
			/* Waiting for ACKs: nothing to control, look about four
			 * times per RTO, and wake up in time for it. */
			uint64_t wait = c->rto.rto_us / 4;
			if (wait > c->tick_us)
				c->tick_us = (uint32_t)wait;
			uint64_t due = c->progress_ns + (uint64_t)c->rto.rto_us * 1000u;
			uint64_t left = due > now ? (due - now) / 1000u + 1 : 1;
			if (left < c->tick_us)
				c->tick_us = (uint32_t)left;
		}
	} else {
		if (++c->idle_ticks % PERSIST_EVERY == 0)
			sp_conn_read(c, SP_ACT_PERSIST);
		c->tick_us = c->tick_us * 2 > sp->cfg.tick_idle_us ? sp->cfg.tick_idle_us : c->tick_us * 2;
	}
	/* On a grid, so that the ticks of many flows fall due together and
	 * are served by one wake-up (their FEEDBACKs answered in one batch). */
	uint64_t when = now + (uint64_t)c->tick_us * 1000u + SP_TICK_GRID_NS - 1;
	sp_arm(sp, &c->tick, when - when % SP_TICK_GRID_NS);
}

/* ---- keepalive (RFC 9293 §3.8.4; Linux's socket options and defaults) ----
 * After ka_idle seconds without a sign of the peer (rcv_nxt, snd_una and
 * ts_recent unchanged in the NIC's state, nothing in flight: the RTO
 * watches that), a probe (SEG.SEQ = SND.UNA - 1, which the peer answers
 * with an ACK) every ka_intvl seconds, at most ka_cnt, then a reset
 * (ETIMEDOUT to the app, RST to the peer). The answer changes nothing in
 * the flow's state, so while probing the flow is marked SLOWPATH
 * (TOFFEE_CMD_SET_SLOWPATH): the NIC punts what the peer sends (P5), and
 * that it came is the answer; the segment itself is dropped (data or a
 * FIN is sent again by the peer, through the fast path again). A round
 * reads the state: probing starts between ka_idle and 2 * ka_idle after
 * the last segment. */
static void ka_arm(struct sp_conn *c, uint32_t s)
{
	sp_arm(c->sp, &c->ka_tmr, c->sp->now + (uint64_t)s * 1000000000ull);
}

static void ka_timer(struct sp_timer *t, uint64_t now)
{
	struct sp_conn *c = SP_CONTAINER(t, struct sp_conn, ka_tmr);
	(void)now;
	if (installed_state(c->state) && c->ka_on)
		sp_conn_read(c, SP_ACT_KEEPALIVE);
}

static void ka_slowpath(struct sp_conn *c, bool on)
{
	if (c->ka_slow == on)
		return;
	c->ka_slow = on;
	sp_cmd(c->sp, TOFFEE_CMD_SET_SLOWPATH, c->flow_id, 0, on, SP_WHY_PLAIN, c, NULL);
}

void sp_ctl_keepalive(struct sp_conn *c, bool on, uint32_t idle_s, uint32_t intvl_s, uint32_t cnt)
{
	struct sp *sp = c->sp;
	if (!(sp->dev->info.features & TOFFEE_FEAT_SLOWMARK))
		return;                          /* the answers could not be seen */
	c->ka_idle_s = idle_s ? idle_s : TOFFEE_KEEPALIVE_IDLE_S;
	c->ka_intvl_s = intvl_s ? intvl_s : TOFFEE_KEEPALIVE_INTVL_S;
	c->ka_cnt = (uint8_t)(cnt && cnt < 256 ? cnt : TOFFEE_KEEPALIVE_CNT);
	c->ka_on = on;
	c->ka_probes = 0;
	c->ka_tmr.fn = ka_timer;
	if (!on) {
		sp_timer_cancel(&sp->timers, &c->ka_tmr);
		if (installed_state(c->state))
			ka_slowpath(c, false);
		return;
	}
	c->ka_valid = false;                 /* the first round takes the state */
	if (installed_state(c->state))
		sp_conn_read(c, SP_ACT_KEEPALIVE);
}

static void ka_round(struct sp_conn *c, const struct toffee_flow *f)
{
	struct sp *sp = c->sp;
	if (!c->ka_on)
		return;
	bool heard = !c->ka_valid || f->rcv_nxt != c->ka_rcv || f->snd_una != c->ka_una ||
		     f->ts_recent != c->ka_ts;
	c->ka_valid = true;
	c->ka_rcv = f->rcv_nxt;
	c->ka_una = f->snd_una;
	c->ka_ts = f->ts_recent;
	if (heard || f->snd_una != f->snd_max) {
		c->ka_probes = 0;
		ka_slowpath(c, false);
		ka_arm(c, c->ka_idle_s);
		return;
	}
	if (c->ka_probes >= c->ka_cnt) {
		sp_count(sp, SP_CNT_KA_TIMEOUT);
		sp_close_reset(c, -ETIMEDOUT);
		return;
	}
	ka_slowpath(c, true);
	sp_conn_send_ack(c, f->snd_una - 1, f->rcv_nxt, f->rx_avail, f->ts_recent);
	sp_count(sp, SP_CNT_KA_PROBES);
	c->ka_probes++;
	ka_arm(c, c->ka_intvl_s);
}

bool sp_ctl_keepalive_heard(struct sp_conn *c)
{
	if (!c->ka_slow)
		return false;
	sp_count(c->sp, SP_CNT_KA_ANSWERED);
	c->ka_probes = 0;
	ka_slowpath(c, false);
	ka_arm(c, c->ka_idle_s);
	return true;
}

void sp_ctl_state(struct sp_conn *c, const struct toffee_flow *f, uint8_t act)
{
	struct sp *sp = c->sp;
	if (!installed_state(c->state))
		return;
	if ((act & SP_ACT_RTO) && f->snd_una != f->snd_max) {
		sp_count(sp, SP_CNT_RTO_EXPIRED);
		if (++c->retries > sp->cfg.data_retries) {
			sp_count(sp, SP_CNT_DATA_TIMEOUT);
			sp_close_reset(c, -ETIMEDOUT);
			return;
		}
		sp_cmd(sp, TOFFEE_CMD_RETRANSMIT, c->flow_id, 0, 0, SP_WHY_PLAIN, c, NULL);
		sp_count(sp, SP_CNT_RETRANSMITS);
		sp_rto_backoff(&c->rto, &sp->cfg.rto);
		struct sp_cc_out out;
		if (sp_cc_on_rto(&c->cc, &sp->cfg.cc, f->snd_max - f->snd_una, &out))
			apply_cc(c, &out);
		c->progress_ns = sp->now;
		if (sp_timer_armed(&c->tick) &&
		    c->tick.when > sp->now + (uint64_t)c->rto.rto_us * 1000u)
			sp_arm(sp, &c->tick, sp->now + (uint64_t)c->rto.rto_us * 1000u);
	}
	if (act & SP_ACT_KEEPALIVE)
		ka_round(c, f);
	if (!installed_state(c->state))
		return;                          /* reset by the round */
	if ((act & SP_ACT_PERSIST) && f->snd_wnd == 0 && f->snd_una == f->snd_nxt &&
	    sp_seq_lt(f->snd_nxt, f->tx_end)) {
		/* Zero-window probe: an old sequence number makes the peer answer
		 * with an ACK carrying its current window (RFC 9293 §3.8.6.1). */
		sp_conn_send_ack(c, f->snd_una - 1, f->rcv_nxt, f->rx_avail, f->ts_recent);
		sp_count(sp, SP_CNT_PERSIST_PROBES);
	}
}
