/* SPDX-License-Identifier: MIT */
/* toffee-sim's command line: see tsim_opts.h. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "nicproc.h"
#include "toffee/abi.h"
#include "tsim_opts.h"

void tsim_usage(FILE *f)
{
	fprintf(f,
		"usage: toffee-sim [OPTIONS]\n"
		"Runs the Verilator model of the toffee RTL NIC (toffee_top, 64-bit datapath,\n"
		"%u flows, 250 MHz simulated) as a NIC process; toffeed connects to DIR/nic.sock\n"
		"(`toffee start --backend sim --tap NAME --ip ADDR/LEN` runs both).\n"
		"Ethernet port (any combination; none = registers and DMA only):\n"
		"  --tap NAME           create/attach TAP interface NAME (root)\n"
		"  --pcap-in FILE       replay the frames of FILE into the NIC\n"
		"  --pcap-out FILE      record the frames the NIC sends (simulated timestamps)\n"
		"  --pcap-after-enable  start the replay once toffeed has enabled the NIC\n"
		"  --pcap-wire FILE     record both directions (first 128 bytes of each frame),\n"
		"                       simulated timestamps: a received frame when its first\n"
		"                       beat is offered to the model, a sent one at its last\n"
		"Device:\n"
		"  --rundir DIR         run directory (default $TOFFEE_RUNDIR or /run/toffee/default)\n"
		"  --pidfile FILE       write the process id there once ready (removed on exit)\n"
		"  --mac MAC            port MAC announced to toffeed (default 02:74:66:xx:xx:xx\n"
		"                       from the TAP name)\n"
		"  --sync-cycles N      register bridge period in cycles while running (default 256)\n"
		"  --cnt-chunk N        counters copied out per sweep, round robin (default 8 of 64)\n"
		"  --dma-latency N      extra cycles before a DMA read response (default 0)\n"
		"  --line-rate GBPS     the port's Ethernet rate: frames come in no faster, with\n"
		"                       20 bytes of preamble and gap each (default 10, a 10GbE\n"
		"                       port on the 16 Gb/s datapath; 0 = a beat every cycle)\n"
		"  --idle-ms N          longest sleep when idle (default 1)\n"
		"  --time wall|cycles   the model's now_ns: the host's CLOCK_MONOTONIC, advanced\n"
		"                       4 ns per cycle between batches (default; TCP timestamps\n"
		"                       and RTTs agree with toffeed's), or cycles x 4 ns\n"
		"                       (deterministic runs)\n"
		"  --drain-cycles N     cycles without activity before the model counts as idle\n"
		"                       (default 65536 = 262 us simulated)\n"
		"Runs and debugging:\n"
		"  --cycles N           stop after N cycles\n"
		"  --exit-idle          stop once the pcap input is replayed and the model is idle\n"
		"  --no-idle            never sleep: clock the model all the time (benchmarks)\n"
		"  --trace FILE.fst     dump waveforms (GTKWave) ...\n"
		"  --trace-start CYCLE  ... from this cycle (default 0) ...\n"
		"  --trace-stop CYCLE   ... to this one (default: the end)\n"
		"  --trace-signal N     ... or, instead, N cycles from each SIGUSR1 (a stuck\n"
		"                       model: `kill -USR1 PID`, the file is rewritten)\n"
		"  -h, --help           this text\n"
		"SIGTERM/SIGINT or SHUTDOWN from toffeed end it cleanly (statistics on stderr).\n",
		FLOW_CAP_BUILT);
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	return nicproc_parse_u64("toffee-sim", opt, s, 0, max, out);
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	return nicproc_parse_u32("toffee-sim", opt, s, min, max, out);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		return -1;
	for (unsigned i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return mac[0] & 1 ? -1 : 0;     /* not a multicast address */
}

