// SPDX-License-Identifier: MIT
/*
 * The provider's direct data path engine (provider/direct.c) against
 * <rdma/soft_direct.h>, without a device: this test plays the device.
 * It makes two QPs' memfds, a key table and a kick eventfd, writes each
 * page's peer block (the peer is this process) and path DIRECT, and
 * drives the engine's posts and polls.  The commands the engine sends
 * (MODIFY to ERR) go to a fake transport that counts them.  The context
 * has its key table, so its progress thread runs as in a client.
 *
 * Each test connects a fresh pair a <-> b, each QP with its own CQ; the
 * progress thread's tests put b in a child process (fork()), whose
 * client never polls.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rdma/soft_direct.h>

#include "../provider/ivp_lib.h"
#include "harness.h"

#define BUFSZ (256 * 1024)
#define PD 7
#define LKEY 0x1100
#define RKEY 0x2200
#define KEYS 64

struct tqp {
	struct ivp_qp qp;
	struct ivp_cq cq;
};

FIXTURE(dpair)
{
	struct ivp_dev dev;
	struct soft_ring_doorbell *db;
	struct soft_direct_keys *keys;
	int keys_fd;
	struct tqp a, b;
	u8 *buf;
	unsigned int modifies;
	u32 peer_access;
};

static unsigned int *modify_count;

/*
 * The transport: every command succeeds; QP_MODIFYs are counted (the
 * progress thread may send one too).
 */
static long fake_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	const struct ib_uverbs_ioctl_hdr *h = arg;

	if (h->object_type == UVERBS_TYPE_QP &&
	    h->action == UVERBS_ACTION_QP_MODIFY)
		__atomic_fetch_add(modify_count, 1, __ATOMIC_RELAXED);
	return 0;
}

static unsigned int modifies(struct dpair *self)
{
	return __atomic_load_n(&self->modifies, __ATOMIC_RELAXED);
}

static int memfd_sized(const char *name, size_t len, void **map)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, (off_t)len));
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(*map != MAP_FAILED);
	return fd;
}

static u64 ino_of(int fd)
{
	struct stat st;

	ASSERT_OK(fstat(fd, &st));
	return st.st_ino;
}

static void tqp_init(struct dpair *self, struct tqp *t, u32 qpn, u8 type)
{
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
					.max_send_sge = 2, .max_recv_sge = 2,
					.max_inline_data = 64 };
	struct ioverbs_sring_qp *r = &t->qp.r;
	void *map;

	memset(t, 0, sizeof(*t));
	t->cq.dev = &self->dev;
	/* Room for every completion a test leaves unpolled. */
	t->cq.cqe = 256;
	pthread_mutex_init(&t->cq.lock, NULL);
	t->qp.dev = &self->dev;
	t->qp.qpn = qpn;
	t->qp.ring = true;
	pthread_mutex_init(&t->qp.sq_lock, NULL);
	pthread_mutex_init(&t->qp.rq_lock, NULL);
	r->ctx = &self->dev.ring;
	r->cap = cap;
	soft_ring_qp_layout(&cap, &r->layout);
	r->fd = memfd_sized("ioverbs-qp", r->layout.size, &map);
	r->map = map;
	r->sq = (struct soft_ring_ctrl *)(r->map + r->layout.sq);
	r->rq = (struct soft_ring_ctrl *)(r->map + r->layout.rq);
	ASSERT_OK(ivp_direct_qp_init(&t->qp, type, PD, &t->cq, &t->cq));
	ASSERT_OK(ivp_direct_cq_add(&t->cq, &t->qp));
}

static struct soft_direct_ctrl *page(struct tqp *t)
{
	return (struct soft_direct_ctrl *)(t->qp.r.map + t->qp.r.layout.dir);
}

/* What the device writes at RTR: @t's peer is @p, path DIRECT. */
static void peer_block(struct dpair *self, struct tqp *t, struct tqp *p)
{
	struct soft_direct_ctrl *pg = page(t);

	pg->seq++;
	pg->peer_qpn = p->qp.qpn;
	pg->peer_pid = getpid();
	pg->peer_lid = 5;
	pg->peer_port = 1;
	pg->peer_pd = PD;
	pg->peer_qp_fd = p->qp.r.fd;
	pg->peer_qp_ino = ino_of(p->qp.r.fd);
	pg->peer_qp_size = p->qp.r.layout.size;
	pg->peer_dir = p->qp.r.layout.dir;
	pg->peer_keys_fd = self->keys_fd;
	pg->peer_keys_ino = ino_of(self->keys_fd);
	pg->peer_keys_entries = KEYS;
	pg->peer_kick_fd = self->dev.ring.kick;
	pg->peer_kick_ino = ino_of(self->dev.ring.kick);
	pg->peer_min_rnr_us = 10;
	pg->peer_access = self->peer_access;
	pg->state = IB_UVERBS_QPS_RTS;
	pg->seq++;
	__atomic_store_n(&pg->path, SOFT_PATH_DIRECT, __ATOMIC_RELEASE);
}

/* A key of the table, as the device writes it at MR_REG. */
static void key_set(struct dpair *self, u32 rkey, u32 access, u64 addr,
		    u64 len, u32 state)
{
	u32 i = soft_direct_key_slot(rkey, KEYS);
	struct soft_direct_key *k = &self->keys->key[i];

	k->seq++;
	k->state = state;
	k->rkey = rkey;
	k->access = access;
	k->pd = PD;
	k->iova = addr;
	k->addr = addr;
	k->length = len;
	k->seq++;
}

static void pair_connect(struct dpair *self, u8 type, u8 rnr_retry)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_RNR_RETRY,
				  .rnr_retry = rnr_retry };

	tqp_init(self, &self->a, 0x100, type);
	tqp_init(self, &self->b, 0x200, type);
	peer_block(self, &self->a, &self->b);
	peer_block(self, &self->b, &self->a);
	ivp_direct_qp_modified(&self->a.qp, &at);
	ivp_direct_qp_modified(&self->b.qp, &at);
	ASSERT_TRUE(ivp_direct_qp_is(&self->a.qp));
	ASSERT_TRUE(ivp_direct_qp_is(&self->b.qp));
	ASSERT_EQ(modifies(self), 0);
}

FIXTURE_SETUP(dpair)
{
	void *map;

	memset(self, 0, sizeof(*self));
	modify_count = &self->modifies;
	self->peer_access = IB_UVERBS_ACCESS_REMOTE_WRITE |
			    IB_UVERBS_ACCESS_REMOTE_READ |
			    IB_UVERBS_ACCESS_REMOTE_ATOMIC;
	self->dev.v.fn = fake_ioctl;
	ivp_direct_ctx_init(&self->dev);
	self->dev.d.on = true;
	self->db = calloc(1, SOFT_RING_DOORBELL_SIZE);
	ASSERT_TRUE(self->db != NULL);
	self->dev.ring.db = self->db;
	self->dev.ring.fd = -1;
	self->dev.ring.kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_TRUE(self->dev.ring.kick >= 0);
	self->keys_fd = memfd_sized("ioverbs-keys",
				    soft_direct_keys_size(KEYS), &map);
	self->keys = map;
	self->keys->entries = KEYS;
	/* The context's own key table: its wake line is the thread's. */
	self->dev.ring.keys = self->keys;
	self->dev.ring.keys_fd = self->keys_fd;
	self->dev.ring.keys_len = soft_direct_keys_size(KEYS);
	self->dev.ring.keys_entries = KEYS;
	self->buf = aligned_alloc(4096, BUFSZ);
	ASSERT_TRUE(self->buf != NULL);
	memset(self->buf, 0, BUFSZ);
	ivp_direct_mr_add(&self->dev, 1, PD, LKEY, (uintptr_t)self->buf,
			  (uintptr_t)self->buf, BUFSZ,
			  IB_UVERBS_ACCESS_LOCAL_WRITE);
	key_set(self, RKEY,
		IB_UVERBS_ACCESS_REMOTE_WRITE | IB_UVERBS_ACCESS_REMOTE_READ |
			IB_UVERBS_ACCESS_REMOTE_ATOMIC,
		(uintptr_t)self->buf, BUFSZ, SOFT_DKEY_LIVE);
}

static void tqp_fini(struct tqp *t)
{
	if (!t->qp.r.map)
		return;
	ivp_direct_cq_del(&t->cq, &t->qp);
	ivp_direct_qp_fini(&t->qp);
	free(t->cq.dq);
	munmap(t->qp.r.map, t->qp.r.layout.size);
	close(t->qp.r.fd);
}

FIXTURE_TEARDOWN(dpair)
{
	tqp_fini(&self->a);
	tqp_fini(&self->b);
	munmap(self->keys, soft_direct_keys_size(KEYS));
	close(self->keys_fd);
	close(self->dev.ring.kick);
	free(self->db);
	free(self->buf);
	ivp_direct_ctx_fini(&self->dev);
}

static int send_wr(struct dpair *self, struct tqp *t, u32 op, u32 off,
		   u32 len, u64 raddr, u32 rkey, u32 flags)
{
	struct ivp_send_wr wr = { .wr_id = 0x5e00 + op, .num_sge = 1,
				  .opcode = op,
				  .send_flags = IB_UVERBS_SEND_SIGNALED | flags,
				  .imm_data = 0x11223344 };
	struct ivp_sge sge = { .addr = (uintptr_t)self->buf + off,
			       .length = len, .lkey = LKEY };
	const char *why;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	return ivp_direct_post_send(&t->qp, &wr, &sge, &why);
}

