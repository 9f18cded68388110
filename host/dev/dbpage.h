/* SPDX-License-Identifier: MIT */
/**
 * @file dbpage.h
 * A context's doorbell page as a file of its own, so that an application
 * can be given its page and nothing else of BAR0 (a memfd of the whole BAR
 * could be mapped at any offset).
 *
 * Process NICs keep BAR0 in one shared-memory file. For context @p ctx the
 * NIC process creates a one-page file holding the page's current contents
 * and maps it over that page of its own BAR mapping (dbpage_create); every
 * other party that maps BAR0 (toffeed) maps the same file over the same
 * page (dbpage_overlay). Afterwards all of them, and the application, share
 * that page; the rest of BAR0 stays in the BAR file.
 */
#ifndef TOFFEE_DBPAGE_H
#define TOFFEE_DBPAGE_H

#include <stdint.h>

/** The page file of context @p ctx, mapped over its page in @p bar
 *  (TOFFEE_REG_BAR_SIZE bytes, mapped shared). Returns an fd or -errno. */
int dbpage_create(volatile uint32_t *bar, uint32_t ctx);

/** Map page file @p fd over context @p ctx's page in @p bar. 0 or -errno
 *  (-EINVAL: ctx out of range or @p fd not a one-page file). */
int dbpage_overlay(volatile uint32_t *bar, uint32_t ctx, int fd);

#endif /* TOFFEE_DBPAGE_H */
