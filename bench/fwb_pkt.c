/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_pkt.c
 * Frames for the benchmark: an independent builder and checker of
 * Ethernet/IPv4/TCP frames (neither stack's code is used here), and the
 * payload-touching helpers that the measurement subtracts by name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fwb.h"

const uint8_t fwb_local_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t fwb_peer_mac[6]  = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

void fwb_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fwbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void fwb_report_ops(const char *phase, unsigned long n)
{
	printf("FWB ops %s %lu\n", phase, n);
}

/* Kept out of line and named so callgrind can attribute (and run-fw.sh
 * subtract) exactly the bytes moved. */
FWB_NOINLINE void fwb_payload_copy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

FWB_NOINLINE void fwb_mac_copy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

uint32_t fwb_csum_add(uint32_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	return acc;
}

uint16_t fwb_csum_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint32_t tcp_len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, tcp_len);
	return fwb_csum_add(0, ph, sizeof ph);
}

uint32_t fwb_build(uint8_t *buf, const struct fwb_seg *s)
{
	uint8_t *ip = buf + 14, *tcp = buf + 34, *o;
	uint32_t optlen = 0, tcp_len, ip_len;
	static uint16_t ip_id = 1;

	memcpy(buf, fwb_local_mac, 6);
	memcpy(buf + 6, fwb_peer_mac, 6);
	put16(buf + 12, 0x0800);

	o = tcp + 20;
	if (s->syn_opts) {              /* Linux's SYN layout */
		o[0] = 2; o[1] = 4; put16(o + 2, FWB_MSS_OPT);
		o[4] = 4; o[5] = 2;     /* SACK permitted */
		o[6] = 8; o[7] = 10; put32(o + 8, s->tsval); put32(o + 12, s->tsecr);
		o[16] = 1; o[17] = 3; o[18] = 3; o[19] = FWB_PEER_WSCALE;
		optlen = 20;
	} else if (s->has_ts) {
		o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
		put32(o + 4, s->tsval);
		put32(o + 8, s->tsecr);
		optlen = 12;
	}
	tcp_len = 20 + optlen + s->payload_len;
	ip_len = 20 + tcp_len;
	if (14 + ip_len > 1518)
		fwb_fail("frame too long (%u)", 14 + ip_len);

	ip[0] = 0x45; ip[1] = 0;
	put16(ip + 2, ip_len);
	put16(ip + 4, ip_id++);
	put16(ip + 6, 0x4000);          /* DF */
	ip[8] = 64; ip[9] = 6;
	put16(ip + 10, 0);
	put32(ip + 12, s->src_ip);
	put32(ip + 16, s->dst_ip);
	put16(ip + 10, fwb_csum_fold(fwb_csum_add(0, ip, 20)));

	put16(tcp, s->src_port);
	put16(tcp + 2, s->dst_port);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = s->flags;
	put16(tcp + 14, s->win);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (s->payload_len)
		memcpy(tcp + 20 + optlen, s->payload, s->payload_len);
	put16(tcp + 16, fwb_csum_fold(fwb_csum_add(
		pseudo_sum(s->src_ip, s->dst_ip, tcp_len), tcp, tcp_len)));
	return 14 + ip_len;
}

static int parse(const uint8_t *f, uint32_t len, struct fwb_seg *s, const char **why,
		 const uint8_t *dst_mac, const uint8_t *src_mac)
{
	const uint8_t *ip = f + 14, *tcp, *o;
	uint32_t ip_len, ihl, doff, i;

	memset(s, 0, sizeof *s);
	*why = "runt";
	if (len < 54)
		return -1;
	*why = "not IPv4";
	if (get16(f + 12) != 0x0800 || ip[0] != 0x45)
		return -1;
	ihl = 20;
	ip_len = get16(ip + 2);
	*why = "IP length";
	if (ip_len + 14 > len || ip_len < 40)
		return -1;
	*why = "IP checksum";
	if (fwb_csum_fold(fwb_csum_add(0, ip, ihl)) != 0)
		return -1;
	*why = "not TCP";
	if (ip[9] != 6)
		return -1;
	s->src_ip = get32(ip + 12);
	s->dst_ip = get32(ip + 16);
	tcp = ip + ihl;
	doff = (uint32_t)(tcp[12] >> 4) * 4;
	*why = "TCP data offset";
	if (doff < 20 || ihl + doff > ip_len)
		return -1;
	*why = "TCP checksum";
	if (fwb_csum_fold(fwb_csum_add(pseudo_sum(s->src_ip, s->dst_ip, ip_len - ihl),
				       tcp, ip_len - ihl)) != 0)
		return -1;
	*why = "addressing";
	if (memcmp(f, dst_mac, 6) || memcmp(f + 6, src_mac, 6))
		return -1;
	s->src_port = (uint16_t)get16(tcp);
	s->dst_port = (uint16_t)get16(tcp + 2);
	s->seq = get32(tcp + 4);
	s->ack = get32(tcp + 8);
	s->flags = tcp[13];
	s->win = (uint16_t)get16(tcp + 14);
	o = tcp + 20;
	*why = "TCP options";
	for (i = 0; i + 20 < doff;) {
		uint32_t kind = o[i], olen;
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 21 >= doff || (olen = o[i + 1]) < 2 || i + 20 + olen > doff)
			return -1;
		if (kind == 2 && olen == 4)
			s->mss = (uint16_t)get16(o + i + 2);
		if (kind == 8 && olen == 10) {
			s->has_ts = 1;
			s->tsval = get32(o + i + 2);
			s->tsecr = get32(o + i + 6);
		}
		i += olen;
	}
	s->payload = tcp + doff;
	s->payload_len = ip_len - ihl - doff;
	*why = NULL;
	return 0;
}

int fwb_parse(const uint8_t *f, uint32_t len, struct fwb_seg *s, const char **why)
{
	return parse(f, len, s, why, fwb_peer_mac, fwb_local_mac);
}

int fwb_parse_peer(const uint8_t *f, uint32_t len, struct fwb_seg *s, const char **why)
{
	return parse(f, len, s, why, fwb_local_mac, fwb_peer_mac);
}
