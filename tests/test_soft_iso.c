// SPDX-License-Identifier: MIT
/*
 * Isolation between the soft devices of one fabric, through the core as a
 * client sees it: an RC QP hears only the QP and port it was connected
 * to, UD needs the Q_Key, P_Keys partition devices, PSNs follow the
 * attributes the client gave, and a device without test hooks refuses
 * SOFT_VENDOR_INJECT.  Every drop is counted on the receiving port
 * (SOFT_VENDOR_PORT_COUNTERS) and asserted.
 */
#include <ioverbs/embedded.h>

#include "harness.h"

/* A device, a file on it, and an endpoint: PD, 4 KiB MR, CQ, RC QP. */
struct node {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_ep ep;
};

static void node_open(struct node *n, const struct soft_device_config *cfg)
{
	memset(n, 0, sizeof(*n));
	n->dev = soft_device_create(cfg);
	ASSERT_TRUE(!IS_ERR(n->dev));
	n->f = ib_uverbs_open(n->dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(n->f));
	ioverbs_client_init_embedded(&n->ep.v, n->f);
	ASSERT_OK(ioverbs_ep_open(&n->ep, 4096, false));
}

static void node_close(struct node *n)
{
	ioverbs_ep_close(&n->ep);
	ib_uverbs_release(n->f);
	soft_device_destroy(n->dev);
}

/* Another QP of @type on the node's PD and CQ: its handle; *@qpn set. */
static u32 node_qp(struct node *n, u8 type, u32 *qpn)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 8, .max_recv_wr = 8,
		.max_send_sge = 1, .max_recv_sge = 1,
	}, got;
	u32 qp;

	ASSERT_OK(ioverbs_qp_create(&n->ep.v, type, n->ep.pd, n->ep.cq, &cap,
				    &qp, qpn, &got));
	return qp;
}

/* How an RC QP connects: its P_Key index, path MTU and PSNs. */
struct conn {
	u16 pkey_index;
	u8 mtu;
	u32 sq_psn;
	u32 rq_psn;
};

/*
 * RESET -> INIT -> RTR -> RTS towards (@dlid, @dqpn).  retry_cnt 0: a
 * request nobody answers fails at once with RETRY_EXC_ERR.
 */
static long rc_connect(struct node *n, u32 qp, u16 dlid, u32 dqpn,
		       const struct conn *k)
{
	struct ib_uverbs_qp_attr reset = {
		.attr_mask = IB_UVERBS_QP_STATE,
		.qp_state = IB_UVERBS_QPS_RESET,
	};
	struct ib_uverbs_qp_attr init = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS,
		.qp_state = IB_UVERBS_QPS_INIT,
		.pkey_index = k->pkey_index,
		.port_num = 1,
		.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE |
				   IB_UVERBS_ACCESS_REMOTE_READ |
				   IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	};
	struct ib_uverbs_qp_attr rtr = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_AV |
			     IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_DEST_QPN |
			     IB_UVERBS_QP_RQ_PSN |
			     IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			     IB_UVERBS_QP_MIN_RNR_TIMER,
		.qp_state = IB_UVERBS_QPS_RTR,
		.ah_attr = { .dlid = dlid, .port_num = 1 },
		.path_mtu = k->mtu ? k->mtu : IB_UVERBS_MTU_4096,
		.dest_qp_num = dqpn,
		.rq_psn = k->rq_psn,
		.max_dest_rd_atomic = 4,
		.min_rnr_timer = 1,
	};
	struct ib_uverbs_qp_attr rts = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_TIMEOUT |
			     IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_SQ_PSN |
			     IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
		.qp_state = IB_UVERBS_QPS_RTS,
		.timeout = 1,
		.retry_cnt = 0,
		.rnr_retry = 0,
		.sq_psn = k->sq_psn,
		.max_rd_atomic = 4,
	};
	long ret;

	ret = ioverbs_qp_modify(&n->ep.v, qp, &reset);
	if (!ret)
		ret = ioverbs_qp_modify(&n->ep.v, qp, &init);
	if (!ret)
		ret = ioverbs_qp_modify(&n->ep.v, qp, &rtr);
	if (!ret)
		ret = ioverbs_qp_modify(&n->ep.v, qp, &rts);
	return ret;
}

static const struct conn plain;

