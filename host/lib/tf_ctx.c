/* SPDX-License-Identifier: MIT */
/* Contexts: HELLO and the mappings, the event ring pump, arming and the
 * blocking event poll of the low-level API. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "tf_internal.h"
#include "tf_sys.h"

#define TF_PAGE 4096u
#define TF_DEFAULT_RUNDIR "/run/toffee/default"
#define TF_DEFAULT_SPIN_US 20u

int tf_trace;

void tf_trace_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	tf_sys_write(2, buf, (size_t)n);
}

uint64_t tf_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void tf_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

int tf_ctx_attach(struct toffee_ctx **out, const struct tf_ctx_layout *lay)
{
	if (!out || !lay || !lay->region || !lay->db || !lay->cmd_nic_head)
		return -EINVAL;
	if (lay->ev_log2 < TOFFEE_RING_LOG2_MIN || lay->ev_log2 > TOFFEE_RING_LOG2_MAX ||
	    lay->cmd_log2 < TOFFEE_RING_LOG2_MIN || lay->cmd_log2 > TOFFEE_RING_LOG2_MAX)
		return -EINVAL;
	uint64_t ev_end = (uint64_t)lay->ev_off + (sizeof(struct toffee_ctx_ev) << lay->ev_log2);
	uint64_t cmd_end = (uint64_t)lay->cmd_off + (sizeof(struct toffee_ctx_cmd) << lay->cmd_log2);
	if (ev_end > lay->region_size || cmd_end > lay->region_size ||
	    lay->ev_off % sizeof(struct toffee_ctx_ev) || lay->cmd_off % sizeof(struct toffee_ctx_cmd))
		return -EINVAL;
	struct toffee_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->ctl_fd = lay->ctl_fd;
	ctx->ev_fd = lay->ev_fd;
	ctx->bar_fd = -1;
	ctx->ctx_id = lay->ctx_id;
	ctx->region = lay->region;
	ctx->region_size = lay->region_size;
	ctx->db = lay->db;
	ctx->next_req = 1;
	const char *tr = getenv("TOFFEE_TRACE");
	tf_trace = tr && *tr && *tr != '0';
	const char *spin = getenv("TOFFEE_SPIN_US");
	ctx->spin_us = spin ? (unsigned)strtoul(spin, NULL, 10) : TF_DEFAULT_SPIN_US;
	const char *slice = getenv("TOFFEE_WAIT_SLICE_MS");
	ctx->slice_ms = slice && atoi(slice) > 0 ? (unsigned)atoi(slice) : TF_WAIT_SLICE_MS;
	tf_evq_init(&ctx->evq, lay->region + lay->ev_off, lay->ev_log2,
		    &lay->db[TOFFEE_DB_EV_HEAD / 4]);
	tf_cmdq_init(&ctx->cmdq, lay->region + lay->cmd_off, lay->cmd_log2,
		     &lay->db[TOFFEE_DB_CMD_TAIL / 4], lay->cmd_nic_head);
	*out = ctx;
	return 0;
}

/* Send HELLO on a connected app.sock and collect HELLO_OK with its fds. */
static int ctx_hello(int fd, struct toffee_appmsg *ok, int fds[3])
{
	struct toffee_appmsg m = {
		.type = TOFFEE_APP_HELLO, .req = 1,
		.arg = TOFFEE_APPPROTO_VERSION, .arg2 = (uint32_t)getpid(),
	};
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (tf_sys_sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return -errno ? -errno : -EPROTO;
	int nfds = 3;
	int rc = tf_ctl_recv(fd, ok, fds, &nfds, true);
	if (rc <= 0)
		return rc ? rc : -ECONNRESET;
	if (ok->type != TOFFEE_APP_HELLO_OK || ok->status < 0 || nfds != 3) {
		for (int i = 0; i < nfds; i++)
			tf_sys_close(fds[i]);
		return ok->status < 0 ? ok->status : -EPROTO;
	}
	return 0;
}

int tf_ctl_connect(const char *rundir)
{
	if (!rundir)
		rundir = getenv("TOFFEE_RUNDIR");
	if (!rundir || !*rundir)
		rundir = TF_DEFAULT_RUNDIR;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/app.sock", rundir) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	int fd = tf_sys_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (tf_sys_connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		tf_sys_close(fd);
		return e;
	}
	return fd;
}

