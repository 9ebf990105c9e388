// SPDX-License-Identifier: MIT
/*
 * Queue pairs: ibv_create_qp(), ibv_modify_qp() (every attribute of
 * struct ibv_qp_attr that has a field in the ABI's, the address vectors
 * with their GRH), ibv_query_qp(), ibv_destroy_qp(), and the posts,
 * which go to the soft device's shared rings without a system call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ivp_verbs.h"

_Static_assert(sizeof(struct ibv_sge) == sizeof(struct ivp_sge), "sge");
_Static_assert(offsetof(struct ibv_sge, lkey) == offsetof(struct ivp_sge, lkey),
	       "sge lkey");

/* SGEs of one WR at most (a WR with more is refused by the device). */
#define IVP_MAX_SGE 32

/*
 * The WRs an ibv_wr_start() .. ibv_wr_complete() batch builds (a QP made
 * with send_ops_flags): at most @max of them, each with room for the
 * QP's max_send_sge SGEs and max_inline_data bytes; @err the first error
 * a builder met, returned by ibv_wr_complete().  One thread at a time
 * between start and complete, as libibverbs documents.
 */
struct ivp_wr_batch {
	struct ivp_send_wr *wr;
	struct ivp_sge *sge;
	uint8_t *inl;
	uint32_t max, n, max_sge, max_inline;
	int err;
};

struct ivp_ibv_qp {
	struct verbs_qp vqp; /* first */
	struct ivp_qp *qp;
	uint8_t sq_sig_all;
	struct ivp_wr_batch b;
};

static struct ivp_ibv_qp *to_iqp(struct ibv_qp *qp)
{
	return (struct ivp_ibv_qp *)qp;
}

static void cap_to(struct ivp_qp_cap *v, const struct ibv_qp_cap *c)
{
	*v = (struct ivp_qp_cap){
		.max_send_wr = c->max_send_wr,
		.max_recv_wr = c->max_recv_wr,
		.max_send_sge = c->max_send_sge,
		.max_recv_sge = c->max_recv_sge,
		.max_inline_data = c->max_inline_data,
	};
}

static void cap_from(struct ibv_qp_cap *c, const struct ivp_qp_cap *v)
{
	c->max_send_wr = v->max_send_wr;
	c->max_recv_wr = v->max_recv_wr;
	c->max_send_sge = v->max_send_sge;
	c->max_recv_sge = v->max_recv_sge;
	c->max_inline_data = v->max_inline_data;
}

static struct ivp_ibv_qp *qp_create(struct ibv_pd *pd,
				    struct ibv_qp_init_attr *attr)
{
	struct ivp_dev *dev = ivp_ctx_dev(pd->context);
	struct ivp_qp_create c = {
		.pd = pd->handle,
		.qp_type = (uint8_t)attr->qp_type,
		.sq_sig_all = attr->sq_sig_all ? 1 : 0,
		.srq = attr->srq ? attr->srq->handle : IVP_NONE,
		.srqp = attr->srq ? ivo_srq_ivp(attr->srq) : NULL,
	};
	struct ivp_ibv_qp *q;
	uint32_t handle, qpn;
	int ret;

	if (!attr->send_cq || !attr->recv_cq) {
		errno = ivp_failed_why(dev, "create_qp", -EINVAL,
				       "no send_cq or no recv_cq");
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	c.user_handle = (uintptr_t)&q->vqp.qp;
	c.send_cq = attr->send_cq->handle;
	c.recv_cq = attr->recv_cq->handle;
	c.scq = ivp_ibv_cq(attr->send_cq);
	c.rcq = ivp_ibv_cq(attr->recv_cq);
	cap_to(&c.cap, &attr->cap);
	ret = ivp_qp_create(dev, &c, &q->qp, &handle, &qpn);
	if (ret) {
		free(q);
		errno = ivp_failed(dev, "QP_CREATE", ret);
		return NULL;
	}
	/* As documented: the capacities the QP really has. */
	cap_from(&attr->cap, &c.cap);
	q->sq_sig_all = c.sq_sig_all;
	q->vqp.qp.context = pd->context;
	q->vqp.qp.qp_context = attr->qp_context;
	q->vqp.qp.pd = pd;
	q->vqp.qp.send_cq = attr->send_cq;
	q->vqp.qp.recv_cq = attr->recv_cq;
	q->vqp.qp.srq = attr->srq;
	q->vqp.qp.handle = handle;
	q->vqp.qp.qp_num = qpn;
	q->vqp.qp.state = IBV_QPS_RESET;
	q->vqp.qp.qp_type = attr->qp_type;
	q->vqp.qp.events_completed = 0;
	pthread_mutex_init(&q->vqp.qp.mutex, NULL);
	pthread_cond_init(&q->vqp.qp.cond, NULL);
	return q;
}

struct ibv_qp *ivo_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr)
{
	struct ivp_ibv_qp *q = qp_create(pd, attr);

