/* SPDX-License-Identifier: MIT */
/* The application's side of the context rings (abi.h conventions):
 *  - indices are free-running; slot = index & mask; empty head == tail,
 *    full tail - head == size;
 *  - the last byte of an entry is the phase byte ((index >> log2) & 1) ^ 1,
 *    written last after a release fence; a consumer reads it with acquire
 *    semantics before the rest of the entry.
 * The EV ring is consumed by polling phase bytes (the NIC-written tail is
 * privileged and not mapped); the CMD ring's free space is known from the
 * NIC's consumer index, read only when the cached copy says "full". */
#include <errno.h>
#include "tf_internal.h"

void tf_evq_init(struct tf_evq *q, void *ring, uint32_t log2, volatile uint32_t *db_head)
{
	q->ring = ring;
	q->log2 = log2;
	q->mask = (1u << log2) - 1;
	q->db_head = db_head;
	q->head = q->published = __atomic_load_n(db_head, __ATOMIC_ACQUIRE);
}

const struct toffee_ctx_ev *tf_evq_peek(const struct tf_evq *q)
{
	const struct toffee_ctx_ev *e = &q->ring[q->head & q->mask];
	if (__atomic_load_n(&e->phase, __ATOMIC_ACQUIRE) != toffee_phase(q->head, q->log2))
		return NULL;
	return e;
}

void tf_evq_pop(struct tf_evq *q)
{
	q->head++;
}

void tf_evq_publish(struct tf_evq *q)
{
	if (q->published != q->head) {
		q->published = q->head;
		__atomic_store_n(q->db_head, q->head, __ATOMIC_RELEASE);
	}
}

void tf_cmdq_init(struct tf_cmdq *q, void *ring, uint32_t log2, volatile uint32_t *db_tail,
		  const volatile uint32_t *nic_head)
{
	q->ring = ring;
	q->log2 = log2;
	q->mask = (1u << log2) - 1;
	q->db_tail = db_tail;
	q->nic_head = nic_head;
	q->tail = q->rung = __atomic_load_n(db_tail, __ATOMIC_ACQUIRE);
	q->head = __atomic_load_n(nic_head, __ATOMIC_ACQUIRE);
}

uint32_t tf_cmdq_space(struct tf_cmdq *q)
{
	uint32_t size = q->mask + 1;
	uint32_t used = q->tail - q->head;
	if (used >= size) {
		q->head = __atomic_load_n(q->nic_head, __ATOMIC_ACQUIRE);
		used = q->tail - q->head;
		if (used > size)       /* a corrupt index: never overwrite unread entries */
			return 0;
	}
	return size - used;
}

int tf_cmdq_push(struct tf_cmdq *q, uint32_t flow, uint32_t tx_bytes, uint32_t rx_bytes,
		 uint8_t flags)
{
	if (!tf_cmdq_space(q))
		return -EAGAIN;
	struct toffee_ctx_cmd *c = &q->ring[q->tail & q->mask];
	c->flow_id = flow;
	c->tx_bytes = tx_bytes;
	c->rx_bytes = rx_bytes;
	c->flags = flags;
	c->rsvd[0] = c->rsvd[1] = 0;
	__atomic_store_n(&c->phase, toffee_phase(q->tail, q->log2), __ATOMIC_RELEASE);
	q->tail++;
	return 0;
}

void tf_cmdq_ring(struct tf_cmdq *q)
{
	if (q->rung != q->tail) {
		q->rung = q->tail;
		__atomic_store_n(q->db_tail, q->tail, __ATOMIC_RELEASE);
	}
}

bool tf_cmdq_drained(struct tf_cmdq *q)
{
	q->head = __atomic_load_n(q->nic_head, __ATOMIC_ACQUIRE);
	return q->head == q->rung;
}
