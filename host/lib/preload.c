/* SPDX-License-Identifier: MIT */
/* The LD_PRELOAD symbol table: every libc entry point the sockets layer
 * interposes. Each one checks (without a lock) whether the fd is one of
 * ours and otherwise calls the next definition (dlsym(RTLD_NEXT)), so
 * kernel fds and non-TCP sockets pass through untouched. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/sendfile.h>
#include "ts_internal.h"
#include "tf_sys.h"

#define EXPORT __attribute__((visibility("default")))

struct ts_real ts_real;
static int (*real_epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
				const sigset_t *);
static int (*real_close_range)(unsigned, unsigned, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
static int (*real_sendmmsg)(int, struct mmsghdr *, unsigned, int);

void ts_real_init(void)
{
	static int done;
	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return;
#define R(name) ts_real.name = (__typeof__(ts_real.name))dlsym(RTLD_NEXT, #name)
	R(socket); R(bind); R(listen); R(accept); R(accept4); R(connect);
	R(read); R(write); R(readv); R(writev); R(recv); R(send); R(recvfrom);
	R(sendto); R(recvmsg); R(sendmsg); R(sendfile); R(preadv); R(close);
	R(shutdown); R(fcntl); R(ioctl); R(setsockopt); R(getsockopt);
	R(getsockname); R(getpeername); R(poll); R(ppoll); R(select); R(pselect);
	R(epoll_create); R(epoll_create1); R(epoll_ctl); R(epoll_wait);
	R(epoll_pwait); R(dup); R(dup2); R(dup3);
#undef R
	real_epoll_pwait2 = (__typeof__(real_epoll_pwait2))dlsym(RTLD_NEXT, "epoll_pwait2");
	real_close_range = (__typeof__(real_close_range))dlsym(RTLD_NEXT, "close_range");
	real_recvmmsg = (__typeof__(real_recvmmsg))dlsym(RTLD_NEXT, "recvmmsg");
	real_sendmmsg = (__typeof__(real_sendmmsg))dlsym(RTLD_NEXT, "sendmmsg");
	ts_global_init();
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void ts_preload_ctor(void)
{
	ts_real_init();
	ts_exec_adopt();
}

/* Exit: sockets left open are closed gracefully, as the kernel would. */
__attribute__((destructor)) static void ts_preload_dtor(void)
{
	ts_exit_close();
}

#define REAL(name) (*({ if (TF_UNLIKELY(!ts_real.name)) ts_real_init(); &ts_real.name; }))

/* Convert a ts_op result to the libc convention, keeping errno on success. */
static inline long ret(long r, int saved)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	errno = saved;
	return r;
}

static int ms_from_ts(const struct timespec *t)
{
	if (!t)
		return -1;
	if (t->tv_sec < 0 || t->tv_nsec < 0)
		return 0;
	long long ms = (long long)t->tv_sec * 1000 + (t->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* ------------------------------------------------------------------------ */
/* Sockets                                                                  */
/* ------------------------------------------------------------------------ */

EXPORT int socket(int domain, int type, int protocol)
{
	if (TF_UNLIKELY(!ts_real.socket))
		ts_real_init();
	if (!ts_want(domain, type, protocol))
		return ts_real.socket(domain, type, protocol);
	int saved = errno;
	return (int)ret(ts_op_socket(domain, type, protocol), saved);
}

EXPORT int bind(int fd, const struct sockaddr *a, socklen_t len)
{
	if (!ts_sock_of(fd))
		return REAL(bind)(fd, a, len);
	int saved = errno, r = ts_op_bind(fd, a, len);
	return r == TS_PASS ? REAL(bind)(fd, a, len) : (int)ret(r, saved);
}

EXPORT int listen(int fd, int backlog)
{
	if (!ts_sock_of(fd))
		return REAL(listen)(fd, backlog);
	int saved = errno, r = ts_op_listen(fd, backlog);
	return r == TS_PASS ? REAL(listen)(fd, backlog) : (int)ret(r, saved);
}

EXPORT int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	if (!ts_sock_of(fd))
		return REAL(accept4)(fd, a, len, flags);
	int saved = errno, r = ts_op_accept(fd, a, len, flags);
	return r == TS_PASS ? REAL(accept4)(fd, a, len, flags) : (int)ret(r, saved);
}

EXPORT int accept(int fd, struct sockaddr *a, socklen_t *len)
{
	if (!ts_sock_of(fd))
		return REAL(accept)(fd, a, len);
	int saved = errno, r = ts_op_accept(fd, a, len, 0);
	return r == TS_PASS ? REAL(accept)(fd, a, len) : (int)ret(r, saved);
}

EXPORT int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	if (!ts_sock_of(fd))
		return REAL(connect)(fd, a, len);
	int saved = errno, r = ts_op_connect(fd, a, len);
	return r == TS_PASS ? REAL(connect)(fd, a, len) : (int)ret(r, saved);
}

