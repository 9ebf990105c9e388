// SPDX-License-Identifier: MIT
/*
 * The provider's ioverbs half for the objects past the PD: MRs, CQs and
 * QPs as commands of lib/, and their data path through the soft device's
 * shared rings (<ioverbs/soft_ring.h>): ibv_post_send(), ibv_post_recv()
 * and ibv_poll_cq() make no system call but the doorbell's kick when the
 * device sleeps.  A device without rings (SOFT_VENDOR_ATTACH refused)
 * gets POST_SEND, POST_RECV and CQ_POLL commands instead.
 *
 * Also the spare event files that ibv_create_comp_channel()'s legacy
 * write binds (docs/internals.md, "What libibverbs sends by itself").
 *
 * Locking: struct ivp_dev's lock (the doorbell's attach, the spares),
 * taken alone; each CQ's lock around its ring's consumer index and the
 * crediting of what it polled, each QP's two locks around its rings'
 * producer indexes.  Order: a CQ's lock -> the context's qps_lock (read)
 * -> a QP's sq_lock (an error completion empties the send queue).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ivp_lib.h"

#define IVP_DEFAULT_MOUNT "/run/ioverbs"

#define SAME(a, b)                                                        \
	_Static_assert(sizeof(struct a) == sizeof(struct b), #a " size")
SAME(ivp_sge, ib_uverbs_sge);
SAME(ivp_send_wr, ib_uverbs_send_wr);
SAME(ivp_recv_wr, ib_uverbs_recv_wr);
SAME(ivp_wc, ib_uverbs_wc);
SAME(ivp_ah_attr, ib_uverbs_ah_attr);
SAME(ivp_qp_cap, ib_uverbs_qp_cap);
SAME(ivp_qp_attr, ib_uverbs_qp_attr);
#define AT(a, b, f)                                                       \
	_Static_assert(offsetof(struct a, f) == offsetof(struct b, f), #f)
AT(ivp_send_wr, ib_uverbs_send_wr, wr.ud.remote_qkey);
AT(ivp_send_wr, ib_uverbs_send_wr, wr.atomic.rkey);
AT(ivp_wc, ib_uverbs_wc, port_num);
AT(ivp_ah_attr, ib_uverbs_ah_attr, port_num);
AT(ivp_qp_attr, ib_uverbs_qp_attr, cap);
AT(ivp_qp_attr, ib_uverbs_qp_attr, qp_state);
AT(ivp_qp_attr, ib_uverbs_qp_attr, alt_timeout);

/* Spare event files. */

static int spare_open(struct ivp_dev *dev, int i)
{
	static unsigned int seq;
	const char *mount = getenv("IOVERBS_MOUNT");
	char path[4096];
	struct stat st;
	int fd, tries;

	if (!mount || !*mount)
		mount = IVP_DEFAULT_MOUNT;
	for (tries = 0; tries < 16; tries++) {
		snprintf(path, sizeof(path), "%s/events/legacy-%d-%u-%lx", mount,
			 (int)getpid(),
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED),
			 (unsigned long)(uintptr_t)dev);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	dev->spare[i] = fd;
	dev->spare_dev[i] = st.st_dev;
	dev->spare_ino[i] = st.st_ino;
	return 0;
}

/* Is @fd still the spare opened in slot @i? */
static bool spare_is(struct ivp_dev *dev, int i, int fd)
{
	struct stat st;

	return dev->spare[i] == fd && !fstat(fd, &st) &&
	       st.st_dev == dev->spare_dev[i] && st.st_ino == dev->spare_ino[i];
}

void ivp_dev_init(struct ivp_dev *dev)
{
	int i;

	pthread_mutex_init(&dev->lock, NULL);
	pthread_rwlock_init(&dev->qps_lock, NULL);
	ivp_direct_ctx_init(dev);
	dev->ring.fd = -1;
	dev->ring.kick = -1;
	dev->rings_state = 0;
	dev->async_wr = -1;
	/*
	 * A mount without events/ (no channel support) only costs the
	 * channels: ibv_create_comp_channel() then fails with EMFILE.
	 */
	for (i = 0; i < IVP_SPARES; i++) {
		dev->spare[i] = -1;
		spare_open(dev, i);
	}
}

