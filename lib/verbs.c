// SPDX-License-Identifier: MIT
/*
 * The standard verbs in one call each, over any transport: see
 * <ioverbs/verbs.h>.  Every command the project sends for a verb is built
 * here, once.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioverbs/verbs.h>

/* The descriptor travels in ctx itself, so a client may be copied. */
static long client_fd_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	int fd = (int)(uintptr_t)ctx;

	return ioverbs_fd_ioctl(&fd, cmd, arg);
}

void ioverbs_client_init(struct ioverbs_client *v, ioverbs_ioctl_fn fn,
			 void *ctx)
{
	v->fn = fn;
	v->ctx = ctx;
	v->fd = -1;
	v->types = NULL;
	v->driver_id = SOFT_DRIVER_ID;
	v->error[0] = '\0';
}

void ioverbs_client_init_fd(struct ioverbs_client *v, int fd)
{
	ioverbs_client_init(v, client_fd_ioctl, (void *)(uintptr_t)fd);
	v->fd = fd;
}

void ioverbs_client_spec_set(struct ioverbs_client *v,
			     const struct uverbs_types *types, u16 driver_id)
{
	v->types = types;
	v->driver_id = driver_id;
}

void ioverbs_client_cmd_init(const struct ioverbs_client *v,
			     struct ioverbs_cmd *c, u16 type, u16 action)
{
	ioverbs_cmd_init(c, v->types, v->driver_id, type, action);
}

long ioverbs_client_exec(struct ioverbs_client *v, struct ioverbs_cmd *c)
{
	long ret = ioverbs_cmd_exec(c, v->fn, v->ctx);

	/* Cheap on the data path: a copy only when nothing was sent. */
	if (c->error)
		snprintf(v->error, sizeof(v->error), "%s",
			 ioverbs_cmd_error(c));
	else
		v->error[0] = '\0';
	return ret;
}

const char *ioverbs_client_error(const struct ioverbs_client *v)
{
	return v->error;
}

/* --- building: one _prep() per command, the only place each is built --- */

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

/* --- one call, one command: the _prep() above, then the transport --- */

