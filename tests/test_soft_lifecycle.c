// SPDX-License-Identifier: MIT
/*
 * Lifecycle of the soft device through real RDMA_VERBS_IOCTL commands
 * (rules 19 and 20 of docs/design.md): closing a file with everything live,
 * removing the device under traffic, and a fail-nth sweep over a whole
 * RC ping-pong.  Every command is the client library's
 * (<ioverbs/verbs.h>), checked against the device's spec tables; the
 * small helpers here only shorten its signatures.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "harness.h"

#include <ioverbs/embedded.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/soft_device.h>
#include "../drivers/soft/soft.h"

/* One file on a device, with its context and the usual handles. */
struct lc {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v; /* checked against dev's spec tables */
	u16 lid;
	u32 pd, cq;
};

/*
 * The library's verbs with this file's shorter signatures: each returns
 * 0 or the command's errno.
 */
static long get_context(struct lc *n)
{
	return ioverbs_context_get(&n->v);
}

static long pd_alloc(struct lc *n, u32 *pd)
{
	return ioverbs_pd_alloc(&n->v, pd);
}

static long pd_dealloc(struct lc *n, u32 pd)
{
	return ioverbs_pd_dealloc(&n->v, pd);
}

#define ACC_ALL                                                           \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |   \
	 IB_UVERBS_ACCESS_REMOTE_READ)

static long mr_reg(struct lc *n, u32 pd, void *buf, u64 len, u32 *h, u32 *lkey)
{
	return ioverbs_mr_reg(&n->v, pd, buf, len, ACC_ALL, h, lkey, NULL);
}

static long mr_dereg(struct lc *n, u32 h)
{
	return ioverbs_mr_dereg(&n->v, h);
}

/* @ch < 0: no completion channel. */
static long cq_create(struct lc *n, u32 *h, int ch)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xc0, .cqe = 64 };

	return ioverbs_cq_create_ex(&n->v, &cmd, ch, h, NULL);
}

static long cq_destroy(struct lc *n, u32 h)
{
	struct ib_uverbs_cq_destroy_resp resp;

	return ioverbs_cq_destroy(&n->v, h, &resp);
}

/* @srq: ~0u for none. */
static long qp_create(struct lc *n, u8 type, u32 pd, u32 cq, u32 srq, u32 *h,
		      u32 *qpn)
{
	struct ib_uverbs_qp_create_cmd cmd = {
		.qp_type = type,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 12, .max_recv_sge = 1 },
	};
	struct ib_uverbs_qp_create_resp resp = { 0 };
	long ret;

	ret = ioverbs_qp_create_ex(&n->v, &cmd, pd, cq, cq, srq, h, &resp);
	*qpn = resp.qpn;
	return ret;
}

static long qp_destroy(struct lc *n, u32 h)
{
	struct ib_uverbs_qp_destroy_resp resp;

	return ioverbs_qp_destroy(&n->v, h, &resp);
}

/* RC/UC: RESET -> INIT -> RTR -> RTS towards (@dlid, @dqpn); UD: qkey. */
static long qp_connect(struct lc *n, u32 h, u8 type, u16 dlid, u32 dqpn)
{
	const struct ioverbs_qp_peer peer = {
		.qp_type = type,
		.dlid = dlid,
		.dest_qpn = dqpn,
		.access = IB_UVERBS_ACCESS_REMOTE_WRITE,
		.rnr_retry = 7, /* a SEND waits for the peer's receive */
		.rd_atomic = 1,
		.qkey = 0x1111,
	};

	return ioverbs_qp_connect(&n->v, h, &peer);
}

static long post_recv(struct lc *n, u32 qp, u64 wr_id, void *buf, u32 len,
		      u32 lkey)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)buf, .length = len, .lkey = lkey,
	};

	return ioverbs_qp_post_recv(&n->v, qp, &wr, 1, &sge, 1, NULL);
}

