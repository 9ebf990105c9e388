/* SPDX-License-Identifier: MIT */
/*
 * The soft device's shared queues: the data path without a command per
 * operation.
 *
 * A client that wants them creates a memfd per CQ and per QP (and one
 * doorbell page per context, with an eventfd, its kick), sizes it with
 * soft_ring_*_size(), seals it against shrinking (F_SEAL_SHRINK: the
 * device maps it and must never fault) and hands the descriptors to the
 * device with the vendor action SOFT_VENDOR_ATTACH (soft_device.h).  From
 * then on:
 *
 *  - posting a send or receive writes a WQE at the ring's producer index,
 *    then stores the index (release), then rings the context's doorbell:
 *    soft_ring_doorbell.seq++ and, if .sleeping is set, writes 1 to the
 *    kick eventfd (a non-blocking one: EAGAIN means it is awake already);
 *  - the device (the NIC: the device's threads, which serve every
 *    context in turn) consumes WQEs, copying each out of the shared page
 *    before it checks it, executes it, and writes its completion at the
 *    CQ ring's producer index; a client sleeping on a CQ (.wait set,
 *    FUTEX_WAIT on .prod) is woken;
 *  - polling a CQ reads entries up to .prod (acquire) and stores .cons.
 *
 * An SRQ's ring (struct soft_ring_srq_ctrl, SOFT_ATTACH_SRQ) is the same
 * but for its consumer index, which either side claims (see there): once
 * attached, the SRQ's receives are posted on it only (SRQ_POST_RECV then
 * fails with EINVAL), and the device takes one off it only when a
 * message for a relayed QP needs it.
 *
 * Commands still work on such objects (POST_SEND, POLL, ...).  Every
 * index is free running (u32); an entry is at index & (entries - 1).
 * The device trusts nothing in these pages: a WQE it cannot accept moves
 * the QP to ERR with QP_FATAL, an index beyond the ring reads as full or
 * empty; a client can only corrupt its own queues.
 */
#ifndef _UAPI_RDMA_SOFT_RING_H
#define _UAPI_RDMA_SOFT_RING_H

#include <linux/types.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/soft_direct.h>

#define SOFT_RING_CACHELINE 64

/**
 * struct soft_ring_ctrl - the head of every ring (256 bytes)
 * @prod: next entry the producer fills (client: SQ, RQ; device: CQ)
 * @cons: next entry the consumer takes (device: SQ, RQ; client: CQ)
 * @wait: CQ only: the client sleeps on @prod (FUTEX_WAIT) when non-zero;
 *	the device then wakes it after a completion
 * @overflow: CQ only: set by the device when a completion found the ring
 *	full (it was dropped and CQ_ERR queued)
 */
struct soft_ring_ctrl {
	__u32 prod;
	__u32 rsvd0[15];
	__u32 cons;
	__u32 rsvd1[15];
	__u32 wait;
	__u32 overflow;
	__u32 rsvd2[14];
	__u32 rsvd3[16];
};

/**
 * struct soft_ring_doorbell - a context's doorbell page
 * @seq: bumped by the client after it produced WQEs; the device reads it
 *	while it polls
 * @sleeping: set by the device when it stops polling: the client must
 *	write its kick eventfd after bumping @seq
 */
struct soft_ring_doorbell {
	__u32 seq;
	__u32 rsvd0[15];
	__u32 sleeping;
	__u32 rsvd1[15];
};

#define SOFT_RING_DOORBELL_SIZE 4096

/*
 * A send WQE: the WR, then its SGEs (wr.num_sge of them).  An inline
 * send (IB_UVERBS_SEND_INLINE) carries its payload in the WQE itself,
 * copied at post time: wr.num_sge is 1, sge[0].length is the payload's
 * length (at most the QP's max_inline_data; addr and lkey are ignored)
 * and the bytes start at soft_ring_inline(), after the SGE slots.  UD
 * WRs name an AH handle, as with POST_SEND.
 */
struct soft_ring_send {
	struct ib_uverbs_send_wr wr;
	struct ib_uverbs_sge sge[];
};

/* A receive WQE: the WR, then wr.num_sge SGEs. */
struct soft_ring_recv {
	struct ib_uverbs_recv_wr wr;
	struct ib_uverbs_sge sge[];
};

/* Entries of a ring for a queue of @max_wr (the CREATE response's cap). */
static inline __u32 soft_ring_entries(__u32 max_wr)
{
	__u32 n = 1;

	while (n < max_wr && n < (1u << 30))
		n <<= 1;
	return n;
}

static inline __u32 soft_ring_align(__u32 n)
{
	return (n + SOFT_RING_CACHELINE - 1) & ~(SOFT_RING_CACHELINE - 1);
}

/* SGE slots of a send WQE: at least one (an inline send's length). */
static inline __u32 soft_ring_send_slots(const struct ib_uverbs_qp_cap *cap)
{
	return cap->max_send_sge ? cap->max_send_sge : 1;
}

static inline __u32 soft_ring_send_stride(const struct ib_uverbs_qp_cap *cap)
{
	return soft_ring_align(sizeof(struct soft_ring_send) +
			       soft_ring_send_slots(cap) *
				       sizeof(struct ib_uverbs_sge) +
			       cap->max_inline_data);
}

