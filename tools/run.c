// SPDX-License-Identifier: MIT
/*
 * ioverbs run: an unmodified libibverbs program on the daemon's devices.
 *
 *	ioverbs run [-m MOUNT] [--start] [--keep-sysfs] -- CMD [ARGS...]
 *
 * 1. A daemon must serve MOUNT (--start starts one there if none does).
 * 2. Each device file MOUNT/uverbsN is asked GET_CONTEXT, QUERY_DEVICE,
 *    QUERY_PORT, QUERY_GID and QUERY_PKEY, and the answers are written as
 *    the sysfs tree libibverbs 44 reads (class/infiniband_verbs/uverbsN,
 *    class/infiniband/ioverbsN with its ports, GIDs and P_Keys) in a
 *    private temporary directory; $SYSFS_PATH points there.
 * 3. CMD runs in a private mount namespace (and, for an ordinary user, a
 *    user namespace mapping only the user), where /dev/infiniband/uverbsN
 *    is a bind mount of /dev/null: libibverbs requires a character device
 *    whose number is the sysfs "dev" file's, which is /dev/null's.  When
 *    the host has no /dev/infiniband, /dev itself is a tmpfs there with
 *    every host entry bound back.  The host's /dev is never written.
 *    An ordinary user's runs of one MOUNT share those two namespaces
 *    (see "one namespace per user and mount" below): the kernel lets a
 *    process reach another's memory only within one user namespace, and
 *    the device's direct path asks for what the kernel would allow.
 * 4. $RDMAV_DRIVERS names the provider (libioverbs-rdmav34.so, given to
 *    libibverbs as its path less "-rdmav34.so"), which libibverbs loads
 *    when it finds devices no loaded provider claims; the provider opens
 *    MOUNT/uverbsN ($IOVERBS_MOUNT) in place of the node libibverbs
 *    opened.  Not LD_PRELOAD: that would load it into every program of
 *    the run, and an ASan-built program refuses a library preloaded
 *    before its runtime.
 *
 * ioverbs run exits with CMD's status (128 + N if it died of signal N),
 * or 2 when it could not start it.  The provider is $IOVERBS_PROVIDER,
 * else ../provider/libioverbs-rdmav34.so next to this program (the build
 * tree), else the installed IOVERBS_PROVIDER_PATH.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>

#include <ioverbs/reason.h>
#include <ioverbs/verbs.h>

#include "ioverbs.h"

#define SUB "run"

/* The installed provider (make install puts it there). */
#ifndef IOVERBS_PROVIDER_PATH
#define IOVERBS_PROVIDER_PATH "/usr/local/lib/libibverbs/libioverbs-rdmav34.so"
#endif

/* The kernel's uverbs ABI version libibverbs 44 accepts (3 to 6). */
#define RUN_KERNEL_ABI 6
/* The provider's own ABI version (its match_min/max_abi_version). */
#define RUN_PROVIDER_ABI 1
/* Devices at most (the daemon serves 64). */
#define RUN_MAX_DEVS 64

struct run_opts {
	const char *mount;
	bool start;
	bool keep;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs run [-m MOUNT] [--start] [--keep-sysfs] -- CMD [ARGS...]\n"
		"Runs CMD, an unmodified libibverbs program, on the daemon's devices:\n"
		"a generated sysfs tree ($SYSFS_PATH), the ioverbs provider\n"
		"($RDMAV_DRIVERS) and /dev/infiniband/uverbsN in a private mount namespace.\n"
		"  -m, --mount MOUNT    the ioverbsd mount (default $IOVERBS_MOUNT or " IOVERBS_DEFAULT_MOUNT
		")\n"
		"      --start          start ioverbsd on MOUNT if no daemon serves it\n"
		"      --keep-sysfs     leave the generated tree (its path on stderr)\n"
		"Exit status: CMD's (128+N if killed by signal N); 2 if CMD could not\n"
		"be started (no daemon, no provider, no namespace).\n");
}

/* --- the sysfs tree ------------------------------------------------ */

/* Writes "@fmt...\n" to ROOT/@rel, creating its directories. */
static int put(const char *root, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int put(const char *root, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *fp;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ret = mkdirs(path);
	if (ret)
		return ret;
	fp = fopen(path, "we");
	if (!fp)
		return -errno;
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	ret = ferror(fp) ? -EIO : 0;
	if (fclose(fp) && !ret)
		ret = -errno;
	return ret;
}

static void guid_str(u64 g, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%04x:%04x:%04x", (unsigned int)(g >> 48),
		 (unsigned int)(g >> 32) & 0xffff,
		 (unsigned int)(g >> 16) & 0xffff, (unsigned int)g & 0xffff);
}

/* The kernel's names of port states (ib_port_state), "N: NAME". */
static const char *state_name(unsigned int s)
{
	static const char *const names[] = { "NOP", "DOWN", "INIT", "ARMED",
					     "ACTIVE", "ACTIVE_DEFER" };

	return s < ARRAY_SIZE(names) ? names[s] : "UNKNOWN";
}

