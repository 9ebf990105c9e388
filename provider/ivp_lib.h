/* SPDX-License-Identifier: MIT */
/*
 * The ioverbs half's own state of a context (ivp_cmd.c, ivp_data.c):
 * nothing here is visible to the libibverbs half.
 */
#ifndef _PROVIDER_IVP_LIB_H
#define _PROVIDER_IVP_LIB_H

#include <pthread.h>
#include <stdbool.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "direct.h"
#include "ivp.h"

/* Spare event files kept open (docs/internals.md). */
#define IVP_SPARES 4

/* Buckets of a context's table of QPs with rings, by QP number. */
#define IVP_QP_BUCKETS 64

struct ivp_qp;

/**
 * struct ivp_dev - one context's client
 * @v: commands on cmd_fd
 * @lock: protects @ring, @rings_state and @spare; taken alone (never with
 *	a CQ's or QP's lock held)
 * @ring: the soft device's doorbell, attached at the first QP
 * @rings_state: 0 not tried, 1 attached, -1 the device has no rings (the
 *	data path then uses commands)
 * @spare: unbound spare event files (-1: none), with the identity each
 *	had when opened, so that a descriptor number reused by the
 *	application is never closed as ours
 * @qps_lock: protects @qps (read by every poll, written by QP create
 *	and destroy); taken alone
 * @qps: the QPs with rings, by QP number: a poll credits their queues
 * @d: the direct data path's state of the context (direct.c)
 * @async_wr: the write end of the application's async_fd pipe (-1:
 *	none), where the direct path reports a CQ's overrun itself
 */
struct ivp_dev {
	struct ioverbs_client v;
	pthread_mutex_t lock;
	struct ioverbs_sring_ctx ring;
	int rings_state;
	int spare[IVP_SPARES];
	dev_t spare_dev[IVP_SPARES];
	ino_t spare_ino[IVP_SPARES];
	pthread_rwlock_t qps_lock;
	struct ivp_qp *qps[IVP_QP_BUCKETS];
	struct ivp_dctx d;
	int async_wr;
};

/*
 * A CQ.  @lock serializes pollers; it also protects @dq, the QPs with
 * rings that use this CQ (direct.c polls those on the direct path).
 * @armed: the last REQ_NOTIFY's SOFT_DIRECT_ARM_* (0: never armed), for
 *	the QPs that take the direct path later
 * @cqe: its capacity, as created
 * @user_handle: the element of its async events (the ibv_cq)
 * @dheld: completions its direct QPs made and nobody polled yet; with
 *	what its ring holds, never above @cqe (atomic: made under a QP's
 *	lock, which nests inside @lock)
 * @doverflow: a direct QP's completion was dropped (atomic)
 * @devents: CQ_ERR events the provider reported itself (atomic)
 */
struct ivp_cq {
	struct ivp_dev *dev;
	u32 handle;
	bool ring;
	pthread_mutex_t lock;
	struct ioverbs_sring_cq r;
	struct ivp_qp **dq;
	u32 ndq, dq_cap;
	u32 armed;
	u32 cqe;
	u64 user_handle;
	u32 dheld, doverflow, devents;
};

/*
 * A QP.  With rings, the provider keeps the queues' occupancy itself, as
 * a hardware provider does: the rings are freed as the device takes WQEs,
 * not as they complete, so ENOMEM at max_send_wr / max_recv_wr
 * outstanding WRs is ours to give.
 * @sq_posted, @rq_posted: WRs posted (under sq_lock / rq_lock)
 * @sq_done, @rq_done: of those, how many completed (stored by pollers,
 *	read by posters: atomics)
 * @sig: ring of the post indexes of the signaled sends not completed
 *	yet (max_send_wr of them at most): sends complete in order, so a
 *	signaled send's completion also completes the unsignaled ones
 *	before it; @sig_head (pollers) and @sig_tail (posters) index it
 * @srq: receives go to an SRQ: @rq_* unused
 * @next: in the context's table (qps_lock)
 * @d: its direct data path (direct.c), NULL when it can never take it
 *	(UD, an SRQ without a ring, no rings, a context without a key
 *	table)
 * @srqp: its SRQ (NULL without); @srq_ring: that SRQ's ring, if it has
 *	one (direct_srq.c)
 * @scq, @rcq: its CQs, whose lists (dq) it is on when it has rings
 */
struct ivp_qp {
	struct ivp_dev *dev;
	u32 handle, qpn;
	bool ring, srq, sq_sig_all;
	pthread_mutex_t sq_lock, rq_lock;
	struct ioverbs_sring_qp r;
	u32 max_send_wr, max_recv_wr;
	u32 sq_posted, rq_posted;
	u32 sq_done, rq_done;
	u32 *sig;
	u32 sig_head, sig_tail;
	struct ivp_qp *next;
	struct ivp_dqp *d;
	struct ivp_cq *scq, *rcq;
	struct ivp_srq *srqp;
	struct ioverbs_sring_srq *srq_ring;
};

void ivp_dev_init(struct ivp_dev *dev);
/* Has the context its doorbell (attached at the first call)? */
bool ivp_dev_rings(struct ivp_dev *dev);

/* direct_srq.c: an SRQ's ring (NULL without), its QPs that may go direct. */
struct ioverbs_sring_srq *ivp_srq_ring(struct ivp_srq *srq);
int ivp_srq_qp_add(struct ivp_srq *srq, struct ivp_qp *qp);
void ivp_srq_qp_del(struct ivp_srq *srq, struct ivp_qp *qp);
void ivp_dev_fini(struct ivp_dev *dev);

#endif /* _PROVIDER_IVP_LIB_H */
