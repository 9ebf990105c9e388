// SPDX-License-Identifier: MIT
/*
 * The soft device's data path, op by op: post_send, post_recv,
 * post_srq_recv, poll_cq and req_notify_cq called directly on objects the
 * driver's ops created (as the core's standard handlers would), between
 * QPs of two soft devices that reach each other through the fabric.
 * Payloads are checked byte for byte; every error is checked for its exact
 * completion status and the flush that follows.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "harness.h"

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>
#include "../drivers/soft/soft.h"

#include "soft_side.h"

static void env_open_ok(struct env *e)
{
	struct soft_device_config cfg = { .std_types = &test_std_types };

	env_open_cfg(e, &cfg);
}

static u16 lid_of(struct env *e)
{
	struct ib_uverbs_query_port_resp pr;

	ASSERT_OK(e->ops->query_port(e->dev, 1, &pr));
	return pr.lid;
}

/* RESET -> RTS pointing at @peer (the driver applies what it is given). */
static void qp_connect(struct side *s, struct side *peer, u8 rnr_retry,
		       u8 min_rnr_timer)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_ACCESS_FLAGS |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_AV |
			     IB_UVERBS_QP_DEST_QPN | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_MIN_RNR_TIMER | IB_UVERBS_QP_QKEY,
		.qp_state = IB_UVERBS_QPS_RTS,
		.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE |
				   IB_UVERBS_ACCESS_REMOTE_READ |
				   IB_UVERBS_ACCESS_REMOTE_ATOMIC,
		.port_num = 1,
		.dest_qp_num = peer->qp->qp_num,
		.rnr_retry = rnr_retry,
		.min_rnr_timer = min_rnr_timer,
		.qkey = 0x1234,
	};

	a.ah_attr.dlid = lid_of(peer->e);
	a.ah_attr.port_num = 1;
	ASSERT_OK(s->e->ops->modify_qp(s->qp, &a));
}

static void qp_set_state(struct side *s, u8 state)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE, .qp_state = state,
	};

	ASSERT_OK(s->e->ops->modify_qp(s->qp, &a));
}

/* Two devices, a connected pair on them. */
struct pair {
	struct env ea, eb;
	struct side a, b;
};

static void pair_open(struct pair *p, u8 type, size_t len, u8 rnr_retry)
{
	env_open_ok(&p->ea);
	env_open_ok(&p->eb);
	side_open(&p->a, &p->ea, type, 256, len, false);
	side_open(&p->b, &p->eb, type, 256, len, false);
	qp_connect(&p->a, &p->b, rnr_retry, 1);
	qp_connect(&p->b, &p->a, rnr_retry, 1);
}

static void pair_close(struct pair *p)
{
	side_close(&p->a);
	side_close(&p->b);
	ASSERT_EQ(atomic_read(&p->ea.sdev->num_mr), 0);
	ASSERT_EQ(atomic_read(&p->eb.sdev->num_qp), 0);
	env_close(&p->ea);
	env_close(&p->eb);
}

static int post_send(struct side *s, struct ib_uverbs_send_wr *wr,
		     const struct ib_uverbs_sge *sge, u32 num_sge)
{
	u32 bad = 99;

	return s->e->ops->post_send(s->qp, wr, 1, sge, num_sge, &bad);
}

static void post_send_ok(struct side *s, struct ib_uverbs_send_wr *wr,
			 const struct ib_uverbs_sge *sge, u32 num_sge)
{
	ASSERT_OK(post_send(s, wr, sge, num_sge));
}

/* Exactly one completion must be there: returns it. */
/*
 * One completion; waits for it up to 10 s, since RNR retries complete on
 * the device's workqueue, after their timer.
 */
static struct ib_uverbs_wc poll_one(struct side *s)
{
	struct timespec ts = { 0, 100 * 1000 };
	struct ib_uverbs_wc wc[2];
	int n, i;

	memset(wc, 0xee, sizeof(wc));
	for (i = 0; i < 100000; i++) {
		n = s->e->ops->poll_cq(s->cq, 1, wc);
		if (n)
			break;
		nanosleep(&ts, NULL);
	}
	ASSERT_EQ(n, 1);
	return wc[0];
}

static void poll_none(struct side *s)
{
	struct ib_uverbs_wc wc;

	ASSERT_EQ(s->e->ops->poll_cq(s->cq, 1, &wc), 0);
}

static void expect_wc(struct side *s, u64 wr_id, u32 status, u32 opcode)
{
	struct ib_uverbs_wc wc = poll_one(s);

	if (wc.wr_id != wr_id || wc.status != status || wc.opcode != opcode)
		harness_fail(__FILE__, __LINE__,
			     "wc: wr_id %llu status %u opcode %u, want %llu %u %u",
			     (unsigned long long)wc.wr_id, wc.status, wc.opcode,
			     (unsigned long long)wr_id, status, opcode);
}

/* The state the core learns through query_qp_state (under the QP lock). */
static u8 soft_sqp_state(struct side *s)
{
	return s->e->ops->query_qp_state(s->qp);
}

/* --- RC SEND / RECV ---------------------------------------------------- */

TEST(soft_data_rc_send_sizes_sg)
{
	static const size_t sizes[] = {
		0, 1, 2, 4095, 4096, 4097, 65536, 1 << 20,
	};
	const size_t buf = (2u << 20) + 64;
	struct pair p;
	unsigned int i;

	pair_open(&p, IB_UVERBS_QPT_RC, buf, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		/* Odd splits: the sender's and the receiver's differ. */
		u32 s1 = n / 3, s2 = n / 5, s3 = n - s1 - s2;
		u32 r1 = n / 7 + 1, r2 = n / 2, r3 = n + 17 - r1 - r2;
		struct ib_uverbs_sge ss[3] = {
			sge_of(&p.a, 3, s1), sge_of(&p.a, 3 + s1 + 11, s2),
			sge_of(&p.a, 3 + s1 + 11 + s2 + 5, s3),
		};
		struct ib_uverbs_sge rs[3] = {
			sge_of(&p.b, 1, r1), sge_of(&p.b, 1 + r1 + 9, r2),
			sge_of(&p.b, 1 + r1 + 9 + r2 + 7, r3),
		};
		struct ib_uverbs_send_wr wr = {
			.wr_id = 100 + i, .num_sge = 3,
			.opcode = i & 1 ? IB_UVERBS_WR_SEND_WITH_IMM :
					  IB_UVERBS_WR_SEND,
			.send_flags = IB_UVERBS_SEND_SIGNALED,
			.imm_data = 0xabcd0000 + i,
		};
		struct ib_uverbs_wc wc;
		size_t k, got = 0;

		fill_pattern(p.a.buf, buf, i);
		memset(p.b.buf, 0, buf);
		post_recv_ok(&p.b, 200 + i, rs, 3);
		post_send_ok(&p.a, &wr, ss, 3);
		wc = poll_one(&p.a);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
		ASSERT_EQ(wc.wr_id, 100 + i);
		wc = poll_one(&p.b);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
		ASSERT_EQ(wc.wr_id, 200 + i);
		ASSERT_EQ(wc.byte_len, n);
		ASSERT_EQ(wc.qp_num, p.b.qp->qp_num);
		ASSERT_EQ(wc.src_qp, p.a.qp->qp_num);
		ASSERT_EQ(!!(wc.wc_flags & IB_UVERBS_WC_WITH_IMM), i & 1);
		if (i & 1)
			ASSERT_EQ(wc.imm_data, 0xabcd0000 + i);
		/* Byte-exact: the gathered stream, scattered. */
		for (k = 0; k < 3; k++) {
			const struct ib_uverbs_sge *d = &rs[k];
			size_t take = min_t(size_t, d->length, n - got);
			u8 *dst = (u8 *)(uintptr_t)d->addr;
			size_t j;

			for (j = 0; j < take; j++) {
				size_t pos = got + j, sk = 0, so = pos;

				while (so >= ss[sk].length) {
					so -= ss[sk].length;
					sk++;
				}
				if (dst[j] != ((u8 *)(uintptr_t)ss[sk].addr)[so])
					harness_fail(__FILE__, __LINE__,
						     "size %zu byte %zu differs",
						     n, pos);
			}
			got += take;
		}
		/* Nothing beyond the message, nothing in the gaps. */
		ASSERT_EQ(p.b.buf[0], 0);
		if (n > 4)
			ASSERT_EQ(p.b.buf[1 + r1 + 1], 0);
	}
	poll_none(&p.a);
	poll_none(&p.b);
	pair_close(&p);
}