void ivp_dev_fini(struct ivp_dev *dev)
{
	int i;

	for (i = 0; i < IVP_SPARES; i++)
		if (dev->spare[i] >= 0 && spare_is(dev, i, dev->spare[i]))
			close(dev->spare[i]);
	/* Its progress thread uses the doorbell's key table: first. */
	ivp_direct_ctx_fini(dev);
	if (dev->rings_state > 0)
		ioverbs_sring_ctx_detach(&dev->ring);
	pthread_rwlock_destroy(&dev->qps_lock);
	pthread_mutex_destroy(&dev->lock);
}

void ivp_spare_taken(struct ivp_dev *dev, int fd)
{
	int i;

	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < IVP_SPARES; i++) {
		if (dev->spare[i] != fd)
			continue;
		dev->spare[i] = -1;
		spare_open(dev, i);
		break;
	}
	pthread_mutex_unlock(&dev->lock);
}

/* The doorbell, attached once: true when the rings are usable. */
bool ivp_dev_rings(struct ivp_dev *dev)
{
	pthread_mutex_lock(&dev->lock);
	if (!dev->rings_state)
		dev->rings_state = ivp_direct_ctx_attach(dev) ? -1 : 1;
	pthread_mutex_unlock(&dev->lock);
	return dev->rings_state > 0;
}

/* MR */

int ivp_reg_mr(struct ivp_dev *dev, uint32_t pd, uint64_t addr, uint64_t len,
	       uint64_t hca_va, uint32_t access, uint32_t *handle,
	       uint32_t *lkey, uint32_t *rkey)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = addr,
		.length = len,
		.hca_va = hca_va,
		.access_flags = access,
	};
	struct ib_uverbs_mr_reg_resp resp;
	long ret;

	ret = ioverbs_mr_reg_ex(&dev->v, pd, &cmd, handle, &resp);
	if (ret)
		return (int)ret;
	*lkey = resp.lkey;
	*rkey = resp.rkey;
	ivp_direct_mr_add(dev, *handle, pd, resp.lkey, hca_va, addr, len,
			  access);
	return 0;
}

int ivp_dereg_mr(struct ivp_dev *dev, uint32_t handle)
{
	long ret = ioverbs_mr_dereg(&dev->v, handle);

	if (!ret)
		ivp_direct_mr_del(dev, handle);
	return (int)ret;
}

/* CQ */

struct ivp_dev *ivp_cq_dev(struct ivp_cq *cq)
{
	return cq->dev;
}

int ivp_cq_create(struct ivp_dev *dev, uint32_t cqe, uint64_t user_handle,
		  uint32_t comp_vector, int channel, struct ivp_cq **out,
		  uint32_t *handle, uint32_t *cqe_out)
{
	struct ib_uverbs_cq_create_cmd cmd = {
		.user_handle = user_handle,
		.cqe = cqe,
		.comp_vector = comp_vector,
	};
	struct ib_uverbs_cq_create_resp resp;
	struct ivp_cq *cq;
	long ret;

	cq = calloc(1, sizeof(*cq));
	if (!cq)
		return -ENOMEM;
	cq->dev = dev;
	cq->r.fd = -1;
	cq->user_handle = user_handle;
	ret = ioverbs_cq_create_ex(&dev->v, &cmd, channel, &cq->handle, &resp);
	if (ret) {
		free(cq);
		return (int)ret;
	}
	pthread_mutex_init(&cq->lock, NULL);
	/* No ring (not the soft device): CQ_POLL commands. */
	cq->ring = !ioverbs_sring_cq_attach(&cq->r, cq->handle, resp.cqe,
					    dev->v.fn, dev->v.ctx);
	cq->cqe = resp.cqe;
	*handle = cq->handle;
	*cqe_out = resp.cqe;
	*out = cq;
	return 0;
}

