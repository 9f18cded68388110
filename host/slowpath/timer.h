/* SPDX-License-Identifier: MIT */
/**
 * @file timer.h
 * One-shot timers in a binary min-heap, driven by the main loop's timerfd.
 * Times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef TOFFEE_SP_TIMER_H
#define TOFFEE_SP_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sp_timer;
typedef void (*sp_timer_fn)(struct sp_timer *t, uint64_t now);

struct sp_timer {
	uint64_t when;
	uint32_t idx;          /* heap position + 1; 0 = not armed */
	sp_timer_fn fn;
};

struct sp_timers {
	struct sp_timer **heap;
	size_t n, cap;
};

/** Arm (or re-arm) @p t to fire at @p when. 0 or -ENOMEM. */
int sp_timer_arm(struct sp_timers *ts, struct sp_timer *t, uint64_t when);
/** Disarm @p t (no effect if not armed). */
void sp_timer_cancel(struct sp_timers *ts, struct sp_timer *t);
static inline bool sp_timer_armed(const struct sp_timer *t) { return t->idx != 0; }
/** Earliest deadline, or UINT64_MAX if none. */
uint64_t sp_timer_next(const struct sp_timers *ts);
/** Fire every timer due at @p now (each is disarmed before its callback,
 *  which may re-arm it). Returns the number fired. */
unsigned sp_timer_run(struct sp_timers *ts, uint64_t now);
void sp_timers_fini(struct sp_timers *ts);

#endif /* TOFFEE_SP_TIMER_H */