static long srq_post_recv(struct lc *n, u32 srq, u64 wr_id, void *buf,
			  u32 len, u32 lkey)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)buf, .length = len, .lkey = lkey,
	};

	return ioverbs_srq_post_recv(&n->v, srq, &wr, 1, &sge, 1, NULL);
}

/* A signaled SEND (RC/UC), or to (@ah, @rqpn) for UD. */
static long post_send(struct lc *n, u32 qp, u64 wr_id, void *buf, u32 len,
		      u32 lkey, u32 ah, u32 rqpn)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = wr_id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)buf, .length = len, .lkey = lkey,
	};

	if (ah != ~0u) {
		wr.wr.ud.ah = ah;
		wr.wr.ud.remote_qpn = rqpn;
		wr.wr.ud.remote_qkey = 0x1111;
	}
	return ioverbs_qp_post_send(&n->v, qp, &wr, 1, &sge, 1, NULL);
}

/* One CQ_POLL for at most @num completions; *@count gets how many. */
static long cq_poll(struct lc *n, u32 cq, struct ib_uverbs_wc *wc, u32 num,
		    u32 *count)
{
	return ioverbs_cq_poll(&n->v, cq, wc, num, count);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Polls until one completion arrives (1 s at most): 0 and *@wc, or errno. */
static long poll_one(struct lc *n, u32 cq, struct ib_uverbs_wc *wc)
{
	return ioverbs_cq_poll_wait(&n->v, cq, wc, 1000);
}

static void poll_expect(struct lc *n, u32 cq, u64 wr_id, u32 status)
{
	struct ib_uverbs_wc wc;

	ASSERT_OK(poll_one(n, cq, &wc));
	ASSERT_EQ(wc.wr_id, wr_id);
	ASSERT_EQ(wc.status, status);
}

static void lc_open(struct lc *n, struct ib_device *dev)
{
	struct ib_uverbs_query_port_resp pr;

	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(n->f));
	ioverbs_client_init_embedded(&n->v, n->f);
	ioverbs_client_spec_set(&n->v, dev->types, SOFT_DRIVER_ID);
	ASSERT_OK(to_verbs_dev(dev)->ops->query_port(dev, 1, &pr));
	n->lid = pr.lid;
}

static long comp_channel(struct lc *n, int *fd)
{
	return ioverbs_comp_channel_create(&n->v, -1, fd);
}

static long cq_req_notify(struct lc *n, u32 cq)
{
	return ioverbs_cq_req_notify(&n->v, cq, 0);
}

static long srq_create(struct lc *n, u32 pd, u32 *h)
{
	struct ib_uverbs_srq_create_cmd cmd = { .max_wr = 16, .max_sge = 1 };

	return ioverbs_srq_create(&n->v, pd, &cmd, h, NULL);
}

static long ah_create(struct lc *n, u32 pd, u16 dlid, u32 *h)
{
	struct ib_uverbs_ah_attr ah = { .port_num = 1, .dlid = dlid };

	return ioverbs_ah_create(&n->v, pd, &ah, h);
}

static long ah_destroy(struct lc *n, u32 h)
{
	return ioverbs_ah_destroy(&n->v, h);
}

static int soft_count(struct ib_device *dev)
{
	struct soft_device *s = to_soft_dev(dev);

	return atomic_read(&s->num_pd) + atomic_read(&s->num_mr) +
	       atomic_read(&s->num_cq) + atomic_read(&s->num_qp) +
	       atomic_read(&s->num_srq) + atomic_read(&s->num_ah);
}

/* --- 1. close with everything live ------------------------------------- */

enum { RC, UC, UD, NQT };
static const u8 qp_types[NQT] = { IB_UVERBS_QPT_RC, IB_UVERBS_QPT_UC,
				  IB_UVERBS_QPT_UD };

