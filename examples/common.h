/* SPDX-License-Identifier: MIT */
/*
 * What rc_pingpong, rdma_rw and ud_send share: a "node" (a soft device, a
 * file on it, a context, the port's LID, a PD and one CQ), and one
 * function per verbs command they send.  Every command is a real
 * RDMA_VERBS_IOCTL buffer built with the command builder (ioverbs_cmd_*),
 * checked against the device's own spec tables before it is sent, and run
 * by the embedded core through ib_uverbs_ioctl().
 *
 * Errors: a step that fails prints one line (the program, the step, the
 * errno name and why: the builder's or the core's message) and exits 1.
 * The examples are short programs; there is nothing to unwind for.
 */
#ifndef _EXAMPLES_COMMON_H
#define _EXAMPLES_COMMON_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioverbs/cmd.h>
#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/soft_device.h>

/* How long a completion may take before the example gives up. */
#define EX_POLL_TIMEOUT_NS 1000000000ll

/* One device, one file, one context: what one RDMA "host" has. */
struct ex_node {
	const char *name; /* "A", "B": for messages */
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	u16 lid;    /* port 1's, from QUERY_PORT */
	u32 pd, cq; /* handles */
};

struct ex_mr {
	void *addr;
	u64 len;
	u32 handle, lkey, rkey;
};

struct ex_qp {
	u32 handle, qpn;
	u8 type;
};

/* The completion status names, indexed by enum ib_uverbs_wc_status. */
static const char *const ex_wc_status_names[] = {
	[IB_UVERBS_WC_SUCCESS] = "SUCCESS",
	[IB_UVERBS_WC_LOC_LEN_ERR] = "LOC_LEN_ERR",
	[IB_UVERBS_WC_LOC_QP_OP_ERR] = "LOC_QP_OP_ERR",
	[IB_UVERBS_WC_LOC_EEC_OP_ERR] = "LOC_EEC_OP_ERR",
	[IB_UVERBS_WC_LOC_PROT_ERR] = "LOC_PROT_ERR",
	[IB_UVERBS_WC_WR_FLUSH_ERR] = "WR_FLUSH_ERR",
	[IB_UVERBS_WC_MW_BIND_ERR] = "MW_BIND_ERR",
	[IB_UVERBS_WC_BAD_RESP_ERR] = "BAD_RESP_ERR",
	[IB_UVERBS_WC_LOC_ACCESS_ERR] = "LOC_ACCESS_ERR",
	[IB_UVERBS_WC_REM_INV_REQ_ERR] = "REM_INV_REQ_ERR",
	[IB_UVERBS_WC_REM_ACCESS_ERR] = "REM_ACCESS_ERR",
	[IB_UVERBS_WC_REM_OP_ERR] = "REM_OP_ERR",
	[IB_UVERBS_WC_RETRY_EXC_ERR] = "RETRY_EXC_ERR",
	[IB_UVERBS_WC_RNR_RETRY_EXC_ERR] = "RNR_RETRY_EXC_ERR",
	[IB_UVERBS_WC_LOC_RDD_VIOL_ERR] = "LOC_RDD_VIOL_ERR",
	[IB_UVERBS_WC_REM_INV_RD_REQ_ERR] = "REM_INV_RD_REQ_ERR",
	[IB_UVERBS_WC_REM_ABORT_ERR] = "REM_ABORT_ERR",
	[IB_UVERBS_WC_INV_EECN_ERR] = "INV_EECN_ERR",
	[IB_UVERBS_WC_INV_EEC_STATE_ERR] = "INV_EEC_STATE_ERR",
	[IB_UVERBS_WC_FATAL_ERR] = "FATAL_ERR",
	[IB_UVERBS_WC_RESP_TIMEOUT_ERR] = "RESP_TIMEOUT_ERR",
	[IB_UVERBS_WC_GENERAL_ERR] = "GENERAL_ERR",
};

