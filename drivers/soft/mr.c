// SPDX-License-Identifier: MIT
/*
 * Memory regions: registration, the device's key table, and the lookup
 * the data path uses to turn (key, PD, range, access) into an MR.
 *
 * Keys are random (get_random_u32), never 0, and unique among the lkeys
 * and rkeys of the device's live MRs: a table of hash buckets under
 * sdev->mr_lock holds both.  An MR leaves the table in dereg_mr, so no
 * lookup finds it afterwards; a lookup in flight holds a reference that
 * keeps the struct (not the registration) alive until soft_mr_put().
 */
#include "soft.h"

/* A random key is tried this many times before the table gives up. */
#define SOFT_MR_KEY_TRIES 64

void soft_mr_table_init(struct soft_device *sdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sdev->mr_hash); i++)
		INIT_LIST_HEAD(&sdev->mr_hash[i]);
}

static struct list_head *soft_mr_bucket(struct soft_device *sdev, u32 key)
{
	/* Keys are random already; a multiply spreads them anyway. */
	return &sdev->mr_hash[(key * 0x9e3779b1u) >> (32 - SOFT_MR_HASH_BITS)];
}

/* mr_lock held. */
static struct soft_mr_key *soft_mr_key_find(struct soft_device *sdev, u32 key)
{
	struct soft_mr_key *k;

	list_for_each_entry(k, soft_mr_bucket(sdev, key), node)
		if (k->key == key)
			return k;
	return NULL;
}

/* A fresh key into @k and the table; mr_lock held. */
static int soft_mr_key_insert(struct soft_device *sdev, struct soft_mr_key *k)
{
	unsigned int i;
	u32 key;

	for (i = 0; i < SOFT_MR_KEY_TRIES; i++) {
		key = get_random_u32();
		if (!key || soft_mr_key_find(sdev, key))
			continue;
		k->key = key;
		list_add(&k->node, soft_mr_bucket(sdev, key));
		return 0;
	}
	uverbs_set_error("MR_REG: no free key on the device");
	return -ENOMEM;
}

struct ib_mr *soft_mr_reg(struct ib_pd *pd,
			  const struct ib_uverbs_mr_reg_cmd *cmd,
			  struct uverbs_attr_array *vendor)
{
	struct soft_device *sdev = to_soft_dev(pd->device);
	struct soft_mr *smr;
	int ret;

	/* The core checked these; a data path relying on them checks too. */
	if (!cmd->length || cmd->start + cmd->length < cmd->start ||
	    cmd->hca_va + cmd->length < cmd->hca_va) {
		uverbs_set_error("MR_REG: length 0x%llx is 0 or wraps",
				 (unsigned long long)cmd->length);
		return ERR_PTR(-EINVAL);
	}
	if (cmd->length > sdev->attr.max_mr_size) {
		uverbs_set_error("MR_REG: length 0x%llx > device max_mr_size 0x%llx",
				 (unsigned long long)cmd->length,
				 (unsigned long long)sdev->attr.max_mr_size);
		return ERR_PTR(-EINVAL);
	}
	if (!pd->uobject || !pd->uobject->context) {
		uverbs_set_error("MR_REG: the PD belongs to no context");
		return ERR_PTR(-EINVAL);
	}
	if (!soft_count_get(&sdev->num_mr, sdev->attr.max_mr)) {
		uverbs_set_error("MR_REG: the device has max_mr %u MRs already",
				 sdev->attr.max_mr);
		return ERR_PTR(-ENOMEM);
	}
	smr = kzalloc(sizeof(*smr));
	if (!smr) {
		ret = -ENOMEM;
		goto err_count;
	}
	kref_init(&smr->ref);
	mutex_init(&smr->io_lock);
	smr->mm = pd->uobject->context->mm;
	smr->ibmr.device = pd->device;
	smr->ibmr.pd = pd;
	smr->ibmr.start = cmd->start;
	smr->ibmr.length = cmd->length;
	smr->ibmr.iova = cmd->hca_va;
	smr->ibmr.access = cmd->access_flags;
	smr->sctx = pd->uobject->context->driver_priv;
	INIT_LIST_HEAD(&smr->ctx_node);
	smr->lkey_node.mr = smr;
	smr->rkey_node.mr = smr;
	smr->rkey_node.remote = true;

