// SPDX-License-Identifier: MIT
/*
 * Event files: completion channels as descriptors a client can read and
 * poll.  A FUSE server cannot create a descriptor in its client, so the
 * client makes one: it creates MOUNT/events/NAME (O_CREAT|O_EXCL, any
 * unique name), passes that descriptor in COMP_CHANNEL_CREATE's FD
 * attribute, and the daemon binds the channel to it (fd_alloc's hint).
 * From then on read() returns struct ib_uverbs_comp_event_desc records
 * (blocking until one is queued, unless O_NONBLOCK: EAGAIN), and poll()
 * says POLLIN when one is.  The binding ends when the channel object goes
 * (DESTROY, close of the uverbs file); its last close of the event file
 * forgets the name.  After device removal a read gets EIO.
 *
 * Names are per user: each uid has its own namespace in events/, so a
 * lookup finds only the caller's own files (another user's name is
 * ENOENT, whoever's it is), and one user's name never blocks another's.
 * The kernel keeps no name for long (entry timeout 0): each path walk
 * asks again, as its caller.  A uid holds at most ivd_event_max_per_user
 * event files at once (EDQUOT beyond, with a log line).
 *
 * Which open file a descriptor of the caller is, the daemon learns from
 * /proc/TID/fdinfo/FD (mount id and inode) without touching the file
 * itself: an fstat() of its own mount from a FUSE thread could wait for
 * itself.
 *
 * Every lookup is a hash table's (by inode, by (uid, name), by binding
 * (uverbs file, fd number), by channel object), so that no user's number
 * of files slows down another's operations.
 *
 * Locking: events_lock protects the tables, the per-user counts and every
 * event file's fields but @ino and @name (fixed at creation).  Requests
 * come from any FUSE thread, fd_event from any thread (a completion on a
 * NIC or workqueue thread).  Lock order: libfuse's request lock (held
 * around an interrupt callback) -> events_lock -> libfuse's session lock
 * (taken inside fuse_reply_*() and fuse_lowlevel_notify_poll()).  So
 * fuse_req_interrupt_func() is never called under events_lock.
 *
 * A read with nothing to return is parked and answered from fd_event, or
 * with EINTR if the caller is interrupted by a signal that must end it
 * (see signal_ends_read()); a read whose interrupt did not end it is
 * "kept": the watch thread looks again at its thread's signals while it
 * waits, since the kernel interrupts a request once.  The interrupt
 * callback is
 * registered before the request is parked, while no other thread can see
 * it; once parked, whoever answers it (fd_event, unbind, the interrupt)
 * does so under events_lock and unparks it in the same section, so a
 * request is answered, and freed, exactly once.
 */
#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_verbs_ops.h>

#include "daemon.h"
#include "events.h"
#include "hash.h"

/* Descriptors one read() returns at most. */
#define IVD_EVENT_BATCH 64

unsigned int ivd_event_max_per_user = IVD_EVENT_MAX_PER_USER;
bool ivd_event_test_hooks;

/**
 * struct ivd_event_user - what one uid holds
 * @node: in users, by uid
 * @files: its event files (created and not yet forgotten)
 */
struct ivd_event_user {
	struct ivd_hnode node;
	uid_t uid;
	unsigned int files;
};

/**
 * struct ivd_event - an event file
 * @by_ino, @by_name: in the tables by inode and by (uid, name)
 * @by_fd, @by_uobj: in the tables of bindings, while bound
 * @user: its owner's count
 * @ino: its inode, unique for the daemon's life
 * @opens: open file handles on it
 * @uobj, @ufile, @fd: the channel bound to it, NULL if none
 * @ph: a poller to wake
 * @reader: a parked read, @reader_size its buffer
 * @kept_tid: @reader's thread once its interrupt was kept (0: not kept)
 * @kept_next: on the kept list, while @kept_tid
 */
struct ivd_event {
	struct ivd_hnode by_ino;
	struct ivd_hnode by_name;
	struct ivd_hnode by_fd;
	struct ivd_hnode by_uobj;
	struct ivd_event_user *user;
	fuse_ino_t ino;
	char name[IVD_EVENT_NAME_MAX + 1];
	uid_t uid;
	gid_t gid;
	unsigned int opens;
	struct ib_uobject *uobj;
	struct ib_uverbs_file *ufile;
	int fd;
	struct fuse_pollhandle *ph;
	fuse_req_t reader;
	size_t reader_size;
	pid_t kept_tid;
	struct ivd_event *kept_next;
};

