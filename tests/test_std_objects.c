// SPDX-License-Identifier: MIT
/*
 * The standard verbs objects (core/objects/) over a mock driver: every
 * action's success path with its exact outputs, the errors the core's
 * handlers add to the generic rules (the data path's array shapes, named
 * WR by WR), dependencies between objects, close and removal with every
 * kind of object alive, and driver failures.
 */
#include <ioverbs/embedded.h>

#include "harness.h"
#include "std_mock_driver.c"
/* uverbs_uobject_fetch() and the data path's bounds, for white-box tests. */
#include "../core/core_priv.h"
#include "../core/objects/objects.h"

/* Private to the core; the soft driver will need a public declaration. */

#define NONE (~0u)

/*
 * A mock device, a file on it, and two library clients on the file:
 * @v checks every command against the standard spec tables first, @raw
 * sends what it is given (for commands the library would refuse).
 */
struct fx {
	struct mock_device *md;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	struct ioverbs_client raw;
};

static void cmd_init(struct ioverbs_cmd *c, u16 type, u16 action)
{
	ioverbs_cmd_init(c, &uverbs_std_types, MOCK_DRIVER_ID, type, action);
}

/* Unchecked: for commands the library would refuse to send. */
static void cmd_init_raw(struct ioverbs_cmd *c, u16 type, u16 action)
{
	ioverbs_cmd_init(c, NULL, MOCK_DRIVER_ID, type, action);
}

static long cmd_exec(struct fx *fx, struct ioverbs_cmd *c)
{
	return ioverbs_client_exec(&fx->raw, c);
}

static long get_context(struct fx *fx, struct ib_uverbs_get_context_resp *resp)
{
	return ioverbs_context_get_ex(&fx->v, resp);
}

static void setup_noctx(struct fx *fx)
{
	fx->md = mock_device_create();
	ASSERT_TRUE(fx->md);
	fx->f = ib_uverbs_open(&fx->md->vdev.ib, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(fx->f));
	ioverbs_client_init_embedded(&fx->v, fx->f);
	ioverbs_client_spec_set(&fx->v, &uverbs_std_types, MOCK_DRIVER_ID);
	ioverbs_client_init_embedded(&fx->raw, fx->f);
	ioverbs_client_spec_set(&fx->raw, NULL, MOCK_DRIVER_ID);
}

static void setup(struct fx *fx)
{
	struct ib_uverbs_get_context_resp resp;

	setup_noctx(fx);
	ASSERT_OK(get_context(fx, &resp));
}

static void teardown(struct fx *fx)
{
	ib_uverbs_release(fx->f);
	ASSERT_EQ(fx->md->live, 0);
	mock_device_destroy(fx->md);
}

/*
 * The library's verbs with this file's shorter signatures; each returns
 * 0 or the command's errno, the _ok forms assert success.
 */
static long pd_alloc(struct fx *fx, u32 *pd)
{
	return ioverbs_pd_alloc(&fx->v, pd);
}

static u32 pd_alloc_ok(struct fx *fx)
{
	u32 pd = NONE;

	ASSERT_OK(pd_alloc(fx, &pd));
	return pd;
}

static long pd_dealloc(struct fx *fx, u32 pd)
{
	return ioverbs_pd_dealloc(&fx->v, pd);
}

static long mr_reg(struct fx *fx, u32 pd, u64 start, u64 length, u32 access,
		   u32 *mr, struct ib_uverbs_mr_reg_resp *resp)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = start, .length = length, .hca_va = start,
		.access_flags = access,
	};

	return ioverbs_mr_reg_ex(&fx->v, pd, &cmd, mr, resp);
}

static u32 mr_reg_ok(struct fx *fx, u32 pd)
{
	static char buf[4096];
	u32 mr = NONE;

	ASSERT_OK(mr_reg(fx, pd, (uintptr_t)buf, sizeof(buf),
			 IB_UVERBS_ACCESS_LOCAL_WRITE, &mr, NULL));
	return mr;
}

static long mr_dereg(struct fx *fx, u32 mr)
{
	return ioverbs_mr_dereg(&fx->v, mr);
}

static long channel_create(struct fx *fx, int *fd)
{
	return ioverbs_comp_channel_create(&fx->v, -1, fd);
}

static int channel_create_ok(struct fx *fx)
{
	int fd = -1;

	ASSERT_OK(channel_create(fx, &fd));
	ASSERT_TRUE(fd >= 0);
	return fd;
}

static long channel_destroy(struct fx *fx, int fd)
{
	return ioverbs_comp_channel_destroy(&fx->v, fd);
}

static long channel_get_event(struct fx *fx, int fd,
			      struct ib_uverbs_comp_event_desc *desc)
{
	return ioverbs_comp_channel_get_event(&fx->v, fd, desc);
}

/* @channel < 0: none. */
static long cq_create(struct fx *fx, u32 cqe, u32 vector, int channel,
		      u64 user_handle, u32 *cq,
		      struct ib_uverbs_cq_create_resp *resp)
{
	struct ib_uverbs_cq_create_cmd cmd = {
		.user_handle = user_handle, .cqe = cqe, .comp_vector = vector,
	};

	return ioverbs_cq_create_ex(&fx->v, &cmd, channel, cq, resp);
}

static u32 cq_create_ok(struct fx *fx, int channel)
{
	u32 cq = NONE;

	ASSERT_OK(cq_create(fx, 16, 0, channel, 0xc0, &cq, NULL));
	return cq;
}

static long cq_destroy(struct fx *fx, u32 cq,
		       struct ib_uverbs_cq_destroy_resp *resp)
{
	return ioverbs_cq_destroy(&fx->v, cq, resp);
}

static const struct ib_uverbs_qp_create_cmd rc_cmd = {
	.user_handle = 0x9b,
	.cap = { .max_send_wr = 16, .max_recv_wr = 32, .max_send_sge = 1,
		 .max_recv_sge = 2, .max_inline_data = 10 },
	.qp_type = IB_UVERBS_QPT_RC,
};

/* @srq NONE: without. */
static long qp_create(struct fx *fx, u32 pd, u32 scq, u32 rcq, u32 srq,
		      const struct ib_uverbs_qp_create_cmd *cmd, u32 *qp,
		      struct ib_uverbs_qp_create_resp *resp)
{
	return ioverbs_qp_create_ex(&fx->v, cmd, pd, scq, rcq, srq, qp, resp);
}

static u32 qp_create_ok(struct fx *fx, u32 pd, u32 cq, u32 srq)
{
	u32 qp = NONE;

	ASSERT_OK(qp_create(fx, pd, cq, cq, srq, &rc_cmd, &qp, NULL));
	return qp;
}

static long qp_modify(struct fx *fx, u32 qp,
		      const struct ib_uverbs_qp_attr *attr)
{
	return ioverbs_qp_modify(&fx->v, qp, attr);
}

static long qp_query(struct fx *fx, u32 qp, u32 mask,
		     struct ib_uverbs_qp_query_resp *resp)
{
	return ioverbs_qp_query(&fx->v, qp, mask, resp);
}

static long qp_destroy(struct fx *fx, u32 qp,
		       struct ib_uverbs_qp_destroy_resp *resp)
{
	return ioverbs_qp_destroy(&fx->v, qp, resp);
}

static long srq_create(struct fx *fx, u32 pd, u32 max_wr, u32 max_sge,
		       u32 limit, u32 *srq,
		       struct ib_uverbs_srq_create_resp *resp)
{
	struct ib_uverbs_srq_create_cmd cmd = {
		.user_handle = 0x5a, .max_wr = max_wr, .max_sge = max_sge,
		.srq_limit = limit,
	};

	return ioverbs_srq_create(&fx->v, pd, &cmd, srq, resp);
}

static u32 srq_create_ok(struct fx *fx, u32 pd)
{
	u32 srq = NONE;

	ASSERT_OK(srq_create(fx, pd, 64, 1, 0, &srq, NULL));
	return srq;
}

static long srq_modify(struct fx *fx, u32 srq, u32 mask, u32 max_wr, u32 limit)
{
	struct ib_uverbs_srq_modify_cmd cmd = {
		.attr_mask = mask, .max_wr = max_wr, .srq_limit = limit,
	};

	return ioverbs_srq_modify(&fx->v, srq, &cmd);
}

static long srq_destroy(struct fx *fx, u32 srq)
{
	return ioverbs_srq_destroy(&fx->v, srq, NULL);
}

static long ah_create(struct fx *fx, u32 pd, u8 port, u8 sgid_index, u32 *ah)
{
	struct ib_uverbs_ah_attr attr = {
		.dlid = 7, .port_num = port, .sgid_index = sgid_index,
		.is_global = 1, .hop_limit = 64,
	};

	return ioverbs_ah_create(&fx->v, pd, &attr, ah);
}

static u32 ah_create_ok(struct fx *fx, u32 pd)
{
	u32 ah = NONE;

	ASSERT_OK(ah_create(fx, pd, 1, 0, &ah));
	return ah;
}

static long ah_destroy(struct fx *fx, u32 ah)
{
	return ioverbs_ah_destroy(&fx->v, ah);
}

static long async_event(struct fx *fx, struct ib_uverbs_async_event_desc *desc)
{
	return ioverbs_async_event_get(&fx->v, desc);
}

/* ---- the tests ---- */

TEST(std_types_pass_the_registration_check)
{
	struct fx fx;

	ASSERT_OK(uverbs_types_check(&uverbs_std_types, "std"));
	ASSERT_EQ(uverbs_std_types.num_types, UVERBS_TYPE_STD_MAX);
	/* Not implemented: empty slots. */
	setup(&fx);
	{
		struct ioverbs_cmd c;

		static const u16 empty[][2] = {
			{ UVERBS_TYPE_MR, UVERBS_ACTION_MR_REREG },
		};
		struct ib_uverbs_cq_resize_resp resp;
		unsigned int i;
		u32 cq, cqe = 8;

		for (i = 0; i < ARRAY_SIZE(empty); i++) {
			cmd_init_raw(&c, empty[i][0], empty[i][1]);
			ioverbs_cmd_idr(&c, 0, 0);
			ASSERT_ERRNO(-EOPNOTSUPP, cmd_exec(&fx, &c));
		}
		/* CQ_RESIZE on a driver without resize_cq. */
		cq = cq_create_ok(&fx, -1);
		cmd_init_raw(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_RESIZE);
		ioverbs_cmd_idr(&c, UVERBS_CQ_RESIZE_HANDLE, cq);
		ioverbs_cmd_in(&c, UVERBS_CQ_RESIZE_CQE, &cqe, sizeof(cqe));
		ioverbs_cmd_out(&c, UVERBS_CQ_RESIZE_RESP, &resp, sizeof(resp));
		ASSERT_ERRNO(-EOPNOTSUPP, cmd_exec(&fx, &c));
	}
	teardown(&fx);
}

