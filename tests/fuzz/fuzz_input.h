/* SPDX-License-Identifier: MIT */
/* Input format of the fast-path fuzz target (fuzz_rx.c), shared with the
 * seed generator (mkcorpus.c). Header-only. */
#ifndef TOFFEE_FUZZ_INPUT_H
#define TOFFEE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The addresses of the Linux traces, so their frames hit flow 0 as they are. */
#define FUZZ_SERVER_IP   0x0a4d0001u   /* 10.77.0.1 */
#define FUZZ_CLIENT_IP   0x0a4d0002u   /* 10.77.0.2 */
#define FUZZ_SERVER_PORT 7000u
static const uint8_t fuzz_server_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t fuzz_client_mac[6] = { 2, 0, 0, 0, 0, 2 };

/* Header: 14 bytes, little-endian. */
#define FUZZ_HDR_LEN     14u
#define FUZZ_HF_TS       0x01u  /* flows negotiated timestamps */
#define FUZZ_HF_ECN      0x02u
#define FUZZ_HF_PROMISC  0x04u
                                /* bits 3-4: buffers 2^(12 + n) bytes */
#define FUZZ_HF_WS       0x20u  /* window scale 7 both ways */
#define FUZZ_HF_SACK     0x40u  /* flows negotiated SACK */
struct fuzz_hdr {
	uint8_t flags, mss;     /* mss 0 = 1448, else 64 + 5 * mss */
	uint16_t peer_win;
	uint32_t rcv_nxt, snd_una;   /* of flow 0; flow k adds k << 28 */
	uint16_t client_port;        /* of flow 0; flow k adds k */
};

/* Records: an op byte, then its arguments.
 *   op & 7 == 0, 1  frame: u16 length, bytes; op & 0x08 fix checksums,
 *                   op & 0x10 steer to flow (op >> 5) & 3
 *   2  poll after u8 << ((op >> 3) & 31) ns
 *   3  application appends u16 bytes to flow (op >> 3) & 3
 *   4  application reads up to u16 bytes of flow (op >> 3) & 3
 *   5  slow-path command to flow (op >> 3) & 31: u8 opcode, u32 arg
 *      (INSTALL: then a 128-byte flow image)
 *   6  context command: u8 flow, u16 tx_bytes, u16 rx_bytes
 *   7  raw frame: u16 length, bytes */
#define FUZZ_OP_FRAME   0u
#define FUZZ_OP_POLL    2u
#define FUZZ_OP_APPEND  3u
#define FUZZ_OP_READ    4u

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline size_t fuzz_bytes(struct fuzz_in *in, void *dst, size_t len)
{
	if (len > in->n)
		len = in->n;
	memcpy(dst, in->p, len);
	in->p += len;
	in->n -= len;
	return len;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	fuzz_bytes(in, &v, 1);
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint8_t b[2] = { 0, 0 };

	fuzz_bytes(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint8_t b[4] = { 0, 0, 0, 0 };

	fuzz_bytes(in, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void fuzz_read_hdr(struct fuzz_in *in, struct fuzz_hdr *h)
{
	h->flags = fuzz_u8(in);
	h->mss = fuzz_u8(in);
	h->peer_win = fuzz_u16(in);
	h->rcv_nxt = fuzz_u32(in);
	h->snd_una = fuzz_u32(in);
	h->client_port = fuzz_u16(in);
}

static inline void fuzz_put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void fuzz_put32(uint8_t *p, uint32_t v) { fuzz_put16(p, v >> 16); fuzz_put16(p + 2, v); }

/* Address a frame from the client to the server on @p client_port. */
static inline void fuzz_steer(uint8_t *f, uint32_t len, uint32_t client_port)
{
	uint32_t ihl;

	if (len < 14)
		return;
	memcpy(f, fuzz_server_mac, 6);
	memcpy(f + 6, fuzz_client_mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	if (len < 34)
		return;
	fuzz_put32(f + 26, FUZZ_CLIENT_IP);
	fuzz_put32(f + 30, FUZZ_SERVER_IP);
	ihl = (f[14] & 15u) * 4;
	if (ihl >= 20 && len >= 14 + ihl + 4) {
		fuzz_put16(f + 14 + ihl, client_port);
		fuzz_put16(f + 14 + ihl + 2, FUZZ_SERVER_PORT);
	}
}

static inline uint16_t fuzz_csum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Make the IPv4 and TCP checksums right, where the headers allow it. */
static inline void fuzz_fix_csums(uint8_t *f, uint32_t len)
{
	uint8_t *ip = f + 14, *th;
	uint32_t ihl, tot, sum;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (ip[0] & 15u) * 4;
	tot = (uint32_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl || tot > len - 14)
		return;
	ip[10] = ip[11] = 0;
	fuzz_put16(ip + 10, fuzz_csum(ip, ihl, 0));
	if (ip[9] != 6 || tot < ihl + 20)
		return;
	th = ip + ihl;
	th[16] = th[17] = 0;
	sum = ((uint32_t)ip[12] << 8 | ip[13]) + ((uint32_t)ip[14] << 8 | ip[15]) +
	      ((uint32_t)ip[16] << 8 | ip[17]) + ((uint32_t)ip[18] << 8 | ip[19]) + 6 + (tot - ihl);
	fuzz_put16(th + 16, fuzz_csum(th, tot - ihl, sum));
}

#endif /* TOFFEE_FUZZ_INPUT_H */
