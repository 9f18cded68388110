/* SPDX-License-Identifier: MIT */
/* The event API on a fake context: the test plays toffeed (control socket)
 * and the NIC (EV/CMD rings) by the book of abi.h and appproto.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "tl_fake.h"

static struct tl_fake F;

static int setup(void **st)
{
	(void)st;
	return tl_fake_init(&F, 4, 3);
}

static int teardown(void **st)
{
	(void)st;
	tl_fake_fini(&F);
	return 0;
}

/* Listen with the reply queued up front (toffee_listen waits for it). */
static struct toffee_listener *listen_on(uint16_t port, uint32_t lid)
{
	struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = F.ctx->next_req + 1, .id = lid,
				   .local_port = port };
	tl_sp_send(&F, &r);
	struct toffee_listener *l;
	struct toffee_addr a = { 0, port };
	assert_int_equal(toffee_listen(F.ctx, &a, 8, TOFFEE_F_REUSEPORT, (void *)0x1234, &l), 0);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_LISTEN);
	assert_int_equal(m.local_port, port);
	assert_int_equal(m.arg, 8);
	assert_true(m.flags & TOFFEE_APPF_REUSEPORT);
	return l;
}

static struct toffee_conn *accept_one(struct toffee_listener *l, const struct toffee_app_flow *af,
				      uint32_t lid)
{
	struct toffee_appmsg m = { .type = TOFFEE_APP_ACCEPTED, .id = lid, .flow = *af };
	tl_sp_send(&F, &m);
	struct toffee_event ev[4];
	int n = toffee_poll(F.ctx, ev, 4, 1000);
	assert_int_equal(n, 1);
	assert_ptr_equal(ev[0].listener, l);
	assert_null(ev[0].conn);
	assert_true(ev[0].events & TOFFEE_EV_ACCEPT);
	assert_ptr_equal(ev[0].user, (void *)0x1234);
	assert_int_equal(toffee_accept_pending(l), 1);
	struct toffee_conn *c;
	uint32_t notices = F.accepting;
	struct toffee_appmsg note;
	assert_int_equal(toffee_accept(l, &c), 0);
	assert_int_equal(toffee_accept(l, &c), -EAGAIN);
	assert_int_equal(tl_sp_recv(&F, &note), 0);
	assert_true(F.accepting - notices <= 1);      /* ACCEPTING: once per listener */
	return c;
}

/* The NIC takes every command posted so far (a close waits for that). */
static void nic_drain(void)
{
	struct toffee_ctx_cmd cmd;
	while (tl_nic_cmd(&F, &cmd) != 0)
		;
}

static void drain_events(void)
{
	struct toffee_event ev[16];
	while (toffee_poll(F.ctx, ev, 16, 0) > 0)
		;
}

