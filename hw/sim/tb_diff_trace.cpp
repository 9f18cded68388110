// SPDX-License-Identifier: MIT
// tb_diff: the Linux traces (tb_diff.h).
#include "tb_diff.h"

// ---------------------------------------------------------------------------
// Linux traces, replayed as toffee-replay does: the fast path is the server
// of every connection whose SYN-ACK is in the capture. The flow is installed
// from SYN and SYN-ACK (ISNs, MSS less 12 with timestamps, window scales if
// both offered, ts_recent = the SYN's TSval, the SYN's window, the client's
// MAC); the client's frames are fed as captured (also those of no known
// connection: punted or dropped); the server's new payload is appended to
// the transmit buffer when it appears (its FIN becomes CMDF_FIN), so the
// NIC sends it itself; received bytes are consumed as their events arrive.
struct tconn {
	uint32_t sip, cip;
	uint16_t sport, cport;
	uint32_t id, ctx;
	uint32_t syn_seq, syn_tsval, syn_mss;
	int syn_ws;                 // -1: none
	uint16_t syn_win;
	bool syn_ts, syn_sack, installed, fin_sent;
	uint8_t cmac[6];
	uint32_t app_end;           // server bytes appended so far (next seq)
	struct toffee_flow img;
	uint32_t nic_ack;           // the last ACK number the NIC sent
	bool nic_ack_seen;
	uint32_t fed_end;           // highest client sequence end fed
	uint32_t refed_at;          // the ACK number of the last re-feed
	bool refed;
	std::map<uint32_t, tb_frame> *data;   // client data frames by sequence number
};
static std::vector<tconn> *trace_conns;

void track_trace_frame(const tb_frame &f)
{
	if (!trace_conns || f.size() < 54 || f[12] != 8 || f[13] != 0 || f[23] != 6)
		return;
	uint32_t sip = ref_be32(&f[26]), dip = ref_be32(&f[30]);
	uint16_t sp = (uint16_t)ref_be16(&f[34]), dp = (uint16_t)ref_be16(&f[36]);
	for (auto &c : *trace_conns)
		if (c.sip == sip && c.sport == sp && c.cip == dip && c.cport == dp) {
			c.nic_ack = ref_be32(&f[42]);
			c.nic_ack_seen = true;
		}
}

static void syn_opts(const uint8_t *f, const ref_meta &m, uint32_t *mss, int *ws, bool *ts, uint32_t *tsval,
		     bool *sack)
{
	const uint8_t *o = f + 14 + 20 + 20;
	uint32_t len = m.tcp_doff * 4 - 20, i = 0;
	*mss = 536; *ws = -1; *ts = false; *tsval = 0; *sack = false;
	while (i < len) {
		uint8_t k = o[i];
		if (k == 0) break;
		if (k == 1) { i++; continue; }
		if (i + 1 >= len || o[i + 1] < 2) break;
		if (k == 2 && o[i + 1] == 4) *mss = ref_be16(o + i + 2);
		if (k == 3 && o[i + 1] == 3) *ws = o[i + 2];
		if (k == 8 && o[i + 1] == 10) { *ts = true; *tsval = ref_be32(o + i + 2); }
		if (k == 4 && o[i + 1] == 2) *sack = true;
		i += o[i + 1];
	}
}

static uint32_t next_trace_id = 3500;

void consume_rx(tb_rng &r)
{
	host_drain();
	for (auto &p : pending_rx) {
		if (!p.second)
			continue;
		const struct toffee_flow *st = fp_flow(fh->fp, p.first);
		if (!st)
			continue;
		uint32_t take = r.chance(80) ? p.second : 1 + r.below(p.second);
		if (fphost_ctx_cmd(fh, st->ctx_id, p.first, 0, take) == 0)
			p.second -= take;
	}
}

