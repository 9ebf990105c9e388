// SPDX-License-Identifier: MIT
/*
 * QP: queue pairs.  CREATE checks the type and queue sizes against the
 * device and holds the PD, both CQs and the SRQ (parents: they cannot be
 * destroyed while the QP lives).  MODIFY checks the request against the
 * IB state machine (ib_qp_state.h) and the device's limits, and merges
 * what the driver accepted into qp->attr, which QUERY reports.
 * POST_SEND and POST_RECV are not implemented here (empty slots).
 */
#include <rdma/ib_qp_state.h>
#include <rdma/ib_verbs_ops.h>

#include "objects.h"

static int uverbs_qp_destroy_obj(struct ib_uobject *uobj,
				 enum rdma_remove_reason why)
{
	struct ib_qp *qp = uobj->object;

	return std_ops(qp->device)->destroy_qp(qp);
}

static const struct uverbs_obj_type qp_obj_type = {
	.destroy = uverbs_qp_destroy_obj,
};

static bool mem_is_zero(const void *p, size_t len)
{
	const u8 *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* The requested queue sizes against the device's limits. */
static int qp_check_cap(const struct ib_uverbs_qp_cap *cap, bool has_srq,
			const struct ib_uverbs_query_device_resp *dattr)
{
	if (cap->reserved)
		return -EINVAL;
	if (cap->max_send_wr > dattr->max_qp_wr ||
	    cap->max_send_sge > dattr->max_sge ||
	    cap->max_inline_data > dattr->max_inline_data)
		return -EINVAL;
	/* With an SRQ the receive queue is the SRQ's: its sizes are moot. */
	if (!has_srq && (cap->max_recv_wr > dattr->max_qp_wr ||
			 cap->max_recv_sge > dattr->max_sge))
		return -EINVAL;
	return 0;
}

static int uverbs_qp_create(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_QP_CREATE_HANDLE);
	struct ib_pd *pd =
		uverbs_attr_obj(common, UVERBS_QP_CREATE_PD_HANDLE)->object;
	struct ib_cq *send_cq =
		uverbs_attr_obj(common, UVERBS_QP_CREATE_SEND_CQ)->object;
	struct ib_cq *recv_cq =
		uverbs_attr_obj(common, UVERBS_QP_CREATE_RECV_CQ)->object;
	struct ib_uobject *srq_uobj =
		uverbs_attr_obj(common, UVERBS_QP_CREATE_SRQ);
	struct ib_srq *srq = srq_uobj ? srq_uobj->object : NULL;
	struct ib_uverbs_qp_create_cmd cmd =
		*(const struct ib_uverbs_qp_create_cmd *)uverbs_attr_in(
			common, UVERBS_QP_CREATE_CMD);
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_qp_create_resp resp = {};
	struct ib_qp *qp;
	int ret;

	if (!mem_is_zero(cmd.reserved, sizeof(cmd.reserved)) ||
	    cmd.sq_sig_all > 1)
		return -EINVAL;
	switch (cmd.qp_type) {
	case IB_UVERBS_QPT_RC:
	case IB_UVERBS_QPT_UC:
	case IB_UVERBS_QPT_UD:
		break;
	default:
		return -EINVAL;
	}
	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	ret = qp_check_cap(&cmd.cap, srq, &dattr);
	if (ret)
		return ret;
	if (srq) {
		cmd.cap.max_recv_wr = 0;
		cmd.cap.max_recv_sge = 0;
	}

	qp = std_ops(ib_dev)->create_qp(pd, &cmd, vendor);
	if (IS_ERR(qp))
		return (int)PTR_ERR(qp);
	qp->device = ib_dev;
	qp->uobject = uobj;
	qp->pd = pd;
	qp->send_cq = send_cq;
	qp->recv_cq = recv_cq;
	qp->srq = srq;
	qp->user_handle = cmd.user_handle;
	qp->qp_type = cmd.qp_type;
	qp->sq_sig_all = cmd.sq_sig_all;
	qp->attr.qp_state = IB_UVERBS_QPS_RESET;
	uobj->object = qp;

	resp.cap = qp->cap;
	resp.qpn = qp->qp_num;
	return uverbs_copy_to(common, UVERBS_QP_CREATE_RESP, &resp,
			      sizeof(resp));
}

