/* SPDX-License-Identifier: MIT */
/* ACK processing (RFC 9293 §3.10.7.4, RFC 5681 §3.2): frees transmit
 * buffer space, updates the peer's window, accumulates congestion feedback,
 * takes RTT samples, counts duplicate ACKs and goes back N on the third. */
#include "fp_internal.h"

uint32_t fp_ack_process(struct fp *fp, struct toffee_flow *f, uint32_t id, uint32_t ack,
			uint32_t wnd, bool pure, bool ece, uint64_t now)
{
	uint32_t una = f->snd_una;
	uint32_t peer_wnd = wnd << f->snd_wscale;

	if (seq_gt(ack, una)) {
		uint32_t acked = ack - una;
		/* Bytes freed exclude our FIN, which occupies tx_end. */
		uint32_t data_end = seq_gt(ack, f->tx_end) ? f->tx_end : ack;
		uint32_t freed = seq_gt(data_end, una) ? data_end - una : 0;
		f->snd_una = ack;
		if (seq_lt(f->snd_nxt, ack))
			f->snd_nxt = ack;          /* after go-back-N */
		f->dupacks = 0;
		f->snd_wnd = peer_wnd;
		f->fb_acked += acked;
		if (ece)
			f->fb_ecn_acked += acked;
		if ((f->nic_flags & FP_NF_RTT) && seq_geq(ack, f->rtt_seq)) {
			f->fb_rtt_us = ((uint32_t)now - f->rtt_start) / 1000u;
			f->nic_flags &= (uint8_t)~FP_NF_RTT;
		}
		fp_count(fp, TOFFEE_CNT_RX_ACKS);
		fp_sched_kick(fp, f, id);
		return freed;
	}
	if (ack != una)
		return 0;                          /* old ACK: ignore */
	if (pure && peer_wnd == f->snd_wnd && una != f->snd_max) {
		fp_count(fp, TOFFEE_CNT_RX_DUPACKS);
		if (++f->dupacks == 3) {
			f->snd_nxt = una;          /* fast retransmit: go back N */
			f->nic_flags &= (uint8_t)~FP_NF_RTT;
			f->fb_fast_rexmits++;
			fp_count(fp, TOFFEE_CNT_FAST_REXMITS);
			fp_sched_kick(fp, f, id);
		} else if (f->dupacks == 0) {
			f->dupacks = 255;          /* saturate */
		}
		return 0;
	}
	if (peer_wnd != f->snd_wnd) {
		f->snd_wnd = peer_wnd;             /* window update */
		fp_sched_kick(fp, f, id);
	}
	return 0;
}
