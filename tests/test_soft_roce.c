// SPDX-License-Identifier: MIT
/*
 * The soft device's RoCEv2 port (drivers/soft/roce.c): two devices of
 * this process, each with a port bound to a loopback address, talk over
 * real UDP sockets; a test "peer" socket on a third address forges and
 * reads packets with the codec (roce_wire.h) to check what goes on the
 * wire and what the receive path does with duplicates, packets out of
 * sequence, strangers and garbage.  Every value is exact: payloads byte
 * for byte, completions field by field, counters by reason.
 *
 * Addresses are 127.A.B.{1,2,3} with A.B from the pid, so that two runs
 * of this program (ASan and TSan builds) never share a socket.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include <ioverbs/embedded.h>
#include <ioverbs/verbs.h>
#include <rdma/soft_device.h>
#include "../drivers/soft/roce_wire.h"
#include "../drivers/soft/soft.h"

#include "roce_addr.h"
#include "soft_side.h"

/* fd14::@host, the IPv6 addresses of the private namespace's lo. */
static bool test_v6;

static void test_addr6(u8 addr[16], u8 host)
{
	memset(addr, 0, 16);
	addr[0] = 0xfd;
	addr[1] = 0x14;
	addr[15] = host;
}

static void env_open_roce(struct env *e, u8 host)
{
	struct soft_device_config cfg = { .std_types = &test_std_types };

	if (test_v6)
		test_addr6(cfg.roce[0].addr, host);
	else
		roce_loopback_gid(cfg.roce[0].addr, host);
	strcpy(cfg.roce[0].netdev, "lo");
	cfg.roce[0].mtu = IB_UVERBS_MTU_4096;
	env_open_cfg(e, &cfg);
}

static struct soft_roce_counters counters(struct env *e)
{
	struct soft_roce_counters c;

	soft_roce_counters(&e->sdev->ports[0], &c);
	return c;
}

/* The path of a connection: where, how long to wait, how often. */
struct path {
	u8 dgid[16];
	u32 dqpn;
	u8 rnr_retry;
	u8 retry_cnt;
	u8 timeout;
	u8 min_rnr_timer;
	u32 sq_psn;
	u32 rq_psn;
	u8 mtu;
	/* max_dest_rd_atomic: 0 the default 4, -1 none */
	int dest_rd;
};

static void qp_connect(struct side *s, const struct path *p)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_ACCESS_FLAGS |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_AV |
			     IB_UVERBS_QP_DEST_QPN | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_MIN_RNR_TIMER | IB_UVERBS_QP_QKEY |
			     IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT |
			     IB_UVERBS_QP_SQ_PSN | IB_UVERBS_QP_RQ_PSN |
			     IB_UVERBS_QP_PATH_MTU |
			     IB_UVERBS_QP_MAX_QP_RD_ATOMIC |
			     IB_UVERBS_QP_MAX_DEST_RD_ATOMIC,
		.qp_state = IB_UVERBS_QPS_RTS,
		.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE |
				   IB_UVERBS_ACCESS_REMOTE_READ |
				   IB_UVERBS_ACCESS_REMOTE_ATOMIC,
		.port_num = 1,
		.dest_qp_num = p->dqpn,
		.rnr_retry = p->rnr_retry,
		.retry_cnt = p->retry_cnt,
		.timeout = p->timeout,
		.min_rnr_timer = p->min_rnr_timer,
		.sq_psn = p->sq_psn,
		.rq_psn = p->rq_psn,
		.path_mtu = p->mtu ? p->mtu : IB_UVERBS_MTU_1024,
		.max_rd_atomic = 4,
		.max_dest_rd_atomic = p->dest_rd < 0 ? 0 :
				      p->dest_rd ? (u8)p->dest_rd : 4,
		.qkey = 0x1234,
	};

	a.ah_attr.is_global = 1;
	a.ah_attr.hop_limit = 64;
	a.ah_attr.port_num = 1;
	memcpy(a.ah_attr.dgid.raw, p->dgid, 16);
	ASSERT_OK(s->e->ops->modify_qp(s->qp, &a));
}

static void qp_init(struct side *s)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PORT,
		.qp_state = IB_UVERBS_QPS_INIT, .port_num = 1,
	};

	ASSERT_OK(s->e->ops->modify_qp(s->qp, &a));
}

struct pair {
	struct env ea, eb;
	struct side a, b;
};

static void pair_path(struct pair *p, struct path *pa, struct path *pb)
{
	memset(pa, 0, sizeof(*pa));
	if (test_v6)
		test_addr6(pa->dgid, 2);
	else
		roce_loopback_gid(pa->dgid, 2);
	pa->dqpn = p->b.qp->qp_num;
	/* 1 s: no retransmission on a slow (TSan) run skews the counts. */
	pa->timeout = 18;
	pa->retry_cnt = 7;
	pa->rnr_retry = 7;
	pa->min_rnr_timer = 1;	/* 10 us */
	pa->sq_psn = 0x123456;
	pa->rq_psn = 0xfffff0;	/* b's PSNs wrap past 0xffffff */
	*pb = *pa;
	if (test_v6)
		test_addr6(pb->dgid, 1);
	else
		roce_loopback_gid(pb->dgid, 1);
	pb->dqpn = p->a.qp->qp_num;
	pb->sq_psn = pa->rq_psn;
	pb->rq_psn = pa->sq_psn;
}

static void pair_open(struct pair *p, u8 type, size_t len)
{
	struct path pa, pb;

	env_open_roce(&p->ea, 1);
	env_open_roce(&p->eb, 2);
	side_open(&p->a, &p->ea, type, 256, len, false);
	side_open(&p->b, &p->eb, type, 256, len, false);
	pair_path(p, &pa, &pb);
	qp_connect(&p->a, &pa);
	qp_connect(&p->b, &pb);
}

static void pair_close(struct pair *p)
{
	side_close(&p->a);
	side_close(&p->b);
	env_close(&p->ea);
	env_close(&p->eb);
}

static void post_send_ok(struct side *s, struct ib_uverbs_send_wr *wr,
			 const struct ib_uverbs_sge *sge, u32 num_sge)
{
	u32 bad = 99;

	ASSERT_OK(s->e->ops->post_send(s->qp, wr, 1, sge, num_sge, &bad));
}

/* One completion, waited for up to 10 s (the wire and timers run). */
static struct ib_uverbs_wc poll_one(struct side *s)
{
	struct timespec ts = { 0, 100 * 1000 };
	struct ib_uverbs_wc wc;
	int n = 0, i;

	memset(&wc, 0xee, sizeof(wc));
	for (i = 0; i < 100000; i++) {
		n = s->e->ops->poll_cq(s->cq, 1, &wc);
		if (n)
			break;
		nanosleep(&ts, NULL);
	}
	ASSERT_EQ(n, 1);
	return wc;
}

/*
 * Posts @wr on @s and waits for its one completion, which must have
 * @status: returns it.
 */
static struct ib_uverbs_wc post_send_wc(struct side *s,
					struct ib_uverbs_send_wr *wr,
					const struct ib_uverbs_sge *sge,
					u32 num_sge, u32 status)
{
	struct ib_uverbs_wc wc;

	post_send_ok(s, wr, sge, num_sge);
	wc = poll_one(s);
	if (wc.status != status)
		harness_fail(__FILE__, __LINE__,
			     "wr_id %llu: status %u, want %u",
			     (unsigned long long)wr->wr_id, wc.status, status);
	return wc;
}

/* No completion within @ms. */
static void poll_none(struct side *s, int ms)
{
	struct ib_uverbs_wc wc;

	usleep(ms * 1000);
	ASSERT_EQ(s->e->ops->poll_cq(s->cq, 1, &wc), 0);
}

/* --- the port ---------------------------------------------------------- */

TEST(soft_roce_port_attributes)
{
	struct ib_uverbs_query_port_resp pr;
	struct ib_uverbs_gid gid;
	struct soft_roce_counters c;
	struct ib_device *ib;
	struct env e;
	u8 want[16];

	env_open_roce(&e, 1);
	ASSERT_OK(e.ops->query_port(e.dev, 1, &pr));
	ASSERT_EQ(pr.link_layer, 2);		/* Ethernet */
	ASSERT_EQ(pr.lid, 0);
	ASSERT_EQ(pr.sm_lid, 0);
	ASSERT_EQ(pr.gid_tbl_len, 1);
	ASSERT_EQ(pr.active_mtu, IB_UVERBS_MTU_4096);
	ASSERT_EQ(pr.port_cap_flags & (1u << 26), 1u << 26);
	ASSERT_EQ(pr.state, IB_UVERBS_PORT_ACTIVE);
	ASSERT_OK(e.ops->query_gid(e.dev, 1, 0, &gid));
	roce_loopback_gid(want, 1);
	ASSERT_TRUE(!memcmp(gid.raw, want, 16));
	c = counters(&e);
	ASSERT_EQ(c.roce, 1);
	ASSERT_TRUE(!memcmp(c.addr, want, 16));
	ASSERT_TRUE(!strcmp(c.netdev, "lo"));
	ASSERT_EQ(c.rx_packets, 0);
	ASSERT_EQ(c.tx_packets, 0);
	env_close(&e);

	/* Without a binding: the IB port of before, and no socket. */
	ib = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(ib));
	ASSERT_OK(to_verbs_dev(ib)->ops->query_port(ib, 1, &pr));
	ASSERT_EQ(pr.link_layer, 1);
	ASSERT_TRUE(pr.lid != 0);
	ASSERT_EQ(pr.port_cap_flags & (1u << 26), 0);
	ASSERT_EQ(to_soft_dev(ib)->ports[0].roce, NULL);
	soft_device_destroy(ib);
}