/* Where an inline send's payload starts in its WQE. */
static inline __u8 *soft_ring_inline(struct soft_ring_send *e,
				     const struct ib_uverbs_qp_cap *cap)
{
	return (__u8 *)&e->sge[soft_ring_send_slots(cap)];
}

static inline __u32 soft_ring_recv_stride(const struct ib_uverbs_qp_cap *cap)
{
	return soft_ring_align(sizeof(struct soft_ring_recv) +
			       cap->max_recv_sge *
				       sizeof(struct ib_uverbs_sge));
}

/**
 * struct soft_ring_qp_layout - where a QP's rings are in its memfd
 * @sq, @rq: offsets of the two rings' struct soft_ring_ctrl; entries
 *	follow each ctrl
 * @dir: offset of the QP's direct page (struct soft_direct_ctrl,
 *	<rdma/soft_direct.h>), page aligned; its receive ring of
 *	SOFT_DIRECT_RING_BYTES follows it
 * @size: the memfd's size (a multiple of 4096)
 */
struct soft_ring_qp_layout {
	__u64 sq;
	__u32 sq_entries;
	__u32 sq_stride;
	__u64 rq;
	__u32 rq_entries;
	__u32 rq_stride;
	__u64 dir;
	__u64 size;
};

/* @cap: what QP_CREATE returned.  An SRQ's QP still has an (empty) RQ. */
static inline void soft_ring_qp_layout(const struct ib_uverbs_qp_cap *cap,
				       struct soft_ring_qp_layout *l)
{
	l->sq = 0;
	l->sq_entries = soft_ring_entries(cap->max_send_wr);
	l->sq_stride = soft_ring_send_stride(cap);
	l->rq = soft_ring_align(sizeof(struct soft_ring_ctrl) +
				(__u64)l->sq_entries * l->sq_stride);
	l->rq_entries = soft_ring_entries(cap->max_recv_wr);
	l->rq_stride = soft_ring_recv_stride(cap);
	l->dir = l->rq + sizeof(struct soft_ring_ctrl) +
		 (__u64)l->rq_entries * l->rq_stride;
	l->dir = (l->dir + 4095) & ~4095ull;
	l->size = l->dir + SOFT_DIRECT_PAGE + SOFT_DIRECT_RING_BYTES;
}

/**
 * struct soft_ring_srq_ctrl - the head of an SRQ's receive ring (256
 *	bytes; @entries receive WQEs of soft_ring_srq_stride() follow)
 * @prod: next entry the client fills (the client alone: its posts)
 * @cons: next entry to take, claimed one at a time by whichever side
 *	needs a receive: the device for the SRQ's relayed QPs, the client
 *	for its DIRECT ones.  A taker copies the entry at @cons, then
 *	compare-and-swaps @cons to @cons + 1: the copy is its receive if
 *	the swap succeeded (the client never rewrites an entry before
 *	@cons passed it), else it tries again.  Nobody ever gives an entry
 *	back: a receive is consumed in the order it was posted, by one side.
 * @entries: the ring's slots, a power of two no smaller than the SRQ's
 *	max_wr and no larger than the device's max_srq_wr rounded up;
 *	written by the client before it attaches the memfd, read once by
 *	the device (MODIFY cannot grow the SRQ past it: EINVAL)
 * @limit: the armed srq_limit, 0 when disarmed: stored by the device
 *	(SRQ_CREATE, MODIFY with IB_UVERBS_SRQ_LIMIT); a taker that leaves
 *	fewer than @limit entries posted compare-and-swaps it to 0 and, if
 *	that succeeded, SRQ_LIMIT_REACHED is due: the device raises it at
 *	once for its own take, and for a client's when the client reports
 *	it (SOFT_DIRECT_NOTIFY_SRQ, <rdma/soft_direct.h>).  The device
 *	raises it at most once for each arming it did itself.
 */
struct soft_ring_srq_ctrl {
	__u32 prod;
	__u32 rsvd0[15];
	__u32 cons;
	__u32 rsvd1[15];
	__u32 entries;
	__u32 limit;
	__u32 rsvd2[14];
	__u32 rsvd3[16];
};

/* A receive WQE of an SRQ of @max_sge SGEs (struct soft_ring_recv). */
static inline __u32 soft_ring_srq_stride(__u32 max_sge)
{
	return soft_ring_align(sizeof(struct soft_ring_recv) +
			       max_sge * sizeof(struct ib_uverbs_sge));
}

/* The memfd of an SRQ ring of @entries slots of WQEs with @max_sge SGEs. */
static inline __u64 soft_ring_srq_size(__u32 entries, __u32 max_sge)
{
	__u64 n = sizeof(struct soft_ring_srq_ctrl) +
		  (__u64)entries * soft_ring_srq_stride(max_sge);

	return (n + 4095) & ~4095ull;
}

/* The memfd of a CQ of @cqe entries (the CREATE response's cqe). */
static inline __u64 soft_ring_cq_size(__u32 cqe)
{
	__u64 n = sizeof(struct soft_ring_ctrl) +
		  (__u64)soft_ring_entries(cqe) * sizeof(struct ib_uverbs_wc);

	return (n + 4095) & ~4095ull;
}

#endif /* _UAPI_RDMA_SOFT_RING_H */
