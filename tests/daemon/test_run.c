// SPDX-License-Identifier: MIT
/*
 * ioverbs run: unmodified Debian libibverbs programs (ibv_devices,
 * ibv_devinfo from ibverbs-utils) and a libibverbs client of our own
 * (tests/provider/smoke.c) on the daemon's devices, through the provider.
 * What they print must be what the daemon answers (compared with
 * `ioverbs devinfo`, which asks it straight); no daemon gives one line
 * and exit code 2; the program's status comes back; the host's /dev and
 * the temporary directory are left as they were; an ordinary user runs
 * the same; an ordinary user's runs of one mount share one user
 * namespace, and never join another user's, whatever is planted in the
 * user's registry.
 *
 * The provider is $IOVERBS_PROVIDER, else $(O)/rel/provider/ (from this
 * program's place, $(O)/asan/tests/daemon/); the smoke client
 * $(O)/rel/tests/provider/smoke.  Without ibverbs-utils every test skips.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"

/* An unused user and group for the unprivileged run. */
#define RUN_UID 4251



static char smoke[PATH_MAX];

/* Skips without ibverbs-utils; sets $IOVERBS_PROVIDER and the smoke path. */
static void need_tools(void)
{
	const char *so = getenv("IOVERBS_PROVIDER");

	if (access("/usr/bin/ibv_devices", X_OK) ||
	    access("/usr/bin/ibv_devinfo", X_OK))
		harness_skip("no ibverbs-utils (scripts/install.sh installs it)");
	if (!so || !*so) {
		so = fx_in_build("rel/provider/libioverbs-rdmav34.so");
		ASSERT_OK(setenv("IOVERBS_PROVIDER", so, 1));
	}
	if (access(so, R_OK))
		harness_fail(__FILE__, __LINE__, "no provider at %s", so);
	if (snprintf(smoke, sizeof(smoke), "%s",
		     fx_in_build("rel/tests/provider/smoke")) >= (int)sizeof(smoke))
		harness_fail(__FILE__, __LINE__, "smoke: path too long");
	if (access(smoke, X_OK))
		harness_fail(__FILE__, __LINE__, "no smoke client at %s", smoke);
	if (access(fx_tool_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no tool at %s", fx_tool_path());
}

/* The tool with up to 14 arguments: its exit status, output in @out. */
static int run_tool(char *out, size_t size, ...)
{
	char *argv[16] = { (char *)fx_tool_path() };
	va_list ap;
	int i = 1;

	va_start(ap, size);
	while (i < 15 && (argv[i] = va_arg(ap, char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;
	return fx_run(argv, out, size);
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(run_ibv_devices_lists_guids)
{
	struct ib_uverbs_query_device_resp d;
	char out[4096], want[1024], mnt_opt[128];
	unsigned int n;
	size_t used;
	struct fx fx;
	int fd;

	need_tools();
	fx_start(&fx, "--mode=0666", NULL);
	used = (size_t)snprintf(want, sizeof(want),
				"    device          \t   node GUID\n"
				"    ------          \t----------------\n");
	for (n = 0; n < 2; n++) {
		char name[16];

		snprintf(name, sizeof(name), "uverbs%u", n);
		fd = fx_open(&fx, name, O_RDWR);
		ASSERT_TRUE(fd >= 0);
		ASSERT_OK(cl_get_context(fd));
		ASSERT_OK(cl_query_device(fd, &d));
		close(fd);
		used += (size_t)snprintf(want + used, sizeof(want) - used,
					 "    ioverbs%u        \t%016llx\n", n,
					 (unsigned long long)d.node_guid);
	}
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--",
			   "ibv_devices", NULL),
		  0);
	if (strcmp(out, want))
		harness_fail(__FILE__, __LINE__, "got:\n%s\nwant:\n%s", out,
			     want);
	fx_stop(&fx);
}

/*
 * The "key: value" lines of ibv_devinfo's layout whose key is one both
 * programs print the same way, in order, as "key=value\n".
 */
static void pick(const char *text, char *out, size_t size)
{
	static const char *const keys[] = {
		"fw_ver", "node_guid", "sys_image_guid", "vendor_id",
		"vendor_part_id", "hw_ver", "phys_port_cnt", "max_mr_size",
		"page_size_cap", "max_qp", "max_qp_wr", "device_cap_flags",
		"max_sge", "max_sge_rd", "max_cq", "max_cqe", "max_mr",
		"max_pd", "max_qp_rd_atom", "max_res_rd_atom",
		"max_qp_init_rd_atom", "atomic_cap", "max_ah", "max_srq",
		"max_srq_wr", "max_srq_sge", "max_pkeys",
		"local_ca_ack_delay", "port", "state", "max_mtu",
		"active_mtu", "sm_lid", "port_lid", "port_lmc", "link_layer",
		"max_msg_sz", "port_cap_flags", "bad_pkey_cntr",
		"qkey_viol_cntr", "sm_sl", "pkey_tbl_len", "gid_tbl_len",
		"subnet_timeout", "init_type_reply", "active_width",
		"active_speed", "phys_state", "GID[  0]",
	};
	size_t used = 0, i, klen;

	*out = '\0';
	while (*text) {
		size_t len = strcspn(text, "\n");
		const char *l = text, *colon, *v;

		while (*l == '\t' && l < text + len)
			l++;
		colon = memchr(l, ':', (size_t)(text + len - l));
		if (colon) {
			klen = (size_t)(colon - l);
			for (i = 0; i < ARRAY_SIZE(keys); i++) {
				if (strlen(keys[i]) != klen ||
				    memcmp(keys[i], l, klen))
					continue;
				v = colon + 1;
				while (*v == '\t' || *v == ' ')
					v++;
				used += (size_t)snprintf(
					out + used, size - used, "%.*s=%.*s\n",
					(int)klen, l, (int)(text + len - v), v);
				break;
			}
		}
		text += len + (text[len] == '\n');
	}
}

TEST(run_ibv_devinfo_is_truthful)
{
	static char ours[16384], theirs[16384], a[8192], b[8192];
	char mnt_opt[128], dev[16], ibdev[16];
	unsigned int n;
	struct fx fx;

	need_tools();
	fx_start(&fx, "--mode=0666", NULL);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	for (n = 0; n < 2; n++) {
		snprintf(dev, sizeof(dev), "uverbs%u", n);
		snprintf(ibdev, sizeof(ibdev), "ioverbs%u", n);
		ASSERT_EQ(run_tool(ours, sizeof(ours), "devinfo", "-v", mnt_opt,
				   "-d", dev, NULL),
			  0);
		ASSERT_EQ(run_tool(theirs, sizeof(theirs), "run", mnt_opt, "--",
				   "ibv_devinfo", "-v", "-d", ibdev, NULL),
			  0);
		ASSERT_TRUE(strncmp(theirs, "hca_id:\tioverbs", 15) == 0);
		pick(ours, a, sizeof(a));
		pick(theirs, b, sizeof(b));
		/* Every key once for one port with one GID. */
		ASSERT_EQ(count_lines(a), 49);
		if (strcmp(a, b))
			harness_fail(__FILE__, __LINE__,
				     "%s: ibv_devinfo says:\n%s\nthe daemon:\n%s",
				     ibdev, b, a);
	}
	fx_stop(&fx);
}

/* ibv_query_pkey() reads the tree: it must hold the daemon's table. */
TEST(run_sysfs_pkeys_are_the_daemons)
{
	char out[1024], mnt_opt[128];
	struct fx fx;

	need_tools();
	fx_start(&fx, "--mode=0666", "--pkeys=uverbs1:0x8001,0x0002", NULL);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", "/bin/sh",
			   "-c",
			   "cd \"$SYSFS_PATH\"/class/infiniband && "
			   "cat ioverbs0/ports/1/pkeys/0 ioverbs1/ports/1/pkeys/0 "
			   "ioverbs1/ports/1/pkeys/1 ioverbs1/node_type "
			   "../infiniband_verbs/uverbs1/ibdev && "
			   "ls ioverbs1/ports/1/pkeys",
			   NULL),
		  0);
	ASSERT_EQ(strcmp(out, "0xffff\n0x8001\n0x0002\n1: CA\nioverbs1\n0\n1\n"),
		  0);
	fx_stop(&fx);
}

/*
 * The provider's verbs through libibverbs, each failure's errno as
 * libibverbs documents it and, with IOVERBS_DEBUG=1, its reason; the
 * PD it made is gone once the program is.
 */
TEST(run_provider_verbs)
{
	char out[4096], mnt_opt[128];
	struct fx fx;
	long base;

	need_tools();
	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects_settled(&fx);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_OK(setenv("IOVERBS_DEBUG", "1", 1));
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", smoke,
			   "--verbs", "ioverbs1", NULL),
		  0);
	ASSERT_OK(unsetenv("IOVERBS_DEBUG"));
	if (!strstr(out, "open: 0\nquery_device: 0\nquery_device_ex: 0\n"
			 "same: 1\nquery_port 1: 0\nquery_port 2: 22\n"
			 "alloc_pd: 0\ndealloc_pd: 0\ndealloc_pd bogus: 2\n"
			 "close: 0\n"))
		harness_fail(__FILE__, __LINE__, "got:\n%s", out);
	ASSERT_TRUE(strstr(out, "ioverbs: QUERY_PORT: EINVAL (port_num 2") !=
		    NULL);
	ASSERT_TRUE(strstr(out, "ioverbs: PD_DEALLOC: ENOENT (") != NULL);
	fx_wait_released(&fx, 0, base);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);

	/* Without IOVERBS_DEBUG, no reason line. */
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", smoke,
			   "--verbs", "ioverbs0", NULL),
		  0);
	ASSERT_TRUE(strstr(out, "query_port 2: 22\n") != NULL);
	ASSERT_TRUE(strstr(out, "ioverbs:") == NULL);
	fx_stop(&fx);
}

