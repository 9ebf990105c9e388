/* SPDX-License-Identifier: MIT */
/*
 * The provider's two halves meet here.  provider.c speaks libibverbs
 * (<infiniband/verbs.h> and verbs_private.h); ivp_cmd.c speaks ioverbs
 * (<ioverbs/verbs.h>, lib/).  Their headers define the same uapi names
 * differently, so neither half includes the other's: this header uses
 * plain C types only.  Every ivp_*() returns 0 or a negative errno.
 */
#ifndef _PROVIDER_IVP_H
#define _PROVIDER_IVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One device file of the daemon, opened by ivp_open(). */
struct ivp_dev;

/* The device's attributes, host order (QUERY_DEVICE). */
struct ivp_device_attr {
	uint64_t fw_ver;
	uint64_t node_guid;
	uint64_t sys_image_guid;
	uint64_t max_mr_size;
	uint64_t page_size_cap;
	uint32_t vendor_id, vendor_part_id, hw_ver;
	uint32_t max_qp, max_qp_wr, device_cap_flags, max_sge, max_sge_rd;
	uint32_t max_cq, max_cqe, max_mr, max_pd;
	uint32_t max_qp_rd_atom, max_qp_init_rd_atom, max_res_rd_atom;
	uint32_t atomic_cap, max_ah, max_srq, max_srq_wr, max_srq_sge;
	uint32_t max_inline_data;
	uint16_t max_pkeys;
	uint8_t local_ca_ack_delay, phys_port_cnt;
};

/* One port's attributes (QUERY_PORT). */
struct ivp_port_attr {
	uint32_t port_cap_flags, max_msg_sz, bad_pkey_cntr, qkey_viol_cntr;
	uint32_t gid_tbl_len;
	uint16_t pkey_tbl_len, lid, sm_lid;
	uint8_t state, max_mtu, active_mtu, lmc, max_vl_num, sm_sl;
	uint8_t subnet_timeout, init_type_reply, active_width, active_speed;
	uint8_t phys_state, link_layer;
};

/*
 * ivp_open() - a client on @fd, a device file of the daemon (@fd stays
 * the caller's); GET_CONTEXT on it.  @num_comp_vectors from the answer.
 */
int ivp_open(int fd, struct ivp_dev **dev, uint32_t *num_comp_vectors);
void ivp_close(struct ivp_dev *dev);
/*
 * ivp_set_async_fd() - @fd, the write end of the application's async_fd
 * pipe (-1: none), where the direct path reports a CQ's overrun (CQ_ERR)
 * itself, as struct ib_uverbs_async_event_desc records.
 */
void ivp_set_async_fd(struct ivp_dev *dev, int fd);

int ivp_query_device(struct ivp_dev *dev, struct ivp_device_attr *a);
/*
 * ivp_async_event_get() - GET_ASYNC_EVENT: the oldest queued async event
 * of the context: 0, -EAGAIN when none is, or the command's errno.
 */
int ivp_async_event_get(struct ivp_dev *dev, uint64_t *element,
			uint32_t *event_type);
int ivp_query_port(struct ivp_dev *dev, uint8_t port, struct ivp_port_attr *a);
int ivp_alloc_pd(struct ivp_dev *dev, uint32_t *handle);
int ivp_dealloc_pd(struct ivp_dev *dev, uint32_t handle);

/*
 * ivp_failed() - a verb failed with @err (negative errno): with
 * IOVERBS_DEBUG=1 in the environment, one line on stderr naming @verb,
 * the errno and the reason the library or the device gave (Rule 23).
 * Return: -@err, the positive errno libibverbs' callers expect.
 */
int ivp_failed(struct ivp_dev *dev, const char *verb, int err);
/* The same with the provider's own reason @why (NULL: ivp_failed()). */
int ivp_failed_why(struct ivp_dev *dev, const char *verb, int err,
		   const char *why);

/*
 * The data path's records, laid out as <rdma/ib_user_verbs.h> lays out
 * struct ib_uverbs_sge, _send_wr, _recv_wr, _wc, _ah_attr, _qp_cap and
 * _qp_attr (ivp_data.c asserts it), so that the two halves pass them
 * without copying field by field twice.
 */
struct ivp_sge {
	uint64_t addr;
	uint32_t length, lkey;
};

struct ivp_send_wr {
	uint64_t wr_id;
	uint32_t num_sge, opcode, send_flags, imm_data;
	union {
		struct {
			uint64_t remote_addr;
			uint32_t rkey, reserved;
		} rdma;
		struct {
			uint64_t remote_addr, compare_add, swap;
			uint32_t rkey, reserved;
		} atomic;
		struct {
			uint32_t ah, remote_qpn, remote_qkey, reserved;
		} ud;
	} wr;
};

struct ivp_recv_wr {
	uint64_t wr_id;
	uint32_t num_sge, reserved;
};

struct ivp_wc {
	uint64_t wr_id;
	uint32_t status, opcode, vendor_err, byte_len, imm_data, qp_num;
	uint32_t src_qp, wc_flags;
	uint16_t pkey_index, slid;
	uint8_t sl, dlid_path_bits, port_num, reserved;
};

struct ivp_ah_attr {
	uint8_t dgid[16];
	uint32_t flow_label;
	uint16_t dlid;
	uint8_t sgid_index, hop_limit, traffic_class, sl, src_path_bits;
	uint8_t static_rate, is_global, port_num, reserved[2];
};

struct ivp_qp_cap {
	uint32_t max_send_wr, max_recv_wr, max_send_sge, max_recv_sge;
	uint32_t max_inline_data, reserved;
};

