/* SPDX-License-Identifier: MIT */
/* Global state of the sockets layer: the lock, the process context, the
 * event pump, blocking waits and fork handling.
 *
 * Waking: the NIC writes the context's eventfd (when armed) and toffeed
 * writes the control socket; every blocked thread has both in its wait set.
 * The first thread to wake drains them and updates socket state; since the
 * others may then find the descriptors drained and go back to sleep, it
 * pokes the wake eventfd of every other registered waiter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include "ts_internal.h"
#include "tf_sys.h"

struct ts_global ts = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fallback = true,
	.spin_us = 20,
};

static struct ts_obj ts_internal_obj = { .kind = TS_INTERNAL };
static pthread_key_t ts_wake_key;
static __thread int tls_wake = -1;
static __thread uint32_t tls_wake_gen;

void ts_lock(void)
{
	pthread_mutex_lock(&ts.lock);
}

void ts_unlock(void)
{
	pthread_mutex_unlock(&ts.lock);
}

uint64_t ts_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? 0 : tf_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

int ts_ms_left(uint64_t deadline_ns)
{
	if (!deadline_ns)
		return -1;
	uint64_t now = tf_now_ns();
	if (now >= deadline_ns)
		return 0;
	uint64_t ms = (deadline_ns - now + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static void wake_key_destroy(void *v)
{
	int fd = (int)(intptr_t)v - 1;
	if (fd < 0)
		return;
	ts_lock();
	if (ts_fd_get(fd) == &ts_internal_obj) {
		ts_fd_clear(fd);
		tf_sys_close(fd);
	}
	ts_unlock();
}

static pthread_once_t ts_wake_once = PTHREAD_ONCE_INIT;

static void wake_key_create(void)
{
	pthread_key_create(&ts_wake_key, wake_key_destroy);
}

int ts_tls_wake_fd(void)
{
	if (tls_wake >= 0 && tls_wake_gen == ts.gen)
		return tls_wake;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -1;
	ts_fd_set(fd, &ts_internal_obj);
	tls_wake = fd;
	tls_wake_gen = ts.gen;
	pthread_once(&ts_wake_once, wake_key_create);
	pthread_setspecific(ts_wake_key, (void *)(intptr_t)(fd + 1));
	return fd;
}

int ts_ctx_ensure(void)
{
	if (ts.ctx)
		return ts.ctx->dead ? -ENETDOWN : 0;
	if (ts.ctx_err)
		return ts.ctx_err;
	struct toffee_ctx *ctx;
	int rc = toffee_ctx_open(&ctx, ts.rundir[0] ? ts.rundir : NULL);
	if (rc < 0) {
		ts.ctx_err = rc;
		if (!ts.warned) {
			ts.warned = true;
			fprintf(stderr, "toffee: cannot reach toffeed at %s/app.sock (%s)%s\n",
				ts.rundir[0] ? ts.rundir : "/run/toffee/default", strerror(-rc),
				ts.fallback ? ": using the kernel's TCP stack" : "");
		}
		return rc;
	}
	ts.ctx = ctx;
	int evfd, ctlfd;
	toffee_ctx_fds(ctx, &evfd, &ctlfd);
	ts_fd_mark_internal(evfd);
	ts_fd_mark_internal(ctlfd);
	return 0;
}

static void wake_others(void)
{
	uint64_t one = 1;
	for (struct ts_waiter *w = ts.waiters; w; w = w->next)
		if (w->wake_fd >= 0)
			tf_sys_write(w->wake_fd, &one, sizeof(one));
}

/* Turn the context's news into socket state. The full pump also reads the
 * control socket (one system call); the fast one, used on the data path,
 * only looks at the event ring in memory. */
