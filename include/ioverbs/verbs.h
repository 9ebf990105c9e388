/* SPDX-License-Identifier: MIT */
/*
 * The standard verbs, one call each, over any transport: a real file
 * descriptor (ioverbs_client_init_fd(): a device file of the daemon) or the
 * embedded core (ioverbs_client_init_embedded(), in <ioverbs/embedded.h>).
 * Each call builds one standard command with <ioverbs/cmd.h> and returns
 * 0 or the command's negative errno.  A client given the device's spec
 * tables (ioverbs_client_spec_set()) checks every command before sending
 * it, as the core would.
 *
 * Names are ioverbs_<object>_<verb>.  Where a verb has a short form for
 * the usual case and a full one that takes the ABI's command struct as it
 * is, the full one ends in _ex (as in libibverbs); the _prep form builds
 * the command without sending it (as in liburing).  ioverbs_ep_*() set up
 * what a ping-pong needs on one context (PD, MR over a new buffer, CQ, RC
 * QP, optionally the soft device's shared rings) and move messages
 * through it.
 */
#ifndef _IOVERBS_VERBS_H
#define _IOVERBS_VERBS_H

#include <ioverbs/cmd.h>
#include <ioverbs/soft_ring.h>
#include <rdma/soft_device.h>

/* Reads the raw reason (a line ending in "\n") into @buf; 0 bytes: none. */
typedef ssize_t (*ioverbs_reason_fn)(void *ctx, char *buf, size_t len);

/* "No such object": an optional handle argument left out. */
#define IOVERBS_NONE (~0u)

/**
 * struct ioverbs_client - how commands reach one device file
 * @fn: the transport
 * @ctx: passed to @fn
 * @fd: the descriptor of ioverbs_client_init_fd(), else -1
 * @types: the device's spec tables to check commands against, or NULL
 * @driver_id: the driver id commands carry
 * @reason: reads the device's reason for the calling thread's last
 *	failed command (Rule 23) from @ctx, or NULL: ioverbs_reason_get()
 *	reads a device file itself, an embedded file through this
 */
struct ioverbs_client {
	ioverbs_ioctl_fn fn;
	void *ctx;
	int fd;
	const struct uverbs_types *types;
	u16 driver_id;
	ioverbs_reason_fn reason;
};

/**
 * ioverbs_client_init() - a client over any transport
 * @v: filled
 * @fn: runs one ioctl
 * @ctx: passed to @fn
 *
 * The client sends commands unchecked, with the soft device's driver id.
 */
void ioverbs_client_init(struct ioverbs_client *v, ioverbs_ioctl_fn fn,
			 void *ctx);

/**
 * ioverbs_client_init_fd() - a client on an open device file
 * @v: filled
 * @fd: the file (the client does not own it)
 *
 * The descriptor travels in @v itself: a copy of @v is as good.
 */
void ioverbs_client_init_fd(struct ioverbs_client *v, int fd);

/**
 * ioverbs_client_spec_set() - check commands before sending them
 * @v: the client
 * @types: the device's spec tables (NULL: check nothing)
 * @driver_id: the driver id commands carry
 *
 * A command the tables refuse is not sent: the call returns the builder's
 * errno and ioverbs_client_error() says why.
 */
void ioverbs_client_spec_set(struct ioverbs_client *v,
			     const struct uverbs_types *types, u16 driver_id);

/**
 * ioverbs_client_cmd_init() - start a command for this client
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @type: the object type id
 * @action: the action id
 *
 * For commands no ioverbs_<object>_<verb>() sends; add attributes with
 * ioverbs_cmd_*() and send with ioverbs_client_exec().
 */
void ioverbs_client_cmd_init(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u16 type, u16 action);

/**
 * ioverbs_client_exec() - send a command through the client's transport
 * @v: the client
 * @c: the command
 *
 * Return: as ioverbs_cmd_exec(); when the builder refused the command,
 * its message is kept for ioverbs_client_error().
 */
long ioverbs_client_exec(struct ioverbs_client *v, struct ioverbs_cmd *c);

/**
 * ioverbs_client_error() - why the library refused the calling thread's
 *	last command
 * @v: the client
 *
 * Return: the builder's message if the calling thread's last command
 * through any client was not sent, else "" (the device's own reasons:
 * ioverbs_reason_get()).  Per thread: threads may share a client.
 */
const char *ioverbs_client_error(const struct ioverbs_client *v);

/**
 * ioverbs_context_get() - GET_CONTEXT: open the file's context
 * @v: the client
 */
long ioverbs_context_get(struct ioverbs_client *v);