TEST(soft_roce_port_address_in_use)
{
	struct soft_device_config cfg = {};
	struct ib_device *a, *b;

	roce_loopback_gid(cfg.roce[0].addr, 1);
	a = soft_device_create(&cfg);
	ASSERT_TRUE(!IS_ERR(a));
	/* One socket per address: a second device cannot bind it. */
	b = soft_device_create(&cfg);
	ASSERT_EQ(PTR_ERR(b), -EADDRINUSE);
	soft_device_destroy(a);
	/* A multicast address is no port's. */
	memset(cfg.roce[0].addr, 0, 16);
	cfg.roce[0].addr[0] = 0xff;
	cfg.roce[0].addr[15] = 1;
	b = soft_device_create(&cfg);
	ASSERT_EQ(PTR_ERR(b), -EADDRNOTAVAIL);
}

TEST(soft_roce_grh_required)
{
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PORT |
			     IB_UVERBS_QP_AV | IB_UVERBS_QP_DEST_QPN,
		.qp_state = IB_UVERBS_QPS_RTR, .port_num = 1, .dest_qp_num = 5,
	};
	struct ib_uverbs_ah_attr ah = { .port_num = 1, .dlid = 3 };
	struct env e;
	struct side s;

	env_open_roce(&e, 1);
	side_open(&s, &e, IB_UVERBS_QPT_RC, 256, 64, false);
	a.ah_attr.dlid = 3;
	a.ah_attr.port_num = 1;
	ASSERT_EQ(e.ops->modify_qp(s.qp, &a), -EINVAL);
	ASSERT_TRUE(IS_ERR(e.ops->create_ah(s.pd, &ah, NULL)));
	ASSERT_EQ(PTR_ERR(e.ops->create_ah(s.pd, &ah, NULL)), -EINVAL);
	side_close(&s);
	env_close(&e);
}

/* --- RC ------------------------------------------------------------------ */

TEST(soft_roce_rc_send_sizes)
{
	static const size_t sizes[] = { 0, 1, 1024, 1025, 4096, 65536 + 3 };
	const size_t buf = 256 * 1024;
	struct soft_roce_counters ca, cb;
	struct pair p;
	unsigned int i;

	pair_open(&p, IB_UVERBS_QPT_RC, buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		u32 s1 = n / 3, s2 = n - s1;
		struct ib_uverbs_sge ss[2] = {
			sge_of(&p.a, 5, s1), sge_of(&p.a, 5 + s1 + 7, s2),
		};
		struct ib_uverbs_sge rs[2] = {
			sge_of(&p.b, 1, n / 2 + 1),
			sge_of(&p.b, 1 + n / 2 + 1 + 3, n),
		};
		struct ib_uverbs_send_wr wr = {
			.wr_id = 100 + i, .num_sge = 2,
			.opcode = i & 1 ? IB_UVERBS_WR_SEND_WITH_IMM :
					  IB_UVERBS_WR_SEND,
			.send_flags = IB_UVERBS_SEND_SIGNALED,
			.imm_data = 0xabcd0000 + i,
		};
		struct ib_uverbs_wc wc;
		size_t k;

		fill_pattern(p.a.buf, buf, i);
		memset(p.b.buf, 0, buf);
		post_recv_ok(&p.b, 200 + i, rs, 2);
		wc = post_send_wc(&p.a, &wr, ss, 2, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
		ASSERT_EQ(wc.wr_id, 100 + i);
		ASSERT_EQ(wc.byte_len, n);
		wc = poll_one(&p.b);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
		ASSERT_EQ(wc.wr_id, 200 + i);
		ASSERT_EQ(wc.byte_len, n);
		ASSERT_EQ(wc.qp_num, p.b.qp->qp_num);
		ASSERT_EQ(wc.src_qp, p.a.qp->qp_num);
		ASSERT_EQ(wc.wc_flags, i & 1 ? IB_UVERBS_WC_WITH_IMM : 0);
		if (i & 1)
			ASSERT_EQ(wc.imm_data, 0xabcd0000 + i);
		for (k = 0; k < n; k++) {
			u8 want = k < s1 ? p.a.buf[5 + k] :
				  p.a.buf[5 + s1 + 7 + (k - s1)];
			u8 got = k < n / 2 + 1 ? p.b.buf[1 + k] :
				 p.b.buf[1 + n / 2 + 1 + 3 + (k - (n / 2 + 1))];

			if (want != got)
				harness_fail(__FILE__, __LINE__,
					     "size %zu byte %zu: %u != %u", n,
					     k, got, want);
		}
	}
	ca = counters(&p.ea);
	cb = counters(&p.eb);
	/* 1 + 1 + 1 + 2 + 4 + 65 packets at MTU 1024; one ACK each SEND. */
	ASSERT_EQ(ca.tx_packets, 74);
	ASSERT_EQ(cb.rx_packets, 74);
	ASSERT_EQ(ca.retransmits, 0);
	ASSERT_EQ(cb.drops[SOFT_ROCE_DROP_ICRC], 0);
	/* ACKs: every last packet and every 16th packet asks for one. */
	ASSERT_EQ(cb.tx_packets, ca.rx_packets);
	ASSERT_EQ(cb.tx_packets, 6 + 4);
	pair_close(&p);
}

TEST(soft_roce_rc_write_read_atomics)
{
	const size_t buf = 64 * 1024;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;
	u64 v;

	pair_open(&p, IB_UVERBS_QPT_RC, buf);
	fill_pattern(p.a.buf, 20000, 3);
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf + 100;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	s = sge_of(&p.a, 0, 20000);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	ASSERT_EQ(wc.byte_len, 20000);
	ASSERT_TRUE(!memcmp(p.b.buf + 100, p.a.buf, 20000));
	ASSERT_EQ(p.b.buf[99], 0);
	ASSERT_EQ(p.b.buf[100 + 20000], 0);

	/* READ it back into another place: 20 responses at MTU 1024. */
	wr.wr_id = 2;
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	s = sge_of(&p.a, 30000, 20000);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_READ);
	ASSERT_EQ(wc.wr_id, 2);
	ASSERT_EQ(wc.byte_len, 20000);
	ASSERT_TRUE(!memcmp(p.a.buf + 30000, p.a.buf, 20000));

	/* WRITE_WITH_IMM: the responder's receive gets the immediate. */
	s = sge_of(&p.b, 60000, 16);
	post_recv_ok(&p.b, 77, &s, 1);
	wr.wr_id = 3;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE_WITH_IMM;
	wr.imm_data = 0x01020304;
	s = sge_of(&p.a, 0, 3000);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV_RDMA_WITH_IMM);
	ASSERT_EQ(wc.wr_id, 77);
	ASSERT_EQ(wc.byte_len, 3000);
	ASSERT_EQ(wc.imm_data, 0x01020304);
	ASSERT_EQ(wc.wc_flags, IB_UVERBS_WC_WITH_IMM);

	/* FETCH_ADD, then CMP_SWAP that hits and one that misses. */
	v = 40;
	memcpy(p.b.buf + 1024, &v, 8);
	wr.wr_id = 4;
	wr.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
	wr.wr.atomic.remote_addr = (u64)(uintptr_t)p.b.buf + 1024;
	wr.wr.atomic.rkey = p.b.mr->rkey;
	wr.wr.atomic.compare_add = 2;
	s = sge_of(&p.a, 2048, 8);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_FETCH_ADD);
	ASSERT_EQ(wc.byte_len, 8);
	memcpy(&v, p.a.buf + 2048, 8);
	ASSERT_EQ(v, 40);
	memcpy(&v, p.b.buf + 1024, 8);
	ASSERT_EQ(v, 42);
	wr.wr_id = 5;
	wr.opcode = IB_UVERBS_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.atomic.compare_add = 42;
	wr.wr.atomic.swap = 7;
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_COMP_SWAP);
	memcpy(&v, p.a.buf + 2048, 8);
	ASSERT_EQ(v, 42);
	memcpy(&v, p.b.buf + 1024, 8);
	ASSERT_EQ(v, 7);
	wr.wr_id = 6;
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	memcpy(&v, p.a.buf + 2048, 8);
	ASSERT_EQ(v, 7);
	memcpy(&v, p.b.buf + 1024, 8);
	ASSERT_EQ(v, 7);
	ASSERT_EQ(counters(&p.ea).retransmits, 0);
	pair_close(&p);
}

