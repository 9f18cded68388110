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
 *   P10 the ACK field acknowledges data never sent (beyond snd_max)
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
 */
#include "fp_internal.h"

/* What the parser extracted from a TCP option list. */
struct rx_opts {
	bool ts;
	uint32_t tsval;
};

/* Parse TCP options; returns false for a kind the fast path does not handle
 * or a malformed list [P9]. SACK blocks are accepted and ignored. */
static bool parse_options(const uint8_t *o, uint32_t len, struct rx_opts *out)
{
	out->ts = false;
	out->tsval = 0;
	/* Common case first: NOP NOP TS, as Linux and toffee send it. */
	if (len == FP_TS_OPT_LEN && rd32(o) == 0x0101080au) {
		out->ts = true;
		out->tsval = rd32(o + 4);
		return true;
	}
	uint32_t i = 0;
	while (i < len) {
		uint8_t kind = o[i];
		if (kind == 0)                     /* EOL */
			return true;
		if (kind == 1) {                   /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return false;
		uint8_t olen = o[i + 1];
		if (kind == 8 && olen == 10) {
			out->ts = true;
			out->tsval = rd32(o + i + 2);
		} else if (!(kind == 5 && olen >= 10 && (olen - 2) % 8 == 0)) {
			return false;
		}
		i += olen;
	}
	return true;
}

/* Write @p len payload bytes with sequence number @p seq into the flow's
 * circular receive buffer. */
static void deposit(struct fp *fp, const struct toffee_flow *f, uint32_t seq,
		    const uint8_t *data, uint32_t len)
{
	uint32_t mask = (1u << f->rx_buf_log2) - 1;
	uint32_t off = seq & mask, first = mask + 1 - off;
	if (first >= len) {
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
	deposit(fp, f, seq, data, len);
	return true;
}

static inline void punt(struct fp *fp, uint32_t flow, unsigned reason, const uint8_t *frame, uint32_t len)
{
	fp_exc_post(fp, flow, reason, frame, len);
}

void fp_rx(struct fp *fp, const uint8_t *frame, uint32_t len, uint64_t now)
{
	fp_count(fp, TOFFEE_CNT_RX_FRAMES);
	if (FP_UNLIKELY(!(fp->ctrl & TOFFEE_CTRL_ENABLE)))
		return fp_drop(fp, TOFFEE_DROP_DISABLED);
	if (FP_UNLIKELY(len > TOFFEE_MAX_FRAME))
		return fp_drop(fp, TOFFEE_DROP_OVERSIZE);
	if (FP_UNLIKELY(len < FP_ETH_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT);
	/* Our MAC, or broadcast/multicast (group bit) for the slow path. */
	uint32_t d32;
	uint16_t d16;
	memcpy(&d32, frame, 4);
	memcpy(&d16, frame + 4, 2);
	if (FP_UNLIKELY((d32 != fp->mac_lo32 || d16 != fp->mac_hi16) && !(frame[0] & 1) &&
			!(fp->ctrl & TOFFEE_CTRL_PROMISC)))
		return fp_drop(fp, TOFFEE_DROP_NOT_FOR_US);
	if (rd16(frame + 12) != 0x0800)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NOT_IPV4, frame, len);       /* [P1] */

	/* IPv4 header. */
	const uint8_t *ip = frame + FP_ETH_LEN;
	if (FP_UNLIKELY(len < FP_ETH_LEN + FP_IP_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT);
	if (FP_UNLIKELY((ip[0] >> 4) != 4 || (ip[0] & 15) < 5))
		return fp_drop(fp, TOFFEE_DROP_IP_HDR);
	uint32_t ip_len = rd16(ip + 2);
	if (FP_UNLIKELY(ip_len < (uint32_t)(ip[0] & 15) * 4 || FP_ETH_LEN + ip_len > len))
		return fp_drop(fp, TOFFEE_DROP_IP_HDR);
	if ((ip[0] & 15) != 5 || (rd16(ip + 6) & 0x3fff))
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_IP_OPTS_FRAG, frame, len);   /* [P2] */
	if (FP_UNLIKELY(fp_csum_fold(fp_csum_add(0, ip, FP_IP_LEN)) != 0xffff))
		return fp_drop(fp, TOFFEE_DROP_IP_CSUM);
	if (ip[9] != 6)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NOT_TCP, frame, len);        /* [P3] */
	len = FP_ETH_LEN + ip_len;                 /* strip Ethernet padding */

	/* TCP header and checksum. */
	const uint8_t *th = ip + FP_IP_LEN;
	uint32_t tcp_len = ip_len - FP_IP_LEN;
	if (FP_UNLIKELY(tcp_len < FP_TCP_LEN))
		return fp_drop(fp, TOFFEE_DROP_RUNT);
	uint32_t thl = (uint32_t)(th[12] >> 4) * 4;
	if (FP_UNLIKELY(thl < FP_TCP_LEN || thl > tcp_len))
		return fp_drop(fp, TOFFEE_DROP_TCP_HDR);
	uint32_t src_ip = rd32(ip + 12), dst_ip = rd32(ip + 16);
	uint32_t plen = tcp_len - thl;
	const uint8_t *payload = th + thl;
	uint64_t sum = fp_csum_pseudo(src_ip, dst_ip, tcp_len);
	sum = FP_LIKELY(thl == FP_TCP_LEN + FP_TS_OPT_LEN) ? fp_csum_add(sum, th, FP_TCP_LEN + FP_TS_OPT_LEN)
							  : fp_csum_add(sum, th, thl);
	if (plen)
		sum = fp_csum_payload(sum, payload, plen);
	if (FP_UNLIKELY(fp_csum_fold(sum) != 0xffff))
		return fp_drop(fp, TOFFEE_DROP_TCP_CSUM);

	/* Flow lookup: local = destination, remote = source. */
	uint32_t ports = (uint32_t)rd16(th + 2) << 16 | rd16(th);
	uint32_t id = fp_flowtab_lookup(fp, dst_ip, src_ip, ports);
	if (id == TOFFEE_FLOW_NONE)
		return punt(fp, TOFFEE_FLOW_NONE, TOFFEE_EXC_NO_FLOW, frame, len);        /* [P4] */
	struct toffee_flow *f = &fp->flows[id];
	if (FP_UNLIKELY(f->flags & TOFFEE_FLOWF_SLOWPATH))
		return punt(fp, id, TOFFEE_EXC_SLOW_FLOW, frame, len);                    /* [P5] */
	uint8_t fl = th[13];
	if (fl & FP_TH_SYN)
		return punt(fp, id, TOFFEE_EXC_SYN, frame, len);                          /* [P6] */
	if (fl & FP_TH_RST)
		return punt(fp, id, TOFFEE_EXC_RST, frame, len);                          /* [P7] */
	if (FP_UNLIKELY(!(fl & FP_TH_ACK)))
		return punt(fp, id, TOFFEE_EXC_NO_ACK, frame, len);                       /* [P8] */
	struct rx_opts opt;
	if (FP_UNLIKELY(!parse_options(th + FP_TCP_LEN, thl - FP_TCP_LEN, &opt)))
		return punt(fp, id, TOFFEE_EXC_OPTIONS, frame, len);                      /* [P9] */

	uint32_t seq = rd32(th + 4), ack = rd32(th + 8);
	if (FP_UNLIKELY(seq_gt(ack, f->snd_max)))
		return punt(fp, id, TOFFEE_EXC_ACK_UNSENT, frame, len);                   /* [P10] */

	/* Acceptability (RFC 9293 §3.10.7.4). */
	bool fin = fl & FP_TH_FIN;
	uint32_t rcv_nxt = f->rcv_nxt, wnd_end = rcv_nxt + f->rx_avail;
	if (seq_lt(seq, rcv_nxt) && seq_leq(seq + plen + fin, rcv_nxt)) {
		fp_drop(fp, TOFFEE_DROP_OLD_DATA);  /* duplicate: tell the peer where we are */
		return fp_tx_ack(fp, f, now, false);
	}
	if (plen && f->rx_avail == 0)
		return punt(fp, id, TOFFEE_EXC_ZERO_WINDOW, frame, len);                  /* [P12] */
	/* A pure ACK may sit on the right edge; anything else must start inside. */
	if (seq_gt(seq, rcv_nxt) && seq_geq(seq, wnd_end + (plen == 0 && !fin)))
		return punt(fp, id, TOFFEE_EXC_OUT_OF_WINDOW, frame, len);                /* [P11] */

	/* Trim to the window: the front below rcv_nxt, the tail beyond it. */
	if (seq_lt(seq, rcv_nxt)) {
		uint32_t cut = rcv_nxt - seq;
		cut = cut > plen ? plen : cut;
		payload += cut;
		plen -= cut;
		seq += cut;
	}
	if (plen > wnd_end - seq) {
		plen = wnd_end - seq;
		fin = false;
	}
	bool in_order = seq == rcv_nxt;
	bool new_ack = seq_gt(ack, f->snd_una);
	struct fp_ev_slot ev = { 0, 0, 0 };
	if ((new_ack || (in_order && (plen || fin))) && FP_UNLIKELY(!fp_ctx_ev_reserve(fp, f->ctx_id, &ev)))
		return fp_drop(fp, TOFFEE_DROP_CTX_FULL);   /* not ACKed: retransmitted later */

	/* Timestamps (RFC 7323 §4.3): remember the peer's TSval from a segment
	 * that covers rcv_nxt (we ACK every segment, so Last.ACK.sent = rcv_nxt). */
	if (opt.ts && seq_leq(seq, rcv_nxt) && (int32_t)(opt.tsval - f->ts_recent) >= 0)
		f->ts_recent = opt.tsval;

	uint32_t freed = fp_ack_process(fp, f, id, ack, rd16(th + 14), plen == 0 && !fin,
					fl & FP_TH_ECE, now);
	bool ce = (f->flags & TOFFEE_FLOWF_ECN) && (ip[1] & 3) == 3;

	if (!plen && !fin) {                       /* pure ACK */
		if (freed)
			fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, 0, freed, 0);
		return;
	}
	if (!in_order) {
		if (plen && ooo_accept(fp, f, seq, payload, plen))
			fp_count(fp, TOFFEE_CNT_RX_DATA_SEGS);
		else
			fp_drop(fp, TOFFEE_DROP_OOO);
		if (freed)
			fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, 0, freed, 0);
		return fp_tx_ack(fp, f, now, ce);        /* duplicate ACK (RFC 5681) */
	}

	/* In order: deposit, then merge the out-of-order interval if reached. */
	if (plen) {
		deposit(fp, f, seq, payload, plen);
		rcv_nxt += plen;
		f->rx_avail -= plen;
		if (f->ooo_len && seq_geq(rcv_nxt, f->ooo_start)) {
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
	if (fin) {
		rcv_nxt++;                         /* the FIN consumes one sequence number */
		f->flags |= TOFFEE_FLOWF_FIN_RCVD;
		evf = TOFFEE_EVF_FIN;
	}
	f->rcv_nxt = rcv_nxt;
	fp_ctx_ev_commit(fp, f->ctx_id, &ev, id, delivered, freed, evf);
	fp_tx_ack(fp, f, now, ce);
	if (fin)
		punt(fp, id, TOFFEE_EXC_FIN, frame, len);                                 /* [P13] */
}
