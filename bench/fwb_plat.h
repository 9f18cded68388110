/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_plat.h
 * A minimal platform for the fast-path core inside the benchmark: host
 * memory as one array (IOVA = offset into it), the register file as plain
 * memory, frames sent into a capture ring, and the host's side of the rings
 * of include/toffee/abi.h.
 */
#ifndef FWB_PLAT_H
#define FWB_PLAT_H

#include <stdint.h>
#include "fp.h"

#define FWB_CAP_SLOTS 64u

struct fwb_host {
	uint8_t *mem;            /* host memory; IOVA = offset */
	uint64_t mem_len, brk;
	uint64_t pay_lo, pay_hi; /* IOVA range of payload buffers */
	volatile uint32_t *regs; /* BAR0 */
	struct fp_platform plat;
	struct fp_host_region map; /* mem as region 0, for the core */
	uint8_t cap[FWB_CAP_SLOTS][1536];
	uint32_t cap_len[FWB_CAP_SLOTS];
	unsigned long tx_count;
	unsigned long notifies;
};

/** Host side of one ring. */
struct fwb_ring {
	uint64_t iova;       /* entries */
	uint64_t buf;        /* frame slots (EXC/RAW) or 0 */
	uint32_t log2, esize;
	uint32_t idx;        /* our free-running index (producer or consumer) */
	uint32_t reg_mine;   /* register we write: tail (producer) or head */
	uint32_t reg_theirs; /* register the NIC writes: head (producer) or tail */
};

void fwb_host_init(struct fwb_host *h, uint64_t mem_len);
/** Bump-allocate @p size bytes of zeroed host memory; returns the IOVA. */
uint64_t fwb_halloc(struct fwb_host *h, uint64_t size, uint64_t align);
static inline void *fwb_hptr(struct fwb_host *h, uint64_t iova)
{
	return h->mem + iova;
}
void fwb_wreg(struct fwb_host *h, uint32_t off, uint32_t v);
uint32_t fwb_rreg(struct fwb_host *h, uint32_t off);

/** Allocate a ring and program its register block at @p blk (a Q_* block).
 *  @p slots: allocate frame slots too. The ring is enabled (Q_LOG2) last.
 *  @p reg_mine/@p reg_theirs: absolute register offsets of our index and
 *  the NIC's index for this ring. */
void fwb_ring_setup(struct fwb_host *h, struct fwb_ring *r, uint32_t blk, uint32_t log2,
		    uint32_t esize, int slots, uint32_t reg_mine, uint32_t reg_theirs);
/** Produce one entry (phase byte written last, then the tail register).
 *  Returns -1 if the ring is full. */
int fwb_ring_post(struct fwb_host *h, struct fwb_ring *r, const void *entry);
/** Consume one entry if there is one (then the head register): 1, or 0. */
int fwb_ring_take(struct fwb_host *h, struct fwb_ring *r, void *entry);

#endif /* FWB_PLAT_H */
