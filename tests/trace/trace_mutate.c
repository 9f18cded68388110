/* SPDX-License-Identifier: MIT */
/* Trace tests on rewritten copies of the Linux traces: corrupted client
 * frames, other link types (Linux cooked v1/v2, raw IP), and broken input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_util.h"

typedef void (*rewrite_fn)(void *arg, pcap_dumper_t *d, const struct pcap_pkthdr *h,
			   const uint8_t *frame);

static void emit(pcap_dumper_t *d, const struct pcap_pkthdr *h, const uint8_t *p, uint32_t len)
{
	struct pcap_pkthdr o = *h;

	o.caplen = o.len = len;
	pcap_dump((u_char *)d, &o, p);
}

/* Write a copy of Ethernet capture @p src with link type @p dlt, every frame
 * passed through @p fn. Returns the temporary file's path (malloc'd). */
static char *rewrite(const char *src, int dlt, rewrite_fn fn, void *arg)
{
	char err[PCAP_ERRBUF_SIZE], *path = strdup("/tmp/toffee-trace-XXXXXX.pcap");
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *in, *dead;
	pcap_dumper_t *d;
	int fd;

	assert_non_null(path);
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	in = pcap_open_offline(src, err);
	assert_non_null(in);
	dead = pcap_open_dead(dlt, 65535);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	while (pcap_next_ex(in, &h, &data) == 1)
		fn(arg, d, h, data);
	pcap_dump_close(d);
	pcap_close(dead);
	pcap_close(in);
	return path;
}

/* ---- corrupted frames --------------------------------------------------------- */

struct corrupt {
	struct ref_conn *refs;
	size_t nref;
	bool replace;          /* corrupted copy instead of (not before) the original */
	unsigned every, seen;
	uint64_t n_tcp, n_ip;
};

static void corrupt_fn(void *arg, pcap_dumper_t *d, const struct pcap_pkthdr *h,
		       const uint8_t *frame)
{
	struct corrupt *m = arg;
	struct ref_seg s;
	uint8_t bad[2048];
	unsigned v;

	if (h->caplen > sizeof(bad) || !ref_parse(frame, h->caplen, &s) || !s.plen ||
	    !ref_find(m->refs, m->nref, s.sip, s.sport, s.dip, s.dport) ||
	    m->seen++ % m->every) {
		emit(d, h, frame, h->caplen);
		return;
	}
	memcpy(bad, frame, h->caplen);
	v = m->seen / m->every % 4;
	switch (v) {
	case 0:  /* a payload bit */
		bad[s.payload - frame + s.plen / 2] ^= (uint8_t)(1u << (m->seen % 8));
		break;
	case 1:  /* a sequence number bit */
		bad[14 + (frame[14] & 15) * 4 + 5] ^= 0x10;
		break;
	case 2:  /* the TCP checksum itself */
		bad[14 + (frame[14] & 15) * 4 + 16] ^= 0x55;
		bad[14 + (frame[14] & 15) * 4 + 17] ^= 0x55;
		break;
	default: /* the IPv4 TTL: only the IP header checksum notices */
		bad[14 + 8] ^= 0x01;
		break;
	}
	if (v == 3)
		m->n_ip++;
	else
		m->n_tcp++;
	emit(d, h, bad, h->caplen);
	if (!m->replace)
		emit(d, h, frame, h->caplen);
}

static void corrupt_trace(const char *name, unsigned every, uint64_t total, bool server_hashes)
{
	char *orig = trace_path(name), *path;
	struct corrupt m = { .every = every };
	struct run clean, run;

	assert_int_equal(ref_load(orig, &m.refs, &m.nref), 0);
	for (int rexmit = 0; rexmit <= 1; rexmit++) {
		run_trace(orig, rexmit, &clean);
		/* Corrupted copies before the originals: they must change nothing. */
		m.replace = false;
		m.seen = 0;
		m.n_tcp = m.n_ip = 0;
		path = rewrite(orig, DLT_EN10MB, corrupt_fn, &m);
		run_trace(path, rexmit, &run);           /* prefix, ACKs, ... */
		assert_true(m.n_tcp > 0 && m.n_ip > 0);
		assert_int_equal(run.k.corrupt_fed, m.n_tcp + m.n_ip);
		assert_int_equal(cnt(&run, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_TCP_CSUM), m.n_tcp);
		assert_int_equal(cnt(&run, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_IP_CSUM), m.n_ip);
		assert_int_equal(run.res.flows[0].delivered, clean.res.flows[0].delivered);
		assert_memory_equal(run.res.flows[0].sha256, clean.res.flows[0].sha256, 32);
		if (rexmit)
			check_complete(&run, total, server_hashes);
		run_free(&run);
		unlink(path);
		free(path);

		/* Corrupted copies only: the stream stops at the first of them. */
		m.replace = true;
		m.seen = 0;
		m.n_tcp = m.n_ip = 0;
		path = rewrite(orig, DLT_EN10MB, corrupt_fn, &m);
		run_trace(path, rexmit, &run);    /* delivered <= what valid frames hold */
		assert_int_equal(run.k.corrupt_fed, m.n_tcp + m.n_ip);
		assert_int_equal(cnt(&run, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_TCP_CSUM), m.n_tcp);
		assert_int_equal(cnt(&run, TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_IP_CSUM), m.n_ip);
		assert_true(run.k.refs[0].c2s.contig < total);   /* the test has teeth */
		assert_true(run.res.flows[0].delivered <= run.k.refs[0].c2s.contig);
		run_free(&run);
		unlink(path);
		free(path);
		run_free(&clean);
	}
	ref_free(m.refs, m.nref);
	free(orig);
}

