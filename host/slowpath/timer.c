/* SPDX-License-Identifier: MIT */
/* Binary min-heap of timers. */
#include <errno.h>
#include <stdlib.h>
#include "timer.h"

static void place(struct sp_timers *ts, size_t i, struct sp_timer *t)
{
	ts->heap[i] = t;
	t->idx = (uint32_t)i + 1;
}

static void sift_up(struct sp_timers *ts, size_t i)
{
	struct sp_timer *t = ts->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (ts->heap[p]->when <= t->when)
			break;
		place(ts, i, ts->heap[p]);
		i = p;
	}
	place(ts, i, t);
}

static void sift_down(struct sp_timers *ts, size_t i)
{
	struct sp_timer *t = ts->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ts->n)
			break;
		if (c + 1 < ts->n && ts->heap[c + 1]->when < ts->heap[c]->when)
			c++;
		if (t->when <= ts->heap[c]->when)
			break;
		place(ts, i, ts->heap[c]);
		i = c;
	}
	place(ts, i, t);
}

static void remove_at(struct sp_timers *ts, size_t i)
{
	struct sp_timer *t = ts->heap[i];
	t->idx = 0;
	ts->n--;
	if (i == ts->n)
		return;
	place(ts, i, ts->heap[ts->n]);
	sift_down(ts, i);
	sift_up(ts, ts->heap[i]->idx - 1);
}

int sp_timer_arm(struct sp_timers *ts, struct sp_timer *t, uint64_t when)
{
	if (t->idx) {
		uint64_t old = t->when;
		t->when = when;
		if (when < old)
			sift_up(ts, t->idx - 1);
		else
			sift_down(ts, t->idx - 1);
		return 0;
	}
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct sp_timer **h = realloc(ts->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		ts->heap = h;
		ts->cap = cap;
	}
	t->when = when;
	ts->heap[ts->n] = t;
	ts->n++;
	sift_up(ts, ts->n - 1);
	return 0;
}

void sp_timer_cancel(struct sp_timers *ts, struct sp_timer *t)
{
	if (t->idx)
		remove_at(ts, t->idx - 1);
}

uint64_t sp_timer_next(const struct sp_timers *ts)
{
	return ts->n ? ts->heap[0]->when : UINT64_MAX;
}

unsigned sp_timer_run(struct sp_timers *ts, uint64_t now)
{
	unsigned fired = 0;
	while (ts->n && ts->heap[0]->when <= now) {
		struct sp_timer *t = ts->heap[0];
		remove_at(ts, 0);
		fired++;
		t->fn(t, now);
	}
	return fired;
}

void sp_timers_fini(struct sp_timers *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		ts->heap[i]->idx = 0;
	free(ts->heap);
	ts->heap = NULL;
	ts->n = ts->cap = 0;
}
