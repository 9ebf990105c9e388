// SPDX-License-Identifier: MIT
/*
 * Memory regions: ibv_reg_mr() (and its iova forms) and ibv_dereg_mr(),
 * one MR_REG / MR_DEREG each.  libibverbs fills context, pd, addr and
 * length after reg_mr; the keys and the handle are ours.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "ivp_verbs.h"

/*
 * Access an ioverbs device never offers: binding memory windows (it has
 * none: no IBV_DEVICE_MEM_WINDOW) and on-demand paging.  Asking for it
 * is asking for an unsupported feature, EOPNOTSUPP, as the kernel
 * answers ON_DEMAND on a device without ODP; the device's MR_REG would
 * call the bit unknown (EINVAL), which says the caller erred.
 */
#define IVO_UNOFFERED_ACCESS (IBV_ACCESS_MW_BIND | IBV_ACCESS_ON_DEMAND)

struct ibv_mr *ivo_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			  uint64_t hca_va, int access)
{
	struct ivp_dev *dev = ivp_ctx_dev(pd->context);
	struct verbs_mr *vmr;
	int ret;

	if (access & IVO_UNOFFERED_ACCESS) {
		errno = ivp_failed_why(dev, "MR_REG", -EOPNOTSUPP,
				       access & IBV_ACCESS_MW_BIND ?
				       "IBV_ACCESS_MW_BIND: the device has no memory windows" :
				       "IBV_ACCESS_ON_DEMAND: the device has no on-demand paging");
		return NULL;
	}
	vmr = calloc(1, sizeof(*vmr));
	if (!vmr) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ivp_reg_mr(dev, pd->handle, (uintptr_t)addr, length, hca_va,
			 (uint32_t)access, &vmr->ibv_mr.handle,
			 &vmr->ibv_mr.lkey, &vmr->ibv_mr.rkey);
	if (ret) {
		free(vmr);
		errno = ivp_failed(dev, "MR_REG", ret);
		return NULL;
	}
	vmr->ibv_mr.context = pd->context;
	vmr->ibv_mr.pd = pd;
	vmr->ibv_mr.addr = addr;
	vmr->ibv_mr.length = length;
	vmr->mr_type = IVP_MR_TYPE_MR;
	vmr->access = access;
	return &vmr->ibv_mr;
}

int ivo_dereg_mr(struct verbs_mr *vmr)
{
	struct ivp_dev *dev = ivp_ctx_dev(vmr->ibv_mr.context);
	int ret;

	ret = ivp_dereg_mr(dev, vmr->ibv_mr.handle);
	if (ret)
		return ivp_failed(dev, "MR_DEREG", ret);
	free(vmr);
	return 0;
}