TEST(device_get_context)
{
	struct ib_uverbs_get_context_resp resp;
	struct fx fx;

	setup_noctx(&fx);
	/* Objects before the context: EINVAL (rule 11). */
	ASSERT_ERRNO(-EINVAL, pd_alloc(&fx, &(u32){ 0 }));
	/* The driver's failure: no context, and a retry works. */
	fx.md->fail[MOCK_ALLOC_UCONTEXT] = -ENOMEM;
	ASSERT_ERRNO(-ENOMEM, get_context(&fx, &resp));
	fx.md->fail[MOCK_QUERY_DEVICE] = -EIO;
	ASSERT_ERRNO(-EIO, get_context(&fx, &resp));
	memset(&resp, 0xff, sizeof(resp));
	ASSERT_OK(get_context(&fx, &resp));
	ASSERT_EQ(resp.num_comp_vectors, 1);
	ASSERT_EQ(resp.num_ports, MOCK_PORTS);
	ASSERT_ERRNO(-EINVAL, get_context(&fx, &resp));
	ASSERT_EQ(pd_alloc_ok(&fx), 0);
	teardown(&fx);
}

TEST(device_query_port_gid)
{
	struct ib_uverbs_query_device_resp dev;
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_gid gid;
	struct ioverbs_cmd c;
	u8 pnum;
	u32 index;
	struct fx fx;

	setup(&fx);
	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY);
	ioverbs_cmd_out(&c, UVERBS_QUERY_DEVICE_RESP, &dev, sizeof(dev));
	ASSERT_OK(cmd_exec(&fx, &c));
	ASSERT_EQ(dev.fw_ver, 0x10203);
	ASSERT_EQ(dev.node_guid, 0x1122334455667788ull);
	ASSERT_EQ(dev.max_qp_wr, MOCK_MAX_QP_WR);
	ASSERT_EQ(dev.max_cqe, MOCK_MAX_CQE);
	ASSERT_EQ(dev.max_inline_data, MOCK_MAX_INLINE);
	ASSERT_EQ(dev.phys_port_cnt, MOCK_PORTS);

	for (pnum = 0; pnum <= MOCK_PORTS + 1; pnum++) {
		memset(&port, 0xee, sizeof(port));
		cmd_init(&c, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY_PORT);
		ioverbs_cmd_in(&c, UVERBS_QUERY_PORT_PORT_NUM,
			       &pnum, sizeof(pnum));
		ioverbs_cmd_out(&c, UVERBS_QUERY_PORT_RESP,
				&port, sizeof(port));
		if (pnum < 1 || pnum > MOCK_PORTS) {
			ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
			ASSERT_EQ(port.lid, 0xeeee);
			continue;
		}
		ASSERT_OK(cmd_exec(&fx, &c));
		ASSERT_EQ(port.lid, pnum);
		ASSERT_EQ(port.gid_tbl_len, MOCK_GID_TBL_LEN);
		ASSERT_EQ(port.state, IB_UVERBS_PORT_ACTIVE);
		ASSERT_EQ(port.active_mtu, IB_UVERBS_MTU_1024);
		ASSERT_EQ(port.reserved[0], 0);
	}
	/* The port number is one byte. */
	index = 1;
	cmd_init_raw(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_PORT);
	ioverbs_cmd_in(&c, UVERBS_QUERY_PORT_PORT_NUM, &index, sizeof(index));
	ioverbs_cmd_out(&c, UVERBS_QUERY_PORT_RESP, &port, sizeof(port));
	ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));

	pnum = 2;
	index = 3;
	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_GID);
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_PORT_NUM, &pnum, sizeof(pnum));
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_INDEX, &index, sizeof(index));
	ioverbs_cmd_out(&c, UVERBS_QUERY_GID_RESP, &gid, sizeof(gid));
	ASSERT_OK(cmd_exec(&fx, &c));
	ASSERT_TRUE(!memcmp(gid.raw,
			    "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\x02\x03",
			    16));
	index = MOCK_GID_TBL_LEN;
	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_GID);
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_PORT_NUM, &pnum, sizeof(pnum));
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_INDEX, &index, sizeof(index));
	ioverbs_cmd_out(&c, UVERBS_QUERY_GID_RESP, &gid, sizeof(gid));
	ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
	teardown(&fx);
}

TEST(device_async_events_then_fatal_after_removal)
{
	struct ib_uverbs_async_event_desc desc;
	struct fx fx;
	u32 pd, mr;

	setup(&fx);
	ASSERT_ERRNO(-EAGAIN, async_event(&fx, &desc));
	ASSERT_OK(ib_uverbs_async_event(fx.f, IB_UVERBS_EVENT_PORT_ACTIVE, 1));
	memset(&desc, 0xff, sizeof(desc));
	ASSERT_OK(async_event(&fx, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_PORT_ACTIVE);
	ASSERT_EQ(desc.element, 1);
	ASSERT_EQ(desc.reserved, 0);
	ASSERT_ERRNO(-EAGAIN, async_event(&fx, &desc));

	pd = pd_alloc_ok(&fx);
	mr = mr_reg_ok(&fx, pd);
	mock_device_remove(fx.md);
	ASSERT_EQ(fx.md->live, 0);
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "mr1 pd0 "));
	/* After removal the core serves DESTROY (rule 20) and
	 * GET_ASYNC_EVENT, which delivers DEVICE_FATAL, then EAGAIN. */
	memset(&desc, 0xff, sizeof(desc));
	ASSERT_OK(async_event(&fx, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ASSERT_EQ(desc.element, 0);
	ASSERT_ERRNO(-EAGAIN, async_event(&fx, &desc));
	ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(fx.f, &desc));
	ASSERT_OK(mr_dereg(&fx, mr));
	ASSERT_OK(pd_dealloc(&fx, pd));
	ASSERT_ERRNO(-EIO, pd_alloc(&fx, &pd));
	teardown(&fx);
}

TEST(pd_alloc_dealloc)
{
	struct fx fx;
	u32 pd, cq;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ASSERT_EQ(fx.md->live, 1);
	cq = cq_create_ok(&fx, -1);
	ASSERT_ERRNO(-EINVAL, pd_dealloc(&fx, cq));	/* another type */
	ASSERT_ERRNO(-ENOENT, pd_dealloc(&fx, 77));
	ASSERT_OK(pd_dealloc(&fx, pd));
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "pd0 "));
	ASSERT_ERRNO(-ENOENT, pd_dealloc(&fx, pd));
	/* The driver fails: nothing is left, the handle is free again. */
	fx.md->fail[MOCK_ALLOC_PD] = -ENOMEM;
	ASSERT_ERRNO(-ENOMEM, pd_alloc(&fx, &pd));
	ASSERT_EQ(fx.md->live, 1);
	ASSERT_EQ(pd_alloc_ok(&fx), 0);
	teardown(&fx);
}

TEST(mr_reg_checks_and_outputs)
{
	static char buf[8192];
	struct ib_uverbs_mr_reg_resp resp;
	struct ib_uverbs_mr_reg_cmd cmd = { .length = 8 };
	u64 start = (uintptr_t)buf;
	struct ioverbs_cmd c;
	struct fx fx;
	u32 pd, mr = NONE, mr2 = NONE;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ASSERT_OK(mr_reg(&fx, pd, start, sizeof(buf),
			 IB_UVERBS_ACCESS_LOCAL_WRITE |
				 IB_UVERBS_ACCESS_REMOTE_WRITE |
				 IB_UVERBS_ACCESS_REMOTE_READ |
				 IB_UVERBS_ACCESS_REMOTE_ATOMIC, &mr, &resp));
	ASSERT_EQ(mr, 1);
	ASSERT_EQ(resp.lkey, 0x1000);
	ASSERT_EQ(resp.rkey, 0x2000);
	ASSERT_OK(mr_reg(&fx, pd, start, 1, IB_UVERBS_ACCESS_REMOTE_READ, &mr2,
			 &resp));
	ASSERT_EQ(resp.lkey, 0x1001);
	ASSERT_EQ(resp.rkey, 0x2001);

	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, pd, start, 0, 0, &mr, NULL));
	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, pd, ~0ull - 4, 8, 0, &mr, NULL));
	ASSERT_ERRNO(-EINVAL,
		     mr_reg(&fx, pd, 0, MOCK_MAX_MR_SIZE + 1, 0, &mr, NULL));
	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, pd, start, 8, 1u << 4, &mr, NULL));
	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, pd, start, 8,
				     IB_UVERBS_ACCESS_REMOTE_WRITE, &mr, NULL));
	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, pd, start, 8,
				     IB_UVERBS_ACCESS_REMOTE_ATOMIC |
					     IB_UVERBS_ACCESS_REMOTE_READ,
				     &mr, NULL));
	ASSERT_ERRNO(-ENOENT, mr_reg(&fx, 99, start, 8, 0, &mr, NULL));
	ASSERT_ERRNO(-EINVAL, mr_reg(&fx, mr2, start, 8, 0, &mr, NULL));
	/* Rule 21: memory not mapped, refused before the driver sees it. */
	ASSERT_ERRNO(-EFAULT, mr_reg(&fx, pd, 4096, 8, 0, &mr, NULL));
	ASSERT_EQ(fx.md->live, 3);
	fx.md->fail[MOCK_REG_MR] = -EFAULT;
	ASSERT_ERRNO(-EFAULT, mr_reg(&fx, pd, start, 8, 0, &mr, NULL));
	ASSERT_EQ(fx.md->live, 3);

	/* A command of the wrong length, and a reserved field set. */
	cmd_init_raw(&c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, &mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd) - 4);
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, &resp, sizeof(resp));
	ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
	cmd.start = start;
	cmd.reserved = 1;
	cmd_init(&c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, &mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, &resp, sizeof(resp));
	ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));

	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	ASSERT_OK(mr_dereg(&fx, 1));
	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	ASSERT_OK(mr_dereg(&fx, mr2));
	ASSERT_ERRNO(-ENOENT, mr_dereg(&fx, mr2));
	ASSERT_OK(pd_dealloc(&fx, pd));
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "mr1 mr2 pd0 "));
	teardown(&fx);
}

TEST(cq_create_limits_and_destroy)
{
	struct ib_uverbs_cq_create_resp resp;
	struct ib_uverbs_cq_destroy_resp dresp;
	struct fx fx;
	u32 cq = NONE;

	setup(&fx);
	ASSERT_OK(cq_create(&fx, 100, 0, -1, 0x77, &cq, &resp));
	ASSERT_EQ(resp.cqe, 128);
	ASSERT_EQ(resp.reserved, 0);
	ASSERT_EQ(fx.md->last_cq_cmd.cqe, 100);
	ASSERT_EQ(fx.md->last_cq->user_handle, 0x77);
	ASSERT_TRUE(fx.md->last_cq->channel == NULL);
	ASSERT_ERRNO(-EINVAL, cq_create(&fx, 0, 0, -1, 0, &cq, NULL));
	ASSERT_ERRNO(-EINVAL,
		     cq_create(&fx, MOCK_MAX_CQE + 1, 0, -1, 0, &cq, NULL));
	ASSERT_ERRNO(-EINVAL, cq_create(&fx, 1, 1, -1, 0, &cq, NULL));
	ASSERT_OK(cq_create(&fx, MOCK_MAX_CQE, 0, -1, 0, &cq, &resp));
	ASSERT_EQ(resp.cqe, MOCK_MAX_CQE);
	fx.md->fail[MOCK_CREATE_CQ] = -ENOSPC;
	ASSERT_ERRNO(-ENOSPC, cq_create(&fx, 1, 0, -1, 0, &cq, NULL));
	ASSERT_ERRNO(-EBADF, cq_create(&fx, 1, 0, 1000, 0, &cq, NULL));
	ASSERT_EQ(fx.md->live, 2);

	memset(&dresp, 0xff, sizeof(dresp));
	ASSERT_OK(cq_destroy(&fx, 0, &dresp));
	ASSERT_EQ(dresp.comp_events_reported, 0);
	ASSERT_EQ(dresp.async_events_reported, 0);
	ASSERT_OK(cq_destroy(&fx, 1, NULL));
	ASSERT_ERRNO(-ENOENT, cq_destroy(&fx, 1, NULL));
	teardown(&fx);
}

