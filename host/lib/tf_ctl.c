/* SPDX-License-Identifier: MIT */
/* The control channel to toffeed (appproto.h): requests, replies and
 * unsolicited events on the context's SOCK_SEQPACKET connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tf_internal.h"
#include "tf_sys.h"
#include "toffee/fdpass.h"

int tf_ctl_recv(int fd, struct toffee_appmsg *m, int *fds, int *nfds, bool block)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	memset(m, 0, sizeof(*m));
	int max = nfds ? *nfds : 0;
	if (nfds)
		*nfds = 0;
	ssize_t n;
	do {
		n = tf_sys_recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
	} while (n < 0 && errno == EINTR && block);
	if (n < 0)
		return -errno;
	int got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *p = (int *)CMSG_DATA(c);
		for (int i = 0; i < cnt; i++) {
			if (got < max)
				fds[got++] = p[i];
			else
				tf_sys_close(p[i]);
		}
	}
	if (nfds)
		*nfds = got;
	if (n == 0)
		return 0;
	/* Shorter messages (older peers) are zero-extended; longer ones are
	 * truncated to the fields we know. */
	if ((size_t)n < offsetof(struct toffee_appmsg, local_ip))
		return -EPROTO;
	return (int)n;
}

static void ctl_dead(struct toffee_ctx *ctx)
{
	if (!ctx->dead)
		tf_ctl_hangup(ctx);
}

/* Keep a message read while sending; it is dispatched by tf_ctl_drain(),
 * at a point where no caller holds a flow that dispatching could free. */
static void inq_push(struct toffee_ctx *ctx, const struct toffee_appmsg *m)
{
	if (ctx->inq_len == ctx->inq_cap) {
		unsigned cap = ctx->inq_cap ? ctx->inq_cap * 2 : 16;
		struct toffee_appmsg *q = realloc(ctx->inq, cap * sizeof(*q));
		if (!q)
			return;                    /* lost; toffeed resends nothing: rare OOM */
		ctx->inq = q;
		ctx->inq_cap = cap;
	}
	ctx->inq[ctx->inq_len++] = *m;
}

/* The socket is full: toffeed may itself be blocked sending to us, so read
 * what it sent (without acting on it) until we can write. */
static void ctl_unjam(struct toffee_ctx *ctx)
{
	struct pollfd p = { ctx->ctl_fd, POLLIN | POLLOUT, 0 };
	if (tf_sys_poll(&p, 1, 100) <= 0)
		return;
	if (p.revents & (POLLHUP | POLLERR))
		ctx->hup = true;
	while (p.revents & POLLIN) {
		struct toffee_appmsg m;
		int rc = tf_ctl_recv(ctx->ctl_fd, &m, NULL, NULL, false);
		if (rc == 0 || rc == -ECONNRESET) {
			ctx->hup = true;
			break;
		}
		if (rc < 0)
			break;
		inq_push(ctx, &m);
	}
}

int tf_ctl_send(struct toffee_ctx *ctx, struct toffee_appmsg *m)
{
	return tf_ctl_send_fd(ctx, m, -1);
}

int tf_ctl_send_fd(struct toffee_ctx *ctx, struct toffee_appmsg *m, int fd)
{
	if (ctx->dead || ctx->hup || ctx->ctl_fd < 0)
		return -ENOTCONN;
	m->req = ++ctx->next_req;
	if (!m->req)
		m->req = ++ctx->next_req;
	TF_TRACE("toffee[%d]: send type %u req %u id %u arg %u", (int)getpid(), m->type, m->req, m->id, m->arg);
	struct iovec iov = { m, sizeof(*m) };
	union toffee_fdpass cm;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	toffee_fdpass_attach(&mh, &cm, &fd, fd >= 0);
	for (;;) {
		ssize_t n = tf_sys_sendmsg(ctx->ctl_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(*m))
			return 0;
		int e = n < 0 ? errno : EPROTO;
		if (e == EINTR)
			continue;
		if (e == EAGAIN) {
			ctl_unjam(ctx);
			if (ctx->hup)
				return -ENOTCONN;
			continue;
		}
		if (e == EPIPE || e == ECONNRESET || e == ENOTCONN) {
			ctx->hup = true;           /* processed by the next drain */
			return -ENOTCONN;
		}
		return -e;
	}
}

int tf_ctl_call(struct toffee_ctx *ctx, struct toffee_appmsg *m, struct toffee_appmsg *reply)
{
	return tf_ctl_call_fd(ctx, m, -1, reply);
}

int tf_ctl_call_fd(struct toffee_ctx *ctx, struct toffee_appmsg *m, int fd, struct toffee_appmsg *reply)
{
	int rc = tf_ctl_send_fd(ctx, m, fd);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = tf_ctl_recv(ctx->ctl_fd, reply, NULL, NULL, true);
		if (rc == 0 || rc == -ECONNRESET) {
			ctx->hup = true;
			return -ENOTCONN;
		}
		if (rc < 0)
			return rc;
		if (reply->req == m->req && reply->type == TOFFEE_APP_REPLY)
			return reply->status < 0 ? reply->status : 0;
		inq_push(ctx, reply);
	}
}

