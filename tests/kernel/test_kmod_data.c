// SPDX-License-Identifier: MIT
/*
 * The soft device's engine inside the module, in check-kernel's guest:
 * every byte it moves is read and written with get_user_pages_remote()
 * on the opener's address space (compat/kernel/mm.c), posted and polled
 * through commands (the module has no shared rings).  An RC QP connected
 * to itself SENDs, RDMA WRITEs, RDMA READs and fetch-and-adds across
 * page boundaries between two MRs, and every byte is checked.  And a
 * completion channel on one of the module's event files.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "../harness.h"

#define SOFT "/dev/ioverbs-uverbs0"
#define LEN (3 * 4096 + 100)	/* spans four pages, off page starts */
#define OFF 1000

struct loop {
	struct ioverbs_client v;
	int fd;
	u32 pd, cq, qp, qpn, mr_src, mr_dst;
	u32 lkey_src, lkey_dst, rkey_dst, rkey_src;
	u16 lid;
	u8 *src, *dst;		/* MAP_PRIVATE anonymous: pages of our own */
};

static void loop_open(struct loop *l)
{
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
					.max_send_sge = 1, .max_recv_sge = 1 };
	u32 all = IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |
		  IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC;

	l->fd = open(SOFT, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(l->fd >= 0);
	ioverbs_client_init_fd(&l->v, l->fd);
	ASSERT_OK(ioverbs_context_get(&l->v));
	l->src = mmap(NULL, 4 * 4096 + OFF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l->dst = mmap(NULL, 4 * 4096 + OFF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(l->src != MAP_FAILED && l->dst != MAP_FAILED);
	ASSERT_OK(ioverbs_port_query_lid(&l->v, &l->lid));
	ASSERT_OK(ioverbs_pd_alloc(&l->v, &l->pd));
	ASSERT_OK(ioverbs_cq_create(&l->v, 32, &l->cq, NULL));
	ASSERT_OK(ioverbs_mr_reg(&l->v, l->pd, l->src + OFF, LEN, all,
				 &l->mr_src, &l->lkey_src, &l->rkey_src));
	ASSERT_OK(ioverbs_mr_reg(&l->v, l->pd, l->dst + OFF, LEN, all,
				 &l->mr_dst, &l->lkey_dst, &l->rkey_dst));
	ASSERT_OK(ioverbs_qp_create(&l->v, IB_UVERBS_QPT_RC, l->pd, l->cq,
				    &cap, &l->qp, &l->qpn, NULL));
	ASSERT_OK(ioverbs_qp_connect_rc(&l->v, l->qp, l->lid, l->qpn, 7));
}

static void loop_close(struct loop *l)
{
	ASSERT_OK(ioverbs_qp_destroy(&l->v, l->qp, NULL));
	ASSERT_OK(ioverbs_mr_dereg(&l->v, l->mr_src));
	ASSERT_OK(ioverbs_mr_dereg(&l->v, l->mr_dst));
	ASSERT_OK(ioverbs_cq_destroy(&l->v, l->cq, NULL));
	ASSERT_OK(ioverbs_pd_dealloc(&l->v, l->pd));
	ASSERT_OK(close(l->fd) ? -errno : 0);
}

static void fill(struct loop *l, u8 seed)
{
	unsigned int i;

	for (i = 0; i < LEN; i++)
		l->src[OFF + i] = (u8)(i * 7 + seed);
	memset(l->dst + OFF, 0, LEN);
}

static void same(struct loop *l)
{
	ASSERT_EQ(memcmp(l->src + OFF, l->dst + OFF, LEN), 0);
}

/* Posts @wr (one SGE, @sge) and waits for its successful completion. */
static void post_wait(struct loop *l, struct ib_uverbs_send_wr *wr,
		      struct ib_uverbs_sge *sge, u32 byte_len)
{
	struct ib_uverbs_wc wc;
	u32 bad;

	wr->num_sge = 1;
	wr->send_flags = IB_UVERBS_SEND_SIGNALED;
	ASSERT_OK(ioverbs_qp_post_send(&l->v, l->qp, wr, 1, sge, 1, &bad));
	ASSERT_OK(ioverbs_cq_poll_wait(&l->v, l->cq, &wc, 5000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, wr->wr_id);
	if (byte_len)
		ASSERT_EQ(wc.byte_len, byte_len);
}

TEST(kmod_data_send_recv)
{
	struct loop l;
	struct ib_uverbs_recv_wr rwr = { .wr_id = 1, .num_sge = 1 };
	struct ib_uverbs_sge rsge = { .length = LEN };
	struct ib_uverbs_send_wr wr = { .wr_id = 2,
					.opcode = IB_UVERBS_WR_SEND };
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	unsigned int i, seen = 0;
	u32 bad;

	loop_open(&l);
	fill(&l, 3);
	rsge.addr = (uintptr_t)l.dst + OFF;
	rsge.lkey = l.lkey_dst;
	ASSERT_OK(ioverbs_qp_post_recv(&l.v, l.qp, &rwr, 1, &rsge, 1, &bad));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)l.src + OFF,
				      .length = LEN, .lkey = l.lkey_src };
	wr.num_sge = 1;
	wr.send_flags = IB_UVERBS_SEND_SIGNALED;
	ASSERT_OK(ioverbs_qp_post_send(&l.v, l.qp, &wr, 1, &sge, 1, &bad));
	/* The receive's and the send's, in either order. */
	for (i = 0; i < 2; i++) {
		ASSERT_OK(ioverbs_cq_poll_wait(&l.v, l.cq, &wc, 5000));
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_TRUE(wc.wr_id == 1 || wc.wr_id == 2);
		if (wc.wr_id == 1)
			ASSERT_EQ(wc.byte_len, LEN);
		seen |= 1u << wc.wr_id;
	}
	ASSERT_EQ(seen, 6);
	same(&l);
	loop_close(&l);
}

TEST(kmod_data_rdma_write_read)
{
	struct ib_uverbs_send_wr wr = { .wr_id = 3,
					.opcode = IB_UVERBS_WR_RDMA_WRITE };
	struct ib_uverbs_sge sge;
	struct loop l;

	loop_open(&l);
	fill(&l, 5);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)l.src + OFF,
				      .length = LEN, .lkey = l.lkey_src };
	wr.wr.rdma.remote_addr = (uintptr_t)l.dst + OFF;
	wr.wr.rdma.rkey = l.rkey_dst;
	post_wait(&l, &wr, &sge, 0);
	same(&l);

	/* READ back into dst what src holds now. */
	fill(&l, 11);
	wr = (struct ib_uverbs_send_wr){ .wr_id = 4,
					 .opcode = IB_UVERBS_WR_RDMA_READ };
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)l.dst + OFF,
				      .length = LEN, .lkey = l.lkey_dst };
	wr.wr.rdma.remote_addr = (uintptr_t)l.src + OFF;
	wr.wr.rdma.rkey = l.rkey_src;
	post_wait(&l, &wr, &sge, LEN);
	same(&l);
	loop_close(&l);
}

