/* SPDX-License-Identifier: MIT */
/* Unit tests of host/dev/nicsrv: BAR and socket creation, HELLO, region
 * table (IOVA translation and bounds), MAP/UNMAP, NOTIFY, CAPTURE (read back
 * with libpcap), STATS, SHUTDOWN, detach/reset, and the fp_platform on top
 * of it driving the real fast path. The "toffeed" is a client socket in the
 * same process; nicsrv_poll() is called between its requests and replies. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicsrv.h"
#include "toffee/fdpass.h"

/* ---- fixture -------------------------------------------------------------------- */

struct tx_rec {
	uint8_t frame[2048];
	uint32_t len;
};

struct fx {
	char dir[64];
	char path[96];
	struct nicsrv *s;
	int cl;                     /* client socket ("toffeed") */
	volatile uint32_t *bar;     /* client's mapping of BAR0 */
	uint32_t seq;
	unsigned resets;
	/* transmit callback */
	struct tx_rec tx[8];
	unsigned n_tx;
	int tx_rc;
};

static const uint8_t MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void fx_reset_cb(void *arg)
{
	struct fx *f = arg;

	f->resets++;
	/* what a NIC does: rewrite its identification block */
	nicsrv_regs(f->s)[TOFFEE_REG_ID / 4] = TOFFEE_ABI_ID;
}

static int fx_tx(void *arg, const uint8_t *frame, uint32_t len)
{
	struct fx *f = arg;

	if (f->tx_rc)
		return f->tx_rc;
	assert_true(f->n_tx < 8 && len <= 2048);
	memcpy(f->tx[f->n_tx].frame, frame, len);
	f->tx[f->n_tx++].len = len;
	return 0;
}

