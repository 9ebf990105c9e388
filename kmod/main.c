// SPDX-License-Identifier: MIT
/*
 * ioverbs_core.ko: the core as a Linux module, and the nodes of the
 * devices that driver modules (kmod/soft.c: ioverbs_soft.ko, the soft
 * device and the test driver) make through it (kmod/kmod.h).  Every
 * registered device is a misc character device,
 * /dev/ioverbs-NAME: open() is ib_uverbs_open(), unlocked_ioctl the
 * core's entry (RDMA_VERBS_IOCTL), read() the reason of the caller's last
 * failed command (Rule 23, as through the daemon), release() the close
 * cleanup (Rule 19).
 *
 * /dev/ioverbs-ctl (root) takes one command per write():
 *   "add KIND NAME"  a device of a kind a driver module registered:
 *                    "soft" (test hooks on), "td" (the test driver)
 *   "remove NAME"    hot unplug (Rule 20): open files see the removal,
 *                    a new open() is ENODEV; the node and the device stay
 *                    until destroyed
 *   "destroy NAME"   remove if needed, then free the device
 *   "fail_nth N"     the writer's next command fails its Nth injection
 *                    point (0 disarms)
 * and read() answers the daemon control file's "list" lines for every
 * open file plus "live_objects N" (compat_live_objects()) and
 * "fail_nth_left N" (the injection points the last armed command left).
 * /dev/ioverbs-event: each open is an event file that a NEW FD attribute
 * names (the module binds the FD object to it, as the daemon does: it
 * creates no descriptor in its caller).  Bound to a completion channel,
 * read() returns its struct ib_uverbs_comp_event_desc records (blocking
 * unless O_NONBLOCK: EAGAIN) and poll() says EPOLLIN when one is queued;
 * unbound, read() is EINVAL; after the channel's device went, EIO.
 *
 * rmmod of this module is refused while any file is open (each open
 * holds it: the core, the file hooks and the core's copy of the spec
 * tables the file still parses DESTROY against live here), and while a
 * driver module is loaded.  A driver module unloads under open files:
 * its exit unregisters its kind, which destroys its devices (Rule 20).
 *
 * Lock order: kmod_lock -> misc_mtx (misc_register/deregister) and
 * kmod_lock -> kmod_files_lock; open() runs under misc_mtx and takes only
 * kmod_files_lock, which nothing holds across misc_deregister().
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>

#include <compat.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_verbs_ops.h>

#include "../compat/kernel/kmm.h"
#include "kmod.h"

/*
 * Fail-nth for one command (the kernel's fail-nth is not built): "fail_nth
 * N" on the control node arms the writer's process, whose next command
 * then fails its Nth injection point (compat_should_fail()); "list" says
 * how many points that command left ("fail_nth_left", 0: it fired).
 * Under kmod_fail_lock; a leaf.
 */
static DEFINE_MUTEX(kmod_fail_lock);
static pid_t kmod_fail_tgid;
static unsigned int kmod_fail_n;
static unsigned int kmod_fail_left;

/* A device and its node; on kmod_devs under kmod_lock. */
struct kmod_dev {
	struct miscdevice misc;
	struct ib_device *ib;
	struct ioverbs_kmod_driver *drv;
	bool removed;		/* the device is unregistered */
	char node[48];
	struct list_head list;
	struct list_head files;	/* struct kmod_file, under kmod_files_lock */
};

/*
 * An open file of a device; on its device's files (for "list", which
 * also lists the files of a removed device) until it closes or the
 * device is destroyed.
 */
struct kmod_file {
	struct ib_uverbs_file *ufile;
	struct compat_kmm kmm;
	struct kmod_dev *kd;		/* NULL once destroyed; kmod_files_lock */
	struct list_head list;
	pid_t pid;			/* the opener's process */
	struct mutex fds_lock;		/* protects fds */
	struct list_head fds;		/* struct kmod_fd */
};

/* An event file bound to an FD object of a kmod_file. */
struct kmod_fd {
	struct list_head list;
	int fd;
	struct file *file;		/* a reference */
	struct kmod_event *ev;		/* file->private_data */
};

