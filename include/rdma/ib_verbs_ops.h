/* SPDX-License-Identifier: MIT */
/*
 * The standard verbs between the core and a driver: the objects' common
 * parts and the ops a driver implements.  The core's standard handlers
 * (core/objects/) decode and check a command, call one op, and encode the
 * result; a driver never sees the ABI's attribute arrays except its own
 * vendor chain.
 *
 * Objects are allocated by the driver, which embeds the common struct
 * (first member or not, it uses container_of) and returns a pointer to
 * it; the core fills @device and @uobject and the links to other objects
 * before it calls anything else.  Ops that create return an ERR_PTR on
 * failure; ops that destroy may refuse with a negative errno (the command
 * fails, the object stays).  Ops run with the objects a command names
 * locked as its spec says; the driver serializes what it shares between
 * objects (queues, the fabric) itself.
 */
#ifndef _RDMA_IB_VERBS_OPS_H
#define _RDMA_IB_VERBS_OPS_H

#include <rdma/ib_verbs.h>
#include <rdma/ib_user_verbs.h>

/** struct ib_pd - a protection domain */
struct ib_pd {
	struct ib_device *device;
	struct ib_uobject *uobject;
};

/**
 * struct ib_mr - a registered memory region
 * @pd: its protection domain
 * @lkey: local key, chosen by the driver (unpredictable)
 * @rkey: remote key, chosen by the driver (unpredictable)
 * @iova: the address peers use for its first byte
 * @start: the owner's address of its first byte
 * @length: its length
 * @access: &enum ib_uverbs_access_flags
 * @pinned: the core's: bytes charged for it (%IB_UVERBS_RES_PINNED),
 *	given back when the driver deregisters it
 */
struct ib_mr {
	struct ib_device *device;
	struct ib_uobject *uobject;
	struct ib_pd *pd;
	u32 lkey;
	u32 rkey;
	u64 iova;
	u64 start;
	u64 length;
	u32 access;
	u64 pinned;
};

/**
 * struct ib_cq - a completion queue
 * @channel: the completion channel's uobject (an FD object), or NULL
 * @user_handle: reported in completion events
 * @cqe: entries the CQ holds (>= what was asked)
 * @comp_vector: as asked
 * @comp_events_reported: events read from the channel for this CQ
 * @async_events_reported: async events delivered about this CQ
 */
struct ib_cq {
	struct ib_device *device;
	struct ib_uobject *uobject;
	struct ib_uobject *channel;
	u64 user_handle;
	u32 cqe;
	u32 comp_vector;
	u32 comp_events_reported;
	u32 async_events_reported;
};

/**
 * struct ib_srq - a shared receive queue
 * @user_handle: reported in its async events
 * @max_wr: queue depth (>= what was asked)
 * @max_sge: SGEs per receive (>= what was asked)
 * @srq_limit: SRQ_LIMIT_REACHED threshold, 0 when disarmed
 * @events_reported: async events queued about this SRQ
 */
struct ib_srq {
	struct ib_device *device;
	struct ib_uobject *uobject;
	struct ib_pd *pd;
	u64 user_handle;
	u32 max_wr;
	u32 max_sge;
	u32 srq_limit;
	u32 events_reported;
};

/**
 * struct ib_qp - a queue pair
 * @send_cq, @recv_cq: its CQs (may be the same)
 * @srq: its SRQ, or NULL
 * @user_handle: reported in its async events
 * @qp_num: its number on the device's fabric, chosen by the driver
 * @qp_type: &enum ib_uverbs_qp_type
 * @sq_sig_all: every send completes signaled
 * @cap: the queue sizes it really has
 * @attr: its current attributes; attr.qp_state is its state.  The core
 *	checks a MODIFY against the state machine, calls modify_qp, and on
 *	success merges the new attributes in.
 * @events_reported: async events delivered about this QP
 */
struct ib_qp {
	struct ib_device *device;
	struct ib_uobject *uobject;
	struct ib_pd *pd;
	struct ib_cq *send_cq;
	struct ib_cq *recv_cq;
	struct ib_srq *srq;
	u64 user_handle;
	u32 qp_num;
	u8 qp_type;
	bool sq_sig_all;
	struct ib_uverbs_qp_cap cap;
	struct ib_uverbs_qp_attr attr;
	u32 events_reported;
};

/** struct ib_ah - an address handle */
struct ib_ah {
	struct ib_device *device;
	struct ib_uobject *uobject;
	struct ib_pd *pd;
	struct ib_uverbs_ah_attr attr;
};