/**
 * ioverbs_context_get_ex() - GET_CONTEXT, keeping the response
 * @v: the client
 * @resp: the device's answer
 */
long ioverbs_context_get_ex(struct ioverbs_client *v,
			    struct ib_uverbs_get_context_resp *resp);

/**
 * ioverbs_device_query() - QUERY_DEVICE
 * @v: the client
 * @resp: the device's attributes
 */
long ioverbs_device_query(struct ioverbs_client *v,
			  struct ib_uverbs_query_device_resp *resp);

/**
 * ioverbs_port_query() - QUERY_PORT
 * @v: the client
 * @port: the port number, from 1
 * @resp: the port's attributes
 */
long ioverbs_port_query(struct ioverbs_client *v, u8 port,
			struct ib_uverbs_query_port_resp *resp);

/**
 * ioverbs_port_query_lid() - port 1's LID, from QUERY_PORT
 * @v: the client
 * @lid: the LID
 */
long ioverbs_port_query_lid(struct ioverbs_client *v, u16 *lid);

/**
 * ioverbs_port_query_gid() - QUERY_GID: one entry of a port's GID table
 * @v: the client
 * @port: the port number, from 1
 * @index: the entry
 * @gid: the GID
 */
long ioverbs_port_query_gid(struct ioverbs_client *v, u8 port, u32 index,
			    struct ib_uverbs_gid *gid);

/**
 * ioverbs_port_query_pkey() - QUERY_PKEY: one entry of a port's P_Key table
 * @v: the client
 * @port: the port number, from 1
 * @index: the entry
 * @pkey: its P_Key
 */
long ioverbs_port_query_pkey(struct ioverbs_client *v, u8 port, u32 index,
			     u16 *pkey);

/**
 * ioverbs_async_event_get() - GET_ASYNC_EVENT: the oldest queued event
 * @v: the client
 * @d: the event
 *
 * Return: 0, -EAGAIN when none is queued, or another negative errno.
 */
long ioverbs_async_event_get(struct ioverbs_client *v,
			     struct ib_uverbs_async_event_desc *d);

/**
 * ioverbs_pd_alloc() - PD_ALLOC
 * @v: the client
 * @pd: the new PD's handle
 */
long ioverbs_pd_alloc(struct ioverbs_client *v, u32 *pd);

/**
 * ioverbs_pd_dealloc() - PD_DEALLOC
 * @v: the client
 * @pd: the PD's handle
 */
long ioverbs_pd_dealloc(struct ioverbs_client *v, u32 pd);

/**
 * ioverbs_mr_reg() - MR_REG of @len bytes at @buf (hca_va = @buf)
 * @v: the client
 * @pd: the PD's handle
 * @buf: the memory
 * @len: its length
 * @access: IB_UVERBS_ACCESS_* flags
 * @mr: the new MR's handle
 * @lkey: its lkey, or NULL
 * @rkey: its rkey, or NULL
 */
long ioverbs_mr_reg(struct ioverbs_client *v, u32 pd, void *buf, size_t len,
		    u32 access, u32 *mr, u32 *lkey, u32 *rkey);

/**
 * ioverbs_mr_reg_ex() - MR_REG with the ABI's command as it is
 * @v: the client
 * @pd: the PD's handle
 * @cmd: start, length, hca_va and access flags
 * @mr: the new MR's handle
 * @resp: the keys, or NULL
 */
long ioverbs_mr_reg_ex(struct ioverbs_client *v, u32 pd,
		       const struct ib_uverbs_mr_reg_cmd *cmd, u32 *mr,
		       struct ib_uverbs_mr_reg_resp *resp);

/**
 * ioverbs_mr_dereg() - MR_DEREG
 * @v: the client
 * @mr: the MR's handle
 */
long ioverbs_mr_dereg(struct ioverbs_client *v, u32 mr);

/**
 * ioverbs_comp_channel_create() - COMP_CHANNEL_CREATE
 * @v: the client
 * @bind: a descriptor the caller opened for the channel, for a transport
 *	that cannot create one in the caller (the daemon: MOUNT/events/NAME),
 *	or -1
 * @fd: the new channel's descriptor (@bind when given)
 */
long ioverbs_comp_channel_create(struct ioverbs_client *v, int bind, int *fd);

/**
 * ioverbs_comp_channel_destroy() - COMP_CHANNEL_DESTROY
 * @v: the client
 * @fd: the channel's descriptor
 */
long ioverbs_comp_channel_destroy(struct ioverbs_client *v, int fd);

