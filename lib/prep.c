// SPDX-License-Identifier: MIT
/*
 * Every standard command the library sends, built in one place: one
 * ioverbs_<object>_<verb>_prep() per action (see <ioverbs/verbs.h>).  A
 * prep only fills the command; the one-shot calls in lib/verbs.c, the
 * benchmarks and the fuzzer send it.
 */
#include <ioverbs/verbs.h>

void ioverbs_context_get_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c,
			      struct ib_uverbs_get_context_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ioverbs_cmd_out(c, UVERBS_GET_CONTEXT_RESP, resp, sizeof(*resp));
}

void ioverbs_device_query_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c,
			       struct ib_uverbs_query_device_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY);
	ioverbs_cmd_out(c, UVERBS_QUERY_DEVICE_RESP, resp, sizeof(*resp));
}

void ioverbs_port_query_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, const u8 *port,
			     struct ib_uverbs_query_port_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY_PORT);
	ioverbs_cmd_in(c, UVERBS_QUERY_PORT_PORT_NUM, port, sizeof(*port));
	ioverbs_cmd_out(c, UVERBS_QUERY_PORT_RESP, resp, sizeof(*resp));
}

void ioverbs_port_query_gid_prep(const struct ioverbs_client *v,
				 struct ioverbs_cmd *c, const u8 *port,
				 const u32 *index, struct ib_uverbs_gid *gid)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY_GID);
	ioverbs_cmd_in(c, UVERBS_QUERY_GID_PORT_NUM, port, sizeof(*port));
	ioverbs_cmd_in(c, UVERBS_QUERY_GID_INDEX, index, sizeof(*index));
	ioverbs_cmd_out(c, UVERBS_QUERY_GID_RESP, gid, sizeof(*gid));
}

void ioverbs_port_query_pkey_prep(const struct ioverbs_client *v,
				  struct ioverbs_cmd *c, const u8 *port,
				  const u32 *index, u16 *pkey)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY_PKEY);
	ioverbs_cmd_in(c, UVERBS_QUERY_PKEY_PORT_NUM, port, sizeof(*port));
	ioverbs_cmd_in(c, UVERBS_QUERY_PKEY_INDEX, index, sizeof(*index));
	ioverbs_cmd_out(c, UVERBS_QUERY_PKEY_RESP, pkey, sizeof(*pkey));
}

void ioverbs_async_event_get_prep(const struct ioverbs_client *v,
				  struct ioverbs_cmd *c,
				  struct ib_uverbs_async_event_desc *d)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT);
	ioverbs_cmd_out(c, UVERBS_GET_ASYNC_EVENT_RESP, d, sizeof(*d));
}

void ioverbs_object_destroy_prep(const struct ioverbs_client *v,
				 struct ioverbs_cmd *c, u16 type, u16 action,
				 u16 id, u32 handle)
{
	ioverbs_client_cmd_init(v, c, type, action);
	ioverbs_cmd_idr(c, id, handle);
}

void ioverbs_pd_alloc_prep(const struct ioverbs_client *v,
			   struct ioverbs_cmd *c, u32 *pd)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(c, UVERBS_PD_ALLOC_HANDLE, pd);
}

void ioverbs_mr_reg_prep(const struct ioverbs_client *v, struct ioverbs_cmd *c,
			 u32 pd, const struct ib_uverbs_mr_reg_cmd *cmd,
			 u32 *mr, struct ib_uverbs_mr_reg_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(c, UVERBS_MR_REG_HANDLE, mr);
	ioverbs_cmd_idr(c, UVERBS_MR_REG_PD_HANDLE, pd);
	ioverbs_cmd_in(c, UVERBS_MR_REG_CMD, cmd, sizeof(*cmd));
	ioverbs_cmd_out(c, UVERBS_MR_REG_RESP, resp, sizeof(*resp));
}

void ioverbs_comp_channel_create_prep(const struct ioverbs_client *v,
				      struct ioverbs_cmd *c, int bind, int *fd)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_COMP_CHANNEL,
				UVERBS_ACTION_COMP_CHANNEL_CREATE);
	if (bind >= 0)
		ioverbs_cmd_bind_fd(c, UVERBS_COMP_CHANNEL_CREATE_FD, bind, fd);
	else
		ioverbs_cmd_new_fd(c, UVERBS_COMP_CHANNEL_CREATE_FD, fd);
}

