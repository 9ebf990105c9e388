// SPDX-License-Identifier: MIT
/*
 * One-sided operations over one RC QP pair between two soft devices, A
 * and B.  A writes a buffer into B's memory (RDMA WRITE through B's rkey)
 * while B does nothing at all, reads it back (RDMA READ) into another
 * buffer and compares; then it runs a FETCH_ADD and a CMP_SWP on a 64-bit
 * counter of B's, showing the original values they return; last, it
 * writes into an MR of B's registered without REMOTE_WRITE and prints the
 * REM_ACCESS_ERR completion that earns.  Every step is a command: MR_REG
 * with the access flags, QP_MODIFY, QP_POST_SEND, CQ_POLL.
 */
#include "common.h"

#define BUF_LEN 4096

/* B's memory, which A reaches through rkeys. */
static u8 b_target[BUF_LEN];
static u64 b_counter;
static u8 b_readonly[64];
/* A's local memory. */
static u8 a_src[BUF_LEN], a_dst[BUF_LEN];
static u64 a_orig;

static void fill(u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(i * 31 + (i >> 8) + 5);
}

/* A signaled one-sided op; its completion is the caller's to poll. */
static void post_one(struct ex_node *n, struct ex_qp *qp,
		     struct ib_uverbs_send_wr *wr,
		     const struct ib_uverbs_sge *sge)
{
	wr->send_flags = IB_UVERBS_SEND_SIGNALED;
	ex_post_send(n, qp, wr, sge);
}

static void fail(const char *what)
{
	fprintf(stderr, "rdma_rw: %s\n", what);
	exit(1);
}

