// SPDX-License-Identifier: MIT
/*
 * CQ: completion queues.  CREATE checks the size and vector and puts the
 * CQ on its completion channel, if any (the channel is its parent);
 * DESTROY reports the events delivered.  QPs name their CQs as parents,
 * so a CQ in use cannot be destroyed (EBUSY).  RESIZE, REQ_NOTIFY and
 * POLL are not implemented here (empty slots: EOPNOTSUPP).
 */
#include <rdma/ib_verbs_ops.h>

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
	if (cmd->cqe < 1 || cmd->cqe > dattr.max_cqe ||
	    cmd->comp_vector >= UVERBS_STD_NUM_COMP_VECTORS)
		return -EINVAL;
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
		.async_events_reported = cq->async_events_reported,
	};

	uverbs_copy_to(common, UVERBS_CQ_DESTROY_RESP, &resp, sizeof(resp));
	return 0;
}

static const struct uverbs_attr_spec cq_create_attrs[] = {
	[UVERBS_CQ_CREATE_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_CQ_CREATE_CMD] = {
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_cq_create_cmd),
		.max_len = sizeof(struct ib_uverbs_cq_create_cmd) },
	[UVERBS_CQ_CREATE_CHANNEL] = {
		.type = UVERBS_ATTR_TYPE_FD,
		.idr = { .type = UVERBS_TYPE_COMP_CHANNEL,
			 .access = UVERBS_ACCESS_READ, .parent = true } },
	[UVERBS_CQ_CREATE_RESP] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_cq_create_resp),
		.max_len = sizeof(struct ib_uverbs_cq_create_resp) },
};

static const struct uverbs_attr_spec cq_destroy_attrs[] = {
	[UVERBS_CQ_DESTROY_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_DESTROY } },
	[UVERBS_CQ_DESTROY_RESP] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = sizeof(struct ib_uverbs_cq_destroy_resp),
		.max_len = sizeof(struct ib_uverbs_cq_destroy_resp) },
};

static const struct uverbs_action cq_actions[] = {
	[UVERBS_ACTION_CQ_CREATE] =
		UVERBS_STD_ACTION(uverbs_cq_create, cq_create_attrs),
	[UVERBS_ACTION_CQ_DESTROY] =
		UVERBS_STD_ACTION(uverbs_cq_destroy, cq_destroy_attrs),
	/* RESIZE, REQ_NOTIFY, POLL: not yet. */
};

const struct uverbs_type uverbs_cq_type = {
	.actions = cq_actions,
	.num_actions = ARRAY_SIZE(cq_actions),
	.obj = &cq_obj_type,
};
