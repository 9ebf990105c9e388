// SPDX-License-Identifier: MIT
/*
 * ioverbs stat: what every open file of a running ioverbsd does.
 *
 *	ioverbs stat [-m MOUNT]
 *	ioverbs stat [-m MOUNT] -w SECONDS [-c COUNT]
 *
 * Once: per device, the sums of its open files, then per open file its
 * objects by type, its commands and failures by action, and what its
 * QPs moved (completions and bytes by kind).  With -w, like vmstat: a
 * header, then every SECONDS one line per open file with the rates over
 * that interval (the first report, or a file's first: the averages since
 * it was opened), COUNT reports (default: until interrupted).  A file of
 * a soft device also shows its QPs with shared rings by data path
 * (direct between two clients, relayed by the daemon, pending, undecided)
 * and what the clients say they moved directly.  The
 * numbers come from the daemon's control file ("stat", daemon/ctl.h):
 * root only, as `ioverbs ctl`.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../daemon/ctl.h"
#include "ioverbs.h"

#define SUB "stat"

enum { T_SEND, T_RECV, T_WRITE, T_READ, T_ATOMIC, NUM_T };

static const char *const t_names[NUM_T] = {
	"send", "recv", "rdma_write", "rdma_read", "atomic",
};

struct st_cmd {
	char name[64];
	unsigned long long calls, errors;
};

struct st_qp {
	unsigned int qpn, peer;
	char path[16];
	int gone;
	int ud; /* a UD QP: its ud_* fields came */
	unsigned int ud_dests;
	unsigned long long ud_relayed, ud_drops;
};

struct st_file {
	unsigned long serial;
	char dev[32];
	int pid;
	unsigned int uid;
	int context, disassociated;
	long long age_ms;
	unsigned long long cmds, errors, objects;
	char types[256]; /* " pd 1 mr 2", as the daemon wrote it */
	unsigned long long msgs[NUM_T], bytes[NUM_T], wc_errors;
	struct st_cmd *acts;
	unsigned int nacts;
	bool direct;	/* a "direct" line came: a soft device's file */
	unsigned int qps, by_path[4]; /* direct, relay, pending, undecided */
	unsigned long long dtx_msgs, dtx_bytes, drx_msgs, drx_bytes;
	struct st_qp *qpl;
	unsigned int nqpl;
};

struct st_dev {
	char name[32];
	char state[16];
	unsigned int files;
	char roce[512];	/* its RoCEv2 port's line after "roce NAME " */
};

struct st_snap {
	struct st_dev *devs;
	unsigned int ndevs;
	struct st_file *files;
	unsigned int nfiles;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs stat [-m MOUNT] [-w SECONDS [-c COUNT]]\n"
		"  -w, --wait SECONDS   report every SECONDS, one line per open file\n"
		"                       (rates over the interval), like vmstat\n"
		"  -c, --count COUNT    with -w: stop after COUNT reports\n"
		"  -m, --mount MOUNT    the ioverbsd mount (default $IOVERBS_MOUNT or " IOVERBS_DEFAULT_MOUNT
		")\n");
}

static void snap_free(struct st_snap *s)
{
	unsigned int i;

	for (i = 0; i < s->nfiles; i++) {
		free(s->files[i].acts);
		free(s->files[i].qpl);
	}
	free(s->files);
	free(s->devs);
	*s = (struct st_snap){ 0 };
}

static struct st_file *file_by_serial(struct st_snap *s, unsigned long serial)
{
	unsigned int i;

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].serial == serial)
			return &s->files[i];
	return NULL;
}

/* Grows *@arr of *@n elements of @size by one zeroed; NULL when out. */
static void *grow(void *arr, unsigned int *n, size_t size, void **out)
{
	char *p = realloc(arr, (*n + 1) * size);

	if (!p) {
		*out = NULL;
		return arr;
	}
	memset(p + *n * size, 0, size);
	*out = p + (*n)++ * size;
	return p;
}

