/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_lwip.c
 * The baseline: Debian's liblwip (2.1.3, built with NO_SYS=0 and
 * LWIP_TCPIP_CORE_LOCKING for the Hurd) driven single-threaded through its
 * raw API. lwip_init() is called directly (no tcpip thread is started, so
 * the core-locking assertions have no thread to check against), one
 * Ethernet netif takes frames through ethernet_input() and sends through
 * etharp_output() -> fwb_lw_linkoutput(). The connection is established by
 * feeding lwIP a handshake; lwIP is the passive side, as toffee is.
 *
 * Measured operations (wrappers named fwb_op_lw_*):
 *  rx        netif->input() of an in-order data segment; the application's
 *            recv callback copies the payload out (subtracted), frees the
 *            pbuf and asks for an immediate ACK, so every segment is
 *            acknowledged as toffee does;
 *  rx_delack the same with lwIP's default delayed ACK (an ACK every second
 *            segment); informational;
 *  tx        tcp_output() sending one MSS segment queued by tcp_write()
 *            beforehand (the copy into lwIP's buffers is the analogue of
 *            the application writing toffee's transmit buffer);
 *  ack       netif->input() of a pure ACK acknowledging one segment.
 * The receive pbuf is allocated and filled by the "driver" outside the
 * measured call; the application's tcp_recved() also runs outside, as the
 * application's consumption command does for toffee.
 */
#include <stdio.h>
#include <string.h>
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/pbuf.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "netif/ethernet.h"
#include "fwb.h"

#define CAP_SLOTS 64u

static struct netif nif;
static struct tcp_pcb *conn;
static uint32_t local_iss;
static uint32_t peer_nxt;      /* next sequence number the peer sends */
static uint32_t peer_tsval = 100;
static uint32_t snd_nxt;       /* next sequence number lwIP sends (ours) */
static uint64_t tx_off;        /* stream offset of the next byte we send */
static uint64_t rx_off;        /* stream offset of the next byte we receive */

/* Frames lwIP sent, captured by the "MAC". */
static uint8_t cap[CAP_SLOTS][1536];
static uint32_t cap_len[CAP_SLOTS];
static unsigned long cap_count;

/* The application's receive staging buffer and acknowledgement counter. */
static uint8_t app_buf[1 << 16];
static uint32_t app_len;
static uint32_t app_acked;
static int app_ack_now;

static err_t fwb_lw_linkoutput(struct netif *n, struct pbuf *p)
{
	uint8_t *dst = cap[cap_count % CAP_SLOTS];
	uint32_t off = 0;
	struct pbuf *q;

	(void)n;
	for (q = p; q != NULL; q = q->next) {
		if (off + q->len > sizeof cap[0])
			return ERR_IF;
		fwb_mac_copy(dst + off, q->payload, q->len);
		off += q->len;
	}
	cap_len[cap_count % CAP_SLOTS] = off;
	cap_count++;
	return ERR_OK;
}

static err_t fwb_lw_netif_init(struct netif *n)
{
	n->name[0] = 'f';
	n->name[1] = 'b';
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, fwb_local_mac, 6);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = fwb_lw_linkoutput;
	return ERR_OK;
}

/* Application callbacks: their own instructions are subtracted (self). */
FWB_NOINLINE static err_t fwb_lw_app_recv(void *arg, struct tcp_pcb *pcb,
					  struct pbuf *p, err_t err)
{
	struct pbuf *q;

	(void)arg;
	if (p == NULL || err != ERR_OK)
		fwb_fail("lwIP: connection closed or failed in recv");
	for (q = p; q != NULL; q = q->next) {
		if (app_len + q->len <= sizeof app_buf)
			fwb_payload_copy(app_buf + app_len, q->payload, q->len);
		app_len += q->len;
	}
	pbuf_free(p);
	if (app_ack_now)
		tcp_set_flags(pcb, TF_ACK_NOW);
	return ERR_OK;
}

FWB_NOINLINE static err_t fwb_lw_app_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)arg;
	(void)pcb;
	app_acked += len;
	return ERR_OK;
}

static void fwb_lw_app_err(void *arg, err_t err)
{
	(void)arg;
	fwb_fail("lwIP: connection error %d", (int)err);
}

static err_t fwb_lw_app_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		fwb_fail("lwIP: accept failed");
	conn = pcb;
	tcp_recv(pcb, fwb_lw_app_recv);
	tcp_sent(pcb, fwb_lw_app_sent);
	tcp_err(pcb, fwb_lw_app_err);
	return ERR_OK;
}

/* ---- measured wrappers (and identical unmeasured twins for warm-up) ---- */
#define BARRIER() __asm__ volatile("" ::: "memory")

