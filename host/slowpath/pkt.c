/* SPDX-License-Identifier: MIT */
/* Frames of the slow path: parse TCP/ARP, build TCP/ARP/ICMP, negotiate
 * TCP options. */
#include <errno.h>
#include <string.h>
#include "pkt.h"

#define SP_MSS_FLOOR 48u   /* smallest MSS we accept from a peer (like Linux's tcp_min_snd_mss) */

uint16_t sp_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t pseudo_sum(uint32_t saddr, uint32_t daddr, uint32_t tcp_len)
{
	return (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + 6u + tcp_len;
}

bool sp_pkt_parse_opts(const uint8_t *p, uint32_t len, struct sp_tcpopt *o)
{
	memset(o, 0, sizeof(*o));
	uint32_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return false;
		uint8_t olen = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case 2:
			if (olen != 4)
				return false;
			o->mss_ok = true;
			o->mss = sp_rd16(v);
			break;
		case 3:
			if (olen != 3)
				return false;
			o->ws_ok = true;
			o->ws = v[0];
			break;
		case 4:
			if (olen != 2)
				return false;
			o->sack_ok = true;
			break;
		case 8:
			if (olen != 10)
				return false;
			o->ts_ok = true;
			o->tsval = sp_rd32(v);
			o->tsecr = sp_rd32(v + 4);
			break;
		default:
			break;          /* SACK blocks and unknown kinds: skipped */
		}
		i += olen;
	}
	return true;
}

int sp_pkt_parse_tcp(const uint8_t *f, uint32_t len, struct sp_seg *s)
{
	memset(s, 0, sizeof(*s));
	if (len < SP_ETH_LEN + SP_IP_LEN + SP_TCP_LEN || sp_rd16(f + 12) != SP_ETH_IPV4)
		return -EINVAL;
	const uint8_t *ip = f + SP_ETH_LEN;
	uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
	uint32_t tot = sp_rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < SP_IP_LEN || ip[9] != 6 || tot < ihl + SP_TCP_LEN ||
	    SP_ETH_LEN + tot > len)
		return -EINVAL;
	const uint8_t *th = ip + ihl;
	uint32_t thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl < SP_TCP_LEN || ihl + thl > tot)
		return -EINVAL;
	memcpy(s->dst_mac, f, 6);
	memcpy(s->src_mac, f + 6, 6);
	s->tos = ip[1];
	s->ttl = ip[8];
	s->saddr = sp_rd32(ip + 12);
	s->daddr = sp_rd32(ip + 16);
	s->sport = sp_rd16(th);
	s->dport = sp_rd16(th + 2);
	s->seq = sp_rd32(th + 4);
	s->ack = sp_rd32(th + 8);
	s->flags = th[13];
	s->win = sp_rd16(th + 14);
	s->payload = th + thl;
	s->plen = tot - ihl - thl;
	s->opt_bad = !sp_pkt_parse_opts(th + SP_TCP_LEN, thl - SP_TCP_LEN, &s->opt);
	return 0;
}

/* Write the option list of @p o at @p p; returns its length (multiple of 4). */
static uint32_t put_opts(uint8_t *p, const struct sp_tcp_out *o)
{
	uint32_t n = 0;
	if (o->mss) {
		p[n++] = 2;
		p[n++] = 4;
		sp_wr16(p + n, o->mss);
		n += 2;
	}
	if (o->ts_ok) {
		if (o->sack_ok) {
			p[n++] = 4;
			p[n++] = 2;
		} else {
			p[n++] = 1;
			p[n++] = 1;
		}
		p[n++] = 8;
		p[n++] = 10;
		sp_wr32(p + n, o->tsval);
		sp_wr32(p + n + 4, o->tsecr);
		n += 8;
	} else if (o->sack_ok) {
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 4;
		p[n++] = 2;
	}
	if (o->ws_ok) {
		p[n++] = 1;
		p[n++] = 3;
		p[n++] = 3;
		p[n++] = o->ws;
	}
	return n;
}

