// SPDX-License-Identifier: MIT
/*
 * The soft device's data path: posting, executing, completing.
 *
 * Execution model: synchronous.  post_send queues its WRs and then runs
 * the send queue in the caller's thread, under the QP's sq.lock, in
 * posting order: for each WR the requester's SGEs are checked, the
 * responder QP is found through the fabric (the QP's AV for RC/UC, the
 * AH for UD), and the request executes on it under its resp_lock as the
 * responder would (consuming a receive, writing through its rkey, ...),
 * so one-sided operations land without the target doing anything.  The
 * WR then completes (its WC on the send CQ if signaled or in error); an
 * RC or UC SEND (or WRITE_WITH_IMM) that consumed a receive completes
 * just before that receive does, as its ACK precedes any answer.
 *
 * RC without an answer (no QP at the address, not yet in RTR, a port
 * down): the WR is retried after the QP's transport timer, retry_cnt
 * times, as a requester waits for an ACK; then RETRY_EXC_ERR.  So a peer
 * that connects a little later than its sender is found.
 *
 * RC RNR (no receive posted): the WR stays at the head of the send queue
 * (the WRs behind it wait: RC is ordered) and is retried when the
 * responder's min_rnr_timer expires, by the device's workqueue, not in
 * any poster's thread; after rnr_retry retries it completes with
 * RNR_RETRY_EXC_ERR, with rnr_retry 7 never.  A receive posted to the
 * responder's own RQ retries it at once (the responder kicks the
 * waiting requester); an SRQ's receive is found by the next timer.  UC
 * and UD drop such a message.
 *
 * Isolation: the responder accepts what an IB channel adapter would
 * (soft_resp_admit()): a P_Key matching its own, then for RC and UC only
 * packets from the QP and port it was connected to (RTR's dest_qp_num,
 * DLID or DGID) arriving on its own port, for UD only its Q_Key.
 * Anything else is dropped and counted on the receiving port: an RC
 * requester hears no answer (RETRY_EXC_ERR after its retries), UC and UD
 * lose it.  RC requests carry PSNs from the requester's sq_psn; the
 * responder executes only the one it expects (from its rq_psn): one
 * ahead is out of sequence (NAKed: no answer, as above), one behind a
 * duplicate (a SEND or WRITE is acknowledged without being delivered
 * again, a READ answered again, an atomic dropped).  UC resynchronizes
 * on every message, as IB's does on a first packet; UD has no sequence.
 *
 * Errors: any error completion moves the QP to ERR; the WRs behind it and
 * its outstanding receives complete with WR_FLUSH_ERR.  A responder-side
 * error (protection, length) completes the receive in error and moves
 * the responder to ERR (RC and UC); its own send queue flushes at its
 * next post or MODIFY.  Remote access errors leave the responder alone.
 *
 * CQ overrun: a completion that finds the ring full is dropped, the CQ
 * is marked overflowed and an async CQ_ERR event (element: the CQ's
 * handle) is queued on its file, once; polling still returns what the
 * ring holds.
 *
 * Memory is read and written only through the owners' compat_mm, in
 * chunks of SOFT_CHUNK bytes bounced through the stack (SOFT_BIG_CHUNK
 * through the heap for a large message), each under the
 * MR's io_lock that dereg_mr also takes; nothing is touched before every
 * key and range of the WR is checked.
 *
 * Lock order: see soft.h.
 */
#include <rdma/ib_qp_state.h>

#include "soft.h"

/* Bytes copied per step (one mm read + one mm write). */
#define SOFT_CHUNK 4096
/* Bytes copied per step of a large message, from the heap. */
#define SOFT_BIG_CHUNK (256 * 1024)
/* UD messages fit one MTU; the receive buffer starts with a GRH area. */
#define SOFT_UD_MTU 4096
#define SOFT_GRH_LEN 40
/* RC/UC message size limit (query_device's max_msg_sz would be 2^31). */
#define SOFT_MAX_MSG (1ull << 31)
#define SOFT_RNR_INFINITE 7
/* The Q_Key of a UD WR with this bit set is the QP's own. */
#define SOFT_QKEY_USE_QP 0x80000000u
/* soft_cq.notify values. */
#define SOFT_CQ_NEXT_COMP 1
#define SOFT_CQ_SOLICITED 2
/* An internal status: the responder had no receive (RC). */
#define SOFT_RNR (-EAGAIN)
/*
 * A UC or UD SEND that finds a receive posted on the responder's ring but
 * not yet taken by its NIC retries every SOFT_RING_RECV_US, at most
 * SOFT_RING_RECV_TRIES times (10 ms), then is lost as it would have been.
 */
#define SOFT_RING_RECV_US 50
#define SOFT_RING_RECV_TRIES 200
/* An internal status: nobody answered (RC: the transport timer runs). */
#define SOFT_NO_ANSWER (-EHOSTUNREACH)
/* An internal status: the WR moved its step's bytes and resumes later. */
#define SOFT_PARTIAL (-EINPROGRESS)
/* What a WR costs a budget besides its bytes. */
#define SOFT_WR_COST 256
/* The longest transport timer we wait (IB: 4.096 us << timeout). */
#define SOFT_MAX_TIMEOUT_US (8u * 1000 * 1000)
/* PSNs are 24 bits; one less than half the space behind is a duplicate. */
#define SOFT_PSN_MASK 0xffffffu
#define SOFT_PSN_HALF 0x800000u

/* Serializes the device's atomics (all soft devices of the process). */
static DEFINE_MUTEX(soft_atomic_lock);

