// SPDX-License-Identifier: MIT
/*
 * Address handles: ibv_create_ah() and ibv_destroy_ah(), for UD sends
 * (whose WRs name the AH's handle).  libibverbs sets context and pd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ivp_verbs.h"

struct ibv_ah *ivo_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
	struct ivp_dev *dev = ivp_ctx_dev(pd->context);
	struct ivp_ah_attr v;
	struct ibv_ah *ah;
	int ret;

	ah = calloc(1, sizeof(*ah));
	if (!ah) {
		errno = ENOMEM;
		return NULL;
	}
	ivp_ah_attr_to(&v, attr);
	ret = ivp_ah_create(dev, pd->handle, &v, &ah->handle);
	if (ret) {
		free(ah);
		errno = ivp_failed(dev, "AH_CREATE", ret);
		return NULL;
	}
	ah->context = pd->context;
	ah->pd = pd;
	return ah;
}

int ivo_destroy_ah(struct ibv_ah *ah)
{
	struct ivp_dev *dev = ivp_ctx_dev(ah->context);
	int ret;

	ret = ivp_ah_destroy(dev, ah->handle);
	if (ret)
		return ivp_failed(dev, "AH_DESTROY", ret);
	free(ah);
	return 0;
}