TEST(kmod_data_fetch_add)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 5, .opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD };
	struct ib_uverbs_sge sge;
	struct loop l;
	u64 *target, *old;

	loop_open(&l);
	/* An 8-byte-aligned word in each MR. */
	target = (u64 *)(l.dst + 4096);
	old = (u64 *)(l.src + 4096);
	*target = 40;
	*old = 0;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)old, .length = 8,
				      .lkey = l.lkey_src };
	wr.wr.atomic.remote_addr = (uintptr_t)target;
	wr.wr.atomic.compare_add = 2;
	wr.wr.atomic.rkey = l.rkey_dst;
	post_wait(&l, &wr, &sge, 8);
	ASSERT_EQ(*old, 40);
	ASSERT_EQ(*target, 42);
	loop_close(&l);
}

/*
 * A completion channel bound to an event file: poll() wakes when an
 * armed CQ completes, read() returns the CQ's user_handle, an empty
 * O_NONBLOCK read is EAGAIN, and once the channel is destroyed the file
 * is unbound (EINVAL) but still the client's.
 */
TEST(kmod_data_comp_channel_event_file)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 0x5eed,
						.cqe = 16 };
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 4,
					.max_send_sge = 1, .max_recv_sge = 1 };
	struct ib_uverbs_send_wr wr = { .wr_id = 9, .num_sge = 1,
					.opcode = IB_UVERBS_WR_RDMA_WRITE,
					.send_flags = IB_UVERBS_SEND_SIGNALED };
	struct ib_uverbs_comp_event_desc desc[2];
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct pollfd pfd;
	struct loop l;
	u32 cq, qp, qpn, bad;
	int ev, fd;

	loop_open(&l);
	ev = open("/dev/ioverbs-event", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	ASSERT_TRUE(ev >= 0);
	/* Not bound yet. */
	ASSERT_ERRNO(-EINVAL, read(ev, desc, sizeof(desc)) < 0 ? -errno : 0);
	ASSERT_OK(ioverbs_comp_channel_create(&l.v, ev, &fd));
	ASSERT_EQ(fd, ev);
	ASSERT_OK(ioverbs_cq_create_ex(&l.v, &ccmd, fd, &cq, NULL));
	ASSERT_OK(ioverbs_qp_create(&l.v, IB_UVERBS_QPT_RC, l.pd, cq, &cap,
				    &qp, &qpn, NULL));
	ASSERT_OK(ioverbs_qp_connect_rc(&l.v, qp, l.lid, qpn, 7));
	ASSERT_ERRNO(-EAGAIN, read(ev, desc, sizeof(desc)) < 0 ? -errno : 0);
	ASSERT_OK(ioverbs_cq_req_notify(&l.v, cq, 0));
	fill(&l, 1);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)l.src + OFF,
				      .length = 64, .lkey = l.lkey_src };
	wr.wr.rdma.remote_addr = (uintptr_t)l.dst + OFF;
	wr.wr.rdma.rkey = l.rkey_dst;
	ASSERT_OK(ioverbs_qp_post_send(&l.v, qp, &wr, 1, &sge, 1, &bad));
	pfd = (struct pollfd){ .fd = ev, .events = POLLIN };
	ASSERT_EQ(poll(&pfd, 1, 5000), 1);
	ASSERT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(read(ev, desc, sizeof(desc)), (ssize_t)sizeof(desc[0]));
	ASSERT_EQ(desc[0].cq_handle, 0x5eed);
	ASSERT_OK(ioverbs_cq_poll_wait(&l.v, cq, &wc, 5000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 9);
	ASSERT_OK(ioverbs_qp_destroy(&l.v, qp, NULL));
	ASSERT_OK(ioverbs_cq_destroy(&l.v, cq, NULL));
	ASSERT_OK(ioverbs_comp_channel_destroy(&l.v, fd));
	ASSERT_ERRNO(-EINVAL, read(ev, desc, sizeof(desc)) < 0 ? -errno : 0);
	ASSERT_OK(close(ev) ? -errno : 0);
	loop_close(&l);
}
