// SPDX-License-Identifier: MIT
/*
 * QP: queue pairs.  CREATE checks the type and queue sizes against the
 * device and holds the PD, both CQs and the SRQ (parents: they cannot be
 * destroyed while the QP lives).  MODIFY checks the request against the
 * IB state machine (ib_qp_state.h) and the device's limits, and merges
 * what the driver accepted into qp->attr, which QUERY reports.
 *
 * POST_SEND and POST_RECV take the QP shared (READ) and check the arrays'
 * shape before the driver sees them: every WR's num_sge within the QP's
 * cap (an inline send: its bytes within max_inline_data instead), the WRs'
 * SGEs exactly the SGE array, opcodes the QP type allows, known flags,
 * zero reserved fields.  The QP's state is the driver's to check (EINVAL,
 * ib_verbs_ops.h): it owns the queues that state gates.  A driver's
 * refusal fails the command with its errno.  Either way the WRs before
 * the first refused one are posted, none after it, and BAD_WR (copied
 * even when the command fails) names the first WR not posted: num_wr on
 * success, as libibverbs' bad_wr expects.  An SGE array that does not
 * match the WRs as a whole posts nothing.
 */
#include <rdma/ib_qp_state.h>
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

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

/* One capability against its device limit. */
static int qp_check_limit(const char *cmd, const char *field, u32 v, u32 max)
{
	if (v <= max)
		return 0;
	uverbs_set_error("%s: %s %u > device max %u", cmd, field, v, max);
	return -EINVAL;
}

/* The requested queue sizes against the device's limits. */
static int qp_check_cap(const char *cmd, const struct ib_uverbs_qp_cap *cap,
			bool has_srq,
			const struct ib_uverbs_query_device_resp *dattr)
{
	int ret;

	if (cap->reserved) {
		uverbs_set_error("%s: cap.reserved is not zero", cmd);
		return -EINVAL;
	}
	ret = qp_check_limit(cmd, "max_send_wr", cap->max_send_wr,
			     dattr->max_qp_wr);
	if (!ret)
		ret = qp_check_limit(cmd, "max_send_sge", cap->max_send_sge,
				     dattr->max_sge);
	if (!ret)
		ret = qp_check_limit(cmd, "max_inline_data",
				     cap->max_inline_data,
				     dattr->max_inline_data);
	/* With an SRQ the receive queue is the SRQ's: its sizes are moot. */
	if (!ret && !has_srq)
		ret = qp_check_limit(cmd, "max_recv_wr", cap->max_recv_wr,
				     dattr->max_qp_wr);
	if (!ret && !has_srq)
		ret = qp_check_limit(cmd, "max_recv_sge", cap->max_recv_sge,
				     dattr->max_sge);
	return ret;
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

	if (!mem_is_zero(cmd.reserved, sizeof(cmd.reserved))) {
		uverbs_set_error("QP_CREATE: reserved is not zero");
		return -EINVAL;
	}
	if (cmd.sq_sig_all > 1) {
		uverbs_set_error("QP_CREATE: sq_sig_all is %u, not 0 or 1",
				 cmd.sq_sig_all);
		return -EINVAL;
	}
	switch (cmd.qp_type) {
	case IB_UVERBS_QPT_RC:
	case IB_UVERBS_QPT_UC:
	case IB_UVERBS_QPT_UD:
		break;
	default:
		uverbs_set_error("QP_CREATE: qp_type %u is not RC, UC or UD",
				 cmd.qp_type);
		return -EINVAL;
	}
	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	ret = qp_check_cap("QP_CREATE", &cmd.cap, srq, &dattr);
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
		    attr->pkey_index >= pattr.pkey_tbl_len) {
			uverbs_set_error("QP_MODIFY: pkey_index %u >= pkey_tbl_len %u",
					 attr->pkey_index, pattr.pkey_tbl_len);
			return -EINVAL;
		}
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
	     attr->path_mtu > IB_UVERBS_MTU_4096)) {
		uverbs_set_error("QP_MODIFY: path_mtu %u outside %u..%u",
				 attr->path_mtu, IB_UVERBS_MTU_256,
				 IB_UVERBS_MTU_4096);
		return -EINVAL;
	}
	if (mask & IB_UVERBS_QP_MAX_QP_RD_ATOMIC) {
		ret = qp_check_limit("QP_MODIFY", "max_rd_atomic",
				     attr->max_rd_atomic,
				     dattr.max_qp_init_rd_atom);
		if (ret)
			return ret;
	}
	if (mask & IB_UVERBS_QP_MAX_DEST_RD_ATOMIC) {
		ret = qp_check_limit("QP_MODIFY", "max_dest_rd_atomic",
				     attr->max_dest_rd_atomic,
				     dattr.max_qp_rd_atom);
		if (ret)
			return ret;
	}
	if ((mask & IB_UVERBS_QP_ACCESS_FLAGS) &&
	    (attr->qp_access_flags & ~(IB_UVERBS_ACCESS_LOCAL_WRITE |
				       IB_UVERBS_ACCESS_REMOTE_WRITE |
				       IB_UVERBS_ACCESS_REMOTE_READ |
				       IB_UVERBS_ACCESS_REMOTE_ATOMIC))) {
		uverbs_set_error("QP_MODIFY: unknown qp_access_flags 0x%x",
				 attr->qp_access_flags &
					 ~(IB_UVERBS_ACCESS_LOCAL_WRITE |
					   IB_UVERBS_ACCESS_REMOTE_WRITE |
					   IB_UVERBS_ACCESS_REMOTE_READ |
					   IB_UVERBS_ACCESS_REMOTE_ATOMIC));
		return -EINVAL;
	}
	if (mask & IB_UVERBS_QP_CAP)
		return qp_check_cap("QP_MODIFY", &attr->cap, qp->srq, &dattr);
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

