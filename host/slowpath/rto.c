/* SPDX-License-Identifier: MIT */
/* RFC 6298 retransmission timer arithmetic. */
#include "rto.h"

static uint32_t clamp(const struct sp_rto_cfg *cfg, uint64_t v)
{
	if (v < cfg->min_us)
		v = cfg->min_us;
	if (v > cfg->max_us)
		v = cfg->max_us;
	return (uint32_t)v;
}

/* RTO <- SRTT + max(G, K * RTTVAR), K = 4 (§2.2, §2.3), then §2.4/2.5. */
static uint32_t compute(const struct sp_rto *r, const struct sp_rto_cfg *cfg)
{
	uint64_t k = 4ull * r->rttvar_us;
	return clamp(cfg, (uint64_t)r->srtt_us + (k > cfg->g_us ? k : cfg->g_us));
}

void sp_rto_init(struct sp_rto *r, const struct sp_rto_cfg *cfg)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->backoffs = 0;
	r->sampled = false;
	r->rto_us = clamp(cfg, SP_RTO_INITIAL_US);
}

void sp_rto_sample(struct sp_rto *r, const struct sp_rto_cfg *cfg, uint32_t rtt_us)
{
	if (rtt_us == 0)
		rtt_us = 1;
	if (!r->sampled) {
		/* §2.2: SRTT <- R, RTTVAR <- R/2 */
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
		r->sampled = true;
	} else {
		/* §2.3 with alpha = 1/8, beta = 1/4; RTTVAR first, from the old SRTT. */
		uint32_t diff = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;
		r->rttvar_us = (uint32_t)((3ull * r->rttvar_us + diff) / 4);
		r->srtt_us = (uint32_t)((7ull * r->srtt_us + rtt_us) / 8);
	}
	r->backoffs = 0;
	r->rto_us = compute(r, cfg);
}

void sp_rto_backoff(struct sp_rto *r, const struct sp_rto_cfg *cfg)
{
	r->rto_us = clamp(cfg, 2ull * r->rto_us);
	if (r->backoffs < 255)
		r->backoffs++;
}

void sp_rto_restart(struct sp_rto *r, const struct sp_rto_cfg *cfg, bool syn_lost)
{
	r->backoffs = 0;
	if (r->sampled)
		r->rto_us = compute(r, cfg);
	else
		r->rto_us = clamp(cfg, syn_lost ? SP_RTO_SYN_LOST_US : SP_RTO_INITIAL_US);
}
