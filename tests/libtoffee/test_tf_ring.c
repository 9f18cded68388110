/* SPDX-License-Identifier: MIT */
/* The application's ring ends against the abi.h conventions: phase bytes
 * over several laps, entries whose phase is not yet written, full rings,
 * the NIC's consumer index, doorbell writes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "tf_internal.h"

#define LOG2 2u
#define SIZE (1u << LOG2)

/* NIC side of the EV ring: fill entry idx completely, phase last. */
static void nic_post(struct toffee_ctx_ev *ring, uint32_t idx, uint32_t flow, bool with_phase)
{
	struct toffee_ctx_ev *e = &ring[idx & (SIZE - 1)];
	e->flow_id = flow;
	e->rx_bytes = idx * 10;
	e->tx_freed = idx;
	e->flags = (uint8_t)(idx & 1);
	if (with_phase)
		e->phase = toffee_phase(idx, LOG2);
}

static void test_ev_laps(void **st)
{
	(void)st;
	struct toffee_ctx_ev ring[SIZE];
	memset(ring, 0, sizeof(ring));   /* fresh memory: phase 0, first lap wants 1 */
	volatile uint32_t db_head = 0;
	struct tf_evq q;
	tf_evq_init(&q, ring, LOG2, &db_head);
	assert_null(tf_evq_peek(&q));
	uint32_t prod = 0;
	for (uint32_t lap = 0; lap < 5; lap++) {
		/* fill up to the ring size, consume in two halves */
		for (uint32_t i = 0; i < SIZE; i++, prod++)
			nic_post(ring, prod, 100 + prod, true);
		for (uint32_t i = 0; i < SIZE; i++) {
			const struct toffee_ctx_ev *e = tf_evq_peek(&q);
			assert_non_null(e);
			assert_int_equal(e->flow_id, 100 + q.head);
			assert_int_equal(e->rx_bytes, q.head * 10);
			tf_evq_pop(&q);
			if (i == SIZE / 2 - 1) {
				tf_evq_publish(&q);
				assert_int_equal(db_head, q.head);
			}
		}
		/* an entry of the previous lap is still there: phase says stale */
		assert_null(tf_evq_peek(&q));
		tf_evq_publish(&q);
		assert_int_equal(db_head, prod);
	}
}

static void test_ev_phase_last(void **st)
{
	(void)st;
	struct toffee_ctx_ev ring[SIZE];
	memset(ring, 0, sizeof(ring));
	volatile uint32_t db_head = 0;
	struct tf_evq q;
	tf_evq_init(&q, ring, LOG2, &db_head);
	/* fields written, phase not yet: invisible */
	nic_post(ring, 0, 7, false);
	assert_null(tf_evq_peek(&q));
	ring[0].phase = toffee_phase(0, LOG2);
	assert_non_null(tf_evq_peek(&q));
	/* a wrong-lap phase (0 on the first lap) is never consumed */
	ring[1].flow_id = 8;
	ring[1].phase = 0;
	tf_evq_pop(&q);
	assert_null(tf_evq_peek(&q));
	/* publish only writes when the index moved */
	tf_evq_publish(&q);
	assert_int_equal(db_head, 1);
	db_head = 12345;                 /* a write would overwrite this */
	tf_evq_publish(&q);
	assert_int_equal(db_head, 12345);
}

static void test_ev_starts_at_doorbell(void **st)
{
	(void)st;
	/* a context re-used after a reset starts where the doorbell says */
	struct toffee_ctx_ev ring[SIZE];
	memset(ring, 0, sizeof(ring));
	volatile uint32_t db_head = 0xfffffffeu;      /* about to wrap 2^32 */
	struct tf_evq q;
	tf_evq_init(&q, ring, LOG2, &db_head);
	for (uint32_t idx = 0xfffffffeu, n = 0; n < 6; idx++, n++) {
		nic_post(ring, idx, idx, true);
		const struct toffee_ctx_ev *e = tf_evq_peek(&q);
		assert_non_null(e);
		assert_int_equal(e->flow_id, idx);
		tf_evq_pop(&q);
	}
	tf_evq_publish(&q);
	assert_int_equal(db_head, 4u);
}

