/* SPDX-License-Identifier: MIT */
/* toffee-replay: replay a capture through the fast path (see replay.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "replay.h"

/* --impl rtl in a binary without the model: run toffee-replay-rtl (next to
 * this program) with the same arguments. Returns only on failure. */
static int exec_rtl(char **argv)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;

	if (n <= 0) {
		fprintf(stderr, "toffee-replay: cannot find my own path: %s\n", strerror(errno));
		return 1;
	}
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "toffee-replay-rtl");
	execv(path, argv);
	fprintf(stderr, "toffee-replay: --impl rtl needs %s (the RTL model; build it with "
		"`make toffee-replay-rtl`): %s\n", path, strerror(errno));
	return 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: toffee-replay [options] TRACE.pcap\n"
		"Replays the client's side of each TCP connection in TRACE (pcap or pcapng)\n"
		"into the toffee fast path acting as the server, and the server application's\n"
		"writes into its transmit buffers; prints per flow the bytes delivered and\n"
		"their sha256, then the fast path's counters.\n"
		"  --out FILE.pcap  write the frames the fast path transmitted\n"
		"  --impl fw|rtl    fast-path implementation (default fw)\n"
		"  --buf-log2 N     payload buffer size per direction, 2^N bytes (default 22)\n"
		"  --no-client-rexmit  feed the client's frames once each, as captured; by\n"
		"                   default a client frame the fast path dropped is sent\n"
		"                   again when the fast path's ACKs ask for its bytes, as\n"
		"                   the client would (the capture shows the client reacting\n"
		"                   to the real server, which may have kept more out of order)\n"
		"  -v               log installs and warnings (-vv: every exception)\n"
		"  -h, --help       this text\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "impl", required_argument, NULL, 'i' },
		{ "buf-log2", required_argument, NULL, 'b' },
		{ "no-client-rexmit", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = { .impl = "fw", .log = stderr };
	struct replay_result res;
	char *end;
	long v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_path = optarg;
			break;
		case 'i':
			o.impl = optarg;
			break;
		case 'b':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 12 || v > 28) {
				fprintf(stderr, "toffee-replay: --buf-log2 wants a number in [12, 28], not '%s'\n", optarg);
				return 2;
			}
			o.buf_log2 = (uint32_t)v;
			break;
		case 'n':
			o.no_client_rexmit = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "toffee-replay: %s\n", optind >= argc ? "no capture file given" : "one capture file only");
		usage(stderr);
		return 2;
	}
	if (!strcmp(o.impl, "rtl") && !replay_has_rtl())
		return exec_rtl(argv);
	rc = replay_run(argv[optind], &o, &res);
	if (rc) {
		fprintf(stderr, "toffee-replay: %s\n", res.err);
		return 1;
	}
	replay_print(stdout, &res);
	if (res.abi_violations)
		fprintf(stderr, "toffee-replay: %llu ABI violations by the fast path (see above)\n",
			(unsigned long long)res.abi_violations);
	replay_result_free(&res);
	return 0;
}
