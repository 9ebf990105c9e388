// SPDX-License-Identifier: MIT
/*
 * SRQs through libibverbs alone, on the path the device chose: an SRQ's
 * receives go, in the order posted, to whichever of its QPs a message
 * comes to, relayed or direct (<rdma/soft_ring.h>: the SRQ's ring).
 * Run through `ioverbs run` (tests/daemon/test_pingpong.c).
 *
 *	srq IBDEV PATH	PATH: "direct" or "relay", the path the QPs whose
 *			peer may take it must have taken
 *
 * Three contexts: R receives (an SRQ, two RC QPs on it, one CQ); D's QPs
 * are R's peers that may go direct (they do when PATH is "direct"); P is
 * opened with IOVERBS_DIRECT=0, so that its QPs and their peers on R are
 * always relayed.  Cases: receives shared by a direct and a relayed QP,
 * in order; SRQ_LIMIT_REACHED once, whichever side took the receive that
 * crossed it; an empty SRQ (RNR, then the message lands when a receive
 * is posted; RNR_RETRY_EXC_ERR with rnr_retry 0); a QP's ERR, which
 * flushes none of the SRQ's receives; the SRQ verbs (max_wr, query,
 * modify, destroy refused while QPs use it, no ibv_post_recv on its QPs);
 * both senders at once from their own threads, R reposting as it
 * polls: every receive taken once, each QP's in the order posted; and,
 * direct, the SRQ's ring scribbled on: both QPs fail, SRQ_ERR.
 * One line per failed check, then "N passed, N failed".
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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

/* A context of the test: its PD, MR over @buf, port 1's LID. */
struct side {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	uint8_t *buf;
	uint16_t lid;
};

static struct side r, d, p;
static bool want_direct;

/*
 * One case's objects: R's SRQ and CQ, R's QPs ra (peer da of D) and rb
 * (peer pb of P), the senders' CQs.
 */
struct set {
	struct ibv_srq *srq;
	struct ibv_cq *rcq, *dcq, *pcq;
	struct ibv_qp *ra, *rb, *da, *pb;
};

static bool side_open(struct side *s, const char *dev, bool direct)
{
	if (direct)
		unsetenv("IOVERBS_DIRECT");
	else
		setenv("IOVERBS_DIRECT", "0", 1);
	s->ctx = client_open(dev);
	CHECK(s->ctx != NULL);
	if (!s->ctx)
		return false;
	s->buf = aligned_alloc(4096, BUF);
	CHECK(s->buf != NULL);
	if (!s->buf)
		return false;
	memset(s->buf, 0, BUF);
	return client_pd_mr(s->ctx, s->buf, BUF, &s->lid, &s->pd, &s->mr);
}

static void side_close(struct side *s)
{
	if (s->mr)
		CHECK(ibv_dereg_mr(s->mr) == 0);
	if (s->pd)
		CHECK(ibv_dealloc_pd(s->pd) == 0);
	if (s->ctx)
		CHECK(ibv_close_device(s->ctx) == 0);
	free(s->buf);
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

static struct ibv_qp *qp_new(struct side *s, struct ibv_cq *cq,
			     struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq,
		.recv_cq = cq,
		.srq = srq,
		.cap = { .max_send_wr = 8, .max_recv_wr = srq ? 0 : 8,
			 .max_send_sge = 1, .max_recv_sge = srq ? 0 : 1 },
		.qp_type = IBV_QPT_RC,
	};

	return ibv_create_qp(s->pd, &a);
}

/* RC @qp to RTS towards @dqpn at @lid with @rnr_retry (min RNR 10 us). */
static int connect_to(struct ibv_qp *qp, uint32_t dqpn, uint16_t lid,
		      uint8_t rnr_retry)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1 };

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
					  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dqpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;
	a.ah_attr.dlid = lid;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
					  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
					  IBV_QP_MAX_DEST_RD_ATOMIC |
					  IBV_QP_MIN_RNR_TIMER))
		return -1;
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = rnr_retry;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
					     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
					     IBV_QP_SQ_PSN |
					     IBV_QP_MAX_QP_RD_ATOMIC);
}

