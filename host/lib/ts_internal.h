/* SPDX-License-Identifier: MIT */
/**
 * @file ts_internal.h
 * The POSIX sockets layer on top of the event API.
 *
 * Model:
 *  - every toffee socket is backed by a real kernel TCP socket whose fd
 *    number the application sees, so fd numbers never collide with kernel
 *    fds and a socket can still fall back to the kernel (loopback, toffeed
 *    not running) before it is bound to toffee by listen()/connect();
 *  - a process-wide fd table maps fd numbers to objects (sockets, epoll
 *    instances with toffee members, the library's own descriptors);
 *  - one toffee context per process, created lazily; one process-wide lock
 *    (ts.lock) serialises the sockets layer; blocking calls drop it while
 *    they sleep on the context's eventfd, its control socket and a wake
 *    eventfd of their own (other threads poke it when they processed events);
 *  - after fork() the child gets a fresh context if it uses toffee; an
 *    inherited listening socket joins the parent's listener from it on first
 *    use (accept, poll, epoll, ...), an inherited connection moves to it on
 *    first use (read, write, poll, ...: toffeed's TAKEOVER), other inherited
 *    toffee sockets are dead (every call but close() fails with EBADF).
 * Functions named ts_op_*() implement one POSIX call on a toffee fd and
 * return the result or a negative errno (TS_PASS: "now a kernel socket,
 * call libc").
 */
#ifndef TOFFEE_TS_INTERNAL_H
#define TOFFEE_TS_INTERNAL_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "tf_internal.h"

#define TS_PASS (-100000)        /**< "call the libc function" */

/* ------------------------------------------------------------------------ */
/* Real libc functions (preload.c)                                          */
/* ------------------------------------------------------------------------ */
struct ts_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*preadv)(int, const struct iovec *, int, off_t);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
	int (*epoll_create)(int);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
};
extern struct ts_real ts_real TF_HIDDEN;
TF_HIDDEN void ts_real_init(void);

/* ------------------------------------------------------------------------ */
/* Objects in the fd table                                                  */
/* ------------------------------------------------------------------------ */
enum ts_kind { TS_SOCK = 1, TS_EP = 2, TS_INTERNAL = 3 };

struct ts_obj {
	uint8_t  kind;                  /**< enum ts_kind */
	uint32_t nfd;                   /**< fd numbers mapped to it */
	uint32_t gen;                   /**< process generation (fork) it belongs to */
};

enum ts_mode {
	TS_NEW = 0,                     /**< not listening or connected (maybe bound) */
	TS_LISTEN,
	TS_CONNECTING,
	TS_CONNECTED,                   /**< established, possibly closed or reset since */
};

struct ts_epitem;

struct ts_sock {
	struct ts_obj o;                /* first */
	uint8_t  mode;                  /**< enum ts_mode */
	bool     nonblock;              /**< O_NONBLOCK (shared by dup'ed fds, as in Linux) */
	bool     bound, shut_rd, shut_wr, closed;
	bool     err_reported;          /**< a reset was reported once by a read or write */
	bool     nodelay, reuseaddr, reuseport, keepalive;
	int      ka_idle, ka_intvl, ka_cnt; /**< TCP_KEEPIDLE/INTVL/CNT as set (0 = default) */
	bool     linger_on;
	int      linger_sec;
	int      rcvbuf, sndbuf;        /**< as set (0 = default) */
	int      rcvtimeo_ms, sndtimeo_ms; /**< 0 = none */
	int      so_error;              /**< pending error (positive errno) */
	int      backlog;
	uint32_t hold;                  /**< calls in progress that dropped the lock */
	uint32_t rgen;                  /**< bumped on every readiness change */
	bool     v6;                    /**< an AF_INET6 socket: IPv4 through IPv4-mapped addresses */
	struct sockaddr_in local, peer;
	struct toffee_conn *conn;
	struct toffee_listener *lst;
	uint64_t lst_key;               /**< its key: a fork child joins with it */
	/* A connected socket across fork: from the fork on its kernel fd is one
	 * end of a socket pair whose other end toffeed holds (SHARE), so it
	 * knows when no process holds the socket any more (see ts_wait.c). */
	bool     shared;
	int      share_a;               /**< the pair's end during the fork (else -1) */
	struct tf_inherited inh;        /**< inherited: what a takeover needs (key 0: none) */
	struct ts_epitem *items;        /**< epoll registrations */
};

