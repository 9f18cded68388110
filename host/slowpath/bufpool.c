/* SPDX-License-Identifier: MIT */
/* Buddy allocator with out-of-band metadata. */
#include <errno.h>
#include <stdlib.h>
#include "bufpool.h"

#define NIL UINT32_MAX

static void push(struct sp_bufpool *bp, uint32_t i, unsigned k)
{
	bp->tag[i] = (uint8_t)(k + 1);
	bp->prev[i] = NIL;
	bp->next[i] = bp->head[k];
	if (bp->head[k] != NIL)
		bp->prev[bp->head[k]] = i;
	bp->head[k] = i;
}

static void unlink_blk(struct sp_bufpool *bp, uint32_t i, unsigned k)
{
	bp->tag[i] = 0;
	if (bp->prev[i] != NIL)
		bp->next[bp->prev[i]] = bp->next[i];
	else
		bp->head[k] = bp->next[i];
	if (bp->next[i] != NIL)
		bp->prev[bp->next[i]] = bp->prev[i];
}

int sp_bufpool_init(struct sp_bufpool *bp, uint64_t base, uint64_t size,
		    unsigned min_order, unsigned max_order)
{
	if (min_order < 6 || max_order < min_order || max_order >= SP_BUF_ORDERS ||
	    (base & ((1ull << min_order) - 1)) || (size >> min_order) >= NIL)
		return -EINVAL;
	bp->base = base;
	bp->min_order = (uint8_t)min_order;
	bp->max_order = (uint8_t)max_order;
	bp->nblk = (uint32_t)(size >> min_order);
	bp->free_bytes = 0;
	size_t n = bp->nblk ? bp->nblk : 1;
	bp->tag = calloc(n, 1);
	bp->next = malloc(n * sizeof(uint32_t));
	bp->prev = malloc(n * sizeof(uint32_t));
	if (!bp->tag || !bp->next || !bp->prev) {
		sp_bufpool_fini(bp);
		return -ENOMEM;
	}
	for (unsigned k = 0; k < SP_BUF_ORDERS; k++)
		bp->head[k] = NIL;
	/* Carve into the largest blocks aligned (relative to base) to their size. */
	uint32_t i = 0;
	while (i < bp->nblk) {
		unsigned k = max_order - min_order;
		while (k > 0 && ((i & ((1u << k) - 1)) || i + (1u << k) > bp->nblk))
			k--;
		push(bp, i, k);
		bp->free_bytes += 1ull << (k + min_order);
		i += 1u << k;
	}
	return 0;
}

void sp_bufpool_fini(struct sp_bufpool *bp)
{
	free(bp->tag);
	free(bp->next);
	free(bp->prev);
	bp->tag = NULL;
	bp->next = bp->prev = NULL;
	bp->nblk = 0;
}

int64_t sp_bufpool_alloc(struct sp_bufpool *bp, unsigned order)
{
	if (order < bp->min_order || order > bp->max_order)
		return -EINVAL;
	unsigned want = order - bp->min_order, k = want;
	while (k <= (unsigned)(bp->max_order - bp->min_order) && bp->head[k] == NIL)
		k++;
	if (k > (unsigned)(bp->max_order - bp->min_order))
		return -ENOMEM;
	uint32_t i = bp->head[k];
	unlink_blk(bp, i, k);
	while (k > want) {                 /* split: keep the lower half */
		k--;
		push(bp, i + (1u << k), k);
	}
	bp->free_bytes -= 1ull << order;
	return (int64_t)(bp->base + ((uint64_t)i << bp->min_order));
}

unsigned sp_bufpool_order(const struct sp_bufpool *bp, unsigned max, unsigned min)
{
	uint64_t total = (uint64_t)bp->nblk << bp->min_order;
	unsigned order = max;
	while (order > min && bp->free_bytes * 2 < total >> (max - order))
		order--;
	return order;
}

void sp_bufpool_free(struct sp_bufpool *bp, uint64_t off, unsigned order)
{
	uint32_t i = (uint32_t)((off - bp->base) >> bp->min_order);
	unsigned k = order - bp->min_order;
	bp->free_bytes += 1ull << order;
	while (k < (unsigned)(bp->max_order - bp->min_order)) {
		uint32_t b = i ^ (1u << k);
		if (b >= bp->nblk || bp->tag[b] != k + 1)
			break;
		unlink_blk(bp, b, k);
		if (b < i)
			i = b;
		k++;
	}
	push(bp, i, k);
}
