// SPDX-License-Identifier: MIT
/*
 * The soft device's RoCEv2 transport (IBTA Annex A17): a port bound to an
 * IP address sends its QPs' packets in UDP datagrams to port 4791 and
 * receives theirs on one socket, with one receive thread per port.  The
 * wire format is roce_wire.h's.
 *
 * Requester (a QP's send queue, under sq.lock): soft_roce_sq_process()
 * sends the WQEs from roce.sent on, one packet per path MTU, while the
 * window (SOFT_ROCE_WINDOW packets past the oldest unanswered PSN) and
 * max_rd_atomic allow.  UC and UD complete a WQE once it is sent; RC
 * completes it when an ACK covers its last PSN (a READ when its last
 * response came, an atomic with its ATOMIC ACKNOWLEDGE).  A sequence
 * NAK sends again from the PSN it names; an RNR NAK holds the queue for
 * the timer it names, rnr_retry times (7: for ever); the other NAKs
 * complete the WQE in error (REM_INV_REQ_ERR, REM_ACCESS_ERR,
 * REM_OP_ERR).  The transport timer (the QP's timeout; 0: none, as IB)
 * sends again from the oldest unanswered PSN, retry_cnt times (7: for
 * ever, as rdma_rxe), then RETRY_EXC_ERR.  The timer is the QP's
 * rnr_work: soft_rnr_work() runs the send queue, which looks at the
 * deadlines.
 *
 * Responder (the receive thread, under the QP's resp_lock): RC takes the
 * PSN it expects; a PSN ahead is NAKed once (sequence error), one behind
 * is a duplicate: a SEND or WRITE is acknowledged again, a READ read
 * again, an atomic answered from the QP's cache of answers (never run
 * twice).  A SEND fills the receive it took at its first packet; no
 * receive is an RNR NAK (the QP's min_rnr_timer).  A WRITE, READ or
 * atomic is checked against the rkey, its range and access (and the
 * QP's access flags) before a byte moves, packet by packet: an MR
 * deregistered in between stops it.  Errors the local engine reports
 * the same way: a receive too short or not writable completes in error
 * (LOC_LEN_ERR, LOC_PROT_ERR) and moves the responder to ERR; a remote
 * access error leaves the responder alone.  UC drops a message that lost
 * a packet; UD checks the Q_Key and puts the IPv4 header in the last 20
 * of the receive's first 40 bytes, as rdma_rxe.
 *
 * Trust: a packet is untrusted.  The codec checks its shape; the ICRC is
 * checked over the IP and UDP headers as the sender must have sent them
 * (IP ID 0, DF: what rdma_rxe and this port send); it must name a QP of
 * this port, of the packet's transport, in a state that receives, with
 * a matching P_Key; RC and UC packets must come from the address the
 * QP's path names; nothing a packet says is used before it is checked
 * against what the QP holds (no queue grows from remote input: a READ's
 * responses go out SOFT_ROCE_READ_BURST a turn, the rest from the QP's
 * rd_work, one READ at a time per QP, the answers cache is fixed).  Each drop is
 * counted by reason (enum soft_roce_drop).
 *
 * A destroyed RC QP lingers (soft_roce_linger_add()): for
 * SOFT_ROCE_LINGER_NS its port still acknowledges again the SENDs and
 * WRITEs it had executed, if its peer retries them.  Its peer may have
 * lost the last ACK; with the QP gone it would retry into the void, for
 * ever with retry_cnt 7.  Nothing else of the QP lingers: a READ or an
 * atomic retried then is dropped (no QP), and a live QP of the same
 * QPN comes first.
 *
 * Two RoCEv2 ports of one process talk over UDP too: the fabric never
 * finds a RoCEv2 port (fabric.c).
 *
 * Lock order: as soft.h; the receive thread takes one QP's sq.lock or
 * its resp_lock, never both, and sends under either.
 */
#include "roce_wire.h"
#include "soft.h"

/* Packets a requester sends past the oldest unanswered PSN. */
#define SOFT_ROCE_WINDOW 128
/* A requester asks for an ACK at least every this many packets. */
#define SOFT_ROCE_ACK_EVERY 16
/* PSN arithmetic on 24 bits. */
#define SOFT_ROCE_PSN_MASK 0xffffffu
/* rdma_rxe's infinite retry count. */
#define SOFT_ROCE_INFINITE 7
/* The largest datagram: a 4096-byte MTU and every header. */
#define SOFT_ROCE_BUF (4096 + ROCE_MAX_HDR_LEN + ROCE_ICRC_LEN + 64)
#define SOFT_GRH_LEN 40
#define SOFT_QKEY_USE_QP 0x80000000u
/* The test hook holds a packet back this long at most (netem's delay). */
#define SOFT_ROCE_HOLD_US 1000
/* Destroyed RC QPs a port remembers, and for how long. */
#define SOFT_ROCE_LINGERS 64
#define SOFT_ROCE_LINGER_NS (10ull * 1000 * 1000 * 1000)

/*
 * What a destroyed RC QP leaves (soft_roce_linger_add()): its QPN, its
 * peer's address and QPN, the P_Key, the PSN it expected next and its
 * MSN, until @until (ktime ns); @qpn 0: a free slot.
 */
struct soft_roce_linger {
	u32 qpn;
	u32 dqpn;
	u32 epsn;
	u32 msn;
	u16 pkey;
	u8 dgid[16];
	u64 until;
};

/* READ responses a responder sends a turn (the QP's rd_work, the rest). */
#define SOFT_ROCE_READ_BURST 16

/* A port's counters (struct soft_roce_counters). */
struct soft_roce_stats {
	atomic_long_t rx_packets;
	atomic_long_t tx_packets;
	atomic_long_t retransmits;
	atomic_long_t timeouts;
	atomic_long_t naks_sent;
	atomic_long_t naks_rcvd;
	atomic_long_t rnr_naks_sent;
	atomic_long_t rnr_naks_rcvd;
	atomic_long_t drops[SOFT_ROCE_DROP_MAX];
	atomic_long_t test_lost;
	atomic_long_t test_reordered;
};

/**
 * struct soft_roce - a RoCEv2 port
 * @sdev: its device
 * @port_num: its number
 * @addr: its address (IPv4-mapped)
 * @netdev: the interface that has it
 * @mtu: the largest IB MTU of the interface
 * @udp: the socket (UDP port 4791 on @addr)
 * @rx: the receive thread; it sleeps until a datagram comes or
 *	@rx_stop is set (and the socket woken): an idle port costs nothing
 * @rxbuf: the receive thread's datagram
 * @rtx: the receive thread's packet and payload to send (responses)
 * @stats: counters
 * @loss_ppm, @reorder_ppm: the test hook's rates (soft_roce_config)
 * @held_lock: protects @held, @held_len and @held_dst (a leaf)
 * @held: a packet the test hook holds back (SOFT_ROCE_BUF bytes), sent
 *	after the next one, or by @held_work after SOFT_ROCE_HOLD_US if no
 *	other comes (a peer may wait for it); @held_len 0: none
 * @linger_lock: protects @lingers and @linger_next (a leaf)
 * @lingers: destroyed RC QPs that still acknowledge their peer's
 *	retries, @linger_next the slot the next one takes (the oldest)
 */
struct soft_roce {
	struct soft_device *sdev;
	u8 port_num;
	u8 addr[16];
	char netdev[16];
	u8 mtu;
	struct compat_udp *udp;
	struct task_struct *rx;
	bool rx_stop;
	u8 *rxbuf;
	u8 *rtx;
	struct soft_roce_stats stats;
	u32 loss_ppm;
	u32 reorder_ppm;
	spinlock_t held_lock;
	u8 *held;
	u32 held_len;
	u8 held_dst[16];
	struct delayed_work held_work;
	spinlock_t linger_lock;
	struct soft_roce_linger lingers[SOFT_ROCE_LINGERS];
	u32 linger_next;
};

_Static_assert((int)SOFT_ROCE_DROP_ICRC == (int)ROCE_DROP_ICRC,
	       "the codec's drop reasons come first");
_Static_assert(SOFT_ROCE_DROP_NR <= SOFT_ROCE_DROP_MAX, "room for drops");

static void soft_roce_inc(atomic_long_t *c)
{
	atomic_long_add_return(1, c);
}

static void soft_roce_drop(struct soft_roce *rp, enum soft_roce_drop why)
{
	soft_roce_inc(&rp->stats.drops[why]);
}

