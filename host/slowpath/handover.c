/* SPDX-License-Identifier: MIT */
/* Flows handed over between contexts: a connection accepted (or made) by
 * one process and used by a fork child, or by a program the child exec'd
 * (Python's ForkingTCPServer, accept-and-fork daemons, inetd). appproto.h,
 * SHARE / RELEASE / TAKEOVER / IDENTIFY.
 *
 * Before a fork the library makes each connection's kernel fd one end of a
 * socket pair and gives us the other (SHARE): the pair hangs up when no
 * process holds the socket any more, which is when Linux would send the
 * FIN. RELEASE: the owner closed its copy; we keep the flow running until
 * a process shows its key or the pair hangs up (then FIN). An owner that
 * goes away while another process holds the socket leaves the flow waiting
 * the same way. TAKEOVER: REMOVE (the state as removed), the buffers copied
 * into the new context's region, INSTALL there under the same flow id, the
 * old owner told CLOSED. Segments that arrive in between are dropped
 * (counted); the peer retransmits them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sp.h"

void sp_handover_key(struct sp_conn *c)
{
	while (!c->key && getrandom(&c->key, sizeof(c->key), 0) != sizeof(c->key))
		;
}

static bool movable(const struct sp_conn *c)
{
	return (c->state == SP_ESTABLISHED || c->state == SP_CLOSE_WAIT) && !c->fin_req &&
	       !c->moving && c->flow_id != TOFFEE_FLOW_NONE;
}

void sp_handover_forget(struct sp_conn *c)
{
	if (c->share_fd >= 0) {
		epoll_ctl(c->sp->epfd, EPOLL_CTL_DEL, c->share_fd, NULL);
		close(c->share_fd);
		c->share_fd = -1;
		c->sp->nshare--;
	}
}

/* True while a process holds the socket of @p c (its pair has not hung up). */
static bool held(const struct sp_conn *c)
{
	struct pollfd p = { .fd = c->share_fd, .events = POLLIN };
	return c->share_fd >= 0 && poll(&p, 1, 0) == 0;
}

void sp_handover_share(struct sp_conn *c, int fd, uint64_t ino, bool v6)
{
	struct sp *sp = c->sp;
	if (fd < 0 || c->share_fd >= 0)
		return;
	/* Not movable (closing, or on its way elsewhere), or out of
	 * descriptors: not shared (its owner's close sends the FIN). */
	int sfd = movable(c) && sp->nshare < sp->share_max ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (sfd < 0) {
		sp_count(sp, SP_CNT_HANDOVER_UNSHARED);
		SP_INFO(sp, "flow %u (port %u, %s): not shared", c->flow_id, c->rport, sp_state_name(c->state));
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.u64 = SP_EV_SHARE | c->flow_id };
	if (epoll_ctl(sp->epfd, EPOLL_CTL_ADD, sfd, &ev) < 0) {
		close(sfd);
		return;
	}
	c->share_fd = sfd;
	c->share_ino = ino;
	c->share_v6 = v6;
	sp->nshare++;
}

/* The flow whose shared socket @p fd is (its inode, as SHARE said). */
static struct sp_conn *by_socket(struct sp *sp, int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return NULL;
	for (uint32_t id = 0; id < sp->nflows; id++) {
		struct sp_conn *c = sp->flows[id];
		if (c && c->share_fd >= 0 && c->share_ino == (uint64_t)st.st_ino)
			return c;
	}
	return NULL;
}

int64_t sp_handover_identify(struct sp *sp, int fd, bool *v6)
{
	struct sp_conn *c = by_socket(sp, fd);
	*v6 = c && c->share_v6;
	return c ? (int64_t)c->flow_id : -ENOENT;
}

/* Close @p c for an owner that let go without its FIN: as CLOSE, with the
 * FIN sent by us (the owner's CMD ring was consumed before it said so). */
static int close_for_owner(struct sp_conn *c, uint32_t req)
{
	bool fin = !c->fin_req;
	int rc = sp_close_request(c, TOFFEE_APP_CLOSE, req);
	if (!rc && fin && c->fin_req)
		sp_cmd(c->sp, TOFFEE_CMD_TX_FIN, c->flow_id, 0, 0, SP_WHY_PLAIN, c, NULL);
	return rc;
}

int sp_handover_release(struct sp_conn *c, uint32_t req)
{
	if (c->moving)
		return -EBUSY;             /* being taken over: CLOSED follows */
	if (!movable(c) || c->share_fd < 0 || c->released)
		return close_for_owner(c, req);
	c->released = true;
	c->orphan = true;                  /* the owner keeps nothing: CLOSED frees it */
	sp_count(c->sp, SP_CNT_HANDOVER_RELEASED);
	sp_handover_share_event(c->sp, c->flow_id);  /* nobody else may hold it */
	return 0;
}

bool sp_handover_owner_gone(struct sp_conn *c)
{
	if (!c->released && (!movable(c) || !held(c)))
		return false;
	c->released = true;                /* as if it had sent RELEASE */
	c->orphan = true;
	return true;
}

