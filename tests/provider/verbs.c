// SPDX-License-Identifier: MIT
/*
 * The provider's verbs past the PD, through libibverbs alone (no ioverbs
 * header), as a real client calls them: values and errnos as libibverbs
 * documents them.  Run through `ioverbs run` (tests/daemon/test_pingpong.c).
 *
 *	verbs IBDEV	one line per failed check, then "N passed, N failed";
 *			exits 0 when none failed
 *
 * Two RC QPs of one context are connected to each other: SEND (with
 * immediate), RDMA WRITE, RDMA READ and both atomics move data, and each
 * completion carries the opcode, length, flags and immediate it must,
 * through ibv_poll_cq() and through an extended CQ's ibv_start_poll().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/verbs.h>

#include "client.h"

#define BUF 8192

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_mr *mr;
static uint8_t *buf;
static uint16_t lid;

static struct ibv_qp *rc_qp(struct ibv_cq *cq, uint32_t wr)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq,
		.recv_cq = cq,
		.cap = { .max_send_wr = wr, .max_recv_wr = wr,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
		.qp_context = &a,
	};

	return ibv_create_qp(pd, &a);
}

static int to_init(struct ibv_qp *qp)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC,
	};

	return ibv_modify_qp(qp, &a,
			     IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
				     IBV_QP_ACCESS_FLAGS);
}

static int to_rts(struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = IBV_MTU_1024,
		.dest_qp_num = dqpn,
		.rq_psn = 0x123,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer = 12,
		.ah_attr = { .dlid = lid, .port_num = 1 },
	};
	int ret;

	ret = ibv_modify_qp(qp, &a,
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
				    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
				    IBV_QP_MAX_DEST_RD_ATOMIC |
				    IBV_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = 0x123;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a,
			     IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
				     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
				     IBV_QP_MAX_QP_RD_ATOMIC);
}

static int post(struct ibv_qp *qp, enum ibv_wr_opcode op, uint32_t off,
		uint32_t len, uint64_t raddr, uint64_t cmp, uint64_t swap)
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
		.send_flags = IBV_SEND_SIGNALED,
		.imm_data = htonl(0xabcd1234),
	}, *bad = NULL;

	if (op == IBV_WR_ATOMIC_CMP_AND_SWP || op == IBV_WR_ATOMIC_FETCH_AND_ADD) {
		wr.wr.atomic.remote_addr = raddr;
		wr.wr.atomic.rkey = mr->rkey;
		wr.wr.atomic.compare_add = cmp;
		wr.wr.atomic.swap = swap;
	} else {
		wr.wr.rdma.remote_addr = raddr;
		wr.wr.rdma.rkey = mr->rkey;
	}
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

static void data_path(struct ibv_cq *cq, struct ibv_qp *a, struct ibv_qp *b)
{
	struct ibv_wc wc;
	uint64_t *word = (uint64_t *)(buf + 4096);
	uint64_t *old = (uint64_t *)(buf + 4104);
	bool send_first;

	/* SEND with immediate: a's bytes 0..99 into b's 1000.. */
	memset(buf, 0x5a, 100);
	CHECK(post_recv(b, 77, 1000, 200) == 0);
	CHECK(post(a, IBV_WR_SEND_WITH_IMM, 0, 100, 0, 0, 0) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.status == IBV_WC_SUCCESS);
	/* Either first (the direct path may complete the SEND first). */
	send_first = wc.opcode == IBV_WC_SEND;
	if (send_first) {
		CHECK(wc.wr_id == 0x5e00 + IBV_WR_SEND_WITH_IMM);
		CHECK(wc.qp_num == a->qp_num);
		CHECK(poll_one(cq, &wc) == 1);
	}
	CHECK(wc.opcode == IBV_WC_RECV);
	CHECK(wc.wr_id == 77);
	CHECK(wc.byte_len == 100);
	CHECK(wc.qp_num == b->qp_num);
	CHECK(wc.src_qp == a->qp_num);
	CHECK(wc.wc_flags == IBV_WC_WITH_IMM);
	CHECK(wc.imm_data == htonl(0xabcd1234));
	CHECK(buf[1000] == 0x5a && buf[1099] == 0x5a && buf[1100] == 0);
	if (!send_first) {
		CHECK(poll_one(cq, &wc) == 1);
		CHECK(wc.opcode == IBV_WC_SEND);
	}
	CHECK(ibv_poll_cq(cq, 1, &wc) == 0);

	/* RDMA WRITE of 64 bytes at 2000, RDMA READ back at 3000. */
	memset(buf + 100, 0x11, 64);
	CHECK(post(a, IBV_WR_RDMA_WRITE, 100, 64, (uintptr_t)(buf + 2000), 0,
		   0) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.status == IBV_WC_SUCCESS);
	CHECK(wc.opcode == IBV_WC_RDMA_WRITE);
	CHECK(buf[2000] == 0x11 && buf[2063] == 0x11 && buf[2064] == 0);
	CHECK(post(a, IBV_WR_RDMA_READ, 3000, 64, (uintptr_t)(buf + 2000), 0,
		   0) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.status == IBV_WC_SUCCESS);
	CHECK(wc.opcode == IBV_WC_RDMA_READ);
	CHECK(wc.byte_len == 64);
	CHECK(buf[3000] == 0x11 && buf[3063] == 0x11);

	/* Atomics on the word at 4096; the old value lands at 4104. */
	*word = 40;
	CHECK(post(a, IBV_WR_ATOMIC_FETCH_AND_ADD, 4104, 8, (uintptr_t)word,
		   2, 0) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.status == IBV_WC_SUCCESS);
	CHECK(wc.opcode == IBV_WC_FETCH_ADD);
	CHECK(*old == 40 && *word == 42);
	CHECK(post(a, IBV_WR_ATOMIC_CMP_AND_SWP, 4104, 8, (uintptr_t)word,
		   42, 7) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.opcode == IBV_WC_COMP_SWAP);
	CHECK(*old == 42 && *word == 7);

	/* A bad rkey: the requester sees a remote access error. */
	{
		struct ibv_sge sge = { (uintptr_t)buf, 8, mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = 9, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = { (uintptr_t)buf, mr->rkey ^ 0x100 },
		}, *bad = NULL;

		CHECK(ibv_post_send(a, &wr, &bad) == 0);
		CHECK(poll_one(cq, &wc) == 1);
		CHECK(wc.wr_id == 9);
		CHECK(wc.status == IBV_WC_REM_ACCESS_ERR);
	}
}