static inline const char *ex_wc_status_name(u32 status)
{
	if (status < ARRAY_SIZE(ex_wc_status_names) &&
	    ex_wc_status_names[status])
		return ex_wc_status_names[status];
	return "?";
}

static inline const char *ex_errno_name(long ret)
{
	const char *n = ret < 0 ? strerrorname_np((int)-ret) : NULL;

	return ret == 0 ? "success" : n ? n : "?";
}

/*
 * The one error line: "prog: WHAT on NODE: ENAME (why)", then exit 1.
 * @why is the builder's message when it refused the command, else the
 * device's reason for this thread's last failed command on the node's
 * file (Rule 23; "" if neither said anything).
 */
static inline void __attribute__((noreturn))
ex_die(const struct ex_node *n, const char *what, long ret, const char *why)
{
	char reason[IOVERBS_REASON_MAX] = "";
	struct ioverbs_client v;

	if ((!why || !*why) && n && n->f && !IS_ERR(n->f)) {
		ioverbs_client_embedded(&v, n->f);
		ioverbs_reason_get(&v, reason, sizeof(reason));
		why = reason;
	}
	if (!why)
		why = "";
	fprintf(stderr, "%s: %s%s%s: %s (%s)\n", program_invocation_short_name,
		what, n ? " on " : "", n ? n->name : "", ex_errno_name(ret),
		*why ? why : "no message");
	exit(1);
}

static inline long ex_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	return ib_uverbs_ioctl(ctx, cmd, (unsigned long)arg);
}

static inline void ex_cmd_init(struct ioverbs_cmd *c, const struct ex_node *n,
			       u16 object, u16 action)
{
	ioverbs_cmd_init(c, n->dev->types, SOFT_DRIVER_ID, object, action);
}

static inline void ex_exec(const struct ex_node *n, struct ioverbs_cmd *c,
			   const char *what)
{
	long ret = ioverbs_cmd_exec(c, ex_ioctl, n->f);

	if (ret)
		ex_die(n, what, ret, ioverbs_cmd_error(c));
}

/* Before anything else: the embedded core's fault handler and address space. */
static inline void ex_init(void)
{
	long ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = ioverbs_init();
	if (ret)
		ex_die(NULL, "ioverbs_init", ret, NULL);
}

/*
 * A new soft device with a file, a context (GET_CONTEXT), its LID
 * (QUERY_PORT), a PD and a CQ of at least @cqe entries.
 */
