// SPDX-License-Identifier: MIT
/*
 * The soft device's control path, op by op: device creation and
 * registration, ports, LIDs, GIDs, queries, and the PD, MR (keys and the
 * data path's lookup), CQ, QP (QPNs, MODIFY, the fabric), SRQ and AH ops,
 * called directly as the core's standard handlers call them.  Those
 * devices are built on a types table of the test's own (a QP type for the
 * vendor action's IDR attribute, nothing else), so the ops are tested
 * without the standard handlers.  The soft_std_* tests and
 * soft_failnth_commands then drive the same ops through uverbs_std_types
 * and real commands, the vendor action included.
 */
#include <pthread.h>

#include "harness.h"

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>
#include "../drivers/soft/soft.h"

#include "soft_env.h"

static long env_open(struct env *e, const struct soft_device_config *base)
{
	struct soft_device_config cfg = {};
	long ret;

	if (base)
		cfg = *base;
	if (!cfg.std_types)
		cfg.std_types = &test_std_types;
	memset(e, 0, sizeof(*e));
	e->dev = soft_device_create(&cfg);
	if (IS_ERR(e->dev))
		return PTR_ERR(e->dev);
	e->sdev = to_soft_dev(e->dev);
	e->ops = to_verbs_dev(e->dev)->ops;
	e->f = ib_uverbs_open(e->dev, NULL, NULL);
	if (IS_ERR(e->f)) {
		ret = PTR_ERR(e->f);
		goto err_dev;
	}
	e->uctx = uverbs_ucontext_alloc(e->dev, e->f);
	if (IS_ERR(e->uctx)) {
		ret = PTR_ERR(e->uctx);
		goto err_file;
	}
	ret = e->ops->alloc_ucontext(e->uctx, NULL);
	if (ret)
		goto err_ctx;
	e->uobj.context = e->uctx;
	return 0;

err_ctx:
	uverbs_ucontext_abort(e->uctx);
err_file:
	ib_uverbs_release(e->f);
err_dev:
	soft_device_destroy(e->dev);
	return ret;
}

static void env_close(struct env *e)
{
	e->dev->dealloc_ucontext(e->uctx);
	uverbs_ucontext_abort(e->uctx);
	ib_uverbs_release(e->f);
	soft_device_destroy(e->dev);
}

static void env_open_ok(struct env *e, const struct soft_device_config *cfg)
{
	ASSERT_OK(env_open(e, cfg));
}

/* What the core does after a create op: the common fields. */
static long pd_alloc(struct env *e, struct ib_pd **out)
{
	struct ib_pd *pd = e->ops->alloc_pd(e->uctx, NULL);

	if (IS_ERR(pd))
		return PTR_ERR(pd);
	pd->device = e->dev;
	pd->uobject = &e->uobj;
	*out = pd;
	return 0;
}

static struct ib_pd *pd_alloc_ok(struct env *e)
{
	struct ib_pd *pd = NULL;

	ASSERT_OK(pd_alloc(e, &pd));
	return pd;
}

static long mr_reg(struct env *e, struct ib_pd *pd, u64 start, u64 len,
		   u64 iova, u32 access, struct ib_mr **out)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = start, .length = len, .hca_va = iova,
		.access_flags = access,
	};
	struct ib_mr *mr = e->ops->reg_mr(pd, &cmd, NULL);

	if (IS_ERR(mr))
		return PTR_ERR(mr);
	mr->device = e->dev;
	mr->uobject = &e->uobj;
	mr->pd = pd;
	*out = mr;
	return 0;
}

static struct ib_mr *mr_reg_ok(struct env *e, struct ib_pd *pd, u64 start,
			       u64 len, u64 iova, u32 access)
{
	struct ib_mr *mr = NULL;

	ASSERT_OK(mr_reg(e, pd, start, len, iova, access, &mr));
	return mr;
}

static long cq_create(struct env *e, u32 cqe, struct ib_cq **out)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 7, .cqe = cqe };
	struct ib_cq *cq = e->ops->create_cq(e->uctx, &cmd, NULL);

	if (IS_ERR(cq))
		return PTR_ERR(cq);
	cq->device = e->dev;
	cq->uobject = &e->uobj;
	*out = cq;
	return 0;
}

static long qp_create(struct env *e, struct ib_pd *pd, u8 type,
		      const struct ib_uverbs_qp_cap *cap, struct ib_qp **out)
{
	struct ib_uverbs_qp_create_cmd cmd = {
		.user_handle = 9, .cap = *cap, .qp_type = type,
	};
	struct ib_qp *qp = e->ops->create_qp(pd, &cmd, NULL);

	if (IS_ERR(qp))
		return PTR_ERR(qp);
	qp->device = e->dev;
	qp->uobject = &e->uobj;
	qp->pd = pd;
	*out = qp;
	return 0;
}

static const struct ib_uverbs_qp_cap small_cap = {
	.max_send_wr = 16, .max_recv_wr = 16,
	.max_send_sge = 2, .max_recv_sge = 2,
};

static struct ib_qp *qp_create_ok(struct env *e, struct ib_pd *pd, u8 type)
{
	struct ib_qp *qp = NULL;

	ASSERT_OK(qp_create(e, pd, type, &small_cap, &qp));
	return qp;
}

static long srq_create(struct env *e, struct ib_pd *pd, u32 max_wr,
		       u32 max_sge, u32 limit, struct ib_srq **out)
{
	struct ib_uverbs_srq_create_cmd cmd = {
		.user_handle = 11, .max_wr = max_wr, .max_sge = max_sge,
		.srq_limit = limit,
	};
	struct ib_srq *srq = e->ops->create_srq(pd, &cmd, NULL);

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	srq->device = e->dev;
	srq->uobject = &e->uobj;
	srq->pd = pd;
	*out = srq;
	return 0;
}

static long ah_create(struct env *e, struct ib_pd *pd,
		      const struct ib_uverbs_ah_attr *attr, struct ib_ah **out)
{
	struct ib_ah *ah = e->ops->create_ah(pd, attr, NULL);

	if (IS_ERR(ah))
		return PTR_ERR(ah);
	ah->device = e->dev;
	ah->uobject = &e->uobj;
	ah->pd = pd;
	*out = ah;
	return 0;
}

static u16 port_lid(struct env *e, u8 port)
{
	struct ib_uverbs_query_port_resp pr;

	ASSERT_OK(e->ops->query_port(e->dev, port, &pr));
	return pr.lid;
}

static struct ib_uverbs_gid port_gid(struct env *e, u8 port)
{
	struct ib_uverbs_gid gid;

	ASSERT_OK(e->ops->query_gid(e->dev, port, 0, &gid));
	return gid;
}

static u64 node_guid(struct env *e)
{
	struct ib_uverbs_query_device_resp a;

	ASSERT_OK(e->ops->query_device(e->dev, &a));
	return a.node_guid;
}

/* --- device ---------------------------------------------------------- */

TEST(soft_device_create_destroy)
{
	struct soft_device_config cfg = { .name = "softtest",
					  .std_types = &test_std_types };
	struct ib_device *dev = soft_device_create(&cfg);

	ASSERT_TRUE(!IS_ERR(dev));
	ASSERT_EQ(dev->driver_id, SOFT_DRIVER_ID);
	ASSERT_TRUE(ib_device_find("softtest") == dev);
	ASSERT_TRUE(dev->uverbs_dev != NULL);
	ASSERT_EQ(dev->types->num_types, SOFT_NUM_TYPES);
	ASSERT_TRUE(dev->types->types[UVERBS_TYPE_QP] == &test_qp_type);
	ASSERT_TRUE(dev->types->types[SOFT_TYPE_VENDOR] != NULL);
	/* The same name twice: EEXIST, nothing left behind. */
	ASSERT_EQ(PTR_ERR(soft_device_create(&cfg)), -EEXIST);
	soft_device_destroy(dev);
	ASSERT_TRUE(ib_device_find("softtest") == NULL);

	/* Destroy after a hot unplug: no second unregister. */
	dev = soft_device_create(&cfg);
	ASSERT_TRUE(!IS_ERR(dev));
	ib_unregister_device(dev);
	soft_device_destroy(dev);
}

