// SPDX-License-Identifier: MIT
/*
 * COMP_CHANNEL: completion channels, an FD type the core manages alone
 * (no driver op).  A channel is a queue of completion events: a driver
 * calls ib_comp_channel_event() when an armed CQ completes, GET_EVENT
 * takes the oldest event.  CQs hold their channel (.parent), so a channel
 * outlives every CQ that may queue on it.
 *
 * Lock order: uverbs_comp_channel.lock is taken alone.
 */
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

#include "objects.h"
#include "../core_priv.h"

/*
 * struct uverbs_comp_channel - a channel's state (uobj->object)
 * @lock: protects @events, and of the CQs on the channel their
 *	comp_events_reported and the change of their @channel to NULL
 * @events: struct comp_event, oldest first; an event's CQ is alive (a
 *	CQ's events go before the driver destroys it)
 */
struct uverbs_comp_channel {
	struct mutex lock;
	struct list_head events;
};

struct comp_event {
	struct list_head list;
	struct ib_cq *cq;
	struct ib_uverbs_comp_event_desc desc;
};

static void comp_channel_free(struct uverbs_comp_channel *ch)
{
	struct comp_event *ev, *tmp;

	list_for_each_entry_safe(ev, tmp, &ch->events, list)
		kfree(ev);
	mutex_destroy(&ch->lock);
	kfree(ch);
}

static int uverbs_comp_channel_destroy(struct ib_uobject *uobj,
				       enum rdma_remove_reason why)
{
	struct ib_uverbs_file *ufile = uobj->context->ufile;
	struct uverbs_comp_channel *ch = uobj->object;

	WRITE_ONCE(uobj->object, NULL);
	comp_channel_free(ch);
	/* A reader of the descriptor learns it is gone (EIO). */
	if (ufile->ops && ufile->ops->fd_event)
		ufile->ops->fd_event(ufile, uobj);
	return 0;
}

static const struct uverbs_obj_type comp_channel_obj_type = {
	.destroy = uverbs_comp_channel_destroy,
	.is_fd = true,
};

int ib_comp_channel_event(struct ib_cq *cq)
{
	struct ib_uobject *channel = READ_ONCE(cq->channel);
	struct uverbs_comp_channel *ch;
	struct ib_uverbs_file *ufile;
	struct comp_event *ev;

	if (!channel)
		return -EINVAL;
	/* The CQ holds its channel: it is alive while the CQ is. */
	ch = channel->object;
	ev = kzalloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->cq = cq;
	ev->desc.cq_handle = cq->user_handle;
	mutex_lock(&ch->lock);
	/* Detached by a CQ destroy in progress: no more events. */
	if (cq->channel != channel) {
		mutex_unlock(&ch->lock);
		kfree(ev);
		return -EINVAL;
	}
	list_add_tail(&ev->list, &ch->events);
	mutex_unlock(&ch->lock);
	/* A transport serving the channel's descriptor wakes its reader. */
	ufile = channel->context->ufile;
	if (ufile->ops && ufile->ops->fd_event)
		ufile->ops->fd_event(ufile, channel);
	return 0;
}

int ib_comp_channel_read(struct ib_uobject *channel,
			 struct ib_uverbs_comp_event_desc *desc, u32 num)
{
	struct uverbs_comp_channel *ch;
	struct comp_event *ev;
	u32 n = 0;

	/* Another driver's FD object is not ours to read.  By its destroy
	 * op: the type is the device's copy (core/spec_dup.c). */
	if (channel->type->obj->destroy != uverbs_comp_channel_destroy)
		return -EINVAL;
	ch = READ_ONCE(channel->object);
	if (!ch)
		return -EIO;
	if (!num) {
		mutex_lock(&ch->lock);
		list_for_each_entry(ev, &ch->events, list)
			n++;
		mutex_unlock(&ch->lock);
		return (int)n;
	}
	while (n < num) {
		mutex_lock(&ch->lock);
		ev = list_empty(&ch->events) ? NULL :
			list_first_entry(&ch->events, struct comp_event, list);
		if (ev) {
			list_del_init(&ev->list);
			ev->cq->comp_events_reported++;
		}
		mutex_unlock(&ch->lock);
		if (!ev)
			break;
		desc[n++] = ev->desc;
		kfree(ev);
	}
	return (int)n;
}

void uverbs_comp_channel_attach(struct ib_cq *cq, struct ib_uobject *channel)
{
	struct uverbs_comp_channel *ch = channel->object;

	mutex_lock(&ch->lock);
	WRITE_ONCE(cq->channel, channel);
	mutex_unlock(&ch->lock);
}