EXPORT int shutdown(int fd, int how)
{
	if (!ts_sock_of(fd))
		return REAL(shutdown)(fd, how);
	int saved = errno, r = ts_op_shutdown(fd, how);
	return r == TS_PASS ? REAL(shutdown)(fd, how) : (int)ret(r, saved);
}

EXPORT int close(int fd)
{
	if (!ts_fd_get(fd))
		return REAL(close)(fd);
	int saved = errno, r = ts_op_close(fd);
	return r == TS_PASS ? REAL(close)(fd) : (int)ret(r, saved);
}

/* close_range / closefrom: drop our mappings in the range and never close
 * the library's own descriptors (the range is split around them). */
struct range_arg {
	unsigned first, last;
	int internal[64];
	int n;
	bool cloexec;
};

static void range_visit(int fd, struct ts_obj *o, void *arg)
{
	struct range_arg *a = arg;
	if ((unsigned)fd < a->first || (unsigned)fd > a->last)
		return;
	if (o->kind == TS_INTERNAL) {
		if (a->n < 64)
			a->internal[a->n++] = fd;
	} else if (!a->cloexec) {
		ts_fd_drop(fd);
	}
}

static int cmp_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

static int do_close_range(unsigned first, unsigned last, int flags)
{
	ts_real_init();
	if (ts_in_vfork_child())
		return real_close_range ? real_close_range(first, last, flags)
					: (int)syscall(SYS_close_range, first, last, flags);
	struct range_arg a = { .first = first, .last = last, .cloexec = (flags & 4 /* CLOSE_RANGE_CLOEXEC */) != 0 };
	ts_lock();
	ts_fd_foreach(range_visit, &a);
	qsort(a.internal, (size_t)a.n, sizeof(int), cmp_int);
	int rc = 0;
	unsigned lo = first;
	for (int i = 0; i <= a.n && rc == 0; i++) {
		unsigned hi = i < a.n ? (unsigned)a.internal[i] - 1 : last;
		if (i < a.n && (unsigned)a.internal[i] == lo) {
			lo = (unsigned)a.internal[i] + 1;
			continue;
		}
		if (lo <= hi)
			rc = real_close_range ? real_close_range(lo, hi, flags)
					      : (int)syscall(SYS_close_range, lo, hi, flags);
		if (i < a.n)
			lo = (unsigned)a.internal[i] + 1;
	}
	ts_unlock();
	return rc;
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	return do_close_range(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	do_close_range(lowfd < 0 ? 0 : (unsigned)lowfd, ~0u, 0);
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	if (!ts_sock_of(fd))
		return REAL(read)(fd, buf, n);
	struct iovec iov = { buf, n };
	int saved = errno;
	ssize_t r = ts_op_recv(fd, &iov, 1, 0, NULL, NULL);
	return r == TS_PASS ? REAL(read)(fd, buf, n) : ret(r, saved);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		abort();
	return read(fd, buf, n);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	if (!ts_sock_of(fd))
		return REAL(readv)(fd, iov, cnt);
	int saved = errno;
	ssize_t r = ts_op_recv(fd, iov, cnt, 0, NULL, NULL);
	return r == TS_PASS ? REAL(readv)(fd, iov, cnt) : ret(r, saved);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (!ts_sock_of(fd))
		return REAL(recv)(fd, buf, n, flags);
	struct iovec iov = { buf, n };
	int saved = errno;
	ssize_t r = ts_op_recv(fd, &iov, 1, flags, NULL, NULL);
	return r == TS_PASS ? REAL(recv)(fd, buf, n, flags) : ret(r, saved);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		abort();
	return recv(fd, buf, n, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a, socklen_t *alen)
{
	if (!ts_sock_of(fd))
		return REAL(recvfrom)(fd, buf, n, flags, a, alen);
	struct iovec iov = { buf, n };
	int saved = errno;
	ssize_t r = ts_op_recv(fd, &iov, 1, flags, a, alen);
	return r == TS_PASS ? REAL(recvfrom)(fd, buf, n, flags, a, alen) : ret(r, saved);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			      struct sockaddr *a, socklen_t *alen)
{
	if (n > buflen)
		abort();
	return recvfrom(fd, buf, n, flags, a, alen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	if (!ts_sock_of(fd))
		return REAL(recvmsg)(fd, m, flags);
	int saved = errno;
	ssize_t r = ts_op_recv(fd, m->msg_iov, (int)m->msg_iovlen, flags, NULL, NULL);
	if (r == TS_PASS)
		return REAL(recvmsg)(fd, m, flags);
	if (r >= 0) {
		m->msg_namelen = 0;
		m->msg_controllen = 0;
		m->msg_flags = 0;
	}
	return ret(r, saved);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *tmo)
{
	if (!ts_sock_of(fd)) {
		if (!real_recvmmsg)
			ts_real_init();
		return real_recvmmsg(fd, v, n, flags, tmo);
	}
	unsigned i = 0;
	for (; i < n; i++) {
		ssize_t r = recvmsg(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned)r;
		if (r == 0)
			return (int)i + 1;
		flags |= MSG_DONTWAIT;          /* only the first one may block */
	}
	return (int)i;
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	if (!ts_sock_of(fd))
		return REAL(write)(fd, buf, n);
	struct iovec iov = { (void *)buf, n };
	int saved = errno;
	ssize_t r = ts_op_send(fd, &iov, 1, 0);
	return r == TS_PASS ? REAL(write)(fd, buf, n) : ret(r, saved);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (!ts_sock_of(fd))
		return REAL(writev)(fd, iov, cnt);
	int saved = errno;
	ssize_t r = ts_op_send(fd, iov, cnt, 0);
	return r == TS_PASS ? REAL(writev)(fd, iov, cnt) : ret(r, saved);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (!ts_sock_of(fd))
		return REAL(send)(fd, buf, n, flags);
	struct iovec iov = { (void *)buf, n };
	int saved = errno;
	ssize_t r = ts_op_send(fd, &iov, 1, flags);
	return r == TS_PASS ? REAL(send)(fd, buf, n, flags) : ret(r, saved);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a,
		      socklen_t alen)
{
	if (!ts_sock_of(fd))
		return REAL(sendto)(fd, buf, n, flags, a, alen);
	struct iovec iov = { (void *)buf, n };
	int saved = errno;
	ssize_t r = ts_op_send(fd, &iov, 1, flags);   /* TCP ignores the address */
	return r == TS_PASS ? REAL(sendto)(fd, buf, n, flags, a, alen) : ret(r, saved);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	if (!ts_sock_of(fd))
		return REAL(sendmsg)(fd, m, flags);
	int saved = errno;
	ssize_t r = ts_op_send(fd, m->msg_iov, (int)m->msg_iovlen, flags);
	return r == TS_PASS ? REAL(sendmsg)(fd, m, flags) : ret(r, saved);
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	if (!ts_sock_of(fd)) {
		if (!real_sendmmsg)
			ts_real_init();
		return real_sendmmsg(fd, v, n, flags);
	}
	unsigned i = 0;
	for (; i < n; i++) {
		ssize_t r = sendmsg(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned)r;
	}
	return (int)i;
}

EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	if (!ts_sock_of(out)) {
		if (ts_sock_of(in)) {
			errno = EINVAL;
			return -1;
		}
		return REAL(sendfile)(out, in, off, count);
	}
	int saved = errno;
	ssize_t r = ts_op_sendfile(out, in, off, count);
	return r == TS_PASS ? REAL(sendfile)(out, in, off, count) : ret(r, saved);
}

EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}

/* ------------------------------------------------------------------------ */
/* Options, names, descriptors                                              */
/* ------------------------------------------------------------------------ */

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (!ts_sock_of(fd))
		return REAL(setsockopt)(fd, level, name, val, len);
	int saved = errno, r = ts_op_setsockopt(fd, level, name, val, len);
	return r == TS_PASS ? REAL(setsockopt)(fd, level, name, val, len) : (int)ret(r, saved);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (!ts_sock_of(fd))
		return REAL(getsockopt)(fd, level, name, val, len);
	int saved = errno, r = ts_op_getsockopt(fd, level, name, val, len);
	return r == TS_PASS ? REAL(getsockopt)(fd, level, name, val, len) : (int)ret(r, saved);
}