static void test_receive_wrap_and_consume(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(80, 7);
	/* rx_seq close to the end of the 4 KiB buffer and of 2^32 */
	struct toffee_app_flow af = tl_flow(&F, 5, 12, 12, 0xfffffff0u, 1000);
	struct toffee_conn *c = accept_one(l, &af, 7);
	struct toffee_conn_info i;
	assert_int_equal(toffee_conn_info(c, &i), 0);
	assert_int_equal(i.state, TOFFEE_CONN_OPEN);
	assert_int_equal(i.rx_size, 4096);
	assert_int_equal(i.tx_free, 4096);
	assert_int_equal(i.local.port, 80);
	char data[100];
	for (int k = 0; k < 100; k++)
		data[k] = (char)('a' + k % 26);
	tl_nic_deposit(&F, &af, af.rx_seq, data, 100);
	assert_true(tl_nic_ev(&F, 5, 100, 0, 0));
	toffee_conn_set_user(c, (void *)0x55);
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_ptr_equal(ev[0].conn, c);
	assert_ptr_equal(ev[0].user, (void *)0x55);
	assert_int_equal(ev[0].events, TOFFEE_EV_RX);
	void *p1, *p2;
	size_t l1, l2;
	assert_int_equal(toffee_rx_peek(c, &p1, &l1, &p2, &l2), 100);
	assert_int_equal(l1, 16);              /* 4096 - 0xff0 */
	assert_int_equal(l2, 84);
	assert_memory_equal(p1, data, 16);
	assert_memory_equal(p2, data + 16, 84);
	assert_int_equal(toffee_rx_consume(c, 101), -EINVAL);
	assert_int_equal(toffee_rx_consume(c, 30), 0);
	struct toffee_ctx_cmd cmd;
	assert_int_equal(tl_nic_cmd(&F, &cmd), 1);
	assert_int_equal(cmd.flow_id, 5);
	assert_int_equal(cmd.rx_bytes, 30);
	assert_int_equal(cmd.tx_bytes, 0);
	assert_int_equal(cmd.flags, 0);
	char buf[200];
	assert_int_equal(toffee_recv(c, buf, 5, TOFFEE_RECV_PEEK), 5);
	assert_memory_equal(buf, data + 30, 5);
	assert_int_equal(tl_nic_cmd(&F, &cmd), 0);      /* peek consumes nothing */
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 70);
	assert_memory_equal(buf, data + 30, 70);
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), -EAGAIN);
	/* the peer's FIN: EOF after the data */
	tl_nic_deposit(&F, &af, af.rx_seq + 100, "xyz", 3);
	assert_true(tl_nic_ev(&F, 5, 3, 0, TOFFEE_EVF_FIN));
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_int_equal(ev[0].events, TOFFEE_EV_RX | TOFFEE_EV_FIN);
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 3);
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 0);
	nic_drain();
	toffee_abort(c);
	toffee_listener_close(l);
}

static void test_send_and_freed(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(81, 1);
	struct toffee_app_flow af = tl_flow(&F, 9, 12, 12, 0, 0xfffff800u);
	struct toffee_conn *c = accept_one(l, &af, 1);
	char big[5000];
	for (int k = 0; k < 5000; k++)
		big[k] = (char)k;
	assert_int_equal(toffee_send(c, big, 5000), 4096);   /* the buffer's worth */
	assert_int_equal(toffee_send(c, big, 10), -EAGAIN);
	struct toffee_ctx_cmd cmd;
	assert_int_equal(tl_nic_cmd(&F, &cmd), 1);
	assert_int_equal(cmd.tx_bytes, 4096);
	char got[4096];
	tl_nic_fetch(&F, &af, af.tx_seq, got, 4096);
	assert_memory_equal(got, big, 4096);
	/* the peer acknowledges 1000 bytes */
	assert_true(tl_nic_ev(&F, 9, 0, 1000, 0));
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_int_equal(ev[0].events, TOFFEE_EV_TX);
	/* zero-copy append across the wrap */
	void *p1, *p2;
	size_t l1, l2;
	assert_int_equal(toffee_tx_reserve(c, &p1, &l1, &p2, &l2), 1000);
	assert_int_equal(l1 + l2, 1000);
	memset(p1, 'A', l1);
	memset(p2, 'B', l2);
	assert_int_equal(toffee_tx_commit(c, 1001), -EINVAL);
	assert_int_equal(toffee_tx_commit(c, 1000), 0);
	assert_int_equal(tl_nic_cmd(&F, &cmd), 1);
	assert_int_equal(cmd.tx_bytes, 1000);
	/* an EV freeing more than was appended is bounded and counted */
	assert_true(tl_nic_ev(&F, 9, 0, 999999, 0));
	drain_events();
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.ev_bad, 1);
	struct toffee_conn_info i;
	toffee_conn_info(c, &i);
	assert_int_equal(i.tx_free, 4096);
	toffee_abort(c);
	toffee_listener_close(l);
}

