/* SPDX-License-Identifier: MIT */
/**
 * @file tf_internal.h
 * libtoffee internals: rings, buffers, context, flows, control channel.
 * Not installed; shared by the event API (tf_*.c), the sockets layer
 * (ts_*.c) and the unit tests.
 */
#ifndef TOFFEE_TF_INTERNAL_H
#define TOFFEE_TF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "toffee/abi.h"
#include "toffee/appproto.h"
#include "toffee/toffee.h"

#define TF_HIDDEN __attribute__((visibility("hidden")))
#define TF_LIKELY(x)   __builtin_expect(!!(x), 1)
#define TF_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ------------------------------------------------------------------------ */
/* Rings (tf_ring.c): the application side of the abi.h ring conventions   */
/* ------------------------------------------------------------------------ */

/** Consumer of the EV ring (NIC -> app). */
struct tf_evq {
	struct toffee_ctx_ev *ring;
	uint32_t log2, mask;
	uint32_t head;                 /**< next entry to consume */
	uint32_t published;            /**< last head written to the doorbell */
	volatile uint32_t *db_head;    /**< TOFFEE_DB_EV_HEAD in the doorbell page */
};

/** Producer of the CMD ring (app -> NIC). */
struct tf_cmdq {
	struct toffee_ctx_cmd *ring;
	uint32_t log2, mask;
	uint32_t tail;                 /**< next entry to fill */
	uint32_t head;                 /**< cached consumer index of the NIC */
	uint32_t rung;                 /**< last tail written to the doorbell */
	volatile uint32_t *db_tail;    /**< TOFFEE_DB_CMD_TAIL in the doorbell page */
	const volatile uint32_t *nic_head; /**< the NIC's consumer index (read only) */
};

TF_HIDDEN void tf_evq_init(struct tf_evq *q, void *ring, uint32_t log2, volatile uint32_t *db_head);
/** Next complete event or NULL (phase byte checked, then an acquire fence). */
TF_HIDDEN const struct toffee_ctx_ev *tf_evq_peek(const struct tf_evq *q);
TF_HIDDEN void tf_evq_pop(struct tf_evq *q);
/** Write the consumer index to the doorbell if it moved. */
TF_HIDDEN void tf_evq_publish(struct tf_evq *q);

TF_HIDDEN void tf_cmdq_init(struct tf_cmdq *q, void *ring, uint32_t log2, volatile uint32_t *db_tail,
			    const volatile uint32_t *nic_head);
/** Free entries, re-reading the NIC's index only when the cache says full. */
TF_HIDDEN uint32_t tf_cmdq_space(struct tf_cmdq *q);
/** Fill the next entry (phase written last, after a release fence).
 *  @return 0; -EAGAIN if the ring is full. The doorbell is not written. */
TF_HIDDEN int tf_cmdq_push(struct tf_cmdq *q, uint32_t flow, uint32_t tx_bytes, uint32_t rx_bytes,
			    uint8_t flags);
/** Write the producer index to the doorbell if it moved. */
TF_HIDDEN void tf_cmdq_ring(struct tf_cmdq *q);
/** True when the NIC consumed every entry posted so far. */
TF_HIDDEN bool tf_cmdq_drained(struct tf_cmdq *q);

/* ------------------------------------------------------------------------ */
/* Circular payload buffers (tf_buf.c). Byte with sequence S is at S & mask */
/* ------------------------------------------------------------------------ */

/** Split [seq, seq+len) into at most two contiguous pieces. @return pieces. */
TF_HIDDEN int tf_buf_segs(uint8_t *buf, uint32_t mask, uint32_t seq, size_t len, struct iovec seg[2]);
TF_HIDDEN void tf_buf_read(const uint8_t *buf, uint32_t mask, uint32_t seq, void *dst, size_t len);
TF_HIDDEN void tf_buf_write(uint8_t *buf, uint32_t mask, uint32_t seq, const void *src, size_t len);
/** Copy @p n bytes from an iovec list (after skipping @p sskip bytes) to
 *  another (after skipping @p dskip). @return bytes copied (less if either
 *  list ends first). */
TF_HIDDEN size_t tf_iov_copy(const struct iovec *dst, int dcnt, size_t dskip,
			     const struct iovec *src, int scnt, size_t sskip, size_t n);
/** Total length of an iovec list (SIZE_MAX on overflow). */
TF_HIDDEN size_t tf_iov_len(const struct iovec *iov, int cnt);

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

enum tf_src_kind { TF_SRC_FLOW = 1, TF_SRC_LISTENER = 2 };

/** Common head of flows and listeners: the "has news" queue of toffee_poll. */
struct tf_src {
	struct tf_src *dnext;
	uint32_t pending;      /**< TOFFEE_EV_* not yet reported */
	int32_t  status;
	uint8_t  kind;
	bool     on_dirty;
	void    *user;
};

