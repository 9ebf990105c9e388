// SPDX-License-Identifier: MIT
/*
 * The file system ioverbsd mounts: a flat directory with one regular file
 * per soft device (uverbs0, uverbs1, ...) and the control file ctl.
 *
 *   open uverbsN    ib_uverbs_open(); the file remembers the opener's tgid
 *   ioctl           RDMA_VERBS_IOCTL / RDMA_DIRECT_IOCTL: the core, with
 *                   current_mm set to the calling thread's memory
 *   write uverbsN   a legacy command: CREATE_COMP_CHANNEL, the one
 *                   libibverbs writes by itself (legacy.c)
 *   read uverbsN    the calling thread's reason for its last failed
 *                   command on the file (Rule 23, dev_read())
 *   release         ib_uverbs_release(); a SIGKILLed client's files are
 *                   released by the kernel the same way
 *   ctl             write a command, read its answer (ctl.c)
 *
 * FUSE hands an ioctl the 16-byte header already copied in from the
 * caller, the raw argument pointer and the caller's thread id; everything
 * after the header is read and written with process_vm_readv/writev.  The
 * header is input only (NEW handles go into the attributes that follow
 * it), so a reply carries no bytes and the kernel copies nothing back: a
 * copy-out after the core committed could fail (a header on a read-only
 * page) and turn a success into EFAULT with the objects made.
 *
 * Access control is the kernel's: the mount has default_permissions, and
 * each file's owner and mode come from the command line.
 */
#define FUSE_USE_VERSION 35
#include <ctype.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rdma/soft_device.h>

#include "daemon.h"
#include "events.h"
#include "legacy.h"

struct ivd_dev ivd_devs[IVD_MAX_DEVICES];
__thread pid_t ivd_caller_tid;
unsigned int ivd_num_devs;
/* See daemon.h for what each protects and the lock order. */
pthread_mutex_t ivd_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ivd_ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long file_serial;	/* under ivd_lock */

/* Attribute and entry cache lifetime: nothing but removals changes. */

/*
 * Lower-case copies of the soft device's type names, which are the spec
 * tables' (soft_type_name()): made once, read by any thread after.
 */
static char type_names[SOFT_NUM_TYPES][24];
static pthread_once_t type_names_once = PTHREAD_ONCE_INIT;

static void type_names_init(void)
{
	unsigned int t, i;

	for (t = 0; t < SOFT_NUM_TYPES; t++) {
		const char *name = soft_type_name(t);

		for (i = 0; name && name[i] && i < sizeof(type_names[t]) - 1;
		     i++)
			type_names[t][i] = (char)tolower((unsigned char)name[i]);
	}
}

/**
 * ivd_type_name() - the lower-case name of an object type id
 * Return: the name, or NULL for an id without one.
 */
const char *ivd_type_name(unsigned int type)
{
	pthread_once(&type_names_once, type_names_init);
	return type < SOFT_NUM_TYPES && type_names[type][0] ?
		       type_names[type] : NULL;
}

/* --- devices ----------------------------------------------------------- */

struct ivd_dev *ivd_dev_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ivd_num_devs; i++)
		if (!strcmp(ivd_devs[i].name, name))
			return &ivd_devs[i];
	return NULL;
}

/* Drops a reference of @hw (ivd_lock held); the last one frees the device. */
static void hw_put(struct ivd_hw *hw, const char *name)
{
	if (--hw->refs)
		return;
	if (hw->ops)
		hw->ops->destroy(hw->ib);
	else
		soft_device_destroy(hw->ib);
	free(hw);
	log_debug("device %s: freed", name);
}

/**
 * ivd_dev_add() - create and register the device of a slot
 * @d: a slot whose device is absent
 *
 * Return: 0, -EEXIST if the slot has its device, or what
 * soft_device_create() (or the slot's &ivd_dev_ops.create) returned.
 * Takes ivd_lock.
 */