/**
 * ioverbs_comp_channel_get_event() - COMP_CHANNEL_GET_EVENT
 * @v: the client
 * @fd: the channel's descriptor
 * @desc: the oldest completion event
 */
long ioverbs_comp_channel_get_event(struct ioverbs_client *v, int fd,
				    struct ib_uverbs_comp_event_desc *desc);

/**
 * ioverbs_cq_create() - CQ_CREATE of at least @cqe entries, no channel
 * @v: the client
 * @cqe: the entries asked for
 * @cq: the new CQ's handle
 * @cqe_out: the entries it has, or NULL
 */
long ioverbs_cq_create(struct ioverbs_client *v, u32 cqe, u32 *cq,
		       u32 *cqe_out);

/**
 * ioverbs_cq_create_ex() - CQ_CREATE with the ABI's command as it is
 * @v: the client
 * @cmd: user handle, entries, completion vector
 * @channel: a completion channel's descriptor, or -1 for none
 * @cq: the new CQ's handle
 * @resp: the device's answer, or NULL
 */
long ioverbs_cq_create_ex(struct ioverbs_client *v,
			  const struct ib_uverbs_cq_create_cmd *cmd,
			  int channel, u32 *cq,
			  struct ib_uverbs_cq_create_resp *resp);

/**
 * ioverbs_cq_destroy() - CQ_DESTROY
 * @v: the client
 * @cq: the CQ's handle
 * @resp: the event counts; NULL sends no RESP attribute
 */
long ioverbs_cq_destroy(struct ioverbs_client *v, u32 cq,
			struct ib_uverbs_cq_destroy_resp *resp);

/**
 * ioverbs_cq_resize() - CQ_RESIZE
 * @v: the client
 * @cq: the CQ's handle
 * @cqe: the entries asked for
 * @resp: the entries it has now, or NULL
 */
long ioverbs_cq_resize(struct ioverbs_client *v, u32 cq, u32 cqe,
		       struct ib_uverbs_cq_resize_resp *resp);

/**
 * ioverbs_cq_req_notify() - CQ_REQ_NOTIFY
 * @v: the client
 * @cq: the CQ's handle
 * @solicited: 1: solicited completions only
 */
long ioverbs_cq_req_notify(struct ioverbs_client *v, u32 cq, u32 solicited);

/**
 * ioverbs_cq_poll() - one CQ_POLL command
 * @v: the client
 * @cq: the CQ's handle
 * @wc: room for @num completions
 * @num: how many at most
 * @count: how many were written (0 on failure)
 */
long ioverbs_cq_poll(struct ioverbs_client *v, u32 cq, struct ib_uverbs_wc *wc,
		     u32 num, u32 *count);

/**
 * ioverbs_cq_poll_wait() - CQ_POLL until one completion arrives
 * @v: the client
 * @cq: the CQ's handle
 * @wc: the completion
 * @timeout_ms: how long to wait at most
 *
 * Between empty polls it yields, then sleeps 20 us: the completion may be
 * another thread's (or the daemon's) to produce.
 *
 * Return: 0, -ETIMEDOUT, or a CQ_POLL's negative errno.
 */
long ioverbs_cq_poll_wait(struct ioverbs_client *v, u32 cq,
			  struct ib_uverbs_wc *wc, unsigned int timeout_ms);

/**
 * ioverbs_qp_create() - QP_CREATE of @type, both queues on one CQ
 * @v: the client
 * @type: IB_UVERBS_QPT_*
 * @pd: the PD's handle
 * @cq: the CQ's handle
 * @cap: the capacities asked for
 * @qp: the new QP's handle
 * @qpn: its QP number, or NULL
 * @cap_out: the capacities it has, or NULL
 */
long ioverbs_qp_create(struct ioverbs_client *v, u8 type, u32 pd, u32 cq,
		       const struct ib_uverbs_qp_cap *cap, u32 *qp, u32 *qpn,
		       struct ib_uverbs_qp_cap *cap_out);

/**
 * ioverbs_qp_create_ex() - QP_CREATE with the ABI's command as it is
 * @v: the client
 * @cmd: type, user handle, capacities
 * @pd: the PD's handle
 * @send_cq: the send CQ's handle
 * @recv_cq: the receive CQ's handle
 * @srq: an SRQ's handle, or IOVERBS_NONE
 * @qp: the new QP's handle
 * @resp: the device's answer, or NULL
 */
long ioverbs_qp_create_ex(struct ioverbs_client *v,
			  const struct ib_uverbs_qp_create_cmd *cmd, u32 pd,
			  u32 send_cq, u32 recv_cq, u32 srq, u32 *qp,
			  struct ib_uverbs_qp_create_resp *resp);