TEST(soft_device_on_std_types)
{
	struct ib_device *dev = soft_device_create(NULL);
	u16 t;

	ASSERT_TRUE(!IS_ERR(dev));
	ASSERT_EQ(dev->types->num_types, SOFT_NUM_TYPES);
	for (t = 0; t < uverbs_std_types.num_types; t++) {
		const struct uverbs_type *std = uverbs_std_types.types[t];
		const struct uverbs_type *our = dev->types->types[t];
		u16 a;

		if (t != UVERBS_TYPE_CQ) {
			ASSERT_TRUE(our == std);
			continue;
		}
		/* The CQ type: the core's, CREATE with our vendor chain. */
		ASSERT_TRUE(our != std && our->obj == std->obj);
		ASSERT_EQ(our->num_actions, std->num_actions);
		for (a = 0; a < std->num_actions; a++) {
			ASSERT_TRUE(our->actions[a].handler ==
				    std->actions[a].handler);
			ASSERT_TRUE(our->actions[a].priv ==
				    std->actions[a].priv);
		}
		ASSERT_EQ(our->actions[UVERBS_ACTION_CQ_CREATE].chain.num_chains,
			  2);
	}
	ASSERT_TRUE(!strncmp(dev->name, "soft", 4));
	soft_device_destroy(dev);
}

TEST(soft_device_bad_config)
{
	static const struct soft_device_config bad[] = {
		{ .num_ports = SOFT_MAX_PORTS + 1 },
		{ .max_qp_wr = 1000 },		/* not a power of two */
		{ .max_cqe = 3 },
		{ .max_srq_wr = 1u << 25 },
		{ .name = "a-name-longer-than-thirty-one-characters" },
	};
	struct soft_device_config cfg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cfg = bad[i];
		cfg.std_types = &test_std_types;
		ASSERT_EQ(PTR_ERR(soft_device_create(&cfg)), -EINVAL);
	}
	/* A standard table bigger than the standard ids. */
	{
		const struct uverbs_type *big[UVERBS_TYPE_STD_MAX + 1] = {};
		struct uverbs_types t = { .types = big,
					 .num_types = ARRAY_SIZE(big) };

		cfg = (struct soft_device_config){ .std_types = &t };
		ASSERT_EQ(PTR_ERR(soft_device_create(&cfg)), -EINVAL);
	}
}

TEST(soft_two_devices_distinct)
{
	struct soft_device_config cfg = { .num_ports = 2 };
	struct ib_uverbs_gid g[4];
	struct env a, b;
	u16 lid[4];
	int i, j;

	env_open_ok(&a, &cfg);
	env_open_ok(&b, &cfg);
	ASSERT_TRUE(node_guid(&a) != node_guid(&b));
	ASSERT_TRUE(strcmp(a.dev->name, b.dev->name));
	lid[0] = port_lid(&a, 1);
	lid[1] = port_lid(&a, 2);
	lid[2] = port_lid(&b, 1);
	lid[3] = port_lid(&b, 2);
	g[0] = port_gid(&a, 1);
	g[1] = port_gid(&a, 2);
	g[2] = port_gid(&b, 1);
	g[3] = port_gid(&b, 2);
	for (i = 0; i < 4; i++) {
		ASSERT_TRUE(lid[i] != 0 && lid[i] <= 0xbfff);
		for (j = i + 1; j < 4; j++) {
			ASSERT_TRUE(lid[i] != lid[j]);
			ASSERT_TRUE(memcmp(&g[i], &g[j], sizeof(g[i])));
		}
	}
	env_close(&a);
	env_close(&b);
}

TEST(soft_query_ops)
{
	struct ib_uverbs_query_device_resp d;
	struct ib_uverbs_query_port_resp p;
	struct ib_uverbs_gid gid;
	struct env e;
	u64 guid;
	int i;

	env_open_ok(&e, NULL);
	ASSERT_OK(e.ops->query_device(e.dev, &d));
	ASSERT_EQ(d.max_qp, 4096);
	ASSERT_EQ(d.max_qp_wr, 16384);
	ASSERT_EQ(d.max_sge, 32);
	ASSERT_EQ(d.max_cqe, 65536);
	ASSERT_EQ(d.max_mr, 65536);
	ASSERT_EQ(d.max_pd, 4096);
	ASSERT_EQ(d.max_inline_data, 256);
	ASSERT_EQ(d.max_srq, 1024);
	ASSERT_EQ(d.max_srq_wr, 16384);
	ASSERT_EQ(d.max_ah, 65536);
	ASSERT_EQ(d.atomic_cap, SOFT_ATOMIC_GLOB);
	ASSERT_EQ(d.phys_port_cnt, 1);
	ASSERT_EQ(d.vendor_id, 0x0250f7);
	ASSERT_TRUE(d.node_guid != 0);
	ASSERT_EQ(d.sys_image_guid, d.node_guid);

	ASSERT_OK(e.ops->query_port(e.dev, 1, &p));
	ASSERT_EQ(p.state, IB_UVERBS_PORT_ACTIVE);
	ASSERT_EQ(p.max_mtu, IB_UVERBS_MTU_4096);
	ASSERT_EQ(p.active_mtu, IB_UVERBS_MTU_4096);
	ASSERT_EQ(p.gid_tbl_len, 1);
	ASSERT_EQ(p.pkey_tbl_len, 1);
	ASSERT_EQ(p.link_layer, SOFT_LINK_LAYER_INFINIBAND);
	ASSERT_TRUE(p.lid != 0);
	ASSERT_ERRNO(-EINVAL, e.ops->query_port(e.dev, 0, &p));
	ASSERT_ERRNO(-EINVAL, e.ops->query_port(e.dev, 2, &p));

	ASSERT_OK(e.ops->query_gid(e.dev, 1, 0, &gid));
	ASSERT_EQ(gid.raw[0], 0xfe);
	ASSERT_EQ(gid.raw[1], 0x80);
	for (i = 2; i < 8; i++)
		ASSERT_EQ(gid.raw[i], 0);
	for (guid = 0, i = 8; i < 16; i++)
		guid = guid << 8 | gid.raw[i];
	ASSERT_EQ(guid, d.node_guid | 1);	/* the port GUID */
	ASSERT_ERRNO(-EINVAL, e.ops->query_gid(e.dev, 1, 1, &gid));
	ASSERT_ERRNO(-EINVAL, e.ops->query_gid(e.dev, 2, 0, &gid));

	/* The context's driver data. */
	ASSERT_TRUE(e.uctx->driver_priv != NULL);
	ASSERT_TRUE(((struct soft_ucontext *)e.uctx->driver_priv)->sdev == e.sdev);
	env_close(&e);
}

/* --- PD, AH ---------------------------------------------------------- */

