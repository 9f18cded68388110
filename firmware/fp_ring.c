/* SPDX-License-Identifier: MIT */
/* NIC-produced rings: context events, exceptions, feedback. Ring geometry
 * and indices live in the register file (abi.h); the core keeps no copy, so
 * the slow path can reset a ring by rewriting its registers. */
#include "fp_internal.h"

/* The application asked to be woken (DB_ARM): disarm, raise its interrupt.
 * Event reserve and commit are inline (fp_internal.h). */
void fp_ctx_notify(struct fp *fp, uint32_t ctx)
{
	reg_wr(fp, db_reg(ctx, TOFFEE_DB_ARM), 0);
	if (fp->plat->notify)
		fp->plat->notify(fp->plat->priv, ctx);
}

void fp_ev_post_dma(struct fp *fp, uint32_t ctx, uint32_t tail, uint64_t iova, uint64_t w0, uint64_t w1)
{
	uint64_t ev[2] = { w0, w1 };
	fp->plat->dma_write_entry(fp->plat->priv, iova, ev, 16);
	fp_ev_blk(fp, ctx)[TOFFEE_Q_TAIL / 4] = tail + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (FP_UNLIKELY(fp_db(fp, ctx)[TOFFEE_DB_ARM / 4]))
		fp_ctx_notify(fp, ctx);
}

/* Claim the next slot of NIC-produced slow-path ring @p q, or return false
 * if the ring is full or disabled. */
static bool spq_claim(struct fp *fp, uint32_t q, uint32_t *idx, uint32_t *log2)
{
	*log2 = reg_rd(fp, spq_reg(q, TOFFEE_Q_LOG2));
	*idx = reg_rd(fp, spq_reg(q, TOFFEE_Q_TAIL));
	uint32_t head = reg_rd(fp, spq_reg(q, TOFFEE_Q_HEAD));
	return *log2 && *idx - head < (1u << *log2);
}

void fp_exc_post(struct fp *fp, uint32_t flow, unsigned reason, const uint8_t *frame, uint32_t len)
{
	uint32_t idx, log2;
	fp->cnt[TOFFEE_CNT_EXC_BASE + reason]++;
	if (!spq_claim(fp, TOFFEE_SPQ_EXC, &idx, &log2)) {
		fp_drop(fp, TOFFEE_DROP_EXC_FULL);
		return;
	}
	uint32_t blk = spq_reg(TOFFEE_SPQ_EXC, 0);
	uint32_t slot = idx & ((1u << log2) - 1);
	uint64_t buf = (uint64_t)reg_rd(fp, blk + TOFFEE_Q_BUF_HI) << 32 | reg_rd(fp, blk + TOFFEE_Q_BUF_LO);
	fp->plat->dma_write(fp->plat->priv, buf + (uint64_t)slot * TOFFEE_FRAME_SLOT, frame, len);
	struct toffee_sp_exc e = {
		.flow_id = flow, .frame_len = (uint16_t)len, .reason = (uint8_t)reason,
		.phase = toffee_phase(idx, log2),
	};
	fp->plat->dma_write_entry(fp->plat->priv, ring_base(fp, blk) + (uint64_t)slot * sizeof(e), &e, sizeof(e));
	reg_wr(fp, blk + TOFFEE_Q_TAIL, idx + 1);
}

bool fp_fb_space(struct fp *fp)
{
	uint32_t idx, log2;
	return spq_claim(fp, TOFFEE_SPQ_FB, &idx, &log2);
}

void fp_fb_post(struct fp *fp, const struct toffee_sp_fb *fb)
{
	uint32_t idx, log2;
	if (!spq_claim(fp, TOFFEE_SPQ_FB, &idx, &log2))
		return;                    /* callers check fp_fb_space first */
	uint32_t blk = spq_reg(TOFFEE_SPQ_FB, 0);
	struct toffee_sp_fb e = *fb;
	e.phase = toffee_phase(idx, log2);
	uint64_t iova = ring_base(fp, blk) + (uint64_t)(idx & ((1u << log2) - 1)) * sizeof(e);
	fp->plat->dma_write_entry(fp->plat->priv, iova, &e, sizeof(e));
	reg_wr(fp, blk + TOFFEE_Q_TAIL, idx + 1);
}