TEST(comp_channel_events)
{
	struct ib_uverbs_comp_event_desc desc;
	struct ib_uverbs_cq_destroy_resp dresp;
	struct ib_cq *cq1, *cq2;
	struct fx fx;
	u32 h1 = NONE, h2 = NONE;
	int ch;

	setup(&fx);
	ch = channel_create_ok(&fx);
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));
	ASSERT_ERRNO(-EBADF, channel_get_event(&fx, ch + 1000, &desc));
	ASSERT_OK(cq_create(&fx, 4, 0, ch, 0xaaa1, &h1, NULL));
	cq1 = fx.md->last_cq;
	ASSERT_TRUE(cq1->channel != NULL);
	ASSERT_OK(cq_create(&fx, 4, 0, ch, 0xaaa2, &h2, NULL));
	cq2 = fx.md->last_cq;
	ASSERT_ERRNO(-EBUSY, channel_destroy(&fx, ch));

	ASSERT_OK(ib_comp_channel_event(cq2));
	ASSERT_OK(ib_comp_channel_event(cq1));
	ASSERT_OK(ib_comp_channel_event(cq2));
	ASSERT_OK(channel_get_event(&fx, ch, &desc));
	ASSERT_EQ(desc.cq_handle, 0xaaa2);
	ASSERT_OK(channel_get_event(&fx, ch, &desc));
	ASSERT_EQ(desc.cq_handle, 0xaaa1);
	/* cq2's second event goes with cq2. */
	memset(&dresp, 0xff, sizeof(dresp));
	ASSERT_OK(cq_destroy(&fx, h2, &dresp));
	ASSERT_EQ(dresp.comp_events_reported, 1);
	ASSERT_EQ(dresp.async_events_reported, 0);
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));

	/* A refused destroy leaves the CQ on its channel. */
	fx.md->fail[MOCK_DESTROY] = -EBUSY;
	ASSERT_ERRNO(-EBUSY, cq_destroy(&fx, h1, NULL));
	ASSERT_OK(ib_comp_channel_event(cq1));
	ASSERT_OK(channel_get_event(&fx, ch, &desc));
	ASSERT_EQ(desc.cq_handle, 0xaaa1);
	ASSERT_EQ(ib_comp_channel_event(&(struct ib_cq){ 0 }), -EINVAL);
	/* A transport's read: the queued count, and only of a channel. */
	ASSERT_OK(ib_comp_channel_event(cq1));
	ASSERT_EQ(ib_comp_channel_read(cq1->channel, NULL, 0), 1);
	ASSERT_EQ(ib_comp_channel_read(cq1->channel, &desc, 1), 1);
	ASSERT_EQ(desc.cq_handle, 0xaaa1);
	ASSERT_EQ(ib_comp_channel_read(cq1->channel, &desc, 1), 0);
	ASSERT_EQ(ib_comp_channel_read(cq1->uobject, &desc, 1), -EINVAL);
	ASSERT_OK(ib_comp_channel_event(cq1));	/* left queued */
	ASSERT_OK(cq_destroy(&fx, h1, &dresp));
	ASSERT_EQ(dresp.comp_events_reported, 3);
	ASSERT_OK(channel_destroy(&fx, ch));
	ASSERT_ERRNO(-EBADF, channel_get_event(&fx, ch, &desc));
	teardown(&fx);
}

TEST(qp_create_checks_and_outputs)
{
	struct ib_uverbs_qp_create_resp resp;
	struct ib_uverbs_qp_create_cmd cmd;
	struct ib_uverbs_qp_destroy_resp dresp;
	struct fx fx;
	u32 pd, cq, cq2, srq, qp = NONE, qp2 = NONE;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	cq2 = cq_create_ok(&fx, -1);
	srq = srq_create_ok(&fx, pd);

	memset(&resp, 0xff, sizeof(resp));
	ASSERT_OK(qp_create(&fx, pd, cq, cq2, NONE, &rc_cmd, &qp, &resp));
	ASSERT_EQ(resp.qpn, 0x100);
	ASSERT_EQ(resp.cap.max_send_wr, 16);
	ASSERT_EQ(resp.cap.max_recv_wr, 32);
	ASSERT_EQ(resp.cap.max_send_sge, 1);
	ASSERT_EQ(resp.cap.max_recv_sge, 2);
	ASSERT_EQ(resp.cap.max_inline_data, 32);
	ASSERT_EQ(resp.reserved, 0);
	ASSERT_EQ(fx.md->last_qp->qp_type, IB_UVERBS_QPT_RC);
	ASSERT_EQ(fx.md->last_qp->user_handle, 0x9b);
	ASSERT_EQ(fx.md->last_qp->attr.qp_state, IB_UVERBS_QPS_RESET);
	ASSERT_TRUE(fx.md->last_qp->send_cq->uobject->id == cq);
	ASSERT_TRUE(fx.md->last_qp->recv_cq->uobject->id == cq2);
	ASSERT_TRUE(fx.md->last_qp->srq == NULL);

	/* With an SRQ the receive sizes are ignored, even beyond limits. */
	cmd = rc_cmd;
	cmd.qp_type = IB_UVERBS_QPT_UD;
	cmd.cap.max_recv_wr = MOCK_MAX_QP_WR + 1;
	cmd.cap.max_recv_sge = MOCK_MAX_SGE + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	ASSERT_OK(qp_create(&fx, pd, cq, cq, srq, &cmd, &qp2, &resp));
	ASSERT_EQ(fx.md->last_qp_cmd.cap.max_recv_wr, 0);
	ASSERT_EQ(fx.md->last_qp_cmd.cap.max_recv_sge, 0);
	ASSERT_EQ(resp.cap.max_recv_wr, 0);
	ASSERT_TRUE(fx.md->last_qp->srq->uobject->id == srq);

	/* Type and limits. */
	cmd = rc_cmd;
	cmd.qp_type = 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd.qp_type = 5;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.cap.max_send_wr = MOCK_MAX_QP_WR + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.cap.max_recv_wr = MOCK_MAX_QP_WR + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.cap.max_send_sge = MOCK_MAX_SGE + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.cap.max_recv_sge = MOCK_MAX_SGE + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.cap.max_inline_data = MOCK_MAX_INLINE + 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	cmd = rc_cmd;
	cmd.reserved[5] = 1;
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, cq, cq, NONE, &cmd, &qp2, NULL));
	/* Objects of the wrong type or none. */
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, pd, pd, cq, NONE, &rc_cmd, &qp2, NULL));
	ASSERT_ERRNO(-EINVAL,
		     qp_create(&fx, cq, cq, cq, NONE, &rc_cmd, &qp2, NULL));
	ASSERT_ERRNO(-ENOENT,
		     qp_create(&fx, pd, cq, 99, NONE, &rc_cmd, &qp2, NULL));
	/* The driver fails. */
	fx.md->fail[MOCK_CREATE_QP] = -ENOMEM;
	ASSERT_ERRNO(-ENOMEM,
		     qp_create(&fx, pd, cq, cq, NONE, &rc_cmd, &qp2, NULL));
	fx.md->fail[MOCK_QUERY_DEVICE] = -EIO;
	ASSERT_ERRNO(-EIO,
		     qp_create(&fx, pd, cq, cq, NONE, &rc_cmd, &qp2, NULL));
	ASSERT_EQ(fx.md->live, 6);

	/* Parents are busy while the QPs live. */
	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	ASSERT_ERRNO(-EBUSY, cq_destroy(&fx, cq, NULL));
	ASSERT_ERRNO(-EBUSY, cq_destroy(&fx, cq2, NULL));
	ASSERT_ERRNO(-EBUSY, srq_destroy(&fx, srq));
	memset(&dresp, 0xff, sizeof(dresp));
	ASSERT_OK(qp_destroy(&fx, qp, &dresp));
	ASSERT_EQ(dresp.events_reported, 0);
	ASSERT_EQ(dresp.reserved, 0);
	ASSERT_OK(cq_destroy(&fx, cq2, NULL));
	ASSERT_ERRNO(-EBUSY, cq_destroy(&fx, cq, NULL));
	ASSERT_ERRNO(-EBUSY, srq_destroy(&fx, srq));
	ASSERT_OK(qp_destroy(&fx, qp2, NULL));
	ASSERT_OK(srq_destroy(&fx, srq));
	ASSERT_OK(cq_destroy(&fx, cq, NULL));
	ASSERT_OK(pd_dealloc(&fx, pd));
	teardown(&fx);
}

static const u32 init_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS;
static const u32 rtr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_AV |
			    IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_DEST_QPN |
			    IB_UVERBS_QP_RQ_PSN |
			    IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			    IB_UVERBS_QP_MIN_RNR_TIMER;
static const u32 rts_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_TIMEOUT |
			    IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |
			    IB_UVERBS_QP_SQ_PSN | IB_UVERBS_QP_MAX_QP_RD_ATOMIC;

/* ibv_rc_pingpong's attributes, one transition each. */
static void rc_init_attr(struct ib_uverbs_qp_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->attr_mask = init_mask;
	a->qp_state = IB_UVERBS_QPS_INIT;
	a->port_num = 1;
	a->qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE;
}

static void rc_rtr_attr(struct ib_uverbs_qp_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->attr_mask = rtr_mask;
	a->qp_state = IB_UVERBS_QPS_RTR;
	a->path_mtu = IB_UVERBS_MTU_1024;
	a->dest_qp_num = 0x345;
	a->rq_psn = 0x123456;
	a->max_dest_rd_atomic = 1;
	a->min_rnr_timer = 12;
	a->ah_attr.dlid = 9;
	a->ah_attr.port_num = 1;
}

static void rc_rts_attr(struct ib_uverbs_qp_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->attr_mask = rts_mask;
	a->qp_state = IB_UVERBS_QPS_RTS;
	a->timeout = 14;
	a->retry_cnt = 7;
	a->rnr_retry = 7;
	a->sq_psn = 0x654321;
	a->max_rd_atomic = 1;
}

