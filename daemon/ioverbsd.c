// SPDX-License-Identifier: MIT
/*
 * ioverbsd: the daemon that owns the soft RDMA devices and serves them to
 * applications as files of a FUSE mount (see fs.c for the file system,
 * ctl.c for the control file).
 *
 * Start-up: options, the log, the mount (libfuse low-level API), then
 * daemonize unless -f, then the core and the devices, the pid file, and
 * libfuse's single-threaded loop, which hands whatever may wait on a
 * client to worker threads (daemon.h).  SIGTERM/SIGINT/SIGHUP end the
 * loop, whatever it is doing (stop.c); then the mount goes,
 * every file still open is released, every device unregistered and freed,
 * and the pid file removed.  With --log-level=debug the last line gives
 * the core's live-object count, which must be 0.
 */
#define FUSE_USE_VERSION 35
#include <ctype.h>
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
#include "stop.h"

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
	unsigned int max_threads;
	u32 roce_loss_ppm;
	u32 roce_reorder_ppm;
};

/* Worker threads at most; a shutdown waits this long for their jobs. */
#define IVD_DEFAULT_MAX_THREADS 1024
#define IVD_EXIT_WAIT_MS 5000

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
		"  --log-ratelimit=B/S    lines a user's clients may log: a burst of B,\n"
		"                         then none until S seconds have passed (default\n"
		"                         10/5; 0 for no limit); debug lines are not limited\n"
		"  --max-event-files=N    event files one user may hold (default %u)\n"
		"  --pidfile=F            write the daemon's pid to F once mounted\n"
		"  --mode=OCTAL           device files' mode (default 0660)\n"
		"  --uid=U, --gid=G       device files' owner (default 0, 0)\n"
		"  --dev-perm=NAME:UID:GID:MODE\n"
		"                         owner and mode of one device file (repeatable)\n"
		"  --max-threads=N        worker threads at most, for requests that may wait\n"
		"                         on a client (default %u)\n"
		"  --limit-files=N        device files one user may hold open (default %u, 0: no limit)\n"
		"  --limit-inflight=N     commands of one user in flight at once (default %u,\n"
		"                         0: no limit); more get EAGAIN\n"
		"  --pkeys=NAME:PKEY[,PKEY]...\n"
		"                         the P_Key table of device NAME (uverbsN), in hex,\n"
		"                         index 0 first, at most %d, e.g. uverbs1:0x8001,0x0002\n"
		"                         (repeatable; default: one entry, 0xffff).  Two QPs\n"
		"                         talk only if their P_Keys (chosen by pkey_index) have\n"
		"                         the same low 15 bits and one has bit 15 (full member)\n"
		"  --test-hooks           serve SOFT_VENDOR_INJECT (port down/up, QP fatal) to\n"
		"                         every client; without it INJECT fails with EPERM.\n"
		"                         Also holds reads of event files named ivd-test-park*\n"
		"                         after they park (a race's window, for the tests)\n"
		"  --limit-objects=[TYPE:]N\n"
		"                         objects a user may hold, of each type or of TYPE\n"
		"                         (pd, mr, cq, qp, srq, ah, comp_channel; repeatable;\n"
		"                         default %d of each, %d SRQs; N may be unlimited)\n"
		"  --limit-queue-mem=BYTES\n"
		"                         bytes of queues a user's objects may hold\n"
		"                         (K, M, G suffixes; default %lluM)\n"
		"  --limit-file-objects=[TYPE:]N, --limit-file-queue-mem=BYTES\n"
		"                         the same per open file (default: unlimited)\n"
		"  --nic-threads=N        threads serving every shared queue (default: one\n"
		"                         per online CPU, at most %d)\n"
		"  --roce=[NAME:]ADDR     make port 1 of device NAME (default uverbs0) a\n"
		"                         RoCEv2 port on the IPv4 or IPv6 address ADDR, which\n"
		"                         an interface must have: UDP port 4791 on ADDR, GID\n"
		"                         ::ffff:ADDR (or ADDR); its QPs talk to other hosts\n"
		"                         (ioverbsd or Linux rdma_rxe).  Without it no socket\n"
		"                         is opened\n"
		"  --netdev=[NAME:]IFACE  the same with the first IPv4 address of IFACE\n"
		"  --roce-faults=LOSS,REORDER\n"
		"                         with --test-hooks: RoCEv2 ports drop LOSS%% of the\n"
		"                         packets they send and send REORDER%% after the next\n"
		"                         one (tests on kernels without netem)\n"
		"  -o OPTS                more FUSE mount options\n"
		"  -h, --help             this text\n"
		"\n"
		"The mount always has allow_other,default_permissions: the kernel checks\n"
		"each device file's mode.  Without CAP_SYS_PTRACE (root has it) the\n"
		"daemon reaches only the memory of processes of its own uid.\n"
		"\n"
		"Devices share one fabric, as ports of one IB subnet: an RC or UC QP hears\n"
		"only the QP it was connected to, UD needs the Q_Key, P_Keys partition.\n"
		"Each user sees only the event files it created.\n"
		"A create past a quota fails with EDQUOT; a registration that would take a\n"
		"process's registered memory past its RLIMIT_MEMLOCK fails with ENOMEM\n"
		"(CAP_IPC_LOCK exempts), as in the kernel.  The reason names the limit.\n",
		IVD_MAX_DEVICES, IVD_EVENT_MAX_PER_USER, IVD_DEFAULT_MAX_THREADS,
		IVD_DEFAULT_FILES, IVD_DEFAULT_INFLIGHT, SOFT_MAX_PKEYS,
		IVD_DEFAULT_OBJECTS, IVD_DEFAULT_SRQS,
		IVD_DEFAULT_QUEUE_MEM >> 20, SOFT_NIC_MAX_THREADS);
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