/* A verbs imm_data (big-endian in memory) as a number, and back. */
static u32 soft_imm_get(u32 be)
{
	const u8 *b = (const u8 *)&be;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static u32 soft_imm_put(u32 v)
{
	u32 be;
	u8 *b = (u8 *)&be;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
	return be;
}

static s32 soft_psn_diff(u32 a, u32 b)
{
	return (s32)((a - b) << 8) >> 8;
}

static u32 soft_psn_add(u32 a, u32 n)
{
	return (a + n) & SOFT_ROCE_PSN_MASK;
}

static u32 soft_mtu_bytes(u8 mtu)
{
	if (mtu < IB_UVERBS_MTU_256 || mtu > IB_UVERBS_MTU_4096)
		mtu = IB_UVERBS_MTU_1024;
	return 128u << mtu;
}

bool soft_port_is_roce(struct soft_device *sdev, u8 port_num)
{
	struct soft_port *p = soft_port_get(sdev, port_num);

	return p && p->roce;
}

static struct soft_roce *soft_qp_roce_port(struct soft_qp *sqp, u8 port_num)
{
	struct soft_port *p = soft_port_get(sqp->sdev, port_num);

	return p ? p->roce : NULL;
}

bool soft_roce_qp(struct soft_qp *sqp)
{
	u8 port;

	spin_lock(&sqp->lock);
	port = sqp->attr.port_num;
	spin_unlock(&sqp->lock);
	return soft_port_is_roce(sqp->sdev, port);
}

/* ---- sending ---- */

/*
 * The test hook (soft_roce_config.test_loss_ppm, test_reorder_ppm): true
 * if it took the packet (dropped it, or holds it back until the next one
 * is sent).
 */
static bool soft_roce_test_fault(struct soft_roce *rp, const u8 dst[16],
				 const u8 *buf, u32 len)
{
	u32 r = get_random_u32() % 1000000;
	bool took = false;

	if (r < rp->loss_ppm) {
		soft_roce_inc(&rp->stats.test_lost);
		return true;
	}
	if (r - rp->loss_ppm >= rp->reorder_ppm)
		return false;
	spin_lock(&rp->held_lock);
	if (!rp->held_len) {
		memcpy(rp->held, buf, len);
		memcpy(rp->held_dst, dst, 16);
		rp->held_len = len;
		took = true;
	}
	spin_unlock(&rp->held_lock);
	if (took) {
		soft_roce_inc(&rp->stats.test_reordered);
		mod_delayed_work(rp->sdev->wq, &rp->held_work,
				 SOFT_ROCE_HOLD_US);
	}
	return took;
}

/* Sends the packet the test hook holds back, after another one went. */
static void soft_roce_test_release(struct soft_roce *rp)
{
	spin_lock(&rp->held_lock);
	if (rp->held_len) {
		soft_roce_inc(&rp->stats.tx_packets);
		if (compat_udp_send(rp->udp, rp->held_dst, ROCE_UDP_PORT,
				    rp->held, rp->held_len))
			atomic_long_add_return(-1, &rp->stats.tx_packets);
	}
	rp->held_len = 0;
	spin_unlock(&rp->held_lock);
}

static void soft_roce_held_work(struct delayed_work *dw)
{
	soft_roce_test_release(container_of(dw, struct soft_roce,
					    held_work));
}

/*
 * The IP and UDP headers of a packet of @len bytes from @src (UDP port
 * @sport) to @dst, as the sender writes them: IPv4 with ID 0 and DF, or
 * IPv6.  Their length (ROCE_L3_IPV4_LEN or _IPV6_LEN), or a negative
 * errno (a v4 address with a v6 one, a length too long).
 */
static int soft_roce_l3(u8 *l3, const u8 src[16], const u8 dst[16],
			u16 sport, u32 len)
{
	int ret;

	if (compat_addr_is_v4(src) != compat_addr_is_v4(dst))
		return -EAFNOSUPPORT;
	if (compat_addr_is_v4(src)) {
		ret = roce_l3_hdr_ipv4(l3, src + 12, dst + 12, sport, 0, len);
		return ret ? ret : ROCE_L3_IPV4_LEN;
	}
	ret = roce_l3_hdr_ipv6(l3, src, dst, sport, len);
	return ret ? ret : ROCE_L3_IPV6_LEN;
}

/*
 * Sends @pkt with @len bytes of payload from @payload to @dst: builds it,
 * computes the ICRC over the headers the kernel will write, counts it.
 */
static int soft_roce_xmit(struct soft_roce *rp, u8 *buf, const u8 dst[16],
			  const struct roce_pkt *pkt, const void *payload,
			  u32 len)
{
	u8 l3[ROCE_L3_IPV6_LEN];
	int n, ret;

	n = roce_pkt_build(pkt, payload, len, buf, SOFT_ROCE_BUF);
	if (n < 0)
		return n;
	ret = soft_roce_l3(l3, rp->addr, dst, ROCE_UDP_PORT, (u32)n);
	if (ret > 0)
		ret = roce_icrc_set(l3, (size_t)ret, buf, (size_t)n);
	if (!ret && (rp->loss_ppm || rp->reorder_ppm) &&
	    soft_roce_test_fault(rp, dst, buf, (u32)n))
		return 0;
	if (!ret) {
		/* Counted first: a peer's count never runs ahead of ours. */
		soft_roce_inc(&rp->stats.tx_packets);
		ret = compat_udp_send(rp->udp, dst, ROCE_UDP_PORT, buf,
				      (size_t)n);
		if (ret)
			atomic_long_add_return(-1, &rp->stats.tx_packets);
	}
	if (!ret && (rp->loss_ppm || rp->reorder_ppm))
		soft_roce_test_release(rp);
	return ret;
}

/* The BTH fields every packet of @attr's QP carries. */
static void soft_roce_bth(struct roce_pkt *pkt, struct soft_qp *sqp,
			  const struct ib_uverbs_qp_attr *attr, u8 opcode,
			  u32 psn)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->opcode = opcode;
	pkt->pkey = soft_pkey_at(sqp->sdev, attr->pkey_index);
	pkt->dqpn = attr->dest_qp_num;
	pkt->psn = psn;
}

/* An ACK, RNR NAK or NAK from the responder @sqp, built in @buf. */
static void soft_roce_ack_in(struct soft_roce *rp, u8 *buf,
			     struct soft_qp *sqp,
			     const struct ib_uverbs_qp_attr *attr, u32 psn,
			     u8 syndrome)
{
	struct roce_pkt pkt;

	soft_roce_bth(&pkt, sqp, attr, ROCE_RC_ACKNOWLEDGE, psn);
	pkt.aeth.syndrome = syndrome;
	pkt.aeth.msn = sqp->roce.msn & 0xffffff;
	if ((syndrome & ROCE_AETH_TYPE_MASK) == ROCE_AETH_NAK)
		soft_roce_inc(&rp->stats.naks_sent);
	else if ((syndrome & ROCE_AETH_TYPE_MASK) == ROCE_AETH_RNR_NAK)
		soft_roce_inc(&rp->stats.rnr_naks_sent);
	soft_roce_xmit(rp, buf, attr->ah_attr.dgid.raw, &pkt, NULL, 0);
}

/* The same from the receive thread. */
static void soft_roce_ack(struct soft_roce *rp, struct soft_qp *sqp,
			  const struct ib_uverbs_qp_attr *attr, u32 psn,
			  u8 syndrome)
{
	soft_roce_ack_in(rp, rp->rtx, sqp, attr, psn, syndrome);
}

/* ---- the requester ---- */

static bool soft_wr_is_read_atomic(u32 opcode)
{
	return opcode == IB_UVERBS_WR_RDMA_READ ||
	       opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
}

static bool soft_wr_is_atomic(u32 opcode)
{
	return opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
}

/* Bytes of a WQE's message (its SGEs or inline payload). */
static u64 soft_wqe_len(const struct soft_send_wqe *wqe)
{
	const struct ib_uverbs_sge *sge = (const void *)wqe->data;
	u64 len = 0;
	u32 i;

	if (wqe->inline_len)
		return wqe->inline_len;
	for (i = 0; i < wqe->wr.num_sge; i++)
		len += sge[i].length;
	return len;
}

/* The PSNs a WQE takes: its packets, or a READ's responses. */
static u32 soft_wqe_npkts(const struct soft_send_wqe *wqe, u32 mtu)
{
	u64 len = soft_wqe_len(wqe);

	if (soft_wr_is_atomic(wqe->wr.opcode) || !len)
		return 1;
	return (u32)((len + mtu - 1) / mtu);
}

/* Its local SGEs, checked, with @access. */
static int soft_wqe_sgl(struct soft_qp *sqp, struct soft_send_wqe *wqe,
			struct soft_sgl *sgl, u32 access)
{
	if (wqe->inline_len) {
		soft_sgl_init(sgl);
		soft_sgl_add_kernel(sgl, wqe->data, wqe->inline_len);
		return IB_UVERBS_WC_SUCCESS;
	}
	return soft_sgl_get(sgl, sqp->sdev, sqp->ibqp.pd,
			    (const struct ib_uverbs_sge *)wqe->data,
			    wqe->wr.num_sge, access);
}

/* Completes the WQE at the head of the send queue (sq.lock held). */
static void soft_roce_complete(struct soft_qp *sqp,
			       const struct ib_uverbs_qp_attr *attr,
			       int status, u32 byte_len)
{
	struct soft_queue *q = &sqp->sq;
	struct soft_send_wqe *wqe = soft_queue_entry(q, q->head);
	struct ib_uverbs_wc wc = {};

	wc.wr_id = wqe->wr.wr_id;
	wc.status = status;
	wc.opcode = soft_send_wc_opcode(wqe->wr.opcode);
	wc.byte_len = status ? 0 : byte_len;
	wc.qp_num = sqp->ibqp.qp_num;
	wc.port_num = attr->port_num;
	if (soft_wr_is_read_atomic(wqe->wr.opcode) && sqp->roce.rd_out &&
	    sqp->roce.sent != q->head)
		sqp->roce.rd_out--;
	if (sqp->roce.sent == q->head) {
		sqp->roce.sent++;
		sqp->roce.tx_pkt = 0;
	}
	q->head++;
	sqp->roce.head_acked = 0;
	sqp->roce.rnr_retries = 0;
	sqp->roce.implied = false;
	soft_count_wc(sqp, true, status, wc.opcode, wc.byte_len);
	if (status || sqp->ibqp.sq_sig_all ||
	    (wqe->wr.send_flags & IB_UVERBS_SEND_SIGNALED))
		soft_cq_add(sqp->ibqp.send_cq, &wc, false);
	if (status && status != IB_UVERBS_WC_WR_FLUSH_ERR) {
		soft_qp_set_err(sqp);
		q->flush = true;
	}
}

/* Sends packet @k of the WQE at roce.sent.  Returns a WC status. */
static int soft_roce_send_pkt(struct soft_roce *rp, struct soft_qp *sqp,
			      const struct ib_uverbs_qp_attr *attr,
			      struct soft_send_wqe *wqe, u32 k, u32 npkts,
			      u32 mtu)
{
	const struct ib_uverbs_send_wr *wr = &wqe->wr;
	u8 type = sqp->ibqp.qp_type;
	u8 base = type == IB_UVERBS_QPT_UC ? 0x20 : 0x00;
	const u8 *dst = attr->ah_attr.dgid.raw;
	bool imm = wr->opcode == IB_UVERBS_WR_SEND_WITH_IMM ||
		   wr->opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM;
	bool first = k == 0, last = k + 1 == npkts;
	u8 *data = sqp->roce.txbuf + SOFT_ROCE_BUF;
	struct soft_sgl sgl, kbuf;
	struct roce_pkt pkt;
	u64 len = soft_wqe_len(wqe), off = (u64)k * mtu;
	u32 n = 0, psn = soft_psn_add(wqe->psn, k);
	u8 op;
	int status;

	soft_roce_bth(&pkt, sqp, attr, 0, psn);
	switch (wr->opcode) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
		op = first && last ? (imm ? ROCE_RC_SEND_ONLY_WITH_IMMEDIATE :
					    ROCE_RC_SEND_ONLY) :
		     first ? ROCE_RC_SEND_FIRST :
		     last ? (imm ? ROCE_RC_SEND_LAST_WITH_IMMEDIATE :
				   ROCE_RC_SEND_LAST) :
		     ROCE_RC_SEND_MIDDLE;
		break;
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		op = first && last ?
			(imm ? ROCE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE :
			       ROCE_RC_RDMA_WRITE_ONLY) :
		     first ? ROCE_RC_RDMA_WRITE_FIRST :
		     last ? (imm ? ROCE_RC_RDMA_WRITE_LAST_WITH_IMMEDIATE :
				   ROCE_RC_RDMA_WRITE_LAST) :
		     ROCE_RC_RDMA_WRITE_MIDDLE;
		pkt.reth.va = wr->wr.rdma.remote_addr;
		pkt.reth.rkey = wr->wr.rdma.rkey;
		pkt.reth.dma_len = (u32)len;
		break;
	case IB_UVERBS_WR_RDMA_READ:
		/* One request for the responses from @k on. */
		pkt.opcode = ROCE_RC_RDMA_READ_REQUEST;
		pkt.reth.va = wr->wr.rdma.remote_addr + off;
		pkt.reth.rkey = wr->wr.rdma.rkey;
		pkt.reth.dma_len = (u32)(len - min_t(u64, len, off));
		pkt.bth_flags = ROCE_BTH_ACKREQ;
		goto out_send;
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		pkt.opcode = wr->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ?
			     ROCE_RC_COMPARE_SWAP : ROCE_RC_FETCH_ADD;
		pkt.atmeth.va = wr->wr.atomic.remote_addr;
		pkt.atmeth.rkey = wr->wr.atomic.rkey;
		if (wr->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP) {
			pkt.atmeth.compare = wr->wr.atomic.compare_add;
			pkt.atmeth.swap_add = wr->wr.atomic.swap;
		} else {
			pkt.atmeth.swap_add = wr->wr.atomic.compare_add;
		}
		pkt.bth_flags = ROCE_BTH_ACKREQ;
		goto out_send;
	default:
		return IB_UVERBS_WC_LOC_QP_OP_ERR;
	}
	pkt.opcode = base | op;
	if (type == IB_UVERBS_QPT_UD) {
		u32 qkey = wr->wr.ud.remote_qkey;

		pkt.opcode = imm ? ROCE_UD_SEND_ONLY_WITH_IMMEDIATE :
				   ROCE_UD_SEND_ONLY;
		pkt.dqpn = wr->wr.ud.remote_qpn;
		if (qkey & SOFT_QKEY_USE_QP)
			qkey = attr->qkey;
		pkt.deth.qkey = qkey;
		pkt.deth.sqpn = sqp->ibqp.qp_num;
		dst = wqe->ah.dgid.raw;
	}
	if (imm && last)
		pkt.imm = soft_imm_get(wr->imm_data);
	if (last && (wr->send_flags & IB_UVERBS_SEND_SOLICITED))
		pkt.bth_flags |= ROCE_BTH_SE;
	if (type == IB_UVERBS_QPT_RC &&
	    (last || ++sqp->roce.noack >= SOFT_ROCE_ACK_EVERY)) {
		pkt.bth_flags |= ROCE_BTH_ACKREQ;
		sqp->roce.noack = 0;
	}
	n = (u32)min_t(u64, len - min_t(u64, len, off), mtu);
	if (n) {
		status = soft_wqe_sgl(sqp, wqe, &sgl, 0);
		if (status)
			return status;
		soft_sgl_init(&kbuf);
		soft_sgl_add_kernel(&kbuf, data, n);
		if (soft_sgl_copy(&kbuf, 0, &sgl, off, n)) {
			soft_sgl_put(&sgl);
			return IB_UVERBS_WC_LOC_PROT_ERR;
		}
		soft_sgl_put(&sgl);
	}