TEST(qp_modify_rc_sequence_and_query)
{
	struct ib_uverbs_qp_query_resp q;
	struct ib_uverbs_qp_attr a;
	struct fx fx;
	u32 pd, cq, qp;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	qp = qp_create_ok(&fx, pd, cq, NONE);

	ASSERT_OK(qp_query(&fx, qp, ~0u, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_RESET);
	ASSERT_EQ(q.qp_type, IB_UVERBS_QPT_RC);

	/* RESET -> RTR skips INIT, and the caller is told so. */
	rc_rtr_attr(&a);
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "QP_MODIFY: RESET->RTR") != NULL);
	/* A port the device lacks, a P_Key index the port lacks. */
	rc_init_attr(&a);
	a.port_num = MOCK_PORTS + 1;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	rc_init_attr(&a);
	a.port_num = 0;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	rc_init_attr(&a);
	a.pkey_index = 1;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	rc_init_attr(&a);
	a.qp_access_flags = 1u << 4;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	ASSERT_EQ(fx.md->last_modify_qp.attr_mask, 0);
	rc_init_attr(&a);
	ASSERT_OK(qp_modify(&fx, qp, &a));
	ASSERT_EQ(fx.md->last_modify_qp.attr_mask, init_mask);
	/* INIT -> RTR without MIN_RNR_TIMER. */
	rc_rtr_attr(&a);
	a.attr_mask &= ~IB_UVERBS_QP_MIN_RNR_TIMER;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	/* A port the device lacks, an MTU beyond the enum, too many reads. */
	rc_rtr_attr(&a);
	a.ah_attr.port_num = MOCK_PORTS + 1;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	rc_rtr_attr(&a);
	a.path_mtu = 6;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	rc_rtr_attr(&a);
	a.max_dest_rd_atomic = MOCK_MAX_RD_ATOM + 1;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	/* The driver refuses: the state stays. */
	rc_rtr_attr(&a);
	fx.md->fail[MOCK_MODIFY_QP] = -ETIMEDOUT;
	ASSERT_ERRNO(-ETIMEDOUT, qp_modify(&fx, qp, &a));
	ASSERT_OK(qp_query(&fx, qp, 0, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_INIT);
	ASSERT_OK(qp_modify(&fx, qp, &a));
	rc_rts_attr(&a);
	ASSERT_OK(qp_modify(&fx, qp, &a));

	memset(&q, 0xff, sizeof(q));
	ASSERT_OK(qp_query(&fx, qp, init_mask | rtr_mask | rts_mask, &q));
	ASSERT_EQ(q.attr.attr_mask, init_mask | rtr_mask | rts_mask);
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_RTS);
	ASSERT_EQ(q.attr.cur_qp_state, IB_UVERBS_QPS_RTS);
	ASSERT_EQ(q.attr.port_num, 1);
	ASSERT_EQ(q.attr.pkey_index, 0);
	ASSERT_EQ(q.attr.qp_access_flags, IB_UVERBS_ACCESS_REMOTE_WRITE);
	ASSERT_EQ(q.attr.path_mtu, IB_UVERBS_MTU_1024);
	ASSERT_EQ(q.attr.dest_qp_num, 0x345);
	ASSERT_EQ(q.attr.rq_psn, 0x123456);
	ASSERT_EQ(q.attr.max_dest_rd_atomic, 1);
	ASSERT_EQ(q.attr.min_rnr_timer, 12);
	ASSERT_EQ(q.attr.ah_attr.dlid, 9);
	ASSERT_EQ(q.attr.ah_attr.port_num, 1);
	ASSERT_EQ(q.attr.timeout, 14);
	ASSERT_EQ(q.attr.retry_cnt, 7);
	ASSERT_EQ(q.attr.rnr_retry, 7);
	ASSERT_EQ(q.attr.sq_psn, 0x654321);
	ASSERT_EQ(q.attr.max_rd_atomic, 1);
	ASSERT_EQ(q.attr.qkey, 0);
	ASSERT_EQ(q.attr.cap.max_send_wr, 16);
	ASSERT_EQ(q.attr.cap.max_recv_wr, 32);
	ASSERT_EQ(q.attr.cap.max_inline_data, 32);
	ASSERT_EQ(q.qp_type, IB_UVERBS_QPT_RC);
	ASSERT_EQ(q.sq_sig_all, 0);
	ASSERT_EQ(q.reserved[0], 0);

	/* RTS -> RTS with CUR_STATE that is not the QP's. */
	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_CUR_STATE;
	a.qp_state = IB_UVERBS_QPS_RTS;
	a.cur_qp_state = IB_UVERBS_QPS_RTR;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	/* Any state -> ERR -> RESET. */
	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE;
	a.qp_state = IB_UVERBS_QPS_ERR;
	ASSERT_OK(qp_modify(&fx, qp, &a));
	a.qp_state = IB_UVERBS_QPS_RESET;
	ASSERT_OK(qp_modify(&fx, qp, &a));
	ASSERT_OK(qp_query(&fx, qp, 0, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_RESET);

	/* Length errors and the wrong type. */
	{
		struct ioverbs_cmd c;
		u32 mask = 0;

		cmd_init_raw(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_MODIFY);
		ioverbs_cmd_idr(&c, UVERBS_QP_MODIFY_HANDLE, qp);
		ioverbs_cmd_in(&c, UVERBS_QP_MODIFY_CMD, &a, sizeof(a) - 8);
		ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
		cmd_init_raw(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_QUERY);
		ioverbs_cmd_idr(&c, UVERBS_QP_QUERY_HANDLE, qp);
		ioverbs_cmd_in(&c, UVERBS_QP_QUERY_MASK, &mask, sizeof(mask));
		ioverbs_cmd_out(&c, UVERBS_QP_QUERY_RESP, &q, sizeof(q) - 1);
		ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
	}
	rc_init_attr(&a);
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, cq, &a));
	ASSERT_ERRNO(-ENOENT, qp_modify(&fx, 99, &a));
	teardown(&fx);
}

TEST(srq_create_modify_destroy)
{
	struct ib_uverbs_srq_create_resp resp;
	struct fx fx;
	u32 pd, srq = NONE, srq2 = NONE;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ASSERT_OK(srq_create(&fx, pd, 100, 2, 10, &srq, &resp));
	ASSERT_EQ(resp.max_wr, 101);
	ASSERT_EQ(resp.max_sge, 2);
	ASSERT_ERRNO(-EINVAL, srq_create(&fx, pd, 0, 1, 0, &srq2, NULL));
	ASSERT_ERRNO(-EINVAL,
		     srq_create(&fx, pd, MOCK_MAX_SRQ_WR + 1, 1, 0, &srq2,
				NULL));
	ASSERT_ERRNO(-EINVAL,
		     srq_create(&fx, pd, 8, MOCK_MAX_SRQ_SGE + 1, 0, &srq2,
				NULL));
	ASSERT_ERRNO(-EINVAL, srq_create(&fx, pd, 8, 1, 8, &srq2, NULL));
	fx.md->fail[MOCK_CREATE_SRQ] = -ENOMEM;
	ASSERT_ERRNO(-ENOMEM, srq_create(&fx, pd, 8, 1, 0, &srq2, NULL));
	ASSERT_EQ(fx.md->live, 2);

	ASSERT_OK(srq_modify(&fx, srq, IB_UVERBS_SRQ_LIMIT, 0, 50));
	ASSERT_EQ(fx.md->last_modify_srq.srq_limit, 50);
	ASSERT_ERRNO(-EINVAL,
		     srq_modify(&fx, srq, IB_UVERBS_SRQ_LIMIT, 0, 101));
	ASSERT_ERRNO(-EINVAL, srq_modify(&fx, srq, 1u << 2, 0, 0));
	ASSERT_ERRNO(-EINVAL, srq_modify(&fx, srq, 0, 0, 0));
	ASSERT_ERRNO(-EINVAL, srq_modify(&fx, srq, IB_UVERBS_SRQ_MAX_WR,
					 MOCK_MAX_SRQ_WR + 1, 0));
	ASSERT_OK(srq_modify(&fx, srq,
			     IB_UVERBS_SRQ_MAX_WR | IB_UVERBS_SRQ_LIMIT, 200,
			     150));
	fx.md->fail[MOCK_MODIFY_SRQ] = -EOPNOTSUPP;
	ASSERT_ERRNO(-EOPNOTSUPP,
		     srq_modify(&fx, srq, IB_UVERBS_SRQ_LIMIT, 0, 1));
	ASSERT_ERRNO(-EINVAL, srq_modify(&fx, pd, IB_UVERBS_SRQ_LIMIT, 0, 1));
	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	{
		/* DESTROY reports the SRQ's async events. */
		struct ib_uverbs_srq_destroy_resp dresp = { 7, 7 };
		struct ioverbs_cmd c;

		fx.md->last_srq->events_reported = 3;
		cmd_init(&c, UVERBS_TYPE_SRQ, UVERBS_ACTION_SRQ_DESTROY);
		ioverbs_cmd_idr(&c, UVERBS_SRQ_DESTROY_HANDLE, srq);
		ioverbs_cmd_out(&c, UVERBS_SRQ_DESTROY_RESP, &dresp,
				sizeof(dresp));
		ASSERT_OK(cmd_exec(&fx, &c));
		ASSERT_EQ(dresp.events_reported, 3);
		ASSERT_EQ(dresp.reserved, 0);
	}
	ASSERT_ERRNO(-ENOENT, srq_modify(&fx, srq, IB_UVERBS_SRQ_LIMIT, 0, 1));
	ASSERT_OK(pd_dealloc(&fx, pd));
	teardown(&fx);
}

TEST(ah_create_destroy)
{
	struct fx fx;
	u32 pd, ah = NONE, ah2 = NONE;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ASSERT_OK(ah_create(&fx, pd, 2, MOCK_GID_TBL_LEN - 1, &ah));
	ASSERT_ERRNO(-EINVAL, ah_create(&fx, pd, 0, 0, &ah2));
	ASSERT_ERRNO(-EINVAL, ah_create(&fx, pd, MOCK_PORTS + 1, 0, &ah2));
	ASSERT_ERRNO(-EINVAL, ah_create(&fx, pd, 1, MOCK_GID_TBL_LEN, &ah2));
	fx.md->fail[MOCK_CREATE_AH] = -EAGAIN;
	ASSERT_ERRNO(-EAGAIN, ah_create(&fx, pd, 1, 0, &ah2));
	ASSERT_EQ(fx.md->live, 2);
	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	ASSERT_ERRNO(-EINVAL, ah_destroy(&fx, pd));
	ASSERT_OK(ah_destroy(&fx, ah));
	ASSERT_ERRNO(-ENOENT, ah_destroy(&fx, ah));
	ASSERT_OK(pd_dealloc(&fx, pd));
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "ah1 pd0 "));
	teardown(&fx);
}

/* One of each kind, the QP on everything: pd0 mr1 cq2 srq3 qp4 ah5. */
static void create_one_of_each(struct fx *fx, int *ch)
{
	u32 pd;

	*ch = channel_create_ok(fx);
	pd = pd_alloc_ok(fx);
	ASSERT_EQ(pd, 0);
	ASSERT_EQ(mr_reg_ok(fx, pd), 1);
	ASSERT_EQ(cq_create_ok(fx, *ch), 2);
	ASSERT_EQ(srq_create_ok(fx, pd), 3);
	ASSERT_EQ(qp_create_ok(fx, pd, 2, 3), 4);
	ASSERT_EQ(ah_create_ok(fx, pd), 5);
	ASSERT_OK(ib_comp_channel_event(fx->md->last_cq));
	ASSERT_EQ(fx->md->live, 6);
}