static int atomic_wr(struct dpair *self, struct tqp *t, u32 op, u32 off,
		     u64 raddr, u64 cmp, u64 swap)
{
	struct ivp_send_wr wr = { .wr_id = 0xa700 + op, .num_sge = 1,
				  .opcode = op,
				  .send_flags = IB_UVERBS_SEND_SIGNALED };
	struct ivp_sge sge = { .addr = (uintptr_t)self->buf + off,
			       .length = 8, .lkey = LKEY };
	const char *why;

	wr.wr.atomic.remote_addr = raddr;
	wr.wr.atomic.rkey = RKEY;
	wr.wr.atomic.compare_add = cmp;
	wr.wr.atomic.swap = swap;
	return ivp_direct_post_send(&t->qp, &wr, &sge, &why);
}

static int recv_wr(struct dpair *self, struct tqp *t, u64 id, u32 off,
		   u32 len)
{
	struct ivp_recv_wr wr = { .wr_id = id, .num_sge = 1 };
	struct ivp_sge sge = { .addr = (uintptr_t)self->buf + off,
			       .length = len, .lkey = LKEY };
	const char *why;

	return ivp_direct_post_recv(&t->qp, &wr, &sge, &why);
}

/* Polls @t's CQ up to 2 s for one completion: 1, or 0. */
static int poll1(struct tqp *t, struct ivp_wc *wc)
{
	bool yield;
	u32 i, n = 0;

	for (i = 0; i < 2000000 && !n; i++) {
		pthread_mutex_lock(&t->cq.lock);
		n = ivp_direct_cq_poll(&t->cq, wc, 1, &yield);
		pthread_mutex_unlock(&t->cq.lock);
		if (!n && i > 1000)
			usleep(1);
	}
	return (int)n;
}

/* One poll of @t's CQ; *@yield as the poll says (may be NULL). */
static int poll_now_yield(struct tqp *t, struct ivp_wc *wc, bool *yield)
{
	bool y;
	u32 n;

	pthread_mutex_lock(&t->cq.lock);
	n = ivp_direct_cq_poll(&t->cq, wc, 1, &y);
	pthread_mutex_unlock(&t->cq.lock);
	if (yield)
		*yield = y;
	return (int)n;
}

static int poll_now(struct tqp *t, struct ivp_wc *wc)
{
	return poll_now_yield(t, wc, NULL);
}

static void fill(u8 *p, u32 len, u8 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed + i * 13);
}

/* Inline and ranged SENDs, SEND_WITH_IMM: data and completions. */
TEST_F(dpair, direct_send_inline_and_ranges)
{
	static const u32 lens[] = { 0, 1, 100, 4096, 4097, 70000 };
	struct ivp_wc wc;
	unsigned int i;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		fill(self->buf, lens[i], (u8)i);
		memset(self->buf + 128 * 1024, 0, 100000);
		ASSERT_OK(recv_wr(self, &self->b, 0x100 + i, 128 * 1024,
				  100000));
		ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND_WITH_IMM,
				  0, lens[i], 0, 0, 0));
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
		ASSERT_EQ(wc.wr_id, 0x100 + i);
		ASSERT_EQ(wc.byte_len, lens[i]);
		ASSERT_EQ(wc.wc_flags, IB_UVERBS_WC_WITH_IMM);
		ASSERT_EQ(wc.imm_data, 0x11223344);
		ASSERT_EQ(wc.qp_num, 0x200);
		ASSERT_EQ(wc.src_qp, 0x100);
		ASSERT_EQ(wc.slid, 5);
		ASSERT_TRUE(!memcmp(self->buf, self->buf + 128 * 1024,
				    lens[i]));
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
		ASSERT_EQ(wc.byte_len, lens[i]);
		ASSERT_EQ(wc.qp_num, 0x100);
	}
	ASSERT_EQ(page(&self->a)->tx_msgs, ARRAY_SIZE(lens));
	ASSERT_EQ(page(&self->b)->rx_msgs, ARRAY_SIZE(lens));
	ASSERT_EQ(page(&self->b)->rx_bytes, 0 + 1 + 100 + 4096 + 4097 + 70000);
	/* IB_UVERBS_SEND_INLINE: the bytes of post time. */
	fill(self->buf, 64, 9);
	memcpy(self->buf + 1024, self->buf, 64);
	ASSERT_OK(recv_wr(self, &self->b, 0x200, 128 * 1024, 64));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 64, 0, 0,
			  IB_UVERBS_SEND_INLINE));
	memset(self->buf, 0, 64);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.byte_len, 64);
	ASSERT_EQ(wc.wc_flags, 0);
	ASSERT_TRUE(!memcmp(self->buf + 1024, self->buf + 128 * 1024, 64));
	ASSERT_EQ(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 65, 0, 0,
			  IB_UVERBS_SEND_INLINE),
		  -EINVAL);
	ASSERT_EQ(modifies(self), 0);
}

/* Hundreds of 3000-byte messages: the ring wraps, PAD records. */
TEST_F(dpair, direct_ring_wraps)
{
	struct ivp_wc wc;
	unsigned int i;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	for (i = 0; i < 300; i++) {
		fill(self->buf, 3000, (u8)i);
		ASSERT_OK(recv_wr(self, &self->b, i, 128 * 1024, 3000));
		ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 3000,
				  0, 0, 0));
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.wr_id, i);
		ASSERT_TRUE(!memcmp(self->buf, self->buf + 128 * 1024, 3000));
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
	/* 300 * 3072 bytes went around the 64 KiB ring. */
	ASSERT_TRUE(page(&self->b)->rx_cons > 14 * SOFT_DIRECT_RING_BYTES);
}

/* WRs posted while the path was not decided wait in the rings. */
TEST_F(dpair, direct_takes_the_rings)
{
	struct ib_uverbs_send_wr sw = { .wr_id = 77, .num_sge = 1,
					.opcode = IB_UVERBS_WR_SEND,
					.send_flags = IB_UVERBS_SEND_SIGNALED };
	struct ib_uverbs_recv_wr rw = { .wr_id = 88, .num_sge = 1 };
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)self->buf,
				     .length = 10, .lkey = LKEY };
	struct ib_uverbs_sge rsge = { .addr = (uintptr_t)self->buf + 4096,
				      .length = 10, .lkey = LKEY };
	struct ivp_wc wc;

	tqp_init(self, &self->a, 0x100, IB_UVERBS_QPT_RC);
	tqp_init(self, &self->b, 0x200, IB_UVERBS_QPT_RC);
	fill(self->buf, 10, 3);
	ASSERT_OK(ioverbs_sring_post_recv(&self->b.qp.r, &rw, &rsge));
	ASSERT_OK(ioverbs_sring_post_send(&self->a.qp.r, &sw, &sge));
	ASSERT_TRUE(!ivp_direct_qp_is(&self->a.qp));
	peer_block(self, &self->a, &self->b);
	peer_block(self, &self->b, &self->a);
	ASSERT_TRUE(ivp_direct_qp_is(&self->a.qp));
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 88);
	ASSERT_EQ(wc.byte_len, 10);
	ASSERT_TRUE(!memcmp(self->buf, self->buf + 4096, 10));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 77);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	/* The device never reads them again. */
	ASSERT_EQ(self->a.qp.r.sq->cons, self->a.qp.r.sq_prod);
	ASSERT_EQ(self->b.qp.r.rq->cons, self->b.qp.r.rq_prod);
}

/* WRITE, WRITE_WITH_IMM, READ and both atomics, with their values. */
TEST_F(dpair, direct_one_sided_values)
{
	u64 base = (uintptr_t)self->buf, v;
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	fill(self->buf, 9000, 1);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 9000,
			  base + 65536, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_EQ(wc.byte_len, 9000);
	ASSERT_TRUE(!memcmp(self->buf, self->buf + 65536, 9000));

	ASSERT_OK(recv_wr(self, &self->b, 0x55, 128 * 1024, 0));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE_WITH_IMM, 0,
			  300, base + 65536, RKEY, 0));
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV_RDMA_WITH_IMM);
	ASSERT_EQ(wc.byte_len, 300);
	ASSERT_EQ(wc.imm_data, 0x11223344);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);

	fill(self->buf + 20000, 5000, 2);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_READ, 40000, 5000,
			  base + 20000, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_READ);
	ASSERT_EQ(wc.byte_len, 5000);
	ASSERT_TRUE(!memcmp(self->buf + 20000, self->buf + 40000, 5000));

	v = 5;
	memcpy(self->buf + 8, &v, 8);
	ASSERT_OK(atomic_wr(self, &self->a, IB_UVERBS_WR_ATOMIC_CMP_AND_SWP,
			    64, base + 8, 5, 9));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_COMP_SWAP);
	ASSERT_EQ(wc.byte_len, 8);
	memcpy(&v, self->buf + 64, 8);
	ASSERT_EQ(v, 5);
	memcpy(&v, self->buf + 8, 8);
	ASSERT_EQ(v, 9);
	ASSERT_OK(atomic_wr(self, &self->a, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
			    64, base + 8, 3, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_FETCH_ADD);
	memcpy(&v, self->buf + 64, 8);
	ASSERT_EQ(v, 9);
	memcpy(&v, self->buf + 8, 8);
	ASSERT_EQ(v, 12);
	/* The lock is free again; the announce cleared. */
	ASSERT_EQ(soft_direct_locks(self->keys, KEYS)
			  [soft_direct_lock_index(base + 8)].owner, 0);
	ASSERT_EQ(page(&self->a)->inflight_slot, 0);
}

