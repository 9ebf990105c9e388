/* SPDX-License-Identifier: MIT */
/*
 * Verbs in one call each, over any transport: a real file descriptor
 * (ioverbs_client_fd(): a device file of the daemon) or the embedded core
 * (ioverbs_client_embedded(), in <ioverbs/embedded.h>).  Each builds one
 * standard command with <ioverbs/cmd.h> and returns 0 or the command's
 * negative errno.  ioverbs_ep_*() set up what a ping-pong needs on one
 * context (PD, MR over a new buffer, CQ, RC QP, optionally the soft
 * device's shared rings) and move messages through it.  The examples,
 * tests and benchmarks use it; for anything else, build commands.
 */
#ifndef _IOVERBS_VERBS_H
#define _IOVERBS_VERBS_H

#include <ioverbs/cmd.h>
#include <ioverbs/soft_ring.h>
#include <rdma/soft_device.h>

/* How commands reach the device. */
struct ioverbs_client {
	ioverbs_ioctl_fn fn;
	void *ctx;
	int fd; /* ioverbs_client_fd's descriptor */
};

void ioverbs_client_fd(struct ioverbs_client *v, int fd);

void ioverbs_client_cmd(struct ioverbs_cmd *c, u16 type, u16 action);
long ioverbs_client_exec(struct ioverbs_client *v, struct ioverbs_cmd *c);
long ioverbs_get_context(struct ioverbs_client *v);
long ioverbs_port_lid(struct ioverbs_client *v, u16 *lid);
long ioverbs_pd_alloc(struct ioverbs_client *v, u32 *pd);
long ioverbs_mr_reg(struct ioverbs_client *v, u32 pd, void *buf, size_t len,
		    u32 access, u32 *mr, u32 *lkey, u32 *rkey);
long ioverbs_cq_create(struct ioverbs_client *v, u32 cqe, u32 *cq,
		       u32 *cqe_out);
long ioverbs_qp_create(struct ioverbs_client *v, u8 type, u32 pd, u32 cq,
		       const struct ib_uverbs_qp_cap *cap, u32 *qp, u32 *qpn,
		       struct ib_uverbs_qp_cap *cap_out);
long ioverbs_qp_modify(struct ioverbs_client *v, u32 qp,
		       const struct ib_uverbs_qp_attr *a);
/* RESET -> INIT -> RTR -> RTS towards (dlid, dqpn). */
long ioverbs_qp_connect_rc(struct ioverbs_client *v, u32 qp, u16 dlid, u32 dqpn,
			   u8 rnr_retry);
u8 ioverbs_qp_state(struct ioverbs_client *v, u32 qp);
long ioverbs_destroy(struct ioverbs_client *v, u16 type, u16 action, u16 id,
		     u32 handle);
long ioverbs_async_event(struct ioverbs_client *v,
			 struct ib_uverbs_async_event_desc *d);

/* One side of a ping-pong: a context and its objects. */
struct ioverbs_ep {
	struct ioverbs_client v;
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
long ioverbs_ep_open(struct ioverbs_ep *s, size_t len, bool rings);
long ioverbs_ep_connect(struct ioverbs_ep *s, const struct ioverbs_ep *peer,
			u8 rnr_retry);
/* Destroys what ioverbs_ep_open made (the file stays open). */
void ioverbs_ep_close(struct ioverbs_ep *s);

/* Ring or command, whichever the side uses. */
long ioverbs_ep_post_send(struct ioverbs_ep *s, struct ib_uverbs_send_wr *wr,
			  struct ib_uverbs_sge *sge);
long ioverbs_ep_post_recv(struct ioverbs_ep *s, u64 wr_id, u64 off, u32 len);
/* One completion, waiting up to @timeout_ms: 0, or -ETIMEDOUT. */
long ioverbs_ep_poll(struct ioverbs_ep *s, struct ib_uverbs_wc *wc,
		     unsigned int timeout_ms);

#endif /* _IOVERBS_VERBS_H */
