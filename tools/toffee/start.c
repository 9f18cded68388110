/* SPDX-License-Identifier: MIT */
/* `toffee start` and `toffee stop`: the NIC process and toffeed in the
 * background, each with its pid file and log in the run directory. */
#include <ctype.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

#define MAX_EXTRA 16

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static bool valid_ip(const char *s, bool with_len)
{
	unsigned a, b, c, d, l = 0;
	char extra;
	int n = with_len ? sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &l, &extra)
			 : sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra);
	return n == (with_len ? 5 : 4) && a < 256 && b < 256 && c < 256 && d < 256 &&
	       (!with_len || (l >= 1 && l <= 32));
}

/* Start @p argv in the background (new session), output to @p log. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		fprintf(stderr, "toffee: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void show_log(const char *log)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char line[512];
	long lines = 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	long skip = lines > 15 ? lines - 15 : 0;
	fprintf(stderr, "--- last lines of %s:\n", log);
	while (fgets(line, sizeof(line), f))
		if (skip-- <= 0)
			fprintf(stderr, "  %s", line);
	fclose(f);
}

static bool alive(pid_t pid)
{
	int st;
	return waitpid(pid, &st, WNOHANG) == 0;
}

static void terminate(pid_t pid, int wait_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	uint64_t end = now_ms() + (uint64_t)wait_ms;
	while (now_ms() < end) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid || (kill(pid, 0) < 0 && errno == ESRCH))
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	usleep(50000);
	waitpid(pid, NULL, WNOHANG);
}

/* AF_PACKET sees frames after GRO/LRO merged them (up to 64 KiB), which
 * the NIC would drop as too big: turn both off on --iface, and say so. */
static void receive_offloads_off(const char *ifname)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct ethtool_value ev;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	ev = (struct ethtool_value){ .cmd = ETHTOOL_GGRO };
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ev.data) {
		ev = (struct ethtool_value){ .cmd = ETHTOOL_SGRO, .data = 0 };
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			printf("toffee: turned GRO off on %s (the NIC takes single frames)\n", ifname);
		else
			cli_err("start: cannot turn GRO off on %s (%s): merged frames will be dropped", ifname,
				strerror(errno));
	}
	ev = (struct ethtool_value){ .cmd = ETHTOOL_GFLAGS };
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && (ev.data & ETH_FLAG_LRO)) {
		ev.cmd = ETHTOOL_SFLAGS;
		ev.data &= ~(uint32_t)ETH_FLAG_LRO;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			printf("toffee: turned LRO off on %s (the NIC takes single frames)\n", ifname);
		else
			cli_err("start: cannot turn LRO off on %s (%s): merged frames will be dropped", ifname,
				strerror(errno));
	}
	close(fd);
}

static bool daemon_ready(const struct cli *c)
{
	int fd = cli_connect(c, true);
	if (fd < 0)
		return false;
	struct toffee_appmsg m = { .type = TOFFEE_APP_STATUS }, r;
	int rc = cli_request(fd, &m, -1, &r, NULL, 2000);
	close(fd);
	return rc == 0 && r.status == 0;
}

