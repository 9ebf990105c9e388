// SPDX-License-Identifier: MIT
/*
 * The data path's semantics through libibverbs alone, on the path the
 * device chose: the same statuses, opcodes, lengths and values whether
 * two QPs talk directly (<rdma/soft_direct.h>) or through the device's
 * relay.  Run through `ioverbs run` (tests/daemon/test_pingpong.c).
 *
 *	direct IBDEV PATH	PATH: "direct" or "relay", the path every
 *				connected QP must have taken (the QP's
 *				direct page, found in this process's maps)
 *
 * One line per failed check, then "N passed, N failed"; exits 0 when
 * none failed.  Each case connects a fresh pair of QPs of one context
 * (two CQs; the receiver is polled first: on the direct path a message
 * waits in the receiver's ring until its client polls, as with
 * libfabric's shared memory): SEND (inline, in the ring, from memory), WRITE, WRITE with
 * immediate, READ and both atomics; RNR with rnr_retry 0; a message
 * longer than its receive; a bad rkey (the responder unaffected); the
 * responder's access flags changed after it connected; the flush after
 * MODIFY to ERR; UC's dropped message; UD (ud()); and, on the direct
 * path, a peer that scribbles on the receive ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
/* The layouts only (linux/types.h): not the uapi verbs headers. */
#include "../../include/uapi/rdma/soft_direct.h"

#include "client.h"

#define BUF 65536

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_mr *mr;
static uint8_t *buf;
static uint16_t lid;
static bool want_direct;

struct pair {
	struct ibv_cq *cqa, *cqb;
	struct ibv_qp *a, *b;
};

/* Nothing on @cq for @ms milliseconds of polling. */
static bool quiet(struct ibv_cq *cq, long ms)
{
	struct timespec t0, t;
	struct ibv_wc wc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ibv_poll_cq(cq, 1, &wc))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			return true;
	}
}

static struct ibv_qp *qp_new(struct ibv_cq *cq, enum ibv_qp_type type)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq,
		.recv_cq = cq,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = 64 },
		.qp_type = type,
	};

	return ibv_create_qp(pd, &a);
}

static int connect_qp(struct ibv_qp *qp, uint32_t dqpn, uint8_t rnr_retry,
		      uint8_t min_rnr)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC,
	};
	bool rc = qp->qp_type == IBV_QPT_RC;
	int ret;

	ret = ibv_modify_qp(qp, &a,
			    IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
				    IBV_QP_ACCESS_FLAGS);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dqpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = min_rnr;
	a.ah_attr.dlid = lid;
	a.ah_attr.port_num = 1;
	ret = ibv_modify_qp(qp, &a,
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
				    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
				    (rc ? IBV_QP_MAX_DEST_RD_ATOMIC |
						  IBV_QP_MIN_RNR_TIMER :
					  0));
	if (ret)
		return ret;
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = rnr_retry;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a,
			     IBV_QP_STATE | IBV_QP_SQ_PSN |
				     (rc ? IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
						   IBV_QP_RNR_RETRY |
						   IBV_QP_MAX_QP_RD_ATOMIC :
					   0));
}

/* The direct page whose peer is @peer_qpn in this process's maps. */
static struct soft_direct_ctrl *page_of(uint32_t peer_qpn)
{
	struct soft_direct_ctrl *pg;
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "memfd:ioverbs-qp") ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		pg = (struct soft_direct_ctrl *)(hi - SOFT_DIRECT_RING_BYTES -
						 SOFT_DIRECT_PAGE);
		if (__atomic_load_n(&pg->path, __ATOMIC_ACQUIRE) ==
			    SOFT_PATH_DIRECT &&
		    pg->peer_qpn == peer_qpn) {
			fclose(f);
			return pg;
		}
	}
	fclose(f);
	return NULL;
}

/* The pair took the path the run asked for. */
static void check_path(const struct pair *p)
{
	if (want_direct) {
		CHECK(page_of(p->b->qp_num) != NULL);
		CHECK(page_of(p->a->qp_num) != NULL);
	} else {
		CHECK(page_of(p->b->qp_num) == NULL);
		CHECK(page_of(p->a->qp_num) == NULL);
	}
}