/* One line of the answer; lines it does not know are skipped. 0 or -errno. */
static int parse_line(struct st_snap *s, char *line)
{
	unsigned long serial;
	struct st_file *f;
	void *e;
	int n = 0;

	if (!strncmp(line, "device ", 7)) {
		struct st_dev d = { 0 };

		if (sscanf(line, "device %31s %15s files %u", d.name, d.state,
			   &d.files) != 3)
			return -EPROTO;
		s->devs = grow(s->devs, &s->ndevs, sizeof(d), &e);
		if (!e)
			return -ENOMEM;
		memcpy(e, &d, sizeof(d));
		return 0;
	}
	if (!strncmp(line, "roce ", 5) && s->ndevs) {
		struct st_dev *d = &s->devs[s->ndevs - 1];
		size_t len = strlen(d->name);

		if (strncmp(line + 5, d->name, len) || line[5 + len] != ' ')
			return -EPROTO;
		snprintf(d->roce, sizeof(d->roce), "%s", line + 6 + len);
		return 0;
	}
	if (!strncmp(line, "file ", 5)) {
		struct st_file nf = { 0 };

		if (sscanf(line,
			   "file %lu %31s pid %d uid %u context %d disassociated %d "
			   "age_ms %lld cmds %llu errors %llu objects %llu%n",
			   &nf.serial, nf.dev, &nf.pid, &nf.uid, &nf.context,
			   &nf.disassociated, &nf.age_ms, &nf.cmds, &nf.errors,
			   &nf.objects, &n) != 10)
			return -EPROTO;
		snprintf(nf.types, sizeof(nf.types), "%s", line + n);
		s->files = grow(s->files, &s->nfiles, sizeof(nf), &e);
		if (!e)
			return -ENOMEM;
		memcpy(e, &nf, sizeof(nf));
		return 0;
	}
	if (!strncmp(line, "traffic ", 8)) {
		unsigned long long m[NUM_T], b[NUM_T], wce;

		if (sscanf(line,
			   "traffic %lu send %llu %llu recv %llu %llu "
			   "rdma_write %llu %llu rdma_read %llu %llu "
			   "atomic %llu %llu wc_errors %llu",
			   &serial, &m[T_SEND], &b[T_SEND], &m[T_RECV],
			   &b[T_RECV], &m[T_WRITE], &b[T_WRITE], &m[T_READ],
			   &b[T_READ], &m[T_ATOMIC], &b[T_ATOMIC], &wce) != 12)
			return -EPROTO;
		f = file_by_serial(s, serial);
		if (!f)
			return -EPROTO;
		memcpy(f->msgs, m, sizeof(m));
		memcpy(f->bytes, b, sizeof(b));
		f->wc_errors = wce;
		return 0;
	}
	if (!strncmp(line, "direct ", 7)) {
		struct st_file d = { 0 };

		if (sscanf(line,
			   "direct %lu qps %u direct %u relay %u pending %u "
			   "undecided %u tx_msgs %llu tx_bytes %llu "
			   "rx_msgs %llu rx_bytes %llu",
			   &serial, &d.qps, &d.by_path[0], &d.by_path[1],
			   &d.by_path[2], &d.by_path[3], &d.dtx_msgs,
			   &d.dtx_bytes, &d.drx_msgs, &d.drx_bytes) != 10)
			return -EPROTO;
		f = file_by_serial(s, serial);
		if (!f)
			return -EPROTO;
		f->direct = true;
		f->qps = d.qps;
		memcpy(f->by_path, d.by_path, sizeof(d.by_path));
		f->dtx_msgs = d.dtx_msgs;
		f->dtx_bytes = d.dtx_bytes;
		f->drx_msgs = d.drx_msgs;
		f->drx_bytes = d.drx_bytes;
		return 0;
	}
	if (!strncmp(line, "qp ", 3)) {
		struct st_qp q = { 0 };

		const char *u;

		if (sscanf(line, "qp %lu %u %15s peer %u gone %d", &serial,
			   &q.qpn, q.path, &q.peer, &q.gone) != 5)
			return -EPROTO;
		u = strstr(line, " ud_dests ");
		if (u && sscanf(u, " ud_dests %u ud_relayed %llu ud_drops %llu",
				&q.ud_dests, &q.ud_relayed, &q.ud_drops) == 3)
			q.ud = 1;
		f = file_by_serial(s, serial);
		if (!f)
			return -EPROTO;
		f->qpl = grow(f->qpl, &f->nqpl, sizeof(q), &e);
		if (!e)
			return -ENOMEM;
		memcpy(e, &q, sizeof(q));
		return 0;
	}
	if (!strncmp(line, "cmd ", 4)) {
		struct st_cmd c = { 0 };
		char t[16], a[16];

		if (sscanf(line,
			   "cmd %lu %15s %15s %63s calls %llu errors %llu",
			   &serial, t, a, c.name, &c.calls, &c.errors) != 6)
			return -EPROTO;
		f = file_by_serial(s, serial);
		if (!f)
			return -EPROTO;
		f->acts = grow(f->acts, &f->nacts, sizeof(c), &e);
		if (!e)
			return -ENOMEM;
		memcpy(e, &c, sizeof(c));
		return 0;
	}
	return 0;
}

