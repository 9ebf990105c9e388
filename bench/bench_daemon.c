// SPDX-License-Identifier: MIT
/*
 * A command through ioverbsd against the FUSE round trip it rides on,
 * measured in the same run (docs/design.md, "Quality gates").  Every
 * figure is one line: "bench NAME: VALUE UNIT (baseline BNAME: BVALUE
 * UNIT, ratio R)", ratio = VALUE / BVALUE; lines starting with '#' are
 * remarks.
 *
 * daemon_query_port_CPUS   QUERY_PORT (2 attributes: a PTR_IN of 1 byte,
 *                          a PTR_OUT of 64 bytes) by ioctl on
 *                          MOUNT/uverbs0, built once with ioverbs_port_query_prep()
 *   baseline fuse_noop_CPUS  IVD_CTL_IOCTL_NOOP on MOUNT/ctl: the same 16
 *                          bytes in and none out, answered at once by
 *                          the daemon without the core
 * CPUS is same_cpu (the client and the daemon pinned to one CPU: every
 * round trip is two context switches) or cross_cpu (pinned to two: every
 * round trip is two cross-CPU wake-ups).  The difference between the two
 * figures of a line is what the daemon adds to the transport: the core,
 * the soft device, and the process_vm_readv/writev calls that fetch the
 * attribute array and the PTR_IN and write the PTR_OUT.  A '#' line gives
 * the same command in embedded mode (the core alone, no transport).
 *
 * Method: the daemon (-f, --devices=1) runs on a temporary mount; each
 * figure is the MINIMUM over REPS repetitions of a batch of ITERS
 * operations (CLOCK_MONOTONIC), after a warm-up, the command and the
 * baseline alternating.  Timing is never asserted.
 *
 *   bench_daemon [--daemon=PATH] [-v]
 *
 * PATH defaults to ../daemon/ioverbsd next to this program ($(O)/rel/);
 * without root, /dev/fuse or the daemon it says why and exits 0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/cmd.h>
#include <ioverbs/embedded.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>
#include <rdma/ib_user_verbs.h>

#include "bench.h"
#include "daemon_run.h"
#include "../daemon/ctl.h"

#define ITERS 10000
#define REPS 5

static bool verbose;

struct figure {
	char name[48];
	double s[REPS];
	unsigned int n;
};

static double fig_min(const struct figure *f)
{
	double m = f->s[0];
	unsigned int i;

	for (i = 1; i < f->n; i++)
		if (f->s[i] < m)
			m = f->s[i];
	return m;
}

static void report(const struct figure *f, const struct figure *b)
{
	double v = fig_min(f), bv = fig_min(b);
	unsigned int i;

	if (verbose) {
		printf("# %s:", f->name);
		for (i = 0; i < f->n; i++)
			printf(" %.0f", f->s[i]);
		printf(" ns/op\n# %s:", b->name);
		for (i = 0; i < b->n; i++)
			printf(" %.0f", b->s[i]);
		printf(" ns/op\n");
	}
	printf("bench %s: %.0f ns/op (baseline %s: %.0f ns/op, ratio %.2f)\n",
	       f->name, v, b->name, bv, bv > 0 ? v / bv : 0.0);
}

/*
 * Pins every thread of @pid (0: this thread); threads the daemon starts
 * later inherit it from the thread that starts them.
 */
static void pin(pid_t pid, int cpu)
{
	char path[64];
	struct dirent *de;
	cpu_set_t set;
	DIR *dir;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!pid) {
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity", -errno);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		die("opendir /proc/PID/task", -errno);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' &&
		    sched_setaffinity(atoi(de->d_name), sizeof(set), &set))
			die("sched_setaffinity", -errno);
	closedir(dir);
}

static long query_port_loop(struct ioverbs_cmd *c, int fd, unsigned int n)
{
	unsigned int i;
	long ret;

	for (i = 0; i < n; i++) {
		ret = ioverbs_cmd_exec(c, ioverbs_fd_ioctl, &fd);
		if (ret)
			return ret;
	}
	return 0;
}

static long noop_loop(int ctl, unsigned int n)
{
	u8 buf[16] = { 0 };
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ioctl(ctl, IVD_CTL_IOCTL_NOOP, buf))
			return -errno;
	return 0;
}

