// SPDX-License-Identifier: MIT
/*
 * SRQs of the ioverbs half: the SRQ commands and, when the context
 * speaks the direct protocol, the SRQ's receive ring (struct
 * soft_ring_srq_ctrl, <rdma/soft_ring.h>).  With the ring, a post is no
 * command: the WR goes on the ring, the doorbell is rung (for the
 * device, which takes a receive off it when a relayed QP of the SRQ
 * gets a message) and the SRQ's DIRECT QPs of this process drain their
 * direct rings (a record may wait for a receive: RNR).  Those QPs take
 * their receives off the same ring (direct.c's rx_drain()): the ring's
 * consumer index, claimed by compare-and-swap, decides who gets which
 * receive.
 *
 * Locking: @lock serializes the posts (the ring's producer side) and
 * @r.max_wr; @qlock protects @qps, and is taken before a QP's lock
 * (ivp_direct_srq_posted()), never under one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ivp_lib.h"

/**
 * struct ivp_srq - an SRQ
 * @dev: its context
 * @handle: the device's handle
 * @ring: @r is attached: receives are posted there
 * @lock, @qlock: see the file's comment
 * @r: the ring
 * @qps: its QPs that may take the direct path (@nqps of @qcap)
 */
struct ivp_srq {
	struct ivp_dev *dev;
	u32 handle;
	bool ring;
	pthread_mutex_t lock, qlock;
	struct ioverbs_sring_srq r;
	struct ivp_qp **qps;
	u32 nqps, qcap;
};

/* The ring, for contexts that may take the direct path. */
static void srq_ring_attach(struct ivp_srq *s, u32 max_wr, u32 max_sge)
{
	struct ivp_dev *dev = s->dev;
	struct ivp_device_attr a;

	if (!ivp_dev_rings(dev) || !dev->d.on ||
	    ivp_query_device(dev, &a) || a.max_srq_wr < max_wr)
		return;
	s->ring = !ioverbs_sring_srq_attach(&s->r, s->handle,
					    soft_ring_entries(a.max_srq_wr),
					    max_wr, max_sge, dev->v.fn,
					    dev->v.ctx);
}

int ivp_srq_create(struct ivp_dev *dev, uint32_t pd, uint64_t user_handle,
		   uint32_t *max_wr, uint32_t *max_sge, uint32_t srq_limit,
		   uint32_t *handle, struct ivp_srq **out)
{
	struct ib_uverbs_srq_create_cmd cmd = {
		.user_handle = user_handle,
		.max_wr = *max_wr,
		.max_sge = *max_sge,
		.srq_limit = srq_limit,
	};
	struct ib_uverbs_srq_create_resp resp;
	struct ivp_srq *s = calloc(1, sizeof(*s));
	long ret;

	if (!s)
		return -ENOMEM;
	ret = ioverbs_srq_create(&dev->v, pd, &cmd, handle, &resp);
	if (ret) {
		free(s);
		return (int)ret;
	}
	s->dev = dev;
	s->handle = *handle;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	srq_ring_attach(s, resp.max_wr, resp.max_sge);
	*max_wr = resp.max_wr;
	*max_sge = resp.max_sge;
	*out = s;
	return 0;
}

int ivp_srq_modify(struct ivp_srq *s, uint32_t mask, uint32_t max_wr,
		   uint32_t srq_limit)
{
	struct ib_uverbs_srq_modify_cmd cmd = {
		.attr_mask = mask,
		.max_wr = max_wr,
		.srq_limit = srq_limit,
	};
	long ret;

	ret = ioverbs_srq_modify(&s->dev->v, s->handle, &cmd);
	if (ret || !s->ring || !(mask & IB_UVERBS_SRQ_MAX_WR))
		return (int)ret;
	/* The device's queue grew to the power of two it rounds to. */
	pthread_mutex_lock(&s->lock);
	if (soft_ring_entries(max_wr) > s->r.max_wr)
		s->r.max_wr = soft_ring_entries(max_wr);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int ivp_srq_destroy(struct ivp_srq *s, uint32_t *events)
{
	struct ib_uverbs_srq_destroy_resp resp;
	long ret;

	ret = ioverbs_srq_destroy(&s->dev->v, s->handle, &resp);
	if (ret)
		return (int)ret;
	*events = resp.events_reported;
	if (s->ring)
		ioverbs_sring_srq_detach(&s->r);
	free(s->qps);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->qlock);
	free(s);
	return 0;
}

/* A post made receives: the SRQ's DIRECT QPs of ours look for records. */
static void srq_posted(struct ivp_srq *s)
{
	u32 i;

	pthread_mutex_lock(&s->qlock);
	for (i = 0; i < s->nqps; i++)
		ivp_direct_srq_posted(s->qps[i]);
	pthread_mutex_unlock(&s->qlock);
}

int ivp_srq_post_recv(struct ivp_srq *s, const struct ivp_recv_wr *wr,
		      uint32_t num, const struct ivp_sge *sge,
		      uint32_t num_sge, uint32_t *bad)
{
	u32 i, used = 0;
	int ret = 0;

	if (!s->ring)
		return (int)ioverbs_srq_post_recv(
			&s->dev->v, s->handle,
			(const struct ib_uverbs_recv_wr *)wr, num,
			num_sge ? (const struct ib_uverbs_sge *)sge : NULL,
			num_sge, bad);
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < num; i++) {
		if (wr[i].num_sge > num_sge - used) {
			ret = -EINVAL;
			break;
		}
		ret = ioverbs_sring_srq_post(
			&s->r, (const struct ib_uverbs_recv_wr *)&wr[i],
			(const struct ib_uverbs_sge *)(sge + used));
		if (ret)
			break;
		used += wr[i].num_sge;
	}
	if (i)
		ioverbs_sring_ring(&s->dev->ring);
	pthread_mutex_unlock(&s->lock);
	if (i)
		srq_posted(s);
	if (ret)
		*bad = i;
	return ret;
}

struct ioverbs_sring_srq *ivp_srq_ring(struct ivp_srq *s)
{
	return s && s->ring ? &s->r : NULL;
}

int ivp_srq_qp_add(struct ivp_srq *s, struct ivp_qp *qp)
{
	struct ivp_qp **q;
	int ret = 0;

	pthread_mutex_lock(&s->qlock);
	if (s->nqps == s->qcap) {
		q = realloc(s->qps, (s->qcap * 2 + 4) * sizeof(*q));
		if (!q) {
			ret = -ENOMEM;
			goto out;
		}
		s->qps = q;
		s->qcap = s->qcap * 2 + 4;
	}
	s->qps[s->nqps++] = qp;
out:
	pthread_mutex_unlock(&s->qlock);
	return ret;
}

void ivp_srq_qp_del(struct ivp_srq *s, struct ivp_qp *qp)
{
	u32 i;

	pthread_mutex_lock(&s->qlock);
	for (i = 0; i < s->nqps; i++)
		if (s->qps[i] == qp) {
			s->qps[i] = s->qps[--s->nqps];
			break;
		}
	pthread_mutex_unlock(&s->qlock);
}
