/* SPDX-License-Identifier: MIT */
/*
 * The driver-facing specification of the verbs ioctl interface.
 *
 *   types -> type -> actions -> action -> action_spec (validator chains +
 *   distribution function) -> chain -> attribute specs
 *
 * A driver declares these as static const tables indexed by id; the core
 * validates every command against them, fetches and locks the objects the
 * IDR/FD attributes name, and calls the action's handler with one validated
 * attribute array per chain.
 */
#ifndef _RDMA_UVERBS_IOCTL_H
#define _RDMA_UVERBS_IOCTL_H

#include <compat.h>
#include <rdma/rdma_user_ioctl.h>

struct ib_device;
struct ib_ucontext;
struct ib_uobject;
struct ib_uverbs_file;

enum uverbs_attr_type {
	UVERBS_ATTR_TYPE_NA,	/* empty slot: the id is not in the chain */
	UVERBS_ATTR_TYPE_PTR_IN,
	UVERBS_ATTR_TYPE_PTR_OUT,
	UVERBS_ATTR_TYPE_IDR,
	UVERBS_ATTR_TYPE_FD,
};

enum uverbs_idr_access {
	UVERBS_ACCESS_NONE,	/* invalid in a spec */
	UVERBS_ACCESS_READ,	/* shared: any number of READs at once */
	UVERBS_ACCESS_WRITE,	/* exclusive */
	UVERBS_ACCESS_NEW,	/* a handle reserved by this command */
	UVERBS_ACCESS_DESTROY,	/* exclusive; removed if the command succeeds */
};

/*
 * Names and layouts: what a decoder needs to print a command from the ABI
 * alone (the tracer, the schema dump, the core's own reasons).  They live
 * in the same tables the core validates with, so there is one list of
 * names.  The core never reads them to decide anything.
 */

/**
 * struct uverbs_value_name - the name of one value or flag bit
 * @value: the value (ENUM) or the bit mask (FLAGS)
 * @name: its name without a common prefix ("LOCAL_WRITE", "RTS")
 *
 * Lists of these end with an entry whose @name is NULL.
 */
struct uverbs_value_name {
	u64 value;
	const char *name;
};

enum uverbs_field_kind {
	UVERBS_FIELD_UINT,	/* unsigned decimal */
	UVERBS_FIELD_INT,	/* signed decimal */
	UVERBS_FIELD_HEX,	/* 0x...: keys, addresses, masks */
	UVERBS_FIELD_ENUM,	/* a value @values names; else a number */
	UVERBS_FIELD_FLAGS,	/* bits @values name, joined by '|' */
	UVERBS_FIELD_BYTES,	/* raw bytes (a GID), abbreviated when long */
	UVERBS_FIELD_HANDLE,	/* a u32 object handle */
	UVERBS_FIELD_STRUCT,	/* a nested struct, @layout */
};

struct uverbs_layout;

/**
 * struct uverbs_field - one field of a buffer's layout
 * @name: the field's name in the ABI struct ("max_send_wr")
 * @offset: offsetof() in the struct
 * @size: bytes of one element: 1, 2, 4 or 8 for numbers
 * @kind: an &enum uverbs_field_kind
 * @count: elements of @size in a row (an array); 0 means 1
 * @values: ENUM and FLAGS: the names, ending with a NULL name
 * @layout: STRUCT: the nested layout (then @size is its size)
 *
 * Reserved fields and padding are left out; a decoder may show non-zero
 * bytes that no field covers.  Fields are in offset order and do not
 * overlap, except a union's members: consecutive fields at the same
 * offset (named "wr.rdma", "wr.atomic", ...) are alternative readings of
 * the same bytes, of which a decoder shows the one that applies, or each.
 */
struct uverbs_field {
	const char *name;
	u16 offset;
	u16 size;
	u8 kind;
	u16 count;
	const struct uverbs_value_name *values;
	const struct uverbs_layout *layout;
};

