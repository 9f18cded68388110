/* SPDX-License-Identifier: MIT */
/* Opening connections: listeners, passive open (SYN -> SYN-ACK -> install on
 * the final ACK), active open (ARP, SYN, SYN-ACK -> install -> ACK), and
 * the data a peer sends before the flow is in the NIC ("early data").
 *
 * Early data: a client may send data right behind its handshake ACK. The
 * segments that reach the NIC before the INSTALL took effect are punted as
 * NO_FLOW. Those seen before we post the INSTALL are written into the RX
 * buffer here and the flow is installed past them; those seen while the
 * INSTALL is in flight are held, and once it completed the flow is read
 * (READ_STATE), removed, merged with them and installed again — the
 * application has not been told about the flow yet. ACCEPTED's `arg` counts
 * the bytes delivered this way (no EV entry reports them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sp.h"
#include "syncookie.h"

#define SP_MAX_REINSTALLS 3u

bool sp_port_busy(void *arg, uint16_t port)
{
	struct sp_conn *want = arg;
	return want->sp->lst_port[port] ||
	       sp_conn_lookup(want->sp, want->lip, port, want->rip, want->rport);
}

/* ---- segments of the handshake ------------------------------------------------------ */

static uint32_t pref_window(struct sp *sp)
{
	uint32_t w = 1u << sp->cfg.buf_log2;
	return w > 0xffff ? 0xffff : w;
}

static void send_synack(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	struct sp_tcp_out o;
	sp_conn_out_init(c, &o);
	o.seq = c->iss;
	o.ack = c->irs + 1;
	o.win = (uint16_t)pref_window(sp);        /* never scaled in a SYN (RFC 7323 §2.2) */
	o.flags = SP_TH_SYN | SP_TH_ACK | (c->neg.ecn ? SP_TH_ECE : 0);
	o.mss = sp->cfg.syn.mss;
	o.ws_ok = c->neg.ws;
	o.ws = c->neg.rcv_wscale;
	o.sack_ok = c->neg.sack;
	o.ts_ok = c->neg.ts;
	o.tsval = sp_ts_now(sp);
	o.tsecr = c->neg.ts_recent;
	sp_send_seg(sp, &o);
	sp_count(sp, SP_CNT_SYNACK_SENT);
}

void sp_open_send_syn(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	struct sp_tcp_out o;
	sp_conn_out_init(c, &o);
	sp_neg_syn(&sp->cfg.syn, &o);
	o.seq = c->iss;
	o.win = (uint16_t)pref_window(sp);
	o.tsval = sp_ts_now(sp);
	sp_send_seg(sp, &o);
	sp_count(sp, SP_CNT_SYN_SENT);
	sp_arm(sp, &c->tmr, sp->now + (uint64_t)c->rto.rto_us * 1000u);
}

/* A connection in SYN_RCVD for listener @p l, from the peer's SYN @p syn,
 * with our ISN @p iss. */
static struct sp_conn *passive_conn(struct sp *sp, struct sp_listener *l, const struct sp_seg *syn, uint32_t iss)
{
	struct sp_conn *c = sp_conn_new(sp, syn->daddr, syn->dport, syn->saddr, syn->sport);
	if (!c)
		return NULL;
	sp_conn_attach(c, l->app);
	c->passive = true;
	c->lst = l;
	c->irs = syn->seq;
	c->iss = iss;
	memcpy(c->mac, syn->src_mac, 6);          /* answer through whoever sent it */
	struct sp_tcp_out unused;
	memset(&unused, 0, sizeof(unused));
	sp_neg_passive(&sp->cfg.syn, syn, sp->cfg.mtu, &c->neg, &unused);
	sp_conn_set_state(c, SP_SYN_RCVD);
	return c;
}

/* Answer SYN @p s with a cookie (syncookie.h), keeping nothing. */
static void send_cookie_synack(struct sp *sp, const struct sp_seg *s)
{
	struct sp_seg syn;
	struct sp_neg n;
	struct sp_tcp_out o;
	sp_cookie_syn(s, sp->cfg.syn.ts && s->opt.ts_ok, &syn);
	sp_reply_init(sp, s, &o);
	sp_neg_passive(&sp->cfg.syn, &syn, sp->cfg.mtu, &n, &o);
	o.tsval = sp_ts_now(sp);
	o.seq = sp_cookie_make(sp->cookie_key, sp->now, &syn, n.ts, &o.tsval);
	o.ack = s->seq + 1;
	o.win = (uint16_t)pref_window(sp);        /* never scaled in a SYN (RFC 7323 §2.2) */
	sp_send_seg(sp, &o);
	sp->cookie_last_ns = sp->now;
	sp_count(sp, SP_CNT_COOKIE_SENT);
}