/* The set, every QP connected (@rnr_retry for the senders). */
static bool set_new(struct set *s, uint32_t max_wr, uint8_t rnr_retry)
{
	struct ibv_srq_init_attr sa = {
		.attr = { .max_wr = max_wr, .max_sge = 1 },
	};

	memset(s, 0, sizeof(*s));
	s->srq = ibv_create_srq(r.pd, &sa);
	s->rcq = ibv_create_cq(r.ctx, 64, NULL, NULL, 0);
	s->dcq = ibv_create_cq(d.ctx, 64, NULL, NULL, 0);
	s->pcq = ibv_create_cq(p.ctx, 64, NULL, NULL, 0);
	CHECK(s->srq && s->rcq && s->dcq && s->pcq);
	if (!s->srq || !s->rcq || !s->dcq || !s->pcq)
		return false;
	s->ra = qp_new(&r, s->rcq, s->srq);
	s->rb = qp_new(&r, s->rcq, s->srq);
	s->da = qp_new(&d, s->dcq, NULL);
	s->pb = qp_new(&p, s->pcq, NULL);
	CHECK(s->ra && s->rb && s->da && s->pb);
	if (!s->ra || !s->rb || !s->da || !s->pb)
		return false;
	CHECK(connect_to(s->ra, s->da->qp_num, d.lid, 7) == 0);
	CHECK(connect_to(s->da, s->ra->qp_num, r.lid, rnr_retry) == 0);
	CHECK(connect_to(s->rb, s->pb->qp_num, p.lid, 7) == 0);
	CHECK(connect_to(s->pb, s->rb->qp_num, r.lid, rnr_retry) == 0);
	/* ra's page names da: it took the path; rb and pb never do. */
	if (want_direct)
		CHECK(page_of(s->da->qp_num) != NULL);
	else
		CHECK(page_of(s->da->qp_num) == NULL);
	CHECK(page_of(s->pb->qp_num) == NULL);
	CHECK(page_of(s->rb->qp_num) == NULL);
	return true;
}

static void set_free(struct set *s)
{
	struct ibv_qp **q[] = { &s->ra, &s->rb, &s->da, &s->pb };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (*q[i])
			CHECK(ibv_destroy_qp(*q[i]) == 0);
	if (s->srq)
		CHECK(ibv_destroy_srq(s->srq) == 0);
	if (s->rcq)
		CHECK(ibv_destroy_cq(s->rcq) == 0);
	if (s->dcq)
		CHECK(ibv_destroy_cq(s->dcq) == 0);
	if (s->pcq)
		CHECK(ibv_destroy_cq(s->pcq) == 0);
}