struct ivp_qp_attr {
	uint32_t attr_mask, qkey, rq_psn, sq_psn, dest_qp_num;
	uint32_t qp_access_flags;
	struct ivp_ah_attr ah_attr, alt_ah_attr;
	struct ivp_qp_cap cap;
	uint16_t pkey_index, alt_pkey_index;
	uint8_t qp_state, cur_qp_state, path_mtu, path_mig_state;
	uint8_t en_sqd_async_notify, sq_draining, max_rd_atomic;
	uint8_t max_dest_rd_atomic, min_rnr_timer, port_num, timeout;
	uint8_t retry_cnt, rnr_retry, alt_port_num, alt_timeout, reserved[5];
};

/* "No such object": an optional handle left out (IOVERBS_NONE). */
#define IVP_NONE (~0u)

/* MR */
int ivp_reg_mr(struct ivp_dev *dev, uint32_t pd, uint64_t addr, uint64_t len,
	       uint64_t hca_va, uint32_t access, uint32_t *handle,
	       uint32_t *lkey, uint32_t *rkey);
int ivp_dereg_mr(struct ivp_dev *dev, uint32_t handle);

/*
 * CQ: one object of the device and, on the soft device, its shared
 * completion ring (polled without a command).  Its lock serializes
 * pollers, as libibverbs' callers may poll from several threads.
 */
struct ivp_cq;
int ivp_cq_create(struct ivp_dev *dev, uint32_t cqe, uint64_t user_handle,
		  uint32_t comp_vector, int channel, struct ivp_cq **out,
		  uint32_t *handle, uint32_t *cqe_out);
int ivp_cq_destroy(struct ivp_cq *cq, uint32_t *comp_events,
		   uint32_t *async_events);
/*
 * *@yield: the poll found nothing and the poller should yield the CPU (to
 * the daemon's NIC threads, or to a direct peer on the same CPU).
 * Return: how many completions (oldest first), or a negative errno.
 */
int ivp_cq_poll(struct ivp_cq *cq, struct ivp_wc *wc, uint32_t num,
		bool *yield);
int ivp_cq_req_notify(struct ivp_cq *cq, int solicited_only);

/*
 * QP: the object and, on the soft device, its shared send and receive
 * rings (posted to without a command); a lock per ring.
 */
struct ivp_qp;
struct ivp_qp_create {
	uint64_t user_handle;
	uint32_t pd, send_cq, recv_cq, srq;
	struct ivp_cq *scq, *rcq; /* send_cq's and recv_cq's */
	struct ivp_srq *srqp; /* srq's, NULL without */
	uint8_t qp_type, sq_sig_all;
	struct ivp_qp_cap cap; /* in: asked for; out: what the QP has */
};
int ivp_qp_create(struct ivp_dev *dev, struct ivp_qp_create *c,
		  struct ivp_qp **out, uint32_t *handle, uint32_t *qpn);
int ivp_qp_modify(struct ivp_qp *qp, const struct ivp_qp_attr *a);
int ivp_qp_query(struct ivp_qp *qp, uint32_t mask, struct ivp_qp_attr *a,
		 uint8_t *qp_type, uint8_t *sq_sig_all);
int ivp_qp_destroy(struct ivp_qp *qp, uint32_t *events);
/*
 * One WR and its SGEs: 0, -ENOMEM (queue full), -EINVAL; *@why the
 * reason when the ring refused it (NULL: a command's, ivp_failed()).
 */
int ivp_qp_post_send(struct ivp_qp *qp, const struct ivp_send_wr *wr,
		     const struct ivp_sge *sge, const char **why);
int ivp_qp_post_recv(struct ivp_qp *qp, const struct ivp_recv_wr *wr,
		     const struct ivp_sge *sge, const char **why);
struct ivp_dev *ivp_qp_dev(struct ivp_qp *qp);
struct ivp_dev *ivp_cq_dev(struct ivp_cq *cq);

/*
 * SRQ (direct_srq.c): its receives on a shared ring when the context
 * may take the direct path, else commands; @wr, @sge: @num WRs and all
 * their SGEs in order; *@bad the index of the WR that failed.  Destroy
 * frees it when it succeeds.  AH: an address vector for UD sends.
 */
struct ivp_srq;
int ivp_srq_create(struct ivp_dev *dev, uint32_t pd, uint64_t user_handle,
		   uint32_t *max_wr, uint32_t *max_sge, uint32_t srq_limit,
		   uint32_t *handle, struct ivp_srq **out);
int ivp_srq_modify(struct ivp_srq *srq, uint32_t mask, uint32_t max_wr,
		   uint32_t srq_limit);
int ivp_srq_destroy(struct ivp_srq *srq, uint32_t *events);
int ivp_srq_post_recv(struct ivp_srq *srq, const struct ivp_recv_wr *wr,
		      uint32_t num, const struct ivp_sge *sge,
		      uint32_t num_sge, uint32_t *bad);
int ivp_ah_create(struct ivp_dev *dev, uint32_t pd,
		  const struct ivp_ah_attr *attr, uint32_t *handle);
int ivp_ah_destroy(struct ivp_dev *dev, uint32_t handle);

/*
 * Spare event files for ibv_create_comp_channel() (docs/internals.md,
 * "What libibverbs sends by itself"): ivp_open() opens some; after a
 * channel's descriptor came back (create_cq), ivp_spare_taken() drops it
 * from the spares and opens another.
 */
void ivp_spare_taken(struct ivp_dev *dev, int fd);

#endif /* _PROVIDER_IVP_H */
