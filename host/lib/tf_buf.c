/* SPDX-License-Identifier: MIT */
/* Circular payload buffers indexed by sequence number: the byte with
 * sequence S is at buf[S & mask] (abi.h). A range [seq, seq + len) with
 * len <= size is at most two contiguous pieces. */
#include <string.h>
#include "tf_internal.h"

int tf_buf_segs(uint8_t *buf, uint32_t mask, uint32_t seq, size_t len, struct iovec seg[2])
{
	uint32_t off = seq & mask;
	size_t first = (size_t)mask + 1 - off;
	if (len == 0) {
		seg[0].iov_base = buf + off;
		seg[0].iov_len = 0;
		seg[1].iov_base = buf;
		seg[1].iov_len = 0;
		return 0;
	}
	if (first > len)
		first = len;
	seg[0].iov_base = buf + off;
	seg[0].iov_len = first;
	seg[1].iov_base = buf;
	seg[1].iov_len = len - first;
	return seg[1].iov_len ? 2 : 1;
}

void tf_buf_read(const uint8_t *buf, uint32_t mask, uint32_t seq, void *dst, size_t len)
{
	struct iovec seg[2];
	tf_buf_segs((uint8_t *)buf, mask, seq, len, seg);
	memcpy(dst, seg[0].iov_base, seg[0].iov_len);
	if (seg[1].iov_len)
		memcpy((uint8_t *)dst + seg[0].iov_len, seg[1].iov_base, seg[1].iov_len);
}

void tf_buf_write(uint8_t *buf, uint32_t mask, uint32_t seq, const void *src, size_t len)
{
	struct iovec seg[2];
	tf_buf_segs(buf, mask, seq, len, seg);
	memcpy(seg[0].iov_base, src, seg[0].iov_len);
	if (seg[1].iov_len)
		memcpy(seg[1].iov_base, (const uint8_t *)src + seg[0].iov_len, seg[1].iov_len);
}

size_t tf_iov_copy(const struct iovec *dst, int dcnt, size_t dskip,
		   const struct iovec *src, int scnt, size_t sskip, size_t n)
{
	int di = 0, si = 0;
	/* Skip whole entries, then copy piecewise. */
	while (di < dcnt && dskip >= dst[di].iov_len)
		dskip -= dst[di++].iov_len;
	while (si < scnt && sskip >= src[si].iov_len)
		sskip -= src[si++].iov_len;
	size_t done = 0;
	while (done < n && di < dcnt && si < scnt) {
		size_t dl = dst[di].iov_len - dskip, sl = src[si].iov_len - sskip;
		size_t k = dl < sl ? dl : sl;
		if (k > n - done)
			k = n - done;
		memcpy((uint8_t *)dst[di].iov_base + dskip, (const uint8_t *)src[si].iov_base + sskip, k);
		done += k;
		dskip += k;
		sskip += k;
		if (dskip == dst[di].iov_len) {
			di++;
			dskip = 0;
		}
		if (sskip == src[si].iov_len) {
			si++;
			sskip = 0;
		}
	}
	return done;
}

size_t tf_iov_len(const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - n)
			return SIZE_MAX;
		n += iov[i].iov_len;
	}
	return n;
}