TEST(soft_close_with_everything_live)
{
	static u8 vbuf[8192], pbuf[8192];
	struct lc v, p;	/* the victim file, its peer */
	struct ib_device *dev;
	struct soft_device *sdev;
	u32 vmr[2], vlkey, tmp, vcq[2], vqp[NQT], vqpn[NQT], vsrq, vsrqqp,
	    vsrqqpn, vah[2];
	u32 pmr, plkey, pqp[NQT], pqpn[NQT], pah;
	int ch, i, before, peer_objs;
	struct ib_uverbs_wc wc;

	dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(dev));
	sdev = to_soft_dev(dev);
	lc_open(&v, dev);
	lc_open(&p, dev);

	/* The peer: PD, MR, CQ, one QP of each type. */
	ASSERT_OK(get_context(&p));
	ASSERT_OK(pd_alloc(&p, &p.pd));
	ASSERT_OK(mr_reg(&p, p.pd, pbuf, sizeof(pbuf), &pmr, &plkey));
	ASSERT_OK(cq_create(&p, &p.cq, -1));
	for (i = 0; i < NQT; i++)
		ASSERT_OK(qp_create(&p, qp_types[i], p.pd, p.cq, ~0u, &pqp[i],
				    &pqpn[i]));
	ASSERT_OK(ah_create(&p, p.pd, p.lid, &pah));
	peer_objs = soft_count(dev);

	/* The victim: everything. */
	ASSERT_OK(get_context(&v));
	ASSERT_OK(pd_alloc(&v, &v.pd));
	ASSERT_OK(mr_reg(&v, v.pd, vbuf, 4096, &vmr[0], &vlkey));
	ASSERT_OK(mr_reg(&v, v.pd, vbuf + 4096, 4096, &vmr[1], &tmp));
	ASSERT_OK(comp_channel(&v, &ch));
	ASSERT_OK(cq_create(&v, &vcq[0], ch));
	ASSERT_OK(cq_create(&v, &vcq[1], -1));
	ASSERT_OK(cq_req_notify(&v, vcq[0]));
	for (i = 0; i < NQT; i++)
		ASSERT_OK(qp_create(&v, qp_types[i], v.pd, vcq[i == UD], ~0u,
				    &vqp[i], &vqpn[i]));
	ASSERT_OK(srq_create(&v, v.pd, &vsrq));
	ASSERT_OK(qp_create(&v, IB_UVERBS_QPT_RC, v.pd, vcq[1], vsrq, &vsrqqp,
			    &vsrqqpn));
	ASSERT_OK(ah_create(&v, v.pd, p.lid, &vah[0]));
	ASSERT_OK(ah_create(&v, v.pd, v.lid, &vah[1]));

	/* Connect RC and UC pairwise, UD ready; the SRQ QP to the peer RC. */
	for (i = 0; i < NQT; i++) {
		ASSERT_OK(qp_connect(&v, vqp[i], qp_types[i], p.lid, pqpn[i]));
		ASSERT_OK(qp_connect(&p, pqp[i], qp_types[i], v.lid, vqpn[i]));
	}
	ASSERT_OK(qp_connect(&v, vsrqqp, IB_UVERBS_QPT_RC, p.lid, pqpn[RC]));

	/* Receives posted everywhere on the victim, some consumed. */
	for (i = 0; i < NQT; i++) {
		ASSERT_OK(post_recv(&v, vqp[i], 100 + i, vbuf, 512, vlkey));
		ASSERT_OK(post_recv(&v, vqp[i], 200 + i, vbuf + 512, 512,
				    vlkey));
	}
	for (i = 0; i < 4; i++)
		ASSERT_OK(srq_post_recv(&v, vsrq, 300 + i, vbuf + 1024, 512,
					vlkey));
	/* Peer -> victim: completions queued on the victim's CQs, unpolled. */
	ASSERT_OK(post_send(&p, pqp[RC], 1, pbuf, 64, plkey, ~0u, 0));
	poll_expect(&p, p.cq, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_OK(post_send(&p, pqp[UC], 2, pbuf, 64, plkey, ~0u, 0));
	poll_expect(&p, p.cq, 2, IB_UVERBS_WC_SUCCESS);
	ASSERT_OK(post_send(&p, pqp[UD], 3, pbuf, 64, plkey, pah, vqpn[UD]));
	poll_expect(&p, p.cq, 3, IB_UVERBS_WC_SUCCESS);
	/* Victim -> peer: send completions queued, a receive waiting there. */
	ASSERT_OK(post_recv(&p, pqp[UD], 40, pbuf + 4096, 512, plkey));
	ASSERT_OK(post_send(&v, vqp[UD], 4, vbuf + 2048, 16, vlkey, vah[0],
			    pqpn[UD]));
	poll_expect(&p, p.cq, 40, IB_UVERBS_WC_SUCCESS);

	before = soft_count(dev);
	ASSERT_TRUE(before > peer_objs + 10);

	/* Close without destroying anything. */
	ib_uverbs_release(v.f);
	rcu_barrier();
	ASSERT_EQ(soft_count(dev), peer_objs);
	ASSERT_EQ(atomic_read(&sdev->num_srq), 0);

	/* The peer keeps working; its sends to the gone QPs fail cleanly. */
	ASSERT_OK(post_send(&p, pqp[RC], 5, pbuf, 64, plkey, ~0u, 0));
	poll_expect(&p, p.cq, 5, IB_UVERBS_WC_RETRY_EXC_ERR);
	/* UC and UD lose the message; the sender completes successfully. */
	ASSERT_OK(post_send(&p, pqp[UC], 6, pbuf, 64, plkey, ~0u, 0));
	poll_expect(&p, p.cq, 6, IB_UVERBS_WC_SUCCESS);
	ASSERT_OK(post_send(&p, pqp[UD], 7, pbuf, 64, plkey, pah, vqpn[UD]));
	poll_expect(&p, p.cq, 7, IB_UVERBS_WC_SUCCESS);
	/* The RC QP went to ERR; the peer still loops back to itself on UD. */
	ASSERT_OK(post_recv(&p, pqp[UD], 41, pbuf + 4096, 512, plkey));
	ASSERT_OK(post_send(&p, pqp[UD], 8, pbuf, 64, plkey, pah, pqpn[UD]));
	{
		int got = 0;

		for (i = 0; i < 2; i++) {
			ASSERT_OK(poll_one(&p, p.cq, &wc));
			ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
			got |= wc.wr_id == 41 ? 1 : wc.wr_id == 8 ? 2 : 4;
		}
		ASSERT_EQ(got, 3);
	}

	for (i = 0; i < NQT; i++)
		ASSERT_OK(qp_destroy(&p, pqp[i]));
	ASSERT_OK(ah_destroy(&p, pah));
	ASSERT_OK(cq_destroy(&p, p.cq));
	ASSERT_OK(mr_dereg(&p, pmr));
	ASSERT_OK(pd_dealloc(&p, p.pd));
	ASSERT_EQ(soft_count(dev), 0);
	ib_uverbs_release(p.f);
	soft_device_destroy(dev);
}

