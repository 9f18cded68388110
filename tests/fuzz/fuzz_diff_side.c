/* SPDX-License-Identifier: MIT */
/*
 * One side of the differential fuzz target (fuzz_diff.c): the fuzz_rx.c
 * scenario with every observable effect of the core hashed (FUZZ_DIGEST).
 * Built twice, against the firmware of a reference commit and against the
 * working tree's; the global symbols of each build get a prefix (old_,
 * new_) so that both cores live in one process (tests/fuzz/diff.mk).
 */
#define FUZZ_DIGEST 1
#define LLVMFuzzerTestOneInput fuzz_side_run
#include "fuzz_rx.c"

uint64_t fuzz_side(const uint8_t *data, size_t size);
uint64_t fuzz_side(const uint8_t *data, size_t size)
{
	fuzz_side_run(data, size);
	return fuzz_digest;
}