int ivd_dev_add(struct ivd_dev *d)
{
	struct soft_device_config cfg = {
		.name = d->name,
		.num_pkeys = d->num_pkeys,
		.no_test_hooks = !d->test_hooks,
	};
	struct ib_device *ib;
	struct ivd_hw *hw;
	int ret = 0;

	memcpy(cfg.pkeys, d->pkeys, sizeof(cfg.pkeys));
	cfg.roce[0] = d->roce;
	pthread_mutex_lock(&ivd_lock);
	if (d->ib) {
		ret = -EEXIST;
		goto out_unlock;
	}
	hw = calloc(1, sizeof(*hw));
	if (!hw) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ib = d->ops ? d->ops->create(d->name) : soft_device_create(&cfg);
	if (IS_ERR(ib)) {
		log_err("device %s: %s failed: %s", d->name,
			d->ops ? "create" : "soft_device_create",
			ivd_errname(PTR_ERR(ib)));
		free(hw);
		ret = (int)PTR_ERR(ib);
		goto out_unlock;
	}
	hw->ib = ib;
	hw->ops = d->ops;
	hw->refs = 1;
	d->hw = hw;
	d->ib = ib;
	log_info("device %s: registered (index %u, driver_id 0x%x%s%s%s%s)",
		 d->name, ib->index, ib->driver_id,
		 d->num_pkeys ? ", own P_Key table" : "",
		 !d->ops && d->test_hooks ? ", test hooks on" : "",
		 d->roce.addr[11] == 0xff ? ", port 1 RoCEv2 on " : "",
		 d->roce.addr[11] == 0xff ? d->roce.netdev : "");
out_unlock:
	pthread_mutex_unlock(&ivd_lock);
	return ret;
}

/**
 * ivd_dev_remove() - hot unplug a slot's device (Rule 20, docs/design.md)
 * @d: a slot with its device
 *
 * Unregisters the device (every open file's objects and context are
 * destroyed, later commands get EIO except DESTROY, a DEVICE_FATAL event
 * is queued) and frees it once no file opened on it is left (see
 * &struct ivd_hw).  Open files stay open; the file name stays in
 * the directory and opens fail with ENODEV until ivd_dev_add().
 * Return: 0 or -ENODEV if already removed.
 */
int ivd_dev_remove(struct ivd_dev *d)
{
	struct ib_device *ib;
	struct ivd_hw *hw;

	pthread_mutex_lock(&ivd_lock);
	ib = d->ib;
	hw = d->hw;
	d->ib = NULL;
	d->hw = NULL;
	pthread_mutex_unlock(&ivd_lock);
	if (!ib)
		return -ENODEV;
	/*
	 * Without ivd_lock: it waits for the commands in flight on the
	 * device, which may wait on their clients.  @hw's reference keeps
	 * the device; new opens find the slot empty.
	 */
	ib_unregister_device(ib);
	pthread_mutex_lock(&ivd_lock);
	log_info("device %s: removed; %u open file(s) disassociated", d->name,
		 d->num_files);
	hw_put(hw, d->name);
	pthread_mutex_unlock(&ivd_lock);
	return 0;
}

/**
 * ivd_devices_init() - set up the slots and create their devices
 * @cfg: the command line's devices and permissions
 *
 * Return: 0 or a negative errno; on failure nothing is left registered.
 */
int ivd_devices_init(const struct ivd_config *cfg)
{
	unsigned int i;
	int ret;

	for (i = 0; i < cfg->num_devices; i++) {
		struct ivd_dev *d = &ivd_devs[i];

		snprintf(d->name, sizeof(d->name), "uverbs%u", i);
		d->uid = cfg->perm[i].set ? cfg->perm[i].uid : cfg->uid;
		d->gid = cfg->perm[i].set ? cfg->perm[i].gid : cfg->gid;
		d->mode = cfg->perm[i].set ? cfg->perm[i].mode : cfg->mode;
		d->num_pkeys = cfg->pkeys[i].num;
		memcpy(d->pkeys, cfg->pkeys[i].pkeys, sizeof(d->pkeys));
		d->test_hooks = cfg->test_hooks;
		d->roce = cfg->roce[i];
		ivd_event_test_hooks = cfg->test_hooks;
		INIT_LIST_HEAD(&d->files);
		ivd_num_devs = i + 1;
		ret = ivd_dev_add(d);
		if (ret)
			goto err_remove;
	}
	ret = ivd_extra_devices(cfg);
	if (ret)
		goto err_remove;
	return 0;

err_remove:
	ivd_devices_exit();
	return ret;
}

/* ioverbsd serves soft devices only; a test build overrides this. */
__attribute__((weak)) int ivd_extra_devices(const struct ivd_config *cfg)
{
	return 0;
}

int ivd_dev_slot_add(const char *name, const struct ivd_dev_ops *ops,
		     const struct ivd_config *cfg)
{
	struct ivd_dev *d;
	int ret;

	if (ivd_num_devs == IVD_MAX_DEVICES)
		return -ENOSPC;
	if (!*name || strlen(name) >= sizeof(d->name) || strchr(name, '/'))
		return -EINVAL;
	if (ivd_dev_by_name(name) || !strcmp(name, "ctl"))
		return -EEXIST;
	d = &ivd_devs[ivd_num_devs];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->ops = ops;
	d->uid = cfg->uid;
	d->gid = cfg->gid;
	d->mode = cfg->mode;
	INIT_LIST_HEAD(&d->files);
	ivd_num_devs++;
	ret = ivd_dev_add(d);
	if (ret) {
		ivd_num_devs--;
		memset(d, 0, sizeof(*d));
	}
	return ret;
}

