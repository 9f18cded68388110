/* SPDX-License-Identifier: MIT */
/* toffee-sim: the register bridge (see tsim_regs.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toffee/abi.h"
#include "tsim_regs.h"

#define BAR_WORDS (TOFFEE_REG_BAR_SIZE / 4u)

enum { K_FWD, K_NIC, K_MIRROR, K_ARM, K_CNT_LO, K_CNT_HI, K_ID, K_EVT };

/* Word indices. */
#define W(off)              ((off) / 4u)
#define SPQ(q, off)         W(TOFFEE_REG_SPQ_BASE + (q) * TOFFEE_REG_SPQ_STRIDE + (off))
#define CTX(c, blk, off)    W(TOFFEE_REG_CTX_BASE + (c) * TOFFEE_REG_CTX_STRIDE + (blk) + (off))
#define DB(c, off)          W(TOFFEE_REG_DB_BASE + (c) * TOFFEE_REG_DB_STRIDE + (off))

/* The NIC-written index of slow-path ring q (consumer of CMD/RAW, producer
 * of EXC/FB); the other index is the host's. */
static uint32_t spq_nic_idx(unsigned q)
{
	return q == TOFFEE_SPQ_CMD || q == TOFFEE_SPQ_RAW ? TOFFEE_Q_HEAD : TOFFEE_Q_TAIL;
}
static uint32_t spq_host_idx(unsigned q)
{
	return q == TOFFEE_SPQ_CMD || q == TOFFEE_SPQ_RAW ? TOFFEE_Q_TAIL : TOFFEE_Q_HEAD;
}

static void rlog(struct tsim_regs *r, const char *msg)
{
	if (r->log)
		r->log(msg);
	else
		fprintf(stderr, "toffee-sim: %s\n", msg);
}

int tsim_regs_init(struct tsim_regs *r, volatile uint32_t *bar, uint32_t period, uint32_t cnt_chunk,
		   void (*notify)(void *arg, uint32_t ctx), void *notify_arg, bool notify_on_disarm)
{
	memset(r, 0, sizeof(*r));
	r->bar = bar;
	r->period = period ? period : 1;
	r->cnt_chunk = cnt_chunk == 0 || cnt_chunk > TOFFEE_CNT_COUNT ? TOFFEE_CNT_COUNT : cnt_chunk;
	r->notify = notify;
	r->notify_arg = notify_arg;
	r->notify_on_disarm = notify_on_disarm;
	r->shadow = calloc(BAR_WORDS, sizeof(uint32_t));
	/* a sweep queues at most ~3,000 writes and ~900 reads */
	r->qcap = 8192;
	r->q = calloc(r->qcap, sizeof(*r->q));
	r->ev_seen1 = calloc(TOFFEE_MAX_CTX, sizeof(uint32_t));
	r->ev_seen2 = calloc(TOFFEE_MAX_CTX, sizeof(uint32_t));
	r->ev_armcheck = calloc(TOFFEE_MAX_CTX, 1);
	if (!r->shadow || !r->q || !r->ev_seen1 || !r->ev_seen2 || !r->ev_armcheck) {
		tsim_regs_fini(r);
		return -ENOMEM;
	}
	return 0;
}

void tsim_regs_fini(struct tsim_regs *r)
{
	free(r->shadow);
	free(r->q);
	free(r->ev_seen1);
	free(r->ev_seen2);
	free(r->ev_armcheck);
	r->shadow = NULL;
	r->q = NULL;
}

void tsim_regs_reset(struct tsim_regs *r)
{
	memset(r->shadow, 0, BAR_WORDS * sizeof(uint32_t));
	r->qhead = r->qcount = 0;
	r->busy = false;
	r->scan_limit = 0;
	memset(r->ev_seen1, 0, TOFFEE_MAX_CTX * sizeof(uint32_t));
	memset(r->ev_seen2, 0, TOFFEE_MAX_CTX * sizeof(uint32_t));
	memset(r->ev_armcheck, 0, TOFFEE_MAX_CTX);
	if (r->id_valid)
		for (unsigned i = 0; i < 5; i++) {
			r->bar[W(TOFFEE_REG_ID) + i] = r->id[i];
			r->shadow[W(TOFFEE_REG_ID) + i] = r->id[i];
		}
}

