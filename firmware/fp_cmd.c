/* SPDX-License-Identifier: MIT */
/* Host-produced rings: slow-path commands, raw frames, application
 * commands. Every entry is validated; a bad one is counted and skipped. */
#include <errno.h>
#include "fp_internal.h"

#define FP_CTX_CMD_BUDGET 64u   /* per context per poll: fairness between apps */

/* Pending entries of a host-produced ring, or 0. A producer index more than
 * a ring ahead is nonsense: the ring is reset to empty and counted. */
static uint32_t ring_pending(struct fp *fp, uint32_t log2, uint32_t head, uint32_t tail,
			     uint32_t head_reg)
{
	uint32_t n = tail - head;
	if (FP_UNLIKELY(n > (1u << log2))) {
		fp_drop(fp, TOFFEE_DROP_CMD_BAD);
		reg_wr(fp, head_reg, tail);
		return 0;
	}
	return n;
}

static struct toffee_flow *valid_flow(struct fp *fp, uint32_t id)
{
	if (id >= fp->flow_cap || !(fp->flows[id].nic_flags & FP_NF_VALID))
		return NULL;
	return &fp->flows[id];
}

static int install(struct fp *fp, uint32_t id, uint64_t iova, uint64_t now)
{
	if (id >= fp->flow_cap)
		return -EINVAL;
	struct toffee_flow *f = &fp->flows[id];
	if (f->nic_flags & FP_NF_VALID)
		return -EEXIST;
	struct toffee_flow img;
	fp->plat->dma_read(fp->plat->priv, iova, &img, sizeof(img));
	uint32_t hdr = FP_HDRS_LEN + ((img.flags & TOFFEE_FLOWF_TS) ? FP_TS_OPT_LEN : 0);
	if (img.ctx_id >= TOFFEE_MAX_CTX || img.mss == 0 || hdr + img.mss > TOFFEE_MAX_FRAME ||
	    img.snd_wscale > 14 || img.rcv_wscale > 14 ||
	    img.rx_buf_log2 < TOFFEE_BUF_LOG2_MIN || img.rx_buf_log2 > TOFFEE_BUF_LOG2_MAX ||
	    img.tx_buf_log2 < TOFFEE_BUF_LOG2_MIN || img.tx_buf_log2 > TOFFEE_BUF_LOG2_MAX ||
	    img.rx_avail > (1u << img.rx_buf_log2) ||
	    seq_gt(img.snd_una, img.snd_nxt) || seq_gt(img.snd_nxt, img.snd_max) ||
	    seq_gt(img.snd_una, img.tx_end + 1) ||
	    (seq_lt(img.snd_una, img.tx_end) && img.tx_end - img.snd_una > (1u << img.tx_buf_log2)))
		return -EINVAL;
	int rc = fp_flowtab_insert(fp, img.local_ip, img.remote_ip, fp_flow_ports(&img), id);
	if (rc)
		return rc;
	/* A removed flow may still be linked in a scheduler list: keep the link. */
	uint8_t queued = f->nic_flags & FP_NF_QUEUED;
	uint32_t next = f->sched_next;
	*f = img;
	fp_fx_init(fp, id);
	f->nic_flags = FP_NF_VALID | queued;
	f->sched_next = next;
	f->dupacks = 0;
	f->tb_time = now;
	f->fb_acked = f->fb_ecn_acked = f->fb_rtt_us = 0;
	f->fb_fast_rexmits = 0;
	fp_sched_kick(fp, f, id);
	return 0;
}

