// SPDX-License-Identifier: MIT
/*
 * Rule 23: every refusal says why.  The exact reason of a representative
 * set of refusals, read the way a client reads it (ioverbs_reason_get()
 * over an embedded file): the core's header, attribute, lookup and
 * dependency rules, and at least one refusal of every standard action
 * and of the soft device's own.  Then how the reason is kept: taken by
 * a read, cleared by a success, per calling thread, at most
 * UVERBS_REASON_SLOTS threads per file.
 */
#include <pthread.h>
#include <sys/eventfd.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>

#include "harness.h"

struct fx {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
};

/* Limits the texts below name. */
static const struct soft_device_config cfg = {
	.max_qp = 2, .max_qp_wr = 16384, .max_cqe = 1024, .max_pd = 2,
	.max_srq_wr = 64,
};

static void setup_noctx(struct fx *fx)
{
	ASSERT_OK(ioverbs_init());
	fx->dev = soft_device_create(&cfg);
	ASSERT_TRUE(!IS_ERR(fx->dev));
	fx->f = ib_uverbs_open(fx->dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(fx->f));
	ioverbs_client_init_embedded(&fx->v, fx->f);
}

static void setup(struct fx *fx)
{
	setup_noctx(fx);
	ASSERT_OK(ioverbs_context_get(&fx->v));
}

static void teardown(struct fx *fx)
{
	ib_uverbs_release(fx->f);
	soft_device_destroy(fx->dev);
}

/*
 * @ret (what the command returned) is @err, and the calling thread's
 * reason on the file reads @want exactly.
 */
#define REFUSED(fx, err, want, ret) refused_at(__LINE__, fx, err, want, ret)

static void refused_at(int line, struct fx *fx, long err, const char *want,
		       long ret)
{
	char why[IOVERBS_REASON_MAX];
	long n;

	if (ret != err)
		harness_fail(__FILE__, line, "returned %s, expected %s",
			     errno_name(ret), errno_name(err));
	n = ioverbs_reason_get(&fx->v, why, sizeof(why));
	if (n != (long)strlen(want) || strcmp(why, want))
		harness_fail(__FILE__, line, "reason \"%s\" (%ld), expected \"%s\"",
			     why, n, want);
}

static long exec(struct fx *fx, struct ioverbs_cmd *c)
{
	return ioverbs_client_exec(&fx->v, c);
}

static long pd_alloc(struct fx *fx, u32 *pd)
{
	return ioverbs_pd_alloc(&fx->v, pd);
}

static u32 pd_ok(struct fx *fx)
{
	u32 pd;

	ASSERT_OK(pd_alloc(fx, &pd));
	return pd;
}

static u32 cq_ok(struct fx *fx)
{
	u32 cq, cqe;

	ASSERT_OK(ioverbs_cq_create(&fx->v, 16, &cq, &cqe));
	return cq;
}

static const struct ib_uverbs_qp_cap small_cap = {
	.max_send_wr = 4, .max_recv_wr = 4, .max_send_sge = 1,
	.max_recv_sge = 1,
};

static u32 qp_ok(struct fx *fx, u32 pd, u32 cq)
{
	struct ib_uverbs_qp_cap out;
	u32 qp, qpn;

	ASSERT_OK(ioverbs_qp_create(&fx->v, IB_UVERBS_QPT_RC, pd, cq,
				    &small_cap, &qp, &qpn, &out));
	return qp;
}

static long raw_ioctl(struct fx *fx, struct ib_uverbs_ioctl_hdr *hdr)
{
	return ib_uverbs_ioctl(fx->f, RDMA_VERBS_IOCTL, (unsigned long)hdr);
}

/* --- the core's rules ------------------------------------------------ */

