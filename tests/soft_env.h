/* SPDX-License-Identifier: MIT */
/*
 * What the soft-device tests share: a types table with just the CQ, QP
 * and SRQ types (the vendor actions name them; objects come from the ops) and
 * the environment a test opens, as GET_CONTEXT would leave it.
 */
#ifndef _TESTS_SOFT_ENV_H
#define _TESTS_SOFT_ENV_H

#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>
#include "../drivers/soft/soft.h"

/* The types the vendor actions name; objects come from the ops here. */
static int test_qp_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	struct ib_qp *qp = uobj->object;

	return to_verbs_dev(qp->device)->ops->destroy_qp(qp);
}

static const struct uverbs_obj_type test_qp_obj = {
	.destroy = test_qp_destroy,
};

static const struct uverbs_type test_qp_type = {
	.name = "QP",
	.obj = &test_qp_obj,
};

/* The CQ type, which SOFT_VENDOR_ATTACH names too. */
static int test_cq_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	struct ib_cq *cq = uobj->object;

	return to_verbs_dev(cq->device)->ops->destroy_cq(cq);
}

static const struct uverbs_obj_type test_cq_obj = {
	.destroy = test_cq_destroy,
};

static const struct uverbs_type test_cq_type = {
	.name = "CQ",
	.obj = &test_cq_obj,
};

/* The SRQ type, which SOFT_VENDOR_ATTACH names too. */
static int test_srq_destroy(struct ib_uobject *uobj,
			    enum rdma_remove_reason why)
{
	struct ib_srq *srq = uobj->object;

	return to_verbs_dev(srq->device)->ops->destroy_srq(srq);
}

static const struct uverbs_obj_type test_srq_obj = {
	.destroy = test_srq_destroy,
};

static const struct uverbs_type test_srq_type = {
	.name = "SRQ",
	.obj = &test_srq_obj,
};

static const struct uverbs_type *const test_std_type_ptrs[] = {
	[UVERBS_TYPE_CQ] = &test_cq_type,
	[UVERBS_TYPE_QP] = &test_qp_type,
	[UVERBS_TYPE_SRQ] = &test_srq_type,
};

static const struct uverbs_types test_std_types = {
	.types = test_std_type_ptrs,
	.num_types = ARRAY_SIZE(test_std_type_ptrs),
	.name = "test-std",
};

/* A device, a file and a context on it, as GET_CONTEXT would leave them. */
struct env {
	struct ib_device *dev;
	struct soft_device *sdev;
	const struct ib_device_ops *ops;
	struct ib_uverbs_file *f;
	struct ib_ucontext *uctx;
	struct ib_uobject uobj;	/* every object's uobject: only ->context counts */
};

#endif /* _TESTS_SOFT_ENV_H */
