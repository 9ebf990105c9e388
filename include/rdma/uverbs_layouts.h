/* SPDX-License-Identifier: MIT */
/*
 * The layouts of the standard ABI's buffers (<rdma/ib_user_verbs.h>,
 * <rdma/ib_user_ioctl_verbs.h>) and the names of its enums and flag sets:
 * what the standard attribute specs point their .layout at, and what a
 * driver's own specs reuse for scalars.  Written once per struct, next
 * to nothing else (core/objects/layouts.c); a decoder reads them through
 * the spec tables, or directly for the value names.
 */
#ifndef _RDMA_UVERBS_LAYOUTS_H
#define _RDMA_UVERBS_LAYOUTS_H

#include <rdma/uverbs_ioctl.h>

/* Value names, each list ending with a NULL name. */
extern const struct uverbs_value_name uverbs_values_access_flags[];
extern const struct uverbs_value_name uverbs_values_qp_type[];
extern const struct uverbs_value_name uverbs_values_qp_state[];
extern const struct uverbs_value_name uverbs_values_qp_attr_mask[];
extern const struct uverbs_value_name uverbs_values_mtu[];
extern const struct uverbs_value_name uverbs_values_wr_opcode[];
extern const struct uverbs_value_name uverbs_values_send_flags[];
extern const struct uverbs_value_name uverbs_values_wc_status[];
extern const struct uverbs_value_name uverbs_values_wc_opcode[];
extern const struct uverbs_value_name uverbs_values_wc_flags[];
extern const struct uverbs_value_name uverbs_values_port_state[];
extern const struct uverbs_value_name uverbs_values_srq_attr_mask[];
extern const struct uverbs_value_name uverbs_values_event_type[];

/**
 * uverbs_value_name() - the name of one value in a list of value names
 * @values: a list ending with a NULL name
 * @value: the value (or one flag bit)
 * Return: its name, or NULL if the list has none for it.
 */
const char *uverbs_value_name(const struct uverbs_value_name *values,
			      u64 value);

/* Scalars: one field with a NULL name. */
extern const struct uverbs_layout uverbs_layout_u8;
extern const struct uverbs_layout uverbs_layout_u16;
extern const struct uverbs_layout uverbs_layout_u32;
extern const struct uverbs_layout uverbs_layout_u64;
/* Bytes without structure, one per element (a flexible buffer). */
extern const struct uverbs_layout uverbs_layout_bytes;
/* A u16 P_Key, in hex. */
extern const struct uverbs_layout uverbs_layout_pkey;
/* A u32 QP attribute mask (QP_QUERY's MASK). */
extern const struct uverbs_layout uverbs_layout_qp_attr_mask;

/* Structs, by their ABI name without ib_uverbs_. */
extern const struct uverbs_layout uverbs_layout_get_context_resp;
extern const struct uverbs_layout uverbs_layout_query_device_resp;
extern const struct uverbs_layout uverbs_layout_query_port_resp;
extern const struct uverbs_layout uverbs_layout_gid;
extern const struct uverbs_layout uverbs_layout_mr_reg_cmd;
extern const struct uverbs_layout uverbs_layout_mr_reg_resp;
extern const struct uverbs_layout uverbs_layout_cq_create_cmd;
extern const struct uverbs_layout uverbs_layout_cq_create_resp;
extern const struct uverbs_layout uverbs_layout_cq_resize_resp;
extern const struct uverbs_layout uverbs_layout_cq_destroy_resp;
extern const struct uverbs_layout uverbs_layout_wc;
extern const struct uverbs_layout uverbs_layout_ah_attr;
extern const struct uverbs_layout uverbs_layout_qp_cap;
extern const struct uverbs_layout uverbs_layout_qp_create_cmd;
extern const struct uverbs_layout uverbs_layout_qp_create_resp;
extern const struct uverbs_layout uverbs_layout_qp_attr;
extern const struct uverbs_layout uverbs_layout_qp_query_resp;
extern const struct uverbs_layout uverbs_layout_qp_destroy_resp;
extern const struct uverbs_layout uverbs_layout_srq_destroy_resp;
extern const struct uverbs_layout uverbs_layout_sge;
extern const struct uverbs_layout uverbs_layout_send_wr;
extern const struct uverbs_layout uverbs_layout_recv_wr;
extern const struct uverbs_layout uverbs_layout_srq_create_cmd;
extern const struct uverbs_layout uverbs_layout_srq_create_resp;
extern const struct uverbs_layout uverbs_layout_srq_modify_cmd;
extern const struct uverbs_layout uverbs_layout_comp_event_desc;
extern const struct uverbs_layout uverbs_layout_async_event_desc;

/*
 * A value's name from its enum constant: UVERBS_VALUE(IB_UVERBS_QPS_, RTS)
 * is { IB_UVERBS_QPS_RTS, "RTS" }.  A list ends with UVERBS_VALUE_END.
 */
#define UVERBS_VALUE(_prefix, _name) { _prefix##_name, #_name }
#define UVERBS_VALUE_END { 0, NULL }

/*
 * Helpers for a layout table: a field of struct @_s named and sized by
 * the member @_f itself (so the name is the ABI's), of kind @_kind.
 */
#define UVERBS_FIELD(_s, _f, _kind)                                        \
	{ .name = #_f, .offset = offsetof(struct _s, _f),                  \
	  .size = sizeof(((struct _s *)0)->_f),                            \
	  .kind = UVERBS_FIELD_##_kind }

/* An ENUM or FLAGS field whose values @_values name. */
#define UVERBS_FIELD_VALUES(_s, _f, _kind, _values)                        \
	{ .name = #_f, .offset = offsetof(struct _s, _f),                  \
	  .size = sizeof(((struct _s *)0)->_f),                            \
	  .kind = UVERBS_FIELD_##_kind, .values = (_values) }

/* A nested struct (or a union's member) read with @_layout. */
#define UVERBS_FIELD_STRUCT(_s, _f, _layout)                               \
	{ .name = #_f, .offset = offsetof(struct _s, _f),                  \
	  .size = sizeof(((struct _s *)0)->_f),                            \
	  .kind = UVERBS_FIELD_STRUCT, .layout = &(_layout) }

/* The layout of struct @_s (named "_s") from the array @_fields. */
#define UVERBS_LAYOUT(_s, _fields)                                         \
	{ .name = #_s, .size = sizeof(struct _s), .fields = (_fields),     \
	  .num_fields = ARRAY_SIZE(_fields) }

#endif /* _RDMA_UVERBS_LAYOUTS_H */
