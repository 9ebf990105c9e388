// SPDX-License-Identifier: MIT
/*
 * The standard verbs objects (core/objects/) over a mock driver: every
 * control action's success path with its exact outputs, the errors the
 * core's handlers add to the generic rules, dependencies between objects,
 * close and removal with every kind of object alive, and driver failures.
 */
#include <ioverbs/cmd.h>

#include "harness.h"
#include "std_mock_driver.c"

/* Private to the core; the soft driver will need a public declaration. */

#define NONE (~0u)

static long embedded_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	return ib_uverbs_ioctl(ctx, cmd, (unsigned long)arg);
}

struct fx {
	struct mock_device *md;
	struct ib_uverbs_file *f;
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
	return ioverbs_cmd_exec(c, embedded_ioctl, fx->f);
}

static long get_context(struct fx *fx, struct ib_uverbs_get_context_resp *resp)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ioverbs_cmd_out(&c, UVERBS_GET_CONTEXT_RESP, resp, sizeof(*resp));
	return cmd_exec(fx, &c);
}

static void setup_noctx(struct fx *fx)
{
	fx->md = mock_device_create();
	ASSERT_TRUE(fx->md);
	fx->f = ib_uverbs_open(&fx->md->vdev.ib, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(fx->f));
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

/* A destroy action on @handle, whatever the type. */
static long destroy(struct fx *fx, u16 type, u16 action, u16 id, u32 handle)
{
	struct ioverbs_cmd c;

	cmd_init(&c, type, action);
	ioverbs_cmd_idr(&c, id, handle);
	return cmd_exec(fx, &c);
}

static long pd_alloc(struct fx *fx, u32 *pd)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, pd);
	return cmd_exec(fx, &c);
}

static u32 pd_alloc_ok(struct fx *fx)
{
	u32 pd = NONE;

	ASSERT_OK(pd_alloc(fx, &pd));
	return pd;
}

static long pd_dealloc(struct fx *fx, u32 pd)
{
	return destroy(fx, UVERBS_TYPE_PD, UVERBS_ACTION_PD_DEALLOC,
		       UVERBS_PD_DEALLOC_HANDLE, pd);
}

static long mr_reg(struct fx *fx, u32 pd, u64 start, u64 length, u32 access,
		   u32 *mr, struct ib_uverbs_mr_reg_resp *resp)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = start, .length = length, .hca_va = start,
		.access_flags = access,
	};
	struct ib_uverbs_mr_reg_resp dummy;
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, resp ? resp : &dummy,
			sizeof(dummy));
	return cmd_exec(fx, &c);
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
	return destroy(fx, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG,
		       UVERBS_MR_DEREG_HANDLE, mr);
}

static long channel_create(struct fx *fx, int *fd)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_COMP_CHANNEL,
		 UVERBS_ACTION_COMP_CHANNEL_CREATE);
	ioverbs_cmd_new_fd(&c, UVERBS_COMP_CHANNEL_CREATE_FD, fd);
	return cmd_exec(fx, &c);
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
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_COMP_CHANNEL,
		 UVERBS_ACTION_COMP_CHANNEL_DESTROY);
	ioverbs_cmd_fd(&c, UVERBS_COMP_CHANNEL_DESTROY_FD, fd);
	return cmd_exec(fx, &c);
}

static long channel_get_event(struct fx *fx, int fd,
			      struct ib_uverbs_comp_event_desc *desc)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_COMP_CHANNEL,
		 UVERBS_ACTION_COMP_CHANNEL_GET_EVENT);
	ioverbs_cmd_fd(&c, UVERBS_COMP_CHANNEL_GET_EVENT_FD, fd);
	ioverbs_cmd_out(&c, UVERBS_COMP_CHANNEL_GET_EVENT_RESP, desc,
			sizeof(*desc));
	return cmd_exec(fx, &c);
}

