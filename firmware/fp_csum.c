/* SPDX-License-Identifier: MIT */
/* Internet checksum (RFC 1071). Words are summed in native byte order into a
 * 64-bit accumulator; RFC 1071 §2(B) makes the folded result correct in
 * network order when stored back unchanged. */
#include "fp_internal.h"

uint64_t fp_csum_add(uint64_t sum, const uint8_t *p, uint32_t len)
{
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len)
		sum += *p;     /* odd byte is the high-order byte in network order */
	return sum;
}

/* The payload part of a TCP checksum, kept out of line so that benchmarks
 * can separate per-byte from per-segment cost. */
__attribute__((noinline)) uint64_t fp_csum_payload(uint64_t sum, const uint8_t *p, uint32_t len)
{
	return fp_csum_add(sum, p, len);
}
