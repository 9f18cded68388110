/* SPDX-License-Identifier: MIT */
/**
 * @file ref_parse.h
 * Bit-exact C model of hw/rtl/rx_parser.sv (and tcp_opt_parse.sv), for the
 * testbenches: what the parser must report for any byte string, including
 * truncated and corrupt frames. Header-only, C and C++.
 *
 * Definitions (see rx_parser.sv): fields at fixed offsets (IPv4 at 14, TCP
 * at 34), bytes past the frame read as zero; checksum regions
 * [14, max(34, 14+4*ihl)) and [14+4*ihl, max(34, 14+ip_len)) clipped to the
 * frame; the TCP option walk of firmware/fp_rx.c parse_options() extended to
 * report TSecr and SACK blocks.
 */
#ifndef TOFFEE_REF_PARSE_H
#define TOFFEE_REF_PARSE_H

#include <stdint.h>
#include <string.h>

struct ref_meta {
	uint32_t frame_len;
	uint64_t dst_mac, src_mac;        /* wire byte i in bits 8i+7..8i */
	uint32_t ethertype, ip_ver, ip_ihl, ip_tos, ip_len, ip_frag, ip_proto;
	uint32_t ip_src, ip_dst, ip_csum_ok;
	uint32_t tcp_sport, tcp_dport, tcp_seq, tcp_ack, tcp_doff, tcp_flags, tcp_win;
	uint32_t tcp_csum_ok, pay_off, pay_len;
	uint32_t opt_ok, ts, ts_val, ts_ecr, sack_n;
	uint32_t sack[8];                 /* left0 right0 left1 right1 ... */
};

static inline uint32_t ref_be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static inline uint32_t ref_be32(const uint8_t *p) { return ref_be16(p) << 16 | ref_be16(p + 2); }

static inline uint32_t ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* Ones'-complement sum of bytes [from, to) of the frame (even offsets are
 * high-order bytes), clipped to the frame. */
static inline uint64_t ref_sum(const uint8_t *f, uint32_t len, uint32_t from, uint32_t to)
{
	uint64_t s = 0;
	for (uint32_t i = from; i < to && i < len; i++)
		s += (i & 1) ? f[i] : (uint32_t)f[i] << 8;
	return s;
}

/* The option walk (tcp_opt_parse.sv): returns opt_ok. */
static inline int ref_options(const uint8_t *o, uint32_t len, struct ref_meta *m)
{
	uint32_t i = 0;
	m->ts = m->ts_val = m->ts_ecr = m->sack_n = 0;
	memset(m->sack, 0, sizeof m->sack);
	while (i < len) {
		uint8_t kind = o[i];
		if (kind == 0)
			return 1;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return 0;
		uint8_t olen = o[i + 1];
		if (kind == 8 && olen == 10) {
			m->ts = 1;
			m->ts_val = ref_be32(o + i + 2);
			m->ts_ecr = ref_be32(o + i + 6);
		} else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			m->sack_n = (olen - 2u) / 8u;
			memset(m->sack, 0, sizeof m->sack);
			for (uint32_t b = 0; b < m->sack_n; b++) {
				m->sack[2 * b] = ref_be32(o + i + 2 + 8 * b);
				m->sack[2 * b + 1] = ref_be32(o + i + 6 + 8 * b);
			}
		} else {
			return 0;
		}
		i += olen;
	}
	return 1;
}

static inline void ref_parse(const uint8_t *frame, uint32_t len, struct ref_meta *m)
{
	uint8_t h[96];
	memset(h, 0, sizeof h);
	memcpy(h, frame, len < sizeof h ? len : sizeof h);
	memset(m, 0, sizeof *m);
	m->frame_len = len > 0xffff ? 0xffff : len;
	for (int i = 0; i < 6; i++) {
		m->dst_mac |= (uint64_t)h[i] << (8 * i);
		m->src_mac |= (uint64_t)h[6 + i] << (8 * i);
	}
	m->ethertype = ref_be16(h + 12);
	m->ip_ver = h[14] >> 4;
	m->ip_ihl = h[14] & 15;
	m->ip_tos = h[15];
	m->ip_len = ref_be16(h + 16);
	m->ip_frag = (ref_be16(h + 20) & 0x3fff) != 0;
	m->ip_proto = h[23];
	m->ip_src = ref_be32(h + 26);
	m->ip_dst = ref_be32(h + 30);
	m->tcp_sport = ref_be16(h + 34);
	m->tcp_dport = ref_be16(h + 36);
	m->tcp_seq = ref_be32(h + 38);
	m->tcp_ack = ref_be32(h + 42);
	m->tcp_doff = h[46] >> 4;
	m->tcp_flags = h[47];
	m->tcp_win = ref_be16(h + 48);

	uint32_t ihl4 = m->ip_ihl * 4, doff4 = m->tcp_doff * 4;
	uint32_t ip_end = 14 + ihl4 < 34 ? 34 : 14 + ihl4;
	uint32_t all_end = 14 + m->ip_len < 34 ? 34 : 14 + m->ip_len;
	uint32_t ip_fold = ref_fold(ref_sum(frame, len, 14, ip_end));
	m->ip_csum_ok = ip_fold == 0xffff;
	uint32_t tcp_len = (m->ip_len - ihl4) & 0xffff;
	uint64_t pseudo = (m->ip_src >> 16) + (m->ip_src & 0xffff) + (m->ip_dst >> 16) +
			  (m->ip_dst & 0xffff) + 6 + tcp_len;
	uint64_t total = ref_sum(frame, len, 14, all_end) + (~ip_fold & 0xffff) + pseudo;
	m->tcp_csum_ok = ref_fold(total) == 0xffff;
	m->pay_off = (14 + ihl4 + doff4) & 0xffff;
	m->pay_len = (tcp_len - doff4) & 0xffff;

	uint32_t olen = m->tcp_doff < 5 ? 0 : doff4 - 20;
	m->opt_ok = ref_options(h + 54, olen, m);
}

#endif /* TOFFEE_REF_PARSE_H */