/* A lock held by a process that no longer exists is taken over. */
TEST_F(dpair, direct_atomic_replaces_a_dead_holder)
{
	u64 base = (uintptr_t)self->buf, v = 40;
	struct soft_direct_lock *l;
	struct ivp_wc wc;
	pid_t dead = fork();

	ASSERT_TRUE(dead >= 0);
	if (!dead)
		_exit(0);
	ASSERT_EQ(waitpid(dead, NULL, 0), dead);
	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	memcpy(self->buf + 16, &v, 8);
	l = &soft_direct_locks(self->keys, KEYS)
		    [soft_direct_lock_index(base + 16)];
	l->owner = (u32)dead;
	ASSERT_OK(atomic_wr(self, &self->a, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
			    64, base + 16, 2, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	memcpy(&v, self->buf + 16, 8);
	ASSERT_EQ(v, 42);
	ASSERT_EQ(l->owner, 0);
}

/* Keys: unknown, dead, out of range, without access, misaligned. */
TEST_F(dpair, direct_remote_access_errors)
{
	u64 base = (uintptr_t)self->buf;
	struct ivp_wc wc;
	struct {
		u32 op, rkey;
		u64 addr;
		u32 len, status;
	} bad[] = {
		{ IB_UVERBS_WR_RDMA_WRITE, RKEY + 1, base, 8,
		  IB_UVERBS_WC_REM_ACCESS_ERR },
		{ IB_UVERBS_WR_RDMA_WRITE, RKEY, base + BUFSZ - 4, 8,
		  IB_UVERBS_WC_REM_ACCESS_ERR },
		{ IB_UVERBS_WR_RDMA_READ, RKEY + 2, base, 8,
		  IB_UVERBS_WC_REM_ACCESS_ERR },
		{ IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD, RKEY, base + 4, 8,
		  IB_UVERBS_WC_REM_INV_REQ_ERR },
		{ IB_UVERBS_WR_RDMA_WRITE, RKEY + 3, base, 8,
		  IB_UVERBS_WC_REM_ACCESS_ERR },
	};
	unsigned int i;

	/* RKEY + 2: read-only; RKEY + 3: dead. */
	key_set(self, RKEY + 2, IB_UVERBS_ACCESS_REMOTE_WRITE, base, BUFSZ,
		SOFT_DKEY_LIVE);
	key_set(self, RKEY + 3, IB_UVERBS_ACCESS_REMOTE_WRITE, base, BUFSZ,
		SOFT_DKEY_DEAD);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		tqp_fini(&self->a);
		tqp_fini(&self->b);
		self->modifies = 0;
		pair_connect(self, IB_UVERBS_QPT_RC, 7);
		ASSERT_OK(recv_wr(self, &self->b, 1, 0, 8));
		if (bad[i].op == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD)
			ASSERT_OK(atomic_wr(self, &self->a, bad[i].op, 0,
					    bad[i].addr, 1, 0));
		else
			ASSERT_OK(send_wr(self, &self->a, bad[i].op, 0,
					  bad[i].len, bad[i].addr, bad[i].rkey,
					  0));
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, bad[i].status);
		ASSERT_EQ(wc.byte_len, 0);
		/* The requester moved to ERR with a command; b unaffected. */
		ASSERT_EQ(modifies(self), 1);
		ASSERT_EQ(poll_now(&self->b, &wc), 0);
		ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 1, 0,
				  0, 0));
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	}
}

/*
 * The receiver is a QP of this process that nobody polls: the sender's
 * poll settles the record itself, as a NIC acknowledges; the receive's
 * completion waits for the receiver's poll.
 */
TEST_F(dpair, direct_sender_drives_a_peer_of_its_process)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->b, 0x33, 4096, 64));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 64, 0, 0, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(poll_now(&self->b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0x33);
	ASSERT_EQ(wc.byte_len, 64);
}

/* The responder QP allows no remote access: REM_ACCESS_ERR. */
TEST_F(dpair, direct_responder_qp_access)
{
	static const u32 ops[] = { IB_UVERBS_WR_RDMA_WRITE,
				   IB_UVERBS_WR_RDMA_READ,
				   IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD };
	u64 base = (uintptr_t)self->buf;
	struct ivp_wc wc;
	unsigned int i;

	self->peer_access = 0;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		tqp_fini(&self->a);
		tqp_fini(&self->b);
		self->modifies = 0;
		pair_connect(self, IB_UVERBS_QPT_RC, 7);
		if (ops[i] == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD)
			ASSERT_OK(atomic_wr(self, &self->a, ops[i], 0, base, 1,
					    0));
		else
			ASSERT_OK(send_wr(self, &self->a, ops[i], 0, 8, base,
					  RKEY, 0));
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_ACCESS_ERR);
	}
}

/*
 * The responder's access flags as the page has them when a WR executes,
 * not at connect: the device stores them again at each MODIFY of the
 * peer's flags (the relay's responder checks the flags it has then).  A
 * zero-length RDMA checks no key, but the QP's flags still.
 */
TEST_F(dpair, direct_responder_access_follows)
{
	u64 base = (uintptr_t)self->buf;
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 8,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	/* b's client takes remote writes away. */
	page(&self->a)->peer_access = IB_UVERBS_ACCESS_REMOTE_READ;
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_READ, 0, 8,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_READ);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 0,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_ACCESS_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_EQ(modifies(self), 1);

	/* Nothing allowed at connect, then remote writes granted. */
	tqp_fini(&self->a);
	tqp_fini(&self->b);
	self->modifies = 0;
	self->peer_access = 0;
	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	page(&self->a)->peer_access = IB_UVERBS_ACCESS_REMOTE_WRITE;
	fill(self->buf, 8, 0x40);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 8,
			  base + 8192, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(memcmp(self->buf + 8192, self->buf, 8), 0);
	ASSERT_OK(atomic_wr(self, &self->a, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
			    16, base + 8192, 1, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_ACCESS_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_FETCH_ADD);
	ASSERT_EQ(modifies(self), 1);
}

/* RC, rnr_retry 0: RNR_RETRY_EXC_ERR, then what follows is flushed. */
TEST_F(dpair, direct_rnr_retry_exceeded)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 0);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 10, 0, 0, 0));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 10, 0, 0, 0));
	/* b finds no receive: the records stay, rnr set. */
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_RNR_RETRY_EXC_ERR);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(modifies(self), 1);
	/* b skips the cancelled records: its receive stays. */
	ASSERT_OK(recv_wr(self, &self->b, 1, 0, 8));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	ASSERT_EQ(page(&self->b)->rx_cons, page(&self->b)->rx_prod);
}

/* A receive posted late takes the waiting record (RNR, then success). */
TEST_F(dpair, direct_rnr_then_receive)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	fill(self->buf, 10, 4);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 10, 0, 0, 0));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	usleep(2000);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_OK(recv_wr(self, &self->b, 9, 4096, 10));
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 9);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
}

/* UC: no receive, the message is dropped; the sender never learns. */
TEST_F(dpair, direct_uc_drops)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_UC, 0);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 10, 0, 0, 0));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_READ, 0, 10, 0,
			  RKEY, 0),
		  -EINVAL);
}

/* Longer than the receive: LOC_LEN_ERR here, REM_INV_REQ_ERR there. */
TEST_F(dpair, direct_message_too_long)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->b, 1, 4096, 16));
	ASSERT_OK(recv_wr(self, &self->b, 2, 4096, 16));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 17, 0, 0, 0));
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_LOC_LEN_ERR);
	ASSERT_EQ(wc.wr_id, 1);
	ASSERT_EQ(wc.byte_len, 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(wc.wr_id, 2);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_INV_REQ_ERR);
	/* Both moved to ERR with a command. */
	ASSERT_EQ(modifies(self), 2);
}

/* A receive SGE with a bad lkey: LOC_PROT_ERR here, REM_OP_ERR there. */
TEST_F(dpair, direct_receive_sge_refused)
{
	struct ivp_recv_wr wr = { .wr_id = 3, .num_sge = 1 };
	struct ivp_sge sge = { .addr = (uintptr_t)self->buf, .length = 16,
			       .lkey = LKEY + 1 };
	struct ivp_wc wc;
	const char *why;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(ivp_direct_post_recv(&self->b.qp, &wr, &sge, &why));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_LOC_PROT_ERR);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_OP_ERR);
}

/* MODIFY to ERR: everything outstanding completes with WR_FLUSH_ERR. */
TEST_F(dpair, direct_flush_after_modify_err)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_STATE,
				  .qp_state = IB_UVERBS_QPS_ERR };
	struct ivp_wc wc;
	int i, sends = 0, recvs = 0;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->a, 1, 0, 8));
	ASSERT_OK(recv_wr(self, &self->a, 2, 0, 8));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 8,
			  (uintptr_t)self->buf, RKEY, 0));
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ivp_direct_qp_modified(&self->a.qp, &at);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
		if (wc.opcode == IB_UVERBS_WC_RECV)
			ASSERT_EQ(wc.wr_id, (u64)++recvs);
		else
			ASSERT_EQ(wc.opcode, sends++ ? IB_UVERBS_WC_RDMA_WRITE :
							IB_UVERBS_WC_SEND);
	}
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	/* The application's MODIFY was the command: none more. */
	ASSERT_EQ(modifies(self), 0);
	/* b settles the cancelled record: nothing for its receive. */
	ASSERT_OK(recv_wr(self, &self->b, 5, 0, 8));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
}

