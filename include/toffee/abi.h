/* SPDX-License-Identifier: MIT */
/**
 * @file abi.h
 * The host <-> NIC ABI of toffee, defined once.
 *
 * Everything the host (slow path, library) and the NIC (C firmware or RTL)
 * exchange is defined here: the register map, the ring entry formats, the
 * frame slots of the slow-path rings and the per-flow fast-path state.
 * The RTL's view (hw/rtl/toffee_abi_pkg.sv) is generated from this file by
 * tools/abi2sv.c; a test checks the generated file is current.
 *
 * Conventions (see docs/abi.md for diagrams):
 *  - little-endian, naturally aligned, fixed-size entries;
 *  - rings are power-of-two sized; indices are free-running 32-bit counters,
 *    the slot is (index & (size - 1)); the ring is empty when head == tail
 *    and full when tail - head == size;
 *  - the last byte of every entry is the phase byte, written last after a
 *    write barrier: 1 on the first lap, 0 on the second, and so on
 *    (phase = ((index >> log2_size) & 1) ^ 1);
 *  - no pointers, only IOVAs (addresses in the device's view of host memory);
 *  - "W: host" / "W: nic" / "W: sp" (slow path) / "W: app" name the writer.
 *  - sequence numbers and IPv4 addresses are host byte order in this ABI;
 *    the NIC converts on the wire.
 */
#ifndef TOFFEE_ABI_H
#define TOFFEE_ABI_H

#include <stdint.h>
#include <stddef.h>

#define TOFFEE_ABI_ID          0x746f6666u /* "toff" */
#define TOFFEE_ABI_MAJOR       1u
#define TOFFEE_ABI_MINOR       2u   /* 1: SACK blocks in ACKs; 2: CMD_SET_SLOWPATH */

/* ------------------------------------------------------------------------ */
/* Limits                                                                   */
/* ------------------------------------------------------------------------ */
#define TOFFEE_MAX_CTX         256u   /* application contexts */
#define TOFFEE_FRAME_SLOT      2048u  /* bytes per frame slot (exc/raw rings) */
#define TOFFEE_MAX_FRAME       1518u  /* largest Ethernet frame handled (no FCS) */
#define TOFFEE_FLOW_NONE       0xffffffffu
#define TOFFEE_RING_LOG2_MIN   2u
#define TOFFEE_RING_LOG2_MAX   16u
#define TOFFEE_BUF_LOG2_MIN    12u    /* payload buffers: 4 KiB ... */
#define TOFFEE_BUF_LOG2_MAX    30u    /* ... 1 GiB */

/* ------------------------------------------------------------------------ */
/* Register map (BAR0, 32-bit registers, byte offsets)                      */
/* ------------------------------------------------------------------------ */
/* Identification block. W: nic (read-only for the host). */
#define TOFFEE_REG_ID          0x0000u /* TOFFEE_ABI_ID */
#define TOFFEE_REG_VERSION     0x0004u /* major << 16 | minor */
#define TOFFEE_REG_FEATURES    0x0008u /* TOFFEE_FEAT_* */
#define TOFFEE_REG_FLOW_CAP    0x000cu /* number of flow slots */
#define TOFFEE_REG_CTX_CAP     0x0010u /* number of contexts */
/* Control. W: sp. */
#define TOFFEE_REG_CTRL        0x0014u /* TOFFEE_CTRL_* */
#define TOFFEE_REG_MAC_LO      0x0018u /* local MAC bytes 0..3 (byte 0 in bits 7:0) */
#define TOFFEE_REG_MAC_HI      0x001cu /* local MAC bytes 4..5 */
#define TOFFEE_REG_CTX_LIMIT   0x0020u /* contexts in use are below this index
                                          (0 = all TOFFEE_MAX_CTX); bounds the
                                          doorbell scan of the firmware */

#define TOFFEE_FEAT_TS         (1u << 0) /* TCP timestamps */
#define TOFFEE_FEAT_ECN        (1u << 1) /* ECN / DCTCP feedback */
#define TOFFEE_FEAT_RATE       (1u << 2) /* per-flow rate limiting */
#define TOFFEE_FEAT_OOO1       (1u << 3) /* one out-of-order interval */
#define TOFFEE_FEAT_SACK       (1u << 4) /* SACK / D-SACK blocks in the NIC's ACKs (TOFFEE_FLOWF_SACK) */
#define TOFFEE_FEAT_SLOWMARK   (1u << 5) /* TOFFEE_CMD_SET_SLOWPATH */