void ivd_devices_exit(void)
{
	unsigned int i;

	/* After the loop: no other thread serves the mount any more. */
	for (i = 0; i < ivd_num_devs; i++) {
		struct ivd_dev *d = &ivd_devs[i];
		struct ivd_file *f, *tmp;

		list_for_each_entry_safe(f, tmp, &d->files, list)
			ivd_file_close(f, "daemon exit");
		if (d->ib)
			ivd_dev_remove(d);
	}
	ivd_num_devs = 0;
}

/* --- uverbs files ------------------------------------------------------ */

/*
 * FD objects (completion channels): the daemon cannot create a
 * descriptor in its client, so it binds the event file the client named
 * in the NEW FD attribute (events.c).
 */
static int ivd_fd_alloc(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
			int hint)
{
	struct ivd_file *f = ib_uverbs_file_priv(ufile);
	int ret;

	ret = ivd_event_bind(ufile, uobj, ivd_caller_tid, hint);
	if (ret < 0)
		ivd_log_client(f->uid, IVD_LOG_INFO,
			 "%s #%lu pid %d: FD object (type %u) on fd %d: %s",
			 f->dev->name, f->serial, (int)f->tgid, uobj->type_id,
			 hint, ivd_errname(ret));
	return ret;
}

static void ivd_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	ivd_event_unbind(ufile, fd);
}

static void ivd_fd_event(struct ib_uverbs_file *ufile, struct ib_uobject *uobj)
{
	ivd_event_ready(uobj);
}

/*
 * Async events: poll() on a device file says POLLPRI while one is queued
 * (GET_ASYNC_EVENT takes them), so that a client sleeps until the device
 * has one -- the provider's relay to libibverbs' async_fd does.  POLLIN
 * and POLLOUT are always set: read() (Rule 23's reason) and write() never
 * wait.  dev_poll_lock protects every ivd_file.ph; it is taken after the
 * core's locks (a port event holds the device's files_lock, removal a
 * file's close_sem) and before libfuse's session lock.
 */
static pthread_mutex_t dev_poll_lock = PTHREAD_MUTEX_INITIALIZER;

static void ivd_async_event(struct ib_uverbs_file *ufile)
{
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	pthread_mutex_lock(&dev_poll_lock);
	if (f->ph) {
		fuse_lowlevel_notify_poll(f->ph);
		fuse_pollhandle_destroy(f->ph);
		f->ph = NULL;
	}
	pthread_mutex_unlock(&dev_poll_lock);
}

static void dev_poll(fuse_req_t req, struct ivd_file *f,
		     struct fuse_pollhandle *ph)
{
	unsigned int revents = POLLIN | POLLOUT;

	pthread_mutex_lock(&dev_poll_lock);
	/* The kernel keeps one waiter per open file: the newest. */
	if (ph) {
		if (f->ph)
			fuse_pollhandle_destroy(f->ph);
		f->ph = ph;
	}
	/* After ph is set: an event queued from now on notifies it. */
	if (ib_uverbs_async_events_queued(f->ufile))
		revents |= POLLPRI;
	pthread_mutex_unlock(&dev_poll_lock);
	fuse_reply_poll(req, revents);
}

/* A context's memory regions live in the opener's process. */
static struct compat_mm *ivd_context_mm(struct ib_uverbs_file *ufile)
{
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	return f->mm ? &f->mm->mm : NULL;
}

/* Quotas (limits.c): the command's thread is the caller. */
static int ivd_file_charge(struct ib_uverbs_file *ufile,
			   enum ib_uverbs_resource res, u16 type_id, u64 amount)
{
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	return ivd_account_charge(&f->acct, res, type_id, amount,
				  pvm_current_pid());
}

static void ivd_file_uncharge(struct ib_uverbs_file *ufile,
			      enum ib_uverbs_resource res, u16 type_id,
			      u64 amount)
{
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	ivd_account_uncharge(&f->acct, res, type_id, amount);
}

static const struct ib_uverbs_file_ops ivd_file_ops = {
	.fd_alloc = ivd_fd_alloc,
	.fd_release = ivd_fd_release,
	.fd_event = ivd_fd_event,
	.async_event = ivd_async_event,
	.context_mm = ivd_context_mm,
	.charge = ivd_file_charge,
	.uncharge = ivd_file_uncharge,
};

/**
 * ivd_file_close() - release a uverbs file and forget it
 * @f: the file; freed
 * @why: for the log ("release", "daemon exit")
 */
