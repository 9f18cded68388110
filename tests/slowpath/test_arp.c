/* SPDX-License-Identifier: MIT */
/* ARP cache (RFC 826 merge rules, retries, expiry) and routing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "arp.h"

#define S 1000000000ull
static const struct sp_arp_cfg cfg = { .reachable_ns = 60 * S, .retry_ns = 1 * S, .max_tries = 3 };
static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
static struct sp_arp a;

struct log {
	uint32_t resent[16], failed[16];
	unsigned nres, nfail;
};
static void on_resend(void *arg, uint32_t ip)
{
	struct log *l = arg;
	l->resent[l->nres++ % 16] = ip;
}
static void on_failed(void *arg, uint32_t ip)
{
	struct log *l = arg;
	l->failed[l->nfail++ % 16] = ip;
}

static void resolve_and_hit(void **st)
{
	(void)st;
	uint8_t m[6];
	sp_arp_init(&a, &cfg);
	assert_int_equal(sp_arp_lookup(&a, 0x0a000001, 0, m), SP_ARP_SEND);
	assert_int_equal(sp_arp_lookup(&a, 0x0a000001, 1, m), SP_ARP_PENDING);
	assert_true(sp_arp_learn(&a, 0x0a000001, mac1, 2, false));   /* resolves the entry */
	assert_int_equal(sp_arp_lookup(&a, 0x0a000001, 3, m), SP_ARP_HIT);
	assert_memory_equal(m, mac1, 6);
	/* an update of a known entry is not a "resolution" */
	assert_false(sp_arp_learn(&a, 0x0a000001, mac2, 4, false));
	sp_arp_lookup(&a, 0x0a000001, 5, m);
	assert_memory_equal(m, mac2, 6);
	/* expired: resolve again */
	assert_int_equal(sp_arp_lookup(&a, 0x0a000001, 4 + 60 * S, m), SP_ARP_SEND);
}

static void merge_rule(void **st)
{
	(void)st;
	sp_arp_init(&a, &cfg);
	/* RFC 826: a request not for us only updates known senders */
	assert_false(sp_arp_learn(&a, 0x0a000005, mac1, 0, false));
	assert_null(sp_arp_find(&a, 0x0a000005));
	/* a request for us adds the sender */
	sp_arp_learn(&a, 0x0a000005, mac1, 0, true);
	assert_non_null(sp_arp_find(&a, 0x0a000005));
	/* group addresses are never neighbours */
	static const uint8_t mc[6] = { 1, 0, 0x5e, 0, 0, 1 };
	sp_arp_learn(&a, 0x0a000006, mc, 0, true);
	assert_null(sp_arp_find(&a, 0x0a000006));
}

static void retries_then_failure(void **st)
{
	(void)st;
	uint8_t m[6];
	struct log l = { 0 };
	struct sp_arp_actions act = { .arg = &l, .resend = on_resend, .failed = on_failed };
	sp_arp_init(&a, &cfg);
	assert_int_equal(sp_arp_lookup(&a, 0x0a000009, 0, m), SP_ARP_SEND);   /* try 1 */
	assert_int_equal(sp_arp_tick(&a, S / 2, &act), 1 * S);
	assert_int_equal(l.nres, 0);
	assert_int_equal(sp_arp_tick(&a, 1 * S, &act), 2 * S);               /* try 2 */
	assert_int_equal(sp_arp_tick(&a, 2 * S, &act), 3 * S);               /* try 3 */
	assert_int_equal(l.nres, 2);
	assert_int_equal(l.resent[0], 0x0a000009);
	assert_int_equal(sp_arp_tick(&a, 3 * S, &act), UINT64_MAX);          /* give up */
	assert_int_equal(l.nfail, 1);
	assert_int_equal(l.failed[0], 0x0a000009);
	assert_null(sp_arp_find(&a, 0x0a000009));
}

static void collisions_survive_deletion(void **st)
{
	(void)st;
	uint8_t m[6];
	struct log l = { 0 };
	struct sp_arp_actions act = { .arg = &l, .resend = on_resend, .failed = on_failed };
	sp_arp_init(&a, &cfg);
	/* many entries, half of them expiring early */
	for (uint32_t i = 0; i < 600; i++)
		sp_arp_learn(&a, 0x0b000000 + i, mac1, (i & 1) ? 0 : 30 * S, true);
	assert_int_equal(a.used, 600);
	sp_arp_tick(&a, 60 * S, &act);                 /* odd ones expire */
	assert_int_equal(a.used, 300);
	for (uint32_t i = 0; i < 600; i++) {
		if (i & 1)
			assert_null(sp_arp_find(&a, 0x0b000000 + i));
		else
			assert_int_equal(sp_arp_lookup(&a, 0x0b000000 + i, 60 * S, m), SP_ARP_HIT);
	}
	/* a full table evicts the oldest reachable entry to make room */
	for (uint32_t i = 0; i < 2000; i++)
		sp_arp_learn(&a, 0x0c000000 + i, mac2, 61 * S + i, true);
	assert_true(a.used <= SP_ARP_SLOTS);
	assert_int_equal(sp_arp_lookup(&a, 0x0c000000 + 1999, 62 * S, m), SP_ARP_HIT);
	assert_memory_equal(m, mac2, 6);
}

static void routing(void **st)
{
	(void)st;
	struct sp_route r = { .ip = 0x0a000002, .prefix = 24, .gw = 0x0a000001 };
	uint32_t nh;
	assert_int_equal(sp_route_lookup(&r, 0x0a000063, &nh), 0);
	assert_int_equal(nh, 0x0a000063);                     /* on the subnet: direct */
	assert_int_equal(sp_route_lookup(&r, 0x08080808, &nh), 0);
	assert_int_equal(nh, 0x0a000001);                     /* elsewhere: the gateway */
	assert_int_equal(sp_route_lookup(&r, 0x0a0000ff, &nh), -ENETUNREACH);  /* broadcast */
	assert_int_equal(sp_route_lookup(&r, 0xe0000001, &nh), -ENETUNREACH);  /* multicast */
	assert_int_equal(sp_route_lookup(&r, 0x0a000002, &nh), -ENETUNREACH);  /* ourselves */
	r.gw = 0;
	assert_int_equal(sp_route_lookup(&r, 0x08080808, &nh), -ENETUNREACH);
	struct sp_route p31 = { .ip = 0x0a000000, .prefix = 31 };
	assert_int_equal(sp_route_lookup(&p31, 0x0a000001, &nh), 0);           /* RFC 3021 */
	assert_int_equal(sp_route_mask(24), 0xffffff00u);
	assert_int_equal(sp_route_mask(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolve_and_hit),
		cmocka_unit_test(merge_rule),
		cmocka_unit_test(retries_then_failure),
		cmocka_unit_test(collisions_survive_deletion),
		cmocka_unit_test(routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
