/* SPDX-License-Identifier: MIT */
/*
 * The standard verbs' command and response layouts: the PTR_IN and
 * PTR_OUT buffers of the actions in ib_user_ioctl_verbs.h, work requests,
 * completions, QP attributes.  Values follow the InfiniBand specification
 * and libibverbs, so a provider converts field by field.
 */
#ifndef _UAPI_RDMA_IB_USER_VERBS_H
#define _UAPI_RDMA_IB_USER_VERBS_H

#include <linux/types.h>

/* Memory access rights (MR_REG, QP access flags). */
enum ib_uverbs_access_flags {
	IB_UVERBS_ACCESS_LOCAL_WRITE = 1 << 0,
	IB_UVERBS_ACCESS_REMOTE_WRITE = 1 << 1,
	IB_UVERBS_ACCESS_REMOTE_READ = 1 << 2,
	IB_UVERBS_ACCESS_REMOTE_ATOMIC = 1 << 3,
};

enum ib_uverbs_qp_type {
	IB_UVERBS_QPT_RC = 2,
	IB_UVERBS_QPT_UC = 3,
	IB_UVERBS_QPT_UD = 4,
};

enum ib_uverbs_qp_state {
	IB_UVERBS_QPS_RESET,
	IB_UVERBS_QPS_INIT,
	IB_UVERBS_QPS_RTR,
	IB_UVERBS_QPS_RTS,
	IB_UVERBS_QPS_SQD,
	IB_UVERBS_QPS_SQE,
	IB_UVERBS_QPS_ERR,
};

/* Which fields of struct ib_uverbs_qp_attr a MODIFY or QUERY concerns. */
enum ib_uverbs_qp_attr_mask {
	IB_UVERBS_QP_STATE = 1 << 0,
	IB_UVERBS_QP_CUR_STATE = 1 << 1,
	IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY = 1 << 2,
	IB_UVERBS_QP_ACCESS_FLAGS = 1 << 3,
	IB_UVERBS_QP_PKEY_INDEX = 1 << 4,
	IB_UVERBS_QP_PORT = 1 << 5,
	IB_UVERBS_QP_QKEY = 1 << 6,
	IB_UVERBS_QP_AV = 1 << 7,
	IB_UVERBS_QP_PATH_MTU = 1 << 8,
	IB_UVERBS_QP_TIMEOUT = 1 << 9,
	IB_UVERBS_QP_RETRY_CNT = 1 << 10,
	IB_UVERBS_QP_RNR_RETRY = 1 << 11,
	IB_UVERBS_QP_RQ_PSN = 1 << 12,
	IB_UVERBS_QP_MAX_QP_RD_ATOMIC = 1 << 13,
	IB_UVERBS_QP_ALT_PATH = 1 << 14,
	IB_UVERBS_QP_MIN_RNR_TIMER = 1 << 15,
	IB_UVERBS_QP_SQ_PSN = 1 << 16,
	IB_UVERBS_QP_MAX_DEST_RD_ATOMIC = 1 << 17,
	IB_UVERBS_QP_PATH_MIG_STATE = 1 << 18,
	IB_UVERBS_QP_CAP = 1 << 19,
	IB_UVERBS_QP_DEST_QPN = 1 << 20,
};

enum ib_uverbs_mtu {
	IB_UVERBS_MTU_256 = 1,
	IB_UVERBS_MTU_512 = 2,
	IB_UVERBS_MTU_1024 = 3,
	IB_UVERBS_MTU_2048 = 4,
	IB_UVERBS_MTU_4096 = 5,
};

enum ib_uverbs_wr_opcode {
	IB_UVERBS_WR_RDMA_WRITE = 0,
	IB_UVERBS_WR_RDMA_WRITE_WITH_IMM = 1,
	IB_UVERBS_WR_SEND = 2,
	IB_UVERBS_WR_SEND_WITH_IMM = 3,
	IB_UVERBS_WR_RDMA_READ = 4,
	IB_UVERBS_WR_ATOMIC_CMP_AND_SWP = 5,
	IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD = 6,
};

enum ib_uverbs_send_flags {
	IB_UVERBS_SEND_FENCE = 1 << 0,
	IB_UVERBS_SEND_SIGNALED = 1 << 1,
	IB_UVERBS_SEND_SOLICITED = 1 << 2,
	IB_UVERBS_SEND_INLINE = 1 << 3,
};

