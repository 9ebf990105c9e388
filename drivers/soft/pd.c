// SPDX-License-Identifier: MIT
/*
 * Protection domains.  A PD is only an identity: MRs, QPs, SRQs and AHs
 * point at it, and the data path compares those pointers (soft_mr_lookup).
 */
#include "soft.h"

/* soft_pd.id: the last one given. */
static atomic_t soft_pd_ids;

struct ib_pd *soft_pd_alloc(struct ib_ucontext *uctx,
			    struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(uctx->device);
	struct soft_pd *spd;

	if (!soft_count_get(&sdev->num_pd, sdev->attr.max_pd)) {
		uverbs_set_error("PD_ALLOC: the device has max_pd %u PDs already",
				 sdev->attr.max_pd);
		return ERR_PTR(-ENOMEM);
	}
	spd = kzalloc(sizeof(*spd));
	if (!spd) {
		atomic_dec(&sdev->num_pd);
		return ERR_PTR(-ENOMEM);
	}
	spd->ibpd.device = uctx->device;
	/* Never 0: 0 names no PD (a zeroed peer block or key entry). */
	do {
		spd->id = (u32)atomic_add_return(1, &soft_pd_ids);
	} while (!spd->id);
	return &spd->ibpd;
}

int soft_pd_dealloc(struct ib_pd *pd)
{
	struct soft_device *sdev = to_soft_dev(pd->device);

	kfree(to_soft_pd(pd));
	atomic_dec(&sdev->num_pd);
	return 0;
}