int ivp_cq_destroy(struct ivp_cq *cq, uint32_t *comp_events,
		   uint32_t *async_events)
{
	struct ib_uverbs_cq_destroy_resp resp;
	long ret;

	ret = ioverbs_cq_destroy(&cq->dev->v, cq->handle, &resp);
	if (ret)
		return (int)ret;
	*comp_events = resp.comp_events_reported;
	/* With the CQ_ERR events the direct path reported itself. */
	*async_events = resp.async_events_reported +
			__atomic_load_n(&cq->devents, __ATOMIC_ACQUIRE);
	if (cq->ring)
		ioverbs_sring_cq_detach(&cq->r);
	pthread_mutex_destroy(&cq->lock);
	free(cq->dq);
	free(cq);
	return 0;
}

static void qp_credit(struct ivp_qp *qp, const struct ivp_wc *wc);

/* Credits each completion's QP with the WR it completed. */
static void credit(struct ivp_dev *dev, const struct ivp_wc *wc, u32 n)
{
	struct ivp_qp *qp;
	u32 i;

	pthread_rwlock_rdlock(&dev->qps_lock);
	for (i = 0; i < n; i++) {
		for (qp = dev->qps[wc[i].qp_num % IVP_QP_BUCKETS]; qp;
		     qp = qp->next)
			if (qp->qpn == wc[i].qp_num)
				break;
		if (qp)
			qp_credit(qp, &wc[i]);
	}
	pthread_rwlock_unlock(&dev->qps_lock);
}

int ivp_cq_poll(struct ivp_cq *cq, struct ivp_wc *wc, uint32_t num,
		bool *yield)
{
	u32 n, m;
	long ret;

	/* Without direct QPs, only the daemon makes completions. */
	*yield = true;
	if (!cq->ring) {
		/* Its QPs may have rings (and counts) all the same. */
		pthread_mutex_lock(&cq->lock);
		ret = ioverbs_cq_poll(&cq->dev->v, cq->handle,
				      (struct ib_uverbs_wc *)wc, num, &n);
		if (!ret && n)
			credit(cq->dev, wc, n);
		pthread_mutex_unlock(&cq->lock);
		return ret ? (int)ret : (int)n;
	}
	pthread_mutex_lock(&cq->lock);
	if (cq->ndq && ivp_direct_cq_has_ud(cq)) {
		/* A UD QP's direct completions come before its relayed ones. */
		n = ivp_direct_cq_poll(cq, wc, num, yield);
		m = ioverbs_sring_poll(&cq->r, (struct ib_uverbs_wc *)(wc + n),
				       num - n);
		if (m)
			credit(cq->dev, wc + n, m);
		n += m;
		goto out_unlock;
	}
	n = ioverbs_sring_poll(&cq->r, (struct ib_uverbs_wc *)wc, num);
	/* In the CQ's lock: a QP's send completions are credited in order. */
	if (n)
		credit(cq->dev, wc, n);
	/* The direct QPs' completions are counted by direct.c. */
	if (n < num && cq->ndq)
		n += ivp_direct_cq_poll(cq, wc + n, num - n, yield);
out_unlock:
	pthread_mutex_unlock(&cq->lock);
	/* A dropped completion: the CQ is in error (CQ_ERR was queued). */
	if (!n && (ioverbs_sring_cq_overflowed(&cq->r) ||
		   __atomic_load_n(&cq->doverflow, __ATOMIC_ACQUIRE)))
		return -EOVERFLOW;
	return (int)n;
}

int ivp_cq_req_notify(struct ivp_cq *cq, int solicited_only)
{
	long ret = ioverbs_cq_req_notify(&cq->dev->v, cq->handle,
					 solicited_only ? 1 : 0);

	if (ret || !cq->ring)
		return (int)ret;
	pthread_mutex_lock(&cq->lock);
	ivp_direct_cq_arm(cq, solicited_only);
	pthread_mutex_unlock(&cq->lock);
	return 0;
}

/* QP */

/*
 * A completion of @qp's (pollers, under qps_lock read-held): a receive
 * frees one receive WQE; a send frees every send up to the signaled one
 * it completes.  An error completion moves the QP to the error state,
 * where every outstanding WR is flushed: the send queue counts as empty.
 */
