/* SPDX-License-Identifier: MIT */
/* Backends `fw` and `sim`: a NIC that runs as a process, reached over
 * <rundir>/nic.sock with the protocol of include/toffee/devproto.h.
 * Requests are synchronous (send, wait for the REPLY with the same seq);
 * they happen at start-up and when an application comes or goes, never
 * per segment. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "toffee/devproto.h"
#include "dbpage.h"
#include "dev.h"
#include "toffee/fdpass.h"

#define PROC_REPLY_MS 5000   /* a NIC serves its socket at least every few ms */

struct proc {
	int sock;
	uint32_t seq;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Send @p m with an optional descriptor. */
static int send_msg(int sock, const struct toffee_devmsg *m, int fd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	toffee_fdpass_attach(&mh, &cm, &fd, fd >= 0);
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
}

/* Receive one message within @p timeout_ms; *fd gets a passed descriptor
 * (or -1; extra ones are closed). */
static int recv_msg(int sock, struct toffee_devmsg *m, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	*fd = -1;
	int rc;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f);
		}
	}
	if (n != (ssize_t)sizeof(*m) || (mh.msg_flags & MSG_TRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return 0;
}

/* One request/reply exchange. A descriptor that comes with the reply goes
 * to *reply_fd (closed if reply_fd is NULL). */
static int request_fd(struct dev *d, uint32_t type, uint64_t a, uint64_t b, int fd,
		      struct toffee_devmsg *reply, int *reply_fd)
{
	struct proc *p = d->priv;
	struct toffee_devmsg m = { .type = type, .seq = ++p->seq, .a = a, .b = b };
	int rc = send_msg(p->sock, &m, fd);
	if (rc)
		return rc;
	uint64_t deadline = mono_ms() + PROC_REPLY_MS;
	for (;;) {
		struct toffee_devmsg r;
		int rfd, left = (int)(deadline - mono_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		rc = recv_msg(p->sock, &r, &rfd, left);
		if (rc)
			return rc;
		if (r.type != TOFFEE_DEV_REPLY || r.seq != m.seq) {
			if (rfd >= 0)
				close(rfd);
			continue;          /* stale or unsolicited: skip */
		}
		if (reply)
			*reply = r;
		if (reply_fd)
			*reply_fd = rfd;
		else if (rfd >= 0)
			close(rfd);
		return r.status;
	}
}

static int request(struct dev *d, uint32_t type, uint64_t a, uint64_t b, int fd,
		   struct toffee_devmsg *reply)
{
	return request_fd(d, type, a, b, fd, reply, NULL);
}

static int connect_sock(const char *rundir, int wait_ms, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nic.sock", rundir) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	uint64_t deadline = mono_ms() + (wait_ms > 0 ? (uint64_t)wait_ms : 0);
	for (;;) {
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			*out = s;
			return 0;
		}
		int err = errno;
		close(s);
		if ((err != ENOENT && err != ECONNREFUSED) || mono_ms() >= deadline)
			return -err;
		usleep(20000);
	}
}

static int proc_open(struct dev *d, const char *rundir, int wait_ms, const char *want)
{
	struct proc *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sock = -1;
	int rc = connect_sock(rundir, wait_ms, &p->sock);
	if (rc)
		goto fail;
	struct toffee_devmsg h;
	int bar_fd;
	rc = recv_msg(p->sock, &h, &bar_fd, PROC_REPLY_MS);
	if (rc)
		goto fail;
	if (h.type != TOFFEE_DEV_HELLO) {
		rc = -EPROTO;
		goto fail_fd;
	}
	if (h.status) {
		rc = h.status;     /* e.g. -EBUSY: another toffeed is attached */
		goto fail_fd;
	}
	h.text[sizeof(h.text) - 1] = 0;
	if (bar_fd < 0 || (want && strcmp(h.text, want) != 0)) {
		rc = -EPROTO;
		goto fail_fd;
	}
	struct stat st;
	if (fstat(bar_fd, &st) < 0 || (uint64_t)st.st_size < TOFFEE_REG_BAR_SIZE) {
		rc = -EPROTO;
		goto fail_fd;
	}
	void *bar = mmap(NULL, TOFFEE_REG_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (bar == MAP_FAILED) {
		rc = -errno;
		goto fail_fd;
	}
	close(bar_fd);              /* the mapping keeps the file */
	bar_fd = -1;
	d->bar = bar;
	d->event_fd = p->sock;
	d->priv = p;
	snprintf(d->info.impl, sizeof(d->info.impl), "%s", h.text);
	d->info.flow_cap = (uint32_t)h.a;
	for (unsigned i = 0; i < 6; i++)
		d->info.mac[i] = (uint8_t)(h.b >> (8 * i));
	if (dev_rd32(d, TOFFEE_REG_ID) != TOFFEE_ABI_ID ||
	    (dev_rd32(d, TOFFEE_REG_VERSION) >> 16) != TOFFEE_ABI_MAJOR) {
		munmap(bar, TOFFEE_REG_BAR_SIZE);
		d->bar = NULL;
		rc = -EPROTO;
		goto fail_fd;
	}
	d->info.version = dev_rd32(d, TOFFEE_REG_VERSION);
	d->info.features = dev_rd32(d, TOFFEE_REG_FEATURES);
	d->info.ctx_cap = dev_rd32(d, TOFFEE_REG_CTX_CAP);
	if (d->info.ctx_cap == 0 || d->info.ctx_cap > TOFFEE_MAX_CTX)
		d->info.ctx_cap = TOFFEE_MAX_CTX;
	if (d->info.flow_cap == 0)
		d->info.flow_cap = dev_rd32(d, TOFFEE_REG_FLOW_CAP);
	return 0;
fail_fd:
	if (bar_fd >= 0)
		close(bar_fd);
fail:
	if (p->sock >= 0)
		close(p->sock);
	free(p);
	d->event_fd = -1;
	return rc;
}

static int open_fw(struct dev *d, const char *rundir, int wait_ms) { return proc_open(d, rundir, wait_ms, "fw"); }
static int open_sim(struct dev *d, const char *rundir, int wait_ms) { return proc_open(d, rundir, wait_ms, "sim"); }
static int open_any(struct dev *d, const char *rundir, int wait_ms) { return proc_open(d, rundir, wait_ms, NULL); }

static void proc_close(struct dev *d)
{
	struct proc *p = d->priv;
	if (d->bar)
		munmap((void *)d->bar, TOFFEE_REG_BAR_SIZE);
	d->bar = NULL;
	if (p) {
		close(p->sock);
		free(p);
	}
	d->priv = NULL;
	d->event_fd = -1;
}

static int proc_region_create(struct dev *d, struct dev_region *r)
{
	char name[32];
	snprintf(name, sizeof(name), "toffee-region-%u", r->id);
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)r->size) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	/* Nobody may shrink it under a mapping (a SIGBUS in the NIC or here). */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	void *va = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (va == MAP_FAILED) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	int rc = request(d, TOFFEE_DEV_MAP, r->id, r->size, fd, NULL);
	if (rc) {
		munmap(va, r->size);
		close(fd);
		return rc;
	}
	r->fd = fd;
	r->va = va;
	r->iova = TOFFEE_IOVA(r->id, 0);
	return 0;
}

