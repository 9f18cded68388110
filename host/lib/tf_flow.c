/* SPDX-License-Identifier: MIT */
/* Flows and listeners of the event API: the flow table, events applied to
 * flows, zero-copy and copying data access, deferred commands, close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tf_internal.h"

#define TF_FLOW_ID_MAX (1u << 24)

/* ------------------------------------------------------------------------ */
/* Flow objects and the id table                                            */
/* ------------------------------------------------------------------------ */

struct toffee_conn *tf_flow_new(struct toffee_ctx *ctx)
{
	struct toffee_conn *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->src.kind = TF_SRC_FLOW;
	f->ctx = ctx;
	f->id = TOFFEE_FLOW_NONE;
	f->phase = TF_CONNECTING;
	ctx->st.flows++;
	return f;
}

int tf_flow_setup(struct toffee_conn *f, const struct toffee_app_flow *af)
{
	struct toffee_ctx *ctx = f->ctx;
	if (af->rx_log2 < TOFFEE_BUF_LOG2_MIN || af->rx_log2 > TOFFEE_BUF_LOG2_MAX ||
	    af->tx_log2 < TOFFEE_BUF_LOG2_MIN || af->tx_log2 > TOFFEE_BUF_LOG2_MAX ||
	    af->flow_id >= TF_FLOW_ID_MAX ||
	    (uint64_t)af->rx_off + (1ull << af->rx_log2) > ctx->region_size ||
	    (uint64_t)af->tx_off + (1ull << af->tx_log2) > ctx->region_size)
		return -EPROTO;
	f->id = af->flow_id;
	f->rx_buf = ctx->region + af->rx_off;
	f->tx_buf = ctx->region + af->tx_off;
	f->rx_mask = (1u << af->rx_log2) - 1;
	f->tx_mask = (1u << af->tx_log2) - 1;
	f->rx_head = f->rx_tail = af->rx_seq;
	f->tx_head = f->tx_tail = af->tx_seq;
	f->local.ip = af->local_ip;
	f->local.port = af->local_port;
	f->remote.ip = af->remote_ip;
	f->remote.port = af->remote_port;
	f->mss = af->mss;
	f->key = af->key_lo | (uint64_t)af->key_hi << 32;
	f->phase = TF_OPEN;
	return 0;
}

struct toffee_conn *tf_flow_lookup(struct toffee_ctx *ctx, uint32_t id)
{
	return id < ctx->flows_cap ? ctx->flows[id] : NULL;
}

int tf_flow_table_add(struct toffee_conn *f)
{
	struct toffee_ctx *ctx = f->ctx;
	if (f->id >= TF_FLOW_ID_MAX)
		return -EINVAL;
	if (f->id >= ctx->flows_cap) {
		uint32_t cap = ctx->flows_cap ? ctx->flows_cap : 64;
		while (cap <= f->id)
			cap *= 2;
		struct toffee_conn **t = realloc(ctx->flows, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + ctx->flows_cap, 0, (cap - ctx->flows_cap) * sizeof(*t));
		ctx->flows = t;
		ctx->flows_cap = cap;
	}
	if (ctx->flows[f->id] && ctx->flows[f->id] != f)
		return -EEXIST;
	ctx->flows[f->id] = f;
	f->in_table = true;
	return 0;
}

void tf_flow_table_del(struct toffee_conn *f)
{
	if (f->in_table && f->id < f->ctx->flows_cap && f->ctx->flows[f->id] == f)
		f->ctx->flows[f->id] = NULL;
	f->in_table = false;
}

static void cmd_unqueue(struct toffee_conn *f)
{
	struct toffee_ctx *ctx = f->ctx;
	if (!f->on_cmd)
		return;
	struct toffee_conn **pp = &ctx->chead, *prev = NULL;
	while (*pp && *pp != f) {
		prev = *pp;
		pp = &(*pp)->cnext;
	}
	if (*pp) {
		*pp = f->cnext;
		if (ctx->ctail == f)
			ctx->ctail = prev;
	}
	f->on_cmd = false;
}