/**
 * struct uverbs_layout - how to read a PTR attribute's bytes
 * @name: the ABI struct's name ("ib_uverbs_qp_cap"), or the scalar type
 *	("u32") when the buffer is one number
 * @size: the struct's size: a buffer of len bytes holds len / @size
 *	elements in a row (the work requests of a POST_SEND), and a shorter
 *	or ragged tail is shown as bytes
 * @fields: the fields, by offset; a single field with a NULL @name is a
 *	scalar buffer (a u32 count)
 * @num_fields: entries in @fields
 */
struct uverbs_layout {
	const char *name;
	u16 size;
	const struct uverbs_field *fields;
	u16 num_fields;
};

/**
 * struct uverbs_attr_spec - what one attribute id accepts
 * @type: an &enum uverbs_attr_type; %UVERBS_ATTR_TYPE_NA for an unused id
 * @mandatory: a command without this attribute is rejected (EINVAL)
 * @min_len: PTR_IN/PTR_OUT: the smallest accepted length
 * @max_len: PTR_IN/PTR_OUT: the largest accepted length (>= 1); equal to
 *	@min_len for a fixed-size buffer
 * @idr.type: IDR/FD: the object type (index in the device's types table)
 * @idr.access: IDR/FD: an &enum uverbs_idr_access
 * @idr.parent: IDR/FD with READ access: the object created by the same
 *	command depends on this one, which cannot be destroyed (EBUSY) until
 *	that object is
 * @copy_on_error: PTR_OUT only: what the handler wrote is copied to the
 *	caller even when the command fails (e.g. which work request was
 *	refused); every other output is copied on success only
 * @name: the attribute's name within its action ("PD_HANDLE"): the
 *	uapi enum's name without the UVERBS_<OBJECT>_<ACTION>_ prefix
 * @layout: PTR_IN/PTR_OUT: how its bytes read, or NULL (shown as bytes)
 */
struct uverbs_attr_spec {
	u8 type;
	bool mandatory;
	bool copy_on_error;
	u16 min_len;
	u16 max_len;
	struct {
		u16 type;
		u8 access;
		bool parent;
	} idr;
	const char *name;
	const struct uverbs_layout *layout;
};

/**
 * struct uverbs_attr_chain_spec - one namespace of attributes
 * @attrs: specs indexed by attribute id (vendor bit stripped)
 * @num_attrs: entries in @attrs
 */
struct uverbs_attr_chain_spec {
	const struct uverbs_attr_spec *attrs;
	u16 num_attrs;
};

/* The most chains an action may have: common and vendor. */
#define UVERBS_MAX_CHAINS 2

/**
 * struct action_spec - the attributes an action accepts
 * @validator_chains: one chain per namespace, [0] common, [1] vendor
 * @num_chains: entries in @validator_chains (1 or 2)
 * @dist: maps an attribute id to its chain index, stripping namespace
 *	bits from *@attr_id; returns a negative errno for an id it refuses
 * @priv: passed to @dist
 */
struct action_spec {
	const struct uverbs_attr_chain_spec *const *validator_chains;
	u16 num_chains;
	int (*dist)(u16 *attr_id, const void *priv);
	const void *priv;
};

/**
 * struct uverbs_ptr_attr - a validated PTR_IN or PTR_OUT attribute
 * @data: kernel copy of the buffer: PTR_IN holds the caller's bytes;
 *	PTR_OUT starts zeroed and is copied to the caller after a successful
 *	handler if the handler wrote it (uverbs_copy_to())
 * @len: length of @data, as the caller gave it
 * @written: PTR_OUT only: the handler filled @data
 */
struct uverbs_ptr_attr {
	void *data;
	u16 len;
	bool written;
};

/**
 * struct uverbs_obj_attr - a validated IDR or FD attribute
 * @uobject: the object, locked as the spec's access demands
 * @id: the handle (or fd) the caller gave; for NEW, the new handle
 */
struct uverbs_obj_attr {
	struct ib_uobject *uobject;
	u32 id;
};

/**
 * struct uverbs_attr - one entry of a validated attribute array
 * @valid: the caller sent this attribute
 * @spec: its spec
 * @cmd_attr: for PTR_IN / PTR_OUT
 * @obj_attr: for IDR / FD
 */
