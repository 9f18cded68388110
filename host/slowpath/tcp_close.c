/* SPDX-License-Identifier: MIT */
/* Closing connections (RFC 9293 §3.6): our FIN is posted by the application
 * (TOFFEE_CMDF_FIN, in order with its appends) and tracked here by polling
 * the flow's state until it is acknowledged (snd_una past tx_end); the
 * peer's FIN arrives as TOFFEE_EXC_FIN after the fast path delivered and
 * acknowledged everything before it. TIME_WAIT is kept on the host: the NIC
 * flow and the buffers are released when it starts, a host entry answers
 * retransmitted FINs for 2 MSL. Resets in and out, abort, application
 * hang-up. */
#include <errno.h>
#include <string.h>
#include "sp.h"

static uint32_t ctx_reg(int ctx, uint32_t off)
{
	return TOFFEE_REG_CTX_BASE + (uint32_t)ctx * TOFFEE_REG_CTX_STRIDE + off;
}

static uint32_t db_reg(int ctx, uint32_t off)
{
	return TOFFEE_REG_DB_BASE + (uint32_t)ctx * TOFFEE_REG_DB_STRIDE + off;
}

static bool installed_state(uint8_t st)
{
	return st >= SP_ESTABLISHED && st <= SP_LAST_ACK;
}

void sp_close_fin_rcvd(struct sp_conn *c, const struct sp_seg *fin)
{
	struct sp *sp = c->sp;
	if (c->fin_rcvd)
		return;
	sp_count(sp, SP_CNT_FIN_RCVD);
	c->fin_rcvd = true;
	c->tw_rcv = fin->seq + fin->plen + 1;
	switch (c->state) {
	case SP_ESTABLISHED:
		sp_conn_set_state(c, SP_CLOSE_WAIT);
		break;
	case SP_FIN_WAIT_1:
		sp_conn_set_state(c, SP_CLOSING);
		sp_conn_read(c, SP_ACT_CLOSE);
		break;
	case SP_FIN_WAIT_2:
		sp_count(sp, SP_CNT_TIME_WAIT);
		sp_conn_remove(c, false, SP_TIME_WAIT);
		break;
	default:
		break;
	}
}

void sp_close_state(struct sp_conn *c, const struct toffee_flow *f)
{
	struct sp *sp = c->sp;
	if (!c->fin_req || !installed_state(c->state) || !c->app)
		return;
	if (!(f->flags & TOFFEE_FLOWF_TX_FIN)) {
		/* The app said CLOSE but its FIN is not in the flow. Its CMD ring
		 * may still hold it (the NIC serves our commands first): only a
		 * state read after the ring was seen consumed up to where it was
		 * at CLOSE is conclusive. Then send the FIN for it. */
		uint32_t head = dev_rd32(sp->dev, ctx_reg(c->app->ctx, TOFFEE_CTX_CMD + TOFFEE_Q_HEAD));
		if (c->close_drained) {
			sp_count(sp, SP_CNT_TXFIN_FALLBACK);
			sp_cmd(sp, TOFFEE_CMD_TX_FIN, c->flow_id, 0, 0, SP_WHY_PLAIN, c, NULL);
		} else if ((int32_t)(head - c->close_tail) >= 0) {
			c->close_drained = true;
		}
		return;
	}
	if (!sp_seq_gt(f->snd_una, f->tx_end) || c->fin_acked)
		return;
	c->fin_acked = true;                     /* our FIN is acknowledged */
	c->tw_seq = f->snd_una;
	if (!c->fin_rcvd)
		c->tw_rcv = f->rcv_nxt;
	switch (c->state) {
	case SP_FIN_WAIT_1:
		sp_conn_set_state(c, SP_FIN_WAIT_2);
		if (c->orphan)
			sp_arm(sp, &c->tmr, sp->now + sp->cfg.fin_wait2_ns);
		break;
	case SP_CLOSING:
		sp_count(sp, SP_CNT_TIME_WAIT);
		sp_conn_remove(c, false, SP_TIME_WAIT);
		break;
	case SP_LAST_ACK:
		sp_conn_remove(c, false, SP_DOOMED);
		break;
	default:
		break;
	}
}

