// SPDX-License-Identifier: MIT
/*
 * The core's own copy of a device's types table (upstream's uapi tree).
 *
 * Files outlive their device: after removal (Rule 20) they still parse
 * DESTROY, GET_ASYNC_EVENT and the event queue's commands against the
 * table, and their objects point at its types.  In the kernel the driver
 * is a module of its own that may be unloaded under open files, so
 * nothing a file reads may live in the driver: at registration the core
 * copies the table whole -- types, actions, chains, attribute specs,
 * names, layouts and value names, and the standard handler shapes' priv
 * -- into one block that is freed with the device's last reference.
 *
 * What stays a pointer: function pointers (the driver's handlers and
 * destroy ops are never called once the device is removed, Rule 20; the
 * handlers that are, those of after_removal actions, and ib_uverbs_std_dist
 * are the core's), the opaque priv of a handler the core does not know,
 * and the core's own QUERY_SCHEMA chain and handler (which the dispatcher
 * recognises by address).
 *
 * The copy is made in passes of the same walk: the first ones only add
 * up the sizes, the last carves one allocation.  Layouts and value
 * lists shared between attributes stay shared in the copy.
 */
#include "core_priv.h"

struct dup {
	char *base;	/* NULL in the sizing passes */
	size_t off;
	/*
	 * Layouts and value lists are shared between attributes (the
	 * schema numbers each once): each is copied once.  The first
	 * pass only counts the references (@memo NULL), the second sizes
	 * the copy with @memo, the third makes it.
	 */
	const void **memo;	/* pairs: source, copy */
	size_t num_memo;
	size_t num_refs;
};

/* The copy of shared @src made already, or NULL (and @src is recorded
 * once the caller made its copy, memo_add()). */
static void *memo_find(struct dup *d, const void *src)
{
	size_t i;

	d->num_refs++;
	for (i = 0; d->memo && i < d->num_memo; i++)
		if (d->memo[2 * i] == src)
			return (void *)d->memo[2 * i + 1];
	return NULL;
}

static void memo_add(struct dup *d, const void *src, const void *copy)
{
	if (!d->memo)
		return;
	d->memo[2 * d->num_memo] = src;
	d->memo[2 * d->num_memo + 1] = copy;
	d->num_memo++;
}

/* A copy of @len bytes of @src; in the sizing pass, @src itself. */
static void *dup_bytes(struct dup *d, const void *src, size_t len)
{
	size_t at = (d->off + 7) & ~(size_t)7;

	d->off = at + len;
	if (!d->base || !src)
		return (void *)src;
	memcpy(d->base + at, src, len);
	return d->base + at;
}

static const char *dup_str(struct dup *d, const char *s)
{
	return s ? dup_bytes(d, s, strlen(s) + 1) : NULL;
}

static const struct uverbs_value_name *
dup_values(struct dup *d, const struct uverbs_value_name *v)
{
	struct uverbs_value_name *c;
	size_t i, n = 0;

	if (!v)
		return NULL;
	c = memo_find(d, v);
	if (c)
		return c;
	while (v[n].name)
		n++;
	c = dup_bytes(d, v, (n + 1) * sizeof(*v));
	memo_add(d, v, c);
	for (i = 0; i < n; i++) {
		const char *name = dup_str(d, v[i].name);

		if (d->base)
			c[i].name = name;
	}
	return c;
}

static const struct uverbs_layout *dup_layout(struct dup *d,
					      const struct uverbs_layout *l)
{
	struct uverbs_layout *c;
	struct uverbs_field *f;
	const char *name;
	u16 i;

	if (!l)
		return NULL;
	c = memo_find(d, l);
	if (c)
		return c;
	c = dup_bytes(d, l, sizeof(*l));
	memo_add(d, l, c);
	name = dup_str(d, l->name);
	f = dup_bytes(d, l->fields, l->num_fields * sizeof(*l->fields));
	if (d->base) {
		c->name = name;
		c->fields = f;
	}
	for (i = 0; i < l->num_fields; i++) {
		const struct uverbs_field *src = &l->fields[i];
		const struct uverbs_value_name *values;
		const struct uverbs_layout *nested;

		name = dup_str(d, src->name);
		values = dup_values(d, src->values);
		nested = dup_layout(d, src->layout);
		if (d->base) {
			f[i].name = name;
			f[i].values = values;
			f[i].layout = nested;
		}
	}
	return c;
}

/*
 * The core's QUERY_SCHEMA chain stays the core's, and so do its layouts
 * wherever the driver's attributes name them too: recorded as their own
 * copies before the walk.
 */
