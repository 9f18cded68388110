/* SPDX-License-Identifier: MIT */
/* epoll over a mix of toffee sockets and kernel fds.
 *
 * Kernel fds live in the real epoll instance as usual. Toffee sockets live
 * in a side table of the instance (struct ts_ep, created when the first one
 * is added) with a ready list fed by socket state changes, as the kernel
 * does it: level-triggered items stay on the list while ready, edge-
 * triggered ones are reported once per change (the socket's rgen),
 * EPOLLONESHOT disables an item until EPOLL_CTL_MOD. The library adds its
 * own descriptors to the real instance (a wake eventfd, the context's
 * eventfd and control socket) with TS_EP_MAGIC data, and filters them out of
 * what epoll_wait returns, so a blocked epoll_wait wakes on toffee events. */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include "ts_internal.h"
#include "tf_sys.h"

enum { MAGIC_WAKE = 1, MAGIC_EV = 2, MAGIC_CTL = 3 };

static struct ts_ep *ep_get(int epfd)
{
	struct ts_obj *o = ts_fd_get(epfd);
	return o && o->kind == TS_EP ? (struct ts_ep *)o : NULL;
}

/* The context's eventfd is edge-triggered here: each NIC notification
 * (a write) reports it once, so it need not be read on every wake-up (a
 * system call per request on a blocking server). Level-triggered waits
 * (poll, the event API) read it when it fires. */
static int ep_add_magic(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN | (tag == MAGIC_EV ? EPOLLET : 0u),
				  .data.u64 = TS_EP_MAGIC | tag };
	return ts_real.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Side table for a real epoll instance (locked). */
static int ep_create(int epfd, struct ts_ep **out)
{
	struct ts_ep *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->o.kind = TS_EP;
	ep->o.nfd = 1;
	ep->o.gen = ts.gen;
	ep->epfd = epfd;
	ep->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int rc = ep->wake_fd < 0 ? -errno : ep_add_magic(epfd, ep->wake_fd, MAGIC_WAKE);
	if (rc == 0)
		rc = ts_fd_set(epfd, &ep->o);
	if (rc < 0) {                       /* e.g. epfd is not an epoll instance */
		if (ep->wake_fd >= 0)
			tf_sys_close(ep->wake_fd);
		free(ep);
		return rc;
	}
	ts_fd_mark_internal(ep->wake_fd);
	ep->next = ts.eps;
	ts.eps = ep;
	*out = ep;
	return 0;
}

void ts_ep_queue(struct ts_epitem *it)
{
	struct ts_ep *ep = it->ep;
	if (it->on_rdy)
		return;
	it->on_rdy = true;
	it->rnext = NULL;
	if (ep->rtail)
		ep->rtail->rnext = it;
	else
		ep->rhead = it;
	ep->rtail = it;
}

static void rdy_remove(struct ts_ep *ep, struct ts_epitem *it)
{
	if (!it->on_rdy)
		return;
	struct ts_epitem **pp = &ep->rhead, *prev = NULL;
	while (*pp && *pp != it) {
		prev = *pp;
		pp = &(*pp)->rnext;
	}
	if (*pp) {
		*pp = it->rnext;
		if (ep->rtail == it)
			ep->rtail = prev;
	}
	it->on_rdy = false;
}

/* Unlink an item from its epoll and its socket and free it. */
static void item_free(struct ts_epitem *it)
{
	struct ts_ep *ep = it->ep;
	rdy_remove(ep, it);
	for (struct ts_epitem **pp = &ep->items; *pp; pp = &(*pp)->enext)
		if (*pp == it) {
			*pp = it->enext;
			break;
		}
	for (struct ts_epitem **pp = &it->s->items; *pp; pp = &(*pp)->snext)
		if (*pp == it) {
			*pp = it->snext;
			break;
		}
	free(it);
}

static struct ts_epitem *item_find(struct ts_ep *ep, int fd)
{
	for (struct ts_epitem *it = ep->items; it; it = it->enext)
		if (it->fd == fd)
			return it;
	return NULL;
}

void ts_ep_forget_sock(struct ts_sock *s, int fd)
{
	struct ts_epitem *it = s->items, *next;
	for (; it; it = next) {
		next = it->snext;
		if (fd < 0 || it->fd == fd)
			item_free(it);
	}
}