void replay_trace(const char *name, tb_rng &r, size_t max_frames)
{
	const char *dir = getenv("TOFFEE_TRACES");
	std::string d = dir ? dir : "../shared/traces/linux";
	std::vector<tb_frame> frames;
	if (!tb_load_pcap(d + "/" + name + ".pcap", frames)) {
		printf("tb_diff: trace %s not found (TOFFEE_TRACES), skipped\n", name);
		return;
	}
	std::vector<tconn> conns;
	conns.reserve(64);
	trace_conns = &conns;
	std::vector<std::map<uint32_t, tb_frame>> datas(64);
	uint64_t fed = 0, refed = 0;
	uint8_t zero[1448];
	memset(zero, 0, sizeof zero);
	for (size_t n = 0; n < frames.size() && n < max_frames; n++) {
		const tb_frame &f = frames[n];
		ref_meta m;
		ref_parse(f.data(), (uint32_t)f.size(), &m);
		fh->now_ns += 10000;
		bool tcp = m.ethertype == 0x0800 && m.ip_proto == 6 && f.size() >= 54;
		tconn *c = nullptr;
		bool from_server = false;
		for (auto &x : conns) {
			if (!tcp) break;
			if (x.sip == m.ip_src && x.sport == m.tcp_sport && x.cip == m.ip_dst && x.cport == m.tcp_dport)
				c = &x, from_server = true;
			else if (x.cip == m.ip_src && x.cport == m.tcp_sport && x.sip == m.ip_dst && x.sport == m.tcp_dport)
				c = &x;
		}
		if (tcp && (m.tcp_flags & 0x12) == 0x02) {           // a client's SYN
			if (c && c->installed && c->syn_seq != m.tcp_seq) {  // a reused 4-tuple
				sp_cmd(TOFFEE_CMD_REMOVE, c->id, 0, "trace: remove reused");
				c->installed = false;
			}
			if (!c) {
				conns.push_back(tconn());
				c = &conns.back();
				memset(c, 0, sizeof *c);
				c->cip = m.ip_src; c->cport = (uint16_t)m.tcp_sport;
				c->sip = m.ip_dst; c->sport = (uint16_t)m.tcp_dport;
				c->id = next_trace_id++;
				c->ctx = c->id % N_CTX;
				TB_CHECK(conns.size() <= datas.size(), "too many connections in %s", name);
				c->data = &datas[conns.size() - 1];
			}
			c->syn_seq = m.tcp_seq;
			c->syn_win = (uint16_t)m.tcp_win;
			memcpy(c->cmac, f.data() + 6, 6);
			syn_opts(f.data(), m, &c->syn_mss, &c->syn_ws, &c->syn_ts, &c->syn_tsval, &c->syn_sack);
		}
		if (tcp && (m.tcp_flags & 0x12) == 0x12 && c && from_server && !c->installed) {   // SYN-ACK: install
			uint32_t mss; int ws; bool ts, sack; uint32_t tsv;
			syn_opts(f.data(), m, &mss, &ws, &ts, &tsv, &sack);
			struct toffee_flow &fl = c->img;
			memset(&fl, 0, sizeof fl);
			fl.local_ip = c->sip; fl.remote_ip = c->cip;
			fl.local_port = c->sport; fl.remote_port = c->cport;
			memcpy(fl.remote_mac, c->cmac, 6);
			fl.ctx_id = (uint16_t)c->ctx;
			bool both_ts = ts && c->syn_ts;
			fl.flags = (both_ts ? TOFFEE_FLOWF_TS : 0) | (sack && c->syn_sack ? TOFFEE_FLOWF_SACK : 0);
			uint32_t cm = c->syn_mss - (both_ts ? 12 : 0);
			fl.mss = (uint16_t)(cm > 1448 ? 1448 : cm);
			if (ws >= 0 && c->syn_ws >= 0) {
				fl.snd_wscale = (uint8_t)(c->syn_ws > 14 ? 14 : c->syn_ws);
				fl.rcv_wscale = (uint8_t)(ws > 14 ? 14 : ws);
			}
			fphost_flow_bufs(fh, &fl, 20, 20);
			fl.rcv_nxt = c->syn_seq + 1;
			fl.rx_avail = 1u << 20;
			fl.ts_recent = c->syn_tsval;
			fl.snd_una = fl.snd_nxt = fl.snd_max = fl.tx_end = m.tcp_seq + 1;
			fl.snd_wnd = c->syn_win;
			c->app_end = m.tcp_seq + 1;
			c->fin_sent = false;
			memcpy(fphost_ptr(fh, fh->scratch_iova, sizeof fl), &fl, sizeof fl);
			struct toffee_sp_cmd cmd;
			memset(&cmd, 0, sizeof cmd);
			cmd.opcode = TOFFEE_CMD_INSTALL;
			cmd.flow_id = c->id;
			cmd.iova = fh->scratch_iova;
			TB_CHECK(fphost_sp_post(fh, &cmd) > 0, "INSTALL post");
			poll_idle("trace: install");
			c->installed = true;
			continue;
		}
		if (from_server) {
			// The server application: new payload appended, FIN after it.
			if (!c->installed || (m.tcp_flags & 0x02))
				continue;
			uint32_t end = m.tcp_seq + m.pay_len;
			if (seq_gt(end, c->app_end) && !c->fin_sent) {
				uint32_t from = seq_gt(m.tcp_seq, c->app_end) ? c->app_end : m.tcp_seq;
				for (uint32_t sq = from; sq != end;) {
					uint32_t len = end - sq > sizeof zero ? (uint32_t)sizeof zero : end - sq;
					if (seq_geq(sq, m.tcp_seq))
						fphost_tx_write(fh, &c->img, sq, f.data() + m.pay_off + (sq - m.tcp_seq), len);
					else
						fphost_tx_write(fh, &c->img, sq, zero, len);   // missed by the capture
					sq += len;
				}
				fphost_ctx_cmd(fh, c->ctx, c->id, end - c->app_end, 0);
				c->app_end = end;
			}
			if ((m.tcp_flags & 0x01) && !c->fin_sent) {
				fphost_ctx_cmd_flags(fh, c->ctx, c->id, 0, 0, TOFFEE_CMDF_FIN);
				c->fin_sent = true;
			}
			poll_idle("trace: server application");
			continue;
		}
		step_rx(f, "trace frame");
		fed++;
		consume_rx(r);
		poll_idle("trace: poll");
		if (!c || !c->installed || !m.tcp_csum_ok || !m.ip_csum_ok)
			continue;
		// The client retransmission model of toffee-replay (docs/replay.md):
		// keep the client's data frames; when the NIC acknowledges less than
		// was fed, feed again the frame holding the byte it asks for (once
		// per ACK number).
		uint32_t end = m.tcp_seq + m.pay_len + (m.tcp_flags & 1);
		if (m.pay_len)
			(*c->data)[m.tcp_seq] = f;
		if (seq_gt(end, c->fed_end) || !c->fed_end)
			c->fed_end = end;
		for (int k = 0; k < 8 && c->nic_ack_seen && seq_lt(c->nic_ack, c->fed_end) &&
				(!c->refed || c->refed_at != c->nic_ack); k++) {
			uint32_t a = c->nic_ack;
			const tb_frame *hold = nullptr;
			for (auto &d : *c->data) {
				ref_meta dm;
				ref_parse(d.second.data(), (uint32_t)d.second.size(), &dm);
				if (seq_leq(d.first, a) && seq_lt(a, d.first + dm.pay_len)) {
					hold = &d.second;
					break;
				}
			}
			c->refed = true;
			c->refed_at = a;
			if (!hold)
				break;
			tb_frame again = *hold;
			fh->now_ns += 10000;
			step_rx(again, "trace: client retransmission");
			refed++;
			consume_rx(r);
			poll_idle("trace: poll");
		}
	}
	uint64_t delivered = 0;
	for (auto &c : conns)
		if (c.nic_ack_seen)
			delivered += c.nic_ack - c.syn_seq - 1;
	printf("tb_diff: trace %s: %llu client frames fed, %llu again, %zu connections, %llu bytes acknowledged\n",
	       name, (unsigned long long)fed, (unsigned long long)refed, conns.size(),
	       (unsigned long long)delivered);
	trace_conns = nullptr;
	fflush(stdout);
}

