/* SPDX-License-Identifier: MIT */
/* nicsrv, the per-frame side: IOVA translation and DMA, notifications, the
 * fp_platform trampolines, wire counters and the pcap capture. Everything
 * here runs on the NIC's main loop; see nicsrv.h. */
#include "nicsrv_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- DMA ------------------------------------------------------------------- */

static inline void *xlate(const struct nicsrv *s, uint64_t iova, uint64_t len)
{
	uint32_t r = TOFFEE_IOVA_REGION(iova), off = TOFFEE_IOVA_OFFSET(iova);

	if (r >= TOFFEE_MAX_REGIONS)
		return NULL;
	const struct fp_host_region *g = &s->reg[r];
	/* size 0 (unmapped) fails the bound; byte 0 of a region is never valid */
	if (off == 0 || len > g->size || off > g->size - len)
		return NULL;
	return g->base + off;
}

void *nicsrv_translate(const struct nicsrv *s, uint64_t iova, uint64_t len)
{
	return len ? xlate(s, iova, len) : NULL;
}

/* Count a refused access; log the 1st, 2nd, 4th, 8th, ... */
static void __attribute__((noinline, cold))
dma_fault(struct nicsrv *s, const char *what, uint64_t iova, uint32_t len)
{
	uint64_t n = ++s->st.dma_faults;
	uint32_t r = TOFFEE_IOVA_REGION(iova);

	if (n & (n - 1))
		return;
	if (r >= TOFFEE_MAX_REGIONS || !s->reg[r].size)
		LOG(s, "DMA %s refused (fault #%" PRIu64 "): iova 0x%" PRIx64 " len %u: region %u not mapped",
		    what, n, iova, len, r);
	else
		LOG(s, "DMA %s refused (fault #%" PRIu64 "): iova 0x%" PRIx64 " len %u: outside region %u (size %" PRIu64 ")",
		    what, n, iova, len, r, s->reg[r].size);
}