/*
 * An event file (file->private_data).  @bound: the kmod_file of its
 * binding, claimed by cmpxchg in kmod_fd_alloc(), NULL again once the
 * object is gone (kmod_fd_release()).  @gen moves on every wake, so that
 * a reader that found nothing sleeps only until something happened after
 * it looked.
 */
struct kmod_event {
	struct mutex lock;		/* protects uobj; held around reads */
	struct ib_uobject *uobj;	/* the bound object, referenced */
	void *bound;
	atomic_t gen;
	wait_queue_head_t wq;		/* readers and pollers */
};

static void kmod_event_wake(struct kmod_event *ev)
{
	atomic_inc(&ev->gen);
	wake_up_interruptible(&ev->wq);
}

static DEFINE_MUTEX(kmod_lock);
static LIST_HEAD(kmod_devs);
/* struct ioverbs_kmod_driver.list, under kmod_lock. */
static LIST_HEAD(kmod_drivers);
/* Protects every kmod_dev.files; a leaf, held across nothing that waits. */
static DEFINE_MUTEX(kmod_files_lock);

static const struct file_operations kmod_event_fops;

static int kmod_event_open(struct inode *inode, struct file *file)
{
	struct kmod_event *ev = kzalloc(sizeof(*ev));

	if (!ev)
		return -ENOMEM;
	mutex_init(&ev->lock);
	init_waitqueue_head(&ev->wq);
	file->private_data = ev;
	return nonseekable_open(inode, file);
}

/* Events queued (> 0), none (0), or why a read fails (< 0). */
static int kmod_event_ready(struct kmod_event *ev)
{
	int n;

	mutex_lock(&ev->lock);
	n = ev->uobj ? ib_comp_channel_read(ev->uobj, NULL, 0) : -EINVAL;
	mutex_unlock(&ev->lock);
	return n;
}

static ssize_t kmod_event_read(struct file *file, char __user *buf,
			       size_t len, loff_t *pos)
{
	struct ib_uverbs_comp_event_desc d[16];
	struct kmod_event *ev = file->private_data;
	u32 room = min_t(size_t, len / sizeof(d[0]), ARRAY_SIZE(d));
	int n, gen;

	if (!room)
		return -EINVAL;
	for (;;) {
		gen = atomic_read(&ev->gen);
		smp_mb();	/* the generation before the look */
		mutex_lock(&ev->lock);
		n = ev->uobj ? ib_comp_channel_read(ev->uobj, d, room) : -EINVAL;
		mutex_unlock(&ev->lock);
		if (n)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(ev->wq,
					     atomic_read(&ev->gen) != gen))
			return -ERESTARTSYS;
	}
	if (n < 0)
		return n;
	if (copy_to_user(buf, d, n * sizeof(d[0])))
		return -EFAULT;
	return n * sizeof(d[0]);
}

static __poll_t kmod_event_poll(struct file *file, poll_table *wait)
{
	struct kmod_event *ev = file->private_data;
	int n;

	poll_wait(file, &ev->wq, wait);
	n = kmod_event_ready(ev);
	if (n > 0)
		return EPOLLIN | EPOLLRDNORM;
	return n < 0 ? EPOLLERR : 0;
}

static int kmod_event_release(struct inode *inode, struct file *file)
{
	struct kmod_event *ev = file->private_data;

	/* A bound file is referenced by its binding: not here while bound. */
	WARN_ON(ev->uobj);
	mutex_destroy(&ev->lock);
	kfree(ev);
	return 0;
}

static const struct file_operations kmod_event_fops = {
	.owner = THIS_MODULE,
	.open = kmod_event_open,
	.read = kmod_event_read,
	.poll = kmod_event_poll,
	.release = kmod_event_release,
	.llseek = no_llseek,
};

static struct miscdevice kmod_event_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioverbs-event",
	.fops = &kmod_event_fops,
	.mode = 0666,
};

/*
 * A NEW FD attribute names an unbound event file of the caller (@hint):
 * the object is bound to it, and the number written back is @hint.
 */
