/* SPDX-License-Identifier: MIT */
/*
 * A device's schema: its whole types table (every type, action, chain
 * and attribute spec, with names and buffer layouts) as plain data.
 *
 *	struct ioverbs_schema *s;
 *
 *	ret = ioverbs_schema_fetch(&client, &s);	(ask the device)
 *	ret = ioverbs_schema_from_types(types, driver_id, &s);	(offline)
 *	a = ioverbs_schema_attr(s, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC,
 *				UVERBS_PD_ALLOC_HANDLE);
 *	ioverbs_schema_print(s, stdout);
 *	ioverbs_schema_free(s);
 *
 * The device's form is DEVICE's QUERY_SCHEMA action, whose blob
 * <rdma/ib_user_schema.h> defines; the offline form is built from a
 * types table the caller links (the library itself links no core).  Both
 * give the same structures, field by field, so a tool prints a running
 * device and the built-in tables the same way.  docs/schema.md describes
 * the blob, the text and the JSON.
 */
#ifndef _IOVERBS_SCHEMA_H
#define _IOVERBS_SCHEMA_H

#include <stdio.h>

#include <ioverbs/verbs.h>

/* The version of the JSON ioverbs_schema_print_json() writes. */
#define IOVERBS_SCHEMA_JSON_VERSION 1

/* The largest blob ioverbs_schema_fetch() takes. */
#define IOVERBS_SCHEMA_MAX_BLOB (16u << 20)

/**
 * struct ioverbs_schema_value - the name of an enum value or flag bit
 * @value: the value, or the bit mask
 * @name: its name
 */
struct ioverbs_schema_value {
	u64 value;
	char *name;
};

struct ioverbs_schema_layout;

/**
 * struct ioverbs_schema_field - one field of a layout
 * @name: the field's name; NULL for a scalar buffer's only field
 * @offset: its offset in the struct
 * @size: bytes of one element
 * @count: elements in a row; 0 means 1
 * @kind: an &enum uverbs_field_kind
 * @values: ENUM and FLAGS: the names
 * @num_values: entries in @values
 * @layout: STRUCT: the nested layout, else NULL
 */
struct ioverbs_schema_field {
	char *name;
	u16 offset;
	u16 size;
	u16 count;
	u8 kind;
	struct ioverbs_schema_value *values;
	u32 num_values;
	struct ioverbs_schema_layout *layout;
};

/**
 * struct ioverbs_schema_layout - how a buffer's bytes read
 * @index: its index in ioverbs_schema.layouts
 * @name: the ABI struct's or scalar's name, or NULL
 * @size: the struct's size
 * @fields: its fields, in table order
 * @num_fields: entries in @fields
 */
struct ioverbs_schema_layout {
	u32 index;
	char *name;
	u16 size;
	struct ioverbs_schema_field *fields;
	u16 num_fields;
};

/**
 * struct ioverbs_schema_attr - one attribute spec
 * @id: its id in the chain, without %UVERBS_VENDOR_FLAG
 * @type: an &enum uverbs_attr_type; %UVERBS_ATTR_TYPE_NA for an unused id
 * @mandatory: a command without it is refused
 * @copy_on_error: PTR_OUT written back even when the command fails
 * @min_len: PTR: the shortest length accepted
 * @max_len: PTR: the longest
 * @idr_type: IDR/FD: the object type
 * @idr_access: IDR/FD: an &enum uverbs_idr_access
 * @idr_parent: IDR/FD: the created object depends on this one
 * @name: its name, or NULL
 * @layout: PTR: how its bytes read, or NULL
 */
struct ioverbs_schema_attr {
	u16 id;
	u8 type;
	bool mandatory;
	bool copy_on_error;
	u16 min_len;
	u16 max_len;
	u16 idr_type;
	u8 idr_access;
	bool idr_parent;
	char *name;
	struct ioverbs_schema_layout *layout;
};

/**
 * struct ioverbs_schema_chain - one attribute namespace of an action
 * @num_attrs: entries in @attrs
 * @attrs: indexed by id (unused ids are %UVERBS_ATTR_TYPE_NA)
 */
struct ioverbs_schema_chain {
	u16 num_attrs;
	struct ioverbs_schema_attr *attrs;
};

