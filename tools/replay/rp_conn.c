/* SPDX-License-Identifier: MIT */
/* Connection table of the replay: 4-tuple -> connection, chained hashing. */
#include "replay_int.h"

#include <stdlib.h>
#include <string.h>

static uint32_t tuple_hash(uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	uint64_t x = ((uint64_t)cip << 32 | sip) ^ ((uint64_t)cport << 16 | sport) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(x ^ (x >> 32));
}

int rp_conn_table_init(struct rp *r, uint32_t expect)
{
	uint32_t n = 64;

	while (n < 2 * expect && n < (1u << 24))
		n *= 2;
	r->hash = calloc(n, sizeof(*r->hash));
	r->hmask = n - 1;
	return r->hash ? 0 : -1;
}

void rp_conn_table_free(struct rp *r)
{
	for (size_t i = 0; i < r->n_all; i++) {
		struct rp_conn *c = r->all[i];

		if (c->sha)
			EVP_MD_CTX_free(c->sha);
		free(c->pub.data);
		free(c->pend);
		rp_rexmit_free(c);
		free(c);
	}
	free(r->all);
	free(r->hash);
	r->all = NULL;
	r->hash = NULL;
	r->n_all = 0;
}

static struct rp_conn *lookup(struct rp *r, uint32_t cip, uint16_t cport,
			      uint32_t sip, uint16_t sport)
{
	struct rp_conn *c = r->hash[tuple_hash(cip, cport, sip, sport) & r->hmask];

	for (; c; c = c->hnext)
		if (c->pub.client_ip == cip && c->pub.client_port == cport &&
		    c->pub.server_ip == sip && c->pub.server_port == sport)
			return c;
	return NULL;
}

struct rp_conn *rp_conn_find(struct rp *r, const struct pkt_tcp *t, bool *from_client)
{
	struct rp_conn *c = lookup(r, t->saddr, t->sport, t->daddr, t->dport);

	if (c) {
		*from_client = true;
		return c;
	}
	*from_client = false;
	return lookup(r, t->daddr, t->dport, t->saddr, t->sport);
}

struct rp_conn *rp_conn_new(struct rp *r, const struct pkt_tcp *syn)
{
	struct rp_conn *c = calloc(1, sizeof(*c));
	uint32_t h;

	if (!c)
		abort();
	if (r->n_all == r->cap_all) {
		size_t cap = r->cap_all ? 2 * r->cap_all : 64;
		struct rp_conn **n = realloc(r->all, cap * sizeof(*n));

		if (!n)
			abort();
		r->all = n;
		r->cap_all = cap;
	}
	r->all[r->n_all++] = c;
	c->st = RP_PENDING;
	c->syn = *syn;
	c->syn.payload = NULL;
	c->syn.src_mac = c->syn.dst_mac = NULL;
	memcpy(c->cli_mac, syn->src_mac, 6);
	c->pub.client_ip = syn->saddr;
	c->pub.client_port = syn->sport;
	c->pub.server_ip = syn->daddr;
	c->pub.server_port = syn->dport;
	c->pub.client_isn = syn->seq;
	c->pub.flow_id = TOFFEE_FLOW_NONE;
	h = tuple_hash(syn->saddr, syn->sport, syn->daddr, syn->dport) & r->hmask;
	c->hnext = r->hash[h];
	r->hash[h] = c;
	c->in_table = true;
	return c;
}

void rp_conn_forget(struct rp *r, struct rp_conn *c)
{
	struct rp_conn **pp;

	if (!c->in_table)
		return;
	pp = &r->hash[tuple_hash(c->pub.client_ip, c->pub.client_port, c->pub.server_ip,
				 c->pub.server_port) & r->hmask];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->in_table = false;
	if (c->st == RP_PENDING)
		c->st = RP_DONE;
}
