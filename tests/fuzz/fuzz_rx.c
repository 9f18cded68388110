/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: arbitrary frames into fp_rx() with four flows installed,
 * interleaved with what the host does (polls as time passes, application
 * appends and reads, slow-path commands incl. installs of fuzzed flow
 * images, raw frames, malformed context commands).
 *
 * Input: a 14-byte header, then records (see the op switch below). Frames
 * can have their checksums fixed and their addresses steered to a flow, so
 * the fuzzer gets past validation into the protocol state; seeds made from
 * the Linux traces (mkcorpus.c) start it inside real conversations.
 *
 * Checked besides the sanitizers: the harness's ABI checks (DMA inside host
 * memory, ring protocol, frame sizes), that the fast path never reports
 * more received bytes than the application has room for, and that every
 * frame it builds has correct IPv4 and TCP checksums.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fphost.h"
#include "fuzz_input.h"

/* With FUZZ_DIGEST defined (the differential target, fuzz_diff.c), every
 * observable effect of the core is hashed into fuzz_digest: each call it
 * makes to the platform (frames sent, DMA reads and writes with their data,
 * ring entries, notifications) in order, and at the end its counters, the
 * register file, host memory and the state of every flow. */
#ifdef FUZZ_DIGEST
uint64_t fuzz_digest;
static struct fp_platform fuzz_orig_plat;
static void dg(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		fuzz_digest = (fuzz_digest ^ w) * 0x100000001b3ull;
		fuzz_digest ^= fuzz_digest >> 29;
	}
	for (; i < n; i++)
		fuzz_digest = (fuzz_digest ^ b[i]) * 0x100000001b3ull;
}
static void dg_u64(uint64_t v) { dg(&v, sizeof(v)); }
static int dg_tx(void *priv, const uint8_t *frame, uint32_t len)
{
	int rc = fuzz_orig_plat.tx(priv, frame, len);
	dg_u64(1); dg_u64(len); dg(frame, len); dg_u64((uint64_t)rc);
	return rc;
}
static void dg_dma_read(void *priv, uint64_t iova, void *dst, uint32_t len)
{
	fuzz_orig_plat.dma_read(priv, iova, dst, len);
	dg_u64(2); dg_u64(iova); dg_u64(len);
}
static void dg_dma_write(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	dg_u64(3); dg_u64(iova); dg_u64(len); dg(src, len);
	fuzz_orig_plat.dma_write(priv, iova, src, len);
}
static void dg_dma_write_entry(void *priv, uint64_t iova, const void *src, uint32_t len)
{
	dg_u64(4); dg_u64(iova); dg_u64(len); dg(src, len);
	fuzz_orig_plat.dma_write_entry(priv, iova, src, len);
}
static void dg_notify(void *priv, uint32_t ctx)
{
	dg_u64(5); dg_u64(ctx);
	fuzz_orig_plat.notify(priv, ctx);
}
static void dg_start(struct fphost *fh)
{
	fuzz_digest = 0xcbf29ce484222325ull;
	fuzz_orig_plat = fh->plat;
	fh->plat.tx = dg_tx;
	fh->plat.dma_read = dg_dma_read;
	fh->plat.dma_write = dg_dma_write;
	fh->plat.dma_write_entry = dg_dma_write_entry;
	fh->plat.notify = dg_notify;
}
static void dg_end(struct fphost *fh)
{
	for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++)
		dg_u64(fp_counter(fh->fp, i));
	dg((const void *)fh->regs, TOFFEE_REG_DB_BASE);
	dg(fh->mem, fh->mem_used);
	for (uint32_t id = 0; id < fh->flow_cap; id++) {
		const struct toffee_flow *f = fp_flow(fh->fp, id);
		if (f)
			dg(f, sizeof(*f));
		else
			dg_u64(id);
	}
}
#define FUZZ_DG_START(fh) dg_start(fh)
#define FUZZ_DG_STEP(v) dg_u64(v)
#define FUZZ_DG_END(fh) dg_end(fh)
#else
#define FUZZ_DG_START(fh) ((void)(fh))
#define FUZZ_DG_STEP(v) ((void)(v))
#define FUZZ_DG_END(fh) ((void)(fh))
#endif

#define N_FLOWS 4u

struct app_flow {
	bool live;
	struct toffee_flow img;
	uint32_t tx_end;              /* appended by the application */
	uint64_t unread;              /* delivered, not yet consumed */
	uint32_t rx_seq;
};

static struct app_flow app[32];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_rx: %s\n", what);
	abort();
}
static bool raw_used;
static uint64_t delivered_total;  /* for FUZZ_DEBUG: does an input get anywhere? */             /* raw frames go out unchecked: skip checks */