static void qp_attrs(struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_init_attr init;
	struct ibv_qp_attr a;

	CHECK(ibv_query_qp(qp, &a, IBV_QP_STATE | IBV_QP_CAP | IBV_QP_AV |
				     IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
				     IBV_QP_SQ_PSN | IBV_QP_PATH_MTU |
				     IBV_QP_ACCESS_FLAGS | IBV_QP_PORT |
				     IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
				     IBV_QP_RNR_RETRY | IBV_QP_MIN_RNR_TIMER,
			   &init) == 0);
	CHECK(a.qp_state == IBV_QPS_RTS && qp->state == IBV_QPS_RTS);
	CHECK(a.dest_qp_num == dqpn);
	CHECK(a.rq_psn == 0x123 && a.sq_psn == 0x123);
	CHECK(a.path_mtu == IBV_MTU_1024);
	CHECK(a.ah_attr.dlid == lid);
	CHECK(a.port_num == 1);
	CHECK(a.timeout == 14 && a.retry_cnt == 7 && a.rnr_retry == 7);
	CHECK(a.min_rnr_timer == 12);
	CHECK(a.qp_access_flags == (IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_REMOTE_READ |
				    IBV_ACCESS_REMOTE_ATOMIC));
	CHECK(a.cap.max_send_wr >= 4 && a.cap.max_recv_wr >= 4);
	CHECK(init.qp_type == IBV_QPT_RC);
	CHECK(init.send_cq == qp->send_cq && init.recv_cq == qp->recv_cq);
	CHECK(init.qp_context == qp->qp_context);
}

/*
 * A send queue holds max_send_wr WRs until they complete: one more is
 * ENOMEM; a signaled send's completion frees the unsignaled ones before
 * it too.  (On a new pair: the bad rkey above left the others in error.)
 */
