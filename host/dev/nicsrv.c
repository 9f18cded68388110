/* SPDX-License-Identifier: MIT */
/* nicsrv, the control side: BAR0, the socket and its requests (MAP/UNMAP,
 * NOTIFY, CAPTURE, STATS, SHUTDOWN), device reset on detach, life cycle.
 * The per-frame side is in nicsrv_dma.c; see nicsrv.h. */
#include "nicsrv_int.h"
#include "dbpage.h"
#include "toffee/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- logging --------------------------------------------------------------- */

void nicsrv_log(const struct nicsrv_config *cfg, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cfg && cfg->log)
		cfg->log(cfg->log_arg, msg);
	else
		fprintf(stderr, "nicsrv: %s\n", msg);
}

/* ---- regions and eventfds ---------------------------------------------------- */

static int region_map(struct nicsrv *s, uint64_t id, uint64_t size, int fd)
{
	struct stat st;
	int seals;
	void *p;

	if (id >= TOFFEE_MAX_REGIONS || size == 0 || size > (1ull << 32))
		return -EINVAL;
	if (s->reg[id].size)
		return -EEXIST;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < size) {
		LOG(s, "MAP region %" PRIu64 ": file is %s %lld bytes, %" PRIu64 " wanted",
		    id, S_ISREG(st.st_mode) ? "only" : "not a regular file,",
		    (long long)st.st_size, size);
		return -EINVAL;
	}
	/* The file is shared with toffeed and an application: make sure nobody
	 * can shrink it under the mapping (an access would raise SIGBUS). */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
			LOG(s, "MAP region %" PRIu64 ": cannot seal it against shrinking (%s); "
			    "create regions with memfd_create(..., MFD_ALLOW_SEALING)",
			    id, strerror(errno));
			return -EPERM;
		}
	}
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->reg[id].base = p;
	s->reg[id].size = size;
	return 0;
}

static int region_unmap(struct nicsrv *s, uint64_t id)
{
	if (id >= TOFFEE_MAX_REGIONS)
		return -EINVAL;
	if (!s->reg[id].size)
		return -ENOENT;
	munmap(s->reg[id].base, (size_t)s->reg[id].size);
	s->reg[id].base = NULL;
	s->reg[id].size = 0;
	return 0;
}

static bool is_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static int notify_set(struct nicsrv *s, uint64_t ctx, int fd)
{
	int *slot;

	if (ctx == TOFFEE_DEV_CTX_SP)
		slot = &s->sp_evfd;
	else if (ctx < TOFFEE_MAX_CTX)
		slot = &s->evfd[ctx];
	else
		return -EINVAL;
	if (fd >= 0 && !is_eventfd(fd))
		return -EINVAL;
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
	if (ctx == TOFFEE_DEV_CTX_SP) {
		s->sp_exc_tail = s->regs[SPQ_TAIL(TOFFEE_SPQ_EXC)];
		s->sp_fb_tail = s->regs[SPQ_TAIL(TOFFEE_SPQ_FB)];
	}
	return 0;
}


/* ---- control socket -------------------------------------------------------- */

static int send_msg(int fd, const struct toffee_devmsg *m, int pass_fd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	toffee_fdpass_attach(&mh, &cm, &pass_fd, pass_fd >= 0);
	do
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
}

static void send_hello(struct nicsrv *s, int fd, int status)
{
	struct toffee_devmsg m = { .type = TOFFEE_DEV_HELLO, .status = status };
	int rc;

	if (!status) {
		m.a = s->cfg.flow_cap;
		for (unsigned i = 0; i < 6; i++)
			m.b |= (uint64_t)s->cfg.mac[i] << (8 * i);
	}
	snprintf(m.text, sizeof(m.text), "%s", s->name);
	rc = send_msg(fd, &m, status ? -1 : s->bar_fd);
	if (rc)
		LOG(s, "HELLO: send failed: %s", strerror(-rc));
}

/* The client went away (or broke the protocol): reset the device. */
static void detach(struct nicsrv *s, const char *why)
{
	if (s->cfd < 0)
		return;
	LOG(s, "toffeed detached (%s): device reset", why);
	close(s->cfd);
	s->cfd = -1;
	memset((void *)s->regs, 0, TOFFEE_REG_BAR_SIZE);
	if (s->cfg.reset)
		s->cfg.reset(s->cfg.reset_arg);
	for (unsigned r = 0; r < TOFFEE_MAX_REGIONS; r++)
		if (s->reg[r].size)
			region_unmap(s, r);
	for (unsigned c = 0; c < TOFFEE_MAX_CTX; c++)
		notify_set(s, c, -1);
	notify_set(s, TOFFEE_DEV_CTX_SP, -1);
	nicsrv_cap_stop(s);
}

