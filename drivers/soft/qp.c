// SPDX-License-Identifier: MIT
/*
 * Queue pairs: creation (queues of fixed capacity, a QPN, registration in
 * the fabric), MODIFY (the attributes the data path needs, kept under the
 * QP's lock), destruction.  Also the work queue helpers SRQs share.
 */
#include "soft.h"

/**
 * soft_queue_init() - a work queue of @max_wr entries of @stride bytes
 * @max_wr: 0 or a power of two
 * Return: 0 or -ENOMEM.
 */
int soft_queue_init(struct soft_queue *q, u32 max_wr, u32 stride, u32 max_sge)
{
	memset(q, 0, sizeof(*q));
	if (max_wr) {
		q->buf = kcalloc(max_wr, stride);
		if (!q->buf)
			return -ENOMEM;
	}
	spin_lock_init(&q->lock);
	q->stride = stride;
	q->max_wr = max_wr;
	q->max_sge = max_sge;
	return 0;
}

void soft_queue_cleanup(struct soft_queue *q)
{
	spin_lock_destroy(&q->lock);
	kfree(q->buf);
	q->buf = NULL;
}

/* RESET empties a queue; ERR makes the data path flush it. */
static void soft_queue_reset(struct soft_queue *q)
{
	spin_lock(&q->lock);
	q->head = 0;
	q->tail = 0;
	q->flush = false;
	spin_unlock(&q->lock);
}

static void soft_queue_set_flush(struct soft_queue *q)
{
	spin_lock(&q->lock);
	q->flush = true;
	spin_unlock(&q->lock);
}

/* The caps a QP really gets for @want: EINVAL beyond the limits. */
static int soft_qp_caps(struct soft_device *sdev,
			const struct ib_uverbs_qp_cap *want,
			struct ib_uverbs_qp_cap *cap)
{
	const struct ib_uverbs_query_device_resp *a = &sdev->attr;
	u32 room;

	if (want->max_send_wr > a->max_qp_wr ||
	    want->max_recv_wr > a->max_qp_wr) {
		uverbs_set_error("QP_CREATE: max_%s_wr %u > device max %u",
				 want->max_send_wr > a->max_qp_wr ? "send" : "recv",
				 max_t(u32, want->max_send_wr, want->max_recv_wr),
				 a->max_qp_wr);
		return -EINVAL;
	}
	if (want->max_send_sge > a->max_sge ||
	    want->max_recv_sge > a->max_sge) {
		uverbs_set_error("QP_CREATE: max_%s_sge %u > device max %u",
				 want->max_send_sge > a->max_sge ? "send" : "recv",
				 max_t(u32, want->max_send_sge, want->max_recv_sge),
				 a->max_sge);
		return -EINVAL;
	}
	if (want->max_inline_data > a->max_inline_data) {
		uverbs_set_error("QP_CREATE: max_inline_data %u > device max %u",
				 want->max_inline_data, a->max_inline_data);
		return -EINVAL;
	}
	memset(cap, 0, sizeof(*cap));
	/* Limits are powers of two (soft_device_create), so these fit. */
	cap->max_send_wr = soft_roundup_pow2(want->max_send_wr);
	cap->max_recv_wr = soft_roundup_pow2(want->max_recv_wr);
	/* A queue that exists holds at least one SGE per WR. */
	if (cap->max_send_wr) {
		cap->max_send_sge = max_t(u32, want->max_send_sge, 1);
		/* Inline payload shares the SGEs' room in a send WQE. */
		room = cap->max_send_sge * (u32)sizeof(struct ib_uverbs_sge);
		cap->max_inline_data = min_t(u32,
					     max_t(u32, want->max_inline_data,
						   room),
					     a->max_inline_data);
	}
	if (cap->max_recv_wr)
		cap->max_recv_sge = max_t(u32, want->max_recv_sge, 1);
	return 0;
}

/*
 * Bytes per send queue entry, rounded up so that every entry is aligned
 * as struct soft_send_wqe must be (an inline size such as 33 would leave
 * odd entries misaligned).
 */
