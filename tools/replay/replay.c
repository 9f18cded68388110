/* SPDX-License-Identifier: MIT */
/* toffee-replay engine: see replay.h. The slow-path side (installing flows
 * from handshakes) and the application side (consuming received bytes,
 * appending the server's bytes) live here; rp_conn.c keeps the connection
 * table. */
#include "replay.h"
#include "replay_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TS_BASE_NS   1000000000ull   /* simulated time of the first frame */
#define POLL_ROUNDS  100000u         /* fp_poll calls per settle step, at most */
#define MAX_GAP      (16u << 20)     /* larger server sequence jumps are nonsense */

static const char *const cnt_names[] = {
	[TOFFEE_CNT_RX_FRAMES] = "rx_frames", [TOFFEE_CNT_RX_DATA_SEGS] = "rx_data_segs",
	[TOFFEE_CNT_RX_ACKS] = "rx_acks", [TOFFEE_CNT_RX_DUPACKS] = "rx_dupacks",
	[TOFFEE_CNT_TX_SEGS] = "tx_segs", [TOFFEE_CNT_TX_ACKS] = "tx_acks",
	[TOFFEE_CNT_TX_RAW] = "tx_raw", [TOFFEE_CNT_FAST_REXMITS] = "fast_rexmits",
	[TOFFEE_CNT_RX_BYTES] = "rx_bytes", [TOFFEE_CNT_TX_BYTES] = "tx_bytes",
};

void rp_log(struct rp *r, int level, const char *fmt, ...)
{
	va_list ap;

	if (r->o->verbose < level)
		return;
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
}

void rp_anomaly(struct rp *r, const char *fmt, ...)
{
	va_list ap;

	r->res->anomalies++;
	fprintf(r->log, "toffee-replay: warning: ");
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
}

/* ---- the fast path: fphost's firmware or a backend ----------------------------- */

static unsigned rp_poll(struct rp *r, unsigned budget)
{
	return r->be.poll ? r->be.poll(r->be.priv, budget) : fphost_poll(r->fh, budget);
}

static unsigned rp_poll_idle(struct rp *r, unsigned max_rounds)
{
	unsigned busy = 0;

	if (!r->be.poll)
		return fphost_poll_idle(r->fh, max_rounds);
	while (busy < max_rounds && rp_poll(r, 64))
		busy++;
	return busy;
}

/* A slow-path command and its completion (fphost_sp_exec() for a backend). */
static int rp_sp_exec(struct rp *r, struct toffee_sp_cmd *cmd)
{
	struct toffee_sp_fb fb;
	int tag = -ENOSPC;

	if (!r->be.poll)
		return fphost_sp_exec(r->fh, cmd, NULL);
	for (int tries = 0; tries < 64 && tag == -ENOSPC; tries++) {
		tag = fphost_sp_post(r->fh, cmd);
		if (tag == -ENOSPC)
			rp_poll(r, 64);
	}
	if (tag < 0)
		return tag;
	for (int round = 0; round < 256; round++) {
		rp_poll(r, 64);
		while (fphost_fb_next(r->fh, &fb))
			if (fb.tag == (uint16_t)tag)
				return fb.status;
	}
	return -ETIMEDOUT;
}

static int rp_sp_cmd(struct rp *r, uint8_t op, uint32_t flow_id)
{
	struct toffee_sp_cmd c = { .opcode = op, .flow_id = flow_id };

	return rp_sp_exec(r, &c);
}

bool replay_has_rtl(void)
{
	return rp_rtl_backend != NULL;
}

/* ---- application side -------------------------------------------------------- */

/* Post a context command, making room by polling if the ring is full. */
static void ctx_cmd(struct rp *r, uint32_t flow, uint32_t tx_bytes, uint32_t rx_bytes)
{
	for (int i = 0; i < 1000; i++) {
		if (fphost_ctx_cmd(r->fh, 0, flow, tx_bytes, rx_bytes) == 0)
			return;
		rp_poll(r, 64);
	}
	rp_anomaly(r, "context command ring stays full");
}

