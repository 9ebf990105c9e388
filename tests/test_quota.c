// SPDX-License-Identifier: MIT
/*
 * The accounting hooks behind quotas (ib_uverbs_charge()), embedded, on
 * the soft device through real commands: the core charges one object of
 * its type per NEW and the pages of every MR, the soft device the bytes
 * of its queues; a transport's refusal fails the command with its errno
 * and its reason, and creates nothing; every charge comes back on every
 * path (DESTROY, a failed command, close, device removal, and every
 * point of a fail-nth sweep).  The transport here is a test's: it counts
 * what a file holds and refuses past the limits a test sets.  A file
 * opened without hooks (embedded mode's default) has no limits.
 */
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>

#define NTYPES 32

/* The test transport's books and limits (0: no limit). */
static struct {
	pthread_mutex_t lock;
	u64 held[IB_UVERBS_NUM_RES][NTYPES];
	u64 limit_objects[NTYPES];
	u64 limit_queue_mem;
	u64 limit_pinned;
} tq = { .lock = PTHREAD_MUTEX_INITIALIZER };

static u64 tq_total(enum ib_uverbs_resource res)
{
	u64 sum = 0;
	unsigned int t;

	pthread_mutex_lock(&tq.lock);
	for (t = 0; t < NTYPES; t++)
		sum += tq.held[res][t];
	pthread_mutex_unlock(&tq.lock);
	return sum;
}

static u64 tq_held(enum ib_uverbs_resource res, u16 type)
{
	u64 v;

	pthread_mutex_lock(&tq.lock);
	v = tq.held[res][type];
	pthread_mutex_unlock(&tq.lock);
	return v;
}

static void tq_reset(void)
{
	pthread_mutex_lock(&tq.lock);
	memset(tq.held, 0, sizeof(tq.held));
	memset(tq.limit_objects, 0, sizeof(tq.limit_objects));
	tq.limit_queue_mem = 0;
	tq.limit_pinned = 0;
	pthread_mutex_unlock(&tq.lock);
}

static void tq_assert_empty(void)
{
	unsigned int res;

	for (res = 0; res < IB_UVERBS_NUM_RES; res++)
		ASSERT_EQ(tq_total(res), 0);
}

static int tq_charge(struct ib_uverbs_file *ufile, enum ib_uverbs_resource res,
		     u16 type_id, u64 amount)
{
	u64 limit, held = 0;
	unsigned int t;
	int ret = 0;

	ASSERT_TRUE(res < IB_UVERBS_NUM_RES && type_id < NTYPES);
	pthread_mutex_lock(&tq.lock);
	if (res == IB_UVERBS_RES_OBJECT) {
		limit = tq.limit_objects[type_id];
		held = tq.held[res][type_id];
	} else {
		limit = res == IB_UVERBS_RES_PINNED ? tq.limit_pinned :
						      tq.limit_queue_mem;
		for (t = 0; t < NTYPES; t++)
			held += tq.held[res][t];
	}
	if (limit && held + amount > limit) {
		uverbs_set_error("test quota: res %u type %u holds %llu, limit %llu",
				 res, type_id, (unsigned long long)held,
				 (unsigned long long)limit);
		ret = res == IB_UVERBS_RES_PINNED ? -ENOMEM : -EDQUOT;
	} else {
		tq.held[res][type_id] += amount;
	}
	pthread_mutex_unlock(&tq.lock);
	return ret;
}

static void tq_uncharge(struct ib_uverbs_file *ufile,
			enum ib_uverbs_resource res, u16 type_id, u64 amount)
{
	ASSERT_TRUE(res < IB_UVERBS_NUM_RES && type_id < NTYPES);
	pthread_mutex_lock(&tq.lock);
	ASSERT_TRUE(tq.held[res][type_id] >= amount);
	tq.held[res][type_id] -= amount;
	pthread_mutex_unlock(&tq.lock);
}

static int tq_fd_alloc(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		       int hint)
{
	return compat_event_fd_alloc();
}

static void tq_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	compat_event_fd_release(fd);
}

static const struct ib_uverbs_file_ops tq_ops = {
	.fd_alloc = tq_fd_alloc,
	.fd_release = tq_fd_release,
	.charge = tq_charge,
	.uncharge = tq_uncharge,
};

/* A soft device and one file on it with a context. */
struct qenv {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	u32 pd, cq;
};

static void qenv_open(struct qenv *e, const struct ib_uverbs_file_ops *ops)
{
	memset(e, 0, sizeof(*e));
	tq_reset();
	e->dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(e->dev));
	e->f = ib_uverbs_open(e->dev, ops, NULL);
	ASSERT_TRUE(!IS_ERR(e->f));
	ioverbs_client_init_embedded(&e->v, e->f);
	ASSERT_OK(ioverbs_context_get(&e->v));
}