/**
 * ioverbs_qp_modify() - QP_MODIFY
 * @v: the client
 * @qp: the QP's handle
 * @a: the attributes and their mask
 */
long ioverbs_qp_modify(struct ioverbs_client *v, u32 qp,
		       const struct ib_uverbs_qp_attr *a);

/**
 * struct ioverbs_qp_peer - what ioverbs_qp_connect() needs
 * @qp_type: IB_UVERBS_QPT_RC, _UC or _UD
 * @dlid: RC, UC: the peer's LID
 * @dest_qpn: RC, UC: the peer's QP number
 * @access: RC, UC: what the peer may do to this side's MRs (REMOTE_*)
 * @rnr_retry: RC: 7 waits for the peer's receive forever
 * @rd_atomic: RC: max_rd_atomic and max_dest_rd_atomic
 * @qkey: UD: the Q_Key
 */
struct ioverbs_qp_peer {
	u8 qp_type;
	u16 dlid;
	u32 dest_qpn;
	u32 access;
	u8 rnr_retry;
	u8 rd_atomic;
	u32 qkey;
};

/**
 * ioverbs_qp_connect() - RESET -> INIT -> RTR -> RTS
 * @v: the client
 * @qp: the QP's handle
 * @p: the peer, and each step's attributes
 *
 * Each step carries exactly the attributes the IB state machine requires
 * of the QP's type.
 */
long ioverbs_qp_connect(struct ioverbs_client *v, u32 qp,
			const struct ioverbs_qp_peer *p);

/**
 * ioverbs_qp_connect_rc() - an RC QP to RTS towards (@dlid, @dqpn)
 * @v: the client
 * @qp: the QP's handle
 * @dlid: the peer's LID
 * @dqpn: the peer's QP number
 * @rnr_retry: 7: a SEND waits for the peer's receive forever
 *
 * The peer may read, write and use atomics on this side's MRs.
 */
long ioverbs_qp_connect_rc(struct ioverbs_client *v, u32 qp, u16 dlid,
			   u32 dqpn, u8 rnr_retry);

/**
 * ioverbs_qp_query() - QP_QUERY
 * @v: the client
 * @qp: the QP's handle
 * @mask: IB_UVERBS_QP_* attributes wanted
 * @resp: the attributes
 */
long ioverbs_qp_query(struct ioverbs_client *v, u32 qp, u32 mask,
		      struct ib_uverbs_qp_query_resp *resp);

/**
 * ioverbs_qp_query_state() - the QP's state, from QP_QUERY
 * @v: the client
 * @qp: the QP's handle
 *
 * Return: an IB_UVERBS_QPS_*, or 0xff when the query failed.
 */
u8 ioverbs_qp_query_state(struct ioverbs_client *v, u32 qp);

/**
 * ioverbs_qp_destroy() - QP_DESTROY
 * @v: the client
 * @qp: the QP's handle
 * @resp: the event count; NULL sends no RESP attribute
 */
long ioverbs_qp_destroy(struct ioverbs_client *v, u32 qp,
			struct ib_uverbs_qp_destroy_resp *resp);

/**
 * ioverbs_qp_post_send() - QP_POST_SEND
 * @v: the client
 * @qp: the QP's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order (NULL with @num_sge 0: no SGE attribute)
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
long ioverbs_qp_post_send(struct ioverbs_client *v, u32 qp,
			  const struct ib_uverbs_send_wr *wr, u32 num_wr,
			  const struct ib_uverbs_sge *sge, u32 num_sge,
			  u32 *bad_wr);

/**
 * ioverbs_qp_post_recv() - QP_POST_RECV
 * @v: the client
 * @qp: the QP's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order (NULL with @num_sge 0: no SGE attribute)
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
long ioverbs_qp_post_recv(struct ioverbs_client *v, u32 qp,
			  const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			  const struct ib_uverbs_sge *sge, u32 num_sge,
			  u32 *bad_wr);

/**
 * ioverbs_srq_create() - SRQ_CREATE
 * @v: the client
 * @pd: the PD's handle
 * @cmd: user handle, capacities, limit
 * @srq: the new SRQ's handle
 * @resp: the device's answer, or NULL
 */
long ioverbs_srq_create(struct ioverbs_client *v, u32 pd,
			const struct ib_uverbs_srq_create_cmd *cmd, u32 *srq,
			struct ib_uverbs_srq_create_resp *resp);

/**
 * ioverbs_srq_modify() - SRQ_MODIFY
 * @v: the client
 * @srq: the SRQ's handle
 * @cmd: the attributes and their mask
 */
