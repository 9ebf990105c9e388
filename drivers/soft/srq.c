// SPDX-License-Identifier: MIT
/*
 * Shared receive queues: a receive queue of its own capacity that QPs
 * draw from.  MODIFY grows it (never shrinks) and arms its limit event.
 */
#include "soft.h"

static u32 soft_srq_stride(u32 max_sge)
{
	return sizeof(struct soft_recv_wqe) +
	       max_sge * sizeof(struct ib_uverbs_sge);
}

struct ib_srq *soft_srq_create(struct ib_pd *pd,
			       const struct ib_uverbs_srq_create_cmd *cmd,
			       struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(pd->device);
	struct soft_srq *ssrq;
	u32 max_wr, max_sge;
	int ret;

	if (!cmd->max_wr || cmd->max_wr > sdev->attr.max_srq_wr ||
	    cmd->max_sge > sdev->attr.max_srq_sge ||
	    cmd->srq_limit >= cmd->max_wr) {
		uverbs_set_error("SRQ_CREATE: max_wr %u (1..%u), max_sge %u (max %u), srq_limit %u (< max_wr): out of range",
				 cmd->max_wr, sdev->attr.max_srq_wr,
				 cmd->max_sge, sdev->attr.max_srq_sge,
				 cmd->srq_limit);
		return ERR_PTR(-EINVAL);
	}
	max_wr = soft_roundup_pow2(cmd->max_wr);
	max_sge = max_t(u32, cmd->max_sge, 1);
	if (!soft_count_get(&sdev->num_srq, sdev->attr.max_srq)) {
		uverbs_set_error("SRQ_CREATE: the device has max_srq %u SRQs already",
				 sdev->attr.max_srq);
		return ERR_PTR(-ENOMEM);
	}
	ssrq = kzalloc(sizeof(*ssrq));
	if (!ssrq) {
		ret = -ENOMEM;
		goto err_count;
	}
	soft_charge_init(&ssrq->charge,
			 pd->uobject ? pd->uobject->context : NULL,
			 UVERBS_TYPE_SRQ);
	ret = soft_charge_add(&ssrq->charge,
			      (u64)max_wr * soft_srq_stride(max_sge));
	if (ret)
		goto err_free;
	ret = soft_queue_init(&ssrq->rq, max_wr, soft_srq_stride(max_sge),
			      max_sge);
	if (ret)
		goto err_charge;
	ssrq->ibsrq.device = pd->device;
	ssrq->ibsrq.pd = pd;
	ssrq->ibsrq.user_handle = cmd->user_handle;
	ssrq->ibsrq.max_wr = max_wr;
	ssrq->ibsrq.max_sge = max_sge;
	ssrq->ibsrq.srq_limit = cmd->srq_limit;
	ssrq->limit_armed = cmd->srq_limit != 0;
	return &ssrq->ibsrq;

err_charge:
	soft_charge_sub(&ssrq->charge, ssrq->charge.bytes);
err_free:
	kfree(ssrq);
err_count:
	atomic_dec(&sdev->num_srq);
	return ERR_PTR(ret);
}

/*
 * A MAX_WR that grows the queue: the pending WRs move to a new ring at
 * the same free-running indexes.
 */
int soft_srq_modify(struct ib_srq *srq,
		    const struct ib_uverbs_srq_modify_cmd *cmd)
{
	struct soft_device *sdev = to_soft_dev(srq->device);
	struct soft_srq *ssrq = to_soft_srq(srq);
	struct soft_queue *q = &ssrq->rq;
	u32 max_wr = srq->max_wr, i;
	u8 *buf = NULL, *old;
	u64 old_bytes = (u64)srq->max_wr * q->stride;
	int ret;

	if (!cmd->attr_mask ||
	    (cmd->attr_mask & ~(IB_UVERBS_SRQ_MAX_WR | IB_UVERBS_SRQ_LIMIT))) {
		uverbs_set_error("SRQ_MODIFY: attr_mask 0x%x: MAX_WR and/or LIMIT, nothing else",
				 cmd->attr_mask);
		return -EINVAL;
	}
	if (cmd->attr_mask & IB_UVERBS_SRQ_MAX_WR) {
		/* Grow only: a smaller queue could strand posted WRs. */
		if (cmd->max_wr < srq->max_wr) {
			uverbs_set_error("SRQ_MODIFY: max_wr %u < the queue's %u: the soft device only grows an SRQ",
					 cmd->max_wr, srq->max_wr);
			return -EINVAL;
		}
		if (cmd->max_wr > sdev->attr.max_srq_wr) {
			uverbs_set_error("SRQ_MODIFY: max_wr %u > device max %u",
					 cmd->max_wr, sdev->attr.max_srq_wr);
			return -EINVAL;
		}
		max_wr = soft_roundup_pow2(cmd->max_wr);
	}
	/* The limit is below the depth, as the core checks it too. */
	if ((cmd->attr_mask & IB_UVERBS_SRQ_LIMIT) && cmd->srq_limit >= max_wr) {
		uverbs_set_error("SRQ_MODIFY: srq_limit %u >= max_wr %u",
				 cmd->srq_limit, max_wr);
		return -EINVAL;
	}
	if (max_wr != srq->max_wr) {
		/* Both queues exist while the WRs move: both are charged. */
		ret = soft_charge_add(&ssrq->charge, (u64)max_wr * q->stride);
		if (ret)
			return ret;
		buf = kcalloc(max_wr, q->stride);
		if (!buf) {
			soft_charge_sub(&ssrq->charge,
					(u64)max_wr * q->stride);
			return -ENOMEM;
		}
	}

	spin_lock(&q->lock);
	old = q->buf;
	if (buf) {
		for (i = q->head; i != q->tail; i++)
			memcpy(buf + (size_t)(i & (max_wr - 1)) * q->stride,
			       soft_queue_entry(q, i), q->stride);
		q->buf = buf;
		q->max_wr = max_wr;
		srq->max_wr = max_wr;
	}
	if (cmd->attr_mask & IB_UVERBS_SRQ_LIMIT) {
		srq->srq_limit = cmd->srq_limit;
		ssrq->limit_armed = cmd->srq_limit != 0;
	}
	spin_unlock(&q->lock);
	if (buf) {
		kfree(old);
		soft_charge_sub(&ssrq->charge, old_bytes);
	}
	return 0;
}

int soft_srq_destroy(struct ib_srq *srq)
{
	struct soft_device *sdev = to_soft_dev(srq->device);
	struct soft_srq *ssrq = to_soft_srq(srq);

	soft_queue_cleanup(&ssrq->rq);
	soft_charge_sub(&ssrq->charge, ssrq->charge.bytes);
	kfree(ssrq);
	atomic_dec(&sdev->num_srq);
	return 0;
}
