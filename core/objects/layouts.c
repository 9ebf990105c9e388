// SPDX-License-Identifier: MIT
/*
 * How the standard ABI's buffers read: one struct uverbs_layout per ABI
 * struct, and the names of the ABI's enums and flag sets, for decoders
 * (the tracer, the schema dump).  Field and value names come from the
 * ABI's own identifiers (the member, the enum constant without its
 * common prefix), so there is no second spelling of them.  The core
 * never reads these to decide anything.
 */
#include <rdma/ib_verbs_ops.h>
#include <rdma/uverbs_layouts.h>

const char *uverbs_value_name(const struct uverbs_value_name *values,
			      u64 value)
{
	for (; values && values->name; values++)
		if (values->value == value)
			return values->name;
	return NULL;
}

#define V UVERBS_VALUE
#define V_END UVERBS_VALUE_END

const struct uverbs_value_name uverbs_values_access_flags[] = {
	V(IB_UVERBS_ACCESS_, LOCAL_WRITE),
	V(IB_UVERBS_ACCESS_, REMOTE_WRITE),
	V(IB_UVERBS_ACCESS_, REMOTE_READ),
	V(IB_UVERBS_ACCESS_, REMOTE_ATOMIC),
	V_END
};

const struct uverbs_value_name uverbs_values_qp_type[] = {
	V(IB_UVERBS_QPT_, RC),
	V(IB_UVERBS_QPT_, UC),
	V(IB_UVERBS_QPT_, UD),
	V_END
};

const struct uverbs_value_name uverbs_values_qp_state[] = {
	V(IB_UVERBS_QPS_, RESET),
	V(IB_UVERBS_QPS_, INIT),
	V(IB_UVERBS_QPS_, RTR),
	V(IB_UVERBS_QPS_, RTS),
	V(IB_UVERBS_QPS_, SQD),
	V(IB_UVERBS_QPS_, SQE),
	V(IB_UVERBS_QPS_, ERR),
	V_END
};

const struct uverbs_value_name uverbs_values_qp_attr_mask[] = {
	V(IB_UVERBS_QP_, STATE),
	V(IB_UVERBS_QP_, CUR_STATE),
	V(IB_UVERBS_QP_, EN_SQD_ASYNC_NOTIFY),
	V(IB_UVERBS_QP_, ACCESS_FLAGS),
	V(IB_UVERBS_QP_, PKEY_INDEX),
	V(IB_UVERBS_QP_, PORT),
	V(IB_UVERBS_QP_, QKEY),
	V(IB_UVERBS_QP_, AV),
	V(IB_UVERBS_QP_, PATH_MTU),
	V(IB_UVERBS_QP_, TIMEOUT),
	V(IB_UVERBS_QP_, RETRY_CNT),
	V(IB_UVERBS_QP_, RNR_RETRY),
	V(IB_UVERBS_QP_, RQ_PSN),
	V(IB_UVERBS_QP_, MAX_QP_RD_ATOMIC),
	V(IB_UVERBS_QP_, ALT_PATH),
	V(IB_UVERBS_QP_, MIN_RNR_TIMER),
	V(IB_UVERBS_QP_, SQ_PSN),
	V(IB_UVERBS_QP_, MAX_DEST_RD_ATOMIC),
	V(IB_UVERBS_QP_, PATH_MIG_STATE),
	V(IB_UVERBS_QP_, CAP),
	V(IB_UVERBS_QP_, DEST_QPN),
	V_END
};

const struct uverbs_value_name uverbs_values_mtu[] = {
	V(IB_UVERBS_MTU_, 256),
	V(IB_UVERBS_MTU_, 512),
	V(IB_UVERBS_MTU_, 1024),
	V(IB_UVERBS_MTU_, 2048),
	V(IB_UVERBS_MTU_, 4096),
	V_END
};

const struct uverbs_value_name uverbs_values_wr_opcode[] = {
	V(IB_UVERBS_WR_, RDMA_WRITE),
	V(IB_UVERBS_WR_, RDMA_WRITE_WITH_IMM),
	V(IB_UVERBS_WR_, SEND),
	V(IB_UVERBS_WR_, SEND_WITH_IMM),
	V(IB_UVERBS_WR_, RDMA_READ),
	V(IB_UVERBS_WR_, ATOMIC_CMP_AND_SWP),
	V(IB_UVERBS_WR_, ATOMIC_FETCH_AND_ADD),
	V_END
};