/*
 * Asks the daemon: 0, or an exit code after the one error line.  A
 * daemon that is not there, or a control file we may not open, is 2.
 */
static int snap_take(const char *mount, struct st_snap *s)
{
	char path[4096], *text = NULL, *line, *save;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/ctl", mount);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: %s (%s)", path,
				   strerror(err),
				   err == ENOENT ?
					   "is ioverbsd running there?" :
				   err == EACCES || err == EPERM ?
					   "the control file is root's" :
					   "is ioverbsd running there?");
	}
	if (write(fd, "stat", 4) != 4) {
		err = errno;
		close(fd);
		return ioverbs_err(SUB, IOVERBS_EXIT_FAILED,
				   "%s: stat: %s (a daemon without stat?)",
				   path, strerrorname_np(err) ?: "E???");
	}
	for (;;) {
		if (cap - len < 4096) {
			char *p = realloc(text, cap = cap * 2 + 8192);

			if (!p) {
				err = ENOMEM;
				goto out_err;
			}
			text = p;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0) {
			err = errno;
			goto out_err;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		err = -parse_line(s, line);
		if (err) {
			free(text);
			snap_free(s);
			return ioverbs_err(SUB, IOVERBS_EXIT_FAILED,
					   "%s: the daemon's answer: %s: %s",
					   path, strerrorname_np(err) ?: "E???",
					   line);
		}
	}
	free(text);
	return 0;

out_err:
	close(fd);
	free(text);
	snap_free(s);
	return ioverbs_err(SUB, IOVERBS_EXIT_FAILED,
			   "%s: reading the answer: %s", path, strerror(err));
}

static void print_file(const struct st_file *f)
{
	unsigned int i;
	int t;

	printf("  file %lu  pid %d  uid %u  context %s  open %lld.%lld s%s\n",
	       f->serial, f->pid, f->uid, f->context ? "yes" : "no",
	       f->age_ms / 1000, f->age_ms % 1000 / 100,
	       f->disassociated ? "  (device removed)" : "");
	printf("    objects   %llu%s%s\n", f->objects, *f->types ? ":" : "",
	       f->types);
	printf("    commands  %llu, %llu failed\n", f->cmds, f->errors);
	for (i = 0; i < f->nacts; i++) {
		printf("      %-24s %10llu", f->acts[i].name, f->acts[i].calls);
		if (f->acts[i].errors)
			printf("  %llu failed", f->acts[i].errors);
		printf("\n");
	}
	printf("    traffic   %26s %14s\n", "completions", "bytes");
	for (t = 0; t < NUM_T; t++)
		printf("      %-24s %10llu %14llu\n", t_names[t], f->msgs[t],
		       f->bytes[t]);
	printf("      %-24s %10llu\n", "errors", f->wc_errors);
	if (!f->direct || !f->qps)
		return;
	printf("    data path %u QP%s with rings: %u direct, %u relayed, "
	       "%u pending, %u undecided\n",
	       f->qps, f->qps == 1 ? "" : "s", f->by_path[0], f->by_path[1],
	       f->by_path[2], f->by_path[3]);
	printf("      direct (client-reported): sent %llu msgs %llu bytes, "
	       "received %llu msgs %llu bytes\n",
	       f->dtx_msgs, f->dtx_bytes, f->drx_msgs, f->drx_bytes);
	for (i = 0; i < f->nqpl; i++) {
		const struct st_qp *q = &f->qpl[i];

		printf("      qp 0x%06x  %-9s", q->qpn, q->path);
		if (q->ud)
			printf("  UD: sends directly to %u, %llu relayed in, %llu dropped",
			       q->ud_dests, q->ud_relayed, q->ud_drops);
		else if (q->gone)
			printf("  peer gone");
		else if (q->peer)
			printf("  peer 0x%06x", q->peer);
		printf("\n");
	}
}

