/* SPDX-License-Identifier: MIT */
/* Connections: the 4-tuple table, life cycle and reference counting, flow
 * images, segments the slow path sends on behalf of a flow, messages to the
 * owning application, and the dispatch of command completions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sp.h"

static const char *const state_names[SP_STATE_COUNT] = {
	[SP_SYN_SENT] = "SYN_SENT", [SP_SYN_RCVD] = "SYN_RCVD", [SP_INSTALLING] = "INSTALLING",
	[SP_ESTABLISHED] = "ESTABLISHED", [SP_FIN_WAIT_1] = "FIN_WAIT_1",
	[SP_FIN_WAIT_2] = "FIN_WAIT_2", [SP_CLOSE_WAIT] = "CLOSE_WAIT", [SP_CLOSING] = "CLOSING",
	[SP_LAST_ACK] = "LAST_ACK", [SP_TIME_WAIT] = "TIME_WAIT", [SP_RESET] = "RESET",
	[SP_DONE] = "DONE",
	[SP_DOOMED] = "CLOSED",
};

const char *sp_state_name(unsigned st)
{
	return st < SP_STATE_COUNT ? state_names[st] : "?";
}

int sp_conn_init(struct sp *sp)
{
	uint32_t n = 1024;
	while (n < 2 * sp->nflows && n < (1u << 24))
		n <<= 1;
	sp->hash = calloc(n, sizeof(*sp->hash));
	sp->hash_mask = n - 1;
	sp->flows = calloc(sp->nflows, sizeof(*sp->flows));
	sp->lst_port = calloc(65536, sizeof(*sp->lst_port));
	sp->lst_id = calloc(SP_MAX_LISTENERS, sizeof(*sp->lst_id));
	if (!sp->hash || !sp->flows || !sp->lst_port || !sp->lst_id)
		return -ENOMEM;
	if (sp_ids_init(&sp->flow_ids, sp->nflows) || sp_ids_init(&sp->lst_ids, SP_MAX_LISTENERS))
		return -ENOMEM;
	return 0;
}

static uint32_t bucket(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	return (uint32_t)sp_hash4(sp->isn_key, lip, rip, (uint32_t)lport << 16 | rport, 1) & sp->hash_mask;
}

struct sp_conn *sp_conn_lookup(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	for (struct sp_conn *c = sp->hash[bucket(sp, lip, lport, rip, rport)]; c; c = c->hnext)
		if (c->lip == lip && c->rip == rip && c->lport == lport && c->rport == rport)
			return c;
	return NULL;
}

static void conn_timer(struct sp_timer *t, uint64_t now)
{
	struct sp_conn *c = SP_CONTAINER(t, struct sp_conn, tmr);
	if (c->state == SP_SYN_SENT || c->state == SP_SYN_RCVD)
		sp_open_timer(c);
	else
		sp_close_timer(t, now);
}

struct sp_conn *sp_conn_new(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct sp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sp = sp;
	c->lip = lip;
	c->lport = lport;
	c->rip = rip;
	c->rport = rport;
	c->flow_id = TOFFEE_FLOW_NONE;
	c->rx_off = c->tx_off = -1;
	c->share_fd = -1;
	c->tmr.fn = conn_timer;
	c->state = SP_SYN_SENT;                  /* set properly by the caller */
	sp->nstate[SP_SYN_SENT]++;
	sp_rto_init(&c->rto, &sp->cfg.rto);
	uint32_t b = bucket(sp, lip, lport, rip, rport);
	c->hnext = sp->hash[b];
	sp->hash[b] = c;
	c->hashed = true;
	sp->nconns++;
	return c;
}

void sp_conn_attach(struct sp_conn *c, struct sp_app *a)
{
	c->app = a;
	c->aprev = NULL;
	c->anext = a->conns;
	if (a->conns)
		a->conns->aprev = c;
	a->conns = c;
	a->nconns++;
}

static void detach(struct sp_conn *c)
{
	struct sp_app *a = c->app;
	if (!a)
		return;
	if (c->aprev)
		c->aprev->anext = c->anext;
	else
		a->conns = c->anext;
	if (c->anext)
		c->anext->aprev = c->aprev;
	c->anext = c->aprev = NULL;
	a->nconns--;
	c->app = NULL;
	if (c->lingers) {
		c->lingers = false;
		if (--a->lingering == 0)
			sp_app_final(a);
	}
}