TEST(run_without_daemon_one_line)
{
	char out[1024], dir[] = "/tmp/ioverbs-run-test.XXXXXX";
	char mnt_opt[64];

	need_tools();
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", dir);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--",
			   "ibv_devices", NULL),
		  2);
	rmdir(dir);
	ASSERT_EQ(count_lines(out), 1);
	ASSERT_TRUE(strncmp(out, "ioverbs run: ", 13) == 0);
	ASSERT_TRUE(strstr(out, "no daemon there") != NULL);
	/* No command at all: a usage error. */
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, NULL), 2);
}

TEST(run_exit_status_is_the_programs)
{
	char out[1024], mnt_opt[128];
	struct fx fx;

	need_tools();
	fx_start(&fx, "--mode=0666", NULL);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", "/bin/sh",
			   "-c", "exit 7", NULL),
		  7);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", "/bin/sh",
			   "-c", "kill -9 $$", NULL),
		  128 + 9);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--",
			   "/nonexistent/program", NULL),
		  127);
	fx_stop(&fx);
}

/* Names in @dir, sorted, one a line. */
static void list_dir(const char *dir, char *out, size_t size)
{
	struct dirent **names;
	size_t used = 0;
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	ASSERT_TRUE(n >= 0);
	*out = '\0';
	for (i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, size - used, "%s\n",
					 names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

TEST(run_leaves_host_dev_and_tmp_alone)
{
	static char before[16384], after[16384];
	char out[1024], mnt_opt[128], tmp[] = "/tmp/ioverbs-run-tmp.XXXXXX";
	struct stat st0, st1;
	struct fx fx;
	bool had_ib;

	need_tools();
	fx_start(&fx, "--mode=0666", NULL);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	ASSERT_OK(setenv("TMPDIR", tmp, 1));
	had_ib = !access("/dev/infiniband", F_OK);
	list_dir("/dev", before, sizeof(before));
	ASSERT_OK(stat("/dev", &st0));

	/* Inside: the nodes are character devices, /dev/null as sysfs says. */
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--", "/bin/sh",
			   "-c",
			   "test -c /dev/infiniband/uverbs0 && "
			   "test -c /dev/infiniband/uverbs1 && "
			   "test -c /dev/null && test -d /dev/pts && "
			   "cat \"$SYSFS_PATH\"/class/infiniband_verbs/uverbs0/dev && "
			   "stat -c '%t:%T' /dev/infiniband/uverbs0",
			   NULL),
		  0);
	ASSERT_OK(unsetenv("TMPDIR"));
	ASSERT_EQ(strcmp(out, "1:3\n1:3\n"), 0);

	list_dir("/dev", after, sizeof(after));
	ASSERT_OK(stat("/dev", &st1));
	ASSERT_EQ(strcmp(before, after), 0);
	ASSERT_EQ(st0.st_mtim.tv_sec, st1.st_mtim.tv_sec);
	ASSERT_EQ(st0.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
	ASSERT_EQ(!access("/dev/infiniband", F_OK), had_ib);
	/* The generated tree is gone. */
	list_dir(tmp, after, sizeof(after));
	ASSERT_EQ(strcmp(after, ".\n..\n"), 0);
	ASSERT_OK(rmdir(tmp));
	fx_stop(&fx);
}

struct as_user {
	struct fx *fx;
	char mnt_opt[128];
};

static int user_runs(void *arg)
{
	struct as_user *u = arg;
	char out[4096];
	int ret;

	ret = run_tool(out, sizeof(out), "run", u->mnt_opt, "--",
		       "ibv_devices", NULL);
	CHECK(ret == 0);
	CHECK(strstr(out, "    ioverbs0        \t0250f7") != NULL);
	CHECK(strstr(out, "    ioverbs1        \t0250f7") != NULL);
	ret = run_tool(out, sizeof(out), "run", u->mnt_opt, "--", smoke,
		       "--verbs", "ioverbs0", NULL);
	CHECK(ret == 0);
	CHECK(strstr(out, "open: 0\n") != NULL);
	CHECK(strstr(out, "alloc_pd: 0\ndealloc_pd: 0\n") != NULL);
	CHECK(strstr(out, "close: 0\n") != NULL);
	CHECK(getuid() == RUN_UID);
	return 0;
}

/* An ordinary user: a user namespace of their own, the same results. */
TEST(run_as_ordinary_user)
{
	struct as_user u;
	struct fx fx;
	long base;

	need_tools();
	if (fx_userns_off())
		harness_skip("unprivileged user namespaces are off");
	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects_settled(&fx);
	u.fx = &fx;
	snprintf(u.mnt_opt, sizeof(u.mnt_opt), "--mount=%s", fx.mnt);
	ASSERT_EQ(fx_as_user(RUN_UID, user_runs, &u), 0);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

/* --start: a daemon on an empty directory, which serves the run and stays. */
TEST(run_start_starts_a_daemon)
{
	char out[1024], dir[] = "/tmp/ioverbs-run-start.XXXXXX";
	char mnt[64], mnt_opt[96], ctl[96], *argv[4];
	int i;

	need_tools();
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK))
		harness_skip("needs root and /dev/fuse");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(mnt, sizeof(mnt), "%s/m", dir);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", mnt);
	snprintf(ctl, sizeof(ctl), "%s/ctl", mnt);
	ASSERT_OK(setenv("IOVERBSD", fx_daemon_path(), 1));
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--start", "--",
			   "ibv_devices", NULL),
		  0);
	ASSERT_TRUE(strstr(out, "    ioverbs0        \t0250f7") != NULL);
	ASSERT_OK(access(ctl, F_OK));
	/* A second run finds it there. */
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--start", "--",
			   "/bin/true", NULL),
		  0);
	argv[0] = "/bin/fusermount3";
	argv[1] = "-u";
	argv[2] = mnt;
	argv[3] = NULL;
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	for (i = 0; i < 100 && !access(ctl, F_OK); i++)
		msleep(50);
	ASSERT_TRUE(access(ctl, F_OK) != 0);
	ASSERT_OK(rmdir(mnt));
	ASSERT_OK(rmdir(dir));
}