static void test_close_posts_fin_then_closed(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(82, 2);
	struct toffee_app_flow af = tl_flow(&F, 3, 12, 12, 0, 500);
	struct toffee_conn *c = accept_one(l, &af, 2);
	assert_int_equal(toffee_send(c, "hello", 5), 5);
	struct toffee_ctx_cmd cmd;
	assert_int_equal(tl_nic_cmd(&F, &cmd), 1);
	/* close: the FIN flag travels on the CMD ring in order; the library waits
	 * for the NIC to take it before telling toffeed */
	F.nic_cmd_head++;                /* NIC takes the next entry "early" */
	toffee_close(c);
	struct toffee_ctx_cmd *fin = (struct toffee_ctx_cmd *)(F.region + F.cmd_off) + 1;
	assert_int_equal(fin->flow_id, 3);
	assert_int_equal(fin->flags, TOFFEE_CMDF_FIN);
	assert_int_equal(fin->tx_bytes, 0);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_CLOSE);
	assert_int_equal(m.id, 3);
	assert_int_equal(m.arg, 505);   /* sequence after the last byte appended */
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.flows, 1);   /* kept until CLOSED */
	/* events after close are absorbed; CLOSED frees */
	assert_true(tl_nic_ev(&F, 3, 0, 5, 0));
	struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = m.req };
	tl_sp_send(&F, &r);
	struct toffee_appmsg cl = { .type = TOFFEE_APP_CLOSED, .id = 3 };
	tl_sp_send(&F, &cl);
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 50), 0);
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.flows, 0);
	toffee_listener_close(l);
}

static void test_unread_close_aborts(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(83, 3);
	struct toffee_app_flow af = tl_flow(&F, 4, 12, 12, 0, 0);
	struct toffee_conn *c = accept_one(l, &af, 3);
	assert_true(tl_nic_ev(&F, 4, 10, 0, 0));
	drain_events();
	toffee_close(c);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_ABORT);
	assert_int_equal(m.id, 4);
	/* ABORT refused (toffeed forgot the flow): freed at once */
	struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = m.req, .status = -ENOENT };
	tl_sp_send(&F, &r);
	drain_events();
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.flows, 0);
	toffee_listener_close(l);
}

static void test_events_before_accepted_are_stashed(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(84, 4);
	struct toffee_app_flow af = tl_flow(&F, 11, 12, 12, 777, 0);
	tl_nic_deposit(&F, &af, 777, "early!", 6);
	assert_true(tl_nic_ev(&F, 11, 4, 0, 0));
	assert_true(tl_nic_ev(&F, 11, 2, 0, TOFFEE_EVF_FIN));
	drain_events();                  /* consumed: unknown flow, kept aside */
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.ev_unknown, 2);
	struct toffee_conn *c = accept_one(l, &af, 4);
	char buf[16];
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "early!", 6);
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 0);   /* FIN came too */
	F.nic_cmd_head = F.ctx->cmdq.tail + 1;   /* the NIC takes the FIN at once */
	toffee_close(c);
	struct toffee_appmsg m;
	while (tl_sp_recv(&F, &m))
		;
	struct toffee_appmsg cl = { .type = TOFFEE_APP_CLOSED, .id = 11 };
	tl_sp_send(&F, &cl);
	drain_events();
	toffee_listener_close(l);
}

/* A burst of connections whose data arrives before any of them is
 * announced: every event is kept (more ids than the stash first holds, so
 * it grows), and every connection sees its bytes once accepted. */