/* The IB spec's min_rnr_timer encoding, in microseconds. */
static const u32 soft_rnr_us[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
	1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

void soft_sgl_init(struct soft_sgl *sgl)
{
	sgl->seg = sgl->small;
	sgl->num = 0;
	sgl->len = 0;
}

void soft_sgl_put(struct soft_sgl *sgl)
{
	u32 i;

	for (i = 0; i < sgl->num; i++)
		if (sgl->seg[i].mr)
			soft_mr_put(sgl->seg[i].mr);
	if (sgl->seg != sgl->small)
		kfree(sgl->seg);
	soft_sgl_init(sgl);
}

/* Room for @n segments; false on ENOMEM. */
static bool soft_sgl_room(struct soft_sgl *sgl, u32 n)
{
	if (n <= SOFT_SGL_SMALL)
		return true;
	sgl->seg = kcalloc(n, sizeof(*sgl->seg));
	if (!sgl->seg) {
		sgl->seg = sgl->small;
		return false;
	}
	return true;
}

void soft_sgl_add_kernel(struct soft_sgl *sgl, void *buf, u64 len)
{
	sgl->seg[sgl->num].mr = NULL;
	sgl->seg[sgl->num].uaddr = (u64)(uintptr_t)buf;
	sgl->seg[sgl->num].len = len;
	sgl->num++;
	sgl->len += len;
}

/*
 * Local SGEs (lkeys of @pd on @sdev) with @access: the status the first
 * bad one produces (LOC_PROT_ERR), or SUCCESS and @sgl filled.
 */
int soft_sgl_get(struct soft_sgl *sgl, struct soft_device *sdev,
			struct ib_pd *pd, const struct ib_uverbs_sge *sge,
			u32 num, u32 access)
{
	struct soft_mr *mr;
	int status;
	u32 i;

	soft_sgl_init(sgl);
	if (!soft_sgl_room(sgl, num))
		return IB_UVERBS_WC_LOC_QP_OP_ERR;
	for (i = 0; i < num; i++) {
		if (!sge[i].length)
			continue;
		mr = soft_mr_lookup(sdev, pd, sge[i].lkey, false, sge[i].addr,
				    sge[i].length, access, &status);
		if (!mr) {
			soft_sgl_put(sgl);
			return status;
		}
		sgl->seg[sgl->num].mr = mr;
		sgl->seg[sgl->num].uaddr = soft_mr_addr(mr, sge[i].addr);
		sgl->seg[sgl->num].len = sge[i].length;
		sgl->num++;
		sgl->len += sge[i].length;
	}
	return IB_UVERBS_WC_SUCCESS;
}

/* One remote range through an rkey: REM_ACCESS_ERR or SUCCESS. */
int soft_sgl_get_remote(struct soft_sgl *sgl, struct soft_qp *peer,
			       u32 rkey, u64 addr, u64 len, u32 access)
{
	struct soft_mr *mr;
	int status;

	soft_sgl_init(sgl);
	/* A zero-length RDMA checks no key (IB spec 9.4.3, 9.4.4). */
	if (!len)
		return IB_UVERBS_WC_SUCCESS;
	mr = soft_mr_lookup(peer->sdev, peer->ibqp.pd, rkey, true, addr, len,
			    access, &status);
	if (!mr)
		return status;
	sgl->seg[0].mr = mr;
	sgl->seg[0].uaddr = soft_mr_addr(mr, addr);
	sgl->seg[0].len = len;
	sgl->num = 1;
	sgl->len = len;
	return IB_UVERBS_WC_SUCCESS;
}

/* @n bytes at @off of @s through its owner's mm: 0 or -EFAULT. */
static int soft_seg_io(const struct soft_seg *s, u64 off, void *buf, size_t n,
		       bool write)
{
	struct soft_mr *mr = s->mr;
	size_t left;

	if (!mr) {
		u8 *k = (u8 *)(uintptr_t)s->uaddr + off;

		if (write)
			memcpy(k, buf, n);
		else
			memcpy(buf, k, n);
		return 0;
	}
	mutex_lock(&mr->io_lock);
	if (mr->dead)
		left = n;
	else if (write)
		left = mr->mm->ops->write(mr->mm, s->uaddr + off, buf, n);
	else
		left = mr->mm->ops->read(mr->mm, buf, s->uaddr + off, n);
	mutex_unlock(&mr->io_lock);
	return left ? -EFAULT : 0;
}


/*
 * Copies @len bytes from @src, starting @src_off bytes into it, to @dst
 * starting @dst_off bytes into @dst (both long enough, checked by the
 * caller).
 */
enum soft_copy_fault soft_sgl_copy(struct soft_sgl *dst, u64 dst_off,
					  struct soft_sgl *src, u64 src_off,
					  u64 len)
{
	u8 small[SOFT_CHUNK], *buf = small;
	u64 so = src_off, dof = dst_off, n, chunk = SOFT_CHUNK;
	enum soft_copy_fault ret = SOFT_COPY_OK;
	u32 si = 0, di = 0;

	/*
	 * Large messages bounce through a bigger buffer: each chunk costs
	 * two address-space calls (two system calls when the memory is
	 * another process's), so fewer chunks is most of the bandwidth.
	 * Without the memory, the stack's chunk does.
	 */
	if (len > SOFT_CHUNK) {
		chunk = min_t(u64, len, SOFT_BIG_CHUNK);
		buf = kmalloc(chunk);
		if (!buf) {
			buf = small;
			chunk = SOFT_CHUNK;
		}
	}
	while (len) {
		while (so >= src->seg[si].len) {
			so -= src->seg[si].len;
			si++;
		}
		while (dof >= dst->seg[di].len) {
			dof -= dst->seg[di].len;
			di++;
		}
		n = min_t(u64, len, chunk);
		n = min_t(u64, n, src->seg[si].len - so);
		n = min_t(u64, n, dst->seg[di].len - dof);
		if (soft_seg_io(&src->seg[si], so, buf, n, false)) {
			ret = SOFT_COPY_SRC;
			break;
		}
		if (soft_seg_io(&dst->seg[di], dof, buf, n, true)) {
			ret = SOFT_COPY_DST;
			break;
		}
		so += n;
		dof += n;
		len -= n;
	}
	if (buf != small)
		kfree(buf);
	return ret;
}

/* A QP's attributes, consistent (sqp->lock is a leaf). */
void soft_qp_attr_read(struct soft_qp *sqp, struct ib_uverbs_qp_attr *a)
{
	spin_lock(&sqp->lock);
	*a = sqp->attr;
	spin_unlock(&sqp->lock);
}

u8 soft_qp_state(struct soft_qp *sqp)
{
	u8 state;

	spin_lock(&sqp->lock);
	state = sqp->attr.qp_state;
	spin_unlock(&sqp->lock);
	return state;
}

/*
 * The QP's state becomes ERR; the core learns it through the
 * query_qp_state op at the next MODIFY or QUERY.
 */
bool soft_qp_set_err(struct soft_qp *sqp)
{
	bool moved = false;

	spin_lock(&sqp->lock);
	if (sqp->attr.qp_state != IB_UVERBS_QPS_ERR) {
		sqp->attr.cur_qp_state = sqp->attr.qp_state;
		sqp->attr.qp_state = IB_UVERBS_QPS_ERR;
		soft_direct_state(sqp, IB_UVERBS_QPS_ERR);
		moved = true;
	}
	spin_unlock(&sqp->lock);
	return moved;
}

/* What a completion of @wc_opcode was, for its file's counts. */
static enum ib_uverbs_traffic_op soft_traffic_op(u32 wc_opcode)
{
	switch (wc_opcode) {
	case IB_UVERBS_WC_SEND:
		return IB_UVERBS_TRAFFIC_SEND;
	case IB_UVERBS_WC_RDMA_WRITE:
		return IB_UVERBS_TRAFFIC_RDMA_WRITE;
	case IB_UVERBS_WC_RDMA_READ:
		return IB_UVERBS_TRAFFIC_RDMA_READ;
	case IB_UVERBS_WC_COMP_SWAP:
	case IB_UVERBS_WC_FETCH_ADD:
		return IB_UVERBS_TRAFFIC_ATOMIC;
	default:
		return IB_UVERBS_TRAFFIC_RECV;
	}
}

/* Before the completion is queued: no count lags what a poller saw. */
void soft_count_wc(struct soft_qp *sqp, bool send, int status,
			  u32 wc_opcode, u64 bytes)
{
	/* The context outlives its QPs; a flush moved nothing. */
	if (status != IB_UVERBS_WC_WR_FLUSH_ERR)
		ib_uverbs_count_traffic(sqp->charge.uctx,
					soft_traffic_op(wc_opcode),
					status ? 0 : bytes,
					status != IB_UVERBS_WC_SUCCESS);
	spin_lock(&sqp->lock);
	if (send)
		sqp->counters.send_completed++;
	else
		sqp->counters.recv_completed++;
	if (status == IB_UVERBS_WC_WR_FLUSH_ERR)
		sqp->counters.flushed++;
	else if (status != IB_UVERBS_WC_SUCCESS)
		sqp->counters.errors++;
	else if (send)
		sqp->counters.bytes_sent += bytes;
	else
		sqp->counters.bytes_received += bytes;
	spin_unlock(&sqp->lock);
}

/*
 * Adds @wc to @cq (its lock last in every order); raises the channel
 * event of an armed CQ, and CQ_ERR once on overrun.
 */
void soft_cq_add(struct ib_cq *cq, const struct ib_uverbs_wc *wc,
			bool solicited)
{
	struct soft_cq *scq;
	bool overrun = false;

	/* Only driver tests build QPs without CQs. */
	if (!cq)
		return;
	scq = to_soft_cq(cq);
	spin_lock(&scq->lock);
	if (scq->uring) {
		/* The client's consumer index: only its own CQ suffers a lie. */
		if (scq->tail - READ_ONCE(scq->uring->cons) >= cq->cqe) {
			overrun = !scq->overflow;
			scq->overflow = true;
			WRITE_ONCE(scq->uring->overflow, 1);
			goto out_unlock;
		}
		scq->uents[scq->tail & (cq->cqe - 1)] = *wc;
		scq->tail++;
		smp_store_release(&scq->uring->prod, scq->tail);
		smp_mb();
		if (READ_ONCE(scq->uring->wait))
			compat_futex_wake(&scq->uring->prod, 1 << 30);
	} else {
		if (scq->tail - scq->head >= cq->cqe) {
			overrun = !scq->overflow;
			scq->overflow = true;
			goto out_unlock;
		}
		scq->ring[scq->tail & (cq->cqe - 1)] = *wc;
		scq->tail++;
	}
	if (scq->notify &&
	    (scq->notify == SOFT_CQ_NEXT_COMP || solicited || wc->status)) {
		scq->notify = 0;
		if (cq->channel)
			ib_comp_channel_event(cq);
	}
out_unlock:
	spin_unlock(&scq->lock);
	/* The QP adding to it holds the CQ (a parent): it is still there. */
	if (overrun && ib_uverbs_object_event(cq->uobject,
					      IB_UVERBS_EVENT_CQ_ERR,
					      cq->user_handle,
					      &cq->async_events_reported))
		pr_warn("soft: CQ_ERR lost: out of memory");
}

void soft_cq_raise(struct ib_cq *cq)
{
	struct soft_cq *scq;

	if (!cq)
		return;
	scq = to_soft_cq(cq);
	spin_lock(&scq->lock);
	if (scq->notify) {
		scq->notify = 0;
		if (cq->channel)
			ib_comp_channel_event(cq);
	}
	spin_unlock(&scq->lock);
}

/* The receive queue a responder draws from. */
struct soft_queue *soft_qp_rq(struct soft_qp *sqp)
{
	if (sqp->ibqp.srq)
		return &to_soft_srq(sqp->ibqp.srq)->rq;
	return &sqp->rq;
}

/*
 * Completes every receive of @sqp's own RQ with WR_FLUSH_ERR.
 * resp_lock held.
 */
static void soft_rq_flush_locked(struct soft_qp *sqp)
{
	struct soft_queue *q = &sqp->rq;
	struct soft_recv_wqe *r;
	struct ib_uverbs_wc wc;

	if (sqp->ibqp.srq || sqp->dead)
		return;
	spin_lock(&q->lock);
	while (q->head != q->tail) {
		r = soft_queue_entry(q, q->head);
		memset(&wc, 0, sizeof(wc));
		wc.wr_id = r->wr_id;
		wc.status = IB_UVERBS_WC_WR_FLUSH_ERR;
		wc.opcode = IB_UVERBS_WC_RECV;
		wc.qp_num = sqp->ibqp.qp_num;
		q->head++;
		soft_count_wc(sqp, false, wc.status, wc.opcode, 0);
		soft_cq_add(sqp->ibqp.recv_cq, &wc, false);
	}
	spin_unlock(&q->lock);
}

/* The responder @sqp went to ERR: flush its RQ now and later. */
void soft_rq_set_err_locked(struct soft_qp *sqp)
{
	spin_lock(&sqp->rq.lock);
	sqp->rq.flush = true;
	spin_unlock(&sqp->rq.lock);
	soft_rq_flush_locked(sqp);
}

void soft_rq_flush(struct soft_qp *sqp)
{
	mutex_lock(&sqp->resp_lock);
	soft_rq_flush_locked(sqp);
	mutex_unlock(&sqp->resp_lock);
}

bool soft_resp_take(struct soft_qp *peer, struct soft_queue *q,
		    bool *srq_err)
{
	*srq_err = false;
	if (!peer->ibqp.srq || q->head != q->tail || q->flush)
		return true;
	return soft_srq_take(to_soft_srq(peer->ibqp.srq), srq_err) >= 0;
}

int soft_resp_srq_broken(struct soft_qp *peer, bool srq_err)
{
	if (srq_err)
		soft_srq_event(to_soft_srq(peer->ibqp.srq),
			       IB_UVERBS_EVENT_SRQ_ERR);
	if (peer->ibqp.qp_type == IB_UVERBS_QPT_UD)
		return IB_UVERBS_WC_SUCCESS;
	if (soft_qp_set_err(peer))
		soft_qp_event(peer, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
	soft_rq_set_err_locked(peer);
	return peer->ibqp.qp_type == IB_UVERBS_QPT_RC ?
		       IB_UVERBS_WC_REM_OP_ERR : IB_UVERBS_WC_SUCCESS;
}

/* What the requester's peer lookup found. */
struct soft_req {
	struct soft_qp *qp;		/* the requester */
	struct ib_uverbs_qp_attr attr;	/* its attributes */
	struct soft_send_wqe *wqe;
	const struct ib_uverbs_ah_attr *av;
	struct soft_sgl local;		/* its SGEs, checked */
	u8 port;			/* its port */
	u32 byte_len;			/* for its WC */
	u32 npkts;			/* the PSNs it takes */
	u32 rnr_us;			/* the responder's RNR timer */
	u64 atomic_orig;
	u64 budget;			/* bytes this step may move */
	u64 moved;			/* bytes it moved */
	bool completed;			/* its WC made (soft_req_complete()) */
};

static u16 soft_port_lid(struct soft_device *sdev, u8 port)
{
	if (port < 1 || port > sdev->num_ports)
		port = 1;
	return sdev->ports[port - 1].lid;
}

/* The IB GRH a UD receive starts with: IPv6-like, 40 bytes. */
static void soft_grh_build(u8 *grh, const struct soft_req *r, u64 len)
{
	const struct ib_uverbs_ah_attr *av = r->av;
	struct soft_device *sdev = r->qp->sdev;
	u32 w0 = (6u << 28) | ((u32)av->traffic_class << 20) |
		 (av->flow_label & 0xfffff);
	u8 port = r->port;

	if (port < 1 || port > sdev->num_ports)
		port = 1;
	grh[0] = w0 >> 24;
	grh[1] = w0 >> 16;
	grh[2] = w0 >> 8;
	grh[3] = w0;
	grh[4] = len >> 8;
	grh[5] = len;
	grh[6] = 0x1b;	/* next header: IBA */
	grh[7] = av->hop_limit;
	memcpy(grh + 8, sdev->ports[port - 1].gid.raw, 16);
	memcpy(grh + 24, av->dgid.raw, 16);
}

/*
 * Where a SEND resumes in the receive at @q's head @rw (q->lock held):
 * where its last step stopped if that receive is still the one it
 * filled, else at 0 (the receive was flushed, or the responder is a new
 * QP: the message starts again, as IB retransmits it whole).
 */
static u64 soft_resp_resume(struct soft_req *r, struct soft_queue *q,
			    const struct soft_recv_wqe *rw)
{
	struct soft_send_wqe *wqe = r->wqe;

	if (wqe->done && (wqe->resp_head != q->head ||
			  wqe->resp_wr_id != rw->wr_id))
		wqe->done = 0;
	return wqe->done;
}

/*
 * The requester's completion of @r's WR with @status: counted, then on
 * its send CQ if signaled or in error.  sq.lock held.
 */
static void soft_req_complete(struct soft_req *r, int status)
{
	struct soft_qp *sqp = r->qp;
	struct ib_uverbs_wc wc;

	memset(&wc, 0, sizeof(wc));
	wc.wr_id = r->wqe->wr.wr_id;
	wc.status = status;
	wc.opcode = soft_send_wc_opcode(r->wqe->wr.opcode);
	wc.byte_len = status ? 0 : r->byte_len;
	wc.qp_num = sqp->ibqp.qp_num;
	wc.port_num = r->attr.port_num;
	soft_count_wc(sqp, true, status, wc.opcode, wc.byte_len);
	if (status || sqp->ibqp.sq_sig_all ||
	    (r->wqe->wr.send_flags & IB_UVERBS_SEND_SIGNALED))
		soft_cq_add(sqp->ibqp.send_cq, &wc, false);
}

/*
 * Consumes the responder's next receive for a SEND (or, with @data
 * false, a WRITE_WITH_IMM): checks and fills its buffers, completes it.
 * A SEND longer than r->budget into a QP's own receive queue (not UD,
 * not an SRQ, whose head any QP may take) fills it in steps and consumes
 * it at the last: SOFT_PARTIAL until then.  Returns the requester's
 * status, SOFT_RNR or SOFT_PARTIAL.  resp_lock held.
 */
static int soft_resp_recv(struct soft_req *r, struct soft_qp *peer,
			  const struct ib_uverbs_qp_attr *pattr, bool data)
{
	const struct ib_uverbs_send_wr *wr = &r->wqe->wr;
	u8 type = peer->ibqp.qp_type;
	struct soft_queue *q = soft_qp_rq(peer);
	struct ib_pd *pd = peer->ibqp.srq ? peer->ibqp.srq->pd : peer->ibqp.pd;
	u64 off = type == IB_UVERBS_QPT_UD ? SOFT_GRH_LEN : 0;
	int status = IB_UVERBS_WC_SUCCESS, ret = IB_UVERBS_WC_SUCCESS;
	struct soft_srq *ssrq = NULL;
	struct ib_uverbs_wc wc = {};
	struct soft_recv_wqe *rw;
	struct soft_sgl dst;
	bool limit = false, srq_err;
	u8 grh[SOFT_GRH_LEN];
	u64 done = 0, n = r->local.len;

	soft_sgl_init(&dst);
	spin_lock(&q->lock);
	if (!soft_resp_take(peer, q, &srq_err)) {
		spin_unlock(&q->lock);
		return soft_resp_srq_broken(peer, srq_err);
	}
	if (q->head == q->tail || q->flush) {
		/*
		 * A receive the client posted on its ring before this SEND
		 * is one hardware would find: UC and UD wait for the peer's
		 * NIC to take it (SOFT_RNR, bounded) rather than drop.
		 */
		bool posted = !q->flush && soft_ring_rq_pending(peer);

		/*
		 * Under the queue's lock: a receive posted after this sees
		 * the flag (soft_rnr_kick()), so no wake-up is lost.
		 */
		if (type == IB_UVERBS_QPT_RC)
			WRITE_ONCE(peer->rnr_waiter, true);
		spin_unlock(&q->lock);
		if (type != IB_UVERBS_QPT_RC && !posted)
			return IB_UVERBS_WC_SUCCESS;	/* dropped */
		return SOFT_RNR;
	}
	rw = soft_queue_entry(q, q->head);
	wc.wr_id = rw->wr_id;
	if (data) {
		status = soft_sgl_get(&dst, peer->sdev, pd, rw->sge,
				      rw->num_sge, IB_UVERBS_ACCESS_LOCAL_WRITE);
		if (status) {
			ret = IB_UVERBS_WC_REM_OP_ERR;
		} else if (dst.len < off + r->local.len) {
			status = IB_UVERBS_WC_LOC_LEN_ERR;
			ret = IB_UVERBS_WC_REM_INV_REQ_ERR;
		} else {
			if (type == IB_UVERBS_QPT_UD && r->av->is_global) {
				struct soft_sgl g;

				soft_sgl_init(&g);
				soft_grh_build(grh, r, r->local.len);
				soft_sgl_add_kernel(&g, grh, sizeof(grh));
				if (soft_sgl_copy(&dst, 0, &g, 0, sizeof(grh)))
					status = IB_UVERBS_WC_LOC_PROT_ERR;
			}
			if (type != IB_UVERBS_QPT_UD && !peer->ibqp.srq) {
				done = soft_resp_resume(r, q, rw);
				n = min_t(u64, r->local.len - done, r->budget);
			}
			switch (status ? SOFT_COPY_DST :
				soft_sgl_copy(&dst, off + done, &r->local, done,
					      n)) {
			case SOFT_COPY_OK:
				break;
			case SOFT_COPY_SRC:
				/* The requester's memory: nothing consumed. */
				spin_unlock(&q->lock);
				soft_sgl_put(&dst);
				return IB_UVERBS_WC_LOC_PROT_ERR;
			case SOFT_COPY_DST:
				status = IB_UVERBS_WC_LOC_PROT_ERR;
				ret = IB_UVERBS_WC_REM_OP_ERR;
				break;
			}
			r->moved = n;
			if (!status && done + n < r->local.len) {
				/* The receive stays at the head until the end. */
				r->wqe->done = done + n;
				r->wqe->resp_head = q->head;
				r->wqe->resp_wr_id = rw->wr_id;
				spin_unlock(&q->lock);
				soft_sgl_put(&dst);
				return SOFT_PARTIAL;
			}
		}
		soft_sgl_put(&dst);
	}
	q->head++;
	if (peer->ibqp.srq) {
		ssrq = to_soft_srq(peer->ibqp.srq);
		limit = soft_srq_limit_due(ssrq);
	}
	spin_unlock(&q->lock);
	if (limit)
		soft_srq_event(ssrq, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED);

	wc.status = status;
	wc.opcode = data ? IB_UVERBS_WC_RECV : IB_UVERBS_WC_RECV_RDMA_WITH_IMM;
	wc.byte_len = status ? 0 : (u32)(off + r->local.len);
	if (!data)
		wc.byte_len = r->byte_len;
	if (wr->opcode == IB_UVERBS_WR_SEND_WITH_IMM ||
	    wr->opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM) {
		wc.imm_data = wr->imm_data;
		wc.wc_flags |= IB_UVERBS_WC_WITH_IMM;
	}
	if (type == IB_UVERBS_QPT_UD && r->av->is_global)
		wc.wc_flags |= IB_UVERBS_WC_GRH;
	wc.qp_num = peer->ibqp.qp_num;
	wc.src_qp = r->qp->ibqp.qp_num;
	wc.slid = soft_port_lid(r->qp->sdev, r->port);
	wc.sl = r->av->sl;
	wc.port_num = pattr->port_num;
	/*
	 * RC, UC: the requester's completion first, as on a wire, where
	 * the ACK (UC: the send itself) leaves before the responder's
	 * application can answer.  Queued after the receive's, a fast
	 * answer run by another NIC thread could reach the requester
	 * before its own SEND completed: ib_send_lat -e, which waits for
	 * one event after each post and then polls its send CQ once, took
	 * the answer's event for its SEND's and failed its next post.
	 */
	if (!status && type != IB_UVERBS_QPT_UD) {
		soft_req_complete(r, IB_UVERBS_WC_SUCCESS);
		r->completed = true;
	}
	soft_count_wc(peer, false, status, wc.opcode, wc.byte_len);
	soft_cq_add(peer->ibqp.recv_cq, &wc,
		    !!(wr->send_flags & IB_UVERBS_SEND_SOLICITED));
	if (status && type != IB_UVERBS_QPT_UD) {
		if (soft_qp_set_err(peer) && peer->ibqp.srq)
			soft_qp_event(peer,
				      IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
		soft_rq_set_err_locked(peer);
	}
	return type == IB_UVERBS_QPT_RC ? ret : IB_UVERBS_WC_SUCCESS;
}

/*
 * A UD SEND to a QP on the direct path (<rdma/soft_direct.h>, "UD"):
 * the datagram, as soft_resp_recv() would deliver it, as a record of
 * the receiver's ring, which its client drains.  A ring without room
 * (or busy) is tried again as a receive the NIC has not taken yet is
 * (SOFT_RNR, SOFT_RING_RECV_TRIES times), then the datagram is lost.
 * Return: SUCCESS when it is there, SOFT_RNR, or LOC_QP_OP_ERR when lost
 * (UD: its sender never learns).  resp_lock held.
 */
static int soft_resp_ud_direct(struct soft_req *r, struct soft_qp *peer,
			       const struct ib_uverbs_qp_attr *pattr)
{
	const struct ib_uverbs_send_wr *wr = &r->wqe->wr;
	const struct ib_uverbs_ah_attr *av = r->av;
	struct soft_direct_ud_info info = {};
	struct soft_device *sdev = r->qp->sdev;
	u32 len = (u32)r->local.len;
	struct soft_sgl dst;
	u8 *buf = NULL, flags = 0;
	u8 port = r->port;
	int ret;

	if (len) {
		buf = kmalloc(len);
		if (!buf)
			return IB_UVERBS_WC_LOC_QP_OP_ERR;
		soft_sgl_init(&dst);
		soft_sgl_add_kernel(&dst, buf, len);
		if (soft_sgl_copy(&dst, 0, &r->local, 0, len) != SOFT_COPY_OK) {
			kfree(buf);
			return IB_UVERBS_WC_LOC_QP_OP_ERR;
		}
	}
	if (port < 1 || port > sdev->num_ports)
		port = 1;
	info.src_qpn = r->qp->ibqp.qp_num;
	info.qkey = pattr->qkey;
	info.slid = soft_port_lid(sdev, r->port);
	info.pkey = soft_pkey_at(sdev, r->attr.pkey_index);
	info.sl = av->sl;
	if (av->is_global) {
		info.global = 1;
		info.hop_limit = av->hop_limit;
		info.traffic_class = av->traffic_class;
		info.flow_label = av->flow_label & 0xfffff;
		memcpy(info.sgid, sdev->ports[port - 1].gid.raw,
		       sizeof(info.sgid));
		memcpy(info.dgid, av->dgid.raw, sizeof(info.dgid));
	}
	if (wr->opcode == IB_UVERBS_WR_SEND_WITH_IMM)
		flags |= SOFT_DMSG_IMM;
	if (wr->send_flags & IB_UVERBS_SEND_SOLICITED)
		flags |= SOFT_DMSG_SOLICITED;
	ret = soft_direct_ud_put(peer, &info, flags, wr->imm_data, buf, len,
				 r->wqe->rnr_tries >= SOFT_RING_RECV_TRIES);
	kfree(buf);
	if (ret == -EAGAIN)
		return SOFT_RNR;
	return ret ? IB_UVERBS_WC_LOC_QP_OP_ERR : IB_UVERBS_WC_SUCCESS;
}

/* RDMA WRITE (WITH_IMM): requester's status or SOFT_RNR. */
static int soft_resp_write(struct soft_req *r, struct soft_qp *peer,
			   const struct ib_uverbs_qp_attr *pattr)
{
	const struct ib_uverbs_send_wr *wr = &r->wqe->wr;
	bool imm = wr->opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM;
	struct soft_queue *q = soft_qp_rq(peer);
	struct soft_sgl dst;
	u64 off, n;
	int status;

	if (!(pattr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_WRITE))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	/* The immediate needs a receive: RNR before any data moves. */
	if (imm && peer->ibqp.qp_type == IB_UVERBS_QPT_RC) {
		bool srq_err;

		spin_lock(&q->lock);
		if (!soft_resp_take(peer, q, &srq_err)) {
			spin_unlock(&q->lock);
			return soft_resp_srq_broken(peer, srq_err);
		}
		status = q->head == q->tail || q->flush;
		if (status)
			WRITE_ONCE(peer->rnr_waiter, true);
		spin_unlock(&q->lock);
		if (status)
			return SOFT_RNR;
	}
	/* Every step checks the whole range: a key may go in between. */
	status = soft_sgl_get_remote(&dst, peer, wr->wr.rdma.rkey,
				     wr->wr.rdma.remote_addr, r->local.len,
				     IB_UVERBS_ACCESS_REMOTE_WRITE);
	if (status)
		return status;
	off = imm ? 0 : r->wqe->done;
	n = imm ? r->local.len : min_t(u64, r->local.len - off, r->budget);
	switch (soft_sgl_copy(&dst, off, &r->local, off, n)) {
	case SOFT_COPY_OK:
		break;
	case SOFT_COPY_SRC:
		soft_sgl_put(&dst);
		return IB_UVERBS_WC_LOC_PROT_ERR;
	case SOFT_COPY_DST:
		soft_sgl_put(&dst);
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	}
	soft_sgl_put(&dst);
	r->moved = n;
	if (off + n < r->local.len) {
		r->wqe->done = off + n;
		return SOFT_PARTIAL;
	}
	r->byte_len = (u32)r->local.len;
	if (imm)
		return soft_resp_recv(r, peer, pattr, false);
	return IB_UVERBS_WC_SUCCESS;
}

/* RDMA READ: the responder's memory into the requester's SGEs. */
static int soft_resp_read(struct soft_req *r, struct soft_qp *peer,
			  const struct ib_uverbs_qp_attr *pattr)
{
	const struct ib_uverbs_send_wr *wr = &r->wqe->wr;
	u64 off = r->wqe->done;
	u64 n = min_t(u64, r->local.len - off, r->budget);
	struct soft_sgl src;
	int status;

	if (!(pattr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_READ))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	/* Every step checks the whole range: a key may go in between. */
	status = soft_sgl_get_remote(&src, peer, wr->wr.rdma.rkey,
				     wr->wr.rdma.remote_addr, r->local.len,
				     IB_UVERBS_ACCESS_REMOTE_READ);
	if (status)
		return status;
	switch (soft_sgl_copy(&r->local, off, &src, off, n)) {
	case SOFT_COPY_OK:
		status = IB_UVERBS_WC_SUCCESS;
		break;
	case SOFT_COPY_SRC:
		status = IB_UVERBS_WC_REM_ACCESS_ERR;
		break;
	case SOFT_COPY_DST:
		status = IB_UVERBS_WC_LOC_PROT_ERR;
		break;
	}
	soft_sgl_put(&src);
	r->moved = n;
	if (!status && off + n < r->local.len) {
		r->wqe->done = off + n;
		return SOFT_PARTIAL;
	}
	r->byte_len = (u32)r->local.len;
	return status;
}

int soft_atomic_rmw(struct soft_mr *mr, u64 uaddr, bool cmp_swap,
		    u64 compare_add, u64 swap, u64 *orig)
{
	size_t left = sizeof(*orig);
	u64 val;

	mutex_lock(&mr->io_lock);
	mutex_lock(&soft_atomic_lock);
	if (!mr->dead)
		left = mr->mm->ops->read(mr->mm, orig, uaddr, sizeof(*orig));
	if (!left) {
		if (cmp_swap)
			val = *orig == compare_add ? swap : *orig;
		else
			val = *orig + compare_add;
		left = mr->mm->ops->write(mr->mm, uaddr, &val, sizeof(val));
	}
	mutex_unlock(&soft_atomic_lock);
	mutex_unlock(&mr->io_lock);
	return left ? -EFAULT : 0;
}

/* CMP_AND_SWP / FETCH_AND_ADD on 8 aligned bytes of the responder. */
static int soft_resp_atomic(struct soft_req *r, struct soft_qp *peer,
			    const struct ib_uverbs_qp_attr *pattr)
{
	const struct ib_uverbs_send_wr *wr = &r->wqe->wr;
	struct soft_sgl rem, k;
	int status, left;
	u64 orig;

	if (!(pattr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_ATOMIC))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	if (wr->wr.atomic.remote_addr & 7)
		return IB_UVERBS_WC_REM_INV_REQ_ERR;
	status = soft_sgl_get_remote(&rem, peer, wr->wr.atomic.rkey,
				     wr->wr.atomic.remote_addr, sizeof(u64),
				     IB_UVERBS_ACCESS_REMOTE_ATOMIC);
	if (status)
		return status;
	left = soft_atomic_rmw(rem.seg[0].mr, rem.seg[0].uaddr,
			       wr->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP,
			       wr->wr.atomic.compare_add, wr->wr.atomic.swap,
			       &orig);
	soft_sgl_put(&rem);
	if (left)
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	soft_sgl_init(&k);
	soft_sgl_add_kernel(&k, &orig, sizeof(orig));
	if (soft_sgl_copy(&r->local, 0, &k, 0, sizeof(orig)))
		return IB_UVERBS_WC_LOC_PROT_ERR;
	r->byte_len = sizeof(orig);
	return IB_UVERBS_WC_SUCCESS;
}

static bool soft_is_send(u32 opcode)
{
	return opcode == IB_UVERBS_WR_SEND ||
	       opcode == IB_UVERBS_WR_SEND_WITH_IMM;
}

static bool soft_is_write(u32 opcode)
{
	return opcode == IB_UVERBS_WR_RDMA_WRITE ||
	       opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM;
}

static bool soft_is_atomic(u32 opcode)
{
	return opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
}

/* Two P_Keys let their QPs talk (IB 10.9.3): one partition, one full. */
bool soft_pkey_match(u16 a, u16 b)
{
	return (a & SOFT_PKEY_PART) && (a & SOFT_PKEY_PART) ==
	       (b & SOFT_PKEY_PART) && ((a | b) & SOFT_PKEY_FULL);
}

static void soft_port_count(atomic_long_t *counter)
{
	atomic_long_add_return(1, counter);
}

/*
 * Would the responder @peer, reached through its port @peer_port, take
 * @r's packet?  The P_Key first, then RC/UC's connection or UD's Q_Key;
 * a refusal is counted on @peer_port.  resp_lock held.
 */
static bool soft_resp_admit(const struct soft_req *r, struct soft_qp *peer,
			    u8 peer_port, const struct ib_uverbs_qp_attr *pattr)
{
	struct soft_port *in = soft_port_get(peer->sdev, peer_port);
	struct soft_port *out = soft_port_get(r->qp->sdev, r->port);
	const struct ib_uverbs_ah_attr *back = &pattr->ah_attr;
	u32 qkey;

	if (!soft_pkey_match(soft_pkey_at(r->qp->sdev, r->attr.pkey_index),
			     soft_pkey_at(peer->sdev, pattr->pkey_index))) {
		soft_port_count(&in->stats.pkey_violations);
		return false;
	}
	if (peer->ibqp.qp_type == IB_UVERBS_QPT_UD) {
		qkey = r->wqe->wr.wr.ud.remote_qkey;
		if (qkey & SOFT_QKEY_USE_QP)
			qkey = r->attr.qkey;
		if (qkey != pattr->qkey) {
			soft_port_count(&in->stats.qkey_violations);
			return false;
		}
		return true;
	}
	/* The requester must be the far end of the responder's own path. */
	if (pattr->port_num != peer_port ||
	    pattr->dest_qp_num != r->qp->ibqp.qp_num ||
	    (back->is_global ?
	     !r->av->is_global || memcmp(&back->dgid, &out->gid,
					 sizeof(out->gid)) :
	     back->dlid != out->lid)) {
		soft_port_count(&in->stats.addr_errors);
		return false;
	}
	return true;
}

/* The PSNs of @r's request: its packets, or a READ's response's. */
static u32 soft_req_npkts(const struct soft_req *r)
{
	u8 mtu = r->attr.path_mtu;
	u64 bytes;

	if (soft_is_atomic(r->wqe->wr.opcode) || !r->local.len)
		return 1;
	if (mtu < IB_UVERBS_MTU_256 || mtu > IB_UVERBS_MTU_4096)
		mtu = IB_UVERBS_MTU_4096;
	bytes = 128ull << mtu;
	return (u32)((r->local.len + bytes - 1) / bytes);
}

/*
 * A WR takes its PSNs from the requester's sequence when it first goes
 * out; its retries keep them.  sq.lock held.
 */
static void soft_req_psn(struct soft_req *r)
{
	struct soft_send_wqe *wqe = r->wqe;
	struct soft_qp *sqp = r->qp;

	r->npkts = soft_req_npkts(r);
	if (wqe->psn_set)
		return;
	spin_lock(&sqp->lock);
	wqe->psn = sqp->req_psn;
	sqp->req_psn = (sqp->req_psn + r->npkts) & SOFT_PSN_MASK;
	spin_unlock(&sqp->lock);
	wqe->psn_set = 1;
}

enum soft_seq {
	SOFT_SEQ_NEW,		/* the PSN expected */
	SOFT_SEQ_DUPLICATE,	/* behind it: done already */
	SOFT_SEQ_AHEAD,		/* ahead of it: out of sequence */
};

/* Where @r's PSN stands for the RC responder @peer.  resp_lock held. */
static enum soft_seq soft_resp_seq(const struct soft_req *r,
				   struct soft_qp *peer)
{
	u32 diff;

	spin_lock(&peer->lock);
	diff = (r->wqe->psn - peer->resp_psn) & SOFT_PSN_MASK;
	spin_unlock(&peer->lock);
	if (!diff)
		return SOFT_SEQ_NEW;
	return diff < SOFT_PSN_HALF ? SOFT_SEQ_AHEAD : SOFT_SEQ_DUPLICATE;
}

/* The responder acknowledged @r: it expects the PSN after it. */
static void soft_resp_psn_advance(const struct soft_req *r,
				  struct soft_qp *peer)
{
	spin_lock(&peer->lock);
	peer->resp_psn = (r->wqe->psn + r->npkts) & SOFT_PSN_MASK;
	spin_unlock(&peer->lock);
}

/*
 * An RC request the responder has seen already: IB acknowledges a SEND
 * or WRITE again without executing it, answers a READ again, and drops
 * an atomic whose saved answer it no longer has (we keep none).
 */
static int soft_resp_duplicate(struct soft_req *r, struct soft_qp *peer,
			       const struct ib_uverbs_qp_attr *pattr)
{
	u32 opcode = r->wqe->wr.opcode;

	if (opcode == IB_UVERBS_WR_RDMA_READ)
		return soft_resp_read(r, peer, pattr);
	if (soft_is_atomic(opcode))
		return SOFT_NO_ANSWER;
	return IB_UVERBS_WC_SUCCESS;
}

/*
 * Executes one WR of @r->qp's send queue (sq.lock held): the WC status,
 * or SOFT_RNR with r->rnr_us the responder's timer.
 */
static int soft_wqe_execute(struct soft_req *r)
{
	struct soft_qp *req = r->qp;
	struct soft_send_wqe *wqe = r->wqe;
	const struct ib_uverbs_send_wr *wr = &wqe->wr;
	u8 type = req->ibqp.qp_type;
	struct ib_uverbs_qp_attr pattr;
	struct soft_port *in;
	struct soft_qp *peer;
	u8 peer_port = 0;
	u32 dqpn;
	int status;

	/* The requester's own SGEs first: nothing moves if one is bad. */
	if (wqe->inline_len) {
		soft_sgl_init(&r->local);
		soft_sgl_add_kernel(&r->local, wqe->data, wqe->inline_len);
		status = IB_UVERBS_WC_SUCCESS;
	} else {
		status = soft_sgl_get(&r->local, req->sdev, req->ibqp.pd,
				      (const struct ib_uverbs_sge *)wqe->data,
				      wr->num_sge,
				      soft_is_send(wr->opcode) ||
				      soft_is_write(wr->opcode) ? 0 :
				      IB_UVERBS_ACCESS_LOCAL_WRITE);
	}
	if (status)
		return status;
	if (r->local.len > SOFT_MAX_MSG ||
	    (type == IB_UVERBS_QPT_UD && r->local.len > SOFT_UD_MTU) ||
	    (soft_is_atomic(wr->opcode) && r->local.len < sizeof(u64))) {
		status = IB_UVERBS_WC_LOC_LEN_ERR;
		goto out_put;
	}
	r->byte_len = (u32)r->local.len;

	if (type == IB_UVERBS_QPT_UD) {
		r->av = &wqe->ah;
		dqpn = wr->wr.ud.remote_qpn;
		r->port = wqe->ah.port_num ? wqe->ah.port_num :
					     r->attr.port_num;
	} else {
		r->av = &r->attr.ah_attr;
		dqpn = r->attr.dest_qp_num;
		r->port = r->attr.port_num;
	}
	if (r->av->is_global)
		peer = soft_fabric_qp_by_gid(&r->av->dgid, dqpn, &peer_port);
	else
		peer = soft_fabric_qp_by_lid(r->av->dlid, dqpn, &peer_port);
	/* On the wire from here: the request has its PSNs. */
	soft_req_psn(r);

	status = IB_UVERBS_WC_SUCCESS;
	if (peer)
		mutex_lock(&peer->resp_lock);
	/* A port that is down delivers nothing, at either end. */
	if (!soft_port_is_up(req->sdev, r->port) ||
	    (peer && !soft_port_is_up(peer->sdev, peer_port)))
		goto no_peer;
	if (peer && !peer->dead && peer->ibqp.qp_type == type) {
		soft_qp_attr_read(peer, &pattr);
		if (pattr.qp_state != IB_UVERBS_QPS_RTR &&
		    pattr.qp_state != IB_UVERBS_QPS_RTS &&
		    pattr.qp_state != IB_UVERBS_QPS_SQD)
			goto no_peer;
		if (!soft_resp_admit(r, peer, peer_port, &pattr))
			goto no_peer;
		r->rnr_us = soft_rnr_us[pattr.min_rnr_timer & 31];
		in = soft_port_get(peer->sdev, peer_port);
		switch (type == IB_UVERBS_QPT_RC ? soft_resp_seq(r, peer) :
						   SOFT_SEQ_NEW) {
		case SOFT_SEQ_NEW:
			break;
		case SOFT_SEQ_AHEAD:
			soft_port_count(&in->stats.seq_errors);
			goto no_peer;
		case SOFT_SEQ_DUPLICATE:
			soft_port_count(&in->stats.duplicates);
			status = soft_resp_duplicate(r, peer, &pattr);
			goto out_peer;
		}
		if (type == IB_UVERBS_QPT_UD &&
		    smp_load_acquire(&peer->path) == SOFT_PATH_DIRECT) {
			/* Its client owns its receives: into its ring. */
			status = soft_resp_ud_direct(r, peer, &pattr);
			if (status == IB_UVERBS_WC_SUCCESS)
				soft_direct_ud_contact(r->qp, peer);
			else
				status = status == SOFT_RNR ? SOFT_RNR :
					 IB_UVERBS_WC_SUCCESS; /* lost */
		} else if (type == IB_UVERBS_QPT_UD) {
			/* Only the wait for a posted receive concerns it. */
			if (soft_resp_recv(r, peer, &pattr, true) == SOFT_RNR)
				status = SOFT_RNR;
		} else if (soft_is_send(wr->opcode)) {
			status = soft_resp_recv(r, peer, &pattr, true);
		} else if (soft_is_write(wr->opcode)) {
			status = soft_resp_write(r, peer, &pattr);
		} else if (wr->opcode == IB_UVERBS_WR_RDMA_READ) {
			status = soft_resp_read(r, peer, &pattr);
		} else if (soft_is_atomic(wr->opcode)) {
			status = soft_resp_atomic(r, peer, &pattr);
		} else {
			status = IB_UVERBS_WC_LOC_QP_OP_ERR;
		}
		/* Acknowledged: the responder expects the next PSN. */
		if (type == IB_UVERBS_QPT_RC && status == IB_UVERBS_WC_SUCCESS)
			soft_resp_psn_advance(r, peer);
	} else {
no_peer:
		/* Nobody answers: RC retries; UC and UD lose it. */
		if (type == IB_UVERBS_QPT_RC)
			status = SOFT_NO_ANSWER;
	}
out_peer:
	if (peer) {
		mutex_unlock(&peer->resp_lock);
		soft_qp_put(peer);
	}
out_put:
	soft_sgl_put(&r->local);
	return status;
}

/* The QP's transport timer (IB: 4.096 us << timeout; 0: at once). */
u32 soft_timeout_us(u8 timeout)
{
	u64 us;

	if (!timeout)
		return 0;
	us = (4096ull << (timeout & 31)) / 1000;
	return us > SOFT_MAX_TIMEOUT_US ? SOFT_MAX_TIMEOUT_US : (u32)us;
}

/* The head WR is retried by the workqueue after @us (sq.lock held). */
static void soft_sq_retry_later(struct soft_qp *sqp,
				struct soft_send_wqe *wqe, u32 us)
{
	wqe->rnr_until = ktime_get_ns() + (u64)us * 1000;
	mod_delayed_work(sqp->sdev->wq, &sqp->rnr_work, us);
}

/**
 * soft_sq_process_budget() - run a send queue for a bounded time
 * @sqp: the QP
 * @retry_now: retry the head even if its RNR timer still runs
 * @budget: bytes (each WR also costs SOFT_WR_COST) this call may move,
 *	decreased by what it moved; NULL: no bound
 *
 * Executes WRs in order until the queue is empty, its head waits (RNR,
 * transport timer, SQD), or the budget is spent.  An RDMA WRITE or READ,
 * or a SEND to a QP's own receive queue, longer than the budget moves
 * what the budget allows and resumes at the next call; any other WR runs
 * whole.
 * Return: true if it stopped for the budget with WRs left to run.
 */
bool soft_sq_process_budget(struct soft_qp *sqp, bool retry_now, u64 *budget)
{
	struct soft_queue *q = &sqp->sq;
	struct soft_req r;
	bool err = false, last_wqe = false, more = false;
	u64 cost;
	int status;

	/* A RoCEv2 port's QP: its packets go on the wire (roce.c). */
	if (soft_roce_qp(sqp))
		return soft_roce_sq_process(sqp, retry_now);
	spin_lock(&q->lock);
	while (q->head != q->tail && !READ_ONCE(sqp->dead)) {
		if (budget && !*budget) {
			more = true;
			break;
		}
		memset(&r, 0, sizeof(r));
		r.qp = sqp;
		r.wqe = soft_queue_entry(q, q->head);
		r.budget = budget ? *budget : ~0ull;
		soft_qp_attr_read(sqp, &r.attr);
		if (q->flush || r.attr.qp_state == IB_UVERBS_QPS_ERR) {
			status = IB_UVERBS_WC_WR_FLUSH_ERR;
			r.byte_len = 0;
		} else if (r.attr.qp_state != IB_UVERBS_QPS_RTS) {
			break;	/* SQD: executes again after RTS */
		} else if (r.wqe->rnr_until && !retry_now &&
			   ktime_get_ns() < r.wqe->rnr_until) {
			break;	/* its RNR timer runs */
		} else {
			retry_now = false;
			status = soft_wqe_execute(&r);
			cost = (r.moved ? r.moved : r.byte_len) + SOFT_WR_COST;
			if (budget)
				*budget -= min_t(u64, *budget, cost);
			if (status == SOFT_PARTIAL)
				continue;	/* the budget decides */
			if (status == SOFT_RNR &&
			    sqp->ibqp.qp_type != IB_UVERBS_QPT_RC) {
				/* UC, UD: a posted receive not taken yet. */
				if (r.wqe->rnr_tries++ < SOFT_RING_RECV_TRIES) {
					soft_sq_retry_later(sqp, r.wqe,
							    SOFT_RING_RECV_US);
					break;
				}
				status = IB_UVERBS_WC_SUCCESS;	/* lost */
			} else if (status == SOFT_RNR) {
				if (r.attr.rnr_retry == SOFT_RNR_INFINITE ||
				    r.wqe->rnr_tries++ < r.attr.rnr_retry) {
					soft_sq_retry_later(sqp, r.wqe,
							    r.rnr_us);
					break;
				}
				status = IB_UVERBS_WC_RNR_RETRY_EXC_ERR;
			} else if (status == SOFT_NO_ANSWER) {
				/* The peer may not be ready yet (RTR). */
				if (r.wqe->retry_tries++ < r.attr.retry_cnt) {
					soft_sq_retry_later(sqp, r.wqe,
						soft_timeout_us(r.attr.timeout));
					break;
				}
				status = IB_UVERBS_WC_RETRY_EXC_ERR;
			}
		}
		q->head++;
		/* A delivered SEND completed before its receive did. */
		if (!r.completed)
			soft_req_complete(&r, status);
		if (status && status != IB_UVERBS_WC_WR_FLUSH_ERR) {
			if (soft_qp_set_err(sqp) && sqp->ibqp.srq)
				last_wqe = true;
			q->flush = true;
			err = true;
		}
	}
	spin_unlock(&q->lock);
	if (err)
		soft_rq_flush(sqp);
	if (last_wqe)
		soft_qp_event(sqp, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
	return more;
}

/* Runs @sqp's send queue as far as it goes, in the caller's thread. */
void soft_sq_process(struct soft_qp *sqp, bool retry_now)
{
	soft_sq_process_budget(sqp, retry_now, NULL);
}

/**
 * soft_qp_flush() - complete everything a QP in ERR holds with
 *	WR_FLUSH_ERR (MODIFY to ERR)
 */
void soft_qp_flush(struct soft_qp *sqp)
{
	soft_sq_process(sqp, false);
	soft_rq_flush(sqp);
}

/* The RNR timer of the send queue's head expired: retry it. */
void soft_rnr_work(struct delayed_work *dw)
{
	struct soft_qp *sqp = container_of(dw, struct soft_qp, rnr_work);

	/* A QP with rings: in its NIC's turn, within its budget. */
	if (!soft_ring_qp_kick(sqp, true))
		soft_sq_process(sqp, true);
}

/* Bytes of a WR's SGEs, 0 on overflow past u32. */
static bool soft_sge_total(const struct ib_uverbs_sge *sge, u32 num, u64 *len)
{
	u32 i;

	*len = 0;
	for (i = 0; i < num; i++)
		*len += sge[i].length;
	return *len <= 0xffffffffu;
}

static bool soft_opcode_ok(u8 type, u32 opcode)
{
	switch (type) {
	case IB_UVERBS_QPT_UD:
		return soft_is_send(opcode);
	case IB_UVERBS_QPT_UC:
		return soft_is_send(opcode) || soft_is_write(opcode);
	default:
		return opcode <= IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
	}
}

/*
 * Queues one WR at the tail of @q (its lock held): 0 or -errno.  An
 * inline payload is read through the SGEs from the context's memory, or
 * taken from @inline_buf (sge[0].length bytes) when the WR came from a
 * shared ring.
 */
int soft_send_wqe_fill(struct soft_qp *sqp, struct soft_queue *q,
		       const struct ib_uverbs_send_wr *wr,
		       const struct ib_uverbs_sge *sge, const u8 *inline_buf)
{
	struct ib_ucontext *uctx = sqp->ibqp.uobject ?
				   sqp->ibqp.uobject->context : NULL;
	struct soft_send_wqe *wqe;
	u64 len, off = 0;
	u32 i;
	int ret;

	if (q->tail - q->head >= q->max_wr) {
		uverbs_set_error("the send queue is full (%u WRs)", q->max_wr);
		return -ENOMEM;
	}
	if (!soft_opcode_ok(sqp->ibqp.qp_type, wr->opcode)) {
		uverbs_set_error("opcode %u not valid on QP type %u",
				 wr->opcode, sqp->ibqp.qp_type);
		return -EINVAL;
	}
	wqe = soft_queue_entry(q, q->tail);
	memset(wqe, 0, sizeof(*wqe));
	wqe->wr = *wr;
	if ((wr->send_flags & IB_UVERBS_SEND_INLINE) &&
	    (soft_is_send(wr->opcode) || soft_is_write(wr->opcode))) {
		/* The payload is copied now; the SGEs need no key. */
		if (!soft_sge_total(sge, wr->num_sge, &len) ||
		    len > sqp->ibqp.cap.max_inline_data) {
			uverbs_set_error("inline data over max_inline_data %u",
					 sqp->ibqp.cap.max_inline_data);
			return -EINVAL;
		}
		if (inline_buf) {
			if (wr->num_sge != 1) {
				uverbs_set_error("an inline WR of a ring has %u SGEs, not 1",
						 wr->num_sge);
				return -EINVAL;
			}
			memcpy(wqe->data, inline_buf, len);
		} else if (!uctx || !uctx->mm) {
			uverbs_set_error("inline data, but the QP has no address space to read it from");
			return -EINVAL;
		}
		for (i = 0; !inline_buf && i < wr->num_sge; i++) {
			if (sge[i].length &&
			    uctx->mm->ops->read(uctx->mm, wqe->data + off,
						sge[i].addr, sge[i].length)) {
				uverbs_set_error("inline SGE %u [0x%llx, +%u) is not readable",
						 i, (unsigned long long)sge[i].addr,
						 sge[i].length);
				return -EFAULT;
			}
			off += sge[i].length;
		}
		/* An empty inline WR is a zero-length message all the same. */
		wqe->inline_len = (u32)len;
		wqe->wr.num_sge = 0;
		if (!len)
			wqe->wr.send_flags &= ~IB_UVERBS_SEND_INLINE;
	} else {
		if (wr->num_sge > q->max_sge) {
			uverbs_set_error("%u SGEs > the send queue's %u",
					 wr->num_sge, q->max_sge);
			return -EINVAL;
		}
		if (wr->num_sge)
			memcpy(wqe->data, sge, wr->num_sge * sizeof(*sge));
	}
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UD) {
		if (!uctx) {
			uverbs_set_error("a UD WR on a QP without a context");
			return -EINVAL;
		}
		ret = uverbs_ah_attr_get(uctx, wr->wr.ud.ah, &wqe->ah);
		if (ret) {
			uverbs_set_error("AH handle %u: %s", wr->wr.ud.ah,
					 ret == -ENOENT ? "no such AH" :
					 ret == -EBUSY ? "being destroyed" :
							 "not an AH");
			return ret;
		}
	}
	q->tail++;
	return 0;
}

int soft_post_send(struct ib_qp *qp, const struct ib_uverbs_send_wr *wr,
		   u32 num_wr, const struct ib_uverbs_sge *sge, u32 num_sge,
		   u32 *bad_wr)
{
	struct soft_qp *sqp = to_soft_qp(qp);
	struct soft_queue *q = &sqp->sq;
	u8 state = soft_qp_state(sqp);
	u32 i, used = 0;
	int ret = 0;

	if (state != IB_UVERBS_QPS_RTS && state != IB_UVERBS_QPS_SQD &&
	    state != IB_UVERBS_QPS_ERR) {
		uverbs_set_error("the QP is in %s, not RTS, SQD or ERR",
				 ib_qp_state_name(state));
		*bad_wr = 0;
		return -EINVAL;
	}
	spin_lock(&q->lock);
	for (i = 0; i < num_wr; i++) {
		if (wr[i].num_sge > num_sge - used) {
			uverbs_set_error("it takes %u SGEs, %u are left",
					 wr[i].num_sge, num_sge - used);
			ret = -EINVAL;
			break;
		}
		/* A post of WRs without SGEs may pass no array at all. */
		ret = soft_send_wqe_fill(sqp, q, &wr[i],
					 wr[i].num_sge ? sge + used : NULL,
					 NULL);
		if (ret)
			break;
		used += wr[i].num_sge;
	}
	spin_unlock(&q->lock);
	spin_lock(&sqp->lock);
	sqp->counters.send_posted += i;
	spin_unlock(&sqp->lock);
	soft_sq_process(sqp, false);
	if (ret)
		*bad_wr = i;
	return ret;
}

/*
 * Queues receive WRs on @q, whose lock the caller holds: the count
 * queued; *@ret set on failure.
 */
u32 soft_recv_queue_locked(struct soft_queue *q,
			   const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   int *ret)
{
	struct soft_recv_wqe *rw;
	u32 i, used = 0;

	*ret = 0;
	for (i = 0; i < num_wr; i++) {
		if (q->tail - q->head >= q->max_wr) {
			uverbs_set_error("the receive queue is full (%u WRs)",
					 q->max_wr);
			*ret = -ENOMEM;
			break;
		}
		if (wr[i].num_sge > q->max_sge ||
		    wr[i].num_sge > num_sge - used) {
			uverbs_set_error("%u SGEs: the queue takes %u, %u are left",
					 wr[i].num_sge, q->max_sge,
					 num_sge - used);
			*ret = -EINVAL;
			break;
		}
		rw = soft_queue_entry(q, q->tail);
		rw->wr_id = wr[i].wr_id;
		rw->num_sge = wr[i].num_sge;
		if (wr[i].num_sge)
			memcpy(rw->sge, sge + used,
			       wr[i].num_sge * sizeof(*sge));
		used += wr[i].num_sge;
		q->tail++;
	}
	return i;
}

/* Queues receive WRs on @q: the count queued; *@ret set on failure. */
u32 soft_recv_queue(struct soft_queue *q,
			   const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   int *ret)
{
	u32 n;

	spin_lock(&q->lock);
	n = soft_recv_queue_locked(q, wr, num_wr, sge, num_sge, ret);
	spin_unlock(&q->lock);
	return n;
}

/* An RC requester waits on @sqp for a receive: run its send queue. */
void soft_rnr_kick(struct soft_qp *sqp)
{
	struct ib_uverbs_qp_attr a;
	struct soft_qp *peer;

	if (!READ_ONCE(sqp->rnr_waiter))
		return;
	WRITE_ONCE(sqp->rnr_waiter, false);
	soft_qp_attr_read(sqp, &a);
	if (a.ah_attr.is_global)
		peer = soft_fabric_qp_by_gid(&a.ah_attr.dgid, a.dest_qp_num,
					     NULL);
	else
		peer = soft_fabric_qp_by_lid(a.ah_attr.dlid, a.dest_qp_num,
					     NULL);
	if (!peer)
		return;
	/* Not in our turn: the peer's NIC runs its queue, if it has one. */
	if (!soft_ring_qp_kick(peer, true))
		soft_sq_process(peer, true);
	soft_qp_put(peer);
}

int soft_post_recv(struct ib_qp *qp, const struct ib_uverbs_recv_wr *wr,
		   u32 num_wr, const struct ib_uverbs_sge *sge, u32 num_sge,
		   u32 *bad_wr)
{
	struct soft_qp *sqp = to_soft_qp(qp);
	u8 state = soft_qp_state(sqp);
	u32 n;
	int ret;

	if (state == IB_UVERBS_QPS_RESET || qp->srq) {
		uverbs_set_error(qp->srq ? "the QP receives from an SRQ" :
					   "the QP is in RESET");
		*bad_wr = 0;
		return -EINVAL;
	}
	n = soft_recv_queue(&sqp->rq, wr, num_wr, sge, num_sge, &ret);
	spin_lock(&sqp->lock);
	sqp->counters.recv_posted += n;
	spin_unlock(&sqp->lock);
	if (state == IB_UVERBS_QPS_ERR)
		soft_rq_flush(sqp);
	else
		soft_rnr_kick(sqp);
	if (ret)
		*bad_wr = n;
	return ret;
}

int soft_post_srq_recv(struct ib_srq *srq, const struct ib_uverbs_recv_wr *wr,
		       u32 num_wr, const struct ib_uverbs_sge *sge,
		       u32 num_sge, u32 *bad_wr)
{
	u32 n;
	int ret;

	if (smp_load_acquire(&to_soft_srq(srq)->uring)) {
		uverbs_set_error("SRQ_POST_RECV: the SRQ's receives are posted on its ring");
		*bad_wr = 0;
		return -EINVAL;
	}
	n = soft_recv_queue(&to_soft_srq(srq)->rq, wr, num_wr, sge, num_sge,
			    &ret);
	if (ret)
		*bad_wr = n;
	return ret;
}

int soft_poll_cq(struct ib_cq *cq, u32 num, struct ib_uverbs_wc *wc)
{
	struct soft_cq *scq = to_soft_cq(cq);
	u32 n = 0;

	spin_lock(&scq->lock);
	if (scq->uring) {
		/* Polling a shared ring by command: as the client would. */
		u32 head = READ_ONCE(scq->uring->cons);

		while (n < num && head != scq->tail &&
		       scq->tail - head <= cq->cqe)
			wc[n++] = scq->uents[head++ & (cq->cqe - 1)];
		smp_store_release(&scq->uring->cons, head);
		spin_unlock(&scq->lock);
		return (int)n;
	}
	while (n < num && scq->head != scq->tail) {
		wc[n++] = scq->ring[scq->head & (cq->cqe - 1)];
		scq->head++;
	}
	spin_unlock(&scq->lock);
	return (int)n;
}

int soft_req_notify_cq(struct ib_cq *cq, bool solicited_only)
{
	struct soft_cq *scq = to_soft_cq(cq);

	spin_lock(&scq->lock);
	scq->notify = solicited_only ? SOFT_CQ_SOLICITED : SOFT_CQ_NEXT_COMP;
	spin_unlock(&scq->lock);
	return 0;
}

u8 soft_qp_query_state(struct ib_qp *qp)
{
	return soft_qp_state(to_soft_qp(qp));
}
