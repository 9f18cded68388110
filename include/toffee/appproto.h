/* SPDX-License-Identifier: MIT */
/**
 * @file appproto.h
 * Application <-> toffeed control protocol (libtoffee speaks it; data never
 * goes this way: payload moves through the shared buffers and the context
 * rings of abi.h).
 *
 * toffeed listens on a UNIX SOCK_SEQPACKET socket (<rundir>/app.sock). Each
 * connection is one application context. Messages are struct toffee_appmsg;
 * requests carry a `req` number echoed by their reply; toffeed also sends
 * unsolicited events (req = 0). File descriptors travel as SCM_RIGHTS.
 * When the socket hangs up (the process died or exec'd without keeping the
 * fd), toffeed resets the context's flows towards their peers and reclaims
 * its flows, memory and context slot.
 */
#ifndef TOFFEE_APPPROTO_H
#define TOFFEE_APPPROTO_H

#include <stdint.h>

#define TOFFEE_APPPROTO_VERSION 2u

enum toffee_appmsg_type {
	/* requests (app -> toffeed) */
	TOFFEE_APP_HELLO      = 1,  /* reply HELLO_OK + fds [region, the context's
	                               doorbell page (one page, sealed), eventfd] */
	TOFFEE_APP_LISTEN     = 2,  /* addr: local ip/port (ip 0 = any); arg = backlog;
	                               flags: TOFFEE_APPF_REUSEPORT. reply: id = listener,
	                               arg | arg2 << 32 = its key (a secret: whoever
	                               shows it may join the listener, see INHERIT).
	                               flags TOFFEE_APPF_INHERIT: join the listener of
	                               port local_port whose key is arg | arg2 << 32
	                               (a socket inherited across fork): a new
	                               listener of this context on the same port */
	TOFFEE_APP_UNLISTEN   = 3,  /* id = listener */
	TOFFEE_APP_CONNECT    = 4,  /* addr: remote ip/port, local ip/port (0 = pick).
	                               reply: status only; later CONNECTED or CONN_FAILED */
	TOFFEE_APP_CLOSE      = 5,  /* id = flow: the app has posted its FIN
	                               (TOFFEE_CMDF_FIN on its CMD ring, in order with
	                               its appends) and lets go of the flow; it must
	                               not touch the flow's buffers after CLOSED */
	TOFFEE_APP_SHUTDOWN_WR= 6,  /* id = flow: FIN after all data, keep receiving */
	TOFFEE_APP_ABORT      = 7,  /* id = flow: send RST now and free (SO_LINGER 0) */
	TOFFEE_APP_STATUS     = 8,  /* reply: arg = flows, arg2 = contexts (for tools);
	                               flags TOFFEE_APPF_STATUS_TEXT: the reply also
	                               carries one fd, a sealed memfd holding a
	                               human-readable report (`toffee status`) */
	TOFFEE_APP_CAPTURE    = 9,  /* fd: pcap file the NIC writes what crosses the
	                               wire to; no fd = stop. Root only (-EPERM) */
	TOFFEE_APP_ACCEPTING  = 10, /* id = listener: the app takes connections from it
	                               (accept, or waits for readiness); when any of
	                               the listeners of a port says so, new connections
	                               go only to those that did */
	TOFFEE_APP_FORKING    = 11, /* the app is about to fork: once it lets go of its
	                               listeners (UNLISTEN, hang-up) they are held for
	                               10 s so that a child can still INHERIT them */
	TOFFEE_APP_SHARE      = 12, /* id = flow, fd: one end of a socket pair; the
	                               app's socket (its kernel fd, in every process
	                               holding it) is the other end from now on, so
	                               the pair hangs up when no process holds the
	                               socket any more; arg | arg2 << 32: that end's
	                               inode (IDENTIFY). Sent before a fork; no reply */
	TOFFEE_APP_RELEASE    = 13, /* id = flow: the app closed its copy of a shared
	                               socket. Without a FIN: toffeed keeps the flow
	                               for a process that shows its key (TAKEOVER)
	                               and closes it (FIN) once the pair hangs up.
	                               A flow never shared (or no longer) is closed
	                               as CLOSE would, the FIN sent by toffeed. The
	                               app lets go of it as after CLOSE */
	TOFFEE_APP_TAKEOVER   = 14, /* id = flow, arg | arg2 << 32 = its key (a fork
	                               child holding the socket); flow.rx_seq: the
	                               next byte it would read, flow.tx_seq: after the
	                               last byte it appended. The flow moves to this
	                               context with new buffers (their content
	                               copied); its old owner gets CLOSED. Reply:
	                               flow = the flow as ACCEPTED describes it, with
	                               rx_seq the next byte to read and tx_seq the
	                               oldest unacknowledged byte; arg = bytes ready
	                               from rx_seq, arg2 = bytes appended from tx_seq;
	                               flags TOFFEE_APPF_FIN: the peer's FIN follows
	                               the bytes ready. flags TOFFEE_APPF_BY_FD: no key
	                               and no positions but the socket itself as fd
	                               (after exec: the positions are the NIC's) */
	TOFFEE_APP_IDENTIFY   = 15, /* fd: a descriptor (no HELLO needed). Reply: id =
	                               the flow whose shared socket it is (SHARE), or
	                               status -ENOENT */
	TOFFEE_APP_KEEPALIVE  = 16, /* id = flow; flags TOFFEE_APPF_KEEPALIVE: on (else
	                               off); arg = idle seconds, arg2 = seconds between
	                               probes | probes << 16 (0: Linux's defaults,
	                               7200 / 75 / 9). No reply */
	/* replies and events (toffeed -> app) */
	TOFFEE_APP_HELLO_OK   = 64, /* ctx, region, rings: see struct fields */
	TOFFEE_APP_REPLY      = 65, /* status for req; id = listener where relevant */
	TOFFEE_APP_ACCEPTED   = 66, /* event: new flow on listener `id`; flow: below.
	                               arg = bytes already in the RX buffer from
	                               flow.rx_seq that no EV entry reports (the slow
	                               path delivered them during the handshake);
	                               flags TOFFEE_APPF_FIN: the peer's FIN follows
	                               them */
	TOFFEE_APP_CONNECTED  = 67, /* reply to CONNECT (req echoed); flow: below */
	TOFFEE_APP_CONN_FAILED= 68, /* reply to CONNECT (req echoed); status = -errno */
	TOFFEE_APP_RESET      = 69, /* event: flow `id` reset by the peer (or timed out:
	                               status = -ECONNRESET / -ETIMEDOUT) */
	TOFFEE_APP_CLOSED     = 70, /* event: flow `id` fully closed, resources freed */
};