/* --- 2. removal with traffic in flight --------------------------------- */

struct pp {
	struct lc n;
	u32 qp, qpn, mr, lkey;
	u8 buf[4096];
	pthread_t th;
	int stop;		/* set by main */
	long bad;		/* first disallowed result, 0 if none */
	u32 bad_status;
	unsigned long rounds, eio, flushed;
};

static bool allowed_ret(long r)
{
	return r == 0 || r == -EIO;
}

static bool allowed_status(u32 s)
{
	/*
	 * SUCCESS; WR_FLUSH_ERR (a QP moved to ERR flushes); RETRY_EXC_ERR
	 * (an RC send whose responder is already gone during removal).
	 */
	return s == IB_UVERBS_WC_SUCCESS || s == IB_UVERBS_WC_WR_FLUSH_ERR ||
	       s == IB_UVERBS_WC_RETRY_EXC_ERR;
}

static void *pp_fn(void *arg)
{
	struct pp *s = arg;
	struct ib_uverbs_wc wc[4];
	long r;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int need = 2;	/* our send and our receive */
		long long deadline = now_ns() + 200000000ll;

		r = post_recv(&s->n, s->qp, 1, s->buf, 2048, s->lkey);
		if (r)
			goto done;
		r = post_send(&s->n, s->qp, 2, s->buf + 2048, 32, s->lkey, ~0u, 0);
		if (r)
			goto done;
		while (need > 0) {
			u32 count, i;

			r = cq_poll(&s->n, s->n.cq, wc, 4, &count);
			if (r)
				goto done;
			for (i = 0; i < count; i++) {
				if (!allowed_status(wc[i].status)) {
					s->bad_status = wc[i].status;
					s->bad = -EPROTO;
					return NULL;
				}
				if (wc[i].status == IB_UVERBS_WC_WR_FLUSH_ERR)
					s->flushed++;
			}
			need -= count;
			if (!count) {
				if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) ||
				    now_ns() > deadline)
					break;
				sched_yield();
			}
		}
		if (need > 0)	/* peer stopped or its QP is gone: done */
			return NULL;
		s->rounds++;
	}
	return NULL;