/**
 * struct ib_device_ops - what a verbs driver implements
 *
 * @query_device, @query_port, @query_gid: fill the response (ports are
 *	numbered from 1; the core checks the port against phys_port_cnt)
 * @query_pkey: the P_Key at @index of the port's table (the core checked
 *	the index against pkey_tbl_len).  Optional: without it QUERY_PKEY
 *	is EOPNOTSUPP.
 * @alloc_ucontext: the driver's part of a new context (ucontext->
 *	driver_priv); @dealloc_ucontext in struct ib_device frees it
 * @alloc_pd, @dealloc_pd: protection domains
 * @reg_mr: registers [cmd->start, +cmd->length) of the context's address
 *	space with cmd->access_flags; the core checked length > 0, no
 *	overflow, and known flags.  Sets lkey, rkey, iova, start, length,
 *	access.
 * @dereg_mr: frees it; no access through its keys once this returns
 * @create_cq: at least cmd->cqe entries (the core checked 1..max_cqe)
 * @resize_cq: gives the CQ room for at least @cqe entries (the core checked
 *	1..max_cqe) and sets cq->cqe, keeping the queued completions in
 *	order; -EINVAL if more are queued than that.  Optional.
 * @destroy_cq: frees it (the core checked that no QP uses it)
 * @create_qp: for cmd->qp_type with cmd->cap (checked against the device
 *	limits); sets qp_num and the real cap; the QP starts in RESET
 * @modify_qp: applies @attr (only fields in attr->attr_mask), already
 *	checked against the state machine and the device's limits; the core
 *	merges @attr into qp->attr after success
 * @destroy_qp: frees it; its outstanding work is flushed or dropped
 * @create_srq, @modify_srq, @destroy_srq: shared receive queues
 * @create_ah, @destroy_ah: address handles (attr checked: port, sgid
 *	index)
 *
 * The data path.  The core checked the arrays' shapes: every WR's
 * num_sge within the QP's (or SRQ's) max, the SGEs they take exactly the
 * SGE array, opcodes known for the QP type.
 * @post_send: queues @num_wr send WRs; their SGEs are @sge, consecutive.
 *	Returns 0, or a negative errno with *@bad_wr the index of the first
 *	WR not queued (ENOMEM: the queue is full; EINVAL: the QP's state
 *	does not allow posting).  UD WRs name an AH handle: resolve it with
 *	uverbs_ah_attr_get() while posting.
 * @post_recv: the same for receive WRs
 * @post_srq_recv: the same on a shared receive queue
 * @query_qp_state: optional; the QP's state as the device sees it now,
 *	which an error completion may have moved to ERR since the last
 *	MODIFY.  The core's MODIFY starts from it and QUERY reports it;
 *	without it the state of the last MODIFY counts.
 * @poll_cq: takes up to @num completions, oldest first; returns how many
 * @req_notify_cq: arms the CQ: the next completion (a solicited one, or
 *	any error, when @solicited_only) calls ib_comp_channel_event() once
 */
struct ib_device_ops {
	int (*query_device)(struct ib_device *dev,
			    struct ib_uverbs_query_device_resp *resp);
	int (*query_port)(struct ib_device *dev, u8 port,
			  struct ib_uverbs_query_port_resp *resp);
	int (*query_gid)(struct ib_device *dev, u8 port, u32 index,
			 struct ib_uverbs_gid *gid);
	int (*query_pkey)(struct ib_device *dev, u8 port, u32 index,
			  u16 *pkey);
	int (*alloc_ucontext)(struct ib_ucontext *uctx,
			      struct uverbs_attr_array *vendor);

	struct ib_pd *(*alloc_pd)(struct ib_ucontext *uctx,
				  struct uverbs_attr_array *vendor);
	int (*dealloc_pd)(struct ib_pd *pd);

	struct ib_mr *(*reg_mr)(struct ib_pd *pd,
				const struct ib_uverbs_mr_reg_cmd *cmd,
				struct uverbs_attr_array *vendor);
	int (*dereg_mr)(struct ib_mr *mr);

	struct ib_cq *(*create_cq)(struct ib_ucontext *uctx,
				   const struct ib_uverbs_cq_create_cmd *cmd,
				   struct uverbs_attr_array *vendor);
	int (*resize_cq)(struct ib_cq *cq, u32 cqe);
	int (*destroy_cq)(struct ib_cq *cq);