const struct uverbs_value_name uverbs_values_send_flags[] = {
	V(IB_UVERBS_SEND_, FENCE),
	V(IB_UVERBS_SEND_, SIGNALED),
	V(IB_UVERBS_SEND_, SOLICITED),
	V(IB_UVERBS_SEND_, INLINE),
	V_END
};

const struct uverbs_value_name uverbs_values_wc_status[] = {
	V(IB_UVERBS_WC_, SUCCESS),
	V(IB_UVERBS_WC_, LOC_LEN_ERR),
	V(IB_UVERBS_WC_, LOC_QP_OP_ERR),
	V(IB_UVERBS_WC_, LOC_EEC_OP_ERR),
	V(IB_UVERBS_WC_, LOC_PROT_ERR),
	V(IB_UVERBS_WC_, WR_FLUSH_ERR),
	V(IB_UVERBS_WC_, MW_BIND_ERR),
	V(IB_UVERBS_WC_, BAD_RESP_ERR),
	V(IB_UVERBS_WC_, LOC_ACCESS_ERR),
	V(IB_UVERBS_WC_, REM_INV_REQ_ERR),
	V(IB_UVERBS_WC_, REM_ACCESS_ERR),
	V(IB_UVERBS_WC_, REM_OP_ERR),
	V(IB_UVERBS_WC_, RETRY_EXC_ERR),
	V(IB_UVERBS_WC_, RNR_RETRY_EXC_ERR),
	V(IB_UVERBS_WC_, LOC_RDD_VIOL_ERR),
	V(IB_UVERBS_WC_, REM_INV_RD_REQ_ERR),
	V(IB_UVERBS_WC_, REM_ABORT_ERR),
	V(IB_UVERBS_WC_, INV_EECN_ERR),
	V(IB_UVERBS_WC_, INV_EEC_STATE_ERR),
	V(IB_UVERBS_WC_, FATAL_ERR),
	V(IB_UVERBS_WC_, RESP_TIMEOUT_ERR),
	V(IB_UVERBS_WC_, GENERAL_ERR),
	V_END
};

const struct uverbs_value_name uverbs_values_wc_opcode[] = {
	V(IB_UVERBS_WC_, SEND),
	V(IB_UVERBS_WC_, RDMA_WRITE),
	V(IB_UVERBS_WC_, RDMA_READ),
	V(IB_UVERBS_WC_, COMP_SWAP),
	V(IB_UVERBS_WC_, FETCH_ADD),
	V(IB_UVERBS_WC_, RECV),
	V(IB_UVERBS_WC_, RECV_RDMA_WITH_IMM),
	V_END
};

const struct uverbs_value_name uverbs_values_wc_flags[] = {
	V(IB_UVERBS_WC_, GRH),
	V(IB_UVERBS_WC_, WITH_IMM),
	V_END
};

const struct uverbs_value_name uverbs_values_port_state[] = {
	V(IB_UVERBS_PORT_, DOWN),
	V(IB_UVERBS_PORT_, INIT),
	V(IB_UVERBS_PORT_, ARMED),
	V(IB_UVERBS_PORT_, ACTIVE),
	V_END
};

const struct uverbs_value_name uverbs_values_srq_attr_mask[] = {
	V(IB_UVERBS_SRQ_, MAX_WR),
	V(IB_UVERBS_SRQ_, LIMIT),
	V_END
};

const struct uverbs_value_name uverbs_values_event_type[] = {
	V(IB_UVERBS_EVENT_, CQ_ERR),
	V(IB_UVERBS_EVENT_, QP_FATAL),
	V(IB_UVERBS_EVENT_, QP_REQ_ERR),
	V(IB_UVERBS_EVENT_, QP_ACCESS_ERR),
	V(IB_UVERBS_EVENT_, COMM_EST),
	V(IB_UVERBS_EVENT_, SQ_DRAINED),
	V(IB_UVERBS_EVENT_, PATH_MIG),
	V(IB_UVERBS_EVENT_, PATH_MIG_ERR),
	V(IB_UVERBS_EVENT_, DEVICE_FATAL),
	V(IB_UVERBS_EVENT_, PORT_ACTIVE),
	V(IB_UVERBS_EVENT_, PORT_ERR),
	V(IB_UVERBS_EVENT_, LID_CHANGE),
	V(IB_UVERBS_EVENT_, PKEY_CHANGE),
	V(IB_UVERBS_EVENT_, SM_CHANGE),
	V(IB_UVERBS_EVENT_, SRQ_ERR),
	V(IB_UVERBS_EVENT_, SRQ_LIMIT_REACHED),
	V(IB_UVERBS_EVENT_, QP_LAST_WQE_REACHED),
	V(IB_UVERBS_EVENT_, CLIENT_REREGISTER),
	V(IB_UVERBS_EVENT_, GID_CHANGE),
	V_END
};

