/* SPDX-License-Identifier: MIT */
/* Transmit path: segmentation at the MSS, sequence numbers, checksums
 * (verified by tpkt's independent routine), buffer wrap-around, congestion
 * window, ECN marking, and validation of application commands. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "tflow.h"

static uint8_t stream[300000];

static int setup_flags(void **state, uint16_t flags)
{
	static struct tflow t;
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)((i * 7) ^ (i >> 9));
	if (tflow_setup(&t, flags) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int setup(void **state) { return setup_flags(state, 0); }
static int setup_ecn(void **state) { return setup_flags(state, TOFFEE_FLOWF_ECN); }
static int teardown(void **state)
{
	tflow_teardown(*state);
	return 0;
}

/* Stream @p total bytes through the flow: the app appends whenever there is
 * buffer space, the peer acknowledges every segment. Checks each segment
 * and returns the number of segments. */
static unsigned stream_through(struct tflow *t, uint32_t total, uint8_t tos_expected)
{
	uint32_t appended = 0, received = 0, size = 1u << t->f.tx_buf_log2;
	unsigned segs = 0;
	uint32_t ecr = 777;                          /* installed ts_recent */
	while (received < total) {
		struct toffee_flow s = tflow_state(t);
		uint32_t room = size - (s.tx_end - s.snd_una);
		uint32_t n = total - appended < room ? total - appended : room;
		if (n) {
			fphost_tx_write(t->fh, &t->f, s.tx_end, stream + appended, n);
			assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, n, 0), 0);
			appended += n;
		}
		fphost_poll_idle(t->fh, 1000);
		assert_true(t->fh->n_tx > 0);
		for (size_t i = 0; i < t->fh->n_tx; i++) {
			struct tpkt_parsed p;
			tflow_tx(t, i, &p);
			assert_true(p.plen > 0 && p.plen <= TF_MSS);
			assert_int_equal(p.h.seq, TF_ISS + received);
			assert_memory_equal(p.payload, stream + received, p.plen);
			assert_int_equal(p.h.flags & ~TH_PSH, TH_ACK);
			assert_int_equal(p.h.tos, tos_expected);
			assert_true(p.h.ts);
			assert_int_equal(p.h.tsecr, ecr);
			assert_int_equal(p.h.ack, TF_IRS);
			received += p.plen;
			segs++;
		}
		fphost_tx_clear(t->fh);
		t->peer_ack = TF_ISS + received;
		tflow_send(t, TF_IRS, TH_ACK, NULL, 0);
		ecr = 1000 + (uint32_t)(t->fh->now_ns >> 20);   /* the peer's TSval */
		struct toffee_ctx_ev ev;
		while (fphost_ctx_ev_next(t->fh, 0, &ev) == 1)
			;
	}
	return segs;
}

static void segments_carry_the_stream(void **state)
{
	struct tflow *t = *state;
	unsigned segs = stream_through(t, sizeof(stream), 0);
	assert_true(segs >= sizeof(stream) / TF_MSS);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_TX_BYTES), sizeof(stream));
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.snd_una, TF_ISS + sizeof(stream));
}

static void ecn_flows_send_ect0(void **state)
{
	struct tflow *t = *state;
	stream_through(t, 10000, 0x02);
}

static void small_writes_sent_at_once_with_psh(void **state)
{
	struct tflow *t = *state;
	fphost_tx_write(t->fh, &t->f, TF_ISS, "hello", 5);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 5, 0), 0);
	fphost_poll_idle(t->fh, 10);
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 1);
	tflow_tx(t, 0, &p);
	assert_int_equal(p.plen, 5);
	assert_int_equal(p.h.flags, TH_ACK | TH_PSH);
	assert_memory_equal(p.payload, "hello", 5);
}

static void cwnd_limits_inflight(void **state)
{
	struct tflow *t = *state;
	assert_int_equal(fphost_set_window(t->fh, t->id, 3000), 0);
	fphost_tx_write(t->fh, &t->f, TF_ISS, stream, 20000);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 20000, 0), 0);
	fphost_poll_idle(t->fh, 100);
	uint32_t sent = 0;
	for (size_t i = 0; i < t->fh->n_tx; i++) {
		struct tpkt_parsed p;
		tflow_tx(t, i, &p);
		sent += p.plen;
	}
	assert_int_equal(sent, 3000);
	assert_int_equal(fphost_set_window(t->fh, t->id, 0), 0);   /* unlimited */
	fphost_poll_idle(t->fh, 100);
	sent = 0;
	for (size_t i = 0; i < t->fh->n_tx; i++) {
		struct tpkt_parsed p;
		tflow_tx(t, i, &p);
		sent += p.plen;
	}
	assert_int_equal(sent, 20000);
}

