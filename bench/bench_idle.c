// SPDX-License-Identifier: MIT
/*
 * What idleness costs: a release ioverbsd this program starts, first
 * alone, then serving two clients (tests/provider/idle.c through
 * `ioverbs run`, the libibverbs provider) that connected 10 RC QPs to
 * each other, exchanged a message on each and went to sleep: the main
 * thread in ibv_get_cq_event() (CQ armed, a receive posted on every QP),
 * another in ibv_get_async_event().  Over IDLE_SECONDS each, from /proc:
 *
 * idle_daemon_cpu_10qp        the daemon's utime+stime (/proc/PID/stat),
 *   baseline                  the same daemon with no client
 * idle_daemon_runtime_10qp    the daemon's threads' run time
 *                             (/proc/PID/task/TID/schedstat, ns precise
 *                             where utime+stime counts 10 ms ticks)
 * idle_daemon_wakeups_10qp    the daemon's threads' context switches
 *                             (voluntary + involuntary, /proc/.../status)
 * idle_clients_cpu_10qp, idle_clients_runtime_10qp,
 * idle_clients_wakeups_10qp   the same for both clients together,
 *   baseline                  the daemon with no client (what a process
 *                             asleep costs)
 *
 * A ratio is ours over the baseline's; "-" when the baseline is 0 (both
 * asleep).  Threads that woke are listed in "#" lines.  Nothing is
 * asserted (tests/daemon/test_pingpong.c, idle_qps_wake_nobody, counts
 * wake-ups).
 *
 *   bench_idle [--daemon=PATH]
 *
 * The tool, the provider and the client are found beside this program
 * ($(O)/rel/tools/ioverbs, $(O)/rel/provider/, $(O)/rel/tests/provider/idle).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "bench.h"
#include "daemon_run.h"

#define IDLE_SECONDS 10
#define IDLE_QPS "10"

static char tool[PATH_MAX], provider[PATH_MAX], client[PATH_MAX];

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* One thread at one moment: its context switches and run time. */
struct thread_use {
	int tid;
	unsigned long long switches, run_ns;
};

/*
 * struct proc_snap - a process at one moment
 * @ticks: utime + stime of /proc/PID/stat (clock ticks, all its threads,
 *	those that exited too)
 * @t: each live thread (schedstat: run time in ns; status: voluntary and
 *	involuntary context switches)
 */
struct proc_snap {
	pid_t pid;
	unsigned long long ticks;
	int n;
	struct thread_use t[256];
};

