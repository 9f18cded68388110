/* SPDX-License-Identifier: MIT */
/**
 * @file tl_fake.h
 * A fake context for libtoffee unit tests: the region, the doorbell page
 * and the NIC's CMD consumer index are memory of the test's own; the
 * control socket is one end of a socketpair whose other end the test plays
 * toffeed on; the test also plays the NIC (posts EV entries, consumes CMD
 * entries) following abi.h.
 */
#ifndef TOFFEE_TL_FAKE_H
#define TOFFEE_TL_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include "tf_internal.h"

struct tl_fake {
	uint8_t *region;
	size_t   region_size;
	uint32_t *db;                 /**< 4 KiB doorbell page */
	uint32_t nic_cmd_head;        /**< what the NIC publishes in the ctx block */
	int      sp[2];               /**< [0] the library's ctl fd, [1] toffeed's */
	int      evfd;
	uint32_t ev_log2, cmd_log2, ev_off, cmd_off;
	uint32_t ev_tail;             /**< NIC's producer index */
	uint64_t bump;                /**< buffer allocator */
	struct toffee_ctx *ctx;
	uint32_t accepting;           /**< ACCEPTING notices seen (tl_sp_recv skips them) */
};

/** Build a context with rings of 2^ev_log2 / 2^cmd_log2 entries. 0 or -errno. */
int  tl_fake_init(struct tl_fake *f, uint32_t ev_log2, uint32_t cmd_log2);
/** Close the context (if still open) and free everything. */
void tl_fake_fini(struct tl_fake *f);
/** NIC: post an EV entry. @return false if the ring is full. */
bool tl_nic_ev(struct tl_fake *f, uint32_t flow, uint32_t rx, uint32_t tx, uint8_t flags);
/** NIC: consume the next CMD entry. @return 1 and *c, 0 if none, -1 on a
 *  phase mismatch. Publishes the consumer index. */
int  tl_nic_cmd(struct tl_fake *f, struct toffee_ctx_cmd *c);
/** toffeed: send a message to the library. */
void tl_sp_send(struct tl_fake *f, const struct toffee_appmsg *m);
/** toffeed: read the next message from the library. @return 1, 0 if none. */
int  tl_sp_recv(struct tl_fake *f, struct toffee_appmsg *m);
/** A flow announcement with buffers carved from the region. */
struct toffee_app_flow tl_flow(struct tl_fake *f, uint32_t id, uint8_t rx_log2, uint8_t tx_log2,
			       uint32_t rx_seq, uint32_t tx_seq);
/** Write @p n bytes of a pattern into a flow's RX buffer from @p seq, as the
 *  NIC would deposit them. */
void tl_nic_deposit(struct tl_fake *f, const struct toffee_app_flow *af, uint32_t seq,
		    const void *data, uint32_t n);
/** Read @p n bytes of a flow's TX buffer from @p seq, as the NIC would. */
void tl_nic_fetch(struct tl_fake *f, const struct toffee_app_flow *af, uint32_t seq,
		  void *out, uint32_t n);

#endif