/** Library-internal flow phases (superset of enum toffee_conn_state). */
enum tf_phase {
	TF_CONNECTING = TOFFEE_CONN_CONNECTING,
	TF_OPEN       = TOFFEE_CONN_OPEN,
	TF_FAILED     = TOFFEE_CONN_FAILED,
	TF_RESET      = TOFFEE_CONN_RESET,
};

struct toffee_conn {
	struct tf_src src;               /* first */
	struct toffee_ctx *ctx;
	uint32_t id;                     /**< NIC flow id, TOFFEE_FLOW_NONE until known */
	uint32_t req;                    /**< CONNECT request number */
	uint8_t  phase;                  /**< enum tf_phase */
	bool     fin_rx;                 /**< the peer's FIN follows rx_tail */
	bool     shut_wr;                /**< SHUTDOWN_WR / CLOSE sent */
	bool     user_closed;            /**< the application let go of the handle */
	bool     gone;                   /**< toffeed freed it (CLOSED): buffers invalid */
	bool     on_cmd;                 /**< queued for a deferred command */
	bool     fin_unposted;           /**< TOFFEE_CMDF_FIN not yet posted */
	bool     in_table;
	int32_t  err;                    /**< -errno for FAILED/RESET */
	uint8_t *rx_buf, *tx_buf;
	uint32_t rx_mask, tx_mask;
	uint32_t rx_head, rx_tail;       /**< next byte to read; after last byte received */
	uint32_t rx_unposted;            /**< consumed, not yet told to the NIC */
	uint32_t tx_head, tx_tail;       /**< oldest unacknowledged; after last appended */
	uint32_t tx_unposted;            /**< appended, not yet told to the NIC */
	struct toffee_addr local, remote;
	uint16_t mss;
	uint32_t cflags;                 /**< TOFFEE_F_* given at creation */
	uint64_t key;                    /**< toffeed's secret for fork children */
	struct toffee_conn *cnext;       /**< deferred-command queue */
	struct toffee_conn *anext;       /**< listener accept queue */
	struct toffee_listener *lst;     /**< listener while queued for accept */
};

struct toffee_listener {
	struct tf_src src;               /* first */
	struct toffee_ctx *ctx;
	uint32_t id;
	uint64_t key;                    /**< toffeed's secret for fork children */
	bool     accepting;              /**< ACCEPTING sent */
	struct toffee_addr addr;
	struct toffee_conn *qhead, *qtail;
	uint32_t qlen;
	struct toffee_listener *next;    /**< context's list */
};

/** Events seen for a flow id before the flow was announced (ACCEPTED /
 *  CONNECTED travel on the control socket and can lose the race):
 *  tf_stash.c, a table that grows as needed. */
struct tf_stash_ent {
	uint32_t id;                     /**< TOFFEE_FLOW_NONE = free slot */
	uint32_t rx, tx;
	uint8_t  flags;
};
struct tf_stash {
	struct tf_stash_ent *e;          /**< cap slots (a power of two), or NULL */
	uint32_t cap, n;
};

/** A sleeper re-checks the event ring at least this often (ms): a guard
 *  against a lost notification (a NIC that reads DB_ARM before its event
 *  write is visible); costs ~10 wake-ups per second per idle sleeper.
 *  TOFFEE_WAIT_SLICE_MS overrides. */
#define TF_WAIT_SLICE_MS 100u

/** An asynchronous request waiting for its reply. */
struct tf_req {
	struct tf_req *next;
	uint32_t req;
	uint32_t type;                   /**< enum toffee_appmsg_type */
	struct toffee_conn *flow;
};
#define TF_REQ_BUCKETS 64u

struct toffee_ctx {
	int      ctl_fd;                 /**< app.sock connection (SOCK_SEQPACKET) */
	int      ev_fd;                  /**< notification eventfd */
	int      bar_fd;                 /**< BAR0 file (closed after mapping; -1) */
	uint32_t ctx_id;
	uint8_t *region;
	size_t   region_size;
	bool     region_owned;           /**< mapped by us (unmap on close) */
	volatile uint32_t *db;           /**< doorbell page */
	void    *db_map;                 /**< mapping to undo (NULL in tests) */
	struct tf_evq evq;
	struct tf_cmdq cmdq;
	/* flows by NIC id */
	struct toffee_conn **flows;
	uint32_t flows_cap;
	struct toffee_listener *listeners;
	struct tf_src *dhead, *dtail;    /**< objects with news */
	struct toffee_conn *chead, *ctail; /**< flows with deferred commands */
	struct tf_req *reqs[TF_REQ_BUCKETS];
	uint32_t next_req;
	struct tf_stash stash;
	bool     dead;                   /**< toffeed hung up (flows failed) */
	bool     hup;                    /**< hang-up seen, not yet processed */
	struct toffee_appmsg *inq;       /**< messages read while sending, to dispatch */
	unsigned inq_len, inq_cap;
	bool     draining;               /**< re-entrancy guard of tf_ctx_drain_ev */
	unsigned spin_us;
	unsigned slice_ms;               /**< longest sleep without looking (TF_WAIT_SLICE_MS) */
	struct toffee_ctx_stats st;
};