void ioverbs_comp_channel_destroy_prep(const struct ioverbs_client *v,
				       struct ioverbs_cmd *c, int fd)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_COMP_CHANNEL,
				UVERBS_ACTION_COMP_CHANNEL_DESTROY);
	ioverbs_cmd_fd(c, UVERBS_COMP_CHANNEL_DESTROY_FD, fd);
}

void ioverbs_comp_channel_get_event_prep(const struct ioverbs_client *v,
					 struct ioverbs_cmd *c, int fd,
					 struct ib_uverbs_comp_event_desc *desc)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_COMP_CHANNEL,
				UVERBS_ACTION_COMP_CHANNEL_GET_EVENT);
	ioverbs_cmd_fd(c, UVERBS_COMP_CHANNEL_GET_EVENT_FD, fd);
	ioverbs_cmd_out(c, UVERBS_COMP_CHANNEL_GET_EVENT_RESP, desc,
			sizeof(*desc));
}

void ioverbs_cq_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c,
			    const struct ib_uverbs_cq_create_cmd *cmd,
			    int channel, u32 *cq,
			    struct ib_uverbs_cq_create_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
	ioverbs_cmd_new(c, UVERBS_CQ_CREATE_HANDLE, cq);
	ioverbs_cmd_in(c, UVERBS_CQ_CREATE_CMD, cmd, sizeof(*cmd));
	if (channel >= 0)
		ioverbs_cmd_fd(c, UVERBS_CQ_CREATE_CHANNEL, channel);
	ioverbs_cmd_out(c, UVERBS_CQ_CREATE_RESP, resp, sizeof(*resp));
}

void ioverbs_cq_destroy_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 cq,
			     struct ib_uverbs_cq_destroy_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_DESTROY);
	ioverbs_cmd_idr(c, UVERBS_CQ_DESTROY_HANDLE, cq);
	if (resp)
		ioverbs_cmd_out(c, UVERBS_CQ_DESTROY_RESP, resp, sizeof(*resp));
}

void ioverbs_cq_resize_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 cq, const u32 *cqe,
			    struct ib_uverbs_cq_resize_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_RESIZE);
	ioverbs_cmd_idr(c, UVERBS_CQ_RESIZE_HANDLE, cq);
	ioverbs_cmd_in(c, UVERBS_CQ_RESIZE_CQE, cqe, sizeof(*cqe));
	ioverbs_cmd_out(c, UVERBS_CQ_RESIZE_RESP, resp, sizeof(*resp));
}

void ioverbs_cq_req_notify_prep(const struct ioverbs_client *v,
				struct ioverbs_cmd *c, u32 cq,
				const u32 *solicited)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_CQ,
				UVERBS_ACTION_CQ_REQ_NOTIFY);
	ioverbs_cmd_idr(c, UVERBS_CQ_REQ_NOTIFY_HANDLE, cq);
	ioverbs_cmd_in(c, UVERBS_CQ_REQ_NOTIFY_SOLICITED, solicited,
		       sizeof(*solicited));
}

void ioverbs_cq_poll_prep(const struct ioverbs_client *v, struct ioverbs_cmd *c,
			  u32 cq, struct ib_uverbs_wc *wc, u32 num, u32 *count)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
	ioverbs_cmd_idr(c, UVERBS_CQ_POLL_HANDLE, cq);
	ioverbs_cmd_out(c, UVERBS_CQ_POLL_WC, wc, num * sizeof(*wc));
	ioverbs_cmd_out(c, UVERBS_CQ_POLL_COUNT, count, sizeof(*count));
}

void ioverbs_qp_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c,
			    const struct ib_uverbs_qp_create_cmd *cmd, u32 pd,
			    u32 send_cq, u32 recv_cq, u32 srq, u32 *qp,
			    struct ib_uverbs_qp_create_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_CREATE);
	ioverbs_cmd_new(c, UVERBS_QP_CREATE_HANDLE, qp);
	ioverbs_cmd_idr(c, UVERBS_QP_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_idr(c, UVERBS_QP_CREATE_SEND_CQ, send_cq);
	ioverbs_cmd_idr(c, UVERBS_QP_CREATE_RECV_CQ, recv_cq);
	if (srq != IOVERBS_NONE)
		ioverbs_cmd_idr(c, UVERBS_QP_CREATE_SRQ, srq);
	ioverbs_cmd_in(c, UVERBS_QP_CREATE_CMD, cmd, sizeof(*cmd));
	ioverbs_cmd_out(c, UVERBS_QP_CREATE_RESP, resp, sizeof(*resp));
}