static void send_queue(struct ibv_cq *cq)
{
	struct ibv_sge sge = { (uintptr_t)buf, 8, 0 };
	struct ibv_send_wr wr[33], *bad = NULL;
	struct ibv_qp_init_attr qi;
	struct ibv_qp_attr qa;
	struct ibv_qp *qp, *peer;
	struct ibv_wc wc;
	uint32_t i, cap;

	qp = rc_qp(cq, 4);
	peer = rc_qp(cq, 4);
	CHECK(qp && peer);
	if (!qp || !peer)
		return;
	CHECK(to_init(qp) == 0 && to_init(peer) == 0);
	CHECK(to_rts(qp, peer->qp_num) == 0 && to_rts(peer, qp->qp_num) == 0);
	CHECK(ibv_query_qp(qp, &qa, IBV_QP_CAP, &qi) == 0);
	cap = qa.cap.max_send_wr;
	sge.lkey = mr->lkey;
	CHECK(cap >= 4 && cap < 32);
	if (cap < 4 || cap >= 32)
		return;
	for (i = 0; i <= cap; i++)
		wr[i] = (struct ibv_send_wr){
			.wr_id = 100 + i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = { (uintptr_t)(buf + 7000), mr->rkey },
			.next = i < cap ? &wr[i + 1] : NULL,
		};
	CHECK(ibv_post_send(qp, &wr[0], &bad) == ENOMEM);
	CHECK(bad == &wr[cap]);
	for (i = 0; i < cap; i++) {
		CHECK(poll_one(cq, &wc) == 1);
		CHECK(wc.status == IBV_WC_SUCCESS && wc.wr_id == 100 + i);
	}
	/* cap - 1 unsignaled, then a signaled one: one completion frees all. */
	for (i = 0; i < cap; i++)
		wr[i].send_flags = i + 1 < cap ? 0 : IBV_SEND_SIGNALED;
	wr[cap - 1].next = NULL;
	CHECK(ibv_post_send(qp, &wr[0], &bad) == 0);
	CHECK(poll_one(cq, &wc) == 1);
	CHECK(wc.wr_id == 100 + cap - 1);
	CHECK(ibv_poll_cq(cq, 1, &wc) == 0);
	for (i = 0; i < cap; i++)
		wr[i].send_flags = IBV_SEND_SIGNALED;
	CHECK(ibv_post_send(qp, &wr[0], &bad) == 0);
	for (i = 0; i < cap; i++)
		CHECK(poll_one(cq, &wc) == 1 && wc.wr_id == 100 + i);
	CHECK(ibv_destroy_qp(qp) == 0 && ibv_destroy_qp(peer) == 0);
}

static void errnos(struct ibv_cq *cq, struct ibv_qp *rts)
{
	struct ibv_device_attr da;
	struct ibv_recv_wr wr[65], *bad = NULL;
	struct ibv_sge sge = { (uintptr_t)buf, 16, 0 };
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_RTR };
	struct ibv_qp *qp;
	struct ibv_mr *m;
	int i;

	CHECK(ibv_query_device(ctx, &da) == 0);
	sge.lkey = mr->lkey;
	errno = 0;
	CHECK(ibv_create_cq(ctx, da.max_cqe + 1, NULL, NULL, 0) == NULL &&
	      errno == EINVAL);
	errno = 0;
	CHECK(ibv_create_cq(ctx, 0, NULL, NULL, 0) == NULL && errno == EINVAL);
	errno = 0;
	m = ibv_reg_mr(pd, buf, 0, IBV_ACCESS_LOCAL_WRITE);
	CHECK(m == NULL && errno == EINVAL);
	/* A PD with an MR, a CQ with a QP: busy. */
	CHECK(ibv_dealloc_pd(pd) == EBUSY);
	CHECK(ibv_destroy_cq(cq) == EBUSY);
	/* RESET -> RTR skips INIT. */
	qp = rc_qp(cq, 4);
	CHECK(qp != NULL);
	if (qp) {
		CHECK(ibv_modify_qp(qp, &a, IBV_QP_STATE) == EINVAL);
		CHECK(qp->state == IBV_QPS_RESET);
		CHECK(ibv_destroy_qp(qp) == 0);
	}
	{
		struct ibv_qp_init_attr ia = {
			.send_cq = cq, .recv_cq = cq,
			.cap = { .max_send_wr = (uint32_t)da.max_qp_wr + 1,
				 .max_recv_wr = 1, .max_send_sge = 1,
				 .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC,
		};

		errno = 0;
		CHECK(ibv_create_qp(pd, &ia) == NULL && errno == EINVAL);
	}
	/* More receives than the queue holds: ENOMEM at the first extra. */
	{
		struct ibv_qp_attr qa;
		struct ibv_qp_init_attr qi;
		uint32_t cap;

		CHECK(ibv_query_qp(rts, &qa, IBV_QP_CAP, &qi) == 0);
		cap = qa.cap.max_recv_wr;
		CHECK(cap >= 4 && cap < 32);
		for (i = 0; i < 65; i++)
			wr[i] = (struct ibv_recv_wr){
				.wr_id = (uint64_t)i, .sg_list = &sge,
				.num_sge = 1, .next = i < 64 ? &wr[i + 1] : NULL,
			};
		CHECK(ibv_post_recv(rts, &wr[0], &bad) == ENOMEM);
		CHECK(bad == &wr[cap]);
	}
}