TEST(soft_roce_rc_access_errors)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;
	size_t i;

	pair_open(&p, IB_UVERBS_QPT_RC, 8192);
	memset(p.a.buf, 0x5a, 8192);
	/* A wrong rkey: nothing lands; REM_ACCESS_ERR; the rest flushes. */
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf;
	wr.wr.rdma.rkey = p.b.mr->rkey ^ 0x100;
	s = sge_of(&p.a, 0, 4000);
	post_send_ok(&p.a, &wr, &s, 1);
	wr.wr_id = 2;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	post_send_ok(&p.a, &wr, &s, 1);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.wr_id, 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_REM_ACCESS_ERR);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.wr_id, 2);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_WR_FLUSH_ERR);
	for (i = 0; i < 8192; i++)
		ASSERT_EQ(p.b.buf[i], 0);
	ASSERT_EQ(p.ea.ops->query_qp_state(p.a.qp), IB_UVERBS_QPS_ERR);
	/* The responder is left alone, as the local engine leaves it. */
	ASSERT_EQ(p.eb.ops->query_qp_state(p.b.qp), IB_UVERBS_QPS_RTS);
	/*
	 * The access NAK, then one sequence NAK for the packets behind the
	 * refused one (already on their way); a, in ERR, ignores it.
	 */
	for (i = 0; i < 2000 && counters(&p.eb).naks_sent < 2; i++)
		usleep(1000);	/* b's thread may still be at the packets */
	ASSERT_EQ(counters(&p.eb).naks_sent, 2);
	ASSERT_EQ(counters(&p.ea).naks_rcvd, 1);
	pair_close(&p);

	/* A range past the MR's end. */
	pair_open(&p, IB_UVERBS_QPT_RC, 8192);
	wr.wr_id = 3;
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf + 8000;
	s = sge_of(&p.a, 0, 400);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_REM_ACCESS_ERR);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_READ);
	pair_close(&p);

	/* A SEND longer than the receive: LOC_LEN_ERR there, REM_INV_REQ here. */
	pair_open(&p, IB_UVERBS_QPT_RC, 8192);
	s = sge_of(&p.b, 0, 100);
	post_recv_ok(&p.b, 9, &s, 1);
	wr.wr_id = 4;
	wr.opcode = IB_UVERBS_WR_SEND;
	s = sge_of(&p.a, 0, 101);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_REM_INV_REQ_ERR);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.wr_id, 9);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_LOC_LEN_ERR);
	ASSERT_EQ(p.eb.ops->query_qp_state(p.b.qp), IB_UVERBS_QPS_ERR);
	pair_close(&p);
}

TEST(soft_roce_rc_rnr)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct path pa, pb;
	struct pair p;

	/* rnr_retry 7: it waits for ever, and gets there once posted. */
	pair_open(&p, IB_UVERBS_QPT_RC, 4096);
	memcpy(p.a.buf, "late", 4);
	s = sge_of(&p.a, 0, 4);
	post_send_ok(&p.a, &wr, &s, 1);
	poll_none(&p.a, 50);
	ASSERT_TRUE(counters(&p.eb).rnr_naks_sent >= 2);
	s = sge_of(&p.b, 100, 4);
	post_recv_ok(&p.b, 2, &s, 1);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	/* The ACK came after every RNR NAK (one socket, in order). */
	ASSERT_EQ(counters(&p.eb).rnr_naks_sent,
		  counters(&p.ea).rnr_naks_rcvd);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.byte_len, 4);
	ASSERT_TRUE(!memcmp(p.b.buf + 100, "late", 4));
	pair_close(&p);

	/* rnr_retry 2: three RNR NAKs, then RNR_RETRY_EXC_ERR. */
	env_open_roce(&p.ea, 1);
	env_open_roce(&p.eb, 2);
	side_open(&p.a, &p.ea, IB_UVERBS_QPT_RC, 256, 4096, false);
	side_open(&p.b, &p.eb, IB_UVERBS_QPT_RC, 256, 4096, false);
	pair_path(&p, &pa, &pb);
	pa.rnr_retry = 2;
	qp_connect(&p.a, &pa);
	qp_connect(&p.b, &pb);
	s = sge_of(&p.a, 0, 4);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_RNR_RETRY_EXC_ERR);
	ASSERT_EQ(counters(&p.ea).rnr_naks_rcvd, 3);
	ASSERT_EQ(counters(&p.eb).rnr_naks_sent, 3);
	pair_close(&p);
}

TEST(soft_roce_rc_retransmit_after_drop)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct soft_roce_counters ca, cb;
	struct path pa, pb;
	struct pair p;

	env_open_roce(&p.ea, 1);
	env_open_roce(&p.eb, 2);
	side_open(&p.a, &p.ea, IB_UVERBS_QPT_RC, 256, 8192, false);
	side_open(&p.b, &p.eb, IB_UVERBS_QPT_RC, 256, 8192, false);
	pair_path(&p, &pa, &pb);
	pa.timeout = 12;	/* 16 ms */
	qp_connect(&p.a, &pa);
	/* b is in INIT: its port drops what comes (QP state). */
	qp_init(&p.b);
	s = sge_of(&p.b, 0, 5000);
	post_recv_ok(&p.b, 2, &s, 1);
	fill_pattern(p.a.buf, 5000, 9);
	s = sge_of(&p.a, 0, 5000);
	post_send_ok(&p.a, &wr, &s, 1);
	poll_none(&p.a, 30);
	qp_connect(&p.b, &pb);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 5000);
	ASSERT_TRUE(!memcmp(p.b.buf, p.a.buf, 5000));
	ca = counters(&p.ea);
	cb = counters(&p.eb);
	ASSERT_TRUE(ca.timeouts >= 1);
	ASSERT_EQ(ca.retransmits, ca.timeouts);
	/* Each try is 5 packets; those before RTR were dropped. */
	ASSERT_EQ(cb.drops[SOFT_ROCE_DROP_QP_STATE] % 5, 0);
	ASSERT_TRUE(cb.drops[SOFT_ROCE_DROP_QP_STATE] >= 5);
	pair_close(&p);

	/* retry_cnt 2 and nobody there: RETRY_EXC_ERR after 3 tries. */
	env_open_roce(&p.ea, 1);
	side_open(&p.a, &p.ea, IB_UVERBS_QPT_RC, 256, 8192, false);
	memset(&pa, 0, sizeof(pa));
	roce_loopback_gid(pa.dgid, 2);
	pa.dqpn = 0x77;
	pa.timeout = 10;
	pa.retry_cnt = 2;
	qp_connect(&p.a, &pa);
	s = sge_of(&p.a, 0, 10);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_RETRY_EXC_ERR);
	ca = counters(&p.ea);
	ASSERT_EQ(ca.timeouts, 3);
	ASSERT_EQ(ca.retransmits, 2);
	ASSERT_EQ(ca.tx_packets, 3);
	side_close(&p.a);
	env_close(&p.ea);
}

/* --- a forged peer ------------------------------------------------------- */

/* A UDP socket on 127.A.B.@host:4791 that speaks the codec. */
struct peer {
	int fd;
	u8 addr[16];
};

static void peer_open(struct peer *pr, u8 host)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(ROCE_UDP_PORT) };
	int pmtu = IP_PMTUDISC_DO;

	roce_loopback_gid(pr->addr, host);
	memcpy(&sin.sin_addr, pr->addr + 12, 4);
	pr->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(pr->fd >= 0);
	ASSERT_OK(setsockopt(pr->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
			     sizeof(pmtu)));
	ASSERT_OK(bind(pr->fd, (struct sockaddr *)&sin, sizeof(sin)));
}

static void peer_raw(struct peer *pr, const u8 dst[16], const void *buf,
		     size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(ROCE_UDP_PORT) };

	memcpy(&sin.sin_addr, dst + 12, 4);
	ASSERT_EQ(sendto(pr->fd, buf, len, 0, (struct sockaddr *)&sin,
			 sizeof(sin)), (ssize_t)len);
}

static void peer_send(struct peer *pr, const u8 dst[16],
		      const struct roce_pkt *pkt, const void *payload,
		      u32 len)
{
	u8 buf[2048], l3[ROCE_L3_IPV4_LEN];
	int n = roce_pkt_build(pkt, payload, len, buf, sizeof(buf));

	ASSERT_TRUE(n > 0);
	ASSERT_OK(roce_l3_hdr_ipv4(l3, pr->addr + 12, dst + 12,
				   ROCE_UDP_PORT, 0, (size_t)n));
	ASSERT_OK(roce_icrc_set(l3, sizeof(l3), buf, (size_t)n));
	peer_raw(pr, dst, buf, (size_t)n);
}

