// SPDX-License-Identifier: MIT
/*
 * Shared receive queues: a receive queue of its own capacity that QPs
 * draw from.  MODIFY grows it (never shrinks) and arms its limit event.
 *
 * An SRQ may have a ring in the client's memory (SOFT_ATTACH_SRQ,
 * struct soft_ring_srq_ctrl): the client posts there, and the receives
 * are taken one at a time, each by whichever side needs it at the time
 * (the device for a relayed QP's message, the client for a DIRECT QP's
 * record): a compare-and-swap of the ring's consumer index decides, so
 * that no receive is lost, taken twice or taken out of turn.  Nothing in
 * the ring is trusted: an index beyond the ring or a WQE the SRQ cannot
 * take breaks the SRQ (SRQ_ERR, once), never the device.
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
		/* The ring's slots are the client's: it cannot grow. */
		if (READ_ONCE(ssrq->uring) && max_wr > ssrq->uentries) {
			uverbs_set_error("SRQ_MODIFY: max_wr %u > the %u entries of the SRQ's ring",
					 cmd->max_wr, ssrq->uentries);
			return -EINVAL;
		}
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
		if (ssrq->uring)
			__atomic_store_n(&ssrq->uring->limit, cmd->srq_limit,
					 __ATOMIC_SEQ_CST);
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
	if (ssrq->uring)
		compat_unmap_shared(ssrq->uring, ssrq->umap_len);
	kfree(ssrq->ubuf);
	soft_charge_sub(&ssrq->charge, ssrq->charge.bytes);
	kfree(ssrq);
	atomic_dec(&sdev->num_srq);
	return 0;
}

void soft_srq_event(struct soft_srq *ssrq, u32 event)
{
	if (ib_uverbs_object_event(ssrq->ibsrq.uobject, event,
				   ssrq->ibsrq.user_handle,
				   &ssrq->ibsrq.events_reported))
		pr_warn("soft: SRQ event %u lost: out of memory", event);
}

/**
 * soft_attach_srq() - SOFT_ATTACH_SRQ: the SRQ's receives move to a ring
 * @sctx: the SRQ's context, its doorbell attached
 * @ssrq: the SRQ, no receive posted to it yet
 * @fd: the client's memfd, its entries written
 *
 * Return: 0, -EINVAL (no doorbell, entries out of range, not a sealed
 * memfd that large), -EBUSY (a ring already, or receives posted), or
 * -ENOMEM; the reason is set.
 */
int soft_attach_srq(struct soft_ucontext *sctx, struct soft_srq *ssrq,
		    int fd)
{
	struct soft_device *sdev = to_soft_dev(ssrq->ibsrq.device);
	u32 max = soft_roundup_pow2(sdev->attr.max_srq_wr), n;
	u32 stride = soft_ring_srq_stride(ssrq->rq.max_sge);
	struct soft_ring_srq_ctrl *c;
	struct soft_ring_recv *buf;
	size_t len;

	if (!smp_load_acquire(&sctx->nic)) {
		uverbs_set_error("VENDOR_ATTACH: attach the context's doorbell first");
		return -EINVAL;
	}
	c = compat_map_shared(current_mm, fd, sizeof(*c));
	if (IS_ERR(c))
		return (int)PTR_ERR(c);
	/* Read once: the client may change its page at any time. */
	n = READ_ONCE(c->entries);
	compat_unmap_shared(c, sizeof(*c));
	spin_lock(&ssrq->rq.lock);
	if (n < ssrq->ibsrq.max_wr || n > max || (n & (n - 1))) {
		spin_unlock(&ssrq->rq.lock);
		uverbs_set_error("VENDOR_ATTACH: SRQ ring entries %u: not a power of two within %u..%u",
				 n, ssrq->ibsrq.max_wr, max);
		return -EINVAL;
	}
	spin_unlock(&ssrq->rq.lock);
	len = soft_ring_srq_size(n, ssrq->rq.max_sge);
	buf = kmalloc(stride);
	if (!buf)
		return -ENOMEM;
	c = compat_map_shared(current_mm, fd, len);
	if (IS_ERR(c)) {
		kfree(buf);
		return (int)PTR_ERR(c);
	}
	spin_lock(&ssrq->rq.lock);
	if (ssrq->uring || ssrq->rq.head != ssrq->rq.tail) {
		spin_unlock(&ssrq->rq.lock);
		compat_unmap_shared(c, len);
		kfree(buf);
		uverbs_set_error(ssrq->uring ?
				 "VENDOR_ATTACH: the SRQ has its ring already" :
				 "VENDOR_ATTACH: receives were posted to the SRQ already");
		return -EBUSY;
	}
	ssrq->umap_len = len;
	ssrq->uentries = n;
	ssrq->ustride = stride;
	ssrq->ubuf = buf;
	ssrq->ubroken = false;
	__atomic_store_n(&c->limit,
			 ssrq->limit_armed ? ssrq->ibsrq.srq_limit : 0,
			 __ATOMIC_SEQ_CST);
	smp_store_release(&ssrq->uring, c);
	spin_unlock(&ssrq->rq.lock);
	return 0;
}