static int kmod_fd_alloc(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
			 int hint)
{
	struct kmod_file *kf = ib_uverbs_file_priv(ufile);
	struct kmod_event *ev;
	struct kmod_fd *kfd;
	struct file *file;

	if (hint < 0)
		return -EBADF;
	file = fget(hint);
	if (!file)
		return -EBADF;
	if (file->f_op != &kmod_event_fops) {
		fput(file);
		return -EBADF;
	}
	kfd = kzalloc(sizeof(*kfd));
	if (!kfd) {
		fput(file);
		return -ENOMEM;
	}
	ev = file->private_data;
	if (cmpxchg(&ev->bound, NULL, kf)) {
		kfree(kfd);
		fput(file);
		return -EBUSY;
	}
	uverbs_uobject_get(uobj);
	mutex_lock(&ev->lock);
	ev->uobj = uobj;
	mutex_unlock(&ev->lock);
	kfd->fd = hint;
	kfd->file = file;
	kfd->ev = ev;
	mutex_lock(&kf->fds_lock);
	list_add(&kfd->list, &kf->fds);
	mutex_unlock(&kf->fds_lock);
	return hint;
}

static void kmod_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	struct kmod_file *kf = ib_uverbs_file_priv(ufile);
	struct kmod_fd *kfd, *found = NULL;

	mutex_lock(&kf->fds_lock);
	list_for_each_entry(kfd, &kf->fds, list) {
		if (kfd->fd == fd) {
			found = kfd;
			list_del_init(&kfd->list);
			break;
		}
	}
	mutex_unlock(&kf->fds_lock);
	if (WARN_ON(!found))
		return;
	mutex_lock(&found->ev->lock);
	uverbs_uobject_put(found->ev->uobj);
	found->ev->uobj = NULL;
	mutex_unlock(&found->ev->lock);
	/* Free to bind again; a reader learns the binding ended (EINVAL). */
	WRITE_ONCE(found->ev->bound, NULL);
	kmod_event_wake(found->ev);
	fput(found->file);
	kfree(found);
}

/* A bound channel has events, or is gone: wake its readers. */
static void kmod_fd_event(struct ib_uverbs_file *ufile, struct ib_uobject *uobj)
{
	struct kmod_file *kf = ib_uverbs_file_priv(ufile);
	struct kmod_fd *kfd;

	mutex_lock(&kf->fds_lock);
	list_for_each_entry(kfd, &kf->fds, list)
		if (READ_ONCE(kfd->ev->uobj) == uobj)
			kmod_event_wake(kfd->ev);
	mutex_unlock(&kf->fds_lock);
}

static struct compat_mm *kmod_context_mm(struct ib_uverbs_file *ufile)
{
	struct kmod_file *kf = ib_uverbs_file_priv(ufile);

	return &kf->kmm.base;
}

static const struct ib_uverbs_file_ops kmod_file_ops = {
	.fd_alloc = kmod_fd_alloc,
	.fd_release = kmod_fd_release,
	.fd_event = kmod_fd_event,
	.context_mm = kmod_context_mm,
};

static int kmod_open(struct inode *inode, struct file *file)
{
	struct kmod_dev *kd = container_of(file->private_data, struct kmod_dev,
					   misc);
	struct kmod_file *kf;
	int ret;

	kf = kzalloc(sizeof(*kf));
	if (!kf)
		return -ENOMEM;
	mutex_init(&kf->fds_lock);
	INIT_LIST_HEAD(&kf->fds);
	ret = compat_kmm_init(&kf->kmm);
	if (ret)
		goto err_free;
	/* misc_mtx is held: kd cannot be deregistered, nor freed. */
	kf->ufile = ib_uverbs_open(kd->ib, &kmod_file_ops, kf);
	if (IS_ERR(kf->ufile)) {
		ret = (int)PTR_ERR(kf->ufile);
		goto err_mm;
	}
	kf->pid = task_tgid_nr(current);
	kf->kd = kd;
	mutex_lock(&kmod_files_lock);
	list_add_tail(&kf->list, &kd->files);
	mutex_unlock(&kmod_files_lock);
	file->private_data = kf;
	return nonseekable_open(inode, file);

err_mm:
	compat_kmm_destroy(&kf->kmm);
err_free:
	kfree(kf);
	return ret;
}