/* @channel < 0: none. */
static long cq_create(struct fx *fx, u32 cqe, u32 vector, int channel,
		      u64 user_handle, u32 *cq,
		      struct ib_uverbs_cq_create_resp *resp)
{
	struct ib_uverbs_cq_create_cmd cmd = {
		.user_handle = user_handle, .cqe = cqe, .comp_vector = vector,
	};
	struct ib_uverbs_cq_create_resp dummy;
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
	ioverbs_cmd_new(&c, UVERBS_CQ_CREATE_HANDLE, cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_CREATE_CMD, &cmd, sizeof(cmd));
	if (channel >= 0)
		ioverbs_cmd_fd(&c, UVERBS_CQ_CREATE_CHANNEL, channel);
	ioverbs_cmd_out(&c, UVERBS_CQ_CREATE_RESP, resp ? resp : &dummy,
			sizeof(dummy));
	return cmd_exec(fx, &c);
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
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_DESTROY);
	ioverbs_cmd_idr(&c, UVERBS_CQ_DESTROY_HANDLE, cq);
	if (resp)
		ioverbs_cmd_out(&c, UVERBS_CQ_DESTROY_RESP,
				resp, sizeof(*resp));
	return cmd_exec(fx, &c);
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
	struct ib_uverbs_qp_create_resp dummy;
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_CREATE);
	ioverbs_cmd_new(&c, UVERBS_QP_CREATE_HANDLE, qp);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SEND_CQ, scq);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_RECV_CQ, rcq);
	if (srq != NONE)
		ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SRQ, srq);
	ioverbs_cmd_in(&c, UVERBS_QP_CREATE_CMD, cmd, sizeof(*cmd));
	ioverbs_cmd_out(&c, UVERBS_QP_CREATE_RESP, resp ? resp : &dummy,
			sizeof(dummy));
	return cmd_exec(fx, &c);
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
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_QP_MODIFY_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_MODIFY_CMD, attr, sizeof(*attr));
	return cmd_exec(fx, &c);
}

static long qp_query(struct fx *fx, u32 qp, u32 mask,
		     struct ib_uverbs_qp_query_resp *resp)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_QUERY);
	ioverbs_cmd_idr(&c, UVERBS_QP_QUERY_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_QUERY_MASK, &mask, sizeof(mask));
	ioverbs_cmd_out(&c, UVERBS_QP_QUERY_RESP, resp, sizeof(*resp));
	return cmd_exec(fx, &c);
}

static long qp_destroy(struct fx *fx, u32 qp,
		       struct ib_uverbs_qp_destroy_resp *resp)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_DESTROY);
	ioverbs_cmd_idr(&c, UVERBS_QP_DESTROY_HANDLE, qp);
	if (resp)
		ioverbs_cmd_out(&c, UVERBS_QP_DESTROY_RESP,
				resp, sizeof(*resp));
	return cmd_exec(fx, &c);
}

static long srq_create(struct fx *fx, u32 pd, u32 max_wr, u32 max_sge,
		       u32 limit, u32 *srq,
		       struct ib_uverbs_srq_create_resp *resp)
{
	struct ib_uverbs_srq_create_cmd cmd = {
		.user_handle = 0x5a, .max_wr = max_wr, .max_sge = max_sge,
		.srq_limit = limit,
	};
	struct ib_uverbs_srq_create_resp dummy;
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_SRQ, UVERBS_ACTION_SRQ_CREATE);
	ioverbs_cmd_new(&c, UVERBS_SRQ_CREATE_HANDLE, srq);
	ioverbs_cmd_idr(&c, UVERBS_SRQ_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_SRQ_CREATE_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_SRQ_CREATE_RESP, resp ? resp : &dummy,
			sizeof(dummy));
	return cmd_exec(fx, &c);
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
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_SRQ, UVERBS_ACTION_SRQ_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_SRQ_MODIFY_HANDLE, srq);
	ioverbs_cmd_in(&c, UVERBS_SRQ_MODIFY_CMD, &cmd, sizeof(cmd));
	return cmd_exec(fx, &c);
}

static long srq_destroy(struct fx *fx, u32 srq)
{
	return destroy(fx, UVERBS_TYPE_SRQ, UVERBS_ACTION_SRQ_DESTROY,
		       UVERBS_SRQ_DESTROY_HANDLE, srq);
}

