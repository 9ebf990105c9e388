// SPDX-License-Identifier: MIT
/* The daemon tests' fixture; see fixture.h. */
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_verbs_ops.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

#define FX_START_TIMEOUT_S 60
#define FX_STOP_TIMEOUT_S 60
#define FX_MAX_ARGS 32

long fx_ep_up(struct fx *fx, struct ioverbs_ep *s, size_t len)
{
	int fd = fx_open(fx, "uverbs0", O_RDWR);
	long ret;

	if (fd < 0)
		return fd;
	memset(s, 0, sizeof(*s));
	ioverbs_client_init_fd(&s->v, fd);
	ret = ioverbs_ep_open(s, len, true);
	if (!ret)
		ret = ioverbs_ep_connect(s, s, 7);
	return ret;
}

void fx_ep_down(struct ioverbs_ep *s)
{
	ioverbs_ep_close(s);
	close(s->v.fd);
}

int fx_become(uid_t id)
{
	if (setgroups(0, NULL) || setgid(id) || setuid(id))
		return -errno;
	return 0;
}

int fx_as_user(uid_t uid, int (*fn)(void *), void *arg)
{
	int status;
	pid_t p;

	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p == 0) {
		if (fx_become(uid))
			_exit(100);
		_exit(fn(arg));
	}
	if (p < 0 || waitpid(p, &status, 0) != p)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

bool fx_log_says(struct fx *fx, const char *what)
{
	char line[512];
	bool found = false;
	FILE *fp = fopen(fx->log, "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = strstr(line, what) != NULL;
	fclose(fp);
	return found;
}

void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A path next to this program: $ENV, else DIR/../../REL. */
static const char *sibling(const char *env, const char *rel, char *buf,
			   size_t size)
{
	char exe[PATH_MAX];
	const char *e = getenv(env);
	ssize_t n;
	char *slash;

	if (e && *e)
		return e;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return rel;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, size, "%s/../../%s", exe, rel);
	return buf;
}

const char *fx_daemon_path(void)
{
	static char buf[PATH_MAX + 32];

	return sibling("IOVERBSD", "daemon/ioverbsd", buf, sizeof(buf));
}

int fx_event_file(struct fx *fx, const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/events/%s", fx->mnt, name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | flags, 0600);
	return fd < 0 ? -errno : fd;
}

void fx_loop_open(struct fx_loop *l, struct ioverbs_client *v, u32 cq)
{
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
					.max_send_sge = 1, .max_recv_sge = 1 };
	struct ib_uverbs_qp_cap out;

	l->v = v;
	ASSERT_OK(ioverbs_port_query_lid(v, &l->lid));
	ASSERT_OK(ioverbs_pd_alloc(v, &l->pd));
	ASSERT_OK(ioverbs_mr_reg(v, l->pd, l->buf, sizeof(l->buf),
				 IB_UVERBS_ACCESS_LOCAL_WRITE, &l->mr, &l->lkey,
				 &l->rkey));
	ASSERT_OK(ioverbs_qp_create(v, IB_UVERBS_QPT_RC, l->pd, cq, &cap,
				    &l->qp, &l->qpn, &out));
	ASSERT_OK(ioverbs_qp_connect_rc(v, l->qp, l->lid, l->qpn, 7));
}

void fx_loop_send(struct fx_loop *l, u64 id)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_recv_wr rwr = { .wr_id = id, .num_sge = 1 };
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)l->buf, .length = 4,
				     .lkey = l->lkey };
	u32 bad;

	ASSERT_OK(ioverbs_qp_post_recv(l->v, l->qp, &rwr, 1, &sge, 1, &bad));
	ASSERT_OK(ioverbs_qp_post_send(l->v, l->qp, &wr, 1, &sge, 1, &bad));
}

void fx_loop_close(struct fx_loop *l)
{
	ASSERT_OK(ioverbs_qp_destroy(l->v, l->qp, NULL));
	ASSERT_OK(ioverbs_mr_dereg(l->v, l->mr));
	ASSERT_OK(ioverbs_pd_dealloc(l->v, l->pd));
}

int fx_threads(pid_t pid, const char *prefix, long *switches)
{
	char path[320], buf[4096];
	struct dirent *d;
	int count = 0;
	const char *p;
	DIR *dir;
	FILE *f;
	long v;

	if (switches)
		*switches = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	ASSERT_TRUE(dir != NULL);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			 (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* the thread just ended */
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
		/* "Name:\tCOMM\n" comes first. */
		if (strncmp(buf, "Name:\t", 6) ||
		    strncmp(buf + 6, prefix, strlen(prefix)))
			continue;
		count++;
		for (p = buf; switches && (p = strstr(p, "ctxt_switches:")); p++)
			if (sscanf(p, "ctxt_switches: %ld", &v) == 1)
				*switches += v;
	}
	closedir(dir);
	return count;
}

