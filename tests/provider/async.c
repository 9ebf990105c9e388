// SPDX-License-Identifier: MIT
/*
 * Async events through libibverbs alone: ibv_get_async_event() on a
 * context of the provider, as a real client waits for them (poll() on
 * async_fd, then read).  Run through `ioverbs run` by
 * tests/daemon/test_pingpong.c, which makes the events happen once this
 * prints "ready":
 *
 *	async IBDEV ports	PORT_ERR then PORT_ACTIVE on port 1 (the
 *				test downs and ups it), then DEVICE_FATAL
 *				(`ioverbs ctl remove`); after it ibv_alloc_pd()
 *				fails with EIO
 *	async IBDEV fatal	DEVICE_FATAL alone (the daemon stopped), then
 *				ibv_alloc_pd() fails
 *	async IBDEV cqerr	CQ_ERR whose element is the ibv_cq overrun,
 *				by send then by receive completions
 *				(no "ready": it makes the event itself)
 *
 * One line per failed check, then "N passed, N failed"; exits 0 when none
 * failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "client.h"

/*
 * CQ_ERR: a send CQ overrun by signaled RDMA WRITEs between two QPs of
 * the context, none polled; the event's element is that ibv_cq.  The CQ
 * then gives the completions it held and fails (EOVERFLOW).
 */