static long ah_create(struct fx *fx, u32 pd, u8 port, u8 sgid_index, u32 *ah)
{
	struct ib_uverbs_ah_attr attr = {
		.dlid = 7, .port_num = port, .sgid_index = sgid_index,
		.is_global = 1, .hop_limit = 64,
	};
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_AH, UVERBS_ACTION_AH_CREATE);
	ioverbs_cmd_new(&c, UVERBS_AH_CREATE_HANDLE, ah);
	ioverbs_cmd_idr(&c, UVERBS_AH_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_AH_CREATE_ATTR, &attr, sizeof(attr));
	return cmd_exec(fx, &c);
}

static u32 ah_create_ok(struct fx *fx, u32 pd)
{
	u32 ah = NONE;

	ASSERT_OK(ah_create(fx, pd, 1, 0, &ah));
	return ah;
}

static long ah_destroy(struct fx *fx, u32 ah)
{
	return destroy(fx, UVERBS_TYPE_AH, UVERBS_ACTION_AH_DESTROY,
		       UVERBS_AH_DESTROY_HANDLE, ah);
}

static long async_event(struct fx *fx, struct ib_uverbs_async_event_desc *desc)
{
	struct ioverbs_cmd c;

	cmd_init(&c, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT);
	ioverbs_cmd_out(&c, UVERBS_GET_ASYNC_EVENT_RESP, desc, sizeof(*desc));
	return cmd_exec(fx, &c);
}

/* ---- the tests ---- */

TEST(std_types_pass_the_registration_check)
{
	struct fx fx;

	ASSERT_OK(uverbs_types_check(&uverbs_std_types, "std"));
	ASSERT_EQ(uverbs_std_types.num_types, UVERBS_TYPE_STD_MAX);
	/* The data path is not here yet: its slots are empty. */
	setup(&fx);
	{
		struct ioverbs_cmd c;

		static const u16 empty[][2] = {
			{ UVERBS_TYPE_MR, UVERBS_ACTION_MR_REREG },
			{ UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_RESIZE },
			{ UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_REQ_NOTIFY },
			{ UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL },
			{ UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND },
			{ UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_RECV },
			{ UVERBS_TYPE_SRQ, UVERBS_ACTION_SRQ_POST_RECV },
		};
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(empty); i++) {
			cmd_init_raw(&c, empty[i][0], empty[i][1]);
			ioverbs_cmd_idr(&c, 0, 0);
			ASSERT_ERRNO(-EOPNOTSUPP, cmd_exec(&fx, &c));
		}
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
	/* After removal the core serves DESTROY only (rule 20): the
	 * transport reads DEVICE_FATAL from the file's queue. */
	ASSERT_ERRNO(-EIO, async_event(&fx, &desc));
	ASSERT_OK(ib_uverbs_read_async_event(fx.f, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ASSERT_EQ(desc.element, 0);
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
	ASSERT_OK(ib_comp_channel_event(cq1));	/* left queued */
	ASSERT_OK(cq_destroy(&fx, h1, &dresp));
	ASSERT_EQ(dresp.comp_events_reported, 2);
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
	ASSERT_OK(srq_destroy(&fx, srq));
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

static void sweep_session(struct fx *fx, bool strict)
{
	struct ib_uverbs_get_context_resp ctx;
	struct ib_uverbs_comp_event_desc ev;
	struct ib_uverbs_qp_query_resp q;
	struct ib_uverbs_qp_attr a;
	u32 pd = NOHANDLE, mr = NOHANDLE, cq = NOHANDLE, srq = NOHANDLE;
	u32 qp = NOHANDLE, ah = NOHANDLE;
	int ch = (int)NOHANDLE;

	STEP(get_context(fx, &ctx));
	STEP(channel_create(fx, &ch));
	STEP(pd_alloc(fx, &pd));
	STEP(mr_reg(fx, pd, 4096, 4096, 0, &mr, NULL));
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