out_send:
	if (soft_roce_xmit(rp, sqp->roce.txbuf, dst, &pkt, data, n))
		pr_debug("soft: roce: QP 0x%x: a packet was not sent",
			 sqp->ibqp.qp_num);
	return IB_UVERBS_WC_SUCCESS;
}

/* Arms the transport timer (sq.lock held). */
static void soft_roce_arm(struct soft_qp *sqp,
			  const struct ib_uverbs_qp_attr *attr, bool restart)
{
	u32 us = soft_timeout_us(attr->timeout);

	if (sqp->ibqp.qp_type != IB_UVERBS_QPT_RC || !attr->timeout)
		return;
	if (sqp->roce.deadline && !restart)
		return;
	sqp->roce.deadline = ktime_get_ns() + (u64)us * 1000;
	mod_delayed_work(sqp->sdev->wq, &sqp->rnr_work, us);
}

/* Go back: send again from packet @k of the WQE at sq index @idx. */
static void soft_roce_rewind(struct soft_qp *sqp, u32 idx, u32 k)
{
	struct soft_queue *q = &sqp->sq;
	u32 i;

	sqp->roce.rd_out = 0;
	for (i = q->head; i != idx; i++)
		if (soft_wr_is_read_atomic(((struct soft_send_wqe *)
			soft_queue_entry(q, i))->wr.opcode))
			sqp->roce.rd_out++;
	sqp->roce.sent = idx;
	sqp->roce.tx_pkt = k;
}

bool soft_roce_sq_process(struct soft_qp *sqp, bool retry_now)
{
	struct soft_queue *q = &sqp->sq;
	struct ib_uverbs_qp_attr attr;
	struct soft_send_wqe *wqe;
	struct soft_roce *rp;
	bool err = false;
	u32 mtu, npkts, max_rd;
	int status;
	u64 now;

	spin_lock(&q->lock);
	soft_qp_attr_read(sqp, &attr);
	rp = soft_qp_roce_port(sqp, attr.port_num);
	mtu = soft_mtu_bytes(attr.path_mtu);
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UD)
		mtu = soft_mtu_bytes(rp ? rp->mtu : 0);
	/* ERR: everything left flushes. */
	if (q->flush || attr.qp_state == IB_UVERBS_QPS_ERR) {
		while (q->head != q->tail && !READ_ONCE(sqp->dead)) {
			sqp->roce.sent = q->head;
			soft_roce_complete(sqp, &attr,
					   IB_UVERBS_WC_WR_FLUSH_ERR, 0);
		}
		sqp->roce.sent = q->head;
		sqp->roce.deadline = 0;
		goto out_unlock;
	}
	if (attr.qp_state != IB_UVERBS_QPS_RTS || !rp || READ_ONCE(sqp->dead))
		goto out_unlock;
	if (!sqp->roce.txbuf) {
		/* Retried at the next post or timer: nothing is lost. */
		sqp->roce.txbuf = kmalloc(2 * SOFT_ROCE_BUF);
		if (!sqp->roce.txbuf)
			goto out_unlock;
	}
	now = ktime_get_ns();
	if (sqp->roce.rnr_until) {
		if (now < sqp->roce.rnr_until && !retry_now)
			goto out_unlock;
		sqp->roce.rnr_until = 0;
		soft_roce_inc(&rp->stats.retransmits);
	}
	/* The transport timer: nothing answered in time. */
	if (sqp->roce.deadline && now >= sqp->roce.deadline &&
	    q->head != sqp->roce.sent) {
		sqp->roce.deadline = 0;
		soft_roce_inc(&rp->stats.timeouts);
		if (attr.retry_cnt != SOFT_ROCE_INFINITE &&
		    sqp->roce.retries++ >= attr.retry_cnt) {
			soft_roce_complete(sqp, &attr,
					   IB_UVERBS_WC_RETRY_EXC_ERR, 0);
			err = true;
			goto out_unlock;
		}
		soft_roce_inc(&rp->stats.retransmits);
		soft_roce_rewind(sqp, q->head, sqp->roce.head_acked);
		sqp->roce.implied = false;
	} else if (q->head == sqp->roce.sent) {
		sqp->roce.deadline = 0;
	}
	max_rd = attr.max_rd_atomic ? attr.max_rd_atomic : 1;
	while (sqp->roce.sent != q->tail) {
		wqe = soft_queue_entry(q, sqp->roce.sent);
		npkts = soft_wqe_npkts(wqe, mtu);
		if (!wqe->psn_set) {
			spin_lock(&sqp->lock);
			wqe->psn = sqp->req_psn;
			sqp->req_psn = soft_psn_add(sqp->req_psn,
				sqp->ibqp.qp_type == IB_UVERBS_QPT_UD ? 1 :
				npkts);
			spin_unlock(&sqp->lock);
			wqe->psn_set = 1;
		}
		if (sqp->ibqp.qp_type == IB_UVERBS_QPT_RC) {
			u32 first = ((struct soft_send_wqe *)
				     soft_queue_entry(q, q->head))->psn;

			if (q->head != sqp->roce.sent &&
			    soft_psn_diff(soft_psn_add(wqe->psn,
						       sqp->roce.tx_pkt),
					  first) >= SOFT_ROCE_WINDOW)
				break;
			if (soft_wr_is_read_atomic(wqe->wr.opcode) &&
			    !sqp->roce.tx_pkt && sqp->roce.rd_out >= max_rd)
				break;
			/* A fence waits for the READs and atomics before. */
			if ((wqe->wr.send_flags & IB_UVERBS_SEND_FENCE) &&
			    sqp->roce.rd_out && !sqp->roce.tx_pkt)
				break;
		}
		if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UD &&
		    soft_wqe_len(wqe) > mtu) {
			status = IB_UVERBS_WC_LOC_LEN_ERR;
		} else if (soft_wr_is_atomic(wqe->wr.opcode) &&
			   soft_wqe_len(wqe) < sizeof(u64)) {
			status = IB_UVERBS_WC_LOC_LEN_ERR;
		} else {
			status = soft_roce_send_pkt(rp, sqp, &attr, wqe,
						    sqp->roce.tx_pkt, npkts,
						    mtu);
		}
		if (status) {
			/* In order: it completes once all before it did. */
			if (q->head != sqp->roce.sent)
				break;
			soft_roce_complete(sqp, &attr, status, 0);
			err = true;
			break;
		}
		if (wqe->wr.opcode == IB_UVERBS_WR_RDMA_READ ||
		    soft_wr_is_atomic(wqe->wr.opcode)) {
			sqp->roce.rd_out++;
			sqp->roce.tx_pkt = npkts;
		} else {
			sqp->roce.tx_pkt++;
		}
		if (sqp->roce.tx_pkt < npkts)
			continue;
		if (sqp->ibqp.qp_type != IB_UVERBS_QPT_RC &&
		    q->head == sqp->roce.sent) {
			/* UC, UD: sent is done. */
			soft_roce_complete(sqp, &attr, IB_UVERBS_WC_SUCCESS,
					   (u32)soft_wqe_len(wqe));
			continue;
		}
		sqp->roce.sent++;
		sqp->roce.tx_pkt = 0;
		soft_roce_arm(sqp, &attr, false);
	}
out_unlock:
	spin_unlock(&q->lock);
	if (err)
		soft_rq_flush(sqp);
	if (err)
		soft_roce_sq_process(sqp, false);
	return false;
}

/*
 * The WQE of the send queue whose PSNs hold @psn, from the head up to
 * roce.sent: its sq index, or roce.sent if none.  sq.lock held.
 */
static u32 soft_roce_find(struct soft_qp *sqp, u32 psn, u32 mtu)
{
	struct soft_queue *q = &sqp->sq;
	struct soft_send_wqe *wqe;
	u32 i, end = sqp->roce.sent;

	/* The WQE being sent counts too. */
	if (end != q->tail && sqp->roce.tx_pkt)
		end++;
	for (i = q->head; i != end; i++) {
		wqe = soft_queue_entry(q, i);
		if (soft_psn_diff(psn, wqe->psn) >= 0 &&
		    soft_psn_diff(psn, wqe->psn) <
		    (s32)soft_wqe_npkts(wqe, mtu))
			return i;
	}
	return sqp->roce.sent;
}

/*
 * Completes the WQEs wholly before sq index @idx that an ACK covers
 * implicitly (SENDs and WRITEs).  False if one of them is a READ or an
 * atomic still waiting for its data: its answer was lost.
 */