static void print_once(const struct st_snap *s)
{
	unsigned long long cmds, errors, msgs, bytes;
	unsigned int i, j;
	int t;

	for (i = 0; i < s->ndevs; i++) {
		const struct st_dev *d = &s->devs[i];

		printf("%s: %s, %u open file%s\n", d->name, d->state, d->files,
		       d->files == 1 ? "" : "s");
		if (d->roce[0])
			printf("  roce: %s\n", d->roce);
		cmds = errors = msgs = bytes = 0;
		for (j = 0; j < s->nfiles; j++) {
			const struct st_file *f = &s->files[j];

			if (strcmp(f->dev, d->name))
				continue;
			cmds += f->cmds;
			errors += f->errors;
			for (t = 0; t < NUM_T; t++) {
				msgs += f->msgs[t];
				bytes += f->bytes[t];
			}
		}
		/* What its open files did: closed ones took theirs along. */
		if (d->files)
			printf("  total: %llu commands, %llu failed; "
			       "%llu completions, %llu bytes\n",
			       cmds, errors, msgs, bytes);
		for (j = 0; j < s->nfiles; j++)
			if (!strcmp(s->files[j].dev, d->name))
				print_file(&s->files[j]);
	}
}

static void print_header(void)
{
	printf("%-10s %6s %7s %9s %8s %9s %9s %9s %9s %9s %12s\n", "device",
	       "file", "pid", "cmds/s", "fail/s", "send/s", "recv/s", "write/s",
	       "read/s", "atomic/s", "bytes/s");
}

/* Over @secs, what @f did since @old (NULL: since it was opened). */
static void print_rates(const struct st_file *f, const struct st_file *old,
			double secs)
{
	unsigned long long bytes = 0, obytes = 0;
	int t;

#define RATE(field) ((double)((f)->field - (old ? (old)->field : 0)) / secs)
	for (t = 0; t < NUM_T; t++) {
		bytes += f->bytes[t];
		obytes += old ? old->bytes[t] : 0;
	}
	printf("%-10s %6lu %7d %9.0f %8.0f %9.0f %9.0f %9.0f %9.0f %9.0f %12.0f\n",
	       f->dev, f->serial, f->pid, RATE(cmds), RATE(errors),
	       RATE(msgs[T_SEND]), RATE(msgs[T_RECV]), RATE(msgs[T_WRITE]),
	       RATE(msgs[T_READ]), RATE(msgs[T_ATOMIC]),
	       (double)(bytes - obytes) / secs);
#undef RATE
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stat_watch(const char *mount, double wait, unsigned long count)
{
	struct st_snap prev = { 0 }, cur = { 0 };
	double t_prev = 0, t_cur;
	unsigned long n;
	unsigned int i;
	int ret;

	print_header();
	for (n = 0; !count || n < count; n++) {
		if (n) {
			struct timespec ts = {
				.tv_sec = (time_t)wait,
				.tv_nsec =
					(long)((wait - (double)(time_t)wait) *
					       1e9),
			};

			nanosleep(&ts, NULL);
		}
		ret = snap_take(mount, &cur);
		if (ret) {
			snap_free(&prev);
			return ret;
		}
		t_cur = mono_s();
		for (i = 0; i < cur.nfiles; i++) {
			const struct st_file *old =
				n ? file_by_serial(&prev, cur.files[i].serial) :
				    NULL;

			/* The first report, or a new file: since its open. */
			print_rates(&cur.files[i], old,
				    old ? t_cur - t_prev :
				    cur.files[i].age_ms > 0 ?
					  (double)cur.files[i].age_ms / 1000 :
					  0.001);
		}
		if (!cur.nfiles)
			printf("%-10s (no open files)\n", "-");
		fflush(stdout);
		snap_free(&prev);
		prev = cur;
		cur = (struct st_snap){ 0 };
		t_prev = t_cur;
	}
	snap_free(&prev);
	return IOVERBS_EXIT_OK;
}

int ioverbs_stat_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "wait", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "mount", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mount = NULL;
	unsigned long count = 0;
	struct st_snap s = { 0 };
	double wait = 0;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "hw:c:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			errno = 0;
			wait = strtod(optarg, &end);
			if (errno || *end || !(wait >= 0.01 && wait <= 86400))
				return ioverbs_err(
					SUB, IOVERBS_EXIT_USAGE,
					"-w %s: not a number of seconds (0.01..86400)",
					optarg);
			break;
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !count || *optarg == '-')
				return ioverbs_err(
					SUB, IOVERBS_EXIT_USAGE,
					"-c %s: not a count of reports",
					optarg);
			break;
		case 'm':
			mount = optarg;
			break;
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: unexpected argument", argv[optind]);
	if (count && !wait)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "-c needs -w");
	mount = ioverbs_mount(mount);
	if (wait)
		return stat_watch(mount, wait, count);
	ret = snap_take(mount, &s);
	if (ret)
		return ret;
	print_once(&s);
	snap_free(&s);
	return IOVERBS_EXIT_OK;
}