static void test_stash_burst_keeps_every_event(void **st)
{
	(void)st;
	enum { N = 300, BASE = 100 };
	struct toffee_listener *l = listen_on(90, 9);
	struct toffee_app_flow af[N];
	for (uint32_t i = 0; i < N; i++) {
		char msg[8];
		snprintf(msg, sizeof(msg), "m%05u", i);
		af[i] = tl_flow(&F, BASE + i, 12, 12, 1000 + i, 0);
		tl_nic_deposit(&F, &af[i], 1000 + i, msg, 6);
		assert_true(tl_nic_ev(&F, BASE + i, 6, 0, 0));
		if (i % 4 == 3)
			drain_events();          /* the ring is small: consume as the app would */
	}
	drain_events();
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.ev_unknown, N);
	assert_int_equal(s.ev_bad, 0);
	for (uint32_t i = 0; i < N; i++) {
		/* announced in an order of their own: the table's deletions shift runs */
		uint32_t k = (i * 7) % N;
		struct toffee_conn *c = accept_one(l, &af[k], 9);
		char buf[16], want[8];
		snprintf(want, sizeof(want), "m%05u", k);
		assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 6);
		assert_memory_equal(buf, want, 6);
	}
	assert_int_equal(F.ctx->stash.n, 0);
	toffee_listener_close(l);
}

static void test_accepted_with_handshake_data(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(85, 5);
	struct toffee_app_flow af = tl_flow(&F, 12, 12, 12, 50, 0);
	tl_nic_deposit(&F, &af, 50, "GET /", 5);
	struct toffee_appmsg m = { .type = TOFFEE_APP_ACCEPTED, .id = 5, .flow = af,
				   .arg = 5, .flags = TOFFEE_APPF_FIN };
	tl_sp_send(&F, &m);
	drain_events();
	struct toffee_conn *c;
	assert_int_equal(toffee_accept(l, &c), 0);
	char buf[8];
	assert_int_equal(toffee_recv(c, buf, 8, 0), 5);
	assert_memory_equal(buf, "GET /", 5);
	assert_int_equal(toffee_recv(c, buf, 8, 0), 0);
	nic_drain();
	toffee_abort(c);
	toffee_listener_close(l);
}

static void test_reset_keeps_data(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(86, 6);
	struct toffee_app_flow af = tl_flow(&F, 13, 12, 12, 0, 0);
	struct toffee_conn *c = accept_one(l, &af, 6);
	tl_nic_deposit(&F, &af, 0, "abc", 3);
	assert_true(tl_nic_ev(&F, 13, 3, 0, 0));
	struct toffee_appmsg m = { .type = TOFFEE_APP_RESET, .id = 13, .status = -ETIMEDOUT };
	tl_sp_send(&F, &m);
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_true(ev[0].events & TOFFEE_EV_ERROR);
	assert_int_equal(ev[0].status, -ETIMEDOUT);
	char buf[8];
	assert_int_equal(toffee_send(c, "x", 1), -ETIMEDOUT);
	assert_int_equal(toffee_recv(c, buf, 8, 0), 3);             /* still readable */
	assert_int_equal(toffee_recv(c, buf, 8, 0), -ETIMEDOUT);
	/* releasing a reset flow: ABORT, then CLOSED */
	toffee_close(c);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_ABORT);
	struct toffee_ctx_cmd cmd;
	while (tl_nic_cmd(&F, &cmd) == 1)
		assert_int_equal(cmd.flags, 0);                    /* no FIN for a reset flow */
	struct toffee_appmsg cl = { .type = TOFFEE_APP_CLOSED, .id = 13 };
	tl_sp_send(&F, &cl);
	drain_events();
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.flows, 0);
	toffee_listener_close(l);
}