/* The QP's state now: the device's word if it has one (see the op). */
static u8 qp_live_state(struct ib_device *ib_dev, struct ib_qp *qp)
{
	const struct ib_device_ops *ops = std_ops(ib_dev);

	return ops->query_qp_state ? ops->query_qp_state(qp) :
				     qp->attr.qp_state;
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

	/* Held exclusively (WRITE): the core's copy may be brought up to date. */
	qp->attr.qp_state = qp_live_state(ib_dev, qp);
	ret = ib_modify_qp_attr_check(qp->attr.qp_state, qp->qp_type, attr,
				      why, sizeof(why));
	if (ret) {
		uverbs_set_error("QP_MODIFY: %s", why);
		return ret;
	}
	ret = qp_check_modify(ib_dev, qp, attr);
	if (ret) {
		if (!uverbs_error_is_set())
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

	/* Held shared (READ): report the live state, leave the copy alone. */
	resp.attr = qp->attr;
	resp.attr.attr_mask = *mask;
	resp.attr.qp_state = qp_live_state(ib_dev, qp);
	resp.attr.cur_qp_state = resp.attr.qp_state;
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
		.events_reported = READ_ONCE(qp->events_reported),
	};

	uverbs_copy_to(common, UVERBS_QP_DESTROY_RESP, &resp, sizeof(resp));
	return 0;
}

/* The entries of PTR_IN @a of @size-byte elements: -EINVAL if not whole. */
static int post_array_len(const char *cmd, const char *what,
			  const struct uverbs_attr *a, size_t size, u32 *num)
{
	if (!a) {
		*num = 0;
		return 0;
	}
	if (a->cmd_attr.len % size) {
		uverbs_set_error("%s: %s length %u is not a multiple of %zu",
				 cmd, what, a->cmd_attr.len, size);
		return -EINVAL;
	}
	*num = a->cmd_attr.len / size;
	return 0;
}

