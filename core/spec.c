// SPDX-License-Identifier: MIT
/*
 * The standard distribution function and handler wrappers of the seed, and
 * the registration-time checker of a driver's types table: what the core
 * relies on per command is proven once, when the device registers.
 */
#include "core_priv.h"

int ib_uverbs_std_dist(u16 *attr_id, const void *priv)
{
	(void)priv;
	if (*attr_id & UVERBS_VENDOR_FLAG) {
		*attr_id &= ~UVERBS_VENDOR_FLAG;
		return 1;
	}
	return 0;
}

int uverbs_action_std_handle(struct ib_device *ib_dev,
			     struct ib_uverbs_file *ufile,
			     struct uverbs_attr_array *ctx, size_t num,
			     const void *priv)
{
	const struct uverbs_action_std_handler *h = priv;
	struct ib_ucontext *uctx = smp_load_acquire(&ufile->ucontext);

	if (!uctx) {
		uverbs_set_error("no context yet (GET_CONTEXT first)");
		return -EINVAL;
	}
	if (WARN_ON(num != 1 && num != 2))
		return -EINVAL;
	if (!h->handler)
		return 0;
	return h->handler(ib_dev, uctx, &ctx[0], num == 2 ? &ctx[1] : NULL,
			  h->priv);
}

int uverbs_action_std_ctx_handle(struct ib_device *ib_dev,
				 struct ib_uverbs_file *ufile,
				 struct uverbs_attr_array *ctx, size_t num,
				 const void *priv)
{
	const struct uverbs_action_std_ctx_handler *h = priv;

	if (WARN_ON(num != 1 && num != 2))
		return -EINVAL;
	return h->handler(ib_dev, ufile, &ctx[0], num == 2 ? &ctx[1] : NULL,
			  h->priv);
}

static int check_attr(const struct uverbs_types *types,
		      const struct uverbs_attr_spec *a, const char *where,
		      unsigned int *num_new, unsigned int *num_destroy,
		      unsigned int *num_parents)
{
	const struct uverbs_type *t;

	if (a->copy_on_error && a->type != UVERBS_ATTR_TYPE_PTR_OUT) {
		pr_err("%s: copy_on_error on a type %u attribute", where,
		       a->type);
		return -EINVAL;
	}
	switch (a->type) {
	case UVERBS_ATTR_TYPE_NA:
		return 0;
	case UVERBS_ATTR_TYPE_PTR_IN:
	case UVERBS_ATTR_TYPE_PTR_OUT:
		if (!a->max_len || a->min_len > a->max_len) {
			pr_err("%s: PTR lengths %u..%u", where, a->min_len,
			       a->max_len);
			return -EINVAL;
		}
		return 0;
	case UVERBS_ATTR_TYPE_IDR:
	case UVERBS_ATTR_TYPE_FD:
		break;
	default:
		pr_err("%s: unknown attribute type %u", where, a->type);
		return -EINVAL;
	}

	t = a->idr.type < types->num_types ? types->types[a->idr.type] : NULL;
	if (!t || !t->obj || !t->obj->destroy) {
		pr_err("%s: object type %u is not a type with objects", where,
		       a->idr.type);
		return -EINVAL;
	}
	if (t->obj->is_fd != (a->type == UVERBS_ATTR_TYPE_FD)) {
		pr_err("%s: %s attribute for %s type %u", where,
		       a->type == UVERBS_ATTR_TYPE_FD ? "FD" : "IDR",
		       t->obj->is_fd ? "an fd" : "a handle", a->idr.type);
		return -EINVAL;
	}
	switch (a->idr.access) {
	case UVERBS_ACCESS_NEW:
		(*num_new)++;
		break;
	case UVERBS_ACCESS_DESTROY:
		(*num_destroy)++;
		break;
	case UVERBS_ACCESS_READ:
	case UVERBS_ACCESS_WRITE:
		break;
	default:
		pr_err("%s: access %u", where, a->idr.access);
		return -EINVAL;
	}
	if (a->idr.parent) {
		if (a->idr.access != UVERBS_ACCESS_READ) {
			pr_err("%s: a parent must be READ", where);
			return -EINVAL;
		}
		(*num_parents)++;
	}
	if ((a->idr.access == UVERBS_ACCESS_NEW ||
	     a->idr.access == UVERBS_ACCESS_DESTROY) && !a->mandatory) {
		pr_err("%s: NEW and DESTROY attributes must be mandatory",
		       where);
		return -EINVAL;
	}
	return 0;
}