static bool pair_new(struct pair *p, enum ibv_qp_type type,
		     uint8_t rnr_retry, uint8_t min_rnr)
{
	memset(p, 0, sizeof(*p));
	p->cqa = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	p->cqb = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	CHECK(p->cqa && p->cqb);
	if (!p->cqa || !p->cqb)
		return false;
	p->a = qp_new(p->cqa, type);
	p->b = qp_new(p->cqb, type);
	CHECK(p->a && p->b);
	if (!p->a || !p->b)
		return false;
	CHECK(connect_qp(p->a, p->b->qp_num, rnr_retry, min_rnr) == 0);
	CHECK(connect_qp(p->b, p->a->qp_num, rnr_retry, min_rnr) == 0);
	check_path(p);
	return true;
}

static void pair_free(struct pair *p)
{
	if (p->a)
		CHECK(ibv_destroy_qp(p->a) == 0);
	if (p->b)
		CHECK(ibv_destroy_qp(p->b) == 0);
	if (p->cqa)
		CHECK(ibv_destroy_cq(p->cqa) == 0);
	if (p->cqb)
		CHECK(ibv_destroy_cq(p->cqb) == 0);
}

static int post_send(struct ibv_qp *qp, enum ibv_wr_opcode op, uint32_t off,
		     uint32_t len, uint64_t raddr, uint32_t rkey,
		     unsigned int flags)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(buf + off),
		.length = len,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 0x5e00 + op,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IBV_SEND_SIGNALED | flags,
		.imm_data = htonl(0xabcd1234),
	}, *bad = NULL;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	return ibv_post_send(qp, &wr, &bad);
}

static int post_atomic(struct ibv_qp *qp, enum ibv_wr_opcode op, uint32_t off,
		       uint64_t raddr, uint64_t cmp, uint64_t swap)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(buf + off),
		.length = 8,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 0xa700 + op,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad = NULL;

	wr.wr.atomic.remote_addr = raddr;
	wr.wr.atomic.rkey = mr->rkey;
	wr.wr.atomic.compare_add = cmp;
	wr.wr.atomic.swap = swap;
	return ibv_post_send(qp, &wr, &bad);
}

static int post_recv(struct ibv_qp *qp, uint64_t id, uint32_t off,
		     uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(buf + off),
		.length = len,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = id, .sg_list = &sge, .num_sge = 1 },
			   *bad = NULL;

	return ibv_post_recv(qp, &wr, &bad);
}

static enum ibv_qp_state qp_state(struct ibv_qp *qp)
{
	struct ibv_qp_init_attr init;
	struct ibv_qp_attr a;

	if (ibv_query_qp(qp, &a, IBV_QP_STATE, &init))
		return (enum ibv_qp_state)-1;
	return a.qp_state;
}

static void fill(uint32_t off, uint32_t len, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[off + i] = (uint8_t)(seed + i * 7);
}

/* SEND with immediate: inline in the ring, from memory, IBV_SEND_INLINE. */
static void sends(void)
{
	static const uint32_t lens[] = { 0, 100, 4096, 6000, 20000 };
	struct ibv_wc wc;
	struct pair p;
	unsigned int i;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf + 32768, 0, 32768);
		fill(0, lens[i], (uint8_t)i);
		CHECK(post_recv(p.b, 0x100 + i, 32768, 32768) == 0);
		CHECK(post_send(p.a, IBV_WR_SEND_WITH_IMM, 0, lens[i], 0, 0,
				0) == 0);
		CHECK(poll_one(p.cqb, &wc) == 1);
		CHECK(wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_RECV &&
		      wc.wr_id == 0x100 + i && wc.byte_len == lens[i]);
		CHECK(wc.wc_flags & IBV_WC_WITH_IMM &&
		      wc.imm_data == htonl(0xabcd1234));
		CHECK(wc.qp_num == p.b->qp_num && wc.src_qp == p.a->qp_num &&
		      wc.slid == lid);
		CHECK(!memcmp(buf, buf + 32768, lens[i]));
		CHECK(poll_one(p.cqa, &wc) == 1);
		CHECK(wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_SEND &&
		      wc.wr_id == 0x5e00 + IBV_WR_SEND_WITH_IMM &&
		      wc.byte_len == lens[i] && wc.qp_num == p.a->qp_num);
	}
	/* Inline: the bytes as they were at post time. */
	fill(0, 64, 9);
	memcpy(buf + 128, buf, 64);
	CHECK(post_recv(p.b, 0x200, 32768, 64) == 0);
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 64, 0, 0, IBV_SEND_INLINE) == 0);
	memset(buf, 0xee, 64);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.byte_len == 64 && !(wc.wc_flags & IBV_WC_WITH_IMM));
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	CHECK(!memcmp(buf + 128, buf + 32768, 64));
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 65, 0, 0, IBV_SEND_INLINE) ==
	      EINVAL);
