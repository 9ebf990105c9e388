// SPDX-License-Identifier: MIT
/*
 * The soft device's shared queues, embedded: a client posts and polls
 * through memfd rings while the context's NIC thread serves them (one
 * attach command per object, then no command per operation).  Ping-pong
 * and one-sided traffic between two contexts, inline payloads copied at
 * post time, futex waits, attach errors, and hostile ring contents that
 * may fail only the client's own QP.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rdma/ib_verbs.h>
#include <rdma/soft_device.h>

#include <ioverbs/embedded.h>

#include "harness.h"

struct rpair {
	struct ib_device *dev;
	struct ib_uverbs_file *f[2];
	struct ioverbs_ep s[2];
};

static void rpair_open(struct rpair *p, bool rings, u8 rnr_retry)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(p->dev));
	for (i = 0; i < 2; i++) {
		p->f[i] = ib_uverbs_open(p->dev, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(p->f[i]));
		ioverbs_client_init_embedded(&p->s[i].v, p->f[i]);
		ASSERT_OK(ioverbs_ep_open(&p->s[i], 1 << 16, rings));
	}
	ASSERT_OK(ioverbs_ep_connect(&p->s[0], &p->s[1], rnr_retry));
	ASSERT_OK(ioverbs_ep_connect(&p->s[1], &p->s[0], rnr_retry));
}

static void rpair_close(struct rpair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		ioverbs_ep_close(&p->s[i]);
		ib_uverbs_release(p->f[i]);
	}
	soft_device_destroy(p->dev);
}

static void expect(struct ioverbs_ep *s, u64 wr_id, u32 status, u32 opcode)
{
	struct ib_uverbs_wc wc;

	ASSERT_OK(ioverbs_ep_poll(s, &wc, 10000));
	if (wc.wr_id != wr_id || wc.status != status || wc.opcode != opcode)
		harness_fail(__FILE__, __LINE__,
			     "wc: wr_id %llu status %u opcode %u, want %llu %u %u",
			     (unsigned long long)wc.wr_id, wc.status, wc.opcode,
			     (unsigned long long)wr_id, status, opcode);
}

static struct ib_uverbs_sge sge_at(struct ioverbs_ep *s, u64 off, u32 len)
{
	return (struct ib_uverbs_sge){ .addr = (uintptr_t)(s->buf + off),
				       .length = len, .lkey = s->lkey };
}

TEST(ring_send_recv_and_write)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct rpair p;

	rpair_open(&p, true, 7);
	memcpy(p.s[0].buf, "ring message", 12);
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 50, 1024, 64));
	sge = sge_at(&p.s[0], 0, 12);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	expect(&p.s[0], 1, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 50, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.s[1].buf + 1024, "ring message", 12));

	/* RDMA WRITE lands without side 1 doing anything. */
	memset(p.s[0].buf, 0x5a, 4096);
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 2, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	wr.wr.rdma.remote_addr = (uintptr_t)(p.s[1].buf + 8192);
	wr.wr.rdma.rkey = p.s[1].rkey;
	sge = sge_at(&p.s[0], 0, 4096);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	expect(&p.s[0], 2, 0, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_EQ(p.s[1].buf[8192], 0x5a);
	ASSERT_EQ(p.s[1].buf[8192 + 4095], 0x5a);
	/* The CQ ring can also be polled by command. */
	{
		struct ib_uverbs_wc wc[2];

		ASSERT_EQ(ioverbs_sring_poll(&p.s[1].rcq, wc, 2), 0);
	}
	rpair_close(&p);
}

TEST(ring_inline_is_copied_at_post)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 3, .num_sge = 2, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED | IB_UVERBS_SEND_INLINE,
	};
	struct ib_uverbs_sge sge[2];
	char a[8] = "inline-", b[8] = "bytes";
	struct rpair p;

	rpair_open(&p, true, 7);
	sge[0] = (struct ib_uverbs_sge){ .addr = (uintptr_t)a, .length = 7 };
	sge[1] = (struct ib_uverbs_sge){ .addr = (uintptr_t)b, .length = 5 };
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, sge));
	/* The caller may reuse its buffers at once. */
	memset(a, 'X', sizeof(a));
	memset(b, 'X', sizeof(b));
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 51, 0, 64));
	expect(&p.s[0], 3, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 51, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.s[1].buf, "inline-bytes", 12));
	/* Beyond max_inline_data: refused by the library. */
	sge[0].length = 65;
	ASSERT_ERRNO(-EINVAL, ioverbs_ep_post_send(&p.s[0], &wr, sge));
	rpair_close(&p);
}

