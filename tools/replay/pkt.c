/* SPDX-License-Identifier: MIT */
/* Link-layer normalisation and IPv4/TCP parsing for toffee-replay. */
#include "pkt.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_RAW: case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* Ethernet header + the network-layer bytes that follow the link header. */
static uint32_t synth(uint8_t *out, uint32_t cap, const uint8_t *src_mac,
		      uint16_t ethertype, const uint8_t *l3, uint32_t l3_len)
{
	static const uint8_t def_src[6] = PKT_SYNTH_SRC_MAC, dst[6] = PKT_SYNTH_DST_MAC;

	if (cap < 14)
		return 0;
	memcpy(out, dst, 6);
	memcpy(out + 6, src_mac ? src_mac : def_src, 6);
	out[12] = (uint8_t)(ethertype >> 8);
	out[13] = (uint8_t)ethertype;
	if (l3_len > cap - 14)
		l3_len = cap - 14;
	memcpy(out + 14, l3, l3_len);
	return 14 + l3_len;
}

/* Raw IP: the version nibble tells IPv4 from IPv6. */
static uint16_t ip_ethertype(const uint8_t *l3, uint32_t len)
{
	if (len >= 1 && (l3[0] >> 4) == 6)
		return 0x86dd;
	return 0x0800;
}

uint32_t pkt_to_ether(int dlt, const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return 0;
		if (len > cap)
			len = cap;
		memcpy(out, in, len);
		return len;
	case DLT_LINUX_SLL:
		/* pkttype(2) hatype(2) halen(2) addr(8) protocol(2) */
		if (len < 16)
			return 0;
		return synth(out, cap, rd16(in + 2) == 1 && rd16(in + 4) == 6 ? in + 6 : NULL,
			     rd16(in + 14), in + 16, len - 16);
	case DLT_LINUX_SLL2:
		/* protocol(2) rsvd(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
		if (len < 20)
			return 0;
		return synth(out, cap, rd16(in + 8) == 1 && in[11] == 6 ? in + 12 : NULL,
			     rd16(in), in + 20, len - 20);
	case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
		return synth(out, cap, NULL, ip_ethertype(in, len), in, len);
	case DLT_NULL: case DLT_LOOP:
		/* 4-byte address family whose value for IPv6 differs between
		 * OSes: the IP version nibble is more reliable. */
		if (len < 4)
			return 0;
		return synth(out, cap, NULL, ip_ethertype(in + 4, len - 4), in + 4, len - 4);
	default:
		return 0;
	}
}

static void parse_options(const uint8_t *o, uint32_t n, struct pkt_tcp *t)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		olen = o[i + 1];
		if (olen < 2 || i + olen > n)
			break;
		switch (kind) {
		case 2:
			if (olen == 4) {
				t->has_mss = true;
				t->mss = rd16(o + i + 2);
			}
			break;
		case 3:
			if (olen == 3) {
				t->has_ws = true;
				t->ws = o[i + 2] > 14 ? 14 : o[i + 2]; /* RFC 7323 2.3 */
			}
			break;
		case 4:
			if (olen == 2)
				t->sack_ok = true;
			break;
		case 8:
			if (olen == 10) {
				t->has_ts = true;
				t->tsval = rd32(o + i + 2);
				t->tsecr = rd32(o + i + 6);
			}
			break;
		default:
			break;
		}
		i += olen;
	}
}

bool pkt_parse_tcp(const uint8_t *f, uint32_t len, struct pkt_tcp *t)
{
	const uint8_t *ip, *tcp;
	uint32_t ihl, tot, doff, avail;

	memset(t, 0, sizeof(*t));
	if (len < 14 + 20 || rd16(f + 12) != 0x0800)
		return false;
	ip = f + 14;
	ihl = (ip[0] & 0xfu) * 4u;
	tot = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || tot < ihl + 20)
		return false;
	if (rd16(ip + 6) & 0x3fffu)     /* MF or a fragment offset */
		return false;
	if (len < 14 + ihl + 20)
		return false;
	tcp = ip + ihl;
	doff = (tcp[12] >> 4) * 4u;
	if (doff < 20 || tot < ihl + doff || len < 14 + ihl + doff)
		return false;
	t->dst_mac = f;
	t->src_mac = f + 6;
	t->saddr = rd32(ip + 12);
	t->daddr = rd32(ip + 16);
	t->sport = rd16(tcp);
	t->dport = rd16(tcp + 2);
	t->seq = rd32(tcp + 4);
	t->ack = rd32(tcp + 8);
	t->flags = tcp[13];
	t->win = rd16(tcp + 14);
	t->payload = tcp + doff;
	t->plen = tot - ihl - doff;
	avail = len - 14 - ihl - doff;
	t->plen_cap = avail < t->plen ? avail : t->plen;
	parse_options(tcp + 20, doff - 20, t);
	return true;
}

/* Ones' complement sum of 16-bit big-endian words. */
static uint32_t sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

bool pkt_csum_ok(const uint8_t *f, const struct pkt_tcp *t)
{
	const uint8_t *ip = f + 14;
	uint32_t ihl = (ip[0] & 0xfu) * 4u, tot = rd16(ip + 2), sum;

	if (t->plen_cap != t->plen || fold(sum16(ip, ihl, 0)) != 0xffff)
		return false;
	sum = sum16(ip + 12, 8, 6u + (tot - ihl));       /* pseudo-header */
	return fold(sum16(ip + ihl, tot - ihl, sum)) == 0xffff;
}

void pkt_fmt_addr(char *buf, unsigned size, uint32_t ip, uint16_t port)
{
	snprintf(buf, size, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 0xffu,
		 (ip >> 8) & 0xffu, ip & 0xffu, port);
}