/* Read @p n newly delivered bytes of @p c, hash them, and give the space
 * back to the fast path. */
static void consume(struct rp *r, struct rp_conn *c, uint32_t n)
{
	uint32_t size = 1u << c->img.rx_buf_log2;

	if (n > size) {
		rp_anomaly(r, "flow %u: event reports %u bytes in a %u-byte buffer",
			   c->pub.flow_id, n, size);
		n = size;
	}
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < RP_CHUNK ? n - done : RP_CHUNK;

		fphost_rx_read(r->fh, &c->img, c->rx_seq, r->chunk, k);
		EVP_DigestUpdate(c->sha, r->chunk, k);
		if (r->o->keep_data) {
			if (c->pub.delivered + k > c->data_cap) {
				size_t cap = c->data_cap ? c->data_cap : 65536;

				while (cap < c->pub.delivered + k)
					cap *= 2;
				c->pub.data = realloc(c->pub.data, cap);
				if (!c->pub.data)
					abort();
				c->data_cap = cap;
			}
			memcpy(c->pub.data + c->pub.delivered, r->chunk, k);
		}
		c->rx_seq += k;
		c->pub.delivered += k;
		done += k;
	}
	ctx_cmd(r, c->pub.flow_id, 0, n);
}

/* Append as much of the server's pending stream as the transmit buffer
 * holds; issue TX_FIN once everything before the server's FIN is in. */
static void flush_tx(struct rp *r, struct rp_conn *c)
{
	uint32_t size = 1u << c->img.tx_buf_log2;
	uint32_t space = size - (c->tx_app_end - c->tx_una);
	uint32_t n = c->pend_len < space ? (uint32_t)c->pend_len : space;

	if (c->st != RP_INSTALLED)
		return;
	if (n) {
		fphost_tx_write(r->fh, &c->img, c->tx_app_end, c->pend, n);
		ctx_cmd(r, c->pub.flow_id, n, 0);
		c->tx_app_end += n;
		c->pub.appended += n;
		c->pend_len -= n;
		memmove(c->pend, c->pend + n, c->pend_len);
	}
	if (!c->pend_len && c->srv_fin && !c->pub.fin_queued) {
		int rc;

		/* The FIN goes after the last byte appended, but the NIC serves
		 * the slow-path ring before the context rings: let it take the
		 * appends first (it refuses appends after TX_FIN). */
		for (int i = 0; i < 1000 && !fphost_ctx_cmd_done(r->fh, 0); i++)
			rp_poll(r, 64);
		rc = rp_sp_cmd(r, TOFFEE_CMD_TX_FIN, c->pub.flow_id);

		if (rc)
			rp_anomaly(r, "flow %u: TX_FIN failed: %s", c->pub.flow_id, strerror(-rc));
		c->pub.fin_queued = true;
	}
}

static void pend_add(struct rp_conn *c, const uint8_t *p, size_t n)
{
	if (c->pend_len + n > c->pend_cap) {
		size_t cap = c->pend_cap ? c->pend_cap : 65536;

		while (cap < c->pend_len + n)
			cap *= 2;
		c->pend = realloc(c->pend, cap);
		if (!c->pend)
			abort();
		c->pend_cap = cap;
	}
	if (p)
		memcpy(c->pend + c->pend_len, p, n);
	else
		memset(c->pend + c->pend_len, 0, n);
	c->pend_len += n;
}

/* A frame the server sent on an installed connection: its new payload (not
 * retransmissions) is what the server application wrote. */
