// SPDX-License-Identifier: MIT
/*
 * Files: open, close, the async event queue, the user context, and what
 * device removal does to a file.
 *
 * Close and removal both destroy a file's objects, whichever comes first,
 * under close_sem held for write.  Removal visits every file still on the
 * device's list, and a closing file leaves the list only after its cleanup,
 * so removal always waits for a close in progress before it returns and
 * the driver frees its device.
 */
#include "core_priv.h"

struct uverbs_event {
	struct list_head list;
	struct ib_uverbs_async_event_desc desc;
};

/* More queued events than this and the oldest is dropped. */
#define UVERBS_MAX_EVENTS 1024

static int embedded_fd_alloc(struct ib_uverbs_file *ufile,
			     struct ib_uobject *uobj, int hint)
{
	(void)ufile;
	(void)uobj;
	(void)hint;
	return compat_event_fd_alloc();
}

static void embedded_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	(void)ufile;
	compat_event_fd_release(fd);
}

static const struct ib_uverbs_file_ops embedded_file_ops = {
	.fd_alloc = embedded_fd_alloc,
	.fd_release = embedded_fd_release,
};

static void file_free_locks(struct ib_uverbs_file *ufile)
{
	mutex_destroy(&ufile->ucontext_lock);
	destroy_rwsem(&ufile->close_sem);
	mutex_destroy(&ufile->events_lock);
	uverbs_reason_destroy(ufile);
}

struct ib_uverbs_file *ib_uverbs_open(struct ib_device *dev,
				      const struct ib_uverbs_file_ops *ops,
				      void *priv)
{
	struct ib_uverbs_device *udev = uverbs_device_get(dev);
	struct ib_uverbs_file *ufile;

	/* The reference taken here becomes the file's. */
	if (!udev)
		return ERR_PTR(-ENODEV);
	ufile = kzalloc(sizeof(*ufile));
	if (ufile)
		ufile->cmd_counts = kcalloc(udev->num_action_slots + 1u,
					    sizeof(*ufile->cmd_counts));
	if (!ufile || !ufile->cmd_counts) {
		kfree(ufile);
		uverbs_device_put(udev);
		return ERR_PTR(-ENOMEM);
	}
	ufile->ops = ops ? ops : &embedded_file_ops;
	ufile->priv = priv;
	mutex_init(&ufile->ucontext_lock);
	init_rwsem(&ufile->close_sem);
	mutex_init(&ufile->events_lock);
	uverbs_reason_init(ufile);
	INIT_LIST_HEAD(&ufile->events);
	INIT_LIST_HEAD(&ufile->list);
	kref_init(&ufile->ref);

	mutex_lock(&udev->files_lock);
	if (!rcu_dereference(udev->ib_dev)) {
		mutex_unlock(&udev->files_lock);
		file_free_locks(ufile);
		kfree(ufile->cmd_counts);
		kfree(ufile);
		uverbs_device_put(udev);
		return ERR_PTR(-ENODEV);
	}
	ufile->device = udev;
	list_add_tail(&ufile->list, &udev->files);
	mutex_unlock(&udev->files_lock);
	return ufile;
}

void *ib_uverbs_file_priv(struct ib_uverbs_file *ufile)
{
	return ufile->priv;
}

static void file_free(struct kref *ref)
{
	struct ib_uverbs_file *ufile =
		container_of(ref, struct ib_uverbs_file, ref);
	struct uverbs_event *ev, *tmp;

	list_for_each_entry_safe(ev, tmp, &ufile->events, list)
		kfree(ev);
	file_free_locks(ufile);
	uverbs_device_put(ufile->device);
	kfree(ufile->cmd_counts);
	kfree(ufile);
}

void ib_uverbs_file_get(struct ib_uverbs_file *ufile)
{
	kref_get(&ufile->ref);
}

void ib_uverbs_file_put(struct ib_uverbs_file *ufile)
{
	kref_put(&ufile->ref, file_free);
}

/* Destroys the driver objects and driver context.  close_sem held (W). */
static void file_destroy_hw(struct ib_uverbs_file *ufile,
			    enum rdma_remove_reason why)
{
	struct ib_ucontext *uctx;

