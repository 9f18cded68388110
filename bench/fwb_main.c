/* SPDX-License-Identifier: MIT */
/**
 * @file fwb_main.c
 * fwbench: feeds the same TCP segments to the toffee fast path and to lwIP
 * and performs the operations that bench/run-fw.sh measures under
 * callgrind. Run alone it checks both stacks' behaviour (every ACK,
 * segment and delivered byte is verified) and prints the number of
 * measured operations per phase.
 *
 * Usage: fwbench [--ops=N] [--warmup=N] [--round=N] [--flow-cap=N]
 *                [--flows=N] [--step-ns=N] [--no-ts]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fwb.h"

static unsigned long arg_num(const char *a, const char *name)
{
	size_t n = strlen(name);
	char *end;
	unsigned long v;

	if (strncmp(a, name, n) != 0 || a[n] != '=')
		return (unsigned long)-1;
	v = strtoul(a + n + 1, &end, 0);
	if (*end != '\0' || end == a + n + 1)
		fwb_fail("bad number in %s", a);
	return v;
}

int main(int argc, char **argv)
{
	struct fwb_cfg cfg = {
		.warmup = 64, .ops = 1000, .round = 32,
		.flow_cap = 65536, .flows = 32768, .ts = 1, .step_ns = 1230,
	};
	struct fwb_rx_frames rx;
	uint32_t iss, seq, plen;
	uint64_t off = 0;
	static uint8_t payload[1500];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long v;

		if (strcmp(a, "--no-ts") == 0)
			cfg.ts = 0;
		else if ((v = arg_num(a, "--ops")) != (unsigned long)-1)
			cfg.ops = (unsigned)v;
		else if ((v = arg_num(a, "--warmup")) != (unsigned long)-1)
			cfg.warmup = (unsigned)v;
		else if ((v = arg_num(a, "--round")) != (unsigned long)-1)
			cfg.round = (unsigned)v;
		else if ((v = arg_num(a, "--flow-cap")) != (unsigned long)-1)
			cfg.flow_cap = (uint32_t)v;
		else if ((v = arg_num(a, "--flows")) != (unsigned long)-1)
			cfg.flows = (uint32_t)v;
		else if ((v = arg_num(a, "--step-ns")) != (unsigned long)-1)
			cfg.step_ns = (uint32_t)v;
		else
			fwb_fail("unknown argument %s (see the file comment of fwb_main.c)", a);
	}
	if (cfg.ops == 0 || cfg.round == 0)
		fwb_fail("--ops and --round must be positive");
	setvbuf(stdout, NULL, _IOLBF, 0);

	iss = fwb_lwip_setup(&cfg);

	/* The receive-phase segments: in order from the peer's ISN + 1,
	 * acknowledging lwIP's (and the mirrored toffee flow's) ISS + 1. Twice
	 * as many as one phase needs: lwIP runs two receive phases. */
	rx.n = 2 * (cfg.warmup + cfg.ops);
	rx.frame = calloc(rx.n, sizeof *rx.frame);
	rx.len = calloc(rx.n, sizeof *rx.len);
	if (rx.frame == NULL || rx.len == NULL)
		fwb_fail("out of memory");
	plen = cfg.ts ? FWB_TS_PAYLOAD : FWB_MSS_OPT;
	seq = FWB_PEER_ISN + 1;
	for (unsigned k = 0; k < rx.n; k++) {
		struct fwb_seg s = { 0 };

		for (uint32_t b = 0; b < plen; b++)
			payload[b] = fwb_pattern(off + b);
		s.src_ip = FWB_PEER_IP;
		s.dst_ip = FWB_LOCAL_IP;
		s.src_port = FWB_PEER_PORT;
		s.dst_port = FWB_LOCAL_PORT;
		s.seq = seq;
		s.ack = iss + 1;
		s.flags = FWB_ACK | FWB_PSH;
		s.win = FWB_PEER_WIN;
		s.has_ts = cfg.ts;
		s.tsval = 1000 + k;
		s.tsecr = 1;
		s.payload = payload;
		s.payload_len = plen;
		rx.len[k] = fwb_build(rx.frame[k], &s);
		seq += plen;
		off += plen;
	}

	fwb_lwip_run(&cfg, &rx);
	fwb_toffee_run(&cfg, &rx, iss);

	printf("FWB info segment_payload_bytes %u\n", plen);
	printf("FWB info segment_frame_bytes %u\n", rx.len[0]);
	printf("FWB info timestamps %d\n", cfg.ts);
	printf("FWB info round %u\n", cfg.round);
	printf("FWB info step_ns %u\n", cfg.step_ns);
	printf("FWB info warmup %u\n", cfg.warmup);
	printf("FWB done\n");
	return 0;
}
