/* SPDX-License-Identifier: MIT */
/* Transmit: the ready flows of the scheduler (fp_sched.c) served in turn,
 * headers built from flow state (fp_build_headers_ts, inline in fp_internal.h:
 * the receive path builds its ACKs with it too), payload read from the
 * flow's circular transmit buffer, IPv4 and TCP checksums, timestamps. */
#include <errno.h>
#include "fp_internal.h"

/* SACK blocks (RFC 2018) after the header's own options: NOP NOP, kind 5,
 * length 2 + 8n, n pairs of left and right edges. The first block is a
 * D-SACK (RFC 2883) when the segment answered held duplicate bytes; the
 * one out-of-order interval follows, so the first block always holds the
 * segment that triggered the ACK when that segment was kept. */
void fp_tx_ack(struct fp *fp, const struct toffee_flow *f, uint32_t id, uint64_t now, bool ece,
	       uint32_t dup_seq, uint32_t dup_len)
{
	uint32_t edge[4], n = 0;
	if (f->flags & TOFFEE_FLOWF_SACK) {
		if (dup_len) {
			edge[0] = dup_seq;
			edge[1] = dup_seq + dup_len;
			n = 1;
		}
		if (f->ooo_len) {
			edge[2 * n] = f->ooo_start;
			edge[2 * n + 1] = f->ooo_start + f->ooo_len;
			n++;
		}
	}
	if (!n)
		return fp_send_ack(fp, f, id, now, ece);

	uint8_t fl = FP_TH_ACK | (ece ? FP_TH_ECE : 0);
	uint32_t xopt = 4 + 8 * n, kind_len = 0x01010500u | (2 + 8 * n);
	const struct fp_fx *x = &fp->fx[id];
	uint64_t sum;
	uint32_t hlen = (f->flags & TOFFEE_FLOWF_TS)
		? fp_build_headers_ts(fp, f, x, f->snd_nxt, fl, 0, now, &sum, true, xopt)
		: fp_build_headers_ts(fp, f, x, f->snd_nxt, fl, 0, now, &sum, false, xopt);
	uint8_t *o = fp->frame + hlen - xopt;
	st32(o, __builtin_bswap32(kind_len));
	sum += kind_len;
	for (uint32_t i = 0; i < 2 * n; i++) {
		st32(o + 4 + 4 * i, __builtin_bswap32(edge[i]));
		sum += edge[i];
	}
	fp_put_tcp_csum(fp, sum);
	fp_ack_out(fp, fp->frame, hlen);
}

void fp_fx_init(struct fp *fp, uint32_t id)
{
	const struct toffee_flow *f = &fp->flows[id];
	struct fp_fx *x = &fp->fx[id];
	uint32_t lip = f->local_ip, rip = f->remote_ip, ports = fp_flow_ports(f);
	bool ts = f->flags & TOFFEE_FLOWF_TS;
	uint32_t tcp_hlen = FP_TCP_LEN + (ts ? FP_TS_OPT_LEN : 0);
	uint32_t ack_ip_len = FP_IP_LEN + tcp_hlen;

	memset(x, 0, sizeof(*x));
	x->tcp_hlen = tcp_hlen;
	x->ip_sum = (uint64_t)lip + rip + 0x4500u + 0x40004006u;
	x->tcp_sum = (uint64_t)lip + rip + 6u + tcp_hlen + ports + ((tcp_hlen / 4) << 28) +
		     (ts ? 0x0101080au : 0);
	/* the ACK template: next hop (our MAC and the fields that vary are
	 * written per ACK), IPv4 header, ports, options */
	uint8_t *p = x->ack;
	memcpy(p, f->remote_mac, 6);
	uint16_t ip_csum = (uint16_t)~fp_csum_fold_nz(x->ip_sum + ack_ip_len);
	st64(p + 14, 0x45u | (uint32_t)__builtin_bswap16((uint16_t)ack_ip_len) << 16 | (uint64_t)0x40 << 48);
	st32(p + 22, 0x0640u | (uint32_t)__builtin_bswap16(ip_csum) << 16);
	st64(p + 26, __builtin_bswap64((uint64_t)lip << 32 | rip));
	st32(p + 34, __builtin_bswap32(ports));
	if (ts)
		st32(p + 54, __builtin_bswap32(0x0101080au));  /* NOP NOP kind 8 len 10 */
	/* the IPv4 header of a full segment */
	uint32_t mss_ip_len = ack_ip_len + f->mss;
	uint8_t tos = fp_tx_tos(f, f->mss);
	ip_csum = (uint16_t)~fp_csum_fold_nz(x->ip_sum + tos + mss_ip_len);
	x->mss_ip0 = 0x45u | (uint32_t)tos << 8 | (uint32_t)__builtin_bswap16((uint16_t)mss_ip_len) << 16 |
		     (uint64_t)0x40 << 48;
	x->mss_ip1 = 0x0640u | (uint32_t)__builtin_bswap16(ip_csum) << 16;
	x->rx_size = 1u << f->rx_buf_log2;
	x->tx_size = 1u << f->tx_buf_log2;
	x->ack_lim = 1u << (16 + (f->snd_wscale & 15u));
}

