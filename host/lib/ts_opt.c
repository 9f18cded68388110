/* SPDX-License-Identifier: MIT */
/* Socket options, names, fcntl, ioctl and the dup family for toffee
 * sockets. Options are also applied to the backing kernel socket, which
 * keeps any option we do not model (and serves it back to getsockopt), and
 * makes a later fall-back to the kernel behave as configured. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include "ts_internal.h"

static int get_int(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	if (!val || !len)
		return -EFAULT;
	if (*len < sizeof(int)) {           /* Linux truncates */
		memcpy(val, &v, *len);
		return 0;
	}
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int tv_to_ms(const void *val, socklen_t len, int *ms)
{
	struct timeval tv;
	if (!val || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	long long v = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	*ms = v > 0x7fffffff ? 0x7fffffff : (int)v;
	return 0;
}

int ts_op_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int rc = 0, v = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	/* The kernel socket keeps every option too (its verdict counts for
	 * options we do not model). */
	int kr = ts_real.setsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: rc = get_int(val, len, &v); s->reuseaddr = v; break;
		case SO_REUSEPORT: rc = get_int(val, len, &v); s->reuseport = v; break;
		case SO_KEEPALIVE:
			rc = get_int(val, len, &v);
			if (!rc) {
				s->keepalive = v;
				ts_sock_keepalive(s);
			}
			break;
		case SO_RCVBUF:
		case SO_RCVBUFFORCE: rc = get_int(val, len, &v); s->rcvbuf = v; break;
		case SO_SNDBUF:
		case SO_SNDBUFFORCE: rc = get_int(val, len, &v); s->sndbuf = v; break;
		case SO_RCVTIMEO: rc = tv_to_ms(val, len, &s->rcvtimeo_ms); break;
		case SO_SNDTIMEO: rc = tv_to_ms(val, len, &s->sndtimeo_ms); break;
		case SO_LINGER: {
			struct linger l;
			if (!val || len < sizeof(l)) {
				rc = -EINVAL;
				break;
			}
			memcpy(&l, val, sizeof(l));
			s->linger_on = l.l_onoff != 0;
			s->linger_sec = l.l_linger;
			break;
		}
		default: rc = kr; break;
		}
	} else if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		rc = get_int(val, len, &v);
		s->nodelay = v;
	} else if (level == IPPROTO_TCP && (name == TCP_KEEPIDLE || name == TCP_KEEPINTVL || name == TCP_KEEPCNT)) {
		/* the kernel socket checked the value (its ranges are Linux's) */
		rc = kr ? kr : get_int(val, len, &v);
		if (!rc) {
			*(name == TCP_KEEPIDLE ? &s->ka_idle : name == TCP_KEEPINTVL ? &s->ka_intvl : &s->ka_cnt) = v;
			ts_sock_keepalive(s);
		}
	} else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->v6) {
		rc = kr ? kr : get_int(val, len, &v);
		if (!rc && v) {
			if (s->bound || s->mode != TS_NEW) {
				/* after bind(), which Linux refuses (our kernel
				 * socket is not bound: undo it there) */
				int zero = 0;
				ts_real.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
				rc = -EINVAL;
			} else {
				rc = ts_sock_to_kernel(fd, s);   /* IPv6 only: nothing for toffee */
			}
		}
	} else {
		rc = kr;
	}
out:
	ts_unlock();
	return rc;
}

static int tcp_state(const struct ts_sock *s)
{
	switch (s->mode) {
	case TS_LISTEN: return TCP_LISTEN;
	case TS_CONNECTING: return TCP_SYN_SENT;
	case TS_CONNECTED: break;
	default: return TCP_CLOSE;
	}
	struct toffee_conn_info i;
	toffee_conn_info(s->conn, &i);
	if (i.state != TOFFEE_CONN_OPEN)
		return TCP_CLOSE;
	if (i.fin_rx && i.shut_wr)
		return TCP_LAST_ACK;
	if (i.fin_rx)
		return TCP_CLOSE_WAIT;
	if (i.shut_wr)
		return TCP_FIN_WAIT1;
	return TCP_ESTABLISHED;
}