void ioverbs_qp_modify_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 qp,
			    const struct ib_uverbs_qp_attr *a)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_MODIFY);
	ioverbs_cmd_idr(c, UVERBS_QP_MODIFY_HANDLE, qp);
	ioverbs_cmd_in(c, UVERBS_QP_MODIFY_CMD, a, sizeof(*a));
}

void ioverbs_qp_query_prep(const struct ioverbs_client *v,
			   struct ioverbs_cmd *c, u32 qp, const u32 *mask,
			   struct ib_uverbs_qp_query_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_QUERY);
	ioverbs_cmd_idr(c, UVERBS_QP_QUERY_HANDLE, qp);
	ioverbs_cmd_in(c, UVERBS_QP_QUERY_MASK, mask, sizeof(*mask));
	ioverbs_cmd_out(c, UVERBS_QP_QUERY_RESP, resp, sizeof(*resp));
}

void ioverbs_qp_destroy_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 qp,
			     struct ib_uverbs_qp_destroy_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_DESTROY);
	ioverbs_cmd_idr(c, UVERBS_QP_DESTROY_HANDLE, qp);
	if (resp)
		ioverbs_cmd_out(c, UVERBS_QP_DESTROY_RESP, resp, sizeof(*resp));
}

void ioverbs_qp_post_send_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c, u32 qp,
			       const struct ib_uverbs_send_wr *wr, u32 num_wr,
			       const struct ib_uverbs_sge *sge, u32 num_sge,
			       u32 *bad_wr)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_POST_SEND);
	ioverbs_cmd_idr(c, UVERBS_QP_POST_SEND_HANDLE, qp);
	ioverbs_cmd_in(c, UVERBS_QP_POST_SEND_WR, wr, num_wr * sizeof(*wr));
	if (num_sge)
		ioverbs_cmd_in(c, UVERBS_QP_POST_SEND_SGE, sge,
			       num_sge * sizeof(*sge));
	if (bad_wr)
		ioverbs_cmd_out(c, UVERBS_QP_POST_SEND_BAD_WR, bad_wr,
				sizeof(*bad_wr));
}

void ioverbs_qp_post_recv_prep(const struct ioverbs_client *v,
			       struct ioverbs_cmd *c, u32 qp,
			       const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			       const struct ib_uverbs_sge *sge, u32 num_sge,
			       u32 *bad_wr)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_POST_RECV);
	ioverbs_cmd_idr(c, UVERBS_QP_POST_RECV_HANDLE, qp);
	ioverbs_cmd_in(c, UVERBS_QP_POST_RECV_WR, wr, num_wr * sizeof(*wr));
	if (num_sge)
		ioverbs_cmd_in(c, UVERBS_QP_POST_RECV_SGE, sge,
			       num_sge * sizeof(*sge));
	if (bad_wr)
		ioverbs_cmd_out(c, UVERBS_QP_POST_RECV_BAD_WR, bad_wr,
				sizeof(*bad_wr));
}

void ioverbs_srq_post_recv_prep(const struct ioverbs_client *v,
				struct ioverbs_cmd *c, u32 srq,
				const struct ib_uverbs_recv_wr *wr, u32 num_wr,
				const struct ib_uverbs_sge *sge, u32 num_sge,
				u32 *bad_wr)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_POST_RECV);
	ioverbs_cmd_idr(c, UVERBS_SRQ_POST_RECV_HANDLE, srq);
	ioverbs_cmd_in(c, UVERBS_SRQ_POST_RECV_WR, wr, num_wr * sizeof(*wr));
	if (num_sge)
		ioverbs_cmd_in(c, UVERBS_SRQ_POST_RECV_SGE, sge,
			       num_sge * sizeof(*sge));
	if (bad_wr)
		ioverbs_cmd_out(c, UVERBS_SRQ_POST_RECV_BAD_WR, bad_wr,
				sizeof(*bad_wr));
}

