/* SPDX-License-Identifier: MIT */
/*
 * A test double of a verbs driver: struct ib_device_ops over kzalloc'd
 * objects, registered with uverbs_std_types, for unit tests of the core's
 * standard handlers (core/objects/).  It moves no data: posted WRs go to
 * one log (each tagged with its queue, so a queue's FIFO is the log
 * filtered by it) and completions to one ring, tagged with their CQ.  It
 * records the order in which objects are destroyed, and can be told to
 * fail any op.  Its data path is single-threaded, as its tests are.
 */
#ifndef _TESTS_STD_MOCK_DRIVER_H
#define _TESTS_STD_MOCK_DRIVER_H

#include <rdma/ib_verbs_ops.h>

#define MOCK_DRIVER_ID 0x5e

/* Ops that can be told to fail (mock_device.fail[]). */
enum mock_op {
	MOCK_QUERY_DEVICE,
	MOCK_ALLOC_UCONTEXT,
	MOCK_ALLOC_PD,
	MOCK_REG_MR,
	MOCK_CREATE_CQ,
	MOCK_CREATE_QP,
	MOCK_MODIFY_QP,
	MOCK_CREATE_SRQ,
	MOCK_MODIFY_SRQ,
	MOCK_CREATE_AH,
	MOCK_DESTROY,		/* every destroy op */
	MOCK_POST_SEND,		/* fails at WR fail_wr (or the last) */
	MOCK_POST_RECV,
	MOCK_POST_SRQ_RECV,
	MOCK_POLL_CQ,
	MOCK_REQ_NOTIFY_CQ,
	MOCK_NUM_OPS,
};

/* Log and ring sizes: a post past them fails with ENOMEM at that WR. */
#define MOCK_LOG 64
#define MOCK_SGE_LOG 256

/*
 * struct mock_wr - one WR as a post op received it
 * @queue: the QP (sends, receives) or SRQ (receives) it was posted on
 * @recv: a receive WR (only @wr_id and @num_sge mean anything)
 * @first_sge: its SGEs are mock_device.sges[first_sge, +num_sge)
 * @ah: a UD send: what uverbs_ah_attr_get() gave for wr.ud.ah
 */
struct mock_wr {
	const void *queue;
	bool recv;
	struct ib_uverbs_send_wr wr;
	u32 first_sge;
	struct ib_uverbs_ah_attr ah;
};

/* struct mock_wc - a completion waiting on @cq */
struct mock_wc {
	struct ib_cq *cq;
	struct ib_uverbs_wc wc;
};

/* The mock's CQ: armed by req_notify_cq, disarmed by the event. */
struct mock_cq {
	struct ib_cq ib;
	bool armed;
	bool solicited_only;
};

/*
 * struct mock_device - the mock
 * @vdev: what the core sees
 * @fail: an op whose entry is a negative errno fails with it, once
 * @destroyed: "pd3 mr0 ..." : the type and handle of each destroyed
 *	object, in order
 * @live: driver objects alive
 * @last_cq, @last_qp, @last_srq: the newest of each
 * @last_cq_cmd, @last_qp_cmd, @last_modify_qp, @last_modify_srq: what the
 *	ops were given last
 * @destroy_cq_hook: called first by destroy_cq, where a real driver
 *	quiesces what completes on the CQ
 * @fail_wr: the WR at which a post told to fail stops (bad_wr)
 * @wrs, @num_wrs: every WR posted, oldest first
 * @sges, @num_sges: their SGEs
 * @wcs, @num_wcs: completions not yet polled, oldest first
 * @last_poll_num: the room poll_cq was last given
 */
struct mock_device {
	struct ib_verbs_device vdev;
	int fail[MOCK_NUM_OPS];
	char destroyed[512];
	int live;
	u32 next_key;
	struct ib_cq *last_cq;
	struct ib_qp *last_qp;
	struct ib_srq *last_srq;
	struct ib_uverbs_cq_create_cmd last_cq_cmd;
	struct ib_uverbs_qp_create_cmd last_qp_cmd;
	struct ib_uverbs_qp_attr last_modify_qp;
	struct ib_uverbs_srq_modify_cmd last_modify_srq;
	void (*destroy_cq_hook)(struct ib_cq *cq);
	u32 fail_wr;
	struct mock_wr wrs[MOCK_LOG];
	u32 num_wrs;
	struct ib_uverbs_sge sges[MOCK_SGE_LOG];
	u32 num_sges;
	struct mock_wc wcs[MOCK_LOG];
	u32 num_wcs;
	u32 last_poll_num;
	u8 qp_state_now;	/* query_qp_state's answer; 0xff: the core's copy */
};

/* The mock's device attributes (query_device). */
#define MOCK_MAX_QP_WR 256
#define MOCK_MAX_SGE 4
#define MOCK_MAX_INLINE 64
#define MOCK_MAX_CQE 1024
#define MOCK_MAX_SRQ_WR 512
#define MOCK_MAX_SRQ_SGE 2
#define MOCK_MAX_RD_ATOM 8
#define MOCK_MAX_MR_SIZE (1ull << 32)
#define MOCK_PORTS 2
#define MOCK_GID_TBL_LEN 4

/*
 * Queues a completion on @cq, as the hardware would; an armed CQ (any
 * completion, or with solicited_only a @solicited one or an error) gets
 * one channel event and is disarmed.  Return: 0 or -ENOMEM (ring full).
 */
int mock_cq_push(struct mock_device *md, struct ib_cq *cq,
		 const struct ib_uverbs_wc *wc, bool solicited);

/* A registered mock device, or NULL. */
struct mock_device *mock_device_create(void);
/* Hot unplug; mock_device_destroy() frees later. */
void mock_device_remove(struct mock_device *md);
/* Removes it if still registered and frees it. */
void mock_device_destroy(struct mock_device *md);

#endif /* _TESTS_STD_MOCK_DRIVER_H */