void ts_ep_free(struct ts_ep *ep)
{
	while (ep->items)
		item_free(ep->items);
	for (struct ts_ep **pp = &ts.eps; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	if (ep->wake_fd >= 0) {
		ts_fd_unmark_internal(ep->wake_fd);
		tf_sys_close(ep->wake_fd);
	}
	free(ep);
}

void ts_ep_fork_child(void)
{
	for (struct ts_ep *ep = ts.eps; ep; ep = ep->next) {
		while (ep->items)
			item_free(ep->items);
		ep->o.gen = ts.gen;
		ep->ctx_added = NULL;
	}
}

int ts_op_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;                       /* a kernel fd: TS_PASS */
	if (epfd == fd) {
		rc = -EINVAL;
		goto out;
	}
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && !ev) {
		rc = -EFAULT;
		goto out;
	}
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLIN))
		ts_sock_wants_accept(s);
	struct ts_ep *ep = ep_get(epfd);
	if (!ep && (rc = ep_create(epfd, &ep)) < 0)
		goto out;
	struct ts_epitem *it = item_find(ep, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it) {
			rc = -EEXIST;
			break;
		}
		if (!(it = calloc(1, sizeof(*it)))) {
			rc = -ENOMEM;
			break;
		}
		it->ep = ep;
		it->s = s;
		it->fd = fd;
		it->events = ev->events;
		it->data = ev->data;
		it->last_gen = s->rgen - 1;
		it->enext = ep->items;
		ep->items = it;
		it->snext = s->items;
		s->items = it;
		ts_ep_queue(it);
		break;
	case EPOLL_CTL_MOD:
		if (!it) {
			rc = -ENOENT;
			break;
		}
		it->events = ev->events;
		it->data = ev->data;
		it->disabled = false;
		it->last_gen = s->rgen - 1;
		ts_ep_queue(it);
		break;
	case EPOLL_CTL_DEL:
		if (!it) {
			rc = -ENOENT;
			break;
		}
		item_free(it);
		break;
	default:
		rc = -EINVAL;
		break;
	}
out:
	ts_unlock();
	return rc;
}

int ts_ep_collect(struct ts_ep *ep, struct epoll_event *evs, int max)
{
	int n = 0;
	/* Visit each queued item at most once: level-triggered ones that are
	 * still ready go back to the tail. */
	struct ts_epitem *last = ep->rtail;
	while (n < max && ep->rhead) {
		struct ts_epitem *it = ep->rhead;
		ep->rhead = it->rnext;
		if (!ep->rhead)
			ep->rtail = NULL;
		it->on_rdy = false;
		bool was_last = it == last;
		uint32_t m = (uint32_t)(uint16_t)ts_sock_poll(it->s);
		m &= it->events | EPOLLERR | EPOLLHUP;
		if (m && !it->disabled && !((it->events & EPOLLET) && it->last_gen == it->s->rgen)) {
			it->last_gen = it->s->rgen;
			evs[n].events = m;
			evs[n].data = it->data;
			n++;
			if (it->events & EPOLLONESHOT)
				it->disabled = true;
			else if (!(it->events & EPOLLET))
				ts_ep_queue(it);
		}
		if (was_last)
			break;
	}
	return n;
}

/* Drop the library's own events from @p evs; *saw gets a bit (1 <<
 * MAGIC_*) for each kind that fired. @return events kept. */
static int filter_magic(struct ts_ep *ep, struct epoll_event *evs, int n, unsigned *saw)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		uint64_t d = evs[i].data.u64;
		if ((d & TS_EP_MAGIC_MASK) != TS_EP_MAGIC) {
			evs[k++] = evs[i];
			continue;
		}
		*saw |= 1u << (d & 0xf);
		if ((d & 0xf) == MAGIC_WAKE && ep) {
			uint64_t v;
			tf_sys_read(ep->wake_fd, &v, sizeof(v));
		}
	}
	return k;
}