	return q ? &q->vqp.qp : NULL;
}

void ivp_ah_attr_to(struct ivp_ah_attr *v, const struct ibv_ah_attr *a)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->dgid, a->grh.dgid.raw, sizeof(v->dgid));
	v->flow_label = a->grh.flow_label;
	v->sgid_index = a->grh.sgid_index;
	v->hop_limit = a->grh.hop_limit;
	v->traffic_class = a->grh.traffic_class;
	v->dlid = a->dlid;
	v->sl = a->sl;
	v->src_path_bits = a->src_path_bits;
	v->static_rate = a->static_rate;
	v->is_global = a->is_global;
	v->port_num = a->port_num;
}

static void ah_from(struct ibv_ah_attr *a, const struct ivp_ah_attr *v)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->grh.dgid.raw, v->dgid, sizeof(v->dgid));
	a->grh.flow_label = v->flow_label;
	a->grh.sgid_index = v->sgid_index;
	a->grh.hop_limit = v->hop_limit;
	a->grh.traffic_class = v->traffic_class;
	a->dlid = v->dlid;
	a->sl = v->sl;
	a->src_path_bits = v->src_path_bits;
	a->static_rate = v->static_rate;
	a->is_global = v->is_global;
	a->port_num = v->port_num;
}

int ivo_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask)
{
	struct ivp_ibv_qp *q = to_iqp(qp);
	struct ivp_qp_attr v = {
		/* The mask bits are the ABI's (IBV_QP_* = IB_UVERBS_QP_*). */
		.attr_mask = (uint32_t)attr_mask,
		.qkey = attr->qkey,
		.rq_psn = attr->rq_psn,
		.sq_psn = attr->sq_psn,
		.dest_qp_num = attr->dest_qp_num,
		.qp_access_flags = (uint32_t)attr->qp_access_flags,
		.pkey_index = attr->pkey_index,
		.alt_pkey_index = attr->alt_pkey_index,
		.qp_state = (uint8_t)attr->qp_state,
		.cur_qp_state = (uint8_t)attr->cur_qp_state,
		.path_mtu = (uint8_t)attr->path_mtu,
		.path_mig_state = (uint8_t)attr->path_mig_state,
		.en_sqd_async_notify = attr->en_sqd_async_notify,
		.sq_draining = attr->sq_draining,
		.max_rd_atomic = attr->max_rd_atomic,
		.max_dest_rd_atomic = attr->max_dest_rd_atomic,
		.min_rnr_timer = attr->min_rnr_timer,
		.port_num = attr->port_num,
		.timeout = attr->timeout,
		.retry_cnt = attr->retry_cnt,
		.rnr_retry = attr->rnr_retry,
		.alt_port_num = attr->alt_port_num,
		.alt_timeout = attr->alt_timeout,
	};
	int ret;

	ivp_ah_attr_to(&v.ah_attr, &attr->ah_attr);
	ivp_ah_attr_to(&v.alt_ah_attr, &attr->alt_ah_attr);
	cap_to(&v.cap, &attr->cap);
	ret = ivp_qp_modify(q->qp, &v);
	if (ret)
		return ivp_failed(ivp_qp_dev(q->qp), "QP_MODIFY", ret);
	return 0;
}

int ivo_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask,
		 struct ibv_qp_init_attr *init_attr)
{
	struct ivp_ibv_qp *q = to_iqp(qp);
	struct ivp_qp_attr v;
	uint8_t type, sig;
	int ret;