static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * The kept readers (events_lock), and the thread that watches their
 * signals while there are some: started at the first, it sleeps on
 * @watch_cond (no timer) while the list is empty.
 */
static struct ivd_event *kept;
static pthread_t watch_thread;
static bool watch_started, watch_stop;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
/*
 * How long the watch thread sleeps between looks at the kept readers'
 * signals: from IVD_EVENT_WATCH_MIN_MS after a read is kept, doubled at
 * each look up to IVD_EVENT_WATCH_MAX_MS (a reader kept for long, a
 * stopped or traced one, costs the daemon a few wake-ups a second).
 */
#define IVD_EVENT_WATCH_MIN_MS 10
#define IVD_EVENT_WATCH_MAX_MS 250
static unsigned int watch_ms = IVD_EVENT_WATCH_MIN_MS;
static struct ivd_htable by_ino = IVD_HTABLE_INIT(by_ino);
static struct ivd_htable by_name = IVD_HTABLE_INIT(by_name);
static struct ivd_htable by_fd = IVD_HTABLE_INIT(by_fd);
static struct ivd_htable by_uobj = IVD_HTABLE_INIT(by_uobj);
static struct ivd_htable users = IVD_HTABLE_INIT(users);
static fuse_ino_t next_ino = IVD_INO_EVENT0;
/*
 * Written once before the loop starts: the mount's id and its
 * superblock's device ("major:minor"), which a client in another mount
 * namespace (`ioverbs run`) sees under another mount id.
 */
static int mount_id = -1;
static char mount_dev[32];

static uint64_t fd_hash(const struct ib_uverbs_file *ufile, int fd)
{
	return ivd_hash_u64((uintptr_t)ufile ^ ((uint64_t)(unsigned int)fd << 48));
}

static struct ivd_event *event_by_ino(fuse_ino_t ino)
{
	struct ivd_hnode *n;
	uint64_t h = ivd_hash_u64(ino);

	for (n = ivd_htable_first(&by_ino, h); n; n = ivd_htable_next(n)) {
		struct ivd_event *ev = container_of(n, struct ivd_event, by_ino);

		if (ev->ino == ino)
			return ev;
	}
	return NULL;
}

static struct ivd_event *event_by_name(uid_t uid, const char *name)
{
	struct ivd_hnode *n;
	uint64_t h = ivd_hash_str(uid, name);

	for (n = ivd_htable_first(&by_name, h); n; n = ivd_htable_next(n)) {
		struct ivd_event *ev = container_of(n, struct ivd_event, by_name);

		if (ev->uid == uid && !strcmp(ev->name, name))
			return ev;
	}
	return NULL;
}

static struct ivd_event *event_by_fd(const struct ib_uverbs_file *ufile, int fd)
{
	struct ivd_hnode *n;

	for (n = ivd_htable_first(&by_fd, fd_hash(ufile, fd)); n;
	     n = ivd_htable_next(n)) {
		struct ivd_event *ev = container_of(n, struct ivd_event, by_fd);

		if (ev->ufile == ufile && ev->fd == fd)
			return ev;
	}
	return NULL;
}

static struct ivd_event *event_by_uobj(const struct ib_uobject *uobj)
{
	struct ivd_hnode *n;

	for (n = ivd_htable_first(&by_uobj, ivd_hash_u64((uintptr_t)uobj)); n;
	     n = ivd_htable_next(n)) {
		struct ivd_event *ev = container_of(n, struct ivd_event, by_uobj);

		if (ev->uobj == uobj)
			return ev;
	}
	return NULL;
}

static struct ivd_event_user *user_by_uid(uid_t uid)
{
	struct ivd_hnode *n;

	for (n = ivd_htable_first(&users, ivd_hash_u64(uid)); n;
	     n = ivd_htable_next(n)) {
		struct ivd_event_user *u =
			container_of(n, struct ivd_event_user, node);

		if (u->uid == uid)
			return u;
	}
	return NULL;
}

/**
 * ivd_events_init() - learn the mount's id, once it is mounted
 * @mountpoint: where the file system is mounted
 *
 * Return: 0, or -ENOENT if /proc/self/mountinfo does not list it.
 */
