/* SPDX-License-Identifier: MIT */
/**
 * @file ref.h
 * Reference view of a capture for the trace tests, written independently of
 * the fast path and of toffee-replay: its own frame parser, its own
 * checksum routine and its own reassembler. It answers "what did the client
 * really send" (and the server), so the replay's output can be judged.
 */
#ifndef TOFFEE_TEST_REF_H
#define TOFFEE_TEST_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A byte stream reassembled from segments: offset 0 is the byte after the
 *  SYN. Bytes may arrive in any order; contig is the length of the gap-free
 *  prefix. Overlapping bytes that differ are counted as conflicts. */
struct ref_stream {
	uint8_t *data, *have;
	uint64_t cap, contig, hi;
	uint64_t conflicts;
	bool fin;              /* a FIN was seen at offset fin_off */
	uint64_t fin_off;
};

void ref_stream_add(struct ref_stream *s, uint64_t off, const uint8_t *p, uint32_t len);
void ref_stream_free(struct ref_stream *s);

/** A parsed Ethernet/IPv4/TCP frame (host byte order). */
struct ref_seg {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;          /* MSS option, 0 if none */
	uint32_t hlen;         /* TCP header length */
	const uint8_t *payload;
	uint32_t plen;
	bool ip_csum_ok, tcp_csum_ok;
};

#define REF_FIN 0x01u
#define REF_SYN 0x02u
#define REF_RST 0x04u
#define REF_ACK 0x10u

/** Parse an Ethernet frame; false if it is not a complete IPv4 TCP segment. */
bool ref_parse(const uint8_t *frame, uint32_t len, struct ref_seg *s);
/** RFC 1071 checksum the textbook way: big-endian 16-bit words, one by one. */
uint16_t ref_csum(const uint8_t *p, uint32_t len, uint32_t sum);

/** A connection of the capture (one with a client SYN). */
struct ref_conn {
	uint32_t cli_ip, srv_ip;
	uint16_t cli_port, srv_port;
	uint32_t cli_isn, srv_isn;
	bool have_synack;
	uint16_t cli_mss;
	struct ref_stream c2s, s2c;  /* from segments with correct checksums */
	uint64_t bad_csum;           /* segments with a wrong checksum */
};

/** Read every connection of an Ethernet capture. Returns 0, or -1 with a
 *  message on stderr. */
int ref_load(const char *path, struct ref_conn **conns, size_t *n);
void ref_free(struct ref_conn *conns, size_t n);
/** The connection with this client/server 4-tuple, or NULL. */
struct ref_conn *ref_find(struct ref_conn *conns, size_t n, uint32_t cli_ip,
			  uint16_t cli_port, uint32_t srv_ip, uint16_t srv_port);

#endif /* TOFFEE_TEST_REF_H */