/* @a's QP and @b's QP point at each other. */
static void rc_pair(struct node *a, struct node *b, const struct conn *ka,
		    const struct conn *kb)
{
	ASSERT_OK(rc_connect(a, a->ep.qp, b->ep.lid, b->ep.qpn, ka));
	ASSERT_OK(rc_connect(b, b->ep.qp, a->ep.lid, a->ep.qpn, kb));
}

static long post_send(struct node *n, u32 qp, struct ib_uverbs_send_wr *wr,
		      struct ib_uverbs_sge *sge)
{
	return ioverbs_qp_post_send(&n->ep.v, qp, wr, 1, sge, wr->num_sge,
				    NULL);
}

static long post_recv(struct node *n, u32 qp, u64 wr_id, u64 off, u32 len)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)(n->ep.buf + off), .length = len,
		.lkey = n->ep.lkey,
	};

	return ioverbs_qp_post_recv(&n->ep.v, qp, &wr, 1, &sge, 1, NULL);
}

/* A signaled SEND of @text from the node's buffer at @off. */
static void send_text(struct node *n, u32 qp, u64 wr_id, u64 off,
		      const char *text)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = wr_id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)(n->ep.buf + off),
		.length = (u32)strlen(text), .lkey = n->ep.lkey,
	};

	memcpy(n->ep.buf + off, text, strlen(text));
	ASSERT_OK(post_send(n, qp, &wr, &sge));
}

/* The node's next completion must be @wr_id with @status. */
static struct ib_uverbs_wc expect_wc(struct node *n, u64 wr_id, u32 status)
{
	struct ib_uverbs_wc wc;

	ASSERT_OK(ioverbs_ep_poll(&n->ep, &wc, 5000));
	if (wc.wr_id != wr_id || wc.status != status)
		harness_fail(__FILE__, __LINE__,
			     "wc: wr_id %llu status %u, want %llu %u",
			     (unsigned long long)wc.wr_id, wc.status,
			     (unsigned long long)wr_id, status);
	return wc;
}

static void expect_no_wc(struct node *n)
{
	struct ib_uverbs_wc wc;

	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_ep_poll(&n->ep, &wc, 20));
}

static struct soft_port_counters port_counters(struct node *n)
{
	struct soft_port_counters out;

	memset(&out, 0xee, sizeof(out));
	ASSERT_OK(ioverbs_soft_port_counters_query(&n->ep.v, 1, &out));
	return out;
}

/* The five drop counters of @n's port 1 must read these. */
static void expect_counters(struct node *n, u64 pkey, u64 qkey, u64 addr,
			    u64 seq, u64 dup)
{
	struct soft_port_counters pc = port_counters(n);

	if (pc.pkey_violations != pkey || pc.qkey_violations != qkey ||
	    pc.addr_errors != addr || pc.seq_errors != seq ||
	    pc.duplicates != dup)
		harness_fail(__FILE__, __LINE__,
			     "port counters pkey %llu qkey %llu addr %llu seq %llu dup %llu, want %llu %llu %llu %llu %llu",
			     (unsigned long long)pc.pkey_violations,
			     (unsigned long long)pc.qkey_violations,
			     (unsigned long long)pc.addr_errors,
			     (unsigned long long)pc.seq_errors,
			     (unsigned long long)pc.duplicates,
			     (unsigned long long)pkey, (unsigned long long)qkey,
			     (unsigned long long)addr, (unsigned long long)seq,
			     (unsigned long long)dup);
}

/*
 * B's QP is connected to A's.  A third device's QP pointed at B (it
 * knows B's LID and QPN: no guessing needed) gets nothing in, nor does a
 * QP on A's own device and LID with another QPN, nor a one-sided WRITE
 * through B's rkey; A's own SEND lands in the receive they all aimed at.
 */
