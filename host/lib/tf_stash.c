// SPDX-License-Identifier: MIT
/* Events for flow ids the library does not know yet.
 *
 * The NIC writes a flow's first events into the context's event ring as
 * soon as toffeed installs the flow, while toffeed's announcement of it
 * (ACCEPTED, CONNECTED, TAKEOVER) travels on the control socket: when many
 * connections arrive at once, the events of all of them can be drained
 * before any announcement is read. They are kept here, summed per id, until
 * the flow is announced (tf_stash_take) or closed (tf_stash_drop). The table
 * grows as needed (open addressing, linear probing, at most half full): an
 * event dropped here would leave its bytes unannounced, and the connection
 * would wait for them forever. Every stashed id is a flow toffeed installed
 * in this context, so the table is bounded by the context's flows. */
#include <stdlib.h>
#include "tf_internal.h"

#define STASH_MIN_CAP 64u

static uint32_t stash_home(uint32_t id, uint32_t mask)
{
	return (id * 2654435761u) & mask;       /* odd multiplier: a bijection on the low bits */
}

/* The slot of @p id, or the empty slot where it would go. */
static uint32_t stash_find(const struct tf_stash *s, uint32_t id)
{
	uint32_t mask = s->cap - 1, i = stash_home(id, mask);
	while (s->e[i].id != TOFFEE_FLOW_NONE && s->e[i].id != id)
		i = (i + 1) & mask;
	return i;
}

static bool stash_grow(struct tf_stash *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : STASH_MIN_CAP;
	struct tf_stash_ent *e = malloc(cap * sizeof(*e));
	if (!e)
		return false;
	for (uint32_t i = 0; i < cap; i++)
		e[i].id = TOFFEE_FLOW_NONE;
	struct tf_stash old = *s;
	s->e = e;
	s->cap = cap;
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.e[i].id != TOFFEE_FLOW_NONE)
			s->e[stash_find(s, old.e[i].id)] = old.e[i];
	free(old.e);
	return true;
}

/* Empty slot @p i, moving later entries of its probe run back into the gap
 * (no tombstones: lookups stop at the first empty slot). */
static void stash_remove(struct tf_stash *s, uint32_t i)
{
	uint32_t mask = s->cap - 1, j = i;
	s->e[i].id = TOFFEE_FLOW_NONE;
	s->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (s->e[j].id == TOFFEE_FLOW_NONE)
			return;
		uint32_t k = stash_home(s->e[j].id, mask);
		/* e[j] stays if its home lies cyclically in (i, j] */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			s->e[i] = s->e[j];
			s->e[j].id = TOFFEE_FLOW_NONE;
			i = j;
		}
	}
}

void tf_stash_add(struct toffee_ctx *ctx, uint32_t id, uint32_t rx, uint32_t tx, uint8_t flags)
{
	struct tf_stash *s = &ctx->stash;
	ctx->st.ev_unknown++;
	if ((s->n + 1) * 2 > s->cap && !stash_grow(s) && s->n + 1 >= s->cap) {
		ctx->st.ev_bad++;                /* out of memory, and no slot left */
		return;
	}
	uint32_t i = stash_find(s, id);
	struct tf_stash_ent *e = &s->e[i];
	if (e->id == id) {
		e->rx += rx;
		e->tx += tx;
		e->flags |= flags;
		return;
	}
	*e = (struct tf_stash_ent){ .id = id, .rx = rx, .tx = tx, .flags = flags };
	s->n++;
}

void tf_stash_take(struct toffee_ctx *ctx, struct toffee_conn *f)
{
	struct tf_stash *s = &ctx->stash;
	if (!s->n)
		return;
	uint32_t i = stash_find(s, f->id);
	if (s->e[i].id != f->id)
		return;
	struct tf_stash_ent e = s->e[i];
	stash_remove(s, i);
	tf_flow_on_ev(f, e.rx, e.tx, e.flags);
}

void tf_stash_drop(struct toffee_ctx *ctx, uint32_t id)
{
	struct tf_stash *s = &ctx->stash;
	if (!s->n)
		return;
	uint32_t i = stash_find(s, id);
	if (s->e[i].id == id)
		stash_remove(s, i);
}

void tf_stash_free(struct toffee_ctx *ctx)
{
	free(ctx->stash.e);
	ctx->stash = (struct tf_stash){ 0 };
}
