/* SPDX-License-Identifier: MIT */
/* Shared by the trace test files (tests/trace/). */
#ifndef TOFFEE_TRACE_UTIL_H
#define TOFFEE_TRACE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include "ref.h"
#include "replay.h"

/** $TOFFEE_TRACES, default ../shared/traces/linux. */
const char *traces_dir(void);
/** Path of trace @p name (malloc'd); fails the test if it is missing. */
char *trace_path(const char *name);

/* Per-connection state of the checker. */
struct conn_chk {
	struct ref_stream fed;        /* client bytes fed so far (valid frames) */
	struct ref_stream sent;       /* server bytes the fast path sent */
	bool fin_fed, fin_sent;
	uint64_t fin_fed_off, fin_sent_off;
};

struct chk {
	struct ref_conn *refs;        /* the reference view of the capture */
	size_t nref;
	struct conn_chk *cc;          /* parallel to refs */
	uint64_t tx_frames, acks_checked;
	uint64_t corrupt_fed;         /* frames fed with a wrong checksum */
	uint64_t errors;
	char first[512];
};

struct run {
	struct replay_result res;
	struct chk k;
};

/** Replay @p path (with or without the client retransmission model) and
 *  apply every check that holds for any capture (fails the test). */
void run_trace(const char *path, bool rexmit, struct run *run);
void run_free(struct run *run);
struct conn_chk *chk_conn(struct chk *k, uint32_t cip, uint16_t cport,
			  uint32_t sip, uint16_t sport, struct ref_conn **ref);
/** The single flow of a one-connection trace, its reference and checker state. */
const struct replay_flow *only_flow(struct run *run, struct ref_conn **ref,
				    struct conn_chk **cc);
/** The whole client stream (@p expect_len bytes) was delivered; with
 *  @p server_hashes the server's reply in the capture is its sha256 in hex. */
void check_complete(struct run *run, uint64_t expect_len, bool server_hashes);
static inline uint64_t cnt(const struct run *run, unsigned i) { return run->res.counters[i]; }

/* trace_mutate.c */
void test_corrupt_bulk_in(void **state);
void test_corrupt_echo_small(void **state);
void test_link_types(void **state);
void test_bad_input(void **state);

#endif
