/* SPDX-License-Identifier: MIT */
#include "tpkt.h"
#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

uint16_t tpkt_csum(const void *data, uint32_t len, uint32_t init)
{
	const uint8_t *p = data;
	uint64_t sum = init;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(uint32_t s, uint32_t d, uint32_t tcp_len)
{
	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 6 + tcp_len;
}

uint32_t tpkt_build(uint8_t *buf, const struct tpkt *p, const void *payload, uint32_t plen)
{
	uint32_t olen = p->opts ? p->opt_len : (p->ts ? 12 : 0);
	uint32_t thl = 20 + olen, tot = 20 + thl + plen;
	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	put16(buf + 12, 0x0800);
	uint8_t *ip = buf + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = p->tos;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, p->src_ip);
	put32(ip + 16, p->dst_ip);
	put16(ip + 10, tpkt_csum(ip, 20, 0));
	uint8_t *th = ip + 20;
	memset(th, 0, 20);
	put16(th, p->src_port);
	put16(th + 2, p->dst_port);
	put32(th + 4, p->seq);
	put32(th + 8, p->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = p->flags;
	put16(th + 14, p->win);
	if (p->opts) {
		memcpy(th + 20, p->opts, olen);
	} else if (p->ts) {
		put32(th + 20, 0x0101080a);
		put32(th + 24, p->tsval);
		put32(th + 28, p->tsecr);
	}
	if (plen)
		memcpy(th + thl, payload, plen);
	put16(th + 16, tpkt_csum(th, thl + plen, pseudo(p->src_ip, p->dst_ip, thl + plen)));
	return 14 + tot;
}

int tpkt_parse(const uint8_t *f, uint32_t len, struct tpkt_parsed *o)
{
	memset(o, 0, sizeof(*o));
	if (len < 54 || get16(f + 12) != 0x0800)
		return -1;
	const uint8_t *ip = f + 14;
	uint32_t ihl = (ip[0] & 15u) * 4, tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || tot < ihl + 20 || 14 + tot > len)
		return -1;
	memcpy(o->h.dst_mac, f, 6);
	memcpy(o->h.src_mac, f + 6, 6);
	o->h.tos = ip[1];
	o->ip_ttl = ip[8];
	o->ip_flags_hi = ip[6];
	o->h.src_ip = get32(ip + 12);
	o->h.dst_ip = get32(ip + 16);
	o->ip_csum_ok = tpkt_csum(ip, ihl, 0) == 0;
	const uint8_t *th = ip + ihl;
	uint32_t tcp_len = tot - ihl, thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl < 20 || thl > tcp_len)
		return -1;
	o->h.src_port = get16(th);
	o->h.dst_port = get16(th + 2);
	o->h.seq = get32(th + 4);
	o->h.ack = get32(th + 8);
	o->h.flags = th[13];
	o->h.win = get16(th + 14);
	o->tcp_hlen = thl;
	o->tcp_csum_ok = tpkt_csum(th, tcp_len, pseudo(o->h.src_ip, o->h.dst_ip, tcp_len)) == 0;
	for (uint32_t i = 20; i < thl;) {                /* find timestamps */
		uint8_t kind = th[i];
		if (kind == 0)
			break;
		if (kind == 1) { i++; continue; }
		if (i + 1 >= thl || th[i + 1] < 2)
			break;
		if (kind == 8 && th[i + 1] == 10 && i + 10 <= thl) {
			o->h.ts = true;
			o->h.tsval = get32(th + i + 2);
			o->h.tsecr = get32(th + i + 6);
		}
		if (kind == 5 && i + th[i + 1] <= thl)
			for (uint32_t b = i + 2; b + 8 <= i + th[i + 1] && o->sack_n < 4; b += 8, o->sack_n++) {
				o->sack[o->sack_n][0] = get32(th + b);
				o->sack[o->sack_n][1] = get32(th + b + 4);
			}
		i += th[i + 1];
	}
	o->payload = th + thl;
	o->plen = tcp_len - thl;
	return 0;
}