/* Checksums must keep every carry: large TSval/TSecr (Linux randomises its
 * timestamp offset) once lost one in a 32-bit partial sum. */
static void high_timestamps_checksummed(void **state)
{
	struct tflow *t = *state;
	assert_int_equal(fphost_flow_remove(t->fh, t->id), 0);
	t->f.ts_recent = 0xfffffff0u;
	assert_int_equal(fphost_flow_install(t->fh, t->id, &t->f), 0);
	t->fh->now_ns = 0xfffffff0ull << TOFFEE_TS_SHIFT;
	fphost_tx_write(t->fh, &t->f, TF_ISS, stream, 3000);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 3000, 0), 0);
	fphost_poll_idle(t->fh, 100);
	assert_int_equal(t->fh->n_tx, 3);
	for (size_t i = 0; i < t->fh->n_tx; i++) {
		struct tpkt_parsed p;
		tflow_tx(t, i, &p);               /* asserts both checksums */
		assert_int_equal(p.h.tsecr, 0xfffffff0u);
	}
}

static void app_commands_validated(void **state)
{
	struct tflow *t = *state;
	uint64_t bad0 = fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD);
	/* More than the transmit buffer holds. */
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, (1u << 16) + 1, 0), 0);
	/* Consuming bytes never received. */
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 0, 1), 0);
	fphost_poll_idle(t->fh, 10);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_BAD), bad0 + 2);
	/* Another context may not touch the flow; nor may anyone name a
	 * flow that does not exist. */
	assert_int_equal(fphost_ctx_cmd(t->fh, 1, t->id, 10, 0), 0);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, 3, 10, 0), 0);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, 0xfffffff0u, 10, 0), 0);
	fphost_poll_idle(t->fh, 10);
	assert_int_equal(fp_counter(t->fh->fp, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_CMD_NOT_OWNER), 3);
	assert_int_equal(t->fh->n_tx, 0);
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.tx_end, TF_ISS);
	assert_int_equal(s.rx_avail, 1u << 16);
}

static void install_validated(void **state)
{
	struct tflow *t = *state;
	struct toffee_flow f = t->f;
	assert_int_equal(fphost_flow_install(t->fh, t->id, &f), -EEXIST);
	f.local_port = 81;
	f.mss = 9000;
	assert_int_equal(fphost_flow_install(t->fh, 8, &f), -EINVAL);
	f.mss = 1000;
	f.rx_buf_log2 = 40;
	assert_int_equal(fphost_flow_install(t->fh, 8, &f), -EINVAL);
	f = t->f;                                   /* same 4-tuple, other id */
	assert_int_equal(fphost_flow_install(t->fh, 8, &f), -EEXIST);
	f.local_port = 81;
	assert_int_equal(fphost_flow_install(t->fh, 64, &f), -EINVAL);  /* beyond cap */
	assert_int_equal(fphost_flow_install(t->fh, 8, &f), 0);
	assert_int_equal(fphost_flow_remove(t->fh, 8), 0);
	assert_int_equal(fphost_flow_remove(t->fh, 8), -ENOENT);
	struct toffee_flow out;
	assert_int_equal(fphost_flow_read(t->fh, 8, &out), -ENOENT);
}

#define T(fn, su) cmocka_unit_test_setup_teardown(fn, su, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(segments_carry_the_stream, setup),
		T(ecn_flows_send_ect0, setup_ecn),
		T(small_writes_sent_at_once_with_psh, setup),
		T(cwnd_limits_inflight, setup),
		T(high_timestamps_checksummed, setup),
		T(app_commands_validated, setup),
		T(install_validated, setup),
	};
	int failed = cmocka_run_group_tests_name("tx", tests, NULL, NULL);
	tflow_host_map = true;      /* again, the core reaching host memory itself */
	return failed + cmocka_run_group_tests_name("tx, host memory mapped", tests, NULL, NULL);
}