static bool soft_roce_ack_upto(struct soft_qp *sqp,
			       const struct ib_uverbs_qp_attr *attr, u32 idx,
			       u32 mtu)
{
	struct soft_queue *q = &sqp->sq;
	struct soft_send_wqe *wqe;

	while (q->head != idx) {
		wqe = soft_queue_entry(q, q->head);
		if (soft_wr_is_read_atomic(wqe->wr.opcode))
			return false;
		soft_roce_complete(sqp, attr, IB_UVERBS_WC_SUCCESS,
				   (u32)soft_wqe_len(wqe));
	}
	sqp->roce.retries = 0;
	return true;
}

/* A READ response's payload into the head READ's SGEs. */
static int soft_roce_read_data(struct soft_qp *sqp, struct soft_send_wqe *wqe,
			       u64 off, const u8 *data, u32 n)
{
	struct soft_sgl sgl, kbuf;
	int status;

	if (!n)
		return IB_UVERBS_WC_SUCCESS;
	status = soft_wqe_sgl(sqp, wqe, &sgl, IB_UVERBS_ACCESS_LOCAL_WRITE);
	if (status)
		return status;
	soft_sgl_init(&kbuf);
	soft_sgl_add_kernel(&kbuf, (void *)data, n);
	if (soft_sgl_copy(&sgl, off, &kbuf, 0, n))
		status = IB_UVERBS_WC_LOC_PROT_ERR;
	soft_sgl_put(&sgl);
	return status;
}

static int soft_nak_status(u8 code)
{
	switch (code) {
	case ROCE_NAK_INVALID_REQ:
		return IB_UVERBS_WC_REM_INV_REQ_ERR;
	case ROCE_NAK_REM_ACCESS_ERR:
		return IB_UVERBS_WC_REM_ACCESS_ERR;
	default:
		return IB_UVERBS_WC_REM_OP_ERR;
	}
}

/*
 * An answer came for later than the one awaited at the head of @sqp's
 * send queue (a READ's next response, or a READ's or atomic's answer
 * before an ACK or another answer): those between were lost.  Sends
 * again from the head at once rather than at the timer (IB's implied
 * NAK), unless such a rewind is under way already: the answers to what
 * went out before it are still arriving, and each would rewind again.
 * Return: true if it rewound (the caller kicks the send queue);
 * otherwise the answer is dropped as unexpected.  sq.lock held.
 */
static bool soft_roce_implied_nak(struct soft_roce *rp, struct soft_qp *sqp)
{
	if (sqp->roce.implied) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_UNEXPECTED);
		return false;
	}
	sqp->roce.implied = true;
	soft_roce_inc(&rp->stats.retransmits);
	soft_roce_rewind(sqp, sqp->sq.head, sqp->roce.head_acked);
	return true;
}

/* An answer to the requester @sqp: ACK, NAK, READ response, atomic ACK. */
static void soft_roce_answer(struct soft_roce *rp, struct soft_qp *sqp,
			     const struct roce_pkt *pkt)
{
	struct soft_queue *q = &sqp->sq;
	const struct roce_opcode_info *info = roce_opcode_info(pkt->opcode);
	struct ib_uverbs_qp_attr attr;
	struct soft_send_wqe *wqe;
	bool kick = false, err = false;
	u32 mtu, idx, k, npkts;
	u8 syn = pkt->aeth.syndrome;
	int status;

	spin_lock(&q->lock);
	soft_qp_attr_read(sqp, &attr);
	if (READ_ONCE(sqp->dead) || q->flush ||
	    attr.qp_state != IB_UVERBS_QPS_RTS) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_QP_STATE);
		goto out_unlock;
	}
	mtu = soft_mtu_bytes(attr.path_mtu);
	idx = soft_roce_find(sqp, pkt->psn, mtu);
	if (idx == sqp->roce.sent && !(idx != q->tail && sqp->roce.tx_pkt)) {
		/* Nothing sent holds that PSN: old, or made up. */
		soft_roce_drop(rp, SOFT_ROCE_DROP_UNEXPECTED);
		goto out_unlock;
	}
	wqe = soft_queue_entry(q, idx);
	k = (u32)soft_psn_diff(pkt->psn, wqe->psn);
	npkts = soft_wqe_npkts(wqe, mtu);

	if (info->kind == ROCE_OP_ACK &&
	    (syn & ROCE_AETH_TYPE_MASK) != ROCE_AETH_ACK) {
		/* The PSN a NAK names is the one it refused: before it is done. */
		if (!soft_roce_ack_upto(sqp, &attr, idx, mtu) ||
		    q->head != idx) {
			soft_roce_drop(rp, SOFT_ROCE_DROP_UNEXPECTED);
			goto out_unlock;
		}
		if (k && !soft_wr_is_read_atomic(wqe->wr.opcode))
			sqp->roce.head_acked = k;
		if ((syn & ROCE_AETH_TYPE_MASK) == ROCE_AETH_RNR_NAK) {
			u32 us = roce_rnr_timer_usec(syn);

			soft_roce_inc(&rp->stats.rnr_naks_rcvd);
			if (attr.rnr_retry != SOFT_ROCE_INFINITE &&
			    sqp->roce.rnr_retries++ >= attr.rnr_retry) {
				soft_roce_complete(sqp, &attr,
					IB_UVERBS_WC_RNR_RETRY_EXC_ERR, 0);
				err = true;
				goto out_unlock;
			}
			soft_roce_rewind(sqp, idx,
				soft_wr_is_read_atomic(wqe->wr.opcode) ?
				sqp->roce.head_acked : k);
			sqp->roce.rnr_until = ktime_get_ns() + (u64)us * 1000;
			sqp->roce.deadline = 0;
			mod_delayed_work(sqp->sdev->wq, &sqp->rnr_work, us);
			goto out_unlock;
		}
		soft_roce_inc(&rp->stats.naks_rcvd);
		if ((syn & ROCE_AETH_VALUE_MASK) == ROCE_NAK_PSN_SEQ_ERR) {
			soft_roce_inc(&rp->stats.retransmits);
			soft_roce_rewind(sqp, idx,
				soft_wr_is_read_atomic(wqe->wr.opcode) ?
				sqp->roce.head_acked : k);
			soft_roce_arm(sqp, &attr, true);
			kick = true;
			goto out_unlock;
		}
		soft_roce_complete(sqp, &attr,
				   soft_nak_status(syn & ROCE_AETH_VALUE_MASK),
				   0);
		err = true;
		goto out_unlock;
	}

	if (info->kind == ROCE_OP_ACK) {
		/* An ACK: everything up to its PSN arrived. */
		if (!soft_roce_ack_upto(sqp, &attr, idx, mtu) ||
		    soft_wr_is_read_atomic(wqe->wr.opcode)) {
			/* A READ's responses or an atomic's answer was lost. */
			kick = soft_roce_implied_nak(rp, sqp);
			goto out_unlock;
		}
		if (k + 1 == npkts && (idx != sqp->roce.sent ||
				       sqp->roce.tx_pkt >= npkts)) {
			soft_roce_complete(sqp, &attr, IB_UVERBS_WC_SUCCESS,
					   (u32)soft_wqe_len(wqe));
		} else {
			sqp->roce.head_acked = k + 1;
		}
		sqp->roce.deadline = 0;
		if (q->head != sqp->roce.sent)
			soft_roce_arm(sqp, &attr, true);
		kick = true;
		goto out_unlock;
	}

	/* A READ response or an atomic's answer: for the WQE asking. */
	if ((info->kind == ROCE_OP_READ_RESP) !=
	    (wqe->wr.opcode == IB_UVERBS_WR_RDMA_READ) ||
	    (info->kind == ROCE_OP_ATOMIC_ACK) !=
	    soft_wr_is_atomic(wqe->wr.opcode)) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_UNEXPECTED);
		goto out_unlock;
	}
	/* Past an unanswered READ or atomic, or past a lost response. */
	if (!soft_roce_ack_upto(sqp, &attr, idx, mtu) ||
	    k > sqp->roce.head_acked) {
		kick = soft_roce_implied_nak(rp, sqp);
		goto out_unlock;
	}
	if (k != sqp->roce.head_acked) {
		/* A response received already. */
		soft_roce_drop(rp, SOFT_ROCE_DROP_UNEXPECTED);
		goto out_unlock;
	}
	if (info->kind == ROCE_OP_ATOMIC_ACK) {
		status = soft_roce_read_data(sqp, wqe, 0,
					     (const u8 *)&pkt->atomic_orig,
					     sizeof(u64));
		soft_roce_complete(sqp, &attr, status, sizeof(u64));
		err = status != IB_UVERBS_WC_SUCCESS;
		kick = true;
		goto out_unlock;
	}
	{
		u64 len = soft_wqe_len(wqe), off = (u64)k * mtu;
		u32 want = (u32)min_t(u64, len - min_t(u64, len, off), mtu);
		bool last = k + 1 == npkts;

		if (pkt->payload_len != want ||
		    (last != (info->seg == ROCE_SEG_LAST ||
			      info->seg == ROCE_SEG_ONLY))) {
			soft_roce_drop(rp, SOFT_ROCE_DROP_LENGTH);
			goto out_unlock;
		}
		status = soft_roce_read_data(sqp, wqe, off, pkt->payload,
					     pkt->payload_len);
		if (status || last) {
			soft_roce_complete(sqp, &attr, status, (u32)len);
			err = status != IB_UVERBS_WC_SUCCESS;
			kick = true;
		} else {
			sqp->roce.head_acked = k + 1;
			sqp->roce.retries = 0;
			sqp->roce.implied = false;
			soft_roce_arm(sqp, &attr, true);
		}
	}
out_unlock:
	spin_unlock(&q->lock);
	if (err)
		soft_rq_flush(sqp);
	if (kick || err)
		soft_roce_sq_process(sqp, false);
}

/* ---- the responder ---- */

/*
 * The network header rdma_rxe puts in a UD receive's GRH area: IPv4's in
 * bytes 20..39 (the first 20 zero), IPv6's in all 40; as it arrived, or
 * as it must have been sent.
 */
static void soft_roce_ud_grh(u8 *grh, const struct compat_udp_meta *m,
			     u32 len)
{
	u8 l3[ROCE_L3_IPV6_LEN];
	int n;

	memset(grh, 0, SOFT_GRH_LEN);
	if (m->has_l3) {
		memcpy(grh + 20, m->l3, 20);
		return;
	}
	n = soft_roce_l3(l3, m->src, m->dst, m->sport, len);
	if (n == ROCE_L3_IPV4_LEN)
		memcpy(grh + 20, l3, 20);
	else if (n == ROCE_L3_IPV6_LEN)
		memcpy(grh, l3, SOFT_GRH_LEN);
}

/*
 * Takes the next receive for a SEND's first packet into roce.cur_recv:
 * from the QP's queue or its SRQ's (and the SRQ's ring, where the client
 * posts them).  Return: 1 taken, 0 none posted, -EIO the SRQ's ring is
 * corrupt (the QP failed: soft_resp_srq_broken()).  resp_lock held.
 */