TEST(soft_data_rc_inline_and_unsignaled)
{
	char msg[100] = "inline payload, copied at post time";
	struct ib_uverbs_sge s = {
		.addr = (u64)(uintptr_t)msg, .length = sizeof(msg), .lkey = 0,
	};
	struct ib_uverbs_sge r;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_INLINE | IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_wc wc;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	r = sge_of(&p.b, 0, 4096);
	post_recv_ok(&p.b, 2, &r, 1);
	post_recv_ok(&p.b, 3, &r, 1);
	post_send_ok(&p.a, &wr, &s, 1);
	memset(msg, 'x', sizeof(msg));
	expect_wc(&p.a, 1, IB_UVERBS_WC_SUCCESS, IB_UVERBS_WC_SEND);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.byte_len, sizeof(msg));
	ASSERT_TRUE(!strcmp((char *)p.b.buf,
			    "inline payload, copied at post time"));
	/* Unsignaled: no send completion, the receive completes. */
	wr.send_flags = 0;
	wr.num_sge = 0;
	post_send_ok(&p.a, &wr, NULL, 0);
	poll_none(&p.a);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 0);
	/* Inline beyond max_inline_data: EINVAL at post. */
	wr.send_flags = IB_UVERBS_SEND_INLINE;
	wr.num_sge = 1;
	s.length = 4000;
	ASSERT_ERRNO(-EINVAL, post_send(&p.a, &wr, &s, 1));
	pair_close(&p);
}

/* --- RDMA WRITE / READ, atomics ----------------------------------------- */

TEST(soft_data_rc_write_read)
{
	const size_t len = 300000;
	struct ib_uverbs_sge s[2];
	struct ib_uverbs_send_wr wr = {
		.wr_id = 5, .num_sge = 2, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_wc wc;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 2 * len, 0);
	fill_pattern(p.a.buf, len, 7);
	s[0] = sge_of(&p.a, 0, 1001);
	s[1] = sge_of(&p.a, 1001, len - 1001);
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)(p.b.buf + 13);
	wr.wr.rdma.rkey = p.b.mr->rkey;
	post_send_ok(&p.a, &wr, s, 2);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_TRUE(!memcmp(p.b.buf + 13, p.a.buf, len));
	/* The target did nothing and sees no completion. */
	poll_none(&p.b);

	/* READ it back into the second half of A. */
	wr.wr_id = 6;
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	s[0] = sge_of(&p.a, len, 77);
	s[1] = sge_of(&p.a, len + 77, len - 77);
	post_send_ok(&p.a, &wr, s, 2);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_READ);
	ASSERT_EQ(wc.byte_len, len);
	ASSERT_TRUE(!memcmp(p.a.buf + len, p.a.buf, len));

	/* WRITE_WITH_IMM consumes a receive; its buffers stay untouched. */
	{
		struct ib_uverbs_sge r = sge_of(&p.b, len + 100, 16);

		post_recv_ok(&p.b, 77, &r, 1);
		wr.wr_id = 8;
		wr.opcode = IB_UVERBS_WR_RDMA_WRITE_WITH_IMM;
		wr.imm_data = 0x55667788;
		wr.num_sge = 1;
		s[0] = sge_of(&p.a, 0, 64);
		post_send_ok(&p.a, &wr, s, 1);
		expect_wc(&p.a, 8, 0, IB_UVERBS_WC_RDMA_WRITE);
		wc = poll_one(&p.b);
		ASSERT_EQ(wc.wr_id, 77);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV_RDMA_WITH_IMM);
		ASSERT_EQ(wc.byte_len, 64);
		ASSERT_EQ(wc.imm_data, 0x55667788);
		ASSERT_TRUE(wc.wc_flags & IB_UVERBS_WC_WITH_IMM);
		ASSERT_EQ(p.b.buf[len + 100], 0);
	}
	/* Zero-length WRITE with any rkey. */
	wr.wr_id = 9;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	wr.wr.rdma.rkey = 0x1234567;
	wr.num_sge = 0;
	post_send_ok(&p.a, &wr, NULL, 0);
	expect_wc(&p.a, 9, 0, IB_UVERBS_WC_RDMA_WRITE);
	pair_close(&p);
}

TEST(soft_data_rc_atomics)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1,
		.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;
	u64 *target, *result;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	target = (u64 *)(p.b.buf + 64);
	result = (u64 *)(p.a.buf + 8);
	*target = 1000;
	s = sge_of(&p.a, 8, 8);
	wr.wr.atomic.remote_addr = (u64)(uintptr_t)target;
	wr.wr.atomic.rkey = p.b.mr->rkey;
	wr.wr.atomic.compare_add = 234;
	post_send_ok(&p.a, &wr, &s, 1);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_FETCH_ADD);
	ASSERT_EQ(*result, 1000);
	ASSERT_EQ(*target, 1234);

	wr.wr_id = 2;
	wr.opcode = IB_UVERBS_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.atomic.compare_add = 1;	/* no match: unchanged */
	wr.wr.atomic.swap = 77;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 2, 0, IB_UVERBS_WC_COMP_SWAP);
	ASSERT_EQ(*result, 1234);
	ASSERT_EQ(*target, 1234);
	wr.wr_id = 3;
	wr.wr.atomic.compare_add = 1234;	/* match: swapped */
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 3, 0, IB_UVERBS_WC_COMP_SWAP);
	ASSERT_EQ(*result, 1234);
	ASSERT_EQ(*target, 77);

	/* Misaligned: REM_INV_REQ_ERR, the QP goes to ERR. */
	wr.wr_id = 4;
	wr.wr.atomic.remote_addr += 4;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 4, IB_UVERBS_WC_REM_INV_REQ_ERR,
		  IB_UVERBS_WC_COMP_SWAP);
	ASSERT_EQ(*target, 77);
	ASSERT_EQ(soft_sqp_state(&p.a), IB_UVERBS_QPS_ERR);
	pair_close(&p);
}

/* --- errors and flush -------------------------------------------------- */

/* A fresh pair for each error: @post runs it on A; expects @st on A. */
static void error_case(u32 opcode, int (*mangle)(struct pair *p,
						 struct ib_uverbs_send_wr *wr,
						 struct ib_uverbs_sge *s),
		       u32 want_send, int want_recv)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = opcode,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s, r;
	struct ib_uverbs_wc wc;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 8192, 0);
	s = sge_of(&p.a, 0, 64);
	r = sge_of(&p.b, 0, 4096);
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	if (opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
		wr.wr.atomic.remote_addr = (u64)(uintptr_t)p.b.buf;
		wr.wr.atomic.rkey = p.b.mr->rkey;
		s.length = 8;
	}
	post_recv_ok(&p.b, 50, &r, 1);
	post_recv_ok(&p.b, 51, &r, 1);
	/* A's own receive: flushed when A goes to ERR. */
	r = sge_of(&p.a, 4096, 64);
	post_recv_ok(&p.a, 60, &r, 1);
	mangle(&p, &wr, &s);
	post_send_ok(&p.a, &wr, &s, 1);
	/* A later WR, and one posted in ERR: both flushed. */
	wr.wr_id = 2;
	s = sge_of(&p.a, 0, 8);
	post_send_ok(&p.a, &wr, &s, 1);
	wc = poll_one(&p.a);
	if (wc.wr_id != 1 || wc.status != want_send)
		harness_fail(__FILE__, __LINE__, "wr_id %llu status %u, want %u",
			     (unsigned long long)wc.wr_id, wc.status,
			     want_send);
	ASSERT_EQ(soft_sqp_state(&p.a), IB_UVERBS_QPS_ERR);
	expect_wc(&p.a, 60, IB_UVERBS_WC_WR_FLUSH_ERR, IB_UVERBS_WC_RECV);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.wr_id, 2);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	poll_none(&p.a);
	if (want_recv >= 0) {
		/* The responder's receive completed in error; B is in ERR. */
		wc = poll_one(&p.b);
		ASSERT_EQ(wc.wr_id, 50);
		ASSERT_EQ(wc.status, (u32)want_recv);
		expect_wc(&p.b, 51, IB_UVERBS_WC_WR_FLUSH_ERR,
			  IB_UVERBS_WC_RECV);
		ASSERT_EQ(soft_sqp_state(&p.b), IB_UVERBS_QPS_ERR);
	}
	poll_none(&p.b);
	pair_close(&p);
}

static int bad_lkey(struct pair *p, struct ib_uverbs_send_wr *wr,
		    struct ib_uverbs_sge *s)
{
	s->lkey ^= 0x5a5a;
	return 0;
}

