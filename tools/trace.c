// SPDX-License-Identifier: MIT
/*
 * ioverbs trace: strace for verbs commands.
 *
 *	ioverbs trace [-f] [-o FILE] [-tt] [-T] [-c] [-e object=..,action=..]
 *		      [-p PID | -- CMD ARGS...]
 *
 * Every RDMA_VERBS_IOCTL and RDMA_DIRECT_IOCTL of the traced program is
 * decoded from the ABI alone (the ioctl number, the header, its driver_id
 * and the attribute array: never which file it went to) by lib/'s
 * decoder and the spec tables built into the tool (the soft device's,
 * the standard ones for other drivers); the upstream RDMA_VERBS_IOCTL and
 * legacy write() commands on a uverbs file are named from upstream's
 * headers (trace_upstream.c).  A failed command shows its reason (Rule 23)
 * when the daemon tells it ("reason PID TID" on its ctl file, root only),
 * its errno otherwise.
 *
 * A program started by the tracer runs under a seccomp filter that stops
 * only ioctl() with this ABI's request numbers and write(): every other
 * system call runs at full speed.  Since a thread or child without a
 * tracer would get ENOSYS from that filter, a started program's whole
 * tree is always followed; -f decides what is printed.  With -p there is
 * no filter: plain system-call stops.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <ioverbs/decode.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>

#include "ioverbs.h"
#include "trace.h"

/* Upstream's RDMA_VERBS_IOCTL: _IOWR(0x1b, 1, 24-byte header). */
#define UPSTREAM_VERBS_IOCTL 0xc0181b01u

enum call_kind { CALL_NONE, CALL_SEED, CALL_UPSTREAM, CALL_WRITE };

/* One traced thread. */
struct tracee {
	pid_t tid;
	pid_t tgid;
	bool shown;		/* its lines are printed (-f, or the first) */
	bool fresh;		/* auto-attached, its first SIGSTOP not seen */
	enum call_kind kind;	/* the call between entry and exit, if any */
	int fd;
	long reason_seq;	/* of the last reason shown */
	struct timespec t0;
	struct timespec wall0;
	struct ioverbs_decode *dec;
	struct trace_out *line;
	char obj[48];
	char act[64];
};

/* One row of -c. */
struct stat_row {
	char obj[48];
	char act[64];
	unsigned long calls, errors;
	double seconds;
};

#define MAX_FILTER 32

static struct {
	bool follow, tt, dur, summary, attach;
	FILE *out;
	const char *objs[MAX_FILTER], *acts[MAX_FILTER];
	unsigned int num_objs, num_acts;
	char *exprs[MAX_FILTER];	/* the -e strings the names point into */
	unsigned int num_exprs;

	struct tracee **t;
	size_t num_t, cap_t;
	pid_t main_pid;
	int main_status;
	bool main_done;

	struct stat_row *rows;
	size_t num_rows, cap_rows;

	char ctl_dir[PATH_MAX];
	int ctl_fd;
} tr = { .ctl_fd = -1 };

static volatile sig_atomic_t tr_interrupted;

void trace_printf(struct trace_out *o, const char *fmt, ...)
{
	size_t room = sizeof(o->buf) - o->len;
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		o->len += (size_t)n;
		return;
	}
	o->full = true;
	o->len = sizeof(o->buf) - 1;
	memcpy(o->buf + sizeof(o->buf) - 4, "...", 4);
}

static ssize_t read_tracee(void *ctx, __u64 addr, void *buf, size_t len)
{
	pid_t tid = *(pid_t *)ctx;
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? n : -EFAULT;
}

