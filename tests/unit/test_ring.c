/* SPDX-License-Identifier: MIT */
/* Ring handling: phases across many laps, full rings, malformed entries
 * from the host, raw frames, notifications. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "tflow.h"

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
static uint64_t drops(struct tflow *t, unsigned r) { return fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + r); }

static void events_survive_many_laps(void **state)
{
	struct tflow *t = *state;
	uint32_t seq = TF_IRS, total = 0;
	uint8_t byte = 0;
	for (int i = 0; i < 5000; i++, seq += 1) {    /* ~5 laps of a 1024 ring */
		tflow_send(t, seq, TH_ACK, &byte, 1);
		struct toffee_ctx_ev ev;
		assert_int_equal(fphost_ctx_ev_next(t->fh, 0, &ev), 1);
		assert_int_equal(ev.rx_bytes, 1);
		assert_int_equal(fphost_ctx_ev_next(t->fh, 0, &ev), 0);
		assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 0, 1), 0);   /* consume */
		total++;
		fphost_tx_clear(t->fh);
	}
	assert_int_equal(tflow_state(t).rcv_nxt, TF_IRS + total);
	assert_int_equal(t->fh->abi_violations, 0);
}

static void exception_ring_full_counted(void **state)
{
	struct tflow *t = *state;
	uint8_t arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 2, 0x08, 0x06};
	for (int i = 0; i < 256 + 5; i++)               /* default sp ring: 256 */
		fphost_rx(t->fh, arp, sizeof(arp));
	assert_int_equal(drops(t, TOFFEE_DROP_EXC_FULL), 5);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_NOT_IPV4), 261);
	struct toffee_sp_exc e;
	int n = 0;
	while (fphost_exc_next(t->fh, &e, NULL) == 1)
		n++;
	assert_int_equal(n, 256);
	fphost_rx(t->fh, arp, sizeof(arp));              /* room again */
	assert_int_equal(fphost_exc_next(t->fh, &e, NULL), 1);
}

static void bad_command_entries_rejected(void **state)
{
	struct tflow *t = *state;
	/* An entry whose phase byte was never written (stale slot). */
	uint32_t blk = TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_CMD * TOFFEE_REG_SPQ_STRIDE;
	uint32_t tail = fphost_reg_rd(t->fh, blk + TOFFEE_Q_TAIL);
	fphost_reg_wr(t->fh, blk + TOFFEE_Q_TAIL, tail + 1);
	t->fh->sp[TOFFEE_SPQ_CMD].idx++;
	fphost_poll(t->fh, 8);
	struct toffee_sp_fb fb;
	assert_int_equal(fphost_fb_next(t->fh, &fb), 1);
	assert_int_equal(fb.status, -EPROTO);
	/* Unknown opcode. */
	struct toffee_sp_cmd c = { .opcode = 200, .flow_id = t->id };
	assert_int_equal(fphost_sp_exec(t->fh, &c, NULL), -EINVAL);
	/* A producer index far ahead: the ring is reset, nothing executed. */
	tail = fphost_reg_rd(t->fh, blk + TOFFEE_Q_TAIL);
	fphost_reg_wr(t->fh, blk + TOFFEE_Q_TAIL, tail + 100000);
	t->fh->sp[TOFFEE_SPQ_CMD].idx = tail + 100000;
	fphost_poll(t->fh, 8);
	assert_int_equal(fphost_reg_rd(t->fh, blk + TOFFEE_Q_HEAD), tail + 100000);
	assert_int_equal(drops(t, TOFFEE_DROP_CMD_BAD), 3);
	/* Same for an application's command ring. */
	uint32_t db = TOFFEE_REG_DB_BASE + TOFFEE_DB_CMD_TAIL;
	fphost_reg_wr(t->fh, db, fphost_reg_rd(t->fh, db) + 5000);
	t->fh->ctx_cmd[0].idx += 5000;
	fphost_poll(t->fh, 8);
	assert_int_equal(drops(t, TOFFEE_DROP_CMD_BAD), 4);
	assert_int_equal(tflow_state(t).tx_end, TF_ISS);
}