struct pong_arg {
	struct ioverbs_ep *s;
	int rounds;
	long err;
};

static void *pong_fn(void *arg)
{
	struct pong_arg *a = arg;
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = sge_at(a->s, 0, 8);
	struct ib_uverbs_wc wc;
	int i, got;

	for (i = 0; i < a->rounds && !a->err; i++) {
		a->err = ioverbs_ep_post_recv(a->s, 100 + i, 0, 64);
		for (got = 0; !a->err && got < 2;) {
			a->err = ioverbs_ep_poll(a->s, &wc, 10000);
			if (!a->err && wc.status)
				a->err = -EIO;
			if (!a->err && wc.opcode == IB_UVERBS_WC_RECV) {
				got++;
				wr.wr_id = i;
				a->err = ioverbs_ep_post_send(a->s, &wr, &sge);
			} else if (!a->err) {
				got++;
			}
		}
	}
	return NULL;
}

/* Two threads, two contexts: every message answered, in order. */
TEST(ring_pingpong_two_threads)
{
	enum { ROUNDS = 2000 };
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct pong_arg a = { .rounds = ROUNDS };
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct rpair p;
	pthread_t th;
	int i, got;

	rpair_open(&p, true, 7);
	a.s = &p.s[1];
	ASSERT_OK(-pthread_create(&th, NULL, pong_fn, &a));
	sge = sge_at(&p.s[0], 0, 8);
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_OK(ioverbs_ep_post_recv(&p.s[0], 200 + i, 64, 64));
		wr.wr_id = i;
		ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
		for (got = 0; got < 2; got++) {
			ASSERT_OK(ioverbs_ep_poll(&p.s[0], &wc, 10000));
			ASSERT_EQ(wc.status, 0);
			if (wc.opcode == IB_UVERBS_WC_RECV)
				ASSERT_EQ(wc.wr_id, 200 + i);
			else
				ASSERT_EQ(wc.wr_id, i);
		}
	}
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_OK(a.err);
	rpair_close(&p);
}

/* A sleeping waiter (futex) wakes for a completion from another thread. */
struct late_send {
	struct ioverbs_ep *s;
	long err;
};

static void *late_send_fn(void *arg)
{
	struct late_send *l = arg;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 9, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
	};
	struct ib_uverbs_sge sge = sge_at(l->s, 0, 4);
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	l->err = ioverbs_ep_post_send(l->s, &wr, &sge);
	return NULL;
}

TEST(ring_wait_sleeps_until_a_completion)
{
	struct late_send l;
	struct ib_uverbs_wc wc;
	struct rpair p;
	pthread_t th;

	rpair_open(&p, true, 7);
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 60, 0, 64));
	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_sring_wait(&p.s[1].rcq, 20000));
	l.s = &p.s[0];
	ASSERT_OK(-pthread_create(&th, NULL, late_send_fn, &l));
	ASSERT_OK(ioverbs_sring_wait(&p.s[1].rcq, 10 * 1000 * 1000));
	ASSERT_EQ(ioverbs_sring_poll(&p.s[1].rcq, &wc, 1), 1);
	ASSERT_EQ(wc.wr_id, 60);
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_OK(l.err);
	rpair_close(&p);
}

static int attach(struct ioverbs_ep *s, int fd, int qp, int cq)
{
	return ioverbs_sring_attach(fd, qp, cq, s->v.fn, s->v.ctx);
}

static int attach_db(struct ioverbs_ep *s, int fd, int kick)
{
	return ioverbs_sring_attach_doorbell(fd, kick, s->v.fn, s->v.ctx);
}

