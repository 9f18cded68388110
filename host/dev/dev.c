/* SPDX-License-Identifier: MIT */
/* The device interface: backend selection and the backend-independent part
 * (counters, region bookkeeping). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dev.h"

static const struct dev_ops *const backends[] = {
	&dev_ops_fw, &dev_ops_sim, &dev_ops_auto,
};

const char *const *dev_backends(void)
{
	static const char *names[] = { "fw", "sim", "auto", NULL };
	return names;
}

int dev_open(const char *backend, const char *rundir, int wait_ms, struct dev **out)
{
	const struct dev_ops *ops = NULL;

	*out = NULL;
	if (!backend || !rundir)
		return -EINVAL;
	if (strcmp(backend, "xrt") == 0)
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, backend) == 0)
			ops = backends[i];
	if (!ops)
		return -ENOENT;
	struct dev *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ops = ops;
	d->event_fd = -1;
	int rc = ops->open(d, rundir, wait_ms);
	if (rc) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void dev_close(struct dev *d)
{
	if (!d)
		return;
	d->ops->close(d);
	free(d);
}

uint64_t dev_counter(struct dev *d, unsigned i)
{
	uint32_t off = TOFFEE_REG_CNT(i);
	/* The NIC updates LO then HI: re-read HI to catch a carry in between. */
	for (;;) {
		uint32_t hi = dev_rd32(d, off + 4);
		uint32_t lo = dev_rd32(d, off);
		if (dev_rd32(d, off + 4) == hi)
			return (uint64_t)hi << 32 | lo;
	}
}

int dev_region_create(struct dev *d, uint32_t id, uint64_t size, struct dev_region *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (size == 0 || (size & 4095) || size > (1ull << 32))
		return -EINVAL;
	r->id = id;
	r->size = size;
	int rc = d->ops->region_create(d, r);
	if (rc) {
		r->fd = -1;
		r->va = NULL;
	}
	return rc;
}

void dev_region_destroy(struct dev *d, struct dev_region *r)
{
	if (r->fd < 0 && !r->va)
		return;
	d->ops->region_destroy(d, r);
	r->fd = -1;
	r->va = NULL;
}

int dev_notify(struct dev *d, uint32_t ctx, int efd)
{
	return d->ops->notify ? d->ops->notify(d, ctx, efd) : -ENOTSUP;
}

int dev_db_page(struct dev *d, uint32_t ctx)
{
	if (ctx >= TOFFEE_MAX_CTX)
		return -EINVAL;
	return d->ops->db_page ? d->ops->db_page(d, ctx) : -ENOTSUP;
}

int dev_capture(struct dev *d, int fd)
{
	return d->ops->capture ? d->ops->capture(d, fd) : -ENOTSUP;
}

int dev_stats(struct dev *d, uint64_t *rx_frames, uint64_t *tx_frames)
{
	return d->ops->stats ? d->ops->stats(d, rx_frames, tx_frames) : -ENOTSUP;
}

int dev_shutdown(struct dev *d)
{
	return d->ops->shutdown ? d->ops->shutdown(d) : -ENOTSUP;
}