int cli_start(struct cli *c, int argc, char **argv)
{
	const char *backend = NULL, *tap = NULL, *iface = NULL, *ip = NULL, *gw = NULL, *cc = NULL;
	const char *extra[MAX_EXTRA], *nic_extra[MAX_EXTRA];
	int nextra = 0, nnic = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "--backend") == 0)
			dst = &backend;
		else if (strcmp(a, "--tap") == 0)
			dst = &tap;
		else if (strcmp(a, "--iface") == 0)
			dst = &iface;
		else if (strcmp(a, "--ip") == 0)
			dst = &ip;
		else if (strcmp(a, "--gw") == 0)
			dst = &gw;
		else if (strcmp(a, "--cc") == 0)
			dst = &cc;
		else if (strcmp(a, "--toffeed-arg") == 0) {
			if (i + 1 >= argc || nextra >= MAX_EXTRA) {
				cli_err("start: --toffeed-arg needs a value (at most %d)", MAX_EXTRA);
				return 2;
			}
			extra[nextra++] = argv[++i];
			continue;
		} else if (strcmp(a, "--nic-arg") == 0) {
			if (i + 1 >= argc || nnic >= MAX_EXTRA) {
				cli_err("start: --nic-arg needs a value (at most %d)", MAX_EXTRA);
				return 2;
			}
			nic_extra[nnic++] = argv[++i];
			continue;
		} else {
			cli_err("start: unknown option '%s' (see `toffee help`)", a);
			return 2;
		}
		if (i + 1 >= argc) {
			cli_err("start: %s needs a value", a);
			return 2;
		}
		*dst = argv[++i];
	}
	if (!backend || !(tap || iface) || !ip) {
		cli_err("start: --backend, --tap (or --iface) and --ip are required, e.g.\n"
			"  toffee start --backend fw --tap tf0 --ip 10.0.0.2/24");
		return 2;
	}
	if (tap && iface) {
		cli_err("start: --tap and --iface exclude each other (the NIC has one port)");
		return 2;
	}
	if (strcmp(backend, "fw") != 0 && strcmp(backend, "sim") != 0) {
		cli_err("start: --backend %s: use fw (DPDK firmware) or sim (Verilator model)%s", backend,
			strcmp(backend, "xrt") == 0 ? "; xrt is not available yet" : "");
		return 2;
	}
	if (iface && strcmp(backend, "fw") != 0) {
		cli_err("start: --iface needs --backend fw (toffee-sim's port is a TAP device)");
		return 2;
	}
	const char *port = tap ? tap : iface, *port_kind = tap ? "TAP" : "interface";
	if (!valid_ifname(port)) {
		cli_err("start: %s %s: not a valid interface name (1-15 of [A-Za-z0-9._-])", tap ? "--tap" : "--iface",
			port);
		return 2;
	}
	if (iface && if_nametoindex(iface) == 0) {
		cli_err("start: --iface %s: no such interface", iface);
		return 2;
	}
	if (!valid_ip(ip, true)) {
		cli_err("start: --ip %s: want ADDR/LEN, e.g. 10.0.0.2/24", ip);
		return 2;
	}
	if (gw && !valid_ip(gw, false)) {
		cli_err("start: --gw %s: not an IPv4 address", gw);
		return 2;
	}
	if (cc && strcmp(cc, "dctcp") != 0 && strcmp(cc, "newreno") != 0) {
		cli_err("start: --cc %s: use dctcp or newreno", cc);
		return 2;
	}
	if (geteuid() != 0) {
		cli_err("start: needs root (the NIC %s %s %s%s); try sudo", tap ? "creates" : "opens",
			port_kind, port, strcmp(backend, "fw") == 0 ? " and runs DPDK" : "");
		return 1;
	}
	char nic_bin[1100], sp_bin[1100];
	snprintf(nic_bin, sizeof(nic_bin), "%s/%s", c->bindir, strcmp(backend, "fw") == 0 ? "toffee-fw" : "toffee-sim");
	snprintf(sp_bin, sizeof(sp_bin), "%s/toffeed", c->bindir);
	if (access(nic_bin, X_OK) != 0) {
		cli_err("start: %s is not built (run make)", nic_bin);
		return 1;
	}
	if (access(sp_bin, X_OK) != 0) {
		cli_err("start: %s is not built (run make)", sp_bin);
		return 1;
	}
	if (mkdir(c->rundir, 0755) < 0 && errno != EEXIST) {
		cli_err("start: cannot create %s: %s", c->rundir, strerror(errno));
		return 1;
	}
	char nic_pid[160], nic_log[160], sp_pid[160], sp_log[160];
	snprintf(nic_pid, sizeof(nic_pid), "%s/nic.pid", c->rundir);
	snprintf(nic_log, sizeof(nic_log), "%s/nic.log", c->rundir);
	snprintf(sp_pid, sizeof(sp_pid), "%s/toffeed.pid", c->rundir);
	snprintf(sp_log, sizeof(sp_log), "%s/toffeed.log", c->rundir);
	if (daemon_ready(c) || cli_read_pid(sp_pid, "toffeed") || cli_read_pid(nic_pid, "toffee")) {
		cli_err("start: toffee is already running in %s (`toffee stop` first)", c->rundir);
		return 1;
	}
	unlink(nic_pid);
	unlink(sp_pid);

	/* The NIC. */
	if (iface)
		receive_offloads_off(iface);
	char prefix[64], vdev[96];
	snprintf(prefix, sizeof(prefix), "toffee-%s", port);
	/* AF_PACKET (memory-mapped rings) on an existing interface: no system
	 * call per received frame, one per transmitted burst */
	if (tap)
		snprintf(vdev, sizeof(vdev), "--vdev=net_tap0,iface=%s", tap);
	else
		snprintf(vdev, sizeof(vdev), "--vdev=net_af_packet0,iface=%s", iface);
	char *nic_argv[24 + MAX_EXTRA];
	int k = 0;
	nic_argv[k++] = nic_bin;
	if (strcmp(backend, "fw") == 0) {
		char *eal[] = { "--no-huge", "--no-pci", "-m", "256", "-l", "0", "--file-prefix", prefix,
				vdev, "--" };
		for (unsigned i = 0; i < sizeof(eal) / sizeof(eal[0]); i++)
			nic_argv[k++] = eal[i];
	} else {
		nic_argv[k++] = "--tap";
		nic_argv[k++] = (char *)tap;
	}
	nic_argv[k++] = "--rundir";
	nic_argv[k++] = c->rundir;
	nic_argv[k++] = "--pidfile";
	nic_argv[k++] = nic_pid;
	for (int i = 0; i < nnic; i++)
		nic_argv[k++] = (char *)nic_extra[i];
	nic_argv[k] = NULL;
	pid_t nic = spawn(nic_argv, nic_log);
	if (nic < 0) {
		cli_err("start: fork: %s", strerror(errno));
		return 1;
	}
	uint64_t end = now_ms() + 30000;
	while (access(nic_pid, F_OK) != 0) {
		if (!alive(nic) || now_ms() > end) {
			cli_err("start: the NIC (%s) did not come up", nic_bin);
			show_log(nic_log);
			terminate(nic, 2000);
			return 1;
		}
		usleep(20000);
	}

	/* toffeed. */
	char *sp_argv[24 + MAX_EXTRA];
	k = 0;
	sp_argv[k++] = sp_bin;
	sp_argv[k++] = "--foreground";
	sp_argv[k++] = "--rundir";
	sp_argv[k++] = c->rundir;
	sp_argv[k++] = "--backend";
	sp_argv[k++] = (char *)backend;
	sp_argv[k++] = "--ip";
	sp_argv[k++] = (char *)ip;
	if (gw) {
		sp_argv[k++] = "--gw";
		sp_argv[k++] = (char *)gw;
	}
	if (cc) {
		sp_argv[k++] = "--cc";
		sp_argv[k++] = (char *)cc;
	}
	for (int i = 0; i < nextra; i++)
		sp_argv[k++] = (char *)extra[i];
	sp_argv[k] = NULL;
	pid_t sp = spawn(sp_argv, sp_log);
	end = now_ms() + 20000;
	while (!daemon_ready(c)) {
		if (sp < 0 || !alive(sp) || now_ms() > end) {
			cli_err("start: toffeed did not come up");
			show_log(sp_log);
			if (sp > 0)
				terminate(sp, 2000);
			terminate(nic, 3000);
			return 1;
		}
		usleep(20000);
	}
	printf("toffee: started in %s: NIC %s (pid %d) on %s %s, toffeed (pid %d) at %s%s%s\n",
	       c->rundir, backend, (int)nic, port_kind, port, (int)sp, ip, gw ? " via " : "", gw ? gw : "");
	return 0;
}

