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

/**
 * struct ioverbs_sring_ctx - a context's doorbell (and key table)
 * @db: the doorbell page, mapped
 * @fd: its memfd
 * @kick: the eventfd that wakes the device when it sleeps (-1: none)
 * @keys: the context's key table (<rdma/soft_direct.h>), mapped read-only;
 *	NULL without one (ioverbs_sring_ctx_attach())
 * @keys_len: its mapping's length (soft_direct_keys_size())
 * @keys_fd: its memfd, -1 without one (a peer takes it with
 *	pidfd_getfd(): keep it open)
 * @keys_entries: its slots
 */
struct ioverbs_sring_ctx {
	struct soft_ring_doorbell *db;
	int fd;
	int kick;
	struct soft_direct_keys *keys;
	size_t keys_len;
	int keys_fd;
	u32 keys_entries;
};

struct ioverbs_sring_cq {
	struct soft_ring_ctrl *ctrl;
	struct ib_uverbs_wc *ents;
	u32 entries;
	u32 cons;
	size_t len;
	int fd;
};

/**
 * struct ioverbs_sring_qp - a QP's rings
 * @ctx: its context's doorbell
 * @map: the QP memfd, mapped (@layout.size bytes)
 * @layout: where things are in it
 * @cap: the QP's capacities
 * @sq, @rq: the send and receive rings
 * @sq_prod, @rq_prod: our producer indexes
 * @fd: the memfd (a direct peer takes it with pidfd_getfd(): keep it open)
 * @dir: the QP's direct page (struct soft_direct_ctrl) in @map
 * @dring: its direct receive ring (SOFT_DIRECT_RING_BYTES), after @dir
 */
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
	struct soft_direct_ctrl *dir;
	u8 *dring;
};

/**
 * struct ioverbs_sring_srq - an SRQ's receive ring (struct
 *	soft_ring_srq_ctrl): its client posts, either side takes
 * @ctrl: the memfd, mapped (@len bytes)
 * @fd: the memfd (keep it open while attached)
 * @entries, @stride: its slots and a WQE's size
 * @max_wr, @max_sge: the SRQ's (posts beyond fail; the caller updates
 *	@max_wr after a MODIFY grew it)
 * @prod: our producer index (posts are serialized by the caller)
 * @wqe: a WQE's worth of scratch for the posts
 */
struct ioverbs_sring_srq {
	struct soft_ring_srq_ctrl *ctrl;
	size_t len;
	int fd;
	u32 entries, stride, max_wr, max_sge;
	u32 prod;
	struct soft_ring_recv *wqe;
};

/**
 * ioverbs_sring_srq_attach() - a receive ring for an SRQ
 * @r: filled in
 * @srq_handle: the SRQ, no receive posted to it yet
 * @entries: the ring's slots (a power of two, from @max_wr to the
 *	device's max_srq_wr rounded up)
 * @max_wr, @max_sge: what SRQ_CREATE answered
 * @fn, @fctx: how commands are sent
 *
 * The context's doorbell must be attached.  From then on the SRQ's
 * receives are posted with ioverbs_sring_srq_post() (then ring the
 * doorbell: ioverbs_sring_ring()).
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_srq_attach(struct ioverbs_sring_srq *r, u32 srq_handle,
			     u32 entries, u32 max_wr, u32 max_sge,
			     ioverbs_ioctl_fn fn, void *fctx);
void ioverbs_sring_srq_detach(struct ioverbs_sring_srq *r);
/*
 * ioverbs_sring_srq_post() - one receive WR on the ring (no doorbell):
 * 0, -ENOMEM (max_wr posted and not taken), -EINVAL (too many SGEs).
 */
int ioverbs_sring_srq_post(struct ioverbs_sring_srq *r,
			   const struct ib_uverbs_recv_wr *wr,
			   const struct ib_uverbs_sge *sge);
/* Receives posted and not taken (0 if the indexes make no sense). */
u32 ioverbs_sring_srq_count(const struct ioverbs_sring_srq *r);
/**
 * ioverbs_sring_srq_take() - take the ring's next receive, as the device
 *	does for a relayed QP
 * @r: the ring
 * @out: @r->stride bytes: the WQE taken
 * @limit: set when this take left the SRQ below its armed limit and
 *	disarmed it (report it: SOFT_DIRECT_NOTIFY_SRQ)
 *
 * Return: 1 taken, 0 none (or a take that kept losing its race), -EIO
 * the ring is corrupt.
 */
int ioverbs_sring_srq_take(struct ioverbs_sring_srq *r,
			   struct soft_ring_recv *out, bool *limit);

/**
 * ioverbs_sring_attach() - SOFT_VENDOR_ATTACH of a ring's memfd
 * @fd: the memfd
 * @qp: a QP handle, or -1
 * @cq: a CQ handle, or -1 (both -1: the context's doorbell)
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * The *_attach() below create the memfd and call it.
 *
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_attach(int fd, int qp, int cq, ioverbs_ioctl_fn fn,
			 void *fctx);

/**
 * ioverbs_sring_attach_doorbell() - attach the context's doorbell
 * @fd: the doorbell page's memfd
 * @kick: the eventfd that wakes the device
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_attach_doorbell(int fd, int kick, ioverbs_ioctl_fn fn,
				  void *fctx);

/**
 * ioverbs_sring_ctx_attach() - the context's doorbell page and kick eventfd
 * @r: filled
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_ctx_attach(struct ioverbs_sring_ctx *r, ioverbs_ioctl_fn fn,
			     void *fctx);

/**
 * ioverbs_sring_attach_doorbell_keys() - attach the doorbell with a key table
 * @fd: the doorbell page's memfd
 * @kick: the eventfd that wakes the device
 * @keys: the key table's memfd (struct soft_direct_keys, its entries
 *	written, sealed against shrinking, soft_direct_keys_size() long);
 *	-1 for none
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * Return: 0 or a negative errno (-EINVAL for a key table the device
 * refuses).
 */