static int sp_exec(struct fp *fp, const struct toffee_sp_cmd *c, struct toffee_sp_fb *fb, uint64_t now)
{
	if (c->opcode == TOFFEE_CMD_NOP)
		return 0;
	if (c->opcode == TOFFEE_CMD_INSTALL)
		return install(fp, c->flow_id, c->iova, now);
	struct toffee_flow *f = valid_flow(fp, c->flow_id);
	if (!f)
		return c->opcode < TOFFEE_CMD_COUNT ? -ENOENT : -EINVAL;
	switch (c->opcode) {
	case TOFFEE_CMD_REMOVE:
		fp_flowtab_remove(fp, f->local_ip, f->remote_ip, fp_flow_ports(f));
		f->nic_flags &= (uint8_t)~FP_NF_VALID;
		/* the final state, taken atomically with the removal (a READ_STATE
		 * before it misses whatever segments came in between) */
		if (c->iova)
			fp->plat->dma_write(fp->plat->priv, c->iova, f, sizeof(*f));
		return 0;
	case TOFFEE_CMD_SET_RATE:
		f->ps_per_byte = c->arg0;
		break;
	case TOFFEE_CMD_SET_WINDOW:
		f->cwnd = c->arg0;
		break;
	case TOFFEE_CMD_RETRANSMIT:
		f->snd_nxt = f->snd_una;
		f->nic_flags &= (uint8_t)~FP_NF_RTT;
		break;
	case TOFFEE_CMD_READ_STATE:
		fp->plat->dma_write(fp->plat->priv, c->iova, f, sizeof(*f));
		return 0;
	case TOFFEE_CMD_FEEDBACK:
		fb->type = TOFFEE_FB_FLOW;
		fb->acked_bytes = f->fb_acked;
		fb->ecn_bytes = f->fb_ecn_acked;
		fb->rtt_us = f->fb_rtt_us;
		fb->inflight = f->snd_nxt - f->snd_una;
		fb->fast_rexmits = f->fb_fast_rexmits;
		f->fb_acked = f->fb_ecn_acked = f->fb_rtt_us = 0;
		f->fb_fast_rexmits = 0;
		return 0;
	case TOFFEE_CMD_TX_FIN:
		f->flags |= TOFFEE_FLOWF_TX_FIN;
		break;
	case TOFFEE_CMD_SET_SLOWPATH:
		if (c->arg0 > 1)
			return -EINVAL;
		f->flags = (uint16_t)(c->arg0 ? f->flags | TOFFEE_FLOWF_SLOWPATH : f->flags & ~TOFFEE_FLOWF_SLOWPATH);
		return 0;
	default:
		return -EINVAL;
	}
	fp_sched_kick(fp, f, c->flow_id);
	return 0;
}

unsigned fp_cmd_poll_sp(struct fp *fp, uint64_t now)
{
	uint32_t blk = spq_reg(TOFFEE_SPQ_CMD, 0);
	uint32_t log2 = reg_rd(fp, blk + TOFFEE_Q_LOG2);
	if (!log2)
		return 0;
	uint32_t head = reg_rd(fp, blk + TOFFEE_Q_HEAD);
	uint32_t n = ring_pending(fp, log2, head, reg_rd(fp, blk + TOFFEE_Q_TAIL), blk + TOFFEE_Q_HEAD);
	unsigned done = 0;
	for (; done < n && fp_fb_space(fp); done++, head++) {
		struct toffee_sp_cmd c;
		uint64_t iova = ring_base(fp, blk) + (uint64_t)(head & ((1u << log2) - 1)) * sizeof(c);
		fp->plat->dma_read(fp->plat->priv, iova, &c, sizeof(c));
		struct toffee_sp_fb fb = { .flow_id = c.flow_id, .tag = c.tag, .type = TOFFEE_FB_DONE };
		int rc = c.phase == toffee_phase(head, log2) ? sp_exec(fp, &c, &fb, now) : -EPROTO;
		if (rc == -EINVAL || rc == -EPROTO)
			fp_drop(fp, TOFFEE_DROP_CMD_BAD);
		fb.status = (int16_t)rc;
		fp_fb_post(fp, &fb);
		reg_wr(fp, blk + TOFFEE_Q_HEAD, head + 1);
	}
	return done;
}

unsigned fp_cmd_poll_raw(struct fp *fp)
{
	uint32_t blk = spq_reg(TOFFEE_SPQ_RAW, 0);
	uint32_t log2 = reg_rd(fp, blk + TOFFEE_Q_LOG2);
	if (!log2)
		return 0;
	uint32_t head = reg_rd(fp, blk + TOFFEE_Q_HEAD);
	uint32_t n = ring_pending(fp, log2, head, reg_rd(fp, blk + TOFFEE_Q_TAIL), blk + TOFFEE_Q_HEAD);
	uint64_t bufs = (uint64_t)reg_rd(fp, blk + TOFFEE_Q_BUF_HI) << 32 | reg_rd(fp, blk + TOFFEE_Q_BUF_LO);
	unsigned done = 0;
	for (; done < n; done++, head++) {
		struct toffee_sp_raw r;
		uint32_t slot = head & ((1u << log2) - 1);
		fp->plat->dma_read(fp->plat->priv, ring_base(fp, blk) + (uint64_t)slot * sizeof(r), &r, sizeof(r));
		if (r.phase != toffee_phase(head, log2) || r.frame_len < FP_ETH_LEN || r.frame_len > TOFFEE_MAX_FRAME) {
			fp_drop(fp, TOFFEE_DROP_RAW_BAD);
		} else {
			fp->plat->dma_read(fp->plat->priv, bufs + (uint64_t)slot * TOFFEE_FRAME_SLOT, fp->frame, r.frame_len);
			if (fp->plat->tx(fp->plat->priv, fp->frame, r.frame_len) != 0)
				break;                 /* MAC full: retry this entry later */
			fp_count(fp, TOFFEE_CNT_TX_RAW);
		}
		reg_wr(fp, blk + TOFFEE_Q_HEAD, head + 1);
	}
	return done;
}

