/* SPDX-License-Identifier: MIT */
/**
 * @file fphost.h
 * Host-side harness around the C fast path, shared by tools, unit tests,
 * fuzz targets and benchmarks.
 *
 * It plays both the host and the platform of the core:
 *  - "host memory" is one flat array; an IOVA is an offset into it. A bump
 *    allocator hands out rings and payload buffers (never IOVA 0).
 *  - the register file (TOFFEE_REG_BAR_SIZE bytes) is plain memory;
 *  - the platform's tx() records frames (and calls an optional hook),
 *    dma_read/dma_write are bounds-checked memcpy (an access outside the
 *    allocated memory is a core bug: the harness aborts), notify() counts.
 *  - the slow-path rings and the application contexts are driven through
 *    the ring protocol of abi.h (free-running indices, phase byte last).
 *
 * Everything here is single-threaded and deterministic: the simulated clock
 * (now_ns) only moves when the caller moves it.
 */
#ifndef TOFFEE_FPHOST_H
#define TOFFEE_FPHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "toffee/abi.h"
#include "fp.h"

/** Configuration for fphost_create(); zero fields take the defaults. */
struct fphost_config {
	size_t   mem_size;   /**< host memory bytes (default 64 MiB, reserved lazily) */
	uint32_t flow_cap;   /**< fast-path flow slots, power of two (default 1024) */
	uint32_t n_ctx;      /**< application contexts to set up (default 1) */
	uint32_t sp_log2;    /**< log2 entries of the slow-path rings (default 8) */
	uint32_t ctx_log2;   /**< log2 entries of each context ring (default 10) */
	uint8_t  mac[6];     /**< local MAC (default 02:00:00:00:00:01 if all zero) */
	bool     promisc;    /**< accept frames for any MAC */
	bool     no_setup;   /**< only fp_init: no rings, contexts or ENABLE */
	bool     no_record;  /**< do not keep transmitted frames (hook only) */
	bool     host_map;   /**< map host memory for the core (fp_platform.host_map,
	                          region 0): payload and events bypass the DMA callbacks */
};

/** A frame the fast path transmitted. */
struct fphost_frame {
	uint8_t *data;
	uint32_t len;
	uint64_t t_ns;       /**< simulated time of the transmission */
};

/** Host view of one ring (indices are the host's own copies). */
struct fphost_ring {
	uint64_t iova;       /**< entries */
	uint64_t buf_iova;   /**< frame slots (EXC/RAW) or 0 */
	uint32_t log2;       /**< 0 = not set up */
	uint32_t entry;      /**< entry size in bytes */
	uint32_t idx;        /**< producer index (host-produced) or consumer index */
};

/** Hook called for each transmitted frame; its return value goes back to
 *  the core (0, or -EBUSY to simulate a busy MAC: the frame is then not
 *  recorded). */
typedef int (*fphost_tx_hook)(void *arg, const uint8_t *frame, uint32_t len,
			      uint64_t now_ns);

struct fphost {
	/* host memory */
	uint8_t *mem;
	size_t   mem_size;
	size_t   mem_used;        /**< bump pointer: [0, mem_used) is allocated */
	/* device */
	volatile uint32_t *regs;  /**< TOFFEE_REG_BAR_SIZE bytes */
	void    *fp_mem;
	struct fp *fp;
	struct fp_platform plat;
	struct fp_host_region map;  /**< mem as region 0 (config.host_map) */
	uint32_t flow_cap;
	uint64_t now_ns;          /**< simulated clock */
	/* transmitted frames since the last fphost_tx_clear() */
	struct fphost_frame *tx;
	size_t   n_tx, cap_tx;
	uint64_t tx_total;        /**< frames transmitted since creation */
	bool     record_tx;
	fphost_tx_hook tx_hook;
	void    *tx_hook_arg;
	/* rings */
	struct fphost_ring sp[TOFFEE_SPQ_COUNT];
	uint32_t n_ctx;
	struct fphost_ring ctx_ev[TOFFEE_MAX_CTX];
	struct fphost_ring ctx_cmd[TOFFEE_MAX_CTX];
	uint64_t notifies[TOFFEE_MAX_CTX];
	uint16_t next_tag;
	uint64_t scratch_iova;    /**< 128 B for INSTALL / READ_STATE images */
	/* feedback records (TOFFEE_FB_FLOW) seen while waiting for completions */
	struct toffee_sp_fb *fbq;
	size_t   n_fbq, cap_fbq;
	/** Ring protocol violations seen by the host (e.g. a valid phase byte
	 *  beyond the producer index register). Tests assert this stays 0. */
	uint64_t abi_violations;
};

