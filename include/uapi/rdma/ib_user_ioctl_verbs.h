/* SPDX-License-Identifier: MIT */
/*
 * Standard ids of the verbs objects: object types, their actions, and one
 * enum of attribute ids per action.  Drivers index their types table with
 * these; a driver's own types follow UVERBS_TYPE_STD_MAX.  Vendor attributes
 * use ids with UVERBS_VENDOR_FLAG set, in the driver's own headers.
 */
#ifndef _UAPI_RDMA_IB_USER_IOCTL_VERBS_H
#define _UAPI_RDMA_IB_USER_IOCTL_VERBS_H

#include <rdma/rdma_user_ioctl.h>

enum uverbs_default_types {
	UVERBS_TYPE_DEVICE,
	UVERBS_TYPE_PD,
	UVERBS_TYPE_MR,
	UVERBS_TYPE_COMP_CHANNEL,
	UVERBS_TYPE_CQ,
	UVERBS_TYPE_QP,
	UVERBS_TYPE_SRQ,
	UVERBS_TYPE_AH,
	UVERBS_TYPE_STD_MAX,
};

/* DEVICE */
enum uverbs_actions_device {
	UVERBS_ACTION_DEVICE_GET_CONTEXT,
	UVERBS_ACTION_DEVICE_QUERY,
	UVERBS_ACTION_DEVICE_QUERY_PORT,
	UVERBS_ACTION_DEVICE_QUERY_GID,
	UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT,
	UVERBS_ACTION_DEVICE_QUERY_PKEY,
	UVERBS_ACTION_DEVICE_QUERY_SCHEMA,
};

enum uverbs_attrs_get_context {
	UVERBS_GET_CONTEXT_RESP,
};

enum uverbs_attrs_query_device {
	UVERBS_QUERY_DEVICE_RESP,
};

enum uverbs_attrs_query_port {
	UVERBS_QUERY_PORT_PORT_NUM,	/* PTR_IN __u8, from 1 */
	UVERBS_QUERY_PORT_RESP,
};

enum uverbs_attrs_query_gid {
	UVERBS_QUERY_GID_PORT_NUM,	/* PTR_IN __u8, from 1 */
	UVERBS_QUERY_GID_INDEX,		/* PTR_IN __u32 */
	UVERBS_QUERY_GID_RESP,
};

enum uverbs_attrs_get_async_event {
	UVERBS_GET_ASYNC_EVENT_RESP,
};

/* One entry of a port's P_Key table (index below pkey_tbl_len). */
enum uverbs_attrs_query_pkey {
	UVERBS_QUERY_PKEY_PORT_NUM,	/* PTR_IN __u8, from 1 */
	UVERBS_QUERY_PKEY_INDEX,	/* PTR_IN __u32 */
	UVERBS_QUERY_PKEY_RESP,		/* PTR_OUT __u16 */
};

/*
 * QUERY_SCHEMA: what the device accepts, as a blob of the format of
 * <rdma/ib_user_schema.h> (its whole types table: types, actions, chains,
 * attribute specs, names, layouts).  Vendor-neutral: it needs no context,
 * and the device answers it whatever the header's driver_id (Rule 6's one
 * exception), so that a client that knows nothing of the device learns
 * its driver id here.  Read in pieces: SIZE is the blob's total length;
 * DATA receives the bytes from OFFSET (0 if absent) on, as many as fit
 * (zero padded after the end).  An OFFSET beyond SIZE is EINVAL.  The
 * blob does not change while the device is registered.
 */
enum uverbs_attrs_query_schema {
	UVERBS_QUERY_SCHEMA_OFFSET,	/* PTR_IN __u32, optional */
	UVERBS_QUERY_SCHEMA_DATA,	/* PTR_OUT, 1..65535 bytes, optional */
	UVERBS_QUERY_SCHEMA_SIZE,	/* PTR_OUT __u32 */
};

/* PD */
enum uverbs_actions_pd {
	UVERBS_ACTION_PD_ALLOC,
	UVERBS_ACTION_PD_DEALLOC,
};

enum uverbs_attrs_pd_alloc {
	UVERBS_PD_ALLOC_HANDLE,
};

enum uverbs_attrs_pd_dealloc {
	UVERBS_PD_DEALLOC_HANDLE,
};

/* MR */
enum uverbs_actions_mr {
	UVERBS_ACTION_MR_REG,
	UVERBS_ACTION_MR_DEREG,
	UVERBS_ACTION_MR_REREG,
};

enum uverbs_attrs_mr_reg {
	UVERBS_MR_REG_HANDLE,
	UVERBS_MR_REG_PD_HANDLE,
	UVERBS_MR_REG_CMD,
	UVERBS_MR_REG_RESP,
};

enum uverbs_attrs_mr_dereg {
	UVERBS_MR_DEREG_HANDLE,
};