int ivd_events_init(const char *mountpoint)
{
	char line[1024], mp[512], dev[32];
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	int id;

	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%d %*d %31s %*s %511s", &id, dev, mp) == 3 &&
		    !strcmp(mp, mountpoint)) {
			mount_id = id;
			snprintf(mount_dev, sizeof(mount_dev), "%s", dev);
		}
	fclose(fp);
	return mount_id < 0 ? -ENOENT : 0;
}

bool ivd_event_ino(fuse_ino_t ino)
{
	bool found;

	pthread_mutex_lock(&events_lock);
	found = event_by_ino(ino);
	pthread_mutex_unlock(&events_lock);
	return found;
}

void ivd_event_fill_attr(fuse_ino_t ino, struct stat *st)
{
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_ino(ino);
	if (ev) {
		st->st_mode = S_IFREG | 0600;
		st->st_uid = ev->uid;
		st->st_gid = ev->gid;
	}
	pthread_mutex_unlock(&events_lock);
}

/* Another user's name is ENOENT, as a name nobody has. */
void ivd_event_lookup(fuse_req_t req, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fuse_entry_param e = { 0 };
	struct ivd_event *ev;

	/* The attributes too under the lock: a RELEASE may free @ev next. */
	pthread_mutex_lock(&events_lock);
	ev = event_by_name(ctx->uid, name);
	if (ev) {
		e.ino = ev->ino;
		e.attr.st_mode = S_IFREG | 0600;
		e.attr.st_uid = ev->uid;
		e.attr.st_gid = ev->gid;
	}
	pthread_mutex_unlock(&events_lock);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.attr_timeout = IVD_ATTR_TIMEOUT;
	/* 0: the kernel asks again on each walk, as that walk's caller. */
	e.entry_timeout = 0;
	e.attr.st_ino = e.ino;
	e.attr.st_nlink = 1;
	fuse_reply_entry(req, &e);
}

/* Adds @ev to the tables and to its owner's count (events_lock held). */
static int event_add(struct ivd_event *ev)
{
	struct ivd_event_user *u;

	if (event_by_name(ev->uid, ev->name))
		return -EEXIST;
	u = user_by_uid(ev->uid);
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->uid = ev->uid;
		ivd_htable_add(&users, &u->node, ivd_hash_u64(u->uid));
	}
	if (u->files >= ivd_event_max_per_user) {
		if (!u->files) {
			ivd_htable_del(&users, &u->node);
			free(u);
		}
		return -EDQUOT;
	}
	u->files++;
	ev->user = u;
	ev->ino = next_ino++;
	ivd_htable_add(&by_ino, &ev->by_ino, ivd_hash_u64(ev->ino));
	ivd_htable_add(&by_name, &ev->by_name, ivd_hash_str(ev->uid, ev->name));
	return 0;
}

/* Forgets @ev's name and inode (events_lock held; @ev is unbound). */
static void event_del(struct ivd_event *ev)
{
	ivd_htable_del(&by_ino, &ev->by_ino);
	ivd_htable_del(&by_name, &ev->by_name);
	if (!--ev->user->files) {
		ivd_htable_del(&users, &ev->user->node);
		free(ev->user);
	}
	ev->user = NULL;
}

void ivd_event_create(fuse_req_t req, const char *name,
		      struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fuse_entry_param e = { 0 };
	struct ivd_event *ev;
	uid_t uid = ctx->uid;
	int ret;

	if (strlen(name) > IVD_EVENT_NAME_MAX) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	strcpy(ev->name, name);
	ev->uid = uid;
	ev->gid = ctx->gid;
	ev->opens = 1;
	ev->fd = -1;
	pthread_mutex_lock(&events_lock);
	ret = event_add(ev);
	pthread_mutex_unlock(&events_lock);
	if (ret) {
		if (ret == -EDQUOT)
			ivd_log_client(uid, IVD_LOG_WARN,
				       "event file %s: create by pid %d uid %u refused: EDQUOT (%u event files per user, --max-event-files)",
				       name, (int)ctx->pid, (unsigned int)uid,
				       ivd_event_max_per_user);
		free(ev);
		fuse_reply_err(req, -ret);
		return;
	}

	e.ino = ev->ino;
	e.attr_timeout = IVD_ATTR_TIMEOUT;
	e.entry_timeout = 0;
	e.attr.st_ino = e.ino;
	e.attr.st_nlink = 1;
	ivd_event_fill_attr(e.ino, &e.attr);
	fi->fh = (uintptr_t)ev;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	ivd_log_client(uid, IVD_LOG_DEBUG,
		       "event file %s: created by pid %d uid %u (inode %lu)",
		       name, (int)ctx->pid, (unsigned int)uid,
		       (unsigned long)e.ino);
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		/* The creator was interrupted: no RELEASE will come. */
		ivd_event_release(fi);
}

