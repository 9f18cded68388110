/* SPDX-License-Identifier: MIT */
/**
 * @file fdpass.h
 * Descriptors passed with a message of appproto.h or devproto.h
 * (SCM_RIGHTS on their UNIX sockets): the one way every sender attaches
 * them. Not part of the ABI.
 */
#ifndef TOFFEE_FDPASS_H
#define TOFFEE_FDPASS_H

#include <string.h>
#include <sys/socket.h>

#define TOFFEE_FDPASS_MAX 4u            /* descriptors in one message, at most */

/** Room for the control data of up to TOFFEE_FDPASS_MAX descriptors. */
union toffee_fdpass {
	struct cmsghdr h;                  /* alignment */
	char buf[CMSG_SPACE(TOFFEE_FDPASS_MAX * sizeof(int))];
};

/** Attach @p fds[0..n) to @p mh, using @p cm for the control data (n = 0:
 *  nothing; n <= TOFFEE_FDPASS_MAX). */
static inline void toffee_fdpass_attach(struct msghdr *mh, union toffee_fdpass *cm, const int *fds,
					unsigned n)
{
	if (!n)
		return;
	memset(cm, 0, sizeof(*cm));
	mh->msg_control = cm->buf;
	mh->msg_controllen = CMSG_SPACE(n * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

#endif /* TOFFEE_FDPASS_H */
