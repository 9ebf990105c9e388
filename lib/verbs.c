// SPDX-License-Identifier: MIT
/*
 * Verbs in one call each, over any transport: see <ioverbs/verbs.h>.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioverbs/verbs.h>

/* The descriptor travels in ctx itself, so a client may be copied. */
static long client_fd_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	int fd = (int)(uintptr_t)ctx;

	return ioverbs_ioctl_fd(&fd, cmd, arg);
}

void ioverbs_client_fd(struct ioverbs_client *v, int fd)
{
	v->fd = fd;
	v->fn = client_fd_ioctl;
	v->ctx = (void *)(uintptr_t)fd;
}

void ioverbs_client_cmd(struct ioverbs_cmd *c, u16 type, u16 action)
{
	/* A client has no spec tables: the device checks everything. */
	ioverbs_cmd_init(c, NULL, SOFT_DRIVER_ID, type, action);
}

long ioverbs_client_exec(struct ioverbs_client *v, struct ioverbs_cmd *c)
{
	return ioverbs_cmd_exec(c, v->fn, v->ctx);
}

long ioverbs_get_context(struct ioverbs_client *v)
{
	struct ib_uverbs_get_context_resp resp;
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ioverbs_cmd_out(&c, UVERBS_GET_CONTEXT_RESP, &resp, sizeof(resp));
	return ioverbs_client_exec(v, &c);
}

long ioverbs_port_lid(struct ioverbs_client *v, u16 *lid)
{
	struct ib_uverbs_query_port_resp resp;
	struct ioverbs_cmd c;
	u8 port = 1;
	long ret;

	ioverbs_client_cmd(&c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_QUERY_PORT);
	ioverbs_cmd_in(&c, UVERBS_QUERY_PORT_PORT_NUM, &port, sizeof(port));
	ioverbs_cmd_out(&c, UVERBS_QUERY_PORT_RESP, &resp, sizeof(resp));
	ret = ioverbs_client_exec(v, &c);
	*lid = resp.lid;
	return ret;
}

long ioverbs_pd_alloc(struct ioverbs_client *v, u32 *pd)
{
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, pd);
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
	struct ioverbs_cmd c;
	long ret;

	ioverbs_client_cmd(&c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, &resp, sizeof(resp));
	ret = ioverbs_client_exec(v, &c);
	*lkey = resp.lkey;
	*rkey = resp.rkey;
	return ret;
}

long ioverbs_cq_create(struct ioverbs_client *v, u32 cqe, u32 *cq, u32 *cqe_out)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xc0,
					       .cqe = cqe };
	struct ib_uverbs_cq_create_resp resp = { 0 };
	struct ioverbs_cmd c;
	long ret;

	ioverbs_client_cmd(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
	ioverbs_cmd_new(&c, UVERBS_CQ_CREATE_HANDLE, cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_CREATE_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_CQ_CREATE_RESP, &resp, sizeof(resp));
	ret = ioverbs_client_exec(v, &c);
	*cqe_out = resp.cqe;
	return ret;
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
	struct ioverbs_cmd c;
	long ret;

	ioverbs_client_cmd(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_CREATE);
	ioverbs_cmd_new(&c, UVERBS_QP_CREATE_HANDLE, qp);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SEND_CQ, cq);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_RECV_CQ, cq);
	ioverbs_cmd_in(&c, UVERBS_QP_CREATE_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_QP_CREATE_RESP, &resp, sizeof(resp));
	ret = ioverbs_client_exec(v, &c);
	*qpn = resp.qpn;
	*cap_out = resp.cap;
	return ret;
}

long ioverbs_qp_modify(struct ioverbs_client *v, u32 qp,
		       const struct ib_uverbs_qp_attr *a)
{
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_QP_MODIFY_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_MODIFY_CMD, a, sizeof(*a));
	return ioverbs_client_exec(v, &c);
}

long ioverbs_qp_connect_rc(struct ioverbs_client *v, u32 qp, u16 dlid, u32 dqpn,
			   u8 rnr_retry)
{
	struct ib_uverbs_qp_attr init = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS,
		.qp_state = IB_UVERBS_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE |
				   IB_UVERBS_ACCESS_REMOTE_READ |
				   IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	};
	struct ib_uverbs_qp_attr rtr = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_AV |
			     IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_DEST_QPN |
			     IB_UVERBS_QP_RQ_PSN |
			     IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			     IB_UVERBS_QP_MIN_RNR_TIMER,
		.qp_state = IB_UVERBS_QPS_RTR,
		.ah_attr = { .dlid = dlid, .port_num = 1 },
		.path_mtu = IB_UVERBS_MTU_4096,
		.dest_qp_num = dqpn,
		.max_dest_rd_atomic = 4,
		.min_rnr_timer = 1,
	};
	struct ib_uverbs_qp_attr rts = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_TIMEOUT |
			     IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_SQ_PSN |
			     IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
		.qp_state = IB_UVERBS_QPS_RTS,
		.timeout = 14,
		.retry_cnt = 7,
		.rnr_retry = rnr_retry,
		.max_rd_atomic = 4,
	};
	long ret;

	ret = ioverbs_qp_modify(v, qp, &init);
	if (!ret)
		ret = ioverbs_qp_modify(v, qp, &rtr);
	if (!ret)
		ret = ioverbs_qp_modify(v, qp, &rts);
	return ret;
}