static void raw_frames_sent_unchanged(void **state)
{
	struct tflow *t = *state;
	uint8_t f[100];
	for (int i = 0; i < 100; i++)
		f[i] = (uint8_t)i;
	assert_int_equal(fphost_raw_send(t->fh, f, sizeof(f)), 0);
	fphost_poll(t->fh, 8);
	assert_int_equal(t->fh->n_tx, 1);
	assert_int_equal(t->fh->tx[0].len, 100);
	assert_memory_equal(t->fh->tx[0].data, f, 100);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_TX_RAW), 1);
	/* A length the NIC cannot send is dropped, not sent. */
	struct fphost_ring *r = &t->fh->sp[TOFFEE_SPQ_RAW];
	struct toffee_sp_raw e = { .frame_len = 5000, .phase = toffee_phase(r->idx, r->log2) };
	memcpy(fphost_ptr(t->fh, r->iova + (r->idx & ((1u << r->log2) - 1)) * 16, 16), &e, 16);
	r->idx++;
	uint32_t blk = TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_RAW * TOFFEE_REG_SPQ_STRIDE;
	fphost_reg_wr(t->fh, blk + TOFFEE_Q_TAIL, r->idx);
	fphost_poll(t->fh, 8);
	assert_int_equal(t->fh->n_tx, 1);
	assert_int_equal(drops(t, TOFFEE_DROP_RAW_BAD), 1);
}

static void armed_context_notified_once(void **state)
{
	struct tflow *t = *state;
	uint8_t b = 1;
	fphost_reg_wr(t->fh, TOFFEE_REG_DB_BASE + TOFFEE_DB_ARM, 1);
	tflow_send(t, TF_IRS, TH_ACK, &b, 1);
	tflow_send(t, TF_IRS + 1, TH_ACK, &b, 1);
	assert_int_equal(t->fh->notifies[0], 1);
	assert_int_equal(fphost_reg_rd(t->fh, TOFFEE_REG_DB_BASE + TOFFEE_DB_ARM), 0);
}

static void disabled_device_drops(void **state)
{
	struct tflow *t = *state;
	fphost_reg_wr(t->fh, TOFFEE_REG_CTRL, 0);
	fphost_poll(t->fh, 8);
	uint8_t b = 1;
	tflow_send(t, TF_IRS, TH_ACK, &b, 1);
	assert_int_equal(drops(t, TOFFEE_DROP_DISABLED), 1);
	assert_int_equal(t->fh->n_tx, 0);
	assert_int_equal(fphost_reg_rd(t->fh, TOFFEE_REG_ID), TOFFEE_ABI_ID);
	/* Counters are published as 64-bit register pairs, all within 16 polls. */
	for (int i = 0; i < 16; i++)
		fphost_poll(t->fh, 8);
	assert_int_equal(fphost_reg_rd(t->fh, TOFFEE_REG_CNT(TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_DISABLED)), 1);
	/* Drops the platform saw (its MAC's) are published the same way. */
	fp_platform_drops(t->fh->fp, TOFFEE_DROP_MAC_OVERFLOW, 3);
	fp_platform_drops(t->fh->fp, TOFFEE_DROP_COUNT, 5);          /* no such reason: ignored */
	for (int i = 0; i < 16; i++)
		fphost_poll(t->fh, 8);
	assert_int_equal(fphost_reg_rd(t->fh, TOFFEE_REG_CNT(TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_MAC_OVERFLOW)), 3);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_COUNT), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(events_survive_many_laps),
		T(exception_ring_full_counted),
		T(bad_command_entries_rejected),
		T(raw_frames_sent_unchanged),
		T(armed_context_notified_once),
		T(disabled_device_drops),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
