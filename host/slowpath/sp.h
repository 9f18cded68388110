/* SPDX-License-Identifier: MIT */
/**
 * @file sp.h
 * toffeed internals shared by its modules (not an API).
 *
 *   main.c      options, event loop (epoll + timerfd + signalfd)
 *   nicq.c      the four slow-path rings in region 0: commands with
 *               completions, raw frames, exceptions, feedback
 *   app.c       application registry on app.sock (appproto.h)
 *   conn.c      connection table, flow images, segments sent for a flow,
 *               flow removal, messages to applications
 *   tcp_in.c    exceptions: dispatch by reason, unknown flows, RST checks
 *   tcp_open.c  passive and active open, early data
 *   tcp_close.c FIN handshakes, TIME_WAIT, abort, application hang-up
 *   handover.c  flows passed between contexts (fork children, exec'd
 *               programs: SHARE, RELEASE, TAKEOVER, IDENTIFY)
 *   ctl.c       per-flow control loop: feedback, congestion control, RTO,
 *               zero-window probes
 *   neigh.c     ARP in and out, waiting connections, ICMP echo
 *   status.c    counters and the status report
 * Pure logic with unit tests: pkt, arp, rto, cc, ports, ids, bufpool, timer.
 */
#ifndef TOFFEE_SP_H
#define TOFFEE_SP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "toffee/abi.h"
#include "toffee/appproto.h"
#include "dev.h"
#include "arp.h"
#include "bufpool.h"
#include "cc.h"
#include "ids.h"
#include "pkt.h"
#include "ports.h"
#include "rto.h"
#include "timer.h"

/* ---- configuration ---------------------------------------------------------- */

struct sp_cfg {
	const char *rundir;
	const char *backend;       /* "fw", "sim", "auto" */
	struct sp_route route;
	bool foreground;
	int verbose;
	int nic_wait_ms;           /* wait for nic.sock at start-up */
	uint32_t mtu;
	uint64_t region_size;      /* per application */
	uint8_t buf_log2;          /* preferred payload buffer size (RX and TX) */
	uint8_t buf_log2_min;      /* smallest when the region runs short */
	uint8_t ctx_ring_log2;     /* EV and CMD rings of a context */
	uint32_t max_flows;        /* cap on the NIC's flow slots used */
	uint64_t time_wait_ns;     /* 2 * MSL */
	uint64_t fin_wait2_ns;     /* orphaned FIN_WAIT_2 timeout */
	uint32_t syn_retries, synack_retries, data_retries;
	uint32_t syn_backlog;      /* SYN_RCVD per listener */
	enum sp_cookies { SP_COOKIES_AUTO, SP_COOKIES_ALWAYS, SP_COOKIES_NEVER } syncookies;
				   /* auto: when a listener's SYN queue is full */
	uint16_t port_lo, port_hi; /* ephemeral range */
	struct sp_syn_cfg syn;     /* option negotiation (mss/rcv_wscale filled at start) */
	struct sp_rto_cfg rto;
	struct sp_cc_cfg cc;
	uint32_t tick_min_us;      /* control loop: shortest interval */
	uint32_t tick_idle_us;     /* longest interval (idle flows) */
	uint32_t tick_per_flow_ns; /* interval grows with active flows (bounds the load) */
	uint64_t poll_busy_ns, poll_idle_ns; /* ring polling without a slow-path eventfd */
	uint64_t arp_reachable_ns, arp_retry_ns;
	uint8_t arp_tries;
};

/* ---- counters (toffeed's own; the NIC's are in BAR0) ---------------------------- */

