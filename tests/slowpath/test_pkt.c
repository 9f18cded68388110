/* SPDX-License-Identifier: MIT */
/* Frames of the slow path: option parsing and negotiation (RFC 9293 §3.7.1
 * MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted,
 * RFC 3168 ECN setup), SYN-ACK / RST / ARP / ICMP frames with checksums
 * verified independently (tests/lib/tpkt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "pkt.h"
#include "tpkt.h"

static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 0x0a };

/* A Linux-style SYN: MSS 1460, SACK-permitted, TS, NOP, WS 7. */
static uint32_t linux_syn(uint8_t *buf, uint8_t flags)
{
	static const uint8_t opts[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7,
	};
	struct tpkt p = {
		.src_ip = 0x0a000001, .dst_ip = 0x0a000002, .src_port = 40000, .dst_port = 7000,
		.seq = 1000, .flags = flags, .win = 64240, .opts = opts, .opt_len = 20,
	};
	memcpy(p.src_mac, peer_mac, 6);
	memcpy(p.dst_mac, our_mac, 6);
	return tpkt_build(buf, &p, NULL, 0);
}

static struct sp_syn_cfg our_cfg(void)
{
	struct sp_syn_cfg c = { .mss = 1460, .rcv_wscale = 2, .ws = true, .ts = true,
				.sack = false, .ecn = false, .ecn_accept = true };
	return c;
}

static void parse_linux_syn(void **st)
{
	(void)st;
	uint8_t f[128];
	uint32_t n = linux_syn(f, TH_SYN);
	struct sp_seg s;
	assert_int_equal(sp_pkt_parse_tcp(f, n, &s), 0);
	assert_false(s.opt_bad);
	assert_int_equal(s.saddr, 0x0a000001);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.seq, 1000);
	assert_int_equal(s.flags, SP_TH_SYN);
	assert_true(s.opt.mss_ok);
	assert_int_equal(s.opt.mss, 1460);
	assert_true(s.opt.sack_ok);
	assert_true(s.opt.ts_ok);
	assert_int_equal(s.opt.tsval, 0x1234);
	assert_true(s.opt.ws_ok);
	assert_int_equal(s.opt.ws, 7);
	assert_int_equal(sp_seg_len(&s), 1);          /* the SYN counts */
}

static void passive_negotiation_and_synack(void **st)
{
	(void)st;
	uint8_t f[128], out[1600];
	struct sp_seg s;
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN), &s);
	struct sp_syn_cfg cfg = our_cfg();
	struct sp_neg n;
	struct sp_tcp_out o;
	memset(&o, 0, sizeof(o));
	sp_neg_passive(&cfg, &s, 1500, &n, &o);
	assert_int_equal(n.peer_mss, 1460);
	assert_int_equal(n.mss, 1460 - 12);           /* timestamps take 12 bytes */
	assert_true(n.ws);
	assert_int_equal(n.snd_wscale, 7);
	assert_int_equal(n.rcv_wscale, 2);
	assert_true(n.ts);
	assert_int_equal(n.ts_recent, 0x1234);
	assert_false(n.sack);                         /* we do not offer it */
	assert_false(n.ecn);
	/* Build the SYN-ACK and read it back with the independent parser. */
	memcpy(o.dst_mac, s.src_mac, 6);
	memcpy(o.src_mac, our_mac, 6);
	o.saddr = s.daddr;
	o.daddr = s.saddr;
	o.sport = s.dport;
	o.dport = s.sport;
	o.seq = 77777;
	o.ack = s.seq + 1;
	o.win = 65535;
	o.tsval = 555;
	uint32_t len = sp_pkt_build_tcp(out, sizeof(out), &o);
	assert_true(len > 0);
	struct tpkt_parsed p;
	assert_int_equal(tpkt_parse(out, len, &p), 0);
	assert_true(p.ip_csum_ok);
	assert_true(p.tcp_csum_ok);
	assert_int_equal(p.h.flags, TH_SYN | TH_ACK);
	assert_int_equal(p.h.ack, 1001);
	assert_int_equal(p.h.seq, 77777);
	assert_true(p.h.ts);
	assert_int_equal(p.h.tsval, 555);
	assert_int_equal(p.h.tsecr, 0x1234);          /* echoes the peer's TSval */
	struct sp_seg back;
	assert_int_equal(sp_pkt_parse_tcp(out, len, &back), 0);
	assert_int_equal(back.opt.mss, 1460);
	assert_true(back.opt.ws_ok);
	assert_int_equal(back.opt.ws, 2);
	assert_false(back.opt.sack_ok);
	assert_int_equal(p.tcp_hlen % 4, 0);
}