static void quiet_log(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static struct nicsrv_config fx_config(struct fx *f)
{
	struct nicsrv_config c = {
		.rundir = f->dir, .name = "test", .flow_cap = 1024,
		.tx = fx_tx, .tx_arg = f, .reset = fx_reset_cb, .reset_arg = f,
		.log = quiet_log,
	};

	memcpy(c.mac, MAC, 6);
	return c;
}

static int cl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Receive one message and its descriptor (or -1). Returns bytes received. */
static ssize_t cl_recv(int fd, struct toffee_devmsg *m, int *rfd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	ssize_t n;

	memset(m, 0, sizeof(*m));
	*rfd = -1;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(rfd, CMSG_DATA(c), sizeof(int));
	return n;
}

static void cl_send_raw(int fd, const void *buf, size_t len, int pass_fd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	toffee_fdpass_attach(&mh, &cm, &pass_fd, pass_fd >= 0);
	assert_int_equal(sendmsg(fd, &mh, 0), (ssize_t)len);
}

/* One request/reply round trip; returns the reply status. */
static int req(struct fx *f, uint32_t type, uint64_t a, uint64_t b, int pass_fd,
	       struct toffee_devmsg *reply)
{
	struct toffee_devmsg m = { .type = type, .seq = ++f->seq, .a = a, .b = b }, r;
	int rfd;

	cl_send_raw(f->cl, &m, sizeof(m), pass_fd);
	assert_true(nicsrv_poll(f->s, 0) & NICSRV_EV_WORK);
	assert_int_equal(cl_recv(f->cl, &r, &rfd), (ssize_t)sizeof(r));
	assert_int_equal(rfd, -1);
	assert_int_equal(r.type, TOFFEE_DEV_REPLY);
	assert_int_equal(r.seq, m.seq);
	if (reply)
		*reply = r;
	return r.status;
}

/* Connect and take the HELLO; maps the BAR. */
static void fx_attach(struct fx *f)
{
	struct toffee_devmsg h;
	int bfd;
	struct stat st;
	void *p;

	f->cl = cl_connect(f->path);
	nicsrv_poll(f->s, 0);
	assert_int_equal(cl_recv(f->cl, &h, &bfd), (ssize_t)sizeof(h));
	assert_int_equal(h.type, TOFFEE_DEV_HELLO);
	assert_int_equal(h.status, 0);
	assert_true(bfd >= 0);
	assert_int_equal(fstat(bfd, &st), 0);
	assert_int_equal(st.st_size, TOFFEE_REG_BAR_SIZE);
	p = mmap(NULL, TOFFEE_REG_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	assert_true(p != MAP_FAILED);
	close(bfd);
	f->bar = p;
	assert_true(nicsrv_connected(f->s));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct nicsrv_config c;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_nicsrv.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/nic.sock", f->dir);
	f->cl = -1;
	c = fx_config(f);
	assert_int_equal(nicsrv_create(&c, &f->s), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->bar)
		munmap((void *)f->bar, TOFFEE_REG_BAR_SIZE);
	if (f->cl >= 0)
		close(f->cl);
	nicsrv_destroy(f->s);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A sealable memfd of @p size bytes, mapped at *map (may be NULL). */
static int region_fd(size_t size, unsigned flags, uint8_t **map)
{
	int fd = memfd_create("region", MFD_CLOEXEC | flags);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (map) {
		*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(*map != MAP_FAILED);
	}
	return fd;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_create(void **state)
{
	struct fx *f = *state;
	struct nicsrv_config c = fx_config(f);
	struct nicsrv *s2;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	for (uint32_t i = 0; i < TOFFEE_REG_BAR_SIZE / 4; i += 997)
		assert_int_equal(nicsrv_regs(f->s)[i], 0);
	/* a second NIC on the same run directory is refused */
	assert_int_equal(nicsrv_create(&c, &s2), -EADDRINUSE);
	assert_null(s2);
	/* bad configuration */
	c.rundir = NULL;
	assert_int_equal(nicsrv_create(&c, &s2), -EINVAL);
	/* a stale socket (nobody listening) is replaced */
	nicsrv_destroy(f->s);
	f->s = NULL;
	assert_int_equal(stat(f->path, &st), -1);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);                  /* leaves the socket file behind */
	}
	c = fx_config(f);
	assert_int_equal(nicsrv_create(&c, &f->s), 0);
	assert_int_equal(stat(f->path, &st), 0);
}

static void test_hello(void **state)
{
	struct fx *f = *state;
	struct toffee_devmsg h;
	int fd, bfd;

	fx_attach(f);
	/* BAR is shared both ways */
	nicsrv_regs(f->s)[TOFFEE_REG_FLOW_CAP / 4] = 1024;
	assert_int_equal(f->bar[TOFFEE_REG_FLOW_CAP / 4], 1024);
	f->bar[TOFFEE_REG_CTRL / 4] = TOFFEE_CTRL_ENABLE;
	assert_int_equal(nicsrv_regs(f->s)[TOFFEE_REG_CTRL / 4], TOFFEE_CTRL_ENABLE);
	/* a second client gets -EBUSY and no BAR */
	fd = cl_connect(f->path);
	nicsrv_poll(f->s, 0);
	assert_int_equal(cl_recv(fd, &h, &bfd), (ssize_t)sizeof(h));
	assert_int_equal(h.type, TOFFEE_DEV_HELLO);
	assert_int_equal(h.status, -EBUSY);
	assert_int_equal(bfd, -1);
	assert_int_equal(cl_recv(fd, &h, &bfd), 0);   /* closed */
	close(fd);
	assert_true(nicsrv_connected(f->s));
}

static void test_hello_fields(void **state)
{
	struct fx *f = *state;
	struct toffee_devmsg h;
	int bfd;

	f->cl = cl_connect(f->path);
	nicsrv_poll(f->s, 0);
	assert_int_equal(cl_recv(f->cl, &h, &bfd), (ssize_t)sizeof(h));
	assert_int_equal(h.a, 1024);
	assert_int_equal(h.b, 0x554433221102ull);   /* byte 0 in bits 7:0 */
	assert_string_equal(h.text, "test");
	/* the BAR cannot be shrunk by its users */
	assert_int_not_equal(ftruncate(bfd, 4096), 0);
	close(bfd);
}

static void test_map_translate(void **state)
{
	struct fx *f = *state;
	const size_t size = 64 << 10;
	uint8_t *map, buf[64];
	int fd;
	struct nicsrv_stats st;

	fx_attach(f);
	fd = region_fd(size, MFD_ALLOW_SEALING, &map);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 3, size, fd, NULL), 0);
	/* the NIC sealed it against shrinking */
	assert_int_not_equal(ftruncate(fd, 4096), 0);
	assert_true(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);

	/* translation: inside, edges, outside */
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 0), 1));        /* byte 0 */
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 0), 16));
	assert_non_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 1), 1));
	assert_non_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, size - 16), 16));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, size - 16), 17));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, size), 1));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 0xfffffff0u), 32)); /* no wrap */
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 64), 1ull << 40));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 64), 0));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(2, 64), 1));       /* unmapped */
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(TOFFEE_MAX_REGIONS, 64), 1));
	assert_null(nicsrv_translate(f->s, ~0ull, 1));
	assert_ptr_equal(nicsrv_translate(f->s, TOFFEE_IOVA(3, 4096), 8),
			 nicsrv_translate(f->s, TOFFEE_IOVA(3, 4000), 8) + 96);

	/* DMA lands in the shared file */
	nicsrv_dma_write(f->s, TOFFEE_IOVA(3, 4096), "hello", 5);
	assert_memory_equal(map + 4096, "hello", 5);
	memcpy(map + 8192, "world", 5);
	nicsrv_dma_read(f->s, TOFFEE_IOVA(3, 8192), buf, 5);
	assert_memory_equal(buf, "world", 5);
	/* refused accesses: reads give zeroes, writes are dropped, both counted */
	memset(buf, 0xaa, sizeof(buf));
	nicsrv_dma_read(f->s, TOFFEE_IOVA(3, size - 8), buf, 16);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[16], 0xaa);
	memset(buf, 0x55, sizeof(buf));
	nicsrv_dma_write(f->s, TOFFEE_IOVA(3, size - 8), buf, 16);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(map[size - 8 + i], 0);
	nicsrv_dma_write_entry(f->s, TOFFEE_IOVA(5, 64), buf, 16);
	nicsrv_dma_read(f->s, 0, buf, 4);
	nicsrv_get_stats(f->s, &st);
	assert_int_equal(st.dma_faults, 4);
	/* entry write: all bytes arrive, phase last */
	{
		struct toffee_sp_exc e = { .flow_id = 7, .frame_len = 60, .reason = 1, .phase = 1 };

		nicsrv_dma_write_entry(f->s, TOFFEE_IOVA(3, 256), &e, sizeof(e));
		assert_memory_equal(map + 256, &e, sizeof(e));
	}

	/* MAP errors */
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 3, size, fd, NULL), -EEXIST);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 4, size, -1, NULL), -EBADF);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 4, size + 1, fd, NULL), -EINVAL);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 4, 0, fd, NULL), -EINVAL);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, TOFFEE_MAX_REGIONS, size, fd, NULL), -EINVAL);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 4, (1ull << 32) + 4096, fd, NULL), -EINVAL);
	{
		int nofd = region_fd(4096, 0, NULL);            /* not sealable */

		assert_int_equal(req(f, TOFFEE_DEV_MAP, 4, 4096, nofd, NULL), -EPERM);
		close(nofd);
	}
	/* a second region, then unmap the first */
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 0, 8192, fd, NULL), 0);
	assert_non_null(nicsrv_translate(f->s, TOFFEE_IOVA(0, 4096), 4096));
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(0, 4096), 4097));
	assert_int_equal(req(f, TOFFEE_DEV_UNMAP, 3, 0, -1, NULL), 0);
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(3, 4096), 8));
	nicsrv_dma_write(f->s, TOFFEE_IOVA(3, 4096), "XXXXX", 5);   /* dropped */
	assert_memory_equal(map + 4096, "hello", 5);
	assert_int_equal(req(f, TOFFEE_DEV_UNMAP, 3, 0, -1, NULL), -ENOENT);
	assert_int_equal(req(f, TOFFEE_DEV_UNMAP, TOFFEE_MAX_REGIONS + 5, 0, -1, NULL), -EINVAL);
	/* remap under the same id */
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 3, size, fd, NULL), 0);
	nicsrv_dma_read(f->s, TOFFEE_IOVA(3, 4096), buf, 5);
	assert_memory_equal(buf, "hello", 5);
	munmap(map, size);
	close(fd);
}

