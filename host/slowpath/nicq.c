/* SPDX-License-Identifier: MIT */
/* The slow path's four rings (abi.h) in region 0, and the flow images:
 *
 *   4 KiB unused (IOVA 0 is never valid)
 *   EXC entries | RAW entries | CMD entries | FB entries
 *   EXC frame slots | RAW frame slots | flow images (128 B per flow id)
 *
 * Commands carry a tag = their ring index; every command yields exactly one
 * FB entry, in order, so the completion finds its pending record by slot.
 * When the CMD ring is full, commands wait in a software FIFO. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sp.h"

#define EXC_LOG2 10u
#define RAW_LOG2 9u
#define CMD_LOG2 12u
#define FB_LOG2  12u

static uint64_t align4k(uint64_t v) { return (v + 4095) & ~4095ull; }

static uint32_t qreg(uint32_t q, uint32_t off)
{
	return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + off;
}

static void ring_setup(struct sp *sp, struct sp_ring *r, uint32_t q, uint32_t log2, uint32_t esz,
		       uint64_t *off, bool slots)
{
	r->q = q;
	r->log2 = log2;
	r->mask = (1u << log2) - 1;
	r->esz = esz;
	r->idx = 0;
	r->ents = sp->r0.va + *off;
	r->ents_iova = dev_iova(&sp->r0, *off);
	*off = align4k(*off + ((uint64_t)esz << log2));
	(void)slots;
}

static void ring_program(struct sp *sp, struct sp_ring *r)
{
	struct dev *d = sp->dev;
	dev_wr32(d, qreg(r->q, TOFFEE_Q_LOG2), 0);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_HEAD), 0);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_TAIL), 0);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_BASE_LO), (uint32_t)r->ents_iova);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_BASE_HI), (uint32_t)(r->ents_iova >> 32));
	dev_wr32(d, qreg(r->q, TOFFEE_Q_BUF_LO), (uint32_t)r->slots_iova);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_BUF_HI), (uint32_t)(r->slots_iova >> 32));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dev_wr32(d, qreg(r->q, TOFFEE_Q_LOG2), r->log2);
}

int sp_nicq_init(struct sp *sp)
{
	uint64_t off = 4096;
	ring_setup(sp, &sp->exc, TOFFEE_SPQ_EXC, EXC_LOG2, sizeof(struct toffee_sp_exc), &off, true);
	ring_setup(sp, &sp->raw, TOFFEE_SPQ_RAW, RAW_LOG2, sizeof(struct toffee_sp_raw), &off, true);
	ring_setup(sp, &sp->cmd, TOFFEE_SPQ_CMD, CMD_LOG2, sizeof(struct toffee_sp_cmd), &off, false);
	ring_setup(sp, &sp->fb, TOFFEE_SPQ_FB, FB_LOG2, sizeof(struct toffee_sp_fb), &off, false);
	sp->exc.slots = sp->r0.va + off;
	sp->exc.slots_iova = dev_iova(&sp->r0, off);
	off += (uint64_t)TOFFEE_FRAME_SLOT << EXC_LOG2;
	sp->raw.slots = sp->r0.va + off;
	sp->raw.slots_iova = dev_iova(&sp->r0, off);
	off += (uint64_t)TOFFEE_FRAME_SLOT << RAW_LOG2;
	sp->images = sp->r0.va + off;
	sp->images_iova = dev_iova(&sp->r0, off);
	off += (uint64_t)sp->nflows * sizeof(struct toffee_flow);
	if (off > sp->r0.size)
		return -ENOSPC;
	sp->pend = calloc(1u << CMD_LOG2, sizeof(*sp->pend));
	if (!sp->pend)
		return -ENOMEM;
	ring_program(sp, &sp->exc);
	ring_program(sp, &sp->raw);
	ring_program(sp, &sp->cmd);
	ring_program(sp, &sp->fb);
	return 0;
}

uint64_t sp_nicq_region_size(uint32_t nflows)
{
	uint64_t off = 4096;
	off = align4k(off + (16ull << EXC_LOG2));
	off = align4k(off + (16ull << RAW_LOG2));
	off = align4k(off + (32ull << CMD_LOG2));
	off = align4k(off + (32ull << FB_LOG2));
	off += (uint64_t)TOFFEE_FRAME_SLOT << EXC_LOG2;
	off += (uint64_t)TOFFEE_FRAME_SLOT << RAW_LOG2;
	off += (uint64_t)nflows * sizeof(struct toffee_flow);
	return align4k(off);
}

void sp_nicq_fini(struct sp *sp)
{
	if (sp->dev && sp->dev->bar)
		for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++)
			dev_wr32(sp->dev, qreg(q, TOFFEE_Q_LOG2), 0);
	free(sp->pend);
	free(sp->backlog);
	free(sp->backlog_pend);
	sp->pend = NULL;
	sp->backlog = NULL;
	sp->backlog_pend = NULL;
}

struct toffee_flow *sp_image(struct sp *sp, uint32_t id)
{
	return (struct toffee_flow *)(sp->images + (size_t)id * sizeof(struct toffee_flow));
}

uint64_t sp_image_iova(struct sp *sp, uint32_t id)
{
	return sp->images_iova + (uint64_t)id * sizeof(struct toffee_flow);
}

/* Write a ring entry: all bytes but the phase, a release fence, the phase. */
static void put_entry(uint8_t *dst, const void *src, uint32_t len)
{
	memcpy(dst, src, len - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(dst + len - 1, ((const uint8_t *)src)[len - 1], __ATOMIC_RELEASE);
}

static bool cmd_space(struct sp *sp)
{
	uint32_t head = dev_rd32(sp->dev, qreg(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD));
	return sp->cmd.idx - head < (1u << sp->cmd.log2);
}

static void cmd_post(struct sp *sp, struct toffee_sp_cmd *c, const struct sp_pend *p)
{
	struct sp_ring *r = &sp->cmd;
	uint32_t slot = r->idx & r->mask;
	c->tag = (uint16_t)r->idx;
	c->phase = toffee_phase(r->idx, r->log2);
	sp->pend[slot] = *p;
	put_entry(r->ents + (size_t)slot * r->esz, c, sizeof(*c));
	r->idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dev_wr32(sp->dev, qreg(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL), r->idx);
}

static void backlog_flush(struct sp *sp)
{
	while (sp->nbacklog && cmd_space(sp)) {
		size_t i = sp->backlog_head;
		cmd_post(sp, &sp->backlog[i], &sp->backlog_pend[i]);
		sp->backlog_head = (i + 1) % sp->cap_backlog;
		sp->nbacklog--;
	}
	if (!sp->nbacklog)
		sp->backlog_head = 0;
}

static void backlog_push(struct sp *sp, const struct toffee_sp_cmd *c, const struct sp_pend *p)
{
	if (sp->nbacklog == sp->cap_backlog) {
		size_t cap = sp->cap_backlog ? sp->cap_backlog * 2 : 1024;
		struct toffee_sp_cmd *nc = malloc(cap * sizeof(*nc));
		struct sp_pend *np = malloc(cap * sizeof(*np));
		if (!nc || !np) {
			SP_ERR(sp, "out of memory queueing a NIC command");
			abort();
		}
		for (size_t i = 0; i < sp->nbacklog; i++) {
			size_t j = (sp->backlog_head + i) % (sp->cap_backlog ? sp->cap_backlog : 1);
			nc[i] = sp->backlog[j];
			np[i] = sp->backlog_pend[j];
		}
		free(sp->backlog);
		free(sp->backlog_pend);
		sp->backlog = nc;
		sp->backlog_pend = np;
		sp->cap_backlog = cap;
		sp->backlog_head = 0;
	}
	size_t i = (sp->backlog_head + sp->nbacklog) % sp->cap_backlog;
	sp->backlog[i] = *c;
	sp->backlog_pend[i] = *p;
	sp->nbacklog++;
	sp_count(sp, SP_CNT_CMD_QUEUED);
}

void sp_cmd(struct sp *sp, uint8_t op, uint32_t flow_id, uint64_t iova, uint32_t arg0,
	    enum sp_why why, struct sp_conn *c, struct sp_app *a)
{
	sp_cmd_act(sp, op, flow_id, iova, arg0, why, 0, c, a);
}

void sp_cmd_act(struct sp *sp, uint8_t op, uint32_t flow_id, uint64_t iova, uint32_t arg0,
		enum sp_why why, uint8_t act, struct sp_conn *c, struct sp_app *a)
{
	struct toffee_sp_cmd cmd = { .opcode = op, .flow_id = flow_id, .iova = iova, .arg0 = arg0 };
	struct sp_pend p = { .c = c, .a = a, .why = (uint8_t)why, .op = op, .act = act,
			     .flow_id = flow_id };
	if (c)
		c->npend++;
	if (a)
		a->npend++;
	if (!sp->nbacklog && cmd_space(sp))
		cmd_post(sp, &cmd, &p);
	else
		backlog_push(sp, &cmd, &p);
}

uint8_t *sp_raw_slot(struct sp *sp)
{
	struct sp_ring *r = &sp->raw;
	uint32_t head = dev_rd32(sp->dev, qreg(TOFFEE_SPQ_RAW, TOFFEE_Q_HEAD));
	if (r->idx - head >= (1u << r->log2)) {
		sp_count(sp, SP_CNT_RAW_FULL);
		return NULL;
	}
	return r->slots + (size_t)(r->idx & r->mask) * TOFFEE_FRAME_SLOT;
}

void sp_raw_commit(struct sp *sp, uint32_t len)
{
	struct sp_ring *r = &sp->raw;
	struct toffee_sp_raw e = { .frame_len = (uint16_t)len, .phase = toffee_phase(r->idx, r->log2) };
	put_entry(r->ents + (size_t)(r->idx & r->mask) * r->esz, &e, sizeof(e));
	r->idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dev_wr32(sp->dev, qreg(TOFFEE_SPQ_RAW, TOFFEE_Q_TAIL), r->idx);
}

/* Entry @p idx of a NIC-produced ring if its phase says it is complete. */
static const uint8_t *nic_entry(struct sp *sp, struct sp_ring *r, uint32_t idx)
{
	const uint8_t *e = r->ents + (size_t)(idx & r->mask) * r->esz;
	if (__atomic_load_n(e + r->esz - 1, __ATOMIC_ACQUIRE) != toffee_phase(idx, r->log2)) {
		sp_count(sp, SP_CNT_EXC_PHASE);
		return NULL;
	}
	return e;
}

unsigned sp_nicq_poll(struct sp *sp)
{
	unsigned n = 0;
	/* Read FB's producer index first: every exception posted before a
	 * completion we handle below is then visible too (the NIC writes its
	 * rings in order), so e.g. frames punted before an INSTALL took effect
	 * are seen before the INSTALL's completion. */
	uint32_t fb_tail = dev_rd32(sp->dev, qreg(TOFFEE_SPQ_FB, TOFFEE_Q_TAIL));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t exc_tail = dev_rd32(sp->dev, qreg(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	struct sp_ring *r = &sp->exc;
	if (exc_tail - r->idx > (1u << r->log2))
		exc_tail = r->idx + (1u << r->log2);      /* nonsense index: bound it */
	while (r->idx != exc_tail) {
		const uint8_t *e = nic_entry(sp, r, r->idx);
		if (!e)
			break;
		struct toffee_sp_exc x;
		memcpy(&x, e, sizeof(x));
		const uint8_t *frame = r->slots + (size_t)(r->idx & r->mask) * TOFFEE_FRAME_SLOT;
		if (x.frame_len > TOFFEE_FRAME_SLOT)
			x.frame_len = TOFFEE_FRAME_SLOT;
		sp_exc(sp, &x, frame);
		r->idx++;
		n++;
	}
	if (n)
		dev_wr32(sp->dev, qreg(TOFFEE_SPQ_EXC, TOFFEE_Q_HEAD), r->idx);

	r = &sp->fb;
	unsigned nfb = 0;
	if (fb_tail - r->idx > (1u << r->log2))
		fb_tail = r->idx + (1u << r->log2);
	while (r->idx != fb_tail) {
		const uint8_t *e = nic_entry(sp, r, r->idx);
		if (!e)
			break;
		struct toffee_sp_fb fb;
		memcpy(&fb, e, sizeof(fb));
		r->idx++;
		nfb++;
		/* Free the FB slot at once: handlers post more commands. */
		dev_wr32(sp->dev, qreg(TOFFEE_SPQ_FB, TOFFEE_Q_HEAD), r->idx);
		struct sp_pend p = sp->pend[fb.tag & sp->cmd.mask];
		memset(&sp->pend[fb.tag & sp->cmd.mask], 0, sizeof(p));
		if (fb.status)
			SP_DBG(sp, "command %u on flow %u: status %d", p.op, fb.flow_id, fb.status);
		sp_cmd_done(sp, &p, &fb);
	}
	n += nfb;
	backlog_flush(sp);
	return n;
}
