/* SPDX-License-Identifier: MIT */
/* Unit test of toffee-sim's register bridge (tsim_regs.c) against a fake
 * AXI-Lite register file (a plain word array with axil_regs' handshakes and
 * latencies): the identification block, the order of forwarded writes (bases
 * and sizes before tails, CTRL enable last, LOG2 = 0 before a ring moves),
 * the bounded context scan, NIC-written words copied back with a
 * compare-and-swap (a racing host write wins), ARM cleared -> notification,
 * counters, the DB_CMD_HEAD mirror. Exit 0 pass, 1 fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toffee/abi.h"
#include "tsim_regs.h"

#define WORDS (TOFFEE_REG_BAR_SIZE / 4u)
#define W(off) ((off) / 4u)
#define SPQ(q, off) W(TOFFEE_REG_SPQ_BASE + (q) * TOFFEE_REG_SPQ_STRIDE + (off))
#define CTX(c, blk, off) W(TOFFEE_REG_CTX_BASE + (c) * TOFFEE_REG_CTX_STRIDE + (blk) + (off))
#define DB(c, off) W(TOFFEE_REG_DB_BASE + (c) * TOFFEE_REG_DB_STRIDE + (off))

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

/* the fake register file */
static uint32_t model[WORDS];
static uint32_t wlog[4096];
static unsigned nwlog;
static int st;                 /* 0 idle, 1 wresp, 2 rd1, 3 rd2, 4 rresp */
static uint32_t rdata_reg, raddr;

static void slave_outputs(struct tsim_io *io)
{
	io->awready = io->wready = st == 0 && io->awvalid && io->wvalid;
	io->arready = st == 0 && !(io->awvalid && io->wvalid) && io->arvalid;
	io->bvalid = st == 1;
	io->rvalid = st == 4;
	io->rdata = rdata_reg;
}

static void slave_edge(const struct tsim_io *io)
{
	switch (st) {
	case 0:
		if (io->awready) {
			model[io->awaddr / 4] = io->wdata;
			if (nwlog < 4096)
				wlog[nwlog++] = io->awaddr / 4;
			st = 1;
		} else if (io->arready) {
			raddr = io->araddr / 4;
			st = 2;
		}
		break;
	case 1: if (io->bready) st = 0; break;
	case 2: st = 3; break;
	case 3: rdata_reg = model[raddr]; st = 4; break;
	case 4: if (io->rready) st = 0; break;
	}
}

static uint64_t cyc;
static void run(struct tsim_regs *r)
{
	for (unsigned i = 0; i < 200000 && !tsim_regs_idle(r); i++) {
		struct tsim_io io;

		memset(&io, 0, sizeof(io));
		tsim_regs_drive(r, &io, cyc);
		slave_outputs(&io);
		slave_edge(&io);
		tsim_regs_edge(r, &io, cyc++);
	}
	CHECK(tsim_regs_idle(r));
}

static int pos(uint32_t w)
{
	for (unsigned i = 0; i < nwlog; i++)
		if (wlog[i] == w)
			return (int)i;
	return -1;
}

static uint32_t notified[8];
static unsigned nnotified;
static void notify(void *arg, uint32_t ctx)
{
	(void)arg;
	if (nnotified < 8)
		notified[nnotified++] = ctx;
}

