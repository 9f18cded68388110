/* SPDX-License-Identifier: MIT */
/* Receive path: delivery, ACK generation, the out-of-order interval,
 * window rules, drops and every punt reason. */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "tflow.h"
#include "fp_internal.h"

static uint8_t data[70000];

static int setup(void **state)
{
	static struct tflow t;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + (i >> 8));
	if (tflow_setup(&t, 0) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int setup_ecn(void **state)
{
	static struct tflow t;
	if (tflow_setup(&t, TOFFEE_FLOWF_ECN) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int setup_sack(void **state)
{
	static struct tflow t;
	if (tflow_setup(&t, TOFFEE_FLOWF_SACK) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int setup_sack_no_ts(void **state)
{
	static struct tflow t;
	if (tflow_setup(&t, TOFFEE_FLOWF_SACK | TFLOW_NO_TS) != 0)
		return -1;
	*state = &t;
	return 0;
}
static int teardown(void **state)
{
	tflow_teardown(*state);
	return 0;
}

static uint64_t cnt(struct tflow *t, unsigned i) { return fp_counter(t->fh->fp, i); }
static uint64_t drops(struct tflow *t, unsigned r) { return cnt(t, TOFFEE_CNT_DROP_BASE + r); }
static uint64_t excs(struct tflow *t, unsigned r) { return cnt(t, TOFFEE_CNT_EXC_BASE + r); }

static void expect_ack_frame(struct tflow *t, const struct tpkt_parsed *p, uint32_t ack)
{
	(void)t;
	assert_int_equal(p->h.ack, ack);
	assert_int_equal(p->h.seq, TF_ISS);
	assert_int_equal(p->h.flags & 0x3f, TH_ACK);
	assert_int_equal(p->plen, 0);
}

/* Expect exactly one transmitted frame, an ACK for @p ack; clears the list. */
static void expect_ack(struct tflow *t, uint32_t ack)
{
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 1);
	tflow_tx(t, 0, &p);
	expect_ack_frame(t, &p, ack);
	fphost_tx_clear(t->fh);
}

static uint32_t delivered_event(struct tflow *t, uint8_t *flags)
{
	struct toffee_ctx_ev ev;
	uint32_t n = 0;
	while (fphost_ctx_ev_next(t->fh, 0, &ev) == 1) {
		assert_int_equal(ev.flow_id, t->id);
		n += ev.rx_bytes;
		if (flags)
			*flags |= ev.flags;
	}
	return n;
}

static void check_rx_bytes(struct tflow *t, uint32_t seq, const uint8_t *want, uint32_t len)
{
	static uint8_t got[70000];
	fphost_rx_read(t->fh, &t->f, seq, got, len);
	assert_memory_equal(got, want, len);
}

static void in_order_delivered_and_acked(void **state)
{
	struct tflow *t = *state;
	t->fh->now_ns = 5ull << 20;
	tflow_send(t, TF_IRS, TH_ACK | TH_PSH, data, 100);
	assert_int_equal(delivered_event(t, NULL), 100);
	check_rx_bytes(t, TF_IRS, data, 100);
	struct tpkt_parsed p;
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.ack, TF_IRS + 100);
	assert_int_equal(p.h.win, 65536 - 100);
	assert_true(p.h.ts);
	assert_int_equal(p.h.tsval, 5);
	assert_int_equal(p.h.tsecr, 1000 + 5);      /* echoes the peer's TSval */
	assert_int_equal(p.h.src_port, TF_NIC_PORT);
	assert_int_equal(p.h.dst_ip, TF_PEER_IP);
	assert_int_equal(p.ip_flags_hi & 0x40, 0x40); /* DF */
	expect_ack(t, TF_IRS + 100);
	assert_int_equal(tflow_state(t).rcv_nxt, TF_IRS + 100);
	assert_int_equal(cnt(t, TOFFEE_CNT_RX_DATA_SEGS), 1);
	assert_int_equal(cnt(t, TOFFEE_CNT_TX_ACKS), 1);
}

static void ooo_interval_merged(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	assert_int_equal(delivered_event(t, NULL), 0);
	expect_ack(t, TF_IRS);                       /* duplicate ACK */
	tflow_send(t, TF_IRS + 200, TH_ACK, data + 200, 50);   /* adjacent: extends */
	expect_ack(t, TF_IRS);
	tflow_send(t, TF_IRS, TH_ACK, data, 100);    /* fills the gap */
	assert_int_equal(delivered_event(t, NULL), 250);
	expect_ack(t, TF_IRS + 250);
	check_rx_bytes(t, TF_IRS, data, 250);
	struct toffee_flow s = tflow_state(t);
	assert_int_equal(s.ooo_len, 0);
	assert_int_equal(s.rx_avail, 65536 - 250);
}

static void second_ooo_interval_dropped(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	expect_ack(t, TF_IRS);
	tflow_send(t, TF_IRS + 300, TH_ACK, data + 300, 100);  /* disjoint */
	expect_ack(t, TF_IRS);
	assert_int_equal(drops(t, TOFFEE_DROP_OOO), 1);
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	assert_int_equal(delivered_event(t, NULL), 200);      /* not the dropped one */
	expect_ack(t, TF_IRS + 200);
	tflow_send(t, TF_IRS + 200, TH_ACK, data + 200, 200); /* retransmission */
	assert_int_equal(delivered_event(t, NULL), 200);
	expect_ack(t, TF_IRS + 400);
	check_rx_bytes(t, TF_IRS, data, 400);
}

static void old_and_overlapping_data(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	delivered_event(t, NULL);
	fphost_tx_clear(t->fh);
	tflow_send(t, TF_IRS, TH_ACK, data, 100);              /* entirely old */
	assert_int_equal(drops(t, TOFFEE_DROP_OLD_DATA), 1);
	assert_int_equal(delivered_event(t, NULL), 0);
	expect_ack(t, TF_IRS + 100);
	tflow_send(t, TF_IRS + 50, TH_ACK, data + 50, 150);    /* overlaps: trimmed */
	assert_int_equal(delivered_event(t, NULL), 100);
	expect_ack(t, TF_IRS + 200);
	check_rx_bytes(t, TF_IRS, data, 200);
}

/* Expect one transmitted ACK for @p ack carrying the @p n SACK blocks
 * @p edges (left, right, ...), its header sized for them; clears the list. */
static void expect_sack(struct tflow *t, uint32_t ack, uint32_t n, const uint32_t *edges)
{
	struct tpkt_parsed p;
	assert_int_equal(t->fh->n_tx, 1);
	tflow_tx(t, 0, &p);
	bool ts = t->f.flags & TOFFEE_FLOWF_TS;
	assert_int_equal(p.h.ts, ts);
	assert_int_equal(p.tcp_hlen, 20 + (ts ? 12 : 0) + (n ? 4 + 8 * n : 0));
	assert_int_equal(p.sack_n, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(p.sack[i][0], edges[2 * i]);
		assert_int_equal(p.sack[i][1], edges[2 * i + 1]);
	}
	fphost_tx_clear(t->fh);
	expect_ack_frame(t, &p, ack);
}

/* With SACK negotiated, every ACK sent while the out-of-order interval
 * holds data reports it; a dropped segment does not change it. */
static void sack_reports_ooo_interval(void **state)
{
	struct tflow *t = *state;
	const uint32_t b1[] = { TF_IRS + 100, TF_IRS + 200 }, b2[] = { TF_IRS + 100, TF_IRS + 250 };
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	expect_sack(t, TF_IRS, 1, b1);
	tflow_send(t, TF_IRS + 200, TH_ACK, data + 200, 50);   /* extends the interval */
	expect_sack(t, TF_IRS, 1, b2);
	tflow_send(t, TF_IRS + 300, TH_ACK, data + 300, 100);  /* disjoint: dropped */
	expect_sack(t, TF_IRS, 1, b2);
	tflow_send(t, TF_IRS, TH_ACK, data, 50);               /* in order, gap left */
	delivered_event(t, NULL);
	expect_sack(t, TF_IRS + 50, 1, b2);
	tflow_send(t, TF_IRS + 50, TH_ACK, data + 50, 50);     /* fills it */
	assert_int_equal(delivered_event(t, NULL), 200);
	expect_sack(t, TF_IRS + 250, 0, NULL);
	check_rx_bytes(t, TF_IRS, data, 250);
}

/* An old duplicate is answered with a D-SACK block (RFC 2883), followed
 * by the interval if there is one, and so is a duplicate of data the
 * interval holds; a duplicate without payload gets none. */
static void dsack_reports_duplicate(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	delivered_event(t, NULL);
	fphost_tx_clear(t->fh);
	const uint32_t d[] = { TF_IRS + 20, TF_IRS + 60 };
	tflow_send(t, TF_IRS + 20, TH_ACK, data + 20, 40);
	assert_int_equal(drops(t, TOFFEE_DROP_OLD_DATA), 1);
	expect_sack(t, TF_IRS + 100, 1, d);
	tflow_send(t, TF_IRS + 200, TH_ACK, data + 200, 100);  /* an interval */
	fphost_tx_clear(t->fh);
	const uint32_t d2[] = { TF_IRS, TF_IRS + 100, TF_IRS + 200, TF_IRS + 300 };
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	expect_sack(t, TF_IRS + 100, 2, d2);
	const uint32_t i1[] = { TF_IRS + 200, TF_IRS + 300 };
	tflow_send(t, TF_IRS + 50, TH_ACK, NULL, 0);           /* old, no payload */
	expect_sack(t, TF_IRS + 100, 1, i1);
	const uint32_t d3[] = { TF_IRS + 220, TF_IRS + 260, TF_IRS + 200, TF_IRS + 300 };
	tflow_send(t, TF_IRS + 220, TH_ACK, data + 220, 40);   /* inside the interval */
	expect_sack(t, TF_IRS + 100, 2, d3);
	const uint32_t i2[] = { TF_IRS + 200, TF_IRS + 310 };
	tflow_send(t, TF_IRS + 250, TH_ACK, data + 250, 60);   /* extends it: no D-SACK */
	expect_sack(t, TF_IRS + 100, 1, i2);
	assert_int_equal(delivered_event(t, NULL), 0);
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	assert_int_equal(delivered_event(t, NULL), 210);
	check_rx_bytes(t, TF_IRS, data, 310);
	fphost_tx_clear(t->fh);
	const uint32_t d4[] = { TF_IRS + 280, TF_IRS + 310 };
	tflow_send(t, TF_IRS + 280, TH_ACK, data + 280, 50);   /* its front is old */
	assert_int_equal(delivered_event(t, NULL), 20);
	expect_sack(t, TF_IRS + 330, 1, d4);
	check_rx_bytes(t, TF_IRS, data, 330);
}

/* Without SACK negotiated the same ACKs carry no blocks. */
static void no_sack_unless_negotiated(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	expect_sack(t, TF_IRS, 0, NULL);
	tflow_send(t, TF_IRS + 100, TH_ACK, data + 100, 100);
	expect_sack(t, TF_IRS, 0, NULL);
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	delivered_event(t, NULL);
	fphost_tx_clear(t->fh);
	tflow_send(t, TF_IRS, TH_ACK, data, 100);
	expect_sack(t, TF_IRS + 200, 0, NULL);
}

static void window_limits_data(void **state)
{
	struct tflow *t = *state;
	uint32_t seq = TF_IRS;
	while (seq - TF_IRS + 1000 <= 65536 - 300) {           /* fill to 300 short */
		tflow_send(t, seq, TH_ACK, data + (seq - TF_IRS), 1000);
		seq += 1000;
	}
	delivered_event(t, NULL);
	fphost_tx_clear(t->fh);
	uint32_t room = 65536 - (seq - TF_IRS);
	tflow_send(t, seq, TH_ACK, data + (seq - TF_IRS), 1000); /* tail trimmed */
	assert_int_equal(delivered_event(t, NULL), room);
	expect_ack(t, seq + room);
	assert_int_equal(tflow_state(t).rx_avail, 0);
	/* Zero window: payload is a probe for the slow path. */
	tflow_send(t, seq + room, TH_ACK, data, 1);
	assert_int_equal(excs(t, TOFFEE_EXC_ZERO_WINDOW), 1);
	/* Consuming re-opens the window with an update. */
	fphost_tx_clear(t->fh);
	assert_int_equal(fphost_ctx_cmd(t->fh, 0, t->id, 0, 30000), 0);
	fphost_poll(t->fh, 8);
	struct tpkt_parsed p;
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.win, 30000);
	/* Data wholly beyond the window is punted. */
	tflow_send(t, seq + room + 40000, TH_ACK, data, 10);
	assert_int_equal(excs(t, TOFFEE_EXC_OUT_OF_WINDOW), 1);
}

static void wraps_in_receive_buffer(void **state)
{
	struct tflow *t = *state;
	/* Reinstall with rcv_nxt 50 bytes before the buffer end. */
	assert_int_equal(fphost_flow_remove(t->fh, t->id), 0);
	t->f.rcv_nxt = (1u << 20) - 50;
	assert_int_equal(fphost_flow_install(t->fh, t->id, &t->f), 0);
	tflow_send(t, t->f.rcv_nxt, TH_ACK, data, 200);
	assert_int_equal(delivered_event(t, NULL), 200);
	check_rx_bytes(t, t->f.rcv_nxt, data, 200);
	expect_ack(t, t->f.rcv_nxt + 200);
}

static void corrupt_frames_dropped(void **state)
{
	struct tflow *t = *state;
	uint32_t n = tflow_frame(t, TF_IRS, TH_ACK, data, 200);
	t->frame[n - 5] ^= 0x40;                                /* payload bit */
	fphost_rx(t->fh, t->frame, n);
	assert_int_equal(drops(t, TOFFEE_DROP_TCP_CSUM), 1);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 200);
	t->frame[14 + 8] ^= 1;                                  /* TTL: IP checksum */
	fphost_rx(t->fh, t->frame, n);
	assert_int_equal(drops(t, TOFFEE_DROP_IP_CSUM), 1);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 200);
	for (uint32_t cut = 0; cut < 14 + 20 + 32 + 5; cut++) /* truncations */
		fphost_rx(t->fh, t->frame, cut);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 200);
	t->frame[14 + 20 + 12] = 0x30;                          /* data offset 12 */
	fphost_rx(t->fh, t->frame, n);
	assert_int_equal(drops(t, TOFFEE_DROP_TCP_HDR), 1);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 200);
	t->frame[14 + 2] = 0x10;                                /* total length > frame */
	fphost_rx(t->fh, t->frame, n);
	fphost_poll(t->fh, 8);
	assert_int_equal(delivered_event(t, NULL), 0);
	assert_int_equal(t->fh->n_tx, 0);
	assert_int_equal(tflow_state(t).rcv_nxt, TF_IRS);
	assert_true(drops(t, TOFFEE_DROP_RUNT) + drops(t, TOFFEE_DROP_IP_HDR) >= 14 + 20 + 32 + 5 - 1);
	/* Ethernet padding after the IP datagram is ignored. */
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 2);
	memset(t->frame + n, 0xee, 10);
	fphost_rx(t->fh, t->frame, n + 10);
	assert_int_equal(delivered_event(t, NULL), 2);
}

