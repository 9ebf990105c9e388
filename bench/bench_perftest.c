// SPDX-License-Identifier: MIT
/*
 * Unmodified perftest through `ioverbs run` on the soft device (the
 * libibverbs provider on a release ioverbsd this program starts), server
 * and client on 127.0.0.1, on two paths, against libfabric's fi_pingpong
 * over its shm and tcp providers, all measured in the same run:
 *
 *   direct   the provider's default: the direct data path between the
 *            two processes wherever the device grants it
 *   relay    IOVERBS_DIRECT=0 in both processes: every message through
 *            the daemon's NIC threads
 *
 * perftest_T_SIZE_PATH_vs_PROV   ib_send_lat, ib_write_lat (2 B, 4 KiB
 *                                for SEND): t_typical, half a round trip;
 *                                ib_read_lat (2 B), ib_atomic_lat (8 B):
 *                                t_typical of a whole round trip
 *   baseline fi_pingpong_PROV_SIZE[_rtt]   fi_pingpong -e rdm -p PROV
 *                                -S SIZE: usec/xfer (total time over
 *                                transfers: one way), twice that (_rtt)
 *                                for READ and atomics; best of FI_REPS
 * perftest_T_SIZE_PATH_vs_PROV   ib_write_bw, ib_send_bw (64 KiB, 1 MiB):
 *                                BW average in MB/s (10^6 bytes: perftest
 *                                prints 2^20), 128 WRs in flight
 *   baseline fi_pingpong_PROV_SIZE         its MB/sec at SIZE, which is
 *                                SIZE over usec/xfer: one message in
 *                                flight (libfabric-bin has no stream test)
 * ..._PATH_pinned_vs_PROV        the latency tests again with both
 *                                processes of each pair (and each
 *                                fi_pingpong) under `taskset -c 0`
 * ..._PATH_pinned_max_vs_PROV    their t_max, the worst exchange (perftest
 *   baseline ..._pinned_mean     leaves out the largest sample); against
 *                                fi_pingpong's pinned mean, the only
 *                                figure it prints: its worst is at least that
 *
 * First, a "#" line per path says which path the QPs of an ib_send_lat
 * pair took, as `ioverbs stat` shows them, and whether that is the path
 * the lines are named after.  At the end, "# goals" says which of issue
 * 12's goals this run's figures meet; the load average, at the start and
 * the end, says how much a busy machine may have slowed the spinning
 * baselines.
 *
 * A latency's ratio is ours over the baseline's (below 1: we are faster),
 * a bandwidth's too (above 1: we are faster).  Each perftest run also
 * prints its whole row in a "#" line.  A run that fails (exit status,
 * timeout, no result line) prints "bench FAILED: NAME: why" and no
 * figure; a program not installed is a "#" line.  docs/bench.md says how
 * to read the figures.
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
#define WHY_MAX 512
#define RUN_SECONDS 60		/* each program of a pair, then SIGTERM */
#define LISTEN_SECONDS 15	/* for a server to listen */
#define EXIT_SECONDS 15		/* for a server to end after its client */
#define PINNED_ITERS 1000	/* a 4 ms stall each: 8 s at worst */
#define FI_REPS 5
#define FI_CACHE 32

static char tool[PATH_MAX], provider[PATH_MAX];
static bool have_fi;
static char srv_log[] = "/tmp/bench_perftest.XXXXXX";
static char cli_log[] = "/tmp/bench_perftest.XXXXXX";

/*
 * "# load average ..." from /proc/loadavg: a busy machine makes every
 * spinning baseline slow, so the reader must know.
 */
static void print_load(const char *when)
{
	double l1, l5, l15;
	FILE *fp = fopen("/proc/loadavg", "re");
	int n = 0;

	if (fp) {
		n = fscanf(fp, "%lf %lf %lf", &l1, &l5, &l15);
		fclose(fp);
	}
	if (n == 3)
		printf("# load average %s: %.2f %.2f %.2f (1, 5, 15 min; %ld CPUs)\n",
		       when, l1, l5, l15, sysconf(_SC_NPROCESSORS_ONLN));
	else
		printf("# load average %s: unknown (no /proc/loadavg)\n", when);
}

