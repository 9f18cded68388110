/* SPDX-License-Identifier: MIT */
/*
 * Client retransmission model of the replay.
 *
 * A capture records how the client reacted to the real server, not to the
 * fast path. Where the real server accepted segments that the fast path had
 * to drop (it keeps one out-of-order interval; captures reorder and lose
 * frames even on a quiet link), the captured client never sends them again
 * and the replay would stall there. With this model on, the replay keeps
 * the client's data frames that the fast path has not delivered yet and,
 * like a TCP sender answering duplicate ACKs and partial ACKs (RFC 6582),
 * sends again the captured frame that holds the first byte the fast path
 * acknowledges. The frames re-sent are byte-for-byte those of the capture;
 * a frame damaged on the wire (bad checksum) is not what the client sent,
 * so it is never sent again.
 */
#include "replay_int.h"

#include <stdlib.h>
#include <string.h>

#define RP_HELD_MAX   4096u   /* frames held per connection */
#define RP_HELD_TRIES 4u      /* times one frame is sent again */

/* Sequence number the fast path acknowledges, as the application saw it. */
static uint32_t acked_seq(const struct rp_conn *c)
{
	return c->rx_seq + (c->pub.fin_rcvd ? 1u : 0u);
}

static void drop_held(struct rp_conn *c, size_t i)
{
	free(c->held[i].frame);
	c->held[i] = c->held[--c->n_held];
}

void rp_rexmit_note(struct rp_conn *c, const uint8_t *frame, uint32_t len,
		    const struct pkt_tcp *t)
{
	uint32_t end = t->seq + t->plen + ((t->flags & PKT_TCP_FIN) ? 1u : 0u);
	struct rp_held *h;

	if (end == t->seq || !rp_seq_gt(end, acked_seq(c)) || c->n_held >= RP_HELD_MAX ||
	    !pkt_csum_ok(frame, t))
		return;
	if (c->n_held == c->cap_held) {
		size_t cap = c->cap_held ? 2 * c->cap_held : 16;
		struct rp_held *n = realloc(c->held, cap * sizeof(*n));

		if (!n)
			abort();
		c->held = n;
		c->cap_held = cap;
	}
	h = &c->held[c->n_held++];
	h->seq = t->seq;
	h->end = end;
	h->len = len;
	h->tries = 0;
	h->frame = malloc(len);
	if (!h->frame)
		abort();
	memcpy(h->frame, frame, len);
}

void rp_rexmit_run(struct rp *r, struct rp_conn *c)
{
	for (unsigned round = 0; round < 4 * RP_HELD_MAX && c->st == RP_INSTALLED; round++) {
		uint32_t ack = acked_seq(c);
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < c->n_held;) {
			struct rp_held *h = &c->held[i];

			if (!rp_seq_gt(h->end, ack) || h->tries >= RP_HELD_TRIES) {
				drop_held(c, i);       /* delivered, or given up */
				continue;
			}
			if (!rp_seq_gt(h->seq, ack) &&
			    (best == SIZE_MAX || rp_seq_gt(h->end, c->held[best].end)))
				best = i;
			i++;
		}
		if (best == SIZE_MAX)
			return;
		c->held[best].tries++;
		c->pub.rexmits++;
		r->res->client_rexmits++;
		/* copy: feeding may drop entries of c->held */
		memcpy(r->rexmit_frame, c->held[best].frame, c->held[best].len);
		rp_feed(r, r->rexmit_frame, c->held[best].len);
	}
}

void rp_rexmit_free(struct rp_conn *c)
{
	while (c->n_held)
		drop_held(c, c->n_held - 1);
	free(c->held);
	c->held = NULL;
	c->cap_held = 0;
}