long ioverbs_srq_modify(struct ioverbs_client *v, u32 srq,
			const struct ib_uverbs_srq_modify_cmd *cmd);

/**
 * ioverbs_srq_destroy() - SRQ_DESTROY
 * @v: the client
 * @srq: the SRQ's handle
 * @resp: the event count; NULL sends no RESP attribute
 */
long ioverbs_srq_destroy(struct ioverbs_client *v, u32 srq,
			 struct ib_uverbs_srq_destroy_resp *resp);

/**
 * ioverbs_srq_post_recv() - SRQ_POST_RECV
 * @v: the client
 * @srq: the SRQ's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
long ioverbs_srq_post_recv(struct ioverbs_client *v, u32 srq,
			   const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   u32 *bad_wr);

/**
 * ioverbs_ah_create() - AH_CREATE
 * @v: the client
 * @pd: the PD's handle
 * @attr: the address
 * @ah: the new AH's handle
 */
long ioverbs_ah_create(struct ioverbs_client *v, u32 pd,
		       const struct ib_uverbs_ah_attr *attr, u32 *ah);

/**
 * ioverbs_ah_destroy() - AH_DESTROY
 * @v: the client
 * @ah: the AH's handle
 */
long ioverbs_ah_destroy(struct ioverbs_client *v, u32 ah);

/**
 * ioverbs_object_destroy() - any destroy action that takes only a handle
 * @v: the client
 * @type: the object type id
 * @action: the destroy action's id
 * @id: the action's handle attribute id
 * @handle: the object's handle
 */
long ioverbs_object_destroy(struct ioverbs_client *v, u16 type, u16 action,
			    u16 id, u32 handle);

/**
 * ioverbs_soft_qp_counters_query() - SOFT_VENDOR_QP_COUNTERS
 * @v: a client on a soft device
 * @qp: the QP's handle
 * @out: its counters
 */
long ioverbs_soft_qp_counters_query(struct ioverbs_client *v, u32 qp,
				    struct soft_qp_counters *out);

/**
 * ioverbs_soft_port_counters_query() - SOFT_VENDOR_PORT_COUNTERS
 * @v: a client on a soft device
 * @port: the port number, from 1
 * @out: the port's drop counters
 */
long ioverbs_soft_port_counters_query(struct ioverbs_client *v, u8 port,
				      struct soft_port_counters *out);

/**
 * ioverbs_soft_roce_counters_query() - SOFT_VENDOR_ROCE_COUNTERS
 * @v: a client on a soft device
 * @port: the port number, from 1
 * @out: its RoCEv2 binding and traffic (out->roce 0: an IB port)
 */
long ioverbs_soft_roce_counters_query(struct ioverbs_client *v, u8 port,
				      struct soft_roce_counters *out);

/**
 * ioverbs_soft_inject() - SOFT_VENDOR_INJECT: an error, as a real NIC has
 * @v: a client on a soft device
 * @what: an enum soft_inject
 * @qp: the QP it hits, or IOVERBS_NONE
 * @port: the port it hits, or -1
 *
 * Return: 0, -EPERM on a device made without test hooks, or another
 * negative errno.
 */
long ioverbs_soft_inject(struct ioverbs_client *v, u32 what, u32 qp, int port);

/*
 * Building without sending: ioverbs_<object>_<verb>_prep() fills @c with
 * exactly the command the call of that name sends (the call is the prep
 * and ioverbs_client_exec()), for a data path that sends one command
 * again and again, or a fuzzer that changes it first -- as liburing's
 * io_uring_prep_*() fill an entry.  Scalars the command reads are taken
 * by address.
 */

/**
 * ioverbs_context_get_prep() - build GET_CONTEXT
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @resp: the device's answer
 */
void ioverbs_context_get_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c,
			      struct ib_uverbs_get_context_resp *resp);

/**
 * ioverbs_device_query_prep() - build QUERY_DEVICE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @resp: the device's attributes
 */
void ioverbs_device_query_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c,
			       struct ib_uverbs_query_device_resp *resp);

/**
 * ioverbs_port_query_prep() - build QUERY_PORT
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @port: the port number, from 1
 * @resp: the port's attributes
 */
void ioverbs_port_query_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, const u8 *port,
			     struct ib_uverbs_query_port_resp *resp);

/**
 * ioverbs_port_query_gid_prep() - build QUERY_GID
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @port: the port number, from 1
 * @index: the entry
 * @gid: the GID
 */
void ioverbs_port_query_gid_prep(const struct ioverbs_client *v,
				 struct ioverbs_cmd *c, const u8 *port,
				 const u32 *index, struct ib_uverbs_gid *gid);

