/* SPDX-License-Identifier: MIT */
/* Fast-path lifecycle: memory layout, initialisation, the poll loop body,
 * counters and names. */
#include "fp_internal.h"

#define ALIGN64(x) (((x) + 63u) & ~(size_t)63u)

static size_t buckets_for(uint32_t flow_cap)
{
	return (size_t)flow_cap * 2 / FP_BUCKET_SLOTS;   /* two slots per flow */
}

size_t fp_mem_size(uint32_t flow_cap)
{
	return ALIGN64(sizeof(struct fp)) + (size_t)flow_cap * sizeof(struct toffee_flow) +
	       (size_t)flow_cap * sizeof(struct fp_fx) + buckets_for(flow_cap) * sizeof(struct fp_bucket);
}

static void latch_config(struct fp *fp)
{
	fp->ctrl = reg_rd(fp, TOFFEE_REG_CTRL);
	uint32_t lo = reg_rd(fp, TOFFEE_REG_MAC_LO), hi = reg_rd(fp, TOFFEE_REG_MAC_HI);
	fp->mac[0] = (uint8_t)lo;
	fp->mac[1] = (uint8_t)(lo >> 8);
	fp->mac[2] = (uint8_t)(lo >> 16);
	fp->mac[3] = (uint8_t)(lo >> 24);
	fp->mac[4] = (uint8_t)hi;
	fp->mac[5] = (uint8_t)(hi >> 8);
	memcpy(&fp->mac_lo32, fp->mac, 4);
	memcpy(&fp->mac_hi16, fp->mac + 4, 2);
	uint8_t eth[8] = { fp->mac[0], fp->mac[1], fp->mac[2], fp->mac[3], fp->mac[4], fp->mac[5], 0x08, 0x00 };
	memcpy(&fp->mac_eth, eth, 8);
	fp->rx_mac_key = (fp->ctrl & TOFFEE_CTRL_ENABLE) ? ((uint64_t)fp->mac_hi16 << 32 | fp->mac_lo32) << 16 : 1;
}

struct fp *fp_init(void *mem, size_t mem_len, uint32_t flow_cap,
		   const struct fp_platform *plat, volatile uint32_t *regs)
{
	if (flow_cap < 16 || flow_cap > (1u << 24) || (flow_cap & (flow_cap - 1)) ||
	    ((uintptr_t)mem & 63) || mem_len < fp_mem_size(flow_cap) || !plat || !regs)
		return NULL;
	memset(mem, 0, fp_mem_size(flow_cap));
	struct fp *fp = mem;
	fp->plat = plat;
	fp->host_map = plat->host_map;
	fp->host_regions = plat->host_map ? plat->host_regions : 0;
	fp->regs = regs;
	fp->flow_cap = flow_cap;
	fp->flows = (struct toffee_flow *)((uint8_t *)mem + ALIGN64(sizeof(struct fp)));
	fp->fx = (struct fp_fx *)(fp->flows + flow_cap);
	fp->buckets = (struct fp_bucket *)(fp->fx + flow_cap);
	fp->bucket_mask = (uint32_t)buckets_for(flow_cap) - 1;
	fp_sched_init(fp, 0);
	reg_wr(fp, TOFFEE_REG_ID, TOFFEE_ABI_ID);
	reg_wr(fp, TOFFEE_REG_VERSION, TOFFEE_ABI_MAJOR << 16 | TOFFEE_ABI_MINOR);
	reg_wr(fp, TOFFEE_REG_FEATURES, TOFFEE_FEAT_TS | TOFFEE_FEAT_ECN | TOFFEE_FEAT_RATE | TOFFEE_FEAT_OOO1 |
	       TOFFEE_FEAT_SACK | TOFFEE_FEAT_SLOWMARK);
	reg_wr(fp, TOFFEE_REG_FLOW_CAP, flow_cap);
	reg_wr(fp, TOFFEE_REG_CTX_CAP, TOFFEE_MAX_CTX);
	latch_config(fp);
	return fp;
}

/* Copy a sixteenth of the counters to the register file per poll, and
 * re-read the MAC once per round: constant, small work per poll. */
#define FP_PUBLISH_PER_POLL (TOFFEE_CNT_COUNT / 16)
_Static_assert(TOFFEE_REG_CNT_BASE % 8 == 0 && TOFFEE_CNT_COUNT % FP_PUBLISH_PER_POLL == 0,
	       "a counter is one aligned little-endian 64-bit register pair; no wrap within a poll's share");