static void cq_err(struct ibv_context *ctx, struct ibv_pd *pd)
{
	static char buf[4096];
	struct ibv_qp_init_attr qa = {
		.cap = { .max_send_wr = 64, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_async_event ev;
	struct ibv_port_attr port;
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_cq *small, *big;
	struct ibv_qp *a, *b;
	struct ibv_mr *mr;
	int i;

	mr = ibv_reg_mr(pd, buf, sizeof(buf),
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	small = ibv_create_cq(ctx, 1, NULL, NULL, 0);
	big = ibv_create_cq(ctx, 256, NULL, NULL, 0);
	CHECK(mr && small && big && !ibv_query_port(ctx, 1, &port));
	if (!mr || !small || !big)
		return;
	qa.send_cq = small;
	qa.recv_cq = big;
	a = ibv_create_qp(pd, &qa);
	qa.send_cq = big;
	b = ibv_create_qp(pd, &qa);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(!connect_rc(a, b->qp_num, port.lid, IBV_ACCESS_REMOTE_WRITE,
			   12));
	CHECK(!connect_rc(b, a->qp_num, port.lid, IBV_ACCESS_REMOTE_WRITE,
			   12));
	for (i = 0; i < small->cqe + 2; i++) {
		struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = 8,
				       .lkey = mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = { .remote_addr = (uintptr_t)buf + 64,
				     .rkey = mr->rkey },
		}, *bad;

		CHECK(!ibv_post_send(a, &wr, &bad));
	}
	CHECK(poll(&p, 1, 20000) == 1);
	CHECK(!ibv_get_async_event(ctx, &ev));
	CHECK(ev.event_type == IBV_EVENT_CQ_ERR);
	CHECK(ev.element.cq == small);
	printf("event %s cq %s\n", ibv_event_type_str(ev.event_type),
	       ev.element.cq == small ? "ours" : "other");
	ibv_ack_async_event(&ev);
	/*
	 * The CQ holds its first cqe completions, in order; the one that
	 * found it full was dropped, and once empty a poll fails.
	 */
	for (i = 0; i < small->cqe; i++) {
		struct ibv_wc wc;

		CHECK(ibv_poll_cq(small, 1, &wc) == 1);
		CHECK(wc.wr_id == (uint64_t)i && wc.status == IBV_WC_SUCCESS &&
		      wc.opcode == IBV_WC_RDMA_WRITE);
	}
	errno = 0;
	{
		struct ibv_wc wc;

		CHECK(ibv_poll_cq(small, 1, &wc) == -1);
		CHECK(errno == EOVERFLOW);
	}
	CHECK(!ibv_destroy_qp(a));
	CHECK(!ibv_destroy_qp(b));
	CHECK(!ibv_destroy_cq(small));
	CHECK(!ibv_destroy_cq(big));
	CHECK(!ibv_dereg_mr(mr));
}

/*
 * The same on the receive side: SENDs from A fill B's receive CQ, which
 * nobody polls; B's receives are all posted, so only the CQ overruns.
 */
static void cq_err_recv(struct ibv_context *ctx, struct ibv_pd *pd)
{
	static char buf[4096];
	struct ibv_qp_init_attr qa = {
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = 8 };
	struct ibv_async_event ev;
	struct ibv_port_attr port;
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_cq *small, *big;
	struct ibv_qp *a, *b;
	struct ibv_wc wc;
	struct ibv_mr *mr;
	int i, n;

	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	small = ibv_create_cq(ctx, 1, NULL, NULL, 0);
	big = ibv_create_cq(ctx, 256, NULL, NULL, 0);
	CHECK(mr && small && big && !ibv_query_port(ctx, 1, &port));
	if (!mr || !small || !big)
		return;
	sge.lkey = mr->lkey;
	qa.send_cq = big;
	qa.recv_cq = big;
	a = ibv_create_qp(pd, &qa);
	qa.recv_cq = small;
	b = ibv_create_qp(pd, &qa);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(!connect_rc(a, b->qp_num, port.lid, IBV_ACCESS_REMOTE_WRITE,
			   12));
	CHECK(!connect_rc(b, a->qp_num, port.lid, IBV_ACCESS_REMOTE_WRITE,
			   12));
	for (i = 0; i < small->cqe + 2; i++) {
		struct ibv_recv_wr wr = { .wr_id = 100 + (uint64_t)i,
					  .sg_list = &sge, .num_sge = 1 }, *bad;

		CHECK(!ibv_post_recv(b, &wr, &bad));
	}
	for (i = 0; i < small->cqe + 2; i++) {
		struct ibv_send_wr wr = {
			.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		CHECK(!ibv_post_send(a, &wr, &bad));
	}
	/* A's sends complete (its CQ has room): B took every message. */
	for (n = 0, i = 0; n < small->cqe + 2 && i < 20000; i++) {
		int got = ibv_poll_cq(big, 1, &wc);

		CHECK(got >= 0);
		if (got == 1) {
			CHECK(wc.status == IBV_WC_SUCCESS);
			n++;
		} else {
			usleep(1000);
		}
	}
	CHECK(n == small->cqe + 2);
	CHECK(poll(&p, 1, 20000) == 1);
	CHECK(!ibv_get_async_event(ctx, &ev));
	CHECK(ev.event_type == IBV_EVENT_CQ_ERR);
	CHECK(ev.element.cq == small);
	printf("event %s recv cq %s\n", ibv_event_type_str(ev.event_type),
	       ev.element.cq == small ? "ours" : "other");
	ibv_ack_async_event(&ev);
	for (i = 0; i < small->cqe; i++) {
		CHECK(ibv_poll_cq(small, 1, &wc) == 1);
		CHECK(wc.wr_id == 100 + (uint64_t)i &&
		      wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_RECV &&
		      wc.byte_len == 8);
	}
	errno = 0;
	CHECK(ibv_poll_cq(small, 1, &wc) == -1);
	CHECK(errno == EOVERFLOW);
	CHECK(!ibv_destroy_qp(a));
	CHECK(!ibv_destroy_qp(b));
	CHECK(!ibv_destroy_cq(small));
	CHECK(!ibv_destroy_cq(big));
	CHECK(!ibv_dereg_mr(mr));
}

/* The next event within @ms: its type, or -1 (nothing came). */
static int next_event(struct ibv_context *ctx, int ms, int *port)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;
	int type;

	if (poll(&p, 1, ms) != 1 || !(p.revents & POLLIN))
		return -1;
	if (ibv_get_async_event(ctx, &ev))
		return -1;
	type = (int)ev.event_type;
	*port = ev.element.port_num;
	printf("event %s port %d\n", ibv_event_type_str(ev.event_type), *port);
	fflush(stdout);
	ibv_ack_async_event(&ev);
	return type;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int port = -1;

	if (argc != 3) {
		fprintf(stderr, "usage: async IBDEV ports|fatal|cqerr\n");
		return 2;
	}
	ctx = client_open(argv[1]);
	if (!ctx) {
		printf("FAIL: cannot open %s (errno %d)\n", argv[1], errno);
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	CHECK(pd);
	if (!strcmp(argv[2], "cqerr")) {
		cq_err(ctx, pd);
		cq_err_recv(ctx, pd);
		CHECK(!ibv_dealloc_pd(pd));
		ibv_close_device(ctx);
		return client_report();
	}
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(argv[2], "ports")) {
		CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_PORT_ERR);
		CHECK(port == 1);
		CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_PORT_ACTIVE);
		CHECK(port == 1);
	}
	CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_DEVICE_FATAL);
	CHECK(port == 0);
	/* Nothing more comes, and a verb now fails rather than hangs. */
	CHECK(next_event(ctx, 300, &port) == -1);
	errno = 0;
	CHECK(!ibv_alloc_pd(ctx));
	if (!strcmp(argv[2], "ports"))
		CHECK(errno == EIO);
	else
		CHECK(errno != 0);
	if (pd)
		ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return client_report();
}