/* What the state machine does not cover: ports, MTU, limits. */
static int qp_check_modify(struct ib_device *ib_dev, const struct ib_qp *qp,
			   const struct ib_uverbs_qp_attr *attr)
{
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_query_port_resp pattr;
	u32 mask = attr->attr_mask;
	int ret;

	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	if (mask & (IB_UVERBS_QP_PORT | IB_UVERBS_QP_PKEY_INDEX)) {
		/* A P_Key index is one of the new port's, or the QP's. */
		ret = std_query_port(ib_dev, mask & IB_UVERBS_QP_PORT ?
					     attr->port_num : qp->attr.port_num,
				     &pattr);
		if (ret)
			return ret;
		if ((mask & IB_UVERBS_QP_PKEY_INDEX) &&
		    attr->pkey_index >= pattr.pkey_tbl_len)
			return -EINVAL;
	}
	if (mask & IB_UVERBS_QP_AV) {
		ret = std_check_ah_attr(ib_dev, &attr->ah_attr);
		if (ret)
			return ret;
	}
	if (mask & IB_UVERBS_QP_ALT_PATH) {
		ret = std_check_ah_attr(ib_dev, &attr->alt_ah_attr);
		if (ret)
			return ret;
		ret = std_query_port(ib_dev, attr->alt_port_num, &pattr);
		if (ret)
			return ret;
	}
	if ((mask & IB_UVERBS_QP_PATH_MTU) &&
	    (attr->path_mtu < IB_UVERBS_MTU_256 ||
	     attr->path_mtu > IB_UVERBS_MTU_4096))
		return -EINVAL;
	if ((mask & IB_UVERBS_QP_MAX_QP_RD_ATOMIC) &&
	    attr->max_rd_atomic > dattr.max_qp_init_rd_atom)
		return -EINVAL;
	if ((mask & IB_UVERBS_QP_MAX_DEST_RD_ATOMIC) &&
	    attr->max_dest_rd_atomic > dattr.max_qp_rd_atom)
		return -EINVAL;
	if ((mask & IB_UVERBS_QP_ACCESS_FLAGS) &&
	    (attr->qp_access_flags & ~(IB_UVERBS_ACCESS_LOCAL_WRITE |
				       IB_UVERBS_ACCESS_REMOTE_WRITE |
				       IB_UVERBS_ACCESS_REMOTE_READ |
				       IB_UVERBS_ACCESS_REMOTE_ATOMIC)))
		return -EINVAL;
	if (mask & IB_UVERBS_QP_CAP)
		return qp_check_cap(&attr->cap, qp->srq, &dattr);
	return 0;
}

/* Copies into @qp->attr the fields @attr's mask names. */
static void qp_merge_attr(struct ib_qp *qp,
			  const struct ib_uverbs_qp_attr *attr)
{
	struct ib_uverbs_qp_attr *a = &qp->attr;
	u32 mask = attr->attr_mask;

	if (mask & IB_UVERBS_QP_STATE)
		a->qp_state = attr->qp_state;
	if (mask & IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY)
		a->en_sqd_async_notify = attr->en_sqd_async_notify;
	if (mask & IB_UVERBS_QP_ACCESS_FLAGS)
		a->qp_access_flags = attr->qp_access_flags;
	if (mask & IB_UVERBS_QP_PKEY_INDEX)
		a->pkey_index = attr->pkey_index;
	if (mask & IB_UVERBS_QP_PORT)
		a->port_num = attr->port_num;
	if (mask & IB_UVERBS_QP_QKEY)
		a->qkey = attr->qkey;
	if (mask & IB_UVERBS_QP_AV)
		a->ah_attr = attr->ah_attr;
	if (mask & IB_UVERBS_QP_PATH_MTU)
		a->path_mtu = attr->path_mtu;
	if (mask & IB_UVERBS_QP_TIMEOUT)
		a->timeout = attr->timeout;
	if (mask & IB_UVERBS_QP_RETRY_CNT)
		a->retry_cnt = attr->retry_cnt;
	if (mask & IB_UVERBS_QP_RNR_RETRY)
		a->rnr_retry = attr->rnr_retry;
	if (mask & IB_UVERBS_QP_RQ_PSN)
		a->rq_psn = attr->rq_psn;
	if (mask & IB_UVERBS_QP_MAX_QP_RD_ATOMIC)
		a->max_rd_atomic = attr->max_rd_atomic;
	if (mask & IB_UVERBS_QP_ALT_PATH) {
		a->alt_ah_attr = attr->alt_ah_attr;
		a->alt_pkey_index = attr->alt_pkey_index;
		a->alt_port_num = attr->alt_port_num;
		a->alt_timeout = attr->alt_timeout;
	}
	if (mask & IB_UVERBS_QP_MIN_RNR_TIMER)
		a->min_rnr_timer = attr->min_rnr_timer;
	if (mask & IB_UVERBS_QP_SQ_PSN)
		a->sq_psn = attr->sq_psn;
	if (mask & IB_UVERBS_QP_MAX_DEST_RD_ATOMIC)
		a->max_dest_rd_atomic = attr->max_dest_rd_atomic;
	if (mask & IB_UVERBS_QP_PATH_MIG_STATE)
		a->path_mig_state = attr->path_mig_state;
	if (mask & IB_UVERBS_QP_CAP)
		a->cap = attr->cap;
	if (mask & IB_UVERBS_QP_DEST_QPN)
		a->dest_qp_num = attr->dest_qp_num;
	a->attr_mask |= mask & ~(IB_UVERBS_QP_STATE | IB_UVERBS_QP_CUR_STATE);
}