int ioverbs_sring_attach_doorbell_keys(int fd, int kick, int keys,
				       ioverbs_ioctl_fn fn, void *fctx);

/**
 * ioverbs_sring_ctx_attach_keys() - the doorbell, its kick and a key table
 * @r: filled, @r->keys and the other key fields included
 * @entries: slots of the key table: a power of two within
 *	64..SOFT_DIRECT_MAX_KEYS (the device refuses others: -EINVAL)
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * As ioverbs_sring_ctx_attach(), and the context speaks the direct
 * protocol (<rdma/soft_direct.h>): creates the key table's memfd
 * (soft_direct_keys_size(@entries) bytes, its header's entries written,
 * sealed with F_SEAL_SHRINK), hands it to the device with the doorbell
 * (SOFT_ATTACH_KEYS) and keeps it open and mapped read-only.  The device
 * then enters every MR of the context in it, and the context's RC and
 * UC QPs may take the direct path.
 *
 * Return: 0 or a negative errno; nothing is left open on failure.
 */
int ioverbs_sring_ctx_attach_keys(struct ioverbs_sring_ctx *r, u32 entries,
				  ioverbs_ioctl_fn fn, void *fctx);

/**
 * ioverbs_sring_ctx_detach() - unmap and close what ctx_attach() made
 * @r: the context's rings
 */
void ioverbs_sring_ctx_detach(struct ioverbs_sring_ctx *r);

/**
 * ioverbs_sring_cq_attach() - a completion ring for a CQ
 * @r: filled
 * @cq_handle: the CQ's handle
 * @cqe: its entries
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_cq_attach(struct ioverbs_sring_cq *r, u32 cq_handle,
			    u32 cqe, ioverbs_ioctl_fn fn, void *fctx);

/**
 * ioverbs_sring_cq_detach() - unmap and close a CQ's ring
 * @r: the ring
 */
void ioverbs_sring_cq_detach(struct ioverbs_sring_cq *r);

/**
 * ioverbs_sring_qp_attach() - send and receive rings for a QP
 * @r: filled
 * @ctx: the context's doorbell, rung by the posts
 * @qp_handle: the QP's handle
 * @cap: the QP's capacities (as QP_CREATE answered)
 * @fn: the transport
 * @fctx: passed to @fn
 *
 * Return: 0 or a negative errno.
 */
int ioverbs_sring_qp_attach(struct ioverbs_sring_qp *r,
			    struct ioverbs_sring_ctx *ctx, u32 qp_handle,
			    const struct ib_uverbs_qp_cap *cap,
			    ioverbs_ioctl_fn fn, void *fctx);

/**
 * ioverbs_sring_qp_detach() - unmap and close a QP's rings
 * @r: the rings
 */
void ioverbs_sring_qp_detach(struct ioverbs_sring_qp *r);

/**
 * ioverbs_sring_ring() - ring the context's doorbell
 * @ctx: the context's rings
 *
 * After a producer index moved (the posts below do it): a memory store,
 * and a write to the kick eventfd only when the device sleeps.
 */
void ioverbs_sring_ring(struct ioverbs_sring_ctx *ctx);

/**
 * ioverbs_sring_post_send() - queue one send WR, no system call
 * @r: the QP's rings
 * @wr: the WR
 * @sge: its wr->num_sge SGEs (an inline WR's bytes are copied now)
 *
 * Return: 0, -ENOMEM when the ring is full, -EINVAL for more SGEs or
 * inline bytes than the QP takes.
 */
int ioverbs_sring_post_send(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_send_wr *wr,
			    const struct ib_uverbs_sge *sge);

/**
 * ioverbs_sring_post_recv() - queue one receive WR, no system call
 * @r: the QP's rings
 * @wr: the WR
 * @sge: its wr->num_sge SGEs
 *
 * Return: as ioverbs_sring_post_send().
 */
int ioverbs_sring_post_recv(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_recv_wr *wr,
			    const struct ib_uverbs_sge *sge);

/**
 * ioverbs_sring_poll() - take completions from a CQ's ring
 * @r: the ring
 * @wc: room for @num
 * @num: how many at most
 *
 * Return: how many, oldest first.
 */
u32 ioverbs_sring_poll(struct ioverbs_sring_cq *r, struct ib_uverbs_wc *wc,
		       u32 num);

/**
 * ioverbs_sring_wait() - wait until a CQ's ring holds a completion
 * @r: the ring
 * @timeout_us: how long at most (0: no limit)
 *
 * Polls briefly, then sleeps on the ring's futex.
 *
 * Return: 0, or -ETIMEDOUT.
 */
int ioverbs_sring_wait(struct ioverbs_sring_cq *r, unsigned long timeout_us);

/**
 * ioverbs_sring_cq_overflowed() - did the device find the CQ full?
 * @r: the ring
 *
 * Return: true when it dropped a completion (the CQ is in error).
 */
bool ioverbs_sring_cq_overflowed(const struct ioverbs_sring_cq *r);

#endif /* _IOVERBS_SOFT_RING_H */