static void qenv_close(struct qenv *e)
{
	ib_uverbs_release(e->f);
	tq_assert_empty();
	soft_device_destroy(e->dev);
}

static u64 file_charged(struct qenv *e, enum ib_uverbs_resource res)
{
	struct ib_uverbs_file_stats st;

	ib_uverbs_file_stats(e->f, &st);
	return st.charged[res];
}

static u32 file_objects(struct qenv *e)
{
	struct ib_uverbs_file_stats st;

	ib_uverbs_file_stats(e->f, &st);
	return st.num_objects;
}

#define ACC_LW IB_UVERBS_ACCESS_LOCAL_WRITE

static long mr_reg(struct qenv *e, void *buf, size_t len, u32 *mr)
{
	u32 lkey, rkey;

	return ioverbs_mr_reg(&e->v, e->pd, buf, len, ACC_LW, mr, &lkey, &rkey);
}

static long destroy(struct qenv *e, u16 type, u32 h)
{
	static const struct {
		u16 action, attr;
	} d[] = {
		[UVERBS_TYPE_PD] = { UVERBS_ACTION_PD_DEALLOC,
				     UVERBS_PD_DEALLOC_HANDLE },
		[UVERBS_TYPE_MR] = { UVERBS_ACTION_MR_DEREG,
				     UVERBS_MR_DEREG_HANDLE },
		[UVERBS_TYPE_CQ] = { UVERBS_ACTION_CQ_DESTROY,
				     UVERBS_CQ_DESTROY_HANDLE },
		[UVERBS_TYPE_QP] = { UVERBS_ACTION_QP_DESTROY,
				     UVERBS_QP_DESTROY_HANDLE },
		[UVERBS_TYPE_SRQ] = { UVERBS_ACTION_SRQ_DESTROY,
				      UVERBS_SRQ_DESTROY_HANDLE },
	};

	return ioverbs_object_destroy(&e->v, type, d[type].action, d[type].attr, h);
}

static long qp_create(struct qenv *e, u32 wr, u32 sge, u32 *qp)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = wr, .max_recv_wr = wr,
		.max_send_sge = sge, .max_recv_sge = sge,
	}, out;
	u32 qpn;

	return ioverbs_qp_create(&e->v, IB_UVERBS_QPT_RC, e->pd, e->cq, &cap,
				 qp, &qpn, &out);
}

static long cq_resize(struct qenv *e, u32 cq, u32 cqe)
{
	return ioverbs_cq_resize(&e->v, cq, cqe, NULL);
}

static long srq_create(struct qenv *e, u32 max_wr, u32 *srq)
{
	struct ib_uverbs_srq_create_cmd cmd = { .max_wr = max_wr, .max_sge = 2 };

	return ioverbs_srq_create(&e->v, e->pd, &cmd, srq, NULL);
}

static long srq_grow(struct qenv *e, u32 srq, u32 max_wr)
{
	struct ib_uverbs_srq_modify_cmd cmd = {
		.attr_mask = IB_UVERBS_SRQ_MAX_WR, .max_wr = max_wr,
	};

	return ioverbs_srq_modify(&e->v, srq, &cmd);
}

static bool error_says(const char *what)
{
	return strstr(ib_uverbs_last_error(), what) != NULL;
}

TEST(quota_objects_charged_per_type_and_refused)
{
	static u8 buf[4096] __attribute__((aligned(4096)));
	struct qenv e;
	u32 mr[3], cq2;

	qenv_open(&e, &tq_ops);
	tq.limit_objects[UVERBS_TYPE_MR] = 2;
	ASSERT_OK(ioverbs_pd_alloc(&e.v, &e.pd));
	ASSERT_OK(mr_reg(&e, buf, sizeof(buf), &mr[0]));
	ASSERT_OK(mr_reg(&e, buf, sizeof(buf), &mr[1]));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_MR), 2);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_PD), 1);

	/* The transport's errno and reason, and nothing created. */
	ASSERT_ERRNO(-EDQUOT, mr_reg(&e, buf, sizeof(buf), &mr[2]));
	ASSERT_TRUE(error_says("test quota: res 0 type 2 holds 2, limit 2"));
	ASSERT_EQ(file_objects(&e), 3);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_MR), 2);
	/* The refused registration gave back its pages too. */
	ASSERT_EQ(tq_total(IB_UVERBS_RES_PINNED), 2 * 4096);

	/* Other types have their own count; DESTROY makes room. */
	ASSERT_OK(ioverbs_cq_create(&e.v, 8, &e.cq, &cq2));
	ASSERT_OK(destroy(&e, UVERBS_TYPE_MR, mr[0]));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_MR), 1);
	ASSERT_OK(mr_reg(&e, buf, sizeof(buf), &mr[2]));
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_OBJECT), 4);
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_OBJECT),
		  tq_total(IB_UVERBS_RES_OBJECT));
	qenv_close(&e);
}

