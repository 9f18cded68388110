/* SPDX-License-Identifier: MIT */
/**
 * @file ports.h
 * Local port bookkeeping: listeners and ephemeral ports of active opens.
 * Ephemeral selection follows RFC 6056 Algorithm 3 (simple hash-based):
 * port = min + (F(local, remote, rport, secret) + next + i) mod num, where
 * `next` advances after each successful pick, so the ports used towards one
 * destination are hard to guess but cycle through the whole range.
 */
#ifndef TOFFEE_SP_PORTS_H
#define TOFFEE_SP_PORTS_H

#include <stdbool.h>
#include <stdint.h>

struct sp_ports {
	uint16_t lo, hi;          /* ephemeral range, inclusive */
	uint32_t next;            /* RFC 6056 next_ephemeral */
	uint64_t secret[2];
	uint16_t use[65536];      /* references per local port */
};

/** Initialise with ephemeral range [@p lo, @p hi] and a secret key.
 *  Returns 0 or -EINVAL (empty range, port 0). */
int sp_ports_init(struct sp_ports *p, uint16_t lo, uint16_t hi, uint64_t k0, uint64_t k1);

/** Callback: is (local port, the destination of this pick) unusable? */
typedef bool (*sp_ports_busy_fn)(void *arg, uint16_t port);

/**
 * Pick an ephemeral port for a connection from @p lip to @p rip:@p rport.
 * Skips ports referenced (listeners, other picks) and those @p busy (may be
 * NULL) rejects. References the port. Returns it, or -EADDRNOTAVAIL when the
 * whole range is in use.
 */
int sp_ports_pick(struct sp_ports *p, uint32_t lip, uint32_t rip, uint16_t rport,
		  sp_ports_busy_fn busy, void *arg);

/** Take a reference on @p port (a listener, or an explicit bind). */
void sp_ports_ref(struct sp_ports *p, uint16_t port);
/** Drop a reference. */
void sp_ports_unref(struct sp_ports *p, uint16_t port);
/** References held on @p port. */
static inline unsigned sp_ports_refs(const struct sp_ports *p, uint16_t port) { return p->use[port]; }

/** Keyed 64-bit hash of four words (also used for initial sequence numbers). */
uint64_t sp_hash4(const uint64_t key[2], uint32_t a, uint32_t b, uint32_t c, uint32_t d);

#endif /* TOFFEE_SP_PORTS_H */
