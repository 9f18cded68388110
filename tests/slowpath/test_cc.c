/* SPDX-License-Identifier: MIT */
/* Congestion-control laws: RFC 6928 initial window, RFC 5681 NewReno
 * window arithmetic, RFC 8257 DCTCP alpha and its rate form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "cc.h"

static struct sp_cc_cfg cfg(enum sp_cc_algo a)
{
	struct sp_cc_cfg c = { .algo = a, .g_shift = 4, .min_rate = 125000,
			       .max_rate = 1250000000, .step = 1250000 };
	return c;
}

static void initial_window_rfc6928(void **s)
{
	(void)s;
	assert_int_equal(sp_cc_initial_window(1460), 14600);   /* min(14600, max(2920, 14600)) */
	assert_int_equal(sp_cc_initial_window(1448), 14480);   /* 10 * MSS */
	assert_int_equal(sp_cc_initial_window(536), 5360);
	assert_int_equal(sp_cc_initial_window(9000), 18000);   /* max(2*MSS, 14600) wins */
}

static void ps_per_byte(void **s)
{
	(void)s;
	assert_int_equal(sp_cc_ps_per_byte(125000000), 8000);  /* 1 Gbit/s */
	assert_int_equal(sp_cc_ps_per_byte(1250000000), 800);  /* 10 Gbit/s */
	assert_int_equal(sp_cc_ps_per_byte(0), 0);             /* unlimited */
}

static void newreno_slow_start_and_avoidance(void **s)
{
	(void)s;
	struct sp_cc_cfg c = cfg(SP_CC_NEWRENO);
	struct sp_cc cc;
	struct sp_cc_out o;
	sp_cc_init(&cc, &c, 1460, &o);
	assert_int_equal(o.cwnd, 14600);
	struct sp_cc_in in = { .acked = 14600, .inflight = 14600, .interval_us = 1000 };
	assert_true(sp_cc_update(&cc, &c, &in, &o));
	assert_int_equal(o.cwnd, 29200);                     /* slow start: +acked */
	in.acked = 100000;
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.cwnd, 58400);                    /* at most doubling per interval */
	/* loss: ssthresh = max(FlightSize/2, 2*SMSS), cwnd = ssthresh */
	struct sp_cc_in loss = { .fast_rexmits = 1, .inflight = 40000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &loss, &o);
	assert_int_equal(cc.ssthresh, 20000);
	assert_int_equal(o.cwnd, 20000);
	/* congestion avoidance: SMSS*SMSS/cwnd per ACK -> SMSS*acked/cwnd */
	struct sp_cc_in ca = { .acked = 20000, .inflight = 20000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &ca, &o);
	assert_int_equal(cc.cwnd, 20000 + 1460);             /* one MSS per window */
	/* tiny flight: the floor is 2 * SMSS */
	loss.inflight = 1000;
	sp_cc_update(&cc, &c, &loss, &o);
	assert_int_equal(cc.cwnd, 2920);
}

static void newreno_rto(void **s)
{
	(void)s;
	struct sp_cc_cfg c = cfg(SP_CC_NEWRENO);
	struct sp_cc cc;
	struct sp_cc_out o;
	sp_cc_init(&cc, &c, 1000, &o);
	assert_true(sp_cc_on_rto(&cc, &c, 30000, &o));
	assert_int_equal(o.cwnd, 1000);                      /* RFC 5681 §3.1: LW = 1 SMSS */
	assert_int_equal(cc.ssthresh, 15000);
	struct sp_cc_in in = { .acked = 1000, .inflight = 1000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.cwnd, 2000);                     /* slow start again */
}

static void dctcp_alpha_rfc8257(void **s)
{
	(void)s;
	struct sp_cc_cfg c = cfg(SP_CC_DCTCP);
	struct sp_cc cc;
	struct sp_cc_out o;
	sp_cc_init(&cc, &c, 1448, &o);
	assert_int_equal(cc.alpha, SP_DCTCP_ALPHA_ONE);      /* §3.3: starts at 1 */
	assert_int_equal(o.ps_per_byte, 0);                  /* unlimited at first */
	/* no marks: alpha = (1 - 1/16) * 1 = 0.9375 */
	struct sp_cc_in in = { .acked = 100000, .inflight = 50000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.alpha, 960);
	/* half marked: alpha = 15/16 * 0.9375 + 1/16 * 0.5 = 0.90 (921.6 -> 900 + 32) */
	in.ecn = 50000;
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.alpha, 960 - 60 + 32);
}

static void dctcp_rate_laws(void **s)
{
	(void)s;
	struct sp_cc_cfg c = cfg(SP_CC_DCTCP);
	struct sp_cc cc;
	struct sp_cc_out o;
	sp_cc_init(&cc, &c, 1448, &o);
	/* 125 MB/s measured (125000 bytes in 1 ms), every byte marked, alpha = 1:
	 * alpha stays 1, rate = measured * (1 - 1/2) */
	struct sp_cc_in in = { .acked = 125000, .ecn = 125000, .inflight = 60000, .interval_us = 1000 };
	assert_true(sp_cc_update(&cc, &c, &in, &o));
	assert_int_equal(cc.alpha, 1024);
	assert_int_equal(cc.rate, 62500000);
	assert_true(o.set_rate);
	assert_int_equal(o.ps_per_byte, 16000);              /* 500 Mbit/s */
	/* no marks, using its rate: additive increase (not slow start any more) */
	struct sp_cc_in ok = { .acked = 62500, .inflight = 60000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &ok, &o);
	assert_int_equal(cc.rate, 62500000 + 1250000);
	/* application limited (below half its rate): no increase */
	ok.acked = 1000;
	assert_false(sp_cc_update(&cc, &c, &ok, &o));
	/* fast retransmit: halve */
	struct sp_cc_in loss = { .acked = 63750, .fast_rexmits = 1, .inflight = 60000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &loss, &o);
	assert_int_equal(cc.rate, (62500000 + 1250000) / 2);
	/* never below the floor */
	for (int i = 0; i < 40; i++)
		sp_cc_on_rto(&cc, &c, 1000, &o);
	assert_int_equal(cc.rate, c.min_rate);
}

static void dctcp_lifts_limit_at_max(void **s)
{
	(void)s;
	struct sp_cc_cfg c = cfg(SP_CC_DCTCP);
	c.max_rate = 100000000;
	struct sp_cc cc;
	struct sp_cc_out o;
	sp_cc_init(&cc, &c, 1448, &o);
	cc.slow_start = true;
	cc.rate = 40000000;
	struct sp_cc_in in = { .acked = 40000, .inflight = 40000, .interval_us = 1000 };
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.rate, 80000000);                 /* slow start doubles */
	in.acked = 80000;
	sp_cc_update(&cc, &c, &in, &o);
	assert_int_equal(cc.rate, 0);                        /* >= max: unlimited */
	assert_int_equal(o.ps_per_byte, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_window_rfc6928),
		cmocka_unit_test(ps_per_byte),
		cmocka_unit_test(newreno_slow_start_and_avoidance),
		cmocka_unit_test(newreno_rto),
		cmocka_unit_test(dctcp_alpha_rfc8257),
		cmocka_unit_test(dctcp_rate_laws),
		cmocka_unit_test(dctcp_lifts_limit_at_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
