/* SPDX-License-Identifier: MIT */
/* Host-side harness around the fast path: see fphost.h. */
#include "fphost.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* IOVAs below this are never handed out, so a zero/garbage IOVA faults. */
#define FPHOST_MEM_FIRST 4096u

#define DEF_MEM_SIZE   (64u << 20)
#define DEF_FLOW_CAP   1024u
#define DEF_SP_LOG2    8u
#define DEF_CTX_LOG2   10u

static void violation(struct fphost *fh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(struct fphost *fh, const char *fmt, ...)
{
	va_list ap;

	fh->abi_violations++;
	fprintf(stderr, "fphost: ABI violation: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- host memory ---------------------------------------------------------- */

/* An out-of-range access means the core computed a wrong address (or was
 * configured with one): die loudly so no test can pass over it. */
static void check_range(const struct fphost *fh, uint64_t iova, uint64_t len,
			const char *what)
{
	if (len == 0)
		return;
	if (iova < FPHOST_MEM_FIRST || iova > fh->mem_used ||
	    len > fh->mem_used - iova) {
		fprintf(stderr,
			"fphost: %s out of range: iova=0x%" PRIx64 " len=%" PRIu64
			" (allocated [0x%x, 0x%zx))\n",
			what, iova, len, FPHOST_MEM_FIRST, fh->mem_used);
		abort();
	}
}

uint64_t fphost_alloc(struct fphost *fh, size_t len, size_t align)
{
	size_t at;

	if (align < 8)
		align = 8;
	at = (fh->mem_used + align - 1) & ~(align - 1);
	if (at > fh->mem_size || len > fh->mem_size - at) {
		fprintf(stderr, "fphost: host memory exhausted (%zu of %zu bytes used, %zu wanted)\n",
			fh->mem_used, fh->mem_size, len);
		abort();
	}
	fh->mem_used = at + len;
	/* no memset: memory is never reused and fresh anonymous pages are zero */
	return at;
}

void *fphost_ptr(struct fphost *fh, uint64_t iova, size_t len)
{
	check_range(fh, iova, len, "host access");
	return fh->mem + iova;
}

/* ---- platform callbacks ---------------------------------------------------- */

static int plat_tx(void *priv, const uint8_t *frame, uint32_t len)
{
	struct fphost *fh = priv;
	int rc;

	if (len < 14 || len > TOFFEE_MAX_FRAME)
		violation(fh, "tx frame of %u bytes", len);
	if (fh->tx_hook) {
		rc = fh->tx_hook(fh->tx_hook_arg, frame, len, fh->now_ns);
		if (rc)
			return rc;
	}
	fh->tx_total++;
	if (!fh->record_tx)
		return 0;
	if (fh->n_tx == fh->cap_tx) {
		size_t cap = fh->cap_tx ? 2 * fh->cap_tx : 64;
		struct fphost_frame *n = realloc(fh->tx, cap * sizeof(*n));

		if (!n)
			abort();
		fh->tx = n;
		fh->cap_tx = cap;
	}
	fh->tx[fh->n_tx].data = malloc(len ? len : 1);
	if (!fh->tx[fh->n_tx].data)
		abort();
	memcpy(fh->tx[fh->n_tx].data, frame, len);
	fh->tx[fh->n_tx].len = len;
	fh->tx[fh->n_tx].t_ns = fh->now_ns;
	fh->n_tx++;
	return 0;
}

static void plat_dma_read(void *priv, uint64_t iova, void *dst, uint32_t len)
{
	struct fphost *fh = priv;

	check_range(fh, iova, len, "DMA read");
	memcpy(dst, fh->mem + iova, len);
}

static void plat_dma_write(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	struct fphost *fh = priv;

	check_range(fh, iova, len, "DMA write");
	memcpy(fh->mem + iova, src, len);
}

/* Ring entries: all bytes but the last, a barrier, then the phase byte. */
static void plat_dma_write_entry(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	struct fphost *fh = priv;

	check_range(fh, iova, len, "DMA entry write");
	if (!len)
		return;
	memcpy(fh->mem + iova, src, len - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint8_t *)(fh->mem + iova + len - 1) = ((const uint8_t *)src)[len - 1];
}

static void plat_notify(void *priv, uint32_t ctx)
{
	struct fphost *fh = priv;

	if (ctx >= TOFFEE_MAX_CTX) {
		fprintf(stderr, "fphost: notify of context %u (max %u)\n", ctx, TOFFEE_MAX_CTX);
		abort();
	}
	if (ctx >= fh->n_ctx || !fh->ctx_ev[ctx].log2)
		violation(fh, "notify of context %u which is not set up", ctx);
	fh->notifies[ctx]++;
}

/* ---- registers ---------------------------------------------------------------- */

uint32_t fphost_reg_rd(const struct fphost *fh, uint32_t off)
{
	if (off % 4 || off >= TOFFEE_REG_BAR_SIZE) {
		fprintf(stderr, "fphost: bad register offset 0x%x\n", off);
		abort();
	}
	return fh->regs[off / 4];
}

void fphost_reg_wr(struct fphost *fh, uint32_t off, uint32_t val)
{
	if (off % 4 || off >= TOFFEE_REG_BAR_SIZE) {
		fprintf(stderr, "fphost: bad register offset 0x%x\n", off);
		abort();
	}
	fh->regs[off / 4] = val;
}

static uint32_t spq_reg(uint32_t q, uint32_t field)
{
	return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + field;
}

static uint32_t ctx_reg(uint32_t ctx, uint32_t ring, uint32_t field)
{
	return TOFFEE_REG_CTX_BASE + ctx * TOFFEE_REG_CTX_STRIDE + ring + field;
}

static uint32_t db_reg(uint32_t ctx, uint32_t field)
{
	return TOFFEE_REG_DB_BASE + ctx * TOFFEE_REG_DB_STRIDE + field;
}

static void ring_alloc(struct fphost *fh, struct fphost_ring *r, uint32_t entry,
		       uint32_t log2, bool slots)
{
	r->entry = entry;
	r->log2 = log2;
	r->idx = 0;
	r->iova = fphost_alloc(fh, (size_t)entry << log2, 64);
	r->buf_iova = slots ? fphost_alloc(fh, (size_t)TOFFEE_FRAME_SLOT << log2, 64) : 0;
}

void fphost_setup_sp_rings(struct fphost *fh, uint32_t log2)
{
	static const uint32_t entry[TOFFEE_SPQ_COUNT] = {
		[TOFFEE_SPQ_EXC] = sizeof(struct toffee_sp_exc),
		[TOFFEE_SPQ_RAW] = sizeof(struct toffee_sp_raw),
		[TOFFEE_SPQ_CMD] = sizeof(struct toffee_sp_cmd),
		[TOFFEE_SPQ_FB]  = sizeof(struct toffee_sp_fb),
	};

	for (uint32_t q = 0; q < TOFFEE_SPQ_COUNT; q++) {
		struct fphost_ring *r = &fh->sp[q];

		ring_alloc(fh, r, entry[q], log2,
			   q == TOFFEE_SPQ_EXC || q == TOFFEE_SPQ_RAW);
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_BASE_LO), (uint32_t)r->iova);
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_BASE_HI), (uint32_t)(r->iova >> 32));
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_BUF_LO), (uint32_t)r->buf_iova);
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_BUF_HI), (uint32_t)(r->buf_iova >> 32));
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_HEAD), 0);
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_TAIL), 0);
		fphost_reg_wr(fh, spq_reg(q, TOFFEE_Q_LOG2), log2); /* enables it: last */
	}
}