/**
 * ioverbs_port_query_pkey_prep() - build QUERY_PKEY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @port: the port number, from 1
 * @index: the entry
 * @pkey: its P_Key
 */
void ioverbs_port_query_pkey_prep(const struct ioverbs_client *v,
				  struct ioverbs_cmd *c, const u8 *port,
				  const u32 *index, u16 *pkey);

/**
 * ioverbs_async_event_get_prep() - build GET_ASYNC_EVENT
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @d: the event
 */
void ioverbs_async_event_get_prep(const struct ioverbs_client *v,
				  struct ioverbs_cmd *c,
				  struct ib_uverbs_async_event_desc *d);

/**
 * ioverbs_object_destroy_prep() - build a destroy action
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @type: the object type id
 * @action: the destroy action's id
 * @id: the action's handle attribute id
 * @handle: the object's handle
 */
void ioverbs_object_destroy_prep(const struct ioverbs_client *v,
				 struct ioverbs_cmd *c, u16 type, u16 action,
				 u16 id, u32 handle);

/**
 * ioverbs_pd_alloc_prep() - build PD_ALLOC
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @pd: the new PD's handle
 */
void ioverbs_pd_alloc_prep(const struct ioverbs_client *v,
			   struct ioverbs_cmd *c, u32 *pd);

/**
 * ioverbs_mr_reg_prep() - build MR_REG
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @pd: the PD's handle
 * @cmd: start, length, hca_va and access flags
 * @mr: the new MR's handle
 * @resp: the keys
 */
void ioverbs_mr_reg_prep(const struct ioverbs_client *v, struct ioverbs_cmd *c,
			 u32 pd, const struct ib_uverbs_mr_reg_cmd *cmd,
			 u32 *mr, struct ib_uverbs_mr_reg_resp *resp);

/**
 * ioverbs_comp_channel_create_prep() - build COMP_CHANNEL_CREATE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @bind: a descriptor the caller opened for the channel, for a transport that
 *	cannot create one in the caller (the daemon: MOUNT/events/NAME), or -1
 * @fd: the new channel's descriptor (@bind when given)
 */
void ioverbs_comp_channel_create_prep(const struct ioverbs_client *v,
				      struct ioverbs_cmd *c, int bind, int *fd);

/**
 * ioverbs_comp_channel_destroy_prep() - build COMP_CHANNEL_DESTROY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @fd: the channel's descriptor
 */
void ioverbs_comp_channel_destroy_prep(const struct ioverbs_client *v,
				       struct ioverbs_cmd *c, int fd);

/**
 * ioverbs_comp_channel_get_event_prep() - build COMP_CHANNEL_GET_EVENT
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @fd: the channel's descriptor
 * @desc: the oldest completion event
 */
void ioverbs_comp_channel_get_event_prep(const struct ioverbs_client *v,
					 struct ioverbs_cmd *c, int fd,
					 struct ib_uverbs_comp_event_desc *desc);

/**
 * ioverbs_cq_create_prep() - build CQ_CREATE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cmd: user handle, entries, completion vector
 * @channel: a completion channel's descriptor, or -1 for none
 * @cq: the new CQ's handle
 * @resp: the device's answer
 */
void ioverbs_cq_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c,
			    const struct ib_uverbs_cq_create_cmd *cmd,
			    int channel, u32 *cq,
			    struct ib_uverbs_cq_create_resp *resp);

/**
 * ioverbs_cq_destroy_prep() - build CQ_DESTROY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cq: the CQ's handle
 * @resp: the event counts; NULL sends no RESP attribute
 */
void ioverbs_cq_destroy_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 cq,
			     struct ib_uverbs_cq_destroy_resp *resp);

/**
 * ioverbs_cq_resize_prep() - build CQ_RESIZE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cq: the CQ's handle
 * @cqe: the entries asked for
 * @resp: the entries it has now
 */
void ioverbs_cq_resize_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 cq, const u32 *cqe,
			    struct ib_uverbs_cq_resize_resp *resp);

/**
 * ioverbs_cq_req_notify_prep() - build CQ_REQ_NOTIFY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cq: the CQ's handle
 * @solicited: 1: solicited completions only
 */
void ioverbs_cq_req_notify_prep(const struct ioverbs_client *v,
				struct ioverbs_cmd *c, u32 cq,
				const u32 *solicited);

/**
 * ioverbs_cq_poll_prep() - build CQ_POLL
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cq: the CQ's handle
 * @wc: room for @num completions
 * @num: how many at most
 * @count: how many were written
 */