	spin_lock(&sdev->mr_lock);
	ret = soft_mr_key_insert(sdev, &smr->lkey_node);
	if (ret)
		goto err_unlock;
	ret = soft_mr_key_insert(sdev, &smr->rkey_node);
	if (ret) {
		list_del_init(&smr->lkey_node.node);
		goto err_unlock;
	}
	smr->ibmr.lkey = smr->lkey_node.key;
	smr->ibmr.rkey = smr->rkey_node.key;
	spin_unlock(&sdev->mr_lock);
	/* Its context's key table (the direct path) has it too. */
	ret = soft_direct_mr_add(smr);
	if (ret) {
		spin_lock(&sdev->mr_lock);
		list_del_init(&smr->lkey_node.node);
		list_del_init(&smr->rkey_node.node);
		goto err_unlock;
	}
	return &smr->ibmr;

err_unlock:
	spin_unlock(&sdev->mr_lock);
	mutex_destroy(&smr->io_lock);
	kfree(smr);
err_count:
	atomic_dec(&sdev->num_mr);
	return ERR_PTR(ret);
}

static void soft_mr_release(struct kref *ref)
{
	struct soft_mr *smr = container_of(ref, struct soft_mr, ref);

	mutex_destroy(&smr->io_lock);
	kfree(smr);
}

/**
 * soft_mr_put() - drop a reference from soft_mr_lookup()
 * @mr: the MR; freed with its last reference
 */
void soft_mr_put(struct soft_mr *mr)
{
	kref_put(&mr->ref, soft_mr_release);
}

int soft_mr_dereg(struct ib_mr *mr)
{
	struct soft_device *sdev = to_soft_dev(mr->device);
	struct soft_mr *smr = to_soft_mr(mr);

	/* Peers copying directly through its key finish first (bounded). */
	soft_direct_mr_del(smr);
	spin_lock(&sdev->mr_lock);
	list_del_init(&smr->lkey_node.node);
	list_del_init(&smr->rkey_node.node);
	spin_unlock(&sdev->mr_lock);
	/* An access in flight finishes first; later ones see @dead. */
	mutex_lock(&smr->io_lock);
	smr->dead = true;
	mutex_unlock(&smr->io_lock);
	atomic_dec(&sdev->num_mr);
	soft_mr_put(smr);
	return 0;
}

/**
 * soft_mr_lookup() - the MR a work request's key names, checked
 * @sdev: the device the key belongs to
 * @pd: the PD of the QP (or SRQ) doing the access: the MR's must be it
 * @key: an lkey (@remote false) or an rkey (@remote true)
 * @remote: the access comes from a peer (RDMA READ/WRITE, atomic)
 * @addr: first byte accessed, in the MR's iova space
 * @len: bytes accessed (0 is allowed anywhere in [iova, iova + length])
 * @access_needed: &enum ib_uverbs_access_flags the access needs (0 for a
 *	local read)
 * @status: set to IB_UVERBS_WC_SUCCESS, or to the completion status the
 *	failure produces: LOC_PROT_ERR for a local access, REM_ACCESS_ERR
 *	for a remote one
 *
 * Translate with soft_mr_addr(); read and write through mr->mm.
 * Return: the MR with a reference (drop it with soft_mr_put()) or NULL.
 */
struct soft_mr *soft_mr_lookup(struct soft_device *sdev, struct ib_pd *pd,
			       u32 key, bool remote, u64 addr, u64 len,
			       u32 access_needed, int *status)
{
	struct soft_mr_key *k;
	struct soft_mr *smr = NULL;
	struct ib_mr *mr;

	spin_lock(&sdev->mr_lock);
	/* An injected lookup failure is a key that is not there. */
	k = compat_should_fail(FAULT_LOOKUP) ? NULL :
					      soft_mr_key_find(sdev, key);
	if (!k || k->remote != remote)
		goto out_unlock;
	mr = &k->mr->ibmr;
	if (mr->pd != pd)
		goto out_unlock;
	if (addr < mr->iova || addr + len < addr ||
	    addr + len > mr->iova + mr->length)
		goto out_unlock;
	if ((mr->access & access_needed) != access_needed)
		goto out_unlock;
	smr = k->mr;
	kref_get(&smr->ref);
out_unlock:
	spin_unlock(&sdev->mr_lock);
	if (smr)
		*status = IB_UVERBS_WC_SUCCESS;
	else
		*status = remote ? IB_UVERBS_WC_REM_ACCESS_ERR :
				   IB_UVERBS_WC_LOC_PROT_ERR;
	return smr;
}