#define TOFFEE_CTRL_ENABLE     (1u << 0)
#define TOFFEE_CTRL_PROMISC    (1u << 1) /* accept frames for any MAC */

/* Slow-path rings: block of 8 registers per ring at SPQ_BASE + q * SPQ_STRIDE. */
#define TOFFEE_REG_SPQ_BASE    0x0100u
#define TOFFEE_REG_SPQ_STRIDE  0x0020u
#define TOFFEE_SPQ_EXC         0u /* exceptions NIC -> sp, 16 B + frame slot */
#define TOFFEE_SPQ_RAW         1u /* raw frames sp -> NIC, 16 B + frame slot */
#define TOFFEE_SPQ_CMD         2u /* commands sp -> NIC, 32 B */
#define TOFFEE_SPQ_FB          3u /* feedback/completions NIC -> sp, 32 B */
#define TOFFEE_SPQ_COUNT       4u
/* Offsets inside a ring block (also used by the context block below). */
#define TOFFEE_Q_BASE_LO       0x00u /* W: sp. ring IOVA, aligned to the entry size */
#define TOFFEE_Q_BASE_HI       0x04u
#define TOFFEE_Q_LOG2          0x08u /* W: sp. log2(entries); 0 = ring disabled */
#define TOFFEE_Q_BUF_LO        0x0cu /* W: sp. frame slots IOVA (EXC/RAW only) */
#define TOFFEE_Q_BUF_HI        0x10u
#define TOFFEE_Q_HEAD          0x14u /* consumer index: W by the consumer */
#define TOFFEE_Q_TAIL          0x18u /* producer index: W by the producer */

/* Context configuration (privileged, W: sp): CTX_BASE + ctx * CTX_STRIDE.
 * Two rings per context: events (NIC -> app) and commands (app -> NIC).
 * The app-written indices live in the context's doorbell page instead
 * (EV Q_HEAD and CMD Q_TAIL of this block are unused); the NIC-written
 * ones (EV Q_TAIL, CMD Q_HEAD) live here. The slow path zeroes all four
 * before it enables a context (Q_LOG2 != 0). */
#define TOFFEE_REG_CTX_BASE    0x1000u
#define TOFFEE_REG_CTX_STRIDE  0x0040u
#define TOFFEE_CTX_EV          0x00u  /* ring block (Q_*) for events */
#define TOFFEE_CTX_CMD         0x20u  /* ring block (Q_*) for commands */
/* Context doorbell pages (one 4 KiB page per context, mapped into the app:
 * the only part of the device an application can reach). Writes of the
 * app to DB_CMD_HEAD are ignored (the RTL) or overwritten (the firmware). */
#define TOFFEE_REG_DB_BASE     0x10000u
#define TOFFEE_REG_DB_STRIDE   0x1000u
#define TOFFEE_DB_CMD_TAIL     0x00u  /* W: app. producer index of the CMD ring */
#define TOFFEE_DB_EV_HEAD      0x04u  /* W: app. consumer index of the EV ring */
#define TOFFEE_DB_ARM          0x08u  /* W: app. 1 = notify on next event */
#define TOFFEE_DB_CMD_HEAD     0x0cu  /* W: nic. consumer index of the CMD ring: a
                                         mirror of the context block's CMD Q_HEAD,
                                         so the app needs no other page */

/* Counters (W: nic, 64-bit as LO/HI pairs, wrapping). The firmware
 * refreshes a few per poll: a reading may lag by up to 16 polls. */
#define TOFFEE_REG_CNT_BASE    0x0800u
#define TOFFEE_REG_BAR_SIZE    (TOFFEE_REG_DB_BASE + TOFFEE_MAX_CTX * TOFFEE_REG_DB_STRIDE)

/** Register offset of counter @p i (see TOFFEE_CNT_*). */
#define TOFFEE_REG_CNT(i)      (TOFFEE_REG_CNT_BASE + 8u * (i))