/* The peer goes: what it did not settle completes with RETRY_EXC_ERR. */
TEST_F(dpair, direct_peer_gone)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->a, 1, 0, 8));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 8,
			  (uintptr_t)self->buf, RKEY, 0));
	__atomic_store_n(&page(&self->a)->peer_gone, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_RETRY_EXC_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(modifies(self), 1);
}

/*
 * The peer goes with nothing of ours outstanding: the receives stay
 * posted (as on IB) until a send finds nobody: RETRY_EXC_ERR, then ERR.
 */
TEST_F(dpair, direct_peer_gone_idle)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->a, 1, 0, 8));
	__atomic_store_n(&page(&self->a)->peer_gone, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(modifies(self), 0);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 8,
			  (uintptr_t)self->buf, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_RETRY_EXC_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(modifies(self), 1);
}

/*
 * The peer goes with our SEND in its ring, not taken yet (no receive):
 * as an IB requester waits for an answer, the SEND stays outstanding
 * while the transport timer, times retry_cnt + 1, runs, and the peer's
 * last drain (at its destroy) may still take it: SUCCESS.  A later one
 * nobody takes fails with RETRY_EXC_ERR once the timer ran out.
 */
TEST_F(dpair, direct_peer_gone_waits_for_the_transport_timer)
{
	/* 4.096 us << 12: 16.8 ms, twice. */
	struct ivp_qp_attr at = {
		.attr_mask = IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT,
		.timeout = 12, .retry_cnt = 1 };
	struct timespec t0, t1;
	struct ivp_wc wc;
	long ms;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ivp_direct_qp_modified(&self->a.qp, &at);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	__atomic_store_n(&page(&self->a)->peer_gone, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	/* b's last drain, with a receive: it takes the record. */
	ASSERT_OK(recv_wr(self, &self->b, 1, 4096, 8));
	ivp_direct_qp_quiesce(&self->b.qp);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(modifies(self), 0);
	/* Nobody takes this one: it fails, not before the timer ran out. */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_RETRY_EXC_ERR);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ASSERT_TRUE(ms >= 33);
	ASSERT_EQ(modifies(self), 1);
}

/* The device moved the QP to ERR (the page's state): flushed. */
TEST_F(dpair, direct_device_err_flushes)
{
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->b, 1, 0, 8));
	__atomic_store_n(&page(&self->b)->state, IB_UVERBS_QPS_ERR,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(modifies(self), 0);
	/* What a arrives with now is settled with no answer. */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_RETRY_EXC_ERR);
}

/* Garbage in b's ring: b goes to ERR, the process goes on. */
TEST_F(dpair, direct_garbage_breaks_only_the_qp)
{
	static const struct {
		u32 state, size, num_iov, len;
		u8 op, flags;
		u32 prod_add;
	} bad[] = {
		{ SOFT_DMSG_POSTED, 7, 0, 0, SOFT_DMSG_SEND, 1, 64 },
		{ SOFT_DMSG_POSTED, 64, 0, 0, 77, 0, 64 },
		{ 9, 64, 0, 0, SOFT_DMSG_SEND, 1, 64 },
		{ SOFT_DMSG_POSTED, 128, 0, 0, SOFT_DMSG_SEND, 1, 64 },
		{ SOFT_DMSG_POSTED, 64, 33, 100000, SOFT_DMSG_SEND, 0, 64 },
		{ SOFT_DMSG_POSTED, 64, 0, 5000, SOFT_DMSG_SEND, 1, 64 },
		{ SOFT_DMSG_POSTED, 64, 0, 0, SOFT_DMSG_SEND, 1, 1u << 20 },
		{ SOFT_DMSG_POSTED, 64, 0, 0, SOFT_DMSG_PAD, 0, 64 },
		{ SOFT_DMSG_POSTED, 64, 0, 0, SOFT_DMSG_SEND, 0x80, 64 },
	};
	struct soft_direct_msg *m;
	struct ivp_wc wc;
	unsigned int i;
	u32 prod;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		tqp_fini(&self->a);
		tqp_fini(&self->b);
		self->modifies = 0;
		pair_connect(self, IB_UVERBS_QPT_RC, 7);
		ASSERT_OK(recv_wr(self, &self->b, 0x800, 0, 64));
		prod = page(&self->b)->rx_prod;
		m = (struct soft_direct_msg *)((u8 *)page(&self->b) +
					       SOFT_DIRECT_PAGE);
		memset(m, 0xa5, 64);
		m->state = bad[i].state;
		m->size = bad[i].size;
		m->op = bad[i].op;
		m->flags = bad[i].flags;
		m->num_iov = (u16)bad[i].num_iov;
		m->len = bad[i].len;
		__atomic_store_n(&page(&self->b)->rx_prod,
				 prod + bad[i].prod_add, __ATOMIC_RELEASE);
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
		ASSERT_EQ(wc.wr_id, 0x800);
		ASSERT_EQ(poll_now(&self->b, &wc), 0);
		ASSERT_EQ(modifies(self), 1);
	}
}

/* A record's sender state scribbled by the peer: BAD_RESP_ERR. */
TEST_F(dpair, direct_scribbled_status)
{
	struct soft_direct_msg *m;
	struct ivp_wc wc;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	m = (struct soft_direct_msg *)((u8 *)page(&self->b) +
				       SOFT_DIRECT_PAGE);
	m->status = 1000;
	__atomic_store_n(&m->state, SOFT_DMSG_TAKEN, __ATOMIC_RELEASE);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_BAD_RESP_ERR);
	/* b, drained by a (same process), found a record it never took. */
	ASSERT_EQ(modifies(self), 2);
}

/* An armed receive side is notified once, through notify and the kick. */
TEST_F(dpair, direct_notify_armed)
{
	struct ivp_wc wc;
	bool yield;
	u64 v;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	pthread_mutex_lock(&self->b.cq.lock);
	ivp_direct_cq_arm(&self->b.cq, 0);
	pthread_mutex_unlock(&self->b.cq.lock);
	ASSERT_EQ(page(&self->b)->armed_recv, SOFT_DIRECT_ARM_NEXT);
	ASSERT_EQ(read(self->dev.ring.kick, &v, sizeof(v)), -1);
	ASSERT_OK(recv_wr(self, &self->b, 1, 0, 8));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(page(&self->b)->armed_recv, 0);
	ASSERT_EQ(page(&self->b)->notify, SOFT_DIRECT_NOTIFY_RECV);
	ASSERT_EQ(read(self->dev.ring.kick, &v, sizeof(v)), sizeof(v));
	ASSERT_EQ(v, 1);
	/* Solicited only: a plain SEND does not notify. */
	page(&self->b)->notify = 0;
	pthread_mutex_lock(&self->b.cq.lock);
	ASSERT_EQ(ivp_direct_cq_poll(&self->b.cq, &wc, 1, &yield), 1);
	ivp_direct_cq_arm(&self->b.cq, 1);
	pthread_mutex_unlock(&self->b.cq.lock);
	ASSERT_OK(recv_wr(self, &self->b, 2, 0, 8));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(page(&self->b)->armed_recv, SOFT_DIRECT_ARM_SOLICITED);
	ASSERT_EQ(page(&self->b)->notify, 0);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0,
			  IB_UVERBS_SEND_SOLICITED));
	ASSERT_EQ(page(&self->b)->notify, SOFT_DIRECT_NOTIFY_RECV);
}

/*
 * An application's arm is for the next completion, as on the relay: a
 * completion waiting (a's SEND, settled by b) or a record waiting in
 * the ring (b's) raises no event when the CQ is armed; the next
 * exchange notifies both sides once.
 */
