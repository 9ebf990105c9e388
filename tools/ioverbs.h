/* SPDX-License-Identifier: MIT */
/*
 * The ioverbs command: one program, one subcommand per file
 * (tools/<name>.c), each an entry of the table in tools/ioverbs.c.
 *
 * Exit codes, the same for every subcommand:
 *	0  done
 *	1  the operation failed: the device or the daemon refused it (the
 *	   reason on stderr), or what it looked at was not there
 *	2  a usage error, or the tool could not start (no daemon, no access)
 * A subcommand that runs a program (trace, run) exits with that program's
 * status instead, as strace does.
 */
#ifndef _TOOLS_IOVERBS_H
#define _TOOLS_IOVERBS_H

#include <stdbool.h>
#include <stdio.h>

#define IOVERBS_EXIT_OK 0
#define IOVERBS_EXIT_FAILED 1
#define IOVERBS_EXIT_USAGE 2

/* The daemon's mount when neither -m nor $IOVERBS_MOUNT says. */
#define IOVERBS_DEFAULT_MOUNT "/run/ioverbs"

/**
 * struct ioverbs_subcmd - one subcommand
 * @name: as typed ("trace")
 * @summary: one line for `ioverbs --help`
 * @run: its main(): @argv[0] is @name; returns the exit code
 */
struct ioverbs_subcmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int ioverbs_ctl_main(int argc, char **argv);
int ioverbs_devinfo_main(int argc, char **argv);
int ioverbs_roce_decode_main(int argc, char **argv);
int ioverbs_run_main(int argc, char **argv);
int ioverbs_schema_main(int argc, char **argv);
int ioverbs_stat_main(int argc, char **argv);
int ioverbs_trace_main(int argc, char **argv);

/* Does @mount look like a running ioverbsd's (it has a ctl file)? */
bool ioverbs_daemon_there(const char *mount);

/* The mount: @opt if given, else $IOVERBS_MOUNT, else the default. */
const char *ioverbs_mount(const char *opt);

/*
 * The one error line: "ioverbs SUB: MESSAGE\n" on stderr.  Returns
 * @code, so that a subcommand can `return ioverbs_err(...)`.
 */
int ioverbs_err(const char *sub, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* _TOOLS_IOVERBS_H */
