/* SPDX-License-Identifier: MIT */
/* Port allocator (RFC 6056 Algorithm 3) and the keyed hash it uses. */
#include <errno.h>
#include <string.h>
#include "ports.h"

static inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

/* A few rounds of an add-rotate-xor mix over two 64-bit lanes keyed by the
 * secret; the output is finalised with a multiply-xorshift. Not meant as a
 * MAC, only as an unpredictable offset for ports and ISNs. */
uint64_t sp_hash4(const uint64_t key[2], uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
	uint64_t m[2] = { (uint64_t)a << 32 | b, (uint64_t)c << 32 | d };
	for (int i = 0; i < 2; i++) {
		v1 ^= m[i];
		for (int r = 0; r < 3; r++) {
			v0 += v1;
			v1 = rotl(v1, 13) ^ v0;
			v0 = rotl(v0, 32);
			v0 += 0x9e3779b97f4a7c15ull;
		}
		v0 ^= m[i];
	}
	uint64_t h = v0 ^ v1;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int sp_ports_init(struct sp_ports *p, uint16_t lo, uint16_t hi, uint64_t k0, uint64_t k1)
{
	if (lo == 0 || lo > hi)
		return -EINVAL;
	memset(p->use, 0, sizeof(p->use));
	p->lo = lo;
	p->hi = hi;
	p->next = 0;
	p->secret[0] = k0;
	p->secret[1] = k1;
	return 0;
}

int sp_ports_pick(struct sp_ports *p, uint32_t lip, uint32_t rip, uint16_t rport,
		  sp_ports_busy_fn busy, void *arg)
{
	uint32_t num = (uint32_t)p->hi - p->lo + 1;
	uint32_t offset = (uint32_t)sp_hash4(p->secret, lip, rip, rport, 0);
	for (uint32_t i = 0; i < num; i++) {
		uint16_t port = (uint16_t)(p->lo + (offset + p->next + i) % num);
		if (p->use[port] || (busy && busy(arg, port)))
			continue;
		p->next += i + 1;
		p->use[port]++;
		return port;
	}
	return -EADDRNOTAVAIL;
}

void sp_ports_ref(struct sp_ports *p, uint16_t port)
{
	if (p->use[port] < UINT16_MAX)
		p->use[port]++;
}

void sp_ports_unref(struct sp_ports *p, uint16_t port)
{
	if (p->use[port])
		p->use[port]--;
}