struct uverbs_attr {
	bool valid;
	const struct uverbs_attr_spec *spec;
	struct uverbs_ptr_attr cmd_attr;
	struct uverbs_obj_attr obj_attr;
};

/**
 * struct uverbs_attr_array - the validated attributes of one chain
 * @attrs: indexed by attribute id
 * @num_attrs: entries in @attrs (the chain's size)
 */
struct uverbs_attr_array {
	struct uverbs_attr *attrs;
	u16 num_attrs;
};

typedef int (*uverbs_handler_t)(struct ib_device *ib_dev,
				struct ib_uverbs_file *ufile,
				struct uverbs_attr_array *ctx, size_t num,
				const void *priv);

/**
 * struct uverbs_action - one action of an object type
 * @chain: the action's attribute specification (the seed's name)
 * @handler: called once every attribute is validated and every object is
 *	fetched and locked; 0 commits, a negative errno aborts
 * @priv: passed to @handler
 * @after_removal: the handler also runs once the device is removed (with
 *	a NULL device: it may touch only the file, e.g. its event queue);
 *	other actions then get EIO, DESTROY excepted (rule 20)
 * @user_memory: the handler reaches the caller's memory beyond the
 *	command's own attributes (an MR's pages, a posted WR's buffers, a
 *	descriptor of the caller's); a transport that serves many clients
 *	from one thread runs such a command on a thread of its own, since
 *	that memory may take as long as its owner likes to fault in
 * @name: the action's name as messages and tools show it, object first
 *	("PD_ALLOC", "QUERY_PORT" for DEVICE's): the uapi enum's name
 *	without UVERBS_ACTION_ (or the driver's own prefix)
 *
 * A slot whose @handler is NULL is empty (EOPNOTSUPP).
 */
struct uverbs_action {
	struct action_spec chain;
	uverbs_handler_t handler;
	const void *priv;
	bool after_removal;
	bool user_memory;
	const char *name;
};

enum rdma_remove_reason {
	RDMA_REMOVE_DESTROY,	/* a DESTROY command; may refuse */
	RDMA_REMOVE_CLOSE,	/* the file closes; refusal is retried */
	RDMA_REMOVE_DRIVER_REMOVE, /* the device goes away; refusal retried */
	RDMA_REMOVE_ABORT,	/* a NEW whose command failed; must succeed */
};

/**
 * struct uverbs_obj_type - what the core needs to manage one object type
 * @destroy: frees the driver object behind @uobj (uobj->object).  For
 *	%RDMA_REMOVE_DESTROY a negative errno leaves the object as it was and
 *	fails the command; for CLOSE and DRIVER_REMOVE it is retried in the
 *	next cleanup round; for ABORT it must succeed.
 * @is_fd: objects of this type are named by file descriptors (FD
 *	attributes), not handles
 */
struct uverbs_obj_type {
	int (*destroy)(struct ib_uobject *uobj, enum rdma_remove_reason why);
	bool is_fd;
};

/**
 * struct uverbs_type - an object type: its actions and its object ops
 * @actions: indexed by action id
 * @num_actions: entries in @actions
 * @obj: how objects of this type are destroyed; NULL for a type that has
 *	actions but no objects (DEVICE)
 * @name: the type's name ("PD", "COMP_CHANNEL"): the uapi enum's name
 *	without UVERBS_TYPE_ (or the driver's own prefix)
 */
struct uverbs_type {
	const struct uverbs_action *actions;
	u16 num_actions;
	const struct uverbs_obj_type *obj;
	const char *name;
};

/**
 * struct uverbs_types - a driver's types table
 * @types: indexed by object type id; NULL for an empty slot
 * @num_types: entries in @types
 * @name: the driver's name ("soft"), for tools that decode its commands
 */
struct uverbs_types {
	const struct uverbs_type *const *types;
	u16 num_types;
	const char *name;
};

/* The standard distribution: bit 15 selects the vendor chain. */
int ib_uverbs_std_dist(u16 *attr_id, const void *priv);

/**
 * struct uverbs_action_std_handler - the common handler shape
 * @handler: gets the file's context and one array per namespace; @vendor is
 *	NULL when the action has no vendor chain
 * @priv: passed to @handler
 */
