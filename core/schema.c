// SPDX-License-Identifier: MIT
/*
 * DEVICE's QUERY_SCHEMA: the device describes its own types table as the
 * blob of <rdma/ib_user_schema.h>, so that a client can learn what the
 * device accepts from the device itself.  The blob is written straight
 * into the window the caller asked for (OFFSET, DATA): nothing is cached
 * and nothing bigger than the list of layouts is allocated.
 *
 * The action is vendor-neutral: it needs no context, and it is the one
 * command the core accepts whatever the header's driver_id (Rule 6), since
 * a client that knows nothing of the device learns the id from it.
 * uverbs_action_is_query_schema() tells the dispatcher that an action
 * slot holds it.
 */
#include <rdma/ib_user_schema.h>
#include <rdma/uverbs_layouts.h>

#include "core_priv.h"

/*
 * Produces the blob and keeps the bytes [off, off + len) of it in buf.
 * pos counts every byte produced; layouts[] numbers the layouts in the
 * order their first reference is met (see schema_collect()).
 */
struct schema_writer {
	u8 *buf;
	u32 off;
	u32 len;
	u32 pos;
	const struct uverbs_layout **layouts;
	u32 num_layouts;
	u32 max_layouts;
};

/* @n bytes of @p (zeros if NULL) at the current position. */
static void sw_bytes(struct schema_writer *w, const void *p, u32 n)
{
	u32 from = max_t(u32, w->pos, w->off);
	u32 to = min_t(u64, (u64)w->pos + n, (u64)w->off + w->len);

	if (w->buf && from < to) {
		if (p)
			memcpy(w->buf + (from - w->off),
			       (const u8 *)p + (from - w->pos), to - from);
		else
			memset(w->buf + (from - w->off), 0, to - from);
	}
	w->pos += n;
}

static u16 sw_name_len(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0xffff ? 0xffff : (u16)n;
}

static void sw_rec(struct schema_writer *w, u16 kind, const void *body,
		   u16 body_len, const char *name)
{
	struct ib_uverbs_schema_rec r = {
		.kind = kind,
		.body_len = body_len,
		.name_len = sw_name_len(name),
	};
	u32 size = IB_UVERBS_SCHEMA_REC_SIZE(body_len, r.name_len);

	sw_bytes(w, &r, sizeof(r));
	sw_bytes(w, body, body_len);
	sw_bytes(w, name, r.name_len);
	sw_bytes(w, NULL, size - sizeof(r) - body_len - r.name_len);
}

/* The index of @l in w->layouts, or IB_UVERBS_SCHEMA_NO_LAYOUT. */
static u32 schema_layout_index(const struct schema_writer *w,
			       const struct uverbs_layout *l)
{
	u32 i;

	for (i = 0; l && i < w->num_layouts; i++)
		if (w->layouts[i] == l)
			return i;
	return IB_UVERBS_SCHEMA_NO_LAYOUT;
}

/* Numbers @l, then the layouts its STRUCT fields nest, depth first. */
static int schema_layout_add(struct schema_writer *w,
			     const struct uverbs_layout *l)
{
	u16 i;

	if (!l || schema_layout_index(w, l) != IB_UVERBS_SCHEMA_NO_LAYOUT)
		return 0;
	if (w->num_layouts == w->max_layouts) {
		u32 max = w->max_layouts ? 2 * w->max_layouts : 32;
		const struct uverbs_layout **more;

		more = kcalloc(max, sizeof(*more));
		if (!more) {
			uverbs_set_error("QUERY_SCHEMA: out of memory for %u layouts",
					 max);
			return -ENOMEM;
		}
		if (w->num_layouts)
			memcpy(more, w->layouts,
			       w->num_layouts * sizeof(*more));
		kfree(w->layouts);
		w->layouts = more;
		w->max_layouts = max;
	}
	w->layouts[w->num_layouts++] = l;
	for (i = 0; i < l->num_fields; i++) {
		int ret = schema_layout_add(w, l->fields[i].layout);

		if (ret)
			return ret;
	}
	return 0;
}

static bool action_filled(const struct uverbs_action *a)
{
	return a->handler != NULL;
}