TEST(iso_rc_accepts_only_its_peer)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 3, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct node a, b, c;
	u32 a2, a2qpn;

	node_open(&a, NULL);
	node_open(&b, NULL);
	node_open(&c, NULL);
	rc_pair(&a, &b, &plain, &plain);
	ASSERT_OK(post_recv(&b, b.ep.qp, 50, 0, 64));

	/* Another device's QP, connected towards B. */
	ASSERT_OK(rc_connect(&c, c.ep.qp, b.ep.lid, b.ep.qpn, &plain));
	send_text(&c, c.ep.qp, 1, 0, "intruder");
	expect_wc(&c, 1, IB_UVERBS_WC_RETRY_EXC_ERR);
	expect_no_wc(&b);
	expect_counters(&b, 0, 0, 1, 0, 0);

	/* A QP behind A's own LID, but not the QP B was connected to. */
	a2 = node_qp(&a, IB_UVERBS_QPT_RC, &a2qpn);
	ASSERT_TRUE(a2qpn != a.ep.qpn);
	ASSERT_OK(rc_connect(&a, a2, b.ep.lid, b.ep.qpn, &plain));
	send_text(&a, a2, 2, 100, "spoofed");
	expect_wc(&a, 2, IB_UVERBS_WC_RETRY_EXC_ERR);
	expect_no_wc(&b);
	expect_counters(&b, 0, 0, 2, 0, 0);

	/* One-sided: B's rkey is no way in either. */
	ASSERT_OK(rc_connect(&c, c.ep.qp, b.ep.lid, b.ep.qpn, &plain));
	memcpy(c.ep.buf, "overwrite", 9);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)c.ep.buf,
				      .length = 9, .lkey = c.ep.lkey };
	wr.wr.rdma.remote_addr = (uintptr_t)b.ep.buf + 200;
	wr.wr.rdma.rkey = b.ep.rkey;
	ASSERT_OK(post_send(&c, c.ep.qp, &wr, &sge));
	expect_wc(&c, 3, IB_UVERBS_WC_RETRY_EXC_ERR);
	ASSERT_TRUE(!memcmp(b.ep.buf + 200, "\0\0\0\0\0\0\0\0\0", 9));
	expect_counters(&b, 0, 0, 3, 0, 0);

	/* The peer itself gets through, into the receive still posted. */
	send_text(&a, a.ep.qp, 4, 0, "hello");
	expect_wc(&a, 4, IB_UVERBS_WC_SUCCESS);
	wc = expect_wc(&b, 50, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 5);
	ASSERT_EQ(wc.src_qp, a.ep.qpn);
	ASSERT_TRUE(!memcmp(b.ep.buf, "hello", 5));
	expect_counters(&b, 0, 0, 3, 0, 0);

	ASSERT_OK(ioverbs_qp_destroy(&a.ep.v, a2, NULL));
	node_close(&c);
	node_close(&b);
	node_close(&a);
}

/* UD QP: RESET -> INIT (@qkey, @pkey_index) -> RTR -> RTS. */
static void ud_ready(struct node *n, u32 qp, u32 qkey, u16 pkey_index)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_QKEY,
		.qp_state = IB_UVERBS_QPS_INIT, .port_num = 1,
		.qkey = qkey, .pkey_index = pkey_index,
	};

	ASSERT_OK(ioverbs_qp_modify(&n->ep.v, qp, &a));
	a.attr_mask = IB_UVERBS_QP_STATE;
	a.qp_state = IB_UVERBS_QPS_RTR;
	ASSERT_OK(ioverbs_qp_modify(&n->ep.v, qp, &a));
	a.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_SQ_PSN;
	a.qp_state = IB_UVERBS_QPS_RTS;
	ASSERT_OK(ioverbs_qp_modify(&n->ep.v, qp, &a));
}

static u32 ah_create(struct node *n, u16 dlid)
{
	struct ib_uverbs_ah_attr attr = { .dlid = dlid, .port_num = 1 };
	u32 ah;

	ASSERT_OK(ioverbs_ah_create(&n->ep.v, n->ep.pd, &attr, &ah));
	return ah;
}

static void ud_send(struct node *n, u32 qp, u32 ah, u32 dqpn, u32 qkey,
		    u64 wr_id)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = wr_id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
		.wr.ud = { .ah = ah, .remote_qpn = dqpn, .remote_qkey = qkey },
	};
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)n->ep.buf + 1024, .length = 8,
		.lkey = n->ep.lkey,
	};

	memcpy(n->ep.buf + 1024, "datagram", 8);
	ASSERT_OK(post_send(n, qp, &wr, &sge));
	/* UD never waits for the far end: the send completes either way. */
	expect_wc(n, wr_id, IB_UVERBS_WC_SUCCESS);
}

static void destroy_qp(struct node *n, u32 qp)
{
	ASSERT_OK(ioverbs_qp_destroy(&n->ep.v, qp, NULL));
}

static void destroy_ah(struct node *n, u32 ah)
{
	ASSERT_OK(ioverbs_ah_destroy(&n->ep.v, ah));
}

/* A datagram with the wrong Q_Key is dropped and counted; the right one
 * (given in the WR, or taken from the sender's QP) is delivered. */