/* The next packet within 2 s, parsed; its ICRC checked. */
static struct roce_pkt peer_recv(struct peer *pr, const u8 from[16], u8 *buf)
{
	struct pollfd pfd = { .fd = pr->fd, .events = POLLIN };
	u8 l3[ROCE_L3_IPV4_LEN];
	struct roce_pkt pkt;
	ssize_t n;

	ASSERT_EQ(poll(&pfd, 1, 2000), 1);
	n = recv(pr->fd, buf, 2048, 0);
	ASSERT_TRUE(n > 0);
	ASSERT_EQ(roce_pkt_parse(&pkt, buf, (size_t)n), ROCE_DROP_NONE);
	ASSERT_OK(roce_l3_hdr_ipv4(l3, from + 12, pr->addr + 12,
				   ROCE_UDP_PORT, 0, (size_t)n));
	ASSERT_EQ(roce_icrc_check(l3, sizeof(l3), buf, (size_t)n),
		  ROCE_DROP_NONE);
	return pkt;
}

static void peer_none(struct peer *pr, int ms)
{
	struct pollfd pfd = { .fd = pr->fd, .events = POLLIN };

	ASSERT_EQ(poll(&pfd, 1, ms), 0);
}

/* Waits until the port has received @n packets. */
static void wait_rx(struct env *e, u64 n)
{
	int i;

	for (i = 0; i < 2000 && counters(e).rx_packets < n; i++)
		usleep(1000);
	ASSERT_EQ(counters(e).rx_packets, n);
}

/*
 * Waits until the port has dropped @n packets in all (the receive thread
 * counts a packet received before it decides its fate).
 */
static void wait_drops(struct env *e, u64 n)
{
	struct soft_roce_counters c;
	u64 sum = 0;
	int i, j;

	for (i = 0; i < 2000; i++) {
		c = counters(e);
		for (sum = 0, j = 0; j < SOFT_ROCE_DROP_NR; j++)
			sum += c.drops[j];
		if (sum >= n)
			break;
		usleep(1000);
	}
	ASSERT_EQ(sum, n);
}

/*
 * A device (host 1) with an RC QP of 8 KiB connected to a forged peer
 * (host 3, a plain UDP socket) that is QP @dqpn and sends from @rq_psn;
 * @dest_rd as struct path's; @dev_addr gets the device's address.
 */
static void forged_open(struct env *e, struct side *a, struct peer *pr,
			u32 dqpn, u32 rq_psn, int dest_rd, u8 dev_addr[16])
{
	struct path pa;

	env_open_roce(e, 1);
	side_open(a, e, IB_UVERBS_QPT_RC, 256, 8192, false);
	peer_open(pr, 3);
	memset(&pa, 0, sizeof(pa));
	memcpy(pa.dgid, pr->addr, 16);
	pa.dqpn = dqpn;
	pa.rq_psn = rq_psn;
	pa.timeout = 0;
	pa.dest_rd = dest_rd;
	qp_connect(a, &pa);
	roce_loopback_gid(dev_addr, 1);
}

TEST(soft_roce_rc_responder_duplicates_and_sequence)
{
	u8 buf[2048], dev_addr[16];
	struct roce_pkt pkt, ans;
	struct soft_roce_counters c;
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct peer pr;
	struct env e;
	struct side a;
	u64 v;

	forged_open(&e, &a, &pr, 0x4242, 100, 0, dev_addr);
	s = sge_of(&a, 0, 64);
	post_recv_ok(&a, 1, &s, 1);
	s = sge_of(&a, 64, 64);
	post_recv_ok(&a, 2, &s, 1);

	/* SEND_ONLY at the expected PSN: delivered, ACKed with PSN 100. */
	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_SEND_ONLY;
	pkt.pkey = 0xffff;
	pkt.dqpn = a.qp->qp_num;
	pkt.psn = 100;
	pkt.bth_flags = ROCE_BTH_ACKREQ;
	peer_send(&pr, dev_addr, &pkt, "hello", 5);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.dqpn, 0x4242);
	ASSERT_EQ(ans.psn, 100);
	ASSERT_EQ(ans.aeth.syndrome & ROCE_AETH_TYPE_MASK, ROCE_AETH_ACK);
	ASSERT_EQ(ans.aeth.msn, 1);
	wc = poll_one(&a);
	ASSERT_EQ(wc.wr_id, 1);
	ASSERT_EQ(wc.byte_len, 5);
	ASSERT_EQ(wc.src_qp, 0x4242);
	ASSERT_TRUE(!memcmp(a.buf, "hello", 5));

	/* The same again: a duplicate, ACKed again, not delivered again. */
	peer_send(&pr, dev_addr, &pkt, "HELLO", 5);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.psn, 100);
	ASSERT_EQ(ans.aeth.msn, 1);
	poll_none(&a, 10);
	ASSERT_TRUE(!memcmp(a.buf + 64, "\0\0\0\0\0", 5));
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 1);

	/* Ahead (PSN 103): one sequence NAK naming 101, then silence. */
	pkt.psn = 103;
	peer_send(&pr, dev_addr, &pkt, "x", 1);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.psn, 101);
	ASSERT_EQ(ans.aeth.syndrome,
		  ROCE_AETH_SYN_NAK(ROCE_NAK_PSN_SEQ_ERR));
	pkt.psn = 104;
	peer_send(&pr, dev_addr, &pkt, "y", 1);
	peer_none(&pr, 50);
	c = counters(&e);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_PSN], 2);
	ASSERT_EQ(c.naks_sent, 1);

	/* An atomic at 101, and its duplicate: executed once, answered twice. */
	v = 10;
	memcpy(a.buf + 4096, &v, 8);
	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_FETCH_ADD;
	pkt.pkey = 0xffff;
	pkt.dqpn = a.qp->qp_num;
	pkt.psn = 101;
	pkt.bth_flags = ROCE_BTH_ACKREQ;
	pkt.atmeth.va = (u64)(uintptr_t)a.buf + 4096;
	pkt.atmeth.rkey = a.mr->rkey;
	pkt.atmeth.swap_add = 5;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ATOMIC_ACKNOWLEDGE);
	ASSERT_EQ(ans.psn, 101);
	ASSERT_EQ(ans.atomic_orig, 10);
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ATOMIC_ACKNOWLEDGE);
	ASSERT_EQ(ans.atomic_orig, 10);
	memcpy(&v, a.buf + 4096, 8);
	ASSERT_EQ(v, 15);

	/* A READ whose rkey is wrong: NAK remote access error. */
	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_RDMA_READ_REQUEST;
	pkt.pkey = 0xffff;
	pkt.dqpn = a.qp->qp_num;
	pkt.psn = 102;
	pkt.reth.va = (u64)(uintptr_t)a.buf;
	pkt.reth.rkey = a.mr->rkey + 1;
	pkt.reth.dma_len = 5;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.psn, 102);
	ASSERT_EQ(ans.aeth.syndrome,
		  ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR));
	/* The right one: the bytes of the first SEND. */
	pkt.reth.rkey = a.mr->rkey;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_RDMA_READ_RESPONSE_ONLY);
	ASSERT_EQ(ans.psn, 102);
	ASSERT_EQ(ans.payload_len, 5);
	ASSERT_TRUE(!memcmp(ans.payload, "hello", 5));

	/* A stranger (another address) is dropped unanswered. */
	close(pr.fd);
	peer_open(&pr, 4);
	pkt.psn = 103;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	peer_none(&pr, 50);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_ADDR], 1);
	close(pr.fd);
	side_close(&a);
	env_close(&e);
}

/* A forged RC request header for QP @qpn at @psn. */
static struct roce_pkt req_hdr(u8 opcode, u32 qpn, u32 psn)
{
	struct roce_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = opcode;
	pkt.pkey = 0xffff;
	pkt.dqpn = qpn;
	pkt.psn = psn;
	return pkt;
}

/* READ responses of a large READ (MTU 256). */
#define PACE_PKTS 1024

/*
 * A large READ does not hold the port: the receive thread answers another
 * QP's SEND before the READ's last response; a request behind the READ
 * on its own QP is answered after it; a duplicate READ restarts the
 * responses at the PSN it asks for.
 */