static void keep_layout(struct dup *d, const struct uverbs_layout *l)
{
	u16 i;

	if (!l || memo_find(d, l))
		return;
	memo_add(d, l, l);
	for (i = 0; i < l->num_fields; i++) {
		if (l->fields[i].values && !memo_find(d, l->fields[i].values))
			memo_add(d, l->fields[i].values, l->fields[i].values);
		keep_layout(d, l->fields[i].layout);
	}
}

static void keep_chain(struct dup *d, const struct uverbs_attr_chain_spec *c)
{
	u16 i;

	for (i = 0; i < c->num_attrs; i++)
		keep_layout(d, c->attrs[i].layout);
}

static const struct uverbs_attr_chain_spec *
dup_chain(struct dup *d, const struct uverbs_attr_chain_spec *chain)
{
	struct uverbs_attr_chain_spec *c;
	struct uverbs_attr_spec *a;
	u16 i;

	if (!chain || chain == &uverbs_query_schema_chain)
		return chain;
	c = dup_bytes(d, chain, sizeof(*chain));
	a = dup_bytes(d, chain->attrs, chain->num_attrs * sizeof(*a));
	if (d->base)
		c->attrs = a;
	for (i = 0; i < chain->num_attrs; i++) {
		const char *name = dup_str(d, chain->attrs[i].name);
		const struct uverbs_layout *layout =
			dup_layout(d, chain->attrs[i].layout);

		if (d->base) {
			a[i].name = name;
			a[i].layout = layout;
		}
	}
	return c;
}

/* The priv of a handler shape the core knows; else the pointer. */
static const void *dup_priv(struct dup *d, const struct uverbs_action *act)
{
	if (!act->priv || act->priv == &uverbs_query_schema_handler)
		return act->priv;
	if (act->handler == uverbs_action_std_handle)
		return dup_bytes(d, act->priv,
				 sizeof(struct uverbs_action_std_handler));
	if (act->handler == uverbs_action_std_ctx_handle)
		return dup_bytes(d, act->priv,
				 sizeof(struct uverbs_action_std_ctx_handler));
	return act->priv;
}

static const struct uverbs_action *dup_actions(struct dup *d,
					       const struct uverbs_type *type)
{
	struct uverbs_action *c;
	u16 i, k;

	c = dup_bytes(d, type->actions, type->num_actions * sizeof(*c));
	for (i = 0; i < type->num_actions; i++) {
		const struct uverbs_action *src = &type->actions[i];
		const struct uverbs_attr_chain_spec **chains;
		const char *name = dup_str(d, src->name);
		const void *priv = dup_priv(d, src);

		chains = dup_bytes(d, src->chain.validator_chains,
				   src->chain.num_chains * sizeof(*chains));
		if (d->base) {
			c[i].name = name;
			c[i].priv = priv;
			c[i].chain.validator_chains = chains;
		}
		for (k = 0; k < src->chain.num_chains; k++) {
			const struct uverbs_attr_chain_spec *chain =
				dup_chain(d, src->chain.validator_chains[k]);

			if (d->base)
				chains[k] = chain;
		}
	}
	return c;
}

static struct uverbs_types *dup_types(struct dup *d,
				      const struct uverbs_types *types)
{
	const struct uverbs_type **tv;
	struct uverbs_types *c;
	const char *name;
	u16 t;

	keep_chain(d, &uverbs_query_schema_chain);
	c = dup_bytes(d, types, sizeof(*types));
	name = dup_str(d, types->name);
	tv = dup_bytes(d, types->types, types->num_types * sizeof(*tv));
	if (d->base) {
		c->name = name;
		c->types = tv;
	}
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *src = types->types[t];
		struct uverbs_type *type;
		const struct uverbs_action *actions;
		const struct uverbs_obj_type *obj;

		if (!src)
			continue;
		type = dup_bytes(d, src, sizeof(*src));
		name = dup_str(d, src->name);
		obj = dup_bytes(d, src->obj, sizeof(*src->obj));
		actions = dup_actions(d, src);
		if (d->base) {
			tv[t] = type;
			type->name = name;
			type->obj = obj;
			type->actions = actions;
		}
	}
	return c;
}

struct uverbs_types *uverbs_types_dup(const struct uverbs_types *types)
{
	struct dup d = { 0 };
	struct uverbs_types *copy;
	size_t refs;

	dup_types(&d, types);
	refs = d.num_refs;
	d.memo = kcalloc(2 * refs + 1, sizeof(*d.memo));
	if (!d.memo)
		return NULL;
	d.off = 0;
	dup_types(&d, types);
	d.base = kmalloc(d.off);
	copy = NULL;
	if (d.base) {
		d.off = 0;
		d.num_memo = 0;
		copy = dup_types(&d, types);
	}
	kfree(d.memo);
	return copy;
}