/* Rule 16 and the invariants the dispatcher relies on. */
static int check_action(const struct uverbs_types *types,
			const struct uverbs_action *act, const char *name,
			unsigned int type_id, unsigned int action_id)
{
	unsigned int num_new = 0, num_destroy = 0, num_parents = 0;
	const struct action_spec *spec = &act->chain;
	unsigned int c, id;
	char where[96];
	int ret;

	snprintf(where, sizeof(where), "%s: type %u action %u", name, type_id,
		 action_id);
	if (!act->handler) {
		if (spec->num_chains) {
			pr_err("%s: attributes but no handler", where);
			return -EINVAL;
		}
		return 0;
	}
	if (spec->num_chains < 1 || spec->num_chains > UVERBS_MAX_CHAINS ||
	    !spec->validator_chains || !spec->dist) {
		pr_err("%s: needs 1 or 2 chains and a distribution function",
		       where);
		return -EINVAL;
	}
	for (c = 0; c < spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[c];

		if (!chain || (chain->num_attrs && !chain->attrs)) {
			pr_err("%s: chain %u is empty", where, c);
			return -EINVAL;
		}
		if (chain->num_attrs > UVERBS_VENDOR_FLAG) {
			pr_err("%s: chain %u has more ids than the namespace",
			       where, c);
			return -EINVAL;
		}
		for (id = 0; id < chain->num_attrs; id++) {
			char at[128];

			snprintf(at, sizeof(at), "%s attr %s0x%x", where,
				 c ? "vendor " : "", id);
			ret = check_attr(types, &chain->attrs[id], at, &num_new,
					 &num_destroy, &num_parents);
			if (ret)
				return ret;
		}
	}
	if (num_new + num_destroy > 1) {
		pr_err("%s: %u NEW and %u DESTROY attributes, at most one in all",
		       where, num_new, num_destroy);
		return -EINVAL;
	}
	if (num_parents && !num_new) {
		pr_err("%s: parent attributes without a NEW one", where);
		return -EINVAL;
	}
	if (num_parents > UVERBS_MAX_PARENTS) {
		pr_err("%s: %u parents, at most %u", where, num_parents,
		       UVERBS_MAX_PARENTS);
		return -EINVAL;
	}
	return 0;
}

/* A name a tool can print: set, not empty, no spaces or control bytes. */
static bool name_ok(const char *n)
{
	if (!n || !*n)
		return false;
	for (; *n; n++)
		if (*n <= ' ' || *n == 0x7f)
			return false;
	return true;
}

