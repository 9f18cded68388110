/* SPDX-License-Identifier: MIT */
/* Exceptions: what the NIC punted (firmware/fp_rx.c's numbered list),
 * dispatched by reason; segments for no flow (handshakes, TIME_WAIT, closed
 * ports); RST validation (RFC 5961 §3) and the ACKs RFC 9293 asks for. */
#include <errno.h>
#include <string.h>
#include "sp.h"

#define SP_ACK_INTERVAL_NS 1000000ull   /* at most one exception ACK per ms and flow */

void sp_reply_init(const struct sp *sp, const struct sp_seg *s, struct sp_tcp_out *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->dst_mac, s->src_mac, 6);
	memcpy(o->src_mac, sp->mac, 6);
	o->saddr = s->daddr;
	o->daddr = s->saddr;
	o->sport = s->dport;
	o->dport = s->sport;
}

void sp_rst_reply(struct sp *sp, const struct sp_seg *s)
{
	if (s->flags & SP_TH_RST)
		return;                            /* never answer a RST */
	struct sp_tcp_out o;
	sp_reply_init(sp, s, &o);
	/* RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST> if ACK is set, else
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	if (s->flags & SP_TH_ACK) {
		o.seq = s->ack;
		o.flags = SP_TH_RST;
	} else {
		o.ack = s->seq + sp_seg_len(s);
		o.flags = SP_TH_RST | SP_TH_ACK;
	}
	sp_send_seg(sp, &o);
	sp_count(sp, SP_CNT_RST_CLOSED_PORT);
}

/* A segment for which the NIC has no flow. */
static void no_flow(struct sp *sp, const struct sp_seg *s)
{
	struct sp_conn *c = sp_conn_lookup(sp, s->daddr, s->dport, s->saddr, s->sport);
	if (c) {
		switch (c->state) {
		case SP_SYN_SENT:
		case SP_SYN_RCVD:
		case SP_INSTALLING:
			sp_open_segment(c, s);
			return;
		case SP_TIME_WAIT:
			if (sp_close_tw_segment(c, s))
				return;
			sp_conn_free(c);           /* a new incarnation (RFC 6191) */
			break;
		default:
			if (c->moving) {
				/* between the REMOVE and the INSTALL of a hand-over:
				 * the peer retransmits it */
				sp_count(sp, SP_CNT_HANDOVER_DROPPED);
				return;
			}
			/* removed (reset, aborted) or being removed */
			sp_rst_reply(sp, s);
			return;
		}
	}
	if ((s->flags & (SP_TH_SYN | SP_TH_ACK | SP_TH_RST)) == SP_TH_SYN)
		sp_open_syn(sp, s);
	else if (!sp_open_cookie_ack(sp, s))
		sp_rst_reply(sp, s);
}

static bool ack_allowed(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	if (sp->now - c->last_ack_ns < SP_ACK_INTERVAL_NS) {
		sp_count(sp, SP_CNT_ACK_RATELIMITED);
		return false;
	}
	c->last_ack_ns = sp->now;
	return true;
}

/* A RST for an installed flow: checked against its state (RFC 5961 §3). */
static void rst_seen(struct sp_conn *c, const struct sp_seg *s)
{
	/* Checked against the state the READ_STATE brings; more than a few in
	 * one round are a flood (a real peer's RST comes again with its next
	 * segment). */
	if (c->nrst == SP_RST_PENDING) {
		sp_count(c->sp, SP_CNT_RST_IGNORED);
		return;
	}
	c->rst_seq[c->nrst++] = s->seq;
	sp_conn_read(c, SP_ACT_RST_CHECK);
}

/* A segment punted for an installed flow. */
static void on_flow(struct sp_conn *c, unsigned reason, const struct sp_seg *s)
{
	struct sp *sp = c->sp;
	switch (reason) {
	case TOFFEE_EXC_SLOW_FLOW:
		/* marked while keepalive probes: the peer answered (a RST is
		 * still checked as one) */
		if (s->flags & SP_TH_RST)
			rst_seen(c, s);
		else if (!sp_ctl_keepalive_heard(c))
			sp_count(sp, SP_CNT_SLOW_FLOW);
		break;
	case TOFFEE_EXC_SYN:
		/* RFC 5961 §4: a SYN on a synchronized connection gets a challenge
		 * ACK (which also repeats our lost handshake ACK to a peer still
		 * retransmitting its SYN-ACK). */
		sp_count(sp, SP_CNT_SYN_CHALLENGE);
		if (ack_allowed(c))
			sp_conn_read(c, SP_ACT_ACK);
		break;
	case TOFFEE_EXC_RST:
		rst_seen(c, s);
		break;
	case TOFFEE_EXC_NO_ACK:
		sp_count(sp, SP_CNT_NO_ACK_DROP);     /* RFC 9293: drop it */
		break;
	case TOFFEE_EXC_OPTIONS:
		sp_count(sp, SP_CNT_OPTIONS_DROP);
		break;
	case TOFFEE_EXC_ACK_UNACCEPTABLE:       /* RFC 9293 §3.10.7.4, RFC 5961 §5: ACK, drop */
	case TOFFEE_EXC_OUT_OF_WINDOW:          /* unacceptable: ACK, drop */
	case TOFFEE_EXC_ZERO_WINDOW:            /* a probe: ACK with our window */
		if (ack_allowed(c))
			sp_conn_read(c, SP_ACT_ACK);
		break;
	case TOFFEE_EXC_FIN:
		sp_close_fin_rcvd(c, s);
		break;
	default:
		sp_count(sp, SP_CNT_BAD_FRAME);
		break;
	}
}

void sp_exc(struct sp *sp, const struct toffee_sp_exc *e, const uint8_t *frame)
{
	switch (e->reason) {
	case TOFFEE_EXC_NOT_IPV4:
		if (e->frame_len >= SP_ETH_LEN && sp_rd16(frame + 12) == SP_ETH_ARP)
			sp_neigh_input(sp, frame, e->frame_len);
		else
			sp_count(sp, SP_CNT_NOT_IPV4);
		return;
	case TOFFEE_EXC_IP_OPTS_FRAG:
		sp_count(sp, SP_CNT_IP_FRAG);
		return;
	case TOFFEE_EXC_NOT_TCP:
		sp_neigh_icmp(sp, frame, e->frame_len);
		return;
	default:
		break;
	}
	struct sp_seg s;
	if (sp_pkt_parse_tcp(frame, e->frame_len, &s)) {
		sp_count(sp, SP_CNT_BAD_FRAME);
		return;
	}
	if (s.daddr != sp->cfg.route.ip) {
		sp_count(sp, SP_CNT_NOT_OUR_IP);
		return;
	}
	if (e->flow_id == TOFFEE_FLOW_NONE) {
		no_flow(sp, &s);
		return;
	}
	struct sp_conn *c = e->flow_id < sp->nflows ? sp->flows[e->flow_id] : NULL;
	if (!c || c->lip != s.daddr || c->rip != s.saddr || c->lport != s.dport ||
	    c->rport != s.sport || c->state == SP_RESET) {
		sp_count(sp, SP_CNT_EXC_STALE);
		return;
	}
	on_flow(c, e->reason, &s);
}

void sp_state_read(struct sp_conn *c, const struct toffee_flow *f, uint8_t act)
{
	struct sp *sp = c->sp;
	if (act & SP_ACT_RST_SEND) {
		struct sp_tcp_out o;
		sp_conn_out_init(c, &o);
		o.seq = f->snd_nxt;                /* RFC 9293 §3.10.4 ABORT */
		o.ack = f->rcv_nxt;
		o.flags = SP_TH_RST | SP_TH_ACK;
		sp_send_seg(sp, &o);
		sp_count(sp, SP_CNT_RST_SENT);
		return;
	}
	if (act & SP_ACT_RST_CHECK) {
		/* RFC 5961 §3.2: exactly RCV.NXT resets; elsewhere in the window
		 * asks for a challenge ACK; outside it is dropped. */
		uint32_t wnd = f->rx_avail ? f->rx_avail : 1;
		unsigned n = c->nrst;
		c->nrst = 0;
		for (unsigned i = 0; i < n; i++) {
			uint32_t q = c->rst_seq[i];
			if (q == f->rcv_nxt) {
				sp_count(sp, SP_CNT_RST_RCVD);
				sp_close_reset(c, -ECONNRESET);
				return;
			}
			if (sp_seq_gt(q, f->rcv_nxt) && sp_seq_lt(q, f->rcv_nxt + wnd)) {
				sp_count(sp, SP_CNT_RST_CHALLENGE);
				act |= SP_ACT_ACK;         /* one challenge ACK per round */
			} else {
				sp_count(sp, SP_CNT_RST_IGNORED);
			}
		}
	}
	if (act & SP_ACT_ACK)
		sp_conn_send_ack(c, f->snd_nxt, f->rcv_nxt, f->rx_avail, f->ts_recent);
	if (act & SP_ACT_CLOSE)
		sp_close_state(c, f);
	if (c->dead || c->flow_id == TOFFEE_FLOW_NONE)
		return;
	sp_ctl_state(c, f, act);
}