/* The tables the tool knows: the soft device's; others by fallback. */
static const struct uverbs_types *lookup_types(void *ctx, __u16 driver_id)
{
	if (driver_id == SOFT_DRIVER_ID)
		return soft_device_types();
	return NULL;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs trace [-f] [-o FILE] [-tt] [-T] [-c] [-e EXPR] -- CMD [ARGS...]\n"
		"       ioverbs trace [-f] [-o FILE] [-tt] [-T] [-c] [-e EXPR] -p PID\n"
		"Prints every verbs command of a program, decoded.\n"
		"  -f         follow forks and threads (lines tagged [pid N])\n"
		"  -o FILE    write the trace to FILE (default stderr)\n"
		"  -t, -tt    wall-clock time of each call, with microseconds\n"
		"  -T         time spent in each call\n"
		"  -c         a summary table at exit instead of the calls\n"
		"  -e EXPR    only these: object=PD,QP,action=PD_ALLOC,...\n"
		"  -p PID     attach to a running process\n"
		"A failed command shows its reason when the daemon tells it (its ctl\n"
		"file, root only); else its errno alone.  Exits with the traced\n"
		"program's status (128+N if killed by signal N), 2 if it cannot start.\n");
}

/* "object=PD,QP,action=PD_ALLOC": names after a key go to its list. */
static int parse_filter(char *expr)
{
	const char **list = NULL;
	unsigned int *num = NULL;
	char *tok, *save;

	for (tok = strtok_r(expr, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq) {
			*eq = '\0';
			if (!strcmp(tok, "object") || !strcmp(tok, "o")) {
				list = tr.objs;
				num = &tr.num_objs;
			} else if (!strcmp(tok, "action") ||
				   !strcmp(tok, "a")) {
				list = tr.acts;
				num = &tr.num_acts;
			} else {
				return -EINVAL;
			}
			tok = eq + 1;
		}
		if (!list || !*tok || *num == MAX_FILTER)
			return -EINVAL;
		list[(*num)++] = tok;
	}
	return 0;
}

static bool in_list(const char *const *list, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(list[i], s))
			return true;
	return false;
}

static bool wanted(const char *obj, const char *act)
{
	if (tr.num_objs && !in_list(tr.objs, tr.num_objs, obj))
		return false;
	if (tr.num_acts && !in_list(tr.acts, tr.num_acts, act))
		return false;
	return true;
}

static struct tracee *tracee_find(pid_t tid)
{
	size_t i;

	for (i = 0; i < tr.num_t; i++)
		if (tr.t[i]->tid == tid)
			return tr.t[i];
	return NULL;
}

static pid_t tgid_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = tid;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return tid;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)atoi(line + 5);
			break;
		}
	fclose(fp);
	return tgid;
}

static struct tracee *tracee_add(pid_t tid, bool shown)
{
	struct tracee *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (tr.num_t == tr.cap_t) {
		size_t cap = tr.cap_t ? tr.cap_t * 2 : 8;
		struct tracee **n = realloc(tr.t, cap * sizeof(*n));

		if (!n) {
			free(t);
			return NULL;
		}
		tr.t = n;
		tr.cap_t = cap;
	}
	t->tid = tid;
	t->tgid = tgid_of(tid);
	t->shown = shown;
	tr.t[tr.num_t++] = t;
	return t;
}

static void tracee_del(struct tracee *t)
{
	size_t i;

	for (i = 0; i < tr.num_t; i++)
		if (tr.t[i] == t) {
			tr.t[i] = tr.t[--tr.num_t];
			break;
		}
	free(t->dec);
	free(t->line);
	free(t);
}

static struct stat_row *stat_row(const char *obj, const char *act)
{
	size_t i;

	for (i = 0; i < tr.num_rows; i++)
		if (!strcmp(tr.rows[i].obj, obj) &&
		    !strcmp(tr.rows[i].act, act))
			return &tr.rows[i];
	if (tr.num_rows == tr.cap_rows) {
		size_t cap = tr.cap_rows ? tr.cap_rows * 2 : 16;
		struct stat_row *n = realloc(tr.rows, cap * sizeof(*n));

		if (!n)
			return NULL;
		tr.rows = n;
		tr.cap_rows = cap;
	}
	memset(&tr.rows[tr.num_rows], 0, sizeof(tr.rows[0]));
	snprintf(tr.rows[tr.num_rows].obj, sizeof(tr.rows[0].obj), "%s", obj);
	snprintf(tr.rows[tr.num_rows].act, sizeof(tr.rows[0].act), "%s", act);
	return &tr.rows[tr.num_rows++];
}