/*
 * Whether a TCP socket of ours has local @port: only in LISTEN state if
 * @listen_only, else in any (TIME_WAIT too, which a server without
 * SO_REUSEADDR cannot bind over).
 */
static bool port_in(const char *table, unsigned int port, bool listen_only)
{
	char line[512];
	unsigned int p, st;
	bool yes = false;
	FILE *fp = fopen(table, "re");

	if (!fp)
		return false;
	while (!yes && fgets(line, sizeof(line), fp))
		yes = sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
			     &p, &st) == 2 &&
		      p == port && (!listen_only || st == 0x0a);
	fclose(fp);
	return yes;
}

static bool listening(unsigned int port)
{
	return port_in("/proc/net/tcp", port, true) ||
	       port_in("/proc/net/tcp6", port, true);
}

/* A port below the kernel's ephemeral range that no socket uses. */
static unsigned int pick_port(void)
{
	unsigned int port;

	do
		port = 20000 + (unsigned int)(now_ns() % 12000);
	while (port_in("/proc/net/tcp", port, false) ||
	       port_in("/proc/net/tcp6", port, false));
	return port;
}

/*
 * The line of @text that says what went wrong into @buf: the last one
 * with a word of failure in it (true), else the last non-blank one
 * ("" if none).  A program's stderr comes before its buffered stdout in
 * a pipe, so the error is seldom the last line.
 */
static bool telling_line(const char *text, char *buf, size_t size)
{
	static const char *const words[] = {
		"error", "fail", "couldn't", "unable", "cannot", "can't",
		"timed out", "refused", "denied", "ioverbs:",
	};
	const char *l = text, *end, *pick = NULL, *pick_end = NULL;
	bool told = false;
	char line[512];
	unsigned int i;
	size_t n;

	for (; *l; l = *end ? end + 1 : end) {
		end = strchrnul(l, '\n');
		l += strspn(l, " \t");
		n = (size_t)(end - l);
		while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' ||
			     l[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		for (i = 0; i < ARRAY_SIZE(words) && !strcasestr(line, words[i]);
		     i++)
			;
		if (i < ARRAY_SIZE(words) || !told) {
			pick = l;
			pick_end = l + n;
			told = i < ARRAY_SIZE(words);
		}
	}
	n = pick ? (size_t)(pick_end - pick) : 0;
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, pick, n);
	buf[n] = '\0';
	return told;
}

