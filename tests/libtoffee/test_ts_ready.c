/* SPDX-License-Identifier: MIT */
/* Readiness of a toffee socket (poll bits) for every state, as Linux's
 * tcp_poll reports the equivalent kernel socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "ts_internal.h"

#define IN  (POLLIN | POLLRDNORM)
#define OUT (POLLOUT | POLLWRNORM)

static short mask(struct ts_rstate r)
{
	return ts_ready_mask(&r);
}

static struct ts_rstate est(uint32_t rx, uint32_t tx_free)
{
	return (struct ts_rstate){ .mode = TS_CONNECTED, .conn_state = TOFFEE_CONN_OPEN,
				   .rx_avail = rx, .tx_free = tx_free, .tx_size = 3000 };
}

static void test_unconnected(void **st)
{
	(void)st;
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_NEW }), OUT | POLLHUP);
	/* after a failed connect: fully shut, error pending */
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_NEW, .so_error = 111 }),
			 IN | POLLRDHUP | OUT | POLLHUP | POLLERR);
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_CONNECTING }), 0);
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_LISTEN }), 0);
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_LISTEN, .acceptq = 2 }), IN);
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_CONNECTED, .stale = true }), POLLNVAL);
	assert_int_equal(mask((struct ts_rstate){ .mode = TS_LISTEN, .acceptq = 1, .stale = true }), POLLNVAL);
}

static void test_established(void **st)
{
	(void)st;
	assert_int_equal(mask(est(0, 3000)), OUT);
	assert_int_equal(mask(est(5, 3000)), IN | OUT);
	/* writable from a third of the buffer free */
	assert_int_equal(mask(est(0, 999)), 0);
	assert_int_equal(mask(est(0, 1000)), OUT);
	assert_int_equal(mask(est(1, 0)), IN);
	struct ts_rstate r = est(0, 0);
	r.fin_rx = true;                 /* EOF: readable, RDHUP */
	assert_int_equal(mask(r), IN | POLLRDHUP);
	r.shut_wr = true;                /* both directions shut: HUP; writes fail at once */
	assert_int_equal(mask(r), IN | POLLRDHUP | OUT | POLLHUP);
	r = est(0, 3000);
	r.shut_rd = true;
	assert_int_equal(mask(r), IN | POLLRDHUP | OUT);
	r = est(0, 0);
	r.shut_wr = true;
	assert_int_equal(mask(r), OUT);
	r = est(0, 3000);
	r.so_error = 104;
	assert_int_equal(mask(r), OUT | POLLERR);
}

static void test_reset(void **st)
{
	(void)st;
	struct ts_rstate r = est(10, 0);
	r.conn_state = TOFFEE_CONN_RESET;
	r.so_error = 104;
	assert_int_equal(mask(r), IN | POLLRDHUP | OUT | POLLHUP | POLLERR);
	r.so_error = 0;                  /* error taken by SO_ERROR or a read */
	assert_int_equal(mask(r), IN | POLLRDHUP | OUT | POLLHUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unconnected),
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
