// SPDX-License-Identifier: MIT
/*
 * Shared queues (<rdma/soft_ring.h>): the data path without a command per
 * operation.  SOFT_VENDOR_ATTACH maps a client's memfd; a thread per
 * context, the context's NIC, then serves its QPs' rings as hardware
 * would: it takes send and receive WQEs from them into the QPs' own
 * queues and runs the send queues; completions of a CQ with a ring are
 * written to it (engine.c).
 *
 * Nothing in a shared page is trusted.  A WQE is copied out of the page
 * before it is checked, an index that claims more entries than the ring
 * has is a corrupt ring, and either moves the QP to ERR with QP_FATAL;
 * the device reads and writes only the client's own pages and memory.
 *
 * The NIC polls while there is work and for SOFT_NIC_SPIN_NS after it,
 * yielding the CPU between passes, then sleeps on the doorbell's futex:
 * an idle context costs no CPU, a busy one no system call per WQE.  It
 * never sleeps longer than SOFT_NIC_NAP_US, so a client that scribbles
 * on its doorbell delays only its own teardown, and only that long.
 *
 * Lock order: nic->lock -> what soft.h lists (sq.lock, ...).
 */
#include "soft.h"

#define SOFT_NIC_SPIN_NS (50 * 1000)
#define SOFT_NIC_NAP_US (200 * 1000)
/* WQEs taken from one ring per pass, so that every QP gets its turn. */
#define SOFT_NIC_BATCH 64

enum {
	ATT_FD = SOFT_ATTACH_FD & ~UVERBS_VENDOR_FLAG,
	ATT_QP = SOFT_ATTACH_QP & ~UVERBS_VENDOR_FLAG,
	ATT_CQ = SOFT_ATTACH_CQ & ~UVERBS_VENDOR_FLAG,
};

static struct soft_ring_ctrl *qp_ring(struct soft_qp *sqp, u64 off)
{
	return (struct soft_ring_ctrl *)(sqp->umap + off);
}

/*
 * The QP met a WQE or index it cannot accept: it fails, once; its rings
 * are not looked at again (DESTROY is all that is left to do).  Only the
 * NIC thread calls this, under nic->lock, so @ubroken needs no more.
 */
static void soft_ring_fatal(struct soft_qp *sqp, const char *why)
{
	if (sqp->ubroken)
		return;
	pr_warn("soft: QP %u: %s: QP_FATAL", sqp->ibqp.qp_num, why);
	sqp->ubroken = true;
	soft_qp_fatal(sqp);
}

/* Takes receive WQEs off the QP's RQ ring: true if it took any. */
static bool soft_ring_pull_rq(struct soft_qp *sqp)
{
	const struct soft_ring_qp_layout *l = &sqp->ulayout;
	struct soft_ring_ctrl *c = qp_ring(sqp, l->rq);
	u8 *ents = (u8 *)(c + 1);
	struct soft_ring_recv *e;
	u32 prod, n, taken = 0, max_sge = sqp->rq.max_sge;
	int ret = 0;

	if (sqp->ibqp.srq || !sqp->rq.max_wr)
		return false;
	prod = smp_load_acquire(&c->prod);
	n = prod - sqp->urq_cons;
	if (!n)
		return false;
	if (n > l->rq_entries) {
		soft_ring_fatal(sqp, "RQ producer index beyond the ring");
		return true;
	}
	if (soft_qp_state(sqp) == IB_UVERBS_QPS_RESET)
		return false;
	e = kmalloc(l->rq_stride);
	if (!e)
		return false;	/* tried again on the next pass */
	while (taken < n && taken < SOFT_NIC_BATCH) {
		/* Copied once, then checked: the page may change under us. */
		memcpy(e, ents + (size_t)((sqp->urq_cons + taken) &
					  (l->rq_entries - 1)) * l->rq_stride,
		       l->rq_stride);
		if (e->wr.reserved || e->wr.num_sge > max_sge) {
			ret = -EINVAL;
			break;
		}
		if (!soft_recv_queue(&sqp->rq, &e->wr, 1, e->sge,
				     e->wr.num_sge, &ret))
			break;	/* full (ENOMEM): the rest waits */
		taken++;
	}
	kfree(e);
	sqp->urq_cons += taken;
	smp_store_release(&c->cons, sqp->urq_cons);
	if (taken) {
		spin_lock(&sqp->lock);
		sqp->counters.recv_posted += taken;
		spin_unlock(&sqp->lock);
	}
	if (ret == -EINVAL) {
		soft_ring_fatal(sqp, "malformed receive WQE");
		return true;
	}
	if (soft_qp_state(sqp) == IB_UVERBS_QPS_ERR)
		soft_rq_flush(sqp);
	else if (taken)
		soft_rnr_kick(sqp);
	return taken != 0;
}

