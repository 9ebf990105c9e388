/* SPDX-License-Identifier: MIT */
/*
 * One side of a connection on a soft device, as the data-path tests
 * (test_soft_data.c, test_soft_roce.c) open it through the ops: a PD, a
 * CQ, a QP on both, and a buffer registered with every access.
 */
#ifndef _TESTS_SOFT_SIDE_H
#define _TESTS_SOFT_SIDE_H

#include <stdlib.h>

#include "harness.h"
#include "soft_env.h"

/* A device built from @cfg, a file and a context, as GET_CONTEXT leaves them. */
static inline void env_open_cfg(struct env *e,
				const struct soft_device_config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->dev = soft_device_create(cfg);
	ASSERT_TRUE(!IS_ERR(e->dev));
	e->sdev = to_soft_dev(e->dev);
	e->ops = to_verbs_dev(e->dev)->ops;
	e->f = ib_uverbs_open(e->dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(e->f));
	e->uctx = uverbs_ucontext_alloc(e->dev, e->f);
	ASSERT_TRUE(!IS_ERR(e->uctx));
	ASSERT_OK(e->ops->alloc_ucontext(e->uctx, NULL));
	e->uobj.context = e->uctx;
}

static inline void env_close(struct env *e)
{
	e->dev->dealloc_ucontext(e->uctx);
	uverbs_ucontext_abort(e->uctx);
	ib_uverbs_release(e->f);
	soft_device_destroy(e->dev);
}

/* One side of a connection: PD, CQ, QP, a buffer and its MR. */
struct side {
	struct env *e;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *qp;
	u8 *buf;
	size_t len;
	struct ib_mr *mr;
};

#define ACC_ALL (IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE | \
		 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)

static inline struct ib_mr *mr_reg_ok(struct side *s, void *start, u64 len,
				      u32 access)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = (u64)(uintptr_t)start, .length = len,
		.hca_va = (u64)(uintptr_t)start, .access_flags = access,
	};
	struct ib_mr *mr = s->e->ops->reg_mr(s->pd, &cmd, NULL);

	ASSERT_TRUE(!IS_ERR(mr));
	mr->device = s->e->dev;
	mr->uobject = &s->e->uobj;
	mr->pd = s->pd;
	return mr;
}

/*
 * A PD, a CQ of @cqe entries, a QP of @type on it (64 WRs, 4 SGEs and
 * 128 inline bytes each way; every send signaled if @sig_all) and @len
 * zeroed bytes registered with ACC_ALL.
 */
static inline void side_open(struct side *s, struct env *e, u8 type, u32 cqe,
			     size_t len, bool sig_all)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 7, .cqe = cqe };
	struct ib_uverbs_qp_create_cmd qcmd = {
		.user_handle = 9, .qp_type = type, .sq_sig_all = sig_all,
		.cap = { .max_send_wr = 64, .max_recv_wr = 64,
			 .max_send_sge = 4, .max_recv_sge = 4,
			 .max_inline_data = 128 },
	};

	memset(s, 0, sizeof(*s));
	s->e = e;
	s->pd = e->ops->alloc_pd(e->uctx, NULL);
	ASSERT_TRUE(!IS_ERR(s->pd));
	s->pd->device = e->dev;
	s->pd->uobject = &e->uobj;
	s->cq = e->ops->create_cq(e->uctx, &ccmd, NULL);
	ASSERT_TRUE(!IS_ERR(s->cq));
	s->cq->device = e->dev;
	s->cq->uobject = &e->uobj;
	s->qp = e->ops->create_qp(s->pd, &qcmd, NULL);
	ASSERT_TRUE(!IS_ERR(s->qp));
	s->qp->device = e->dev;
	s->qp->uobject = &e->uobj;
	s->qp->pd = s->pd;
	s->qp->send_cq = s->cq;
	s->qp->recv_cq = s->cq;
	s->len = len;
	s->buf = calloc(1, len);
	ASSERT_TRUE(s->buf != NULL);
	s->mr = mr_reg_ok(s, s->buf, len, ACC_ALL);
}

static inline void side_close(struct side *s)
{
	const struct ib_device_ops *ops = s->e->ops;

	ASSERT_OK(ops->destroy_qp(s->qp));
	ASSERT_OK(ops->dereg_mr(s->mr));
	ASSERT_OK(ops->destroy_cq(s->cq));
	ASSERT_OK(ops->dealloc_pd(s->pd));
	free(s->buf);
}

static inline struct ib_uverbs_sge sge_of(struct side *s, u64 off, u32 len)
{
	struct ib_uverbs_sge sge = {
		.addr = (u64)(uintptr_t)(s->buf + off), .length = len,
		.lkey = s->mr->lkey,
	};
	return sge;
}

static inline void post_recv_ok(struct side *s, u64 wr_id,
				const struct ib_uverbs_sge *sge, u32 num_sge)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = num_sge };
	u32 bad = 99;

	ASSERT_OK(s->e->ops->post_recv(s->qp, &wr, 1, sge, num_sge, &bad));
}

/* @n bytes at @p of a pattern that differs with @seed and every offset. */
static inline void fill_pattern(u8 *p, size_t n, u32 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(i * 131 + seed + (i >> 8));
}

#endif /* _TESTS_SOFT_SIDE_H */
