/* SPDX-License-Identifier: MIT */
/* Transmit: headers built from flow state, payload read from the flow's
 * circular transmit buffer, IPv4 and TCP checksums, timestamps. */
#include <errno.h>
#include "fp_internal.h"

/* Write Ethernet, IPv4 and TCP headers (+ timestamps) for a segment carrying
 * @p plen payload bytes into fp->frame. Both checksums are computed from
 * the field values as they are written (no second pass over the bytes): a
 * one's-complement sum of host-order 32-bit words, folded, is the host-order
 * value of the big-endian checksum. *sum gets the TCP partial sum without
 * the payload. Returns the header length. Fields are stored 4 or 8 bytes at
 * a time; always inline, so that the ACK (no payload, tos 0) folds its
 * constants. */
static inline __attribute__((always_inline)) uint32_t
build_headers(struct fp *fp, const struct toffee_flow *f, uint32_t seq, uint8_t th_flags,
	      uint32_t plen, uint8_t tos, uint64_t now, uint64_t *sum)
{
	uint8_t *p = fp->frame;
	bool ts = f->flags & TOFFEE_FLOWF_TS;
	uint32_t tcp_hlen = FP_TCP_LEN + (ts ? FP_TS_OPT_LEN : 0);
	uint32_t ip_len = FP_IP_LEN + tcp_hlen + plen;
	uint32_t lip = f->local_ip, rip = f->remote_ip;

	/* Ethernet: the next hop (8 bytes loaded, the last two are overwritten
	 * by the next store), our MAC, the IPv4 ethertype. */
	st64(p, ld64(f->remote_mac));
	st64(p + 6, fp->mac_eth);
	/* IPv4 bytes 0-7: ihl 5, tos, total length, ID 0, DF; 8-11: TTL 64,
	 * TCP, checksum; 12-19: addresses. */
	uint64_t ips = (uint64_t)lip + rip;
	uint16_t ip_csum = (uint16_t)~fp_csum_fold_nz(ips + (0x4500u | tos) + ip_len + 0x40004006u);
	st64(p + 14, 0x45u | (uint32_t)tos << 8 | (uint32_t)__builtin_bswap16((uint16_t)ip_len) << 16 |
		     (uint64_t)0x40 << 48);
	st32(p + 22, 0x0640u | (uint32_t)__builtin_bswap16(ip_csum) << 16);
	st64(p + 26, __builtin_bswap64((uint64_t)lip << 32 | rip));

	/* TCP: ports, seq, ack, offset/flags/window, checksum 0 (put later),
	 * urgent pointer 0, options. */
	uint8_t *th = p + FP_ETH_LEN + FP_IP_LEN;
	uint32_t ports = fp_flow_ports(f);
	uint32_t ack = f->rcv_nxt;
	uint32_t w = f->rx_avail >> f->rcv_wscale;        /* window we advertise */
	uint32_t hdr_flags_win = (tcp_hlen / 4) << 28 | (uint32_t)th_flags << 16 | (w > 0xffffu ? 0xffffu : w);
	st32(th, __builtin_bswap32(ports));
	st64(th + 4, __builtin_bswap64((uint64_t)seq << 32 | ack));
	st64(th + 12, __builtin_bswap32(hdr_flags_win));
	uint64_t s = ips + 6u + tcp_hlen + plen + ports + seq + ack + hdr_flags_win;
	if (ts) {
		uint32_t tsval = (uint32_t)(now >> TOFFEE_TS_SHIFT);
		st32(th + 20, __builtin_bswap32(0x0101080au));   /* NOP NOP kind 8 len 10 */
		st64(th + 24, __builtin_bswap64((uint64_t)tsval << 32 | f->ts_recent));
		s += 0x0101080au + tsval + f->ts_recent;
	}
	*sum = s;
	return FP_ETH_LEN + FP_IP_LEN + tcp_hlen;
}

/* Store the TCP checksum from a host-order partial sum. */
static inline void put_tcp_csum(struct fp *fp, uint64_t host_sum)
{
	wr16(fp->frame + FP_ETH_LEN + FP_IP_LEN + 16, (uint16_t)~fp_csum_fold_nz(host_sum));
}

