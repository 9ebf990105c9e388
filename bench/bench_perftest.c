// SPDX-License-Identifier: MIT
/*
 * Unmodified perftest through `ioverbs run` (the libibverbs provider on a
 * release ioverbsd this program starts), server and client on 127.0.0.1,
 * against libfabric's fi_pingpong over its shm and tcp providers at the
 * same message size, all measured in the same run:
 *
 * perftest_send_lat_SIZE_vs_PROV   ib_send_lat's typical latency (half a
 *                                  round trip), 2 B and 4 KiB
 * perftest_write_lat_2B_vs_PROV    ib_write_lat's, 2 B
 *   baseline                       fi_pingpong -e rdm -p PROV: usec/xfer
 *                                  (also one way), best of 3 runs
 * perftest_write_bw_SIZE_vs_PROV   ib_write_bw's average bandwidth in
 *                                  MB/s (10^6 bytes, as fi_pingpong's; perftest
 *                                  says MB for 2^20), 64 KiB and 1 MiB: a stream,
 * perftest_send_bw_SIZE_vs_PROV    ib_send_bw's, 128 WRs in flight
 *   baseline                       fi_pingpong's MB/sec at SIZE: one
 *                                  message in flight, so no stream --
 *                                  libfabric-bin ships no bandwidth test
 *
 * A latency's ratio is ours over the baseline's (below 1: we are faster),
 * a bandwidth's too (above 1: we are faster).  perftest's own figure is
 * printed once per baseline.  Nothing is asserted; a program missing is
 * said in a "#" line.
 *
 *   bench_perftest [--daemon=PATH]
 *
 * The tool and the provider are found beside this program
 * ($(O)/rel/tools/ioverbs, $(O)/rel/provider/libioverbs-rdmav34.so).
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "bench.h"
#include "daemon_run.h"

#define OUT_MAX 65536

static char tool[PATH_MAX], provider[PATH_MAX];

/* $(O)/rel/@rel from this program's place, $(O)/rel/bench/. */
static void beside(char *buf, size_t size, const char *rel)
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

static bool listening(unsigned int port)
{
	char line[512];
	unsigned int p, st;
	bool yes = false;
	FILE *fp = fopen("/proc/net/tcp", "re");

	if (!fp)
		return false;
	while (!yes && fgets(line, sizeof(line), fp))
		yes = sscanf(line, " %*u: %*x:%x %*x:%*x %x", &p, &st) == 2 &&
		      p == port && st == 0x0a;
	fclose(fp);
	return yes;
}

static unsigned int pick_port(void)
{
	unsigned int port;

	do
		port = 20000 + (unsigned int)(now_ns() % 20000);
	while (listening(port));
	return port;
}