int fx_nic_threads(pid_t pid)
{
	return fx_threads(pid, "soft-nic", NULL);
}

const char *fx_ctl_tool_path(void)
{
	static char buf[PATH_MAX + 32];

	return sibling("IOVERBS_CTL", "tools/ioverbs-ctl", buf, sizeof(buf));
}

const char *fx_tool_path(void)
{
	static char buf[PATH_MAX + 32];
	const char *ctl = fx_ctl_tool_path();
	const char *slash = strrchr(ctl, '/');

	snprintf(buf, sizeof(buf), "%.*sioverbs",
		 slash ? (int)(slash - ctl + 1) : 0, ctl);
	return buf;
}

bool fx_userns_off(void)
{
	FILE *fp = fopen("/proc/sys/kernel/unprivileged_userns_clone", "re");
	int on = 1;

	if (!fp)
		return false;
	if (fscanf(fp, "%d", &on) != 1)
		on = 1;
	fclose(fp);
	return !on;
}

const char *fx_in_build(const char *rel)
{
	static char built[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *p;
	int i;

	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	/* $(O)/asan/tests/daemon/PROGRAM: four levels up is $(O). */
	for (i = 0; i < 4; i++) {
		p = strrchr(self, '/');
		ASSERT_TRUE(p != NULL);
		*p = '\0';
	}
	if (snprintf(built, sizeof(built), "%s/%s", self, rel) >=
	    (int)sizeof(built))
		harness_fail(__FILE__, __LINE__, "%s: path too long", rel);
	return built;
}

/* Is @path a FUSE mount point (per our mountinfo)? */
static bool is_mounted(const char *path)
{
	char line[1024], mp[512], *dash;
	bool found = false;
	FILE *fp = fopen("/proc/self/mountinfo", "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%*d %*d %*s %*s %511s", mp) != 1)
			continue;
		dash = strstr(line, " - ");
		found = !strcmp(mp, path) && dash &&
			!strncmp(dash + 3, "fuse", 4);
	}
	fclose(fp);
	return found;
}