void fp_tx_ack(struct fp *fp, struct toffee_flow *f, uint64_t now, bool ece)
{
	uint64_t sum;
	uint8_t fl = FP_TH_ACK | (ece ? FP_TH_ECE : 0);
	uint32_t len = build_headers(fp, f, f->snd_nxt, fl, 0, 0, now, &sum);
	put_tcp_csum(fp, sum);
	if (FP_UNLIKELY(fp->plat->tx(fp->plat->priv, fp->frame, len) != 0)) {
		fp_drop(fp, TOFFEE_DROP_TX_BUSY);
		return;
	}
	fp_count(fp, TOFFEE_CNT_TX_ACKS);
}

enum fp_tx_result fp_tx_segment(struct fp *fp, struct toffee_flow *f, uint64_t now)
{
	uint32_t nxt = f->snd_nxt, end = f->tx_end;
	bool fin_wanted = f->flags & TOFFEE_FLOWF_TX_FIN;
	if (seq_geq(nxt, end) && !(fin_wanted && nxt == end))
		return FP_TX_IDLE;

	uint32_t wnd = f->snd_wnd;
	if (f->cwnd && f->cwnd < wnd)
		wnd = f->cwnd;
	uint32_t inflight = nxt - f->snd_una;
	if (inflight >= wnd && !(wnd == 0 && inflight == 0 && nxt == end))
		return FP_TX_IDLE;              /* window-limited: an ACK will kick us */
	if (f->ps_per_byte && (int64_t)(f->tb_time - now) > 0)
		return FP_TX_WAIT_RATE;

	uint32_t len = end - nxt;                /* 0 for a bare FIN */
	if (len > f->mss)
		len = f->mss;
	if (len > wnd - inflight)
		len = wnd - inflight;
	bool fin = fin_wanted && nxt + len == end;
	uint8_t fl = FP_TH_ACK | (nxt + len == end ? FP_TH_PSH : 0) | (fin ? FP_TH_FIN : 0);
	uint8_t tos = (f->flags & TOFFEE_FLOWF_ECN) && len ? 0x02 : 0;   /* ECT(0) */

	uint64_t sum;
	uint32_t hlen = build_headers(fp, f, nxt, fl, len, tos, now, &sum);
	if (len) {
		uint32_t mask = (1u << f->tx_buf_log2) - 1;
		uint32_t off = nxt & mask, first = mask + 1 - off;
		uint8_t *pl = fp->frame + hlen;
		if (first >= len) {
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova + off, pl, len);
		} else {
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova + off, pl, first);
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova, pl + first, len - first);
		}
		sum += __builtin_bswap16(fp_csum_fold(fp_csum_payload(0, pl, len)));
	}
	put_tcp_csum(fp, sum);
	if (FP_UNLIKELY(fp->plat->tx(fp->plat->priv, fp->frame, hlen + len) != 0))
		return FP_TX_BUSY;

	uint32_t seg_end = nxt + len + fin;
	if (seq_geq(nxt, f->snd_max) && !(f->nic_flags & FP_NF_RTT)) {
		f->rtt_seq = seg_end;            /* time new data only (Karn) */
		f->rtt_start = (uint32_t)now;
		f->nic_flags |= FP_NF_RTT;
	}
	f->snd_nxt = seg_end;
	if (seq_gt(seg_end, f->snd_max))
		f->snd_max = seg_end;
	if (f->ps_per_byte) {
		uint64_t base = f->tb_time;
		if ((int64_t)(now - FP_TB_BURST_NS - base) > 0)
			base = now - FP_TB_BURST_NS;   /* idle credit is capped */
		f->tb_time = base + ((uint64_t)(len + hlen) * f->ps_per_byte) / 1000u;
	}
	fp_count(fp, TOFFEE_CNT_TX_SEGS);
	fp->cnt[TOFFEE_CNT_TX_BYTES] += len;
	return fp_tx_pending(f) ? FP_TX_MORE : FP_TX_SENT;
}