u8 ioverbs_qp_state(struct ioverbs_client *v, u32 qp)
{
	struct ib_uverbs_qp_query_resp resp = { 0 };
	u32 mask = IB_UVERBS_QP_STATE;
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_QUERY);
	ioverbs_cmd_idr(&c, UVERBS_QP_QUERY_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_QUERY_MASK, &mask, sizeof(mask));
	ioverbs_cmd_out(&c, UVERBS_QP_QUERY_RESP, &resp, sizeof(resp));
	if (ioverbs_client_exec(v, &c))
		return 0xff;
	return resp.attr.qp_state;
}

long ioverbs_destroy(struct ioverbs_client *v, u16 type, u16 action, u16 id,
		     u32 handle)
{
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, type, action);
	ioverbs_cmd_idr(&c, id, handle);
	return ioverbs_client_exec(v, &c);
}

long ioverbs_async_event(struct ioverbs_client *v,
			 struct ib_uverbs_async_event_desc *d)
{
	struct ioverbs_cmd c;

	ioverbs_client_cmd(&c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT);
	ioverbs_cmd_out(&c, UVERBS_GET_ASYNC_EVENT_RESP, d, sizeof(*d));
	return ioverbs_client_exec(v, &c);
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
	ret = ioverbs_get_context(&s->v);
	if (!ret)
		ret = ioverbs_port_lid(&s->v, &s->lid);
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
	ioverbs_destroy(&s->v, UVERBS_TYPE_QP, UVERBS_ACTION_QP_DESTROY,
			UVERBS_QP_DESTROY_HANDLE, s->qp);
	ioverbs_destroy(&s->v, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_DESTROY,
			UVERBS_CQ_DESTROY_HANDLE, s->cq);
	ioverbs_destroy(&s->v, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG,
			UVERBS_MR_DEREG_HANDLE, s->mr);
	ioverbs_destroy(&s->v, UVERBS_TYPE_PD, UVERBS_ACTION_PD_DEALLOC,
			UVERBS_PD_DEALLOC_HANDLE, s->pd);
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
	struct ioverbs_cmd c;
	u32 bad;

	if (s->rings)
		return ioverbs_sring_post_send(&s->rqp, wr, sge);
	ioverbs_client_cmd(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, s->qp);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_WR, wr, sizeof(*wr));
	if (wr->num_sge)
		ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_SGE, sge,
			       wr->num_sge * sizeof(*sge));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_SEND_BAD_WR, &bad, sizeof(bad));
	return ioverbs_client_exec(&s->v, &c);
}

long ioverbs_ep_post_recv(struct ioverbs_ep *s, u64 wr_id, u64 off, u32 len)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)(s->buf + off),
		.length = len,
		.lkey = s->lkey,
	};
	struct ioverbs_cmd c;
	u32 bad;

	if (s->rings)
		return ioverbs_sring_post_recv(&s->rqp, &wr, &sge);
	ioverbs_client_cmd(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_RECV);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_RECV_HANDLE, s->qp);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_RECV_WR, &wr, sizeof(wr));
	ioverbs_cmd_in(&c, UVERBS_QP_POST_RECV_SGE, &sge, sizeof(sge));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_RECV_BAD_WR, &bad, sizeof(bad));
	return ioverbs_client_exec(&s->v, &c);
}

static u64 ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

long ioverbs_ep_poll(struct ioverbs_ep *s, struct ib_uverbs_wc *wc,
		     unsigned int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000 };
	u64 start = ms_now();
	struct ioverbs_cmd c;
	u32 count;
	long ret;

	for (;;) {
		if (s->rings) {
			if (ioverbs_sring_poll(&s->rcq, wc, 1))
				return 0;
			if (ioverbs_sring_wait(&s->rcq, 1000))
				if (ms_now() - start > timeout_ms)
					return -ETIMEDOUT;
			continue;
		}
		count = 0;
		ioverbs_client_cmd(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
		ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, s->cq);
		ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, wc, sizeof(*wc));
		ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, &count,
				sizeof(count));
		ret = ioverbs_client_exec(&s->v, &c);
		if (ret)
			return ret;
		if (count)
			return 0;
		if (ms_now() - start > timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
}
