/* SPDX-License-Identifier: MIT */
/* The application registry on <rundir>/app.sock (include/toffee/appproto.h).
 * Each connection that says HELLO becomes a context: a slot (0..255), a
 * region (memfd) with its EV and CMD rings and later its flows' buffers,
 * the context's ring registers, an eventfd for notifications. A hang-up
 * resets the context's flows towards their peers, waits until the NIC let
 * go of them (a NOP after the REMOVEs), then frees the context. Connections
 * without HELLO (the `toffee` tool) may ask for STATUS and CAPTURE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "sp.h"
#include "toffee/fdpass.h"

#define SP_APP_MAX_FDS 4
#define SP_APP_OUTQ_MAX 65536u   /* queued events before an app is given up on */

static uint32_t ctx_reg(int ctx, uint32_t off)
{
	return TOFFEE_REG_CTX_BASE + (uint32_t)ctx * TOFFEE_REG_CTX_STRIDE + off;
}

static uint32_t db_reg(int ctx, uint32_t off)
{
	return TOFFEE_REG_DB_BASE + (uint32_t)ctx * TOFFEE_REG_DB_STRIDE + off;
}

int sp_app_listen(struct sp *sp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/app.sock", sp->cfg.rundir) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A live toffeed answers on the socket: do not steal it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0666) < 0 ||
	    listen(fd, 128) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SP_EV_LISTEN };
	if (epoll_ctl(sp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	sp->lfd = fd;
	return 0;
}

void sp_app_accept(struct sp *sp)
{
	for (;;) {
		int fd = accept4(sp->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		struct sp_app *a = calloc(1, sizeof(*a));
		if (!a) {
			close(fd);
			continue;
		}
		a->sp = sp;
		a->fd = fd;
		a->ctx = -1;
		a->region.fd = -1;
		a->outq_tail = &a->outq;
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			a->pid = cr.pid;
			a->uid = cr.uid;
		} else {
			a->uid = (uid_t)-1;
		}
		int sz = 1 << 22;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = a };
		if (epoll_ctl(sp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(a);
			continue;
		}
		a->next = sp->apps;
		sp->apps = a;
		sp->napps++;
	}
}

static int send_now(struct sp_app *a, const struct toffee_appmsg *m, const int *fds, unsigned nfd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	toffee_fdpass_attach(&mh, &cm, fds, nfd);
	ssize_t n;
	do
		n = sendmsg(a->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static void want_output(struct sp_app *a, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = a };
	epoll_ctl(a->sp->epfd, EPOLL_CTL_MOD, a->fd, &ev);
}

void sp_app_send(struct sp_app *a, struct toffee_appmsg *m, const int *fds, unsigned nfd)
{
	if (a->fd < 0)
		return;
	if (!a->outq) {
		int rc = send_now(a, m, fds, nfd);
		if (rc == 0 || (rc != -EAGAIN && rc != -ENOBUFS))
			return;                   /* sent, or the app is gone (hang-up follows) */
		if (nfd) {
			SP_ERR(a->sp, "ctx %d: cannot pass descriptors now (socket full)", a->ctx);
			return;
		}
	}
	if (nfd || a->noutq >= SP_APP_OUTQ_MAX) {
		SP_ERR(a->sp, "ctx %d (pid %d) does not read its socket: dropping a message", a->ctx,
		       (int)a->pid);
		return;
	}
	struct sp_outmsg *o = malloc(sizeof(*o));
	if (!o)
		return;
	o->next = NULL;
	o->m = *m;
	*a->outq_tail = o;
	a->outq_tail = &o->next;
	if (a->noutq++ == 0)
		want_output(a, true);
}

void sp_app_output(struct sp_app *a)
{
	while (a->outq) {
		struct sp_outmsg *o = a->outq;
		int rc = send_now(a, &o->m, NULL, 0);
		if (rc == -EAGAIN || rc == -ENOBUFS)
			return;
		a->outq = o->next;
		a->noutq--;
		free(o);
	}
	a->outq_tail = &a->outq;
	want_output(a, false);
}

static void reply_flags(struct sp_app *a, const struct toffee_appmsg *req, int status, uint32_t id,
			uint32_t flags)
{
	struct toffee_appmsg m;
	memset(&m, 0, sizeof(m));
	m.type = TOFFEE_APP_REPLY;
	m.req = req->req;
	m.status = status;
	m.id = id;
	m.flags = flags;
	sp_app_send(a, &m, NULL, 0);
}

static void reply(struct sp_app *a, const struct toffee_appmsg *req, int status, uint32_t id)
{
	reply_flags(a, req, status, id, 0);
}

void sp_app_update_ctx_limit(struct sp *sp)
{
	uint32_t lim = sp_ids_limit(&sp->ctx_ids);
	dev_wr32(sp->dev, TOFFEE_REG_CTX_LIMIT, lim ? lim : 1);
}

static void ctx_rings(struct sp *sp, int ctx, uint64_t ev_iova, uint32_t ev_log2, uint64_t cmd_iova,
		      uint32_t cmd_log2)
{
	struct dev *d = sp->dev;
	uint32_t ev = ctx_reg(ctx, TOFFEE_CTX_EV), cmd = ctx_reg(ctx, TOFFEE_CTX_CMD);
	dev_wr32(d, ev + TOFFEE_Q_LOG2, 0);
	dev_wr32(d, cmd + TOFFEE_Q_LOG2, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!ev_log2)
		return;
	static const uint32_t idx[] = { TOFFEE_Q_HEAD, TOFFEE_Q_TAIL };
	for (unsigned i = 0; i < 2; i++) {
		dev_wr32(d, ev + idx[i], 0);
		dev_wr32(d, cmd + idx[i], 0);
	}
	dev_wr32(d, db_reg(ctx, TOFFEE_DB_CMD_TAIL), 0);
	dev_wr32(d, db_reg(ctx, TOFFEE_DB_EV_HEAD), 0);
	dev_wr32(d, db_reg(ctx, TOFFEE_DB_ARM), 0);
	dev_wr32(d, db_reg(ctx, TOFFEE_DB_CMD_HEAD), 0);
	dev_wr32(d, ev + TOFFEE_Q_BASE_LO, (uint32_t)ev_iova);
	dev_wr32(d, ev + TOFFEE_Q_BASE_HI, (uint32_t)(ev_iova >> 32));
	dev_wr32(d, cmd + TOFFEE_Q_BASE_LO, (uint32_t)cmd_iova);
	dev_wr32(d, cmd + TOFFEE_Q_BASE_HI, (uint32_t)(cmd_iova >> 32));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dev_wr32(d, ev + TOFFEE_Q_LOG2, ev_log2);
	dev_wr32(d, cmd + TOFFEE_Q_LOG2, cmd_log2);
}

static int hello(struct sp_app *a, const struct toffee_appmsg *req)
{
	struct sp *sp = a->sp;
	if (a->ctx >= 0)
		return -EALREADY;
	int64_t ctx = sp_ids_alloc(&sp->ctx_ids);
	if (ctx < 0) {
		sp_count(sp, SP_CNT_APP_NO_CTX);
		return -EAGAIN;
	}
	int rc = dev_region_create(sp->dev, (uint32_t)ctx + 1, sp->cfg.region_size, &a->region);
	if (rc) {
		sp_ids_put(&sp->ctx_ids, (uint32_t)ctx);
		sp_count(sp, SP_CNT_APP_NO_MEMORY);
		return rc;
	}
	uint8_t log2 = sp->cfg.ctx_ring_log2;
	a->ev_log2 = a->cmd_log2 = log2;
	a->ev_off = 4096;
	a->cmd_off = a->ev_off + (uint32_t)(((sizeof(struct toffee_ctx_ev) << log2) + 4095) & ~(size_t)4095);
	uint64_t bufs = a->cmd_off + (((sizeof(struct toffee_ctx_cmd) << log2) + 4095) & ~(size_t)4095);
	bufs = (bufs + 65535) & ~65535ull;
	unsigned max_order = 12;
	while (max_order < TOFFEE_BUF_LOG2_MAX && (1ull << (max_order + 1)) <= sp->cfg.region_size - bufs)
		max_order++;
	rc = sp_bufpool_init(&a->pool, bufs, (sp->cfg.region_size - bufs) & ~4095ull,
			     TOFFEE_BUF_LOG2_MIN, max_order);
	int efd = rc ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!rc && efd < 0)
		rc = -errno;
	/* The doorbell page, shared from here on: the app gets it alone. */
	int dbfd = rc ? -1 : dev_db_page(sp->dev, (uint32_t)ctx);
	if (!rc && dbfd < 0)
		rc = dbfd;
	a->ctx = (int)ctx;
	if (!rc) {
		ctx_rings(sp, a->ctx, dev_iova(&a->region, a->ev_off), log2,
			  dev_iova(&a->region, a->cmd_off), log2);
		rc = dev_notify(sp->dev, (uint32_t)ctx, efd);
	}
	if (rc) {
		ctx_rings(sp, a->ctx, 0, 0, 0, 0);
		if (efd >= 0)
			close(efd);
		if (dbfd >= 0)
			close(dbfd);
		sp_bufpool_fini(&a->pool);
		dev_region_destroy(sp->dev, &a->region);
		sp_ids_put(&sp->ctx_ids, (uint32_t)ctx);
		a->ctx = -1;
		return rc;
	}
	sp->ctx_app[ctx] = a;
	sp_app_update_ctx_limit(sp);
	sp_count(sp, SP_CNT_APP_HELLO);
	struct toffee_appmsg m;
	memset(&m, 0, sizeof(m));
	m.type = TOFFEE_APP_HELLO_OK;
	m.req = req->req;
	m.ctx = (uint32_t)ctx;
	m.region = a->region.id;
	m.region_size = a->region.size;
	m.ev_off = a->ev_off;
	m.cmd_off = a->cmd_off;
	m.ev_log2 = log2;
	m.cmd_log2 = log2;
	int fds[3] = { a->region.fd, dbfd, efd };
	sp_app_send(a, &m, fds, 3);
	close(efd);                               /* the NIC and the app hold it */
	close(dbfd);
	SP_INFO(sp, "context %d for pid %d (region %u, %llu MiB)", a->ctx, (int)a->pid,
		a->region.id, (unsigned long long)(a->region.size >> 20));
	return 0;
}

static int status(struct sp_app *a, const struct toffee_appmsg *req)
{
	struct sp *sp = a->sp;
	struct toffee_appmsg m;
	memset(&m, 0, sizeof(m));
	m.type = TOFFEE_APP_REPLY;
	m.req = req->req;
	m.arg = sp->nconns - sp->ntw;
	m.arg2 = sp->ctx_ids.used;
	if (!(req->flags & TOFFEE_APPF_STATUS_TEXT)) {
		sp_app_send(a, &m, NULL, 0);
		return 0;
	}
	int fd = memfd_create("toffee-status", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	int rc = sp_status_write(sp, fd, req->arg != 0);
	if (!rc && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	m.flags = TOFFEE_APPF_STATUS_TEXT;
	sp_app_send(a, &m, &fd, 1);
	close(fd);
	return 0;
}

/* The flow @p id named by a request, if @p a owns it. */
static int own_flow(struct sp_app *a, uint32_t id, struct sp_conn **out)
{
	struct sp *sp = a->sp;
	struct sp_conn *c = id < sp->nflows ? sp->flows[id] : NULL;
	if (!c || !c->app_knows)
		return -ENOENT;
	if (c->app != a) {
		sp_count(sp, SP_CNT_APP_NOT_OWNER);  /* isolation: another context's flow */
		return -EPERM;
	}
	*out = c;
	return 0;
}

/* Read every app's pending messages but @p a's. Input may free apps that
 * went away (a CLOSE completes commands), so the walk restarts from the
 * head after each app, marking those done. */
static void drain_others(struct sp_app *a)
{
	struct sp *sp = a->sp;
	sp->draining = true;
	for (bool again = true; again;) {
		again = false;
		for (struct sp_app *o = sp->apps; o; o = o->next)
			if (o != a && o->fd >= 0 && !o->drained) {
				o->drained = true;
				sp_app_input(o);
				again = true;
				break;
			}
	}
	for (struct sp_app *o = sp->apps; o; o = o->next)
		o->drained = false;
	sp->draining = false;
}

static void handle(struct sp_app *a, const struct toffee_appmsg *m, int fd)
{
	struct sp *sp = a->sp;
	struct sp_conn *c;
	uint32_t id = 0;
	int rc;
	switch (m->type) {
	case TOFFEE_APP_HELLO:
		rc = hello(a, m);
		if (rc)
			reply(a, m, rc, 0);
		return;
	case TOFFEE_APP_STATUS:
		rc = status(a, m);
		if (rc)
			reply(a, m, rc, 0);
		return;
	case TOFFEE_APP_IDENTIFY: {
		bool v6;
		int64_t fid = sp_handover_identify(sp, fd, &v6);
		if (fid < 0 && !sp->draining) {
			/* The SHARE that names this socket was sent before the
			 * asking process existed, but may still wait in its
			 * sender's socket: read every other app first. */
			drain_others(a);
			fid = sp_handover_identify(sp, fd, &v6);
		}
		reply_flags(a, m, fid < 0 ? (int)fid : 0, fid < 0 ? 0 : (uint32_t)fid,
			    v6 ? TOFFEE_APPF_INET6 : 0);
		return;
	}
	case TOFFEE_APP_CAPTURE:
		if (a->uid != 0) {
			reply(a, m, -EPERM, 0);
			return;
		}
		reply(a, m, dev_capture(sp->dev, fd), 0);
		return;
	default:
		break;
	}
	if (a->ctx < 0) {
		sp_count(sp, SP_CNT_APP_NO_CTX);
		reply(a, m, -ENOTCONN, 0);
		return;
	}
	uint16_t lport = 0;
	uint64_t key = 0;
	switch (m->type) {
	case TOFFEE_APP_LISTEN:
		rc = sp_open_listen(a, m, &id);
		if (!rc) {
			lport = sp->lst_id[id]->port;
			key = sp->lst_id[id]->key;
		}
		break;
	case TOFFEE_APP_UNLISTEN:
		rc = sp_open_unlisten(a, m->id);
		break;
	case TOFFEE_APP_ACCEPTING:
		rc = sp_open_accepting(a, m->id);
		break;
	case TOFFEE_APP_FORKING:
		sp_open_forking(a);
		rc = 0;
		break;
	case TOFFEE_APP_CONNECT:
		rc = sp_open_connect(a, m, &lport);
		break;
	case TOFFEE_APP_CLOSE:
	case TOFFEE_APP_SHUTDOWN_WR:
	case TOFFEE_APP_ABORT:
		/* The app may react to the peer's FIN (EV ring) before we saw the
		 * NIC's FIN exception: take the exceptions first, so that who
		 * closed first is known. */
		sp_nicq_poll(sp);
		rc = own_flow(a, m->id, &c);
		if (!rc)
			rc = c->moving ? -EBUSY : sp_close_request(c, m->type, m->req);
		id = m->id;
		break;
	case TOFFEE_APP_SHARE:
		if (own_flow(a, m->id, &c) == 0)
			sp_handover_share(c, fd, m->arg | (uint64_t)m->arg2 << 32, m->flags & TOFFEE_APPF_INET6);
		return;                          /* no reply */
	case TOFFEE_APP_KEEPALIVE:
		if (own_flow(a, m->id, &c) == 0)
			sp_ctl_keepalive(c, m->flags & TOFFEE_APPF_KEEPALIVE, m->arg, m->arg2 & 0xffff, m->arg2 >> 16);
		return;                          /* no reply */
	case TOFFEE_APP_RELEASE:
		sp_nicq_poll(sp);
		rc = own_flow(a, m->id, &c);
		if (!rc)
			rc = sp_handover_release(c, m->req);
		id = m->id;
		break;
	case TOFFEE_APP_TAKEOVER:
		rc = sp_handover_take(a, m, fd);
		if (rc > 0)
			return;                  /* answered when the flow is here */
		break;
	default:
		sp_count(sp, SP_CNT_APP_BAD_REQUEST);
		rc = -EOPNOTSUPP;
		break;
	}
	struct toffee_appmsg r;
	memset(&r, 0, sizeof(r));
	r.type = TOFFEE_APP_REPLY;
	r.req = m->req;
	r.status = rc;
	r.id = id;
	r.arg = (uint32_t)key;           /* LISTEN: the key fork children show */
	r.arg2 = (uint32_t)(key >> 32);
	if (lport) {                     /* LISTEN, CONNECT: the local end chosen */
		r.local_ip = sp->cfg.route.ip;
		r.local_port = lport;
	}
	sp_app_send(a, &r, NULL, 0);
}

void sp_app_input(struct sp_app *a)
{
	for (int budget = 0; budget < 256 && a->fd >= 0; budget++) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(SP_APP_MAX_FDS * sizeof(int))];
		} cm;
		struct toffee_appmsg m;
		struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		memset(&m, 0, sizeof(m));
		ssize_t n = recvmsg(a->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			/* ECONNRESET: the app went away leaving our messages
			 * unread. The kernel says so once, before the messages
			 * it sent us that are still queued: read those first
			 * (a CLOSE, SHARE or FORKING right before its exit
			 * counts); the end of them reads as 0. */
			if (errno == EINTR || errno == ECONNRESET)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				sp_app_hangup(a);
			return;
		}
		if (n == 0) {
			sp_app_hangup(a);
			return;
		}
		int fd = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int f;
				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (fd < 0)
					fd = f;
				else
					close(f);
			}
		}
		if (n != (ssize_t)sizeof(m) || (mh.msg_flags & MSG_TRUNC)) {
			sp_count(a->sp, SP_CNT_APP_BAD_REQUEST);
			reply(a, &m, -EINVAL, 0);
		} else {
			handle(a, &m, fd);
		}
		if (fd >= 0)
			close(fd);
	}
}

