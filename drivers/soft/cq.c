// SPDX-License-Identifier: MIT
/*
 * Completion queues: a ring of struct ib_uverbs_wc whose size is the
 * requested cqe rounded up to a power of two.  Filling and polling it,
 * and arming it, are the data path's.
 */
#include "soft.h"

struct ib_cq *soft_cq_create(struct ib_ucontext *uctx,
			     const struct ib_uverbs_cq_create_cmd *cmd,
			     struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(uctx->device);
	const struct soft_attach *ring;
	struct soft_cq *scq;
	u32 cqe;
	int ret;

	if (!cmd->cqe || cmd->cqe > sdev->attr.max_cqe) {
		uverbs_set_error("CQ_CREATE: cqe %u outside 1..%u (device max_cqe)",
				 cmd->cqe, sdev->attr.max_cqe);
		return ERR_PTR(-EINVAL);
	}
	cqe = soft_roundup_pow2(cmd->cqe);
	if (!soft_count_get(&sdev->num_cq, sdev->attr.max_cq)) {
		uverbs_set_error("CQ_CREATE: the device has max_cq %u CQs already",
				 sdev->attr.max_cq);
		return ERR_PTR(-ENOMEM);
	}
	scq = kzalloc(sizeof(*scq));
	if (!scq) {
		ret = -ENOMEM;
		goto err_count;
	}
	soft_charge_init(&scq->charge, uctx, UVERBS_TYPE_CQ);
	ret = soft_charge_add(&scq->charge, (u64)cqe * sizeof(*scq->ring));
	if (ret)
		goto err_free;
	scq->ring = kcalloc(cqe, sizeof(*scq->ring));
	if (!scq->ring) {
		ret = -ENOMEM;
		goto err_charge;
	}
	spin_lock_init(&scq->lock);
	scq->ibcq.cqe = cqe;
	scq->ibcq.user_handle = cmd->user_handle;
	scq->ibcq.comp_vector = cmd->comp_vector;
	scq->ibcq.device = uctx->device;
	/* SOFT_CQ_CREATE_RING: the shared ring at once. */
	ring = vendor ? uverbs_attr_in(vendor, SOFT_CQ_CREATE_RING &
						   ~UVERBS_VENDOR_FLAG) :
			NULL;
	if (ring) {
		ret = ring->reserved ? -EINVAL : soft_attach_cq(scq, ring->fd);
		if (ret)
			goto err_ring;
	}
	return &scq->ibcq;

err_ring:
	spin_lock_destroy(&scq->lock);
	kfree(scq->ring);
err_charge:
	soft_charge_sub(&scq->charge, scq->charge.bytes);
err_free:
	kfree(scq);
err_count:
	atomic_dec(&sdev->num_cq);
	return ERR_PTR(ret);
}

int soft_cq_resize(struct ib_cq *cq, u32 cqe)
{
	struct soft_cq *scq = to_soft_cq(cq);
	struct ib_uverbs_wc *ring, *old;
	u32 size = soft_roundup_pow2(cqe), n, i;
	u64 old_bytes = (u64)cq->cqe * sizeof(*ring);
	int ret;

	/* The client sized its memfd for the old ring. */
	if (READ_ONCE(scq->uring)) {
		uverbs_set_error("CQ_RESIZE: the CQ has a shared ring (SOFT_ATTACH), whose size is fixed");
		return -EOPNOTSUPP;
	}
	/* Both rings exist while the completions move: both are charged. */
	ret = soft_charge_add(&scq->charge, (u64)size * sizeof(*ring));
	if (ret)
		return ret;
	ring = kcalloc(size, sizeof(*ring));
	if (!ring) {
		soft_charge_sub(&scq->charge, (u64)size * sizeof(*ring));
		return -ENOMEM;
	}
	spin_lock(&scq->lock);
	n = scq->tail - scq->head;
	if (n > size) {
		spin_unlock(&scq->lock);
		kfree(ring);
		soft_charge_sub(&scq->charge, (u64)size * sizeof(*ring));
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		ring[i] = scq->ring[(scq->head + i) & (cq->cqe - 1)];
	old = scq->ring;
	scq->ring = ring;
	scq->head = 0;
	scq->tail = n;
	cq->cqe = size;
	/* Room again: a later overrun is reported again. */
	scq->overflow = false;
	spin_unlock(&scq->lock);
	kfree(old);
	soft_charge_sub(&scq->charge, old_bytes);
	return 0;
}

int soft_cq_destroy(struct ib_cq *cq)
{
	struct soft_device *sdev = to_soft_dev(cq->device);
	struct soft_cq *scq = to_soft_cq(cq);

	/* A completion being added (under the lock) finishes first. */
	spin_lock(&scq->lock);
	spin_unlock(&scq->lock);
	soft_ring_cq_detach(scq);
	spin_lock_destroy(&scq->lock);
	kfree(scq->ring);
	soft_charge_sub(&scq->charge, scq->charge.bytes);
	kfree(scq);
	atomic_dec(&sdev->num_cq);
	return 0;
}
