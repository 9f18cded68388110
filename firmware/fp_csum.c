/* SPDX-License-Identifier: MIT */
/* The payload part of TCP checksums, kept out of line so that benchmarks
 * can separate per-byte from per-segment cost (the header parts are
 * inline: fp_internal.h). */
#include "fp_internal.h"

__attribute__((noinline)) uint64_t fp_csum_payload(uint64_t sum, const uint8_t *p, uint32_t len)
{
	return fp_csum_add(sum, p, len);
}