	mutex_lock(&ufile->ucontext_lock);
	uctx = ufile->ucontext;
	if (uctx && !ufile->hw_destroyed) {
		uverbs_cleanup_ucontext(uctx, why);
		if (ufile->device->dealloc_ucontext)
			ufile->device->dealloc_ucontext(uctx);
		uctx->driver_priv = NULL;
	}
	ufile->hw_destroyed = true;
	mutex_unlock(&ufile->ucontext_lock);
}

int ib_uverbs_file_context_call(struct ib_uverbs_file *ufile,
				int (*fn)(struct ib_ucontext *uctx, void *arg),
				void *arg)
{
	int ret = -ENOENT;

	mutex_lock(&ufile->ucontext_lock);
	if (ufile->ucontext && !ufile->hw_destroyed)
		ret = fn(ufile->ucontext, arg);
	mutex_unlock(&ufile->ucontext_lock);
	return ret;
}

/*
 * Once a file's driver objects are gone nothing may stay charged: a
 * leftover is a path that forgot to give a charge back.
 */
static void file_check_charges(struct ib_uverbs_file *ufile)
{
	unsigned int res;

	for (res = 0; res < IB_UVERBS_NUM_RES; res++)
		WARN_ON(atomic_long_read(&ufile->charged[res]));
}

void ib_uverbs_release(struct ib_uverbs_file *ufile)
{
	struct ib_uverbs_device *udev = ufile->device;

	WRITE_ONCE(ufile->closing, 1);
	down_write(&ufile->close_sem);
	file_destroy_hw(ufile, RDMA_REMOVE_CLOSE);
	mutex_lock(&ufile->ucontext_lock);
	if (ufile->ucontext) {
		uverbs_free_ucontext(ufile->ucontext);
		ufile->ucontext = NULL;
	}
	mutex_unlock(&ufile->ucontext_lock);
	file_check_charges(ufile);
	up_write(&ufile->close_sem);

	mutex_lock(&udev->files_lock);
	list_del_init(&ufile->list);
	mutex_unlock(&udev->files_lock);
	ib_uverbs_file_put(ufile);
}

/*
 * Device removal's part of a file: every object and the driver context go,
 * zombies stay for DESTROY and close, and DEVICE_FATAL is queued.
 */
void uverbs_file_disassociate(struct ib_uverbs_file *ufile)
{
	down_write(&ufile->close_sem);
	file_destroy_hw(ufile, RDMA_REMOVE_DRIVER_REMOVE);
	file_check_charges(ufile);
	up_write(&ufile->close_sem);
	if (!READ_ONCE(ufile->closing) &&
	    ib_uverbs_async_event(ufile, IB_UVERBS_EVENT_DEVICE_FATAL, 0))
		pr_warn("%s: DEVICE_FATAL lost: out of memory",
			ufile->device->name);
}

int ib_uverbs_charge(struct ib_ucontext *uctx, enum ib_uverbs_resource res,
		     u16 type_id, u64 amount)
{
	struct ib_uverbs_file *ufile;
	int ret;

	if (!uctx || !amount)
		return 0;
	if (WARN_ON(res >= IB_UVERBS_NUM_RES))
		return -EINVAL;
	/* More than any address space or memory holds. */
	if (amount > S64_MAX) {
		uverbs_set_error("%llu bytes: too many to charge",
				 (unsigned long long)amount);
		return -ENOMEM;
	}
	ufile = uctx->ufile;
	if (ufile->ops->charge) {
		ret = ufile->ops->charge(ufile, res, type_id, amount);
		if (ret)
			return ret;
	}
	atomic_long_add_return((long)amount, &ufile->charged[res]);
	return 0;
}

void ib_uverbs_uncharge(struct ib_ucontext *uctx, enum ib_uverbs_resource res,
			u16 type_id, u64 amount)
{
	struct ib_uverbs_file *ufile;

	if (!uctx || !amount)
		return;
	if (WARN_ON(res >= IB_UVERBS_NUM_RES || amount > S64_MAX))
		return;
	ufile = uctx->ufile;
	/* More given back than was charged: someone's books are wrong. */
	WARN_ON(atomic_long_add_return(-(long)amount, &ufile->charged[res]) < 0);
	if (ufile->ops->uncharge)
		ufile->ops->uncharge(ufile, res, type_id, amount);
}

