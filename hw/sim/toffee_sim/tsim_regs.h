/* SPDX-License-Identifier: MIT */
/**
 * @file tsim_regs.h
 * toffee-sim: the register bridge between the shared BAR0 (plain memory
 * that toffeed and the applications write, nicsrv's memfd) and the model's
 * AXI-Lite register file (hw/rtl/axil_regs.sv).
 *
 * A sweep (every `period` cycles while the model runs, and when the host
 * changed something while it was idle) does two things:
 *
 *  host -> model: every host-writable word (CTRL, MAC, CTX_LIMIT, the four
 *    slow-path ring blocks, the context blocks and doorbell pages of the
 *    contexts below CTX_LIMIT) is compared with the value last forwarded
 *    (a shadow copy); each difference becomes an AXI-Lite write, in this
 *    order: CTRL if it disables; MAC, CTX_LIMIT; LOG2 = 0 for every ring
 *    whose base moves or which is disabled; ring bases (and frame-slot
 *    areas); indices the NIC owns (the host zeroes them while a ring is
 *    off); LOG2 of rings being enabled or resized; the host's producer /
 *    consumer indices and doorbells (CMD_TAIL, EV_HEAD, ARM); CTRL if it
 *    enables. So bases and sizes always reach the model before the tails.
 *
 *  model -> host: AXI-Lite reads of the words the NIC writes (EXC/FB tails,
 *    CMD/RAW heads, each enabled context's EV tail and CMD head, ARM of the
 *    armed contexts; and `cnt_chunk` of the 64 counters, round robin) are
 *    stored into the BAR with a compare-and-swap against the shadow, so a
 *    host write that raced with the read is never overwritten (it is
 *    forwarded by the next sweep instead). When the model clears an ARM
 *    word (the NIC notified that context) the context's eventfd is
 *    signalled, unless the top has an interrupt port (then that is used).
 *
 * The identification block (ID .. CTX_CAP) is read once after reset and
 * kept in the BAR (nicsrv zeroes the BAR on detach; tsim_regs_reset()
 * rewrites it).
 */
#ifndef TOFFEE_TSIM_REGS_H
#define TOFFEE_TSIM_REGS_H

#include <stdbool.h>
#include <stdint.h>
#include "tsim_model.h"

#define TSIM_AXI_TIMEOUT 100000u   /* cycles before an AXI-Lite access is abandoned */

struct tsim_regs_stats {
	uint64_t sweeps, writes, reads, timeouts, notifies, races;
};

struct tsim_axi_op {
	uint32_t addr, data;
	uint8_t write, kind;
};

struct tsim_regs {
	volatile uint32_t *bar;
	uint32_t *shadow;                /* last value forwarded / copied, per BAR word */
	uint32_t id[5];                  /* ID, VERSION, FEATURES, FLOW_CAP, CTX_CAP */
	bool id_valid;
	void (*notify)(void *arg, uint32_t ctx);
	void *notify_arg;
	bool notify_on_disarm;
	uint32_t period, cnt_chunk;
	unsigned cnt_next;               /* next counter to read */
	uint64_t next_sweep;
	uint64_t sweep_no;
	uint32_t scan_limit;             /* contexts scanned by the last sweep */
	/* queued AXI-Lite accesses */
	struct tsim_axi_op *q;
	unsigned qcap, qhead, qcount;
	/* the access in flight */
	bool busy, a_done, w_done;
	struct tsim_axi_op cur;
	uint64_t started;
	uint32_t cnt_lo;                 /* LO half of the counter being read */
	/* per context: the EV tail as read back by the last two sweeps (the
	 * arming race, see tsim_regs.c) and whether that context's read was
	 * queued behind a forwarded ARM = 1 */
	uint32_t *ev_seen1, *ev_seen2;
	uint8_t *ev_armcheck;
	struct tsim_regs_stats st;
	void (*log)(const char *msg);
};

/** 0 or -ENOMEM. */
int tsim_regs_init(struct tsim_regs *r, volatile uint32_t *bar, uint32_t period, uint32_t cnt_chunk,
		   void (*notify)(void *arg, uint32_t ctx), void *notify_arg, bool notify_on_disarm);
void tsim_regs_fini(struct tsim_regs *r);
/** After a model reset with the BAR zeroed: forget shadows and queued
 *  accesses, rewrite the cached identification block into the BAR. */
void tsim_regs_reset(struct tsim_regs *r);
/** Queue the reads of the identification block (done once after reset). */
void tsim_regs_read_id(struct tsim_regs *r);
/** Queue one sweep (see above; @p counters: all 64 counters, not a chunk);
 *  returns the number of host writes queued. */
unsigned tsim_regs_sweep(struct tsim_regs *r, bool counters);
/** Whether any host-writable word differs from what was forwarded (the
 *  idle loop's check: no AXI traffic). */
bool tsim_regs_host_dirty(struct tsim_regs *r);
/** Before the edge: drive the AXI-Lite master inputs. */
void tsim_regs_drive(struct tsim_regs *r, struct tsim_io *io, uint64_t cycle);
/** After tsim_model_cycle(): handshakes; completed reads update the BAR. */
void tsim_regs_edge(struct tsim_regs *r, const struct tsim_io *io, uint64_t cycle);
/** The model raised an interrupt for @p ctx (and cleared its ARM). */
void tsim_regs_irq(struct tsim_regs *r, uint32_t ctx);
/** Nothing queued or in flight. */
static inline bool tsim_regs_idle(const struct tsim_regs *r) { return !r->busy && !r->qcount; }

#endif /* TOFFEE_TSIM_REGS_H */
