/* SPDX-License-Identifier: MIT */
/* ARP cache (open addressing with tombstone-free backward-shift deletion)
 * and single-interface routing. */
#include <errno.h>
#include <string.h>
#include "arp.h"

#define MASK (SP_ARP_SLOTS - 1u)

static uint32_t slot_of(uint32_t ip)
{
	return (ip * 2654435761u) >> 22 & MASK;
}

void sp_arp_init(struct sp_arp *a, const struct sp_arp_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	if (!a->cfg.max_tries)
		a->cfg.max_tries = 1;
}

static struct sp_arp_entry *find(struct sp_arp *a, uint32_t ip)
{
	for (uint32_t i = slot_of(ip), n = 0; n < SP_ARP_SLOTS; i = (i + 1) & MASK, n++) {
		if (a->e[i].state == SP_ARP_FREE)
			return NULL;
		if (a->e[i].ip == ip)
			return &a->e[i];
	}
	return NULL;
}

const struct sp_arp_entry *sp_arp_find(const struct sp_arp *a, uint32_t ip)
{
	return find((struct sp_arp *)a, ip);
}

/* Insert a new entry (the caller checked it is absent). Keeps a quarter of
 * the table free so that probes stay short. */
static struct sp_arp_entry *insert(struct sp_arp *a, uint32_t ip)
{
	if (a->used >= SP_ARP_SLOTS - SP_ARP_SLOTS / 4)
		return NULL;
	uint32_t i = slot_of(ip);
	while (a->e[i].state != SP_ARP_FREE)
		i = (i + 1) & MASK;
	a->used++;
	memset(&a->e[i], 0, sizeof(a->e[i]));
	a->e[i].ip = ip;
	return &a->e[i];
}

/* Delete slot @p i and shift later members of its probe run back. */
static void delete_at(struct sp_arp *a, uint32_t i)
{
	a->used--;
	a->e[i].state = SP_ARP_FREE;
	for (uint32_t j = (i + 1) & MASK; a->e[j].state != SP_ARP_FREE; j = (j + 1) & MASK) {
		uint32_t home = slot_of(a->e[j].ip);
		/* Move j to the hole i if its home slot is not in (i, j]. */
		if (((j - home) & MASK) >= ((j - i) & MASK)) {
			a->e[i] = a->e[j];
			a->e[j].state = SP_ARP_FREE;
			i = j;
		}
	}
}

/* Evict one expired or the oldest REACHABLE entry to make room. */
static bool evict(struct sp_arp *a, uint64_t now)
{
	uint32_t best = SP_ARP_SLOTS;
	for (uint32_t i = 0; i < SP_ARP_SLOTS; i++) {
		if (a->e[i].state != SP_ARP_REACHABLE)
			continue;
		if (best == SP_ARP_SLOTS || a->e[i].deadline < a->e[best].deadline)
			best = i;
		if (a->e[i].deadline <= now)
			break;
	}
	if (best == SP_ARP_SLOTS)
		return false;
	delete_at(a, best);
	return true;
}

enum sp_arp_res sp_arp_lookup(struct sp_arp *a, uint32_t ip, uint64_t now, uint8_t mac[6])
{
	struct sp_arp_entry *e = find(a, ip);
	if (e && e->state == SP_ARP_REACHABLE && e->deadline > now) {
		memcpy(mac, e->mac, 6);
		return SP_ARP_HIT;
	}
	if (e && e->state == SP_ARP_INCOMPLETE)
		return SP_ARP_PENDING;
	if (!e) {
		e = insert(a, ip);
		if (!e && evict(a, now))
			e = insert(a, ip);
		if (!e)
			return SP_ARP_NOSPACE;
	}
	e->state = SP_ARP_INCOMPLETE;    /* new, or expired: resolve again */
	e->tries = 1;
	e->deadline = now + a->cfg.retry_ns;
	return SP_ARP_SEND;
}

bool sp_arp_learn(struct sp_arp *a, uint32_t ip, const uint8_t mac[6], uint64_t now, bool create)
{
	if (ip == 0 || (mac[0] & 1))
		return false;                /* no group addresses as neighbours */
	struct sp_arp_entry *e = find(a, ip);
	if (!e) {
		if (!create)
			return false;
		e = insert(a, ip);
		if (!e && evict(a, now))
			e = insert(a, ip);
		if (!e)
			return false;
	}
	bool resolved = e->state == SP_ARP_INCOMPLETE;
	memcpy(e->mac, mac, 6);
	e->state = SP_ARP_REACHABLE;
	e->tries = 0;
	e->deadline = now + a->cfg.reachable_ns;
	return resolved;
}

uint64_t sp_arp_tick(struct sp_arp *a, uint64_t now, const struct sp_arp_actions *act)
{
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < SP_ARP_SLOTS; i++) {
		struct sp_arp_entry *e = &a->e[i];
		if (e->state == SP_ARP_FREE)
			continue;
		if (e->deadline <= now) {
			if (e->state == SP_ARP_INCOMPLETE && e->tries < a->cfg.max_tries) {
				e->tries++;
				e->deadline = now + a->cfg.retry_ns;
				if (act && act->resend)
					act->resend(act->arg, e->ip);
			} else {
				uint32_t ip = e->ip;
				bool failed = e->state == SP_ARP_INCOMPLETE;
				delete_at(a, i);
				if (failed && act && act->failed)
					act->failed(act->arg, ip);
				i--;         /* the slot may hold a shifted entry now */
				continue;
			}
		}
		if (e->deadline < next)
			next = e->deadline;
	}
	return next;
}

int sp_route_lookup(const struct sp_route *r, uint32_t dst, uint32_t *next_hop)
{
	if (r->ip == 0)
		return -EINVAL;
	uint32_t mask = sp_route_mask(r->prefix);
	if (dst == 0 || dst == r->ip || dst == 0xffffffffu || (dst >> 28) >= 14 ||
	    (r->prefix < 31 && (dst & mask) == (r->ip & mask) && (dst & ~mask) == ~mask))
		return -ENETUNREACH;         /* zero, ours, broadcast, multicast/class E */
	if ((dst & mask) == (r->ip & mask)) {
		*next_hop = dst;
		return 0;
	}
	if (!r->gw)
		return -ENETUNREACH;
	*next_hop = r->gw;
	return 0;
}
