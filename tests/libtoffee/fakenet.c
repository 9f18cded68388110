/* SPDX-License-Identifier: MIT */
/**
 * @file fakenet.c
 * A stand-in for toffeed plus the NIC, for testing libtoffee without them:
 * it speaks appproto.h on <rundir>/app.sock, hands each application a
 * region (memfd), a BAR0 (memfd) and an eventfd, and "transmits" by copying
 * a flow's appended bytes straight into the receive buffer of its peer flow
 * (every connection has both ends in toffee applications, possibly the
 * same one). It follows the abi.h ring conventions and the flow life cycle
 * of appproto.h (CLOSED ends every flow; RESET keeps buffers until CLOSE /
 * ABORT), so the library's side of both protocols is exercised for real.
 *
 * Usage: toffee-fakenet RUNDIR [--buf-log2 N] [--ring-log2 N] [--early]
 *                       [--reset-orphans]
 *   --early: deliver a new flow's first data before ACCEPTED (the race the
 *            library must survive by stashing events of unknown flows).
 *   --reset-orphans: when an app hangs up, reset even the flows it closed
 *            (what toffeed does today) instead of letting them finish.
 * It exits when RUNDIR/stop exists or on SIGTERM, printing counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "toffee/abi.h"
#include "toffee/appproto.h"
#include "dbpage.h"
#include "toffee/fdpass.h"

#define MAX_CTX   64
#define MAX_FLOWS 4096
#define MAX_LST   256
#define REGION_SIZE (256ull << 20)

struct fctx {
	bool used;
	bool zombie;                   /* app gone; closed flows still finishing */
	int sock, evfd, memfd;
	uint8_t *region;
	uint64_t bump;                 /* next free offset */
	uint64_t free_rx[64];          /* recycled buffer offsets (one size) */
	int nfree;
	uint32_t ev_log2, cmd_log2, ev_tail, cmd_head;
};

struct fflow {
	bool used;
	int ctx;
	int peer;                      /* flow id of the other end, -1 if gone */
	uint64_t rx_off, tx_off;
	uint32_t rx_written, rx_consumed;   /* sequence numbers */
	uint32_t tx_end, tx_sent;
	bool fin_req, fin_sent, fin_rcvd, closed, reset, announced;
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	struct toffee_appmsg pending;  /* ACCEPTED held back (--early) */
	int pending_ctx;
	uint64_t pending_until;        /* ... at most until then (ns) */
};

struct flst {
	bool used;
	int ctx;
	uint32_t ip;
	uint16_t port;
	bool reuseport;
};

static struct fctx ctxs[MAX_CTX];
static struct fflow flows[MAX_FLOWS];
static struct flst lsts[MAX_LST];
static uint8_t *bar;
static int db_fd[TOFFEE_MAX_CTX];  /* doorbell page files (dbpage.h), 0 = none yet */
static int bar_fd;
static unsigned buf_log2 = 16, ring_log2 = 8;
static bool early;
static bool reset_orphans;             /* as toffeed: a hang-up resets every flow */
static uint16_t next_port = 40000;
static int flow_hi;                    /* flows[] in use lie below this */
static volatile sig_atomic_t stop;
static unsigned long long n_bytes, n_ev, n_cmd, n_flows, n_cmd_bad;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static volatile uint32_t *reg(uint32_t off)
{
	return (volatile uint32_t *)(bar + off);
}

