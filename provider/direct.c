// SPDX-License-Identifier: MIT
/*
 * The provider's side of the soft device's direct data path, as
 * <rdma/soft_direct.h> describes it: when the device made a QP's path
 * DIRECT, its posts never reach the device's rings again.  This file
 * maps the peer's QP memfd, key table and kick eventfd (pidfd_getfd()),
 * appends SEND records to the peer's receive ring, drains its own ring
 * into its receives, does RDMA WRITE, READ and atomics itself with one
 * process_vm_writev()/readv() after the peer's key table allowed them,
 * and makes the completions the relay would make, in posting order.
 *
 * Every byte of the peer's pages may be hostile: a record is copied and
 * checked before it is used, and anything that does not fit moves this
 * QP to ERR (a MODIFY command, so that the device's view stays right).
 *
 * Progress: a client's polls drain its QPs' receive rings themselves
 * (no system call); a context's progress thread does it when they do
 * not, woken by a sender whose record waits too long (the protocol's
 * "Progress thread"): it is started when the context's first QP
 * connects, sleeps without timeout, and makes for each DIRECT QP the
 * receive side's progress a poll makes, under the QP's lock.
 *
 * Locking: a QP's lock (struct ivp_dqp) serializes its posts and the
 * progress its CQs' polls and the progress thread make; under it, the
 * QP's two ring locks (only when it takes over its rings), the context's
 * mr_lock (read), dreg_lock (the QPs of this process) and thr_lock (the
 * progress thread's start).  Order: a CQ's lock -> a QP's lock -> its
 * sq_lock -> its rq_lock, a QP's lock -> dreg_lock, a QP's lock ->
 * thr_lock, and the context's pq_lock -> a QP's lock (the progress
 * thread holds pq_lock across a pass; QP create and destroy take it
 * alone), and an SRQ's qlock -> a QP's lock (a post to the SRQ drains
 * its DIRECT QPs, direct_srq.c); a peer's lock is only ever tried
 * (pthread_mutex_trylock(), a peer of this process, under dreg_lock).
 * A peer in another process is never locked: the rings' indexes and the
 * records' states are the protocol; so is an SRQ's ring's consumer
 * index, which the device moves too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rdma/soft_direct.h>

#include "ivp_lib.h"

#define DRING SOFT_DIRECT_RING_BYTES
#define DREC sizeof(struct soft_direct_msg)
/* Slots of the key table a context attaches. */
#define DKEY_ENTRIES 1024
/* rnr_retry 7: retry for ever. */
#define DRNR_INFINITE 7
/* The longest message the device takes (its SOFT_MAX_MSG). */
#define DMAX_MSG (1ull << 31)
#define DMAX_SGE 32
/* How long an atomic waits for a lock a live process holds. */
#define DLOCK_NS 1000000000ull
/* The longest transport timer (IB: 4.096 us << timeout), as the relay's. */
#define DMAX_TIMEOUT_NS (8ull * 1000 * 1000 * 1000)
/* An SRQ's QP keeps at most this many receives it took, not polled. */
#define DSRQ_HELD_MAX (1u << 20)
/*
 * A poster handing the CPU to its peer yields for DHANDOFF_YIELD_NS at
 * most, then sleeps for DHANDOFF_NS at most.
 */
#define DHANDOFF_YIELD_NS 20000
#define DHANDOFF_NS 200000

_Static_assert(sizeof(struct soft_direct_ctrl) <= SOFT_DIRECT_PAGE,
	       "the direct page fits its page");
_Static_assert(sizeof(struct soft_direct_msg) == 64, "a record's header");

/* One MR of the context (struct ivp_dctx.mr). */
struct ivp_dmr {
	struct ivp_dmr *next;
	u32 handle, pd, lkey, access;
	u64 iova, addr, len;
};

enum dwqe_state {
	DW_NEW,	 /* not executed yet */
	DW_SENT, /* its record waits in the peer's ring */
	DW_DONE, /* @status known */
};

/*
 * A send WR in the QP's own queue: the WR, its SGEs (max_send_sge) and,
 * for an inline WR, the payload copied at post time (max_inline_data).
 * @data_done: a WRITE_WITH_IMM's data is written, its notice not yet
 * @dropped: its completion found its CQ full: the poller skips it
 * @rec_pos, @rec_size: its record in the peer's ring (free running)
 * @rnr_seen: when the poster first saw the record refused (RNR)
 * @stall_since: when a poll first found the record waiting (0: not yet)
 * @woke: the peer's progress thread was woken for it
 */
struct dswqe {
	struct ivp_send_wr wr;
	u8 state;
	bool inl, data_done, dropped, woke;
	u32 status, len;
	u32 rec_pos, rec_size;
	u64 rnr_seen, stall_since;
	struct ivp_sge sge[];
};

/* A receive WR: its completion once @done, unless @dropped (CQ full). */
struct drwqe {
	u64 wr_id;
	u32 num_sge;
	bool done, dropped;
	struct ivp_wc wc;
	struct ivp_sge sge[];
};

/* The peer block of a direct page, as read under its seq. */
struct dpeer {
	u32 path, state, peer_gone, peer_qpn;
	s32 peer_pid;
	u16 peer_lid;
	u32 peer_pd, peer_min_rnr_us, peer_keys_entries, peer_access;
	s32 peer_qp_fd, peer_keys_fd, peer_kick_fd;
	u64 peer_qp_ino, peer_qp_size, peer_dir, peer_keys_ino, peer_kick_ino;
};

/**
 * struct ivp_dqp - a QP's direct data path
 * @lock: see the file's comment
 * @page, @ring: its own direct page and receive ring
 * @direct: connected (stored under @lock and the ring locks; read
 *	without: an atomic)
 * @failed: the connection failed: the QP went to ERR, relayed
 * @err: in ERR as this side sees it (its flushes done)
 * @err_sent: no MODIFY to ERR is needed (sent, or the QP is there)
 * @gone: peer_gone handled
 * @rx_broken: the peer scribbled on the receive ring: never drained again
 * @lost: the device is gone: the QP makes no progress, no completion
 * @ino: its QP memfd's inode (how a peer in this process finds it)
 * @pq_next: in its context's list (ivp_dctx.pq, under its pq_lock)
 * @client_drains: drains of its ring by its client (polls, posts)
 * @thr_drains: @client_drains at the progress thread's last pass
 * @peer_local: the peer is a QP of this process (registered: @reg_next)
 * @ppage, @pring, @pmap, @pmap_len: the peer's page and ring, mapped
 * @pkeys, @pentries, @pkeys_len: the peer's key table
 * @pkick: the peer's context's kick eventfd
 * @tx_prod, @tx_reap: the peer's ring: bytes written, bytes freed
 * @sq_head: oldest WR not completed to the poller; @sq_run: next to
 *	execute; @sq_tail: next to post; @sq_sent: WRs in DW_SENT
 * @rq_head: oldest receive not completed to the poller; @rq_take: next
 *	to match a record; @rq_tail: next to post
 * @held: completions made and not polled yet, for @rcq [0] and @scq [1]
 *	(counted in their CQ's dheld too)
 * @srq: the QP's SRQ's ring (NULL: it has its own receives): a receive
 *	is taken off it when a record needs one (srq_take()) and kept in
 *	@rq until its completion is polled (@rq then grows on demand);
 *	@srq_wqe: where a take copies the WQE
 * @gone_at: when @gone was found: the peer may still settle what
 *	reached it (at its destroy) until the transport timer, retried
 *	retry_cnt times, runs out, as the relay's requester waits for an
 *	answer (gone_wait())
 * @timeout, @retry_cnt: the QP's (MODIFY)
 * @ud: a UD QP's destinations and its own UD block (NULL for RC, UC)
 * @ho_seen: the peer's page's active at our last hand-off
 * @evented: the peer's client was seen waiting for completion events
 *	(armed, or its arm taken by us): no hand-off to it
 */
struct ivp_dqp {
	pthread_mutex_t lock;
	struct ivp_qp *qp;
	struct ivp_cq *scq, *rcq;
	u8 type, rnr_retry, port_num;
	u32 pd;
	struct soft_direct_ctrl *page;
	u8 *ring;
	bool direct, failed, err, err_sent, gone, rx_broken, lost;
	u64 ino;
	bool peer_local, registered;
	struct ivp_dqp *reg_next, *pq_next;
	struct dpeer peer;
	u8 *pmap;
	size_t pmap_len;
	struct soft_direct_ctrl *ppage;
	u8 *pring;
	struct soft_direct_keys *pkeys;
	size_t pkeys_len;
	u32 pentries;
	int pkick;
	u32 tx_prod, tx_reap;
	u32 client_drains, thr_drains;
	u64 msn;
	u32 rx_cons;
	u8 *sq;
	u32 sq_stride, sq_max, max_send_sge, max_inline;
	u32 sq_head, sq_run, sq_tail, sq_sent;
	u8 *rq;
	u32 rq_stride, rq_max, max_recv_sge;
	u32 rq_head, rq_take, rq_tail;
	u32 held[2];
	struct ioverbs_sring_srq *srq;
	struct soft_ring_recv *srq_wqe;
	u64 gone_at;
	u8 timeout, retry_cnt;
	struct ivp_dud *ud;
	u32 ho_seen;
	bool evented;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static bool debug_on(void)
{
	const char *d = getenv("IOVERBS_DEBUG");

	return d && !strcmp(d, "1");
}

static void dbg(struct ivp_qp *qp, const char *why, int err)
{
	if (!debug_on())
		return;
	if (err)
		fprintf(stderr, "ioverbs: direct QP %u: %s: %s\n", qp->qpn, why,
			strerrorname_np(err) ?: "E???");
	else
		fprintf(stderr, "ioverbs: direct QP %u: %s\n", qp->qpn, why);
}

static struct dswqe *sqe(struct ivp_dqp *d, u32 i)
{
	return (struct dswqe *)(d->sq + (size_t)(i % d->sq_max) * d->sq_stride);
}

static struct drwqe *rqe(struct ivp_dqp *d, u32 i)
{
	return (struct drwqe *)(d->rq + (size_t)(i % d->rq_max) * d->rq_stride);
}

static u8 *sqe_inline(struct ivp_dqp *d, struct dswqe *e)
{
	return (u8 *)&e->sge[d->max_send_sge];
}

static struct soft_direct_msg *rec_at(u8 *ring, u32 pos)
{
	return (struct soft_direct_msg *)(ring + (pos & (DRING - 1)));
}

static u32 rec_align(u64 n)
{
	return (u32)((n + DREC - 1) & ~(u64)(DREC - 1));
}

static void kick(int fd)
{
	u64 one = 1;

	/* EAGAIN: a counter at its maximum has woken its reader already. */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;
}

/*
 * A writer made work for an armed side of @pg: take the arm, tell the
 * device through @bit and the eventfd @fd.  @solicited: the work is a
 * solicited receive completion (or an error).
 */
static bool notify(struct soft_direct_ctrl *pg, bool recv, bool solicited,
		   int fd)
{
	u32 *armed = recv ? &pg->armed_recv : &pg->armed_send;
	u32 a = __atomic_load_n(armed, __ATOMIC_SEQ_CST);

	if (!a || (a == SOFT_DIRECT_ARM_SOLICITED && !solicited))
		return false;
	if (!__atomic_exchange_n(armed, 0, __ATOMIC_SEQ_CST))
		return false;
	__atomic_fetch_or(&pg->notify,
			  recv ? SOFT_DIRECT_NOTIFY_RECV : SOFT_DIRECT_NOTIFY_SEND,
			  __ATOMIC_SEQ_CST);
	kick(fd);
	return true;
}

static long futex(u32 *word, int op, u32 val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/*
 * Wakes the progress thread whose wake line is @w, for work published
 * before.  A poller (!@force) wakes it only if it sleeps: awake, the
 * thread sleeps later, and the poller, who looks again at its next
 * poll, then wakes it.  A client about to sleep (@force) will not look
 * again: it adds to the word in any case, so that a thread on its way
 * to sleep (which read the word before its pass) does not sleep.
 * Return: true if the thread was woken (or will not sleep).
 */
static bool wake_line_kick(struct soft_direct_wake *w, bool force)
{
	if (!force && !__atomic_load_n(&w->sleeping, __ATOMIC_SEQ_CST))
		return false;
	__atomic_fetch_add(&w->word, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w->sleeping, __ATOMIC_SEQ_CST))
		futex(&w->word, FUTEX_WAKE, 1);
	return true;
}

/* The context. */

void ivp_direct_ctx_init(struct ivp_dev *dev)
{
	const char *e = getenv("IOVERBS_DIRECT");
	struct ivp_dctx *c = &dev->d;

	memset(c, 0, sizeof(*c));
	c->want = !(e && !strcmp(e, "0"));
	c->handoff_ns = DHANDOFF_NS;
	pthread_rwlock_init(&c->mr_lock, NULL);
	pthread_mutex_init(&c->pq_lock, NULL);
	pthread_mutex_init(&c->thr_lock, NULL);
	pthread_rwlock_init(&c->ah_lock, NULL);
}

static void ud_ah_free_all(struct ivp_dctx *c);

static void progress_stop(struct ivp_dctx *c);

void ivp_direct_ctx_fini(struct ivp_dev *dev)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dmr *m;
	u32 i;

	progress_stop(c);
	for (i = 0; i < IVP_DMR_BUCKETS; i++)
		while ((m = c->mr[i])) {
			c->mr[i] = m->next;
			free(m);
		}
	pthread_rwlock_destroy(&c->mr_lock);
	pthread_mutex_destroy(&c->pq_lock);
	pthread_mutex_destroy(&c->thr_lock);
	ud_ah_free_all(c);
	pthread_rwlock_destroy(&c->ah_lock);
}

int ivp_direct_ctx_attach(struct ivp_dev *dev)
{
	int ret;

	if (dev->d.want) {
		ret = ioverbs_sring_ctx_attach_keys(&dev->ring, DKEY_ENTRIES,
						    dev->v.fn, dev->v.ctx);
		if (!ret) {
			dev->d.on = true;
			return 0;
		}
		/* A device without the direct path: relayed. */
		if (debug_on())
			fprintf(stderr,
				"ioverbs: the device refused the key table (%s): every QP is relayed\n",
				strerrorname_np(-ret) ?: "E???");
	}
	return ioverbs_sring_ctx_attach(&dev->ring, dev->v.fn, dev->v.ctx);
}

/* MRs */

void ivp_direct_mr_add(struct ivp_dev *dev, uint32_t handle, uint32_t pd,
		       uint32_t lkey, uint64_t iova, uint64_t addr,
		       uint64_t len, uint32_t access)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dmr *m = malloc(sizeof(*m));

	/* Without it the MR's SGEs fail the direct path's local checks. */
	if (!m)
		return;
	*m = (struct ivp_dmr){ .handle = handle, .pd = pd, .lkey = lkey,
			       .access = access, .iova = iova, .addr = addr,
			       .len = len };
	pthread_rwlock_wrlock(&c->mr_lock);
	m->next = c->mr[lkey % IVP_DMR_BUCKETS];
	c->mr[lkey % IVP_DMR_BUCKETS] = m;
	pthread_rwlock_unlock(&c->mr_lock);
}

void ivp_direct_mr_del(struct ivp_dev *dev, uint32_t handle)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dmr **pp, *m;
	u32 i;

	pthread_rwlock_wrlock(&c->mr_lock);
	for (i = 0; i < IVP_DMR_BUCKETS; i++)
		for (pp = &c->mr[i]; (m = *pp); pp = &m->next)
			if (m->handle == handle) {
				*pp = m->next;
				free(m);
				goto out;
			}
out:
	pthread_rwlock_unlock(&c->mr_lock);
}

/*
 * A QP's SGEs as local memory, checked against the context's MRs (lkey,
 * PD, range, @access): SUCCESS and @iov, @niov, @len filled, or
 * LOC_PROT_ERR.
 */
