/* SPDX-License-Identifier: MIT */
/*
 * spinprof.so: LD_PRELOAD into toffee-fw (make bench-system) to split the
 * polling core's time into work and idle spin, without touching the
 * firmware. Inactive in any other program and without TOFFEE_SPINPROF.
 *
 * toffee-fw's loop (firmware/platform/dpdk/fw_main.c, run()) reads the clock
 * once per iteration, right after the receive burst:
 *     nb = rte_eth_rx_burst(); now = clock_gettime(CLOCK_MONOTONIC); rx; fp_poll; tx
 * so a CLOCK_MONOTONIC read by the main thread marks an iteration. The span
 * between two marks (TSC) is one iteration; it counts as work when frames
 * came in with the burst at its start (the tap PMD's readv() returned data)
 * or a frame went out in it (writev()), else as idle spin. Time inside
 * nanosleep() (the --idle-sleep-us backoff) is neither. An iteration that did
 * work without a frame in or out (a host command that only updates state,
 * an event to the host) counts as spin: the split leans towards "spin".
 * The tap PMD only calls readv() after a SIGIO said frames wait, so empty
 * polls make no system call.
 *
 * The counters live in the file named by TOFFEE_SPINPROF (created and sized
 * by the reader, 64 bytes), as struct spinprof below, updated in place.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

struct spinprof {
	uint64_t magic;         /* "spinprof" once initialised */
	uint64_t tsc_hz;        /* calibrated at load */
	uint64_t iters;         /* loop iterations (clock reads) */
	uint64_t idle_iters;    /* of those, without a frame in or out */
	uint64_t idle_cyc;      /* TSC cycles in idle iterations (sleep excluded) */
	uint64_t work_cyc;      /* TSC cycles in working iterations (sleep excluded) */
	uint64_t sleep_cyc;     /* TSC cycles inside nanosleep() */
	uint64_t pad;
};

#define SPINPROF_MAGIC 0x666f72706e697073ull   /* "spinprof" */

static volatile struct spinprof *g_sp;
static __thread int t_role;     /* 0 not known yet, 1 the main thread (the loop), 2 another */
static uint64_t g_last, g_sleep;
static int g_busy, g_rx_next;
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_nanosleep)(const struct timespec *, struct timespec *);
static int (*real_clock_gettime)(clockid_t, struct timespec *);

static int role(void)
{
	if (!t_role)
		t_role = g_sp && syscall(SYS_gettid) == getpid() ? 1 : 2;
	return t_role;
}

__attribute__((constructor)) static void spinprof_init(void)
{
	real_readv = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "readv");
	real_writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	real_nanosleep = (int (*)(const struct timespec *, struct timespec *))dlsym(RTLD_NEXT, "nanosleep");
	real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	const char *path = getenv("TOFFEE_SPINPROF");
	if (!path || strcmp(program_invocation_short_name, "toffee-fw") != 0)
		return;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	void *p = mmap(NULL, sizeof(struct spinprof), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	struct timespec a, b, d = { 0, 20 * 1000 * 1000 };
	real_clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = __rdtsc();
	real_nanosleep(&d, NULL);
	uint64_t t1 = __rdtsc();
	real_clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	struct spinprof *sp = p;
	memset(sp, 0, sizeof(*sp));
	sp->tsc_hz = (uint64_t)((double)(t1 - t0) * 1e9 / ns);
	sp->magic = SPINPROF_MAGIC;
	g_sp = sp;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int r = real_clock_gettime(clk, ts);
	if (clk != CLOCK_MONOTONIC || role() != 1)
		return r;
	uint64_t now = __rdtsc();
	if (g_last) {
		uint64_t d = now - g_last;
		d = d > g_sleep ? d - g_sleep : 0;
		g_sp->iters++;
		if (g_busy) {
			g_sp->work_cyc += d;
		} else {
			g_sp->idle_cyc += d;
			g_sp->idle_iters++;
		}
	}
	g_sp->sleep_cyc += g_sleep;
	g_sleep = 0;
	g_busy = g_rx_next;     /* frames of the burst just before this mark */
	g_rx_next = 0;
	g_last = now;
	return r;
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
	ssize_t r = real_readv(fd, iov, n);
	if (r > 0 && role() == 1)
		g_rx_next = 1;
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	if (role() == 1)
		g_busy = 1;
	return real_writev(fd, iov, n);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (role() != 1)
		return real_nanosleep(req, rem);
	uint64_t t0 = __rdtsc();
	int r = real_nanosleep(req, rem);
	int err = errno;
	g_sleep += __rdtsc() - t0;
	errno = err;
	return r;
}
