/* SPDX-License-Identifier: MIT */
/* Small allocators of toffeed: ids (contexts, flow slots), the buddy
 * allocator of payload buffers, the timer heap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "bufpool.h"
#include "ids.h"
#include "timer.h"

static void ids_lowest_first(void **st)
{
	(void)st;
	struct sp_ids ids;
	assert_int_equal(sp_ids_init(&ids, 130), 0);
	for (int i = 0; i < 130; i++)
		assert_int_equal(sp_ids_alloc(&ids), i);
	assert_int_equal(sp_ids_alloc(&ids), -ENOSPC);
	assert_int_equal(sp_ids_limit(&ids), 130);
	sp_ids_put(&ids, 70);
	sp_ids_put(&ids, 5);
	assert_int_equal(sp_ids_alloc(&ids), 5);
	assert_int_equal(sp_ids_alloc(&ids), 70);
	for (int i = 129; i >= 3; i--)
		sp_ids_put(&ids, (uint32_t)i);
	assert_int_equal(sp_ids_limit(&ids), 3);
	assert_int_equal(sp_ids_take(&ids, 2), -EBUSY);
	assert_int_equal(sp_ids_take(&ids, 200), -EINVAL);
	assert_int_equal(sp_ids_take(&ids, 100), 0);
	assert_true(sp_ids_used(&ids, 100));
	assert_int_equal(ids.used, 4);
	sp_ids_free_all(&ids);
}

static void ids_next_fit(void **st)
{
	(void)st;
	struct sp_ids ids;
	assert_int_equal(sp_ids_init(&ids, 100), 0);
	assert_int_equal(sp_ids_alloc_next(&ids), 0);
	assert_int_equal(sp_ids_alloc_next(&ids), 1);
	sp_ids_put(&ids, 0);
	/* a freed id comes back only after the others */
	assert_int_equal(sp_ids_alloc_next(&ids), 2);
	for (int i = 3; i < 100; i++)
		assert_int_equal(sp_ids_alloc_next(&ids), i);
	assert_int_equal(sp_ids_alloc_next(&ids), 0);      /* wrapped */
	assert_int_equal(sp_ids_alloc_next(&ids), -ENOSPC);
	sp_ids_put(&ids, 64);
	sp_ids_put(&ids, 63);
	assert_int_equal(sp_ids_alloc_next(&ids), 63);     /* first free after the cursor, wrapping */
	assert_int_equal(sp_ids_alloc_next(&ids), 64);
	sp_ids_free_all(&ids);
}

static void buddy(void **st)
{
	(void)st;
	struct sp_bufpool bp;
	/* 1 MiB area at offset 64 KiB, blocks 4 KiB .. 256 KiB */
	assert_int_equal(sp_bufpool_init(&bp, 65536, 1 << 20, 12, 18), 0);
	assert_int_equal(bp.free_bytes, 1 << 20);
	int64_t a = sp_bufpool_alloc(&bp, 18), b = sp_bufpool_alloc(&bp, 12), c = sp_bufpool_alloc(&bp, 17);
	assert_true(a >= 65536 && b >= 65536 && c >= 65536);
	assert_int_equal((a - 65536) % (1 << 18), 0);   /* aligned to the size within the area */
	assert_int_equal((c - 65536) % (1 << 17), 0);
	assert_true(b + 4096 <= a || b >= a + (1 << 18));
	assert_int_equal(bp.free_bytes, (1 << 20) - (1 << 18) - (1 << 12) - (1 << 17));
	/* b and c share one split 256 KiB block: two whole ones are left */
	int64_t d = sp_bufpool_alloc(&bp, 18), e = sp_bufpool_alloc(&bp, 18);
	assert_true(d >= 0 && e >= 0);
	assert_int_equal(sp_bufpool_alloc(&bp, 18), -ENOMEM);
	assert_true(sp_bufpool_alloc(&bp, 16) >= 0);  /* what is left of the split one */
	sp_bufpool_free(&bp, (uint64_t)b, 12);
	sp_bufpool_free(&bp, (uint64_t)c, 17);
	assert_int_equal(sp_bufpool_alloc(&bp, 18), -ENOMEM);   /* the 64 KiB piece pins it */
	sp_bufpool_free(&bp, (uint64_t)a, 18);
	sp_bufpool_free(&bp, (uint64_t)d, 18);
	sp_bufpool_free(&bp, (uint64_t)e, 18);
	assert_int_equal(bp.free_bytes, (1 << 20) - (1 << 16));
	assert_int_equal(sp_bufpool_alloc(&bp, 11), -EINVAL);
	assert_int_equal(sp_bufpool_alloc(&bp, 19), -EINVAL);
	sp_bufpool_fini(&bp);
	assert_int_equal(sp_bufpool_init(&bp, 100, 1 << 20, 12, 18), -EINVAL);   /* misaligned */
}