void sp_handover_share_event(struct sp *sp, uint32_t flow_id)
{
	struct sp_conn *c = flow_id < sp->nflows ? sp->flows[flow_id] : NULL;
	if (!c || c->share_fd < 0 || held(c))
		return;                    /* stale, or still held somewhere */
	sp_handover_forget(c);
	if (!c->released || c->moving)
		return;                    /* its owner closes it (RELEASE then closes) */
	/* Nobody holds the socket: close it as its last process would have
	 * (an owner that went away may have left commands in its ring: then
	 * the FIN waits until they are consumed, sp_close_state). */
	sp_count(sp, SP_CNT_HANDOVER_ORPHANED);
	if (c->app && c->app->dying)
		sp_close_request(c, TOFFEE_APP_CLOSE, 0);
	else
		close_for_owner(c, 0);
}

int sp_handover_take(struct sp_app *a, const struct toffee_appmsg *m, int fd)
{
	struct sp *sp = a->sp;
	uint64_t key = m->arg | (uint64_t)m->arg2 << 32;
	bool by_fd = m->flags & TOFFEE_APPF_BY_FD;
	struct sp_conn *c = m->id < sp->nflows ? sp->flows[m->id] : NULL;
	if (by_fd && c != by_socket(sp, fd))
		c = NULL;                  /* holding the socket is the proof */
	if (!c || !c->app_knows || (!by_fd && (!key || c->key != key)) || !c->app) {
		sp_count(sp, SP_CNT_HANDOVER_REFUSED);
		return -EBADF;
	}
	if (c->app == a)
		return -EALREADY;
	if (!movable(c)) {
		sp_count(sp, SP_CNT_HANDOVER_REFUSED);
		return c->moving ? -EBUSY : -EBADF;
	}
	/* Buffers of the same sizes, so that every byte keeps its offset. */
	int64_t rx = sp_bufpool_alloc(&a->pool, c->rx_log2);
	int64_t tx = rx < 0 ? -1 : sp_bufpool_alloc(&a->pool, c->tx_log2);
	if (tx < 0) {
		if (rx >= 0)
			sp_bufpool_free(&a->pool, (uint64_t)rx, c->rx_log2);
		sp_count(sp, SP_CNT_NO_BUFFER);
		return -ENOMEM;
	}
	c->moving = true;
	c->mv_to = a;
	a->incoming++;
	c->mv_req = m->req;
	c->mv_rx_off = rx;
	c->mv_tx_off = tx;
	c->mv_rx_head = m->flow.rx_seq;
	c->mv_tx_tail = m->flow.tx_seq;
	c->mv_nicpos = by_fd;
	sp_ctl_stop(c);
	sp_cmd(sp, TOFFEE_CMD_REMOVE, c->flow_id, sp_image_iova(sp, c->flow_id), 0, SP_WHY_MOVE, c, NULL);
	return 1;                          /* answered once the flow is in its new context */
}

static void reply(struct sp_app *a, uint32_t req, int status, const struct toffee_appmsg *body)
{
	struct toffee_appmsg r;
	if (body)
		r = *body;
	else
		memset(&r, 0, sizeof(r));
	r.type = TOFFEE_APP_REPLY;
	r.req = req;
	r.status = status;
	sp_app_send(a, &r, NULL, 0);
}

static uint32_t clamp_seq(uint32_t v, uint32_t lo, uint32_t hi)
{
	if (sp_seq_lt(v, lo))
		return lo;
	return sp_seq_gt(v, hi) ? hi : v;
}

/* The application-side positions the new owner continues from: its own
 * (from before the fork), unless the NIC is known to be past them (the old
 * owner went on after the fork: its consumption and appends stand). */
static void positions(struct sp_conn *c, const struct toffee_flow *f, uint32_t *rx_start,
		      uint32_t *rx_end, uint32_t *tx_end)
{
	uint32_t rx_size = 1u << c->rx_log2, tx_size = 1u << c->tx_log2;
	*rx_end = f->rcv_nxt - (c->fin_rcvd ? 1u : 0u);   /* the FIN takes a number */
	uint32_t consumed = *rx_end - (rx_size - f->rx_avail);
	/* after exec nobody has positions of its own: the NIC's */
	uint32_t head = c->mv_nicpos ? consumed : c->mv_rx_head;
	uint32_t tail = c->mv_nicpos ? f->tx_end : c->mv_tx_tail;
	*rx_start = clamp_seq(head, consumed, *rx_end);
	*tx_end = clamp_seq(tail, f->tx_end, f->snd_una + tx_size);
}

/* Give back the buffers reserved in the new context and run the flow on. */
static void abandon(struct sp_conn *c, int status)
{
	struct sp_app *to = c->mv_to;
	if (to && !to->dying) {
		sp_bufpool_free(&to->pool, (uint64_t)c->mv_rx_off, c->rx_log2);
		sp_bufpool_free(&to->pool, (uint64_t)c->mv_tx_off, c->tx_log2);
		reply(to, c->mv_req, status, NULL);
	}
	c->mv_to = NULL;
}