/* The SGEs WR @i takes fit what the array has left. */
static int post_take_sges(const char *cmd, u32 i, u32 wr_sge, u32 *used,
			  u32 num_sge)
{
	if (wr_sge > num_sge - *used) {
		uverbs_set_error("%s: WR %u takes %u SGEs, the SGE array has %u left",
				 cmd, i, wr_sge, num_sge - *used);
		return -EINVAL;
	}
	*used += wr_sge;
	return 0;
}

static int post_check_all_taken(const char *cmd, u32 used, u32 num_sge)
{
	if (used != num_sge) {
		uverbs_set_error("%s: the WRs take %u SGEs, the SGE array has %u",
				 cmd, used, num_sge);
		return -EINVAL;
	}
	return 0;
}

int std_check_recv_wrs(const char *cmd, const struct uverbs_attr *wr,
		       const struct uverbs_attr *sge, u32 max_sge,
		       struct std_post *p)
{
	const struct ib_uverbs_recv_wr *w = wr->cmd_attr.data;
	u32 i, used = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = post_array_len(cmd, "WR", wr, sizeof(*w), &p->num_wr);
	if (!ret)
		ret = post_array_len(cmd, "SGE", sge,
				     sizeof(struct ib_uverbs_sge), &p->num_sge);
	if (ret)
		return ret;
	for (i = 0; i < p->num_wr; i++) {
		if (w[i].reserved) {
			uverbs_set_error("%s: WR %u: reserved is not zero",
					 cmd, i);
			return -EINVAL;
		}
		if (w[i].num_sge > max_sge) {
			uverbs_set_error("%s: WR %u has %u SGEs, the queue takes %u",
					 cmd, i, w[i].num_sge, max_sge);
			return -EINVAL;
		}
		ret = post_take_sges(cmd, i, w[i].num_sge, &used, p->num_sge);
		if (ret)
			return ret;
		p->num_ok = i + 1;
		p->sge_ok = used;
	}
	ret = post_check_all_taken(cmd, used, p->num_sge);
	if (ret)
		p->num_ok = 0;
	return ret;
}

int std_post_finish(const char *cmd, struct uverbs_attr_array *common,
		    u16 bad_wr_id, const struct std_post *p, int check,
		    int (*post)(void *obj, const void *wr, u32 num_wr,
				const struct ib_uverbs_sge *sge, u32 num_sge,
				u32 *bad_wr),
		    void *obj, const void *wr, const struct ib_uverbs_sge *sge)
{
	u32 bad_wr = 0;
	int ret = 0;

	if (p->num_ok) {
		ret = post(obj, wr, p->num_ok, p->sge_ok ? sge : NULL,
			   p->sge_ok, &bad_wr);
		if (ret) {
			char why[UVERBS_REASON_MAX];

			/* The driver's reason, if it gave one, goes last. */
			snprintf(why, sizeof(why), "%s", uverbs_error_get());
			uverbs_set_error("%s: WR %u not posted (nor any after it): %s",
					 cmd, bad_wr, why[0] ? why : "refused");
		}
		else
			bad_wr = p->num_ok;
	}
	/* The first WR not posted, or num_wr: written even on failure. */
	uverbs_copy_to(common, bad_wr_id, &bad_wr, sizeof(bad_wr));
	return ret ? ret : check;
}

/* The opcodes each transport carries (IB spec 10.7.1 / C10-54). */
static bool send_opcode_ok(u8 qp_type, u32 opcode)
{
	switch (opcode) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
		return true;
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		return qp_type != IB_UVERBS_QPT_UD;
	case IB_UVERBS_WR_RDMA_READ:
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		return qp_type == IB_UVERBS_QPT_RC;
	default:
		return false;
	}
}

#define SEND_FLAGS_KNOWN                                                   \
	(IB_UVERBS_SEND_FENCE | IB_UVERBS_SEND_SIGNALED |                  \
	 IB_UVERBS_SEND_SOLICITED | IB_UVERBS_SEND_INLINE)

