// SPDX-License-Identifier: MIT
/*
 * Completion queues: ibv_create_cq(), ibv_destroy_cq(), ibv_poll_cq()
 * (from the soft device's shared ring, no system call) and
 * ibv_req_notify_cq() (CQ_REQ_NOTIFY).  A CQ's user handle is its
 * struct ibv_cq, which is what ibv_get_cq_event() expects to read back
 * from the channel.  The channel's descriptor is one of the spare event
 * files the daemon bound at ibv_create_comp_channel()'s legacy write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ivp_verbs.h"

struct ivp_ibv_cq {
	struct verbs_cq vcq; /* first */
	struct ivp_cq *cq;
};

static struct ivp_ibv_cq *to_icq(struct ibv_cq *cq)
{
	return (struct ivp_ibv_cq *)cq;
}

struct ibv_cq *ivo_create_cq(struct ibv_context *ctx, int cqe,
			     struct ibv_comp_channel *channel, int comp_vector)
{
	struct ivp_dev *dev = ivp_ctx_dev(ctx);
	struct ivp_ibv_cq *c;
	uint32_t handle, cqe_out;
	int ret;

	if (cqe < 1 || comp_vector < 0) {
		errno = ivp_failed_why(dev, "create_cq", -EINVAL,
				       "cqe below 1 or comp_vector negative");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ivp_cq_create(dev, (uint32_t)cqe, (uintptr_t)&c->vcq.cq,
			    (uint32_t)comp_vector, channel ? channel->fd : -1,
			    &c->cq, &handle, &cqe_out);
	if (ret) {
		free(c);
		errno = ivp_failed(dev, "CQ_CREATE", ret);
		return NULL;
	}
	if (channel)
		ivp_spare_taken(dev, channel->fd);
	/* libibverbs' verbs_init_cq() sets the rest (mutex, counts). */
	c->vcq.cq.context = ctx;
	c->vcq.cq.handle = handle;
	c->vcq.cq.cqe = (int)cqe_out;
	return &c->vcq.cq;
}

int ivo_destroy_cq(struct ibv_cq *cq)
{
	struct ivp_ibv_cq *c = to_icq(cq);
	struct ivp_dev *dev = ivp_cq_dev(c->cq);
	uint32_t comp, async;
	int ret;

	ret = ivp_cq_destroy(c->cq, &comp, &async);
	if (ret)
		return ivp_failed(dev, "CQ_DESTROY", ret);
	/* Every event reported must have been acknowledged (ibv_ack_*). */
	pthread_mutex_lock(&cq->mutex);
	while (cq->comp_events_completed != comp ||
	       cq->async_events_completed != async)
		pthread_cond_wait(&cq->cond, &cq->mutex);
	pthread_mutex_unlock(&cq->mutex);
	free(c);
	return 0;
}

static void wc_from(struct ibv_wc *w, const struct ivp_wc *v)
{
	w->wr_id = v->wr_id;
	w->status = (enum ibv_wc_status)v->status;
	w->opcode = (enum ibv_wc_opcode)v->opcode;
	w->vendor_err = v->vendor_err;
	w->byte_len = v->byte_len;
	w->imm_data = v->imm_data;
	w->qp_num = v->qp_num;
	w->src_qp = v->src_qp;
	w->wc_flags = v->wc_flags; /* GRH, WITH_IMM: the same bits */
	w->pkey_index = v->pkey_index;
	w->slid = v->slid;
	w->sl = v->sl;
	w->dlid_path_bits = v->dlid_path_bits;
}

int ivo_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc)
{
	struct ivp_ibv_cq *c = to_icq(cq);
	struct ivp_wc v[16];
	int done = 0, n, i, want;

	while (done < num_entries) {
		want = num_entries - done;
		if (want > (int)(sizeof(v) / sizeof(v[0])))
			want = (int)(sizeof(v) / sizeof(v[0]));
		n = ivp_cq_poll(c->cq, v, (uint32_t)want);
		if (n < 0) {
			if (done)
				break;
			errno = ivp_failed_why(ivp_cq_dev(c->cq), "poll_cq", n,
					       "the CQ overflowed: a completion was dropped");
			return -1;
		}
		for (i = 0; i < n; i++)
			wc_from(&wc[done + i], &v[i]);
		done += n;
		if (n < want)
			break;
	}
	return done;
}

int ivo_req_notify_cq(struct ibv_cq *cq, int solicited_only)
{
	struct ivp_ibv_cq *c = to_icq(cq);
	int ret;

	ret = ivp_cq_req_notify(c->cq, solicited_only);
	if (ret)
		return ivp_failed(ivp_cq_dev(c->cq), "CQ_REQ_NOTIFY", ret);
	return 0;
}