TEST(soft_pd_alloc_dealloc)
{
	struct soft_device_config cfg = { .max_pd = 2 };
	struct ib_pd *a, *b, *c;
	struct env e;

	env_open_ok(&e, &cfg);
	a = pd_alloc_ok(&e);
	b = pd_alloc_ok(&e);
	ASSERT_TRUE(a != b);
	ASSERT_ERRNO(-ENOMEM, pd_alloc(&e, &c));	/* max_pd live */
	ASSERT_OK(e.ops->dealloc_pd(a));
	c = pd_alloc_ok(&e);
	ASSERT_OK(e.ops->dealloc_pd(b));
	ASSERT_OK(e.ops->dealloc_pd(c));
	env_close(&e);
}

TEST(soft_ah_create_destroy)
{
	struct ib_uverbs_ah_attr attr = {
		.dlid = 0x1234, .sl = 3, .port_num = 1, .is_global = 1,
		.hop_limit = 64,
	};
	struct ib_ah *ah, *bad = NULL;
	struct ib_pd *pd;
	struct env e;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	attr.dgid = port_gid(&e, 1);
	ASSERT_OK(ah_create(&e, pd, &attr, &ah));
	ASSERT_TRUE(!memcmp(&ah->attr, &attr, sizeof(attr)));
	ASSERT_TRUE(ah->pd == pd);
	attr.port_num = 2;
	ASSERT_ERRNO(-EINVAL, ah_create(&e, pd, &attr, &bad));
	ASSERT_EQ(atomic_read(&e.sdev->num_ah), 1);
	ASSERT_OK(e.ops->destroy_ah(ah));
	ASSERT_EQ(atomic_read(&e.sdev->num_ah), 0);
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

/* --- MR -------------------------------------------------------------- */

#define ALL_ACCESS                                                        \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |   \
	 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)