static int row_cmp(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;
	int c;

	if (x->seconds != y->seconds)
		return x->seconds < y->seconds ? 1 : -1;
	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	c = strcmp(x->obj, y->obj);
	return c ? c : strcmp(x->act, y->act);
}

static void print_summary(void)
{
	static const char rule[] =
		"------ ----------- ----------- --------- --------- "
		"------------ --------------------\n";
	unsigned long calls = 0, errors = 0;
	double total = 0;
	size_t i;

	qsort(tr.rows, tr.num_rows, sizeof(tr.rows[0]), row_cmp);
	for (i = 0; i < tr.num_rows; i++) {
		calls += tr.rows[i].calls;
		errors += tr.rows[i].errors;
		total += tr.rows[i].seconds;
	}
	fprintf(tr.out, "%6s %11s %11s %9s %9s %-12s %s\n", "% time",
		"seconds", "usecs/call", "calls", "errors", "object", "action");
	fputs(rule, tr.out);
	for (i = 0; i < tr.num_rows; i++) {
		const struct stat_row *r = &tr.rows[i];

		fprintf(tr.out, "%6.2f %11.6f %11.0f %9lu %9lu %-12s %s\n",
			total > 0 ? 100.0 * r->seconds / total : 0.0,
			r->seconds, r->seconds * 1e6 / (double)r->calls,
			r->calls, r->errors, r->obj, r->act);
	}
	fputs(rule, tr.out);
	fprintf(tr.out, "%6.2f %11.6f %11.0f %9lu %9lu %-12s %s\n", 100.0,
		total, calls ? total * 1e6 / (double)calls : 0.0, calls,
		errors, "", "total");
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* "[pid N] HH:MM:SS.uuuuuu " as the options ask. */
static void line_prefix(struct trace_out *o, const struct tracee *t)
{
	if (tr.follow && t->tid != tr.main_pid)
		trace_printf(o, "[pid %5d] ", (int)t->tid);
	if (tr.tt) {
		struct tm tm;
		time_t sec = t->wall0.tv_sec;

		localtime_r(&sec, &tm);
		trace_printf(o, "%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min,
			     tm.tm_sec, t->wall0.tv_nsec / 1000);
	}
}

static void emit(struct trace_out *o)
{
	fwrite(o->buf, 1, o->len, tr.out);
	fputc('\n', tr.out);
	fflush(tr.out);
}

/* The path of @tid's descriptor @fd, or "" */
static void fd_path(pid_t tid, int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, fd);
	n = readlink(link, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * The reason of @t's failed command on @fd, from the daemon serving that
 * file: "reason TGID TID" on the ctl file next to it.  Empty when the
 * daemon does not say (not root, no daemon, no reason).
 */
static void reason_of(struct tracee *t, char *buf, size_t size)
{
	char path[PATH_MAX], cmd[64], ans[512], *slash, *msg;
	ssize_t n;
	long seq;
	int len;

	buf[0] = '\0';
	fd_path(t->tid, t->fd, path, sizeof(path));
	slash = strrchr(path, '/');
	if (!slash || path[0] != '/')
		return;
	*slash = '\0';
	if (tr.ctl_fd < 0 || strcmp(path, tr.ctl_dir)) {
		char ctl[PATH_MAX + 8];

		if (tr.ctl_fd >= 0)
			close(tr.ctl_fd);
		snprintf(tr.ctl_dir, sizeof(tr.ctl_dir), "%s", path);
		snprintf(ctl, sizeof(ctl), "%s/ctl", path);
		tr.ctl_fd = open(ctl, O_RDWR | O_CLOEXEC);
		if (tr.ctl_fd < 0)
			return;
	}
	len = snprintf(cmd, sizeof(cmd), "reason %d %d", (int)t->tgid,
		       (int)t->tid);
	if (write(tr.ctl_fd, cmd, (size_t)len) != len) {
		/* Drain the "error: ..." answer. */
		while (read(tr.ctl_fd, ans, sizeof(ans)) > 0)
			;
		return;
	}
	n = read(tr.ctl_fd, ans, sizeof(ans) - 1);
	while (n > 0 && read(tr.ctl_fd, cmd, sizeof(cmd)) > 0)
		;
	if (n <= 0)
		return;
	ans[n] = '\0';
	ans[strcspn(ans, "\n")] = '\0';
	/* "reason DEV SEQ TEXT" */
	if (strncmp(ans, "reason ", 7))
		return;
	msg = strchr(ans + 7, ' ');
	if (!msg)
		return;
	seq = strtol(msg + 1, &msg, 10);
	/* Shown already: this failure did not reach the daemon. */
	if (seq <= t->reason_seq || *msg != ' ')
		return;
	t->reason_seq = seq;
	snprintf(buf, size, "%s", msg + 1);
}

/* Is @fd of @tid a uverbs file (legacy write() commands go there)? */
static bool is_uverbs_fd(pid_t tid, int fd)
{
	char path[PATH_MAX];
	const char *base;

	fd_path(tid, fd, path, sizeof(path));
	base = strrchr(path, '/');
	return base && !strncmp(base + 1, "uverbs", 6);
}

/*
 * A call's entry: decode what is input, keep it for the exit.  True when
 * the exit is wanted.
 */
static bool call_enter(struct tracee *t, long nr, const __u64 *args)
{
	unsigned long req = (unsigned int)args[1];

	t->kind = CALL_NONE;
	if (!t->shown)
		return false;
	if (!t->line) {
		t->line = malloc(sizeof(*t->line));
		if (!t->line)
			return false;
	}
	t->line->len = 0;
	t->line->full = false;
	t->line->buf[0] = '\0';
	t->fd = (int)args[0];
	clock_gettime(CLOCK_REALTIME, &t->wall0);
	line_prefix(t->line, t);

	if (nr == SYS_ioctl && ioverbs_decode_is_cmd(req)) {
		char *p;
		size_t room;

		if (!t->dec) {
			t->dec = malloc(sizeof(*t->dec));
			if (!t->dec)
				return false;
		}
		ioverbs_decode_init(t->dec, read_tracee, &t->tid, lookup_types,
				    NULL);
		t->dec->fallback = &uverbs_std_types;
		ioverbs_decode_enter(t->dec, t->fd, (unsigned int)req, args[2]);
		ioverbs_decode_names(t->dec, t->obj, sizeof(t->obj), t->act,
				     sizeof(t->act));
		p = t->line->buf + t->line->len;
		room = sizeof(t->line->buf) - t->line->len;
		t->line->len += ioverbs_decode_call(t->dec, p, room);
		t->kind = CALL_SEED;
	} else if (nr == SYS_ioctl && req == UPSTREAM_VERBS_IOCTL) {
		trace_up_ioctl_call(t->line, read_tracee, &t->tid, t->fd,
				    args[2], t->obj, sizeof(t->obj), t->act,
				    sizeof(t->act));
		t->kind = CALL_UPSTREAM;
	} else if (nr == SYS_write && is_uverbs_fd(t->tid, t->fd)) {
		snprintf(t->obj, sizeof(t->obj), "write");
		trace_up_write_call(t->line, read_tracee, &t->tid, t->fd,
				    args[1], args[2], t->act, sizeof(t->act));
		t->kind = CALL_WRITE;
	}
	if (t->kind != CALL_NONE && !wanted(t->obj, t->act))
		t->kind = CALL_NONE;
	if (t->kind == CALL_NONE)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	return true;
}

/* Its exit: the outputs, the result, the line. */
static void call_exit(struct tracee *t, long ret)
{
	struct timespec t1;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = ts_diff(&t->t0, &t1);
	if (tr.summary) {
		struct stat_row *r = stat_row(t->obj, t->act);

		if (r) {
			r->calls++;
			r->errors += ret < 0;
			r->seconds += secs;
		}
		t->kind = CALL_NONE;
		return;
	}
	if (t->kind == CALL_SEED) {
		char reason[UVERBS_REASON_MAX] = "";
		char *p = t->line->buf + t->line->len;
		size_t room = sizeof(t->line->buf) - t->line->len;

		if (ret < 0 && !t->line->full)
			reason_of(t, reason, sizeof(reason));
		if (!t->line->full)
			t->line->len += ioverbs_decode_result(t->dec, ret,
							      reason, p, room);
	} else if (ret < 0) {
		trace_printf(t->line, ") = -1 %s",
			     ioverbs_decode_errno_name(ret));
	} else {
		trace_printf(t->line, ") = %ld", ret);
	}
	if (tr.dur)
		trace_printf(t->line, " <%.6f>", secs);
	emit(t->line);
	t->kind = CALL_NONE;
}

/* A thread gone with its call unfinished (killed mid-command). */
static void call_lost(struct tracee *t)
{
	if (t->kind == CALL_NONE)
		return;
	if (!tr.summary) {
		trace_printf(t->line, ") = ?");
		emit(t->line);
	}
	t->kind = CALL_NONE;
}

/* The seccomp filter: only ioctl() with our numbers and write() stop. */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 4),
		/* The request's low 32 bits (little-endian). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RDMA_VERBS_IOCTL, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RDMA_DIRECT_IOCTL, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UPSTREAM_VERBS_IOCTL, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	/* Root may filter without it; others need it (no setuid gain). */
	if (geteuid() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

#define TRACE_OPTS                                                       \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP |                  \
	 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
	 PTRACE_O_TRACEEXEC)

/* Can execvp() run @file?  0 or -errno, as strace checks first. */
static int runnable(const char *file)
{
	const char *path = getenv("PATH"), *p, *end;
	char buf[PATH_MAX];

	if (strchr(file, '/'))
		return access(file, X_OK) ? -errno : 0;
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		int n;

		end = strchrnul(p, ':');
		n = snprintf(buf, sizeof(buf), "%.*s/%s",
			     end == p ? 1 : (int)(end - p), end == p ? "." : p,
			     file);
		if (n > 0 && (size_t)n < sizeof(buf) && !access(buf, X_OK))
			return 0;
	}
	return -ENOENT;
}