struct uverbs_action_std_handler {
	int (*handler)(struct ib_device *ib_dev, struct ib_ucontext *ucontext,
		       struct uverbs_attr_array *common,
		       struct uverbs_attr_array *vendor, const void *priv);
	const void *priv;
};

/**
 * struct uverbs_action_std_ctx_handler - the shape for GET_CONTEXT, which
 * runs before the file has a context
 * @handler: gets the file instead of a context
 * @priv: passed to @handler
 */
struct uverbs_action_std_ctx_handler {
	int (*handler)(struct ib_device *ib_dev, struct ib_uverbs_file *ufile,
		       struct uverbs_attr_array *common,
		       struct uverbs_attr_array *vendor, const void *priv);
	const void *priv;
};

int uverbs_action_std_handle(struct ib_device *ib_dev,
			     struct ib_uverbs_file *ufile,
			     struct uverbs_attr_array *ctx, size_t num,
			     const void *priv);
int uverbs_action_std_ctx_handle(struct ib_device *ib_dev,
				 struct ib_uverbs_file *ufile,
				 struct uverbs_attr_array *ctx, size_t num,
				 const void *priv);

/*
 * Table-building macros.  Each only fills a struct; ARRAY_SIZE() fails to
 * compile unless its argument is an array.  The first argument of an
 * action or type macro is its name (struct uverbs_action's and struct
 * uverbs_type's @name), written where the entry is declared:
 *
 *	[UVERBS_ACTION_PD_ALLOC] =
 *		UVERBS_STD_ACTION("PD_ALLOC", uverbs_pd_alloc, pd_alloc_attrs),
 *
 * An attribute spec names itself with .name ("PD_HANDLE") and, for a
 * PTR attribute, says how its bytes read with .layout.
 */
#define UVERBS_CHAIN(_attrs)                                               \
	(&(const struct uverbs_attr_chain_spec){ (_attrs), ARRAY_SIZE(_attrs) })

#define UVERBS_ACTION_SPEC(...)                                            \
	{                                                                  \
		.validator_chains =                                        \
			(const struct uverbs_attr_chain_spec *const[]){    \
				__VA_ARGS__ },                             \
		.num_chains = ARRAY_SIZE(((                                \
			const struct uverbs_attr_chain_spec *const[]){     \
			__VA_ARGS__ })),                                   \
		.dist = ib_uverbs_std_dist,                                \
	}

/* An action with the standard handler shape and a common chain only. */
#define UVERBS_STD_ACTION(_name, _handler, _attrs)                         \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs)),         \
		.handler = uverbs_action_std_handle,                       \
		.priv = &(const struct uverbs_action_std_handler){         \
			.handler = (_handler) },                           \
	}

/* A standard action that is still served after device removal. */
#define UVERBS_STD_ACTION_AFTER_REMOVAL(_name, _handler, _attrs)           \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs)),         \
		.handler = uverbs_action_std_handle,                       \
		.priv = &(const struct uverbs_action_std_handler){         \
			.handler = (_handler) },                           \
		.after_removal = true,                                     \
	}

/* A standard action whose handler reaches the caller's memory. */
#define UVERBS_STD_ACTION_USER_MEMORY(_name, _handler, _attrs)             \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs)),         \
		.handler = uverbs_action_std_handle,                       \
		.priv = &(const struct uverbs_action_std_handler){         \
			.handler = (_handler) },                           \
		.user_memory = true,                                       \
	}

/* The same with a vendor chain. */
#define UVERBS_STD_VENDOR_ACTION(_name, _handler, _attrs, _vendor_attrs)   \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs),          \
					    UVERBS_CHAIN(_vendor_attrs)),  \
		.handler = uverbs_action_std_handle,                       \
		.priv = &(const struct uverbs_action_std_handler){         \
			.handler = (_handler) },                           \
	}

