/* SPDX-License-Identifier: MIT */
/**
 * @file ids.h
 * Allocator of small integer ids (contexts, regions, flow slots, listeners):
 * a bitmap, lowest free id first, so that id ranges stay dense (the NIC
 * scans doorbells of contexts below CTX_LIMIT only).
 */
#ifndef TOFFEE_SP_IDS_H
#define TOFFEE_SP_IDS_H

#include <stdbool.h>
#include <stdint.h>

struct sp_ids {
	uint64_t *bits;        /* 1 = in use */
	uint32_t n;            /* ids [0, n) */
	uint32_t used;
	uint32_t hint;         /* no free id below this word */
	uint32_t cursor;       /* next-fit: where the next search starts */
};

/** Create an allocator of @p n ids. 0 or -ENOMEM. */
int sp_ids_init(struct sp_ids *ids, uint32_t n);
void sp_ids_free_all(struct sp_ids *ids);
/** Lowest free id (marked used), or -ENOSPC. */
int64_t sp_ids_alloc(struct sp_ids *ids);
/**
 * Next free id at or after the one handed out last, wrapping around
 * (marked used), or -ENOSPC. Flow ids use this: an id comes back only after
 * all others were used, so an application cannot mistake the events of a
 * new flow for those of an old one whose CLOSED it has not read yet.
 */
int64_t sp_ids_alloc_next(struct sp_ids *ids);
/** Mark @p id used; -EBUSY if it is, -EINVAL if out of range. */
int sp_ids_take(struct sp_ids *ids, uint32_t id);
/** Release @p id (ignored when free or out of range). */
void sp_ids_put(struct sp_ids *ids, uint32_t id);
bool sp_ids_used(const struct sp_ids *ids, uint32_t id);
/** One more than the highest id in use (0 if none). */
uint32_t sp_ids_limit(const struct sp_ids *ids);

#endif /* TOFFEE_SP_IDS_H */