static long kmod_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kmod_file *kf = file->private_data;
	struct compat_task t;
	unsigned int n = 0;
	long ret;

	/*
	 * Only the address space the file was opened in, as through the
	 * daemon: another process (a child after fork(), one the descriptor
	 * was passed to) would register its addresses against the opener's
	 * memory.
	 */
	if (current->mm != kf->kmm.mm)
		return -EPERM;
	compat_task_enter(&t, NULL);
	if (unlikely(READ_ONCE(kmod_fail_tgid))) {
		mutex_lock(&kmod_fail_lock);
		if (kmod_fail_tgid == task_tgid_nr(current)) {
			n = kmod_fail_n;
			kmod_fail_tgid = 0;
		}
		mutex_unlock(&kmod_fail_lock);
		compat_fail_nth_set(n);
	}
	ret = ib_uverbs_ioctl(kf->ufile, cmd, arg);
	if (n) {
		mutex_lock(&kmod_fail_lock);
		kmod_fail_left = compat_fail_nth_left();
		mutex_unlock(&kmod_fail_lock);
		compat_fail_nth_set(0);
	}
	compat_task_leave(&t);
	return ret;
}

/* Rule 23: the calling thread's reason, a line per failed command. */
static ssize_t kmod_read(struct file *file, char __user *buf, size_t len,
			 loff_t *pos)
{
	struct kmod_file *kf = file->private_data;
	char line[UVERBS_REASON_MAX];
	ssize_t n;

	n = ib_uverbs_reason_read(kf->ufile, line, min(len, sizeof(line)));
	if (n > 0 && copy_to_user(buf, line, n))
		return -EFAULT;
	return n;
}

static int kmod_release(struct inode *inode, struct file *file)
{
	struct kmod_file *kf = file->private_data;

	mutex_lock(&kmod_files_lock);
	if (kf->kd)
		list_del(&kf->list);
	mutex_unlock(&kmod_files_lock);
	ib_uverbs_release(kf->ufile);
	WARN_ON(!list_empty(&kf->fds));
	compat_kmm_destroy(&kf->kmm);
	mutex_destroy(&kf->fds_lock);
	kfree(kf);
	return 0;
}

static const struct file_operations kmod_dev_fops = {
	.owner = THIS_MODULE,
	.open = kmod_open,
	.release = kmod_release,
	.unlocked_ioctl = kmod_ioctl,
	.compat_ioctl = kmod_ioctl,
	.read = kmod_read,
	.llseek = no_llseek,
};

static struct kmod_dev *kmod_dev_find(const char *name)
{
	struct kmod_dev *kd;

	list_for_each_entry(kd, &kmod_devs, list)
		if (!strcmp(kd->ib->name, name))
			return kd;
	return NULL;
}

/* Registers the node of @ib; kmod_lock held.  Consumes @ib on failure. */
static int kmod_dev_add(struct ib_device *ib, struct ioverbs_kmod_driver *drv)
{
	struct kmod_dev *kd = kzalloc(sizeof(*kd));
	int ret;

	if (!kd) {
		ret = -ENOMEM;
		goto err_ib;
	}
	kd->ib = ib;
	kd->drv = drv;
	snprintf(kd->node, sizeof(kd->node), "ioverbs-%s", ib->name);
	kd->misc.minor = MISC_DYNAMIC_MINOR;
	kd->misc.name = kd->node;
	kd->misc.fops = &kmod_dev_fops;
	kd->misc.mode = 0666;
	INIT_LIST_HEAD(&kd->files);
	ret = misc_register(&kd->misc);
	if (ret)
		goto err_kd;
	list_add_tail(&kd->list, &kmod_devs);
	return 0;

err_kd:
	kfree(kd);
err_ib:
	drv->destroy(ib);
	return ret;
}

/*
 * Rule 20.  The node stays until the device is destroyed: an open() of a
 * removed device is the core's ENODEV, as through the daemon.
 */