static void accept_unqueue(struct toffee_conn *f)
{
	struct toffee_listener *l = f->lst;
	if (!l)
		return;
	struct toffee_conn **pp = &l->qhead, *prev = NULL;
	while (*pp && *pp != f) {
		prev = *pp;
		pp = &(*pp)->anext;
	}
	if (*pp) {
		*pp = f->anext;
		if (l->qtail == f)
			l->qtail = prev;
		l->qlen--;
	}
	f->lst = NULL;
}

void tf_flow_free(struct toffee_conn *f)
{
	struct toffee_ctx *ctx = f->ctx;
	tf_src_unmark(ctx, &f->src);
	cmd_unqueue(f);
	accept_unqueue(f);
	tf_flow_table_del(f);
	tf_req_forget_flow(ctx, f);
	ctx->st.flows--;
	free(f);
}

void tf_flow_fail(struct toffee_conn *f, uint8_t phase, int32_t err)
{
	f->phase = phase;
	f->err = err;
	f->src.status = err;
	if (!f->user_closed && !f->lst)
		tf_src_mark(f->ctx, &f->src, TOFFEE_EV_ERROR | TOFFEE_EV_RX | TOFFEE_EV_TX);
}

void tf_flow_on_ev(struct toffee_conn *f, uint32_t rx, uint32_t tx, uint8_t flags)
{
	struct toffee_ctx *ctx = f->ctx;
	uint32_t ev = 0;
	if (rx) {
		if (rx > f->rx_mask + 1 - (f->rx_tail - f->rx_head)) {
			ctx->st.ev_bad++;          /* more than the buffer holds */
		} else {
			f->rx_tail += rx;
			ev |= TOFFEE_EV_RX;
		}
	}
	if (tx) {
		if (tx > f->tx_tail - f->tx_head) {
			ctx->st.ev_bad++;          /* frees bytes never appended */
			tx = f->tx_tail - f->tx_head;
		}
		f->tx_head += tx;
		ev |= TOFFEE_EV_TX;
	}
	if ((flags & TOFFEE_EVF_FIN) && !f->fin_rx) {
		f->fin_rx = true;
		ev |= TOFFEE_EV_RX | TOFFEE_EV_FIN;
	}
	/* No news for connections nobody holds yet (queued for accept). */
	if (ev && !f->user_closed && !f->lst)
		tf_src_mark(ctx, &f->src, ev);
}

/* ------------------------------------------------------------------------ */
/* Deferred commands                                                        */
/* ------------------------------------------------------------------------ */

static bool flow_can_post(const struct toffee_conn *f)
{
	return f->in_table && !f->gone && !f->ctx->dead && f->id != TOFFEE_FLOW_NONE &&
	       f->phase == TF_OPEN;
}

static bool flow_has_cmd(const struct toffee_conn *f)
{
	return f->tx_unposted || f->rx_unposted || f->fin_unposted;
}

static int flow_push(struct toffee_conn *f)
{
	int rc = tf_cmdq_push(&f->ctx->cmdq, f->id, f->tx_unposted, f->rx_unposted,
			      f->fin_unposted ? TOFFEE_CMDF_FIN : 0);
	if (rc == 0) {
		f->tx_unposted = f->rx_unposted = 0;
		f->fin_unposted = false;
		f->ctx->st.cmds++;
	}
	return rc;
}

