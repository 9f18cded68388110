/* SPDX-License-Identifier: MIT */
/* ACK processing (RFC 9293 §3.10.7.4, RFC 5681 §3.2): frees transmit
 * buffer space, updates the peer's window, accumulates congestion feedback,
 * takes RTT samples, counts duplicate ACKs and goes back N on the third.
 * The common cases are inline (fp_ack_process, fp_internal.h); this is the
 * ACK of snd_una that is a duplicate or a window update. */
#include "fp_internal.h"

uint32_t fp_ack_same(struct fp *fp, struct toffee_flow *f, uint32_t id, uint32_t peer_wnd, bool pure)
{
	uint32_t una = f->snd_una;

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
