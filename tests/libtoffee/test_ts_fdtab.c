/* SPDX-License-Identifier: MIT */
/* The fd table: lock-free lookups, chunks allocated on demand, clearing,
 * finding every fd of an object (dup'ed sockets). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "ts_internal.h"

static void test_empty_and_bounds(void **st)
{
	(void)st;
	assert_null(ts_fd_get(0));
	assert_null(ts_fd_get(123456));
	assert_null(ts_fd_get(-1));
	assert_null(ts_fd_get(0x7fffffff));
	struct ts_obj o = { .kind = TS_SOCK };
	assert_int_equal(ts_fd_set(-3, &o), -EBADF);
	assert_int_equal(ts_fd_set(0x7fffffff, &o), -EMFILE);
	ts_fd_clear(-1);                 /* harmless */
	ts_fd_clear(999999);
}

static void test_set_get_clear(void **st)
{
	(void)st;
	struct ts_obj a = { .kind = TS_SOCK }, b = { .kind = TS_EP };
	int fds[] = { 3, 4095, 4096, 70000, 16 * 1024 * 1024 - 1 };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		assert_int_equal(ts_fd_set(fds[i], i & 1 ? &b : &a), 0);
		assert_ptr_equal(ts_fd_get(fds[i]), i & 1 ? &b : &a);
		assert_null(ts_fd_get(fds[i] + 1));
	}
	/* neighbours in the same chunk stay empty */
	assert_null(ts_fd_get(4094));
	assert_null(ts_fd_get(69999));
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		ts_fd_clear(fds[i]);
		assert_null(ts_fd_get(fds[i]));
	}
}

static void test_sock_of(void **st)
{
	(void)st;
	struct ts_sock s = { .o = { .kind = TS_SOCK } };
	struct ts_obj ep = { .kind = TS_EP }, in = { .kind = TS_INTERNAL };
	ts_fd_set(10, &s.o);
	ts_fd_set(11, &ep);
	ts_fd_set(12, &in);
	assert_ptr_equal(ts_sock_of(10), &s);
	assert_null(ts_sock_of(11));
	assert_null(ts_sock_of(12));
	assert_null(ts_sock_of(13));
	ts_fd_clear(10);
	ts_fd_clear(11);
	ts_fd_clear(12);
}

static int visits;
static void count(int fd, struct ts_obj *o, void *arg)
{
	(void)fd;
	if (o == arg)
		visits++;
}

static void test_find_dups(void **st)
{
	(void)st;
	struct ts_obj a = { .kind = TS_SOCK }, b = { .kind = TS_SOCK };
	int want[] = { 5, 900, 5000, 123457 };
	for (unsigned i = 0; i < 4; i++)
		ts_fd_set(want[i], &a);
	ts_fd_set(6, &b);
	int got[8];
	assert_int_equal(ts_fd_find(&a, got, 8), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(got[i], want[i]);       /* ascending */
	assert_int_equal(ts_fd_find(&a, got, 2), 2);  /* bounded */
	assert_int_equal(ts_fd_find(&b, got, 8), 1);
	assert_int_equal(got[0], 6);
	visits = 0;
	ts_fd_foreach(count, &a);
	assert_int_equal(visits, 4);
	for (unsigned i = 0; i < 4; i++)
		ts_fd_clear(want[i]);
	ts_fd_clear(6);
	assert_int_equal(ts_fd_find(&a, got, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_bounds),
		cmocka_unit_test(test_set_get_clear),
		cmocka_unit_test(test_sock_of),
		cmocka_unit_test(test_find_dups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