void fphost_setup_ctx(struct fphost *fh, uint32_t ctx, uint32_t log2)
{
	struct fphost_ring *ev = &fh->ctx_ev[ctx], *cmd = &fh->ctx_cmd[ctx];

	if (ctx >= TOFFEE_MAX_CTX)
		abort();
	ring_alloc(fh, ev, sizeof(struct toffee_ctx_ev), log2, false);
	ring_alloc(fh, cmd, sizeof(struct toffee_ctx_cmd), log2, false);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_BASE_LO), (uint32_t)ev->iova);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_BASE_HI), (uint32_t)(ev->iova >> 32));
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_BASE_LO), (uint32_t)cmd->iova);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_BASE_HI), (uint32_t)(cmd->iova >> 32));
	/* abi.h: the slow path zeroes all four indices before enabling */
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_HEAD), 0);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_TAIL), 0);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD), 0);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_TAIL), 0);
	fphost_reg_wr(fh, db_reg(ctx, TOFFEE_DB_CMD_TAIL), 0);
	fphost_reg_wr(fh, db_reg(ctx, TOFFEE_DB_EV_HEAD), 0);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_LOG2), log2);
	fphost_reg_wr(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_LOG2), log2);
	if (ctx >= fh->n_ctx)
		fh->n_ctx = ctx + 1;