/* A background program's output (its log file, @log) into @buf. */
static void read_log(const char *log, char *buf, size_t size)
{
	ssize_t n = 0;
	int fd = open(log, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* What wait status @st says, with @who's last words in @text. */
static void describe(char *why, size_t size, const char *who, int st,
		     const char *text)
{
	char last[200], how[64];

	if (WIFEXITED(st) && WEXITSTATUS(st) == 124)
		snprintf(how, sizeof(how), "timed out after %d s", RUN_SECONDS);
	else if (WIFEXITED(st))
		snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(how, sizeof(how), "killed by signal %d",
			 WTERMSIG(st));
	else
		snprintf(how, sizeof(how), "wait status 0x%x", st);
	telling_line(text, last, sizeof(last));
	snprintf(why, size, "%s: %s%s%s", who, how, *last ? ": " : "", last);
}

/* Runs @cmd (sh -c) in the background, its output into @log. */
static pid_t background(const char *cmd, const char *log)
{
	pid_t p;
	int fd;

	fflush(stdout);
	p = fork();
	if (p < 0)
		die("fork", -errno);
	if (p == 0) {
		fd = open(log, O_WRONLY | O_TRUNC);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	return p;
}

/* Waits @seconds at most for @p: true with its status in @st. */
static bool wait_for(pid_t p, int seconds, int *st)
{
	int i;

	for (i = 0; i < seconds * 50; i++) {
		if (waitpid(p, st, WNOHANG) == p)
			return true;
		usleep(20000);
	}
	return false;
}

/*
 * Stops @p, a `timeout` (it forwards SIGTERM to the process group it
 * made for its command), by force if it does not end.
 */
static void stop(pid_t p)
{
	int st;

	kill(p, SIGTERM);
	if (wait_for(p, 10, &st))
		return;
	kill(-p, SIGKILL);
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
}

/* @cmd's output (stdout and stderr) into @out: its wait status. */
static int capture(const char *cmd, char *out, size_t size)
{
	char chunk[4096];
	size_t used = 0, n;
	FILE *fp;

	fflush(stdout);
	fp = popen(cmd, "r");
	if (!fp)
		return -1;
	/* What does not fit is read and dropped, so that @cmd never blocks. */
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (n > size - 1 - used)
			n = size - 1 - used;
		memcpy(out + used, chunk, n);
		used += n;
	}
	out[used] = '\0';
	return pclose(fp);
}

/*
 * @server, then @client once the server listens: shell commands, each
 * with one %u for the port, the client's with its output (stdout and
 * stderr) going to @out.  0 if both ended with status 0, else -1 with the
 * reason in @why.
 */
static int pair(const char *server, const char *client, char *out,
		size_t size, char *why, size_t wsize)
{
	static char log[OUT_MAX];
	char cmd[8192], last[200];
	unsigned int port = pick_port();
	pid_t srv;
	int i, st;

	*out = '\0';
	if (snprintf(cmd, sizeof(cmd), server, port) >= (int)sizeof(cmd))
		die("command too long", -ENAMETOOLONG);
	srv = background(cmd, srv_log);
	for (i = 0; i < LISTEN_SECONDS * 50 && !listening(port); i++) {
		if (waitpid(srv, &st, WNOHANG) == srv) {
			read_log(srv_log, log, sizeof(log));
			describe(why, wsize, "server", st, log);
			return -1;
		}
		usleep(20000);
	}
	if (!listening(port)) {
		stop(srv);
		read_log(srv_log, log, sizeof(log));
		telling_line(log, last, sizeof(last));
		snprintf(why, wsize,
			 "server: not listening on port %u after %d s%s%s",
			 port, LISTEN_SECONDS, *last ? ": " : "", last);
		return -1;
	}
	if (snprintf(cmd, sizeof(cmd), client, port) >= (int)sizeof(cmd))
		die("command too long", -ENAMETOOLONG);
	st = capture(cmd, out, size);
	if (st) {
		stop(srv);
		describe(why, wsize, "client", st, out);
		/* The server may have failed first: say so too. */
		read_log(srv_log, log, sizeof(log));
		if (telling_line(log, last, sizeof(last)))
			snprintf(why + strlen(why), wsize - strlen(why),
				 "; server: %s", last);
		return -1;
	}
	if (!wait_for(srv, EXIT_SECONDS, &st)) {
		stop(srv);
		read_log(srv_log, log, sizeof(log));
		snprintf(why, wsize,
			 "server: still running %d s after the client ended",
			 EXIT_SECONDS);
		return -1;
	}
	if (st) {
		read_log(srv_log, log, sizeof(log));
		describe(why, wsize, "server", st, log);
		return -1;
	}
	return 0;
}

enum kind {
	LAT,	/* half a round trip */
	RTT,	/* a whole round trip: READ, atomics */
	BW,
};

struct test {
	const char *prog;	/* perftest's program */
	const char *name;	/* its part of the lines' names */
	u32 size;
	enum kind kind;
	unsigned int iters;	/* -n when not pinned */
};

static const struct test tests[] = {
	{ "ib_send_lat", "send_lat", 2, LAT, 10000 },
	{ "ib_send_lat", "send_lat", 4096, LAT, 10000 },
	{ "ib_write_lat", "write_lat", 2, LAT, 10000 },
	{ "ib_read_lat", "read_lat", 2, RTT, 10000 },
	{ "ib_atomic_lat", "atomic_lat", 8, RTT, 10000 },
	{ "ib_write_bw", "write_bw", 65536, BW, 5000 },
	{ "ib_write_bw", "write_bw", 1u << 20, BW, 1000 },
	{ "ib_send_bw", "send_bw", 65536, BW, 5000 },
	{ "ib_send_bw", "send_bw", 1u << 20, BW, 1000 },
};

struct path {
	const char *name;
	const char *env;	/* for env(1), both processes */
};

static const struct path paths[] = {
	{ "direct", "" },
	{ "relay", "IOVERBS_DIRECT=0 " },
};

static const char *const provs[] = { "shm", "tcp" };

/* perftest's result row: the fields of a latency test's or a bw test's. */
enum { F_BYTES, F_ITERS, F_MIN, F_MAX, F_TYPICAL, F_AVG, F_STDEV, F_P99,
       F_P999, LAT_FIELDS };
enum { F_BW_PEAK = 2, F_BW_AVG, F_MSG_RATE, BW_FIELDS };

/* The arguments of @t, -n @iters. */
static void perftest_args(const struct test *t, unsigned int iters,
			  char *buf, size_t size)
{
	if (!strcmp(t->prog, "ib_atomic_lat"))
		snprintf(buf, size, "-n %u", iters);	/* 8 B, no -s */
	else
		snprintf(buf, size, "-s %u -n %u", t->size, iters);
}

/* The perftest command of @prog on @path, "%u" for the port. */
static void perftest_cmd(const struct daemon *d, const char *prog,
			 const struct path *path, bool pinned,
			 const char *args, char *buf, size_t size)
{
	if (snprintf(buf, size,
		     "exec env IOVERBS_PROVIDER=%s %s%stimeout -k 5 %d %s run --mount=%s -- /usr/bin/%s -d ioverbs0 -p %%u %s",
		     provider, path->env, pinned ? "taskset -c 0 " : "",
		     RUN_SECONDS, tool, d->mnt, prog, args) >= (int)size)
		die("command too long", -ENAMETOOLONG);
}

/*
 * One pair of @t on @path (@pinned: both on CPU 0): its result row in
 * @v, true; or false with the reason in @why.
 */
static bool perftest(const struct daemon *d, const struct test *t,
		     const struct path *path, bool pinned, double *v,
		     char *why, size_t wsize)
{
	static char out[OUT_MAX];
	char srv[4096], cli[4200], args[64], *l, *save;
	int want = t->kind == BW ? BW_FIELDS : LAT_FIELDS, n;

	perftest_args(t, pinned ? PINNED_ITERS : t->iters, args, sizeof(args));
	perftest_cmd(d, t->prog, path, pinned, args, srv, sizeof(srv));
	snprintf(cli, sizeof(cli), "%s 127.0.0.1 2>&1", srv);
	if (pair(srv, cli, out, sizeof(out), why, wsize))
		return false;
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = l, *end;

		for (n = 0; n < want; n++) {
			v[n] = strtod(p, &end);
			if (end == p)
				break;
			p = end;
		}
		if (n == want && v[F_BYTES] == t->size)
			return true;
	}
	snprintf(why, wsize, "%s printed no result row for %u bytes", t->prog,
		 t->size);
	return false;
}

struct fi_result {
	const char *prov;
	u32 size;
	bool pinned;
	bool ok;
	double us, mbs;		/* usec/xfer, MB/sec */
	char why[WHY_MAX];
};

/* fi_pingpong's iterations: a few seconds at its worst. */
static unsigned int fi_iters(u32 size, bool pinned)
{
	if (pinned)
		return 100;	/* 4 ms a transfer when both spin */
	return size >= (1u << 20) ? 200 : size >= 65536 ? 500 : 5000;
}

static bool fi_pingpong_once(struct fi_result *r, double *us, double *mbs)
{
	static char out[OUT_MAX];
	char srv[512], cli[600], *l, *save;
	const char *pin = r->pinned ? "taskset -c 0 " : "";
	unsigned int iters = fi_iters(r->size, r->pinned);

	snprintf(srv, sizeof(srv),
		 "exec %stimeout -k 5 %d fi_pingpong -p %s -e rdm -B %%u -S %u -I %u",
		 pin, RUN_SECONDS, r->prov, r->size, iters);
	snprintf(cli, sizeof(cli),
		 "exec %stimeout -k 5 %d fi_pingpong -p %s -e rdm -P %%u -S %u -I %u 127.0.0.1 2>&1",
		 pin, RUN_SECONDS, r->prov, r->size, iters);
	if (pair(srv, cli, out, sizeof(out), r->why, sizeof(r->why)))
		return false;
	/* bytes #sent #ack total time MB/sec usec/xfer Mxfers/sec */
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (sscanf(l, "%*s %*s %*s %*s %*s %lf %lf", mbs, us) == 2)
			return true;
	snprintf(r->why, sizeof(r->why), "fi_pingpong printed no result row");
	return false;
}

/*
 * The baseline at @size over @prov: the best of FI_REPS runs (its
 * figures swing widely on a loaded machine), measured once per size,
 * provider and pinning, so that every line at that size compares with
 * the same one.  NULL if no run gave a figure (said once, as a failure).
 */
static const struct fi_result *fi_pingpong(const char *prov, u32 size,
					   bool pinned)
{
	static struct fi_result cache[FI_CACHE];
	static unsigned int used;
	struct fi_result *r;
	char sn[16];
	double us, mbs;
	unsigned int i;

	if (!have_fi)
		return NULL;
	for (i = 0; i < used; i++) {
		r = &cache[i];
		if (r->prov == prov && r->size == size && r->pinned == pinned)
			return r->ok ? r : NULL;
	}
	if (used == FI_CACHE)
		die("fi_pingpong: cache full", -ENOSPC);
	r = &cache[used++];
	r->prov = prov;
	r->size = size;
	r->pinned = pinned;
	r->us = 1e30;
	for (i = 0; i < FI_REPS; i++) {
		if (!fi_pingpong_once(r, &us, &mbs))
			continue;
		r->ok = true;
		if (us < r->us)
			r->us = us;
		if (mbs > r->mbs)
			r->mbs = mbs;
	}
	if (!r->ok)
		printf("bench FAILED: fi_pingpong_%s_%s%s: %s\n", prov,
		       bench_size_name(size, sn, sizeof(sn)), pinned ? "_pinned" : "",
		       r->why);
	return r->ok ? r : NULL;
}

/*
 * Issue 12's goals, from this run's figures: filled as the lines are
 * printed (a negative figure: not measured), said in one "#" line at the
 * end.  A pinned run stalled if its worst exchange took half a time
 * slice or more.
 */
#define STALL_US 2000.0

static struct {
	double send_2b, send_2b_shm;		/* us, direct; fi shm */
	double write_bw_1m, write_bw_1m_shm;	/* MB/s, direct; fi shm */
	double atomic;				/* us, a round trip, direct */
	unsigned int pinned, stalls;		/* pinned runs; stalled ones */
	char stalled[512];
} goals = { -1, -1, -1, -1, -1, 0, 0, "" };

static bool is_direct(const struct path *path)
{
	return path == &paths[0];
}

/* The goals' line: each goal met, not met, or not measured. */
static void print_goals(void)
{
	char send[160], bw[160], atomic[96], stall[640];

	if (goals.send_2b < 0 || goals.send_2b_shm <= 0)
		snprintf(send, sizeof(send), "not measured");
	else
		snprintf(send, sizeof(send), "%s (%.2f us against %.2f us, ratio %.3g)",
			 goals.send_2b <= 2 * goals.send_2b_shm ? "met" : "NOT met",
			 goals.send_2b, goals.send_2b_shm,
			 goals.send_2b / goals.send_2b_shm);
	if (goals.write_bw_1m < 0 || goals.write_bw_1m_shm <= 0)
		snprintf(bw, sizeof(bw), "not measured");
	else
		snprintf(bw, sizeof(bw), "%s (%.0f against %.0f MB/s, ratio %.3g)",
			 goals.write_bw_1m >= goals.write_bw_1m_shm ? "met" :
								      "NOT met",
			 goals.write_bw_1m, goals.write_bw_1m_shm,
			 goals.write_bw_1m / goals.write_bw_1m_shm);
	if (goals.atomic < 0)
		snprintf(atomic, sizeof(atomic), "not measured");
	else
		snprintf(atomic, sizeof(atomic), "%s (%.2f us)",
			 goals.atomic < 5 ? "met" : "NOT met", goals.atomic);
	if (!goals.pinned)
		snprintf(stall, sizeof(stall), "not measured");
	else if (!goals.stalls)
		snprintf(stall, sizeof(stall),
			 "met (no worst exchange over %.0f us in %u runs)",
			 STALL_US, goals.pinned);
	else
		snprintf(stall, sizeof(stall),
			 "NOT met (%u of %u runs with a worst exchange over %.0f us:%s)",
			 goals.stalls, goals.pinned, STALL_US, goals.stalled);
	printf("# goals: ib_send_lat 2 B direct within 2x of fi_pingpong shm: %s; ib_write_bw 1 MiB direct at or above fi_pingpong shm: %s; ib_atomic_lat direct under 5 us: %s; pinned, no 4 ms stall: %s\n",
	       send, bw, atomic, stall);
}

/* The latency lines of @t on @path (@v: perftest's row). */
static void print_lat(const struct test *t, const struct path *path,
		      bool pinned, const double *v)
{
	const char *rtt = t->kind == RTT ? "_rtt" : "";
	double k = t->kind == RTT ? 2 : 1, base;
	const struct fi_result *r;
	char sn[16];
	unsigned int j;

	bench_size_name(t->size, sn, sizeof(sn));
	for (j = 0; j < ARRAY_SIZE(provs); j++) {
		r = fi_pingpong(provs[j], t->size, pinned);
		if (!r)
			continue;
		base = k * r->us;
		if (!pinned && is_direct(path) && j == 0 && t->size == 2 &&
		    !strcmp(t->name, "send_lat")) {
			goals.send_2b = v[F_TYPICAL];
			goals.send_2b_shm = base;
		}
		printf("bench perftest_%s_%s_%s%s_vs_%s: %.2f us (baseline fi_pingpong_%s_%s%s%s: %.2f us, ratio %.3g)\n",
		       t->name, sn, path->name, pinned ? "_pinned" : "",
		       provs[j], v[F_TYPICAL], provs[j], sn,
		       pinned ? "_pinned" : "", rtt, base, v[F_TYPICAL] / base);
		if (pinned)
			printf("bench perftest_%s_%s_%s_pinned_max_vs_%s: %.2f us (baseline fi_pingpong_%s_%s_pinned%s_mean: %.2f us, ratio %.3g)\n",
			       t->name, sn, path->name, provs[j], v[F_MAX],
			       provs[j], sn, rtt, base, v[F_MAX] / base);
	}
}

static void print_bw(const struct test *t, const struct path *path,
		     const double *v)
{
	double mbs = v[F_BW_AVG] * 1.048576;	/* perftest's MB: 2^20 B */
	const struct fi_result *r;
	char sn[16];
	unsigned int j;

	bench_size_name(t->size, sn, sizeof(sn));
	for (j = 0; j < ARRAY_SIZE(provs); j++) {
		r = fi_pingpong(provs[j], t->size, false);
		if (r && is_direct(path) && j == 0 && t->size == (1u << 20) &&
		    !strcmp(t->name, "write_bw")) {
			goals.write_bw_1m = mbs;
			goals.write_bw_1m_shm = r->mbs;
		}
		if (r)
			printf("bench perftest_%s_%s_%s_vs_%s: %.0f MB/s (baseline fi_pingpong_%s_%s: %.0f MB/s, ratio %.3g)\n",
			       t->name, sn, path->name, provs[j], mbs,
			       provs[j], sn, r->mbs, mbs / r->mbs);
	}
}

/* @t on @path: a "#" line with perftest's row, then the bench lines. */
static void measure(const struct daemon *d, const struct test *t,
		    const struct path *path, bool pinned)
{
	double v[LAT_FIELDS];
	char why[WHY_MAX], args[64], sn[16];

	perftest_args(t, pinned ? PINNED_ITERS : t->iters, args, sizeof(args));
	if (!perftest(d, t, path, pinned, v, why, sizeof(why))) {
		printf("bench FAILED: perftest_%s_%s_%s%s: %s %s: %s\n",
		       t->name, bench_size_name(t->size, sn, sizeof(sn)), path->name,
		       pinned ? "_pinned" : "", t->prog, args, why);
		return;
	}
	if (t->kind == BW) {
		printf("# %s %s, %s: BW peak %.2f, average %.2f MB/s (2^20 B), %.6f Mpps\n",
		       t->prog, args, path->name, v[F_BW_PEAK], v[F_BW_AVG],
		       v[F_MSG_RATE]);
		print_bw(t, path, v);
		return;
	}
	printf("# %s %s, %s%s: t_min %.2f, t_typical %.2f, t_avg %.2f, 99%% %.2f, 99.9%% %.2f, t_max %.2f us\n",
	       t->prog, args, path->name, pinned ? ", pinned" : "", v[F_MIN],
	       v[F_TYPICAL], v[F_AVG], v[F_P99], v[F_P999], v[F_MAX]);
	if (!pinned && is_direct(path) && !strcmp(t->name, "atomic_lat"))
		goals.atomic = v[F_TYPICAL];
	if (pinned) {
		size_t used = strlen(goals.stalled);

		goals.pinned++;
		if (v[F_MAX] >= STALL_US) {
			goals.stalls++;
			snprintf(goals.stalled + used,
				 sizeof(goals.stalled) - used,
				 "%s %s_%s %s %.0f us", used ? "," : "",
				 t->name, bench_size_name(t->size, sn, sizeof(sn)),
				 path->name, v[F_MAX]);
		}
	}
	print_lat(t, path, pinned, v);
}

/* The QPs by path that `ioverbs stat` shows: false if it shows none. */
static bool stat_paths(const struct daemon *d, unsigned int *direct,
		       unsigned int *relayed)
{
	static char out[OUT_MAX];
	char cmd[PATH_MAX + 256], *l, *save, *p;
	unsigned int dq, rq;
	bool shown = false;

	*direct = *relayed = 0;
	snprintf(cmd, sizeof(cmd), "exec timeout 10 %s stat -m %s 2>&1", tool,
		 d->mnt);
	if (capture(cmd, out, sizeof(out)))
		return false;
	/* "data path 1 QP with rings: 1 direct, 0 relayed, 0 pending, ..." */
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		p = strstr(l, "with rings:");
		if (!p || sscanf(p, "with rings: %u direct, %u relayed", &dq,
				 &rq) != 2)
			continue;
		shown = true;
		*direct += dq;
		*relayed += rq;
	}
	return shown;
}