int ts_op_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	struct toffee_conn_info i = { 0 };
	if (s->mode == TS_CONNECTED && s->conn)
		toffee_conn_info(s->conn, &i);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR: rc = put_int(val, len, ts_sock_take_error(s)); goto out;
		case SO_TYPE: rc = put_int(val, len, SOCK_STREAM); goto out;
		case SO_DOMAIN: rc = put_int(val, len, s->v6 ? AF_INET6 : AF_INET); goto out;
		case SO_PROTOCOL: rc = put_int(val, len, IPPROTO_TCP); goto out;
		case SO_ACCEPTCONN: rc = put_int(val, len, s->mode == TS_LISTEN); goto out;
		case SO_REUSEADDR: rc = put_int(val, len, s->reuseaddr); goto out;
		case SO_REUSEPORT: rc = put_int(val, len, s->reuseport); goto out;
		case SO_KEEPALIVE: rc = put_int(val, len, s->keepalive); goto out;
		case SO_RCVBUF:
			if (i.rx_size) {
				rc = put_int(val, len, (int)i.rx_size);
				goto out;
			}
			break;
		case SO_SNDBUF:
			if (i.tx_size) {
				rc = put_int(val, len, (int)i.tx_size);
				goto out;
			}
			break;
		default: break;
		}
	} else if (level == IPPROTO_TCP) {
		switch (name) {
		case TCP_NODELAY: rc = put_int(val, len, s->nodelay); goto out;
		/* as toffeed uses them (an accepted socket's are its listener's) */
		case TCP_KEEPIDLE: rc = put_int(val, len, s->ka_idle ? s->ka_idle : TOFFEE_KEEPALIVE_IDLE_S); goto out;
		case TCP_KEEPINTVL:
			rc = put_int(val, len, s->ka_intvl ? s->ka_intvl : TOFFEE_KEEPALIVE_INTVL_S);
			goto out;
		case TCP_KEEPCNT: rc = put_int(val, len, s->ka_cnt ? s->ka_cnt : TOFFEE_KEEPALIVE_CNT); goto out;
		case TCP_MAXSEG:
			if (i.mss) {
				rc = put_int(val, len, i.mss);
				goto out;
			}
			break;
		case TCP_INFO: {
			struct tcp_info ti;
			if (!val || !len) {
				rc = -EFAULT;
				goto out;
			}
			memset(&ti, 0, sizeof(ti));
			ti.tcpi_state = (uint8_t)tcp_state(s);
			ti.tcpi_snd_mss = i.mss;
			ti.tcpi_rcv_mss = i.mss;
			ti.tcpi_unacked = i.tx_unacked;
			socklen_t n = *len < sizeof(ti) ? *len : sizeof(ti);
			memcpy(val, &ti, n);
			*len = n;
			goto out;
		}
		default: break;
		}
	}
	rc = ts_real.getsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
out:
	ts_unlock();
	return rc;
}

int ts_op_getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	int rc = 0;
	if (!a || !len)
		return -EFAULT;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (s)
		ts_addr_out(s, &s->local, a, len);
	ts_unlock();
	return rc;
}

int ts_op_getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	int rc = 0;
	if (!a || !len)
		return -EFAULT;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (s) {
		if (s->mode == TS_CONNECTED)
			ts_addr_out(s, &s->peer, a, len);
		else
			rc = -ENOTCONN;
	}
	ts_unlock();
	return rc;
}

/* Map a new kernel fd (a dup of a toffee socket's) to the same object. */
static int map_dup(int newfd, struct ts_obj *o)
{
	int rc = ts_fd_set(newfd, o);
	if (rc < 0)
		return rc;
	o->nfd++;
	return newfd;
}

