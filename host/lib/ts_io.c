/* SPDX-License-Identifier: MIT */
/* Data: every receive call (read, readv, recv, recvfrom, recvmsg) and every
 * send call (write, writev, send, sendto, sendmsg) funnels into one
 * function each; sendfile reads the file straight into the send buffer.
 * Bytes are copied between the application's iovec and the connection's
 * circular buffers in place (toffee_rx_peek / toffee_tx_reserve). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include "ts_internal.h"

/* Wait for news (locked); @return 0, -EAGAIN on timeout, -EINTR. */
static int io_wait(uint64_t deadline)
{
	int left = ts_ms_left(deadline);
	if (left == 0)
		return -EAGAIN;
	int r = ts_block(NULL, 0, left, NULL);
	return r < 0 ? r : 0;
}

/* The start of every receive/send loop turn, before data moves: 0 when
 * connected, 1 after waiting for a connection still being set up (go
 * round again), or a negative errno to return. */
static int io_step(struct ts_sock *s, bool nb, uint64_t deadline)
{
	ts_pump_fast();
	if (s->closed)
		return -EBADF;
	if (s->mode == TS_CONNECTING) {
		if (nb)
			return -EAGAIN;
		int rc = io_wait(deadline);
		return rc < 0 ? rc : 1;
	}
	if (s->mode != TS_CONNECTED || !s->conn) {
		int e = ts_sock_take_error(s);
		return e ? -e : -ENOTCONN;
	}
	return 0;
}

/* After a reset: the error once, then end of file (reads) or EPIPE. */
static int reset_error(struct ts_sock *s)
{
	int e = ts_sock_take_error(s);
	if (!s->err_reported) {
		s->err_reported = true;
		if (!e) {
			struct toffee_conn_info i;
			toffee_conn_info(s->conn, &i);
			e = i.error < 0 ? -i.error : ECONNRESET;
		}
	}
	return e;
}

/* The start of a receive or a send: the iovec's length (at most SSIZE_MAX),
 * then the socket, locked and held. 0, or a negative errno (unlocked). */
static int io_begin(int fd, const struct iovec *iov, int iovcnt, size_t *want, struct ts_sock **sp)
{
	if (iovcnt < 0)
		return -EINVAL;
	*want = tf_iov_len(iov, iovcnt);
	if (*want > SSIZE_MAX)
		return -EINVAL;
	ts_lock();
	int err = 0;
	struct ts_sock *s = ts_sock_get_locked(fd, &err);
	if (!s) {
		ts_unlock();
		return err;
	}
	ts_sock_hold(s);
	*sp = s;
	return 0;
}

ssize_t ts_op_recv(int fd, const struct iovec *iov, int iovcnt, int flags,
		   struct sockaddr *from, socklen_t *fromlen)
{
	if (flags & MSG_OOB)
		return -EINVAL;                 /* no urgent data, ever */
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	size_t want;
	struct ts_sock *s = NULL;
	int err = io_begin(fd, iov, iovcnt, &want, &s);
	if (err)
		return err;
	if (from && fromlen)
		*fromlen = 0;                   /* TCP reports no source address */
	ssize_t rc = 0;
	size_t done = 0;
	bool nb = s->nonblock || (flags & MSG_DONTWAIT);
	uint64_t deadline = ts_deadline(s->rcvtimeo_ms ? s->rcvtimeo_ms : -1);
	for (;;) {
		int st = io_step(s, nb, deadline);
		if (st < 0) {
			rc = st;
			break;
		}
		if (st > 0)
			continue;
		if (want == 0)
			break;
		void *p1, *p2;
		size_t l1, l2;
		ssize_t avail = toffee_rx_peek(s->conn, &p1, &l1, &p2, &l2);
		if (avail > 0) {
			struct iovec seg[2] = { { p1, l1 }, { p2, l2 } };
			size_t n = want - done < (size_t)avail ? want - done : (size_t)avail;
			if (!(flags & MSG_TRUNC))
				n = tf_iov_copy(iov, iovcnt, done, seg, 2, 0, n);
			if (!(flags & MSG_PEEK))
				toffee_rx_consume(s->conn, n);
			done += n;
			if (done == want || !(flags & MSG_WAITALL) || (flags & MSG_PEEK))
				break;
			continue;
		}
		if (done && !(flags & MSG_WAITALL))
			break;
		struct toffee_conn_info i;
		toffee_conn_info(s->conn, &i);
		if (i.state == TOFFEE_CONN_RESET) {
			int e = reset_error(s);
			rc = e ? -e : 0;
			break;
		}
		if (i.fin_rx || s->shut_rd)
			break;                  /* end of file */
		if (nb) {
			rc = -EAGAIN;
			break;
		}
		if ((rc = io_wait(deadline)) < 0)
			break;
	}
	ts_sock_unhold(s);
	ts_unlock();
	return done ? (ssize_t)done : rc;
}