static void thread_use(pid_t pid, int tid, struct thread_use *u)
{
	char path[64], buf[4096], *l;
	unsigned long long v;

	u->tid = tid;
	u->switches = u->run_ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid,
		 tid);
	if (!read_text(path, buf, sizeof(buf)) &&
	    sscanf(buf, "%llu", &v) == 1)
		u->run_ns = v;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid,
		 tid);
	if (read_text(path, buf, sizeof(buf)))
		return;
	for (l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (sscanf(l, "voluntary_ctxt_switches: %llu", &v) == 1 ||
		    sscanf(l, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			u->switches += v;
}

static void proc_snap(pid_t pid, struct proc_snap *s)
{
	char path[64], buf[4096], *p;
	unsigned long long ut = 0, st = 0;
	struct dirent *de;
	DIR *dir;

	s->pid = pid;
	s->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		die("reading /proc/PID/stat", -ESRCH);
	/* After the command's ")": state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		die("parsing /proc/PID/stat", -EINVAL);
	s->ticks = ut + st;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		die("opendir /proc/PID/task", -errno);
	while ((de = readdir(dir)) && s->n < 256)
		if (de->d_name[0] != '.')
			thread_use(pid, atoi(de->d_name), &s->t[s->n++]);
	closedir(dir);
}

/* What a process cost between two snaps. */
struct cost {
	unsigned long long ticks, run_ns, switches;
};

/*
 * From @a to @b, into @c: a thread born meanwhile counts from 0, one that
 * ended counts one switch (it woke to end; its run time is lost).  Each
 * thread that woke is a "#" line, @who's.
 */
static void proc_cost(const struct proc_snap *a, const struct proc_snap *b,
		      const char *who, struct cost *c)
{
	char path[64], comm[64];
	int i, j;

	c->ticks = b->ticks - a->ticks;
	c->run_ns = c->switches = 0;
	for (i = 0; i < b->n; i++) {
		struct thread_use was = { .tid = b->t[i].tid };

		for (j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid)
				was = a->t[j];
		if (b->t[i].switches == was.switches)
			continue;
		c->switches += b->t[i].switches - was.switches;
		c->run_ns += b->t[i].run_ns - was.run_ns;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm",
			 (int)b->pid, b->t[i].tid);
		if (read_text(path, comm, sizeof(comm)))
			strcpy(comm, "?\n");
		comm[strcspn(comm, "\n")] = '\0';
		printf("# %s: thread %d (%s): %llu context switches, %.1f us\n",
		       who, b->t[i].tid, comm, b->t[i].switches - was.switches,
		       (double)(b->t[i].run_ns - was.run_ns) / 1e3);
	}
	for (j = 0; j < a->n; j++) {
		for (i = 0; i < b->n && b->t[i].tid != a->t[j].tid; i++)
			;
		if (i < b->n)
			continue;
		c->switches++;
		printf("# %s: thread %d ended\n", who, a->t[j].tid);
	}
}

static void line(const char *name, double v, const char *base, double b,
		 const char *unit)
{
	if (b > 0)
		printf("bench %s: %.2f %s (baseline %s: %.2f %s, ratio %.2f)\n",
		       name, v, unit, base, b, unit, v / b);
	else
		printf("bench %s: %.2f %s (baseline %s: %.2f %s, ratio -)\n",
		       name, v, unit, base, b, unit);
}

/* @pid's descendant (itself included) named @comm: its pid, or 0. */
static pid_t descendant_named(pid_t pid, const char *comm)
{
	char path[64], buf[4096], *tok, *save;
	pid_t found = 0;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, comm))
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " \n", &save); tok && !found;
	     tok = strtok_r(NULL, " \n", &save))
		found = descendant_named((pid_t)atoi(tok), comm);
	return found;
}

/* `ioverbs run -- idle ...` as @name with @peer, output into @out. */
static pid_t start_client(struct daemon *d, const char *name,
			  const char *peer, const char *out)
{
	char mnt_opt[160];
	pid_t p;
	int fd;

	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", d->mnt);
	fflush(stdout);
	p = fork();
	if (p < 0)
		die("fork", -errno);
	if (p == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		setenv("IOVERBS_PROVIDER", provider, 1);
		execl(tool, tool, "run", mnt_opt, "--", client, "ioverbs0",
		      d->dir, name, peer, IDLE_QPS, NULL);
		_exit(127);
	}
	return p;
}

/* Waits 60 s at most for "idle" in @out. */
static bool client_idle(const char *out)
{
	char buf[4096];
	int i;

	for (i = 0; i < 600; i++) {
		if (!read_text(out, buf, sizeof(buf)) && strstr(buf, "idle\n"))
			return true;
		usleep(100000);
	}
	return false;
}