void ivd_file_close(struct ivd_file *f, const char *why)
{
	struct ib_uverbs_file_stats st;

	/* Off the lists first: ctl list reads what is on them. */
	pthread_mutex_lock(&ivd_lock);
	list_del_init(&f->list);
	f->dev->num_files--;
	pthread_mutex_unlock(&ivd_lock);
	ib_uverbs_file_stats(f->ufile, &st);
	ib_uverbs_release(f->ufile);
	/* No event is queued on it any more: its poller goes. */
	pthread_mutex_lock(&dev_poll_lock);
	if (f->ph)
		fuse_pollhandle_destroy(f->ph);
	f->ph = NULL;
	pthread_mutex_unlock(&dev_poll_lock);
	/* The context, and every MR that used f->mm, is gone. */
	pvm_mm_close(f->mm);
	/* So is every charge. */
	ivd_account_close(&f->acct);
	pthread_mutex_lock(&ivd_lock);
	hw_put(f->hw, f->dev->name);
	pthread_mutex_unlock(&ivd_lock);
	ivd_log_client(f->uid, IVD_LOG_INFO,
		 "%s #%lu pid %d: closed (%s) after %lu commands; %u objects "
		 "destroyed",
		 f->dev->name, f->serial, (int)f->tgid, why,
		 __atomic_load_n(&f->num_cmds, __ATOMIC_RELAXED),
		 st.num_objects);
	free(f);
}

static struct ivd_dev *ino_to_dev(fuse_ino_t ino)
{
	if (ino < IVD_INO_DEV0 || ino - IVD_INO_DEV0 >= ivd_num_devs)
		return NULL;
	return &ivd_devs[ino - IVD_INO_DEV0];
}

static void dev_open(fuse_req_t req, struct ivd_dev *d,
		     struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ib_uverbs_file *ufile;
	struct ib_device *ib;
	struct ivd_file *f;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = -ENOMEM;
		goto err_reply;
	}
	f->dev = d;
	f->uid = ctx->uid;
	/* No file without its guard: whose memory it reaches. */
	f->mm = pvm_mm_open(ctx->pid);
	if (IS_ERR(f->mm)) {
		ret = (int)PTR_ERR(f->mm);
		goto err_free;
	}
	f->tgid = f->mm->pid;
	/* Its user answers for what its memory does to the NIC threads. */
	f->mm->mm.owner = f->uid;
	/* The user's quotas; EMFILE past its share of files. */
	ret = ivd_account_open(&f->acct, f->uid, f->tgid);
	if (ret)
		goto err_mm;
	pthread_mutex_lock(&ivd_lock);
	ib = d->ib;
	f->hw = d->hw;
	if (ib)
		f->hw->refs++;
	pthread_mutex_unlock(&ivd_lock);
	if (!ib) {
		ret = -ENODEV;
		goto err_acct;
	}
	/* A removal since is the core's to see: ENODEV. */
	ufile = ib_uverbs_open(ib, &ivd_file_ops, f);
	if (IS_ERR(ufile)) {
		ret = (int)PTR_ERR(ufile);
		goto err_hw;
	}
	f->ufile = ufile;
	clock_gettime(CLOCK_MONOTONIC, &f->opened);
	pthread_mutex_lock(&ivd_lock);
	f->serial = ++file_serial;
	list_add_tail(&f->list, &d->files);
	d->num_files++;
	pthread_mutex_unlock(&ivd_lock);
	fi->fh = (uintptr_t)f;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	ivd_log_client(f->uid, IVD_LOG_INFO,
		 "%s #%lu pid %d: opened (tid %d, uid %u)", d->name, f->serial,
		 (int)f->tgid, (int)ctx->pid, (unsigned int)ctx->uid);
	/* The reply frees req, and ctx with it. */
	if (fuse_reply_open(req, fi) == -ENOENT)
		/* The opener was interrupted: no RELEASE will come. */
		ivd_file_close(f, "open interrupted");
	return;

err_hw:
	pthread_mutex_lock(&ivd_lock);
	hw_put(f->hw, d->name);
	pthread_mutex_unlock(&ivd_lock);
err_acct:
	ivd_account_close(&f->acct);
err_mm:
	pvm_mm_close(f->mm);
err_free:
	free(f);
err_reply:
	ivd_log_client(ctx->uid, ret == -ENODEV ? IVD_LOG_INFO : IVD_LOG_WARN,
		"%s: open by pid %d uid %u refused: %s", d->name,
		(int)ctx->pid, (unsigned int)ctx->uid, ivd_errname(ret));
	fuse_reply_err(req, -ret);
}

/*
 * A request that a worker serves (workers.c): what the loop thread had,
 * copied, since its buffers are reused once its handler returns.
 */
