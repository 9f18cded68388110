/* SPDX-License-Identifier: MIT */
/* Socket life cycle: socket, bind, listen, accept, connect, shutdown,
 * close; falling back to the kernel socket that backs every toffee socket
 * (loopback addresses, IPv6 addresses, toffeed not reachable).
 *
 * AF_INET6 sockets are toffee sockets too (dual-stack servers and
 * clients: iperf3, Java, Node.js bind to :: by default): toffee carries
 * their IPv4 traffic, which they see as IPv4-mapped addresses
 * (::ffff:a.b.c.d), as the kernel shows it. Binding or connecting to a
 * real IPv6 address, or IPV6_V6ONLY, hands the socket to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ts_internal.h"
#include "tf_sys.h"

bool ts_want(int domain, int type, int protocol)
{
	return !ts.disabled && (domain == AF_INET || (domain == AF_INET6 && !ts.no_inet6)) &&
	       (type & 0xf) == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
}

void ts_addr_from(struct sockaddr_in *sa, const struct toffee_addr *a)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(a->ip);
	sa->sin_port = htons(a->port);
}

static struct toffee_addr addr_to(const struct sockaddr_in *sa)
{
	return (struct toffee_addr){ ntohl(sa->sin_addr.s_addr), ntohs(sa->sin_port) };
}

/* @p sa as socket @p s shows it: itself, or for an AF_INET6 socket the
 * IPv4-mapped address (:: for the IPv4 wildcard). @return its length. */
static socklen_t addr_export(const struct ts_sock *s, const struct sockaddr_in *sa, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (!s->v6) {
		memcpy(out, sa, sizeof(*sa));
		return sizeof(*sa);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = sa->sin_port;
	if (sa->sin_addr.s_addr) {
		s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &sa->sin_addr.s_addr, 4);
	}
	return sizeof(*s6);
}

void ts_addr_out(const struct ts_sock *s, const struct sockaddr_in *sa, struct sockaddr *out, socklen_t *len)
{
	if (!out || !len)
		return;
	struct sockaddr_storage st;
	socklen_t full = addr_export(s, sa, &st);
	memcpy(out, &st, *len < full ? *len : full);
	*len = full;
}

/* What bind() or connect() was given, as an IPv4 address for toffee.
 * @return 0 (in @p out), 1 if toffee cannot carry it (an IPv6 address, the
 * IPv6 wildcard when @p connecting: the kernel's loopback), or -errno. */
