/* SPDX-License-Identifier: MIT */
/* Internal definitions shared by the fast-path modules (not an API). */
#ifndef TOFFEE_FP_INTERNAL_H
#define TOFFEE_FP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "fp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the fast path assumes a little-endian core (x86-64, aarch64)"
#endif

#define FP_LIKELY(x)   __builtin_expect(!!(x), 1)
#define FP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* nic_flags bits of struct toffee_flow (private to the NIC). */
#define FP_NF_VALID    (1u << 0)  /* installed */
#define FP_NF_QUEUED   (1u << 1)  /* linked in the ready list or the wheel */
#define FP_NF_RTT      (1u << 2)  /* rtt_seq/rtt_start time a segment */

/* Transmit scheduler: a timing wheel for rate-limited flows. */
#define FP_WHEEL_SHIFT 10u                      /* slot = 1024 ns */
#define FP_WHEEL_SLOTS 1024u                    /* ~1 ms horizon */
#define FP_TB_BURST_NS 16384u                   /* idle credit a flow may bank */

/* Header sizes. */
#define FP_ETH_LEN     14u
#define FP_IP_LEN      20u
#define FP_TCP_LEN     20u
#define FP_TS_OPT_LEN  12u                      /* NOP NOP TS(10) */
#define FP_HDRS_LEN    (FP_ETH_LEN + FP_IP_LEN + FP_TCP_LEN)

/* TCP flags. */
#define FP_TH_FIN 0x01u
#define FP_TH_SYN 0x02u
#define FP_TH_RST 0x04u
#define FP_TH_PSH 0x08u
#define FP_TH_ACK 0x10u
#define FP_TH_ECE 0x40u

/* One hash-table slot: a 4-tuple and the flow it maps to (id + 1, 0 = free).
 * Four slots form a 64-byte bucket; a key may live in one of two buckets. */
struct fp_slot {
	uint64_t ips;          /* local_ip << 32 | remote_ip */
	uint32_t ports;        /* local_port << 16 | remote_port */
	uint32_t id_plus1;
};
#define FP_BUCKET_SLOTS 4u
struct fp_bucket {
	struct fp_slot slot[FP_BUCKET_SLOTS];
};

/* NIC-private per-flow data, derived at INSTALL from what only INSTALL sets
 * (next hop, addresses, ports, mss, buffer sizes, the TS and ECN flags):
 * the flow's pure ACK frame as a template, and partial checksums. Beside
 * the 128-byte flow state, never visible to the host (128 bytes per flow,
 * counted by fp_mem_size()). */
struct fp_fx {
	uint8_t  ack[72];      /* the flow's pure ACK (54 or 66 bytes): next hop,
				  IPv4 header with its checksum, ports, NOP NOP
				  TS; fp_send_ack() writes our MAC (it may
				  change) and the fields that vary */
	uint64_t ip_sum;       /* IPv4 header sum but tos and total length */
	uint64_t tcp_sum;      /* TCP sum of the pseudo header but the TCP
				  length, the ports, the header length, and
				  the timestamp option's kind/length word */
	uint64_t mss_ip0;      /* frame bytes 14..21 of a segment of mss bytes */
	uint32_t mss_ip1;      /* frame bytes 22..25 of it: TTL, protocol,
				  IPv4 checksum */
	uint32_t tcp_hlen;     /* 20, or 32 with timestamps */
	uint32_t rx_size;      /* 1 << rx_buf_log2 */
	uint32_t tx_size;      /* 1 << tx_buf_log2 */
	uint32_t ack_lim;      /* fp_ack_too_old()'s bound: 1 << (16 + (snd_wscale & 15)) */
	uint8_t  rsvd[12];
};
_Static_assert(sizeof(struct fp_fx) == 128, "fx entry");

/* RFC 5961 §5: an ACK field further before snd_una (@p una) than the
 * peer's largest window could reach is unacceptable [P10], as one beyond
 * snd_max is. The window bound is 2^(16 + snd_wscale) (above any window
 * the peer can advertise: no MAX.SND.WND to keep; fx->ack_lim); "before"
 * means by less than 2^31: una - ack in [lim, 2^31). The usual ACK field
 * (snd_una or beyond) is told by its sign alone. */
static inline bool fp_ack_too_old(const struct fp_fx *x, uint32_t una, uint32_t ack)
{
	return (int32_t)(una - ack) > 0 && una - ack >= x->ack_lim;
}