/*
 * Which path the two QPs of ib_send_lat take on @path, as `ioverbs stat`
 * shows them while it runs for 2 s: a sentence into @buf; true if both
 * took the path @path names.
 */
static bool path_check(const struct daemon *d, const struct path *path,
		       char *buf, size_t size)
{
	static char log[OUT_MAX];
	char srv[4096], cli[4200], cmd[4200];
	unsigned int port = pick_port(), direct = 0, relayed = 0;
	bool shown = false, want_direct = !*path->env;
	pid_t s, c;
	int i, st = 0;

	perftest_cmd(d, "ib_send_lat", path, false, "-s 2 -D 2", srv,
		     sizeof(srv));
	snprintf(cli, sizeof(cli), "%s 127.0.0.1", srv);
	snprintf(cmd, sizeof(cmd), srv, port);
	s = background(cmd, srv_log);
	for (i = 0; i < LISTEN_SECONDS * 50 && !listening(port); i++)
		usleep(20000);
	snprintf(cmd, sizeof(cmd), cli, port);
	c = background(cmd, cli_log);
	/* Until both QPs are connected, or the client is gone. */
	for (i = 0; i < 100 && direct + relayed < 2; i++) {
		if (waitpid(c, &st, WNOHANG) == c) {
			c = 0;
			break;
		}
		shown |= stat_paths(d, &direct, &relayed);
		usleep(100000);
	}
	if (c && !wait_for(c, RUN_SECONDS, &st))
		stop(c);
	if (!wait_for(s, EXIT_SECONDS, &st))
		stop(s);
	if (direct + relayed >= 2) {
		snprintf(buf, size, "%u QP%s direct, %u relayed", direct,
			 direct == 1 ? "" : "s", relayed);
		return want_direct ? !relayed : !direct;
	}
	if (!shown) {
		snprintf(buf, size,
			 "ioverbs stat shows no data path (a daemon without the direct path: all relayed)");
		return !want_direct;
	}
	read_log(cli_log, log, sizeof(log));
	describe(buf, size, "ib_send_lat did not connect", st, log);
	return false;
}