static int bad_range(struct pair *p, struct ib_uverbs_send_wr *wr,
		     struct ib_uverbs_sge *s)
{
	s->addr += p->a.len;
	return 0;
}

static int too_long(struct pair *p, struct ib_uverbs_send_wr *wr,
		    struct ib_uverbs_sge *s)
{
	s->length = 5000;
	return 0;
}

static int bad_rkey(struct pair *p, struct ib_uverbs_send_wr *wr,
		    struct ib_uverbs_sge *s)
{
	wr->wr.rdma.rkey = p->b.mr->lkey;	/* an lkey is no rkey */
	return 0;
}

static int remote_out_of_range(struct pair *p, struct ib_uverbs_send_wr *wr,
			       struct ib_uverbs_sge *s)
{
	wr->wr.rdma.remote_addr += p->b.len - 10;
	return 0;
}

/* B's MR replaced by one without remote rights. */
static int no_remote_access(struct pair *p, struct ib_uverbs_send_wr *wr,
			    struct ib_uverbs_sge *s)
{
	ASSERT_OK(p->eb.ops->dereg_mr(p->b.mr));
	p->b.mr = mr_reg_ok(&p->b, p->b.buf, p->b.len,
			    IB_UVERBS_ACCESS_LOCAL_WRITE);
	wr->wr.rdma.rkey = p->b.mr->rkey;
	wr->wr.atomic.rkey = p->b.mr->rkey;
	return 0;
}

/* A's MR replaced by a read-only one: READ / atomic results cannot land. */
static int local_read_only(struct pair *p, struct ib_uverbs_send_wr *wr,
			   struct ib_uverbs_sge *s)
{
	ASSERT_OK(p->ea.ops->dereg_mr(p->a.mr));
	p->a.mr = mr_reg_ok(&p->a, p->a.buf, p->a.len, 0);
	s->lkey = p->a.mr->lkey;
	return 0;
}

/* B's receive buffers registered read-only. */
static int recv_read_only(struct pair *p, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *s)
{
	struct ib_uverbs_wc wc;

	/* Re-post B's receives with a read-only MR's key. */
	ASSERT_OK(p->eb.ops->dereg_mr(p->b.mr));
	p->b.mr = mr_reg_ok(&p->b, p->b.buf, p->b.len, 0);
	qp_set_state(&p->b, IB_UVERBS_QPS_ERR);
	while (p->eb.ops->poll_cq(p->b.cq, 1, &wc) == 1)
		;
	qp_set_state(&p->b, IB_UVERBS_QPS_RESET);
	qp_connect(&p->b, &p->a, 0, 1);
	{
		struct ib_uverbs_sge r = sge_of(&p->b, 0, 4096);

		post_recv_ok(&p->b, 50, &r, 1);
		post_recv_ok(&p->b, 51, &r, 1);
	}
	return 0;
}

/*
 * A page registered, then its memory replaced by an inaccessible
 * mapping: the MR stays, its memory is gone.
 */
static struct ib_mr *mr_of_unmapped_page(struct side *s, u8 **page)
{
	struct ib_mr *mr;

	*page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(*page != MAP_FAILED);
	mr = mr_reg_ok(s, *page, 4096, ACC_ALL);
	/*
	 * Gone as far as the engine can tell (its copies fault), but still
	 * reserved: an munmap() hole could be mapped again at once by any
	 * thread of the process (the sanitizers' allocators do), and the
	 * copy would then succeed.  Left so until the process ends.
	 */
	ASSERT_OK(mmap(*page, 4096, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		       -1, 0) == MAP_FAILED ? -errno : 0);
	return mr;
}

/* A's SGE in memory unmapped after registration. */
static int local_unmapped(struct pair *p, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *s)
{
	u8 *page;

	ASSERT_OK(p->ea.ops->dereg_mr(p->a.mr));
	p->a.mr = mr_of_unmapped_page(&p->a, &page);
	s->addr = (uintptr_t)page;
	s->lkey = p->a.mr->lkey;
	return 0;
}

/* B's memory behind the rkey unmapped after registration. */
static int remote_unmapped(struct pair *p, struct ib_uverbs_send_wr *wr,
			   struct ib_uverbs_sge *s)
{
	u8 *page;

	ASSERT_OK(p->eb.ops->dereg_mr(p->b.mr));
	p->b.mr = mr_of_unmapped_page(&p->b, &page);
	wr->wr.rdma.remote_addr = (uintptr_t)page;
	wr->wr.rdma.rkey = p->b.mr->rkey;
	wr->wr.atomic.remote_addr = (uintptr_t)page;
	wr->wr.atomic.rkey = p->b.mr->rkey;
	return 0;
}

/* B's receive buffers unmapped after registration. */
static int recv_unmapped(struct pair *p, struct ib_uverbs_send_wr *wr,
			 struct ib_uverbs_sge *s)
{
	struct ib_uverbs_sge r;
	struct ib_uverbs_wc wc;
	u8 *page;

	ASSERT_OK(p->eb.ops->dereg_mr(p->b.mr));
	p->b.mr = mr_of_unmapped_page(&p->b, &page);
	qp_set_state(&p->b, IB_UVERBS_QPS_ERR);
	while (p->eb.ops->poll_cq(p->b.cq, 1, &wc) == 1)
		;
	qp_set_state(&p->b, IB_UVERBS_QPS_RESET);
	qp_connect(&p->b, &p->a, 0, 1);
	r = (struct ib_uverbs_sge){ .addr = (uintptr_t)page, .length = 4096,
				    .lkey = p->b.mr->lkey };
	post_recv_ok(&p->b, 50, &r, 1);
	post_recv_ok(&p->b, 51, &r, 1);
	return 0;
}

/*
 * Memory unmapped after registration (the MR stays): the copies through
 * the owner's mm fail, and the side whose memory it is gets the access
 * error, as with a key it may not use.
 */