static int soft_roce_take_recv(struct soft_qp *sqp)
{
	struct soft_queue *q = soft_qp_rq(sqp);
	struct soft_srq *ssrq = NULL;
	bool got = false, limit = false, srq_err;

	if (sqp->roce.recv_held) {
		/* UC: the receive a lost message left is the next one's. */
		sqp->roce.recv_held = false;
		return 1;
	}
	if (!sqp->roce.cur_recv) {
		/* The biggest stride a receive can have on this device. */
		sqp->roce.cur_recv = kmalloc(sizeof(struct soft_recv_wqe) +
					     sqp->sdev->attr.max_sge *
					     sizeof(struct ib_uverbs_sge));
		if (!sqp->roce.cur_recv)
			return 0;
	}
	spin_lock(&q->lock);
	if (!soft_resp_take(sqp, q, &srq_err)) {
		spin_unlock(&q->lock);
		soft_resp_srq_broken(sqp, srq_err);
		return -EIO;
	}
	if (q->head != q->tail && !q->flush &&
	    q->max_sge <= sqp->sdev->attr.max_sge) {
		memcpy(sqp->roce.cur_recv, soft_queue_entry(q, q->head),
		       q->stride);
		q->head++;
		got = true;
		if (sqp->ibqp.srq) {
			ssrq = to_soft_srq(sqp->ibqp.srq);
			limit = soft_srq_limit_due(ssrq);
		}
	}
	spin_unlock(&q->lock);
	if (limit)
		soft_srq_event(ssrq, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED);
	return got;
}

/*
 * A SEND's first packet or a WRITE with immediate found no receive
 * (soft_roce_take_recv() said @ret): RC answers RNR NAK (a receive may
 * come), or remote operational error NAK if its SRQ failed; UC drops
 * the message.  resp_lock held.
 */
static void soft_roce_no_recv(struct soft_roce *rp, struct soft_qp *sqp,
			      const struct ib_uverbs_qp_attr *attr,
			      const struct roce_pkt *pkt, int ret)
{
	/* Posted on the client's ring, not yet in the queue: soon. */
	if (!ret && soft_ring_rq_pending(sqp))
		soft_ring_qp_kick_locked(sqp, false);
	if (sqp->ibqp.qp_type != IB_UVERBS_QPT_RC)
		sqp->roce.uc_drop = true;
	else if (ret < 0)
		soft_roce_ack(rp, sqp, attr, pkt->psn,
			      ROCE_AETH_SYN_NAK(ROCE_NAK_REM_OP_ERR));
	else
		soft_roce_ack(rp, sqp, attr, pkt->psn,
			      ROCE_AETH_SYN_RNR(attr->min_rnr_timer));
	soft_roce_drop(rp, SOFT_ROCE_DROP_NO_RECV);
}

/* Completes roce.cur_recv (resp_lock held); an error moves to ERR. */
static void soft_roce_recv_done(struct soft_qp *sqp,
				const struct ib_uverbs_qp_attr *attr,
				const struct roce_pkt *pkt, int status,
				u32 opcode, u32 byte_len, u32 src_qp)
{
	struct ib_uverbs_wc wc = {};

	wc.wr_id = sqp->roce.cur_recv->wr_id;
	wc.status = status;
	wc.opcode = opcode;
	wc.byte_len = status ? 0 : byte_len;
	if (pkt->hdrs & ROCE_HDR_IMMDT) {
		wc.imm_data = soft_imm_put(pkt->imm);
		wc.wc_flags |= IB_UVERBS_WC_WITH_IMM;
	}
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UD)
		wc.wc_flags |= IB_UVERBS_WC_GRH;
	wc.qp_num = sqp->ibqp.qp_num;
	wc.src_qp = src_qp;
	wc.pkey_index = attr->pkey_index;
	wc.port_num = attr->port_num;
	soft_count_wc(sqp, false, status, wc.opcode, wc.byte_len);
	soft_cq_add(sqp->ibqp.recv_cq, &wc,
		    !!(pkt->bth_flags & ROCE_BTH_SE));
	if (status && sqp->ibqp.qp_type != IB_UVERBS_QPT_UD) {
		if (soft_qp_set_err(sqp) && sqp->ibqp.srq)
			soft_qp_event(sqp,
				      IB_UVERBS_EVENT_QP_LAST_WQE_REACHED);
		soft_rq_set_err_locked(sqp);
	}
}

/*
 * A SEND packet's payload at roce.cur_off of roce.cur_recv: a WC status
 * (LOC_LEN_ERR: it does not fit; LOC_PROT_ERR: not writable).
 */
static int soft_roce_recv_data(struct soft_qp *sqp, u64 off, const u8 *data,
			       u32 n)
{
	struct soft_recv_wqe *rw = sqp->roce.cur_recv;
	struct ib_pd *pd = sqp->ibqp.srq ? sqp->ibqp.srq->pd : sqp->ibqp.pd;
	struct soft_sgl dst, kbuf;
	int status;

	status = soft_sgl_get(&dst, sqp->sdev, pd, rw->sge, rw->num_sge,
			      IB_UVERBS_ACCESS_LOCAL_WRITE);
	if (status)
		return IB_UVERBS_WC_LOC_PROT_ERR;
	if (dst.len < off + n) {
		soft_sgl_put(&dst);
		return IB_UVERBS_WC_LOC_LEN_ERR;
	}
	soft_sgl_init(&kbuf);
	soft_sgl_add_kernel(&kbuf, (void *)data, n);
	if (n && soft_sgl_copy(&dst, off, &kbuf, 0, n))
		status = IB_UVERBS_WC_LOC_PROT_ERR;
	soft_sgl_put(&dst);
	return status;
}

/* A UD datagram for @sqp.  resp_lock held. */
static void soft_roce_ud_recv(struct soft_roce *rp, struct soft_qp *sqp,
			      const struct ib_uverbs_qp_attr *attr,
			      const struct roce_pkt *pkt,
			      const struct compat_udp_meta *m, u32 wire_len)
{
	u8 grh[SOFT_GRH_LEN];
	int status, ret;

	if (pkt->deth.qkey != attr->qkey) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_QKEY);
		return;
	}
	ret = soft_roce_take_recv(sqp);
	if (ret <= 0) {
		if (!ret && soft_ring_rq_pending(sqp))
			soft_ring_qp_kick_locked(sqp, false);
		soft_roce_drop(rp, SOFT_ROCE_DROP_NO_RECV);
		return;
	}
	soft_roce_ud_grh(grh, m, wire_len);
	status = soft_roce_recv_data(sqp, 0, grh, sizeof(grh));
	if (!status)
		status = soft_roce_recv_data(sqp, SOFT_GRH_LEN, pkt->payload,
					     pkt->payload_len);
	soft_roce_recv_done(sqp, attr, pkt, status, IB_UVERBS_WC_RECV,
			    SOFT_GRH_LEN + pkt->payload_len, pkt->deth.sqpn);
}

/*
 * Sends at most @budget responses of the READ in progress (roce.rd_*)
 * from @buf; true if some are left.  An MR gone in between NAKs the PSN
 * it stopped at and ends the READ.  resp_lock held.
 */
static bool soft_roce_read_pump(struct soft_roce *rp, struct soft_qp *sqp,
				const struct ib_uverbs_qp_attr *attr, u8 *buf,
				u32 budget)
{
	struct soft_roce_qp *rq = &sqp->roce;
	struct soft_sgl src, kbuf;
	struct roce_pkt pkt;
	u8 *data = buf + SOFT_ROCE_BUF;
	bool first, last;
	u32 n;

	if (!rq->rd_left)
		return false;
	if (soft_sgl_get_remote(&src, sqp, rq->rd_rkey, rq->rd_va, rq->rd_len,
				IB_UVERBS_ACCESS_REMOTE_READ))
		goto out_nak;
	while (rq->rd_left && budget--) {
		n = (u32)min_t(u64, rq->rd_len - rq->rd_off, rq->rd_mtu);
		first = !rq->rd_off;
		last = rq->rd_left == 1;
		soft_roce_bth(&pkt, sqp, attr,
			      first && last ? ROCE_RC_RDMA_READ_RESPONSE_ONLY :
			      first ? ROCE_RC_RDMA_READ_RESPONSE_FIRST :
			      last ? ROCE_RC_RDMA_READ_RESPONSE_LAST :
			      ROCE_RC_RDMA_READ_RESPONSE_MIDDLE, rq->rd_psn);
		pkt.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
		pkt.aeth.msn = rq->msn & 0xffffff;
		soft_sgl_init(&kbuf);
		soft_sgl_add_kernel(&kbuf, data, n);
		if (n && soft_sgl_copy(&kbuf, 0, &src, rq->rd_off, n)) {
			soft_sgl_put(&src);
			goto out_nak;
		}
		soft_roce_xmit(rp, buf, attr->ah_attr.dgid.raw, &pkt, data, n);
		rq->rd_off += n;
		rq->rd_psn = soft_psn_add(rq->rd_psn, 1);
		rq->rd_left--;
	}
	soft_sgl_put(&src);
	return rq->rd_left;

out_nak:
	rq->rd_left = 0;
	soft_roce_ack_in(rp, buf, sqp, attr, rq->rd_psn,
			 ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR));
	return false;
}

/*
 * READ responses for a request at @psn (new or duplicate: a duplicate
 * starts them again from the PSN it asks for).  The receive thread sends
 * SOFT_ROCE_READ_BURST of them; the QP's rd_work the rest, a burst a
 * turn, so one READ holds neither the port's thread nor its socket.
 */
static void soft_roce_read_resp(struct soft_roce *rp, struct soft_qp *sqp,
				const struct ib_uverbs_qp_attr *attr,
				const struct roce_pkt *req, u32 mtu)
{
	struct soft_roce_qp *rq = &sqp->roce;
	struct soft_sgl src;
	u32 len = req->reth.dma_len;

	rq->rd_left = 0;
	if (soft_sgl_get_remote(&src, sqp, req->reth.rkey, req->reth.va, len,
				IB_UVERBS_ACCESS_REMOTE_READ)) {
		soft_roce_ack(rp, sqp, attr, req->psn,
			      ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR));
		return;
	}
	soft_sgl_put(&src);
	rq->rd_rkey = req->reth.rkey;
	rq->rd_va = req->reth.va;
	rq->rd_len = len;
	rq->rd_off = 0;
	rq->rd_mtu = mtu;
	rq->rd_psn = req->psn;
	rq->rd_left = len ? (len + mtu - 1) / mtu : 1;
	if (soft_roce_read_pump(rp, sqp, attr, rp->rtx, SOFT_ROCE_READ_BURST))
		mod_delayed_work(sqp->sdev->wq, &rq->rd_work, 0);
}

/*
 * rd_work: the next burst of a READ's responses, in the device's
 * workqueue, in turn with everything else it runs.
 */