uint32_t sp_pkt_build_tcp(uint8_t *buf, size_t cap, const struct sp_tcp_out *o)
{
	uint8_t opts[40];
	uint32_t olen = put_opts(opts, o);
	uint32_t thl = SP_TCP_LEN + olen, tot = SP_IP_LEN + thl + o->plen;
	if (SP_ETH_LEN + tot > cap || tot > 0xffff)
		return 0;
	memcpy(buf, o->dst_mac, 6);
	memcpy(buf + 6, o->src_mac, 6);
	sp_wr16(buf + 12, SP_ETH_IPV4);
	uint8_t *ip = buf + SP_ETH_LEN;
	ip[0] = 0x45;
	ip[1] = o->tos;
	sp_wr16(ip + 2, (uint16_t)tot);
	sp_wr16(ip + 4, 0);
	sp_wr16(ip + 6, 0x4000);         /* DF */
	ip[8] = 64;
	ip[9] = 6;
	sp_wr16(ip + 10, 0);
	sp_wr32(ip + 12, o->saddr);
	sp_wr32(ip + 16, o->daddr);
	sp_wr16(ip + 10, sp_csum(ip, SP_IP_LEN, 0));
	uint8_t *th = ip + SP_IP_LEN;
	sp_wr16(th, o->sport);
	sp_wr16(th + 2, o->dport);
	sp_wr32(th + 4, o->seq);
	sp_wr32(th + 8, o->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = o->flags;
	sp_wr16(th + 14, o->win);
	sp_wr16(th + 16, 0);
	sp_wr16(th + 18, 0);
	memcpy(th + SP_TCP_LEN, opts, olen);
	if (o->plen)
		memcpy(th + thl, o->payload, o->plen);
	sp_wr16(th + 16, sp_csum(th, thl + o->plen, pseudo_sum(o->saddr, o->daddr, thl + o->plen)));
	return SP_ETH_LEN + tot;
}

int sp_pkt_parse_arp(const uint8_t *f, uint32_t len, struct sp_arp_pkt *a)
{
	if (len < SP_ARP_FRAME || sp_rd16(f + 12) != SP_ETH_ARP)
		return -EINVAL;
	const uint8_t *p = f + SP_ETH_LEN;
	if (sp_rd16(p) != 1 || sp_rd16(p + 2) != SP_ETH_IPV4 || p[4] != 6 || p[5] != 4)
		return -EINVAL;
	a->op = sp_rd16(p + 6);
	memcpy(a->sha, p + 8, 6);
	a->spa = sp_rd32(p + 14);
	memcpy(a->tha, p + 18, 6);
	a->tpa = sp_rd32(p + 24);
	return 0;
}

uint32_t sp_pkt_build_arp(uint8_t *buf, const uint8_t dst[6], const struct sp_arp_pkt *a)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, a->sha, 6);
	sp_wr16(buf + 12, SP_ETH_ARP);
	uint8_t *p = buf + SP_ETH_LEN;
	sp_wr16(p, 1);
	sp_wr16(p + 2, SP_ETH_IPV4);
	p[4] = 6;
	p[5] = 4;
	sp_wr16(p + 6, a->op);
	memcpy(p + 8, a->sha, 6);
	sp_wr32(p + 14, a->spa);
	memcpy(p + 18, a->tha, 6);
	sp_wr32(p + 24, a->tpa);
	return SP_ARP_FRAME;
}

uint32_t sp_pkt_icmp_echo_reply(const uint8_t *f, uint32_t len, uint32_t our_ip,
				const uint8_t our_mac[6], uint8_t *out, size_t cap)
{
	if (len < SP_ETH_LEN + SP_IP_LEN + 8 || sp_rd16(f + 12) != SP_ETH_IPV4)
		return 0;
	const uint8_t *ip = f + SP_ETH_LEN;
	uint32_t ihl = (uint32_t)(ip[0] & 15) * 4, tot = sp_rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl != SP_IP_LEN || ip[9] != 1 || tot < ihl + 8 ||
	    SP_ETH_LEN + tot > len || SP_ETH_LEN + tot > cap || sp_rd32(ip + 16) != our_ip ||
	    (sp_rd16(ip + 6) & 0x3fff))
		return 0;
	if (ip[ihl] != 8 || ip[ihl + 1] != 0)   /* echo request, code 0 */
		return 0;
	if (sp_csum(ip + ihl, tot - ihl, 0) != 0)
		return 0;
	memcpy(out, f + 6, 6);
	memcpy(out + 6, our_mac, 6);
	memcpy(out + 12, f + 12, 2 + tot);
	uint8_t *oip = out + SP_ETH_LEN;
	sp_wr32(oip + 12, our_ip);
	sp_wr32(oip + 16, sp_rd32(ip + 12));
	oip[8] = 64;
	sp_wr16(oip + 10, 0);
	sp_wr16(oip + 10, sp_csum(oip, SP_IP_LEN, 0));
	uint8_t *ic = oip + ihl;
	ic[0] = 0;
	sp_wr16(ic + 2, 0);
	sp_wr16(ic + 2, sp_csum(ic, tot - ihl, 0));
	return SP_ETH_LEN + tot;
}