	ret = ivp_qp_query(q->qp, (uint32_t)attr_mask, &v, &type, &sig);
	if (ret)
		return ivp_failed(ivp_qp_dev(q->qp), "QP_QUERY", ret);
	memset(attr, 0, sizeof(*attr));
	attr->qp_state = (enum ibv_qp_state)v.qp_state;
	attr->cur_qp_state = (enum ibv_qp_state)v.cur_qp_state;
	attr->path_mtu = (enum ibv_mtu)v.path_mtu;
	attr->path_mig_state = (enum ibv_mig_state)v.path_mig_state;
	attr->qkey = v.qkey;
	attr->rq_psn = v.rq_psn;
	attr->sq_psn = v.sq_psn;
	attr->dest_qp_num = v.dest_qp_num;
	attr->qp_access_flags = (unsigned int)v.qp_access_flags;
	cap_from(&attr->cap, &v.cap);
	ah_from(&attr->ah_attr, &v.ah_attr);
	ah_from(&attr->alt_ah_attr, &v.alt_ah_attr);
	attr->pkey_index = v.pkey_index;
	attr->alt_pkey_index = v.alt_pkey_index;
	attr->en_sqd_async_notify = v.en_sqd_async_notify;
	attr->sq_draining = v.sq_draining;
	attr->max_rd_atomic = v.max_rd_atomic;
	attr->max_dest_rd_atomic = v.max_dest_rd_atomic;
	attr->min_rnr_timer = v.min_rnr_timer;
	attr->port_num = v.port_num;
	attr->timeout = v.timeout;
	attr->retry_cnt = v.retry_cnt;
	attr->rnr_retry = v.rnr_retry;
	attr->alt_port_num = v.alt_port_num;
	attr->alt_timeout = v.alt_timeout;
	memset(init_attr, 0, sizeof(*init_attr));
	init_attr->qp_context = qp->qp_context;
	init_attr->send_cq = qp->send_cq;
	init_attr->recv_cq = qp->recv_cq;
	init_attr->srq = qp->srq;
	cap_from(&init_attr->cap, &v.cap);
	init_attr->qp_type = (enum ibv_qp_type)type;
	init_attr->sq_sig_all = sig;
	return 0;
}

int ivo_destroy_qp(struct ibv_qp *qp)
{
	struct ivp_ibv_qp *q = to_iqp(qp);
	struct ivp_dev *dev = ivp_qp_dev(q->qp);
	uint32_t events;
	int ret;

	ret = ivp_qp_destroy(q->qp, &events);
	if (ret)
		return ivp_failed(dev, "QP_DESTROY", ret);
	/* Every async event reported must have been acknowledged. */
	pthread_mutex_lock(&qp->mutex);
	while (qp->events_completed != events)
		pthread_cond_wait(&qp->cond, &qp->mutex);
	pthread_mutex_unlock(&qp->mutex);
	free(q->b.wr);
	free(q->b.sge);
	free(q->b.inl);
	free(q);
	return 0;
}

/*
 * The states in which the soft device takes posted WRs (as its
 * QP_POST_SEND and QP_POST_RECV do): sends in RTS, SQD or ERR, receives in
 * any state but RESET.  A post through the shared rings reaches the
 * device only later, so it is refused here, against the state libibverbs
 * keeps from the last ibv_modify_qp().  The device may have moved the QP
 * to ERR since, where posting is allowed too.
 */
static const char *send_state_refused(const struct ibv_qp *qp)
{
	switch (qp->state) {
	case IBV_QPS_RTS:
	case IBV_QPS_SQD:
	case IBV_QPS_ERR:
		return NULL;
	default:
		return "the QP is not in RTS, SQD or ERR";
	}
}

static const char *recv_state_refused(const struct ibv_qp *qp)
{
	return qp->state == IBV_QPS_RESET ? "the QP is in RESET" : NULL;
}

int ivo_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr)
{
	struct ivp_ibv_qp *q = to_iqp(qp);
	struct ivp_send_wr v;
	const char *why = send_state_refused(qp);
	int ret;

	if (why && wr) {
		*bad_wr = wr;
		return ivp_failed_why(ivp_qp_dev(q->qp), "post_send", -EINVAL,
				      why);
	}
	for (; wr; wr = wr->next) {
		memset(&v, 0, sizeof(v));
		v.wr_id = wr->wr_id;
		v.num_sge = (uint32_t)wr->num_sge;
		v.opcode = wr->opcode;
		v.send_flags = wr->send_flags;
		v.imm_data = wr->imm_data; /* or invalidate_rkey */
		switch (qp->qp_type) {
		case IBV_QPT_UD:
			v.wr.ud.ah = wr->wr.ud.ah ? wr->wr.ud.ah->handle :
						    IVP_NONE;
			v.wr.ud.remote_qpn = wr->wr.ud.remote_qpn;
			v.wr.ud.remote_qkey = wr->wr.ud.remote_qkey;
			break;
		default:
			if (wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ||
			    wr->opcode == IBV_WR_ATOMIC_FETCH_AND_ADD) {
				v.wr.atomic.remote_addr =
					wr->wr.atomic.remote_addr;
				v.wr.atomic.compare_add =
					wr->wr.atomic.compare_add;
				v.wr.atomic.swap = wr->wr.atomic.swap;
				v.wr.atomic.rkey = wr->wr.atomic.rkey;
			} else {
				v.wr.rdma.remote_addr = wr->wr.rdma.remote_addr;
				v.wr.rdma.rkey = wr->wr.rdma.rkey;
			}
		}
		why = "num_sge outside 0..32";
		ret = wr->num_sge < 0 || wr->num_sge > IVP_MAX_SGE ?
			      -EINVAL :
			      ivp_qp_post_send(q->qp, &v,
					       (const struct ivp_sge *)
						       wr->sg_list,
					       &why);
		if (ret) {
			*bad_wr = wr;
			return ivp_failed_why(ivp_qp_dev(q->qp), "post_send",
					      ret, why);
		}
	}
	return 0;
}