out:
	pair_free(&p);
}

/* WRITE, WRITE with immediate, READ, CMP_AND_SWP, FETCH_AND_ADD. */
static void one_sided(void)
{
	uint64_t base = (uintptr_t)buf, v;
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	fill(0, 5000, 3);
	memset(buf + 16384, 0, 5000);
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE, 0, 5000, base + 16384,
			mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RDMA_WRITE && wc.byte_len == 5000);
	CHECK(!memcmp(buf, buf + 16384, 5000));

	CHECK(post_recv(p.b, 0x300, 32768, 16) == 0);
	fill(0, 300, 4);
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE_WITH_IMM, 0, 300, base + 16384,
			mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM && wc.wr_id == 0x300 &&
	      wc.byte_len == 300 && (wc.wc_flags & IBV_WC_WITH_IMM) &&
	      wc.imm_data == htonl(0xabcd1234) && wc.src_qp == p.a->qp_num);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RDMA_WRITE && wc.byte_len == 300);
	CHECK(!memcmp(buf, buf + 16384, 300));

	fill(20000, 3000, 5);
	memset(buf + 40000, 0, 3000);
	CHECK(post_send(p.a, IBV_WR_RDMA_READ, 40000, 3000, base + 20000,
			mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RDMA_READ && wc.byte_len == 3000);
	CHECK(!memcmp(buf + 20000, buf + 40000, 3000));

	v = 5;
	memcpy(buf + 8, &v, 8);
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_CMP_AND_SWP, 64, base + 8, 5,
			  9) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_COMP_SWAP && wc.byte_len == 8);
	memcpy(&v, buf + 64, 8);
	CHECK(v == 5);
	memcpy(&v, buf + 8, 8);
	CHECK(v == 9);
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_CMP_AND_SWP, 64, base + 8, 5,
			  11) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	memcpy(&v, buf + 64, 8);
	CHECK(v == 9);
	memcpy(&v, buf + 8, 8);
	CHECK(v == 9);
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_FETCH_AND_ADD, 64, base + 8, 3,
			  0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_FETCH_ADD && wc.byte_len == 8);
	memcpy(&v, buf + 64, 8);
	CHECK(v == 9);
	memcpy(&v, buf + 8, 8);
	CHECK(v == 12);
out:
	pair_free(&p);
}

/* rnr_retry 0: RNR_RETRY_EXC_ERR, the QP in ERR, then flushes. */
static void rnr(void)
{
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_RC, 0, 1))
		goto out;
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 10, 0, 0, 0) == 0);
	/* b's client looks (and finds no receive): then a's timer runs. */
	CHECK(quiet(p.cqb, 10));
	CHECK(poll_one(p.cqa, &wc) == 1);
	CHECK(wc.status == IBV_WC_RNR_RETRY_EXC_ERR &&
	      wc.wr_id == 0x5e00 + IBV_WR_SEND);
	CHECK(qp_state(p.a) == IBV_QPS_ERR);
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 10, 0, 0, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_WR_FLUSH_ERR);
	CHECK(qp_state(p.b) == IBV_QPS_RTS);
out:
	pair_free(&p);
}

/* A message longer than its receive: LOC_LEN_ERR / REM_INV_REQ_ERR. */
static void too_long(void)
{
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	CHECK(post_recv(p.b, 0x400, 32768, 16) == 0);
	CHECK(post_recv(p.b, 0x401, 32768, 16) == 0);
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 100, 0, 0, 0) == 0);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_LOC_LEN_ERR &&
	      wc.wr_id == 0x400 && wc.opcode == IBV_WC_RECV);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_WR_FLUSH_ERR &&
	      wc.wr_id == 0x401);
	CHECK(poll_one(p.cqa, &wc) == 1 &&
	      wc.status == IBV_WC_REM_INV_REQ_ERR);
	CHECK(qp_state(p.a) == IBV_QPS_ERR && qp_state(p.b) == IBV_QPS_ERR);