/* The pid in @fx's pid file, or 0. */
static pid_t read_pidfile(struct fx *fx)
{
	char buf[32] = { 0 };
	int fd = open(fx->pidfile, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (pid_t)atoi(buf) : 0;
}

bool fx_proc_gone(pid_t pid)
{
	char path[64], buf[256], *rp;
	ssize_t n;
	int fd;

	if (kill(pid, 0))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

static void remove_tree(struct fx *fx)
{
	unlink(fx->log);
	unlink(fx->pidfile);
	rmdir(fx->mnt);
	rmdir(fx->dir);
}

static void force_unmount(const char *mnt)
{
	pid_t p = fork();

	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("fusermount3", "fusermount3", "-u", "-z", mnt, NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

static void dump_log(struct fx *fx)
{
	char line[512];
	FILE *fp = fopen(fx->log, "re");

	if (!fp)
		return;
	fprintf(stderr, "  --- the daemon's log, %s ---\n", fx->log);
	while (fgets(line, sizeof(line), fp))
		fprintf(stderr, "  | %s", line);
	fflush(stderr);
	fclose(fp);
}

/*
 * The watcher: a child that outlives a test that died.  SIGUSR1 (our
 * parent death signal) means the test is gone: make sure the daemon
 * is, unmount, clean up.  SIGUSR2 means fx_stop() did all that.
 */
static void watcher(struct fx *fx, pid_t parent)
{
	sigset_t set;
	double end;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() != parent)
		sig = SIGUSR1;
	if (!sig && sigwait(&set, &sig))
		_exit(1);
	if (sig == SIGUSR2)
		_exit(0);
	/* In the background the daemon is not the launcher. */
	if ((fx->flags & FX_BACKGROUND) && read_pidfile(fx) > 0)
		fx->pid = read_pidfile(fx);
	kill(fx->pid, SIGTERM);
	end = now_s() + 20;
	while (!fx_proc_gone(fx->pid) && now_s() < end)
		msleep(50);
	if (!fx_proc_gone(fx->pid))
		kill(fx->pid, SIGKILL);
	if (is_mounted(fx->mnt))
		force_unmount(fx->mnt);
	/* The test failed: its log says what the daemon saw. */
	dump_log(fx);
	remove_tree(fx);
	_exit(0);
}

/* The watcher shows the daemon's log once the test is gone. */
#define FX_FAIL(fx, ...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)

static void fx_vstart(struct fx *fx, unsigned int flags, va_list ap)
{
	const char *argv[FX_MAX_ARGS];
	char pidopt[128], logopt[128];
	sigset_t set, old;
	pid_t parent = getpid();
	unsigned int argc = 0;
	const char *a;
	struct stat st;
	double end;
	int status;

	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK))
		harness_skip("needs root and /dev/fuse");
	if (access(fx_daemon_path(), X_OK))
		harness_fail(__FILE__, __LINE__,
			     "no daemon at %s (set IOVERBSD)",
			     fx_daemon_path());
	memset(fx, 0, sizeof(*fx));
	fx->flags = flags;
	strcpy(fx->dir, "/tmp/ioverbsd-test.XXXXXX");
	ASSERT_TRUE(mkdtemp(fx->dir));
	ASSERT_OK(chmod(fx->dir, 0755) ? -errno : 0);
	snprintf(fx->mnt, sizeof(fx->mnt), "%s/mnt", fx->dir);
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	snprintf(fx->pidfile, sizeof(fx->pidfile), "%s/pid", fx->dir);
	ASSERT_OK(mkdir(fx->mnt, 0755) ? -errno : 0);
	snprintf(pidopt, sizeof(pidopt), "--pidfile=%s", fx->pidfile);
	snprintf(logopt, sizeof(logopt), "--log-file=%s", fx->log);

	argv[argc++] = fx_daemon_path();
	argv[argc++] = flags & FX_BACKGROUND ? logopt : "-f";
	argv[argc++] = "--devices=2";
	argv[argc++] = "--log-level=debug";
	argv[argc++] = pidopt;
	while ((a = va_arg(ap, const char *)) && argc < FX_MAX_ARGS - 2)
		argv[argc++] = a;
	argv[argc++] = fx->mnt;
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	fx->pid = fork();
	ASSERT_TRUE(fx->pid >= 0);
	if (fx->pid == 0) {
		int log = open(fx->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if (log < 0)
			_exit(1);
		dup2(log, 1);
		dup2(log, 2);
		setenv("ASAN_OPTIONS",
		       "allow_user_segv_handler=1:detect_leaks=1:abort_on_error=0",
		       0);
		if ((flags & FX_NO_PTRACE) &&
		    prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}

	/* The watcher waits with both signals blocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	fx->watcher = fork();
	if (fx->watcher == 0)
		watcher(fx, parent);
	sigprocmask(SIG_SETMASK, &old, NULL);
	ASSERT_TRUE(fx->watcher > 0);

	end = now_s() + FX_START_TIMEOUT_S;
	for (;;) {
		char dev[160];

		if (fx->pid && waitpid(fx->pid, &status, WNOHANG) == fx->pid) {
			/* In the background, the launcher's exit is normal. */
			if (!(flags & FX_BACKGROUND) || status)
				FX_FAIL(fx,
					"the daemon exited at start "
					"(status 0x%x)",
					status);
			fx->pid = 0;
		}
		snprintf(dev, sizeof(dev), "%s/uverbs1", fx->mnt);
		if (is_mounted(fx->mnt) && !stat(dev, &st) &&
		    read_pidfile(fx) > 0 &&
		    (!(flags & FX_BACKGROUND) || !fx->pid))
			break;
		if (now_s() > end)
			FX_FAIL(fx, "the daemon did not mount %s in %d s",
				fx->mnt, FX_START_TIMEOUT_S);
		msleep(10);
	}
	if (flags & FX_BACKGROUND)
		fx->pid = read_pidfile(fx);
}

void fx_start(struct fx *fx, ...)
{
	va_list ap;

	va_start(ap, fx);
	fx_vstart(fx, 0, ap);
	va_end(ap);
}

void fx_start_flags(struct fx *fx, unsigned int flags, ...)
{
	va_list ap;

	va_start(ap, flags);
	fx_vstart(fx, flags, ap);
	va_end(ap);
}

static bool log_has(const char *text, const char *what)
{
	return strstr(text, what) != NULL;
}

void fx_stop(struct fx *fx)
{
	static const char *const bad[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
		"WARNING: ThreadSanitizer", "runtime error:",
		"WARNING at",		   "objects leaked",
	};
	char *text = NULL;
	size_t len = 0;
	unsigned int i;
	int status = 0;
	double end;
	FILE *fp;

	ASSERT_TRUE(fx->pid > 0);
	ASSERT_OK(kill(fx->pid, SIGTERM) ? -errno : 0);
	end = now_s() + FX_STOP_TIMEOUT_S;
	/* In the background it is not our child: its log has its status. */
	while ((fx->flags & FX_BACKGROUND) ?
		       !fx_proc_gone(fx->pid) :
		       waitpid(fx->pid, &status, WNOHANG) != fx->pid) {
		if (now_s() > end) {
			kill(fx->pid, SIGKILL);
			FX_FAIL(fx,
				"the daemon did not stop on SIGTERM in %d s",
				FX_STOP_TIMEOUT_S);
		}
		msleep(10);
	}
	if (!(fx->flags & FX_BACKGROUND) &&
	    (!WIFEXITED(status) || WEXITSTATUS(status)))
		FX_FAIL(fx, "the daemon ended with status 0x%x", status);
	if (is_mounted(fx->mnt))
		FX_FAIL(fx, "%s is still mounted", fx->mnt);
	if (!access(fx->pidfile, F_OK))
		FX_FAIL(fx, "the pid file %s is still there", fx->pidfile);

	fp = fopen(fx->log, "re");
	ASSERT_TRUE(fp);
	ASSERT_TRUE(getdelim(&text, &len, '\0', fp) >= 0);
	fclose(fp);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (log_has(text, bad[i])) {
			free(text);
			FX_FAIL(fx, "the daemon's log has \"%s\"", bad[i]);
		}
	if (!log_has(text, "live objects at exit: 0\n") ||
	    !log_has(text, "exit 0\n")) {
		free(text);
		FX_FAIL(fx, "the daemon's log lacks \"live objects at exit: "
			    "0\" or \"exit 0\"");
	}
	free(text);
	fx->pid = 0;

	kill(fx->watcher, SIGUSR2);
	waitpid(fx->watcher, NULL, 0);
	remove_tree(fx);
}

int fx_open(struct fx *fx, const char *name, int flags)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->mnt, name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int fx_client_open(struct fx *fx, const char *dev, struct ioverbs_client *v)
{
	int fd = fx_open(fx, dev, O_RDWR);

	ASSERT_TRUE(fd >= 0);
	ioverbs_client_init_fd(v, fd);
	ASSERT_OK(ioverbs_context_get(v));
	return fd;
}

long fx_ctl(struct fx *fx, const char *cmd, char *out, size_t size)
{
	size_t used = 0;
	long ret = 0;
	ssize_t n;
	int fd;

	fd = fx_open(fx, "ctl", O_RDWR);
	if (fd < 0)
		return fd;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		ret = -errno;
	while (size && used < size - 1 &&
	       (n = read(fd, out + used, size - 1 - used)) > 0)
		used += (size_t)n;
	if (size)
		out[used] = '\0';
	close(fd);
	return ret;
}

bool fx_alive(struct fx *fx)
{
	char out[4096];

	return fx->pid > 0 && kill(fx->pid, 0) == 0 &&
	       waitpid(fx->pid, NULL, WNOHANG) == 0 &&
	       fx_ctl(fx, "list", out, sizeof(out)) == 0 &&
	       strstr(out, "live_objects ");
}

/* Calls @fn on each "file" line of "list"; counts the matches. */
static int for_each_file_line(struct fx *fx, const char *dev, pid_t pid,
			      int *objects)
{
	static char out[1 << 16];
	char *line, *save, name[32];
	int p, ctx, dis, obj, n = 0;

	ASSERT_OK(fx_ctl(fx, "list", out, sizeof(out)));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line,
			   "file %31s pid %d context %d disassociated %d "
			   "objects %d",
			   name, &p, &ctx, &dis, &obj) != 5)
			continue;
		if ((dev && strcmp(dev, name)) || (pid && p != pid))
			continue;
		n++;
		if (objects)
			*objects = obj;
	}
	return n;
}