TEST_F(dpair, direct_arm_waits_for_the_next_completion)
{
	struct ivp_wc wc;
	u64 v;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	ASSERT_OK(recv_wr(self, &self->b, 1, 0, 8));
	ASSERT_OK(recv_wr(self, &self->b, 2, 0, 8));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	pthread_mutex_lock(&self->a.cq.lock);
	ivp_direct_cq_arm(&self->a.cq, 0);
	pthread_mutex_unlock(&self->a.cq.lock);
	pthread_mutex_lock(&self->b.cq.lock);
	ivp_direct_cq_arm(&self->b.cq, 0);
	pthread_mutex_unlock(&self->b.cq.lock);
	ASSERT_EQ(page(&self->a)->notify, 0);
	ASSERT_EQ(page(&self->b)->notify, 0);
	ASSERT_EQ(page(&self->a)->armed_send, SOFT_DIRECT_ARM_NEXT);
	ASSERT_EQ(page(&self->b)->armed_recv, SOFT_DIRECT_ARM_NEXT);
	ASSERT_EQ(read(self->dev.ring.kick, &v, sizeof(v)), -1);
	/* The poll after the arm finds them. */
	ASSERT_EQ(poll_now(&self->b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 1);
	ASSERT_EQ(poll_now(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(page(&self->a)->notify, 0);
	ASSERT_EQ(page(&self->b)->notify, 0);
	/* A new SEND notifies each armed side once. */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	ASSERT_EQ(poll_now(&self->b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 2);
	ASSERT_EQ(page(&self->b)->notify, SOFT_DIRECT_NOTIFY_RECV);
	ASSERT_EQ(page(&self->a)->notify, SOFT_DIRECT_NOTIFY_SEND);
	ASSERT_EQ(page(&self->a)->armed_send, 0);
	ASSERT_EQ(page(&self->b)->armed_recv, 0);
	ASSERT_EQ(read(self->dev.ring.kick, &v, sizeof(v)), sizeof(v));
	ASSERT_EQ(poll_now(&self->a, &wc), 1);
}

/* An empty poll yields only when the peer polls on the same CPU. */
TEST_F(dpair, direct_idle_yields_on_a_shared_cpu)
{
	struct ivp_wc wc;
	bool yield;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	page(&self->b)->cpu = -1;
	ASSERT_EQ(poll_now_yield(&self->a, &wc, &yield), 0);
	ASSERT_TRUE(!yield);
	ASSERT_EQ(page(&self->a)->cpu, sched_getcpu());
	page(&self->b)->cpu = page(&self->a)->cpu;
	ASSERT_EQ(poll_now_yield(&self->a, &wc, &yield), 0);
	ASSERT_TRUE(yield);
}

/* A peer block naming a descriptor of another inode: the QP fails. */
TEST_F(dpair, direct_wrong_inode_fails)
{
	tqp_init(self, &self->a, 0x100, IB_UVERBS_QPT_RC);
	tqp_init(self, &self->b, 0x200, IB_UVERBS_QPT_RC);
	peer_block(self, &self->a, &self->b);
	page(&self->a)->peer_qp_ino++;
	ASSERT_TRUE(!ivp_direct_qp_is(&self->a.qp));
	ASSERT_EQ(modifies(self), 1);
	ASSERT_TRUE(!ivp_direct_qp_is(&self->a.qp));
	ASSERT_EQ(modifies(self), 1);
}

/* The queues hold max_send_wr and max_recv_wr WRs: then ENOMEM. */
TEST_F(dpair, direct_queues_full)
{
	int i;

	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	for (i = 0; i < 8; i++)
		ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0,
				  0, 0));
	ASSERT_EQ(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0),
		  -ENOMEM);
	ASSERT_EQ(recv_wr(self, &self->a, 1, 0, 8), 0);
	for (i = 0; i < 7; i++)
		ASSERT_OK(recv_wr(self, &self->a, 1, 0, 8));
	ASSERT_EQ(recv_wr(self, &self->a, 1, 0, 8), -ENOMEM);
}

/* The progress thread. */

/* Polls @t's CQ for one completion until @ms pass: 1, or 0. */
static int poll_ms(struct tqp *t, struct ivp_wc *wc, unsigned int ms)
{
	struct timespec a, b;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		n = poll_now(t, wc);
		if (n)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) * 1000 +
			    (b.tv_nsec - a.tv_nsec) / 1000000 >= (long)ms)
			return 0;
	}
}

/* Waits up to @ms for a byte on @fd: the byte, or -1. */
static int wait_byte(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static u32 wake_word(struct soft_direct_keys *k)
{
	return __atomic_load_n(&soft_direct_wake_line(k, KEYS)->word,
			       __ATOMIC_SEQ_CST);
}

/*
 * The child's part of direct_receiver_never_polls: b's client, in its
 * own context (key table @keys2), connects, posts two receives, then
 * waits in read() on @cmd as perftest's server does, never polling: 'r'
 * posts one more receive (and says 'k'), 'c' checks what the progress
 * thread put in the receives.  Return: its exit status (0: all as
 * expected).
 */
static int never_polls_child(struct dpair *self, int keys2_fd,
			     struct soft_direct_keys *keys2, int ready,
			     int cmd)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_RNR_RETRY,
				  .rnr_retry = 7 };
	static u8 want[10000];
	struct ivp_wc wc;
	int c, more = 0;

	/* a is the parent's. */
	ivp_direct_cq_del(&self->a.cq, &self->a.qp);
	ivp_direct_qp_fini(&self->a.qp);
	self->dev.ring.keys = keys2;
	self->dev.ring.keys_fd = keys2_fd;
	ivp_direct_qp_modified(&self->b.qp, &at);
	if (!ivp_direct_qp_is(&self->b.qp))
		return 10;
	if (recv_wr(self, &self->b, 0x51, 128 * 1024, 200) ||
	    recv_wr(self, &self->b, 0x52, 160 * 1024, 10000))
		return 11;
	if (write(ready, "k", 1) != 1)
		return 12;
	while ((c = wait_byte(cmd, 30000)) == 'r')
		if (recv_wr(self, &self->b, 0x53 + more, 192 * 1024 + 64 * more,
			    64) || more++ > 1 || write(ready, "k", 1) != 1)
			return 13;
	if (c != 'c')
		return 14;
	/* Drained before this client's first poll. */
	if (__atomic_load_n(&page(&self->b)->rx_cons, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&page(&self->b)->rx_prod, __ATOMIC_ACQUIRE))
		return 15;
	if (poll_now(&self->b, &wc) != 1 || wc.status || wc.wr_id != 0x51 ||
	    wc.byte_len != 100 || wc.opcode != IB_UVERBS_WC_RECV)
		return 16;
	fill(want, 100, 1);
	if (memcmp(self->buf + 128 * 1024, want, 100))
		return 17;
	if (poll_now(&self->b, &wc) != 1 || wc.status || wc.wr_id != 0x52 ||
	    wc.byte_len != 10000)
		return 18;
	fill(want, 10000, 2);
	if (memcmp(self->buf + 160 * 1024, want, 10000))
		return 19;
	if (poll_now(&self->b, &wc) != 1 || wc.status || wc.wr_id != 0x53 ||
	    wc.byte_len != 8)
		return 20;
	if (poll_now(&self->b, &wc) != 1 || wc.status || wc.wr_id != 0x54 ||
	    wc.byte_len != 16)
		return 21;
	if (poll_now(&self->b, &wc) != 0)
		return 22;
	return 0;
}

/*
 * The receiver's client never polls (it waits in read(), as perftest's
 * server does once its duration is over): its progress thread, woken by
 * the sender, takes the records, and the sender's SENDs complete with
 * the data delivered (inline and by ranges).  A record the thread finds
 * no receive for (RNR) waits, and its sender does not wake the thread
 * again for it; the receive posted later takes it.  A sender that arms
 * its send CQ (to sleep) wakes the thread at once, and the event's
 * notify comes with no poll of its.
 */
TEST_F(dpair, direct_receiver_never_polls)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_RNR_RETRY,
				  .rnr_retry = 7 };
	struct soft_direct_ctrl *pg;
	struct soft_direct_keys *keys2;
	struct soft_direct_msg *m;
	int keys2_fd, ready[2], cmd[2], st, i;
	struct ivp_wc wc;
	void *map;
	u32 word;
	pid_t child;

	tqp_init(self, &self->a, 0x100, IB_UVERBS_QPT_RC);
	tqp_init(self, &self->b, 0x200, IB_UVERBS_QPT_RC);
	keys2_fd = memfd_sized("ioverbs-keys", soft_direct_keys_size(KEYS),
			       &map);
	keys2 = map;
	keys2->entries = KEYS;
	ASSERT_OK(pipe2(ready, O_CLOEXEC));
	ASSERT_OK(pipe2(cmd, O_CLOEXEC));
	/* b's peer is a, in this process (the parent), of this context. */
	peer_block(self, &self->b, &self->a);
	/* Where Yama restricts ptrace, the child may still take our fds. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (!child) {
		/* The parent's ends: its exit is our EOF. */
		close(ready[0]);
		close(cmd[1]);
		_exit(never_polls_child(self, keys2_fd, keys2, ready[1],
					cmd[0]));
	}
	/* b is the child's. */
	ivp_direct_cq_del(&self->b.cq, &self->b.qp);
	ivp_direct_qp_fini(&self->b.qp);
	peer_block(self, &self->a, &self->b);
	pg = page(&self->a);
	pg->seq++;
	pg->peer_pid = child;
	pg->peer_keys_fd = keys2_fd;
	pg->peer_keys_ino = ino_of(keys2_fd);
	pg->seq++;
	ASSERT_EQ(wait_byte(ready[0], 30000), 'k');
	ivp_direct_qp_modified(&self->a.qp, &at);
	ASSERT_TRUE(ivp_direct_qp_is(&self->a.qp));
	/* The child's thread sleeps: nothing to do. */
	for (i = 0; i < 3000 && !__atomic_load_n(
			&soft_direct_wake_line(keys2, KEYS)->sleeping,
			__ATOMIC_SEQ_CST); i++)
		usleep(1000);
	ASSERT_EQ(soft_direct_wake_line(keys2, KEYS)->sleeping, 1);
	fill(self->buf, 100, 1);
	fill(self->buf + 8192, 10000, 2);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 100, 0, 0, 0));
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 8192, 10000, 0,
			  0, 0));
	ASSERT_EQ(poll_ms(&self->a, &wc, 10000), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(wc.byte_len, 100);
	ASSERT_EQ(poll_ms(&self->a, &wc, 10000), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 10000);
	/* Woken once or twice (once per record at most). */
	word = wake_word(keys2);
	ASSERT_TRUE(word == 1 || word == 2);
	/* No receive left: the thread marks the record rnr, once. */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 8, 0, 0, 0));
	m = (struct soft_direct_msg *)((u8 *)page(&self->b) +
				       SOFT_DIRECT_PAGE +
				       (page(&self->b)->rx_cons &
					(SOFT_DIRECT_RING_BYTES - 1)));
	for (i = 0; i < 10000 && !__atomic_load_n(&m->rnr, __ATOMIC_ACQUIRE);
	     i++)
		ASSERT_EQ(poll_ms(&self->a, &wc, 1), 0);
	ASSERT_EQ(m->rnr, 1);
	ASSERT_EQ(m->state, SOFT_DMSG_POSTED);
	ASSERT_TRUE(wake_word(keys2) - word <= 1);
	word = wake_word(keys2);
	/* 200 ms of the sender's polls wake nobody for it. */
	ASSERT_EQ(poll_ms(&self->a, &wc, 200), 0);
	ASSERT_EQ(wake_word(keys2), word);
	/* The receive posted later takes it (its post drains the ring). */
	ASSERT_EQ(write(cmd[1], "r", 1), 1);
	ASSERT_EQ(wait_byte(ready[0], 30000), 'k');
	ASSERT_EQ(poll_ms(&self->a, &wc, 10000), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 8);
	/* Armed with a SEND outstanding: woken at once, notified, no poll. */
	ASSERT_EQ(write(cmd[1], "r", 1), 1);
	ASSERT_EQ(wait_byte(ready[0], 30000), 'k');
	word = wake_word(keys2);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 16, 0, 0, 0));
	pthread_mutex_lock(&self->a.cq.lock);
	ivp_direct_cq_arm(&self->a.cq, 0);
	pthread_mutex_unlock(&self->a.cq.lock);
	ASSERT_EQ(wake_word(keys2), word + 1);
	for (i = 0; i < 10000 && !(__atomic_load_n(&page(&self->a)->notify,
						    __ATOMIC_ACQUIRE) &
				     SOFT_DIRECT_NOTIFY_SEND);
	     i++)
		usleep(1000);
	ASSERT_EQ(page(&self->a)->notify, SOFT_DIRECT_NOTIFY_SEND);
	ASSERT_EQ(page(&self->a)->armed_send, 0);
	ASSERT_EQ(poll_now(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 16);
	ASSERT_EQ(write(cmd[1], "c", 1), 1);
	ASSERT_EQ(waitpid(child, &st, 0), child);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(modifies(self), 0);
	munmap(keys2, soft_direct_keys_size(KEYS));
	close(keys2_fd);
	close(ready[0]);
	close(ready[1]);
	close(cmd[0]);
	close(cmd[1]);
}