TEST(soft_data_rc_unmapped_after_reg)
{
	/* The requester's memory: LOC_PROT_ERR, the responder untouched. */
	error_case(IB_UVERBS_WR_SEND, local_unmapped,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_WRITE, local_unmapped,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_READ, local_unmapped,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	error_case(IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, local_unmapped,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	/* The responder's memory: REM_ACCESS_ERR; a receive, LOC_PROT_ERR
	 * on the responder and REM_OP_ERR at the requester. */
	error_case(IB_UVERBS_WR_RDMA_WRITE, remote_unmapped,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_READ, remote_unmapped,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, remote_unmapped,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_SEND, recv_unmapped, IB_UVERBS_WC_REM_OP_ERR,
		   IB_UVERBS_WC_LOC_PROT_ERR);
}

TEST(soft_data_rc_errors)
{
	/* Local: LOC_PROT_ERR, nothing reaches the responder. */
	error_case(IB_UVERBS_WR_SEND, bad_lkey, IB_UVERBS_WC_LOC_PROT_ERR, -1);
	error_case(IB_UVERBS_WR_SEND, bad_range, IB_UVERBS_WC_LOC_PROT_ERR,
		   -1);
	error_case(IB_UVERBS_WR_RDMA_READ, local_read_only,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	error_case(IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, local_read_only,
		   IB_UVERBS_WC_LOC_PROT_ERR, -1);
	/* Message longer than the receive: LOC_LEN_ERR on B. */
	error_case(IB_UVERBS_WR_SEND, too_long, IB_UVERBS_WC_REM_INV_REQ_ERR,
		   IB_UVERBS_WC_LOC_LEN_ERR);
	/* Receive buffer B may not write: LOC_PROT_ERR on B. */
	error_case(IB_UVERBS_WR_SEND, recv_read_only, IB_UVERBS_WC_REM_OP_ERR,
		   IB_UVERBS_WC_LOC_PROT_ERR);
	/* Remote keys and rights: REM_ACCESS_ERR, B untouched. */
	error_case(IB_UVERBS_WR_RDMA_WRITE, bad_rkey,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_WRITE, remote_out_of_range,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_WRITE, no_remote_access,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_RDMA_READ, no_remote_access,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
	error_case(IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, no_remote_access,
		   IB_UVERBS_WC_REM_ACCESS_ERR, -1);
}

TEST(soft_data_rc_bad_key_touches_nothing)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 2, .opcode = IB_UVERBS_WR_SEND,
	};
	struct ib_uverbs_sge s[2], r;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	memset(p.a.buf, 'A', 4096);
	r = sge_of(&p.b, 0, 4096);
	post_recv_ok(&p.b, 9, &r, 1);
	s[0] = sge_of(&p.a, 0, 100);
	s[1] = sge_of(&p.a, 100, 100);
	s[1].lkey = 0;	/* the second SGE is bad: not even the first moves */
	post_send_ok(&p.a, &wr, s, 2);
	expect_wc(&p.a, 1, IB_UVERBS_WC_LOC_PROT_ERR, IB_UVERBS_WC_SEND);
	ASSERT_EQ(p.b.buf[0], 0);
	/* B's receive is still there, untouched. */
	poll_none(&p.b);
	pair_close(&p);
}

TEST(soft_data_modify_err_flushes)
{
	struct ib_uverbs_sge r;
	struct pair p;
	int i;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	r = sge_of(&p.b, 0, 64);
	for (i = 0; i < 5; i++)
		post_recv_ok(&p.b, 10 + i, &r, 1);
	qp_set_state(&p.b, IB_UVERBS_QPS_ERR);
	for (i = 0; i < 5; i++)
		expect_wc(&p.b, 10 + i, IB_UVERBS_WC_WR_FLUSH_ERR,
			  IB_UVERBS_WC_RECV);
	poll_none(&p.b);
	/* Posted in ERR: flushed at once. */
	post_recv_ok(&p.b, 20, &r, 1);
	expect_wc(&p.b, 20, IB_UVERBS_WC_WR_FLUSH_ERR, IB_UVERBS_WC_RECV);
	/* A sender to a QP in ERR: nobody answers. */
	{
		struct ib_uverbs_send_wr wr = {
			.wr_id = 3, .opcode = IB_UVERBS_WR_SEND,
		};

		post_send_ok(&p.a, &wr, NULL, 0);
		expect_wc(&p.a, 3, IB_UVERBS_WC_RETRY_EXC_ERR,
			  IB_UVERBS_WC_SEND);
	}
	/* Posting in RESET or INIT: EINVAL. */
	qp_set_state(&p.b, IB_UVERBS_QPS_RESET);
	{
		struct ib_uverbs_send_wr wr = { .opcode = IB_UVERBS_WR_SEND };
		struct ib_uverbs_recv_wr rw = { .num_sge = 1 };
		u32 bad = 9;

		ASSERT_ERRNO(-EINVAL, p.eb.ops->post_send(p.b.qp, &wr, 1,
							  NULL, 0, &bad));
		ASSERT_EQ(bad, 0);
		ASSERT_ERRNO(-EINVAL, p.eb.ops->post_recv(p.b.qp, &rw, 1, &r,
							  1, &bad));
	}
	pair_close(&p);
}

/* --- RNR --------------------------------------------------------------- */

TEST(soft_data_rnr_retry_exceeded)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct soft_qp_counters c;
	struct pair p;

	/* rnr_retry 0: at once. */
	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	post_send_ok(&p.a, &wr, NULL, 0);
	expect_wc(&p.a, 1, IB_UVERBS_WC_RNR_RETRY_EXC_ERR, IB_UVERBS_WC_SEND);
	ASSERT_EQ(soft_sqp_state(&p.a), IB_UVERBS_QPS_ERR);
	pair_close(&p);

	/* rnr_retry 3, timer 0.01 ms: after three more tries. */
	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 3);
	post_send_ok(&p.a, &wr, NULL, 0);
	expect_wc(&p.a, 1, IB_UVERBS_WC_RNR_RETRY_EXC_ERR, IB_UVERBS_WC_SEND);
	soft_qp_counters_read(to_soft_qp(p.a.qp), &c);
	ASSERT_EQ(c.errors, 1);
	pair_close(&p);
}

TEST(soft_data_rnr_infinite_then_recv)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s, r;
	struct ib_uverbs_wc wc;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 7);
	memcpy(p.a.buf, "late", 4);
	s = sge_of(&p.a, 0, 4);
	post_send_ok(&p.a, &wr, &s, 1);
	wr.wr_id = 2;
	post_send_ok(&p.a, &wr, &s, 1);
	poll_none(&p.a);
	/* The receive arrives: the waiting sends go, in order. */
	r = sge_of(&p.b, 0, 64);
	post_recv_ok(&p.b, 10, &r, 1);
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	poll_none(&p.a);
	post_recv_ok(&p.b, 11, &r, 1);
	expect_wc(&p.a, 2, 0, IB_UVERBS_WC_SEND);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.wr_id, 10);
	ASSERT_EQ(wc.byte_len, 4);
	ASSERT_TRUE(!memcmp(p.b.buf, "late", 4));
	expect_wc(&p.b, 11, 0, IB_UVERBS_WC_RECV);
	pair_close(&p);
}

struct late_recv {
	struct side *s;
	struct ib_uverbs_sge r;
};

static void *late_recv_fn(void *arg)
{
	struct late_recv *l = arg;
	struct ib_uverbs_recv_wr wr = { .wr_id = 10, .num_sge = 1 };
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	u32 bad;

	nanosleep(&ts, NULL);
	if (l->s->e->ops->post_recv(l->s->qp, &wr, 1, &l->r, 1, &bad))
		return (void *)1;
	return NULL;
}

/* A finite budget long enough for a receive posted 2 ms later. */
TEST(soft_data_rnr_retry_succeeds)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_MIN_RNR_TIMER,
		.min_rnr_timer = 18,	/* 5.12 ms */
	};
	struct late_recv l;
	pthread_t th;
	struct pair p;
	void *ret;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 6);
	ASSERT_OK(p.eb.ops->modify_qp(p.b.qp, &a));
	l.s = &p.b;
	l.r = sge_of(&p.b, 0, 64);
	ASSERT_OK(-pthread_create(&th, NULL, late_recv_fn, &l));
	post_send_ok(&p.a, &wr, NULL, 0);
	ASSERT_OK(-pthread_join(th, &ret));
	ASSERT_TRUE(ret == NULL);
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	expect_wc(&p.b, 10, 0, IB_UVERBS_WC_RECV);
	pair_close(&p);
}

/*
 * An RNR wait does not block the poster: post_send returns with the WR
 * waiting on its timer (655 ms here), and destroying the QP cancels it.
 */
TEST(soft_data_rnr_timer_pending_then_destroy)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_MIN_RNR_TIMER,
		.min_rnr_timer = 0,	/* 655.36 ms */
	};
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 5);
	ASSERT_OK(p.eb.ops->modify_qp(p.b.qp, &a));
	post_send_ok(&p.a, &wr, NULL, 0);
	wr.wr_id = 2;
	post_send_ok(&p.a, &wr, NULL, 0);
	ASSERT_TRUE(__atomic_load_n(&to_soft_qp(p.a.qp)->rnr_work.pending,
				    __ATOMIC_ACQUIRE));
	poll_none(&p.a);
	pair_close(&p);
}

/* Infinite RNR against an SRQ: the timer finds the SRQ's receive. */
TEST(soft_data_rnr_infinite_srq)
{
	struct ib_uverbs_srq_create_cmd scmd = { .max_wr = 4, .max_sge = 1 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_recv_wr rw = { .wr_id = 40, .num_sge = 1 };
	struct ib_uverbs_sge s, r;
	struct ib_srq *srq;
	struct pair p;
	u32 bad;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 7);
	srq = p.eb.ops->create_srq(p.b.pd, &scmd, NULL);
	ASSERT_TRUE(!IS_ERR(srq));
	srq->device = p.eb.dev;
	srq->pd = p.b.pd;
	p.b.qp->srq = srq;
	memcpy(p.a.buf, "waited", 6);
	s = sge_of(&p.a, 0, 6);
	post_send_ok(&p.a, &wr, &s, 1);
	poll_none(&p.a);
	r = sge_of(&p.b, 100, 64);
	ASSERT_OK(p.eb.ops->post_srq_recv(srq, &rw, 1, &r, 1, &bad));
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	expect_wc(&p.b, 40, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.b.buf + 100, "waited", 6));
	ASSERT_OK(p.eb.ops->destroy_qp(p.b.qp));
	ASSERT_OK(p.eb.ops->destroy_srq(srq));
	p.b.qp = NULL;
	side_close(&p.a);
	ASSERT_OK(p.eb.ops->dereg_mr(p.b.mr));
	ASSERT_OK(p.eb.ops->destroy_cq(p.b.cq));
	ASSERT_OK(p.eb.ops->dealloc_pd(p.b.pd));
	free(p.b.buf);
	env_close(&p.ea);
	env_close(&p.eb);
}