/* "uverbs1:0x8001,0x0002"; devices are checked once --devices is known. */
static int parse_pkeys(struct options *o, const char *s)
{
	unsigned long idx, v;
	char *end;
	u8 num = 0;

	if (strncmp(s, "uverbs", 6) || !isdigit((unsigned char)s[6]))
		return -EINVAL;
	errno = 0;
	idx = strtoul(s + 6, &end, 10);
	if (errno || *end != ':' || idx >= IVD_MAX_DEVICES ||
	    (s[6] == '0' && end != s + 7))
		return -EINVAL; /* "uverbs01" */
	do {
		s = end + 1;
		if (!isxdigit((unsigned char)*s) || num == SOFT_MAX_PKEYS)
			return -EINVAL;
		errno = 0;
		v = strtoul(s, &end, 16);
		if (errno || end == s || v > 0xffff || (*end && *end != ','))
			return -EINVAL;
		o->cfg.pkeys[idx].pkeys[num++] = (u16)v;
	} while (*end);
	o->cfg.pkeys[idx].num = num;
	return 0;
}

/* "10/5": a burst of 10 lines per 5 seconds; "0": no limit. */
static int parse_ratelimit(const char *s)
{
	unsigned int burst, secs;
	int n = 0;

	if (!strcmp(s, "0")) {
		ivd_log_ratelimit(0, 0);
		return 0;
	}
	if (sscanf(s, "%u/%u%n", &burst, &secs, &n) != 2 || s[n] ||
	    *s == '-' || !burst || !secs || secs > 86400)
		return -EINVAL;
	ivd_log_ratelimit(burst, secs);
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
		OPT_MAX_THREADS,
		OPT_LIMIT_FILES,
		OPT_LIMIT_INFLIGHT,
		OPT_PKEYS,
		OPT_TEST_HOOKS,
		OPT_LOG_RATELIMIT,
		OPT_MAX_EVENT_FILES,
		OPT_LIMIT_OBJECTS,
		OPT_LIMIT_FILE_OBJECTS,
		OPT_LIMIT_QUEUE_MEM,
		OPT_LIMIT_FILE_QUEUE_MEM,
		OPT_NIC_THREADS,
		OPT_ROCE,
		OPT_NETDEV,
		OPT_ROCE_FAULTS,
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
		{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
		{ "limit-files", required_argument, NULL, OPT_LIMIT_FILES },
		{ "limit-inflight", required_argument, NULL, OPT_LIMIT_INFLIGHT },
		{ "pkeys", required_argument, NULL, OPT_PKEYS },
		{ "test-hooks", no_argument, NULL, OPT_TEST_HOOKS },
		{ "log-ratelimit", required_argument, NULL, OPT_LOG_RATELIMIT },
		{ "max-event-files", required_argument, NULL,
		  OPT_MAX_EVENT_FILES },
		{ "limit-objects", required_argument, NULL, OPT_LIMIT_OBJECTS },
		{ "limit-file-objects", required_argument, NULL,
		  OPT_LIMIT_FILE_OBJECTS },
		{ "limit-queue-mem", required_argument, NULL,
		  OPT_LIMIT_QUEUE_MEM },
		{ "limit-file-queue-mem", required_argument, NULL,
		  OPT_LIMIT_FILE_QUEUE_MEM },
		{ "nic-threads", required_argument, NULL, OPT_NIC_THREADS },
		{ "roce", required_argument, NULL, OPT_ROCE },
		{ "netdev", required_argument, NULL, OPT_NETDEV },
		{ "roce-faults", required_argument, NULL, OPT_ROCE_FAULTS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long v;
	unsigned int i;
	int c, lvl;

	o->cfg.num_devices = 1;
	o->cfg.mode = 0660;
	o->max_threads = IVD_DEFAULT_MAX_THREADS;
	ivd_limits_defaults();
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
		case OPT_MAX_THREADS:
			if (parse_uint(optarg, 10, 100000, &v) || v < 2)
				goto bad;
			o->max_threads = (unsigned int)v;
			break;
		case OPT_LIMIT_FILES:
			if (parse_uint(optarg, 10, UINT_MAX, &v))
				goto bad;
			ivd_user_limits.files = (unsigned int)v;
			break;
		case OPT_LIMIT_INFLIGHT:
			if (parse_uint(optarg, 10, UINT_MAX, &v))
				goto bad;
			ivd_user_limits.inflight = (unsigned int)v;
			break;
		case OPT_PKEYS:
			if (parse_pkeys(o, optarg))
				goto bad;
			break;
		case OPT_TEST_HOOKS:
			o->cfg.test_hooks = true;
			break;
		case OPT_LOG_RATELIMIT:
			if (parse_ratelimit(optarg))
				goto bad;
			break;
		case OPT_MAX_EVENT_FILES:
			if (parse_uint(optarg, 10, UINT_MAX, &v) || !v)
				goto bad;
			ivd_event_max_per_user = (unsigned int)v;
			break;
		case OPT_LIMIT_OBJECTS:
		case OPT_LIMIT_FILE_OBJECTS:
			if (ivd_limits_parse_objects(c == OPT_LIMIT_OBJECTS ?
							     &ivd_user_limits :
							     &ivd_file_limits,
						     optarg))
				goto bad;
			break;
		case OPT_LIMIT_QUEUE_MEM:
		case OPT_LIMIT_FILE_QUEUE_MEM:
			if (ivd_limits_parse_bytes(c == OPT_LIMIT_QUEUE_MEM ?
							   &ivd_user_limits :
							   &ivd_file_limits,
						   optarg))
				goto bad;
			break;
		case OPT_NIC_THREADS:
			if (parse_uint(optarg, 10, SOFT_NIC_MAX_THREADS, &v) ||
			    !v)
				goto bad;
			o->nic_threads = (unsigned int)v;
			break;
		case OPT_ROCE_FAULTS: {
			double loss, reorder;
			char end;

			if (sscanf(optarg, "%lf,%lf%c", &loss, &reorder,
				   &end) != 2 || loss < 0 || reorder < 0 ||
			    loss + reorder > 100)
				goto bad;
			o->roce_loss_ppm = (u32)(loss * 10000 + 0.5);
			o->roce_reorder_ppm = (u32)(reorder * 10000 + 0.5);
			break;
		}
		case OPT_ROCE:
		case OPT_NETDEV: {
			char why[128];

			if (ivd_roce_parse(&o->cfg, optarg, c == OPT_NETDEV,
					   why, sizeof(why))) {
				fprintf(stderr, "ioverbsd: --%s=%s: %s\n",
					c == OPT_NETDEV ? "netdev" : "roce",
					optarg, why);
				return -EINVAL;
			}
			break;
		}
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
	if ((o->roce_loss_ppm || o->roce_reorder_ppm) && !o->cfg.test_hooks) {
		fprintf(stderr, "ioverbsd: --roce-faults needs --test-hooks\n");
		return -EINVAL;
	}
	for (i = 0; i < IVD_MAX_DEVICES; i++) {
		o->cfg.roce[i].test_loss_ppm = o->roce_loss_ppm;
		o->cfg.roce[i].test_reorder_ppm = o->roce_reorder_ppm;
	}
	for (i = o->cfg.num_devices; i < IVD_MAX_DEVICES; i++) {
		if (o->cfg.perm[i].set || o->cfg.pkeys[i].num ||
		    o->cfg.roce[i].addr[11]) {
			fprintf(stderr,
				"ioverbsd: --%s names uverbs%u, "
				"but there are %u devices\n",
				o->cfg.perm[i].set ? "dev-perm" :
				o->cfg.pkeys[i].num ? "pkeys" : "roce", i,
				o->cfg.num_devices);
			return -EINVAL;
		}
	}
	return 0;

bad:
	fprintf(stderr, "ioverbsd: invalid argument '%s' for --%s\n", optarg,
		longopts[c - OPT_DEVICES].name);
	return -EINVAL;
}

/*
 * Each open device file holds two descriptors (a pidfd and the opener's
 * /proc/TID/mem): allow as many as we may -- as root, up to the kernel's
 * fs.nr_open.  Per-user limits (limits.c) keep one user from taking them.
 */
static void raise_nofile(void)
{
	unsigned long nr_open = 0;
	struct rlimit r;
	FILE *fp;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return;
	fp = fopen("/proc/sys/fs/nr_open", "re");
	if (fp) {
		if (fscanf(fp, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(fp);
	}
	if (nr_open > r.rlim_max) {
		struct rlimit up = { nr_open, nr_open };

		if (!setrlimit(RLIMIT_NOFILE, &up))
			r = up;
	}
	if (r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r))
			log_warn("cannot raise the open file limit: %s",
				 ivd_errname(errno));
	}
	if (!getrlimit(RLIMIT_NOFILE, &r))
		log_info("open file limit %llu", (unsigned long long)r.rlim_cur);
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
	unsigned int left;
	int ret, status = 1;

	/* Before any thread: they all inherit the blocked stop signals. */
	ret = ivd_stop_init();
	if (ret) {
		fprintf(stderr, "ioverbsd: signals: %s\n", strerror(-ret));
		return 1;
	}
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
	ret = ivd_stop_start(se);
	if (ret) {
		log_err("cannot start the signal thread: %s", ivd_errname(ret));
		goto out_unmount;
	}

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
	log_info("serving %u device(s) on %s (mode %04o uid %u gid %u)%s",
		 o.cfg.num_devices, o.mountpoint, (unsigned int)o.cfg.mode,
		 (unsigned int)o.cfg.uid, (unsigned int)o.cfg.gid,
		 o.cfg.test_hooks ? "; test hooks on for every client" : "");
	ivd_limits_log();

	ivd_workers_init(o.max_threads);
	ivd_stop_loop_enter();
	ret = fuse_session_loop(se);
	ivd_stop_loop_leave();
	/* A loop a signal ended may return the EINTR of its last read. */
	if (ret < 0 && !ivd_stop_signal())
		log_err("FUSE loop failed: %s", ivd_errname(ret));
	else
		status = 0;
	log_info("stopping%s", ivd_stop_signal() ? " on a signal" : "");

	if (o.pid_file)
		unlink(o.pid_file);
out_devices:
	/* The workers answer what they hold before the mount goes. */
	left = ivd_workers_exit(IVD_EXIT_WAIT_MS);
	/* Unmount first: no request can come while files are released. */
	fuse_session_unmount(se);
	if (left) {
		/*
		 * Commands still wait on clients that never answer: their
		 * files cannot be freed under them.  Exiting ends them.
		 */
		log_err("%u command(s) still waiting on their clients after %u ms: exiting without releasing their files",
			left, IVD_EXIT_WAIT_MS);
		goto out_signals;
	}
	ivd_devices_exit();
	ivd_events_exit();
	ivd_limits_exit();
	ivd_ctl_exit();
	rcu_barrier();
	log_debug("live objects at exit: %ld", compat_live_objects());
	if (compat_live_objects())
		log_err("%ld objects leaked", compat_live_objects());
	goto out_signals;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	ivd_stop_exit();
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
