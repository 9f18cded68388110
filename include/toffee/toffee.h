/* SPDX-License-Identifier: MIT */
/**
 * @file toffee.h
 * libtoffee: the low-level event API of toffee.
 *
 * A context (struct toffee_ctx) is one application context of the NIC: two
 * rings (events NIC -> app, commands app -> NIC) and the payload buffers of
 * its flows, all in a shared-memory region handed out by toffeed, plus a
 * doorbell page and an eventfd. Data never crosses toffeed: the application
 * reads received bytes in place from a flow's circular receive buffer and
 * writes bytes to send in place into its transmit buffer, then tells the
 * NIC how many bytes it consumed or appended.
 *
 * Threading: a context and everything created from it (flows, listeners)
 * must be used by one thread at a time; the fast model is one context per
 * thread. The library takes no locks.
 *
 * Typical server loop:
 * @code
 *   struct toffee_ctx *ctx;  toffee_ctx_open(&ctx, NULL);
 *   struct toffee_listener *l;
 *   struct toffee_addr any = { 0, 7 };
 *   toffee_listen(ctx, &any, 128, 0, NULL, &l);
 *   for (;;) {
 *     struct toffee_event ev[64];
 *     int n = toffee_poll(ctx, ev, 64, -1);
 *     for (int i = 0; i < n; i++) {
 *       if (ev[i].events & TOFFEE_EV_ACCEPT) { struct toffee_conn *c;
 *         while (toffee_accept(l, &c) == 0) toffee_conn_set_user(c, c); }
 *       if (ev[i].events & TOFFEE_EV_RX) { void *p1, *p2; size_t l1, l2;
 *         ssize_t n = toffee_rx_peek(ev[i].conn, &p1, &l1, &p2, &l2);
 *         ... toffee_rx_consume(ev[i].conn, n); }
 *     }
 *   }
 * @endcode
 *
 * A connection (struct toffee_conn) is one TCP flow of the NIC owned by the
 * context; its fast-path state lives on the NIC (struct toffee_flow of
 * abi.h), the library keeps the application's view of its buffers.
 *
 * All functions returning int return 0 (or a count) on success and a
 * negative errno on failure; they never set errno.
 */
#ifndef TOFFEE_TOFFEE_H
#define TOFFEE_TOFFEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif
/* The API stays visible when the library is built with -fvisibility=hidden. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

struct toffee_ctx;
struct toffee_conn;
struct toffee_listener;

/** An IPv4 endpoint, host byte order. ip 0 = any / let toffeed choose;
 *  port 0 = let toffeed choose. */
struct toffee_addr {
	uint32_t ip;
	uint16_t port;
};

/* Event bits (struct toffee_event.events). */
#define TOFFEE_EV_RX        (1u << 0) /**< new bytes to read (or EOF, see FIN) */
#define TOFFEE_EV_TX        (1u << 1) /**< transmit space was freed */
#define TOFFEE_EV_FIN       (1u << 2) /**< the peer closed: EOF after the bytes held */
#define TOFFEE_EV_CONNECTED (1u << 3) /**< toffee_connect() completed */
#define TOFFEE_EV_ERROR     (1u << 4) /**< connect failed or the flow was reset: status */
#define TOFFEE_EV_ACCEPT    (1u << 5) /**< listener: connections wait in toffee_accept() */

/** One event: everything that happened to one flow or listener since the
 *  previous toffee_poll() that reported it (bits are merged). */
struct toffee_event {
	uint32_t events;                  /**< TOFFEE_EV_* */
	int32_t  status;                  /**< ERROR: -ECONNREFUSED, -ECONNRESET, -ETIMEDOUT, ... */
	struct toffee_conn *conn;         /**< the connection, or NULL for a listener event */
	struct toffee_listener *listener; /**< the listener, or NULL for a connection event */
	void    *user;                    /**< the object's user pointer */
};

/* Flags for toffee_listen() / toffee_connect(). */
#define TOFFEE_F_REUSEPORT  (1u << 0) /**< share the port with other listeners */
#define TOFFEE_F_NODELAY    (1u << 1) /**< no send coalescing (TCP_NODELAY) */

/* ------------------------------------------------------------------------ */
/* Contexts                                                                 */
/* ------------------------------------------------------------------------ */

/**
 * Open a context: connect to <rundir>/app.sock, say HELLO, map the region,
 * the doorbell page and keep the eventfd.
 * @param out     receives the context
 * @param rundir  run directory, or NULL for $TOFFEE_RUNDIR, default
 *                /run/toffee/default
 * @return 0; -ENOENT / -ECONNREFUSED (toffeed not running), -EPROTO (bad
 *         reply), -ENOMEM, -EACCES, or the errno of a failed mapping.
 */
int toffee_ctx_open(struct toffee_ctx **out, const char *rundir);