/* Debug trace (TOFFEE_TRACE=1: control messages and events to stderr). */
extern int tf_trace TF_HIDDEN;
#define TF_TRACE(...) do { if (TF_UNLIKELY(tf_trace)) tf_trace_printf(__VA_ARGS__); } while (0)
TF_HIDDEN void tf_trace_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tf_ctx.c */
/** Geometry of a context whose memory is already mapped (the open path
 *  after HELLO, and tests with memory of their own). */
struct tf_ctx_layout {
	uint8_t *region;
	size_t   region_size;
	uint32_t ctx_id;
	uint32_t ev_off, cmd_off;
	uint8_t  ev_log2, cmd_log2;
	volatile uint32_t *db;                /**< 4 KiB doorbell page */
	const volatile uint32_t *cmd_nic_head;/**< the NIC's CMD consumer index */
	int      ctl_fd, ev_fd;               /**< -1 allowed in tests */
};
/** Build a context on memory the caller mapped. @return 0; -EINVAL; -ENOMEM. */
TF_HIDDEN int tf_ctx_attach(struct toffee_ctx **out, const struct tf_ctx_layout *lay);
/** Drain the EV ring into the flows. @return entries consumed. */
TF_HIDDEN unsigned tf_ctx_drain_ev(struct toffee_ctx *ctx);
/** Queue an object for toffee_poll() with event bits @p ev. */
TF_HIDDEN void tf_src_mark(struct toffee_ctx *ctx, struct tf_src *s, uint32_t ev);
TF_HIDDEN void tf_src_unmark(struct toffee_ctx *ctx, struct tf_src *s);
/** True if the EV ring holds an unconsumed entry. */
TF_HIDDEN bool tf_ctx_ev_pending(const struct toffee_ctx *ctx);
/** Arm without touching the eventfd (callers clear it when it fires).
 *  @return 1 if events are pending. */
TF_HIDDEN int tf_ctx_arm_only(struct toffee_ctx *ctx);
/** Read (clear) the eventfd without blocking. */
TF_HIDDEN void tf_ctx_clear_notify(struct toffee_ctx *ctx);
/** Move queued events into @p evs (what toffee_poll returns). */
TF_HIDDEN int tf_ctx_collect(struct toffee_ctx *ctx, struct toffee_event *evs, unsigned max);
/** Wait until the NIC consumed every posted command (bounded: ~1 s). */
TF_HIDDEN void tf_ctx_wait_cmds(struct toffee_ctx *ctx);
/** Monotonic clock in nanoseconds. */
TF_HIDDEN uint64_t tf_now_ns(void);

/* tf_flow.c */
TF_HIDDEN struct toffee_conn *tf_flow_new(struct toffee_ctx *ctx);
/** Give a flow its identity and buffers from a toffeed announcement.
 *  @return 0; -EPROTO if the buffers lie outside the region. */
TF_HIDDEN int tf_flow_setup(struct toffee_conn *f, const struct toffee_app_flow *af);
TF_HIDDEN struct toffee_conn *tf_flow_lookup(struct toffee_ctx *ctx, uint32_t id);
TF_HIDDEN int tf_flow_table_add(struct toffee_conn *f);
TF_HIDDEN void tf_flow_table_del(struct toffee_conn *f);
/** Apply one event (or stashed events) to a flow. */
TF_HIDDEN void tf_flow_on_ev(struct toffee_conn *f, uint32_t rx, uint32_t tx, uint8_t flags);
/** Free a flow object (unlinks it from every queue). */
TF_HIDDEN void tf_flow_free(struct toffee_conn *f);
/** Post a flow's deferred counts to the CMD ring (queue it if full). */
TF_HIDDEN void tf_flow_post(struct toffee_conn *f);
/** Post every deferred command. */
TF_HIDDEN void tf_ctx_flush(struct toffee_ctx *ctx);
/** Mark a flow reset/failed with @p err and report it. */
TF_HIDDEN void tf_flow_fail(struct toffee_conn *f, uint8_t phase, int32_t err);
TF_HIDDEN void tf_stash_add(struct toffee_ctx *ctx, uint32_t id, uint32_t rx, uint32_t tx, uint8_t flags);
TF_HIDDEN void tf_stash_take(struct toffee_ctx *ctx, struct toffee_conn *f);
TF_HIDDEN void tf_stash_drop(struct toffee_ctx *ctx, uint32_t id);
TF_HIDDEN void tf_stash_free(struct toffee_ctx *ctx);

