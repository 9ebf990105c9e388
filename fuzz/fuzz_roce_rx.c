// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the RoCEv2 port's receive path (drivers/soft/roce.c),
 * what a remote host's packets can reach.
 *
 * Once (LLVMFuzzerInitialize): a soft device whose port 1 is RoCEv2 on
 * 127.A.B.1 (A.B from the pid: parallel jobs never share it).  Per input:
 * a context, a 64 KiB buffer registered with every access, and an RC, a
 * UC and a UD QP connected to a made-up peer 127.A.B.3 (QPN 0x4242; no
 * transport timer, so nothing is retried behind the input's back), with
 * receives posted and, on the RC QP, a SEND, an RDMA READ and a
 * FETCH_ADD outstanding, so that answers find requests to answer.  Then
 * the input's packets go to soft_roce_port_input() as if from the peer;
 * at the end every object is destroyed, and the counts of live objects
 * must be back where they were.
 *
 * Input: records of u8 ctl, u8 len_hi, u8 len_lo, then len bytes (the
 * UDP payload; read as zeros past the input's end).  ctl bits 0-1: the
 * destination QP written into the BTH (0 RC, 1 UC, 2 UD, 3 as given);
 * bit 2: the RETH or AtomicETH's va and rkey point into the MR (va at a
 * fuzzed offset); bit 3: the PSN is the QP's expected one plus the
 * packet's low PSN bits modulo 4; bit 4: the ICRC is left as given
 * (else it is made right); bit 5: the source is a stranger (127.A.B.4);
 * bit 6: the headers are the ones an IP ID of 0x1234 gives (a real one,
 * as a raw socket would see); bit 7: a DETH's Q_Key is the UD QP's.
 *
 * Aborts on a sanitizer report, a WARN_ON, a leak, or a completion with
 * a status out of range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>

#include "../drivers/soft/roce_wire.h"
#include "../drivers/soft/soft.h"
#include "../tests/roce_addr.h"

#define FR_BUF (64 * 1024)
#define FR_MAX_PKTS 64
#define FR_PEER_QPN 0x4242

static struct ib_device *fr_dev;
static u8 fr_addr[16], fr_peer[16], fr_stranger[16];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct soft_device_config cfg = {};

	compat_warn_abort = true;
	roce_loopback_gid(fr_addr, 1);
	roce_loopback_gid(fr_peer, 3);
	roce_loopback_gid(fr_stranger, 4);
	memcpy(cfg.roce[0].addr, fr_addr, 16);
	cfg.roce[0].mtu = IB_UVERBS_MTU_1024;
	fr_dev = soft_device_create(&cfg);
	if (IS_ERR(fr_dev)) {
		fprintf(stderr, "fuzz_roce_rx: soft_device_create: %ld\n",
			PTR_ERR(fr_dev));
		abort();
	}
	/* Its own thread receives nothing: the address is ours alone. */
	return 0;
}

struct fr {
	const struct ib_device_ops *ops;
	struct ib_uverbs_file *f;
	struct ib_ucontext *uctx;
	struct ib_uobject uobj;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_mr *mr;
	struct ib_qp *qp[3];
	u8 *buf;
};

static void fr_must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_roce_rx: setup: %s\n", what);
		abort();
	}
}

static struct ib_qp *fr_qp(struct fr *r, u8 type)
{
	struct ib_uverbs_qp_create_cmd qcmd = {
		.qp_type = type,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};
	struct ib_uverbs_qp_attr a = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_ACCESS_FLAGS |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_QKEY |
			     IB_UVERBS_QP_MIN_RNR_TIMER | IB_UVERBS_QP_RQ_PSN |
			     IB_UVERBS_QP_SQ_PSN | IB_UVERBS_QP_PATH_MTU |
			     IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
		.qp_state = IB_UVERBS_QPS_RTS,
		.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_WRITE |
				   IB_UVERBS_ACCESS_REMOTE_READ |
				   IB_UVERBS_ACCESS_REMOTE_ATOMIC,
		.port_num = 1, .qkey = 0x11111111, .min_rnr_timer = 1,
		.rq_psn = 100, .sq_psn = 500, .path_mtu = IB_UVERBS_MTU_1024,
		.retry_cnt = 7, .rnr_retry = 7, .max_rd_atomic = 4,
	};
	struct ib_qp *qp = r->ops->create_qp(r->pd, &qcmd, NULL);

	fr_must(!IS_ERR(qp), "create_qp");
	qp->device = fr_dev;
	qp->uobject = &r->uobj;
	qp->pd = r->pd;
	qp->send_cq = r->cq;
	qp->recv_cq = r->cq;
	if (type != IB_UVERBS_QPT_UD) {
		a.attr_mask |= IB_UVERBS_QP_AV | IB_UVERBS_QP_DEST_QPN;
		a.dest_qp_num = FR_PEER_QPN;
		a.ah_attr.is_global = 1;
		a.ah_attr.port_num = 1;
		memcpy(a.ah_attr.dgid.raw, fr_peer, 16);
	}
	fr_must(!r->ops->modify_qp(qp, &a), "modify_qp");
	return qp;
}