struct ivd_job {
	struct ivd_work work;
	fuse_req_t req;
	struct ivd_file *f;
	struct ivd_dev *d;
	struct fuse_file_info fi;
	unsigned int cmd;
	void *arg;
	struct ib_uverbs_ioctl_hdr hdr;
	size_t len;
	char text[IVD_CTL_MAX_CMD + 1];
};

static struct ivd_job *job_new(fuse_req_t req, void (*fn)(struct ivd_work *w))
{
	struct ivd_job *j = calloc(1, sizeof(*j));

	if (j) {
		j->req = req;
		j->work.fn = fn;
		INIT_LIST_HEAD(&j->work.node);
	}
	return j;
}

/*
 * Runs one command of @f's.  @windows_only on the loop thread: the
 * command lay in command windows and moves no other memory of its
 * caller, so nothing it does can wait on the client.  Return: its errno,
 * for dev_cmd_reply().
 */
static long dev_cmd_run(fuse_req_t req, struct ivd_file *f, unsigned int cmd,
			void *arg, struct ib_uverbs_ioctl_hdr *hdr,
			bool windows_only)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	pid_t tid = ctx->pid;
	struct pvm_mm caller;
	long ret;

	pvm_mm_init_caller(&caller, tid);
	pvm_mm_use_windows(&caller, f->mm);
	caller.windows_only = windows_only;
	current_mm = &caller.mm;
	current_pid = tid;	/* whose reason a refusal is (Rule 23) */
	ivd_caller_tid = tid;
	ret = ib_uverbs_ioctl_hdr(f->ufile, cmd, hdr, (unsigned long)arg);
	ivd_caller_tid = 0;
	current_pid = 0;
	current_mm = NULL;
	__atomic_fetch_add(&f->num_cmds, 1, __ATOMIC_RELAXED);
	/*
	 * Every command at debug; EFAULT at info too: the client's memory
	 * is bad, or the daemon may not reach it (CAP_SYS_PTRACE).  The
	 * caller's uid pays for the line.
	 */
	if (ivd_log_level >= IVD_LOG_DEBUG || ret == -EFAULT) {
		const char *name = ib_uverbs_action_name(f->ufile, hdr);

		/* The spec's name, else the numbers ("???": no such action). */
		if (name)
			ivd_log_client(ctx->uid,
				ret == -EFAULT ? IVD_LOG_INFO : IVD_LOG_DEBUG,
				"%s #%lu pid %d tid %d: %s -> %s%s%s",
				f->dev->name, f->serial, (int)f->tgid, (int)tid,
				name, ivd_errname(ret), ret ? ": " : "",
				ret ? ib_uverbs_last_error() : "");
		else
			ivd_log_client(ctx->uid,
				ret == -EFAULT ? IVD_LOG_INFO : IVD_LOG_DEBUG,
				"%s #%lu pid %d tid %d: ??? type %u action %u -> %s%s%s",
				f->dev->name, f->serial, (int)f->tgid, (int)tid,
				hdr->object_type, hdr->action,
				ivd_errname(ret), ret ? ": " : "",
				ret ? ib_uverbs_last_error() : "");
	}
	return ret;
}

/* The reply lets the client close the file: nothing of @f after it. */
static void dev_cmd_reply(fuse_req_t req, long ret)
{
	if (ret)
		fuse_reply_err(req, (int)-ret);
	else
		fuse_reply_ioctl(req, 0, NULL, 0); /* nothing to copy out */
}

