/* SPDX-License-Identifier: MIT */
#include "tflow.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t nic_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t peer_mac[6] = {2, 0, 0, 0, 0, 2};

bool tflow_host_map;

int tflow_setup(struct tflow *t, uint16_t flags)
{
	memset(t, 0, sizeof(*t));
	struct fphost_config cfg = { .flow_cap = 64, .n_ctx = 2, .host_map = tflow_host_map };
	memcpy(cfg.mac, nic_mac, 6);
	t->fh = fphost_create(&cfg);
	if (!t->fh)
		return -1;
	struct toffee_flow *f = &t->f;
	fphost_flow_key(f, TF_NIC_IP, TF_PEER_IP, TF_NIC_PORT, TF_PEER_PORT, peer_mac, 0);
	f->flags = (uint16_t)((flags & TFLOW_NO_TS) ? flags & ~TFLOW_NO_TS : TOFFEE_FLOWF_TS | flags);
	f->mss = TF_MSS;
	fphost_flow_bufs(t->fh, f, 16, 16);
	f->rcv_nxt = TF_IRS;
	f->rx_avail = 1u << 16;
	f->ts_recent = 777;
	f->snd_una = f->snd_nxt = f->snd_max = f->tx_end = TF_ISS;
	f->snd_wnd = 65535;
	t->id = 7;
	t->peer_seq = TF_IRS;
	t->peer_ack = TF_ISS;
	t->peer_win = 65535;
	return fphost_flow_install(t->fh, t->id, f);
}

void tflow_teardown(struct tflow *t)
{
	fphost_destroy(t->fh);
}

uint32_t tflow_frame(struct tflow *t, uint32_t seq, uint8_t flags, const void *data, uint32_t len)
{
	struct tpkt p = {
		.src_ip = TF_PEER_IP, .dst_ip = TF_NIC_IP,
		.src_port = TF_PEER_PORT, .dst_port = TF_NIC_PORT,
		.seq = seq, .ack = t->peer_ack, .flags = flags, .win = t->peer_win,
		.ts = true, .tsval = 1000 + (uint32_t)(t->fh->now_ns >> 20), .tsecr = 1,
	};
	memcpy(p.src_mac, peer_mac, 6);
	memcpy(p.dst_mac, nic_mac, 6);
	return tpkt_build(t->frame, &p, data, len);
}

void tflow_send(struct tflow *t, uint32_t seq, uint8_t flags, const void *data, uint32_t len)
{
	uint32_t n = tflow_frame(t, seq, flags, data, len);
	fphost_rx(t->fh, t->frame, n);
	fphost_poll(t->fh, 64);
}

void tflow_tx(struct tflow *t, size_t i, struct tpkt_parsed *p)
{
	assert_true(i < t->fh->n_tx);
	assert_int_equal(tpkt_parse(t->fh->tx[i].data, t->fh->tx[i].len, p), 0);
	assert_true(p->ip_csum_ok);
	assert_true(p->tcp_csum_ok);
}

struct toffee_flow tflow_state(struct tflow *t)
{
	struct toffee_flow f;
	assert_int_equal(fphost_flow_read(t->fh, t->id, &f), 0);
	return f;
}
