// SPDX-License-Identifier: MIT
/* The test transports, embedded, daemon and kernel; see transport.h. */
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "daemon/fixture.h"
#include "harness.h"
#include "test_driver.h"
#include "transport.h"

/* The slot ioverbsd-test serves the test driver as (td_devices.c). */
#define TX_DEV_NAME "td0"
/* The soft device of tx_open_soft_ok() through the daemon. */
#define TX_SOFT_NAME "uverbs0"
#define TX_RELEASE_TIMEOUT_S 20
/* The module's nodes (kmod/main.c). */
#define TX_KMOD_CTL "/dev/ioverbs-ctl"
#define TX_KMOD_KNOBS "/dev/ioverbs-td-knobs"
#define TX_KMOD_EVENT "/dev/ioverbs-event"

struct tx_dev {
	struct ib_device *ib; /* embedded */
	struct ib_device *soft; /* embedded, tx_open_soft_ok()'s */
	struct fx fx;	      /* daemon */
	bool removed;
	bool stopped;		/* the daemon is gone (tx_dev_destroy()) */
	unsigned int num_files; /* open files (daemon) */
	unsigned int num_soft;	/* of which on TX_SOFT_NAME */
	long base_live;		/* the daemon's live objects at start */
	char name[24];		/* the test driver's device (daemon: td0) */
	char soft_name[32];	/* kernel: tx_open_soft_ok()'s, once made */
};

#define TX_FILE_MAGIC 0x74786669u

struct tx_file {
	unsigned int magic;
	int fd;
	struct tx_dev *dev;
	const char *name; /* dev->name or TX_SOFT_NAME (kernel: soft_name) */
};

/* IOVERBS_TRANSPORT: 0 embedded, 1 daemon, 2 kernel. */
static int tx_mode(void)
{
	const char *t = getenv("IOVERBS_TRANSPORT");

	if (!t || !*t || !strcmp(t, "embedded"))
		return 0;
	if (!strcmp(t, "daemon"))
		return 1;
	if (!strcmp(t, "kernel"))
		return 2;
	harness_fail(__FILE__, __LINE__,
		     "IOVERBS_TRANSPORT=%s: expected embedded, daemon or kernel",
		     t);
}

bool tx_is_daemon(void)
{
	return tx_mode() != 0;
}

bool tx_is_kernel(void)
{
	return tx_mode() == 2;
}

/* One command on the module's control node. */
static void tx_kmod_ctl(const char *fmt, const char *name)
{
	char cmd[80];
	int fd, n;

	n = snprintf(cmd, sizeof(cmd), fmt, name);
	fd = open(TX_KMOD_CTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s (is ioverbs_core.ko loaded?)",
			     TX_KMOD_CTL, strerror(errno));
	if (write(fd, cmd, (size_t)n) != n)
		harness_fail(__FILE__, __LINE__, "%s: \"%s\": %s", TX_KMOD_CTL,
			     cmd, strerror(errno));
	close(fd);
}