static u32 soft_send_stride(const struct ib_uverbs_qp_cap *cap)
{
	const u32 align = __alignof__(struct soft_send_wqe);
	u32 data = max_t(u32, cap->max_send_sge * sizeof(struct ib_uverbs_sge),
			 cap->max_inline_data);

	_Static_assert(sizeof(struct soft_send_wqe) %
			       __alignof__(struct soft_send_wqe) == 0,
		       "entries start aligned");
	return (sizeof(struct soft_send_wqe) + data + align - 1) & ~(align - 1);
}

static u32 soft_recv_stride(u32 max_sge)
{
	return sizeof(struct soft_recv_wqe) +
	       max_sge * sizeof(struct ib_uverbs_sge);
}

struct ib_qp *soft_qp_create(struct ib_pd *pd,
			     const struct ib_uverbs_qp_create_cmd *cmd,
			     struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(pd->device);
	struct ib_uverbs_qp_cap cap;
	u32 send_stride, recv_stride;
	struct soft_qp *sqp;
	int ret;

	switch (cmd->qp_type) {
	case IB_UVERBS_QPT_RC:
	case IB_UVERBS_QPT_UC:
	case IB_UVERBS_QPT_UD:
		break;
	default:
		uverbs_set_error("QP_CREATE: qp_type %u is not RC, UC or UD",
				 cmd->qp_type);
		return ERR_PTR(-EINVAL);
	}
	ret = soft_qp_caps(sdev, &cmd->cap, &cap);
	if (ret)
		return ERR_PTR(ret);
	if (!soft_count_get(&sdev->num_qp, sdev->attr.max_qp)) {
		uverbs_set_error("QP_CREATE: the device has max_qp %u QPs already",
				 sdev->attr.max_qp);
		return ERR_PTR(-ENOMEM);
	}
	sqp = kzalloc(sizeof(*sqp));
	if (!sqp) {
		ret = -ENOMEM;
		goto err_count;
	}
	send_stride = soft_send_stride(&cap);
	recv_stride = soft_recv_stride(cap.max_recv_sge);
	soft_charge_init(&sqp->charge, pd->uobject ? pd->uobject->context : NULL,
			 UVERBS_TYPE_QP);
	ret = soft_charge_add(&sqp->charge,
			      (u64)cap.max_send_wr * send_stride +
				      (u64)cap.max_recv_wr * recv_stride);
	if (ret)
		goto err_free;
	ret = soft_queue_init(&sqp->sq, cap.max_send_wr, send_stride,
			      cap.max_send_sge);
	if (ret)
		goto err_charge;
	ret = soft_queue_init(&sqp->rq, cap.max_recv_wr, recv_stride,
			      cap.max_recv_sge);
	if (ret)
		goto err_sq;
	spin_lock_init(&sqp->lock);
	mutex_init(&sqp->resp_lock);
	kref_init(&sqp->ref);
	INIT_DELAYED_WORK(&sqp->rnr_work, soft_rnr_work);
	INIT_DELAYED_WORK(&sqp->roce.rd_work, soft_roce_rd_work);
	INIT_LIST_HEAD(&sqp->hash);
	sqp->sdev = sdev;
	sqp->attr.qp_state = IB_UVERBS_QPS_RESET;
	sqp->ibqp.device = pd->device;
	sqp->ibqp.pd = pd;
	sqp->ibqp.user_handle = cmd->user_handle;
	sqp->ibqp.qp_type = cmd->qp_type;
	sqp->ibqp.sq_sig_all = !!cmd->sq_sig_all;
	sqp->ibqp.cap = cap;
	sqp->ibqp.attr.qp_state = IB_UVERBS_QPS_RESET;

	/* Sets the QPN; the QP is visible to the fabric from here on. */
	ret = soft_fabric_qp_add(sdev, sqp);
	if (ret)
		goto err_rq;
	return &sqp->ibqp;

err_rq:
	mutex_destroy(&sqp->resp_lock);
	spin_lock_destroy(&sqp->lock);
	soft_queue_cleanup(&sqp->rq);
err_sq:
	soft_queue_cleanup(&sqp->sq);
err_charge:
	soft_charge_sub(&sqp->charge, sqp->charge.bytes);
err_free:
	kfree(sqp);
err_count:
	atomic_dec(&sdev->num_qp);
	return ERR_PTR(ret);
}