static int send_msg(int fd, const struct toffee_appmsg *m, const int *fds, int nfds)
{
	union toffee_fdpass cm;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	toffee_fdpass_attach(&mh, &cm, fds, nfds);
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void announce_pending(struct fflow *q)
{
	if (!q->pending.type)
		return;
	if (ctxs[q->pending_ctx].used && !ctxs[q->pending_ctx].zombie)
		send_msg(ctxs[q->pending_ctx].sock, &q->pending, NULL, 0);
	q->pending.type = 0;
	q->announced = true;
}

static void reply(int c, const struct toffee_appmsg *req, int status, uint32_t id)
{
	struct toffee_appmsg m = { .type = TOFFEE_APP_REPLY, .req = req->req, .status = status, .id = id };
	send_msg(ctxs[c].sock, &m, NULL, 0);
}

static void event(int c, uint32_t type, uint32_t id, int status)
{
	if (c < 0 || !ctxs[c].used || ctxs[c].zombie)
		return;
	struct toffee_appmsg m = { .type = type, .id = id, .status = status };
	send_msg(ctxs[c].sock, &m, NULL, 0);
}

/* Post one EV entry; false if the ring is full. */
static bool post_ev(int c, uint32_t flow, uint32_t rx, uint32_t tx, uint8_t flags)
{
	struct fctx *x = &ctxs[c];
	if (x->zombie)
		return true;                   /* nobody reads it any more */
	uint32_t head = *reg(TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_EV_HEAD);
	if (x->ev_tail - head >= (1u << x->ev_log2))
		return false;
	struct toffee_ctx_ev *e = (struct toffee_ctx_ev *)x->region + (x->ev_tail & ((1u << x->ev_log2) - 1));
	e->flow_id = flow;
	e->rx_bytes = rx;
	e->tx_freed = tx;
	e->flags = flags;
	__atomic_store_n(&e->phase, toffee_phase(x->ev_tail, x->ev_log2), __ATOMIC_RELEASE);
	x->ev_tail++;
	n_ev++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	volatile uint32_t *arm = reg(TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_ARM);
	if (*arm) {
		*arm = 0;
		uint64_t one = 1;
		if (write(x->evfd, &one, sizeof(one)) < 0)
			perror("eventfd");
	}
	return true;
}

static uint64_t alloc_buf(int c)
{
	struct fctx *x = &ctxs[c];
	if (x->nfree)
		return x->free_rx[--x->nfree];
	uint64_t off = x->bump;
	if (off + (1ull << buf_log2) > REGION_SIZE)
		return 0;
	x->bump += 1ull << buf_log2;
	return off;
}

static void free_buf(int c, uint64_t off)
{
	struct fctx *x = &ctxs[c];
	if (x->used && x->nfree < 64)
		x->free_rx[x->nfree++] = off;
}

/* Ids are handed out round-robin, as toffeed does: an id comes back only
 * after a full cycle, long after the app read the CLOSED of its last user
 * (events of a new flow must not be taken for those of an old one whose
 * CLOSED is still unread). */
static int flow_new(int c)
{
	static int next_id;
	for (int k = 0; k < MAX_FLOWS; k++) {
		int i = (next_id + k) % MAX_FLOWS;
		if (!flows[i].used) {
			next_id = i + 1;
			uint64_t rx = alloc_buf(c), tx = rx ? alloc_buf(c) : 0;
			if (!rx || !tx)
				return -1;
			memset(&flows[i], 0, sizeof(flows[i]));
			flows[i].used = true;
			flows[i].ctx = c;
			flows[i].peer = -1;
			flows[i].rx_off = rx;
			flows[i].tx_off = tx;
			uint32_t seq0 = 0xfffff000u + (uint32_t)i * 7919u;   /* wraps soon */
			flows[i].rx_written = flows[i].rx_consumed = seq0;
			flows[i].tx_end = flows[i].tx_sent = seq0 + 12345u;
			n_flows++;
			if (i >= flow_hi)
				flow_hi = i + 1;
			return i;
		}
	}
	return -1;
}

static void ctx_free(int c)
{
	struct fctx *x = &ctxs[c];
	close(x->evfd);
	close(x->memfd);
	if (x->region)
		munmap(x->region, REGION_SIZE);
	x->used = x->zombie = false;
	x->region = NULL;
	*reg(TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE + TOFFEE_CTX_CMD + TOFFEE_Q_LOG2) = 0;
}

static void flow_free(int id)
{
	struct fflow *f = &flows[id];
	free_buf(f->ctx, f->rx_off);
	free_buf(f->ctx, f->tx_off);
	if (f->peer >= 0 && flows[f->peer].peer == id)
		flows[f->peer].peer = -1;
	f->used = false;
	if (ctxs[f->ctx].zombie && ctxs[f->ctx].used) {
		for (int i = 0; i < flow_hi; i++)
			if (flows[i].used && flows[i].ctx == f->ctx)
				return;
		ctx_free(f->ctx);
	}
}

static void fill_app_flow(struct toffee_app_flow *a, int id)
{
	struct fflow *f = &flows[id];
	*a = (struct toffee_app_flow){
		.flow_id = (uint32_t)id, .local_ip = f->local_ip, .remote_ip = f->remote_ip,
		.local_port = f->local_port, .remote_port = f->remote_port,
		.rx_off = (uint32_t)f->rx_off, .tx_off = (uint32_t)f->tx_off,
		.rx_log2 = (uint8_t)buf_log2, .tx_log2 = (uint8_t)buf_log2, .mss = 1460,
		.rx_seq = f->rx_written, .tx_seq = f->tx_end,
	};
}

/* A flow's own life is over (app closed, and the stream is finished or
 * reset): tell the app and free. */
static void maybe_closed(int id)
{
	struct fflow *f = &flows[id];
	if (!f->used || !f->closed)
		return;
	bool done = f->reset || (f->fin_sent && (f->fin_rcvd || f->peer < 0));
	if (!done)
		return;
	event(f->ctx, TOFFEE_APP_CLOSED, (uint32_t)id, 0);
	flow_free(id);
}

static void reset_peer(int id)
{
	struct fflow *f = &flows[id];
	if (f->peer < 0)
		return;
	struct fflow *p = &flows[f->peer];
	int pid = f->peer;
	f->peer = -1;
	p->peer = -1;
	if (!p->reset) {
		p->reset = true;
		if (!p->closed && p->announced)
			event(p->ctx, TOFFEE_APP_RESET, (uint32_t)pid, -ECONNRESET);
	}
	maybe_closed(pid);
}

/* The app hung up: reset its open flows; flows it closed (its FIN is
 * posted) finish gracefully, as the kernel's orphaned sockets do. */
static void ctx_gone(int c)
{
	struct fctx *x = &ctxs[c];
	close(x->sock);
	x->sock = -1;
	x->zombie = true;
	for (int i = 0; i < MAX_LST; i++)
		if (lsts[i].used && lsts[i].ctx == c)
			lsts[i].used = false;
	bool left = false;
	for (int i = 0; i < flow_hi; i++) {
		if (!flows[i].used || flows[i].ctx != c)
			continue;
		if (flows[i].closed && flows[i].fin_req && !flows[i].reset && !reset_orphans) {
			left = true;
			continue;
		}
		reset_peer(i);
		free_buf(c, flows[i].rx_off);
		free_buf(c, flows[i].tx_off);
		flows[i].used = false;
	}
	if (!left && x->used)
		ctx_free(c);
}

static void do_hello(int c, const struct toffee_appmsg *m)
{
	struct fctx *x = &ctxs[c];
	x->memfd = memfd_create("fakenet-region", MFD_CLOEXEC);
	if (x->memfd < 0 || ftruncate(x->memfd, REGION_SIZE) < 0)
		return;
	x->region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->memfd, 0);
	x->evfd = eventfd(0, EFD_CLOEXEC);
	x->ev_log2 = x->cmd_log2 = ring_log2;
	uint32_t ev_bytes = 16u << ring_log2;
	x->bump = 2ull * ev_bytes;
	x->bump = (x->bump + 4095) & ~4095ull;
	x->ev_tail = x->cmd_head = 0;
	if (db_fd[c] <= 0)
		db_fd[c] = dbpage_create((volatile uint32_t *)bar, (uint32_t)c);
	if (db_fd[c] < 0)
		return;
	uint32_t db = TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE;
	*reg(db + TOFFEE_DB_CMD_TAIL) = 0;
	*reg(db + TOFFEE_DB_EV_HEAD) = 0;
	*reg(db + TOFFEE_DB_ARM) = 0;
	*reg(db + TOFFEE_DB_CMD_HEAD) = 0;
	uint32_t blk = TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE;
	*reg(blk + TOFFEE_CTX_CMD + TOFFEE_Q_HEAD) = 0;
	*reg(blk + TOFFEE_CTX_CMD + TOFFEE_Q_LOG2) = ring_log2;
	struct toffee_appmsg r = {
		.type = TOFFEE_APP_HELLO_OK, .req = m->req, .ctx = (uint32_t)c, .region = (uint32_t)c + 1,
		.region_size = REGION_SIZE, .ev_off = 0, .cmd_off = ev_bytes,
		.ev_log2 = (uint8_t)ring_log2, .cmd_log2 = (uint8_t)ring_log2,
	};
	int fds[3] = { x->memfd, db_fd[c], x->evfd };
	send_msg(x->sock, &r, fds, 3);
}