static void fr_open(struct fr *r)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .cqe = 64 };
	struct ib_uverbs_mr_reg_cmd mcmd = {
		.length = FR_BUF,
		.access_flags = IB_UVERBS_ACCESS_LOCAL_WRITE |
				IB_UVERBS_ACCESS_REMOTE_WRITE |
				IB_UVERBS_ACCESS_REMOTE_READ |
				IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	};
	struct ib_uverbs_recv_wr rwr = { .num_sge = 1 };
	struct ib_uverbs_send_wr swr = {
		.num_sge = 1, .send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	u32 bad, i, j;

	memset(r, 0, sizeof(*r));
	r->ops = to_verbs_dev(fr_dev)->ops;
	r->f = ib_uverbs_open(fr_dev, NULL, NULL);
	fr_must(!IS_ERR(r->f), "open");
	r->uctx = uverbs_ucontext_alloc(fr_dev, r->f);
	fr_must(!IS_ERR(r->uctx), "ucontext");
	fr_must(!r->ops->alloc_ucontext(r->uctx, NULL), "alloc_ucontext");
	r->uobj.context = r->uctx;
	r->pd = r->ops->alloc_pd(r->uctx, NULL);
	fr_must(!IS_ERR(r->pd), "alloc_pd");
	r->pd->device = fr_dev;
	r->pd->uobject = &r->uobj;
	r->cq = r->ops->create_cq(r->uctx, &ccmd, NULL);
	fr_must(!IS_ERR(r->cq), "create_cq");
	r->cq->device = fr_dev;
	r->cq->uobject = &r->uobj;
	r->buf = calloc(1, FR_BUF);
	fr_must(r->buf != NULL, "buffer");
	mcmd.start = mcmd.hca_va = (u64)(uintptr_t)r->buf;
	r->mr = r->ops->reg_mr(r->pd, &mcmd, NULL);
	fr_must(!IS_ERR(r->mr), "reg_mr");
	r->mr->device = fr_dev;
	r->mr->uobject = &r->uobj;
	r->mr->pd = r->pd;
	r->qp[0] = fr_qp(r, IB_UVERBS_QPT_RC);
	r->qp[1] = fr_qp(r, IB_UVERBS_QPT_UC);
	r->qp[2] = fr_qp(r, IB_UVERBS_QPT_UD);
	/* Receives of 3000 bytes each, some split in two. */
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 4; j++) {
			sge = (struct ib_uverbs_sge){
				.addr = (u64)(uintptr_t)r->buf +
					(i * 4 + j) * 3000,
				.length = 3000, .lkey = r->mr->lkey,
			};
			rwr.wr_id = i * 4 + j;
			r->ops->post_recv(r->qp[i], &rwr, 1, &sge, 1, &bad);
		}
	}
	/* The RC requester waits for answers to these. */
	sge = (struct ib_uverbs_sge){
		.addr = (u64)(uintptr_t)r->buf + 40000, .length = 2500,
		.lkey = r->mr->lkey,
	};
	swr.opcode = IB_UVERBS_WR_SEND;
	r->ops->post_send(r->qp[0], &swr, 1, &sge, 1, &bad);
	swr.opcode = IB_UVERBS_WR_RDMA_READ;
	swr.wr.rdma.remote_addr = 0x10000;
	swr.wr.rdma.rkey = 0x55;
	r->ops->post_send(r->qp[0], &swr, 1, &sge, 1, &bad);
	swr.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
	swr.wr.atomic.remote_addr = 0x20000;
	swr.wr.atomic.rkey = 0x55;
	swr.wr.atomic.compare_add = 1;
	sge.length = 8;
	r->ops->post_send(r->qp[0], &swr, 1, &sge, 1, &bad);
}