TEST(close_destroys_children_first)
{
	struct fx fx;
	int ch;

	setup(&fx);
	create_one_of_each(&fx, &ch);
	ASSERT_ERRNO(-EBUSY, channel_destroy(&fx, ch));
	ib_uverbs_release(fx.f);
	ASSERT_EQ(fx.md->live, 0);
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "ah5 qp4 srq3 cq2 mr1 pd0 "));
	mock_device_destroy(fx.md);
}

TEST(removal_destroys_children_first)
{
	struct fx fx;
	int ch;

	setup(&fx);
	create_one_of_each(&fx, &ch);
	mock_device_remove(fx.md);
	ASSERT_EQ(fx.md->live, 0);
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "ah5 qp4 srq3 cq2 mr1 pd0 "));
	/* DESTROY of zombies still succeeds, in any order. */
	ASSERT_OK(pd_dealloc(&fx, 0));
	ASSERT_OK(channel_destroy(&fx, ch));
	ASSERT_OK(qp_destroy(&fx, 4, NULL));
	teardown(&fx);
}

TEST(destroy_refused_keeps_the_object)
{
	struct ib_uverbs_qp_query_resp q;
	struct fx fx;
	u32 pd, cq, qp;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	qp = qp_create_ok(&fx, pd, cq, NONE);
	fx.md->fail[MOCK_DESTROY] = -EBUSY;
	ASSERT_ERRNO(-EBUSY, qp_destroy(&fx, qp, NULL));
	ASSERT_OK(qp_query(&fx, qp, 0, &q));
	ASSERT_ERRNO(-EBUSY, cq_destroy(&fx, cq, NULL));
	fx.md->fail[MOCK_DESTROY] = -EIO;
	ASSERT_ERRNO(-EIO, qp_destroy(&fx, qp, NULL));
	ASSERT_OK(qp_destroy(&fx, qp, NULL));
	ASSERT_OK(cq_destroy(&fx, cq, NULL));
	fx.md->fail[MOCK_DESTROY] = -EBUSY;
	ASSERT_ERRNO(-EBUSY, pd_dealloc(&fx, pd));
	/* Close retries what the driver refused once. */
	fx.md->fail[MOCK_DESTROY] = -EBUSY;
	ib_uverbs_release(fx.f);
	ASSERT_EQ(fx.md->live, 0);
	mock_device_destroy(fx.md);
}

/* An output the core cannot write: the new object is aborted. */
TEST(create_aborted_on_output_fault)
{
	struct ioverbs_cmd c;
	struct fx fx;
	u32 pd = NONE;

	setup(&fx);
	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY);
	ioverbs_cmd_out(&c, UVERBS_QUERY_DEVICE_RESP, (void *)8,
			sizeof(struct ib_uverbs_query_device_resp));
	ASSERT_ERRNO(-EFAULT, cmd_exec(&fx, &c));
	{
		struct ib_uverbs_cq_create_cmd cmd = { .cqe = 1 };
		u32 cq;

		cmd_init(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
		ioverbs_cmd_new(&c, UVERBS_CQ_CREATE_HANDLE, &cq);
		ioverbs_cmd_in(&c, UVERBS_CQ_CREATE_CMD, &cmd, sizeof(cmd));
		ioverbs_cmd_out(&c, UVERBS_CQ_CREATE_RESP, (void *)8,
				sizeof(struct ib_uverbs_cq_create_resp));
		ASSERT_ERRNO(-EFAULT, cmd_exec(&fx, &c));
	}
	ASSERT_EQ(fx.md->live, 0);
	ASSERT_TRUE(!strcmp(fx.md->destroyed, "cq0 "));
	ASSERT_OK(pd_alloc(&fx, &pd));
	ASSERT_EQ(pd, 0);
	teardown(&fx);
}

/* ---- the data path ---- */

/*
 * Raw, as post(): @len bytes of room, and no COUNT attribute when @count
 * is NULL -- shapes the library's ioverbs_cq_poll() never sends.
 */
static long cq_poll(struct fx *fx, u32 cq, struct ib_uverbs_wc *wc,
		    size_t len, u32 *count)
{
	struct ioverbs_cmd c;

	cmd_init_raw(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
	ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, cq);
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, wc, len);
	if (count)
		ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, count,
				sizeof(*count));
	return cmd_exec(fx, &c);
}

/* @solicited NONE: without the attribute. */
static long cq_req_notify(struct fx *fx, u32 cq, u32 solicited)
{
	struct ioverbs_cmd c;

	if (solicited != NONE)
		return ioverbs_cq_req_notify(&fx->v, cq, solicited);
	cmd_init(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_REQ_NOTIFY);
	ioverbs_cmd_idr(&c, UVERBS_CQ_REQ_NOTIFY_HANDLE, cq);
	return cmd_exec(fx, &c);
}

/*
 * A POST with lengths in bytes, sent as given (raw: the library never
 * sends such shapes); @sge NULL and @bad_wr NULL leave those attributes
 * out.  The POSTs share attribute ids.
 */
static long post(struct fx *fx, u16 type, u16 action, u32 handle,
		 const void *wr, size_t wr_len, const struct ib_uverbs_sge *sge,
		 size_t sge_len, u32 *bad_wr)
{
	struct ioverbs_cmd c;

	_Static_assert((int)UVERBS_QP_POST_SEND_SGE == UVERBS_QP_POST_RECV_SGE,
		       "the POSTs share attribute ids");
	_Static_assert((int)UVERBS_QP_POST_SEND_SGE == UVERBS_SRQ_POST_RECV_SGE,
		       "the POSTs share attribute ids");
	_Static_assert((int)UVERBS_QP_POST_SEND_BAD_WR ==
			       UVERBS_QP_POST_RECV_BAD_WR &&
		       (int)UVERBS_QP_POST_SEND_BAD_WR ==
			       UVERBS_SRQ_POST_RECV_BAD_WR,
		       "the POSTs share attribute ids");
	cmd_init_raw(&c, type, action);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, handle);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_WR, wr, wr_len);
	if (sge)
		ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_SGE, sge, sge_len);
	if (bad_wr)
		ioverbs_cmd_out(&c, UVERBS_QP_POST_SEND_BAD_WR, bad_wr,
				sizeof(*bad_wr));
	return cmd_exec(fx, &c);
}

/* Unchecked (@raw), so that the core judges every count and shape. */
static long post_send(struct fx *fx, u32 qp,
		      const struct ib_uverbs_send_wr *wr, u32 n,
		      const struct ib_uverbs_sge *sge, u32 nsge, u32 *bad_wr)
{
	return ioverbs_qp_post_send(&fx->raw, qp, wr, n, sge, nsge, bad_wr);
}

static long post_recv(struct fx *fx, u32 qp,
		      const struct ib_uverbs_recv_wr *wr, u32 n,
		      const struct ib_uverbs_sge *sge, u32 nsge, u32 *bad_wr)
{
	return ioverbs_qp_post_recv(&fx->raw, qp, wr, n, sge, nsge, bad_wr);
}

static long srq_post_recv(struct fx *fx, u32 srq,
			  const struct ib_uverbs_recv_wr *wr, u32 n,
			  const struct ib_uverbs_sge *sge, u32 nsge,
			  u32 *bad_wr)
{
	return ioverbs_srq_post_recv(&fx->raw, srq, wr, n, sge, nsge, bad_wr);
}

static bool last_error_has(const char *s)
{
	return strstr(ib_uverbs_last_error(), s) != NULL;
}

static struct ib_uverbs_wc test_wc(u64 wr_id)
{
	return (struct ib_uverbs_wc){
		.wr_id = wr_id, .status = IB_UVERBS_WC_SUCCESS,
		.opcode = IB_UVERBS_WC_RECV, .byte_len = 100 + (u32)wr_id,
		.qp_num = 0x123, .src_qp = 0x45, .wc_flags = IB_UVERBS_WC_GRH,
		.pkey_index = 0, .slid = 9, .sl = 3, .port_num = 1,
	};
}

TEST(cq_poll_returns_the_drivers_completions)
{
	struct ib_uverbs_wc wc[UVERBS_CQ_POLL_MAX_WC + 1], want;
	struct ib_cq *mcq;
	struct fx fx;
	u32 pd, cq, cq2, count, i;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	mcq = fx.md->last_cq;
	cq2 = cq_create_ok(&fx, -1);
	for (i = 0; i < 3; i++) {
		want = test_wc(i);
		ASSERT_OK(mock_cq_push(fx.md, mcq, &want, false));
	}
	want = test_wc(77);
	ASSERT_OK(mock_cq_push(fx.md, fx.md->last_cq, &want, false));

	/* Room for two: the two oldest, exactly. */
	memset(wc, 0xee, sizeof(wc));
	count = 0xeeee;
	ASSERT_OK(cq_poll(&fx, cq, wc, 2 * sizeof(*wc), &count));
	ASSERT_EQ(count, 2);
	ASSERT_EQ(fx.md->last_poll_num, 2);
	for (i = 0; i < 2; i++) {
		want = test_wc(i);
		ASSERT_TRUE(!memcmp(&wc[i], &want, sizeof(want)));
	}
	ASSERT_EQ(wc[2].wr_id, 0xeeeeeeeeeeeeeeeeull);
	/* Room for four, one left: the rest of WC comes back zeroed. */
	memset(wc, 0xee, sizeof(wc));
	ASSERT_OK(cq_poll(&fx, cq, wc, 4 * sizeof(*wc), &count));
	ASSERT_EQ(count, 1);
	want = test_wc(2);
	ASSERT_TRUE(!memcmp(&wc[0], &want, sizeof(want)));
	ASSERT_EQ(wc[1].wr_id, 0);
	ASSERT_EQ(wc[3].status, 0);
	ASSERT_OK(cq_poll(&fx, cq, wc, sizeof(*wc), &count));
	ASSERT_EQ(count, 0);
	/* The other CQ's completion stayed on it. */
	ASSERT_OK(cq_poll(&fx, cq2, wc, UVERBS_CQ_POLL_MAX_WC * sizeof(*wc),
			  &count));
	ASSERT_EQ(count, 1);
	ASSERT_EQ(wc[0].wr_id, 77);
	ASSERT_EQ(fx.md->last_poll_num, UVERBS_CQ_POLL_MAX_WC);

	/* WC length: one whole entry at least, whole entries, a bound. */
	ASSERT_ERRNO(-EINVAL, cq_poll(&fx, cq, wc, sizeof(*wc) - 1, &count));
	ASSERT_ERRNO(-EINVAL, cq_poll(&fx, cq, wc, sizeof(*wc) + 2, &count));
	ASSERT_TRUE(last_error_has("not a multiple of 48"));
	ASSERT_ERRNO(-EINVAL, cq_poll(&fx, cq, wc,
				      (UVERBS_CQ_POLL_MAX_WC + 1) *
					      sizeof(*wc), &count));
	/* COUNT is mandatory. */
	ASSERT_ERRNO(-EINVAL, cq_poll(&fx, cq, wc, sizeof(*wc), NULL));
	/* Handles: none, another type. */
	ASSERT_ERRNO(-ENOENT, cq_poll(&fx, 99, wc, sizeof(*wc), &count));
	ASSERT_ERRNO(-EINVAL, cq_poll(&fx, pd, wc, sizeof(*wc), &count));
	/* The driver's errno, and COUNT untouched. */
	fx.md->fail[MOCK_POLL_CQ] = -EIO;
	count = 0xabc;
	ASSERT_ERRNO(-EIO, cq_poll(&fx, cq, wc, sizeof(*wc), &count));
	ASSERT_EQ(count, 0xabc);
	teardown(&fx);
}

