/* SPDX-License-Identifier: MIT */
/* Transmit scheduler. Flows with something to send sit in a FIFO (round
 * robin, one segment per turn); a flow over its rate waits in a timing wheel
 * slot for the time its token bucket allows the next segment. Both are
 * singly linked lists through toffee_flow.sched_next, so every operation is
 * constant time; a flow is in at most one list (FP_NF_QUEUED). The hot
 * operations (pop, rotate, the kick, the empty-wheel test) are
 * inline in fp_internal.h; the transmit loop that serves the FIFO is
 * fp_tx_run() (fp_tx.c). */
#include "fp_internal.h"

void fp_sched_init(struct fp *fp, uint64_t now)
{
	fp->ready_head = fp->ready_tail = TOFFEE_FLOW_NONE;
	for (unsigned i = 0; i < FP_WHEEL_SLOTS; i++)
		fp->wheel_head[i] = fp->wheel_tail[i] = TOFFEE_FLOW_NONE;
	fp->wheel_time = now >> FP_WHEEL_SHIFT << FP_WHEEL_SHIFT;
	fp->wheel_busy = 0;
}

/* The walk of fp_sched_advance() (fp_internal.h) when some wheel slot holds
 * flows: move every slot that has expired by @p now to the ready FIFO. At
 * most one revolution per call: after that every slot has been visited. */
void fp_sched_wheel_walk(struct fp *fp, uint64_t now)
{
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

static void list_append(struct fp *fp, uint32_t *head, uint32_t *tail, uint32_t id)
{
	fp->flows[id].sched_next = TOFFEE_FLOW_NONE;
	if (*tail == TOFFEE_FLOW_NONE)
		*head = id;
	else
		fp->flows[*tail].sched_next = id;
	*tail = id;
}

/* Flow @p id is over its rate: wait in the wheel slot of @p when. */
void fp_sched_wait(struct fp *fp, struct toffee_flow *f, uint32_t id, uint64_t when)
{
	uint64_t horizon = fp->wheel_time + ((uint64_t)(FP_WHEEL_SLOTS - 1) << FP_WHEEL_SHIFT);
	if ((int64_t)(when - fp->wheel_time) < 0)
		when = fp->wheel_time;
	if ((int64_t)(when - horizon) > 0)
		when = horizon;                 /* re-inserted when it pops early */
	uint32_t s = (uint32_t)(when >> FP_WHEEL_SHIFT) & (FP_WHEEL_SLOTS - 1);
	fp->wheel_busy += fp->wheel_tail[s] == TOFFEE_FLOW_NONE;
	f->nic_flags |= FP_NF_QUEUED;
	list_append(fp, &fp->wheel_head[s], &fp->wheel_tail[s], id);
}
