/* SPDX-License-Identifier: MIT */
/* Connections inherited across exec: an inetd-style service is a program
 * that a fork child exec'd with the connection on its stdin/stdout. Since
 * the fork, that socket's kernel fd is one end of a socket pair whose
 * other end toffeed holds (SHARE, ts_wait.c); at start-up we ask toffeed
 * whether any of our first descriptors is such a socket (IDENTIFY, on a
 * connection of its own: a process without one pays a few fstat calls)
 * and take the connection over by showing it (TAKEOVER by descriptor; the
 * positions are the NIC's). */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "ts_internal.h"
#include "tf_sys.h"

#define TS_EXEC_FDS 16                  /* descriptors looked at: 0..15 */

static bool unix_stream(int fd)
{
	int v = 0;
	socklen_t l = sizeof(v);
	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 || v != AF_UNIX)
		return false;
	l = sizeof(v);
	return syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM;
}

void ts_exec_adopt(void)
{
	if (ts.disabled)
		return;
	int fds[TS_EXEC_FDS], first[TS_EXEC_FDS];   /* candidates; one fd per socket */
	uint64_t ino[TS_EXEC_FDS], first_ino[TS_EXEC_FDS];
	unsigned n = 0, nq = 0;
	for (int fd = 0; fd < TS_EXEC_FDS; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) || ts_fd_get(fd) || !unix_stream(fd))
			continue;
		bool seen = false;
		for (unsigned i = 0; i < n; i++)
			seen = seen || ino[i] == (uint64_t)st.st_ino;
		if (!seen) {
			first_ino[nq] = (uint64_t)st.st_ino;
			first[nq++] = fd;
		}
		fds[n] = fd;
		ino[n++] = (uint64_t)st.st_ino;
	}
	uint32_t ids[TS_EXEC_FDS], flags[TS_EXEC_FDS];
	if (!nq || tf_identify(ts.rundir[0] ? ts.rundir : NULL, first, nq, ids, flags) < 0)
		return;
	ts_lock();
	for (unsigned q = 0; q < nq; q++) {
		if (ids[q] == TOFFEE_FLOW_NONE || ts_ctx_ensure() < 0)
			continue;
		struct tf_inherited inh = { .id = ids[q] };
		struct toffee_conn *c;
		int rc = tf_flow_takeover(ts.ctx, &inh, first[q], NULL, &c);
		if (rc < 0) {
			TF_TRACE("toffee[%d]: fd %d (flow %u) not taken over: %d", (int)getpid(), first[q], ids[q], rc);
			continue;
		}
		int same[TS_EXEC_FDS];                  /* every fd of that socket */
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			if (ino[i] == first_ino[q])
				same[k++] = fds[i];
		if (ts_sock_adopt(same, k, c, rc == 1, flags[q] & TOFFEE_APPF_INET6) < 0)
			toffee_abort(c);
		TF_TRACE("toffee[%d]: flow %u taken over on %u fds from fd %d", (int)getpid(), ids[q], k, first[q]);
	}
	ts_unlock();
}