int ivo_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr)
{
	struct ivp_ibv_qp *q = to_iqp(qp);
	struct ivp_recv_wr v;
	const char *why = recv_state_refused(qp);
	int ret;

	if (why && wr) {
		*bad_wr = wr;
		return ivp_failed_why(ivp_qp_dev(q->qp), "post_recv", -EINVAL,
				      why);
	}
	for (; wr; wr = wr->next) {
		v = (struct ivp_recv_wr){
			.wr_id = wr->wr_id,
			.num_sge = (uint32_t)wr->num_sge,
		};
		why = "num_sge outside 0..32";
		ret = wr->num_sge < 0 || wr->num_sge > IVP_MAX_SGE ?
			      -EINVAL :
			      ivp_qp_post_recv(q->qp, &v,
					       (const struct ivp_sge *)
						       wr->sg_list,
					       &why);
		if (ret) {
			*bad_wr = wr;
			return ivp_failed_why(ivp_qp_dev(q->qp), "post_recv",
					      ret, why);
		}
	}
	return 0;
}

/* The extended QP: ibv_create_qp_ex() and the ibv_wr_*() builders. */

static struct ivp_ibv_qp *ex_iqp(struct ibv_qp_ex *qpx)
{
	return (struct ivp_ibv_qp *)qpx;
}

/* A new WR of @opcode in the batch, or NULL (the batch's error set). */
static struct ivp_send_wr *wr_new(struct ibv_qp_ex *qpx, uint32_t opcode)
{
	struct ivp_wr_batch *b = &ex_iqp(qpx)->b;
	struct ivp_send_wr *w;

	if (b->err)
		return NULL;
	if (b->n == b->max) {
		b->err = ENOMEM;
		return NULL;
	}
	w = &b->wr[b->n++];
	memset(w, 0, sizeof(*w));
	w->wr_id = qpx->wr_id;
	w->send_flags = qpx->wr_flags;
	w->opcode = opcode;
	return w;
}

/* The batch's last WR, for the setters, or NULL. */
static struct ivp_send_wr *wr_cur(struct ibv_qp_ex *qpx)
{
	struct ivp_wr_batch *b = &ex_iqp(qpx)->b;

	if (b->err)
		return NULL;
	if (!b->n) {
		b->err = EINVAL;
		return NULL;
	}
	return &b->wr[b->n - 1];
}

static void wr_rdma(struct ibv_qp_ex *qpx, uint32_t op, uint32_t rkey,
		    uint64_t addr, __be32 imm)
{
	struct ivp_send_wr *w = wr_new(qpx, op);

	if (!w)
		return;
	w->wr.rdma.remote_addr = addr;
	w->wr.rdma.rkey = rkey;
	w->imm_data = imm;
}

static void ex_rdma_write(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr)
{
	wr_rdma(qpx, IBV_WR_RDMA_WRITE, rkey, addr, 0);
}

static void ex_rdma_write_imm(struct ibv_qp_ex *qpx, uint32_t rkey,
			      uint64_t addr, __be32 imm)
{
	wr_rdma(qpx, IBV_WR_RDMA_WRITE_WITH_IMM, rkey, addr, imm);
}

static void ex_rdma_read(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr)
{
	wr_rdma(qpx, IBV_WR_RDMA_READ, rkey, addr, 0);
}

static void ex_send(struct ibv_qp_ex *qpx)
{
	wr_new(qpx, IBV_WR_SEND);
}