TEST(quota_queue_memory_follows_the_queues)
{
	u32 cqe, qp, srq, qp2;
	u64 ring, sq_rq, srq_bytes;
	struct qenv e;
	u32 objects;

	qenv_open(&e, &tq_ops);
	ASSERT_OK(ioverbs_pd_alloc(&e.v, &e.pd));

	/* A CQ: its ring (cqe rounded up to a power of two). */
	ASSERT_OK(ioverbs_cq_create(&e.v, 100, &e.cq, &cqe));
	ASSERT_EQ(cqe, 128);
	ring = tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_CQ);
	ASSERT_EQ(ring, 128 * sizeof(struct ib_uverbs_wc));
	ASSERT_OK(cq_resize(&e, e.cq, 1000));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_CQ), 8 * ring);
	ASSERT_OK(cq_resize(&e, e.cq, 10));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_CQ), ring / 8);

	/* A QP: both queues; twice the depth, twice the bytes. */
	ASSERT_OK(qp_create(&e, 64, 4, &qp));
	sq_rq = tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_QP);
	ASSERT_TRUE(sq_rq >= 2 * 64 * 4 * sizeof(struct ib_uverbs_sge));
	ASSERT_OK(qp_create(&e, 128, 4, &qp2));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_QP), 3 * sq_rq);
	ASSERT_OK(destroy(&e, UVERBS_TYPE_QP, qp2));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_QP), sq_rq);

	/* An SRQ, grown by MODIFY. */
	ASSERT_OK(srq_create(&e, 100, &srq));
	srq_bytes = tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_SRQ);
	ASSERT_TRUE(srq_bytes >= 128 * 2 * sizeof(struct ib_uverbs_sge));
	ASSERT_OK(srq_grow(&e, srq, 300));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_SRQ),
		  4 * srq_bytes);
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_QUEUE_MEM),
		  tq_total(IB_UVERBS_RES_QUEUE_MEM));

	/*
	 * A quota just above what is held: a QP with deep queues, a CQ
	 * resize and an SRQ growth are refused with the transport's
	 * errno; nothing is created or changed.
	 */
	tq.limit_queue_mem = tq_total(IB_UVERBS_RES_QUEUE_MEM) + 4096;
	objects = file_objects(&e);
	ASSERT_ERRNO(-EDQUOT, qp_create(&e, 16384, 32, &qp2));
	ASSERT_TRUE(error_says("test quota: res 1 type 5"));
	ASSERT_ERRNO(-EDQUOT, cq_resize(&e, e.cq, 65536));
	ASSERT_ERRNO(-EDQUOT, srq_grow(&e, srq, 16384));
	ASSERT_EQ(file_objects(&e), objects);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_QP), sq_rq);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_CQ), ring / 8);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_SRQ),
		  4 * srq_bytes);
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_QP), 1);
	/* Small ones still fit. */
	ASSERT_OK(qp_create(&e, 1, 1, &qp2));

	ASSERT_OK(destroy(&e, UVERBS_TYPE_SRQ, srq));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_QUEUE_MEM, UVERBS_TYPE_SRQ), 0);
	qenv_close(&e);
}

TEST(quota_mr_charges_whole_pages)
{
	u8 *buf = aligned_alloc(4096, 4 * 4096);
	u32 a, b, c, d;
	struct qenv e;

	ASSERT_TRUE(buf);
	qenv_open(&e, &tq_ops);
	ASSERT_OK(ioverbs_pd_alloc(&e.v, &e.pd));
	ASSERT_OK(mr_reg(&e, buf + 100, 1, &a));
	ASSERT_EQ(tq_total(IB_UVERBS_RES_PINNED), 4096);
	ASSERT_OK(mr_reg(&e, buf + 4095, 2, &b));
	ASSERT_EQ(tq_total(IB_UVERBS_RES_PINNED), 4096 + 8192);
	ASSERT_OK(mr_reg(&e, buf, 3 * 4096, &c));
	ASSERT_EQ(tq_total(IB_UVERBS_RES_PINNED), 4096 + 8192 + 3 * 4096);
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_PINNED), 6 * 4096);

	/* Over the limit: the transport's ENOMEM, no MR, no object. */
	tq.limit_pinned = 7 * 4096;
	ASSERT_OK(mr_reg(&e, buf, 4096, &d));
	ASSERT_ERRNO(-ENOMEM, mr_reg(&e, buf + 4096, 1, &d));
	ASSERT_TRUE(error_says("test quota: res 2"));
	ASSERT_EQ(tq_held(IB_UVERBS_RES_OBJECT, UVERBS_TYPE_MR), 4);
	ASSERT_EQ(file_objects(&e), 5);

	ASSERT_OK(destroy(&e, UVERBS_TYPE_MR, b));
	ASSERT_EQ(tq_total(IB_UVERBS_RES_PINNED), 5 * 4096);
	ASSERT_OK(mr_reg(&e, buf + 4096, 1, &d));
	qenv_close(&e);
	free(buf);
}