enum ib_uverbs_wc_status {
	IB_UVERBS_WC_SUCCESS,
	IB_UVERBS_WC_LOC_LEN_ERR,
	IB_UVERBS_WC_LOC_QP_OP_ERR,
	IB_UVERBS_WC_LOC_EEC_OP_ERR,
	IB_UVERBS_WC_LOC_PROT_ERR,
	IB_UVERBS_WC_WR_FLUSH_ERR,
	IB_UVERBS_WC_MW_BIND_ERR,
	IB_UVERBS_WC_BAD_RESP_ERR,
	IB_UVERBS_WC_LOC_ACCESS_ERR,
	IB_UVERBS_WC_REM_INV_REQ_ERR,
	IB_UVERBS_WC_REM_ACCESS_ERR,
	IB_UVERBS_WC_REM_OP_ERR,
	IB_UVERBS_WC_RETRY_EXC_ERR,
	IB_UVERBS_WC_RNR_RETRY_EXC_ERR,
	IB_UVERBS_WC_LOC_RDD_VIOL_ERR,
	IB_UVERBS_WC_REM_INV_RD_REQ_ERR,
	IB_UVERBS_WC_REM_ABORT_ERR,
	IB_UVERBS_WC_INV_EECN_ERR,
	IB_UVERBS_WC_INV_EEC_STATE_ERR,
	IB_UVERBS_WC_FATAL_ERR,
	IB_UVERBS_WC_RESP_TIMEOUT_ERR,
	IB_UVERBS_WC_GENERAL_ERR,
};

enum ib_uverbs_wc_opcode {
	IB_UVERBS_WC_SEND = 0,
	IB_UVERBS_WC_RDMA_WRITE = 1,
	IB_UVERBS_WC_RDMA_READ = 2,
	IB_UVERBS_WC_COMP_SWAP = 3,
	IB_UVERBS_WC_FETCH_ADD = 4,
	IB_UVERBS_WC_RECV = 1 << 7,
	IB_UVERBS_WC_RECV_RDMA_WITH_IMM = (1 << 7) + 1,
};

enum ib_uverbs_wc_flags {
	IB_UVERBS_WC_GRH = 1 << 0,
	IB_UVERBS_WC_WITH_IMM = 1 << 1,
};

/**
 * struct ib_uverbs_get_context_resp - GET_CONTEXT's response
 * @num_comp_vectors: completion vectors (CQ_CREATE's comp_vector bound)
 * @num_ports: ports of the device, numbered from 1
 */
struct ib_uverbs_get_context_resp {
	__u32 num_comp_vectors;
	__u32 num_ports;
};

/** struct ib_uverbs_query_device_resp - the device's attributes */
struct ib_uverbs_query_device_resp {
	__aligned_u64 fw_ver;
	__aligned_u64 node_guid;
	__aligned_u64 sys_image_guid;
	__aligned_u64 max_mr_size;
	__aligned_u64 page_size_cap;
	__u32 vendor_id;
	__u32 vendor_part_id;
	__u32 hw_ver;
	__u32 max_qp;
	__u32 max_qp_wr;
	__u32 device_cap_flags;
	__u32 max_sge;
	__u32 max_sge_rd;
	__u32 max_cq;
	__u32 max_cqe;
	__u32 max_mr;
	__u32 max_pd;
	__u32 max_qp_rd_atom;
	__u32 max_qp_init_rd_atom;
	__u32 max_res_rd_atom;
	__u32 atomic_cap;
	__u32 max_ah;
	__u32 max_srq;
	__u32 max_srq_wr;
	__u32 max_srq_sge;
	__u32 max_inline_data;
	__u16 max_pkeys;
	__u8 local_ca_ack_delay;
	__u8 phys_port_cnt;
};

enum ib_uverbs_port_state {
	IB_UVERBS_PORT_DOWN = 1,
	IB_UVERBS_PORT_INIT = 2,
	IB_UVERBS_PORT_ARMED = 3,
	IB_UVERBS_PORT_ACTIVE = 4,
};

/** struct ib_uverbs_query_port_resp - one port's attributes */
struct ib_uverbs_query_port_resp {
	__u32 port_cap_flags;
	__u32 max_msg_sz;
	__u32 bad_pkey_cntr;
	__u32 qkey_viol_cntr;
	__u32 gid_tbl_len;
	__u16 pkey_tbl_len;
	__u16 lid;
	__u16 sm_lid;
	__u8 state;
	__u8 max_mtu;
	__u8 active_mtu;
	__u8 lmc;
	__u8 max_vl_num;
	__u8 sm_sl;
	__u8 subnet_timeout;
	__u8 init_type_reply;
	__u8 active_width;
	__u8 active_speed;
	__u8 phys_state;
	__u8 link_layer;
	__u8 reserved[2];
};