FWB_NOINLINE void fwb_op_lw_rx(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_warm_lw_rx(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_op_lw_rx_delack(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_warm_lw_rx_delack(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_op_lw_ack(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_warm_lw_ack(struct pbuf *p) { nif.input(p, &nif); BARRIER(); }
FWB_NOINLINE void fwb_op_lw_tx(struct tcp_pcb *pcb) { tcp_output(pcb); BARRIER(); }
FWB_NOINLINE void fwb_warm_lw_tx(struct tcp_pcb *pcb) { tcp_output(pcb); BARRIER(); }

/** The driver: a pbuf filled with the frame (not measured). PBUF_RAM, not
 *  PBUF_POOL: Debian's liblwip allocates 616-byte PBUF_POOL elements while
 *  its pbuf_alloc() assumes PBUF_POOL_BUFSIZE (1536), so a pool pbuf for a
 *  full-size frame overflows its heap block (seen with memcheck). */
static struct pbuf *frame_pbuf(const uint8_t *frame, uint32_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);

	if (p == NULL)
		fwb_fail("lwIP: pbuf_alloc failed");
	if (pbuf_take(p, frame, (u16_t)len) != ERR_OK)
		fwb_fail("lwIP: pbuf_take failed");
	return p;
}

static void feed(const uint8_t *frame, uint32_t len)
{
	nif.input(frame_pbuf(frame, len), &nif);
}

/** The last captured frame, parsed and checked. */
static void last_tcp(unsigned long before, unsigned long expect, struct fwb_seg *s,
		     const char *what)
{
	const char *why;
	unsigned long i = cap_count - 1;

	if (cap_count - before != expect)
		fwb_fail("lwIP %s: %lu frames sent, expected %lu", what,
			 cap_count - before, expect);
	if (expect == 0)
		return;
	if (fwb_parse(cap[i % CAP_SLOTS], cap_len[i % CAP_SLOTS], s, &why))
		fwb_fail("lwIP %s: bad frame: %s", what, why);
	if (s->src_port != FWB_LOCAL_PORT || s->dst_port != FWB_PEER_PORT)
		fwb_fail("lwIP %s: wrong ports", what);
}

static void feed_arp_request(void)
{
	uint8_t f[60] = { 0 };
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, fwb_peer_mac, 6);
	f[12] = 0x08; f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, fwb_peer_mac, 6);
	f[28] = 10; f[29] = 0; f[30] = 0; f[31] = 2;   /* sender 10.0.0.2 */
	f[38] = 10; f[39] = 0; f[40] = 0; f[41] = 1;   /* target 10.0.0.1 */
	feed(f, sizeof f);
}

static struct fwb_seg peer_seg(uint8_t flags)
{
	struct fwb_seg s = { 0 };

	s.src_ip = FWB_PEER_IP;
	s.dst_ip = FWB_LOCAL_IP;
	s.src_port = FWB_PEER_PORT;
	s.dst_port = FWB_LOCAL_PORT;
	s.flags = flags;
	s.win = FWB_PEER_WIN;
	s.has_ts = 1;
	s.tsval = peer_tsval++;
	s.tsecr = 1;
	return s;
}

uint32_t fwb_lwip_setup(const struct fwb_cfg *cfg)
{
	ip4_addr_t ip, mask, gw;
	struct tcp_pcb *lp;
	struct fwb_seg s, r;
	uint8_t f[1536];
	unsigned long before;

	(void)cfg;
	lwip_init();
	IP4_ADDR(&ip, 10, 0, 0, 1);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 0, 254);
	if (netif_add(&nif, &ip, &mask, &gw, NULL, fwb_lw_netif_init, ethernet_input) == NULL)
		fwb_fail("lwIP: netif_add failed");
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	feed_arp_request();             /* peer's MAC enters the ARP cache */

	lp = tcp_new();
	if (lp == NULL || tcp_bind(lp, IP_ADDR_ANY, FWB_LOCAL_PORT) != ERR_OK)
		fwb_fail("lwIP: tcp_new/bind failed");
	lp = tcp_listen(lp);
	if (lp == NULL)
		fwb_fail("lwIP: tcp_listen failed");
	tcp_accept(lp, fwb_lw_app_accept);

	s = peer_seg(FWB_SYN);
	s.seq = FWB_PEER_ISN;
	s.syn_opts = 1;
	before = cap_count;
	feed(f, fwb_build(f, &s));
	last_tcp(before, 1, &r, "SYN-ACK");
	if (r.flags != (FWB_SYN | FWB_ACK) || r.ack != FWB_PEER_ISN + 1)
		fwb_fail("lwIP: unexpected SYN-ACK (flags %#x ack %#x)", r.flags, r.ack);
	local_iss = r.seq;

	s = peer_seg(FWB_ACK);
	s.seq = FWB_PEER_ISN + 1;
	s.ack = local_iss + 1;
	feed(f, fwb_build(f, &s));
	if (conn == NULL)
		fwb_fail("lwIP: connection not accepted");
	if (conn->mss != FWB_MSS_OPT)
		fwb_fail("lwIP: MSS %u, expected %u", conn->mss, FWB_MSS_OPT);
	peer_nxt = FWB_PEER_ISN + 1;
	snd_nxt = local_iss + 1;
	/* A congestion window that never limits: the measurement is about
	 * per-segment work, not about slow start. */
	conn->cwnd = 1u << 30;
	return local_iss;
}

/* One in-order data segment from @p frame, as the rx phases feed it. */
static void rx_one(const uint8_t *frame, uint32_t len, void (*op)(struct pbuf *),
		   int ack_now, unsigned long expect_acks)
{
	struct fwb_seg in, r;
	const char *why;
	unsigned long before = cap_count;
	uint32_t i;

	if (fwb_parse_peer(frame, len, &in, &why))
		fwb_fail("lwIP rx: own frame invalid: %s", why);
	if (in.seq != peer_nxt)
		fwb_fail("lwIP rx: frame out of sequence");
	app_len = 0;
	app_ack_now = ack_now;
	op(frame_pbuf(frame, len));
	if (app_len != in.payload_len)
		fwb_fail("lwIP rx: application got %u bytes, expected %u", app_len,
			 in.payload_len);
	for (i = 0; i < app_len; i++)
		if (app_buf[i] != fwb_pattern(rx_off + i))
			fwb_fail("lwIP rx: payload mismatch");
	rx_off += app_len;
	peer_nxt += in.payload_len;
	last_tcp(before, expect_acks, &r, "rx ACK");
	if (expect_acks && (r.ack != peer_nxt || !(r.flags & FWB_ACK) || r.payload_len))
		fwb_fail("lwIP rx: ACK %#x, expected %#x", r.ack, peer_nxt);
	tcp_recved(conn, (u16_t)app_len);  /* the application consumed it */
}

void fwb_lwip_run(const struct fwb_cfg *cfg, const struct fwb_rx_frames *rx)
{
	unsigned total = cfg->warmup + cfg->ops, i, j, k;
	static uint8_t data[1 << 16];
	struct fwb_seg r, s;
	uint8_t f[1536];
	uint32_t seq[64], plen = FWB_MSS_OPT;

	if (rx->n < 2 * total || cfg->round > 64)
		fwb_fail("lwIP: not enough frames");
	/* (a) every segment acknowledged at once, like toffee */
	for (i = 0; i < total; i++)
		rx_one(rx->frame[i], rx->len[i], i < cfg->warmup ? fwb_warm_lw_rx : fwb_op_lw_rx,
		       1, 1);
	fwb_report_ops("lw_rx", cfg->ops);
	/* (a') lwIP's own delayed ACK: one ACK per two segments */
	for (i = 0; i < total; i++) {
		rx_one(rx->frame[total + i], rx->len[total + i],
		       i < cfg->warmup ? fwb_warm_lw_rx_delack : fwb_op_lw_rx_delack, 0,
		       (conn->flags & TF_ACK_DELAY) ? 1 : 0);
	}
	if (conn->flags & TF_ACK_DELAY) {       /* flush the pending ACK */
		tcp_set_flags(conn, TF_ACK_NOW);
		tcp_output(conn);
	}
	fwb_report_ops("lw_rx_delack", cfg->ops);

	/* (c) and (b): rounds of `round` segments sent, then acknowledged */
	for (i = 0; i < total;) {
		unsigned n = total - i < cfg->round ? total - i : cfg->round;
		for (j = 0; j < n; j++) {
			unsigned long before = cap_count;
			for (k = 0; k < plen; k++)
				data[k] = fwb_pattern(tx_off + k);
			if (tcp_write(conn, data, (u16_t)plen, TCP_WRITE_FLAG_COPY) != ERR_OK)
				fwb_fail("lwIP tx: tcp_write failed");
			(i + j < cfg->warmup ? fwb_warm_lw_tx : fwb_op_lw_tx)(conn);
			last_tcp(before, 1, &r, "tx");
			if (r.seq != snd_nxt || r.payload_len != plen)
				fwb_fail("lwIP tx: segment seq %#x len %u, expected %#x len %u",
					 r.seq, r.payload_len, snd_nxt, plen);
			for (k = 0; k < plen; k++)
				if (r.payload[k] != fwb_pattern(tx_off + k))
					fwb_fail("lwIP tx: payload mismatch");
			seq[j] = r.seq;
			snd_nxt += plen;
			tx_off += plen;
		}
		for (j = 0; j < n; j++) {
			unsigned long before = cap_count;
			app_acked = 0;
			s = peer_seg(FWB_ACK);
			s.seq = peer_nxt;
			s.ack = seq[j] + plen;
			(i + j < cfg->warmup ? fwb_warm_lw_ack : fwb_op_lw_ack)(
				frame_pbuf(f, fwb_build(f, &s)));
			last_tcp(before, 0, &r, "ack");
			if (app_acked != plen)
				fwb_fail("lwIP ack: %u bytes reported acked, expected %u",
					 app_acked, plen);
		}
		i += n;
	}
	fwb_report_ops("lw_tx", cfg->ops);
	fwb_report_ops("lw_ack", cfg->ops);
	if (conn->unacked != NULL || conn->unsent != NULL)
		fwb_fail("lwIP: data left unacknowledged");
}