static void push(struct tsim_regs *r, uint8_t write, uint8_t kind, uint32_t word, uint32_t data)
{
	if (r->qcount == r->qcap) {          /* cannot happen with the bounds above */
		rlog(r, "register bridge: queue full, access dropped");
		return;
	}
	r->q[(r->qhead + r->qcount) % r->qcap] = (struct tsim_axi_op){
		.addr = word * 4u, .data = data, .write = write, .kind = kind,
	};
	r->qcount++;
}

void tsim_regs_read_id(struct tsim_regs *r)
{
	for (unsigned i = 0; i < 5; i++)
		push(r, 0, K_ID, W(TOFFEE_REG_ID) + i, 0);
}

/* Forward word w if the host changed it. */
static unsigned fwd(struct tsim_regs *r, uint32_t w)
{
	uint32_t v = r->bar[w];

	if (v == r->shadow[w])
		return 0;
	r->shadow[w] = v;
	push(r, 1, K_FWD, w, v);
	return 1;
}

static unsigned fwd_value(struct tsim_regs *r, uint32_t w, uint32_t v)
{
	r->shadow[w] = v;
	push(r, 1, K_FWD, w, v);
	return 1;
}

static bool changed(const struct tsim_regs *r, uint32_t w)
{
	return r->bar[w] != r->shadow[w];
}

static uint32_t ctx_cap(const struct tsim_regs *r)
{
	uint32_t cap = r->id_valid ? r->id[4] : TOFFEE_MAX_CTX;

	return cap == 0 || cap > TOFFEE_MAX_CTX ? TOFFEE_MAX_CTX : cap;
}

/* Contexts to scan: below the host's CTX_LIMIT, and below the previous one
 * (contexts just above a lowered limit are being switched off). */
static uint32_t scan_limit(struct tsim_regs *r)
{
	uint32_t lim = r->bar[W(TOFFEE_REG_CTX_LIMIT)], cap = ctx_cap(r), n;

	if (lim == 0 || lim > cap)
		lim = cap;
	n = lim > r->scan_limit ? lim : r->scan_limit;
	r->scan_limit = lim;
	return n;
}

/* The ring blocks: 4 slow-path rings, then 2 per context. */
struct blk {
	uint32_t cfg[4];   /* base lo/hi, buf lo/hi (0 = none) */
	uint32_t log2;
	uint32_t nic_idx;  /* word of the NIC-owned index */
};

static unsigned blocks(uint32_t nctx, unsigned i, struct blk *b)
{
	memset(b, 0, sizeof(*b));
	if (i < TOFFEE_SPQ_COUNT) {
		b->cfg[0] = SPQ(i, TOFFEE_Q_BASE_LO);
		b->cfg[1] = SPQ(i, TOFFEE_Q_BASE_HI);
		if (i == TOFFEE_SPQ_EXC || i == TOFFEE_SPQ_RAW) {
			b->cfg[2] = SPQ(i, TOFFEE_Q_BUF_LO);
			b->cfg[3] = SPQ(i, TOFFEE_Q_BUF_HI);
		}
		b->log2 = SPQ(i, TOFFEE_Q_LOG2);
		b->nic_idx = SPQ(i, spq_nic_idx(i));
		return 1;
	}
	i -= TOFFEE_SPQ_COUNT;
	if (i >= 2 * nctx)
		return 0;
	uint32_t c = i / 2, blk = i % 2 ? TOFFEE_CTX_CMD : TOFFEE_CTX_EV;
	b->cfg[0] = CTX(c, blk, TOFFEE_Q_BASE_LO);
	b->cfg[1] = CTX(c, blk, TOFFEE_Q_BASE_HI);
	b->log2 = CTX(c, blk, TOFFEE_Q_LOG2);
	b->nic_idx = CTX(c, blk, blk == TOFFEE_CTX_EV ? TOFFEE_Q_TAIL : TOFFEE_Q_HEAD);
	return 1;
}