	struct ib_qp *(*create_qp)(struct ib_pd *pd,
				   const struct ib_uverbs_qp_create_cmd *cmd,
				   struct uverbs_attr_array *vendor);
	int (*modify_qp)(struct ib_qp *qp, const struct ib_uverbs_qp_attr *attr);
	int (*destroy_qp)(struct ib_qp *qp);

	struct ib_srq *(*create_srq)(struct ib_pd *pd,
				     const struct ib_uverbs_srq_create_cmd *cmd,
				     struct uverbs_attr_array *vendor);
	int (*modify_srq)(struct ib_srq *srq,
			  const struct ib_uverbs_srq_modify_cmd *cmd);
	int (*destroy_srq)(struct ib_srq *srq);

	struct ib_ah *(*create_ah)(struct ib_pd *pd,
				   const struct ib_uverbs_ah_attr *attr,
				   struct uverbs_attr_array *vendor);
	int (*destroy_ah)(struct ib_ah *ah);

	int (*post_send)(struct ib_qp *qp, const struct ib_uverbs_send_wr *wr,
			 u32 num_wr, const struct ib_uverbs_sge *sge,
			 u32 num_sge, u32 *bad_wr);
	int (*post_recv)(struct ib_qp *qp, const struct ib_uverbs_recv_wr *wr,
			 u32 num_wr, const struct ib_uverbs_sge *sge,
			 u32 num_sge, u32 *bad_wr);
	int (*post_srq_recv)(struct ib_srq *srq,
			     const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			     const struct ib_uverbs_sge *sge, u32 num_sge,
			     u32 *bad_wr);
	u8 (*query_qp_state)(struct ib_qp *qp);
	int (*poll_cq)(struct ib_cq *cq, u32 num, struct ib_uverbs_wc *wc);
	int (*req_notify_cq)(struct ib_cq *cq, bool solicited_only);
};

/**
 * ib_verbs_device() - the verbs view of a registered device
 *
 * A verbs driver embeds struct ib_verbs_device, sets @ops and registers
 * @ib with a types table built from the standard types (uverbs_std_types)
 * and its own.
 */
struct ib_verbs_device {
	struct ib_device ib;
	const struct ib_device_ops *ops;
};

static inline struct ib_verbs_device *to_verbs_dev(struct ib_device *dev)
{
	return container_of(dev, struct ib_verbs_device, ib);
}

/**
 * ib_comp_channel_event() - queue a completion event on a CQ's channel
 * @cq: the CQ; its channel (cq->channel) receives an event carrying
 *	cq->user_handle, read by COMP_CHANNEL_GET_EVENT
 *
 * Called by a driver when a completion arrives on an armed CQ.  The
 * driver must not call it once its destroy_cq op has returned.
 * Return: 0, -EINVAL if the CQ has no channel (or its destroy began),
 * -ENOMEM.
 */
int ib_comp_channel_event(struct ib_cq *cq);

/**
 * ib_comp_channel_read() - take the oldest completion events of a channel
 * @channel: a COMP_CHANNEL uobject, alive (the transport's binding of it
 *	ends with its fd_release)
 * @desc: filled, oldest first
 * @num: room in @desc
 *
 * For a transport serving read() on a channel's descriptor.  Return: the
 * number taken (0: none queued), or -EIO once the channel is destroyed
 * (its device was removed), -EINVAL if @channel is not a completion
 * channel.  With @num 0, how many are queued, taking none.
 */
int ib_comp_channel_read(struct ib_uobject *channel,
			 struct ib_uverbs_comp_event_desc *desc, u32 num);

/**
 * uverbs_ah_attr_get() - the address of an AH named by a UD work request
 * @uctx: the context the posting QP belongs to
 * @handle: the AH handle from the WR
 * @attr: filled with the AH's address vector
 *
 * Must be called within the posting command.  The AH is locked shared
 * while it is read, so a concurrent AH_DESTROY cannot free it under us.
 * Return: 0, -ENOENT (no such AH), -EINVAL (a handle of another type),
 * -EBUSY (being destroyed).
 */
int uverbs_ah_attr_get(struct ib_ucontext *uctx, u32 handle,
		       struct ib_uverbs_ah_attr *attr);

/*
 * The standard types, for a driver's types table: index
 * uverbs_std_types.types[UVERBS_TYPE_PD] etc., or copy the pointers into
 * a larger table that adds the driver's own types or vendor chains.
 */
extern const struct uverbs_types uverbs_std_types;

#endif /* _RDMA_IB_VERBS_OPS_H */
