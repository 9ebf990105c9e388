// SPDX-License-Identifier: MIT
/*
 * SRQ: shared receive queues.  CREATE checks the sizes against the device
 * and holds the PD; QPs created on an SRQ hold it.  MODIFY changes the
 * limit (the core records it after the driver accepts) or asks the driver
 * to resize (the driver records the depth it really has in max_wr).
 * POST_RECV takes the SRQ shared (READ), checks the arrays' shape as
 * QP_POST_RECV does (std_check_recv_wrs(), against the SRQ's max_sge) and
 * fails with the driver's errno, BAD_WR written only on success.
 */
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

#include "objects.h"

static int uverbs_srq_destroy_obj(struct ib_uobject *uobj,
				  enum rdma_remove_reason why)
{
	struct ib_srq *srq = uobj->object;

	return std_ops(srq->device)->destroy_srq(srq);
}

static const struct uverbs_obj_type srq_obj_type = {
	.destroy = uverbs_srq_destroy_obj,
};

static int uverbs_srq_create(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_SRQ_CREATE_HANDLE);
	struct ib_pd *pd =
		uverbs_attr_obj(common, UVERBS_SRQ_CREATE_PD_HANDLE)->object;
	const struct ib_uverbs_srq_create_cmd *cmd =
		uverbs_attr_in(common, UVERBS_SRQ_CREATE_CMD);
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_srq_create_resp resp = {};
	struct ib_srq *srq;
	int ret;

	if (cmd->reserved) {
		uverbs_set_error("SRQ_CREATE: reserved is not zero");
		return -EINVAL;
	}
	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	if (cmd->max_wr < 1 || cmd->max_wr > dattr.max_srq_wr) {
		uverbs_set_error("SRQ_CREATE: max_wr %u outside 1..%u (device max_srq_wr)",
				 cmd->max_wr, dattr.max_srq_wr);
		return -EINVAL;
	}
	if (cmd->max_sge > dattr.max_srq_sge) {
		uverbs_set_error("SRQ_CREATE: max_sge %u > device max %u",
				 cmd->max_sge, dattr.max_srq_sge);
		return -EINVAL;
	}
	/* The limit must be below the depth (IBA 10.2.9.4). */
	if (cmd->srq_limit >= cmd->max_wr) {
		uverbs_set_error("SRQ_CREATE: srq_limit %u >= max_wr %u",
				 cmd->srq_limit, cmd->max_wr);
		return -EINVAL;
	}
	srq = std_ops(ib_dev)->create_srq(pd, cmd, vendor);
	if (IS_ERR(srq))
		return (int)PTR_ERR(srq);
	srq->device = ib_dev;
	srq->uobject = uobj;
	srq->pd = pd;
	srq->user_handle = cmd->user_handle;
	srq->srq_limit = cmd->srq_limit;
	uobj->object = srq;

	resp.max_wr = srq->max_wr;
	resp.max_sge = srq->max_sge;
	return uverbs_copy_to(common, UVERBS_SRQ_CREATE_RESP, &resp,
			      sizeof(resp));
}

static int uverbs_srq_modify(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_srq *srq =
		uverbs_attr_obj(common, UVERBS_SRQ_MODIFY_HANDLE)->object;
	const struct ib_uverbs_srq_modify_cmd *cmd =
		uverbs_attr_in(common, UVERBS_SRQ_MODIFY_CMD);
	struct ib_uverbs_query_device_resp dattr;
	u32 max_wr = srq->max_wr;
	int ret;

	if (cmd->reserved) {
		uverbs_set_error("SRQ_MODIFY: reserved is not zero");
		return -EINVAL;
	}
	if (!cmd->attr_mask ||
	    (cmd->attr_mask & ~(IB_UVERBS_SRQ_MAX_WR | IB_UVERBS_SRQ_LIMIT))) {
		uverbs_set_error("SRQ_MODIFY: attr_mask 0x%x: MAX_WR and/or LIMIT, nothing else",
				 cmd->attr_mask);
		return -EINVAL;
	}
	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	if (cmd->attr_mask & IB_UVERBS_SRQ_MAX_WR) {
		if (cmd->max_wr < 1 || cmd->max_wr > dattr.max_srq_wr) {
			uverbs_set_error("SRQ_MODIFY: max_wr %u outside 1..%u (device max_srq_wr)",
					 cmd->max_wr, dattr.max_srq_wr);
			return -EINVAL;
		}
		max_wr = cmd->max_wr;
	}
	if ((cmd->attr_mask & IB_UVERBS_SRQ_LIMIT) && cmd->srq_limit >= max_wr) {
		uverbs_set_error("SRQ_MODIFY: srq_limit %u >= max_wr %u",
				 cmd->srq_limit, max_wr);
		return -EINVAL;
	}
	ret = std_ops(ib_dev)->modify_srq(srq, cmd);
	if (ret)
		return ret;
	if (cmd->attr_mask & IB_UVERBS_SRQ_LIMIT)
		srq->srq_limit = cmd->srq_limit;
	return 0;
}

static const struct uverbs_attr_spec srq_create_attrs[] = {
	[UVERBS_SRQ_CREATE_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_SRQ,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_SRQ_CREATE_PD_HANDLE] = {
		.name = "PD_HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_SRQ_CREATE_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_srq_create_cmd,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_srq_create_cmd),
		.max_len = sizeof(struct ib_uverbs_srq_create_cmd) },
	[UVERBS_SRQ_CREATE_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_srq_create_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_srq_create_resp),
		.max_len = sizeof(struct ib_uverbs_srq_create_resp) },
};