void tf_flow_post(struct toffee_conn *f)
{
	struct toffee_ctx *ctx = f->ctx;
	if (!flow_has_cmd(f))
		return;
	if (!flow_can_post(f)) {
		f->tx_unposted = f->rx_unposted = 0;
		f->fin_unposted = false;
		return;
	}
	/* Commands are cumulative per flow, so posting out of the deferred
	 * queue's order is harmless; but keep it fair while the ring is full. */
	if (!ctx->chead && flow_push(f) == 0) {
		tf_cmdq_ring(&ctx->cmdq);
		return;
	}
	if (!f->on_cmd) {
		ctx->st.cmd_full++;
		f->on_cmd = true;
		f->cnext = NULL;
		if (ctx->ctail)
			ctx->ctail->cnext = f;
		else
			ctx->chead = f;
		ctx->ctail = f;
	}
}

void tf_ctx_flush(struct toffee_ctx *ctx)
{
	while (ctx->chead) {
		struct toffee_conn *f = ctx->chead;
		if (flow_has_cmd(f) && flow_can_post(f) && flow_push(f) < 0)
			break;
		f->tx_unposted = f->rx_unposted = 0;
		f->fin_unposted = false;
		ctx->chead = f->cnext;
		if (!ctx->chead)
			ctx->ctail = NULL;
		f->on_cmd = false;
	}
	tf_cmdq_ring(&ctx->cmdq);
}

/* ------------------------------------------------------------------------ */
/* Listeners                                                                */
/* ------------------------------------------------------------------------ */

/* Send LISTEN @p m and make the listener of its reply. */
static int listen_call(struct toffee_ctx *ctx, struct toffee_appmsg *m, const struct toffee_addr *local,
		       void *user, struct toffee_listener **out)
{
	if (ctx->dead)
		return -ENOTCONN;
	struct toffee_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	struct toffee_appmsg r;
	int rc = tf_ctl_call(ctx, m, &r);
	if (rc < 0) {
		free(l);
		return rc;
	}
	l->src.kind = TF_SRC_LISTENER;
	l->src.user = user;
	l->ctx = ctx;
	l->id = r.id;
	l->key = r.arg | (uint64_t)r.arg2 << 32;
	l->addr = *local;
	if (r.local_port)              /* toffeed tells the port it picked */
		l->addr.port = r.local_port;
	if (r.local_ip)
		l->addr.ip = r.local_ip;
	l->next = ctx->listeners;
	ctx->listeners = l;
	ctx->st.listeners++;
	*out = l;
	return 0;
}

int toffee_listen(struct toffee_ctx *ctx, const struct toffee_addr *local, int backlog,
		  unsigned flags, void *user, struct toffee_listener **out)
{
	if (!ctx || !local || !out)
		return -EINVAL;
	struct toffee_appmsg m = {
		.type = TOFFEE_APP_LISTEN, .local_ip = local->ip, .local_port = local->port,
		.arg = backlog > 0 ? (uint32_t)backlog : 0,
		.flags = ((flags & TOFFEE_F_REUSEPORT) ? TOFFEE_APPF_REUSEPORT : 0) |
			 ((flags & TOFFEE_F_NODELAY) ? TOFFEE_APPF_NODELAY : 0),
	};
	return listen_call(ctx, &m, local, user, out);
}

int tf_listen_inherit(struct toffee_ctx *ctx, const struct toffee_addr *local, uint64_t key, void *user,
		      struct toffee_listener **out)
{
	struct toffee_appmsg m = {
		.type = TOFFEE_APP_LISTEN, .local_ip = local->ip, .local_port = local->port,
		.arg = (uint32_t)key, .arg2 = (uint32_t)(key >> 32), .flags = TOFFEE_APPF_INHERIT,
	};
	return listen_call(ctx, &m, local, user, out);
}

void tf_listener_accepting(struct toffee_listener *l)
{
	if (l->accepting)
		return;
	struct toffee_appmsg m = { .type = TOFFEE_APP_ACCEPTING, .id = l->id };
	if (tf_ctl_send(l->ctx, &m) == 0)     /* the reply is not waited for */
		l->accepting = true;
}

void toffee_listener_addr(const struct toffee_listener *l, struct toffee_addr *local)
{
	*local = l->addr;
}