void sp_open_syn(struct sp *sp, const struct sp_seg *s)
{
	sp_count(sp, SP_CNT_SYN_RCVD);
	bool wait;
	struct sp_listener *l = sp_listener_for(sp, s, &wait);
	if (!l && wait) {
		sp_count(sp, SP_CNT_SYN_NO_ACCEPTOR);   /* a fork group, none accepting yet */
		return;
	}
	if (!l) {
		sp_count(sp, SP_CNT_SYN_NO_LISTENER);
		sp_rst_reply(sp, s);                 /* RFC 9293 §3.10.7.1 */
		return;
	}
	if (l->ninst >= l->backlog) {
		sp_count(sp, SP_CNT_BACKLOG_FULL);
		return;
	}
	bool full = l->nsyn >= sp->cfg.syn_backlog;
	if (full)
		sp_count(sp, SP_CNT_SYN_QUEUE_FULL);
	if (sp->cfg.syncookies == SP_COOKIES_ALWAYS || (full && sp->cfg.syncookies == SP_COOKIES_AUTO)) {
		send_cookie_synack(sp, s);
		return;
	}
	if (full)
		return;                              /* the peer retries its SYN */
	struct sp_conn *c = passive_conn(sp, l, s, sp_conn_isn(sp, s->daddr, s->dport, s->saddr, s->sport));
	if (!c)
		return;
	send_synack(c);
	sp_arm(sp, &c->tmr, sp->now + (uint64_t)c->rto.rto_us * 1000u);
}

/* Handshake retransmissions (SYN_SENT, SYN_RCVD). */
void sp_open_timer(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	if (c->state == SP_SYN_SENT) {
		if (c->arp_wait)
			return;                      /* ARP gives up on its own */
		if (++c->retries > sp->cfg.syn_retries) {
			sp_count(sp, SP_CNT_CONN_TIMEOUT);
			sp_conn_notify(c, TOFFEE_APP_CONN_FAILED, -ETIMEDOUT);
			sp_conn_free(c);
			return;
		}
		sp_rto_backoff(&c->rto, &sp->cfg.rto);
		sp_count(sp, SP_CNT_SYN_RETRANS);
		sp_open_send_syn(c);
		return;
	}
	if (++c->retries > sp->cfg.synack_retries) {
		sp_conn_free(c);                     /* the embryo dies quietly */
		return;
	}
	sp_rto_backoff(&c->rto, &sp->cfg.rto);
	sp_count(sp, SP_CNT_SYNACK_RETRANS);
	send_synack(c);
	sp_arm(sp, &c->tmr, sp->now + (uint64_t)c->rto.rto_us * 1000u);
}

void sp_open_arp_failed(struct sp_conn *c)
{
	sp_count(c->sp, SP_CNT_CONN_UNREACH);
	sp_conn_notify(c, TOFFEE_APP_CONN_FAILED, -EHOSTUNREACH);
	sp_conn_free(c);
}

/* Copy @p len bytes with sequence number @p seq into the flow's RX buffer. */
static void rx_deposit(struct sp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint8_t *buf = c->app->region.va + c->rx_off;
	uint32_t mask = (1u << c->rx_log2) - 1, off = seq & mask, first = mask + 1 - off;
	if (first >= len) {
		memcpy(buf + off, data, len);
	} else {
		memcpy(buf + off, data, first);
		memcpy(buf, data + first, len - first);
	}
}

/* Flow slot and buffers for @p c. 0, or -errno (counted). */
static int take_resources(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	int64_t id = sp_ids_alloc_next(&sp->flow_ids);
	if (id < 0) {
		sp_count(sp, SP_CNT_NO_FLOW_SLOT);
		return -ENOSPC;
	}
	if (sp_app_bufs(c->app, c)) {
		sp_ids_put(&sp->flow_ids, (uint32_t)id);
		sp_count(sp, SP_CNT_NO_BUFFER);
		return -ENOMEM;
	}
	c->flow_id = (uint32_t)id;
	sp->flows[id] = c;
	return 0;
}