void sp_handover_removed(struct sp_conn *c, int status)
{
	struct sp *sp = c->sp;
	struct sp_app *from = c->app, *to = c->mv_to;
	struct toffee_flow *f = sp_image(sp, c->flow_id);
	if (to)
		to->incoming--;
	if (status) {                      /* not in the NIC (cannot happen while movable) */
		abandon(c, -EBADF);
		c->moving = false;
		sp_close_reset(c, -ECONNRESET);
		return;
	}
	c->snap = *f;
	c->snap_ns = sp->now;
	if ((!to || to->dying) && from->dying) {
		/* Both processes are gone: as a hang-up does. */
		c->moving = false;
		c->mv_to = NULL;
		c->orphan = true;
		sp_state_read(c, f, SP_ACT_RST_SEND);
		sp_conn_set_state(c, SP_DOOMED);
		sp_close_removed(c);
		return;
	}
	if (!to || to->dying) {
		/* The new owner is gone: the flow stays where it was. */
		c->mv_to = NULL;
		*f = c->snap;
		sp_cmd(sp, TOFFEE_CMD_INSTALL, c->flow_id, sp_image_iova(sp, c->flow_id), 0, SP_WHY_MOVED,
		       c, NULL);
		return;
	}
	uint32_t rx_start, rx_end, tx_end;
	positions(c, f, &rx_start, &rx_end, &tx_end);
	memcpy(to->region.va + c->mv_rx_off, from->region.va + c->rx_off, (size_t)1 << c->rx_log2);
	memcpy(to->region.va + c->mv_tx_off, from->region.va + c->tx_off, (size_t)1 << c->tx_log2);
	/* The old owner lets go: its events for the flow are all in its ring. */
	if (!from->dying)
		sp_conn_notify(c, TOFFEE_APP_CLOSED, 0);
	sp_app_bufs_free(from, c);
	/* The socket stays shared: other processes may still hold it (the
	 * FIN waits for the last, as in Linux; a later exec'd image may
	 * IDENTIFY it). */
	c->released = c->orphan = false;
	sp_conn_move(c, to);
	c->rx_off = c->mv_rx_off;
	c->tx_off = c->mv_tx_off;
	c->mv_rx_head = rx_start;
	c->mv_tx_tail = tx_end;
	f->ctx_id = (uint16_t)to->ctx;
	f->rx_buf_iova = dev_iova(&to->region, (uint64_t)c->rx_off);
	f->tx_buf_iova = dev_iova(&to->region, (uint64_t)c->tx_off);
	f->rx_avail = (1u << c->rx_log2) - (rx_end - rx_start);
	f->tx_end = tx_end;
	c->snap = *f;
	c->key = 0;
	sp_handover_key(c);                /* a new key for the new owner's children */
	sp_cmd(sp, TOFFEE_CMD_INSTALL, c->flow_id, sp_image_iova(sp, c->flow_id), 0, SP_WHY_MOVED, c, NULL);
}

void sp_handover_installed(struct sp_conn *c, int status)
{
	struct sp *sp = c->sp;
	struct sp_app *to = c->mv_to;
	c->moving = false;
	c->mv_to = NULL;
	if (c->state == SP_DOOMED)
		return;                    /* its new owner hung up: being removed */
	if (status) {
		SP_ERR(sp, "re-INSTALL of flow %u failed: %d", c->flow_id, status);
		if (to && !to->dying)
			reply(to, c->mv_req, -EBADF, NULL);
		sp_close_reset(c, -ECONNRESET);
		return;
	}
	sp_ctl_start(c);
	if (!to)
		return;                    /* put back where it was */
	sp_count(sp, SP_CNT_HANDOVER_TAKEN);
	const struct toffee_flow *f = &c->snap;
	struct toffee_appmsg m;
	memset(&m, 0, sizeof(m));
	m.id = c->flow_id;
	sp_conn_app_flow(c, &m.flow);
	m.flow.rx_seq = c->mv_rx_head;
	m.flow.tx_seq = f->snd_una;
	m.arg = (1u << c->rx_log2) - f->rx_avail;
	m.arg2 = c->mv_tx_tail - f->snd_una;
	m.flags = (c->fin_rcvd ? TOFFEE_APPF_FIN : 0) | (c->share_fd >= 0 ? TOFFEE_APPF_SHARED : 0);
	reply(to, c->mv_req, 0, &m);
}

void sp_handover_app_gone(struct sp_app *a)
{
	/* Flows on their way to @p a stay with their owner (see removed). */
	struct sp *sp = a->sp;
	for (uint32_t id = 0; id < sp->nflows && a->incoming; id++) {
		struct sp_conn *c = sp->flows[id];
		if (c && c->moving && c->mv_to == a && c->app != a) {
			c->mv_to = NULL;
			a->incoming--;
		}
	}
}