static void test_connect_ok_failed_and_early_close(void **st)
{
	(void)st;
	struct toffee_conn *c, *d, *e;
	struct toffee_addr r = { 0x0a000002, 443 };
	assert_int_equal(toffee_connect(F.ctx, &r, NULL, TOFFEE_F_NODELAY, (void *)1, &c), 0);
	assert_int_equal(toffee_send(c, "x", 1), -ENOTCONN);
	assert_int_equal(toffee_rx_peek(c, NULL, NULL, NULL, NULL), -ENOTCONN);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_CONNECT);
	assert_int_equal(m.remote_ip, 0x0a000002);
	assert_int_equal(m.remote_port, 443);
	assert_true(m.flags & TOFFEE_APPF_NODELAY);
	struct toffee_appmsg ok = { .type = TOFFEE_APP_CONNECTED, .req = m.req,
				    .flow = tl_flow(&F, 20, 12, 12, 0, 0) };
	tl_sp_send(&F, &ok);
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_true(ev[0].events & TOFFEE_EV_CONNECTED);
	assert_ptr_equal(ev[0].user, (void *)1);
	assert_int_equal(toffee_send(c, "x", 1), 1);
	/* refused */
	assert_int_equal(toffee_connect(F.ctx, &r, NULL, 0, (void *)2, &d), 0);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	struct toffee_appmsg no = { .type = TOFFEE_APP_CONN_FAILED, .req = m.req, .status = -ECONNREFUSED };
	tl_sp_send(&F, &no);
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_true(ev[0].events & TOFFEE_EV_ERROR);
	assert_int_equal(ev[0].status, -ECONNREFUSED);
	struct toffee_conn_info i;
	toffee_conn_info(d, &i);
	assert_int_equal(i.state, TOFFEE_CONN_FAILED);
	toffee_close(d);                 /* freed locally, nothing sent */
	/* closed while connecting: aborted when CONNECTED arrives */
	assert_int_equal(toffee_connect(F.ctx, &r, NULL, 0, NULL, &e), 0);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	toffee_close(e);
	ok.req = m.req;
	ok.flow = tl_flow(&F, 21, 12, 12, 0, 0);
	tl_sp_send(&F, &ok);
	drain_events();
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_ABORT);
	assert_int_equal(m.id, 21);
	struct toffee_appmsg cl = { .type = TOFFEE_APP_CLOSED, .id = 21 };
	tl_sp_send(&F, &cl);
	drain_events();
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.flows, 1);    /* c only */
	struct toffee_ctx_cmd cmd;
	while (tl_nic_cmd(&F, &cmd) == 1)
		;
	toffee_abort(c);
}

static void test_cmd_ring_full_defers(void **st)
{
	(void)st;
	/* CMD ring of 8 entries: 12 flows each consume once, the NIC is asleep */
	struct toffee_listener *l = listen_on(87, 8);
	struct toffee_conn *cs[12];
	for (uint32_t k = 0; k < 12; k++) {
		struct toffee_app_flow af = tl_flow(&F, 100 + k, 12, 12, 0, 0);
		cs[k] = accept_one(l, &af, 8);
	}
	assert_int_equal(F.accepting, 1);
	for (uint32_t k = 0; k < 12; k++)
		assert_true(tl_nic_ev(&F, 100 + k, 10, 0, 0));
	drain_events();
	for (uint32_t k = 0; k < 12; k++)
		assert_int_equal(toffee_rx_consume(cs[k], 10), 0);
	struct toffee_ctx_stats s;
	toffee_ctx_stats(F.ctx, &s);
	assert_int_equal(s.cmd_full, 4);
	/* consume a second time on a deferred flow: merged, not a new entry */
	assert_true(tl_nic_ev(&F, 111, 5, 0, 0));
	drain_events();
	assert_int_equal(toffee_rx_consume(cs[11], 5), 0);
	struct toffee_ctx_cmd cmd;
	uint32_t seen = 0, bytes = 0;
	for (int round = 0; round < 4 && seen < 12; round++) {
		while (tl_nic_cmd(&F, &cmd) == 1) {
			seen++;
			bytes += cmd.rx_bytes;
		}
		toffee_ctx_process(F.ctx);   /* posts what waited */
	}
	assert_int_equal(seen, 12);
	assert_int_equal(bytes, 125);
	for (uint32_t k = 0; k < 12; k++)
		toffee_abort(cs[k]);
	toffee_listener_close(l);
}