/**
 * Close a context: hang up on toffeed (which resets the remaining flows),
 * unmap everything and free all flows and listeners. NULL is a no-op.
 */
void toffee_ctx_close(struct toffee_ctx *ctx);

/**
 * The two descriptors an external event loop should wait on (readable):
 * the notification eventfd and the control socket. Call toffee_ctx_arm()
 * before blocking on them.
 * @return 0; -EINVAL if @p ctx is NULL.
 */
int toffee_ctx_fds(const struct toffee_ctx *ctx, int *ev_fd, int *ctl_fd);

/**
 * Process everything pending without blocking: drain the event ring and
 * the control socket, post deferred commands. Objects with news are queued
 * for toffee_poll().
 * @return number of objects with pending events; -ENOTCONN if toffeed hung
 *         up (all flows are then reset).
 */
int toffee_ctx_process(struct toffee_ctx *ctx);

/**
 * Ask for a notification on the eventfd for the next event, then re-check.
 * Also clears a pending notification (reads the eventfd).
 * @return 0 when armed and nothing is pending (safe to block on the fds of
 *         toffee_ctx_fds()); 1 when events are already pending (do not
 *         block: call toffee_poll()).
 */
int toffee_ctx_arm(struct toffee_ctx *ctx);

/**
 * Wait for events and return them. Spins for a short while (TOFFEE_SPIN_US,
 * default 20 us) before arming and blocking on the eventfd and the control
 * socket.
 * @param timeout_ms  0 = do not block, -1 = forever
 * @return number of events stored (0 on timeout); -EINTR if a signal
 *         interrupted the wait; -ENOTCONN if toffeed hung up and nothing
 *         else is pending; -EINVAL for bad arguments.
 */
int toffee_poll(struct toffee_ctx *ctx, struct toffee_event *evs, unsigned max,
		int timeout_ms);

/* ------------------------------------------------------------------------ */
/* Listeners                                                                */
/* ------------------------------------------------------------------------ */

/**
 * Listen on a local address.
 * @param local  ip 0 = any local address; port 0 = toffeed picks one
 *               (see toffee_listener_addr())
 * @return 0; -EADDRINUSE, -EADDRNOTAVAIL, -EACCES, -ENOMEM, -ENOTCONN
 *         (toffeed gone), -EPROTO.
 */
int toffee_listen(struct toffee_ctx *ctx, const struct toffee_addr *local, int backlog,
		  unsigned flags, void *user, struct toffee_listener **out);

/** Local address of a listener (port filled in by toffeed when asked
 *  for 0, if it tells). */
void toffee_listener_addr(const struct toffee_listener *l, struct toffee_addr *local);

/**
 * Take the next established connection.
 * @return 0 and *out; -EAGAIN if none is queued.
 */
int toffee_accept(struct toffee_listener *l, struct toffee_conn **out);

/** Number of established connections waiting in toffee_accept(). */
unsigned toffee_accept_pending(const struct toffee_listener *l);

/** Stop listening. Queued connections are aborted. The listener is freed. */
void toffee_listener_close(struct toffee_listener *l);

void  toffee_listener_set_user(struct toffee_listener *l, void *user);
void *toffee_listener_user(const struct toffee_listener *l);

/* ------------------------------------------------------------------------ */
/* Flows                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * Start an active open. Completion is reported by an event:
 * TOFFEE_EV_CONNECTED, or TOFFEE_EV_ERROR with status -ECONNREFUSED,
 * -ETIMEDOUT, -ENETUNREACH, ...
 * @param local  NULL or ip/port to use (0 = toffeed picks)
 * @return 0 and a flow in the connecting state; -ENOMEM, -ENOTCONN.
 */
int toffee_connect(struct toffee_ctx *ctx, const struct toffee_addr *remote,
		   const struct toffee_addr *local, unsigned flags, void *user,
		   struct toffee_conn **out);

void  toffee_conn_set_user(struct toffee_conn *f, void *user);
void *toffee_conn_user(const struct toffee_conn *f);

/** Flow states (struct toffee_conn_info.state). */
enum toffee_conn_state {
	TOFFEE_CONN_CONNECTING = 1, /**< active open in progress */
	TOFFEE_CONN_OPEN       = 2, /**< established (possibly half-closed) */
	TOFFEE_CONN_FAILED     = 3, /**< active open failed (error) */
	TOFFEE_CONN_RESET      = 4, /**< reset by the peer or timed out (error) */
};

