/* SPDX-License-Identifier: MIT */
/**
 * @file devproto.h
 * How toffeed reaches a NIC that runs as a process (the `fw` backend,
 * toffee-fw on DPDK cores, and the `sim` backend, the Verilator model):
 * the emulated PCIe device. One protocol for both, so that nothing above
 * host/dev/ knows which one runs.
 *
 * The NIC process listens on a UNIX SOCK_SEQPACKET socket
 * (<rundir>/nic.sock). toffeed connects; messages are struct toffee_devmsg,
 * file descriptors travel as SCM_RIGHTS with the message that names them.
 *
 *  - BAR0: a shared-memory file of TOFFEE_REG_BAR_SIZE bytes created by the
 *    NIC process and sent with HELLO; toffeed maps all of it. A context's
 *    doorbell page is a one-page file of its own (DBPAGE), mapped over that
 *    page by the NIC and toffeed: the application gets that file only, and
 *    so can reach nothing else of the device.
 *  - Host memory: shared-memory files ("regions") created by toffeed and
 *    sent with MAP. The IOVA of byte `off` of region `r` is
 *    TOFFEE_IOVA(r, off); the NIC translates in constant time and rejects
 *    (counts, never follows) an IOVA outside a mapped region.
 *  - Notifications: an eventfd per context, sent with NOTIFY; the NIC
 *    writes 1 to it when it notifies that context (TOFFEE_DB_ARM).
 */
#ifndef TOFFEE_DEVPROTO_H
#define TOFFEE_DEVPROTO_H

#include <stdint.h>

#define TOFFEE_DEVPROTO_VERSION 1u

/* Region r, byte offset off -> IOVA. Regions are at most 4 GiB; region 0 is
 * toffeed's own (slow-path rings, flow images); offset 0 of every region is
 * never handed out, so IOVA 0 is never valid. */
#define TOFFEE_IOVA(r, off)     (((uint64_t)(r) << 32) | (uint32_t)(off))
#define TOFFEE_IOVA_REGION(iova) ((uint32_t)((iova) >> 32))
#define TOFFEE_IOVA_OFFSET(iova) ((uint32_t)(iova))
#define TOFFEE_MAX_REGIONS      1024u

/* NOTIFY with a = TOFFEE_DEV_CTX_SP: the slow path's own eventfd, which the
 * NIC writes when it has posted new entries to the EXC or FB ring (at most
 * once per poll loop). Optional: a NIC that answers -EINVAL is polled. */
#define TOFFEE_DEV_CTX_SP       0xffffffffu

enum toffee_devmsg_type {
	TOFFEE_DEV_HELLO     = 1, /* nic -> sp, fd: BAR0 (TOFFEE_REG_BAR_SIZE bytes).
	                             a = flow_cap, b = port MAC (byte 0 in bits 7:0) */
	TOFFEE_DEV_MAP       = 2, /* sp -> nic, fd: region. a = region id, b = size */
	TOFFEE_DEV_UNMAP     = 3, /* sp -> nic. a = region id */
	TOFFEE_DEV_NOTIFY    = 4, /* sp -> nic, fd: eventfd (none = stop). a = ctx */
	TOFFEE_DEV_CAPTURE   = 5, /* sp -> nic, fd: pcap file to write (none = stop) */
	TOFFEE_DEV_STATS     = 6, /* sp -> nic. reply: a = rx frames, b = tx frames (MAC) */
	TOFFEE_DEV_SHUTDOWN  = 7, /* sp -> nic: exit */
	TOFFEE_DEV_REPLY     = 8, /* nic -> sp: status for request `seq` */
	TOFFEE_DEV_DBPAGE    = 9, /* sp -> nic. a = ctx. reply fd: the context's
	                             doorbell page file (one page, sealed), which
	                             the NIC maps over that page of BAR0 */
};

struct toffee_devmsg {
	uint32_t type;     /* enum toffee_devmsg_type */
	uint32_t seq;      /* request number, echoed in the REPLY */
	int32_t  status;   /* REPLY: 0 or a negative errno */
	uint32_t rsvd;
	uint64_t a;
	uint64_t b;
	char     text[32]; /* HELLO: implementation name ("fw", "sim") */
};

#endif /* TOFFEE_DEVPROTO_H */