/* The segment that completes a passive handshake. */
static void passive_established(struct sp_conn *c, const struct sp_seg *s)
{
	struct sp *sp = c->sp;
	if (take_resources(c)) {
		sp_conn_send_rst(c, c->iss + 1);
		sp_conn_free(c);
		return;
	}
	sp_timer_cancel(&sp->timers, &c->tmr);
	c->peer_win = s->win;
	if (c->neg.ts && s->opt.ts_ok)
		c->neg.ts_recent = s->opt.tsval;
	uint32_t rcv_nxt = c->irs + 1, used = 0;
	if (s->seq == rcv_nxt && (s->plen || (s->flags & SP_TH_FIN))) {
		uint32_t n = s->plen < (1u << c->rx_log2) ? s->plen : (1u << c->rx_log2);
		if (n)
			rx_deposit(c, rcv_nxt, s->payload, n);
		used = n;
		rcv_nxt += n;
		c->early_bytes = n;
		sp_count_n(sp, SP_CNT_EARLY_BYTES, n);
		if ((s->flags & SP_TH_FIN) && n == s->plen) {
			c->early_fin = c->fin_rcvd = true;
			sp_count(sp, SP_CNT_FIN_RCVD);
			rcv_nxt++;
		}
	}
	sp_conn_set_state(c, SP_INSTALLING);
	sp_conn_install(c, rcv_nxt, used, 0);
}

bool sp_open_cookie_ack(struct sp *sp, const struct sp_seg *s)
{
	/* Only while cookies may be out: any other stray ACK gets its RST
	 * without a MAC computed (and is not counted as a bad cookie). */
	if (sp->cfg.syncookies == SP_COOKIES_NEVER || !sp->cookie_last_ns ||
	    sp->now - sp->cookie_last_ns > (2ull << SP_COOKIE_EPOCH_SHIFT))
		return false;
	bool wait;
	struct sp_listener *l = sp_listener_for(sp, s, &wait);
	struct sp_seg syn;
	if (!l)
		return false;
	if (!sp_cookie_check(sp->cookie_key, sp->now, s, &syn)) {
		sp_count(sp, SP_CNT_COOKIE_BAD);
		return false;
	}
	if (l->ninst >= l->backlog) {
		sp_count(sp, SP_CNT_BACKLOG_FULL);
		return true;                         /* dropped: the peer sends again */
	}
	struct sp_conn *c = passive_conn(sp, l, &syn, s->ack - 1);
	if (!c)
		return true;
	sp_count(sp, SP_CNT_COOKIE_OK);
	passive_established(c, s);
	return true;
}

/* Keep a copy of a segment that arrived while the INSTALL was in flight. */
static void hold(struct sp_conn *c, const struct sp_seg *s)
{
	if (!s->plen && !(s->flags & SP_TH_FIN))
		return;
	if (c->nheld >= SP_HELD_MAX) {
		sp_count(c->sp, SP_CNT_EARLY_LOST);
		return;
	}
	struct sp_held *h = &c->held[c->nheld];
	h->data = s->plen ? malloc(s->plen) : NULL;
	if (s->plen && !h->data)
		return;
	if (s->plen)
		memcpy(h->data, s->payload, s->plen);
	h->seq = s->seq;
	h->len = (uint16_t)s->plen;
	h->fin = s->flags & SP_TH_FIN;
	c->nheld++;
}

static void active_synack(struct sp_conn *c, const struct sp_seg *s)
{
	struct sp *sp = c->sp;
	sp_timer_cancel(&sp->timers, &c->tmr);
	c->irs = s->seq;
	c->peer_win = s->win;
	sp_neg_active(&sp->cfg.syn, s, sp->cfg.mtu, &c->neg);
	if (c->retries)
		sp_rto_restart(&c->rto, &sp->cfg.rto, true);
	if (take_resources(c)) {
		sp_conn_send_rst(c, c->iss + 1);
		sp_conn_notify(c, TOFFEE_APP_CONN_FAILED, -ENOBUFS);
		sp_conn_free(c);
		return;
	}
	sp_conn_set_state(c, SP_INSTALLING);
	sp_conn_install(c, c->irs + 1, 0, 0);
}