TEST(soft_roce_rc_read_paced)
{
	static u8 buf[2048], want[PACE_PKTS * 256], raw[3][2048];
	u8 dev_addr[16], l3[ROCE_L3_IPV4_LEN];
	int len[3], k;
	struct roce_pkt pkt, ans;
	struct ib_uverbs_sge s;
	struct path pa, pb;
	int i, n_a = 0, b_ack = -1, a_ack = -1, rcvbuf = 4 << 20;
	struct peer pr;
	struct env e;
	struct side a, b;
	u8 op;

	env_open_roce(&e, 1);
	side_open(&a, &e, IB_UVERBS_QPT_RC, 256, PACE_PKTS * 256, false);
	side_open(&b, &e, IB_UVERBS_QPT_RC, 256, 4096, false);
	fill_pattern(a.buf, a.len, 7);
	memcpy(want, a.buf, sizeof(want));
	peer_open(&pr, 3);
	ASSERT_OK(setsockopt(pr.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			     sizeof(rcvbuf)));
	memset(&pa, 0, sizeof(pa));
	memcpy(pa.dgid, pr.addr, 16);
	pa.dqpn = 0x4242;
	pa.rq_psn = 100;
	pa.mtu = IB_UVERBS_MTU_256;
	pb = pa;
	pb.dqpn = 0x4343;
	pb.rq_psn = 500;
	qp_connect(&a, &pa);
	qp_connect(&b, &pb);
	roce_loopback_gid(dev_addr, 1);
	s = sge_of(&b, 0, 64);
	post_recv_ok(&b, 1, &s, 1);
	s = sge_of(&a, 0, 64);
	post_recv_ok(&a, 2, &s, 1);

	/*
	 * A READ of PACE_PKTS packets on a, a SEND on b, a SEND on a behind
	 * the READ: built first, sent back to back.
	 */
	for (k = 0; k < 3; k++) {
		if (!k) {
			pkt = req_hdr(ROCE_RC_RDMA_READ_REQUEST,
				      a.qp->qp_num, 100);
			pkt.reth.va = (u64)(uintptr_t)a.buf;
			pkt.reth.rkey = a.mr->rkey;
			pkt.reth.dma_len = PACE_PKTS * 256;
		} else {
			pkt = req_hdr(ROCE_RC_SEND_ONLY, k == 1 ?
				      b.qp->qp_num : a.qp->qp_num,
				      k == 1 ? 500 : 100 + PACE_PKTS);
			pkt.bth_flags = ROCE_BTH_ACKREQ;
		}
		len[k] = roce_pkt_build(&pkt, "x", k ? 1 : 0, raw[k],
					sizeof(raw[k]));
		ASSERT_TRUE(len[k] > 0);
		ASSERT_OK(roce_l3_hdr_ipv4(l3, pr.addr + 12, dev_addr + 12,
					   ROCE_UDP_PORT, 0, (size_t)len[k]));
		ASSERT_OK(roce_icrc_set(l3, sizeof(l3), raw[k],
					(size_t)len[k]));
	}
	for (k = 0; k < 3; k++)
		peer_raw(&pr, dev_addr, raw[k], (size_t)len[k]);

	for (i = 0; i < PACE_PKTS + 2; i++) {
		ans = peer_recv(&pr, dev_addr, buf);
		if (ans.opcode == ROCE_RC_ACKNOWLEDGE) {
			ASSERT_EQ(ans.aeth.syndrome & ROCE_AETH_TYPE_MASK,
				  ROCE_AETH_ACK);
			ASSERT_EQ(ans.aeth.msn, 1 + (ans.dqpn == 0x4242));
			if (ans.dqpn == 0x4343) {
				ASSERT_EQ(ans.psn, 500);
				b_ack = i;
			} else {
				ASSERT_EQ(ans.dqpn, 0x4242);
				ASSERT_EQ(ans.psn, 100 + PACE_PKTS);
				a_ack = i;
			}
			continue;
		}
		/* a's responses: in PSN order, each its 256 bytes. */
		ASSERT_EQ(ans.dqpn, 0x4242);
		ASSERT_EQ(ans.psn, 100 + n_a);
		op = !n_a ? ROCE_RC_RDMA_READ_RESPONSE_FIRST :
		     n_a == PACE_PKTS - 1 ? ROCE_RC_RDMA_READ_RESPONSE_LAST :
		     ROCE_RC_RDMA_READ_RESPONSE_MIDDLE;
		ASSERT_EQ(ans.opcode, op);
		ASSERT_EQ(ans.payload_len, 256);
		ASSERT_TRUE(!memcmp(ans.payload, want + n_a * 256, 256));
		n_a++;
	}
	ASSERT_EQ(n_a, PACE_PKTS);
	/* b's SEND was not held behind a's READ; a's was. */
	ASSERT_TRUE(b_ack >= 0 && b_ack < PACE_PKTS);
	ASSERT_EQ(a_ack, PACE_PKTS + 1);
	peer_none(&pr, 50);
	ASSERT_EQ(counters(&e).tx_packets, PACE_PKTS + 2);

	/* A duplicate READ from its 250th packet: responses 250..255. */
	pkt = req_hdr(ROCE_RC_RDMA_READ_REQUEST, a.qp->qp_num, 350);
	pkt.reth.va = (u64)(uintptr_t)a.buf + 250 * 256;
	pkt.reth.rkey = a.mr->rkey;
	pkt.reth.dma_len = 6 * 256;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	for (i = 0; i < 6; i++) {
		ans = peer_recv(&pr, dev_addr, buf);
		ASSERT_EQ(ans.psn, 350 + i);
		ASSERT_EQ(ans.opcode, !i ? ROCE_RC_RDMA_READ_RESPONSE_FIRST :
			  i == 5 ? ROCE_RC_RDMA_READ_RESPONSE_LAST :
			  ROCE_RC_RDMA_READ_RESPONSE_MIDDLE);
		ASSERT_TRUE(!memcmp(ans.payload, want + (250 + i) * 256, 256));
	}
	peer_none(&pr, 50);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 1);
	close(pr.fd);
	side_close(&b);
	side_close(&a);
	env_close(&e);
}

/* An atomic FETCH_ADD of @add at @va on QP @qpn, PSN @psn. */
static struct roce_pkt fetch_add(u32 qpn, u32 psn, void *va, u32 rkey,
				 u64 add)
{
	struct roce_pkt pkt = req_hdr(ROCE_RC_FETCH_ADD, qpn, psn);

	pkt.bth_flags = ROCE_BTH_ACKREQ;
	pkt.atmeth.va = (u64)(uintptr_t)va;
	pkt.atmeth.rkey = rkey;
	pkt.atmeth.swap_add = add;
	return pkt;
}

/* @a again, on @pa with max_dest_rd_atomic @dest_rd, its first word @v. */
static void atomic_side(struct side *a, struct env *e, struct path *pa,
			int dest_rd, u64 v)
{
	side_open(a, e, IB_UVERBS_QPT_RC, 256, 8192, false);
	pa->dest_rd = dest_rd;
	qp_connect(a, pa);
	memcpy(a->buf, &v, 8);
}

/*
 * FETCH_ADDs of 1 at PSNs @psn.. @psn + @n - 1 to @a's first word, each
 * answered in turn with what it found: @orig, @orig + 1, ...
 */
static void fetch_adds(struct side *a, struct peer *pr, const u8 dev_addr[16],
		       u32 psn, int n, u64 orig)
{
	struct roce_pkt pkt, ans;
	u8 buf[2048];
	int i;

	for (i = 0; i < n; i++) {
		pkt = fetch_add(a->qp->qp_num, psn + i, a->buf, a->mr->rkey, 1);
		peer_send(pr, dev_addr, &pkt, NULL, 0);
		ans = peer_recv(pr, dev_addr, buf);
		ASSERT_EQ(ans.opcode, ROCE_RC_ATOMIC_ACKNOWLEDGE);
		ASSERT_EQ(ans.psn, psn + i);
		ASSERT_EQ(ans.atomic_orig, orig + i);
	}
}

/*
 * max_dest_rd_atomic: 0 takes no READ or atomic (NAK invalid request,
 * nothing executed); 2 keeps the answers of the last two atomics only:
 * a duplicate of an older one is dropped unanswered, never run again;
 * 128 keeps 128.
 */