/** Create a host + fast path. Returns NULL (and prints why) on failure. */
struct fphost *fphost_create(const struct fphost_config *cfg);
void fphost_destroy(struct fphost *fh);

/* ---- host memory --------------------------------------------------------- */

/** Allocate @p len bytes of zeroed host memory aligned to @p align (a power
 *  of two). Returns the IOVA; aborts when the host memory is exhausted. */
uint64_t fphost_alloc(struct fphost *fh, size_t len, size_t align);
/** Pointer to host memory at @p iova (checked to lie in allocated memory). */
void *fphost_ptr(struct fphost *fh, uint64_t iova, size_t len);

/* ---- registers ----------------------------------------------------------- */

uint32_t fphost_reg_rd(const struct fphost *fh, uint32_t off);
void fphost_reg_wr(struct fphost *fh, uint32_t off, uint32_t val);

/** Set up the four slow-path rings with 2^log2 entries each. */
void fphost_setup_sp_rings(struct fphost *fh, uint32_t log2);
/** Set up context @p ctx's event and command rings (2^log2 entries). */
void fphost_setup_ctx(struct fphost *fh, uint32_t ctx, uint32_t log2);
/** Write the MAC registers and CTRL (ENABLE, optionally PROMISC). */
void fphost_enable(struct fphost *fh, const uint8_t mac[6], bool promisc);

/* ---- clock and core entry points ---------------------------------------- */

void fphost_rx(struct fphost *fh, const uint8_t *frame, uint32_t len);
unsigned fphost_poll(struct fphost *fh, unsigned tx_budget);
/** Poll until the core reports no work (at most @p max_rounds rounds).
 *  Returns the number of rounds that did work. */
unsigned fphost_poll_idle(struct fphost *fh, unsigned max_rounds);
static inline void fphost_advance(struct fphost *fh, uint64_t ns) { fh->now_ns += ns; }

/* ---- transmitted frames --------------------------------------------------- */

void fphost_set_tx_hook(struct fphost *fh, fphost_tx_hook hook, void *arg);
void fphost_tx_clear(struct fphost *fh);

/* ---- slow-path rings ------------------------------------------------------ */

/** Post a command (its tag is overwritten with a fresh one and returned).
 *  Returns the tag, or -ENOSPC if the command ring is full. */
int fphost_sp_post(struct fphost *fh, struct toffee_sp_cmd *cmd);
/** Post a command, poll the core until its completion arrives and return the
 *  completion's status (0 or negative errno); -ETIMEDOUT if none came.
 *  @p done (may be NULL) receives the completion entry. FLOW records seen
 *  meanwhile are queued for fphost_fb_flow_next(). */
int fphost_sp_exec(struct fphost *fh, struct toffee_sp_cmd *cmd,
		   struct toffee_sp_fb *done);
/** Next FB entry straight from the ring: 1 = got one, 0 = empty. */
int fphost_fb_next(struct fphost *fh, struct toffee_sp_fb *fb);
/** Next queued TOFFEE_FB_FLOW record (1), or 0. */
int fphost_fb_flow_next(struct fphost *fh, struct toffee_sp_fb *fb);
/** Next exception: 1 = got one (frame copied to @p frame, which may be NULL
 *  or hold TOFFEE_FRAME_SLOT bytes), 0 = empty. */