/* Refuses a command before the core saw it, with its reason (Rule 23). */
static __printf(4, 5) void dev_cmd_refuse(fuse_req_t req, struct ivd_file *f,
					  long ret, const char *fmt, ...)
{
	char msg[UVERBS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	current_pid = fuse_req_ctx(req)->pid;
	ib_uverbs_reason_set(f->ufile, "%s", msg);
	current_pid = 0;
	fuse_reply_err(req, (int)-ret);
}

static void dev_cmd_work(struct ivd_work *w)
{
	struct ivd_job *j = container_of(w, struct ivd_job, work);
	long ret;

	ret = dev_cmd_run(j->req, j->f, j->cmd, j->arg, &j->hdr, false);
	ivd_account_cmd_end(&j->f->acct);
	dev_cmd_reply(j->req, ret);
	free(j);
}

/* Upstream's RDMA_VERBS_IOCTL: _IOWR(0x1b, 1, its 24-byte header). */
#define IVD_UPSTREAM_VERBS_IOCTL 0xc0181b01u

static void dev_ioctl(fuse_req_t req, struct ivd_file *f, unsigned int cmd,
		      void *arg, const void *in_buf, size_t in_bufsz)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ib_uverbs_ioctl_hdr hdr;
	struct ivd_job *j;
	long ret;

	if ((cmd != RDMA_VERBS_IOCTL && cmd != RDMA_DIRECT_IOCTL) ||
	    in_bufsz != sizeof(hdr)) {
		ivd_log_client(ctx->uid, IVD_LOG_DEBUG,
			       "%s #%lu pid %d: ioctl 0x%x: ENOTTY",
			       f->dev->name, f->serial, (int)ctx->pid, cmd);
		if (cmd == IVD_UPSTREAM_VERBS_IOCTL)
			/* libibverbs' probe (docs/internals.md). */
			dev_cmd_refuse(req, f, -ENOTTY,
				       "ioctl 0x%x is upstream's RDMA_VERBS_IOCTL: no upstream ioctl framework here (this device's is 0x%x)",
				       cmd, (unsigned int)RDMA_VERBS_IOCTL);
		else
			dev_cmd_refuse(req, f, -ENOTTY,
				       "ioctl 0x%x is not RDMA_VERBS_IOCTL (or its argument is not a %zu-byte header)",
				       cmd, sizeof(hdr));
		return;
	}
	memcpy(&hdr, in_buf, sizeof(hdr));
	/* Only the address space the file was opened in (pvm.c). */
	ret = pvm_mm_check(ctx->pid, f->mm);
	if (ret) {
		ivd_log_client(ctx->uid, IVD_LOG_INFO,
			"%s #%lu pid %d: command from tid %d (uid %u) of another address space: EPERM",
			 f->dev->name, f->serial, (int)f->tgid, (int)ctx->pid,
			 (unsigned int)ctx->uid);
		fuse_reply_err(req, EPERM);
		return;
	}
	pvm_window_check(f->mm, (uintptr_t)arg, in_buf, sizeof(hdr));
	/* The fast path: nothing of the client's but its windows. */
	if (cmd == RDMA_VERBS_IOCTL &&
	    pvm_cmd_in_windows(f->mm, (uintptr_t)arg, &hdr) &&
	    !ib_uverbs_cmd_user_memory(f->ufile, &hdr)) {
		dev_cmd_reply(req, dev_cmd_run(req, f, cmd, arg, &hdr, true));
		return;
	}
	ret = ivd_account_cmd_begin(&f->acct);
	if (ret) {
		ivd_log_client(ctx->uid, IVD_LOG_INFO,
			"%s #%lu pid %d: uid %u has %u commands in flight: %s",
			 f->dev->name, f->serial, (int)ctx->pid,
			 (unsigned int)ctx->uid, ivd_user_limits.inflight,
			 ivd_errname(ret));
		dev_cmd_refuse(req, f, ret,
			       "uid %u has %u commands in flight (--limit-inflight)",
			       (unsigned int)ctx->uid,
			       ivd_user_limits.inflight);
		return;
	}
	j = job_new(req, dev_cmd_work);
	if (!j) {
		ret = -ENOMEM;
		goto err_end;
	}
	j->f = f;
	j->cmd = cmd;
	j->arg = arg;
	j->hdr = hdr;
	ret = ivd_work_queue(&j->work);
	if (ret)
		goto err_free;
	return;

err_free:
	free(j);
err_end:
	ivd_account_cmd_end(&f->acct);
	dev_cmd_refuse(req, f, ret, "the daemon cannot queue the command: %s",
		       ivd_errname(ret));
}

static void dev_open_work(struct ivd_work *w)
{
	struct ivd_job *j = container_of(w, struct ivd_job, work);

	dev_open(j->req, j->d, &j->fi);
	free(j);
}

/*
 * Opening binds the file to the opener's address space (/proc/TID/mem
 * and friends), which may wait on the opener: a worker does it.
 */
static void dev_open_queue(fuse_req_t req, struct ivd_dev *d,
			   struct fuse_file_info *fi)
{
	struct ivd_job *j = job_new(req, dev_open_work);
	int ret;

	if (!j) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	j->d = d;
	j->fi = *fi;
	ret = ivd_work_queue(&j->work);
	if (ret) {
		free(j);
		fuse_reply_err(req, -ret);
	}
}

static void dev_release_work(struct ivd_work *w)
{
	struct ivd_job *j = container_of(w, struct ivd_job, work);

	ivd_file_close(j->f, "release");
	fuse_reply_err(j->req, 0);
	free(j);
}

/*
 * Destroying a file's objects may wait for its device's threads, which
 * may be copying the client's memory: a worker does it.  If none can
 * take it, the loop thread does: a release is never lost.
 */
static void dev_release_queue(fuse_req_t req, struct ivd_file *f)
{
	struct ivd_job *j = job_new(req, dev_release_work);

	if (j) {
		j->f = f;
		if (!ivd_work_queue(&j->work))
			return;
		free(j);
	}
	ivd_file_close(f, "release");
	fuse_reply_err(req, 0);
}

