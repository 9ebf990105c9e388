// SPDX-License-Identifier: MIT
/*
 * An idle client, through libibverbs alone: NQP RC QPs connected to the
 * QPs of a peer process (another instance of this program), one SEND each
 * way on every QP, then nothing: the main thread sleeps in
 * ibv_get_cq_event() on the CQ's completion channel (armed, a receive
 * posted on every QP) and a second thread in ibv_get_async_event().  A
 * client that waits like this must cost no CPU, and neither must the
 * daemon serving it (bench/bench_idle.c measures it, test_pingpong.c
 * counts the wake-ups).
 *
 *	idle IBDEV DIR NAME PEER NQP
 *
 * The two instances find each other through files in DIR: each writes
 * DIR/NAME.info ("LID QPN..."), then waits for DIR/PEER.info.  Prints
 * "idle" once every QP has exchanged its message, then waits until it is
 * killed; any completion or async event that comes after that is printed
 * ("woken: ...").  (A wake-up for nothing -- the event of a completion
 * polled before "idle" -- says nothing: the caller counts wake-ups.)  An error before "idle" is one line and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "client.h"

#define IDLE_MAX_QP 64
#define IDLE_MSG 64

static struct ibv_context *ctx;

static void fail(const char *what)
{
	printf("idle: %s failed (errno %d: %s)\n", what, errno,
	       strerror(errno));
	exit(1);
}

static int post_recv(struct ibv_qp *qp, char *buf, uint32_t lkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = IDLE_MSG,
			       .lkey = lkey };
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;

	return ibv_post_recv(qp, &wr, &bad);
}

/* Waits on @ch for @want completions of @cq, sleeping between them. */
static void wait_completions(struct ibv_comp_channel *ch, struct ibv_cq *cq,
			     int want)
{
	struct ibv_wc wc[16];
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int n, i, got = 0;

	while (got < want) {
		if (ibv_req_notify_cq(cq, 0))
			fail("ibv_req_notify_cq");
		n = ibv_poll_cq(cq, 16, wc);
		if (n < 0)
			fail("ibv_poll_cq");
		for (i = 0; i < n; i++)
			if (wc[i].status != IBV_WC_SUCCESS) {
				errno = EIO;
				printf("idle: completion status %s\n",
				       ibv_wc_status_str(wc[i].status));
				exit(1);
			}
		got += n;
		if (n || got >= want)
			continue;
		if (ibv_get_cq_event(ch, &ev_cq, &ev_ctx))
			fail("ibv_get_cq_event");
		ibv_ack_cq_events(ev_cq, 1);
	}
}

static void *async_waiter(void *arg)
{
	struct ibv_async_event ev;

	(void)arg;
	for (;;) {
		if (ibv_get_async_event(ctx, &ev)) {
			if (errno == EINTR)
				continue;
			fail("ibv_get_async_event");
		}
		printf("woken: async event %s\n",
		       ibv_event_type_str(ev.event_type));
		ibv_ack_async_event(&ev);
	}
	return NULL;
}

/* Writes DIR/NAME.info atomically (a rename). */
static void write_info(const char *dir, const char *name, uint16_t lid,
		       struct ibv_qp **qp, int nqp)
{
	char tmp[4096], path[4096];
	FILE *fp;
	int i;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s.info", dir, name);
	fp = fopen(tmp, "w");
	if (!fp)
		fail("fopen info");
	fprintf(fp, "%u", lid);
	for (i = 0; i < nqp; i++)
		fprintf(fp, " %u", qp[i]->qp_num);
	fprintf(fp, "\n");
	if (fclose(fp) || rename(tmp, path))
		fail("write info");
}

/* DIR/PEER.info, within 60 s: the peer's LID and QPNs. */
static void read_info(const char *dir, const char *peer, uint16_t *lid,
		      uint32_t *qpn, int nqp)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char path[4096];
	unsigned int v;
	FILE *fp = NULL;
	int i, tries;

	snprintf(path, sizeof(path), "%s/%s.info", dir, peer);
	for (tries = 0; tries < 6000 && !fp; tries++) {
		fp = fopen(path, "r");
		if (!fp)
			nanosleep(&ts, NULL);
	}
	if (!fp)
		fail("waiting for the peer's info");
	if (fscanf(fp, "%u", &v) != 1)
		fail("reading the peer's LID");
	*lid = (uint16_t)v;
	for (i = 0; i < nqp; i++) {
		if (fscanf(fp, "%u", &v) != 1)
			fail("reading the peer's QPNs");
		qpn[i] = v;
	}
	fclose(fp);
}