static void do_connect(int c, const struct toffee_appmsg *m)
{
	int l = -1;
	for (int i = 0; i < MAX_LST; i++)
		if (lsts[i].used && lsts[i].port == m->remote_port &&
		    (!lsts[i].ip || lsts[i].ip == m->remote_ip)) {
			l = i;
			break;
		}
	uint16_t lport = m->local_port ? m->local_port : next_port++;
	struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = m->req, .local_port = lport,
				   .local_ip = 0x0a000001 };
	send_msg(ctxs[c].sock, &r, NULL, 0);
	int a = l >= 0 ? flow_new(c) : -1;
	int b = a >= 0 ? flow_new(lsts[l].ctx) : -1;
	if (b < 0) {
		if (a >= 0)
			flow_free(a);
		struct toffee_appmsg f = { .type = TOFFEE_APP_CONN_FAILED, .req = m->req,
					   .status = l < 0 ? -ECONNREFUSED : -ENOMEM };
		send_msg(ctxs[c].sock, &f, NULL, 0);
		return;
	}
	flows[a].peer = b;
	flows[b].peer = a;
	flows[a].local_ip = flows[b].remote_ip = 0x0a000001;
	flows[a].remote_ip = flows[b].local_ip = m->remote_ip;
	flows[a].local_port = flows[b].remote_port = lport;
	flows[a].remote_port = flows[b].local_port = m->remote_port;
	struct toffee_appmsg ok = { .type = TOFFEE_APP_CONNECTED, .req = m->req };
	fill_app_flow(&ok.flow, a);
	send_msg(ctxs[c].sock, &ok, NULL, 0);
	flows[a].announced = true;
	struct toffee_appmsg acc = { .type = TOFFEE_APP_ACCEPTED, .id = (uint32_t)l };
	fill_app_flow(&acc.flow, b);
	if (early) {                       /* announce after the first delivery */
		flows[b].pending = acc;
		flows[b].pending_ctx = lsts[l].ctx;
		flows[b].pending_until = now_ns() + 2000000;
	} else {
		send_msg(ctxs[lsts[l].ctx].sock, &acc, NULL, 0);
		flows[b].announced = true;
	}
}

