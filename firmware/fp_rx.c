/* SPDX-License-Identifier: MIT */
/*
 * Receive path: one frame in, constant work, no loops over flows or data.
 *
 * Punt to the slow path when ... (enum toffee_exc_reason; the same numbered
 * list heads hw/rtl/rx_protocol.sv, and each check below is tagged [Pn]):
 *   P1  the frame is not IPv4 (ARP, IPv6, VLAN-tagged, ...)
 *   P2  the IPv4 header has options, or the packet is a fragment
 *   P3  the IPv4 protocol is not TCP
 *   P4  no flow is installed for the 4-tuple
 *   P5  the flow is marked TOFFEE_FLOWF_SLOWPATH
 *   P6  SYN is set
 *   P7  RST is set
 *   P8  ACK is not set
 *   P9  a TCP option other than NOP, EOL, timestamps or SACK, or a malformed
 *       option list
 *   P10 the ACK field is unacceptable: it acknowledges data never sent
 *       (beyond snd_max), or lies further before snd_una than any window
 *       the peer can advertise (RFC 5961 §5, fp_ack_too_old())
 *   P11 the segment starts beyond the receive window (RFC 9293 §3.10.7.4)
 *   P12 payload arrives while our receive window is zero (window probe)
 *   P13 a FIN was accepted in order (after its payload was delivered and
 *       ACKed here; the slow path runs the close state machine)
 *
 * Drop and count (enum toffee_drop_reason) when the frame is corrupt or
 * truncated, not addressed to us, old (a duplicate ACK is sent), out of
 * order and not mergeable with the one out-of-order interval (duplicate ACK
 * sent), or when the context's event ring is full (not ACKed: the peer
 * retransmits).
 *
 * The checks are written out in their defining order in
 * rx_headers_ordered() and rx_segment(); that is where the tags are. The
 * common segment takes shortcuts that are equivalent to them: rx_headers()
 * tests all header conditions at once and runs the ordered checks only to
 * pick the reason when one fails; fp_rx() predicts the segment (in order,
 * plain ACK, in the window) and hands every other one to rx_segment().
 */
#include "fp_internal.h"

/* TCP options [P9]: the parser's result packs whether the list is one the
 * fast path handles, whether it holds a timestamp, and the peer's TSval. */
#define OPT_OK  (1ull << 32)
#define OPT_TS  (1ull << 33)
#define TS_WORD 0x0a080101u     /* NOP NOP kind 8 len 10, as a native word */

/* The general option list: NOP, EOL, timestamps, SACK (accepted and
 * ignored); anything else, or a malformed list, is not OPT_OK. */