TEST(soft_roce_rc_dest_rd_atomic)
{
	u8 buf[2048], dev_addr[16];
	struct roce_pkt pkt, ans;
	struct path pa;
	struct peer pr;
	struct env e;
	struct side a;
	u64 v;

	env_open_roce(&e, 1);
	side_open(&a, &e, IB_UVERBS_QPT_RC, 256, 8192, false);
	peer_open(&pr, 3);
	memset(&pa, 0, sizeof(pa));
	memcpy(pa.dgid, pr.addr, 16);
	pa.dqpn = 0x4242;
	pa.rq_psn = 100;
	pa.dest_rd = -1;
	qp_connect(&a, &pa);
	roce_loopback_gid(dev_addr, 1);
	v = 10;
	memcpy(a.buf, &v, 8);

	/* None: READ and atomic NAKed invalid request, memory untouched. */
	pkt = req_hdr(ROCE_RC_RDMA_READ_REQUEST, a.qp->qp_num, 100);
	pkt.reth.va = (u64)(uintptr_t)a.buf;
	pkt.reth.rkey = a.mr->rkey;
	pkt.reth.dma_len = 8;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.psn, 100);
	ASSERT_EQ(ans.aeth.syndrome, ROCE_AETH_SYN_NAK(ROCE_NAK_INVALID_REQ));
	pkt = fetch_add(a.qp->qp_num, 100, a.buf, a.mr->rkey, 1);
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.psn, 100);
	ASSERT_EQ(ans.aeth.syndrome, ROCE_AETH_SYN_NAK(ROCE_NAK_INVALID_REQ));
	ASSERT_EQ(ans.aeth.msn, 0);
	memcpy(&v, a.buf, 8);
	ASSERT_EQ(v, 10);
	ASSERT_EQ(counters(&e).naks_sent, 2);
	side_close(&a);

	/* Two: atomics at 100, 101, 102 answered 10, 11, 12. */
	atomic_side(&a, &e, &pa, 2, 10);
	fetch_adds(&a, &pr, dev_addr, 100, 3, 10);
	/* 100's answer is gone: dropped, not run again. */
	pkt = fetch_add(a.qp->qp_num, 100, a.buf, a.mr->rkey, 1);
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	peer_none(&pr, 50);
	/* 101's is kept: the same answer again. */
	fetch_adds(&a, &pr, dev_addr, 101, 1, 11);
	memcpy(&v, a.buf, 8);
	ASSERT_EQ(v, 13);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 2);
	ASSERT_EQ(counters(&e).naks_sent, 2);
	side_close(&a);

	/*
	 * The device's most, 128: a requester with 128 atomics out may
	 * retry the oldest after the newest ran, and gets its answer.
	 */
	atomic_side(&a, &e, &pa, 128, 1000);
	fetch_adds(&a, &pr, dev_addr, 100, 128, 1000);
	/* The oldest and the newest again: answered, not run. */
	fetch_adds(&a, &pr, dev_addr, 100, 1, 1000);
	fetch_adds(&a, &pr, dev_addr, 227, 1, 1127);
	memcpy(&v, a.buf, 8);
	ASSERT_EQ(v, 1128);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 4);
	close(pr.fd);
	side_close(&a);
	env_close(&e);
}

/* An answer from the forged peer to our QP @qpn: @opcode at @psn. */
static struct roce_pkt answer_hdr(u8 opcode, u32 qpn, u32 psn, u32 msn)
{
	struct roce_pkt pkt = req_hdr(opcode, qpn, psn);

	pkt.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
	pkt.aeth.msn = msn;
	return pkt;
}

/*
 * The requester's implied NAK: an answer for later than the awaited one
 * means those between were lost, and the QP sends again from the
 * awaited one at once (its timer is off: timeout 0); the old answers
 * still arriving then rewind it no further.  A READ whose middle
 * response was lost asks again for the rest only.
 */
TEST(soft_roce_rc_implied_nak)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	u8 buf[2048], dev_addr[16], data[3000];
	struct soft_roce_counters c;
	struct roce_pkt pkt, req;
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct peer pr;
	struct env e;
	struct side a;
	u64 v;
	int i;

	forged_open(&e, &a, &pr, 0x4242, 100, 0, dev_addr);
	wr.wr.atomic.remote_addr = 0x10000;
	wr.wr.atomic.rkey = 0x77;
	wr.wr.atomic.compare_add = 1;
	for (i = 0; i < 2; i++) {
		wr.wr_id = 1 + i;
		s = sge_of(&a, 8 * i, 8);
		post_send_ok(&a, &wr, &s, 1);
		req = peer_recv(&pr, dev_addr, buf);
		ASSERT_EQ(req.opcode, ROCE_RC_FETCH_ADD);
		ASSERT_EQ(req.psn, (u32)i);
	}
	/* 1's answer first: 0's was lost.  Both again, at once. */
	pkt = answer_hdr(ROCE_RC_ATOMIC_ACKNOWLEDGE, a.qp->qp_num, 1, 2);
	pkt.atomic_orig = 6;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	for (i = 0; i < 2; i++) {
		req = peer_recv(&pr, dev_addr, buf);
		ASSERT_EQ(req.opcode, ROCE_RC_FETCH_ADD);
		ASSERT_EQ(req.psn, (u32)i);
	}
	/* The same old answer again: no second rewind. */
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	peer_none(&pr, 100);
	/* The answers to the retries, in order: both complete. */
	for (i = 0; i < 2; i++) {
		pkt = answer_hdr(ROCE_RC_ATOMIC_ACKNOWLEDGE, a.qp->qp_num,
				 (u32)i, 1 + (u32)i);
		pkt.atomic_orig = 5 + (u64)i;
		peer_send(&pr, dev_addr, &pkt, NULL, 0);
		wc = poll_one(&a);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
		ASSERT_EQ(wc.wr_id, 1 + (u64)i);
		memcpy(&v, a.buf + 8 * i, 8);
		ASSERT_EQ(v, 5 + (u64)i);
	}
	c = counters(&e);
	ASSERT_EQ(c.retransmits, 1);
	ASSERT_EQ(c.timeouts, 0);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_UNEXPECTED], 1);

	/* A READ of 3000 bytes, MTU 1024: responses at 2, 3, 4. */
	wr.wr_id = 3;
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = 0x20000;
	wr.wr.rdma.rkey = 0x78;
	s = sge_of(&a, 0, 3000);
	post_send_ok(&a, &wr, &s, 1);
	req = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(req.opcode, ROCE_RC_RDMA_READ_REQUEST);
	ASSERT_EQ(req.psn, 2);
	ASSERT_EQ(req.reth.dma_len, 3000);
	fill_pattern(data, sizeof(data), 4);
	pkt = answer_hdr(ROCE_RC_RDMA_READ_RESPONSE_FIRST, a.qp->qp_num, 2, 2);
	peer_send(&pr, dev_addr, &pkt, data, 1024);
	/* The middle one is lost: the last asks for the rest again. */
	pkt = answer_hdr(ROCE_RC_RDMA_READ_RESPONSE_LAST, a.qp->qp_num, 4, 3);
	peer_send(&pr, dev_addr, &pkt, data + 2048, 952);
	req = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(req.opcode, ROCE_RC_RDMA_READ_REQUEST);
	ASSERT_EQ(req.psn, 3);
	ASSERT_EQ(req.reth.va, 0x20000 + 1024);
	ASSERT_EQ(req.reth.dma_len, 3000 - 1024);
	pkt = answer_hdr(ROCE_RC_RDMA_READ_RESPONSE_FIRST, a.qp->qp_num, 3, 3);
	peer_send(&pr, dev_addr, &pkt, data + 1024, 1024);
	pkt = answer_hdr(ROCE_RC_RDMA_READ_RESPONSE_LAST, a.qp->qp_num, 4, 3);
	peer_send(&pr, dev_addr, &pkt, data + 2048, 952);
	wc = poll_one(&a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 3);
	ASSERT_EQ(wc.byte_len, 3000);
	ASSERT_TRUE(!memcmp(a.buf, data, 3000));
	c = counters(&e);
	ASSERT_EQ(c.retransmits, 2);
	ASSERT_EQ(c.timeouts, 0);
	close(pr.fd);
	side_close(&a);
	env_close(&e);
}

/*
 * A destroyed RC QP's peer that lost the last ACK retries into no QP:
 * the port still acknowledges the SEND it had executed (with retry_cnt 7
 * the peer would retry for ever), and nothing else.
 */