void sp_app_hangup(struct sp_app *a)
{
	struct sp *sp = a->sp;
	if (a->fd < 0)
		return;
	epoll_ctl(sp->epfd, EPOLL_CTL_DEL, a->fd, NULL);
	close(a->fd);
	a->fd = -1;
	while (a->outq) {
		struct sp_outmsg *o = a->outq;
		a->outq = o->next;
		free(o);
	}
	a->noutq = 0;
	if (a->ctx >= 0) {
		sp_count(sp, SP_CNT_APP_HANGUP);
		SP_INFO(sp, "context %d (pid %d) hung up: %u connections reset", a->ctx, (int)a->pid,
			a->nconns);
	}
	a->dying = true;
	sp_listeners_app_gone(a);
	sp_handover_app_gone(a);
	for (struct sp_conn *c = a->conns, *n; c; c = n) {
		n = c->anext;
		bool moving_away = c->moving && c->mv_to != a;   /* handover.c moves it on */
		if (moving_away || sp_handover_owner_gone(c) || sp_close_app_gone(c)) {
			c->lingers = true;
			a->lingering++;
		}
	}
	if (!a->lingering)
		sp_app_final(a);
}

void sp_app_final(struct sp_app *a)
{
	/* Completes after every REMOVE posted before. */
	sp_cmd(a->sp, TOFFEE_CMD_NOP, 0, 0, 0, SP_WHY_APP_FINAL, NULL, a);
}

