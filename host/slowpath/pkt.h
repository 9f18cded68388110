/* SPDX-License-Identifier: MIT */
/**
 * @file pkt.h
 * Frames the slow path parses (exceptions) and builds (raw frames): TCP
 * segments with their options, ARP, ICMP echo. Pure functions, no state.
 * Addresses, ports and sequence numbers are host byte order.
 */
#ifndef TOFFEE_SP_PKT_H
#define TOFFEE_SP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_ETH_LEN   14u
#define SP_IP_LEN    20u
#define SP_TCP_LEN   20u
#define SP_TS_LEN    12u         /* NOP NOP TS(10) as data segments carry it */
#define SP_ETH_IPV4  0x0800u
#define SP_ETH_ARP   0x0806u
#define SP_MSS_DEFAULT 536u      /* RFC 9293 §3.7.1: no MSS option */

#define SP_TH_FIN 0x01u
#define SP_TH_SYN 0x02u
#define SP_TH_RST 0x04u
#define SP_TH_PSH 0x08u
#define SP_TH_ACK 0x10u
#define SP_TH_ECE 0x40u
#define SP_TH_CWR 0x80u

/* Sequence-number comparisons (RFC 9293 modular arithmetic). */
static inline bool sp_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool sp_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool sp_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool sp_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Big-endian accessors. */
static inline uint16_t sp_rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t sp_rd32(const uint8_t *p) { return (uint32_t)sp_rd16(p) << 16 | sp_rd16(p + 2); }
static inline void sp_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sp_wr32(uint8_t *p, uint32_t v) { sp_wr16(p, (uint16_t)(v >> 16)); sp_wr16(p + 2, (uint16_t)v); }

/** TCP options found in a segment. */
struct sp_tcpopt {
	bool     mss_ok, ws_ok, sack_ok, ts_ok;
	uint16_t mss;
	uint8_t  ws;             /* shift as sent (clamped to 14 by the user) */
	uint32_t tsval, tsecr;
};

/** A parsed Ethernet/IPv4/TCP frame. */
struct sp_seg {
	uint8_t  dst_mac[6], src_mac[6];
	uint32_t saddr, daddr;
	uint8_t  tos, ttl;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t  flags;
	uint16_t win;
	const uint8_t *payload;
	uint32_t plen;
	struct sp_tcpopt opt;
	bool     opt_bad;        /* malformed option list */
};

/** Segment length in sequence space: payload + SYN + FIN. */
static inline uint32_t sp_seg_len(const struct sp_seg *s)
{
	return s->plen + !!(s->flags & SP_TH_SYN) + !!(s->flags & SP_TH_FIN);
}

/**
 * Parse an Ethernet/IPv4/TCP frame (no IP options). Checksums are not
 * verified (the NIC did before punting). Returns 0, or -EINVAL if the frame
 * is not a consistent IPv4/TCP frame.
 */
int sp_pkt_parse_tcp(const uint8_t *frame, uint32_t len, struct sp_seg *s);

/** Parse a TCP option list into @p o. Returns false if malformed. */
bool sp_pkt_parse_opts(const uint8_t *p, uint32_t len, struct sp_tcpopt *o);

/** What to put into a segment the slow path builds. */
struct sp_tcp_out {
	uint8_t  dst_mac[6], src_mac[6];
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t  flags;
	uint16_t win;
	uint8_t  tos;
	/* options (in this order: MSS, SACK-permitted + TS or NOP NOP TS, NOP WS) */
	uint16_t mss;            /* 0 = none */
	bool     ws_ok;
	uint8_t  ws;
	bool     sack_ok;
	bool     ts_ok;
	uint32_t tsval, tsecr;
	const uint8_t *payload;
	uint32_t plen;
};

/** Build a TCP segment into @p buf (@p cap bytes, at least 1518 is enough
 *  for any option set and payload that fits a frame). Returns the frame
 *  length, or 0 if it does not fit. */
uint32_t sp_pkt_build_tcp(uint8_t *buf, size_t cap, const struct sp_tcp_out *o);

/** Internet checksum (RFC 1071) over @p len bytes added to @p sum; returns
 *  the 16-bit one's complement of the folded sum (host order). */
uint16_t sp_csum(const void *data, size_t len, uint32_t sum);

/* ---- ARP (RFC 826, Ethernet/IPv4 only) ----------------------------------- */

#define SP_ARP_REQUEST 1u
#define SP_ARP_REPLY   2u
#define SP_ARP_FRAME   42u

struct sp_arp_pkt {
	uint16_t op;
	uint8_t  sha[6], tha[6];
	uint32_t spa, tpa;
};

/** Parse an ARP frame. 0, or -EINVAL if not Ethernet/IPv4 ARP. */
int sp_pkt_parse_arp(const uint8_t *frame, uint32_t len, struct sp_arp_pkt *a);
/** Build an ARP frame (Ethernet destination @p dst, 42 bytes). Returns 42. */
uint32_t sp_pkt_build_arp(uint8_t *buf, const uint8_t dst[6], const struct sp_arp_pkt *a);

/* ---- ICMP echo ------------------------------------------------------------ */

/** If @p frame is an ICMP echo request to @p our_ip, build the reply into
 *  @p out (same size) and return its length, else 0. */
uint32_t sp_pkt_icmp_echo_reply(const uint8_t *frame, uint32_t len, uint32_t our_ip,
				const uint8_t our_mac[6], uint8_t *out, size_t cap);

/* ---- options negotiation (RFC 9293 §3.7.1, RFC 7323, RFC 2018, RFC 3168) -- */

/** Our side of the handshake. */
struct sp_syn_cfg {
	uint16_t mss;            /* MSS we announce: MTU - 40 */
	uint8_t  rcv_wscale;     /* our window shift (0..14) */
	bool     ws, ts, sack;   /* offer/accept window scale, timestamps, SACK-permitted */
	bool     ecn;            /* request ECN on active opens */
	bool     ecn_accept;     /* accept ECN on passive opens */
};

/** The outcome of a handshake. */
struct sp_neg {
	uint16_t mss;            /* payload bytes per segment we send */
	uint16_t peer_mss;       /* the peer's MSS (536 if absent) */
	bool     ws, ts, sack, ecn;
	uint8_t  snd_wscale;     /* peer's shift (0 if !ws) */
	uint8_t  rcv_wscale;     /* ours (0 if !ws) */
	uint32_t ts_recent;      /* peer's TSval to echo */
};

/** Smallest shift so that a window of @p bytes fits 16 bits (RFC 7323, <= 14). */
uint8_t sp_wscale_for(uint32_t bytes);

/**
 * Passive open: negotiate against the peer's SYN @p syn and fill the SYN-ACK
 * @p out's flags and options (addresses, ports, seq/ack, window are the
 * caller's). @p mtu bounds our segment size.
 */
void sp_neg_passive(const struct sp_syn_cfg *cfg, const struct sp_seg *syn, uint32_t mtu,
		    struct sp_neg *n, struct sp_tcp_out *synack);

/** Active open: flags and options of our SYN. */
void sp_neg_syn(const struct sp_syn_cfg *cfg, struct sp_tcp_out *syn);

/** Active open: negotiate from the peer's SYN-ACK (we offered what
 *  sp_neg_syn put in our SYN). */
void sp_neg_active(const struct sp_syn_cfg *cfg, const struct sp_seg *synack, uint32_t mtu,
		   struct sp_neg *n);

#endif /* TOFFEE_SP_PKT_H */