static int start_child(char **argv)
{
	int st, err;
	pid_t pid;

	err = runnable(argv[0]);
	if (err)
		return err;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(127);
		raise(SIGSTOP);
		err = install_filter();
		if (err) {
			fprintf(stderr, "ioverbs trace: seccomp filter: %s\n",
				strerror(-err));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "ioverbs trace: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -ECHILD;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(TRACE_OPTS | PTRACE_O_EXITKILL))) {
		err = -errno;
		kill(pid, SIGKILL);
		return err;
	}
	tr.main_pid = pid;
	if (!tracee_add(pid, true) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL)) {
		kill(pid, SIGKILL);
		return -ENOMEM;
	}
	return 0;
}

/* -p: seize @pid (and, with -f, its other threads); syscall stops. */
static int attach(pid_t pid)
{
	long opts = PTRACE_O_TRACESYSGOOD |
		    (tr.follow ? (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
				  PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC) :
				 0);
	struct dirent *e;
	char path[64];
	DIR *dir;

	tr.main_pid = pid;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts))
		return -errno;
	if (!tracee_add(pid, true))
		return -ENOMEM;
	ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
	if (!tr.follow)
		return 0;
	/* Its other threads; those it starts from now on come by clone. */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	while (dir && (e = readdir(dir))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0 || tid == pid ||
		    ptrace(PTRACE_SEIZE, tid, NULL, (void *)opts))
			continue;
		if (tracee_add(tid, true))
			ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
	}
	if (dir)
		closedir(dir);
	return 0;
}