struct fp {
	const struct fp_platform *plat;
	const struct fp_host_region *host_map;   /* plat's, NULL = none */
	uint32_t host_regions;
	volatile uint32_t *regs;
	struct toffee_flow *flows;
	struct fp_fx *fx;                        /* beside flows[], same index */
	struct fp_bucket *buckets;
	uint32_t flow_cap;
	uint32_t bucket_mask;
	/* Latched configuration (fp_poll refreshes it from the registers). */
	uint32_t ctrl;
	uint8_t mac[6];
	uint16_t mac_hi16;                       /* mac[4..5] as loaded from memory */
	uint32_t mac_lo32;                       /* mac[0..3] as loaded from memory */
	uint64_t mac_eth;                        /* frame bytes 6..13: mac, IPv4 ethertype */
	uint64_t rx_mac_key;                     /* frame bytes 0..5 << 16 of a frame for
						    us while enabled; 1 (never) if disabled */
	unsigned publish_next;                   /* next counter to publish */
	/* Scheduler: ready FIFO and timing wheel, linked through sched_next. */
	uint32_t ready_head, ready_tail;         /* TOFFEE_FLOW_NONE = empty */
	uint64_t wheel_time;                     /* start of the next slot to expire */
	uint32_t wheel_busy;                     /* wheel slots that hold flows */
	uint32_t wheel_head[FP_WHEEL_SLOTS];
	uint32_t wheel_tail[FP_WHEEL_SLOTS];
	uint64_t cnt[TOFFEE_CNT_COUNT];
	uint8_t frame[TOFFEE_FRAME_SLOT] __attribute__((aligned(64)));
};

/* Sequence-number comparisons (RFC 9293 modular arithmetic). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Unaligned big-endian accessors for wire headers. */
static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return __builtin_bswap16(v); }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return __builtin_bswap32(v); }
static inline void wr16(uint8_t *p, uint16_t v) { v = __builtin_bswap16(v); memcpy(p, &v, 2); }
static inline void wr32(uint8_t *p, uint32_t v) { v = __builtin_bswap32(v); memcpy(p, &v, 4); }

/* Unaligned native-order (little-endian) loads and stores, for writing
 * several header fields with one store. */
static inline uint32_t ld32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st64(void *p, uint64_t v) { memcpy(p, &v, 8); }

static inline uint32_t reg_rd(const struct fp *fp, uint32_t off) { return fp->regs[off / 4]; }
static inline void reg_wr(struct fp *fp, uint32_t off, uint32_t v) { fp->regs[off / 4] = v; }

/* Register offsets of a context's ring block, doorbell page, and a
 * slow-path ring block. */
static inline uint32_t ctx_reg(uint32_t ctx, uint32_t off)
{
	return TOFFEE_REG_CTX_BASE + ctx * TOFFEE_REG_CTX_STRIDE + off;
}
static inline uint32_t db_reg(uint32_t ctx, uint32_t off)
{
	return TOFFEE_REG_DB_BASE + ctx * TOFFEE_REG_DB_STRIDE + off;
}
static inline uint32_t spq_reg(uint32_t q, uint32_t off)
{
	return TOFFEE_REG_SPQ_BASE + q * TOFFEE_REG_SPQ_STRIDE + off;
}
static inline uint64_t ring_base(const struct fp *fp, uint32_t block)
{
	return (uint64_t)reg_rd(fp, block + TOFFEE_Q_BASE_HI) << 32 | reg_rd(fp, block + TOFFEE_Q_BASE_LO);
}

static inline void fp_count(struct fp *fp, unsigned i) { fp->cnt[i]++; }
static inline void fp_drop(struct fp *fp, unsigned reason) { fp->cnt[TOFFEE_CNT_DROP_BASE + reason]++; }

/* Internet checksum (RFC 1071) over native-order words; the folded result
 * is stored into headers as is (RFC 1071 §2(B)). Inline so that fixed
 * header lengths unroll; fp_csum_payload (fp_csum.c) is the out-of-line
 * per-byte part. */
static inline uint64_t fp_csum_add(uint64_t sum, const uint8_t *p, uint32_t len)
{
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len)
		sum += *p;     /* odd byte is the high-order byte in network order */
	return sum;
}
uint64_t fp_csum_payload(uint64_t sum, const uint8_t *p, uint32_t len);
void fp_payload_copy(void *dst, const void *src, uint32_t len);
static inline uint16_t fp_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}
/* fp_csum_fold() of a sum known to be non-zero, in fewer instructions:
 * folding keeps the value modulo 0xffff (2^16 = 1 mod 0xffff), and a
 * non-zero sum folds to the representative in [1, 0xffff]. */