/* NIC side of the CMD ring: check and consume entry idx. */
static void nic_take(struct toffee_ctx_cmd *ring, uint32_t idx, volatile uint32_t *nic_head,
		     uint32_t want_flow)
{
	struct toffee_ctx_cmd *c = &ring[idx & (SIZE - 1)];
	assert_int_equal(c->phase, toffee_phase(idx, LOG2));
	assert_int_equal(c->flow_id, want_flow);
	assert_int_equal(c->rsvd[0] | c->rsvd[1], 0);
	*nic_head = idx + 1;
}

static void test_cmd_laps_and_full(void **st)
{
	(void)st;
	struct toffee_ctx_cmd ring[SIZE];
	memset(ring, 0xaa, sizeof(ring));      /* garbage: fields must all be written */
	volatile uint32_t db_tail = 0, nic_head = 0;
	struct tf_cmdq q;
	tf_cmdq_init(&q, ring, LOG2, &db_tail, &nic_head);
	uint32_t cons = 0;
	for (uint32_t lap = 0; lap < 4; lap++) {
		assert_int_equal(tf_cmdq_space(&q), SIZE);
		for (uint32_t i = 0; i < SIZE; i++)
			assert_int_equal(tf_cmdq_push(&q, 50 + q.tail, q.tail, 2 * q.tail,
						      (uint8_t)(i == 0 ? TOFFEE_CMDF_FIN : 0)), 0);
		/* nothing is visible to the NIC before the doorbell */
		assert_int_equal(db_tail, cons);
		assert_int_equal(tf_cmdq_push(&q, 1, 1, 1, 0), -EAGAIN);
		assert_int_equal(tf_cmdq_space(&q), 0);
		tf_cmdq_ring(&q);
		assert_int_equal(db_tail, q.tail);
		assert_false(tf_cmdq_drained(&q));
		/* the NIC takes one: one slot frees, seen when the cache says full */
		struct toffee_ctx_cmd *first = &ring[cons & (SIZE - 1)];
		assert_int_equal(first->flags, TOFFEE_CMDF_FIN);
		assert_int_equal(first->tx_bytes, cons);
		assert_int_equal(first->rx_bytes, 2 * cons);
		nic_take(ring, cons, &nic_head, 50 + cons);
		cons++;
		assert_int_equal(tf_cmdq_space(&q), 1);
		for (; cons < q.tail; cons++)
			nic_take(ring, cons, &nic_head, 50 + cons);
		assert_true(tf_cmdq_drained(&q));
	}
}

static void test_cmd_corrupt_head(void **st)
{
	(void)st;
	struct toffee_ctx_cmd ring[SIZE];
	memset(ring, 0, sizeof(ring));
	volatile uint32_t db_tail = 0, nic_head = 0;
	struct tf_cmdq q;
	tf_cmdq_init(&q, ring, LOG2, &db_tail, &nic_head);
	for (uint32_t i = 0; i < SIZE; i++)
		assert_int_equal(tf_cmdq_push(&q, i, 0, 0, 0), 0);
	/* an index beyond our tail would claim more free space than exists */
	nic_head = 0x80000000u;
	assert_int_equal(tf_cmdq_space(&q), 0);
	assert_int_equal(tf_cmdq_push(&q, 9, 0, 0, 0), -EAGAIN);
	/* doorbell writes only when the tail moved */
	tf_cmdq_ring(&q);
	assert_int_equal(db_tail, SIZE);
	db_tail = 777;
	tf_cmdq_ring(&q);
	assert_int_equal(db_tail, 777);
}

static void test_cmd_wrap_2_32(void **st)
{
	(void)st;
	struct toffee_ctx_cmd ring[SIZE];
	memset(ring, 0, sizeof(ring));
	volatile uint32_t db_tail = 0xfffffffdu, nic_head = 0xfffffffdu;
	struct tf_cmdq q;
	tf_cmdq_init(&q, ring, LOG2, &db_tail, &nic_head);
	for (uint32_t n = 0; n < 10; n++) {
		uint32_t idx = q.tail;
		assert_int_equal(tf_cmdq_push(&q, idx, 1, 0, 0), 0);
		tf_cmdq_ring(&q);
		nic_take(ring, idx, &nic_head, idx);
	}
	assert_int_equal(q.tail, 7u);
	assert_true(tf_cmdq_drained(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ev_laps),
		cmocka_unit_test(test_ev_phase_last),
		cmocka_unit_test(test_ev_starts_at_doorbell),
		cmocka_unit_test(test_cmd_laps_and_full),
		cmocka_unit_test(test_cmd_corrupt_head),
		cmocka_unit_test(test_cmd_wrap_2_32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