void sp_app_cmd_done(struct sp *sp, struct sp_app *a)
{
	while (a->conns)                      /* whatever is left lets go now */
		sp_conn_free(a->conns);
	if (a->ctx >= 0) {
		ctx_rings(sp, a->ctx, 0, 0, 0, 0);
		dev_notify(sp->dev, (uint32_t)a->ctx, -1);
		sp_bufpool_fini(&a->pool);
		dev_region_destroy(sp->dev, &a->region);
		sp->ctx_app[a->ctx] = NULL;
		sp_ids_put(&sp->ctx_ids, (uint32_t)a->ctx);
		sp_app_update_ctx_limit(sp);
	}
	for (struct sp_app **pp = &sp->apps; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	sp->napps--;
	free(a);
}

void sp_app_shutdown_all(struct sp *sp)
{
	for (struct sp_app *a = sp->apps; a; a = a->next)
		sp_app_hangup(a);
}

int sp_app_bufs(struct sp_app *a, struct sp_conn *c)
{
	struct sp *sp = a->sp;
	/* Smaller buffers as the region fills (sp_bufpool_order), then any
	 * size that still fits. */
	unsigned first = sp_bufpool_order(&a->pool, sp->cfg.buf_log2, sp->cfg.buf_log2_min);
	for (unsigned order = first; order >= sp->cfg.buf_log2_min; order--) {
		int64_t rx = sp_bufpool_alloc(&a->pool, order);
		if (rx < 0)
			continue;
		int64_t tx = sp_bufpool_alloc(&a->pool, order);
		if (tx < 0) {
			sp_bufpool_free(&a->pool, (uint64_t)rx, order);
			continue;
		}
		c->rx_off = rx;
		c->tx_off = tx;
		c->rx_log2 = c->tx_log2 = (uint8_t)order;
		return 0;
	}
	return -ENOMEM;
}

void sp_app_bufs_free(struct sp_app *a, struct sp_conn *c)
{
	int64_t offs[2] = { c->rx_off, c->tx_off };
	uint8_t logs[2] = { c->rx_log2, c->tx_log2 };
	for (unsigned i = 0; i < 2; i++) {
		if (offs[i] < 0)
			continue;
		/* Give the pages back (the region is sparse) and hand out zeroes
		 * to the next flow. */
		fallocate(a->region.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offs[i],
			  (off_t)1 << logs[i]);
		sp_bufpool_free(&a->pool, (uint64_t)offs[i], logs[i]);
	}
	c->rx_off = c->tx_off = -1;
}