static __attribute__((noinline)) uint64_t parse_options_list(const uint8_t *o, uint32_t len)
{
	uint64_t r = OPT_OK;
	uint32_t i = 0;
	while (i < len) {
		uint8_t kind = o[i];
		if (kind == 0)                     /* EOL */
			return r;
		if (kind == 1) {                   /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return 0;
		uint8_t olen = o[i + 1];
		if (kind == 8 && olen == 10)
			r = OPT_OK | OPT_TS | rd32(o + i + 2);
		else if (!(kind == 5 && olen >= 10 && (olen - 2) % 8 == 0))
			return 0;
		i += olen;
	}
	return r;
}

static inline uint64_t parse_options(const uint8_t *o, uint32_t len)
{
	/* Common cases first: NOP NOP TS, as Linux and toffee send it; none. */
	if (len == FP_TS_OPT_LEN && rd32(o) == 0x0101080au)
		return OPT_OK | OPT_TS | rd32(o + 4);
	return len == 0 ? OPT_OK : parse_options_list(o, len);
}

/* Write @p len payload bytes with sequence number @p seq into the flow's
 * circular receive buffer (always inline: GCC's own choice varies with
 * small changes elsewhere, and a call costs the receive path ~20). */
static inline __attribute__((always_inline)) void
deposit(struct fp *fp, const struct toffee_flow *f, const struct fp_fx *x, uint32_t seq, const uint8_t *data,
	uint32_t len)
{
	uint32_t size = x->rx_size;
	uint32_t off = seq & (size - 1), first = size - off;
	uint8_t *buf = fp_host_ptr(fp, f->rx_buf_iova, size);
	if (FP_LIKELY(buf)) {
		if (FP_LIKELY(len <= first)) {
			fp_payload_copy(buf + off, data, len);
		} else {
			fp_payload_copy(buf + off, data, first);
			fp_payload_copy(buf, data + first, len - first);
		}
	} else if (off + len <= size) {
		fp->plat->dma_write(fp->plat->priv, f->rx_buf_iova + off, data, len);
	} else {
		fp->plat->dma_write(fp->plat->priv, f->rx_buf_iova + off, data, first);
		fp->plat->dma_write(fp->plat->priv, f->rx_buf_iova, data + first, len - first);
	}
}

/* Accept an out-of-order segment into the single interval if it is empty or
 * the segment touches it. Returns false if the segment cannot be kept. */
static bool ooo_accept(struct fp *fp, struct toffee_flow *f, uint32_t seq,
		       const uint8_t *data, uint32_t len)
{
	uint32_t end = seq + len;
	if (f->ooo_len) {
		uint32_t oend = f->ooo_start + f->ooo_len;
		if (seq_gt(seq, oend) || seq_lt(end, f->ooo_start))
			return false;
		if (seq_gt(f->ooo_start, seq))
			f->ooo_start = seq;
		if (seq_gt(oend, end))
			end = oend;
	} else {
		f->ooo_start = seq;
	}
	f->ooo_len = end - f->ooo_start;
	deposit(fp, f, &fp->fx[f - fp->flows], seq, data, len);
	return true;
}

static inline void punt(struct fp *fp, uint32_t flow, unsigned reason, const uint8_t *frame, uint32_t len)
{
	fp_exc_post(fp, flow, reason, frame, len);
}

/* Checksums. A one's-complement sum is kept modulo 0xffff by folding, and
 * by adding 64-bit words with end-around carry (2^64 - 1 is a multiple of
 * 0xffff): the sums below are congruent to fp_csum_add()'s. A header with a
 * right checksum sums to 0 modulo 0xffff, and these sums are never zero
 * (version 4 / protocol 6 are in them), so fp_csum_fold(sum) == 0xffff
 * exactly when sum % 0xffff == 0. */
static inline uint64_t csum_add64(uint64_t sum, uint64_t w)
{
	uint64_t r;
	bool carry = __builtin_add_overflow(sum, w, &r);   /* add, then adc */
	return r + carry;
}
/* sum % 0xffff == 0, written as the multiply-by-inverse test (0xffff is
 * odd: n is a multiple iff n * 0xffff^-1 mod 2^64 <= (2^64 - 1) / 0xffff),
 * which the compiler does not always find by itself. */
#define CSUM_INV 0xfffefffefffeffffull
#define CSUM_LIM 0x0001000100010001ull
static inline bool csum_zero(uint64_t sum)
{
	return sum * CSUM_INV <= CSUM_LIM;
}
static inline uint64_t ip_csum_sum(const uint8_t *ip)
{
	return csum_add64(csum_add64(ld64(ip), ld64(ip + 8)), ld32(ip + 16));
}
static inline bool ip_csum_ok(const uint8_t *ip)
{
	return csum_zero(ip_csum_sum(ip));
}
static inline uint64_t tcp_csum_sum(const uint8_t *ip, uint32_t tcp_len, uint32_t thl);
static inline bool tcp_csum_ok(const uint8_t *ip, uint32_t tcp_len, uint32_t thl)
{
	return csum_zero(tcp_csum_sum(ip, tcp_len, thl));
}
static inline uint64_t tcp_csum_sum(const uint8_t *ip, uint32_t tcp_len, uint32_t thl)
{
	const uint8_t *th = ip + FP_IP_LEN;
	/* pseudo header: addresses, protocol, TCP length (native order). The
	 * TCP length is the IPv4 total length minus 20, and a byte swap
	 * multiplies a 16-bit value by 256 modulo 0xffff: bswap16(tcp_len) is
	 * congruent to the total-length field as loaded plus 0xffff - 20 * 256. */
	uint16_t ip_len_raw;
	memcpy(&ip_len_raw, ip + 2, 2);
	uint64_t s = csum_add64(ld64(ip + 12), __builtin_bswap16(6) + (uint64_t)ip_len_raw + (0xffffu - 20u * 256u));
	if (FP_LIKELY(thl == FP_TCP_LEN + FP_TS_OPT_LEN)) {
		s = csum_add64(s, ld64(th));
		s = csum_add64(s, ld64(th + 8));
		s = csum_add64(s, ld64(th + 16));
		s = csum_add64(s, ld64(th + 24));
	} else {
		s = csum_add64(s, fp_csum_add(0, th, thl));
	}
	if (FP_LIKELY(tcp_len > thl))        /* data: laid out as the common case */
		s = csum_add64(s, fp_csum_payload(0, th + thl, tcp_len - thl));
	return s;
}

/* Ethernet, IPv4 and TCP header checks in their defining order: drops,
 * [P1]-[P3]. Returns the TCP header length of a frame that passed (IPv4
 * header 20 bytes, total length consistent with the frame), or 0 when the
 * frame was dropped or punted. */
static __attribute__((noinline)) uint32_t rx_headers_ordered(struct fp *fp, const uint8_t *frame, uint32_t len)
{
	if (FP_UNLIKELY(!(fp->ctrl & TOFFEE_CTRL_ENABLE)))
		return fp_drop(fp, TOFFEE_DROP_DISABLED), 0;
	if (FP_UNLIKELY(len > TOFFEE_MAX_FRAME))
		return fp_drop(fp, TOFFEE_DROP_OVERSIZE), 0;
	if (FP_UNLIKELY(len < FP_ETH_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT), 0;
	/* Our MAC, or broadcast/multicast (group bit) for the slow path. */
	uint32_t d32;
	uint16_t d16;
	memcpy(&d32, frame, 4);
	memcpy(&d16, frame + 4, 2);
	if (FP_UNLIKELY((d32 != fp->mac_lo32 || d16 != fp->mac_hi16) && !(frame[0] & 1) &&
			!(fp->ctrl & TOFFEE_CTRL_PROMISC)))
		return fp_drop(fp, TOFFEE_DROP_NOT_FOR_US), 0;
	if (rd16(frame + 12) != 0x0800)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NOT_IPV4, frame, len), 0;       /* [P1] */

	/* IPv4 header. */
	const uint8_t *ip = frame + FP_ETH_LEN;
	if (FP_UNLIKELY(len < FP_ETH_LEN + FP_IP_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT), 0;
	if (FP_UNLIKELY((ip[0] >> 4) != 4 || (ip[0] & 15) < 5))
		return fp_drop(fp, TOFFEE_DROP_IP_HDR), 0;
	uint32_t ip_len = rd16(ip + 2);
	if (FP_UNLIKELY(ip_len < (uint32_t)(ip[0] & 15) * 4 || FP_ETH_LEN + ip_len > len))
		return fp_drop(fp, TOFFEE_DROP_IP_HDR), 0;
	if ((ip[0] & 15) != 5 || (rd16(ip + 6) & 0x3fff))
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_IP_OPTS_FRAG, frame, len), 0;   /* [P2] */
	if (FP_UNLIKELY(!ip_csum_ok(ip)))
		return fp_drop(fp, TOFFEE_DROP_IP_CSUM), 0;
	if (ip[9] != 6)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NOT_TCP, frame, len), 0;        /* [P3] */
	len = FP_ETH_LEN + ip_len;                 /* strip Ethernet padding */

	/* TCP header and checksum. */
	const uint8_t *th = ip + FP_IP_LEN;
	uint32_t tcp_len = ip_len - FP_IP_LEN;
	if (FP_UNLIKELY(tcp_len < FP_TCP_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT), 0;
	uint32_t thl = (uint32_t)(th[12] >> 4) * 4;
	if (FP_UNLIKELY(thl < FP_TCP_LEN || thl > tcp_len))
		return fp_drop(fp, TOFFEE_DROP_TCP_HDR), 0;
	if (FP_UNLIKELY(!tcp_csum_ok(ip, tcp_len, thl)))
		return fp_drop(fp, TOFFEE_DROP_TCP_CSUM), 0;
	return thl;
}

/* The same checks, the common frame first: for our MAC while enabled, IPv4
 * without options or fragmentation, TCP, consistent lengths. These tests
 * are the conjunction of every check of rx_headers_ordered() but the two
 * checksums (all pure), so if they pass only a checksum can fail, and the
 * IPv4 one is tested first as there; if any fails, the ordered checks run
 * and pick the reason. */
static inline uint32_t rx_headers(struct fp *fp, const uint8_t *frame, uint32_t len, uint32_t *plen)
{
	const uint8_t *ip = frame + FP_ETH_LEN;
	uint32_t ip_len = rd16(ip + 2);
	uint32_t thl = (uint32_t)(ip[FP_IP_LEN + 12] >> 2) & 0x3cu;
	/* thl >= 20 and thl <= ip_len - 20 imply ip_len >= 40 (ip_len < 2^16:
	 * no wrap) */
	if (FP_UNLIKELY(len - FP_HDRS_LEN > TOFFEE_MAX_FRAME - FP_HDRS_LEN ||
			ld64(frame) << 16 != fp->rx_mac_key ||            /* our MAC, enabled */
			(ld32(frame + 12) & 0xffffffu) != 0x450008u ||    /* IPv4, ihl 5 */
			(ld32(ip + 6) & 0xff00ff3fu) != 0x06000000u ||    /* no MF/offset, TCP */
			FP_ETH_LEN + ip_len > len ||
			thl < FP_TCP_LEN || (int32_t)(ip_len - FP_IP_LEN - thl) < 0))
	{
		thl = rx_headers_ordered(fp, frame, len);
		*plen = rd16(ip + 2) - FP_IP_LEN - thl;
		return thl;
	}
	/* csum_zero() with its two constants loaded once */
	uint64_t inv = CSUM_INV, lim = CSUM_LIM;
	__asm__("" : "+r"(inv), "+r"(lim));
	if (FP_UNLIKELY(ip_csum_sum(ip) * inv > lim))
		return fp_drop(fp, TOFFEE_DROP_IP_CSUM), 0;
	if (FP_UNLIKELY(tcp_csum_sum(ip, ip_len - FP_IP_LEN, thl) * inv > lim))
		return fp_drop(fp, TOFFEE_DROP_TCP_CSUM), 0;
	*plen = ip_len - FP_IP_LEN - thl;
	return thl;
}

/* The protocol part of the receive path, for a segment of flow @p id
 * (found in the table) that passed the header checks: [P5]-[P13], the
 * drops, the ACK. Takes every segment the prediction in fp_rx() does not. */
static __attribute__((noinline)) void rx_segment(struct fp *fp, uint32_t id, const uint8_t *frame,
						 uint32_t thl, uint64_t now)
{
	struct toffee_flow *f = &fp->flows[id];
	const uint8_t *ip = frame + FP_ETH_LEN, *th = ip + FP_IP_LEN;
	uint32_t len = FP_ETH_LEN + rd16(ip + 2);  /* without Ethernet padding */
	uint32_t plen = len - FP_ETH_LEN - FP_IP_LEN - thl;
	const uint8_t *payload = th + thl;
	uint8_t fl = th[13];
	if (FP_UNLIKELY((f->flags & TOFFEE_FLOWF_SLOWPATH) ||
			(fl & (FP_TH_SYN | FP_TH_RST | FP_TH_ACK)) != FP_TH_ACK)) {
		if (f->flags & TOFFEE_FLOWF_SLOWPATH)
			return punt(fp, id, TOFFEE_EXC_SLOW_FLOW, frame, len);            /* [P5] */
		if (fl & FP_TH_SYN)
			return punt(fp, id, TOFFEE_EXC_SYN, frame, len);                  /* [P6] */
		if (fl & FP_TH_RST)
			return punt(fp, id, TOFFEE_EXC_RST, frame, len);                  /* [P7] */
		return punt(fp, id, TOFFEE_EXC_NO_ACK, frame, len);                       /* [P8] */
	}
	uint64_t opt = parse_options(th + FP_TCP_LEN, thl - FP_TCP_LEN);
	if (FP_UNLIKELY(!(opt & OPT_OK)))
		return punt(fp, id, TOFFEE_EXC_OPTIONS, frame, len);                      /* [P9] */

	uint32_t seq = rd32(th + 4), ack = rd32(th + 8);
	if (FP_UNLIKELY(seq_gt(ack, f->snd_max) || fp_ack_too_old(&fp->fx[id], f->snd_una, ack)))
		return punt(fp, id, TOFFEE_EXC_ACK_UNACCEPTABLE, frame, len);             /* [P10] */

	/* Acceptability (RFC 9293 §3.10.7.4). */
	bool fin = fl & FP_TH_FIN;
	uint32_t rcv_nxt = f->rcv_nxt, rx_avail = f->rx_avail;
	uint32_t dup_seq = seq, dup_len = 0;       /* bytes we already had (D-SACK) */
	if (FP_LIKELY(seq == rcv_nxt)) {
		/* In order: the tests below, with seq == rcv_nxt. */
		if (FP_UNLIKELY(plen && rx_avail == 0))
			return punt(fp, id, TOFFEE_EXC_ZERO_WINDOW, frame, len);          /* [P12] */
		if (FP_UNLIKELY(plen > rx_avail)) {
			plen = rx_avail;
			fin = false;
		}
	} else {
		uint32_t wnd_end = rcv_nxt + rx_avail;
		if (seq_lt(seq, rcv_nxt) && seq_leq(seq + plen + fin, rcv_nxt)) {
			fp_drop(fp, TOFFEE_DROP_OLD_DATA);  /* duplicate: tell the peer where we are */
			return fp_tx_ack(fp, f, id, now, false, seq, plen);
		}
		if (plen && rx_avail == 0)
			return punt(fp, id, TOFFEE_EXC_ZERO_WINDOW, frame, len);          /* [P12] */
		/* A pure ACK may sit on the right edge; anything else must start inside. */
		if (seq_gt(seq, rcv_nxt) && seq_geq(seq, wnd_end + (plen == 0 && !fin)))
			return punt(fp, id, TOFFEE_EXC_OUT_OF_WINDOW, frame, len);        /* [P11] */

		/* Trim to the window: the front below rcv_nxt, the tail beyond it. */
		if (seq_lt(seq, rcv_nxt)) {
			uint32_t cut = rcv_nxt - seq;
			cut = cut > plen ? plen : cut;
			dup_len = cut;
			payload += cut;
			plen -= cut;
			seq += cut;
		}
		if (plen > wnd_end - seq) {
			plen = wnd_end - seq;
			fin = false;
		}
	}
	bool in_order = seq == rcv_nxt;
	bool new_ack = seq_gt(ack, f->snd_una);
	struct fp_ev_slot ev = { 0, 0, 0, 0, 0 };
	if ((new_ack || (in_order && (plen || fin))) && FP_UNLIKELY(!fp_ctx_ev_reserve(fp, f->ctx_id, &ev)))
		return fp_drop(fp, TOFFEE_DROP_CTX_FULL);   /* not ACKed: retransmitted later */

	/* Timestamps (RFC 7323 §4.3): remember the peer's TSval from a segment
	 * that covers rcv_nxt (we ACK every segment, so Last.ACK.sent = rcv_nxt). */
	if ((opt & OPT_TS) && seq_leq(seq, rcv_nxt) && (int32_t)((uint32_t)opt - f->ts_recent) >= 0)
		f->ts_recent = (uint32_t)opt;

	uint32_t freed = fp_ack_process(fp, f, id, ack, rd16(th + 14), plen == 0 && !fin,
					fl & FP_TH_ECE, now);
	bool ce = (f->flags & TOFFEE_FLOWF_ECN) && (ip[1] & 3) == 3;

	if (!plen && !fin) {                       /* pure ACK */
		if (freed)
			fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, 0, freed, 0);
		return;
	}
	if (FP_UNLIKELY(!in_order)) {
		/* a duplicate of data the interval holds: reported (D-SACK) */
		if (plen && f->ooo_len && seq_geq(seq, f->ooo_start) &&
		    seq_leq(seq + plen, f->ooo_start + f->ooo_len))
			dup_len = plen;        /* (no front cut here: seq > rcv_nxt) */
		if (plen && ooo_accept(fp, f, seq, payload, plen))
			fp_count(fp, TOFFEE_CNT_RX_DATA_SEGS);
		else
			fp_drop(fp, TOFFEE_DROP_OOO);
		if (freed)
			fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, 0, freed, 0);
		return fp_tx_ack(fp, f, id, now, ce, seq, dup_len);   /* duplicate ACK (RFC 5681) */
	}

	/* In order: deposit, then merge the out-of-order interval if reached. */
	if (plen) {
		deposit(fp, f, &fp->fx[id], seq, payload, plen);
		rcv_nxt += plen;
		f->rx_avail -= plen;
		if (FP_UNLIKELY(f->ooo_len) && seq_geq(rcv_nxt, f->ooo_start)) {
			uint32_t oend = f->ooo_start + f->ooo_len;
			if (seq_gt(oend, rcv_nxt)) {
				f->rx_avail -= oend - rcv_nxt;
				rcv_nxt = oend;
				fin = false;       /* the FIN lies before data we hold */
			}
			f->ooo_len = 0;
		}
		fp_count(fp, TOFFEE_CNT_RX_DATA_SEGS);
		fp->cnt[TOFFEE_CNT_RX_BYTES] += rcv_nxt - f->rcv_nxt;
	}
	uint8_t evf = 0;
	uint32_t delivered = rcv_nxt - f->rcv_nxt;
	if (FP_UNLIKELY(fin)) {
		rcv_nxt++;                         /* the FIN consumes one sequence number */
		f->flags |= TOFFEE_FLOWF_FIN_RCVD;
		evf = TOFFEE_EVF_FIN;
	}
	f->rcv_nxt = rcv_nxt;
	fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, delivered, freed, evf);
	fp_tx_ack(fp, f, id, now, ce, dup_seq, dup_len);
	if (FP_UNLIKELY(fin))
		punt(fp, id, TOFFEE_EXC_FIN, frame, len);                                 /* [P13] */
}

