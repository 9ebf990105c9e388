// SPDX-License-Identifier: MIT
/*
 * A device's schema as plain data: read from DEVICE's QUERY_SCHEMA blob
 * (<rdma/ib_user_schema.h>), or built from a types table the caller links,
 * into the same structures (<ioverbs/schema.h>), and walked.  Printing is
 * in schema_print.c.
 *
 * Everything a schema holds lives in one arena, freed at once: a parse
 * that fails half way frees what it made the same way.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ioverbs/schema.h>
#include <rdma/ib_user_schema.h>

/* Arena chunks: a list of allocations, each zeroed. */
struct ioverbs_schema_arena {
	struct ioverbs_schema_arena *next;
	max_align_t data[];
};

static void *schema_alloc(struct ioverbs_schema *s, size_t size)
{
	struct ioverbs_schema_arena *c;

	c = calloc(1, sizeof(*c) + (size ? size : 1));
	if (!c)
		return NULL;
	c->next = s->arena;
	s->arena = c;
	return c->data;
}

static void *schema_calloc(struct ioverbs_schema *s, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / 2 / size)
		return NULL;
	return schema_alloc(s, n * size);
}

/* A copy of @len bytes of @p as a string; "" and NULL are both NULL. */
static int schema_strdup(struct ioverbs_schema *s, char **dst, const char *p,
			 size_t len)
{
	char *copy;

	*dst = NULL;
	if (!p || !len)
		return 0;
	copy = schema_alloc(s, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, len);
	*dst = copy;
	return 0;
}