static const char *phys_state_name(unsigned int s)
{
	static const char *const names[] = {
		"<unknown>", "Sleep",	 "Polling",  "Disabled",
		"PortConfigurationTraining", "LinkUp", "LinkErrorRecovery",
		"Phy Test",
	};

	return s < ARRAY_SIZE(names) ? names[s] : "<unknown>";
}

/* Lanes of an active_width code (IB: 1 1X, 2 4X, 4 8X, 8 12X, 16 2X). */
static unsigned int width_lanes(unsigned int w)
{
	switch (w) {
	case 1:
		return 1;
	case 2:
		return 4;
	case 4:
		return 8;
	case 8:
		return 12;
	case 16:
		return 2;
	default:
		return 0;
	}
}

/* Tenths of Gb/s per lane of an active_speed code. */
static unsigned int speed_tenths(unsigned int s)
{
	switch (s) {
	case 1:
		return 25;
	case 2:
		return 50;
	case 4:
		return 100;
	case 8:
		return 103;
	case 16:
		return 140;
	case 32:
		return 250;
	case 64:
		return 500;
	case 128:
		return 1000;
	default:
		return 0;
	}
}

/*
 * One port's directory: what libibverbs and its tools read there
 * (ibv_query_gid() and ibv_query_pkey() read gids/N and pkeys/N).
 */
static int put_port(struct ioverbs_client *v, const char *root,
		    const char *ibdev, unsigned int port, const char **what)
{
	struct ib_uverbs_query_port_resp p;
	struct ib_uverbs_gid gid;
	unsigned int lanes, tenths;
	char rel[256];
	long ret;
	u32 i;
	u16 pkey;

	*what = "QUERY_PORT";
	ret = ioverbs_port_query(v, (u8)port, &p);
	if (ret)
		return (int)ret;
#define P(file, ...)                                                       \
	do {                                                               \
		snprintf(rel, sizeof(rel), "class/infiniband/%s/ports/%u/%s", \
			 ibdev, port, file);                               \
		ret = put(root, rel, __VA_ARGS__);                         \
		if (ret) {                                                 \
			*what = "writing the sysfs tree";                  \
			return (int)ret;                                   \
		}                                                          \
	} while (0)
	P("state", "%u: %s", p.state, state_name(p.state));
	P("phys_state", "%u: %s", p.phys_state, phys_state_name(p.phys_state));
	P("lid", "0x%x", p.lid);
	P("lid_mask_count", "%u", p.lmc);
	P("sm_lid", "0x%x", p.sm_lid);
	P("sm_sl", "%u", p.sm_sl);
	P("cap_mask", "0x%08x", p.port_cap_flags);
	P("link_layer", "%s", p.link_layer == 2 ? "Ethernet" : "InfiniBand");
	lanes = width_lanes(p.active_width);
	tenths = speed_tenths(p.active_speed);
	if (tenths % 10)
		P("rate", "%u.%u Gb/sec (%uX)", lanes * tenths / 10,
		  lanes * tenths % 10, lanes);
	else
		P("rate", "%u Gb/sec (%uX)", lanes * tenths / 10, lanes);
	*what = "QUERY_GID";
	for (i = 0; i < p.gid_tbl_len; i++) {
		ret = ioverbs_port_query_gid(v, (u8)port, i, &gid);
		if (ret)
			return (int)ret;
		snprintf(rel, sizeof(rel), "class/infiniband/%s/ports/%u/gids/%u",
			 ibdev, port, i);
		*what = "writing the sysfs tree";
		ret = put(root, rel,
			  "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			  gid.raw[0], gid.raw[1], gid.raw[2], gid.raw[3],
			  gid.raw[4], gid.raw[5], gid.raw[6], gid.raw[7],
			  gid.raw[8], gid.raw[9], gid.raw[10], gid.raw[11],
			  gid.raw[12], gid.raw[13], gid.raw[14], gid.raw[15]);
		if (ret)
			return (int)ret;
		*what = "QUERY_GID";
	}
	/*
	 * A RoCEv2 port: libibverbs reads each GID's type and interface
	 * here (ibv_query_gid_type(), ibv_query_gid_ex()).  A device
	 * without the soft vendor action has none: nothing to write.
	 */
	if (p.link_layer == 2) {
		struct soft_roce_counters rc;

		if (!ioverbs_soft_roce_counters_query(v, (u8)port, &rc) &&
		    rc.roce) {
			rc.netdev[sizeof(rc.netdev) - 1] = 0;
			for (i = 0; i < p.gid_tbl_len; i++) {
				snprintf(rel, sizeof(rel),
					 "class/infiniband/%s/ports/%u/gid_attrs/types/%u",
					 ibdev, port, i);
				*what = "writing the sysfs tree";
				ret = put(root, rel, "RoCE v2");
				if (ret)
					return (int)ret;
				snprintf(rel, sizeof(rel),
					 "class/infiniband/%s/ports/%u/gid_attrs/ndevs/%u",
					 ibdev, port, i);
				ret = put(root, rel, "%s", rc.netdev);
				if (ret)
					return (int)ret;
			}
		}
	}
	*what = "QUERY_PKEY";
	for (i = 0; i < p.pkey_tbl_len; i++) {
		ret = ioverbs_port_query_pkey(v, (u8)port, i, &pkey);
		if (ret)
			return (int)ret;
		snprintf(rel, sizeof(rel),
			 "class/infiniband/%s/ports/%u/pkeys/%u", ibdev, port,
			 i);
		*what = "writing the sysfs tree";
		ret = put(root, rel, "0x%04x", pkey);
		if (ret)
			return (int)ret;
		*what = "QUERY_PKEY";
	}
#undef P
	return 0;
}