static void qp_credit(struct ivp_qp *qp, const struct ivp_wc *wc)
{
	u32 head, tail;

	if (wc->opcode & IB_UVERBS_WC_RECV) {
		if (!qp->srq)
			__atomic_fetch_add(&qp->rq_done, 1, __ATOMIC_RELEASE);
		return;
	}
	if (wc->status != IB_UVERBS_WC_SUCCESS) {
		pthread_mutex_lock(&qp->sq_lock);
		__atomic_store_n(&qp->sq_done, qp->sq_posted, __ATOMIC_RELEASE);
		qp->sig_head = qp->sig_tail;
		pthread_mutex_unlock(&qp->sq_lock);
		return;
	}
	head = __atomic_load_n(&qp->sig_head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&qp->sig_tail, __ATOMIC_ACQUIRE);
	if (head == tail)
		return; /* not one we counted (a command's post) */
	__atomic_store_n(&qp->sq_done, qp->sig[head % qp->max_send_wr] + 1,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&qp->sig_head, head + 1, __ATOMIC_RELEASE);
}

struct ivp_dev *ivp_qp_dev(struct ivp_qp *qp)
{
	return qp->dev;
}

int ivp_qp_create(struct ivp_dev *dev, struct ivp_qp_create *c,
		  struct ivp_qp **out, uint32_t *handle, uint32_t *qpn)
{
	struct ib_uverbs_qp_create_cmd cmd = {
		.user_handle = c->user_handle,
		.qp_type = c->qp_type,
		.sq_sig_all = c->sq_sig_all,
	};
	struct ib_uverbs_qp_create_resp resp;
	struct ivp_qp *qp;
	long ret;

	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return -ENOMEM;
	qp->dev = dev;
	qp->r.fd = -1;
	memcpy(&cmd.cap, &c->cap, sizeof(cmd.cap));
	cmd.cap.reserved = 0;
	ret = ioverbs_qp_create_ex(&dev->v, &cmd, c->pd, c->send_cq,
				   c->recv_cq, c->srq, &qp->handle, &resp);
	if (ret) {
		free(qp);
		return (int)ret;
	}
	pthread_mutex_init(&qp->sq_lock, NULL);
	pthread_mutex_init(&qp->rq_lock, NULL);
	qp->qpn = resp.qpn;
	qp->srq = c->srq != IVP_NONE;
	qp->sq_sig_all = c->sq_sig_all;
	qp->max_send_wr = resp.cap.max_send_wr;
	qp->max_recv_wr = resp.cap.max_recv_wr;
	qp->sig = calloc(qp->max_send_wr ? qp->max_send_wr : 1,
			 sizeof(*qp->sig));
	qp->ring = qp->sig && ivp_dev_rings(dev) &&
		   !ioverbs_sring_qp_attach(&qp->r, &dev->ring, qp->handle,
					    &resp.cap, dev->v.fn, dev->v.ctx);
	qp->srqp = c->srqp;
	qp->srq_ring = ivp_srq_ring(c->srqp);
	if (qp->ring && dev->d.on &&
	    (((c->qp_type == IB_UVERBS_QPT_RC || c->qp_type == IB_UVERBS_QPT_UC) &&
	      (!qp->srq || qp->srq_ring)) ||
	     (c->qp_type == IB_UVERBS_QPT_UD && !qp->srq)))
		ivp_direct_qp_init(qp, c->qp_type, c->pd, c->scq, c->rcq);
	/* The CQs' polls and arms look at their QPs' paths. */
	if (qp->ring && c->scq && c->rcq &&
	    (ivp_direct_cq_add(c->scq, qp) ||
	     (c->rcq != c->scq && ivp_direct_cq_add(c->rcq, qp)))) {
		ivp_direct_cq_del(c->scq, qp);
		ivp_direct_qp_fini(qp);
	}
	/*
	 * A post to its SRQ drains its direct ring (records wait: RNR).
	 * Last: nobody else sees the QP before, so qp->d is settled.
	 */
	if (qp->d && qp->srq_ring && ivp_srq_qp_add(c->srqp, qp)) {
		if (c->scq && c->rcq) {
			ivp_direct_cq_del(c->scq, qp);
			ivp_direct_cq_del(c->rcq, qp);
		}
		ivp_direct_qp_fini(qp);
	}
	if (qp->ring) {
		pthread_rwlock_wrlock(&dev->qps_lock);
		qp->next = dev->qps[qp->qpn % IVP_QP_BUCKETS];
		dev->qps[qp->qpn % IVP_QP_BUCKETS] = qp;
		pthread_rwlock_unlock(&dev->qps_lock);
	}
	qp->scq = c->scq;
	qp->rcq = c->rcq;
	memcpy(&c->cap, &resp.cap, sizeof(c->cap));
	*handle = qp->handle;
	*qpn = resp.qpn;
	*out = qp;
	return 0;
}