/* Takes send WQEs off the QP's SQ ring and runs them. */
static bool soft_ring_pull_sq(struct soft_qp *sqp)
{
	const struct soft_ring_qp_layout *l = &sqp->ulayout;
	struct soft_ring_ctrl *c = qp_ring(sqp, l->sq);
	u8 *ents = (u8 *)(c + 1);
	struct soft_queue *q = &sqp->sq;
	u8 *wqe;
	u32 prod, n, taken = 0;
	u8 state;
	int ret = 0;

	prod = smp_load_acquire(&c->prod);
	n = prod - sqp->usq_cons;
	if (!n)
		return false;
	if (n > l->sq_entries) {
		soft_ring_fatal(sqp, "SQ producer index beyond the ring");
		return true;
	}
	/* As POST_SEND: only RTS, SQD and ERR take WRs; the rest wait. */
	state = soft_qp_state(sqp);
	if (state != IB_UVERBS_QPS_RTS && state != IB_UVERBS_QPS_SQD &&
	    state != IB_UVERBS_QPS_ERR)
		return false;
	wqe = kmalloc(l->sq_stride);
	if (!wqe)
		return false;	/* tried again on the next pass */
	spin_lock(&q->lock);
	while (taken < n && taken < SOFT_NIC_BATCH &&
	       q->tail - q->head < q->max_wr) {
		struct soft_ring_send *e = (struct soft_ring_send *)wqe;
		bool inl;

		/* Copied once, then checked: the page may change under us. */
		memcpy(wqe, ents + (size_t)((sqp->usq_cons + taken) &
					    (l->sq_entries - 1)) *
					   l->sq_stride,
		       l->sq_stride);
		inl = e->wr.send_flags & IB_UVERBS_SEND_INLINE;
		if (e->wr.num_sge > soft_ring_send_slots(&sqp->ibqp.cap) ||
		    (e->wr.send_flags & ~(u32)(IB_UVERBS_SEND_FENCE |
					       IB_UVERBS_SEND_SIGNALED |
					       IB_UVERBS_SEND_SOLICITED |
					       IB_UVERBS_SEND_INLINE)) ||
		    (inl && e->wr.num_sge != 1)) {
			ret = -EINVAL;
			break;
		}
		ret = soft_send_wqe_fill(sqp, q, &e->wr, e->sge,
					 inl ? soft_ring_inline(e,
								&sqp->ibqp.cap)
					     : NULL);
		if (ret)
			break;
		taken++;
	}
	spin_unlock(&q->lock);
	kfree(wqe);
	sqp->usq_cons += taken;
	smp_store_release(&c->cons, sqp->usq_cons);
	if (taken) {
		spin_lock(&sqp->lock);
		sqp->counters.send_posted += taken;
		spin_unlock(&sqp->lock);
		soft_sq_process(sqp, false);
	}
	if (ret) {
		soft_ring_fatal(sqp, "malformed send WQE");
		return true;
	}
	return taken != 0;
}