/* put_device(): the caller may not open that device file. */
#define RUN_NOT_OURS (-1)

/*
 * The tree of device file @n (MOUNT/uverbs@n, ibdev ioverbs@n): 0,
 * RUN_NOT_OURS if the caller may not open it (nothing written), or an
 * exit code after its one error line.
 */
static int put_device(const char *root, const char *mount, unsigned int n,
		      dev_t cdev)
{
	struct ib_uverbs_query_device_resp d;
	char path[PATH_MAX], rel[256], ibdev[32], buf[64];
	char why[IOVERBS_REASON_MAX] = "";
	struct ioverbs_client v;
	const char *what = "GET_CONTEXT";
	unsigned int port;
	long ret;
	int fd;

	if (snprintf(path, sizeof(path), "%s/uverbs%u", mount, n) >=
	    (int)sizeof(path))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: too long",
				   mount);
	snprintf(ibdev, sizeof(ibdev), "ioverbs%u", n);
	fd = open(path, O_RDWR | O_CLOEXEC);
	/* Another user's device: not in this user's tree at all. */
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return RUN_NOT_OURS;
	if (fd < 0)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: open: %s (%s)",
				   path, strerrorname_np(errno),
				   strerror(errno));
	ioverbs_client_init_fd(&v, fd);
	ret = ioverbs_context_get(&v);
	if (ret)
		goto failed;
	what = "QUERY_DEVICE";
	ret = ioverbs_device_query(&v, &d);
	if (ret)
		goto failed;

#define D(file, ...)                                                       \
	do {                                                               \
		snprintf(rel, sizeof(rel), "%s/%s", buf, file);            \
		ret = put(root, rel, __VA_ARGS__);                         \
		if (ret)                                                   \
			goto write_failed;                                 \
	} while (0)
	snprintf(buf, sizeof(buf), "class/infiniband_verbs/uverbs%u", n);
	D("ibdev", "%s", ibdev);
	D("abi_version", "%d", RUN_PROVIDER_ABI);
	D("dev", "%u:%u", major(cdev), minor(cdev));
	snprintf(buf, sizeof(buf), "class/infiniband/%s", ibdev);
	D("node_type", "1: CA");
	guid_str(d.node_guid, path, sizeof(path));
	D("node_guid", "%s", path);
	guid_str(d.sys_image_guid, path, sizeof(path));
	D("sys_image_guid", "%s", path);
	D("fw_ver", "%u.%u.%u",
	  (unsigned int)(d.fw_ver >> 32),
	  (unsigned int)(d.fw_ver >> 16) & 0xffff,
	  (unsigned int)d.fw_ver & 0xffff);
	D("hw_rev", "0x%x", d.hw_ver);
	D("hca_type", "ioverbs");
#undef D
	for (port = 1; port <= d.phys_port_cnt; port++) {
		ret = put_port(&v, root, ibdev, port, &what);
		if (ret)
			goto failed;
	}
	close(fd);
	return 0;

failed:
	if (*ioverbs_client_error(&v))
		snprintf(why, sizeof(why), "%s", ioverbs_client_error(&v));
	else if (ioverbs_reason_get(&v, why, sizeof(why)) < 0)
		why[0] = '\0';
	close(fd);
	return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s/uverbs%u: %s: %s%s%s%s",
			   mount, n, what, strerrorname_np((int)-ret) ?: "E???",
			   *why ? " (" : "", why, *why ? ")" : "");
write_failed:
	close(fd);
	return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s", root,
			   strerror((int)-ret));
}

static int by_number(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The N of every MOUNT/uverbsN, sorted: their count, or -errno. */
static int list_devices(const char *mount, unsigned int *ns)
{
	struct dirent *e;
	unsigned int n;
	int count = 0;
	char end;
	DIR *dir;

	dir = opendir(mount);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && count < RUN_MAX_DEVS)
		if (e->d_type == DT_REG &&
		    sscanf(e->d_name, "uverbs%u%c", &n, &end) == 1)
			ns[count++] = n;
	closedir(dir);
	qsort(ns, (size_t)count, sizeof(*ns), by_number);
	return count;
}

