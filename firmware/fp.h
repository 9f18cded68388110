/* SPDX-License-Identifier: MIT */
/**
 * @file fp.h
 * The toffee fast path (C firmware): public interface of the protocol core.
 *
 * The core never allocates, never blocks and never calls the OS. Everything
 * outside it is reached through struct fp_platform: the MAC (transmit a
 * frame), host memory (DMA read/write at an IOVA) and interrupts (notify a
 * context). Received frames are pushed in with fp_rx(); doorbells, slow-path
 * commands, raw frames and the transmit scheduler are served by fp_poll().
 * The register file (BAR0, TOFFEE_REG_BAR_SIZE bytes) is plain memory that
 * the host writes and the core polls.
 */
#ifndef TOFFEE_FP_H
#define TOFFEE_FP_H

#include <stddef.h>
#include <stdint.h>
#include "toffee/abi.h"

/** A region of host memory the core can reach with loads and stores: the
 *  IOVA TOFFEE_IOVA(r, off) is base + off when 0 < off and off + len <=
 *  size (size 0: not mapped; offset 0 is never valid). */
struct fp_host_region {
	uint8_t *base;
	uint64_t size;
};

/** What the core needs from the platform it runs on. */
struct fp_platform {
	void *priv;
	/** Send one Ethernet frame (no FCS). Returns 0, or -EBUSY if the MAC
	 *  cannot take it now (the core counts a drop or retries later). */
	int (*tx)(void *priv, const uint8_t *frame, uint32_t len);
	/** Copy @p len bytes from host memory at @p iova. */
	void (*dma_read)(void *priv, uint64_t iova, void *dst, uint32_t len);
	/** Copy @p len bytes to host memory at @p iova. */
	void (*dma_write)(void *priv, uint64_t iova, const void *src, uint32_t len);
	/** Write a ring entry of @p len bytes at @p iova such that its last byte
	 *  (the phase byte) becomes visible after all the others. */
	void (*dma_write_entry)(void *priv, uint64_t iova, const void *src, uint32_t len);
	/** Raise the interrupt of context @p ctx (may be NULL: polling only). */
	void (*notify)(void *priv, uint32_t ctx);
	/** Where host memory is mapped into the core's address space (host
	 *  cores, an SoC that maps it): @p host_regions regions indexed by
	 *  TOFFEE_IOVA_REGION(). The core then moves payload and writes ring
	 *  entries itself and calls dma_* only for what falls outside them
	 *  (the platform counts those as faults). NULL: always dma_*. The
	 *  table may change between fp_rx()/fp_poll() calls. */
	const struct fp_host_region *host_map;
	uint32_t host_regions;
};

struct fp;

/** Bytes of NIC-local memory needed for @p flow_cap flows (power of two). */
size_t fp_mem_size(uint32_t flow_cap);

/**
 * Initialise a fast path in @p mem (fp_mem_size(flow_cap) bytes, 64-byte
 * aligned). @p regs is the register file, TOFFEE_REG_BAR_SIZE bytes, zeroed
 * by the caller before the first init; the core writes its identification
 * block. Returns the fast path, or NULL if @p flow_cap is not a power of two
 * in [16, 2^24] or the memory is too small / misaligned.
 */
struct fp *fp_init(void *mem, size_t mem_len, uint32_t flow_cap,
		   const struct fp_platform *plat, volatile uint32_t *regs);

/** Process one received frame (no FCS) at time @p now_ns. */
void fp_rx(struct fp *fp, const uint8_t *frame, uint32_t len, uint64_t now_ns);

/**
 * Serve doorbells and the scheduler at time @p now_ns: slow-path commands and
 * raw frames, application commands, then up to @p tx_budget transmitted
 * segments. Refreshes a sixteenth of the counters in the register file
 * (so a register reading lags by at most 16 polls; fp_counter() is exact).
 * Returns the number of work items done (0 = idle).
 */
unsigned fp_poll(struct fp *fp, uint64_t now_ns, unsigned tx_budget);

/** Only the transmit scheduler part of fp_poll(): up to @p tx_budget
 *  segments. Returns the number sent. */
unsigned fp_poll_tx(struct fp *fp, uint64_t now_ns, unsigned tx_budget);

/** Counter @p i (TOFFEE_CNT_*), for tests and tools. */
uint64_t fp_counter(const struct fp *fp, unsigned i);

/** The platform dropped @p n frames before the fast path saw them: counted
 *  under drop reason @p reason (TOFFEE_DROP_MAC_OVERFLOW, _MAC_FCS,
 *  _OVERSIZE). */
void fp_platform_drops(struct fp *fp, unsigned reason, uint64_t n);

/** Read-only view of flow @p id's state, or NULL if not installed. */
const struct toffee_flow *fp_flow(const struct fp *fp, uint32_t id);

/** Human-readable names for counters and reasons (tools, status). */
const char *fp_exc_name(unsigned reason);
const char *fp_drop_name(unsigned reason);

#endif /* TOFFEE_FP_H */