/* Build a frame, apply @p mutate, deliver, and check it was punted for
 * @p reason with the frame intact in the exception slot. */
static void expect_punt(struct tflow *t, uint32_t n, unsigned reason, uint32_t flow)
{
	uint8_t copy[2048];
	memcpy(copy, t->frame, n);
	uint64_t before = excs(t, reason);
	fphost_rx(t->fh, t->frame, n);
	fphost_poll(t->fh, 8);
	struct toffee_sp_exc e;
	uint8_t slot[TOFFEE_FRAME_SLOT];
	assert_int_equal(fphost_exc_next(t->fh, &e, slot), 1);
	assert_int_equal(e.reason, reason);
	assert_int_equal(e.flow_id, flow);
	assert_int_equal(e.frame_len, n);
	assert_memory_equal(slot, copy, n);
	assert_int_equal(excs(t, reason), before + 1);
}

static void punt_reasons(void **state)
{
	struct tflow *t = *state;
	uint32_t n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	t->frame[12] = 0x08; t->frame[13] = 0x06;                     /* ARP */
	expect_punt(t, n, TOFFEE_EXC_NOT_IPV4, TOFFEE_FLOW_NONE);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	t->frame[14 + 6] |= 0x20;                                     /* MF */
	t->frame[14 + 10] = t->frame[14 + 11] = 0;
	uint16_t c = tpkt_csum(t->frame + 14, 20, 0);
	t->frame[24] = (uint8_t)(c >> 8); t->frame[25] = (uint8_t)c;
	expect_punt(t, n, TOFFEE_EXC_IP_OPTS_FRAG, TOFFEE_FLOW_NONE);
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	t->frame[14 + 9] = 17;                                        /* UDP */
	t->frame[24] = t->frame[25] = 0;
	c = tpkt_csum(t->frame + 14, 20, 0);
	t->frame[24] = (uint8_t)(c >> 8); t->frame[25] = (uint8_t)c;
	expect_punt(t, n, TOFFEE_EXC_NOT_TCP, TOFFEE_FLOW_NONE);
	struct tpkt p = { .src_ip = TF_PEER_IP, .dst_ip = TF_NIC_IP, .src_port = 9, .dst_port = TF_NIC_PORT,
			  .seq = 1, .flags = TH_SYN, .dst_mac = {2, 0, 0, 0, 0, 1} };
	n = tpkt_build(t->frame, &p, NULL, 0);
	expect_punt(t, n, TOFFEE_EXC_NO_FLOW, TOFFEE_FLOW_NONE);
	n = tflow_frame(t, TF_IRS - 1, TH_SYN | TH_ACK, NULL, 0);
	expect_punt(t, n, TOFFEE_EXC_SYN, t->id);
	n = tflow_frame(t, TF_IRS, TH_RST | TH_ACK, NULL, 0);
	expect_punt(t, n, TOFFEE_EXC_RST, t->id);
	n = tflow_frame(t, TF_IRS, 0, data, 10);
	expect_punt(t, n, TOFFEE_EXC_NO_ACK, t->id);
	static const uint8_t mss_opt[4] = {2, 4, 5, 0xb4};
	struct tpkt q = { .src_ip = TF_PEER_IP, .dst_ip = TF_NIC_IP, .src_port = TF_PEER_PORT,
			  .dst_port = TF_NIC_PORT, .seq = TF_IRS, .ack = TF_ISS, .flags = TH_ACK,
			  .win = 100, .opts = mss_opt, .opt_len = 4, .dst_mac = {2, 0, 0, 0, 0, 1} };
	n = tpkt_build(t->frame, &q, data, 10);
	expect_punt(t, n, TOFFEE_EXC_OPTIONS, t->id);
	t->peer_ack = TF_ISS + 1;                                       /* never sent */
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	expect_punt(t, n, TOFFEE_EXC_ACK_UNACCEPTABLE, t->id);
	t->peer_ack = TF_ISS - 65536;         /* RFC 5961 §5: before any window (shift 0) */
	n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	expect_punt(t, n, TOFFEE_EXC_ACK_UNACCEPTABLE, t->id);
	t->peer_ack = TF_ISS;
	assert_int_equal(delivered_event(t, NULL), 0);
	assert_int_equal(tflow_state(t).rcv_nxt, TF_IRS);
}