out:
	pair_free(&p);
}

/* A bad rkey: REM_ACCESS_ERR at the requester, nothing at the responder. */
static void bad_rkey(void)
{
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	CHECK(post_recv(p.b, 0x500, 32768, 16) == 0);
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE, 0, 100, (uintptr_t)buf,
			mr->rkey + 0x1000, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 &&
	      wc.status == IBV_WC_REM_ACCESS_ERR &&
	      wc.opcode == IBV_WC_RDMA_WRITE);
	CHECK(qp_state(p.a) == IBV_QPS_ERR);
	CHECK(quiet(p.cqb, 50));
	CHECK(qp_state(p.b) == IBV_QPS_RTS);
out:
	pair_free(&p);
}

/*
 * The responder's access flags changed after it connected (a MODIFY in
 * RTS): its requester follows them, on either path, with the same
 * statuses; a zero-length WRITE checks them too (no key).  The
 * responder learns nothing of the refusals.
 */
static void access_changed(void)
{
	struct ibv_qp_attr a = { .qp_access_flags = IBV_ACCESS_REMOTE_READ };
	uint64_t base = (uintptr_t)buf, v;
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	/* Connected and used before the change. */
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE, 0, 8, base + 128, mr->rkey,
			0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	CHECK(ibv_modify_qp(p.b, &a, IBV_QP_ACCESS_FLAGS) == 0);
	fill(0, 8, 6);
	CHECK(post_send(p.a, IBV_WR_RDMA_READ, 64, 8, base, mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RDMA_READ && wc.byte_len == 8);
	CHECK(!memcmp(buf, buf + 64, 8));
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE, 0, 0, base + 128, mr->rkey,
			0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 &&
	      wc.status == IBV_WC_REM_ACCESS_ERR &&
	      wc.opcode == IBV_WC_RDMA_WRITE);
	CHECK(qp_state(p.a) == IBV_QPS_ERR);
	CHECK(quiet(p.cqb, 50));
	CHECK(qp_state(p.b) == IBV_QPS_RTS);
	pair_free(&p);

	/* Everything taken away, then writes and atomics given back. */
	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	CHECK(post_send(p.a, IBV_WR_RDMA_READ, 64, 8, base, mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	a.qp_access_flags = 0;
	CHECK(ibv_modify_qp(p.b, &a, IBV_QP_ACCESS_FLAGS) == 0);
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC;
	CHECK(ibv_modify_qp(p.b, &a, IBV_QP_ACCESS_FLAGS) == 0);
	fill(0, 100, 7);
	memset(buf + 256, 0, 100);
	CHECK(post_send(p.a, IBV_WR_RDMA_WRITE, 0, 100, base + 256, mr->rkey,
			0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RDMA_WRITE && wc.byte_len == 100);
	CHECK(!memcmp(buf, buf + 256, 100));
	v = 40;
	memcpy(buf + 512, &v, 8);
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_FETCH_AND_ADD, 520, base + 512, 2,
			  0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_FETCH_ADD);
	memcpy(&v, buf + 512, 8);
	CHECK(v == 42);
	CHECK(post_send(p.a, IBV_WR_RDMA_READ, 64, 8, base, mr->rkey, 0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 &&
	      wc.status == IBV_WC_REM_ACCESS_ERR &&
	      wc.opcode == IBV_WC_RDMA_READ);
	CHECK(qp_state(p.a) == IBV_QPS_ERR);
	CHECK(quiet(p.cqb, 50));
	pair_free(&p);

	/* Atomics taken away. */
	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_FETCH_AND_ADD, 520, base + 512, 0,
			  0) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	CHECK(ibv_modify_qp(p.b, &a, IBV_QP_ACCESS_FLAGS) == 0);
	CHECK(post_atomic(p.a, IBV_WR_ATOMIC_CMP_AND_SWP, 520, base + 512, 42,
			  1) == 0);
	CHECK(poll_one(p.cqa, &wc) == 1 &&
	      wc.status == IBV_WC_REM_ACCESS_ERR &&
	      wc.opcode == IBV_WC_COMP_SWAP);
	memcpy(&v, buf + 512, 8);
	CHECK(v == 42);
out:
	pair_free(&p);
}

/* MODIFY to ERR flushes what is outstanding, receives and sends. */
static void flush(void)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };
	struct ibv_wc wc;
	struct pair p;
	uint64_t next = 0x600;
	int i, sends = 0;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	CHECK(post_recv(p.a, 0x600, 32768, 16) == 0);
	CHECK(post_recv(p.a, 0x601, 32768, 16) == 0);
	/* No receive at b, rnr_retry 7: the SEND waits. */
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 10, 0, 0, 0) == 0);
	CHECK(quiet(p.cqa, 20));
	CHECK(ibv_modify_qp(p.a, &a, IBV_QP_STATE) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(poll_one(p.cqa, &wc) == 1 &&
		      wc.status == IBV_WC_WR_FLUSH_ERR);
		if (wc.wr_id == 0x5e00 + IBV_WR_SEND)
			sends++;
		else
			CHECK(wc.wr_id == next++ && wc.opcode == IBV_WC_RECV);
	}
	CHECK(sends == 1 && next == 0x602);
	CHECK(quiet(p.cqa, 20));
