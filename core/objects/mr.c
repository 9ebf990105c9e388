// SPDX-License-Identifier: MIT
/*
 * MR: memory regions.  REG checks the request as the IB specification
 * demands, and the memory as page pinning would, before the driver sees
 * it; DEREG lets the core destroy.
 * REREG is not implemented (its slot is empty: EOPNOTSUPP).
 *
 * Registered bytes are charged to the file as the kernel charges pinned
 * pages (ib_umem_get() against RLIMIT_MEMLOCK): the pages the region
 * touches, at the device's smallest page size, from REG until the
 * driver has deregistered it, on every path (DEREG, abort, close,
 * device removal).
 */
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

#include "objects.h"

#define MR_KNOWN_ACCESS                                                  \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |   \
	 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)

static int uverbs_mr_destroy(struct ib_uobject *uobj,
			     enum rdma_remove_reason why)
{
	struct ib_mr *mr = uobj->object;
	u64 pinned = mr->pinned;
	int ret;

	ret = std_ops(mr->device)->dereg_mr(mr);
	if (!ret)
		ib_uverbs_uncharge(uobj->context, IB_UVERBS_RES_PINNED,
				   UVERBS_TYPE_MR, pinned);
	return ret;
}

/*
 * The bytes of the whole pages [start, start + length) touches; @cmd was
 * checked not to wrap.  Saturates rather than wrap for a region that
 * spans the whole address space.
 */
static u64 mr_pinned_bytes(const struct ib_uverbs_mr_reg_cmd *cmd,
			   u64 page_size_cap)
{
	/* The smallest page size the device supports; 4 KiB if it says none. */
	u64 page = page_size_cap ? page_size_cap & -page_size_cap : 4096;
	u64 first = cmd->start & ~(page - 1);
	u64 last = (cmd->start + cmd->length - 1) | (page - 1);

	return last - first == U64_MAX ? U64_MAX : last - first + 1;
}

static const struct uverbs_obj_type mr_obj_type = {
	.destroy = uverbs_mr_destroy,
};

/*
 * A region must be non-empty and must not wrap, at the owner's address
 * or at the peers'; the access flags must be known, and remote write or
 * atomic access needs local write (IBA 10.6.3.1, o10-37).
 */
static int mr_check_cmd(const struct ib_uverbs_mr_reg_cmd *cmd,
			const struct ib_uverbs_query_device_resp *dattr)
{
	if (cmd->reserved) {
		uverbs_set_error("MR_REG: reserved is not zero");
		return -EINVAL;
	}
	if (!cmd->length) {
		uverbs_set_error("MR_REG: length is 0");
		return -EINVAL;
	}
	if (cmd->start + cmd->length < cmd->start ||
	    cmd->hca_va + cmd->length < cmd->hca_va) {
		uverbs_set_error("MR_REG: %s 0x%llx + length 0x%llx wraps",
				 cmd->start + cmd->length < cmd->start ?
				 "start" : "hca_va",
				 (unsigned long long)(cmd->start + cmd->length <
						      cmd->start ? cmd->start :
						      cmd->hca_va),
				 (unsigned long long)cmd->length);
		return -EINVAL;
	}
	if (dattr->max_mr_size && cmd->length > dattr->max_mr_size) {
		uverbs_set_error("MR_REG: length 0x%llx > device max_mr_size 0x%llx",
				 (unsigned long long)cmd->length,
				 (unsigned long long)dattr->max_mr_size);
		return -EINVAL;
	}
	if (cmd->access_flags & ~MR_KNOWN_ACCESS) {
		uverbs_set_error("MR_REG: unknown access_flags 0x%x",
				 cmd->access_flags & ~MR_KNOWN_ACCESS);
		return -EINVAL;
	}
	if ((cmd->access_flags & (IB_UVERBS_ACCESS_REMOTE_WRITE |
				  IB_UVERBS_ACCESS_REMOTE_ATOMIC)) &&
	    !(cmd->access_flags & IB_UVERBS_ACCESS_LOCAL_WRITE)) {
		uverbs_set_error("MR_REG: access_flags 0x%x: remote write or atomic needs LOCAL_WRITE",
				 cmd->access_flags);
		return -EINVAL;
	}
	return 0;
}

/* Access flags that let the device write the region. */
#define MR_WRITE_ACCESS                                                  \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |   \
	 IB_UVERBS_ACCESS_REMOTE_ATOMIC)

/*
 * Rule 21.  No driver pins the region's pages, but registration refuses
 * what pinning them would: a range not all mapped in the owner's memory
 * (the context's, where the MR's bytes will move), or not writable when
 * the access flags let the device write it.  Memory unmapped later only
 * fails the data path's copies (an access error completion).
 */
