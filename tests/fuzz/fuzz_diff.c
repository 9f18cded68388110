/* SPDX-License-Identifier: MIT */
/*
 * Differential libFuzzer target: the same input (the fuzz_rx.c scenario)
 * through two fast-path cores in one process, the firmware of a reference
 * commit (old_*) and the working tree's (new_*). Every call each core makes
 * to the platform (frames, DMA reads and writes with their data, ring
 * entries, notifications), in order, and at the end its counters, register
 * file, host memory and flow states are hashed (fuzz_diff_side.c); the two
 * digests must be equal. Built by `make fuzz-diff FUZZ_DIFF_REF=<commit>`
 * (tests/fuzz/diff.mk), which then runs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t old_fuzz_side(const uint8_t *data, size_t size);
uint64_t new_fuzz_side(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t a = old_fuzz_side(data, size);
	uint64_t b = new_fuzz_side(data, size);

	if (a != b) {
		fprintf(stderr, "fuzz_diff: the cores differ (digest %016llx vs %016llx)\n",
			(unsigned long long)a, (unsigned long long)b);
		abort();
	}
	return 0;
}
