// SPDX-License-Identifier: MIT
/*
 * The mock verbs driver (see std_mock_driver.h).  Included by
 * test_std_objects.c: the build links only the test driver into tests.
 */
#include "std_mock_driver.h"

static struct mock_device *to_mock(struct ib_device *dev)
{
	return container_of(to_verbs_dev(dev), struct mock_device, vdev);
}

/* The errno @op was told to fail with, once; 0 otherwise. */
static int mock_fail(struct mock_device *md, enum mock_op op)
{
	int err = md->fail[op];

	md->fail[op] = 0;
	return err;
}

static int mock_query_device(struct ib_device *dev,
			     struct ib_uverbs_query_device_resp *r)
{
	int err = mock_fail(to_mock(dev), MOCK_QUERY_DEVICE);

	if (err)
		return err;
	r->fw_ver = 0x10203;
	r->node_guid = 0x1122334455667788ull;
	r->sys_image_guid = 0x1122334455667788ull;
	r->max_mr_size = MOCK_MAX_MR_SIZE;
	r->page_size_cap = 4096;
	r->vendor_id = 0x1234;
	r->vendor_part_id = 0x5678;
	r->hw_ver = 1;
	r->max_qp = 64;
	r->max_qp_wr = MOCK_MAX_QP_WR;
	r->max_sge = MOCK_MAX_SGE;
	r->max_sge_rd = MOCK_MAX_SGE;
	r->max_cq = 64;
	r->max_cqe = MOCK_MAX_CQE;
	r->max_mr = 64;
	r->max_pd = 16;
	r->max_qp_rd_atom = MOCK_MAX_RD_ATOM;
	r->max_qp_init_rd_atom = MOCK_MAX_RD_ATOM;
	r->max_res_rd_atom = 64;
	r->max_ah = 64;
	r->max_srq = 16;
	r->max_srq_wr = MOCK_MAX_SRQ_WR;
	r->max_srq_sge = MOCK_MAX_SRQ_SGE;
	r->max_inline_data = MOCK_MAX_INLINE;
	r->max_pkeys = 1;
	r->local_ca_ack_delay = 15;
	r->phys_port_cnt = MOCK_PORTS;
	return 0;
}

static int mock_query_port(struct ib_device *dev, u8 port,
			   struct ib_uverbs_query_port_resp *r)
{
	r->max_msg_sz = 1u << 31;
	r->gid_tbl_len = MOCK_GID_TBL_LEN;
	r->pkey_tbl_len = 1;
	r->lid = port;
	r->state = IB_UVERBS_PORT_ACTIVE;
	r->max_mtu = IB_UVERBS_MTU_4096;
	r->active_mtu = IB_UVERBS_MTU_1024;
	r->link_layer = 1;
	return 0;
}

static int mock_query_gid(struct ib_device *dev, u8 port, u32 index,
			  struct ib_uverbs_gid *gid)
{
	memset(gid, 0, sizeof(*gid));
	gid->raw[0] = 0xfe;
	gid->raw[1] = 0x80;
	gid->raw[14] = port;
	gid->raw[15] = (u8)index;
	return 0;
}

static int mock_alloc_ucontext(struct ib_ucontext *uctx,
			       struct uverbs_attr_array *vendor)
{
	struct mock_device *md = to_mock(uctx->device);
	int err = mock_fail(md, MOCK_ALLOC_UCONTEXT);

	if (err)
		return err;
	uctx->driver_priv = kzalloc(16);
	return uctx->driver_priv ? 0 : -ENOMEM;
}

static void mock_dealloc_ucontext(struct ib_ucontext *uctx)
{
	kfree(uctx->driver_priv);
}

/* A new zeroed object of @size for @op, or an ERR_PTR. */
static void *mock_obj_alloc(struct mock_device *md, enum mock_op op,
			    size_t size)
{
	int err = mock_fail(md, op);
	void *p;

	if (err)
		return ERR_PTR(err);
	p = kzalloc(size);
	if (!p)
		return ERR_PTR(-ENOMEM);
	md->live++;
	return p;
}

