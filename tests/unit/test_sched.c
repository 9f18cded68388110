/* SPDX-License-Identifier: MIT */
/* Transmit scheduler: the token-bucket rate holds within 1% over simulated
 * time, unlimited flows share round robin, a busy MAC loses nothing. */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "tflow.h"

static uint8_t junk[1u << 16];

static int setup(void **state)
{
	static struct tflow t;
	if (tflow_setup(&t, 0) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int teardown(void **state)
{
	tflow_teardown(*state);
	return 0;
}

/* Run a backlogged flow for @p dur_ns of simulated time, polling every
 * @p step_ns; the peer acknowledges everything at once. Returns the frame
 * bytes sent. */
static uint64_t backlogged_bytes(struct tflow *t, uint64_t dur_ns, uint64_t step_ns)
{
	uint64_t bytes = 0, end = t->fh->now_ns + dur_ns;
	uint32_t size = 1u << t->f.tx_buf_log2;
	while (t->fh->now_ns < end) {
		struct toffee_flow s = tflow_state(t);
		uint32_t room = size - (s.tx_end - s.snd_una);
		if (room > size / 2)
			assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, room, 0), 0);
		fphost_poll(t->fh, 64);
		for (size_t i = 0; i < t->fh->n_tx; i++)
			bytes += t->fh->tx[i].len;
		fphost_tx_clear(t->fh);
		s = tflow_state(t);
		if (s.snd_nxt != s.snd_una) {
			t->peer_ack = s.snd_nxt;
			uint32_t n = tflow_frame(t, TF_IRS, TH_ACK, NULL, 0);
			fphost_rx(t->fh, t->frame, n);
		}
		struct toffee_ctx_ev ev;
		while (fphost_ctx_ev_next(t->fh, 0, &ev) == 1)
			;
		t->fh->now_ns += step_ns;
	}
	return bytes;
}

static void check_rate(struct tflow *t, uint64_t bits_per_s, uint64_t step_ns)
{
	uint32_t ps_per_byte = (uint32_t)(8000000000000ull / bits_per_s);
	assert_int_equal(fphost_set_rate(t->fh, t->id, ps_per_byte), 0);
	backlogged_bytes(t, 2000000, step_ns);      /* settle: 2 ms */
	uint64_t dur = 20000000;                    /* measure: 20 ms */
	uint64_t got = backlogged_bytes(t, dur, step_ns);
	double want = (double)dur * 1e3 / ps_per_byte;
	print_message("rate %llu bit/s step %llu ns: %llu bytes, expected %.0f (%.3f%%)\n",
		      (unsigned long long)bits_per_s, (unsigned long long)step_ns,
		      (unsigned long long)got, want, 100.0 * ((double)got - want) / want);
	assert_true(got > want * 0.99 && got < want * 1.01);
}

static void rate_1g_fine_polling(void **state) { check_rate(*state, 1000000000ull, 500); }
static void rate_1g_coarse_polling(void **state) { check_rate(*state, 1000000000ull, 7000); }
static void rate_100m(void **state) { check_rate(*state, 100000000ull, 3000); }
static void rate_10g(void **state) { check_rate(*state, 10000000000ull, 200); }

static void unlimited_flows_share_round_robin(void **state)
{
	struct tflow *t = *state;
	struct toffee_flow g = t->f;
	g.local_port = 81;
	fphost_flow_bufs(t->fh, &g, 16, 16);
	assert_int_equal(fphost_flow_install(t->fh, 9, &g), 0);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 10 * TF_MSS, 0), 0);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, 9, 10 * TF_MSS, 0), 0);
	fphost_poll(t->fh, 8);
	assert_int_equal(t->fh->n_tx, 8);
	for (size_t i = 0; i < 8; i++) {
		struct tpkt_parsed p;
		tflow_tx(t, i, &p);
		assert_int_equal(p.h.src_port, i % 2 ? 81 : 80);   /* alternate */
	}
}

static int busy_every_other(void *arg, const uint8_t *frame, uint32_t len, uint64_t now)
{
	(void)frame; (void)len; (void)now;
	unsigned *n = arg;
	return (*n)++ % 2 ? -EBUSY : 0;
}

static void busy_mac_loses_nothing(void **state)
{
	struct tflow *t = *state;
	unsigned calls = 0;
	fphost_set_tx_hook(t->fh, busy_every_other, &calls);
	fphost_tx_write(t->fh, &t->f, TF_ISS, junk, 20 * TF_MSS);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 20 * TF_MSS, 0), 0);
	fphost_poll_idle(t->fh, 200);
	uint32_t seq = TF_ISS;
	for (size_t i = 0; i < t->fh->n_tx; i++) {
		struct tpkt_parsed p;
		tflow_tx(t, i, &p);
		assert_int_equal(p.h.seq, seq);
		seq += p.plen;
	}
	assert_int_equal(seq, TF_ISS + 20 * TF_MSS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rate_1g_fine_polling),
		T(rate_1g_coarse_polling),
		T(rate_100m),
		T(rate_10g),
		T(unlimited_flows_share_round_robin),
		T(busy_mac_loses_nothing),
	};
	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