/* Runs @cmd (sh -c) in the background, its output thrown away. */
static pid_t background(const char *cmd)
{
	pid_t p;
	int fd;

	fflush(stdout);
	p = fork();
	if (p < 0)
		die("fork", -errno);
	if (p == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	return p;
}

/* @cmd's standard output into @out: its exit status. */
static int capture(const char *cmd, char *out, size_t size)
{
	size_t used = 0, n;
	FILE *fp;

	fflush(stdout);
	fp = popen(cmd, "r");
	if (!fp)
		return -1;
	while (used < size - 1 &&
	       (n = fread(out + used, 1, size - 1 - used, fp)) > 0)
		used += n;
	out[used] = '\0';
	return pclose(fp);
}

/* Waits 60 s at most for @p, then kills it. */
static void reap(pid_t p)
{
	int i, status;

	for (i = 0; i < 600; i++) {
		if (waitpid(p, &status, WNOHANG) == p)
			return;
		usleep(100000);
	}
	kill(p, SIGKILL);
	waitpid(p, &status, 0);
}

/*
 * @server then @client (each a shell command with one %u for the port),
 * the client's output in @out: 0, or -1 if either failed to start.
 */
static int pair(const char *server, const char *client, char *out,
		size_t size)
{
	char cmd[8192];
	unsigned int port = pick_port();
	pid_t srv;
	int i, ret;

	if (snprintf(cmd, sizeof(cmd), server, port) >= (int)sizeof(cmd))
		return -1;
	srv = background(cmd);
	for (i = 0; i < 300 && !listening(port); i++)
		usleep(20000);
	if (!listening(port)) {
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
		return -1;
	}
	if (snprintf(cmd, sizeof(cmd), client, port) >= (int)sizeof(cmd)) {
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
		return -1;
	}
	ret = capture(cmd, out, size);
	reap(srv);
	return ret ? -1 : 0;
}

/* perftest @prog with @args: field @field (1-based) of its result line. */
static double perftest(const struct daemon *d, const char *prog,
		       const char *args, u32 size, int field)
{
	static char out[OUT_MAX];
	char srv[4096], cli[4200], *l, *save;
	double v;

	if (snprintf(srv, sizeof(srv),
		     "IOVERBS_PROVIDER=%s exec timeout 120 %s run --mount=%s -- %s -d ioverbs0 -p %%u %s",
		     provider, tool, d->mnt, prog, args) >= (int)sizeof(srv) ||
	    snprintf(cli, sizeof(cli), "%s 127.0.0.1 2>/dev/null", srv) >=
		    (int)sizeof(cli))
		die("command too long", -ENAMETOOLONG);
	if (pair(srv, cli, out, sizeof(out)))
		return -1;
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = l, *end;
		int f;

		if (strtoul(p, &end, 10) != size || end == p)
			continue;
		for (f = 1; f < field && *p; f++) {
			p += strspn(p, " \t");
			p += strcspn(p, " \t");
		}
		if (sscanf(p, "%lf", &v) == 1)
			return v;
	}
	return -1;
}

/* fi_pingpong over @prov at @size: usec/xfer and MB/sec, false if none. */
static bool fi_pingpong_once(const char *prov, u32 size, unsigned int iters,
			     double *us, double *mbs)
{
	static char out[OUT_MAX];
	char srv[512], cli[600], *l, *save;

	snprintf(srv, sizeof(srv),
		 "exec timeout 120 fi_pingpong -p %s -e rdm -B %%u -S %u -I %u",
		 prov, size, iters);
	snprintf(cli, sizeof(cli),
		 "timeout 120 fi_pingpong -p %s -e rdm -P %%u -S %u -I %u 127.0.0.1 2>/dev/null",
		 prov, size, iters);
	if (pair(srv, cli, out, sizeof(out)))
		return false;
	/* bytes #sent #ack total time MB/sec usec/xfer Mxfers/sec */
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (sscanf(l, "%*s %*s %*s %*s %*s %lf %lf", mbs, us) == 2)
			return true;
	return false;
}

/*
 * The baseline at @size over @prov: the best of FI_REPS runs (its
 * figures swing widely on a loaded machine), measured once per size and
 * provider so that every line at that size compares with the same one.
 */
#define FI_REPS 3
#define FI_CACHE 16

static bool fi_pingpong(const char *prov, u32 size, unsigned int iters,
			double *us, double *mbs)
{
	static struct {
		const char *prov;
		u32 size;
		bool ok;
		double us, mbs;
	} cache[FI_CACHE];
	static unsigned int used;
	double u, m;
	unsigned int i, r;
	bool ok = false;

	for (i = 0; i < used; i++)
		if (cache[i].prov == prov && cache[i].size == size)
			goto hit;
	*us = 1e30;
	*mbs = 0;
	for (r = 0; r < FI_REPS; r++) {
		if (!fi_pingpong_once(prov, size, iters, &u, &m))
			continue;
		ok = true;
		if (u < *us)
			*us = u;
		if (m > *mbs)
			*mbs = m;
	}
	if (used == FI_CACHE)
		return ok;
	i = used++;
	cache[i].prov = prov;
	cache[i].size = size;
	cache[i].ok = ok;
	cache[i].us = *us;
	cache[i].mbs = *mbs;
hit:
	*us = cache[i].us;
	*mbs = cache[i].mbs;
	return cache[i].ok;
}

