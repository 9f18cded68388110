/* SPDX-License-Identifier: MIT */
/* Flows across fork and exec (the library's side of toffeed's handover.c):
 * what a child needs to take a connection over, SHARE / RELEASE / TAKEOVER
 * / IDENTIFY / FORKING. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "tf_internal.h"
#include "tf_sys.h"
#include "toffee/fdpass.h"

void tf_flow_inherited(const struct toffee_conn *f, struct tf_inherited *inh)
{
	*inh = (struct tf_inherited){ .id = f->id, .rx_head = f->rx_head, .tx_tail = f->tx_tail };
	if (tf_flow_can_release(f))
		inh->key = f->key;
}

bool tf_flow_can_release(const struct toffee_conn *f)
{
	return f->key && f->phase == TF_OPEN && !f->shut_wr && !f->user_closed && !f->gone &&
	       f->in_table && !f->ctx->dead;
}

int tf_flow_share(struct toffee_conn *f, int fd, uint64_t ino, uint32_t flags)
{
	struct toffee_appmsg m = { .type = TOFFEE_APP_SHARE, .id = f->id, .flags = flags,
				   .arg = (uint32_t)ino, .arg2 = (uint32_t)(ino >> 32) };
	return tf_ctl_send_fd(f->ctx, &m, fd);
}

int tf_identify(const char *rundir, const int *fds, unsigned n, uint32_t *ids, uint32_t *flags)
{
	for (unsigned i = 0; i < n; i++) {
		ids[i] = TOFFEE_FLOW_NONE;
		flags[i] = 0;
	}
	int s = tf_ctl_connect(rundir);
	if (s < 0)
		return s;
	/* Asked at every start-up with such a descriptor: a toffeed that does
	 * not answer must not hold the program up for long (3 s: on a busy
	 * machine toffeed may not run for a second, and a miss leaves the
	 * program with a dead socket). */
	struct timeval tv = { .tv_sec = 3 };
	syscall(SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));   /* not our wrapper */
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		struct toffee_appmsg m = { .type = TOFFEE_APP_IDENTIFY, .req = i + 1 }, r;
		struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		union toffee_fdpass cm;
		toffee_fdpass_attach(&mh, &cm, &fds[i], 1);
		if (tf_sys_sendmsg(s, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
			rc = -errno;
			break;
		}
		do
			rc = tf_ctl_recv(s, &r, NULL, NULL, true);
		while (rc > 0 && (r.type != TOFFEE_APP_REPLY || r.req != m.req));
		rc = rc > 0 ? 0 : rc ? rc : -ECONNRESET;
		if (rc == 0 && r.status == 0) {
			ids[i] = r.id;
			flags[i] = r.flags;
		}
	}
	tf_sys_close(s);
	return rc;
}

int tf_flow_release(struct toffee_conn *f)
{
	struct toffee_ctx *ctx = f->ctx;
	if (!tf_flow_can_release(f))
		return -EINVAL;
	tf_flow_post(f);                   /* what we did before the fork stands */
	tf_ctx_wait_cmds(ctx);
	struct toffee_appmsg m = { .type = TOFFEE_APP_RELEASE, .id = f->id };
	int rc = tf_ctl_send(ctx, &m);
	if (rc < 0)
		return rc;
	f->user_closed = true;             /* CLOSED (or a refusal) frees it */
	tf_src_unmark(ctx, &f->src);
	if (tf_req_add(ctx, m.req, TOFFEE_APP_RELEASE, f) < 0)
		tf_flow_free(f);
	return 0;
}

int tf_flow_takeover(struct toffee_ctx *ctx, const struct tf_inherited *inh, int fd, void *user,
		     struct toffee_conn **out)
{
	struct toffee_appmsg m = {
		.type = TOFFEE_APP_TAKEOVER, .id = inh->id,
		.arg = (uint32_t)inh->key, .arg2 = (uint32_t)(inh->key >> 32),
		.flags = fd >= 0 ? TOFFEE_APPF_BY_FD : 0,
	}, r;
	m.flow.rx_seq = inh->rx_head;
	m.flow.tx_seq = inh->tx_tail;
	int rc = tf_ctl_call_fd(ctx, &m, fd, &r);
	if (rc < 0)
		return rc;
	struct toffee_conn *f = tf_flow_new(ctx);
	if (!f)
		return -ENOMEM;
	if (r.arg > (1u << r.flow.rx_log2) || r.arg2 > (1u << r.flow.tx_log2) ||
	    tf_flow_setup(f, &r.flow) < 0 || tf_flow_table_add(f) < 0) {
		struct toffee_appmsg a = { .type = TOFFEE_APP_ABORT, .id = r.flow.flow_id };
		tf_ctl_send(ctx, &a);
		tf_flow_free(f);
		return -EPROTO;
	}
	toffee_conn_set_user(f, user);
	f->tx_tail += r.arg2;
	tf_stash_take(ctx, f);             /* events of the flow that came first */
	tf_flow_on_ev(f, r.arg, 0, (r.flags & TOFFEE_APPF_FIN) ? TOFFEE_EVF_FIN : 0);
	*out = f;
	return (r.flags & TOFFEE_APPF_SHARED) ? 1 : 0;
}

void tf_ctx_forking(struct toffee_ctx *ctx)
{
	struct toffee_appmsg m = { .type = TOFFEE_APP_FORKING };
	if (ctx->listeners)
		tf_ctl_send(ctx, &m);
}