#define SP_COUNTERS(X) \
	X(APP_HELLO, "app_hello") X(APP_HANGUP, "app_hangup") \
	X(APP_NOT_OWNER, "app_not_owner") X(APP_BAD_REQUEST, "app_bad_request") \
	X(APP_NO_CTX, "app_no_ctx") X(APP_NO_MEMORY, "app_no_memory") \
	X(SYN_RCVD, "syn_rcvd") X(SYN_NO_LISTENER, "syn_no_listener") \
	X(SYN_NO_ACCEPTOR, "syn_no_acceptor") \
	X(SYN_QUEUE_FULL, "syn_queue_full") X(BACKLOG_FULL, "backlog_full") \
	X(SYN_DUP, "syn_dup") X(SYNACK_SENT, "synack_sent") X(SYNACK_RETRANS, "synack_retrans") \
	X(COOKIE_SENT, "syncookies_sent") X(COOKIE_OK, "syncookies_accepted") \
	X(COOKIE_BAD, "syncookies_rejected") \
	X(SYN_SENT, "syn_sent") X(SYN_RETRANS, "syn_retrans") \
	X(CONN_REFUSED, "conn_refused") X(CONN_TIMEOUT, "conn_timeout") \
	X(CONN_UNREACH, "conn_unreachable") X(NO_FLOW_SLOT, "no_flow_slot") \
	X(NO_BUFFER, "no_buffer") X(HANDSHAKE_BAD_ACK, "handshake_bad_ack") \
	X(FLOWS_INSTALLED, "flows_installed") X(INSTALL_FAILED, "install_failed") \
	X(FLOWS_REMOVED, "flows_removed") \
	X(EARLY_BYTES, "early_data_bytes") X(EARLY_REINSTALL, "early_data_reinstall") \
	X(EARLY_LOST, "early_data_lost") \
	X(RST_SENT, "rst_sent") X(RST_CLOSED_PORT, "rst_closed_port") \
	X(RST_RCVD, "rst_rcvd_accepted") X(RST_CHALLENGE, "rst_rcvd_challenged") \
	X(RST_IGNORED, "rst_rcvd_ignored") X(SYN_CHALLENGE, "syn_challenged") \
	X(ACK_SENT, "ack_sent") X(ACK_RATELIMITED, "ack_ratelimited") \
	X(FIN_RCVD, "fin_rcvd") X(TIME_WAIT, "time_wait") X(TW_ACK, "time_wait_acks") \
	X(TW_REUSE, "time_wait_reused") X(FIN_WAIT2_TIMEOUT, "fin_wait2_timeout") \
	X(TXFIN_FALLBACK, "tx_fin_by_slowpath") \
	X(RTO_EXPIRED, "rto_expired") X(RETRANSMITS, "rto_retransmits") \
	X(PERSIST_PROBES, "persist_probes") X(DATA_TIMEOUT, "data_timeout") \
	X(KA_PROBES, "keepalive_probes") X(KA_ANSWERED, "keepalive_answered") \
	X(KA_TIMEOUT, "keepalive_timeouts") \
	X(FEEDBACK, "feedback_records") X(CC_RATE, "cc_rate_updates") \
	X(CC_WINDOW, "cc_window_updates") \
	X(ARP_REQ_RCVD, "arp_requests_rcvd") X(ARP_REPLY_SENT, "arp_replies_sent") \
	X(ARP_REQ_SENT, "arp_requests_sent") X(ARP_RESOLVED, "arp_resolved") \
	X(ARP_FAILED, "arp_failed") X(ARP_IGNORED, "arp_ignored") \
	X(ICMP_ECHO, "icmp_echo_replies") X(NOT_TCP, "not_tcp_dropped") \
	X(IP_FRAG, "ip_opts_frag_dropped") X(NOT_OUR_IP, "not_our_ip_dropped") \
	X(BAD_FRAME, "bad_frame_dropped") X(OPTIONS_DROP, "bad_options_dropped") \
	X(NO_ACK_DROP, "no_ack_dropped") X(SLOW_FLOW, "slow_flow_dropped") \
	X(NOT_IPV4, "not_ipv4_dropped") X(EXC_STALE, "exc_stale_flow") \
	X(RAW_FULL, "raw_ring_full") X(CMD_QUEUED, "cmd_backlogged") \
	X(CMD_ERRORS, "cmd_errors") X(EXC_PHASE, "exc_bad_phase") \
	X(HANDOVER_RELEASED, "handover_released") X(HANDOVER_TAKEN, "handover_taken") \
	X(HANDOVER_REFUSED, "handover_refused") X(HANDOVER_ORPHANED, "handover_closed_unclaimed") \
	X(HANDOVER_DROPPED, "handover_segments_dropped") \
	X(HANDOVER_UNSHARED, "handover_share_refused")