/* A vendor-chain action whose handler reaches the caller's memory. */
#define UVERBS_STD_VENDOR_ACTION_USER_MEMORY(_name, _handler, _attrs, _vendor_attrs) \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs),          \
					    UVERBS_CHAIN(_vendor_attrs)),  \
		.handler = uverbs_action_std_handle,                       \
		.priv = &(const struct uverbs_action_std_handler){         \
			.handler = (_handler) },                           \
		.user_memory = true,                                       \
	}

/* GET_CONTEXT: the context handler shape. */
#define UVERBS_CTX_ACTION(_name, _handler, _attrs)                         \
	{                                                                  \
		.name = (_name),                                           \
		.chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(_attrs)),         \
		.handler = uverbs_action_std_ctx_handle,                   \
		.priv = &(const struct uverbs_action_std_ctx_handler){     \
			.handler = (_handler) },                           \
	}

#define UVERBS_TYPE(_name, _actions, _obj)                                 \
	(&(const struct uverbs_type){ .name = (_name),                     \
				      .actions = (_actions),               \
				      .num_actions = ARRAY_SIZE(_actions), \
				      .obj = (_obj) })

/* Accessors for handlers. */

/* The attribute @idx of @arr if the caller sent it, else NULL. */
static inline struct uverbs_attr *uverbs_attr_get(struct uverbs_attr_array *arr,
						  u16 idx)
{
	if (!arr || idx >= arr->num_attrs || !arr->attrs[idx].valid)
		return NULL;
	return &arr->attrs[idx];
}

static inline bool uverbs_attr_is_valid(struct uverbs_attr_array *arr, u16 idx)
{
	return uverbs_attr_get(arr, idx) != NULL;
}

/* The kernel copy of PTR_IN @idx, or NULL if absent. */
static inline const void *uverbs_attr_in(struct uverbs_attr_array *arr,
					 u16 idx)
{
	struct uverbs_attr *a = uverbs_attr_get(arr, idx);

	return a ? a->cmd_attr.data : NULL;
}

/* The object of IDR/FD attribute @idx, or NULL if absent. */
static inline struct ib_uobject *uverbs_attr_obj(struct uverbs_attr_array *arr,
						 u16 idx)
{
	struct uverbs_attr *a = uverbs_attr_get(arr, idx);

	return a ? a->obj_attr.uobject : NULL;
}

/**
 * uverbs_copy_to() - fill PTR_OUT attribute @idx
 * @arr: the chain's attribute array
 * @idx: the attribute id
 * @src: the bytes
 * @size: how many; more than the caller's buffer holds are cut, fewer are
 *	zero padded
 *
 * The core copies the buffer to the caller after the handler succeeds.
 * Returns 0, or -ENOENT if the caller did not send @idx (which is fine
 * for an optional output).
 */
int uverbs_copy_to(struct uverbs_attr_array *arr, u16 idx, const void *src,
		   size_t size);

/*
 * Rule 23: why a command fails.  One line, at most UVERBS_REASON_MAX bytes
 * with its NUL (longer ones are cut); a file keeps the reasons of
 * UVERBS_REASON_SLOTS calling threads (ib_uverbs_reason_read()).
 */
#define UVERBS_REASON_MAX 160
#define UVERBS_REASON_SLOTS 8

/**
 * uverbs_set_error() - say why the running command fails
 * @fmt: printf format of one line naming the attribute or field and the
 *	limit it broke: "QP_CREATE: max_send_wr 70000 > device max 16384"
 *
 * Like netlink's extack: the core, every handler and the driver code they
 * call set it before returning an errno for a client's command.  It
 * writes the running command's reason buffer (the command this thread
 * serves, current_cmd); the last call wins.  When the command fails the
 * core stores the reason for its caller (ib_uverbs_reason_read()) and the
 * tracer; a success drops it.  Outside a command it only logs at debug.
 */
__printf(1, 2) void uverbs_set_error(const char *fmt, ...);

/**
 * uverbs_error_is_set() - has the running command a reason already?
 *
 * For a caller that adds a general reason only where the code it called
 * gave none.  False outside a command.
 */
bool uverbs_error_is_set(void);

/* The running command's reason so far: "" if none, or outside a command. */
const char *uverbs_error_get(void);

#endif /* _RDMA_UVERBS_IOCTL_H */