/* rm -r @path (no symlink is followed). */
static void remove_tree(const char *path)
{
	struct dirent *e;
	char sub[PATH_MAX];
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		unlink(path);
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			remove_tree(sub);
		else
			unlink(sub);
	}
	closedir(dir);
	rmdir(path);
}

/* --- the daemon, the provider, netlink ------------------------------ */

/* @name next to this program's directory's parent: ../@name. */
static bool beside_self(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (snprintf(out, len, "%s/../%s", self, name) >= (int)len)
		return false;
	return !access(out, R_OK);
}

static const char *provider_path(char *buf, size_t len)
{
	const char *env = getenv("IOVERBS_PROVIDER");

	if (env && *env)
		return env;
	if (beside_self("provider/libioverbs-rdmav34.so", buf, len))
		return buf;
	return IOVERBS_PROVIDER_PATH;
}

/* Starts ioverbsd on @mount and waits (10 s at most) for its ctl file. */
static int start_daemon(const char *mount)
{
	char daemon[PATH_MAX];
	const char *path = getenv("IOVERBSD");
	int status, i;
	pid_t pid;

	if (!path || !*path)
		path = beside_self("daemon/ioverbsd", daemon, sizeof(daemon)) ?
			       daemon :
			       "ioverbsd";
	if (mkdir(mount, 0755) && errno != EEXIST)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: mkdir: %s",
				   mount, strerror(errno));
	pid = fork();
	if (pid < 0)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "fork: %s",
				   strerror(errno));
	if (!pid) {
		execlp(path, path, "--mode=0666", mount, (char *)NULL);
		fprintf(stderr, "ioverbs run: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	/* Without -f the daemon forks once it is mounted, then exits 0. */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: could not start %s on it", mount, path);
	for (i = 0; i < 100 && !ioverbs_daemon_there(mount); i++)
		usleep(100000);
	if (!ioverbs_daemon_there(mount))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: %s started but serves nothing there",
				   mount, path);
	return 0;
}

/*
 * libibverbs asks RDMA netlink for devices first and reads sysfs only
 * when netlink is not there: with it, our tree would be ignored.
 */
static bool host_has_rdma_netlink(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);

	if (s < 0)
		return false;
	close(s);
	return true;
}

/* --- the namespace -------------------------------------------------- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Private mounts; a user namespace too unless we are root. */
static int enter_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (!uid) {
		if (unshare(CLONE_NEWNS))
			return -errno;
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return -errno;
		if (write_file("/proc/self/setgroups", "deny"))
			return -EPERM;
		snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
		if (write_file("/proc/self/uid_map", map))
			return -EPERM;
		snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
		if (write_file("/proc/self/gid_map", map))
			return -EPERM;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return 0;
}

