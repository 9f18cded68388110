/* SPDX-License-Identifier: MIT */
/**
 * @file dev.h
 * The one device interface of the host (toffeed's side): registers (BAR0),
 * DMA-able host memory that can be shared with application processes
 * ("regions"), and notifications. Backends are swappable behind an ops
 * table; nothing above this file knows which one runs.
 *
 * Backends:
 *  - `fw`, `sim`: a NIC that runs as a process (toffee-fw on DPDK cores, the
 *    Verilator model) reached over <rundir>/nic.sock with the protocol of
 *    include/toffee/devproto.h (dev_proc.c). Both speak the same protocol;
 *    the name only selects which implementation HELLO must announce.
 *  - `xrt` (later): an Alveo card through XRT. It fits the same table:
 *    BAR0 is the card's register window (reg_rd/reg_wr ops when it cannot be
 *    mapped), regions are host-only buffer objects exported as fds, IOVAs
 *    are their device addresses, notifications are MSI-X via XRT.
 *
 * All functions return 0 or a negative errno. Single-threaded.
 */
#ifndef TOFFEE_DEV_H
#define TOFFEE_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "toffee/abi.h"

/** A piece of host memory the device can access, shareable by fd. */
struct dev_region {
	uint32_t id;          /**< region id (the IOVA's high half for process NICs) */
	int      fd;          /**< memfd (or exported buffer) given to applications */
	uint8_t *va;          /**< toffeed's mapping */
	uint64_t size;        /**< bytes */
	uint64_t iova;        /**< IOVA of byte 0 (the device's view) */
};

/** What the device told us when it was opened. */
struct dev_info {
	char     impl[32];    /**< implementation name from the device ("fw", "sim") */
	uint32_t flow_cap;    /**< flow slots */
	uint32_t ctx_cap;     /**< application contexts */
	uint32_t version;     /**< TOFFEE_REG_VERSION */
	uint32_t features;    /**< TOFFEE_FEAT_* */
	uint8_t  mac[6];      /**< port MAC address */
};

struct dev;

/** Backend operations. Optional entries may be NULL. */
struct dev_ops {
	const char *name;
	/** Connect to the device; fill dev->info and map dev->bar (or leave
	 *  it NULL and provide reg_rd/reg_wr). */
	int  (*open)(struct dev *d, const char *rundir, int wait_ms);
	void (*close)(struct dev *d);
	/** Register access when BAR0 is not mapped (optional). */
	uint32_t (*reg_rd)(struct dev *d, uint32_t off);
	void (*reg_wr)(struct dev *d, uint32_t off, uint32_t val);
	/** Create region r->id of r->size bytes: fill fd, va and iova. */
	int  (*region_create)(struct dev *d, struct dev_region *r);
	void (*region_destroy)(struct dev *d, struct dev_region *r);
	/** Route context @p ctx's notifications to eventfd @p efd (-1 = stop).
	 *  ctx may be TOFFEE_DEV_CTX_SP (devproto.h) for the slow path. */
	int  (*notify)(struct dev *d, uint32_t ctx, int efd);
	/** A descriptor of context @p ctx's doorbell page alone, for its
	 *  application; this side's BAR0 view must keep sharing the page. */
	int  (*db_page)(struct dev *d, uint32_t ctx);
	/** Capture the wire into pcap file @p fd (-1 = stop). */
	int  (*capture)(struct dev *d, int fd);
	/** MAC frame counters. */
	int  (*stats)(struct dev *d, uint64_t *rx_frames, uint64_t *tx_frames);
	/** Ask the device to exit (process NICs). */
	int  (*shutdown)(struct dev *d);
};

/** A device. Fields are read-only for users. */
struct dev {
	const struct dev_ops *ops;
	struct dev_info info;
	volatile uint32_t *bar;   /**< BAR0 mapping (TOFFEE_REG_BAR_SIZE bytes) or NULL */
	int event_fd;             /**< fd to watch for device loss (hang-up), or -1 */
	void *priv;               /**< backend state */
};

/**
 * Open the device of backend @p backend ("fw", "sim", "auto" = any process
 * NIC on nic.sock; "xrt" is not available yet) whose run directory is
 * @p rundir, waiting up to @p wait_ms for it to appear.
 * Returns 0 and *out, or -ENOENT (unknown backend or nothing listening
 * after the wait), -ENOTSUP (backend not built), -EPROTO (bad HELLO or a
 * different implementation than asked), -EBUSY (the device has a client
 * already), -ETIMEDOUT, or the errno of a failed system call.
 */
int dev_open(const char *backend, const char *rundir, int wait_ms, struct dev **out);

/** Close the device (regions must have been destroyed). NULL is ignored. */
void dev_close(struct dev *d);

/** Names of the backends compiled in, NULL-terminated. */
const char *const *dev_backends(void);

/** Read a 32-bit register at byte offset @p off of BAR0. */
static inline uint32_t dev_rd32(struct dev *d, uint32_t off)
{
	if (d->bar)
		return d->bar[off / 4];
	return d->ops->reg_rd(d, off);
}

/** Write a 32-bit register at byte offset @p off of BAR0. */
static inline void dev_wr32(struct dev *d, uint32_t off, uint32_t val)
{
	if (d->bar)
		d->bar[off / 4] = val;
	else
		d->ops->reg_wr(d, off, val);
}

/** Read a 64-bit counter (TOFFEE_REG_CNT(i), LO/HI pair). */
uint64_t dev_counter(struct dev *d, unsigned i);

/**
 * Create region @p id of @p size bytes (a multiple of 4 KiB, at most 4 GiB),
 * zero-filled, mapped here and in the device. Returns 0, or -EINVAL (bad
 * size/id), -ENOMEM, -EEXIST (id in use on the device), or the backend's
 * error. On failure *r is left with fd = -1.
 */
int dev_region_create(struct dev *d, uint32_t id, uint64_t size, struct dev_region *r);

/** Unmap region @p r from the device and here and close its fd. */
void dev_region_destroy(struct dev *d, struct dev_region *r);

/** IOVA of byte @p off of region @p r. */
static inline uint64_t dev_iova(const struct dev_region *r, uint64_t off)
{
	return r->iova + off;
}

/** Route context @p ctx's notifications to @p efd (-1 = stop). -EINVAL if
 *  the device does not support it (e.g. TOFFEE_DEV_CTX_SP), -ENOTSUP. */
int dev_notify(struct dev *d, uint32_t ctx, int efd);

/** A new descriptor (the caller closes it) that maps context @p ctx's
 *  doorbell page and nothing else of the device, for the application that
 *  owns the context. Returns it, or -EINVAL (ctx), -ENOTSUP, or the
 *  backend's error. */
int dev_db_page(struct dev *d, uint32_t ctx);

/** Start (fd >= 0, pcap file; the device keeps its own copy) or stop
 *  (-1) a capture of the wire. -ENOTSUP if the backend cannot. */
int dev_capture(struct dev *d, int fd);

/** MAC frame counters. -ENOTSUP if the backend has none. */
int dev_stats(struct dev *d, uint64_t *rx_frames, uint64_t *tx_frames);

/** Ask the device to exit. -ENOTSUP if it cannot. */
int dev_shutdown(struct dev *d);

/* Backends (dev_proc.c). */
extern const struct dev_ops dev_ops_fw;
extern const struct dev_ops dev_ops_sim;
extern const struct dev_ops dev_ops_auto;

#endif /* TOFFEE_DEV_H */