enum sp_counter {
#define SP_CNT_ENUM(id, name) SP_CNT_##id,
	SP_COUNTERS(SP_CNT_ENUM)
#undef SP_CNT_ENUM
	SP_CNT_COUNT
};

/* ---- rings ---------------------------------------------------------------------- */

struct sp_ring {
	uint32_t q;                /* TOFFEE_SPQ_* */
	uint32_t log2, mask;
	uint32_t idx;              /* our index: producer (CMD, RAW) or consumer (EXC, FB) */
	uint32_t esz;              /* entry size */
	uint8_t *ents;
	uint64_t ents_iova;
	uint8_t *slots;            /* frame slots (EXC, RAW) */
	uint64_t slots_iova;
};

/** Why a command was issued: selects the completion handler. */
enum sp_why {
	SP_WHY_NONE = 0,
	SP_WHY_INSTALL,            /* conn: flow installed */
	SP_WHY_REMOVE,             /* conn: flow removed */
	SP_WHY_STATE,              /* conn: READ_STATE for the actions in conn->actions */
	SP_WHY_FEEDBACK,           /* conn: control loop */
	SP_WHY_PLAIN,              /* conn: SET_*, RETRANSMIT, TX_FIN (status only) */
	SP_WHY_APP_FINAL,          /* app: all its flows are out of the NIC */
	SP_WHY_MOVE,               /* conn: REMOVE for a hand-over (handover.c) */
	SP_WHY_MOVED,              /* conn: INSTALL after it */
};

struct sp_pend {
	struct sp_conn *c;
	struct sp_app *a;
	uint8_t why;
	uint8_t op;
	uint8_t act;               /* SP_WHY_REMOVE: SP_ACT_* on the state as removed */
	uint32_t flow_id;
};

/* ---- connections ------------------------------------------------------------------ */

enum sp_state {
	SP_SYN_SENT, SP_SYN_RCVD, SP_INSTALLING, SP_ESTABLISHED,
	SP_FIN_WAIT_1, SP_FIN_WAIT_2, SP_CLOSE_WAIT, SP_CLOSING, SP_LAST_ACK,
	SP_TIME_WAIT,              /* host only: the NIC flow is gone */
	SP_RESET,                  /* reset/timed out: out of the NIC, app must CLOSE */
	SP_DONE,                   /* closed both ways, out of the NIC, app must CLOSE */
	SP_DOOMED,                 /* being removed; freed once the NIC let go */
	SP_STATE_COUNT
};

/* Actions run on a state read from the NIC (READ_STATE: conn->actions;
 * REMOVE: the record's act). */
#define SP_ACT_ACK       (1u << 0)  /* send an ACK (RFC 9293 unacceptable segment) */
#define SP_ACT_RST_CHECK (1u << 1)  /* validate a received RST (RFC 5961 §3) */
#define SP_ACT_RTO       (1u << 2)  /* RTO expired: retransmit if data is outstanding */
#define SP_ACT_CLOSE     (1u << 3)  /* closing: has our FIN been acknowledged? */
#define SP_ACT_PERSIST   (1u << 4)  /* idle: zero window with data pending? */
#define SP_ACT_RST_SEND  (1u << 5)  /* send RST (abort, hang-up, timeout) */
#define SP_ACT_EARLY     (1u << 6)  /* merge early data and reinstall */
#define SP_ACT_KEEPALIVE (1u << 7)  /* keepalive round (ctl.c): heard from the peer? */

#define SP_HELD_MAX 16u             /* early frames held per handshake (> IW10) */

struct sp_held {
	uint32_t seq;
	uint16_t len;
	bool fin;
	uint8_t *data;
};

