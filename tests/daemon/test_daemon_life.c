// SPDX-License-Identifier: MIT
/*
 * Who may open what, and what happens to a file when its client dies or
 * its device goes: permissions from file modes (EACCES for another user),
 * SIGKILLed clients (idle with objects, or in a loop of commands) whose
 * files the kernel releases, hot unplug with ioverbs-ctl remove/add
 * (Rule 20 of docs/design.md), and the control tool's answers and exit
 * statuses.
 */
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

static int open_ok(struct fx *fx, const char *name)
{
	int fd = fx_open(fx, name, O_RDWR);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", name,
			     errno_name(fd));
	return fd;
}

/* Runs @fn in a child as nobody; returns its exit status. */
static int as_nobody(int (*fn)(struct fx *), struct fx *fx)
{
	int status;
	pid_t p;

	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		_exit(fn(fx));
	}
	if (p < 0 || waitpid(p, &status, 0) != p)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static int nobody_opens(struct fx *fx)
{
	struct ib_uverbs_query_port_resp port;
	int fd;

	/* uverbs1 is root's, mode 0600: the kernel refuses. */
	fd = fx_open(fx, "uverbs1", O_RDWR);
	if (fd != -EACCES)
		return 1;
	/* ctl is root's too. */
	if (fx_open(fx, "ctl", O_RDWR) != -EACCES)
		return 2;
	/* uverbs0 is 0666: nobody gets a working file (the daemon is root). */
	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0)
		return 3;
	if (cl_get_context(fd) || cl_query_port(fd, 1, &port) || !port.lid)
		return 4;
	close(fd);
	return 0;
}

TEST(daemon_mode_0600_refuses_other_users)
{
	struct fx fx;

	fx_start(&fx, "--mode=0600", "--dev-perm=uverbs0:0:0:0666", NULL);
	ASSERT_EQ(as_nobody(nobody_opens, &fx), 0);
	fx_stop(&fx);
}

/* Sets up a context with a PD, an MR, a CQ and a QP on @fd. */
static long hold_objects(int fd, void *buf, size_t len)
{
	struct ib_uverbs_mr_reg_resp mr_resp;
	u32 pd, mr, cq, qp, qpn;
	long ret;

	ret = cl_get_context(fd);
	if (!ret)
		ret = cl_pd_alloc(fd, &pd);
	if (!ret)
		ret = cl_mr_reg(fd, pd, buf, len, &mr, &mr_resp);
	if (!ret)
		ret = cl_cq_create(fd, 8, &cq);
	if (!ret)
		ret = cl_qp_create(fd, pd, cq, &qp, &qpn);
	return ret;
}

TEST(daemon_sigkill_idle_client_releases)
{
	static u8 buf[4096];
	int pfd[2], fd, status;
	struct fx fx;
	long base;
	char c;
	pid_t p;

	fx_start(&fx, NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p == 0) {
		close(pfd[0]);
		fd = fx_open(&fx, "uverbs0", O_RDWR);
		if (fd < 0 || hold_objects(fd, buf, sizeof(buf)))
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_TRUE(p > 0);
	close(pfd[1]);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	ASSERT_EQ(fx_files_of(&fx, "uverbs0", p), 1);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", p), 4);
	ASSERT_TRUE(fx_live_objects(&fx) > base);
	ASSERT_OK(kill(p, SIGKILL));
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFSIGNALED(status));
	fx_wait_released(&fx, p, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}

/* A client that runs commands until it is killed. */
static void busy_client(struct fx *fx, int ready)
{
	static u8 buf[8192];
	struct ib_uverbs_query_port_resp port;
	u32 pd, mr;
	struct ib_uverbs_mr_reg_resp mr_resp;
	int fd;

	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0 || hold_objects(fd, buf, sizeof(buf)))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		if (cl_query_port(fd, 1, &port) || cl_pd_alloc(fd, &pd) ||
		    cl_mr_reg(fd, pd, buf, sizeof(buf), &mr, &mr_resp) ||
		    cl_mr_dereg(fd, mr) || cl_pd_dealloc(fd, pd))
			_exit(2);
	}
}

