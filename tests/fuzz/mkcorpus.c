/* SPDX-License-Identifier: MIT */
/* Seed corpus for fuzz_rx from the Linux traces: for each trace, a few
 * windows of consecutive frames starting at different points of the
 * conversation, encoded in fuzz_input.h's format with flow 0 set up as the
 * trace's connection (its ISNs and client port). Client frames become frame
 * records, server data becomes application appends, time gaps polls.
 * Usage: mkcorpus OUTDIR TRACE.pcap... */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_input.h"

#define WINDOWS  5
#define FRAMES   10
#define MAX_SEED (32u << 10)

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

struct frame {
	uint8_t *d;
	uint32_t len;
	uint64_t t_ns;
};

static void put(uint8_t *out, size_t *n, const void *p, size_t len)
{
	if (*n + len <= MAX_SEED) {
		memcpy(out + *n, p, len);
		*n += len;
	}
}

int main(int argc, char **argv)
{
	for (int a = 2; a < argc; a++) {
		char err[PCAP_ERRBUF_SIZE], name[4096];
		pcap_t *pc = pcap_open_offline(argv[a], err);
		struct pcap_pkthdr *h;
		const u_char *d;
		struct frame *fr = NULL;
		size_t nf = 0;
		uint32_t cli_isn = 0, srv_isn = 0, cport = 0;
		const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];

		if (!pc) {
			fprintf(stderr, "mkcorpus: %s\n", err);
			return 1;
		}
		while (pcap_next_ex(pc, &h, &d) == 1) {
			fr = realloc(fr, (nf + 1) * sizeof(*fr));
			fr[nf].d = malloc(h->caplen);
			memcpy(fr[nf].d, d, h->caplen);
			fr[nf].len = h->caplen;
			fr[nf].t_ns = (uint64_t)h->ts.tv_sec * 1000000000u + h->ts.tv_usec * 1000u;
			nf++;
		}
		pcap_close(pc);
		for (size_t i = 0; i < nf; i++) {
			const uint8_t *f = fr[i].d, *th = f + 14 + (f[14] & 15) * 4;

			if (fr[i].len < 54 || f[23] != 6)
				continue;
			if ((th[13] & 0x12) == 0x02) {
				cli_isn = be32(th + 4);
				cport = be16(th);
			} else if ((th[13] & 0x12) == 0x12) {
				srv_isn = be32(th + 4);
			}
		}
		for (int w = 0; w < WINDOWS; w++) {
			size_t start = nf * (size_t)w / WINDOWS, n = 0;
			uint8_t *out = malloc(MAX_SEED), hdr[FUZZ_HDR_LEN] = { FUZZ_HF_TS | FUZZ_HF_WS | (w & 3) << 3 |
							      (w & 1 ? FUZZ_HF_SACK : 0) };
			FILE *o;

			uint32_t rcv = cli_isn + 1, una = srv_isn + 1;

			/* mid-conversation: flow 0 starts where the client is */
			for (size_t i = start; w && i < nf && i < start + FRAMES; i++) {
				const uint8_t *f = fr[i].d, *th = f + 14 + (f[14] & 15) * 4;

				if (fr[i].len >= 54 && !memcmp(f + 6, fuzz_client_mac, 6) && f[23] == 6) {
					rcv = be32(th + 4);
					una = be32(th + 8);
					break;
				}
			}
			hdr[2] = 0xff;
			hdr[3] = 0xff;
			for (int k = 0; k < 4; k++) {
				hdr[4 + k] = (uint8_t)(rcv >> (8 * k));
				hdr[8 + k] = (uint8_t)(una >> (8 * k));
			}
			hdr[12] = (uint8_t)cport;
			hdr[13] = (uint8_t)(cport >> 8);
			put(out, &n, hdr, sizeof(hdr));
			for (size_t i = start; i < nf && i < start + FRAMES; i++) {
				const uint8_t *f = fr[i].d;
				bool from_client = fr[i].len >= 14 && !memcmp(f + 6, fuzz_client_mac, 6);

				if (i > start && fr[i].t_ns > fr[i - 1].t_ns) {
					uint64_t dt = fr[i].t_ns - fr[i - 1].t_ns;
					uint8_t rec[2] = { FUZZ_OP_POLL | 8u << 3, (uint8_t)(dt >> 8 > 255 ? 255 : dt >> 8) };

					put(out, &n, rec, 2);
				}
				if (from_client) {
					uint8_t rec[3] = { FUZZ_OP_FRAME, (uint8_t)fr[i].len, (uint8_t)(fr[i].len >> 8) };

					put(out, &n, rec, 3);
					put(out, &n, f, fr[i].len);
				} else if (fr[i].len > 54) {
					uint32_t plen = be16(f + 16) - (f[14] & 15) * 4 -
							(f[14 + (f[14] & 15) * 4 + 12] >> 4) * 4;
					uint8_t rec[3] = { FUZZ_OP_APPEND, (uint8_t)plen, (uint8_t)(plen >> 8) };

					if (plen)
						put(out, &n, rec, 3);
				}
				if (i % 3 == 2) {
					uint8_t rec[3] = { FUZZ_OP_READ, 0xff, 0xff };

					put(out, &n, rec, 3);
				}
			}
			snprintf(name, sizeof(name), "%s/%.*s-%d", argv[1], (int)(strlen(base) - 5), base, w);
			o = fopen(name, "wb");
			if (!o || fwrite(out, 1, n, o) != n) {
				fprintf(stderr, "mkcorpus: cannot write %s\n", name);
				return 1;
			}
			fclose(o);
			free(out);
		}
		for (size_t i = 0; i < nf; i++)
			free(fr[i].d);
		free(fr);
	}
	return 0;
}
