/* SPDX-License-Identifier: MIT */
/* toffee-sim: the Ethernet port (see tsim_port.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "tsim_port.h"

int tsim_port_init(struct tsim_port *p)
{
	memset(p, 0, sizeof(*p));
	p->tap_fd = -1;
	p->rxq = malloc(TSIM_RXQ * sizeof(*p->rxq));
	return p->rxq ? 0 : -ENOMEM;
}

int tsim_port_open_tap(struct tsim_port *p, const char *name)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "toffee-sim: --tap %s: interface names have 1-%d characters\n", name,
			IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "toffee-sim: --tap %s: cannot open /dev/net/tun: %s%s\n", name,
			strerror(errno), errno == EACCES || errno == EPERM ? " (needs root or CAP_NET_ADMIN)" : "");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "toffee-sim: --tap %s: TUNSETIFF failed: %s%s\n", name, strerror(errno),
			errno == EBUSY ? " (the interface exists and is in use, or is not a TAP)" :
			errno == EPERM ? " (needs root or CAP_NET_ADMIN)" : "");
		close(fd);
		return -1;
	}
	p->tap_fd = fd;
	snprintf(p->tap_name, sizeof(p->tap_name), "%s", ifr.ifr_name);
	return 0;
}

int tsim_port_open_pcap_in(struct tsim_port *p, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];

	p->pin = pcap_open_offline(path, err);
	if (!p->pin) {
		fprintf(stderr, "toffee-sim: --pcap-in %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(p->pin) != DLT_EN10MB) {
		fprintf(stderr, "toffee-sim: --pcap-in %s: link type %s, not Ethernet\n", path,
			pcap_datalink_val_to_name(pcap_datalink(p->pin)));
		pcap_close(p->pin);
		p->pin = NULL;
		return -1;
	}
	return 0;
}

int tsim_port_open_pcap_out(struct tsim_port *p, const char *path)
{
	p->pdead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	if (!p->pdead)
		return -1;
	p->pout = pcap_dump_open(p->pdead, path);
	if (!p->pout) {
		fprintf(stderr, "toffee-sim: --pcap-out %s: %s\n", path, pcap_geterr(p->pdead));
		pcap_close(p->pdead);
		p->pdead = NULL;
		return -1;
	}
	return 0;
}

int tsim_port_open_pcap_wire(struct tsim_port *p, const char *path)
{
	p->pwdead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, TSIM_WIRE_SNAP,
							 PCAP_TSTAMP_PRECISION_NANO);
	if (!p->pwdead)
		return -1;
	p->pwire = pcap_dump_open(p->pwdead, path);
	if (!p->pwire) {
		fprintf(stderr, "toffee-sim: --pcap-wire %s: %s\n", path, pcap_geterr(p->pwdead));
		pcap_close(p->pwdead);
		p->pwdead = NULL;
		return -1;
	}
	return 0;
}

static void wire_record(struct tsim_port *p, const uint8_t *frame, uint32_t len, uint64_t sim_ns)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(sim_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(sim_ns % 1000000000u);   /* nanosecond pcap */
	h.len = len;
	h.caplen = len < TSIM_WIRE_SNAP ? len : TSIM_WIRE_SNAP;
	pcap_dump((u_char *)p->pwire, &h, frame);
	p->st.pcap_wire++;
}

void tsim_port_wire_rx(struct tsim_port *p, const uint8_t *frame, uint32_t len, uint64_t sim_ns)
{
	if (p->pwire)
		wire_record(p, frame, len, sim_ns);
}

void tsim_port_close(struct tsim_port *p)
{
	if (p->tap_fd >= 0)
		close(p->tap_fd);
	p->tap_fd = -1;
	if (p->pin)
		pcap_close(p->pin);
	p->pin = NULL;
	if (p->pout) {
		pcap_dump_close(p->pout);
		p->pout = NULL;
	}
	if (p->pdead)
		pcap_close(p->pdead);
	p->pdead = NULL;
	if (p->pwire) {
		pcap_dump_close(p->pwire);
		p->pwire = NULL;
	}
	if (p->pwdead)
		pcap_close(p->pwdead);
	p->pwdead = NULL;
	p->pdead = NULL;
	free(p->rxq);
	p->rxq = NULL;
}

static struct tsim_frame *rx_slot(struct tsim_port *p)
{
	return p->rx_count < TSIM_RXQ ? &p->rxq[(p->rx_head + p->rx_count) % TSIM_RXQ] : NULL;
}

unsigned tsim_port_fill(struct tsim_port *p)
{
	unsigned n = 0;
	struct tsim_frame *f;

	while (p->tap_fd >= 0 && (f = rx_slot(p))) {
		ssize_t len = read(p->tap_fd, f->data, sizeof(f->data));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			break;          /* EAGAIN, or the interface went away */
		}
		if (len == 0)
			break;
		p->st.tap_in++;
		f->len = (uint32_t)len;
		p->rx_count++;
		n++;
	}
	while (p->pin && !p->pin_done && !p->pin_hold && (f = rx_slot(p))) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int rc = pcap_next_ex(p->pin, &h, &d);

		if (rc != 1) {
			if (rc == PCAP_ERROR)
				fprintf(stderr, "toffee-sim: --pcap-in: %s\n", pcap_geterr(p->pin));
			p->pin_done = true;
			break;
		}
		p->st.pcap_in++;
		if (h->caplen > TSIM_FRAME_MAX || h->caplen == 0) {
			p->st.too_big++;
			continue;
		}
		f->len = h->caplen;
		memcpy(f->data, d, h->caplen);
		p->rx_count++;
		n++;
	}
	return n;
}

void tsim_port_rx_pop(struct tsim_port *p)
{
	if (!p->rx_count)
		return;
	p->rx_head = (p->rx_head + 1) % TSIM_RXQ;
	p->rx_count--;
}

void tsim_port_send(struct tsim_port *p, const uint8_t *frame, uint32_t len, uint64_t sim_ns)
{
	if (p->tap_fd >= 0) {
		ssize_t n;

		do
			n = write(p->tap_fd, frame, len);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)len)
			p->st.tap_out++;
		else
			p->st.tap_out_drops++;
	}
	if (p->pout) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(sim_ns / 1000000000u);
		h.ts.tv_usec = (suseconds_t)(sim_ns % 1000000000u);   /* nanosecond pcap */
		h.caplen = h.len = len;
		pcap_dump((u_char *)p->pout, &h, frame);
		p->st.pcap_out++;
	}
	if (p->pwire)
		wire_record(p, frame, len, sim_ns);
}