/* Binds @src onto a new empty file or directory @dst. */
static int bind_new(const char *src, const char *dst, bool dir)
{
	int fd;

	if (dir) {
		if (mkdir(dst, 0755) && errno != EEXIST)
			return -errno;
	} else {
		fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	return 0;
}

/*
 * A tmpfs over /dev holding every entry of the host's /dev (bound back,
 * through @old, a directory of our own where the host's /dev is bound
 * first) and an empty /dev/infiniband.
 */
static int rebuild_dev(const char *old)
{
	char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	struct stat st;
	ssize_t n;
	DIR *dir;
	int ret = 0;

	if (mkdir(old, 0700) && errno != EEXIST)
		return -errno;
	if (mount("/dev", old, NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755"))
		return -errno;
	dir = opendir(old);
	if (!dir)
		return -errno;
	while (!ret && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", old, e->d_name) >=
			    (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "/dev/%s", e->d_name) >=
			    (int)sizeof(dst) ||
		    lstat(src, &st))
			continue;
		if (S_ISLNK(st.st_mode)) {
			n = readlink(src, link, sizeof(link) - 1);
			if (n < 0)
				continue;
			link[n] = '\0';
			if (symlink(link, dst))
				ret = -errno;
			continue;
		}
		ret = bind_new(src, dst, S_ISDIR(st.st_mode));
		/* What we may not bind (a user namespace) stays out. */
		if (ret == -EPERM || ret == -EACCES) {
			ret = 0;
			if (S_ISDIR(st.st_mode))
				rmdir(dst);
			else
				unlink(dst);
		}
	}
	closedir(dir);
	umount2(old, MNT_DETACH);
	if (!ret && mkdir("/dev/infiniband", 0755))
		ret = -errno;
	return ret;
}

/* /dev/infiniband/uverbsN, each a bind of /dev/null. */
static int make_nodes(const char *tree, const unsigned int *ns, int count)
{
	char path[PATH_MAX], old[PATH_MAX];
	struct stat st;
	int i, ret;

	if (!stat("/dev/infiniband", &st) && S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", "/dev/infiniband", "tmpfs", MS_NOSUID,
			  "mode=0755"))
			return -errno;
	} else {
		if (snprintf(old, sizeof(old), "%s/.host-dev", tree) >=
		    (int)sizeof(old))
			return -ENAMETOOLONG;
		ret = rebuild_dev(old);
		if (ret)
			return ret;
	}
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "/dev/infiniband/uverbs%u", ns[i]);
		ret = bind_new("/dev/null", path, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* The suffix libibverbs 44 appends to a provider's name. */
#define RUN_PROVIDER_SUFFIX "-rdmav34.so"

/*
 * @so (an absolute path ending in RUN_PROVIDER_SUFFIX) without the
 * suffix, put first in $RDMAV_DRIVERS (a ":" separated list).
 */
static int set_drivers(const char *so)
{
	size_t len = strlen(so) - strlen(RUN_PROVIDER_SUFFIX);
	const char *cur = getenv("RDMAV_DRIVERS");
	char *s;
	int ret;

	if (asprintf(&s, "%.*s%s%s", (int)len, so, cur && *cur ? ":" : "",
		     cur && *cur ? cur : "") < 0)
		return -1;
	ret = setenv("RDMAV_DRIVERS", s, 1);
	free(s);
	return ret;
}

/* --- one namespace per user and mount ------------------------------ */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/*
 * An ordinary user's runs of one MOUNT live in one user namespace and one
 * mount namespace, so that their programs may reach each other's memory
 * (ptrace's rule: one user namespace) and take the direct path, as two
 * root runs do.  The first run creates the namespaces; each run writes
 * an entry for its command's pid in the user's registry directory,
 * /run/user/UID/ioverbs-run (when /run/user/UID is the user's alone) or
 * else /tmp/ioverbs-run-UID, which must be a directory (no symlink) of
 * the user with mode 0700.  An entry, named by the pid, holds
 *
 *	user INO	the pid's user namespace (inode of /proc/PID/ns/user)
 *	mnt INO		its mount namespace
 *	mount MOUNT	the daemon's mount it was made for
 *
 * A later run of MOUNT joins (setns()) the namespaces of the first entry
 * whose process still lives in them, they belong to the user (owner of
 * the user namespace, which maps the user alone; the mount namespace is
 * the user namespace's), and they show this run's view: the same
 * MOUNT/ctl (the same daemon: a namespace made before the daemon was
 * restarted keeps the old, dead mount), the same sysfs tree and working
 * directory.  An entry that fails the first checks is removed; one whose
 * view differs only in the tree or directory is left for runs it suits.
 * The directory's lock (flock()) is held from the search until the new
 * command is registered, so two runs started at once share too.  When
 * the registry is not the user's alone, the run says so and creates its
 * own namespaces, as all runs did before.
 */
struct run_share {
	int dir;		/* the registry, locked until CMD runs; or -1 */
	char path[64];		/* its path, for messages */
	int userns;		/* the namespaces to join; or -1: create them */
	int mntns;
	char cwd[PATH_MAX];	/* the working directory to keep */
};

/* How long a run waits for another's lock on the registry. */
#define RUN_SHARE_LOCK_MS 10000

/* Is @st a directory of @uid alone: its owner's, mode 0700? */
static bool users_alone(const struct stat *st, uid_t uid)
{
	return S_ISDIR(st->st_mode) && st->st_uid == uid &&
	       (st->st_mode & 07777) == 0700;
}

/* Says why the run's namespaces are its own; closes the registry. */
static void share_give_up(struct run_share *sh, const char *why)
{
	fprintf(stderr,
		"ioverbs run: %s: %s; this run's namespaces are its own (its programs take the relay with your other runs')\n",
		sh->path, why);
	if (sh->dir >= 0)
		close(sh->dir);
	sh->dir = -1;
}

/*
 * Opens and locks the registry of @uid in @sh->dir (left -1, after a
 * line on stderr, if it is not the user's alone).
 */
static void share_open(struct run_share *sh, uid_t uid)
{
	char base[32], why[96];
	struct stat st;
	int i;

	snprintf(base, sizeof(base), "/run/user/%u", (unsigned int)uid);
	if (!lstat(base, &st) && users_alone(&st, uid))
		snprintf(sh->path, sizeof(sh->path), "%s/ioverbs-run", base);
	else
		snprintf(sh->path, sizeof(sh->path), "/tmp/ioverbs-run-%u",
			 (unsigned int)uid);
	if (mkdir(sh->path, 0700) && errno != EEXIST) {
		snprintf(why, sizeof(why), "mkdir: %s", strerror(errno));
		share_give_up(sh, why);
		return;
	}
	/* Another user's directory, or a symlink to anything, is refused. */
	sh->dir = open(sh->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
	if (sh->dir < 0) {
		snprintf(why, sizeof(why), "%s",
			 errno == ELOOP || errno == ENOTDIR ?
				 "not a directory (a symlink?)" :
				 strerror(errno));
		share_give_up(sh, why);
		return;
	}
	if (fstat(sh->dir, &st)) {
		snprintf(why, sizeof(why), "fstat: %s", strerror(errno));
		share_give_up(sh, why);
		return;
	}
	if (!users_alone(&st, uid)) {
		snprintf(why, sizeof(why),
			 "not a directory of uid %u alone (owner %u, mode %04o)",
			 (unsigned int)uid, (unsigned int)st.st_uid,
			 (unsigned int)st.st_mode & 07777);
		share_give_up(sh, why);
		return;
	}
	for (i = 0; flock(sh->dir, LOCK_EX | LOCK_NB); i++) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    i * 10 >= RUN_SHARE_LOCK_MS) {
			share_give_up(sh, "locked by another run for too long");
			return;
		}
		usleep(10000);
	}
}