void ivd_event_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_ino(ino);
	if (ev)
		ev->opens++;
	pthread_mutex_unlock(&events_lock);
	if (!ev) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fi->fh = (uintptr_t)ev;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		ivd_event_release(fi);
}

/* Drops @ev's poller, waking it first if @wake (events_lock held). */
static void event_drop_poller(struct ivd_event *ev, bool wake)
{
	if (!ev->ph)
		return;
	if (wake)
		fuse_lowlevel_notify_poll(ev->ph);
	fuse_pollhandle_destroy(ev->ph);
	ev->ph = NULL;
}

/* @ev's parked read was answered (events_lock held). */
static void reader_done(struct ivd_event *ev)
{
	struct ivd_event **pp;

	ev->reader = NULL;
	if (!ev->kept_tid)
		return;
	for (pp = &kept; *pp; pp = &(*pp)->kept_next)
		if (*pp == ev) {
			*pp = ev->kept_next;
			break;
		}
	ev->kept_tid = 0;
	ev->kept_next = NULL;
}

/* The binding's end (events_lock held): pollers and readers learn it. */
static void event_unbind(struct ivd_event *ev)
{
	ivd_htable_del(&by_fd, &ev->by_fd);
	ivd_htable_del(&by_uobj, &ev->by_uobj);
	ev->uobj = NULL;
	ev->ufile = NULL;
	ev->fd = -1;
	if (ev->reader) {
		fuse_reply_err(ev->reader, EIO);
		reader_done(ev);
	}
	event_drop_poller(ev, true);
}

void ivd_event_release(struct fuse_file_info *fi)
{
	struct ivd_event *ev = (struct ivd_event *)(uintptr_t)fi->fh;

	pthread_mutex_lock(&events_lock);
	if (--ev->opens) {
		pthread_mutex_unlock(&events_lock);
		return;
	}
	/* The channel object stays in the core until DESTROY or close. */
	if (ev->uobj)
		event_unbind(ev);
	/* Unbound, it may still have a poller (poll() before the bind). */
	event_drop_poller(ev, false);
	event_del(ev);
	pthread_mutex_unlock(&events_lock);
	log_debug("event file %s: closed", ev->name);
	free(ev);
}

/*
 * Answers @req with what the channel holds (events_lock held): true if
 * it did, false if there is nothing yet.
 */
static bool event_answer(struct ivd_event *ev, fuse_req_t req, size_t size)
{
	struct ib_uverbs_comp_event_desc d[IVD_EVENT_BATCH];
	size_t room = size / sizeof(d[0]);
	int n;

	if (!ev->uobj) {
		fuse_reply_err(req, EINVAL);
		return true;
	}
	if (room > IVD_EVENT_BATCH)
		room = IVD_EVENT_BATCH;
	n = ib_comp_channel_read(ev->uobj, d, (u32)room);
	if (n < 0) {
		fuse_reply_err(req, -n);
		return true;
	}
	if (!n)
		return false;
	fuse_reply_buf(req, (const char *)d, (size_t)n * sizeof(d[0]));
	return true;
}

/* The hexadecimal mask after @key ("SigPnd:") in @status, 0 if none. */
static u64 status_mask(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

#define SIGBIT(sig) (1ull << ((sig) - 1))

/*
 * Whether the signal that interrupted @tid's read must end it with EINTR,
 * as a kernel character device's interruptible wait would end (the
 * kernel restarts the call, or not, on its way out).  A FUSE server
 * cannot have the call restarted: the kernel refuses the internal errnos
 * (-ERESTARTSYS and the rest, 512 and above) in a reply since "fuse:
 * reject internal errno" (Linux 5.14, in 6.1), and no other answer
 * restarts it.  What it can do is not answer: the caller then waits on
 * (killable), as a restarted read would, and runs no handler meanwhile.
 * So, from /proc/TID/status:
 *  - a deliverable signal it catches: a handler must run, EINTR (whether
 *    the handler has SA_RESTART cannot be seen from outside the process);
 *  - a signal that kills it (SIGKILL, or one with a terminating default
 *    action that it neither catches nor ignores): EINTR, the kernel ends
 *    the call all the same and would otherwise wait for our answer;
 *  - anything else (SIGSTOP and the other stops, SIGCONT, a tracer's
 *    PTRACE_INTERRUPT or attach, a blocked, ignored or default-ignored
 *    signal): no answer, the read goes on and gets its event.
 * A thread that is gone ends its read.
 */
static bool signal_ends_read(pid_t tid)
{
	const u64 no_kill = SIGBIT(SIGCHLD) | SIGBIT(SIGCONT) |
			    SIGBIT(SIGURG) | SIGBIT(SIGWINCH) |
			    SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) |
			    SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);
	u64 pending, caught, ignored;
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	pending = (status_mask(buf, "\nSigPnd:") |
		   status_mask(buf, "\nShdPnd:")) &
		  (~status_mask(buf, "\nSigBlk:") | SIGBIT(SIGKILL));
	caught = status_mask(buf, "\nSigCgt:");
	ignored = status_mask(buf, "\nSigIgn:");
	if (pending & SIGBIT(SIGKILL))
		return true;
	if (pending & caught)
		return true;
	return pending & ~caught & ~ignored & ~no_kill;
}