int toffee_accept(struct toffee_listener *l, struct toffee_conn **out)
{
	tf_listener_accepting(l);
	struct toffee_conn *f = l->qhead;
	if (!f)
		return -EAGAIN;
	accept_unqueue(f);
	*out = f;
	return 0;
}

unsigned toffee_accept_pending(const struct toffee_listener *l)
{
	return l->qlen;
}

void toffee_listener_close(struct toffee_listener *l)
{
	if (!l)
		return;
	struct toffee_ctx *ctx = l->ctx;
	if (!ctx->dead) {
		struct toffee_appmsg m = { .type = TOFFEE_APP_UNLISTEN, .id = l->id };
		tf_ctl_send(ctx, &m);
	}
	while (l->qhead) {
		struct toffee_conn *f = l->qhead;
		accept_unqueue(f);
		toffee_abort(f);
	}
	for (struct toffee_listener **pp = &ctx->listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	tf_src_unmark(ctx, &l->src);
	ctx->st.listeners--;
	free(l);
}

void toffee_listener_set_user(struct toffee_listener *l, void *user)
{
	l->src.user = user;
}

void *toffee_listener_user(const struct toffee_listener *l)
{
	return l->src.user;
}

/* ------------------------------------------------------------------------ */
/* Active open, flow information                                            */
/* ------------------------------------------------------------------------ */

int toffee_connect(struct toffee_ctx *ctx, const struct toffee_addr *remote,
		   const struct toffee_addr *local, unsigned flags, void *user,
		   struct toffee_conn **out)
{
	if (!ctx || !remote || !out)
		return -EINVAL;
	if (ctx->dead)
		return -ENOTCONN;
	struct toffee_conn *f = tf_flow_new(ctx);
	if (!f)
		return -ENOMEM;
	f->src.user = user;
	f->remote = *remote;
	if (local)
		f->local = *local;
	f->cflags = flags;
	struct toffee_appmsg m = {
		.type = TOFFEE_APP_CONNECT,
		.remote_ip = remote->ip, .remote_port = remote->port,
		.local_ip = local ? local->ip : 0, .local_port = local ? local->port : 0,
		.flags = (flags & TOFFEE_F_NODELAY) ? TOFFEE_APPF_NODELAY : 0,
	};
	int rc = tf_ctl_send(ctx, &m);
	if (rc == 0)
		rc = tf_req_add(ctx, m.req, TOFFEE_APP_CONNECT, f);
	if (rc < 0) {
		tf_flow_free(f);
		return rc;
	}
	f->req = m.req;
	*out = f;
	return 0;
}

void toffee_conn_set_user(struct toffee_conn *f, void *user)
{
	f->src.user = user;
}

void *toffee_conn_user(const struct toffee_conn *f)
{
	return f->src.user;
}

int toffee_conn_info(const struct toffee_conn *f, struct toffee_conn_info *i)
{
	if (!f || !i)
		return -EINVAL;
	memset(i, 0, sizeof(*i));
	i->state = f->phase;
	i->error = f->err;
	i->local = f->local;
	i->remote = f->remote;
	if (f->rx_buf) {
		i->rx_avail = f->rx_tail - f->rx_head;
		i->rx_size = f->rx_mask + 1;
		i->tx_size = f->tx_mask + 1;
		i->tx_unacked = f->tx_tail - f->tx_head;
		i->tx_free = i->tx_size - i->tx_unacked;
	}
	i->mss = f->mss;
	i->fin_rx = f->fin_rx;
	i->shut_wr = f->shut_wr;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

ssize_t toffee_rx_peek(struct toffee_conn *f, void **p1, size_t *l1, void **p2, size_t *l2)
{
	if (f->phase == TF_CONNECTING)
		return -ENOTCONN;
	if (f->phase == TF_FAILED)
		return f->err;
	uint32_t avail = f->rx_tail - f->rx_head;
	if (!avail && f->phase == TF_RESET)
		return f->err;
	struct iovec seg[2];
	tf_buf_segs(f->rx_buf, f->rx_mask, f->rx_head, avail, seg);
	if (p1)
		*p1 = seg[0].iov_base;
	if (l1)
		*l1 = seg[0].iov_len;
	if (p2)
		*p2 = seg[1].iov_base;
	if (l2)
		*l2 = seg[1].iov_len;
	return avail;
}

int toffee_rx_consume(struct toffee_conn *f, size_t n)
{
	if (n > f->rx_tail - f->rx_head)
		return -EINVAL;
	if (!n)
		return 0;
	f->rx_head += (uint32_t)n;
	f->rx_unposted += (uint32_t)n;
	tf_flow_post(f);
	return 0;
}

static int tx_check(const struct toffee_conn *f)
{
	if (f->phase == TF_CONNECTING)
		return -ENOTCONN;
	if (f->phase == TF_FAILED || f->phase == TF_RESET)
		return f->err ? f->err : -ECONNRESET;
	if (f->shut_wr || f->gone)
		return -EPIPE;
	return 0;
}

ssize_t toffee_tx_reserve(struct toffee_conn *f, void **p1, size_t *l1, void **p2, size_t *l2)
{
	int rc = tx_check(f);
	if (rc < 0)
		return rc;
	uint32_t free_b = f->tx_mask + 1 - (f->tx_tail - f->tx_head);
	struct iovec seg[2];
	tf_buf_segs(f->tx_buf, f->tx_mask, f->tx_tail, free_b, seg);
	if (p1)
		*p1 = seg[0].iov_base;
	if (l1)
		*l1 = seg[0].iov_len;
	if (p2)
		*p2 = seg[1].iov_base;
	if (l2)
		*l2 = seg[1].iov_len;
	return free_b;
}

int toffee_tx_commit(struct toffee_conn *f, size_t n)
{
	int rc = tx_check(f);
	if (rc < 0)
		return rc;
	if (n > f->tx_mask + 1 - (f->tx_tail - f->tx_head))
		return -EINVAL;
	if (!n)
		return 0;
	f->tx_tail += (uint32_t)n;
	f->tx_unposted += (uint32_t)n;
	tf_flow_post(f);
	return 0;
}

ssize_t toffee_recv(struct toffee_conn *f, void *buf, size_t len, unsigned flags)
{
	ssize_t avail = toffee_rx_peek(f, NULL, NULL, NULL, NULL);
	if (avail < 0)
		return avail;
	if (!avail)
		return f->fin_rx || f->gone ? 0 : -EAGAIN;
	size_t n = (size_t)avail < len ? (size_t)avail : len;
	tf_buf_read(f->rx_buf, f->rx_mask, f->rx_head, buf, n);
	if (!(flags & TOFFEE_RECV_PEEK))
		toffee_rx_consume(f, n);
	return (ssize_t)n;
}

ssize_t toffee_send(struct toffee_conn *f, const void *buf, size_t len)
{
	ssize_t space = toffee_tx_reserve(f, NULL, NULL, NULL, NULL);
	if (space < 0)
		return space;
	if (!space)
		return len ? -EAGAIN : 0;
	size_t n = (size_t)space < len ? (size_t)space : len;
	tf_buf_write(f->tx_buf, f->tx_mask, f->tx_tail, buf, n);
	toffee_tx_commit(f, n);
	return (ssize_t)n;
}

/* ------------------------------------------------------------------------ */
/* Shutdown, close, abort                                                   */
/* ------------------------------------------------------------------------ */

/* Send CLOSE / SHUTDOWN_WR / ABORT for a flow with an id. CLOSE and
 * SHUTDOWN_WR follow our FIN (TOFFEE_CMDF_FIN, in order with the appends on
 * the CMD ring). The NIC consumes the ring first, so that nothing toffeed
 * does on the flow can overtake our commands. arg carries the sequence number
 * after the last byte appended. */
static int flow_ctl(struct toffee_conn *f, uint32_t type)
{
	struct toffee_ctx *ctx = f->ctx;
	if (type != TOFFEE_APP_ABORT) {
		f->fin_unposted = true;
		tf_flow_post(f);
	}
	/* Also before ABORT: a command still in the ring must not outlive the
	 * flow and land on a later flow that reuses its id. */
	tf_ctx_wait_cmds(ctx);
	struct toffee_appmsg m = { .type = type, .id = f->id, .arg = f->tx_tail };
	int rc = tf_ctl_send(ctx, &m);
	if (rc == 0 && type != TOFFEE_APP_SHUTDOWN_WR)
		rc = tf_req_add(ctx, m.req, type, f);
	return rc;
}

int toffee_shutdown(struct toffee_conn *f)
{
	if (f->phase == TF_CONNECTING)
		return -ENOTCONN;
	if (f->phase == TF_FAILED || f->phase == TF_RESET)
		return f->err ? f->err : -ECONNRESET;
	if (f->shut_wr || f->gone)
		return 0;
	if (f->ctx->dead)
		return -ENOTCONN;
	int rc = flow_ctl(f, TOFFEE_APP_SHUTDOWN_WR);
	f->shut_wr = true;
	return rc;
}

int toffee_conn_keepalive(struct toffee_conn *f, int on, unsigned idle_s, unsigned intvl_s, unsigned cnt)
{
	if (idle_s > 0xffffffffu / 2 || intvl_s > 0xffff || cnt > 255)
		return -EINVAL;
	if (f->phase == TF_CONNECTING)
		return -ENOTCONN;
	if (f->phase == TF_FAILED || f->phase == TF_RESET)
		return f->err ? f->err : -ECONNRESET;
	if (f->gone || f->ctx->dead)
		return -ENOTCONN;
	struct toffee_appmsg m = { .type = TOFFEE_APP_KEEPALIVE, .id = f->id,
				   .flags = on ? TOFFEE_APPF_KEEPALIVE : 0, .arg = idle_s,
				   .arg2 = intvl_s | cnt << 16 };
	return tf_ctl_send(f->ctx, &m);   /* no reply */
}

static int flow_release(struct toffee_conn *f, bool abort_it)
{
	struct toffee_ctx *ctx = f->ctx;
	if (f->user_closed)
		return 0;
	f->user_closed = true;
	tf_src_unmark(ctx, &f->src);
	accept_unqueue(f);
	if (f->phase == TF_CONNECTING && !ctx->dead)
		return 0;                  /* aborted when CONNECTED arrives */
	if (f->phase == TF_FAILED || f->gone || ctx->dead || !f->in_table) {
		tf_flow_free(f);
		return 0;
	}
	if (f->phase == TF_RESET || f->rx_tail != f->rx_head)
		abort_it = true;           /* as Linux: unread data means RST */
	/* After SHUTDOWN_WR our FIN is posted already: CLOSE only lets go. */
	bool had_fin = f->shut_wr;
	f->shut_wr = true;
	int rc;
	if (abort_it) {
		rc = flow_ctl(f, TOFFEE_APP_ABORT);
	} else if (had_fin) {
		struct toffee_appmsg m = { .type = TOFFEE_APP_CLOSE, .id = f->id, .arg = f->tx_tail };
		rc = tf_ctl_send(ctx, &m);
		if (rc == 0)
			rc = tf_req_add(ctx, m.req, TOFFEE_APP_CLOSE, f);
	} else {
		rc = flow_ctl(f, TOFFEE_APP_CLOSE);
	}
	if (rc < 0)
		tf_flow_free(f);
	return 0;
}

int toffee_close(struct toffee_conn *f)
{
	return f ? flow_release(f, false) : 0;
}

int toffee_abort(struct toffee_conn *f)
{
	return f ? flow_release(f, true) : 0;
}
