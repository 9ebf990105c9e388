// SPDX-License-Identifier: MIT
/*
 * ioverbs trace, golden: tests/daemon/trace_target.c makes known calls
 * through the library against a test daemon, failing ones included, and
 * the tracer's text is diffed against the text here (pids masked; handles
 * are the context's first ones, so they are known).  The tracer survives
 * garbage headers, pointers into unmapped memory and a program killed in
 * the middle of a command held by the daemon; -c counts a known run; -f
 * follows a fork; -p attaches; a trace of examples/daemon_pingpong reads
 * completely.
 */
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blobfs.h"
#include "fixture.h"

/* Directory of this program: trace_target is built next to it. */
static const char *here(void)
{
	static char dir[PATH_MAX];
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	ASSERT_TRUE(n > 0);
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	ASSERT_TRUE(slash);
	*slash = '\0';
	return dir;
}


#define MAX_ARGS 32

/*
 * Starts `ioverbs trace OPTS... -o OUT -- env ASAN_OPTIONS=... PROG...`
 * (@opts and @prog NULL-terminated; PROG[0] relative to this program's
 * directory unless it has a '/'); the target's stdin and stdout are @in
 * and @out_fd (-1: /dev/null).  Returns the tracer's pid.
 */
static pid_t trace_start(const char *out, const char *const *opts,
			 const char *const *prog, int in, int out_fd)
{
	static char progpath[PATH_MAX + 64];
	const char *argv[MAX_ARGS];
	unsigned int n = 0, i;
	pid_t pid;

	argv[n++] = fx_tool_path();
	argv[n++] = "trace";
	for (i = 0; opts && opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "-o";
	argv[n++] = out;
	argv[n++] = "--";
	/* LeakSanitizer cannot run under ptrace; the target is ASan. */
	argv[n++] = "env";
	argv[n++] = "ASAN_OPTIONS=detect_leaks=0";
	if (strchr(prog[0], '/'))
		snprintf(progpath, sizeof(progpath), "%s", prog[0]);
	else
		snprintf(progpath, sizeof(progpath), "%s/%s", here(), prog[0]);
	argv[n++] = progpath;
	for (i = 1; prog[i]; i++)
		argv[n++] = prog[i];
	argv[n] = NULL;
	ASSERT_TRUE(n < MAX_ARGS);

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		dup2(in >= 0 ? in : null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		/* The target's first file is fd 3, as the golden text says. */
		closefrom(3);
		execv(argv[0], (char **)argv);
		_exit(126);
	}
	return pid;
}

/* The tracer's exit status (200 + N if killed by signal N). */
static int trace_wait(pid_t pid)
{
	int st;

	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static int trace_run(const char *out, const char *const *opts,
		     const char *const *prog)
{
	return trace_wait(trace_start(out, opts, prog, -1, -1));
}

/*
 * The trace file, with "[pid  1234]" masked to "[pid N]" and addresses
 * (0x and 9 hex digits or more) to "0xADDR".
 */
static char *slurp_masked(const char *path)
{
	static char buf[1 << 20];
	char *raw, *r, *w;
	size_t n;
	FILE *fp;

	fp = fopen(path, "r");
	ASSERT_TRUE(fp);
	raw = malloc(sizeof(buf));
	ASSERT_TRUE(raw);
	n = fread(raw, 1, sizeof(buf) - 1, fp);
	raw[n] = '\0';
	fclose(fp);
	for (r = raw, w = buf; *r;) {
		/* Addresses: "0x" and nine hex digits or more. */
		if (!strncmp(r, "0x", 2) && strspn(r + 2, "0123456789abcdef") >= 9) {
			r += 2 + strspn(r + 2, "0123456789abcdef");
			w += sprintf(w, "0xADDR");
			continue;
		}
		if (!strncmp(r, "[pid ", 5)) {
			r += 5;
			while (*r == ' ' || (*r >= '0' && *r <= '9'))
				r++;
			w += sprintf(w, "[pid N");
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	free(raw);
	return buf;
}

static void expect_text(int line, const char *got, const char *want)
{
	if (strcmp(got, want))
		harness_fail(__FILE__, line, "trace differs:\n--- got\n%s--- want\n%s",
			     got, want);
}

static void out_path(const struct fx *fx, char *buf, size_t size)
{
	snprintf(buf, size, "%s/trace.out", fx->dir);
}

static const char golden_want[] =
	"ioctl(3, RDMA_VERBS_IOCTL, {soft GET_CONTEXT, [RESP=out[8]]} => {[RESP={num_comp_vectors=1, num_ports=1}]}) = 0\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft CQ_CREATE, [HANDLE=NEW, CMD={user_handle=0xc0, cqe=16, comp_vector=0}, RESP=out[8]]} => {[HANDLE=1, RESP={cqe=16}]}) = 0\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft CQ_CREATE, [HANDLE=NEW, CMD={user_handle=0xc0, cqe=1073741824, comp_vector=0}, RESP=out[8]]}) = -1 EINVAL (CQ_CREATE: cqe 1073741824 outside 1..65536 (device max_cqe))\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=99]}) = -1 ENOENT (PD_DEALLOC: attr HANDLE (id 0x0): handle 99: no such object)\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft type=77??? action=0???, []}) = -1 EINVAL (length 16 does not fit 0 attributes)\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
	"ioctl(3, RDMA_VERBS_IOCTL_UPSTREAM, {DEVICE QUERY_CONTEXT, [NUM_COMP_VECTORS={len=4, data=0x0, MANDATORY}]}) = -1 ENOTTY\n"
	"write(3, {QUERY_DEVICE, in_words=4, out_words=0}, 16) = -1 EOPNOTSUPP\n"
	"+++ exited with 0 +++\n";

TEST(trace_golden)
{
	const char *prog[] = { "trace_target", "golden", NULL, NULL };
	char out[256];
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, NULL, prog));
	expect_text(__LINE__, slurp_masked(out), golden_want);
	fx_stop(&fx);
}

/* -e keeps what it names; -T and -tt add times (shape checked). */
TEST(trace_filter_and_times)
{
	const char *prog[] = { "trace_target", "golden", NULL, NULL };
	const char *opts[] = { "-e", "object=PD,action=PD_DEALLOC", NULL };
	const char *times[] = { "-tt", "-T", "-e", "action=pd_dealloc", NULL };
	char out[256], *text, *l;
	unsigned int lines = 0;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, opts, prog));
	expect_text(__LINE__, slurp_masked(out),
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=99]}) = -1 ENOENT (PD_DEALLOC: attr HANDLE (id 0x0): handle 99: no such object)\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
		    "+++ exited with 0 +++\n");

	ASSERT_EQ(0, trace_run(out, times, prog));
	text = slurp_masked(out);
	for (l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned int h, m, s, us;
		char tail[16];

		if (strstr(l, "+++"))
			continue;
		/* "HH:MM:SS.uuuuuu ioctl(...) = ... <0.000123>" */
		ASSERT_EQ(4, sscanf(l, "%2u:%2u:%2u.%6u", &h, &m, &s, &us));
		ASSERT_TRUE(l[15] == ' ' && !strncmp(l + 16, "ioctl(3, ", 9));
		ASSERT_EQ(1, sscanf(strrchr(l, '<'), "<%*u.%6[0-9]>", tail));
		ASSERT_EQ(6, (int)strlen(tail));
		lines++;
	}
	ASSERT_EQ(2, lines);
	fx_stop(&fx);
}

