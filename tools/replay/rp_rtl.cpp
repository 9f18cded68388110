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
};

void before(rtl_be *b)
{
	b->nic->now_ns = b->fh->now_ns;
	b->nic->mirror_to_nic(b->fh->regs, b->fh->n_ctx);
}

void after(rtl_be *b)
{
	b->nic->mirror_from_nic(b->fh->regs, b->fh->n_ctx);
	for (uint32_t c : b->nic->irqs)
		if (b->fh->plat.notify)
			b->fh->plat.notify(b->fh->plat.priv, c);
	b->nic->irqs.clear();
}

void be_rx(void *priv, const uint8_t *frame, uint32_t len)
{
	rtl_be *b = static_cast<rtl_be *>(priv);
	before(b);
	b->nic->rx_frame(frame, len);
	if (!b->nic->run_idle())
		fprintf(stderr, "toffee-replay: the RTL model does not get idle after a frame\n");
	after(b);
}

unsigned be_poll(void *priv, unsigned budget)
{
	rtl_be *b = static_cast<rtl_be *>(priv);
	before(b);
	uint64_t work = b->nic->poll(budget);
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
	delete b->nic;
	delete b;
}
} // namespace

extern "C" int rp_rtl_backend(struct fphost *fh, struct rp_backend *be)
{
	rtl_be *b = new (std::nothrow) rtl_be;
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
