/* SPDX-License-Identifier: MIT */
/* Listeners: LISTEN / UNLISTEN, which listener a SYN goes to, and listeners
 * shared with fork children.
 *
 * A listening socket inherited across fork() lives on in the child as in
 * the kernel, although the child has its own context: the child joins the
 * parent's listener (LISTEN with TOFFEE_APPF_INHERIT and the listener's
 * key, which only processes holding the socket know), becoming another
 * listener on the same port, of the same group. SYNs go to the members
 * that take connections (ACCEPTING: the process called accept() or waits
 * for readiness on it), so a prefork server's master, which listens and
 * never accepts, gets none. If no member has said so yet: in a fork group
 * (a member's process forked, or joined by INHERIT) the SYN waits (it is
 * dropped and counted, the peer sends it again), as a connection queued on
 * the master would never be accepted; otherwise any member takes it.
 * A parent that forks with listeners says FORKING first: its listeners are
 * then held for SP_FORK_HOLD_NS after it lets go of them (UNLISTEN, or the
 * context hangs up), so a daemon whose first process exits right after
 * fork() keeps its port for the child. A held listener takes no SYNs (a
 * port with only held ones is a fork group none accepts yet: they wait); a
 * child's INHERIT adopts it; a plain LISTEN on a port where only held
 * listeners are left replaces them. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include "sp.h"

#define SP_FORK_HOLD_NS  (10ull * 1000000000ull)

static bool takes_syn(const struct sp_listener *l, const struct sp_seg *s, bool accepting_only)
{
	return (l->ip == 0 || l->ip == s->daddr) && l->app && !l->app->dying &&
	       (!accepting_only || l->accepting);
}

struct sp_listener *sp_listener_for(struct sp *sp, const struct sp_seg *s, bool *wait)
{
	unsigned n = 0;
	bool accepting_only = true;
	*wait = false;
	for (struct sp_listener *l = sp->lst_port[s->dport]; l; l = l->pnext)
		n += takes_syn(l, s, true);
	if (!n) {
		accepting_only = false;
		for (struct sp_listener *l = sp->lst_port[s->dport]; l; l = l->pnext) {
			n += takes_syn(l, s, false);
			*wait |= l->forked;
		}
		if (*wait)
			return NULL;
	}
	if (!n)
		return NULL;
	/* Several (SO_REUSEPORT, or a fork group): spread connections by a
	 * hash of the 4-tuple. */
	unsigned k = (unsigned)(sp_hash4(sp->isn_key, s->saddr, s->daddr,
					 (uint32_t)s->sport << 16 | s->dport, 2) % n);
	for (struct sp_listener *l = sp->lst_port[s->dport]; l; l = l->pnext)
		if (takes_syn(l, s, accepting_only) && k-- == 0)
			return l;
	return NULL;
}

static void link_app(struct sp_listener *l, struct sp_app *a)
{
	l->app = a;
	l->anext = a->lsts;
	a->lsts = l;
}

static void unlink_list(struct sp_listener **head, struct sp_listener *l)
{
	for (struct sp_listener **pp = head; *pp; pp = &(*pp)->anext)
		if (*pp == l) {
			*pp = l->anext;
			return;
		}
}

static struct sp_listener *listener_new(struct sp_app *a, uint32_t ip, uint16_t port)
{
	struct sp *sp = a->sp;
	int64_t lid = sp_ids_alloc(&sp->lst_ids);
	if (lid < 0)
		return NULL;
	struct sp_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		sp_ids_put(&sp->lst_ids, (uint32_t)lid);
		return NULL;
	}
	l->sp = sp;
	l->id = (uint32_t)lid;
	l->ip = ip;
	l->port = port;
	l->pnext = sp->lst_port[port];
	sp->lst_port[port] = l;
	link_app(l, a);
	sp->lst_id[l->id] = l;
	sp_ports_ref(sp->ports, port);
	return l;
}

/* Connections still in the handshake lose their listener. */
static void drop_handshakes(struct sp_listener *l)
{
	for (struct sp_conn *c = l->app ? l->app->conns : NULL, *n; c; c = n) {
		n = c->anext;
		if (c->lst != l)
			continue;
		if (c->state == SP_SYN_RCVD) {
			sp_conn_send_rst(c, c->iss + 1);
			sp_conn_free(c);
		} else {
			c->lst = NULL;         /* INSTALLING: reset once installed */
		}
	}
}

void sp_listener_free(struct sp *sp, struct sp_listener *l)
{
	drop_handshakes(l);
	for (struct sp_listener **pp = &sp->lst_port[l->port]; *pp; pp = &(*pp)->pnext)
		if (*pp == l) {
			*pp = l->pnext;
			break;
		}
	unlink_list(l->app ? &l->app->lsts : &sp->lst_held, l);
	sp_timer_cancel(&sp->timers, &l->hold_tmr);
	sp->lst_id[l->id] = NULL;
	sp_ids_put(&sp->lst_ids, l->id);
	sp_ports_unref(sp->ports, l->port);
	free(l);
}

static void hold_expired(struct sp_timer *t, uint64_t now)
{
	struct sp_listener *l = (struct sp_listener *)((char *)t - offsetof(struct sp_listener, hold_tmr));
	(void)now;                             /* (adopting it cancels the timer) */
	SP_INFO(l->sp, "listener %u (port %u): no fork child took it, closed", l->id, l->port);
	sp_listener_free(l->sp, l);
}