static void server_segment(struct rp *r, struct rp_conn *c, const struct pkt_tcp *t)
{
	bool fin = t->flags & PKT_TCP_FIN;
	uint32_t seq = t->seq, end = seq + t->plen;

	if ((t->plen || fin) && rp_seq_gt(seq, c->srv_end)) {
		uint32_t gap = seq - c->srv_end;

		if (gap > MAX_GAP) {
			rp_anomaly(r, "flow %u: server segment %u bytes beyond its stream, ignored",
				   c->pub.flow_id, gap);
			return;
		}
		/* Bytes the capture missed: zeros keep the sequence space. */
		rp_log(r, 1, "flow %u: %u server bytes missing in the capture", c->pub.flow_id, gap);
		pend_add(c, NULL, gap);
		c->pub.gap_bytes += gap;
		c->srv_end = seq;
	}
	if (t->plen && rp_seq_gt(end, c->srv_end)) {
		uint32_t skip = c->srv_end - seq;      /* already appended */
		uint32_t have = t->plen_cap > skip ? t->plen_cap - skip : 0;

		pend_add(c, t->payload + skip, have);
		if (t->plen - skip > have) {           /* cut by the snap length */
			pend_add(c, NULL, t->plen - skip - have);
			c->pub.gap_bytes += t->plen - skip - have;
		}
		c->srv_end = end;
	}
	if (fin && end == c->srv_end)
		c->srv_fin = true;
	flush_tx(r, c);
}

/* ---- draining the device ------------------------------------------------------- */

static void process_tx(struct rp *r)
{
	struct fphost *fh = r->fh;

	for (size_t i = 0; i < fh->n_tx; i++) {
		const struct fphost_frame *fr = &fh->tx[i];
		struct rp_conn *c = NULL;
		struct pkt_tcp t;
		bool from_client;

		r->res->frames_tx++;
		if (r->dump) {
			uint64_t abs = r->t0_ns + (fr->t_ns - TS_BASE_NS);
			struct pcap_pkthdr h = {
				.ts = { .tv_sec = (time_t)(abs / 1000000000u),
					.tv_usec = (suseconds_t)(abs % 1000000000u / 1000u) },
				.caplen = fr->len, .len = fr->len,
			};
			pcap_dump((u_char *)r->dump, &h, fr->data);
		}
		if (pkt_parse_tcp(fr->data, fr->len, &t)) {
			c = rp_conn_find(r, &t, &from_client);
			if (c && (from_client || c->st == RP_PENDING))
				c = NULL;
		}
		if (r->o->hooks && r->o->hooks->sent)
			r->o->hooks->sent(r->o->hooks->arg, fr->data, fr->len, fr->t_ns,
					  c ? &c->pub : NULL);
	}
	fphost_tx_clear(fh);
}

/* Consume everything the fast path reported. Returns true if commands were
 * posted that the fast path has yet to see. */
static bool drain(struct rp *r)
{
	struct toffee_ctx_ev ev;
	struct toffee_sp_exc exc;
	struct toffee_sp_fb fb;
	bool posted = false;

	while (fphost_ctx_ev_next(r->fh, 0, &ev)) {
		struct rp_conn *c = ev.flow_id < r->next_id ? r->by_id[ev.flow_id] : NULL;

		if (!c || c->st != RP_INSTALLED) {
			rp_anomaly(r, "event for flow %u which is not installed", ev.flow_id);
			continue;
		}
		if (ev.rx_bytes) {
			consume(r, c, ev.rx_bytes);
			posted = true;
		}
		if (ev.flags & TOFFEE_EVF_FIN)
			c->pub.fin_rcvd = true;
		if (ev.tx_freed) {
			if (ev.tx_freed > c->tx_app_end - c->tx_una)
				rp_anomaly(r, "flow %u: %u bytes freed, only %u outstanding",
					   c->pub.flow_id, ev.tx_freed, c->tx_app_end - c->tx_una);
			c->tx_una += ev.tx_freed;
			c->pub.freed += ev.tx_freed;
			if (c->pend_len || (c->srv_fin && !c->pub.fin_queued)) {
				flush_tx(r, c);
				posted = true;
			}
		}
	}
	while (fphost_exc_next(r->fh, &exc, r->exc_frame)) {
		r->res->exceptions++;
		rp_log(r, 2, "exception %s flow %d len %u", fp_exc_name(exc.reason),
		       (int)exc.flow_id, exc.frame_len);
		if (r->o->hooks && r->o->hooks->exc)
			r->o->hooks->exc(r->o->hooks->arg, &exc, r->exc_frame);
	}
	while (fphost_fb_next(r->fh, &fb))
		;   /* completions of our commands were consumed by fphost_sp_exec */
	process_tx(r);
	return posted;
}