int fphost_exc_next(struct fphost *fh, struct toffee_sp_exc *exc, uint8_t *frame);
/** Queue a raw frame for transmission by the core. 0, -EINVAL or -ENOSPC. */
int fphost_raw_send(struct fphost *fh, const uint8_t *frame, uint32_t len);

/* Convenience wrappers around fphost_sp_exec(); all return its status. */
int fphost_flow_install(struct fphost *fh, uint32_t flow_id, const struct toffee_flow *f);
int fphost_flow_remove(struct fphost *fh, uint32_t flow_id);
int fphost_flow_read(struct fphost *fh, uint32_t flow_id, struct toffee_flow *out);
/** REMOVE with an iova: @p out receives the flow's state as removed. */
int fphost_flow_remove_read(struct fphost *fh, uint32_t flow_id, struct toffee_flow *out);
int fphost_set_rate(struct fphost *fh, uint32_t flow_id, uint32_t ps_per_byte);
int fphost_set_window(struct fphost *fh, uint32_t flow_id, uint32_t cwnd);
int fphost_retransmit(struct fphost *fh, uint32_t flow_id);
int fphost_tx_fin(struct fphost *fh, uint32_t flow_id);
/** FEEDBACK command; @p rec receives the FLOW record (must arrive). */
int fphost_feedback(struct fphost *fh, uint32_t flow_id, struct toffee_sp_fb *rec);

/* ---- flows' payload buffers ----------------------------------------------- */

/** Zero @p f and fill its connection fields: the 4-tuple, the peer's MAC,
 *  the owning context. */
void fphost_flow_key(struct toffee_flow *f, uint32_t local_ip, uint32_t remote_ip, uint16_t local_port,
		     uint16_t remote_port, const uint8_t remote_mac[6], uint16_t ctx_id);
/** Allocate receive and transmit buffers for @p f and fill its buffer fields
 *  (rx_buf_iova/log2, tx_buf_iova/log2). */
void fphost_flow_bufs(struct fphost *fh, struct toffee_flow *f,
		      uint32_t rx_log2, uint32_t tx_log2);
/** Write @p len bytes of application payload with first sequence number
 *  @p seq into @p f's transmit buffer (circular). @p len <= buffer size. */
void fphost_tx_write(struct fphost *fh, const struct toffee_flow *f,
		     uint32_t seq, const void *data, uint32_t len);
/** Read @p len received bytes starting at sequence number @p seq from @p f's
 *  receive buffer (circular). */
void fphost_rx_read(struct fphost *fh, const struct toffee_flow *f,
		    uint32_t seq, void *dst, uint32_t len);

/* ---- application contexts ------------------------------------------------- */

/** Post a context command and ring the doorbell. 0 or -ENOSPC / -EINVAL. */
int fphost_ctx_cmd(struct fphost *fh, uint32_t ctx, uint32_t flow_id,
		   uint32_t tx_bytes, uint32_t rx_bytes);
/** Same, with TOFFEE_CMDF_* flags (e.g. FIN after these bytes). */
int fphost_ctx_cmd_flags(struct fphost *fh, uint32_t ctx, uint32_t flow_id,
			 uint32_t tx_bytes, uint32_t rx_bytes, uint8_t flags);
/** True when the core has consumed every command posted to @p ctx's CMD
 *  ring. The context and slow-path rings are not ordered with respect to
 *  each other: e.g. wait for this before a TX_FIN that must follow appends. */
bool fphost_ctx_cmd_done(const struct fphost *fh, uint32_t ctx);
/** Next context event: 1 = got one (EV head doorbell advanced), 0 = empty. */
int fphost_ctx_ev_next(struct fphost *fh, uint32_t ctx, struct toffee_ctx_ev *ev);

#endif /* TOFFEE_FPHOST_H */