/* Looks again at the kept readers' signals (events_lock held). */
static void kept_check(void)
{
	struct ivd_event **pp = &kept, *ev;
	fuse_req_t req;

	while ((ev = *pp)) {
		if (!signal_ends_read(ev->kept_tid)) {
			pp = &ev->kept_next;
			continue;
		}
		req = ev->reader;
		reader_done(ev);
		fuse_reply_err(req, EINTR);
	}
}

static void *event_watch(void *arg)
{
	struct timespec ts = { 0, 0 };

	(void)arg;
	pthread_mutex_lock(&events_lock);
	while (!watch_stop) {
		if (!kept) {
			pthread_cond_wait(&watch_cond, &events_lock);
			continue;
		}
		ts.tv_nsec = watch_ms * 1000000L;
		if (watch_ms < IVD_EVENT_WATCH_MAX_MS)
			watch_ms = watch_ms * 2 < IVD_EVENT_WATCH_MAX_MS ?
					   watch_ms * 2 :
					   IVD_EVENT_WATCH_MAX_MS;
		pthread_mutex_unlock(&events_lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&events_lock);
		kept_check();
	}
	pthread_mutex_unlock(&events_lock);
	return NULL;
}

/*
 * @ev's read goes on after its interrupt (events_lock held): on the kept
 * list, watched.  Without the watch thread (it cannot start), EINTR.
 */
static void event_keep(struct ivd_event *ev, pid_t tid)
{
	if (!watch_started) {
		if (pthread_create(&watch_thread, NULL, event_watch, NULL)) {
			log_warn("event file %s: no thread to watch an interrupted read: EINTR",
				 ev->name);
			fuse_reply_err(ev->reader, EINTR);
			reader_done(ev);
			return;
		}
		watch_started = true;
	}
	log_debug("event file %s: read of thread %d interrupted by no signal that ends it: it goes on",
		  ev->name, (int)tid);
	ev->kept_tid = tid;
	ev->kept_next = kept;
	kept = ev;
	watch_ms = IVD_EVENT_WATCH_MIN_MS;
	pthread_cond_signal(&watch_cond);
}

/*
 * @data is the event file's inode, not the event file: inodes are never
 * reused, so a callback that comes late finds nothing rather than freed
 * memory.  libfuse holds a reference on @req while this runs, so if @req
 * is still parked it is this request.
 */
static void event_interrupted(fuse_req_t req, void *data)
{
	pid_t tid = fuse_req_ctx(req)->pid;
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_ino((fuse_ino_t)(uintptr_t)data);
	if (ev && ev->reader == req && !ev->kept_tid) {
		if (signal_ends_read(tid)) {
			reader_done(ev);
			fuse_reply_err(req, EINTR);
		} else {
			event_keep(ev, tid);
		}
	}
	pthread_mutex_unlock(&events_lock);
}

/*
 * The test hook (--test-hooks, daemon.h): @req was parked and may have
 * been answered, and freed, since events_lock was dropped; nothing here
 * may touch it, nor may ivd_event_read() after it.  @ev is still there:
 * its RELEASE would come through the loop thread, which is this one.
 */
