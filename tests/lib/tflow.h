/* SPDX-License-Identifier: MIT */
/* A fast path with one installed flow, seen from the peer: the fixture of
 * the RX/ACK/TX/scheduler unit tests. The NIC is 10.0.0.1:80 (MAC ..:01),
 * the peer 10.0.0.2:5555 (MAC ..:02). */
#ifndef TOFFEE_TFLOW_H
#define TOFFEE_TFLOW_H

#include "fphost.h"
#include "tpkt.h"

#define TF_NIC_IP   0x0a000001u
#define TF_PEER_IP  0x0a000002u
#define TF_NIC_PORT 80
#define TF_PEER_PORT 5555
#define TF_IRS      1000u          /* peer's first data byte is TF_IRS */
#define TF_ISS      50000u         /* our first data byte is TF_ISS */
#define TF_MSS      1448u

struct tflow {
	struct fphost *fh;
	struct toffee_flow f;          /* the image installed */
	uint32_t id;
	uint32_t peer_seq;             /* next sequence number the peer sends */
	uint32_t peer_ack;             /* what the peer acknowledges */
	uint16_t peer_win;
	uint8_t frame[2048];
};

/** Install flow 7 with timestamps on (@p flags adds TOFFEE_FLOWF_*), 64 KiB
 *  buffers, peer window 64 KiB, no rate/cwnd limit. Returns 0 or -1. */
int tflow_setup(struct tflow *t, uint16_t flags);
/** In tflow_setup()'s @p flags: timestamps off (not a flow flag). */
#define TFLOW_NO_TS 0x8000u
/** tflow_setup() maps host memory for the core (fphost_config.host_map). */
extern bool tflow_host_map;
void tflow_teardown(struct tflow *t);
/** A peer segment with payload @p data (may be NULL when @p len is 0) at
 *  sequence @p seq; delivered to the core and polled once. */
void tflow_send(struct tflow *t, uint32_t seq, uint8_t flags, const void *data, uint32_t len);
/** Build (not deliver) the frame tflow_send() would deliver. */
uint32_t tflow_frame(struct tflow *t, uint32_t seq, uint8_t flags, const void *data, uint32_t len);
/** Parse the @p i-th transmitted frame; fails the test if it is not TCP. */
void tflow_tx(struct tflow *t, size_t i, struct tpkt_parsed *p);
/** Current NIC-side state of the flow. */
struct toffee_flow tflow_state(struct tflow *t);

#endif