int ib_uverbs_async_event(struct ib_uverbs_file *ufile, u32 event_type,
			  u64 element)
{
	struct uverbs_event *ev = kzalloc(sizeof(*ev)), *old = NULL;

	if (!ev)
		return -ENOMEM;
	ev->desc.element = element;
	ev->desc.event_type = event_type;
	mutex_lock(&ufile->events_lock);
	if (ufile->num_events == UVERBS_MAX_EVENTS) {
		old = list_first_entry(&ufile->events, struct uverbs_event,
				       list);
		list_del_init(&old->list);
		ufile->num_events--;
	}
	list_add_tail(&ev->list, &ufile->events);
	ufile->num_events++;
	mutex_unlock(&ufile->events_lock);
	kfree(old);
	return 0;
}

int ib_uverbs_object_event(struct ib_uobject *uobj, u32 event_type,
			   u64 user_handle, u32 *events_reported)
{
	struct ib_uverbs_file *ufile;
	int ret;

	if (!uobj)
		return 0;
	if (!uobj->context || !uobj->context->ufile)
		return -ENODEV;
	ufile = uobj->context->ufile;
	ret = ib_uverbs_async_event(ufile, event_type, user_handle);
	if (ret)
		return ret;
	/* DESTROY reads the count while the device may still raise one. */
	mutex_lock(&ufile->events_lock);
	WRITE_ONCE(*events_reported, *events_reported + 1);
	mutex_unlock(&ufile->events_lock);
	return 0;
}

int ib_uverbs_read_async_event(struct ib_uverbs_file *ufile,
			       struct ib_uverbs_async_event_desc *desc)
{
	struct uverbs_event *ev = NULL;

	mutex_lock(&ufile->events_lock);
	if (!list_empty(&ufile->events)) {
		ev = list_first_entry(&ufile->events, struct uverbs_event,
				      list);
		list_del_init(&ev->list);
		ufile->num_events--;
	}
	mutex_unlock(&ufile->events_lock);
	if (!ev) {
		uverbs_set_error("GET_ASYNC_EVENT: no event is queued");
		return -EAGAIN;
	}
	*desc = ev->desc;
	kfree(ev);
	return 0;
}

struct ib_ucontext *uverbs_ucontext_alloc(struct ib_device *ib_dev,
					  struct ib_uverbs_file *ufile)
{
	struct ib_ucontext *uctx;

	if (smp_load_acquire(&ufile->ucontext)) {
		uverbs_set_error("GET_CONTEXT: the file has a context already");
		return ERR_PTR(-EINVAL);
	}
	uctx = kzalloc(sizeof(*uctx));
	if (!uctx) {
		uverbs_set_error("GET_CONTEXT: out of memory for the context");
		return ERR_PTR(-ENOMEM);
	}
	uctx->handles = uverbs_htable_alloc(false);
	uctx->fds = uverbs_htable_alloc(true);
	if (!uctx->handles || !uctx->fds) {
		uverbs_htable_free(uctx->handles);
		uverbs_htable_free(uctx->fds);
		kfree(uctx);
		uverbs_set_error("GET_CONTEXT: out of memory for the handle tables");
		return ERR_PTR(-ENOMEM);
	}
	uctx->device = ib_dev;
	uctx->ufile = ufile;
	if (ufile->ops && ufile->ops->context_mm)
		uctx->mm = ufile->ops->context_mm(ufile);
	if (!uctx->mm)
		uctx->mm = current_mm ? current_mm : &compat_self_mm;
	INIT_LIST_HEAD(&uctx->uobjects);
	spin_lock_init(&uctx->uobjects_lock);
	return uctx;
}

int uverbs_ucontext_commit(struct ib_ucontext *uctx)
{
	struct ib_uverbs_file *ufile = uctx->ufile;
	int ret = 0;

	mutex_lock(&ufile->ucontext_lock);
	if (ufile->ucontext || ufile->ucontext_pending || ufile->hw_destroyed) {
		uverbs_set_error("GET_CONTEXT: the file has a context already%s",
				 ufile->hw_destroyed ? " (destroyed)" :
				 ufile->ucontext ? "" : " (being created)");
		ret = -EINVAL;
	} else
		ufile->ucontext_pending = true;
	mutex_unlock(&ufile->ucontext_lock);
	if (!ret)
		uverbs_ucontext_reserved(uctx);
	return ret;
}

/*
 * Rule 14 for the context: published only once the command's outputs are
 * copied; on any failure the driver's part and the context are freed.
 */
