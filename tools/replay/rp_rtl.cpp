// SPDX-License-Identifier: MIT
// toffee-replay --impl rtl: the replay's fast path is the Verilator model of
// toffee_top (hw/sim/rtl_nic, DATA_WIDTH 64), linked into toffee-replay-rtl.
//
// The host stays fphost's: the model's DMA reads and writes go straight to
// fphost's host memory; before each step the host-written registers that
// changed are written to the model over AXI-Lite, after it the NIC-written
// ones are read back into fphost's register image (so fphost's ring helpers
// work unchanged). The model polls one fp_poll() per token (poll_step = 1),
// with the replay's budget, so the replay makes the same calls as with the
// firmware. Transmitted frames and notifications go to fphost's platform
// callbacks, stamped with the replay's clock.
#include <cerrno>
#include <cstdlib>
#include <new>
#include "rtl_nic.h"
#define _Static_assert static_assert
extern "C" {
#include "replay_int.h"
}

namespace {
struct rtl_be {
	struct fphost *fh;
	rtl_nic *nic;
	uint64_t n_rx, n_poll, c_rx, c_poll, c_mirror;
};

// Quiet cycles after a poll (TOFFEE_REPLAY_RTL_QUIET overrides, for checking
// that the figure does not matter).
unsigned poll_quiet()
{
	static unsigned q;
	if (!q) {
		const char *e = getenv("TOFFEE_REPLAY_RTL_QUIET");
		q = e && atoi(e) > 0 ? (unsigned)atoi(e) : 40;
	}
	return q;
}

void before(rtl_be *b)
{
	uint64_t c = b->nic->cycle();
	b->nic->now_ns = b->fh->now_ns;
	b->nic->mirror_to_nic(b->fh->regs, b->fh->n_ctx);
	b->c_mirror += b->nic->cycle() - c;
}

void after(rtl_be *b)
{
	uint64_t c = b->nic->cycle();
	b->nic->mirror_from_nic(b->fh->regs, b->fh->n_ctx);
	b->c_mirror += b->nic->cycle() - c;
	for (uint32_t c : b->nic->irqs)
		if (b->fh->plat.notify)
			b->fh->plat.notify(b->fh->plat.priv, c);
	b->nic->irqs.clear();
}

void be_rx(void *priv, const uint8_t *frame, uint32_t len)
{
	rtl_be *b = static_cast<rtl_be *>(priv);
	before(b);
	uint64_t c = b->nic->cycle();
	b->nic->rx_frame(frame, len);
	if (!b->nic->run_rx(len, poll_quiet()))
		fprintf(stderr, "toffee-replay: the RTL model does not get idle after a frame\n");
	b->n_rx++;
	b->c_rx += b->nic->cycle() - c;
	after(b);
}

unsigned be_poll(void *priv, unsigned budget)
{
	rtl_be *b = static_cast<rtl_be *>(priv);
	before(b);
	uint64_t c = b->nic->cycle();
	uint64_t work = b->nic->poll(budget, poll_quiet());
	b->n_poll++;
	b->c_poll += b->nic->cycle() - c;
	after(b);
	return work ? 1 : 0;
}

uint64_t be_counter(void *priv, unsigned i)
{
	return static_cast<rtl_be *>(priv)->nic->counter(i);
}

void be_destroy(void *priv)
{
	rtl_be *b = static_cast<rtl_be *>(priv);
	if (getenv("TOFFEE_REPLAY_RTL_STATS"))
		fprintf(stderr, "toffee-replay-rtl: %llu cycles: %llu frames (%llu cycles), %llu polls (%llu cycles), "
			"register mirroring %llu cycles\n", (unsigned long long)b->nic->cycle(),
			(unsigned long long)b->n_rx, (unsigned long long)b->c_rx, (unsigned long long)b->n_poll,
			(unsigned long long)b->c_poll, (unsigned long long)b->c_mirror);
	delete b->nic;
	delete b;
}
} // namespace

extern "C" int rp_rtl_backend(struct fphost *fh, struct rp_backend *be)
{
	if (fh->flow_cap > rtl_nic::flow_cap()) {
		fprintf(stderr, "toffee-replay: the capture needs %u flow slots, the RTL model has %u\n",
			fh->flow_cap, rtl_nic::flow_cap());
		return -E2BIG;
	}
	rtl_be *b = new (std::nothrow) rtl_be();
	if (!b)
		return -ENOMEM;
	b->fh = fh;
	b->nic = new rtl_nic(fh->mem, &fh->mem_used, true);
	b->nic->now_ns = fh->now_ns;
	b->nic->reset();
	b->nic->on_tx = [fh](const uint8_t *f, uint32_t len) { fh->plat.tx(fh->plat.priv, f, len); };
	be->priv = b;
	be->rx = be_rx;
	be->poll = be_poll;
	be->counter = be_counter;
	be->destroy = be_destroy;
	return 0;
}