out:
	pair_free(&p);
}

/* UC: a message without a receive is dropped; the sender never knows. */
static void uc_drop(void)
{
	struct ibv_wc wc;
	struct pair p;

	if (!pair_new(&p, IBV_QPT_UC, 0, 0))
		goto out;
	fill(0, 50, 1);
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 50, 0, 0, 0) == 0);
	CHECK(quiet(p.cqb, 30));
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	CHECK(post_recv(p.b, 0x700, 32768, 100) == 0);
	fill(0, 70, 2);
	CHECK(post_send(p.a, IBV_WR_SEND, 0, 70, 0, 0, 0) == 0);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x700 && wc.byte_len == 70);
	CHECK(poll_one(p.cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
	CHECK(!memcmp(buf, buf + 32768, 70));
	CHECK(qp_state(p.a) == IBV_QPS_RTS && qp_state(p.b) == IBV_QPS_RTS);
out:
	pair_free(&p);
}

/*
 * A peer that writes garbage into b's receive ring (here: this process,
 * through the page it maps): b goes to ERR, its receive is flushed, the
 * process goes on.
 */
static void garbage(void)
{
	struct soft_direct_ctrl *pg;
	struct soft_direct_msg *m;
	struct ibv_wc wc;
	struct pair p;
	uint32_t prod;

	if (!pair_new(&p, IBV_QPT_RC, 7, 1))
		goto out;
	pg = page_of(p.a->qp_num); /* b's page: its peer is a */
	CHECK(pg != NULL);
	if (!pg)
		goto out;
	CHECK(post_recv(p.b, 0x800, 32768, 64) == 0);
	prod = __atomic_load_n(&pg->rx_prod, __ATOMIC_ACQUIRE);
	m = (struct soft_direct_msg *)((uint8_t *)pg + SOFT_DIRECT_PAGE +
				       (prod & (SOFT_DIRECT_RING_BYTES - 1)));
	memset(m, 0x5a, 64);
	m->state = SOFT_DMSG_POSTED;
	m->size = 64;
	m->op = 77;
	__atomic_store_n(&pg->rx_prod, prod + 64, __ATOMIC_RELEASE);
	CHECK(poll_one(p.cqb, &wc) == 1 && wc.status == IBV_WC_WR_FLUSH_ERR &&
	      wc.wr_id == 0x800);
	CHECK(qp_state(p.b) == IBV_QPS_ERR);
	CHECK(quiet(p.cqb, 20));
out:
	pair_free(&p);
}

/* --- UD ------------------------------------------------------------------ */

#define UD_QKEY 0x51eef00du

/* A UD QP on @cq of @pd_ in RTS with Q_Key UD_QKEY: NULL on failure. */
static struct ibv_qp *ud_qp(struct ibv_pd *pd_, struct ibv_cq *cq)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = cq,
		.recv_cq = cq,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2 },
		.qp_type = IBV_QPT_UD,
	};
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1,
				 .qkey = UD_QKEY };
	struct ibv_qp *qp = ibv_create_qp(pd_, &ia);

	if (!qp)
		return NULL;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
					  IBV_QP_PORT | IBV_QP_QKEY))
		goto err;
	a.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE))
		goto err;
	a.qp_state = IBV_QPS_RTS;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN))
		goto err;
	return qp;