/* --- scalars ----------------------------------------------------------- */

#define SCALAR(_var, _name, _type, _kind, _values)                         \
	static const struct uverbs_field _var##_fields[] = {               \
		{ .size = sizeof(_type), .kind = UVERBS_FIELD_##_kind,     \
		  .values = (_values) },                                   \
	};                                                                 \
	const struct uverbs_layout _var = {                                \
		.name = _name, .size = sizeof(_type),                      \
		.fields = _var##_fields, .num_fields = 1,                  \
	}

SCALAR(uverbs_layout_u8, "u8", u8, UINT, NULL);
SCALAR(uverbs_layout_u16, "u16", u16, UINT, NULL);
SCALAR(uverbs_layout_u32, "u32", u32, UINT, NULL);
SCALAR(uverbs_layout_u64, "u64", u64, UINT, NULL);
SCALAR(uverbs_layout_bytes, "u8", u8, BYTES, NULL);
SCALAR(uverbs_layout_pkey, "u16", u16, HEX, NULL);
SCALAR(uverbs_layout_qp_attr_mask, "u32", u32, FLAGS,
       uverbs_values_qp_attr_mask);

/* --- structs ----------------------------------------------------------- */

#define LAYOUT(_var, _s, ...)                                              \
	static const struct uverbs_field _var##_fields[] = { __VA_ARGS__ }; \
	const struct uverbs_layout _var = UVERBS_LAYOUT(_s, _var##_fields)

#define F(_s, _f, _kind) UVERBS_FIELD(_s, _f, _kind)
#define FV(_s, _f, _kind, _v) UVERBS_FIELD_VALUES(_s, _f, _kind, _v)
#define FS(_s, _f, _l) UVERBS_FIELD_STRUCT(_s, _f, _l)

LAYOUT(uverbs_layout_get_context_resp, ib_uverbs_get_context_resp,
	F(ib_uverbs_get_context_resp, num_comp_vectors, UINT),
	F(ib_uverbs_get_context_resp, num_ports, UINT));

#define QD(_f, _k) F(ib_uverbs_query_device_resp, _f, _k)
LAYOUT(uverbs_layout_query_device_resp, ib_uverbs_query_device_resp,
	QD(fw_ver, HEX), QD(node_guid, HEX), QD(sys_image_guid, HEX),
	QD(max_mr_size, UINT), QD(page_size_cap, HEX), QD(vendor_id, HEX),
	QD(vendor_part_id, UINT), QD(hw_ver, UINT), QD(max_qp, UINT),
	QD(max_qp_wr, UINT), QD(device_cap_flags, HEX), QD(max_sge, UINT),
	QD(max_sge_rd, UINT), QD(max_cq, UINT), QD(max_cqe, UINT),
	QD(max_mr, UINT), QD(max_pd, UINT), QD(max_qp_rd_atom, UINT),
	QD(max_qp_init_rd_atom, UINT), QD(max_res_rd_atom, UINT),
	QD(atomic_cap, UINT), QD(max_ah, UINT), QD(max_srq, UINT),
	QD(max_srq_wr, UINT), QD(max_srq_sge, UINT),
	QD(max_inline_data, UINT), QD(max_pkeys, UINT),
	QD(local_ca_ack_delay, UINT), QD(phys_port_cnt, UINT));

#define QP(_f, _k) F(ib_uverbs_query_port_resp, _f, _k)
LAYOUT(uverbs_layout_query_port_resp, ib_uverbs_query_port_resp,
	QP(port_cap_flags, HEX), QP(max_msg_sz, UINT),
	QP(bad_pkey_cntr, UINT), QP(qkey_viol_cntr, UINT),
	QP(gid_tbl_len, UINT), QP(pkey_tbl_len, UINT), QP(lid, UINT),
	QP(sm_lid, UINT),
	FV(ib_uverbs_query_port_resp, state, ENUM, uverbs_values_port_state),
	FV(ib_uverbs_query_port_resp, max_mtu, ENUM, uverbs_values_mtu),
	FV(ib_uverbs_query_port_resp, active_mtu, ENUM, uverbs_values_mtu),
	QP(lmc, UINT), QP(max_vl_num, UINT), QP(sm_sl, UINT),
	QP(subnet_timeout, UINT), QP(init_type_reply, UINT),
	QP(active_width, UINT), QP(active_speed, UINT), QP(phys_state, UINT),
	QP(link_layer, UINT));

LAYOUT(uverbs_layout_gid, ib_uverbs_gid,
	F(ib_uverbs_gid, raw, BYTES));

LAYOUT(uverbs_layout_mr_reg_cmd, ib_uverbs_mr_reg_cmd,
	F(ib_uverbs_mr_reg_cmd, start, HEX),
	F(ib_uverbs_mr_reg_cmd, length, UINT),
	F(ib_uverbs_mr_reg_cmd, hca_va, HEX),
	FV(ib_uverbs_mr_reg_cmd, access_flags, FLAGS,
	   uverbs_values_access_flags));

LAYOUT(uverbs_layout_mr_reg_resp, ib_uverbs_mr_reg_resp,
	F(ib_uverbs_mr_reg_resp, lkey, HEX),
	F(ib_uverbs_mr_reg_resp, rkey, HEX));

LAYOUT(uverbs_layout_cq_create_cmd, ib_uverbs_cq_create_cmd,
	F(ib_uverbs_cq_create_cmd, user_handle, HEX),
	F(ib_uverbs_cq_create_cmd, cqe, UINT),
	F(ib_uverbs_cq_create_cmd, comp_vector, UINT));

LAYOUT(uverbs_layout_cq_create_resp, ib_uverbs_cq_create_resp,
	F(ib_uverbs_cq_create_resp, cqe, UINT));

LAYOUT(uverbs_layout_cq_resize_resp, ib_uverbs_cq_resize_resp,
	F(ib_uverbs_cq_resize_resp, cqe, UINT));

LAYOUT(uverbs_layout_cq_destroy_resp, ib_uverbs_cq_destroy_resp,
	F(ib_uverbs_cq_destroy_resp, comp_events_reported, UINT),
	F(ib_uverbs_cq_destroy_resp, async_events_reported, UINT));

#define WC(_f, _k) F(ib_uverbs_wc, _f, _k)
LAYOUT(uverbs_layout_wc, ib_uverbs_wc,
	WC(wr_id, HEX),
	FV(ib_uverbs_wc, status, ENUM, uverbs_values_wc_status),
	FV(ib_uverbs_wc, opcode, ENUM, uverbs_values_wc_opcode),
	WC(vendor_err, HEX), WC(byte_len, UINT), WC(imm_data, HEX),
	WC(qp_num, UINT), WC(src_qp, UINT),
	FV(ib_uverbs_wc, wc_flags, FLAGS, uverbs_values_wc_flags),
	WC(pkey_index, UINT), WC(slid, UINT), WC(sl, UINT),
	WC(dlid_path_bits, UINT), WC(port_num, UINT));

#define AH(_f, _k) F(ib_uverbs_ah_attr, _f, _k)
LAYOUT(uverbs_layout_ah_attr, ib_uverbs_ah_attr,
	AH(dgid, BYTES), AH(flow_label, HEX), AH(dlid, UINT),
	AH(sgid_index, UINT), AH(hop_limit, UINT), AH(traffic_class, UINT),
	AH(sl, UINT), AH(src_path_bits, UINT), AH(static_rate, UINT),
	AH(is_global, UINT), AH(port_num, UINT));

#define CAP(_f) F(ib_uverbs_qp_cap, _f, UINT)
LAYOUT(uverbs_layout_qp_cap, ib_uverbs_qp_cap,
	CAP(max_send_wr), CAP(max_recv_wr), CAP(max_send_sge),
	CAP(max_recv_sge), CAP(max_inline_data));

LAYOUT(uverbs_layout_qp_create_cmd, ib_uverbs_qp_create_cmd,
	F(ib_uverbs_qp_create_cmd, user_handle, HEX),
	FS(ib_uverbs_qp_create_cmd, cap, uverbs_layout_qp_cap),
	FV(ib_uverbs_qp_create_cmd, qp_type, ENUM, uverbs_values_qp_type),
	F(ib_uverbs_qp_create_cmd, sq_sig_all, UINT));

LAYOUT(uverbs_layout_qp_create_resp, ib_uverbs_qp_create_resp,
	FS(ib_uverbs_qp_create_resp, cap, uverbs_layout_qp_cap),
	F(ib_uverbs_qp_create_resp, qpn, UINT));

#define QA(_f, _k) F(ib_uverbs_qp_attr, _f, _k)
LAYOUT(uverbs_layout_qp_attr, ib_uverbs_qp_attr,
	FV(ib_uverbs_qp_attr, attr_mask, FLAGS, uverbs_values_qp_attr_mask),
	QA(qkey, HEX), QA(rq_psn, UINT), QA(sq_psn, UINT),
	QA(dest_qp_num, UINT),
	FV(ib_uverbs_qp_attr, qp_access_flags, FLAGS,
	   uverbs_values_access_flags),
	FS(ib_uverbs_qp_attr, ah_attr, uverbs_layout_ah_attr),
	FS(ib_uverbs_qp_attr, alt_ah_attr, uverbs_layout_ah_attr),
	FS(ib_uverbs_qp_attr, cap, uverbs_layout_qp_cap),
	QA(pkey_index, UINT), QA(alt_pkey_index, UINT),
	FV(ib_uverbs_qp_attr, qp_state, ENUM, uverbs_values_qp_state),
	FV(ib_uverbs_qp_attr, cur_qp_state, ENUM, uverbs_values_qp_state),
	FV(ib_uverbs_qp_attr, path_mtu, ENUM, uverbs_values_mtu),
	QA(path_mig_state, UINT), QA(en_sqd_async_notify, UINT),
	QA(sq_draining, UINT), QA(max_rd_atomic, UINT),
	QA(max_dest_rd_atomic, UINT), QA(min_rnr_timer, UINT),
	QA(port_num, UINT), QA(timeout, UINT), QA(retry_cnt, UINT),
	QA(rnr_retry, UINT), QA(alt_port_num, UINT), QA(alt_timeout, UINT));

LAYOUT(uverbs_layout_qp_query_resp, ib_uverbs_qp_query_resp,
	FS(ib_uverbs_qp_query_resp, attr, uverbs_layout_qp_attr),
	FV(ib_uverbs_qp_query_resp, qp_type, ENUM, uverbs_values_qp_type),
	F(ib_uverbs_qp_query_resp, sq_sig_all, UINT));

LAYOUT(uverbs_layout_qp_destroy_resp, ib_uverbs_qp_destroy_resp,
	F(ib_uverbs_qp_destroy_resp, events_reported, UINT));

LAYOUT(uverbs_layout_srq_destroy_resp, ib_uverbs_srq_destroy_resp,
	F(ib_uverbs_srq_destroy_resp, events_reported, UINT));

LAYOUT(uverbs_layout_sge, ib_uverbs_sge,
	F(ib_uverbs_sge, addr, HEX),
	F(ib_uverbs_sge, length, UINT),
	F(ib_uverbs_sge, lkey, HEX));

/*
 * The send WR's union: one layout per member, all three at the union's
 * offset (fields at one offset are a union's members): a decoder shows
 * the one the opcode uses (RDMA_*: rdma, ATOMIC_*: atomic, a UD QP's
 * SEND: ud) or each.
 */
struct uverbs_send_wr_rdma {
	__aligned_u64 remote_addr;
	__u32 rkey;
	__u32 reserved;
};
struct uverbs_send_wr_atomic {
	__aligned_u64 remote_addr;
	__aligned_u64 compare_add;
	__aligned_u64 swap;
	__u32 rkey;
	__u32 reserved;
};
struct uverbs_send_wr_ud {
	__u32 ah;
	__u32 remote_qpn;
	__u32 remote_qkey;
	__u32 reserved;
};

#define SAME_SIZE(_m, _t)                                                  \
	_Static_assert(sizeof(((struct ib_uverbs_send_wr *)0)->wr._m) ==   \
		       sizeof(struct _t), "the union member's layout")
SAME_SIZE(rdma, uverbs_send_wr_rdma);
SAME_SIZE(atomic, uverbs_send_wr_atomic);
SAME_SIZE(ud, uverbs_send_wr_ud);

static const struct uverbs_field send_wr_rdma_fields[] = {
	F(uverbs_send_wr_rdma, remote_addr, HEX),
	F(uverbs_send_wr_rdma, rkey, HEX),
};
static const struct uverbs_layout send_wr_rdma = {
	.name = "rdma", .size = sizeof(struct uverbs_send_wr_rdma),
	.fields = send_wr_rdma_fields,
	.num_fields = ARRAY_SIZE(send_wr_rdma_fields),
};

static const struct uverbs_field send_wr_atomic_fields[] = {
	F(uverbs_send_wr_atomic, remote_addr, HEX),
	F(uverbs_send_wr_atomic, compare_add, HEX),
	F(uverbs_send_wr_atomic, swap, HEX),
	F(uverbs_send_wr_atomic, rkey, HEX),
};
static const struct uverbs_layout send_wr_atomic = {
	.name = "atomic", .size = sizeof(struct uverbs_send_wr_atomic),
	.fields = send_wr_atomic_fields,
	.num_fields = ARRAY_SIZE(send_wr_atomic_fields),
};

static const struct uverbs_field send_wr_ud_fields[] = {
	F(uverbs_send_wr_ud, ah, HANDLE),
	F(uverbs_send_wr_ud, remote_qpn, UINT),
	F(uverbs_send_wr_ud, remote_qkey, HEX),
};
static const struct uverbs_layout send_wr_ud = {
	.name = "ud", .size = sizeof(struct uverbs_send_wr_ud),
	.fields = send_wr_ud_fields,
	.num_fields = ARRAY_SIZE(send_wr_ud_fields),
};

LAYOUT(uverbs_layout_send_wr, ib_uverbs_send_wr,
	F(ib_uverbs_send_wr, wr_id, HEX),
	F(ib_uverbs_send_wr, num_sge, UINT),
	FV(ib_uverbs_send_wr, opcode, ENUM, uverbs_values_wr_opcode),
	FV(ib_uverbs_send_wr, send_flags, FLAGS, uverbs_values_send_flags),
	F(ib_uverbs_send_wr, imm_data, HEX),
	FS(ib_uverbs_send_wr, wr.rdma, send_wr_rdma),
	FS(ib_uverbs_send_wr, wr.atomic, send_wr_atomic),
	FS(ib_uverbs_send_wr, wr.ud, send_wr_ud));

LAYOUT(uverbs_layout_recv_wr, ib_uverbs_recv_wr,
	F(ib_uverbs_recv_wr, wr_id, HEX),
	F(ib_uverbs_recv_wr, num_sge, UINT));

LAYOUT(uverbs_layout_srq_create_cmd, ib_uverbs_srq_create_cmd,
	F(ib_uverbs_srq_create_cmd, user_handle, HEX),
	F(ib_uverbs_srq_create_cmd, max_wr, UINT),
	F(ib_uverbs_srq_create_cmd, max_sge, UINT),
	F(ib_uverbs_srq_create_cmd, srq_limit, UINT));

LAYOUT(uverbs_layout_srq_create_resp, ib_uverbs_srq_create_resp,
	F(ib_uverbs_srq_create_resp, max_wr, UINT),
	F(ib_uverbs_srq_create_resp, max_sge, UINT));

LAYOUT(uverbs_layout_srq_modify_cmd, ib_uverbs_srq_modify_cmd,
	FV(ib_uverbs_srq_modify_cmd, attr_mask, FLAGS,
	   uverbs_values_srq_attr_mask),
	F(ib_uverbs_srq_modify_cmd, max_wr, UINT),
	F(ib_uverbs_srq_modify_cmd, srq_limit, UINT));

LAYOUT(uverbs_layout_comp_event_desc, ib_uverbs_comp_event_desc,
	F(ib_uverbs_comp_event_desc, cq_handle, HEX));

LAYOUT(uverbs_layout_async_event_desc, ib_uverbs_async_event_desc,
	F(ib_uverbs_async_event_desc, element, HEX),
	FV(ib_uverbs_async_event_desc, event_type, ENUM,
	   uverbs_values_event_type));
