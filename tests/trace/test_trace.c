/* SPDX-License-Identifier: MIT */
/*
 * Trace tests: every Linux capture in $TOFFEE_TRACES (default
 * ../shared/traces/linux) replayed through the fast path (replay_run(), the
 * engine of toffee-replay), judged against an independent reassembly of the
 * capture (ref.c):
 *  - the bytes delivered to a flow's receive buffer are a prefix of the
 *    client's true stream (the whole of it for the complete transfers), so
 *    nothing is delivered twice, out of order, or corrupted;
 *  - every frame the fast path sends has correct checksums, carries the ACK
 *    number the application has been told about (delivered bytes, plus the
 *    FIN) and never acknowledges more than the client data fed so far;
 *  - what the fast path sends is the server's stream, in segments <= MSS;
 *  - corrupted copies of client frames are dropped and counted.
 * Missing traces fail the tests: they are the point of this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace_util.h"

/* ---- the traces --------------------------------------------------------------- */

static void test_bulk_in(void **state)
{
	char *path = trace_path("bulk_in.pcap");
	struct run run;

	(void)state;
	run_trace(path, true, &run);
	check_complete(&run, 2u << 20, true);
	run_free(&run);
	/* Frames once each, as captured: still a prefix (run_trace checks). */
	run_trace(path, false, &run);
	assert_true(run.res.flows[0].delivered > 0);
	assert_int_equal(run.res.client_rexmits, 0);
	run_free(&run);
	free(path);
}

static void test_echo_small(void **state)
{
	char *path = trace_path("echo_small.pcap");
	struct ref_conn *r;
	struct conn_chk *c;
	const struct replay_flow *f;
	struct run run;

	(void)state;
	run_trace(path, false, &run);
	check_complete(&run, 25065, false);
	f = only_flow(&run, &r, &c);
	/* the echo went out: the server's whole stream, then its FIN */
	assert_int_equal(r->s2c.contig, 25065);
	assert_int_equal(c->sent.contig, r->s2c.contig);
	assert_true(c->fin_sent);
	assert_int_equal(c->fin_sent_off, 25065);
	assert_int_equal(f->appended, 25065);
	assert_int_equal(run.res.client_rexmits, 0);
	run_free(&run);
	free(path);
}

static void test_bulk_out(void **state)
{
	char *path = trace_path("bulk_out.pcap");
	struct ref_conn *r;
	struct conn_chk *c;
	const struct replay_flow *f;
	struct run run;

	(void)state;
	run_trace(path, true, &run);
	f = only_flow(&run, &r, &c);
	/* exactly the server's 1 MiB: byte i = 7 * i mod 256, then FIN */
	assert_int_equal(c->sent.contig, 1u << 20);
	assert_int_equal(c->sent.hi, 1u << 20);
	for (uint32_t i = 0; i < (1u << 20); i++)
		if (c->sent.data[i] != (uint8_t)(7u * i))
			fail_msg("sent byte %u is %u, not %u", i, c->sent.data[i], (uint8_t)(7u * i));
	assert_true(c->fin_sent);
	assert_int_equal(c->fin_sent_off, 1u << 20);
	assert_int_equal(f->mss, 1448);          /* MSS 1460 less timestamps */
	assert_int_equal(f->delivered, 0);
	assert_true(f->fin_rcvd);
	/* every byte was acknowledged: all freed, the client's FIN consumed */
	assert_int_equal(f->freed, 1u << 20);
	assert_int_equal(cnt(&run, TOFFEE_CNT_TX_BYTES), 1u << 20);
	run_free(&run);
	free(path);
}

/* Loss and reordering: prefix always; the whole stream with the client
 * retransmission model (the server's hash in the capture agrees). */
static void lossy_trace(const char *name)
{
	char *path = trace_path(name);
	struct run run;

	run_trace(path, false, &run);
	assert_true(run.res.flows[0].delivered > 0);
	assert_true(cnt(&run, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_OOO) > 0);  /* exercised */
	run_free(&run);
	run_trace(path, true, &run);
	check_complete(&run, 2u << 20, true);
	assert_true(run.res.client_rexmits > 0);
	run_free(&run);
	free(path);
}

static void test_lossy_2pct(void **state) { (void)state; lossy_trace("lossy_2pct.pcap"); }
static void test_reorder(void **state) { (void)state; lossy_trace("reorder.pcap"); }

static void test_refused(void **state)
{
	char *path = trace_path("refused.pcap");
	struct run run;

	(void)state;
	run_trace(path, true, &run);
	assert_int_equal(run.res.n_flows, 0);
	assert_int_equal(cnt(&run, TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_NO_FLOW), 1);
	assert_int_equal(run.res.frames_tx, 0);
	run_free(&run);
	free(path);
}

static void test_reset(void **state)
{
	char *path = trace_path("reset.pcap");
	struct ref_conn *r;
	struct conn_chk *c;
	struct run run;

	(void)state;
	run_trace(path, true, &run);
	assert_int_equal(only_flow(&run, &r, &c)->delivered, 5);
	assert_int_equal(r->c2s.contig, 5);
	run_free(&run);
	free(path);
}

/* Every capture in the directory, both ways (catches traces added later). */
static void test_every_trace(void **state)
{
	glob_t g;
	char *pat;

	(void)state;
	assert_true(asprintf(&pat, "%s/*.pcap", traces_dir()) > 0);
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc < 7)
		fail_msg("expected the 7 Linux traces in %s (set TOFFEE_TRACES)", traces_dir());
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct run run;

		run_trace(g.gl_pathv[i], false, &run);
		run_free(&run);
		run_trace(g.gl_pathv[i], true, &run);
		run_free(&run);
	}
	globfree(&g);
	free(pat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_in),
		cmocka_unit_test(test_echo_small),
		cmocka_unit_test(test_bulk_out),
		cmocka_unit_test(test_lossy_2pct),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_every_trace),
		cmocka_unit_test(test_corrupt_bulk_in),
		cmocka_unit_test(test_corrupt_echo_small),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