static void event_test_park(const struct ivd_event *ev)
{
	struct timespec ts = { IVD_EVENT_TEST_PARK_MS / 1000,
			       (IVD_EVENT_TEST_PARK_MS % 1000) * 1000000L };

	log_info("test hook: event file %s: read parked, holding its thread %d ms",
		 ev->name, IVD_EVENT_TEST_PARK_MS);
	nanosleep(&ts, NULL);
	log_info("test hook: event file %s: read returns", ev->name);
}

void ivd_event_read(fuse_req_t req, size_t size, struct fuse_file_info *fi)
{
	struct ivd_event *ev = (struct ivd_event *)(uintptr_t)fi->fh;
	bool parked = false, interrupted;
	int err = 0;

	log_debug("event file %s: read of %zu bytes", ev->name, size);
	if (size < sizeof(struct ib_uverbs_comp_event_desc)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/*
	 * Before anyone else can see @req.  If the caller is interrupted
	 * already, the callback runs now and finds nothing parked; the
	 * check under the lock below answers it.
	 */
	fuse_req_interrupt_func(req, event_interrupted,
				(void *)(uintptr_t)ev->ino);
	pthread_mutex_lock(&events_lock);
	if (event_answer(ev, req, size))
		goto out_unlock;
	interrupted = fuse_req_interrupted(req);
	if ((fi->flags & O_NONBLOCK) || ev->reader)
		err = EAGAIN;
	else if (interrupted && signal_ends_read(fuse_req_ctx(req)->pid))
		err = EINTR;
	if (err) {
		fuse_reply_err(req, err);
		goto out_unlock;
	}
	/* From here on, whoever answers @req does so under events_lock. */
	ev->reader = req;
	ev->reader_size = size;
	parked = true;
	/* Interrupted before it was parked, by nothing that ends it. */
	if (interrupted)
		event_keep(ev, fuse_req_ctx(req)->pid);
out_unlock:
	pthread_mutex_unlock(&events_lock);
	if (parked && ivd_event_test_hooks &&
	    !strncmp(ev->name, IVD_EVENT_TEST_PARK,
		     sizeof(IVD_EVENT_TEST_PARK) - 1))
		event_test_park(ev);
}

void ivd_event_poll(fuse_req_t req, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct ivd_event *ev = (struct ivd_event *)(uintptr_t)fi->fh;
	unsigned int revents = 0;
	int n;

	pthread_mutex_lock(&events_lock);
	if (ev->uobj) {
		n = ib_comp_channel_read(ev->uobj, NULL, 0);
		if (n < 0)
			revents = POLLIN | POLLERR;
		else if (n > 0)
			revents = POLLIN | POLLRDNORM;
	}
	if (ph) {
		event_drop_poller(ev, false);
		ev->ph = ph;
	}
	pthread_mutex_unlock(&events_lock);
	fuse_reply_poll(req, revents);
}

/* The caller's descriptor @fd: an event file of ours?  Its inode, or 0. */
/*
 * Is mount @mnt of @tid's mount namespace this file system?  A private
 * mount namespace (unshare(CLONE_NEWNS), as `ioverbs run` makes) copies
 * the mount under a new id; its superblock, so its device, is ours.
 */
static bool caller_mount_is_ours(pid_t tid, int mnt)
{
	char path[64], line[1024], dev[32];
	bool ours = false;
	FILE *fp;
	int id;

	if (mnt < 0 || !mount_dev[0])
		return false;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	while (!ours && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%d %*d %31s", &id, dev) == 2 && id == mnt)
			ours = !strcmp(dev, mount_dev);
	fclose(fp);
	return ours;
}

static fuse_ino_t caller_event_ino(pid_t tid, int fd)
{
	char path[64], line[128];
	int mnt = -1;
	unsigned long ino = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		sscanf(line, "mnt_id: %d", &mnt);
		sscanf(line, "ino: %lu", &ino);
	}
	fclose(fp);
	if (mount_id < 0)
		return 0;
	if (mnt == mount_id || caller_mount_is_ours(tid, mnt))
		return (fuse_ino_t)ino;
	return 0;
}

int ivd_event_bind(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		   pid_t tid, int fd)
{
	struct ivd_event *ev;
	fuse_ino_t ino;
	int ret = 0;

	/* No descriptor named: none is ours to bind (rule 13). */
	if (fd < 0) {
		uverbs_set_error("FD object: name an event file (MOUNT/events/NAME) opened for it in the FD attribute");
		return -EBADF;
	}
	ino = caller_event_ino(tid, fd);
	pthread_mutex_lock(&events_lock);
	ev = ino ? event_by_ino(ino) : NULL;
	if (!ev)
		ret = -EBADF;
	else if (ev->uobj || event_by_fd(ufile, fd))
		/*
		 * The file bound already; or its fd number is an object of
		 * this uverbs file bound to another event file (the client
		 * closed that descriptor after a dup() and the number came
		 * back): (ufile, fd) names one binding, or unbinding would
		 * pick the wrong one.
		 */
		ret = -EBUSY;
	if (!ret) {
		ev->uobj = uobj;
		ev->ufile = ufile;
		ev->fd = fd;
		ivd_htable_add(&by_fd, &ev->by_fd, fd_hash(ufile, fd));
		ivd_htable_add(&by_uobj, &ev->by_uobj,
			       ivd_hash_u64((uintptr_t)uobj));
	}
	pthread_mutex_unlock(&events_lock);
	if (ret == -EBADF)
		uverbs_set_error("FD object: fd %d is not an event file of this mount",
					 fd);
	else if (ret == -EBUSY)
		uverbs_set_error("FD object: fd %d: its event file, or that number, is bound already",
				 fd);
	return ret ? ret : fd;
}

/*
 * Is the caller's descriptor @fd a spare event file of @uid's (its
 * name starts with IVD_EVENT_SPARE_PREFIX) that no channel binds?  The
 * link's last component is a cheap filter (the daemon may see another
 * mount namespace's path); fdinfo and the table decide.
 */
static bool caller_fd_is_spare(pid_t tid, uid_t uid, int fd)
{
	static const char prefix[] = IVD_EVENT_SPARE_PREFIX;
	char path[64], link[PATH_MAX];
	const char *base;
	struct ivd_event *ev;
	fuse_ino_t ino;
	ssize_t n;
	bool spare;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strncmp(base, prefix, sizeof(prefix) - 1))
		return false;
	ino = caller_event_ino(tid, fd);
	if (!ino)
		return false;
	pthread_mutex_lock(&events_lock);
	ev = event_by_ino(ino);
	spare = ev && !ev->uobj && ev->uid == uid &&
		!strncmp(ev->name, prefix, sizeof(prefix) - 1);
	pthread_mutex_unlock(&events_lock);
	return spare;
}