/* Every layout an attribute spec names, in the order of the blob. */
static int schema_collect(struct schema_writer *w,
			  const struct uverbs_types *types)
{
	u16 t, a, c, id;
	int ret;

	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		for (a = 0; type && a < type->num_actions; a++) {
			const struct action_spec *spec =
				&type->actions[a].chain;

			if (!action_filled(&type->actions[a]))
				continue;
			for (c = 0; c < spec->num_chains; c++) {
				const struct uverbs_attr_chain_spec *chain =
					spec->validator_chains[c];

				for (id = 0; id < chain->num_attrs; id++) {
					ret = schema_layout_add(
						w, chain->attrs[id].layout);
					if (ret)
						return ret;
				}
			}
		}
	}
	return 0;
}

static void schema_write_attr(struct schema_writer *w, u16 id,
			      const struct uverbs_attr_spec *s)
{
	struct ib_uverbs_schema_attr r = {
		.attr_id = id,
		.type = s->type,
		.flags = (s->mandatory ? IB_UVERBS_SCHEMA_ATTR_MANDATORY : 0) |
			 (s->copy_on_error ? IB_UVERBS_SCHEMA_ATTR_COPY_ON_ERROR : 0) |
			 (s->idr.parent ? IB_UVERBS_SCHEMA_ATTR_PARENT : 0),
		.min_len = s->min_len,
		.max_len = s->max_len,
		.idr_type = s->idr.type,
		.idr_access = s->idr.access,
		.layout = schema_layout_index(w, s->layout),
	};

	sw_rec(w, IB_UVERBS_SCHEMA_ATTR, &r, sizeof(r), s->name);
}

static void schema_write_action(struct schema_writer *w, u16 id,
				const struct uverbs_action *act)
{
	const struct action_spec *spec = &act->chain;
	struct ib_uverbs_schema_action r = {
		.action_id = id,
		.num_chains = spec->num_chains,
		.flags = (act->after_removal ?
				  IB_UVERBS_SCHEMA_ACTION_AFTER_REMOVAL : 0) |
			 (act->user_memory ?
				  IB_UVERBS_SCHEMA_ACTION_USER_MEMORY : 0),
	};
	u16 c, i;

	sw_rec(w, IB_UVERBS_SCHEMA_ACTION, &r, sizeof(r), act->name);
	for (c = 0; c < spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[c];
		struct ib_uverbs_schema_chain cr = {
			.chain = c,
			.num_attrs = chain->num_attrs,
		};

		for (i = 0; i < chain->num_attrs; i++)
			if (chain->attrs[i].type != UVERBS_ATTR_TYPE_NA)
				cr.num_filled++;
		sw_rec(w, IB_UVERBS_SCHEMA_CHAIN, &cr, sizeof(cr), NULL);
		for (i = 0; i < chain->num_attrs; i++)
			if (chain->attrs[i].type != UVERBS_ATTR_TYPE_NA)
				schema_write_attr(w, i, &chain->attrs[i]);
	}
}

static void schema_write_type(struct schema_writer *w, u16 id,
			      const struct uverbs_type *type)
{
	struct ib_uverbs_schema_type r = {
		.type_id = id,
		.num_actions = type->num_actions,
		.flags = (type->obj ? IB_UVERBS_SCHEMA_TYPE_OBJECTS : 0) |
			 (type->obj && type->obj->is_fd ?
				  IB_UVERBS_SCHEMA_TYPE_FD : 0),
	};
	u16 a;

	for (a = 0; a < type->num_actions; a++)
		if (action_filled(&type->actions[a]))
			r.num_filled++;
	sw_rec(w, IB_UVERBS_SCHEMA_TYPE, &r, sizeof(r), type->name);
	for (a = 0; a < type->num_actions; a++)
		if (action_filled(&type->actions[a]))
			schema_write_action(w, a, &type->actions[a]);
}

static void schema_write_layout(struct schema_writer *w, u32 index,
				const struct uverbs_layout *l)
{
	struct ib_uverbs_schema_layout r = {
		.index = index,
		.size = l->size,
		.num_fields = l->num_fields,
	};
	u16 i;

	sw_rec(w, IB_UVERBS_SCHEMA_LAYOUT, &r, sizeof(r), l->name);
	for (i = 0; i < l->num_fields; i++) {
		const struct uverbs_field *f = &l->fields[i];
		const struct uverbs_value_name *v;
		struct ib_uverbs_schema_field fr = {
			.offset = f->offset,
			.size = f->size,
			.count = f->count,
			.kind = f->kind,
			.layout = schema_layout_index(w, f->layout),
		};

		for (v = f->values; v && v->name; v++)
			fr.num_values++;
		sw_rec(w, IB_UVERBS_SCHEMA_FIELD, &fr, sizeof(fr), f->name);
		for (v = f->values; v && v->name; v++) {
			struct ib_uverbs_schema_value vr = { .value = v->value };

			sw_rec(w, IB_UVERBS_SCHEMA_VALUE, &vr, sizeof(vr),
			       v->name);
		}
	}
}