int cli_stop(struct cli *c, int argc, char **argv)
{
	if (argc > 1) {
		cli_err("stop: unexpected argument '%s'", argv[1]);
		return 2;
	}
	char nic_pid[160], sp_pid[160];
	snprintf(nic_pid, sizeof(nic_pid), "%s/nic.pid", c->rundir);
	snprintf(sp_pid, sizeof(sp_pid), "%s/toffeed.pid", c->rundir);
	pid_t sp = cli_read_pid(sp_pid, "toffeed");
	pid_t nic = cli_read_pid(nic_pid, "toffee");
	if (!sp && !nic) {
		cli_err("stop: toffee is not running in %s", c->rundir);
		unlink(sp_pid);
		unlink(nic_pid);
		return 1;
	}
	if (geteuid() != 0 && ((sp && kill(sp, 0) < 0 && errno == EPERM) ||
			       (nic && kill(nic, 0) < 0 && errno == EPERM))) {
		cli_err("stop: needs root (the daemons run as root); try sudo");
		return 1;
	}
	terminate(sp, 5000);      /* resets its flows, leaves the NIC */
	terminate(nic, 5000);
	unlink(sp_pid);
	unlink(nic_pid);
	printf("toffee: stopped (%s)\n", c->rundir);
	return 0;
}
