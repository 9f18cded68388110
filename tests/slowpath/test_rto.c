/* SPDX-License-Identifier: MIT */
/* RFC 6298 retransmission timer: the numbers of the RFC's equations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "rto.h"

static const struct sp_rto_cfg rfc = { .min_us = 1000000, .max_us = 60000000, .g_us = 1000 };
static const struct sp_rto_cfg lnx = { .min_us = 200000, .max_us = 60000000, .g_us = 1000 };

static void initial_one_second(void **s)
{
	(void)s;
	struct sp_rto r;
	sp_rto_init(&r, &rfc);
	assert_int_equal(r.rto_us, 1000000);          /* §2.1 */
	assert_false(r.sampled);
}

static void first_and_second_sample(void **s)
{
	(void)s;
	struct sp_rto r;
	sp_rto_init(&r, &lnx);
	/* §2.2: R = 100 ms -> SRTT = 100, RTTVAR = 50, RTO = 100 + 4*50 = 300 ms */
	sp_rto_sample(&r, &lnx, 100000);
	assert_int_equal(r.srtt_us, 100000);
	assert_int_equal(r.rttvar_us, 50000);
	assert_int_equal(r.rto_us, 300000);
	/* §2.3: R' = 200 ms -> RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5,
	 * SRTT = 7/8*100 + 1/8*200 = 112.5, RTO = 112.5 + 250 = 362.5 ms */
	sp_rto_sample(&r, &lnx, 200000);
	assert_int_equal(r.rttvar_us, 62500);
	assert_int_equal(r.srtt_us, 112500);
	assert_int_equal(r.rto_us, 362500);
}

static void clamped_to_one_second(void **s)
{
	(void)s;
	struct sp_rto r;
	sp_rto_init(&r, &rfc);
	sp_rto_sample(&r, &rfc, 100000);              /* 300 ms computed */
	assert_int_equal(r.rto_us, 1000000);          /* §2.4: at least 1 s */
}

static void granularity(void **s)
{
	(void)s;
	struct sp_rto r;
	struct sp_rto_cfg c = { .min_us = 1, .max_us = 60000000, .g_us = 10000 };
	sp_rto_init(&r, &c);
	sp_rto_sample(&r, &c, 1000);                  /* K*RTTVAR = 2 ms < G = 10 ms */
	assert_int_equal(r.rto_us, 1000 + 10000);
	for (int i = 0; i < 50; i++)
		sp_rto_sample(&r, &c, 1000);          /* RTTVAR decays to ~0 */
	assert_int_equal(r.rto_us, 1000 + 10000);
}

static void backoff_doubles_to_max(void **s)
{
	(void)s;
	struct sp_rto r;
	sp_rto_init(&r, &rfc);
	uint32_t want = 1000000;
	for (int i = 0; i < 8; i++) {
		sp_rto_backoff(&r, &rfc);             /* §5.5 */
		want = want * 2 > 60000000 ? 60000000 : want * 2;
		assert_int_equal(r.rto_us, want);
	}
	assert_int_equal(r.rto_us, 60000000);         /* §2.5: a maximum of 60 s */
	assert_int_equal(r.backoffs, 8);
	/* a new sample recomputes from SRTT/RTTVAR and clears the backoff */
	sp_rto_sample(&r, &lnx, 250000);
	assert_int_equal(r.backoffs, 0);
	assert_int_equal(r.rto_us, 250000 + 4 * 125000);
}

static void restart_after_lost_syn(void **s)
{
	(void)s;
	struct sp_rto r;
	sp_rto_init(&r, &lnx);
	sp_rto_backoff(&r, &lnx);
	sp_rto_restart(&r, &lnx, true);
	assert_int_equal(r.rto_us, 3000000);          /* §5.7: 3 s without a sample */
	sp_rto_sample(&r, &lnx, 40000);
	sp_rto_backoff(&r, &lnx);
	sp_rto_backoff(&r, &lnx);
	sp_rto_restart(&r, &lnx, false);
	assert_int_equal(r.rto_us, 200000);           /* from the estimates, clamped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_one_second),
		cmocka_unit_test(first_and_second_sample),
		cmocka_unit_test(clamped_to_one_second),
		cmocka_unit_test(granularity),
		cmocka_unit_test(backoff_doubles_to_max),
		cmocka_unit_test(restart_after_lost_syn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