/* Build and send the segment of @p len bytes at @p nxt with TCP flags
 * @p fl, with timestamps if @p ts (a constant: two copies). The payload is
 * copied and summed before the headers are built, so that fewer values are
 * kept across the calls. Returns false if the MAC refused it. */
static inline __attribute__((always_inline)) bool
tx_send(struct fp *fp, const struct toffee_flow *f, const struct fp_fx *x, uint32_t nxt, uint32_t len,
	uint8_t fl, uint64_t now, bool ts)
{
	uint32_t hlen = FP_HDRS_LEN + (ts ? FP_TS_OPT_LEN : 0);
	uint64_t psum = 0;
	if (FP_LIKELY(len)) {
		uint32_t size = x->tx_size;
		uint32_t off = nxt & (size - 1), first = size - off;
		uint8_t *pl = fp->frame + hlen;
		const uint8_t *buf = fp_host_ptr(fp, f->tx_buf_iova, size);
		if (FP_LIKELY(buf)) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* after the command that gave it */
			if (first >= len) {
				fp_payload_copy(pl, buf + off, len);
			} else {
				fp_payload_copy(pl, buf + off, first);
				fp_payload_copy(pl + first, buf, len - first);
			}
		} else if (first >= len) {
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova + off, pl, len);
		} else {
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova + off, pl, first);
			fp->plat->dma_read(fp->plat->priv, f->tx_buf_iova, pl + first, len - first);
		}
		/* The payload sum is of native-order words, the header sum of
		 * host-order ones: byte-swapping a 16-bit one's-complement value
		 * is multiplying it by 256 modulo 0xffff, so the payload sum
		 * times 256 counts the same (< 2^50: no overflow). */
		psum = fp_csum_payload(0, fp->frame + hlen, len) << 8;
	}
	/* the fx entry again, from the flow's index, rather than kept in a
	 * register across the calls */
	x = &fp->fx[f - fp->flows];
	uint64_t sum;
	fp_build_headers_ts(fp, f, x, nxt, fl, len, now, &sum, ts, 0);
	fp_put_tcp_csum(fp, sum + psum);
	return fp->plat->tx(fp->plat->priv, fp->frame, hlen + len) == 0;
}

