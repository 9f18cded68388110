/* SPDX-License-Identifier: MIT */
/* nicsrv internals shared by nicsrv.c (control socket, regions, life cycle)
 * and nicsrv_dma.c (DMA, notifications, wire hooks, capture). */
#ifndef TOFFEE_NICSRV_INT_H
#define TOFFEE_NICSRV_INT_H

#include <sys/types.h>
#include <sys/un.h>
#include "nicsrv.h"

#define NICSRV_MAX_FDS      4u       /* descriptors accepted with one message */
#define NICSRV_MSGS_PER_POLL 64u     /* bound on requests served per poll */
#define NICSRV_CAP_BUF      (256u << 10)
#define NICSRV_CAP_SNAPLEN  65535u

struct nicsrv {
	/* hot: DMA translation, wire hooks */
	struct fp_host_region reg[TOFFEE_MAX_REGIONS];   /* size 0 = not mapped */
	struct nicsrv_stats st;
	int cap_fd;
	uint32_t cap_len;        /* bytes buffered */
	uint32_t cap_frames;     /* frames buffered */
	uint8_t *cap_buf;
	int evfd[TOFFEE_MAX_CTX];
	int dbfd[TOFFEE_MAX_CTX];  /* doorbell page files (dbpage.h), -1 = none yet */
	int sp_evfd;             /* NOTIFY TOFFEE_DEV_CTX_SP: EXC/FB posted */
	uint32_t sp_exc_tail, sp_fb_tail;
	/* configuration */
	struct nicsrv_config cfg;
	char name[32];
	/* BAR0 */
	volatile uint32_t *regs;
	int bar_fd;
	/* control socket */
	int lfd, cfd;
	bool shutdown;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t sock_dev;
	ino_t sock_ino;
};

#define SPQ_TAIL(q) ((TOFFEE_REG_SPQ_BASE + (q) * TOFFEE_REG_SPQ_STRIDE + TOFFEE_Q_TAIL) / 4)

void nicsrv_log(const struct nicsrv_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define LOG(s, ...) nicsrv_log(&(s)->cfg, __VA_ARGS__)

/* Capture (nicsrv_dma.c): write out the buffer; stop (flush and close). */
void nicsrv_cap_flush(struct nicsrv *s);
void nicsrv_cap_stop(struct nicsrv *s);

#endif /* TOFFEE_NICSRV_INT_H */
