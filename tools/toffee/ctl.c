/* SPDX-License-Identifier: MIT */
/* `toffee status`, `toffee run`, `toffee capture`: requests to toffeed on
 * app.sock. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

int cli_status(struct cli *c, int argc, char **argv)
{
	bool all = false, brief = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--brief") == 0)
			brief = true;
		else {
			cli_err("status: unknown option '%s' (--all, --brief)", argv[i]);
			return 2;
		}
	}
	int fd = cli_connect(c, false);
	if (fd < 0)
		return 1;
	struct toffee_appmsg m = { .type = TOFFEE_APP_STATUS }, r;
	if (!brief) {
		m.flags = TOFFEE_APPF_STATUS_TEXT;
		m.arg = all;
	}
	int tfd = -1;
	int rc = cli_request(fd, &m, -1, &r, &tfd, 5000);
	close(fd);
	if (rc || r.status) {
		cli_err("status: %s", strerror(-(rc ? rc : r.status)));
		return 1;
	}
	if (brief || tfd < 0) {
		printf("flows %u contexts %u\n", r.arg, r.arg2);
		if (tfd >= 0)
			close(tfd);
		return 0;
	}
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	while ((n = pread(tfd, buf, sizeof(buf), off)) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		off += n;
	}
	close(tfd);
	return 0;
}

int cli_run(struct cli *c, int argc, char **argv)
{
	int i = 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		cli_err("run: no command given: toffee run -- CMD [ARGS...]");
		return 2;
	}
	cli_run_check(argv[i]);
	char lib[1100];
	snprintf(lib, sizeof(lib), "%s/../lib/libtoffee-preload.so", c->bindir);
	char real[4096];
	if (!realpath(lib, real)) {
		cli_err("run: %s is not built (run make)", lib);
		return 1;
	}
	int fd = cli_connect(c, false);
	if (fd < 0)
		return 1;
	close(fd);
	const char *old = getenv("LD_PRELOAD");
	char pre[8192];
	if (old && *old)
		snprintf(pre, sizeof(pre), "%s:%s", real, old);
	else
		snprintf(pre, sizeof(pre), "%s", real);
	setenv("LD_PRELOAD", pre, 1);
	setenv("TOFFEE_RUNDIR", c->rundir, 1);
	execvp(argv[i], argv + i);
	cli_err("run: %s: %s", argv[i], strerror(errno));
	return 127;
}

static volatile sig_atomic_t g_stop;
static void on_sig(int s)
{
	(void)s;
	g_stop = 1;
}

int cli_capture(struct cli *c, int argc, char **argv)
{
	const char *file = NULL;
	long seconds = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0) {
			char *end;
			if (i + 1 >= argc || (seconds = strtol(argv[++i], &end, 10)) < 0 || *end) {
				cli_err("capture: --seconds wants a number >= 0");
				return 2;
			}
		} else if (argv[i][0] == '-') {
			cli_err("capture: unknown option '%s'", argv[i]);
			return 2;
		} else if (!file) {
			file = argv[i];
		} else {
			cli_err("capture: one file only");
			return 2;
		}
	}
	if (!file) {
		cli_err("capture: usage: toffee capture FILE.pcap [--seconds N]");
		return 2;
	}
	if (geteuid() != 0) {
		cli_err("capture: needs root (it records everything on the wire); try sudo");
		return 1;
	}
	int sock = cli_connect(c, false);
	if (sock < 0)
		return 1;
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_err("capture: %s: %s", file, strerror(errno));
		return 1;
	}
	struct toffee_appmsg m = { .type = TOFFEE_APP_CAPTURE }, r;
	int rc = cli_request(sock, &m, fd, &r, NULL, 10000);
	close(fd);
	if (rc || r.status) {
		cli_err("capture: %s", strerror(-(rc ? rc : r.status)));
		return 1;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	fprintf(stderr, "toffee: capturing to %s%s\n", file, seconds < 0 ? " (Ctrl-C to stop)" : "");
	for (long t = 0; !g_stop && (seconds < 0 || t < seconds * 10); t++)
		usleep(100000);
	m = (struct toffee_appmsg){ .type = TOFFEE_APP_CAPTURE };
	rc = cli_request(sock, &m, -1, &r, NULL, 10000);
	close(sock);
	struct stat st;
	if (stat(file, &st) == 0)
		fprintf(stderr, "toffee: %s: %lld bytes\n", file, (long long)st.st_size);
	return rc || r.status ? 1 : 0;
}