void ioverbs_cq_poll_prep(const struct ioverbs_client *v, struct ioverbs_cmd *c,
			  u32 cq, struct ib_uverbs_wc *wc, u32 num, u32 *count);

/**
 * ioverbs_qp_create_prep() - build QP_CREATE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @cmd: type, user handle, capacities
 * @pd: the PD's handle
 * @send_cq: the send CQ's handle
 * @recv_cq: the receive CQ's handle
 * @srq: an SRQ's handle, or IOVERBS_NONE
 * @qp: the new QP's handle
 * @resp: the device's answer
 */
void ioverbs_qp_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c,
			    const struct ib_uverbs_qp_create_cmd *cmd, u32 pd,
			    u32 send_cq, u32 recv_cq, u32 srq, u32 *qp,
			    struct ib_uverbs_qp_create_resp *resp);

/**
 * ioverbs_qp_modify_prep() - build QP_MODIFY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @a: the attributes and their mask
 */
void ioverbs_qp_modify_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 qp,
			    const struct ib_uverbs_qp_attr *a);

/**
 * ioverbs_qp_query_prep() - build QP_QUERY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @mask: IB_UVERBS_QP_* attributes wanted
 * @resp: the attributes
 */
void ioverbs_qp_query_prep(const struct ioverbs_client *v,
			   struct ioverbs_cmd *c, u32 qp, const u32 *mask,
			   struct ib_uverbs_qp_query_resp *resp);

/**
 * ioverbs_qp_destroy_prep() - build QP_DESTROY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @resp: the event count; NULL sends no RESP attribute
 */
void ioverbs_qp_destroy_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 qp,
			     struct ib_uverbs_qp_destroy_resp *resp);

/**
 * ioverbs_qp_post_send_prep() - build QP_POST_SEND
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order (@num_sge 0: no SGE attribute)
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
void ioverbs_qp_post_send_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c, u32 qp,
			       const struct ib_uverbs_send_wr *wr, u32 num_wr,
			       const struct ib_uverbs_sge *sge, u32 num_sge,
			       u32 *bad_wr);

/**
 * ioverbs_qp_post_recv_prep() - build QP_POST_RECV
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order (@num_sge 0: no SGE attribute)
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
void ioverbs_qp_post_recv_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c, u32 qp,
			       const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			       const struct ib_uverbs_sge *sge, u32 num_sge,
			       u32 *bad_wr);

/**
 * ioverbs_srq_post_recv_prep() - build SRQ_POST_RECV
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @srq: the SRQ's handle
 * @wr: @num_wr work requests
 * @num_wr: how many
 * @sge: every WR's SGEs, in order (@num_sge 0: no SGE attribute)
 * @num_sge: how many in all
 * @bad_wr: the index of the WR that failed; NULL sends no BAD_WR attribute
 */
void ioverbs_srq_post_recv_prep(const struct ioverbs_client *v,
				struct ioverbs_cmd *c, u32 srq,
				const struct ib_uverbs_recv_wr *wr, u32 num_wr,
				const struct ib_uverbs_sge *sge, u32 num_sge,
				u32 *bad_wr);

/**
 * ioverbs_srq_create_prep() - build SRQ_CREATE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @pd: the PD's handle
 * @cmd: user handle, capacities, limit
 * @srq: the new SRQ's handle
 * @resp: the device's answer
 */
void ioverbs_srq_create_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 pd,
			     const struct ib_uverbs_srq_create_cmd *cmd,
			     u32 *srq, struct ib_uverbs_srq_create_resp *resp);

/**
 * ioverbs_srq_modify_prep() - build SRQ_MODIFY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @srq: the SRQ's handle
 * @cmd: the attributes and their mask
 */
void ioverbs_srq_modify_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 srq,
			     const struct ib_uverbs_srq_modify_cmd *cmd);

/**
 * ioverbs_srq_destroy_prep() - build SRQ_DESTROY
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @srq: the SRQ's handle
 * @resp: the event count; NULL sends no RESP attribute
 */
void ioverbs_srq_destroy_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c, u32 srq,
			      struct ib_uverbs_srq_destroy_resp *resp);

/**
 * ioverbs_ah_create_prep() - build AH_CREATE
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @pd: the PD's handle
 * @attr: the address
 * @ah: the new AH's handle
 */
void ioverbs_ah_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 pd,
			    const struct ib_uverbs_ah_attr *attr, u32 *ah);

/**
 * ioverbs_soft_qp_counters_query_prep() - build SOFT_VENDOR_QP_COUNTERS
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @qp: the QP's handle
 * @out: its counters
 */