err:
	ibv_destroy_qp(qp);
	return NULL;
}

/* One UD send of @len bytes at @off (wr_id @id) through @ah to @qpn. */
static int ud_post(struct ibv_qp *qp, struct ibv_ah *ah, uint32_t qpn,
		   uint32_t qkey, uint64_t id, uint32_t off, uint32_t len,
		   uint32_t lkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)(buf + off), .length = len,
			       .lkey = lkey };
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND_WITH_IMM,
		.send_flags = IBV_SEND_SIGNALED,
		.imm_data = htonl(0x0ddba11),
	}, *bad = NULL;

	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = qpn;
	wr.wr.ud.remote_qkey = qkey;
	return ibv_post_send(qp, &wr, &bad);
}

/* Did the device hand a UD QP of this process the receiver @qpn? */
static bool ud_handed(uint32_t qpn)
{
	const struct soft_direct_ud *u;
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;
	int i;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "memfd:ioverbs-qp") ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		u = (const struct soft_direct_ud *)(hi - SOFT_DIRECT_RING_BYTES -
						    SOFT_DIRECT_PAGE +
						    SOFT_DIRECT_UD_OFF);
		for (i = 0; i < SOFT_DIRECT_UD_DESTS; i++)
			if (__atomic_load_n(&u->dest[i].state,
					    __ATOMIC_ACQUIRE) ==
				    SOFT_UD_DEST_LIVE &&
			    u->dest[i].qpn == qpn)
				found = true;
	}
	fclose(f);
	return found;
}

/*
 * UD on the path the run asks for: the same datagrams, GRH, src_qp and
 * slid, Q_Key drops, no-receive drops, LOC_LEN_ERR (the QP stays in
 * RTS), send completions in posting order when one QP sends to a
 * receiver it reaches directly and to one of a context without the
 * direct path (relayed), and a datagram over the MTU failing.
 */