/* --- one namespace per user and mount ---------------------------------- */

/* The registry of @uid's runs, as ioverbs run chooses it. */
static void registry_of(uid_t uid, char *path, size_t size)
{
	char base[32];
	struct stat st;

	snprintf(base, sizeof(base), "/run/user/%u", (unsigned int)uid);
	if (!lstat(base, &st) && S_ISDIR(st.st_mode) && st.st_uid == uid &&
	    (st.st_mode & 07777) == 0700)
		snprintf(path, size, "%s/ioverbs-run", base);
	else
		snprintf(path, size, "/tmp/ioverbs-run-%u", (unsigned int)uid);
}

/* The pid of the entry of @dir for mount @mnt (its text in @text), or 0. */
static pid_t entry_of(const char *dir, const char *mnt, char *text,
		      size_t size)
{
	char path[PATH_MAX], want[PATH_MAX];
	struct dirent *e;
	pid_t pid = 0;
	ssize_t n;
	DIR *d;
	int fd;

	snprintf(want, sizeof(want), "\nmount %s\n", mnt);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!pid && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, text, size - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		if (strstr(text, want))
			pid = atoi(e->d_name);
	}
	closedir(d);
	return pid;
}

/*
 * Waits (20 s at most) for the background run @run to register its
 * command in @dir: the command's pid (the run's child).
 */
