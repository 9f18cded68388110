/* SPDX-License-Identifier: MIT */
/* Helpers of the NIC processes (see nicproc.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nicproc.h"

uint64_t nicproc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int nicproc_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s %s: want a number in [%" PRIu64 ", %" PRIu64 "]\n", prog, opt, s,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int nicproc_parse_u32(const char *prog, const char *opt, const char *s, uint32_t min, uint32_t max,
		      uint32_t *out)
{
	uint64_t v;

	if (nicproc_parse_u64(prog, opt, s, min, max, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int nicproc_write_pidfile(const char *prog, const char *path)
{
	FILE *pf = fopen(path, "w");
	int bad = !pf;

	if (pf) {
		bad = fprintf(pf, "%d\n", (int)getpid()) < 0;
		bad |= fclose(pf) != 0;
	}
	if (bad) {
		fprintf(stderr, "%s: --pidfile %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}
