/* SPDX-License-Identifier: MIT */
/*
 * The QP state machine of the InfiniBand specification (IBA vol 1,
 * chapter 11, "Modify QP"): which state transitions a consumer may ask
 * for, and which attributes each transition requires or allows, per QP
 * type.  A MODIFY_QP handler checks the user's request here before the
 * driver sees it.
 */
#ifndef _RDMA_IB_QP_STATE_H
#define _RDMA_IB_QP_STATE_H

#include <compat.h>
#include <rdma/ib_user_verbs.h>

/**
 * ib_qp_state_name() - the name of a QP state, for logs and messages
 * @state: &enum ib_uverbs_qp_state
 *
 * Return: "RESET", "INIT", "RTR", "RTS", "SQD", "SQE" or "ERR"; "UNKNOWN"
 * for a value outside the enum (never NULL).
 */
const char *ib_qp_state_name(enum ib_uverbs_qp_state state);

/**
 * ib_modify_qp_check() - is a MODIFY_QP request legal, and if not, why
 * @cur: the state the QP is in
 * @next: the state asked for; read only when @mask has IB_UVERBS_QP_STATE
 * @type: the QP's type (RC, UC or UD)
 * @mask: &enum ib_uverbs_qp_attr_mask: the attributes the request sets
 * @why: where to write a one-line reason on refusal; may be NULL
 * @len: size of @why; the reason is truncated to fit
 *
 * With IB_UVERBS_QP_STATE in @mask the request is the transition
 * @cur -> @next; without it, it modifies attributes in place (@cur -> @cur)
 * and @next is ignored, as attr.qp_state is meaningless then.  The
 * transition must be legal for @type, @mask must hold every attribute
 * the transition requires and nothing else but the ones it allows.
 *
 * IB_UVERBS_QP_CUR_STATE is allowed only where the specification allows
 * it (into RTS from RTR, RTS, SQD or SQE).  Its value is not seen here:
 * the caller must check that attr.cur_qp_state == @cur, as
 * ib_modify_qp_attr_check() does.
 *
 * On success @why is left untouched.  The reason names the transition,
 * the type and the offending attributes, e.g. "INIT->RTR for RC needs
 * AV|PATH_MTU|RQ_PSN|MIN_RNR_TIMER|MAX_DEST_RD_ATOMIC|DEST_QPN; missing
 * MIN_RNR_TIMER".
 *
 * Return: 0 if legal; -EINVAL for an illegal transition, a missing
 * required or an unexpected attribute, an unknown mask bit, state or type.
 */
int ib_modify_qp_check(enum ib_uverbs_qp_state cur,
		       enum ib_uverbs_qp_state next,
		       enum ib_uverbs_qp_type type, u32 mask, char *why,
		       size_t len);

/**
 * ib_modify_qp_is_ok() - is a MODIFY_QP request legal
 * @cur: the state the QP is in
 * @next: the state asked for; read only when @mask has IB_UVERBS_QP_STATE
 * @type: the QP's type
 * @mask: &enum ib_uverbs_qp_attr_mask
 *
 * ib_modify_qp_check() without the reason.
 *
 * Return: 0 if legal, -EINVAL otherwise.
 */
int ib_modify_qp_is_ok(enum ib_uverbs_qp_state cur,
		       enum ib_uverbs_qp_state next,
		       enum ib_uverbs_qp_type type, u32 mask);

/**
 * ib_modify_qp_attr_check() - check a MODIFY_QP request as the user sent it
 * @cur: the state the QP is in
 * @type: the QP's type
 * @attr: the request: @attr->attr_mask, and @attr->qp_state and
 *	@attr->cur_qp_state where the mask names them
 * @why: where to write a one-line reason on refusal; may be NULL
 * @len: size of @why
 *
 * ib_modify_qp_check() on (@cur, @attr->qp_state, @type,
 * @attr->attr_mask), and then, if the mask holds IB_UVERBS_QP_CUR_STATE,
 * @attr->cur_qp_state must equal @cur: the consumer's idea of the
 * current state must be the QP's.
 *
 * Return: 0 if legal, -EINVAL otherwise.
 */
int ib_modify_qp_attr_check(enum ib_uverbs_qp_state cur,
			    enum ib_uverbs_qp_type type,
			    const struct ib_uverbs_qp_attr *attr, char *why,
			    size_t len);

#endif /* _RDMA_IB_QP_STATE_H */