/*
 * The child's part of direct_handoff_to_a_peer_on_our_cpu: b's client,
 * on the parent's CPU, in its own context (key table @keys2): once the
 * parent says 'g', it connects and does one RDMA WRITE (so that it is
 * active), says 'k', and waits in read() on @cmd; 'p' (the parent
 * sleeps on its hand-off) makes it WRITE 64 bytes of seed 10 at 8192
 * into the parent's buffer; 'c' ends it.  Return: its exit status.
 */
static int handoff_child(struct dpair *self, int keys2_fd,
			 struct soft_direct_keys *keys2, int ready, int cmd)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_RNR_RETRY,
				  .rnr_retry = 7 };
	u64 base = (uintptr_t)self->buf;
	struct ivp_wc wc;

	/* a is the parent's. */
	ivp_direct_cq_del(&self->a.cq, &self->a.qp);
	ivp_direct_qp_fini(&self->a.qp);
	self->dev.ring.keys = keys2;
	self->dev.ring.keys_fd = keys2_fd;
	if (wait_byte(cmd, 30000) != 'g')
		return 10;
	ivp_direct_qp_modified(&self->b.qp, &at);
	if (!ivp_direct_qp_is(&self->b.qp))
		return 11;
	if (send_wr(self, &self->b, IB_UVERBS_WR_RDMA_WRITE, 4096, 64,
		    base + 4096, RKEY, 0) ||
	    poll1(&self->b, &wc) != 1 || wc.status)
		return 12;
	if (write(ready, "k", 1) != 1)
		return 13;
	if (wait_byte(cmd, 30000) != 'p')
		return 14;
	fill(self->buf + 8192, 64, 10);
	if (send_wr(self, &self->b, IB_UVERBS_WR_RDMA_WRITE, 8192, 64,
		    base + 8192, RKEY, 0) ||
	    poll1(&self->b, &wc) != 1 || wc.status)
		return 15;
	if (wait_byte(cmd, 30000) != 'c')
		return 16;
	return 0;
}

struct sleeper {
	u32 *handoff;
	int cmd;
	bool seen;
};

/* Says 'p' to the child once the parent sleeps on its hand-off. */
static void *handoff_watch(void *arg)
{
	struct sleeper *s = arg;
	int i;

	for (i = 0; i < 300000 && !s->seen; i++) {
		s->seen = __atomic_load_n(s->handoff, __ATOMIC_SEQ_CST) ==
			  SOFT_DIRECT_ASLEEP;
		if (!s->seen)
			usleep(100);
	}
	if (s->seen && write(s->cmd, "p", 1) != 1)
		s->seen = false;
	return NULL;
}

/*
 * A poster whose peer (another process) polls on its CPU hands that CPU
 * over: it yields, and if the peer has not posted meanwhile (here it is
 * blocked in read(): yields give nothing to it), sleeps on its page's
 * handoff until the peer's next post wakes it, which the test counts
 * (the page's handoffs, handoffs_woken): no time is measured.  The
 * peer's WRITE is there when the post returns.  A peer that did nothing
 * since the last hand-off (asleep elsewhere), that polls on another CPU
 * or that was seen waiting for a completion event is not handed the
 * CPU, nor by a post behind an outstanding WR: the counts do not move.
 */
TEST_F(dpair, direct_handoff_to_a_peer_on_our_cpu)
{
	struct ivp_qp_attr at = { .attr_mask = IB_UVERBS_QP_RNR_RETRY,
				  .rnr_retry = 7 };
	u32 slot = soft_direct_key_slot(RKEY, KEYS);
	struct soft_direct_ctrl *pg;
	struct soft_direct_keys *keys2;
	cpu_set_t one, old;
	int keys2_fd, ready[2], cmd[2], st, cpu;
	struct sleeper s = { 0 };
	u64 base = (uintptr_t)self->buf, ns;
	u8 want[64];
	struct ivp_wc wc;
	pthread_t thr;
	void *map;
	pid_t child;

	/* Both processes on this CPU. */
	ASSERT_OK(sched_getaffinity(0, sizeof(old), &old));
	cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_OK(sched_setaffinity(0, sizeof(one), &one));
	tqp_init(self, &self->a, 0x100, IB_UVERBS_QPT_RC);
	tqp_init(self, &self->b, 0x200, IB_UVERBS_QPT_RC);
	keys2_fd = memfd_sized("ioverbs-keys", soft_direct_keys_size(KEYS),
			       &map);
	keys2 = map;
	keys2->entries = KEYS;
	/* The child's buffer is at the same address, under the same key. */
	keys2->key[slot] = self->keys->key[slot];
	ASSERT_OK(pipe2(ready, O_CLOEXEC));
	ASSERT_OK(pipe2(cmd, O_CLOEXEC));
	peer_block(self, &self->b, &self->a);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (!child) {
		close(ready[0]);
		close(cmd[1]);
		_exit(handoff_child(self, keys2_fd, keys2, ready[1], cmd[0]));
	}
	ivp_direct_cq_del(&self->b.cq, &self->b.qp);
	ivp_direct_qp_fini(&self->b.qp);
	peer_block(self, &self->a, &self->b);
	pg = page(&self->a);
	pg->seq++;
	pg->peer_pid = child;
	pg->peer_keys_fd = keys2_fd;
	pg->peer_keys_ino = ino_of(keys2_fd);
	pg->seq++;
	ivp_direct_qp_modified(&self->a.qp, &at);
	ASSERT_TRUE(ivp_direct_qp_is(&self->a.qp));
	ASSERT_EQ(write(cmd[1], "g", 1), 1);
	ASSERT_EQ(wait_byte(ready[0], 30000), 'k');
	ASSERT_EQ(page(&self->b)->cpu, cpu);

	/* b's client posted on our CPU: this post sleeps until its next. */
	ns = self->dev.d.handoff_ns;
	self->dev.d.handoff_ns = 60ull * 1000000000;
	s.handoff = &pg->handoff;
	s.cmd = cmd[1];
	ASSERT_OK(pthread_create(&thr, NULL, handoff_watch, &s));
	fill(self->buf, 64, 11);
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_OK(pthread_join(thr, NULL));
	self->dev.d.handoff_ns = ns;
	ASSERT_TRUE(s.seen);
	ASSERT_EQ(pg->handoffs, 1);
	ASSERT_EQ(pg->handoffs_woken, 1);
	ASSERT_EQ(pg->handoff, 0);
	fill(want, 64, 10);
	ASSERT_EQ(memcmp(self->buf + 8192, want, 64), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);

	/*
	 * It posted since: handed the CPU once more, in vain (it waits in
	 * read() now): the sleep ends at its bound.
	 */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(pg->handoffs, 2);
	ASSERT_EQ(pg->handoffs_woken, 1);
	ASSERT_EQ(pg->handoff, 0);
	/* It did nothing since: not handed the CPU. */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(pg->handoffs, 2);
	ASSERT_EQ(pg->handoff, 0);
	/* Active, but on another CPU (as its page says): not either. */
	page(&self->b)->active++;
	page(&self->b)->cpu = -1;
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(pg->handoffs, 2);
	ASSERT_EQ(pg->handoff, 0);
	/*
	 * Back on our CPU and active, but a WR of ours is outstanding (a
	 * stream, not an exchange): not either.
	 */
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	page(&self->b)->cpu = cpu;
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(pg->handoffs, 2);
	ASSERT_EQ(pg->handoff, 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	/* On our CPU and active, but waiting for an event: not either. */
	page(&self->b)->active++;
	page(&self->b)->armed_recv = SOFT_DIRECT_ARM_NEXT;
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(pg->handoffs, 2);
	/* Nor later: a client that waits for events sleeps in the kernel. */
	page(&self->b)->armed_recv = 0;
	page(&self->b)->active++;
	ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_RDMA_WRITE, 0, 64,
			  base + 4096, RKEY, 0));
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(pg->handoffs, 2);
	ASSERT_EQ(pg->handoffs_woken, 1);
	ASSERT_EQ(pg->handoff, 0);

	ASSERT_EQ(write(cmd[1], "c", 1), 1);
	ASSERT_EQ(waitpid(child, &st, 0), child);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(modifies(self), 0);
	ASSERT_OK(sched_setaffinity(0, sizeof(old), &old));
	munmap(keys2, soft_direct_keys_size(KEYS));
	close(keys2_fd);
	close(ready[0]);
	close(ready[1]);
	close(cmd[0]);
	close(cmd[1]);
}

