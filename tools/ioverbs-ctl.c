// SPDX-License-Identifier: MIT
/*
 * ioverbs-ctl: talk to a running ioverbsd through its control file.
 *
 *	ioverbs-ctl [-m MOUNT] list
 *	ioverbs-ctl [-m MOUNT] remove DEV	hot unplug uverbsN
 *	ioverbs-ctl [-m MOUNT] add DEV		bring it back
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

#define DEFAULT_MOUNT "/run/ioverbs"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs-ctl [-m MOUNT] list|remove DEV|add DEV\n"
		"  -m MOUNT   the ioverbsd mount (default $IOVERBS_MOUNT or " DEFAULT_MOUNT
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

int main(int argc, char **argv)
{
	const char *mount = getenv("IOVERBS_MOUNT");
	char path[4096], cmd[IVD_CTL_MAX_CMD + 1];
	int c, fd, len, i, err;
	size_t used = 0;

	while ((c = getopt(argc, argv, "hm:")) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc ||
	    (!strcmp(argv[optind], "list") && argc - optind != 1) ||
	    ((!strcmp(argv[optind], "remove") ||
	      !strcmp(argv[optind], "add")) &&
	     argc - optind != 2) ||
	    (strcmp(argv[optind], "list") && strcmp(argv[optind], "remove") &&
	     strcmp(argv[optind], "add"))) {
		usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		len = snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
			       i > optind ? " " : "", argv[i]);
		if (len < 0 || (size_t)len >= sizeof(cmd) - used) {
			fprintf(stderr, "ioverbs-ctl: command too long\n");
			return 2;
		}
		used += (size_t)len;
	}
	if (!mount)
		mount = DEFAULT_MOUNT;
	snprintf(path, sizeof(path), "%s/ctl", mount);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
			"ioverbs-ctl: %s: %s (is ioverbsd running "
			"there, and are you root?)\n",
			path, strerror(errno));
		return 2;
	}
	if (write(fd, cmd, used) != (ssize_t)used) {
		err = errno;
		/* The answer says why, in the daemon's words. */
		if (read_answer(fd, stderr))
			fprintf(stderr, "ioverbs-ctl: %s: %s\n", cmd,
				strerror(err));
		close(fd);
		return 1;
	}
	err = read_answer(fd, stdout);
	close(fd);
	if (err) {
		fprintf(stderr, "ioverbs-ctl: reading the answer: %s\n",
			strerror(-err));
		return 2;
	}
	return 0;
}
