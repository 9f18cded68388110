/* SPDX-License-Identifier: MIT */
/* Unit test of toffee-sim's DMA service (tsim_dma.c) against a fake host
 * memory of two regions (IOVA = region << 32 | offset, byte 0 invalid, as
 * nicsrv): write beats with strb patterns, aligned read responses in
 * request order with tags and last, back-pressure, latency, and IOVAs
 * outside every region (counted; writes dropped, reads answered with
 * zeroes). Exit 0 pass, 1 fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tsim_dma.h"

#define REG_SIZE 4096u
static uint8_t mem[2][REG_SIZE];
static int fails;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

static uint8_t *xlate(uint64_t iova, uint32_t len)
{
	uint32_t r = (uint32_t)(iova >> 32), off = (uint32_t)iova;

	if (r >= 2 || off == 0 || len > REG_SIZE || off > REG_SIZE - len)
		return NULL;
	return mem[r] + off;
}
static bool rd(void *arg, uint64_t iova, void *dst, uint32_t len)
{
	uint8_t *p = xlate(iova, len);
	(void)arg;
	if (!p) {
		memset(dst, 0, len);
		return false;
	}
	memcpy(dst, p, len);
	return true;
}
static bool wr(void *arg, uint64_t iova, const void *src, uint32_t len)
{
	uint8_t *p = xlate(iova, len);
	(void)arg;
	if (!p)
		return false;
	memcpy(p, src, len);
	return true;
}

static uint64_t cyc;

/* One edge with the model side given by @p io (already filled). */
static void edge(struct tsim_dma *d, struct tsim_io *io)
{
	tsim_dma_edge(d, io, cyc++);
}

static void write_beat(struct tsim_dma *d, uint64_t addr, uint64_t data, uint8_t strb)
{
	struct tsim_io io;

	memset(&io, 0, sizeof(io));
	tsim_dma_drive(d, &io, cyc);
	CHECK(io.dwr_ready);
	io.dwr_valid = 1;
	io.dwr_addr = addr;
	io.dwr_data = data;
	io.dwr_strb = strb;
	io.dwr_last = 1;
	edge(d, &io);
}