enum uverbs_attrs_mr_rereg {
	UVERBS_MR_REREG_HANDLE,
	UVERBS_MR_REREG_PD_HANDLE,
	UVERBS_MR_REREG_CMD,
	UVERBS_MR_REREG_RESP,
};

/* COMP_CHANNEL: an fd object; completion events are read from it */
enum uverbs_actions_comp_channel {
	UVERBS_ACTION_COMP_CHANNEL_CREATE,
	UVERBS_ACTION_COMP_CHANNEL_DESTROY,
	UVERBS_ACTION_COMP_CHANNEL_GET_EVENT,
};

enum uverbs_attrs_comp_channel_create {
	UVERBS_COMP_CHANNEL_CREATE_FD,
};

enum uverbs_attrs_comp_channel_destroy {
	UVERBS_COMP_CHANNEL_DESTROY_FD,
};

enum uverbs_attrs_comp_channel_get_event {
	UVERBS_COMP_CHANNEL_GET_EVENT_FD,
	UVERBS_COMP_CHANNEL_GET_EVENT_RESP,
};

/* CQ */
enum uverbs_actions_cq {
	UVERBS_ACTION_CQ_CREATE,
	UVERBS_ACTION_CQ_DESTROY,
	UVERBS_ACTION_CQ_RESIZE,
	UVERBS_ACTION_CQ_REQ_NOTIFY,
	UVERBS_ACTION_CQ_POLL,
};

enum uverbs_attrs_cq_create {
	UVERBS_CQ_CREATE_HANDLE,
	UVERBS_CQ_CREATE_CMD,
	UVERBS_CQ_CREATE_CHANNEL,
	UVERBS_CQ_CREATE_RESP,
};

enum uverbs_attrs_cq_destroy {
	UVERBS_CQ_DESTROY_HANDLE,
	UVERBS_CQ_DESTROY_RESP,
};

/*
 * CQ_RESIZE takes the CQ exclusively (a concurrent POLL gets EBUSY).  The
 * completions queued are kept, in order; EINVAL if more are queued than
 * the new size holds, or CQE is outside 1..max_cqe.
 */
enum uverbs_attrs_cq_resize {
	UVERBS_CQ_RESIZE_HANDLE,
	UVERBS_CQ_RESIZE_CQE,		/* PTR_IN __u32 */
	UVERBS_CQ_RESIZE_RESP,		/* PTR_OUT struct ib_uverbs_cq_resize_resp */
};

enum uverbs_attrs_cq_req_notify {
	UVERBS_CQ_REQ_NOTIFY_HANDLE,
	UVERBS_CQ_REQ_NOTIFY_SOLICITED,	/* PTR_IN __u32: 1 = solicited only */
};

enum uverbs_attrs_cq_poll {
	UVERBS_CQ_POLL_HANDLE,
	UVERBS_CQ_POLL_WC,	/* PTR_OUT struct ib_uverbs_wc[]: room for
				 * len / 48 completions */
	UVERBS_CQ_POLL_COUNT,	/* PTR_OUT __u32: completions written */
};

/* QP */
enum uverbs_actions_qp {
	UVERBS_ACTION_QP_CREATE,
	UVERBS_ACTION_QP_MODIFY,
	UVERBS_ACTION_QP_QUERY,
	UVERBS_ACTION_QP_DESTROY,
	UVERBS_ACTION_QP_POST_SEND,
	UVERBS_ACTION_QP_POST_RECV,
};

enum uverbs_attrs_qp_create {
	UVERBS_QP_CREATE_HANDLE,
	UVERBS_QP_CREATE_PD_HANDLE,
	UVERBS_QP_CREATE_SEND_CQ,
	UVERBS_QP_CREATE_RECV_CQ,
	UVERBS_QP_CREATE_SRQ,
	UVERBS_QP_CREATE_CMD,
	UVERBS_QP_CREATE_RESP,
};

enum uverbs_attrs_qp_modify {
	UVERBS_QP_MODIFY_HANDLE,
	UVERBS_QP_MODIFY_CMD,
};

enum uverbs_attrs_qp_query {
	UVERBS_QP_QUERY_HANDLE,
	UVERBS_QP_QUERY_MASK,		/* PTR_IN __u32 attribute mask */
	UVERBS_QP_QUERY_RESP,
};

enum uverbs_attrs_qp_destroy {
	UVERBS_QP_DESTROY_HANDLE,
	UVERBS_QP_DESTROY_RESP,
};

/*
 * POST_SEND / POST_RECV / SRQ_POST_RECV: WR is an array of work requests,
 * SGE the array of all their SGEs, each WR taking num_sge consecutive
 * ones.  When a WR is refused (malformed, or the queue is full or in the
 * wrong state) the command fails with its errno, the WRs before it are
 * posted and none after it; the message names the WR.  BAD_WR, written
 * on failure too, is the index of the first WR not posted (the number of
 * WRs on success).  An SGE array that does not match the WRs as a whole
 * posts nothing (BAD_WR 0).
 */
