// SPDX-License-Identifier: MIT
/*
 * ioverbs ctl (also ioverbs-ctl): talk to a running ioverbsd through its
 * control file.
 *
 *	ioverbs ctl [-m MOUNT] list
 *	ioverbs ctl [-m MOUNT] stat		raw counters (ioverbs stat shows them)
 *	ioverbs ctl [-m MOUNT] remove DEV	hot unplug uverbsN
 *	ioverbs ctl [-m MOUNT] add DEV		bring it back
 *
 * MOUNT defaults to $IOVERBS_MOUNT, else /run/ioverbs.  Prints the
 * daemon's answer; exits 0 on success, 1 when the daemon refused the
 * command (its one-line reason on stderr), 2 on a usage or access error.
 * The protocol is in daemon/ctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/ctl.h"
#include "ioverbs.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs ctl [-m MOUNT] list|stat|remove DEV|add DEV\n"
		"  -m, --mount MOUNT   the ioverbsd mount (default $IOVERBS_MOUNT or " IOVERBS_DEFAULT_MOUNT
		")\n");
}

/* The daemon's answer, to @fp; 0 or -errno. */
static int read_answer(int fd, FILE *fp)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, fp);
	return n < 0 ? -errno : 0;
}

int ioverbs_ctl_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "mount", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	char path[4096], cmd[IVD_CTL_MAX_CMD + 1];
	const char *mount = NULL;
	int c, fd, len, i, err;
	size_t used = 0;

	while ((c = getopt_long(argc, argv, "hm:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind == argc ||
	    ((!strcmp(argv[optind], "list") || !strcmp(argv[optind], "stat")) &&
	     argc - optind != 1) ||
	    ((!strcmp(argv[optind], "remove") ||
	      !strcmp(argv[optind], "add")) &&
	     argc - optind != 2) ||
	    (strcmp(argv[optind], "list") && strcmp(argv[optind], "stat") &&
	     strcmp(argv[optind], "remove") && strcmp(argv[optind], "add"))) {
		usage(stderr);
		return ioverbs_err("ctl", IOVERBS_EXIT_USAGE,
				   "expected list, stat, remove DEV or add DEV");
	}
	for (i = optind; i < argc; i++) {
		len = snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
			       i > optind ? " " : "", argv[i]);
		if (len < 0 || (size_t)len >= sizeof(cmd) - used)
			return ioverbs_err("ctl", IOVERBS_EXIT_USAGE,
					   "command too long");
		used += (size_t)len;
	}
	snprintf(path, sizeof(path), "%s/ctl", ioverbs_mount(mount));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ioverbs_err("ctl", IOVERBS_EXIT_USAGE,
				   "%s: %s (is ioverbsd running there, and are you root?)",
				   path, strerror(errno));
	if (write(fd, cmd, used) != (ssize_t)used) {
		err = errno;
		/* The answer says why, in the daemon's words. */
		if (read_answer(fd, stderr))
			ioverbs_err("ctl", 0, "%s: %s", cmd, strerror(err));
		close(fd);
		return IOVERBS_EXIT_FAILED;
	}
	err = read_answer(fd, stdout);
	close(fd);
	if (err)
		return ioverbs_err("ctl", IOVERBS_EXIT_USAGE,
				   "reading the answer: %s", strerror(-err));
	return IOVERBS_EXIT_OK;
}
