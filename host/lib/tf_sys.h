/* SPDX-License-Identifier: MIT */
/**
 * @file tf_sys.h
 * Raw system calls for the library's own descriptors (control socket,
 * eventfds). Inside the LD_PRELOAD interposer the libc names (close, read,
 * poll, ...) resolve to the interposed versions, so the library never
 * calls them for itself: it goes straight to the kernel.
 */
#ifndef TOFFEE_TF_SYS_H
#define TOFFEE_TF_SYS_H

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline int tf_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}
static inline ssize_t tf_sys_read(int fd, void *buf, size_t n)
{
	return syscall(SYS_read, fd, buf, n);
}
static inline ssize_t tf_sys_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}
static inline ssize_t tf_sys_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return syscall(SYS_sendmsg, fd, m, flags);
}
static inline ssize_t tf_sys_recvmsg(int fd, struct msghdr *m, int flags)
{
	return syscall(SYS_recvmsg, fd, m, flags);
}
static inline int tf_sys_socket(int domain, int type, int proto)
{
	return (int)syscall(SYS_socket, domain, type, proto);
}
static inline int tf_sys_socketpair(int domain, int type, int proto, int sv[2])
{
	return (int)syscall(SYS_socketpair, domain, type, proto, sv);
}
static inline int tf_sys_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	return (int)syscall(SYS_connect, fd, a, len);
}
static inline int tf_sys_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}
static inline int tf_sys_dup3(int fd, int fd2, int flags)
{
	return (int)syscall(SYS_dup3, fd, fd2, flags);
}
/** poll with a millisecond timeout (-1 = forever). */
static inline int tf_sys_poll(struct pollfd *p, nfds_t n, int timeout_ms)
{
	struct timespec t, *tsp = NULL;
	if (timeout_ms >= 0) {
		t.tv_sec = timeout_ms / 1000;
		t.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &t;
	}
	return (int)syscall(SYS_ppoll, p, n, tsp, NULL, (size_t)8);
}
static inline int tf_sys_epoll_ctl(int ep, int op, int fd, struct epoll_event *ev)
{
	return (int)syscall(SYS_epoll_ctl, ep, op, fd, ev);
}

#endif /* TOFFEE_TF_SYS_H */