int toffee_ctx_open(struct toffee_ctx **out, const char *rundir)
{
	if (!out)
		return -EINVAL;
	int fd = tf_ctl_connect(rundir);
	if (fd < 0)
		return fd;
	struct toffee_appmsg ok;
	int fds[3] = { -1, -1, -1 };
	int rc = ctx_hello(fd, &ok, fds);
	if (rc < 0) {
		tf_sys_close(fd);
		return rc;
	}
	void *region = MAP_FAILED, *db = MAP_FAILED;
	rc = -EPROTO;
	struct stat st;
	/* fds[1] is our doorbell page alone: one page, nothing else of the device. */
	if (ok.ctx >= TOFFEE_MAX_CTX || !ok.region_size || fstat(fds[1], &st) < 0 || st.st_size != TF_PAGE)
		goto fail;
	region = mmap(NULL, ok.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	db = mmap(NULL, TF_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
	if (region == MAP_FAILED || db == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	struct tf_ctx_layout lay = {
		.region = region, .region_size = ok.region_size, .ctx_id = ok.ctx,
		.ev_off = ok.ev_off, .cmd_off = ok.cmd_off,
		.ev_log2 = ok.ev_log2, .cmd_log2 = ok.cmd_log2,
		.db = db, .cmd_nic_head = (const volatile uint32_t *)db + TOFFEE_DB_CMD_HEAD / 4,
		.ctl_fd = fd, .ev_fd = fds[2],
	};
	struct toffee_ctx *ctx;
	rc = tf_ctx_attach(&ctx, &lay);
	if (rc < 0)
		goto fail;
	ctx->region_owned = true;
	ctx->db_map = db;
	tf_sys_close(fds[0]);
	tf_sys_close(fds[1]);
	int fl = tf_sys_fcntl(fds[2], F_GETFL, 0);
	if (fl >= 0)
		tf_sys_fcntl(fds[2], F_SETFL, fl | O_NONBLOCK);
	*out = ctx;
	return 0;
fail:
	if (region != MAP_FAILED)
		munmap(region, ok.region_size);
	if (db != MAP_FAILED)
		munmap(db, TF_PAGE);
	for (int i = 0; i < 3; i++)
		tf_sys_close(fds[i]);
	tf_sys_close(fd);
	return rc;
}

void toffee_ctx_close(struct toffee_ctx *ctx)
{
	if (!ctx)
		return;
	/* Flows with an id (accepted ones unlink from their listener's queue),
	 * then listeners, then flows still connecting (known only to requests). */
	for (uint32_t i = 0; i < ctx->flows_cap; i++)
		if (ctx->flows[i])
			tf_flow_free(ctx->flows[i]);
	while (ctx->listeners) {
		struct toffee_listener *l = ctx->listeners;
		ctx->listeners = l->next;
		free(l);
	}
	for (unsigned b = 0; b < TF_REQ_BUCKETS; b++) {
		while (ctx->reqs[b]) {
			struct tf_req *r = ctx->reqs[b];
			ctx->reqs[b] = r->next;
			struct toffee_conn *f = r->flow;
			free(r);
			if (f)
				tf_flow_free(f);   /* also forgets its other requests */
		}
	}
	if (ctx->ctl_fd >= 0)
		tf_sys_close(ctx->ctl_fd);
	if (ctx->ev_fd >= 0)
		tf_sys_close(ctx->ev_fd);
	if (ctx->region_owned)
		munmap(ctx->region, ctx->region_size);
	if (ctx->db_map)
		munmap(ctx->db_map, TF_PAGE);
	free(ctx->flows);
	free(ctx->inq);
	tf_stash_free(ctx);
	free(ctx);
}

int toffee_ctx_fds(const struct toffee_ctx *ctx, int *ev_fd, int *ctl_fd)
{
	if (!ctx)
		return -EINVAL;
	if (ev_fd)
		*ev_fd = ctx->ev_fd;
	if (ctl_fd)
		*ctl_fd = ctx->ctl_fd;
	return 0;
}

void tf_src_mark(struct toffee_ctx *ctx, struct tf_src *s, uint32_t ev)
{
	s->pending |= ev;
	if (s->on_dirty)
		return;
	s->on_dirty = true;
	s->dnext = NULL;
	if (ctx->dtail)
		ctx->dtail->dnext = s;
	else
		ctx->dhead = s;
	ctx->dtail = s;
}

void tf_src_unmark(struct toffee_ctx *ctx, struct tf_src *s)
{
	if (!s->on_dirty)
		return;
	struct tf_src **pp = &ctx->dhead, *prev = NULL;
	while (*pp && *pp != s) {
		prev = *pp;
		pp = &(*pp)->dnext;
	}
	if (*pp) {
		*pp = s->dnext;
		if (ctx->dtail == s)
			ctx->dtail = prev;
	}
	s->on_dirty = false;
	s->pending = 0;
}

bool tf_ctx_ev_pending(const struct toffee_ctx *ctx)
{
	return tf_evq_peek(&ctx->evq) != NULL;
}

unsigned tf_ctx_drain_ev(struct toffee_ctx *ctx)
{
	unsigned n = 0;
	const struct toffee_ctx_ev *e;
	while ((e = tf_evq_peek(&ctx->evq)) != NULL) {
		uint32_t id = e->flow_id, rx = e->rx_bytes, tx = e->tx_freed;
		uint8_t fl = e->flags;
		tf_evq_pop(&ctx->evq);
		n++;
		struct toffee_conn *f = tf_flow_lookup(ctx, id);
		TF_TRACE("toffee[%d]: ev %u flow %u rx %u tx %u fl %u%s", (int)getpid(), ctx->evq.head - 1,
			 id, rx, tx, fl, f ? "" : " (unknown: stashed)");
		if (f)
			tf_flow_on_ev(f, rx, tx, fl);
		else
			tf_stash_add(ctx, id, rx, tx, fl);
	}
	tf_evq_publish(&ctx->evq);
	ctx->st.events += n;
	return n;
}

void tf_ctx_clear_notify(struct toffee_ctx *ctx)
{
	uint64_t v;                       /* one read takes the whole counter */
	if (ctx->ev_fd >= 0)
		tf_sys_read(ctx->ev_fd, &v, sizeof(v));
}

void tf_ctx_wait_cmds(struct toffee_ctx *ctx)
{
	tf_ctx_flush(ctx);
	uint64_t t0 = tf_now_ns();
	while (!ctx->dead && !tf_cmdq_drained(&ctx->cmdq)) {
		uint64_t t = tf_now_ns() - t0;
		if (t > 1000000000ull)
			break;                    /* the NIC is gone: go on regardless */
		if (t > 100000ull) {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		} else {
			tf_cpu_relax();
		}
		if (ctx->chead)
			tf_ctx_flush(ctx);
	}
}

static unsigned ctx_ndirty(const struct toffee_ctx *ctx)
{
	unsigned n = 0;
	for (const struct tf_src *s = ctx->dhead; s; s = s->dnext)
		n++;
	return n;
}

int toffee_ctx_process(struct toffee_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	tf_ctx_drain_ev(ctx);
	if (!ctx->dead && ctx->ctl_fd >= 0)
		tf_ctl_drain(ctx);          /* also acts on a pending hang-up */
	tf_ctx_flush(ctx);
	if (ctx->dead && !ctx->dhead)
		return -ENOTCONN;
	return (int)ctx_ndirty(ctx);
}

int tf_ctx_arm_only(struct toffee_ctx *ctx)
{
	__atomic_store_n(&ctx->db[TOFFEE_DB_ARM / 4], 1u, __ATOMIC_SEQ_CST);
	/* Read it back: on a real device this flushes the posted MMIO write
	 * before we look at the ring (the NIC must see ARM before we sleep). */
	(void)__atomic_load_n(&ctx->db[TOFFEE_DB_ARM / 4], __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return tf_ctx_ev_pending(ctx) || ctx->dhead ? 1 : 0;
}

int toffee_ctx_arm(struct toffee_ctx *ctx)
{
	tf_ctx_clear_notify(ctx);
	return tf_ctx_arm_only(ctx);
}

int tf_ctx_collect(struct toffee_ctx *ctx, struct toffee_event *evs, unsigned max)
{
	unsigned n = 0;
	while (n < max && ctx->dhead) {
		struct tf_src *s = ctx->dhead;
		ctx->dhead = s->dnext;
		if (!ctx->dhead)
			ctx->dtail = NULL;
		s->on_dirty = false;
		if (!s->pending)
			continue;
		struct toffee_event *e = &evs[n++];
		e->events = s->pending;
		e->status = s->status;
		e->user = s->user;
		e->conn = s->kind == TF_SRC_FLOW ? (struct toffee_conn *)s : NULL;
		e->listener = s->kind == TF_SRC_LISTENER ? (struct toffee_listener *)s : NULL;
		s->pending = 0;
	}
	return (int)n;
}

int toffee_poll(struct toffee_ctx *ctx, struct toffee_event *evs, unsigned max, int timeout_ms)
{
	if (!ctx || !evs || !max)
		return -EINVAL;
	uint64_t deadline = timeout_ms > 0 ? tf_now_ns() + (uint64_t)timeout_ms * 1000000ull : 0;
	for (;;) {
		toffee_ctx_process(ctx);
		int n = tf_ctx_collect(ctx, evs, max);
		if (n)
			return n;
		if (ctx->dead)
			return -ENOTCONN;
		if (timeout_ms == 0)
			return 0;
		if (ctx->spin_us) {
			uint64_t end = tf_now_ns() + ctx->spin_us * 1000ull;
			while (!tf_ctx_ev_pending(ctx) && tf_now_ns() < end)
				tf_cpu_relax();
			if (tf_ctx_ev_pending(ctx))
				continue;
		}
		if (tf_ctx_arm_only(ctx))
			continue;
		int ms = -1;
		if (timeout_ms > 0) {
			uint64_t now = tf_now_ns();
			if (now >= deadline)
				return 0;
			ms = (int)((deadline - now + 999999) / 1000000);
		}
		if (ctx->chead && (ms < 0 || ms > 1))
			ms = 1;                   /* deferred commands: retry soon */
		if (ms < 0 || ms > (int)ctx->slice_ms)
			ms = (int)ctx->slice_ms;  /* see TF_WAIT_SLICE_MS */
		struct pollfd p[2] = { { ctx->ev_fd, POLLIN, 0 }, { ctx->ctl_fd, POLLIN, 0 } };
		ctx->st.wakeups++;
		if (tf_sys_poll(p, 2, ms) < 0 && errno == EINTR)
			return -EINTR;
		if (p[0].revents)
			tf_ctx_clear_notify(ctx);    /* only when it fired: no idle read */
	}
}

int toffee_ctx_stats(const struct toffee_ctx *ctx, struct toffee_ctx_stats *st)
{
	if (!ctx || !st)
		return -EINVAL;
	*st = ctx->st;
	return 0;
}