static int attach_kick_qp(struct ioverbs_ep *s, int fd, int kick)
{
	struct soft_attach a = { .fd = fd }, k = { .fd = kick };
	struct ioverbs_cmd c;

	ioverbs_client_cmd_init(&s->v, &c, SOFT_TYPE_VENDOR, SOFT_VENDOR_ATTACH);
	ioverbs_cmd_in(&c, SOFT_ATTACH_FD, &a, sizeof(a));
	ioverbs_cmd_in(&c, SOFT_ATTACH_KICK, &k, sizeof(k));
	ioverbs_cmd_idr(&c, SOFT_ATTACH_QP, s->qp);
	return (int)ioverbs_client_exec(&s->v, &c);
}

static int sealed_memfd(size_t len, bool seal)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, (off_t)len));
	if (seal)
		ASSERT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	return fd;
}

TEST(ring_attach_errors)
{
	struct ib_uverbs_async_event_desc ev;
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_file *f;
	struct ioverbs_ep s;
	int fd, pipefd[2], kick;
	u32 cqe;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f));
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_embedded(&s.v, f);
	ASSERT_OK(ioverbs_ep_open(&s, 4096, false));
	/* A QP before the context's doorbell. */
	fd = sealed_memfd(1 << 20, true);
	ASSERT_ERRNO(-EINVAL, attach(&s, fd, (int)s.qp, -1));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "doorbell first"));
	close(fd);
	/* Not sealed; too small; not a descriptor; not a memfd. */
	kick = eventfd(0, EFD_CLOEXEC);
	ASSERT_TRUE(kick >= 0);
	fd = sealed_memfd(SOFT_RING_DOORBELL_SIZE, false);
	ASSERT_ERRNO(-EINVAL, attach_db(&s, fd, kick));
	close(fd);
	fd = sealed_memfd(100, true);
	ASSERT_ERRNO(-EINVAL, attach_db(&s, fd, kick));
	close(fd);
	ASSERT_ERRNO(-EBADF, attach_db(&s, 987654, kick));
	ASSERT_OK(pipe(pipefd));
	ASSERT_ERRNO(-EINVAL, attach_db(&s, pipefd[0], kick));
	/* The doorbell without its kick, or a kick that is no eventfd. */
	fd = sealed_memfd(1 << 20, true);
	ASSERT_ERRNO(-EINVAL, attach(&s, fd, -1, -1));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "kick eventfd"));
	ASSERT_ERRNO(-EINVAL, attach_db(&s, fd, pipefd[0]));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "not an eventfd"));
	ASSERT_ERRNO(-EINVAL, attach_db(&s, fd, fd));
	ASSERT_ERRNO(-EBADF, attach_db(&s, fd, 987654));
	close(pipefd[0]);
	close(pipefd[1]);
	/* Both a QP and a CQ. */
	ASSERT_ERRNO(-EINVAL, attach(&s, fd, (int)s.qp, (int)s.cq));
	/* The doorbell, once. */
	ASSERT_OK(attach_db(&s, fd, kick));
	ASSERT_ERRNO(-EBUSY, attach_db(&s, fd, kick));
	/* A kick is the doorbell's only. */
	ASSERT_ERRNO(-EINVAL, attach_kick_qp(&s, fd, kick));
	ASSERT_TRUE(strstr(ib_uverbs_last_error(), "doorbell only"));
	close(kick);
	/* A CQ ring: once; then the CQ cannot be resized. */
	ASSERT_OK(attach(&s, fd, -1, (int)s.cq));
	ASSERT_ERRNO(-EBUSY, attach(&s, fd, -1, (int)s.cq));
	ASSERT_ERRNO(-EOPNOTSUPP, ioverbs_cq_resize(&s.v, s.cq, 512, NULL));
	/* A QP ring, once; a handle of the wrong type. */
	ASSERT_OK(attach(&s, fd, (int)s.qp, -1));
	ASSERT_ERRNO(-EBUSY, attach(&s, fd, (int)s.qp, -1));
	ASSERT_ERRNO(-EINVAL, attach(&s, fd, (int)s.pd, -1));
	close(fd);
	/* The device keeps its mappings: closing ours changes nothing. */
	ASSERT_EQ(ioverbs_qp_query_state(&s.v, s.qp), IB_UVERBS_QPS_RESET);
	ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(&s.v, &ev));
	(void)cqe;
	ioverbs_ep_close(&s);
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

