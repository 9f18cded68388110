/* SPDX-License-Identifier: MIT */
/**
 * @file rto.h
 * Retransmission timeout per RFC 6298, one estimator per flow, fed with
 * the fast path's RTT samples (which already follow Karn's algorithm: only
 * segments sent once are timed). Integer microseconds.
 */
#ifndef TOFFEE_SP_RTO_H
#define TOFFEE_SP_RTO_H

#include <stdbool.h>
#include <stdint.h>

#define SP_RTO_INITIAL_US  1000000u  /* RFC 6298 §2.1: 1 s before any sample */
#define SP_RTO_SYN_LOST_US 3000000u  /* RFC 6298 §5.7: after a lost SYN */

/** Estimator limits. */
struct sp_rto_cfg {
	uint32_t min_us;     /* lower bound (RFC 6298 §2.4 says 1 s; Linux uses 200 ms) */
	uint32_t max_us;     /* upper bound (at least 60 s, §2.5) */
	uint32_t g_us;       /* clock granularity G (§2.2/2.3) */
};

struct sp_rto {
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto_us;     /* current timeout, backoff included */
	uint8_t  backoffs;   /* consecutive expirations */
	bool     sampled;    /* at least one RTT measurement */
};

/** Initial state: RTO = 1 s, clamped to the limits. */
void sp_rto_init(struct sp_rto *r, const struct sp_rto_cfg *cfg);

/** Take an RTT measurement @p rtt_us (§2.2 first, §2.3 later ones); resets
 *  the backoff. A sample of 0 is taken as 1 us. */
void sp_rto_sample(struct sp_rto *r, const struct sp_rto_cfg *cfg, uint32_t rtt_us);

/** The timer expired: back off, RTO = min(2 * RTO, max) (§5.5). */
void sp_rto_backoff(struct sp_rto *r, const struct sp_rto_cfg *cfg);

/** New data was acknowledged after a backoff: recompute the RTO from the
 *  estimates (§5.7 for a handshake that lost its SYN: 3 s when unsampled). */
void sp_rto_restart(struct sp_rto *r, const struct sp_rto_cfg *cfg, bool syn_lost);

#endif /* TOFFEE_SP_RTO_H */
