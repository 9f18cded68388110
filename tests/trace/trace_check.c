/* SPDX-License-Identifier: MIT */
/* The checker of the trace tests: replays a capture and judges the result
 * against the independent reference (ref.c). See test_trace.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_util.h"

const char *traces_dir(void)
{
	const char *d = getenv("TOFFEE_TRACES");

	return d && *d ? d : "../shared/traces/linux";
}

char *trace_path(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", traces_dir(), name) < 0)
		abort();
	if (access(p, R_OK) != 0)
		fail_msg("trace %s is missing: the trace tests need ../shared/traces/linux "
			 "(or TOFFEE_TRACES)", p);
	return p;
}

/* ---- judging one replay ------------------------------------------------------ */

static void err(struct chk *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(struct chk *k, const char *fmt, ...)
{
	va_list ap;

	if (!k->errors++) {
		va_start(ap, fmt);
		vsnprintf(k->first, sizeof(k->first), fmt, ap);
		va_end(ap);
	}
}

struct conn_chk *chk_conn(struct chk *k, uint32_t cip, uint16_t cport,
				 uint32_t sip, uint16_t sport, struct ref_conn **ref)
{
	struct ref_conn *r = ref_find(k->refs, k->nref, cip, cport, sip, sport);

	if (ref)
		*ref = r;
	return r ? &k->cc[r - k->refs] : NULL;
}

static void on_fed(void *arg, const uint8_t *frame, uint32_t len, uint64_t now)
{
	struct chk *k = arg;
	struct ref_conn *r;
	struct conn_chk *c;
	struct ref_seg s;
	uint32_t off;

	(void)now;
	if (!ref_parse(frame, len, &s))
		return;
	if (!s.ip_csum_ok || !s.tcp_csum_ok) {
		k->corrupt_fed++;
		return;
	}
	c = chk_conn(k, s.sip, s.sport, s.dip, s.dport, &r);
	if (!c || (s.flags & REF_SYN))
		return;
	off = s.seq - (r->cli_isn + 1);
	if (off >= (1u << 30))
		return;
	ref_stream_add(&c->fed, off, s.payload, s.plen);
	if (s.flags & REF_FIN) {
		c->fin_fed = true;
		c->fin_fed_off = off + s.plen;
	}
}

static void on_sent(void *arg, const uint8_t *frame, uint32_t len, uint64_t now,
		    const struct replay_flow *f)
{
	struct chk *k = arg;
	struct ref_conn *r;
	struct conn_chk *c;
	struct ref_seg s;
	uint32_t expect, ack_off, off;
	uint64_t limit;

	(void)now;
	k->tx_frames++;
	if (!ref_parse(frame, len, &s))
		return err(k, "tx frame %" PRIu64 " (%u bytes) is not IPv4/TCP", k->tx_frames, len);
	if (!s.ip_csum_ok || !s.tcp_csum_ok)
		err(k, "tx frame %" PRIu64 ": bad %s checksum", k->tx_frames,
		    s.ip_csum_ok ? "TCP" : "IPv4");
	if (!f)
		return err(k, "tx frame %" PRIu64 " belongs to no flow", k->tx_frames);
	c = chk_conn(k, f->client_ip, f->client_port, f->server_ip, f->server_port, &r);
	if (!c)
		return err(k, "tx frame %" PRIu64 ": flow unknown to the reference", k->tx_frames);
	if (s.sip != f->server_ip || s.dip != f->client_ip || s.sport != f->server_port ||
	    s.dport != f->client_port)
		return err(k, "tx frame %" PRIu64 ": wrong addresses", k->tx_frames);
	if (!(s.flags & REF_ACK))
		return err(k, "tx frame %" PRIu64 ": no ACK flag", k->tx_frames);
	k->acks_checked++;
	/* The ACK number is what the application was told: bytes + FIN. */
	expect = f->client_isn + 1 + (uint32_t)f->delivered + (f->fin_rcvd ? 1u : 0u);
	if (s.ack != expect)
		err(k, "tx frame %" PRIu64 ": ack %u, expected %u (delivered %" PRIu64 "%s)",
		    k->tx_frames, s.ack, expect, f->delivered, f->fin_rcvd ? " + FIN" : "");
	/* ... and never beyond what the client has sent so far. */
	ack_off = s.ack - (r->cli_isn + 1);
	limit = c->fed.contig + (c->fin_fed && c->fin_fed_off == c->fed.contig ? 1 : 0);
	if (ack_off > limit)
		err(k, "tx frame %" PRIu64 ": ack offset %u beyond the %" PRIu64
		    " contiguous client bytes fed", k->tx_frames, ack_off, limit);
	if (s.plen > f->mss)
		err(k, "tx frame %" PRIu64 ": %u payload bytes > mss %u", k->tx_frames, s.plen, f->mss);
	off = s.seq - (r->srv_isn + 1);
	if (s.plen && off < (1u << 30))
		ref_stream_add(&c->sent, off, s.payload, s.plen);
	if (s.flags & REF_FIN) {
		if (c->fin_sent && c->fin_sent_off != off + s.plen)
			err(k, "tx frame %" PRIu64 ": FIN moved", k->tx_frames);
		c->fin_sent = true;
		c->fin_sent_off = off + s.plen;
	}
}

void run_trace(const char *path, bool rexmit, struct run *run)
{
	struct replay_hooks hooks = { .arg = &run->k, .fed = on_fed, .sent = on_sent };
	struct replay_opts o = { .keep_data = true, .hooks = &hooks, .no_client_rexmit = !rexmit };
	struct chk *k = &run->k;
	int rc;

	memset(run, 0, sizeof(*run));
	assert_int_equal(ref_load(path, &k->refs, &k->nref), 0);
	k->cc = calloc(k->nref ? k->nref : 1, sizeof(*k->cc));
	assert_non_null(k->cc);
	rc = replay_run(path, &o, &run->res);
	if (rc)
		fail_msg("replay of %s failed: %s", path, run->res.err);

	if (k->errors)
		fail_msg("%s: %" PRIu64 " bad frames sent; first: %s", path, k->errors, k->first);
	assert_int_equal(run->res.abi_violations, 0);
	assert_int_equal(run->res.anomalies, 0);
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++)
		assert_int_equal(run->res.counters[i], run->res.counter_regs[i]);
	/* The server's side is replayed: the client never ACKs unsent data. */
	assert_int_equal(run->res.counters[TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_ACK_UNACCEPTABLE], 0);
	assert_int_equal(run->res.frames_tx, k->tx_frames);

	for (size_t i = 0; i < run->res.n_flows; i++) {
		const struct replay_flow *f = &run->res.flows[i];
		struct ref_conn *r;
		struct conn_chk *c = chk_conn(k, f->client_ip, f->client_port, f->server_ip,
					      f->server_port, &r);
		uint8_t md[32];

		assert_non_null(c);
		assert_int_equal(r->c2s.conflicts, 0);        /* sane capture */
		/* delivered bytes: a prefix of the true stream */
		if (f->delivered > r->c2s.contig)
			fail_msg("%s: delivered %" PRIu64 " > %" PRIu64 " bytes the client sent",
				 path, f->delivered, r->c2s.contig);
		if (f->delivered && memcmp(f->data, r->c2s.data, f->delivered)) {
			uint64_t at = 0;

			while (f->data[at] == r->c2s.data[at])
				at++;
			fail_msg("%s: delivered bytes differ from the client's stream at offset %" PRIu64,
				 path, at);
		}
		SHA256(f->data ? f->data : (const uint8_t *)"", f->delivered, md);
		assert_memory_equal(md, f->sha256, 32);
		/* sent bytes: the server's stream, each byte the same every time */
		assert_int_equal(c->sent.conflicts, 0);
		assert_true(c->sent.hi <= r->s2c.contig);
		for (uint64_t b = 0; b < c->sent.hi; b++)
			if (c->sent.have[b] && c->sent.data[b] != r->s2c.data[b])
				fail_msg("%s: sent byte %" PRIu64 " differs from the server's", path, b);
	}
	/* every connection with a handshake became a flow */
	for (size_t i = 0; i < k->nref; i++) {
		bool found = false;

		for (size_t j = 0; j < run->res.n_flows; j++)
			found |= run->res.flows[j].client_port == k->refs[i].cli_port &&
				 run->res.flows[j].client_isn == k->refs[i].cli_isn;
		assert_true(found == k->refs[i].have_synack);
	}
}