int tf_ctl_drain(struct toffee_ctx *ctx)
{
	int n = 0;
	/* Messages set aside while sending come first, in order. A dispatch may
	 * queue more (it can send), so index, do not cache the length. */
	for (unsigned i = 0; i < ctx->inq_len; i++) {
		struct toffee_appmsg m = ctx->inq[i];
		tf_ctl_dispatch(ctx, &m);
		n++;
	}
	ctx->inq_len = 0;
	while (!ctx->dead && !ctx->hup) {
		struct toffee_appmsg m;
		int rc = tf_ctl_recv(ctx->ctl_fd, &m, NULL, NULL, false);
		if (rc == -EAGAIN || rc == -EINTR)
			break;
		if (rc == 0 || rc == -ECONNRESET) {
			ctx->hup = true;
			break;
		}
		if (rc < 0)
			break;
		tf_ctl_dispatch(ctx, &m);
		n++;
	}
	if (ctx->hup)
		ctl_dead(ctx);
	return n;
}

/* ------------------------------------------------------------------------ */
/* Outstanding requests                                                     */
/* ------------------------------------------------------------------------ */

int tf_req_add(struct toffee_ctx *ctx, uint32_t req, uint32_t type, struct toffee_conn *f)
{
	struct tf_req *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->req = req;
	r->type = type;
	r->flow = f;
	r->next = ctx->reqs[req % TF_REQ_BUCKETS];
	ctx->reqs[req % TF_REQ_BUCKETS] = r;
	return 0;
}