static void ud(void)
{
	struct ibv_cq *cqa = NULL, *cqb = NULL, *cqc = NULL;
	struct ibv_qp *a = NULL, *b = NULL, *c = NULL;
	struct ibv_ah *ahg = NULL, *ahl = NULL, *ahc = NULL, *ahca = NULL;
	struct ibv_context *ctx2 = NULL;
	struct ibv_pd *pd2 = NULL;
	struct ibv_mr *mr2 = NULL;
	struct ibv_ah_attr aa = { .dlid = lid, .sl = 1, .port_num = 1 };
	union ibv_gid gid;
	struct ibv_wc wc;
	uint16_t lid2;
	uint64_t i, nb, nc;
	uint8_t *src;

	cqa = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	cqb = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	CHECK(cqa && cqb);
	if (!cqa || !cqb)
		goto out;
	a = ud_qp(pd, cqa);
	b = ud_qp(pd, cqb);
	CHECK(a && b);
	CHECK(ibv_query_gid(ctx, 1, 0, &gid) == 0);
	ahl = ibv_create_ah(pd, &aa);
	aa.is_global = 1;
	aa.grh.dgid = gid;
	aa.grh.hop_limit = 5;
	aa.grh.traffic_class = 2;
	aa.grh.flow_label = 0x777;
	ahg = ibv_create_ah(pd, &aa);
	CHECK(ahl && ahg);
	if (!a || !b || !ahl || !ahg)
		goto out;

	/* Global: the GRH in the first 40 bytes, the payload after. */
	memset(buf + 32768, 0xee, 256);
	fill(0, 100, 4);
	CHECK(post_recv(a, 0x900, 32768, 140) == 0);
	CHECK(ud_post(b, ahg, a->qp_num, UD_QKEY, 0x901, 0, 100,
		      mr->lkey) == 0);
	CHECK(poll_one(cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x900 && wc.opcode == IBV_WC_RECV &&
	      wc.byte_len == 140 && wc.src_qp == b->qp_num &&
	      wc.slid == lid && wc.sl == 1 &&
	      wc.wc_flags == (IBV_WC_GRH | IBV_WC_WITH_IMM) &&
	      wc.imm_data == htonl(0x0ddba11));
	CHECK(buf[32768] >> 4 == 6 && buf[32768 + 6] == 0x1b &&
	      buf[32768 + 7] == 5 &&
	      !memcmp(buf + 32768 + 8, gid.raw, 16) &&
	      !memcmp(buf + 32768 + 24, gid.raw, 16));
	CHECK(!memcmp(buf + 32768 + 40, buf, 100) && buf[32768 + 140] == 0xee);
	CHECK(poll_one(cqb, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x901 && wc.opcode == IBV_WC_SEND);
	/* Handed at first contact on the direct path, never on the relay. */
	CHECK(ud_handed(a->qp_num) == want_direct);

	/* By LID: no GRH, the 40 bytes untouched. */
	memset(buf + 32768, 0xee, 256);
	fill(0, 60, 5);
	CHECK(post_recv(a, 0x902, 32768, 140) == 0);
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0x903, 0, 60,
		      mr->lkey) == 0);
	CHECK(poll_one(cqa, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x902 && wc.byte_len == 100 &&
	      wc.wc_flags == IBV_WC_WITH_IMM && wc.sl == 1);
	CHECK(buf[32768] == 0xee && buf[32768 + 39] == 0xee &&
	      !memcmp(buf + 32768 + 40, buf, 60));
	CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0x903);

	/* A wrong Q_Key, no receive: dropped, the sender never learns. */
	CHECK(post_recv(a, 0x904, 32768, 140) == 0);
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY ^ 1, 0x905, 0, 8,
		      mr->lkey) == 0);
	CHECK(poll_one(cqb, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x905);
	CHECK(quiet(cqa, 30));
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0x906, 0, 8,
		      mr->lkey) == 0);
	CHECK(poll_one(cqa, &wc) == 1 && wc.wr_id == 0x904 &&
	      wc.status == IBV_WC_SUCCESS);
	CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0x906);
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0x907, 0, 8,
		      mr->lkey) == 0);
	CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0x907);
	usleep(20000);
	CHECK(post_recv(a, 0x908, 32768, 140) == 0);
	CHECK(quiet(cqa, 30));

	/* Too short for 40 + 64 bytes: LOC_LEN_ERR, a stays in RTS. */
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0x909, 0, 101,
		      mr->lkey) == 0);
	CHECK(poll_one(cqa, &wc) == 1 && wc.wr_id == 0x908 &&
	      wc.status == IBV_WC_LOC_LEN_ERR);
	CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0x909 &&
	      wc.status == IBV_WC_SUCCESS);
	CHECK(qp_state(a) == IBV_QPS_RTS);

	/* A receiver of a context without the direct path: relayed. */
	setenv("IOVERBS_DIRECT", "0", 1);
	ctx2 = ibv_open_device(ctx->device);
	unsetenv("IOVERBS_DIRECT");
	CHECK(ctx2 != NULL);
	if (!ctx2)
		goto out;
	CHECK(client_pd_mr(ctx2, buf + BUF / 2, BUF / 2, &lid2, &pd2, &mr2));
	cqc = ibv_create_cq(ctx2, 32, NULL, NULL, 0);
	CHECK(cqc != NULL);
	if (!cqc || !pd2)
		goto out;
	c = ud_qp(pd2, cqc);
	aa.is_global = 0;
	ahc = ibv_create_ah(pd, &aa);
	CHECK(c && ahc);
	if (!c || !ahc)
		goto out;
	/* a (direct on that path), c (relayed), a: completions in order. */
	for (i = 0; i < 3; i++) {
		CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0xa00 + 3 * i, 0, 8,
			      mr->lkey) == 0);
		CHECK(ud_post(b, ahc, c->qp_num, UD_QKEY, 0xa01 + 3 * i, 0, 8,
			      mr->lkey) == 0);
		CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0xa02 + 3 * i, 0, 8,
			      mr->lkey) == 0);
		usleep(20000);
		CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0xa00 + 3 * i);
		CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0xa01 + 3 * i);
		CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0xa02 + 3 * i);
	}
	CHECK(!ud_handed(c->qp_num));
	/*
	 * a receives from b (direct on that path) and from c (relayed, its
	 * context never goes direct) at once: every datagram, in each
	 * sender's order, with its sender's src_qp.
	 */
	aa.dlid = lid;
	ahca = ibv_create_ah(pd2, &aa);
	CHECK(ahca != NULL);
	if (!ahca)
		goto out;
	for (i = 0; i < 8; i++)
		CHECK(post_recv(a, 0xb00 + i, 32768 + 256 * i, 256) == 0);
	for (i = 0; i < 4; i++) {
		fill(BUF / 2 + 16384 + 64 * i, 64, (uint8_t)(0x40 + i));
		CHECK(ud_post(c, ahca, a->qp_num, UD_QKEY, 0xc00 + i,
			      BUF / 2 + 16384 + 64 * (uint32_t)i, 64,
			      mr2->lkey) == 0);
		fill(64 * i, 64, (uint8_t)(0x80 + i));
		CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0xd00 + i,
			      64 * (uint32_t)i, 64, mr->lkey) == 0);
	}
	for (i = 0; i < 4; i++) {
		CHECK(poll_one(cqc, &wc) == 1 && wc.wr_id == 0xc00 + i &&
		      wc.status == IBV_WC_SUCCESS);
		CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0xd00 + i &&
		      wc.status == IBV_WC_SUCCESS);
	}
	for (i = 0, nb = nc = 0; i < 8; i++) {
		CHECK(poll_one(cqa, &wc) == 1 && wc.wr_id == 0xb00 + i &&
		      wc.status == IBV_WC_SUCCESS && wc.byte_len == 40 + 64);
		src = buf + 32768 + 256 * i + 40;
		if (wc.src_qp == c->qp_num) {
			CHECK(src[0] == (uint8_t)(0x40 + nc));
			nc++;
		} else {
			CHECK(wc.src_qp == b->qp_num &&
			      src[0] == (uint8_t)(0x80 + nb));
			nb++;
		}
	}
	CHECK(nb == 4 && nc == 4);
	CHECK(quiet(cqa, 30));

	/* Over the MTU: the send fails (and the QP with it). */
	CHECK(ud_post(b, ahl, a->qp_num, UD_QKEY, 0x90a, 0, 4097,
		      mr->lkey) == 0);
	CHECK(poll_one(cqb, &wc) == 1 && wc.wr_id == 0x90a &&
	      wc.status == IBV_WC_LOC_LEN_ERR);
	CHECK(quiet(cqa, 30));