static u32 local_iov(struct ivp_qp *qp, const struct ivp_sge *sge, u32 num,
		     u32 access, struct iovec *iov, u32 *niov, u64 *len)
{
	struct ivp_dctx *c = &qp->dev->d;
	struct ivp_dmr *m;
	u32 i, status = IB_UVERBS_WC_SUCCESS;

	*niov = 0;
	*len = 0;
	pthread_rwlock_rdlock(&c->mr_lock);
	for (i = 0; i < num; i++) {
		const struct ivp_sge *s = &sge[i];

		if (!s->length)
			continue;
		for (m = c->mr[s->lkey % IVP_DMR_BUCKETS]; m; m = m->next)
			if (m->lkey == s->lkey)
				break;
		if (!m || m->pd != qp->d->pd || (m->access & access) != access ||
		    s->addr < m->iova || s->addr - m->iova > m->len ||
		    s->length > m->len - (s->addr - m->iova)) {
			status = IB_UVERBS_WC_LOC_PROT_ERR;
			break;
		}
		iov[*niov].iov_base = (void *)(uintptr_t)(m->addr +
							 (s->addr - m->iova));
		iov[*niov].iov_len = s->length;
		(*niov)++;
		*len += s->length;
	}
	pthread_rwlock_unlock(&c->mr_lock);
	return status;
}

/* A send WR's local memory: its inline copy, or its checked SGEs. */
static u32 wqe_iov(struct ivp_qp *qp, struct dswqe *e, u32 access,
		   struct iovec *iov, u32 *niov, u64 *len)
{
	if (e->inl) {
		iov[0].iov_base = sqe_inline(qp->d, e);
		iov[0].iov_len = e->len;
		*niov = e->len ? 1 : 0;
		*len = e->len;
		return IB_UVERBS_WC_SUCCESS;
	}
	return local_iov(qp, e->sge, e->wr.num_sge, access, iov, niov, len);
}

/* @len bytes of @src into the local @iov (checked: our own memory). */
static void scatter(const struct iovec *iov, u32 niov, const u8 *src, u64 len)
{
	u32 i;
	u64 n;

	for (i = 0; i < niov && len; i++) {
		n = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(iov[i].iov_base, src, n);
		src += n;
		len -= n;
	}
}

static void gather(u8 *dst, const struct iovec *iov, u32 niov)
{
	u32 i;

	for (i = 0; i < niov; i++) {
		memcpy(dst, iov[i].iov_base, iov[i].iov_len);
		dst += iov[i].iov_len;
	}
}

/* The MODIFY to ERR that keeps the device's view right. */
static void modify_err(struct ivp_qp *qp)
{
	struct ib_uverbs_qp_attr a = { .attr_mask = IB_UVERBS_QP_STATE,
				       .qp_state = IB_UVERBS_QPS_ERR };
	long ret;

	if (qp->d->err_sent)
		return;
	qp->d->err_sent = true;
	ret = ioverbs_qp_modify(&qp->dev->v, qp->handle, &a);
	if (ret)
		dbg(qp, "MODIFY to ERR failed", (int)-ret);
}

/* What the device's CQ ring holds (its relayed QPs' completions). */
static u32 ring_used(struct ivp_cq *cq)
{
	if (!cq->ring)
		return 0;
	return __atomic_load_n(&cq->r.ctrl->prod, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&cq->r.ctrl->cons, __ATOMIC_ACQUIRE);
}

/*
 * The CQ's overrun, as the device's soft_cq_add() makes it: the CQ is
 * overflowed (its polls fail once empty) and, the first time, CQ_ERR
 * names the application's CQ.  The provider writes that event into
 * async_fd itself, counted for CQ_DESTROY's async_events_reported.
 */
static void cq_overrun(struct ivp_cq *cq)
{
	struct ib_uverbs_async_event_desc ev = {
		.element = cq->user_handle,
		.event_type = IB_UVERBS_EVENT_CQ_ERR,
	};
	int fd = cq->dev->async_wr;

	if (__atomic_exchange_n(&cq->doverflow, 1, __ATOMIC_ACQ_REL))
		return;
	if (fd < 0)
		return;
	/* Counted first: the application may ack and destroy at once. */
	__atomic_add_fetch(&cq->devents, 1, __ATOMIC_RELEASE);
	if (write(fd, &ev, sizeof(ev)) != sizeof(ev))
		__atomic_sub_fetch(&cq->devents, 1, __ATOMIC_RELEASE);
}

/*
 * A completion of @qp for its send (@send) or receive CQ is made: room
 * for it in the CQ, counted, or the CQ overruns and it is dropped.  The
 * CQ's capacity is shared with its ring and its other QPs, which make
 * completions under their own locks: a compare-and-swap takes the room.
 * Return: false when dropped.  The QP's lock held.
 */
