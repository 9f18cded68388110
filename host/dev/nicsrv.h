/* SPDX-License-Identifier: MIT */
/**
 * @file nicsrv.h
 * The NIC-process side of the device protocol (include/toffee/devproto.h),
 * shared by every NIC that runs as a process: toffee-fw (the C fast path on
 * a DPDK lcore) and, later, toffee-sim (the Verilator model).
 *
 * A nicsrv owns:
 *  - BAR0: a sealed memfd of TOFFEE_REG_BAR_SIZE bytes, zeroed, mapped here
 *    and sent to toffeed with HELLO;
 *  - the listening socket <rundir>/nic.sock (SOCK_SEQPACKET, mode 0600) and
 *    at most one connected toffeed;
 *  - the region table (MAP/UNMAP): IOVA -> local address in O(1), with
 *    bounds checks. A bad IOVA is counted and refused: reads return zeroes,
 *    writes are dropped. Nothing outside a mapped region is ever touched;
 *  - one eventfd per context, and optionally one for the slow path
 *    (NOTIFY; TOFFEE_DEV_CTX_SP: EXC/FB ring tails moved);
 *  - a pcap capture of every frame received from and sent to the wire
 *    (CAPTURE), and the MAC frame counters (STATS).
 *
 * Threading: nicsrv is single-threaded. The NIC's main loop calls
 * nicsrv_poll() every so often (toffee-fw: once per millisecond); the DMA
 * and wire hooks run on the same thread, so MAP/UNMAP never race with a DMA
 * access and the hot path needs no locks or atomics.
 *
 * Life cycle of a connection: on accept, HELLO is sent at once. When the
 * client hangs up (or breaks the protocol) the device is reset: the reset
 * callback runs (the NIC reinitialises its core), BAR0 is zeroed apart from
 * what the callback rewrites, and all regions, eventfds and the capture are
 * dropped. A second client while one is connected gets a HELLO with status
 * -EBUSY and no descriptor, and is closed.
 */
#ifndef TOFFEE_NICSRV_H
#define TOFFEE_NICSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "toffee/abi.h"
#include "toffee/devproto.h"
#include "fp.h"

struct nicsrv;

