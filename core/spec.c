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
	return 0;
}