/* One row of -c's table. */
struct row {
	unsigned long calls, errors;
	char obj[32], act[32];
};

static unsigned int read_summary(const char *path, struct row *rows,
				 unsigned int max)
{
	char line[512];
	unsigned int n = 0;
	FILE *fp = fopen(path, "r");

	ASSERT_TRUE(fp);
	while (fgets(line, sizeof(line), fp)) {
		struct row r = { 0 };
		double pct, secs, us;

		if (sscanf(line, "%lf %lf %lf %lu %lu %31s %31s", &pct, &secs,
			   &us, &r.calls, &r.errors, r.obj, r.act) == 7) {
			ASSERT_TRUE(n < max);
			rows[n++] = r;
		} else if (sscanf(line, "%lf %lf %lf %lu %lu total", &pct,
				  &secs, &us, &r.calls, &r.errors) == 5) {
			ASSERT_TRUE(n < max);
			strcpy(r.obj, "total");
			rows[n++] = r;
		}
	}
	fclose(fp);
	return n;
}

static const struct row *row_of(const struct row *rows, unsigned int n,
				const char *obj, const char *act)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].obj, obj) &&
		    (!act || !strcmp(rows[i].act, act)))
			return &rows[i];
	harness_fail(__FILE__, __LINE__, "no row %s %s", obj, act ? act : "");
	return NULL;
}