bool sp_open_segment(struct sp_conn *c, const struct sp_seg *s)
{
	struct sp *sp = c->sp;
	switch (c->state) {
	case SP_SYN_RCVD:
		if (s->flags & SP_TH_RST) {
			/* RFC 9293 §3.10.7.4 / RFC 5961: an exact RST ends the embryo. */
			if (s->seq == c->irs + 1) {
				sp_count(sp, SP_CNT_RST_RCVD);
				sp_conn_free(c);
			} else {
				sp_count(sp, SP_CNT_RST_IGNORED);
			}
			return true;
		}
		if (s->flags & SP_TH_SYN) {
			sp_count(sp, SP_CNT_SYN_DUP);
			if (s->seq == c->irs)
				send_synack(c);        /* our SYN-ACK was lost */
			return true;
		}
		if (!(s->flags & SP_TH_ACK))
			return true;
		if (s->ack != c->iss + 1) {
			sp_count(sp, SP_CNT_HANDSHAKE_BAD_ACK);
			sp_rst_reply(sp, s);
			return true;
		}
		passive_established(c, s);
		return true;
	case SP_INSTALLING:
		if (!(s->flags & (SP_TH_RST | SP_TH_SYN)))
			hold(c, s);
		return true;
	case SP_SYN_SENT:
		if ((s->flags & SP_TH_ACK) && s->ack != c->iss + 1) {
			if (!(s->flags & SP_TH_RST))
				sp_rst_reply(sp, s);
			return true;
		}
		if (s->flags & SP_TH_RST) {
			if (s->flags & SP_TH_ACK) {
				sp_count(sp, SP_CNT_CONN_REFUSED);
				sp_conn_notify(c, TOFFEE_APP_CONN_FAILED, -ECONNREFUSED);
				sp_conn_free(c);
			}
			return true;
		}
		if ((s->flags & (SP_TH_SYN | SP_TH_ACK)) == (SP_TH_SYN | SP_TH_ACK))
			active_synack(c, s);
		return true;       /* a bare SYN (simultaneous open) is not supported */
	default:
		return false;
	}
}

void sp_open_installed(struct sp_conn *c, int status)
{
	struct sp *sp = c->sp;
	if (c->state != SP_INSTALLING)
		return;                              /* aborted meanwhile */
	if (status) {
		SP_ERR(sp, "INSTALL of flow %u failed: %d", c->flow_id, status);
		sp_count(sp, SP_CNT_INSTALL_FAILED);
		sp_conn_send_rst(c, c->iss + 1);
		if (!c->passive)
			sp_conn_notify(c, TOFFEE_APP_CONN_FAILED, status);
		sp_conn_free(c);
		return;
	}
	if (c->nheld) {
		if (c->reinstalls < SP_MAX_REINSTALLS) {
			/* Remove it, taking its state as removed, then merge. */
			sp_count(sp, SP_CNT_EARLY_REINSTALL);
			sp_conn_remove_cmd(c, SP_ACT_EARLY);
			return;
		}
		sp_count_n(sp, SP_CNT_EARLY_LOST, c->nheld);
		for (unsigned i = 0; i < c->nheld; i++)
			free(c->held[i].data);
		c->nheld = 0;
	}
	if (c->passive && !c->lst) {
		sp_conn_remove(c, true, SP_DOOMED);  /* the listener went away */
		return;
	}
	sp_count(sp, SP_CNT_FLOWS_INSTALLED);
	if (c->passive) {
		sp_conn_notify(c, TOFFEE_APP_ACCEPTED, 0);
		sp_conn_set_state(c, c->early_fin ? SP_CLOSE_WAIT : SP_ESTABLISHED);
		c->lst = NULL;
		if (c->early_bytes || c->early_fin)
			sp_conn_send_ack(c, c->iss + 1, c->snap.rcv_nxt, c->snap.rx_avail, c->neg.ts_recent);
	} else {
		sp_conn_send_ack(c, c->iss + 1, c->irs + 1, c->snap.rx_avail, c->neg.ts_recent);
		sp_conn_set_state(c, SP_ESTABLISHED);
		sp_conn_notify(c, TOFFEE_APP_CONNECTED, 0);
	}
	sp_ctl_start(c);
}

