/* SPDX-License-Identifier: MIT */
/**
 * @file bufpool.h
 * Buddy allocator of power-of-two payload buffers inside an application's
 * region. The metadata lives here, never in the shared region (the
 * application could overwrite it).
 */
#ifndef TOFFEE_SP_BUFPOOL_H
#define TOFFEE_SP_BUFPOOL_H

#include <stdint.h>

#define SP_BUF_ORDERS 32u

struct sp_bufpool {
	uint64_t base;            /* offset of the managed area in the region */
	uint32_t nblk;            /* blocks of 2^min_order bytes */
	uint8_t  min_order, max_order;
	uint8_t  *tag;            /* per block: order + 1 if a free block starts here */
	uint32_t *next, *prev;    /* free lists, by block index */
	uint32_t head[SP_BUF_ORDERS];
	uint64_t free_bytes;
};

/**
 * Manage [@p base, @p base + @p size) with blocks of 2^@p min_order up to
 * 2^@p max_order bytes. @p base must be aligned to 2^min_order.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int sp_bufpool_init(struct sp_bufpool *bp, uint64_t base, uint64_t size,
		    unsigned min_order, unsigned max_order);
void sp_bufpool_fini(struct sp_bufpool *bp);

/** Allocate 2^@p order bytes; returns the offset, or -ENOMEM / -EINVAL. */
int64_t sp_bufpool_alloc(struct sp_bufpool *bp, unsigned order);

/** Free a block returned by sp_bufpool_alloc() with the same order. */
void sp_bufpool_free(struct sp_bufpool *bp, uint64_t off, unsigned order);

/**
 * The buffer order to hand out next: @p max while at least half of the pool
 * is free, one less each time the free part halves again, never below
 * @p min. A pool that gives full-size buffers until it is empty serves
 * size / (2 x buffer) flows and then none, although smaller buffers would
 * still fit; this way it serves about four times as many (with orders
 * max .. max-3) before the smallest run out.
 */
unsigned sp_bufpool_order(const struct sp_bufpool *bp, unsigned max, unsigned min);

#endif /* TOFFEE_SP_BUFPOOL_H */