/* What a run sees: the identities its namespace's view must match. */
struct run_view {
	uid_t uid;
	gid_t gid;
	const char *mount;
	const char *tree;
	struct stat self_user;	/* our own user namespace */
	struct stat ctl, tree_st, cwd;
	bool have_cwd;
};

enum { SHARE_JOIN, SHARE_SKIP, SHARE_STALE };

/* Is /proc/@pid/@file exactly "ID ID 1" (the run's map of @id alone)? */
static bool maps_alone(pid_t pid, const char *file, unsigned int id)
{
	char path[64], buf[128], end;
	unsigned int in, out, len;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, " %u %u %u %c", &in, &out, &len, &end) == 3 &&
	       in == id && out == id && len == 1;
}

/* Is /proc/@pid/root@path the file @want (the same dev and inode)? */
static bool same_there(pid_t pid, const char *path, const struct stat *want)
{
	char there[PATH_MAX + 32];
	struct stat st;

	if (snprintf(there, sizeof(there), "/proc/%d/root%s", (int)pid,
		     path) >= (int)sizeof(there) ||
	    stat(there, &st))
		return false;
	return st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/*
 * The entry @name (pid @pid) of the registry: SHARE_JOIN with its
 * namespaces in @sh, SHARE_SKIP (another mount's, or another view), or
 * SHARE_STALE (gone, not the user's, not a run's: to remove).
 */
static int share_try(struct run_share *sh, const char *name, pid_t pid,
		     const struct run_view *v)
{
	char buf[PATH_MAX + 128], path[64];
	unsigned long long user_ino, mnt_ino;
	int fd, pidfd, userns = -1, mntns = -1, owner_ns, off = -1;
	int verdict = SHARE_STALE;
	struct stat st, ust, mst;
	size_t len = strlen(v->mount);
	uid_t owner;
	ssize_t n;

	fd = openat(sh->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					   O_CLOEXEC);
	if (fd < 0)
		return SHARE_STALE;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != v->uid) {
		close(fd);
		return SHARE_STALE;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return SHARE_STALE;
	buf[n] = '\0';
	if (sscanf(buf, "user %llu mnt %llu mount %n", &user_ino, &mnt_ino,
		   &off) != 2 ||
	    off < 0 || buf[n - 1] != '\n')
		return SHARE_STALE;
	if (strlen(buf + off) != len + 1 || strncmp(buf + off, v->mount, len))
		return SHARE_SKIP;
	/* Already in it (a run inside a run): a new one, as before. */
	if (v->self_user.st_ino == user_ino)
		return SHARE_SKIP;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return SHARE_STALE;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	mntns = open(path, O_RDONLY | O_CLOEXEC);
	/* The namespaces the entry names, whichever process is in them. */
	if (userns < 0 || mntns < 0 || fstat(userns, &ust) ||
	    fstat(mntns, &mst) || ust.st_ino != user_ino ||
	    mst.st_ino != mnt_ino)
		goto out;
	/* The user's own, made by a run: never another uid's. */
	if (ioctl(userns, NS_GET_OWNER_UID, &owner) || owner != v->uid ||
	    !maps_alone(pid, "uid_map", v->uid) ||
	    !maps_alone(pid, "gid_map", v->gid))
		goto out;
	owner_ns = ioctl(mntns, NS_GET_USERNS);
	if (owner_ns < 0)
		goto out;
	if (fstat(owner_ns, &st) || st.st_dev != ust.st_dev ||
	    st.st_ino != ust.st_ino) {
		close(owner_ns);
		goto out;
	}
	close(owner_ns);
	/* Its mount of MOUNT is the daemon's of now, or never again. */
	snprintf(buf, sizeof(buf), "%s/ctl", v->mount);
	if (!same_there(pid, buf, &v->ctl))
		goto out;
	verdict = SHARE_SKIP;
	if (!same_there(pid, v->tree, &v->tree_st) ||
	    (v->have_cwd && !same_there(pid, sh->cwd, &v->cwd)))
		goto out;
	/* All of it was read from that process, still there (no pid reuse). */
	verdict = SHARE_STALE;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0))
		goto out;
	sh->userns = userns;
	sh->mntns = mntns;
	close(pidfd);
	return SHARE_JOIN;
out:
	if (userns >= 0)
		close(userns);
	if (mntns >= 0)
		close(mntns);
	close(pidfd);
	return verdict;
}

/*
 * Looks in the registry for namespaces this run of @mount (tree @tree)
 * may join: @sh->userns and @sh->mntns, else -1 (create them).  Removes
 * the stale entries it meets.
 */
