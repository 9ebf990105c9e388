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
 *				(`ioverbs ctl remove`); after it async_fd
 *				ends (POLLHUP, ibv_get_async_event() fails)
 *				and ibv_alloc_pd() fails with EIO
 *	async IBDEV fatal	DEVICE_FATAL alone (the daemon stopped), then
 *				async_fd ends and ibv_alloc_pd() fails
 *	async IBDEV cqerr	CQ_ERR whose element is the ibv_cq overrun,
 *				by send then by receive completions
 *				(no "ready": it makes the event itself)
 *
 * One line per failed check, then "N passed, N failed"; exits 0 when none
 * failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "client.h"

/* What a CQ_ERR case makes: @small overruns, @big has room. */
struct cq_err_set {
	struct ibv_mr *mr;
	struct ibv_cq *small, *big;
	struct ibv_qp *a, *b;
	struct ibv_port_attr port;
};

/*
 * @buf (@size, @access) registered, a CQ of 1 and one of 256, and QPs A
 * and B (@qa) connected to each other; @small_sends: A sends into the
 * small CQ, else B receives into it.  False if any is missing.
 */
static bool cq_err_setup(struct cq_err_set *t, struct ibv_context *ctx,
			 struct ibv_pd *pd, struct ibv_qp_init_attr *qa,
			 void *buf, size_t size, int access, bool small_sends)
{
	t->mr = ibv_reg_mr(pd, buf, size, access);
	t->small = ibv_create_cq(ctx, 1, NULL, NULL, 0);
	t->big = ibv_create_cq(ctx, 256, NULL, NULL, 0);
	CHECK(t->mr && t->small && t->big &&
	      !ibv_query_port(ctx, 1, &t->port));
	if (!t->mr || !t->small || !t->big)
		return false;
	qa->send_cq = small_sends ? t->small : t->big;
	qa->recv_cq = t->big;
	t->a = ibv_create_qp(pd, qa);
	qa->send_cq = t->big;
	qa->recv_cq = small_sends ? t->big : t->small;
	t->b = ibv_create_qp(pd, qa);
	CHECK(t->a && t->b);
	if (!t->a || !t->b)
		return false;
	CHECK(!connect_rc(t->a, t->b->qp_num, t->port.lid,
			  IBV_ACCESS_REMOTE_WRITE, 12));
	CHECK(!connect_rc(t->b, t->a->qp_num, t->port.lid,
			  IBV_ACCESS_REMOTE_WRITE, 12));
	return true;
}

/*
 * The next async event (20 s at most) is CQ_ERR on @t's small CQ:
 * printed as "event TYPE @which ours".
 */
static void cq_err_event(struct ibv_context *ctx, const struct cq_err_set *t,
			 const char *which)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;

	CHECK(poll(&p, 1, 20000) == 1);
	CHECK(!ibv_get_async_event(ctx, &ev));
	CHECK(ev.event_type == IBV_EVENT_CQ_ERR);
	CHECK(ev.element.cq == t->small);
	printf("event %s %s %s\n", ibv_event_type_str(ev.event_type), which,
	       ev.element.cq == t->small ? "ours" : "other");
	ibv_ack_async_event(&ev);
}

/* Destroys what cq_err_setup() made. */
static void cq_err_free(struct cq_err_set *t)
{
	CHECK(!ibv_destroy_qp(t->a));
	CHECK(!ibv_destroy_qp(t->b));
	CHECK(!ibv_destroy_cq(t->small));
	CHECK(!ibv_destroy_cq(t->big));
	CHECK(!ibv_dereg_mr(t->mr));
}

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
	struct cq_err_set t;
	int i;

	if (!cq_err_setup(&t, ctx, pd, &qa, buf, sizeof(buf),
			  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
			  true))
		return;
	for (i = 0; i < t.small->cqe + 2; i++) {
		struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = 8,
				       .lkey = t.mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = { .remote_addr = (uintptr_t)buf + 64,
				     .rkey = t.mr->rkey },
		}, *bad;

		CHECK(!ibv_post_send(t.a, &wr, &bad));
	}
	cq_err_event(ctx, &t, "cq");
	/*
	 * The CQ holds its first cqe completions, in order; the one that
	 * found it full was dropped, and once empty a poll fails.
	 */
	for (i = 0; i < t.small->cqe; i++) {
		struct ibv_wc wc;

		CHECK(ibv_poll_cq(t.small, 1, &wc) == 1);
		CHECK(wc.wr_id == (uint64_t)i && wc.status == IBV_WC_SUCCESS &&
		      wc.opcode == IBV_WC_RDMA_WRITE);
	}
	errno = 0;
	{
		struct ibv_wc wc;

		CHECK(ibv_poll_cq(t.small, 1, &wc) == -1);
		CHECK(errno == EOVERFLOW);
	}
	cq_err_free(&t);
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
	struct cq_err_set t;
	struct ibv_wc wc;
	int i, n;

	if (!cq_err_setup(&t, ctx, pd, &qa, buf, sizeof(buf),
			  IBV_ACCESS_LOCAL_WRITE, false))
		return;
	sge.lkey = t.mr->lkey;
	for (i = 0; i < t.small->cqe + 2; i++) {
		struct ibv_recv_wr wr = { .wr_id = 100 + (uint64_t)i,
					  .sg_list = &sge, .num_sge = 1 }, *bad;

		CHECK(!ibv_post_recv(t.b, &wr, &bad));
	}
	for (i = 0; i < t.small->cqe + 2; i++) {
		struct ibv_send_wr wr = {
			.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		CHECK(!ibv_post_send(t.a, &wr, &bad));
	}
	/* A's sends complete (its CQ has room): B took every message. */
	for (n = 0, i = 0; n < t.small->cqe + 2 && i < 20000; i++) {
		int got = ibv_poll_cq(t.big, 1, &wc);

		CHECK(got >= 0);
		if (got == 1) {
			CHECK(wc.status == IBV_WC_SUCCESS);
			n++;
		} else {
			usleep(1000);
		}
	}
	CHECK(n == t.small->cqe + 2);
	cq_err_event(ctx, &t, "recv cq");
	for (i = 0; i < t.small->cqe; i++) {
		CHECK(ibv_poll_cq(t.small, 1, &wc) == 1);
		CHECK(wc.wr_id == 100 + (uint64_t)i &&
		      wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_RECV &&
		      wc.byte_len == 8);
	}
	errno = 0;
	CHECK(ibv_poll_cq(t.small, 1, &wc) == -1);
	CHECK(errno == EOVERFLOW);
	cq_err_free(&t);
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

/* Does async_fd end within 5 s (POLLHUP, no event, a failed read)? */
static bool async_ended(struct ibv_context *ctx)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;

	if (poll(&p, 1, 5000) != 1 || p.revents != POLLHUP)
		return false;
	return ibv_get_async_event(ctx, &ev) == -1;
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
	/*
	 * Nothing more comes: async_fd's reads end (POLLHUP, then EOF), as
	 * the kernel's answer EIO, so ibv_get_async_event() fails rather
	 * than blocks for ever; and a verb now fails rather than hangs.
	 */
	CHECK(async_ended(ctx));
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