int fx_files_of(struct fx *fx, const char *dev, pid_t pid)
{
	return for_each_file_line(fx, dev, pid, NULL);
}

int fx_objects_of(struct fx *fx, const char *dev, pid_t pid)
{
	int objects = -1;

	for_each_file_line(fx, dev, pid, &objects);
	return objects;
}

long fx_live_objects(struct fx *fx)
{
	static char out[1 << 16];
	const char *p;

	ASSERT_OK(fx_ctl(fx, "list", out, sizeof(out)));
	p = strstr(out, "live_objects ");
	ASSERT_TRUE(p);
	return strtol(p + strlen("live_objects "), NULL, 10);
}

long fx_live_objects_settled(struct fx *fx)
{
	long live = fx_live_objects(fx), prev;
	int i;

	for (i = 0; i < 100; i++) {
		msleep(100);
		prev = live;
		live = fx_live_objects(fx);
		if (live == prev)
			break;
	}
	return live;
}

void fx_wait_released(struct fx *fx, pid_t pid, long base)
{
	double end = now_s() + 60;
	long live = -1;
	int files = -1;

	while (now_s() < end) {
		files = fx_files_of(fx, NULL, pid);
		live = fx_live_objects(fx);
		if (!files && live == base)
			return;
		msleep(20);
	}
	FX_FAIL(fx, "pid %d: still %d file(s), %ld live objects (base %ld)",
		(int)pid, files, live, base);
}

