/* SPDX-License-Identifier: MIT */
/* The `toffee` command: shared helpers. */
#ifndef TOFFEE_CLI_H
#define TOFFEE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "toffee/appproto.h"

/** Common options: run directory, program name. */
struct cli {
	char rundir[128];     /* socket paths must fit sun_path */
	char bindir[1024];     /* where toffeed / toffee-fw live (next to this binary) */
};

/** Print an error "toffee: ..." to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Connect to <rundir>/app.sock. Returns the fd, or -1 after printing why
 *  (daemon not running, permission). */
int cli_connect(const struct cli *c, bool quiet);

/** Send @p m (with @p fd if >= 0) and wait for the reply with the same
 *  request number. *rfd gets a descriptor passed with the reply (or -1).
 *  Returns 0 or -errno of the exchange (the reply's status is in @p r). */
int cli_request(int sock, struct toffee_appmsg *m, int fd, struct toffee_appmsg *r, int *rfd,
		int timeout_ms);

/** Read a pid file; 0 if absent or not a live process named like @p comm. */
pid_t cli_read_pid(const char *path, const char *comm);

/** Subcommands; argv[0] is the subcommand name. Return the exit status. */
int cli_start(struct cli *c, int argc, char **argv);
int cli_stop(struct cli *c, int argc, char **argv);
int cli_status(struct cli *c, int argc, char **argv);
int cli_run(struct cli *c, int argc, char **argv);
/** Warn on stderr if @p cmd is a program LD_PRELOAD cannot reach (elfcheck.c). */
void cli_run_check(const char *cmd);
int cli_capture(struct cli *c, int argc, char **argv);

#endif
