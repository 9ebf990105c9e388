// SPDX-License-Identifier: MIT
/*
 * One side of a ping-pong on one context (struct ioverbs_ep): its objects,
 * and a data path through the soft device's shared rings or commands.
 * See <ioverbs/verbs.h>.
 */
#include <errno.h>
#include <stdlib.h>

#include <ioverbs/verbs.h>

#include "lib_priv.h"

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
	s->rctx.keys = NULL;
	s->rctx.keys_fd = -1;
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
	u64 start = lib_ms_now();

	if (!s->rings)
		return ioverbs_cq_poll_wait(&s->v, s->cq, wc, timeout_ms);
	for (;;) {
		if (ioverbs_sring_poll(&s->rcq, wc, 1))
			return 0;
		if (ioverbs_sring_wait(&s->rcq, 1000))
			if (lib_ms_now() - start > timeout_ms)
				return -ETIMEDOUT;
	}
}