static void share_find(struct run_share *sh, const char *mount,
		       const char *tree)
{
	struct run_view v = { .uid = geteuid(), .gid = getegid(),
			      .mount = mount, .tree = tree };
	char ctl[PATH_MAX + 8];
	struct dirent *e;
	unsigned long pid;
	char *end;
	DIR *dir;
	int fd;

	snprintf(ctl, sizeof(ctl), "%s/ctl", mount);
	if (stat(ctl, &v.ctl) || stat(tree, &v.tree_st) ||
	    stat("/proc/self/ns/user", &v.self_user))
		return;
	v.have_cwd = getcwd(sh->cwd, sizeof(sh->cwd)) &&
		     sh->cwd[0] == '/' && !stat(".", &v.cwd);
	if (!v.have_cwd)
		sh->cwd[0] = '\0';
	fd = dup(sh->dir);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		errno = 0;
		pid = strtoul(e->d_name, &end, 10);
		if (*end || errno || pid > INT_MAX)
			continue;
		switch (share_try(sh, e->d_name, (pid_t)pid, &v)) {
		case SHARE_JOIN:
			closedir(dir);
			return;
		case SHARE_STALE:
			unlinkat(sh->dir, e->d_name, 0);
			break;
		}
	}
	closedir(dir);
}

/* In the child, last before exec: this process's entry in the registry. */
static void share_register(const struct run_share *sh, const char *mount)
{
	char name[16], text[PATH_MAX + 96];
	struct stat u, m;
	int fd, len;
	bool ok;

	if (sh->dir < 0)
		return;
	snprintf(name, sizeof(name), "%d", (int)getpid());
	if (stat("/proc/self/ns/user", &u) || stat("/proc/self/ns/mnt", &m))
		len = -1;
	else
		len = snprintf(text, sizeof(text),
			       "user %llu\nmnt %llu\nmount %s\n",
			       (unsigned long long)u.st_ino,
			       (unsigned long long)m.st_ino, mount);
	if (len < 0 || len >= (int)sizeof(text)) {
		fprintf(stderr, "ioverbs run: %s: cannot register this run\n",
			sh->path);
		return;
	}
	/* A dead process of the same pid may have left one. */
	unlinkat(sh->dir, name, 0);
	fd = openat(sh->dir, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0 && (close(fd) || !ok)) {
		ok = false;
		unlinkat(sh->dir, name, 0);
	}
	if (!ok)
		fprintf(stderr, "ioverbs run: %s/%s: %s\n", sh->path, name,
			strerror(errno ?: EIO));
}

/* Joins @sh's namespaces, in the working directory of before. */
static int join_namespace(const struct run_share *sh)
{
	if (setns(sh->userns, CLONE_NEWUSER) || setns(sh->mntns, CLONE_NEWNS))
		return -errno;
	/* setns() of a mount namespace moves to its root. */
	if (chdir(sh->cwd[0] ? sh->cwd : "/"))
		return -errno;
	return 0;
}

/*
 * In a joined namespace: /dev/infiniband/uverbsN for the devices of this
 * run its creator did not have (each a bind of /dev/null).
 */
static int add_nodes(const unsigned int *ns, int count, dev_t null)
{
	char path[PATH_MAX];
	struct stat st;
	int i, ret;

	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "/dev/infiniband/uverbs%u", ns[i]);
		if (!stat(path, &st) && S_ISCHR(st.st_mode) &&
		    st.st_rdev == null)
			continue;
		ret = bind_new("/dev/null", path, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- main ----------------------------------------------------------- */

static int run_child(const struct run_share *sh, const char *tree,
		     const char *mount, const char *so, const unsigned int *ns,
		     int count, dev_t null, char **argv)
{
	int ret;

	if (sh->userns >= 0) {
		ret = join_namespace(sh);
		if (ret) {
			ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				    "joining the namespaces of your run in %s: %s",
				    sh->path, strerror(-ret));
			return IOVERBS_EXIT_USAGE;
		}
		ret = add_nodes(ns, count, null);
	} else {
		ret = enter_namespace();
		if (ret) {
			ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				    "a private mount namespace: %s (unprivileged user namespaces disabled?)",
				    strerror(-ret));
			return IOVERBS_EXIT_USAGE;
		}
		ret = make_nodes(tree, ns, count);
	}
	if (ret) {
		ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
			    "/dev/infiniband in the namespace: %s",
			    strerror(-ret));
		return IOVERBS_EXIT_USAGE;
	}
	if (setenv("SYSFS_PATH", tree, 1) || setenv("IOVERBS_MOUNT", mount, 1) ||
	    set_drivers(so)) {
		ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "environment: %s",
			    strerror(errno));
		return IOVERBS_EXIT_USAGE;
	}
	share_register(sh, mount);
	execvp(argv[0], argv);
	ioverbs_err(SUB, 127, "%s: %s", argv[0], strerror(errno));
	return 127;
}