/* One send WR's opcode, flags and reserved fields. */
static int post_check_send_wr(const struct ib_qp *qp, u32 i,
			      const struct ib_uverbs_send_wr *w)
{
	static const char cmd[] = "QP_POST_SEND";
	u32 reserved;

	if (!send_opcode_ok(qp->qp_type, w->opcode)) {
		uverbs_set_error("%s: WR %u: opcode %u not valid on QP type %u",
				 cmd, i, w->opcode, qp->qp_type);
		return -EINVAL;
	}
	if (w->send_flags & ~SEND_FLAGS_KNOWN) {
		uverbs_set_error("%s: WR %u: unknown send_flags 0x%x", cmd, i,
				 w->send_flags & ~SEND_FLAGS_KNOWN);
		return -EINVAL;
	}
	if ((w->send_flags & IB_UVERBS_SEND_INLINE) &&
	    w->opcode != IB_UVERBS_WR_SEND &&
	    w->opcode != IB_UVERBS_WR_SEND_WITH_IMM &&
	    w->opcode != IB_UVERBS_WR_RDMA_WRITE &&
	    w->opcode != IB_UVERBS_WR_RDMA_WRITE_WITH_IMM) {
		uverbs_set_error("%s: WR %u: INLINE with opcode %u", cmd, i,
				 w->opcode);
		return -EINVAL;
	}
	if (qp->qp_type == IB_UVERBS_QPT_UD)
		reserved = w->wr.ud.reserved;
	else if (w->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
		 w->opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD)
		reserved = w->wr.atomic.reserved;
	else
		reserved = w->wr.rdma.reserved;
	if (reserved) {
		uverbs_set_error("%s: WR %u: reserved is not zero", cmd, i);
		return -EINVAL;
	}
	return 0;
}

/* An inline send's bytes, summed over its SGEs. */
static u64 post_inline_len(const struct ib_uverbs_sge *sge, u32 num)
{
	u64 len = 0;

	while (num--)
		len += sge++->length;
	return len;
}

/* Checks send WRs; p->num_ok leading ones are well formed. */
static int check_send_wrs(const char *cmd, struct ib_qp *qp,
			  const struct uverbs_attr *wr_attr,
			  const struct uverbs_attr *sge_attr, struct std_post *p)
{
	const struct ib_uverbs_send_wr *wr = wr_attr->cmd_attr.data;
	const struct ib_uverbs_sge *sge =
		sge_attr ? sge_attr->cmd_attr.data : NULL;
	u32 i, used = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = post_array_len(cmd, "WR", wr_attr, sizeof(*wr), &p->num_wr);
	if (!ret)
		ret = post_array_len(cmd, "SGE", sge_attr, sizeof(*sge),
				     &p->num_sge);
	if (ret)
		return ret;
	for (i = 0; i < p->num_wr; i++) {
		const struct ib_uverbs_send_wr *w = &wr[i];
		u32 first = used;

		ret = post_check_send_wr(qp, i, w);
		if (!ret)
			ret = post_take_sges(cmd, i, w->num_sge, &used,
					     p->num_sge);
		if (ret)
			return ret;
		if (w->send_flags & IB_UVERBS_SEND_INLINE) {
			u64 len = w->num_sge ?
				post_inline_len(&sge[first], w->num_sge) : 0;

			if (len > qp->cap.max_inline_data) {
				uverbs_set_error("%s: WR %u: %llu inline bytes, the QP takes %u",
						 cmd, i,
						 (unsigned long long)len,
						 qp->cap.max_inline_data);
				return -EINVAL;
			}
		} else if (w->num_sge > qp->cap.max_send_sge) {
			uverbs_set_error("%s: WR %u has %u SGEs, the QP takes %u",
					 cmd, i, w->num_sge,
					 qp->cap.max_send_sge);
			return -EINVAL;
		}
		p->num_ok = i + 1;
		p->sge_ok = used;
	}
	ret = post_check_all_taken(cmd, used, p->num_sge);
	if (ret)
		p->num_ok = 0;
	return ret;
}