/* Let the fast path run until it has nothing left to do at this instant. */
void rp_settle(struct rp *r)
{
	drain(r);
	for (int i = 0; i < 1000; i++) {
		unsigned work = rp_poll_idle(r, POLL_ROUNDS);
		bool posted = drain(r);

		if (work >= POLL_ROUNDS)
			rp_anomaly(r, "fast path still busy after %u polls", POLL_ROUNDS);
		if (!work && !posted)
			return;
	}
	rp_anomaly(r, "fast path does not settle");
}

void rp_feed(struct rp *r, const uint8_t *f, uint32_t len)
{
	if (r->o->hooks && r->o->hooks->fed)
		r->o->hooks->fed(r->o->hooks->arg, f, len, r->fh->now_ns);
	if (r->be.rx)
		r->be.rx(r->be.priv, f, len);
	else
		fphost_rx(r->fh, f, len);
	r->res->frames_fed++;
	rp_settle(r);
}

/* ---- the slow path's part: installing flows ----------------------------------------- */

static void install(struct rp *r, struct rp_conn *c, const struct pkt_tcp *sa)
{
	struct replay_flow *p = &c->pub;
	struct toffee_flow *f = &c->img;
	uint32_t peer_mss = c->syn.has_mss ? c->syn.mss : 536;   /* RFC 9293 default */
	uint32_t opt = 0, max_mss;
	char a[32], b[32];
	int rc;

	if (r->next_id >= r->flow_cap) {
		rp_anomaly(r, "no flow id left for a new connection");
		rp_conn_forget(r, c);
		return;
	}
	p->flow_id = r->next_id++;
	r->by_id[p->flow_id] = c;
	p->server_isn = sa->seq;
	p->ts = c->syn.has_ts && sa->has_ts;
	p->sack_ok = c->syn.sack_ok && sa->sack_ok;
	p->ecn = (c->syn.flags & (PKT_TCP_ECE | PKT_TCP_CWR)) == (PKT_TCP_ECE | PKT_TCP_CWR) &&
		 (sa->flags & (PKT_TCP_ECE | PKT_TCP_CWR)) == PKT_TCP_ECE;   /* RFC 3168 6.1.1 */
	if (c->syn.has_ws && sa->has_ws) {
		p->client_wscale = c->syn.ws;
		p->server_wscale = sa->ws;
	}
	/* The peer's MSS counts no TCP options: leave room for timestamps
	 * (as Linux does), and stay within one Ethernet frame. */
	if (p->ts)
		opt = 12;
	max_mss = TOFFEE_MAX_FRAME - 54 - opt;
	p->mss = (uint16_t)(peer_mss > opt + 16 ? peer_mss - opt : 16);
	if (p->mss > max_mss)
		p->mss = (uint16_t)max_mss;

	memset(f, 0, sizeof(*f));
	f->local_ip = p->server_ip;
	f->remote_ip = p->client_ip;
	f->local_port = p->server_port;
	f->remote_port = p->client_port;
	memcpy(f->remote_mac, c->cli_mac, 6);
	f->ctx_id = 0;
	f->flags = (p->ts ? TOFFEE_FLOWF_TS : 0) | (p->ecn ? TOFFEE_FLOWF_ECN : 0) |
		   (p->sack_ok ? TOFFEE_FLOWF_SACK : 0);
	f->mss = p->mss;
	f->snd_wscale = p->client_wscale;
	f->rcv_wscale = p->server_wscale;
	fphost_flow_bufs(r->fh, f, r->buf_log2, r->buf_log2);
	f->rcv_nxt = p->client_isn + 1;
	f->rx_avail = 1u << r->buf_log2;
	f->ts_recent = p->ts ? c->syn.tsval : 0;
	f->snd_una = f->snd_nxt = f->snd_max = f->tx_end = p->server_isn + 1;
	f->snd_wnd = c->syn.win;               /* never scaled in a SYN */

	if (r->be.poll) {
		struct toffee_sp_cmd cmd = {
			.opcode = TOFFEE_CMD_INSTALL, .flow_id = p->flow_id, .iova = r->fh->scratch_iova,
		};

		memcpy(fphost_ptr(r->fh, r->fh->scratch_iova, sizeof(*f)), f, sizeof(*f));
		rc = rp_sp_exec(r, &cmd);
	} else {
		rc = fphost_flow_install(r->fh, p->flow_id, f);
	}
	pkt_fmt_addr(a, sizeof(a), p->client_ip, p->client_port);
	pkt_fmt_addr(b, sizeof(b), p->server_ip, p->server_port);
	if (rc) {
		rp_anomaly(r, "install of %s > %s failed: %s", a, b, strerror(-rc));
		r->by_id[p->flow_id] = NULL;
		rp_conn_forget(r, c);
		return;
	}
	c->st = RP_INSTALLED;
	c->rx_seq = f->rcv_nxt;
	c->tx_app_end = c->tx_una = c->srv_end = f->snd_una;
	c->sha = EVP_MD_CTX_new();
	if (!c->sha || !EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL))
		abort();
	rp_log(r, 1, "install flow %u: %s > %s isn %u/%u mss %u wscale %u/%u%s%s%s",
	       p->flow_id, a, b, p->client_isn, p->server_isn, p->mss, p->client_wscale,
	       p->server_wscale, p->ts ? " ts" : "", p->sack_ok ? " sack" : "",
	       p->ecn ? " ecn" : "");
	rp_settle(r);
}