/*
 * A hostile client: a producer index past the ring, and a WQE with more
 * SGEs than the QP takes.  Its own QP fails (QP_FATAL, ERR); the other
 * context's traffic goes on.
 */
TEST(ring_hostile_contents_fail_only_that_qp)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 4, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_sge sge;
	struct soft_ring_send *e;
	struct rpair p;
	int i;

	rpair_open(&p, true, 7);
	/* An index 1000 entries ahead of the device. */
	__atomic_store_n(&p.s[0].rqp.sq->prod, 1000, __ATOMIC_RELEASE);
	ioverbs_sring_ring(&p.s[0].rctx);
	for (i = 0; i < 10000 && ioverbs_qp_query_state(&p.s[0].v, p.s[0].qp) !=
						   IB_UVERBS_QPS_ERR; i++)
		usleep(1000);
	ASSERT_EQ(ioverbs_qp_query_state(&p.s[0].v, p.s[0].qp), IB_UVERBS_QPS_ERR);
	ASSERT_OK(ioverbs_async_event_get(&p.s[0].v, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_QP_FATAL);
	ASSERT_EQ(ev.element, 0x9b);

	/* Side 1's QP: a WQE claiming 200 SGEs. */
	e = (struct soft_ring_send *)(p.s[1].rqp.sq + 1);
	memset(e, 0, sizeof(*e));
	e->wr.num_sge = 200;
	e->wr.opcode = IB_UVERBS_WR_SEND;
	__atomic_store_n(&p.s[1].rqp.sq->prod, 1, __ATOMIC_RELEASE);
	ioverbs_sring_ring(&p.s[1].rctx);
	for (i = 0; i < 10000 && ioverbs_qp_query_state(&p.s[1].v, p.s[1].qp) !=
						   IB_UVERBS_QPS_ERR; i++)
		usleep(1000);
	ASSERT_EQ(ioverbs_qp_query_state(&p.s[1].v, p.s[1].qp), IB_UVERBS_QPS_ERR);
	ASSERT_OK(ioverbs_async_event_get(&p.s[1].v, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_QP_FATAL);

	/* A fresh pair on the same device still works. */
	{
		struct ioverbs_ep a, b;
		struct ib_uverbs_file *fa = ib_uverbs_open(p.dev, NULL, NULL);
		struct ib_uverbs_file *fb = ib_uverbs_open(p.dev, NULL, NULL);

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ioverbs_client_init_embedded(&a.v, fa);
		ioverbs_client_init_embedded(&b.v, fb);
		ASSERT_OK(ioverbs_ep_open(&a, 4096, true));
		ASSERT_OK(ioverbs_ep_open(&b, 4096, true));
		ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
		ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
		ASSERT_OK(ioverbs_ep_post_recv(&b, 70, 0, 64));
		sge = sge_at(&a, 0, 4);
		ASSERT_OK(ioverbs_ep_post_send(&a, &wr, &sge));
		expect(&a, 4, 0, IB_UVERBS_WC_SEND);
		expect(&b, 70, 0, IB_UVERBS_WC_RECV);
		ioverbs_ep_close(&a);
		ioverbs_ep_close(&b);
		ib_uverbs_release(fa);
		ib_uverbs_release(fb);
	}
	rpair_close(&p);
}

/* Closing files with rings attached and the NICs running: nothing leaks. */
TEST(ring_close_with_everything_live)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
	};
	struct ib_uverbs_sge sge;
	struct rpair p;
	int i;

	rpair_open(&p, true, 7);
	sge = sge_at(&p.s[0], 0, 16);
	/* Sends waiting for receives (RNR, forever), receives posted. */
	for (i = 0; i < 8; i++) {
		wr.wr_id = i;
		ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	}
	for (i = 0; i < 4; i++)
		ASSERT_OK(ioverbs_ep_post_recv(&p.s[0], i, 0, 16));
	/* No DESTROY: release cleans up, NICs included. */
	for (i = 0; i < 2; i++) {
		ib_uverbs_release(p.f[i]);
		ioverbs_sring_qp_detach(&p.s[i].rqp);
		ioverbs_sring_cq_detach(&p.s[i].rcq);
		ioverbs_sring_ctx_detach(&p.s[i].rctx);
		free(p.s[i].buf);
	}
	soft_device_destroy(p.dev);
}