static const struct uverbs_attr_spec srq_modify_attrs[] = {
	[UVERBS_SRQ_MODIFY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_SRQ,
			 .access = UVERBS_ACCESS_WRITE } },
	[UVERBS_SRQ_MODIFY_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_srq_modify_cmd,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_srq_modify_cmd),
		.max_len = sizeof(struct ib_uverbs_srq_modify_cmd) },
};

/* Fills the response; the core then calls the SRQ's destroy. */
static int uverbs_srq_destroy(struct ib_device *ib_dev,
			      struct ib_ucontext *uctx,
			      struct uverbs_attr_array *common,
			      struct uverbs_attr_array *vendor,
			      const void *priv)
{
	struct ib_srq *srq =
		uverbs_attr_obj(common, UVERBS_SRQ_DESTROY_HANDLE)->object;
	struct ib_uverbs_srq_destroy_resp resp = {
		.events_reported = READ_ONCE(srq->events_reported),
	};

	uverbs_copy_to(common, UVERBS_SRQ_DESTROY_RESP, &resp, sizeof(resp));
	return 0;
}

static const struct uverbs_attr_spec srq_destroy_attrs[] = {
	[UVERBS_SRQ_DESTROY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_SRQ,
			 .access = UVERBS_ACCESS_DESTROY } },
	[UVERBS_SRQ_DESTROY_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_srq_destroy_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = sizeof(struct ib_uverbs_srq_destroy_resp),
		.max_len = sizeof(struct ib_uverbs_srq_destroy_resp) },
};

static int srq_post_recv_fn(void *obj, const void *wr, u32 num_wr,
			    const struct ib_uverbs_sge *sge, u32 num_sge,
			    u32 *bad_wr)
{
	struct ib_srq *srq = obj;

	return std_ops(srq->device)->post_srq_recv(srq, wr, num_wr, sge,
						   num_sge, bad_wr);
}

static int uverbs_srq_post_recv(struct ib_device *ib_dev,
				struct ib_ucontext *uctx,
				struct uverbs_attr_array *common,
				struct uverbs_attr_array *vendor,
				const void *priv)
{
	static const char cmd[] = "SRQ_POST_RECV";
	struct ib_srq *srq =
		uverbs_attr_obj(common, UVERBS_SRQ_POST_RECV_HANDLE)->object;
	struct uverbs_attr *wr_attr =
		uverbs_attr_get(common, UVERBS_SRQ_POST_RECV_WR);
	struct uverbs_attr *sge_attr =
		uverbs_attr_get(common, UVERBS_SRQ_POST_RECV_SGE);
	struct std_post p;
	int ret;

	if (!std_ops(ib_dev)->post_srq_recv) {
		uverbs_set_error("%s: the device has no post_srq_recv command", cmd);
		return -EOPNOTSUPP;
	}
	ret = std_check_recv_wrs(cmd, wr_attr, sge_attr, srq->max_sge, &p);
	return std_post_finish(cmd, common, UVERBS_SRQ_POST_RECV_BAD_WR, &p,
			       ret, srq_post_recv_fn, srq,
			       wr_attr->cmd_attr.data,
			       sge_attr ? sge_attr->cmd_attr.data : NULL);
}

static const struct uverbs_attr_spec srq_post_recv_attrs[] = {
	[UVERBS_SRQ_POST_RECV_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_SRQ,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_SRQ_POST_RECV_WR] = {
		.name = "WR",
		.layout = &uverbs_layout_recv_wr,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_recv_wr),
		.max_len = UVERBS_POST_MAX_WR *
			   sizeof(struct ib_uverbs_recv_wr) },
	[UVERBS_SRQ_POST_RECV_SGE] = {
		.name = "SGE",
		.layout = &uverbs_layout_sge,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct ib_uverbs_sge),
		.max_len = UVERBS_POST_MAX_SGE * sizeof(struct ib_uverbs_sge) },
	[UVERBS_SRQ_POST_RECV_BAD_WR] = {
		.name = "BAD_WR",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .copy_on_error = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
};

static const struct uverbs_action srq_actions[] = {
	[UVERBS_ACTION_SRQ_CREATE] =
		UVERBS_STD_ACTION("SRQ_CREATE", uverbs_srq_create,
				  srq_create_attrs),
	[UVERBS_ACTION_SRQ_MODIFY] =
		UVERBS_STD_ACTION("SRQ_MODIFY", uverbs_srq_modify,
				  srq_modify_attrs),
	[UVERBS_ACTION_SRQ_DESTROY] =
		UVERBS_STD_ACTION("SRQ_DESTROY", uverbs_srq_destroy,
				  srq_destroy_attrs),
	[UVERBS_ACTION_SRQ_POST_RECV] =
		UVERBS_STD_ACTION_USER_MEMORY("SRQ_POST_RECV",
					      uverbs_srq_post_recv,
					      srq_post_recv_attrs),
};

const struct uverbs_type uverbs_srq_type = {
	.name = "SRQ",
	.actions = srq_actions,
	.num_actions = ARRAY_SIZE(srq_actions),
	.obj = &srq_obj_type,
};