/* Send flow @p f's next segment if its windows and rate allow. */
static inline enum fp_tx_result tx_segment(struct fp *fp, struct toffee_flow *f, const struct fp_fx *x,
					   uint64_t now)
{
	uint32_t nxt = f->snd_nxt, end = f->tx_end;
	bool fin_wanted = f->flags & TOFFEE_FLOWF_TX_FIN;
	if (seq_geq(nxt, end) && !(fin_wanted && nxt == end))
		return FP_TX_IDLE;

	uint32_t wnd = f->snd_wnd, cwnd = f->cwnd;
	if (cwnd - 1 < wnd)                      /* cwnd 0 (unlimited) wraps: no */
		wnd = cwnd;
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
	bool fin = FP_UNLIKELY(fin_wanted) && nxt + len == end;
	uint8_t fl = FP_TH_ACK | (nxt + len == end ? FP_TH_PSH : 0) | (fin ? FP_TH_FIN : 0);

	if (FP_UNLIKELY(!((f->flags & TOFFEE_FLOWF_TS) ? tx_send(fp, f, x, nxt, len, fl, now, true)
						       : tx_send(fp, f, x, nxt, len, fl, now, false))))
		return FP_TX_BUSY;

	/* Fewer values kept across the calls above: nxt is read again (the
	 * flow does not change in between), hlen computed where needed. */
	nxt = f->snd_nxt;
	uint32_t seg_end = nxt + len + (fl & FP_TH_FIN);
	if (seq_geq(nxt, f->snd_max) && !(f->nic_flags & FP_NF_RTT)) {
		f->rtt_seq = seg_end;            /* time new data only (Karn) */
		f->rtt_start = (uint32_t)now;
		f->nic_flags |= FP_NF_RTT;
	}
	f->snd_nxt = seg_end;
	if (seq_gt(seg_end, f->snd_max))
		f->snd_max = seg_end;
	if (FP_UNLIKELY(f->ps_per_byte)) {
		uint64_t base = f->tb_time;
		if ((int64_t)(now - FP_TB_BURST_NS - base) > 0)
			base = now - FP_TB_BURST_NS;   /* idle credit is capped */
		uint32_t hlen = FP_HDRS_LEN + (f->flags & TOFFEE_FLOWF_TS ? FP_TS_OPT_LEN : 0);
		f->tb_time = base + ((uint64_t)(len + hlen) * f->ps_per_byte) / 1000u;
	}
	fp_count(fp, TOFFEE_CNT_TX_SEGS);
	fp->cnt[TOFFEE_CNT_TX_BYTES] += len;
	/* fp_tx_pending(f) now: nxt < end held or nxt == end with a FIN wanted
	 * (sent now, as len is then 0), and len <= end - nxt, so something is
	 * left exactly when this segment did not reach the end (no PSH). */
	return (fl & FP_TH_PSH) ? FP_TX_SENT : FP_TX_MORE;
}

/* Each turn serves the first flow of the ready FIFO: after a segment with
 * more to send it goes to the end, after a refused one (MAC full) it stays
 * first for the next call, otherwise it leaves the FIFO (for the wheel if
 * over its rate). */
unsigned fp_tx_run(struct fp *fp, uint64_t now, unsigned budget)
{
	unsigned sent = 0;
	fp_sched_advance(fp, now);
	while (sent < budget && fp->ready_head != TOFFEE_FLOW_NONE) {
		uint32_t id = fp->ready_head;
		struct toffee_flow *f = &fp->flows[id];
		enum fp_tx_result r = (f->nic_flags & FP_NF_VALID) ? tx_segment(fp, f, &fp->fx[id], now) : FP_TX_IDLE;
		/* the flow is still the first: its id is read again rather than
		 * kept across tx_segment()'s calls */
		id = fp->ready_head;
		switch (r) {
		case FP_TX_MORE:
			sent++;
			fp_sched_rotate(fp, f, id);
			break;
		case FP_TX_BUSY:
			return sent;
		case FP_TX_WAIT_RATE:
			fp_sched_pop(fp, f);
			fp_sched_wait(fp, f, id, f->tb_time);
			break;
		case FP_TX_SENT:
			sent++;
			fp_sched_pop(fp, f);
			break;
		case FP_TX_IDLE:
			fp_sched_pop(fp, f);
			break;
		}
	}
	return sent;
}