/* --- the FUSE operations ---------------------------------------------- */

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	struct ivd_dev *d = ino_to_dev(ino);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	if (ino == IVD_INO_ROOT) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == IVD_INO_CTL) {
		st->st_mode = S_IFREG | 0600;
	} else if (ino == IVD_INO_EVENTS) {
		/* Anyone may create an event file; each is its creator's. */
		st->st_mode = S_IFDIR | 01777;
		st->st_nlink = 2;
	} else if (ino >= IVD_INO_EVENT0) {
		ivd_event_fill_attr(ino, st);
	} else if (d) {
		st->st_mode = S_IFREG | d->mode;
		st->st_uid = d->uid;
		st->st_gid = d->gid;
	}
}

static bool ino_valid(fuse_ino_t ino)
{
	return ino == IVD_INO_ROOT || ino == IVD_INO_CTL ||
	       ino == IVD_INO_EVENTS || ino_to_dev(ino) ||
	       (ino >= IVD_INO_EVENT0 && ivd_event_ino(ino));
}

static void ivd_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };
	struct ivd_dev *d;

	if (parent == IVD_INO_EVENTS) {
		ivd_event_lookup(req, name);
		return;
	}
	if (parent != IVD_INO_ROOT) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!strcmp(name, "ctl")) {
		e.ino = IVD_INO_CTL;
	} else if (!strcmp(name, "events")) {
		e.ino = IVD_INO_EVENTS;
	} else {
		d = ivd_dev_by_name(name);
		if (!d) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		e.ino = IVD_INO_DEV0 + (fuse_ino_t)(d - ivd_devs);
	}
	e.attr_timeout = IVD_ATTR_TIMEOUT;
	e.entry_timeout = IVD_ATTR_TIMEOUT;
	fill_attr(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ivd_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;

	if (!ino_valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(ino, &st);
	fuse_reply_attr(req, &st, IVD_ATTR_TIMEOUT);
}

/* O_TRUNC on ctl ("echo list > ctl") arrives as a size change: ignored. */
static void ivd_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	if (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME |
		       FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
		       FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ivd_getattr(req, ino, fi);
}

static void ivd_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	char *buf;
	size_t used = 0;
	off_t i;

	if (ino == IVD_INO_EVENTS) {
		/* Its files are private: the directory lists nothing. */
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (ino != IVD_INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Entries: ".", "..", "ctl", then the devices; off = next index. */
	for (i = off; i < 3 + (off_t)ivd_num_devs; i++) {
		struct stat st = { 0 };
		const char *name;
		size_t len;

		if (i == 0) {
			name = ".";
			st.st_ino = IVD_INO_ROOT;
		} else if (i == 1) {
			name = "..";
			st.st_ino = IVD_INO_ROOT;
		} else if (i == 2) {
			name = "ctl";
			st.st_ino = IVD_INO_CTL;
		} else {
			name = ivd_devs[i - 3].name;
			st.st_ino = IVD_INO_DEV0 + (fuse_ino_t)(i - 3);
		}
		fill_attr(st.st_ino, &st);
		len = fuse_add_direntry(req, buf + used, size - used, name, &st,
					i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void ivd_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ivd_dev *d = ino_to_dev(ino);
	struct ivd_ctl *c;

	if (ino == IVD_INO_ROOT || ino == IVD_INO_EVENTS) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (d) {
		dev_open_queue(req, d, fi);
		return;
	}
	if (ino >= IVD_INO_EVENT0) {
		ivd_event_open(req, ino, fi);
		return;
	}
	if (ino != IVD_INO_CTL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	c = ivd_ctl_open();
	if (!c) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)c;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		ivd_ctl_close(c);
}

static void ivd_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	if (ino == IVD_INO_CTL) {
		ivd_ctl_close((struct ivd_ctl *)(uintptr_t)fi->fh);
	} else if (ino >= IVD_INO_EVENT0) {
		ivd_event_release(fi);
	} else if (ino_to_dev(ino) && fi->fh) {
		dev_release_queue(req, (struct ivd_file *)(uintptr_t)fi->fh);
		return;
	}
	fuse_reply_err(req, 0);
}

static void ivd_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

/*
 * read() on a device file: the calling thread's reason for its last
 * command on this file, if that failed (Rule 23): one line ending in
 * "\n", taken by the read (a second read answers 0 bytes, as does a
 * thread with no failed command, or whose reason was evicted by
 * UVERBS_REASON_SLOTS other threads' since); a successful command clears
 * it.  A buffer of UVERBS_REASON_MAX bytes holds any reason; a smaller
 * one gets its beginning and the rest is dropped.  Only the address
 * space that opened the file may ask (EPERM, as for commands).  A
 * write() is a legacy command (legacy.c).
 */
static void dev_read(fuse_req_t req, struct ivd_file *f, size_t size)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	char buf[UVERBS_REASON_MAX];
	ssize_t n;

	if (pvm_mm_check(ctx->pid, f->mm)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	current_pid = ctx->pid;
	n = ib_uverbs_reason_read(f->ufile, buf, min_t(size_t, size,
							sizeof(buf)));
	current_pid = 0;
	fuse_reply_buf(req, buf, (size_t)n);
}

static void ivd_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct ivd_ctl *c = (struct ivd_ctl *)(uintptr_t)fi->fh;
	char *buf;
	size_t n;

	if (ino >= IVD_INO_EVENT0) {
		ivd_event_read(req, size, fi);
		return;
	}
	if (ino != IVD_INO_CTL) {
		if (ino_to_dev(ino))
			dev_read(req, (struct ivd_file *)(uintptr_t)fi->fh,
				 size);
		else
			fuse_reply_err(req, EINVAL);
		return;
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = ivd_ctl_read(c, buf, size);
	fuse_reply_buf(req, buf, n);
	free(buf);
}

/* A control command may wait for commands in flight (remove): a worker's. */
static void ctl_write_work(struct ivd_work *w)
{
	struct ivd_job *j = container_of(w, struct ivd_job, work);
	int ret;

	ret = ivd_ctl_run((struct ivd_ctl *)(uintptr_t)j->fi.fh, j->text,
			  j->len);
	if (ret)
		fuse_reply_err(j->req, -ret);
	else
		fuse_reply_write(j->req, j->len);
	free(j);
}

static void ivd_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ivd_job *j;
	int ret;

	if (ino != IVD_INO_CTL) {
		/* A device file: the legacy commands (legacy.c). */
		if (ino_to_dev(ino) && fi->fh)
			ivd_legacy_write(req, (struct ivd_file *)(uintptr_t)
					 fi->fh, buf, size);
		else
			fuse_reply_err(req, EINVAL);
		return;
	}
	/* Who changed what; "list" only at debug. */
	ivd_log(size >= 4 && !memcmp(buf, "list", 4) ? IVD_LOG_DEBUG :
						       IVD_LOG_INFO,
		"ctl: pid %d: %.*s", (int)ctx->pid,
		(int)(size && buf[size - 1] == '\n' ? size - 1 : size), buf);
	j = job_new(req, ctl_write_work);
	if (!j) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* A longer command is refused by ivd_ctl_run() on its length. */
	memcpy(j->text, buf, size < sizeof(j->text) ? size : sizeof(j->text));
	j->len = size;
	j->fi.fh = fi->fh;
	ret = ivd_work_queue(&j->work);
	if (ret) {
		free(j);
		fuse_reply_err(req, -ret);
	}
}

static void ivd_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		      void *arg, struct fuse_file_info *fi, unsigned int flags,
		      const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	/*
	 * A 32-bit caller: the ABI has no pointer-size dependence, but the
	 * daemon was never tried with one.  (The kernel turns ENOSYS into
	 * ENOTTY anyway.)
	 */
	if (flags & (FUSE_IOCTL_COMPAT | FUSE_IOCTL_DIR)) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (ino == IVD_INO_CTL) {
		if (cmd == IVD_CTL_IOCTL_NOOP && in_bufsz == 16 &&
		    out_bufsz == 16)
			fuse_reply_ioctl(req, 0, NULL, 0);
		else
			fuse_reply_err(req, ENOTTY);
		return;
	}
	if (!ino_to_dev(ino) || !fi->fh) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	dev_ioctl(req, (struct ivd_file *)(uintptr_t)fi->fh, cmd, arg, in_buf,
		  in_bufsz);
}

/* Only event files are created, and only in MOUNT/events. */
static void ivd_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi)
{
	if (parent != IVD_INO_EVENTS) {
		fuse_reply_err(req, EACCES);
		return;
	}
	ivd_event_create(req, name, fi);
}

static void ivd_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph)
{
	if (ino_to_dev(ino) && fi->fh) {
		dev_poll(req, (struct ivd_file *)(uintptr_t)fi->fh, ph);
		return;
	}
	if (ino < IVD_INO_EVENT0) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLOUT);
		return;
	}
	ivd_event_poll(req, fi, ph);
}

const struct fuse_lowlevel_ops ivd_fuse_ops = {
	.create = ivd_create,
	.poll = ivd_poll,
	.lookup = ivd_lookup,
	.getattr = ivd_getattr,
	.setattr = ivd_setattr,
	.readdir = ivd_readdir,
	.open = ivd_open,
	.release = ivd_release,
	.flush = ivd_flush,
	.read = ivd_read,
	.write = ivd_write,
	.ioctl = ivd_ioctl,
};
