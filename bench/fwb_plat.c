/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_plat.c
 * The benchmark's platform for the fast-path core (see fwb_plat.h).
 *
 * The callbacks are what a real platform would do, minus hardware: DMA is
 * a bounds-checked memcpy, the MAC copies the frame into a capture ring.
 * Host memory is also mapped for the core (fp_platform.host_map, as
 * toffee-fw does on host cores), so the core moves payload and writes ring
 * entries itself (fp_payload_copy) and calls DMA only for the rest.
 * Payload-buffer DMA goes through fwb_payload_copy() and the MAC's copy
 * through fwb_mac_copy(), which the measurement subtracts by name, as it
 * does fp_payload_copy(); the callbacks' own instructions and descriptor
 * DMA (ring entries, flow state) stay counted.
 */
#include <stdlib.h>
#include <string.h>
#include "fwb.h"
#include "fwb_plat.h"

static int fwb_plat_tx(void *priv, const uint8_t *frame, uint32_t len)
{
	struct fwb_host *h = priv;
	unsigned slot = (unsigned)(h->tx_count % FWB_CAP_SLOTS);

	if (len > sizeof h->cap[0])
		fwb_fail("platform: frame of %u bytes", len);
	fwb_mac_copy(h->cap[slot], frame, len);
	h->cap_len[slot] = len;
	h->tx_count++;
	return 0;
}

static void fwb_plat_dma_read(void *priv, uint64_t iova, void *dst, uint32_t len)
{
	struct fwb_host *h = priv;

	if (iova > h->mem_len || len > h->mem_len - iova)
		fwb_fail("platform: DMA read outside host memory");
	if (iova >= h->pay_lo && iova < h->pay_hi)
		fwb_payload_copy(dst, h->mem + iova, len);
	else
		memcpy(dst, h->mem + iova, len);
}

static void fwb_plat_dma_write(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	struct fwb_host *h = priv;

	if (iova > h->mem_len || len > h->mem_len - iova)
		fwb_fail("platform: DMA write outside host memory");
	if (iova >= h->pay_lo && iova < h->pay_hi)
		fwb_payload_copy(h->mem + iova, src, len);
	else
		memcpy(h->mem + iova, src, len);
}

static void fwb_plat_dma_write_entry(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	struct fwb_host *h = priv;

	if (len == 0 || iova > h->mem_len || len > h->mem_len - iova)
		fwb_fail("platform: DMA entry write outside host memory");
	memcpy(h->mem + iova, src, len - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->mem[iova + len - 1] = ((const uint8_t *)src)[len - 1];
}

static void fwb_plat_notify(void *priv, uint32_t ctx)
{
	struct fwb_host *h = priv;

	(void)ctx;
	h->notifies++;
}

void fwb_host_init(struct fwb_host *h, uint64_t mem_len)
{
	memset(h, 0, sizeof *h);
	h->mem = aligned_alloc(4096, mem_len);
	h->regs = aligned_alloc(4096, TOFFEE_REG_BAR_SIZE);
	if (h->mem == NULL || h->regs == NULL)
		fwb_fail("out of memory");
	memset(h->mem, 0, mem_len);
	memset((void *)h->regs, 0, TOFFEE_REG_BAR_SIZE);
	h->mem_len = mem_len;
	h->brk = 4096;                  /* keep IOVA 0 unused */
	h->plat.priv = h;
	h->plat.tx = fwb_plat_tx;
	h->plat.dma_read = fwb_plat_dma_read;
	h->plat.dma_write = fwb_plat_dma_write;
	h->plat.dma_write_entry = fwb_plat_dma_write_entry;
	h->plat.notify = fwb_plat_notify;
	/* host memory mapped, as on host cores (toffee-fw): region 0 */
	h->map.base = h->mem;
	h->map.size = mem_len;
	h->plat.host_map = &h->map;
	h->plat.host_regions = 1;
}

uint64_t fwb_halloc(struct fwb_host *h, uint64_t size, uint64_t align)
{
	uint64_t a = (h->brk + align - 1) & ~(align - 1);

	if (a + size > h->mem_len)
		fwb_fail("host memory exhausted");
	h->brk = a + size;
	return a;
}

void fwb_wreg(struct fwb_host *h, uint32_t off, uint32_t v)
{
	h->regs[off / 4] = v;
}

uint32_t fwb_rreg(struct fwb_host *h, uint32_t off)
{
	return h->regs[off / 4];
}

void fwb_ring_setup(struct fwb_host *h, struct fwb_ring *r, uint32_t blk, uint32_t log2,
		    uint32_t esize, int slots, uint32_t reg_mine, uint32_t reg_theirs)
{
	memset(r, 0, sizeof *r);
	r->log2 = log2;
	r->esize = esize;
	r->iova = fwb_halloc(h, (uint64_t)esize << log2, 4096);
	if (slots)
		r->buf = fwb_halloc(h, (uint64_t)TOFFEE_FRAME_SLOT << log2, 4096);
	r->reg_mine = reg_mine;
	r->reg_theirs = reg_theirs;
	fwb_wreg(h, blk + TOFFEE_Q_BASE_LO, (uint32_t)r->iova);
	fwb_wreg(h, blk + TOFFEE_Q_BASE_HI, (uint32_t)(r->iova >> 32));
	fwb_wreg(h, blk + TOFFEE_Q_BUF_LO, (uint32_t)r->buf);
	fwb_wreg(h, blk + TOFFEE_Q_BUF_HI, (uint32_t)(r->buf >> 32));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fwb_wreg(h, blk + TOFFEE_Q_LOG2, log2);
}

int fwb_ring_post(struct fwb_host *h, struct fwb_ring *r, const void *entry)
{
	uint32_t mask = (1u << r->log2) - 1;
	uint8_t *e = fwb_hptr(h, r->iova + (uint64_t)(r->idx & mask) * r->esize);

	if (r->idx - fwb_rreg(h, r->reg_theirs) >= (1u << r->log2))
		return -1;
	memcpy(e, entry, r->esize - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e[r->esize - 1] = toffee_phase(r->idx, r->log2);
	r->idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fwb_wreg(h, r->reg_mine, r->idx);
	return 0;
}

int fwb_ring_take(struct fwb_host *h, struct fwb_ring *r, void *entry)
{
	uint32_t mask = (1u << r->log2) - 1;
	const uint8_t *e = fwb_hptr(h, r->iova + (uint64_t)(r->idx & mask) * r->esize);

	if (e[r->esize - 1] != toffee_phase(r->idx, r->log2))
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(entry, e, r->esize);
	r->idx++;
	fwb_wreg(h, r->reg_mine, r->idx);
	return 1;
}