static void fin_delivered_then_punted(void **state)
{
	struct tflow *t = *state;
	uint32_t n = tflow_frame(t, TF_IRS, TH_ACK | TH_FIN, data, 10);
	uint8_t evf = 0;
	fphost_rx(t->fh, t->frame, n);
	fphost_poll(t->fh, 8);
	assert_int_equal(delivered_event(t, &evf), 10);
	assert_int_equal(evf, TOFFEE_EVF_FIN);
	expect_ack(t, TF_IRS + 11);
	struct toffee_sp_exc e;
	assert_int_equal(fphost_exc_next(t->fh, &e, NULL), 1);
	assert_int_equal(e.reason, TOFFEE_EXC_FIN);
	assert_true(tflow_state(t).flags & TOFFEE_FLOWF_FIN_RCVD);
	/* A retransmitted FIN is old: acknowledged again, not delivered. */
	tflow_send(t, TF_IRS, TH_ACK | TH_FIN, data, 10);
	expect_ack(t, TF_IRS + 11);
	assert_int_equal(fphost_exc_next(t->fh, &e, NULL), 0);
}

static void ooo_fin_not_accepted(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS + 10, TH_ACK | TH_FIN, data, 10);
	expect_ack(t, TF_IRS);
	tflow_send(t, TF_IRS, TH_ACK, data, 10);
	assert_int_equal(delivered_event(t, NULL), 20);
	expect_ack(t, TF_IRS + 20);                  /* data merged, FIN not */
	assert_false(tflow_state(t).flags & TOFFEE_FLOWF_FIN_RCVD);
}