void sp_open_reinstall(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	struct toffee_flow f = c->snap;          /* read right before the removal */
	uint32_t rcv_nxt = f.rcv_nxt, start = f.rcv_nxt;
	bool fin = false, progress = true;
	while (progress && !fin) {
		progress = false;
		for (unsigned i = 0; i < c->nheld; i++) {
			struct sp_held *h = &c->held[i];
			uint32_t end = h->seq + h->len;
			if (sp_seq_gt(h->seq, rcv_nxt) || sp_seq_lt(end, rcv_nxt))
				continue;
			if (sp_seq_gt(end, rcv_nxt)) {
				uint32_t n = end - rcv_nxt, room = f.rx_avail - (rcv_nxt - start);
				if (n > room)
					n = room;
				rx_deposit(c, rcv_nxt, h->data + (rcv_nxt - h->seq), n);
				rcv_nxt += n;
				progress = n > 0;
			}
			if (h->fin && rcv_nxt == end)
				fin = true;
		}
		if (f.ooo_len && sp_seq_leq(f.ooo_start, rcv_nxt)) {
			uint32_t oend = f.ooo_start + f.ooo_len;
			if (sp_seq_gt(oend, rcv_nxt)) {
				rcv_nxt = oend;
				progress = true;
			}
			f.ooo_len = 0;
		}
	}
	for (unsigned i = 0; i < c->nheld; i++)
		free(c->held[i].data);
	c->nheld = 0;
	c->reinstalls++;
	uint32_t extra = rcv_nxt - start;
	c->early_bytes += extra;
	sp_count_n(sp, SP_CNT_EARLY_BYTES, extra);
	f.rx_avail -= extra;
	f.rcv_nxt = rcv_nxt;
	if (fin && !(f.flags & TOFFEE_FLOWF_FIN_RCVD)) {
		f.rcv_nxt++;
		c->early_fin = c->fin_rcvd = true;
		sp_count(sp, SP_CNT_FIN_RCVD);
	}
	c->snap = f;
	*sp_image(sp, c->flow_id) = f;
	sp_cmd(sp, TOFFEE_CMD_INSTALL, c->flow_id, sp_image_iova(sp, c->flow_id), 0,
	       SP_WHY_INSTALL, c, NULL);
}

int sp_open_connect(struct sp_app *a, const struct toffee_appmsg *m, uint16_t *port)
{
	struct sp *sp = a->sp;
	uint32_t lip = sp->cfg.route.ip, nh;
	if (!m->remote_ip || !m->remote_port)
		return -EINVAL;
	if (m->local_ip && m->local_ip != lip)
		return -EADDRNOTAVAIL;
	int rc = sp_route_lookup(&sp->cfg.route, m->remote_ip, &nh);
	if (rc)
		return rc;
	struct sp_conn probe = { .sp = sp, .lip = lip, .rip = m->remote_ip, .rport = m->remote_port };
	uint16_t lport = m->local_port;
	if (lport) {
		if (sp_conn_lookup(sp, lip, lport, m->remote_ip, m->remote_port))
			return -EADDRINUSE;
		sp_ports_ref(sp->ports, lport);
	} else {
		int p = sp_ports_pick(sp->ports, lip, m->remote_ip, m->remote_port, sp_port_busy, &probe);
		if (p < 0)
			return p;
		lport = (uint16_t)p;
	}
	struct sp_conn *c = sp_conn_new(sp, lip, lport, m->remote_ip, m->remote_port);
	if (!c) {
		sp_ports_unref(sp->ports, lport);
		return -ENOMEM;
	}
	c->ephemeral = true;
	sp_conn_attach(c, a);
	c->req = m->req;
	c->nh_ip = nh;
	c->iss = sp_conn_isn(sp, lip, lport, c->rip, c->rport);
	sp_conn_set_state(c, SP_SYN_SENT);
	*port = lport;
	rc = sp_neigh_resolve(c);
	if (rc == 0) {
		sp_open_send_syn(c);
	} else if (rc != -EINPROGRESS) {
		sp_conn_free(c);
		return rc;
	}
	return 0;
}
