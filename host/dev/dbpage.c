/* SPDX-License-Identifier: MIT */
/* Doorbell pages as files of their own (dbpage.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "toffee/abi.h"
#include "dbpage.h"

#define DB_PAGE 4096u
_Static_assert(TOFFEE_REG_DB_STRIDE == DB_PAGE, "one page per context");

static void *page_of(volatile uint32_t *bar, uint32_t ctx)
{
	return (uint8_t *)bar + TOFFEE_REG_DB_BASE + (size_t)ctx * TOFFEE_REG_DB_STRIDE;
}

int dbpage_overlay(volatile uint32_t *bar, uint32_t ctx, int fd)
{
	struct stat st;
	if (ctx >= TOFFEE_MAX_CTX || fstat(fd, &st) < 0 || st.st_size != DB_PAGE)
		return -EINVAL;
	void *p = mmap(page_of(bar, ctx), DB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	return p == MAP_FAILED ? -errno : 0;
}

int dbpage_create(volatile uint32_t *bar, uint32_t ctx)
{
	if (ctx >= TOFFEE_MAX_CTX)
		return -EINVAL;
	int fd = memfd_create("toffee-doorbell", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	int rc = 0;
	/* Sealed at one page: nobody can grow it into more of the device. */
	if (ftruncate(fd, DB_PAGE) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		rc = -errno;
	else if (pwrite(fd, page_of(bar, ctx), DB_PAGE, 0) != DB_PAGE)
		rc = -EIO;
	else
		rc = dbpage_overlay(bar, ctx, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}