TEST(iso_ud_wrong_qkey_dropped)
{
	struct ib_uverbs_wc wc;
	u32 ua, ub, qa, qb, ah;
	struct node a, b;

	node_open(&a, NULL);
	node_open(&b, NULL);
	ua = node_qp(&a, IB_UVERBS_QPT_UD, &qa);
	ub = node_qp(&b, IB_UVERBS_QPT_UD, &qb);
	ud_ready(&a, ua, 0x1111, 0);
	ud_ready(&b, ub, 0x2222, 0);
	ah = ah_create(&a, b.ep.lid);
	ASSERT_OK(post_recv(&b, ub, 70, 0, 256));

	ud_send(&a, ua, ah, qb, 0x3333, 1);
	/* The high bit: the sender's own Q_Key, 0x1111: wrong as well. */
	ud_send(&a, ua, ah, qb, 0x80000000u, 2);
	expect_no_wc(&b);
	expect_counters(&b, 0, 2, 0, 0, 0);

	ud_send(&a, ua, ah, qb, 0x2222, 3);
	wc = expect_wc(&b, 70, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 40 + 8);
	ASSERT_EQ(wc.src_qp, qa);
	ASSERT_TRUE(!memcmp(b.ep.buf + 40, "datagram", 8));
	expect_counters(&b, 0, 2, 0, 0, 0);

	destroy_ah(&a, ah);
	destroy_qp(&a, ua);
	destroy_qp(&b, ub);
	node_close(&b);
	node_close(&a);
}

static long query_pkey(struct node *n, u32 index, u16 *pkey)
{
	return ioverbs_port_query_pkey(&n->ep.v, 1, index, pkey);
}

static void query_attrs(struct node *n, struct ib_uverbs_query_device_resp *d,
			struct ib_uverbs_query_port_resp *p)
{
	ASSERT_OK(ioverbs_device_query(&n->ep.v, d));
	ASSERT_OK(ioverbs_port_query(&n->ep.v, 1, p));
}

/* The table as configured, through QUERY_DEVICE, QUERY_PORT, QUERY_PKEY. */
TEST(iso_pkey_table_reported)
{
	struct soft_device_config cfg = {
		.num_pkeys = 3, .pkeys = { 0xffff, 0x8001, 0x0002 },
	};
	struct ib_uverbs_query_device_resp d;
	struct ib_uverbs_query_port_resp p;
	struct node a, dflt;
	u16 pkey = 0;

	node_open(&a, &cfg);
	node_open(&dflt, NULL);
	query_attrs(&a, &d, &p);
	ASSERT_EQ(d.max_pkeys, 3);
	ASSERT_EQ(p.pkey_tbl_len, 3);
	ASSERT_OK(query_pkey(&a, 0, &pkey));
	ASSERT_EQ(pkey, 0xffff);
	ASSERT_OK(query_pkey(&a, 1, &pkey));
	ASSERT_EQ(pkey, 0x8001);
	ASSERT_OK(query_pkey(&a, 2, &pkey));
	ASSERT_EQ(pkey, 0x0002);
	ASSERT_ERRNO(-EINVAL, query_pkey(&a, 3, &pkey));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "pkey_tbl_len 3"));
	/* Without a table: one entry, the default partition. */
	query_attrs(&dflt, &d, &p);
	ASSERT_EQ(d.max_pkeys, 1);
	ASSERT_EQ(p.pkey_tbl_len, 1);
	ASSERT_OK(query_pkey(&dflt, 0, &pkey));
	ASSERT_EQ(pkey, SOFT_DEFAULT_PKEY);
	ASSERT_ERRNO(-EINVAL, query_pkey(&dflt, 1, &pkey));
	/* A QP's pkey_index must be in the table. */
	ASSERT_OK(rc_connect(&a, a.ep.qp, dflt.ep.lid, dflt.ep.qpn,
			     &(struct conn){ .pkey_index = 2 }));
	ASSERT_ERRNO(-EINVAL, rc_connect(&a, a.ep.qp, dflt.ep.lid, dflt.ep.qpn,
					 &(struct conn){ .pkey_index = 3 }));
	ASSERT_ERRNO(-EINVAL, rc_connect(&dflt, dflt.ep.qp, a.ep.lid, a.ep.qpn,
					 &(struct conn){ .pkey_index = 1 }));
	/* More than SOFT_MAX_PKEYS entries: no device. */
	cfg.num_pkeys = SOFT_MAX_PKEYS + 1;
	ASSERT_ERRNO(-EINVAL, PTR_ERR(soft_device_create(&cfg)));
	node_close(&dflt);
	node_close(&a);
}