TEST(soft_roce_rc_destroyed_qp_acks_its_retries)
{
	u8 buf[2048], dev_addr[16];
	struct roce_pkt pkt, ans;
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct peer pr, stranger;
	struct env e;
	struct side a;
	u32 qpn;

	forged_open(&e, &a, &pr, 0x4243, 200, 0, dev_addr);
	s = sge_of(&a, 0, 64);
	post_recv_ok(&a, 1, &s, 1);
	qpn = a.qp->qp_num;

	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_SEND_ONLY;
	pkt.pkey = 0xffff;
	pkt.dqpn = qpn;
	pkt.psn = 200;
	pkt.bth_flags = ROCE_BTH_ACKREQ;
	peer_send(&pr, dev_addr, &pkt, "bye", 3);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.psn, 200);
	ASSERT_EQ(ans.aeth.msn, 1);
	wc = poll_one(&a);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 3);
	/* The QP goes, the port stays. */
	ASSERT_OK(e.ops->destroy_qp(a.qp));
	a.qp = NULL;

	/* The retried SEND: ACKed again, as the QP did. */
	peer_send(&pr, dev_addr, &pkt, "bye", 3);
	ans = peer_recv(&pr, dev_addr, buf);
	ASSERT_EQ(ans.opcode, ROCE_RC_ACKNOWLEDGE);
	ASSERT_EQ(ans.dqpn, 0x4243);
	ASSERT_EQ(ans.psn, 200);
	ASSERT_EQ(ans.aeth.syndrome & ROCE_AETH_TYPE_MASK, ROCE_AETH_ACK);
	ASSERT_EQ(ans.aeth.msn, 1);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 1);

	/* New work (the next PSN), a READ, a stranger: no QP, no answer. */
	pkt.psn = 201;
	peer_send(&pr, dev_addr, &pkt, "new", 3);
	peer_none(&pr, 50);
	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_RDMA_READ_REQUEST;
	pkt.pkey = 0xffff;
	pkt.dqpn = qpn;
	pkt.psn = 200;
	pkt.reth.dma_len = 3;
	peer_send(&pr, dev_addr, &pkt, NULL, 0);
	peer_none(&pr, 50);
	peer_open(&stranger, 4);
	pkt.opcode = ROCE_RC_SEND_ONLY;
	pkt.bth_flags = ROCE_BTH_ACKREQ;
	peer_send(&stranger, dev_addr, &pkt, "bye", 3);
	peer_none(&stranger, 50);
	wait_rx(&e, 5);
	wait_drops(&e, 4);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_NO_QP], 3);
	ASSERT_EQ(counters(&e).drops[SOFT_ROCE_DROP_DUPLICATE], 1);
	close(stranger.fd);
	close(pr.fd);
	ASSERT_OK(e.ops->dereg_mr(a.mr));
	ASSERT_OK(e.ops->destroy_cq(a.cq));
	ASSERT_OK(e.ops->dealloc_pd(a.pd));
	free(a.buf);
	env_close(&e);
}

TEST(soft_roce_garbage)
{
	u8 buf[600], dev_addr[16];
	struct soft_roce_counters c;
	struct roce_pkt pkt;
	struct peer pr;
	struct env e;
	struct side a;
	u64 sent = 0;
	int i, j;

	env_open_roce(&e, 1);
	side_open(&a, &e, IB_UVERBS_QPT_RC, 256, 4096, false);
	peer_open(&pr, 3);
	roce_loopback_gid(dev_addr, 1);
	/* Too short; a bad opcode (RD); a bad ICRC; no such QP. */
	peer_raw(&pr, dev_addr, "abc", 3);
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x40;
	peer_raw(&pr, dev_addr, buf, 16 + 8);
	memset(&pkt, 0, sizeof(pkt));
	pkt.opcode = ROCE_RC_SEND_ONLY;
	pkt.pkey = 0xffff;
	pkt.dqpn = a.qp->qp_num;
	ASSERT_EQ(roce_pkt_build(&pkt, "zz", 2, buf, sizeof(buf)), 20);
	peer_raw(&pr, dev_addr, buf, 20);	/* ICRC left 0 */
	pkt.dqpn = a.qp->qp_num ^ 1;
	peer_send(&pr, dev_addr, &pkt, "zz", 2);
	sent = 4;
	wait_rx(&e, sent);
	wait_drops(&e, sent);
	c = counters(&e);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_SHORT], 1);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_OPCODE], 1);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_ICRC], 1);
	ASSERT_EQ(c.drops[SOFT_ROCE_DROP_NO_QP], 1);
	/* Random bytes: every one dropped, none crashes. */
	srand(14);
	for (i = 0; i < 2000; i++) {
		int n = 1 + rand() % (int)sizeof(buf);

		for (j = 0; j < n; j++)
			buf[j] = (u8)rand();
		if (i & 1)
			buf[0] = (u8)(rand() % 0x18);
		peer_raw(&pr, dev_addr, buf, (size_t)n);
		sent++;
		if (!(i % 200))
			wait_rx(&e, sent);
	}
	wait_rx(&e, sent);
	wait_drops(&e, sent);
	ASSERT_EQ(counters(&e).tx_packets, 0);
	close(pr.fd);
	side_close(&a);
	env_close(&e);
}

/* --- UC ---------------------------------------------------------------- */

TEST(soft_roce_uc_send_write)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;

	pair_open(&p, IB_UVERBS_QPT_UC, 16384);
	fill_pattern(p.a.buf, 16384, 1);
	/* No receive: the message is lost, the sender completes. */
	s = sge_of(&p.a, 0, 3000);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	poll_none(&p.b, 30);
	ASSERT_EQ(counters(&p.eb).drops[SOFT_ROCE_DROP_NO_RECV], 1);
	/* With one: 3 packets filled in. */
	s = sge_of(&p.b, 0, 4000);
	post_recv_ok(&p.b, 5, &s, 1);
	s = sge_of(&p.a, 0, 3000);
	wr.wr_id = 2;
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.wr_id, 5);
	ASSERT_EQ(wc.byte_len, 3000);
	ASSERT_TRUE(!memcmp(p.b.buf, p.a.buf, 3000));
	/* WRITE. */
	wr.wr_id = 3;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf + 8192;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	s = sge_of(&p.a, 100, 5000);
	post_send_ok(&p.a, &wr, &s, 1);
	wc = poll_one(&p.a);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RDMA_WRITE);
	usleep(50 * 1000);
	ASSERT_TRUE(!memcmp(p.b.buf + 8192, p.a.buf + 100, 5000));
	ASSERT_EQ(counters(&p.eb).tx_packets, 0);	/* UC: no ACKs */
	pair_close(&p);
}

/* --- two QPs to each other, many messages -------------------------------- */

TEST(soft_roce_rc_pingpong_window)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;
	int i;

	pair_open(&p, IB_UVERBS_QPT_RC, 64 * 1024);
	/* 40 SENDs of 2 KiB in a row: the PSNs of b's side wrap. */
	for (i = 0; i < 40; i++) {
		s = sge_of(&p.a, (u64)i * 1024, 1024);
		post_recv_ok(&p.a, 1000 + i, &s, 1);
	}
	fill_pattern(p.b.buf, 64 * 1024, 5);
	for (i = 0; i < 40; i++) {
		wr.wr_id = i;
		s = sge_of(&p.b, (u64)i * 1024, 1024);
		post_send_ok(&p.b, &wr, &s, 1);
	}
	for (i = 0; i < 40; i++) {
		wc = poll_one(&p.b);
		ASSERT_EQ(wc.wr_id, i);
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
	for (i = 0; i < 40; i++) {
		wc = poll_one(&p.a);
		ASSERT_EQ(wc.wr_id, 1000 + i);
		ASSERT_EQ(wc.byte_len, 1024);
	}
	ASSERT_TRUE(!memcmp(p.a.buf, p.b.buf, 40 * 1024));
	ASSERT_EQ(counters(&p.eb).retransmits, 0);
	pair_close(&p);
}

/* --- IPv6 ---------------------------------------------------------------- */

/*
 * Two ports on fd14::1 and fd14::2, in a network namespace of this test's
 * own (root only): SEND, WRITE, READ and an atomic, byte-exact, and the
 * GID is the address.
 */
TEST(soft_roce_ipv6_pair)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_gid gid;
	struct ib_uverbs_sge s;
	struct ib_uverbs_wc wc;
	struct pair p;
	u8 want[16];
	u64 v;

	if (unshare(CLONE_NEWNET))
		harness_skip("no network namespace of our own (root only)");
	if (system("ip link set lo up && "
		   "ip -6 addr add fd14::1/128 dev lo nodad && "
		   "ip -6 addr add fd14::2/128 dev lo nodad"))
		harness_skip("cannot give lo the addresses (ip(8))");
	test_v6 = true;
	pair_open(&p, IB_UVERBS_QPT_RC, 64 * 1024);
	ASSERT_OK(p.ea.ops->query_gid(p.ea.dev, 1, 0, &gid));
	test_addr6(want, 1);
	ASSERT_TRUE(!memcmp(gid.raw, want, 16));
	fill_pattern(p.a.buf, 64 * 1024, 6);
	s = sge_of(&p.b, 0, 8192);
	post_recv_ok(&p.b, 2, &s, 1);
	s = sge_of(&p.a, 0, 5000);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	wc = poll_one(&p.b);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 5000);
	ASSERT_EQ(wc.src_qp, p.a.qp->qp_num);
	ASSERT_TRUE(!memcmp(p.b.buf, p.a.buf, 5000));
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	wr.wr.rdma.remote_addr = (u64)(uintptr_t)p.b.buf + 10000;
	wr.wr.rdma.rkey = p.b.mr->rkey;
	s = sge_of(&p.a, 100, 7000);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_TRUE(!memcmp(p.b.buf + 10000, p.a.buf + 100, 7000));
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	s = sge_of(&p.a, 30000, 7000);
	wc = post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 7000);
	ASSERT_TRUE(!memcmp(p.a.buf + 30000, p.a.buf + 100, 7000));
	v = 5;
	memcpy(p.b.buf + 40000, &v, 8);
	wr.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
	wr.wr.atomic.remote_addr = (u64)(uintptr_t)p.b.buf + 40000;
	wr.wr.atomic.rkey = p.b.mr->rkey;
	wr.wr.atomic.compare_add = 3;
	s = sge_of(&p.a, 50000, 8);
	post_send_wc(&p.a, &wr, &s, 1, IB_UVERBS_WC_SUCCESS);
	memcpy(&v, p.a.buf + 50000, 8);
	ASSERT_EQ(v, 5);
	memcpy(&v, p.b.buf + 40000, 8);
	ASSERT_EQ(v, 8);
	ASSERT_EQ(counters(&p.ea).retransmits, 0);
	ASSERT_EQ(counters(&p.eb).drops[SOFT_ROCE_DROP_ICRC], 0);
	pair_close(&p);
}

