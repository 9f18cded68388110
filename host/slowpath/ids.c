/* SPDX-License-Identifier: MIT */
/* Bitmap id allocator. */
#include <errno.h>
#include <stdlib.h>
#include "ids.h"

int sp_ids_init(struct sp_ids *ids, uint32_t n)
{
	ids->n = n;
	ids->used = 0;
	ids->hint = 0;
	ids->bits = calloc((n + 63) / 64 ? (n + 63) / 64 : 1, sizeof(uint64_t));
	return ids->bits ? 0 : -ENOMEM;
}

void sp_ids_free_all(struct sp_ids *ids)
{
	free(ids->bits);
	ids->bits = NULL;
	ids->n = ids->used = 0;
}

int64_t sp_ids_alloc(struct sp_ids *ids)
{
	uint32_t words = (ids->n + 63) / 64;
	for (uint32_t w = ids->hint; w < words; w++) {
		uint64_t free_bits = ~ids->bits[w];
		if (!free_bits)
			continue;
		uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (id >= ids->n)
			break;
		ids->bits[w] |= 1ull << (id % 64);
		ids->used++;
		ids->hint = w;
		return id;
	}
	ids->hint = words;
	return -ENOSPC;
}

int64_t sp_ids_alloc_next(struct sp_ids *ids)
{
	uint32_t words = (ids->n + 63) / 64;
	if (ids->used >= ids->n || !words)
		return -ENOSPC;
	uint32_t start = ids->cursor < ids->n ? ids->cursor : 0;
	for (uint32_t k = 0; k <= words; k++) {
		uint32_t w = (start / 64 + k) % words;
		uint64_t free_bits = ~ids->bits[w];
		if (k == 0)
			free_bits &= ~0ull << (start % 64);      /* from the cursor on */
		if (!free_bits)
			continue;
		uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (id >= ids->n)
			continue;
		ids->bits[w] |= 1ull << (id % 64);
		ids->used++;
		ids->cursor = id + 1;
		return id;
	}
	return -ENOSPC;
}

int sp_ids_take(struct sp_ids *ids, uint32_t id)
{
	if (id >= ids->n)
		return -EINVAL;
	if (ids->bits[id / 64] & (1ull << (id % 64)))
		return -EBUSY;
	ids->bits[id / 64] |= 1ull << (id % 64);
	ids->used++;
	return 0;
}

void sp_ids_put(struct sp_ids *ids, uint32_t id)
{
	if (id >= ids->n || !(ids->bits[id / 64] & (1ull << (id % 64))))
		return;
	ids->bits[id / 64] &= ~(1ull << (id % 64));
	ids->used--;
	if (id / 64 < ids->hint)
		ids->hint = id / 64;
}

bool sp_ids_used(const struct sp_ids *ids, uint32_t id)
{
	return id < ids->n && (ids->bits[id / 64] & (1ull << (id % 64)));
}

uint32_t sp_ids_limit(const struct sp_ids *ids)
{
	for (uint32_t w = (ids->n + 63) / 64; w-- > 0;)
		if (ids->bits[w])
			return w * 64 + 64 - (uint32_t)__builtin_clzll(ids->bits[w]);
	return 0;
}