static void ex_send_imm(struct ibv_qp_ex *qpx, __be32 imm)
{
	struct ivp_send_wr *w = wr_new(qpx, IBV_WR_SEND_WITH_IMM);

	if (w)
		w->imm_data = imm;
}

static void wr_atomic(struct ibv_qp_ex *qpx, uint32_t op, uint32_t rkey,
		      uint64_t addr, uint64_t compare_add, uint64_t swap)
{
	struct ivp_send_wr *w = wr_new(qpx, op);

	if (!w)
		return;
	w->wr.atomic.remote_addr = addr;
	w->wr.atomic.rkey = rkey;
	w->wr.atomic.compare_add = compare_add;
	w->wr.atomic.swap = swap;
}

static void ex_cmp_swp(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr,
		       uint64_t compare, uint64_t swap)
{
	wr_atomic(qpx, IBV_WR_ATOMIC_CMP_AND_SWP, rkey, addr, compare, swap);
}

static void ex_fetch_add(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr,
			 uint64_t add)
{
	wr_atomic(qpx, IBV_WR_ATOMIC_FETCH_AND_ADD, rkey, addr, add, 0);
}

static void ex_set_ud_addr(struct ibv_qp_ex *qpx, struct ibv_ah *ah,
			   uint32_t remote_qpn, uint32_t remote_qkey)
{
	struct ivp_send_wr *w = wr_cur(qpx);

	if (!w)
		return;
	w->wr.ud.ah = ah ? ah->handle : IVP_NONE;
	w->wr.ud.remote_qpn = remote_qpn;
	w->wr.ud.remote_qkey = remote_qkey;
}

static void ex_set_sge_list(struct ibv_qp_ex *qpx, size_t num,
			    const struct ibv_sge *sg)
{
	struct ivp_wr_batch *b = &ex_iqp(qpx)->b;
	struct ivp_send_wr *w = wr_cur(qpx);
	struct ivp_sge *dst;
	size_t i;

	if (!w)
		return;
	if (num > b->max_sge) {
		b->err = EINVAL;
		return;
	}
	dst = &b->sge[(size_t)(w - b->wr) * b->max_sge];
	for (i = 0; i < num; i++)
		dst[i] = (struct ivp_sge){ sg[i].addr, sg[i].length,
					   sg[i].lkey };
	w->num_sge = (uint32_t)num;
	w->send_flags &= ~(uint32_t)IBV_SEND_INLINE;
}

static void ex_set_sge(struct ibv_qp_ex *qpx, uint32_t lkey, uint64_t addr,
		       uint32_t length)
{
	struct ibv_sge sg = { .addr = addr, .length = length, .lkey = lkey };

	ex_set_sge_list(qpx, 1, &sg);
}

/* Inline data is copied now: the caller may reuse its buffers at once. */
static void ex_set_inline_list(struct ibv_qp_ex *qpx, size_t num,
			       const struct ibv_data_buf *bufs)
{
	struct ivp_wr_batch *b = &ex_iqp(qpx)->b;
	struct ivp_send_wr *w = wr_cur(qpx);
	uint8_t *dst;
	size_t i, len = 0;

	if (!w)
		return;
	dst = b->inl + (size_t)(w - b->wr) * b->max_inline;
	for (i = 0; i < num; i++) {
		if (bufs[i].length > b->max_inline - len) {
			b->err = EINVAL;
			return;
		}
		memcpy(dst + len, bufs[i].addr, bufs[i].length);
		len += bufs[i].length;
	}
	b->sge[(size_t)(w - b->wr) * b->max_sge] = (struct ivp_sge){
		.addr = (uintptr_t)dst,
		.length = (uint32_t)len,
	};
	w->num_sge = 1;
	w->send_flags |= IBV_SEND_INLINE;
}

static void ex_set_inline(struct ibv_qp_ex *qpx, void *addr, size_t length)
{
	struct ibv_data_buf d = { .addr = addr, .length = length };

	ex_set_inline_list(qpx, 1, &d);
}

static void ex_start(struct ibv_qp_ex *qpx)
{
	struct ivp_wr_batch *b = &ex_iqp(qpx)->b;

	b->n = 0;
	b->err = 0;
}