void ioverbs_srq_create_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 pd,
			     const struct ib_uverbs_srq_create_cmd *cmd,
			     u32 *srq, struct ib_uverbs_srq_create_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_CREATE);
	ioverbs_cmd_new(c, UVERBS_SRQ_CREATE_HANDLE, srq);
	ioverbs_cmd_idr(c, UVERBS_SRQ_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_in(c, UVERBS_SRQ_CREATE_CMD, cmd, sizeof(*cmd));
	ioverbs_cmd_out(c, UVERBS_SRQ_CREATE_RESP, resp, sizeof(*resp));
}

void ioverbs_srq_modify_prep(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u32 srq,
			     const struct ib_uverbs_srq_modify_cmd *cmd)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_MODIFY);
	ioverbs_cmd_idr(c, UVERBS_SRQ_MODIFY_HANDLE, srq);
	ioverbs_cmd_in(c, UVERBS_SRQ_MODIFY_CMD, cmd, sizeof(*cmd));
}

void ioverbs_srq_destroy_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c, u32 srq,
			      struct ib_uverbs_srq_destroy_resp *resp)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_DESTROY);
	ioverbs_cmd_idr(c, UVERBS_SRQ_DESTROY_HANDLE, srq);
	if (resp)
		ioverbs_cmd_out(c, UVERBS_SRQ_DESTROY_RESP, resp,
				sizeof(*resp));
}

void ioverbs_ah_create_prep(const struct ioverbs_client *v,
			    struct ioverbs_cmd *c, u32 pd,
			    const struct ib_uverbs_ah_attr *attr, u32 *ah)
{
	ioverbs_client_cmd_init(v, c, UVERBS_TYPE_AH, UVERBS_ACTION_AH_CREATE);
	ioverbs_cmd_new(c, UVERBS_AH_CREATE_HANDLE, ah);
	ioverbs_cmd_idr(c, UVERBS_AH_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_in(c, UVERBS_AH_CREATE_ATTR, attr, sizeof(*attr));
}

void ioverbs_soft_qp_counters_query_prep(const struct ioverbs_client *v,
					 struct ioverbs_cmd *c, u32 qp,
					 struct soft_qp_counters *out)
{
	ioverbs_client_cmd_init(v, c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_QP_COUNTERS);
	ioverbs_cmd_idr(c, SOFT_QP_COUNTERS_HANDLE, qp);
	ioverbs_cmd_out(c, SOFT_QP_COUNTERS_RESP, out, sizeof(*out));
}

void ioverbs_soft_port_counters_query_prep(const struct ioverbs_client *v,
					   struct ioverbs_cmd *c,
					   const u8 *port,
					   struct soft_port_counters *out)
{
	ioverbs_client_cmd_init(v, c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_PORT_COUNTERS);
	ioverbs_cmd_in(c, SOFT_PORT_COUNTERS_PORT, port, sizeof(*port));
	ioverbs_cmd_out(c, SOFT_PORT_COUNTERS_RESP, out, sizeof(*out));
}

void ioverbs_soft_roce_counters_query_prep(const struct ioverbs_client *v,
					   struct ioverbs_cmd *c,
					   const u8 *port,
					   struct soft_roce_counters *out)
{
	ioverbs_client_cmd_init(v, c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_ROCE_COUNTERS);
	ioverbs_cmd_in(c, SOFT_ROCE_COUNTERS_PORT, port, sizeof(*port));
	ioverbs_cmd_out(c, SOFT_ROCE_COUNTERS_RESP, out, sizeof(*out));
}

void ioverbs_soft_inject_prep(const struct ioverbs_client *v,
			      struct ioverbs_cmd *c, const u32 *what, u32 qp,
			      const u8 *port)
{
	ioverbs_client_cmd_init(v, c, SOFT_TYPE_VENDOR, SOFT_VENDOR_INJECT);
	ioverbs_cmd_in(c, SOFT_INJECT_WHAT, what, sizeof(*what));
	if (qp != IOVERBS_NONE)
		ioverbs_cmd_idr(c, SOFT_INJECT_QP, qp);
	if (port)
		ioverbs_cmd_in(c, SOFT_INJECT_PORT, port, sizeof(*port));
}
