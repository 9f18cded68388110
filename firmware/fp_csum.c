/* SPDX-License-Identifier: MIT */
/* The per-byte work on payload: the payload part of TCP checksums and the
 * copy to or from directly mapped host memory, kept out of line so that
 * benchmarks can separate per-byte from per-segment cost (the header parts
 * are inline: fp_internal.h). */
#include "fp_internal.h"

__attribute__((noinline)) uint64_t fp_csum_payload(uint64_t sum, const uint8_t *p, uint32_t len)
{
	return fp_csum_add(sum, p, len);
}

__attribute__((noinline)) void fp_payload_copy(void *dst, const void *src, uint32_t len)
{
	memcpy(dst, src, len);
}