done:
	if (!allowed_ret(r))
		s->bad = r;
	else
		s->eio++;
	return NULL;
}

TEST_TIMEOUT(soft_removal_with_traffic_in_flight, 30)
{
	static struct pp side[2];
	struct ib_uverbs_async_event_desc ev;
	struct ib_device *dev;
	int i, round;

	for (round = 0; round < 3; round++) {
		memset(side, 0, sizeof(side));
		dev = soft_device_create(NULL);
		ASSERT_TRUE(!IS_ERR(dev));
		for (i = 0; i < 2; i++) {
			struct pp *s = &side[i];

			lc_open(&s->n, dev);
			ASSERT_OK(get_context(&s->n));
			ASSERT_OK(pd_alloc(&s->n, &s->n.pd));
			ASSERT_OK(mr_reg(&s->n, s->n.pd, s->buf, sizeof(s->buf),
					 &s->mr, &s->lkey));
			ASSERT_OK(cq_create(&s->n, &s->n.cq, -1));
			ASSERT_OK(qp_create(&s->n, IB_UVERBS_QPT_RC, s->n.pd,
					    s->n.cq, ~0u, &s->qp, &s->qpn));
		}
		for (i = 0; i < 2; i++)
			ASSERT_OK(qp_connect(&side[i].n, side[i].qp,
					     IB_UVERBS_QPT_RC, side[!i].n.lid,
					     side[!i].qpn));
		for (i = 0; i < 2; i++)
			ASSERT_OK(pthread_create(&side[i].th, NULL, pp_fn,
						 &side[i]));
		/* Let traffic run a little, more each round. */
		nanosleep(&(struct timespec){ .tv_nsec = 2000000l << round },
			  NULL);
		ib_unregister_device(dev);
		for (i = 0; i < 2; i++)
			__atomic_store_n(&side[i].stop, 1, __ATOMIC_RELEASE);
		for (i = 0; i < 2; i++)
			ASSERT_OK(pthread_join(side[i].th, NULL));
		for (i = 0; i < 2; i++) {
			struct pp *s = &side[i];
			u32 count;
			struct ib_uverbs_wc wc;

			if (s->bad)
				harness_fail(__FILE__, __LINE__,
					     "side %d: %s, WC status %u", i,
					     errno_name(s->bad), s->bad_status);
			/* After removal: EIO for everything but DESTROY. */
			ASSERT_ERRNO(-EIO, post_recv(&s->n, s->qp, 9, s->buf,
						     64, s->lkey));
			ASSERT_ERRNO(-EIO, cq_poll(&s->n, s->n.cq, &wc, 1,
						   &count));
			ASSERT_ERRNO(-EIO, pd_alloc(&s->n, &count));
			ASSERT_OK(ib_uverbs_read_async_event(s->n.f, &ev));
			ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
			ASSERT_ERRNO(-EAGAIN,
				     ib_uverbs_read_async_event(s->n.f, &ev));
			ASSERT_OK(qp_destroy(&s->n, s->qp));
			ASSERT_OK(mr_dereg(&s->n, s->mr));
			ASSERT_OK(cq_destroy(&s->n, s->n.cq));
			ASSERT_OK(pd_dealloc(&s->n, s->n.pd));
		}
		if (round == 2)
			fprintf(stderr, "  removal: %lu+%lu round trips, %lu+%lu EIO, %lu+%lu flushed\n",
				side[0].rounds, side[1].rounds, side[0].eio,
				side[1].eio, side[0].flushed, side[1].flushed);
		ASSERT_EQ(soft_count(dev), 0);
		for (i = 0; i < 2; i++)
			ib_uverbs_release(side[i].n.f);
		soft_device_destroy(dev);
	}
}