/*
 * The soft device's vendor attribute on a standard action: CQ_CREATE with
 * SOFT_CQ_CREATE_RING makes a CQ whose completions go to the caller's
 * ring from the start.
 */
static long cq_create_ring(struct ioverbs_ep *s, int fd, u32 cqe, u32 *cq)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 1, .cqe = cqe };
	struct ib_uverbs_cq_create_resp resp;
	struct soft_attach a = { .fd = fd };
	struct ioverbs_cmd c;

	ioverbs_client_cmd_init(&s->v, &c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
	ioverbs_cmd_new(&c, UVERBS_CQ_CREATE_HANDLE, cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_CREATE_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_CQ_CREATE_RESP, &resp, sizeof(resp));
	ioverbs_cmd_in(&c, SOFT_CQ_CREATE_RING, &a, sizeof(a));
	return ioverbs_client_exec(&s->v, &c);
}

TEST(ring_cq_create_with_vendor_ring)
{
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 4,
					.max_send_sge = 1, .max_recv_sge = 1 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 77, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_recv_wr rwr = { .wr_id = 78, .num_sge = 1 };
	struct ioverbs_sring_cq rcq = { 0 };
	struct ib_uverbs_qp_cap got;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc[4];
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_file *f;
	struct ioverbs_ep s;
	u32 cq, qp, qpn, bad, n = 0;
	int fd, i;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f));
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_embedded(&s.v, f);
	ASSERT_OK(ioverbs_ep_open(&s, 4096, false));
	/* Too small a memfd, a bad descriptor: no CQ. */
	fd = sealed_memfd(4096, true);
	ASSERT_ERRNO(-EINVAL, cq_create_ring(&s, fd, 1024, &cq));
	close(fd);
	ASSERT_ERRNO(-EBADF, cq_create_ring(&s, 987654, 16, &cq));

	rcq.len = soft_ring_cq_size(16);
	fd = sealed_memfd(rcq.len, true);
	ASSERT_OK(cq_create_ring(&s, fd, 16, &cq));
	rcq.ctrl = mmap(NULL, rcq.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	ASSERT_TRUE(rcq.ctrl != MAP_FAILED);
	rcq.ents = (struct ib_uverbs_wc *)(rcq.ctrl + 1);
	rcq.entries = 16;
	/* Attached already. */
	ASSERT_ERRNO(-EBUSY, attach(&s, fd, -1, (int)cq));

	/* A loopback QP on it: its completions arrive in our ring. */
	ASSERT_OK(ioverbs_qp_create(&s.v, IB_UVERBS_QPT_RC, s.pd, cq, &cap,
				    &qp, &qpn, &got));
	ASSERT_OK(ioverbs_qp_connect_rc(&s.v, qp, s.lid, qpn, 7));
	sge = sge_at(&s, 0, 8);
	ASSERT_OK(ioverbs_qp_post_recv(&s.v, qp, &rwr, 1, &sge, 1, &bad));
	ASSERT_OK(ioverbs_qp_post_send(&s.v, qp, &wr, 1, &sge, 1, &bad));
	for (i = 0; i < 1000 && n < 2; i++) {
		n += ioverbs_sring_poll(&rcq, wc + n, 4 - n);
		if (n < 2)
			usleep(1000);
	}
	ASSERT_EQ(n, 2);
	ASSERT_EQ(wc[0].wr_id + wc[1].wr_id, 77 + 78);

	ASSERT_OK(ioverbs_qp_destroy(&s.v, qp, NULL));
	ASSERT_OK(ioverbs_cq_destroy(&s.v, cq, NULL));
	munmap(rcq.ctrl, rcq.len);
	close(fd);
	ioverbs_ep_close(&s);
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

/* Two contexts with rings and RC QPs connected to each other, @len each. */
static void big_pair_open(struct rpair *p, size_t len)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(p->dev));
	for (i = 0; i < 2; i++) {
		p->f[i] = ib_uverbs_open(p->dev, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(p->f[i]));
		ioverbs_client_init_embedded(&p->s[i].v, p->f[i]);
		ASSERT_OK(ioverbs_ep_open(&p->s[i], len, true));
	}
	ASSERT_OK(ioverbs_ep_connect(&p->s[0], &p->s[1], 7));
	ASSERT_OK(ioverbs_ep_connect(&p->s[1], &p->s[0], 7));
}