/* ts_fdtab.c: fd number -> object. Lookups take no lock. */
TF_HIDDEN struct ts_obj *ts_fd_get(int fd);
/** Map @p fd (locked). @return 0; -EBADF for a negative fd; -ENOMEM. */
TF_HIDDEN int ts_fd_set(int fd, struct ts_obj *o);
TF_HIDDEN void ts_fd_clear(int fd);
/** Every fd mapped to @p o, at most @p max. @return count found. */
TF_HIDDEN int ts_fd_find(const struct ts_obj *o, int *fds, int max);
/** Call @p fn for every mapped fd. */
TF_HIDDEN void ts_fd_foreach(void (*fn)(int fd, struct ts_obj *o, void *arg), void *arg);
/** The socket behind @p fd if it is a toffee socket, else NULL. */
static inline struct ts_sock *ts_sock_of(int fd)
{
	struct ts_obj *o = ts_fd_get(fd);
	return o && o->kind == TS_SOCK ? (struct ts_sock *)o : NULL;
}

/* ------------------------------------------------------------------------ */
/* Global state, waiting (ts_wait.c)                                        */
/* ------------------------------------------------------------------------ */
struct ts_waiter {
	struct ts_waiter *next, *prev;
	int wake_fd;
};

struct ts_ep;

struct ts_global {
	pthread_mutex_t lock;
	struct toffee_ctx *ctx;
	int      ctx_err;               /**< sticky failure to open the context */
	uint32_t gen;                   /**< bumped in a fork child */
	bool     fallback;              /**< TOFFEE_FALLBACK: kernel stack if no toffeed */
	bool     disabled;              /**< TOFFEE_DISABLE: everything passes through */
	bool     no_inet6;              /**< TOFFEE_INET6=0: AF_INET6 sockets pass through */
	bool     warned;
	unsigned spin_us;
	pid_t    pid;                   /**< this process (a vfork child differs) */
	char     rundir[108];           /**< $TOFFEE_RUNDIR at start ("" = default) */
	bool     exiting;               /**< closing everything at exit (no SO_LINGER wait) */
	struct ts_waiter *waiters;
	struct ts_ep *eps;
};
extern struct ts_global ts TF_HIDDEN;


TF_HIDDEN void ts_lock(void);
TF_HIDDEN void ts_unlock(void);
/** The process context, opened on first use (locked). @return 0 or -errno. */
TF_HIDDEN int ts_ctx_ensure(void);
/** Process the context and turn its events into socket state (locked).
 *  Wakes other waiters when anything changed. */
TF_HIDDEN void ts_pump(void);
/** Like ts_pump() but only the event ring (no system call): data paths. */
TF_HIDDEN void ts_pump_fast(void);
/** ts_pump() if the control socket was not read in the last 100 us, else
 *  ts_pump_fast(): for calls that may be made in a tight loop. */
TF_HIDDEN void ts_pump_auto(void);
/** Readiness of a socket changed: bump its generation, queue its epoll items. */
TF_HIDDEN void ts_sock_changed(struct ts_sock *s);

/** A blocking wait (locked on entry and exit, unlocked while asleep):
 *  sleeps on @p kfds (may be NULL) plus the context's descriptors and a
 *  wake eventfd, for at most @p timeout_ms (-1 = forever).
 *  @return >= 0 kernel fds ready (their revents set); -EINTR; -errno. */
TF_HIDDEN int ts_block(struct pollfd *kfds, nfds_t nk, int timeout_ms, const sigset_t *sigmask);
/** Spin briefly (unlocked) on the event ring. @return true if events came
 *  (the caller pumps them). */
TF_HIDDEN bool ts_spin(void);
/** Tell the spin heuristic how long a sleep lasted and whether something
 *  (rather than the timeout) ended it. */
TF_HIDDEN void ts_slept(uint64_t slept_ns, bool by_event);
/** Register / unregister a sleeper to be poked when events are processed. */
TF_HIDDEN void ts_waiter_add(struct ts_waiter *w);
TF_HIDDEN void ts_waiter_del(struct ts_waiter *w);
/** Arm the context's notification. @return true if events are pending. */
TF_HIDDEN bool ts_arm(void);
/** Mark a descriptor as the library's own (close() leaves it alone). */
TF_HIDDEN void ts_fd_mark_internal(int fd);
TF_HIDDEN void ts_fd_unmark_internal(int fd);
/** The calling thread's wake eventfd (created on first use). */
TF_HIDDEN int ts_tls_wake_fd(void);
/** Milliseconds left until @p deadline_ns (-1 if deadline is 0 = none). */
TF_HIDDEN int ts_ms_left(uint64_t deadline_ns);
TF_HIDDEN uint64_t ts_deadline(int timeout_ms);
/** True in a vfork() child (posix_spawn, Python's subprocess): it shares
 *  our memory, so it must not change library state; its fds are its own. */