/* The app lets go of a flow that is out of the NIC: CLOSED, and its
 * buffers and id are free (a TIME_WAIT entry lives on without them). */
static void let_go(struct sp_conn *c)
{
	c->orphan = true;
	sp_conn_notify(c, TOFFEE_APP_CLOSED, 0);
	if (c->state == SP_TIME_WAIT && c->hashed)
		sp_conn_release(c);
	else
		sp_conn_free(c);
}

int sp_close_request(struct sp_conn *c, uint32_t type, uint32_t req)
{
	struct sp *sp = c->sp;
	switch (c->state) {
	case SP_RESET:
	case SP_DONE:
	case SP_TIME_WAIT:
		if (type == TOFFEE_APP_SHUTDOWN_WR)
			return c->state == SP_RESET ? -ECONNRESET : 0;
		let_go(c);
		return 0;
	case SP_DOOMED:
		c->orphan = true;                  /* CLOSED follows the removal */
		return 0;
	default:
		break;
	}
	if (!installed_state(c->state))
		return -ENOTCONN;
	if (type == TOFFEE_APP_ABORT) {
		c->orphan = true;
		c->ack_req_abort = req;
		sp_conn_remove(c, true, SP_DOOMED);
		return 0;
	}
	if (type == TOFFEE_APP_CLOSE) {
		c->orphan = true;
		if (c->state == SP_FIN_WAIT_2)
			sp_arm(sp, &c->tmr, sp->now + sp->cfg.fin_wait2_ns);
	}
	if (c->fin_req)
		return 0;
	c->fin_req = true;
	c->close_tail = dev_rd32(sp->dev, db_reg(c->app->ctx, TOFFEE_DB_CMD_TAIL));
	c->close_ns = sp->now;
	if (c->state == SP_ESTABLISHED) {
		c->active_close = true;
		sp_conn_set_state(c, SP_FIN_WAIT_1);
	} else if (c->state == SP_CLOSE_WAIT) {
		sp_conn_set_state(c, SP_LAST_ACK);
	}
	sp_conn_read(c, SP_ACT_CLOSE);
	return 0;
}

void sp_close_removed(struct sp_conn *c)
{
	struct sp *sp = c->sp;
	if (c->state == SP_INSTALLING) {
		sp_open_reinstall(c);               /* early data merge */
		return;
	}
	sp_count(sp, SP_CNT_FLOWS_REMOVED);
	/* Whether the app still holds the flow (it may read what arrived):
	 * then its buffers and id stay until it sends CLOSE. */
	bool held = c->app && !c->app->dying && c->app_knows && !c->orphan;
	switch (c->state) {
	case SP_TIME_WAIT:
		if (!held) {
			if (c->app && !c->app->dying && c->app_knows)
				sp_conn_notify(c, TOFFEE_APP_CLOSED, 0);
			sp_conn_release(c);
		}
		sp_arm(sp, &c->tmr, sp->now + sp->cfg.time_wait_ns);
		break;
	case SP_RESET:
		if (held) {
			/* The app keeps its buffers (to read what arrived) until it
			 * sends CLOSE; the flow id stays reserved meanwhile. */
			sp_conn_notify(c, TOFFEE_APP_RESET, c->reset_status);
			sp_conn_unhash(c);
			break;
		}
		if (c->app && !c->app->dying && c->app_knows)
			sp_conn_notify(c, TOFFEE_APP_CLOSED, 0);
		sp_conn_free(c);
		break;
	default:
		if (held && c->fin_rcvd && c->fin_acked) {
			sp_conn_set_state(c, SP_DONE);  /* graceful end, app still reading */
			sp_conn_unhash(c);
			break;
		}
		if (c->app && !c->app->dying && c->app_knows)
			sp_conn_notify(c, TOFFEE_APP_CLOSED, 0);
		sp_conn_free(c);
		break;
	}
}

