/* SPDX-License-Identifier: MIT */
/*
 * Running unmodified programs (ibverbs-utils, perftest) against a test
 * daemon, as test_pingpong.c and test_daemon_roce.c do: skip without
 * the program, find the provider, pick a TCP port for the programs' own
 * exchange, see the server listen, start a program with its output in a
 * file, wait for it and read what it said.
 */
#ifndef _TESTS_DAEMON_PROGS_H
#define _TESTS_DAEMON_PROGS_H

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

/* Skips without @prog; sets $IOVERBS_PROVIDER; fails without the tool. */
static inline void need_tools(const char *prog)
{
	const char *so = getenv("IOVERBS_PROVIDER");

	if (access(prog, X_OK))
		harness_skip("no %s (scripts/install.sh installs ibverbs-utils and perftest)",
			     prog);
	if (!so || !*so) {
		so = fx_in_build("rel/provider/libioverbs-rdmav34.so");
		ASSERT_OK(setenv("IOVERBS_PROVIDER", so, 1));
	}
	if (access(so, R_OK))
		harness_fail(__FILE__, __LINE__, "no provider at %s", so);
	if (access(fx_tool_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no tool at %s", fx_tool_path());
}

/* A TCP port nobody listens on now. */
static inline unsigned int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_TRUE(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_OK(bind(s, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_OK(getsockname(s, (struct sockaddr *)&a, &len));
	close(s);
	return ntohs(a.sin_port);
}

/* Does a socket listen on TCP @port (/proc/net/tcp{,6}, state 0A)? */
static inline bool listening(unsigned int port)
{
	static const char *const tables[] = { "/proc/net/tcp",
					      "/proc/net/tcp6" };
	unsigned int i, lport, st;
	char line[512];
	bool found = false;
	FILE *fp;

	for (i = 0; i < ARRAY_SIZE(tables) && !found; i++) {
		fp = fopen(tables[i], "re");
		if (!fp)
			continue;
		while (!found && fgets(line, sizeof(line), fp))
			found = sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
				       &lport, &st) == 2 &&
				lport == port && st == 0x0a;
		fclose(fp);
	}
	return found;
}

/* @argv with its output into @path, as @uid when not 0: its pid. */
static inline pid_t spawn(char *const argv[], const char *path, uid_t uid)
{
	pid_t p;
	int fd;

	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (uid && fx_become(uid))
			_exit(125);
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

/* Waits @secs at most for @p (then kills it): its wait status. */
static inline int reap_within(pid_t p, unsigned int secs)
{
	unsigned int i;
	int status = -1;

	for (i = 0; i < secs * 20; i++) {
		if (waitpid(p, &status, WNOHANG) == p)
			return status;
		msleep(50);
	}
	kill(p, SIGKILL);
	waitpid(p, &status, 0);
	return status;
}

/* Waits 30 s at most for @p (then kills it): its wait status. */
static inline int reap(pid_t p)
{
	return reap_within(p, 30);
}

/* @path's text into @out (@size), then removes it. */
static inline void slurp(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ASSERT_TRUE(fd >= 0);
	n = read(fd, out, size - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	unlink(path);
}

#endif /* _TESTS_DAEMON_PROGS_H */
