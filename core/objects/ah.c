// SPDX-License-Identifier: MIT
/*
 * AH: address handles, for UD sends.  CREATE checks the port and source
 * GID index and holds the PD.  A UD send resolves its AH handle with
 * uverbs_ah_attr_get(), which locks the AH shared while it copies it.
 */
#include <rdma/ib_verbs_ops.h>

#include "../core_priv.h"
#include <rdma/uverbs_layouts.h>

#include "objects.h"

static int uverbs_ah_destroy_obj(struct ib_uobject *uobj,
				 enum rdma_remove_reason why)
{
	struct ib_ah *ah = uobj->object;

	return std_ops(ah->device)->destroy_ah(ah);
}

static const struct uverbs_obj_type ah_obj_type = {
	.destroy = uverbs_ah_destroy_obj,
};

static int uverbs_ah_create(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj =
		uverbs_attr_obj(common, UVERBS_AH_CREATE_HANDLE);
	struct ib_pd *pd =
		uverbs_attr_obj(common, UVERBS_AH_CREATE_PD_HANDLE)->object;
	const struct ib_uverbs_ah_attr *attr =
		uverbs_attr_in(common, UVERBS_AH_CREATE_ATTR);
	struct ib_ah *ah;
	int ret;

	ret = std_check_ah_attr(ib_dev, attr);
	if (ret)
		return ret;
	ah = std_ops(ib_dev)->create_ah(pd, attr, vendor);
	if (IS_ERR(ah))
		return (int)PTR_ERR(ah);
	ah->device = ib_dev;
	ah->uobject = uobj;
	ah->pd = pd;
	ah->attr = *attr;
	uobj->object = ah;
	return 0;
}

/**
 * uverbs_ah_attr_get() - the address of an AH named by a UD work request
 * @uctx: the context the posting QP belongs to
 * @handle: the AH handle from the WR
 * @attr: filled with the AH's address vector
 *
 * Called by a driver's post_send, within the posting command (its RCU read
 * section keeps the handle table's entry from being freed under the
 * lookup).  The AH is locked READ while it is copied, so a concurrent
 * AH_DESTROY cannot free it under us, and is unlocked before return.
 * Return: 0, -ENOENT (no such AH, or one not yet committed or already
 * destroyed), -EINVAL (a handle of another type), -EBUSY (being destroyed
 * right now: its DESTROY holds it exclusively).
 */
int uverbs_ah_attr_get(struct ib_ucontext *uctx, u32 handle,
		       struct ib_uverbs_ah_attr *attr)
{
	struct ib_uobject *uobj;

	uobj = uverbs_uobject_fetch(uctx, UVERBS_TYPE_AH, &uverbs_ah_type,
				    handle, UVERBS_ACCESS_READ, false);
	if (IS_ERR(uobj))
		return (int)PTR_ERR(uobj);
	*attr = ((struct ib_ah *)uobj->object)->attr;
	uverbs_uobject_unlock(uobj, UVERBS_ACCESS_READ);
	return 0;
}

static const struct uverbs_attr_spec ah_create_attrs[] = {
	[UVERBS_AH_CREATE_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_AH,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_AH_CREATE_PD_HANDLE] = {
		.name = "PD_HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_AH_CREATE_ATTR] = {
		.name = "ATTR",
		.layout = &uverbs_layout_ah_attr,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_ah_attr),
		.max_len = sizeof(struct ib_uverbs_ah_attr) },
};

static const struct uverbs_attr_spec ah_destroy_attrs[] = {
	[UVERBS_AH_DESTROY_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_AH,
			 .access = UVERBS_ACCESS_DESTROY } },
};

/* DESTROY has nothing to do before the core calls the destroy op. */
static const struct uverbs_action ah_actions[] = {
	[UVERBS_ACTION_AH_CREATE] =
		UVERBS_STD_ACTION("AH_CREATE", uverbs_ah_create,
				  ah_create_attrs),
	[UVERBS_ACTION_AH_DESTROY] = UVERBS_STD_ACTION("AH_DESTROY", NULL,
						       ah_destroy_attrs),
};

const struct uverbs_type uverbs_ah_type = {
	.name = "AH",
	.actions = ah_actions,
	.num_actions = ARRAY_SIZE(ah_actions),
	.obj = &ah_obj_type,
};