/* What modify_qp refuses even after the core's checks. */
static int soft_qp_modify_check(struct soft_qp *sqp,
				const struct ib_uverbs_qp_attr *attr)
{
	struct soft_device *sdev = sqp->sdev;
	u32 mask = attr->attr_mask;

	if (mask & IB_UVERBS_QP_CAP) {
		uverbs_set_error("QP_MODIFY: CAP: the soft device does not resize queues");
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_STATE) &&
	    attr->qp_state > IB_UVERBS_QPS_ERR) {
		uverbs_set_error("QP_MODIFY: qp_state %u is not a state",
				 attr->qp_state);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_PORT) &&
	    (attr->port_num < 1 || attr->port_num > sdev->num_ports)) {
		uverbs_set_error("QP_MODIFY: port_num %u outside 1..%u",
				 attr->port_num, sdev->num_ports);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_PKEY_INDEX) &&
	    attr->pkey_index >= sdev->num_pkeys) {
		uverbs_set_error("QP_MODIFY: pkey_index %u >= %u P_Keys",
				 attr->pkey_index, sdev->num_pkeys);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_PATH_MTU) &&
	    (attr->path_mtu < IB_UVERBS_MTU_256 ||
	     attr->path_mtu > IB_UVERBS_MTU_4096)) {
		uverbs_set_error("QP_MODIFY: path_mtu %u outside %u..%u",
				 attr->path_mtu, IB_UVERBS_MTU_256,
				 IB_UVERBS_MTU_4096);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_MAX_QP_RD_ATOMIC) &&
	    attr->max_rd_atomic > sdev->attr.max_qp_init_rd_atom) {
		uverbs_set_error("QP_MODIFY: max_rd_atomic %u > device max %u",
				 attr->max_rd_atomic,
				 sdev->attr.max_qp_init_rd_atom);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_MAX_DEST_RD_ATOMIC) &&
	    attr->max_dest_rd_atomic > sdev->attr.max_qp_rd_atom) {
		uverbs_set_error("QP_MODIFY: max_dest_rd_atomic %u > device max %u",
				 attr->max_dest_rd_atomic,
				 sdev->attr.max_qp_rd_atom);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_DEST_QPN) &&
	    attr->dest_qp_num > SOFT_QPN_MASK) {
		uverbs_set_error("QP_MODIFY: dest_qp_num 0x%x > 0x%x (24 bits)",
				 attr->dest_qp_num, SOFT_QPN_MASK);
		return -EINVAL;
	}
	/* A RoCEv2 path is routed by its GRH: RC and UC need one. */
	if ((mask & IB_UVERBS_QP_AV) && !attr->ah_attr.is_global &&
	    (sqp->ibqp.qp_type == IB_UVERBS_QPT_RC ||
	     sqp->ibqp.qp_type == IB_UVERBS_QPT_UC) &&
	    soft_port_is_roce(sdev, (mask & IB_UVERBS_QP_PORT) ?
			      attr->port_num : sqp->attr.port_num)) {
		uverbs_set_error("QP_MODIFY: ah_attr: port %u is RoCE: is_global (a GRH) is required",
				 (mask & IB_UVERBS_QP_PORT) ? attr->port_num :
				 sqp->attr.port_num);
		return -EINVAL;
	}
	/* PSNs are 24 bits, like QPNs. */
	if ((mask & IB_UVERBS_QP_RQ_PSN) && (attr->rq_psn & ~SOFT_QPN_MASK)) {
		uverbs_set_error("QP_MODIFY: rq_psn 0x%x > 0x%x (24 bits)",
				 attr->rq_psn, SOFT_QPN_MASK);
		return -EINVAL;
	}
	if ((mask & IB_UVERBS_QP_SQ_PSN) && (attr->sq_psn & ~SOFT_QPN_MASK)) {
		uverbs_set_error("QP_MODIFY: sq_psn 0x%x > 0x%x (24 bits)",
				 attr->sq_psn, SOFT_QPN_MASK);
		return -EINVAL;
	}
	return 0;
}