static void accept_clients(struct nicsrv *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				LOG(s, "accept: %s", strerror(errno));
			return;
		}
		if (s->cfd >= 0) {
			LOG(s, "refusing a second client: toffeed already connected");
			send_hello(s, fd, -EBUSY);
			close(fd);
			continue;
		}
		s->cfd = fd;
		s->st.clients++;
		send_hello(s, fd, 0);
	}
}

/* Context @p ctx's doorbell page file (dbpage.h), made on first use and
 * kept for the life of the NIC process. */
static int db_page(struct nicsrv *s, uint64_t ctx, int *reply_fd)
{
	if (ctx >= TOFFEE_MAX_CTX)
		return -EINVAL;
	if (s->dbfd[ctx] < 0) {
		int fd = dbpage_create(s->regs, (uint32_t)ctx);
		if (fd < 0)
			return fd;
		s->dbfd[ctx] = fd;
	}
	*reply_fd = s->dbfd[ctx];
	return 0;
}

/* Serve one request. Takes ownership of the descriptors. Returns the status
 * to reply with, and in *reply_fd a descriptor to send with it (still ours). */
static int handle(struct nicsrv *s, const struct toffee_devmsg *m, int *fds, unsigned nfd,
		  struct toffee_devmsg *r, int *reply_fd)
{
	int rc;

	switch (m->type) {
	case TOFFEE_DEV_MAP:
		if (nfd != 1)
			return -EBADF;
		rc = region_map(s, m->a, m->b, fds[0]);
		return rc;                  /* the caller closes fds[0]: mmap keeps its own ref */
	case TOFFEE_DEV_UNMAP:
		return nfd ? -EINVAL : region_unmap(s, m->a);
	case TOFFEE_DEV_NOTIFY:
		if (nfd > 1)
			return -EINVAL;
		rc = notify_set(s, m->a, nfd ? fds[0] : -1);
		if (rc == 0 && nfd)
			fds[0] = -1;        /* kept */
		return rc;
	case TOFFEE_DEV_CAPTURE:
		if (nfd > 1)
			return -EINVAL;
		rc = nicsrv_capture(s, nfd ? fds[0] : -1);
		if (nfd)
			fds[0] = -1;        /* kept or closed by nicsrv_capture */
		return rc;
	case TOFFEE_DEV_STATS:
		if (nfd)
			return -EINVAL;
		r->a = s->st.rx_frames;
		r->b = s->st.tx_frames;
		snprintf(r->text, sizeof(r->text), "faults=%" PRIu64, s->st.dma_faults);
		return 0;
	case TOFFEE_DEV_SHUTDOWN:
		s->shutdown = true;
		return 0;
	case TOFFEE_DEV_DBPAGE:
		return nfd ? -EINVAL : db_page(s, m->a, reply_fd);
	default:
		return -EOPNOTSUPP;
	}
}

/* Receive and serve one message. Returns 1 if one was served, 0 if none is
 * queued, -1 if the client is gone (already detached). */
static int serve_one(struct nicsrv *s)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(NICSRV_MAX_FDS * sizeof(int))];
	} cm;
	struct toffee_devmsg m, r;
	uint8_t extra;
	struct iovec iov[2] = {
		{ .iov_base = &m, .iov_len = sizeof(m) },
		{ .iov_base = &extra, .iov_len = 1 },
	};
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	int fds[NICSRV_MAX_FDS], reply_fd = -1;
	unsigned nfd = 0;
	ssize_t n;
	int status, rc;

	memset(&m, 0, sizeof(m));
	do
		n = recvmsg(s->cfd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		detach(s, strerror(errno));
		return -1;
	}
	if (n == 0) {
		detach(s, "hang-up");
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned k = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfd < NICSRV_MAX_FDS)
				fds[nfd++] = fd;
			else
				close(fd);
		}
	}
	memset(&r, 0, sizeof(r));
	r.type = TOFFEE_DEV_REPLY;
	r.seq = m.seq;
	if (n != (ssize_t)sizeof(m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		s->st.proto_errors++;
		LOG(s, "malformed request (%zd bytes, flags 0x%x)", n, mh.msg_flags);
		status = -EINVAL;
	} else {
		status = handle(s, &m, fds, nfd, &r, &reply_fd);
		if (status && status != -ENOENT && status != -EEXIST)
			s->st.proto_errors++;
	}
	for (unsigned i = 0; i < nfd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	r.status = status;
	rc = send_msg(s->cfd, &r, status ? -1 : reply_fd);
	if (rc) {
		detach(s, "cannot send a reply");
		return -1;
	}
	return 1;
}

unsigned nicsrv_poll(struct nicsrv *s, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = s->lfd, .events = POLLIN },
		{ .fd = s->cfd, .events = POLLIN },
	};
	unsigned ev = 0;
	int n;

	n = poll(p, s->cfd >= 0 ? 2 : 1, timeout_ms);
	if (n > 0) {
		if (s->cfd >= 0 && p[1].revents) {
			for (unsigned i = 0; i < NICSRV_MSGS_PER_POLL; i++) {
				int rc = serve_one(s);

				if (rc <= 0)
					break;
				ev |= NICSRV_EV_WORK;
				if (s->shutdown)
					break;
			}
		}
		/* after the old client's hang-up was handled, so a new one
		 * starts from a reset device */
		if (p[0].revents & POLLIN) {
			accept_clients(s);
			ev |= NICSRV_EV_WORK;
		}
	}
	nicsrv_cap_flush(s);
	if (s->shutdown)
		ev |= NICSRV_EV_SHUTDOWN;
	return ev;
}