static void test_writes(void)
{
	struct tsim_mem m = { .read = rd, .write = wr };
	struct tsim_dma d;

	memset(mem, 0xee, sizeof(mem));
	CHECK(tsim_dma_init(&d, &m, 0) == 0);
	write_beat(&d, (1ull << 32) | 0x100, 0x0807060504030201ull, 0xff);
	CHECK(memcmp(mem[1] + 0x100, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
	/* strb 0b10100110: bytes 1, 2, 5, 7 */
	write_beat(&d, (1ull << 32) | 0x200, 0x1111111111111111ull, 0xa6);
	CHECK(memcmp(mem[1] + 0x200, "\xee\x11\x11\xee\xee\x11\xee\x11", 8) == 0);
	/* region 0 offset 0: byte 0 is invalid, bytes 1..7 are fine */
	write_beat(&d, 0, 0x2222222222222222ull, 0xfe);
	CHECK(mem[0][0] == 0xee && mem[0][1] == 0x22 && mem[0][7] == 0x22);
	CHECK(d.st.wr_faults == 0);
	/* unmapped region, beyond a region's end, byte 0: dropped and counted */
	write_beat(&d, 7ull << 32 | 0x100, 0x33, 0xff);
	write_beat(&d, (1ull << 32) | REG_SIZE, 0x33, 0xff);
	write_beat(&d, 0, 0x44, 0x01);
	CHECK(d.st.wr_faults == 3);
	CHECK(mem[0][0] == 0xee);
	/* unaligned address: counted, applied aligned */
	write_beat(&d, (1ull << 32) | 0x303, 0x55, 0x01);
	CHECK(d.st.wr_unaligned == 1 && mem[1][0x300] == 0x55);
	/* strb 0: nothing written, no fault */
	write_beat(&d, (1ull << 32) | 0x400, 0x66, 0x00);
	CHECK(mem[1][0x400] == 0xee && d.st.wr_faults == 3);
	CHECK(d.st.wr_beats == 8);
	tsim_dma_fini(&d);
}

struct req { uint64_t addr; uint16_t len, tag; };

/* Issue @p n requests back to back (respecting ready), collect responses
 * with resp_ready toggling; check beats against the memory. */
static void run_reads(struct tsim_dma *d, const struct req *rq, unsigned n, uint32_t latency, bool zero_expected)
{
	unsigned issued = 0, done = 0, beat = 0;
	uint64_t first_resp = 0;

	for (unsigned guard = 0; done < n && guard < 100000; guard++) {
		struct tsim_io io;

		memset(&io, 0, sizeof(io));
		tsim_dma_drive(d, &io, cyc);
		if (issued < n) {
			io.drd_req_valid = 1;
			io.drd_req_addr = rq[issued].addr;
			io.drd_req_len = rq[issued].len;
			io.drd_req_tag = rq[issued].tag;
		}
		io.drd_resp_ready = (guard % 3) != 1;
		if (io.drd_resp_valid && io.drd_resp_ready) {
			const struct req *r = &rq[done];
			uint64_t a0 = r->addr & ~7ull;
			uint32_t nb = (uint32_t)(((r->addr & 7) + (r->len ? r->len : 1) + 7) / 8);
			uint8_t want[8], got[8];

			if (!first_resp)
				first_resp = cyc;
			memcpy(got, &io.drd_resp_data, 8);
			CHECK(io.drd_resp_tag == r->tag);
			CHECK(io.drd_resp_last == (beat + 1 == nb));
			for (unsigned b = 0; b < 8; b++) {
				uint64_t a = a0 + 8u * beat + b;
				if (a < r->addr || a >= r->addr + r->len)
					continue;          /* don't-care */
				uint8_t *p = xlate(a, 1);
				want[b] = zero_expected || !p ? 0 : *p;
				CHECK(got[b] == want[b]);
			}
			if (++beat == nb) {
				beat = 0;
				done++;
			}
		}
		if (io.drd_req_valid && io.drd_req_ready)
			issued++;
		edge(d, &io);
	}
	CHECK(done == n);
	(void)latency;
}

static void test_reads(void)
{
	struct tsim_mem m = { .read = rd, .write = wr };
	struct tsim_dma d;

	for (unsigned r = 0; r < 2; r++)
		for (unsigned i = 0; i < REG_SIZE; i++)
			mem[r][i] = (uint8_t)(i * 7 + r * 13 + 1);
	CHECK(tsim_dma_init(&d, &m, 0) == 0);
	const struct req rq[] = {
		{ (1ull << 32) | 0x100, 8, 1 },      /* one aligned beat */
		{ (1ull << 32) | 0x103, 1, 2 },      /* one byte */
		{ (1ull << 32) | 0x105, 20, 3 },     /* unaligned, 4 beats */
		{ (0ull << 32) | 0x8, 64, 4 },       /* region 0 */
		{ (1ull << 32) | 0x7f9, 1000, 0x1ff },
	};
	run_reads(&d, rq, 5, 0, false);
	CHECK(d.st.rd_faults == 0 && d.st.rd_reqs == 5);
	/* more requests than the queue holds: back-pressure, order kept */
	struct req many[40];
	for (unsigned i = 0; i < 40; i++)
		many[i] = (struct req){ (1ull << 32) | (8u + 24u * i + (i % 8)), (uint16_t)(1 + i * 3), (uint16_t)i };
	run_reads(&d, many, 40, 0, false);
	CHECK(d.st.rd_faults == 0);
	/* outside every region: zeroes, counted, still answered */
	const struct req bad[] = {
		{ 9ull << 32 | 0x100, 16, 7 },
		{ (1ull << 32) | (REG_SIZE - 8), 16, 8 },
		{ 0, 8, 9 },
	};
	run_reads(&d, bad, 3, 0, true);
	CHECK(d.st.rd_faults == 3);
	/* len 0: outside the contract, answered with one beat, counted */
	const struct req zero[] = { { (1ull << 32) | 0x100, 0, 5 } };
	run_reads(&d, zero, 1, 0, true);
	CHECK(d.st.rd_bad == 1);
	tsim_dma_fini(&d);

	/* latency: the first response beat comes latency + 1 cycles later */
	CHECK(tsim_dma_init(&d, &m, 50) == 0);
	struct tsim_io io;
	memset(&io, 0, sizeof(io));
	tsim_dma_drive(&d, &io, cyc);
	io.drd_req_valid = 1;
	io.drd_req_addr = (1ull << 32) | 0x100;
	io.drd_req_len = 8;
	edge(&d, &io);
	uint64_t t0 = cyc;
	unsigned waited = 0;
	for (;;) {
		memset(&io, 0, sizeof(io));
		tsim_dma_drive(&d, &io, cyc);
		if (io.drd_resp_valid)
			break;
		edge(&d, &io);
		waited++;
		if (waited > 1000)
			break;
	}
	CHECK(cyc - t0 == 50);
	tsim_dma_fini(&d);
}

int main(void)
{
	test_writes();
	test_reads();
	if (fails) {
		fprintf(stderr, "test_tsim_dma: %d failures\n", fails);
		return 1;
	}
	printf("test_tsim_dma: ok\n");
	return 0;
}