int main(void)
{
	struct ex_node a, b;
	struct ex_qp qa, qb;
	struct ex_mr a_src_mr, a_dst_mr, a_orig_mr;
	struct ex_mr b_target_mr, b_counter_mr, b_readonly_mr;
	struct ib_uverbs_send_wr wr;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	u64 before;

	ex_init();
	ex_node_open(&a, "A", 16);
	ex_node_open(&b, "B", 16);

	ex_mr_reg(&a, &a_src_mr, a_src, sizeof(a_src), 0);
	ex_mr_reg(&a, &a_dst_mr, a_dst, sizeof(a_dst),
		  IB_UVERBS_ACCESS_LOCAL_WRITE);
	ex_mr_reg(&a, &a_orig_mr, &a_orig, sizeof(a_orig),
		  IB_UVERBS_ACCESS_LOCAL_WRITE);
	ex_mr_reg(&b, &b_target_mr, b_target, sizeof(b_target),
		  IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |
			  IB_UVERBS_ACCESS_REMOTE_READ);
	ex_mr_reg(&b, &b_counter_mr, &b_counter, sizeof(b_counter),
		  IB_UVERBS_ACCESS_LOCAL_WRITE |
			  IB_UVERBS_ACCESS_REMOTE_ATOMIC);
	ex_mr_reg(&b, &b_readonly_mr, b_readonly, sizeof(b_readonly),
		  IB_UVERBS_ACCESS_REMOTE_READ);

	ex_qp_create(&a, &qa, IB_UVERBS_QPT_RC);
	ex_qp_create(&b, &qb, IB_UVERBS_QPT_RC);
	ex_qp_connect_rc(&a, &qa, b.lid, qb.qpn, 0);
	/* What B's QP lets A do; each MR still says yes or no for itself. */
	ex_qp_connect_rc(&b, &qb, a.lid, qa.qpn,
			 IB_UVERBS_ACCESS_REMOTE_WRITE |
				 IB_UVERBS_ACCESS_REMOTE_READ |
				 IB_UVERBS_ACCESS_REMOTE_ATOMIC);
	printf("A (LID %u, QPN %u) <-> B (LID %u, QPN %u): RC, connected\n",
	       a.lid, qa.qpn, b.lid, qb.qpn);

	/* RDMA WRITE: B posts nothing, polls nothing. */
	fill(a_src, sizeof(a_src));
	memset(b_target, 0, sizeof(b_target));
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 1,
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.wr.rdma = { .remote_addr = (uintptr_t)b_target,
			     .rkey = b_target_mr.rkey },
	};
	sge = ex_sge(&a_src_mr, 0, sizeof(a_src));
	post_one(&a, &qa, &wr, &sge);
	ex_poll_ok(&a, &wc, IB_UVERBS_WC_RDMA_WRITE, "RDMA WRITE");
	if (memcmp(b_target, a_src, sizeof(a_src)))
		fail("RDMA WRITE: B's buffer does not hold what A wrote");
	if (ex_poll(&b, &wc))
		fail("RDMA WRITE: B got a completion for a one-sided write");
	printf("RDMA WRITE %zu bytes into B's MR (rkey 0x%x): B's buffer matches, B's CQ is empty\n",
	       sizeof(a_src), b_target_mr.rkey);

	/* RDMA READ back into another buffer of A's. */
	memset(a_dst, 0, sizeof(a_dst));
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 2,
		.opcode = IB_UVERBS_WR_RDMA_READ,
		.wr.rdma = { .remote_addr = (uintptr_t)b_target,
			     .rkey = b_target_mr.rkey },
	};
	sge = ex_sge(&a_dst_mr, 0, sizeof(a_dst));
	post_one(&a, &qa, &wr, &sge);
	ex_poll_ok(&a, &wc, IB_UVERBS_WC_RDMA_READ, "RDMA READ");
	if (wc.byte_len != sizeof(a_dst) || memcmp(a_dst, a_src, sizeof(a_src)))
		fail("RDMA READ: what came back differs from what was written");
	printf("RDMA READ %u bytes back into another buffer: identical to the source\n",
	       wc.byte_len);

	/* Atomics on B's counter: each returns the value it found. */
	b_counter = 100;
	before = b_counter;
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 3,
		.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
		.wr.atomic = { .remote_addr = (uintptr_t)&b_counter,
			       .compare_add = 5,
			       .rkey = b_counter_mr.rkey },
	};
	sge = ex_sge(&a_orig_mr, 0, sizeof(a_orig));
	post_one(&a, &qa, &wr, &sge);
	ex_poll_ok(&a, &wc, IB_UVERBS_WC_FETCH_ADD, "FETCH_ADD");
	if (a_orig != before || b_counter != before + 5)
		fail("FETCH_ADD: wrong original value or result");
	printf("FETCH_ADD +5 on B's counter: returned the original %llu, counter now %llu\n",
	       (unsigned long long)a_orig, (unsigned long long)b_counter);

	before = b_counter;
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 4,
		.opcode = IB_UVERBS_WR_ATOMIC_CMP_AND_SWP,
		.wr.atomic = { .remote_addr = (uintptr_t)&b_counter,
			       .compare_add = 105,
			       .swap = 7,
			       .rkey = b_counter_mr.rkey },
	};
	post_one(&a, &qa, &wr, &sge);
	ex_poll_ok(&a, &wc, IB_UVERBS_WC_COMP_SWAP, "CMP_SWP");
	if (a_orig != before || b_counter != 7)
		fail("CMP_SWP: wrong original value or result");
	printf("CMP_SWP compare 105 swap 7: returned the original %llu, counter now %llu (swapped)\n",
	       (unsigned long long)a_orig, (unsigned long long)b_counter);

	/* Deliberately wrong: B's MR allows READ only.  The QP goes to ERR. */
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 5,
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.wr.rdma = { .remote_addr = (uintptr_t)b_readonly,
			     .rkey = b_readonly_mr.rkey },
	};
	sge = ex_sge(&a_src_mr, 0, sizeof(b_readonly));
	post_one(&a, &qa, &wr, &sge);
	ex_poll_one(&a, &wc);
	if (wc.status != IB_UVERBS_WC_REM_ACCESS_ERR)
		fail("RDMA WRITE to a read-only MR did not fail with REM_ACCESS_ERR");
	if (b_readonly[0] ||
	    memcmp(b_readonly, b_readonly + 1, sizeof(b_readonly) - 1))
		fail("RDMA WRITE to a read-only MR changed it");
	printf("RDMA WRITE into an MR without REMOTE_WRITE: completion status %s, B's memory untouched\n",
	       ex_wc_status_name(wc.status));

	ex_qp_destroy(&a, &qa);
	ex_qp_destroy(&b, &qb);
	ex_mr_dereg(&a, &a_src_mr);
	ex_mr_dereg(&a, &a_dst_mr);
	ex_mr_dereg(&a, &a_orig_mr);
	ex_mr_dereg(&b, &b_target_mr);
	ex_mr_dereg(&b, &b_counter_mr);
	ex_mr_dereg(&b, &b_readonly_mr);
	ex_node_close(&a);
	ex_node_close(&b);
	return ex_check_leaks();
}