TEST_TIMEOUT(daemon_sigkill_busy_client_20_times, 300)
{
	struct fx fx;
	long base;
	int i;

	fx_start(&fx, NULL);
	base = fx_live_objects(&fx);
	srand((unsigned int)getpid());
	for (i = 0; i < 20; i++) {
		struct timespec ts = { 0, (rand() % 20) * 1000000L };
		int pfd[2], status;
		char c;
		pid_t p;

		ASSERT_OK(pipe(pfd));
		fflush(stdout);
		fflush(stderr);
		p = fork();
		if (p == 0) {
			close(pfd[0]);
			busy_client(&fx, pfd[1]);
		}
		ASSERT_TRUE(p > 0);
		close(pfd[1]);
		ASSERT_EQ(read(pfd[0], &c, 1), 1);
		close(pfd[0]);
		nanosleep(&ts, NULL);
		ASSERT_OK(kill(p, SIGKILL));
		ASSERT_EQ(waitpid(p, &status, 0), p);
		/* Killed in the loop, not failed out of it. */
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	/* Every file released, everything freed, the daemon serving. */
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	ASSERT_EQ(fx_files_of(&fx, NULL, getpid()), 0);
	fx_stop(&fx);
}

/* ioverbs-ctl ARGS...: its exit status, its output in @out. */
static int ctl_tool(struct fx *fx, char *out, size_t size, const char *a,
		    const char *b)
{
	char *argv[] = { (char *)fx_ctl_tool_path(),
			 "-m",
			 fx->mnt,
			 (char *)a,
			 (char *)b,
			 NULL };

	return fx_run(argv, out, size);
}

TEST(daemon_remove_and_add_device)
{
	static u8 buf[4096];
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_mr_reg_resp mr_resp;
	char out[8192];
	u32 pd, mr;
	struct fx fx;
	int fd, fd0, fd2;

	if (access(fx_ctl_tool_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no ioverbs-ctl at %s",
			     fx_ctl_tool_path());
	fx_start(&fx, NULL);
	fd0 = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd0));
	fd = open_ok(&fx, "uverbs1");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_mr_reg(fd, pd, buf, sizeof(buf), &mr, &mr_resp));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs1", getpid()), 2);

	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "remove", "uverbs1"), 0);
	ASSERT_TRUE(strstr(out, "removed uverbs1"));
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "list", NULL), 0);
	ASSERT_TRUE(strstr(out, "device uverbs1 removed"));
	ASSERT_TRUE(strstr(out, "device uverbs0 registered"));
	/* The file stays, disassociated, its objects gone (zombies). */
	ASSERT_TRUE(strstr(out, "file uverbs1 pid"));
	ASSERT_TRUE(strstr(out, "disassociated 1"));
	/* Rule 20: new commands get EIO, DESTROY still succeeds. */
	ASSERT_ERRNO(-EIO, cl_query_port(fd, 1, &port));
	ASSERT_ERRNO(-EIO, cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_mr_dereg(fd, mr));
	ASSERT_OK(cl_pd_dealloc(fd, pd));
	/* The other device is untouched. */
	ASSERT_OK(cl_query_port(fd0, 1, &port));
	/* Opens fail while it is gone; the name stays. */
	ASSERT_ERRNO(-ENODEV, fx_open(&fx, "uverbs1", O_RDWR));
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "remove", "uverbs1"), 1);
	ASSERT_TRUE(strstr(out, "ENODEV"));
	ASSERT_OK(close(fd));
	ASSERT_EQ(fx_files_of(&fx, "uverbs1", getpid()), 0);

	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "add", "uverbs1"), 0);
	ASSERT_TRUE(strstr(out, "added uverbs1"));
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "add", "uverbs1"), 1);
	ASSERT_TRUE(strstr(out, "EEXIST"));
	fd = open_ok(&fx, "uverbs1");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	/* Removal with the client's objects still there: all destroyed. */
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "remove", "uverbs1"), 0);
	ASSERT_ERRNO(-EIO, cl_query_port(fd, 1, &port));
	/* Re-added while the old file is open: the old file stays on the
	 * removed device, listed, and a new file gets the new device. */
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "add", "uverbs1"), 0);
	ASSERT_EQ(fx_files_of(&fx, "uverbs1", getpid()), 1);
	ASSERT_ERRNO(-EIO, cl_query_port(fd, 1, &port));
	ASSERT_OK(cl_pd_dealloc(fd, pd));
	fd2 = open_ok(&fx, "uverbs1");
	ASSERT_OK(cl_get_context(fd2));
	ASSERT_OK(cl_pd_alloc(fd2, &pd));
	ASSERT_EQ(fx_files_of(&fx, "uverbs1", getpid()), 2);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs1", getpid()) >= 0, 1);
	ASSERT_OK(close(fd));
	ASSERT_EQ(fx_files_of(&fx, "uverbs1", getpid()), 1);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs1", getpid()), 1);
	/* Daemon exit with a file open on a device: released at exit. */
	close(fd0);
	fx_stop(&fx);
	close(fd2);
}