TEST(rule23_header_refusals)
{
	u64 raw[(16 + 2 * 16) / 8] = { 0 };
	struct ib_uverbs_ioctl_hdr *h = (void *)raw;
	struct fx fx;

	setup(&fx);
	*h = (struct ib_uverbs_ioctl_hdr){
		.length = sizeof(*h) + 2 * sizeof(h->attrs[0]),
		.object_type = UVERBS_TYPE_PD, .driver_id = SOFT_DRIVER_ID,
		.action = UVERBS_ACTION_PD_ALLOC, .num_attrs = 1,
	};
	REFUSED(&fx, -EINVAL, "length 48 does not fit 1 attributes",
		raw_ioctl(&fx, h));
	h->num_attrs = 2;
	h->flags = 4;
	REFUSED(&fx, -EOPNOTSUPP, "flags 0x4: none are supported",
		raw_ioctl(&fx, h));
	h->flags = 0;
	h->reserved = 1;
	REFUSED(&fx, -EINVAL, "header reserved is not zero",
		raw_ioctl(&fx, h));
	h->reserved = 0;
	h->driver_id = 7;
	REFUSED(&fx, -EINVAL, "driver_id 7, device has 20727 (soft)",
		raw_ioctl(&fx, h));
	h->driver_id = SOFT_DRIVER_ID;
	h->object_type = 200;
	REFUSED(&fx, -EINVAL, "object_type 200 >= 9 types",
		raw_ioctl(&fx, h));
	h->object_type = UVERBS_TYPE_PD;
	h->action = 9;
	REFUSED(&fx, -EOPNOTSUPP, "PD: action 9 not supported (PD has 2 actions)",
		raw_ioctl(&fx, h));
	REFUSED(&fx, -ENOTTY, "ioctl 0x1234 is not RDMA_VERBS_IOCTL",
		ib_uverbs_ioctl(fx.f, 0x1234, 0));
	REFUSED(&fx, -EFAULT, "header not readable",
		ib_uverbs_ioctl(fx.f, RDMA_VERBS_IOCTL, 8));
	teardown(&fx);
}

TEST(rule23_attribute_refusals)
{
	u64 raw[(16 + 2 * 16) / 8] = { 0 };
	struct ib_uverbs_ioctl_hdr *h = (void *)raw;
	struct fx fx;

	setup(&fx);
	*h = (struct ib_uverbs_ioctl_hdr){
		.length = sizeof(*h) + 2 * sizeof(h->attrs[0]),
		.object_type = UVERBS_TYPE_PD, .driver_id = SOFT_DRIVER_ID,
		.action = UVERBS_ACTION_PD_ALLOC, .num_attrs = 2,
	};
	h->attrs[0].attr_id = UVERBS_PD_ALLOC_HANDLE;
	h->attrs[1].attr_id = UVERBS_PD_ALLOC_HANDLE;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr HANDLE (id 0x0): given twice",
		raw_ioctl(&fx, h));
	h->attrs[1].reserved = 1;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr ??? (id 0x0): reserved is not zero",
		raw_ioctl(&fx, h));
	h->attrs[1].reserved = 0;
	h->attrs[1].attr_id = 5;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr ??? (id 0x5): not in the action's spec",
		raw_ioctl(&fx, h));
	h->attrs[1].attr_id = UVERBS_VENDOR_FLAG | 1;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr ??? (id 0x8001): no vendor chain for it",
		raw_ioctl(&fx, h));
	h->num_attrs = 1;
	h->length = sizeof(*h) + sizeof(h->attrs[0]);
	h->attrs[0].len = 4;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr HANDLE (id 0x0): len must be 0 for an object",
		raw_ioctl(&fx, h));
	h->attrs[0].len = 0;
	h->attrs[0].ptr_idr = 1ull << 32;
	REFUSED(&fx, -EINVAL, "PD_ALLOC: attr HANDLE (id 0x0): handle above 32 bits",
		raw_ioctl(&fx, h));
	h->action = UVERBS_ACTION_PD_DEALLOC;
	h->attrs[0].ptr_idr = 0;
	h->attrs[0].attr_id = 3;
	REFUSED(&fx, -EINVAL, "PD_DEALLOC: attr ??? (id 0x3): not in the action's spec",
		raw_ioctl(&fx, h));
	h->num_attrs = 0;
	h->length = sizeof(*h);
	REFUSED(&fx, -EINVAL, "length 16 does not fit 0 attributes",
		raw_ioctl(&fx, h));
	teardown(&fx);
}