void nicsrv_dma_read(struct nicsrv *s, uint64_t iova, void *dst, uint32_t len)
{
	const void *p;

	if (!len)
		return;
	p = xlate(s, iova, len);
	if (__builtin_expect(!p, 0)) {
		memset(dst, 0, len);
		dma_fault(s, "read", iova, len);
		return;
	}
	/* Order this read after the index register the caller read before it
	 * (free on x86; needed on Arm SoC NICs). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(dst, p, len);
}

void nicsrv_dma_write(struct nicsrv *s, uint64_t iova, const void *src, uint32_t len)
{
	void *p;

	if (!len)
		return;
	p = xlate(s, iova, len);
	if (__builtin_expect(!p, 0)) {
		dma_fault(s, "write", iova, len);
		return;
	}
	memcpy(p, src, len);
}

void nicsrv_dma_write_entry(struct nicsrv *s, uint64_t iova, const void *src, uint32_t len)
{
	uint8_t *p;

	if (!len)
		return;
	p = xlate(s, iova, len);
	if (__builtin_expect(!p, 0)) {
		dma_fault(s, "entry write", iova, len);
		return;
	}
	memcpy(p, src, len - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(p + len - 1, ((const uint8_t *)src)[len - 1], __ATOMIC_RELAXED);
}

void nicsrv_notify(struct nicsrv *s, uint32_t ctx)
{
	static const uint64_t one = 1;

	if (ctx >= TOFFEE_MAX_CTX || s->evfd[ctx] < 0)
		return;
	if (write(s->evfd[ctx], &one, sizeof(one)) == (ssize_t)sizeof(one))
		s->st.notifies++;
}

/* The slow path's eventfd: see nicsrv.h. */
void nicsrv_sp_notify_check(struct nicsrv *s)
{
	static const uint64_t one = 1;
	uint32_t exc, fb;

	if (s->sp_evfd < 0)
		return;
	exc = s->regs[SPQ_TAIL(TOFFEE_SPQ_EXC)];
	fb = s->regs[SPQ_TAIL(TOFFEE_SPQ_FB)];
	if (exc == s->sp_exc_tail && fb == s->sp_fb_tail)
		return;
	s->sp_exc_tail = exc;
	s->sp_fb_tail = fb;
	if (write(s->sp_evfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		s->st.notifies++;
}

/* fp_platform trampolines: priv is the nicsrv. */
static int plat_tx(void *priv, const uint8_t *frame, uint32_t len)
{
	struct nicsrv *s = priv;
	int rc;

	if (!s->cfg.tx)
		return -EBUSY;
	rc = s->cfg.tx(s->cfg.tx_arg, frame, len);
	if (rc == 0)
		nicsrv_wire_tx(s, frame, len);
	return rc;
}
static void plat_dma_read(void *priv, uint64_t iova, void *dst, uint32_t len)
{
	nicsrv_dma_read(priv, iova, dst, len);
}
static void plat_dma_write(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	nicsrv_dma_write(priv, iova, src, len);
}
static void plat_dma_write_entry(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	nicsrv_dma_write_entry(priv, iova, src, len);
}
static void plat_notify(void *priv, uint32_t ctx)
{
	nicsrv_notify(priv, ctx);
}

void nicsrv_platform(struct nicsrv *s, struct fp_platform *plat)
{
	*plat = (struct fp_platform){
		.priv = s, .tx = plat_tx, .dma_read = plat_dma_read,
		.dma_write = plat_dma_write, .dma_write_entry = plat_dma_write_entry,
		.notify = plat_notify,
		/* the core moves payload itself: the same checks as xlate() */
		.host_map = s->reg, .host_regions = TOFFEE_MAX_REGIONS,
	};
}

/* ---- capture (pcap, DLT_EN10MB, microsecond timestamps) --------------------- */

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t  thiszone;
	uint32_t sigfigs, snaplen, linktype;
};
struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void nicsrv_cap_flush(struct nicsrv *s)
{
	int rc;

	if (s->cap_fd < 0 || !s->cap_len)
		return;
	rc = write_all(s->cap_fd, s->cap_buf, s->cap_len);
	if (rc) {
		s->st.capture_drops += s->cap_frames;
		LOG(s, "capture: write failed (%s): %u frames lost, capture stopped",
		    strerror(-rc), s->cap_frames);
		s->cap_len = s->cap_frames = 0;
		nicsrv_cap_stop(s);
		return;
	}
	s->cap_len = s->cap_frames = 0;
}

void nicsrv_cap_stop(struct nicsrv *s)
{
	if (s->cap_fd < 0)
		return;
	nicsrv_cap_flush(s);
	if (s->cap_fd >= 0) {
		close(s->cap_fd);
		s->cap_fd = -1;
	}
}

static void cap_frame(struct nicsrv *s, const uint8_t *frame, uint32_t len)
{
	struct timespec ts;
	struct pcap_rec_hdr h;
	uint32_t incl = len < NICSRV_CAP_SNAPLEN ? len : NICSRV_CAP_SNAPLEN;

	if (s->cap_len + sizeof(h) + incl > NICSRV_CAP_BUF) {
		nicsrv_cap_flush(s);
		if (s->cap_fd < 0 || sizeof(h) + incl > NICSRV_CAP_BUF) {
			s->st.capture_drops++;
			return;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts_sec = (uint32_t)ts.tv_sec;
	h.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	h.incl_len = incl;
	h.orig_len = len;
	memcpy(s->cap_buf + s->cap_len, &h, sizeof(h));
	memcpy(s->cap_buf + s->cap_len + sizeof(h), frame, incl);
	s->cap_len += (uint32_t)sizeof(h) + incl;
	s->cap_frames++;
}

int nicsrv_capture(struct nicsrv *s, int fd)
{
	static const struct pcap_file_hdr fh = {
		.magic = 0xa1b2c3d4u, .major = 2, .minor = 4,
		.snaplen = NICSRV_CAP_SNAPLEN, .linktype = 1 /* DLT_EN10MB */,
	};
	int fl, rc;

	nicsrv_cap_stop(s);
	if (fd < 0)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || ((fl & O_ACCMODE) != O_WRONLY && (fl & O_ACCMODE) != O_RDWR)) {
		close(fd);
		return -EBADF;
	}
	if (!s->cap_buf) {
		s->cap_buf = malloc(NICSRV_CAP_BUF);
		if (!s->cap_buf) {
			close(fd);
			return -ENOMEM;
		}
	}
	rc = write_all(fd, &fh, sizeof(fh));
	if (rc) {
		close(fd);
		return rc;
	}
	s->cap_fd = fd;
	s->cap_len = s->cap_frames = 0;
	return 0;
}

void nicsrv_wire_rx(struct nicsrv *s, const uint8_t *frame, uint32_t len)
{
	s->st.rx_frames++;
	if (__builtin_expect(s->cap_fd >= 0, 0))
		cap_frame(s, frame, len);
}

void nicsrv_wire_tx(struct nicsrv *s, const uint8_t *frame, uint32_t len)
{
	s->st.tx_frames++;
	if (__builtin_expect(s->cap_fd >= 0, 0))
		cap_frame(s, frame, len);
}