TEST(soft_mr_reg_dereg)
{
	struct soft_device_config cfg = { .max_mr = 2 };
	struct ib_mr *mr, *mr2, *mr3;
	struct ib_pd *pd;
	struct env e;

	env_open_ok(&e, &cfg);
	pd = pd_alloc_ok(&e);
	mr = mr_reg_ok(&e, pd, 0x10000, 4096, 0x7000000, ALL_ACCESS);
	ASSERT_EQ(mr->start, 0x10000);
	ASSERT_EQ(mr->length, 4096);
	ASSERT_EQ(mr->iova, 0x7000000);
	ASSERT_EQ(mr->access, ALL_ACCESS);
	ASSERT_TRUE(mr->lkey != 0 && mr->rkey != 0 && mr->lkey != mr->rkey);
	ASSERT_TRUE(to_soft_mr(mr)->mm == e.uctx->mm);
	ASSERT_TRUE(to_soft_mr(mr)->mm != NULL);
	mr2 = mr_reg_ok(&e, pd, 0x10000, 1, 0x10000, 0);
	ASSERT_ERRNO(-ENOMEM, mr_reg(&e, pd, 0, 1, 0, 0, &mr3)); /* max_mr */
	/* What the core already refuses, refused again. */
	ASSERT_OK(e.ops->dereg_mr(mr2));
	ASSERT_ERRNO(-EINVAL, mr_reg(&e, pd, 0, 0, 0, 0, &mr3));
	ASSERT_ERRNO(-EINVAL, mr_reg(&e, pd, ~0ull - 10, 100, 0, 0, &mr3));
	ASSERT_ERRNO(-EINVAL, mr_reg(&e, pd, 0, 100, ~0ull - 10, 0, &mr3));
	ASSERT_OK(e.ops->dereg_mr(mr));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

TEST(soft_mr_keys_unpredictable)
{
	enum { N = 2000 };
	static struct ib_mr *mrs[N];
	static u32 keys[2 * N];
	unsigned int i, close_steps = 0;
	struct ib_pd *pd;
	struct env e;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	for (i = 0; i < N; i++) {
		mrs[i] = mr_reg_ok(&e, pd, 0x1000, 64, 0x1000, ALL_ACCESS);
		keys[2 * i] = mrs[i]->lkey;
		keys[2 * i + 1] = mrs[i]->rkey;
	}
	/* Not sequential: successive keys are not near each other. */
	for (i = 1; i < 2 * N; i++)
		if (keys[i] - keys[i - 1] < 256 || keys[i - 1] - keys[i] < 256)
			close_steps++;
	ASSERT_TRUE(close_steps < 4);
	/* Distinct, lkeys and rkeys together, and never 0. */
	qsort(keys, 2 * N, sizeof(keys[0]), cmp_u32);
	ASSERT_TRUE(keys[0] != 0);
	for (i = 1; i < 2 * N; i++)
		ASSERT_TRUE(keys[i] != keys[i - 1]);
	for (i = 0; i < N; i++)
		ASSERT_OK(e.ops->dereg_mr(mrs[i]));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

/* Expect a lookup to fail with @status. */
#define LOOKUP_FAILS(status, ...)                                         \
	do {                                                              \
		int _st = -1;                                             \
		ASSERT_TRUE(soft_mr_lookup(__VA_ARGS__, &_st) == NULL);   \
		ASSERT_EQ(_st, (status));                                 \
	} while (0)

static void lookup_ok(struct soft_device *sdev, struct ib_pd *pd, u32 key,
		      bool remote, u64 addr, u64 len, u32 access,
		      struct ib_mr *want)
{
	int st = -1;
	struct soft_mr *smr = soft_mr_lookup(sdev, pd, key, remote, addr, len,
					     access, &st);

	ASSERT_TRUE(smr == to_soft_mr(want));
	ASSERT_EQ(st, IB_UVERBS_WC_SUCCESS);
	soft_mr_put(smr);
}

TEST(soft_mr_lookup_edges)
{
	const int LOC = IB_UVERBS_WC_LOC_PROT_ERR, REM = IB_UVERBS_WC_REM_ACCESS_ERR;
	const u64 iova = 0x100000, len = 0x2000;
	struct ib_pd *pd, *pd2;
	struct ib_mr *mr, *ro;
	struct soft_device *s;
	struct soft_mr *held;
	struct env e;
	int st;

	env_open_ok(&e, NULL);
	s = e.sdev;
	pd = pd_alloc_ok(&e);
	pd2 = pd_alloc_ok(&e);
	mr = mr_reg_ok(&e, pd, 0x555000, len, iova, ALL_ACCESS);
	ro = mr_reg_ok(&e, pd, 0x555000, len, iova, 0);	/* local read only */

	/* The good cases: whole range, first byte, last byte, empty at end. */
	lookup_ok(s, pd, mr->lkey, false, iova, len, IB_UVERBS_ACCESS_LOCAL_WRITE, mr);
	lookup_ok(s, pd, mr->rkey, true, iova, 1, IB_UVERBS_ACCESS_REMOTE_READ, mr);
	lookup_ok(s, pd, mr->rkey, true, iova + len - 8, 8,
		  IB_UVERBS_ACCESS_REMOTE_ATOMIC, mr);
	lookup_ok(s, pd, mr->lkey, false, iova + len, 0, 0, mr);
	lookup_ok(s, pd, ro->lkey, false, iova, len, 0, ro);
	ASSERT_EQ(soft_mr_addr(to_soft_mr(mr), iova + 0x10), 0x555010);

	/* Bad keys; a key of the other kind. */
	LOOKUP_FAILS(LOC, s, pd, 0, false, iova, 1, 0);
	LOOKUP_FAILS(LOC, s, pd, mr->lkey ^ 1, false, iova, 1, 0);
	LOOKUP_FAILS(REM, s, pd, mr->rkey ^ 1, true, iova, 1, 0);
	LOOKUP_FAILS(LOC, s, pd, mr->rkey, false, iova, 1, 0);
	LOOKUP_FAILS(REM, s, pd, mr->lkey, true, iova, 1, 0);
	/* Another PD. */
	LOOKUP_FAILS(LOC, s, pd2, mr->lkey, false, iova, 1, 0);
	LOOKUP_FAILS(REM, s, pd2, mr->rkey, true, iova, 1, IB_UVERBS_ACCESS_REMOTE_READ);
	/* Out of range: below, past the end, empty past the end. */
	LOOKUP_FAILS(LOC, s, pd, mr->lkey, false, iova - 1, 1, 0);
	LOOKUP_FAILS(LOC, s, pd, mr->lkey, false, iova + len - 1, 2, 0);
	LOOKUP_FAILS(REM, s, pd, mr->rkey, true, iova + len, 1,
		     IB_UVERBS_ACCESS_REMOTE_WRITE);
	LOOKUP_FAILS(LOC, s, pd, mr->lkey, false, iova + len + 1, 0, 0);
	LOOKUP_FAILS(LOC, s, pd, mr->lkey, false, iova, len + 1, 0);
	/* Overflow: addr + len wraps to inside the range. */
	LOOKUP_FAILS(LOC, s, pd, mr->lkey, false, iova + 1, ~0ull, 0);
	LOOKUP_FAILS(REM, s, pd, mr->rkey, true, iova, ~0ull - iova + 2,
		     IB_UVERBS_ACCESS_REMOTE_READ);
	/* Missing access. */
	LOOKUP_FAILS(LOC, s, pd, ro->lkey, false, iova, 1, IB_UVERBS_ACCESS_LOCAL_WRITE);
	LOOKUP_FAILS(REM, s, pd, ro->rkey, true, iova, 1, IB_UVERBS_ACCESS_REMOTE_READ);
	LOOKUP_FAILS(REM, s, pd, ro->rkey, true, iova, 1, IB_UVERBS_ACCESS_REMOTE_WRITE);
	LOOKUP_FAILS(REM, s, pd, ro->rkey, true, iova, 8, IB_UVERBS_ACCESS_REMOTE_ATOMIC);

	/* Dereg: the keys go at once; a holder keeps the struct. */
	held = soft_mr_lookup(s, pd, mr->rkey, true, iova, 1, 0, &st);
	ASSERT_TRUE(held != NULL);
	{
		u32 lkey = mr->lkey, rkey = mr->rkey;

		ASSERT_OK(e.ops->dereg_mr(mr));
		LOOKUP_FAILS(LOC, s, pd, lkey, false, iova, 1, 0);
		LOOKUP_FAILS(REM, s, pd, rkey, true, iova, 1, 0);
	}
	ASSERT_EQ(held->ibmr.length, len);
	soft_mr_put(held);
	ASSERT_OK(e.ops->dereg_mr(ro));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	ASSERT_OK(e.ops->dealloc_pd(pd2));
	env_close(&e);
}

/* --- CQ -------------------------------------------------------------- */

TEST(soft_cq_create_destroy)
{
	static const u32 asked[][2] = {
		{ 1, 1 }, { 2, 2 }, { 3, 4 }, { 100, 128 }, { 65535, 65536 },
		{ 65536, 65536 },
	};
	struct soft_device_config cfg = { .max_cq = 2 };
	struct ib_cq *cq, *cq2, *cq3;
	unsigned int i;
	struct env e;

	env_open_ok(&e, &cfg);
	for (i = 0; i < ARRAY_SIZE(asked); i++) {
		ASSERT_OK(cq_create(&e, asked[i][0], &cq));
		ASSERT_EQ(cq->cqe, asked[i][1]);
		ASSERT_EQ(cq->user_handle, 7);
		ASSERT_TRUE(to_soft_cq(cq)->ring != NULL);
		ASSERT_EQ(to_soft_cq(cq)->head, 0);
		ASSERT_EQ(to_soft_cq(cq)->tail, 0);
		ASSERT_OK(e.ops->destroy_cq(cq));
	}
	ASSERT_ERRNO(-EINVAL, cq_create(&e, 0, &cq));
	ASSERT_ERRNO(-EINVAL, cq_create(&e, 65537, &cq));
	ASSERT_OK(cq_create(&e, 1, &cq));
	ASSERT_OK(cq_create(&e, 1, &cq2));
	ASSERT_ERRNO(-ENOMEM, cq_create(&e, 1, &cq3));	/* max_cq */
	ASSERT_OK(e.ops->destroy_cq(cq));
	ASSERT_OK(e.ops->destroy_cq(cq2));
	env_close(&e);
}

/* --- QP -------------------------------------------------------------- */

TEST(soft_qp_create_destroy)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 100, .max_recv_wr = 3, .max_send_sge = 3,
		.max_recv_sge = 0, .max_inline_data = 10,
	};
	struct ib_qp *qp, *bad = NULL;
	struct soft_qp *sqp;
	struct ib_pd *pd;
	struct env e;
	u8 types[] = { IB_UVERBS_QPT_RC, IB_UVERBS_QPT_UC, IB_UVERBS_QPT_UD };
	unsigned int i;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ASSERT_OK(qp_create(&e, pd, types[i], &cap, &qp));
		sqp = to_soft_qp(qp);
		ASSERT_EQ(qp->qp_type, types[i]);
		ASSERT_TRUE(qp->qp_num >= 2 && qp->qp_num <= 0xffffff);
		ASSERT_EQ(qp->cap.max_send_wr, 128);
		ASSERT_EQ(qp->cap.max_recv_wr, 4);
		ASSERT_EQ(qp->cap.max_send_sge, 3);
		ASSERT_EQ(qp->cap.max_recv_sge, 1);
		ASSERT_EQ(qp->cap.max_inline_data, 48);	/* 3 SGEs' room */
		ASSERT_EQ(qp->attr.qp_state, IB_UVERBS_QPS_RESET);
		ASSERT_EQ(qp->user_handle, 9);
		ASSERT_EQ(sqp->sq.max_wr, 128);
		ASSERT_EQ(sqp->rq.max_wr, 4);
		ASSERT_TRUE(sqp->sq.stride >= sizeof(struct soft_send_wqe) + 48);
		ASSERT_TRUE(sqp->rq.stride >= sizeof(struct soft_recv_wqe) + 16);
		ASSERT_OK(e.ops->destroy_qp(qp));
	}
	/* An odd inline size: every entry still aligned (a fuzzer find). */
	cap.max_send_sge = 1;
	cap.max_inline_data = 33;
	ASSERT_OK(qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &qp));
	ASSERT_EQ(qp->cap.max_inline_data, 33);
	ASSERT_EQ(to_soft_qp(qp)->sq.stride %
			  __alignof__(struct soft_send_wqe), 0);
	ASSERT_OK(e.ops->destroy_qp(qp));
	cap.max_send_sge = 3;
	cap.max_inline_data = 10;
	/* No receive queue at all (an SRQ's QP). */
	cap.max_recv_wr = 0;
	ASSERT_OK(qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &qp));
	ASSERT_EQ(qp->cap.max_recv_wr, 0);
	ASSERT_EQ(qp->cap.max_recv_sge, 0);
	ASSERT_TRUE(to_soft_qp(qp)->rq.buf == NULL);
	ASSERT_OK(e.ops->destroy_qp(qp));

	/* Limits and types. */
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, 0, &small_cap, &bad));
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, 5, &small_cap, &bad));
	cap = small_cap;
	cap.max_send_wr = 16385;
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &bad));
	cap = small_cap;
	cap.max_recv_wr = 16385;
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &bad));
	cap = small_cap;
	cap.max_send_sge = 33;
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &bad));
	cap = small_cap;
	cap.max_recv_sge = 33;
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &bad));
	cap = small_cap;
	cap.max_inline_data = 257;
	ASSERT_ERRNO(-EINVAL, qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &bad));
	cap = small_cap;
	cap.max_send_wr = 16384;
	cap.max_inline_data = 256;
	ASSERT_OK(qp_create(&e, pd, IB_UVERBS_QPT_RC, &cap, &qp));
	ASSERT_EQ(qp->cap.max_send_wr, 16384);
	ASSERT_EQ(qp->cap.max_inline_data, 256);
	ASSERT_OK(e.ops->destroy_qp(qp));
	ASSERT_EQ(atomic_read(&e.sdev->num_qp), 0);
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