/* Remove a connection whose 4-tuple is being reused. */
static void retire(struct rp *r, struct rp_conn *c)
{
	if (c->st == RP_INSTALLED) {
		int rc = rp_sp_cmd(r, TOFFEE_CMD_REMOVE, c->pub.flow_id);

		if (rc)
			rp_anomaly(r, "remove of flow %u failed: %s", c->pub.flow_id, strerror(-rc));
		c->pub.removed = true;
		c->st = RP_DONE;
		rp_rexmit_free(c);
		rp_settle(r);
	}
	rp_conn_forget(r, c);
}

/* One captured frame, at simulated time r->fh->now_ns. */
static void on_frame(struct rp *r, const uint8_t *frame, uint32_t len)
{
	struct rp_conn *c;
	struct pkt_tcp t;
	bool from_client = false;

	if (!pkt_parse_tcp(frame, len, &t))
		return rp_feed(r, frame, len);
	c = rp_conn_find(r, &t, &from_client);
	if ((t.flags & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN) {
		/* A client opens a connection (or retransmits its SYN). */
		if (!(c && from_client && c->pub.client_isn == t.seq)) {
			if (c)
				retire(r, c);
			rp_conn_new(r, &t);
		}
		return rp_feed(r, frame, len);
	}
	if (!c)
		return rp_feed(r, frame, len);
	if (from_client) {
		/* Before the install (the SYN-ACK) a client frame is unknown to
		 * the fast path, as it would be on a real NIC. */
		rp_feed(r, frame, len);
		if (c->st == RP_INSTALLED && !r->o->no_client_rexmit) {
			rp_rexmit_note(c, frame, len, &t);
			rp_rexmit_run(r, c);
		}
		return;
	}
	/* The server's side: never fed, the fast path is the server. */
	if (t.flags & PKT_TCP_SYN) {
		if (c->st == RP_PENDING && (t.flags & PKT_TCP_ACK) &&
		    t.ack == c->pub.client_isn + 1)
			install(r, c, &t);
		return;
	}
	if (c->st == RP_INSTALLED)
		server_segment(r, c, &t);
}

/* ---- driver ----------------------------------------------------------------------------- */

static int open_capture(const char *path, struct replay_result *res, pcap_t **out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);

	if (!pc) {
		snprintf(res->err, sizeof(res->err), "%s: %s", path, errbuf);
		return -EIO;
	}
	res->link_type = pcap_datalink(pc);
	if (!pkt_dlt_supported(res->link_type)) {
		snprintf(res->err, sizeof(res->err), "%s: unsupported link type %s (%d)", path,
			 pcap_datalink_val_to_name(res->link_type) ? pcap_datalink_val_to_name(res->link_type) : "?",
			 res->link_type);
		pcap_close(pc);
		return -EINVAL;
	}
	*out = pc;
	return 0;
}