static void kmod_dev_remove(struct kmod_dev *kd)
{
	if (kd->removed)
		return;
	kd->drv->remove(kd->ib);
	kd->removed = true;
}

static void kmod_dev_destroy(struct kmod_dev *kd)
{
	struct kmod_file *kf, *n;

	/* No open() runs once the node is gone: then the device may go. */
	misc_deregister(&kd->misc);
	kmod_dev_remove(kd);
	mutex_lock(&kmod_files_lock);
	list_for_each_entry_safe(kf, n, &kd->files, list) {
		list_del(&kf->list);
		kf->kd = NULL;
	}
	mutex_unlock(&kmod_files_lock);
	list_del(&kd->list);
	kd->drv->destroy(kd->ib);
	kfree(kd);
}

static struct ioverbs_kmod_driver *kmod_driver_find(const char *kind)
{
	struct ioverbs_kmod_driver *drv;

	list_for_each_entry(drv, &kmod_drivers, list)
		if (!strcmp(drv->kind, kind))
			return drv;
	return NULL;
}

/* kmod_lock held. */
static int kmod_add(const char *kind, const char *name, bool hooks)
{
	struct ioverbs_kmod_driver *drv = kmod_driver_find(kind);
	struct ib_device *ib;

	if (!drv)
		return -EINVAL;
	if (kmod_dev_find(name))
		return -EEXIST;
	ib = drv->create(name, hooks);
	if (IS_ERR(ib))
		return (int)PTR_ERR(ib);
	return kmod_dev_add(ib, drv);
}

/**
 * ioverbs_kmod_add() - a device of a registered kind and its node
 * @kind: the kind ("soft")
 * @name: the device's name; its node is /dev/ioverbs-@name
 * @hooks: the driver's test hooks on
 *
 * Return: 0, -EINVAL (no such kind), -EEXIST (the name is taken), or why
 * the driver or misc_register() failed.
 */
int ioverbs_kmod_add(const char *kind, const char *name, bool hooks)
{
	int ret;

	mutex_lock(&kmod_lock);
	ret = kmod_add(kind, name, hooks);
	mutex_unlock(&kmod_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ioverbs_kmod_add);

/**
 * ioverbs_kmod_driver_register() - a driver module offers a kind
 * @drv: the kind; the driver module's until ioverbs_kmod_driver_unregister()
 *
 * Return: 0, or -EEXIST when a kind of that name is registered.
 */
int ioverbs_kmod_driver_register(struct ioverbs_kmod_driver *drv)
{
	int ret = 0;

	mutex_lock(&kmod_lock);
	if (kmod_driver_find(drv->kind))
		ret = -EEXIST;
	else
		list_add_tail(&drv->list, &kmod_drivers);
	mutex_unlock(&kmod_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ioverbs_kmod_driver_register);

/**
 * ioverbs_kmod_driver_unregister() - a driver module goes
 * @drv: a registered kind
 *
 * Destroys every device of @drv as the control node's "destroy" does,
 * under open files (Rule 20: in-flight commands finish first, then the
 * files are disassociated), so that none of the driver module's code or
 * data is reached once this returns.
 */
void ioverbs_kmod_driver_unregister(struct ioverbs_kmod_driver *drv)
{
	struct kmod_dev *kd, *n;

	mutex_lock(&kmod_lock);
	list_for_each_entry_safe(kd, n, &kmod_devs, list)
		if (kd->drv == drv)
			kmod_dev_destroy(kd);
	list_del(&drv->list);
	mutex_unlock(&kmod_lock);
}
EXPORT_SYMBOL_GPL(ioverbs_kmod_driver_unregister);

static ssize_t kmod_ctl_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *pos)
{
	char buf[80], name[40], kind[8];
	struct kmod_dev *kd;
	unsigned int n;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "fail_nth %u", &n) == 1) {
		mutex_lock(&kmod_fail_lock);
		kmod_fail_n = n;
		kmod_fail_left = 0;
		WRITE_ONCE(kmod_fail_tgid, n ? task_tgid_nr(current) : 0);
		mutex_unlock(&kmod_fail_lock);
		return len;
	}
	mutex_lock(&kmod_lock);
	if (sscanf(buf, "add %7s %39s", kind, name) == 2) {
		/* Root's devices, for tests: their hooks are on. */
		ret = kmod_add(kind, name, true);
	} else if (sscanf(buf, "remove %39s", name) == 1) {
		kd = kmod_dev_find(name);
		ret = kd ? 0 : -ENODEV;
		if (kd)
			kmod_dev_remove(kd);
	} else if (sscanf(buf, "destroy %39s", name) == 1) {
		kd = kmod_dev_find(name);
		ret = kd ? 0 : -ENODEV;
		if (kd)
			kmod_dev_destroy(kd);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&kmod_lock);
	return ret ? ret : (ssize_t)len;
}