static void ep_sync_ctx(struct ts_ep *ep)
{
	struct toffee_ctx *ctx = ts.ctx;
	if (ep->ctx_added && (!ctx || ctx->dead || ep->ctx_added != ctx)) {
		/* toffeed hung up (its socket would read as ready forever) or
		 * the context changed (fork): take the old descriptors out. */
		int evfd, ctlfd;
		if (ctx == ep->ctx_added) {     /* (an old context may be freed) */
			toffee_ctx_fds(ctx, &evfd, &ctlfd);
			ts_real.epoll_ctl(ep->epfd, EPOLL_CTL_DEL, evfd, NULL);
			ts_real.epoll_ctl(ep->epfd, EPOLL_CTL_DEL, ctlfd, NULL);
		}
		ep->ctx_added = NULL;
	}
	if (!ctx || ctx->dead || ep->ctx_added == ctx)
		return;
	int evfd, ctlfd;
	toffee_ctx_fds(ctx, &evfd, &ctlfd);
	ep_add_magic(ep->epfd, evfd, MAGIC_EV);
	ep_add_magic(ep->epfd, ctlfd, MAGIC_CTL);
	ep->ctx_added = ctx;
}

/* After our descriptors fired: the control socket is read only when it
 * did (a system call), the event ring in memory always. */
static void pump_seen(unsigned saw)
{
	if (saw & 1u << MAGIC_CTL)
		ts_pump();
	else if (saw)
		ts_pump_fast();
}

int ts_op_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms,
		     const sigset_t *sigmask)
{
	if (max <= 0 || !evs)
		return -EINVAL;
	ts_lock();
	struct ts_ep *ep = ep_get(epfd);
	if (!ep) {
		ts_unlock();
		return TS_PASS;
	}
	uint64_t deadline = ts_deadline(timeout_ms);
	int rc;
	for (;;) {
		ep_sync_ctx(ep);
		ts_pump_fast();
		int n = ts_ep_collect(ep, evs, max);
		if (n > 0 || timeout_ms == 0) {
			int m = 0;
			/* While toffee sockets keep it busy, the kernel fds (and the
			 * control socket) are looked at every 100 us, not every call:
			 * it saves a system call per event-loop iteration. */
			uint64_t now = tf_now_ns();
			if (n < max && (n == 0 || now - ep->last_kcheck >= 100000ull)) {
				ep->last_kcheck = now;
				ts_unlock();
				m = ts_real.epoll_wait(epfd, evs + n, max - n, 0);
				int e = errno;
				ts_lock();
				if (m < 0) {
					rc = n ? n : -e;
					break;
				}
				unsigned saw = 0;
				ep = ep_get(epfd);
				m = filter_magic(ep, evs + n, m, &saw);
				/* Not collected again now: level-triggered items
				 * reported above would be reported twice. */
				pump_seen(saw);
			}
			rc = n + m;
			break;
		}
		int left = ts_ms_left(deadline);
		if (left == 0) {
			rc = 0;
			break;
		}
		/* Register before spinning (see ts_block). */
		struct ts_waiter w = { .wake_fd = ep->wake_fd };
		ts_waiter_add(&w);
		if (ts_spin()) {
			ts_waiter_del(&w);
			ts_pump();
			if (!(ep = ep_get(epfd))) {
				rc = 0;
				break;
			}
			continue;
		}
		if (ts_arm()) {
			ts_waiter_del(&w);
			continue;
		}
		if (ts.ctx && ts.ctx->chead && (left < 0 || left > 1))
			left = 1;                   /* deferred commands: retry soon */
		if (ts.ctx && (left < 0 || left > (int)ts.ctx->slice_ms))
			left = (int)ts.ctx->slice_ms;   /* TF_WAIT_SLICE_MS */
		ts_unlock();
		uint64_t t0 = tf_now_ns();
		int m = sigmask ? ts_real.epoll_pwait(epfd, evs, max, left, sigmask)
				: ts_real.epoll_wait(epfd, evs, max, left);
		int e = errno;
		ts_lock();
		ts_waiter_del(&w);
		ts_slept(tf_now_ns() - t0, m > 0);
		if (m < 0) {
			rc = -e;
			break;
		}
		unsigned saw = 0;
		ep = ep_get(epfd);
		m = filter_magic(ep, evs, m, &saw);
		pump_seen(saw);
		if (ep && (saw & 1u << MAGIC_CTL))
			ep_sync_ctx(ep);                /* a hang-up just seen */
		if (!ep) {
			rc = m;
			break;
		}
		if (m < max)
			m += ts_ep_collect(ep, evs + m, max - m);
		if (m > 0) {
			rc = m;
			break;
		}
	}
	ts_unlock();
	return rc;
}