long ioverbs_context_get_ex(struct ioverbs_client *v,
			    struct ib_uverbs_get_context_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_context_get_prep(v, &c, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_context_get(struct ioverbs_client *v)
{
	struct ib_uverbs_get_context_resp resp;

	return ioverbs_context_get_ex(v, &resp);
}

long ioverbs_device_query(struct ioverbs_client *v,
			  struct ib_uverbs_query_device_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_device_query_prep(v, &c, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_port_query(struct ioverbs_client *v, u8 port,
			struct ib_uverbs_query_port_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_port_query_prep(v, &c, &port, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_port_query_lid(struct ioverbs_client *v, u16 *lid)
{
	struct ib_uverbs_query_port_resp resp = { 0 };
	long ret;

	ret = ioverbs_port_query(v, 1, &resp);
	*lid = resp.lid;
	return ret;
}

long ioverbs_port_query_gid(struct ioverbs_client *v, u8 port, u32 index,
			    struct ib_uverbs_gid *gid)
{
	struct ioverbs_cmd c;

	ioverbs_port_query_gid_prep(v, &c, &port, &index, gid);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_port_query_pkey(struct ioverbs_client *v, u8 port, u32 index,
			     u16 *pkey)
{
	struct ioverbs_cmd c;

	ioverbs_port_query_pkey_prep(v, &c, &port, &index, pkey);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_async_event_get(struct ioverbs_client *v,
			     struct ib_uverbs_async_event_desc *d)
{
	struct ioverbs_cmd c;

	ioverbs_async_event_get_prep(v, &c, d);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_object_destroy(struct ioverbs_client *v, u16 type, u16 action,
			    u16 id, u32 handle)
{
	struct ioverbs_cmd c;

	ioverbs_object_destroy_prep(v, &c, type, action, id, handle);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_pd_alloc(struct ioverbs_client *v, u32 *pd)
{
	struct ioverbs_cmd c;

	ioverbs_pd_alloc_prep(v, &c, pd);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_pd_dealloc(struct ioverbs_client *v, u32 pd)
{
	return ioverbs_object_destroy(v, UVERBS_TYPE_PD,
				      UVERBS_ACTION_PD_DEALLOC,
				      UVERBS_PD_DEALLOC_HANDLE, pd);
}

long ioverbs_mr_reg_ex(struct ioverbs_client *v, u32 pd,
		       const struct ib_uverbs_mr_reg_cmd *cmd, u32 *mr,
		       struct ib_uverbs_mr_reg_resp *resp)
{
	struct ib_uverbs_mr_reg_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_mr_reg_prep(v, &c, pd, cmd, mr, resp ? resp : &dummy);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_mr_reg(struct ioverbs_client *v, u32 pd, void *buf, size_t len,
		    u32 access, u32 *mr, u32 *lkey, u32 *rkey)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = (uintptr_t)buf,
		.length = len,
		.hca_va = (uintptr_t)buf,
		.access_flags = access,
	};
	struct ib_uverbs_mr_reg_resp resp = { 0 };
	long ret;

	ret = ioverbs_mr_reg_ex(v, pd, &cmd, mr, &resp);
	if (lkey)
		*lkey = resp.lkey;
	if (rkey)
		*rkey = resp.rkey;
	return ret;
}

long ioverbs_mr_dereg(struct ioverbs_client *v, u32 mr)
{
	return ioverbs_object_destroy(v, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG,
				      UVERBS_MR_DEREG_HANDLE, mr);
}

long ioverbs_comp_channel_create(struct ioverbs_client *v, int bind, int *fd)
{
	struct ioverbs_cmd c;

	ioverbs_comp_channel_create_prep(v, &c, bind, fd);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_comp_channel_destroy(struct ioverbs_client *v, int fd)
{
	struct ioverbs_cmd c;

	ioverbs_comp_channel_destroy_prep(v, &c, fd);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_comp_channel_get_event(struct ioverbs_client *v, int fd,
				    struct ib_uverbs_comp_event_desc *desc)
{
	struct ioverbs_cmd c;

	ioverbs_comp_channel_get_event_prep(v, &c, fd, desc);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_cq_create_ex(struct ioverbs_client *v,
			  const struct ib_uverbs_cq_create_cmd *cmd,
			  int channel, u32 *cq,
			  struct ib_uverbs_cq_create_resp *resp)
{
	struct ib_uverbs_cq_create_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_cq_create_prep(v, &c, cmd, channel, cq, resp ? resp : &dummy);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_cq_create(struct ioverbs_client *v, u32 cqe, u32 *cq, u32 *cqe_out)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xc0,
					       .cqe = cqe };
	struct ib_uverbs_cq_create_resp resp = { 0 };
	long ret;

	ret = ioverbs_cq_create_ex(v, &cmd, -1, cq, &resp);
	if (cqe_out)
		*cqe_out = resp.cqe;
	return ret;
}

long ioverbs_cq_destroy(struct ioverbs_client *v, u32 cq,
			struct ib_uverbs_cq_destroy_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_cq_destroy_prep(v, &c, cq, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_cq_resize(struct ioverbs_client *v, u32 cq, u32 cqe,
		       struct ib_uverbs_cq_resize_resp *resp)
{
	struct ib_uverbs_cq_resize_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_cq_resize_prep(v, &c, cq, &cqe, resp ? resp : &dummy);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_cq_req_notify(struct ioverbs_client *v, u32 cq, u32 solicited)
{
	struct ioverbs_cmd c;

	ioverbs_cq_req_notify_prep(v, &c, cq, &solicited);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_cq_poll(struct ioverbs_client *v, u32 cq, struct ib_uverbs_wc *wc,
		     u32 num, u32 *count)
{
	struct ioverbs_cmd c;

	*count = 0;
	ioverbs_cq_poll_prep(v, &c, cq, wc, num, count);
	return ioverbs_client_exec(v, &c);
}

static u64 ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

long ioverbs_cq_poll_wait(struct ioverbs_client *v, u32 cq,
			  struct ib_uverbs_wc *wc, unsigned int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000 };
	u64 start = ms_now();
	unsigned int empty = 0;
	u32 count;
	long ret;

	for (;;) {
		ret = ioverbs_cq_poll(v, cq, wc, 1, &count);
		if (ret || count)
			return ret;
		if (ms_now() - start > timeout_ms)
			return -ETIMEDOUT;
		/*
		 * Yield first; then really sleep, for a scheduler that
		 * serializes threads (valgrind's) or a loaded machine.
		 */
		if (++empty < 64)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}

long ioverbs_qp_create_ex(struct ioverbs_client *v,
			  const struct ib_uverbs_qp_create_cmd *cmd, u32 pd,
			  u32 send_cq, u32 recv_cq, u32 srq, u32 *qp,
			  struct ib_uverbs_qp_create_resp *resp)
{
	struct ib_uverbs_qp_create_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_qp_create_prep(v, &c, cmd, pd, send_cq, recv_cq, srq, qp,
			       resp ? resp : &dummy);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_create(struct ioverbs_client *v, u8 type, u32 pd, u32 cq,
		       const struct ib_uverbs_qp_cap *cap, u32 *qp, u32 *qpn,
		       struct ib_uverbs_qp_cap *cap_out)
{
	struct ib_uverbs_qp_create_cmd cmd = {
		.user_handle = 0x9b,
		.qp_type = type,
		.cap = *cap,
	};
	struct ib_uverbs_qp_create_resp resp = { 0 };
	long ret;

	ret = ioverbs_qp_create_ex(v, &cmd, pd, cq, cq, IOVERBS_NONE, qp,
				   &resp);
	if (qpn)
		*qpn = resp.qpn;
	if (cap_out)
		*cap_out = resp.cap;
	return ret;
}

long ioverbs_qp_modify(struct ioverbs_client *v, u32 qp,
		       const struct ib_uverbs_qp_attr *a)
{
	struct ioverbs_cmd c;

	ioverbs_qp_modify_prep(v, &c, qp, a);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_query(struct ioverbs_client *v, u32 qp, u32 mask,
		      struct ib_uverbs_qp_query_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_qp_query_prep(v, &c, qp, &mask, resp);
	return ioverbs_client_exec(v, &c);
}

u8 ioverbs_qp_query_state(struct ioverbs_client *v, u32 qp)
{
	struct ib_uverbs_qp_query_resp resp = { 0 };

	if (ioverbs_qp_query(v, qp, IB_UVERBS_QP_STATE, &resp))
		return 0xff;
	return resp.attr.qp_state;
}

long ioverbs_qp_destroy(struct ioverbs_client *v, u32 qp,
			struct ib_uverbs_qp_destroy_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_qp_destroy_prep(v, &c, qp, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_post_send(struct ioverbs_client *v, u32 qp,
			  const struct ib_uverbs_send_wr *wr, u32 num_wr,
			  const struct ib_uverbs_sge *sge, u32 num_sge,
			  u32 *bad_wr)
{
	struct ioverbs_cmd c;

	ioverbs_qp_post_send_prep(v, &c, qp, wr, num_wr, sge, num_sge, bad_wr);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_post_recv(struct ioverbs_client *v, u32 qp,
			  const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			  const struct ib_uverbs_sge *sge, u32 num_sge,
			  u32 *bad_wr)
{
	struct ioverbs_cmd c;

	ioverbs_qp_post_recv_prep(v, &c, qp, wr, num_wr, sge, num_sge, bad_wr);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_srq_create(struct ioverbs_client *v, u32 pd,
			const struct ib_uverbs_srq_create_cmd *cmd, u32 *srq,
			struct ib_uverbs_srq_create_resp *resp)
{
	struct ib_uverbs_srq_create_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_srq_create_prep(v, &c, pd, cmd, srq, resp ? resp : &dummy);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_srq_modify(struct ioverbs_client *v, u32 srq,
			const struct ib_uverbs_srq_modify_cmd *cmd)
{
	struct ioverbs_cmd c;

	ioverbs_srq_modify_prep(v, &c, srq, cmd);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_srq_destroy(struct ioverbs_client *v, u32 srq,
			 struct ib_uverbs_srq_destroy_resp *resp)
{
	struct ioverbs_cmd c;

	ioverbs_srq_destroy_prep(v, &c, srq, resp);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_srq_post_recv(struct ioverbs_client *v, u32 srq,
			   const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   u32 *bad_wr)
{
	struct ioverbs_cmd c;

	ioverbs_srq_post_recv_prep(v, &c, srq, wr, num_wr, sge, num_sge,
				   bad_wr);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_ah_create(struct ioverbs_client *v, u32 pd,
		       const struct ib_uverbs_ah_attr *attr, u32 *ah)
{
	struct ioverbs_cmd c;

	ioverbs_ah_create_prep(v, &c, pd, attr, ah);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_ah_destroy(struct ioverbs_client *v, u32 ah)
{
	return ioverbs_object_destroy(v, UVERBS_TYPE_AH,
				      UVERBS_ACTION_AH_DESTROY,
				      UVERBS_AH_DESTROY_HANDLE, ah);
}

long ioverbs_soft_qp_counters_query(struct ioverbs_client *v, u32 qp,
				    struct soft_qp_counters *out)
{
	struct ioverbs_cmd c;

	ioverbs_soft_qp_counters_query_prep(v, &c, qp, out);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_soft_port_counters_query(struct ioverbs_client *v, u8 port,
				      struct soft_port_counters *out)
{
	struct ioverbs_cmd c;

	ioverbs_soft_port_counters_query_prep(v, &c, &port, out);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_soft_inject(struct ioverbs_client *v, u32 what, u32 qp, int port)
{
	struct ioverbs_cmd c;
	u8 p = (u8)port;

	ioverbs_soft_inject_prep(v, &c, &what, qp, port >= 0 ? &p : NULL);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_connect(struct ioverbs_client *v, u32 qp,
			const struct ioverbs_qp_peer *p)
{
	struct ib_uverbs_qp_attr init = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT,
		.qp_state = IB_UVERBS_QPS_INIT,
		.port_num = 1,
	};
	struct ib_uverbs_qp_attr rtr = {
		.attr_mask = IB_UVERBS_QP_STATE,
		.qp_state = IB_UVERBS_QPS_RTR,
	};
	struct ib_uverbs_qp_attr rts = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_SQ_PSN,
		.qp_state = IB_UVERBS_QPS_RTS,
	};
	long ret;

	if (p->qp_type == IB_UVERBS_QPT_UD) {
		init.attr_mask |= IB_UVERBS_QP_QKEY;
		init.qkey = p->qkey;
	} else {
		init.attr_mask |= IB_UVERBS_QP_ACCESS_FLAGS;
		init.qp_access_flags = p->access;
		rtr.attr_mask |= IB_UVERBS_QP_AV | IB_UVERBS_QP_PATH_MTU |
				 IB_UVERBS_QP_DEST_QPN | IB_UVERBS_QP_RQ_PSN;
		rtr.ah_attr.dlid = p->dlid;
		rtr.ah_attr.port_num = 1;
		rtr.path_mtu = IB_UVERBS_MTU_4096;
		rtr.dest_qp_num = p->dest_qpn;
	}
	if (p->qp_type == IB_UVERBS_QPT_RC) {
		rtr.attr_mask |= IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
				 IB_UVERBS_QP_MIN_RNR_TIMER;
		rtr.max_dest_rd_atomic = p->rd_atomic;
		rtr.min_rnr_timer = 1; /* 10 us */
		rts.attr_mask |= IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT |
				 IB_UVERBS_QP_RNR_RETRY |
				 IB_UVERBS_QP_MAX_QP_RD_ATOMIC;
		rts.timeout = 14;
		rts.retry_cnt = 7;
		rts.rnr_retry = p->rnr_retry;
		rts.max_rd_atomic = p->rd_atomic;
	}
	ret = ioverbs_qp_modify(v, qp, &init);
	if (!ret)
		ret = ioverbs_qp_modify(v, qp, &rtr);
	if (!ret)
		ret = ioverbs_qp_modify(v, qp, &rts);
	return ret;
}

long ioverbs_qp_connect_rc(struct ioverbs_client *v, u32 qp, u16 dlid, u32 dqpn,
			   u8 rnr_retry)
{
	const struct ioverbs_qp_peer p = {
		.qp_type = IB_UVERBS_QPT_RC,
		.dlid = dlid,
		.dest_qpn = dqpn,
		.access = IB_UVERBS_ACCESS_REMOTE_WRITE |
			  IB_UVERBS_ACCESS_REMOTE_READ |
			  IB_UVERBS_ACCESS_REMOTE_ATOMIC,
		.rnr_retry = rnr_retry,
		.rd_atomic = 4,
	};

	return ioverbs_qp_connect(v, qp, &p);
}

#define ACC_ALL                                                         \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE | \
	 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)

long ioverbs_ep_open(struct ioverbs_ep *s, size_t len, bool rings)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 64,
		.max_recv_wr = 64,
		.max_send_sge = 2,
		.max_recv_sge = 2,
		.max_inline_data = 64,
	};
	long ret;

	s->len = len;
	s->rings = rings;
	s->rctx.fd = -1;
	s->rctx.kick = -1;
	s->rcq.fd = -1;
	s->rqp.fd = -1;
	s->buf = calloc(1, len);
	if (!s->buf)
		return -ENOMEM;
	ret = ioverbs_context_get(&s->v);
	if (!ret)
		ret = ioverbs_port_query_lid(&s->v, &s->lid);
	if (!ret)
		ret = ioverbs_pd_alloc(&s->v, &s->pd);
	if (!ret)
		ret = ioverbs_mr_reg(&s->v, s->pd, s->buf, len, ACC_ALL, &s->mr,
				     &s->lkey, &s->rkey);
	if (!ret)
		ret = ioverbs_cq_create(&s->v, 256, &s->cq, &s->cqe);
	if (!ret)
		ret = ioverbs_qp_create(&s->v, IB_UVERBS_QPT_RC, s->pd, s->cq,
					&cap, &s->qp, &s->qpn, &s->cap);
	if (ret || !rings)
		return ret;
	ret = ioverbs_sring_ctx_attach(&s->rctx, s->v.fn, s->v.ctx);
	if (!ret)
		ret = ioverbs_sring_cq_attach(&s->rcq, s->cq, s->cqe, s->v.fn,
					      s->v.ctx);
	if (!ret)
		ret = ioverbs_sring_qp_attach(&s->rqp, &s->rctx, s->qp, &s->cap,
					      s->v.fn, s->v.ctx);
	return ret;
}

long ioverbs_ep_connect(struct ioverbs_ep *s, const struct ioverbs_ep *peer,
			u8 rnr_retry)
{
	return ioverbs_qp_connect_rc(&s->v, s->qp, peer->lid, peer->qpn,
				     rnr_retry);
}

void ioverbs_ep_close(struct ioverbs_ep *s)
{
	ioverbs_qp_destroy(&s->v, s->qp, NULL);
	ioverbs_cq_destroy(&s->v, s->cq, NULL);
	ioverbs_mr_dereg(&s->v, s->mr);
	ioverbs_pd_dealloc(&s->v, s->pd);
	if (s->rings) {
		ioverbs_sring_qp_detach(&s->rqp);
		ioverbs_sring_cq_detach(&s->rcq);
		ioverbs_sring_ctx_detach(&s->rctx);
	}
	free(s->buf);
	s->buf = NULL;
}

long ioverbs_ep_post_send(struct ioverbs_ep *s, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *sge)
{
	if (s->rings)
		return ioverbs_sring_post_send(&s->rqp, wr, sge);
	return ioverbs_qp_post_send(&s->v, s->qp, wr, 1, sge, wr->num_sge,
				    NULL);
}

long ioverbs_ep_post_recv(struct ioverbs_ep *s, u64 wr_id, u64 off, u32 len)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)(s->buf + off),
		.length = len,
		.lkey = s->lkey,
	};

	if (s->rings)
		return ioverbs_sring_post_recv(&s->rqp, &wr, &sge);
	return ioverbs_qp_post_recv(&s->v, s->qp, &wr, 1, &sge, 1, NULL);
}

long ioverbs_ep_poll(struct ioverbs_ep *s, struct ib_uverbs_wc *wc,
		     unsigned int timeout_ms)
{
	u64 start = ms_now();

	if (!s->rings)
		return ioverbs_cq_poll_wait(&s->v, s->cq, wc, timeout_ms);
	for (;;) {
		if (ioverbs_sring_poll(&s->rcq, wc, 1))
			return 0;
		if (ioverbs_sring_wait(&s->rcq, 1000))
			if (ms_now() - start > timeout_ms)
				return -ETIMEDOUT;
	}
}