void soft_roce_rd_work(struct delayed_work *dw)
{
	struct soft_qp *sqp = container_of(dw, struct soft_qp, roce.rd_work);
	struct soft_roce_qp *rq = &sqp->roce;
	struct ib_uverbs_qp_attr attr;
	struct soft_roce *rp;

	mutex_lock(&sqp->resp_lock);
	if (READ_ONCE(sqp->dead) || !rq->rd_left)
		goto out_unlock;
	soft_qp_attr_read(sqp, &attr);
	rp = soft_qp_roce_port(sqp, attr.port_num);
	if (!rp || (attr.qp_state != IB_UVERBS_QPS_RTR &&
		    attr.qp_state != IB_UVERBS_QPS_RTS &&
		    attr.qp_state != IB_UVERBS_QPS_SQD)) {
		rq->rd_left = 0;
		goto out_unlock;
	}
	if (!rq->rd_buf) {
		rq->rd_buf = kmalloc(2 * SOFT_ROCE_BUF);
		if (!rq->rd_buf) {
			/* Lost responses: the requester's timer asks again. */
			rq->rd_left = 0;
			goto out_unlock;
		}
	}
	if (soft_roce_read_pump(rp, sqp, &attr, rq->rd_buf,
				SOFT_ROCE_READ_BURST))
		mod_delayed_work(sqp->sdev->wq, &rq->rd_work, 0);
out_unlock:
	mutex_unlock(&sqp->resp_lock);
}

/* An atomic: runs it once, keeps its answer, answers. */
static void soft_roce_atomic(struct soft_roce *rp, struct soft_qp *sqp,
			     const struct ib_uverbs_qp_attr *attr,
			     const struct roce_pkt *req)
{
	struct soft_roce_qp *rq = &sqp->roce;
	struct soft_sgl rem;
	struct roce_pkt pkt;
	u64 orig;
	u32 slot;

	/*
	 * Where its answer will be kept, before it runs: an atomic whose
	 * answer could not be given again must not run at all (the
	 * requester's timer asks again).
	 */
	if (!rq->atomics) {
		rq->atomics = kcalloc(SOFT_ROCE_ATOMIC_CACHE,
				      sizeof(*rq->atomics));
		if (!rq->atomics)
			return;
	}
	if (!(attr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_ATOMIC) ||
	    soft_sgl_get_remote(&rem, sqp, req->atmeth.rkey, req->atmeth.va,
				sizeof(u64), IB_UVERBS_ACCESS_REMOTE_ATOMIC)) {
		soft_roce_ack(rp, sqp, attr, req->psn,
			      ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR));
		return;
	}
	if (req->atmeth.va & 7) {
		soft_sgl_put(&rem);
		soft_roce_ack(rp, sqp, attr, req->psn,
			      ROCE_AETH_SYN_NAK(ROCE_NAK_INVALID_REQ));
		return;
	}
	if (soft_atomic_rmw(rem.seg[0].mr, rem.seg[0].uaddr,
			    req->opcode == ROCE_RC_COMPARE_SWAP,
			    req->opcode == ROCE_RC_COMPARE_SWAP ?
			    req->atmeth.compare : req->atmeth.swap_add,
			    req->atmeth.swap_add, &orig)) {
		soft_sgl_put(&rem);
		soft_roce_ack(rp, sqp, attr, req->psn,
			      ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR));
		return;
	}
	soft_sgl_put(&rem);
	/* The responder keeps max_dest_rd_atomic answers: the oldest goes. */
	slot = rq->atomic_next++ %
	       min_t(u32, attr->max_dest_rd_atomic, SOFT_ROCE_ATOMIC_CACHE);
	rq->atomics[slot].psn = req->psn;
	rq->atomics[slot].orig = orig;
	rq->atomics[slot].valid = true;
	spin_lock(&sqp->lock);
	sqp->resp_psn = soft_psn_add(req->psn, 1);
	spin_unlock(&sqp->lock);
	rq->msn++;
	soft_roce_bth(&pkt, sqp, attr, ROCE_RC_ATOMIC_ACKNOWLEDGE, req->psn);
	pkt.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
	pkt.aeth.msn = rq->msn & 0xffffff;
	pkt.atomic_orig = orig;
	soft_roce_xmit(rp, rp->rtx, attr->ah_attr.dgid.raw, &pkt, NULL, 0);
}

/* A duplicate RC request (its PSN is behind the expected one). */
static void soft_roce_duplicate(struct soft_roce *rp, struct soft_qp *sqp,
				const struct ib_uverbs_qp_attr *attr,
				const struct roce_pkt *pkt,
				const struct roce_opcode_info *info, u32 epsn,
				u32 mtu)
{
	struct roce_pkt ack;
	u32 i;

	soft_roce_drop(rp, SOFT_ROCE_DROP_DUPLICATE);
	switch (info->kind) {
	case ROCE_OP_READ:
		if (attr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_READ)
			soft_roce_read_resp(rp, sqp, attr, pkt, mtu);
		return;
	case ROCE_OP_ATOMIC:
		/* None ran yet: no answer to give again. */
		if (!sqp->roce.atomics)
			return;
		for (i = 0; i < SOFT_ROCE_ATOMIC_CACHE; i++) {
			if (!sqp->roce.atomics[i].valid ||
			    sqp->roce.atomics[i].psn != pkt->psn)
				continue;
			soft_roce_bth(&ack, sqp, attr,
				      ROCE_RC_ATOMIC_ACKNOWLEDGE, pkt->psn);
			ack.aeth.syndrome =
				ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
			ack.aeth.msn = sqp->roce.msn & 0xffffff;
			ack.atomic_orig = sqp->roce.atomics[i].orig;
			soft_roce_xmit(rp, rp->rtx, attr->ah_attr.dgid.raw, &ack, NULL,
				       0);
			return;
		}
		return;
	default:
		/* Done already: say so again (the last PSN it has). */
		if (pkt->bth_flags & ROCE_BTH_ACKREQ)
			soft_roce_ack(rp, sqp, attr,
				      soft_psn_add(epsn, SOFT_ROCE_PSN_MASK),
				      ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID));
	}
}

/* Writes a WRITE packet's payload at roce.cur_off: a NAK code or -1. */
static int soft_roce_write_data(struct soft_qp *sqp, const struct roce_pkt *pkt)
{
	struct soft_roce_qp *rq = &sqp->roce;
	struct soft_sgl dst, kbuf;
	int ret = -1;

	if (!pkt->payload_len)
		return -1;
	if (rq->cur_off + pkt->payload_len > rq->cur_len)
		return ROCE_NAK_INVALID_REQ;
	if (soft_sgl_get_remote(&dst, sqp, rq->cur_rkey, rq->cur_va,
				rq->cur_len, IB_UVERBS_ACCESS_REMOTE_WRITE))
		return ROCE_NAK_REM_ACCESS_ERR;
	soft_sgl_init(&kbuf);
	soft_sgl_add_kernel(&kbuf, (void *)pkt->payload, pkt->payload_len);
	if (soft_sgl_copy(&dst, rq->cur_off, &kbuf, 0, pkt->payload_len))
		ret = ROCE_NAK_REM_ACCESS_ERR;
	soft_sgl_put(&dst);
	return ret;
}

/*
 * A SEND or WRITE packet @pkt was executed: the responder expects the
 * next PSN, counts a message at its @last packet, and acknowledges if
 * asked.  Before a receive's completion: a reply to it, posted once the
 * completion is seen, must not overtake the ACK (the requester's send
 * would complete after the reply came: ib_send_lat -e then finds its
 * send queue full).  resp_lock held.
 */
static void soft_roce_executed(struct soft_roce *rp, struct soft_qp *sqp,
			       const struct ib_uverbs_qp_attr *attr,
			       const struct roce_pkt *pkt, bool last)
{
	spin_lock(&sqp->lock);
	sqp->resp_psn = soft_psn_add(pkt->psn, 1);
	spin_unlock(&sqp->lock);
	if (last)
		sqp->roce.msn++;
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_RC &&
	    (pkt->bth_flags & ROCE_BTH_ACKREQ))
		soft_roce_ack(rp, sqp, attr, pkt->psn,
			      ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID));
}

/*
 * A new request at the expected PSN (RC) or in sequence (UC) on @sqp:
 * executes it.  resp_lock held.
 */