/* First pass: how many flows to provision, and our MAC: the destination of
 * the clients' SYNs (with synthesised Ethernet headers that is the
 * synthetic one), promiscuous if they name several. */
static int prescan(struct rp *r, const char *path)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	int rc, n;
	bool have_mac = false;
	uint64_t nrec = 0;

	rc = open_capture(path, r->res, &pc);
	if (rc)
		return rc;
	while ((n = pcap_next_ex(pc, &h, &d)) == 1) {
		uint32_t len = pkt_to_ether(r->res->link_type, d, h->caplen, r->frame, sizeof(r->frame));
		struct pkt_tcp t;

		nrec++;
		if (!len || !pkt_parse_tcp(r->frame, len, &t) || !(t.flags & PKT_TCP_SYN))
			continue;
		if (t.flags & PKT_TCP_ACK) {
			r->n_synack++;
			continue;
		}
		if (have_mac && memcmp(r->mac, t.dst_mac, 6))
			r->promisc = true;
		memcpy(r->mac, t.dst_mac, 6);
		have_mac = true;
	}
	/* No handshake: nothing tells our MAC. All zeros (Linux loopback) is
	 * no unicast MAC either (and fphost would take it for "default"). */
	if (!have_mac || !memcmp(r->mac, (uint8_t[6]){ 0 }, 6))
		r->promisc = true;
	if (n == -1 && !nrec) {   /* a capture cut short is replayed up to the cut */
		snprintf(r->res->err, sizeof(r->res->err), "%s: %s", path, pcap_geterr(pc));
		pcap_close(pc);
		return -EIO;
	}
	pcap_close(pc);
	return 0;
}

static int setup(struct rp *r, const char *path)
{
	struct fphost_config cfg = { 0 };
	uint64_t per_flow;
	uint32_t cap = 16;
	int rc;

	rc = prescan(r, path);
	if (rc)
		return rc;
	while (cap < r->n_synack + 1)
		cap *= 2;
	r->flow_cap = cap;
	/* Keep the reserved host memory sane for captures with many flows. */
	while (r->buf_log2 > TOFFEE_BUF_LOG2_MIN + 4 &&
	       (uint64_t)r->n_synack * (2ull << r->buf_log2) > (64ull << 30))
		r->buf_log2--;
	per_flow = 2ull << r->buf_log2;
	cfg.mem_size = (size_t)(32ull << 20) + (size_t)(per_flow + 8192) * r->n_synack;
	cfg.flow_cap = cap;
	cfg.n_ctx = 1;
	cfg.ctx_log2 = 12;
	cfg.sp_log2 = 10;
	memcpy(cfg.mac, r->mac, 6);
	cfg.promisc = r->promisc;
	r->fh = fphost_create(&cfg);
	if (!r->fh) {
		snprintf(r->res->err, sizeof(r->res->err), "cannot create the fast path");
		return -ENOMEM;
	}
	if (r->o->impl && !strcmp(r->o->impl, "rtl")) {
		rc = rp_rtl_backend(r->fh, &r->be);
		if (rc) {
			snprintf(r->res->err, sizeof(r->res->err), "cannot start the RTL model: %s", strerror(-rc));
			return rc;
		}
	}
	r->by_id = calloc(cap, sizeof(*r->by_id));
	r->chunk = malloc(RP_CHUNK);
	if (!r->by_id || !r->chunk || rp_conn_table_init(r, r->n_synack))
		return -ENOMEM;
	return 0;
}