struct sp_conn {
	struct sp *sp;
	struct sp_conn *hnext;           /* 4-tuple hash chain */
	struct sp_conn *anext, *aprev;   /* the owning app's list */
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint8_t state;                   /* enum sp_state */
	uint8_t mac[6];                  /* next hop */
	uint32_t nh_ip;                  /* next hop IP (ARP) */
	uint32_t flow_id;                /* NIC flow slot or TOFFEE_FLOW_NONE */
	struct sp_app *app;
	struct sp_listener *lst;         /* passive opens until ACCEPTED */
	uint32_t req;                    /* CONNECT request number */
	uint32_t iss, irs;
	struct sp_neg neg;
	uint16_t peer_win;               /* window field of the segment that completed the handshake */
	bool ephemeral;                  /* holds a reference on lport in sp->ports */
	bool passive;                    /* opened by a listener */
	bool app_knows;                  /* ACCEPTED / CONNECTED sent */
	bool fin_rcvd, fin_req, fin_acked, active_close, orphan;
	bool arp_wait;
	struct sp_conn *wnext;           /* waiting for ARP */
	bool state_pending;              /* a READ_STATE is in flight */
	uint8_t actions;                 /* SP_ACT_* for the next READ_STATE */
	uint8_t reinstalls;
	uint8_t retries;                 /* SYN / SYN-ACK / RTO retransmissions */
	uint8_t idle_ticks;
	bool busy;                       /* counted in sp->nactive */
	int reset_status;                /* -ECONNRESET / -ETIMEDOUT once reset */
#define SP_RST_PENDING 8u                /* RSTs kept for one READ_STATE */
	uint32_t rst_seq[SP_RST_PENDING]; /* RSTs under validation (RFC 5961 §3) */
	uint8_t nrst;
	uint32_t ack_req_abort;          /* ABORT request number to answer */
	/* buffers in the app's region */
	int64_t rx_off, tx_off;
	uint8_t rx_log2, tx_log2;
	/* early data (passive opens) */
	uint32_t early_bytes;            /* delivered by the slow path */
	bool early_fin;
	uint8_t nheld;
	struct sp_held held[SP_HELD_MAX];
	/* last state read from the NIC, and when (sp->now) */
	struct toffee_flow snap;
	uint64_t snap_ns;
	/* timers: handshake retransmission / TIME_WAIT / FIN_WAIT_2; control loop */
	struct sp_timer tmr, tick;
	struct sp_rto rto;
	struct sp_cc cc;
	uint64_t progress_ns;            /* last time data in flight made progress */
	uint64_t last_fb_ns;             /* previous FEEDBACK record */
	uint64_t last_ack_ns;            /* rate limit of exception ACKs */
	uint32_t tick_us;
	/* keepalive (ctl.c): what the app asked for, the probing */
	struct sp_timer ka_tmr;
	uint32_t ka_idle_s, ka_intvl_s;
	uint8_t ka_cnt, ka_probes;
	bool ka_on, ka_valid, ka_slow;   /* ka_slow: the flow is marked SLOWPATH */
	uint32_t ka_rcv, ka_una, ka_ts;  /* rcv_nxt, snd_una, ts_recent at the last round */
	uint32_t close_tail;             /* ctx CMD tail when the app closed */
	bool close_drained;              /* the CMD ring was consumed up to close_tail */
	uint32_t tw_seq, tw_rcv;         /* TIME_WAIT: our final seq, the peer's */
	uint64_t close_ns;
	uint32_t npend;                  /* commands in flight naming this conn */
	bool dead;                       /* free once npend == 0 */
	bool hashed;                     /* in sp->hash */
	bool lingers;                    /* its app went away: finishing (closed, or
	                                    handed over), then the app is freed */
	/* hand-over between contexts (handover.c) */
	uint64_t key;                    /* proof for TAKEOVER, told to the owner */
	bool released;                   /* its owner let go: held for a fork child */
	bool moving;                     /* TAKEOVER under way */
	int share_fd;                    /* SHARE's socket pair end, or -1 */
	uint64_t share_ino;              /* the inode of the app's end (IDENTIFY) */
	bool share_v6;                   /* its socket is AF_INET6 (told to IDENTIFY) */
	bool mv_nicpos;                  /* TAKEOVER after exec: the NIC's positions */
	struct sp_app *mv_to;            /* the context taking it (NULL: it went away) */
	uint32_t mv_req;                 /* its TAKEOVER request */
	uint32_t mv_rx_head, mv_tx_tail; /* its positions (then those it continues from) */
	int64_t mv_rx_off, mv_tx_off;    /* its buffers */
};