static void soft_roce_request(struct soft_roce *rp, struct soft_qp *sqp,
			      const struct ib_uverbs_qp_attr *attr,
			      const struct roce_pkt *pkt,
			      const struct roce_opcode_info *info, u32 mtu)
{
	struct soft_roce_qp *rq = &sqp->roce;
	bool rc = sqp->ibqp.qp_type == IB_UVERBS_QPT_RC;
	bool first = info->seg == ROCE_SEG_FIRST || info->seg == ROCE_SEG_ONLY;
	bool last = info->seg == ROCE_SEG_LAST || info->seg == ROCE_SEG_ONLY;
	int status, ret, nak = -1;
	u32 npkts = 1;

	/* Each packet of a message follows the one before it. */
	if (info->kind == ROCE_OP_SEND || info->kind == ROCE_OP_WRITE) {
		if (first != !rq->cur || (!first && rq->cur != info->kind)) {
			nak = ROCE_NAK_INVALID_REQ;
			goto out_nak;
		}
		if (!last && pkt->payload_len != mtu) {
			nak = ROCE_NAK_INVALID_REQ;
			goto out_nak;
		}
	} else if (rq->cur) {
		nak = ROCE_NAK_INVALID_REQ;
		goto out_nak;
	}

	switch (info->kind) {
	case ROCE_OP_SEND:
		if (first) {
			ret = soft_roce_take_recv(sqp);
			if (ret <= 0) {
				soft_roce_no_recv(rp, sqp, attr, pkt, ret);
				return;
			}
			rq->cur = ROCE_OP_SEND;
			rq->cur_off = 0;
		}
		status = soft_roce_recv_data(sqp, rq->cur_off, pkt->payload,
					     pkt->payload_len);
		rq->cur_off += pkt->payload_len;
		if (status) {
			rq->cur = 0;
			soft_roce_recv_done(sqp, attr, pkt, status,
					    IB_UVERBS_WC_RECV, 0,
					    attr->dest_qp_num);
			nak = status == IB_UVERBS_WC_LOC_LEN_ERR ?
			      ROCE_NAK_INVALID_REQ : ROCE_NAK_REM_OP_ERR;
			goto out_nak;
		}
		if (last) {
			rq->cur = 0;
			/* Acknowledged before its completion: as a NIC does. */
			soft_roce_executed(rp, sqp, attr, pkt, last);
			soft_roce_recv_done(sqp, attr, pkt, IB_UVERBS_WC_SUCCESS,
					    IB_UVERBS_WC_RECV,
					    (u32)rq->cur_off,
					    attr->dest_qp_num);
			return;
		}
		break;
	case ROCE_OP_WRITE:
		if (first) {
			if (!(attr->qp_access_flags &
			      IB_UVERBS_ACCESS_REMOTE_WRITE)) {
				nak = ROCE_NAK_REM_ACCESS_ERR;
				goto out_nak;
			}
			rq->cur_va = pkt->reth.va;
			rq->cur_rkey = pkt->reth.rkey;
			rq->cur_len = pkt->reth.dma_len;
			rq->cur_off = 0;
			/* The whole range is checked before a byte lands. */
			if (rq->cur_len) {
				struct soft_sgl chk;

				if (soft_sgl_get_remote(&chk, sqp, rq->cur_rkey,
					rq->cur_va, rq->cur_len,
					IB_UVERBS_ACCESS_REMOTE_WRITE)) {
					nak = ROCE_NAK_REM_ACCESS_ERR;
					goto out_nak;
				}
				soft_sgl_put(&chk);
			}
			rq->cur = ROCE_OP_WRITE;
		}
		/* The immediate needs a receive, before the last bytes land. */
		if (last && (pkt->hdrs & ROCE_HDR_IMMDT)) {
			ret = soft_roce_take_recv(sqp);
			if (ret <= 0) {
				soft_roce_no_recv(rp, sqp, attr, pkt, ret);
				if (rc && first)
					rq->cur = 0;
				return;
			}
		}
		nak = soft_roce_write_data(sqp, pkt);
		if (nak >= 0) {
			rq->cur = 0;
			goto out_nak;
		}
		rq->cur_off += pkt->payload_len;
		if (last) {
			rq->cur = 0;
			if (rq->cur_off != rq->cur_len) {
				nak = ROCE_NAK_INVALID_REQ;
				goto out_nak;
			}
			if (pkt->hdrs & ROCE_HDR_IMMDT) {
				soft_roce_executed(rp, sqp, attr, pkt, last);
				soft_roce_recv_done(sqp, attr, pkt,
					IB_UVERBS_WC_SUCCESS,
					IB_UVERBS_WC_RECV_RDMA_WITH_IMM,
					rq->cur_len, attr->dest_qp_num);
				return;
			}
		}
		break;
	case ROCE_OP_READ:
		/* No responder resources: IB's too many READs/atomics. */
		if (!attr->max_dest_rd_atomic) {
			nak = ROCE_NAK_INVALID_REQ;
			goto out_nak;
		}
		if (!(attr->qp_access_flags & IB_UVERBS_ACCESS_REMOTE_READ)) {
			nak = ROCE_NAK_REM_ACCESS_ERR;
			goto out_nak;
		}
		npkts = pkt->reth.dma_len ?
			(pkt->reth.dma_len + mtu - 1) / mtu : 1;
		spin_lock(&sqp->lock);
		sqp->resp_psn = soft_psn_add(pkt->psn, npkts);
		spin_unlock(&sqp->lock);
		rq->msn++;
		soft_roce_read_resp(rp, sqp, attr, pkt, mtu);
		return;
	case ROCE_OP_ATOMIC:
		if (!attr->max_dest_rd_atomic) {
			nak = ROCE_NAK_INVALID_REQ;
			goto out_nak;
		}
		soft_roce_atomic(rp, sqp, attr, pkt);
		return;
	default:
		return;
	}
	soft_roce_executed(rp, sqp, attr, pkt, last);
	return;

out_nak:
	if (rc)
		soft_roce_ack(rp, sqp, attr, pkt->psn, ROCE_AETH_SYN_NAK(nak));
	else
		rq->uc_drop = true;
}

/* A request for the responder @sqp.  Takes its resp_lock. */
static void soft_roce_responder(struct soft_roce *rp, struct soft_qp *sqp,
				const struct roce_pkt *pkt,
				const struct roce_opcode_info *info,
				const struct compat_udp_meta *m, u32 wire_len)
{
	const u8 *src = m->src;
	struct ib_uverbs_qp_attr attr;
	u32 mtu, epsn;
	s32 diff;

	mutex_lock(&sqp->resp_lock);
	if (READ_ONCE(sqp->dead))
		goto drop_state;
	soft_qp_attr_read(sqp, &attr);
	if (attr.qp_state != IB_UVERBS_QPS_RTR &&
	    attr.qp_state != IB_UVERBS_QPS_RTS &&
	    attr.qp_state != IB_UVERBS_QPS_SQD)
		goto drop_state;
	if (!soft_pkey_match(pkt->pkey,
			     soft_pkey_at(sqp->sdev, attr.pkey_index))) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_PKEY);
		goto out_unlock;
	}
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UD) {
		soft_roce_ud_recv(rp, sqp, &attr, pkt, m, wire_len);
		goto out_unlock;
	}
	if (memcmp(attr.ah_attr.dgid.raw, src, 16)) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_ADDR);
		goto out_unlock;
	}
	mtu = soft_mtu_bytes(attr.path_mtu);
	spin_lock(&sqp->lock);
	epsn = sqp->resp_psn;
	spin_unlock(&sqp->lock);
	diff = soft_psn_diff(pkt->psn, epsn);
	if (sqp->ibqp.qp_type == IB_UVERBS_QPT_UC) {
		bool first = info->seg == ROCE_SEG_FIRST ||
			     info->seg == ROCE_SEG_ONLY;

		/* UC: a gap loses the message; a first packet resyncs. */
		if (diff || sqp->roce.uc_drop) {
			if (!first) {
				sqp->roce.uc_drop = true;
				soft_roce_drop(rp, SOFT_ROCE_DROP_PSN);
				spin_lock(&sqp->lock);
				sqp->resp_psn = soft_psn_add(pkt->psn, 1);
				spin_unlock(&sqp->lock);
				goto out_unlock;
			}
			sqp->roce.uc_drop = false;
			/* A receive a lost packet left unfinished serves again. */
			if (sqp->roce.cur == ROCE_OP_SEND)
				sqp->roce.recv_held = true;
			sqp->roce.cur = 0;
		}
		soft_roce_request(rp, sqp, &attr, pkt, info, mtu);
		if (sqp->roce.uc_drop) {
			sqp->roce.cur = 0;
			spin_lock(&sqp->lock);
			sqp->resp_psn = soft_psn_add(pkt->psn, 1);
			spin_unlock(&sqp->lock);
		}
		goto out_unlock;
	}
	if (diff > 0) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_PSN);
		if (!sqp->roce.nak_sent) {
			sqp->roce.nak_sent = true;
			soft_roce_ack(rp, sqp, &attr, epsn,
				ROCE_AETH_SYN_NAK(ROCE_NAK_PSN_SEQ_ERR));
		}
		goto out_unlock;
	}
	if (diff < 0) {
		soft_roce_duplicate(rp, sqp, &attr, pkt, info, epsn, mtu);
		goto out_unlock;
	}
	sqp->roce.nak_sent = false;
	/* IB orders a new request behind the READ's responses. */
	while (soft_roce_read_pump(rp, sqp, &attr, rp->rtx, UINT32_MAX))
		;
	soft_roce_request(rp, sqp, &attr, pkt, info, mtu);
	goto out_unlock;

drop_state:
	soft_roce_drop(rp, SOFT_ROCE_DROP_QP_STATE);
out_unlock:
	mutex_unlock(&sqp->resp_lock);
}

/*
 * A request for no QP: if it retries a SEND or WRITE that a destroyed RC
 * QP had executed (it lingers: same QPN, from its peer, a PSN before
 * the one it expected), acknowledge it again, as the QP would have.
 * Return: true if answered (counted as a duplicate).
 */
static bool soft_roce_linger_ack(struct soft_roce *rp,
				 const struct roce_pkt *pkt,
				 const struct roce_opcode_info *info,
				 const u8 src[16])
{
	struct soft_roce_linger l = { 0 };
	struct roce_pkt ack;
	u64 now = ktime_get_ns();
	u32 i;

	if (!(info->flags & ROCE_OPF_REQUEST) || info->qp_type != ROCE_QPT_RC ||
	    (info->kind != ROCE_OP_SEND && info->kind != ROCE_OP_WRITE) ||
	    !(pkt->bth_flags & ROCE_BTH_ACKREQ))
		return false;
	spin_lock(&rp->linger_lock);
	for (i = 0; i < SOFT_ROCE_LINGERS; i++) {
		if (rp->lingers[i].qpn == pkt->dqpn &&
		    rp->lingers[i].until > now &&
		    !memcmp(rp->lingers[i].dgid, src, 16)) {
			l = rp->lingers[i];
			break;
		}
	}
	spin_unlock(&rp->linger_lock);
	if (!l.qpn || !soft_pkey_match(pkt->pkey, l.pkey) ||
	    soft_psn_diff(pkt->psn, l.epsn) >= 0)
		return false;
	soft_roce_drop(rp, SOFT_ROCE_DROP_DUPLICATE);
	memset(&ack, 0, sizeof(ack));
	ack.opcode = ROCE_RC_ACKNOWLEDGE;
	ack.pkey = l.pkey;
	ack.dqpn = l.dqpn;
	ack.psn = soft_psn_add(l.epsn, SOFT_ROCE_PSN_MASK);
	ack.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
	ack.aeth.msn = l.msn & 0xffffff;
	soft_roce_xmit(rp, rp->rtx, l.dgid, &ack, NULL, 0);
	return true;
}

/**
 * soft_roce_linger_add() - @sqp, being destroyed, was a connected RC QP:
 *	if of a RoCEv2 port, the port remembers what soft_roce_linger_ack()
 *	needs, for SOFT_ROCE_LINGER_NS (the oldest memory gives way when
 *	all are taken)
 * @sqp: the QP, @dead already (its responder state moves no more)
 */
void soft_roce_linger_add(struct soft_qp *sqp)
{
	struct ib_uverbs_qp_attr attr;
	struct soft_roce_linger *l;
	struct soft_roce *rp;
	u32 epsn;

	if (sqp->ibqp.qp_type != IB_UVERBS_QPT_RC)
		return;
	soft_qp_attr_read(sqp, &attr);
	rp = soft_qp_roce_port(sqp, attr.port_num);
	if (!rp)
		return;
	spin_lock(&sqp->lock);
	epsn = sqp->resp_psn;
	spin_unlock(&sqp->lock);
	spin_lock(&rp->linger_lock);
	l = &rp->lingers[rp->linger_next++ % SOFT_ROCE_LINGERS];
	l->qpn = sqp->ibqp.qp_num;
	l->dqpn = attr.dest_qp_num;
	l->epsn = epsn;
	l->msn = sqp->roce.msn;
	l->pkey = soft_pkey_at(sqp->sdev, attr.pkey_index);
	memcpy(l->dgid, attr.ah_attr.dgid.raw, 16);
	l->until = ktime_get_ns() + SOFT_ROCE_LINGER_NS;
	spin_unlock(&rp->linger_lock);
}

/*
 * One datagram a RoCEv2 port received (@buf, @len: the UDP payload; @m:
 * where from, and its headers if the socket showed them): every check of
 * the header comment happens here.
 */
