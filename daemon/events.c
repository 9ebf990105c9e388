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
 * Which open file a descriptor of the caller is, the daemon learns from
 * /proc/TID/fdinfo/FD (mount id and inode) without touching the file
 * itself: an fstat() of its own mount from inside its single-threaded
 * loop would wait for itself.
 *
 * Locking: events_lock protects the list and every binding; fd_event
 * comes from any thread (a completion), everything else from the FUSE
 * loop.  A read with nothing to return is parked and answered from
 * fd_event, or with EINTR if the caller is interrupted.
 */
#define FUSE_USE_VERSION 35
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rdma/ib_verbs_ops.h>

#include "daemon.h"
#include "events.h"

/* Descriptors one read() returns at most. */
#define IVD_EVENT_BATCH 64

/**
 * struct ivd_event - an event file
 * @ino: its inode, unique for the daemon's life
 * @opens: open file handles on it
 * @uobj, @ufile, @fd: the channel bound to it, NULL if none
 * @ph: a poller to wake
 * @reader: a parked read, @reader_size its buffer
 */
struct ivd_event {
	struct list_head list;
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
};

static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(events);
static fuse_ino_t next_ino = IVD_INO_EVENT0;
static int mount_id = -1;

static struct ivd_event *event_by_ino(fuse_ino_t ino)
{
	struct ivd_event *ev;

	list_for_each_entry(ev, &events, list)
		if (ev->ino == ino)
			return ev;
	return NULL;
}

static struct ivd_event *event_by_name(const char *name)
{
	struct ivd_event *ev;

	list_for_each_entry(ev, &events, list)
		if (!strcmp(ev->name, name))
			return ev;
	return NULL;
}

static struct ivd_event *event_by_fd(const struct ib_uverbs_file *ufile, int fd)
{
	struct ivd_event *ev;

	list_for_each_entry(ev, &events, list)
		if (ev->ufile == ufile && ev->fd == fd)
			return ev;
	return NULL;
}

static struct ivd_event *event_by_uobj(const struct ib_uobject *uobj)
{
	struct ivd_event *ev;

	list_for_each_entry(ev, &events, list)
		if (ev->uobj == uobj)
			return ev;
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
	char line[1024], mp[512];
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	int id;

	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%d %*d %*s %*s %511s", &id, mp) == 2 &&
		    !strcmp(mp, mountpoint))
			mount_id = id;
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

void ivd_event_lookup(fuse_req_t req, const char *name)
{
	struct fuse_entry_param e = { 0 };
	struct ivd_event *ev;

	pthread_mutex_lock(&events_lock);
	ev = event_by_name(name);
	if (ev)
		e.ino = ev->ino;
	pthread_mutex_unlock(&events_lock);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.attr_timeout = IVD_ATTR_TIMEOUT;
	e.entry_timeout = 0;
	e.attr.st_ino = e.ino;
	e.attr.st_nlink = 1;
	ivd_event_fill_attr(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

void ivd_event_create(fuse_req_t req, const char *name,
		      struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fuse_entry_param e = { 0 };
	struct ivd_event *ev;

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
	ev->uid = ctx->uid;
	ev->gid = ctx->gid;
	ev->opens = 1;
	ev->fd = -1;
	pthread_mutex_lock(&events_lock);
	if (event_by_name(name)) {
		pthread_mutex_unlock(&events_lock);
		free(ev);
		fuse_reply_err(req, EEXIST);
		return;
	}
	ev->ino = next_ino++;
	list_add_tail(&ev->list, &events);
	pthread_mutex_unlock(&events_lock);

	e.ino = ev->ino;
	e.attr_timeout = IVD_ATTR_TIMEOUT;
	e.attr.st_ino = e.ino;
	e.attr.st_nlink = 1;
	ivd_event_fill_attr(e.ino, &e.attr);
	fi->fh = (uintptr_t)ev;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	log_debug("event file %s: created by pid %d (inode %lu)", name,
		  (int)ctx->pid, (unsigned long)ev->ino);
	fuse_reply_create(req, &e, fi);
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
	fuse_reply_open(req, fi);
}

/* The binding's end (events_lock held): pollers and readers learn it. */
static void event_unbind(struct ivd_event *ev)
{
	ev->uobj = NULL;
	ev->ufile = NULL;
	ev->fd = -1;
	if (ev->reader) {
		fuse_reply_err(ev->reader, EIO);
		ev->reader = NULL;
	}
	if (ev->ph) {
		fuse_lowlevel_notify_poll(ev->ph);
		fuse_pollhandle_destroy(ev->ph);
		ev->ph = NULL;
	}
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
	list_del_init(&ev->list);
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

static void event_interrupted(fuse_req_t req, void *data)
{
	struct ivd_event *ev = data;

	pthread_mutex_lock(&events_lock);
	if (ev->reader == req) {
		ev->reader = NULL;
		fuse_reply_err(req, EINTR);
	}
	pthread_mutex_unlock(&events_lock);
}

void ivd_event_read(fuse_req_t req, size_t size, struct fuse_file_info *fi)
{
	struct ivd_event *ev = (struct ivd_event *)(uintptr_t)fi->fh;

	log_debug("event file %s: read of %zu bytes", ev->name, size);
	if (size < sizeof(struct ib_uverbs_comp_event_desc)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&events_lock);
	if (event_answer(ev, req, size)) {
		pthread_mutex_unlock(&events_lock);
		return;
	}
	if ((fi->flags & O_NONBLOCK) || ev->reader) {
		pthread_mutex_unlock(&events_lock);
		fuse_reply_err(req, EAGAIN);
		return;
	}
	ev->reader = req;
	ev->reader_size = size;
	pthread_mutex_unlock(&events_lock);
	/* Runs at once (and answers) if the caller was already interrupted. */
	fuse_req_interrupt_func(req, event_interrupted, ev);
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
		if (ev->ph)
			fuse_pollhandle_destroy(ev->ph);
		ev->ph = ph;
	}
	pthread_mutex_unlock(&events_lock);
	fuse_reply_poll(req, revents);
}

/* The caller's descriptor @fd: an event file of ours?  Its inode, or 0. */
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
	return mnt == mount_id && mount_id >= 0 ? (fuse_ino_t)ino : 0;
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
		ev->reader = NULL;
	if (ev && ev->ph) {
		fuse_lowlevel_notify_poll(ev->ph);
		fuse_pollhandle_destroy(ev->ph);
		ev->ph = NULL;
	}
	pthread_mutex_unlock(&events_lock);
}
