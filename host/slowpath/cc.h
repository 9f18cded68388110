/* SPDX-License-Identifier: MIT */
/**
 * @file cc.h
 * Congestion-control laws, computed by the slow path and enforced by the
 * NIC (TAS's split): DCTCP in its rate-based form (SET_RATE, picoseconds
 * per byte) and a NewReno-style window (SET_WINDOW). Called once per control
 * interval (about two RTTs) per flow with the fast path's feedback
 * accumulated over that interval. Pure integer arithmetic.
 */
#ifndef TOFFEE_SP_CC_H
#define TOFFEE_SP_CC_H

#include <stdbool.h>
#include <stdint.h>

enum sp_cc_algo { SP_CC_DCTCP = 0, SP_CC_NEWRENO = 1 };

#define SP_DCTCP_ALPHA_ONE 1024u     /* alpha fixed point: 1.0 */

/** Parameters shared by all flows. */
struct sp_cc_cfg {
	enum sp_cc_algo algo;
	uint8_t  g_shift;       /* DCTCP gain g = 2^-g_shift (RFC 8257: 1/16) */
	uint64_t min_rate;      /* bytes/s floor of the DCTCP rate */
	uint64_t max_rate;      /* bytes/s at which the rate limit is lifted */
	uint64_t step;          /* bytes/s additive increase per interval */
};

/** Feedback of one control interval (from TOFFEE_FB_FLOW records). */
struct sp_cc_in {
	uint32_t acked;         /* bytes newly acknowledged */
	uint32_t ecn;           /* of which with ECE */
	uint32_t fast_rexmits;  /* fast retransmits */
	uint32_t inflight;      /* bytes in flight now */
	uint32_t interval_us;   /* length of the interval */
};

/** Per-flow state. */
struct sp_cc {
	enum sp_cc_algo algo;
	uint32_t mss;
	bool     slow_start;
	/* DCTCP */
	uint64_t rate;          /* bytes/s; 0 = not limited */
	uint32_t alpha;         /* SP_DCTCP_ALPHA_ONE = 1.0 */
	uint64_t measured;      /* bytes/s acknowledged in the last busy interval */
	/* NewReno */
	uint32_t cwnd;          /* bytes */
	uint32_t ssthresh;      /* bytes */
};

/** What to tell the NIC. */
struct sp_cc_out {
	bool     set_rate;
	uint32_t ps_per_byte;   /* 0 = unlimited */
	bool     set_window;
	uint32_t cwnd;          /* 0 = unlimited */
};

/** RFC 6928 initial window: min(10*MSS, max(2*MSS, 14600)). */
uint32_t sp_cc_initial_window(uint32_t mss);

/** Picoseconds per byte for @p rate bytes/s (0 -> 0, unlimited). */
uint32_t sp_cc_ps_per_byte(uint64_t rate);

/** Initial per-flow state; @p out gets the values to install with the flow
 *  (flow image cwnd / ps_per_byte). */
void sp_cc_init(struct sp_cc *cc, const struct sp_cc_cfg *cfg, uint32_t mss, struct sp_cc_out *out);

/** One control interval. Returns true if @p out asks for a change. */
bool sp_cc_update(struct sp_cc *cc, const struct sp_cc_cfg *cfg, const struct sp_cc_in *in,
		  struct sp_cc_out *out);

/** A retransmission timeout with @p inflight bytes outstanding. Returns
 *  true if @p out asks for a change. */
bool sp_cc_on_rto(struct sp_cc *cc, const struct sp_cc_cfg *cfg, uint32_t inflight,
		  struct sp_cc_out *out);

#endif /* TOFFEE_SP_CC_H */