/* ------------------------------------------------------------------------ */
/* Exception reasons: why a frame was punted to the slow path.             */
/* The numbers match the "punt when ..." list at the top of firmware/fp_rx.c */
/* and hw/rtl/rx_protocol.sv.                                               */
/* ------------------------------------------------------------------------ */
enum toffee_exc_reason {
	TOFFEE_EXC_NOT_IPV4      = 1,  /* not an IPv4 frame (ARP, IPv6, VLAN...) */
	TOFFEE_EXC_IP_OPTS_FRAG  = 2,  /* IPv4 options or a fragment */
	TOFFEE_EXC_NOT_TCP       = 3,  /* IPv4 but not TCP (ICMP, UDP...) */
	TOFFEE_EXC_NO_FLOW       = 4,  /* no flow installed for the 4-tuple */
	TOFFEE_EXC_SLOW_FLOW     = 5,  /* flow marked TOFFEE_FLOWF_SLOWPATH */
	TOFFEE_EXC_SYN           = 6,  /* SYN set */
	TOFFEE_EXC_RST           = 7,  /* RST set */
	TOFFEE_EXC_NO_ACK        = 8,  /* ACK flag missing on an established flow */
	TOFFEE_EXC_OPTIONS       = 9,  /* TCP option other than NOP/EOL/TS/SACK, or malformed */
	TOFFEE_EXC_ACK_UNACCEPTABLE = 10, /* ACK field beyond snd_max, or 2^(16 + snd_wscale)
					      or more before snd_una (RFC 5961 §5) */
	TOFFEE_EXC_OUT_OF_WINDOW = 11, /* payload starts beyond the receive window */
	TOFFEE_EXC_ZERO_WINDOW   = 12, /* payload while our receive window is zero (probe) */
	TOFFEE_EXC_FIN           = 13, /* FIN accepted in order (payload already delivered) */
	TOFFEE_EXC_COUNT         = 14
};

/* Drop reasons: frames or commands discarded by the NIC, counted. */
enum toffee_drop_reason {
	TOFFEE_DROP_RUNT         = 1,  /* shorter than its headers claim */
	TOFFEE_DROP_NOT_FOR_US   = 2,  /* destination MAC is not ours (and not broadcast) */
	TOFFEE_DROP_IP_HDR       = 3,  /* bad IPv4 version/IHL/total length */
	TOFFEE_DROP_IP_CSUM      = 4,  /* bad IPv4 header checksum */
	TOFFEE_DROP_TCP_HDR      = 5,  /* bad TCP data offset */
	TOFFEE_DROP_TCP_CSUM     = 6,  /* bad TCP checksum */
	TOFFEE_DROP_OLD_DATA     = 7,  /* payload entirely already received (dup ACK sent) */
	TOFFEE_DROP_OOO          = 8,  /* out of order, not mergeable (dup ACK sent) */
	TOFFEE_DROP_EXC_FULL     = 9,  /* exception ring full */
	TOFFEE_DROP_CTX_FULL     = 10, /* context event ring full; segment not accepted */
	TOFFEE_DROP_CMD_BAD      = 11, /* malformed command (opcode, lengths, phase) */
	TOFFEE_DROP_CMD_NOT_OWNER= 12, /* context named a flow it does not own */
	TOFFEE_DROP_RAW_BAD      = 13, /* raw frame with a bad length */
	TOFFEE_DROP_TX_BUSY      = 14, /* MAC refused a frame */
	TOFFEE_DROP_OVERSIZE     = 15, /* frame longer than TOFFEE_MAX_FRAME */
	TOFFEE_DROP_DISABLED     = 16, /* received while CTRL.ENABLE is clear */
	TOFFEE_DROP_MAC_FCS      = 17, /* MAC: bad Ethernet FCS (never reached the fast path) */
	TOFFEE_DROP_MAC_OVERFLOW = 18, /* MAC: its receive FIFO was full, the frame was lost
	                                  on the way in (the RTL's MAC; under the firmware the
	                                  platform's, e.g. DPDK's imissed) */
	TOFFEE_DROP_COUNT        = 19
};