/* Logs "@name<handle> " and frees, unless told to refuse. */
static int mock_obj_free(struct ib_device *dev, struct ib_uobject *uobj,
			 const char *name, void *obj)
{
	struct mock_device *md = to_mock(dev);
	size_t len = strlen(md->destroyed);
	int err = mock_fail(md, MOCK_DESTROY);

	if (err)
		return err;
	snprintf(md->destroyed + len, sizeof(md->destroyed) - len, "%s%u ",
		 name, uobj->id);
	md->live--;
	kfree(obj);
	return 0;
}

static struct ib_pd *mock_alloc_pd(struct ib_ucontext *uctx,
				   struct uverbs_attr_array *vendor)
{
	return mock_obj_alloc(to_mock(uctx->device), MOCK_ALLOC_PD,
			      sizeof(struct ib_pd));
}

static int mock_dealloc_pd(struct ib_pd *pd)
{
	return mock_obj_free(pd->device, pd->uobject, "pd", pd);
}

static struct ib_mr *mock_reg_mr(struct ib_pd *pd,
				 const struct ib_uverbs_mr_reg_cmd *cmd,
				 struct uverbs_attr_array *vendor)
{
	struct mock_device *md = to_mock(pd->device);
	struct ib_mr *mr = mock_obj_alloc(md, MOCK_REG_MR, sizeof(*mr));

	if (IS_ERR(mr))
		return mr;
	mr->lkey = 0x1000 + md->next_key;
	mr->rkey = 0x2000 + md->next_key++;
	mr->iova = cmd->hca_va;
	mr->start = cmd->start;
	mr->length = cmd->length;
	mr->access = cmd->access_flags;
	return mr;
}

static int mock_dereg_mr(struct ib_mr *mr)
{
	return mock_obj_free(mr->device, mr->uobject, "mr", mr);
}

static struct ib_cq *mock_create_cq(struct ib_ucontext *uctx,
				    const struct ib_uverbs_cq_create_cmd *cmd,
				    struct uverbs_attr_array *vendor)
{
	struct mock_device *md = to_mock(uctx->device);
	struct mock_cq *mcq = mock_obj_alloc(md, MOCK_CREATE_CQ, sizeof(*mcq));
	struct ib_cq *cq;

	if (IS_ERR(mcq))
		return (void *)mcq;
	cq = &mcq->ib;
	/* A power of two, as hardware rings are. */
	cq->cqe = 1;
	while (cq->cqe < cmd->cqe)
		cq->cqe <<= 1;
	md->last_cq = cq;
	md->last_cq_cmd = *cmd;
	return cq;
}

static void mock_cq_drop(struct mock_device *md, struct ib_cq *cq);

static int mock_destroy_cq(struct ib_cq *cq)
{
	struct mock_device *md = to_mock(cq->device);

	if (md->destroy_cq_hook)
		md->destroy_cq_hook(cq);
	if (md->fail[MOCK_DESTROY])
		return mock_obj_free(cq->device, cq->uobject, "cq", cq);
	if (md->last_cq == cq)
		md->last_cq = NULL;
	mock_cq_drop(md, cq);
	return mock_obj_free(cq->device, cq->uobject, "cq", cq);
}

static struct mock_cq *to_mock_cq(struct ib_cq *cq)
{
	return container_of(cq, struct mock_cq, ib);
}

/* Forgets @cq's completions: it is going away. */
static void mock_cq_drop(struct mock_device *md, struct ib_cq *cq)
{
	u32 i, kept = 0;

	for (i = 0; i < md->num_wcs; i++)
		if (md->wcs[i].cq != cq)
			md->wcs[kept++] = md->wcs[i];
	md->num_wcs = kept;
}

int mock_cq_push(struct mock_device *md, struct ib_cq *cq,
		 const struct ib_uverbs_wc *wc, bool solicited)
{
	struct mock_cq *mcq = to_mock_cq(cq);

	if (md->num_wcs == MOCK_LOG)
		return -ENOMEM;
	md->wcs[md->num_wcs].cq = cq;
	md->wcs[md->num_wcs++].wc = *wc;
	if (mcq->armed && (!mcq->solicited_only || solicited ||
			   wc->status != IB_UVERBS_WC_SUCCESS)) {
		mcq->armed = false;
		ib_comp_channel_event(cq);
	}
	return 0;
}

