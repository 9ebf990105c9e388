/* SPDX-License-Identifier: MIT */
/*
 * The schema blob: what DEVICE's QUERY_SCHEMA action returns, a
 * description of the device's whole types table (every type, action,
 * chain and attribute spec, with names and buffer layouts), so that a
 * client can learn what a device accepts from the device itself.
 *
 * The blob is a header followed by records, back to back, each 8-byte
 * aligned, up to hdr.total_len:
 *
 *	ib_uverbs_schema_hdr
 *	DRIVER                          the driver's name
 *	TYPE    (one per filled slot, by id)
 *	  ACTION  (one per filled slot of that type, by id)
 *	    CHAIN   (one per chain: 0 common, 1 vendor)
 *	      ATTR    (one per filled id of that chain, by id)
 *	LAYOUT  (every layout an ATTR or FIELD names, by index)
 *	  FIELD   (its fields, in table order)
 *	    VALUE   (the field's value or flag names)
 *
 * A record belongs to the nearest record of its parent kind before it;
 * the parents' counts say how many children follow.  A record is a
 * struct ib_uverbs_schema_rec, its body (the kind's struct, body_len
 * bytes), then name_len bytes of name (no NUL; 0 means no name), zero
 * padded to a multiple of 8: its size is
 * IB_UVERBS_SCHEMA_REC_SIZE(body_len, name_len).
 *
 * Compatibility: within a version, a later writer may lengthen a body
 * (a reader ignores the bytes it does not know, and zero-fills a body
 * shorter than it knows) and add record kinds (a reader skips a kind it
 * does not know, with what it contains).  Anything else changes
 * IB_UVERBS_SCHEMA_VERSION.  Numbers are in the host's byte order.
 * docs/schema.md describes the format and the tools that read it.
 */
#ifndef _UAPI_RDMA_IB_USER_SCHEMA_H
#define _UAPI_RDMA_IB_USER_SCHEMA_H

#include <linux/types.h>

/* "UVSC" read as a little-endian __u32. */
#define IB_UVERBS_SCHEMA_MAGIC 0x43535655u
#define IB_UVERBS_SCHEMA_VERSION 1

/**
 * struct ib_uverbs_schema_hdr - the blob's first bytes
 * @magic: %IB_UVERBS_SCHEMA_MAGIC
 * @version: %IB_UVERBS_SCHEMA_VERSION
 * @hdr_len: this header's size as the writer knew it; records start here
 * @total_len: the whole blob, this header included
 * @driver_id: the id every other command to the device must carry
 * @num_types: entries of the types table, empty slots included
 * @num_layouts: LAYOUT records; ATTR and FIELD records name them by
 *	index (0 .. @num_layouts - 1)
 * @reserved: zero
 */
struct ib_uverbs_schema_hdr {
	__u32 magic;
	__u16 version;
	__u16 hdr_len;
	__u32 total_len;
	__u16 driver_id;
	__u16 num_types;
	__u32 num_layouts;
	__u32 reserved;
};

/* Record kinds: ib_uverbs_schema_rec.kind. */
enum ib_uverbs_schema_kind {
	IB_UVERBS_SCHEMA_DRIVER = 1,	/* no body; the driver's name */
	IB_UVERBS_SCHEMA_TYPE,		/* ib_uverbs_schema_type */
	IB_UVERBS_SCHEMA_ACTION,	/* ib_uverbs_schema_action */
	IB_UVERBS_SCHEMA_CHAIN,		/* ib_uverbs_schema_chain */
	IB_UVERBS_SCHEMA_ATTR,		/* ib_uverbs_schema_attr */
	IB_UVERBS_SCHEMA_LAYOUT,	/* ib_uverbs_schema_layout */
	IB_UVERBS_SCHEMA_FIELD,		/* ib_uverbs_schema_field */
	IB_UVERBS_SCHEMA_VALUE,		/* ib_uverbs_schema_value */
};

/**
 * struct ib_uverbs_schema_rec - the head of every record
 * @kind: an &enum ib_uverbs_schema_kind
 * @body_len: bytes of the kind's struct that follow
 * @name_len: bytes of name after the body, without a NUL; 0: no name
 * @reserved: zero
 */
struct ib_uverbs_schema_rec {
	__u16 kind;
	__u16 body_len;
	__u16 name_len;
	__u16 reserved;
};

/* A record's size: head, body and name, padded to 8 bytes. */
#define IB_UVERBS_SCHEMA_REC_SIZE(body_len, name_len) \
	((8u + (unsigned int)(body_len) + (unsigned int)(name_len) + 7u) & ~7u)

/* ib_uverbs_schema_type.flags */
#define IB_UVERBS_SCHEMA_TYPE_OBJECTS 0x1	/* it has objects (obj ops) */
#define IB_UVERBS_SCHEMA_TYPE_FD 0x2		/* named by fds, not handles */

/**
 * struct ib_uverbs_schema_type - TYPE: one filled slot of the types table
 * @type_id: its index (the header's object_type)
 * @num_actions: entries of its actions table, empty slots included
 * @flags: %IB_UVERBS_SCHEMA_TYPE_*
 * @num_filled: ACTION records that follow (its filled slots)
 *
 * The name is the type's ("PD").
 */
struct ib_uverbs_schema_type {
	__u16 type_id;
	__u16 num_actions;
	__u16 flags;
	__u16 num_filled;
};