EXPORT int getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	if (!ts_sock_of(fd))
		return REAL(getsockname)(fd, a, len);
	int saved = errno, r = ts_op_getsockname(fd, a, len);
	return r == TS_PASS ? REAL(getsockname)(fd, a, len) : (int)ret(r, saved);
}

EXPORT int getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	if (!ts_sock_of(fd))
		return REAL(getpeername)(fd, a, len);
	int saved = errno, r = ts_op_getpeername(fd, a, len);
	return r == TS_PASS ? REAL(getpeername)(fd, a, len) : (int)ret(r, saved);
}

static int do_fcntl(int fd, int cmd, long arg)
{
	if (ts_sock_of(fd)) {
		int saved = errno, r = ts_op_fcntl(fd, cmd, arg);
		if (r != TS_PASS)
			return (int)ret(r, saved);
	}
	return REAL(fcntl)(fd, cmd, arg);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (ts_sock_of(fd)) {
		int saved = errno, r = ts_op_ioctl(fd, req, arg);
		if (r != TS_PASS)
			return (int)ret(r, saved);
	}
	return REAL(ioctl)(fd, req, arg);
}

EXPORT int dup(int fd)
{
	if (!ts_fd_get(fd))
		return REAL(dup)(fd);
	int saved = errno, r = ts_op_dup(fd, -1, 0, false);
	return r == TS_PASS ? REAL(dup)(fd) : (int)ret(r, saved);
}