TEST(rule23_mandatory_and_lookups)
{
	struct ioverbs_cmd c;
	struct fx fx;
	u32 pd, cq, qp;

	setup(&fx);
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_PD,
				UVERBS_ACTION_PD_DEALLOC);
	ioverbs_cmd_in(&c, 1, &pd, 0);
	/* id 1 is not in PD_DEALLOC's spec; the library sends it as asked. */
	REFUSED(&fx, -EINVAL, "PD_DEALLOC: attr ??? (id 0x1): not in the action's spec",
		exec(&fx, &c));
	pd = pd_ok(&fx);
	cq = cq_ok(&fx);
	qp = qp_ok(&fx, pd, cq);
	REFUSED(&fx, -ENOENT, "PD_DEALLOC: attr HANDLE (id 0x0): handle 99: no such object",
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
				UVERBS_ACTION_PD_DEALLOC,
				UVERBS_PD_DEALLOC_HANDLE, 99));
	/* A CQ handle where a PD's is expected: the core knows it. */
	{
		char want[UVERBS_REASON_MAX];

		snprintf(want, sizeof(want),
			 "PD_DEALLOC: attr HANDLE (id 0x0): handle %u: of another type",
			 cq);
		REFUSED(&fx, -EINVAL, want,
			ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					UVERBS_ACTION_PD_DEALLOC,
					UVERBS_PD_DEALLOC_HANDLE, cq));
	}
	/* Rule 18: the QP depends on the PD and the CQ. */
	{
		char want[UVERBS_REASON_MAX];

		snprintf(want, sizeof(want),
			 "PD_DEALLOC: attr HANDLE (id 0x0): handle %u: 1 object depends on it: destroy it first",
			 pd);
		REFUSED(&fx, -EBUSY, want,
			ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					UVERBS_ACTION_PD_DEALLOC,
					UVERBS_PD_DEALLOC_HANDLE, pd));
		snprintf(want, sizeof(want),
			 "CQ_DESTROY: attr HANDLE (id 0x0): handle %u: 2 objects depend on it: destroy them first",
			 cq);
		REFUSED(&fx, -EBUSY, want,
			ioverbs_object_destroy(&fx.v, UVERBS_TYPE_CQ,
					UVERBS_ACTION_CQ_DESTROY,
					UVERBS_CQ_DESTROY_HANDLE, cq));
	}
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_QP_MODIFY_HANDLE, qp);
	REFUSED(&fx, -EINVAL, "QP_MODIFY: mandatory attr CMD (id 0x1) missing", exec(&fx, &c));
	teardown(&fx);
}

TEST(rule23_no_context_and_removal)
{
	struct fx fx;
	u32 pd;

	setup_noctx(&fx);
	REFUSED(&fx, -EINVAL,
		"PD_ALLOC: attr HANDLE (id 0x0): no context yet (GET_CONTEXT first)",
		pd_alloc(&fx, &pd));
	ASSERT_OK(ioverbs_context_get(&fx.v));
	REFUSED(&fx, -EINVAL, "GET_CONTEXT: the file has a context already",
		ioverbs_context_get(&fx.v));
	/* Rule 20 (and rule 5's EIO): the device is gone. */
	ib_unregister_device(fx.dev);
	REFUSED(&fx, -EIO, "device removed", pd_alloc(&fx, &pd));
	teardown(&fx);
}

/* --- the standard verbs over the soft device ------------------------- */

TEST(rule23_device_actions)
{
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_gid gid;
	struct ioverbs_cmd c;
	struct fx fx;
	u32 index = 1;
	u16 pkey;
	u8 pn = 2;

	setup(&fx);
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_QUERY_PORT);
	ioverbs_cmd_in(&c, UVERBS_QUERY_PORT_PORT_NUM, &pn, sizeof(pn));
	ioverbs_cmd_out(&c, UVERBS_QUERY_PORT_RESP, &port, sizeof(port));
	REFUSED(&fx, -EINVAL, "port_num 2 outside 1..1 (phys_port_cnt)",
		exec(&fx, &c));
	pn = 1;
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_QUERY_GID);
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_PORT_NUM, &pn, sizeof(pn));
	ioverbs_cmd_in(&c, UVERBS_QUERY_GID_INDEX, &index, sizeof(index));
	ioverbs_cmd_out(&c, UVERBS_QUERY_GID_RESP, &gid, sizeof(gid));
	REFUSED(&fx, -EINVAL, "QUERY_GID: index 1 >= gid_tbl_len 1",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_DEVICE,
			   UVERBS_ACTION_DEVICE_QUERY_PKEY);
	ioverbs_cmd_in(&c, UVERBS_QUERY_PKEY_PORT_NUM, &pn, sizeof(pn));
	ioverbs_cmd_in(&c, UVERBS_QUERY_PKEY_INDEX, &index, sizeof(index));
	ioverbs_cmd_out(&c, UVERBS_QUERY_PKEY_RESP, &pkey, sizeof(pkey));
	REFUSED(&fx, -EINVAL, "QUERY_PKEY: index 1 >= pkey_tbl_len 1",
		exec(&fx, &c));
	REFUSED(&fx, -EAGAIN, "GET_ASYNC_EVENT: no event is queued",
		ioverbs_async_event_get(&fx.v, &ev));
	teardown(&fx);
}