/* The app lets go of @p l: free it, or hold it for a fork child. */
static void let_go(struct sp *sp, struct sp_listener *l)
{
	if (l->hold_until <= sp->now) {
		sp_listener_free(sp, l);
		return;
	}
	drop_handshakes(l);
	unlink_list(&l->app->lsts, l);
	l->app = NULL;
	l->accepting = false;
	l->anext = sp->lst_held;
	sp->lst_held = l;
	l->hold_tmr.fn = hold_expired;
	sp_arm(sp, &l->hold_tmr, l->hold_until);
	SP_INFO(sp, "listener %u (port %u) held for fork children", l->id, l->port);
}

void sp_listeners_app_gone(struct sp_app *a)
{
	while (a->lsts)
		let_go(a->sp, a->lsts);
}

/* LISTEN with TOFFEE_APPF_INHERIT: join (or adopt, if held) the listener
 * of port m->local_port whose key is m->arg | m->arg2 << 32. */
static int inherit(struct sp_app *a, const struct toffee_appmsg *m, uint32_t *id)
{
	struct sp *sp = a->sp;
	uint64_t key = m->arg | (uint64_t)m->arg2 << 32;
	struct sp_listener *g = sp->lst_port[m->local_port];
	while (g && g->key != key)
		g = g->pnext;
	if (!g || !key) {
		sp_count(sp, SP_CNT_APP_NOT_OWNER);
		return -ENOENT;
	}
	if (!g->app) {                         /* held: the child takes it over */
		unlink_list(&sp->lst_held, g);
		sp_timer_cancel(&sp->timers, &g->hold_tmr);
		g->hold_until = 0;
		link_app(g, a);
		*id = g->id;
	} else {
		struct sp_listener *l = listener_new(a, g->ip, g->port);
		if (!l)
			return -ENOSPC;
		l->key = key;
		l->forked = true;
		l->reuseport = g->reuseport;
		l->backlog = g->backlog;
		*id = l->id;
	}
	SP_INFO(sp, "ctx %d (pid %d) inherits listener %u on port %u (listener %u)", a->ctx, (int)a->pid,
		g->id, g->port, *id);
	return 0;
}

int sp_open_listen(struct sp_app *a, const struct toffee_appmsg *m, uint32_t *id)
{
	struct sp *sp = a->sp;
	uint32_t ip = m->local_ip;
	uint16_t port = m->local_port;
	bool reuse = m->flags & TOFFEE_APPF_REUSEPORT;
	if (ip && ip != sp->cfg.route.ip)
		return -EADDRNOTAVAIL;
	if (m->flags & TOFFEE_APPF_INHERIT)
		return inherit(a, m, id);
	if (port == 0) {
		struct sp_conn probe = { .sp = sp, .lip = sp->cfg.route.ip };
		int p = sp_ports_pick(sp->ports, sp->cfg.route.ip, 0, 0, sp_port_busy, &probe);
		if (p < 0)
			return p;
		port = (uint16_t)p;
		sp_ports_unref(sp->ports, port);   /* re-taken below */
	} else {
		bool live = false;
		for (struct sp_listener *l = sp->lst_port[port]; l; l = l->pnext)
			live |= l->app != NULL;
		while (!live && sp->lst_port[port])   /* only held ones: a new server */
			sp_listener_free(sp, sp->lst_port[port]);
		for (struct sp_listener *l = sp->lst_port[port]; l; l = l->pnext)
			if (!reuse || !l->reuseport)
				return -EADDRINUSE;
		if (!sp->lst_port[port] && sp_ports_refs(sp->ports, port))
			return -EADDRINUSE;        /* an active open uses it */
	}
	struct sp_listener *l = listener_new(a, ip, port);
	if (!l)
		return -ENOSPC;
	l->reuseport = reuse;
	l->backlog = m->arg ? (m->arg > 65535 ? 65535 : m->arg) : 128;
	while (!l->key && getrandom(&l->key, sizeof(l->key), 0) != sizeof(l->key))
		;
	*id = l->id;
	SP_INFO(sp, "ctx %d listens on port %u (listener %u, backlog %u)", a->ctx, port, l->id, l->backlog);
	return 0;
}

/* A listener of @p a by id, or NULL (counted if another context's). */
static struct sp_listener *own(struct sp_app *a, uint32_t id, int *rc)
{
	struct sp *sp = a->sp;
	struct sp_listener *l = id < SP_MAX_LISTENERS ? sp->lst_id[id] : NULL;
	*rc = 0;
	if (!l)
		*rc = -ENOENT;
	else if (l->app != a) {
		sp_count(sp, SP_CNT_APP_NOT_OWNER);
		*rc = -EPERM;
	}
	return *rc ? NULL : l;
}

int sp_open_unlisten(struct sp_app *a, uint32_t id)
{
	int rc;
	struct sp_listener *l = own(a, id, &rc);
	if (l)
		let_go(a->sp, l);
	return rc;
}

int sp_open_accepting(struct sp_app *a, uint32_t id)
{
	int rc;
	struct sp_listener *l = own(a, id, &rc);
	if (l)
		l->accepting = true;
	return rc;
}

void sp_open_forking(struct sp_app *a)
{
	for (struct sp_listener *l = a->lsts; l; l = l->anext) {
		l->hold_until = a->sp->now + SP_FORK_HOLD_NS;
		l->forked = true;
	}
}