/** struct ib_uverbs_gid - a 128-bit port address */
struct ib_uverbs_gid {
	__u8 raw[16];
};

/**
 * struct ib_uverbs_mr_reg_cmd - MR_REG / MR_REREG input
 * @start: the caller's address of the region
 * @length: its length in bytes
 * @hca_va: the address remote peers use for it (usually @start)
 * @access_flags: &enum ib_uverbs_access_flags
 * @reserved: zero
 */
struct ib_uverbs_mr_reg_cmd {
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 hca_va;
	__u32 access_flags;
	__u32 reserved;
};

struct ib_uverbs_mr_reg_resp {
	__u32 lkey;
	__u32 rkey;
};

/**
 * struct ib_uverbs_cq_create_cmd - CQ_CREATE input
 * @user_handle: returned in completion events of the CQ
 * @cqe: the least number of entries the CQ must hold
 * @comp_vector: below get_context_resp.num_comp_vectors
 * @reserved: zero
 */
struct ib_uverbs_cq_create_cmd {
	__aligned_u64 user_handle;
	__u32 cqe;
	__u32 comp_vector;
};

struct ib_uverbs_cq_create_resp {
	__u32 cqe;
	__u32 reserved;
};

/** struct ib_uverbs_cq_resize_resp - @cqe: the size the CQ now has */
struct ib_uverbs_cq_resize_resp {
	__u32 cqe;
	__u32 reserved;
};

struct ib_uverbs_cq_destroy_resp {
	__u32 comp_events_reported;
	__u32 async_events_reported;
};

/** struct ib_uverbs_wc - one work completion (48 bytes) */
struct ib_uverbs_wc {
	__aligned_u64 wr_id;
	__u32 status;
	__u32 opcode;
	__u32 vendor_err;
	__u32 byte_len;
	__u32 imm_data;
	__u32 qp_num;
	__u32 src_qp;
	__u32 wc_flags;
	__u16 pkey_index;
	__u16 slid;
	__u8 sl;
	__u8 dlid_path_bits;
	__u8 port_num;
	__u8 reserved;
};

/** struct ib_uverbs_ah_attr - an address vector */
struct ib_uverbs_ah_attr {
	struct ib_uverbs_gid dgid;
	__u32 flow_label;
	__u16 dlid;
	__u8 sgid_index;
	__u8 hop_limit;
	__u8 traffic_class;
	__u8 sl;
	__u8 src_path_bits;
	__u8 static_rate;
	__u8 is_global;
	__u8 port_num;
	__u8 reserved[2];
};

/** struct ib_uverbs_qp_cap - queue sizes of a QP */
struct ib_uverbs_qp_cap {
	__u32 max_send_wr;
	__u32 max_recv_wr;
	__u32 max_send_sge;
	__u32 max_recv_sge;
	__u32 max_inline_data;
	__u32 reserved;
};

/**
 * struct ib_uverbs_qp_create_cmd - QP_CREATE input
 * @user_handle: returned in async events of the QP
 * @cap: requested queue sizes
 * @qp_type: &enum ib_uverbs_qp_type
 * @sq_sig_all: every send WR completes signaled
 * @reserved: zero
 */
struct ib_uverbs_qp_create_cmd {
	__aligned_u64 user_handle;
	struct ib_uverbs_qp_cap cap;
	__u8 qp_type;
	__u8 sq_sig_all;
	__u8 reserved[6];
};

struct ib_uverbs_qp_create_resp {
	struct ib_uverbs_qp_cap cap;	/* what the QP really holds */
	__u32 qpn;
	__u32 reserved;
};

/**
 * struct ib_uverbs_qp_attr - QP attributes for MODIFY and QUERY
 * @attr_mask: &enum ib_uverbs_qp_attr_mask: the fields that count
 */
