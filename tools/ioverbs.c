// SPDX-License-Identifier: MIT
/*
 * ioverbs: the command-line tool.  `ioverbs SUBCOMMAND [ARGS...]`; each
 * subcommand has --help.  Run as `ioverbs-ctl` (a link), it is
 * `ioverbs ctl`, the name it had before the subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ioverbs.h"

/* The Makefile's VERSION. */
#ifndef IOVERBS_VERSION
#define IOVERBS_VERSION "unknown"
#endif

static const struct ioverbs_subcmd subcmds[] = {
	{ "ctl", "talk to a running ioverbsd: list, remove, add",
	  ioverbs_ctl_main },
	{ "devinfo", "the devices and their ports, as ibv_devinfo",
	  ioverbs_devinfo_main },
	{ "roce-decode", "decode the RoCEv2 packets of a pcap capture",
	  ioverbs_roce_decode_main },
	{ "run", "run an unmodified libibverbs program on ioverbs devices",
	  ioverbs_run_main },
	{ "schema", "every type, action and attribute a device accepts",
	  ioverbs_schema_main },
	{ "stat", "commands, errors, objects and traffic per open file",
	  ioverbs_stat_main },
	{ "trace", "print a program's verbs commands, decoded",
	  ioverbs_trace_main },
};

#define NUM_SUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

const char *ioverbs_mount(const char *opt)
{
	const char *env = getenv("IOVERBS_MOUNT");

	if (opt)
		return opt;
	return env && *env ? env : IOVERBS_DEFAULT_MOUNT;
}

bool ioverbs_daemon_there(const char *mount)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ctl", mount);
	return !stat(path, &st);
}

int ioverbs_err(const char *sub, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ioverbs%s%s: ", sub ? " " : "", sub ? sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "Usage: ioverbs SUBCOMMAND [ARGS...]\n"
		    "       ioverbs SUBCOMMAND --help\n"
		    "       ioverbs --version\n\nSubcommands:\n");
	for (i = 0; i < NUM_SUBCMDS; i++)
		fprintf(fp, "  %-12s %s\n", subcmds[i].name,
			subcmds[i].summary);
	fprintf(fp, "\nExit status: 0 done, 1 the operation failed (the reason "
		    "on stderr),\n2 a usage error or no daemon to talk to.\n");
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	size_t i;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "ioverbs-ctl"))
		return ioverbs_ctl_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return ioverbs_err(NULL, IOVERBS_EXIT_USAGE, "no subcommand");
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return IOVERBS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("ioverbs %s\n", IOVERBS_VERSION);
		return IOVERBS_EXIT_OK;
	}
	for (i = 0; i < NUM_SUBCMDS; i++)
		if (!strcmp(argv[1], subcmds[i].name))
			return subcmds[i].run(argc - 1, argv + 1);
	return ioverbs_err(NULL, IOVERBS_EXIT_USAGE,
			   "%s: no such subcommand (ioverbs --help lists them)",
			   argv[1]);
}
