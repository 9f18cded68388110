// SPDX-License-Identifier: MIT
// Testbench of hw/rtl/rx_classify.sv against the firmware itself: every
// frame goes through fp_rx() (libfp.a, driven by the tests/lib/fphost
// harness, flows installed through the slow-path INSTALL command) and through
// the RTL check chain, fed with the parser record of hw/sim/ref_parse.h (bit
// exact with rx_parser.sv, see tb_rx_parser), the firmware's own flow-table
// lookup and the flow's flags. The verdicts must agree:
//   RTL DROP r          <-> the firmware counted DROP_r
//   RTL PUNT Pn, flow   <-> the firmware posted exception n for that flow
//   RTL PASS            <-> neither (the protocol step decides: P10.., ...)
// Frames: the Linux traces (flows installed for their connections, one of
// them SLOWPATH), the same with random flags / options / header fields and
// repaired or broken checksums, generated frames for installed and unknown
// flows, and mutations; with the NIC disabled and in promiscuous mode for
// stretches.
#include <memory>
#include "Vrx_classify.h"
#include "tb_frames.h"
#define _Static_assert static_assert
extern "C" {
#include "fp_internal.h"
#include "fphost.h"
}

static std::unique_ptr<Vrx_classify> top;

enum { PASS = 0, DROP = 1, PUNT = 2 };
static const char *kname[] = {"PASS", "DROP", "PUNT"};

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned ngen = argc > 1 ? (unsigned)atoi(argv[1]) : 6000;
	tb_rng r(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1);

	struct fphost_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.flow_cap = 1024;
	cfg.n_ctx = 1;
	const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	memcpy(cfg.mac, mac, 6);
	struct fphost *fh = fphost_create(&cfg);
	TB_CHECK(fh, "fphost_create");

	std::vector<tb_frame> trace;
	tb_load_traces(trace);

	// Install a flow for every client connection seen in the traces (the
	// server 10.77.0.1:7000 is local); every fourth one SLOWPATH.
	std::vector<tb_tuple> flows;
	uint32_t next_id = 3;
	for (const tb_frame &f : trace) {
		ref_meta m;
		ref_parse(f.data(), (uint32_t)f.size(), &m);
		if (m.ethertype != 0x0800 || m.ip_proto != 6 || m.ip_dst != 0x0a4d0001u ||
		    !(m.tcp_flags & 2) || (m.tcp_flags & 0x10))
			continue;                                       // client SYNs
		bool dup = false;
		for (auto &t : flows) dup |= t.src_ip == m.ip_src && t.sport == m.tcp_sport;
		if (dup) continue;
		struct toffee_flow fl;
		memset(&fl, 0, sizeof fl);
		fl.local_ip = m.ip_dst;
		fl.remote_ip = m.ip_src;
		fl.local_port = (uint16_t)m.tcp_dport;
		fl.remote_port = (uint16_t)m.tcp_sport;
		memcpy(fl.remote_mac, f.data() + 6, 6);
		fl.mss = 1460;
		fl.flags = (next_id % 4 == 0) ? TOFFEE_FLOWF_SLOWPATH : 0;
		fl.rcv_nxt = m.tcp_seq + 1;
		fphost_flow_bufs(fh, &fl, 16, 16);
		TB_CHECK(fphost_flow_install(fh, next_id, &fl) == 0, "install flow %u", next_id);
		tb_tuple t;
		memset(&t, 0, sizeof t);
		memcpy(t.dst_mac, mac, 6);
		memcpy(t.src_mac, f.data() + 6, 6);
		t.src_ip = m.ip_src; t.dst_ip = m.ip_dst;
		t.sport = (uint16_t)m.tcp_sport; t.dport = (uint16_t)m.tcp_dport;
		t.set = true;
		flows.push_back(t);
		next_id += 1 + r.below(50);
	}

	std::vector<tb_frame> frames(trace);
	for (unsigned i = 0; i < ngen; i++) {
		tb_frame f;
		unsigned k = r.below(10);
		if (k < 4 && !trace.empty()) {
			f = trace[r.below((uint32_t)trace.size())];
			if (f.size() >= 54) {                           // flags, options, header fields
				switch (r.below(7)) {
				case 5: {                               // ip_len at the boundaries
					static const int d[] = {19, 20, 21, 39, 40, 41};
					unsigned v = r.chance(50) ? (unsigned)d[r.below(6)]
								  : (unsigned)f.size() - 14 + r.below(3) - 1;
					f[16] = (uint8_t)(v >> 8); f[17] = (uint8_t)v;
					break;
				}
				case 6: {                               // doff at the boundaries
					unsigned tl = ref_be16(f.data() + 16) - 20;
					unsigned v = r.chance(50) ? 4 + r.below(3) : tl / 4 + r.below(3) - 1;
					f[46] = (uint8_t)((v & 15) << 4);
					break;
				}
				case 0: f[47] = (uint8_t)r.below(256); break;
				case 1: if (f.size() > 66) f[54 + r.below(12)] = (uint8_t)r.below(12); break;
				case 2: f[14] = (uint8_t)(r.chance(50) ? 0x46 : 0x45); f[20] = (uint8_t)(r.chance(50) ? 0x20 : 0x40); break;
				case 3: f[23] = (uint8_t)(r.chance(70) ? 6 : 17); break;
				default: f[46] = (uint8_t)(r.below(16) << 4); break;
				}
			}
			if (r.chance(80)) tb_fix_csums(f);
		} else if (k < 7 && !flows.empty()) {
			f = gen_tcp(r, &flows[r.below((uint32_t)flows.size())]);
		} else {
			f = gen_tcp(r);
			if (r.chance(50)) memcpy(f.data(), mac, 6);
		}
		if (r.chance(15)) mutate(r, f);
		if (f.empty()) f.push_back(0);
		frames.push_back(f);
	}

	top = std::make_unique<Vrx_classify>();
	auto tick = [] { top->clk = 1; top->eval(); top->clk = 0; top->eval(); };
	top->rst = 1;
	tick();
	top->rst = 0;
	top->mac = (uint64_t)mac[0] | (uint64_t)mac[1] << 8 | (uint64_t)mac[2] << 16 |
		   (uint64_t)mac[3] << 24 | (uint64_t)mac[4] << 32 | (uint64_t)mac[5] << 40;

	uint64_t seen[3] = {}, by_reason[3][64] = {};
	uint8_t exc_frame[TOFFEE_FRAME_SLOT];
	for (size_t n = 0; n < frames.size(); n++) {
		const tb_frame &f = frames[n];
		// Configuration: mostly enabled, sometimes promiscuous or disabled.
		uint32_t ctrl = TOFFEE_CTRL_ENABLE;
		unsigned phase = (unsigned)(n / 1000 % 6);
		if (phase == 4) ctrl |= TOFFEE_CTRL_PROMISC;
		if (phase == 5 && n % 1000 < 100) ctrl = 0;
		if (fphost_reg_rd(fh, TOFFEE_REG_CTRL) != ctrl) {
			fphost_reg_wr(fh, TOFFEE_REG_CTRL, ctrl);
			fphost_poll(fh, 0);                             // the core latches CTRL
		}
		top->ctrl = ctrl;

		ref_meta m;
		ref_parse(f.data(), (uint32_t)f.size(), &m);
		uint32_t id = fp_flowtab_lookup(fh->fp, m.ip_dst, m.ip_src, m.tcp_dport << 16 | m.tcp_sport);
		const struct toffee_flow *fl = id != TOFFEE_FLOW_NONE ? fp_flow(fh->fp, id) : nullptr;
		top->s_axis_seg_tvalid = 1;
		top->s_axis_seg_frame_len = m.frame_len;
		top->s_axis_seg_dst_mac = m.dst_mac;
		top->s_axis_seg_ethertype = m.ethertype;
		top->s_axis_seg_ip_ver = m.ip_ver;
		top->s_axis_seg_ip_ihl = m.ip_ihl;
		top->s_axis_seg_ip_len = m.ip_len;
		top->s_axis_seg_ip_frag = m.ip_frag;
		top->s_axis_seg_ip_proto = m.ip_proto;
		top->s_axis_seg_ip_csum_ok = m.ip_csum_ok;
		top->s_axis_seg_tcp_doff = m.tcp_doff;
		top->s_axis_seg_tcp_flags = m.tcp_flags;
		top->s_axis_seg_tcp_csum_ok = m.tcp_csum_ok;
		top->s_axis_seg_opt_ok = m.opt_ok;
		top->s_axis_seg_hit = id != TOFFEE_FLOW_NONE;
		top->s_axis_seg_flow_id = id;
		top->s_axis_seg_flow_flags = fl ? fl->flags : 0;
		top->m_axis_verdict_tready = 1;
		top->eval();
		TB_CHECK(top->s_axis_seg_tready, "not ready");
		tick();
		top->s_axis_seg_tvalid = 0;
		TB_CHECK(top->m_axis_verdict_tvalid, "no verdict");
		unsigned kind = top->m_axis_verdict_kind, reason = top->m_axis_verdict_reason;
		uint32_t vflow = top->m_axis_verdict_flow_id;

		// The firmware.
		uint64_t before[TOFFEE_CNT_COUNT];
		for (unsigned i = 0; i < TOFFEE_CNT_COUNT; i++) before[i] = fp_counter(fh->fp, i);
		fphost_rx(fh, f.data(), (uint32_t)f.size());
		int fw_drop = -1, fw_exc = -1;
		uint32_t fw_flow = 0;
		static const unsigned pre[] = {TOFFEE_DROP_DISABLED, TOFFEE_DROP_OVERSIZE, TOFFEE_DROP_RUNT,
					       TOFFEE_DROP_NOT_FOR_US, TOFFEE_DROP_IP_HDR, TOFFEE_DROP_IP_CSUM,
					       TOFFEE_DROP_TCP_HDR, TOFFEE_DROP_TCP_CSUM};
		for (unsigned d : pre)
			if (fp_counter(fh->fp, TOFFEE_CNT_DROP_BASE + d) != before[TOFFEE_CNT_DROP_BASE + d])
				fw_drop = (int)d;
		struct toffee_sp_exc e;
		while (fphost_exc_next(fh, &e, exc_frame) == 1)
			if (e.reason <= TOFFEE_EXC_OPTIONS) { fw_exc = e.reason; fw_flow = e.flow_id; }
		fphost_tx_clear(fh);

		int fw_kind = fw_drop >= 0 ? DROP : fw_exc >= 0 ? PUNT : PASS;
		int fw_reason = fw_drop >= 0 ? fw_drop : fw_exc >= 0 ? fw_exc : 0;
		TB_CHECK(!(fw_drop >= 0 && fw_exc >= 0), "frame %zu: firmware dropped and punted", n);
		if ((int)kind != fw_kind || (kind != PASS && (int)reason != fw_reason) ||
		    (kind == PUNT && vflow != fw_flow))
			TB_FAIL("frame %zu (%zu bytes, ctrl %u): RTL %s %u flow 0x%x, firmware %s %d flow 0x%x",
				n, f.size(), ctrl, kname[kind], reason, vflow, kname[fw_kind], fw_reason, fw_flow);
		seen[kind]++;
		by_reason[kind][reason & 63]++;
	}
	printf("rx_classify: %zu frames, %zu flows installed; verdicts identical to fp_rx(): "
	       "%llu pass, %llu drop, %llu punt\n  punts:", frames.size(), flows.size(),
	       (unsigned long long)seen[PASS], (unsigned long long)seen[DROP], (unsigned long long)seen[PUNT]);
	for (int i = 1; i <= 9; i++) printf(" P%d=%llu", i, (unsigned long long)by_reason[PUNT][i]);
	printf("\n  drops:");
	for (int i = 1; i < TOFFEE_DROP_COUNT; i++)
		if (by_reason[DROP][i]) printf(" %s=%llu", fp_drop_name(i), (unsigned long long)by_reason[DROP][i]);
	printf("\n");
	for (int i = 1; i <= 9; i++)
		TB_CHECK(by_reason[PUNT][i] > 0, "P%d never exercised", i);
	fphost_destroy(fh);
	top->final();
	top.reset();
	return 0;
}