static void full_event_ring_not_acked(void **state)
{
	struct tflow *t = *state;
	uint32_t seq = TF_IRS, ring = 1u << 10;          /* fphost default ctx ring */
	for (uint32_t i = 0; i < ring; i++, seq += 10)
		tflow_send(t, seq, TH_ACK, data, 10);
	fphost_tx_clear(t->fh);
	tflow_send(t, seq, TH_ACK, data, 10);
	assert_int_equal(drops(t, TOFFEE_DROP_CTX_FULL), 1);
	assert_int_equal(t->fh->n_tx, 0);
	assert_int_equal(delivered_event(t, NULL), ring * 10);
	tflow_send(t, seq, TH_ACK, data, 10);            /* room again */
	assert_int_equal(delivered_event(t, NULL), 10);
	expect_ack(t, seq + 10);
}

static void ce_mark_echoed(void **state)
{
	struct tflow *t = *state;
	uint32_t n = tflow_frame(t, TF_IRS, TH_ACK, data, 10);
	t->frame[15] = 0x03;                             /* CE */
	t->frame[24] = t->frame[25] = 0;
	uint16_t c = tpkt_csum(t->frame + 14, 20, 0);
	t->frame[24] = (uint8_t)(c >> 8); t->frame[25] = (uint8_t)c;
	fphost_rx(t->fh, t->frame, n);
	struct tpkt_parsed p;
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.flags, TH_ACK | TH_ECE);
	fphost_tx_clear(t->fh);
	tflow_send(t, TF_IRS + 10, TH_ACK, data, 10);    /* not marked */
	tflow_tx(t, 0, &p);
	assert_int_equal(p.h.flags, TH_ACK);
}