static void collect(struct rp *r)
{
	struct replay_result *res = r->res;

	res->flows = calloc(r->next_id ? r->next_id : 1, sizeof(*res->flows));
	if (!res->flows)
		abort();
	for (uint32_t i = 0; i < r->next_id; i++) {
		struct rp_conn *c = r->by_id[i];

		if (!c)
			continue;
		if (c->sha)
			EVP_DigestFinal_ex(c->sha, c->pub.sha256, NULL);
		res->flows[res->n_flows++] = c->pub;
		c->pub.data = NULL;        /* now owned by the result */
	}
	/* The register file's counters are refreshed a few per poll (abi.h). */
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++)
		rp_poll(r, 64);
	rp_settle(r);
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) {
		if (r->be.counter) {   /* the RTL's counters are its registers */
			res->counters[i] = res->counter_regs[i] = r->be.counter(r->be.priv, i);
			continue;
		}
		res->counters[i] = fp_counter(r->fh->fp, i);
		res->counter_regs[i] = (uint64_t)fphost_reg_rd(r->fh, TOFFEE_REG_CNT(i) + 4) << 32 |
				       fphost_reg_rd(r->fh, TOFFEE_REG_CNT(i));
	}
	res->abi_violations = r->fh->abi_violations;
}

static void teardown(struct rp *r)
{
	rp_conn_table_free(r);
	free(r->by_id);
	free(r->chunk);
	if (r->dump)
		pcap_dump_close(r->dump);
	if (r->dead)
		pcap_close(r->dead);
	if (r->pc)
		pcap_close(r->pc);
	if (r->be.destroy)
		r->be.destroy(r->be.priv);
	fphost_destroy(r->fh);
}

