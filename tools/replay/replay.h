/* SPDX-License-Identifier: MIT */
/**
 * @file replay.h
 * Replay of a packet capture through the fast path acting as the server.
 *
 * Every TCP connection whose handshake is in the capture is installed in the
 * fast path (TOFFEE_CMD_INSTALL) when the server's SYN-ACK appears, with the
 * state the slow path would derive from SYN and SYN-ACK. From then on the
 * client's frames go into fp_rx(); the server's frames do not: their new
 * payload is appended to the flow's transmit buffer instead (and their FIN
 * becomes TOFFEE_CMD_TX_FIN), so the fast path transmits the server's
 * stream itself. The replay is also the application: it consumes the bytes
 * the fast path delivers as the events arrive. Frames of no installed
 * connection (and any non-IPv4/TCP frame) are fed as they are.
 * The capture's timestamps drive the simulated clock. Unless turned off, a
 * client retransmission model sends captured client frames again where the
 * fast path's ACKs ask for them (see rp_rexmit.c).
 */
#ifndef TOFFEE_REPLAY_H
#define TOFFEE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "toffee/abi.h"

/** One replayed connection (an installed flow). */
struct replay_flow {
	uint32_t client_ip, server_ip;       /* host byte order */
	uint16_t client_port, server_port;
	uint32_t flow_id;
	uint32_t client_isn, server_isn;
	uint16_t mss;                        /* payload limit installed */
	uint8_t  client_wscale, server_wscale;
	bool     ts, sack_ok, ecn;
	/* application (receive side) */
	uint64_t delivered;                  /* bytes the fast path delivered */
	bool     fin_rcvd;                   /* an event carried TOFFEE_EVF_FIN */
	uint8_t  sha256[32];                 /* of the delivered bytes (final) */
	uint8_t *data;                       /* delivered bytes (opts.keep_data) */
	/* application (transmit side) */
	uint64_t appended;                   /* server bytes appended */
	uint64_t freed;                      /* transmit bytes freed by events */
	uint64_t gap_bytes;                  /* server bytes missing in the capture (zeros sent) */
	bool     fin_queued;                 /* TX_FIN issued */
	bool     removed;                    /* removed (4-tuple reused) */
	uint64_t rexmits;                    /* client frames sent again (model) */
};

/** Callbacks into the replay, for tests. All may be NULL. */
struct replay_hooks {
	void *arg;
	/** A frame about to go into fp_rx(). */
	void (*fed)(void *arg, const uint8_t *frame, uint32_t len, uint64_t now_ns);
	/** A frame the fast path transmitted, reported once the events of the
	 *  same fast-path call have been consumed (so @p flow's delivered and
	 *  fin_rcvd are what the application knows at that moment). @p flow is
	 *  the connection the frame belongs to, or NULL. */
	void (*sent)(void *arg, const uint8_t *frame, uint32_t len, uint64_t now_ns,
		     const struct replay_flow *flow);
	/** An exception entry drained from the EXC ring. */
	void (*exc)(void *arg, const struct toffee_sp_exc *exc, const uint8_t *frame);
};

struct replay_opts {
	const char *impl;          /**< "fw" (default) or "rtl" (toffee-replay-rtl only) */
	const char *out_path;      /**< write transmitted frames here (pcap) */
	int verbose;               /**< log details to @p log */
	FILE *log;                 /**< default stderr */
	uint32_t buf_log2;         /**< payload buffer size per direction (default 22) */
	bool keep_data;            /**< keep delivered bytes in replay_flow.data */
	/** Turn off the client retransmission model (rp_rexmit.c): feed the
	 *  client's frames exactly as captured, once each. */
	bool no_client_rexmit;
	const struct replay_hooks *hooks;
};

struct replay_result {
	size_t n_flows;
	struct replay_flow *flows;           /* in installation order */
	uint64_t counters[TOFFEE_CNT_COUNT]; /* fp_counter() at the end */
	uint64_t counter_regs[TOFFEE_CNT_COUNT]; /* the same, from the register file */
	uint64_t frames_read;                /* records in the capture */
	uint64_t frames_fed;                 /* frames given to fp_rx() */
	uint64_t frames_tx;                  /* frames the fast path transmitted */
	uint64_t client_rexmits;             /* frames sent again by the model */
	uint64_t exceptions;                 /* EXC entries drained */
	uint64_t anomalies;                  /* events/ring contents that make no sense */
	uint64_t abi_violations;             /* from the harness */
	int link_type;                       /* libpcap DLT of the capture */
	char err[512];                       /* why replay_run failed */
};

/**
 * Replay capture @p path. Returns 0 (results in @p res, free them with
 * replay_result_free()), or a negative errno with a message in res->err:
 * -ENOENT/-EIO/-EINVAL for an unreadable or unsupported capture or bad
 * options, -ENOTSUP for an unknown implementation.
 */
int replay_run(const char *path, const struct replay_opts *opts, struct replay_result *res);
void replay_result_free(struct replay_result *res);

/** True when the RTL backend (the Verilator model) is linked in. */
bool replay_has_rtl(void);

/** Print the per-flow lines and the counters. */
void replay_print(FILE *out, const struct replay_result *res);

#endif /* TOFFEE_REPLAY_H */