TEST(trace_count)
{
	const char *loop[] = { "trace_target", "loop", NULL, "25", NULL };
	const char *golden[] = { "trace_target", "golden", NULL, NULL };
	const char *opts[] = { "-c", NULL };
	struct row rows[16];
	char out[256];
	unsigned int n;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	loop[2] = golden[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, opts, loop));
	n = read_summary(out, rows, 16);
	ASSERT_EQ(4, n);
	ASSERT_EQ(25, row_of(rows, n, "PD", "PD_ALLOC")->calls);
	ASSERT_EQ(25, row_of(rows, n, "PD", "PD_DEALLOC")->calls);
	ASSERT_EQ(1, row_of(rows, n, "DEVICE", "GET_CONTEXT")->calls);
	ASSERT_EQ(51, row_of(rows, n, "total", NULL)->calls);
	ASSERT_EQ(0, row_of(rows, n, "total", NULL)->errors);

	ASSERT_EQ(0, trace_run(out, opts, golden));
	n = read_summary(out, rows, 16);
	ASSERT_EQ(8, n);
	ASSERT_EQ(1, row_of(rows, n, "PD", "PD_ALLOC")->calls);
	ASSERT_EQ(0, row_of(rows, n, "PD", "PD_ALLOC")->errors);
	ASSERT_EQ(2, row_of(rows, n, "CQ", "CQ_CREATE")->calls);
	ASSERT_EQ(1, row_of(rows, n, "CQ", "CQ_CREATE")->errors);
	ASSERT_EQ(2, row_of(rows, n, "PD", "PD_DEALLOC")->calls);
	ASSERT_EQ(1, row_of(rows, n, "PD", "PD_DEALLOC")->errors);
	ASSERT_EQ(1, row_of(rows, n, "77???", "0???")->errors);
	ASSERT_EQ(1, row_of(rows, n, "write", "QUERY_DEVICE")->errors);
	ASSERT_EQ(1, row_of(rows, n, "DEVICE", "QUERY_CONTEXT")->errors);
	ASSERT_EQ(9, row_of(rows, n, "total", NULL)->calls);
	ASSERT_EQ(5, row_of(rows, n, "total", NULL)->errors);
	fx_stop(&fx);
}

TEST(trace_garbage_survives)
{
	const char *prog[] = { "trace_target", "garbage", NULL, NULL };
	static const char *const want[] = {
		"{soft PD_ALLOC, length=200???, [HANDLE=NEW]}) = -1 EINVAL (length 200 does not fit 1 attributes)\n",
		"length=200???, num_attrs=60000???, [",
		"{soft PD_ALLOC, flags=0x1???, [HANDLE=NEW]}) = -1 EOPNOTSUPP (flags 0x1: none are supported)\n",
		"{driver=0x1234??? PD action=9???, reserved=0x5???, [attr0???" "={len=0, ptr_idr=0x0}]}) = -1 EINVAL (header reserved is not zero)\n",
		"{soft PD_ALLOC, [attr40???" "={len=0, ptr_idr=0x0}, vendor.7???" "={len=8, ptr_idr=0x10}]}) = -1 EINVAL (PD_ALLOC: attr ??" "? (id 0x28): not in the action's spec)\n",
		/* the kernel refused it: no reason, not the previous one */
		"ioctl(3, RDMA_VERBS_IOCTL, 0x10) = -1 EFAULT\n",
		"{soft PD_ALLOC, attrs=0xADDR(1, unreadable)}) = -1 EFAULT (attribute array not readable)\n",
		"{soft CQ_CREATE, [HANDLE=NEW, CMD=0xADDR(16 bytes, unreadable), RESP=out[8]]}) = -1 EFAULT (CQ_CREATE: attr CMD (id 0x1): PTR_IN not readable)\n",
		"+++ exited with 3 +++\n",
	};
	char out[256], *text;
	unsigned int i;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	/* The program's own exit status, through the tracer. */
	ASSERT_EQ(3, trace_run(out, NULL, prog));
	text = slurp_masked(out);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			harness_fail(__FILE__, __LINE__, "no \"%s\" in:\n%s",
				     want[i], text);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}