int ts_op_fcntl(int fd, int cmd, long arg)
{
	int rc = 0;
	ts_lock();
	/* fd-level commands leave an inherited socket where it is */
	bool fd_level = cmd == F_GETFD || cmd == F_SETFD || cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
	struct ts_sock *s = fd_level ? ts_sock_peek_locked(fd, &rc) : ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	switch (cmd) {
	case F_GETFL:
		rc = ts_real.fcntl(fd, F_GETFL);
		if (rc >= 0)
			rc = (rc & ~O_NONBLOCK) | (s->nonblock ? O_NONBLOCK : 0);
		else
			rc = -errno;
		break;
	case F_SETFL:
		s->nonblock = (arg & O_NONBLOCK) != 0;
		rc = ts_real.fcntl(fd, F_SETFL, arg) < 0 ? -errno : 0;
		break;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = ts_real.fcntl(fd, cmd, arg);
		if (rc < 0)
			rc = -errno;
		else if (map_dup(rc, &s->o) < 0)
			rc = -ENOMEM;
		break;
	case F_SETFD:
		/* A toffee socket's kernel fd stays close-on-exec: after exec the
		 * new image could not use the connection anyway. */
		if (s->mode != TS_NEW)
			arg |= FD_CLOEXEC;
		rc = ts_real.fcntl(fd, F_SETFD, arg) < 0 ? -errno : 0;
		break;
	default:
		rc = TS_PASS;
		break;
	}
out:
	ts_unlock();
	return rc;
}

int ts_op_ioctl(int fd, unsigned long req, void *arg)
{
	int rc = 0;
	ts_lock();
	struct ts_sock *s = ts_sock_get_locked(fd, &rc);
	if (!s)
		goto out;
	struct toffee_conn_info i = { 0 };
	switch (req) {
	case FIONBIO:
		if (!arg) {
			rc = -EFAULT;
			break;
		}
		s->nonblock = *(int *)arg != 0;
		ts_real.ioctl(fd, FIONBIO, arg);
		break;
	case FIONREAD:                       /* == SIOCINQ */
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (!arg) {
			rc = -EFAULT;
			break;
		}
		if (s->mode == TS_LISTEN) {
			rc = -EINVAL;
			break;
		}
		ts_pump_fast();
		if (s->mode == TS_CONNECTED && s->conn)
			toffee_conn_info(s->conn, &i);
		*(int *)arg = (int)(req == FIONREAD ? i.rx_avail : i.tx_unacked);
		break;
	default:
		rc = TS_PASS;
		break;
	}
out:
	ts_unlock();
	return rc;
}

int ts_op_dup(int oldfd, int newfd, int flags, bool is_dup2)
{
	int rc;
	if (ts_in_vfork_child())
		return TS_PASS;
	ts_lock();
	struct ts_obj *o = ts_fd_get(oldfd);
	struct ts_obj *target = newfd >= 0 ? ts_fd_get(newfd) : NULL;
	if (newfd >= 0 && newfd == oldfd) {
		ts_unlock();
		if (!is_dup2)
			return -EINVAL;             /* dup3 refuses, dup2 is a no-op */
		return TS_PASS;
	}
	if (target && target->kind == TS_INTERNAL) {
		ts_unlock();
		return -EBUSY;                  /* would clobber the library's own fd */
	}
	if (o && o->kind == TS_INTERNAL)
		o = NULL;                       /* dup of our fd: a plain kernel fd */
	if (target)
		ts_fd_drop(newfd);              /* the kernel closes it in dup2 */
	if (newfd < 0)
		rc = ts_real.dup(oldfd);
	else if (is_dup2)
		rc = ts_real.dup2(oldfd, newfd);
	else
		rc = ts_real.dup3(oldfd, newfd, flags);
	if (rc < 0)
		rc = -errno;
	else if (o && map_dup(rc, o) < 0)
		rc = -ENOMEM;
	ts_unlock();
	return rc;
}