static int addr_import(const struct ts_sock *s, const struct sockaddr *a, socklen_t len, bool connecting,
		       struct sockaddr_in *out)
{
	if (!s->v6) {
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		if (a->sa_family != AF_INET)
			return -EAFNOSUPPORT;
		memcpy(out, a, sizeof(*out));
		return 0;
	}
	if (len < 24)                         /* SIN6_LEN_RFC2133, as Linux checks */
		return -EINVAL;
	if (a->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	struct sockaddr_in6 s6;
	memset(&s6, 0, sizeof(s6));
	memcpy(&s6, a, len < sizeof(s6) ? len : sizeof(s6));
	const uint8_t *b = s6.sin6_addr.s6_addr;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = s6.sin6_port;
	if (memcmp(b, mapped, 12) == 0) {
		memcpy(&out->sin_addr.s_addr, b + 12, 4);
		return 0;
	}
	return IN6_IS_ADDR_UNSPECIFIED(&s6.sin6_addr) && !connecting ? 0 : 1;
}

static bool is_loopback(const struct sockaddr_in *sa)
{
	return (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
}

static struct ts_sock *sock_new(void)
{
	struct ts_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->o.kind = TS_SOCK;
	s->o.gen = ts.gen;
	s->local.sin_family = AF_INET;
	s->peer.sin_family = AF_INET;
	s->share_a = -1;
	return s;
}

static void sock_free_if_done(struct ts_sock *s)
{
	if (s->closed && !s->hold && !s->o.nfd)
		free(s);
}

void ts_sock_hold(struct ts_sock *s)
{
	s->hold++;
}

void ts_sock_unhold(struct ts_sock *s)
{
	s->hold--;
	sock_free_if_done(s);
}

/* A connection inherited across fork() that this process uses: toffeed
 * moves the flow to our context (host/slowpath/handover.c). One attempt.
 * @return 0 or -EBADF. */
static int conn_takeover(struct ts_sock *s)
{
	if (!s->inh.key || ts_ctx_ensure() < 0)
		return -EBADF;
	struct toffee_conn *c;
	int rc = tf_flow_takeover(ts.ctx, &s->inh, -1, s, &c);
	s->inh.key = 0;
	if (rc < 0) {
		TF_TRACE("toffee[%d]: inherited flow %u: %d", (int)getpid(), s->inh.id, rc);
		return -EBADF;
	}
	s->conn = c;
	s->shared = rc == 1;
	s->o.gen = ts.gen;
	ts_sock_changed(s);
	return 0;
}

/* A listening socket inherited across fork() that this process uses: join
 * its listener from our own context (host/slowpath/listen.c); a connection
 * is taken over. Other inherited sockets stay dead. @return 0 or -EBADF. */
static int sock_inherit(struct ts_sock *s)
{
	if (s->mode == TS_CONNECTED)
		return conn_takeover(s);
	if (s->mode != TS_LISTEN || !s->lst_key || ts_ctx_ensure() < 0)
		return -EBADF;
	struct toffee_addr la = addr_to(&s->local);
	struct toffee_listener *l;
	int rc = tf_listen_inherit(ts.ctx, &la, s->lst_key, s, &l);
	if (rc < 0) {
		TF_TRACE("toffee[%d]: inherited listener on port %u: %d", (int)getpid(), la.port, rc);
		s->lst_key = 0;             /* dead for good: no second request */
		return -EBADF;
	}
	s->lst = l;
	s->o.gen = ts.gen;
	ts_sock_changed(s);
	return 0;
}

bool ts_sock_live(struct ts_sock *s)
{
	return !s->closed && (s->o.gen == ts.gen || sock_inherit(s) == 0);
}

void ts_sock_wants_accept(struct ts_sock *s)
{
	if (s && s->mode == TS_LISTEN && ts_sock_live(s) && s->lst)
		tf_listener_accepting(s->lst);
}

struct ts_sock *ts_sock_get_locked(int fd, int *err)
{
	struct ts_obj *o = ts_fd_get(fd);
	if (!o || o->kind != TS_SOCK) {
		*err = TS_PASS;             /* closed meanwhile: the fd is the kernel's */
		return NULL;
	}
	struct ts_sock *s = (struct ts_sock *)o;
	if (!ts_sock_live(s)) {
		*err = -EBADF;
		return NULL;
	}
	return s;
}

struct ts_sock *ts_sock_peek_locked(int fd, int *err)
{
	struct ts_obj *o = ts_fd_get(fd);
	if (!o || o->kind != TS_SOCK) {
		*err = TS_PASS;
		return NULL;
	}
	struct ts_sock *s = (struct ts_sock *)o;
	if (s->closed) {
		*err = -EBADF;
		return NULL;
	}
	return s;
}

int ts_sock_take_error(struct ts_sock *s)
{
	int e = s->so_error;
	s->so_error = 0;
	return e;
}

int ts_op_socket(int domain, int type, int protocol)
{
	int fd = ts_real.socket(domain, type, protocol);
	if (fd < 0)
		return -errno;
	struct ts_sock *s = sock_new();
	if (!s)
		return fd;                  /* no memory: a plain kernel socket */
	s->nonblock = (type & SOCK_NONBLOCK) != 0;
	s->v6 = domain == AF_INET6;
	s->o.nfd = 1;
	ts_lock();
	if (ts_fd_set(fd, &s->o) < 0) {
		free(s);
		s = NULL;
	}
	ts_unlock();
	return fd;
}

/* Toffee is not for this socket: forget it, the kernel socket takes over.
 * Replays bind() and moves epoll registrations to the real epoll sets. */
int ts_sock_to_kernel(int fd, struct ts_sock *s)
{
	int fds[64];
	int n = ts_fd_find(&s->o, fds, 64);
	for (int i = 0; i < n; i++)
		ts_fd_clear(fds[i]);
	int rc = 0;
	while (s->items) {
		struct ts_epitem *it = s->items;
		struct epoll_event ev = { .events = it->events, .data = it->data };
		int efd = it->ep->epfd;
		int ifd = it->fd;
		ts_ep_forget_sock(s, ifd);
		ts_real.epoll_ctl(efd, EPOLL_CTL_ADD, ifd, &ev);
	}
	struct sockaddr_storage st;
	socklen_t sl = addr_export(s, &s->local, &st);
	if (s->bound && ts_real.bind(fd, (struct sockaddr *)&st, sl) < 0)
		rc = -errno;
	s->o.nfd = 0;
	s->closed = true;
	sock_free_if_done(s);
	return rc < 0 ? rc : TS_PASS;
}

/* The kernel socket behind a toffee socket is never used again: keep it out
 * of exec'd images. */
static void real_cloexec(int fd)
{
	int fl = tf_sys_fcntl(fd, F_GETFD, 0);
	if (fl >= 0 && !(fl & FD_CLOEXEC))
		tf_sys_fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

int ts_op_bind(int fd, const struct sockaddr *a, socklen_t len)
{
	if (!a)
		return -EINVAL;
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	struct sockaddr_in v4;
	const struct sockaddr_in *sin = &v4;
	int kind = addr_import(s, a, len, false, &v4);
	if (kind < 0) {
		rc = kind;
	} else if (s->mode != TS_NEW || s->bound) {
		rc = -EINVAL;
	} else if (kind || is_loopback(sin)) {
		s->bound = false;
		rc = ts_sock_to_kernel(fd, s);     /* TS_PASS: libc binds */
	} else {
		s->local = *sin;
		s->bound = true;
	}
out:
	ts_unlock();
	return rc;
}

int ts_op_listen(int fd, int backlog)
{
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	if (s->mode == TS_LISTEN) {
		s->backlog = backlog;
		goto out;
	}
	if (s->mode != TS_NEW) {
		rc = -EINVAL;
		goto out;
	}
	rc = ts_ctx_ensure();
	if (rc < 0) {
		rc = ts.fallback ? ts_sock_to_kernel(fd, s) : -ENETDOWN;
		goto out;
	}
	struct toffee_addr la = s->bound ? addr_to(&s->local) : (struct toffee_addr){ 0, 0 };
	unsigned fl = (s->reuseport ? TOFFEE_F_REUSEPORT : 0) | (s->nodelay ? TOFFEE_F_NODELAY : 0);
	rc = toffee_listen(ts.ctx, &la, backlog, fl, s, &s->lst);
	if (rc == -EADDRNOTAVAIL && la.ip && ts.fallback) {
		rc = ts_sock_to_kernel(fd, s);      /* an address of another interface */
		goto out;
	}
	if (rc < 0)
		goto out;
	s->mode = TS_LISTEN;
	s->backlog = backlog;
	s->lst_key = s->lst->key;
	toffee_listener_addr(s->lst, &la);
	ts_addr_from(&s->local, &la);
	s->bound = true;
	real_cloexec(fd);
	ts_sock_changed(s);
out:
	ts_unlock();
	return rc;
}

static void conn_addrs(struct ts_sock *s)
{
	struct toffee_conn_info i;
	toffee_conn_info(s->conn, &i);
	if (i.local.ip || i.local.port)
		ts_addr_from(&s->local, &i.local);
	if (i.remote.ip || i.remote.port)
		ts_addr_from(&s->peer, &i.remote);
}

int ts_sock_adopt(const int *fds, unsigned n, struct toffee_conn *c, bool shared, bool v6)
{
	struct ts_sock *s = sock_new();
	if (!s)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (ts_fd_set(fds[i], &s->o) < 0) {
			while (i--)
				ts_fd_clear(fds[i]);
			free(s);
			return -ENOMEM;
		}
	}
	s->o.nfd = n;
	s->mode = TS_CONNECTED;
	s->conn = c;
	s->shared = shared;
	s->v6 = v6;
	s->bound = true;
	toffee_conn_set_user(c, s);
	conn_addrs(s);
	return 0;
}

int ts_op_accept(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	if (s->mode != TS_LISTEN) {
		rc = -EINVAL;
		goto out;
	}
	tf_listener_accepting(s->lst);
	ts_sock_hold(s);
	uint64_t deadline = ts_deadline(s->rcvtimeo_ms ? s->rcvtimeo_ms : -1);
	for (;;) {
		ts_pump_auto();
		if (s->closed || s->mode != TS_LISTEN) {
			rc = s->closed ? -EBADF : -EINVAL;
			break;
		}
		if (toffee_accept_pending(s->lst)) {
			struct ts_sock *ns = sock_new();
			int nfd = ns ? tf_sys_socket(s->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
			if (nfd < 0 || ts_fd_set(nfd, &ns->o) < 0) {
				rc = ns ? (nfd < 0 ? -errno : -ENOMEM) : -ENOMEM;
				if (nfd >= 0)
					tf_sys_close(nfd);
				free(ns);
				break;
			}
			struct toffee_conn *c;
			toffee_accept(s->lst, &c);
			ns->o.nfd = 1;
			ns->mode = TS_CONNECTED;
			ns->conn = c;
			ns->nonblock = (flags & SOCK_NONBLOCK) != 0;
			ns->v6 = s->v6;
			ns->nodelay = s->nodelay;
			ns->keepalive = s->keepalive;
			ns->ka_idle = s->ka_idle;
			ns->ka_intvl = s->ka_intvl;
			ns->ka_cnt = s->ka_cnt;
			ns->rcvbuf = s->rcvbuf;
			ns->sndbuf = s->sndbuf;
			ns->linger_on = s->linger_on;
			ns->linger_sec = s->linger_sec;
			ns->bound = true;
			toffee_conn_set_user(c, ns);
			conn_addrs(ns);
			if (ns->keepalive)
				ts_sock_keepalive(ns);   /* inherited from the listener, as in Linux */
			ts_addr_out(ns, &ns->peer, a, len);
			rc = nfd;
			break;
		}
		if (s->nonblock) {
			rc = -EAGAIN;
			break;
		}
		int left = ts_ms_left(deadline);
		if (left == 0) {
			rc = -EAGAIN;
			break;
		}
		int r = ts_block(NULL, 0, left, NULL);
		if (r == -EINTR) {
			rc = -EINTR;
			break;
		}
	}
	ts_sock_unhold(s);
out:
	ts_unlock();
	return rc;
}

void ts_sock_keepalive(struct ts_sock *s)
{
	if (s->mode == TS_CONNECTED && s->conn && s->o.gen == ts.gen)
		toffee_conn_keepalive(s->conn, s->keepalive, (unsigned)s->ka_idle, (unsigned)s->ka_intvl,
				      (unsigned)s->ka_cnt);
}

/* Wait (locked) until a connect finishes. @return 0 or -errno. */
static int connect_wait(struct ts_sock *s)
{
	int rc = 0;
	ts_sock_hold(s);
	uint64_t deadline = ts_deadline(s->sndtimeo_ms ? s->sndtimeo_ms : -1);
	for (;;) {
		ts_pump_auto();
		if (s->closed) {
			rc = -EBADF;
			break;
		}
		if (s->mode != TS_CONNECTING)
			break;
		int left = ts_ms_left(deadline);
		if (left == 0) {
			rc = -EINPROGRESS;
			break;
		}
		if (ts_block(NULL, 0, left, NULL) == -EINTR) {
			rc = -EINTR;
			break;
		}
	}
	if (!rc && s->mode != TS_CONNECTED) {
		int e = ts_sock_take_error(s);
		rc = -(e ? e : ECONNREFUSED);
	}
	ts_sock_unhold(s);
	return rc;
}

int ts_op_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	if (!a || len < sizeof(sa_family_t))
		return -EINVAL;
	if (a->sa_family == AF_UNSPEC)
		return -EOPNOTSUPP;
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	struct sockaddr_in v4;
	const struct sockaddr_in *sin = &v4;
	int kind = addr_import(s, a, len, true, &v4);
	if (kind < 0) {
		rc = kind;
		goto out;
	}
	switch (s->mode) {
	case TS_LISTEN:
		rc = -EINVAL;
		goto out;
	case TS_CONNECTED:
		rc = -EISCONN;
		goto out;
	case TS_CONNECTING:
		rc = s->nonblock ? -EALREADY : connect_wait(s);
		goto out;
	default:
		break;
	}
	if (kind || is_loopback(sin)) {
		rc = ts_sock_to_kernel(fd, s);
		goto out;
	}
	rc = ts_ctx_ensure();
	if (rc < 0) {
		rc = ts.fallback ? ts_sock_to_kernel(fd, s) : -ENETUNREACH;
		goto out;
	}
	struct toffee_addr ra = addr_to(sin), la = addr_to(&s->local);
	s->so_error = 0;
	rc = toffee_connect(ts.ctx, &ra, s->bound ? &la : NULL, s->nodelay ? TOFFEE_F_NODELAY : 0,
			    s, &s->conn);
	if (rc < 0) {
		rc = rc == -ENOTCONN ? -ENETDOWN : rc;
		goto out;
	}
	s->mode = TS_CONNECTING;
	s->peer = *sin;
	real_cloexec(fd);
	ts_sock_changed(s);
	rc = s->nonblock ? -EINPROGRESS : connect_wait(s);
out:
	ts_unlock();
	return rc;
}

void ts_sock_on_event(struct ts_sock *s, const struct toffee_event *e)
{
	if (s->closed || s->o.gen != ts.gen)
		return;
	if (e->conn && e->conn == s->conn) {
		if ((e->events & TOFFEE_EV_CONNECTED) && s->mode == TS_CONNECTING) {
			s->mode = TS_CONNECTED;
			conn_addrs(s);
			if (s->keepalive)
				ts_sock_keepalive(s);    /* set before connect() */
		}
		if (e->events & TOFFEE_EV_ERROR) {
			s->so_error = e->status < 0 ? -e->status : ECONNRESET;
			if (s->mode == TS_CONNECTING) {
				toffee_close(s->conn);   /* frees the failed flow */
				s->conn = NULL;
				s->mode = TS_NEW;
			}
		}
	}
	ts_sock_changed(s);
}

int ts_op_shutdown(int fd, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	if (s->mode == TS_LISTEN) {
		if (how != SHUT_WR) {       /* stop listening, as Linux does */
			toffee_listener_close(s->lst);
			s->lst = NULL;
			s->mode = TS_NEW;
			ts_sock_changed(s);
		}
		goto out;
	}
	if (s->mode != TS_CONNECTED || !s->conn) {
		rc = -ENOTCONN;
		goto out;
	}
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD && !s->shut_wr) {
		int r = toffee_shutdown(s->conn);
		s->shut_wr = true;
		if (r == -ECONNRESET || r == -ETIMEDOUT || r == -ENOTCONN)
			rc = -ENOTCONN;
	}
	ts_sock_changed(s);
out:
	ts_unlock();
	return rc;
}

/* SO_LINGER with a time: the close waits until what was sent is
 * acknowledged, at most that long (as Linux: also on a non-blocking socket,
 * not at exit; then the close goes on as usual). */
static void linger_wait(struct ts_sock *s)
{
	uint64_t deadline = tf_now_ns() + (uint64_t)s->linger_sec * 1000000000ull;
	for (;;) {
		struct toffee_conn_info i;
		ts_pump();
		toffee_conn_info(s->conn, &i);
		int left = ts_ms_left(deadline);
		if (!i.tx_unacked || i.state != TOFFEE_CONN_OPEN || left == 0)
			return;
		ts_block(NULL, 0, left > 10 ? 10 : left, NULL);
	}
}

/* Last fd of a socket closed. */
static void sock_release(struct ts_sock *s)
{
	if (s->o.gen == ts.gen && !s->closed) {
		if (s->conn && s->shared && tf_flow_can_release(s->conn) && tf_flow_release(s->conn) == 0)
			s->conn = NULL;         /* toffeed closes it when nobody holds it */
		if (s->conn) {
			if (s->linger_on && s->linger_sec > 0 && !ts.exiting && s->mode == TS_CONNECTED)
				linger_wait(s);
			if (s->linger_on && s->linger_sec == 0)
				toffee_abort(s->conn);
			else
				toffee_close(s->conn);
			s->conn = NULL;
		}
		if (s->lst) {
			toffee_listener_close(s->lst);
			s->lst = NULL;
		}
	}
	s->closed = true;
	ts_ep_forget_sock(s, -1);
	sock_free_if_done(s);
}

void ts_fd_drop(int fd)
{
	struct ts_obj *o = ts_fd_get(fd);
	if (!o)
		return;
	ts_fd_clear(fd);
	if (o->kind == TS_SOCK) {
		struct ts_sock *s = (struct ts_sock *)o;
		ts_ep_forget_sock(s, fd);
		if (o->nfd && --o->nfd == 0)
			sock_release(s);
	} else if (o->kind == TS_EP) {
		if (o->nfd && --o->nfd == 0)
			ts_ep_free((struct ts_ep *)o);
	}
}

int ts_op_close(int fd)
{
	if (ts_in_vfork_child())
		return TS_PASS;                 /* its fd table is its own, our memory is not */
	ts_lock();
	struct ts_obj *o = ts_fd_get(fd);
	if (!o) {
		ts_unlock();
		return TS_PASS;
	}
	if (o->kind == TS_INTERNAL) {
		ts_unlock();
		return 0;                   /* the library's own fd: keep it */
	}
	ts_pump_fast();                     /* know about unread data (RST) */
	ts_fd_drop(fd);
	int rc = ts_real.close(fd) < 0 ? -errno : 0;
	ts_unlock();
	return rc;
}