struct ib_uverbs_qp_attr {
	__u32 attr_mask;
	__u32 qkey;
	__u32 rq_psn;
	__u32 sq_psn;
	__u32 dest_qp_num;
	__u32 qp_access_flags;
	struct ib_uverbs_ah_attr ah_attr;
	struct ib_uverbs_ah_attr alt_ah_attr;
	struct ib_uverbs_qp_cap cap;
	__u16 pkey_index;
	__u16 alt_pkey_index;
	__u8 qp_state;
	__u8 cur_qp_state;
	__u8 path_mtu;
	__u8 path_mig_state;
	__u8 en_sqd_async_notify;
	__u8 sq_draining;
	__u8 max_rd_atomic;
	__u8 max_dest_rd_atomic;
	__u8 min_rnr_timer;
	__u8 port_num;
	__u8 timeout;
	__u8 retry_cnt;
	__u8 rnr_retry;
	__u8 alt_port_num;
	__u8 alt_timeout;
	__u8 reserved[5];
};

struct ib_uverbs_qp_query_resp {
	struct ib_uverbs_qp_attr attr;
	__u8 qp_type;
	__u8 sq_sig_all;
	__u8 reserved[6];
};

struct ib_uverbs_qp_destroy_resp {
	__u32 events_reported;
	__u32 reserved;
};

/** struct ib_uverbs_srq_destroy_resp - async events queued about the SRQ */
struct ib_uverbs_srq_destroy_resp {
	__u32 events_reported;
	__u32 reserved;
};

/** struct ib_uverbs_sge - a scatter/gather element */
struct ib_uverbs_sge {
	__aligned_u64 addr;
	__u32 length;
	__u32 lkey;
};

/**
 * struct ib_uverbs_send_wr - a send work request
 * @wr_id: returned in its completion
 * @num_sge: its SGEs, consecutive in the POST_SEND SGE array
 * @opcode: &enum ib_uverbs_wr_opcode
 * @send_flags: &enum ib_uverbs_send_flags
 * @imm_data: for the WITH_IMM opcodes (network order, as in the IB spec)
 * @wr: opcode-specific fields
 */
struct ib_uverbs_send_wr {
	__aligned_u64 wr_id;
	__u32 num_sge;
	__u32 opcode;
	__u32 send_flags;
	__u32 imm_data;
	union {
		struct {
			__aligned_u64 remote_addr;
			__u32 rkey;
			__u32 reserved;
		} rdma;
		struct {
			__aligned_u64 remote_addr;
			__aligned_u64 compare_add;
			__aligned_u64 swap;
			__u32 rkey;
			__u32 reserved;
		} atomic;
		struct {
			__u32 ah;	/* an AH handle */
			__u32 remote_qpn;
			__u32 remote_qkey;
			__u32 reserved;
		} ud;
	} wr;
};

/** struct ib_uverbs_recv_wr - a receive work request */
struct ib_uverbs_recv_wr {
	__aligned_u64 wr_id;
	__u32 num_sge;
	__u32 reserved;
};

/**
 * struct ib_uverbs_srq_create_cmd - SRQ_CREATE input
 * @user_handle: returned in async events of the SRQ
 * @max_wr: requested receive queue depth
 * @max_sge: requested SGEs per receive
 * @srq_limit: SRQ_LIMIT_REACHED fires when fewer WRs remain (0: off)
 * @reserved: zero
 */
struct ib_uverbs_srq_create_cmd {
	__aligned_u64 user_handle;
	__u32 max_wr;
	__u32 max_sge;
	__u32 srq_limit;
	__u32 reserved;
};

struct ib_uverbs_srq_create_resp {
	__u32 max_wr;
	__u32 max_sge;
};

enum ib_uverbs_srq_attr_mask {
	IB_UVERBS_SRQ_MAX_WR = 1 << 0,
	IB_UVERBS_SRQ_LIMIT = 1 << 1,
};

struct ib_uverbs_srq_modify_cmd {
	__u32 attr_mask;
	__u32 max_wr;
	__u32 srq_limit;
	__u32 reserved;
};

/** struct ib_uverbs_comp_event_desc - one completion event */
struct ib_uverbs_comp_event_desc {
	__aligned_u64 cq_handle;	/* the CQ's user_handle */
};

#ifndef __cplusplus
_Static_assert(sizeof(struct ib_uverbs_wc) == 48, "wc is 48 bytes");
_Static_assert(sizeof(struct ib_uverbs_send_wr) == 56, "send wr is 56 bytes");
_Static_assert(sizeof(struct ib_uverbs_sge) == 16, "sge is 16 bytes");
_Static_assert(sizeof(struct ib_uverbs_ah_attr) == 32, "ah_attr is 32 bytes");
_Static_assert(sizeof(struct ib_uverbs_qp_attr) == 136, "qp_attr is 136 bytes");

#endif

#endif /* _UAPI_RDMA_IB_USER_VERBS_H */