static void channel(void)
{
	struct ibv_comp_channel *ch = ibv_create_comp_channel(ctx);
	struct ibv_cq *cq, *ev_cq = NULL;
	struct ibv_qp *a, *b;
	struct ibv_wc wc;
	void *ev_ctx = NULL;
	int tag;

	CHECK(ch != NULL);
	if (!ch)
		return;
	cq = ibv_create_cq(ctx, 16, &tag, ch, 0);
	CHECK(cq != NULL);
	if (!cq)
		return;
	/* A channel with a CQ on it: libibverbs' own EBUSY. */
	CHECK(ibv_destroy_comp_channel(ch) == EBUSY);
	a = rc_qp(cq, 4);
	b = rc_qp(cq, 4);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(to_init(a) == 0 && to_init(b) == 0);
	CHECK(to_rts(a, b->qp_num) == 0 && to_rts(b, a->qp_num) == 0);
	CHECK(ibv_req_notify_cq(cq, 0) == 0);
	CHECK(post(a, IBV_WR_RDMA_WRITE, 0, 8, (uintptr_t)(buf + 5000), 0, 0) ==
	      0);
	CHECK(ibv_get_cq_event(ch, &ev_cq, &ev_ctx) == 0);
	CHECK(ev_cq == cq && ev_ctx == &tag);
	CHECK(poll_one(cq, &wc) == 1 && wc.opcode == IBV_WC_RDMA_WRITE);
	ibv_ack_cq_events(cq, 1);
	CHECK(ibv_destroy_qp(a) == 0 && ibv_destroy_qp(b) == 0);
	CHECK(ibv_destroy_cq(cq) == 0);
	CHECK(ibv_destroy_comp_channel(ch) == 0);
}

/* An extended CQ: ibv_start_poll(), ibv_next_poll(), ibv_wc_read_*(). */
static void cq_ex(void)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 16,
		.wc_flags = IBV_WC_STANDARD_FLAGS,
	};
	struct ibv_poll_cq_attr pa = {};
	struct ibv_cq_ex *cq;
	struct ibv_qp *a, *b;
	int seen = 0, ret, i;

	ca.wc_flags = IBV_WC_EX_WITH_COMPLETION_TIMESTAMP;
	errno = 0;
	CHECK(ibv_create_cq_ex(ctx, &ca) == NULL && errno == EOPNOTSUPP);
	ca.wc_flags = IBV_WC_STANDARD_FLAGS;
	cq = ibv_create_cq_ex(ctx, &ca);
	CHECK(cq != NULL);
	if (!cq)
		return;
	CHECK(ibv_start_poll(cq, &pa) == ENOENT);
	a = rc_qp(ibv_cq_ex_to_cq(cq), 4);
	b = rc_qp(ibv_cq_ex_to_cq(cq), 4);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(to_init(a) == 0 && to_init(b) == 0);
	CHECK(to_rts(a, b->qp_num) == 0 && to_rts(b, a->qp_num) == 0);
	CHECK(post_recv(b, 88, 6000, 100) == 0);
	CHECK(post(a, IBV_WR_SEND_WITH_IMM, 0, 40, 0, 0, 0) == 0);
	for (i = 0; i < 5000000 && seen < 2; i++) {
		ret = ibv_start_poll(cq, &pa);
		if (ret == ENOENT)
			continue;
		CHECK(ret == 0);
		do {
			CHECK(cq->status == IBV_WC_SUCCESS);
			if (ibv_wc_read_opcode(cq) == IBV_WC_RECV) {
				CHECK(cq->wr_id == 88);
				CHECK(ibv_wc_read_byte_len(cq) == 40);
				CHECK(ibv_wc_read_imm_data(cq) ==
				      htonl(0xabcd1234));
				CHECK(ibv_wc_read_wc_flags(cq) ==
				      IBV_WC_WITH_IMM);
				CHECK(ibv_wc_read_qp_num(cq) == b->qp_num);
				CHECK(ibv_wc_read_src_qp(cq) == a->qp_num);
			} else {
				CHECK(ibv_wc_read_opcode(cq) == IBV_WC_SEND);
				CHECK(cq->wr_id == 0x5e00 + IBV_WR_SEND_WITH_IMM);
			}
			seen++;
		} while (!(ret = ibv_next_poll(cq)));
		CHECK(ret == ENOENT);
		ibv_end_poll(cq);
	}
	CHECK(seen == 2);
	CHECK(ibv_destroy_qp(a) == 0 && ibv_destroy_qp(b) == 0);
	CHECK(ibv_destroy_cq(ibv_cq_ex_to_cq(cq)) == 0);
}