static void test_notify(void **state)
{
	struct fx *f = *state;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), pfd[2];
	uint64_t v = 0;
	struct nicsrv_stats st;

	fx_attach(f);
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, 5, 0, efd, NULL), 0);
	nicsrv_notify(f->s, 5);
	nicsrv_notify(f->s, 5);
	nicsrv_notify(f->s, 6);                      /* no eventfd: nothing */
	nicsrv_notify(f->s, TOFFEE_MAX_CTX + 1);     /* out of range: nothing */
	assert_int_equal(read(efd, &v, sizeof(v)), 8);
	assert_int_equal(v, 2);
	nicsrv_get_stats(f->s, &st);
	assert_int_equal(st.notifies, 2);
	/* only eventfds, only valid contexts */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, 6, 0, pfd[1], NULL), -EINVAL);
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, TOFFEE_MAX_CTX, 0, efd, NULL), -EINVAL);
	/* stop */
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, 5, 0, -1, NULL), 0);
	nicsrv_notify(f->s, 5);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	assert_int_equal(errno, EAGAIN);
	/* the slow path's eventfd: signalled when the EXC or FB tail moved */
	volatile uint32_t *regs = nicsrv_regs(f->s);
	const uint32_t exc_tail = TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_EXC * TOFFEE_REG_SPQ_STRIDE + TOFFEE_Q_TAIL;
	const uint32_t fb_tail = TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_FB * TOFFEE_REG_SPQ_STRIDE + TOFFEE_Q_TAIL;
	regs[exc_tail / 4] = 5;
	nicsrv_sp_notify_check(f->s);                /* no eventfd yet: nothing */
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, TOFFEE_DEV_CTX_SP, 0, efd, NULL), 0);
	nicsrv_sp_notify_check(f->s);                /* nothing moved since NOTIFY */
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	regs[exc_tail / 4] = 6;
	nicsrv_sp_notify_check(f->s);
	nicsrv_sp_notify_check(f->s);
	assert_int_equal(read(efd, &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
	regs[fb_tail / 4] = 1;
	nicsrv_sp_notify_check(f->s);
	assert_int_equal(read(efd, &v, sizeof(v)), 8);
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, TOFFEE_DEV_CTX_SP, 0, -1, NULL), 0);
	regs[fb_tail / 4] = 2;
	nicsrv_sp_notify_check(f->s);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	close(pfd[0]);
	close(pfd[1]);
	close(efd);
}