static int mock_poll_cq(struct ib_cq *cq, u32 num, struct ib_uverbs_wc *wc)
{
	struct mock_device *md = to_mock(cq->device);
	int err = mock_fail(md, MOCK_POLL_CQ);
	u32 i, n = 0, kept = 0;

	if (err)
		return err;
	md->last_poll_num = num;
	for (i = 0; i < md->num_wcs; i++) {
		if (md->wcs[i].cq == cq && n < num)
			wc[n++] = md->wcs[i].wc;
		else
			md->wcs[kept++] = md->wcs[i];
	}
	md->num_wcs = kept;
	return (int)n;
}

static int mock_req_notify_cq(struct ib_cq *cq, bool solicited_only)
{
	struct mock_cq *mcq = to_mock_cq(cq);
	int err = mock_fail(to_mock(cq->device), MOCK_REQ_NOTIFY_CQ);

	if (err)
		return err;
	mcq->armed = true;
	mcq->solicited_only = solicited_only;
	return 0;
}

/*
 * Logs WR @w (with its @num_sge SGEs) on @queue.  Return: 0, or -ENOMEM
 * when the log is full.
 */
static int mock_log_wr(struct mock_device *md, const void *queue, bool recv,
		       const struct ib_uverbs_send_wr *w,
		       const struct ib_uverbs_sge *sge,
		       const struct ib_uverbs_ah_attr *ah)
{
	struct mock_wr *m;

	if (md->num_wrs == MOCK_LOG ||
	    w->num_sge > MOCK_SGE_LOG - md->num_sges)
		return -ENOMEM;
	m = &md->wrs[md->num_wrs++];
	m->queue = queue;
	m->recv = recv;
	m->wr = *w;
	m->first_sge = md->num_sges;
	if (ah)
		m->ah = *ah;
	if (w->num_sge)
		memcpy(&md->sges[md->num_sges], sge, w->num_sge * sizeof(*sge));
	md->num_sges += w->num_sge;
	return 0;
}

/* The errno a post told to fail stops with at WR @i, or 0. */
static int mock_post_fail(struct mock_device *md, int err, u32 i, u32 num_wr)
{
	if (err && (i == md->fail_wr || i == num_wr - 1))
		return err;
	return 0;
}

static const u32 mock_wc_opcode[] = {
	[IB_UVERBS_WR_RDMA_WRITE] = IB_UVERBS_WC_RDMA_WRITE,
	[IB_UVERBS_WR_RDMA_WRITE_WITH_IMM] = IB_UVERBS_WC_RDMA_WRITE,
	[IB_UVERBS_WR_SEND] = IB_UVERBS_WC_SEND,
	[IB_UVERBS_WR_SEND_WITH_IMM] = IB_UVERBS_WC_SEND,
	[IB_UVERBS_WR_RDMA_READ] = IB_UVERBS_WC_RDMA_READ,
	[IB_UVERBS_WR_ATOMIC_CMP_AND_SWP] = IB_UVERBS_WC_COMP_SWAP,
	[IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD] = IB_UVERBS_WC_FETCH_ADD,
};

/*
 * Sends complete at once, successfully: a signaled one (or any, with
 * sq_sig_all) queues a completion on the send CQ.  UD sends resolve
 * their AH as a real driver must.
 */