static void buddy_churn(void **st)
{
	(void)st;
	struct sp_bufpool bp;
	sp_bufpool_init(&bp, 0, 8 << 20, 12, 20);
	int64_t off[512];
	unsigned ord[512];
	uint32_t x = 12345;
	unsigned n = 0;
	for (int round = 0; round < 20000; round++) {
		x = x * 1103515245u + 12345u;
		if (n < 512 && (x >> 16) % 3) {
			unsigned o = 12 + (x >> 20) % 6;
			int64_t v = sp_bufpool_alloc(&bp, o);
			if (v >= 0) {
				for (unsigned i = 0; i < n; i++)   /* no overlap */
					assert_true(v + (1 << o) <= off[i] || v >= off[i] + (1 << ord[i]));
				off[n] = v;
				ord[n++] = o;
			}
		} else if (n) {
			unsigned i = (x >> 8) % n;
			sp_bufpool_free(&bp, (uint64_t)off[i], ord[i]);
			off[i] = off[--n];
			ord[i] = ord[n];
		}
	}
	while (n) {
		n--;
		sp_bufpool_free(&bp, (uint64_t)off[n], ord[n]);
	}
	assert_int_equal(bp.free_bytes, 8 << 20);
	for (int i = 0; i < 8; i++)                      /* fully merged: 8 x 1 MiB */
		assert_true(sp_bufpool_alloc(&bp, 20) >= 0);
	assert_int_equal(bp.free_bytes, 0);
	sp_bufpool_fini(&bp);
}

static uint64_t fired[64];
static unsigned nfired;
/* Buffers halve as the pool fills: pairs of 128 KiB down to 16 KiB in 16 MiB,
 * full size only while half is free: 157 flows where full size until empty
 * gives 64. */
static void buddy_order(void **st)
{
	(void)st;
	struct sp_bufpool bp;
	uint64_t total = 16u << 20;
	assert_int_equal(sp_bufpool_init(&bp, 0, total, 14, 20), 0);
	unsigned flows = 0, last = 17, seen[18] = { 0 };
	for (;;) {
		unsigned o = sp_bufpool_order(&bp, 17, 14);
		assert_true(o <= last);                    /* never grows while filling */
		assert_true(bp.free_bytes * 2 >= total >> (17 - o) || o == 14);
		last = o;
		if (sp_bufpool_alloc(&bp, o) < 0 || sp_bufpool_alloc(&bp, o) < 0)
			break;
		seen[o]++;
		flows++;
	}
	/* 256 KiB flows while >= 8 MiB free (33: from 16 down to 7.75 MiB), 128
	 * KiB while >= 4 MiB, 64 KiB while >= 2 MiB, then 32 KiB to the end. */
	assert_int_equal(seen[17], 33);
	assert_int_equal(seen[16], 31);
	assert_int_equal(seen[15], 31);
	assert_int_equal(seen[14], 62);
	assert_int_equal(flows, 157);
	sp_bufpool_fini(&bp);
	assert_int_equal(sp_bufpool_init(&bp, 0, total, 14, 20), 0);
	assert_int_equal(sp_bufpool_order(&bp, 17, 14), 17);
	assert_int_equal(sp_bufpool_order(&bp, 17, 17), 17);
	sp_bufpool_fini(&bp);
}

static void fire(struct sp_timer *t, uint64_t now)
{
	(void)now;
	fired[nfired++] = t->when;
}

static void timers(void **st)
{
	(void)st;
	struct sp_timers ts = { 0 };
	struct sp_timer t[40];
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 40; i++) {
		t[i].fn = fire;
		assert_int_equal(sp_timer_arm(&ts, &t[i], (uint64_t)((i * 37) % 40) + 100), 0);
	}
	assert_int_equal(sp_timer_next(&ts), 100);
	sp_timer_cancel(&ts, &t[0]);                  /* the one at 100 */
	assert_false(sp_timer_armed(&t[0]));
	sp_timer_arm(&ts, &t[1], 1000);               /* moved later */
	sp_timer_arm(&ts, &t[2], 50);                 /* moved earlier */
	assert_int_equal(sp_timer_next(&ts), 50);
	nfired = 0;
	assert_int_equal(sp_timer_run(&ts, 120), 1 + 20);   /* 50, then 101..120 */
	for (unsigned i = 1; i < nfired; i++)
		assert_true(fired[i - 1] <= fired[i]);
	sp_timer_run(&ts, 999);
	assert_int_equal(sp_timer_next(&ts), 1000);
	sp_timer_run(&ts, 1000);
	assert_int_equal(sp_timer_next(&ts), UINT64_MAX);
	sp_timers_fini(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_lowest_first),
		cmocka_unit_test(ids_next_fit),
		cmocka_unit_test(buddy),
		cmocka_unit_test(buddy_churn),
		cmocka_unit_test(buddy_order),
		cmocka_unit_test(timers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