/* Resumes @tid: to its next stop of interest. */
static void resume(pid_t tid, int sig, bool want_exit)
{
	enum __ptrace_request how = PTRACE_CONT;

	if (tr.attach || want_exit)
		how = PTRACE_SYSCALL;
	ptrace(how, tid, NULL, (void *)(long)sig);
}

/* A syscall or seccomp stop: entry or exit. */
static void on_syscall(struct tracee *t)
{
	struct __ptrace_syscall_info si;
	bool want = false;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <=
	    0) {
		resume(t->tid, 0, false);
		return;
	}
	switch (si.op) {
	case PTRACE_SYSCALL_INFO_SECCOMP:
		want = call_enter(t, (long)si.seccomp.nr,
				  (const __u64 *)si.seccomp.args);
		break;
	case PTRACE_SYSCALL_INFO_ENTRY:
		if ((si.entry.nr == SYS_ioctl &&
		     (ioverbs_decode_is_cmd((unsigned int)si.entry.args[1]) ||
		      (unsigned int)si.entry.args[1] == UPSTREAM_VERBS_IOCTL)) ||
		    si.entry.nr == SYS_write)
			want = call_enter(t, (long)si.entry.nr,
					  (const __u64 *)si.entry.args);
		break;
	case PTRACE_SYSCALL_INFO_EXIT:
		if (t->kind != CALL_NONE)
			call_exit(t, (long)si.exit.rval);
		break;
	}
	resume(t->tid, 0, want);
}

