// SPDX-License-Identifier: MIT
/*
 * What `ioverbs trace` costs a traced program: commands per second of a
 * loop of PD_ALLOC + PD_DEALLOC through ioverbsd, untraced and traced
 * (output to /dev/null), in the same run against the same daemon, best of
 * a few rounds each, interleaved.  The traced program's other system calls
 * cost nothing extra (the seccomp filter lets them through); each command
 * costs two ptrace stops and the decoder.
 *
 *	bench_trace [--daemon=PATH] [--tool=PATH] [--count=N]
 *
 * The program re-runs itself as the measured client ("--client MNT N"),
 * which prints its own rate.
 */
#include <fcntl.h>
#include <getopt.h>

#include <ioverbs/verbs.h>

#include "daemon_run.h"

#define ROUNDS 3

static int client(const char *mnt, long n)
{
	struct ioverbs_client v;
	char path[256];
	u64 t0, t1;
	long i;
	u32 pd;
	int fd;

	snprintf(path, sizeof(path), "%s/uverbs0", mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path, -errno);
	ioverbs_client_init_fd(&v, fd);
	if (ioverbs_context_get(&v))
		die("GET_CONTEXT", -EIO);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (ioverbs_pd_alloc(&v, &pd) || ioverbs_pd_dealloc(&v, pd))
			die("PD_ALLOC/PD_DEALLOC", -EIO);
	}
	t1 = now_ns();
	printf("%.1f\n", 2.0 * (double)n * 1e9 / (double)(t1 - t0));
	close(fd);
	return 0;
}

/* One run of the client, traced by @tool if given: its rate. */
static double run(const char *self, const char *tool, const char *mnt,
		  long n)
{
	char count[32], buf[64];
	int p[2], status;
	double rate = 0;
	ssize_t got;
	pid_t pid;

	snprintf(count, sizeof(count), "%ld", n);
	if (pipe(p))
		die("pipe", -errno);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (!pid) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (tool)
			execl(tool, tool, "trace", "-o", "/dev/null", "--", self,
			      "--client", mnt, count, NULL);
		else
			execl(self, self, "--client", mnt, count, NULL);
		_exit(127);
	}
	close(p[1]);
	got = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || got <= 0)
		die(tool ? "the traced client" : "the client", -EIO);
	buf[got] = '\0';
	rate = atof(buf);
	return rate;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'd' },
		{ "tool", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "client", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	char self[4096], dbuf[4200], tbuf[4200];
	const char *daemon = NULL, *tool = NULL;
	double plain = 0, traced = 0;
	bool is_client = false;
	long n = 20000;
	struct daemon d;
	ssize_t len;
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			daemon = optarg;
			break;
		case 't':
			tool = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'c':
			is_client = true;
			break;
		default:
			return 2;
		}
	}
	if (is_client) {
		if (argc - optind != 2)
			return 2;
		return client(argv[optind], atol(argv[optind + 1]));
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		die("readlink /proc/self/exe", -errno);
	self[len] = '\0';
	if (!tool) {
		snprintf(tbuf, sizeof(tbuf), "%.*s/../tools/ioverbs",
			 (int)(strrchr(self, '/') - self), self);
		tool = tbuf;
	}
	daemon = daemon_find("bench_trace", daemon, dbuf, sizeof(dbuf));
	if (access(tool, X_OK))
		bench_skip("bench_trace",
			   "no tool (build $(O)/rel/tools/ioverbs or give --tool=)");
	daemon_start(&d, daemon, "bench_trace", 1);
	printf("# PD_ALLOC + PD_DEALLOC through ioverbsd, %ld pairs; best of %d\n",
	       n, ROUNDS);
	for (i = 0; i < ROUNDS; i++) {
		double r = run(self, NULL, d.mnt, n);

		if (r > plain)
			plain = r;
		r = run(self, tool, d.mnt, n);
		if (r > traced)
			traced = r;
	}
	daemon_stop(&d);
	printf("bench trace_cmds: %.0f cmd/s (baseline untraced_cmds: %.0f cmd/s, ratio %.2f)\n",
	       traced, plain, plain > 0 ? traced / plain : 0.0);
	return 0;
}