bool tsim_regs_host_dirty(struct tsim_regs *r)
{
	uint32_t lim = r->bar[W(TOFFEE_REG_CTX_LIMIT)], cap = ctx_cap(r), n;
	struct blk b;

	if (lim == 0 || lim > cap)
		lim = cap;
	n = lim > r->scan_limit ? lim : r->scan_limit;
	if (changed(r, W(TOFFEE_REG_CTRL)) || changed(r, W(TOFFEE_REG_MAC_LO)) ||
	    changed(r, W(TOFFEE_REG_MAC_HI)) || changed(r, W(TOFFEE_REG_CTX_LIMIT)))
		return true;
	for (unsigned i = 0; blocks(n, i, &b); i++) {
		for (unsigned k = 0; k < 4; k++)
			if (b.cfg[k] && changed(r, b.cfg[k]))
				return true;
		if (changed(r, b.log2) || changed(r, b.nic_idx))
			return true;
	}
	for (unsigned q = 0; q < TOFFEE_SPQ_COUNT; q++)
		if (changed(r, SPQ(q, spq_host_idx(q))))
			return true;
	for (uint32_t c = 0; c < n; c++)
		if (changed(r, DB(c, TOFFEE_DB_CMD_TAIL)) || changed(r, DB(c, TOFFEE_DB_EV_HEAD)) ||
		    changed(r, DB(c, TOFFEE_DB_ARM)))
			return true;
	return false;
}

unsigned tsim_regs_sweep(struct tsim_regs *r, bool counters)
{
	uint32_t n = scan_limit(r);
	uint32_t ctrl = r->bar[W(TOFFEE_REG_CTRL)];
	bool ctrl_first = changed(r, W(TOFFEE_REG_CTRL)) && !(ctrl & TOFFEE_CTRL_ENABLE);
	unsigned nw = 0;
	struct blk b;

	r->st.sweeps++;
	r->sweep_no++;
	/* ---- host -> model ---- */
	if (ctrl_first)
		nw += fwd(r, W(TOFFEE_REG_CTRL));
	nw += fwd(r, W(TOFFEE_REG_MAC_LO));
	nw += fwd(r, W(TOFFEE_REG_MAC_HI));
	nw += fwd(r, W(TOFFEE_REG_CTX_LIMIT));
	/* rings that move or go off: disabled first */
	for (unsigned i = 0; blocks(n, i, &b); i++) {
		bool moved = false;

		for (unsigned k = 0; k < 4; k++)
			moved |= b.cfg[k] && changed(r, b.cfg[k]);
		if (r->shadow[b.log2] != 0 && (moved || changed(r, b.log2)))
			nw += fwd_value(r, b.log2, 0);
	}
	for (unsigned i = 0; blocks(n, i, &b); i++)
		for (unsigned k = 0; k < 4; k++)
			if (b.cfg[k])
				nw += fwd(r, b.cfg[k]);
	for (unsigned i = 0; blocks(n, i, &b); i++)
		nw += fwd(r, b.nic_idx);
	for (unsigned i = 0; blocks(n, i, &b); i++)
		nw += fwd(r, b.log2);
	for (unsigned q = 0; q < TOFFEE_SPQ_COUNT; q++)
		nw += fwd(r, SPQ(q, spq_host_idx(q)));
	for (uint32_t c = 0; c < n; c++) {
		nw += fwd(r, DB(c, TOFFEE_DB_CMD_TAIL));
		nw += fwd(r, DB(c, TOFFEE_DB_EV_HEAD));
		if (fwd(r, DB(c, TOFFEE_DB_ARM))) {
			nw++;
			r->ev_armcheck[c] = r->shadow[DB(c, TOFFEE_DB_ARM)] != 0;
		}
	}
	if (!ctrl_first)
		nw += fwd(r, W(TOFFEE_REG_CTRL));

	/* ---- model -> host ---- */
	for (unsigned q = 0; q < TOFFEE_SPQ_COUNT; q++)
		push(r, 0, K_NIC, SPQ(q, spq_nic_idx(q)), 0);
	for (uint32_t c = 0; c < n; c++) {
		if (r->shadow[CTX(c, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)])
			push(r, 0, K_EVT, CTX(c, TOFFEE_CTX_EV, TOFFEE_Q_TAIL), 0);
		if (r->shadow[CTX(c, TOFFEE_CTX_CMD, TOFFEE_Q_LOG2)]) {
			push(r, 0, K_NIC, CTX(c, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD), 0);
			/* the application's mirror of the CMD head (NIC-only:
			 * an application's write to it is overwritten) */
			push(r, 0, K_MIRROR, DB(c, TOFFEE_DB_CMD_HEAD), 0);
		}
		/* (with an interrupt port, ARM is not read back: see
		 * tsim_regs_irq()) */
		if (r->notify_on_disarm && r->shadow[DB(c, TOFFEE_DB_ARM)])
			push(r, 0, K_ARM, DB(c, TOFFEE_DB_ARM), 0);
	}
	/* counters: a chunk per sweep, round robin (all of them if asked) */
	for (unsigned k = 0; k < (counters ? TOFFEE_CNT_COUNT : r->cnt_chunk); k++) {
		unsigned i = r->cnt_next;

		r->cnt_next = (r->cnt_next + 1) % TOFFEE_CNT_COUNT;
		push(r, 0, K_CNT_LO, W(TOFFEE_REG_CNT(i)), 0);
		push(r, 0, K_CNT_HI, W(TOFFEE_REG_CNT(i)) + 1, 0);
	}
	return nw;
}

