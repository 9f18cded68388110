/* SPDX-License-Identifier: MIT */
/**
 * @file nicproc.h
 * Small helpers shared by the NIC processes (toffee-fw, toffee-sim): the
 * clock, numbers on the command line, the pid file. Errors are printed to
 * stderr as "PROG: ..." and returned as -1.
 */
#ifndef TOFFEE_NICPROC_H
#define TOFFEE_NICPROC_H

#include <stdint.h>

/** CLOCK_MONOTONIC in ns. */
uint64_t nicproc_now_ns(void);
/** Option @p opt's value @p s: a number (decimal, 0x hex) in [min, max]. */
int nicproc_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
		      uint64_t *out);
int nicproc_parse_u32(const char *prog, const char *opt, const char *s, uint32_t min, uint32_t max,
		      uint32_t *out);
/** Write our pid into @p path. */
int nicproc_write_pidfile(const char *prog, const char *path);

#endif /* TOFFEE_NICPROC_H */
