/* SPDX-License-Identifier: MIT */
/*
 * toffee: start, stop and inspect a toffee system, run programs on it.
 *
 *   toffee start --backend fw --tap NAME --ip ADDR/LEN [--gw ADDR] [--cc ALGO]
 *   toffee stop
 *   toffee status [--all | --brief]
 *   toffee run -- CMD [ARGS...]
 *   toffee capture FILE.pcap [--seconds N]
 *
 * Every subcommand takes --rundir DIR (default $TOFFEE_RUNDIR, else
 * /run/toffee/default). The daemons are found next to this binary.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "cli.h"
#include "toffee/fdpass.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("toffee: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: toffee COMMAND [--rundir DIR] [OPTIONS]\n"
		"  start --backend fw|sim --tap NAME --ip ADDR/LEN [--gw ADDR] [--cc dctcp|newreno]\n"
		"        [--toffeed-arg ARG]... [--nic-arg ARG]...\n"
		"                                 start the NIC and toffeed in the background (root);\n"
		"                                 the NIC's wire is TAP device NAME (created), or with\n"
		"                                 --iface NAME instead of --tap (fw) an existing interface\n"
		"                                 through AF_PACKET rings\n"
		"  stop                           stop them (root)\n"
		"  status [--all|--brief]         contexts, flows, counters\n"
		"  run -- CMD [ARGS...]           run an unmodified program on toffee (LD_PRELOAD)\n"
		"  capture FILE.pcap [--seconds N]  record what crosses the NIC's wire (root)\n"
		"The run directory is --rundir, else $TOFFEE_RUNDIR, else /run/toffee/default.\n");
}

int cli_connect(const struct cli *c, bool quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/app.sock", c->rundir) >= sizeof(sa.sun_path)) {
		cli_err("run directory path too long: %s", c->rundir);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cli_err("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	int err = errno;
	close(fd);
	if (quiet)
		return -1;
	if (err == ENOENT || err == ECONNREFUSED)
		cli_err("toffeed is not running in %s (no one answers on %s); start it with `toffee start`",
			c->rundir, sa.sun_path);
	else if (err == EACCES)
		cli_err("%s: permission denied", sa.sun_path);
	else
		cli_err("cannot connect to %s: %s", sa.sun_path, strerror(err));
	return -1;
}

int cli_request(int sock, struct toffee_appmsg *m, int fd, struct toffee_appmsg *r, int *rfd,
		int timeout_ms)
{
	static uint32_t next_req = 1;
	union toffee_fdpass cm;                 /* sent with, then received into */
	m->req = next_req++;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	toffee_fdpass_attach(&mh, &cm, &fd, fd >= 0);
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(*m))
		return -errno ? -errno : -EIO;
	if (rfd)
		*rfd = -1;
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int n = poll(&p, 1, timeout_ms);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		struct iovec riov = { .iov_base = r, .iov_len = sizeof(*r) };
		struct msghdr rh = { .msg_iov = &riov, .msg_iovlen = 1,
				     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		ssize_t k = recvmsg(sock, &rh, MSG_CMSG_CLOEXEC);
		if (k <= 0)
			return k == 0 ? -ECONNRESET : -errno;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&rh); c; c = CMSG_NXTHDR(&rh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nf; i++) {
				int f;
				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (rfd && *rfd < 0)
					*rfd = f;
				else
					close(f);
			}
		}
		if (k == (ssize_t)sizeof(*r) && r->req == m->req)
			return 0;
	}
}

pid_t cli_read_pid(const char *path, const char *comm)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int pid = 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
		return 0;
	char p[64], name[64] = "";
	snprintf(p, sizeof(p), "/proc/%d/comm", pid);
	f = fopen(p, "r");
	if (f) {
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
	}
	return strncmp(name, comm, strlen(comm)) == 0 ? pid : 0;
}

int main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof(c));
	const char *rd = getenv("TOFFEE_RUNDIR");
	rd = rd && *rd ? rd : "/run/toffee/default";
	if (strlen(rd) >= sizeof(c.rundir) - 12) {
		cli_err("TOFFEE_RUNDIR too long (at most %zu characters)", sizeof(c.rundir) - 13);
		return 2;
	}
	memcpy(c.rundir, rd, strlen(rd) + 1);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		if (strlen(exe) >= sizeof(c.bindir)) {
			cli_err("path of the toffee binary too long");
			return 1;
		}
		memcpy(c.bindir, exe, strlen(exe) + 1);
	} else {
		snprintf(c.bindir, sizeof(c.bindir), ".");
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* Pull --rundir out of the arguments wherever it is (before any --). */
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--rundir") == 0 || strncmp(argv[i], "--rundir=", 9) == 0) {
			const char *v = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v) {
				cli_err("--rundir needs a directory");
				return 2;
			}
			char abs[PATH_MAX];
			if (v[0] == '/' || !getcwd(abs, sizeof(abs)))
				abs[0] = 0;
			if (strlen(abs) + strlen(v) + 2 > sizeof(c.rundir) - 12) {
				cli_err("--rundir: path too long");
				return 2;
			}
			sprintf(c.rundir, "%s%s%s", abs, abs[0] ? "/" : "", v);
			continue;
		}
		argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = NULL;
	const char *cmd = argv[1];
	if (strcmp(cmd, "start") == 0)
		return cli_start(&c, argc - 1, argv + 1);
	if (strcmp(cmd, "stop") == 0)
		return cli_stop(&c, argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return cli_status(&c, argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cli_run(&c, argc - 1, argv + 1);
	if (strcmp(cmd, "capture") == 0)
		return cli_capture(&c, argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	cli_err("unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}