TF_HIDDEN bool ts_in_vfork_child(void);
/** fork() handlers. */
TF_HIDDEN void ts_atfork_prepare(void);
TF_HIDDEN void ts_atfork_parent(void);
TF_HIDDEN void ts_atfork_child(void);
TF_HIDDEN void ts_global_init(void);
/** Process exit: close what is open (toffeed completes the closes). */
TF_HIDDEN void ts_exit_close(void);

/* ------------------------------------------------------------------------ */
/* Readiness (ts_ready.c, pure)                                             */
/* ------------------------------------------------------------------------ */
/** What readiness depends on. */
struct ts_rstate {
	uint8_t  mode;                  /**< enum ts_mode */
	uint8_t  conn_state;            /**< enum toffee_conn_state (CONNECTED) */
	bool     stale;                 /**< inherited across fork or closed */
	bool     fin_rx, shut_rd, shut_wr;
	int      so_error;
	uint32_t rx_avail;
	uint32_t tx_free, tx_size;
	uint32_t acceptq;
};
/** poll(2) bits for a socket in state @p r (POLLIN, POLLOUT, POLLRDHUP,
 *  POLLHUP, POLLERR, POLLNVAL; with their RDNORM/WRNORM twins). */
TF_HIDDEN short ts_ready_mask(const struct ts_rstate *r);
/** Fill @p r from a socket (locked). */
TF_HIDDEN void ts_sock_rstate(const struct ts_sock *s, struct ts_rstate *r);
/** Current poll bits of a socket (locked). */
TF_HIDDEN short ts_sock_poll(const struct ts_sock *s);

/* ------------------------------------------------------------------------ */
/* Sockets (ts_sock.c)                                                      */
/* ------------------------------------------------------------------------ */
TF_HIDDEN bool ts_want(int domain, int type, int protocol);
TF_HIDDEN int ts_op_socket(int domain, int type, int protocol);
TF_HIDDEN int ts_op_bind(int fd, const struct sockaddr *a, socklen_t len);
TF_HIDDEN int ts_op_listen(int fd, int backlog);
TF_HIDDEN int ts_op_accept(int fd, struct sockaddr *a, socklen_t *len, int flags);
TF_HIDDEN int ts_op_connect(int fd, const struct sockaddr *a, socklen_t len);
TF_HIDDEN int ts_op_shutdown(int fd, int how);
/** close() of a mapped fd (any kind). @return 0, -errno or TS_PASS. */
TF_HIDDEN int ts_op_close(int fd);
/** The mapping of @p fd goes away (close, dup2 over it): release (locked). */
TF_HIDDEN void ts_fd_drop(int fd);
/** Look up a live socket under the lock. @return NULL (*err = -EBADF). */
TF_HIDDEN struct ts_sock *ts_sock_get_locked(int fd, int *err);
/** A connected socket on @p fds (its kernel fds) for connection @p c,
 *  @p shared with other processes, AF_INET6 if @p v6 (locked).
 *  @return 0 or -ENOMEM. */
TF_HIDDEN int ts_sock_adopt(const int *fds, unsigned n, struct toffee_conn *c, bool shared, bool v6);
/** At start-up (exec'd with a toffee connection on a descriptor, inetd
 *  style): take the connection over (ts_exec.c). */
TF_HIDDEN void ts_exec_adopt(void);
/** The same without taking an inherited socket over (fd-level calls such
 *  as F_GETFD/F_SETFD, which a fork child makes on every fd it has). */
TF_HIDDEN struct ts_sock *ts_sock_peek_locked(int fd, int *err);
/** True if @p s may be used by this process: not closed, and not inherited
 *  across fork (an inherited listening socket is joined here, an inherited
 *  connection taken over: locked). */
TF_HIDDEN bool ts_sock_live(struct ts_sock *s);
/** The app waits for connections on @p s (poll, epoll): if it is a
 *  listening socket, toffeed routes connections to it (locked). */