/* tf_ctl.c */
/** Send a request; @p type/@p id/... in @p m, req filled in. @return 0 or -errno. */
TF_HIDDEN int tf_ctl_send(struct toffee_ctx *ctx, struct toffee_appmsg *m);
/** The same, passing @p fd along (SCM_RIGHTS; -1 = none). */
TF_HIDDEN int tf_ctl_send_fd(struct toffee_ctx *ctx, struct toffee_appmsg *m, int fd);
/* Listeners across fork (tf_flow.c, see host/slowpath/listen.c): join the
 * listener of local->port whose key is @p key (inherited), tell toffeed
 * the app takes connections from it (once), and that the app is about to
 * fork (if it has listeners). */
TF_HIDDEN int tf_listen_inherit(struct toffee_ctx *ctx, const struct toffee_addr *local, uint64_t key,
				void *user, struct toffee_listener **out);
TF_HIDDEN void tf_listener_accepting(struct toffee_listener *l);
TF_HIDDEN void tf_ctx_forking(struct toffee_ctx *ctx);
/* Connections across fork (tf_flow.c, see host/slowpath/handover.c). */
/** What a fork child needs to take over a connection it inherited. */
struct tf_inherited {
	uint32_t id;
	uint64_t key;                    /**< 0 = nothing to take over */
	uint32_t rx_head, tx_tail;       /**< the app's positions at the fork */
};
TF_HIDDEN void tf_flow_inherited(const struct toffee_conn *f, struct tf_inherited *inh);
/** True if @p f may be handed to another process (open, our FIN not sent). */
TF_HIDDEN bool tf_flow_can_release(const struct toffee_conn *f);
/** Give toffeed the socket pair end @p fd of @p f's socket, whose other end
 *  has inode @p ino (SHARE; @p flags: TOFFEE_APPF_INET6 for an AF_INET6
 *  socket, told to the process that identifies it). */
TF_HIDDEN int tf_flow_share(struct toffee_conn *f, int fd, uint64_t ino, uint32_t flags);
/** Which flow's shared socket each of @p fds is (IDENTIFY, on a connection
 *  of its own to @p rundir's toffeed): ids[i] or TOFFEE_FLOW_NONE, and its
 *  SHARE's flags in flags[i]. @return 0 or -errno. */
TF_HIDDEN int tf_identify(const char *rundir, const int *fds, unsigned n, uint32_t *ids, uint32_t *flags);
/** Let go of @p f, shared, without a FIN: toffeed closes it once no process
 *  holds the socket. @return 0, or -errno (then close it instead). */
TF_HIDDEN int tf_flow_release(struct toffee_conn *f);
/** Take over the inherited connection @p inh into @p ctx; with @p fd >= 0
 *  (after exec: no key, no positions) by showing its socket @p fd.
 *  @return 1 if the socket is still shared (close it with RELEASE), 0 if
 *  not, or -errno. */
TF_HIDDEN int tf_flow_takeover(struct toffee_ctx *ctx, const struct tf_inherited *inh, int fd, void *user,
			       struct toffee_conn **out);
/** Connect to @p rundir's app.sock (NULL: $TOFFEE_RUNDIR or the default).
 *  @return the socket or -errno. */
TF_HIDDEN int tf_ctl_connect(const char *rundir);
/** Send a request and wait for its REPLY, dispatching other messages. */
TF_HIDDEN int tf_ctl_call(struct toffee_ctx *ctx, struct toffee_appmsg *m, struct toffee_appmsg *reply);
/** The same, passing @p fd along (-1 = none). */
TF_HIDDEN int tf_ctl_call_fd(struct toffee_ctx *ctx, struct toffee_appmsg *m, int fd,
			     struct toffee_appmsg *reply);
/** Receive one message (fds optional). @return bytes, 0 on hang-up, -errno. */
TF_HIDDEN int tf_ctl_recv(int fd, struct toffee_appmsg *m, int *fds, int *nfds, bool block);
/** Handle every queued control message without blocking. @return count. */
TF_HIDDEN int tf_ctl_drain(struct toffee_ctx *ctx);
/** Act on one message from toffeed. */
TF_HIDDEN void tf_ctl_dispatch(struct toffee_ctx *ctx, const struct toffee_appmsg *m);
/** Remember an asynchronous request (CONNECT / CLOSE / ABORT). */
TF_HIDDEN int tf_req_add(struct toffee_ctx *ctx, uint32_t req, uint32_t type, struct toffee_conn *f);
/** Forget every request naming @p f. */
TF_HIDDEN void tf_req_forget_flow(struct toffee_ctx *ctx, struct toffee_conn *f);
/** toffeed hung up: fail every flow. */
TF_HIDDEN void tf_ctl_hangup(struct toffee_ctx *ctx);

#endif /* TOFFEE_TF_INTERNAL_H */