/*
 * Partitions: A has {0xffff, 0x8001} (full member of partition 1 at index
 * 1), B and C have {0x0001} (limited members).  A(1) <-> B talks; B <-> C
 * (two limited members) and A(0) <-> B (another partition) are dropped
 * at the receiver and counted there, RC and UD alike.
 */
TEST(iso_pkey_mismatch_dropped)
{
	static const struct soft_device_config cfg_a = {
		.num_pkeys = 2, .pkeys = { 0xffff, 0x8001 },
	};
	static const struct soft_device_config cfg_limited = {
		.num_pkeys = 1, .pkeys = { 0x0001 },
	};
	const struct conn full = { .pkey_index = 1 };
	struct node a, b, c;
	u32 ua, ub, uc, qa, qb, qc, ah_a, ah_c;
	struct ib_uverbs_wc wc;

	node_open(&a, &cfg_a);
	node_open(&b, &cfg_limited);
	node_open(&c, &cfg_limited);

	/* Full and limited member of partition 1: they talk. */
	rc_pair(&a, &b, &full, &plain);
	ASSERT_OK(post_recv(&b, b.ep.qp, 10, 0, 64));
	send_text(&a, a.ep.qp, 1, 0, "member");
	expect_wc(&a, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(expect_wc(&b, 10, IB_UVERBS_WC_SUCCESS).byte_len, 6);
	expect_counters(&b, 0, 0, 0, 0, 0);

	/* A through index 0 (0xffff: partition 0x7fff): not B's. */
	rc_pair(&a, &b, &plain, &plain);
	ASSERT_OK(post_recv(&b, b.ep.qp, 11, 0, 64));
	send_text(&a, a.ep.qp, 2, 0, "default");
	expect_wc(&a, 2, IB_UVERBS_WC_RETRY_EXC_ERR);
	expect_no_wc(&b);
	expect_counters(&b, 1, 0, 0, 0, 0);

	/* Two limited members: connected both ways, and still nothing. */
	rc_pair(&c, &b, &plain, &plain);
	ASSERT_OK(post_recv(&b, b.ep.qp, 12, 0, 64));
	send_text(&c, c.ep.qp, 3, 0, "limited");
	expect_wc(&c, 3, IB_UVERBS_WC_RETRY_EXC_ERR);
	expect_no_wc(&b);
	expect_counters(&b, 2, 0, 0, 0, 0);

	/* UD with the right Q_Key: the P_Key decides as well. */
	ua = node_qp(&a, IB_UVERBS_QPT_UD, &qa);
	ub = node_qp(&b, IB_UVERBS_QPT_UD, &qb);
	uc = node_qp(&c, IB_UVERBS_QPT_UD, &qc);
	ud_ready(&a, ua, 0x77, 1);
	ud_ready(&b, ub, 0x77, 0);
	ud_ready(&c, uc, 0x77, 0);
	ah_a = ah_create(&a, b.ep.lid);
	ah_c = ah_create(&c, b.ep.lid);
	ASSERT_OK(post_recv(&b, ub, 13, 0, 256));
	ud_send(&c, uc, ah_c, qb, 0x77, 4);
	expect_no_wc(&b);
	expect_counters(&b, 3, 0, 0, 0, 0);
	ud_send(&a, ua, ah_a, qb, 0x77, 5);
	wc = expect_wc(&b, 13, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.src_qp, qa);
	expect_counters(&b, 3, 0, 0, 0, 0);
	/* Counted where the packet arrived, not where it left. */
	expect_counters(&a, 0, 0, 0, 0, 0);
	expect_counters(&c, 0, 0, 0, 0, 0);

	destroy_ah(&a, ah_a);
	destroy_ah(&c, ah_c);
	destroy_qp(&a, ua);
	destroy_qp(&b, ub);
	destroy_qp(&c, uc);
	node_close(&c);
	node_close(&b);
	node_close(&a);
}

/*
 * PSNs come from the attributes: the requester's sq_psn must be the
 * responder's rq_psn.  Multi-packet messages take one PSN per MTU, also
 * across the 24-bit wrap.  A request ahead of the expected PSN is out of
 * sequence (no answer: RETRY_EXC_ERR); one behind is a duplicate: the
 * SEND is acknowledged, its receive stays unused.
 */
TEST(iso_rc_psn)
{
	static char big[600];
	struct ib_uverbs_send_wr wr = {
		.wr_id = 2, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct node a, b;

	node_open(&a, NULL);
	node_open(&b, NULL);

	/* Agreed PSNs, not 0; 600 bytes at MTU 256 are 3 packets from
	 * 0xfffffe, so the next SEND has PSN 1. */
	rc_pair(&a, &b,
		&(struct conn){ .mtu = IB_UVERBS_MTU_256, .sq_psn = 0xfffffe,
				.rq_psn = 0x123 },
		&(struct conn){ .sq_psn = 0x123, .rq_psn = 0xfffffe });
	ASSERT_OK(post_recv(&b, b.ep.qp, 20, 0, 1024));
	ASSERT_OK(post_recv(&b, b.ep.qp, 21, 1024, 64));
	memset(big, 'x', sizeof(big));
	memcpy(a.ep.buf, big, sizeof(big));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)a.ep.buf,
				      .length = sizeof(big),
				      .lkey = a.ep.lkey };
	ASSERT_OK(post_send(&a, a.ep.qp, &wr, &sge));
	expect_wc(&a, 2, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(expect_wc(&b, 20, IB_UVERBS_WC_SUCCESS).byte_len, 600);
	send_text(&a, a.ep.qp, 3, 0, "after");
	expect_wc(&a, 3, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(expect_wc(&b, 21, IB_UVERBS_WC_SUCCESS).byte_len, 5);
	expect_counters(&b, 0, 0, 0, 0, 0);

	/* Ahead: B expects 1000, A sends 1005. */
	rc_pair(&a, &b, &(struct conn){ .sq_psn = 1005 },
		&(struct conn){ .rq_psn = 1000 });
	ASSERT_OK(post_recv(&b, b.ep.qp, 22, 0, 64));
	send_text(&a, a.ep.qp, 4, 0, "early");
	expect_wc(&a, 4, IB_UVERBS_WC_RETRY_EXC_ERR);
	expect_no_wc(&b);
	expect_counters(&b, 0, 0, 0, 1, 0);

	/* Behind: B expects 1000, A sends 999 then 1000. */
	rc_pair(&a, &b, &(struct conn){ .sq_psn = 999 },
		&(struct conn){ .rq_psn = 1000 });
	ASSERT_OK(post_recv(&b, b.ep.qp, 23, 0, 64));
	send_text(&a, a.ep.qp, 5, 0, "again");
	expect_wc(&a, 5, IB_UVERBS_WC_SUCCESS);
	expect_no_wc(&b);
	expect_counters(&b, 0, 0, 0, 1, 1);
	send_text(&a, a.ep.qp, 6, 0, "next");
	expect_wc(&a, 6, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(expect_wc(&b, 23, IB_UVERBS_WC_SUCCESS).byte_len, 4);
	ASSERT_TRUE(!memcmp(b.ep.buf, "next", 4));
	expect_counters(&b, 0, 0, 0, 1, 1);

	node_close(&b);
	node_close(&a);
}

static long inject(struct node *n, u32 what, u32 qp, int port)
{
	return ioverbs_soft_inject(&n->ep.v, what, qp, port);
}

/* Without test hooks INJECT is EPERM, says why, and changes nothing. */
TEST(iso_inject_refused_without_test_hooks)
{
	static const struct soft_device_config cfg = { .no_test_hooks = true };
	struct ib_uverbs_query_device_resp d;
	struct ib_uverbs_query_port_resp p;
	struct ib_uverbs_async_event_desc ev;
	struct node n, t;

	node_open(&n, &cfg);
	ASSERT_ERRNO(-EPERM, inject(&n, SOFT_INJECT_PORT_DOWN, ~0u, 1));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "test hooks are off"));
	ASSERT_ERRNO(-EPERM, inject(&n, SOFT_INJECT_QP_FATAL, n.ep.qp, -1));
	query_attrs(&n, &d, &p);
	ASSERT_EQ(p.state, IB_UVERBS_PORT_ACTIVE);
	ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(&n.ep.v, &ev));
	ASSERT_EQ(ioverbs_qp_query_state(&n.ep.v, n.ep.qp), IB_UVERBS_QPS_RESET);
	/* The embedded default keeps them for tests. */
	node_open(&t, NULL);
	ASSERT_OK(inject(&t, SOFT_INJECT_PORT_DOWN, ~0u, 1));
	ASSERT_OK(inject(&t, SOFT_INJECT_PORT_UP, ~0u, 1));
	node_close(&t);
	node_close(&n);
}