enum uverbs_attrs_qp_post_send {
	UVERBS_QP_POST_SEND_HANDLE,
	UVERBS_QP_POST_SEND_WR,		/* PTR_IN struct ib_uverbs_send_wr[] */
	UVERBS_QP_POST_SEND_SGE,	/* PTR_IN struct ib_uverbs_sge[] */
	UVERBS_QP_POST_SEND_BAD_WR,	/* PTR_OUT __u32 */
};

enum uverbs_attrs_qp_post_recv {
	UVERBS_QP_POST_RECV_HANDLE,
	UVERBS_QP_POST_RECV_WR,		/* PTR_IN struct ib_uverbs_recv_wr[] */
	UVERBS_QP_POST_RECV_SGE,	/* PTR_IN struct ib_uverbs_sge[] */
	UVERBS_QP_POST_RECV_BAD_WR,	/* PTR_OUT __u32 */
};

/* SRQ */
enum uverbs_actions_srq {
	UVERBS_ACTION_SRQ_CREATE,
	UVERBS_ACTION_SRQ_MODIFY,
	UVERBS_ACTION_SRQ_DESTROY,
	UVERBS_ACTION_SRQ_POST_RECV,
};

enum uverbs_attrs_srq_create {
	UVERBS_SRQ_CREATE_HANDLE,
	UVERBS_SRQ_CREATE_PD_HANDLE,
	UVERBS_SRQ_CREATE_CMD,
	UVERBS_SRQ_CREATE_RESP,
};

enum uverbs_attrs_srq_modify {
	UVERBS_SRQ_MODIFY_HANDLE,
	UVERBS_SRQ_MODIFY_CMD,
};

enum uverbs_attrs_srq_destroy {
	UVERBS_SRQ_DESTROY_HANDLE,
	UVERBS_SRQ_DESTROY_RESP,
};

enum uverbs_attrs_srq_post_recv {
	UVERBS_SRQ_POST_RECV_HANDLE,
	UVERBS_SRQ_POST_RECV_WR,	/* PTR_IN struct ib_uverbs_recv_wr[] */
	UVERBS_SRQ_POST_RECV_SGE,	/* PTR_IN struct ib_uverbs_sge[] */
	UVERBS_SRQ_POST_RECV_BAD_WR,	/* PTR_OUT __u32 */
};

/* AH */
enum uverbs_actions_ah {
	UVERBS_ACTION_AH_CREATE,
	UVERBS_ACTION_AH_DESTROY,
};

enum uverbs_attrs_ah_create {
	UVERBS_AH_CREATE_HANDLE,
	UVERBS_AH_CREATE_PD_HANDLE,
	UVERBS_AH_CREATE_ATTR,
};

enum uverbs_attrs_ah_destroy {
	UVERBS_AH_DESTROY_HANDLE,
};

/**
 * enum ib_uverbs_event_type - async event types delivered to a file
 * @IB_UVERBS_EVENT_DEVICE_FATAL: the device was removed or failed; every
 *	object of the file is gone, only DESTROY and close still work
 */
enum ib_uverbs_event_type {
	IB_UVERBS_EVENT_CQ_ERR,
	IB_UVERBS_EVENT_QP_FATAL,
	IB_UVERBS_EVENT_QP_REQ_ERR,
	IB_UVERBS_EVENT_QP_ACCESS_ERR,
	IB_UVERBS_EVENT_COMM_EST,
	IB_UVERBS_EVENT_SQ_DRAINED,
	IB_UVERBS_EVENT_PATH_MIG,
	IB_UVERBS_EVENT_PATH_MIG_ERR,
	IB_UVERBS_EVENT_DEVICE_FATAL,
	IB_UVERBS_EVENT_PORT_ACTIVE,
	IB_UVERBS_EVENT_PORT_ERR,
	IB_UVERBS_EVENT_LID_CHANGE,
	IB_UVERBS_EVENT_PKEY_CHANGE,
	IB_UVERBS_EVENT_SM_CHANGE,
	IB_UVERBS_EVENT_SRQ_ERR,
	IB_UVERBS_EVENT_SRQ_LIMIT_REACHED,
	IB_UVERBS_EVENT_QP_LAST_WQE_REACHED,
	IB_UVERBS_EVENT_CLIENT_REREGISTER,
	IB_UVERBS_EVENT_GID_CHANGE,
};

/**
 * struct ib_uverbs_async_event_desc - one async event
 * @element: the user_handle given when the object the event is about was
 *	created (QP, CQ, SRQ events), the port number for port events, 0
 *	for DEVICE_FATAL
 * @event_type: an &enum ib_uverbs_event_type
 * @reserved: zero
 */
struct ib_uverbs_async_event_desc {
	__aligned_u64 element;
	__u32 event_type;
	__u32 reserved;
};

#endif /* _UAPI_RDMA_IB_USER_IOCTL_VERBS_H */
