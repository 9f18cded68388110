/* SPDX-License-Identifier: MIT */
/* appcheck: a raw client of app.sock for system tests. Says HELLO, then
 * sends the requests given on the command line and prints each reply's
 * status, e.g. to check that toffeed refuses flows and listeners of other
 * contexts. After HELLO it prints what the doorbell descriptor lets it
 * reach ("doorbell fd: 4096 bytes, sealed" is the one right answer: a file
 * of one page that can never grow into more of the device).
 *   appcheck RUNDIR {close|abort|shutdown|unlisten} ID ...
 *   appcheck RUNDIR listen PORT
 *   appcheck RUNDIR hello-only
 * and the hand-over requests (host/slowpath/handover.c), a pipe standing
 * in for a socket where one is passed:
 *   appcheck RUNDIR {release|takeover|takeover-fd|identify} ID
 *   appcheck RUNDIR share ID      (no reply: prints "share ID sent")
 * and, to check that toffeed reads all an app sent before it went away
 * even when the app left replies unread (the kernel then reports
 * ECONNRESET before the messages queued):
 *   appcheck RUNDIR unread PORT   (LISTEN; waits for the reply, unread)
 *   appcheck RUNDIR stop PID      (SIGSTOP to PID: toffeed, resumed by the test)
 *   appcheck RUNDIR forking 0     (FORKING, its reply never read) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "toffee/appproto.h"
#include "toffee/fdpass.h"

static int sock;
static uint32_t next_req = 1;
static int fds_kept[3], n_kept;     /* descriptors of the last reply (up to 3) */

/* Send @p m, with @p fd as SCM_RIGHTS if >= 0. */
static int send_msg(struct toffee_appmsg *m, int fd)
{
	union toffee_fdpass cm;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	m->req = next_req++;
	toffee_fdpass_attach(&mh, &cm, &fd, fd >= 0);
	return sendmsg(sock, &mh, 0) == (ssize_t)sizeof(*m) ? 0 : -errno;
}

static int request_fd(struct toffee_appmsg *m, int fd, struct toffee_appmsg *r)
{
	if (send_msg(m, fd) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
		char cbuf[256];
		struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return -ECONNRESET;
		for (int i = 0; i < n_kept; i++)
			close(fds_kept[i]);
		n_kept = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
					int got;
					memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
					if (n_kept < 3)
						fds_kept[n_kept++] = got;
					else
						close(got);
				}
		if (r->req == m->req)
			return 0;
	}
}

static int request(struct toffee_appmsg *m, struct toffee_appmsg *r)
{
	return request_fd(m, -1, r);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: appcheck RUNDIR OP [ID]...\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/app.sock", argv[1]);
	sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("appcheck: connect");
		return 1;
	}
	struct toffee_appmsg m = { .type = TOFFEE_APP_HELLO }, r;
	if (request(&m, &r) || r.type != TOFFEE_APP_HELLO_OK) {
		fprintf(stderr, "appcheck: HELLO failed (%d)\n", r.status);
		return 1;
	}
	printf("hello ctx %u\n", r.ctx);
	/* fds: region, doorbell page, eventfd. The doorbell file must hold one
	 * page and nothing else of the device. */
	struct stat st;
	if (n_kept != 3 || fstat(fds_kept[1], &st) < 0) {
		printf("doorbell fd: missing\n");
	} else {
		int seals = fcntl(fds_kept[1], F_GET_SEALS);
		bool sealed = seals >= 0 && (seals & (F_SEAL_GROW | F_SEAL_SEAL)) == (F_SEAL_GROW | F_SEAL_SEAL);
		printf("doorbell fd: %lld bytes, %s\n", (long long)st.st_size, sealed ? "sealed" : "not sealed");
	}
	for (int i = 2; i < argc; i++) {
		memset(&m, 0, sizeof(m));
		const char *op = argv[i];
		if (strcmp(op, "hello-only") == 0)
			continue;
		if (i + 1 >= argc) {
			fprintf(stderr, "appcheck: %s needs an argument\n", op);
			return 2;
		}
		uint32_t v = (uint32_t)strtoul(argv[++i], NULL, 0);
		if (strcmp(op, "stop") == 0) {
			printf("stop %u %d\n", v, kill((pid_t)v, SIGSTOP) ? -errno : 0);
			continue;
		}
		if (strcmp(op, "unread") == 0 || strcmp(op, "forking") == 0) {
			m.type = strcmp(op, "unread") == 0 ? TOFFEE_APP_LISTEN : TOFFEE_APP_FORKING;
			m.local_port = (uint16_t)v;
			int rc = send_msg(&m, -1);
			struct pollfd p = { .fd = sock, .events = POLLIN };
			if (!rc && m.type == TOFFEE_APP_LISTEN && poll(&p, 1, 5000) != 1)
				rc = -ETIMEDOUT;
			printf("%s %u %d\n", op, v, rc);
			continue;
		}
		if (strcmp(op, "close") == 0)
			m.type = TOFFEE_APP_CLOSE;
		else if (strcmp(op, "abort") == 0)
			m.type = TOFFEE_APP_ABORT;
		else if (strcmp(op, "shutdown") == 0)
			m.type = TOFFEE_APP_SHUTDOWN_WR;
		else if (strcmp(op, "unlisten") == 0)
			m.type = TOFFEE_APP_UNLISTEN;
		else if (strcmp(op, "listen") == 0)
			m.type = TOFFEE_APP_LISTEN;
		else if (strcmp(op, "release") == 0)
			m.type = TOFFEE_APP_RELEASE;
		else if (strcmp(op, "takeover") == 0)
			m.type = TOFFEE_APP_TAKEOVER;        /* key 0: never a flow's */
		else if (strcmp(op, "takeover-fd") == 0) {
			m.type = TOFFEE_APP_TAKEOVER;
			m.flags = TOFFEE_APPF_BY_FD;
		} else if (strcmp(op, "identify") == 0)
			m.type = TOFFEE_APP_IDENTIFY;
		else if (strcmp(op, "share") == 0)
			m.type = TOFFEE_APP_SHARE;
		else {
			fprintf(stderr, "appcheck: unknown op %s\n", op);
			return 2;
		}
		if (m.type == TOFFEE_APP_LISTEN)
			m.local_port = (uint16_t)v;
		else
			m.id = v;
		int p[2] = { -1, -1 };
		bool with_fd = m.type == TOFFEE_APP_SHARE || m.type == TOFFEE_APP_IDENTIFY ||
			       (m.flags & TOFFEE_APPF_BY_FD);
		if (with_fd && pipe(p) < 0)
			return 1;
		if (m.type == TOFFEE_APP_SHARE) {
			printf("%s %u %s\n", op, v, send_msg(&m, p[0]) ? "not sent" : "sent");
		} else {
			int rc = request_fd(&m, p[0], &r);
			printf("%s %u %d\n", op, v, rc ? rc : r.status);
		}
		if (with_fd) {
			close(p[0]);
			close(p[1]);
		}
	}
	close(sock);
	return 0;
}