void test_corrupt_bulk_in(void **state)
{
	(void)state;
	corrupt_trace("bulk_in.pcap", 7, 2u << 20, true);
}

void test_corrupt_echo_small(void **state)
{
	(void)state;
	corrupt_trace("echo_small.pcap", 3, 25065, false);
}

/* ---- other link types -------------------------------------------------------------- */

struct relink {
	int dlt;
	uint8_t server_mac[6];
};

static void relink_fn(void *arg, pcap_dumper_t *d, const struct pcap_pkthdr *h,
		      const uint8_t *frame)
{
	struct relink *l = arg;
	uint8_t out[2048];
	uint32_t n = h->caplen - 14, hl;
	bool outgoing = !memcmp(frame + 6, l->server_mac, 6);  /* captured at the server */

	assert_true(h->caplen >= 14 && n + 20 <= sizeof(out));
	switch (l->dlt) {
	case DLT_LINUX_SLL:
		hl = 16;
		memset(out, 0, hl);
		out[1] = outgoing ? 4 : 0;              /* PACKET_OUTGOING / PACKET_HOST */
		out[3] = 1;                             /* ARPHRD_ETHER */
		out[5] = 6;
		memcpy(out + 6, frame + 6, 6);          /* link-layer source */
		memcpy(out + 14, frame + 12, 2);
		break;
	case DLT_LINUX_SLL2:
		hl = 20;
		memset(out, 0, hl);
		memcpy(out, frame + 12, 2);
		out[7] = 2;                             /* ifindex */
		out[9] = 1;
		out[10] = outgoing ? 4 : 0;
		out[11] = 6;
		memcpy(out + 12, frame + 6, 6);
		break;
	default:                                        /* raw IP */
		hl = 0;
		break;
	}
	memcpy(out + hl, frame + 14, n);
	emit(d, h, out, hl + n);
}

void test_link_types(void **state)
{
	static const int dlts[] = { DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };
	char *orig = trace_path("echo_small.pcap");
	struct relink l = { .server_mac = { 2, 0, 0, 0, 0, 1 } };
	struct replay_result base, res;

	(void)state;
	assert_int_equal(replay_run(orig, NULL, &base), 0);
	assert_int_equal(base.n_flows, 1);
	for (unsigned i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		char *path;

		l.dlt = dlts[i];
		path = rewrite(orig, l.dlt, relink_fn, &l);
		assert_int_equal(replay_run(path, NULL, &res), 0);
		assert_int_equal(res.link_type, l.dlt);
		assert_int_equal(res.n_flows, 1);
		assert_int_equal(res.flows[0].delivered, base.flows[0].delivered);
		assert_memory_equal(res.flows[0].sha256, base.flows[0].sha256, 32);
		assert_int_equal(res.counters[TOFFEE_CNT_TX_BYTES], base.counters[TOFFEE_CNT_TX_BYTES]);
		assert_int_equal(res.counters[TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_NOT_FOR_US], 0);
		assert_int_equal(res.anomalies, 0);
		replay_result_free(&res);
		unlink(path);
		free(path);
	}
	replay_result_free(&base);
	free(orig);
}

/* ---- broken input ------------------------------------------------------------------- */

static char *write_tmp(const void *data, size_t len)
{
	char *path = strdup("/tmp/toffee-trace-XXXXXX.pcap");
	int fd;

	assert_non_null(path);
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

void test_bad_input(void **state)
{
	char *orig = trace_path("echo_small.pcap"), *path;
	struct replay_opts o = { 0 };
	struct replay_result res;
	uint8_t junk[4096], *buf;
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(replay_run("/nonexistent/x.pcap", NULL, &res), -EIO);
	assert_true(res.err[0] != 0);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131u + 7u);
	path = write_tmp(junk, sizeof(junk));
	assert_true(replay_run(path, NULL, &res) < 0);
	assert_true(res.err[0] != 0);
	unlink(path);
	free(path);
	path = write_tmp("", 0);
	assert_true(replay_run(path, NULL, &res) < 0);
	unlink(path);
	free(path);

	/* a capture cut in the middle of a record: replayed up to the cut */
	f = fopen(orig, "rb");
	assert_non_null(f);
	buf = malloc(1 << 20);
	len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	path = write_tmp(buf, len / 2 + 3);
	assert_int_equal(replay_run(path, NULL, &res), 0);
	assert_int_equal(res.anomalies, 1);
	assert_int_equal(res.n_flows, 1);
	assert_true(res.flows[0].delivered > 0 && res.flows[0].delivered < 25065);
	replay_result_free(&res);
	unlink(path);
	free(path);
	free(buf);

	o.impl = "rtl";
	assert_int_equal(replay_run(orig, &o, &res), -ENOTSUP);
	o.impl = "nonsense";
	assert_int_equal(replay_run(orig, &o, &res), -EINVAL);
	o.impl = NULL;
	o.buf_log2 = 40;
	assert_int_equal(replay_run(orig, &o, &res), -EINVAL);
	o.buf_log2 = 0;
	o.out_path = "/nonexistent/dir/out.pcap";
	assert_int_equal(replay_run(orig, &o, &res), -EIO);
	free(orig);
}
