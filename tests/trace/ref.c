/* SPDX-License-Identifier: MIT */
/* Independent reference reassembler for the trace tests: see ref.h. */
#include "ref.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX_STREAM (1ull << 30)

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

uint16_t ref_csum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool ref_parse(const uint8_t *f, uint32_t len, struct ref_seg *s)
{
	const uint8_t *ip, *tcp;
	uint32_t ihl, tot, sum;

	memset(s, 0, sizeof(*s));
	if (len < 54 || be16(f + 12) != 0x0800)
		return false;
	ip = f + 14;
	ihl = (ip[0] & 15u) * 4;
	tot = be16(ip + 2);
	if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != 6 || tot > len - 14 || tot < ihl + 20 ||
	    (be16(ip + 6) & 0x3fff))
		return false;
	tcp = ip + ihl;
	s->hlen = (tcp[12] >> 4) * 4u;
	if (s->hlen < 20 || ihl + s->hlen > tot)
		return false;
	s->ip_csum_ok = ref_csum(ip, ihl, 0) == 0;
	s->sip = be32(ip + 12);
	s->dip = be32(ip + 16);
	s->sport = (uint16_t)be16(tcp);
	s->dport = (uint16_t)be16(tcp + 2);
	s->seq = be32(tcp + 4);
	s->ack = be32(tcp + 8);
	s->flags = tcp[13];
	s->win = (uint16_t)be16(tcp + 14);
	s->payload = tcp + s->hlen;
	s->plen = tot - ihl - s->hlen;
	/* pseudo-header: addresses, protocol, TCP length */
	sum = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 6 + (tot - ihl);
	s->tcp_csum_ok = ref_csum(tcp, tot - ihl, sum) == 0;
	for (uint32_t i = 20; i < s->hlen;) {
		uint8_t kind = tcp[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->hlen || tcp[i + 1] < 2)
			break;
		if (kind == 2 && tcp[i + 1] == 4 && i + 4 <= s->hlen)
			s->mss = (uint16_t)be16(tcp + i + 2);
		i += tcp[i + 1];
	}
	return true;
}

void ref_stream_add(struct ref_stream *s, uint64_t off, const uint8_t *p, uint32_t len)
{
	uint64_t end = off + len;

	if (!len || end > REF_MAX_STREAM)
		return;
	if (end > s->cap) {
		uint64_t cap = s->cap ? s->cap : 65536;

		while (cap < end)
			cap *= 2;
		s->data = realloc(s->data, cap);
		s->have = realloc(s->have, cap);
		if (!s->data || !s->have)
			abort();
		memset(s->have + s->cap, 0, cap - s->cap);
		s->cap = cap;
	}
	for (uint64_t i = 0; i < len; i++) {
		if (s->have[off + i] && s->data[off + i] != p[i])
			s->conflicts++;
		s->data[off + i] = p[i];
		s->have[off + i] = 1;
	}
	if (end > s->hi)
		s->hi = end;
	while (s->contig < s->hi && s->have[s->contig])
		s->contig++;
}

void ref_stream_free(struct ref_stream *s)
{
	free(s->data);
	free(s->have);
	memset(s, 0, sizeof(*s));
}

struct ref_conn *ref_find(struct ref_conn *conns, size_t n, uint32_t cli_ip,
			  uint16_t cli_port, uint32_t srv_ip, uint16_t srv_port)
{
	/* the last match: a reused 4-tuple means the newest connection */
	for (size_t i = n; i-- > 0;)
		if (conns[i].cli_ip == cli_ip && conns[i].cli_port == cli_port &&
		    conns[i].srv_ip == srv_ip && conns[i].srv_port == srv_port)
			return &conns[i];
	return NULL;
}

int ref_load(const char *path, struct ref_conn **out, size_t *n_out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct ref_conn *conns = NULL;
	size_t n = 0;
	pcap_t *pc = pcap_open_offline(path, err);

	if (!pc) {
		fprintf(stderr, "ref: %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "ref: %s: not an Ethernet capture\n", path);
		pcap_close(pc);
		return -1;
	}
	while (pcap_next_ex(pc, &h, &d) == 1) {
		struct ref_seg s;
		struct ref_conn *c;
		bool c2s;

		if (!ref_parse(d, h->caplen, &s))
			continue;
		if ((s.flags & (REF_SYN | REF_ACK)) == REF_SYN) {
			c = ref_find(conns, n, s.sip, s.sport, s.dip, s.dport);
			if (c && c->cli_isn == s.seq)
				continue;
			conns = realloc(conns, (n + 1) * sizeof(*conns));
			if (!conns)
				abort();
			c = &conns[n++];
			memset(c, 0, sizeof(*c));
			c->cli_ip = s.sip;
			c->cli_port = s.sport;
			c->srv_ip = s.dip;
			c->srv_port = s.dport;
			c->cli_isn = s.seq;
			c->cli_mss = s.mss;
			continue;
		}
		c = ref_find(conns, n, s.sip, s.sport, s.dip, s.dport);
		c2s = c != NULL;
		if (!c)
			c = ref_find(conns, n, s.dip, s.dport, s.sip, s.sport);
		if (!c)
			continue;
		if (!c2s && (s.flags & REF_SYN)) {
			if (!c->have_synack && s.ack == c->cli_isn + 1) {
				c->have_synack = true;
				c->srv_isn = s.seq;
			}
			continue;
		}
		if (!s.ip_csum_ok || !s.tcp_csum_ok) {
			c->bad_csum++;
			continue;
		}
		if (!c2s && !c->have_synack)
			continue;
		{
			struct ref_stream *st = c2s ? &c->c2s : &c->s2c;
			uint32_t base = (c2s ? c->cli_isn : c->srv_isn) + 1;
			uint64_t off = (uint32_t)(s.seq - base);

			if (off > REF_MAX_STREAM)   /* before the stream: trim the front */
				continue;
			ref_stream_add(st, off, s.payload, s.plen);
			if (s.flags & REF_FIN) {
				st->fin = true;
				st->fin_off = off + s.plen;
			}
		}
	}
	pcap_close(pc);
	*out = conns;
	*n_out = n;
	return 0;
}

void ref_free(struct ref_conn *conns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ref_stream_free(&conns[i].c2s);
		ref_stream_free(&conns[i].s2c);
	}
	free(conns);
}