int replay_run(const char *path, const struct replay_opts *opts, struct replay_result *res)
{
	static const struct replay_opts def_opts = { 0 };
	struct rp *r;
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc, n;

	memset(res, 0, sizeof(*res));
	if (!opts)
		opts = &def_opts;
	if (opts->impl && strcmp(opts->impl, "fw")) {
		if (!strcmp(opts->impl, "rtl") && !replay_has_rtl()) {
			snprintf(res->err, sizeof(res->err),
				 "implementation 'rtl' is not linked into this program (it is toffee-replay-rtl: "
				 "make toffee-replay-rtl)");
			return -ENOTSUP;
		}
	}
	if (opts->impl && strcmp(opts->impl, "fw") && strcmp(opts->impl, "rtl")) {
		snprintf(res->err, sizeof(res->err), "unknown implementation '%s' (fw, rtl)", opts->impl);
		return -EINVAL;
	}
	if (opts->buf_log2 && (opts->buf_log2 < TOFFEE_BUF_LOG2_MIN || opts->buf_log2 > 28)) {
		snprintf(res->err, sizeof(res->err), "buffer size 2^%u out of range [2^%u, 2^28]",
			 opts->buf_log2, TOFFEE_BUF_LOG2_MIN);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = opts;
	r->res = res;
	r->log = opts->log ? opts->log : stderr;
	r->buf_log2 = opts->buf_log2 ? opts->buf_log2 : 22;
	rc = setup(r, path);
	if (!rc)
		rc = open_capture(path, res, &r->pc);
	if (!rc && opts->out_path) {
		r->dead = pcap_open_dead(DLT_EN10MB, 65535);
		r->dump = r->dead ? pcap_dump_open(r->dead, opts->out_path) : NULL;
		if (!r->dump) {
			snprintf(res->err, sizeof(res->err), "%s: %s", opts->out_path,
				 r->dead ? pcap_geterr(r->dead) : "cannot open");
			rc = -EIO;
		}
	}
	if (rc) {
		teardown(r);
		free(r);
		return rc;
	}
	while ((n = pcap_next_ex(r->pc, &h, &d)) == 1) {
		uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		uint32_t len;

		if (!res->frames_read++)
			r->t0_ns = t;
		/* The capture's clock, made monotonic (captures can step back). */
		if (t >= r->t0_ns && t - r->t0_ns + TS_BASE_NS > r->fh->now_ns)
			r->fh->now_ns = t - r->t0_ns + TS_BASE_NS;
		rp_settle(r);                            /* poll between frames */
		if (res->link_type == DLT_EN10MB) {
			/* fed as captured, even when too short for a header */
			len = h->caplen < sizeof(r->frame) ? h->caplen : sizeof(r->frame);
			memcpy(r->frame, d, len);
		} else {
			len = pkt_to_ether(res->link_type, d, h->caplen, r->frame, sizeof(r->frame));
		}
		if (len)
			on_frame(r, r->frame, len);
	}
	if (n == -1)
		rp_anomaly(r, "%s: %s (replayed the %" PRIu64 " frames before)", path,
			   pcap_geterr(r->pc), res->frames_read);
	rp_settle(r);
	collect(r);
	teardown(r);
	free(r);
	return 0;
}

void replay_result_free(struct replay_result *res)
{
	for (size_t i = 0; i < res->n_flows; i++)
		free(res->flows[i].data);
	free(res->flows);
	res->flows = NULL;
	res->n_flows = 0;
}

void replay_print(FILE *out, const struct replay_result *res)
{
	uint64_t total;

	for (size_t i = 0; i < res->n_flows; i++) {
		const struct replay_flow *f = &res->flows[i];
		char a[32], b[32];

		pkt_fmt_addr(a, sizeof(a), f->client_ip, f->client_port);
		pkt_fmt_addr(b, sizeof(b), f->server_ip, f->server_port);
		fprintf(out, "flow %s > %s delivered=%" PRIu64 " sha256=", a, b, f->delivered);
		for (int k = 0; k < 32; k++)
			fprintf(out, "%02x", f->sha256[k]);
		fputc('\n', out);
	}
	fprintf(out, "counters:");
	for (unsigned i = 0; i < sizeof(cnt_names) / sizeof(cnt_names[0]); i++)
		if (cnt_names[i])
			fprintf(out, " %s=%" PRIu64, cnt_names[i], res->counters[i]);
	total = 0;
	for (unsigned i = 1; i < TOFFEE_EXC_COUNT; i++)
		total += res->counters[TOFFEE_CNT_EXC_BASE + i];
	fprintf(out, "\nexceptions: %" PRIu64, total);
	for (unsigned i = 1; i < TOFFEE_EXC_COUNT; i++)
		if (res->counters[TOFFEE_CNT_EXC_BASE + i])
			fprintf(out, " %s=%" PRIu64, fp_exc_name(i), res->counters[TOFFEE_CNT_EXC_BASE + i]);
	total = 0;
	for (unsigned i = 1; i < TOFFEE_DROP_COUNT; i++)
		total += res->counters[TOFFEE_CNT_DROP_BASE + i];
	fprintf(out, "\ndrops: %" PRIu64, total);
	for (unsigned i = 1; i < TOFFEE_DROP_COUNT; i++)
		if (res->counters[TOFFEE_CNT_DROP_BASE + i])
			fprintf(out, " %s=%" PRIu64, fp_drop_name(i), res->counters[TOFFEE_CNT_DROP_BASE + i]);
	fprintf(out, "\nreplay: frames=%" PRIu64 " fed=%" PRIu64 " client_rexmits=%" PRIu64
		" transmitted=%" PRIu64 "\n", res->frames_read, res->frames_fed,
		res->client_rexmits, res->frames_tx);
}