/* Counter indices (TOFFEE_REG_CNT(i)). */
#define TOFFEE_CNT_RX_FRAMES     0u
#define TOFFEE_CNT_RX_DATA_SEGS  1u  /* segments whose payload was accepted */
#define TOFFEE_CNT_RX_ACKS       2u  /* segments that advanced snd_una */
#define TOFFEE_CNT_RX_DUPACKS    3u
#define TOFFEE_CNT_TX_SEGS       4u  /* data/FIN segments sent */
#define TOFFEE_CNT_TX_ACKS       5u  /* pure ACKs generated */
#define TOFFEE_CNT_TX_RAW        6u  /* raw frames sent for the slow path */
#define TOFFEE_CNT_FAST_REXMITS  7u
#define TOFFEE_CNT_RX_BYTES      8u
#define TOFFEE_CNT_TX_BYTES      9u
#define TOFFEE_CNT_EXC_BASE      16u /* + enum toffee_exc_reason */
#define TOFFEE_CNT_DROP_BASE     32u /* + enum toffee_drop_reason */
#define TOFFEE_CNT_COUNT         64u

/* ------------------------------------------------------------------------ */
/* Slow-path rings                                                          */
/* ------------------------------------------------------------------------ */

/** Exception entry (EXC ring). W: nic. The frame is in slot (index & mask)
 *  of the ring's frame-slot area: BUF + slot * TOFFEE_FRAME_SLOT. */
struct toffee_sp_exc {
	uint32_t flow_id;    /* flow, or TOFFEE_FLOW_NONE */
	uint16_t frame_len;  /* bytes in the frame slot */
	uint8_t  reason;     /* enum toffee_exc_reason */
	uint8_t  rsvd[8];
	uint8_t  phase;      /* written last */
};

/** Raw frame entry (RAW ring). W: sp. Frame in the slot, as for EXC. The NIC
 *  sends it unchanged (the slow path builds SYN-ACKs, RSTs, ARP, ...). */
struct toffee_sp_raw {
	uint16_t frame_len;
	uint8_t  rsvd[13];
	uint8_t  phase;
};

/** Slow-path command opcodes. */
enum toffee_cmd_op {
	TOFFEE_CMD_NOP        = 0,
	TOFFEE_CMD_INSTALL    = 1, /* read struct toffee_flow from iova, add to table */
	TOFFEE_CMD_REMOVE     = 2, /* remove flow_id from the table; iova != 0: write
	                              its final struct toffee_flow there */
	TOFFEE_CMD_SET_RATE   = 3, /* arg0 = picoseconds per byte (0 = unlimited) */
	TOFFEE_CMD_SET_WINDOW = 4, /* arg0 = congestion window in bytes (0 = unlimited) */
	TOFFEE_CMD_RETRANSMIT = 5, /* go back N: snd_nxt = snd_una (RTO) */
	TOFFEE_CMD_READ_STATE = 6, /* write struct toffee_flow to iova */
	TOFFEE_CMD_FEEDBACK   = 7, /* post a TOFFEE_FB_FLOW record, clear accumulators */
	TOFFEE_CMD_TX_FIN     = 8, /* send FIN after the last byte appended (for flows
	                              whose app is gone; apps use TOFFEE_CMDF_FIN) */
	TOFFEE_CMD_SET_SLOWPATH = 9, /* arg0 = 1: set TOFFEE_FLOWF_SLOWPATH (every
	                              segment punted, P5: keepalive probing watches
	                              for the peer's answer), 0: clear it */
	TOFFEE_CMD_COUNT      = 10
};

/** Command entry (CMD ring). W: sp. Each command yields one FB entry. */
struct toffee_sp_cmd {
	uint8_t  opcode;     /* enum toffee_cmd_op */
	uint8_t  rsvd0;
	uint16_t tag;        /* echoed in the completion */
	uint32_t flow_id;
	uint64_t iova;       /* INSTALL: source; READ_STATE, REMOVE (0: none):
	                        destination (128 B) */
	uint32_t arg0;
	uint32_t arg1;
	uint8_t  rsvd1[7];
	uint8_t  phase;
};

/** Feedback entry types. Every command yields exactly one FB entry carrying
 *  its tag and status: TOFFEE_FB_FLOW for FEEDBACK, TOFFEE_FB_DONE for the
 *  others. */
#define TOFFEE_FB_DONE 1u  /* command completion */
#define TOFFEE_FB_FLOW 2u  /* FEEDBACK completion with the flow's counters */