/* The control node's "list" (the daemon's format), NUL-terminated. */
static void tx_kmod_list(char *out, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(TX_KMOD_CTL, O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	while ((size_t)got < len - 1 &&
	       (n = read(fd, out + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	out[got] = '\0';
}

static long tx_kmod_live(void)
{
	static char out[1 << 16];
	char *p;

	tx_kmod_list(out, sizeof(out));
	p = strstr(out, "live_objects ");
	ASSERT_TRUE(p);
	return strtol(p + strlen("live_objects "), NULL, 10);
}

/*
 * In @out (a "list" answer, cut up as it is read), the lines "file @name
 * pid @pid ... objects N events E" (only those with E == @events if
 * @events >= 0): how many, or the sum of their N if @objects.
 */
static int tx_list_files(char *out, const char *name, int pid, int events,
			 bool objects)
{
	char *line, *save, n[32];
	int p, ctx, dis, obj, ev, count = 0;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line,
			   "file %31s pid %d context %d disassociated %d "
			   "objects %d events %d",
			   n, &p, &ctx, &dis, &obj, &ev) != 6)
			continue;
		if (!strcmp(n, name) && p == pid && (events < 0 || ev == events))
			count += objects ? obj : 1;
	}
	return count;
}

/* Lines "file NAME pid PID ... objects N": how many, or their objects. */
static int tx_kmod_files(const char *name, int pid, bool objects)
{
	static char out[1 << 16];

	tx_kmod_list(out, sizeof(out));
	return tx_list_files(out, name, pid, -1, objects);
}

/* Opens /dev/ioverbs-NAME: the descriptor or -errno. */
static int tx_kmod_open(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/ioverbs-%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static struct tx_file *tx_file_of(struct ib_uverbs_file *f)
{
	struct tx_file *t = (struct tx_file *)f;

	ASSERT_TRUE(t && t->magic == TX_FILE_MAGIC);
	return t;
}

long tx_ioctl(struct ib_uverbs_file *f, unsigned int cmd, unsigned long arg)
{
	if (!tx_is_daemon())
		return ib_uverbs_ioctl(f, cmd, arg);
	return ioctl(tx_file_of(f)->fd, cmd, arg) < 0 ? -errno : 0;
}

int tx_event_file(struct ib_uverbs_file *f)
{
	static unsigned int serial;
	char path[sizeof(((struct fx *)0)->mnt) + 64];
	int fd;

	if (tx_is_kernel()) {
		fd = open(TX_KMOD_EVENT, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			harness_fail(__FILE__, __LINE__, "open %s: %s",
				     TX_KMOD_EVENT, strerror(errno));
		return fd;
	}
	snprintf(path, sizeof(path), "%s/events/tx-%d-%u",
		 tx_file_of(f)->dev->fx.mnt, (int)getpid(),
		 __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "create %s: %s", path,
			     strerror(errno));
	return fd;
}

/* $IOVERBSD, else ../daemon/ioverbsd-test next to this program. */
static void tx_find_daemon(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	ssize_t n;

	if (getenv("IOVERBSD") && *getenv("IOVERBSD"))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_TRUE(n > 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	ASSERT_TRUE(slash);
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/../daemon/ioverbsd-test", exe);
	ASSERT_OK(setenv("IOVERBSD", path, 1) ? -errno : 0);
}

static void tx_daemon_start(struct tx_dev *d)
{
	char env[16];
	int fd;

	tx_find_daemon();
	/* The knobs page, inherited by the daemon (no close-on-exec). */
	fd = memfd_create("td_knobs", 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, TD_KNOBS_SIZE) ? -errno : 0);
	ASSERT_OK(td_knobs_share(fd));
	snprintf(env, sizeof(env), "%d", fd);
	ASSERT_OK(setenv("IOVERBS_TD_KNOBS_FD", env, 1) ? -errno : 0);
	fx_start(&d->fx, NULL);
	unsetenv("IOVERBS_TD_KNOBS_FD");
	close(fd);
	td_ioctl = tx_ioctl;
	td_fd_bind = tx_event_file;
	d->base_live = fx_live_objects(&d->fx);
}

/*
 * The module's test driver: a device of our own name, and the module's
 * knobs page mapped over td_knobs (one page for every device: tests of
 * one program run one at a time).
 */
static void tx_kmod_start(struct tx_dev *d)
{
	static unsigned int serial;
	int fd;

	fd = open(TX_KMOD_KNOBS, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", TX_KMOD_KNOBS,
			     strerror(errno));
	ASSERT_OK(td_knobs_share(fd));
	close(fd);
	td_knobs_reset();
	snprintf(d->name, sizeof(d->name), "td%d_%u", (int)getpid(), serial++);
	tx_kmod_ctl("add td %s", d->name);
	td_ioctl = tx_ioctl;
	td_fd_bind = tx_event_file;
	d->base_live = tx_kmod_live();
}

struct tx_dev *tx_dev_create(void)
{
	struct tx_dev *d = calloc(1, sizeof(*d));

	ASSERT_TRUE(d);
	td_knobs_reset();
	snprintf(d->name, sizeof(d->name), "%s", TX_DEV_NAME);
	if (tx_is_kernel()) {
		tx_kmod_start(d);
	} else if (tx_is_daemon()) {
		tx_daemon_start(d);
	} else {
		d->ib = td_device_create();
		ASSERT_TRUE(d->ib);
	}
	return d;
}

struct ib_device *tx_dev_ib(struct tx_dev *d)
{
	return d->ib;
}

void tx_dev_remove(struct tx_dev *d)
{
	char out[256];

	if (!tx_is_daemon()) {
		td_device_remove(d->ib);
		return;
	}
	if (tx_is_kernel()) {
		tx_kmod_ctl("remove %s", d->name);
		d->removed = true;
		return;
	}
	ASSERT_OK(fx_ctl(&d->fx, "remove " TX_DEV_NAME, out, sizeof(out)));
	d->removed = true;
}

/*
 * Everything closed and the device still there: the module holds what it
 * held once the device was made (uobjects go after an RCU grace period).
 * Then the devices go; files still open keep working on removed devices.
 */
static void tx_kmod_stop(struct tx_dev *d)
{
	long live = -1;
	int i;

	/* Made after base_live was read: it goes first. */
	if (d->soft_name[0] && !d->num_soft)
		tx_kmod_ctl("destroy %s", d->soft_name);
	for (i = 0; !d->num_files && !d->removed && i < 1000; i++) {
		live = tx_kmod_live();
		if (live == d->base_live)
			break;
		msleep(5);
	}
	if (!d->num_files && !d->removed && live != d->base_live)
		harness_fail(__FILE__, __LINE__,
			     "the module holds %ld live objects, %ld at start",
			     live, d->base_live);
	tx_kmod_ctl("destroy %s", d->name);
	if (d->soft_name[0] && d->num_soft)
		tx_kmod_ctl("destroy %s", d->soft_name);
	td_ioctl = ib_uverbs_ioctl;
	td_fd_bind = NULL;
	if (d->num_files)
		d->stopped = true; /* the files free it */
	else
		free(d);
}

void tx_dev_destroy(struct tx_dev *d)
{
	if (!tx_is_daemon()) {
		td_device_destroy(d->ib);
		if (d->soft)
			soft_device_destroy(d->soft);
		free(d);
		return;
	}
	if (tx_is_kernel()) {
		tx_kmod_stop(d);
		return;
	}
	/*
	 * Everything closed and the device still there: the daemon must be
	 * back to what it held at start (after a removal it holds less).
	 */
	if (!d->num_files && !d->removed)
		fx_wait_released(&d->fx, getpid(), d->base_live);
	fx_stop(&d->fx);
	td_ioctl = ib_uverbs_ioctl;
	td_fd_bind = NULL;
	if (d->num_files)
		d->stopped = true; /* the files free it */
	else
		free(d);
}

long tx_open(struct tx_dev *d, struct ib_uverbs_file **f)
{
	struct ib_uverbs_file *uf;
	struct tx_file *t;
	int fd;

	if (!tx_is_daemon()) {
		uf = ib_uverbs_open(d->ib, NULL, NULL);
		if (IS_ERR(uf))
			return PTR_ERR(uf);
		*f = uf;
		return 0;
	}
	fd = tx_is_kernel() ? tx_kmod_open(d->name) :
			      fx_open(&d->fx, TX_DEV_NAME, O_RDWR);
	if (fd < 0)
		return fd;
	t = calloc(1, sizeof(*t));
	ASSERT_TRUE(t);
	t->magic = TX_FILE_MAGIC;
	t->fd = fd;
	t->dev = d;
	t->name = d->name;
	d->num_files++;
	*f = (struct ib_uverbs_file *)t;
	return 0;
}

struct ib_uverbs_file *tx_open_soft_ok(struct tx_dev *d)
{
	struct ib_uverbs_file *uf;
	struct tx_file *t;
	int fd;

	if (!tx_is_daemon()) {
		if (!d->soft) {
			d->soft = soft_device_create(NULL);
			ASSERT_TRUE(!IS_ERR(d->soft));
		}
		uf = ib_uverbs_open(d->soft, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(uf));
		return uf;
	}
	if (tx_is_kernel()) {
		if (!d->soft_name[0]) {
			snprintf(d->soft_name, sizeof(d->soft_name), "s%s",
				 d->name);
			tx_kmod_ctl("add soft %s", d->soft_name);
		}
		fd = tx_kmod_open(d->soft_name);
	} else {
		fd = fx_open(&d->fx, TX_SOFT_NAME, O_RDWR);
	}
	ASSERT_TRUE(fd >= 0);
	t = calloc(1, sizeof(*t));
	ASSERT_TRUE(t);
	t->magic = TX_FILE_MAGIC;
	t->fd = fd;
	t->dev = d;
	t->name = tx_is_kernel() ? d->soft_name : TX_SOFT_NAME;
	d->num_files++;
	d->num_soft++;
	return (struct ib_uverbs_file *)t;
}

static long tx_client_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	return tx_ioctl(ctx, cmd, (unsigned long)arg);
}

/* The reason of the caller's last failed command on @ctx (Rule 23). */
static ssize_t tx_client_reason(void *ctx, char *buf, size_t len)
{
	ssize_t n;

	if (!tx_is_daemon())
		return ib_uverbs_reason_read(ctx, buf, len);
	n = read(tx_file_of(ctx)->fd, buf, len);
	return n < 0 ? -errno : n;
}

void tx_client(struct ioverbs_client *v, struct ib_uverbs_file *f)
{
	ioverbs_client_init(v, tx_client_ioctl, f);
	v->reason = tx_client_reason;
}

int tx_file_objects(struct ib_uverbs_file *f)
{
	struct ib_uverbs_file_stats st;
	struct tx_file *t;

	if (!tx_is_daemon()) {
		ib_uverbs_file_stats(f, &st);
		return (int)st.num_objects;
	}
	t = tx_file_of(f);
	if (tx_is_kernel())
		return tx_kmod_files(t->name, getpid(), true);
	return fx_objects_of(&t->dev->fx, t->name, getpid());
}

struct ib_uverbs_file *tx_open_ok(struct tx_dev *d)
{
	struct ib_uverbs_file *f = NULL;

	ASSERT_OK(tx_open(d, &f));
	return f;
}

struct ib_uverbs_file *tx_open_ctx_ok(struct tx_dev *d)
{
	struct ib_uverbs_file *f = tx_open_ok(d);

	ASSERT_OK(td_get_context(f));
	return f;
}

void tx_close(struct ib_uverbs_file *f)
{
	struct tx_file *t;
	struct tx_dev *d;
	const char *name;
	unsigned int want;
	int i, n = -1;
	long ret;

	if (!tx_is_daemon()) {
		ib_uverbs_release(f);
		return;
	}
	t = tx_file_of(f);
	d = t->dev;
	name = t->name;
	ret = close(t->fd) ? -errno : 0;
	if (tx_is_kernel()) {
		/* release() ran before close() returned. */
		ASSERT_OK(ret);
		t->magic = 0;
		free(t);
		if (!strcmp(name, d->soft_name))
			d->num_soft--;
		if (!--d->num_files && d->stopped)
			free(d);
		return;
	}
	/* With the daemon gone, FLUSH fails; the fd is closed all the same. */
	if (!d->stopped || ret != -ENOTCONN)
		ASSERT_OK(ret);
	t->magic = 0;
	free(t);
	d->num_files--;
	if (!strcmp(name, TX_SOFT_NAME))
		d->num_soft--;
	if (d->stopped) {
		if (!d->num_files)
			free(d);
		return;
	}
	want = strcmp(name, TX_SOFT_NAME) ? d->num_files - d->num_soft :
					    d->num_soft;
	/* FUSE sends RELEASE after close() returned: wait for the daemon. */
	for (i = 0; i < TX_RELEASE_TIMEOUT_S * 200; i++) {
		n = fx_files_of(&d->fx, name, getpid());
		if (n == (int)want)
			return;
		msleep(5);
	}
	harness_fail(__FILE__, __LINE__,
		     "the daemon still lists %d file(s) of ours on %s, expected %u",
		     n, name, want);
}

int tx_files_with_events(struct tx_dev *d, unsigned int events)
{
	static char out[1 << 16];

	ASSERT_TRUE(tx_is_daemon());
	if (tx_is_kernel())
		tx_kmod_list(out, sizeof(out));
	else
		ASSERT_OK(fx_ctl(&d->fx, "list", out, sizeof(out)));
	return tx_list_files(out, d->name, getpid(), (int)events, false);
}

void tx_skip_in_daemon(const char *why)
{
	if (tx_is_daemon())
		harness_skip("in-process only: %s", why);
}

long tx_fuse_errno(long embedded, long daemon)
{
	return tx_is_daemon() && !tx_is_kernel() ? daemon : embedded;
}

u64 tx_new_fd_bind(struct ib_uverbs_file *f)
{
	return tx_is_daemon() ? (u64)tx_event_file(f) : 0;
}

void tx_event_file_close(int fd)
{
	if (!tx_is_daemon())
		return;
	ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0);
	ASSERT_OK(close(fd) ? -errno : 0);
}