#define SP_MAX_LISTENERS 4096u
struct sp_listener {
	uint32_t id;
	uint32_t ip;                     /* 0 = any */
	uint16_t port;
	bool reuseport;
	uint32_t backlog;
	uint32_t nsyn;                   /* SYN_RCVD */
	uint32_t ninst;                  /* INSTALLING (accept queue) */
	uint64_t key;                    /* proof for INHERIT (fork children) */
	uint64_t hold_until;             /* FORKING: held until then once let go */
	bool accepting;                  /* ACCEPTING: the app takes connections */
	bool forked;                     /* of a fork group (FORKING, INHERIT) */
	struct sp_app *app;              /* NULL: held for fork children */
	struct sp *sp;
	struct sp_timer hold_tmr;        /* held: freed when it fires */
	struct sp_listener *pnext;       /* same port */
	struct sp_listener *anext;       /* same app (held: sp->lst_held) */
};

/* ---- applications ----------------------------------------------------------------- */

struct sp_outmsg {
	struct sp_outmsg *next;
	struct toffee_appmsg m;
};

struct sp_app {
	struct sp *sp;
	int fd;
	struct sp_outmsg *outq, **outq_tail;  /* events the socket could not take yet */
	uint32_t noutq;
	pid_t pid;
	uid_t uid;
	int ctx;                         /* -1 until HELLO */
	struct dev_region region;
	struct sp_bufpool pool;
	uint32_t ev_off, cmd_off;
	uint8_t ev_log2, cmd_log2;
	struct sp_conn *conns;           /* flows and connections in progress */
	struct sp_listener *lsts;
	uint32_t nconns;
	bool dying;
	bool drained;                    /* app.c drain_others(): read already */
	uint32_t npend;
	uint32_t incoming;               /* flows being handed over to it */
	uint32_t lingering;              /* dying: flows still finishing (closed, or
	                                    waiting for or moving to another app) */
	struct sp_app *next;
};

/* epoll tags (apps are tagged with their pointer) */
#define SP_EV_TIMER  1u
#define SP_EV_POLL   2u
#define SP_EV_SIGNAL 3u
#define SP_EV_LISTEN 4u
#define SP_EV_DEV    5u
#define SP_EV_SPEFD  6u
#define SP_EV_SHARE  (1ull << 62)    /* | flow id: a shared flow's socket pair */

/* ---- the daemon --------------------------------------------------------------------- */

struct sp {
	struct sp_cfg cfg;
	struct dev *dev;
	uint8_t mac[6];
	uint64_t now;                    /* CLOCK_MONOTONIC ns, refreshed per loop */
	/* region 0 */
	struct dev_region r0;
	struct sp_ring exc, raw, cmd, fb;
	uint8_t *images;                 /* flow image slots, one per flow id */
	uint64_t images_iova;
	uint32_t nflows;                 /* flow ids usable */
	/* commands */
	struct sp_pend *pend;            /* by CMD ring slot */
	struct toffee_sp_cmd *backlog;   /* not yet posted (ring full) */
	struct sp_pend *backlog_pend;
	size_t nbacklog, cap_backlog, backlog_head;
	uint16_t tag;
	/* tables */
	struct sp_ids flow_ids, ctx_ids, lst_ids;
	struct sp_conn **flows;          /* by flow id */
	struct sp_conn **hash;
	uint32_t hash_mask;
	uint32_t nconns, ntw;
	uint32_t nstate[SP_STATE_COUNT];  /* connections by state */
	struct sp_listener **lst_port;   /* by local port */
	struct sp_listener **lst_id;     /* by listener id, SP_MAX_LISTENERS */
	struct sp_listener *lst_held;    /* let go of, held for fork children */
	struct sp_app *apps;
	struct sp_app *ctx_app[TOFFEE_MAX_CTX];
	uint32_t napps;
	struct sp_ports *ports;
	struct sp_arp arp;
	struct sp_timer arp_timer;
	struct sp_conn *arp_waiters;
	struct sp_timers timers;
	uint64_t isn_key[2];
	uint64_t cookie_key[2];          /* syncookie.c's MAC */
	uint64_t cookie_last_ns;         /* when a SYN was last answered with a cookie */
	uint32_t nactive;                /* flows whose control loop is busy */
	uint32_t nshare, share_max;      /* socket pairs held for handover.c */
	/* event loop */
	int epfd, tfd, pfd, sigfd, lfd, spefd;
	uint64_t last_work_ns;
	uint64_t poll_ns;
	bool stop;
	bool draining;             /* app.c drain_others() runs */
	uint64_t cnt[SP_CNT_COUNT];
};

