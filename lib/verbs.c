// SPDX-License-Identifier: MIT
/*
 * The standard verbs in one call each, over any transport: see
 * <ioverbs/verbs.h>.  Each call is its command's _prep() (lib/prep.c, the
 * one place each command is built) and ioverbs_client_exec().
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioverbs/verbs.h>

#include "lib_priv.h"

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
	v->reason = NULL;
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

/*
 * Why the library refused the calling thread's last command, "" when it
 * sent it.  Per thread, as the device's reasons are: threads share a
 * client.
 */
static __thread char client_error[128];

long ioverbs_client_exec(struct ioverbs_client *v, struct ioverbs_cmd *c)
{
	long ret = ioverbs_cmd_exec(c, v->fn, v->ctx);

	/* Cheap on the data path: a copy only when nothing was sent. */
	if (c->error)
		snprintf(client_error, sizeof(client_error), "%s",
			 ioverbs_cmd_error(c));
	else if (client_error[0])
		client_error[0] = '\0';
	return ret;
}

const char *ioverbs_client_error(const struct ioverbs_client *v)
{
	(void)v;
	return client_error;
}

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

long ioverbs_cq_poll_wait(struct ioverbs_client *v, u32 cq,
			  struct ib_uverbs_wc *wc, unsigned int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000 };
	u64 start = lib_ms_now();
	unsigned int empty = 0;
	u32 count;
	long ret;

	for (;;) {
		ret = ioverbs_cq_poll(v, cq, wc, 1, &count);
		if (ret || count)
			return ret;
		if (lib_ms_now() - start > timeout_ms)
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

long ioverbs_soft_roce_counters_query(struct ioverbs_client *v, u8 port,
				      struct soft_roce_counters *out)
{
	struct ioverbs_cmd c;

	ioverbs_soft_roce_counters_query_prep(v, &c, &port, out);
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