/* The thread named ioverbs-direct of this process: its tid, or 0. */
static pid_t progress_tid(void)
{
	char path[300], comm[32];
	struct dirent *de;
	pid_t tid = 0;
	DIR *dir = opendir("/proc/self/task");
	FILE *fp;

	ASSERT_TRUE(dir != NULL);
	while (!tid && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		if (fgets(comm, sizeof(comm), fp) &&
		    !strcmp(comm, "ioverbs-direct\n"))
			tid = (pid_t)atoi(de->d_name);
		fclose(fp);
	}
	closedir(dir);
	return tid;
}

/* @tid's context switches, voluntary or not, and its state letter. */
static long switches(pid_t tid, char *state)
{
	char path[96], line[256];
	long v, total = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	fp = fopen(path, "re");
	ASSERT_TRUE(fp != NULL);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			total += v;
		else if (!strncmp(line, "State:\t", 7))
			*state = line[7];
	fclose(fp);
	return total;
}

/*
 * The progress thread exists once a QP connected, and costs nothing
 * while nobody needs it: it sleeps without timeout (no context switch in
 * 300 ms idle), and exchanges whose receiver polls wake it never.
 */
TEST_F(dpair, direct_progress_thread_sleeps)
{
	struct ivp_wc wc;
	pid_t tid = 0;
	long before;
	char state = '?';
	int i;

	ASSERT_EQ(progress_tid(), 0);
	pair_connect(self, IB_UVERBS_QPT_RC, 7);
	for (i = 0; i < 3000 && !tid; i++) {
		tid = progress_tid();
		if (!tid)
			usleep(1000);
	}
	ASSERT_TRUE(tid > 0);
	/* Its first pass done, it sleeps. */
	for (i = 0; i < 3000 && !__atomic_load_n(&soft_direct_wake_line(self->keys, KEYS)
					      ->sleeping, __ATOMIC_SEQ_CST);
	     i++)
		usleep(1000);
	usleep(20000);
	before = switches(tid, &state);
	usleep(300000);
	ASSERT_EQ(switches(tid, &state), before);
	ASSERT_EQ(state, 'S');
	for (i = 0; i < 100; i++) {
		ASSERT_OK(recv_wr(self, &self->b, (u64)i, 4096, 64));
		ASSERT_OK(send_wr(self, &self->a, IB_UVERBS_WR_SEND, 0, 64, 0,
				  0, 0));
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.wr_id, (u64)i);
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
	ASSERT_EQ(switches(tid, &state), before);
	ASSERT_EQ(wake_word(self->keys), 0);
}

/* --- UD (<rdma/soft_direct.h>, "UD") -------------------------------------- */

#define UD_QKEY 0x1234abcdu
/* A word the progress thread may write meanwhile. */
#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define UD_AH 9
#define UD_AH_LID 10

static struct soft_direct_ud *ud_blk(struct tqp *t)
{
	return (struct soft_direct_ud *)((u8 *)page(t) + SOFT_DIRECT_UD_OFF);
}

static const u8 gid_a[16] = { 0xfe, 0x80, [15] = 0xa };
static const u8 gid_b[16] = { 0xfe, 0x80, [15] = 0xb };

/* What the device writes: @t's destination slot @s names @to. */
static void ud_dest_set(struct dpair *self, struct tqp *t, u32 s,
			struct tqp *to, u16 src_pkey)
{
	struct soft_direct_ud_dest *e = &ud_blk(t)->dest[s];

	e->seq++;
	e->qpn = to->qp.qpn;
	e->lid = 1;
	memcpy(e->gid, gid_a, 16);
	e->src_port = 1;
	e->pid = getpid();
	e->qp_fd = to->qp.r.fd;
	e->qp_ino = ino_of(to->qp.r.fd);
	e->qp_size = to->qp.r.layout.size;
	e->dir = to->qp.r.layout.dir;
	e->keys_fd = self->keys_fd;
	e->keys_ino = ino_of(self->keys_fd);
	e->keys_entries = KEYS;
	e->kick_fd = self->dev.ring.kick;
	e->kick_ino = ino_of(self->dev.ring.kick);
	e->src_lid = 5;
	e->src_pkey = src_pkey;
	memcpy(e->src_gid, gid_b, 16);
	e->state = SOFT_UD_DEST_LIVE;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

/*
 * Two UD QPs, a (0x100) and b (0x200), DIRECT as the device makes them
 * at RTR (no peer), with Q_Key UD_QKEY and the full default P_Key; b
 * may send to a directly (its slot 0), through the global AH UD_AH and
 * the LID one UD_AH_LID.
 */
static void ud_connect_pair(struct dpair *self)
{
	struct ivp_ah_attr g = { .dlid = 1, .is_global = 1, .port_num = 1,
				 .sl = 2, .hop_limit = 7, .traffic_class = 3,
				 .flow_label = 0xabcde };
	struct ivp_ah_attr l = { .dlid = 1, .port_num = 1, .sl = 4 };
	struct tqp *t[2] = { &self->a, &self->b };
	int i;

	tqp_init(self, &self->a, 0x100, IB_UVERBS_QPT_UD);
	tqp_init(self, &self->b, 0x200, IB_UVERBS_QPT_UD);
	for (i = 0; i < 2; i++) {
		ud_blk(t[i])->pkey = 0xffff;
		ud_blk(t[i])->qkey = UD_QKEY;
		page(t[i])->state = IB_UVERBS_QPS_RTS;
		__atomic_store_n(&page(t[i])->path, SOFT_PATH_DIRECT,
				 __ATOMIC_RELEASE);
		ASSERT_TRUE(ivp_direct_qp_is(&t[i]->qp));
		ASSERT_TRUE(ivp_direct_qp_ud(&t[i]->qp));
	}
	memcpy(g.dgid, gid_a, 16);
	ivp_direct_ah_add(&self->dev, UD_AH, &g);
	ivp_direct_ah_add(&self->dev, UD_AH_LID, &l);
	ud_dest_set(self, &self->b, 0, &self->a, 0xffff);
}

static int ud_send(struct dpair *self, struct tqp *t, u32 ah, u32 dqpn,
		   u32 qkey, u32 op, u32 len)
{
	struct ivp_send_wr wr = { .wr_id = 0xd0 + len, .num_sge = 1,
				  .opcode = op,
				  .send_flags = IB_UVERBS_SEND_SIGNALED,
				  .imm_data = 0x55667788 };
	struct ivp_sge sge = { .addr = (uintptr_t)self->buf, .length = len,
			       .lkey = LKEY };
	const char *why;

	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = dqpn;
	wr.wr.ud.remote_qkey = qkey;
	return ivp_direct_post_send(&t->qp, &wr, &sge, &why);
}

/*
 * A datagram on the direct path: the sender's completion at once, the
 * receiver's with the GRH (global AH) in the first 40 bytes and the
 * payload after them, src_qp, slid, sl; by LID: no GRH, the 40 bytes
 * left alone; lengths up to the MTU.
 */
TEST_F(dpair, direct_ud_datagrams)
{
	static const u32 lens[] = { 0, 1, 100, 4000, SOFT_DIRECT_UD_MTU };
	u8 grh[40] = { 0x60, 0x3a, 0xbc, 0xde, 0, 100, 0x1b, 7 };
	u8 *rb = self->buf + 64 * 1024;
	struct ivp_wc wc;
	unsigned int i;

	ud_connect_pair(self);
	memcpy(grh + 8, gid_b, 16);
	memcpy(grh + 24, gid_a, 16);
	fill(self->buf, 100, 3);
	memset(rb, 0xee, 256);
	ASSERT_OK(recv_wr(self, &self->a, 0x71, 64 * 1024, 40 + 100));
	ASSERT_EQ(ud_send(self, &self->b, UD_AH, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND_WITH_IMM, 100), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(wc.byte_len, 100);
	ASSERT_EQ(wc.qp_num, 0x200);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(wc.wr_id, 0x71);
	ASSERT_EQ(wc.byte_len, 140);
	ASSERT_EQ(wc.wc_flags, IB_UVERBS_WC_GRH | IB_UVERBS_WC_WITH_IMM);
	ASSERT_EQ(wc.imm_data, 0x55667788);
	ASSERT_EQ(wc.qp_num, 0x100);
	ASSERT_EQ(wc.src_qp, 0x200);
	ASSERT_EQ(wc.slid, 5);
	ASSERT_EQ(wc.sl, 2);
	ASSERT_TRUE(!memcmp(rb, grh, 40));
	ASSERT_TRUE(!memcmp(rb + 40, self->buf, 100));
	ASSERT_EQ(rb[140], 0xee);

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		fill(self->buf, lens[i], (u8)(i + 1));
		memset(rb, 0xee, 40);
		ASSERT_OK(recv_wr(self, &self->a, 0x80 + i, 64 * 1024,
				  40 + SOFT_DIRECT_UD_MTU));
		ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
				  IB_UVERBS_WR_SEND, lens[i]), 0);
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.wr_id, 0x80 + i);
		ASSERT_EQ(wc.byte_len, 40 + lens[i]);
		ASSERT_EQ(wc.wc_flags, 0);
		ASSERT_EQ(wc.sl, 4);
		ASSERT_EQ(rb[0], 0xee);
		ASSERT_EQ(rb[39], 0xee);
		ASSERT_TRUE(!memcmp(rb + 40, self->buf, lens[i]));
	}
	ASSERT_EQ(page(&self->b)->tx_msgs, 1 + ARRAY_SIZE(lens));
	ASSERT_EQ(LD(page(&self->a)->rx_msgs), 1 + ARRAY_SIZE(lens));
	ASSERT_EQ(LD(page(&self->a)->rx_bytes), 100 + 4000 + 4096 + 1 + 100);
	ASSERT_EQ(modifies(self), 0);
}

