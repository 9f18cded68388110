/* SPDX-License-Identifier: MIT */
/* epoll and poll of the sockets layer over toffee sockets mixed with kernel
 * fds: level/edge-triggered and one-shot semantics, the library's own
 * descriptors never leaking into results, and a blocked wait woken by the
 * NIC's notification (the test plays the NIC on a fake context). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>
#include "ts_internal.h"
#include "tl_fake.h"

static struct tl_fake F;

/* A toffee socket in @p mode mapped at a fresh fd number. */
static struct ts_sock *fake_sock(int *fd, uint8_t mode)
{
	struct ts_sock *s = calloc(1, sizeof(*s));
	s->o.kind = TS_SOCK;
	s->o.nfd = 1;
	s->o.gen = ts.gen;
	s->mode = mode;
	s->share_a = -1;                        /* as sock_new() */
	*fd = eventfd(0, EFD_CLOEXEC);          /* only its number matters */
	assert_int_equal(ts_fd_set(*fd, &s->o), 0);
	return s;
}

/* An established toffee socket backed by a flow of the fake context. */
static struct ts_sock *conn_sock(int *fd, uint32_t flow_id, struct toffee_app_flow *af)
{
	struct ts_sock *s = fake_sock(fd, TS_CONNECTED);
	*af = tl_flow(&F, flow_id, 12, 12, 0, 0);
	struct toffee_appmsg m = { .type = TOFFEE_APP_CONNECTED, .req = F.ctx->next_req + 1 };
	struct toffee_addr r = { 1, 1 };
	assert_int_equal(toffee_connect(F.ctx, &r, NULL, 0, s, &s->conn), 0);
	m.flow = *af;
	tl_sp_send(&F, &m);
	ts_lock();
	ts_pump();
	ts_unlock();
	return s;
}

static int setup(void **st)
{
	(void)st;
	ts.spin_us = 0;
	return 0;
}

static int setup_ctx(void **st)
{
	(void)st;
	ts.spin_us = 0;
	if (tl_fake_init(&F, 6, 6) < 0)
		return -1;
	ts.ctx = F.ctx;
	return 0;
}

static int teardown_ctx(void **st)
{
	(void)st;
	ts.ctx = NULL;
	struct toffee_appmsg m;
	while (tl_sp_recv(&F, &m))
		;
	tl_fake_fini(&F);
	return 0;
}

static int wait_n(int ep, struct epoll_event *ev, int max, int ms)
{
	int n = ts_op_epoll_wait(ep, ev, max, ms, NULL);
	for (int i = 0; i < n; i++)
		assert_int_not_equal(ev[i].data.u64 & TS_EP_MAGIC_MASK, TS_EP_MAGIC);
	return n;
}

static void test_level_edge_oneshot(void **st)
{
	(void)st;
	int ep = epoll_create1(EPOLL_CLOEXEC), fd;
	struct ts_sock *s = fake_sock(&fd, TS_NEW);         /* POLLOUT | POLLHUP */
	struct epoll_event e = { .events = EPOLLOUT, .data.u64 = 111 }, ev[8];
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), 0);
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), -EEXIST);
	/* level-triggered: every call */
	for (int k = 0; k < 3; k++) {
		assert_int_equal(wait_n(ep, ev, 8, 0), 1);
		assert_int_equal(ev[0].data.u64, 111);
		assert_int_equal(ev[0].events, EPOLLOUT | EPOLLHUP);
	}
	/* edge-triggered: once per change */
	e.events = EPOLLOUT | EPOLLET;
	e.data.u64 = 222;
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	assert_int_equal(ev[0].data.u64, 222);
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	ts_lock();
	ts_sock_changed(s);
	ts_unlock();
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	/* one-shot: disabled after one report until MOD */
	e.events = EPOLLOUT | EPOLLONESHOT;
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	ts_lock();
	ts_sock_changed(s);
	ts_unlock();
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	/* interest in IN only: HUP and ERR still come (as the kernel does) */
	e.events = EPOLLIN;
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	assert_int_equal(ev[0].events, EPOLLHUP);
	s->mode = TS_CONNECTING;                             /* nothing */
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	s->mode = TS_NEW;
	s->so_error = ECONNREFUSED;                          /* failed connect */
	ts_lock();
	ts_sock_changed(s);
	ts_unlock();
	assert_int_equal(wait_n(ep, ev, 8, 0), 1);
	assert_int_equal(ev[0].events, EPOLLIN | EPOLLHUP | EPOLLERR);
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), 0);
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), -ENOENT);
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	/* a kernel fd: not ours */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), TS_PASS);
	close(p[0]);
	close(p[1]);
	assert_int_equal(ts_op_close(fd), 0);
	assert_int_equal(ts_op_close(ep), 0);
}

static void test_mixed_with_kernel_fds(void **st)
{
	(void)st;
	int ep = epoll_create1(EPOLL_CLOEXEC), fd1, fd2, p[2];
	assert_int_equal(pipe(p), 0);
	fake_sock(&fd1, TS_NEW);
	struct ts_sock *s2 = fake_sock(&fd2, TS_CONNECTING);
	struct epoll_event e = { .events = EPOLLOUT, .data.u64 = 1 }, ev[8];
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_ADD, fd1, &e), 0);
	e.data.u64 = 2;
	assert_int_equal(ts_op_epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &e), 0);
	e.events = EPOLLIN;
	e.data.u64 = 3;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	int n = wait_n(ep, ev, 8, 0);
	assert_int_equal(n, 2);
	uint64_t seen = 0;
	for (int i = 0; i < n; i++)
		seen |= 1ull << ev[i].data.u64;
	assert_int_equal(seen, (1 << 1) | (1 << 3));
	/* maxevents 1: one at a time, nothing lost */
	assert_int_equal(wait_n(ep, ev, 1, 0), 1);
	/* closing an fd removes its registration */
	assert_int_equal(ts_op_close(fd1), 0);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(wait_n(ep, ev, 8, 0), 0);
	/* a timed wait with nothing ready times out */
	uint64_t t0 = tf_now_ns();
	assert_int_equal(wait_n(ep, ev, 8, 60), 0);
	assert_true(tf_now_ns() - t0 >= 55000000ull);
	s2->mode = TS_NEW;
	ts_lock();
	ts_sock_changed(s2);
	ts_unlock();
	assert_int_equal(wait_n(ep, ev, 8, -1), 1);
	assert_int_equal(ev[0].data.u64, 2);
	ts_op_close(fd2);
	close(p[0]);
	close(p[1]);
	ts_op_close(ep);
}

