/* SPDX-License-Identifier: MIT */
/* The fd table: fd number -> library object, two levels (chunks of 4096
 * entries allocated on first use, never freed) so that lookups need no
 * lock: every libc call on every fd of the process goes through
 * ts_fd_get(), and for a kernel fd it must cost a couple of loads. Writers
 * hold ts.lock (or are single-threaded tests). */
#include <errno.h>
#include <stdlib.h>
#include "ts_internal.h"

#define TS_CHUNK_LOG2 12u
#define TS_CHUNK      (1u << TS_CHUNK_LOG2)
#define TS_NCHUNKS    4096u                 /* 16 M descriptors */

static struct ts_obj **ts_chunks[TS_NCHUNKS];

struct ts_obj *ts_fd_get(int fd)
{
	if (TF_UNLIKELY(fd < 0))
		return NULL;
	uint32_t c = (uint32_t)fd >> TS_CHUNK_LOG2;
	if (TF_UNLIKELY(c >= TS_NCHUNKS))
		return NULL;
	struct ts_obj **chunk = __atomic_load_n(&ts_chunks[c], __ATOMIC_ACQUIRE);
	if (TF_LIKELY(!chunk))
		return NULL;
	return __atomic_load_n(&chunk[(uint32_t)fd & (TS_CHUNK - 1)], __ATOMIC_ACQUIRE);
}

int ts_fd_set(int fd, struct ts_obj *o)
{
	if (fd < 0)
		return -EBADF;
	uint32_t c = (uint32_t)fd >> TS_CHUNK_LOG2;
	if (c >= TS_NCHUNKS)
		return -EMFILE;
	struct ts_obj **chunk = __atomic_load_n(&ts_chunks[c], __ATOMIC_ACQUIRE);
	if (!chunk) {
		chunk = calloc(TS_CHUNK, sizeof(*chunk));
		if (!chunk)
			return -ENOMEM;
		__atomic_store_n(&ts_chunks[c], chunk, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&chunk[(uint32_t)fd & (TS_CHUNK - 1)], o, __ATOMIC_RELEASE);
	return 0;
}

void ts_fd_clear(int fd)
{
	if (fd < 0)
		return;
	uint32_t c = (uint32_t)fd >> TS_CHUNK_LOG2;
	if (c >= TS_NCHUNKS)
		return;
	struct ts_obj **chunk = __atomic_load_n(&ts_chunks[c], __ATOMIC_ACQUIRE);
	if (chunk)
		__atomic_store_n(&chunk[(uint32_t)fd & (TS_CHUNK - 1)], NULL, __ATOMIC_RELEASE);
}

void ts_fd_foreach(void (*fn)(int fd, struct ts_obj *o, void *arg), void *arg)
{
	for (uint32_t c = 0; c < TS_NCHUNKS; c++) {
		struct ts_obj **chunk = __atomic_load_n(&ts_chunks[c], __ATOMIC_ACQUIRE);
		if (!chunk)
			continue;
		for (uint32_t i = 0; i < TS_CHUNK; i++) {
			struct ts_obj *o = __atomic_load_n(&chunk[i], __ATOMIC_ACQUIRE);
			if (o)
				fn((int)(c << TS_CHUNK_LOG2 | i), o, arg);
		}
	}
}

struct find_arg {
	const struct ts_obj *o;
	int *fds;
	int max, n;
};

static void find_one(int fd, struct ts_obj *o, void *arg)
{
	struct find_arg *a = arg;
	if (o == a->o && a->n < a->max)
		a->fds[a->n++] = fd;
}

int ts_fd_find(const struct ts_obj *o, int *fds, int max)
{
	struct find_arg a = { o, fds, max, 0 };
	ts_fd_foreach(find_one, &a);
	return a.n;
}