static double ms(unsigned long long ticks)
{
	return (double)ticks * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
	static struct proc_snap d0, d1, c0[2], c1[2], b0, b1;
	char out[2][160], dbuf[PATH_MAX + 32];
	struct cost alone, dmn, cl[2];
	const char *dpath = NULL;
	pid_t run[2], prog[2];
	struct daemon d;
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--daemon=", 9))
			dpath = argv[i] + 9;
	dpath = daemon_find("bench_idle", dpath, dbuf, sizeof(dbuf));
	bench_beside(tool, sizeof(tool), "tools/ioverbs");
	bench_beside(provider, sizeof(provider), "provider/libioverbs-rdmav34.so");
	bench_beside(client, sizeof(client), "tests/provider/idle");
	if (access(tool, X_OK) || access(provider, R_OK) ||
	    access(client, X_OK))
		bench_skip("bench_idle",
			   "no tool, provider or idle client (make $(O)/rel/tests/provider/idle)");
	daemon_start(&d, dpath, "bench_idle", 1);
	printf("# idle: %d s each, the daemon alone then with two clients of %s RC QPs each, asleep\n",
	       IDLE_SECONDS, IDLE_QPS);

	/* The daemon alone. */
	sleep(1);
	proc_snap(d.pid, &b0);
	sleep(IDLE_SECONDS);
	proc_snap(d.pid, &b1);
	proc_cost(&b0, &b1, "alone: daemon", &alone);

	/* Two clients, connected, asleep. */
	for (i = 0; i < 2; i++) {
		snprintf(out[i], sizeof(out[i]), "%s/%c.out", d.dir, 'a' + i);
		run[i] = start_client(&d, i ? "b" : "a", i ? "a" : "b",
				      out[i]);
	}
	for (i = 0; i < 2; i++) {
		if (!client_idle(out[i])) {
			kill(run[0], SIGKILL);
			kill(run[1], SIGKILL);
			daemon_stop(&d);
			die("a client never went idle", -ETIMEDOUT);
		}
		prog[i] = descendant_named(run[i], "idle");
		if (!prog[i])
			die("no idle client process", -ESRCH);
	}
	/*
	 * The last turns' spins and watchdog ticks end, and the workers
	 * beyond the kept ones leave (2 s idle): what is left is idleness.
	 */
	sleep(3);
	proc_snap(d.pid, &d0);
	for (i = 0; i < 2; i++)
		proc_snap(prog[i], &c0[i]);
	sleep(IDLE_SECONDS);
	proc_snap(d.pid, &d1);
	for (i = 0; i < 2; i++)
		proc_snap(prog[i], &c1[i]);
	proc_cost(&d0, &d1, "10 QPs: daemon", &dmn);
	for (i = 0; i < 2; i++)
		proc_cost(&c0[i], &c1[i], i ? "10 QPs: client b" :
					      "10 QPs: client a", &cl[i]);
	for (i = 0; i < 2; i++) {
		kill(prog[i], SIGTERM);
		if (waitpid(run[i], NULL, 0) != run[i])
			printf("# client %d: waitpid failed\n", i);
		unlink(out[i]);
		snprintf(out[i], sizeof(out[i]), "%s/%c.info", d.dir, 'a' + i);
		unlink(out[i]);
	}
	daemon_stop(&d);

	line("idle_daemon_cpu_10qp", ms(dmn.ticks), "idle_daemon_cpu_alone",
	     ms(alone.ticks), "ms/10s");
	line("idle_daemon_runtime_10qp", (double)dmn.run_ns / 1e3,
	     "idle_daemon_runtime_alone", (double)alone.run_ns / 1e3,
	     "us/10s");
	line("idle_daemon_wakeups_10qp", (double)dmn.switches,
	     "idle_daemon_wakeups_alone", (double)alone.switches,
	     "switches/10s");
	line("idle_clients_cpu_10qp", ms(cl[0].ticks + cl[1].ticks),
	     "idle_daemon_cpu_alone", ms(alone.ticks), "ms/10s");
	line("idle_clients_runtime_10qp",
	     (double)(cl[0].run_ns + cl[1].run_ns) / 1e3,
	     "idle_daemon_runtime_alone", (double)alone.run_ns / 1e3,
	     "us/10s");
	line("idle_clients_wakeups_10qp",
	     (double)(cl[0].switches + cl[1].switches),
	     "idle_daemon_wakeups_alone", (double)alone.switches,
	     "switches/10s");
	return 0;
}