static bool field_number_size_ok(u16 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * A layout's fields lie inside it, in offset order, without overlapping;
 * each kind has the size and tables it needs.  @depth bounds nesting.
 */
static int check_layout(const struct uverbs_layout *l, const char *where,
			unsigned int depth)
{
	unsigned int i, end = 0;

	if (depth > 4) {
		pr_err("%s: layouts nested more than 4 deep", where);
		return -EINVAL;
	}
	if (!name_ok(l->name) || !l->size || !l->num_fields || !l->fields) {
		pr_err("%s: layout %s: needs a name, a size and fields", where,
		       l->name ? l->name : "(null)");
		return -EINVAL;
	}
	for (i = 0; i < l->num_fields; i++) {
		const struct uverbs_field *f = &l->fields[i];
		unsigned int len = f->size * (f->count ? f->count : 1);
		const char *fn = f->name ? f->name : "(scalar)";
		bool start_ok;

		if (!f->name && l->num_fields != 1) {
			pr_err("%s: layout %s: field %u has no name", where,
			       l->name, i);
			return -EINVAL;
		}
		if (f->name && !name_ok(f->name)) {
			pr_err("%s: layout %s: field %u: bad name", where,
			       l->name, i);
			return -EINVAL;
		}
		/* A field at the offset of the one before it is another
		 * member of the same union; any other may not overlap. */
		if (i && f->offset == l->fields[i - 1].offset)
			start_ok = true;
		else
			start_ok = f->offset >= end;
		if (!f->size || !start_ok || f->offset + len > l->size) {
			pr_err("%s: layout %s: field %s at %u..%u overlaps or leaves the struct (%u bytes)",
			       where, l->name, fn, f->offset, f->offset + len,
			       l->size);
			return -EINVAL;
		}
		end = max_t(unsigned int, end, f->offset + len);
		switch (f->kind) {
		case UVERBS_FIELD_UINT:
		case UVERBS_FIELD_INT:
		case UVERBS_FIELD_HEX:
			if (!field_number_size_ok(f->size))
				goto bad_size;
			break;
		case UVERBS_FIELD_ENUM:
		case UVERBS_FIELD_FLAGS:
			if (!field_number_size_ok(f->size))
				goto bad_size;
			if (!f->values) {
				pr_err("%s: layout %s: field %s: no value names",
				       where, l->name, fn);
				return -EINVAL;
			}
			break;
		case UVERBS_FIELD_HANDLE:
			if (f->size != 4)
				goto bad_size;
			break;
		case UVERBS_FIELD_BYTES:
			break;
		case UVERBS_FIELD_STRUCT:
			if (!f->layout || f->layout->size != f->size) {
				pr_err("%s: layout %s: field %s: nested layout missing or not %u bytes",
				       where, l->name, fn, f->size);
				return -EINVAL;
			}
			if (check_layout(f->layout, where, depth + 1))
				return -EINVAL;
			break;
		default:
			pr_err("%s: layout %s: field %s: unknown kind %u", where,
			       l->name, fn, f->kind);
			return -EINVAL;
		}
	}
	return 0;

bad_size:
	pr_err("%s: layout %s: field %s: size %u for kind %u", where, l->name,
	       l->fields[i].name ? l->fields[i].name : "(scalar)",
	       l->fields[i].size, l->fields[i].kind);
	return -EINVAL;
}

/* A PTR attribute's layout fits its lengths: one struct, or whole ones. */
static int check_attr_layout(const struct uverbs_attr_spec *a,
			     const char *where)
{
	const struct uverbs_layout *l = a->layout;

	if (!l)
		return 0;
	if (a->type != UVERBS_ATTR_TYPE_PTR_IN &&
	    a->type != UVERBS_ATTR_TYPE_PTR_OUT) {
		pr_err("%s: a layout on an object attribute", where);
		return -EINVAL;
	}
	if (check_layout(l, where, 0))
		return -EINVAL;
	if (a->min_len == a->max_len ? a->max_len != l->size :
	    a->min_len % l->size || a->max_len % l->size) {
		pr_err("%s: lengths %u..%u do not fit layout %s of %u bytes",
		       where, a->min_len, a->max_len, l->name, l->size);
		return -EINVAL;
	}
	return 0;
}

/* Attribute names are unique across the action's chains. */
static int check_attr_names(const struct action_spec *spec, const char *act,
			    const char *name)
{
	unsigned int c, id, c2, id2;

	for (c = 0; c < spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[c];

		for (id = 0; id < chain->num_attrs; id++) {
			const struct uverbs_attr_spec *a = &chain->attrs[id];
			char where[160];

			if (a->type == UVERBS_ATTR_TYPE_NA)
				continue;
			snprintf(where, sizeof(where), "%s: %s: attr %s0x%x",
				 name, act, c ? "vendor " : "", id);
			if (!name_ok(a->name)) {
				pr_err("%s: no name", where);
				return -EINVAL;
			}
			if (check_attr_layout(a, where))
				return -EINVAL;
			for (c2 = 0; c2 <= c; c2++) {
				const struct uverbs_attr_chain_spec *ch2 =
					spec->validator_chains[c2];
				unsigned int n = c2 == c ? id : ch2->num_attrs;

				for (id2 = 0; id2 < n; id2++) {
					const struct uverbs_attr_spec *b =
						&ch2->attrs[id2];

					if (b->type != UVERBS_ATTR_TYPE_NA &&
					    !strcmp(a->name, b->name)) {
						pr_err("%s: name %s taken by attr %s0x%x",
						       where, a->name,
						       c2 ? "vendor " : "", id2);
						return -EINVAL;
					}
				}
			}
		}
	}
	return 0;
}

/*
 * Names and layouts (after the structure is proven): the driver's, every
 * type's, every action's and every attribute's name set and unique within
 * its table; every layout consistent with its attribute.
 */
static int check_names(const struct uverbs_types *types, const char *name)
{
	unsigned int t, t2, a, a2;
	int ret;

	if (!name_ok(types->name)) {
		pr_err("%s: the types table has no driver name", name);
		return -EINVAL;
	}
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		if (!type)
			continue;
		if (!name_ok(type->name)) {
			pr_err("%s: type %u: no name", name, t);
			return -EINVAL;
		}
		for (t2 = 0; t2 < t; t2++) {
			if (types->types[t2] &&
			    !strcmp(types->types[t2]->name, type->name)) {
				pr_err("%s: type %u: name %s taken by type %u",
				       name, t, type->name, t2);
				return -EINVAL;
			}
		}
		for (a = 0; a < type->num_actions; a++) {
			const struct uverbs_action *act = &type->actions[a];

			if (!act->handler)
				continue;
			if (!name_ok(act->name)) {
				pr_err("%s: %s: action %u: no name", name,
				       type->name, a);
				return -EINVAL;
			}
			for (a2 = 0; a2 < a; a2++) {
				if (type->actions[a2].handler &&
				    !strcmp(type->actions[a2].name, act->name)) {
					pr_err("%s: %s: action %u: name %s taken by action %u",
					       name, type->name, a, act->name,
					       a2);
					return -EINVAL;
				}
			}
			ret = check_attr_names(&act->chain, act->name, name);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int uverbs_types_check(const struct uverbs_types *types, const char *name)
{
	unsigned int t, a;
	int ret;

	if (!types || !types->types || !types->num_types) {
		pr_err("%s: no types table", name);
		return -EINVAL;
	}
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		if (!type)
			continue;
		if (type->num_actions && !type->actions) {
			pr_err("%s: type %u: actions missing", name, t);
			return -EINVAL;
		}
		for (a = 0; a < type->num_actions; a++) {
			ret = check_action(types, &type->actions[a], name, t, a);
			if (ret)
				return ret;
		}
	}
	return check_names(types, name);
}
