/* SPDX-License-Identifier: MIT */
/* Counters and the status report (`toffee status`): toffeed's own counters,
 * the NIC's (BAR0 registers: frames, punts by reason, drops by reason), the
 * contexts, listeners and flows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fp.h"
#include "sp.h"

static const char *const counter_names[SP_CNT_COUNT] = {
#define SP_CNT_NAME(id, name) [SP_CNT_##id] = name,
	SP_COUNTERS(SP_CNT_NAME)
#undef SP_CNT_NAME
};

static const char *const nic_names[] = {
	[TOFFEE_CNT_RX_FRAMES] = "rx_frames", [TOFFEE_CNT_RX_DATA_SEGS] = "rx_data_segs",
	[TOFFEE_CNT_RX_ACKS] = "rx_acks", [TOFFEE_CNT_RX_DUPACKS] = "rx_dupacks",
	[TOFFEE_CNT_TX_SEGS] = "tx_segs", [TOFFEE_CNT_TX_ACKS] = "tx_acks",
	[TOFFEE_CNT_TX_RAW] = "tx_raw", [TOFFEE_CNT_FAST_REXMITS] = "fast_rexmits",
	[TOFFEE_CNT_RX_BYTES] = "rx_bytes", [TOFFEE_CNT_TX_BYTES] = "tx_bytes",
};

const char *sp_counter_name(unsigned i)
{
	return i < SP_CNT_COUNT ? counter_names[i] : "?";
}

static void ip_str(uint32_t ip, char *b, size_t n)
{
	snprintf(b, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* With --all: the options negotiated, and the flow's NIC state as toffeed
 * last read it (READ_STATE). */
static void flow_snap(FILE *f, const struct sp_conn *c)
{
	const struct toffee_flow *s = &c->snap;
	const struct sp_neg *n = &c->neg;
	fprintf(f, "         mss %u, options:%s%s%s%s%s\n", n->mss, n->ts ? " ts" : "",
		n->ws ? " ws" : "", n->sack ? " sack" : "", n->ecn ? " ecn" : "",
		n->ts || n->ws || n->sack || n->ecn ? "" : " none");
	if (c->ka_on)
		fprintf(f, "         keepalive %u s / %u s / %u, %u probes unanswered%s\n", c->ka_idle_s,
			c->ka_intvl_s, c->ka_cnt, c->ka_probes, c->ka_slow ? " (probing)" : "");
	if (!c->snap_ns || c->flow_id == TOFFEE_FLOW_NONE)
		return;
	fprintf(f, "         nic state %.1f s ago: rcv_nxt %u rx_avail %u ooo %u+%u snd_una %u"
		" nxt %u max %u tx_end %u wnd %u flags 0x%x nic_flags 0x%x\n",
		(double)(c->sp->now - c->snap_ns) / 1e9, s->rcv_nxt, s->rx_avail, s->ooo_start,
		s->ooo_len, s->snd_una, s->snd_nxt, s->snd_max, s->tx_end, s->snd_wnd, s->flags,
		s->nic_flags);
}

static void flow_line(FILE *f, const struct sp_conn *c, bool all)
{
	char l[24], r[24], lip[16], rip[16], cc[40], id[12];
	ip_str(c->lip, lip, sizeof(lip));
	ip_str(c->rip, rip, sizeof(rip));
	snprintf(l, sizeof(l), "%s:%u", lip, c->lport);
	snprintf(r, sizeof(r), "%s:%u", rip, c->rport);
	if (c->flow_id == TOFFEE_FLOW_NONE)
		snprintf(id, sizeof(id), "-");
	else
		snprintf(id, sizeof(id), "%u", c->flow_id);
	if (c->cc.algo == SP_CC_NEWRENO)
		snprintf(cc, sizeof(cc), "cwnd %u", c->cc.cwnd);
	else if (c->cc.rate)
		snprintf(cc, sizeof(cc), "rate %" PRIu64 " Mbit/s", c->cc.rate * 8 / 1000000);
	else
		snprintf(cc, sizeof(cc), "rate unlimited");
	/* across fork (handover.c): its socket shared, let go of by its
	 * owner, on its way to another context; its owner gone */
	fprintf(f, "  %-6s %-4d %-12s %-21s %-21s %9u %9u %s%s%s%s%s\n", id,
		c->app ? c->app->ctx : -1, sp_state_name(c->state), l, r,
		c->rto.srtt_us, c->rto.rto_us / 1000, cc, c->share_fd >= 0 ? " shared" : "",
		c->released ? " released" : "", c->moving ? " moving" : "", c->lingers ? " lingering" : "");
	if (all)
		flow_snap(f, c);
}

/* Every connection: those of the apps, then the TIME_WAIT entries left. */
static void flows(struct sp *sp, FILE *f, bool all)
{
	unsigned shown = 0, total = 0;
	fprintf(f, "\nflows:\n  %-6s %-4s %-12s %-21s %-21s %9s %9s %s\n", "id", "ctx", "state",
		"local", "remote", "srtt_us", "rto_ms", "cc");
	for (struct sp_app *a = sp->apps; a; a = a->next)
		for (struct sp_conn *c = a->conns; c; c = c->anext, total++)
			if (all || shown < 50) {
				flow_line(f, c, all);
				shown++;
			}
	for (uint32_t b = 0; b <= sp->hash_mask; b++)
		for (struct sp_conn *c = sp->hash[b]; c; c = c->hnext)
			if (!c->app) {
				total++;
				if (all || shown < 50) {
					flow_line(f, c, all);
					shown++;
				}
			}
	if (shown < total)
		fprintf(f, "  ... %u more (toffee status --all)\n", total - shown);
}