static int qp_post_send_fn(void *obj, const void *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   u32 *bad_wr)
{
	struct ib_qp *qp = obj;

	return std_ops(qp->device)->post_send(qp, wr, num_wr, sge, num_sge,
					      bad_wr);
}

static int qp_post_recv_fn(void *obj, const void *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   u32 *bad_wr)
{
	struct ib_qp *qp = obj;

	return std_ops(qp->device)->post_recv(qp, wr, num_wr, sge, num_sge,
					      bad_wr);
}

static int uverbs_qp_post_send(struct ib_device *ib_dev,
			       struct ib_ucontext *uctx,
			       struct uverbs_attr_array *common,
			       struct uverbs_attr_array *vendor,
			       const void *priv)
{
	static const char cmd[] = "QP_POST_SEND";
	struct ib_qp *qp =
		uverbs_attr_obj(common, UVERBS_QP_POST_SEND_HANDLE)->object;
	struct uverbs_attr *wr_attr =
		uverbs_attr_get(common, UVERBS_QP_POST_SEND_WR);
	struct uverbs_attr *sge_attr =
		uverbs_attr_get(common, UVERBS_QP_POST_SEND_SGE);
	struct std_post p;
	int ret;

	if (!std_ops(ib_dev)->post_send) {
		uverbs_set_error("%s: the device has no post_send command", cmd);
		return -EOPNOTSUPP;
	}
	ret = check_send_wrs(cmd, qp, wr_attr, sge_attr, &p);
	return std_post_finish(cmd, common, UVERBS_QP_POST_SEND_BAD_WR, &p,
			       ret, qp_post_send_fn, qp, wr_attr->cmd_attr.data,
			       sge_attr ? sge_attr->cmd_attr.data : NULL);
}

static int uverbs_qp_post_recv(struct ib_device *ib_dev,
			       struct ib_ucontext *uctx,
			       struct uverbs_attr_array *common,
			       struct uverbs_attr_array *vendor,
			       const void *priv)
{
	static const char cmd[] = "QP_POST_RECV";
	struct ib_qp *qp =
		uverbs_attr_obj(common, UVERBS_QP_POST_RECV_HANDLE)->object;
	struct uverbs_attr *wr_attr =
		uverbs_attr_get(common, UVERBS_QP_POST_RECV_WR);
	struct uverbs_attr *sge_attr =
		uverbs_attr_get(common, UVERBS_QP_POST_RECV_SGE);
	struct std_post p = { 0 };
	int ret;

	if (!std_ops(ib_dev)->post_recv) {
		uverbs_set_error("%s: the device has no post_recv command", cmd);
		return -EOPNOTSUPP;
	}
	if (qp->srq) {
		uverbs_set_error("%s: the QP receives from an SRQ", cmd);
		ret = -EINVAL;
	} else {
		ret = std_check_recv_wrs(cmd, wr_attr, sge_attr,
					 qp->cap.max_recv_sge, &p);
	}
	return std_post_finish(cmd, common, UVERBS_QP_POST_RECV_BAD_WR, &p,
			       ret, qp_post_recv_fn, qp, wr_attr->cmd_attr.data,
			       sge_attr ? sge_attr->cmd_attr.data : NULL);
}

static const struct uverbs_attr_spec qp_create_attrs[] = {
	[UVERBS_QP_CREATE_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_QP_CREATE_PD_HANDLE] = {
		.name = "PD_HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_SEND_CQ] = {
		.name = "SEND_CQ",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_RECV_CQ] = {
		.name = "RECV_CQ",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_CQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_SRQ] = {
		.name = "SRQ",
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_SRQ, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_QP_CREATE_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_qp_create_cmd,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_create_cmd),
		.max_len = sizeof(struct ib_uverbs_qp_create_cmd) },
	[UVERBS_QP_CREATE_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_qp_create_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_create_resp),
		.max_len = sizeof(struct ib_uverbs_qp_create_resp) },
};