static pid_t wait_cmd(pid_t run, const char *dir)
{
	char path[PATH_MAX];
	pid_t cmd = 0;
	FILE *fp;
	int i;

	for (i = 0; i < 400; i++) {
		ASSERT_EQ(waitpid(run, NULL, WNOHANG), 0);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
			 (int)run, (int)run);
		fp = fopen(path, "re");
		ASSERT_TRUE(fp != NULL);
		if (fscanf(fp, "%d", &cmd) != 1)
			cmd = 0;
		fclose(fp);
		snprintf(path, sizeof(path), "%s/%d", dir, (int)cmd);
		if (cmd && !access(path, F_OK))
			return cmd;
		msleep(50);
	}
	harness_fail(__FILE__, __LINE__, "run %d never registered in %s",
		     (int)run, dir);
	return 0;
}

/* `ioverbs run --mount=MNT -- ARGS...` (14 at most) as @uid, in the background. */
static pid_t spawn_run_as(uid_t uid, struct fx *fx, ...)
{
	char *argv[20] = { (char *)fx_tool_path(), "run" }, mnt_opt[128];
	va_list ap;
	int i = 2, fd;
	pid_t p;

	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx->mnt);
	argv[i++] = mnt_opt;
	argv[i++] = "--";
	va_start(ap, fx);
	while (i < 19 && (argv[i] = va_arg(ap, char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (!p) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    fx_become(uid))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

/*
 * `ioverbs run --mount=MNT -- readlink /proc/self/ns/user` as @uid: its
 * exit status, its output (stdout and stderr) in @out.
 */
static int run_userns_as(uid_t uid, struct fx *fx, char *out, size_t size)
{
	char *argv[8] = { (char *)fx_tool_path(), "run" }, mnt_opt[128];
	int pfd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t p;

	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx->mnt);
	argv[2] = mnt_opt;
	argv[3] = "--";
	argv[4] = "/bin/readlink";
	argv[5] = "/proc/self/ns/user";
	ASSERT_OK(pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (!p) {
		if (dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0 ||
		    fx_become(uid))
			_exit(126);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (used < size - 1 &&
	       (n = read(pfd[0], out + used, size - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pfd[0]);
	ASSERT_EQ(waitpid(p, &status, 0), p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* "user:[INO]\n" of @pid's user namespace, in @out. */
static void userns_of(pid_t pid, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	n = readlink(path, out, size - 2);
	ASSERT_TRUE(n > 0);
	out[n] = '\n';
	out[n + 1] = '\0';
}

/* Ends the background run whose command is @cmd (its pid @run). */
static void end_run(pid_t run, pid_t cmd)
{
	int status;

	ASSERT_OK(kill(cmd, SIGTERM));
	ASSERT_EQ(waitpid(run, &status, 0), run);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
}

/*
 * An ordinary user's runs of one mount share one user namespace: a second
 * run joins the first's; when the first ends, a third joins through the
 * second, still there; each entry is gone when its command ends.
 */
TEST(run_one_user_shares_one_namespace)
{
	char text[PATH_MAX + 128], ns1[64], ns2[64], out[1024], dir[64];
	const uid_t a = RUN_UID + 2;
	pid_t run1, cmd1, run2, cmd2;
	struct fx fx;

	need_tools();
	if (fx_userns_off())
		harness_skip("unprivileged user namespaces are off");
	fx_start(&fx, "--mode=0666", NULL);
	registry_of(a, dir, sizeof(dir));
	run1 = spawn_run_as(a, &fx, "/bin/sleep", "60", NULL);
	cmd1 = wait_cmd(run1, dir);
	userns_of(cmd1, ns1, sizeof(ns1));
	/* Not the host's: a namespace of the run's own. */
	userns_of(getpid(), ns2, sizeof(ns2));
	ASSERT_TRUE(strcmp(ns1, ns2) != 0);

	ASSERT_EQ(run_userns_as(a, &fx, out, sizeof(out)), 0);
	if (strcmp(out, ns1))
		harness_fail(__FILE__, __LINE__, "got %s, want %s", out, ns1);

	run2 = spawn_run_as(a, &fx, "/bin/sleep", "60", NULL);
	cmd2 = wait_cmd(run2, dir);
	userns_of(cmd2, ns2, sizeof(ns2));
	ASSERT_EQ(strcmp(ns1, ns2), 0);

	/* The creator's run ends: its entry goes, the namespace stays. */
	end_run(run1, cmd1);
	snprintf(text, sizeof(text), "%s/%d", dir, (int)cmd1);
	ASSERT_TRUE(access(text, F_OK) != 0);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_EQ(run_userns_as(a, &fx, out, sizeof(out)), 0);
	if (strcmp(out, ns1))
		harness_fail(__FILE__, __LINE__, "got %s, want %s", out, ns1);

	end_run(run2, cmd2);
	ASSERT_EQ(entry_of(dir, fx.mnt, text, sizeof(text)), 0);
	fx_stop(&fx);
}

/* Writes @text to @path, owned by @uid, mode @mode. */
static void plant(const char *path, const char *text, uid_t uid, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ASSERT_OK(fchown(fd, uid, uid));
	ASSERT_OK(fchmod(fd, mode));
	ASSERT_OK(close(fd));
}

/* B's run of readlink: exit 0, @warning then a user namespace not @ns. */
static void b_runs_alone(uid_t b, struct fx *fx, const char *warning,
			 const char *ns)
{
	char out[1024];
	size_t wl = strlen(warning);
	int ret;

	ret = run_userns_as(b, fx, out, sizeof(out));
	if (ret || strncmp(out, warning, wl) ||
	    strncmp(out + wl, "user:[", 6) || !strcmp(out + wl, ns) ||
	    strchr(out + wl, '\n') != out + strlen(out) - 1)
		harness_fail(__FILE__, __LINE__,
			     "B's run: exit %d:\n%s\nwant: %s then not %s", ret,
			     out, warning, ns);
}

/*
 * User B's run never joins user A's namespace: not when A's entry is
 * planted in B's registry (B's own file: the namespace's owner is A; the
 * entry is removed), not when B's registry is a symlink to A's, nor when
 * it is A's directory open to all (refused with one line, A's entry left
 * alone).  Each time B's program runs in a namespace of its own.
 */
TEST(run_never_joins_another_users_namespace)
{
	char text[PATH_MAX + 128], ns_a[64], adir[64], bdir[64];
	char planted[128], want[256];
	const uid_t a = RUN_UID + 3, b = RUN_UID + 4;
	struct stat st;
	pid_t run, cmd;
	struct fx fx;

	need_tools();
	if (fx_userns_off())
		harness_skip("unprivileged user namespaces are off");
	fx_start(&fx, "--mode=0666", NULL);
	registry_of(a, adir, sizeof(adir));
	registry_of(b, bdir, sizeof(bdir));
	/* What an interrupted earlier run of this test left there. */
	if (!lstat(bdir, &st) && (!S_ISDIR(st.st_mode) || st.st_uid != b ||
				  (st.st_mode & 07777) != 0700)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(text, sizeof(text), "rm -rf '%s'", bdir);
			ASSERT_EQ(system(text), 0);
		} else {
			ASSERT_OK(unlink(bdir));
		}
	}
	run = spawn_run_as(a, &fx, "/bin/sleep", "60", NULL);
	cmd = wait_cmd(run, adir);
	ASSERT_EQ(entry_of(adir, fx.mnt, text, sizeof(text)), cmd);
	userns_of(cmd, ns_a, sizeof(ns_a));

	/* A's entry, as B's own file in B's own registry. */
	b_runs_alone(b, &fx, "", ns_a);
	ASSERT_OK(lstat(bdir, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(st.st_uid, b);
	ASSERT_EQ(st.st_mode & 07777, 0700);
	snprintf(planted, sizeof(planted), "%s/%d", bdir, (int)cmd);
	plant(planted, text, b, 0600);
	b_runs_alone(b, &fx, "", ns_a);
	ASSERT_TRUE(access(planted, F_OK) != 0);
	ASSERT_EQ(errno, ENOENT);

	/* B's registry a symlink to A's. */
	ASSERT_OK(rmdir(bdir));
	ASSERT_OK(symlink(adir, bdir));
	ASSERT_OK(lchown(bdir, b, b));
	snprintf(want, sizeof(want),
		 "ioverbs run: %s: not a directory (a symlink?); this run's namespaces are its own (its programs take the relay with your other runs')\n",
		 bdir);
	b_runs_alone(b, &fx, want, ns_a);
	ASSERT_OK(unlink(bdir));

	/* A's directory, open to all, with A's entry in it. */
	ASSERT_OK(mkdir(bdir, 0777));
	ASSERT_OK(chown(bdir, a, a));
	ASSERT_OK(chmod(bdir, 0777));
	snprintf(planted, sizeof(planted), "%s/%d", bdir, (int)cmd);
	plant(planted, text, a, 0644);
	snprintf(want, sizeof(want),
		 "ioverbs run: %s: not a directory of uid %u alone (owner %u, mode 0777); this run's namespaces are its own (its programs take the relay with your other runs')\n",
		 bdir, (unsigned int)b, (unsigned int)a);
	b_runs_alone(b, &fx, want, ns_a);
	ASSERT_OK(access(planted, F_OK));
	ASSERT_OK(unlink(planted));
	ASSERT_OK(rmdir(bdir));

	/* A's own runs still share A's. */
	ASSERT_EQ(run_userns_as(a, &fx, text, sizeof(text)), 0);
	ASSERT_EQ(strcmp(text, ns_a), 0);
	end_run(run, cmd);
	fx_stop(&fx);
}

/* `ioverbs run --start` as root on @mnt, then @mnt/ctl is there. */
static void start_on(const char *mnt)
{
	char out[1024], mnt_opt[96], ctl[96];

	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", mnt);
	snprintf(ctl, sizeof(ctl), "%s/ctl", mnt);
	ASSERT_EQ(run_tool(out, sizeof(out), "run", mnt_opt, "--start", "--",
			   "/bin/true", NULL),
		  0);
	ASSERT_OK(access(ctl, F_OK));
}

/* fusermount3 -u @mnt: @mnt/ctl is gone. */
static void unmount(const char *mnt)
{
	char out[1024], ctl[96];
	char *argv[] = { "/bin/fusermount3", "-u", (char *)mnt, NULL };
	int i;

	snprintf(ctl, sizeof(ctl), "%s/ctl", mnt);
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	for (i = 0; i < 100 && !access(ctl, F_OK); i++)
		msleep(50);
	ASSERT_TRUE(access(ctl, F_OK) != 0);
}

/*
 * A namespace made before the daemon was restarted on the same mount
 * keeps the old daemon's mount: a run after the restart does not join
 * it (it creates a new one) and removes its entry.
 */
TEST(run_never_joins_a_namespace_of_an_old_daemon)
{
	char dir[] = "/tmp/ioverbs-run-restart.XXXXXX", reg[64];
	char mnt[64], ns1[64], out[1024];
	const uid_t a = RUN_UID + 5;
	struct fx fx = { 0 };
	pid_t run, cmd;

	need_tools();
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK))
		harness_skip("needs root and /dev/fuse");
	if (fx_userns_off())
		harness_skip("unprivileged user namespaces are off");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_OK(chmod(dir, 0755));
	snprintf(mnt, sizeof(mnt), "%s/m", dir);
	snprintf(fx.mnt, sizeof(fx.mnt), "%s", mnt);
	registry_of(a, reg, sizeof(reg));
	ASSERT_OK(setenv("IOVERBSD", fx_daemon_path(), 1));
	start_on(mnt);
	run = spawn_run_as(a, &fx, "/bin/sleep", "60", NULL);
	cmd = wait_cmd(run, reg);
	userns_of(cmd, ns1, sizeof(ns1));
	ASSERT_EQ(run_userns_as(a, &fx, out, sizeof(out)), 0);
	ASSERT_EQ(strcmp(out, ns1), 0);

	/* Another daemon on the same mount: the namespace has the old one. */
	unmount(mnt);
	start_on(mnt);
	ASSERT_EQ(run_userns_as(a, &fx, out, sizeof(out)), 0);
	if (strncmp(out, "user:[", 6) || !strcmp(out, ns1))
		harness_fail(__FILE__, __LINE__,
			     "got %s, want a namespace other than %s", out, ns1);
	snprintf(out, sizeof(out), "%s/%d", reg, (int)cmd);
	ASSERT_TRUE(access(out, F_OK) != 0);
	ASSERT_EQ(errno, ENOENT);
	end_run(run, cmd);
	unmount(mnt);
	ASSERT_OK(rmdir(mnt));
	ASSERT_OK(rmdir(dir));
}
