/* SPDX-License-Identifier: MIT */
/*
 * The provider's side of the soft device's direct data path
 * (<rdma/soft_direct.h>): what ivp_data.c calls from its verbs, and the
 * context's state it embeds.  Every function returns 0 or a negative
 * errno unless it says otherwise.
 */
#ifndef _PROVIDER_DIRECT_H
#define _PROVIDER_DIRECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ivp_dev;
struct ivp_cq;
struct ivp_qp;
struct ivp_dqp;
struct ivp_dmr;
struct ivp_wc;
struct ivp_send_wr;
struct ivp_recv_wr;
struct ivp_sge;
struct ivp_qp_attr;
struct soft_direct_wake;

/* Buckets of the context's MRs, by lkey. */
#define IVP_DMR_BUCKETS 64
/* Buckets of the context's AHs, by handle (UD: ivp_direct_ah_add()). */
#define IVP_DAH_BUCKETS 64
/* ivp_direct_post_send(): a UD WR the QP's SQ ring must take (relay). */
#define IVP_DIRECT_RELAY 1

struct ivp_dah;
struct ivp_ah_attr;

/**
 * struct ivp_dctx - a context's direct data path
 * @want: IOVERBS_DIRECT=0 was not in the environment at open
 * @on: the key table is attached (with the doorbell, ivp_dev.ring): its
 *	RC and UC QPs may go direct
 * @mr_lock: protects @mr (read by posts and polls, written by reg/dereg);
 *	taken last, alone or under a QP's lock
 * @mr: the context's MRs by lkey, for the checks of local SGEs
 * @pq_lock: protects @pq, the QPs that may go direct (ivp_dqp.pq_next),
 *	held by the progress thread across its passes over them; taken
 *	before a QP's lock, never under one
 * @thr_lock: protects @thr, @thr_on, @thr_failed and @wake_map; taken
 *	last (under a QP's lock when its first QP connects)
 * @thr: the progress thread (<rdma/soft_direct.h>), started when the
 *	first QP connects, joined at close (@thr_on)
 * @thr_stop: the thread leaves (atomic)
 * @wake: the context's wake line, in @wake_map (its key table's page
 *	that holds it, mapped read-write)
 * @ah_lock: protects @ah, the context's AHs by handle (a UD send finds
 *	its destination through them); taken last
 * @handoff_ns: how long a post sleeps at most handing the CPU to a peer
 *	on its CPU (set at init; a test may lengthen it)
 */
struct ivp_dctx {
	bool want, on;
	u64 handoff_ns;
	pthread_rwlock_t mr_lock;
	struct ivp_dmr *mr[IVP_DMR_BUCKETS];
	pthread_mutex_t pq_lock, thr_lock;
	struct ivp_dqp *pq;
	pthread_t thr;
	bool thr_on, thr_failed, thr_stop;
	struct soft_direct_wake *wake;
	void *wake_map;
	pthread_rwlock_t ah_lock;
	struct ivp_dah *ah[IVP_DAH_BUCKETS];
};

void ivp_direct_ctx_init(struct ivp_dev *dev);
/* First at close: stops the progress thread (no QP is polled after). */
void ivp_direct_ctx_fini(struct ivp_dev *dev);
/*
 * ivp_direct_ctx_attach() - the doorbell (dev->ring) with the key table
 * when the context wants the direct path, else (or when the device
 * refuses the key table) without: what ioverbs_sring_ctx_attach() does.
 */
int ivp_direct_ctx_attach(struct ivp_dev *dev);

/* The MRs the context registered (after MR_REG, before MR_DEREG). */
void ivp_direct_mr_add(struct ivp_dev *dev, uint32_t handle, uint32_t pd,
		       uint32_t lkey, uint64_t iova, uint64_t addr,
		       uint64_t len, uint32_t access);
void ivp_direct_mr_del(struct ivp_dev *dev, uint32_t handle);

/*
 * A QP with rings that may take the direct path (RC, UC or UD, no SRQ, the
 * context's key table attached): after its rings are attached, with its
 * type, its PD and CQs.  -ENOMEM leaves qp->d NULL (always relayed).
 */
int ivp_direct_qp_init(struct ivp_qp *qp, uint8_t type, uint32_t pd,
		       struct ivp_cq *scq, struct ivp_cq *rcq);
/*
 * Before the QP's DESTROY: what its peer sent until now is taken, as a
 * NIC takes what arrives while its application is busy elsewhere (the
 * peer's sends complete, not fail for a peer gone).
 */
void ivp_direct_qp_quiesce(struct ivp_qp *qp);
/* Before its rings are detached (the QP was destroyed). */
void ivp_direct_qp_fini(struct ivp_qp *qp);
/* After a MODIFY of the QP succeeded. */
void ivp_direct_qp_modified(struct ivp_qp *qp, const struct ivp_qp_attr *a);

/*
 * ivp_direct_qp_is() - does @qp take the direct path?  Cheap: connects
 * to the peer the first time it finds its page's path DIRECT.
 */
bool ivp_direct_qp_is(struct ivp_qp *qp);

/* Connected (no lock taken: safe under the QP's ring locks). */
bool ivp_direct_qp_connected(struct ivp_qp *qp);

/*
 * Receives were posted to @qp's SRQ (ring): a DIRECT @qp drains its
 * ring, where records may wait for one (RNR).  Takes its lock.
 */
void ivp_direct_srq_posted(struct ivp_qp *qp);

/* The AHs the context created (after AH_CREATE, before AH_DESTROY). */
void ivp_direct_ah_add(struct ivp_dev *dev, uint32_t handle,
		       const struct ivp_ah_attr *attr);
void ivp_direct_ah_del(struct ivp_dev *dev, uint32_t handle);

/* Is @qp a UD QP on the direct path (its SQ ring still relays)? */
bool ivp_direct_qp_ud(struct ivp_qp *qp);

/*
 * Does @cq hold a UD QP on the direct path?  Its polls then take the
 * direct completions before the ring's (ivp_cq_poll()): such a QP sends
 * directly only once its relayed sends are polled, and relays one after
 * its direct ones, whose completions are held already.
 */
bool ivp_direct_cq_has_ud(struct ivp_cq *cq);

/*
 * The posts of a QP for which ivp_direct_qp_is() said true.  A UD QP's
 * send returns IVP_DIRECT_RELAY for a WR its SQ ring must take.
 */
int ivp_direct_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
			 const struct ivp_sge *sge, const char **why);
int ivp_direct_post_recv(struct ivp_qp *qp, const struct ivp_recv_wr *wr,
			 const struct ivp_sge *sge, const char **why);

/*
 * ivp_direct_cq_poll() - progress of the direct QPs of @cq (its lock
 * held) and up to @num of their completions.  *@yield: it found nothing
 * and the poller should give up the CPU (a QP is relayed: the daemon's
 * NIC thread needs it; or a peer polls on this CPU).
 * Return: how many.
 */
uint32_t ivp_direct_cq_poll(struct ivp_cq *cq, struct ivp_wc *wc,
			    uint32_t num, bool *yield);
/* After CQ_REQ_NOTIFY: arm the direct QPs' pages (the CQ's lock held). */
void ivp_direct_cq_arm(struct ivp_cq *cq, int solicited_only);
/* The CQ's list of QPs (dq): add at QP create, remove at destroy. */
int ivp_direct_cq_add(struct ivp_cq *cq, struct ivp_qp *qp);
void ivp_direct_cq_del(struct ivp_cq *cq, struct ivp_qp *qp);

#endif /* _PROVIDER_DIRECT_H */