void sp_conn_move(struct sp_conn *c, struct sp_app *a)
{
	detach(c);
	sp_conn_attach(c, a);
}

void sp_conn_set_state(struct sp_conn *c, enum sp_state st)
{
	struct sp *sp = c->sp;
	if (c->state == st)
		return;
	SP_DBG(sp, "conn %u.%u.%u.%u:%u flow %u: %s -> %s", c->rip >> 24, (c->rip >> 16) & 255,
	       (c->rip >> 8) & 255, c->rip & 255, c->rport, c->flow_id, sp_state_name(c->state),
	       sp_state_name(st));
	sp->nstate[c->state]--;
	sp->nstate[st]++;
	if (c->state == SP_TIME_WAIT)
		sp->ntw--;
	if (st == SP_TIME_WAIT)
		sp->ntw++;
	if (c->lst && c->state == SP_SYN_RCVD)
		c->lst->nsyn--;
	if (c->lst && c->state == SP_INSTALLING)
		c->lst->ninst--;
	c->state = (uint8_t)st;
	if (c->lst && st == SP_SYN_RCVD)
		c->lst->nsyn++;
	if (c->lst && st == SP_INSTALLING)
		c->lst->ninst++;
}

void sp_conn_unhash(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	if (!c->hashed)
		return;
	c->hashed = false;
	struct sp_conn **pp = &sp->hash[bucket(sp, c->lip, c->lport, c->rip, c->rport)];
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
}

void sp_conn_release(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	sp_handover_forget(c);
	if (c->flow_id != TOFFEE_FLOW_NONE) {
		sp->flows[c->flow_id] = NULL;
		sp_ids_put(&sp->flow_ids, c->flow_id);
		c->flow_id = TOFFEE_FLOW_NONE;
	}
	if (c->app)
		sp_app_bufs_free(c->app, c);
	detach(c);
}

void sp_conn_free(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	if (c->dead)
		return;
	sp_timer_cancel(&sp->timers, &c->tmr);
	sp_ctl_stop(c);
	if (c->arp_wait)
		sp_neigh_forget(c);
	sp_conn_set_state(c, SP_DOOMED);
	sp_conn_unhash(c);
	sp_conn_release(c);
	if (c->ephemeral)
		sp_ports_unref(sp->ports, c->lport);
	c->ephemeral = false;
	for (unsigned i = 0; i < c->nheld; i++)
		free(c->held[i].data);
	c->nheld = 0;
	c->lst = NULL;
	c->dead = true;
	sp->nstate[c->state]--;
	sp->nconns--;
	if (!c->npend)
		free(c);
}

void sp_conn_put(struct sp_conn *c)
{
	if (--c->npend == 0 && c->dead)
		free(c);
}

uint32_t sp_conn_isn(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4 us clock. */
	return (uint32_t)(sp->now / 4000u) +
	       (uint32_t)sp_hash4(sp->isn_key, lip, rip, (uint32_t)lport << 16 | rport, 0);
}

uint32_t sp_ts_now(struct sp *sp)
{
	return (uint32_t)(sp->now >> TOFFEE_TS_SHIFT);   /* the NIC's TSval clock (CLOCK_MONOTONIC) */
}