int main(void)
{
	static volatile uint32_t bar[WORDS];
	struct tsim_regs r;

	model[W(TOFFEE_REG_ID)] = TOFFEE_ABI_ID;
	model[W(TOFFEE_REG_VERSION)] = 0x10000;
	model[W(TOFFEE_REG_FEATURES)] = 0xf;
	model[W(TOFFEE_REG_FLOW_CAP)] = 4096;
	model[W(TOFFEE_REG_CTX_CAP)] = 8;
	CHECK(tsim_regs_init(&r, bar, 256, 4, notify, NULL, true) == 0);
	tsim_regs_read_id(&r);
	run(&r);
	CHECK(r.id_valid && bar[W(TOFFEE_REG_ID)] == TOFFEE_ABI_ID && bar[W(TOFFEE_REG_CTX_CAP)] == 8);
	CHECK(!tsim_regs_host_dirty(&r));

	/* the host sets things up (as toffeed) */
	bar[W(TOFFEE_REG_MAC_LO)] = 0x11223344;
	bar[W(TOFFEE_REG_CTX_LIMIT)] = 2;
	bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_BASE_LO)] = 0x1000;
	bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_BASE_HI)] = 0;
	bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_LOG2)] = 6;
	bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL)] = 3;
	bar[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_BUF_LO)] = 0x8000;
	bar[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO)] = 0x2000;
	bar[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)] = 5;
	bar[CTX(1, TOFFEE_CTX_CMD, TOFFEE_Q_LOG2)] = 5;
	bar[DB(1, TOFFEE_DB_CMD_TAIL)] = 7;
	bar[DB(1, TOFFEE_DB_ARM)] = 1;
	bar[CTX(5, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)] = 9;     /* above CTX_LIMIT: not scanned */
	bar[W(TOFFEE_REG_CTRL)] = TOFFEE_CTRL_ENABLE;
	CHECK(tsim_regs_host_dirty(&r));
	nwlog = 0;
	CHECK(tsim_regs_sweep(&r, false) == 12);
	run(&r);
	CHECK(model[W(TOFFEE_REG_MAC_LO)] == 0x11223344 && model[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL)] == 3);
	CHECK(model[DB(1, TOFFEE_DB_CMD_TAIL)] == 7 && model[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO)] == 0x2000);
	CHECK(model[CTX(5, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)] == 0);
	CHECK(pos(SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_BASE_LO)) < pos(SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_LOG2)));
	CHECK(pos(SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_LOG2)) < pos(SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL)));
	CHECK(pos(CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)) < pos(DB(1, TOFFEE_DB_CMD_TAIL)));
	CHECK(pos(W(TOFFEE_REG_CTRL)) == (int)nwlog - 1);
	CHECK(!tsim_regs_host_dirty(&r));
	/* nothing changed: a sweep forwards nothing */
	nwlog = 0;
	CHECK(tsim_regs_sweep(&r, false) == 0);
	run(&r);
	CHECK(nwlog == 0);

	/* the NIC advances its indices, clears ARM, mirrors the CMD head */
	model[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD)] = 3;
	model[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] = 5;
	model[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_TAIL)] = 4;
	model[CTX(1, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD)] = 7;
	model[DB(1, TOFFEE_DB_CMD_HEAD)] = 7;
	model[DB(1, TOFFEE_DB_ARM)] = 0;
	bar[DB(1, TOFFEE_DB_CMD_HEAD)] = 0x77;               /* an app scribbled on its mirror */
	model[W(TOFFEE_REG_CNT(TOFFEE_CNT_RX_FRAMES))] = 42;
	model[W(TOFFEE_REG_CNT(TOFFEE_CNT_RX_FRAMES)) + 1] = 1;
	tsim_regs_sweep(&r, true);
	run(&r);
	CHECK(bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD)] == 3 && bar[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] == 5);
	CHECK(bar[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_TAIL)] == 4 && bar[CTX(1, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD)] == 7);
	CHECK(bar[DB(1, TOFFEE_DB_CMD_HEAD)] == 7);
	CHECK(bar[DB(1, TOFFEE_DB_ARM)] == 0 && nnotified == 1 && notified[0] == 1);
	CHECK(bar[W(TOFFEE_REG_CNT(TOFFEE_CNT_RX_FRAMES))] == 42 &&
	      bar[W(TOFFEE_REG_CNT(TOFFEE_CNT_RX_FRAMES)) + 1] == 1);
	CHECK(!tsim_regs_host_dirty(&r));

	/* a host write racing with the read-back wins, and is forwarded next */
	model[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] = 6;
	tsim_regs_sweep(&r, false);
	bar[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] = 0;         /* the host resets the ring meanwhile */
	run(&r);
	CHECK(bar[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] == 0 && r.st.races == 1);
	tsim_regs_sweep(&r, false);
	run(&r);
	CHECK(model[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] == 0 && bar[SPQ(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL)] == 0);

	/* a ring that moves is switched off first, then on again */
	nwlog = 0;
	bar[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO)] = 0x3000;
	bar[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_TAIL)] = 0;
	tsim_regs_sweep(&r, false);
	run(&r);
	CHECK(nwlog == 4 && wlog[0] == CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_LOG2) &&
	      wlog[1] == CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO) && wlog[2] == CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_TAIL) &&
	      wlog[3] == CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_LOG2));
	CHECK(model[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_LOG2)] == 5 && model[CTX(1, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO)] == 0x3000);

	/* CTRL disable goes first */
	nwlog = 0;
	bar[W(TOFFEE_REG_CTRL)] = 0;
	bar[SPQ(TOFFEE_SPQ_CMD, TOFFEE_Q_LOG2)] = 0;
	tsim_regs_sweep(&r, false);
	run(&r);
	CHECK(nwlog == 2 && wlog[0] == W(TOFFEE_REG_CTRL));

	/* device reset: shadows forgotten, identification rewritten */
	memset((void *)bar, 0, sizeof(bar));
	tsim_regs_reset(&r);
	CHECK(bar[W(TOFFEE_REG_ID)] == TOFFEE_ABI_ID && bar[W(TOFFEE_REG_FLOW_CAP)] == 4096);
	CHECK(!tsim_regs_host_dirty(&r));
	CHECK(r.st.timeouts == 0);
	tsim_regs_fini(&r);
	if (fails) {
		fprintf(stderr, "test_tsim_regs: %d failures\n", fails);
		return 1;
	}
	printf("test_tsim_regs: ok\n");
	return 0;
}