TEST(rule23_pd_mr_actions)
{
	static u8 buf[4096] __attribute__((aligned(4096)));
	u32 pd, mr, lkey, rkey;
	struct fx fx;

	setup(&fx);
	pd = pd_ok(&fx);
	pd_ok(&fx);
	REFUSED(&fx, -ENOMEM, "PD_ALLOC: the device has max_pd 2 PDs already",
		pd_alloc(&fx, &pd));
	REFUSED(&fx, -EINVAL, "MR_REG: length is 0",
		ioverbs_mr_reg(&fx.v, pd, buf, 0, 0, &mr, &lkey, &rkey));
	REFUSED(&fx, -EINVAL,
		"MR_REG: access_flags 0x2: remote write or atomic needs LOCAL_WRITE",
		ioverbs_mr_reg(&fx.v, pd, buf, sizeof(buf),
			       IB_UVERBS_ACCESS_REMOTE_WRITE, &mr, &lkey,
			       &rkey));
	REFUSED(&fx, -ENOENT, "MR_DEREG: attr HANDLE (id 0x0): handle 42: no such object",
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG,
				UVERBS_MR_DEREG_HANDLE, 42));
	teardown(&fx);
}

TEST(rule23_cq_actions)
{
	struct ib_uverbs_cq_resize_resp rr;
	struct ib_uverbs_wc wc[2];
	struct ioverbs_cmd c;
	u32 cq, cqe, v, count;
	struct fx fx;
	char want[UVERBS_REASON_MAX];

	setup(&fx);
	REFUSED(&fx, -EINVAL, "CQ_CREATE: cqe 70000 outside 1..1024 (device max_cqe)",
		ioverbs_cq_create(&fx.v, 70000, &cq, &cqe));
	cq = cq_ok(&fx);
	v = 5000;
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_CQ,
				UVERBS_ACTION_CQ_RESIZE);
	ioverbs_cmd_idr(&c, UVERBS_CQ_RESIZE_HANDLE, cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_RESIZE_CQE, &v, sizeof(v));
	ioverbs_cmd_out(&c, UVERBS_CQ_RESIZE_RESP, &rr, sizeof(rr));
	REFUSED(&fx, -EINVAL, "CQ_RESIZE: CQE 5000 outside 1..1024",
		exec(&fx, &c));
	v = 2;
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_CQ,
				UVERBS_ACTION_CQ_REQ_NOTIFY);
	ioverbs_cmd_idr(&c, UVERBS_CQ_REQ_NOTIFY_HANDLE, cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_REQ_NOTIFY_SOLICITED, &v, sizeof(v));
	REFUSED(&fx, -EINVAL, "CQ_REQ_NOTIFY: SOLICITED is 2, not 0 or 1",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_CQ,
				UVERBS_ACTION_CQ_POLL);
	ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, cq);
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, wc, sizeof(wc[0]) + 8);
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, &count, sizeof(count));
	snprintf(want, sizeof(want),
		 "CQ_POLL: WC length %zu is not a multiple of %zu",
		 sizeof(wc[0]) + 8, sizeof(wc[0]));
	REFUSED(&fx, -EINVAL, want, exec(&fx, &c));
	teardown(&fx);
}

