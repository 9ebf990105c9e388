// SPDX-License-Identifier: MIT
/*
 * ioverbsd: the daemon that owns the soft RDMA devices and serves them to
 * applications as files of a FUSE mount (see fs.c for the file system,
 * ctl.c for the control file).
 *
 * Start-up: options, the log, the mount (libfuse low-level API), then
 * daemonize unless -f, then the core and the devices, the pid file, and
 * libfuse's single-threaded loop (measured faster than its multi-threaded
 * one here).  SIGTERM/SIGINT/SIGHUP end the loop; then the mount goes,
 * every file still open is released, every device unregistered and freed,
 * and the pid file removed.  With --log-level=debug the last line gives
 * the core's live-object count, which must be 0.
 */
#define FUSE_USE_VERSION 35
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>

#include "daemon.h"

#define CAP_SYS_PTRACE_BIT 19

struct options {
	struct ivd_config cfg;
	bool foreground;
	bool debug;
	int log_level;
	const char *log_file;
	unsigned int nic_threads;
	char *pid_file;
	char *mountpoint;
	char *fuse_opts;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbsd [OPTION]... MOUNTPOINT\n"
		"Serve soft RDMA devices as files MOUNTPOINT/uverbsN (and the control\n"
		"file MOUNTPOINT/ctl, see ioverbs-ctl) over FUSE.  Clients create\n"
		"completion channels' event files in MOUNTPOINT/events/; shared\n"
		"queues and command windows are memfds the daemon maps.\n"
		"\n"
		"  -f                     stay in the foreground\n"
		"  -d                     FUSE debug output; implies -f and --log-level=debug\n"
		"  --devices=N            number of soft devices (default 1, at most %d)\n"
		"  --log-level=L          error, warn, info (default) or debug\n"
		"  --log-file=F           log to F (default: stderr with -f, else syslog)\n"
		"  --pidfile=F            write the daemon's pid to F once mounted\n"
		"  --mode=OCTAL           device files' mode (default 0660)\n"
		"  --uid=U, --gid=G       device files' owner (default 0, 0)\n"
		"  --dev-perm=NAME:UID:GID:MODE\n"
		"                         owner and mode of one device file (repeatable)\n"
		"  --nic-threads=N        threads serving every shared queue (default: one\n"
		"                         per online CPU, at most %d)\n"
		"  -o OPTS                more FUSE mount options\n"
		"  -h, --help             this text\n"
		"\n"
		"The mount always has allow_other,default_permissions: the kernel checks\n"
		"each device file's mode.  Without CAP_SYS_PTRACE (root has it) the\n"
		"daemon reaches only the memory of processes of its own uid.\n",
		IVD_MAX_DEVICES, SOFT_NIC_MAX_THREADS);
}

static int parse_uint(const char *s, int base, unsigned long max,
		      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, base);
	if (errno || end == s || *end || *out > max || *s == '-')
		return -EINVAL;
	return 0;
}

