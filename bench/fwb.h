/* SPDX-License-Identifier: MIT */
/**
 * @file fwb.h
 * `make bench-fw`: instruction counts of the fast path's common case, with
 * lwIP as the baseline. Shared declarations of the benchmark program.
 *
 * Measurement model (see bench/README.md): every measured operation is one
 * call of a noinline wrapper named fwb_op_<phase>(); bench/run-fw.sh runs the
 * program once per phase under callgrind with --toggle-collect on that
 * wrapper, so exactly the instructions executed inside the wrapper are
 * counted. From the total it subtracts, per callgrind_annotate:
 *  - inclusive: fwb_payload_copy (payload to/from host or application
 *    memory), fwb_mac_copy (the MAC taking a frame), fp_csum_payload
 *    (core's payload checksum), lwip_standard_chksum (lwIP's checksum
 *    loop, which covers header and payload bytes alike);
 *  - self: the wrappers themselves and the application callbacks that lwIP
 *    calls (fwb_lw_app_*), i.e. code that belongs to the harness.
 * Everything else executed inside a wrapper counts, including the
 * benchmark platform's DMA glue for descriptors.
 */
#ifndef FWB_H
#define FWB_H

#include <stdint.h>
#include <stddef.h>

#define FWB_NOINLINE __attribute__((noinline, noclone))

/* The connection both stacks terminate (we are "local", the traffic
 * generator is the "peer"). */
#define FWB_LOCAL_IP    0x0a000001u /* 10.0.0.1 */
#define FWB_PEER_IP     0x0a000002u /* 10.0.0.2 */
#define FWB_LOCAL_PORT  5001u
#define FWB_PEER_PORT   40000u
#define FWB_PEER_ISN    0x10000000u
#define FWB_MSS_OPT     1460u       /* MSS option both sides announce */
#define FWB_PEER_WSCALE 7u
#define FWB_PEER_WIN    65535u      /* raw window field the peer sends */
#define FWB_TS_PAYLOAD  1448u       /* payload per segment with timestamps */

extern const uint8_t fwb_local_mac[6];
extern const uint8_t fwb_peer_mac[6];

/* TCP flags */
#define FWB_FIN 0x01u
#define FWB_SYN 0x02u
#define FWB_RST 0x04u
#define FWB_PSH 0x08u
#define FWB_ACK 0x10u

/** A segment from the peer to build, or a parsed frame. */
struct fwb_seg {
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint8_t  flags;
	uint16_t win;       /* raw field */
	int      has_ts;
	uint32_t tsval, tsecr;
	int      syn_opts;  /* build only: MSS, WS, SACK-permitted, TS on a SYN */
	uint16_t mss;       /* parse only: MSS option, 0 if none */
	const uint8_t *payload;
	uint32_t payload_len;
};

/** Build an Ethernet/IPv4/TCP frame from the peer (peer MAC -> local MAC)
 *  into @p buf (>= 1518 B) with correct checksums. Returns its length. */
uint32_t fwb_build(uint8_t *buf, const struct fwb_seg *s);

/** Parse and verify a frame sent by a stack. Returns 0, or -1 with a
 *  message in @p why if anything (checksum, lengths, addressing) is wrong. */
int fwb_parse(const uint8_t *frame, uint32_t len, struct fwb_seg *s,
	      const char **why);
/** The same for a frame built by fwb_build() (peer -> local). */
int fwb_parse_peer(const uint8_t *frame, uint32_t len, struct fwb_seg *s,
		   const char **why);

/** Internet checksum helpers, written here independently of both stacks. */
uint32_t fwb_csum_add(uint32_t acc, const void *data, size_t len);
uint16_t fwb_csum_fold(uint32_t acc);

/* Payload-touching helpers, subtracted by name (inclusive). */
void fwb_payload_copy(void *dst, const void *src, size_t len);
void fwb_mac_copy(void *dst, const void *src, size_t len);

/** Pattern byte of stream offset @p off (data we send and receive). */
static inline uint8_t fwb_pattern(uint64_t off)
{
	return (uint8_t)(off * 7u + (off >> 11));
}

/** Phase counts reported to run-fw.sh: "FWB ops <phase> <n>". */
void fwb_report_ops(const char *phase, unsigned long n);
void fwb_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/** Parameters shared by both stacks' runs. */
struct fwb_cfg {
	unsigned warmup;     /* unmeasured operations before each phase */
	unsigned ops;        /* measured operations per phase */
	unsigned round;      /* segments in flight per tx/ack round */
	uint32_t flow_cap;   /* toffee flow table capacity */
	uint32_t flows;      /* flows installed (the measured one included) */
	int      ts;         /* timestamps on the toffee flow */
	uint32_t step_ns;    /* simulated time per toffee operation */
};

/** Frames from the peer for the receive phase, identical for both stacks. */
struct fwb_rx_frames {
	unsigned n;
	uint8_t (*frame)[1536];
	uint32_t *len;
};

/** lwIP run: handshake (returns lwIP's ISS), then the phases. */
uint32_t fwb_lwip_setup(const struct fwb_cfg *cfg);
void fwb_lwip_run(const struct fwb_cfg *cfg, const struct fwb_rx_frames *rx);

/** toffee run, with the flow mirroring lwIP's connection (same ISS). */
void fwb_toffee_run(const struct fwb_cfg *cfg, const struct fwb_rx_frames *rx,
		    uint32_t local_iss);

#endif /* FWB_H */