/* Apply one application command after checking the context owns the flow. */
static void ctx_exec(struct fp *fp, uint32_t ctx, const struct toffee_ctx_cmd *c, uint64_t now)
{
	struct toffee_flow *f = valid_flow(fp, c->flow_id);
	if (!f || f->ctx_id != ctx)
		return fp_drop(fp, TOFFEE_DROP_CMD_NOT_OWNER);
	uint32_t tx_size = 1u << f->tx_buf_log2, rx_size = 1u << f->rx_buf_log2;
	uint32_t tx_used = seq_gt(f->snd_una, f->tx_end) ? 0 : f->tx_end - f->snd_una;
	if (c->tx_bytes > tx_size - tx_used || c->rx_bytes > rx_size - f->rx_avail ||
	    (c->tx_bytes && (f->flags & TOFFEE_FLOWF_TX_FIN)))
		return fp_drop(fp, TOFFEE_DROP_CMD_BAD);
	if (c->tx_bytes) {
		f->tx_end += c->tx_bytes;
		fp_sched_kick(fp, f, c->flow_id);
	}
	if (c->flags & TOFFEE_CMDF_FIN) {
		f->flags |= TOFFEE_FLOWF_TX_FIN;
		fp_sched_kick(fp, f, c->flow_id);
	}
	if (c->rx_bytes) {
		/* Window update when the window re-opens past a threshold, so a
		 * peer stopped by a small or zero window resumes (RFC 9293 SWS). */
		uint32_t thr = 2u * f->mss < rx_size / 2 ? 2u * f->mss : rx_size / 2;
		uint32_t old = f->rx_avail;
		f->rx_avail += c->rx_bytes;
		if (old < thr && f->rx_avail >= thr)
			fp_tx_ack(fp, f, c->flow_id, now, false, 0, 0);
	}
}

unsigned fp_cmd_poll_ctx(struct fp *fp, uint64_t now)
{
	unsigned done = 0;
	uint32_t limit = reg_rd(fp, TOFFEE_REG_CTX_LIMIT);
	if (limit == 0 || limit > TOFFEE_MAX_CTX)
		limit = TOFFEE_MAX_CTX;
	for (uint32_t ctx = 0; ctx < limit; ctx++) {
		uint32_t blk = ctx_reg(ctx, TOFFEE_CTX_CMD);
		uint32_t log2 = reg_rd(fp, blk + TOFFEE_Q_LOG2);
		if (!log2)
			continue;
		uint32_t head = reg_rd(fp, blk + TOFFEE_Q_HEAD);
		uint32_t tail = reg_rd(fp, db_reg(ctx, TOFFEE_DB_CMD_TAIL));
		if (head == tail)
			continue;
		uint32_t n = ring_pending(fp, log2, head, tail, blk + TOFFEE_Q_HEAD);
		if (n == 0) {                       /* overrun: the ring was reset */
			reg_wr(fp, db_reg(ctx, TOFFEE_DB_CMD_HEAD), tail);
			continue;
		}
		if (n > FP_CTX_CMD_BUDGET)
			n = FP_CTX_CMD_BUDGET;
		uint64_t base = ring_base(fp, blk);
		for (uint32_t i = 0; i < n; i++, head++) {
			struct toffee_ctx_cmd c;
			fp->plat->dma_read(fp->plat->priv, base + (uint64_t)(head & ((1u << log2) - 1)) * sizeof(c), &c, sizeof(c));
			if (c.phase != toffee_phase(head, log2))
				fp_drop(fp, TOFFEE_DROP_CMD_BAD);
			else
				ctx_exec(fp, ctx, &c, now);
		}
		reg_wr(fp, blk + TOFFEE_Q_HEAD, head);
		reg_wr(fp, db_reg(ctx, TOFFEE_DB_CMD_HEAD), head);   /* the app's mirror */
		done += n;
	}
	return done;
}