TEST(soft_qp_max_qp)
{
	struct soft_device_config cfg = { .max_qp = 3 };
	struct ib_qp *qp[3], *bad;
	struct ib_pd *pd;
	struct env e;
	int i;

	env_open_ok(&e, &cfg);
	pd = pd_alloc_ok(&e);
	for (i = 0; i < 3; i++)
		qp[i] = qp_create_ok(&e, pd, IB_UVERBS_QPT_UD);
	ASSERT_ERRNO(-ENOMEM, qp_create(&e, pd, IB_UVERBS_QPT_UD, &small_cap, &bad));
	for (i = 0; i < 3; i++)
		ASSERT_OK(e.ops->destroy_qp(qp[i]));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

/*
 * QPNs are distinct, never 0 or 1, and random: a user who sees its own
 * QPN learns nothing about the next one or the one before.
 */
TEST(soft_qpn_distinct_random)
{
	enum { N = 500 };
	static struct ib_qp *qp[N];
	u32 lo = 0xffffff, hi = 0, next = 0;
	struct ib_pd *pd;
	struct env e;
	int i, j;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	for (i = 0; i < N; i++) {
		qp[i] = qp_create_ok(&e, pd, IB_UVERBS_QPT_RC);
		ASSERT_TRUE(qp[i]->qp_num > 1 && qp[i]->qp_num <= 0xffffff);
		for (j = 0; j < i; j++)
			ASSERT_TRUE(qp[i]->qp_num != qp[j]->qp_num);
		if (i && qp[i]->qp_num == qp[i - 1]->qp_num + 1)
			next++;
		lo = min_t(u32, lo, qp[i]->qp_num);
		hi = max_t(u32, hi, qp[i]->qp_num);
	}
	/* 500 random 24-bit numbers: neighbours by chance about 3e-5 times. */
	ASSERT_TRUE(next < 3);
	ASSERT_TRUE(hi - lo > 0x800000);
	for (i = 0; i < N; i++)
		ASSERT_OK(e.ops->destroy_qp(qp[i]));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

TEST(soft_qp_modify_attrs)
{
	struct ib_uverbs_qp_attr attr = {};
	struct soft_qp *sqp;
	struct ib_qp *qp;
	struct ib_pd *pd;
	struct env e;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	qp = qp_create_ok(&e, pd, IB_UVERBS_QPT_RC);
	sqp = to_soft_qp(qp);

	attr.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			 IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS;
	attr.qp_state = IB_UVERBS_QPS_INIT;
	attr.port_num = 1;
	attr.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE;
	ASSERT_OK(e.ops->modify_qp(qp, &attr));
	ASSERT_EQ(sqp->attr.qp_state, IB_UVERBS_QPS_INIT);
	ASSERT_EQ(sqp->attr.port_num, 1);
	ASSERT_EQ(sqp->attr.qp_access_flags, IB_UVERBS_ACCESS_REMOTE_WRITE);

	memset(&attr, 0, sizeof(attr));
	attr.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_AV |
			 IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_DEST_QPN |
			 IB_UVERBS_QP_RQ_PSN | IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			 IB_UVERBS_QP_MIN_RNR_TIMER;
	attr.qp_state = IB_UVERBS_QPS_RTR;
	attr.ah_attr.dlid = 0x42;
	attr.ah_attr.port_num = 1;
	attr.ah_attr.is_global = 1;
	attr.ah_attr.dgid = port_gid(&e, 1);
	attr.path_mtu = IB_UVERBS_MTU_1024;
	attr.dest_qp_num = 0x123456;
	attr.rq_psn = 0xabcdef;
	attr.max_dest_rd_atomic = 4;
	attr.min_rnr_timer = 12;
	attr.port_num = 7;	/* not in the mask: ignored */
	ASSERT_OK(e.ops->modify_qp(qp, &attr));
	ASSERT_EQ(sqp->attr.qp_state, IB_UVERBS_QPS_RTR);
	ASSERT_EQ(sqp->attr.port_num, 1);
	ASSERT_EQ(sqp->attr.ah_attr.dlid, 0x42);
	ASSERT_TRUE(!memcmp(&sqp->attr.ah_attr.dgid, &attr.ah_attr.dgid, 16));
	ASSERT_EQ(sqp->attr.path_mtu, IB_UVERBS_MTU_1024);
	ASSERT_EQ(sqp->attr.dest_qp_num, 0x123456);
	ASSERT_EQ(sqp->attr.rq_psn, 0xabcdef);
	ASSERT_EQ(sqp->attr.max_dest_rd_atomic, 4);
	ASSERT_EQ(sqp->attr.min_rnr_timer, 12);

	memset(&attr, 0, sizeof(attr));
	attr.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_SQ_PSN |
			 IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT |
			 IB_UVERBS_QP_RNR_RETRY | IB_UVERBS_QP_MAX_QP_RD_ATOMIC;
	attr.qp_state = IB_UVERBS_QPS_RTS;
	attr.sq_psn = 77;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 6;
	attr.max_rd_atomic = 2;
	ASSERT_OK(e.ops->modify_qp(qp, &attr));
	ASSERT_EQ(sqp->attr.qp_state, IB_UVERBS_QPS_RTS);
	ASSERT_EQ(sqp->attr.sq_psn, 77);
	ASSERT_EQ(sqp->attr.timeout, 14);
	ASSERT_EQ(sqp->attr.retry_cnt, 7);
	ASSERT_EQ(sqp->attr.rnr_retry, 6);
	ASSERT_EQ(sqp->attr.max_rd_atomic, 2);
	ASSERT_TRUE(!sqp->sq.flush && !sqp->rq.flush);

	/* Refused: nothing applied. */
	memset(&attr, 0, sizeof(attr));
	attr.attr_mask = IB_UVERBS_QP_CAP;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));
	attr.attr_mask = IB_UVERBS_QP_PORT | IB_UVERBS_QP_TIMEOUT;
	attr.port_num = 2;
	attr.timeout = 1;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));
	ASSERT_EQ(sqp->attr.timeout, 14);
	attr.attr_mask = IB_UVERBS_QP_PATH_MTU;
	attr.path_mtu = 6;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));
	attr.attr_mask = IB_UVERBS_QP_SQ_PSN;
	attr.sq_psn = 1u << 24;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));
	attr.attr_mask = IB_UVERBS_QP_DEST_QPN;
	attr.dest_qp_num = 1u << 24;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));
	attr.attr_mask = IB_UVERBS_QP_MAX_QP_RD_ATOMIC;
	attr.max_rd_atomic = 129;
	ASSERT_ERRNO(-EINVAL, e.ops->modify_qp(qp, &attr));

	/* ERR marks both queues for flushing; RESET empties them. */
	sqp->sq.tail = 3;
	memset(&attr, 0, sizeof(attr));
	attr.attr_mask = IB_UVERBS_QP_STATE;
	attr.qp_state = IB_UVERBS_QPS_ERR;
	ASSERT_OK(e.ops->modify_qp(qp, &attr));
	ASSERT_TRUE(sqp->sq.flush && sqp->rq.flush);
	attr.qp_state = IB_UVERBS_QPS_RESET;
	ASSERT_OK(e.ops->modify_qp(qp, &attr));
	ASSERT_TRUE(!sqp->sq.flush && !sqp->rq.flush);
	ASSERT_EQ(sqp->sq.tail, 0);
	ASSERT_EQ(sqp->attr.qp_state, IB_UVERBS_QPS_RESET);

	ASSERT_OK(e.ops->destroy_qp(qp));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