/* Every kind of charge held at once; qenv_close() checks the rest. */
static void hold_everything(struct qenv *e, void *buf, u32 *srq)
{
	u32 mr, qp, cqe;

	ASSERT_OK(ioverbs_pd_alloc(&e->v, &e->pd));
	ASSERT_OK(mr_reg(e, buf, 4096, &mr));
	ASSERT_OK(ioverbs_cq_create(&e->v, 64, &e->cq, &cqe));
	ASSERT_OK(qp_create(e, 64, 2, &qp));
	ASSERT_OK(srq_create(e, 64, srq));
	ASSERT_TRUE(tq_total(IB_UVERBS_RES_OBJECT) == 5 &&
		    tq_total(IB_UVERBS_RES_QUEUE_MEM) &&
		    tq_total(IB_UVERBS_RES_PINNED) == 4096);
}

TEST(quota_charges_released_on_close)
{
	static u8 buf[4096] __attribute__((aligned(4096)));
	struct qenv e;
	u32 srq;

	qenv_open(&e, &tq_ops);
	hold_everything(&e, buf, &srq);
	qenv_close(&e);
}

TEST(quota_charges_released_on_device_removal)
{
	static u8 buf[4096] __attribute__((aligned(4096)));
	struct qenv e;
	u32 srq;

	qenv_open(&e, &tq_ops);
	hold_everything(&e, buf, &srq);
	ib_unregister_device(e.dev);
	tq_assert_empty();
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_OBJECT), 0);
	/* Rule 20's DESTROY of a zombie gives nothing back twice. */
	ASSERT_OK(destroy(&e, UVERBS_TYPE_SRQ, srq));
	tq_assert_empty();
	qenv_close(&e);
}

TEST(quota_embedded_default_has_no_limits)
{
	struct qenv e;
	u32 pd;
	int i;

	qenv_open(&e, NULL);
	/* More than ioverbsd lets one user hold by default. */
	for (i = 0; i < 1100; i++)
		ASSERT_OK(ioverbs_pd_alloc(&e.v, &pd));
	ASSERT_EQ(file_charged(&e, IB_UVERBS_RES_OBJECT), 1100);
	ib_uverbs_release(e.f);
	soft_device_destroy(e.dev);
}

/*
 * Fail-nth: whichever allocation or lookup fails, every charge comes
 * back (the transport's books and the file's both read zero after the
 * close), and nothing leaks.
 */
static void charges_nth(unsigned int n, bool *reached_end)
{
	static u8 buf[8192];
	struct ib_uverbs_file_stats st;
	u32 mr, qp, srq, cqe, pd2;
	struct qenv e;
	unsigned int res;

	qenv_open(&e, &tq_ops);
	compat_fail_nth_set(n);
	ioverbs_pd_alloc(&e.v, &e.pd);
	mr_reg(&e, buf, sizeof(buf), &mr);
	ioverbs_cq_create(&e.v, 64, &e.cq, &cqe);
	cq_resize(&e, e.cq, 200);
	qp_create(&e, 32, 2, &qp);
	srq_create(&e, 16, &srq);
	srq_grow(&e, srq, 64);
	ioverbs_pd_alloc(&e.v, &pd2);
	destroy(&e, UVERBS_TYPE_QP, qp);
	destroy(&e, UVERBS_TYPE_MR, mr);
	*reached_end = compat_fail_nth_left() != 0;
	compat_fail_nth_set(0);
	/* What the file holds and what the transport counted agree. */
	ib_uverbs_file_stats(e.f, &st);
	for (res = 0; res < IB_UVERBS_NUM_RES; res++)
		if (st.charged[res] != tq_total(res))
			harness_fail(__FILE__, __LINE__,
				     "n=%u: res %u: file %llu, transport %llu",
				     n, res, (unsigned long long)st.charged[res],
				     (unsigned long long)tq_total(res));
	qenv_close(&e);
	rcu_barrier();
	if (compat_live_objects())
		harness_fail(__FILE__, __LINE__, "n=%u: %ld objects leaked", n,
			     compat_live_objects());
}

TEST(quota_fail_nth_charges_come_back)
{
	bool end = false;
	unsigned int n;

	for (n = 1; n < 10000 && !end; n++)
		charges_nth(n, &end);
	ASSERT_TRUE(end);
}