static int uverbs_qp_modify(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_qp *qp =
		uverbs_attr_obj(common, UVERBS_QP_MODIFY_HANDLE)->object;
	const struct ib_uverbs_qp_attr *attr =
		uverbs_attr_in(common, UVERBS_QP_MODIFY_CMD);
	char why[160];
	int ret;

	ret = ib_modify_qp_attr_check(qp->attr.qp_state, qp->qp_type, attr,
				      why, sizeof(why));
	if (ret) {
		uverbs_set_error("QP_MODIFY: %s", why);
		return ret;
	}
	ret = qp_check_modify(ib_dev, qp, attr);
	if (ret) {
		uverbs_set_error("QP_MODIFY: an attribute is outside the device's limits");
		return ret;
	}
	ret = std_ops(ib_dev)->modify_qp(qp, attr);
	if (ret)
		return ret;
	qp_merge_attr(qp, attr);
	return 0;
}

/*
 * Every attribute is reported; @mask is echoed in attr.attr_mask.  The
 * queue sizes are qp->cap, which the driver keeps (it updates them if a
 * MODIFY with IB_UVERBS_QP_CAP resizes).
 */
static int uverbs_qp_query(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			   struct uverbs_attr_array *common,
			   struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_qp *qp =
		uverbs_attr_obj(common, UVERBS_QP_QUERY_HANDLE)->object;
	const u32 *mask = uverbs_attr_in(common, UVERBS_QP_QUERY_MASK);
	struct ib_uverbs_qp_query_resp resp = {};

	resp.attr = qp->attr;
	resp.attr.attr_mask = *mask;
	resp.attr.cur_qp_state = qp->attr.qp_state;
	resp.attr.cap = qp->cap;
	resp.qp_type = qp->qp_type;
	resp.sq_sig_all = qp->sq_sig_all;
	return uverbs_copy_to(common, UVERBS_QP_QUERY_RESP, &resp,
			      sizeof(resp));
}

/* Fills the response; the core then calls uverbs_qp_destroy_obj(). */
static int uverbs_qp_destroy(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_qp *qp =
		uverbs_attr_obj(common, UVERBS_QP_DESTROY_HANDLE)->object;
	struct ib_uverbs_qp_destroy_resp resp = {
		.events_reported = qp->events_reported,
	};

	uverbs_copy_to(common, UVERBS_QP_DESTROY_RESP, &resp, sizeof(resp));
	return 0;
}

static const struct uverbs_attr_spec qp_create_attrs[] = {
	[UVERBS_QP_CREATE_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_QP_CREATE_PD_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_SEND_CQ] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_RECV_CQ] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_SRQ] = {
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_SRQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_CMD] = {
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_create_cmd),
		.max_len = sizeof(struct ib_uverbs_qp_create_cmd) },
	[UVERBS_QP_CREATE_RESP] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_create_resp),
		.max_len = sizeof(struct ib_uverbs_qp_create_resp) },
};

static const struct uverbs_attr_spec qp_modify_attrs[] = {
	[UVERBS_QP_MODIFY_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_WRITE } },
	[UVERBS_QP_MODIFY_CMD] = {
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_attr),
		.max_len = sizeof(struct ib_uverbs_qp_attr) },
};

static const struct uverbs_attr_spec qp_query_attrs[] = {
	[UVERBS_QP_QUERY_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_QP_QUERY_MASK] = {
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
	[UVERBS_QP_QUERY_RESP] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_query_resp),
		.max_len = sizeof(struct ib_uverbs_qp_query_resp) },
};

static const struct uverbs_attr_spec qp_destroy_attrs[] = {
	[UVERBS_QP_DESTROY_HANDLE] = {
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_DESTROY } },
	[UVERBS_QP_DESTROY_RESP] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = sizeof(struct ib_uverbs_qp_destroy_resp),
		.max_len = sizeof(struct ib_uverbs_qp_destroy_resp) },
};

static const struct uverbs_action qp_actions[] = {
	[UVERBS_ACTION_QP_CREATE] =
		UVERBS_STD_ACTION(uverbs_qp_create, qp_create_attrs),
	[UVERBS_ACTION_QP_MODIFY] =
		UVERBS_STD_ACTION(uverbs_qp_modify, qp_modify_attrs),
	[UVERBS_ACTION_QP_QUERY] =
		UVERBS_STD_ACTION(uverbs_qp_query, qp_query_attrs),
	[UVERBS_ACTION_QP_DESTROY] =
		UVERBS_STD_ACTION(uverbs_qp_destroy, qp_destroy_attrs),
	/* POST_SEND, POST_RECV: not yet. */
};

const struct uverbs_type uverbs_qp_type = {
	.actions = qp_actions,
	.num_actions = ARRAY_SIZE(qp_actions),
	.obj = &qp_obj_type,
};