/**
 * struct ioverbs_schema_action - one slot of a type's actions
 * @filled: the slot has an action (an empty one is refused, EOPNOTSUPP)
 * @id: its index
 * @name: its name, or NULL
 * @after_removal: still served after the device is removed
 * @user_memory: reaches the caller's memory beyond its own buffers
 * @num_chains: 1, or 2 with a vendor chain
 * @chains: [0] common, [1] vendor
 */
struct ioverbs_schema_action {
	bool filled;
	u16 id;
	char *name;
	bool after_removal;
	bool user_memory;
	u16 num_chains;
	struct ioverbs_schema_chain chains[UVERBS_MAX_CHAINS];
};

/**
 * struct ioverbs_schema_type - one slot of the types table
 * @filled: the slot has a type
 * @id: its index
 * @name: its name, or NULL
 * @has_objects: it has objects (DEVICE has none)
 * @is_fd: its objects are named by file descriptors
 * @num_actions: entries in @actions
 * @actions: indexed by action id
 */
struct ioverbs_schema_type {
	bool filled;
	u16 id;
	char *name;
	bool has_objects;
	bool is_fd;
	u16 num_actions;
	struct ioverbs_schema_action *actions;
};

struct ioverbs_schema_arena;

/**
 * struct ioverbs_schema - a device's schema
 * @driver_id: the driver id commands to the device carry
 * @driver: the driver's name, or NULL
 * @num_types: entries in @types
 * @types: indexed by object type id
 * @num_layouts: entries in @layouts
 * @layouts: every layout an attribute or field names, in the order of
 *	their first use (types, actions, chains, attributes by id; a
 *	layout before the layouts its fields nest)
 * @arena: the memory of it all (ioverbs_schema_free())
 */
struct ioverbs_schema {
	u16 driver_id;
	char *driver;
	u16 num_types;
	struct ioverbs_schema_type *types;
	u32 num_layouts;
	struct ioverbs_schema_layout *layouts;
	struct ioverbs_schema_arena *arena;
};

/**
 * ioverbs_schema_parse() - read a QUERY_SCHEMA blob
 * @blob: the blob (<rdma/ib_user_schema.h>)
 * @len: its length; bytes after the header's total_len are ignored
 * @out: set to the schema, which the caller frees with
 *	ioverbs_schema_free()
 *
 * Every count, index and length is checked; a record kind this library
 * does not know is skipped.
 * Return: 0, -EPROTO for a malformed blob, -EPROTONOSUPPORT for another
 * magic or version, or -ENOMEM.
 */
int ioverbs_schema_parse(const void *blob, size_t len,
			 struct ioverbs_schema **out);

/**
 * ioverbs_schema_from_types() - the schema of a types table in memory
 * @types: the table (a driver's, linked by the caller)
 * @driver_id: the driver's id
 * @out: set to the schema; free it with ioverbs_schema_free()
 *
 * Gives what ioverbs_schema_parse() gives for the blob a device with
 * these tables answers.
 * Return: 0, -EINVAL for a table with more chains than an action may
 * have, or -ENOMEM.
 */
int ioverbs_schema_from_types(const struct uverbs_types *types, u16 driver_id,
			      struct ioverbs_schema **out);

/**
 * ioverbs_schema_fetch_blob() - ask a device for its schema blob
 * @v: a client on the device; its driver id does not matter, since
 *	QUERY_SCHEMA is served whatever the id (Rule 6)
 * @blob: set to a malloc()ed copy of the blob
 * @len: set to its length
 *
 * Needs no context.  Reads the blob in pieces of at most 65535 bytes.
 * Return: 0, the command's negative errno, -EPROTO for an answer of no
 * sense (a size out of bounds), -EAGAIN if the size changed between two
 * pieces, or -ENOMEM.
 */
int ioverbs_schema_fetch_blob(struct ioverbs_client *v, void **blob,
			      size_t *len);

/**
 * ioverbs_schema_fetch() - ask a device for its schema
 * @v: a client on the device
 * @out: set to the schema; free it with ioverbs_schema_free()
 *
 * ioverbs_schema_fetch_blob(), then ioverbs_schema_parse().
 * Return: 0 or a negative errno of either.
 */
int ioverbs_schema_fetch(struct ioverbs_client *v, struct ioverbs_schema **out);

