/* SPDX-License-Identifier: MIT */
/*
 * What the standard verbs objects (core/objects/) share: the types each
 * file defines for the uverbs_std_types table (std_types.c), the device's
 * ops and limits, and the completion channel's event queue.
 *
 * Each object file holds one family: its attribute specs, its actions
 * table, its handlers and its uverbs_obj_type, whose destroy op calls the
 * driver's destroy op (DESTROY commands, close, device removal, abort).
 */
#ifndef _CORE_OBJECTS_H
#define _CORE_OBJECTS_H

#include <rdma/ib_verbs_ops.h>

/*
 * Completion vectors the core reports in GET_CONTEXT and accepts in
 * CQ_CREATE.  A soft device has no interrupts to spread, so one.
 */
#define UVERBS_STD_NUM_COMP_VECTORS 1

/*
 * Data-path array bounds (attribute max_len, which is 16 bits): the most
 * completions one CQ_POLL takes, WRs one POST carries, and SGEs all the
 * WRs of one POST take together.
 */
#define UVERBS_CQ_POLL_MAX_WC 256
#define UVERBS_POST_MAX_WR 64
#define UVERBS_POST_MAX_SGE 256

extern const struct uverbs_type uverbs_device_type;
extern const struct uverbs_type uverbs_pd_type;
extern const struct uverbs_type uverbs_mr_type;
extern const struct uverbs_type uverbs_comp_channel_type;
extern const struct uverbs_type uverbs_cq_type;
extern const struct uverbs_type uverbs_qp_type;
extern const struct uverbs_type uverbs_srq_type;
extern const struct uverbs_type uverbs_ah_type;

static inline const struct ib_device_ops *std_ops(struct ib_device *dev)
{
	return to_verbs_dev(dev)->ops;
}

/**
 * std_query_device() - the device's attributes, for limit checks
 * Return: 0 or the driver's negative errno.
 */
static inline int std_query_device(struct ib_device *dev,
				   struct ib_uverbs_query_device_resp *attr)
{
	memset(attr, 0, sizeof(*attr));
	return std_ops(dev)->query_device(dev, attr);
}

/**
 * std_query_port() - a port's attributes, after checking that @port is
 * one of the device's (1..phys_port_cnt)
 * Return: 0, -EINVAL for no such port, or the driver's errno.
 */
int std_query_port(struct ib_device *dev, u8 port,
		   struct ib_uverbs_query_port_resp *attr);

/**
 * std_check_ah_attr() - an address vector's port and source GID index
 * @dev: the device
 * @ah: the vector; ah->port_num 1..phys_port_cnt, ah->sgid_index below
 *	the port's gid_tbl_len, reserved bytes zero
 * Return: 0 or -EINVAL (or the driver's errno from a query).
 */
int std_check_ah_attr(struct ib_device *dev,
		      const struct ib_uverbs_ah_attr *ah);

/**
 * std_check_recv_wrs() - the shape of a POST_RECV's arrays
 * @cmd: "QP_POST_RECV" or "SRQ_POST_RECV", for the error message
 * @wr: the WR attribute (its spec demands at least one WR's length)
 * @sge: the SGE attribute, or NULL
 * @max_sge: the queue's SGEs per WR
 * @num_wr, @num_sge: set to the arrays' entries
 * Return: 0 or -EINVAL, with uverbs_set_error() saying which WR and why.
 */
/*
 * A post command's arrays: @num_wr WRs and @num_sge SGEs, of which the
 * first @num_ok WRs (taking @sge_ok SGEs) passed the core's checks.
 */
struct std_post {
	u32 num_wr;
	u32 num_sge;
	u32 num_ok;
	u32 sge_ok;
};

/* Checks receive WRs against a queue's SGE limit; fills @p. */
int std_check_recv_wrs(const char *cmd, const struct uverbs_attr *wr,
		       const struct uverbs_attr *sge, u32 max_sge,
		       struct std_post *p);

/*
 * Posts the well-formed prefix of a post command through @post and
 * writes BAD_WR (@bad_wr_id): the command's errno is the driver's, else
 * @check (the checks' verdict on the WR after the prefix).
 */
int std_post_finish(const char *cmd, struct uverbs_attr_array *common,
		    u16 bad_wr_id, const struct std_post *p, int check,
		    int (*post)(void *obj, const void *wr, u32 num_wr,
				const struct ib_uverbs_sge *sge, u32 num_sge,
				u32 *bad_wr),
		    void *obj, const void *wr, const struct ib_uverbs_sge *sge);

/*
 * A CQ on a channel (CQ_CREATE), and off it (the CQ's destroy, before the
 * driver's): detaching drops the CQ's queued events and makes
 * ib_comp_channel_event() refuse, so no event outlives its CQ.  A driver
 * that refuses the destroy gets the CQ attached again, its dropped events
 * lost.
 */
void uverbs_comp_channel_attach(struct ib_cq *cq, struct ib_uobject *channel);
void uverbs_comp_channel_detach(struct ib_cq *cq);

/* The events read from the channel for @cq so far (under the channel lock). */
u32 uverbs_comp_channel_events_reported(struct ib_cq *cq);

#endif /* _CORE_OBJECTS_H */
