// SPDX-License-Identifier: MIT
/*
 * Shared receive queues: ibv_create_srq(), ibv_modify_srq(),
 * ibv_query_srq(), ibv_destroy_srq(), ibv_post_srq_recv().  A post
 * hands the ioverbs half (direct_srq.c) up to IVP_SRQ_BATCH WRs at a
 * time: it puts them on the SRQ's ring, or sends one SRQ_POST_RECV
 * command for them.  The soft device has no SRQ query:
 * ibv_query_srq() answers what creation and the last modification set.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ivp_verbs.h"

#define IVP_SRQ_BATCH 64
#define IVP_SRQ_SGES 256

struct ivp_ibv_srq {
	struct ibv_srq srq; /* first */
	pthread_mutex_t lock; /* @attr */
	struct ibv_srq_attr attr;
	struct ivp_srq *i;
};

static struct ivp_ibv_srq *to_isrq(struct ibv_srq *srq)
{
	return (struct ivp_ibv_srq *)srq;
}

struct ibv_srq *ivo_create_srq(struct ibv_pd *pd,
			       struct ibv_srq_init_attr *init)
{
	struct ivp_dev *dev = ivp_ctx_dev(pd->context);
	uint32_t max_wr = init->attr.max_wr, max_sge = init->attr.max_sge;
	struct ivp_ibv_srq *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ivp_srq_create(dev, pd->handle, (uintptr_t)&s->srq, &max_wr,
			     &max_sge, init->attr.srq_limit, &s->srq.handle,
			     &s->i);
	if (ret) {
		free(s);
		errno = ivp_failed(dev, "SRQ_CREATE", ret);
		return NULL;
	}
	/* As documented: the sizes the SRQ really has. */
	init->attr.max_wr = max_wr;
	init->attr.max_sge = max_sge;
	s->attr = init->attr;
	pthread_mutex_init(&s->lock, NULL);
	s->srq.context = pd->context;
	s->srq.srq_context = init->srq_context;
	s->srq.pd = pd;
	s->srq.events_completed = 0;
	pthread_mutex_init(&s->srq.mutex, NULL);
	pthread_cond_init(&s->srq.cond, NULL);
	return &s->srq;
}

int ivo_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr, int mask)
{
	struct ivp_dev *dev = ivp_ctx_dev(srq->context);
	struct ivp_ibv_srq *s = to_isrq(srq);
	int ret;

	ret = ivp_srq_modify(s->i, (uint32_t)mask, attr->max_wr,
			     attr->srq_limit);
	if (ret)
		return ivp_failed(dev, "SRQ_MODIFY", ret);
	pthread_mutex_lock(&s->lock);
	if (mask & IBV_SRQ_MAX_WR)
		s->attr.max_wr = attr->max_wr;
	if (mask & IBV_SRQ_LIMIT)
		s->attr.srq_limit = attr->srq_limit;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int ivo_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr)
{
	struct ivp_ibv_srq *s = to_isrq(srq);

	pthread_mutex_lock(&s->lock);
	*attr = s->attr;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int ivo_destroy_srq(struct ibv_srq *srq)
{
	struct ivp_dev *dev = ivp_ctx_dev(srq->context);
	struct ivp_ibv_srq *s = to_isrq(srq);
	uint32_t events;
	int ret;

	ret = ivp_srq_destroy(s->i, &events);
	if (ret)
		return ivp_failed(dev, "SRQ_DESTROY", ret);
	pthread_mutex_lock(&srq->mutex);
	while (srq->events_completed != events)
		pthread_cond_wait(&srq->cond, &srq->mutex);
	pthread_mutex_unlock(&srq->mutex);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}

int ivo_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr)
{
	struct ivp_dev *dev = ivp_ctx_dev(srq->context);
	struct ibv_recv_wr *first, *w;
	struct ivp_recv_wr v[IVP_SRQ_BATCH];
	struct ivp_sge sge[IVP_SRQ_SGES];
	uint32_t n, nsge, bad, i;
	int ret, j;

	while (wr) {
		first = wr;
		for (n = 0, nsge = 0; wr && n < IVP_SRQ_BATCH; wr = wr->next) {
			if (wr->num_sge < 0 ||
			    nsge + (uint32_t)wr->num_sge > IVP_SRQ_SGES)
				break;
			v[n] = (struct ivp_recv_wr){
				.wr_id = wr->wr_id,
				.num_sge = (uint32_t)wr->num_sge,
			};
			for (j = 0; j < wr->num_sge; j++)
				sge[nsge++] = (struct ivp_sge){
					.addr = wr->sg_list[j].addr,
					.length = wr->sg_list[j].length,
					.lkey = wr->sg_list[j].lkey,
				};
			n++;
		}
		if (!n) {
			*bad_wr = wr;
			return ivp_failed_why(dev, "post_srq_recv", -EINVAL,
					      "num_sge negative or above 256");
		}
		bad = 0;
		ret = ivp_srq_post_recv(to_isrq(srq)->i, v, n, sge, nsge,
					&bad);
		if (ret) {
			for (w = first, i = 0; w->next && i < bad; i++)
				w = w->next;
			*bad_wr = w;
			return ivp_failed(dev, "SRQ_POST_RECV", ret);
		}
	}
	return 0;
}

struct ivp_srq *ivo_srq_ivp(struct ibv_srq *srq)
{
	return to_isrq(srq)->i;
}