static int ex_complete(struct ibv_qp_ex *qpx)
{
	struct ivp_ibv_qp *q = ex_iqp(qpx);
	struct ivp_wr_batch *b = &q->b;
	const char *why = "a builder was refused (too many WRs, SGEs or inline bytes, or a setter before any WR)";
	uint32_t i;
	int ret = -b->err;

	if (!ret && b->n && send_state_refused(&q->vqp.qp)) {
		why = send_state_refused(&q->vqp.qp);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < b->n; i++)
		ret = ivp_qp_post_send(q->qp, &b->wr[i],
				       &b->sge[(size_t)i * b->max_sge], &why);
	b->n = 0;
	b->err = 0;
	if (ret)
		return ivp_failed_why(ivp_qp_dev(q->qp), "wr_complete", ret,
				      why);
	return 0;
}

static void ex_abort(struct ibv_qp_ex *qpx)
{
	ex_start(qpx);
}

/* The send_ops_flags the soft device's opcodes cover. */
#define IVP_SEND_OPS                                                        \
	(IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |   \
	 IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM |               \
	 IBV_QP_EX_WITH_RDMA_READ | IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |     \
	 IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)

struct ibv_qp *ivo_create_qp_ex(struct ibv_context *ctx,
				struct ibv_qp_init_attr_ex *attr)
{
	struct ivp_dev *dev = ivp_ctx_dev(ctx);
	struct ibv_qp_init_attr base;
	struct ibv_qp_ex *qpx;
	struct ivp_wr_batch *b;
	struct ivp_ibv_qp *q;
	const char *why = NULL;
	int err = EOPNOTSUPP;

	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd) {
		err = EINVAL;
		why = "no PD (IBV_QP_INIT_ATTR_PD)";
	} else if (attr->comp_mask & ~(uint32_t)(IBV_QP_INIT_ATTR_PD |
						 IBV_QP_INIT_ATTR_CREATE_FLAGS |
						 IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)) {
		why = "XRC, TSO, RSS are not supported";
	} else if ((attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
		   attr->create_flags) {
		why = "create_flags are not supported";
	} else if ((attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) &&
		   (attr->send_ops_flags & ~(uint64_t)IVP_SEND_OPS)) {
		why = "send_ops_flags: the device has no LOCAL_INV, BIND_MW, SEND_WITH_INV, TSO or ATOMIC_WRITE";
	}
	if (why) {
		errno = ivp_failed_why(dev, "create_qp_ex", -err, why);
		return NULL;
	}
	base = (struct ibv_qp_init_attr){
		.qp_context = attr->qp_context,
		.send_cq = attr->send_cq,
		.recv_cq = attr->recv_cq,
		.srq = attr->srq,
		.cap = attr->cap,
		.qp_type = attr->qp_type,
		.sq_sig_all = attr->sq_sig_all,
	};
	q = qp_create(attr->pd, &base);
	if (!q)
		return NULL;
	attr->cap = base.cap;
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS))
		return &q->vqp.qp;
	b = &q->b;
	b->max = base.cap.max_send_wr ? base.cap.max_send_wr : 1;
	b->max_sge = base.cap.max_send_sge ? base.cap.max_send_sge : 1;
	b->max_inline = base.cap.max_inline_data;
	b->wr = calloc(b->max, sizeof(*b->wr));
	b->sge = calloc((size_t)b->max * b->max_sge, sizeof(*b->sge));
	b->inl = b->max_inline ? calloc(b->max, b->max_inline) : NULL;
	if (!b->wr || !b->sge || (b->max_inline && !b->inl)) {
		ivo_destroy_qp(&q->vqp.qp);
		errno = ENOMEM;
		return NULL;
	}
	q->vqp.comp_mask = IVP_VERBS_QP_EX;
	qpx = &q->vqp.qp_ex;
	qpx->wr_rdma_write = ex_rdma_write;
	qpx->wr_rdma_write_imm = ex_rdma_write_imm;
	qpx->wr_rdma_read = ex_rdma_read;
	qpx->wr_send = ex_send;
	qpx->wr_send_imm = ex_send_imm;
	qpx->wr_atomic_cmp_swp = ex_cmp_swp;
	qpx->wr_atomic_fetch_add = ex_fetch_add;
	qpx->wr_set_ud_addr = ex_set_ud_addr;
	qpx->wr_set_sge = ex_set_sge;
	qpx->wr_set_sge_list = ex_set_sge_list;
	qpx->wr_set_inline_data = ex_set_inline;
	qpx->wr_set_inline_data_list = ex_set_inline_list;
	qpx->wr_start = ex_start;
	qpx->wr_complete = ex_complete;
	qpx->wr_abort = ex_abort;
	return &q->vqp.qp;
}