/*
 * With a pool of one NIC thread, a 64 MiB RDMA WRITE moves a bounded
 * amount per turn: the other context's SEND, posted after it, completes
 * first; so does it beside a 64 MiB SEND.  The WRITE, the SEND and a
 * 16 MiB READ resume across turns and land whole.  A QP destroyed in the
 * middle of a long WRITE, and its context closed, leave nothing behind.
 */
TEST(ring_big_transfers_take_turns)
{
	enum { BIG = 64 << 20, READ_LEN = 16 << 20 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct rpair p;
	u32 i;

	ASSERT_ERRNO(-EINVAL, soft_nic_set_threads(SOFT_NIC_MAX_THREADS + 1));
	ASSERT_OK(soft_nic_set_threads(1));
	big_pair_open(&p, BIG + 4096);
	for (i = 0; i < BIG; i += 4096)
		p.s[0].buf[i + (i >> 12) % 4096] = (u8)(i >> 12 | 1);
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[0], 7, BIG, 64));

	/* Side 0 writes 64 MiB into side 1; side 1 then sends 4 bytes. */
	wr.wr.rdma.remote_addr = (uintptr_t)p.s[1].buf;
	wr.wr.rdma.rkey = p.s[1].rkey;
	sge = sge_at(&p.s[0], 0, BIG);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 2, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	sge = sge_at(&p.s[1], BIG, 4);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[1], &wr, &sge));
	expect(&p.s[1], 2, 0, IB_UVERBS_WC_SEND);
	/* The small one overtook the big one (one CQ, in order). */
	expect(&p.s[0], 7, 0, IB_UVERBS_WC_RECV);
	expect(&p.s[0], 1, 0, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_TRUE(!memcmp(p.s[0].buf, p.s[1].buf, BIG));

	/* 16 MiB back by RDMA READ, over the start of side 0's buffer. */
	memset(p.s[0].buf, 0, READ_LEN);
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 3, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_READ,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	wr.wr.rdma.remote_addr = (uintptr_t)p.s[1].buf;
	wr.wr.rdma.rkey = p.s[1].rkey;
	sge = sge_at(&p.s[0], 0, READ_LEN);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	expect(&p.s[0], 3, 0, IB_UVERBS_WC_RDMA_READ);
	ASSERT_TRUE(!memcmp(p.s[0].buf, p.s[1].buf, READ_LEN));

	/* A 64 MiB SEND from side 0, then a 4-byte one from side 1. */
	for (i = 0; i < BIG; i += 4096)
		p.s[0].buf[i + 17] = (u8)(i >> 12 ^ 0x5a);
	memset(p.s[1].buf, 0, BIG);
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 8, 0, BIG));
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[0], 9, BIG, 64));
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 10, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	sge = sge_at(&p.s[0], 0, BIG);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	wr.wr_id = 11;
	sge = sge_at(&p.s[1], BIG, 4);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[1], &wr, &sge));
	expect(&p.s[1], 11, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[0], 9, 0, IB_UVERBS_WC_RECV);
	expect(&p.s[0], 10, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 8, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.s[0].buf, p.s[1].buf, BIG));

	/* A long WRITE, then everything destroyed under it. */
	wr.wr_id = 4;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	sge = sge_at(&p.s[0], 0, BIG);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	usleep(1000);
	rpair_close(&p);
	ASSERT_OK(soft_nic_set_threads(0));
}