/** Configuration of nicsrv_create(). */
struct nicsrv_config {
	const char *rundir;   /**< directory for nic.sock (created if missing) */
	const char *name;     /**< implementation name sent in HELLO ("fw", "sim") */
	uint32_t flow_cap;    /**< HELLO a */
	uint8_t  mac[6];      /**< port MAC, HELLO b */
	/** Transmit one frame on the wire (see fp_platform.tx): 0 or -EBUSY.
	 *  Used by the fp_platform filled in by nicsrv_platform(). */
	int (*tx)(void *arg, const uint8_t *frame, uint32_t len);
	void *tx_arg;
	/** Called after a client went away, once the BAR has been zeroed: the
	 *  NIC reinitialises its state (e.g. fp_init, which rewrites the
	 *  identification registers). May be NULL. */
	void (*reset)(void *arg);
	void *reset_arg;
	/** Log function (printf-like lines without newline). NULL = stderr. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/** Counters kept by nicsrv. */
struct nicsrv_stats {
	uint64_t rx_frames;     /**< frames received from the wire (nicsrv_wire_rx) */
	uint64_t tx_frames;     /**< frames sent to the wire (nicsrv_wire_tx) */
	uint64_t dma_faults;    /**< DMA accesses refused (bad IOVA / bounds) */
	uint64_t notifies;      /**< eventfd writes */
	uint64_t capture_drops; /**< frames lost by the capture (write errors) */
	uint64_t proto_errors;  /**< malformed requests from the client */
	uint64_t clients;       /**< connections accepted */
};

/** What nicsrv_poll() saw (bit mask). */
#define NICSRV_EV_WORK      (1u << 0) /**< something was served */
#define NICSRV_EV_SHUTDOWN  (1u << 1) /**< SHUTDOWN received: exit */

/**
 * Create the BAR, bind and listen on <rundir>/nic.sock.
 * Returns 0 and *out, or a negative errno: -EINVAL (bad config),
 * -EADDRINUSE (another NIC is listening on the socket), -ENAMETOOLONG
 * (socket path too long), or the errno of a failed system call. Errors are
 * also logged with their cause.
 */
int nicsrv_create(const struct nicsrv_config *cfg, struct nicsrv **out);

/** Close everything, unlink the socket. NULL is ignored. */
void nicsrv_destroy(struct nicsrv *s);

/** The register file (BAR0), TOFFEE_REG_BAR_SIZE bytes. */
volatile uint32_t *nicsrv_regs(struct nicsrv *s);

/** The listening / client descriptors, for a caller that wants to sleep in
 *  poll(): fds[0] = listener, fds[1] = client or -1. */
void nicsrv_fds(const struct nicsrv *s, int fds[2]);

/**
 * Serve the control socket without blocking (@p timeout_ms = 0) or waiting
 * at most @p timeout_ms: accept a client (sending HELLO), handle all queued
 * requests, flush the capture buffer. Returns NICSRV_EV_* bits.
 */
unsigned nicsrv_poll(struct nicsrv *s, int timeout_ms);

/** True once SHUTDOWN was received. */
bool nicsrv_shutdown_requested(const struct nicsrv *s);

/** Whether a toffeed is connected. */
bool nicsrv_connected(const struct nicsrv *s);

/** Snapshot of the counters. */
void nicsrv_get_stats(const struct nicsrv *s, struct nicsrv_stats *st);

/* ---- DMA (the device's view of host memory) ------------------------------ */

/** Local address of [@p iova, @p iova + @p len) if it lies inside one mapped
 *  region (and does not include byte 0 of the region), else NULL. No
 *  counting; @p len 0 is refused. */
void *nicsrv_translate(const struct nicsrv *s, uint64_t iova, uint64_t len);

/** Copy from host memory; a refused access fills @p dst with zeroes. */
void nicsrv_dma_read(struct nicsrv *s, uint64_t iova, void *dst, uint32_t len);
/** Copy to host memory; a refused access is dropped. */
void nicsrv_dma_write(struct nicsrv *s, uint64_t iova, const void *src, uint32_t len);
/** Ring entry write: all bytes but the last, a release fence, the last. */
void nicsrv_dma_write_entry(struct nicsrv *s, uint64_t iova, const void *src, uint32_t len);
/** Signal context @p ctx's eventfd (if one was given with NOTIFY). */
void nicsrv_notify(struct nicsrv *s, uint32_t ctx);

/** If the slow path gave an eventfd (NOTIFY a = TOFFEE_DEV_CTX_SP) and the
 *  EXC or FB ring's tail moved since the last call, signal it. Call once per
 *  iteration of the NIC's main loop (two register reads when nothing moved). */
void nicsrv_sp_notify_check(struct nicsrv *s);

/** Fill @p plat with the callbacks above (priv = @p s) and a tx that calls
 *  cfg->tx and, when it accepts the frame, nicsrv_wire_tx(). */
void nicsrv_platform(struct nicsrv *s, struct fp_platform *plat);

/* ---- wire hooks: counters and capture ------------------------------------ */

/** A frame arrived from the wire (call before handing it to the core). */
void nicsrv_wire_rx(struct nicsrv *s, const uint8_t *frame, uint32_t len);
/** A frame was accepted for the wire. */
void nicsrv_wire_tx(struct nicsrv *s, const uint8_t *frame, uint32_t len);

/** Start capturing into @p fd (ownership passes to nicsrv; the pcap header
 *  is written at once), or stop with @p fd = -1. 0 or a negative errno. */
int nicsrv_capture(struct nicsrv *s, int fd);

#endif /* TOFFEE_NICSRV_H */