TEST(soft_fabric_lookup)
{
	struct soft_device_config cfg = { .num_ports = 2 };
	struct ib_uverbs_gid gid_a1, gid_a2, gid_b1;
	struct ib_qp *qa, *qb;
	struct soft_qp *found;
	struct ib_pd *pa, *pb;
	u16 lid_a1, lid_a2, lid_b1;
	struct env a, b;
	u8 port = 0;
	u32 qpn;

	env_open_ok(&a, &cfg);
	env_open_ok(&b, NULL);
	pa = pd_alloc_ok(&a);
	pb = pd_alloc_ok(&b);
	qa = qp_create_ok(&a, pa, IB_UVERBS_QPT_RC);
	qb = qp_create_ok(&b, pb, IB_UVERBS_QPT_UD);
	lid_a1 = port_lid(&a, 1);
	lid_a2 = port_lid(&a, 2);
	lid_b1 = port_lid(&b, 1);
	gid_a1 = port_gid(&a, 1);
	gid_a2 = port_gid(&a, 2);
	gid_b1 = port_gid(&b, 1);

	found = soft_fabric_qp_by_lid(lid_a1, qa->qp_num, &port);
	ASSERT_TRUE(found == to_soft_qp(qa));
	ASSERT_EQ(port, 1);
	soft_qp_put(found);
	found = soft_fabric_qp_by_lid(lid_a2, qa->qp_num, &port);
	ASSERT_TRUE(found == to_soft_qp(qa));
	ASSERT_EQ(port, 2);
	soft_qp_put(found);
	found = soft_fabric_qp_by_gid(&gid_a2, qa->qp_num, &port);
	ASSERT_TRUE(found == to_soft_qp(qa));
	ASSERT_EQ(port, 2);
	soft_qp_put(found);
	found = soft_fabric_qp_by_gid(&gid_b1, qb->qp_num, NULL);
	ASSERT_TRUE(found == to_soft_qp(qb));
	soft_qp_put(found);
	found = soft_fabric_qp_by_lid(lid_b1, qb->qp_num, NULL);
	ASSERT_TRUE(found == to_soft_qp(qb));
	soft_qp_put(found);

	/* The wrong device's address, a wrong QPN, an unknown address. */
	if (qa->qp_num != qb->qp_num) {
		ASSERT_TRUE(!soft_fabric_qp_by_lid(lid_b1, qa->qp_num, NULL));
		ASSERT_TRUE(!soft_fabric_qp_by_gid(&gid_a1, qb->qp_num, NULL));
	}
	ASSERT_TRUE(!soft_fabric_qp_by_lid(lid_a1, qa->qp_num + 1000, NULL));
	ASSERT_TRUE(!soft_fabric_qp_by_lid(0, qa->qp_num, NULL));
	gid_a1.raw[15] ^= 0x80;
	ASSERT_TRUE(!soft_fabric_qp_by_gid(&gid_a1, qa->qp_num, NULL));
	gid_a1.raw[15] ^= 0x80;

	/* Gone after destroy; a holder keeps its QP readable, flushing. */
	found = soft_fabric_qp_by_lid(lid_a1, qa->qp_num, NULL);
	ASSERT_TRUE(found != NULL);
	qpn = qa->qp_num;
	ASSERT_OK(a.ops->destroy_qp(qa));
	ASSERT_TRUE(!soft_fabric_qp_by_lid(lid_a1, qpn, NULL));
	ASSERT_TRUE(!soft_fabric_qp_by_gid(&gid_a1, qpn, NULL));
	ASSERT_TRUE(found->sq.flush && found->rq.flush);
	ASSERT_EQ(found->attr.qp_state, IB_UVERBS_QPS_ERR);
	soft_qp_put(found);

	/* A destroyed device's ports are gone from the fabric. */
	qpn = qb->qp_num;
	ASSERT_OK(b.ops->destroy_qp(qb));
	ASSERT_OK(b.ops->dealloc_pd(pb));
	env_close(&b);
	ASSERT_TRUE(!soft_fabric_qp_by_lid(lid_b1, qpn, NULL));
	ASSERT_OK(a.ops->dealloc_pd(pa));
	env_close(&a);
}

/* --- SRQ ------------------------------------------------------------- */

static long srq_modify(struct env *e, struct ib_srq *srq, u32 mask, u32 max_wr,
		       u32 limit)
{
	struct ib_uverbs_srq_modify_cmd cmd = {
		.attr_mask = mask, .max_wr = max_wr, .srq_limit = limit,
	};

	return e->ops->modify_srq(srq, &cmd);
}

TEST(soft_srq_create_modify)
{
	struct soft_device_config cfg = { .max_srq = 1 };
	struct ib_srq *srq, *bad;
	struct soft_srq *ssrq;
	struct soft_recv_wqe *w;
	struct ib_pd *pd;
	struct env e;
	u32 i;

	env_open_ok(&e, &cfg);
	pd = pd_alloc_ok(&e);
	ASSERT_ERRNO(-EINVAL, srq_create(&e, pd, 0, 1, 0, &bad));
	ASSERT_ERRNO(-EINVAL, srq_create(&e, pd, 16385, 1, 0, &bad));
	ASSERT_ERRNO(-EINVAL, srq_create(&e, pd, 8, 33, 0, &bad));
	ASSERT_ERRNO(-EINVAL, srq_create(&e, pd, 8, 1, 9, &bad));
	ASSERT_ERRNO(-EINVAL, srq_create(&e, pd, 8, 1, 8, &bad));
	ASSERT_OK(srq_create(&e, pd, 5, 3, 2, &srq));
	ssrq = to_soft_srq(srq);
	ASSERT_EQ(srq->max_wr, 8);
	ASSERT_EQ(srq->max_sge, 3);
	ASSERT_EQ(srq->srq_limit, 2);
	ASSERT_EQ(srq->user_handle, 11);
	ASSERT_TRUE(ssrq->limit_armed);
	ASSERT_EQ(ssrq->rq.max_wr, 8);
	ASSERT_ERRNO(-ENOMEM, srq_create(&e, pd, 8, 1, 0, &bad)); /* max_srq */

	/* Six WRs posted, wrapping the ring: 5 .. 10. */
	ssrq->rq.head = ssrq->rq.tail = 5;
	for (i = 0; i < 6; i++) {
		w = soft_queue_entry(&ssrq->rq, ssrq->rq.tail++);
		w->wr_id = 100 + i;
	}
	/* Grow only; a limit within the (new) depth. */
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, IB_UVERBS_SRQ_MAX_WR, 4, 0));
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, IB_UVERBS_SRQ_MAX_WR, 16385, 0));
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, IB_UVERBS_SRQ_LIMIT, 0, 9));
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, IB_UVERBS_SRQ_LIMIT, 0, 8));
	ASSERT_OK(srq_modify(&e, srq, IB_UVERBS_SRQ_LIMIT, 0, 7));
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, 0, 0, 0));
	ASSERT_ERRNO(-EINVAL, srq_modify(&e, srq, 4, 0, 0));
	ASSERT_EQ(srq->max_wr, 8);
	ASSERT_OK(srq_modify(&e, srq, IB_UVERBS_SRQ_MAX_WR | IB_UVERBS_SRQ_LIMIT,
			     20, 17));
	ASSERT_EQ(srq->max_wr, 32);
	ASSERT_EQ(ssrq->rq.max_wr, 32);
	ASSERT_EQ(srq->srq_limit, 17);
	for (i = 0; i < 6; i++) {
		w = soft_queue_entry(&ssrq->rq, 5 + i);
		ASSERT_EQ(w->wr_id, 100 + i);
	}
	ASSERT_OK(srq_modify(&e, srq, IB_UVERBS_SRQ_LIMIT, 0, 0));
	ASSERT_TRUE(!ssrq->limit_armed);
	ASSERT_OK(srq_modify(&e, srq, IB_UVERBS_SRQ_LIMIT, 0, 3));
	ASSERT_TRUE(ssrq->limit_armed);
	ASSERT_OK(srq_modify(&e, srq, IB_UVERBS_SRQ_MAX_WR, 32, 0)); /* same */
	ASSERT_EQ(srq->max_wr, 32);
	ASSERT_OK(e.ops->destroy_srq(srq));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

