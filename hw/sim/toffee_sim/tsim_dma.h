/* SPDX-License-Identifier: MIT */
/**
 * @file tsim_dma.h
 * toffee-sim: the DMA service. Serves toffee_top's DMA write and read
 * channels (docs/rtl.md, "The DMA interface an FPGA shell must serve")
 * from host memory reached through struct tsim_mem (in toffee-sim: the
 * nicsrv regions, IOVA = region << 32 | offset).
 *
 *  - Write channel: always ready. Each beat is applied at its handshake,
 *    in order (so writes become visible in issue order, with a release
 *    fence per beat): the runs of consecutive strb bytes are written at
 *    addr + i. A run the memory refuses (IOVA outside every region) is
 *    dropped and counted (wr_faults); a beat whose addr is not aligned to
 *    8 bytes is counted (wr_unaligned) and applied at addr & ~7.
 *  - Read channel: up to TSIM_DMA_QUEUE requests outstanding (ready drops
 *    when full). A request is read from memory when it is accepted (so it
 *    sees every write accepted before it) and answered, in request order,
 *    by the naturally aligned beats covering [addr, addr + len), with its
 *    tag and last on the final beat, after --dma-latency cycles. A refused
 *    range reads as zeroes (rd_faults); len 0 (outside the contract) is
 *    counted (rd_bad) and answered with one zero beat, so the NIC never
 *    hangs.
 */
#ifndef TOFFEE_TSIM_DMA_H
#define TOFFEE_TSIM_DMA_H

#include <stdbool.h>
#include <stdint.h>
#include "tsim_model.h"

#define TSIM_DMA_QUEUE 16u
#define TSIM_DMA_MAX_BEATS (65535u / TSIM_BEAT + 2u)

/** Host memory as the device sees it. Both return false when the whole
 *  range is not inside one mapped region (the access is then refused). */
struct tsim_mem {
	void *arg;
	bool (*read)(void *arg, uint64_t iova, void *dst, uint32_t len);
	bool (*write)(void *arg, uint64_t iova, const void *src, uint32_t len);
};

struct tsim_dma_stats {
	uint64_t wr_beats, wr_bytes, wr_faults, wr_unaligned;
	uint64_t rd_reqs, rd_beats, rd_bytes, rd_faults, rd_bad;
};

struct tsim_dma_req {
	uint64_t addr;           /* first beat's address (aligned) */
	uint64_t ready_at;       /* cycle from which the response may start */
	uint32_t beats, next;
	uint16_t tag;
	uint8_t *buf;            /* beats * TSIM_BEAT bytes */
};

struct tsim_dma {
	struct tsim_mem mem;
	uint32_t latency;
	struct tsim_dma_req q[TSIM_DMA_QUEUE];
	unsigned head, count;
	struct tsim_dma_stats st;
};

/** 0 or -ENOMEM. @p latency: extra cycles before a response starts. */
int tsim_dma_init(struct tsim_dma *d, const struct tsim_mem *mem, uint32_t latency);
void tsim_dma_fini(struct tsim_dma *d);
/** Forget queued requests (device reset). */
void tsim_dma_reset(struct tsim_dma *d);
/** Before the edge: drive the channel inputs of @p io for @p cycle. */
void tsim_dma_drive(struct tsim_dma *d, struct tsim_io *io, uint64_t cycle);
/** After tsim_model_cycle(): account the handshakes of that edge. */
void tsim_dma_edge(struct tsim_dma *d, const struct tsim_io *io, uint64_t cycle);
/** Requests outstanding. */
static inline bool tsim_dma_busy(const struct tsim_dma *d) { return d->count != 0; }

#endif /* TOFFEE_TSIM_DMA_H */