static int mr_check_memory(struct ib_ucontext *uctx,
			   const struct ib_uverbs_mr_reg_cmd *cmd)
{
	bool write = cmd->access_flags & MR_WRITE_ACCESS;
	u64 bad = cmd->start;
	int ret;

	ret = compat_mm_check(uctx->mm, cmd->start, cmd->length, write, &bad);
	if (!ret)
		return 0;
	if (ret == -EACCES && write)
		uverbs_set_error("MR_REG: [0x%llx, +0x%llx) is not writable at 0x%llx, which access 0x%x needs",
				 (unsigned long long)cmd->start,
				 (unsigned long long)cmd->length,
				 (unsigned long long)bad, cmd->access_flags);
	else
		uverbs_set_error("MR_REG: [0x%llx, +0x%llx) is not %s at 0x%llx",
				 (unsigned long long)cmd->start,
				 (unsigned long long)cmd->length,
				 ret == -EACCES ? "readable" : "mapped",
				 (unsigned long long)bad);
	return -EFAULT;
}

static int uverbs_mr_reg(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			 struct uverbs_attr_array *common,
			 struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj = uverbs_attr_obj(common, UVERBS_MR_REG_HANDLE);
	struct ib_pd *pd =
		uverbs_attr_obj(common, UVERBS_MR_REG_PD_HANDLE)->object;
	const struct ib_uverbs_mr_reg_cmd *cmd =
		uverbs_attr_in(common, UVERBS_MR_REG_CMD);
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_mr_reg_resp resp;
	struct ib_mr *mr;
	u64 pinned;
	int ret;

	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	ret = mr_check_cmd(cmd, &dattr);
	if (ret)
		return ret;
	/* Rule 21: what pinning would refuse, before anything is charged. */
	ret = mr_check_memory(uctx, cmd);
	if (ret)
		return ret;
	pinned = mr_pinned_bytes(cmd, dattr.page_size_cap);
	ret = ib_uverbs_charge(uctx, IB_UVERBS_RES_PINNED, UVERBS_TYPE_MR,
			       pinned);
	if (ret)
		return ret;
	mr = std_ops(ib_dev)->reg_mr(pd, cmd, vendor);
	if (IS_ERR(mr)) {
		ib_uverbs_uncharge(uctx, IB_UVERBS_RES_PINNED, UVERBS_TYPE_MR,
				   pinned);
		return (int)PTR_ERR(mr);
	}
	/* From here on uverbs_mr_destroy() gives the charge back. */
	mr->pinned = pinned;
	mr->device = ib_dev;
	mr->uobject = uobj;
	mr->pd = pd;
	uobj->object = mr;

	resp.lkey = mr->lkey;
	resp.rkey = mr->rkey;
	return uverbs_copy_to(common, UVERBS_MR_REG_RESP, &resp, sizeof(resp));
}

static const struct uverbs_attr_spec mr_reg_attrs[] = {
	[UVERBS_MR_REG_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_MR,
			 .access = UVERBS_ACCESS_NEW } },
	[UVERBS_MR_REG_PD_HANDLE] = {
		.name = "PD_HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_PD, .access = UVERBS_ACCESS_READ,
			 .parent = true } },
	[UVERBS_MR_REG_CMD] = {
		.name = "CMD",
		.layout = &uverbs_layout_mr_reg_cmd,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_mr_reg_cmd),
		.max_len = sizeof(struct ib_uverbs_mr_reg_cmd) },
	[UVERBS_MR_REG_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_mr_reg_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_mr_reg_resp),
		.max_len = sizeof(struct ib_uverbs_mr_reg_resp) },
};

static const struct uverbs_attr_spec mr_dereg_attrs[] = {
	[UVERBS_MR_DEREG_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_MR,
			 .access = UVERBS_ACCESS_DESTROY } },
};

/* DEREG has nothing to do before the core calls uverbs_mr_destroy(). */
static const struct uverbs_action mr_actions[] = {
	[UVERBS_ACTION_MR_REG] =
		UVERBS_STD_ACTION_USER_MEMORY("MR_REG", uverbs_mr_reg,
					      mr_reg_attrs),
	[UVERBS_ACTION_MR_DEREG] = UVERBS_STD_ACTION("MR_DEREG", NULL,
						     mr_dereg_attrs),
};

const struct uverbs_type uverbs_mr_type = {
	.name = "MR",
	.actions = mr_actions,
	.num_actions = ARRAY_SIZE(mr_actions),
	.obj = &mr_obj_type,
};