EXPORT int dup2(int fd, int fd2)
{
	if (!ts_fd_get(fd) && !ts_fd_get(fd2))
		return REAL(dup2)(fd, fd2);
	int saved = errno, r = ts_op_dup(fd, fd2, 0, true);
	return r == TS_PASS ? REAL(dup2)(fd, fd2) : (int)ret(r, saved);
}

EXPORT int dup3(int fd, int fd2, int flags)
{
	if (!ts_fd_get(fd) && !ts_fd_get(fd2))
		return REAL(dup3)(fd, fd2, flags);
	int saved = errno, r = ts_op_dup(fd, fd2, flags, false);
	return r == TS_PASS ? REAL(dup3)(fd, fd2, flags) : (int)ret(r, saved);
}

/* ------------------------------------------------------------------------ */
/* Readiness                                                                */
/* ------------------------------------------------------------------------ */

/* glibc declares poll's array write-only (access attribute); it is read. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!ts_poll_has_toffee(fds, n))
		return REAL(poll)(fds, n, timeout);
	int saved = errno;
	return (int)ret(ts_op_poll(fds, n, timeout, NULL), saved);
}

EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	if (!ts_poll_has_toffee(fds, n))
		return REAL(ppoll)(fds, n, t, mask);
	int saved = errno;
	return (int)ret(ts_op_poll(fds, n, ms_from_ts(t), mask), saved);
}

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *t,
		       const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return ppoll(fds, n, t, mask);
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	if (!ts_select_has_toffee(nfds, r, w, e))
		return REAL(select)(nfds, r, w, e, tv);
	int ms = -1;
	if (tv) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0) {
			errno = EINVAL;
			return -1;
		}
		long long v = (long long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
		ms = v > 0x7fffffff ? 0x7fffffff : (int)v;
	}
	uint64_t t0 = tf_now_ns();
	int saved = errno, rc = (int)ret(ts_op_select(nfds, r, w, e, ms, NULL), saved);
	if (tv && ms >= 0) {                /* Linux reports the time left */
		uint64_t spent = (tf_now_ns() - t0) / 1000;
		uint64_t total = (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
		uint64_t left = spent >= total ? 0 : total - spent;
		tv->tv_sec = (time_t)(left / 1000000u);
		tv->tv_usec = (suseconds_t)(left % 1000000u);
	}
	return rc;
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t,
		   const sigset_t *mask)
{
	if (!ts_select_has_toffee(nfds, r, w, e))
		return REAL(pselect)(nfds, r, w, e, t, mask);
	int saved = errno;
	return (int)ret(ts_op_select(nfds, r, w, e, ms_from_ts(t), mask), saved);
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (!ts_sock_of(fd))
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	int saved = errno, r = ts_op_epoll_ctl(epfd, op, fd, ev);
	return r == TS_PASS ? REAL(epoll_ctl)(epfd, op, fd, ev) : (int)ret(r, saved);
}

EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	if (!ts_fd_get(epfd))
		return REAL(epoll_wait)(epfd, evs, max, timeout);
	int saved = errno, r = ts_op_epoll_wait(epfd, evs, max, timeout, NULL);
	return r == TS_PASS ? REAL(epoll_wait)(epfd, evs, max, timeout) : (int)ret(r, saved);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout, const sigset_t *mask)
{
	if (!ts_fd_get(epfd))
		return REAL(epoll_pwait)(epfd, evs, max, timeout, mask);
	int saved = errno, r = ts_op_epoll_wait(epfd, evs, max, timeout, mask);
	return r == TS_PASS ? REAL(epoll_pwait)(epfd, evs, max, timeout, mask) : (int)ret(r, saved);
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max, const struct timespec *t,
			const sigset_t *mask)
{
	if (!real_epoll_pwait2)
		ts_real_init();
	if (!ts_fd_get(epfd)) {
		if (!real_epoll_pwait2) {
			errno = ENOSYS;
			return -1;
		}
		return real_epoll_pwait2(epfd, evs, max, t, mask);
	}
	int saved = errno, r = ts_op_epoll_wait(epfd, evs, max, ms_from_ts(t), mask);
	if (r == TS_PASS)
		return real_epoll_pwait2 ? real_epoll_pwait2(epfd, evs, max, t, mask) : (errno = ENOSYS, -1);
	return (int)ret(r, saved);
}

/* ---- processes: vfork and posix_spawn ------------------------------------------------ */

/* A vfork child may only exec or _exit; a fork child may do the same, and
 * a fork runs our fork handlers: the connections the child puts on its
 * stdin/stdout reach the program it execs (ts_exec.c). Python's
 * subprocess starts its children with vfork. */
EXPORT pid_t vfork(void)
{
	return fork();
}

/* posix_spawn runs no fork handlers (glibc clones the child itself): the
 * parent side of one runs around it instead, so that a connection given
 * to the program (a file action dup2s it onto 0 or 1) is shared first. */
typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
		     char *const[], char *const[]);

static int spawn(const char *name, pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	ts_real_init();
	spawn_fn *real = (spawn_fn *)dlsym(RTLD_NEXT, name);
	if (!real)
		return ENOSYS;
	ts_atfork_prepare();
	int rc = real(pid, path, fa, attr, argv, envp);
	ts_atfork_parent();
	return rc;
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn("posix_spawn", pid, path, fa, attr, argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn("posix_spawnp", pid, file, fa, attr, argv, envp);
}