static void publish_some(struct fp *fp)
{
	unsigned base = fp->publish_next;
	/* low and high halves in one 64-bit store (the same bytes as two
	 * 32-bit ones) */
	volatile uint64_t *reg = (volatile uint64_t *)(void *)(fp->regs + TOFFEE_REG_CNT(base) / 4);
#pragma GCC unroll 16
	for (unsigned i = 0; i < FP_PUBLISH_PER_POLL; i++)
		reg[i] = fp->cnt[base + i];
	fp->publish_next = (base + FP_PUBLISH_PER_POLL) % TOFFEE_CNT_COUNT;
	if (fp->publish_next == 0)
		latch_config(fp);
}

unsigned fp_poll_tx(struct fp *fp, uint64_t now_ns, unsigned tx_budget)
{
	return (fp->ctrl & TOFFEE_CTRL_ENABLE) ? fp_tx_run(fp, now_ns, tx_budget) : 0;
}

unsigned fp_poll(struct fp *fp, uint64_t now_ns, unsigned tx_budget)
{
	uint32_t ctrl = reg_rd(fp, TOFFEE_REG_CTRL);
	if (FP_UNLIKELY(ctrl != fp->ctrl))
		latch_config(fp);
	unsigned n = 0;
	if (ctrl & TOFFEE_CTRL_ENABLE) {
		n += fp_cmd_poll_sp(fp, now_ns);
		n += fp_cmd_poll_raw(fp);
		n += fp_cmd_poll_ctx(fp, now_ns);
		n += fp_tx_run(fp, now_ns, tx_budget);
	}
	publish_some(fp);
	return n;
}

uint64_t fp_counter(const struct fp *fp, unsigned i)
{
	return i < TOFFEE_CNT_COUNT ? fp->cnt[i] : 0;
}

void fp_platform_drops(struct fp *fp, unsigned reason, uint64_t n)
{
	if (reason && reason < TOFFEE_DROP_COUNT)
		fp->cnt[TOFFEE_CNT_DROP_BASE + reason] += n;
}

const struct toffee_flow *fp_flow(const struct fp *fp, uint32_t id)
{
	if (id >= fp->flow_cap || !(fp->flows[id].nic_flags & FP_NF_VALID))
		return NULL;
	return &fp->flows[id];
}

static const char *const exc_names[TOFFEE_EXC_COUNT] = {
	[TOFFEE_EXC_NOT_IPV4] = "not_ipv4", [TOFFEE_EXC_IP_OPTS_FRAG] = "ip_opts_frag",
	[TOFFEE_EXC_NOT_TCP] = "not_tcp", [TOFFEE_EXC_NO_FLOW] = "no_flow",
	[TOFFEE_EXC_SLOW_FLOW] = "slow_flow", [TOFFEE_EXC_SYN] = "syn", [TOFFEE_EXC_RST] = "rst",
	[TOFFEE_EXC_NO_ACK] = "no_ack", [TOFFEE_EXC_OPTIONS] = "options",
	[TOFFEE_EXC_ACK_UNACCEPTABLE] = "ack_unacceptable",
	[TOFFEE_EXC_OUT_OF_WINDOW] = "out_of_window", [TOFFEE_EXC_ZERO_WINDOW] = "zero_window",
	[TOFFEE_EXC_FIN] = "fin",
};
static const char *const drop_names[TOFFEE_DROP_COUNT] = {
	[TOFFEE_DROP_RUNT] = "runt", [TOFFEE_DROP_NOT_FOR_US] = "not_for_us",
	[TOFFEE_DROP_IP_HDR] = "ip_hdr", [TOFFEE_DROP_IP_CSUM] = "ip_csum",
	[TOFFEE_DROP_TCP_HDR] = "tcp_hdr", [TOFFEE_DROP_TCP_CSUM] = "tcp_csum",
	[TOFFEE_DROP_OLD_DATA] = "old_data", [TOFFEE_DROP_OOO] = "ooo",
	[TOFFEE_DROP_EXC_FULL] = "exc_full", [TOFFEE_DROP_CTX_FULL] = "ctx_full",
	[TOFFEE_DROP_CMD_BAD] = "cmd_bad", [TOFFEE_DROP_CMD_NOT_OWNER] = "cmd_not_owner",
	[TOFFEE_DROP_RAW_BAD] = "raw_bad", [TOFFEE_DROP_TX_BUSY] = "tx_busy",
	[TOFFEE_DROP_OVERSIZE] = "oversize", [TOFFEE_DROP_DISABLED] = "disabled",
	[TOFFEE_DROP_MAC_FCS] = "mac_fcs", [TOFFEE_DROP_MAC_OVERFLOW] = "mac_overflow",
};

const char *fp_exc_name(unsigned reason)
{
	return reason < TOFFEE_EXC_COUNT && exc_names[reason] ? exc_names[reason] : "?";
}

const char *fp_drop_name(unsigned reason)
{
	return reason < TOFFEE_DROP_COUNT && drop_names[reason] ? drop_names[reason] : "?";
}