out:
	if (c)
		CHECK(ibv_destroy_qp(c) == 0);
	if (ahca)
		CHECK(ibv_destroy_ah(ahca) == 0);
	if (ahc)
		CHECK(ibv_destroy_ah(ahc) == 0);
	if (cqc)
		CHECK(ibv_destroy_cq(cqc) == 0);
	if (mr2)
		CHECK(ibv_dereg_mr(mr2) == 0);
	if (pd2)
		CHECK(ibv_dealloc_pd(pd2) == 0);
	if (ctx2)
		CHECK(ibv_close_device(ctx2) == 0);
	if (ahg)
		CHECK(ibv_destroy_ah(ahg) == 0);
	if (ahl)
		CHECK(ibv_destroy_ah(ahl) == 0);
	if (a)
		CHECK(ibv_destroy_qp(a) == 0);
	if (b)
		CHECK(ibv_destroy_qp(b) == 0);
	if (cqa)
		CHECK(ibv_destroy_cq(cqa) == 0);
	if (cqb)
		CHECK(ibv_destroy_cq(cqb) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "direct") && strcmp(argv[2], "relay"))) {
		fprintf(stderr, "usage: direct IBDEV direct|relay\n");
		return 2;
	}
	want_direct = !strcmp(argv[2], "direct");
	ctx = client_open(argv[1]);
	if (!ctx) {
		printf("cannot open %s\n", argv[1]);
		return 1;
	}
	buf = aligned_alloc(4096, BUF);
	memset(buf, 0, BUF);
	if (!client_pd_mr(ctx, buf, BUF, &lid, &pd, &mr))
		goto out;
	sends();
	one_sided();
	rnr();
	too_long();
	bad_rkey();
	access_changed();
	flush();
	uc_drop();
	ud();
	if (want_direct)
		garbage();
	CHECK(ibv_dereg_mr(mr) == 0);
	CHECK(ibv_dealloc_pd(pd) == 0);
out:
	CHECK(ibv_close_device(ctx) == 0);
	free(buf);
	return client_report();
}
