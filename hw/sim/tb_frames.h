/* SPDX-License-Identifier: MIT */
/**
 * @file tb_frames.h
 * Frame generators shared by the testbenches: TCP/IPv4 frames with correct
 * checksums and random option lists, checksum repair, and mutations that
 * break frames in the ways a parser must survive. C++, header-only.
 */
#ifndef TOFFEE_TB_FRAMES_H
#define TOFFEE_TB_FRAMES_H

#include "tb_common.h"
#include "ref_parse.h"

/* Addressing of a generated frame; zero fields are random. */
struct tb_tuple {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	bool set;
};

static inline uint16_t csum16(const uint8_t *p, size_t n, uint64_t s = 0)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return (uint16_t)~ref_fold(s);
}

// A TCP/IPv4 frame with correct checksums and a random option list.
static inline tb_frame gen_tcp(tb_rng &r, const tb_tuple *t = nullptr)
{
	uint8_t opt[40];
	unsigned ol = 0;
	unsigned target = 4 * r.below(11);              // 0..40 bytes of options
	while (ol < target) {
		unsigned room = target - ol, pick = r.below(10);
		if (pick < 3) {
			opt[ol++] = 1;                          // NOP
		} else if (pick == 3 && r.chance(30)) {
			opt[ol++] = 0;                          // EOL, then anything
			while (ol < target)
				opt[ol++] = (uint8_t)(r.chance(50) ? 0 : r.below(256));
		} else if (pick < 6 && room >= 10) {            // TS
			opt[ol] = 8; opt[ol + 1] = 10;
			for (int i = 2; i < 10; i++) opt[ol + i] = (uint8_t)r.below(256);
			ol += 10;
		} else if (pick < 8 && room >= 10) {            // SACK, 1..4 blocks
			unsigned n = 1 + r.below((room - 2) / 8 < 4 ? (room - 2) / 8 : 4);
			opt[ol] = 5; opt[ol + 1] = (uint8_t)(2 + 8 * n);
			for (unsigned i = 2; i < 2 + 8 * n; i++) opt[ol + i] = (uint8_t)r.below(256);
			ol += 2 + 8 * n;
		} else if (pick == 8 && room >= 4) {            // MSS: unknown here
			opt[ol] = 2; opt[ol + 1] = 4; opt[ol + 2] = 5; opt[ol + 3] = 0xb4;
			ol += 4;
		} else {                                        // garbage TLV
			opt[ol++] = (uint8_t)r.below(256);
			if (ol < target) opt[ol++] = (uint8_t)r.below(r.chance(50) ? 12 : 256);
		}
	}
	unsigned plen = r.chance(30) ? 0 : r.below(r.chance(50) ? 64 : 1460 - ol);
	unsigned thl = 20 + ol, ip_len = 20 + thl + plen;
	tb_frame f(14 + ip_len);
	uint8_t *p = f.data();
	for (int i = 0; i < 12; i++) p[i] = (uint8_t)r.below(256);
	if (t && t->set) {
		memcpy(p, t->dst_mac, 6);
		memcpy(p + 6, t->src_mac, 6);
	}
	p[12] = 0x08; p[13] = 0x00;
	uint8_t *ip = p + 14, *th = ip + 20;
	ip[0] = 0x45; ip[1] = (uint8_t)r.below(256);
	ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
	ip[4] = (uint8_t)r.below(256); ip[5] = (uint8_t)r.below(256);
	ip[6] = r.chance(5) ? 0x20 : 0x40; ip[7] = 0;
	ip[8] = 64; ip[9] = 6;
	for (int i = 12; i < 20; i++) ip[i] = (uint8_t)r.below(256);
	if (t && t->set) {
		for (int i = 0; i < 4; i++) {
			ip[12 + i] = (uint8_t)(t->src_ip >> (24 - 8 * i));
			ip[16 + i] = (uint8_t)(t->dst_ip >> (24 - 8 * i));
		}
	}
	uint16_t c = csum16(ip, 20);
	ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	for (int i = 0; i < 12; i++) th[i] = (uint8_t)r.below(256);
	if (t && t->set) {
		th[0] = (uint8_t)(t->sport >> 8); th[1] = (uint8_t)t->sport;
		th[2] = (uint8_t)(t->dport >> 8); th[3] = (uint8_t)t->dport;
	}
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = (uint8_t)r.below(256);
	th[14] = (uint8_t)r.below(256); th[15] = (uint8_t)r.below(256);
	memcpy(th + 20, opt, ol);
	for (unsigned i = 0; i < plen; i++) th[thl + i] = (uint8_t)r.below(256);
	uint64_t ps = ref_be16(ip + 12) + ref_be16(ip + 14) + ref_be16(ip + 16) +
		      ref_be16(ip + 18) + 6 + thl + plen;
	c = csum16(th, thl + plen, ps);
	th[16] = (uint8_t)(c >> 8); th[17] = (uint8_t)c;
	if (f.size() < 60 && r.chance(70))
		f.resize(60, 0);                                // Ethernet padding
	return f;
}