struct waiter_arg {
	int ep, fd, n;
	struct epoll_event ev[4];
	struct pollfd pfd;
	bool use_poll;
};

static void *waiter(void *v)
{
	struct waiter_arg *a = v;
	if (a->use_poll)
		a->n = ts_op_poll(&a->pfd, 1, 5000, NULL);
	else
		a->n = ts_op_epoll_wait(a->ep, a->ev, 4, 5000, NULL);
	return NULL;
}

/* The NIC's side of a notification: post, then notify if armed. */
static void nic_post_and_notify(uint32_t flow, uint32_t rx)
{
	assert_true(tl_nic_ev(&F, flow, rx, 0, 0));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (F.db[TOFFEE_DB_ARM / 4]) {
		F.db[TOFFEE_DB_ARM / 4] = 0;
		uint64_t one = 1;
		assert_int_equal(write(F.evfd, &one, 8), 8);
	}
}

static void test_blocked_epoll_woken_by_nic(void **st)
{
	(void)st;
	int fd;
	struct toffee_app_flow af;
	struct ts_sock *s = conn_sock(&fd, 7, &af);
	assert_int_equal(ts_sock_poll(s) & POLLIN, 0);
	struct waiter_arg a = { .ep = epoll_create1(EPOLL_CLOEXEC), .fd = fd };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 77 };
	assert_int_equal(ts_op_epoll_ctl(a.ep, EPOLL_CTL_ADD, fd, &e), 0);
	pthread_t t;
	pthread_create(&t, NULL, waiter, &a);
	/* wait until the waiter armed the context and sleeps */
	for (int k = 0; k < 2000 && !F.db[TOFFEE_DB_ARM / 4]; k++)
		usleep(1000);
	assert_int_equal(F.db[TOFFEE_DB_ARM / 4], 1);
	usleep(20000);
	nic_post_and_notify(7, 42);
	pthread_join(t, NULL);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.ev[0].data.u64, 77);
	assert_int_equal(a.ev[0].events, EPOLLIN);
	ts_op_close(fd);
	ts_op_close(a.ep);
}

static void test_blocked_poll_woken_by_nic_and_other_thread(void **st)
{
	(void)st;
	int fd;
	struct toffee_app_flow af;
	conn_sock(&fd, 8, &af);
	struct waiter_arg a = { .pfd = { .events = POLLIN }, .use_poll = true };
	a.pfd.fd = fd;
	pthread_t t;
	pthread_create(&t, NULL, waiter, &a);
	for (int k = 0; k < 2000 && !F.db[TOFFEE_DB_ARM / 4]; k++)
		usleep(1000);
	usleep(20000);
	/* The event lands, but this (non-waiting) thread processes it first:
	 * the sleeper must still be woken (wake eventfd), not rely on the NIC. */
	assert_true(tl_nic_ev(&F, 8, 5, 0, 0));
	F.db[TOFFEE_DB_ARM / 4] = 0;                         /* no NIC notification */
	ts_lock();
	ts_pump();
	ts_unlock();
	pthread_join(t, NULL);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.pfd.revents, POLLIN);
	ts_op_close(fd);
}

static void test_poll_mixed(void **st)
{
	(void)st;
	int fd, p[2];
	struct toffee_app_flow af;
	conn_sock(&fd, 9, &af);
	assert_int_equal(pipe(p), 0);
	struct pollfd pf[3] = { { fd, POLLIN | POLLOUT, 0 }, { p[0], POLLIN, 0 }, { -1, POLLIN, 0 } };
	assert_int_equal(ts_op_poll(pf, 3, 0, NULL), 1);
	assert_int_equal(pf[0].revents, POLLOUT);
	assert_int_equal(pf[1].revents, 0);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_true(tl_nic_ev(&F, 9, 3, 0, 0));
	assert_int_equal(ts_op_poll(pf, 3, 1000, NULL), 2);
	assert_int_equal(pf[0].revents, POLLIN | POLLOUT);
	assert_int_equal(pf[1].revents, POLLIN);
	assert_int_equal(pf[2].revents, 0);
	/* select over the same */
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(p[0], &r);
	FD_SET(fd, &w);
	int maxfd = (fd > p[0] ? fd : p[0]) + 1;
	assert_int_equal(ts_op_select(maxfd, &r, &w, NULL, 0, NULL), 3);
	assert_true(FD_ISSET(fd, &r) && FD_ISSET(p[0], &r) && FD_ISSET(fd, &w));
	ts_op_close(fd);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_level_edge_oneshot, setup),
		cmocka_unit_test_setup(test_mixed_with_kernel_fds, setup),
		cmocka_unit_test_setup_teardown(test_blocked_epoll_woken_by_nic, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_blocked_poll_woken_by_nic_and_other_thread, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_poll_mixed, setup_ctx, teardown_ctx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