/* One pass over the context's QPs: true if there was work. */
static bool soft_nic_serve(struct soft_nic *nic)
{
	struct soft_qp *sqp;
	bool work = false;

	mutex_lock(&nic->lock);
	list_for_each_entry(sqp, &nic->qps, nic_node) {
		if (sqp->ubroken)
			continue;
		/* Receives first: a send to ourselves may need them. */
		work |= soft_ring_pull_rq(sqp);
		/* A corrupt RQ ring failed the QP: its SQ ring is not read. */
		if (!sqp->ubroken)
			work |= soft_ring_pull_sq(sqp);
	}
	mutex_unlock(&nic->lock);
	return work;
}

static int soft_nic_fn(void *data)
{
	struct soft_nic *nic = data;
	struct soft_ring_doorbell *db = nic->db;
	u64 idle_since = ktime_get_ns();
	u32 seq;

	while (!READ_ONCE(nic->stopping)) {
		seq = smp_load_acquire(&db->seq);
		if (soft_nic_serve(nic)) {
			idle_since = ktime_get_ns();
			continue;
		}
		if (ktime_get_ns() - idle_since < SOFT_NIC_SPIN_NS) {
			cond_resched();
			continue;
		}
		/*
		 * Sleep.  The client stores a producer index, bumps seq and
		 * then reads sleeping; we store sleeping and then look at the
		 * rings again: one of the two sees the other.
		 */
		WRITE_ONCE(db->sleeping, 1);
		smp_mb();
		if (!soft_nic_serve(nic) && !READ_ONCE(nic->stopping))
			compat_futex_wait(&db->seq, seq, SOFT_NIC_NAP_US);
		WRITE_ONCE(db->sleeping, 0);
		idle_since = ktime_get_ns();
	}
	return 0;
}

/* Wakes the NIC (after a QP joined it, or to stop it). */
static void soft_nic_kick(struct soft_nic *nic)
{
	__atomic_fetch_add(&nic->db->seq, 1, __ATOMIC_SEQ_CST);
	compat_futex_wake(&nic->db->seq, 1);
}

/* dealloc_ucontext: every QP is gone; the thread and the page go too. */
void soft_nic_stop(struct soft_ucontext *sctx)
{
	struct soft_nic *nic = sctx->nic;

	if (!nic)
		return;
	WARN_ON(!list_empty(&nic->qps));
	WRITE_ONCE(nic->stopping, 1);
	soft_nic_kick(nic);
	kthread_stop(nic->task);
	compat_unmap_shared(nic->db, SOFT_RING_DOORBELL_SIZE);
	mutex_destroy(&nic->lock);
	kfree(nic);
	sctx->nic = NULL;
}