void uverbs_comp_channel_detach(struct ib_cq *cq)
{
	struct uverbs_comp_channel *ch = cq->channel->object;
	struct comp_event *ev, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&ch->lock);
	list_for_each_entry_safe(ev, tmp, &ch->events, list) {
		if (ev->cq == cq) {
			list_del_init(&ev->list);
			list_add_tail(&ev->list, &gone);
		}
	}
	WRITE_ONCE(cq->channel, NULL);
	mutex_unlock(&ch->lock);
	list_for_each_entry_safe(ev, tmp, &gone, list)
		kfree(ev);
}

u32 uverbs_comp_channel_events_reported(struct ib_cq *cq)
{
	struct ib_uobject *channel = cq->channel;
	struct uverbs_comp_channel *ch;
	u32 n;

	if (!channel)
		return cq->comp_events_reported;
	ch = channel->object;
	mutex_lock(&ch->lock);
	n = cq->comp_events_reported;
	mutex_unlock(&ch->lock);
	return n;
}

static int uverbs_comp_channel_create(struct ib_device *ib_dev,
				      struct ib_ucontext *uctx,
				      struct uverbs_attr_array *common,
				      struct uverbs_attr_array *vendor,
				      const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_COMP_CHANNEL_CREATE_FD);
	struct uverbs_comp_channel *ch;

	ch = kzalloc(sizeof(*ch));
	if (!ch) {
		uverbs_set_error("COMP_CHANNEL_CREATE: out of memory");
		return -ENOMEM;
	}
	mutex_init(&ch->lock);
	INIT_LIST_HEAD(&ch->events);
	uobj->object = ch;
	return 0;
}

/* The oldest event; -EAGAIN when there is none. */
static int uverbs_comp_channel_get_event(struct ib_device *ib_dev,
					 struct ib_ucontext *uctx,
					 struct uverbs_attr_array *common,
					 struct uverbs_attr_array *vendor,
					 const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_COMP_CHANNEL_GET_EVENT_FD);
	struct ib_uverbs_comp_event_desc desc;
	int n = ib_comp_channel_read(uobj, &desc, 1);

	if (n < 0) {
		uverbs_set_error("COMP_CHANNEL_GET_EVENT: %s",
				 n == -EIO ? "the channel is destroyed" :
					     "not a completion channel");
		return n;
	}
	if (!n) {
		uverbs_set_error("COMP_CHANNEL_GET_EVENT: no event is queued");
		return -EAGAIN;
	}
	return uverbs_copy_to(common, UVERBS_COMP_CHANNEL_GET_EVENT_RESP,
			      &desc, sizeof(desc));
}

static const struct uverbs_attr_spec comp_channel_create_attrs[] = {
	[UVERBS_COMP_CHANNEL_CREATE_FD] = {
		.name = "FD",
		.type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_COMP_CHANNEL,
			 .access = UVERBS_ACCESS_NEW } },
};

static const struct uverbs_attr_spec comp_channel_destroy_attrs[] = {
	[UVERBS_COMP_CHANNEL_DESTROY_FD] = {
		.name = "FD",
		.type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_COMP_CHANNEL,
			 .access = UVERBS_ACCESS_DESTROY } },
};

static const struct uverbs_attr_spec comp_channel_get_event_attrs[] = {
	[UVERBS_COMP_CHANNEL_GET_EVENT_FD] = {
		.name = "FD",
		.type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_COMP_CHANNEL,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_COMP_CHANNEL_GET_EVENT_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_comp_event_desc,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_comp_event_desc),
		.max_len = sizeof(struct ib_uverbs_comp_event_desc) },
};

/* DESTROY has nothing to do before the core calls the destroy op. */
static const struct uverbs_action comp_channel_actions[] = {
	[UVERBS_ACTION_COMP_CHANNEL_CREATE] =
		UVERBS_STD_ACTION("COMP_CHANNEL_CREATE",
				  uverbs_comp_channel_create,
				  comp_channel_create_attrs),
	[UVERBS_ACTION_COMP_CHANNEL_DESTROY] =
		UVERBS_STD_ACTION("COMP_CHANNEL_DESTROY", NULL,
				  comp_channel_destroy_attrs),
	[UVERBS_ACTION_COMP_CHANNEL_GET_EVENT] =
		UVERBS_STD_ACTION("COMP_CHANNEL_GET_EVENT",
				  uverbs_comp_channel_get_event,
				  comp_channel_get_event_attrs),
};

const struct uverbs_type uverbs_comp_channel_type = {
	.name = "COMP_CHANNEL",
	.actions = comp_channel_actions,
	.num_actions = ARRAY_SIZE(comp_channel_actions),
	.obj = &comp_channel_obj_type,
};