TEST(cq_req_notify_arms_once)
{
	struct ib_uverbs_comp_event_desc desc;
	struct ib_uverbs_wc wc = test_wc(1), out[4];
	struct mock_cq *mcq;
	struct fx fx;
	u32 pd, cq = NONE, count;
	int ch;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ch = channel_create_ok(&fx);
	ASSERT_OK(cq_create(&fx, 4, 0, ch, 0xc7, &cq, NULL));
	mcq = to_mock_cq(fx.md->last_cq);

	/* Not armed: no event. */
	ASSERT_OK(mock_cq_push(fx.md, &mcq->ib, &wc, false));
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));
	/* Armed for any: one event, then disarmed. */
	ASSERT_OK(cq_req_notify(&fx, cq, NONE));
	ASSERT_TRUE(mcq->armed && !mcq->solicited_only);
	ASSERT_OK(mock_cq_push(fx.md, &mcq->ib, &wc, false));
	ASSERT_OK(mock_cq_push(fx.md, &mcq->ib, &wc, false));
	ASSERT_OK(channel_get_event(&fx, ch, &desc));
	ASSERT_EQ(desc.cq_handle, 0xc7);
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));
	/* Solicited only: 0 means any, 1 solicited. */
	ASSERT_OK(cq_req_notify(&fx, cq, 0));
	ASSERT_TRUE(mcq->armed && !mcq->solicited_only);
	ASSERT_OK(cq_req_notify(&fx, cq, 1));
	ASSERT_TRUE(mcq->armed && mcq->solicited_only);
	ASSERT_OK(mock_cq_push(fx.md, &mcq->ib, &wc, false));
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));
	ASSERT_OK(mock_cq_push(fx.md, &mcq->ib, &wc, true));
	ASSERT_OK(channel_get_event(&fx, ch, &desc));
	ASSERT_OK(cq_poll(&fx, cq, out, sizeof(out), &count));
	ASSERT_EQ(count, 4);

	mcq->armed = false;
	ASSERT_ERRNO(-EINVAL, cq_req_notify(&fx, cq, 2));
	ASSERT_TRUE(last_error_has("SOLICITED is 2"));
	ASSERT_TRUE(!mcq->armed);
	ASSERT_ERRNO(-ENOENT, cq_req_notify(&fx, 99, NONE));
	ASSERT_ERRNO(-EINVAL, cq_req_notify(&fx, pd, NONE));
	fx.md->fail[MOCK_REQ_NOTIFY_CQ] = -EIO;
	ASSERT_ERRNO(-EIO, cq_req_notify(&fx, cq, 1));
	ASSERT_TRUE(!mcq->armed);
	teardown(&fx);
}

static const struct ib_uverbs_qp_create_cmd uc_cmd = {
	.cap = { .max_send_wr = 16, .max_recv_wr = 16, .max_send_sge = 2,
		 .max_recv_sge = 2 },
	.qp_type = IB_UVERBS_QPT_UC,
};

static const struct ib_uverbs_qp_create_cmd ud_cmd = {
	.cap = { .max_send_wr = 16, .max_recv_wr = 16, .max_send_sge = 1,
		 .max_recv_sge = 1 },
	.qp_type = IB_UVERBS_QPT_UD,
};

static u32 qp_create_type_ok(struct fx *fx, u32 pd, u32 cq,
			     const struct ib_uverbs_qp_create_cmd *cmd)
{
	u32 qp = NONE;

	ASSERT_OK(qp_create(fx, pd, cq, cq, NONE, cmd, &qp, NULL));
	return qp;
}

static struct ib_uverbs_send_wr send_wr(u64 wr_id, u32 opcode, u32 num_sge,
					u32 flags)
{
	return (struct ib_uverbs_send_wr){
		.wr_id = wr_id, .opcode = opcode, .num_sge = num_sge,
		.send_flags = flags,
	};
}

TEST(qp_post_send_rc_every_opcode)
{
	static const u32 wc_op[] = {
		IB_UVERBS_WC_RDMA_WRITE, IB_UVERBS_WC_RDMA_WRITE,
		IB_UVERBS_WC_SEND, IB_UVERBS_WC_SEND, IB_UVERBS_WC_RDMA_READ,
		IB_UVERBS_WC_COMP_SWAP, IB_UVERBS_WC_FETCH_ADD,
	};
	struct ib_uverbs_send_wr wr[7];
	struct ib_uverbs_sge sge[7];
	struct ib_uverbs_wc wc[8];
	struct fx fx;
	u32 pd, cq, qp, i, bad_wr = 0xeeee, count;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	qp = qp_create_ok(&fx, pd, cq, NONE);
	for (i = 0; i < 7; i++) {
		wr[i] = send_wr(0x100 + i, i, 1,
				i % 2 ? IB_UVERBS_SEND_SIGNALED : 0);
		sge[i] = (struct ib_uverbs_sge){
			.addr = 0x1000 * i, .length = 8 + i, .lkey = 0x40 + i,
		};
	}
	wr[1].imm_data = 0x01020304;
	wr[0].wr.rdma.remote_addr = 0xabc;
	wr[0].wr.rdma.rkey = 0x77;
	wr[5].wr.atomic.swap = 5;
	ASSERT_OK(post_send(&fx, qp, wr, 7, sge, 7, &bad_wr));
	ASSERT_EQ(bad_wr, 7);
	ASSERT_EQ(fx.md->num_wrs, 7);
	ASSERT_EQ(fx.md->num_sges, 7);
	for (i = 0; i < 7; i++) {
		struct mock_wr *m = &fx.md->wrs[i];

		ASSERT_TRUE(m->queue == fx.md->last_qp && !m->recv);
		ASSERT_TRUE(!memcmp(&m->wr, &wr[i], sizeof(wr[i])));
		ASSERT_EQ(m->first_sge, i);
		ASSERT_TRUE(!memcmp(&fx.md->sges[i], &sge[i], sizeof(sge[i])));
	}
	/* The signaled ones completed on the send CQ, in order. */
	ASSERT_OK(cq_poll(&fx, cq, wc, sizeof(wc), &count));
	ASSERT_EQ(count, 3);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(wc[i].wr_id, 0x100 + 2 * i + 1);
		ASSERT_EQ(wc[i].opcode, wc_op[2 * i + 1]);
		ASSERT_EQ(wc[i].qp_num, fx.md->last_qp->qp_num);
	}
	/* No SGE array when no WR takes one; BAD_WR is optional. */
	wr[0] = send_wr(9, IB_UVERBS_WR_SEND, 0, 0);
	ASSERT_OK(post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	ASSERT_EQ(fx.md->num_wrs, 8);
	ASSERT_EQ(fx.md->num_sges, 7);
	teardown(&fx);
}

TEST(qp_post_send_checks_the_wrs)
{
	struct ib_uverbs_send_wr wr[UVERBS_POST_MAX_WR + 1];
	struct ib_uverbs_sge sge[4] = {
		{ .length = 16 }, { .length = 16 }, { .length = 1 },
		{ .length = 1 },
	};
	struct fx fx;
	u32 pd, cq, qp, uc, ud, bad_wr = 0xeeee, i;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	/* RC: max_send_sge 1, max_inline_data 10 (the mock gives 32). */
	qp = qp_create_ok(&fx, pd, cq, NONE);
	ASSERT_EQ(fx.md->last_qp->cap.max_inline_data, 32);
	uc = qp_create_type_ok(&fx, pd, cq, &uc_cmd);
	ud = qp_create_type_ok(&fx, pd, cq, &ud_cmd);

	/* More SGEs than the QP takes; the second WR is named. */
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 1, 0);
	wr[1] = send_wr(2, IB_UVERBS_WR_SEND, 2, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 2, sge, 3, &bad_wr));
	ASSERT_TRUE(last_error_has("WR 1 has 2 SGEs, the QP takes 1"));
	/* WR 0 was posted, and BAD_WR says so although the command failed. */
	ASSERT_EQ(bad_wr, 1);
	ASSERT_EQ(fx.md->num_wrs, 1);
	ASSERT_EQ(fx.md->wrs[0].wr.wr_id, 1);
	/* Inline: any number of SGEs, bytes within max_inline_data. */
	wr[1].send_flags = IB_UVERBS_SEND_INLINE;
	ASSERT_OK(post_send(&fx, qp, wr, 2, sge, 3, &bad_wr));
	ASSERT_EQ(bad_wr, 2);
	wr[0].num_sge = 0;
	wr[1].num_sge = 3;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 2, sge, 3, NULL));
	ASSERT_TRUE(last_error_has("WR 1: 33 inline bytes, the QP takes 32"));
	/* Inline where nothing is sent from local memory. */
	wr[0] = send_wr(1, IB_UVERBS_WR_RDMA_READ, 1, IB_UVERBS_SEND_INLINE);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, sge, 1, NULL));
	/* The WRs take exactly the SGE array: fewer, more, none. */
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 1, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, sge, 2, NULL));
	ASSERT_TRUE(last_error_has("the WRs take 1 SGEs, the SGE array has 2"));
	wr[1] = send_wr(2, IB_UVERBS_WR_SEND, 1, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 2, sge, 1, NULL));
	ASSERT_TRUE(last_error_has("WR 1 takes 1 SGEs, the SGE array has 0 left"));
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	/* A num_sge that would wrap a sum. */
	wr[1].num_sge = ~0u;
	wr[1].send_flags = IB_UVERBS_SEND_INLINE;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 2, sge, 2, NULL));
	/* Unknown flags and opcodes; reserved fields. */
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 0, 1u << 4);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	ASSERT_TRUE(last_error_has("WR 0: unknown send_flags 0x10"));
	wr[0] = send_wr(1, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD + 1, 0, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	wr[0] = send_wr(1, IB_UVERBS_WR_RDMA_WRITE, 0, 0);
	wr[0].wr.rdma.reserved = 1;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	wr[0] = send_wr(1, IB_UVERBS_WR_ATOMIC_CMP_AND_SWP, 0, 0);
	wr[0].wr.atomic.reserved = 1;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, NULL, 0, NULL));
	/* Opcodes per QP type: UC writes but neither reads nor atomics. */
	for (i = 0; i <= IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD; i++) {
		wr[0] = send_wr(1, i, 0, 0);
		if (i == IB_UVERBS_WR_RDMA_READ ||
		    i == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
		    i == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
			ASSERT_ERRNO(-EINVAL,
				     post_send(&fx, uc, wr, 1, NULL, 0, NULL));
			ASSERT_TRUE(last_error_has("not valid on QP type 3"));
		} else {
			ASSERT_OK(post_send(&fx, uc, wr, 1, NULL, 0, NULL));
		}
	}
	/* UD sends only (its WRs name an AH: see the UD test). */
	for (i = 0; i <= IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD; i++) {
		if (i == IB_UVERBS_WR_SEND || i == IB_UVERBS_WR_SEND_WITH_IMM)
			continue;
		wr[0] = send_wr(1, i, 0, 0);
		ASSERT_ERRNO(-EINVAL, post_send(&fx, ud, wr, 1, NULL, 0, NULL));
	}
	/* Array lengths: whole WRs, at least one, at most the bound. */
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 0, 0);
	ASSERT_ERRNO(-EINVAL, post(&fx, UVERBS_TYPE_QP,
				   UVERBS_ACTION_QP_POST_SEND, qp, wr,
				   sizeof(wr[0]) + 8, NULL, 0, NULL));
	ASSERT_TRUE(last_error_has("WR length 64 is not a multiple of 56"));
	ASSERT_ERRNO(-EINVAL, post(&fx, UVERBS_TYPE_QP,
				   UVERBS_ACTION_QP_POST_SEND, qp, wr, 0,
				   NULL, 0, NULL));
	for (i = 0; i <= UVERBS_POST_MAX_WR; i++)
		wr[i] = send_wr(i, IB_UVERBS_WR_SEND, 0, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, UVERBS_POST_MAX_WR + 1,
					NULL, 0, NULL));
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 1, 0);
	ASSERT_ERRNO(-EINVAL, post(&fx, UVERBS_TYPE_QP,
				   UVERBS_ACTION_QP_POST_SEND, qp, wr,
				   sizeof(wr[0]), sge, sizeof(sge[0]) + 4,
				   NULL));
	ASSERT_TRUE(last_error_has("SGE length 20 is not a multiple of 16"));
	/* What reached the driver: the good post and, of each failing
	 * two-WR post, the well-formed WR 0. */
	ASSERT_EQ(fx.md->num_wrs, 2 + 4 + 4);
	/* A shape error of the whole SGE array posts nothing: BAD_WR 0. */
	bad_wr = 0xeeee;
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 1, 0);
	ASSERT_ERRNO(-EINVAL, post_send(&fx, qp, wr, 1, sge, 2, &bad_wr));
	ASSERT_EQ(bad_wr, 0);
	ASSERT_EQ(fx.md->num_wrs, 2 + 4 + 4);
	/* The WR array is mandatory; handles: none, another type. */
	{
		struct ioverbs_cmd c;

		cmd_init_raw(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND);
		ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, qp);
		ASSERT_ERRNO(-EINVAL, cmd_exec(&fx, &c));
	}
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 0, 0);
	ASSERT_ERRNO(-ENOENT, post_send(&fx, 99, wr, 1, NULL, 0, NULL));
	ASSERT_ERRNO(-EINVAL, post_send(&fx, cq, wr, 1, NULL, 0, NULL));
	teardown(&fx);
}