static char *size_name(u32 size, char *buf, size_t n)
{
	if (size >= (1u << 20))
		snprintf(buf, n, "%uMiB", size >> 20);
	else if (size >= 1024)
		snprintf(buf, n, "%uKiB", size >> 10);
	else
		snprintf(buf, n, "%uB", size);
	return buf;
}

struct case_ {
	const char *prog;	/* perftest's */
	const char *name;	/* send_lat */
	u32 size;
	unsigned int iters;
	bool bw;
};

static const struct case_ cases[] = {
	{ "ib_send_lat", "send_lat", 2, 1000, false },
	{ "ib_send_lat", "send_lat", 4096, 1000, false },
	{ "ib_write_lat", "write_lat", 2, 1000, false },
	{ "ib_write_bw", "write_bw", 65536, 1000, true },
	{ "ib_write_bw", "write_bw", 1u << 20, 200, true },
	{ "ib_send_bw", "send_bw", 65536, 1000, true },
	{ "ib_send_bw", "send_bw", 1u << 20, 200, true },
};

int main(int argc, char **argv)
{
	static const char *const provs[] = { "shm", "tcp" };
	const char *daemon_path = NULL;
	char def[PATH_MAX + 32], args[64], sn[16], path[PATH_MAX + 16];
	struct daemon d;
	unsigned int i, j;
	double v, us, mbs;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "--daemon=", 9))
			daemon_path = argv[a] + 9;
		else
			die("usage: bench_perftest [--daemon=PATH]", -EINVAL);
	}
	beside(tool, sizeof(tool), "tools/ioverbs");
	beside(provider, sizeof(provider), "provider/libioverbs-rdmav34.so");
	if (access(tool, X_OK) || access(provider, R_OK))
		bench_skip("bench_perftest",
			   "no $(O)/rel/tools/ioverbs or provider (make builds them)");
	daemon_path = daemon_find("bench_perftest", daemon_path, def,
				  sizeof(def));
	daemon_start(&d, daemon_path, "bench_perftest", 1);
	printf("# perftest through ioverbs run (provider, ioverbsd's shared queues) vs fi_pingpong -e rdm, 127.0.0.1\n");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct case_ *c = &cases[i];

		snprintf(path, sizeof(path), "/usr/bin/%s", c->prog);
		if (access(path, X_OK)) {
			printf("# %s: not installed (package perftest)\n",
			       c->prog);
			continue;
		}
		snprintf(args, sizeof(args), "-s %u -n %u", c->size, c->iters);
		/* lat: t_typical, field 5; bw: BW average, field 4 */
		v = perftest(&d, path, args, c->size, c->bw ? 4 : 5);
		if (c->bw && v > 0)
			v *= 1.048576;	/* perftest's MB are 2^20 bytes */
		size_name(c->size, sn, sizeof(sn));
		if (v < 0) {
			printf("bench FAILED: perftest_%s_%s (%s %s)\n", c->name,
			       sn, c->prog, args);
			continue;
		}
		for (j = 0; j < ARRAY_SIZE(provs); j++) {
			if (!fi_pingpong(provs[j], c->size,
					 c->size >= (1u << 20) ? 100 :
					 c->size >= 65536 ? 300 : 2000,
					 &us, &mbs)) {
				printf("bench perftest_%s_%s: %.2f %s (no baseline: fi_pingpong -p %s failed or is not installed)\n",
				       c->name, sn, v, c->bw ? "MB/s" : "us",
				       provs[j]);
				continue;
			}
			if (c->bw)
				printf("bench perftest_%s_%s_vs_%s: %.1f MB/s (baseline fi_pingpong_%s_%s: %.1f MB/s, ratio %.2f)\n",
				       c->name, sn, provs[j], v, provs[j], sn,
				       mbs, mbs > 0 ? v / mbs : 0);
			else
				printf("bench perftest_%s_%s_vs_%s: %.2f us (baseline fi_pingpong_%s_%s: %.2f us, ratio %.2f)\n",
				       c->name, sn, provs[j], v, provs[j], sn,
				       us, us > 0 ? v / us : 0);
		}
	}
	daemon_stop(&d);
	return 0;
}