static void on_exit_status(pid_t pid, int st)
{
	struct tracee *t = tracee_find(pid);

	if (!t)
		return;
	call_lost(t);
	if (pid == tr.main_pid) {
		tr.main_status = st;
		tr.main_done = true;
	}
	if (t->shown && !tr.summary) {
		struct trace_out *o = t->line ? t->line : NULL;
		struct trace_out tmp;

		if (!o)
			o = &tmp;
		o->len = 0;
		o->full = false;
		if (tr.follow && pid != tr.main_pid)
			trace_printf(o, "[pid %5d] ", (int)pid);
		if (WIFEXITED(st))
			trace_printf(o, "+++ exited with %d +++",
				     WEXITSTATUS(st));
		else
			trace_printf(o, "+++ killed by SIG%s +++",
				     sigabbrev_np(WTERMSIG(st)) ?
					     sigabbrev_np(WTERMSIG(st)) :
					     "???");
		/* Threads other than a process's leader end quietly. */
		if (t->tgid == t->tid || WIFSIGNALED(st))
			emit(o);
	}
	tracee_del(t);
}

static void on_interrupt(int sig)
{
	tr_interrupted = 1;
}

/* -p and a signal: let every tracee go. */
static void detach_all(void)
{
	size_t i;

	for (i = 0; i < tr.num_t; i++) {
		pid_t tid = tr.t[i]->tid;
		int st;

		if (ptrace(PTRACE_DETACH, tid, NULL, NULL) == 0)
			continue;
		ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
		if (waitpid(tid, &st, __WALL) == tid && WIFSTOPPED(st))
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
	}
}

static void loop(void)
{
	for (;;) {
		struct tracee *t;
		int st, sig, event;
		pid_t pid;

		if (tr_interrupted && tr.attach) {
			detach_all();
			return;
		}
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return;	/* ECHILD: every tracee is gone */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			on_exit_status(pid, st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		t = tracee_find(pid);
		if (!t) {
			/* A new child or thread, before its parent's event. */
			t = tracee_add(pid, tr.follow);
			if (!t) {
				ptrace(PTRACE_DETACH, pid, NULL, NULL);
				continue;
			}
			t->fresh = true;
		}
		sig = WSTOPSIG(st);
		event = (unsigned int)st >> 16;
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall(t);
			continue;
		}
		if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
			on_syscall(t);
			continue;
		}
		if (sig == SIGTRAP && event) {
			if (event == PTRACE_EVENT_FORK ||
			    event == PTRACE_EVENT_VFORK ||
			    event == PTRACE_EVENT_CLONE) {
				unsigned long child = 0;

				ptrace(PTRACE_GETEVENTMSG, pid, NULL, &child);
				if (child && !tracee_find((pid_t)child)) {
					struct tracee *c =
						tracee_add((pid_t)child,
							   tr.follow);

					if (c)
						c->fresh = true;
				}
			}
			resume(pid, 0, false);
			continue;
		}
		if (event == PTRACE_EVENT_STOP) {
			/* -p: the first stop, or a group-stop. */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
			    sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, pid, NULL, NULL);
			else
				resume(pid, 0, false);
			continue;
		}
		if (t->fresh && sig == SIGSTOP) {
			t->fresh = false;
			resume(pid, 0, false);
			continue;
		}
		/*
		 * A signal for the tracee: deliver it.  A group-stop (no
		 * siginfo) has nothing to deliver; the tracee goes on, as
		 * under strace without -p.
		 */
		{
			siginfo_t si;

			if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si))
				sig = 0;
		}
		resume(pid, sig, false);
	}
}