TEST(qp_post_driver_errno_names_the_bad_wr)
{
	struct ib_uverbs_send_wr wr[3];
	struct ib_uverbs_recv_wr rwr[3] = {
		{ .wr_id = 1 }, { .wr_id = 2 }, { .wr_id = 3 },
	};
	struct fx fx;
	u32 pd, cq, qp, bad_wr, i;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	qp = qp_create_ok(&fx, pd, cq, NONE);
	for (i = 0; i < 3; i++)
		wr[i] = send_wr(i, IB_UVERBS_WR_SEND, 0, 0);

	/* WR 0 posted, WR 1 refused: the command fails, BAD_WR names it. */
	fx.md->fail[MOCK_POST_SEND] = -ENOMEM;
	fx.md->fail_wr = 1;
	bad_wr = 0xeeee;
	ASSERT_ERRNO(-ENOMEM, post_send(&fx, qp, wr, 3, NULL, 0, &bad_wr));
	ASSERT_EQ(bad_wr, 1);
	ASSERT_TRUE(last_error_has("WR 1 not posted"));
	ASSERT_EQ(fx.md->num_wrs, 1);
	ASSERT_EQ(fx.md->wrs[0].wr.wr_id, 0);
	/* The state refusal the contract gives the driver. */
	fx.md->fail[MOCK_POST_RECV] = -EINVAL;
	fx.md->fail_wr = 0;
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, qp, rwr, 3, NULL, 0, &bad_wr));
	ASSERT_TRUE(last_error_has("WR 0 not posted"));
	ASSERT_EQ(fx.md->num_wrs, 1);
	/* The mock's log full: ENOMEM at the WR that did not fit. */
	fx.md->num_wrs = MOCK_LOG - 2;
	ASSERT_ERRNO(-ENOMEM, post_recv(&fx, qp, rwr, 3, NULL, 0, &bad_wr));
	ASSERT_TRUE(last_error_has("WR 2 not posted"));
	ASSERT_EQ(fx.md->num_wrs, MOCK_LOG);
	teardown(&fx);
}

TEST(qp_post_recv_checks_and_outputs)
{
	struct ib_uverbs_recv_wr wr[2] = {
		{ .wr_id = 0x71, .num_sge = 2 },
		{ .wr_id = 0x72, .num_sge = 1 },
	};
	struct ib_uverbs_sge sge[3] = {
		{ .addr = 1, .length = 2, .lkey = 3 },
		{ .addr = 4, .length = 5, .lkey = 6 },
		{ .addr = 7, .length = 8, .lkey = 9 },
	};
	struct fx fx;
	u32 pd, cq, qp, srq, sqp, bad_wr = 0;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	srq = srq_create_ok(&fx, pd);
	sqp = qp_create_ok(&fx, pd, cq, srq);
	/* max_recv_sge 2. */
	qp = qp_create_ok(&fx, pd, cq, NONE);
	ASSERT_OK(post_recv(&fx, qp, wr, 2, sge, 3, &bad_wr));
	ASSERT_EQ(bad_wr, 2);
	ASSERT_EQ(fx.md->num_wrs, 2);
	ASSERT_TRUE(fx.md->wrs[0].recv &&
		    fx.md->wrs[0].queue == fx.md->last_qp);
	ASSERT_EQ(fx.md->wrs[0].wr.wr_id, 0x71);
	ASSERT_EQ(fx.md->wrs[1].wr.num_sge, 1);
	ASSERT_EQ(fx.md->wrs[1].first_sge, 2);
	ASSERT_TRUE(!memcmp(fx.md->sges, sge, sizeof(sge)));

	wr[1].num_sge = 3;
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, qp, wr, 2, sge, 3, NULL));
	ASSERT_TRUE(last_error_has("WR 1 has 3 SGEs, the queue takes 2"));
	wr[1].num_sge = 0;
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, qp, wr, 2, sge, 3, NULL));
	ASSERT_TRUE(last_error_has("the WRs take 2 SGEs, the SGE array has 3"));
	wr[1].reserved = 1;
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, qp, wr, 2, sge, 2, NULL));
	ASSERT_TRUE(last_error_has("WR 1: reserved is not zero"));
	wr[1].reserved = 0;
	ASSERT_ERRNO(-EINVAL, post(&fx, UVERBS_TYPE_QP,
				   UVERBS_ACTION_QP_POST_RECV, qp, wr,
				   sizeof(wr[0]) + 1, NULL, 0, NULL));
	/* The receive side of an SRQ's QP is the SRQ's. */
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, sqp, wr, 2, sge, 2, NULL));
	ASSERT_TRUE(last_error_has("receives from an SRQ"));
	ASSERT_ERRNO(-ENOENT, post_recv(&fx, 99, wr, 2, sge, 2, NULL));
	ASSERT_ERRNO(-EINVAL, post_recv(&fx, srq, wr, 2, sge, 2, NULL));
	/* WR 0 of the two posts refused at WR 1 was posted. */
	ASSERT_EQ(fx.md->num_wrs, 4);
	teardown(&fx);
}

TEST(srq_post_recv_checks_and_outputs)
{
	struct ib_uverbs_recv_wr wr[2] = {
		{ .wr_id = 0x81, .num_sge = 1 },
		{ .wr_id = 0x82, .num_sge = 1 },
	};
	struct ib_uverbs_sge sge[3] = { { .length = 1 }, { .length = 2 } };
	struct fx fx;
	u32 pd, srq, bad_wr = 0;
	const void *msrq;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	/* max_sge 1. */
	srq = srq_create_ok(&fx, pd);
	ASSERT_OK(srq_post_recv(&fx, srq, wr, 2, sge, 2, &bad_wr));
	ASSERT_EQ(bad_wr, 2);
	ASSERT_EQ(fx.md->num_wrs, 2);
	msrq = fx.md->wrs[0].queue;
	ASSERT_TRUE(msrq && fx.md->wrs[1].queue == msrq && fx.md->wrs[1].recv);
	ASSERT_EQ(fx.md->wrs[1].wr.wr_id, 0x82);
	ASSERT_EQ(fx.md->sges[1].length, 2);

	wr[0].num_sge = 2;
	ASSERT_ERRNO(-EINVAL, srq_post_recv(&fx, srq, wr, 2, sge, 3, NULL));
	ASSERT_TRUE(last_error_has("SRQ_POST_RECV: WR 0 has 2 SGEs, the queue takes 1"));
	wr[0].num_sge = 1;
	ASSERT_ERRNO(-EINVAL, srq_post_recv(&fx, srq, wr, 2, sge, 3, NULL));
	ASSERT_ERRNO(-EINVAL, srq_post_recv(&fx, srq, wr, 2, sge, 1, NULL));
	fx.md->fail[MOCK_POST_SRQ_RECV] = -ENOMEM;
	fx.md->fail_wr = 1;
	ASSERT_ERRNO(-ENOMEM, srq_post_recv(&fx, srq, wr, 2, sge, 2, &bad_wr));
	ASSERT_TRUE(last_error_has("SRQ_POST_RECV: WR 1 not posted"));
	ASSERT_EQ(bad_wr, 1);
	/* 2, WR 0 of the post short of SGEs, WR 0 of this one. */
	ASSERT_EQ(fx.md->num_wrs, 4);
	ASSERT_ERRNO(-ENOENT, srq_post_recv(&fx, srq + 1, wr, 2, sge, 2, NULL));
	ASSERT_ERRNO(-EINVAL, srq_post_recv(&fx, pd, wr, 2, sge, 2, NULL));
	teardown(&fx);
}

