/* SPDX-License-Identifier: MIT */
/* Congestion-control laws: DCTCP (rate form, as in TAS; RFC 8257 for the
 * alpha estimator) and NewReno-style window (RFC 5681, RFC 6582, RFC 6928). */
#include "cc.h"

uint32_t sp_cc_initial_window(uint32_t mss)
{
	uint32_t two = 2 * mss, ten = 10 * mss;
	uint32_t hi = two > 14600u ? two : 14600u;
	return ten < hi ? ten : hi;
}

uint32_t sp_cc_ps_per_byte(uint64_t rate)
{
	if (rate == 0)
		return 0;
	uint64_t ps = 1000000000000ull / rate;
	if (ps == 0)
		ps = 1;
	return ps > UINT32_MAX ? UINT32_MAX : (uint32_t)ps;
}

void sp_cc_init(struct sp_cc *cc, const struct sp_cc_cfg *cfg, uint32_t mss, struct sp_cc_out *out)
{
	cc->algo = cfg->algo;
	cc->mss = mss;
	cc->slow_start = true;
	cc->rate = 0;
	cc->measured = 0;
	cc->alpha = SP_DCTCP_ALPHA_ONE;       /* RFC 8257 §3.3: start at 1 */
	cc->cwnd = sp_cc_initial_window(mss);
	cc->ssthresh = UINT32_MAX;
	out->set_rate = out->set_window = false;
	out->ps_per_byte = 0;
	out->cwnd = 0;
	if (cc->algo == SP_CC_NEWRENO)
		out->cwnd = cc->cwnd;
}

/* ---- DCTCP, rate based ----------------------------------------------------- */

static bool dctcp_set(struct sp_cc *cc, const struct sp_cc_cfg *cfg, uint64_t rate, struct sp_cc_out *out)
{
	if (rate != 0 && rate < cfg->min_rate)
		rate = cfg->min_rate;
	if (cfg->max_rate && rate >= cfg->max_rate)
		rate = 0;                       /* fast enough: lift the limit */
	if (rate == cc->rate)
		return false;
	cc->rate = rate;
	out->set_rate = true;
	out->ps_per_byte = sp_cc_ps_per_byte(rate);
	return true;
}

static bool dctcp_update(struct sp_cc *cc, const struct sp_cc_cfg *cfg, const struct sp_cc_in *in,
			 struct sp_cc_out *out)
{
	if (in->acked == 0 && in->fast_rexmits == 0)
		return false;                  /* nothing learnt this interval */
	uint64_t us = in->interval_us ? in->interval_us : 1;
	uint64_t measured = (uint64_t)in->acked * 1000000u / us;
	/* Decrease from the rate in force, or from what the flow achieves when
	 * that is far below it (unlimited, or limited by its window). */
	uint64_t floor = measured > cfg->min_rate ? measured : cfg->min_rate;
	uint64_t base = cc->rate && cc->rate <= 2 * floor ? cc->rate : floor;
	if (measured)
		cc->measured = measured;
	if (in->acked) {
		/* alpha <- (1 - g) * alpha + g * F, F = marked / acked (RFC 8257 §3.3) */
		uint32_t f = (uint32_t)((uint64_t)in->ecn * SP_DCTCP_ALPHA_ONE / in->acked);
		cc->alpha = cc->alpha - (cc->alpha >> cfg->g_shift) + (f >> cfg->g_shift);
	}
	if (in->fast_rexmits) {
		cc->slow_start = false;
		return dctcp_set(cc, cfg, base / 2, out);
	}
	if (in->ecn) {
		/* rate <- rate * (1 - alpha / 2) */
		cc->slow_start = false;
		return dctcp_set(cc, cfg, base - base * cc->alpha / (2 * SP_DCTCP_ALPHA_ONE), out);
	}
	if (cc->rate == 0 || measured < cc->rate / 2)
		return false;                  /* unlimited, or not using its rate */
	return dctcp_set(cc, cfg, cc->slow_start ? cc->rate * 2 : cc->rate + cfg->step, out);
}

/* ---- NewReno-style window ---------------------------------------------------- */

static uint32_t half_flight(const struct sp_cc *cc, uint32_t inflight)
{
	/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS) */
	uint32_t h = inflight / 2;
	return h > 2 * cc->mss ? h : 2 * cc->mss;
}

static bool reno_update(struct sp_cc *cc, const struct sp_cc_in *in, struct sp_cc_out *out)
{
	uint32_t old = cc->cwnd;
	if (in->fast_rexmits || in->ecn) {
		/* Loss (RFC 5681 §3.2 / RFC 6582: cwnd = ssthresh after recovery)
		 * or ECE (RFC 3168 §6.1.2): once per interval. */
		cc->ssthresh = half_flight(cc, in->inflight);
		cc->cwnd = cc->ssthresh;
		cc->slow_start = false;
	} else if (in->acked) {
		if (cc->cwnd < cc->ssthresh) {
			/* slow start: one SMSS per SMSS acknowledged, at most doubling */
			uint32_t inc = in->acked < cc->cwnd ? in->acked : cc->cwnd;
			cc->cwnd = cc->cwnd + inc < cc->cwnd ? UINT32_MAX : cc->cwnd + inc;
		} else {
			/* congestion avoidance (RFC 5681 (3)): SMSS*SMSS/cwnd per ACK,
			 * i.e. SMSS * acked / cwnd for acked bytes */
			uint64_t inc = (uint64_t)cc->mss * in->acked / cc->cwnd;
			cc->cwnd += inc ? (uint32_t)inc : 1u;
		}
	}
	if (cc->cwnd == old)
		return false;
	out->set_window = true;
	out->cwnd = cc->cwnd;
	return true;
}

bool sp_cc_update(struct sp_cc *cc, const struct sp_cc_cfg *cfg, const struct sp_cc_in *in,
		  struct sp_cc_out *out)
{
	out->set_rate = out->set_window = false;
	if (cc->algo == SP_CC_NEWRENO)
		return reno_update(cc, in, out);
	return dctcp_update(cc, cfg, in, out);
}

bool sp_cc_on_rto(struct sp_cc *cc, const struct sp_cc_cfg *cfg, uint32_t inflight, struct sp_cc_out *out)
{
	out->set_rate = out->set_window = false;
	cc->slow_start = false;
	if (cc->algo == SP_CC_NEWRENO) {
		/* RFC 5681 §3.1: ssthresh per (4), cwnd = loss window = 1 SMSS */
		cc->ssthresh = half_flight(cc, inflight);
		if (cc->cwnd == cc->mss)
			return false;
		cc->cwnd = cc->mss;
		out->set_window = true;
		out->cwnd = cc->cwnd;
		return true;
	}
	uint64_t floor = cc->measured > cfg->min_rate ? cc->measured : cfg->min_rate;
	uint64_t base = cc->rate && cc->rate <= 2 * floor ? cc->rate : floor;
	return dctcp_set(cc, cfg, base / 2, out);
}
