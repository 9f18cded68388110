/* SPDX-License-Identifier: MIT */
/* Test-side packets: build frames as a peer would and parse/verify the
 * frames the fast path sends. Checksums are computed here independently of
 * the core (big-endian 16-bit word sums, the textbook way). */
#ifndef TOFFEE_TPKT_H
#define TOFFEE_TPKT_H

#include <stdbool.h>
#include <stdint.h>

struct tpkt {
	uint8_t  src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;          /* host order */
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint8_t  flags;                   /* TCP flags byte */
	uint16_t win;
	uint8_t  tos;
	bool     ts;                      /* append NOP NOP TS */
	uint32_t tsval, tsecr;
	const uint8_t *opts;              /* raw options instead (length % 4 == 0) */
	uint32_t opt_len;
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_ECE 0x40

/** Reference Internet checksum over @p len bytes, added to @p init. */
uint16_t tpkt_csum(const void *data, uint32_t len, uint32_t init);
/** Build an Ethernet/IPv4/TCP frame into @p buf; returns its length. */
uint32_t tpkt_build(uint8_t *buf, const struct tpkt *p, const void *payload, uint32_t plen);

struct tpkt_parsed {
	struct tpkt h;                   /* header fields (opts unused) */
	uint8_t  ip_ttl, ip_flags_hi;
	bool     ip_csum_ok, tcp_csum_ok;
	uint32_t tcp_hlen;
	uint32_t sack_n;                 /* SACK blocks found (at most 4 kept) */
	uint32_t sack[4][2];             /* left, right edge */
	const uint8_t *payload;
	uint32_t plen;
};
/** Parse and verify an Ethernet/IPv4/TCP frame. Returns 0, or -1 if it is
 *  not one (too short, not IPv4/TCP, inconsistent lengths). */
int tpkt_parse(const uint8_t *frame, uint32_t len, struct tpkt_parsed *out);

#endif