static const char fork_want[] =
	"ioctl(3, RDMA_VERBS_IOCTL, {soft GET_CONTEXT, [RESP=out[8]]} => {[RESP={num_comp_vectors=1, num_ports=1}]}) = 0\n"
	"[pid N] ioctl(4, RDMA_VERBS_IOCTL, {soft GET_CONTEXT, [RESP=out[8]]} => {[RESP={num_comp_vectors=1, num_ports=1}]}) = 0\n"
	"[pid N] ioctl(4, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
	"[pid N] ioctl(4, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
	"[pid N] +++ exited with 0 +++\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
	"ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
	"+++ exited with 0 +++\n";

TEST(trace_follows_fork)
{
	const char *prog[] = { "trace_target", "fork", NULL, NULL };
	const char *opts[] = { "-f", NULL };
	char out[256];
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, opts, prog));
	expect_text(__LINE__, slurp_masked(out), fork_want);
	/* Without -f: the parent's lines only, and the child still works. */
	ASSERT_EQ(0, trace_run(out, NULL, prog));
	expect_text(__LINE__, slurp_masked(out),
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft GET_CONTEXT, [RESP=out[8]]} => {[RESP={num_comp_vectors=1, num_ports=1}]}) = 0\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
		    "+++ exited with 0 +++\n");
	fx_stop(&fx);
}

/* Each thread's failure shows its own reason (keyed by the thread). */
TEST(trace_follows_threads)
{
	const char *prog[] = { "trace_target", "threads", NULL, NULL };
	const char *opts[] = { "-f", NULL };
	char out[256];
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, opts, prog));
	expect_text(__LINE__, slurp_masked(out),
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft GET_CONTEXT, [RESP=out[8]]} => {[RESP={num_comp_vectors=1, num_ports=1}]}) = 0\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=8]}) = -1 ENOENT (PD_DEALLOC: attr HANDLE (id 0x0): handle 8: no such object)\n"
		    "[pid N] ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=7]}) = -1 ENOENT (PD_DEALLOC: attr HANDLE (id 0x0): handle 7: no such object)\n"
		    "[pid N] ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
		    "[pid N] ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=9]}) = -1 ENOENT (PD_DEALLOC: attr HANDLE (id 0x0): handle 9: no such object)\n"
		    "+++ exited with 0 +++\n");
	fx_stop(&fx);
}

/* Has @pid a tracer? */
static bool traced(pid_t pid)
{
	char path[64], line[128];
	bool yes = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "TracerPid:", 10))
			yes = atoi(line + 10) != 0;
	fclose(fp);
	return yes;
}

/* Reads "ready..." from @fd within 20 s. */
static void wait_ready(int fd, char *line, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	ASSERT_EQ(1, poll(&p, 1, 20000));
	n = read(fd, line, size - 1);
	ASSERT_TRUE(n > 0);
	line[n] = '\0';
	ASSERT_TRUE(!strncmp(line, "ready", 5));
}