/* ib_uverbs_schema_action.flags */
#define IB_UVERBS_SCHEMA_ACTION_AFTER_REMOVAL 0x1 /* served after removal */
#define IB_UVERBS_SCHEMA_ACTION_USER_MEMORY 0x2	/* reaches caller memory */

/**
 * struct ib_uverbs_schema_action - ACTION: one filled slot of a type
 * @action_id: its index (the header's action)
 * @num_chains: CHAIN records that follow: 1, or 2 with a vendor chain
 * @flags: %IB_UVERBS_SCHEMA_ACTION_*
 * @reserved: zero
 *
 * The name is the action's ("PD_ALLOC").
 */
struct ib_uverbs_schema_action {
	__u16 action_id;
	__u16 num_chains;
	__u16 flags;
	__u16 reserved;
};

/**
 * struct ib_uverbs_schema_chain - CHAIN: one attribute namespace
 * @chain: 0 for the common chain, 1 for the vendor chain (attribute ids
 *	with %UVERBS_VENDOR_FLAG)
 * @num_attrs: entries of the chain, empty ids included
 * @num_filled: ATTR records that follow
 * @reserved: zero
 */
struct ib_uverbs_schema_chain {
	__u16 chain;
	__u16 num_attrs;
	__u16 num_filled;
	__u16 reserved;
};

/* ib_uverbs_schema_attr.flags */
#define IB_UVERBS_SCHEMA_ATTR_MANDATORY 0x1
#define IB_UVERBS_SCHEMA_ATTR_COPY_ON_ERROR 0x2
#define IB_UVERBS_SCHEMA_ATTR_PARENT 0x4	/* idr.parent */

/* ib_uverbs_schema_attr.layout and ib_uverbs_schema_field.layout: none. */
#define IB_UVERBS_SCHEMA_NO_LAYOUT 0xffffffffu

/**
 * struct ib_uverbs_schema_attr - ATTR: one attribute spec
 * @attr_id: its id in the chain, without %UVERBS_VENDOR_FLAG
 * @type: the spec's type (PTR_IN 1, PTR_OUT 2, IDR 3, FD 4)
 * @flags: %IB_UVERBS_SCHEMA_ATTR_*
 * @min_len: PTR: the shortest length accepted
 * @max_len: PTR: the longest length accepted
 * @idr_type: IDR/FD: the object type
 * @idr_access: IDR/FD: READ 1, WRITE 2, NEW 3, DESTROY 4
 * @reserved: zero
 * @layout: PTR: the index of its LAYOUT, or %IB_UVERBS_SCHEMA_NO_LAYOUT
 *
 * The name is the attribute's ("PD_HANDLE").
 */
struct ib_uverbs_schema_attr {
	__u16 attr_id;
	__u8 type;
	__u8 flags;
	__u16 min_len;
	__u16 max_len;
	__u16 idr_type;
	__u8 idr_access;
	__u8 reserved;
	__u32 layout;
};

/**
 * struct ib_uverbs_schema_layout - LAYOUT: how a buffer's bytes read
 * @index: its index, counting from 0 in the order of the records
 * @size: the struct's size (a buffer holds len / @size of them)
 * @num_fields: FIELD records that follow
 *
 * The name is the ABI struct's ("ib_uverbs_qp_cap") or a scalar's ("u32").
 */
struct ib_uverbs_schema_layout {
	__u32 index;
	__u16 size;
	__u16 num_fields;
};

/**
 * struct ib_uverbs_schema_field - FIELD: one field of a layout
 * @offset: its offset in the struct
 * @size: bytes of one element
 * @count: elements in a row; 0 means 1
 * @kind: UINT 0, INT 1, HEX 2, ENUM 3, FLAGS 4, BYTES 5, HANDLE 6, STRUCT 7
 * @reserved: zero
 * @layout: STRUCT: the nested LAYOUT's index, else
 *	%IB_UVERBS_SCHEMA_NO_LAYOUT
 * @num_values: VALUE records that follow (ENUM and FLAGS)
 *
 * The name is the field's ("max_send_wr"); none for a scalar buffer's
 * only field.
 */
struct ib_uverbs_schema_field {
	__u16 offset;
	__u16 size;
	__u16 count;
	__u8 kind;
	__u8 reserved;
	__u32 layout;
	__u32 num_values;
};

/**
 * struct ib_uverbs_schema_value - VALUE: the name of a value or flag bit
 * @value: the value (ENUM) or the bit mask (FLAGS)
 *
 * The name is the value's ("LOCAL_WRITE").
 */
struct ib_uverbs_schema_value {
	__aligned_u64 value;
};

#ifndef __cplusplus
_Static_assert(sizeof(struct ib_uverbs_schema_hdr) == 24, "schema hdr");
_Static_assert(sizeof(struct ib_uverbs_schema_rec) == 8, "schema rec");
_Static_assert(sizeof(struct ib_uverbs_schema_type) == 8, "schema type");
_Static_assert(sizeof(struct ib_uverbs_schema_action) == 8, "schema action");
_Static_assert(sizeof(struct ib_uverbs_schema_chain) == 8, "schema chain");
_Static_assert(sizeof(struct ib_uverbs_schema_attr) == 16, "schema attr");
_Static_assert(sizeof(struct ib_uverbs_schema_layout) == 8, "schema layout");
_Static_assert(sizeof(struct ib_uverbs_schema_field) == 16, "schema field");
_Static_assert(sizeof(struct ib_uverbs_schema_value) == 8, "schema value");
#endif

#endif /* _UAPI_RDMA_IB_USER_SCHEMA_H */