/*
 * Header prediction (as in Van Jacobson's BSD TCP): most segments are the
 * next in sequence, carry only ACK (and PSH), no options but timestamps,
 * fit the window, carry an acceptable ACK field, find no out-of-order interval
 * or slow-path mark, and either carry data or acknowledge new data. For
 * those, rx_predicted() does what rx_segment() would do, without the tests
 * that cannot fire; every other segment goes to rx_segment(). The two must
 * stay equivalent (the differential fuzzer compares every frame, memory
 * write and counter against the ordered reference).
 */
static inline __attribute__((always_inline)) void
rx_predicted(struct fp *fp, uint32_t id, const uint8_t *frame, uint32_t thl, uint32_t plen, uint64_t now)
{
	struct toffee_flow *f = &fp->flows[id];
	const uint8_t *ip = frame + FP_ETH_LEN, *th = ip + FP_IP_LEN;
	uint8_t fl = th[13];
	uint32_t seq = rd32(th + 4), ack = rd32(th + 8);
	uint32_t una = f->snd_una;
	bool ts = thl != FP_TCP_LEN;               /* then predicted: NOP NOP TS */
	/* Several conditions in one test: each term is 0 when it holds. */
	uint32_t odd = (f->flags & TOFFEE_FLOWF_SLOWPATH) |
		       ((fl & (FP_TH_SYN | FP_TH_RST | FP_TH_ACK | FP_TH_FIN)) ^ FP_TH_ACK) |
		       (seq ^ f->rcv_nxt) | f->ooo_len;
	/* options: NOP NOP TS (tested first: Linux sends it by default), or none */
	bool ts_ok = thl == FP_TCP_LEN + FP_TS_OPT_LEN && ld32(th + FP_TCP_LEN) == TS_WORD;
	if (FP_UNLIKELY(odd || (!ts_ok && thl != FP_TCP_LEN) || seq_gt(ack, f->snd_max)))
		return rx_segment(fp, id, frame, thl, now);
	uint32_t ctx = f->ctx_id, tail;
	uint64_t ev_iova, ev_phase;
	struct fp_ev_regs ev_regs;
	if (plen == 0) {
		/* A pure ACK of new data (an ACK of nothing new goes the long way;
		 * a new one is never too old [P10]). */
		if (FP_UNLIKELY(!seq_gt(ack, una)))
			return rx_segment(fp, id, frame, thl, now);
		if (FP_UNLIKELY(!fp_ev_room(fp, ctx, &tail, &ev_iova, &ev_phase, &ev_regs)))
			return fp_drop(fp, TOFFEE_DROP_CTX_FULL);   /* not ACKed: retransmitted later */
		if (ts) {
			uint32_t tsval = rd32(th + FP_TCP_LEN + 4);
			if ((int32_t)(tsval - f->ts_recent) >= 0)
				f->ts_recent = tsval;
		}
		uint32_t freed = fp_ack_new(fp, f, id, una, ack, rd16(th + 14), fl & FP_TH_ECE, now);
		if (freed)
			fp_ev_post(fp, ctx, &ev_regs, tail, ev_iova, id, freed | ev_phase);
		return;
	}
	/* Payload in order, within the window (tested here: a pure ACK always
	 * fits), its ACK field not too old [P10]: reserve the event first. */
	if (FP_UNLIKELY(plen > f->rx_avail || fp_ack_too_old(&fp->fx[id], una, ack)))
		return rx_segment(fp, id, frame, thl, now);
	if (FP_UNLIKELY(!fp_ev_room(fp, ctx, &tail, &ev_iova, &ev_phase, &ev_regs)))
		return fp_drop(fp, TOFFEE_DROP_CTX_FULL);
	if (ts) {
		uint32_t tsval = rd32(th + FP_TCP_LEN + 4);
		if ((int32_t)(tsval - f->ts_recent) >= 0)
			f->ts_recent = tsval;
	}
	uint32_t freed = fp_ack_process(fp, f, id, ack, rd16(th + 14), false, fl & FP_TH_ECE, now);
	deposit(fp, f, &fp->fx[id], seq, th + thl, plen);
	f->rcv_nxt = seq + plen;
	f->rx_avail -= plen;
	fp_count(fp, TOFFEE_CNT_RX_DATA_SEGS);
	fp->cnt[TOFFEE_CNT_RX_BYTES] += plen;
	fp_ev_post(fp, ctx, &ev_regs, tail, ev_iova, id | (uint64_t)plen << 32, freed | ev_phase);
	fp_send_ack(fp, f, id, now, (f->flags & TOFFEE_FLOWF_ECN) && (ip[1] & 3) == 3);
}

void fp_rx(struct fp *fp, const uint8_t *frame, uint32_t len, uint64_t now)
{
	fp_count(fp, TOFFEE_CNT_RX_FRAMES);
	uint32_t plen = 0;
	uint32_t thl = rx_headers(fp, frame, len, &plen);
	if (!thl)
		return;
	const uint8_t *ip = frame + FP_ETH_LEN, *th = ip + FP_IP_LEN;

	/* Flow lookup: local = destination, remote = source. */
	uint64_t ips = __builtin_bswap64(ld64(ip + 12));       /* src << 32 | dst */
	ips = ips << 32 | ips >> 32;                            /* dst << 32 | src */
	uint32_t ports = __builtin_bswap32(ld32(th));
	ports = ports << 16 | ports >> 16;                      /* dst << 16 | src */
	const struct fp_slot *slot = fp_flowtab_find_key(fp, ips, ports);
	if (!slot)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NO_FLOW, frame,
			    FP_ETH_LEN + rd16(ip + 2));                                   /* [P4] */
	rx_predicted(fp, slot->id_plus1 - 1, frame, thl, plen, now);
}