TEST(rule23_qp_actions)
{
	struct ib_uverbs_qp_cap cap = small_cap, out;
	struct ib_uverbs_qp_attr attr = { 0 };
	struct ib_uverbs_recv_wr rwr = { .wr_id = 1 };
	struct ib_uverbs_send_wr swr = { .wr_id = 1 };
	u32 pd, cq, qp, qp2, qpn, bad;
	struct ioverbs_cmd c;
	struct fx fx;

	setup(&fx);
	pd = pd_ok(&fx);
	cq = cq_ok(&fx);
	cap.max_send_wr = 70000;
	REFUSED(&fx, -EINVAL, "QP_CREATE: max_send_wr 70000 > device max 16384",
		ioverbs_qp_create(&fx.v, IB_UVERBS_QPT_RC, pd, cq, &cap, &qp,
				  &qpn, &out));
	REFUSED(&fx, -EINVAL, "QP_CREATE: qp_type 9 is not RC, UC or UD",
		ioverbs_qp_create(&fx.v, 9, pd, cq, &small_cap, &qp, &qpn,
				  &out));
	qp = qp_ok(&fx, pd, cq);
	qp2 = qp_ok(&fx, pd, cq);
	REFUSED(&fx, -ENOMEM, "QP_CREATE: the device has max_qp 2 QPs already",
		ioverbs_qp_create(&fx.v, IB_UVERBS_QPT_RC, pd, cq, &small_cap,
				  &qpn, &qpn, &out));

	attr.attr_mask = IB_UVERBS_QP_STATE;
	attr.qp_state = IB_UVERBS_QPS_RTR;
	REFUSED(&fx, -EINVAL,
		"QP_MODIFY: RESET->RTR for RC is not a legal transition",
		ioverbs_qp_modify(&fx.v, qp, &attr));
	attr.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			 IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS;
	attr.qp_state = IB_UVERBS_QPS_INIT;
	attr.port_num = 1;
	attr.pkey_index = 5;
	REFUSED(&fx, -EINVAL, "QP_MODIFY: pkey_index 5 >= pkey_tbl_len 1",
		ioverbs_qp_modify(&fx.v, qp, &attr));

	/* Posts in RESET: the soft device's reason after the core's. */
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_POST_SEND);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_WR, &swr, sizeof(swr));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_SEND_BAD_WR, &bad, sizeof(bad));
	REFUSED(&fx, -EINVAL,
		"QP_POST_SEND: WR 0 not posted (nor any after it): the QP is in RESET, not RTS, SQD or ERR",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_POST_RECV);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_RECV_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_RECV_WR, &rwr, sizeof(rwr));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_RECV_BAD_WR, &bad, sizeof(bad));
	REFUSED(&fx, -EINVAL,
		"QP_POST_RECV: WR 0 not posted (nor any after it): the QP is in RESET",
		exec(&fx, &c));

	{
		struct ib_uverbs_qp_query_resp qr;
		char want[UVERBS_REASON_MAX];
		u32 mask = 0;

		ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_QP,
					UVERBS_ACTION_QP_QUERY);
		ioverbs_cmd_idr(&c, UVERBS_QP_QUERY_HANDLE, pd);
		ioverbs_cmd_in(&c, UVERBS_QP_QUERY_MASK, &mask, sizeof(mask));
		ioverbs_cmd_out(&c, UVERBS_QP_QUERY_RESP, &qr, sizeof(qr));
		snprintf(want, sizeof(want),
			 "QP_QUERY: attr HANDLE (id 0x0): handle %u: of another type",
			 pd);
		REFUSED(&fx, -EINVAL, want, exec(&fx, &c));
	}
	ASSERT_OK(ioverbs_object_destroy(&fx.v, UVERBS_TYPE_QP,
				  UVERBS_ACTION_QP_DESTROY,
				  UVERBS_QP_DESTROY_HANDLE, qp2));
	REFUSED(&fx, -ENOENT,
		"QP_DESTROY: attr HANDLE (id 0x0): handle 1000: no such object",
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_DESTROY,
				UVERBS_QP_DESTROY_HANDLE, 1000));
	teardown(&fx);
}

static long srq_create(struct fx *fx, u32 pd, u32 max_wr, u32 max_sge,
		       u32 limit, u32 *srq)
{
	struct ib_uverbs_srq_create_cmd cmd = {
		.max_wr = max_wr, .max_sge = max_sge, .srq_limit = limit,
	};
	struct ib_uverbs_srq_create_resp resp;

	return ioverbs_srq_create(&fx->v, pd, &cmd, srq, &resp);
}

TEST(rule23_srq_ah_channel_actions)
{
	struct ib_uverbs_srq_modify_cmd mod = {
		.attr_mask = IB_UVERBS_SRQ_MAX_WR, .max_wr = 2,
	};
	struct ib_uverbs_recv_wr rwr = { .wr_id = 1, .num_sge = 2 };
	struct ib_uverbs_sge sge[2] = { { 0 } };
	struct ib_uverbs_comp_event_desc ev;
	struct ib_uverbs_ah_attr ah = { .port_num = 1, .sgid_index = 1 };
	u32 pd, srq, ahh, bad;
	struct ioverbs_cmd c;
	int chan = -1;
	struct fx fx;

	setup(&fx);
	pd = pd_ok(&fx);
	REFUSED(&fx, -EINVAL, "SRQ_CREATE: srq_limit 4 >= max_wr 4",
		srq_create(&fx, pd, 4, 1, 4, &srq));
	REFUSED(&fx, -EINVAL,
		"SRQ_CREATE: max_wr 100 outside 1..64 (device max_srq_wr)",
		srq_create(&fx, pd, 100, 1, 0, &srq));
	ASSERT_OK(srq_create(&fx, pd, 4, 1, 0, &srq));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_SRQ_MODIFY_HANDLE, srq);
	ioverbs_cmd_in(&c, UVERBS_SRQ_MODIFY_CMD, &mod, sizeof(mod));
	REFUSED(&fx, -EINVAL,
		"SRQ_MODIFY: max_wr 2 < the queue's 4: the soft device only grows an SRQ",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_POST_RECV);
	ioverbs_cmd_idr(&c, UVERBS_SRQ_POST_RECV_HANDLE, srq);
	ioverbs_cmd_in(&c, UVERBS_SRQ_POST_RECV_WR, &rwr, sizeof(rwr));
	ioverbs_cmd_in(&c, UVERBS_SRQ_POST_RECV_SGE, sge, sizeof(sge));
	ioverbs_cmd_out(&c, UVERBS_SRQ_POST_RECV_BAD_WR, &bad, sizeof(bad));
	REFUSED(&fx, -EINVAL, "SRQ_POST_RECV: WR 0 has 2 SGEs, the queue takes 1",
		exec(&fx, &c));

	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_AH,
				UVERBS_ACTION_AH_CREATE);
	ioverbs_cmd_new(&c, UVERBS_AH_CREATE_HANDLE, &ahh);
	ioverbs_cmd_idr(&c, UVERBS_AH_CREATE_PD_HANDLE, pd);
	ioverbs_cmd_in(&c, UVERBS_AH_CREATE_ATTR, &ah, sizeof(ah));
	REFUSED(&fx, -EINVAL, "address vector: sgid_index 1 >= gid_tbl_len 1",
		exec(&fx, &c));

	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_COMP_CHANNEL,
			   UVERBS_ACTION_COMP_CHANNEL_CREATE);
	ioverbs_cmd_new_fd(&c, UVERBS_COMP_CHANNEL_CREATE_FD, &chan);
	ASSERT_OK(exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_COMP_CHANNEL,
			   UVERBS_ACTION_COMP_CHANNEL_GET_EVENT);
	ioverbs_cmd_fd(&c, UVERBS_COMP_CHANNEL_GET_EVENT_FD, chan);
	ioverbs_cmd_out(&c, UVERBS_COMP_CHANNEL_GET_EVENT_RESP, &ev,
			sizeof(ev));
	REFUSED(&fx, -EAGAIN, "COMP_CHANNEL_GET_EVENT: no event is queued",
		exec(&fx, &c));
	teardown(&fx);
}

