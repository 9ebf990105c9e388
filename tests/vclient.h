/* SPDX-License-Identifier: MIT */
/*
 * A verbs client for tests, over any transport: the embedded core
 * (vc_embedded) or a real file descriptor (vc_fd, the daemon).  Each
 * helper builds one standard command with lib/ and returns its errno.
 * vc_side_*() set up what a ping-pong needs on one context: PD, MR over
 * a buffer, CQ, RC QP, and (optionally) the shared rings.
 */
#ifndef _TESTS_VCLIENT_H
#define _TESTS_VCLIENT_H

#include <ioverbs/cmd.h>
#include <ioverbs/soft_ring.h>
#include <rdma/soft_device.h>

struct ib_uverbs_file;

struct vc {
	ioverbs_ioctl_fn fn;
	void *ctx;
	int fd;		/* vc_fd's descriptor */
};

void vc_embedded(struct vc *v, struct ib_uverbs_file *f);
void vc_fd(struct vc *v, int fd);

void vc_init(struct ioverbs_cmd *c, u16 type, u16 action);
long vc_exec(struct vc *v, struct ioverbs_cmd *c);
long vc_get_context(struct vc *v);
long vc_lid(struct vc *v, u16 *lid);
long vc_pd_alloc(struct vc *v, u32 *pd);
long vc_mr_reg(struct vc *v, u32 pd, void *buf, size_t len, u32 access,
	       u32 *mr, u32 *lkey, u32 *rkey);
long vc_cq_create(struct vc *v, u32 cqe, u32 *cq, u32 *cqe_out);
long vc_qp_create(struct vc *v, u8 type, u32 pd, u32 cq,
		  const struct ib_uverbs_qp_cap *cap, u32 *qp, u32 *qpn,
		  struct ib_uverbs_qp_cap *cap_out);
long vc_qp_modify(struct vc *v, u32 qp, const struct ib_uverbs_qp_attr *a);
/* RESET -> INIT -> RTR -> RTS towards (dlid, dqpn). */
long vc_qp_connect_rc(struct vc *v, u32 qp, u16 dlid, u32 dqpn,
		      u8 rnr_retry);
u8 vc_qp_state(struct vc *v, u32 qp);
long vc_destroy(struct vc *v, u16 type, u16 action, u16 id, u32 handle);
long vc_async_event(struct vc *v, struct ib_uverbs_async_event_desc *d);
long vc_attach(struct vc *v, int fd, int qp, int cq);

/* One side of a ping-pong. */
struct vc_side {
	struct vc v;
	u8 *buf;
	size_t len;
	u32 pd, mr, cq, qp, qpn, lkey, rkey, cqe;
	u16 lid;
	struct ib_uverbs_qp_cap cap;
	bool rings;
	struct ioverbs_sring_ctx rctx;
	struct ioverbs_sring_cq rcq;
	struct ioverbs_sring_qp rqp;
};

/* Context, PD, MR over a new @len-byte buffer, CQ, RC QP; rings if asked. */
long vc_side_open(struct vc_side *s, size_t len, bool rings);
long vc_side_connect(struct vc_side *s, const struct vc_side *peer,
		     u8 rnr_retry);
/* Destroys what vc_side_open made (the file stays open). */
void vc_side_close(struct vc_side *s);

/* Ring or command, whichever the side uses. */
long vc_side_post_send(struct vc_side *s, struct ib_uverbs_send_wr *wr,
		       struct ib_uverbs_sge *sge);
long vc_side_post_recv(struct vc_side *s, u64 wr_id, u64 off, u32 len);
/* One completion, waiting up to @timeout_ms: 0, or -ETIMEDOUT. */
long vc_side_poll(struct vc_side *s, struct ib_uverbs_wc *wc,
		  unsigned int timeout_ms);

#endif /* _TESTS_VCLIENT_H */
