// SPDX-License-Identifier: MIT
/*
 * The standard types table: every standard object family, indexed by
 * UVERBS_TYPE_*.  A verbs driver registers it as is, or copies the
 * pointers into a larger table with its own types.
 */
#include <rdma/ib_verbs_ops.h>

#include "objects.h"

static const struct uverbs_type *const std_types[] = {
	[UVERBS_TYPE_DEVICE] = &uverbs_device_type,
	[UVERBS_TYPE_PD] = &uverbs_pd_type,
	[UVERBS_TYPE_MR] = &uverbs_mr_type,
	[UVERBS_TYPE_COMP_CHANNEL] = &uverbs_comp_channel_type,
	[UVERBS_TYPE_CQ] = &uverbs_cq_type,
	[UVERBS_TYPE_QP] = &uverbs_qp_type,
	[UVERBS_TYPE_SRQ] = &uverbs_srq_type,
	[UVERBS_TYPE_AH] = &uverbs_ah_type,
};

_Static_assert(ARRAY_SIZE(std_types) == UVERBS_TYPE_STD_MAX,
	       "a slot for every standard type");

const struct uverbs_types uverbs_std_types = {
	.types = std_types,
	.num_types = ARRAY_SIZE(std_types),
	.name = "std",
};