static inline void sp_count(struct sp *sp, enum sp_counter c) { sp->cnt[c]++; }
static inline void sp_count_n(struct sp *sp, enum sp_counter c, uint64_t n) { sp->cnt[c] += n; }

#define SP_CONTAINER(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* main.c */
void sp_log(struct sp *sp, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define SP_ERR(sp, ...)  sp_log(sp, 0, __VA_ARGS__)
#define SP_INFO(sp, ...) sp_log(sp, 1, __VA_ARGS__)
#define SP_DBG(sp, ...)  sp_log(sp, 2, __VA_ARGS__)
uint64_t sp_clock(void);
/** Arm a timer (errors are fatal: out of memory). */
void sp_arm(struct sp *sp, struct sp_timer *t, uint64_t when);

/* nicq.c */
int sp_nicq_init(struct sp *sp);
void sp_nicq_fini(struct sp *sp);
/** Post a command; completion goes to the handler selected by @p why.
 *  Never fails: a full ring queues it in software. */
void sp_cmd(struct sp *sp, uint8_t op, uint32_t flow_id, uint64_t iova, uint32_t arg0,
	    enum sp_why why, struct sp_conn *c, struct sp_app *a);
/** The same with an action set (SP_WHY_REMOVE: run on its state image). */
void sp_cmd_act(struct sp *sp, uint8_t op, uint32_t flow_id, uint64_t iova, uint32_t arg0,
		enum sp_why why, uint8_t act, struct sp_conn *c, struct sp_app *a);
/** Bytes region 0 needs for @p nflows flow images. */
uint64_t sp_nicq_region_size(uint32_t nflows);
/** Next RAW frame slot (TOFFEE_FRAME_SLOT bytes) or NULL if the ring is full. */
uint8_t *sp_raw_slot(struct sp *sp);
/** Send the frame written into the slot from sp_raw_slot(). */
void sp_raw_commit(struct sp *sp, uint32_t len);
/** Serve the EXC and FB rings. Returns the number of entries handled. */
unsigned sp_nicq_poll(struct sp *sp);
/** Image slot of flow @p id in region 0, and its IOVA. */
struct toffee_flow *sp_image(struct sp *sp, uint32_t id);
uint64_t sp_image_iova(struct sp *sp, uint32_t id);

/* app.c */
int sp_app_listen(struct sp *sp);
void sp_app_accept(struct sp *sp);
void sp_app_input(struct sp_app *a);
void sp_app_output(struct sp_app *a);
void sp_app_hangup(struct sp_app *a);
void sp_app_send(struct sp_app *a, struct toffee_appmsg *m, const int *fds, unsigned nfd);
void sp_app_cmd_done(struct sp *sp, struct sp_app *a);
/** A dying app's last lingering flow let go of it: free the context. */
void sp_app_final(struct sp_app *a);
void sp_app_shutdown_all(struct sp *sp);
/** Payload buffers for a flow of @p a: 0 or -ENOMEM. */
int sp_app_bufs(struct sp_app *a, struct sp_conn *c);
void sp_app_bufs_free(struct sp_app *a, struct sp_conn *c);
void sp_app_update_ctx_limit(struct sp *sp);

/* conn.c */
int sp_conn_init(struct sp *sp);
struct sp_conn *sp_conn_new(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
struct sp_conn *sp_conn_lookup(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
void sp_conn_attach(struct sp_conn *c, struct sp_app *a);
/** Move @p c from its app to @p a. */
void sp_conn_move(struct sp_conn *c, struct sp_app *a);
/** The flow as the app sees it (ACCEPTED, CONNECTED, TAKEOVER). */
void sp_conn_app_flow(const struct sp_conn *c, struct toffee_app_flow *f);
void sp_conn_set_state(struct sp_conn *c, enum sp_state st);
/** Forget @p c (unhash, release port/flow id/buffers/timers); memory is
 *  freed once no command names it. */
void sp_conn_free(struct sp_conn *c);
/** Give back the flow slot and the buffers and leave the app (the NIC no
 *  longer uses them): TIME_WAIT lives on without them. */
void sp_conn_release(struct sp_conn *c);
/** Take @p c out of the 4-tuple table (the tuple may be reused). */
void sp_conn_unhash(struct sp_conn *c);
void sp_conn_put(struct sp_conn *c);
uint32_t sp_conn_isn(struct sp *sp, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
uint32_t sp_ts_now(struct sp *sp);
/** Build and post the INSTALL of @p c (flow id, buffers assigned). */
void sp_conn_install(struct sp_conn *c, uint32_t rcv_nxt, uint32_t rx_used, uint32_t flags);
/** Post READ_STATE for @p c to run @p act on completion (merged with a
 *  READ_STATE already in flight). */
void sp_conn_read(struct sp_conn *c, uint8_t act);
/** Post REMOVE; with @p act, the NIC writes the flow's state as removed to
 *  its image and @p act runs on it (SP_ACT_RST_SEND, SP_ACT_EARLY) before
 *  the removal is handled. */
void sp_conn_remove_cmd(struct sp_conn *c, uint8_t act);
/** Stop the connection's timers and control, go to @p next, post REMOVE
 *  (@p rst: an RST to the peer from the state as removed). */
void sp_conn_remove(struct sp_conn *c, bool rst, enum sp_state next);
/** Segments for a flow: ACK / RST from the snapshot in c->snap. */
void sp_conn_send_ack(struct sp_conn *c, uint32_t seq, uint32_t ack, uint32_t wnd_bytes, uint32_t tsecr);
void sp_conn_send_rst(struct sp_conn *c, uint32_t seq);
/** Send a segment built from scratch (no flow). */
void sp_send_seg(struct sp *sp, const struct sp_tcp_out *o);
/** A segment of connection @p c: zeroed, with its MACs, addresses, ports. */
void sp_conn_out_init(const struct sp_conn *c, struct sp_tcp_out *o);
/** Messages to the owning application. */
void sp_conn_notify(struct sp_conn *c, uint32_t type, int status);
void sp_cmd_done(struct sp *sp, const struct sp_pend *p, const struct toffee_sp_fb *fb);
const char *sp_state_name(unsigned st);

/* tcp_in.c */
void sp_exc(struct sp *sp, const struct toffee_sp_exc *e, const uint8_t *frame);
/** A READ_STATE completed: run @p act (SP_ACT_*) on the fresh state. */
void sp_state_read(struct sp_conn *c, const struct toffee_flow *f, uint8_t act);
void sp_rst_reply(struct sp *sp, const struct sp_seg *s);
/** A segment answering @p s: addresses, ports and MACs swapped, the rest 0. */
void sp_reply_init(const struct sp *sp, const struct sp_seg *s, struct sp_tcp_out *o);

/* tcp_open.c */
void sp_open_syn(struct sp *sp, const struct sp_seg *s);
/** A segment for no connection that may be the final ACK of a handshake
 *  answered with a SYN cookie: true if taken (the connection made, or the
 *  segment dropped), false if the caller should answer it with a RST. */
bool sp_open_cookie_ack(struct sp *sp, const struct sp_seg *s);
bool sp_open_segment(struct sp_conn *c, const struct sp_seg *s);
void sp_open_installed(struct sp_conn *c, int status);
void sp_open_reinstall(struct sp_conn *c);
void sp_open_timer(struct sp_conn *c);
int sp_open_connect(struct sp_app *a, const struct toffee_appmsg *m, uint16_t *port);
void sp_open_send_syn(struct sp_conn *c);
void sp_open_arp_failed(struct sp_conn *c);
bool sp_port_busy(void *arg, uint16_t port);

/* listen.c */
int sp_open_listen(struct sp_app *a, const struct toffee_appmsg *m, uint32_t *id);
int sp_open_unlisten(struct sp_app *a, uint32_t id);
int sp_open_accepting(struct sp_app *a, uint32_t id);
void sp_open_forking(struct sp_app *a);
struct sp_listener *sp_listener_for(struct sp *sp, const struct sp_seg *s, bool *wait);
void sp_listeners_app_gone(struct sp_app *a);
void sp_listener_free(struct sp *sp, struct sp_listener *l);

/* tcp_close.c */
void sp_close_fin_rcvd(struct sp_conn *c, const struct sp_seg *fin);
void sp_close_state(struct sp_conn *c, const struct toffee_flow *f);
int sp_close_request(struct sp_conn *c, uint32_t type, uint32_t req);
void sp_close_removed(struct sp_conn *c);
void sp_close_reset(struct sp_conn *c, int status);
bool sp_close_tw_segment(struct sp_conn *c, const struct sp_seg *s);
/** The app of @p c went away. @return true if the flow finishes its close
 *  first (the app's context and memory stay until it has). */
bool sp_close_app_gone(struct sp_conn *c);
void sp_close_timer(struct sp_timer *t, uint64_t now);

/* handover.c */
/** Give @p c a key (once). */
void sp_handover_key(struct sp_conn *c);
/** SHARE from the owner: watch the socket pair end @p fd (a copy is kept),
 *  whose other end has inode @p ino; @p v6: the socket is AF_INET6. */
void sp_handover_share(struct sp_conn *c, int fd, uint64_t ino, bool v6);
/** IDENTIFY: the flow id whose shared socket @p fd is, or -ENOENT; *v6 as
 *  its SHARE said. */
int64_t sp_handover_identify(struct sp *sp, int fd, bool *v6);
/** RELEASE from the owner: 0 or -errno (answered now). */
int sp_handover_release(struct sp_conn *c, uint32_t req);
/** The owner of @p c went away: true if the flow waits for another process
 *  that holds its socket. */
bool sp_handover_owner_gone(struct sp_conn *c);
/** TAKEOVER from @p a (@p fd: the socket, TOFFEE_APPF_BY_FD): 1 = answered
 *  later, or -errno. */
int sp_handover_take(struct sp_app *a, const struct toffee_appmsg *m, int fd);
void sp_handover_share_event(struct sp *sp, uint32_t flow_id);
void sp_handover_removed(struct sp_conn *c, int status);
void sp_handover_installed(struct sp_conn *c, int status);
/** Stop watching @p c's socket pair. */
void sp_handover_forget(struct sp_conn *c);
/** @p a hung up: flows on their way to it stay where they are. */
void sp_handover_app_gone(struct sp_app *a);

/* ctl.c */
void sp_ctl_start(struct sp_conn *c);
void sp_ctl_stop(struct sp_conn *c);
void sp_ctl_feedback(struct sp_conn *c, const struct toffee_sp_fb *fb);
void sp_ctl_state(struct sp_conn *c, const struct toffee_flow *f, uint8_t act);
/** The app's keepalive settings for @p c (0: Linux's defaults, 7200 s
 *  idle, 75 s between probes, 9 probes). */
void sp_ctl_keepalive(struct sp_conn *c, bool on, uint32_t idle_s, uint32_t intvl_s, uint32_t cnt);
/** A segment of @p c punted because the flow is marked SLOWPATH: while
 *  keepalive probes, the peer answered. @return false if not probing. */
bool sp_ctl_keepalive_heard(struct sp_conn *c);

/* neigh.c */
void sp_neigh_input(struct sp *sp, const uint8_t *frame, uint32_t len);
void sp_neigh_icmp(struct sp *sp, const uint8_t *frame, uint32_t len);
/** Next-hop MAC for @p c (route + ARP). 0 = c->mac set; -EINPROGRESS = the
 *  conn waits for ARP (sp_open_send_syn later); else -errno. */
int sp_neigh_resolve(struct sp_conn *c);
void sp_neigh_forget(struct sp_conn *c);
void sp_neigh_announce(struct sp *sp);
void sp_neigh_init(struct sp *sp);

/* status.c */
const char *sp_counter_name(unsigned i);
/** Write the status report to @p fd. */
int sp_status_write(struct sp *sp, int fd, bool all_flows);

#endif /* TOFFEE_SP_H */
