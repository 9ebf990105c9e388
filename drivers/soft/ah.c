// SPDX-License-Identifier: MIT
/*
 * Address handles: a copy of the address vector (the core checked its
 * port and source GID index), resolved by the data path at post time.
 */
#include "soft.h"

struct ib_ah *soft_ah_create(struct ib_pd *pd,
			     const struct ib_uverbs_ah_attr *attr,
			     struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(pd->device);
	struct soft_ah *sah;

	if (attr->port_num < 1 || attr->port_num > sdev->num_ports) {
		uverbs_set_error("AH_CREATE: port_num %u outside 1..%u",
				 attr->port_num, sdev->num_ports);
		return ERR_PTR(-EINVAL);
	}
	if (soft_port_is_roce(sdev, attr->port_num) && !attr->is_global) {
		uverbs_set_error("AH_CREATE: port %u is RoCE: is_global (a GRH) is required",
				 attr->port_num);
		return ERR_PTR(-EINVAL);
	}
	if (!soft_count_get(&sdev->num_ah, sdev->attr.max_ah)) {
		uverbs_set_error("AH_CREATE: the device has max_ah %u AHs already",
				 sdev->attr.max_ah);
		return ERR_PTR(-ENOMEM);
	}
	sah = kzalloc(sizeof(*sah));
	if (!sah) {
		atomic_dec(&sdev->num_ah);
		return ERR_PTR(-ENOMEM);
	}
	sah->ibah.attr = *attr;
	sah->ibah.device = pd->device;
	sah->ibah.pd = pd;
	return &sah->ibah;
}

int soft_ah_destroy(struct ib_ah *ah)
{
	struct soft_device *sdev = to_soft_dev(ah->device);

	kfree(to_soft_ah(ah));
	atomic_dec(&sdev->num_ah);
	return 0;
}