static void fr_close(struct fr *r)
{
	struct ib_uverbs_wc wc[16];
	int i, n;

	do {
		n = r->ops->poll_cq(r->cq, 16, wc);
		for (i = 0; i < n; i++)
			if (wc[i].status > IB_UVERBS_WC_GENERAL_ERR)
				abort();
	} while (n > 0);
	for (i = 0; i < 3; i++)
		fr_must(!r->ops->destroy_qp(r->qp[i]), "destroy_qp");
	fr_must(!r->ops->dereg_mr(r->mr), "dereg_mr");
	fr_must(!r->ops->destroy_cq(r->cq), "destroy_cq");
	fr_must(!r->ops->dealloc_pd(r->pd), "dealloc_pd");
	fr_dev->dealloc_ucontext(r->uctx);
	uverbs_ucontext_abort(r->uctx);
	ib_uverbs_release(r->f);
	free(r->buf);
}

/* The QP's next expected PSN. */
static u32 fr_epsn(struct ib_qp *qp)
{
	struct soft_qp *sqp = to_soft_qp(qp);
	u32 psn;

	spin_lock(&sqp->lock);
	psn = sqp->resp_psn;
	spin_unlock(&sqp->lock);
	return psn;
}

static void fr_packet(struct fr *r, u8 ctl, const u8 *in, u32 len)
{
	u8 buf[2048], l3[ROCE_L3_IPV4_LEN];
	struct compat_udp_meta m = {};
	const struct roce_opcode_info *info;
	u8 qi = ctl & 3;

	if (len > sizeof(buf))
		len = sizeof(buf);
	memcpy(buf, in, len);
	if (len >= ROCE_BTH_LEN && qi != 3) {
		u32 qpn = r->qp[qi]->qp_num;

		buf[5] = (u8)(qpn >> 16);
		buf[6] = (u8)(qpn >> 8);
		buf[7] = (u8)qpn;
	}
	info = len ? roce_opcode_info(buf[0]) : NULL;
	if (info && (ctl & 8) && len >= ROCE_BTH_LEN && qi != 3) {
		u32 psn = (fr_epsn(r->qp[qi]) + (buf[11] & 3)) & 0xffffff;

		buf[9] = (u8)(psn >> 16);
		buf[10] = (u8)(psn >> 8);
		buf[11] = (u8)psn;
	}
	if (info && (ctl & 4) && len >= info->hdr_len &&
	    (info->hdrs & (ROCE_HDR_RETH | ROCE_HDR_ATMETH))) {
		/* RETH / AtomicETH right after the BTH (RC and UC). */
		u8 *h = buf + ROCE_BTH_LEN;
		u64 va = (u64)(uintptr_t)r->mr->iova +
			 ((u64)h[6] << 8 | h[7]) % FR_BUF;
		u32 rkey = r->mr->rkey;
		int i;

		for (i = 0; i < 8; i++)
			h[i] = (u8)(va >> (56 - 8 * i));
		for (i = 0; i < 4; i++)
			h[8 + i] = (u8)(rkey >> (24 - 8 * i));
	}
	if (info && (ctl & 128) && len >= ROCE_BTH_LEN + ROCE_DETH_LEN &&
	    (info->hdrs & ROCE_HDR_DETH)) {
		buf[12] = 0x11;
		buf[13] = 0x11;
		buf[14] = 0x11;
		buf[15] = 0x11;
	}
	memcpy(m.src, (ctl & 32) ? fr_stranger : fr_peer, 16);
	memcpy(m.dst, fr_addr, 16);
	m.dst_known = true;
	m.sport = 4791;
	if (roce_l3_hdr_ipv4(l3, m.src + 12, m.dst + 12, m.sport,
			     (ctl & 64) ? 0x1234 : 0, len))
		return;
	if (ctl & 64) {
		m.has_l3 = true;
		memcpy(m.l3, l3, sizeof(l3));
	}
	if (!(ctl & 16) && len >= ROCE_MIN_PKT_LEN)
		roce_icrc_set(l3, sizeof(l3), buf, len);
	soft_roce_port_input(&to_soft_dev(fr_dev)->ports[0], buf, len, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long live = compat_live_objects();
	struct fr r;
	size_t off = 0;
	int n = 0;

	if (!fr_dev)
		LLVMFuzzerInitialize(NULL, NULL);
	fr_open(&r);
	while (off + 3 <= size && n++ < FR_MAX_PKTS) {
		u8 ctl = data[off];
		u32 len = (u32)data[off + 1] << 8 | data[off + 2];
		u8 pkt[2048] = { 0 };
		size_t have;

		off += 3;
		if (len > sizeof(pkt))
			len = sizeof(pkt);
		have = size - off < len ? size - off : len;
		memcpy(pkt, data + off, have);
		off += have;
		fr_packet(&r, ctl, pkt, len);
	}
	fr_close(&r);
	rcu_barrier();
	if (compat_live_objects() != live) {
		fprintf(stderr, "fuzz_roce_rx: %ld objects leaked\n",
			compat_live_objects() - live);
		abort();
	}
	return 0;
}