/* DBPAGE: a context's doorbell page as a one-page file the NIC shares. */
static int db_page_req(struct fx *f, uint64_t ctx, int *rfd)
{
	struct toffee_devmsg m = { .type = TOFFEE_DEV_DBPAGE, .seq = ++f->seq, .a = ctx }, r;

	cl_send_raw(f->cl, &m, sizeof(m), -1);
	assert_true(nicsrv_poll(f->s, 0) & NICSRV_EV_WORK);
	assert_int_equal(cl_recv(f->cl, &r, rfd), (ssize_t)sizeof(r));
	assert_int_equal(r.seq, m.seq);
	return r.status;
}

static void test_db_page(void **state)
{
	struct fx *f = *state;
	volatile uint32_t *regs = nicsrv_regs(f->s);
	const uint32_t db7 = TOFFEE_REG_DB_BASE + 7 * TOFFEE_REG_DB_STRIDE;
	struct stat st;
	int fd, fd2;

	fx_attach(f);
	regs[(db7 + TOFFEE_DB_ARM) / 4] = 0x5a;      /* kept when the file is made */
	assert_int_equal(db_page_req(f, 7, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 4096);
	assert_int_equal(ftruncate(fd, 8192), -1);    /* sealed: it cannot grow */
	assert_int_equal(fcntl(fd, F_GET_SEALS) & (F_SEAL_GROW | F_SEAL_SEAL), F_SEAL_GROW | F_SEAL_SEAL);
	volatile uint32_t *pg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(pg != MAP_FAILED);
	assert_int_equal(pg[TOFFEE_DB_ARM / 4], 0x5a);
	pg[TOFFEE_DB_CMD_TAIL / 4] = 42;              /* the app writes, the NIC sees */
	assert_int_equal(regs[(db7 + TOFFEE_DB_CMD_TAIL) / 4], 42);
	regs[(db7 + TOFFEE_DB_CMD_HEAD) / 4] = 41;    /* and the other way */
	assert_int_equal(pg[TOFFEE_DB_CMD_HEAD / 4], 41);
	/* The same file again; a neighbour's page is not in it. */
	assert_int_equal(db_page_req(f, 7, &fd2), 0);
	assert_true(fd2 >= 0);
	volatile uint32_t *pg2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 0);
	assert_true(pg2 != MAP_FAILED);
	assert_int_equal(pg2[TOFFEE_DB_CMD_TAIL / 4], 42);
	regs[(db7 + TOFFEE_REG_DB_STRIDE + TOFFEE_DB_CMD_TAIL) / 4] = 99;
	assert_int_equal(pg[TOFFEE_DB_CMD_TAIL / 4], 42);
	munmap((void *)pg, 4096);
	munmap((void *)pg2, 4096);
	close(fd);
	close(fd2);
	assert_int_equal(db_page_req(f, TOFFEE_MAX_CTX, &fd), -EINVAL);
	assert_int_equal(fd, -1);
}