static void sack_when_enabled(void **st)
{
	(void)st;
	uint8_t f[128], out[256];
	struct sp_seg s;
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN), &s);
	struct sp_syn_cfg cfg = our_cfg();
	cfg.sack = true;
	struct sp_neg n;
	struct sp_tcp_out o;
	memset(&o, 0, sizeof(o));
	sp_neg_passive(&cfg, &s, 1500, &n, &o);
	assert_true(n.sack);
	uint32_t len = sp_pkt_build_tcp(out, sizeof(out), &o);
	struct sp_seg back;
	sp_pkt_parse_tcp(out, len, &back);
	assert_true(back.opt.sack_ok && back.opt.ts_ok && back.opt.ws_ok);
}

static void no_options_rfc9293_defaults(void **st)
{
	(void)st;
	uint8_t f[128];
	struct tpkt p = { .src_ip = 1, .dst_ip = 2, .src_port = 1, .dst_port = 2, .seq = 5,
			  .flags = TH_SYN, .win = 8192 };
	uint32_t n = tpkt_build(f, &p, NULL, 0);
	struct sp_seg s;
	sp_pkt_parse_tcp(f, n, &s);
	struct sp_syn_cfg cfg = our_cfg();
	struct sp_neg neg;
	struct sp_tcp_out o;
	memset(&o, 0, sizeof(o));
	sp_neg_passive(&cfg, &s, 1500, &neg, &o);
	assert_int_equal(neg.peer_mss, 536);          /* §3.7.1: default MSS */
	assert_int_equal(neg.mss, 536);
	assert_false(neg.ws);                         /* RFC 7323: both must send WS */
	assert_int_equal(neg.snd_wscale, 0);
	assert_int_equal(neg.rcv_wscale, 0);
	assert_false(neg.ts);
	assert_false(o.ws_ok);
	assert_false(o.ts_ok);
	assert_int_equal(o.mss, 1460);                /* we always announce ours */
}

static void wscale_clamped_and_mss_bounded(void **st)
{
	(void)st;
	uint8_t f[128];
	static const uint8_t opts[8] = { 2, 4, 0x23, 0x28 /* 9000 */, 1, 3, 3, 15 };
	struct tpkt p = { .src_ip = 1, .dst_ip = 2, .flags = TH_SYN, .opts = opts, .opt_len = 8 };
	uint32_t n = tpkt_build(f, &p, NULL, 0);
	struct sp_seg s;
	sp_pkt_parse_tcp(f, n, &s);
	struct sp_syn_cfg cfg = our_cfg();
	struct sp_neg neg;
	struct sp_tcp_out o;
	memset(&o, 0, sizeof(o));
	sp_neg_passive(&cfg, &s, 1500, &neg, &o);
	assert_int_equal(neg.snd_wscale, 14);         /* RFC 7323 §2.3: > 14 is 14 */
	assert_int_equal(neg.mss, 1460);              /* our MTU bounds it */
	assert_int_equal(sp_wscale_for(65535), 0);
	assert_int_equal(sp_wscale_for(65536), 1);
	assert_int_equal(sp_wscale_for(1u << 17), 2);
	assert_int_equal(sp_wscale_for(1u << 30), 14);
}

static void ecn_setup(void **st)
{
	(void)st;
	uint8_t f[128];
	struct sp_seg s;
	struct sp_syn_cfg cfg = our_cfg();
	struct sp_neg n;
	struct sp_tcp_out o;
	/* RFC 3168 §6.1.1: ECN-setup SYN = SYN+ECE+CWR, answered by SYN-ACK+ECE */
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN | TH_ECE | 0x80), &s);
	memset(&o, 0, sizeof(o));
	sp_neg_passive(&cfg, &s, 1500, &n, &o);
	assert_true(n.ecn);
	assert_int_equal(o.flags, SP_TH_SYN | SP_TH_ACK | SP_TH_ECE);
	/* ECE alone is not a setup */
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN | TH_ECE), &s);
	sp_neg_passive(&cfg, &s, 1500, &n, &o);
	assert_false(n.ecn);
	/* active side: our SYN carries ECE+CWR; an ECN SYN-ACK has ECE only */
	cfg.ecn = true;
	memset(&o, 0, sizeof(o));
	sp_neg_syn(&cfg, &o);
	assert_int_equal(o.flags, SP_TH_SYN | SP_TH_ECE | SP_TH_CWR);
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN | TH_ACK | TH_ECE), &s);
	sp_neg_active(&cfg, &s, 1500, &n);
	assert_true(n.ecn);
	assert_true(n.ts && n.ws);
	assert_int_equal(n.mss, 1448);
	sp_pkt_parse_tcp(f, linux_syn(f, TH_SYN | TH_ACK | TH_ECE | 0x80), &s);
	sp_neg_active(&cfg, &s, 1500, &n);
	assert_false(n.ecn);
}