static void test_closed_drains_stale_events(void **st)
{
	(void)st;
	/* An EV entry for a flow id that is then CLOSED and re-used must not
	 * reach the new flow. */
	struct toffee_listener *l = listen_on(88, 9);
	struct toffee_app_flow af = tl_flow(&F, 30, 12, 12, 0, 0);
	struct toffee_conn *c = accept_one(l, &af, 9);
	toffee_abort(c);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_true(tl_nic_ev(&F, 30, 7, 0, 0));      /* written before the removal */
	struct toffee_appmsg cl = { .type = TOFFEE_APP_CLOSED, .id = 30 };
	tl_sp_send(&F, &cl);
	struct toffee_app_flow af2 = tl_flow(&F, 30, 12, 12, 0, 0);
	struct toffee_appmsg acc = { .type = TOFFEE_APP_ACCEPTED, .id = 9, .flow = af2 };
	tl_sp_send(&F, &acc);
	drain_events();
	struct toffee_conn *c2;
	assert_int_equal(toffee_accept(l, &c2), 0);
	struct toffee_conn_info i;
	toffee_conn_info(c2, &i);
	assert_int_equal(i.rx_avail, 0);
	toffee_abort(c2);
	toffee_listener_close(l);
}

static void test_listener_close_aborts_queue(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(89, 10);
	struct toffee_app_flow af = tl_flow(&F, 40, 12, 12, 0, 0);
	struct toffee_appmsg acc = { .type = TOFFEE_APP_ACCEPTED, .id = 10, .flow = af };
	tl_sp_send(&F, &acc);
	drain_events();
	toffee_listener_close(l);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_UNLISTEN);
	assert_int_equal(m.id, 10);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_ABORT);
	assert_int_equal(m.id, 40);
	/* a connection arriving for the closed listener is aborted too */
	acc.flow = tl_flow(&F, 41, 12, 12, 0, 0);
	tl_sp_send(&F, &acc);
	drain_events();
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_ABORT);
	assert_int_equal(m.id, 41);
}

static void test_hangup(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(90, 11);
	struct toffee_app_flow af = tl_flow(&F, 50, 12, 12, 0, 0);
	struct toffee_conn *c = accept_one(l, &af, 11);
	close(F.sp[1]);
	F.sp[1] = -1;
	struct toffee_event ev[4];
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 1000), 1);
	assert_true(ev[0].events & TOFFEE_EV_ERROR);
	assert_int_equal(toffee_send(c, "x", 1), -ECONNRESET);
	assert_int_equal(toffee_poll(F.ctx, ev, 4, 10), -ENOTCONN);
	struct toffee_conn *d;
	struct toffee_addr r = { 1, 2 };
	assert_int_equal(toffee_connect(F.ctx, &r, NULL, 0, NULL, &d), -ENOTCONN);
	toffee_close(c);
}

/* A fork child takes over a connection it inherited (TAKEOVER): the request
 * carries the key and its positions, the reply's flow and counts make the
 * connection (bytes ready from rx_seq with the peer's FIN after them, bytes
 * appended and unacknowledged from tx_seq), and says the socket is still
 * shared. */