/* The actions left: a refusal each. */
TEST(rule23_remaining_actions)
{
	struct ib_uverbs_query_device_resp qd;
	struct ioverbs_cmd c;
	u32 pd, cq, srq, qp, qpn;
	struct fx fx;
	char want[UVERBS_REASON_MAX];

	setup_noctx(&fx);
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY);
	ioverbs_cmd_out(&c, UVERBS_QUERY_DEVICE_RESP, &qd, sizeof(qd));
	REFUSED(&fx, -EINVAL, "no context yet (GET_CONTEXT first)",
		exec(&fx, &c));
	ASSERT_OK(ioverbs_context_get(&fx.v));

	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_MR,
				UVERBS_ACTION_MR_REREG);
	ioverbs_cmd_idr(&c, UVERBS_MR_REREG_HANDLE, 0);
	REFUSED(&fx, -EOPNOTSUPP, "MR: action 2 not supported (MR has 2 actions)",
		exec(&fx, &c));
	REFUSED(&fx, -EBADF, "COMP_CHANNEL_DESTROY: attr FD (id 0x0): fd 99: no such object",
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_COMP_CHANNEL,
				UVERBS_ACTION_COMP_CHANNEL_DESTROY,
				UVERBS_COMP_CHANNEL_DESTROY_FD, 99));
	REFUSED(&fx, -ENOENT, "AH_DESTROY: attr HANDLE (id 0x0): handle 98: no such object",
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_AH,
				UVERBS_ACTION_AH_DESTROY,
				UVERBS_AH_DESTROY_HANDLE, 98));
	/* An SRQ with a QP on it: Rule 18. */
	pd = pd_ok(&fx);
	cq = cq_ok(&fx);
	ASSERT_OK(srq_create(&fx, pd, 4, 1, 0, &srq));
	ioverbs_client_cmd_init(&fx.v, &c, UVERBS_TYPE_QP,
				UVERBS_ACTION_QP_CREATE);
	{
		struct ib_uverbs_qp_create_cmd cmd = {
			.cap = small_cap, .qp_type = IB_UVERBS_QPT_RC,
		};
		struct ib_uverbs_qp_create_resp resp;

		ioverbs_cmd_new(&c, UVERBS_QP_CREATE_HANDLE, &qp);
		ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_PD_HANDLE, pd);
		ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SEND_CQ, cq);
		ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_RECV_CQ, cq);
		ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SRQ, srq);
		ioverbs_cmd_in(&c, UVERBS_QP_CREATE_CMD, &cmd, sizeof(cmd));
		ioverbs_cmd_out(&c, UVERBS_QP_CREATE_RESP, &resp,
				sizeof(resp));
		ASSERT_OK(exec(&fx, &c));
		qpn = resp.qpn;
		ASSERT_TRUE(qpn > 1);
	}
	snprintf(want, sizeof(want),
		 "SRQ_DESTROY: attr HANDLE (id 0x0): handle %u: 1 object depends on it: destroy it first",
		 srq);
	REFUSED(&fx, -EBUSY, want,
		ioverbs_object_destroy(&fx.v, UVERBS_TYPE_SRQ,
				UVERBS_ACTION_SRQ_DESTROY,
				UVERBS_SRQ_DESTROY_HANDLE, srq));
	teardown(&fx);
}