#define TOFFEE_APPF_REUSEPORT (1u << 0)
#define TOFFEE_APPF_NODELAY   (1u << 1)
#define TOFFEE_APPF_STATUS_TEXT (1u << 2) /* STATUS: reply with a text report fd */
#define TOFFEE_APPF_FIN       (1u << 3) /* ACCEPTED: peer's FIN already received */
#define TOFFEE_APPF_INHERIT   (1u << 4) /* LISTEN: join an inherited listener */
#define TOFFEE_APPF_BY_FD     (1u << 5) /* TAKEOVER: the socket as fd, not the key */
#define TOFFEE_APPF_SHARED    (1u << 6) /* TAKEOVER reply: the socket is still shared
                                           (close it with RELEASE) */
#define TOFFEE_APPF_KEEPALIVE (1u << 7) /* KEEPALIVE: probes on */
#define TOFFEE_APPF_INET6     (1u << 8) /* SHARE: the app's socket is AF_INET6 (IPv4-mapped);
                                           IDENTIFY reply: as its SHARE said */
/* KEEPALIVE's defaults (0 in a field): Linux's. */
#define TOFFEE_KEEPALIVE_IDLE_S  7200
#define TOFFEE_KEEPALIVE_INTVL_S 75
#define TOFFEE_KEEPALIVE_CNT     9

/*
 * Flow life cycle as toffeed runs it (see docs/toffeed.md):
 *  - EV entries for a new flow may reach the EV ring before ACCEPTED /
 *    CONNECTED reaches the socket (the NIC starts delivering as soon as the
 *    flow is installed; toffeed sends ACCEPTED right after): an app that sees
 *    an unknown flow id keeps those events until the message arrives.
 *  - Every flow the app was given ends with CLOSED, after which its id and
 *    buffers may be reused (toffeed hands flow ids out round-robin: an id
 *    comes back only after all the others, so EV entries of a new flow are
 *    not taken for those of an old one whose CLOSED is still unread): CLOSE -> CLOSED once both FINs are exchanged and
 *    acknowledged (or the peer reset it); RESET (peer RST, or retransmission
 *    timeout) removes the flow from the NIC, the buffers stay readable until
 *    the app sends CLOSE (or ABORT), answered by CLOSED; ABORT -> REPLY, then
 *    CLOSED once the NIC no longer uses the buffers.
 *  - A flow taken over by another context (TAKEOVER) ends for its old owner
 *    with CLOSED, as if it had been closed.
 *  - A request naming a flow or listener of another context is refused with
 *    -EPERM and counted.
 */

/** A flow handed to the application. Buffer offsets are in the app's
 *  region; byte with sequence number S of the receive stream is at
 *  rx_off + (S & (2^rx_log2 - 1)) (likewise for transmit). */
struct toffee_app_flow {
	uint32_t flow_id;
	uint32_t local_ip, remote_ip;   /* host order */
	uint16_t local_port, remote_port;
	uint32_t rx_off, tx_off;        /* offsets of the payload buffers in the region */
	uint8_t  rx_log2, tx_log2;
	uint16_t mss;
	uint32_t rx_seq;                /* sequence number of the first byte to receive */
	uint32_t tx_seq;                /* sequence number of the first byte to send */
	uint32_t key_lo, key_hi;        /* the flow's key: a fork child that holds the
	                                   socket shows it in TAKEOVER */
};

struct toffee_appmsg {
	uint32_t type;                  /* enum toffee_appmsg_type */
	uint32_t req;                   /* request number (0 for events) */
	int32_t  status;                /* 0 or a negative errno */
	uint32_t id;                    /* listener or flow id */
	uint32_t flags;
	uint32_t arg, arg2;
	/* LISTEN / CONNECT addresses (host order) */
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	/* HELLO_OK */
	uint32_t ctx;
	uint32_t region;                /* region id (IOVA high half) */
	uint64_t region_size;
	uint32_t ev_off, cmd_off;       /* ring offsets in the region */
	uint8_t  ev_log2, cmd_log2;
	uint16_t rsvd;
	/* ACCEPTED / CONNECTED */
	struct toffee_app_flow flow;
};

#endif /* TOFFEE_APPPROTO_H */
