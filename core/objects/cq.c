// SPDX-License-Identifier: MIT
/*
 * CQ: completion queues.  CREATE checks the size and vector and puts the
 * CQ on its completion channel, if any (the channel is its parent);
 * DESTROY reports the events delivered.  QPs name their CQs as parents,
 * so a CQ in use cannot be destroyed (EBUSY).  POLL and REQ_NOTIFY take
 * the CQ shared (READ): the driver serializes concurrent polls of one CQ.
 * RESIZE takes the CQ exclusively (WRITE).  A driver without the
 * data-path ops or resize_cq gets EOPNOTSUPP from those actions.
 */
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

#include "objects.h"

static int uverbs_cq_destroy_obj(struct ib_uobject *uobj,
				 enum rdma_remove_reason why)
{
	struct ib_cq *cq = uobj->object;
	struct ib_uobject *channel = cq->channel;
	int ret;

	if (channel)
		uverbs_comp_channel_detach(cq);
	ret = std_ops(cq->device)->destroy_cq(cq);
	if (ret && channel)
		uverbs_comp_channel_attach(cq, channel);
	return ret;
}

static const struct uverbs_obj_type cq_obj_type = {
	.destroy = uverbs_cq_destroy_obj,
};

static int uverbs_cq_create(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_CQ_CREATE_HANDLE);
	struct ib_uobject *channel =
		uverbs_attr_obj(common, UVERBS_CQ_CREATE_CHANNEL);
	const struct ib_uverbs_cq_create_cmd *cmd =
		uverbs_attr_in(common, UVERBS_CQ_CREATE_CMD);
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_cq_create_resp resp = {};
	struct ib_cq *cq;
	int ret;

	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	if (cmd->cqe < 1 || cmd->cqe > dattr.max_cqe) {
		uverbs_set_error("CQ_CREATE: cqe %u outside 1..%u (device max_cqe)",
				 cmd->cqe, dattr.max_cqe);
		return -EINVAL;
	}
	if (cmd->comp_vector >= UVERBS_STD_NUM_COMP_VECTORS) {
		uverbs_set_error("CQ_CREATE: comp_vector %u >= %u vectors",
				 cmd->comp_vector, UVERBS_STD_NUM_COMP_VECTORS);
		return -EINVAL;
	}
	cq = std_ops(ib_dev)->create_cq(uctx, cmd, vendor);
	if (IS_ERR(cq))
		return (int)PTR_ERR(cq);
	cq->device = ib_dev;
	cq->uobject = uobj;
	cq->channel = NULL;
	cq->user_handle = cmd->user_handle;
	cq->comp_vector = cmd->comp_vector;
	if (channel)
		uverbs_comp_channel_attach(cq, channel);
	uobj->object = cq;

	resp.cqe = cq->cqe;
	return uverbs_copy_to(common, UVERBS_CQ_CREATE_RESP, &resp,
			      sizeof(resp));
}

/* Fills the response; the core then calls uverbs_cq_destroy_obj(). */
static int uverbs_cq_destroy(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_cq *cq =
		uverbs_attr_obj(common, UVERBS_CQ_DESTROY_HANDLE)->object;
	struct ib_uverbs_cq_destroy_resp resp = {
		.comp_events_reported = uverbs_comp_channel_events_reported(cq),
		.async_events_reported = READ_ONCE(cq->async_events_reported),
	};

	uverbs_copy_to(common, UVERBS_CQ_DESTROY_RESP, &resp, sizeof(resp));
	return 0;
}

static int uverbs_cq_resize(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_cq *cq =
		uverbs_attr_obj(common, UVERBS_CQ_RESIZE_HANDLE)->object;
	const u32 *cqe = uverbs_attr_in(common, UVERBS_CQ_RESIZE_CQE);
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_cq_resize_resp resp = {};
	int ret;

	if (!std_ops(ib_dev)->resize_cq) {
		uverbs_set_error("CQ_RESIZE: the device cannot resize CQs");
		return -EOPNOTSUPP;
	}
	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	if (*cqe < 1 || *cqe > dattr.max_cqe) {
		uverbs_set_error("CQ_RESIZE: CQE %u outside 1..%u", *cqe,
				 dattr.max_cqe);
		return -EINVAL;
	}
	ret = std_ops(ib_dev)->resize_cq(cq, *cqe);
	if (ret) {
		if (ret == -EINVAL)
			uverbs_set_error("CQ_RESIZE: more completions are queued than %u hold",
					 *cqe);
		return ret;
	}
	resp.cqe = cq->cqe;
	return uverbs_copy_to(common, UVERBS_CQ_RESIZE_RESP, &resp,
			      sizeof(resp));
}

/*
 * POLL: WC's length says how many completions fit; the driver writes them
 * straight into the command's copy of WC, which the core copies out
 * whole (entries past COUNT come back zeroed).
 */