/* --- 3. fail-nth over a full RC ping-pong ------------------------------- */

/*
 * Allowed: ENOMEM (an allocation failed), ENOENT (a handle lookup failed:
 * the object is there, but the injected lookup says it is not), EMFILE
 * (a descriptor could not be allocated; no FD object here, listed for
 * completeness).
 */
static bool fnth_allowed(long r)
{
	return r == -ENOMEM || r == -ENOENT || r == -EMFILE;
}

struct fnth_side {
	struct lc n;
	bool ctx, pd, mr, cq, qp;
	u32 mrh, lkey, qp_h, qpn;
	u8 buf[256];
};

static unsigned int fnth_enomem, fnth_enoent, fnth_emfile;

static long fnth_check(long r, const char *what, unsigned int n)
{
	fnth_enomem += r == -ENOMEM;
	fnth_enoent += r == -ENOENT;
	fnth_emfile += r == -EMFILE;
	if (r && getenv("LC_VERBOSE"))
		fprintf(stderr, "  n=%u: %s: %s\n", n, what, errno_name(r));
	if (r && !fnth_allowed(r))
		harness_fail(__FILE__, __LINE__, "n=%u: %s: %s (%s)", n, what,
			     errno_name(r), ib_uverbs_last_error());
	return r;
}

/*
 * A teardown DESTROY: the same errnos, plus EBUSY for a parent whose
 * child's DESTROY failed just before (the child still holds it).
 */
static bool fnth_teardown(long r, const char *what, unsigned int n,
			  bool child_kept)
{
	if (r == -EBUSY && child_kept)
		return true;
	return fnth_check(r, what, n) != 0;
}

#define STEP(expr, what)                                                  \
	do {                                                              \
		if (fnth_check((expr), (what), n))                        \
			goto unwind;                                      \
	} while (0)

/*
 * "ping" as 12 SGEs, 4 of one byte and 8 empty: more than the engine
 * keeps on its stack, so the send allocates (an injection point).
 */
static long post_send_sg12(struct lc *n, u32 qp, u64 wr_id, u8 *buf, u32 lkey)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = wr_id, .num_sge = 12, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge[12] = { 0 };
	u32 i;

	for (i = 0; i < 12; i++) {
		sge[i].addr = (uintptr_t)(buf + (i < 4 ? i : 0));
		sge[i].length = i < 4;
		sge[i].lkey = lkey;
	}
	return ioverbs_qp_post_send(&n->v, qp, &wr, 1, sge, 12, NULL);
}