static bool own(int c, uint32_t id)
{
	return id < MAX_FLOWS && flows[id].used && flows[id].ctx == c;
}

static void handle(int c, const struct toffee_appmsg *m)
{
	switch (m->type) {
	case TOFFEE_APP_HELLO:
		do_hello(c, m);
		break;
	case TOFFEE_APP_LISTEN: {
		uint16_t port = m->local_port ? m->local_port : next_port++;
		int slot = -1;
		for (int i = 0; i < MAX_LST; i++) {
			if (lsts[i].used && lsts[i].port == port &&
			    !((m->flags & TOFFEE_APPF_REUSEPORT) && lsts[i].reuseport)) {
				reply(c, m, -EADDRINUSE, 0);
				return;
			}
			if (!lsts[i].used && slot < 0)
				slot = i;
		}
		if (slot < 0) {
			reply(c, m, -ENOMEM, 0);
			return;
		}
		lsts[slot] = (struct flst){ true, c, m->local_ip, port, (m->flags & TOFFEE_APPF_REUSEPORT) != 0 };
		struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = m->req, .id = (uint32_t)slot,
					   .local_port = port, .local_ip = m->local_ip };
		send_msg(ctxs[c].sock, &r, NULL, 0);
		break;
	}
	case TOFFEE_APP_UNLISTEN:
		if (m->id < MAX_LST && lsts[m->id].used && lsts[m->id].ctx == c)
			lsts[m->id].used = false;
		reply(c, m, 0, m->id);
		break;
	case TOFFEE_APP_CONNECT:
		do_connect(c, m);
		break;
	case TOFFEE_APP_SHUTDOWN_WR:
		reply(c, m, own(c, m->id) ? 0 : -EPERM, m->id);
		break;
	case TOFFEE_APP_CLOSE:
		if (!own(c, m->id)) {
			reply(c, m, -EPERM, m->id);
			break;
		}
		reply(c, m, 0, m->id);
		flows[m->id].closed = true;
		maybe_closed((int)m->id);
		break;
	case TOFFEE_APP_ABORT:
		if (!own(c, m->id)) {
			reply(c, m, -EPERM, m->id);
			break;
		}
		reply(c, m, 0, m->id);
		flows[m->id].closed = flows[m->id].reset = true;
		reset_peer((int)m->id);
		maybe_closed((int)m->id);
		break;
	case TOFFEE_APP_STATUS: {
		unsigned nf = 0, nc = 0;
		for (int i = 0; i < MAX_FLOWS; i++)
			nf += flows[i].used;
		for (int i = 0; i < MAX_CTX; i++)
			nc += ctxs[i].used;
		struct toffee_appmsg r = { .type = TOFFEE_APP_REPLY, .req = m->req, .arg = nf, .arg2 = nc };
		send_msg(ctxs[c].sock, &r, NULL, 0);
		break;
	}
	case TOFFEE_APP_KEEPALIVE:
		break;                           /* no peer to probe here; no reply */
	default:
		reply(c, m, -EINVAL, 0);
	}
}

