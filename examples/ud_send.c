// SPDX-License-Identifier: MIT
/*
 * UD: datagrams addressed per work request.  Two soft devices, A and B,
 * each with a UD QP brought to RTS with a Q_Key set at INIT (no peer is
 * named in QP_MODIFY).  A creates an address handle (AH_CREATE) for B's
 * LID and sends one message naming that AH, B's QPN and B's Q_Key.  B's
 * receive buffer starts with the 40-byte GRH area every UD receive has;
 * the message follows it.  Prints the message and the completion's
 * src_qp and slid, which say who sent it.
 */
#include "common.h"

#define GRH_LEN 40
#define QKEY 0x11111111u
#define GRH_FILL 0xee

static const char message[] = "hello over UD, from A to B";

/* B's receive buffer: the GRH area, then room for the message. */
static u8 b_buf[GRH_LEN + 256];
static char a_buf[sizeof(message)];

static void ah_create(struct ex_node *n, u32 *ah, u16 dlid)
{
	struct ib_uverbs_ah_attr attr = { .dlid = dlid, .port_num = 1 };

	ex_check(n, ioverbs_ah_create(&n->v, n->pd, &attr, ah), "AH_CREATE");
}

static void ah_destroy(struct ex_node *n, u32 ah)
{
	ex_check(n, ioverbs_ah_destroy(&n->v, ah), "AH_DESTROY");
}

static void fail(const char *what)
{
	fprintf(stderr, "ud_send: %s\n", what);
	exit(1);
}

int main(void)
{
	struct ex_node a, b;
	struct ex_qp qa, qb;
	struct ex_mr a_mr, b_mr;
	struct ib_uverbs_send_wr wr;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	size_t i;
	u32 ah;

	ex_init();
	ex_node_open(&a, "A", 16);
	ex_node_open(&b, "B", 16);
	memcpy(a_buf, message, sizeof(message));
	ex_mr_reg(&a, &a_mr, a_buf, sizeof(a_buf), 0);
	ex_mr_reg(&b, &b_mr, b_buf, sizeof(b_buf),
		  IB_UVERBS_ACCESS_LOCAL_WRITE);

	ex_qp_create(&a, &qa, IB_UVERBS_QPT_UD);
	ex_qp_create(&b, &qb, IB_UVERBS_QPT_UD);
	ex_qp_ready_ud(&a, &qa, QKEY);
	ex_qp_ready_ud(&b, &qb, QKEY);
	printf("A: LID %u, UD QPN %u; B: LID %u, UD QPN %u; Q_Key 0x%x set at INIT\n",
	       a.lid, qa.qpn, b.lid, qb.qpn, QKEY);

	ah_create(&a, &ah, b.lid);
	printf("AH_CREATE on A for B's LID %u: AH handle %u\n", b.lid, ah);

	/* The GRH area is marked so the receive shows what it did to it. */
	memset(b_buf, 0, sizeof(b_buf));
	memset(b_buf, GRH_FILL, GRH_LEN);
	sge = ex_sge(&b_mr, 0, sizeof(b_buf));
	ex_post_recv(&b, &qb, 7, &sge);

	wr = (struct ib_uverbs_send_wr){
		.wr_id = 1,
		.opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
		.wr.ud = { .ah = ah, .remote_qpn = qb.qpn, .remote_qkey = QKEY },
	};
	sge = ex_sge(&a_mr, 0, sizeof(a_buf));
	ex_post_send(&a, &qa, &wr, &sge);
	ex_poll_ok(&a, &wc, IB_UVERBS_WC_SEND, "UD SEND");

	ex_poll_ok(&b, &wc, IB_UVERBS_WC_RECV, "UD RECV");
	if (wc.byte_len != GRH_LEN + sizeof(message))
		fail("UD RECV: byte_len is not the GRH area plus the message");
	if (memcmp(b_buf + GRH_LEN, message, sizeof(message)))
		fail("UD RECV: the message after the GRH area differs");
	if (wc.src_qp != qa.qpn || wc.slid != a.lid)
		fail("UD RECV: src_qp or slid does not name A's QP");
	for (i = 0; i < GRH_LEN; i++)
		if (b_buf[i] != GRH_FILL)
			break;
	printf("B received %u bytes: the %d-byte GRH area, then \"%s\"\n",
	       wc.byte_len, GRH_LEN, (const char *)b_buf + GRH_LEN);
	printf("GRH area %s (wc_flags GRH %s: the AH routes by LID, not by GID)\n",
	       i == GRH_LEN ? "left as posted" : "written",
	       wc.wc_flags & IB_UVERBS_WC_GRH ? "set" : "clear");
	printf("completion on B: src_qp %u, slid %u (A's QPN and LID)\n",
	       wc.src_qp, wc.slid);

	ah_destroy(&a, ah);
	ex_qp_destroy(&a, &qa);
	ex_qp_destroy(&b, &qb);
	ex_mr_dereg(&a, &a_mr);
	ex_mr_dereg(&b, &b_mr);
	ex_node_close(&a);
	ex_node_close(&b);
	return ex_check_leaks();
}
