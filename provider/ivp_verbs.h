/* SPDX-License-Identifier: MIT */
/*
 * The libibverbs half's ops past the PD (mr.c, cq.c, qp.c), which
 * provider.c puts in its ops table.  Each returns or sets the errno
 * libibverbs documents for the verb, through ivp_failed() (IOVERBS_DEBUG).
 */
#ifndef _PROVIDER_IVP_VERBS_H
#define _PROVIDER_IVP_VERBS_H

#include <stdbool.h>

#include "ivp.h"
#include "verbs_private.h"

/* The context's ioverbs client (provider.c). */
struct ivp_dev *ivp_ctx_dev(struct ibv_context *ctx);

/*
 * Is the context's device gone (DEVICE_FATAL: hot unplug, or the daemon
 * stopped)?  Its queues then never complete again: a poll that finds
 * nothing fails with EIO rather than spin forever.
 */
bool ivp_ctx_lost(struct ibv_context *ctx);

struct ibv_mr *ivo_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			  uint64_t hca_va, int access);
int ivo_dereg_mr(struct verbs_mr *vmr);

/* The ioverbs half's CQ of a CQ of ours (cq.c). */
struct ivp_cq *ivp_ibv_cq(struct ibv_cq *cq);

struct ibv_cq *ivo_create_cq(struct ibv_context *ctx, int cqe,
			     struct ibv_comp_channel *channel, int comp_vector);
struct ibv_cq_ex *ivo_create_cq_ex(struct ibv_context *ctx,
				   struct ibv_cq_init_attr_ex *attr);
int ivo_destroy_cq(struct ibv_cq *cq);
int ivo_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
int ivo_req_notify_cq(struct ibv_cq *cq, int solicited_only);

struct ibv_qp *ivo_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr);
struct ibv_qp *ivo_create_qp_ex(struct ibv_context *ctx,
				struct ibv_qp_init_attr_ex *attr);
int ivo_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask);
int ivo_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask,
		 struct ibv_qp_init_attr *init_attr);
int ivo_destroy_qp(struct ibv_qp *qp);
int ivo_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr);
int ivo_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr);

/* An address vector in the ABI's layout (qp.c). */
void ivp_ah_attr_to(struct ivp_ah_attr *v, const struct ibv_ah_attr *a);

struct ibv_srq *ivo_create_srq(struct ibv_pd *pd,
			       struct ibv_srq_init_attr *init);
int ivo_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr, int mask);
int ivo_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr);
int ivo_destroy_srq(struct ibv_srq *srq);
/* The ioverbs half's SRQ of @srq (one of ours). */
struct ivp_srq *ivo_srq_ivp(struct ibv_srq *srq);
int ivo_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);

struct ibv_ah *ivo_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr);
int ivo_destroy_ah(struct ibv_ah *ah);

#endif /* _PROVIDER_IVP_VERBS_H */