static bool cqe_make(struct ivp_qp *qp, bool send)
{
	struct ivp_cq *cq = send ? qp->d->scq : qp->d->rcq;
	u32 held = __atomic_load_n(&cq->dheld, __ATOMIC_RELAXED);

	do {
		if (held + ring_used(cq) >= cq->cqe) {
			cq_overrun(cq);
			return false;
		}
	} while (!__atomic_compare_exchange_n(&cq->dheld, &held, held + 1,
					      false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	qp->d->held[send]++;
	return true;
}

/* @n of @qp's completions polled, or forgotten (RESET, destroy). */
static void cqe_gone(struct ivp_qp *qp, bool send, u32 n)
{
	struct ivp_cq *cq = send ? qp->d->scq : qp->d->rcq;

	if (!n)
		return;
	qp->d->held[send] -= n;
	__atomic_sub_fetch(&cq->dheld, n, __ATOMIC_RELEASE);
}

/* A send WR is done: its completion, if it makes one, takes CQ room. */
static void wqe_done(struct ivp_qp *qp, struct dswqe *e, u32 status, u32 len)
{
	bool first = e->state != DW_DONE;

	e->state = DW_DONE;
	e->status = status;
	e->len = status ? 0 : len;
	if (first && (status || qp->sq_sig_all ||
		      (e->wr.send_flags & IB_UVERBS_SEND_SIGNALED)))
		e->dropped = !cqe_make(qp, true);
}

/* A receive is done (@r->wc filled): it takes CQ room. */
static void rwqe_done(struct ivp_qp *qp, struct drwqe *r)
{
	r->done = true;
	r->dropped = !cqe_make(qp, false);
}

/*
 * The QP goes to ERR (@why for IOVERBS_DEBUG): what waits in the peer's
 * ring is cancelled (or, @gone, completes with RETRY_EXC_ERR: nobody
 * will settle it), everything else is flushed.  The QP's lock held.
 */
static void go_err(struct ivp_qp *qp, const char *why, bool gone)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_msg *m;
	struct dswqe *e;
	u32 i, st, exp;

	if (d->err)
		return;
	d->err = true;
	if (why)
		dbg(qp, why, 0);
	for (i = d->sq_head; i != d->sq_run; i++) {
		e = sqe(d, i);
		if (e->state != DW_SENT)
			continue;
		d->sq_sent--;
		m = rec_at(d->pring, e->rec_pos);
		exp = SOFT_DMSG_POSTED;
		if (__atomic_compare_exchange_n(&m->state, &exp,
						SOFT_DMSG_CANCELLED, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			wqe_done(qp, e, gone ? IB_UVERBS_WC_RETRY_EXC_ERR :
					       IB_UVERBS_WC_WR_FLUSH_ERR, 0);
			continue;
		}
		st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (st == SOFT_DMSG_TAKEN) {
			exp = __atomic_load_n(&m->status, __ATOMIC_RELAXED);
			wqe_done(qp, e, exp <= IB_UVERBS_WC_GENERAL_ERR ? exp :
				 IB_UVERBS_WC_BAD_RESP_ERR, e->len);
		} else {
			wqe_done(qp, e, gone ? IB_UVERBS_WC_RETRY_EXC_ERR :
				 IB_UVERBS_WC_WR_FLUSH_ERR, 0);
		}
	}
	for (; d->sq_run != d->sq_tail; d->sq_run++)
		wqe_done(qp, sqe(d, d->sq_run), IB_UVERBS_WC_WR_FLUSH_ERR, 0);
	for (; d->rq_take != d->rq_tail; d->rq_take++) {
		struct drwqe *r = rqe(d, d->rq_take);

		memset(&r->wc, 0, sizeof(r->wc));
		r->wc.wr_id = r->wr_id;
		r->wc.status = IB_UVERBS_WC_WR_FLUSH_ERR;
		r->wc.opcode = IB_UVERBS_WC_RECV;
		r->wc.qp_num = qp->qpn;
		rwqe_done(qp, r);
	}
	modify_err(qp);
}

/* The peer's key table: one key, read under its entry's seq. */

static bool key_read(struct soft_direct_key *e, struct soft_direct_key *k)
{
	u32 s1, s2, tries;

	for (tries = 0; tries < 100000; tries++) {
		s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		k->state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		k->rkey = __atomic_load_n(&e->rkey, __ATOMIC_ACQUIRE);
		k->access = __atomic_load_n(&e->access, __ATOMIC_ACQUIRE);
		k->pd = __atomic_load_n(&e->pd, __ATOMIC_ACQUIRE);
		k->iova = __atomic_load_n(&e->iova, __ATOMIC_ACQUIRE);
		k->addr = __atomic_load_n(&e->addr, __ATOMIC_ACQUIRE);
		k->length = __atomic_load_n(&e->length, __ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (s1 == s2) {
			k->seq = s1;
			return true;
		}
	}
	return false;
}

/*
 * @rkey over [@addr, +@len) with @access in the peer's table: SUCCESS,
 * the entry in @k and its slot in @slot, or REM_ACCESS_ERR.
 */
static u32 key_find(struct ivp_dqp *d, u32 rkey, u64 addr, u64 len,
		    u32 access, struct soft_direct_key *k, u32 *slot)
{
	u32 i = soft_direct_key_slot(rkey, d->pentries), n;

	for (n = 0; n < d->pentries; n++, i = (i + 1) & (d->pentries - 1)) {
		if (!key_read(&d->pkeys->key[i], k))
			return IB_UVERBS_WC_REM_ACCESS_ERR;
		if (k->state == SOFT_DKEY_FREE)
			break;
		if (k->state != SOFT_DKEY_LIVE || k->rkey != rkey)
			continue;
		if ((k->access & access) != access || k->pd != d->peer.peer_pd ||
		    addr < k->iova || addr - k->iova > k->length ||
		    len > k->length - (addr - k->iova))
			return IB_UVERBS_WC_REM_ACCESS_ERR;
		*slot = i;
		return IB_UVERBS_WC_SUCCESS;
	}
	return IB_UVERBS_WC_REM_ACCESS_ERR;
}

/* Announce a copy through @slot (Deregistration waits for it). */
static bool inflight_begin(struct ivp_dqp *d, u32 slot,
			   const struct soft_direct_key *k)
{
	__atomic_store_n(&d->page->inflight_seq, k->seq, __ATOMIC_RELAXED);
	/* Store, then load: both SEQ_CST, the full barrier between. */
	__atomic_store_n(&d->page->inflight_slot, slot + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&d->pkeys->key[slot].seq, __ATOMIC_SEQ_CST) ==
	    k->seq)
		return true;
	__atomic_store_n(&d->page->inflight_slot, 0, __ATOMIC_RELEASE);
	return false;
}

static void inflight_end(struct ivp_dqp *d)
{
	__atomic_store_n(&d->page->inflight_slot, 0, __ATOMIC_RELEASE);
}

/*
 * What the peer QP allows (IB_UVERBS_ACCESS_REMOTE_*) now: the device
 * stores it again in our page at each MODIFY of the peer's flags, and
 * the relay's responder checks the flags as they are when it executes.
 */
static u32 peer_access(struct ivp_dqp *d)
{
	return __atomic_load_n(&d->page->peer_access, __ATOMIC_ACQUIRE);
}

/* RDMA WRITE or READ: the WR's status. */
static u32 do_rdma(struct ivp_qp *qp, struct dswqe *e, bool write)
{
	struct ivp_dqp *d = qp->d;
	struct iovec iov[DMAX_SGE], riov;
	struct soft_direct_key k;
	u32 niov, slot, status;
	u64 len;
	ssize_t r;

	status = wqe_iov(qp, e, write ? 0 : IB_UVERBS_ACCESS_LOCAL_WRITE, iov,
			 &niov, &len);
	if (status)
		return status;
	if (len > DMAX_MSG)
		return IB_UVERBS_WC_LOC_LEN_ERR;
	e->len = (u32)len;
	if (!(peer_access(d) & (write ? IB_UVERBS_ACCESS_REMOTE_WRITE :
					IB_UVERBS_ACCESS_REMOTE_READ)))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	/* A zero-length RDMA checks no key (IB spec 9.4.3, 9.4.4). */
	if (!len)
		return IB_UVERBS_WC_SUCCESS;
	status = key_find(d, e->wr.wr.rdma.rkey, e->wr.wr.rdma.remote_addr,
			  len, write ? IB_UVERBS_ACCESS_REMOTE_WRITE :
				       IB_UVERBS_ACCESS_REMOTE_READ,
			  &k, &slot);
	if (status)
		return status;
	if (!inflight_begin(d, slot, &k))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	riov.iov_base = (void *)(uintptr_t)(k.addr + (e->wr.wr.rdma.remote_addr -
						     k.iova));
	riov.iov_len = len;
	if (write)
		r = process_vm_writev(d->peer.peer_pid, iov, niov, &riov, 1, 0);
	else
		r = process_vm_readv(d->peer.peer_pid, iov, niov, &riov, 1, 0);
	inflight_end(d);
	if (r != (ssize_t)len)
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	return IB_UVERBS_WC_SUCCESS;
}

static bool pid_alive(u32 pid)
{
	return !(kill((pid_t)pid, 0) && errno == ESRCH);
}

/* Take a lock of the peer's lock table (a dead holder is replaced). */
static bool atomic_lock(struct soft_direct_lock *l, u32 me)
{
	u64 start = 0;
	u32 o, spins;

	for (spins = 0;; spins++) {
		o = 0;
		if (__atomic_compare_exchange_n(&l->owner, &o, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		if (o != me && !pid_alive(o) &&
		    __atomic_compare_exchange_n(&l->owner, &o, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		if (spins < 64)
			continue;
		if (!start)
			start = now_ns();
		else if (now_ns() - start > DLOCK_NS)
			return false;
		sched_yield();
	}
}

/* CMP_AND_SWP / FETCH_AND_ADD: the WR's status. */
static u32 do_atomic(struct ivp_qp *qp, struct dswqe *e)
{
	struct ivp_dqp *d = qp->d;
	u64 raddr = e->wr.wr.atomic.remote_addr, target, orig, val;
	struct iovec iov[DMAX_SGE], l, r;
	struct soft_direct_lock *lk;
	struct soft_direct_key k;
	u32 niov, slot, status, me = (u32)getpid();
	u64 len;
	bool ok;

	status = wqe_iov(qp, e, IB_UVERBS_ACCESS_LOCAL_WRITE, iov, &niov,
			 &len);
	if (status)
		return status;
	if (len < sizeof(u64))
		return IB_UVERBS_WC_LOC_LEN_ERR;
	if (!(peer_access(d) & IB_UVERBS_ACCESS_REMOTE_ATOMIC))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	if (raddr & 7)
		return IB_UVERBS_WC_REM_INV_REQ_ERR;
	status = key_find(d, e->wr.wr.atomic.rkey, raddr, sizeof(u64),
			  IB_UVERBS_ACCESS_REMOTE_ATOMIC, &k, &slot);
	if (status)
		return status;
	target = k.addr + (raddr - k.iova);
	lk = &soft_direct_locks(d->pkeys, d->pentries)
		      [soft_direct_lock_index(target)];
	if (!inflight_begin(d, slot, &k))
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	if (!atomic_lock(lk, me)) {
		inflight_end(d);
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	}
	l.iov_base = &orig;
	l.iov_len = sizeof(orig);
	r.iov_base = (void *)(uintptr_t)target;
	r.iov_len = sizeof(orig);
	ok = process_vm_readv(d->peer.peer_pid, &l, 1, &r, 1, 0) ==
	     sizeof(orig);
	if (ok) {
		if (e->wr.opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP)
			val = orig == e->wr.wr.atomic.compare_add ?
				      e->wr.wr.atomic.swap :
				      orig;
		else
			val = orig + e->wr.wr.atomic.compare_add;
		l.iov_base = &val;
		ok = process_vm_writev(d->peer.peer_pid, &l, 1, &r, 1, 0) ==
		     sizeof(val);
	}
	__atomic_store_n(&lk->owner, 0, __ATOMIC_RELEASE);
	inflight_end(d);
	if (!ok)
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	scatter(iov, niov, (const u8 *)&orig, sizeof(orig));
	e->len = sizeof(orig);
	return IB_UVERBS_WC_SUCCESS;
}

/*
 * Room for a record of @size in the peer's ring (a PAD first when it
 * would wrap): its position, or false when the ring is full.
 */
static bool tx_room(struct ivp_dqp *d, u32 size, u32 *pos)
{
	u32 off = d->tx_prod & (DRING - 1), pad = 0;
	struct soft_direct_msg *m;

	if (off + size > DRING)
		pad = DRING - off;
	if (DRING - (d->tx_prod - d->tx_reap) < pad + size)
		return false;
	if (pad) {
		m = rec_at(d->pring, d->tx_prod);
		memset(m, 0, DREC);
		m->size = pad;
		m->op = SOFT_DMSG_PAD;
		__atomic_store_n(&m->state, SOFT_DMSG_POSTED, __ATOMIC_RELAXED);
		d->tx_prod += pad;
	}
	*pos = d->tx_prod;
	return true;
}

/* The record at @pos is written: publish it, wake the peer if armed. */
static void tx_publish(struct ivp_dqp *d, struct soft_direct_msg *m,
		       u32 size, bool solicited)
{
	__atomic_store_n(&m->state, SOFT_DMSG_POSTED, __ATOMIC_RELAXED);
	d->tx_prod += size;
	__atomic_store_n(&d->ppage->rx_prod, d->tx_prod, __ATOMIC_SEQ_CST);
	if (notify(d->ppage, true, solicited, d->pkick))
		d->evented = true;
}

static void rec_init(struct ivp_dqp *d, struct soft_direct_msg *m, u32 size,
		     u8 op, u8 flags, const struct dswqe *e, u32 len)
{
	m->size = size;
	m->op = op;
	m->flags = flags;
	m->num_iov = 0;
	m->len = len;
	m->imm = e->wr.imm_data;
	m->status = 0;
	m->rnr = 0;
	m->rsvd0 = 0;
	m->rnr_since = 0;
	m->msn = d->msn++;
}

/* A SEND (or WRITE_WITH_IMM's notice) to the peer's ring: 0 or -EAGAIN. */
static int tx_record(struct ivp_qp *qp, struct dswqe *e, bool data)
{
	struct ivp_dqp *d = qp->d;
	struct iovec iov[DMAX_SGE];
	struct soft_direct_msg *m;
	struct soft_direct_iov *ri;
	u32 niov = 0, size, pos, status, i;
	u8 flags = 0;
	u64 len = e->len;

	if (data) {
		status = wqe_iov(qp, e, 0, iov, &niov, &len);
		if (status) {
			wqe_done(qp, e, status, 0);
			return 0;
		}
		if (len > DMAX_MSG) {
			wqe_done(qp, e, IB_UVERBS_WC_LOC_LEN_ERR, 0);
			return 0;
		}
	}
	if (e->wr.opcode == IB_UVERBS_WR_SEND_WITH_IMM ||
	    e->wr.opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM)
		flags |= SOFT_DMSG_IMM;
	if (e->wr.send_flags & IB_UVERBS_SEND_SOLICITED)
		flags |= SOFT_DMSG_SOLICITED;
	if (!data)
		size = DREC;
	else if (len <= SOFT_DIRECT_INLINE_MAX)
		size = rec_align(DREC + len);
	else
		size = rec_align(DREC + niov * sizeof(*ri));
	if (!tx_room(d, size, &pos))
		return -EAGAIN;
	m = rec_at(d->pring, pos);
	if (!data) {
		rec_init(d, m, size, SOFT_DMSG_WRITE_IMM, flags, e, (u32)len);
	} else if (len <= SOFT_DIRECT_INLINE_MAX) {
		rec_init(d, m, size, SOFT_DMSG_SEND, flags | SOFT_DMSG_INLINE,
			 e, (u32)len);
		gather((u8 *)(m + 1), iov, niov);
	} else {
		rec_init(d, m, size, SOFT_DMSG_SEND, flags, e, (u32)len);
		m->num_iov = (u16)niov;
		ri = (struct soft_direct_iov *)(m + 1);
		for (i = 0; i < niov; i++) {
			ri[i].addr = (uintptr_t)iov[i].iov_base;
			ri[i].len = iov[i].iov_len;
		}
	}
	e->len = (u32)len;
	e->rec_pos = pos;
	e->rec_size = size;
	e->rnr_seen = 0;
	e->stall_since = 0;
	e->woke = false;
	e->state = DW_SENT;
	d->sq_sent++;
	tx_publish(d, m, size, flags & SOFT_DMSG_SOLICITED);
	d->page->tx_msgs++;
	d->page->tx_bytes += len;
	return 0;
}

static bool one_sided(u32 op)
{
	return op != IB_UVERBS_WR_SEND && op != IB_UVERBS_WR_SEND_WITH_IMM;
}

/*
 * How long an RC record waits for a peer that went (its transport
 * timer, retry_cnt + 1 times; 0: at once).
 */
static u64 gone_wait(struct ivp_dqp *d)
{
	u64 t;

	if (!d->timeout)
		return 0;
	t = (4096ull << (d->timeout & 31)) / 1000 * 1000;
	if (t > DMAX_TIMEOUT_NS)
		t = DMAX_TIMEOUT_NS;
	return t * (d->retry_cnt + 1u);
}

/*
 * Executes @e: DW_SENT or DW_DONE, or -EAGAIN (the peer's ring is full,
 * or the peer went and its transport timer runs).
 */
static int sq_exec(struct ivp_qp *qp, struct dswqe *e)
{
	struct ivp_dqp *d = qp->d;
	u32 status, i;

	if (d->gone) {
		/* No answer: RC fails; UC's message is lost. */
		if (d->type == IB_UVERBS_QPT_RC) {
			/*
			 * Older records may still be taken, and this one
			 * fails only when no answer came for as long as
			 * the transport timer says (gone_wait()).
			 */
			if (d->sq_sent ||
			    now_ns() - d->gone_at < gone_wait(d))
				return -EAGAIN;
			wqe_done(qp, e, IB_UVERBS_WC_RETRY_EXC_ERR, 0);
			return 0;
		}
		if (!e->inl)
			for (i = 0, e->len = 0; i < e->wr.num_sge; i++)
				e->len += e->sge[i].length;
		wqe_done(qp, e, IB_UVERBS_WC_SUCCESS, e->len);
		return 0;
	}
	switch (e->wr.opcode) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
		return tx_record(qp, e, true);
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		if (!e->data_done) {
			status = do_rdma(qp, e, true);
			if (status) {
				wqe_done(qp, e, status, 0);
				return 0;
			}
			e->data_done = true;
			d->page->tx_bytes += e->len;
		}
		if (e->wr.opcode == IB_UVERBS_WR_RDMA_WRITE) {
			d->page->tx_msgs++;
			wqe_done(qp, e, IB_UVERBS_WC_SUCCESS, e->len);
			return 0;
		}
		return tx_record(qp, e, false);
	case IB_UVERBS_WR_RDMA_READ:
		status = do_rdma(qp, e, false);
		break;
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		status = do_atomic(qp, e);
		break;
	default:
		status = IB_UVERBS_WC_LOC_QP_OP_ERR;
	}
	if (!status) {
		d->page->tx_msgs++;
		d->page->rx_bytes += e->len;
	}
	wqe_done(qp, e, status, e->len);
	return 0;
}

/* Runs the send queue as far as RC order and the peer's ring allow. */
static void sq_run(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct dswqe *e;

	while (!d->err && d->sq_run != d->sq_tail) {
		e = sqe(d, d->sq_run);
		if (one_sided(e->wr.opcode) && !e->data_done && d->sq_sent)
			break;
		if (sq_exec(qp, e))
			break;
		d->sq_run++;
		if (e->state == DW_DONE && e->status) {
			go_err(qp, d->gone ? "the peer is gone" :
					     "a send WR completed in error",
			       d->gone);
			break;
		}
	}
}

/*
 * The connected QPs of this process, by their memfd's inode: a sender
 * whose peer is one of them drains the peer's ring itself when it waits
 * for a record to be settled, as a NIC acknowledges without the
 * receiver's CPU (pyverbs polls a sender's CQ before its receiver's, in
 * one thread).  dreg_lock is taken last (under a QP's lock), and only a
 * trylock of another QP's lock is taken under it.
 */
static pthread_mutex_t dreg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ivp_dqp *dreg;

static void dreg_add(struct ivp_dqp *d)
{
	pthread_mutex_lock(&dreg_lock);
	d->reg_next = dreg;
	dreg = d;
	d->registered = true;
	pthread_mutex_unlock(&dreg_lock);
}

static void dreg_del(struct ivp_dqp *d)
{
	struct ivp_dqp **pp;

	pthread_mutex_lock(&dreg_lock);
	for (pp = &dreg; d->registered && *pp; pp = &(*pp)->reg_next)
		if (*pp == d) {
			*pp = d->reg_next;
			break;
		}
	d->registered = false;
	pthread_mutex_unlock(&dreg_lock);
}

static void rx_drain(struct ivp_qp *qp);

/* Our peer is in this process: drain its ring if nobody else does now. */
static void drive_peer(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d, *p;

	pthread_mutex_lock(&dreg_lock);
	for (p = dreg; p; p = p->reg_next)
		if (p->ino == d->peer.peer_qp_ino)
			break;
	if (p && p != d && pthread_mutex_trylock(&p->lock))
		p = NULL;
	pthread_mutex_unlock(&dreg_lock);
	if (!p)
		return;
	if (p->direct && !p->lost)
		rx_drain(p->qp);
	if (p != d)
		pthread_mutex_unlock(&p->lock);
}

/*
 * The record of @e, our oldest unsettled one, waits in the peer's ring,
 * not refused (RNR): its client does not poll.  After
 * SOFT_DIRECT_STALL_NS of our own polls (or at once, @now: our client
 * is about to sleep), wake the peer's progress thread, once for this
 * record (a thread found awake is woken at a later poll, once asleep).
 */
static void sq_stalled(struct ivp_dqp *d, struct dswqe *e, bool now)
{
	u64 t;

	if (e->woke)
		return;
	if (!now) {
		t = now_ns();
		if (!e->stall_since) {
			e->stall_since = t;
			return;
		}
		if (t - e->stall_since < SOFT_DIRECT_STALL_NS)
			return;
	}
	e->woke = wake_line_kick(soft_direct_wake_line(d->pkeys, d->pentries),
				 now);
}

/* Completes the WRs whose records the peer settled; times RNR. */
static void sq_reap(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_msg *m;
	struct dswqe *e;
	u32 i, st, exp, status;
	u64 now, limit;

	if (d->peer_local && d->sq_sent && !d->gone)
		drive_peer(qp);

	for (i = d->sq_head; d->sq_sent && i != d->sq_run; i++) {
		e = sqe(d, i);
		if (e->state != DW_SENT)
			continue;
		m = rec_at(d->pring, e->rec_pos);
		st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (st == SOFT_DMSG_POSTED && d->gone &&
		    d->type != IB_UVERBS_QPT_RC) {
			/* UC: lost. */
			d->sq_sent--;
			wqe_done(qp, e, IB_UVERBS_WC_SUCCESS, e->len);
			continue;
		}
		if (st == SOFT_DMSG_POSTED && d->gone) {
			/*
			 * RC: the peer settles what reached it before it
			 * went, at its destroy; past that, nobody will.
			 */
			if (now_ns() - d->gone_at < gone_wait(d))
				return;
			exp = SOFT_DMSG_POSTED;
			if (__atomic_compare_exchange_n(&m->state, &exp,
							SOFT_DMSG_CANCELLED,
							false, __ATOMIC_SEQ_CST,
							__ATOMIC_SEQ_CST)) {
				d->sq_sent--;
				wqe_done(qp, e, IB_UVERBS_WC_RETRY_EXC_ERR, 0);
				go_err(qp, "the peer is gone", true);
				return;
			}
			st = exp;
		}
		if (st == SOFT_DMSG_POSTED && d->type == IB_UVERBS_QPT_RC &&
		    __atomic_load_n(&m->rnr, __ATOMIC_RELAXED)) {
			now = now_ns();
			if (!e->rnr_seen)
				e->rnr_seen = now;
			limit = (u64)d->peer.peer_min_rnr_us * 1000 *
				(d->rnr_retry + 1u);
			if (d->rnr_retry == DRNR_INFINITE ||
			    now - e->rnr_seen < limit)
				return;
			exp = SOFT_DMSG_POSTED;
			if (__atomic_compare_exchange_n(&m->state, &exp,
							SOFT_DMSG_CANCELLED,
							false, __ATOMIC_SEQ_CST,
							__ATOMIC_SEQ_CST)) {
				d->sq_sent--;
				wqe_done(qp, e, IB_UVERBS_WC_RNR_RETRY_EXC_ERR, 0);
				go_err(qp, "RNR retries exceeded", false);
				return;
			}
			st = exp;
		}
		if (st == SOFT_DMSG_POSTED) {
			sq_stalled(d, e, false);
			return;
		}
		d->sq_sent--;
		if (st != SOFT_DMSG_TAKEN) {
			wqe_done(qp, e, IB_UVERBS_WC_BAD_RESP_ERR, 0);
			go_err(qp, "the peer wrote a bad state into our record",
			       false);
			return;
		}
		status = __atomic_load_n(&m->status, __ATOMIC_RELAXED);
		if (status > IB_UVERBS_WC_GENERAL_ERR)
			status = IB_UVERBS_WC_BAD_RESP_ERR;
		wqe_done(qp, e, status, e->len);
		d->tx_reap = e->rec_pos + e->rec_size;
		if (status) {
			go_err(qp, "the peer refused a message", false);
			return;
		}
	}
}

/* The receive ring. */

/*
 * Settles the record @m: @status for the sender, TAKEN if it was still
 * POSTED.  Return: false when the sender cancelled it first.
 */
static bool rx_settle(struct ivp_dqp *d, struct soft_direct_msg *m,
		      u32 status)
{
	u32 exp = SOFT_DMSG_POSTED;

	__atomic_store_n(&m->status, status, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&m->state, &exp, SOFT_DMSG_TAKEN,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return false;
	if (notify(d->ppage, false, status != IB_UVERBS_WC_SUCCESS, d->pkick))
		d->evented = true;
	return true;
}

static void rx_advance(struct ivp_dqp *d, u32 size)
{
	d->rx_cons += size;
	__atomic_store_n(&d->page->rx_cons, d->rx_cons, __ATOMIC_RELEASE);
}

static void rx_broken(struct ivp_qp *qp, const char *why)
{
	qp->d->rx_broken = true;
	go_err(qp, why, false);
}

/*
 * The receive @r takes the record (a copy of its header in @h, the
 * record in the ring at @m): its completion, and the sender's status.
 */
static u32 rx_deliver(struct ivp_qp *qp, const struct soft_direct_msg *h,
		      struct soft_direct_msg *m, struct drwqe *r, u32 *mine,
		      bool *consumed)
{
	struct ivp_dqp *d = qp->d;
	struct iovec iov[DMAX_SGE], riov[SOFT_DIRECT_MAX_IOV];
	struct soft_direct_iov *ri = (struct soft_direct_iov *)(m + 1);
	u32 niov, status, i;
	u64 cap, total = 0;
	ssize_t n;

	*consumed = true;
	*mine = IB_UVERBS_WC_SUCCESS;
	if (h->op == SOFT_DMSG_WRITE_IMM)
		return IB_UVERBS_WC_SUCCESS;
	status = local_iov(qp, r->sge, r->num_sge,
			   IB_UVERBS_ACCESS_LOCAL_WRITE, iov, &niov, &cap);
	if (status) {
		*mine = IB_UVERBS_WC_LOC_PROT_ERR;
		return IB_UVERBS_WC_REM_OP_ERR;
	}
	if (cap < h->len) {
		*mine = IB_UVERBS_WC_LOC_LEN_ERR;
		return IB_UVERBS_WC_REM_INV_REQ_ERR;
	}
	if (h->flags & SOFT_DMSG_INLINE) {
		scatter(iov, niov, (const u8 *)(m + 1), h->len);
		return IB_UVERBS_WC_SUCCESS;
	}
	if (!h->len)
		return IB_UVERBS_WC_SUCCESS;
	for (i = 0; i < h->num_iov; i++) {
		riov[i].iov_base = (void *)(uintptr_t)__atomic_load_n(
			&ri[i].addr, __ATOMIC_RELAXED);
		riov[i].iov_len = __atomic_load_n(&ri[i].len, __ATOMIC_RELAXED);
		if (riov[i].iov_len > DMAX_MSG)
			return ~0u;
		total += riov[i].iov_len;
	}
	if (total != h->len)
		return ~0u;
	/* Our receive buffers, trimmed to the message. */
	for (i = 0, cap = h->len; i < niov; i++) {
		if (iov[i].iov_len >= cap) {
			iov[i].iov_len = cap;
			niov = i + 1;
			break;
		}
		cap -= iov[i].iov_len;
	}
	n = process_vm_readv(d->peer.peer_pid, iov, niov, riov, h->num_iov, 0);
	if (n != (ssize_t)h->len) {
		/* The sender's memory: nothing consumed here. */
		*consumed = false;
		return IB_UVERBS_WC_LOC_PROT_ERR;
	}
	return IB_UVERBS_WC_SUCCESS;
}

static void rq_push(struct ivp_dqp *d, const struct ivp_recv_wr *wr,
		    const struct ivp_sge *sge);

/* SRQ */

/* Room for one more receive in @d->rq (an SRQ's QP): false if none. */
static bool rq_grow(struct ivp_dqp *d)
{
	u32 n = d->rq_max * 2, i;
	u8 *rq;

	if (d->rq_tail - d->rq_head < d->rq_max)
		return true;
	/* Never more than a ring's worth: the CQ overran long before. */
	if (n > DSRQ_HELD_MAX)
		return false;
	rq = calloc(n, d->rq_stride);
	if (!rq)
		return false;
	for (i = d->rq_head; i != d->rq_tail; i++)
		memcpy(rq + (size_t)(i % n) * d->rq_stride, rqe(d, i),
		       d->rq_stride);
	free(d->rq);
	d->rq = rq;
	d->rq_max = n;
	return true;
}

/*
 * The SRQ's next receive, taken off its ring into @d->rq for the record
 * that needs one (the QP's lock held).  A take that leaves the SRQ
 * below its limit is reported to the device, which raises the event.
 * Return: 1 taken, 0 none (RNR), -EIO the ring is corrupt.
 */
static int srq_take(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct soft_ring_recv *e = d->srq_wqe;
	bool limit;
	int ret;

	if (!rq_grow(d))
		return 0;
	ret = ioverbs_sring_srq_take(d->srq, e, &limit);
	if (ret <= 0)
		return ret;
	if (e->wr.num_sge > d->max_recv_sge)
		return -EIO;
	rq_push(d, (const struct ivp_recv_wr *)&e->wr,
		(const struct ivp_sge *)e->sge);
	if (limit) {
		__atomic_fetch_or(&d->page->notify, SOFT_DIRECT_NOTIFY_SRQ,
				  __ATOMIC_SEQ_CST);
		kick(qp->dev->ring.kick);
	}
	return 1;
}

/*
 * The next record of the receive ring to take, its header copied into
 * *@h: PAD records (and, but for @ud, those CANCELLED by their sender)
 * passed over; NULL when the ring is empty, or broken by a record that
 * does not fit it (the QP's lock held).
 */
static struct soft_direct_msg *rx_next(struct ivp_qp *qp,
				       struct soft_direct_msg *h, bool ud)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_msg *m;
	u32 prod, avail, off, st;

	while (!d->rx_broken) {
		prod = __atomic_load_n(&d->page->rx_prod, __ATOMIC_ACQUIRE);
		if (prod == d->rx_cons)
			return NULL;
		avail = prod - d->rx_cons;
		if (avail > DRING || avail % DREC) {
			rx_broken(qp, ud ? "rx_prod is outside the ring" :
					   "the peer's rx_prod is outside the ring");
			return NULL;
		}
		off = d->rx_cons & (DRING - 1);
		m = (struct soft_direct_msg *)(d->ring + off);
		st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		memcpy(h, m, sizeof(*h));
		if (h->size < DREC || h->size % DREC || h->size > avail ||
		    off + h->size > DRING) {
			rx_broken(qp, "a record's size does not fit the ring");
			return NULL;
		}
		if (st == SOFT_DMSG_CANCELLED && !ud) {
			rx_advance(d, h->size);
			continue;
		}
		if (st != SOFT_DMSG_POSTED) {
			rx_broken(qp, "a record's state is not POSTED");
			return NULL;
		}
		if (h->op == SOFT_DMSG_PAD) {
			if (off + h->size != DRING) {
				rx_broken(qp, "a PAD record does not end the ring");
				return NULL;
			}
			rx_advance(d, h->size);
			continue;
		}
		return m;
	}
	return NULL;
}

static void ud_drain(struct ivp_qp *qp);

/* Drains the receive ring into the receives (the QP's lock held). */
static void rx_drain(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_msg h, *m;
	struct drwqe *r;
	u32 peer_status, mine;
	bool consumed;

	if (d->ud)
		return ud_drain(qp);

	while ((m = rx_next(qp, &h, false))) {
		if ((h.op != SOFT_DMSG_SEND && h.op != SOFT_DMSG_WRITE_IMM) ||
		    h.flags & ~(SOFT_DMSG_INLINE | SOFT_DMSG_IMM |
				SOFT_DMSG_SOLICITED) ||
		    h.len > DMAX_MSG ||
		    (h.op == SOFT_DMSG_WRITE_IMM &&
		     (h.num_iov || (h.flags & SOFT_DMSG_INLINE))) ||
		    (h.op == SOFT_DMSG_SEND && (h.flags & SOFT_DMSG_INLINE) &&
		     (h.num_iov || h.len > SOFT_DIRECT_INLINE_MAX ||
		      DREC + h.len > h.size)) ||
		    (h.op == SOFT_DMSG_SEND && !(h.flags & SOFT_DMSG_INLINE) &&
		     (h.num_iov > SOFT_DIRECT_MAX_IOV ||
		      (!h.num_iov && h.len) ||
		      DREC + h.num_iov * sizeof(struct soft_direct_iov) >
			      h.size)))
			return rx_broken(qp, "a record's op, flags, len or num_iov is invalid");
		if (d->err) {
			/* Nobody here to answer. */
			rx_settle(d, m, IB_UVERBS_WC_RETRY_EXC_ERR);
			rx_advance(d, h.size);
			continue;
		}
		if (d->rq_take == d->rq_tail && d->srq &&
		    srq_take(qp) < 0) {
			/*
			 * Nothing we could take: no answer but an error; the
			 * device raises SRQ_ERR.
			 */
			rx_settle(d, m, IB_UVERBS_WC_REM_OP_ERR);
			rx_advance(d, h.size);
			__atomic_fetch_or(&d->page->notify,
					  SOFT_DIRECT_NOTIFY_SRQ_ERR,
					  __ATOMIC_SEQ_CST);
			kick(qp->dev->ring.kick);
			go_err(qp, "the SRQ's ring is corrupt", false);
			continue;
		}
		if (d->rq_take == d->rq_tail) {
			if (d->type != IB_UVERBS_QPT_RC) {
				/* UC: dropped, and the sender never learns. */
				rx_settle(d, m, IB_UVERBS_WC_SUCCESS);
				rx_advance(d, h.size);
				continue;
			}
			if (!__atomic_load_n(&m->rnr, __ATOMIC_RELAXED)) {
				__atomic_store_n(&m->rnr_since, now_ns(),
						 __ATOMIC_RELAXED);
				__atomic_store_n(&m->rnr, 1, __ATOMIC_RELEASE);
			}
			return;
		}
		r = rqe(d, d->rq_take);
		peer_status = rx_deliver(qp, &h, m, r, &mine, &consumed);
		if (peer_status == ~0u)
			return rx_broken(qp, "a record's ranges do not add up to its length");
		if (!rx_settle(d, m, peer_status) || !consumed) {
			/* Cancelled by its sender, or its memory failed. */
			rx_advance(d, h.size);
			continue;
		}
		rx_advance(d, h.size);
		memset(&r->wc, 0, sizeof(r->wc));
		r->wc.wr_id = r->wr_id;
		r->wc.status = mine;
		r->wc.opcode = h.op == SOFT_DMSG_SEND ?
				       IB_UVERBS_WC_RECV :
				       IB_UVERBS_WC_RECV_RDMA_WITH_IMM;
		r->wc.byte_len = mine && h.op == SOFT_DMSG_SEND ? 0 : h.len;
		if (h.flags & SOFT_DMSG_IMM) {
			r->wc.imm_data = h.imm;
			r->wc.wc_flags = IB_UVERBS_WC_WITH_IMM;
		}
		r->wc.qp_num = qp->qpn;
		r->wc.src_qp = d->peer.peer_qpn;
		r->wc.slid = d->peer.peer_lid;
		r->wc.port_num = d->port_num;
		rwqe_done(qp, r);
		d->rq_take++;
		if (!mine) {
			d->page->rx_msgs++;
			d->page->rx_bytes += h.len;
		} else {
			go_err(qp, mine == IB_UVERBS_WC_LOC_LEN_ERR ?
					   "a message longer than its receive" :
					   "a receive's SGEs refused",
			       false);
		}
	}
}

static void arm_qp(struct ivp_qp *qp, bool recv, bool send, u32 v,
		   bool look);

/* Connecting to the peer. */

/* The device's part of the page, read under its seq. */
static bool peer_read(struct soft_direct_ctrl *pg, struct dpeer *p)
{
	u32 s1, s2, tries;

	for (tries = 0; tries < 100000; tries++) {
		s1 = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
#define RD(f) (p->f = __atomic_load_n(&pg->f, __ATOMIC_ACQUIRE))
		RD(path);
		RD(state);
		RD(peer_gone);
		RD(peer_qpn);
		RD(peer_pid);
		RD(peer_lid);
		RD(peer_pd);
		RD(peer_min_rnr_us);
		RD(peer_keys_entries);
		RD(peer_qp_fd);
		RD(peer_keys_fd);
		RD(peer_kick_fd);
		RD(peer_qp_ino);
		RD(peer_qp_size);
		RD(peer_dir);
		RD(peer_keys_ino);
		RD(peer_kick_ino);
		RD(peer_access);
#undef RD
		s2 = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
		if (s1 == s2)
			return true;
	}
	return false;
}

/* Descriptor @fd of @pidfd's process, if its inode is @ino: fd or -errno. */
static int peer_fd(int pidfd, int fd, u64 ino, u64 min_size)
{
	struct stat st;
	int ret = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

	if (ret < 0)
		return -errno;
	if (fstat(ret, &st) || (u64)st.st_ino != ino ||
	    (u64)st.st_size < min_size) {
		close(ret);
		return -ESTALE;
	}
	return ret;
}

/* Undoes remote_map(), all of it or the part it took. */
static void remote_unmap(u8 **map, size_t map_len,
			 struct soft_direct_keys **keys, size_t keys_len,
			 int *kick)
{
	if (*map)
		munmap(*map, map_len);
	if (*keys)
		munmap(*keys, keys_len);
	if (*kick >= 0)
		close(*kick);
	*map = NULL;
	*keys = NULL;
	*kick = -1;
}

static void peer_unmap(struct ivp_dqp *d)
{
	remote_unmap(&d->pmap, d->pmap_len, &d->pkeys, d->pkeys_len,
		     &d->pkick);
	d->ppage = NULL;
	d->pring = NULL;
}

static bool is_pow2(u32 n)
{
	return n && !(n & (n - 1));
}

/* Appends a send WR to the local queue (room checked). */
static void sq_push(struct ivp_dqp *d, const struct ivp_send_wr *wr,
		    const struct ivp_sge *sge, const u8 *inl, u32 inl_len)
{
	struct dswqe *e = sqe(d, d->sq_tail);
	u32 i, off = 0;

	memset(e, 0, sizeof(*e));
	e->wr = *wr;
	e->state = DW_NEW;
	if (wr->send_flags & IB_UVERBS_SEND_INLINE &&
	    wr->opcode != IB_UVERBS_WR_RDMA_READ &&
	    wr->opcode != IB_UVERBS_WR_ATOMIC_CMP_AND_SWP &&
	    wr->opcode != IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
		e->inl = true;
		if (inl) {
			memcpy(sqe_inline(d, e), inl, inl_len);
			off = inl_len;
		} else {
			for (i = 0; i < wr->num_sge; i++) {
				memcpy(sqe_inline(d, e) + off,
				       (const void *)(uintptr_t)sge[i].addr,
				       sge[i].length);
				off += sge[i].length;
			}
		}
		e->len = off;
		e->wr.num_sge = 0;
	} else {
		memcpy(e->sge, sge, wr->num_sge * sizeof(*sge));
	}
	d->sq_tail++;
}

static void rq_push(struct ivp_dqp *d, const struct ivp_recv_wr *wr,
		    const struct ivp_sge *sge)
{
	struct drwqe *r = rqe(d, d->rq_tail);

	r->wr_id = wr->wr_id;
	r->num_sge = wr->num_sge;
	r->done = false;
	memcpy(r->sge, sge, wr->num_sge * sizeof(*sge));
	d->rq_tail++;
}

static void take_rq(struct ivp_qp *qp);

/*
 * What the QP posted while its path was not decided waits in its rings:
 * it is ours now.  Its ring locks held.
 */
static void take_rings(struct ivp_qp *qp)
{
	struct ioverbs_sring_qp *r = &qp->r;
	const struct soft_ring_qp_layout *l = &r->layout;
	struct ivp_dqp *d = qp->d;
	u32 i, n;

	i = __atomic_load_n(&r->sq->cons, __ATOMIC_ACQUIRE);
	for (n = 0; i != r->sq_prod && n < d->sq_max; i++, n++) {
		struct soft_ring_send *e = (struct soft_ring_send *)(
			(u8 *)(r->sq + 1) +
			(size_t)(i & (l->sq_entries - 1)) * l->sq_stride);
		struct ivp_send_wr wr;
		u32 num;

		memcpy(&wr, &e->wr, sizeof(wr));
		num = wr.num_sge;
		if (wr.send_flags & IB_UVERBS_SEND_INLINE) {
			u32 len = e->sge[0].length;

			if (len > d->max_inline)
				len = d->max_inline;
			sq_push(d, &wr, NULL, soft_ring_inline(e, &r->cap), len);
		} else {
			if (num > d->max_send_sge)
				wr.num_sge = d->max_send_sge;
			sq_push(d, &wr, (const struct ivp_sge *)e->sge, NULL, 0);
		}
	}
	__atomic_store_n(&r->sq->cons, r->sq_prod, __ATOMIC_RELEASE);
	take_rq(qp);
}

/* The receives of take_rings() (a UD QP takes only these). */
static void take_rq(struct ivp_qp *qp)
{
	struct ioverbs_sring_qp *r = &qp->r;
	const struct soft_ring_qp_layout *l = &r->layout;
	struct ivp_dqp *d = qp->d;
	u32 i, n;

	i = __atomic_load_n(&r->rq->cons, __ATOMIC_ACQUIRE);
	for (n = 0; i != r->rq_prod && n < d->rq_max; i++, n++) {
		struct soft_ring_recv *e = (struct soft_ring_recv *)(
			(u8 *)(r->rq + 1) +
			(size_t)(i & (l->rq_entries - 1)) * l->rq_stride);
		struct ivp_recv_wr wr;

		memcpy(&wr, &e->wr, sizeof(wr));
		if (wr.num_sge > d->max_recv_sge)
			wr.num_sge = d->max_recv_sge;
		rq_push(d, &wr, (const struct ivp_sge *)e->sge);
	}
	__atomic_store_n(&r->rq->cons, r->rq_prod, __ATOMIC_RELEASE);
}

/*
 * Another process's QP as its page names it (a peer block, a UD
 * destination slot): its pid and the fds it holds its QP memfd, key
 * table and kick eventfd by, their inodes and sizes.
 */
struct dremote {
	s32 pid;
	s32 qp_fd, keys_fd, kick_fd;
	u64 qp_ino, qp_size, dir, keys_ino, kick_ino;
	u32 keys_entries;
};

/*
 * What remote_map() says went wrong, for the peer and a destination:
 * the object as it is out of range, then the process.
 */
struct dremote_whys {
	const char *range, *pidfd, *qp_fd, *qp_map, *keys_fd, *keys_map, *kick;
};

/* The struct dremote of @s, whose fields are named @pfx##pid and so on. */
#define DREMOTE_OF(s, pfx)                                          \
	{                                                           \
		.pid = (s)->pfx##pid,                               \
		.qp_fd = (s)->pfx##qp_fd,                           \
		.keys_fd = (s)->pfx##keys_fd,                       \
		.kick_fd = (s)->pfx##kick_fd,                       \
		.qp_ino = (s)->pfx##qp_ino,                         \
		.qp_size = (s)->pfx##qp_size,                       \
		.dir = (s)->pfx##dir,                               \
		.keys_ino = (s)->pfx##keys_ino,                     \
		.kick_ino = (s)->pfx##kick_ino,                     \
		.keys_entries = (s)->pfx##keys_entries,             \
	}

#define DREMOTE_WHYS(obj, who)                                       \
	{                                                            \
		.range = "the " obj " is out of range",              \
		.pidfd = "pidfd_open of the " who,                   \
		.qp_fd = "pidfd_getfd of the " who "'s QP memfd",    \
		.qp_map = "mmap of the " who "'s QP memfd",          \
		.keys_fd = "pidfd_getfd of the " who "'s key table", \
		.keys_map = "mmap of the " who "'s key table",       \
		.kick = "pidfd_getfd of the " who "'s kick eventfd", \
	}

/*
 * Maps @r's QP memfd into *@map (*@map_len), its key table into *@keys
 * (*@keys_len) and takes its kick eventfd into *@kick, each stored as
 * soon as taken (the caller's unmap undoes a part): 0, or -errno with
 * *@why from @w.
 */
static int remote_map(const struct dremote *r, const struct dremote_whys *w,
		      u8 **map, size_t *map_len,
		      struct soft_direct_keys **keys, size_t *keys_len,
		      int *kick, const char **why)
{
	int pidfd, fd, ret;
	void *m;

	if (r->pid <= 0 || !is_pow2(r->keys_entries) ||
	    r->keys_entries < 64 || r->keys_entries > SOFT_DIRECT_MAX_KEYS ||
	    r->dir % SOFT_DIRECT_PAGE || r->qp_size > (1ull << 40) ||
	    r->dir + SOFT_DIRECT_PAGE + DRING > r->qp_size) {
		*why = w->range;
		return -EINVAL;
	}
	pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0) {
		*why = w->pidfd;
		return -errno;
	}
	fd = peer_fd(pidfd, r->qp_fd, r->qp_ino, r->qp_size);
	if (fd < 0) {
		*why = w->qp_fd;
		ret = fd;
		goto out;
	}
	m = mmap(NULL, r->qp_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		*why = w->qp_map;
		ret = -errno;
		goto out;
	}
	*map = m;
	*map_len = r->qp_size;
	*keys_len = soft_direct_keys_size(r->keys_entries);
	fd = peer_fd(pidfd, r->keys_fd, r->keys_ino, *keys_len);
	if (fd < 0) {
		*why = w->keys_fd;
		ret = fd;
		goto out;
	}
	m = mmap(NULL, *keys_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		*why = w->keys_map;
		ret = -errno;
		goto out;
	}
	*keys = m;
	fd = peer_fd(pidfd, r->kick_fd, r->kick_ino, 0);
	if (fd < 0) {
		*why = w->kick;
		ret = fd;
		goto out;
	}
	*kick = fd;
	ret = 0;
out:
	close(pidfd);
	return ret;
}

/* Maps the peer the device named: 0, or -errno with *@why. */
static int peer_map(struct ivp_dqp *d, const char **why)
{
	static const struct dremote_whys w = DREMOTE_WHYS("peer block", "peer");
	struct dpeer *p = &d->peer;
	const struct dremote r = DREMOTE_OF(p, peer_);
	int ret;

	if (p->peer_min_rnr_us > 655360)
		p->peer_min_rnr_us = 655360;
	ret = remote_map(&r, &w, &d->pmap, &d->pmap_len, &d->pkeys,
			 &d->pkeys_len, &d->pkick, why);
	if (d->pmap) {
		d->ppage = (struct soft_direct_ctrl *)(d->pmap + p->peer_dir);
		d->pring = d->pmap + p->peer_dir + SOFT_DIRECT_PAGE;
		d->pentries = p->peer_keys_entries;
	}
	return ret;
}

static void progress_start(struct ivp_dev *dev);
static void ud_connect(struct ivp_qp *qp);

/* The page says DIRECT: map the peer, take the rings (QP's lock held). */
static void connect_peer(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	const char *why = "the page's peer block never settled";
	int ret = -EAGAIN;
	u32 armed;

	if (!peer_read(d->page, &d->peer))
		goto err;
	if (d->peer.path != SOFT_PATH_DIRECT)
		return;
	if (d->ud)
		return ud_connect(qp);
	ret = peer_map(d, &why);
	if (ret)
		goto err;
	d->tx_prod = __atomic_load_n(&d->ppage->rx_prod, __ATOMIC_ACQUIRE);
	d->tx_reap = d->tx_prod;
	d->rx_cons = __atomic_load_n(&d->page->rx_cons, __ATOMIC_RELAXED);
	d->msn = 0;
	d->err = d->err_sent = d->gone = d->rx_broken = false;
	__atomic_store_n(&d->page->cpu, -1, __ATOMIC_RELAXED);
	d->ho_seen = __atomic_load_n(&d->ppage->active, __ATOMIC_RELAXED);
	d->evented = false;
	pthread_mutex_lock(&qp->sq_lock);
	pthread_mutex_lock(&qp->rq_lock);
	take_rings(qp);
	__atomic_store_n(&d->direct, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&qp->rq_lock);
	pthread_mutex_unlock(&qp->sq_lock);
	d->peer_local = d->peer.peer_pid == getpid();
	dreg_add(d);
	progress_start(qp->dev);
	if (debug_on())
		fprintf(stderr, "ioverbs: direct path: QP %u to QP %u of process %d\n",
			qp->qpn, d->peer.peer_qpn, d->peer.peer_pid);
	sq_run(qp);
	/*
	 * A CQ armed before the path was decided (a REQ_NOTIFY only the
	 * device saw) is armed here too; a spare notify costs an event the
	 * device raises only if the CQ is still armed.
	 */
	armed = __atomic_load_n(&d->rcq->armed, __ATOMIC_RELAXED);
	if (armed)
		arm_qp(qp, true, d->rcq == d->scq, armed, true);
	armed = __atomic_load_n(&d->scq->armed, __ATOMIC_RELAXED);
	if (armed && d->scq != d->rcq)
		arm_qp(qp, false, true, armed, true);
	return;

err:
	peer_unmap(d);
	dbg(qp, why, -ret);
	d->failed = true;
	d->err_sent = false;
	modify_err(qp);
}

bool ivp_direct_qp_is(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;

	if (!d)
		return false;
	if (__atomic_load_n(&d->direct, __ATOMIC_ACQUIRE))
		return true;
	if (__atomic_load_n(&d->page->path, __ATOMIC_ACQUIRE) !=
	    SOFT_PATH_DIRECT)
		return false;
	pthread_mutex_lock(&d->lock);
	if (!d->direct && !d->failed)
		connect_peer(qp);
	pthread_mutex_unlock(&d->lock);
	return __atomic_load_n(&d->direct, __ATOMIC_ACQUIRE);
}

bool ivp_direct_qp_connected(struct ivp_qp *qp)
{
	return qp->d && __atomic_load_n(&qp->d->direct, __ATOMIC_ACQUIRE);
}

/* Does the device still answer for @qp (a QP_QUERY)? */
static bool dev_gone(struct ivp_qp *qp)
{
	struct ib_uverbs_qp_query_resp resp;

	return ioverbs_qp_query(&qp->dev->v, qp->handle, IB_UVERBS_QP_STATE,
				&resp) != 0;
}

/* The device's word: the QP in ERR, the peer gone (QP's lock held). */
static void check_device(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;

	if ((d->err && d->gone) || d->lost)
		return;
	/*
	 * As when an IB peer stops answering: the sends it did not settle
	 * fail (RC) and the QP goes to ERR then; receives stay posted.
	 */
	if (!d->gone && __atomic_load_n(&d->page->peer_gone, __ATOMIC_ACQUIRE)) {
		d->gone = true;
		d->gone_at = now_ns();
		/*
		 * The device going away (the daemon stopped) ends its
		 * peers too: then the device is lost (EIO from the poll, as
		 * for relayed QPs), not the peer.
		 */
		if (dev_gone(qp)) {
			d->lost = true;
			return;
		}
		if (!d->err) {
			sq_reap(qp);
			sq_run(qp);
		}
	}
	if (!d->err && __atomic_load_n(&d->page->state, __ATOMIC_ACQUIRE) ==
			       IB_UVERBS_QPS_ERR) {
		d->err_sent = true;
		go_err(qp, "the device moved the QP to ERR", false);
	}
}

/* The progress thread. */

/*
 * One pass over the context's QPs: each DIRECT one (or one its page now
 * says is, which connects) makes the receive side's progress a poll
 * makes.  Return: how many drained something while their client had
 * not drained them since the last pass (a client that polls serves
 * itself: the thread then sleeps after one pass).
 */
static u32 progress_pass(struct ivp_dev *dev)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dqp *d;
	u32 n = 0, cons;
	bool attended;

	pthread_mutex_lock(&c->pq_lock);
	for (d = c->pq; d; d = d->pq_next) {
		if (!__atomic_load_n(&d->direct, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&d->page->path, __ATOMIC_ACQUIRE) !=
			    SOFT_PATH_DIRECT)
			continue;
		pthread_mutex_lock(&d->lock);
		if (!d->direct && !d->failed)
			connect_peer(d->qp);
		if (d->direct) {
			check_device(d->qp);
			cons = d->rx_cons;
			if (!d->lost)
				rx_drain(d->qp);
			attended = d->client_drains != d->thr_drains;
			d->thr_drains = d->client_drains;
			if (d->rx_cons != cons && !attended)
				n++;
		}
		pthread_mutex_unlock(&d->lock);
	}
	pthread_mutex_unlock(&c->pq_lock);
	return n;
}

/*
 * The thread: passes while they drain rings nobody else drains, then a
 * sleep without timeout on the word as it was before the pass (a wake
 * since makes FUTEX_WAIT return at once), @sleeping set meanwhile: an
 * idle context costs nothing.  A record left behind is its sender's to
 * wake us for (wake_line_kick()).
 */
static void *progress_main(void *arg)
{
	struct ivp_dev *dev = arg;
	struct ivp_dctx *c = &dev->d;
	struct soft_direct_wake *w = c->wake;
	u32 seen;

	pthread_setname_np(pthread_self(), "ioverbs-direct");
	for (;;) {
		seen = __atomic_load_n(&w->word, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&c->thr_stop, __ATOMIC_SEQ_CST))
			break;
		if (progress_pass(dev))
			continue;
		__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
		futex(&w->word, FUTEX_WAIT, seen);
		__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* The wake line of the context's key table, mapped read-write. */
static int wake_map(struct ivp_dev *dev)
{
	struct ivp_dctx *c = &dev->d;
	struct ioverbs_sring_ctx *r = &dev->ring;
	long psz = sysconf(_SC_PAGESIZE);
	u64 off, base;
	void *map;

	if (!r->keys || r->keys_fd < 0 || !r->keys_entries || psz <= 0)
		return -ENOENT;
	off = (u64)((u8 *)soft_direct_wake_line(r->keys, r->keys_entries) -
		    (u8 *)r->keys);
	base = off & ~((u64)psz - 1);
	map = mmap(NULL, off - base + sizeof(*c->wake), PROT_READ | PROT_WRITE,
		   MAP_SHARED, r->keys_fd, (off_t)base);
	if (map == MAP_FAILED)
		return -errno;
	c->wake_map = map;
	c->wake = (struct soft_direct_wake *)((u8 *)map + (off - base));
	return 0;
}

static void wake_unmap(struct ivp_dctx *c)
{
	if (!c->wake_map)
		return;
	munmap(c->wake_map, (size_t)((u8 *)(c->wake + 1) - (u8 *)c->wake_map));
	c->wake_map = NULL;
	c->wake = NULL;
}

/*
 * The context's first QP connected: its progress thread, with every
 * signal blocked (the application's handlers never run on it).  Without
 * it (no memory, no wake line) the context's rings are drained by its
 * polls alone.  Any QP's lock may be held.
 */
static void progress_start(struct ivp_dev *dev)
{
	struct ivp_dctx *c = &dev->d;
	sigset_t all, old;
	int ret;

	pthread_mutex_lock(&c->thr_lock);
	if (c->thr_on || c->thr_failed ||
	    __atomic_load_n(&c->thr_stop, __ATOMIC_SEQ_CST))
		goto out;
	ret = wake_map(dev);
	if (!ret) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		ret = -pthread_create(&c->thr, NULL, progress_main, dev);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (ret) {
		wake_unmap(c);
		c->thr_failed = true;
		if (debug_on())
			fprintf(stderr,
				"ioverbs: no progress thread (%s): a receiver's rings are drained by its polls only\n",
				strerrorname_np(-ret) ?: "E???");
		goto out;
	}
	c->thr_on = true;
out:
	pthread_mutex_unlock(&c->thr_lock);
}

/* At close: the thread leaves (no QP's lock held). */
static void progress_stop(struct ivp_dctx *c)
{
	bool on;

	pthread_mutex_lock(&c->thr_lock);
	__atomic_store_n(&c->thr_stop, true, __ATOMIC_SEQ_CST);
	on = c->thr_on;
	c->thr_on = false;
	pthread_mutex_unlock(&c->thr_lock);
	if (on) {
		__atomic_fetch_add(&c->wake->word, 1, __ATOMIC_SEQ_CST);
		futex(&c->wake->word, FUTEX_WAKE, 1);
		pthread_join(c->thr, NULL);
	}
	wake_unmap(c);
}

/*
 * Our client arms its send CQ, about to sleep: the receiver of our
 * oldest unsettled record (not refused) is woken now if it must be.
 */
static void sq_arm_wake(struct ivp_dqp *d)
{
	struct soft_direct_msg *m;
	struct dswqe *e;
	u32 i;

	for (i = d->sq_head; d->sq_sent && !d->gone && i != d->sq_run; i++) {
		e = sqe(d, i);
		if (e->state != DW_SENT)
			continue;
		m = rec_at(d->pring, e->rec_pos);
		if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) ==
			    SOFT_DMSG_POSTED &&
		    !__atomic_load_n(&m->rnr, __ATOMIC_RELAXED))
			sq_stalled(d, e, true);
		return;
	}
}

/* The QP's own armed CQ side has a completion: the device raises it. */
static void self_notify(struct ivp_qp *qp, bool recv)
{
	notify(qp->d->page, recv, true, qp->dev->ring.kick);
}

static bool sq_ready(struct ivp_dqp *d)
{
	return d->sq_head != d->sq_tail && sqe(d, d->sq_head)->state == DW_DONE;
}

static bool rq_ready(struct ivp_dqp *d)
{
	return d->rq_head != d->rq_take;
}

/* Frees the successful unsignaled WRs at the queue's head. */
static void sq_trim(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct dswqe *e;

	while (d->sq_head != d->sq_run) {
		e = sqe(d, d->sq_head);
		if (e->state != DW_DONE || e->status || qp->sq_sig_all ||
		    (e->wr.send_flags & IB_UVERBS_SEND_SIGNALED))
			break;
		d->sq_head++;
	}
}

static bool opcode_ok(u8 type, u32 op)
{
	switch (op) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		return true;
	case IB_UVERBS_WR_RDMA_READ:
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		return type == IB_UVERBS_QPT_RC;
	default:
		return false;
	}
}

static bool ud_on_our_cpu(struct ivp_dqp *d);

/*
 * Does the peer's client run on the CPU we run on (as its page last
 * said)?  Publishes ours.  Under @d's lock.
 */
static bool peer_on_our_cpu(struct ivp_dqp *d)
{
	int cpu;

	if (d->ud)
		return ud_on_our_cpu(d);
	if (!d->ppage)
		return false;
	cpu = sched_getcpu();
	__atomic_store_n(&d->page->cpu, cpu, __ATOMIC_RELAXED);
	return __atomic_load_n(&d->ppage->cpu, __ATOMIC_RELAXED) == cpu;
}

static int ud_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
			const struct ivp_sge *sge, const char **why);