static int soft_attach_ctx(struct soft_ucontext *sctx, int fd)
{
	struct soft_nic *nic, *expected = NULL;
	int ret;

	if (smp_load_acquire(&sctx->nic))
		return -EBUSY;
	nic = kzalloc(sizeof(*nic));
	if (!nic)
		return -ENOMEM;
	mutex_init(&nic->lock);
	INIT_LIST_HEAD(&nic->qps);
	nic->db = compat_map_shared(current_mm, fd, SOFT_RING_DOORBELL_SIZE);
	if (IS_ERR(nic->db)) {
		ret = (int)PTR_ERR(nic->db);
		goto err_free;
	}
	if (!__atomic_compare_exchange_n(&sctx->nic, &expected, nic, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		ret = -EBUSY;
		goto err_unmap;
	}
	nic->task = kthread_run(soft_nic_fn, nic, "soft-nic");
	if (IS_ERR(nic->task)) {
		ret = (int)PTR_ERR(nic->task);
		WRITE_ONCE(sctx->nic, NULL);
		goto err_unmap;
	}
	return 0;

err_unmap:
	compat_unmap_shared(nic->db, SOFT_RING_DOORBELL_SIZE);
err_free:
	mutex_destroy(&nic->lock);
	kfree(nic);
	return ret;
}

int soft_attach_cq(struct soft_cq *scq, int fd)
{
	struct ib_cq *cq = &scq->ibcq;
	size_t len = soft_ring_cq_size(cq->cqe);
	struct soft_ring_ctrl *c;
	u32 n;

	if (READ_ONCE(scq->uring))
		return -EBUSY;
	c = compat_map_shared(current_mm, fd, len);
	if (IS_ERR(c))
		return (int)PTR_ERR(c);
	spin_lock(&scq->lock);
	/* What the CQ holds moves to the ring, oldest first. */
	for (n = 0; scq->head != scq->tail; n++)
		((struct ib_uverbs_wc *)(c + 1))[n] =
			scq->ring[scq->head++ & (cq->cqe - 1)];
	scq->head = 0;
	scq->tail = n;
	WRITE_ONCE(c->cons, 0);
	scq->uents = (struct ib_uverbs_wc *)(c + 1);
	scq->umap_len = len;
	smp_store_release(&c->prod, n);
	smp_store_release(&scq->uring, c);
	spin_unlock(&scq->lock);
	return 0;
}

/* destroy_cq: a completion being added has finished (its lock). */
void soft_ring_cq_detach(struct soft_cq *scq)
{
	if (scq->uring)
		compat_unmap_shared(scq->uring, scq->umap_len);
	scq->uring = NULL;
}

static int soft_attach_qp(struct soft_ucontext *sctx, struct soft_qp *sqp,
			  int fd)
{
	struct soft_nic *nic = smp_load_acquire(&sctx->nic);
	u8 *map;

	if (!nic) {
		uverbs_set_error("SOFT_ATTACH: attach the context's doorbell first");
		return -EINVAL;
	}
	if (sqp->umap)
		return -EBUSY;
	soft_ring_qp_layout(&sqp->ibqp.cap, &sqp->ulayout);
	map = compat_map_shared(current_mm, fd, sqp->ulayout.size);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	sqp->umap = map;
	sqp->umap_len = sqp->ulayout.size;
	sqp->usq_cons = 0;
	sqp->urq_cons = 0;
	sqp->ubroken = false;
	mutex_lock(&nic->lock);
	sqp->nic = nic;
	list_add_tail(&sqp->nic_node, &nic->qps);
	mutex_unlock(&nic->lock);
	soft_nic_kick(nic);
	return 0;
}

/* destroy_qp, first: after it the NIC no longer looks at the QP. */
void soft_ring_qp_detach(struct soft_qp *sqp)
{
	if (!sqp->nic)
		return;
	mutex_lock(&sqp->nic->lock);
	list_del_init(&sqp->nic_node);
	mutex_unlock(&sqp->nic->lock);
	sqp->nic = NULL;
	compat_unmap_shared(sqp->umap, sqp->umap_len);
	sqp->umap = NULL;
}

int soft_attach_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
		  struct uverbs_attr_array *common,
		  struct uverbs_attr_array *vendor, const void *priv)
{
	const struct soft_attach *a = uverbs_attr_in(vendor, ATT_FD);
	struct ib_uobject *qp = uverbs_attr_obj(vendor, ATT_QP);
	struct ib_uobject *cq = uverbs_attr_obj(vendor, ATT_CQ);
	struct soft_ucontext *sctx = uctx->driver_priv;
	int ret;

	if (a->reserved) {
		uverbs_set_error("SOFT_ATTACH: reserved is not zero");
		return -EINVAL;
	}
	if (qp && cq) {
		uverbs_set_error("SOFT_ATTACH: a QP or a CQ, not both");
		return -EINVAL;
	}
	if (qp)
		ret = soft_attach_qp(sctx, to_soft_qp(qp->object), a->fd);
	else if (cq)
		ret = soft_attach_cq(to_soft_cq(cq->object), a->fd);
	else
		ret = soft_attach_ctx(sctx, a->fd);
	if (ret == -EINVAL && !ib_uverbs_last_error()[0])
		uverbs_set_error("SOFT_ATTACH: fd %d is not a memfd sealed against shrinking and large enough",
				 a->fd);
	return ret;
}