/* A NIC-written word read back: store it unless the host wrote it since. */
static bool store_nic(struct tsim_regs *r, uint32_t w, uint32_t v)
{
	uint32_t expect = r->shadow[w];

	if (v == expect)
		return false;
	if (__atomic_compare_exchange_n((uint32_t *)&r->bar[w], &expect, v, false,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		r->shadow[w] = v;
		return true;
	}
	r->st.races++;       /* the host wrote it meanwhile: the next sweep forwards that */
	return false;
}

static void complete_read(struct tsim_regs *r, const struct tsim_axi_op *op, uint32_t v)
{
	uint32_t w = op->addr / 4u;

	r->st.reads++;
	switch (op->kind) {
	case K_ID:
		r->id[w - W(TOFFEE_REG_ID)] = v;
		if (w - W(TOFFEE_REG_ID) == 4)
			r->id_valid = true;
		r->bar[w] = v;
		r->shadow[w] = v;
		break;
	case K_NIC:
		store_nic(r, w, v);
		break;
	case K_EVT: {
		/* The arming race of the co-simulation. An application writes
		 * ARM = 1, reads it back (on a card that flushes the posted
		 * write: the NIC has seen ARM before the application looks at
		 * its EV ring and sleeps) and then checks the ring. Here the
		 * write reaches the model only at the next sweep: an event the
		 * model posted in between found ARM = 0 and raised no
		 * interrupt, and the application sleeps until its wait slice
		 * ends (100 ms). So this read, queued behind the ARM write:
		 * if the model's EV tail moved since the read two sweeps ago
		 * (before the application can have written ARM), the context
		 * is notified. A spurious wake-up is harmless (the application
		 * looks at its ring and arms again). */
		uint32_t c = (w - W(TOFFEE_REG_CTX_BASE)) / (TOFFEE_REG_CTX_STRIDE / 4u);

		store_nic(r, w, v);
		if (c < TOFFEE_MAX_CTX) {
			if (r->ev_armcheck[c] && v != r->ev_seen2[c] && r->notify && !r->notify_on_disarm) {
				r->st.notifies++;
				r->notify(r->notify_arg, c);
			}
			r->ev_armcheck[c] = 0;
			r->ev_seen2[c] = r->ev_seen1[c];
			r->ev_seen1[c] = v;
		}
		break;
	}
	case K_MIRROR:
		if (r->bar[w] != v)
			r->bar[w] = v;
		r->shadow[w] = v;
		break;
	case K_ARM:
		if (store_nic(r, w, v) && v == 0 && r->notify_on_disarm && r->notify) {
			r->st.notifies++;
			r->notify(r->notify_arg, (w - W(TOFFEE_REG_DB_BASE)) / (TOFFEE_REG_DB_STRIDE / 4u));
		}
		break;
	case K_CNT_LO:
		r->cnt_lo = v;
		break;
	case K_CNT_HI:
		/* as the firmware: LO, then HI */
		r->bar[w - 1] = r->cnt_lo;
		r->shadow[w - 1] = r->cnt_lo;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->bar[w] = v;
		r->shadow[w] = v;
		break;
	default:
		break;
	}
}

void tsim_regs_drive(struct tsim_regs *r, struct tsim_io *io, uint64_t cycle)
{
	if (!r->busy && r->qcount) {
		r->cur = r->q[r->qhead];
		r->qhead = (r->qhead + 1) % r->qcap;
		r->qcount--;
		r->busy = true;
		r->a_done = r->w_done = false;
		r->started = cycle;
	}
	io->awvalid = io->wvalid = io->arvalid = 0;
	io->bready = io->rready = 0;
	if (!r->busy)
		return;
	if (r->cur.write) {
		io->awaddr = r->cur.addr;
		io->wdata = r->cur.data;
		io->wstrb = 0xf;
		io->awvalid = !r->a_done;
		io->wvalid = !r->w_done;
		io->bready = r->a_done && r->w_done;
	} else {
		io->araddr = r->cur.addr;
		io->arvalid = !r->a_done;
		io->rready = r->a_done;
	}
}

void tsim_regs_edge(struct tsim_regs *r, const struct tsim_io *io, uint64_t cycle)
{
	if (!r->busy)
		return;
	if (r->cur.write) {
		if (io->bvalid && io->bready) {
			r->busy = false;
			r->st.writes++;
			return;
		}
		if (io->awvalid && io->awready)
			r->a_done = true;
		if (io->wvalid && io->wready)
			r->w_done = true;
	} else {
		if (io->rvalid && io->rready) {
			r->busy = false;
			complete_read(r, &r->cur, io->rdata);
			return;
		}
		if (io->arvalid && io->arready)
			r->a_done = true;
	}
	if (cycle - r->started > TSIM_AXI_TIMEOUT) {
		char msg[128];

		r->st.timeouts++;
		snprintf(msg, sizeof(msg), "register bridge: AXI-Lite %s of 0x%05x timed out after %u cycles (abandoned)",
			 r->cur.write ? "write" : "read", r->cur.addr, TSIM_AXI_TIMEOUT);
		rlog(r, msg);
		r->busy = false;
	}
}

void tsim_regs_irq(struct tsim_regs *r, uint32_t ctx)
{
	/* The model cleared that context's ARM when it raised the interrupt:
	 * so does the BAR, here, before the caller signals the eventfd — the
	 * application cannot have re-armed in answer to this notification yet,
	 * and its re-arm (1 over 0) is then a change the next sweep forwards.
	 * (Copying the 0 back with a later read lost re-arms: an application
	 * writing 1 over 1 between the interrupt and the read-back is invisible
	 * to the compare-and-swap, and it then slept until its 100 ms wait
	 * slice ended.) */
	if (ctx < TOFFEE_MAX_CTX) {
		r->shadow[DB(ctx, TOFFEE_DB_ARM)] = 0;
		__atomic_store_n((uint32_t *)&r->bar[DB(ctx, TOFFEE_DB_ARM)], 0u, __ATOMIC_SEQ_CST);
	}
}
