/* SPDX-License-Identifier: MIT */
/* Circular payload buffers indexed by sequence number, and the iovec copy
 * the sockets layer uses between the application and the buffers. Every
 * result is compared with a byte-by-byte reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tf_internal.h"

#define BLOG2 12u
#define BSIZE (1u << BLOG2)
#define BMASK (BSIZE - 1)

static uint32_t rng = 12345;
static uint8_t rnd8(void)
{
	rng = rng * 1103515245u + 12345u;
	return (uint8_t)(rng >> 16);
}

static void test_segs(void **st)
{
	(void)st;
	uint8_t buf[BSIZE];
	struct iovec s[2];
	/* inside */
	assert_int_equal(tf_buf_segs(buf, BMASK, 100, 50, s), 1);
	assert_ptr_equal(s[0].iov_base, buf + 100);
	assert_int_equal(s[0].iov_len, 50);
	assert_int_equal(s[1].iov_len, 0);
	/* ends exactly at the end */
	assert_int_equal(tf_buf_segs(buf, BMASK, BSIZE - 10, 10, s), 1);
	assert_int_equal(s[0].iov_len, 10);
	/* wraps */
	assert_int_equal(tf_buf_segs(buf, BMASK, BSIZE - 10, 30, s), 2);
	assert_ptr_equal(s[0].iov_base, buf + BSIZE - 10);
	assert_int_equal(s[0].iov_len, 10);
	assert_ptr_equal(s[1].iov_base, buf);
	assert_int_equal(s[1].iov_len, 20);
	/* the whole buffer from the middle */
	assert_int_equal(tf_buf_segs(buf, BMASK, 3 * BSIZE + 7, BSIZE, s), 2);
	assert_int_equal(s[0].iov_len + s[1].iov_len, BSIZE);
	/* empty */
	assert_int_equal(tf_buf_segs(buf, BMASK, 5, 0, s), 0);
	assert_int_equal(s[0].iov_len + s[1].iov_len, 0);
	/* sequence numbers wrapping 2^32 */
	assert_int_equal(tf_buf_segs(buf, BMASK, 0xfffffffbu, 10, s), 2);
	assert_int_equal(s[0].iov_len, 5);
	assert_int_equal(s[1].iov_len, 5);
}

static void test_write_read_wrap(void **st)
{
	(void)st;
	uint8_t buf[BSIZE], ref[BSIZE], src[BSIZE], dst[BSIZE];
	memset(buf, 0, sizeof(buf));
	memset(ref, 0, sizeof(ref));
	uint32_t seq = 0xffffff00u;             /* crosses 2^32 on the way */
	for (int round = 0; round < 2000; round++) {
		uint32_t len = (uint32_t)(rnd8() | rnd8() << 8) % (BSIZE + 1);
		for (uint32_t i = 0; i < len; i++)
			src[i] = rnd8();
		tf_buf_write(buf, BMASK, seq, src, len);
		for (uint32_t i = 0; i < len; i++)
			ref[(seq + i) & BMASK] = src[i];
		assert_memory_equal(buf, ref, BSIZE);
		/* read back what was just written, and a random other window */
		tf_buf_read(buf, BMASK, seq, dst, len);
		assert_memory_equal(dst, src, len);
		uint32_t off = (uint32_t)rnd8() * 131u, l2 = (uint32_t)rnd8() * 16u;
		tf_buf_read(buf, BMASK, off, dst, l2);
		for (uint32_t i = 0; i < l2; i++)
			assert_int_equal(dst[i], ref[(off + i) & BMASK]);
		seq += len;
	}
}

static void test_iov_copy(void **st)
{
	(void)st;
	uint8_t a[300], b[300];
	for (int i = 0; i < 300; i++)
		a[i] = (uint8_t)i;
	/* source: 3 pieces of odd sizes; destination: 4 pieces */
	struct iovec src[3] = { { a, 7 }, { a + 7, 100 }, { a + 107, 193 } };
	for (size_t sskip = 0; sskip < 300; sskip += 13) {
		for (size_t dskip = 0; dskip < 200; dskip += 17) {
			memset(b, 0xee, sizeof(b));
			struct iovec dst[4] = { { b, 1 }, { b + 1, 50 }, { b + 51, 0 }, { b + 51, 249 } };
			size_t want = 300 - sskip < 300 - dskip ? 300 - sskip : 300 - dskip;
			size_t n = tf_iov_copy(dst, 4, dskip, src, 3, sskip, 1000);
			assert_int_equal(n, want);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(b[dskip + i], a[sskip + i]);
			for (size_t i = 0; i < dskip; i++)
				assert_int_equal(b[i], 0xee);
			/* a limit stops early */
			size_t lim = want / 3;
			memset(b, 0xee, sizeof(b));
			assert_int_equal(tf_iov_copy(dst, 4, dskip, src, 3, sskip, lim), lim);
			if (dskip + lim < 300)
				assert_int_equal(b[dskip + lim], 0xee);
		}
	}
	/* skipping past the end copies nothing */
	struct iovec dst1[1] = { { b, 10 } };
	assert_int_equal(tf_iov_copy(dst1, 1, 10, src, 3, 0, 5), 0);
	assert_int_equal(tf_iov_copy(dst1, 1, 0, src, 3, 300, 5), 0);
}

static void test_iov_len(void **st)
{
	(void)st;
	struct iovec v[3] = { { NULL, 5 }, { NULL, 0 }, { NULL, 7 } };
	assert_int_equal(tf_iov_len(v, 3), 12);
	assert_int_equal(tf_iov_len(v, 0), 0);
	struct iovec big[2] = { { NULL, SIZE_MAX - 1 }, { NULL, 5 } };
	assert_true(tf_iov_len(big, 2) == SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segs),
		cmocka_unit_test(test_write_read_wrap),
		cmocka_unit_test(test_iov_copy),
		cmocka_unit_test(test_iov_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