TEST(trace_attaches)
{
	char out[256], pidarg[16], line[64], path[PATH_MAX + 32];
	int in[2], ready[2], st, i;
	pid_t target, tracer;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	out_path(&fx, out, sizeof(out));
	ASSERT_OK(pipe(in) ? -errno : 0);
	ASSERT_OK(pipe(ready) ? -errno : 0);
	snprintf(path, sizeof(path), "%s/trace_target", here());
	target = fork();
	ASSERT_TRUE(target >= 0);
	if (!target) {
		dup2(in[0], 0);
		dup2(ready[1], 1);
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		closefrom(3);
		execl(path, path, "wait", fx.mnt, (char *)NULL);
		_exit(126);
	}
	close(in[0]);
	close(ready[1]);
	wait_ready(ready[0], line, sizeof(line));
	snprintf(pidarg, sizeof(pidarg), "%d", (int)target);
	{
		/* -p takes a pid, not a program: trace_start() wants one. */
		const char *argv[] = { fx_tool_path(), "trace", "-o", out, "-p", pidarg,
				       NULL };

		tracer = fork();
		ASSERT_TRUE(tracer >= 0);
		if (!tracer) {
			closefrom(3);
			execv(argv[0], (char **)argv);
			_exit(126);
		}
	}
	for (i = 0; i < 2000 && !traced(target); i++)
		usleep(10000);
	ASSERT_TRUE(traced(target));
	ASSERT_EQ(3, (int)write(in[1], "go\n", 3));
	ASSERT_EQ(target, waitpid(target, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_EQ(0, trace_wait(tracer));
	expect_text(__LINE__, slurp_masked(out),
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [HANDLE=NEW]} => {[HANDLE=0]}) = 0\n"
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft PD_DEALLOC, [HANDLE=0]}) = 0\n"
		    "+++ exited with 0 +++\n");
	close(in[1]);
	close(ready[0]);
	fx_stop(&fx);
}

/*
 * The traced program dies (SIGKILL) while the daemon holds its command:
 * the tracer prints the unfinished call, the death, and exits 128 + 9.
 */
TEST(trace_killed_mid_command)
{
	char out[256], blob[64], line[64];
	const char *prog[] = { "trace_target", "held", NULL, blob, NULL };
	int hold[2], ready[2];
	pid_t tracer, target;
	struct blobfs b;
	struct fx fx;
	char *text;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(pipe(hold) ? -errno : 0);
	ASSERT_OK(pipe(ready) ? -errno : 0);
	blobfs_start(&b, hold[0]);
	snprintf(blob, sizeof(blob), "%s/blob", b.dir);
	prog[2] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	tracer = trace_start(out, NULL, prog, -1, ready[1]);
	close(ready[1]);
	wait_ready(ready[0], line, sizeof(line));
	/* "ready PID": the traced program's pid. */
	target = (pid_t)atoi(line + 5);
	ASSERT_TRUE(target > 0);
	{
		char path[64], buf[256];
		int i;

		/* Held: the thread sleeps in the ioctl, in the daemon's hands. */
		snprintf(path, sizeof(path), "/proc/%d/syscall", (int)target);
		for (i = 0; i < 500; i++) {
			FILE *fp = fopen(path, "r");
			long nr = -1;

			if (fp) {
				if (fgets(buf, sizeof(buf), fp))
					nr = atol(buf);
				fclose(fp);
			}
			if (nr == 16)	/* __NR_ioctl on x86_64 */
				break;
			usleep(10000);
		}
		ASSERT_TRUE(i < 500);
	}
	usleep(100000);
	ASSERT_OK(kill(target, SIGKILL) ? -errno : 0);
	/* Let the daemon's copy finish, so that the command ends. */
	ASSERT_EQ(1, (int)write(hold[1], "x", 1));
	ASSERT_EQ(128 + SIGKILL, trace_wait(tracer));
	text = slurp_masked(out);
	if (!strstr(text, "QUERY_PORT") && !strstr(text, "type=0 action=2"))
		harness_fail(__FILE__, __LINE__, "no QUERY_PORT in:\n%s", text);
	if (!strstr(text, ") = ?\n+++ killed by SIGKILL +++\n"))
		harness_fail(__FILE__, __LINE__, "no unfinished call in:\n%s",
			     text);
	blobfs_stop(&b);
	close(hold[1]);
	close(ready[0]);
	fx_wait_released(&fx, 0, fx_live_objects_settled(&fx));
	fx_stop(&fx);
}

