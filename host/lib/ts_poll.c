/* SPDX-License-Identifier: MIT */
/* poll/ppoll/select/pselect over a mix of toffee sockets and kernel fds.
 * Toffee sockets are answered from library state; kernel fds go to the
 * real ppoll, which also sleeps on the context's eventfd, its control
 * socket and the thread's wake eventfd when nothing is ready yet. Calls
 * that name no toffee socket never get here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ts_internal.h"

bool ts_poll_has_toffee(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (ts_sock_of(fds[i].fd))
			return true;
	return false;
}

bool ts_select_has_toffee(int nfds, const fd_set *r, const fd_set *w, const fd_set *e)
{
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) &&
		    ts_sock_of(fd))
			return true;
	return false;
}

/* Fill revents of the toffee entries (locked). @return entries ready. */
static int scan_toffee(struct pollfd *fds, nfds_t n, const bool *is_ts)
{
	int ready = 0;
	for (nfds_t i = 0; i < n; i++) {
		if (!is_ts[i])
			continue;
		struct ts_obj *o = ts_fd_get(fds[i].fd);
		short m;
		if (!o || o->kind != TS_SOCK)
			m = POLLNVAL;           /* closed meanwhile */
		else
			m = ts_sock_poll((struct ts_sock *)o);
		fds[i].revents = m & (fds[i].events | POLLERR | POLLHUP | POLLNVAL);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

int ts_op_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	bool small_ts[64], *is_ts = small_ts;
	struct pollfd small_k[64], *k = small_k;
	if (n > 64) {
		is_ts = malloc(n * sizeof(*is_ts));
		k = malloc(n * sizeof(*k));
		if (!is_ts || !k) {
			free(is_ts);
			free(k);
			return -ENOMEM;
		}
	}
	/* The kernel sees a copy where the toffee entries are disabled (fd -1). */
	nfds_t nkern = 0;
	for (nfds_t i = 0; i < n; i++) {
		is_ts[i] = ts_sock_of(fds[i].fd) != NULL;
		k[i] = fds[i];
		k[i].revents = 0;
		if (is_ts[i])
			k[i].fd = -1;
		else if (fds[i].fd >= 0)
			nkern++;
	}
	uint64_t deadline = ts_deadline(timeout_ms);
	int rc;
	ts_lock();
	for (nfds_t i = 0; i < n; i++) {
		struct ts_sock *s = is_ts[i] ? ts_sock_of(fds[i].fd) : NULL;
		if (s && ts_sock_live(s) && (fds[i].events & POLLIN))   /* live: inherited ones join */
			ts_sock_wants_accept(s);
	}
	for (;;) {
		ts_pump_auto();
		int ready = scan_toffee(fds, n, is_ts);
		if (ready || timeout_ms == 0) {
			int kr = 0;
			if (nkern) {
				ts_unlock();
				kr = ts_real.ppoll(k, n, &(struct timespec){ 0, 0 }, NULL);
				ts_lock();
				if (kr < 0) {
					rc = -errno;
					break;
				}
			}
			for (nfds_t i = 0; i < n; i++)
				if (!is_ts[i])
					fds[i].revents = k[i].revents;
			rc = ready + kr;
			break;
		}
		int left = ts_ms_left(deadline);
		if (left == 0) {
			for (nfds_t i = 0; i < n; i++)
				fds[i].revents = 0;
			rc = 0;
			break;
		}
		int kr = ts_block(k, n, left, sigmask);
		if (kr < 0) {
			rc = kr;
			break;
		}
		if (kr > 0) {
			ready = scan_toffee(fds, n, is_ts);
			for (nfds_t i = 0; i < n; i++)
				if (!is_ts[i])
					fds[i].revents = k[i].revents;
			rc = ready + kr;
			break;
		}
	}
	ts_unlock();
	if (is_ts != small_ts) {
		free(is_ts);
		free(k);
	}
	return rc;
}

int ts_op_select(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout_ms, const sigset_t *sigmask)
{
	if (nfds < 0)
		return -EINVAL;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	struct pollfd small[64], *p = small;
	int cnt = 0;
	for (int fd = 0; fd < nfds; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e)))
			cnt++;
	if (cnt > 64 && !(p = malloc((size_t)cnt * sizeof(*p))))
		return -ENOMEM;
	int j = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;
		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev)
			p[j++] = (struct pollfd){ fd, ev, 0 };
	}
	int rc = ts_op_poll(p, (nfds_t)cnt, timeout_ms, sigmask);
	if (rc >= 0) {
		for (int i = 0; i < cnt; i++)
			if (p[i].revents & POLLNVAL)
				rc = -EBADF;
	}
	if (rc >= 0) {
		if (r)
			FD_ZERO(r);
		if (w)
			FD_ZERO(w);
		if (e)
			FD_ZERO(e);
		rc = 0;
		for (int i = 0; i < cnt; i++) {
			short re = p[i].revents;
			if (r && (p[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) {
				FD_SET(p[i].fd, r);
				rc++;
			}
			if (w && (p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR))) {
				FD_SET(p[i].fd, w);
				rc++;
			}
			if (e && (p[i].events & POLLPRI) && (re & POLLPRI)) {
				FD_SET(p[i].fd, e);
				rc++;
			}
		}
	}
	if (p != small)
		free(p);
	return rc;
}
