/* SPDX-License-Identifier: MIT */
/* ACK processing: buffer space freed and reported, peer window, duplicate
 * ACKs and go-back-N, congestion feedback (acked, ECN, RTT), FIN acked. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "tflow.h"

static uint8_t payload[8 * TF_MSS];

static int setup(void **state)
{
	static struct tflow t;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ 0x5a);
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

/* The application appends @p len bytes; the core sends them. */
static void app_send(struct tflow *t, uint32_t len)
{
	struct toffee_flow s = tflow_state(t);
	fphost_tx_write(t->fh, &t->f, s.tx_end, payload, len);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, len, 0), 0);
	fphost_poll_idle(t->fh, 100);
}

static uint32_t freed_events(struct tflow *t)
{
	struct toffee_ctx_ev ev;
	uint32_t n = 0;
	while (fphost_ctx_ev_next(t->fh, 0, &ev) == 1)
		n += ev.tx_freed;
	return n;
}

static void peer_ack(struct tflow *t, uint32_t ack, uint8_t flags)
{
	t->peer_ack = ack;
	tflow_send(t, TF_IRS, TH_ACK | flags, NULL, 0);
}

static void new_ack_frees_and_reports(void **state)
{
	struct tflow *t = *state;
	app_send(t, 3 * TF_MSS);
	assert_int_equal(t->fh->n_tx, 3);
	fphost_tx_clear(t->fh);
	t->fh->now_ns += 250000;                    /* 250 us RTT */
	peer_ack(t, TF_ISS + TF_MSS, 0);
	assert_int_equal(freed_events(t), TF_MSS);
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.snd_una, TF_ISS + TF_MSS);
	assert_int_equal(t->fh->n_tx, 0);           /* pure ACKs are not ACKed */
	peer_ack(t, TF_ISS + 3 * TF_MSS, TH_ECE);
	assert_int_equal(freed_events(t), 2 * TF_MSS);
	struct toffee_sp_fb fb;
	assert_int_equal(fphost_feedback(t->fh, t->id, &fb), 0);
	assert_int_equal(fb.acked_bytes, 3 * TF_MSS);
	assert_int_equal(fb.ecn_bytes, 2 * TF_MSS);
	assert_int_equal(fb.rtt_us, 250);
	assert_int_equal(fb.inflight, 0);
	assert_int_equal(fb.fast_rexmits, 0);
	assert_int_equal(fphost_feedback(t->fh, t->id, &fb), 0);  /* cleared */
	assert_int_equal(fb.acked_bytes, 0);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_RX_ACKS), 2);
}

static void peer_window_scaled_and_respected(void **state)
{
	struct tflow *t = *state;
	assert_int_equal(fphost_flow_remove(t->fh, t->id), 0);
	t->f.snd_wscale = 2;
	t->f.snd_wnd = 1000;
	assert_int_equal(fphost_flow_install(t->fh, t->id, &t->f), 0);
	app_send(t, 4 * TF_MSS);
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 1);           /* 1000 bytes of window */
	tflow_tx(t, 0, &p);
	assert_int_equal(p.plen, 1000);
	fphost_tx_clear(t->fh);
	t->peer_win = 1000;                         /* 4000 bytes after scaling */
	peer_ack(t, TF_ISS + 1000, 0);
	fphost_poll_idle(t->fh, 100);
	uint32_t sent = 0;
	for (size_t i = 0; i < t->fh->n_tx; i++) {
		tflow_tx(t, i, &p);
		sent += p.plen;
	}
	assert_int_equal(sent, 4000);
	assert_int_equal(tflow_state(t).snd_wnd, 4000);
	/* Zero window: nothing more leaves. */
	fphost_tx_clear(t->fh);
	t->peer_win = 0;
	peer_ack(t, TF_ISS + 5000, 0);
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 0);
	/* A window update (same ACK, bigger window) restarts transmission. */
	t->peer_win = 16000;
	peer_ack(t, TF_ISS + 5000, 0);
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 1);
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.seq, TF_ISS + 5000);
	assert_int_equal(p.plen, 4 * TF_MSS - 5000);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_RX_DUPACKS), 0);
}