static void malformed_options(void **st)
{
	(void)st;
	struct sp_tcpopt o;
	static const uint8_t bad_len[] = { 2, 5, 0, 0, 0 };
	static const uint8_t overrun[] = { 8, 10, 0, 0 };
	static const uint8_t eol_then_junk[] = { 1, 0, 0xff, 0xff };
	assert_false(sp_pkt_parse_opts(bad_len, sizeof(bad_len), &o));
	assert_false(sp_pkt_parse_opts(overrun, sizeof(overrun), &o));
	assert_true(sp_pkt_parse_opts(eol_then_junk, sizeof(eol_then_junk), &o));
}

static void rst_and_ack_frames(void **st)
{
	(void)st;
	uint8_t out[256];
	struct sp_tcp_out o;
	memset(&o, 0, sizeof(o));
	o.saddr = 0x0a000002;
	o.daddr = 0x0a000001;
	o.sport = 80;
	o.dport = 5555;
	o.seq = 0;
	o.ack = 1001;
	o.flags = SP_TH_RST | SP_TH_ACK;
	uint32_t len = sp_pkt_build_tcp(out, sizeof(out), &o);
	assert_int_equal(len, 54);
	struct tpkt_parsed p;
	assert_int_equal(tpkt_parse(out, len, &p), 0);
	assert_true(p.tcp_csum_ok && p.ip_csum_ok);
	assert_int_equal(p.h.flags, TH_RST | TH_ACK);
	assert_int_equal(p.h.ack, 1001);
	/* too small a buffer */
	assert_int_equal(sp_pkt_build_tcp(out, 40, &o), 0);
}

static void arp_roundtrip(void **st)
{
	(void)st;
	uint8_t f[64];
	struct sp_arp_pkt a = { .op = SP_ARP_REQUEST, .spa = 0x0a000002, .tpa = 0x0a000001 };
	memcpy(a.sha, our_mac, 6);
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(sp_pkt_build_arp(f, bc, &a), 42);
	assert_int_equal(f[12], 0x08);
	assert_int_equal(f[13], 0x06);
	struct sp_arp_pkt b;
	assert_int_equal(sp_pkt_parse_arp(f, 42, &b), 0);
	assert_int_equal(b.op, SP_ARP_REQUEST);
	assert_int_equal(b.spa, 0x0a000002);
	assert_int_equal(b.tpa, 0x0a000001);
	assert_memory_equal(b.sha, our_mac, 6);
	f[14 + 5] = 16;                               /* IPv6-sized protocol addresses */
	assert_int_equal(sp_pkt_parse_arp(f, 42, &b), -22);
}

static void icmp_echo(void **st)
{
	(void)st;
	uint8_t f[98], out[128];
	memset(f, 0, sizeof(f));
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 8;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	sp_wr16(ip + 2, 84);
	ip[8] = 64;
	ip[9] = 1;
	sp_wr32(ip + 12, 0x0a000001);
	sp_wr32(ip + 16, 0x0a000002);
	sp_wr16(ip + 10, sp_csum(ip, 20, 0));
	uint8_t *ic = ip + 20;
	ic[0] = 8;
	for (int i = 8; i < 64; i++)
		ic[i] = (uint8_t)i;
	sp_wr16(ic + 2, sp_csum(ic, 64, 0));
	uint32_t n = sp_pkt_icmp_echo_reply(f, sizeof(f), 0x0a000002, our_mac, out, sizeof(out));
	assert_int_equal(n, 98);
	assert_memory_equal(out, peer_mac, 6);
	assert_int_equal(out[14 + 20], 0);            /* echo reply */
	assert_int_equal(sp_csum(out + 14, 20, 0), 0);
	assert_int_equal(sp_csum(out + 34, 64, 0), 0);
	assert_int_equal(sp_rd32(out + 14 + 16), 0x0a000001);
	/* not for us */
	assert_int_equal(sp_pkt_icmp_echo_reply(f, sizeof(f), 0x0a000003, our_mac, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_linux_syn),
		cmocka_unit_test(passive_negotiation_and_synack),
		cmocka_unit_test(sack_when_enabled),
		cmocka_unit_test(no_options_rfc9293_defaults),
		cmocka_unit_test(wscale_clamped_and_mss_bounded),
		cmocka_unit_test(ecn_setup),
		cmocka_unit_test(malformed_options),
		cmocka_unit_test(rst_and_ack_frames),
		cmocka_unit_test(arp_roundtrip),
		cmocka_unit_test(icmp_echo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