/*
 * What the receiver drops and counts: a wrong Q_Key, a P_Key of another
 * partition, a datagram with no receive posted (a receive posted after
 * it does not take it); a receive too short completes with LOC_LEN_ERR
 * and the QP goes on.  A WR's Q_Key with the high bit set is the QP's.
 */
TEST_F(dpair, direct_ud_drops)
{
	struct ivp_wc wc;

	ud_connect_pair(self);
	fill(self->buf, 64, 1);
	ASSERT_OK(recv_wr(self, &self->a, 0x91, 64 * 1024, 200));
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY + 1,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_qkey), 1);

	ud_dest_set(self, &self->b, 0, &self->a, 0x7001);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_pkey), 1);
	/* A limited member of the partition talks to a full one. */
	ud_dest_set(self, &self->b, 0, &self->a, 0x7fff);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, 0x80000000u,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 0x91);
	ASSERT_EQ(wc.byte_len, 40 + 64);

	/* No receive: dropped; the next receive waits for the next one. */
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 10), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_OK(recv_wr(self, &self->a, 0x92, 64 * 1024, 200));
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_norecv), 1);

	/* 40 + 64 bytes do not fit 100: LOC_LEN_ERR, and on it goes. */
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0x92);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_OK(recv_wr(self, &self->a, 0x93, 64 * 1024, 100));
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0x93);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_LOC_LEN_ERR);
	ASSERT_EQ(wc.byte_len, 0);
	ASSERT_OK(recv_wr(self, &self->a, 0x94, 64 * 1024, 200));
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 64), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0x94);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(modifies(self), 0);
}

/*
 * What the direct path leaves to the relay (IVP_DIRECT_RELAY): more than
 * the MTU, another opcode, a destination the device did not hand, an AH
 * it does not know, a QP not in RTS, a relayed send not polled yet (its
 * completions stay in order); a GONE destination is unmapped.
 */
TEST_F(dpair, direct_ud_relays)
{
	struct soft_direct_ud_dest *e;
	struct ivp_wc wc;

	ud_connect_pair(self);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, SOFT_DIRECT_UD_MTU + 1),
		  IVP_DIRECT_RELAY);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_RDMA_WRITE, 8), IVP_DIRECT_RELAY);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x101, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	ASSERT_EQ(ud_send(self, &self->b, 77, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	self->b.qp.sq_posted = 1;
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	self->b.qp.sq_done = 1;
	page(&self->b)->state = IB_UVERBS_QPS_RTR;
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	page(&self->b)->state = IB_UVERBS_QPS_RTS;
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(poll_now(&self->b, &wc), 0);
	ASSERT_EQ(page(&self->b)->tx_msgs, 1);
	/* The receiver went (the device's GONE): relayed from now on. */
	e = &ud_blk(&self->b)->dest[0];
	e->seq++;
	e->state = SOFT_UD_DEST_GONE;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	/* A destination in another slot, then found. */
	ud_dest_set(self, &self->b, 5, &self->a, 0xffff);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ivp_direct_ah_del(&self->dev, UD_AH);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), IVP_DIRECT_RELAY);
	ASSERT_EQ(modifies(self), 0);
}

/*
 * A sender killed with the receiver's ring lock: the next sender takes
 * it over, and so does the receiver's drain; a live holder makes a
 * sender wait SOFT_DIRECT_UD_FULL_NS, then drop (counted).
 */
TEST_F(dpair, direct_ud_dead_lock_holder)
{
	struct soft_direct_ud *u;
	struct ivp_wc wc;
	pid_t dead = fork();

	ASSERT_TRUE(dead >= 0);
	if (!dead)
		_exit(0);
	ASSERT_EQ(waitpid(dead, NULL, 0), dead);
	ud_connect_pair(self);
	u = ud_blk(&self->a);
	__atomic_store_n(&u->lock, (u32)dead, __ATOMIC_RELEASE);
	ASSERT_OK(recv_wr(self, &self->a, 0xa1, 64 * 1024, 200));
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ASSERT_EQ(LD(u->lock), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0xa1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	__atomic_store_n(&u->lock, (u32)dead, __ATOMIC_RELEASE);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(u->lock), 0);
	/* A live holder: the device (which never lets go here). */
	__atomic_store_n(&u->lock, SOFT_DIRECT_UD_LOCK_DEVICE,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(LD(u->drop_full), 1);
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(u->lock), SOFT_DIRECT_UD_LOCK_DEVICE);
}

/*
 * A receiver that does not poll, its 8 receives posted: a sender that
 * finds the ring full (15 datagrams of the MTU fill it) wakes its
 * progress thread, which drains: the 8 receives take the first 8, the
 * others find none (dropped, counted), nothing is dropped for room.
 */
TEST_F(dpair, direct_ud_ring_full_wakes_the_receiver)
{
	struct ivp_wc wc;
	unsigned int i;

	ud_connect_pair(self);
	for (i = 0; i < 8; i++)
		ASSERT_OK(recv_wr(self, &self->a, 0xb00 + i,
				  64 * 1024 + 4200 * i, 4200));
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
				  IB_UVERBS_WR_SEND, SOFT_DIRECT_UD_MTU), 0);
		ASSERT_EQ(poll1(&self->b, &wc), 1);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(poll1(&self->a, &wc), 1);
		ASSERT_EQ(wc.wr_id, 0xb00 + i);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.byte_len, 40 + SOFT_DIRECT_UD_MTU);
	}
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_full), 0);
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_norecv), 12);
	ASSERT_EQ(LD(page(&self->a)->rx_msgs), 8);
}

/*
 * A record of the ring that is not the protocol's breaks the receiving
 * QP only: it goes to ERR (one MODIFY), its receives flush; the sender
 * goes on.
 */
TEST_F(dpair, direct_ud_garbage_breaks_only_the_receiver)
{
	struct soft_direct_msg *m;
	struct ivp_wc wc;
	u32 prod;

	ud_connect_pair(self);
	ASSERT_OK(recv_wr(self, &self->a, 0xc1, 64 * 1024, 200));
	prod = page(&self->a)->rx_prod;
	m = (struct soft_direct_msg *)((u8 *)page(&self->a) +
				       SOFT_DIRECT_PAGE);
	memset(m, 0xa5, 128);
	m->state = SOFT_DMSG_POSTED;
	m->size = 128;
	m->op = SOFT_DMSG_UD;
	m->flags = SOFT_DMSG_INLINE;
	m->len = 4000;
	__atomic_store_n(&page(&self->a)->rx_prod, prod + 128,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	ASSERT_EQ(wc.wr_id, 0xc1);
	ASSERT_EQ(modifies(self), 1);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(modifies(self), 1);
}

/*
 * RESET forgets what waits in the ring and the destinations: after the
 * next RTR, a receive takes only what comes then.
 */
TEST_F(dpair, direct_ud_reset_forgets)
{
	struct ivp_qp_attr reset = { .attr_mask = IB_UVERBS_QP_STATE,
				     .qp_state = IB_UVERBS_QPS_RESET };
	struct ivp_wc wc;

	ud_connect_pair(self);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 8), 0);
	ASSERT_EQ(poll1(&self->b, &wc), 1);
	__atomic_store_n(&page(&self->a)->path, SOFT_PATH_UNDECIDED,
			 __ATOMIC_RELEASE);
	ivp_direct_qp_modified(&self->a.qp, &reset);
	ASSERT_TRUE(!ivp_direct_qp_connected(&self->a.qp));
	ASSERT_EQ(LD(page(&self->a)->rx_cons), LD(page(&self->a)->rx_prod));
	__atomic_store_n(&page(&self->a)->path, SOFT_PATH_DIRECT,
			 __ATOMIC_RELEASE);
	ASSERT_TRUE(ivp_direct_qp_is(&self->a.qp));
	ASSERT_OK(recv_wr(self, &self->a, 0xd1, 64 * 1024, 200));
	ASSERT_EQ(poll_now(&self->a, &wc), 0);
	fill(self->buf, 16, 7);
	ASSERT_EQ(ud_send(self, &self->b, UD_AH_LID, 0x100, UD_QKEY,
			  IB_UVERBS_WR_SEND, 16), 0);
	ASSERT_EQ(poll1(&self->a, &wc), 1);
	ASSERT_EQ(wc.wr_id, 0xd1);
	ASSERT_EQ(wc.byte_len, 40 + 16);
	ASSERT_TRUE(!memcmp(self->buf + 64 * 1024 + 40, self->buf, 16));
	ASSERT_EQ(LD(ud_blk(&self->a)->drop_norecv), 0);
}
