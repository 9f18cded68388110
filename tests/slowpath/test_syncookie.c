/* SPDX-License-Identifier: MIT */
/* SYN cookies (host/slowpath/syncookie.c): SipHash-2-4 against the
 * published test vectors; every option set survives the round trip and
 * negotiates as the SYN-ACK did; cookies expire after the next epoch; any
 * change to the 4-tuple, the sequence numbers or the echoed option bits is
 * refused; random ACKs are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "syncookie.h"

static const uint64_t key[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
#define EPOCH (1ull << SP_COOKIE_EPOCH_SHIFT)
#define T0    (1000 * EPOCH + 12345)

static void siphash_vectors(void **st)
{
	(void)st;
	/* Aumasson and Bernstein, "SipHash: a fast short-input PRF", appendix
	 * A: key 00 01 .. 0f, messages 00 01 .. (len - 1) */
	uint64_t k[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint8_t m[64];
	for (unsigned i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	assert_true(sp_siphash24(k, m, 15) == 0xa129ca6149be45e5ull);
	assert_true(sp_siphash24(k, m, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(sp_siphash24(k, m, 8) == 0x93f5f5799a932462ull);
}

static struct sp_seg syn_of(int mss, bool ts, int ws, bool sack, bool ecn)
{
	struct sp_seg s;
	memset(&s, 0, sizeof(s));
	memcpy(s.src_mac, "\x02\x00\x00\xaa\x00\x01", 6);
	memcpy(s.dst_mac, "\x02\x00\x00\xbb\x00\x02", 6);
	s.saddr = 0x0a000001;
	s.daddr = 0x0a000002;
	s.sport = 41234;
	s.dport = 80;
	s.seq = 0xfffffff0u;                       /* wraps at the final ACK */
	s.flags = SP_TH_SYN | (ecn ? SP_TH_ECE | SP_TH_CWR : 0);
	s.opt.mss_ok = mss > 0;
	s.opt.mss = (uint16_t)(mss > 0 ? mss : 0);
	s.opt.ts_ok = ts;
	s.opt.tsval = ts ? 777 : 0;
	s.opt.ws_ok = ws >= 0;
	s.opt.ws = (uint8_t)(ws >= 0 ? ws : 0);
	s.opt.sack_ok = sack;
	return s;
}

/* The peer's final ACK for our cookie SYN-ACK (isn, tsval). */
static struct sp_seg ack_of(const struct sp_seg *syn, uint32_t isn, bool ts, uint32_t tsval)
{
	struct sp_seg a = *syn;
	a.flags = SP_TH_ACK;
	a.seq = syn->seq + 1;
	a.ack = isn + 1;
	a.win = 502;
	a.opt = (struct sp_tcpopt){ 0 };
	a.opt.ts_ok = ts;
	a.opt.tsval = ts ? 9999 : 0;
	a.opt.tsecr = ts ? tsval : 0;
	return a;
}

static const struct sp_syn_cfg cfg = {
	.mss = 1460, .rcv_wscale = 7, .ws = true, .ts = true, .sack = true, .ecn = false, .ecn_accept = true,
};

static void neg_equal(const struct sp_neg *a, const struct sp_neg *b)
{
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->peer_mss, b->peer_mss);
	assert_int_equal(a->ws, b->ws);
	assert_int_equal(a->ts, b->ts);
	assert_int_equal(a->sack, b->sack);
	assert_int_equal(a->ecn, b->ecn);
	assert_int_equal(a->snd_wscale, b->snd_wscale);
	assert_int_equal(a->rcv_wscale, b->rcv_wscale);
}

static void round_trip_every_option_set(void **st)
{
	(void)st;
	static const int mss[] = { -1, 100, 536, 1199, 1200, 1448, 1460, 1500, 8960, 9000 };
	unsigned n = 0;
	for (unsigned m = 0; m < sizeof(mss) / sizeof(mss[0]); m++)
	for (int ts = 0; ts < 2; ts++)
	for (int ws = -1; ws <= 15; ws++)
	for (int sack = 0; sack < 2; sack++)
	for (int ecn = 0; ecn < 2; ecn++) {
		struct sp_seg syn = syn_of(mss[m], ts, ws, sack, ecn), csyn, back;
		sp_cookie_syn(&syn, ts, &csyn);
		/* what a cookie remembers: MSS rounded down (536 at least), and
		 * without timestamps neither scaling, SACK nor ECN */
		uint16_t want = mss[m] < 0 ? 536 : (uint16_t)mss[m];
		assert_true(csyn.opt.mss <= (want < 536 ? 536 : want));
		assert_true(csyn.opt.mss >= 536);
		if (!ts)
			assert_false(csyn.opt.ws_ok || csyn.opt.sack_ok || (csyn.flags & SP_TH_ECE));
		struct sp_neg n_sent, n_back;
		struct sp_tcp_out o;
		memset(&o, 0, sizeof(o));
		sp_neg_passive(&cfg, &csyn, 1500, &n_sent, &o);
		uint32_t tsval = 0x12345678;
		uint32_t isn = sp_cookie_make(key, T0, &csyn, n_sent.ts, &tsval);
		assert_true((tsval & ~0x3fu) == 0x12345640u);
		struct sp_seg ack = ack_of(&syn, isn, n_sent.ts, tsval);
		/* accepted in its epoch and the next */
		for (uint64_t t = T0; t < T0 + 2 * EPOCH; t += EPOCH / 2) {
			assert_true(sp_cookie_check(key, t, &ack, &back));
			assert_int_equal(back.seq, syn.seq);
			assert_int_equal(back.saddr, syn.saddr);
			assert_int_equal(back.sport, syn.sport);
			assert_int_equal(back.opt.mss, csyn.opt.mss);
			assert_int_equal(back.opt.ws_ok, csyn.opt.ws_ok);
			assert_int_equal(back.opt.ws, csyn.opt.ws);
			assert_int_equal(back.opt.sack_ok, csyn.opt.sack_ok);
			assert_int_equal(back.flags, csyn.flags);
			memset(&o, 0, sizeof(o));
			sp_neg_passive(&cfg, &back, 1500, &n_back, &o);
			neg_equal(&n_sent, &n_back);
		}
		/* not after, not before */
		for (uint64_t t = T0 + 2 * EPOCH; t < T0 + 9 * EPOCH; t += EPOCH)
			assert_false(sp_cookie_check(key, t, &ack, &back));
		assert_false(sp_cookie_check(key, T0 - EPOCH, &ack, &back));
		n++;
	}
	assert_int_equal(n, 10 * 2 * 17 * 2 * 2);
}

static void tampering_refused(void **st)
{
	(void)st;
	struct sp_seg syn = syn_of(1460, true, 7, true, false), csyn, back;
	sp_cookie_syn(&syn, true, &csyn);
	uint32_t tsval = 5000;
	uint32_t isn = sp_cookie_make(key, T0, &csyn, true, &tsval);
	struct sp_seg ack = ack_of(&syn, isn, true, tsval);
	assert_true(sp_cookie_check(key, T0, &ack, &back));
	for (int bit = 0; bit < 32; bit++) {
		struct sp_seg a = ack;
		a.ack ^= 1u << bit;
		assert_false(sp_cookie_check(key, T0, &a, &back));
		a = ack;
		a.seq ^= 1u << bit;
		assert_false(sp_cookie_check(key, T0, &a, &back));
		a = ack;
		a.saddr ^= 1u << bit;
		assert_false(sp_cookie_check(key, T0, &a, &back));
		a = ack;
		a.daddr ^= 1u << bit;
		assert_false(sp_cookie_check(key, T0, &a, &back));
		if (bit < 16) {
			a = ack;
			a.sport ^= (uint16_t)(1u << bit);
			assert_false(sp_cookie_check(key, T0, &a, &back));
			a = ack;
			a.dport ^= (uint16_t)(1u << bit);
			assert_false(sp_cookie_check(key, T0, &a, &back));
		}
		if (bit < 6) {                             /* the option bits echoed */
			a = ack;
			a.opt.tsecr ^= 1u << bit;
			assert_false(sp_cookie_check(key, T0, &a, &back));
		}
	}
	/* another key; no timestamp where the SYN-ACK had one; not a bare ACK */
	const uint64_t other[2] = { key[0] ^ 1, key[1] };
	assert_false(sp_cookie_check(other, T0, &ack, &back));
	struct sp_seg a = ack;
	a.opt.ts_ok = false;
	assert_false(sp_cookie_check(key, T0, &a, &back));
	a = ack;
	a.flags |= SP_TH_RST;
	assert_false(sp_cookie_check(key, T0, &a, &back));
	a = ack;
	a.flags |= SP_TH_SYN;
	assert_false(sp_cookie_check(key, T0, &a, &back));
	a = ack;
	a.flags = SP_TH_ACK | SP_TH_FIN | SP_TH_PSH;     /* data or FIN may ride on it */
	assert_true(sp_cookie_check(key, T0, &a, &back));
}

static void random_acks_refused(void **st)
{
	(void)st;
	struct sp_seg syn = syn_of(1460, true, 7, true, false), back;
	srandom(1);
	unsigned ok = 0;
	for (unsigned i = 0; i < 200000; i++) {
		struct sp_seg a = ack_of(&syn, (uint32_t)random() << 1 ^ (uint32_t)random(), i & 1,
					 (uint32_t)random());
		ok += sp_cookie_check(key, T0, &a, &back);
	}
	/* 1 in 2^26 per guess with a plausible epoch: expect none */
	assert_true(ok <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_vectors),
		cmocka_unit_test(round_trip_every_option_set),
		cmocka_unit_test(tampering_refused),
		cmocka_unit_test(random_acks_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