void sp_close_reset(struct sp_conn *c, int status)
{
	if (!installed_state(c->state))
		return;
	c->reset_status = status;
	sp_conn_remove(c, status == -ETIMEDOUT, SP_RESET);
}

bool sp_close_tw_segment(struct sp_conn *c, const struct sp_seg *s)
{
	struct sp *sp = c->sp;
	if (s->flags & SP_TH_RST)
		return true;                         /* RFC 1337: ignore */
	if ((s->flags & (SP_TH_SYN | SP_TH_ACK)) == SP_TH_SYN) {
		if (sp_seq_gt(s->seq, c->tw_rcv)) {
			sp_count(sp, SP_CNT_TW_REUSE);
			return false;                /* a new connection (RFC 6191) */
		}
		return true;
	}
	if ((s->flags & SP_TH_FIN) || s->plen) {
		/* A retransmitted FIN: our last ACK was lost. ACK it again and
		 * restart the 2 MSL timer (RFC 9293 §3.10.7.4). */
		if (sp->now - c->last_ack_ns >= 1000000u) {
			c->last_ack_ns = sp->now;
			sp_conn_send_ack(c, c->tw_seq, c->tw_rcv, 1u << sp->cfg.buf_log2,
					 s->opt.ts_ok ? s->opt.tsval : 0);
			sp_count(sp, SP_CNT_TW_ACK);
		}
		if (s->flags & SP_TH_FIN)
			sp_arm(sp, &c->tmr, sp->now + sp->cfg.time_wait_ns);
	}
	return true;
}

bool sp_close_app_gone(struct sp_conn *c)
{
	/* Closed before the app went away (it may have _exit'ed right after):
	 * as Linux does with an orphaned socket, the data and the FIN still go
	 * out; the buffers stay until the flow is out of the NIC. */
	if (c->fin_req && c->orphan && installed_state(c->state)) {
		if (c->state == SP_FIN_WAIT_2)
			sp_arm(c->sp, &c->tmr, c->sp->now + c->sp->cfg.fin_wait2_ns);
		return true;
	}
	switch (c->state) {
	case SP_SYN_SENT:
		sp_conn_free(c);
		break;
	case SP_SYN_RCVD:
		sp_conn_send_rst(c, c->iss + 1);
		sp_conn_free(c);
		break;
	case SP_INSTALLING:
	case SP_ESTABLISHED:
	case SP_FIN_WAIT_1:
	case SP_FIN_WAIT_2:
	case SP_CLOSE_WAIT:
	case SP_CLOSING:
	case SP_LAST_ACK:
		c->orphan = true;
		sp_conn_remove(c, true, SP_DOOMED);
		break;
	case SP_RESET:
	case SP_DONE:
		sp_conn_free(c);
		break;
	case SP_TIME_WAIT:
		sp_conn_release(c);                   /* the entry lives on */
		break;
	default:
		break;                                /* DOOMED: removal under way */
	}
	return false;
}

void sp_close_timer(struct sp_timer *t, uint64_t now)
{
	struct sp_conn *c = SP_CONTAINER(t, struct sp_conn, tmr);
	(void)now;
	if (c->state == SP_TIME_WAIT) {
		if (c->app) {
			/* The app still holds the flow: it stays, out of the table. */
			sp_conn_set_state(c, SP_DONE);
			sp_conn_unhash(c);
		} else {
			sp_conn_free(c);
		}
	} else if (c->state == SP_FIN_WAIT_2 && c->orphan) {
		sp_count(c->sp, SP_CNT_FIN_WAIT2_TIMEOUT);
		sp_conn_remove(c, true, SP_DOOMED);
	}
}