/*
 * We posted (our WRs executed), or found nothing to poll: we count as
 * active, and the peer, if it sleeps handing the CPU to us, is woken:
 * it waited for just that.  Under @d's lock.
 */
static void handoff_end(struct ivp_dqp *d)
{
	u32 *ho;

	if (!d->ppage)
		return;
	__atomic_store_n(&d->page->active, d->page->active + 1,
			 __ATOMIC_RELAXED);
	ho = &d->ppage->handoff;
	if (__atomic_load_n(ho, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(ho, 0, __ATOMIC_SEQ_CST) ==
		    SOFT_DIRECT_ASLEEP)
		futex(ho, FUTEX_WAKE, 1);
}

/*
 * We posted and our peer runs on our CPU (@shared): do we hand it the
 * CPU?  Only if it posted or polled in vain since our last hand-off:
 * it runs a loop of verbs, not asleep elsewhere.  Never if its client
 * was ever seen waiting for completion events (its CQ armed, or its
 * arm taken by us): such a client sleeps in the kernel while it waits,
 * and answers after a round through the device at best.  Not to a QP
 * of this process either (its thread may be ours).  If so, our page's
 * handoff is set now, before handoff_end() wakes a peer that may run
 * at once and post: its post then finds it and wakes us, asleep or not
 * yet.  Under @d's lock.
 */
static bool handoff_begin(struct ivp_dqp *d, bool shared)
{
	u32 act;

	if (__atomic_load_n(&d->ppage->armed_recv, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&d->ppage->armed_send, __ATOMIC_RELAXED))
		d->evented = true;
	if (!shared || d->peer_local || d->evented)
		return false;
	act = __atomic_load_n(&d->ppage->active, __ATOMIC_RELAXED);
	if (act == d->ho_seen)
		return false;
	d->ho_seen = act;
	__atomic_store_n(&d->page->handoff, SOFT_DIRECT_HANDING,
			 __ATOMIC_SEQ_CST);
	return true;
}

/*
 * Hands the CPU to the peer (handoff_begin() said so), until the peer's
 * next post or empty poll clears our page's handoff.  First yields: one
 * usually runs the peer.  But the scheduler may give the CPU straight
 * back to us (a peer it deems to have run enough), and a program that
 * then waits for the peer by reading its own memory (ib_write_lat)
 * keeps it for a whole time slice: after DHANDOFF_YIELD_NS of yields, a
 * sleep on the word (the peer, alone on the CPU now, runs), for
 * @handoff_ns at most (a timer costs a few microseconds here, hence the
 * yields first).  Without our QP's lock (our page stays while the QP
 * does).
 */
static void handoff_wait(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	u64 t0 = 0, ns = qp->dev->d.handoff_ns;
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	u32 *ho = &d->page->handoff, exp = SOFT_DIRECT_HANDING;

	for (;;) {
		sched_yield();
		if (__atomic_load_n(ho, __ATOMIC_SEQ_CST) !=
		    SOFT_DIRECT_HANDING)
			return;
		if (!t0)
			t0 = now_ns();
		else if (now_ns() - t0 >= DHANDOFF_YIELD_NS)
			break;
	}
	if (!__atomic_compare_exchange_n(ho, &exp, SOFT_DIRECT_ASLEEP, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&d->page->handoffs, 1, __ATOMIC_RELAXED);
	syscall(SYS_futex, ho, FUTEX_WAIT, SOFT_DIRECT_ASLEEP, &ts, NULL, 0);
	if (!__atomic_exchange_n(ho, 0, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&d->page->handoffs_woken, 1,
				   __ATOMIC_RELAXED);
}

int ivp_direct_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
			 const struct ivp_sge *sge, const char **why)
{
	struct ivp_dqp *d = qp->d;
	bool yield, hand, idle;
	u64 len = 0;
	u32 i;

	*why = NULL;
	if (d->ud)
		return ud_post_send(qp, wr, sge, why);
	if (!opcode_ok(d->type, wr->opcode)) {
		*why = "opcode not valid on this QP type";
		return -EINVAL;
	}
	if (wr->num_sge > d->max_send_sge &&
	    !(wr->send_flags & IB_UVERBS_SEND_INLINE)) {
		*why = "more SGEs than the QP takes";
		return -EINVAL;
	}
	if (wr->send_flags & IB_UVERBS_SEND_INLINE &&
	    wr->opcode != IB_UVERBS_WR_RDMA_READ &&
	    wr->opcode != IB_UVERBS_WR_ATOMIC_CMP_AND_SWP &&
	    wr->opcode != IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
		for (i = 0; i < wr->num_sge; i++)
			len += sge[i].length;
		if (len > d->max_inline) {
			*why = "more inline bytes than max_inline_data";
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&d->lock);
	sq_trim(qp);
	if (d->sq_tail - d->sq_head >= d->sq_max) {
		pthread_mutex_unlock(&d->lock);
		*why = "the send queue is full: max_send_wr WRs outstanding";
		return -ENOMEM;
	}
	/* Nothing outstanding before it: an exchange, not a stream. */
	idle = d->sq_tail == d->sq_head;
	/* Before the push: an ERR found now flushes what is queued. */
	check_device(qp);
	sq_push(d, wr, sge, NULL, 0);
	if (d->err) {
		/* Posted to a QP in ERR: flushed. */
		wqe_done(qp, sqe(d, d->sq_run), IB_UVERBS_WC_WR_FLUSH_ERR, 0);
		d->sq_run++;
	} else {
		sq_reap(qp);
		sq_run(qp);
		/*
		 * A peer of this process is served at once, as by a NIC: a
		 * thread of ours may wait for this send's event, not polling
		 * the peer (pyverbs' events test).
		 */
		if (d->peer_local)
			sq_reap(qp);
	}
	if (sq_ready(d) && __atomic_load_n(&d->page->armed_send,
					   __ATOMIC_RELAXED))
		self_notify(qp, false);
	yield = peer_on_our_cpu(d);
	hand = handoff_begin(d, yield && idle);
	handoff_end(d);
	pthread_mutex_unlock(&d->lock);
	/*
	 * A peer on our CPU sees what we posted only once we leave it: a
	 * program that spins on memory next (ib_write_lat waits for the
	 * peer's WRITE in its own buffer, never polling an empty CQ) would
	 * otherwise keep the CPU for a whole time slice per message.
	 */
	if (hand)
		handoff_wait(qp);
	else if (yield)
		sched_yield();
	return 0;
}

int ivp_direct_post_recv(struct ivp_qp *qp, const struct ivp_recv_wr *wr,
			 const struct ivp_sge *sge, const char **why)
{
	struct ivp_dqp *d = qp->d;
	struct drwqe *r;

	*why = NULL;
	if (d->srq) {
		*why = "the QP receives from an SRQ";
		return -EINVAL;
	}
	if (wr->num_sge > d->max_recv_sge) {
		*why = "more SGEs than the QP takes";
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	if (d->rq_tail - d->rq_head >= d->rq_max) {
		pthread_mutex_unlock(&d->lock);
		*why = "the receive queue is full: max_recv_wr WRs outstanding";
		return -ENOMEM;
	}
	check_device(qp);
	/* UD: a datagram that came before this receive finds none. */
	if (d->ud && !d->err) {
		d->client_drains++;
		rx_drain(qp);
	}
	rq_push(d, wr, sge);
	if (d->err) {
		r = rqe(d, d->rq_take++);
		memset(&r->wc, 0, sizeof(r->wc));
		r->wc.wr_id = r->wr_id;
		r->wc.status = IB_UVERBS_WC_WR_FLUSH_ERR;
		r->wc.opcode = IB_UVERBS_WC_RECV;
		r->wc.qp_num = qp->qpn;
		rwqe_done(qp, r);
	} else if (__atomic_load_n(&d->page->rx_prod, __ATOMIC_ACQUIRE) !=
		   d->rx_cons) {
		/* A record waits for this receive (RNR). */
		d->client_drains++;
		rx_drain(qp);
	}
	if (rq_ready(d) && __atomic_load_n(&d->page->armed_recv,
					   __ATOMIC_RELAXED))
		self_notify(qp, true);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void ivp_direct_srq_posted(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;

	if (!d || !__atomic_load_n(&d->direct, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&d->page->rx_prod, __ATOMIC_ACQUIRE) ==
		    __atomic_load_n(&d->page->rx_cons, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&d->lock);
	if (d->direct && !d->lost) {
		d->client_drains++;
		rx_drain(qp);
		if (rq_ready(d) && __atomic_load_n(&d->page->armed_recv,
						   __ATOMIC_RELAXED))
			self_notify(qp, true);
	}
	pthread_mutex_unlock(&d->lock);
}

static void send_wc(struct ivp_qp *qp, const struct dswqe *e, struct ivp_wc *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = e->wr.wr_id;
	wc->status = e->status;
	wc->opcode = soft_send_wc_opcode(e->wr.opcode);
	wc->byte_len = e->status ? 0 : e->len;
	wc->qp_num = qp->qpn;
	wc->port_num = qp->d->port_num;
}

/* Progress of one direct QP for @cq, and its completions (locks held). */
static u32 qp_poll(struct ivp_qp *qp, struct ivp_cq *cq, struct ivp_wc *wc,
		   u32 num)
{
	struct ivp_dqp *d = qp->d;
	struct drwqe *r;
	struct dswqe *e;
	u32 n = 0;

	check_device(qp);
	if (d->lost)
		return 0;
	/* In ERR too: what arrives is settled, with no answer. */
	if (cq == d->rcq) {
		d->client_drains++;
		rx_drain(qp);
	}
	if (cq == d->scq) {
		sq_reap(qp);
		sq_run(qp);
		while (n < num && d->sq_head != d->sq_tail) {
			e = sqe(d, d->sq_head);
			if (e->state != DW_DONE)
				break;
			d->sq_head++;
			if (!e->dropped &&
			    (e->status || qp->sq_sig_all ||
			     (e->wr.send_flags & IB_UVERBS_SEND_SIGNALED))) {
				send_wc(qp, e, &wc[n++]);
				cqe_gone(qp, true, 1);
			}
		}
	}
	if (cq == d->rcq)
		while (n < num && rq_ready(d)) {
			r = rqe(d, d->rq_head++);
			if (r->dropped)
				continue;
			wc[n++] = r->wc;
			cqe_gone(qp, false, 1);
		}
	return n;
}

uint32_t ivp_direct_cq_poll(struct ivp_cq *cq, struct ivp_wc *wc, uint32_t num,
			    bool *yield)
{
	bool relayed = false, shared = false;
	struct ivp_qp *qp;
	u32 i, n = 0;

	for (i = 0; i < cq->ndq && n < num; i++) {
		qp = cq->dq[i];
		if (!ivp_direct_qp_is(qp)) {
			/* Relayed: the daemon's NIC thread needs the CPU. */
			relayed = true;
			continue;
		}
		pthread_mutex_lock(&qp->d->lock);
		n += qp_poll(qp, cq, wc + n, num - n);
		if (!n) {
			handoff_end(qp->d);
			shared |= peer_on_our_cpu(qp->d);
		}
		pthread_mutex_unlock(&qp->d->lock);
	}
	*yield = !n && (relayed || shared);
	return n;
}

/*
 * Arms the receive (@recv) and send (@send) sides of @qp's page with @v
 * (SOFT_DIRECT_ARM_*).  An application's REQ_NOTIFY arms for the next
 * completion, as the device does on the relay (and as libibverbs
 * documents it): what came before the arm, records waiting in the ring
 * included (a NIC would have made their completions already), raises no
 * event; the application polls after arming.  Raising one at once would
 * be an event no new completion follows: ib_send_lat -e re-arms before
 * it polls, took that event for its next SEND's, polled nothing and
 * failed its next post with ENOMEM.  @look (the arm the device saw
 * before the path was decided, re-applied at connection) does look once
 * more: what came before it would never be notified.  The QP's lock
 * held.
 */
static void arm_qp(struct ivp_qp *qp, bool recv, bool send, u32 v,
		   bool look)
{
	struct ivp_dqp *d = qp->d;

	if (recv)
		__atomic_store_n(&d->page->armed_recv, v, __ATOMIC_SEQ_CST);
	if (send)
		__atomic_store_n(&d->page->armed_send, v, __ATOMIC_SEQ_CST);
	check_device(qp);
	if (look && recv &&
	    (rq_ready(d) ||
	     __atomic_load_n(&d->page->rx_prod, __ATOMIC_SEQ_CST) !=
		     d->rx_cons))
		self_notify(qp, true);
	if (send) {
		sq_reap(qp);
		/* WRs to a gone peer in their grace: look again. */
		if ((look && sq_ready(d)) ||
		    (d->gone && d->sq_run != d->sq_tail))
			self_notify(qp, false);
		else
			sq_arm_wake(d);
	}
}

void ivp_direct_cq_arm(struct ivp_cq *cq, int solicited_only)
{
	u32 v = solicited_only ? SOFT_DIRECT_ARM_SOLICITED :
				 SOFT_DIRECT_ARM_NEXT;
	struct ivp_qp *qp;
	u32 i;

	__atomic_store_n(&cq->armed, v, __ATOMIC_RELAXED);
	for (i = 0; i < cq->ndq; i++) {
		qp = cq->dq[i];
		if (!qp->d)
			continue;
		/*
		 * Not connected (yet): its page is armed all the same, for a
		 * peer that makes it work before this client looks: the
		 * device's event then wakes a waiter, which connects.
		 */
		if (!ivp_direct_qp_is(qp)) {
			if (cq == qp->d->rcq)
				__atomic_store_n(&qp->d->page->armed_recv, v,
						 __ATOMIC_SEQ_CST);
			if (cq == qp->d->scq)
				__atomic_store_n(&qp->d->page->armed_send, v,
						 __ATOMIC_SEQ_CST);
			continue;
		}
		pthread_mutex_lock(&qp->d->lock);
		arm_qp(qp, cq == qp->d->rcq, cq == qp->d->scq, v, false);
		pthread_mutex_unlock(&qp->d->lock);
	}
}

int ivp_direct_cq_add(struct ivp_cq *cq, struct ivp_qp *qp)
{
	struct ivp_qp **dq;
	int ret = 0;

	pthread_mutex_lock(&cq->lock);
	if (cq->ndq == cq->dq_cap) {
		dq = realloc(cq->dq, (cq->dq_cap * 2 + 4) * sizeof(*dq));
		if (!dq) {
			ret = -ENOMEM;
			goto out;
		}
		cq->dq = dq;
		cq->dq_cap = cq->dq_cap * 2 + 4;
	}
	cq->dq[cq->ndq++] = qp;
out:
	pthread_mutex_unlock(&cq->lock);
	return ret;
}

void ivp_direct_cq_del(struct ivp_cq *cq, struct ivp_qp *qp)
{
	u32 i;

	pthread_mutex_lock(&cq->lock);
	for (i = 0; i < cq->ndq; i++)
		if (cq->dq[i] == qp) {
			cq->dq[i] = cq->dq[--cq->ndq];
			break;
		}
	pthread_mutex_unlock(&cq->lock);
}

/* QPs */

static int ud_init(struct ivp_qp *qp, struct ivp_dqp *d);
static void ud_fini(struct ivp_dqp *d);

int ivp_direct_qp_init(struct ivp_qp *qp, uint8_t type, uint32_t pd,
		       struct ivp_cq *scq, struct ivp_cq *rcq)
{
	const struct ib_uverbs_qp_cap *cap = &qp->r.cap;
	struct ivp_dqp *d = calloc(1, sizeof(*d));
	struct stat st;

	if (!d)
		return -ENOMEM;
	d->qp = qp;
	d->type = type;
	d->pd = pd;
	d->scq = scq;
	d->rcq = rcq;
	d->pkick = -1;
	d->port_num = 1;
	d->page = (struct soft_direct_ctrl *)(qp->r.map + qp->r.layout.dir);
	d->ring = qp->r.map + qp->r.layout.dir + SOFT_DIRECT_PAGE;
	d->max_send_sge = cap->max_send_sge;
	d->max_recv_sge = cap->max_recv_sge;
	d->max_inline = cap->max_inline_data;
	d->sq_max = cap->max_send_wr ? cap->max_send_wr : 1;
	d->rq_max = cap->max_recv_wr ? cap->max_recv_wr : 1;
	d->srq = qp->srq_ring;
	if (d->srq) {
		/* Receives it took off its SRQ: as many as wait for a poll. */
		d->max_recv_sge = d->srq->max_sge;
		d->rq_max = 16;
		d->srq_wqe = malloc(d->srq->stride);
		if (!d->srq_wqe) {
			free(d);
			return -ENOMEM;
		}
	}
	d->sq_stride = (u32)((sizeof(struct dswqe) +
			      d->max_send_sge * sizeof(struct ivp_sge) +
			      d->max_inline + 7) & ~7ul);
	d->rq_stride = (u32)((sizeof(struct drwqe) +
			      d->max_recv_sge * sizeof(struct ivp_sge) + 7) &
			     ~7ul);
	d->sq = calloc(d->sq_max, d->sq_stride);
	d->rq = calloc(d->rq_max, d->rq_stride);
	if (!d->sq || !d->rq) {
		free(d->sq);
		free(d->rq);
		free(d->srq_wqe);
		free(d);
		return -ENOMEM;
	}
	if (type == IB_UVERBS_QPT_UD && ud_init(qp, d)) {
		free(d->sq);
		free(d->rq);
		free(d);
		return -ENOMEM;
	}
	if (!fstat(qp->r.fd, &st))
		d->ino = st.st_ino;
	pthread_mutex_init(&d->lock, NULL);
	qp->d = d;
	pthread_mutex_lock(&qp->dev->d.pq_lock);
	d->pq_next = qp->dev->d.pq;
	qp->dev->d.pq = d;
	pthread_mutex_unlock(&qp->dev->d.pq_lock);
	return 0;
}

void ivp_direct_qp_fini(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d, **pp;

	if (!d)
		return;
	/* Out of the progress thread's reach (a pass on it is done). */
	pthread_mutex_lock(&qp->dev->d.pq_lock);
	for (pp = &qp->dev->d.pq; *pp; pp = &(*pp)->pq_next)
		if (*pp == d) {
			*pp = d->pq_next;
			break;
		}
	pthread_mutex_unlock(&qp->dev->d.pq_lock);
	dreg_del(d);
	/*
	 * A peer's drive_peer() that took our lock before is done.  What
	 * nobody polled leaves its CQs with the QP.
	 */
	pthread_mutex_lock(&d->lock);
	cqe_gone(qp, false, d->held[0]);
	cqe_gone(qp, true, d->held[1]);
	pthread_mutex_unlock(&d->lock);
	peer_unmap(d);
	ud_fini(d);
	pthread_mutex_destroy(&d->lock);
	free(d->sq);
	free(d->rq);
	free(d->srq_wqe);
	free(d);
	qp->d = NULL;
}

void ivp_direct_qp_quiesce(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;

	if (!d || !__atomic_load_n(&d->direct, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&d->lock);
	if (d->direct && !d->lost)
		rx_drain(qp);
	pthread_mutex_unlock(&d->lock);
}

static void ud_reset(struct ivp_dqp *d);

/* RESET: the queues are empty, the connection forgotten (QP's lock). */
static void qp_reset(struct ivp_dqp *d)
{
	dreg_del(d);
	__atomic_store_n(&d->direct, false, __ATOMIC_RELEASE);
	peer_unmap(d);
	ud_reset(d);
	cqe_gone(d->qp, false, d->held[0]);
	cqe_gone(d->qp, true, d->held[1]);
	d->failed = d->err = d->err_sent = d->gone = d->rx_broken = false;
	d->lost = d->peer_local = false;
	d->sq_head = d->sq_run = d->sq_tail = d->sq_sent = 0;
	d->rq_head = d->rq_take = d->rq_tail = 0;
}

void ivp_direct_qp_modified(struct ivp_qp *qp, const struct ivp_qp_attr *a)
{
	struct ivp_dqp *d = qp->d;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	if (a->attr_mask & IB_UVERBS_QP_RNR_RETRY)
		d->rnr_retry = a->rnr_retry;
	if (a->attr_mask & IB_UVERBS_QP_TIMEOUT)
		d->timeout = a->timeout;
	if (a->attr_mask & IB_UVERBS_QP_RETRY_CNT)
		d->retry_cnt = a->retry_cnt;
	if (a->attr_mask & IB_UVERBS_QP_PORT)
		d->port_num = a->port_num;
	if (a->attr_mask & IB_UVERBS_QP_STATE) {
		if (a->qp_state == IB_UVERBS_QPS_RESET) {
			qp_reset(d);
		} else if (a->qp_state == IB_UVERBS_QPS_ERR && d->direct) {
			d->err_sent = true;
			go_err(qp, NULL, false);
		}
	}
	pthread_mutex_unlock(&d->lock);
	ivp_direct_qp_is(qp);
}

/*
 * UD (<rdma/soft_direct.h>, "UD").  A UD QP on the direct path owns its
 * receive queue and drains every datagram from its receive ring, where
 * its direct senders and the device append them under the ring's lock;
 * it sends directly to the destinations the device published in its
 * page (mapped here on first use, like an RC peer), everything else
 * through its SQ ring, which the device still serves.  Its direct sends
 * complete at once (a UD send is done once on the wire), in the QP's
 * local queue; ordering with its relayed sends: see
 * ivp_direct_cq_has_ud().
 */

/* A context's AH (struct ivp_dctx.ah): what a UD send needs of it. */
struct ivp_dah {
	struct ivp_dah *next;
	u32 handle;
	struct ivp_ah_attr a;
};

/*
 * A destination slot of the QP's page, as this client mapped it
 * (@seq: the slot's seq then, 0 never looked at; @live: usable).
 */
struct ud_dest {
	u32 seq;
	bool live;
	struct soft_direct_ud_dest e;
	u8 *map;
	size_t map_len;
	struct soft_direct_ctrl *page;
	struct soft_direct_ud *blk;
	u8 *ring;
	struct soft_direct_keys *keys;
	size_t keys_len;
	int kick;
};

/**
 * struct ivp_dud - a UD QP's side of the direct path (its dqp's lock)
 * @blk: its own UD block
 * @dst: its destination slots, mapped
 * @last: the slot the last direct send used (looked at first)
 * @me: our tgid, what we store in a ring's lock (getpid() is a system
 *	call)
 */
struct ivp_dud {
	struct soft_direct_ud *blk;
	struct ud_dest dst[SOFT_DIRECT_UD_DESTS];
	u32 last;
	u32 me;
};

#define UD_HDR (DREC + sizeof(struct soft_direct_ud_info))

_Static_assert(SOFT_DIRECT_UD_OFF + sizeof(struct soft_direct_ud) <=
		       SOFT_DIRECT_PAGE,
	       "the UD block fits the direct page");
_Static_assert(sizeof(struct soft_direct_ctrl) <= SOFT_DIRECT_UD_OFF,
	       "the UD block follows the direct page's own fields");
_Static_assert(sizeof(struct soft_direct_ud_dest) == 128, "a destination");
_Static_assert(sizeof(struct soft_direct_ud_info) == 64, "a UD record");

void ivp_direct_ah_add(struct ivp_dev *dev, uint32_t handle,
		       const struct ivp_ah_attr *attr)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dah *h = calloc(1, sizeof(*h));

	/* Without it, a send through this AH is relayed. */
	if (!h)
		return;
	h->handle = handle;
	h->a = *attr;
	pthread_rwlock_wrlock(&c->ah_lock);
	h->next = c->ah[handle % IVP_DAH_BUCKETS];
	c->ah[handle % IVP_DAH_BUCKETS] = h;
	pthread_rwlock_unlock(&c->ah_lock);
}

void ivp_direct_ah_del(struct ivp_dev *dev, uint32_t handle)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dah **pp, *h = NULL;

	pthread_rwlock_wrlock(&c->ah_lock);
	for (pp = &c->ah[handle % IVP_DAH_BUCKETS]; *pp; pp = &(*pp)->next)
		if ((*pp)->handle == handle) {
			h = *pp;
			*pp = h->next;
			break;
		}
	pthread_rwlock_unlock(&c->ah_lock);
	free(h);
}

static void ud_ah_free_all(struct ivp_dctx *c)
{
	struct ivp_dah *h;
	u32 i;

	for (i = 0; i < IVP_DAH_BUCKETS; i++)
		while ((h = c->ah[i])) {
			c->ah[i] = h->next;
			free(h);
		}
}

static bool ud_ah_get(struct ivp_dev *dev, u32 handle, struct ivp_ah_attr *a)
{
	struct ivp_dctx *c = &dev->d;
	struct ivp_dah *h;

	pthread_rwlock_rdlock(&c->ah_lock);
	for (h = c->ah[handle % IVP_DAH_BUCKETS]; h; h = h->next)
		if (h->handle == handle) {
			*a = h->a;
			break;
		}
	pthread_rwlock_unlock(&c->ah_lock);
	return h != NULL;
}

static int ud_init(struct ivp_qp *qp, struct ivp_dqp *d)
{
	u32 i;

	(void)qp;
	d->ud = calloc(1, sizeof(*d->ud));
	if (!d->ud)
		return -ENOMEM;
	d->ud->blk = (struct soft_direct_ud *)((u8 *)d->page +
					       SOFT_DIRECT_UD_OFF);
	d->ud->me = (u32)getpid();
	for (i = 0; i < SOFT_DIRECT_UD_DESTS; i++)
		d->ud->dst[i].kick = -1;
	return 0;
}

static void ud_unmap(struct ud_dest *t)
{
	remote_unmap(&t->map, t->map_len, &t->keys, t->keys_len, &t->kick);
	t->page = NULL;
	t->blk = NULL;
	t->ring = NULL;
	t->live = false;
}

/*
 * RESET: every destination forgotten, and what waits in the ring too (a
 * QP reset loses its datagrams; the device appends no more until the
 * next RTR).  The QP's lock held.
 */
static void ud_reset(struct ivp_dqp *d)
{
	u32 i;

	if (!d->ud)
		return;
	for (i = 0; i < SOFT_DIRECT_UD_DESTS; i++) {
		ud_unmap(&d->ud->dst[i]);
		d->ud->dst[i].seq = 0;
	}
	d->rx_cons = __atomic_load_n(&d->page->rx_prod, __ATOMIC_ACQUIRE);
	__atomic_store_n(&d->page->rx_cons, d->rx_cons, __ATOMIC_RELEASE);
}

static void ud_fini(struct ivp_dqp *d)
{
	if (!d->ud)
		return;
	ud_reset(d);
	free(d->ud);
	d->ud = NULL;
}

bool ivp_direct_qp_ud(struct ivp_qp *qp)
{
	return qp->d && qp->d->ud;
}

bool ivp_direct_cq_has_ud(struct ivp_cq *cq)
{
	u32 i;

	for (i = 0; i < cq->ndq; i++)
		if (ivp_direct_qp_connected(cq->dq[i]) && cq->dq[i]->d->ud)
			return true;
	return false;
}

/* The page says DIRECT: its receives are ours (the QP's lock held). */
static void ud_connect(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	u32 armed;

	d->rx_cons = __atomic_load_n(&d->page->rx_cons, __ATOMIC_RELAXED);
	d->err = d->err_sent = d->gone = d->rx_broken = false;
	__atomic_store_n(&d->page->cpu, -1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&qp->rq_lock);
	take_rq(qp);
	__atomic_store_n(&d->direct, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&qp->rq_lock);
	/* Its senders of this process drain it when its ring is full. */
	dreg_add(d);
	progress_start(qp->dev);
	if (debug_on())
		fprintf(stderr, "ioverbs: direct path: UD QP %u receives directly\n",
			qp->qpn);
	armed = __atomic_load_n(&d->rcq->armed, __ATOMIC_RELAXED);
	if (armed)
		arm_qp(qp, true, false, armed, true);
}

/* Slot @s of the page, under its seq: false while the device writes. */
static bool ud_dest_read(struct soft_direct_ud_dest *pe,
			 struct soft_direct_ud_dest *e)
{
	u32 s1 = __atomic_load_n(&pe->seq, __ATOMIC_ACQUIRE), i;
	u32 *src = (u32 *)pe, w[sizeof(*e) / 4];

	if (s1 & 1)
		return false;
	/* Each word acquired: the seq read last comes after them all. */
	for (i = 0; i < sizeof(*e) / 4; i++)
		w[i] = __atomic_load_n(&src[i], __ATOMIC_ACQUIRE);
	memcpy(e, w, sizeof(*e));
	return e->seq == s1 && __atomic_load_n(&pe->seq, __ATOMIC_ACQUIRE) == s1;
}

/* Maps the destination @t->e names: 0 or -errno with *@why. */
static int ud_map(struct ud_dest *t, const char **why)
{
	static const struct dremote_whys w =
		DREMOTE_WHYS("destination", "destination");
	struct soft_direct_ud_dest *e = &t->e;
	const struct dremote r = DREMOTE_OF(e, );
	int ret;

	ret = remote_map(&r, &w, &t->map, &t->map_len, &t->keys, &t->keys_len,
			 &t->kick, why);
	if (t->map) {
		t->page = (struct soft_direct_ctrl *)(t->map + e->dir);
		t->blk = (struct soft_direct_ud *)((u8 *)t->page +
						   SOFT_DIRECT_UD_OFF);
		t->ring = t->map + e->dir + SOFT_DIRECT_PAGE;
	}
	return ret;
}

/* Slot @s as the device wrote it last: mapped if LIVE (QP's lock held). */
static struct ud_dest *ud_slot(struct ivp_qp *qp, u32 s)
{
	struct ud_dest *t = &qp->d->ud->dst[s];
	struct soft_direct_ud_dest *pe = &qp->d->ud->blk->dest[s];
	struct soft_direct_ud_dest e;
	const char *why = NULL;
	int ret;

	if (__atomic_load_n(&pe->seq, __ATOMIC_ACQUIRE) == t->seq)
		return t->live ? t : NULL;
	if (!ud_dest_read(pe, &e))
		return NULL;
	ud_unmap(t);
	t->seq = e.seq;
	if (e.state != SOFT_UD_DEST_LIVE)
		return NULL;
	t->e = e;
	ret = ud_map(t, &why);
	if (ret) {
		dbg(qp, why, -ret);
		ud_unmap(t);
		return NULL;
	}
	t->live = true;
	if (debug_on())
		fprintf(stderr, "ioverbs: direct path: QP %u to UD QP %u of process %d\n",
			qp->qpn, e.qpn, e.pid);
	return t;
}

/*
 * Does the receiver we last sent to poll on our CPU (as its page last
 * said)?  Publishes ours (peer_on_our_cpu() of a UD QP).
 */
static bool ud_on_our_cpu(struct ivp_dqp *d)
{
	struct ud_dest *t = &d->ud->dst[d->ud->last];
	int cpu = sched_getcpu();

	__atomic_store_n(&d->page->cpu, cpu, __ATOMIC_RELAXED);
	return t->live &&
	       __atomic_load_n(&t->page->cpu, __ATOMIC_RELAXED) == cpu;
}

/* The destination of a send through @a to @qpn, or NULL: relayed. */
static struct ud_dest *ud_dest_find(struct ivp_qp *qp,
				    const struct ivp_ah_attr *a, u32 qpn)
{
	struct ivp_dud *u = qp->d->ud;
	u8 port = a->port_num ? a->port_num : qp->d->port_num;
	struct ud_dest *t;
	u32 i, s;

	for (i = 0; i < SOFT_DIRECT_UD_DESTS; i++) {
		s = (u->last + i) % SOFT_DIRECT_UD_DESTS;
		t = ud_slot(qp, s);
		if (!t || t->e.qpn != qpn || t->e.src_port != port)
			continue;
		if (a->is_global ? memcmp(a->dgid, t->e.gid, 16) :
				   a->dlid != t->e.lid)
			continue;
		u->last = s;
		return t;
	}
	return NULL;
}

/*
 * The producer lock of @t's ring, for us (@me), within @deadline (a
 * holder that no longer exists is replaced).  Return: false at the
 * deadline.
 */
static bool ud_lock(struct ud_dest *t, u32 me, u64 *start)
{
	u32 exp;

	for (;;) {
		exp = 0;
		if (__atomic_compare_exchange_n(&t->blk->lock, &exp, me, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return true;
		if (exp != me && exp != SOFT_DIRECT_UD_LOCK_DEVICE &&
		    !pid_alive(exp)) {
			__atomic_compare_exchange_n(&t->blk->lock, &exp, 0,
						    false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
			continue;
		}
		if (!*start)
			*start = now_ns();
		else if (now_ns() - *start >= SOFT_DIRECT_UD_FULL_NS)
			return false;
		sched_yield();
	}
}

/*
 * Appends a datagram to @t's ring: the header fields @flags, @imm, then
 * @info and the @len bytes of @iov.  Return: 0, or -EAGAIN when it was
 * dropped (no room or no lock in time: counted), -EIO when the ring's
 * indexes are not the protocol's (the receiver's problem: dropped).
 */
/*
 * The receiver of @t is a QP of this process (ours, @qp, included): its
 * ring drained here, as drive_peer() does (its lock only tried: its
 * progress thread may wait for ours).  Return: false if it is not.
 */
static bool ud_drive_local(struct ivp_qp *qp, struct ud_dest *t)
{
	struct ivp_dqp *p;

	if (t->e.pid != getpid())
		return false;
	pthread_mutex_lock(&dreg_lock);
	for (p = dreg; p; p = p->reg_next)
		if (p->ino == t->e.qp_ino)
			break;
	if (p && p != qp->d && pthread_mutex_trylock(&p->lock))
		p = NULL;
	pthread_mutex_unlock(&dreg_lock);
	if (!p)
		return true;
	if (p->direct && !p->lost)
		rx_drain(p->qp);
	if (p != qp->d)
		pthread_mutex_unlock(&p->lock);
	return true;
}

static int ud_put(struct ivp_qp *qp, struct ud_dest *t,
		  const struct soft_direct_ud_info *info, u8 flags, u32 imm,
		  const struct iovec *iov, u32 niov, u32 len)
{
	u32 me = qp->d->ud->me, need = rec_align(UD_HDR + len);
	u32 prod, cons, off, pad;
	struct soft_direct_msg *m;
	bool woke = false;
	u64 start = 0;

	for (;;) {
		if (!ud_lock(t, me, &start))
			goto full;
		prod = __atomic_load_n(&t->page->rx_prod, __ATOMIC_RELAXED);
		cons = __atomic_load_n(&t->page->rx_cons, __ATOMIC_ACQUIRE);
		off = prod & (DRING - 1);
		pad = off + need > DRING ? DRING - off : 0;
		if (prod % DREC || prod - cons > DRING) {
			__atomic_store_n(&t->blk->lock, 0, __ATOMIC_RELEASE);
			return -EIO;
		}
		if (prod - cons + pad + need <= DRING)
			break;
		__atomic_store_n(&t->blk->lock, 0, __ATOMIC_RELEASE);
		/*
		 * A receiver that does not poll: we drain it (of this
		 * process), or its progress thread does.
		 */
		if (!ud_drive_local(qp, t) && !woke)
			woke = wake_line_kick(soft_direct_wake_line(
						      t->keys, t->e.keys_entries),
					      true);
		if (!start)
			start = now_ns();
		else if (now_ns() - start >= SOFT_DIRECT_UD_FULL_NS)
			goto full;
		sched_yield();
	}
	if (pad) {
		m = rec_at(t->ring, prod);
		memset(m, 0, sizeof(*m));
		m->size = pad;
		m->op = SOFT_DMSG_PAD;
		__atomic_store_n(&m->state, SOFT_DMSG_POSTED, __ATOMIC_RELAXED);
		prod += pad;
	}
	m = rec_at(t->ring, prod);
	soft_direct_ud_head(m, need, flags, len, imm, info);
	gather((u8 *)(m + 1) + sizeof(*info), iov, niov);
	__atomic_store_n(&m->state, SOFT_DMSG_POSTED, __ATOMIC_RELAXED);
	__atomic_store_n(&t->page->rx_prod, prod + need, __ATOMIC_RELEASE);
	__atomic_store_n(&t->blk->lock, 0, __ATOMIC_RELEASE);
	notify(t->page, true, flags & SOFT_DMSG_SOLICITED, t->kick);
	return 0;

full:
	__atomic_fetch_add(&t->blk->drop_full, 1, __ATOMIC_RELAXED);
	return -EAGAIN;
}

static int ud_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
			const struct ivp_sge *sge, const char **why)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_ud_info info;
	struct iovec iov[DMAX_SGE];
	static const struct ivp_sge sge_none[1];
	struct ivp_send_wr w;
	struct ivp_ah_attr a;
	struct ud_dest *t;
	u32 niov = 0, qkey, i;
	bool yield, busy;
	u64 len = 0;
	u8 flags = 0;

	*why = NULL;
	if ((wr->opcode != IB_UVERBS_WR_SEND &&
	     wr->opcode != IB_UVERBS_WR_SEND_WITH_IMM) ||
	    wr->num_sge > DMAX_SGE || wr->num_sge > d->max_send_sge ||
	    !ud_ah_get(qp->dev, wr->wr.ud.ah, &a))
		return IVP_DIRECT_RELAY;
	pthread_mutex_lock(&d->lock);
	check_device(qp);
	if (d->err || d->lost ||
	    __atomic_load_n(&d->page->state, __ATOMIC_ACQUIRE) !=
		    IB_UVERBS_QPS_RTS)
		goto relay;
	/* What it relayed is polled: its completions stay in order. */
	pthread_mutex_lock(&qp->sq_lock);
	busy = qp->sq_posted != __atomic_load_n(&qp->sq_done,
						__ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&qp->sq_lock);
	if (busy)
		goto relay;
	t = ud_dest_find(qp, &a, wr->wr.ud.remote_qpn);
	if (!t)
		goto relay;
	if (wr->send_flags & IB_UVERBS_SEND_INLINE) {
		for (i = 0; i < wr->num_sge; i++) {
			iov[i].iov_base = (void *)(uintptr_t)sge[i].addr;
			iov[i].iov_len = sge[i].length;
			len += sge[i].length;
		}
		niov = wr->num_sge;
		if (len > d->max_inline)
			goto relay;
	} else if (local_iov(qp, sge, wr->num_sge, 0, iov, &niov, &len)) {
		/* The relay fails it as the device does. */
		goto relay;
	}
	if (len > SOFT_DIRECT_UD_MTU)
		goto relay;
	sq_trim(qp);
	if (d->sq_tail - d->sq_head >= d->sq_max) {
		pthread_mutex_unlock(&d->lock);
		*why = "the send queue is full: max_send_wr WRs outstanding";
		return -ENOMEM;
	}
	qkey = wr->wr.ud.remote_qkey;
	if (qkey & SOFT_DIRECT_QKEY_USE_QP)
		qkey = __atomic_load_n(&d->ud->blk->qkey, __ATOMIC_RELAXED);
	memset(&info, 0, sizeof(info));
	info.src_qpn = qp->qpn;
	info.qkey = qkey;
	info.slid = t->e.src_lid;
	info.pkey = t->e.src_pkey;
	info.sl = a.sl;
	if (a.is_global) {
		info.global = 1;
		info.hop_limit = a.hop_limit;
		info.traffic_class = a.traffic_class;
		info.flow_label = a.flow_label & 0xfffff;
		memcpy(info.sgid, t->e.src_gid, sizeof(info.sgid));
		memcpy(info.dgid, a.dgid, sizeof(info.dgid));
	}
	if (wr->opcode == IB_UVERBS_WR_SEND_WITH_IMM)
		flags |= SOFT_DMSG_IMM;
	if (wr->send_flags & IB_UVERBS_SEND_SOLICITED)
		flags |= SOFT_DMSG_SOLICITED;
	if (!ud_put(qp, t, &info, flags, wr->imm_data, iov, niov,
		    (u32)len)) {
		d->page->tx_msgs++;
		d->page->tx_bytes += len;
	}
	/* Done once on the wire, delivered or not, as UD is. */
	w = *wr;
	w.num_sge = 0;
	sq_push(d, &w, sge_none, NULL, 0);
	wqe_done(qp, sqe(d, d->sq_run), IB_UVERBS_WC_SUCCESS, (u32)len);
	d->sq_run++;
	if (sq_ready(d) && __atomic_load_n(&d->page->armed_send,
					   __ATOMIC_RELAXED))
		self_notify(qp, false);
	yield = ud_on_our_cpu(d);
	pthread_mutex_unlock(&d->lock);
	/* As an RC sender: a receiver on our CPU runs once we leave it. */
	if (yield)
		sched_yield();
	return 0;

relay:
	pthread_mutex_unlock(&d->lock);
	return IVP_DIRECT_RELAY;
}

/* @len bytes of @src at @off of the local @iov. */
static void scatter_at(const struct iovec *iov, u32 niov, u64 off,
		       const u8 *src, u64 len)
{
	u32 i;
	u64 n;

	for (i = 0; i < niov && len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - off;
		if (n > len)
			n = len;
		memcpy((u8 *)iov[i].iov_base + off, src, n);
		off = 0;
		src += n;
		len -= n;
	}
}

/* The GRH a UD receive starts with, as the device builds it. */
static void ud_grh(u8 *grh, const struct soft_direct_ud_info *in, u32 len)
{
	u32 w0 = (6u << 28) | ((u32)in->traffic_class << 20) |
		 (in->flow_label & 0xfffff);

	grh[0] = (u8)(w0 >> 24);
	grh[1] = (u8)(w0 >> 16);
	grh[2] = (u8)(w0 >> 8);
	grh[3] = (u8)w0;
	grh[4] = (u8)(len >> 8);
	grh[5] = (u8)len;
	grh[6] = 0x1b;
	grh[7] = in->hop_limit;
	memcpy(grh + 8, in->sgid, 16);
	memcpy(grh + 24, in->dgid, 16);
}

/*
 * A datagram (header @h, @in, its payload @data in the ring) for the
 * oldest receive, or dropped and counted.  The QP's lock held.
 */
static void ud_take(struct ivp_qp *qp, const struct soft_direct_msg *h,
		    const struct soft_direct_ud_info *in, const u8 *data)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_ud *b = d->ud->blk;
	struct iovec iov[DMAX_SGE];
	u8 grh[SOFT_DIRECT_GRH_LEN];
	struct drwqe *r;
	u32 niov, status, st;
	u64 cap;

	st = __atomic_load_n(&d->page->state, __ATOMIC_ACQUIRE);
	if (d->err || (st != IB_UVERBS_QPS_RTR && st != IB_UVERBS_QPS_RTS &&
		       st != IB_UVERBS_QPS_SQD))
		return;
	if (!soft_direct_pkey_match(in->pkey, (u16)__atomic_load_n(
						      &b->pkey, __ATOMIC_RELAXED))) {
		__atomic_fetch_add(&b->drop_pkey, 1, __ATOMIC_RELAXED);
		return;
	}
	if (in->qkey != __atomic_load_n(&b->qkey, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&b->drop_qkey, 1, __ATOMIC_RELAXED);
		return;
	}
	if (d->rq_take == d->rq_tail) {
		__atomic_fetch_add(&b->drop_norecv, 1, __ATOMIC_RELAXED);
		return;
	}
	r = rqe(d, d->rq_take);
	memset(&r->wc, 0, sizeof(r->wc));
	status = local_iov(qp, r->sge, r->num_sge,
			   IB_UVERBS_ACCESS_LOCAL_WRITE, iov, &niov, &cap);
	if (!status && cap < SOFT_DIRECT_GRH_LEN + h->len)
		status = IB_UVERBS_WC_LOC_LEN_ERR;
	if (!status) {
		if (in->global) {
			ud_grh(grh, in, h->len);
			scatter_at(iov, niov, 0, grh, sizeof(grh));
			r->wc.wc_flags |= IB_UVERBS_WC_GRH;
		}
		scatter_at(iov, niov, SOFT_DIRECT_GRH_LEN, data, h->len);
	}
	r->wc.wr_id = r->wr_id;
	r->wc.status = status;
	r->wc.opcode = IB_UVERBS_WC_RECV;
	r->wc.byte_len = status ? 0 : SOFT_DIRECT_GRH_LEN + h->len;
	if (h->flags & SOFT_DMSG_IMM) {
		r->wc.imm_data = h->imm;
		r->wc.wc_flags |= IB_UVERBS_WC_WITH_IMM;
	}
	if (status)
		r->wc.wc_flags &= ~IB_UVERBS_WC_GRH;
	r->wc.qp_num = qp->qpn;
	r->wc.src_qp = in->src_qpn;
	r->wc.slid = in->slid;
	r->wc.sl = in->sl;
	r->wc.port_num = d->port_num;
	rwqe_done(qp, r);
	d->rq_take++;
	if (!status) {
		d->page->rx_msgs++;
		d->page->rx_bytes += h->len;
	}
}

/*
 * Drains a UD QP's ring (rx_drain(); the QP's lock held).  A record that
 * does not follow the protocol was written by a producer that may write
 * our memory anyway: the ring is broken, the QP goes to ERR.
 */
static void ud_drain(struct ivp_qp *qp)
{
	struct ivp_dqp *d = qp->d;
	struct soft_direct_ud_info in;
	struct soft_direct_msg h, *m;
	u32 hold;

	/* A producer killed with the lock: nothing of its record counts. */
	hold = __atomic_load_n(&d->ud->blk->lock, __ATOMIC_ACQUIRE);
	if (hold && hold != SOFT_DIRECT_UD_LOCK_DEVICE &&
	    hold != d->ud->me && !pid_alive(hold))
		__atomic_compare_exchange_n(&d->ud->blk->lock, &hold, 0, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	while ((m = rx_next(qp, &h, true))) {
		if (h.op != SOFT_DMSG_UD || !(h.flags & SOFT_DMSG_INLINE) ||
		    h.flags & ~(SOFT_DMSG_INLINE | SOFT_DMSG_IMM |
				SOFT_DMSG_SOLICITED) ||
		    h.len > SOFT_DIRECT_UD_MTU || UD_HDR + h.len > h.size)
			return rx_broken(qp, "a UD record's op, flags or len is invalid");
		memcpy(&in, m + 1, sizeof(in));
		ud_take(qp, &h, &in, (const u8 *)(m + 1) + sizeof(in));
		rx_advance(d, h.size);
	}
}