/*
 * WQEs posted to a QP's ring before it may send wait in the ring; the
 * MODIFY to RTS is enough for the NIC to take them, without another
 * doorbell (the NIC may be asleep by then).
 */
TEST(ring_wqes_posted_before_rts_run_at_rts)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 5, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct rpair p;
	int i;

	memset(&p, 0, sizeof(p));
	p.dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(p.dev));
	for (i = 0; i < 2; i++) {
		p.f[i] = ib_uverbs_open(p.dev, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(p.f[i]));
		ioverbs_client_init_embedded(&p.s[i].v, p.f[i]);
		ASSERT_OK(ioverbs_ep_open(&p.s[i], 4096, true));
	}
	ASSERT_OK(ioverbs_ep_connect(&p.s[1], &p.s[0], 7));
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 6, 0, 64));
	/* Side 0 is in RESET: its WQE waits in the ring. */
	sge = sge_at(&p.s[0], 0, 8);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	usleep(100 * 1000);
	ASSERT_EQ(ioverbs_qp_query_state(&p.s[0].v, p.s[0].qp), IB_UVERBS_QPS_RESET);
	ASSERT_OK(ioverbs_ep_connect(&p.s[0], &p.s[1], 7));
	expect(&p.s[0], 5, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 6, 0, IB_UVERBS_WC_RECV);
	rpair_close(&p);
}

/* A receive WQE on @s's ring with its doorbell not rung: the NIC has
 * not seen it. */
static void post_recv_unrung(struct ioverbs_ep *s, u64 wr_id, u64 off,
			     u32 len)
{
	struct ioverbs_sring_qp *r = &s->rqp;
	struct soft_ring_recv *e;

	e = (struct soft_ring_recv *)((u8 *)(r->rq + 1) +
				      (size_t)(r->rq_prod &
					       (r->layout.rq_entries - 1)) *
					      r->layout.rq_stride);
	e->wr = (struct ib_uverbs_recv_wr){ .wr_id = wr_id, .num_sge = 1 };
	e->sge[0] = sge_at(s, off, len);
	__atomic_store_n(&r->rq->prod, ++r->rq_prod, __ATOMIC_RELEASE);
}

/*
 * A UC SEND that finds a receive its responder's client posted on the
 * ring, but that the responder's NIC has not taken yet, waits for it
 * (hardware reads the RQ when the packet arrives and finds it) instead
 * of losing the message.
 */
TEST(ring_uc_send_waits_for_a_posted_receive)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 7, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 16, .max_recv_wr = 16,
		.max_send_sge = 1, .max_recv_sge = 1,
	};
	struct ioverbs_qp_peer peer = {
		.qp_type = IB_UVERBS_QPT_UC,
		.access = IB_UVERBS_ACCESS_REMOTE_WRITE,
	};
	struct ib_uverbs_sge sge;
	u32 qp[2], qpn[2];
	struct rpair p;
	int i;

	memset(&p, 0, sizeof(p));
	p.dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(p.dev));
	for (i = 0; i < 2; i++) {
		struct ioverbs_ep *s = &p.s[i];

		p.f[i] = ib_uverbs_open(p.dev, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(p.f[i]));
		ioverbs_client_init_embedded(&s->v, p.f[i]);
		/* The ep's RC QP stays unused; the rings go to a UC one. */
		ASSERT_OK(ioverbs_ep_open(s, 4096, false));
		ASSERT_OK(ioverbs_qp_create(&s->v, IB_UVERBS_QPT_UC, s->pd,
					    s->cq, &cap, &qp[i], &qpn[i],
					    &s->cap));
		ASSERT_OK(ioverbs_sring_ctx_attach(&s->rctx, s->v.fn,
						   s->v.ctx));
		ASSERT_OK(ioverbs_sring_cq_attach(&s->rcq, s->cq, s->cqe,
						  s->v.fn, s->v.ctx));
		ASSERT_OK(ioverbs_sring_qp_attach(&s->rqp, &s->rctx, qp[i],
						  &s->cap, s->v.fn, s->v.ctx));
		s->rings = true;
	}
	for (i = 0; i < 2; i++) {
		peer.dlid = p.s[!i].lid;
		peer.dest_qpn = qpn[!i];
		ASSERT_OK(ioverbs_qp_connect(&p.s[i].v, qp[i], &peer));
	}
	/* Side 1's NIC goes idle and sleeps on its doorbell. */
	usleep(20 * 1000);
	post_recv_unrung(&p.s[1], 50, 1024, 64);
	memcpy(p.s[0].buf, "posted first", 12);
	sge = sge_at(&p.s[0], 0, 12);
	ASSERT_OK(ioverbs_sring_post_send(&p.s[0].rqp, &wr, &sge));
	/* The SEND runs meanwhile; only then is the receive rung. */
	usleep(2 * 1000);
	ioverbs_sring_ring(&p.s[1].rctx);
	expect(&p.s[0], 7, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 50, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.s[1].buf + 1024, "posted first", 12));
	for (i = 0; i < 2; i++)
		ASSERT_OK(ioverbs_qp_destroy(&p.s[i].v, qp[i], NULL));
	rpair_close(&p);
}

