/* SPDX-License-Identifier: MIT */
/**
 * @file tsim_port.h
 * toffee-sim: the Ethernet port. Frames come from a TAP device
 * (/dev/net/tun, IFF_TAP | IFF_NO_PI, non-blocking) and/or are replayed
 * from a pcap file; frames the NIC sends go to the TAP and/or are recorded
 * in a pcap file (timestamps: simulated time).
 */
#ifndef TOFFEE_TSIM_PORT_H
#define TOFFEE_TSIM_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <pcap/pcap.h>

#define TSIM_FRAME_MAX 16384u   /* larger frames are counted and dropped */
#define TSIM_RXQ 64u            /* frames read ahead of the model */

struct tsim_frame {
	uint32_t len;
	uint8_t data[TSIM_FRAME_MAX];
};

struct tsim_port_stats {
	uint64_t tap_in, pcap_in, too_big, tap_out, tap_out_drops, pcap_out, pcap_wire;
};

struct tsim_port {
	int tap_fd;
	char tap_name[16];
	pcap_t *pin;
	bool pin_done;
	bool pin_hold;          /* set by the caller: do not read the pcap input yet */
	pcap_t *pdead;
	pcap_dumper_t *pout;
	pcap_t *pwdead;
	pcap_dumper_t *pwire;   /* --pcap-wire: both directions, headers, simulated time */
	struct tsim_frame *rxq;
	unsigned rx_head, rx_count;
	struct tsim_port_stats st;
};

/** Zero the port (no TAP, no pcap); 0 or -ENOMEM. */
int tsim_port_init(struct tsim_port *p);
/** Create/attach TAP @p name. 0 or -1 after printing why. */
int tsim_port_open_tap(struct tsim_port *p, const char *name);
int tsim_port_open_pcap_in(struct tsim_port *p, const char *path);
int tsim_port_open_pcap_out(struct tsim_port *p, const char *path);
/** --pcap-wire: a record of both directions (the first TSIM_WIRE_SNAP bytes
 *  of each frame) with simulated time stamps: a received frame at the cycle
 *  its first beat is offered to the model, a sent one at its last beat. */
int tsim_port_open_pcap_wire(struct tsim_port *p, const char *path);
#define TSIM_WIRE_SNAP 128u
void tsim_port_wire_rx(struct tsim_port *p, const uint8_t *frame, uint32_t len, uint64_t sim_ns);
void tsim_port_close(struct tsim_port *p);
/** Read frames (TAP, then pcap) until the receive queue is full or both
 *  have none; returns how many were queued. */
unsigned tsim_port_fill(struct tsim_port *p);
/** The oldest queued frame, or NULL. */
static inline struct tsim_frame *tsim_port_rx_head(struct tsim_port *p)
{
	return p->rx_count ? &p->rxq[p->rx_head] : NULL;
}
void tsim_port_rx_pop(struct tsim_port *p);
/** A frame the NIC sent (@p sim_ns: simulated time, for the pcap record). */
void tsim_port_send(struct tsim_port *p, const uint8_t *frame, uint32_t len, uint64_t sim_ns);
/** Whether frames remain to be replayed from the pcap input. */
static inline bool tsim_port_pcap_pending(const struct tsim_port *p)
{
	return p->pin && !p->pin_done;
}

#endif /* TOFFEE_TSIM_PORT_H */
