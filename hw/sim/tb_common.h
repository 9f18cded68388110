/* SPDX-License-Identifier: MIT */
/**
 * @file tb_common.h
 * Small helpers shared by the Verilator testbenches in hw/sim: moving byte
 * strings in and out of Verilator signals of any width, a seeded PRNG, pcap
 * loading and a failure macro. Testbenches exit 0 on success, 1 on the first
 * mismatch (with a message), 77 when a required input is missing.
 */
#ifndef TOFFEE_TB_COMMON_H
#define TOFFEE_TB_COMMON_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <pcap/pcap.h>
#include <verilated.h>

#define TB_FAIL(...) do { \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	fflush(NULL); \
	_Exit(1);  /* skip static destructors (the Verilator context) */ \
} while (0)

#define TB_CHECK(cond, ...) do { if (!(cond)) TB_FAIL(__VA_ARGS__); } while (0)

/* Little-endian byte string <-> signal: byte i of the string is bits
 * 8i+7..8i of the signal (AXI-Stream lane order). */
template <typename T>
static inline void tb_put(T &sig, const uint8_t *b, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n && i < sizeof(T); i++)
		v |= (uint64_t)b[i] << (8 * i);
	sig = (T)v;
}
template <std::size_t W>
static inline void tb_put(VlWide<W> &sig, const uint8_t *b, unsigned n)
{
	for (std::size_t w = 0; w < W; w++) {
		uint32_t v = 0;
		for (unsigned k = 0; k < 4; k++)
			if (4 * w + k < n)
				v |= (uint32_t)b[4 * w + k] << (8 * k);
		sig[w] = v;
	}
}
template <typename T>
static inline void tb_get(const T &sig, uint8_t *b, unsigned n)
{
	uint64_t v = (uint64_t)sig;
	for (unsigned i = 0; i < n; i++)
		b[i] = i < sizeof(T) ? (uint8_t)(v >> (8 * i)) : 0;
}
template <std::size_t W>
static inline void tb_get(const VlWide<W> &sig, uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = i / 4 < W ? (uint8_t)(sig[i / 4] >> (8 * (i % 4))) : 0;
}
/* tkeep of a beat with @p n valid bytes (n <= 64). */
static inline uint64_t tb_keep(unsigned n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

/* 32-bit word @p i of a signal (for wide metadata vectors). */
template <std::size_t W>
static inline uint32_t tb_word(const VlWide<W> &sig, unsigned i) { return sig[i]; }

/* splitmix64: reproducible across platforms. */
struct tb_rng {
	uint64_t s;
	explicit tb_rng(uint64_t seed) : s(seed) {}
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	uint32_t below(uint32_t n) { return n ? (uint32_t)(next() % n) : 0; }
	bool chance(unsigned percent) { return below(100) < percent; }
};

typedef std::vector<uint8_t> tb_frame;

/* Append every packet of pcap file @p path to @p out; false if unreadable. */
static inline bool tb_load_pcap(const std::string &path, std::vector<tb_frame> &out)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path.c_str(), err);
	if (!p)
		return false;
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1)
		out.emplace_back(d, d + h->caplen);
	pcap_close(p);
	return true;
}

/* The Linux traces (../shared/traces/linux relative to the repository, or
 * $TOFFEE_TRACES). Returns the number of files loaded. */
static inline int tb_load_traces(std::vector<tb_frame> &out)
{
	static const char *names[] = {"echo_small", "bulk_in", "bulk_out", "refused",
				      "reset", "lossy_2pct", "reorder"};
	const char *dir = getenv("TOFFEE_TRACES");
	std::string d = dir ? dir : "../shared/traces/linux";
	int n = 0;
	for (const char *nm : names)
		n += tb_load_pcap(d + "/" + nm + ".pcap", out);
	return n;
}

#endif /* TOFFEE_TB_COMMON_H */