static struct tf_req *req_take(struct toffee_ctx *ctx, uint32_t req)
{
	for (struct tf_req **pp = &ctx->reqs[req % TF_REQ_BUCKETS]; *pp; pp = &(*pp)->next) {
		struct tf_req *r = *pp;
		if (r->req == req) {
			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

static struct tf_req *req_find(struct toffee_ctx *ctx, uint32_t req)
{
	for (struct tf_req *r = ctx->reqs[req % TF_REQ_BUCKETS]; r; r = r->next)
		if (r->req == req)
			return r;
	return NULL;
}

void tf_req_forget_flow(struct toffee_ctx *ctx, struct toffee_conn *f)
{
	for (unsigned b = 0; b < TF_REQ_BUCKETS; b++) {
		struct tf_req **pp = &ctx->reqs[b];
		while (*pp) {
			struct tf_req *r = *pp;
			if (r->flow == f) {
				*pp = r->next;
				free(r);
			} else {
				pp = &r->next;
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                 */
/* ------------------------------------------------------------------------ */

static void send_abort_id(struct toffee_ctx *ctx, uint32_t id)
{
	struct toffee_appmsg m = { .type = TOFFEE_APP_ABORT, .id = id };
	tf_ctl_send(ctx, &m);
}

/* A flow announced by toffeed that nobody wants: keep an object so its
 * events and the CLOSED have a home, and abort it. */
static void adopt_and_abort(struct toffee_ctx *ctx, struct toffee_conn *f)
{
	f->user_closed = true;
	struct toffee_appmsg m = { .type = TOFFEE_APP_ABORT, .id = f->id };
	if (tf_ctl_send(ctx, &m) < 0 || tf_req_add(ctx, m.req, TOFFEE_APP_ABORT, f) < 0)
		tf_flow_free(f);
}

static void on_connected(struct toffee_ctx *ctx, const struct toffee_appmsg *m)
{
	struct tf_req *r = req_find(ctx, m->req);
	if (!r || r->type != TOFFEE_APP_CONNECT || !r->flow) {
		send_abort_id(ctx, m->flow.flow_id);
		return;
	}
	struct toffee_conn *f = r->flow;
	req_take(ctx, m->req);
	free(r);
	if (tf_flow_setup(f, &m->flow) < 0 || tf_flow_table_add(f) < 0) {
		send_abort_id(ctx, m->flow.flow_id);
		if (f->user_closed)
			tf_flow_free(f);
		else
			tf_flow_fail(f, TF_FAILED, -EPROTO);
		return;
	}
	tf_stash_take(ctx, f);
	if (f->user_closed) {
		f->user_closed = false;
		adopt_and_abort(ctx, f);
		return;
	}
	tf_src_mark(ctx, &f->src, TOFFEE_EV_CONNECTED | TOFFEE_EV_TX);
}

static void on_conn_failed(struct toffee_ctx *ctx, struct toffee_conn *f, int32_t status)
{
	tf_req_forget_flow(ctx, f);
	if (f->user_closed)
		tf_flow_free(f);
	else
		tf_flow_fail(f, TF_FAILED, status < 0 ? status : -ECONNREFUSED);
}

static void on_accepted(struct toffee_ctx *ctx, const struct toffee_appmsg *m)
{
	struct toffee_listener *l = ctx->listeners;
	while (l && l->id != m->id)
		l = l->next;
	struct toffee_conn *f = tf_flow_new(ctx);
	if (!f) {
		send_abort_id(ctx, m->flow.flow_id);
		return;
	}
	if (tf_flow_setup(f, &m->flow) < 0 || tf_flow_table_add(f) < 0) {
		send_abort_id(ctx, m->flow.flow_id);
		tf_flow_free(f);
		return;
	}
	if (l)
		f->lst = l;                    /* queued: no events of its own yet */
	tf_stash_take(ctx, f);
	/* Bytes (and a FIN) the slow path delivered during the handshake. */
	if (m->arg || (m->flags & TOFFEE_APPF_FIN))
		tf_flow_on_ev(f, m->arg, 0, (m->flags & TOFFEE_APPF_FIN) ? TOFFEE_EVF_FIN : 0);
	if (!l) {                          /* listener closed meanwhile */
		adopt_and_abort(ctx, f);
		return;
	}
	f->anext = NULL;
	if (l->qtail)
		l->qtail->anext = f;
	else
		l->qhead = f;
	l->qtail = f;
	l->qlen++;
	tf_src_mark(ctx, &l->src, TOFFEE_EV_ACCEPT);
}

static void on_closed(struct toffee_ctx *ctx, uint32_t id)
{
	/* Every event of the flow was written before toffeed removed it: take
	 * them now, so none is left to be mistaken for a later flow's. */
	tf_ctx_drain_ev(ctx);
	struct toffee_conn *f = tf_flow_lookup(ctx, id);
	tf_stash_drop(ctx, id);
	if (!f)
		return;
	tf_req_forget_flow(ctx, f);
	tf_flow_table_del(f);
	f->gone = true;
	if (f->user_closed) {
		tf_flow_free(f);
		return;
	}
	if (f->phase == TF_OPEN && !(f->fin_rx && f->shut_wr))
		tf_flow_fail(f, TF_RESET, -ECONNRESET);
	else
		tf_src_mark(ctx, &f->src, TOFFEE_EV_RX | TOFFEE_EV_TX);
}

void tf_ctl_dispatch(struct toffee_ctx *ctx, const struct toffee_appmsg *m)
{
	ctx->st.ctl_msgs++;
	TF_TRACE("toffee[%d]: ctl type %u req %u id %u status %d arg %u flags %#x flow %u rx_seq %u tx_seq %u",
		 (int)getpid(), m->type, m->req, m->id, m->status, m->arg, m->flags, m->flow.flow_id,
		 m->flow.rx_seq, m->flow.tx_seq);
	struct toffee_conn *f;
	struct tf_req *r;
	switch (m->type) {
	case TOFFEE_APP_REPLY:
		r = req_find(ctx, m->req);
		if (!r)
			break;
		if (r->type == TOFFEE_APP_CONNECT) {
			if (m->status < 0 && r->flow) {
				on_conn_failed(ctx, r->flow, m->status);
			} else if (r->flow) {      /* toffeed may tell the local end early */
				if (m->local_port && !r->flow->local.port)
					r->flow->local.port = m->local_port;
				if (m->local_ip && !r->flow->local.ip)
					r->flow->local.ip = m->local_ip;
			}
			break;
		}
		req_take(ctx, m->req);
		f = r->flow;
		free(r);
		/* CLOSE / ABORT refused: toffeed does not know the flow any more. */
		if (f && m->status < 0 && f->user_closed)
			tf_flow_free(f);
		break;
	case TOFFEE_APP_CONNECTED:
		on_connected(ctx, m);
		break;
	case TOFFEE_APP_CONN_FAILED:
		r = req_find(ctx, m->req);
		if (r && r->type == TOFFEE_APP_CONNECT && r->flow)
			on_conn_failed(ctx, r->flow, m->status);
		break;
	case TOFFEE_APP_ACCEPTED:
		on_accepted(ctx, m);
		break;
	case TOFFEE_APP_RESET:
		f = tf_flow_lookup(ctx, m->id);
		if (f && !f->user_closed && f->phase == TF_OPEN) {
			tf_ctx_drain_ev(ctx);      /* data before the RST stays readable */
			tf_flow_fail(f, TF_RESET, m->status < 0 ? m->status : -ECONNRESET);
		}
		break;
	case TOFFEE_APP_CLOSED:
		on_closed(ctx, m->id);
		break;
	default:
		break;
	}
}

void tf_ctl_hangup(struct toffee_ctx *ctx)
{
	struct toffee_conn *f;
	ctx->dead = true;
	for (uint32_t i = 0; i < ctx->flows_cap; i++) {
		f = ctx->flows[i];
		if (!f)
			continue;
		tf_flow_table_del(f);
		f->gone = true;
		if (f->user_closed)
			tf_flow_free(f);
		else if (f->phase == TF_OPEN)
			tf_flow_fail(f, TF_RESET, -ECONNRESET);
	}
	for (unsigned b = 0; b < TF_REQ_BUCKETS; b++) {
		while (ctx->reqs[b]) {
			struct tf_req *r = ctx->reqs[b];
			ctx->reqs[b] = r->next;
			f = r->flow;
			free(r);
			if (f && f->phase == TF_CONNECTING) {
				tf_req_forget_flow(ctx, f);
				if (f->user_closed)
					tf_flow_free(f);
				else
					tf_flow_fail(f, TF_FAILED, -ECONNREFUSED);
			}
		}
	}
}