void ioverbs_soft_qp_counters_query_prep(const struct ioverbs_client *v,
					 struct ioverbs_cmd *c, u32 qp,
					 struct soft_qp_counters *out);

/**
 * ioverbs_soft_port_counters_query_prep() - build SOFT_VENDOR_PORT_COUNTERS
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @port: the port number, from 1
 * @out: its counters
 */
void ioverbs_soft_port_counters_query_prep(const struct ioverbs_client *v,
					   struct ioverbs_cmd *c,
					   const u8 *port,
					   struct soft_port_counters *out);

/**
 * ioverbs_soft_roce_counters_query_prep() - build SOFT_VENDOR_ROCE_COUNTERS
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @port: the port number, from 1
 * @out: its binding and counters
 */
void ioverbs_soft_roce_counters_query_prep(const struct ioverbs_client *v,
					   struct ioverbs_cmd *c,
					   const u8 *port,
					   struct soft_roce_counters *out);

/**
 * ioverbs_soft_inject_prep() - build SOFT_VENDOR_INJECT
 * @v: the client (its spec tables and driver id)
 * @c: the command
 * @what: an enum soft_inject
 * @qp: the QP it hits, or IOVERBS_NONE
 * @port: the port it hits, or NULL
 */
void ioverbs_soft_inject_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c, const u32 *what, u32 qp,
			      const u8 *port);

/**
 * struct ioverbs_ep - one side of a ping-pong: a context and its objects
 * @v: the client
 * @buf: @len bytes, registered as @mr
 * @len: its length
 * @pd: the PD's handle
 * @mr: the MR's handle
 * @cq: the CQ's handle
 * @qp: the RC QP's handle
 * @qpn: its QP number
 * @lkey: @mr's lkey
 * @rkey: @mr's rkey
 * @cqe: the CQ's entries
 * @lid: port 1's LID
 * @cap: the QP's capacities
 * @rings: whether the shared rings below are used
 * @rctx: the context's doorbell
 * @rcq: the CQ's ring
 * @rqp: the QP's rings
 */
struct ioverbs_ep {
	struct ioverbs_client v;
	u8 *buf;
	size_t len;
	u32 pd, mr, cq, qp, qpn, lkey, rkey, cqe;
	u16 lid;
	struct ib_uverbs_qp_cap cap;
	bool rings;
	struct ioverbs_sring_ctx rctx;
	struct ioverbs_sring_cq rcq;
	struct ioverbs_sring_qp rqp;
};

/**
 * ioverbs_ep_open() - a context and the objects of one side
 * @s: its client set already; the rest is filled
 * @len: the buffer's length
 * @rings: use the soft device's shared rings for the data path
 *
 * GET_CONTEXT, QUERY_PORT, a PD, an MR over a new @len-byte buffer, a CQ
 * and an RC QP; then the rings if asked.
 */
long ioverbs_ep_open(struct ioverbs_ep *s, size_t len, bool rings);

/**
 * ioverbs_ep_connect() - @s's QP to RTS towards @peer's
 * @s: this side
 * @peer: the other side
 * @rnr_retry: as ioverbs_qp_connect_rc()
 */
long ioverbs_ep_connect(struct ioverbs_ep *s, const struct ioverbs_ep *peer,
			u8 rnr_retry);

/**
 * ioverbs_ep_close() - destroy what ioverbs_ep_open() made
 * @s: the side (its file stays open)
 */
void ioverbs_ep_close(struct ioverbs_ep *s);

/**
 * ioverbs_ep_post_send() - one send WR, through the ring or a command
 * @s: the side
 * @wr: the WR (wr->num_sge SGEs)
 * @sge: its SGEs
 */
long ioverbs_ep_post_send(struct ioverbs_ep *s, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *sge);

/**
 * ioverbs_ep_post_recv() - a receive of @len bytes at @off in the buffer
 * @s: the side
 * @wr_id: the WR's id
 * @off: where in @s->buf
 * @len: how many bytes
 */
long ioverbs_ep_post_recv(struct ioverbs_ep *s, u64 wr_id, u64 off, u32 len);

/**
 * ioverbs_ep_poll() - one completion, through the ring or commands
 * @s: the side
 * @wc: the completion
 * @timeout_ms: how long to wait at most
 *
 * Return: 0, -ETIMEDOUT, or a negative errno.
 */
long ioverbs_ep_poll(struct ioverbs_ep *s, struct ib_uverbs_wc *wc,
		     unsigned int timeout_ms);

#endif /* _IOVERBS_VERBS_H */