static void fnth_run(unsigned int n, bool *reached_end)
{
	static struct fnth_side s[2];
	struct ib_uverbs_wc wc;
	struct ib_device *dev;
	int i, got;
	long r;

	memset(s, 0, sizeof(s));
	dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(dev));
	for (i = 0; i < 2; i++)
		lc_open(&s[i].n, dev);

	compat_fail_nth_set(n);
	for (i = 0; i < 2; i++) {
		struct fnth_side *x = &s[i];

		STEP(get_context(&x->n), "GET_CONTEXT");
		x->ctx = true;
		STEP(pd_alloc(&x->n, &x->n.pd), "PD_ALLOC");
		x->pd = true;
		STEP(mr_reg(&x->n, x->n.pd, x->buf, sizeof(x->buf), &x->mrh,
			    &x->lkey), "MR_REG");
		x->mr = true;
		STEP(cq_create(&x->n, &x->n.cq, -1), "CQ_CREATE");
		x->cq = true;
		STEP(qp_create(&x->n, IB_UVERBS_QPT_RC, x->n.pd, x->n.cq, ~0u,
			       &x->qp_h, &x->qpn), "QP_CREATE");
		x->qp = true;
	}
	for (i = 0; i < 2; i++)
		STEP(qp_connect(&s[i].n, s[i].qp_h, IB_UVERBS_QPT_RC,
				s[!i].n.lid, s[!i].qpn), "QP_MODIFY");
	STEP(post_recv(&s[1].n, s[1].qp_h, 11, s[1].buf, 128, s[1].lkey),
	     "POST_RECV");
	memcpy(s[0].buf + 128, "ping", 4);
	STEP(post_send_sg12(&s[0].n, s[0].qp_h, 10, s[0].buf + 128,
			    s[0].lkey), "POST_SEND");
	/*
	 * An injection inside the engine (the send already queued) may
	 * show as an error completion rather than a command error: then
	 * the fault must have fired.
	 */
	got = 0;
	for (i = 0; i < 2; i++) {
		r = poll_one(&s[i].n, s[i].n.cq, &wc);
		if (r == -ETIMEDOUT && compat_fail_nth_left() == 0)
			break;
		STEP(r, "CQ_POLL");
		if (wc.status != IB_UVERBS_WC_SUCCESS) {
			if (compat_fail_nth_left() != 0)
				harness_fail(__FILE__, __LINE__,
					     "n=%u: WC status %u without a fault",
					     n, wc.status);
			continue;
		}
		got++;
	}
	if (got == 2)
		ASSERT_TRUE(!memcmp(s[1].buf, "ping", 4));
	else
		ASSERT_EQ(compat_fail_nth_left(), 0);
unwind:
	/* Teardown, still armed: what fails here is left to the close. */
	for (i = 1; i >= 0; i--) {
		struct fnth_side *x = &s[i];
		bool kept = false;	/* a child survived its DESTROY */

		if (x->qp)
			kept |= fnth_teardown(qp_destroy(&x->n, x->qp_h),
					      "QP_DESTROY", n, false);
		if (x->cq)
			kept |= fnth_teardown(cq_destroy(&x->n, x->n.cq),
					      "CQ_DESTROY", n, kept);
		if (x->mr)
			kept |= fnth_teardown(mr_dereg(&x->n, x->mrh),
					      "MR_DEREG", n, false);
		if (x->pd)
			fnth_teardown(pd_dealloc(&x->n, x->n.pd),
				      "PD_DEALLOC", n, kept);
	}
	*reached_end = compat_fail_nth_left() != 0;
	compat_fail_nth_set(0);
	for (i = 0; i < 2; i++)
		ib_uverbs_release(s[i].n.f);
	soft_device_destroy(dev);
	rcu_barrier();
	if (compat_live_objects())
		harness_fail(__FILE__, __LINE__, "n=%u: %ld objects leaked", n,
			     compat_live_objects());
}

TEST_TIMEOUT(soft_fail_nth_pingpong, 60)
{
	unsigned int n;
	bool end = false;

	for (n = 1; n < 100000 && !end; n++)
		fnth_run(n, &end);
	ASSERT_TRUE(end);
	fprintf(stderr,
		"  fail-nth: %u injection points; failed commands: %u ENOMEM, %u ENOENT, %u EMFILE\n",
		n - 2, fnth_enomem, fnth_enoent, fnth_emfile);
}