static inline void ex_node_open(struct ex_node *n, const char *name, u32 cqe)
{
	struct ib_uverbs_get_context_resp ctx_resp;
	struct ib_uverbs_query_port_resp port_resp;
	struct ib_uverbs_cq_create_cmd cq_cmd = { .user_handle = 1,
						  .cqe = cqe };
	struct ib_uverbs_cq_create_resp cq_resp;
	struct ioverbs_cmd c;
	u8 port = 1;

	memset(n, 0, sizeof(*n));
	n->name = name;
	n->dev = soft_device_create(NULL);
	if (IS_ERR(n->dev))
		ex_die(n, "soft_device_create", PTR_ERR(n->dev), NULL);
	n->f = ib_uverbs_open(n->dev, NULL, NULL);
	if (IS_ERR(n->f))
		ex_die(n, "ib_uverbs_open", PTR_ERR(n->f), NULL);

	ex_cmd_init(&c, n, UVERBS_TYPE_DEVICE,
		    UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ioverbs_cmd_out(&c, UVERBS_GET_CONTEXT_RESP, &ctx_resp,
			sizeof(ctx_resp));
	ex_exec(n, &c, "GET_CONTEXT");

	ex_cmd_init(&c, n, UVERBS_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_PORT);
	ioverbs_cmd_in(&c, UVERBS_QUERY_PORT_PORT_NUM, &port, sizeof(port));
	ioverbs_cmd_out(&c, UVERBS_QUERY_PORT_RESP, &port_resp,
			sizeof(port_resp));
	ex_exec(n, &c, "QUERY_PORT");
	n->lid = port_resp.lid;

	ex_cmd_init(&c, n, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, &n->pd);
	ex_exec(n, &c, "PD_ALLOC");

	ex_cmd_init(&c, n, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE);
	ioverbs_cmd_new(&c, UVERBS_CQ_CREATE_HANDLE, &n->cq);
	ioverbs_cmd_in(&c, UVERBS_CQ_CREATE_CMD, &cq_cmd, sizeof(cq_cmd));
	ioverbs_cmd_out(&c, UVERBS_CQ_CREATE_RESP, &cq_resp, sizeof(cq_resp));
	ex_exec(n, &c, "CQ_CREATE");
}

/* CQ_DESTROY, PD_DEALLOC (QPs and MRs are gone by now), close, remove. */
static inline void ex_node_close(struct ex_node *n)
{
	struct ib_uverbs_cq_destroy_resp cq_resp;
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_DESTROY);
	ioverbs_cmd_idr(&c, UVERBS_CQ_DESTROY_HANDLE, n->cq);
	ioverbs_cmd_out(&c, UVERBS_CQ_DESTROY_RESP, &cq_resp, sizeof(cq_resp));
	ex_exec(n, &c, "CQ_DESTROY");

	ex_cmd_init(&c, n, UVERBS_TYPE_PD, UVERBS_ACTION_PD_DEALLOC);
	ioverbs_cmd_idr(&c, UVERBS_PD_DEALLOC_HANDLE, n->pd);
	ex_exec(n, &c, "PD_DEALLOC");

	ib_uverbs_release(n->f);
	soft_device_destroy(n->dev);
}

/* After every node is closed: nothing may be left allocated. */
static inline int ex_check_leaks(void)
{
	long live;

	rcu_barrier(); /* the deferred frees */
	live = ioverbs_live_objects();
	if (live) {
		fprintf(stderr, "%s: %ld objects still live after cleanup\n",
			program_invocation_short_name, live);
		return 1;
	}
	printf("cleaned up: 0 live objects\n");
	return 0;
}

static inline void ex_mr_reg(struct ex_node *n, struct ex_mr *mr, void *addr,
			     u64 len, u32 access)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = (uintptr_t)addr,
		.length = len,
		.hca_va = (uintptr_t)addr,
		.access_flags = access,
	};
	struct ib_uverbs_mr_reg_resp resp;
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, &mr->handle);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, n->pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, &resp, sizeof(resp));
	ex_exec(n, &c, "MR_REG");
	mr->addr = addr;
	mr->len = len;
	mr->lkey = resp.lkey;
	mr->rkey = resp.rkey;
}

static inline void ex_mr_dereg(struct ex_node *n, struct ex_mr *mr)
{
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG);
	ioverbs_cmd_idr(&c, UVERBS_MR_DEREG_HANDLE, mr->handle);
	ex_exec(n, &c, "MR_DEREG");
}

/* An SGE of @len bytes at @off in @mr. */
static inline struct ib_uverbs_sge ex_sge(const struct ex_mr *mr, u64 off,
					  u32 len)
{
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)mr->addr + off,
		.length = len,
		.lkey = mr->lkey,
	};

	return sge;
}

/* A QP of @type on the node's PD, both queues on the node's CQ. */
static inline void ex_qp_create(struct ex_node *n, struct ex_qp *qp, u8 type)
{
	struct ib_uverbs_qp_create_cmd cmd = {
		.qp_type = type,
		.cap = { .max_send_wr = 16,
			 .max_recv_wr = 16,
			 .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ib_uverbs_qp_create_resp resp;
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_QP, UVERBS_ACTION_QP_CREATE);
	ioverbs_cmd_new(&c, UVERBS_QP_CREATE_HANDLE, &qp->handle);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_PD_HANDLE, n->pd);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_SEND_CQ, n->cq);
	ioverbs_cmd_idr(&c, UVERBS_QP_CREATE_RECV_CQ, n->cq);
	ioverbs_cmd_in(&c, UVERBS_QP_CREATE_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_QP_CREATE_RESP, &resp, sizeof(resp));
	ex_exec(n, &c, "QP_CREATE");
	qp->qpn = resp.qpn;
	qp->type = type;
}