int main(int argc, char **argv)
{
	static char buf[2 * IDLE_MAX_QP * IDLE_MSG];
	struct ibv_qp *qp[IDLE_MAX_QP];
	uint32_t peer_qpn[IDLE_MAX_QP];
	struct ibv_comp_channel *ch;
	struct ibv_port_attr port;
	struct ibv_cq *cq, *ev_cq;
	struct ibv_wc wc;
	uint16_t peer_lid;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	pthread_t async;
	void *ev_ctx;
	int nqp, i;

	if (argc != 6 || (nqp = atoi(argv[5])) < 1 || nqp > IDLE_MAX_QP) {
		fprintf(stderr, "usage: idle IBDEV DIR NAME PEER NQP (1..%d)\n",
			IDLE_MAX_QP);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = client_open(argv[1]);
	if (!ctx)
		fail("ibv_open_device");
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		fail("ibv_alloc_pd");
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	if (!mr)
		fail("ibv_reg_mr");
	ch = ibv_create_comp_channel(ctx);
	if (!ch)
		fail("ibv_create_comp_channel");
	cq = ibv_create_cq(ctx, 4 * nqp, NULL, ch, 0);
	if (!cq)
		fail("ibv_create_cq");
	if (ibv_query_port(ctx, 1, &port))
		fail("ibv_query_port");
	for (i = 0; i < nqp; i++) {
		struct ibv_qp_init_attr qa = {
			.send_cq = cq, .recv_cq = cq,
			.cap = { .max_send_wr = 4, .max_recv_wr = 4,
				 .max_send_sge = 1, .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC,
		};

		qp[i] = ibv_create_qp(pd, &qa);
		if (!qp[i])
			fail("ibv_create_qp");
	}
	write_info(argv[2], argv[3], port.lid, qp, nqp);
	read_info(argv[2], argv[4], &peer_lid, peer_qpn, nqp);
	for (i = 0; i < nqp; i++) {
		if (connect_rc(qp[i], peer_qpn[i], peer_lid, 0, 1))
			fail("ibv_modify_qp");
		if (post_recv(qp[i], buf + (size_t)i * IDLE_MSG, mr->lkey))
			fail("ibv_post_recv");
	}
	/* One SEND each way per QP (the peer retries until we listen). */
	for (i = 0; i < nqp; i++) {
		char *m = buf + (size_t)(nqp + i) * IDLE_MSG;
		struct ibv_sge sge = { .addr = (uintptr_t)m,
				       .length = IDLE_MSG, .lkey = mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		snprintf(m, IDLE_MSG, "%s qp %d", argv[3], i);
		if (ibv_post_send(qp[i], &wr, &bad))
			fail("ibv_post_send");
	}
	wait_completions(ch, cq, 2 * nqp);
	/* Idle: a receive on every QP, the CQ armed, both threads asleep. */
	for (i = 0; i < nqp; i++)
		if (post_recv(qp[i], buf + (size_t)i * IDLE_MSG, mr->lkey))
			fail("ibv_post_recv");
	if (ibv_req_notify_cq(cq, 0))
		fail("ibv_req_notify_cq");
	/*
	 * An event of a completion already polled (one that came after an
	 * arm) may wait on the channel: take those now, without blocking.
	 */
	if (fcntl(ch->fd, F_SETFL, O_NONBLOCK))
		fail("fcntl O_NONBLOCK");
	while (!ibv_get_cq_event(ch, &ev_cq, &ev_ctx))
		ibv_ack_cq_events(ev_cq, 1);
	if (errno != EAGAIN)
		fail("ibv_get_cq_event (draining)");
	if (fcntl(ch->fd, F_SETFL, 0))
		fail("fcntl");
	if (ibv_req_notify_cq(cq, 0))
		fail("ibv_req_notify_cq");
	if (ibv_poll_cq(cq, 1, &wc) != 0)
		fail("ibv_poll_cq (a completion while idle)");
	errno = pthread_create(&async, NULL, async_waiter, NULL);
	if (errno)
		fail("pthread_create");
	printf("idle\n");
	for (;;) {
		/* EINTR: a tracer attached (FUSE cannot restart the read). */
		if (ibv_get_cq_event(ch, &ev_cq, &ev_ctx)) {
			if (errno == EINTR)
				continue;
			fail("ibv_get_cq_event");
		}
		ibv_ack_cq_events(ev_cq, 1);
		if (ibv_req_notify_cq(cq, 0))
			fail("ibv_req_notify_cq");
		while (ibv_poll_cq(cq, 1, &wc) == 1)
			printf("woken: completion %s\n",
			       ibv_wc_status_str(wc.status));
	}
}
