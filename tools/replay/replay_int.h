/* SPDX-License-Identifier: MIT */
/* Internals of the replay engine shared by replay.c and rp_conn.c. */
#ifndef TOFFEE_REPLAY_INT_H
#define TOFFEE_REPLAY_INT_H

#include <openssl/evp.h>
#include <pcap/pcap.h>
#include "fphost.h"
#include "pkt.h"
#include "replay.h"

#define RP_CHUNK (64u << 10)   /* bytes read from a receive buffer at once */

enum rp_state { RP_PENDING, RP_INSTALLED, RP_DONE };

/** A client frame held for the retransmission model (rp_rexmit.c). */
struct rp_held {
	uint32_t seq, end;         /* sequence space it covers (FIN included) */
	uint32_t len, tries;
	uint8_t *frame;
};

/** A connection of the capture: its handshake, flow image and the state of
 *  both application sides. */
struct rp_conn {
	struct replay_flow pub;
	enum rp_state st;
	uint8_t cli_mac[6];
	struct pkt_tcp syn;        /* the client's SYN (payload pointer invalid) */
	struct toffee_flow img;    /* as installed (buffer fields are used) */
	/* receive side */
	uint32_t rx_seq;           /* next byte to read */
	EVP_MD_CTX *sha;
	size_t data_cap;
	/* transmit side */
	uint32_t tx_app_end;       /* sequence after the last byte appended */
	uint32_t tx_una;           /* first byte not yet freed by an event */
	uint32_t srv_end;          /* sequence after the server bytes seen */
	uint8_t *pend;             /* seen but not yet appended (buffer full) */
	size_t pend_len, pend_cap;
	bool srv_fin;              /* the server's FIN was seen */
	/* client retransmission model */
	struct rp_held *held;
	size_t n_held, cap_held;
	bool in_table;
	struct rp_conn *hnext;
};

/** The fast path behind the replay when it is not fphost's own firmware
 *  (toffee-replay --impl rtl: rp_rtl.cpp, the Verilator model). The host
 *  side stays fphost's: memory, rings and the register image, which the
 *  backend keeps in step with its device. */
struct rp_backend {
	void *priv;
	/** A received frame, processed completely. */
	void (*rx)(void *priv, const uint8_t *frame, uint32_t len);
	/** One fp_poll() with transmit budget @p budget; non-zero if it did
	 *  something. */
	unsigned (*poll)(void *priv, unsigned budget);
	uint64_t (*counter)(void *priv, unsigned i);
	void (*destroy)(void *priv);
};

/** Set up the RTL backend on @p fh (defined only in toffee-replay-rtl).
 *  0 or a negative errno. */
int rp_rtl_backend(struct fphost *fh, struct rp_backend *be) __attribute__((weak));

struct rp {
	const struct replay_opts *o;
	struct replay_result *res;
	FILE *log;
	struct fphost *fh;
	struct rp_backend be;      /* be.poll == NULL: the firmware of fh */
	pcap_t *pc, *dead;
	pcap_dumper_t *dump;
	uint64_t t0_ns;
	uint32_t buf_log2;
	/* from the prescan */
	uint32_t n_synack;
	uint8_t mac[6];
	bool promisc;
	/* connections */
	struct rp_conn **all;      /* every connection ever created */
	size_t n_all, cap_all;
	struct rp_conn **hash;     /* live ones by 4-tuple */
	uint32_t hmask;
	struct rp_conn **by_id;    /* installed ones by flow id */
	uint32_t flow_cap, next_id;
	uint8_t frame[65536];
	uint8_t exc_frame[TOFFEE_FRAME_SLOT];
	uint8_t rexmit_frame[65536];
	uint8_t *chunk;
};

static inline bool rp_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

void rp_log(struct rp *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rp_anomaly(struct rp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_settle(struct rp *r);
/** Give one frame to fp_rx() and let the fast path settle. */
void rp_feed(struct rp *r, const uint8_t *frame, uint32_t len);

/* rp_rexmit.c: the client retransmission model */
void rp_rexmit_note(struct rp_conn *c, const uint8_t *frame, uint32_t len,
		    const struct pkt_tcp *t);
void rp_rexmit_run(struct rp *r, struct rp_conn *c);
void rp_rexmit_free(struct rp_conn *c);

/* rp_conn.c */
int rp_conn_table_init(struct rp *r, uint32_t expect);
void rp_conn_table_free(struct rp *r);
/** The live connection of segment @p t (either direction), or NULL;
 *  *from_client tells the direction. */
struct rp_conn *rp_conn_find(struct rp *r, const struct pkt_tcp *t, bool *from_client);
/** New pending connection opened by SYN @p syn. */
struct rp_conn *rp_conn_new(struct rp *r, const struct pkt_tcp *syn);
/** Take @p c out of the 4-tuple table (it stays in the result). */
void rp_conn_forget(struct rp *r, struct rp_conn *c);

#endif /* TOFFEE_REPLAY_INT_H */
