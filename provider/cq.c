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
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "ivp_verbs.h"

/*
 * @cur: the completion between ibv_start_poll() and ibv_end_poll() that
 * the ibv_wc_read_*() read (an extended CQ; one poller at a time, as
 * libibverbs documents for that API)
 */
struct ivp_ibv_cq {
	struct verbs_cq vcq; /* first */
	struct ivp_cq *cq;
	struct ivp_wc cur;
};

static struct ivp_ibv_cq *to_icq(struct ibv_cq *cq)
{
	return (struct ivp_ibv_cq *)cq;
}

static struct ivp_ibv_cq *cq_create(struct ibv_context *ctx, int cqe,
				     struct ibv_comp_channel *channel,
				     int comp_vector)
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
	return c;
}

struct ivp_cq *ivp_ibv_cq(struct ibv_cq *cq)
{
	return to_icq(cq)->cq;
}

struct ibv_cq *ivo_create_cq(struct ibv_context *ctx, int cqe,
			     struct ibv_comp_channel *channel, int comp_vector)
{
	struct ivp_ibv_cq *c = cq_create(ctx, cqe, channel, comp_vector);

	return c ? &c->vcq.cq : NULL;
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
	bool yield = false;

	while (done < num_entries) {
		want = num_entries - done;
		if (want > (int)(sizeof(v) / sizeof(v[0])))
			want = (int)(sizeof(v) / sizeof(v[0]));
		n = ivp_cq_poll(c->cq, v, (uint32_t)want, &yield);
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
	if (!done && ivp_ctx_lost(cq->context)) {
		errno = ivp_failed_why(ivp_cq_dev(c->cq), "poll_cq", -EIO,
				       "the device is gone (DEVICE_FATAL)");
		return -1;
	}
	/*
	 * The "NIC" is a thread of the daemon on the same CPUs: a program
	 * spinning on an empty CQ (perftest, ibv_rc_pingpong) would leave it
	 * the CPU only at the scheduler's tick.  A CQ whose QPs all take the
	 * direct path spins without a system call, unless its peer polls on
	 * this CPU (ivp_cq_poll()'s @yield).
	 */
	if (!done && yield)
		sched_yield();
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

/* The extended CQ: ibv_start_poll(), ibv_next_poll(), ibv_wc_read_*(). */

static struct ivp_ibv_cq *ex_icq(struct ibv_cq_ex *cq)
{
	return (struct ivp_ibv_cq *)cq;
}

/* The next completion into @c->cur: 0, ENOENT when none, else an errno. */
static int ex_poll(struct ibv_cq_ex *cq)
{
	struct ivp_ibv_cq *c = ex_icq(cq);
	bool yield;
	int n = ivp_cq_poll(c->cq, &c->cur, 1, &yield);

	if (n < 0)
		return ivp_failed_why(ivp_cq_dev(c->cq), "start_poll", n,
				      "the CQ overflowed: a completion was dropped");
	if (!n && ivp_ctx_lost(cq->context))
		return ivp_failed_why(ivp_cq_dev(c->cq), "start_poll", -EIO,
				      "the device is gone (DEVICE_FATAL)");
	if (!n) {
		if (yield)
			sched_yield(); /* as ivo_poll_cq() */
		return ENOENT;
	}
	cq->status = (enum ibv_wc_status)c->cur.status;
	cq->wr_id = c->cur.wr_id;
	return 0;
}

static int ex_start_poll(struct ibv_cq_ex *cq, struct ibv_poll_cq_attr *attr)
{
	if (attr->comp_mask)
		return EINVAL;
	return ex_poll(cq);
}

static int ex_next_poll(struct ibv_cq_ex *cq)
{
	return ex_poll(cq);
}

static void ex_end_poll(struct ibv_cq_ex *cq)
{
}

static enum ibv_wc_opcode ex_opcode(struct ibv_cq_ex *cq)
{
	return (enum ibv_wc_opcode)ex_icq(cq)->cur.opcode;
}

static uint32_t ex_vendor_err(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.vendor_err;
}

static uint32_t ex_byte_len(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.byte_len;
}

static __be32 ex_imm_data(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.imm_data;
}

static uint32_t ex_qp_num(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.qp_num;
}

static uint32_t ex_src_qp(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.src_qp;
}

static unsigned int ex_wc_flags(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.wc_flags;
}

static uint32_t ex_slid(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.slid;
}

static uint8_t ex_sl(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.sl;
}

static uint8_t ex_dlid_path_bits(struct ibv_cq_ex *cq)
{
	return ex_icq(cq)->cur.dlid_path_bits;
}

/* What a completion of the soft device carries (no timestamp, VLAN...). */
#define IVP_CQ_EX_WC_FLAGS                                                  \
	(IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |                     \
	 IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP |                    \
	 IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL |                          \
	 IBV_WC_EX_WITH_DLID_PATH_BITS)

struct ibv_cq_ex *ivo_create_cq_ex(struct ibv_context *ctx,
				   struct ibv_cq_init_attr_ex *attr)
{
	struct ivp_dev *dev = ivp_ctx_dev(ctx);
	struct ibv_cq_ex *ex;
	struct ivp_ibv_cq *c;

	if (attr->comp_mask & ~(uint32_t)(IBV_CQ_INIT_ATTR_MASK_FLAGS |
					  IBV_CQ_INIT_ATTR_MASK_PD)) {
		errno = ivp_failed_why(dev, "create_cq_ex", -EINVAL,
				       "unknown comp_mask bits");
		return NULL;
	}
	if (attr->wc_flags & ~(uint64_t)IVP_CQ_EX_WC_FLAGS) {
		errno = ivp_failed_why(dev, "create_cq_ex", -EOPNOTSUPP,
				       "wc_flags asks for a timestamp, VLAN, flow tag or tag matching, which the device does not report");
		return NULL;
	}
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) && attr->flags) {
		errno = ivp_failed_why(dev, "create_cq_ex", -EOPNOTSUPP,
				       "create flags (IGNORE_OVERRUN...) are not supported");
		return NULL;
	}
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_PD) &&
	    attr->parent_domain) {
		errno = ivp_failed_why(dev, "create_cq_ex", -EOPNOTSUPP,
				       "no parent domains");
		return NULL;
	}
	if (attr->cqe > INT32_MAX || attr->comp_vector > INT32_MAX) {
		errno = ivp_failed_why(dev, "create_cq_ex", -EINVAL,
				       "cqe or comp_vector above INT_MAX");
		return NULL;
	}
	c = cq_create(ctx, (int)attr->cqe, attr->channel,
		      (int)attr->comp_vector);
	if (!c)
		return NULL;
	ex = &c->vcq.cq_ex;
	ex->start_poll = ex_start_poll;
	ex->next_poll = ex_next_poll;
	ex->end_poll = ex_end_poll;
	ex->read_opcode = ex_opcode;
	ex->read_vendor_err = ex_vendor_err;
	ex->read_byte_len = ex_byte_len;
	ex->read_imm_data = ex_imm_data;
	ex->read_qp_num = ex_qp_num;
	ex->read_src_qp = ex_src_qp;
	ex->read_wc_flags = ex_wc_flags;
	ex->read_slid = ex_slid;
	ex->read_sl = ex_sl;
	ex->read_dlid_path_bits = ex_dlid_path_bits;
	return ex;
}