/* Every frame the fast path builds itself is IPv4/TCP with right checksums. */
static int check_tx(void *arg, const uint8_t *f, uint32_t len, uint64_t now)
{
	uint32_t ihl, tot, sum;

	(void)arg;
	(void)now;
	if (raw_used)
		return 0;
	if (len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		die("transmitted frame is not IPv4/TCP");
	ihl = (f[14] & 15u) * 4;
	tot = (uint32_t)f[16] << 8 | f[17];
	if (ihl != 20 || tot + 14 != len)
		die("transmitted frame has inconsistent lengths");
	if (fuzz_csum(f + 14, ihl, 0) != 0)
		die("transmitted frame has a bad IPv4 checksum");
	sum = ((uint32_t)f[26] << 8 | f[27]) + ((uint32_t)f[28] << 8 | f[29]) +
	      ((uint32_t)f[30] << 8 | f[31]) + ((uint32_t)f[32] << 8 | f[33]) + 6 + (tot - ihl);
	if (fuzz_csum(f + 14 + ihl, tot - ihl, sum) != 0)
		die("transmitted frame has a bad TCP checksum");
	return 0;
}

static void drain(struct fphost *fh)
{
	struct toffee_ctx_ev ev;
	struct toffee_sp_exc exc;
	struct toffee_sp_fb fb;
	static uint8_t slot[TOFFEE_FRAME_SLOT];

	while (fphost_ctx_ev_next(fh, 0, &ev)) {
		struct app_flow *a;

		if (ev.flow_id >= 32 || !app[ev.flow_id].live)
			die("event for a flow that is not installed");
		a = &app[ev.flow_id];
		a->unread += ev.rx_bytes;
		delivered_total += ev.rx_bytes;
		if (a->unread > (1u << a->img.rx_buf_log2))
			die("more bytes delivered than the receive buffer holds");
	}
	while (fphost_exc_next(fh, &exc, slot))
		if (exc.frame_len > TOFFEE_FRAME_SLOT || !exc.reason || exc.reason >= TOFFEE_EXC_COUNT)
			die("bad exception entry");
	while (fphost_fb_next(fh, &fb))
		;
	fphost_tx_clear(fh);
	if (fh->abi_violations)
		die("ABI violation (see above)");
}

static void consume(struct fphost *fh, uint32_t id, uint32_t max)
{
	struct app_flow *a = &app[id];
	uint32_t n = a->unread < max ? (uint32_t)a->unread : max;
	static uint8_t buf[1u << 15];

	if (!a->live || !n)
		return;
	fphost_rx_read(fh, &a->img, a->rx_seq, buf, n);
	a->rx_seq += n;
	a->unread -= n;
	fphost_ctx_cmd(fh, 0, id, 0, n);
}

static void install(struct fphost *fh, uint32_t id, const struct fuzz_hdr *h)
{
	struct toffee_flow *f = &app[id].img;

	memset(f, 0, sizeof(*f));
	f->local_ip = FUZZ_SERVER_IP;
	f->remote_ip = FUZZ_CLIENT_IP;
	f->local_port = FUZZ_SERVER_PORT;
	f->remote_port = (uint16_t)(h->client_port + id);
	memcpy(f->remote_mac, fuzz_client_mac, 6);
	f->flags = (h->flags & FUZZ_HF_TS ? TOFFEE_FLOWF_TS : 0) |
		   (h->flags & FUZZ_HF_ECN ? TOFFEE_FLOWF_ECN : 0) |
		   (h->flags & FUZZ_HF_SACK ? TOFFEE_FLOWF_SACK : 0);
	f->mss = (uint16_t)(h->mss ? 64u + h->mss * 5u : 1448u);
	f->snd_wscale = h->flags & FUZZ_HF_WS ? 7 : 0;
	f->rcv_wscale = h->flags & FUZZ_HF_WS ? 7 : 0;
	fphost_flow_bufs(fh, f, 12 + ((h->flags >> 3) & 3u), 12 + ((h->flags >> 3) & 3u));
	f->rcv_nxt = h->rcv_nxt + id * 0x10000000u;
	f->rx_avail = 1u << f->rx_buf_log2;
	f->snd_una = f->snd_nxt = f->snd_max = f->tx_end = h->snd_una + id * 0x10000000u;
	f->snd_wnd = h->peer_win;
	if (fphost_flow_install(fh, id, f) != 0)
		die("install of a valid flow failed");
	app[id].live = true;
	app[id].tx_end = f->tx_end;
	app[id].unread = 0;
	app[id].rx_seq = f->rcv_nxt;
}

/* A slow-path command; INSTALL takes a 128-byte flow image from the input. */
static void sp_command(struct fphost *fh, struct fuzz_in *in, uint8_t op)
{
	uint32_t id = (op >> 3) & 31u;
	uint8_t code = fuzz_u8(in) % TOFFEE_CMD_COUNT;
	uint32_t arg = fuzz_u32(in);
	struct toffee_flow img;
	int rc;

	switch (code) {
	case TOFFEE_CMD_INSTALL:
		fuzz_bytes(in, &img, sizeof(img));
		/* keep its buffers inside host memory: the slow path's duty */
		img.rx_buf_log2 = 12;
		img.tx_buf_log2 = 12;
		fphost_flow_bufs(fh, &img, 12, 12);
		rc = fphost_flow_install(fh, id, &img);
		if (rc == 0) {
			app[id] = (struct app_flow){ .live = true, .img = img, .tx_end = img.tx_end,
						     .rx_seq = img.rcv_nxt,
						     .unread = (1u << 12) - img.rx_avail };
		}
		break;
	case TOFFEE_CMD_REMOVE:
		if (fphost_flow_remove(fh, id) == 0) {
			drain(fh);
			app[id].live = false;
		}
		break;
	case TOFFEE_CMD_SET_RATE:
		fphost_set_rate(fh, id, arg & 0xffff);
		break;
	case TOFFEE_CMD_SET_WINDOW:
		fphost_set_window(fh, id, arg);
		break;
	case TOFFEE_CMD_RETRANSMIT:
		fphost_retransmit(fh, id);
		break;
	case TOFFEE_CMD_READ_STATE: {
		struct toffee_flow st;

		fphost_flow_read(fh, id, &st);
		break;
	}
	case TOFFEE_CMD_FEEDBACK:
		fphost_feedback(fh, id, NULL);
		break;
	case TOFFEE_CMD_TX_FIN:
		fphost_tx_fin(fh, id);
		break;
	default: {
		struct toffee_sp_cmd c = { .opcode = code, .flow_id = id, .arg0 = arg };

		fphost_sp_exec(fh, &c, NULL);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fphost_config cfg = { .mem_size = 4u << 20, .flow_cap = 16, .sp_log2 = 4, .ctx_log2 = 5 };
	struct fuzz_in in = { .p = data, .n = size };
	static uint8_t frame[TOFFEE_FRAME_SLOT + 64];
	static const uint8_t pattern[16] = "toffee-fuzz-data";
	struct fuzz_hdr h;
	struct fphost *fh;

	fuzz_read_hdr(&in, &h);
	memcpy(cfg.mac, fuzz_server_mac, 6);
	cfg.promisc = h.flags & FUZZ_HF_PROMISC;
	fh = fphost_create(&cfg);
	if (!fh)
		die("fphost_create");
	fh->now_ns = 1000000000ull;
	memset(app, 0, sizeof(app));
	raw_used = false;
	delivered_total = 0;
	fphost_set_tx_hook(fh, check_tx, NULL);
	FUZZ_DG_START(fh);
	for (uint32_t i = 0; i < N_FLOWS; i++)
		install(fh, i, &h);
	drain(fh);

	for (unsigned steps = 0; in.n && steps < 256; steps++) {
		uint8_t op = fuzz_u8(&in);
		uint32_t len, id = (op >> 3) & 3u;

		switch (op & 7u) {
		case 0: case 1:                     /* a received frame */
			len = fuzz_u16(&in) % (sizeof(frame) - 64);
			len = (uint32_t)fuzz_bytes(&in, frame, len);
			if (op & 0x10)
				fuzz_steer(frame, len, h.client_port + ((op >> 5) & 3u));
			if (op & 0x08)
				fuzz_fix_csums(frame, len);
			fphost_rx(fh, frame, len);
			break;
		case 2:                             /* time passes, the core polls */
			fh->now_ns += (uint64_t)fuzz_u8(&in) << ((op >> 3) & 31u);
			fphost_poll_idle(fh, 64);
			break;
		case 3:                             /* the application appends */
			len = fuzz_u16(&in);
			if (app[id].live) {
				uint32_t room = (1u << app[id].img.tx_buf_log2);
				uint32_t n = len < room ? len : room;

				for (uint32_t o = 0; o < n; o += 16)
					fphost_tx_write(fh, &app[id].img, app[id].tx_end + o, pattern,
							n - o < 16 ? n - o : 16);
				/* the NIC must refuse what does not fit */
				if (fphost_ctx_cmd(fh, 0, id, len, 0) == 0)
					app[id].tx_end += len;
			}
			break;
		case 4:                             /* the application reads */
			consume(fh, id, fuzz_u16(&in));
			break;
		case 5:
			sp_command(fh, &in, op);
			break;
		case 6: {                           /* a context command, any values */
			uint32_t fl = fuzz_u8(&in), tx = fuzz_u16(&in), rx = fuzz_u16(&in);

			fphost_ctx_cmd(fh, 0, fl, tx, rx);
			break;
		}
		default:                            /* a raw frame from the slow path */
			len = fuzz_u16(&in) % TOFFEE_FRAME_SLOT;
			len = (uint32_t)fuzz_bytes(&in, frame, len);
			raw_used = true;
			fphost_raw_send(fh, frame, len ? len : 1);
			break;
		}
		fphost_poll(fh, 16);
		drain(fh);
		FUZZ_DG_STEP(steps);
	}
	fh->now_ns += 1000000000ull;
	fphost_poll_idle(fh, 1024);
	drain(fh);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "fuzz_rx: delivered %llu bytes, %llu frames sent, %llu received\n",
			(unsigned long long)delivered_total, (unsigned long long)fh->tx_total,
			(unsigned long long)fp_counter(fh->fp, TOFFEE_CNT_RX_FRAMES));
	FUZZ_DG_END(fh);
	fphost_destroy(fh);
	return 0;
}
