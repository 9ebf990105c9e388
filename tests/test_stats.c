// SPDX-License-Identifier: MIT
/*
 * What a file counts for tools (ioverbs stat), embedded: its commands and
 * failures by action, those that named no action (an unreadable header,
 * another ioctl, another driver's id), and what its QPs moved by kind,
 * counted before a poller can see the completion.
 */
#include <rdma/ib_verbs.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>

#include <ioverbs/embedded.h>

#include "harness.h"

struct count {
	u16 type, action;
	u64 calls, errors;
	bool named; /* type and action were given */
};

static int find_count(u16 type_id, u16 action_id,
		      const struct uverbs_type *type,
		      const struct uverbs_action *action, u64 calls, u64 errors,
		      void *arg)
{
	struct count *c = arg;

	if (type_id != c->type || action_id != c->action)
		return 0;
	c->calls = calls;
	c->errors = errors;
	c->named = type && action;
	return 1;
}

static struct count counted(struct ib_uverbs_file *f, u16 type, u16 action)
{
	struct count c = { .type = type, .action = action };

	ib_uverbs_file_cmd_counts(f, find_count, &c);
	return c;
}

TEST(stats_commands_by_action)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_ioctl_hdr hdr = {
		.length = sizeof(hdr),
		.driver_id = SOFT_DRIVER_ID + 1,
	};
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_file_stats st;
	struct ioverbs_client v;
	struct ib_uverbs_file *f;
	struct count c;
	u32 pd;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f));
	ioverbs_client_init_embedded(&v, f);
	ib_uverbs_file_stats(f, &st);
	ASSERT_EQ(st.cmds, 0);
	c = counted(f, IB_UVERBS_NO_ACTION, IB_UVERBS_NO_ACTION);
	ASSERT_EQ(c.calls, 0);

	ASSERT_OK(ioverbs_context_get(&v));
	ASSERT_OK(ioverbs_port_query(&v, 1, &port));
	ASSERT_ERRNO(-EINVAL, ioverbs_port_query(&v, 2, &port));
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
	ASSERT_ERRNO(-ENOENT, ioverbs_pd_dealloc(&v, pd + 1));
	ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	/* Naming no action: another driver, another ioctl, no header. */
	ASSERT_ERRNO(-EINVAL,
		     ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL, (unsigned long)&hdr));
	ASSERT_ERRNO(-ENOTTY, ib_uverbs_ioctl(f, 0x1234, 0));
	ASSERT_ERRNO(-EFAULT, ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL, 16));

	c = counted(f, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ASSERT_EQ(c.calls, 1);
	ASSERT_EQ(c.errors, 0);
	ASSERT_TRUE(c.named);
	c = counted(f, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_PORT);
	ASSERT_EQ(c.calls, 2);
	ASSERT_EQ(c.errors, 1);
	c = counted(f, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ASSERT_EQ(c.calls, 1);
	ASSERT_EQ(c.errors, 0);
	c = counted(f, UVERBS_TYPE_PD, UVERBS_ACTION_PD_DEALLOC);
	ASSERT_EQ(c.calls, 2);
	ASSERT_EQ(c.errors, 1);
	c = counted(f, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ASSERT_EQ(c.calls, 0);
	c = counted(f, IB_UVERBS_NO_ACTION, IB_UVERBS_NO_ACTION);
	ASSERT_EQ(c.calls, 3);
	ASSERT_EQ(c.errors, 3);
	ASSERT_TRUE(!c.named);
	ib_uverbs_file_stats(f, &st);
	ASSERT_EQ(st.cmds, 9);
	ASSERT_EQ(st.cmd_errors, 5);

	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

static struct ib_uverbs_sge sge_at(struct ioverbs_ep *s, u64 off, u32 len)
{
	return (struct ib_uverbs_sge){ .addr = (uintptr_t)(s->buf + off),
				       .length = len,
				       .lkey = s->lkey };
}

/* One signaled WR from @a towards @b's buffer; its completion's status. */
static u32 one_wr(struct ioverbs_ep *a, struct ioverbs_ep *b, u32 op, u32 len,
		  u32 rkey)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = op,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = sge_at(a, 0, len);
	struct ib_uverbs_wc wc;

	wr.wr.rdma.remote_addr = (uintptr_t)b->buf + 4096;
	wr.wr.rdma.rkey = rkey;
	if (op == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
		wr.wr.atomic.remote_addr = (uintptr_t)b->buf + 4096;
		wr.wr.atomic.rkey = rkey;
		wr.wr.atomic.compare_add = 1;
	}
	ASSERT_OK(ioverbs_ep_post_send(a, &wr, &sge));
	ASSERT_OK(ioverbs_ep_poll(a, &wc, 10000));
	return wc.status;
}

static void traffic_test(bool rings)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_file_stats sa, sb;
	struct ib_uverbs_file *fa, *fb;
	struct ioverbs_ep a = { 0 }, b = { 0 };
	struct ib_uverbs_wc wc;
	int i;

	ASSERT_TRUE(!IS_ERR(dev));
	fa = ib_uverbs_open(dev, NULL, NULL);
	fb = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(fa) && !IS_ERR(fb));
	ioverbs_client_init_embedded(&a.v, fa);
	ioverbs_client_init_embedded(&b.v, fb);
	ASSERT_OK(ioverbs_ep_open(&a, 1 << 16, rings));
	ASSERT_OK(ioverbs_ep_open(&b, 1 << 16, rings));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));

	/* 3 SENDs of 64 bytes; each counted once it can be polled. */
	for (i = 0; i < 3; i++) {
		ASSERT_OK(ioverbs_ep_post_recv(&b, i, 0, 1024));
		ASSERT_EQ(one_wr(&a, &b, IB_UVERBS_WR_SEND, 64, 0),
			  IB_UVERBS_WC_SUCCESS);
		ASSERT_OK(ioverbs_ep_poll(&b, &wc, 10000));
		ASSERT_EQ(wc.byte_len, 64);
		ib_uverbs_file_stats(fb, &sb);
		ASSERT_EQ(sb.msgs[IB_UVERBS_TRAFFIC_RECV], i + 1);
	}
	ASSERT_EQ(one_wr(&a, &b, IB_UVERBS_WR_RDMA_WRITE, 256, b.rkey),
		  IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(one_wr(&a, &b, IB_UVERBS_WR_RDMA_READ, 128, b.rkey),
		  IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(one_wr(&a, &b, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, 8, b.rkey),
		  IB_UVERBS_WC_SUCCESS);
	/* A wrong rkey: an error completion, counted apart, no bytes. */
	ASSERT_EQ(one_wr(&a, &b, IB_UVERBS_WR_RDMA_WRITE, 256, b.rkey ^ 1),
		  IB_UVERBS_WC_REM_ACCESS_ERR);

	ib_uverbs_file_stats(fa, &sa);
	ib_uverbs_file_stats(fb, &sb);
	ASSERT_EQ(sa.msgs[IB_UVERBS_TRAFFIC_SEND], 3);
	ASSERT_EQ(sa.bytes[IB_UVERBS_TRAFFIC_SEND], 192);
	ASSERT_EQ(sa.msgs[IB_UVERBS_TRAFFIC_RDMA_WRITE], 1);
	ASSERT_EQ(sa.bytes[IB_UVERBS_TRAFFIC_RDMA_WRITE], 256);
	ASSERT_EQ(sa.msgs[IB_UVERBS_TRAFFIC_RDMA_READ], 1);
	ASSERT_EQ(sa.bytes[IB_UVERBS_TRAFFIC_RDMA_READ], 128);
	ASSERT_EQ(sa.msgs[IB_UVERBS_TRAFFIC_ATOMIC], 1);
	ASSERT_EQ(sa.bytes[IB_UVERBS_TRAFFIC_ATOMIC], 8);
	ASSERT_EQ(sa.msgs[IB_UVERBS_TRAFFIC_RECV], 0);
	ASSERT_EQ(sa.wc_errors, 1);
	ASSERT_EQ(sb.msgs[IB_UVERBS_TRAFFIC_RECV], 3);
	ASSERT_EQ(sb.bytes[IB_UVERBS_TRAFFIC_RECV], 192);
	ASSERT_EQ(sb.msgs[IB_UVERBS_TRAFFIC_SEND] +
			  sb.msgs[IB_UVERBS_TRAFFIC_RDMA_WRITE] +
			  sb.msgs[IB_UVERBS_TRAFFIC_RDMA_READ] +
			  sb.msgs[IB_UVERBS_TRAFFIC_ATOMIC],
		  0);
	ASSERT_EQ(sb.wc_errors, 0);

	ioverbs_ep_close(&a);
	ioverbs_ep_close(&b);
	ib_uverbs_release(fa);
	ib_uverbs_release(fb);
	soft_device_destroy(dev);
}

TEST(stats_traffic_by_kind_commands)
{
	traffic_test(false);
}

TEST(stats_traffic_by_kind_rings)
{
	traffic_test(true);
}