void uverbs_ucontext_finalize(struct ib_ucontext *uctx, int ret)
{
	struct ib_uverbs_file *ufile = uctx->ufile;

	mutex_lock(&ufile->ucontext_lock);
	ufile->ucontext_pending = false;
	if (!ret)
		smp_store_release(&ufile->ucontext, uctx);
	mutex_unlock(&ufile->ucontext_lock);
	if (ret) {
		if (ufile->device->dealloc_ucontext)
			ufile->device->dealloc_ucontext(uctx);
		uverbs_free_ucontext(uctx);
	}
}

void uverbs_ucontext_abort(struct ib_ucontext *uctx)
{
	uverbs_free_ucontext(uctx);
}

void ib_uverbs_file_stats(struct ib_uverbs_file *ufile,
			  struct ib_uverbs_file_stats *st)
{
	struct ib_ucontext *uctx;
	struct ib_uobject *uobj;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < IB_UVERBS_NUM_RES; i++)
		st->charged[i] = (u64)atomic_long_read(&ufile->charged[i]);
	for (i = 0; i <= ufile->device->num_action_slots; i++) {
		st->cmds += (u64)atomic_long_read(&ufile->cmd_counts[i].calls);
		st->cmd_errors +=
			(u64)atomic_long_read(&ufile->cmd_counts[i].errors);
	}
	for (i = 0; i < IB_UVERBS_NUM_TRAFFIC; i++) {
		st->msgs[i] = (u64)atomic_long_read(&ufile->traffic_msgs[i]);
		st->bytes[i] = (u64)atomic_long_read(&ufile->traffic_bytes[i]);
	}
	st->wc_errors = (u64)atomic_long_read(&ufile->traffic_errors);
	mutex_lock(&ufile->events_lock);
	st->num_events = ufile->num_events;
	mutex_unlock(&ufile->events_lock);
	/* ucontext_lock keeps the context from being freed under us. */
	mutex_lock(&ufile->ucontext_lock);
	st->disassociated = READ_ONCE(ufile->disassociated);
	uctx = ufile->ucontext;
	if (uctx && !ufile->hw_destroyed)
		st->has_context = true;
	if (uctx) {
		spin_lock(&uctx->uobjects_lock);
		list_for_each_entry(uobj, &uctx->uobjects, list) {
			st->num_objects++;
			if (uobj->type_id < ARRAY_SIZE(st->per_type))
				st->per_type[uobj->type_id]++;
		}
		spin_unlock(&uctx->uobjects_lock);
	}
	mutex_unlock(&ufile->ucontext_lock);
}

int ib_uverbs_file_cmd_counts(struct ib_uverbs_file *ufile,
			      int (*fn)(u16 type_id, u16 action_id,
					const struct uverbs_type *type,
					const struct uverbs_action *action,
					u64 calls, u64 errors, void *arg),
			      void *arg)
{
	const struct ib_uverbs_device *udev = ufile->device;
	const struct uverbs_types *types = udev->types;
	const struct uverbs_cmd_count *n;
	u16 t, a;
	int ret;

	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		for (a = 0; type && a < type->num_actions; a++) {
			n = &ufile->cmd_counts[udev->action_base[t] + a];
			if (!atomic_long_read(&n->calls))
				continue;
			ret = fn(t, a, type, &type->actions[a],
				 (u64)atomic_long_read(&n->calls),
				 (u64)atomic_long_read(&n->errors), arg);
			if (ret)
				return ret;
		}
	}
	n = &ufile->cmd_counts[udev->num_action_slots];
	if (!atomic_long_read(&n->calls))
		return 0;
	return fn(IB_UVERBS_NO_ACTION, IB_UVERBS_NO_ACTION, NULL, NULL,
		  (u64)atomic_long_read(&n->calls),
		  (u64)atomic_long_read(&n->errors), arg);
}

void ib_uverbs_count_traffic(struct ib_ucontext *uctx,
			     enum ib_uverbs_traffic_op op, u64 bytes,
			     bool error)
{
	struct ib_uverbs_file *ufile;

	if (!uctx || !uctx->ufile || WARN_ON(op >= IB_UVERBS_NUM_TRAFFIC))
		return;
	ufile = uctx->ufile;
	if (error) {
		atomic_long_add_return(1, &ufile->traffic_errors);
		return;
	}
	atomic_long_add_return(1, &ufile->traffic_msgs[op]);
	if (bytes)
		atomic_long_add_return((long)bytes, &ufile->traffic_bytes[op]);
}