TEST(qp_post_send_ud_resolves_the_ah)
{
	struct ib_uverbs_send_wr wr[2];
	struct ib_uverbs_sge sge = { .length = 4 };
	struct ib_uverbs_ah_attr want = {
		.dlid = 7, .port_num = 1, .is_global = 1, .hop_limit = 64,
	};
	struct fx fx;
	u32 pd, cq, ud, ah, bad_wr = 0;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	ud = qp_create_type_ok(&fx, pd, cq, &ud_cmd);
	ah = ah_create_ok(&fx, pd);
	wr[0] = send_wr(1, IB_UVERBS_WR_SEND, 1, IB_UVERBS_SEND_SIGNALED);
	wr[0].wr.ud.ah = ah;
	wr[0].wr.ud.remote_qpn = 0x99;
	wr[1] = send_wr(2, IB_UVERBS_WR_SEND_WITH_IMM, 0, 0);
	wr[1].wr.ud.ah = ah;
	ASSERT_OK(post_send(&fx, ud, wr, 2, &sge, 1, &bad_wr));
	ASSERT_EQ(bad_wr, 2);
	ASSERT_TRUE(!memcmp(&fx.md->wrs[0].ah, &want, sizeof(want)));
	ASSERT_TRUE(!memcmp(&fx.md->wrs[1].ah, &want, sizeof(want)));
	ASSERT_EQ(fx.md->wrs[0].wr.wr.ud.remote_qpn, 0x99);
	/* No such AH at WR 1, a PD's handle at WR 0. */
	wr[1].wr.ud.ah = 99;
	ASSERT_ERRNO(-ENOENT, post_send(&fx, ud, wr, 2, &sge, 1, NULL));
	ASSERT_TRUE(last_error_has("WR 1 not posted"));
	wr[0].wr.ud.ah = pd;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, ud, wr, 2, &sge, 1, NULL));
	ASSERT_TRUE(last_error_has("WR 0 not posted"));
	ASSERT_EQ(fx.md->num_wrs, 3);
	/* Reserved must be zero. */
	wr[0].wr.ud.ah = ah;
	wr[0].wr.ud.reserved = 1;
	ASSERT_ERRNO(-EINVAL, post_send(&fx, ud, wr, 1, &sge, 1, NULL));
	/* Destroyed: gone. */
	wr[0].wr.ud.reserved = 0;
	ASSERT_OK(ah_destroy(&fx, ah));
	ASSERT_ERRNO(-ENOENT, post_send(&fx, ud, wr, 1, &sge, 1, NULL));
	teardown(&fx);
}

TEST(ah_attr_get_locks_and_copies)
{
	struct ib_uverbs_ah_attr attr, want = {
		.dlid = 7, .port_num = 1, .is_global = 1, .hop_limit = 64,
	};
	struct ib_ucontext *uctx;
	struct ib_uobject *uobj;
	struct fx fx;
	u32 pd, ah;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	ah = ah_create_ok(&fx, pd);
	uctx = fx.f->ucontext;
	rcu_read_lock();
	memset(&attr, 0xee, sizeof(attr));
	ASSERT_OK(uverbs_ah_attr_get(uctx, ah, &attr));
	ASSERT_TRUE(!memcmp(&attr, &want, sizeof(want)));
	ASSERT_ERRNO(-ENOENT, uverbs_ah_attr_get(uctx, ah + 1, &attr));
	ASSERT_ERRNO(-EINVAL, uverbs_ah_attr_get(uctx, pd, &attr));
	/* Unlocked after: a WRITE lock can be had. */
	uobj = uverbs_uobject_fetch(uctx, UVERBS_TYPE_AH, &uverbs_ah_type, ah,
				    UVERBS_ACCESS_WRITE, false);
	ASSERT_TRUE(!IS_ERR(uobj));
	/* Held exclusively (a DESTROY in progress): busy. */
	ASSERT_ERRNO(-EBUSY, uverbs_ah_attr_get(uctx, ah, &attr));
	uverbs_uobject_unlock(uobj, UVERBS_ACCESS_WRITE);
	rcu_read_unlock();
	teardown(&fx);
}

/*
 * Fail-nth: the n-th allocation or lookup of a whole session fails, for
 * every n.  Each step may then fail only with what an injection or a
 * missing earlier object explains; nothing may leak or WARN.
 */
#define NOHANDLE 0x7fffffffu

static void sweep_check(long r, bool strict, int line)
{
	if (strict ? r != 0
		   : r && r != -ENOMEM && r != -ENOENT && r != -EBADF &&
			     r != -EMFILE && r != -EINVAL && r != -EBUSY &&
			     r != -EAGAIN)
		harness_fail(__FILE__, line, "step returned %s", errno_name(r));
}

#define STEP(expr) sweep_check((expr), strict, __LINE__)

static char sweep_buf[4096];

static void sweep_session(struct fx *fx, bool strict)
{
	struct ib_uverbs_get_context_resp ctx;
	struct ib_uverbs_comp_event_desc ev;
	struct ib_uverbs_qp_query_resp q;
	struct ib_uverbs_qp_attr a;
	struct ib_uverbs_sge sge[2] = { { .length = 8 }, { .length = 8 } };
	struct ib_uverbs_recv_wr rwr = { .wr_id = 1, .num_sge = 1 };
	struct ib_uverbs_send_wr swr[2];
	struct ib_uverbs_wc wc[4];
	u32 pd = NOHANDLE, mr = NOHANDLE, cq = NOHANDLE, srq = NOHANDLE;
	u32 qp = NOHANDLE, ah = NOHANDLE, udqp = NOHANDLE, count, bad_wr;
	int ch = (int)NOHANDLE;

	STEP(get_context(fx, &ctx));
	STEP(channel_create(fx, &ch));
	STEP(pd_alloc(fx, &pd));
	/* Memory of ours: MR_REG checks that it is mapped (rule 21). */
	STEP(mr_reg(fx, pd, (uintptr_t)sweep_buf, sizeof(sweep_buf), 0, &mr,
		    NULL));
	STEP(cq_create(fx, 8, 0, ch, 1, &cq, NULL));
	STEP(srq_create(fx, pd, 8, 1, 0, &srq, NULL));
	STEP(qp_create(fx, pd, cq, cq, srq, &rc_cmd, &qp, NULL));
	STEP(ah_create(fx, pd, 1, 0, &ah));
	if (cq != NOHANDLE && fx->md->last_cq)
		STEP(ib_comp_channel_event(fx->md->last_cq));
	STEP(channel_get_event(fx, ch, &ev));
	rc_init_attr(&a);
	STEP(qp_modify(fx, qp, &a));
	STEP(qp_query(fx, qp, 0, &q));
	/* The data path: post, arm, complete, poll; a UD send's AH. */
	STEP(srq_post_recv(fx, srq, &rwr, 1, sge, 1, &bad_wr));
	swr[0] = send_wr(2, IB_UVERBS_WR_SEND, 1, IB_UVERBS_SEND_SIGNALED);
	swr[1] = send_wr(3, IB_UVERBS_WR_RDMA_WRITE, 1, 0);
	STEP(cq_req_notify(fx, cq, NONE));
	STEP(post_send(fx, qp, swr, 2, sge, 2, &bad_wr));
	STEP(channel_get_event(fx, ch, &ev));
	STEP(cq_poll(fx, cq, wc, sizeof(wc), &count));
	STEP(qp_create(fx, pd, cq, cq, NONE, &ud_cmd, &udqp, NULL));
	swr[0].wr.ud.ah = ah;
	STEP(post_send(fx, udqp, swr, 1, sge, 1, &bad_wr));
	STEP(cq_poll(fx, cq, wc, sizeof(wc), &count));
	STEP(ah_destroy(fx, ah));
	STEP(qp_destroy(fx, qp, NULL));
	STEP(mr_dereg(fx, mr));
	/* cq, srq, pd and the channel are left for close. */
}

TEST(fail_nth_session)
{
	unsigned int n;
	long base;

	rcu_barrier();
	base = compat_live_objects();
	for (n = 1;; n++) {
		struct fx fx;
		bool reached;

		setup_noctx(&fx);
		compat_fail_nth_set(n);
		sweep_session(&fx, false);
		reached = !compat_fail_nth_left();
		compat_fail_nth_set(0);
		ib_uverbs_release(fx.f);
		ASSERT_EQ(fx.md->live, 0);
		mock_device_destroy(fx.md);
		rcu_barrier();
		ASSERT_EQ(compat_live_objects(), base);
		if (!reached)
			break;
	}
	ASSERT_TRUE(n > 20);
	{
		struct fx fx;

		setup_noctx(&fx);
		sweep_session(&fx, true);
		teardown(&fx);
	}
}

/*
 * Completions race GET_EVENT and the CQ's destroy: the "driver" thread
 * queues events until destroy_cq stops it, as a driver quiesces there.
 * Events queued once the destroy began are refused; none outlives the CQ.
 */
struct event_source {
	pthread_t thread;
	struct ib_cq *cq;
	int stop;
	unsigned int queued, refused;
};

static struct event_source *the_source;

static void *event_source_run(void *arg)
{
	struct event_source *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		long r = ib_comp_channel_event(s->cq);

		if (!r)
			s->queued++;
		else if (r == -EINVAL)
			s->refused++;
		else
			abort();
	}
	return NULL;
}

static void event_source_stop(struct ib_cq *cq)
{
	__atomic_store_n(&the_source->stop, 1, __ATOMIC_RELEASE);
	pthread_join(the_source->thread, NULL);
}

TEST(comp_channel_events_race_destroy)
{
	struct ib_uverbs_comp_event_desc desc;
	struct ib_uverbs_cq_destroy_resp dresp;
	struct event_source s = { 0 };
	unsigned int got = 0;
	struct fx fx;
	u32 cq = NONE;
	int ch;

	setup(&fx);
	ch = channel_create_ok(&fx);
	ASSERT_OK(cq_create(&fx, 4, 0, ch, 0xe1, &cq, NULL));
	s.cq = fx.md->last_cq;
	the_source = &s;
	fx.md->destroy_cq_hook = event_source_stop;
	ASSERT_EQ(pthread_create(&s.thread, NULL, event_source_run, &s), 0);
	while (got < 200) {
		long r = channel_get_event(&fx, ch, &desc);

		if (r == -EAGAIN)
			continue;
		ASSERT_OK(r);
		ASSERT_EQ(desc.cq_handle, 0xe1);
		got++;
	}
	ASSERT_OK(cq_destroy(&fx, cq, &dresp));
	ASSERT_EQ(dresp.comp_events_reported, got);
	ASSERT_TRUE(s.queued >= got);
	ASSERT_ERRNO(-EAGAIN, channel_get_event(&fx, ch, &desc));
	teardown(&fx);
}


/*
 * The device may move a QP to ERR on its own (an error completion): QUERY
 * reports the device's state, and MODIFY starts from it.
 */
TEST(qp_state_from_the_device)
{
	struct ib_uverbs_qp_query_resp q;
	struct ib_uverbs_qp_attr a;
	struct fx fx;
	u32 pd, cq, qp;

	setup(&fx);
	pd = pd_alloc_ok(&fx);
	cq = cq_create_ok(&fx, -1);
	qp = qp_create_ok(&fx, pd, cq, NONE);
	rc_init_attr(&a);
	ASSERT_OK(qp_modify(&fx, qp, &a));
	rc_rtr_attr(&a);
	ASSERT_OK(qp_modify(&fx, qp, &a));
	rc_rts_attr(&a);
	ASSERT_OK(qp_modify(&fx, qp, &a));

	fx.md->qp_state_now = IB_UVERBS_QPS_ERR;
	ASSERT_OK(qp_query(&fx, qp, ~0u, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_ERR);

	/* RTS -> RTS with MIN_RNR_TIMER was legal; ERR -> ERR takes nothing. */
	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_MIN_RNR_TIMER;
	a.min_rnr_timer = 12;
	ASSERT_ERRNO(-EINVAL, qp_modify(&fx, qp, &a));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "ERR->ERR") != NULL);

	/* ERR -> RESET, as a user recovering the QP does. */
	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE;
	a.qp_state = IB_UVERBS_QPS_RESET;
	ASSERT_OK(qp_modify(&fx, qp, &a));
	fx.md->qp_state_now = 0xff;
	ASSERT_OK(qp_query(&fx, qp, ~0u, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_RESET);
	teardown(&fx);
}