/* --- vendor action --------------------------------------------------- */

TEST(soft_vendor_qp_counters)
{
	const struct uverbs_type *vt;
	const struct uverbs_action_std_handler *h;
	struct uverbs_attr attrs[2] = {};
	struct uverbs_attr_array vendor = { attrs, 2 };
	struct soft_qp_counters out = {};
	struct ib_uobject qp_uobj = {};
	struct ib_qp *qp;
	struct ib_pd *pd;
	struct env e;

	env_open_ok(&e, NULL);
	pd = pd_alloc_ok(&e);
	qp = qp_create_ok(&e, pd, IB_UVERBS_QPT_RC);
	to_soft_qp(qp)->counters.send_posted = 5;
	to_soft_qp(qp)->counters.bytes_received = 1234;
	to_soft_qp(qp)->counters.flushed = 2;

	vt = e.dev->types->types[SOFT_TYPE_VENDOR];
	ASSERT_TRUE(vt && vt->num_actions == 5 && !vt->obj);
	ASSERT_EQ(vt->actions[SOFT_VENDOR_QP_COUNTERS].chain.num_chains, 2);
	h = vt->actions[SOFT_VENDOR_QP_COUNTERS].priv;
	qp_uobj.object = qp;
	attrs[0].valid = true;
	attrs[0].obj_attr.uobject = &qp_uobj;
	attrs[1].valid = true;
	attrs[1].cmd_attr.data = &out;
	attrs[1].cmd_attr.len = sizeof(out);
	ASSERT_OK(h->handler(e.dev, e.uctx, NULL, &vendor, h->priv));
	ASSERT_TRUE(attrs[1].cmd_attr.written);
	ASSERT_EQ(out.send_posted, 5);
	ASSERT_EQ(out.bytes_received, 1234);
	ASSERT_EQ(out.flushed, 2);
	ASSERT_EQ(out.recv_posted, 0);

	ASSERT_OK(e.ops->destroy_qp(qp));
	ASSERT_OK(e.ops->dealloc_pd(pd));
	env_close(&e);
}

/* --- fail-nth -------------------------------------------------------- */

/*
 * Every object once, undone in reverse from the first failure.  Returns
 * 0 or the first error.
 */
static long create_everything(void)
{
	struct ib_uverbs_ah_attr ah_attr = { .port_num = 1 };
	struct soft_device_config cfg = { .num_ports = 2 };
	struct ib_pd *pd;
	struct ib_mr *mr;
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct ib_srq *srq;
	struct ib_ah *ah;
	struct env e;
	long ret;

	ret = env_open(&e, &cfg);
	if (ret)
		return ret;
	ret = pd_alloc(&e, &pd);
	if (ret)
		goto out_env;
	ret = mr_reg(&e, pd, 0x1000, 0x1000, 0x1000, ALL_ACCESS, &mr);
	if (ret)
		goto out_pd;
	ret = cq_create(&e, 10, &cq);
	if (ret)
		goto out_mr;
	ret = qp_create(&e, pd, IB_UVERBS_QPT_RC, &small_cap, &qp);
	if (ret)
		goto out_cq;
	ret = srq_create(&e, pd, 4, 1, 0, &srq);
	if (ret)
		goto out_qp;
	ret = srq_modify(&e, srq, IB_UVERBS_SRQ_MAX_WR, 64, 0);
	if (ret)
		goto out_srq;
	ret = ah_create(&e, pd, &ah_attr, &ah);
	if (ret)
		goto out_srq;
	WARN_ON(e.ops->destroy_ah(ah));
out_srq:
	WARN_ON(e.ops->destroy_srq(srq));
out_qp:
	WARN_ON(e.ops->destroy_qp(qp));
out_cq:
	WARN_ON(e.ops->destroy_cq(cq));
out_mr:
	WARN_ON(e.ops->dereg_mr(mr));
out_pd:
	WARN_ON(e.ops->dealloc_pd(pd));
out_env:
	env_close(&e);
	return ret;
}

TEST(soft_failnth_create)
{
	long base = compat_live_objects(), ret;
	unsigned int n, fired = 0;

	for (n = 1;; n++) {
		compat_fail_nth_set(n);
		ret = create_everything();
		if (compat_fail_nth_left()) {
			compat_fail_nth_set(0);
			ASSERT_OK(ret);
			break;
		}
		compat_fail_nth_set(0);
		fired++;
		/* An injected failure is ENOMEM, or the core's word for it. */
		ASSERT_TRUE(ret == -ENOMEM || ret == 0);
		rcu_barrier();
		ASSERT_EQ(compat_live_objects(), base);
	}
	ASSERT_TRUE(fired >= 10);
	rcu_barrier();
	ASSERT_EQ(compat_live_objects(), base);
}

/* --- through the standard handlers ---------------------------------- */

/* One file, through the library, checked against the device's tables. */
struct e2e {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	u32 pd, mr, cq, qp, qpn;
	u32 lkey, rkey, cqe;
	struct ib_uverbs_qp_cap qp_cap;
	u16 lid;
};

/* In e2e_steps(): the first failure ends the steps. */
#define STEP(call)                   \
	do {                         \
		long _r = (call);    \
		if (_r)              \
			return _r;   \
	} while (0)

/*
 * A context, a PD, an MR, a CQ and an RC QP in INIT, by commands, on a
 * new device and file (t->dev and t->f are NULL if they failed).
 */
static long e2e_steps(struct e2e *t, u8 *buf, size_t len)
{
	struct ib_uverbs_cq_create_cmd cq_cmd = { .user_handle = 1, .cqe = 10 };
	struct ib_uverbs_cq_create_resp cq_resp;
	struct ib_uverbs_qp_create_cmd qp_cmd = {
		.cap = small_cap, .qp_type = IB_UVERBS_QPT_RC,
	};
	struct ib_uverbs_qp_create_resp qp_resp;
	struct ib_uverbs_qp_attr attr = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS,
		.qp_state = IB_UVERBS_QPS_INIT, .port_num = 1,
	};

	memset(t, 0, sizeof(*t));
	t->dev = soft_device_create(NULL);
	if (IS_ERR(t->dev)) {
		long ret = PTR_ERR(t->dev);

		t->dev = NULL;
		return ret;
	}
	t->f = ib_uverbs_open(t->dev, NULL, NULL);
	if (IS_ERR(t->f)) {
		long ret = PTR_ERR(t->f);

		t->f = NULL;
		return ret;
	}
	ioverbs_client_init_embedded(&t->v, t->f);
	ioverbs_client_spec_set(&t->v, t->dev->types, SOFT_DRIVER_ID);

	STEP(ioverbs_context_get(&t->v));
	STEP(ioverbs_port_query_lid(&t->v, &t->lid));
	STEP(ioverbs_pd_alloc(&t->v, &t->pd));
	STEP(ioverbs_mr_reg(&t->v, t->pd, buf, len,
			    IB_UVERBS_ACCESS_LOCAL_WRITE |
				    IB_UVERBS_ACCESS_REMOTE_WRITE,
			    &t->mr, &t->lkey, &t->rkey));
	STEP(ioverbs_cq_create_ex(&t->v, &cq_cmd, -1, &t->cq, &cq_resp));
	t->cqe = cq_resp.cqe;
	STEP(ioverbs_qp_create_ex(&t->v, &qp_cmd, t->pd, t->cq, t->cq,
				  IOVERBS_NONE, &t->qp, &qp_resp));
	t->qpn = qp_resp.qpn;
	t->qp_cap = qp_resp.cap;
	STEP(ioverbs_qp_modify(&t->v, t->qp, &attr));
	return 0;
}