static inline void ex_qp_destroy(struct ex_node *n, struct ex_qp *qp)
{
	struct ib_uverbs_qp_destroy_resp resp;
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_QP, UVERBS_ACTION_QP_DESTROY);
	ioverbs_cmd_idr(&c, UVERBS_QP_DESTROY_HANDLE, qp->handle);
	ioverbs_cmd_out(&c, UVERBS_QP_DESTROY_RESP, &resp, sizeof(resp));
	ex_exec(n, &c, "QP_DESTROY");
}

static inline void ex_qp_modify(struct ex_node *n, struct ex_qp *qp,
				const struct ib_uverbs_qp_attr *attr,
				const char *what)
{
	struct ioverbs_cmd c;

	ex_cmd_init(&c, n, UVERBS_TYPE_QP, UVERBS_ACTION_QP_MODIFY);
	ioverbs_cmd_idr(&c, UVERBS_QP_MODIFY_HANDLE, qp->handle);
	ioverbs_cmd_in(&c, UVERBS_QP_MODIFY_CMD, attr, sizeof(*attr));
	ex_exec(n, &c, what);
}

/*
 * RC: RESET -> INIT -> RTR -> RTS towards (@dlid, @dest_qpn), each step
 * with exactly the attributes the IB state machine requires of RC.
 * @access: what the peer may do to this QP's MRs (REMOTE_*).
 * rnr_retry 7 (infinite): a SEND that finds no receive waits for one.
 */
static inline void ex_qp_connect_rc(struct ex_node *n, struct ex_qp *qp,
				    u16 dlid, u32 dest_qpn, u32 access)
{
	struct ib_uverbs_qp_attr init = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_ACCESS_FLAGS,
		.qp_state = IB_UVERBS_QPS_INIT,
		.pkey_index = 0,
		.port_num = 1,
		.qp_access_flags = access,
	};
	struct ib_uverbs_qp_attr rtr = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_AV |
			     IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_DEST_QPN |
			     IB_UVERBS_QP_RQ_PSN |
			     IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			     IB_UVERBS_QP_MIN_RNR_TIMER,
		.qp_state = IB_UVERBS_QPS_RTR,
		.ah_attr = { .dlid = dlid, .port_num = 1 },
		.path_mtu = IB_UVERBS_MTU_4096,
		.dest_qp_num = dest_qpn,
		.rq_psn = 0,
		.max_dest_rd_atomic = 4,
		.min_rnr_timer = 1, /* 10 us */
	};
	struct ib_uverbs_qp_attr rts = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_TIMEOUT |
			     IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |
			     IB_UVERBS_QP_SQ_PSN |
			     IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
		.qp_state = IB_UVERBS_QPS_RTS,
		.timeout = 14,
		.retry_cnt = 7,
		.rnr_retry = 7,
		.sq_psn = 0,
		.max_rd_atomic = 4,
	};

	ex_qp_modify(n, qp, &init, "QP_MODIFY RESET->INIT");
	ex_qp_modify(n, qp, &rtr, "QP_MODIFY INIT->RTR");
	ex_qp_modify(n, qp, &rts, "QP_MODIFY RTR->RTS");
}

