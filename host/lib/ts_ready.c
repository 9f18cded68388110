/* SPDX-License-Identifier: MIT */
/* Readiness of a toffee socket as poll(2) bits, following what Linux's
 * tcp_poll() reports for the equivalent kernel socket state:
 *  - a fresh (or failed) unconnected socket: POLLOUT | POLLHUP (+ IN, RDHUP
 *    and ERR after a failed connect, the socket being fully shut down);
 *  - a listener: POLLIN when a connection waits;
 *  - connecting: nothing;
 *  - established: IN when bytes wait or the read side is shut (FIN or
 *    SHUT_RD, with RDHUP); OUT when a third of the send buffer is free (or
 *    the write side is shut: writes then fail at once); HUP when both sides
 *    are shut or the flow was reset; ERR while an error is pending. */
#include "ts_internal.h"

#define TS_IN  (POLLIN | POLLRDNORM)
#define TS_OUT (POLLOUT | POLLWRNORM)

short ts_ready_mask(const struct ts_rstate *r)
{
	short m = 0;
	if (r->stale)
		return POLLNVAL;
	switch (r->mode) {
	case TS_NEW:
		m = TS_OUT | POLLHUP;
		if (r->so_error)
			m |= TS_IN | POLLRDHUP | POLLERR;
		return m;
	case TS_LISTEN:
		return r->acceptq ? TS_IN : 0;
	case TS_CONNECTING:
		return 0;
	default:
		break;
	}
	if (r->conn_state == TOFFEE_CONN_RESET || r->conn_state == TOFFEE_CONN_FAILED) {
		m = TS_IN | POLLRDHUP | TS_OUT | POLLHUP;
		if (r->so_error)
			m |= POLLERR;
		return m;
	}
	bool rd_shut = r->fin_rx || r->shut_rd;
	if (r->rx_avail || rd_shut)
		m |= TS_IN;
	if (rd_shut)
		m |= POLLRDHUP;
	if (r->shut_wr || (r->tx_size && (uint64_t)r->tx_free * 3 >= r->tx_size))
		m |= TS_OUT;
	if (rd_shut && r->shut_wr)
		m |= POLLHUP;
	if (r->so_error)
		m |= POLLERR;
	return m;
}

void ts_sock_rstate(const struct ts_sock *s, struct ts_rstate *r)
{
	*r = (struct ts_rstate){
		.mode = s->mode, .stale = s->closed || s->o.gen != ts.gen,
		.shut_rd = s->shut_rd, .shut_wr = s->shut_wr, .so_error = s->so_error,
	};
	if (r->stale)
		return;
	if (s->mode == TS_LISTEN && s->lst)
		r->acceptq = toffee_accept_pending(s->lst);
	if (s->mode == TS_CONNECTED && s->conn) {
		struct toffee_conn_info i;
		toffee_conn_info(s->conn, &i);
		r->conn_state = (uint8_t)i.state;
		r->fin_rx = i.fin_rx;
		r->rx_avail = i.rx_avail;
		r->tx_free = i.tx_free;
		r->tx_size = i.tx_size;
		r->shut_wr = r->shut_wr || i.shut_wr;
	}
}

short ts_sock_poll(const struct ts_sock *s)
{
	struct ts_rstate r;
	ts_sock_rstate(s, &r);
	return ts_ready_mask(&r);
}