int soft_qp_modify(struct ib_qp *qp, const struct ib_uverbs_qp_attr *attr)
{
	struct soft_qp *sqp = to_soft_qp(qp);
	struct ib_uverbs_qp_attr *cur = &sqp->attr;
	u32 mask = attr->attr_mask;
	u8 state = 0xff;
	int ret;

	ret = soft_qp_modify_check(sqp, attr);
	if (ret)
		return ret;

	spin_lock(&sqp->lock);
	if (mask & IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY)
		cur->en_sqd_async_notify = attr->en_sqd_async_notify;
	if (mask & IB_UVERBS_QP_ACCESS_FLAGS)
		cur->qp_access_flags = attr->qp_access_flags;
	if (mask & IB_UVERBS_QP_PKEY_INDEX)
		cur->pkey_index = attr->pkey_index;
	if (mask & IB_UVERBS_QP_PORT)
		cur->port_num = attr->port_num;
	if (mask & IB_UVERBS_QP_QKEY)
		cur->qkey = attr->qkey;
	if (mask & IB_UVERBS_QP_AV)
		cur->ah_attr = attr->ah_attr;
	if (mask & IB_UVERBS_QP_PATH_MTU)
		cur->path_mtu = attr->path_mtu;
	if (mask & IB_UVERBS_QP_TIMEOUT)
		cur->timeout = attr->timeout;
	if (mask & IB_UVERBS_QP_RETRY_CNT)
		cur->retry_cnt = attr->retry_cnt;
	if (mask & IB_UVERBS_QP_RNR_RETRY)
		cur->rnr_retry = attr->rnr_retry;
	if (mask & IB_UVERBS_QP_RQ_PSN) {
		cur->rq_psn = attr->rq_psn;
		sqp->resp_psn = attr->rq_psn;
	}
	if (mask & IB_UVERBS_QP_MAX_QP_RD_ATOMIC)
		cur->max_rd_atomic = attr->max_rd_atomic;
	if (mask & IB_UVERBS_QP_ALT_PATH) {
		cur->alt_ah_attr = attr->alt_ah_attr;
		cur->alt_pkey_index = attr->alt_pkey_index;
		cur->alt_port_num = attr->alt_port_num;
		cur->alt_timeout = attr->alt_timeout;
	}
	if (mask & IB_UVERBS_QP_MIN_RNR_TIMER)
		cur->min_rnr_timer = attr->min_rnr_timer;
	if (mask & IB_UVERBS_QP_SQ_PSN) {
		cur->sq_psn = attr->sq_psn;
		sqp->req_psn = attr->sq_psn;
	}
	if (mask & IB_UVERBS_QP_MAX_DEST_RD_ATOMIC)
		cur->max_dest_rd_atomic = attr->max_dest_rd_atomic;
	if (mask & IB_UVERBS_QP_PATH_MIG_STATE)
		cur->path_mig_state = attr->path_mig_state;
	if (mask & IB_UVERBS_QP_DEST_QPN)
		cur->dest_qp_num = attr->dest_qp_num;
	if (mask & IB_UVERBS_QP_STATE) {
		cur->cur_qp_state = cur->qp_state;
		cur->qp_state = attr->qp_state;
		state = attr->qp_state;
		soft_direct_state(sqp, state);
		/* RESET forgets the connection, PSNs included. */
		if (state == IB_UVERBS_QPS_RESET)
			sqp->req_psn = sqp->resp_psn = 0;
	}
	cur->attr_mask |= mask;
	spin_unlock(&sqp->lock);

	/* sqp->lock is a leaf: the queues are handled after it. */
	if (state == IB_UVERBS_QPS_RESET) {
		soft_queue_reset(&sqp->sq);
		soft_queue_reset(&sqp->rq);
	} else if (state == IB_UVERBS_QPS_ERR) {
		soft_queue_set_flush(&sqp->sq);
		soft_queue_set_flush(&sqp->rq);
		soft_qp_flush(sqp);
		/* IB: an SRQ's QP entering ERR reports its last WQE. */
		if (sqp->ibqp.srq)
			soft_qp_event(sqp,
				      IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
	}
	/* A UD QP's P_Key and Q_Key, for its direct senders. */
	soft_direct_ud_attrs(sqp);
	if (state != 0xff)
		soft_roce_qp_modify(sqp, state);
	/* The direct path's decision (RTR), or its end (RESET, ERR). */
	if (state != 0xff)
		soft_direct_modify(sqp, state);
	/* A DIRECT peer checks the access flags itself. */
	if (mask & IB_UVERBS_QP_ACCESS_FLAGS)
		soft_direct_access(sqp);
	/* WQEs in its rings may wait for this state: its NIC looks. */
	if (state != 0xff)
		soft_ring_qp_kick(sqp, false);
	return 0;
}

static void soft_qp_release(struct kref *ref)
{
	struct soft_qp *sqp = container_of(ref, struct soft_qp, ref);

	soft_roce_qp_free(sqp);
	mutex_destroy(&sqp->resp_lock);
	spin_lock_destroy(&sqp->lock);
	soft_queue_cleanup(&sqp->sq);
	soft_queue_cleanup(&sqp->rq);
	kfree(sqp);
}

/**
 * soft_qp_put() - drop a reference from a fabric lookup
 * @sqp: the QP; freed with its last reference
 */
void soft_qp_put(struct soft_qp *sqp)
{
	kref_put(&sqp->ref, soft_qp_release);
}

int soft_qp_destroy(struct ib_qp *qp)
{
	struct soft_qp *sqp = to_soft_qp(qp);
	struct soft_device *sdev = sqp->sdev;
	bool connected;

	/* The NIC first: it queues and runs WRs of the QP. */
	soft_ring_qp_detach(sqp);
	/* No lookup finds it now; one in flight sees it flushing. */
	soft_fabric_qp_del(sdev, sqp);
	spin_lock(&sqp->lock);
	connected = sqp->attr.qp_state == IB_UVERBS_QPS_RTR ||
		    sqp->attr.qp_state == IB_UVERBS_QPS_RTS ||
		    sqp->attr.qp_state == IB_UVERBS_QPS_SQD;
	sqp->attr.qp_state = IB_UVERBS_QPS_ERR;
	soft_direct_state(sqp, IB_UVERBS_QPS_ERR);
	spin_unlock(&sqp->lock);
	/*
	 * Wait out the engine: a request executing on it as the responder
	 * (resp_lock), its own send queue being processed (sq.lock).  After
	 * this nothing touches its queues or CQs: @dead stops both sides.
	 */
	mutex_lock(&sqp->resp_lock);
	WRITE_ONCE(sqp->dead, true);
	mutex_unlock(&sqp->resp_lock);
	/* Its peer may still retry what it executed (a lost last ACK). */
	if (connected)
		soft_roce_linger_add(sqp);
	spin_lock(&sqp->sq.lock);
	sqp->sq.flush = true;
	spin_unlock(&sqp->sq.lock);
	/* @dead and sq.lock stop new retries; wait out one running. */
	cancel_delayed_work_sync(&sqp->rnr_work);
	cancel_delayed_work_sync(&sqp->roce.rd_work);
	soft_queue_set_flush(&sqp->rq);
	atomic_dec(&sdev->num_qp);
	/* Lookups in flight may keep the struct a while; the file's books
	 * forget its queues now. */
	soft_charge_sub(&sqp->charge, sqp->charge.bytes);
	soft_qp_put(sqp);
	return 0;
}

void soft_qp_event(struct soft_qp *sqp, u32 event_type)
{
	if (ib_uverbs_object_event(sqp->ibqp.uobject, event_type,
				   sqp->ibqp.user_handle,
				   &sqp->ibqp.events_reported))
		pr_warn("soft: QP %u: async event %u lost", sqp->ibqp.qp_num,
			event_type);
}

/*
 * SOFT_INJECT_QP_FATAL: a catastrophic error of the QP.  The QP moves to
 * ERR and flushes as after MODIFY to ERR, then QP_FATAL is queued; an
 * SRQ's QP also reports its last WQE (no receive is in progress).
 */
void soft_qp_fatal(struct soft_qp *sqp)
{
	soft_qp_set_err(sqp);
	soft_queue_set_flush(&sqp->sq);
	soft_queue_set_flush(&sqp->rq);
	soft_qp_flush(sqp);
	soft_direct_err(sqp);
	soft_qp_event(sqp, IB_UVERBS_EVENT_QP_FATAL);
	if (sqp->ibqp.srq)
		soft_qp_event(sqp, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
}

/* SOFT_VENDOR_QP_COUNTERS: a consistent snapshot. */
void soft_qp_counters_read(struct soft_qp *sqp, struct soft_qp_counters *out)
{
	spin_lock(&sqp->lock);
	*out = sqp->counters;
	spin_unlock(&sqp->lock);
}
