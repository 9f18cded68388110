/* SPDX-License-Identifier: MIT */
/**
 * @file pkt.h
 * Frame handling for toffee-replay: turning a captured frame of any common
 * Linux link type into an Ethernet frame, and reading the IPv4/TCP fields
 * (incl. handshake options) the replay needs to classify it.
 */
#ifndef TOFFEE_REPLAY_PKT_H
#define TOFFEE_REPLAY_PKT_H

#include <stdbool.h>
#include <stdint.h>

/* MACs put into synthesised Ethernet headers (link types without one). */
#define PKT_SYNTH_SRC_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }
#define PKT_SYNTH_DST_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }

#define PKT_TCP_FIN 0x01u
#define PKT_TCP_SYN 0x02u
#define PKT_TCP_RST 0x04u
#define PKT_TCP_PSH 0x08u
#define PKT_TCP_ACK 0x10u
#define PKT_TCP_URG 0x20u
#define PKT_TCP_ECE 0x40u
#define PKT_TCP_CWR 0x80u

/** True if libpcap link type @p dlt is handled by pkt_to_ether(). */
bool pkt_dlt_supported(int dlt);

/**
 * Convert captured frame @p in (@p len captured bytes, link type @p dlt) to
 * an Ethernet frame in @p out (room for @p cap bytes). Returns the length
 * written (frames too long are cut at @p cap), or 0 if the frame is too short
 * to carry its link header.
 */
uint32_t pkt_to_ether(int dlt, const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap);

/** The fields of an IPv4/TCP frame the replay looks at (host byte order). */
struct pkt_tcp {
	const uint8_t *dst_mac, *src_mac;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t  flags;        /* PKT_TCP_* */
	uint16_t win;
	const uint8_t *payload;
	uint32_t plen;         /* payload bytes per the IP header */
	uint32_t plen_cap;     /* of which present in the capture */
	/* options */
	bool     has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t  ws;
	uint32_t tsval, tsecr;
};

/**
 * Parse Ethernet frame @p f (@p len bytes present) as IPv4/TCP. Returns true
 * for an unfragmented IPv4 TCP segment with sane header lengths (the
 * payload may be truncated by the capture: see plen_cap); checksums are not
 * looked at.
 */
bool pkt_parse_tcp(const uint8_t *f, uint32_t len, struct pkt_tcp *t);

/** True if the IPv4 header and TCP checksums of @p f (parsed into @p t,
 *  complete in the capture) are correct. */
bool pkt_csum_ok(const uint8_t *f, const struct pkt_tcp *t);

/** Format IPv4 address @p ip (host order) and @p port as "a.b.c.d:port". */
void pkt_fmt_addr(char *buf, unsigned size, uint32_t ip, uint16_t port);

#endif /* TOFFEE_REPLAY_PKT_H */