struct kmod_list {
	char *buf;
	size_t len, size;
	const char *dev;
};

/* The daemon's "list" line of one file. */
static void kmod_list_file(struct kmod_list *l, struct kmod_file *kf)
{
	struct ib_uverbs_file_stats st;

	ib_uverbs_file_stats(kf->ufile, &st);
	l->len += scnprintf(l->buf + l->len, l->size - l->len,
			    "file %s pid %d context %d disassociated %d objects %u events %u\n",
			    l->dev, kf->pid, st.has_context, st.disassociated,
			    st.num_objects, st.num_events);
}

static ssize_t kmod_ctl_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct kmod_list l = { .size = PAGE_SIZE * 4 };
	struct kmod_file *kf;
	struct kmod_dev *kd;
	ssize_t ret;

	l.buf = kvmalloc(l.size, GFP_KERNEL);
	if (!l.buf)
		return -ENOMEM;
	/* Uobjects destroyed before this read are freed (call_rcu()). */
	rcu_barrier();
	mutex_lock(&kmod_lock);
	mutex_lock(&kmod_files_lock);
	list_for_each_entry(kd, &kmod_devs, list) {
		l.dev = kd->ib->name;
		list_for_each_entry(kf, &kd->files, list)
			kmod_list_file(&l, kf);
	}
	mutex_unlock(&kmod_files_lock);
	mutex_unlock(&kmod_lock);
	l.len += scnprintf(l.buf + l.len, l.size - l.len, "live_objects %ld\n",
			   compat_live_objects());
	mutex_lock(&kmod_fail_lock);
	l.len += scnprintf(l.buf + l.len, l.size - l.len, "fail_nth_left %u\n",
			   kmod_fail_left);
	mutex_unlock(&kmod_fail_lock);
	ret = simple_read_from_buffer(ubuf, len, pos, l.buf, l.len);
	kvfree(l.buf);
	return ret;
}

static const struct file_operations kmod_ctl_fops = {
	.owner = THIS_MODULE,
	.write = kmod_ctl_write,
	.read = kmod_ctl_read,
	.llseek = no_llseek,
};

static struct miscdevice kmod_ctl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioverbs-ctl",
	.fops = &kmod_ctl_fops,
	.mode = 0600,
};

static int __init kmod_init(void)
{
	int ret;

	compat_kernel_init();
	ret = misc_register(&kmod_ctl_misc);
	if (ret)
		return ret;
	ret = misc_register(&kmod_event_misc);
	if (ret) {
		misc_deregister(&kmod_ctl_misc);
		return ret;
	}
	pr_info("loaded\n");
	return 0;
}

static void __exit kmod_exit(void)
{
	/* Driver modules depend on this one: they and their devices are
	 * gone. */
	WARN_ON(!list_empty(&kmod_drivers) || !list_empty(&kmod_devs));
	misc_deregister(&kmod_event_misc);
	misc_deregister(&kmod_ctl_misc);
	/* Uobjects are freed by call_rcu(): let them go before the code. */
	rcu_barrier();
	if (compat_live_objects())
		pr_err("%ld objects leaked\n", compat_live_objects());
	else
		pr_info("unloaded, 0 live objects\n");
}

module_init(kmod_init);
module_exit(kmod_exit);
MODULE_DESCRIPTION("ioverbs: the RDMA verbs ioctl core and its device nodes");
MODULE_LICENSE("Dual MIT/GPL");