static void test_takeover(void **st)
{
	(void)st;
	struct tf_inherited inh = { .id = 9, .key = 0x1122334455667788ull, .rx_head = 500, .tx_tail = 900 };
	struct toffee_app_flow af = tl_flow(&F, 9, 12, 12, 500, 850);
	char data[100];
	memset(data, 'x', sizeof(data));
	tl_nic_deposit(&F, &af, 500, data, 100);
	struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = F.ctx->next_req + 1, .id = 9,
				   .flow = af, .arg = 100, .arg2 = 50,
				   .flags = TOFFEE_APPF_FIN | TOFFEE_APPF_SHARED };
	tl_sp_send(&F, &r);
	struct toffee_conn *c;
	assert_int_equal(tf_flow_takeover(F.ctx, &inh, -1, (void *)0x77, &c), 1);   /* still shared */
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_TAKEOVER);
	assert_int_equal(m.id, 9);
	assert_int_equal(m.arg | (uint64_t)m.arg2 << 32, inh.key);
	assert_int_equal(m.flow.rx_seq, 500);
	assert_int_equal(m.flow.tx_seq, 900);
	struct toffee_conn_info i;
	assert_int_equal(toffee_conn_info(c, &i), 0);
	assert_int_equal(i.state, TOFFEE_CONN_OPEN);
	assert_int_equal(i.rx_avail, 100);
	assert_true(i.fin_rx);
	assert_int_equal(i.tx_unacked, 50);
	assert_int_equal(i.tx_free, 4096 - 50);
	char buf[128];
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 100);
	assert_memory_equal(buf, data, 100);
	assert_int_equal(toffee_recv(c, buf, sizeof(buf), 0), 0);     /* then EOF */

	/* refused (a wrong key, a flow that cannot move): no connection */
	r = (struct toffee_appmsg){ .type = TOFFEE_APP_REPLY, .req = F.ctx->next_req + 1, .status = -EBADF };
	tl_sp_send(&F, &r);
	struct toffee_conn *c2 = NULL;
	unsigned flows = F.ctx->st.flows;
	assert_int_equal(tf_flow_takeover(F.ctx, &inh, -1, NULL, &c2), -EBADF);
	assert_null(c2);
	assert_int_equal(F.ctx->st.flows, flows);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
}

/* An owner lets go of a shared connection without a FIN (RELEASE): it stays
 * until CLOSED; a refusal frees it at once. Only keyed, open flows qualify. */
static void test_release(void **st)
{
	(void)st;
	struct toffee_listener *l = listen_on(81, 3);
	struct toffee_app_flow af = tl_flow(&F, 4, 12, 12, 10, 20);
	af.key_lo = 1;
	struct toffee_conn *c = accept_one(l, &af, 3);
	struct toffee_app_flow bf = tl_flow(&F, 6, 12, 12, 10, 20);  /* no key */
	struct toffee_conn *k = accept_one(l, &bf, 3);
	assert_false(tf_flow_can_release(k));
	assert_true(tf_flow_can_release(c));
	unsigned flows = F.ctx->st.flows;
	assert_int_equal(tf_flow_release(c), 0);
	struct toffee_appmsg m;
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	assert_int_equal(m.type, TOFFEE_APP_RELEASE);
	assert_int_equal(m.id, 4);
	struct toffee_ctx_cmd cmd;
	assert_int_equal(tl_nic_cmd(&F, &cmd), 0);          /* no FIN posted */
	assert_int_equal(F.ctx->st.flows, flows);           /* until CLOSED */
	struct toffee_appmsg closed = { .type = TOFFEE_APP_CLOSED, .id = 4 };
	tl_sp_send(&F, &closed);
	drain_events();
	assert_int_equal(F.ctx->st.flows, flows - 1);
	/* refused: let go of at once */
	struct toffee_app_flow cf = tl_flow(&F, 8, 12, 12, 10, 20);
	cf.key_lo = 2;
	c = accept_one(l, &cf, 3);
	assert_int_equal(tf_flow_release(c), 0);
	assert_int_equal(tl_sp_recv(&F, &m), 1);
	struct toffee_appmsg no = { .type = TOFFEE_APP_REPLY, .req = m.req, .status = -EBUSY };
	tl_sp_send(&F, &no);
	drain_events();
	assert_int_equal(F.ctx->st.flows, flows - 1);
	toffee_close(k);
	toffee_listener_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receive_wrap_and_consume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_and_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_posts_fin_then_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_close_aborts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_before_accepted_are_stashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stash_burst_keeps_every_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accepted_with_handshake_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_ok_failed_and_early_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_ring_full_defers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_drains_stale_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_close_aborts_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