#ifdef TOFFEE_REG_CTX_LIMIT
	fphost_reg_wr(fh, TOFFEE_REG_CTX_LIMIT, fh->n_ctx);   /* bounds the doorbell scan */
#endif
	/* bound the NIC's doorbell scan to the contexts in use */
	if (fphost_reg_rd(fh, TOFFEE_REG_CTX_LIMIT) < ctx + 1)
		fphost_reg_wr(fh, TOFFEE_REG_CTX_LIMIT, ctx + 1);
}

void fphost_enable(struct fphost *fh, const uint8_t mac[6], bool promisc)
{
	fphost_reg_wr(fh, TOFFEE_REG_MAC_LO, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
		      (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
	fphost_reg_wr(fh, TOFFEE_REG_MAC_HI, (uint32_t)mac[4] | (uint32_t)mac[5] << 8);
	fphost_reg_wr(fh, TOFFEE_REG_CTRL,
		      TOFFEE_CTRL_ENABLE | (promisc ? TOFFEE_CTRL_PROMISC : 0));
}

/* ---- life cycle -------------------------------------------------------------- */

struct fphost *fphost_create(const struct fphost_config *cfg)
{
	static const uint8_t def_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct fphost_config c = cfg ? *cfg : (struct fphost_config){ 0 };
	struct fphost *fh;
	size_t fp_len;
	void *m;

	if (!c.mem_size)
		c.mem_size = DEF_MEM_SIZE;
	if (!c.flow_cap)
		c.flow_cap = DEF_FLOW_CAP;
	if (!c.n_ctx)
		c.n_ctx = 1;
	if (!c.sp_log2)
		c.sp_log2 = DEF_SP_LOG2;
	if (!c.ctx_log2)
		c.ctx_log2 = DEF_CTX_LOG2;
	if (!memcmp(c.mac, (uint8_t[6]){ 0 }, 6))
		memcpy(c.mac, def_mac, 6);
	if (c.n_ctx > TOFFEE_MAX_CTX) {
		fprintf(stderr, "fphost: %u contexts (max %u)\n", c.n_ctx, TOFFEE_MAX_CTX);
		return NULL;
	}

	fh = calloc(1, sizeof(*fh));
	if (!fh)
		return NULL;
	/* Reserved lazily: only the pages the run touches cost memory. */
	m = mmap(NULL, c.mem_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "fphost: cannot reserve %zu bytes of host memory\n", c.mem_size);
		free(fh);
		return NULL;
	}
	fh->mem = m;
	fh->mem_size = c.mem_size;
	fh->mem_used = FPHOST_MEM_FIRST;
	fh->regs = aligned_alloc(4096, TOFFEE_REG_BAR_SIZE);
	fp_len = (fp_mem_size(c.flow_cap) + 63) & ~(size_t)63;
	fh->fp_mem = fp_len ? aligned_alloc(64, fp_len) : NULL;
	if (!fh->regs || !fh->fp_mem) {
		fprintf(stderr, "fphost: out of memory (flow_cap %u)\n", c.flow_cap);
		fphost_destroy(fh);
		return NULL;
	}
	memset((void *)fh->regs, 0, TOFFEE_REG_BAR_SIZE);
	memset(fh->fp_mem, 0, fp_len);
	fh->record_tx = !c.no_record;
	fh->flow_cap = c.flow_cap;
	fh->plat = (struct fp_platform){
		.priv = fh, .tx = plat_tx, .dma_read = plat_dma_read,
		.dma_write = plat_dma_write, .dma_write_entry = plat_dma_write_entry,
		.notify = plat_notify,
	};
	if (c.host_map) {
		fh->map = (struct fp_host_region){ fh->mem, fh->mem_size };
		fh->plat.host_map = &fh->map;
		fh->plat.host_regions = 1;
	}
	fh->fp = fp_init(fh->fp_mem, fp_len, c.flow_cap, &fh->plat, fh->regs);
	if (!fh->fp) {
		fprintf(stderr, "fphost: fp_init failed (flow_cap %u)\n", c.flow_cap);
		fphost_destroy(fh);
		return NULL;
	}
	fh->scratch_iova = fphost_alloc(fh, sizeof(struct toffee_flow), 128);
	if (c.no_setup)
		return fh;
	fphost_setup_sp_rings(fh, c.sp_log2);
	for (uint32_t i = 0; i < c.n_ctx; i++)
		fphost_setup_ctx(fh, i, c.ctx_log2);
	fphost_enable(fh, c.mac, c.promisc);
	return fh;
}

void fphost_destroy(struct fphost *fh)
{
	if (!fh)
		return;
	fphost_tx_clear(fh);
	free(fh->tx);
	free(fh->fbq);
	free(fh->fp_mem);
	free((void *)fh->regs);
	if (fh->mem)
		munmap(fh->mem, fh->mem_size);
	free(fh);
}

/* ---- clock and core ---------------------------------------------------------- */

void fphost_rx(struct fphost *fh, const uint8_t *frame, uint32_t len)
{
	fp_rx(fh->fp, frame, len, fh->now_ns);
}

unsigned fphost_poll(struct fphost *fh, unsigned tx_budget)
{
	return fp_poll(fh->fp, fh->now_ns, tx_budget);
}

unsigned fphost_poll_idle(struct fphost *fh, unsigned max_rounds)
{
	unsigned busy = 0;

	while (busy < max_rounds && fp_poll(fh->fp, fh->now_ns, 64))
		busy++;
	return busy;
}

void fphost_set_tx_hook(struct fphost *fh, fphost_tx_hook hook, void *arg)
{
	fh->tx_hook = hook;
	fh->tx_hook_arg = arg;
}

void fphost_tx_clear(struct fphost *fh)
{
	for (size_t i = 0; i < fh->n_tx; i++)
		free(fh->tx[i].data);
	fh->n_tx = 0;
}

/* ---- generic ring access ------------------------------------------------------ */

/* Host produces an entry: everything but the phase byte, a barrier, then the
 * phase byte (the NIC may poll the entry at any time). */
static void ring_put(struct fphost *fh, struct fphost_ring *r, const void *entry)
{
	uint32_t slot = r->idx & ((1u << r->log2) - 1);
	uint8_t *p = fphost_ptr(fh, r->iova + (uint64_t)slot * r->entry, r->entry);

	memcpy(p, entry, r->entry - 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint8_t *)(p + r->entry - 1) = toffee_phase(r->idx, r->log2);
	r->idx++;
}

/* Host consumes an entry if its phase byte says it is valid; @p tail_reg is
 * the NIC's producer index register, cross-checked against the phase. */
static bool ring_get(struct fphost *fh, struct fphost_ring *r, void *entry,
		     uint32_t tail_reg, const char *name)
{
	uint32_t slot = r->idx & ((1u << r->log2) - 1);
	uint8_t *p = fphost_ptr(fh, r->iova + (uint64_t)slot * r->entry, r->entry);
	uint32_t tail;

	if (*(volatile uint8_t *)(p + r->entry - 1) != toffee_phase(r->idx, r->log2))
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(entry, p, r->entry);
	tail = fphost_reg_rd(fh, tail_reg);
	if (tail - r->idx == 0 || tail - r->idx > (1u << r->log2))
		violation(fh, "%s entry %u has a valid phase but the tail register is %u",
			  name, r->idx, tail);
	r->idx++;
	return true;
}

static bool ring_full(struct fphost *fh, const struct fphost_ring *r,
		      uint32_t head_reg, const char *name)
{
	uint32_t used = r->idx - fphost_reg_rd(fh, head_reg);

	if (used > (1u << r->log2)) {
		violation(fh, "%s head register %u is beyond tail %u", name,
			  fphost_reg_rd(fh, head_reg), r->idx);
		return true;
	}
	return used == (1u << r->log2);
}

/* ---- slow-path rings ------------------------------------------------------------ */

int fphost_sp_post(struct fphost *fh, struct toffee_sp_cmd *cmd)
{
	struct fphost_ring *r = &fh->sp[TOFFEE_SPQ_CMD];

	if (!r->log2)
		return -EINVAL;
	if (ring_full(fh, r, spq_reg(TOFFEE_SPQ_CMD, TOFFEE_Q_HEAD), "CMD"))
		return -ENOSPC;
	cmd->tag = ++fh->next_tag;
	ring_put(fh, r, cmd);
	fphost_reg_wr(fh, spq_reg(TOFFEE_SPQ_CMD, TOFFEE_Q_TAIL), r->idx);
	return cmd->tag;
}

int fphost_fb_next(struct fphost *fh, struct toffee_sp_fb *fb)
{
	struct fphost_ring *r = &fh->sp[TOFFEE_SPQ_FB];

	if (!r->log2 || !ring_get(fh, r, fb, spq_reg(TOFFEE_SPQ_FB, TOFFEE_Q_TAIL), "FB"))
		return 0;
	fphost_reg_wr(fh, spq_reg(TOFFEE_SPQ_FB, TOFFEE_Q_HEAD), r->idx);
	return 1;
}

static void fbq_push(struct fphost *fh, const struct toffee_sp_fb *fb)
{
	if (fh->n_fbq == fh->cap_fbq) {
		size_t cap = fh->cap_fbq ? 2 * fh->cap_fbq : 16;
		struct toffee_sp_fb *n = realloc(fh->fbq, cap * sizeof(*n));

		if (!n)
			abort();
		fh->fbq = n;
		fh->cap_fbq = cap;
	}
	fh->fbq[fh->n_fbq++] = *fb;
}

int fphost_fb_flow_next(struct fphost *fh, struct toffee_sp_fb *fb)
{
	if (!fh->n_fbq)
		return 0;
	*fb = fh->fbq[0];
	memmove(fh->fbq, fh->fbq + 1, --fh->n_fbq * sizeof(*fb));
	return 1;
}

int fphost_sp_exec(struct fphost *fh, struct toffee_sp_cmd *cmd,
		   struct toffee_sp_fb *done)
{
	struct toffee_sp_fb fb;
	int tag = -ENOSPC;

	for (int tries = 0; tries < 64 && tag == -ENOSPC; tries++) {
		tag = fphost_sp_post(fh, cmd);
		if (tag == -ENOSPC)
			fphost_poll(fh, 64);
	}
	if (tag < 0)
		return tag;
	for (int round = 0; round < 256; round++) {
		fphost_poll(fh, 64);
		while (fphost_fb_next(fh, &fb)) {
			/* one entry per command: DONE, or FLOW for FEEDBACK */
			if (fb.tag == (uint16_t)tag) {
				if (done)
					*done = fb;
				return fb.status;
			}
			fbq_push(fh, &fb);
		}
	}
	fprintf(stderr, "fphost: no completion for command %u (tag %d)\n", cmd->opcode, tag);
	return -ETIMEDOUT;
}

int fphost_exc_next(struct fphost *fh, struct toffee_sp_exc *exc, uint8_t *frame)
{
	struct fphost_ring *r = &fh->sp[TOFFEE_SPQ_EXC];
	uint32_t slot, len;

	if (!r->log2)
		return 0;
	slot = r->idx & ((1u << r->log2) - 1);
	if (!ring_get(fh, r, exc, spq_reg(TOFFEE_SPQ_EXC, TOFFEE_Q_TAIL), "EXC"))
		return 0;
	len = exc->frame_len;
	if (len > TOFFEE_FRAME_SLOT) {
		violation(fh, "exception frame_len %u > slot", len);
		len = TOFFEE_FRAME_SLOT;
	}
	if (frame)
		memcpy(frame, fphost_ptr(fh, r->buf_iova + (uint64_t)slot * TOFFEE_FRAME_SLOT,
					 TOFFEE_FRAME_SLOT), len);
	fphost_reg_wr(fh, spq_reg(TOFFEE_SPQ_EXC, TOFFEE_Q_HEAD), r->idx);
	return 1;
}

int fphost_raw_send(struct fphost *fh, const uint8_t *frame, uint32_t len)
{
	struct fphost_ring *r = &fh->sp[TOFFEE_SPQ_RAW];
	struct toffee_sp_raw e = { .frame_len = (uint16_t)len };
	uint32_t slot;

	if (!r->log2 || len == 0 || len > TOFFEE_FRAME_SLOT)
		return -EINVAL;
	if (ring_full(fh, r, spq_reg(TOFFEE_SPQ_RAW, TOFFEE_Q_HEAD), "RAW"))
		return -ENOSPC;
	slot = r->idx & ((1u << r->log2) - 1);
	memcpy(fphost_ptr(fh, r->buf_iova + (uint64_t)slot * TOFFEE_FRAME_SLOT, len), frame, len);
	ring_put(fh, r, &e);
	fphost_reg_wr(fh, spq_reg(TOFFEE_SPQ_RAW, TOFFEE_Q_TAIL), r->idx);
	return 0;
}

/* ---- command wrappers ---------------------------------------------------------- */

static int simple_cmd(struct fphost *fh, uint8_t op, uint32_t flow_id, uint32_t arg0)
{
	struct toffee_sp_cmd c = { .opcode = op, .flow_id = flow_id, .arg0 = arg0 };

	return fphost_sp_exec(fh, &c, NULL);
}

int fphost_flow_install(struct fphost *fh, uint32_t flow_id, const struct toffee_flow *f)
{
	struct toffee_sp_cmd c = {
		.opcode = TOFFEE_CMD_INSTALL, .flow_id = flow_id, .iova = fh->scratch_iova,
	};

	memcpy(fphost_ptr(fh, fh->scratch_iova, sizeof(*f)), f, sizeof(*f));
	return fphost_sp_exec(fh, &c, NULL);
}

int fphost_flow_remove(struct fphost *fh, uint32_t flow_id)
{
	return simple_cmd(fh, TOFFEE_CMD_REMOVE, flow_id, 0);
}

static int image_cmd(struct fphost *fh, uint8_t op, uint32_t flow_id, struct toffee_flow *out)
{
	struct toffee_sp_cmd c = { .opcode = op, .flow_id = flow_id, .iova = fh->scratch_iova };
	int rc;

	memset(fphost_ptr(fh, fh->scratch_iova, sizeof(*out)), 0, sizeof(*out));
	rc = fphost_sp_exec(fh, &c, NULL);
	if (rc == 0)
		memcpy(out, fphost_ptr(fh, fh->scratch_iova, sizeof(*out)), sizeof(*out));
	return rc;
}

int fphost_flow_read(struct fphost *fh, uint32_t flow_id, struct toffee_flow *out)
{
	return image_cmd(fh, TOFFEE_CMD_READ_STATE, flow_id, out);
}

int fphost_flow_remove_read(struct fphost *fh, uint32_t flow_id, struct toffee_flow *out)
{
	return image_cmd(fh, TOFFEE_CMD_REMOVE, flow_id, out);
}

int fphost_set_rate(struct fphost *fh, uint32_t flow_id, uint32_t ps_per_byte)
{
	return simple_cmd(fh, TOFFEE_CMD_SET_RATE, flow_id, ps_per_byte);
}

int fphost_set_window(struct fphost *fh, uint32_t flow_id, uint32_t cwnd)
{
	return simple_cmd(fh, TOFFEE_CMD_SET_WINDOW, flow_id, cwnd);
}

int fphost_retransmit(struct fphost *fh, uint32_t flow_id)
{
	return simple_cmd(fh, TOFFEE_CMD_RETRANSMIT, flow_id, 0);
}

int fphost_tx_fin(struct fphost *fh, uint32_t flow_id)
{
	return simple_cmd(fh, TOFFEE_CMD_TX_FIN, flow_id, 0);
}

int fphost_feedback(struct fphost *fh, uint32_t flow_id, struct toffee_sp_fb *rec)
{
	struct toffee_sp_cmd c = { .opcode = TOFFEE_CMD_FEEDBACK, .flow_id = flow_id };
	struct toffee_sp_fb fb;
	int rc = fphost_sp_exec(fh, &c, &fb);

	if (rc)
		return rc;
	if (fb.type != TOFFEE_FB_FLOW)
		return -ENOMSG;
	if (rec)
		*rec = fb;
	return 0;
}

/* ---- payload buffers ------------------------------------------------------------ */

void fphost_flow_key(struct toffee_flow *f, uint32_t local_ip, uint32_t remote_ip, uint16_t local_port,
		     uint16_t remote_port, const uint8_t remote_mac[6], uint16_t ctx_id)
{
	memset(f, 0, sizeof(*f));
	f->local_ip = local_ip;
	f->remote_ip = remote_ip;
	f->local_port = local_port;
	f->remote_port = remote_port;
	memcpy(f->remote_mac, remote_mac, 6);
	f->ctx_id = ctx_id;
}

void fphost_flow_bufs(struct fphost *fh, struct toffee_flow *f,
		      uint32_t rx_log2, uint32_t tx_log2)
{
	f->rx_buf_log2 = (uint8_t)rx_log2;
	f->tx_buf_log2 = (uint8_t)tx_log2;
	f->rx_buf_iova = fphost_alloc(fh, (size_t)1 << rx_log2, 4096);
	f->tx_buf_iova = fphost_alloc(fh, (size_t)1 << tx_log2, 4096);
}

/* Copy between a linear buffer and a circular one (byte S at S & (size-1)). */
static void circ_copy(struct fphost *fh, uint64_t iova, uint32_t log2, uint32_t seq,
		      void *lin, uint32_t len, bool to_circ)
{
	uint64_t size = (uint64_t)1 << log2;
	uint32_t off = seq & (uint32_t)(size - 1), first;
	uint8_t *b = lin;

	if (len > size) {
		fprintf(stderr, "fphost: %u bytes do not fit a %" PRIu64 "-byte buffer\n", len, size);
		abort();
	}
	first = (uint32_t)(size - off) < len ? (uint32_t)(size - off) : len;
	if (to_circ) {
		memcpy(fphost_ptr(fh, iova + off, first), b, first);
		memcpy(fphost_ptr(fh, iova, len - first), b + first, len - first);
	} else {
		memcpy(b, fphost_ptr(fh, iova + off, first), first);
		memcpy(b + first, fphost_ptr(fh, iova, len - first), len - first);
	}
}

void fphost_tx_write(struct fphost *fh, const struct toffee_flow *f,
		     uint32_t seq, const void *data, uint32_t len)
{
	circ_copy(fh, f->tx_buf_iova, f->tx_buf_log2, seq, (void *)data, len, true);
}

void fphost_rx_read(struct fphost *fh, const struct toffee_flow *f,
		    uint32_t seq, void *dst, uint32_t len)
{
	circ_copy(fh, f->rx_buf_iova, f->rx_buf_log2, seq, dst, len, false);
}

/* ---- application contexts --------------------------------------------------------- */

int fphost_ctx_cmd(struct fphost *fh, uint32_t ctx, uint32_t flow_id,
		   uint32_t tx_bytes, uint32_t rx_bytes)
{
	return fphost_ctx_cmd_flags(fh, ctx, flow_id, tx_bytes, rx_bytes, 0);
}

int fphost_ctx_cmd_flags(struct fphost *fh, uint32_t ctx, uint32_t flow_id,
			 uint32_t tx_bytes, uint32_t rx_bytes, uint8_t flags)
{
	struct toffee_ctx_cmd c = { .flow_id = flow_id, .tx_bytes = tx_bytes,
				    .rx_bytes = rx_bytes, .flags = flags };
	struct fphost_ring *r;

	if (ctx >= fh->n_ctx || !fh->ctx_cmd[ctx].log2)
		return -EINVAL;
	r = &fh->ctx_cmd[ctx];
	if (ring_full(fh, r, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD), "ctx CMD"))
		return -ENOSPC;
	ring_put(fh, r, &c);
	fphost_reg_wr(fh, db_reg(ctx, TOFFEE_DB_CMD_TAIL), r->idx);
	return 0;
}

bool fphost_ctx_cmd_done(const struct fphost *fh, uint32_t ctx)
{
	if (ctx >= fh->n_ctx || !fh->ctx_cmd[ctx].log2)
		return true;
	return fphost_reg_rd(fh, ctx_reg(ctx, TOFFEE_CTX_CMD, TOFFEE_Q_HEAD)) == fh->ctx_cmd[ctx].idx;
}

int fphost_ctx_ev_next(struct fphost *fh, uint32_t ctx, struct toffee_ctx_ev *ev)
{
	struct fphost_ring *r;

	if (ctx >= fh->n_ctx || !fh->ctx_ev[ctx].log2)
		return 0;
	r = &fh->ctx_ev[ctx];
	if (!ring_get(fh, r, ev, ctx_reg(ctx, TOFFEE_CTX_EV, TOFFEE_Q_TAIL), "ctx EV"))
		return 0;
	fphost_reg_wr(fh, db_reg(ctx, TOFFEE_DB_EV_HEAD), r->idx);
	return 1;
}