/* The NIC: consume CMD rings, move bytes between peers, post events. */
static void nic_poll(void)
{
	for (int c = 0; c < MAX_CTX; c++) {
		struct fctx *x = &ctxs[c];
		if (!x->used || !x->region || x->zombie)
			continue;
		uint32_t db = TOFFEE_REG_DB_BASE + c * TOFFEE_REG_DB_STRIDE;
		uint32_t tail = __atomic_load_n(reg(db + TOFFEE_DB_CMD_TAIL), __ATOMIC_ACQUIRE);
		struct toffee_ctx_cmd *ring = (struct toffee_ctx_cmd *)(x->region + (16u << x->ev_log2));
		while (x->cmd_head != tail) {
			struct toffee_ctx_cmd *cmd = &ring[x->cmd_head & ((1u << x->cmd_log2) - 1)];
			uint32_t id = cmd->flow_id;
			if (__atomic_load_n(&cmd->phase, __ATOMIC_ACQUIRE) != toffee_phase(x->cmd_head, x->cmd_log2) ||
			    !own(c, id)) {
				n_cmd_bad++;
			} else {
				struct fflow *f = &flows[id];
				uint32_t size = 1u << buf_log2;
				if (cmd->tx_bytes > size - (f->tx_end - f->tx_sent) ||
				    cmd->rx_bytes > f->rx_written - f->rx_consumed || (cmd->tx_bytes && f->fin_req)) {
					n_cmd_bad++;
				} else {
					f->tx_end += cmd->tx_bytes;
					f->rx_consumed += cmd->rx_bytes;
					if (cmd->flags & TOFFEE_CMDF_FIN)
						f->fin_req = true;
				}
			}
			n_cmd++;
			x->cmd_head++;
		}
		__atomic_store_n(reg(TOFFEE_REG_CTX_BASE + c * TOFFEE_REG_CTX_STRIDE + TOFFEE_CTX_CMD + TOFFEE_Q_HEAD),
				 x->cmd_head, __ATOMIC_RELEASE);
		__atomic_store_n(reg(db + TOFFEE_DB_CMD_HEAD), x->cmd_head, __ATOMIC_RELEASE);
	}
	uint32_t size = 1u << buf_log2;
	if (early) {                       /* no data came: announce anyway */
		uint64_t t = now_ns();
		for (int i = 0; i < flow_hi; i++)
			if (flows[i].used && flows[i].pending.type && t >= flows[i].pending_until)
				announce_pending(&flows[i]);
	}
	for (int i = 0; i < flow_hi; i++) {
		struct fflow *f = &flows[i];
		if (!f->used || f->reset)
			continue;
		int p = f->peer;
		uint32_t pending = f->tx_end - f->tx_sent;
		if (p >= 0) {
			struct fflow *q = &flows[p];
			uint32_t room = size - (q->rx_written - q->rx_consumed);
			uint32_t n = pending < room ? pending : room;
			bool fin = f->fin_req && !f->fin_sent && n == pending;
			if (n || fin) {
				struct fctx *dx = &ctxs[q->ctx], *sx = &ctxs[f->ctx];
				uint32_t dh = *reg(TOFFEE_REG_DB_BASE + q->ctx * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_EV_HEAD);
				uint32_t shd = *reg(TOFFEE_REG_DB_BASE + f->ctx * TOFFEE_REG_DB_STRIDE + TOFFEE_DB_EV_HEAD);
				/* both rings need room (the same ring needs two) */
				uint32_t need_d = 1 + (q->ctx == f->ctx && n);
				if (dx->ev_tail - dh + need_d > (1u << dx->ev_log2) ||
				    (n && sx->ev_tail - shd >= (1u << sx->ev_log2)))
					continue;
				for (uint32_t k = 0; k < n; k++)
					dx->region[q->rx_off + ((q->rx_written + k) & (size - 1))] =
						sx->region[f->tx_off + ((f->tx_sent + k) & (size - 1))];
				f->tx_sent += n;
				q->rx_written += n;
				if (dx->zombie)            /* an orphan discards what arrives */
					q->rx_consumed = q->rx_written;
				n_bytes += n;
				if (fin) {
					f->fin_sent = true;
					q->fin_rcvd = true;
				}
				post_ev(q->ctx, (uint32_t)p, n, 0, fin ? TOFFEE_EVF_FIN : 0);
				if (n)
					post_ev(f->ctx, (uint32_t)i, 0, n, 0);
				announce_pending(q);    /* after its first data (--early) */
				if (fin) {
					maybe_closed(i);
					maybe_closed(p);
				}
			}
		} else if (f->fin_req && !f->fin_sent && !pending) {
			f->fin_sent = true;        /* peer gone: FIN into the void */
			maybe_closed(i);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s RUNDIR [--buf-log2 N] [--ring-log2 N] [--early]\n", argv[0]);
		return 2;
	}
	const char *rundir = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--buf-log2") && i + 1 < argc)
			buf_log2 = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ring-log2") && i + 1 < argc)
			ring_log2 = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--early"))
			early = true;
		else if (!strcmp(argv[i], "--reset-orphans"))
			reset_orphans = true;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	mkdir(rundir, 0755);
	bar_fd = memfd_create("fakenet-bar", MFD_CLOEXEC);
	if (bar_fd < 0 || ftruncate(bar_fd, TOFFEE_REG_BAR_SIZE) < 0)
		return perror("bar"), 1;
	bar = mmap(NULL, TOFFEE_REG_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/app.sock", rundir);
	unlink(sa.sun_path);
	int ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 64) < 0)
		return perror("app.sock"), 1;
	char stopf[512];
	snprintf(stopf, sizeof(stopf), "%s/stop", rundir);
	unsigned idle = 0;
	while (!stop && access(stopf, F_OK) != 0) {
		struct pollfd p[MAX_CTX + 1];
		int map[MAX_CTX + 1], n = 0;
		p[n] = (struct pollfd){ ls, POLLIN, 0 };
		map[n++] = -1;
		for (int c = 0; c < MAX_CTX; c++)
			if (ctxs[c].used && !ctxs[c].zombie) {
				p[n] = (struct pollfd){ ctxs[c].sock, POLLIN, 0 };
				map[n++] = c;
			}
		uint64_t before = n_cmd + n_ev;
		int r = poll(p, (nfds_t)n, 0);
		if (r <= 0 && idle > 2000) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
		if (r > 0) {
			idle = 0;
			for (int i = 0; i < n; i++) {
				if (!p[i].revents)
					continue;
				if (map[i] < 0) {
					int s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
					int c = 0;
					while (c < MAX_CTX && ctxs[c].used)
						c++;
					if (s >= 0) {           /* replies must not block the NIC loop */
						int big = 8 << 20;
						setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
					}
					if (s >= 0 && c < MAX_CTX) {
						memset(&ctxs[c], 0, sizeof(ctxs[c]));
						ctxs[c].used = true;
						ctxs[c].sock = s;
						ctxs[c].evfd = ctxs[c].memfd = -1;
					} else if (s >= 0) {
						close(s);
					}
					continue;
				}
				int c = map[i];
				struct toffee_appmsg m;
				ssize_t k = recv(ctxs[c].sock, &m, sizeof(m), MSG_DONTWAIT);
				if (k == 0 || (k < 0 && errno != EAGAIN)) {
					ctx_gone(c);
				} else if (k == (ssize_t)sizeof(m)) {
					handle(c, &m);
				}
			}
		}
		nic_poll();
		if (n_cmd + n_ev == before && r <= 0)
			idle++;
		else
			idle = 0;
	}
	printf("fakenet: flows %llu bytes %llu events %llu commands %llu bad commands %llu\n",
	       n_flows, n_bytes, n_ev, n_cmd, n_cmd_bad);
	unlink(sa.sun_path);
	return 0;
}