static void pump(bool full)
{
	struct toffee_ctx *ctx = ts.ctx;
	if (!ctx)
		return;
	if (full) {
		toffee_ctx_process(ctx);
	} else {
		tf_ctx_drain_ev(ctx);
		if (ctx->chead)
			tf_ctx_flush(ctx);
	}
	struct toffee_event ev[64];
	bool any = false;
	int n;
	while ((n = tf_ctx_collect(ctx, ev, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			struct ts_sock *s = ev[i].user;
			if (s)
				ts_sock_on_event(s, &ev[i]);
		}
		any = true;
	}
	if (any)
		wake_others();
}

/* The control socket is read at most this often by ts_pump_auto(). */
#define TS_CTL_CHECK_NS 100000ull
static uint64_t last_full_pump;

void ts_pump(void)
{
	last_full_pump = tf_now_ns();
	pump(true);
}

void ts_pump_auto(void)
{
	if (tf_now_ns() - last_full_pump >= TS_CTL_CHECK_NS)
		ts_pump();
	else
		pump(false);
}

void ts_pump_fast(void)
{
	pump(false);
}

void ts_sock_changed(struct ts_sock *s)
{
	s->rgen++;
	for (struct ts_epitem *it = s->items; it; it = it->snext)
		ts_ep_queue(it);
}

void ts_fd_mark_internal(int fd)
{
	ts_fd_set(fd, &ts_internal_obj);
}

void ts_fd_unmark_internal(int fd)
{
	if (ts_fd_get(fd) == &ts_internal_obj)
		ts_fd_clear(fd);
}

static void waiter_link(struct ts_waiter *w)
{
	w->prev = NULL;
	w->next = ts.waiters;
	if (ts.waiters)
		ts.waiters->prev = w;
	ts.waiters = w;
}

static void waiter_unlink(struct ts_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		ts.waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
}

void ts_waiter_add(struct ts_waiter *w)
{
	waiter_link(w);
}

void ts_waiter_del(struct ts_waiter *w)
{
	waiter_unlink(w);
}

bool ts_arm(void)
{
	struct toffee_ctx *ctx = ts.ctx;
	return ctx && !ctx->dead && tf_ctx_arm_only(ctx);
}

/* Adaptive spinning: spin at most ts.spin_us, and only as long as it pays.
 * After a sleep, ts_slept() learns whether the event came soon enough that
 * spinning would have caught it (spin more) or not (spin less, down to
 * nothing), so a server idling between requests does not burn a core. */
static unsigned spin_cur_us = ~0u;

static bool spin_for_events(void)
{
	struct toffee_ctx *ctx = ts.ctx;
	if (spin_cur_us > ts.spin_us)
		spin_cur_us = ts.spin_us;
	if (!ctx || !spin_cur_us)
		return false;
	ts_unlock();
	uint64_t end = tf_now_ns() + spin_cur_us * 1000ull;
	bool got;
	while (!(got = tf_ctx_ev_pending(ctx)) && tf_now_ns() < end)
		;
	ts_lock();
	return got;
}

bool ts_spin(void)
{
	return spin_for_events();
}

void ts_slept(uint64_t slept_ns, bool by_event)
{
	if (by_event && slept_ns < ts.spin_us * 1000ull)
		spin_cur_us = spin_cur_us * 2 + 1 > ts.spin_us ? ts.spin_us : spin_cur_us * 2 + 1;
	else
		spin_cur_us /= 2;
}

int ts_block(struct pollfd *kfds, nfds_t nk, int timeout_ms, const sigset_t *sigmask)
{
	/* Register first: whatever another thread processes while we spin or
	 * sleep pokes our wake fd, so no change goes unnoticed. */
	struct ts_waiter w = { .wake_fd = ts_tls_wake_fd() };
	waiter_link(&w);
	if (ts_spin()) {
		waiter_unlink(&w);
		ts_pump();
		return 0;
	}
	struct toffee_ctx *ctx = ts.ctx;
	if (ctx && !ctx->dead && tf_ctx_arm_only(ctx)) {
		waiter_unlink(&w);
		ts_pump();
		return 0;
	}
	struct pollfd small[16], *p = small;
	if (nk + 3 > 16) {
		p = malloc((nk + 3) * sizeof(*p));
		if (!p) {
			waiter_unlink(&w);
			return -ENOMEM;
		}
	}
	if (nk)
		memcpy(p, kfds, nk * sizeof(*p));
	nfds_t n = nk;
	int evfd = -1, ctlfd = -1;
	if (ctx && !ctx->dead) {
		toffee_ctx_fds(ctx, &evfd, &ctlfd);
		p[n++] = (struct pollfd){ evfd, POLLIN, 0 };
		p[n++] = (struct pollfd){ ctlfd, POLLIN, 0 };
		if (ctx->chead && (timeout_ms < 0 || timeout_ms > 1))
			timeout_ms = 1;   /* commands wait for ring space: retry soon */
		if (timeout_ms < 0 || timeout_ms > (int)ctx->slice_ms)
			timeout_ms = (int)ctx->slice_ms;   /* callers loop and re-check */
	}
	nfds_t wi = n;
	p[n++] = (struct pollfd){ w.wake_fd, POLLIN, 0 };
	if (ctx)
		ctx->st.wakeups++;
	ts_unlock();
	uint64_t t0 = tf_now_ns();
	struct timespec tsp, *tp = NULL;
	if (timeout_ms >= 0) {
		tsp.tv_sec = timeout_ms / 1000;
		tsp.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tp = &tsp;
	}
	int r = ts_real.ppoll ? ts_real.ppoll(p, n, tp, sigmask)
			      : (int)syscall(SYS_ppoll, p, n, tp, sigmask, (size_t)8);
	int e = errno;
	ts_lock();
	waiter_unlink(&w);
	int kready = 0;
	if (r > 0) {
		for (nfds_t i = 0; i < nk; i++) {
			kfds[i].revents = p[i].revents;
			if (p[i].revents)
				kready++;
		}
		if (p[wi].revents && w.wake_fd >= 0) {
			uint64_t v;
			tf_sys_read(w.wake_fd, &v, sizeof(v));
		}
		if (evfd >= 0 && p[nk].revents && ts.ctx == ctx)
			tf_ctx_clear_notify(ctx);
	}
	ts_slept(tf_now_ns() - t0, r > 0);
	if (p != small)
		free(p);
	ts_pump();
	if (r < 0)
		return -e;
	return kready;
}

bool ts_in_vfork_child(void)
{
	return ts.pid && (pid_t)syscall(SYS_getpid) != ts.pid;
}

/* Before a fork, every connection that could be handed over gets a socket
 * pair: its kernel fds (every fd number of it) become one end, toffeed
 * gets the other (SHARE) and learns when no process holds the socket. */
static void share_prepare(int fd, struct ts_obj *o, void *arg)
{
	(void)arg;
	if (o->kind != TS_SOCK || o->gen != ts.gen)
		return;
	struct ts_sock *s = (struct ts_sock *)o;
	if (s->closed || s->mode != TS_CONNECTED || !s->conn || !tf_flow_can_release(s->conn))
		return;
	if (!s->shared) {
		int p[2];
		if (tf_sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return;
		struct stat st;
		uint32_t fl = s->v6 ? TOFFEE_APPF_INET6 : 0;
		int rc = fstat(p[0], &st) < 0 ? -errno : tf_flow_share(s->conn, p[1], (uint64_t)st.st_ino, fl);
		tf_sys_close(p[1]);
		if (rc < 0) {
			tf_sys_close(p[0]);
			return;
		}
		s->shared = true;
		s->share_a = p[0];
	}
	if (s->share_a >= 0)               /* else: a pair end since an earlier fork */
		tf_sys_dup3(s->share_a, fd, O_CLOEXEC);
}

static void share_done(int fd, struct ts_obj *o, void *arg)
{
	(void)fd;
	(void)arg;
	struct ts_sock *s = (struct ts_sock *)o;
	if (o->kind == TS_SOCK && s->share_a >= 0) {
		tf_sys_close(s->share_a);
		s->share_a = -1;
	}
}

void ts_atfork_prepare(void)
{
	ts_lock();
	if (ts.ctx && !ts.ctx->dead) {
		tf_ctx_forking(ts.ctx);     /* our listeners outlive us for the child */
		ts_fd_foreach(share_prepare, NULL);
		ts_fd_foreach(share_done, NULL);
	}
}

void ts_atfork_parent(void)
{
	ts_unlock();
}

static void drop_internal(int fd, struct ts_obj *o, void *arg)
{
	(void)arg;
	if (o == &ts_internal_obj)
		ts_fd_clear(fd);
}

/* Fork child: the parent's connections are not ours until we use them;
 * keep what a takeover needs (the parent's flow objects go with its
 * context). */
static void inherit_conn(int fd, struct ts_obj *o, void *arg)
{
	(void)fd;
	(void)arg;
	if (o->kind != TS_SOCK)
		return;
	struct ts_sock *s = (struct ts_sock *)o;
	if (s->conn && o->gen == ts.gen) {
		if (s->shared)
			tf_flow_inherited(s->conn, &s->inh);
		s->conn = NULL;
	}
	s->shared = false;                 /* whoever takes it over starts afresh */
}

void ts_atfork_child(void)
{
	pthread_mutex_init(&ts.lock, NULL);
	ts_fd_foreach(inherit_conn, NULL);
	ts.gen++;
	ts.pid = getpid();
	ts.waiters = NULL;
	/* The context's rings belong to the parent: let go of our copies
	 * (closing our fds does not hang up on toffeed, the parent keeps its
	 * own) and open a new context if this process makes new sockets. */
	if (ts.ctx) {
		ts_fd_foreach(drop_internal, NULL);
		toffee_ctx_close(ts.ctx);
		ts.ctx = NULL;
	}
	if (tls_wake >= 0) {
		ts_fd_clear(tls_wake);
		tf_sys_close(tls_wake);
		tls_wake = -1;
	}
	ts.ctx_err = 0;
	ts_ep_fork_child();
}

static void exit_close(int fd, struct ts_obj *o, void *arg)
{
	(void)arg;
	if (o->kind == TS_SOCK && o->gen == ts.gen)
		ts_fd_drop(fd);
}

void ts_exit_close(void)
{
	if (ts.disabled)
		return;
	ts_lock();
	struct toffee_ctx *ctx = ts.ctx;
	if (ctx && !ctx->dead) {
		/* As the kernel does when a process exits: every socket still
		 * open is closed (FIN, or RST with unread data; no SO_LINGER
		 * wait). toffeed finishes the closes after we are gone (the
		 * CLOSEs reach it before our hang-up). */
		ts.exiting = true;
		ts_fd_foreach(exit_close, NULL);
	}
	ts_unlock();
}

void ts_global_init(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	ts.pid = getpid();
	const char *v = getenv("TOFFEE_DISABLE");
	ts.disabled = v && *v && strcmp(v, "0") != 0;
	v = getenv("TOFFEE_INET6");
	ts.no_inet6 = v && strcmp(v, "0") == 0;
	v = getenv("TOFFEE_FALLBACK");
	if (v && *v)
		ts.fallback = strcmp(v, "0") != 0;
	/* Kept from the start: servers may clear their environment (nginx's
	 * workers keep only TZ) before they first use a socket. */
	v = getenv("TOFFEE_RUNDIR");
	if (v && strlen(v) < sizeof(ts.rundir))
		strcpy(ts.rundir, v);
	v = getenv("TOFFEE_SPIN_US");
	if (v && *v)
		ts.spin_us = (unsigned)strtoul(v, NULL, 10);
	pthread_atfork(ts_atfork_prepare, ts_atfork_parent, ts_atfork_child);
}