/*
 * RC without an answer: the transport timer retries retry_cnt times, so a
 * peer that reaches RTR a little after its sender is found; one that
 * never does ends in RETRY_EXC_ERR.
 */
TEST(soft_data_rc_retries_until_the_peer_is_ready)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_qp_attr t = {
		.attr_mask = IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT,
		.timeout = 10,		/* 4.2 ms */
		.retry_cnt = 7,
	};
	struct ib_uverbs_sge s, r;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 7);
	ASSERT_OK(p.ea.ops->modify_qp(p.a.qp, &t));
	qp_set_state(&p.b, IB_UVERBS_QPS_RESET);
	memcpy(p.a.buf, "late", 4);
	s = sge_of(&p.a, 0, 4);
	post_send_ok(&p.a, &wr, &s, 1);
	poll_none(&p.a);
	/* The peer comes up and posts a receive: the next retry lands. */
	qp_connect(&p.b, &p.a, 7, 1);
	r = sge_of(&p.b, 0, 64);
	post_recv_ok(&p.b, 20, &r, 1);
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	expect_wc(&p.b, 20, 0, IB_UVERBS_WC_RECV);

	/* Never ready: three tries in all, then RETRY_EXC_ERR. */
	t.retry_cnt = 2;
	ASSERT_OK(p.ea.ops->modify_qp(p.a.qp, &t));
	qp_set_state(&p.b, IB_UVERBS_QPS_RESET);
	wr.wr_id = 2;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 2, IB_UVERBS_WC_RETRY_EXC_ERR, IB_UVERBS_WC_SEND);
	pair_close(&p);
}

/* --- UC ---------------------------------------------------------------- */

TEST(soft_data_uc_drop_without_recv)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s, r;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_UC, 4096, 0);
	s = sge_of(&p.a, 0, 10);
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	poll_none(&p.b);
	r = sge_of(&p.b, 0, 64);
	post_recv_ok(&p.b, 5, &r, 1);
	wr.wr_id = 2;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 2, 0, IB_UVERBS_WC_SEND);
	expect_wc(&p.b, 5, 0, IB_UVERBS_WC_RECV);
	/* RDMA READ is not a UC operation. */
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	ASSERT_ERRNO(-EINVAL, post_send(&p.a, &wr, &s, 1));
	pair_close(&p);
}

/* --- CQ ---------------------------------------------------------------- */

TEST(soft_data_cq_overflow)
{
	struct ib_uverbs_send_wr wr = {
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_wc wc[8];
	struct env ea, eb;
	struct side a, b;
	int i, n;

	env_open_ok(&ea);
	env_open_ok(&eb);
	side_open(&a, &ea, IB_UVERBS_QPT_RC, 4, 4096, false);
	side_open(&b, &eb, IB_UVERBS_QPT_RC, 4, 4096, false);
	qp_connect(&a, &b, 0, 1);
	qp_connect(&b, &a, 0, 1);
	ASSERT_EQ(a.cq->cqe, 4);
	for (i = 0; i < 6; i++) {
		wr.wr_id = i;
		post_send_ok(&a, &wr, NULL, 0);
	}
	/* The ring keeps the first four, oldest first; the rest is lost. */
	n = ea.ops->poll_cq(a.cq, 8, wc);
	ASSERT_EQ(n, 4);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(wc[i].wr_id, i);
	ASSERT_TRUE(to_soft_cq(a.cq)->overflow);
	/* One CQ_ERR event on the file. */
	ASSERT_OK(ib_uverbs_read_async_event(ea.f, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_CQ_ERR);
	ASSERT_EQ(ev.element, a.cq->user_handle);
	ASSERT_EQ(a.cq->async_events_reported, 1);
	ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(ea.f, &ev));
	side_close(&a);
	side_close(&b);
	env_close(&ea);
	env_close(&eb);
}

/* --- loopback and concurrency ------------------------------------------ */

TEST(soft_data_loopback_same_qp)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s, r;
	struct env e;
	struct side a;

	env_open_ok(&e);
	side_open(&a, &e, IB_UVERBS_QPT_RC, 16, 4096, false);
	qp_connect(&a, &a, 0, 1);
	memcpy(a.buf, "self", 4);
	s = sge_of(&a, 0, 4);
	r = sge_of(&a, 100, 8);
	post_recv_ok(&a, 2, &r, 1);
	post_send_ok(&a, &wr, &s, 1);
	/*
	 * The SEND's completion first, as its ACK precedes any answer on a
	 * wire (ib_send_lat -e counts on it); then the receive's.
	 */
	expect_wc(&a, 1, 0, IB_UVERBS_WC_SEND);
	expect_wc(&a, 2, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(a.buf + 100, "self", 4));
	side_close(&a);
	env_close(&e);
}

struct pinger {
	struct side *me;
	int rounds;
	long fails;
};

/* Each side sends @rounds messages and receives as many. */
static void *pinger_fn(void *arg)
{
	struct pinger *pg = arg;
	struct side *s = pg->me;
	const struct ib_device_ops *ops = s->e->ops;
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_recv_wr rw = { .num_sge = 1 };
	struct ib_uverbs_sge sg = sge_of(s, 0, 32), r = sge_of(s, 64, 32);
	struct ib_uverbs_wc wc[4];
	int sent = 0, done = 0, got = 0, i, n;
	u32 bad;

	for (i = 0; i < 32; i++)
		if (ops->post_recv(s->qp, &rw, 1, &r, 1, &bad))
			pg->fails++;
	while (done < pg->rounds || got < pg->rounds) {
		if (sent < pg->rounds && sent - done < 16) {
			wr.wr_id = sent;
			if (ops->post_send(s->qp, &wr, 1, &sg, 1, &bad))
				pg->fails++;
			sent++;
		}
		n = ops->poll_cq(s->cq, 4, wc);
		for (i = 0; i < n; i++) {
			if (wc[i].status)
				pg->fails++;
			if (wc[i].opcode == IB_UVERBS_WC_RECV) {
				got++;
				if (ops->post_recv(s->qp, &rw, 1, &r, 1, &bad))
					pg->fails++;
			} else {
				done++;
			}
		}
	}
	return NULL;
}

TEST(soft_data_concurrent_ping)
{
	struct pinger pa, pb;
	pthread_t ta, tb;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 7);
	pa = (struct pinger){ .me = &p.a, .rounds = 2000 };
	pb = (struct pinger){ .me = &p.b, .rounds = 2000 };
	ASSERT_OK(-pthread_create(&ta, NULL, pinger_fn, &pa));
	ASSERT_OK(-pthread_create(&tb, NULL, pinger_fn, &pb));
	ASSERT_OK(-pthread_join(ta, NULL));
	ASSERT_OK(-pthread_join(tb, NULL));
	ASSERT_EQ(pa.fails, 0);
	ASSERT_EQ(pb.fails, 0);
	/* The QPs go to ERR: the remaining receives are flushed. */
	qp_set_state(&p.a, IB_UVERBS_QPS_ERR);
	qp_set_state(&p.b, IB_UVERBS_QPS_ERR);
	pair_close(&p);
}

/* dereg_mr while the peer writes into it: no access after it returns. */
struct writer {
	struct side *s;
	u64 iova;
	u32 rkey;
	bool stop;
	long errs;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	struct side *s = w->s;
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.wr.rdma.remote_addr = w->iova, .wr.rdma.rkey = w->rkey,
	};
	struct ib_uverbs_sge sg = sge_of(s, 0, 4096);
	struct ib_uverbs_wc wc;
	u32 bad;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (s->e->ops->post_send(s->qp, &wr, 1, &sg, 1, &bad))
			break;
		while (s->e->ops->poll_cq(s->cq, 1, &wc) == 1)
			if (wc.status)
				w->errs++;
	}
	return NULL;
}

TEST(soft_data_dereg_while_writing)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	struct side a, b;
	struct writer w;
	struct env ea, eb;
	pthread_t th;

	env_open_ok(&ea);
	env_open_ok(&eb);
	side_open(&a, &ea, IB_UVERBS_QPT_RC, 64, 4096, false);
	side_open(&b, &eb, IB_UVERBS_QPT_RC, 64, 4096, false);
	qp_connect(&a, &b, 0, 1);
	qp_connect(&b, &a, 0, 1);
	w = (struct writer){ .s = &a, .iova = b.mr->iova, .rkey = b.mr->rkey };
	ASSERT_OK(-pthread_create(&th, NULL, writer_fn, &w));
	nanosleep(&ts, NULL);
	/* Once dereg_mr returns, the memory is the owner's again. */
	ASSERT_OK(eb.ops->dereg_mr(b.mr));
	free(b.buf);
	b.buf = calloc(1, 4096);
	b.mr = mr_reg_ok(&b, b.buf, 4096, ACC_ALL);
	nanosleep(&ts, NULL);
	__atomic_store_n(&w.stop, true, __ATOMIC_RELEASE);
	ASSERT_OK(-pthread_join(th, NULL));
	/* The first write after dereg failed and A went to ERR. */
	ASSERT_EQ(soft_sqp_state(&a), IB_UVERBS_QPS_ERR);
	side_close(&a);
	side_close(&b);
	env_close(&ea);
	env_close(&eb);
}