/* UD: RESET -> INIT (with @qkey) -> RTR -> RTS; no peer to name. */
static inline void ex_qp_ready_ud(struct ex_node *n, struct ex_qp *qp, u32 qkey)
{
	struct ib_uverbs_qp_attr init = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
			     IB_UVERBS_QP_PORT | IB_UVERBS_QP_QKEY,
		.qp_state = IB_UVERBS_QPS_INIT,
		.port_num = 1,
		.qkey = qkey,
	};
	struct ib_uverbs_qp_attr rtr = {
		.attr_mask = IB_UVERBS_QP_STATE,
		.qp_state = IB_UVERBS_QPS_RTR,
	};
	struct ib_uverbs_qp_attr rts = {
		.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_SQ_PSN,
		.qp_state = IB_UVERBS_QPS_RTS,
	};

	ex_qp_modify(n, qp, &init, "QP_MODIFY RESET->INIT");
	ex_qp_modify(n, qp, &rtr, "QP_MODIFY INIT->RTR");
	ex_qp_modify(n, qp, &rts, "QP_MODIFY RTR->RTS");
}

/* One send WR with its SGE (none when @sge is NULL). */
static inline void ex_post_send(struct ex_node *n, struct ex_qp *qp,
				struct ib_uverbs_send_wr *wr,
				const struct ib_uverbs_sge *sge)
{
	struct ioverbs_cmd c;
	u32 bad_wr;

	wr->num_sge = sge ? 1 : 0;
	ex_cmd_init(&c, n, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, qp->handle);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_WR, wr, sizeof(*wr));
	if (sge)
		ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_SGE, sge, sizeof(*sge));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_SEND_BAD_WR, &bad_wr,
			sizeof(bad_wr));
	ex_exec(n, &c, "QP_POST_SEND");
}

static inline void ex_post_recv(struct ex_node *n, struct ex_qp *qp, u64 wr_id,
				const struct ib_uverbs_sge *sge)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ioverbs_cmd c;
	u32 bad_wr;

	ex_cmd_init(&c, n, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_RECV);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_RECV_HANDLE, qp->handle);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_RECV_WR, &wr, sizeof(wr));
	ioverbs_cmd_in(&c, UVERBS_QP_POST_RECV_SGE, sge, sizeof(*sge));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_RECV_BAD_WR, &bad_wr,
			sizeof(bad_wr));
	ex_exec(n, &c, "QP_POST_RECV");
}

/* One CQ_POLL command for at most one completion: returns 0 or 1. */
static inline u32 ex_poll(struct ex_node *n, struct ib_uverbs_wc *wc)
{
	struct ioverbs_cmd c;
	u32 count = 0;

	ex_cmd_init(&c, n, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
	ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, n->cq);
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, wc, sizeof(*wc));
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, &count, sizeof(count));
	ex_exec(n, &c, "CQ_POLL");
	return count;
}

static inline long long ex_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * Polls (CQ_POLL commands) until one completion arrives, at most
 * EX_POLL_TIMEOUT_NS; the completion's status is the caller's to judge.
 */
static inline void ex_poll_one(struct ex_node *n, struct ib_uverbs_wc *wc)
{
	long long deadline = ex_now_ns() + EX_POLL_TIMEOUT_NS;
	unsigned int empty = 0;

	while (!ex_poll(n, wc)) {
		if (ex_now_ns() > deadline)
			ex_die(n, "CQ_POLL", -ETIMEDOUT,
			       "no completion within 1 s");
		/*
		 * The completion may be the other thread's to produce: let
		 * it run, and really sleep when it seems not to (a scheduler
		 * that serializes threads, such as valgrind's).
		 */
		if (++empty % 1024 == 0)
			nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
		else if (empty % 64 == 0)
			sched_yield();
	}
}

/* One completion, which must be a success of @opcode. */
static inline void ex_poll_ok(struct ex_node *n, struct ib_uverbs_wc *wc,
			      u32 opcode, const char *what)
{
	ex_poll_one(n, wc);
	if (wc->status != IB_UVERBS_WC_SUCCESS || wc->opcode != opcode) {
		fprintf(stderr,
			"%s: %s on %s: completion status %s, opcode 0x%x (expected SUCCESS, 0x%x)\n",
			program_invocation_short_name, what, n->name,
			ex_wc_status_name(wc->status), wc->opcode, opcode);
		exit(1);
	}
}

#endif /* _EXAMPLES_COMMON_H */
