/* SPDX-License-Identifier: MIT */
/* Flow table: 4-tuple -> flow id in constant time. Two-choice hashing over
 * 4-slot (64-byte) buckets: a key lives in bucket h1 or h2, so a lookup reads
 * at most 8 slots. With twice as many slots as flows, an insert fails with
 * negligible probability; it then returns -ENOSPC and the slow path keeps
 * the connection to itself. The hash and the lookup are inline in
 * fp_internal.h (the receive path's); the RTL uses the same hash
 * (hw/rtl/flow_lookup.sv). */
#include <errno.h>
#include "fp_internal.h"

static unsigned used(const struct fp_bucket *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++)
		n += b->slot[i].id_plus1 != 0;
	return n;
}

int fp_flowtab_insert(struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports, uint32_t id)
{
	if (fp_flowtab_find(fp, lip, rip, ports))
		return -EEXIST;
	uint32_t h = fp_flowtab_hash(lip, rip, ports);
	struct fp_bucket *b1 = &fp->buckets[h & fp->bucket_mask];
	struct fp_bucket *b2 = &fp->buckets[fp_bucket2(h) & fp->bucket_mask];
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
	struct fp_slot *s = fp_flowtab_find(fp, lip, rip, ports);
	if (!s)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	return 0;
}