/* --- SRQ -------------------------------------------------------------- */

TEST(soft_data_srq_send)
{
	struct ib_uverbs_srq_create_cmd scmd = { .max_wr = 4, .max_sge = 2 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_recv_wr rw = { .wr_id = 30, .num_sge = 1 };
	struct ib_uverbs_sge s, r;
	struct ib_uverbs_wc wc;
	struct ib_srq *srq;
	struct pair p;
	u32 bad;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	srq = p.eb.ops->create_srq(p.b.pd, &scmd, NULL);
	ASSERT_TRUE(!IS_ERR(srq));
	srq->device = p.eb.dev;
	srq->pd = p.b.pd;
	p.b.qp->srq = srq;	/* as QP_CREATE with an SRQ would link it */
	memcpy(p.a.buf, "shared", 6);
	s = sge_of(&p.a, 0, 6);
	r = sge_of(&p.b, 200, 100);
	ASSERT_OK(p.eb.ops->post_srq_recv(srq, &rw, 1, &r, 1, &bad));
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 1, 0, IB_UVERBS_WC_SEND);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.wr_id, 30);
	ASSERT_EQ(wc.byte_len, 6);
	ASSERT_TRUE(!memcmp(p.b.buf + 200, "shared", 6));
	/* Empty SRQ: RNR as with an RQ. */
	wr.wr_id = 2;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 2, IB_UVERBS_WC_RNR_RETRY_EXC_ERR, IB_UVERBS_WC_SEND);

	/* SRQ_LIMIT_REACHED, once, with the SRQ's user handle. */
	srq->uobject = &p.eb.uobj;
	srq->user_handle = 0x5a;
	p.b.qp->user_handle = 0x6b;
	ASSERT_OK(p.eb.ops->post_srq_recv(srq, &rw, 1, &r, 1, &bad));
	ASSERT_OK(p.eb.ops->post_srq_recv(srq, &rw, 1, &r, 1, &bad));
	ASSERT_OK(p.eb.ops->modify_srq(srq, &(struct ib_uverbs_srq_modify_cmd){
		.attr_mask = IB_UVERBS_SRQ_LIMIT, .srq_limit = 2 }));
	qp_set_state(&p.a, IB_UVERBS_QPS_RESET);
	qp_connect(&p.a, &p.b, 0, 1);
	/* A new connection of A to the old B: from the PSN B expects. */
	ASSERT_OK(p.ea.ops->modify_qp(p.a.qp, &(struct ib_uverbs_qp_attr){
		.attr_mask = IB_UVERBS_QP_SQ_PSN,
		.sq_psn = to_soft_qp(p.b.qp)->resp_psn }));
	wr.wr_id = 3;
	post_send_ok(&p.a, &wr, &s, 1);
	expect_wc(&p.a, 3, 0, IB_UVERBS_WC_SEND);
	ASSERT_EQ(poll_one(&p.b).wr_id, 30);
	{
		struct ib_uverbs_async_event_desc ev;

		ASSERT_OK(ib_uverbs_read_async_event(p.eb.f, &ev));
		ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED);
		ASSERT_EQ(ev.element, 0x5a);
		ASSERT_EQ(srq->events_reported, 1);
		ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(p.eb.f, &ev));
		/* An SRQ's QP entering ERR reports its last WQE. */
		qp_set_state(&p.b, IB_UVERBS_QPS_ERR);
		ASSERT_OK(ib_uverbs_read_async_event(p.eb.f, &ev));
		ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
		ASSERT_EQ(ev.element, 0x6b);
		ASSERT_EQ(p.b.qp->events_reported, 1);
	}
	ASSERT_OK(p.eb.ops->destroy_qp(p.b.qp));
	ASSERT_OK(p.eb.ops->destroy_srq(srq));
	p.b.qp = NULL;
	side_close(&p.a);
	ASSERT_OK(p.eb.ops->dereg_mr(p.b.mr));
	ASSERT_OK(p.eb.ops->destroy_cq(p.b.cq));
	ASSERT_OK(p.eb.ops->dealloc_pd(p.b.pd));
	free(p.b.buf);
	env_close(&p.ea);
	env_close(&p.eb);
}

/* --- figures (printed, not checked) ------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_TIMEOUT(soft_data_figures, 120)
{
	const size_t big = 1 << 20;
	const int sends = 20000, writes = 256;
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s, r;
	struct ib_uverbs_wc wc;
	double t0, lat, bw, mbw;
	struct pair p;
	u8 *tmp;
	int i;

	pair_open(&p, IB_UVERBS_QPT_RC, 2 * big, 0);
	s = sge_of(&p.a, 0, 8);
	r = sge_of(&p.b, 0, 64);
	t0 = now_s();
	for (i = 0; i < sends; i++) {
		post_recv_ok(&p.b, i, &r, 1);
		post_send_ok(&p.a, &wr, &s, 1);
		ASSERT_EQ(p.ea.ops->poll_cq(p.a.cq, 1, &wc), 1);
		ASSERT_EQ(p.eb.ops->poll_cq(p.b.cq, 1, &wc), 1);
	}
	lat = (now_s() - t0) / sends * 1e6;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	s = sge_of(&p.a, 0, big);
	t0 = now_s();
	for (i = 0; i < writes; i++) {
		post_send_ok(&p.a, &wr, &s, 1);
		ASSERT_EQ(p.ea.ops->poll_cq(p.a.cq, 1, &wc), 1);
		ASSERT_EQ(wc.status, 0);
	}
	bw = (double)big * writes / (now_s() - t0) / 1e9;
	tmp = malloc(big);
	ASSERT_TRUE(tmp != NULL);
	t0 = now_s();
	for (i = 0; i < writes; i++) {
		memcpy(p.b.buf + (i & 1), p.a.buf, big);
		__asm__ volatile("" ::: "memory");
	}
	mbw = (double)big * writes / (now_s() - t0) / 1e9;
	free(tmp);
	fprintf(stderr,
		"  figures: RC 8-byte send+recv+2 polls %.2f us; RDMA WRITE 1 MiB %.2f GB/s (memcpy %.2f GB/s)\n",
		lat, bw, mbw);
	pair_close(&p);
}

/* --- end to end: UD and completion events through commands -------------- */

/* One file, checked against the device's tables, through the library. */
struct e2e {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	u32 pd, mr, cq, qp[2], qpn[2], ah[2], lkey;
	int ch;
	u16 lid;
};

static void e2e_ok(struct e2e *t, long ret, int line)
{
	if (ret)
		harness_fail(__FILE__, line, "%s (%s%s)", errno_name(ret),
			     ioverbs_client_error(&t->v),
			     ib_uverbs_last_error());
}

#define E2E_OK(t, call) e2e_ok(t, call, __LINE__)