static int uverbs_cq_poll(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			  struct uverbs_attr_array *common,
			  struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_cq *cq =
		uverbs_attr_obj(common, UVERBS_CQ_POLL_HANDLE)->object;
	struct uverbs_ptr_attr *wc =
		&uverbs_attr_get(common, UVERBS_CQ_POLL_WC)->cmd_attr;
	u32 num = wc->len / sizeof(struct ib_uverbs_wc);
	u32 count;
	int ret;

	if (!std_ops(ib_dev)->poll_cq) {
		uverbs_set_error("CQ_POLL: the device has no CQ polling command");
		return -EOPNOTSUPP;
	}
	if (wc->len % sizeof(struct ib_uverbs_wc)) {
		uverbs_set_error("CQ_POLL: WC length %u is not a multiple of %zu",
				 wc->len, sizeof(struct ib_uverbs_wc));
		return -EINVAL;
	}
	ret = std_ops(ib_dev)->poll_cq(cq, num, wc->data);
	if (ret < 0)
		return ret;
	if (WARN_ON((u32)ret > num)) {
		uverbs_set_error("CQ_POLL: the device returned %d > %u completions",
				 ret, num);
		return -EIO;
	}
	/* Filled in place: uverbs_copy_to() would copy it onto itself. */
	wc->written = true;
	count = (u32)ret;
	return uverbs_copy_to(common, UVERBS_CQ_POLL_COUNT, &count,
			      sizeof(count));
}

static int uverbs_cq_req_notify(struct ib_device *ib_dev,
				struct ib_ucontext *uctx,
				struct uverbs_attr_array *common,
				struct uverbs_attr_array *vendor,
				const void *priv)
{
	struct ib_cq *cq =
		uverbs_attr_obj(common, UVERBS_CQ_REQ_NOTIFY_HANDLE)->object;
	const u32 *solicited =
		uverbs_attr_in(common, UVERBS_CQ_REQ_NOTIFY_SOLICITED);

	if (!std_ops(ib_dev)->req_notify_cq) {
		uverbs_set_error("CQ_REQ_NOTIFY: the device cannot arm CQs");
		return -EOPNOTSUPP;
	}
	if (solicited && *solicited > 1) {
		uverbs_set_error("CQ_REQ_NOTIFY: SOLICITED is %u, not 0 or 1",
				 *solicited);
		return -EINVAL;
	}
	return std_ops(ib_dev)->req_notify_cq(cq, solicited && *solicited);
}

static const struct uverbs_attr_spec cq_create_attrs[] = {
	[UVERBS_CQ_CREATE_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_CQ_CREATE_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_cq_create_cmd,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_cq_create_cmd),
		.max_len = sizeof(struct ib_uverbs_cq_create_cmd) },
	[UVERBS_CQ_CREATE_CHANNEL] = {
		.name = "CHANNEL",
		.type = UVERBS_ATTR_TYPE_FD,
		.idr = { .type = UVERBS_TYPE_COMP_CHANNEL,
			 .access = UVERBS_ACCESS_READ, .parent = true } },
	[UVERBS_CQ_CREATE_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_cq_create_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_cq_create_resp),
		.max_len = sizeof(struct ib_uverbs_cq_create_resp) },
};

static const struct uverbs_attr_spec cq_destroy_attrs[] = {
	[UVERBS_CQ_DESTROY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_DESTROY } },
	[UVERBS_CQ_DESTROY_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_cq_destroy_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = sizeof(struct ib_uverbs_cq_destroy_resp),
		.max_len = sizeof(struct ib_uverbs_cq_destroy_resp) },
};

static const struct uverbs_attr_spec cq_resize_attrs[] = {
	[UVERBS_CQ_RESIZE_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_WRITE } },
	[UVERBS_CQ_RESIZE_CQE] = {
		.name = "CQE",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
	[UVERBS_CQ_RESIZE_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_cq_resize_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_cq_resize_resp),
		.max_len = sizeof(struct ib_uverbs_cq_resize_resp) },
};

static const struct uverbs_attr_spec cq_req_notify_attrs[] = {
	[UVERBS_CQ_REQ_NOTIFY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_CQ_REQ_NOTIFY_SOLICITED] = {
		.name = "SOLICITED",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
};

static const struct uverbs_attr_spec cq_poll_attrs[] = {
	[UVERBS_CQ_POLL_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_CQ_POLL_WC] = {
		.name = "WC",
		.layout = &uverbs_layout_wc,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_wc),
		.max_len = UVERBS_CQ_POLL_MAX_WC *
			   sizeof(struct ib_uverbs_wc) },
	[UVERBS_CQ_POLL_COUNT] = {
		.name = "COUNT",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
};

static const struct uverbs_action cq_actions[] = {
	[UVERBS_ACTION_CQ_CREATE] =
		UVERBS_STD_ACTION("CQ_CREATE", uverbs_cq_create,
				  cq_create_attrs),
	[UVERBS_ACTION_CQ_DESTROY] =
		UVERBS_STD_ACTION("CQ_DESTROY", uverbs_cq_destroy,
				  cq_destroy_attrs),
	[UVERBS_ACTION_CQ_RESIZE] =
		UVERBS_STD_ACTION("CQ_RESIZE", uverbs_cq_resize,
				  cq_resize_attrs),
	[UVERBS_ACTION_CQ_REQ_NOTIFY] =
		UVERBS_STD_ACTION("CQ_REQ_NOTIFY", uverbs_cq_req_notify,
				  cq_req_notify_attrs),
	[UVERBS_ACTION_CQ_POLL] =
		UVERBS_STD_ACTION("CQ_POLL", uverbs_cq_poll, cq_poll_attrs),
};

const struct uverbs_type uverbs_cq_type = {
	.name = "CQ",
	.actions = cq_actions,
	.num_actions = ARRAY_SIZE(cq_actions),
	.obj = &cq_obj_type,
};