static inline uint16_t fp_csum_fold_nz(uint64_t sum)
{
	return (uint16_t)(1 + (sum - 1) % 0xffffu);
}
/* Pseudo-header sum for TCP over IPv4: addresses in host order. */
static inline uint64_t fp_csum_pseudo(uint32_t src, uint32_t dst, uint32_t tcp_len)
{
	return (uint64_t)__builtin_bswap32(src) + __builtin_bswap32(dst) +
	       __builtin_bswap16(6) + __builtin_bswap16((uint16_t)tcp_len);
}

/* Host memory. Where the platform maps it (fp_platform.host_map), payload
 * and ring entries move with loads and stores; anything outside the map
 * (or every access, without one) goes through the dma_* callbacks, which
 * refuse and count what is not host memory. Payload buffers are checked
 * whole, once per segment. @p len > 0. */
static inline uint8_t *fp_host_ptr(const struct fp *fp, uint64_t iova, uint32_t len)
{
	uint32_t r = (uint32_t)(iova >> 32), off = (uint32_t)iova;
	if (r >= fp->host_regions)
		return NULL;
	const struct fp_host_region *g = &fp->host_map[r];
	/* 0 < off and off + len <= size, for len > 0 (off 0 wraps to 2^32 - 1) */
	if ((uint64_t)(uint32_t)(off - 1) + len >= g->size)
		return NULL;
	uint8_t *p = g->base + off;
	/* A mapped region's bytes are never at address 0: callers' tests of
	 * the result then need no second comparison with NULL. */
	if (!p)
		__builtin_unreachable();
	return p;
}
/* A 16-byte ring entry (w0: bytes 0-7, w1: 8-15, the phase in byte 15):
 * the second word is stored last, with release order, in one 8-byte store,
 * so the phase byte is never seen before the rest. */
static inline void fp_host_write_entry16(struct fp *fp, uint64_t iova, uint64_t w0, uint64_t w1)
{
	uint8_t *p = fp_host_ptr(fp, iova, 16);
	if (FP_LIKELY(p && !((uintptr_t)p & 7))) {
		st64(p, w0);
		__atomic_store_n((uint64_t *)(void *)(p + 8), w1, __ATOMIC_RELEASE);
	} else {
		uint64_t ev[2] = { w0, w1 };
		fp->plat->dma_write_entry(fp->plat->priv, iova, ev, 16);
	}
}

/* fp_flowtab.c: 4-tuple -> flow id. The lookup is inline (the receive
 * path's), insert and remove are in fp_flowtab.c. Two-choice hashing: a
 * key lives in bucket h or in bucket bucket2(h); the RTL uses the same hash
 * (hw/rtl/flow_lookup.sv). */
/* murmur3's 32-bit finaliser: every input bit affects every output bit, so
 * both bucket indices (low and high half) are well spread. */
static inline uint32_t fp_fmix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}
static inline uint32_t fp_flowtab_hash(uint32_t local_ip, uint32_t remote_ip, uint32_t ports)
{
	return fp_fmix32(remote_ip ^ ((local_ip << 7) | (local_ip >> 25)) ^ (ports * 0x9e3779b1u));
}
static inline uint32_t fp_bucket2(uint32_t h) { return (h >> 16) | (h << 16); }
/* The slot holding the key in bucket @p b, or NULL. Unrolled: the common
 * miss on a slot costs one compare of the address pair. */
static inline struct fp_slot *fp_bucket_find(struct fp_bucket *b, uint64_t ips, uint32_t ports)
{
#pragma GCC unroll 4
	for (unsigned i = 0; i < FP_BUCKET_SLOTS; i++) {
		struct fp_slot *s = &b->slot[i];
		if (s->ips == ips && s->ports == ports && s->id_plus1)
			return s;
	}
	return NULL;
}
/* The slot of key @p ips (local_ip << 32 | remote_ip), @p ports, or NULL. */
static inline struct fp_slot *fp_flowtab_find_key(const struct fp *fp, uint64_t ips, uint32_t ports)
{
	uint32_t h = fp_flowtab_hash((uint32_t)(ips >> 32), (uint32_t)ips, ports);
	struct fp_slot *s = fp_bucket_find(&fp->buckets[h & fp->bucket_mask], ips, ports);
	return s ? s : fp_bucket_find(&fp->buckets[fp_bucket2(h) & fp->bucket_mask], ips, ports);
}
static inline struct fp_slot *fp_flowtab_find(const struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports)
{
	return fp_flowtab_find_key(fp, (uint64_t)lip << 32 | rip, ports);
}
static inline uint32_t fp_flowtab_lookup(const struct fp *fp, uint32_t lip, uint32_t rip, uint32_t ports)
{
	const struct fp_slot *s = fp_flowtab_find(fp, lip, rip, ports);
	return s ? s->id_plus1 - 1 : TOFFEE_FLOW_NONE;
}
int fp_flowtab_insert(struct fp *fp, uint32_t local_ip, uint32_t remote_ip, uint32_t ports, uint32_t id);
int fp_flowtab_remove(struct fp *fp, uint32_t local_ip, uint32_t remote_ip, uint32_t ports);
static inline uint32_t fp_flow_ports(const struct toffee_flow *f)
{
	return (uint32_t)f->local_port << 16 | f->remote_port;
}

