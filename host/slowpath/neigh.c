/* SPDX-License-Identifier: MIT */
/* Neighbours: ARP requests for our address are answered, next hops are
 * resolved with the cache of arp.c (active opens wait for it, their SYN is
 * sent once the reply arrives), and ICMP echo requests are answered so that
 * `ping` works against a toffee host. */
#include <errno.h>
#include <string.h>
#include "sp.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void send_arp(struct sp *sp, uint16_t op, const uint8_t dst[6], const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *slot = sp_raw_slot(sp);
	if (!slot)
		return;
	struct sp_arp_pkt a = { .op = op, .spa = sp->cfg.route.ip, .tpa = tpa };
	memcpy(a.sha, sp->mac, 6);
	memcpy(a.tha, tha, 6);
	sp_raw_commit(sp, sp_pkt_build_arp(slot, dst, &a));
}

static void request(struct sp *sp, uint32_t ip)
{
	static const uint8_t zero[6];
	send_arp(sp, SP_ARP_REQUEST, bcast, zero, ip);
	sp_count(sp, SP_CNT_ARP_REQ_SENT);
}

static void rearm(struct sp *sp, uint64_t next)
{
	if (next == UINT64_MAX)
		sp_timer_cancel(&sp->timers, &sp->arp_timer);
	else
		sp_arm(sp, &sp->arp_timer, next);
}

static void wake(struct sp *sp, uint32_t ip, bool ok)
{
	struct sp_conn **pp = &sp->arp_waiters;
	while (*pp) {
		struct sp_conn *c = *pp;
		if (c->nh_ip != ip) {
			pp = &c->wnext;
			continue;
		}
		*pp = c->wnext;
		c->wnext = NULL;
		c->arp_wait = false;
		if (ok && sp_arp_lookup(&sp->arp, ip, sp->now, c->mac) == SP_ARP_HIT)
			sp_open_send_syn(c);
		else
			sp_open_arp_failed(c);
	}
}

static void on_resend(void *arg, uint32_t ip)
{
	request(arg, ip);
}

static void on_failed(void *arg, uint32_t ip)
{
	struct sp *sp = arg;
	sp_count(sp, SP_CNT_ARP_FAILED);
	wake(sp, ip, false);
}

static void arp_tick(struct sp_timer *t, uint64_t now)
{
	struct sp *sp = SP_CONTAINER(t, struct sp, arp_timer);
	struct sp_arp_actions act = { .arg = sp, .resend = on_resend, .failed = on_failed };
	rearm(sp, sp_arp_tick(&sp->arp, now, &act));
}

void sp_neigh_init(struct sp *sp)
{
	struct sp_arp_cfg cfg = {
		.reachable_ns = sp->cfg.arp_reachable_ns, .retry_ns = sp->cfg.arp_retry_ns,
		.max_tries = sp->cfg.arp_tries,
	};
	sp_arp_init(&sp->arp, &cfg);
	sp->arp_timer.fn = arp_tick;
}

void sp_neigh_announce(struct sp *sp)
{
	/* Gratuitous ARP (RFC 5227 §3): peers refresh their caches. */
	static const uint8_t zero[6];
	send_arp(sp, SP_ARP_REQUEST, bcast, zero, sp->cfg.route.ip);
}

void sp_neigh_input(struct sp *sp, const uint8_t *frame, uint32_t len)
{
	struct sp_arp_pkt a;
	if (sp_pkt_parse_arp(frame, len, &a)) {
		sp_count(sp, SP_CNT_ARP_IGNORED);
		return;
	}
	bool for_us = a.tpa == sp->cfg.route.ip && a.spa != sp->cfg.route.ip;
	if (sp_arp_learn(&sp->arp, a.spa, a.sha, sp->now, for_us)) {
		sp_count(sp, SP_CNT_ARP_RESOLVED);
		wake(sp, a.spa, true);
	}
	if (!for_us) {
		sp_count(sp, SP_CNT_ARP_IGNORED);
		return;
	}
	if (a.op == SP_ARP_REQUEST) {
		sp_count(sp, SP_CNT_ARP_REQ_RCVD);
		send_arp(sp, SP_ARP_REPLY, a.sha, a.sha, a.spa);
		sp_count(sp, SP_CNT_ARP_REPLY_SENT);
	}
}

int sp_neigh_resolve(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	switch (sp_arp_lookup(&sp->arp, c->nh_ip, sp->now, c->mac)) {
	case SP_ARP_HIT:
		return 0;
	case SP_ARP_SEND:
		request(sp, c->nh_ip);
		if (!sp_timer_armed(&sp->arp_timer) || sp->arp_timer.when > sp->now + sp->cfg.arp_retry_ns)
			rearm(sp, sp->now + sp->cfg.arp_retry_ns);
		break;
	case SP_ARP_PENDING:
		break;
	default:
		return -ENOBUFS;
	}
	c->arp_wait = true;
	c->wnext = sp->arp_waiters;
	sp->arp_waiters = c;
	return -EINPROGRESS;
}

void sp_neigh_forget(struct sp_conn *c)
{
	for (struct sp_conn **pp = &c->sp->arp_waiters; *pp; pp = &(*pp)->wnext)
		if (*pp == c) {
			*pp = c->wnext;
			break;
		}
	c->wnext = NULL;
	c->arp_wait = false;
}

void sp_neigh_icmp(struct sp *sp, const uint8_t *frame, uint32_t len)
{
	uint8_t *slot = sp_raw_slot(sp);
	uint32_t n = slot ? sp_pkt_icmp_echo_reply(frame, len, sp->cfg.route.ip, sp->mac, slot,
						   TOFFEE_FRAME_SLOT) : 0;
	if (n) {
		sp_raw_commit(sp, n);
		sp_count(sp, SP_CNT_ICMP_ECHO);
	} else {
		sp_count(sp, SP_CNT_NOT_TCP);
	}
}