/*
 * Embedded, two contexts with key tables: their MRs are in the tables,
 * but one process has no peer to reach directly: every QP is RELAY from
 * its attach, and the NIC serves it as before.
 */
TEST(ring_key_tables_embedded_relay)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	const struct soft_direct_keys *k;
	struct ib_uverbs_sge sge;
	struct ioverbs_ep *s;
	struct rpair p;
	u32 i, slot;
	int n;

	memset(&p, 0, sizeof(p));
	p.dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(p.dev));
	for (n = 0; n < 2; n++) {
		s = &p.s[n];
		p.f[n] = ib_uverbs_open(p.dev, NULL, NULL);
		ASSERT_TRUE(!IS_ERR(p.f[n]));
		ioverbs_client_init_embedded(&s->v, p.f[n]);
		ASSERT_OK(ioverbs_ep_open(s, 1 << 16, false));
		ASSERT_OK(ioverbs_sring_ctx_attach_keys(&s->rctx, 64, s->v.fn,
							s->v.ctx));
		ASSERT_OK(ioverbs_sring_cq_attach(&s->rcq, s->cq, s->cqe,
						  s->v.fn, s->v.ctx));
		ASSERT_OK(ioverbs_sring_qp_attach(&s->rqp, &s->rctx, s->qp,
						  &s->cap, s->v.fn, s->v.ctx));
		s->rings = true;
		ASSERT_EQ(s->rqp.dir->path, SOFT_PATH_RELAY);
		/* The MR registered before the table is in it. */
		k = s->rctx.keys;
		for (i = 0; i < 64; i++) {
			slot = (soft_direct_key_slot(s->rkey, 64) + i) & 63;
			if (k->key[slot].rkey == s->rkey)
				break;
		}
		ASSERT_TRUE(i < 64);
		ASSERT_EQ(k->key[slot].state, SOFT_DKEY_LIVE);
		ASSERT_EQ(k->key[slot].addr, (uintptr_t)s->buf);
	}
	ASSERT_OK(ioverbs_ep_connect(&p.s[0], &p.s[1], 7));
	ASSERT_OK(ioverbs_ep_connect(&p.s[1], &p.s[0], 7));
	ASSERT_EQ(p.s[0].rqp.dir->path, SOFT_PATH_RELAY);
	ASSERT_EQ(p.s[1].rqp.dir->path, SOFT_PATH_RELAY);
	ASSERT_EQ(p.s[0].rqp.dir->state, IB_UVERBS_QPS_RTS);
	memcpy(p.s[0].buf, "keyed ring", 10);
	ASSERT_OK(ioverbs_ep_post_recv(&p.s[1], 50, 1024, 64));
	sge = sge_at(&p.s[0], 0, 10);
	ASSERT_OK(ioverbs_ep_post_send(&p.s[0], &wr, &sge));
	expect(&p.s[0], 1, 0, IB_UVERBS_WC_SEND);
	expect(&p.s[1], 50, 0, IB_UVERBS_WC_RECV);
	ASSERT_TRUE(!memcmp(p.s[1].buf + 1024, "keyed ring", 10));
	rpair_close(&p);
}
