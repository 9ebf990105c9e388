// SPDX-License-Identifier: MIT
/*
 * PD: protection domains.  MRs, QPs, SRQs and AHs name a PD as their
 * parent, so a PD with any of them alive cannot be deallocated (EBUSY).
 */
#include <rdma/ib_verbs_ops.h>

#include "objects.h"

static int uverbs_pd_destroy(struct ib_uobject *uobj,
			     enum rdma_remove_reason why)
{
	struct ib_pd *pd = uobj->object;

	return std_ops(pd->device)->dealloc_pd(pd);
}

static const struct uverbs_obj_type pd_obj_type = {
	.destroy = uverbs_pd_destroy,
};

static int uverbs_pd_alloc(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			   struct uverbs_attr_array *common,
			   struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_PD_ALLOC_HANDLE);
	struct ib_pd *pd;

	pd = std_ops(ib_dev)->alloc_pd(uctx, vendor);
	if (IS_ERR(pd))
		return (int)PTR_ERR(pd);
	pd->device = ib_dev;
	pd->uobject = uobj;
	uobj->object = pd;
	return 0;
}

static const struct uverbs_attr_spec pd_alloc_attrs[] = {
	[UVERBS_PD_ALLOC_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD,
			 .access = UVERBS_ACCESS_NEW } },
};

static const struct uverbs_attr_spec pd_dealloc_attrs[] = {
	[UVERBS_PD_DEALLOC_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD,
			 .access = UVERBS_ACCESS_DESTROY } },
};

/* DEALLOC has nothing to do before the core calls uverbs_pd_destroy(). */
static const struct uverbs_action pd_actions[] = {
	[UVERBS_ACTION_PD_ALLOC] =
		UVERBS_STD_ACTION("PD_ALLOC", uverbs_pd_alloc, pd_alloc_attrs),
	[UVERBS_ACTION_PD_DEALLOC] = UVERBS_STD_ACTION("PD_DEALLOC", NULL,
						       pd_dealloc_attrs),
};

const struct uverbs_type uverbs_pd_type = {
	.name = "PD",
	.actions = pd_actions,
	.num_actions = ARRAY_SIZE(pd_actions),
	.obj = &pd_obj_type,
};
