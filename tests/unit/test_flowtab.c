/* SPDX-License-Identifier: MIT */
/* Flow table: lookups at full capacity, duplicates, removal, bounded probes. */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fp_internal.h"

#define CAP 65536u

static struct fp *make_fp(uint32_t cap)
{
	static const struct fp_platform plat;
	static uint32_t *regs;
	size_t len = fp_mem_size(cap);
	void *mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	if (!regs)
		regs = calloc(1, TOFFEE_REG_BAR_SIZE);
	return fp_init(mem, len, cap, &plat, regs);
}

static uint32_t key_rip(uint32_t i) { return 0x0a000000u | (i * 2654435761u >> 12); }
static uint32_t key_ports(uint32_t i) { return (80u << 16) | (uint16_t)(i * 40503u); }

static void full_capacity_lookups(void **state)
{
	(void)state;
	struct fp *fp = make_fp(CAP);
	assert_non_null(fp);
	unsigned failed = 0;
	for (uint32_t i = 0; i < CAP; i++) {
		int rc = fp_flowtab_insert(fp, 0x0a000001u, key_rip(i), key_ports(i), i);
		if (rc == -EEXIST)
			continue;           /* the generator repeated a key: fine */
		failed += rc != 0;
	}
	/* Two-choice 4-way buckets at 50% load: no insert may fail. */
	assert_int_equal(failed, 0);
	for (uint32_t i = 0; i < CAP; i++) {
		uint32_t id = fp_flowtab_lookup(fp, 0x0a000001u, key_rip(i), key_ports(i));
		assert_int_not_equal(id, TOFFEE_FLOW_NONE);
		assert_int_equal(key_rip(id), key_rip(i));
		assert_int_equal(key_ports(id), key_ports(i));
	}
	assert_int_equal(fp_flowtab_lookup(fp, 0x0a000001u, 0x0b000000u, 1), TOFFEE_FLOW_NONE);
	for (uint32_t i = 0; i < CAP; i += 2)
		fp_flowtab_remove(fp, 0x0a000001u, key_rip(i), key_ports(i));
	for (uint32_t i = 1; i < CAP; i += 2)
		assert_int_not_equal(fp_flowtab_lookup(fp, 0x0a000001u, key_rip(i), key_ports(i)), TOFFEE_FLOW_NONE);
	free(fp);
}

static void duplicates_and_removal(void **state)
{
	(void)state;
	struct fp *fp = make_fp(CAP);
	assert_int_equal(fp_flowtab_insert(fp, 1, 2, 3, 10), 0);
	assert_int_equal(fp_flowtab_insert(fp, 1, 2, 3, 11), -EEXIST);
	assert_int_equal(fp_flowtab_lookup(fp, 1, 2, 3), 10);
	assert_int_equal(fp_flowtab_lookup(fp, 2, 1, 3), TOFFEE_FLOW_NONE);
	assert_int_equal(fp_flowtab_remove(fp, 1, 2, 3), 0);
	assert_int_equal(fp_flowtab_remove(fp, 1, 2, 3), -ENOENT);
	assert_int_equal(fp_flowtab_lookup(fp, 1, 2, 3), TOFFEE_FLOW_NONE);
	assert_int_equal(fp_flowtab_insert(fp, 1, 2, 3, 0), 0);      /* id 0 is valid */
	assert_int_equal(fp_flowtab_lookup(fp, 1, 2, 3), 0);
	free(fp);
}

static void bucket_overflow_reported(void **state)
{
	(void)state;
	struct fp *fp = make_fp(16);              /* 8 buckets: collisions are easy */
	/* Force keys into the same two buckets by brute force search. */
	uint32_t mask = 16 * 2 / 4 - 1, b1 = 0, b2 = 0;
	for (uint32_t p = 0; b1 == b2; p++) {      /* two distinct buckets */
		uint32_t h0 = fp_flowtab_hash(1, 2, p);
		b1 = h0 & mask;
		b2 = ((h0 >> 16) | (h0 << 16)) & mask;
	}
	unsigned placed = 0, full = 0;
	for (uint32_t p = 0; p < 1000000 && full == 0; p++) {
		uint32_t h = fp_flowtab_hash(1, 2, p);
		uint32_t c1 = h & mask, c2 = ((h >> 16) | (h << 16)) & mask;
		if (!((c1 == b1 && c2 == b2) || (c1 == b2 && c2 == b1)))
			continue;
		int rc = fp_flowtab_insert(fp, 1, 2, p, placed);
		if (rc == -ENOSPC)
			full = 1;
		else
			placed++;
	}
	assert_int_equal(full, 1);
	assert_int_equal(placed, 8);          /* exactly the 8 slots of two buckets */
	free(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_capacity_lookups),
		cmocka_unit_test(duplicates_and_removal),
		cmocka_unit_test(bucket_overflow_reported),
	};
	return cmocka_run_group_tests_name("flowtab", tests, NULL, NULL);
}