static void schema_write_hdr(struct schema_writer *w,
			     const struct uverbs_types *types, u16 driver_id,
			     u32 total)
{
	struct ib_uverbs_schema_hdr h = {
		.magic = IB_UVERBS_SCHEMA_MAGIC,
		.version = IB_UVERBS_SCHEMA_VERSION,
		.hdr_len = sizeof(h),
		.total_len = total,
		.driver_id = driver_id,
		.num_types = types->num_types,
		.num_layouts = w->num_layouts,
	};

	sw_bytes(w, &h, sizeof(h));
}

int uverbs_schema_copy(const struct uverbs_types *types, u16 driver_id,
		       void *buf, u32 offset, u32 len, u32 *total)
{
	struct schema_writer w = { .buf = buf, .off = offset, .len = len };
	u32 i;
	u16 t;
	int ret;

	ret = schema_collect(&w, types);
	if (ret)
		goto out;
	/* The header's total is known at the end: written again then. */
	schema_write_hdr(&w, types, driver_id, 0);
	sw_rec(&w, IB_UVERBS_SCHEMA_DRIVER, NULL, 0, types->name);
	for (t = 0; t < types->num_types; t++)
		if (types->types[t])
			schema_write_type(&w, t, types->types[t]);
	for (i = 0; i < w.num_layouts; i++)
		schema_write_layout(&w, i, w.layouts[i]);
	*total = w.pos;
	w.pos = 0;
	schema_write_hdr(&w, types, driver_id, *total);
out:
	kfree(w.layouts);
	return ret;
}

static int uverbs_device_query_schema(struct ib_device *ib_dev,
				      struct ib_uverbs_file *ufile,
				      struct uverbs_attr_array *common,
				      struct uverbs_attr_array *vendor,
				      const void *priv)
{
	const u32 *offset = uverbs_attr_in(common, UVERBS_QUERY_SCHEMA_OFFSET);
	struct uverbs_attr *data = uverbs_attr_get(common,
						   UVERBS_QUERY_SCHEMA_DATA);
	u32 off = offset ? *offset : 0, total;
	int ret;

	/* The core's copy of the table, which every command parses. */
	ret = uverbs_schema_copy(ufile->device->types, ib_dev->driver_id,
				 data ? data->cmd_attr.data : NULL, off,
				 data ? data->cmd_attr.len : 0, &total);
	if (ret)
		return ret;
	if (off > total) {
		uverbs_set_error("QUERY_SCHEMA: offset %u beyond the schema's %u bytes",
				 off, total);
		return -EINVAL;
	}
	/* The core zeroed DATA; the blob's bytes from OFFSET are in it. */
	if (data)
		data->cmd_attr.written = true;
	return uverbs_copy_to(common, UVERBS_QUERY_SCHEMA_SIZE, &total,
			      sizeof(total));
}

static const struct uverbs_attr_spec query_schema_attrs[] = {
	[UVERBS_QUERY_SCHEMA_OFFSET] = {
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(u32), .max_len = sizeof(u32),
		.name = "OFFSET", .layout = &uverbs_layout_u32 },
	[UVERBS_QUERY_SCHEMA_DATA] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = 1, .max_len = 0xffff,
		.name = "DATA", .layout = &uverbs_layout_bytes },
	[UVERBS_QUERY_SCHEMA_SIZE] = {
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(u32), .max_len = sizeof(u32),
		.name = "SIZE", .layout = &uverbs_layout_u32 },
};

const struct uverbs_attr_chain_spec uverbs_query_schema_chain = {
	.attrs = query_schema_attrs,
	.num_attrs = ARRAY_SIZE(query_schema_attrs),
};

const struct uverbs_action_std_ctx_handler uverbs_query_schema_handler = {
	.handler = uverbs_device_query_schema,
};

bool uverbs_action_is_query_schema(const struct uverbs_action *action)
{
	return action->handler == uverbs_action_std_ctx_handle &&
	       action->priv == &uverbs_query_schema_handler &&
	       action->chain.num_chains == 1 &&
	       action->chain.validator_chains[0] == &uverbs_query_schema_chain;
}