int ivp_qp_modify(struct ivp_qp *qp, const struct ivp_qp_attr *a)
{
	long ret = ioverbs_qp_modify(&qp->dev->v, qp->handle,
				     (const struct ib_uverbs_qp_attr *)a);

	/* Connects at RTR when the device chose the direct path. */
	if (!ret)
		ivp_direct_qp_modified(qp, a);
	return (int)ret;
}

int ivp_qp_query(struct ivp_qp *qp, uint32_t mask, struct ivp_qp_attr *a,
		 uint8_t *qp_type, uint8_t *sq_sig_all)
{
	struct ib_uverbs_qp_query_resp resp;
	long ret;

	ret = ioverbs_qp_query(&qp->dev->v, qp->handle, mask, &resp);
	if (ret)
		return (int)ret;
	memcpy(a, &resp.attr, sizeof(*a));
	*qp_type = resp.qp_type;
	*sq_sig_all = resp.sq_sig_all;
	return 0;
}

int ivp_qp_destroy(struct ivp_qp *qp, uint32_t *events)
{
	struct ib_uverbs_qp_destroy_resp resp;
	long ret;

	ivp_direct_qp_quiesce(qp);
	ret = ioverbs_qp_destroy(&qp->dev->v, qp->handle, &resp);
	if (ret)
		return (int)ret;
	/* What the peer sent until it learnt we went is taken too. */
	ivp_direct_qp_quiesce(qp);
	*events = resp.events_reported;
	if (qp->ring) {
		struct ivp_qp **pp;

		pthread_rwlock_wrlock(&qp->dev->qps_lock);
		for (pp = &qp->dev->qps[qp->qpn % IVP_QP_BUCKETS]; *pp;
		     pp = &(*pp)->next)
			if (*pp == qp) {
				*pp = qp->next;
				break;
			}
		pthread_rwlock_unlock(&qp->dev->qps_lock);
		if (qp->scq && qp->rcq) {
			ivp_direct_cq_del(qp->scq, qp);
			ivp_direct_cq_del(qp->rcq, qp);
		}
		if (qp->srq_ring)
			ivp_srq_qp_del(qp->srqp, qp);
		ivp_direct_qp_fini(qp);
		ioverbs_sring_qp_detach(&qp->r);
	}
	free(qp->sig);
	pthread_mutex_destroy(&qp->sq_lock);
	pthread_mutex_destroy(&qp->rq_lock);
	free(qp);
	return 0;
}

int ivp_failed_why(struct ivp_dev *dev, const char *verb, int err,
		   const char *why)
{
	const char *debug = getenv("IOVERBS_DEBUG");

	if (!why)
		return ivp_failed(dev, verb, err);
	if (debug && !strcmp(debug, "1"))
		fprintf(stderr, "ioverbs: %s: %s (%s)\n", verb,
			strerrorname_np(-err) ?: "E???", why);
	return -err;
}

/* Why a ring refused a WR (ioverbs_sring_post_*()'s errnos). */
static const char *ring_why(int ret, bool send)
{
	if (ret == -ENOMEM)
		return send ? "the send queue is full" :
			      "the receive queue is full";
	return send ? "more SGEs or inline bytes than the QP takes" :
		      "more SGEs than the QP takes";
}