int ioverbs_run_main(int argc, char **argv)
{
	enum { OPT_START = 0x100, OPT_KEEP };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "mount", required_argument, NULL, 'm' },
		{ "start", no_argument, NULL, OPT_START },
		{ "keep-sysfs", no_argument, NULL, OPT_KEEP },
		{ NULL, 0, NULL, 0 },
	};
	char mount_abs[PATH_MAX], tree[PATH_MAX], sobuf[PATH_MAX];
	char so_abs[PATH_MAX];
	unsigned int ns[RUN_MAX_DEVS];
	struct run_share sh = { .dir = -1, .userns = -1, .mntns = -1 };
	struct run_opts o = { 0 };
	const char *tmp, *so;
	int c, i, count, kept, ret, status, ready[2];
	char name[16], byte;
	struct stat st;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+hm:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		case 'm':
			o.mount = optarg;
			break;
		case OPT_START:
			o.start = true;
			break;
		case OPT_KEEP:
			o.keep = true;
			break;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "no command to run");
	}
	o.mount = ioverbs_mount(o.mount);
	if (!ioverbs_daemon_there(o.mount)) {
		if (!o.start)
			return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
					   "%s: no daemon there (no %s/ctl; start ioverbsd there, or use --start)",
					   o.mount, o.mount);
		ret = start_daemon(o.mount);
		if (ret)
			return ret;
	}
	if (!realpath(o.mount, mount_abs))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s", o.mount,
				   strerror(errno));
	if (host_has_rdma_netlink())
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "this host has RDMA netlink (ib_core is loaded), so libibverbs would list the host's devices and ignore ioverbs': run where ib_core is not loaded (modprobe -r ib_core, or a container without it)");
	so = provider_path(sobuf, sizeof(sobuf));
	if (!realpath(so, so_abs))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: %s (the provider; set $IOVERBS_PROVIDER)",
				   so, strerror(errno));
	so = so_abs;
	if (strlen(so) <= strlen(RUN_PROVIDER_SUFFIX) ||
	    strcmp(so + strlen(so) - strlen(RUN_PROVIDER_SUFFIX),
		   RUN_PROVIDER_SUFFIX))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: a provider's name ends in %s", so,
				   RUN_PROVIDER_SUFFIX);
	if (stat("/dev/null", &st) || !S_ISCHR(st.st_mode))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "/dev/null is not a character device");

	count = list_devices(mount_abs, ns);
	if (count < 0)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s", mount_abs,
				   strerror(-count));
	tmp = getenv("TMPDIR");
	snprintf(tree, sizeof(tree), "%s/ioverbs-run.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tree))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s", tree,
				   strerror(errno));
	ret = put(tree, "class/infiniband_verbs/abi_version", "%d",
		  RUN_KERNEL_ABI);
	if (ret) {
		ret = ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s", tree,
				  strerror(-ret));
		goto out;
	}
	/*
	 * Only the devices the caller may open: two users with a device
	 * each (--dev-perm) each see their own, as ibv_devices would list
	 * only the devices of a kernel the user may use.
	 */
	for (i = 0, kept = 0; i < count; i++) {
		ret = put_device(tree, mount_abs, ns[i], st.st_rdev);
		if (ret == RUN_NOT_OURS)
			continue;
		if (ret)
			goto out;
		ns[kept++] = ns[i];
	}
	if (count && !kept) {
		ret = ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				  "%s: no device file you may open (EACCES)",
				  mount_abs);
		goto out;
	}
	count = kept;

	/* Root's runs reach each other anyway: each has its own. */
	if (geteuid()) {
		share_open(&sh, geteuid());
		if (sh.dir >= 0)
			share_find(&sh, mount_abs, tree);
	}
	/* Closed (by exec or exit) when the child is registered. */
	if (pipe2(ready, O_CLOEXEC)) {
		ret = ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "pipe: %s",
				  strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "fork: %s",
				  strerror(errno));
		close(ready[0]);
		close(ready[1]);
		goto out;
	}
	if (!pid) {
		close(ready[0]);
		_exit(run_child(&sh, tree, mount_abs, so, ns, count,
				st.st_rdev, argv + optind));
	}
	close(ready[1]);
	while (read(ready[0], &byte, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (sh.dir >= 0)
		flock(sh.dir, LOCK_UN);
	/* The child's terminal signals are its own to act on. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = IOVERBS_EXIT_USAGE << 8;
			break;
		}
	ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
				    WEXITSTATUS(status);
	if (sh.dir >= 0) {
		snprintf(name, sizeof(name), "%d", (int)pid);
		unlinkat(sh.dir, name, 0);
	}
out:
	if (sh.dir >= 0)
		close(sh.dir);
	if (sh.userns >= 0)
		close(sh.userns);
	if (sh.mntns >= 0)
		close(sh.mntns);
	if (o.keep)
		fprintf(stderr, "ioverbs run: sysfs tree kept in %s\n", tree);
	else
		remove_tree(tree);
	return ret;
}