static const struct uverbs_attr_spec qp_modify_attrs[] = {
	[UVERBS_QP_MODIFY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_WRITE } },
	[UVERBS_QP_MODIFY_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_qp_attr,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_attr),
		.max_len = sizeof(struct ib_uverbs_qp_attr) },
};

static const struct uverbs_attr_spec qp_query_attrs[] = {
	[UVERBS_QP_QUERY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_QP_QUERY_MASK] = {
		.name = "MASK",
		.layout = &uverbs_layout_qp_attr_mask,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
	[UVERBS_QP_QUERY_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_qp_query_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_qp_query_resp),
		.max_len = sizeof(struct ib_uverbs_qp_query_resp) },
};

static const struct uverbs_attr_spec qp_destroy_attrs[] = {
	[UVERBS_QP_DESTROY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_DESTROY } },
	[UVERBS_QP_DESTROY_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_qp_destroy_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = sizeof(struct ib_uverbs_qp_destroy_resp),
		.max_len = sizeof(struct ib_uverbs_qp_destroy_resp) },
};

static const struct uverbs_attr_spec qp_post_send_attrs[] = {
	[UVERBS_QP_POST_SEND_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_QP_POST_SEND_WR] = {
		.name = "WR",
		.layout = &uverbs_layout_send_wr,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_send_wr),
		.max_len = UVERBS_POST_MAX_WR *
			   sizeof(struct ib_uverbs_send_wr) },
	[UVERBS_QP_POST_SEND_SGE] = {
		.name = "SGE",
		.layout = &uverbs_layout_sge,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct ib_uverbs_sge),
		.max_len = UVERBS_POST_MAX_SGE * sizeof(struct ib_uverbs_sge) },
	[UVERBS_QP_POST_SEND_BAD_WR] = {
		.name = "BAD_WR",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .copy_on_error = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
};

static const struct uverbs_attr_spec qp_post_recv_attrs[] = {
	[UVERBS_QP_POST_RECV_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[UVERBS_QP_POST_RECV_WR] = {
		.name = "WR",
		.layout = &uverbs_layout_recv_wr,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_recv_wr),
		.max_len = UVERBS_POST_MAX_WR *
			   sizeof(struct ib_uverbs_recv_wr) },
	[UVERBS_QP_POST_RECV_SGE] = {
		.name = "SGE",
		.layout = &uverbs_layout_sge,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct ib_uverbs_sge),
		.max_len = UVERBS_POST_MAX_SGE * sizeof(struct ib_uverbs_sge) },
	[UVERBS_QP_POST_RECV_BAD_WR] = {
		.name = "BAD_WR",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .copy_on_error = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
};

static const struct uverbs_action qp_actions[] = {
	[UVERBS_ACTION_QP_CREATE] =
		UVERBS_STD_ACTION("QP_CREATE", uverbs_qp_create,
				  qp_create_attrs),
	[UVERBS_ACTION_QP_MODIFY] =
		UVERBS_STD_ACTION("QP_MODIFY", uverbs_qp_modify,
				  qp_modify_attrs),
	[UVERBS_ACTION_QP_QUERY] =
		UVERBS_STD_ACTION("QP_QUERY", uverbs_qp_query, qp_query_attrs),
	[UVERBS_ACTION_QP_DESTROY] =
		UVERBS_STD_ACTION("QP_DESTROY", uverbs_qp_destroy,
				  qp_destroy_attrs),
	[UVERBS_ACTION_QP_POST_SEND] =
		UVERBS_STD_ACTION_USER_MEMORY("QP_POST_SEND",
					      uverbs_qp_post_send,
					      qp_post_send_attrs),
	[UVERBS_ACTION_QP_POST_RECV] =
		UVERBS_STD_ACTION_USER_MEMORY("QP_POST_RECV",
					      uverbs_qp_post_recv,
					      qp_post_recv_attrs),
};

const struct uverbs_type uverbs_qp_type = {
	.name = "QP",
	.actions = qp_actions,
	.num_actions = ARRAY_SIZE(qp_actions),
	.obj = &qp_obj_type,
};