static void third_dupack_goes_back_n(void **state)
{
	struct tflow *t = *state;
	app_send(t, 6 * TF_MSS);
	assert_int_equal(t->fh->n_tx, 6);
	fphost_tx_clear(t->fh);
	peer_ack(t, TF_ISS + TF_MSS, 0);             /* segment 2 lost */
	peer_ack(t, TF_ISS + TF_MSS, 0);
	peer_ack(t, TF_ISS + TF_MSS, 0);
	assert_int_equal(t->fh->n_tx, 0);
	peer_ack(t, TF_ISS + TF_MSS, 0);             /* third duplicate */
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 5);            /* everything from snd_una */
	struct tpkt_parsed p;
	for (size_t i = 0; i < 5; i++) {
		tflow_tx(t, i, &p);
		assert_int_equal(p.h.seq, TF_ISS + (i + 1) * TF_MSS);
		assert_memory_equal(p.payload, payload + (i + 1) * TF_MSS, TF_MSS);
	}
	peer_ack(t, TF_ISS + TF_MSS, 0);             /* fourth: no second go-back */
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 5);
	struct toffee_sp_fb fb;
	assert_int_equal(fphost_feedback(t->fh, t->id, &fb), 0);
	assert_int_equal(fb.fast_rexmits, 1);
	assert_int_equal(fb.rtt_us, 0);              /* Karn: no sample */
	/* The peer had the rest: a cumulative ACK beyond snd_nxt is fine. */
	fphost_tx_clear(t->fh);
	peer_ack(t, TF_ISS + 6 * TF_MSS, 0);
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.snd_una, TF_ISS + 6 * TF_MSS);
	assert_int_equal(s.snd_nxt, TF_ISS + 6 * TF_MSS);
	assert_int_equal(s.dupacks, 0);
}

static void dupack_needs_outstanding_data(void **state)
{
	struct tflow *t = *state;
	peer_ack(t, TF_ISS, 0);
	peer_ack(t, TF_ISS, 0);
	peer_ack(t, TF_ISS, 0);
	peer_ack(t, TF_ISS, 0);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_RX_DUPACKS), 0);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_FAST_REXMITS), 0);
}

static void fin_sent_and_acked(void **state)
{
	struct tflow *t = *state;
	app_send(t, 100);
	assert_int_equal(fphost_tx_fin(t->fh, t->id), 0);
	fphost_poll_idle(t->fh, 100);
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 2);
	tflow_tx(t, 1, &p);
	assert_int_equal(p.h.flags & TH_FIN, TH_FIN);
	assert_int_equal(p.h.seq, TF_ISS + 100);
	assert_int_equal(p.plen, 0);
	peer_ack(t, TF_ISS + 101, 0);
	assert_int_equal(freed_events(t), 100);      /* the FIN frees nothing */
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.snd_una, TF_ISS + 101);
	/* No more data may be appended after the FIN. */
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 10, 0), 0);
	fphost_poll_idle(t->fh, 10);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD), 1);
}

static void app_fin_in_order_with_appends(void **state)
{
	struct tflow *t = *state;
	fphost_tx_write(t->fh, &t->f, TF_ISS, payload, 300);
	/* Append and FIN in one command, then nothing may follow. */
	assert_int_equal(fphost_ctx_cmd_flags(t->fh, 0, t->id, 300, 0, TOFFEE_CMDF_FIN), 0);
	fphost_poll_idle(t->fh, 100);
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 1);
	tflow_tx(t, 0, &p);
	assert_int_equal(p.plen, 300);
	assert_int_equal(p.h.flags, TH_ACK | TH_PSH | TH_FIN);   /* FIN rides on the data */
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 1, 0), 0);
	fphost_poll_idle(t->fh, 10);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD), 1);
	assert_int_equal(tflow_state(t).snd_max, TF_ISS + 301);
}

static void rto_retransmit_command(void **state)
{
	struct tflow *t = *state;
	app_send(t, 2 * TF_MSS);
	fphost_tx_clear(t->fh);
	assert_int_equal(fphost_retransmit(t->fh, t->id), 0);
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 2);
	struct tpkt_parsed p;
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.seq, TF_ISS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(new_ack_frees_and_reports),
		T(peer_window_scaled_and_respected),
		T(third_dupack_goes_back_n),
		T(dupack_needs_outstanding_data),
		T(fin_sent_and_acked),
		T(app_fin_in_order_with_appends),
		T(rto_retransmit_command),
	};
	return cmocka_run_group_tests_name("ack", tests, NULL, NULL);
}
