/* SPDX-License-Identifier: MIT */
/* Transmit scheduler. Flows with something to send sit in a FIFO (round
 * robin, one segment per turn); a flow over its rate waits in a timing wheel
 * slot for the time its token bucket allows the next segment. Both are
 * singly linked lists through toffee_flow.sched_next, so every operation is
 * constant time; a flow is in at most one list (FP_NF_QUEUED). */
#include "fp_internal.h"

void fp_sched_init(struct fp *fp, uint64_t now)
{
	fp->ready_head = fp->ready_tail = TOFFEE_FLOW_NONE;
	for (unsigned i = 0; i < FP_WHEEL_SLOTS; i++)
		fp->wheel_head[i] = fp->wheel_tail[i] = TOFFEE_FLOW_NONE;
	fp->wheel_time = now >> FP_WHEEL_SHIFT << FP_WHEEL_SHIFT;
	fp->wheel_busy = 0;
}

static void list_append(struct fp *fp, uint32_t *head, uint32_t *tail, uint32_t id)
{
	fp->flows[id].sched_next = TOFFEE_FLOW_NONE;
	if (*tail == TOFFEE_FLOW_NONE)
		*head = id;
	else
		fp->flows[*tail].sched_next = id;
	*tail = id;
}

/* The tail of fp_sched_kick() (fp_internal.h): queue a flow with something
 * to send that is not queued yet. */
void fp_sched_enqueue(struct fp *fp, struct toffee_flow *f, uint32_t id)
{
	f->nic_flags |= FP_NF_QUEUED;
	list_append(fp, &fp->ready_head, &fp->ready_tail, id);
}

static void wheel_insert(struct fp *fp, uint32_t id, uint64_t when)
{
	uint64_t horizon = fp->wheel_time + ((uint64_t)(FP_WHEEL_SLOTS - 1) << FP_WHEEL_SHIFT);
	if ((int64_t)(when - fp->wheel_time) < 0)
		when = fp->wheel_time;
	if ((int64_t)(when - horizon) > 0)
		when = horizon;                 /* re-inserted when it pops early */
	uint32_t s = (uint32_t)(when >> FP_WHEEL_SHIFT) & (FP_WHEEL_SLOTS - 1);
	fp->wheel_busy += fp->wheel_tail[s] == TOFFEE_FLOW_NONE;
	list_append(fp, &fp->wheel_head[s], &fp->wheel_tail[s], id);
}

/* Move every wheel slot that has expired by @p now to the ready FIFO. At
 * most one revolution per call: after that every slot has been visited.
 * With every slot empty the walk moves nothing and ends with wheel_time the
 * first slot start after now (wheel_time is a multiple of the slot size):
 * that is computed directly. */
static void wheel_advance(struct fp *fp, uint64_t now)
{
	if (fp->wheel_busy == 0) {
		if ((int64_t)(now - fp->wheel_time) >= 0)
			fp->wheel_time = (now >> FP_WHEEL_SHIFT << FP_WHEEL_SHIFT) + (1u << FP_WHEEL_SHIFT);
		return;
	}
	for (unsigned n = 0; n < FP_WHEEL_SLOTS && (int64_t)(now - fp->wheel_time) >= 0; n++) {
		uint32_t s = (uint32_t)(fp->wheel_time >> FP_WHEEL_SHIFT) & (FP_WHEEL_SLOTS - 1);
		if (fp->wheel_head[s] != TOFFEE_FLOW_NONE) {
			if (fp->ready_tail == TOFFEE_FLOW_NONE)
				fp->ready_head = fp->wheel_head[s];
			else
				fp->flows[fp->ready_tail].sched_next = fp->wheel_head[s];
			fp->ready_tail = fp->wheel_tail[s];
			fp->wheel_head[s] = fp->wheel_tail[s] = TOFFEE_FLOW_NONE;
			fp->wheel_busy--;
		}
		fp->wheel_time += 1u << FP_WHEEL_SHIFT;
	}
	if ((int64_t)(now - fp->wheel_time) >= 0)   /* fell a revolution behind */
		fp->wheel_time = (now >> FP_WHEEL_SHIFT << FP_WHEEL_SHIFT) + (1u << FP_WHEEL_SHIFT);
}

unsigned fp_sched_run(struct fp *fp, uint64_t now, unsigned budget)
{
	unsigned sent = 0;
	wheel_advance(fp, now);
	while (sent < budget && fp->ready_head != TOFFEE_FLOW_NONE) {
		uint32_t id = fp->ready_head;
		struct toffee_flow *f = &fp->flows[id];
		fp->ready_head = f->sched_next;
		if (fp->ready_head == TOFFEE_FLOW_NONE)
			fp->ready_tail = TOFFEE_FLOW_NONE;
		f->nic_flags &= (uint8_t)~FP_NF_QUEUED;
		enum fp_tx_result r = (f->nic_flags & FP_NF_VALID) ? fp_tx_segment(fp, f, now) : FP_TX_IDLE;
		switch (r) {
		case FP_TX_MORE:
			sent++;
			f->nic_flags |= FP_NF_QUEUED;
			list_append(fp, &fp->ready_head, &fp->ready_tail, id);
			break;
		case FP_TX_WAIT_RATE:
			f->nic_flags |= FP_NF_QUEUED;
			wheel_insert(fp, id, f->tb_time);
			break;
		case FP_TX_BUSY:             /* MAC full: retry first, next time */
			f->nic_flags |= FP_NF_QUEUED;
			f->sched_next = fp->ready_head;
			fp->ready_head = id;
			if (fp->ready_tail == TOFFEE_FLOW_NONE)
				fp->ready_tail = id;
			return sent;
		case FP_TX_SENT:
			sent++;
			break;
		case FP_TX_IDLE:
			break;
		}
	}
	return sent;
}