void sp_conn_install(struct sp_conn *c, uint32_t rcv_nxt, uint32_t rx_used, uint32_t flags)
{
	struct sp *sp = c->sp;
	struct toffee_flow *f = sp_image(sp, c->flow_id);
	struct sp_cc_out cco;
	memset(f, 0, sizeof(*f));
	f->local_ip = c->lip;
	f->remote_ip = c->rip;
	f->local_port = c->lport;
	f->remote_port = c->rport;
	memcpy(f->remote_mac, c->mac, 6);
	f->ctx_id = (uint16_t)c->app->ctx;
	f->flags = (uint16_t)((c->neg.ts ? TOFFEE_FLOWF_TS : 0) | (c->neg.ecn ? TOFFEE_FLOWF_ECN : 0) |
			      (c->neg.sack ? TOFFEE_FLOWF_SACK : 0) | flags);
	f->mss = c->neg.mss;
	f->snd_wscale = c->neg.snd_wscale;
	f->rcv_wscale = c->neg.rcv_wscale;
	f->rx_buf_log2 = c->rx_log2;
	f->tx_buf_log2 = c->tx_log2;
	f->rx_buf_iova = dev_iova(&c->app->region, (uint64_t)c->rx_off);
	f->tx_buf_iova = dev_iova(&c->app->region, (uint64_t)c->tx_off);
	f->rcv_nxt = rcv_nxt;
	f->rx_avail = (1u << c->rx_log2) - rx_used;
	f->ts_recent = c->neg.ts_recent;
	f->snd_una = f->snd_nxt = f->snd_max = f->tx_end = c->iss + 1;
	f->snd_wnd = (uint32_t)c->peer_win << c->neg.snd_wscale;
	sp_cc_init(&c->cc, &sp->cfg.cc, c->neg.mss, &cco);
	f->cwnd = cco.cwnd;
	f->ps_per_byte = cco.ps_per_byte;
	c->snap = *f;
	sp_cmd(sp, TOFFEE_CMD_INSTALL, c->flow_id, sp_image_iova(sp, c->flow_id), 0,
	       SP_WHY_INSTALL, c, NULL);
}

void sp_conn_read(struct sp_conn *c, uint8_t act)
{
	c->actions |= act;
	if (c->state_pending || c->flow_id == TOFFEE_FLOW_NONE)
		return;
	c->state_pending = true;
	sp_cmd(c->sp, TOFFEE_CMD_READ_STATE, c->flow_id, sp_image_iova(c->sp, c->flow_id), 0,
	       SP_WHY_STATE, c, NULL);
}

void sp_conn_remove_cmd(struct sp_conn *c, uint8_t act)
{
	bool image = act && c->flow_id != TOFFEE_FLOW_NONE;
	sp_cmd_act(c->sp, TOFFEE_CMD_REMOVE, c->flow_id, image ? sp_image_iova(c->sp, c->flow_id) : 0, 0,
		   SP_WHY_REMOVE, image ? act : 0, c, NULL);
}

void sp_conn_remove(struct sp_conn *c, bool rst, enum sp_state next)
{
	sp_ctl_stop(c);
	sp_timer_cancel(&c->sp->timers, &c->tmr);
	sp_conn_set_state(c, next);
	sp_conn_remove_cmd(c, rst ? SP_ACT_RST_SEND : 0);
}

void sp_conn_out_init(const struct sp_conn *c, struct sp_tcp_out *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->dst_mac, c->mac, 6);
	memcpy(o->src_mac, c->sp->mac, 6);
	o->saddr = c->lip;
	o->daddr = c->rip;
	o->sport = c->lport;
	o->dport = c->rport;
}

void sp_send_seg(struct sp *sp, const struct sp_tcp_out *o)
{
	uint8_t *slot = sp_raw_slot(sp);
	if (!slot)
		return;
	uint32_t len = sp_pkt_build_tcp(slot, TOFFEE_FRAME_SLOT, o);
	if (len)
		sp_raw_commit(sp, len);
}

void sp_conn_send_ack(struct sp_conn *c, uint32_t seq, uint32_t ack, uint32_t wnd_bytes, uint32_t tsecr)
{
	struct sp_tcp_out o;
	sp_conn_out_init(c, &o);
	o.seq = seq;
	o.ack = ack;
	o.flags = SP_TH_ACK;
	uint32_t w = wnd_bytes >> c->neg.rcv_wscale;
	o.win = (uint16_t)(w > 0xffff ? 0xffff : w);
	if (c->neg.ts) {
		o.ts_ok = true;
		o.tsval = sp_ts_now(c->sp);
		o.tsecr = tsecr;
	}
	sp_send_seg(c->sp, &o);
	sp_count(c->sp, SP_CNT_ACK_SENT);
}

void sp_conn_send_rst(struct sp_conn *c, uint32_t seq)
{
	struct sp_tcp_out o;
	sp_conn_out_init(c, &o);
	o.seq = seq;
	o.flags = SP_TH_RST;
	sp_send_seg(c->sp, &o);
	sp_count(c->sp, SP_CNT_RST_SENT);
}