/* --- the soft device's own actions ----------------------------------- */

TEST(rule23_soft_vendor_actions)
{
	struct soft_port_counters pc;
	struct soft_attach a = { .fd = -1 };
	u32 what = 77, pd, cq, qp;
	struct ioverbs_cmd c;
	struct fx fx;
	u8 port = 3;

	setup(&fx);
	ioverbs_client_cmd_init(&fx.v, &c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_INJECT);
	ioverbs_cmd_in(&c, SOFT_INJECT_WHAT, &what, sizeof(what));
	REFUSED(&fx, -EINVAL, "VENDOR_INJECT: unknown injection 77",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_PORT_COUNTERS);
	ioverbs_cmd_in(&c, SOFT_PORT_COUNTERS_PORT, &port, sizeof(port));
	ioverbs_cmd_out(&c, SOFT_PORT_COUNTERS_RESP, &pc, sizeof(pc));
	REFUSED(&fx, -EINVAL, "VENDOR_PORT_COUNTERS: no port 3", exec(&fx, &c));
	pd = pd_ok(&fx);
	cq = cq_ok(&fx);
	qp = qp_ok(&fx, pd, cq);
	ioverbs_client_cmd_init(&fx.v, &c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_ATTACH);
	ioverbs_cmd_in(&c, SOFT_ATTACH_FD, &a, sizeof(a));
	ioverbs_cmd_idr(&c, SOFT_ATTACH_QP, qp);
	REFUSED(&fx, -EINVAL, "VENDOR_ATTACH: attach the context's doorbell first",
		exec(&fx, &c));
	ioverbs_client_cmd_init(&fx.v, &c, SOFT_TYPE_VENDOR,
				SOFT_VENDOR_QP_COUNTERS);
	ioverbs_cmd_idr(&c, SOFT_QP_COUNTERS_HANDLE, 555);
	ioverbs_cmd_out(&c, SOFT_QP_COUNTERS_RESP, &pc, sizeof(pc));
	REFUSED(&fx, -ENOENT, "VENDOR_QP_COUNTERS: attr HANDLE (id 0x8000): handle 555: no such object",
		exec(&fx, &c));
	teardown(&fx);
}

/* --- how the reason is kept ------------------------------------------ */

/* What read() answers for a PD_DEALLOC of handle 9. */
#define H9 "PD_DEALLOC: attr HANDLE (id 0x0): handle 9: no such object\n"

/* read() semantics: a line with its newline, taken by the read. */
TEST(rule23_reason_read_takes_it)
{
	char buf[UVERBS_REASON_MAX];
	struct fx fx;
	u32 pd;

	setup(&fx);
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), 0);
	ASSERT_ERRNO(-ENOENT, ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					      UVERBS_ACTION_PD_DEALLOC,
					      UVERBS_PD_DEALLOC_HANDLE, 9));
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), strlen(H9));
	ASSERT_TRUE(!memcmp(buf, H9, strlen(H9)));
	/* Taken: the next read finds none. */
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), 0);

	/* A short buffer gets the beginning; the rest is dropped. */
	ASSERT_ERRNO(-ENOENT, ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					      UVERBS_ACTION_PD_DEALLOC,
					      UVERBS_PD_DEALLOC_HANDLE, 9));
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, 6), 6);
	ASSERT_TRUE(!memcmp(buf, "PD_DEA", 6));
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), 0);

	/* A success clears it. */
	ASSERT_ERRNO(-ENOENT, ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					      UVERBS_ACTION_PD_DEALLOC,
					      UVERBS_PD_DEALLOC_HANDLE, 9));
	ASSERT_OK(pd_alloc(&fx, &pd));
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), 0);

	/* The library's string: no newline, NUL-terminated, "" for none. */
	ASSERT_ERRNO(-ENOENT, ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					      UVERBS_ACTION_PD_DEALLOC,
					      UVERBS_PD_DEALLOC_HANDLE, 9));
	ASSERT_EQ(ioverbs_reason_get(&fx.v, buf, sizeof(buf)), strlen(H9) - 1);
	ASSERT_TRUE(!strncmp(buf, H9, strlen(H9) - 1));
	ASSERT_EQ(ioverbs_reason_get(&fx.v, buf, sizeof(buf)), 0);
	ASSERT_TRUE(!strcmp(buf, ""));
	ASSERT_ERRNO(-EINVAL, ioverbs_reason_get(&fx.v, buf, 0));
	teardown(&fx);
}