static void test_capture(void **state)
{
	struct fx *f = *state;
	char path[160], err[PCAP_ERRBUF_SIZE];
	uint8_t frame[1514];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct timeval prev = { 0, 0 };
	pcap_t *p;
	int fd, n = 0;

	fx_attach(f);
	snprintf(path, sizeof(path), "%s/cap.pcap", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(req(f, TOFFEE_DEV_CAPTURE, 0, 0, fd, NULL), 0);
	close(fd);
	for (unsigned i = 0; i < 300; i++) {        /* more than one buffer's worth */
		uint32_t len = 60 + (i * 37) % 1454;

		memset(frame, (int)i, len);
		if (i & 1)
			nicsrv_wire_tx(f->s, frame, len);
		else
			nicsrv_wire_rx(f->s, frame, len);
	}
	assert_int_equal(req(f, TOFFEE_DEV_CAPTURE, 0, 0, -1, NULL), 0);   /* stop: flushed */
	nicsrv_wire_rx(f->s, frame, 60);                                      /* not captured */

	p = pcap_open_offline(path, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint32_t len = 60 + ((uint32_t)n * 37) % 1454;

		assert_int_equal(h->caplen, len);
		assert_int_equal(h->len, len);
		assert_int_equal(data[0], (uint8_t)n);
		assert_int_equal(data[len - 1], (uint8_t)n);
		assert_true(h->ts.tv_sec > 1600000000);
		assert_true(timercmp(&prev, &h->ts, <=));
		prev = h->ts;
		n++;
	}
	pcap_close(p);
	assert_int_equal(n, 300);
	/* a read-only descriptor is refused */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(req(f, TOFFEE_DEV_CAPTURE, 0, 0, fd, NULL), -EBADF);
	close(fd);
	unlink(path);
}

static void test_stats_errors_shutdown(void **state)
{
	struct fx *f = *state;
	struct toffee_devmsg r;
	uint8_t frame[60] = { 0 };
	int rfd;

	fx_attach(f);
	nicsrv_wire_rx(f->s, frame, 60);
	nicsrv_wire_rx(f->s, frame, 60);
	nicsrv_wire_tx(f->s, frame, 60);
	nicsrv_dma_read(f->s, 0, frame, 4);
	assert_int_equal(req(f, TOFFEE_DEV_STATS, 0, 0, -1, &r), 0);
	assert_int_equal(r.a, 2);
	assert_int_equal(r.b, 1);
	assert_string_equal(r.text, "faults=1");
	/* unknown type, message of the wrong size */
	assert_int_equal(req(f, 99, 0, 0, -1, NULL), -EOPNOTSUPP);
	assert_int_equal(req(f, TOFFEE_DEV_HELLO, 0, 0, -1, NULL), -EOPNOTSUPP);
	{
		struct toffee_devmsg m = { .type = TOFFEE_DEV_STATS, .seq = 77 };

		cl_send_raw(f->cl, &m, 16, -1);
		nicsrv_poll(f->s, 0);
		assert_int_equal(cl_recv(f->cl, &r, &rfd), (ssize_t)sizeof(r));
		assert_int_equal(r.status, -EINVAL);
		assert_int_equal(r.seq, 77);
		uint8_t big[sizeof(m) + 8] = { 0 };
		cl_send_raw(f->cl, big, sizeof(big), -1);
		nicsrv_poll(f->s, 0);
		assert_int_equal(cl_recv(f->cl, &r, &rfd), (ssize_t)sizeof(r));
		assert_int_equal(r.status, -EINVAL);
	}
	assert_true(nicsrv_connected(f->s));
	/* SHUTDOWN: replied, then reported by poll */
	assert_false(nicsrv_shutdown_requested(f->s));
	{
		struct toffee_devmsg m = { .type = TOFFEE_DEV_SHUTDOWN, .seq = 9 };

		cl_send_raw(f->cl, &m, sizeof(m), -1);
		assert_true(nicsrv_poll(f->s, 0) & NICSRV_EV_SHUTDOWN);
		assert_int_equal(cl_recv(f->cl, &r, &rfd), (ssize_t)sizeof(r));
		assert_int_equal(r.type, TOFFEE_DEV_REPLY);
		assert_int_equal(r.seq, 9);
		assert_int_equal(r.status, 0);
	}
	assert_true(nicsrv_shutdown_requested(f->s));
}

static void test_detach_resets(void **state)
{
	struct fx *f = *state;
	int fd = region_fd(8192, MFD_ALLOW_SEALING, NULL), efd = eventfd(0, EFD_NONBLOCK);
	uint64_t v;

	fx_attach(f);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 1, 8192, fd, NULL), 0);
	assert_int_equal(req(f, TOFFEE_DEV_NOTIFY, 0, 0, efd, NULL), 0);
	f->bar[TOFFEE_REG_CTRL / 4] = TOFFEE_CTRL_ENABLE;
	f->bar[TOFFEE_REG_SPQ_BASE / 4] = 0x1234;
	close(f->cl);
	f->cl = -1;
	nicsrv_poll(f->s, 0);
	assert_false(nicsrv_connected(f->s));
	assert_int_equal(f->resets, 1);
	assert_null(nicsrv_translate(f->s, TOFFEE_IOVA(1, 64), 8));
	assert_int_equal(nicsrv_regs(f->s)[TOFFEE_REG_CTRL / 4], 0);
	assert_int_equal(nicsrv_regs(f->s)[TOFFEE_REG_SPQ_BASE / 4], 0);
	assert_int_equal(nicsrv_regs(f->s)[TOFFEE_REG_ID / 4], TOFFEE_ABI_ID);
	nicsrv_notify(f->s, 0);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	/* a new toffeed attaches to the reset device */
	munmap((void *)f->bar, TOFFEE_REG_BAR_SIZE);
	f->bar = NULL;
	fx_attach(f);
	assert_int_equal(f->bar[TOFFEE_REG_ID / 4], TOFFEE_ABI_ID);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 1, 8192, fd, NULL), 0);
	close(fd);
	close(efd);
}