/** A snapshot of a flow. */
struct toffee_conn_info {
	uint32_t state;            /**< enum toffee_conn_state */
	int32_t  error;            /**< 0 or -errno for FAILED/RESET */
	struct toffee_addr local, remote;
	uint32_t rx_avail;         /**< bytes ready to read */
	uint32_t rx_size;          /**< receive buffer size */
	uint32_t tx_free;          /**< bytes that can be appended */
	uint32_t tx_size;          /**< transmit buffer size */
	uint32_t tx_unacked;       /**< appended, not yet acknowledged by the peer */
	uint16_t mss;
	uint8_t  fin_rx;           /**< the peer closed (EOF after rx_avail bytes) */
	uint8_t  shut_wr;          /**< we closed our direction */
};

/** Fill @p info. @return 0; -EINVAL if a pointer is NULL. */
int toffee_conn_info(const struct toffee_conn *f, struct toffee_conn_info *info);

/**
 * Zero-copy receive: point at the bytes ready to read, in at most two
 * pieces (the buffer is circular). Nothing is consumed.
 * @return bytes available (l1 + l2); 0 when none (EOF if the info's fin_rx
 *         is set); -ENOTCONN while connecting; -ECONNRESET (or the flow's
 *         error) after a reset once the data is gone.
 */
ssize_t toffee_rx_peek(struct toffee_conn *f, void **p1, size_t *l1, void **p2, size_t *l2);

/**
 * Release @p n bytes from the front of the receive buffer and tell the NIC
 * (which re-opens the window).
 * @return 0; -EINVAL if @p n exceeds the bytes available.
 */
int toffee_rx_consume(struct toffee_conn *f, size_t n);

/**
 * Zero-copy send: point at the free transmit space (at most two pieces).
 * @return free bytes (l1 + l2), possibly 0; -ENOTCONN while connecting;
 *         -EPIPE after toffee_shutdown(); the flow's error after a reset.
 */
ssize_t toffee_tx_reserve(struct toffee_conn *f, void **p1, size_t *l1, void **p2, size_t *l2);

/**
 * Hand @p n bytes written at the front of the reserved space to the NIC.
 * @return 0; -EINVAL if @p n exceeds the free space; -EPIPE after shutdown.
 */
int toffee_tx_commit(struct toffee_conn *f, size_t n);

/** toffee_recv() flag: copy without consuming. */
#define TOFFEE_RECV_PEEK 1u

/**
 * Copying receive.
 * @return bytes copied; 0 at EOF (the peer closed and everything was read);
 *         -EAGAIN if nothing is ready; the errors of toffee_rx_peek().
 */
ssize_t toffee_recv(struct toffee_conn *f, void *buf, size_t len, unsigned flags);

/**
 * Copying send: appends as much of @p buf as fits.
 * @return bytes appended (> 0); -EAGAIN if the buffer is full; the errors
 *         of toffee_tx_reserve().
 */
ssize_t toffee_send(struct toffee_conn *f, const void *buf, size_t len);

/**
 * Close our direction (FIN after all appended data); receiving goes on.
 * @return 0; -ENOTCONN if not established; the flow's error after a reset.
 */
int toffee_shutdown(struct toffee_conn *f);

/**
 * TCP keepalive (as SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT):
 * after @p idle_s seconds without hearing from the peer, toffeed probes
 * every @p intvl_s seconds and resets the flow (-ETIMEDOUT) after @p cnt
 * unanswered probes. 0 = Linux's default (7200 s, 75 s, 9). @p on 0 turns
 * it off. @return 0; -ENOTCONN if not established; the flow's error after
 * a reset; -EINVAL for an interval above 65535 s or more than 255 probes.
 */
int toffee_conn_keepalive(struct toffee_conn *f, int on, unsigned idle_s, unsigned intvl_s, unsigned cnt);

/**
 * Close the flow: FIN after all appended data (or an abort if unread data
 * remains, as Linux does). The handle must not be used afterwards; the
 * library frees it when toffeed reports the flow closed.
 * @return 0.
 */
int toffee_close(struct toffee_conn *f);

/** Reset the flow (RST) and release it (SO_LINGER with a zero timeout).
 *  The handle must not be used afterwards. @return 0. */
int toffee_abort(struct toffee_conn *f);

/** Library counters of a context, for tools and tests. */
struct toffee_ctx_stats {
	uint64_t events;          /**< EV ring entries consumed */
	uint64_t ev_unknown;      /**< events for flows not (yet) known, stashed */
	uint64_t ev_bad;          /**< events with impossible lengths (ignored) */
	uint64_t cmds;            /**< CMD ring entries posted */
	uint64_t cmd_full;        /**< times the CMD ring was found full */
	uint64_t ctl_msgs;        /**< control messages received */
	uint64_t wakeups;         /**< blocking waits that slept */
	uint32_t flows;           /**< flows alive in the library */
	uint32_t listeners;
};

/** Copy the counters of @p ctx. @return 0; -EINVAL. */
int toffee_ctx_stats(const struct toffee_ctx *ctx, struct toffee_ctx_stats *st);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif /* TOFFEE_TOFFEE_H */
