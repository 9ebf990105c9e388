/* SPDX-License-Identifier: MIT */
/*
 * What the daemon benchmarks share: a release ioverbsd on a temporary
 * mount, started and stopped around the measurements, and the polite way
 * to skip when it cannot run (no root, no /dev/fuse, no daemon).
 */
#ifndef _BENCH_DAEMON_RUN_H
#define _BENCH_DAEMON_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct daemon {
	char dir[64], mnt[96];
	pid_t pid;
};

/* $(O)/rel/@rel from this program's place, $(O)/rel/bench/, in @buf. */
static inline void bench_beside(char *buf, size_t size, const char *rel)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		die("readlink /proc/self/exe", -errno);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (snprintf(buf, size, "%s/../%s", self, rel) >= (int)size)
		die("path too long", -ENAMETOOLONG);
}

static inline void bench_skip(const char *prog, const char *why)
{
	printf("# %s skipped: %s\n", prog, why);
	exit(0);
}

static inline bool daemon_mounted(const char *path)
{
	char line[1024], mp[512];
	bool found = false;
	FILE *fp = fopen("/proc/self/mountinfo", "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = sscanf(line, "%*d %*d %*s %*s %511s", mp) == 1 &&
			!strcmp(mp, path) && strstr(line, " - fuse");
	fclose(fp);
	return found;
}

/*
 * Finds the daemon (@path, else ../daemon/ioverbsd beside this program),
 * skipping when it cannot run; returns the path in @buf.
 */
static inline const char *daemon_find(const char *prog, const char *path,
				      char *buf, size_t size)
{
	char self[4096];
	ssize_t n;

	if (!path) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			die("readlink /proc/self/exe", -errno);
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(buf, size, "%s/../daemon/ioverbsd", self);
		path = buf;
	}
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK))
		bench_skip(prog, "needs root and /dev/fuse");
	if (access(path, X_OK))
		bench_skip(prog,
			   "no daemon (build $(O)/rel/daemon/ioverbsd or give --daemon=)");
	return path;
}

/* The daemon at @path, in the foreground, with @devices devices. */
static inline void daemon_start(struct daemon *d, const char *path,
				const char *prog, int devices)
{
	char dev[160], ndev[32];
	struct stat st;
	int i, status;

	strcpy(d->dir, "/tmp/ioverbsd-bench.XXXXXX");
	if (!mkdtemp(d->dir))
		die("mkdtemp", -errno);
	snprintf(d->mnt, sizeof(d->mnt), "%s/mnt", d->dir);
	if (mkdir(d->mnt, 0755))
		die("mkdir", -errno);
	snprintf(ndev, sizeof(ndev), "--devices=%d", devices);
	fflush(stdout);
	d->pid = fork();
	if (d->pid < 0)
		die("fork", -errno);
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(path, path, "-f", ndev, "--log-level=warn",
		      "--mode=0600", d->mnt, NULL);
		_exit(127);
	}
	snprintf(dev, sizeof(dev), "%s/uverbs0", d->mnt);
	for (i = 0; i < 3000; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			die("the daemon exited at start", -ECHILD);
		if (daemon_mounted(d->mnt) && !stat(dev, &st))
			return;
		usleep(10000);
	}
	kill(d->pid, SIGTERM);
	(void)prog;
	die("the daemon did not mount in 30 s", -ETIMEDOUT);
}

static inline void daemon_stop(struct daemon *d)
{
	int status;

	kill(d->pid, SIGTERM);
	if (waitpid(d->pid, &status, 0) != d->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		printf("# the daemon ended with status 0x%x\n", status);
	rmdir(d->mnt);
	rmdir(d->dir);
}

#endif /* _BENCH_DAEMON_RUN_H */