static void soft_roce_input(struct soft_roce *rp, const u8 *buf, u32 len,
			    const struct compat_udp_meta *m)
{
	const struct roce_opcode_info *info;
	u8 l3[ROCE_L3_IPV6_LEN];
	struct roce_pkt pkt;
	struct soft_qp *sqp;
	enum roce_drop why;
	u8 type, port, state;
	int l3len;

	soft_roce_inc(&rp->stats.rx_packets);
	why = roce_pkt_parse(&pkt, buf, len);
	if (why) {
		soft_roce_drop(rp, (enum soft_roce_drop)why);
		return;
	}
	/*
	 * The headers as they came where the socket shows them; else as
	 * the sender must have sent them (IP ID 0, DF: rdma_rxe and this
	 * port send so).
	 */
	if (m->has_l3) {
		memcpy(l3, m->l3, ROCE_L3_IPV4_LEN);
		l3len = ROCE_L3_IPV4_LEN;
	} else {
		l3len = soft_roce_l3(l3, m->src, m->dst, m->sport, len);
	}
	if (l3len < 0 || roce_icrc_check(l3, (size_t)l3len, buf, len)) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_ICRC);
		return;
	}
	info = roce_opcode_info(pkt.opcode);
	sqp = soft_fabric_qp_on(rp->sdev, pkt.dqpn);
	if (!sqp) {
		if (!soft_roce_linger_ack(rp, &pkt, info, m->src))
			soft_roce_drop(rp, SOFT_ROCE_DROP_NO_QP);
		return;
	}
	/*
	 * A QP is in the fabric before its CREATE has finished (the core
	 * fills ibqp after the driver): nothing of it is read before its
	 * lock says a MODIFY took it out of RESET.
	 */
	spin_lock(&sqp->lock);
	port = sqp->attr.port_num;
	state = sqp->attr.qp_state;
	spin_unlock(&sqp->lock);
	if (state == IB_UVERBS_QPS_RESET) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_QP_STATE);
		goto out_put;
	}
	type = sqp->ibqp.qp_type;
	if ((type == IB_UVERBS_QPT_RC && info->qp_type != ROCE_QPT_RC) ||
	    (type == IB_UVERBS_QPT_UC && info->qp_type != ROCE_QPT_UC) ||
	    (type == IB_UVERBS_QPT_UD && info->qp_type != ROCE_QPT_UD) ||
	    (type != IB_UVERBS_QPT_RC && type != IB_UVERBS_QPT_UC &&
	     type != IB_UVERBS_QPT_UD)) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_QP_TYPE);
		goto out_put;
	}
	if (soft_qp_roce_port(sqp, port) != rp) {
		soft_roce_drop(rp, SOFT_ROCE_DROP_NO_QP);
		goto out_put;
	}
	if (info->flags & ROCE_OPF_REQUEST) {
		soft_roce_responder(rp, sqp, &pkt, info, m, len);
	} else {
		struct ib_uverbs_qp_attr attr;

		soft_qp_attr_read(sqp, &attr);
		if (memcmp(attr.ah_attr.dgid.raw, m->src, 16))
			soft_roce_drop(rp, SOFT_ROCE_DROP_ADDR);
		else
			soft_roce_answer(rp, sqp, &pkt);
	}
out_put:
	soft_qp_put(sqp);
}

static int soft_roce_rx_thread(void *data)
{
	struct soft_roce *rp = data;
	struct compat_udp_meta m;
	int n;

	while (!smp_load_acquire(&rp->rx_stop)) {
		n = compat_udp_recv(rp->udp, rp->rxbuf, SOFT_ROCE_BUF, &m, -1);
		if (n == -EMSGSIZE || n == -EBADMSG) {
			soft_roce_inc(&rp->stats.rx_packets);
			soft_roce_drop(rp, SOFT_ROCE_DROP_LENGTH);
			continue;
		}
		if (n < 0)
			continue;
		/* Where the socket did not say, it is our own address. */
		if (!m.dst_known)
			memcpy(m.dst, rp->addr, 16);
		soft_roce_input(rp, rp->rxbuf, (u32)n, &m);
	}
	return 0;
}

/* ---- the port ---- */

/**
 * soft_roce_port_init() - make @port a RoCEv2 port on @cfg's address
 *
 * Opens its socket and starts its receive thread.
 * Return: 0, or a negative errno (the socket's: -EADDRINUSE,
 * -EADDRNOTAVAIL, -EAFNOSUPPORT; -EOPNOTSUPP in a kernel module).
 */
int soft_roce_port_init(struct soft_device *sdev, struct soft_port *port,
			const struct soft_roce_config *cfg)
{
	struct soft_roce *rp;
	int ret;

	rp = kzalloc(sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->sdev = sdev;
	rp->port_num = port->port_num;
	memcpy(rp->addr, cfg->addr, 16);
	memcpy(rp->netdev, cfg->netdev, sizeof(rp->netdev));
	rp->netdev[sizeof(rp->netdev) - 1] = 0;
	rp->mtu = cfg->mtu ? cfg->mtu : IB_UVERBS_MTU_1024;
	rp->loss_ppm = min_t(u32, cfg->test_loss_ppm, 1000000);
	rp->reorder_ppm = min_t(u32, cfg->test_reorder_ppm,
				1000000 - rp->loss_ppm);
	spin_lock_init(&rp->held_lock);
	spin_lock_init(&rp->linger_lock);
	INIT_DELAYED_WORK(&rp->held_work, soft_roce_held_work);
	rp->rxbuf = kmalloc(SOFT_ROCE_BUF);
	rp->rtx = kmalloc(2 * SOFT_ROCE_BUF);
	rp->held = kmalloc(SOFT_ROCE_BUF);
	if (!rp->rxbuf || !rp->rtx || !rp->held) {
		ret = -ENOMEM;
		goto err_free;
	}
	rp->udp = compat_udp_open(rp->addr, ROCE_UDP_PORT);
	if (IS_ERR(rp->udp)) {
		ret = (int)PTR_ERR(rp->udp);
		goto err_free;
	}
	rp->rx = kthread_run(soft_roce_rx_thread, rp, "soft-roce");
	if (IS_ERR(rp->rx)) {
		ret = (int)PTR_ERR(rp->rx);
		goto err_close;
	}
	port->roce = rp;
	/* The GID is the address; a RoCE port has no LID. */
	memcpy(port->gid.raw, rp->addr, 16);
	port->lid = 0;
	return 0;

err_close:
	compat_udp_close(rp->udp);
err_free:
	spin_lock_destroy(&rp->linger_lock);
	spin_lock_destroy(&rp->held_lock);
	kfree(rp->held);
	kfree(rp->rtx);
	kfree(rp->rxbuf);
	kfree(rp);
	return ret;
}

/**
 * soft_roce_port_input() - hand @port a datagram as if its socket had
 *	received it (the receive-path fuzzer, fuzz/fuzz_roce_rx.c)
 * @port: a RoCEv2 port
 * @buf: the UDP payload
 * @len: its length
 * @m: its source, destination and headers
 */
void soft_roce_port_input(struct soft_port *port, const u8 *buf, u32 len,
			  const struct compat_udp_meta *m)
{
	if (port->roce)
		soft_roce_input(port->roce, buf, len, m);
}

/* Stops the receive thread (before the device's QPs go). */
void soft_roce_port_stop(struct soft_port *port)
{
	struct soft_roce *rp = port->roce;

	if (!rp || !rp->rx)
		return;
	/* Set before the wake-up: the thread cannot sleep past both. */
	smp_store_release(&rp->rx_stop, true);
	compat_udp_wake(rp->udp);
	kthread_stop(rp->rx);
	rp->rx = NULL;
}

void soft_roce_port_free(struct soft_port *port)
{
	struct soft_roce *rp = port->roce;

	if (!rp)
		return;
	soft_roce_port_stop(port);
	cancel_delayed_work_sync(&rp->held_work);
	compat_udp_close(rp->udp);
	spin_lock_destroy(&rp->linger_lock);
	spin_lock_destroy(&rp->held_lock);
	kfree(rp->held);
	kfree(rp->rtx);
	kfree(rp->rxbuf);
	kfree(rp);
	port->roce = NULL;
}

u8 soft_roce_port_mtu(struct soft_port *port)
{
	return port->roce->mtu;
}

void soft_roce_counters(struct soft_port *port, struct soft_roce_counters *out)
{
	struct soft_roce *rp = port->roce;
	u32 i;

	memset(out, 0, sizeof(*out));
	if (!rp)
		return;
	out->roce = 1;
	memcpy(out->addr, rp->addr, 16);
	memcpy(out->netdev, rp->netdev, sizeof(out->netdev));
	out->rx_packets = atomic_long_read(&rp->stats.rx_packets);
	out->tx_packets = atomic_long_read(&rp->stats.tx_packets);
	out->retransmits = atomic_long_read(&rp->stats.retransmits);
	out->timeouts = atomic_long_read(&rp->stats.timeouts);
	out->naks_sent = atomic_long_read(&rp->stats.naks_sent);
	out->naks_rcvd = atomic_long_read(&rp->stats.naks_rcvd);
	out->rnr_naks_sent = atomic_long_read(&rp->stats.rnr_naks_sent);
	out->rnr_naks_rcvd = atomic_long_read(&rp->stats.rnr_naks_rcvd);
	for (i = 0; i < SOFT_ROCE_DROP_NR; i++)
		out->drops[i] = atomic_long_read(&rp->stats.drops[i]);
	out->test_lost = atomic_long_read(&rp->stats.test_lost);
	out->test_reordered = atomic_long_read(&rp->stats.test_reordered);
}

/* MODIFY moved @sqp to @state. */
void soft_roce_qp_modify(struct soft_qp *sqp, u8 state)
{
	struct soft_roce_qp *rq = &sqp->roce;

	if (state == IB_UVERBS_QPS_RESET || state == IB_UVERBS_QPS_INIT) {
		mutex_lock(&sqp->resp_lock);
		rq->msn = 0;
		rq->nak_sent = false;
		rq->cur = 0;
		rq->uc_drop = false;
		rq->recv_held = false;
		rq->rd_left = 0;
		if (rq->atomics)
			memset(rq->atomics, 0, SOFT_ROCE_ATOMIC_CACHE *
						       sizeof(*rq->atomics));
		rq->atomic_next = 0;
		mutex_unlock(&sqp->resp_lock);
		spin_lock(&sqp->sq.lock);
		rq->sent = sqp->sq.head;
		rq->tx_pkt = 0;
		rq->head_acked = 0;
		rq->rd_out = 0;
		rq->deadline = 0;
		rq->rnr_until = 0;
		rq->retries = 0;
		rq->rnr_retries = 0;
		rq->noack = 0;
		rq->implied = false;
		spin_unlock(&sqp->sq.lock);
	}
}

void soft_roce_qp_free(struct soft_qp *sqp)
{
	kfree(sqp->roce.cur_recv);
	sqp->roce.cur_recv = NULL;
	kfree(sqp->roce.txbuf);
	sqp->roce.txbuf = NULL;
	kfree(sqp->roce.rd_buf);
	sqp->roce.rd_buf = NULL;
	kfree(sqp->roce.atomics);
	sqp->roce.atomics = NULL;
}
