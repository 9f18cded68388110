/* SPDX-License-Identifier: MIT */
/* Transmit: headers built from flow state, payload read from the flow's
 * circular transmit buffer, IPv4 and TCP checksums, timestamps. */
#include <errno.h>
#include "fp_internal.h"

/* Window we advertise: free receive buffer, scaled, clamped to 16 bits. */
static inline uint16_t adv_window(const struct toffee_flow *f)
{
	uint32_t w = f->rx_avail >> f->rcv_wscale;
	return w > 0xffffu ? 0xffffu : (uint16_t)w;
}

/* Write Ethernet, IPv4 and TCP headers (+ timestamps) for a segment carrying
 * @p plen payload bytes into fp->frame. Returns the header length; *sum gets
 * the TCP checksum's partial sum over pseudo-header and TCP header. */
static uint32_t build_headers(struct fp *fp, const struct toffee_flow *f, uint32_t seq,
			      uint8_t th_flags, uint32_t plen, uint8_t tos, uint64_t now,
			      uint64_t *sum)
{
	uint8_t *p = fp->frame;
	bool ts = f->flags & TOFFEE_FLOWF_TS;
	uint32_t tcp_hlen = FP_TCP_LEN + (ts ? FP_TS_OPT_LEN : 0);

	memcpy(p, f->remote_mac, 6);
	memcpy(p + 6, fp->mac, 6);
	wr16(p + 12, 0x0800);

	uint8_t *ip = p + FP_ETH_LEN;
	ip[0] = 0x45;
	ip[1] = tos;
	wr16(ip + 2, (uint16_t)(FP_IP_LEN + tcp_hlen + plen));
	wr32(ip + 4, 0x00004000u);             /* ID 0, DF (RFC 6864 atomic) */
	ip[8] = 64;
	ip[9] = 6;
	ip[10] = ip[11] = 0;
	wr32(ip + 12, f->local_ip);
	wr32(ip + 16, f->remote_ip);
	uint16_t ipsum = (uint16_t)~fp_csum_fold(fp_csum_add(0, ip, FP_IP_LEN));
	memcpy(ip + 10, &ipsum, 2);

	uint8_t *th = ip + FP_IP_LEN;
	wr32(th, (uint32_t)f->local_port << 16 | f->remote_port);
	wr32(th + 4, seq);
	wr32(th + 8, f->rcv_nxt);
	th[12] = (uint8_t)((tcp_hlen / 4) << 4);
	th[13] = th_flags;
	wr16(th + 14, adv_window(f));
	wr32(th + 16, 0);                       /* checksum, urgent pointer */
	if (ts) {
		wr32(th + 20, 0x0101080au);     /* NOP NOP kind 8 len 10 */
		wr32(th + 24, (uint32_t)(now >> TOFFEE_TS_SHIFT));
		wr32(th + 28, f->ts_recent);
	}
	*sum = fp_csum_add(fp_csum_pseudo(f->local_ip, f->remote_ip, tcp_hlen + plen), th, tcp_hlen);
	return FP_ETH_LEN + FP_IP_LEN + tcp_hlen;
}

static inline void put_tcp_csum(struct fp *fp, uint64_t sum)
{
	uint16_t c = (uint16_t)~fp_csum_fold(sum);
	memcpy(fp->frame + FP_ETH_LEN + FP_IP_LEN + 16, &c, 2);
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
		sum = fp_csum_payload(sum, pl, len);
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
