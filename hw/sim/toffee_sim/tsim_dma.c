/* SPDX-License-Identifier: MIT */
/* toffee-sim: the DMA service (see tsim_dma.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tsim_dma.h"

int tsim_dma_init(struct tsim_dma *d, const struct tsim_mem *mem, uint32_t latency)
{
	memset(d, 0, sizeof(*d));
	d->mem = *mem;
	d->latency = latency;
	for (unsigned i = 0; i < TSIM_DMA_QUEUE; i++) {
		d->q[i].buf = malloc(TSIM_DMA_MAX_BEATS * TSIM_BEAT);
		if (!d->q[i].buf) {
			tsim_dma_fini(d);
			return -ENOMEM;
		}
	}
	return 0;
}

void tsim_dma_fini(struct tsim_dma *d)
{
	for (unsigned i = 0; i < TSIM_DMA_QUEUE; i++) {
		free(d->q[i].buf);
		d->q[i].buf = NULL;
	}
}

void tsim_dma_reset(struct tsim_dma *d)
{
	d->head = d->count = 0;
}

void tsim_dma_drive(struct tsim_dma *d, struct tsim_io *io, uint64_t cycle)
{
	io->dwr_ready = 1;
	io->drd_req_ready = d->count < TSIM_DMA_QUEUE;
	if (d->count && cycle >= d->q[d->head].ready_at) {
		const struct tsim_dma_req *r = &d->q[d->head];

		io->drd_resp_valid = 1;
		memcpy(&io->drd_resp_data, r->buf + (size_t)r->next * TSIM_BEAT, TSIM_BEAT);
		io->drd_resp_tag = r->tag;
		io->drd_resp_last = r->next + 1 == r->beats;
	} else {
		io->drd_resp_valid = 0;
		io->drd_resp_last = 0;
	}
}

/* One write beat: the runs of set strb bits, each written as one piece. */
static void write_beat(struct tsim_dma *d, uint64_t addr, uint64_t data, uint8_t strb)
{
	uint8_t bytes[TSIM_BEAT];
	bool fault = false;

	if (addr & (TSIM_BEAT - 1)) {
		d->st.wr_unaligned++;
		addr &= ~(uint64_t)(TSIM_BEAT - 1);
	}
	memcpy(bytes, &data, TSIM_BEAT);          /* little-endian host: byte i = data[8i+7:8i] */
	d->st.wr_beats++;
	/* the NIC's writes become visible in issue order */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned i = 0; i < TSIM_BEAT;) {
		unsigned j;

		if (!(strb >> i & 1)) {
			i++;
			continue;
		}
		for (j = i; j < TSIM_BEAT && (strb >> j & 1); j++)
			;
		if (d->mem.write(d->mem.arg, addr + i, bytes + i, j - i))
			d->st.wr_bytes += j - i;
		else
			fault = true;
		i = j;
	}
	if (fault)
		d->st.wr_faults++;
}

static void accept_read(struct tsim_dma *d, uint64_t addr, uint32_t len, uint16_t tag, uint64_t cycle)
{
	struct tsim_dma_req *r = &d->q[(d->head + d->count) % TSIM_DMA_QUEUE];
	uint32_t lead = (uint32_t)(addr & (TSIM_BEAT - 1));

	d->st.rd_reqs++;
	r->addr = addr - lead;
	r->tag = tag;
	r->next = 0;
	r->ready_at = cycle + 1 + d->latency;
	if (len == 0) {
		d->st.rd_bad++;
		r->beats = 1;
		memset(r->buf, 0, TSIM_BEAT);
	} else {
		r->beats = (lead + len + TSIM_BEAT - 1) / TSIM_BEAT;
		/* bytes outside [addr, addr + len) are don't-care: zero them */
		memset(r->buf, 0, TSIM_BEAT);
		memset(r->buf + (size_t)(r->beats - 1) * TSIM_BEAT, 0, TSIM_BEAT);
		if (d->mem.read(d->mem.arg, addr, r->buf + lead, len)) {
			d->st.rd_bytes += len;
		} else {
			d->st.rd_faults++;
			memset(r->buf, 0, (size_t)r->beats * TSIM_BEAT);
		}
	}
	d->count++;
}

void tsim_dma_edge(struct tsim_dma *d, const struct tsim_io *io, uint64_t cycle)
{
	if (io->dwr_valid && io->dwr_ready)
		write_beat(d, io->dwr_addr, io->dwr_data, io->dwr_strb);
	/* the response beat first: a request accepted at this edge is queued
	 * behind it */
	if (io->drd_resp_valid && io->drd_resp_ready) {
		struct tsim_dma_req *r = &d->q[d->head];

		d->st.rd_beats++;
		if (++r->next == r->beats) {
			d->head = (d->head + 1) % TSIM_DMA_QUEUE;
			d->count--;
		}
	}
	if (io->drd_req_valid && io->drd_req_ready)
		accept_read(d, io->drd_req_addr, io->drd_req_len, io->drd_req_tag, cycle);
}