int ivd_event_spare(pid_t tid, uid_t uid, int after)
{
	char path[64];
	struct dirent *de;
	int best = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)tid);
	dir = opendir(path);
	if (!dir)
		return -EMFILE;
	while ((de = readdir(dir))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd <= after || fd > INT_MAX ||
		    (best >= 0 && fd >= best))
			continue;
		if (caller_fd_is_spare(tid, uid, (int)fd))
			best = (int)fd;
	}
	closedir(dir);
	return best >= 0 ? best : -EMFILE;
}

void ivd_event_unbind(struct ib_uverbs_file *ufile, int fd)
{
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_fd(ufile, fd);
	if (ev)
		event_unbind(ev);
	pthread_mutex_unlock(&events_lock);
}

void ivd_event_ready(struct ib_uobject *uobj)
{
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_uobj(uobj);
	if (ev && ev->reader && event_answer(ev, ev->reader, ev->reader_size))
		reader_done(ev);
	if (ev)
		event_drop_poller(ev, true);
	pthread_mutex_unlock(&events_lock);
}

/**
 * ivd_events_exit() - forget every event file, after the unmount
 *
 * Files still open when the daemon stops get no RELEASE: their state,
 * and a poller each may hold, are freed here.  Their bindings went with
 * the uverbs files (ivd_devices_exit() first).
 */
void ivd_events_exit(void)
{
	struct ivd_hnode *n;
	bool started;

	pthread_mutex_lock(&events_lock);
	watch_stop = true;
	started = watch_started;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&events_lock);
	if (started)
		pthread_join(watch_thread, NULL);
	pthread_mutex_lock(&events_lock);
	while ((n = ivd_htable_any(&by_ino))) {
		struct ivd_event *ev = container_of(n, struct ivd_event, by_ino);

		if (ev->uobj)
			event_unbind(ev);
		event_drop_poller(ev, false);
		event_del(ev);
		free(ev);
	}
	ivd_htable_destroy(&by_ino);
	ivd_htable_destroy(&by_name);
	ivd_htable_destroy(&by_fd);
	ivd_htable_destroy(&by_uobj);
	ivd_htable_destroy(&users);
	pthread_mutex_unlock(&events_lock);
}