bool soft_srq_has_ring(struct ib_srq *srq)
{
	return srq && smp_load_acquire(&to_soft_srq(srq)->uring);
}

/* Receives posted in the ring, as its indexes say (0 if they lie). */
static u32 soft_srq_ring_count(struct soft_srq *ssrq)
{
	struct soft_ring_srq_ctrl *c = ssrq->uring;
	u32 n = smp_load_acquire(&c->prod) - READ_ONCE(c->cons);

	return n > ssrq->uentries ? 0 : n;
}

bool soft_srq_ring_pending(struct soft_srq *ssrq)
{
	struct soft_ring_srq_ctrl *c = smp_load_acquire(&ssrq->uring);

	return c && !READ_ONCE(ssrq->ubroken) && soft_srq_ring_count(ssrq);
}

/* Tries before a take that keeps losing its race says "none" (RNR). */
#define SOFT_SRQ_TAKE_TRIES 64

int soft_srq_take(struct soft_srq *ssrq, bool *first)
{
	struct soft_ring_srq_ctrl *c = ssrq->uring;
	struct soft_queue *q = &ssrq->rq;
	u32 prod, cons, i;
	int ret;

	*first = false;
	if (!c)
		return 0;
	if (ssrq->ubroken)
		return -EIO;
	for (i = 0; i < SOFT_SRQ_TAKE_TRIES; i++) {
		cons = __atomic_load_n(&c->cons, __ATOMIC_ACQUIRE);
		prod = smp_load_acquire(&c->prod);
		if (prod == cons)
			return 0;
		if (prod - cons > ssrq->uentries)
			goto broken;
		/* Copied, then claimed: the copy is ours if the swap is. */
		memcpy(ssrq->ubuf,
		       (u8 *)(c + 1) + (size_t)(cons & (ssrq->uentries - 1)) *
					       ssrq->ustride,
		       ssrq->ustride);
		if (!__atomic_compare_exchange_n(&c->cons, &cons, cons + 1,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			continue;
		if (ssrq->ubuf->wr.reserved ||
		    ssrq->ubuf->wr.num_sge > q->max_sge)
			goto broken;
		soft_recv_queue_locked(q, &ssrq->ubuf->wr, 1, ssrq->ubuf->sge,
				       ssrq->ubuf->wr.num_sge, &ret);
		/* @q was empty and num_sge checked: it cannot fail. */
		return ret ? 0 : 1;
	}
	return 0;

broken:
	pr_warn("soft: SRQ %u: its ring is corrupt: SRQ_ERR",
		ssrq->ibsrq.uobject ? ssrq->ibsrq.uobject->id : 0);
	ssrq->ubroken = true;
	*first = true;
	return -EIO;
}

bool soft_srq_limit_due(struct soft_srq *ssrq)
{
	struct soft_queue *q = &ssrq->rq;
	u32 count = q->tail - q->head, l;

	if (!ssrq->limit_armed)
		return false;
	if (!ssrq->uring || ssrq->ubroken) {
		if (count >= ssrq->ibsrq.srq_limit)
			return false;
		ssrq->limit_armed = false;
		return true;
	}
	if (count + soft_srq_ring_count(ssrq) >= ssrq->ibsrq.srq_limit)
		return false;
	/* 0: the client took it below first, and reports it. */
	l = __atomic_load_n(&ssrq->uring->limit, __ATOMIC_SEQ_CST);
	if (!l || !__atomic_compare_exchange_n(&ssrq->uring->limit, &l, 0,
					       false, __ATOMIC_SEQ_CST,
					       __ATOMIC_SEQ_CST))
		return false;
	ssrq->limit_armed = false;
	return true;
}

void soft_srq_limit_report(struct soft_srq *ssrq)
{
	bool due = false;

	spin_lock(&ssrq->rq.lock);
	/* Once per arming of ours, whatever the client says. */
	if (ssrq->uring && ssrq->limit_armed &&
	    !__atomic_load_n(&ssrq->uring->limit, __ATOMIC_SEQ_CST)) {
		ssrq->limit_armed = false;
		due = true;
	}
	spin_unlock(&ssrq->rq.lock);
	if (due)
		soft_srq_event(ssrq, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED);
}

void soft_srq_broken_report(struct soft_srq *ssrq)
{
	bool first = false;

	spin_lock(&ssrq->rq.lock);
	/* Its own SRQ: believed, once. */
	if (ssrq->uring && !ssrq->ubroken) {
		ssrq->ubroken = true;
		first = true;
	}
	spin_unlock(&ssrq->rq.lock);
	if (first)
		soft_srq_event(ssrq, IB_UVERBS_EVENT_SRQ_ERR);
}