/* REMOVE with an iova returns the state as removed: what the segments
 * before it made of it (the slow path's early-data merge relies on it);
 * without one it writes nothing. */
static void remove_returns_final_state(void **state)
{
	struct tflow *t = *state;
	tflow_send(t, TF_IRS, TH_ACK, data, 300);
	assert_int_equal(delivered_event(t, NULL), 300);
	fphost_tx_clear(t->fh);
	struct toffee_flow now, gone;
	assert_int_equal(fphost_flow_read(t->fh, t->id, &now), 0);
	assert_int_equal(now.rcv_nxt, TF_IRS + 300);
	assert_int_equal(fphost_flow_remove_read(t->fh, t->id, &gone), 0);
	assert_int_equal(gone.rcv_nxt, TF_IRS + 300);
	assert_int_equal(gone.rx_avail, now.rx_avail);
	assert_int_equal(gone.nic_flags & FP_NF_VALID, 0);
	assert_int_not_equal(now.nic_flags & FP_NF_VALID, 0);
	/* plain REMOVE (iova 0) of the reinstalled flow: scratch untouched */
	assert_int_equal(fphost_flow_install(t->fh, t->id, &t->f), 0);
	memset(fphost_ptr(t->fh, t->fh->scratch_iova, 128), 0xa5, 128);
	assert_int_equal(fphost_flow_remove(t->fh, t->id), 0);
	const uint8_t *p = fphost_ptr(t->fh, t->fh->scratch_iova, 128);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(p[i], 0xa5);
	/* and a second REMOVE finds nothing */
	assert_int_equal(fphost_flow_remove_read(t->fh, t->id, &gone), -ENOENT);
	assert_int_equal(fphost_flow_install(t->fh, t->id, &t->f), 0);
}

#define T(fn, su) cmocka_unit_test_setup_teardown(fn, su, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(in_order_delivered_and_acked, setup),
		T(ooo_interval_merged, setup),
		T(second_ooo_interval_dropped, setup),
		T(old_and_overlapping_data, setup),
		T(window_limits_data, setup),
		T(wraps_in_receive_buffer, setup),
		T(corrupt_frames_dropped, setup),
		T(punt_reasons, setup),
		T(fin_delivered_then_punted, setup),
		T(ooo_fin_not_accepted, setup),
		T(full_event_ring_not_acked, setup),
		T(ce_mark_echoed, setup_ecn),
		T(remove_returns_final_state, setup),
		T(sack_reports_ooo_interval, setup_sack),
		T(sack_reports_ooo_interval, setup_sack_no_ts),
		T(dsack_reports_duplicate, setup_sack),
		T(dsack_reports_duplicate, setup_sack_no_ts),
		T(no_sack_unless_negotiated, setup),
	};
	int failed = cmocka_run_group_tests_name("rx", tests, NULL, NULL);
	tflow_host_map = true;      /* again, the core reaching host memory itself */
	return failed + cmocka_run_group_tests_name("rx, host memory mapped", tests, NULL, NULL);
}