/** Feedback / completion entry (FB ring). W: nic. */
struct toffee_sp_fb {
	uint32_t flow_id;
	uint32_t acked_bytes;   /* FLOW: bytes newly acknowledged since last record */
	uint32_t ecn_bytes;     /* FLOW: of which acknowledged with ECE set */
	uint32_t rtt_us;        /* FLOW: latest RTT sample in us (0 = none) */
	uint32_t inflight;      /* FLOW: snd_nxt - snd_una now */
	uint16_t fast_rexmits;  /* FLOW: fast retransmits since last record */
	uint16_t tag;           /* command tag */
	int16_t  status;        /* 0 or a negative errno */
	uint8_t  type;          /* TOFFEE_FB_* */
	uint8_t  rsvd[4];
	uint8_t  phase;
};

/* ------------------------------------------------------------------------ */
/* Application context rings                                                */
/* ------------------------------------------------------------------------ */

#define TOFFEE_EVF_FIN  (1u << 0) /* peer's FIN follows the bytes reported */

/** Context event (EV ring). W: nic. */
struct toffee_ctx_ev {
	uint32_t flow_id;
	uint32_t rx_bytes;   /* new in-order bytes in the flow's receive buffer */
	uint32_t tx_freed;   /* bytes acknowledged, freed in the transmit buffer */
	uint8_t  flags;      /* TOFFEE_EVF_* */
	uint8_t  rsvd[2];
	uint8_t  phase;
};