void ioverbs_schema_free(struct ioverbs_schema *s)
{
	struct ioverbs_schema_arena *c, *next;

	if (!s)
		return;
	for (c = s->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(s);
}

static struct ioverbs_schema *schema_new(void)
{
	return calloc(1, sizeof(struct ioverbs_schema));
}

/* --- from a types table ------------------------------------------------ */

/*
 * Layouts are numbered as core/schema.c numbers them: in the order an
 * attribute spec first names them (types, filled actions, chains,
 * attribute ids), each before the layouts its fields nest, depth first.
 */
struct layout_list {
	const struct uverbs_layout **l;
	u32 num;
	u32 max;
};

static u32 layout_list_find(const struct layout_list *ll,
			    const struct uverbs_layout *l)
{
	u32 i;

	for (i = 0; i < ll->num; i++)
		if (ll->l[i] == l)
			return i;
	return IB_UVERBS_SCHEMA_NO_LAYOUT;
}

static int layout_list_add(struct layout_list *ll,
			   const struct uverbs_layout *l)
{
	u16 i;
	int ret;

	if (!l || layout_list_find(ll, l) != IB_UVERBS_SCHEMA_NO_LAYOUT)
		return 0;
	if (ll->num == ll->max) {
		u32 max = ll->max ? 2 * ll->max : 32;
		const struct uverbs_layout **more;

		more = realloc(ll->l, max * sizeof(*more));
		if (!more)
			return -ENOMEM;
		ll->l = more;
		ll->max = max;
	}
	ll->l[ll->num++] = l;
	for (i = 0; i < l->num_fields; i++) {
		ret = layout_list_add(ll, l->fields[i].layout);
		if (ret)
			return ret;
	}
	return 0;
}

static int name_dup(struct ioverbs_schema *s, char **dst, const char *name)
{
	return schema_strdup(s, dst, name, name ? strlen(name) : 0);
}

static int from_layout(struct ioverbs_schema *s, const struct layout_list *ll,
		       u32 index)
{
	const struct uverbs_layout *l = ll->l[index];
	struct ioverbs_schema_layout *dst = &s->layouts[index];
	u16 i;

	dst->index = index;
	dst->size = l->size;
	dst->num_fields = l->num_fields;
	if (name_dup(s, &dst->name, l->name))
		return -ENOMEM;
	dst->fields = schema_calloc(s, l->num_fields, sizeof(*dst->fields));
	if (!dst->fields)
		return -ENOMEM;
	for (i = 0; i < l->num_fields; i++) {
		const struct uverbs_field *f = &l->fields[i];
		struct ioverbs_schema_field *df = &dst->fields[i];
		const struct uverbs_value_name *v;
		u32 n = 0, j;

		df->offset = f->offset;
		df->size = f->size;
		df->count = f->count;
		df->kind = f->kind;
		if (f->layout)
			df->layout = &s->layouts[layout_list_find(ll, f->layout)];
		if (name_dup(s, &df->name, f->name))
			return -ENOMEM;
		for (v = f->values; v && v->name; v++)
			n++;
		df->num_values = n;
		df->values = schema_calloc(s, n, sizeof(*df->values));
		if (!df->values)
			return -ENOMEM;
		for (j = 0; j < n; j++) {
			df->values[j].value = f->values[j].value;
			if (name_dup(s, &df->values[j].name,
				     f->values[j].name))
				return -ENOMEM;
		}
	}
	return 0;
}

static int from_action(struct ioverbs_schema *s, const struct layout_list *ll,
		       struct ioverbs_schema_action *dst, u16 id,
		       const struct uverbs_action *act)
{
	const struct action_spec *spec = &act->chain;
	u16 c, i;

	dst->filled = true;
	dst->id = id;
	dst->after_removal = act->after_removal;
	dst->user_memory = act->user_memory;
	if (spec->num_chains < 1 || spec->num_chains > UVERBS_MAX_CHAINS)
		return -EINVAL;
	dst->num_chains = spec->num_chains;
	if (name_dup(s, &dst->name, act->name))
		return -ENOMEM;
	for (c = 0; c < spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[c];
		struct ioverbs_schema_chain *dc = &dst->chains[c];

		dc->num_attrs = chain->num_attrs;
		dc->attrs = schema_calloc(s, chain->num_attrs,
					  sizeof(*dc->attrs));
		if (!dc->attrs)
			return -ENOMEM;
		for (i = 0; i < chain->num_attrs; i++) {
			const struct uverbs_attr_spec *a = &chain->attrs[i];
			struct ioverbs_schema_attr *da = &dc->attrs[i];

			da->id = i;
			if (a->type == UVERBS_ATTR_TYPE_NA)
				continue;
			da->type = a->type;
			da->mandatory = a->mandatory;
			da->copy_on_error = a->copy_on_error;
			da->min_len = a->min_len;
			da->max_len = a->max_len;
			da->idr_type = a->idr.type;
			da->idr_access = a->idr.access;
			da->idr_parent = a->idr.parent;
			if (a->layout)
				da->layout = &s->layouts[layout_list_find(ll, a->layout)];
			if (name_dup(s, &da->name, a->name))
				return -ENOMEM;
		}
	}
	return 0;
}

static int from_types(struct ioverbs_schema *s, const struct uverbs_types *types,
		      struct layout_list *ll)
{
	u16 t, a, c, i;
	u32 l;
	int ret;

	/* Number the layouts first: attributes point into the array. */
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		for (a = 0; type && a < type->num_actions; a++) {
			const struct action_spec *spec =
				&type->actions[a].chain;

			if (!type->actions[a].handler)
				continue;
			for (c = 0; c < spec->num_chains; c++)
				for (i = 0;
				     i < spec->validator_chains[c]->num_attrs;
				     i++) {
					ret = layout_list_add(ll,
						spec->validator_chains[c]->attrs[i].layout);
					if (ret)
						return ret;
				}
		}
	}
	s->num_layouts = ll->num;
	s->layouts = schema_calloc(s, ll->num, sizeof(*s->layouts));
	s->num_types = types->num_types;
	s->types = schema_calloc(s, types->num_types, sizeof(*s->types));
	if (!s->layouts || !s->types || name_dup(s, &s->driver, types->name))
		return -ENOMEM;
	for (l = 0; l < ll->num; l++) {
		ret = from_layout(s, ll, l);
		if (ret)
			return ret;
	}
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];
		struct ioverbs_schema_type *dt = &s->types[t];

		dt->id = t;
		if (!type)
			continue;
		dt->filled = true;
		dt->has_objects = type->obj != NULL;
		dt->is_fd = type->obj && type->obj->is_fd;
		dt->num_actions = type->num_actions;
		if (name_dup(s, &dt->name, type->name))
			return -ENOMEM;
		dt->actions = schema_calloc(s, type->num_actions,
					    sizeof(*dt->actions));
		if (!dt->actions)
			return -ENOMEM;
		for (a = 0; a < type->num_actions; a++) {
			dt->actions[a].id = a;
			if (!type->actions[a].handler)
				continue;
			ret = from_action(s, ll, &dt->actions[a], a,
					  &type->actions[a]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int ioverbs_schema_from_types(const struct uverbs_types *types, u16 driver_id,
			      struct ioverbs_schema **out)
{
	struct layout_list ll = { 0 };
	struct ioverbs_schema *s;
	int ret;

	*out = NULL;
	s = schema_new();
	if (!s)
		return -ENOMEM;
	s->driver_id = driver_id;
	ret = from_types(s, types, &ll);
	free(ll.l);
	if (ret) {
		ioverbs_schema_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* --- from a blob ------------------------------------------------------- */

/*
 * The records nest: TYPE 1 > ACTION 2 > CHAIN 3 > ATTR 4, and LAYOUT 1 >
 * FIELD 2 > VALUE 3.  open[L] is the record open at level L (its kind),
 * want[L] the children it announced and got[L] those seen.  A record at
 * level L closes every level from L on (their counts must be complete)
 * and needs its parent's kind open at L - 1.
 */
#define SCHEMA_LEVELS 5

struct schema_parser {
	struct ioverbs_schema *s;
	u16 open[SCHEMA_LEVELS];
	u32 want[SCHEMA_LEVELS];
	u32 got[SCHEMA_LEVELS];
	u32 remaining;			/* bytes after the current record */
	struct ioverbs_schema_type *type;
	struct ioverbs_schema_action *action;
	struct ioverbs_schema_chain *chain;
	struct ioverbs_schema_layout *layout;
	struct ioverbs_schema_field *field;
	u32 num_layouts_seen;
	bool driver_seen;
};

static int parser_close(struct schema_parser *p, unsigned int level)
{
	unsigned int l;

	for (l = SCHEMA_LEVELS - 1; l >= level && l > 0; l--) {
		if (p->open[l] && p->got[l] != p->want[l])
			return -EPROTO;
		p->open[l] = 0;
	}
	return 0;
}

/* Opens a record of @kind at @level under @parent_kind (0: the root). */
static int parser_open(struct schema_parser *p, unsigned int level, u16 kind,
		       u16 parent_kind, u32 want)
{
	int ret = parser_close(p, level);

	if (ret)
		return ret;
	if (level > 1) {
		if (p->open[level - 1] != parent_kind ||
		    ++p->got[level - 1] > p->want[level - 1])
			return -EPROTO;
	}
	/* Each child is a record of at least 8 bytes. */
	if (want > p->remaining / 8)
		return -EPROTO;
	p->open[level] = kind;
	p->want[level] = want;
	p->got[level] = 0;
	return 0;
}

static struct ioverbs_schema_layout *parser_layout(struct schema_parser *p,
						   u32 index, int *err)
{
	if (index == IB_UVERBS_SCHEMA_NO_LAYOUT)
		return NULL;
	if (index >= p->s->num_layouts)
		*err = -EPROTO;
	return index < p->s->num_layouts ? &p->s->layouts[index] : NULL;
}

static int parse_type(struct schema_parser *p,
		      const struct ib_uverbs_schema_type *r, const char *name,
		      u16 name_len)
{
	struct ioverbs_schema *s = p->s;
	struct ioverbs_schema_type *t;
	int ret = parser_open(p, 1, IB_UVERBS_SCHEMA_TYPE, 0, r->num_filled);
	u16 a;

	if (ret)
		return ret;
	if (r->type_id >= s->num_types || s->types[r->type_id].filled ||
	    r->num_filled > r->num_actions)
		return -EPROTO;
	t = &s->types[r->type_id];
	t->filled = true;
	t->has_objects = r->flags & IB_UVERBS_SCHEMA_TYPE_OBJECTS;
	t->is_fd = r->flags & IB_UVERBS_SCHEMA_TYPE_FD;
	t->num_actions = r->num_actions;
	t->actions = schema_calloc(s, r->num_actions, sizeof(*t->actions));
	if (!t->actions)
		return -ENOMEM;
	for (a = 0; a < r->num_actions; a++)
		t->actions[a].id = a;
	p->type = t;
	return schema_strdup(s, &t->name, name, name_len);
}

static int parse_action(struct schema_parser *p,
			const struct ib_uverbs_schema_action *r,
			const char *name, u16 name_len)
{
	struct ioverbs_schema_action *a;
	int ret = parser_open(p, 2, IB_UVERBS_SCHEMA_ACTION,
			      IB_UVERBS_SCHEMA_TYPE, r->num_chains);

	if (ret)
		return ret;
	if (r->action_id >= p->type->num_actions ||
	    p->type->actions[r->action_id].filled || r->num_chains < 1 ||
	    r->num_chains > UVERBS_MAX_CHAINS)
		return -EPROTO;
	a = &p->type->actions[r->action_id];
	a->filled = true;
	a->num_chains = r->num_chains;
	a->after_removal = r->flags & IB_UVERBS_SCHEMA_ACTION_AFTER_REMOVAL;
	a->user_memory = r->flags & IB_UVERBS_SCHEMA_ACTION_USER_MEMORY;
	p->action = a;
	return schema_strdup(p->s, &a->name, name, name_len);
}

static int parse_chain(struct schema_parser *p,
		       const struct ib_uverbs_schema_chain *r)
{
	struct ioverbs_schema_chain *c;
	u16 i;
	int ret = parser_open(p, 3, IB_UVERBS_SCHEMA_CHAIN,
			      IB_UVERBS_SCHEMA_ACTION, r->num_filled);

	if (ret)
		return ret;
	/* Chains come in order: got[2] already counts this one. */
	/* Ids are 15 bits: bit 15 is the vendor namespace's. */
	if (r->chain != p->got[2] - 1 || r->num_filled > r->num_attrs ||
	    r->num_attrs > UVERBS_VENDOR_FLAG)
		return -EPROTO;
	c = &p->action->chains[r->chain];
	c->num_attrs = r->num_attrs;
	c->attrs = schema_calloc(p->s, r->num_attrs, sizeof(*c->attrs));
	if (!c->attrs)
		return -ENOMEM;
	for (i = 0; i < r->num_attrs; i++)
		c->attrs[i].id = i;
	p->chain = c;
	return 0;
}

static int parse_attr(struct schema_parser *p,
		      const struct ib_uverbs_schema_attr *r, const char *name,
		      u16 name_len)
{
	struct ioverbs_schema_attr *a;
	int ret = parser_open(p, 4, IB_UVERBS_SCHEMA_ATTR,
			      IB_UVERBS_SCHEMA_CHAIN, 0);

	if (ret)
		return ret;
	if (r->attr_id >= p->chain->num_attrs ||
	    p->chain->attrs[r->attr_id].type != UVERBS_ATTR_TYPE_NA ||
	    r->type == UVERBS_ATTR_TYPE_NA)
		return -EPROTO;
	a = &p->chain->attrs[r->attr_id];
	a->type = r->type;
	a->mandatory = r->flags & IB_UVERBS_SCHEMA_ATTR_MANDATORY;
	a->copy_on_error = r->flags & IB_UVERBS_SCHEMA_ATTR_COPY_ON_ERROR;
	a->idr_parent = r->flags & IB_UVERBS_SCHEMA_ATTR_PARENT;
	a->min_len = r->min_len;
	a->max_len = r->max_len;
	a->idr_type = r->idr_type;
	a->idr_access = r->idr_access;
	a->layout = parser_layout(p, r->layout, &ret);
	if (ret)
		return ret;
	return schema_strdup(p->s, &a->name, name, name_len);
}

static int parse_layout(struct schema_parser *p,
			const struct ib_uverbs_schema_layout *r,
			const char *name, u16 name_len)
{
	struct ioverbs_schema_layout *l;
	int ret = parser_open(p, 1, IB_UVERBS_SCHEMA_LAYOUT, 0, r->num_fields);

	if (ret)
		return ret;
	if (r->index != p->num_layouts_seen || r->index >= p->s->num_layouts)
		return -EPROTO;
	p->num_layouts_seen++;
	l = &p->s->layouts[r->index];
	l->size = r->size;
	l->num_fields = r->num_fields;
	l->fields = schema_calloc(p->s, r->num_fields, sizeof(*l->fields));
	if (!l->fields)
		return -ENOMEM;
	p->layout = l;
	return schema_strdup(p->s, &l->name, name, name_len);
}

static int parse_field(struct schema_parser *p,
		       const struct ib_uverbs_schema_field *r,
		       const char *name, u16 name_len)
{
	struct ioverbs_schema_field *f;
	int ret = parser_open(p, 2, IB_UVERBS_SCHEMA_FIELD,
			      IB_UVERBS_SCHEMA_LAYOUT, r->num_values);

	if (ret)
		return ret;
	f = &p->layout->fields[p->got[1] - 1];
	f->offset = r->offset;
	f->size = r->size;
	f->count = r->count;
	f->kind = r->kind;
	f->num_values = r->num_values;
	f->values = schema_calloc(p->s, r->num_values, sizeof(*f->values));
	if (!f->values)
		return -ENOMEM;
	f->layout = parser_layout(p, r->layout, &ret);
	if (ret)
		return ret;
	p->field = f;
	return schema_strdup(p->s, &f->name, name, name_len);
}

static int parse_value(struct schema_parser *p,
		       const struct ib_uverbs_schema_value *r,
		       const char *name, u16 name_len)
{
	struct ioverbs_schema_value *v;
	int ret = parser_open(p, 3, IB_UVERBS_SCHEMA_VALUE,
			      IB_UVERBS_SCHEMA_FIELD, 0);

	if (ret)
		return ret;
	v = &p->field->values[p->got[2] - 1];
	v->value = r->value;
	return schema_strdup(p->s, &v->name, name, name_len);
}

/* One record: its body, zero-filled or cut to what this reader knows. */
static int parse_rec(struct schema_parser *p,
		     const struct ib_uverbs_schema_rec *rec, const u8 *body)
{
	union {
		struct ib_uverbs_schema_type type;
		struct ib_uverbs_schema_action action;
		struct ib_uverbs_schema_chain chain;
		struct ib_uverbs_schema_attr attr;
		struct ib_uverbs_schema_layout layout;
		struct ib_uverbs_schema_field field;
		struct ib_uverbs_schema_value value;
	} b;
	const char *name = (const char *)body + rec->body_len;

	memset(&b, 0, sizeof(b));
	memcpy(&b, body, rec->body_len < sizeof(b) ? rec->body_len : sizeof(b));
	switch (rec->kind) {
	case IB_UVERBS_SCHEMA_DRIVER:
		if (p->driver_seen)
			return -EPROTO;
		p->driver_seen = true;
		return schema_strdup(p->s, &p->s->driver, name, rec->name_len);
	case IB_UVERBS_SCHEMA_TYPE:
		return parse_type(p, &b.type, name, rec->name_len);
	case IB_UVERBS_SCHEMA_ACTION:
		return parse_action(p, &b.action, name, rec->name_len);
	case IB_UVERBS_SCHEMA_CHAIN:
		return parse_chain(p, &b.chain);
	case IB_UVERBS_SCHEMA_ATTR:
		return parse_attr(p, &b.attr, name, rec->name_len);
	case IB_UVERBS_SCHEMA_LAYOUT:
		return parse_layout(p, &b.layout, name, rec->name_len);
	case IB_UVERBS_SCHEMA_FIELD:
		return parse_field(p, &b.field, name, rec->name_len);
	case IB_UVERBS_SCHEMA_VALUE:
		return parse_value(p, &b.value, name, rec->name_len);
	}
	return 0;	/* a kind of a later writer: skipped */
}

static int parse_blob(struct ioverbs_schema *s, const u8 *blob, size_t len)
{
	struct ib_uverbs_schema_hdr h;
	struct schema_parser p = { .s = s };
	u32 pos;
	u16 t;
	int ret;

	if (len < sizeof(h))
		return -EPROTO;
	memcpy(&h, blob, sizeof(h));
	if (h.magic != IB_UVERBS_SCHEMA_MAGIC ||
	    h.version != IB_UVERBS_SCHEMA_VERSION)
		return -EPROTONOSUPPORT;
	if (h.hdr_len < sizeof(h) || h.hdr_len > h.total_len ||
	    h.total_len > len || (h.hdr_len & 7))
		return -EPROTO;
	/* Each layout is a record of at least 8 bytes. */
	if (h.num_layouts > (h.total_len - h.hdr_len) / 8)
		return -EPROTO;
	s->driver_id = h.driver_id;
	s->num_types = h.num_types;
	s->types = schema_calloc(s, h.num_types, sizeof(*s->types));
	s->num_layouts = h.num_layouts;
	s->layouts = schema_calloc(s, h.num_layouts, sizeof(*s->layouts));
	if (!s->types || !s->layouts)
		return -ENOMEM;
	for (t = 0; t < h.num_types; t++)
		s->types[t].id = t;
	for (pos = 0; pos < h.num_layouts; pos++)
		s->layouts[pos].index = pos;

	for (pos = h.hdr_len; pos < h.total_len;) {
		struct ib_uverbs_schema_rec rec;
		u32 size;

		if (h.total_len - pos < sizeof(rec))
			return -EPROTO;
		memcpy(&rec, blob + pos, sizeof(rec));
		size = IB_UVERBS_SCHEMA_REC_SIZE(rec.body_len, rec.name_len);
		if (size > h.total_len - pos)
			return -EPROTO;
		p.remaining = h.total_len - pos - size;
		ret = parse_rec(&p, &rec, blob + pos + sizeof(rec));
		if (ret)
			return ret;
		pos += size;
	}
	ret = parser_close(&p, 1);
	if (ret)
		return ret;
	return p.num_layouts_seen == h.num_layouts ? 0 : -EPROTO;
}

int ioverbs_schema_parse(const void *blob, size_t len,
			 struct ioverbs_schema **out)
{
	struct ioverbs_schema *s;
	int ret;

	*out = NULL;
	s = schema_new();
	if (!s)
		return -ENOMEM;
	ret = parse_blob(s, blob, len);
	if (ret) {
		ioverbs_schema_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* --- from a device ----------------------------------------------------- */

/* One QUERY_SCHEMA: the blob's size, and @len bytes from @offset. */
static long schema_query(struct ioverbs_client *v, u32 offset, void *buf,
			 u32 len, u32 *total)
{
	struct ioverbs_cmd c;

	ioverbs_client_cmd_init(v, &c, UVERBS_TYPE_DEVICE,
				UVERBS_ACTION_DEVICE_QUERY_SCHEMA);
	if (offset)
		ioverbs_cmd_in(&c, UVERBS_QUERY_SCHEMA_OFFSET, &offset,
			       sizeof(offset));
	if (len)
		ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_DATA, buf, len);
	ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_SIZE, total, sizeof(*total));
	return ioverbs_client_exec(v, &c);
}

/* The most one DATA takes, a multiple of 8. */
#define SCHEMA_PIECE 65528u
/* The first piece: most schemas fit. */
#define SCHEMA_FIRST 16384u

int ioverbs_schema_fetch_blob(struct ioverbs_client *v, void **blob,
			      size_t *len)
{
	u32 total = 0, more, off;
	u8 *buf, *bigger;
	long ret;

	*blob = NULL;
	*len = 0;
	buf = malloc(SCHEMA_FIRST);
	if (!buf)
		return -ENOMEM;
	ret = schema_query(v, 0, buf, SCHEMA_FIRST, &total);
	if (ret)
		goto err;
	if (total < sizeof(struct ib_uverbs_schema_hdr) ||
	    total > IOVERBS_SCHEMA_MAX_BLOB) {
		ret = -EPROTO;
		goto err;
	}
	if (total > SCHEMA_FIRST) {
		bigger = realloc(buf, total);
		if (!bigger) {
			ret = -ENOMEM;
			goto err;
		}
		buf = bigger;
		for (off = SCHEMA_FIRST; off < total; off += more) {
			u32 again = 0;

			more = total - off < SCHEMA_PIECE ? total - off :
							    SCHEMA_PIECE;
			ret = schema_query(v, off, buf + off, more, &again);
			if (ret)
				goto err;
			if (again != total) {
				ret = -EAGAIN;
				goto err;
			}
		}
	}
	*blob = buf;
	*len = total;
	return 0;
err:
	free(buf);
	return (int)ret;
}

int ioverbs_schema_fetch(struct ioverbs_client *v, struct ioverbs_schema **out)
{
	void *blob;
	size_t len;
	int ret;

	*out = NULL;
	ret = ioverbs_schema_fetch_blob(v, &blob, &len);
	if (ret)
		return ret;
	ret = ioverbs_schema_parse(blob, len, out);
	free(blob);
	return ret;
}

/* --- walking ----------------------------------------------------------- */

const struct ioverbs_schema_type *
ioverbs_schema_type(const struct ioverbs_schema *s, u16 type)
{
	if (type >= s->num_types || !s->types[type].filled)
		return NULL;
	return &s->types[type];
}

const struct ioverbs_schema_action *
ioverbs_schema_action(const struct ioverbs_schema *s, u16 type, u16 action)
{
	const struct ioverbs_schema_type *t = ioverbs_schema_type(s, type);

	if (!t || action >= t->num_actions || !t->actions[action].filled)
		return NULL;
	return &t->actions[action];
}

const struct ioverbs_schema_attr *
ioverbs_schema_attr(const struct ioverbs_schema *s, u16 type, u16 action,
		    u16 attr_id)
{
	const struct ioverbs_schema_action *a =
		ioverbs_schema_action(s, type, action);
	unsigned int c = attr_id & UVERBS_VENDOR_FLAG ? 1 : 0;
	u16 id = attr_id & ~UVERBS_VENDOR_FLAG;

	if (!a || c >= a->num_chains || id >= a->chains[c].num_attrs ||
	    a->chains[c].attrs[id].type == UVERBS_ATTR_TYPE_NA)
		return NULL;
	return &a->chains[c].attrs[id];
}

int ioverbs_schema_walk(const struct ioverbs_schema *s,
			const struct ioverbs_schema_walker *w, void *arg)
{
	u32 t, a, c, i;
	int ret;

	for (t = 0; t < s->num_types; t++) {
		const struct ioverbs_schema_type *ty = &s->types[t];

		if (!ty->filled)
			continue;
		if (w->type && (ret = w->type(arg, ty)))
			return ret;
		for (a = 0; a < ty->num_actions; a++) {
			const struct ioverbs_schema_action *ac = &ty->actions[a];

			if (!ac->filled)
				continue;
			if (w->action && (ret = w->action(arg, ty, ac)))
				return ret;
			for (c = 0; w->attr && c < ac->num_chains; c++)
				for (i = 0; i < ac->chains[c].num_attrs; i++) {
					const struct ioverbs_schema_attr *at =
						&ac->chains[c].attrs[i];

					if (at->type == UVERBS_ATTR_TYPE_NA)
						continue;
					ret = w->attr(arg, ty, ac, c, at);
					if (ret)
						return ret;
				}
		}
	}
	for (i = 0; w->layout && i < s->num_layouts; i++) {
		ret = w->layout(arg, &s->layouts[i]);
		if (ret)
			return ret;
	}
	return 0;
}