/* The fp_platform from nicsrv_platform() driving the real fast path: a raw
 * frame posted on the RAW ring goes out through the tx callback (and the
 * capture), an ARP frame received becomes a NOT_IPV4 exception in host
 * memory. */
static void wr(volatile uint32_t *bar, uint32_t off, uint32_t v)
{
	bar[off / 4] = v;
}

static void test_fp_platform(void **state)
{
	struct fx *f = *state;
	const size_t size = 1 << 20;
	const uint32_t log2 = 4;
	struct fp_platform plat;
	uint8_t *mem;
	void *fpmem = NULL;
	struct fp *fp;
	size_t fplen = (fp_mem_size(1024) + 63) & ~(size_t)63;
	int fd;
	/* region 0 layout: rings, then frame slots */
	const uint32_t exc = 0x1000, raw = 0x1100, cmd = 0x1200, fb = 0x1400;
	const uint32_t exc_buf = 0x2000, raw_buf = exc_buf + (TOFFEE_FRAME_SLOT << 4);

	nicsrv_platform(f->s, &plat);
	assert_ptr_equal(plat.priv, f->s);
	assert_int_equal(posix_memalign(&fpmem, 64, fplen), 0);
	fp = fp_init(fpmem, fplen, 1024, &plat, nicsrv_regs(f->s));
	assert_non_null(fp);
	fx_attach(f);
	assert_int_equal(f->bar[TOFFEE_REG_ID / 4], TOFFEE_ABI_ID);
	fd = region_fd(size, MFD_ALLOW_SEALING, &mem);
	assert_int_equal(req(f, TOFFEE_DEV_MAP, 0, size, fd, NULL), 0);
	close(fd);

	const uint32_t base[4] = { exc, raw, cmd, fb }, bufs[4] = { exc_buf, raw_buf, 0, 0 };
	for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++) {
		uint32_t b = TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE;

		wr(f->bar, b + TOFFEE_Q_BASE_LO, base[q]);
		wr(f->bar, b + TOFFEE_Q_BASE_HI, 0);
		wr(f->bar, b + TOFFEE_Q_BUF_LO, bufs[q]);
		wr(f->bar, b + TOFFEE_Q_BUF_HI, 0);
		wr(f->bar, b + TOFFEE_Q_LOG2, log2);
	}
	wr(f->bar, TOFFEE_REG_MAC_LO, 0x33221102);
	wr(f->bar, TOFFEE_REG_MAC_HI, 0x5544);
	wr(f->bar, TOFFEE_REG_CTRL, TOFFEE_CTRL_ENABLE);

	/* raw frame out */
	uint8_t frame[64];
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 3);
	memcpy(mem + raw_buf, frame, sizeof(frame));
	struct toffee_sp_raw r = { .frame_len = sizeof(frame), .phase = toffee_phase(0, log2) };
	memcpy(mem + raw, &r, sizeof(r));
	wr(f->bar, TOFFEE_REG_SPQ_BASE + TOFFEE_SPQ_RAW * TOFFEE_REG_SPQ_STRIDE + TOFFEE_Q_TAIL, 1);
	/* a busy MAC first: the entry stays queued */
	f->tx_rc = -EBUSY;
	fp_poll(fp, 1000, 8);
	assert_int_equal(f->n_tx, 0);
	f->tx_rc = 0;
	fp_poll(fp, 2000, 8);
	assert_int_equal(f->n_tx, 1);
	assert_int_equal(f->tx[0].len, sizeof(frame));
	assert_memory_equal(f->tx[0].frame, frame, sizeof(frame));

	/* ARP request in -> exception */
	uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 9, 0x08, 0x06 };
	nicsrv_wire_rx(f->s, arp, sizeof(arp));
	fp_rx(fp, arp, sizeof(arp), 3000);
	struct toffee_sp_exc e;
	memcpy(&e, mem + exc, sizeof(e));
	assert_int_equal(e.phase, 1);
	assert_int_equal(e.reason, TOFFEE_EXC_NOT_IPV4);
	assert_int_equal(e.frame_len, sizeof(arp));
	assert_int_equal(e.flow_id, TOFFEE_FLOW_NONE);
	assert_memory_equal(mem + exc_buf, arp, sizeof(arp));
	assert_int_equal(f->bar[(TOFFEE_REG_SPQ_BASE + TOFFEE_Q_TAIL) / 4], 1);

	struct nicsrv_stats st;
	nicsrv_get_stats(f->s, &st);
	assert_int_equal(st.tx_frames, 1);
	assert_int_equal(st.rx_frames, 1);
	assert_int_equal(st.dma_faults, 0);

	/* a ring pointing outside the region: refused, counted, no crash */
	wr(f->bar, TOFFEE_REG_SPQ_BASE + TOFFEE_Q_BASE_LO, (uint32_t)(size - 8));
	fp_rx(fp, arp, sizeof(arp), 4000);
	nicsrv_get_stats(f->s, &st);
	assert_true(st.dma_faults >= 1);
	munmap(mem, size);
	free(fpmem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_translate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_errors_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp_platform, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