static int parse_level(const char *s)
{
	static const char *const names[] = {
		[IVD_LOG_ERR] = "error",
		[IVD_LOG_WARN] = "warn",
		[IVD_LOG_INFO] = "info",
		[IVD_LOG_DEBUG] = "debug",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}

/* "uverbs1:1000:1000:0600"; devices are checked once --devices is known. */
static int parse_dev_perm(struct options *o, const char *s)
{
	unsigned long idx, uid, gid, mode;
	char name[32];
	int got, n = 0;

	got = sscanf(s, "uverbs%lu:%lu:%lu:%lo%n", &idx, &uid, &gid, &mode, &n);
	if (got != 4 || s[n] || idx >= IVD_MAX_DEVICES || uid > UINT_MAX - 1 ||
	    gid > UINT_MAX - 1 || mode > 07777)
		return -EINVAL;
	snprintf(name, sizeof(name), "uverbs%lu", idx);
	if (strncmp(s, name, strlen(name)) || s[strlen(name)] != ':')
		return -EINVAL; /* "uverbs01" */
	o->cfg.perm[idx].uid = (uid_t)uid;
	o->cfg.perm[idx].gid = (gid_t)gid;
	o->cfg.perm[idx].mode = (mode_t)mode;
	o->cfg.perm[idx].set = true;
	return 0;
}

static int append_fuse_opts(struct options *o, const char *more)
{
	size_t len = strlen(o->fuse_opts) + 1 + strlen(more) + 1;
	char *s = malloc(len);

	if (!s)
		return -ENOMEM;
	snprintf(s, len, "%s,%s", o->fuse_opts, more);
	free(o->fuse_opts);
	o->fuse_opts = s;
	return 0;
}

/* Return: 0 to run, 1 to exit 0 (--help), -EINVAL after a message. */
static int parse_options(struct options *o, int argc, char **argv)
{
	enum {
		OPT_DEVICES = 256,
		OPT_LOG_LEVEL,
		OPT_LOG_FILE,
		OPT_PIDFILE,
		OPT_MODE,
		OPT_UID,
		OPT_GID,
		OPT_DEV_PERM,
		OPT_NIC_THREADS,
	};
	static const struct option longopts[] = {
		{ "devices", required_argument, NULL, OPT_DEVICES },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log-file", required_argument, NULL, OPT_LOG_FILE },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ "dev-perm", required_argument, NULL, OPT_DEV_PERM },
		{ "nic-threads", required_argument, NULL, OPT_NIC_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long v;
	unsigned int i;
	int c, lvl;

	o->cfg.num_devices = 1;
	o->cfg.mode = 0660;
	o->log_level = IVD_LOG_INFO;
	o->fuse_opts = strdup(
		"allow_other,default_permissions,fsname=ioverbs,subtype=ioverbs");
	if (!o->fuse_opts)
		return -ENOMEM;
	while ((c = getopt_long(argc, argv, "fdho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->debug = o->foreground = true;
			o->log_level = IVD_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'o':
			if (append_fuse_opts(o, optarg))
				return -ENOMEM;
			break;
		case OPT_DEVICES:
			if (parse_uint(optarg, 10, IVD_MAX_DEVICES, &v) || !v)
				goto bad;
			o->cfg.num_devices = (unsigned int)v;
			break;
		case OPT_LOG_LEVEL:
			lvl = parse_level(optarg);
			if (lvl < 0)
				goto bad;
			o->log_level = lvl;
			break;
		case OPT_LOG_FILE:
			o->log_file = optarg;
			break;
		case OPT_PIDFILE:
			free(o->pid_file);
			/* Absolute: the daemon leaves its working directory. */
			o->pid_file = optarg[0] == '/' ? strdup(optarg) : NULL;
			if (!o->pid_file) {
				char cwd[PATH_MAX];

				if (!getcwd(cwd, sizeof(cwd)) ||
				    asprintf(&o->pid_file, "%s/%s", cwd,
					     optarg) < 0) {
					o->pid_file = NULL;
					goto bad;
				}
			}
			break;
		case OPT_MODE:
			if (parse_uint(optarg, 8, 07777, &v))
				goto bad;
			o->cfg.mode = (mode_t)v;
			break;
		case OPT_UID:
			if (parse_uint(optarg, 10, UINT_MAX - 1, &v))
				goto bad;
			o->cfg.uid = (uid_t)v;
			break;
		case OPT_GID:
			if (parse_uint(optarg, 10, UINT_MAX - 1, &v))
				goto bad;
			o->cfg.gid = (gid_t)v;
			break;
		case OPT_DEV_PERM:
			if (parse_dev_perm(o, optarg))
				goto bad;
			break;
		case OPT_NIC_THREADS:
			if (parse_uint(optarg, 10, SOFT_NIC_MAX_THREADS, &v) ||
			    !v)
				goto bad;
			o->nic_threads = (unsigned int)v;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ioverbsd: exactly one MOUNTPOINT expected\n");
		usage(stderr);
		return -EINVAL;
	}
	/* Absolute, as the pid file: unmounting happens after a chdir. */
	o->mountpoint = realpath(argv[optind], NULL);
	if (!o->mountpoint) {
		fprintf(stderr, "ioverbsd: mount point %s: %s\n", argv[optind],
			strerror(errno));
		return -EINVAL;
	}
	for (i = o->cfg.num_devices; i < IVD_MAX_DEVICES; i++) {
		if (o->cfg.perm[i].set) {
			fprintf(stderr,
				"ioverbsd: --dev-perm names uverbs%u, "
				"but there are %u devices\n",
				i, o->cfg.num_devices);
			return -EINVAL;
		}
	}
	return 0;

bad:
	fprintf(stderr, "ioverbsd: invalid argument '%s' for --%s\n", optarg,
		longopts[c - OPT_DEVICES].name);
	return -EINVAL;
}

/* Each open device file holds a pidfd: allow as many as we may. */
static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r))
			log_warn("cannot raise the open file limit: %s",
				 ivd_errname(errno));
	}
}

/* Is CAP_SYS_PTRACE in our effective set? */
static bool have_cap_sys_ptrace(void)
{
	unsigned long long eff = 0;
	char line[128];
	bool found = false;
	FILE *fp;

	fp = fopen("/proc/self/status", "re");
	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(fp);
	return found && (eff >> CAP_SYS_PTRACE_BIT) & 1;
}

static int pidfile_write(const char *path)
{
	char buf[32];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	int ret, status = 1;

	ret = parse_options(&o, argc, argv);
	if (ret) {
		status = ret == 1 ? 0 : 1; /* 1: --help */
		goto out_free;
	}
	if (ivd_log_open(o.log_level, o.log_file, o.foreground)) {
		fprintf(stderr, "ioverbsd: cannot open log file %s: %s\n",
			o.log_file, strerror(errno));
		goto out_free;
	}
	compat_log_level = o.log_level; /* the same four levels */
	soft_nic_set_threads(o.nic_threads);

	if (fuse_opt_add_arg(&args, argv[0]) || fuse_opt_add_arg(&args, "-o") ||
	    fuse_opt_add_arg(&args, o.fuse_opts) ||
	    (o.debug && fuse_opt_add_arg(&args, "-d"))) {
		log_err("out of memory");
		goto out_log;
	}
	se = fuse_session_new(&args, &ivd_fuse_ops, sizeof(ivd_fuse_ops), NULL);
	if (!se) {
		log_err("cannot create the FUSE session (options: %s)",
			o.fuse_opts);
		goto out_args;
	}
	if (fuse_set_signal_handlers(se)) {
		log_err("cannot install signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(se, o.mountpoint)) {
		log_err("cannot mount on %s", o.mountpoint);
		goto out_signals;
	}
	/* Event files are told apart by the mount's id. */
	if (ivd_events_init(o.mountpoint))
		log_warn("%s: not in /proc/self/mountinfo: completion channels will not bind",
			 o.mountpoint);
	if (fuse_daemonize(o.foreground)) {
		log_err("cannot daemonize");
		goto out_unmount;
	}
	ivd_log_attach_stderr();

	/* After the fork of fuse_daemonize(): the core may start threads. */
	ret = ioverbs_init();
	if (ret) {
		log_err("ioverbs_init: %s", ivd_errname(ret));
		goto out_unmount;
	}
	raise_nofile();
	if (!have_cap_sys_ptrace())
		log_warn("no CAP_SYS_PTRACE: only processes of uid %u can use "
			 "the devices (the daemon cannot reach others' memory)",
			 (unsigned int)geteuid());
	ret = ivd_devices_init(&o.cfg);
	if (ret) {
		log_err("cannot create the devices: %s", ivd_errname(ret));
		goto out_unmount;
	}
	if (o.pid_file) {
		ret = pidfile_write(o.pid_file);
		if (ret) {
			log_err("cannot write pid file %s: %s", o.pid_file,
				ivd_errname(ret));
			goto out_devices;
		}
	}
	log_info("serving %u device(s) on %s (mode %04o uid %u gid %u)",
		 o.cfg.num_devices, o.mountpoint, (unsigned int)o.cfg.mode,
		 (unsigned int)o.cfg.uid, (unsigned int)o.cfg.gid);

	ret = fuse_session_loop(se);
	/* A positive return is the signal that ended the loop. */
	if (ret < 0)
		log_err("FUSE loop failed: %s", ivd_errname(ret));
	else
		status = 0;
	log_info("stopping%s", ret > 0 ? " on a signal" : "");

	if (o.pid_file)
		unlink(o.pid_file);
out_devices:
	/* Unmount first: no request can come while files are released. */
	fuse_session_unmount(se);
	ivd_devices_exit();
	ivd_ctl_exit();
	rcu_barrier();
	log_debug("live objects at exit: %ld", compat_live_objects());
	if (compat_live_objects())
		log_err("%ld objects leaked", compat_live_objects());
	goto out_signals;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
out_log:
	log_info("exit %d", status);
	ivd_log_close();
out_free:
	free(o.fuse_opts);
	free(o.pid_file);
	free(o.mountpoint);
	return status;
}