void run_free(struct run *run)
{
	for (size_t i = 0; i < run->k.nref; i++) {
		ref_stream_free(&run->k.cc[i].fed);
		ref_stream_free(&run->k.cc[i].sent);
	}
	free(run->k.cc);
	ref_free(run->k.refs, run->k.nref);
	replay_result_free(&run->res);
}

const struct replay_flow *only_flow(struct run *run, struct ref_conn **ref,
					   struct conn_chk **cc)
{
	const struct replay_flow *f;

	assert_int_equal(run->res.n_flows, 1);
	f = &run->res.flows[0];
	*cc = chk_conn(&run->k, f->client_ip, f->client_port, f->server_ip, f->server_port, ref);
	assert_non_null(*cc);
	return f;
}

void check_complete(struct run *run, uint64_t expect_len, bool server_hashes)
{
	struct ref_conn *r;
	struct conn_chk *c;
	const struct replay_flow *f = only_flow(run, &r, &c);
	uint8_t md[32];
	char hex[65];

	assert_int_equal(r->c2s.contig, expect_len);
	assert_int_equal(f->delivered, expect_len);
	SHA256(r->c2s.data, r->c2s.contig, md);
	assert_memory_equal(md, f->sha256, 32);
	assert_true(f->fin_rcvd == r->c2s.fin);
	if (server_hashes) {
		for (int i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", f->sha256[i]);
		assert_true(r->s2c.contig >= 64);
		assert_memory_equal(r->s2c.data, hex, 64);
	}
}