/* A whole run of examples/daemon_pingpong: every line complete. */
TEST(trace_pingpong_reads_completely)
{
	char pingpong[PATH_MAX + 64], out[256], *text, *l;
	const char *prog[] = { pingpong, NULL, "uverbs0", "20", NULL };
	const char *opts[] = { "-f", NULL };
	unsigned int calls = 0, child = 0, exits = 0;
	struct fx fx;

	snprintf(pingpong, sizeof(pingpong), "%s/../../examples/daemon_pingpong",
		 here());
	fx_start(&fx, "--mode=0666", NULL);
	prog[1] = fx.mnt;
	out_path(&fx, out, sizeof(out));
	ASSERT_EQ(0, trace_run(out, opts, prog));
	text = slurp_masked(out);
	for (l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		if (strstr(l, "+++ exited with 0 +++")) {
			exits++;
			continue;
		}
		if (!strncmp(l, "[pid N] ", 8)) {
			child++;
			l += 8;
		}
		if (strncmp(l, "ioctl(", 6) || !strstr(l, "RDMA_VERBS_IOCTL, {") ||
		    strcmp(l + strlen(l) - 5, ") = 0") || strstr(l, "???"))
			harness_fail(__FILE__, __LINE__, "not a complete call: %s",
				     l);
		calls++;
	}
	ASSERT_EQ(2, exits);
	ASSERT_TRUE(child >= 10);
	ASSERT_TRUE(calls - child >= 10);
	fx_stop(&fx);
}

/*
 * The ctl file's "reason PID TID": a thread's reason as read() would give
 * it, without taking it; from the file the thread failed on last, with a
 * sequence number that grows with every reason stored.
 */
TEST(trace_ctl_reason_peeks)
{
	char cmd[64], ans[512], text[256], dev[32];
	const char *want = "PD_DEALLOC: attr HANDLE (id 0x0): handle 9: no such object";
	long seq1, seq2;
	int fd, fd1;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	fd1 = fx_open(&fx, "uverbs1", O_RDWR);
	ASSERT_TRUE(fd >= 0 && fd1 >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_get_context(fd1));
	snprintf(cmd, sizeof(cmd), "reason %d %d", (int)getpid(), (int)gettid());
	/* Nothing failed yet. */
	ASSERT_ERRNO(-ENOENT, fx_ctl(&fx, cmd, ans, sizeof(ans)));
	ASSERT_TRUE(strstr(ans, "no reason waits for that thread") != NULL);

	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, 9));
	ASSERT_OK(fx_ctl(&fx, cmd, ans, sizeof(ans)));
	ASSERT_EQ(3, sscanf(ans, "reason %31s %ld %255[^\n]", dev, &seq1, text));
	ASSERT_TRUE(!strcmp(dev, "uverbs0") && seq1 > 0 && !strcmp(text, want));
	/* Asked twice: still there. */
	ASSERT_OK(fx_ctl(&fx, cmd, ans, sizeof(ans)));
	ASSERT_EQ(3, sscanf(ans, "reason %31s %ld %255[^\n]", dev, &seq2, text));
	ASSERT_EQ(seq1, seq2);
	/* A later failure on the other file is the one answered. */
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd1, 8));
	ASSERT_OK(fx_ctl(&fx, cmd, ans, sizeof(ans)));
	ASSERT_EQ(3, sscanf(ans, "reason %31s %ld %255[^\n]", dev, &seq2, text));
	ASSERT_TRUE(!strcmp(dev, "uverbs1") && seq2 > seq1);
	ASSERT_TRUE(strstr(text, "handle 8: no such object") != NULL);
	/* The thread still reads its own, which takes it. */
	ASSERT_EQ((ssize_t)strlen(want) + 1, read(fd, text, sizeof(text)));
	ASSERT_TRUE(!strncmp(text, want, strlen(want)));
	ASSERT_TRUE(read(fd1, text, sizeof(text)) > 0);
	ASSERT_ERRNO(-ENOENT, fx_ctl(&fx, cmd, ans, sizeof(ans)));
	/* Another thread, another process, garbage: refused. */
	snprintf(cmd, sizeof(cmd), "reason %d %d", (int)getpid(), (int)getpid() + 1);
	ASSERT_ERRNO(-ENOENT, fx_ctl(&fx, cmd, ans, sizeof(ans)));
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "reason 12x 3", ans, sizeof(ans)));
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "reason 1", ans, sizeof(ans)));
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "reason 1 2 3", ans, sizeof(ans)));
	ASSERT_TRUE(strstr(ans, "usage: reason PID TID") != NULL);
	close(fd);
	close(fd1);
	fx_stop(&fx);
}