int ivp_qp_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
		     const struct ivp_sge *sge, const char **why)
{
	int ret;

	*why = NULL;
	if (ivp_direct_qp_is(qp)) {
		ret = ivp_direct_post_send(qp, wr, sge, why);
		/* UD: a WR it does not send itself goes to the relay. */
		if (ret != IVP_DIRECT_RELAY)
			return ret;
	}
	if (!qp->ring)
		return (int)ioverbs_qp_post_send(
			&qp->dev->v, qp->handle,
			(const struct ib_uverbs_send_wr *)wr, 1,
			wr->num_sge ? (const struct ib_uverbs_sge *)sge : NULL,
			wr->num_sge, NULL);
	pthread_mutex_lock(&qp->sq_lock);
	if (ivp_direct_qp_connected(qp) && !ivp_direct_qp_ud(qp)) {
		/* Connected since the test above: the rings are not ours. */
		pthread_mutex_unlock(&qp->sq_lock);
		return ivp_direct_post_send(qp, wr, sge, why);
	}
	if (qp->sq_posted - __atomic_load_n(&qp->sq_done, __ATOMIC_ACQUIRE) >=
	    qp->max_send_wr) {
		pthread_mutex_unlock(&qp->sq_lock);
		*why = "the send queue is full: max_send_wr WRs outstanding";
		return -ENOMEM;
	}
	ret = ioverbs_sring_post_send(&qp->r,
				      (const struct ib_uverbs_send_wr *)wr,
				      (const struct ib_uverbs_sge *)sge);
	if (!ret) {
		if (qp->sq_sig_all || (wr->send_flags & IB_UVERBS_SEND_SIGNALED)) {
			qp->sig[qp->sig_tail % qp->max_send_wr] = qp->sq_posted;
			__atomic_store_n(&qp->sig_tail, qp->sig_tail + 1,
					 __ATOMIC_RELEASE);
		}
		qp->sq_posted++;
	}
	pthread_mutex_unlock(&qp->sq_lock);
	if (ret)
		*why = ring_why(ret, true);
	return ret;
}

int ivp_qp_post_recv(struct ivp_qp *qp, const struct ivp_recv_wr *wr,
		     const struct ivp_sge *sge, const char **why)
{
	int ret;

	*why = NULL;
	if (ivp_direct_qp_is(qp))
		return ivp_direct_post_recv(qp, wr, sge, why);
	if (!qp->ring)
		return (int)ioverbs_qp_post_recv(
			&qp->dev->v, qp->handle,
			(const struct ib_uverbs_recv_wr *)wr, 1,
			wr->num_sge ? (const struct ib_uverbs_sge *)sge : NULL,
			wr->num_sge, NULL);
	pthread_mutex_lock(&qp->rq_lock);
	if (ivp_direct_qp_connected(qp)) {
		pthread_mutex_unlock(&qp->rq_lock);
		return ivp_direct_post_recv(qp, wr, sge, why);
	}
	if (!qp->srq &&
	    qp->rq_posted - __atomic_load_n(&qp->rq_done, __ATOMIC_ACQUIRE) >=
		    qp->max_recv_wr) {
		pthread_mutex_unlock(&qp->rq_lock);
		*why = "the receive queue is full: max_recv_wr WRs outstanding";
		return -ENOMEM;
	}
	ret = ioverbs_sring_post_recv(&qp->r,
				      (const struct ib_uverbs_recv_wr *)wr,
				      (const struct ib_uverbs_sge *)sge);
	if (!ret)
		qp->rq_posted++;
	pthread_mutex_unlock(&qp->rq_lock);
	if (ret)
		*why = ring_why(ret, false);
	return ret;
}

/* AH */

int ivp_ah_create(struct ivp_dev *dev, uint32_t pd,
		  const struct ivp_ah_attr *attr, uint32_t *handle)
{
	long ret = ioverbs_ah_create(&dev->v, pd,
				     (const struct ib_uverbs_ah_attr *)attr,
				     handle);

	/* A UD send through it may find its destination on the direct path. */
	if (!ret)
		ivp_direct_ah_add(dev, *handle, attr);
	return (int)ret;
}

int ivp_ah_destroy(struct ivp_dev *dev, uint32_t handle)
{
	long ret = ioverbs_ah_destroy(&dev->v, handle);

	if (!ret)
		ivp_direct_ah_del(dev, handle);
	return (int)ret;
}