static void e2e_ud_setup(struct e2e *t, u8 *buf, size_t len)
{
	struct ib_uverbs_mr_reg_cmd mr_cmd = {
		.start = (uintptr_t)buf, .length = len,
		.hca_va = (uintptr_t)buf,
		.access_flags = IB_UVERBS_ACCESS_LOCAL_WRITE,
	};
	struct ib_uverbs_mr_reg_resp mr_resp;
	struct ib_uverbs_cq_create_cmd cq_cmd = { .user_handle = 0xc0, .cqe = 16 };
	struct ib_uverbs_qp_create_cmd qp_cmd = {
		.qp_type = IB_UVERBS_QPT_UD, .user_handle = 0x90,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	const struct ioverbs_qp_peer ud = {
		.qp_type = IB_UVERBS_QPT_UD, .qkey = 0x11111111,
	};
	struct ib_uverbs_qp_create_resp qp_resp;
	struct ib_uverbs_query_port_resp pr;
	struct ib_uverbs_ah_attr ah = { .port_num = 1 };
	int i;

	memset(t, 0, sizeof(*t));
	t->dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(t->dev));
	t->f = ib_uverbs_open(t->dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(t->f));
	ioverbs_client_init_embedded(&t->v, t->f);
	ioverbs_client_spec_set(&t->v, t->dev->types, SOFT_DRIVER_ID);
	ASSERT_OK(to_verbs_dev(t->dev)->ops->query_port(t->dev, 1, &pr));
	t->lid = pr.lid;

	E2E_OK(t, ioverbs_context_get(&t->v));
	E2E_OK(t, ioverbs_pd_alloc(&t->v, &t->pd));
	E2E_OK(t, ioverbs_mr_reg_ex(&t->v, t->pd, &mr_cmd, &t->mr, &mr_resp));
	t->lkey = mr_resp.lkey;
	E2E_OK(t, ioverbs_comp_channel_create(&t->v, -1, &t->ch));
	E2E_OK(t, ioverbs_cq_create_ex(&t->v, &cq_cmd, t->ch, &t->cq, NULL));
	for (i = 0; i < 2; i++) {
		E2E_OK(t, ioverbs_qp_create_ex(&t->v, &qp_cmd, t->pd, t->cq,
					       t->cq, IOVERBS_NONE, &t->qp[i],
					       &qp_resp));
		qp_cmd.user_handle++;
		t->qpn[i] = qp_resp.qpn;
		E2E_OK(t, ioverbs_qp_connect(&t->v, t->qp[i], &ud));
	}
	/* AH 0: by LID; AH 1: by GID, with a GRH. */
	ah.dlid = t->lid;
	E2E_OK(t, ioverbs_ah_create(&t->v, t->pd, &ah, &t->ah[0]));
	ah.is_global = 1;
	ah.hop_limit = 64;
	ASSERT_OK(to_verbs_dev(t->dev)->ops->query_gid(t->dev, 1, 0, &ah.dgid));
	E2E_OK(t, ioverbs_ah_create(&t->v, t->pd, &ah, &t->ah[1]));
}

static void e2e_post_recv(struct e2e *t, u32 qp, u64 wr_id, void *addr,
			  u32 len)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)addr, .length = len, .lkey = t->lkey,
	};

	E2E_OK(t, ioverbs_qp_post_recv(&t->v, qp, &wr, 1, &sge, 1, NULL));
}

static long e2e_post_send(struct e2e *t, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *sge)
{
	return ioverbs_qp_post_send(&t->v, t->qp[0], wr, 1, sge, 1, NULL);
}

static u32 e2e_poll(struct e2e *t, struct ib_uverbs_wc *wc, u32 num)
{
	u32 count = 0;

	E2E_OK(t, ioverbs_cq_poll(&t->v, t->cq, wc, num, &count));
	return count;
}

static long e2e_get_event(struct e2e *t, struct ib_uverbs_comp_event_desc *d)
{
	return ioverbs_comp_channel_get_event(&t->v, t->ch, d);
}

static void e2e_req_notify(struct e2e *t, u32 solicited)
{
	E2E_OK(t, ioverbs_cq_req_notify(&t->v, t->cq, solicited));
}

TEST(soft_data_e2e_ud_grh_and_events)
{
	static u8 buf[16384];
	struct ib_uverbs_comp_event_desc ev;
	struct ib_uverbs_wc wc[4];
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND_WITH_IMM,
		.send_flags = IB_UVERBS_SEND_SIGNALED, .imm_data = 42,
	};
	struct ib_uverbs_sge sge;
	struct e2e t;
	u32 n;

	e2e_ud_setup(&t, buf, sizeof(buf));
	memcpy(buf, "datagram", 8);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)buf, .length = 8,
				      .lkey = t.lkey };
	/* Without a GRH: the first 40 bytes are left alone. */
	memset(buf + 1024, 0xaa, 64);
	e2e_post_recv(&t, t.qp[1], 10, buf + 1024, 1024);
	e2e_req_notify(&t, 0);
	ASSERT_ERRNO(-EAGAIN, e2e_get_event(&t, &ev));
	wr.wr.ud.ah = t.ah[0];
	wr.wr.ud.remote_qpn = t.qpn[1];
	wr.wr.ud.remote_qkey = 0x11111111;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	n = e2e_poll(&t, wc, 4);
	ASSERT_EQ(n, 2);
	/* The receive completed first (inside the send), then the send. */
	ASSERT_EQ(wc[0].wr_id, 10);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc[0].opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(wc[0].byte_len, 40 + 8);
	ASSERT_EQ(wc[0].src_qp, t.qpn[0]);
	ASSERT_EQ(wc[0].qp_num, t.qpn[1]);
	ASSERT_EQ(wc[0].slid, t.lid);
	ASSERT_EQ(wc[0].imm_data, 42);
	ASSERT_EQ(wc[0].wc_flags, IB_UVERBS_WC_WITH_IMM);
	ASSERT_EQ(buf[1024], 0xaa);
	ASSERT_TRUE(!memcmp(buf + 1024 + 40, "datagram", 8));
	ASSERT_EQ(wc[1].wr_id, 1);
	ASSERT_EQ(wc[1].opcode, IB_UVERBS_WC_SEND);
	/* One event for the armed CQ, with its user handle. */
	ASSERT_OK(e2e_get_event(&t, &ev));
	ASSERT_EQ(ev.cq_handle, 0xc0);
	ASSERT_ERRNO(-EAGAIN, e2e_get_event(&t, &ev));

	/* With a GRH (AH by GID): the GRH fills the first 40 bytes. */
	e2e_post_recv(&t, t.qp[1], 11, buf + 4096, 1024);
	wr.wr.ud.ah = t.ah[1];
	wr.wr_id = 2;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	n = e2e_poll(&t, wc, 4);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(wc[0].wr_id, 11);
	ASSERT_EQ(wc[0].byte_len, 48);
	ASSERT_TRUE(wc[0].wc_flags & IB_UVERBS_WC_GRH);
	ASSERT_EQ(buf[4096] >> 4, 6);	/* IP version 6 */
	ASSERT_EQ(buf[4096 + 6], 0x1b);	/* next header */
	ASSERT_EQ(buf[4096 + 7], 64);	/* hop limit */
	ASSERT_TRUE(!memcmp(buf + 4096 + 40, "datagram", 8));
	/* Not armed any more: no event. */
	ASSERT_ERRNO(-EAGAIN, e2e_get_event(&t, &ev));

	/* Armed for solicited completions: only a SOLICITED send fires. */
	e2e_req_notify(&t, 1);
	e2e_post_recv(&t, t.qp[1], 13, buf + 4096, 1024);
	e2e_post_recv(&t, t.qp[1], 14, buf + 4096, 1024);
	wr.wr_id = 5;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	ASSERT_EQ(e2e_poll(&t, wc, 4), 2);
	ASSERT_ERRNO(-EAGAIN, e2e_get_event(&t, &ev));
	wr.send_flags |= IB_UVERBS_SEND_SOLICITED;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	ASSERT_EQ(e2e_poll(&t, wc, 4), 2);
	ASSERT_EQ(wc[0].wr_id, 14);
	ASSERT_OK(e2e_get_event(&t, &ev));
	ASSERT_ERRNO(-EAGAIN, e2e_get_event(&t, &ev));
	wr.send_flags &= ~IB_UVERBS_SEND_SOLICITED;

	/* Wrong Q_Key: dropped, the sender still completes. */
	e2e_post_recv(&t, t.qp[1], 12, buf + 8192, 1024);
	wr.wr.ud.remote_qkey = 0x22222222;
	wr.wr_id = 3;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	n = e2e_poll(&t, wc, 4);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(wc[0].wr_id, 3);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);
	/* Beyond the MTU: LOC_LEN_ERR. */
	wr.wr.ud.remote_qkey = 0x11111111;
	wr.wr_id = 4;
	sge.length = 4097;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	n = e2e_poll(&t, wc, 4);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_LOC_LEN_ERR);
	/* A bad AH handle: the post fails. */
	wr.wr.ud.ah = 999;
	ASSERT_TRUE(e2e_post_send(&t, &wr, &sge) < 0);

	ib_uverbs_release(t.f);
	soft_device_destroy(t.dev);
}

/* --- error injection (SOFT_VENDOR_INJECT) and async events ------------ */

static long e2e_inject(struct e2e *t, u32 what, u32 qp, int port)
{
	return ioverbs_soft_inject(&t->v, what, qp, port);
}

static long e2e_async(struct e2e *t, struct ib_uverbs_async_event_desc *d)
{
	return ioverbs_async_event_get(&t->v, d);
}

