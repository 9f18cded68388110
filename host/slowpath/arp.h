/* SPDX-License-Identifier: MIT */
/**
 * @file arp.h
 * Neighbour resolution (RFC 826) and routing for one interface with one
 * subnet and an optional default gateway. The cache is pure logic: callers
 * pass the time and send the requests it asks for.
 */
#ifndef TOFFEE_SP_ARP_H
#define TOFFEE_SP_ARP_H

#include <stdbool.h>
#include <stdint.h>

enum sp_arp_state { SP_ARP_FREE = 0, SP_ARP_INCOMPLETE, SP_ARP_REACHABLE };

struct sp_arp_entry {
	uint32_t ip;
	uint8_t  mac[6];
	uint8_t  state;          /* enum sp_arp_state */
	uint8_t  tries;          /* requests sent while INCOMPLETE */
	uint64_t deadline;       /* INCOMPLETE: next retry; REACHABLE: expiry */
};

struct sp_arp_cfg {
	uint64_t reachable_ns;   /* how long a learnt entry is used (e.g. 60 s) */
	uint64_t retry_ns;       /* between requests (e.g. 1 s) */
	uint8_t  max_tries;      /* requests before giving up (e.g. 3) */
};

#define SP_ARP_SLOTS 1024u   /* open addressing, power of two */

struct sp_arp {
	struct sp_arp_cfg cfg;
	struct sp_arp_entry e[SP_ARP_SLOTS];
	uint32_t used;
};

/** Results of sp_arp_lookup(). */
enum sp_arp_res {
	SP_ARP_HIT,       /* mac filled */
	SP_ARP_SEND,      /* new INCOMPLETE entry: send a request now */
	SP_ARP_PENDING,   /* resolution under way */
	SP_ARP_NOSPACE,   /* cache full of unresolved entries */
};

void sp_arp_init(struct sp_arp *a, const struct sp_arp_cfg *cfg);

/** Look up @p ip at @p now; starts a resolution when unknown or expired. */
enum sp_arp_res sp_arp_lookup(struct sp_arp *a, uint32_t ip, uint64_t now, uint8_t mac[6]);

/**
 * Learn @p ip -> @p mac from an ARP packet (RFC 826 "merge"): an existing
 * entry is updated; a new one is created only if @p create (the packet was
 * addressed to us). Returns true if an INCOMPLETE entry became resolved
 * (waiters can proceed).
 */
bool sp_arp_learn(struct sp_arp *a, uint32_t ip, const uint8_t mac[6], uint64_t now, bool create);

/** Callbacks of sp_arp_tick(). */
struct sp_arp_actions {
	void *arg;
	void (*resend)(void *arg, uint32_t ip);   /* send another request */
	void (*failed)(void *arg, uint32_t ip);   /* give up: waiters fail */
};

/** Retry or fail INCOMPLETE entries and expire REACHABLE ones due at
 *  @p now. Returns the earliest next deadline (UINT64_MAX if none). */
uint64_t sp_arp_tick(struct sp_arp *a, uint64_t now, const struct sp_arp_actions *act);

/** Entry for @p ip, or NULL. */
const struct sp_arp_entry *sp_arp_find(const struct sp_arp *a, uint32_t ip);

/** The interface's addressing. */
struct sp_route {
	uint32_t ip;             /* ours */
	uint8_t  prefix;         /* subnet prefix length */
	uint32_t gw;             /* default gateway, 0 = none */
};

/** Netmask for a prefix length. */
static inline uint32_t sp_route_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/**
 * Next hop towards @p dst: @p dst itself on the subnet, else the gateway.
 * Returns 0, -ENETUNREACH (off-subnet and no gateway, or a broadcast /
 * multicast / zero / our own address), -EINVAL (no address configured).
 */
int sp_route_lookup(const struct sp_route *r, uint32_t dst, uint32_t *next_hop);

#endif /* TOFFEE_SP_ARP_H */
