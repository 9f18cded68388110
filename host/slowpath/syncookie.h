/* SPDX-License-Identifier: MIT */
/*
 * SYN cookies: a listener answers a SYN without keeping state, and the
 * handshake's final ACK brings back what it needs (used when a listener's
 * SYN queue is full, or for every passive open with --syncookies always).
 *
 * The SYN-ACK is negotiated as if the SYN were sp_cookie_syn(SYN): its MSS
 * rounded down to one of 8 values, and without window scaling, SACK and
 * ECN when there are no timestamps to carry them. Our ISN is the cookie:
 *
 *   bits 31..6  a 26-bit MAC: SipHash-2-4 under toffeed's secret of the
 *               4-tuple, the peer's ISN, the time epoch and the bits below
 *   bit  5      the SYN-ACK carries timestamps
 *   bits 4..3   the epoch (2^36 ns, ~69 s) modulo 4
 *   bits 2..0   the MSS index
 *
 * and with timestamps the low 6 bits of our TSval hold the peer's window
 * shift (15: none), SACK-permitted and ECN-setup (bits 0-3, 4, 5); the ACK
 * echoes them in TSecr, and they are under the MAC too. A cookie is
 * accepted during the epoch that made it and the next one.
 */
#ifndef TOFFEE_SP_SYNCOOKIE_H
#define TOFFEE_SP_SYNCOOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkt.h"

#define SP_COOKIE_EPOCH_SHIFT 36u   /* ns per epoch: 2^36, ~68.7 s */

/** SipHash-2-4 of @p len bytes under the 128-bit key @p key. */
uint64_t sp_siphash24(const uint64_t key[2], const void *data, size_t len);

/** The SYN a cookie can remember of @p syn, for the negotiation of the
 *  SYN-ACK (@p ts_ok: we would answer with timestamps). */
void sp_cookie_syn(const struct sp_seg *syn, bool ts_ok, struct sp_seg *out);

/** Our ISN and, for a SYN-ACK with timestamps (@p ts), the TSval to send
 *  (@p tsval with its low 6 bits replaced), answering @p syn, which must
 *  be what sp_cookie_syn() gave. */
uint32_t sp_cookie_make(const uint64_t key[2], uint64_t now_ns, const struct sp_seg *syn, bool ts,
			uint32_t *tsval);

/** Whether @p ack completes a handshake we answered with a cookie; if so,
 *  @p syn gets the SYN sp_cookie_syn() gave then (addresses, ports,
 *  sequence number, flags, options; the TSval is the ACK's). */
bool sp_cookie_check(const uint64_t key[2], uint64_t now_ns, const struct sp_seg *ack, struct sp_seg *syn);

#endif /* TOFFEE_SP_SYNCOOKIE_H */
