/* SPDX-License-Identifier: MIT */
/* Fake context for the unit tests (see tl_fake.h), and the stand-in for the
 * interposer's table of libc functions (the unit tests do not link
 * preload.c: the sockets layer reaches libc through ts_real). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include "ts_internal.h"
#include "tl_fake.h"

struct ts_real ts_real = {
	.socket = socket, .bind = bind, .listen = listen, .accept = accept, .accept4 = accept4,
	.connect = connect, .read = read, .write = write, .readv = readv, .writev = writev,
	.recv = recv, .send = send, .recvfrom = recvfrom, .sendto = sendto,
	.recvmsg = recvmsg, .sendmsg = sendmsg, .sendfile = sendfile, .preadv = preadv,
	.close = close, .shutdown = shutdown, .fcntl = fcntl,
	.ioctl = (int (*)(int, unsigned long, ...))ioctl, .setsockopt = setsockopt,
	.getsockopt = getsockopt, .getsockname = getsockname, .getpeername = getpeername,
	.poll = poll, .ppoll = ppoll, .select = select, .pselect = pselect,
	.epoll_create = epoll_create, .epoll_create1 = epoll_create1, .epoll_ctl = epoll_ctl,
	.epoll_wait = epoll_wait, .epoll_pwait = epoll_pwait, .dup = dup, .dup2 = dup2, .dup3 = dup3,
};

void ts_real_init(void)
{
}

#define TL_REGION (8u << 20)

int tl_fake_init(struct tl_fake *f, uint32_t ev_log2, uint32_t cmd_log2)
{
	memset(f, 0, sizeof(*f));
	f->region_size = TL_REGION;
	f->region = mmap(NULL, TL_REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->db = calloc(1024, sizeof(uint32_t));
	if (f->region == MAP_FAILED || !f->db)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sp) < 0)
		return -errno;
	f->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->ev_log2 = ev_log2;
	f->cmd_log2 = cmd_log2;
	f->ev_off = 0;
	f->cmd_off = 16u << ev_log2;
	f->bump = ((uint64_t)f->cmd_off + (16u << cmd_log2) + 4095) & ~4095ull;
	struct tf_ctx_layout lay = {
		.region = f->region, .region_size = f->region_size, .ctx_id = 3,
		.ev_off = f->ev_off, .cmd_off = f->cmd_off,
		.ev_log2 = (uint8_t)ev_log2, .cmd_log2 = (uint8_t)cmd_log2,
		.db = f->db, .cmd_nic_head = &f->nic_cmd_head,
		.ctl_fd = f->sp[0], .ev_fd = f->evfd,
	};
	return tf_ctx_attach(&f->ctx, &lay);
}

void tl_fake_fini(struct tl_fake *f)
{
	if (f->ctx)
		toffee_ctx_close(f->ctx);     /* closes sp[0] and evfd */
	else {
		close(f->sp[0]);
		close(f->evfd);
	}
	if (f->sp[1] >= 0)
		close(f->sp[1]);
	munmap(f->region, f->region_size);
	free(f->db);
	f->ctx = NULL;
}

bool tl_nic_ev(struct tl_fake *f, uint32_t flow, uint32_t rx, uint32_t tx, uint8_t flags)
{
	uint32_t head = __atomic_load_n(&f->db[TOFFEE_DB_EV_HEAD / 4], __ATOMIC_ACQUIRE);
	if (f->ev_tail - head >= (1u << f->ev_log2))
		return false;
	struct toffee_ctx_ev *e = (struct toffee_ctx_ev *)(f->region + f->ev_off) +
				  (f->ev_tail & ((1u << f->ev_log2) - 1));
	e->flow_id = flow;
	e->rx_bytes = rx;
	e->tx_freed = tx;
	e->flags = flags;
	__atomic_store_n(&e->phase, toffee_phase(f->ev_tail, f->ev_log2), __ATOMIC_RELEASE);
	f->ev_tail++;
	return true;
}

int tl_nic_cmd(struct tl_fake *f, struct toffee_ctx_cmd *c)
{
	uint32_t tail = __atomic_load_n(&f->db[TOFFEE_DB_CMD_TAIL / 4], __ATOMIC_ACQUIRE);
	if (tail == f->nic_cmd_head)
		return 0;
	struct toffee_ctx_cmd *e = (struct toffee_ctx_cmd *)(f->region + f->cmd_off) +
				   (f->nic_cmd_head & ((1u << f->cmd_log2) - 1));
	bool ok = e->phase == toffee_phase(f->nic_cmd_head, f->cmd_log2);
	*c = *e;
	__atomic_store_n(&f->nic_cmd_head, f->nic_cmd_head + 1, __ATOMIC_RELEASE);
	return ok ? 1 : -1;
}

void tl_sp_send(struct tl_fake *f, const struct toffee_appmsg *m)
{
	if (send(f->sp[1], m, sizeof(*m), MSG_NOSIGNAL) != (ssize_t)sizeof(*m))
		abort();
}

int tl_sp_recv(struct tl_fake *f, struct toffee_appmsg *m)
{
	for (;;) {
		ssize_t n = recv(f->sp[1], m, sizeof(*m), MSG_DONTWAIT);
		if (n != (ssize_t)sizeof(*m))
			return 0;
		if (m->type != TOFFEE_APP_ACCEPTING)
			return 1;
		f->accepting++;            /* a notice, no reply expected */
	}
}

struct toffee_app_flow tl_flow(struct tl_fake *f, uint32_t id, uint8_t rx_log2, uint8_t tx_log2,
			       uint32_t rx_seq, uint32_t tx_seq)
{
	struct toffee_app_flow a = {
		.flow_id = id, .local_ip = 0x0a000001, .remote_ip = 0x0a000002,
		.local_port = 80, .remote_port = (uint16_t)(40000 + id),
		.rx_log2 = rx_log2, .tx_log2 = tx_log2, .mss = 1460,
		.rx_seq = rx_seq, .tx_seq = tx_seq,
	};
	a.rx_off = (uint32_t)f->bump;
	f->bump += 1ull << rx_log2;
	a.tx_off = (uint32_t)f->bump;
	f->bump += 1ull << tx_log2;
	return a;
}

void tl_nic_deposit(struct tl_fake *f, const struct toffee_app_flow *af, uint32_t seq,
		    const void *data, uint32_t n)
{
	uint32_t mask = (1u << af->rx_log2) - 1;
	for (uint32_t i = 0; i < n; i++)
		f->region[af->rx_off + ((seq + i) & mask)] = ((const uint8_t *)data)[i];
}

void tl_nic_fetch(struct tl_fake *f, const struct toffee_app_flow *af, uint32_t seq,
		  void *out, uint32_t n)
{
	uint32_t mask = (1u << af->tx_log2) - 1;
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)out)[i] = f->region[af->tx_off + ((seq + i) & mask)];
}
