/* SPDX-License-Identifier: MIT */
/* Flow table: 4-tuple -> flow id in constant time. Two-choice hashing over
 * 4-slot (64-byte) buckets: a key lives in bucket h1 or h2, so a lookup reads
 * at most 8 slots. With twice as many slots as flows, an insert fails with
 * negligible probability; it then returns -ENOSPC and the slow path keeps
 * the connection to itself. The RTL uses the same hash (hw/rtl/flow_lookup.sv). */
#include <errno.h>
#include "fp_internal.h"

/* murmur3's 32-bit finaliser: every input bit affects every output bit, so
 * both bucket indices (low and high half) are well spread. */
static inline uint32_t fmix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}

uint32_t fp_flowtab_hash(uint32_t local_ip, uint32_t remote_ip, uint32_t ports)
{
	return fmix32(remote_ip ^ ((local_ip << 7) | (local_ip >> 25)) ^ (ports * 0x9e3779b1u));
}

static inline uint32_t bucket2(uint32_t h) { return (h >> 16) | (h << 16); }

static inline bool slot_match(const struct fp_slot *s, uint64_t ips, uint32_t ports)
{
	return s->ips == ips && s->ports == ports && s->id_plus1;
}

static struct fp_slot *find(const struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports)
{
	uint32_t h = fp_flowtab_hash(lip, rip, ports);
	uint64_t ips = (uint64_t)lip << 32 | rip;
	struct fp_bucket *b1 = &fp->buckets[h & fp->bucket_mask];
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++)
		if (slot_match(&b1->slot[i], ips, ports))
			return &b1->slot[i];
	struct fp_bucket *b2 = &fp->buckets[bucket2(h) & fp->bucket_mask];
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++)
		if (slot_match(&b2->slot[i], ips, ports))
			return &b2->slot[i];
	return NULL;
}

uint32_t fp_flowtab_lookup(const struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports)
{
	const struct fp_slot *s = find(fp, lip, rip, ports);
	return s ? s->id_plus1 - 1 : TOFFEE_FLOW_NONE;
}

static unsigned used(const struct fp_bucket *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++)
		n += b->slot[i].id_plus1 != 0;
	return n;
}

int fp_flowtab_insert(struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports, uint32_t id)
{
	if (find(fp, lip, rip, ports))
		return -EEXIST;
	uint32_t h = fp_flowtab_hash(lip, rip, ports);
	struct fp_bucket *b1 = &fp->buckets[h & fp->bucket_mask];
	struct fp_bucket *b2 = &fp->buckets[bucket2(h) & fp->bucket_mask];
	struct fp_bucket *b = used(b2) < used(b1) ? b2 : b1;   /* less loaded */
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++) {
		struct fp_slot *s = &b->slot[i];
		if (!s->id_plus1) {
			s->ips = (uint64_t)lip << 32 | rip;
			s->ports = ports;
			s->id_plus1 = id + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

int fp_flowtab_remove(struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports)
{
	struct fp_slot *s = find(fp, lip, rip, ports);
	if (!s)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	return 0;
}