/* Reasons are per file: another file's failure does not show. */
TEST(rule23_reason_per_file)
{
	struct ib_uverbs_file *g;
	char buf[UVERBS_REASON_MAX];
	struct fx fx;

	setup(&fx);
	g = ib_uverbs_open(fx.dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(g));
	ASSERT_ERRNO(-ENOENT, ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					      UVERBS_ACTION_PD_DEALLOC,
					      UVERBS_PD_DEALLOC_HANDLE, 9));
	ASSERT_EQ(ib_uverbs_reason_read(g, buf, sizeof(buf)), 0);
	ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)), strlen(H9));
	ib_uverbs_release(g);
	teardown(&fx);
}

struct thread_arg {
	struct fx *fx;
	u32 handle;
	pthread_barrier_t *failed, *read;
	char why[IOVERBS_REASON_MAX];
	long ret, n;
};

static void *fail_then_read(void *p)
{
	struct thread_arg *a = p;

	a->ret = ioverbs_object_destroy(&a->fx->v, UVERBS_TYPE_PD,
				 UVERBS_ACTION_PD_DEALLOC,
				 UVERBS_PD_DEALLOC_HANDLE, a->handle);
	/* Both failed before either reads. */
	pthread_barrier_wait(a->failed);
	a->n = ioverbs_reason_get(&a->fx->v, a->why, sizeof(a->why));
	pthread_barrier_wait(a->read);
	return NULL;
}

/* Two threads, two failures: each reads its own. */
TEST(rule23_reason_per_thread)
{
	pthread_barrier_t failed, read;
	struct thread_arg a[2];
	pthread_t t[2];
	struct fx fx;
	int i;

	setup(&fx);
	pthread_barrier_init(&failed, NULL, 2);
	pthread_barrier_init(&read, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].fx = &fx;
		a[i].handle = 100 + (u32)i;
		a[i].failed = &failed;
		a[i].read = &read;
		ASSERT_EQ(pthread_create(&t[i], NULL, fail_then_read, &a[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ASSERT_ERRNO(-ENOENT, a[0].ret);
	ASSERT_ERRNO(-ENOENT, a[1].ret);
	ASSERT_TRUE(!strcmp(a[0].why, "PD_DEALLOC: attr HANDLE (id 0x0): handle 100: no such object"));
	ASSERT_TRUE(!strcmp(a[1].why, "PD_DEALLOC: attr HANDLE (id 0x0): handle 101: no such object"));
	/* The main thread failed nothing. */
	ASSERT_EQ(ioverbs_reason_get(&fx.v, a[0].why, sizeof(a[0].why)), 0);
	pthread_barrier_destroy(&failed);
	pthread_barrier_destroy(&read);
	teardown(&fx);
}

/*
 * The bound: callers are told apart by compat_current_pid() (the
 * daemon's caller tid), so 1000 callers are simulated as the daemon
 * serves them.  Only the last UVERBS_REASON_SLOTS keep a reason; the
 * table allocates nothing.
 */
TEST(rule23_reason_table_is_bounded)
{
	char buf[UVERBS_REASON_MAX], want[UVERBS_REASON_MAX];
	long live;
	struct fx fx;
	int i;

	setup(&fx);
	live = ioverbs_live_objects();
	for (i = 0; i < 1000; i++) {
		current_pid = 100000 + i;
		ASSERT_ERRNO(-ENOENT,
			     ioverbs_object_destroy(&fx.v, UVERBS_TYPE_PD,
					     UVERBS_ACTION_PD_DEALLOC,
					     UVERBS_PD_DEALLOC_HANDLE,
					     (u32)(5000 + i)));
	}
	ASSERT_EQ(ioverbs_live_objects(), live);
	for (i = 0; i < 1000; i++) {
		current_pid = 100000 + i;
		if (i < 1000 - UVERBS_REASON_SLOTS) {
			ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)),
				  0);
			continue;
		}
		snprintf(want, sizeof(want),
			 "PD_DEALLOC: attr HANDLE (id 0x0): handle %d: no such object\n",
			 5000 + i);
		ASSERT_EQ(ib_uverbs_reason_read(fx.f, buf, sizeof(buf)),
			  strlen(want));
		ASSERT_TRUE(!memcmp(buf, want, strlen(want)));
	}
	current_pid = 0;
	teardown(&fx);
}