static inline void mutate(tb_rng &r, tb_frame &f)
{
	switch (r.below(6)) {
	case 0:                                                 // flip bits
		for (unsigned n = 1 + r.below(3); n && !f.empty(); n--)
			f[r.below((uint32_t)f.size())] ^= (uint8_t)(1u << r.below(8));
		break;
	case 1:                                                 // header byte
		if (f.size() > 14)
			f[r.below(f.size() < 96 ? (uint32_t)f.size() : 96)] = (uint8_t)r.below(256);
		break;
	case 2:                                                 // truncate
		f.resize(r.below((uint32_t)f.size() + 1));
		break;
	case 3:                                                 // pad
		f.resize(f.size() + 1 + r.below(100), (uint8_t)r.below(256));
		break;
	case 4:                                                 // bogus ip_len
		if (f.size() > 18) { f[16] = (uint8_t)r.below(8); f[17] = (uint8_t)r.below(256); }
		break;
	default:                                                // bogus ihl/doff
		if (f.size() > 47) {
			f[14] = (uint8_t)(0x40 | r.below(16));
			f[46] = (uint8_t)(r.below(16) << 4);
		}
		break;
	}
	if (f.empty())
		f.push_back(0);
}

/* Recompute the IPv4 header checksum of an IPv4 frame with ihl 5, and its
 * TCP checksum when the TCP length leaves room for the field. */
static inline void tb_fix_csums(tb_frame &f)
{
	if (f.size() < 34 || f[12] != 8 || f[13] != 0 || f[14] != 0x45)
		return;
	uint8_t *ip = f.data() + 14, *th = ip + 20;
	ip[10] = ip[11] = 0;
	uint16_t c = csum16(ip, 20);
	ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	unsigned ip_len = ref_be16(ip + 2);
	if (ip_len < 38 || 14 + ip_len > f.size())
		return;                         /* no room for a TCP checksum */
	unsigned tl = ip_len - 20;
	th[16] = th[17] = 0;
	uint64_t ps = ref_be16(ip + 12) + ref_be16(ip + 14) + ref_be16(ip + 16) +
		      ref_be16(ip + 18) + 6 + tl;
	c = csum16(th, tl, ps);
	th[16] = (uint8_t)(c >> 8); th[17] = (uint8_t)c;
}

/* A TCP/IPv4 segment from a peer: its header fields; with ts, the option
 * list is NOP NOP TS (tsval, TSecr 0). */
struct tb_seg {
	const uint8_t *dst_mac, *src_mac;
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, tos;
	uint16_t win;
	bool ts;
	uint32_t tsval;
};

/* The frame of @p s carrying @p plen payload bytes, checksums right. */
static inline tb_frame tb_seg_frame(const tb_seg &s, const uint8_t *pay, uint32_t plen)
{
	unsigned ol = s.ts ? 12 : 0, thl = 20 + ol, ip_len = 20 + thl + plen;
	tb_frame f(14 + ip_len, 0);
	uint8_t *p = f.data();
	memcpy(p, s.dst_mac, 6);
	memcpy(p + 6, s.src_mac, 6);
	p[12] = 8;
	uint8_t *ip = p + 14, *th = ip + 20;
	ip[0] = 0x45; ip[1] = s.tos; ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40; ip[8] = 64; ip[9] = 6;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(s.src_ip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(s.dst_ip >> (24 - 8 * i));
		th[4 + i] = (uint8_t)(s.seq >> (24 - 8 * i));
		th[8 + i] = (uint8_t)(s.ack >> (24 - 8 * i));
	}
	th[0] = (uint8_t)(s.sport >> 8); th[1] = (uint8_t)s.sport;
	th[2] = (uint8_t)(s.dport >> 8); th[3] = (uint8_t)s.dport;
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = s.flags;
	th[14] = (uint8_t)(s.win >> 8); th[15] = (uint8_t)s.win;
	if (ol) {
		th[20] = 1; th[21] = 1; th[22] = 8; th[23] = 10;
		for (int i = 0; i < 4; i++)
			th[24 + i] = (uint8_t)(s.tsval >> (24 - 8 * i));
	}
	if (plen)
		memcpy(th + thl, pay, plen);
	tb_fix_csums(f);
	return f;
}

#endif /* TOFFEE_TB_FRAMES_H */