int sp_status_write(struct sp *sp, int fd, bool all)
{
	int dupfd = dup(fd);
	if (dupfd < 0)
		return -errno;
	FILE *f = fdopen(dupfd, "w");
	if (!f) {
		close(dupfd);
		return -ENOMEM;
	}
	char ip[16], gw[16];
	ip_str(sp->cfg.route.ip, ip, sizeof(ip));
	ip_str(sp->cfg.route.gw, gw, sizeof(gw));
	const uint8_t *m = sp->mac;
	fprintf(f, "toffeed pid %d, NIC \"%s\" (%u flow slots), rundir %s\n", (int)getpid(),
		sp->dev->info.impl, sp->dev->info.flow_cap, sp->cfg.rundir);
	fprintf(f, "address %s/%u, gateway %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, cc %s\n", ip,
		sp->cfg.route.prefix, sp->cfg.route.gw ? gw : "none", m[0], m[1], m[2], m[3], m[4], m[5],
		sp->cfg.mtu, sp->cfg.cc.algo == SP_CC_NEWRENO ? "newreno" : "dctcp");
	uint32_t ft = sp->dev->info.features, ver = sp->dev->info.version;
	fprintf(f, "NIC ABI %u.%u, features%s%s%s%s%s%s; SACK %s\n", ver >> 16, ver & 0xffff,
		ft & TOFFEE_FEAT_TS ? " ts" : "", ft & TOFFEE_FEAT_ECN ? " ecn" : "",
		ft & TOFFEE_FEAT_RATE ? " rate" : "", ft & TOFFEE_FEAT_OOO1 ? " ooo1" : "",
		ft & TOFFEE_FEAT_SACK ? " sack" : "", ft & TOFFEE_FEAT_SLOWMARK ? " slowmark" : "",
		sp->cfg.syn.sack ? "negotiated" : "off");
	unsigned nlst = 0;
	fprintf(f, "contexts %u, flows %u (NIC slots in use %u), time_wait %u\n", sp->ctx_ids.used,
		sp->nconns - sp->ntw, sp->flow_ids.used, sp->ntw);
	fprintf(f, "connections:");
	for (unsigned s = 0; s < SP_STATE_COUNT; s++)
		if (sp->nstate[s])
			fprintf(f, " %s %u", sp_state_name(s), sp->nstate[s]);
	fprintf(f, "\n\ncontexts:\n");
	for (struct sp_app *a = sp->apps; a; a = a->next) {
		if (a->ctx < 0)
			continue;
		unsigned l = 0;
		for (struct sp_listener *x = a->lsts; x; x = x->anext)
			l++;
		nlst += l;
		fprintf(f, "  ctx %-3d pid %-7d connections %-6u listeners %-3u region %" PRIu64
			" MiB (%" PRIu64 " MiB free)%s\n", a->ctx, (int)a->pid, a->nconns, l,
			a->region.size >> 20, a->pool.free_bytes >> 20, a->dying ? " (closing)" : "");
	}
	unsigned nheld = 0;
	for (struct sp_listener *x = sp->lst_held; x; x = x->anext)
		nheld++;
	fprintf(f, "\nlisteners: %u", nlst);
	if (nheld)
		fprintf(f, " (and %u held for fork children)", nheld);
	fprintf(f, "\n");
	for (struct sp_app *a = sp->apps; a; a = a->next)
		for (struct sp_listener *x = a->lsts; x; x = x->anext)
			fprintf(f, "  id %-4u port %-5u ctx %-3d backlog %-5u syn_rcvd %-4u installing %u%s%s\n",
				x->id, x->port, a->ctx, x->backlog, x->nsyn, x->ninst,
				x->reuseport ? " reuseport" : "", x->accepting ? " accepting" : "");
	for (struct sp_listener *x = sp->lst_held; x; x = x->anext)
		fprintf(f, "  id %-4u port %-5u held for fork children (%" PRIu64 " ms left)\n", x->id, x->port,
			x->hold_until > sp->now ? (x->hold_until - sp->now) / 1000000u : 0);
	flows(sp, f, all);
	uint64_t rx = 0, tx = 0;
	if (dev_stats(sp->dev, &rx, &tx) == 0)
		fprintf(f, "\nwire: %" PRIu64 " frames received, %" PRIu64 " sent\n", rx, tx);
	fprintf(f, "\nNIC counters:\n");
	for (unsigned i = 0; i < sizeof(nic_names) / sizeof(nic_names[0]); i++)
		fprintf(f, "  %-28s %" PRIu64 "\n", nic_names[i], dev_counter(sp->dev, i));
	fprintf(f, "\nNIC exceptions (punted to toffeed), by reason:\n");
	for (unsigned i = 1; i < TOFFEE_EXC_COUNT; i++)
		fprintf(f, "  P%-2u %-24s %" PRIu64 "\n", i, fp_exc_name(i),
			dev_counter(sp->dev, TOFFEE_CNT_EXC_BASE + i));
	fprintf(f, "\nNIC drops, by reason:\n");
	for (unsigned i = 1; i < TOFFEE_DROP_COUNT; i++)
		fprintf(f, "  %-28s %" PRIu64 "\n", fp_drop_name(i),
			dev_counter(sp->dev, TOFFEE_CNT_DROP_BASE + i));
	fprintf(f, "\ntoffeed counters:\n");
	for (unsigned i = 0; i < SP_CNT_COUNT; i++)
		fprintf(f, "  %-28s %" PRIu64 "\n", counter_names[i], sp->cnt[i]);
	if (fclose(f) != 0)
		return -EIO;
	return 0;
}
