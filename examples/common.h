/* SPDX-License-Identifier: MIT */
/*
 * What rc_pingpong, rdma_rw and ud_send share: a "node" (a soft device, a
 * file on it, a context, the port's LID, a PD and one CQ), and one short
 * function per verbs call they make.  Every call goes through the client
 * library (<ioverbs/verbs.h>), which builds a real RDMA_VERBS_IOCTL
 * buffer, checks it against the device's own spec tables before sending
 * it, and has the embedded core run it through ib_uverbs_ioctl().
 *
 * Errors: a step that fails prints one line (the program, the step, the
 * errno name and why: the library's or the core's message) and exits 1.
 * The examples are short programs; there is nothing to unwind for.
 */
#ifndef _EXAMPLES_COMMON_H
#define _EXAMPLES_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/soft_device.h>

/* How long a completion may take before the example gives up. */
#define EX_POLL_TIMEOUT_MS 1000

/* One device, one file, one context: what one RDMA "host" has. */
struct ex_node {
	const char *name; /* "A", "B": for messages */
	struct ib_device *dev;	   /* embedded: this process's device */
	struct ib_uverbs_file *f;  /* embedded: its file */
	int fd;			   /* through ioverbsd: the device file */
	struct ioverbs_client v; /* checked against dev's spec tables */
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
 * @why is the library's message when it refused the command, else the
 * device's reason for this thread's last failed command on the node's
 * file (Rule 23; "" if neither said anything).
 */
static inline void __attribute__((noreturn))
ex_die(struct ex_node *n, const char *what, long ret, const char *why)
{
	char reason[IOVERBS_REASON_MAX] = "";

	if ((!why || !*why) && n && n->v.reason)
		ioverbs_reason_get(&n->v, reason, sizeof(reason));
	if (!why || !*why)
		why = reason;
	fprintf(stderr, "%s: %s%s%s: %s (%s)\n", program_invocation_short_name,
		what, n ? " on " : "", n ? n->name : "", ex_errno_name(ret),
		*why ? why : "no message");
	exit(1);
}

/* A library call's result: nothing, or the error line and exit. */
static inline void ex_check(struct ex_node *n, long ret,
			    const char *what)
{
	if (ret)
		ex_die(n, what, ret, ioverbs_client_error(&n->v));
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
 * A file of a soft device, a context (GET_CONTEXT), its LID (QUERY_PORT),
 * a PD and a CQ of at least @cqe entries.  The device is a new one in
 * this process, or, when $IOVERBS_DEVICE names a device file of ioverbsd
 * (MOUNT/uverbs0), that one: the same program then sends every command
 * through ioctl(2), where `ioverbs trace` sees it.
 */
static inline void ex_node_open(struct ex_node *n, const char *name, u32 cqe)
{
	struct ib_uverbs_cq_create_cmd cq_cmd = { .user_handle = 1,
						  .cqe = cqe };
	const char *path = getenv("IOVERBS_DEVICE");

	memset(n, 0, sizeof(*n));
	n->name = name;
	n->fd = -1;
	if (path && *path) {
		n->fd = open(path, O_RDWR | O_CLOEXEC);
		if (n->fd < 0)
			ex_die(n, path, -errno, "$IOVERBS_DEVICE");
		ioverbs_client_init_fd(&n->v, n->fd);
		ioverbs_client_spec_set(&n->v, soft_device_types(),
					SOFT_DRIVER_ID);
		goto context;
	}
	n->dev = soft_device_create(NULL);
	if (IS_ERR(n->dev))
		ex_die(n, "soft_device_create", PTR_ERR(n->dev), NULL);
	n->f = ib_uverbs_open(n->dev, NULL, NULL);
	if (IS_ERR(n->f))
		ex_die(n, "ib_uverbs_open", PTR_ERR(n->f), NULL);
	ioverbs_client_init_embedded(&n->v, n->f);
	ioverbs_client_spec_set(&n->v, n->dev->types, SOFT_DRIVER_ID);
context:

	ex_check(n, ioverbs_context_get(&n->v), "GET_CONTEXT");
	ex_check(n, ioverbs_port_query_lid(&n->v, &n->lid), "QUERY_PORT");
	ex_check(n, ioverbs_pd_alloc(&n->v, &n->pd), "PD_ALLOC");
	ex_check(n, ioverbs_cq_create_ex(&n->v, &cq_cmd, -1, &n->cq, NULL),
		 "CQ_CREATE");
}

/* CQ_DESTROY, PD_DEALLOC (QPs and MRs are gone by now), close, remove. */
static inline void ex_node_close(struct ex_node *n)
{
	struct ib_uverbs_cq_destroy_resp cq_resp;

	ex_check(n, ioverbs_cq_destroy(&n->v, n->cq, &cq_resp), "CQ_DESTROY");
	ex_check(n, ioverbs_pd_dealloc(&n->v, n->pd), "PD_DEALLOC");
	if (n->fd >= 0) {
		close(n->fd);
		return;
	}
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
	ex_check(n,
		 ioverbs_mr_reg(&n->v, n->pd, addr, len, access, &mr->handle,
				&mr->lkey, &mr->rkey),
		 "MR_REG");
	mr->addr = addr;
	mr->len = len;
}

static inline void ex_mr_dereg(struct ex_node *n, struct ex_mr *mr)
{
	ex_check(n, ioverbs_mr_dereg(&n->v, mr->handle), "MR_DEREG");
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
	static const struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 16,
		.max_recv_wr = 16,
		.max_send_sge = 1,
		.max_recv_sge = 1,
	};

	ex_check(n,
		 ioverbs_qp_create(&n->v, type, n->pd, n->cq, &cap,
				   &qp->handle, &qp->qpn, NULL),
		 "QP_CREATE");
	qp->type = type;
}

static inline void ex_qp_destroy(struct ex_node *n, struct ex_qp *qp)
{
	struct ib_uverbs_qp_destroy_resp resp;

	ex_check(n, ioverbs_qp_destroy(&n->v, qp->handle, &resp),
		 "QP_DESTROY");
}

/*
 * RC: RESET -> INIT -> RTR -> RTS towards (@dlid, @dest_qpn).
 * @access: what the peer may do to this QP's MRs (REMOTE_*).
 * rnr_retry 7 (infinite): a SEND that finds no receive waits for one.
 */
static inline void ex_qp_connect_rc(struct ex_node *n, struct ex_qp *qp,
				    u16 dlid, u32 dest_qpn, u32 access)
{
	const struct ioverbs_qp_peer peer = {
		.qp_type = IB_UVERBS_QPT_RC,
		.dlid = dlid,
		.dest_qpn = dest_qpn,
		.access = access,
		.rnr_retry = 7,
		.rd_atomic = 4,
	};

	ex_check(n, ioverbs_qp_connect(&n->v, qp->handle, &peer),
		 "QP_MODIFY RESET->INIT->RTR->RTS");
}

/* UD: RESET -> INIT (with @qkey) -> RTR -> RTS; no peer to name. */
static inline void ex_qp_ready_ud(struct ex_node *n, struct ex_qp *qp, u32 qkey)
{
	const struct ioverbs_qp_peer peer = {
		.qp_type = IB_UVERBS_QPT_UD,
		.qkey = qkey,
	};

	ex_check(n, ioverbs_qp_connect(&n->v, qp->handle, &peer),
		 "QP_MODIFY RESET->INIT->RTR->RTS");
}

/* One send WR with its SGE (none when @sge is NULL). */
static inline void ex_post_send(struct ex_node *n, struct ex_qp *qp,
				struct ib_uverbs_send_wr *wr,
				const struct ib_uverbs_sge *sge)
{
	wr->num_sge = sge ? 1 : 0;
	ex_check(n,
		 ioverbs_qp_post_send(&n->v, qp->handle, wr, 1, sge,
				      wr->num_sge, NULL),
		 "QP_POST_SEND");
}

static inline void ex_post_recv(struct ex_node *n, struct ex_qp *qp, u64 wr_id,
				const struct ib_uverbs_sge *sge)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };

	ex_check(n, ioverbs_qp_post_recv(&n->v, qp->handle, &wr, 1, sge, 1,
					 NULL),
		 "QP_POST_RECV");
}

/* One CQ_POLL command for at most one completion: returns 0 or 1. */
static inline u32 ex_poll(struct ex_node *n, struct ib_uverbs_wc *wc)
{
	u32 count;

	ex_check(n, ioverbs_cq_poll(&n->v, n->cq, wc, 1, &count), "CQ_POLL");
	return count;
}

/*
 * Polls until one completion arrives, at most EX_POLL_TIMEOUT_MS; the
 * completion's status is the caller's to judge.
 */
static inline void ex_poll_one(struct ex_node *n, struct ib_uverbs_wc *wc)
{
	long ret = ioverbs_cq_poll_wait(&n->v, n->cq, wc, EX_POLL_TIMEOUT_MS);

	if (ret == -ETIMEDOUT)
		ex_die(n, "CQ_POLL", ret, "no completion within 1 s");
	ex_check(n, ret, "CQ_POLL");
}

static inline long long ex_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
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