#define TOFFEE_CMDF_FIN (1u << 0) /* send FIN after the bytes appended so far
                                     (this command's included); no more appends */

/** Context command (CMD ring). W: app. An application closes its sending
 *  side with TOFFEE_CMDF_FIN here, in order with its appends (the slow
 *  path's TOFFEE_CMD_TX_FIN races with appends still in the ring). */
struct toffee_ctx_cmd {
	uint32_t flow_id;
	uint32_t tx_bytes;   /* bytes appended to the transmit buffer */
	uint32_t rx_bytes;   /* bytes consumed from the receive buffer */
	uint8_t  flags;      /* TOFFEE_CMDF_* */
	uint8_t  rsvd[2];
	uint8_t  phase;
};

/* ------------------------------------------------------------------------ */
/* Per-flow fast-path state: 128 bytes                                       */
/* ------------------------------------------------------------------------ */
/* Payload buffers are circular, 2^log2 bytes, in host memory. Byte with
 * sequence number S lives at offset (S & (size - 1)): because the size
 * divides 2^32 no base sequence number is needed. */

#define TOFFEE_FLOWF_TS        (1u << 0)  /* W: sp. timestamps negotiated */
#define TOFFEE_FLOWF_ECN       (1u << 1)  /* W: sp. ECN negotiated (ECT(0), ECE echo) */
#define TOFFEE_FLOWF_SLOWPATH  (1u << 2)  /* W: sp. punt every segment */
#define TOFFEE_FLOWF_TX_FIN    (1u << 3)  /* W: sp (TX_FIN). FIN after tx_end */
#define TOFFEE_FLOWF_SACK      (1u << 4)  /* W: sp. SACK-permitted negotiated: the NIC's
                                             pure ACKs carry a D-SACK block for a
                                             duplicate (RFC 2883) and the out-of-order
                                             interval (RFC 2018) */
#define TOFFEE_FLOWF_FIN_RCVD  (1u << 8)  /* W: nic. peer's FIN consumed */
#define TOFFEE_FLOWF_FIN_SENT  (1u << 9)  /* W: nic. our FIN sent */

/** Fast-path state of one flow. Identity and limits are W: sp (INSTALL);
 *  the protocol state is initialised by sp and then W: nic. */
struct toffee_flow {
	uint32_t local_ip;      /*   0 sp */
	uint32_t remote_ip;     /*   4 sp */
	uint16_t local_port;    /*   8 sp */
	uint16_t remote_port;   /*  10 sp */
	uint8_t  remote_mac[6]; /*  12 sp: next hop */
	uint16_t ctx_id;        /*  18 sp: owning context */
	uint16_t flags;         /*  20 sp/nic: TOFFEE_FLOWF_* */
	uint16_t mss;           /*  22 sp: largest payload we send */
	uint8_t  snd_wscale;    /*  24 sp: peer's window shift */
	uint8_t  rcv_wscale;    /*  25 sp: our window shift */
	uint8_t  rx_buf_log2;   /*  26 sp */
	uint8_t  tx_buf_log2;   /*  27 sp */
	uint8_t  dupacks;       /*  28 nic: consecutive duplicate ACKs */
	uint8_t  nic_flags;     /*  29 nic: private (scheduler state) */
	uint16_t fb_fast_rexmits; /* 30 nic: feedback accumulator */
	uint64_t rx_buf_iova;   /*  32 sp */
	uint64_t tx_buf_iova;   /*  40 sp */
	uint32_t rcv_nxt;       /*  48 next sequence number expected */
	uint32_t rx_avail;      /*  52 free receive-buffer bytes from rcv_nxt */
	uint32_t ooo_start;     /*  56 out-of-order interval start */
	uint32_t ooo_len;       /*  60 its length (0 = none) */
	uint32_t ts_recent;     /*  64 peer's TSval to echo */
	uint32_t snd_una;       /*  68 oldest unacknowledged */
	uint32_t snd_nxt;       /*  72 next to send */
	uint32_t snd_max;       /*  76 highest sent + 1 */
	uint32_t tx_end;        /*  80 sequence after the last byte appended */
	uint32_t snd_wnd;       /*  84 peer's window in bytes */
	uint32_t cwnd;          /*  88 sp: congestion window, 0 = unlimited */
	uint32_t ps_per_byte;   /*  92 sp: inverse rate, 0 = unlimited */
	uint64_t tb_time;       /*  96 nic: token bucket virtual time (ns) */
	uint32_t rtt_seq;       /* 104 nic: sequence number being timed */
	uint32_t rtt_start;     /* 108 nic: send time of rtt_seq (ns, low 32) */
	uint32_t fb_acked;      /* 112 nic: feedback accumulators ... */
	uint32_t fb_ecn_acked;  /* 116 */
	uint32_t fb_rtt_us;     /* 120 */
	uint32_t sched_next;    /* 124 nic: private (scheduler link) */
};

/* TCP timestamp clock: TSval = now_ns >> TOFFEE_TS_SHIFT (1.048576 ms). */
#define TOFFEE_TS_SHIFT 20u

/* Static layout checks: the RTL generator relies on these. */
_Static_assert(sizeof(struct toffee_sp_exc) == 16, "exc entry");
_Static_assert(sizeof(struct toffee_sp_raw) == 16, "raw entry");
_Static_assert(sizeof(struct toffee_sp_cmd) == 32, "cmd entry");
_Static_assert(sizeof(struct toffee_sp_fb) == 32, "fb entry");
_Static_assert(sizeof(struct toffee_ctx_ev) == 16, "ctx ev entry");
_Static_assert(sizeof(struct toffee_ctx_cmd) == 16, "ctx cmd entry");
_Static_assert(sizeof(struct toffee_flow) == 128, "flow state must be 128 bytes");
_Static_assert(offsetof(struct toffee_flow, rx_buf_iova) == 32, "flow layout");
_Static_assert(offsetof(struct toffee_flow, tb_time) == 96, "flow layout");
_Static_assert(offsetof(struct toffee_flow, sched_next) == 124, "flow layout");
_Static_assert(offsetof(struct toffee_sp_cmd, iova) == 8, "cmd layout");
_Static_assert(offsetof(struct toffee_sp_fb, status) == 24, "fb layout");
_Static_assert(TOFFEE_CNT_DROP_BASE + TOFFEE_DROP_COUNT <= TOFFEE_CNT_COUNT, "counters");
_Static_assert(TOFFEE_CNT_EXC_BASE + TOFFEE_EXC_COUNT <= TOFFEE_CNT_DROP_BASE, "counters");
_Static_assert(TOFFEE_REG_CNT(TOFFEE_CNT_COUNT) <= TOFFEE_REG_CTX_BASE, "register map");

/** Phase byte value for ring index @p idx in a ring of 2^log2 entries. */
static inline uint8_t toffee_phase(uint32_t idx, uint32_t log2)
{
	return (uint8_t)(((idx >> log2) & 1u) ^ 1u);
}

#endif /* TOFFEE_ABI_H */