/* A receive of 64 bytes at @off of R's buffer, on the SRQ. */
static int srq_post(struct ibv_srq *srq, uint64_t id, uint32_t off)
{
	struct ibv_sge sge = { .addr = (uintptr_t)r.buf + off, .length = 64,
			       .lkey = r.mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = id, .sg_list = &sge,
				  .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return ibv_post_srq_recv(srq, &wr, &bad);
}

/* A signaled 16-byte SEND of @tag from @qp of @s. */
static int send_tag(struct side *s, struct ibv_qp *qp, const char *tag)
{
	struct ibv_sge sge = { .addr = (uintptr_t)s->buf, .length = 16,
			       .lkey = s->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = 0x5e, .sg_list = &sge,
				  .num_sge = 1, .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED };
	struct ibv_send_wr *bad;

	memset(s->buf, 0, 16);
	memcpy(s->buf, tag, strlen(tag));
	return ibv_post_send(qp, &wr, &bad);
}

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

/*
 * A SEND of @tag from @from (on @qp, completing on @scq) to R: R's
 * receive @id (at @off) completes on @qpn with the bytes, the sender's
 * WR with SUCCESS.  R is polled first: a direct message waits for it.
 */
static void exchange(struct set *s, struct side *from, struct ibv_qp *qp,
		     struct ibv_cq *scq, const char *tag, uint64_t id,
		     uint32_t off, uint32_t qpn)
{
	struct ibv_wc wc;

	CHECK(send_tag(from, qp, tag) == 0);
	CHECK(poll_one(s->rcq, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.opcode == IBV_WC_RECV && wc.wr_id == id &&
	      wc.qp_num == qpn && wc.byte_len == 16);
	CHECK(!memcmp(r.buf + off, tag, strlen(tag)));
	CHECK(poll_one(scq, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 0x5e);
}

/* The next async event of R within @ms: its type, or -1. */
static int async_next(int ms, struct ibv_async_event *ev)
{
	struct pollfd pfd = { .fd = r.ctx->async_fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	if (ibv_get_async_event(r.ctx, ev))
		return -1;
	return (int)ev->event_type;
}

/* Direct and relayed QPs take the SRQ's receives in turn, in order. */
static void mixed(void)
{
	static const char order[] = "dpdpddpp";
	struct set s;
	char tag[16];
	unsigned int i;

	if (!set_new(&s, 16, 7))
		goto out;
	for (i = 0; i < 8; i++)
		CHECK(srq_post(s.srq, 100 + i, 64 * i) == 0);
	for (i = 0; i < 8; i++) {
		snprintf(tag, sizeof(tag), "%c message %u", order[i], i);
		if (order[i] == 'd')
			exchange(&s, &d, s.da, s.dcq, tag, 100 + i, 64 * i,
				 s.ra->qp_num);
		else
			exchange(&s, &p, s.pb, s.pcq, tag, 100 + i, 64 * i,
				 s.rb->qp_num);
	}
	CHECK(quiet(s.rcq, 20));
out:
	set_free(&s);
}

/*
 * SRQ_LIMIT_REACHED once, when a take leaves fewer than the limit,
 * whichever side took: here the direct QP's (or, relayed, the device's).
 */
static void limit(void)
{
	struct ibv_srq_attr a = { .srq_limit = 3 };
	struct ibv_async_event ev;
	struct set s;
	unsigned int i;

	if (!set_new(&s, 16, 7))
		goto out;
	for (i = 0; i < 5; i++)
		CHECK(srq_post(s.srq, 200 + i, 64 * i) == 0);
	CHECK(ibv_modify_srq(s.srq, &a, IBV_SRQ_LIMIT) == 0);
	exchange(&s, &p, s.pb, s.pcq, "relayed 5 to 4", 200, 0,
		 s.rb->qp_num);
	exchange(&s, &d, s.da, s.dcq, "direct 4 to 3", 201, 64,
		 s.ra->qp_num);
	CHECK(async_next(50, &ev) == -1);
	exchange(&s, &d, s.da, s.dcq, "direct 3 to 2", 202, 128,
		 s.ra->qp_num);
	CHECK(async_next(5000, &ev) == IBV_EVENT_SRQ_LIMIT_REACHED &&
	      ev.element.srq == s.srq);
	if (ev.event_type == IBV_EVENT_SRQ_LIMIT_REACHED)
		ibv_ack_async_event(&ev);
	/* Once per arming. */
	exchange(&s, &p, s.pb, s.pcq, "relayed 2 to 1", 203, 192,
		 s.rb->qp_num);
	exchange(&s, &d, s.da, s.dcq, "direct 1 to 0", 204, 256,
		 s.ra->qp_num);
	CHECK(async_next(100, &ev) == -1);
	/* Armed again, a relayed take crosses it. */
	a.srq_limit = 2;
	for (i = 0; i < 2; i++)
		CHECK(srq_post(s.srq, 210 + i, 64 * i) == 0);
	CHECK(ibv_modify_srq(s.srq, &a, IBV_SRQ_LIMIT) == 0);
	exchange(&s, &p, s.pb, s.pcq, "relayed 2 to 1", 210, 0,
		 s.rb->qp_num);
	CHECK(async_next(5000, &ev) == IBV_EVENT_SRQ_LIMIT_REACHED &&
	      ev.element.srq == s.srq);
	if (ev.event_type == IBV_EVENT_SRQ_LIMIT_REACHED)
		ibv_ack_async_event(&ev);
	exchange(&s, &d, s.da, s.dcq, "direct 1 to 0", 211, 64,
		 s.ra->qp_num);
	CHECK(async_next(100, &ev) == -1);
out:
	set_free(&s);
}

/*
 * An empty SRQ: a message waits (RNR) on either path and lands once a
 * receive is posted; with rnr_retry 0 the sender's WR fails.
 */
static void rnr(void)
{
	struct ibv_wc wc;
	struct set s;

	if (!set_new(&s, 16, 7))
		goto out;
	CHECK(send_tag(&d, s.da, "waited, direct") == 0);
	CHECK(quiet(s.rcq, 100));
	CHECK(quiet(s.dcq, 10));
	CHECK(srq_post(s.srq, 300, 1024) == 0);
	CHECK(poll_one(s.rcq, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 300 && wc.qp_num == s.ra->qp_num);
	CHECK(!memcmp(r.buf + 1024, "waited, direct", 14));
	CHECK(poll_one(s.dcq, &wc) == 1 && wc.status == IBV_WC_SUCCESS);

	CHECK(send_tag(&p, s.pb, "waited, relayed") == 0);
	CHECK(quiet(s.rcq, 100));
	CHECK(quiet(s.pcq, 10));
	CHECK(srq_post(s.srq, 301, 2048) == 0);
	CHECK(poll_one(s.rcq, &wc) == 1 && wc.status == IBV_WC_SUCCESS &&
	      wc.wr_id == 301 && wc.qp_num == s.rb->qp_num);
	CHECK(!memcmp(r.buf + 2048, "waited, relayed", 15));
	CHECK(poll_one(s.pcq, &wc) == 1 && wc.status == IBV_WC_SUCCESS);
out:
	set_free(&s);

	if (!set_new(&s, 16, 0))
		goto out0;
	CHECK(send_tag(&d, s.da, "nobody") == 0);
	CHECK(quiet(s.rcq, 50));
	CHECK(poll_one(s.dcq, &wc) == 1 &&
	      wc.status == IBV_WC_RNR_RETRY_EXC_ERR);
	CHECK(send_tag(&p, s.pb, "nobody") == 0);
	CHECK(quiet(s.rcq, 50));
	CHECK(poll_one(s.pcq, &wc) == 1 &&
	      wc.status == IBV_WC_RNR_RETRY_EXC_ERR);
out0:
	set_free(&s);
}

/*
 * A QP of the SRQ in ERR reports its last WQE and flushes none of the
 * SRQ's receives: a message to it is not answered (its sender's
 * RETRY_EXC_ERR) and the other QP gets the receives, in order.
 */
static void err_keeps_receives(void)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };
	struct ibv_async_event ev;
	struct ibv_wc wc;
	struct set s;

	if (!set_new(&s, 16, 7))
		goto out;
	CHECK(srq_post(s.srq, 400, 0) == 0);
	CHECK(srq_post(s.srq, 401, 64) == 0);
	CHECK(ibv_modify_qp(s.ra, &a, IBV_QP_STATE) == 0);
	CHECK(async_next(5000, &ev) == IBV_EVENT_QP_LAST_WQE_REACHED &&
	      ev.element.qp == s.ra);
	if (ev.event_type == IBV_EVENT_QP_LAST_WQE_REACHED)
		ibv_ack_async_event(&ev);
	CHECK(quiet(s.rcq, 20));
	/* A message to ra is not answered, and takes no receive. */
	CHECK(send_tag(&d, s.da, "to a QP in err") == 0);
	CHECK(poll_one(s.dcq, &wc) == 1 && wc.status == IBV_WC_RETRY_EXC_ERR);
	exchange(&s, &p, s.pb, s.pcq, "after ra's err", 400, 0, s.rb->qp_num);
	exchange(&s, &p, s.pb, s.pcq, "and another", 401, 64, s.rb->qp_num);
out:
	set_free(&s);
}

/* max_wr (ENOMEM past it), query, modify, destroy, no ibv_post_recv. */
static void verbs(void)
{
	struct ibv_sge sge = { .addr = (uintptr_t)r.buf, .length = 64,
			       .lkey = r.mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 1, .sg_list = &sge, .num_sge = 1 };
	struct ibv_srq_attr a;
	struct ibv_recv_wr *bad;
	struct set s;
	unsigned int i;

	if (!set_new(&s, 16, 7))
		goto out;
	CHECK(ibv_query_srq(s.srq, &a) == 0 && a.max_wr == 16 &&
	      a.srq_limit == 0);
	for (i = 0; i < 16; i++)
		CHECK(srq_post(s.srq, 500 + i, 64 * i) == 0);
	CHECK(srq_post(s.srq, 516, 0) == ENOMEM);
	a.max_wr = 32;
	CHECK(ibv_modify_srq(s.srq, &a, IBV_SRQ_MAX_WR) == 0);
	CHECK(ibv_query_srq(s.srq, &a) == 0 && a.max_wr == 32);
	for (i = 16; i < 32; i++)
		CHECK(srq_post(s.srq, 500 + i, 64 * i) == 0);
	CHECK(srq_post(s.srq, 532, 0) == ENOMEM);
	/* A QP on an SRQ has no receive queue of its own. */
	CHECK(ibv_post_recv(s.ra, &wr, &bad) == EINVAL && bad == &wr);
	CHECK(ibv_post_recv(s.rb, &wr, &bad) == EINVAL && bad == &wr);
	/* Its QPs hold it. */
	CHECK(ibv_destroy_srq(s.srq) == EBUSY);
	exchange(&s, &d, s.da, s.dcq, "still there", 500, 0, s.ra->qp_num);
	exchange(&s, &p, s.pb, s.pcq, "still there", 501, 64, s.rb->qp_num);
out:
	set_free(&s);
}

/*
 * The head of an SRQ's ring, as struct soft_ring_srq_ctrl lays it out
 * (<rdma/soft_ring.h> includes uapi headers libibverbs has its own of).
 */
struct srq_head {
	uint32_t prod, rsvd0[15];
	uint32_t cons, rsvd1[15];
	uint32_t entries, limit;
};

/* The SRQ ring's head in this process's maps (the one SRQ there is). */
static struct srq_head *srq_ring(void)
{
	struct srq_head *c = NULL;
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "memfd:ioverbs-srq") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			c = (struct srq_head *)lo;
	fclose(f);
	return c;
}

/*
 * The SRQ's ring scribbled on (more posted than it has slots): the
 * direct QP's message fails at its sender (REM_OP_ERR) and the QP goes
 * to ERR; so does the relayed one's, and the device raises SRQ_ERR.
 */
static void garbage(void)
{
	struct srq_head *c;
	struct ibv_async_event ev;
	unsigned int i, srq_err = 0, last = 0;
	struct ibv_wc wc;
	struct set s;

	if (!set_new(&s, 16, 7))
		goto out;
	CHECK(srq_post(s.srq, 600, 0) == 0);
	c = srq_ring();
	CHECK(c != NULL);
	if (!c)
		goto out;
	__atomic_store_n(&c->prod, c->cons + c->entries + 5, __ATOMIC_RELEASE);
	CHECK(send_tag(&d, s.da, "into garbage") == 0);
	CHECK(quiet(s.rcq, 50));
	CHECK(poll_one(s.dcq, &wc) == 1 && wc.status == IBV_WC_REM_OP_ERR);
	CHECK(send_tag(&p, s.pb, "into garbage") == 0);
	CHECK(poll_one(s.pcq, &wc) == 1 && wc.status == IBV_WC_REM_OP_ERR);
	for (i = 0; i < 3; i++) {
		int type = async_next(5000, &ev);

		if (type == IBV_EVENT_SRQ_ERR && ev.element.srq == s.srq)
			srq_err++;
		else if (type == IBV_EVENT_QP_LAST_WQE_REACHED &&
			 (ev.element.qp == s.ra || ev.element.qp == s.rb))
			last++;
		if (type >= 0)
			ibv_ack_async_event(&ev);
	}
	CHECK(srq_err == 1 && last == 2);
	CHECK(async_next(50, &ev) == -1);
out:
	set_free(&s);
}

/* A sender thread: @n SENDs on @qp, each waited for on @cq. */
struct sender {
	pthread_t t;
	struct side *s;
	struct ibv_qp *qp;
	struct ibv_cq *cq;
	unsigned int n, ok;
};

static void *send_loop(void *arg)
{
	struct sender *x = arg;
	struct ibv_sge sge = { .addr = (uintptr_t)x->s->buf, .length = 8,
			       .lkey = x->s->mr->lkey };
	struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED };
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	unsigned int i;

	for (i = 0; i < x->n; i++) {
		wr.wr_id = i;
		if (ibv_post_send(x->qp, &wr, &bad) ||
		    poll_one(x->cq, &wc) != 1 || wc.status != IBV_WC_SUCCESS ||
		    wc.wr_id != i)
			break;
		x->ok++;
	}
	return NULL;
}

/*
 * Both senders at once, from their own threads, while R polls and posts
 * a receive for each one used: every receive is taken once, each QP's
 * in the order posted, none lost.
 */
static void threads(void)
{
	enum { N = 1000, DEPTH = 32 };
	struct sender sd, sp;
	uint8_t *seen = calloc(2 * N + DEPTH, 1);
	uint64_t last[2] = { 0, 0 };
	unsigned int got = 0, i, bad = 0;
	struct ibv_wc wc;
	struct set s;
	int which;

	CHECK(seen != NULL);
	if (!seen || !set_new(&s, 64, 7))
		goto out;
	for (i = 0; i < DEPTH; i++)
		CHECK(srq_post(s.srq, i + 1, 0) == 0);
	sd = (struct sender){ .s = &d, .qp = s.da, .cq = s.dcq, .n = N };
	sp = (struct sender){ .s = &p, .qp = s.pb, .cq = s.pcq, .n = N };
	CHECK(pthread_create(&sd.t, NULL, send_loop, &sd) == 0);
	CHECK(pthread_create(&sp.t, NULL, send_loop, &sp) == 0);
	while (got < 2 * N && poll_one(s.rcq, &wc) == 1) {
		which = wc.qp_num == s.ra->qp_num;
		if (wc.status != IBV_WC_SUCCESS || !wc.wr_id ||
		    wc.wr_id > 2 * N + DEPTH || seen[wc.wr_id - 1] ||
		    wc.wr_id <= last[which])
			bad++;
		else
			seen[wc.wr_id - 1] = 1;
		last[which] = wc.wr_id;
		got++;
		if (srq_post(s.srq, DEPTH + got, 0))
			bad++;
	}
	pthread_join(sd.t, NULL);
	pthread_join(sp.t, NULL);
	CHECK(got == 2 * N);
	CHECK(bad == 0);
	CHECK(sd.ok == N && sp.ok == N);
	/* Taken in posting order: exactly the first 2 N receives. */
	for (i = 0; i < 2 * N; i++)
		if (!seen[i])
			bad++;
	CHECK(bad == 0);
	CHECK(quiet(s.rcq, 20));
out:
	set_free(&s);
	free(seen);
}

int main(int argc, char **argv)
{
	if (argc != 3 ||
	    (strcmp(argv[2], "direct") && strcmp(argv[2], "relay"))) {
		fprintf(stderr, "usage: srq IBDEV direct|relay\n");
		return 2;
	}
	want_direct = !strcmp(argv[2], "direct");
	if (!side_open(&r, argv[1], want_direct) ||
	    !side_open(&d, argv[1], want_direct) ||
	    !side_open(&p, argv[1], false))
		goto out;
	mixed();
	limit();
	rnr();
	err_keeps_receives();
	verbs();
	threads();
	if (want_direct)
		garbage();
out:
	side_close(&p);
	side_close(&d);
	side_close(&r);
	return client_report();
}