static u8 e2e_port_state(struct e2e *t)
{
	struct ib_uverbs_query_port_resp pr;

	E2E_OK(t, ioverbs_port_query(&t->v, 1, &pr));
	return pr.state;
}

TEST(soft_data_inject_qp_fatal)
{
	static u8 buf[8192];
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_qp_destroy_resp dresp = { .events_reported = 99 };
	struct ib_uverbs_qp_query_resp q;
	struct ib_uverbs_wc wc[4];
	u32 mask = IB_UVERBS_QP_STATE;
	struct e2e t;

	e2e_ud_setup(&t, buf, sizeof(buf));
	e2e_post_recv(&t, t.qp[1], 20, buf, 1024);
	e2e_post_recv(&t, t.qp[1], 21, buf, 1024);
	/* Refusals: no QP, an unknown injection, no or a bad port. */
	ASSERT_ERRNO(-EINVAL, e2e_inject(&t, SOFT_INJECT_QP_FATAL, ~0u, -1));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "needs SOFT_INJECT_QP"));
	ASSERT_ERRNO(-EINVAL, e2e_inject(&t, 99, ~0u, -1));
	ASSERT_ERRNO(-EINVAL, e2e_inject(&t, SOFT_INJECT_PORT_DOWN, ~0u, -1));
	ASSERT_ERRNO(-EINVAL, e2e_inject(&t, SOFT_INJECT_PORT_DOWN, ~0u, 2));
	ASSERT_ERRNO(-ENOENT, e2e_inject(&t, SOFT_INJECT_QP_FATAL, 999, -1));
	ASSERT_ERRNO(-EAGAIN, e2e_async(&t, &ev));

	ASSERT_OK(e2e_inject(&t, SOFT_INJECT_QP_FATAL, t.qp[1], -1));
	/* Its receives flushed, its state ERR, QP_FATAL with its handle. */
	ASSERT_EQ(e2e_poll(&t, wc, 4), 2);
	ASSERT_EQ(wc[0].wr_id, 20);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(wc[1].status, IB_UVERBS_WC_WR_FLUSH_ERR);
	E2E_OK(&t, ioverbs_qp_query(&t.v, t.qp[1], mask, &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_ERR);
	ASSERT_OK(e2e_async(&t, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_QP_FATAL);
	ASSERT_EQ(ev.element, 0x91);
	ASSERT_ERRNO(-EAGAIN, e2e_async(&t, &ev));
	/* DESTROY reports the one event. */
	E2E_OK(&t, ioverbs_qp_destroy(&t.v, t.qp[1], &dresp));
	ASSERT_EQ(dresp.events_reported, 1);
	ib_uverbs_release(t.f);
	soft_device_destroy(t.dev);
}

TEST(soft_data_inject_port_down_up)
{
	static u8 buf[8192];
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc[4];
	struct ib_uverbs_file *f2;
	struct e2e t;

	e2e_ud_setup(&t, buf, sizeof(buf));
	f2 = ib_uverbs_open(t.dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f2));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)buf, .length = 8,
				      .lkey = t.lkey };
	wr.wr.ud.ah = t.ah[0];
	wr.wr.ud.remote_qpn = t.qpn[1];
	wr.wr.ud.remote_qkey = 0x11111111;
	ASSERT_EQ(e2e_port_state(&t), IB_UVERBS_PORT_ACTIVE);

	ASSERT_OK(e2e_inject(&t, SOFT_INJECT_PORT_DOWN, ~0u, 1));
	ASSERT_EQ(e2e_port_state(&t), IB_UVERBS_PORT_DOWN);
	ASSERT_ERRNO(-EALREADY, e2e_inject(&t, SOFT_INJECT_PORT_DOWN, ~0u, 1));
	/* Every file of the device hears of it. */
	ASSERT_OK(e2e_async(&t, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_PORT_ERR);
	ASSERT_EQ(ev.element, 1);
	ASSERT_OK(ib_uverbs_read_async_event(f2, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_PORT_ERR);
	/* A UD datagram through a down port is lost; the send completes. */
	e2e_post_recv(&t, t.qp[1], 30, buf + 1024, 1024);
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	ASSERT_EQ(e2e_poll(&t, wc, 4), 1);
	ASSERT_EQ(wc[0].wr_id, 1);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);

	ASSERT_OK(e2e_inject(&t, SOFT_INJECT_PORT_UP, ~0u, 1));
	ASSERT_ERRNO(-EALREADY, e2e_inject(&t, SOFT_INJECT_PORT_UP, ~0u, 1));
	ASSERT_EQ(e2e_port_state(&t), IB_UVERBS_PORT_ACTIVE);
	ASSERT_OK(e2e_async(&t, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_PORT_ACTIVE);
	ASSERT_OK(ib_uverbs_read_async_event(f2, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_PORT_ACTIVE);
	/* Delivered again: the waiting receive completes. */
	wr.wr_id = 2;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	ASSERT_EQ(e2e_poll(&t, wc, 4), 2);
	ASSERT_EQ(wc[0].wr_id, 30);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);
	ib_uverbs_release(f2);
	ib_uverbs_release(t.f);
	soft_device_destroy(t.dev);
}

TEST(soft_data_port_down_rc_retry_exceeded)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 7, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_RC, 4096, 0);
	atomic_set(&p.eb.sdev->ports[0].down, 1);
	post_send_ok(&p.a, &wr, NULL, 0);
	expect_wc(&p.a, 7, IB_UVERBS_WC_RETRY_EXC_ERR,
		  IB_UVERBS_WC_RDMA_WRITE);
	atomic_set(&p.eb.sdev->ports[0].down, 0);
	pair_close(&p);
}

static long e2e_resize(struct e2e *t, u32 cqe, u32 *out)
{
	struct ib_uverbs_cq_resize_resp resp = { .cqe = 0xeeee };
	long ret;

	ret = ioverbs_cq_resize(&t->v, t->cq, cqe, &resp);
	*out = resp.cqe;
	return ret;
}

/* CQ_RESIZE keeps the queued completions, in order, and refuses to lose any. */
TEST(soft_data_cq_resize)
{
	static u8 buf[8192];
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc[8];
	struct e2e t;
	u32 cqe, i;

	e2e_ud_setup(&t, buf, sizeof(buf));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)buf, .length = 8,
				      .lkey = t.lkey };
	wr.wr.ud.ah = t.ah[0];
	wr.wr.ud.remote_qpn = t.qpn[1];
	wr.wr.ud.remote_qkey = 0x11111111;
	/* Six send completions queued on the 16-entry CQ. */
	for (i = 0; i < 6; i++) {
		wr.wr_id = 100 + i;
		ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	}
	ASSERT_ERRNO(-EINVAL, e2e_resize(&t, 4, &cqe));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "more completions are queued"));
	ASSERT_ERRNO(-EINVAL, e2e_resize(&t, 0, &cqe));
	ASSERT_ERRNO(-EINVAL, e2e_resize(&t, SOFT_DEFAULT_MAX_CQE + 1, &cqe));
	ASSERT_OK(e2e_resize(&t, 6, &cqe));
	ASSERT_EQ(cqe, 8);
	ASSERT_OK(e2e_resize(&t, 100, &cqe));
	ASSERT_EQ(cqe, 128);
	ASSERT_EQ(e2e_poll(&t, wc, 8), 6);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(wc[i].wr_id, 100 + i);
	/* Empty: any size down to 1. */
	ASSERT_OK(e2e_resize(&t, 1, &cqe));
	ASSERT_EQ(cqe, 1);
	wr.wr_id = 7;
	ASSERT_OK(e2e_post_send(&t, &wr, &sge));
	ASSERT_EQ(e2e_poll(&t, wc, 8), 1);
	ASSERT_EQ(wc[0].wr_id, 7);
	/* Not a CQ: the handle of a QP. */
	{
		struct ioverbs_cmd c;
		u32 n = 8;

		ioverbs_client_cmd_init(&t.v, &c, UVERBS_TYPE_CQ,
					UVERBS_ACTION_CQ_RESIZE);
		ioverbs_cmd_idr(&c, UVERBS_CQ_RESIZE_HANDLE, t.qp[0]);
		ioverbs_cmd_in(&c, UVERBS_CQ_RESIZE_CQE, &n, sizeof(n));
		ioverbs_cmd_out(&c, UVERBS_CQ_RESIZE_RESP, wc, 8);
		ASSERT_ERRNO(-EINVAL, ioverbs_client_exec(&t.v, &c));
	}
	ib_uverbs_release(t.f);
	soft_device_destroy(t.dev);
}
