/* SPDX-License-Identifier: MIT */
/* SYN cookies (the layout is in syncookie.h). */
#include <string.h>
#include "syncookie.h"

static inline uint64_t rotl(uint64_t x, int b) { return x << b | x >> (64 - b); }

#define SIPROUND()                                                           \
	do {                                                                 \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);    \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                       \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                       \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);    \
	} while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012): words little-endian, two
 * rounds per word, four to finish. */
uint64_t sp_siphash24(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
	size_t n = len;
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t m = 0;
		for (int i = 7; i >= 0; i--)
			m = m << 8 | p[i];
		v3 ^= m;
		SIPROUND();
		SIPROUND();
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < n; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND();
	SIPROUND();
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND();
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The MSS values a cookie can name (common link MTUs minus 40, and 536). */
static const uint16_t cookie_mss[8] = { 536, 1200, 1300, 1360, 1400, 1440, 1460, 8960 };

#define MAC_BITS 26u
#define TS_BIT   (1u << 5)

static unsigned mss_index(uint16_t mss)
{
	unsigned i = 7;
	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

static bool ecn_setup(const struct sp_seg *s)
{
	return (s->flags & (SP_TH_ECE | SP_TH_CWR)) == (SP_TH_ECE | SP_TH_CWR);
}

/* The option bits carried in TSval: peer's window shift (15 = none),
 * SACK-permitted, ECN-setup. */
static uint32_t opt_bits(const struct sp_seg *syn)
{
	return (syn->opt.ws_ok ? syn->opt.ws : 15u) | (uint32_t)syn->opt.sack_ok << 4 |
	       (uint32_t)ecn_setup(syn) << 5;
}

/* What the MAC covers besides the 4-tuple, the ISN and the epoch. */
static uint32_t cookie_bits(uint32_t opts, bool ts, uint32_t idx)
{
	return opts << 6 | (ts ? TS_BIT : 0) | idx;
}

static uint32_t cookie_mac(const uint64_t key[2], const struct sp_seg *syn, uint64_t epoch, uint32_t bits)
{
	uint32_t m[6] = { syn->daddr, syn->saddr, (uint32_t)syn->dport << 16 | syn->sport, syn->seq,
			  (uint32_t)epoch, bits };
	return (uint32_t)sp_siphash24(key, m, sizeof(m)) & ((1u << MAC_BITS) - 1);
}

void sp_cookie_syn(const struct sp_seg *syn, bool ts_ok, struct sp_seg *out)
{
	*out = *syn;
	out->payload = NULL;
	out->plen = 0;
	out->opt_bad = false;
	out->ack = 0;
	out->flags = SP_TH_SYN | (ts_ok && ecn_setup(syn) ? SP_TH_ECE | SP_TH_CWR : 0);
	out->opt.mss = cookie_mss[mss_index(syn->opt.mss_ok ? syn->opt.mss : SP_MSS_DEFAULT)];
	out->opt.mss_ok = true;
	out->opt.ts_ok = ts_ok;
	out->opt.tsecr = 0;
	if (!ts_ok) {
		out->opt.tsval = 0;
		out->opt.ws_ok = out->opt.sack_ok = false;
	}
	if (!out->opt.ws_ok)
		out->opt.ws = 0;
	else if (out->opt.ws > 14)
		out->opt.ws = 14;                  /* RFC 7323 §2.3, as negotiation clamps it */
}

uint32_t sp_cookie_make(const uint64_t key[2], uint64_t now_ns, const struct sp_seg *syn, bool ts,
			uint32_t *tsval)
{
	uint64_t epoch = now_ns >> SP_COOKIE_EPOCH_SHIFT;
	uint32_t idx = mss_index(syn->opt.mss), opts = ts ? opt_bits(syn) : 0;
	if (ts)
		*tsval = (*tsval & ~0x3fu) | opts;
	return cookie_mac(key, syn, epoch, cookie_bits(opts, ts, idx)) << 6 | (ts ? TS_BIT : 0) |
	       (uint32_t)(epoch & 3) << 3 | idx;
}

bool sp_cookie_check(const uint64_t key[2], uint64_t now_ns, const struct sp_seg *ack, struct sp_seg *syn)
{
	if ((ack->flags & (SP_TH_SYN | SP_TH_RST | SP_TH_ACK)) != SP_TH_ACK)
		return false;
	uint32_t c = ack->ack - 1, idx = c & 7, e2 = c >> 3 & 3;
	bool ts = c & TS_BIT;
	uint64_t cur = now_ns >> SP_COOKIE_EPOCH_SHIFT, epoch;
	if ((cur & 3) == e2)
		epoch = cur;
	else if (((cur - 1) & 3) == e2)
		epoch = cur - 1;
	else
		return false;                      /* older than one epoch, or from the future */
	if (ts && !ack->opt.ts_ok)
		return false;
	uint32_t opts = ts ? ack->opt.tsecr & 0x3f : 0;

	*syn = *ack;                           /* same direction: addresses, ports, MACs */
	syn->payload = NULL;
	syn->plen = 0;
	syn->opt_bad = false;
	syn->ack = 0;
	syn->seq = ack->seq - 1;
	syn->flags = SP_TH_SYN | (opts & 0x20 ? SP_TH_ECE | SP_TH_CWR : 0);
	memset(&syn->opt, 0, sizeof(syn->opt));
	syn->opt.mss_ok = true;
	syn->opt.mss = cookie_mss[idx];
	syn->opt.ts_ok = ts;
	syn->opt.tsval = ts ? ack->opt.tsval : 0;
	syn->opt.ws_ok = ts && (opts & 15) != 15;
	syn->opt.ws = syn->opt.ws_ok ? (uint8_t)(opts & 15) : 0;
	syn->opt.sack_ok = opts & 0x10;
	return cookie_mac(key, syn, epoch, cookie_bits(opts, ts, idx)) == c >> 6;
}