static int mock_post_send(struct ib_qp *qp, const struct ib_uverbs_send_wr *wr,
			  u32 num_wr, const struct ib_uverbs_sge *sge,
			  u32 num_sge, u32 *bad_wr)
{
	struct mock_device *md = to_mock(qp->device);
	int fail = mock_fail(md, MOCK_POST_SEND);
	u32 i, next_sge = 0;
	int err;

	for (i = 0; i < num_wr; i++) {
		const struct ib_uverbs_send_wr *w = &wr[i];
		struct ib_uverbs_ah_attr ah, *pah = NULL;
		bool signaled = qp->sq_sig_all ||
				(w->send_flags & IB_UVERBS_SEND_SIGNALED);

		err = mock_post_fail(md, fail, i, num_wr);
		if (!err && qp->qp_type == IB_UVERBS_QPT_UD) {
			err = uverbs_ah_attr_get(qp->uobject->context,
						 w->wr.ud.ah, &ah);
			pah = &ah;
		}
		if (!err && signaled && md->num_wcs == MOCK_LOG)
			err = -ENOMEM;
		if (!err)
			err = mock_log_wr(md, qp, false, w,
					  sge ? &sge[next_sge] : NULL, pah);
		if (err) {
			*bad_wr = i;
			return err;
		}
		next_sge += w->num_sge;
		if (signaled) {
			struct ib_uverbs_wc wc = {
				.wr_id = w->wr_id,
				.opcode = mock_wc_opcode[w->opcode],
				.qp_num = qp->qp_num,
			};

			mock_cq_push(md, qp->send_cq, &wc,
				     w->send_flags & IB_UVERBS_SEND_SOLICITED);
		}
	}
	WARN_ON(next_sge != num_sge);
	return 0;
}

/* Receives wait in the log; tests complete them with mock_cq_push(). */
static int mock_post_recv_on(struct mock_device *md, const void *queue,
			     enum mock_op op,
			     const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			     const struct ib_uverbs_sge *sge, u32 num_sge,
			     u32 *bad_wr)
{
	int fail = mock_fail(md, op);
	u32 i, next_sge = 0;
	int err;

	for (i = 0; i < num_wr; i++) {
		struct ib_uverbs_send_wr w = {
			.wr_id = wr[i].wr_id, .num_sge = wr[i].num_sge,
		};

		err = mock_post_fail(md, fail, i, num_wr);
		if (!err)
			err = mock_log_wr(md, queue, true, &w,
					  sge ? &sge[next_sge] : NULL, NULL);
		if (err) {
			*bad_wr = i;
			return err;
		}
		next_sge += w.num_sge;
	}
	WARN_ON(next_sge != num_sge);
	return 0;
}

static int mock_post_recv(struct ib_qp *qp, const struct ib_uverbs_recv_wr *wr,
			  u32 num_wr, const struct ib_uverbs_sge *sge,
			  u32 num_sge, u32 *bad_wr)
{
	return mock_post_recv_on(to_mock(qp->device), qp, MOCK_POST_RECV, wr,
				 num_wr, sge, num_sge, bad_wr);
}

static int mock_post_srq_recv(struct ib_srq *srq,
			      const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			      const struct ib_uverbs_sge *sge, u32 num_sge,
			      u32 *bad_wr)
{
	return mock_post_recv_on(to_mock(srq->device), srq,
				 MOCK_POST_SRQ_RECV, wr, num_wr, sge, num_sge,
				 bad_wr);
}

static struct ib_qp *mock_create_qp(struct ib_pd *pd,
				    const struct ib_uverbs_qp_create_cmd *cmd,
				    struct uverbs_attr_array *vendor)
{
	struct mock_device *md = to_mock(pd->device);
	struct ib_qp *qp = mock_obj_alloc(md, MOCK_CREATE_QP, sizeof(*qp));

	if (IS_ERR(qp))
		return qp;
	qp->qp_num = 0x100 + md->next_key++;
	qp->cap = cmd->cap;
	/* Inline data comes in 32-byte units here. */
	qp->cap.max_inline_data = (cmd->cap.max_inline_data + 31) & ~31u;
	md->last_qp = qp;
	md->last_qp_cmd = *cmd;
	return qp;
}

static int mock_modify_qp(struct ib_qp *qp,
			  const struct ib_uverbs_qp_attr *attr)
{
	struct mock_device *md = to_mock(qp->device);
	int err = mock_fail(md, MOCK_MODIFY_QP);

	if (err)
		return err;
	md->last_modify_qp = *attr;
	return 0;
}

/* What an error completion does behind the core's back, on request. */
static u8 mock_query_qp_state(struct ib_qp *qp)
{
	struct mock_device *md = to_mock(qp->device);

	return md->qp_state_now == 0xff ? qp->attr.qp_state : md->qp_state_now;
}

static int mock_destroy_qp(struct ib_qp *qp)
{
	struct mock_device *md = to_mock(qp->device);

	if (md->last_qp == qp && !md->fail[MOCK_DESTROY])
		md->last_qp = NULL;
	return mock_obj_free(qp->device, qp->uobject, "qp", qp);
}