void sp_conn_app_flow(const struct sp_conn *c, struct toffee_app_flow *f)
{
	f->flow_id = c->flow_id;
	f->local_ip = c->lip;
	f->remote_ip = c->rip;
	f->local_port = c->lport;
	f->remote_port = c->rport;
	f->rx_off = (uint32_t)c->rx_off;
	f->tx_off = (uint32_t)c->tx_off;
	f->rx_log2 = c->rx_log2;
	f->tx_log2 = c->tx_log2;
	f->mss = c->neg.mss;
	f->rx_seq = c->irs + 1;
	f->tx_seq = c->iss + 1;
	f->key_lo = (uint32_t)c->key;
	f->key_hi = (uint32_t)(c->key >> 32);
}

void sp_conn_notify(struct sp_conn *c, uint32_t type, int status)
{
	struct sp_app *a = c->app;
	if (!a || a->dying)
		return;
	struct toffee_appmsg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.status = status;
	m.id = c->flow_id;
	switch (type) {
	case TOFFEE_APP_ACCEPTED:
		m.id = c->lst ? c->lst->id : 0;
		m.arg = c->early_bytes;
		m.flags = c->early_fin ? TOFFEE_APPF_FIN : 0;
		sp_handover_key(c);
		sp_conn_app_flow(c, &m.flow);
		c->app_knows = true;
		break;
	case TOFFEE_APP_CONNECTED:
		m.req = c->req;
		sp_handover_key(c);
		sp_conn_app_flow(c, &m.flow);
		c->app_knows = true;
		break;
	case TOFFEE_APP_CONN_FAILED:
		m.req = c->req;
		m.id = 0;
		break;
	case TOFFEE_APP_REPLY:
		m.req = c->ack_req_abort;
		break;
	default:
		break;
	}
	m.local_ip = c->lip;
	m.remote_ip = c->rip;
	m.local_port = c->lport;
	m.remote_port = c->rport;
	SP_DBG(c->sp, "ctx %d: message %u flow %u port %u status %d arg %u flags %#x", a->ctx, type,
	       c->flow_id, c->rport, status, m.arg, m.flags);
	sp_app_send(a, &m, NULL, 0);
}

/* A command naming a connection completed. */
static void conn_done(struct sp *sp, const struct sp_pend *p, const struct toffee_sp_fb *fb)
{
	struct sp_conn *c = p->c;
	if (fb->status && p->why != SP_WHY_INSTALL && p->why != SP_WHY_MOVED &&
	    !(fb->status == -ENOENT && c->dead)) {
		sp_count(sp, SP_CNT_CMD_ERRORS);
		SP_ERR(sp, "NIC command %u (why %u) on flow %u failed: %d (port %u, %s)", p->op, p->why,
			p->flow_id, fb->status, c->rport, sp_state_name(c->state));
	}
	if (c->dead)
		return;
	switch (p->why) {
	case SP_WHY_INSTALL:
		sp_open_installed(c, fb->status);
		break;
	case SP_WHY_REMOVE:
		if (p->act && !fb->status) {       /* the state as removed */
			c->snap = *sp_image(sp, c->flow_id);
			c->snap_ns = sp->now;
			sp_state_read(c, &c->snap, p->act);
		}
		sp_close_removed(c);
		break;
	case SP_WHY_STATE: {
		c->state_pending = false;
		uint8_t act = c->actions;
		c->actions = 0;
		if (!fb->status && c->flow_id != TOFFEE_FLOW_NONE) {
			c->snap = *sp_image(sp, c->flow_id);
			c->snap_ns = sp->now;
			sp_state_read(c, &c->snap, act);
		}
		break;
	}
	case SP_WHY_FEEDBACK:
		if (!fb->status)
			sp_ctl_feedback(c, fb);
		break;
	case SP_WHY_MOVE:
		sp_handover_removed(c, fb->status);
		break;
	case SP_WHY_MOVED:
		sp_handover_installed(c, fb->status);
		break;
	default:
		break;
	}
}

void sp_cmd_done(struct sp *sp, const struct sp_pend *p, const struct toffee_sp_fb *fb)
{
	if (p->c) {
		conn_done(sp, p, fb);
		sp_conn_put(p->c);
	} else if (p->a) {
		p->a->npend--;
		if (p->why == SP_WHY_APP_FINAL)
			sp_app_cmd_done(sp, p->a);
	}
}