/* Undoes e2e_steps(), however far it got. */
static void e2e_teardown(struct e2e *t)
{
	if (t->f)
		ib_uverbs_release(t->f);
	if (t->dev)
		soft_device_destroy(t->dev);
}

static void e2e_setup(struct e2e *t, u8 *buf, size_t len)
{
	ASSERT_OK(e2e_steps(t, buf, len));
	ASSERT_TRUE(t->lkey && t->rkey && t->lkey != t->rkey);
	ASSERT_EQ(t->cqe, 16);
	ASSERT_TRUE(t->qpn > 1);
	ASSERT_EQ(t->qp_cap.max_send_wr, 16);
	ASSERT_EQ(t->qp_cap.max_send_sge, 2);
}

TEST(soft_std_commands_then_close)
{
	struct soft_qp_counters counters;
	static u8 buf[8192];
	struct soft_qp *sqp;
	struct e2e t;

	e2e_setup(&t, buf, sizeof(buf));
	sqp = soft_fabric_qp_by_lid(t.lid, t.qpn, NULL);
	ASSERT_TRUE(sqp != NULL);
	ASSERT_EQ(sqp->attr.qp_state, IB_UVERBS_QPS_INIT);
	ASSERT_TRUE(sqp->ibqp.send_cq && sqp->ibqp.send_cq == sqp->ibqp.recv_cq);
	sqp->counters.send_posted = 3;
	soft_qp_put(sqp);

	/* The vendor action, through the vendor chain. */
	ASSERT_OK(ioverbs_soft_qp_counters_query(&t.v, t.qp, &counters));
	ASSERT_EQ(counters.send_posted, 3);

	/* Close with everything alive: the core destroys it through us. */
	ib_uverbs_release(t.f);
	ASSERT_TRUE(!soft_fabric_qp_by_lid(t.lid, t.qpn, NULL));
	soft_device_destroy(t.dev);
}

TEST(soft_std_commands_then_remove)
{
	static u8 buf[4096];
	struct e2e t;

	struct ioverbs_cmd destroy, alloc;
	u32 pd;

	e2e_setup(&t, buf, sizeof(buf));
	/* Built now: the device (and the table they check against) goes. */
	ioverbs_qp_destroy_prep(&t.v, &destroy, t.qp, NULL);
	ioverbs_pd_alloc_prep(&t.v, &alloc, &pd);
	/* Hot unplug with the file open and its objects alive. */
	soft_device_destroy(t.dev);
	ASSERT_TRUE(!soft_fabric_qp_by_lid(t.lid, t.qpn, NULL));
	/*
	 * The driver freed its device: the file still parses commands
	 * against the core's copy of the types table (rule 20).
	 */
	ASSERT_OK(ioverbs_client_exec(&t.v, &destroy));
	ASSERT_ERRNO(-EIO, ioverbs_client_exec(&t.v, &alloc));
	ib_uverbs_release(t.f);
}

/* Every injection point of the command path, core and driver. */
TEST(soft_failnth_commands)
{
	static u8 buf[4096];
	unsigned int n, fired = 0;
	struct e2e t;
	long ret;

	rcu_barrier();
	ASSERT_EQ(compat_live_objects(), 0);
	for (n = 1;; n++) {
		compat_fail_nth_set(n);
		ret = e2e_steps(&t, buf, sizeof(buf));
		if (compat_fail_nth_left()) {
			compat_fail_nth_set(0);
			ASSERT_OK(ret);
			e2e_teardown(&t);
			break;
		}
		compat_fail_nth_set(0);
		fired++;
		ASSERT_TRUE(ret == -ENOMEM || ret == -ENOENT || ret == 0);
		e2e_teardown(&t);
		rcu_barrier();
		ASSERT_EQ(compat_live_objects(), 0);
	}
	ASSERT_TRUE(fired >= 10);
}

/* --- concurrency: the key table and the fabric under threads --------- */

struct race {
	struct env *e;
	struct ib_pd *pd;
	u16 lid;
	unsigned int rounds;
};

static void *race_mr(void *arg)
{
	struct race *r = arg;
	struct soft_mr *smr;
	struct ib_mr *mr;
	unsigned int i;
	int st;

	for (i = 0; i < r->rounds; i++) {
		if (mr_reg(r->e, r->pd, 0x1000, 64, 0x1000, ALL_ACCESS, &mr))
			return (void *)1;
		smr = soft_mr_lookup(r->e->sdev, r->pd, mr->rkey, true, 0x1000,
				     64, IB_UVERBS_ACCESS_REMOTE_READ, &st);
		if (smr != to_soft_mr(mr))
			return (void *)2;
		soft_mr_put(smr);
		if (r->e->ops->dereg_mr(mr))
			return (void *)3;
	}
	return NULL;
}

static void *race_qp(void *arg)
{
	struct race *r = arg;
	struct soft_qp *sqp;
	struct ib_qp *qp;
	unsigned int i;

	for (i = 0; i < r->rounds; i++) {
		if (qp_create(r->e, r->pd, IB_UVERBS_QPT_UD, &small_cap, &qp))
			return (void *)1;
		sqp = soft_fabric_qp_by_lid(r->lid, qp->qp_num, NULL);
		if (sqp != to_soft_qp(qp))
			return (void *)2;
		/* Destroy under a held reference: the holder frees it. */
		if (r->e->ops->destroy_qp(qp))
			return (void *)3;
		soft_qp_put(sqp);
	}
	return NULL;
}

TEST(soft_concurrent_keys_and_fabric)
{
	enum { THREADS = 4 };
	pthread_t th[2 * THREADS];
	struct race r;
	struct env e;
	void *ret;
	int i;

	env_open_ok(&e, NULL);
	r.e = &e;
	r.pd = pd_alloc_ok(&e);
	r.lid = port_lid(&e, 1);
	r.rounds = 300;
	for (i = 0; i < THREADS; i++) {
		ASSERT_OK(-pthread_create(&th[i], NULL, race_mr, &r));
		ASSERT_OK(-pthread_create(&th[THREADS + i], NULL, race_qp, &r));
	}
	for (i = 0; i < 2 * THREADS; i++) {
		ASSERT_OK(-pthread_join(th[i], &ret));
		ASSERT_TRUE(ret == NULL);
	}
	ASSERT_EQ(atomic_read(&e.sdev->num_mr), 0);
	ASSERT_EQ(atomic_read(&e.sdev->num_qp), 0);
	ASSERT_OK(e.ops->dealloc_pd(r.pd));
	env_close(&e);
}