uint8_t sp_wscale_for(uint32_t bytes)
{
	uint8_t s = 0;
	while (s < 14 && (bytes >> s) > 0xffffu)
		s++;
	return s;
}

static uint16_t seg_mss(uint16_t peer_mss, uint32_t mtu, bool ts)
{
	uint32_t m = peer_mss < mtu - 40 ? peer_mss : mtu - 40;
	if (m < SP_MSS_FLOOR)
		m = SP_MSS_FLOOR;
	if (ts)
		m -= SP_TS_LEN;
	return (uint16_t)m;
}

void sp_neg_passive(const struct sp_syn_cfg *cfg, const struct sp_seg *syn, uint32_t mtu,
		    struct sp_neg *n, struct sp_tcp_out *sa)
{
	memset(n, 0, sizeof(*n));
	n->peer_mss = syn->opt.mss_ok ? syn->opt.mss : SP_MSS_DEFAULT;
	n->ts = cfg->ts && syn->opt.ts_ok;
	n->ws = cfg->ws && syn->opt.ws_ok;
	n->sack = cfg->sack && syn->opt.sack_ok;
	/* RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR. */
	n->ecn = cfg->ecn_accept && (syn->flags & (SP_TH_ECE | SP_TH_CWR)) == (SP_TH_ECE | SP_TH_CWR);
	n->snd_wscale = n->ws ? (syn->opt.ws > 14 ? 14 : syn->opt.ws) : 0;   /* RFC 7323 §2.3 */
	n->rcv_wscale = n->ws ? cfg->rcv_wscale : 0;
	n->ts_recent = n->ts ? syn->opt.tsval : 0;
	n->mss = seg_mss(n->peer_mss, mtu, n->ts);
	sa->flags = SP_TH_SYN | SP_TH_ACK | (n->ecn ? SP_TH_ECE : 0);
	sa->mss = cfg->mss;
	sa->ws_ok = n->ws;
	sa->ws = cfg->rcv_wscale;
	sa->sack_ok = n->sack;
	sa->ts_ok = n->ts;
	sa->tsecr = syn->opt.tsval;
}

void sp_neg_syn(const struct sp_syn_cfg *cfg, struct sp_tcp_out *syn)
{
	syn->flags = SP_TH_SYN | (cfg->ecn ? SP_TH_ECE | SP_TH_CWR : 0);
	syn->mss = cfg->mss;
	syn->ws_ok = cfg->ws;
	syn->ws = cfg->rcv_wscale;
	syn->sack_ok = cfg->sack;
	syn->ts_ok = cfg->ts;
	syn->tsecr = 0;
	syn->ack = 0;
}

void sp_neg_active(const struct sp_syn_cfg *cfg, const struct sp_seg *sa, uint32_t mtu,
		   struct sp_neg *n)
{
	memset(n, 0, sizeof(*n));
	n->peer_mss = sa->opt.mss_ok ? sa->opt.mss : SP_MSS_DEFAULT;
	n->ts = cfg->ts && sa->opt.ts_ok;
	n->ws = cfg->ws && sa->opt.ws_ok;
	n->sack = cfg->sack && sa->opt.sack_ok;
	/* RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE and not CWR. */
	n->ecn = cfg->ecn && (sa->flags & (SP_TH_ECE | SP_TH_CWR)) == SP_TH_ECE;
	n->snd_wscale = n->ws ? (sa->opt.ws > 14 ? 14 : sa->opt.ws) : 0;
	n->rcv_wscale = n->ws ? cfg->rcv_wscale : 0;
	n->ts_recent = n->ts ? sa->opt.tsval : 0;
	n->mss = seg_mss(n->peer_mss, mtu, n->ts);
}