/* fp_ring.c: ring access through the register file. */
/* A context event is reserved before a segment changes any state (a full
 * ring drops the segment) and committed once its contents are known. */
struct fp_ev_slot {
	volatile uint32_t *blk;   /* the context's EV ring registers */
	volatile uint32_t *db;    /* its doorbell page */
	uint64_t iova;
	uint32_t tail;
	uint8_t phase;
};
/* Inline: every data segment and every ACK that frees buffer space posts
 * one. The ring geometry is read from the registers each time (the core
 * keeps no copy, so the slow path may reset a ring by rewriting them). */
static inline bool fp_ctx_ev_reserve(struct fp *fp, uint32_t ctx, struct fp_ev_slot *slot)
{
	volatile uint32_t *blk = fp->regs + ctx_reg(ctx, TOFFEE_CTX_EV) / 4;
	volatile uint32_t *db = fp->regs + db_reg(ctx, 0) / 4;
	uint32_t log2 = blk[TOFFEE_Q_LOG2 / 4];
	uint32_t tail = blk[TOFFEE_Q_TAIL / 4];
	uint32_t head = db[TOFFEE_DB_EV_HEAD / 4];
	uint32_t size = 1u << log2;
	if (FP_UNLIKELY(!log2 || tail - head >= size))
		return false;
	uint64_t base = (uint64_t)blk[TOFFEE_Q_BASE_HI / 4] << 32 | blk[TOFFEE_Q_BASE_LO / 4];
	slot->blk = blk;
	slot->db = db;
	slot->iova = base + (uint64_t)(tail & (size - 1)) * sizeof(struct toffee_ctx_ev);
	slot->tail = tail;
	slot->phase = !(tail & size);             /* toffee_phase(tail, log2) */
	return true;
}
void fp_ctx_notify(struct fp *fp, uint32_t ctx);
static inline void fp_ctx_ev_commit(struct fp *fp, uint32_t ctx, const struct fp_ev_slot *slot, uint32_t flow,
				    uint32_t rx_bytes, uint32_t tx_freed, uint8_t flags)
{
	/* struct toffee_ctx_ev as two little-endian words: flow_id, rx_bytes |
	 * tx_freed, flags, rsvd[2] = 0, phase */
	fp_host_write_entry16(fp, slot->iova, flow | (uint64_t)rx_bytes << 32,
			      tx_freed | (uint64_t)flags << 32 | (uint64_t)slot->phase << 56);
	slot->blk[TOFFEE_Q_TAIL / 4] = slot->tail + 1;
	/* The event must be visible before ARM is read, or an application that
	 * armed and re-checked the ring in between sleeps through it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (FP_UNLIKELY(slot->db[TOFFEE_DB_ARM / 4]))
		fp_ctx_notify(fp, ctx);
}
/* The same for the receive path's prediction, with fewer values kept in
 * between: fp_ev_room() reads the ring registers (before the segment
 * changes anything) and gives the slot's address and phase bit,
 * fp_ev_post() writes event (w0: flow_id, rx_bytes; w1: tx_freed, flags,
 * phase) there. */
_Static_assert(TOFFEE_Q_BASE_HI == TOFFEE_Q_BASE_LO + 4 && TOFFEE_REG_CTX_BASE % 8 == 0 &&
	       TOFFEE_REG_CTX_STRIDE % 8 == 0 && TOFFEE_CTX_EV % 8 == 0, "ring base as one 64-bit register pair");
static inline __attribute__((always_inline)) volatile uint32_t *fp_ev_blk(const struct fp *fp, uint32_t ctx)
{
	return fp->regs + TOFFEE_REG_CTX_BASE / 4 + (size_t)ctx * (TOFFEE_REG_CTX_STRIDE / 4) + TOFFEE_CTX_EV / 4;
}
static inline __attribute__((always_inline)) volatile uint32_t *fp_db(const struct fp *fp, uint32_t ctx)
{
	return fp->regs + TOFFEE_REG_DB_BASE / 4 + (size_t)ctx * (TOFFEE_REG_DB_STRIDE / 4);
}
/* The ring's register block and doorbell page go from fp_ev_room() to
 * fp_ev_post() in struct fp_ev_regs (fp->regs would be read again: the
 * stores in between may alias it, as far as the compiler knows). */
struct fp_ev_regs {
	volatile uint32_t *blk, *db;
};
static inline __attribute__((always_inline)) bool fp_ev_room(const struct fp *fp, uint32_t ctx, uint32_t *tail,
							     uint64_t *iova, uint64_t *phase, struct fp_ev_regs *r)
{
	volatile uint32_t *blk = fp_ev_blk(fp, ctx), *db = fp_db(fp, ctx);
	r->blk = blk;
	r->db = db;
	uint32_t l = blk[TOFFEE_Q_LOG2 / 4], t = blk[TOFFEE_Q_TAIL / 4];
	uint32_t head = db[TOFFEE_DB_EV_HEAD / 4];
	uint32_t size = 1u << l;
	if (FP_UNLIKELY(!l || t - head >= size))
		return false;
	/* BASE_LO and BASE_HI in one little-endian 64-bit read */
	*iova = *(volatile uint64_t *)(blk + TOFFEE_Q_BASE_LO / 4) +
		(uint64_t)(t & (size - 1)) * sizeof(struct toffee_ctx_ev);
	*phase = (uint64_t)!(t & size) << 56;
	*tail = t;
	return true;
}
/* fp_ev_post() where the entry is not in mapped host memory or not
 * 8-byte aligned (fp_ring.c): out of line, and the common post calls
 * nothing. */
void fp_ev_post_dma(struct fp *fp, uint32_t ctx, uint32_t tail, uint64_t iova, uint64_t w0, uint64_t w1);
static inline __attribute__((always_inline)) void
fp_ev_post(struct fp *fp, uint32_t ctx, const struct fp_ev_regs *r, uint32_t tail, uint64_t iova, uint64_t w0,
	   uint64_t w1)
{
	/* fp_host_write_entry16(), with the platform's write out of line */
	uint8_t *p = fp_host_ptr(fp, iova, 16);
	if (FP_UNLIKELY(!p || ((uintptr_t)p & 7)))
		return fp_ev_post_dma(fp, ctx, tail, iova, w0, w1);
	st64(p, w0);
	__atomic_store_n((uint64_t *)(void *)(p + 8), w1, __ATOMIC_RELEASE);
	r->blk[TOFFEE_Q_TAIL / 4] = tail + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (FP_UNLIKELY(r->db[TOFFEE_DB_ARM / 4]))
		fp_ctx_notify(fp, ctx);
}
_Static_assert(sizeof(struct toffee_ctx_ev) == 16 && offsetof(struct toffee_ctx_ev, rx_bytes) == 4 &&
	       offsetof(struct toffee_ctx_ev, tx_freed) == 8 && offsetof(struct toffee_ctx_ev, flags) == 12 &&
	       offsetof(struct toffee_ctx_ev, phase) == 15, "ctx event layout");
void fp_exc_post(struct fp *fp, uint32_t flow, unsigned reason, const uint8_t *frame, uint32_t len);
bool fp_fb_space(struct fp *fp);
void fp_fb_post(struct fp *fp, const struct toffee_sp_fb *fb);

/* fp_tx.c: segments built from flow state. */
/* IDLE: nothing sent (no data or no window); SENT: sent, nothing more now;
 * MORE: sent, more to send; WAIT_RATE: over rate until tb_time; BUSY: MAC full. */
enum fp_tx_result { FP_TX_IDLE, FP_TX_SENT, FP_TX_MORE, FP_TX_WAIT_RATE, FP_TX_BUSY };
/* A pure ACK; with TOFFEE_FLOWF_SACK it carries SACK blocks: a D-SACK
 * block [dup_seq, dup_seq + dup_len) if dup_len (duplicate bytes: a
 * segment below rcv_nxt, the front of one that reaches past it, or one
 * inside the interval), then the out-of-order interval if there is one. */
void fp_tx_ack(struct fp *fp, const struct toffee_flow *f, uint32_t id, uint64_t now, bool ece,
	       uint32_t dup_seq, uint32_t dup_len);
/* Serve the scheduler's ready flows: up to @p budget segments, one per
 * flow per turn. Returns the number sent. */
unsigned fp_tx_run(struct fp *fp, uint64_t now, unsigned budget);
static inline bool fp_tx_pending(const struct toffee_flow *f)
{
	return seq_lt(f->snd_nxt, f->tx_end) ||
	       ((f->flags & TOFFEE_FLOWF_TX_FIN) && f->snd_nxt == f->tx_end);
}

/* The IPv4 tos of a segment of @p len payload bytes: ECT(0) on data of
 * an ECN flow. */
static inline uint8_t fp_tx_tos(const struct toffee_flow *f, uint32_t len)
{
	return (f->flags & TOFFEE_FLOWF_ECN) && len ? 0x02 : 0;
}
/* Fill flow @p id's fx entry (INSTALL; fp_tx.c). */
void fp_fx_init(struct fp *fp, uint32_t id);

/*
 * Write Ethernet, IPv4 and TCP headers (+ timestamps) of flow @p f (fx entry
 * @p x) for a segment carrying @p plen payload bytes into fp->frame. Both
 * checksums are computed from the field values as they are written (no
 * second pass over the bytes): a one's-complement sum of host-order 32-bit
 * words, folded, is the host-order value of the big-endian checksum; the
 * words that are the same for every segment of the flow are summed once,
 * at INSTALL (fx). *sum gets the TCP partial sum without the payload (the
 * TCP checksum field is left 0, see fp_put_tcp_csum). Returns the header
 * length. Fields are stored 4 or 8 bytes at a time. With timestamps if
 * @p ts, a constant (the transmit path has a copy for each). @p xopt more
 * option bytes (a multiple of 4) follow the header's own; the caller
 * writes them and adds them to *sum. Always inline.
 */
static inline __attribute__((always_inline)) uint32_t
fp_build_headers_ts(struct fp *fp, const struct toffee_flow *f, const struct fp_fx *x, uint32_t seq,
		    uint8_t th_flags, uint32_t plen, uint64_t now, uint64_t *sum, bool ts, uint32_t xopt)
{
	/* The frame aliases none of the values read (restrict): each is read
	 * where it is stored, so that few are held at once. */
	uint8_t *__restrict p = fp->frame;   /* __restrict: C++ includes this too */
	uint32_t tcp_hlen = (ts ? FP_TCP_LEN + FP_TS_OPT_LEN : FP_TCP_LEN) + xopt;
	uint32_t ip_len = FP_IP_LEN + tcp_hlen + plen;

	/* Ethernet: the next hop (8 bytes stored, the last two are overwritten
	 * by the next store), our MAC, the IPv4 ethertype. */
	st64(p, ld64(f->remote_mac));
	st64(p + 6, fp->mac_eth);
	/* IPv4 bytes 0-7: ihl 5, tos, total length, ID 0, DF; 8-11: TTL 64,
	 * TCP, checksum; 12-19: addresses; then the TCP ports. A segment of
	 * mss bytes (tos as fp_tx_tos() gives it) has its first 12 bytes in fx. */
	if (FP_LIKELY(plen == f->mss)) {
		st64(p + 14, x->mss_ip0);
		st32(p + 22, x->mss_ip1);
	} else {
		uint8_t tos = fp_tx_tos(f, plen);
		uint16_t ip_csum = (uint16_t)~fp_csum_fold_nz(x->ip_sum + tos + ip_len);
		st64(p + 14, 0x45u | (uint32_t)tos << 8 | (uint32_t)__builtin_bswap16((uint16_t)ip_len) << 16 |
			     (uint64_t)0x40 << 48);
		st32(p + 22, 0x0640u | (uint32_t)__builtin_bswap16(ip_csum) << 16);
	}
	st64(p + 26, ld64(x->ack + 26));
	st32(p + 34, ld32(x->ack + 34));

	/* TCP: seq, ack, offset/flags/window, checksum 0, urgent pointer 0,
	 * options. */
	uint8_t *th = p + FP_ETH_LEN + FP_IP_LEN;
	uint32_t ack = f->rcv_nxt;
	uint32_t w = f->rx_avail >> f->rcv_wscale;        /* window we advertise */
	uint32_t flags_win = (uint32_t)th_flags << 16 | (w > 0xffffu ? 0xffffu : w);
	st64(th + 4, __builtin_bswap64((uint64_t)seq << 32 | ack));
	st64(th + 12, __builtin_bswap32((tcp_hlen / 4) << 28 | flags_win));
	uint64_t s = x->tcp_sum + plen + seq + ack + flags_win;   /* 64-bit: keep carries */
	s += xopt + ((uint64_t)(xopt / 4) << 28);            /* TCP length, data offset */
	if (ts) {
		uint32_t tsval = (uint32_t)(now >> TOFFEE_TS_SHIFT), ts_recent = f->ts_recent;
		st32(th + 20, __builtin_bswap32(0x0101080au));   /* NOP NOP kind 8 len 10 */
		st64(th + 24, __builtin_bswap64((uint64_t)tsval << 32 | ts_recent));
		s += (uint64_t)tsval + ts_recent;                 /* 64-bit: keep carries */
	}
	*sum = s;
	return FP_ETH_LEN + FP_IP_LEN + tcp_hlen;
}

/* Store the TCP checksum from a host-order partial sum. */
static inline void fp_put_tcp_csum(struct fp *fp, uint64_t host_sum)
{
	wr16(fp->frame + FP_ETH_LEN + FP_IP_LEN + 16, (uint16_t)~fp_csum_fold_nz(host_sum));
}

/* A pure ACK, in the flow's template (fx): as fp_build_headers_ts() with
 * plen 0 and tos 0 would build it, writing only what is not constant. */
static inline __attribute__((always_inline)) uint32_t
fp_build_ack_ts(struct fp *fp, const struct toffee_flow *f, struct fp_fx *x, uint8_t th_flags,
		uint64_t now, bool ts)
{
	uint8_t *p = x->ack;
	uint64_t mac_eth = fp->mac_eth;
	uint32_t ts_recent = f->ts_recent, seq = f->snd_nxt, ack = f->rcv_nxt;
	uint32_t w = f->rx_avail >> f->rcv_wscale;
	uint64_t s = x->tcp_sum;
	uint32_t tcp_hlen = ts ? FP_TCP_LEN + FP_TS_OPT_LEN : FP_TCP_LEN;

	st64(p + 6, mac_eth);                     /* our MAC, the IPv4 ethertype */
	uint8_t *th = p + FP_ETH_LEN + FP_IP_LEN;
	uint32_t flags_win = (uint32_t)th_flags << 16 | (w > 0xffffu ? 0xffffu : w);
	st64(th + 4, __builtin_bswap64((uint64_t)seq << 32 | ack));
	s = s + seq + ack + flags_win;
	if (ts) {
		uint32_t tsval = (uint32_t)(now >> TOFFEE_TS_SHIFT);
		st64(th + 24, __builtin_bswap64((uint64_t)tsval << 32 | ts_recent));
		s += (uint64_t)tsval + ts_recent;
	}
	/* data offset, flags, window; the checksum (the urgent pointer is 0
	 * in the template) */
	st32(th + 12, __builtin_bswap32((tcp_hlen / 4) << 28 | flags_win));
	wr16(th + 16, (uint16_t)~fp_csum_fold_nz(s));
	return FP_ETH_LEN + FP_IP_LEN + tcp_hlen;
}

/* Hand a built ACK to the MAC: counted as sent, or dropped if refused. */
static inline void fp_ack_out(struct fp *fp, const uint8_t *frame, uint32_t len)
{
	if (FP_UNLIKELY(fp->plat->tx(fp->plat->priv, frame, len) != 0)) {
		fp_drop(fp, TOFFEE_DROP_TX_BUSY);
		return;
	}
	fp_count(fp, TOFFEE_CNT_TX_ACKS);
}

/* Send a pure ACK from the flow's template (inline for the receive path;
 * fp_tx_ack() is the out-of-line form, with SACK blocks). */
static inline __attribute__((always_inline)) void
fp_send_ack(struct fp *fp, const struct toffee_flow *f, uint32_t id, uint64_t now, bool ece)
{
	struct fp_fx *x = &fp->fx[id];
	uint8_t fl = FP_TH_ACK | (ece ? FP_TH_ECE : 0);
	uint32_t len = (f->flags & TOFFEE_FLOWF_TS) ? fp_build_ack_ts(fp, f, x, fl, now, true)
						    : fp_build_ack_ts(fp, f, x, fl, now, false);
	fp_ack_out(fp, x->ack, len);
}

/* fp_sched.c: transmit scheduler (ready FIFO and timing wheel, lists
 * linked through sched_next; FP_NF_QUEUED marks a flow in one of them). */
void fp_sched_init(struct fp *fp, uint64_t now);
void fp_sched_wheel_walk(struct fp *fp, uint64_t now);
void fp_sched_wait(struct fp *fp, struct toffee_flow *f, uint32_t id, uint64_t when);
/* Queue a flow that has something to send and is not queued yet: at the
 * end of the ready FIFO. Inline (a few stores): the receive path keeps
 * fewer values across a call. */
static inline void fp_sched_kick(struct fp *fp, struct toffee_flow *f, uint32_t id)
{
	if (!(f->nic_flags & FP_NF_QUEUED) && fp_tx_pending(f)) {
		f->nic_flags |= FP_NF_QUEUED;
		f->sched_next = TOFFEE_FLOW_NONE;
		if (fp->ready_tail == TOFFEE_FLOW_NONE)
			fp->ready_head = id;
		else
			fp->flows[fp->ready_tail].sched_next = id;
		fp->ready_tail = id;
	}
}
/* Remove flow @p f, the first of the ready FIFO, from it. */
static inline void fp_sched_pop(struct fp *fp, struct toffee_flow *f)
{
	fp->ready_head = f->sched_next;
	if (fp->ready_head == TOFFEE_FLOW_NONE)
		fp->ready_tail = TOFFEE_FLOW_NONE;
	f->nic_flags &= (uint8_t)~FP_NF_QUEUED;
}
/* Move flow @p id, the first of the ready FIFO, to its end (what removing
 * and queueing it again does, without touching what stays the same). */
static inline void fp_sched_rotate(struct fp *fp, struct toffee_flow *f, uint32_t id)
{
	if (f->sched_next == TOFFEE_FLOW_NONE)
		return;                            /* alone: already the last */
	fp->ready_head = f->sched_next;
	fp->flows[fp->ready_tail].sched_next = id;
	fp->ready_tail = id;
	f->sched_next = TOFFEE_FLOW_NONE;
}
/* Move the wheel slots that expired by @p now to the ready FIFO. With
 * every slot empty the walk would move nothing and end with wheel_time at
 * the first slot start after now (wheel_time is a multiple of the slot
 * size): that is computed directly. */
static inline void fp_sched_advance(struct fp *fp, uint64_t now)
{
	if (FP_LIKELY(fp->wheel_busy == 0)) {
		if ((int64_t)(now - fp->wheel_time) >= 0)
			fp->wheel_time = (now >> FP_WHEEL_SHIFT << FP_WHEEL_SHIFT) + (1u << FP_WHEEL_SHIFT);
		return;
	}
	fp_sched_wheel_walk(fp, now);
}

/* fp_ack.c: the ACK field of an accepted segment (RFC 9293 §3.10.7.4,
 * RFC 5681 §3.2). Returns bytes freed in the transmit buffer. Inline: a new
 * cumulative ACK, and the duplicate that changes nothing; fp_ack_same()
 * (fp_ack.c) takes an ACK of snd_una that counts as a duplicate or updates
 * the window. */
uint32_t fp_ack_same(struct fp *fp, struct toffee_flow *f, uint32_t id, uint32_t peer_wnd, bool pure);
/* The ACK field @p ack, beyond snd_una (@p una), with window field @p wnd. */
static inline __attribute__((always_inline)) uint32_t
fp_ack_new(struct fp *fp, struct toffee_flow *f, uint32_t id, uint32_t una, uint32_t ack, uint32_t wnd,
	   bool ece, uint64_t now)
{
	uint32_t peer_wnd = wnd << f->snd_wscale;
	uint32_t acked = ack - una;
	/* Bytes freed exclude our FIN, which occupies tx_end. */
	uint32_t data_end = seq_gt(ack, f->tx_end) ? f->tx_end : ack;
	uint32_t freed = seq_gt(data_end, una) ? data_end - una : 0;
	f->snd_una = ack;
	if (seq_lt(f->snd_nxt, ack))
		f->snd_nxt = ack;          /* after go-back-N */
	f->dupacks = 0;
	f->snd_wnd = peer_wnd;
	f->fb_acked += acked;
	if (ece)
		f->fb_ecn_acked += acked;
	if ((f->nic_flags & FP_NF_RTT) && seq_geq(ack, f->rtt_seq)) {
		f->fb_rtt_us = ((uint32_t)now - f->rtt_start) / 1000u;
		f->nic_flags &= (uint8_t)~FP_NF_RTT;
	}
	fp_count(fp, TOFFEE_CNT_RX_ACKS);
	fp_sched_kick(fp, f, id);
	return freed;
}
static inline uint32_t fp_ack_process(struct fp *fp, struct toffee_flow *f, uint32_t id, uint32_t ack,
				      uint32_t wnd, bool pure, bool ece, uint64_t now)
{
	uint32_t una = f->snd_una;
	uint32_t peer_wnd = wnd << f->snd_wscale;

	if (seq_gt(ack, una))
		return fp_ack_new(fp, f, id, una, ack, wnd, ece, now);
	/* An old ACK is ignored; so is an ACK of snd_una that neither counts
	 * as a duplicate (it carries data, or nothing is outstanding) nor
	 * changes the window. */
	if (ack != una || (peer_wnd == f->snd_wnd && (!pure || una == f->snd_max)))
		return 0;
	return fp_ack_same(fp, f, id, peer_wnd, pure);
}

/* fp_cmd.c: slow-path commands, raw frames and application commands. */
unsigned fp_cmd_poll_sp(struct fp *fp, uint64_t now);
unsigned fp_cmd_poll_raw(struct fp *fp);
unsigned fp_cmd_poll_ctx(struct fp *fp, uint64_t now);

#endif /* TOFFEE_FP_INTERNAL_H */