static struct ib_srq *
mock_create_srq(struct ib_pd *pd, const struct ib_uverbs_srq_create_cmd *cmd,
		struct uverbs_attr_array *vendor)
{
	struct ib_srq *srq = mock_obj_alloc(to_mock(pd->device),
					    MOCK_CREATE_SRQ, sizeof(*srq));

	if (IS_ERR(srq))
		return srq;
	srq->max_wr = cmd->max_wr + 1;	/* one slot kept empty */
	srq->max_sge = cmd->max_sge;
	to_mock(pd->device)->last_srq = srq;
	return srq;
}

static int mock_modify_srq(struct ib_srq *srq,
			   const struct ib_uverbs_srq_modify_cmd *cmd)
{
	struct mock_device *md = to_mock(srq->device);
	int err = mock_fail(md, MOCK_MODIFY_SRQ);

	if (err)
		return err;
	md->last_modify_srq = *cmd;
	if (cmd->attr_mask & IB_UVERBS_SRQ_MAX_WR)
		srq->max_wr = cmd->max_wr + 1;
	return 0;
}

static int mock_destroy_srq(struct ib_srq *srq)
{
	struct mock_device *md = to_mock(srq->device);

	if (md->last_srq == srq && !md->fail[MOCK_DESTROY])
		md->last_srq = NULL;
	return mock_obj_free(srq->device, srq->uobject, "srq", srq);
}

static struct ib_ah *mock_create_ah(struct ib_pd *pd,
				    const struct ib_uverbs_ah_attr *attr,
				    struct uverbs_attr_array *vendor)
{
	return mock_obj_alloc(to_mock(pd->device), MOCK_CREATE_AH,
			      sizeof(struct ib_ah));
}

static int mock_destroy_ah(struct ib_ah *ah)
{
	return mock_obj_free(ah->device, ah->uobject, "ah", ah);
}

static const struct ib_device_ops mock_ops = {
	.query_device = mock_query_device,
	.query_port = mock_query_port,
	.query_gid = mock_query_gid,
	.alloc_ucontext = mock_alloc_ucontext,
	.alloc_pd = mock_alloc_pd,
	.dealloc_pd = mock_dealloc_pd,
	.reg_mr = mock_reg_mr,
	.dereg_mr = mock_dereg_mr,
	.create_cq = mock_create_cq,
	.destroy_cq = mock_destroy_cq,
	.create_qp = mock_create_qp,
	.modify_qp = mock_modify_qp,
	.query_qp_state = mock_query_qp_state,
	.destroy_qp = mock_destroy_qp,
	.create_srq = mock_create_srq,
	.modify_srq = mock_modify_srq,
	.destroy_srq = mock_destroy_srq,
	.create_ah = mock_create_ah,
	.destroy_ah = mock_destroy_ah,
	.post_send = mock_post_send,
	.post_recv = mock_post_recv,
	.post_srq_recv = mock_post_srq_recv,
	.poll_cq = mock_poll_cq,
	.req_notify_cq = mock_req_notify_cq,
};

struct mock_device *mock_device_create(void)
{
	static unsigned int serial;
	struct mock_device *md = kzalloc(sizeof(*md));

	if (!md)
		return NULL;
	snprintf(md->vdev.ib.name, sizeof(md->vdev.ib.name), "mock%u",
		 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	md->vdev.ib.driver_id = MOCK_DRIVER_ID;
	md->vdev.ib.types = &uverbs_std_types;
	md->vdev.ib.dealloc_ucontext = mock_dealloc_ucontext;
	md->vdev.ops = &mock_ops;
	md->qp_state_now = 0xff;
	if (ib_register_device(&md->vdev.ib)) {
		kfree(md);
		return NULL;
	}
	return md;
}

void mock_device_remove(struct mock_device *md)
{
	if (md->vdev.ib.uverbs_dev)
		ib_unregister_device(&md->vdev.ib);
}

void mock_device_destroy(struct mock_device *md)
{
	mock_device_remove(md);
	kfree(md);
}