ssize_t ts_op_send(int fd, const struct iovec *iov, int iovcnt, int flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	size_t want;
	struct ts_sock *s = NULL;
	int err = io_begin(fd, iov, iovcnt, &want, &s);
	if (err)
		return err;
	ssize_t rc = 0;
	size_t done = 0;
	bool nb = s->nonblock || (flags & MSG_DONTWAIT);
	uint64_t deadline = ts_deadline(s->sndtimeo_ms ? s->sndtimeo_ms : -1);
	for (;;) {
		int st = io_step(s, nb, deadline);
		if (st < 0) {
			rc = st;
			break;
		}
		if (st > 0)
			continue;
		if (s->shut_wr) {
			rc = -EPIPE;
			break;
		}
		void *p1, *p2;
		size_t l1, l2;
		ssize_t space = toffee_tx_reserve(s->conn, &p1, &l1, &p2, &l2);
		if (space < 0) {
			int e = reset_error(s);
			rc = e ? -e : -EPIPE;
			break;
		}
		if (done == want)
			break;
		if (space > 0) {
			struct iovec seg[2] = { { p1, l1 }, { p2, l2 } };
			size_t n = want - done < (size_t)space ? want - done : (size_t)space;
			n = tf_iov_copy(seg, 2, 0, iov, iovcnt, done, n);
			toffee_tx_commit(s->conn, n);
			done += n;
			if (done == want)
				break;
			continue;
		}
		if (nb) {
			rc = -EAGAIN;
			break;
		}
		if ((rc = io_wait(deadline)) < 0)
			break;
	}
	ts_sock_unhold(s);
	ts_unlock();
	if (done)
		return (ssize_t)done;
	if (rc == -EPIPE && !(flags & MSG_NOSIGNAL))
		pthread_kill(pthread_self(), SIGPIPE);
	return rc;
}

ssize_t ts_op_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	if (ts_sock_of(in_fd))
		return -EINVAL;                 /* Linux cannot sendfile from a socket either */
	if (offset && *offset < 0)
		return -EINVAL;
	ssize_t rc = 0;
	size_t done = 0;
	ts_lock();
	int err = 0;
	struct ts_sock *s = ts_sock_get_locked(out_fd, &err);
	if (!s) {
		ts_unlock();
		return err;
	}
	ts_sock_hold(s);
	uint64_t deadline = ts_deadline(s->sndtimeo_ms ? s->sndtimeo_ms : -1);
	while (done < count) {
		ts_pump_fast();
		if (s->closed) {
			rc = -EBADF;
			break;
		}
		if (s->mode != TS_CONNECTED || !s->conn) {
			rc = -ENOTCONN;
			break;
		}
		if (s->shut_wr) {
			rc = -EPIPE;
			break;
		}
		void *p1, *p2;
		size_t l1, l2;
		ssize_t space = toffee_tx_reserve(s->conn, &p1, &l1, &p2, &l2);
		if (space < 0) {
			int e = reset_error(s);
			rc = e ? -e : -EPIPE;
			break;
		}
		if (space == 0) {
			if (s->nonblock) {
				rc = -EAGAIN;
				break;
			}
			if ((rc = io_wait(deadline)) < 0)
				break;
			continue;
		}
		size_t n = count - done < (size_t)space ? count - done : (size_t)space;
		struct iovec seg[2] = { { p1, l1 < n ? l1 : n }, { p2, 0 } };
		if (n > l1)
			seg[1].iov_len = n - l1;
		ssize_t r = offset ? ts_real.preadv(in_fd, seg, 2, *offset + (off_t)done)
				   : ts_real.readv(in_fd, seg, 2);
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;                      /* end of the file */
		toffee_tx_commit(s->conn, (size_t)r);
		done += (size_t)r;
	}
	ts_sock_unhold(s);
	ts_unlock();
	if (offset)
		*offset += (off_t)done;
	if (done)
		return (ssize_t)done;
	if (rc == -EPIPE)
		pthread_kill(pthread_self(), SIGPIPE);
	return rc;
}
