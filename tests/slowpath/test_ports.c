/* SPDX-License-Identifier: MIT */
/* Port allocator: RFC 6056 Algorithm 3 selection, busy ports, exhaustion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ports.h"

static struct sp_ports *p;

static int setup(void **st)
{
	(void)st;
	p = calloc(1, sizeof(*p));
	return p ? 0 : -1;
}
static int teardown(void **st)
{
	(void)st;
	free(p);
	return 0;
}

static bool busy_even(void *arg, uint16_t port)
{
	(void)arg;
	return (port & 1) == 0;
}

static void picks_in_range_distinct(void **st)
{
	(void)st;
	assert_int_equal(sp_ports_init(p, 40000, 40099, 1, 2), 0);
	bool seen[100] = { false };
	for (int i = 0; i < 100; i++) {
		int port = sp_ports_pick(p, 1, 2, 80, NULL, NULL);
		assert_true(port >= 40000 && port <= 40099);
		assert_false(seen[port - 40000]);
		seen[port - 40000] = true;
		assert_int_equal(sp_ports_refs(p, (uint16_t)port), 1);
	}
	assert_int_equal(sp_ports_pick(p, 1, 2, 80, NULL, NULL), -EADDRNOTAVAIL);
	sp_ports_unref(p, 40042);
	assert_int_equal(sp_ports_pick(p, 1, 2, 80, NULL, NULL), 40042);
}

static void algorithm3_sequence(void **st)
{
	(void)st;
	/* Towards one destination consecutive picks step through the range
	 * from a keyed offset: port_i = lo + (F + next + i) mod num. */
	sp_ports_init(p, 32768, 60999, 7, 9);
	uint32_t num = 60999 - 32768 + 1;
	uint32_t f = (uint32_t)sp_hash4(p->secret, 0x0a000002, 0x0a000001, 80, 0);
	for (uint32_t i = 0; i < 5; i++) {
		int port = sp_ports_pick(p, 0x0a000002, 0x0a000001, 80, NULL, NULL);
		assert_int_equal(port, 32768 + (f + i) % num);
	}
	/* another destination starts elsewhere */
	uint32_t g = (uint32_t)sp_hash4(p->secret, 0x0a000002, 0x0a000001, 443, 0);
	assert_int_not_equal(f % num, g % num);
	/* the same secret gives the same offsets; another does not */
	struct sp_ports *q = calloc(1, sizeof(*q));
	sp_ports_init(q, 32768, 60999, 8, 9);
	assert_int_not_equal(sp_hash4(p->secret, 1, 2, 3, 0), sp_hash4(q->secret, 1, 2, 3, 0));
	free(q);
}

static void skips_busy_and_referenced(void **st)
{
	(void)st;
	sp_ports_init(p, 1000, 1009, 3, 4);
	sp_ports_ref(p, 1001);                   /* a listener */
	for (int i = 0; i < 4; i++) {
		int port = sp_ports_pick(p, 1, 2, 3, busy_even, NULL);
		assert_true(port & 1);
		assert_int_not_equal(port, 1001);
	}
	assert_int_equal(sp_ports_pick(p, 1, 2, 3, busy_even, NULL), -EADDRNOTAVAIL);
	assert_int_equal(sp_ports_init(p, 0, 10, 0, 0), -EINVAL);
	assert_int_equal(sp_ports_init(p, 20, 10, 0, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(picks_in_range_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(algorithm3_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(skips_busy_and_referenced, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