/* ---- life cycle ------------------------------------------------------------ */

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* If @p path exists: refuse when a NIC listens there or it is not a socket,
 * else remove the stale socket. */
static int clear_stale(struct nicsrv *s, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		LOG(s, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		LOG(s, "%s: another NIC process is listening there", sa->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int make_bar(struct nicsrv *s)
{
	void *p;

	s->bar_fd = memfd_create("toffee-bar0", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->bar_fd < 0)
		return -errno;
	if (ftruncate(s->bar_fd, TOFFEE_REG_BAR_SIZE) < 0 ||
	    fcntl(s->bar_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	p = mmap(NULL, TOFFEE_REG_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s->bar_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->regs = p;
	return 0;
}

static int make_socket(struct nicsrv *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int rc;

	rc = mkdir_p(s->cfg.rundir);
	if (rc) {
		LOG(s, "cannot create run directory %s: %s", s->cfg.rundir, strerror(-rc));
		return rc;
	}
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nic.sock", s->cfg.rundir) >=
	    sizeof(sa.sun_path)) {
		LOG(s, "socket path %s/nic.sock is too long", s->cfg.rundir);
		return -ENAMETOOLONG;
	}
	rc = clear_stale(s, &sa);
	if (rc)
		return rc;
	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0)
		return -errno;
	old = umask(0177);
	rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		LOG(s, "bind %s: %s", sa.sun_path, strerror(errno));
		return rc;
	}
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	if (chmod(s->path, 0600) < 0 || lstat(s->path, &st) < 0 || listen(s->lfd, 8) < 0)
		return -errno;
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	return 0;
}

int nicsrv_create(const struct nicsrv_config *cfg, struct nicsrv **out)
{
	struct nicsrv *s;
	struct sigaction sa;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->rundir || !*cfg->rundir) {
		nicsrv_log(cfg, "nicsrv_create: no run directory");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "nic");
	s->cfg.name = s->name;
	s->bar_fd = s->lfd = s->cfd = s->cap_fd = -1;
	for (unsigned c = 0; c < TOFFEE_MAX_CTX; c++)
		s->evfd[c] = s->dbfd[c] = -1;
	s->sp_evfd = -1;
	/* A capture written to a pipe whose reader died must not kill the NIC. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	rc = make_bar(s);
	if (rc) {
		LOG(s, "cannot create BAR0: %s", strerror(-rc));
		goto fail;
	}
	rc = make_socket(s);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	nicsrv_destroy(s);
	return rc;
}

void nicsrv_destroy(struct nicsrv *s)
{
	struct stat st;

	if (!s)
		return;
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
	if (s->lfd >= 0) {
		/* unlink only our own socket (not a successor's) */
		if (s->path[0] && lstat(s->path, &st) == 0 &&
		    st.st_dev == s->sock_dev && st.st_ino == s->sock_ino)
			unlink(s->path);
		close(s->lfd);
	}
	nicsrv_cap_stop(s);
	free(s->cap_buf);
	for (unsigned r = 0; r < TOFFEE_MAX_REGIONS; r++)
		if (s->reg[r].size)
			region_unmap(s, r);
	for (unsigned c = 0; c < TOFFEE_MAX_CTX; c++) {
		if (s->evfd[c] >= 0)
			close(s->evfd[c]);
		if (s->dbfd[c] >= 0)
			close(s->dbfd[c]);
	}
	if (s->sp_evfd >= 0)
		close(s->sp_evfd);
	if (s->regs)
		munmap((void *)s->regs, TOFFEE_REG_BAR_SIZE);
	if (s->bar_fd >= 0)
		close(s->bar_fd);
	free(s);
}

volatile uint32_t *nicsrv_regs(struct nicsrv *s)
{
	return s->regs;
}

void nicsrv_fds(const struct nicsrv *s, int fds[2])
{
	fds[0] = s->lfd;
	fds[1] = s->cfd;
}

bool nicsrv_shutdown_requested(const struct nicsrv *s)
{
	return s->shutdown;
}

bool nicsrv_connected(const struct nicsrv *s)
{
	return s->cfd >= 0;
}

void nicsrv_get_stats(const struct nicsrv *s, struct nicsrv_stats *st)
{
	*st = s->st;
}