int fx_run(char *const argv[], char *out, size_t size)
{
	int pfd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t p;

	if (pipe(pfd))
		return -1;
	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (size && used < size - 1 &&
	       (n = read(pfd[0], out + used, size - 1 - used)) > 0)
		used += (size_t)n;
	if (size)
		out[used] = '\0';
	close(pfd[0]);
	if (p < 0 || waitpid(p, &status, 0) != p)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- client commands -------------------------------------------------- */

/*
 * The client commands are <ioverbs/verbs.h>'s on the file descriptor,
 * checked against the standard spec tables; these keep the
 * tests' shorter signatures.
 */
struct ioverbs_client cl_client(int fd)
{
	struct ioverbs_client v;

	ioverbs_client_init_fd(&v, fd);
	ioverbs_client_spec_set(&v, &uverbs_std_types, SOFT_DRIVER_ID);
	return v;
}

#define cl(fd) cl_client(fd)

const struct ioverbs_client *cl_builder(void)
{
	static struct ioverbs_client v;

	if (!v.types) {
		ioverbs_client_init(&v, NULL, NULL);
		ioverbs_client_spec_set(&v, &uverbs_std_types, SOFT_DRIVER_ID);
	}
	return &v;
}

long cl_exec(int fd, struct ioverbs_cmd *c)
{
	return ioverbs_cmd_exec(c, ioverbs_fd_ioctl, &fd);
}

long cl_get_context(int fd)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_context_get(&v);
}

long cl_query_device(int fd, struct ib_uverbs_query_device_resp *resp)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_device_query(&v, resp);
}

long cl_query_port(int fd, u8 port, struct ib_uverbs_query_port_resp *resp)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_port_query(&v, port, resp);
}

long cl_pd_alloc(int fd, u32 *pd)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_pd_alloc(&v, pd);
}

long cl_pd_dealloc(int fd, u32 pd)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_pd_dealloc(&v, pd);
}

long cl_mr_reg(int fd, u32 pd, void *buf, size_t len, u32 *mr,
	       struct ib_uverbs_mr_reg_resp *resp)
{
	struct ioverbs_client v = cl(fd);

	memset(resp, 0, sizeof(*resp));
	return ioverbs_mr_reg(&v, pd, buf, len,
			      IB_UVERBS_ACCESS_LOCAL_WRITE |
				      IB_UVERBS_ACCESS_REMOTE_WRITE |
				      IB_UVERBS_ACCESS_REMOTE_READ,
			      mr, &resp->lkey, &resp->rkey);
}

long cl_mr_dereg(int fd, u32 mr)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_mr_dereg(&v, mr);
}

long cl_cq_create(int fd, u32 cqe, u32 *cq)
{
	struct ioverbs_client v = cl(fd);
	u32 got;

	return ioverbs_cq_create(&v, cqe, cq, &got);
}

long cl_cq_destroy(int fd, u32 cq)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_cq_destroy(&v, cq, NULL);
}

long cl_qp_create(int fd, u32 pd, u32 cq, u32 *qp, u32 *qpn)
{
	static const struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 16, .max_recv_wr = 16,
		.max_send_sge = 2, .max_recv_sge = 2,
	};
	struct ioverbs_client v = cl(fd);
	struct ib_uverbs_qp_cap got;
	u32 n;

	return ioverbs_qp_create(&v, IB_UVERBS_QPT_RC, pd, cq, &cap, qp,
				 qpn ? qpn : &n, &got);
}

long cl_qp_modify(int fd, u32 qp, const struct ib_uverbs_qp_attr *attr)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_qp_modify(&v, qp, attr);
}

long cl_qp_destroy(int fd, u32 qp)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_qp_destroy(&v, qp, NULL);
}

/* Finite RNR retries: a SEND without a receive fails instead of waiting. */
long cl_qp_connect_rc(int fd, u32 qp, u16 dlid, u32 dest_qpn)
{
	struct ioverbs_client v = cl(fd);

	return ioverbs_qp_connect_rc(&v, qp, dlid, dest_qpn, 1);
}