/**
 * ioverbs_schema_free() - free a schema and everything in it
 * @s: from ioverbs_schema_parse(), _from_types() or _fetch(); NULL is fine
 */
void ioverbs_schema_free(struct ioverbs_schema *s);

/**
 * ioverbs_schema_type() - a type of the schema
 * @s: the schema
 * @type: the object type id
 *
 * Return: the type, or NULL for an id out of range or an empty slot.
 */
const struct ioverbs_schema_type *
ioverbs_schema_type(const struct ioverbs_schema *s, u16 type);

/**
 * ioverbs_schema_action() - an action of the schema
 * @s: the schema
 * @type: the object type id
 * @action: the action id
 *
 * Return: the action, or NULL where the device would refuse it.
 */
const struct ioverbs_schema_action *
ioverbs_schema_action(const struct ioverbs_schema *s, u16 type, u16 action);

/**
 * ioverbs_schema_attr() - an attribute spec of the schema
 * @s: the schema
 * @type: the object type id
 * @action: the action id
 * @attr_id: the attribute id as a command carries it: with
 *	%UVERBS_VENDOR_FLAG for the vendor chain
 *
 * Return: the spec, or NULL for an id the action does not take.
 */
const struct ioverbs_schema_attr *
ioverbs_schema_attr(const struct ioverbs_schema *s, u16 type, u16 action,
		    u16 attr_id);

/**
 * struct ioverbs_schema_walker - what ioverbs_schema_walk() calls
 * @type: for each filled type
 * @action: for each filled action of it
 * @attr: for each attribute spec of it (not the unused ids), @chain 0
 *	(common) or 1 (vendor)
 * @layout: for each layout, after the types
 *
 * Any may be NULL.  A non-zero return stops the walk and is its result.
 */
struct ioverbs_schema_walker {
	int (*type)(void *arg, const struct ioverbs_schema_type *t);
	int (*action)(void *arg, const struct ioverbs_schema_type *t,
		      const struct ioverbs_schema_action *a);
	int (*attr)(void *arg, const struct ioverbs_schema_type *t,
		    const struct ioverbs_schema_action *a, unsigned int chain,
		    const struct ioverbs_schema_attr *at);
	int (*layout)(void *arg, const struct ioverbs_schema_layout *l);
};

/**
 * ioverbs_schema_walk() - visit a schema in order
 * @s: the schema
 * @w: the callbacks
 * @arg: passed to them
 *
 * Types, actions and attributes by id (common chain, then vendor), then
 * the layouts by index.
 * Return: 0, or the first non-zero callback result.
 */
int ioverbs_schema_walk(const struct ioverbs_schema *s,
			const struct ioverbs_schema_walker *w, void *arg);

/**
 * ioverbs_schema_attr_type_name() - "PTR_IN", "PTR_OUT", "IDR", "FD"
 * @type: an &enum uverbs_attr_type
 *
 * Return: the name, or "???" for a number no type has.
 */
const char *ioverbs_schema_attr_type_name(unsigned int type);

/**
 * ioverbs_schema_access_name() - "READ", "WRITE", "NEW", "DESTROY"
 * @access: an &enum uverbs_idr_access
 *
 * Return: the name, or "???".
 */
const char *ioverbs_schema_access_name(unsigned int access);

/**
 * ioverbs_schema_field_kind_name() - "uint", "int", "hex", "enum",
 *	"flags", "bytes", "handle", "struct"
 * @kind: an &enum uverbs_field_kind
 *
 * Return: the name, or "???".
 */
const char *ioverbs_schema_field_kind_name(unsigned int kind);

/**
 * ioverbs_schema_print() - the schema as text, one line per thing
 * @s: the schema
 * @fp: where to
 *
 * docs/schema.md gives the lines' grammar.
 * Return: 0, or -EIO if writing failed.
 */
int ioverbs_schema_print(const struct ioverbs_schema *s, FILE *fp);

/**
 * ioverbs_schema_print_json() - the schema as one JSON object
 * @s: the schema
 * @fp: where to
 *
 * The layout is docs/schema.md's, version %IOVERBS_SCHEMA_JSON_VERSION
 * (its "version" member).
 * Return: 0, or -EIO if writing failed.
 */
int ioverbs_schema_print_json(const struct ioverbs_schema *s, FILE *fp);

#endif /* _IOVERBS_SCHEMA_H */