/* Returns 0, 1 for --help, or -1 after printing the error. */
int tsim_parse_opts(int argc, char **argv, struct sim_opts *o)
{
	static const struct option lo[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "pcap-in", required_argument, NULL, 'i' },
		{ "pcap-out", required_argument, NULL, 'o' },
		{ "pcap-after-enable", no_argument, NULL, 'E' },
		{ "pcap-wire", required_argument, NULL, 'W' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "mac", required_argument, NULL, 'm' },
		{ "sync-cycles", required_argument, NULL, 'S' },
		{ "cnt-chunk", required_argument, NULL, 'C' },
		{ "dma-latency", required_argument, NULL, 'L' },
		{ "line-rate", required_argument, NULL, 'R' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "time", required_argument, NULL, 'w' },
		{ "drain-cycles", required_argument, NULL, 'D' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "exit-idle", no_argument, NULL, 'x' },
		{ "no-idle", no_argument, NULL, 'N' },
		{ "trace", required_argument, NULL, 'T' },
		{ "trace-start", required_argument, NULL, 'a' },
		{ "trace-stop", required_argument, NULL, 'b' },
		{ "trace-signal", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->rundir = getenv("TOFFEE_RUNDIR");
	if (!o->rundir || !*o->rundir)
		o->rundir = "/run/toffee/default";
	o->sync_cycles = 256;
	o->cnt_chunk = 8;
	o->idle_ms = 1;
	o->drain = 65536;
	o->line_gbps = 10;
	o->trace_stop = UINT64_MAX;
	o->max_cycles = UINT64_MAX;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 't': o->tap = optarg; break;
		case 'i': o->pcap_in = optarg; break;
		case 'o': o->pcap_out = optarg; break;
		case 'W': o->pcap_wire = optarg; break;
		case 'p': o->pidfile = optarg; break;
		case 'T': o->trace = optarg; break;
		case 'x': o->exit_idle = true; break;
		case 'N': o->no_idle = true; break;
		case 'E': o->pcap_after_enable = true; break;
		case 'w':
			if (strcmp(optarg, "wall") == 0) {
				o->time_cycles = false;
			} else if (strcmp(optarg, "cycles") == 0) {
				o->time_cycles = true;
			} else {
				fprintf(stderr, "toffee-sim: --time %s: use wall or cycles\n", optarg);
				return -1;
			}
			break;
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "toffee-sim: --rundir: empty directory name\n");
				return -1;
			}
			o->rundir = optarg;
			break;
		case 'm':
			if (parse_mac(optarg, o->mac)) {
				fprintf(stderr, "toffee-sim: --mac %s: want a unicast MAC such as 02:00:00:00:00:01\n",
					optarg);
				return -1;
			}
			o->mac_set = true;
			break;
		case 'S':
			if (parse_u32("--sync-cycles", optarg, 1, 1u << 24, &o->sync_cycles))
				return -1;
			break;
		case 'C':
			if (parse_u32("--cnt-chunk", optarg, 1, TOFFEE_CNT_COUNT, &o->cnt_chunk))
				return -1;
			break;
		case 'L':
			if (parse_u32("--dma-latency", optarg, 0, 1u << 20, &o->dma_latency))
				return -1;
			break;
		case 'R':
			if (parse_u32("--line-rate", optarg, 0, 1000, &o->line_gbps))
				return -1;
			break;
		case 'I':
			if (parse_u32("--idle-ms", optarg, 1, 1000, &o->idle_ms))
				return -1;
			break;
		case 'D':
			if (parse_u32("--drain-cycles", optarg, 64, 1u << 30, &o->drain))
				return -1;
			break;
		case 'n':
			if (parse_u64("--cycles", optarg, UINT64_MAX - 1, &o->max_cycles))
				return -1;
			break;
		case 'a':
			if (parse_u64("--trace-start", optarg, UINT64_MAX - 1, &o->trace_start))
				return -1;
			break;
		case 'b':
			if (parse_u64("--trace-stop", optarg, UINT64_MAX - 1, &o->trace_stop))
				return -1;
			break;
		case 'g':
			if (nicproc_parse_u64("toffee-sim", "--trace-signal", optarg, 1, 1u << 30, &o->trace_signal))
				return -1;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "toffee-sim: option %s needs an argument\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "toffee-sim: unknown option '%s' (see toffee-sim --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "toffee-sim: unexpected argument '%s' (see toffee-sim --help)\n", argv[optind]);
		return -1;
	}
	if ((o->trace_start || o->trace_stop != UINT64_MAX || o->trace_signal) && !o->trace) {
		fprintf(stderr, "toffee-sim: --trace-start/--trace-stop/--trace-signal need --trace FILE.fst\n");
		return -1;
	}
	if (o->trace_signal && (o->trace_start || o->trace_stop != UINT64_MAX)) {
		fprintf(stderr, "toffee-sim: --trace-signal excludes --trace-start/--trace-stop\n");
		return -1;
	}
	if (o->trace_signal)
		o->trace_start = o->trace_stop = UINT64_MAX;   /* no window until a signal */
	if (o->trace_stop <= o->trace_start && !o->trace_signal) {
		fprintf(stderr, "toffee-sim: --trace-stop must be after --trace-start\n");
		return -1;
	}
	if (o->exit_idle && o->no_idle) {
		fprintf(stderr, "toffee-sim: --exit-idle and --no-idle exclude each other\n");
		return -1;
	}
	if (o->pcap_after_enable && !o->pcap_in) {
		fprintf(stderr, "toffee-sim: --pcap-after-enable needs --pcap-in\n");
		return -1;
	}
	if (o->exit_idle && !o->pcap_in) {
		fprintf(stderr, "toffee-sim: --exit-idle needs --pcap-in\n");
		return -1;
	}
	if (!o->mac_set) {
		/* locally administered, stable per TAP name */
		uint32_t h = 2166136261u;

		for (const char *s = o->tap ? o->tap : "toffee-sim"; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619u;
		o->mac[0] = 0x02;
		o->mac[1] = 0x74;
		o->mac[2] = 0x66;
		o->mac[3] = (uint8_t)(h >> 16);
		o->mac[4] = (uint8_t)(h >> 8);
		o->mac[5] = (uint8_t)h;
	}
	return 0;
}