TEST(daemon_ctl_tool_errors)
{
	char out[8192];
	char *noarg[] = { (char *)fx_ctl_tool_path(), NULL };
	char *nomount[] = { (char *)fx_ctl_tool_path(), "-m", "/nonexistent",
			    "list", NULL };
	struct fx fx;

	if (access(fx_ctl_tool_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no ioverbs-ctl at %s",
			     fx_ctl_tool_path());
	ASSERT_EQ(fx_run(noarg, out, sizeof(out)), 2);
	ASSERT_TRUE(strstr(out, "Usage"));
	ASSERT_EQ(fx_run(nomount, out, sizeof(out)), 2);
	ASSERT_TRUE(strstr(out, "/nonexistent/ctl"));
	fx_start(&fx, NULL);
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "remove", "uverbs7"), 1);
	ASSERT_TRUE(strstr(out, "ENOENT"));
	ASSERT_EQ(ctl_tool(&fx, out, sizeof(out), "frob", NULL), 2);
	/* The daemon's own parser, without the tool's checks. */
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "frob uverbs0", out, sizeof(out)));
	ASSERT_TRUE(strstr(out, "error: EINVAL"));
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "list extra", out, sizeof(out)));
	ASSERT_ERRNO(-EINVAL, fx_ctl(&fx, "\n", out, sizeof(out)));
	ASSERT_OK(fx_ctl(&fx, "list\n", out, sizeof(out)));
	ASSERT_TRUE(strstr(out, "live_objects"));
	fx_stop(&fx);
}

/* Without -f: fuse_daemonize(), the log in --log-file, the pid file. */
TEST(daemon_background_mode)
{
	struct ib_uverbs_query_port_resp port;
	char line[256];
	bool found = false;
	struct fx fx;
	FILE *fp;
	int fd;

	fx_start_flags(&fx, FX_BACKGROUND, NULL);
	ASSERT_TRUE(fx.pid > 0 && fx.pid != getpid());
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	close(fd);
	fp = fopen(fx.log, "re");
	ASSERT_TRUE(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "uverbs0 #1 pid") && strstr(line, "opened"))
			found = true;
	fclose(fp);
	ASSERT_TRUE(found);
	fx_stop(&fx);
}

/* Without CAP_SYS_PTRACE the daemon says so, and cannot reach a client
 * with more privileges than itself: EFAULT, not a crash. */
TEST(daemon_without_cap_sys_ptrace)
{
	char line[256];
	bool warned = false;
	struct fx fx;
	FILE *fp;

	fx_start_flags(&fx, FX_NO_PTRACE, NULL);
	fp = fopen(fx.log, "re");
	ASSERT_TRUE(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "warn: no CAP_SYS_PTRACE"))
			warned = true;
	fclose(fp);
	ASSERT_TRUE(warned);
	/*
	 * The daemon cannot bind a file to our memory (/proc/PID/mem needs
	 * ptrace rights over us): no file without its guard.
	 */
	ASSERT_EQ(fx_open(&fx, "uverbs0", O_RDWR), -EACCES);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}