static void free_exprs(void)
{
	while (tr.num_exprs)
		free(tr.exprs[--tr.num_exprs]);
}

static int trace_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outfile = NULL;
	pid_t pid = 0;
	int c, err, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hfo:tTce:p:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			tr.follow = true;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 't':
			tr.tt = true;
			break;
		case 'T':
			tr.dur = true;
			break;
		case 'c':
			tr.summary = true;
			break;
		case 'e': {
			char *expr = strdup(optarg);

			/* The names stay in tr.objs/tr.acts: kept to the end. */
			if (expr && tr.num_exprs < MAX_FILTER)
				tr.exprs[tr.num_exprs++] = expr;
			else
				free(expr);
			if (!expr || parse_filter(expr))
				return ioverbs_err("trace", IOVERBS_EXIT_USAGE,
						   "-e %s: want object=NAME[,NAME...],action=NAME[,...]",
						   optarg);
			break;
		}
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > INT_MAX)
				return ioverbs_err("trace", IOVERBS_EXIT_USAGE,
						   "-p %s: not a pid", optarg);
			pid = (pid_t)v;
			break;
		}
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if ((pid && optind < argc) || (!pid && optind == argc)) {
		usage(stderr);
		return IOVERBS_EXIT_USAGE;
	}
	tr.out = stderr;
	if (outfile) {
		tr.out = fopen(outfile, "we");
		if (!tr.out)
			return ioverbs_err("trace", IOVERBS_EXIT_USAGE,
					   "%s: %s", outfile, strerror(errno));
	}
	if (!soft_device_types()) {
		ret = ioverbs_err("trace", IOVERBS_EXIT_FAILED,
				  "cannot build the soft device's tables");
		goto out;
	}
	tr.attach = pid != 0;
	if (tr.attach) {
		struct sigaction sa = { .sa_handler = on_interrupt };

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		err = attach(pid);
		if (err) {
			ret = ioverbs_err("trace", IOVERBS_EXIT_USAGE,
					  "attach %d: %s", (int)pid,
					  strerror(-err));
			goto out;
		}
	} else {
		/* The tracer outlives a ^C: the program decides. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		err = start_child(argv + optind);
		if (err) {
			ret = ioverbs_err("trace", IOVERBS_EXIT_USAGE, "%s: %s",
					  argv[optind], strerror(-err));
			goto out;
		}
	}
	loop();
	if (tr.summary)
		print_summary();
	if (tr.attach || !tr.main_done)
		ret = IOVERBS_EXIT_OK;
	else if (WIFSIGNALED(tr.main_status))
		ret = 128 + WTERMSIG(tr.main_status);
	else
		ret = WEXITSTATUS(tr.main_status);
out:
	if (tr.out != stderr)
		fclose(tr.out);
	if (tr.ctl_fd >= 0)
		close(tr.ctl_fd);
	while (tr.num_t)
		tracee_del(tr.t[0]);
	free(tr.t);
	free(tr.rows);
	return ret;
}

int ioverbs_trace_main(int argc, char **argv)
{
	int ret = trace_run(argc, argv);

	free_exprs();
	return ret;
}