static void proc_region_destroy(struct dev *d, struct dev_region *r)
{
	if (r->va) {
		request(d, TOFFEE_DEV_UNMAP, r->id, 0, -1, NULL);
		munmap(r->va, r->size);
	}
	if (r->fd >= 0)
		close(r->fd);
}

static int proc_notify(struct dev *d, uint32_t ctx, int efd)
{
	return request(d, TOFFEE_DEV_NOTIFY, ctx, 0, efd, NULL);
}

static int proc_capture(struct dev *d, int fd)
{
	return request(d, TOFFEE_DEV_CAPTURE, 0, 0, fd, NULL);
}

static int proc_stats(struct dev *d, uint64_t *rx, uint64_t *tx)
{
	struct toffee_devmsg r;
	int rc = request(d, TOFFEE_DEV_STATS, 0, 0, -1, &r);
	if (rc)
		return rc;
	*rx = r.a;
	*tx = r.b;
	return 0;
}

static int proc_db_page(struct dev *d, uint32_t ctx)
{
	int fd = -1;
	int rc = request_fd(d, TOFFEE_DEV_DBPAGE, ctx, 0, -1, NULL, &fd);
	if (rc == 0 && fd < 0)
		rc = -EPROTO;
	if (rc == 0)
		rc = dbpage_overlay(d->bar, ctx, fd);   /* our view of BAR0 shares it */
	if (rc) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd;
}

static int proc_shutdown(struct dev *d)
{
	return request(d, TOFFEE_DEV_SHUTDOWN, 0, 0, -1, NULL);
}

#define PROC_OPS(nm, openfn) {                                              \
	.name = nm, .open = openfn, .close = proc_close,                    \
	.region_create = proc_region_create, .region_destroy = proc_region_destroy, \
	.notify = proc_notify, .db_page = proc_db_page, .capture = proc_capture, .stats = proc_stats, \
	.shutdown = proc_shutdown }

const struct dev_ops dev_ops_fw = PROC_OPS("fw", open_fw);
const struct dev_ops dev_ops_sim = PROC_OPS("sim", open_sim);
const struct dev_ops dev_ops_auto = PROC_OPS("auto", open_any);
