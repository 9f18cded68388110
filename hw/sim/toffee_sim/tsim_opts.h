/* SPDX-License-Identifier: MIT */
/* toffee-sim's command line (tsim_opts.c): the options, their defaults and
 * checks, the help text. */
#ifndef TOFFEE_TSIM_OPTS_H
#define TOFFEE_TSIM_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifndef FLOW_CAP_BUILT
#define FLOW_CAP_BUILT 4096u              /* the model's flow table (the build sets it) */
#endif

struct sim_opts {
	const char *rundir, *pidfile, *tap, *pcap_in, *pcap_out, *pcap_wire, *trace;
	uint64_t trace_start, trace_stop, trace_signal, max_cycles;
	uint32_t sync_cycles, cnt_chunk, dma_latency, idle_ms, drain, line_gbps;
	uint8_t mac[6];
	bool mac_set, exit_idle, no_idle, time_cycles, pcap_after_enable;
};

/** Parse @p argv into @p o (defaults first). @return 0; 1 for --help (the
 *  caller prints tsim_usage()); -1 after printing the error. */
int tsim_parse_opts(int argc, char **argv, struct sim_opts *o);
void tsim_usage(FILE *f);

#endif /* TOFFEE_TSIM_OPTS_H */
