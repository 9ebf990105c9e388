/* SPDX-License-Identifier: MIT */
/*
 * The client side of the soft device's shared queues (<rdma/soft_ring.h>):
 * create and attach the memfds, post WQEs, poll and wait for completions
 * without a command per operation.  The transport (embedded or a real
 * file) runs the one attach command per object.
 *
 *	ioverbs_sring_ctx_attach(&ctx, fn, fctx);	once per context
 *	ioverbs_sring_cq_attach(&cq, cq_handle, cqe, fn, fctx);
 *	ioverbs_sring_qp_attach(&qp, &ctx, qp_handle, &cap, fn, fctx);
 *	ioverbs_sring_post_send(&qp, &wr, sge);		no system call
 *	ioverbs_sring_poll(&cq, wc, n);			no system call
 *	ioverbs_sring_wait(&cq, timeout_us);		FUTEX_WAIT when idle
 *
 * One thread at a time per ring, as with libibverbs' own locks.
 */
#ifndef _IOVERBS_SOFT_RING_H
#define _IOVERBS_SOFT_RING_H

#include <stddef.h>
#include <ioverbs/cmd.h>
#include <rdma/soft_ring.h>

/* @kick: the eventfd that wakes the device when it sleeps (-1: none). */
struct ioverbs_sring_ctx {
	struct soft_ring_doorbell *db;
	int fd;
	int kick;
};

struct ioverbs_sring_cq {
	struct soft_ring_ctrl *ctrl;
	struct ib_uverbs_wc *ents;
	u32 entries;
	u32 cons;
	size_t len;
	int fd;
};

struct ioverbs_sring_qp {
	struct ioverbs_sring_ctx *ctx;
	u8 *map;
	struct soft_ring_qp_layout layout;
	struct ib_uverbs_qp_cap cap;
	struct soft_ring_ctrl *sq;
	struct soft_ring_ctrl *rq;
	u32 sq_prod;
	u32 rq_prod;
	int fd;
};

/*
 * SOFT_VENDOR_ATTACH of the memfd @fd to the QP handle @qp, or the CQ
 * handle @cq, or (both -1) the context's doorbell: 0 or -errno.  The
 * *_attach() below create the memfd and call it.
 */
int ioverbs_sring_attach(int fd, int qp, int cq, ioverbs_ioctl_fn fn,
			 void *fctx);
/* The context's doorbell @fd with its kick eventfd @kick: 0 or -errno. */
int ioverbs_sring_attach_doorbell(int fd, int kick, ioverbs_ioctl_fn fn,
				  void *fctx);

/*
 * Each returns 0 or a negative errno; detach unmaps and closes.
 * ctx_attach() creates the doorbell page and its kick eventfd.
 */
int ioverbs_sring_ctx_attach(struct ioverbs_sring_ctx *r, ioverbs_ioctl_fn fn,
			     void *fctx);
void ioverbs_sring_ctx_detach(struct ioverbs_sring_ctx *r);
int ioverbs_sring_cq_attach(struct ioverbs_sring_cq *r, u32 cq_handle,
			    u32 cqe, ioverbs_ioctl_fn fn, void *fctx);
void ioverbs_sring_cq_detach(struct ioverbs_sring_cq *r);
int ioverbs_sring_qp_attach(struct ioverbs_sring_qp *r,
			    struct ioverbs_sring_ctx *ctx, u32 qp_handle,
			    const struct ib_uverbs_qp_cap *cap,
			    ioverbs_ioctl_fn fn, void *fctx);
void ioverbs_sring_qp_detach(struct ioverbs_sring_qp *r);

/*
 * Rings the context's doorbell after a producer index moved (the posts
 * below do): a memory store, and a write to the kick eventfd only when
 * the device sleeps.
 */
void ioverbs_sring_ring(struct ioverbs_sring_ctx *ctx);

/*
 * Queues one send WR with its @sge (wr->num_sge of them; an inline WR's
 * bytes are copied now).  -ENOMEM: the ring is full; -EINVAL: more SGEs
 * or inline bytes than the QP takes.
 */
int ioverbs_sring_post_send(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_send_wr *wr,
			    const struct ib_uverbs_sge *sge);
int ioverbs_sring_post_recv(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_recv_wr *wr,
			    const struct ib_uverbs_sge *sge);
/* Up to @num completions, oldest first: how many. */
u32 ioverbs_sring_poll(struct ioverbs_sring_cq *r, struct ib_uverbs_wc *wc,
		       u32 num);
/*
 * Waits until the CQ holds a completion: polls briefly, then sleeps on
 * the ring's futex.  0, or -ETIMEDOUT after @timeout_us (0: no limit).
 */
int ioverbs_sring_wait(struct ioverbs_sring_cq *r, unsigned long timeout_us);
/* The device found the CQ full and dropped a completion (CQ_ERR). */
bool ioverbs_sring_cq_overflowed(const struct ioverbs_sring_cq *r);

#endif /* _IOVERBS_SOFT_RING_H */