/*
 * Threads at once on one context, each its own CQ and QP pair, QPs
 * created while the others poll: the provider's tables and the shared
 * doorbell under concurrency (and TSan, when built with it).
 */
#define THREADS 3
#define THREAD_WRITES 500

static void *thread_main(void *arg)
{
	uint32_t off = 7200 + 64 * (uint32_t)(uintptr_t)arg;
	struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	struct ibv_qp *a, *b;
	struct ibv_wc wc;
	unsigned int bad = 0;
	int i;

	if (!cq)
		return (void *)1;
	a = rc_qp(cq, 2);
	b = rc_qp(cq, 2);
	if (!a || !b || to_init(a) || to_init(b) || to_rts(a, b->qp_num) ||
	    to_rts(b, a->qp_num))
		return (void *)1;
	for (i = 0; i < THREAD_WRITES; i++) {
		if (post(a, IBV_WR_RDMA_WRITE, off, 8, (uintptr_t)(buf + off + 32),
			 0, 0) ||
		    poll_one(cq, &wc) != 1 || wc.status != IBV_WC_SUCCESS ||
		    wc.qp_num != a->qp_num)
			bad++;
	}
	if (ibv_destroy_qp(a) || ibv_destroy_qp(b) || ibv_destroy_cq(cq))
		bad++;
	return (void *)(uintptr_t)bad;
}

static void threads(void)
{
	pthread_t t[THREADS];
	void *ret;
	int i;

	for (i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, thread_main,
				     (void *)(uintptr_t)i) == 0);
	for (i = 0; i < THREADS; i++) {
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK(ret == NULL);
	}
}

int main(int argc, char **argv)
{
	struct ibv_qp *a, *b;
	struct ibv_cq *cq;

	if (argc != 2) {
		fprintf(stderr, "usage: verbs IBDEV\n");
		return 2;
	}
	ctx = client_open(argv[1]);
	if (!ctx) {
		printf("cannot open %s\n", argv[1]);
		return 1;
	}
	buf = calloc(1, BUF);
	if (!client_pd_mr(ctx, buf, BUF, &lid, &pd, &mr))
		goto out;
	CHECK(mr->addr == buf && mr->length == BUF && mr->pd == pd);
	CHECK(mr->lkey != 0 || mr->rkey != 0);
	cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	CHECK(cq != NULL && cq->cqe >= 64);
	a = rc_qp(cq, 4);
	b = rc_qp(cq, 4);
	CHECK(a && b);
	if (!cq || !a || !b)
		goto out;
	CHECK(a->state == IBV_QPS_RESET && a->qp_type == IBV_QPT_RC);
	CHECK(to_init(a) == 0 && to_init(b) == 0);
	CHECK(to_rts(a, b->qp_num) == 0 && to_rts(b, a->qp_num) == 0);
	qp_attrs(a, b->qp_num);
	data_path(cq, a, b);
	errnos(cq, b);
	send_queue(cq);
	threads();
	channel();
	cq_ex();
	CHECK(ibv_destroy_qp(a) == 0);
	CHECK(ibv_destroy_qp(b) == 0);
	CHECK(ibv_destroy_cq(cq) == 0);
	CHECK(ibv_dereg_mr(mr) == 0);
	CHECK(ibv_dealloc_pd(pd) == 0);
out:
	CHECK(ibv_close_device(ctx) == 0);
	free(buf);
	return client_report();
}