/* Says which path the _direct and _relay lines measure. */
static void path_checks(const struct daemon *d)
{
	char why[WHY_MAX];
	unsigned int j;

	for (j = 0; j < ARRAY_SIZE(paths); j++) {
		bool ok = path_check(d, &paths[j], why, sizeof(why));

		printf("# path check, %s%s: %s%s\n", paths[j].env,
		       paths[j].name, why,
		       ok ? "" : ": its lines do NOT measure that path");
	}
}
int main(int argc, char **argv)
{
	const char *daemon_path = NULL;
	char def[PATH_MAX + 32], path[PATH_MAX + 16];
	bool have[ARRAY_SIZE(tests)];
	struct daemon d;
	unsigned int i, j;
	int a, fd;
	u64 t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = now_ns();
	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "--daemon=", 9))
			daemon_path = argv[a] + 9;
		else
			die("usage: bench_perftest [--daemon=PATH]", -EINVAL);
	}
	bench_beside(tool, sizeof(tool), "tools/ioverbs");
	bench_beside(provider, sizeof(provider), "provider/libioverbs-rdmav34.so");
	if (access(tool, X_OK) || access(provider, R_OK))
		bench_skip("bench_perftest",
			   "no $(O)/rel/tools/ioverbs or provider (make builds them)");
	daemon_path = daemon_find("bench_perftest", daemon_path, def,
				  sizeof(def));
	fd = mkstemp(srv_log);
	if (fd < 0)
		die("mkstemp", -errno);
	close(fd);
	fd = mkstemp(cli_log);
	if (fd < 0)
		die("mkstemp", -errno);
	close(fd);
	daemon_start(&d, daemon_path, "bench_perftest", 1);
	printf("# perftest through ioverbs run (soft device, 127.0.0.1) vs fi_pingpong -e rdm; each program of a pair under timeout %d s\n",
	       RUN_SECONDS);
	have_fi = !access("/usr/bin/fi_pingpong", X_OK);
	if (!have_fi)
		printf("# fi_pingpong: not installed (package libfabric-bin): no baselines, so perftest's rows only\n");
	print_load("at the start");
	path_checks(&d);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		snprintf(path, sizeof(path), "/usr/bin/%s", tests[i].prog);
		have[i] = !access(path, X_OK);
		if (!have[i])
			printf("# %s: not installed (package perftest)\n",
			       tests[i].prog);
	}
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		for (j = 0; have[i] && j < ARRAY_SIZE(paths); j++)
			measure(&d, &tests[i], &paths[j], false);
	printf("# pinned: both processes of each pair under taskset -c 0 (-n %d; fi_pingpong -I %u)\n",
	       PINNED_ITERS, fi_iters(2, true));
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		for (j = 0; have[i] && tests[i].kind != BW &&
			    j < ARRAY_SIZE(paths); j++)
			measure(&d, &tests[i], &paths[j], true);
	print_goals();
	print_load("at the end");
	daemon_stop(&d);
	printf("# bench_perftest: %.0f s\n", (double)(now_ns() - t0) / 1e9);
	unlink(srv_log);
	unlink(cli_log);
	return 0;
}