/* --- UD, through commands ------------------------------------------------ */

/* A device with a RoCEv2 port on 127.A.B.@host, a file and a UD QP. */
struct ud_end {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	u32 pd, mr, cq, qp, qpn, lkey;
	u8 buf[8192];
};

static void ud_ok(struct ud_end *u, long ret, int line)
{
	if (ret)
		harness_fail(__FILE__, line, "%s (%s)", errno_name(ret),
			     ioverbs_client_error(&u->v));
}

#define UD_OK(u, call) ud_ok(u, call, __LINE__)

static void ud_open(struct ud_end *u, u8 host)
{
	struct soft_device_config cfg = {};
	struct ib_uverbs_mr_reg_cmd mr_cmd = {
		.start = (uintptr_t)u->buf, .length = sizeof(u->buf),
		.hca_va = (uintptr_t)u->buf,
		.access_flags = IB_UVERBS_ACCESS_LOCAL_WRITE,
	};
	struct ib_uverbs_mr_reg_resp mr_resp;
	struct ib_uverbs_cq_create_cmd cq_cmd = { .cqe = 16 };
	struct ib_uverbs_qp_create_cmd qp_cmd = {
		.qp_type = IB_UVERBS_QPT_UD,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	const struct ioverbs_qp_peer ud = {
		.qp_type = IB_UVERBS_QPT_UD, .qkey = 0x11111111,
	};
	struct ib_uverbs_qp_create_resp qp_resp;

	memset(u, 0, sizeof(*u));
	roce_loopback_gid(cfg.roce[0].addr, host);
	cfg.roce[0].mtu = IB_UVERBS_MTU_1024;
	u->dev = soft_device_create(&cfg);
	ASSERT_TRUE(!IS_ERR(u->dev));
	u->f = ib_uverbs_open(u->dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(u->f));
	ioverbs_client_init_embedded(&u->v, u->f);
	ioverbs_client_spec_set(&u->v, u->dev->types, SOFT_DRIVER_ID);
	UD_OK(u, ioverbs_context_get(&u->v));
	UD_OK(u, ioverbs_pd_alloc(&u->v, &u->pd));
	UD_OK(u, ioverbs_mr_reg_ex(&u->v, u->pd, &mr_cmd, &u->mr, &mr_resp));
	u->lkey = mr_resp.lkey;
	UD_OK(u, ioverbs_cq_create_ex(&u->v, &cq_cmd, -1, &u->cq, NULL));
	UD_OK(u, ioverbs_qp_create_ex(&u->v, &qp_cmd, u->pd, u->cq, u->cq,
				      IOVERBS_NONE, &u->qp, &qp_resp));
	u->qpn = qp_resp.qpn;
	UD_OK(u, ioverbs_qp_connect(&u->v, u->qp, &ud));
}

static void ud_close(struct ud_end *u)
{
	ib_uverbs_release(u->f);
	soft_device_destroy(u->dev);
}

static u32 ud_poll(struct ud_end *u, struct ib_uverbs_wc *wc)
{
	u32 count = 0;
	int i;

	for (i = 0; i < 10000 && !count; i++) {
		UD_OK(u, ioverbs_cq_poll(&u->v, u->cq, wc, 1, &count));
		if (!count)
			usleep(100);
	}
	return count;
}

TEST(soft_roce_ud_datagrams)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND_WITH_IMM,
		.send_flags = IB_UVERBS_SEND_SIGNALED, .imm_data = 0x2a,
	};
	struct ib_uverbs_ah_attr ah = {
		.port_num = 1, .is_global = 1, .hop_limit = 64,
	};
	struct ib_uverbs_recv_wr rwr = { .wr_id = 10, .num_sge = 1 };
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ud_end a, b;
	u32 ah_h, bad;
	u8 grh[40], want[16];

	ud_open(&a, 1);
	ud_open(&b, 2);
	/* Without a GRH there is no RoCE address: EINVAL. */
	ah.is_global = 0;
	ah.dlid = 1;
	ASSERT_ERRNO(-EINVAL, ioverbs_ah_create(&a.v, a.pd, &ah, &ah_h));
	ah.is_global = 1;
	roce_loopback_gid(ah.dgid.raw, 2);
	UD_OK(&a, ioverbs_ah_create(&a.v, a.pd, &ah, &ah_h));

	memcpy(a.buf, "datagram", 8);
	memset(b.buf, 0xaa, 64);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)b.buf,
				      .length = 1024, .lkey = b.lkey };
	UD_OK(&b, ioverbs_qp_post_recv(&b.v, b.qp, &rwr, 1, &sge, 1, &bad));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)a.buf, .length = 8,
				      .lkey = a.lkey };
	wr.wr.ud.ah = ah_h;
	wr.wr.ud.remote_qpn = b.qpn;
	wr.wr.ud.remote_qkey = 0x11111111;
	UD_OK(&a, ioverbs_qp_post_send(&a.v, a.qp, &wr, 1, &sge, 1, &bad));
	ASSERT_EQ(ud_poll(&a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(wc.byte_len, 8);
	ASSERT_EQ(ud_poll(&b, &wc), 1);
	ASSERT_EQ(wc.wr_id, 10);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(wc.byte_len, 40 + 8);
	ASSERT_EQ(wc.src_qp, a.qpn);
	ASSERT_EQ(wc.qp_num, b.qpn);
	ASSERT_EQ(wc.imm_data, 0x2a);
	ASSERT_EQ(wc.wc_flags, IB_UVERBS_WC_GRH | IB_UVERBS_WC_WITH_IMM);
	ASSERT_EQ(wc.slid, 0);
	/* rdma_rxe's layout: 20 zero bytes, then the IPv4 header. */
	memcpy(grh, b.buf, 40);
	ASSERT_TRUE(!memcmp(grh, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	ASSERT_EQ(grh[20], 0x45);
	ASSERT_EQ(grh[29], 17);			/* UDP */
	ASSERT_EQ((grh[22] << 8) | grh[23], 20 + 8 + 12 + 8 + 4 + 8 + 4);
	roce_loopback_gid(want, 1);
	ASSERT_TRUE(!memcmp(grh + 32, want + 12, 4));		/* source */
	ASSERT_TRUE(!memcmp(grh + 36, ah.dgid.raw + 12, 4));	/* dest */
	ASSERT_TRUE(!memcmp(b.buf + 40, "datagram", 8));

	/* A wrong Q_Key: the sender completes, the datagram is dropped. */
	UD_OK(&b, ioverbs_qp_post_recv(&b.v, b.qp, &rwr, 1, &sge, 1, &bad));
	wr.wr.ud.remote_qkey = 0x22222222;
	UD_OK(&a, ioverbs_qp_post_send(&a.v, a.qp, &wr, 1, &sge, 1, &bad));
	ASSERT_EQ(ud_poll(&a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	usleep(50 * 1000);
	{
		struct soft_roce_counters c;

		soft_roce_counters(&to_soft_dev(b.dev)->ports[0], &c);
		ASSERT_EQ(c.drops[SOFT_ROCE_DROP_QKEY], 1);
		ASSERT_EQ(c.rx_packets, 2);
	}
	ASSERT_EQ(ioverbs_cq_poll(&b.v, b.cq, &wc, 1, &bad), 0);
	ASSERT_EQ(bad, 0);
	/* Longer than the path MTU (1024): LOC_LEN_ERR, nothing sent. */
	sge.length = 2000;
	sge.addr = (uintptr_t)a.buf;
	sge.lkey = a.lkey;
	wr.wr.ud.remote_qkey = 0x11111111;
	UD_OK(&a, ioverbs_qp_post_send(&a.v, a.qp, &wr, 1, &sge, 1, &bad));
	ASSERT_EQ(ud_poll(&a, &wc), 1);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_LOC_LEN_ERR);
	ud_close(&a);
	ud_close(&b);
}
