// SPDX-License-Identifier: MIT
// tb_diff: generated flows and their frames (tb_diff.h).
#include "tb_diff.h"

// ---------------------------------------------------------------------------
// Flows and frames.
// ---------------------------------------------------------------------------
std::vector<gflow> flows;
std::map<uint16_t, size_t> by_port;      // remote port -> flows index

void track_frame(const tb_frame &f)
{
	if (f.size() < 54 || f[12] != 8 || f[13] != 0 || f[23] != 6)
		return;
	uint16_t dport = (uint16_t)ref_be16(&f[36]);
	auto it = by_port.find(dport);
	if (it == by_port.end())
		return;
	gflow &g = flows[it->second];
	uint32_t seq = ref_be32(&f[38]), ip_len = ref_be16(&f[16]), thl = (f[46] >> 4) * 4u;
	uint32_t end = seq + (ip_len - 20 - thl) + (f[47] & 1);
	if (seq_gt(end, g.snd_seen))
		g.snd_seen = end;
}

tb_frame build(const gflow &g, uint32_t seq, uint8_t flags, const uint8_t *pay, uint32_t plen,
	       uint16_t win, uint8_t tos)
{
	tb_seg s = {MAC, g.rmac, g.rip, g.lip, g.rport, g.lport, seq, g.peer_ack, flags, tos, win, g.ts, g.tsval};
	return tb_seg_frame(s, pay, plen);
}

void install(gflow &g, tb_rng &r, const char *what, uint32_t rx_log2)
{
	struct toffee_flow &f = g.img;
	fphost_flow_key(&f, g.lip, g.rip, g.lport, g.rport, g.rmac, (uint16_t)g.ctx);
	f.flags = (uint16_t)((g.ts ? TOFFEE_FLOWF_TS : 0) | (r.chance(30) ? TOFFEE_FLOWF_ECN : 0) |
			     (g.rport & 1 ? TOFFEE_FLOWF_SACK : 0));   /* half, no draw: same workload */
	f.mss = 1448;
	f.snd_wscale = (uint8_t)r.below(8);
	f.rcv_wscale = (uint8_t)r.below(3);
	fphost_flow_bufs(fh, &f, rx_log2 ? rx_log2 : 12 + r.below(2), 12);
	f.rcv_nxt = g.peer_seq;
	f.rx_avail = 1u << f.rx_buf_log2;
	f.ts_recent = g.tsval;
	uint32_t iss = (uint32_t)r.next();
	f.snd_una = f.snd_nxt = f.snd_max = f.tx_end = iss;
	f.snd_wnd = 65535;
	g.peer_ack = iss;
	g.tx_end = iss;
	g.snd_seen = iss;
	g.tx_fin = false;
	memcpy(fphost_ptr(fh, fh->scratch_iova, sizeof f), &f, sizeof f);
	struct toffee_sp_cmd c;
	memset(&c, 0, sizeof c);
	c.opcode = TOFFEE_CMD_INSTALL;
	c.flow_id = g.id;
	c.iova = fh->scratch_iova;
	TB_CHECK(fphost_sp_post(fh, &c) > 0, "INSTALL post");
	poll_idle(what);
	g.installed = true;
	g.fin = false;
	host_drain();
}

void sp_cmd(uint8_t op, uint32_t id, uint32_t arg0, const char *what)
{
	// READ_STATE and REMOVE write the flow's state to the scratch image
	bool image = op == TOFFEE_CMD_READ_STATE || op == TOFFEE_CMD_REMOVE;
	struct toffee_sp_cmd c;
	memset(&c, 0, sizeof c);
	c.opcode = op;
	c.flow_id = id;
	c.iova = fh->scratch_iova;
	c.arg0 = arg0;
	if (image)
		memset(fphost_ptr(fh, fh->scratch_iova, 128), 0, 128);
	TB_CHECK(fphost_sp_post(fh, &c) > 0, "command post");
	if (image)
		read_state_iova = fh->scratch_iova;   // the command runs in the first poll
	poll_idle(what);
	read_state_iova = 0;
	host_drain();
}

// A generated flow: local 10.0.0.1:80, a remote address and port from the id.
gflow make_flow(uint32_t id, tb_rng &r)
{
	gflow g;
	memset(&g, 0, sizeof g);
	g.id = id;
	g.ctx = id % N_CTX;
	g.lip = 0x0a000001;
	g.rip = 0x0a010000 + (id >> 4);
	g.lport = 80;
	g.rport = (uint16_t)(10000 + id);
	uint8_t rm[6] = {2, 0, 0, 0, 0, (uint8_t)(2 + id % 200)};
	memcpy(g.rmac, rm, 6);
	g.ts = id % 3 != 0;
	g.peer_seq = (uint32_t)r.next();
	g.tsval = (uint32_t)r.next() & 0xffff;
	return g;
}