TF_HIDDEN void ts_sock_wants_accept(struct ts_sock *s);
/** Start/stop an operation that may drop the lock (keeps @p s alive). */
TF_HIDDEN void ts_sock_hold(struct ts_sock *s);
TF_HIDDEN void ts_sock_unhold(struct ts_sock *s);
/** Take a pending connection-level error of a reset flow (positive errno). */
TF_HIDDEN int ts_sock_take_error(struct ts_sock *s);
/** Event from the context for socket @p s (locked). */
TF_HIDDEN void ts_sock_on_event(struct ts_sock *s, const struct toffee_event *e);
TF_HIDDEN void ts_addr_from(struct sockaddr_in *sa, const struct toffee_addr *a);
/** Hand socket @p s (behind @p fd) to the kernel (locked). @return TS_PASS or -errno. */
TF_HIDDEN int ts_sock_to_kernel(int fd, struct ts_sock *s);
/** Tell toffeed the keepalive settings of connected socket @p s (locked). */
TF_HIDDEN void ts_sock_keepalive(struct ts_sock *s);
/** Give address @p sa of socket @p s to the application (IPv4-mapped for
 *  an AF_INET6 socket), truncated to *@p len as the kernel does. */
TF_HIDDEN void ts_addr_out(const struct ts_sock *s, const struct sockaddr_in *sa, struct sockaddr *out,
			   socklen_t *len);

/* ts_io.c */
TF_HIDDEN ssize_t ts_op_recv(int fd, const struct iovec *iov, int iovcnt, int flags,
			     struct sockaddr *from, socklen_t *fromlen);
TF_HIDDEN ssize_t ts_op_send(int fd, const struct iovec *iov, int iovcnt, int flags);
TF_HIDDEN ssize_t ts_op_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);

/* ts_opt.c */
TF_HIDDEN int ts_op_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
TF_HIDDEN int ts_op_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
TF_HIDDEN int ts_op_getsockname(int fd, struct sockaddr *a, socklen_t *len);
TF_HIDDEN int ts_op_getpeername(int fd, struct sockaddr *a, socklen_t *len);
TF_HIDDEN int ts_op_fcntl(int fd, int cmd, long arg);
TF_HIDDEN int ts_op_ioctl(int fd, unsigned long req, void *arg);
/** dup family: @p newfd < 0 = dup(); else dup3(oldfd, newfd, flags). */
TF_HIDDEN int ts_op_dup(int oldfd, int newfd, int flags, bool is_dup2);

/* ts_poll.c */
TF_HIDDEN int ts_op_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask);
TF_HIDDEN int ts_op_select(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout_ms,
			   const sigset_t *sigmask);
/** True if any of the first @p n fds is a toffee socket. */
TF_HIDDEN bool ts_poll_has_toffee(const struct pollfd *fds, nfds_t n);
TF_HIDDEN bool ts_select_has_toffee(int nfds, const fd_set *r, const fd_set *w, const fd_set *e);

/* ts_epoll.c */
struct ts_epitem {
	struct ts_ep *ep;
	struct ts_sock *s;
	int      fd;
	uint32_t events;                /**< EPOLL* requested */
	epoll_data_t data;
	uint32_t last_gen;              /**< EPOLLET: rgen when last reported */
	bool     disabled;              /**< EPOLLONESHOT fired */
	bool     on_rdy;
	struct ts_epitem *snext;        /**< socket's list */
	struct ts_epitem *enext;        /**< epoll's list */
	struct ts_epitem *rnext;        /**< epoll's ready list */
};

struct ts_ep {
	struct ts_obj o;                /* first */
	int      epfd;                  /**< the real epoll instance */
	int      wake_fd;               /**< eventfd registered in it (magic data) */
	struct toffee_ctx *ctx_added;   /**< context whose fds are registered */
	uint64_t last_kcheck;           /**< last look at the kernel fds (ns) */
	struct ts_epitem *items;
	struct ts_epitem *rhead, *rtail;
	struct ts_ep *next;             /**< ts.eps */
};

/** epoll_data values the library registers for its own descriptors; never
 *  a canonical pointer nor a small integer. */
#define TS_EP_MAGIC      0x7f0ffee000000000ull
#define TS_EP_MAGIC_MASK 0xfffffff000000000ull

TF_HIDDEN int ts_op_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
TF_HIDDEN int ts_op_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms,
			       const sigset_t *sigmask);
/** Queue an item on its epoll's ready list. */
TF_HIDDEN void ts_ep_queue(struct ts_epitem *it);
/** Collect ready toffee items into @p evs (locked). @return count. */
TF_HIDDEN int ts_ep_collect(struct ts_ep *ep, struct epoll_event *evs, int max);
/** Remove every item of socket @p s (it is closing). */
TF_HIDDEN void ts_ep_forget_sock(struct ts_sock *s, int fd);
/** Free an epoll object (its fd was closed). */
TF_HIDDEN void ts_ep_free(struct ts_ep *ep);
/** Fork child: drop every item of every epoll object. */
TF_HIDDEN void ts_ep_fork_child(void);

#endif /* TOFFEE_TS_INTERNAL_H */