/* The same QUERY_PORT in embedded mode: the core and device alone. */
static double embedded_query_port(void)
{
	struct ib_uverbs_query_port_resp resp;
	struct ib_uverbs_file *f;
	struct ioverbs_client e;
	struct ib_device *dev;
	struct ioverbs_cmd c;
	double best = 0;
	u8 port = 1;
	int r, i;

	if (ioverbs_init())
		die("ioverbs_init", -EINVAL);
	dev = soft_device_create(NULL);
	if (IS_ERR(dev))
		die("soft_device_create", PTR_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	if (IS_ERR(f))
		die("ib_uverbs_open", PTR_ERR(f));
	ioverbs_client_init_embedded(&e, f);
	ioverbs_client_spec_set(&e, dev->types, SOFT_DRIVER_ID);
	if (ioverbs_context_get(&e))
		die("embedded GET_CONTEXT", -EINVAL);
	ioverbs_port_query_prep(&e, &c, &port, &resp);
	for (r = 0; r < REPS; r++) {
		u64 t0 = now_ns();
		double v;

		for (i = 0; i < ITERS; i++)
			if (ioverbs_client_exec(&e, &c))
				die("embedded QUERY_PORT", -EINVAL);
		v = (double)(now_ns() - t0) / ITERS;
		if (!r || v < best)
			best = v;
	}
	ib_uverbs_release(f);
	soft_device_destroy(dev);
	return best;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "same_cpu", "cross_cpu" };
	struct ib_uverbs_query_port_resp resp;
	char def[PATH_MAX + 32], path[160];
	const char *daemon_path = NULL;
	struct ioverbs_cmd c;
	struct {
		struct ib_uverbs_query_port_resp resp;
		u8 port;
		struct ioverbs_cmd c;	/* variable-sized: last */
	} *win;
	struct ioverbs_client v;
	struct daemon d;
	int fd, ctl, m, r, ncpu;
	u8 port = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (r = 1; r < argc; r++) {
		if (!strcmp(argv[r], "-v"))
			verbose = true;
		else if (!strncmp(argv[r], "--daemon=", 9))
			daemon_path = argv[r] + 9;
		else
			die("usage: bench_daemon [--daemon=PATH] [-v]",
			    -EINVAL);
	}
	daemon_path = daemon_find("bench_daemon", daemon_path, def,
				  sizeof(def));

	printf("# embedded QUERY_PORT (core and soft device, no transport): %.0f ns/op\n",
	       embedded_query_port());

	daemon_start(&d, daemon_path, "bench_daemon", 1);
	snprintf(path, sizeof(path), "%s/uverbs0", d.mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/ctl", d.mnt);
	ctl = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ctl < 0)
		die("open", -errno);
	ioverbs_client_init_fd(&v, fd);
	ioverbs_client_spec_set(&v, &uverbs_std_types, SOFT_DRIVER_ID);
	if (ioverbs_context_get(&v))
		die("GET_CONTEXT", -EIO);
	ioverbs_port_query_prep(&v, &c, &port, &resp);

	/*
	 * The same command built in a command window (header, attributes
	 * and both buffers in shared memory): no process_vm call at all.
	 */
	win = ioverbs_cmd_window_alloc(4096);
	if (!win)
		die("ioverbs_cmd_window_alloc", -errno);
	win->port = 1;
	ioverbs_port_query_prep(&v, &win->c, &win->port, &win->resp);

	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("# %d ops per repetition, minimum of %d repetitions; %d CPUs\n",
	       ITERS, REPS, ncpu);
	for (m = 0; m < 2; m++) {
		struct figure q = { 0 }, b = { 0 }, w = { 0 };

		if (m == 1 && ncpu < 2) {
			printf("# cross_cpu: one CPU only\n");
			break;
		}
		pin(0, 0);
		pin(d.pid, m);
		snprintf(q.name, sizeof(q.name), "daemon_query_port_%s",
			 modes[m]);
		snprintf(b.name, sizeof(b.name), "fuse_noop_%s", modes[m]);
		/* Warm-up. */
		if (query_port_loop(&c, fd, ITERS / 10) ||
		    noop_loop(ctl, ITERS / 10))
			die("warm-up", -EIO);
		snprintf(w.name, sizeof(w.name), "daemon_query_port_window_%s",
			 modes[m]);
		if (query_port_loop(&win->c, fd, ITERS / 10))
			die("warm-up (window)", -EIO);
		for (r = 0; r < REPS; r++) {
			MEASURE(&q, ITERS, query_port_loop(&c, fd, ITERS));
			MEASURE(&w, ITERS, query_port_loop(&win->c, fd, ITERS));
			MEASURE(&b, ITERS, noop_loop(ctl, ITERS));
		}
		report(&q, &b);
		report(&w, &b);
	}
	if (win->resp.lid == 0)
		die("the window's QUERY_PORT answered no LID", -EIO);
	ioverbs_cmd_window_free(win, 4096);
	close(fd);
	close(ctl);
	daemon_stop(&d);
	rcu_barrier();
	if (compat_live_objects())
		die("live objects at exit", compat_live_objects());
	return 0;
}
