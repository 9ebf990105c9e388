// SPDX-License-Identifier: MIT
/*
 * The verbs ioctl dispatcher: checks the header, finds the action in the
 * device's types table, validates every attribute against the action's
 * spec, fetches and locks the objects IDR/FD attributes name (or reserves
 * NEW ones), calls the handler, then commits or aborts every object of the
 * command and copies outputs back.  Rule numbers are those of
 * docs/design.md.
 *
 * A command runs in three passes over its attributes, so that nothing has
 * a side effect before the whole command is known to be well formed:
 *   parse: ids, chains, duplicates, lengths and shapes (no user memory
 *          beyond the attribute array, no objects);
 *   fetch: PTR_IN copies, object lookups and locks, NEW reservations;
 *   finalize: commit or abort, unlock, in every case.
 * Every refusal says why (Rule 23): uverbs_set_error(), see reason.c,
 * naming the action and the attribute as the spec tables name them
 * ("PD_ALLOC: attr HANDLE (id 0x0): given twice"; an id the spec does not
 * know is "???").
 */
#include "core_priv.h"

/* Attributes handled without a heap allocation. */
#define BUNDLE_STACK_ATTRS 16
#define BUNDLE_STACK_BYTES 768

/*
 * A command being served.  uattrs is the caller's array, copied;
 * arrays[c].attrs[id] is the validated attribute; where[] maps each
 * user attribute to its validated slot.
 */
struct bundle {
	struct uverbs_cmd *cmd;		/* the command's reason, its context */
	const char *name;		/* the action's, for reasons */
	struct ib_uverbs_file *ufile;
	struct ib_ucontext *uctx;
	const struct ib_uverbs_device *udev;
	const struct action_spec *spec;
	u64 uattrs_addr;
	struct ib_uverbs_attr *uattrs;
	struct uverbs_attr **where;
	unsigned int num_attrs;
	struct uverbs_attr_array arrays[UVERBS_MAX_CHAINS];
	struct uverbs_attr *newobj;	/* the NEW attribute, if any */
	struct uverbs_attr *destroy;	/* the DESTROY attribute, if any */
	bool destroyed;			/* its driver object is gone */
	bool removed;			/* the device is gone */
	size_t data_len;
	size_t stack_used;
	void *heap[2];
	struct ib_uverbs_attr stack_uattrs[BUNDLE_STACK_ATTRS];
	u64 stack[BUNDLE_STACK_BYTES / sizeof(u64)];
};

/*
 * Says why attribute @i of the command is refused: "<action>: attr
 * <name> (id 0x..): <why>"; @spec NULL (an id without a spec) is "???".
 */
static __printf(4, 5) void attr_error(const struct bundle *b,
				      unsigned int i,
				      const struct uverbs_attr_spec *spec,
				      const char *fmt, ...)
{
	char why[UVERBS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	uverbs_set_error("%s: attr %s (id 0x%x): %s", b->name,
			 spec && spec->name ? spec->name : "???",
			 b->uattrs[i].attr_id, why);
}

static int bundle_alloc_attrs(struct bundle *b)
{
	const struct action_spec *spec = b->spec;
	size_t n = 0, size;
	struct uverbs_attr *mem;
	unsigned int c;

	for (c = 0; c < spec->num_chains; c++)
		n += spec->validator_chains[c]->num_attrs;
	size = n * sizeof(*mem) + b->num_attrs * sizeof(*b->where);
	if (size <= sizeof(b->stack)) {
		mem = (struct uverbs_attr *)b->stack;
		memset(mem, 0, size);
	} else {
		mem = kzalloc(size);
		if (!mem) {
			uverbs_set_error("out of memory for %zu bytes of attribute state",
					 size);
			return -ENOMEM;
		}
		b->heap[0] = mem;
	}
	for (c = 0; c < spec->num_chains; c++) {
		b->arrays[c].attrs = mem;
		b->arrays[c].num_attrs = spec->validator_chains[c]->num_attrs;
		mem += b->arrays[c].num_attrs;
	}
	b->where = (struct uverbs_attr **)mem;
	if (!b->heap[0])
		b->stack_used = size;
	return 0;
}

/* Room for the PTR buffers: the rest of the stack area, or the heap. */
static u8 *bundle_alloc_data(struct bundle *b)
{
	size_t used = (b->stack_used + 7u) & ~(size_t)7u;

	if (b->data_len <= sizeof(b->stack) - used)
		return (u8 *)b->stack + used;
	b->heap[1] = kmalloc(b->data_len);
	return b->heap[1];
}

/* Rules 8, 9, 10 (lengths), 11 (shape), 13 (shape). */
static int parse_attr(struct bundle *b, unsigned int i)
{
	const struct ib_uverbs_attr *uattr = &b->uattrs[i];
	const struct uverbs_attr_chain_spec *chain;
	const struct uverbs_attr_spec *spec;
	struct uverbs_attr *e;
	u16 id = uattr->attr_id;
	int c;

	if (uattr->reserved) {
		attr_error(b, i, NULL, "reserved is not zero");
		return -EINVAL;
	}
	c = b->spec->dist(&id, b->spec->priv);
	if (c < 0 || c >= b->spec->num_chains) {
		attr_error(b, i, NULL, "no %s chain for it",
			   c > 0 ? "vendor" : "such");
		return -EINVAL;
	}
	chain = b->spec->validator_chains[c];
	if (id >= chain->num_attrs ||
	    chain->attrs[id].type == UVERBS_ATTR_TYPE_NA) {
		attr_error(b, i, NULL, "not in the action's spec");
		return -EINVAL;
	}
	spec = &chain->attrs[id];
	e = &b->arrays[c].attrs[id];
	if (e->valid) {
		attr_error(b, i, spec, "given twice");
		return -EINVAL;
	}

	switch (spec->type) {
	case UVERBS_ATTR_TYPE_PTR_IN:
	case UVERBS_ATTR_TYPE_PTR_OUT:
		if (uattr->len < spec->min_len || uattr->len > spec->max_len) {
			attr_error(b, i, spec, "len %u outside %u..%u",
				   uattr->len, spec->min_len, spec->max_len);
			return -EINVAL;
		}
		e->cmd_attr.len = uattr->len;
		b->data_len += (uattr->len + 7u) & ~7u;
		break;
	case UVERBS_ATTR_TYPE_IDR:
	case UVERBS_ATTR_TYPE_FD:
		if (uattr->len) {
			attr_error(b, i, spec, "len must be 0 for an object");
			return -EINVAL;
		}
		if (spec->type == UVERBS_ATTR_TYPE_IDR &&
		    (uattr->ptr_idr >> 32)) {
			attr_error(b, i, spec, "handle above 32 bits");
			return -EINVAL;
		}
		/*
		 * Rule 13: a value no descriptor has (high bits set, or
		 * negative) names no fd of this file.  A NEW one may also
		 * be -1: no descriptor to bind, the transport makes one.
		 */
		if (spec->type == UVERBS_ATTR_TYPE_FD &&
		    uattr->ptr_idr > INT32_MAX &&
		    !(spec->idr.access == UVERBS_ACCESS_NEW &&
		      uattr->ptr_idr == ~0ull)) {
			attr_error(b, i, spec, "%lld is not an fd",
				   (long long)uattr->ptr_idr);
			return -EBADF;
		}
		if (!b->uctx) {
			attr_error(b, i, spec,
				   "no context yet (GET_CONTEXT first)");
			return -EINVAL;
		}
		e->obj_attr.id = (u32)uattr->ptr_idr;
		if (spec->idr.access == UVERBS_ACCESS_NEW)
			b->newobj = e;
		else if (spec->idr.access == UVERBS_ACCESS_DESTROY)
			b->destroy = e;
		break;
	}
	e->spec = spec;
	e->valid = true;
	b->where[i] = e;
	return 0;
}

static int parse_attrs(struct bundle *b)
{
	unsigned int i, c, id;
	int ret;

	for (i = 0; i < b->num_attrs; i++) {
		ret = parse_attr(b, i);
		if (ret)
			return ret;
	}
	for (c = 0; c < b->spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			b->spec->validator_chains[c];

		for (id = 0; id < chain->num_attrs; id++) {
			const struct uverbs_attr_spec *spec = &chain->attrs[id];

			if (spec->mandatory && !b->arrays[c].attrs[id].valid) {
				uverbs_set_error("%s: mandatory attr %s (id 0x%x) missing",
						 b->name,
						 spec->name ? spec->name : "???",
						 c ? id | UVERBS_VENDOR_FLAG : id);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Copies PTR_IN data in, looks up and locks objects, reserves NEW ones. */
static int fetch_attr(struct bundle *b, unsigned int i, u8 **data)
{
	struct uverbs_attr *e = b->where[i];
	const struct uverbs_attr_spec *spec = e->spec;
	const struct uverbs_type *type;
	struct ib_uobject *uobj;
	u64 handle;

	switch (spec->type) {
	case UVERBS_ATTR_TYPE_PTR_IN:
		e->cmd_attr.data = *data;
		*data += (e->cmd_attr.len + 7u) & ~7u;
		if (copy_from_user(e->cmd_attr.data,
				   u64_to_user_ptr(b->uattrs[i].ptr_idr),
				   e->cmd_attr.len)) {
			attr_error(b, i, spec, "PTR_IN not readable");
			return -EFAULT;
		}
		return 0;
	case UVERBS_ATTR_TYPE_PTR_OUT:
		e->cmd_attr.data = *data;
		*data += (e->cmd_attr.len + 7u) & ~7u;
		memset(e->cmd_attr.data, 0, e->cmd_attr.len);
		return 0;
	}

	type = b->udev->types->types[spec->idr.type];
	if (spec->idr.access == UVERBS_ACCESS_NEW) {
		u64 v = b->uattrs[i].ptr_idr;

		uobj = uverbs_uobject_reserve(b->uctx, spec->idr.type, type,
					      v <= 0x7fffffff ? (int)v : -1);
		if (IS_ERR(uobj)) {
			/* A refused charge said which quota. */
			if (uverbs_error_is_set())
				attr_error(b, i, spec, "%s", uverbs_error_get());
			else
				attr_error(b, i, spec, "no new %s: %s",
					   type->obj->is_fd ? "fd" : "handle",
						 PTR_ERR(uobj) == -ENOSPC ? "the table is full" :
						 PTR_ERR(uobj) == -EBADF ? "that fd is taken" :
						 "out of memory");
			return (int)PTR_ERR(uobj);
		}
		e->obj_attr.uobject = uobj;
		e->obj_attr.id = uobj->id;
		/* Rule 14: the caller learns the handle before the handler. */
		handle = uobj->id;
		if (copy_to_user(u64_to_user_ptr(b->uattrs_addr +
						 i * sizeof(*b->uattrs) +
						 offsetof(struct ib_uverbs_attr,
							  ptr_idr)),
				 &handle, sizeof(handle))) {
			attr_error(b, i, spec,
				   "cannot write the new handle back");
			/* Not fetched yet as far as finalize knows: undo here. */
			uverbs_uobject_abort_new(uobj);
			e->obj_attr.uobject = NULL;
			return -EFAULT;
		}
		return 0;
	}

	uobj = uverbs_uobject_fetch(b->uctx, spec->idr.type, type,
				    e->obj_attr.id, spec->idr.access,
				    b->removed);
	if (IS_ERR(uobj)) {
		/* Rule 18's refusal said how many depend on it. */
		if (PTR_ERR(uobj) == -EBUSY && uverbs_error_is_set()) {
			attr_error(b, i, spec, "%s", uverbs_error_get());
			return -EBUSY;
		}
		attr_error(b, i, spec, "%s %u: %s",
			   type->obj->is_fd ? "fd" : "handle", e->obj_attr.id,
			   PTR_ERR(uobj) == -EBUSY  ? "locked by another command" :
			   PTR_ERR(uobj) == -EINVAL ? "of another type" :
						      "no such object");
		return (int)PTR_ERR(uobj);
	}
	e->obj_attr.uobject = uobj;
	return 0;
}

static bool attr_is_obj(const struct uverbs_attr *e)
{
	return e->spec->type == UVERBS_ATTR_TYPE_IDR ||
	       e->spec->type == UVERBS_ATTR_TYPE_FD;
}

/*
 * Commits (ret == 0) or aborts every object attribute the fetch pass got
 * to, and unlocks the rest.  Rule 17: runs on every path.
 */
static void finalize_attrs(struct bundle *b, unsigned int fetched, int ret)
{
	struct ib_uobject *parents[UVERBS_MAX_PARENTS];
	unsigned int i, num_parents = 0;

	/* Parents are collected while they are still locked READ. */
	if (!ret && b->newobj) {
		for (i = 0; i < fetched; i++) {
			struct uverbs_attr *e = b->where[i];

			if (attr_is_obj(e) && e->spec->idr.parent &&
			    num_parents < UVERBS_MAX_PARENTS)
				parents[num_parents++] = e->obj_attr.uobject;
		}
		uverbs_uobject_commit_new(b->newobj->obj_attr.uobject,
					  parents, num_parents);
	}

	for (i = 0; i < fetched; i++) {
		struct uverbs_attr *e = b->where[i];
		struct ib_uobject *uobj;
		u8 access;

		if (!attr_is_obj(e) || !e->obj_attr.uobject)
			continue;
		uobj = e->obj_attr.uobject;
		access = e->spec->idr.access;
		switch (access) {
		case UVERBS_ACCESS_NEW:
			if (ret)
				uverbs_uobject_abort_new(uobj);
			break;
		case UVERBS_ACCESS_DESTROY:
			/* Once the driver object is gone, so is the handle,
			 * even if the output copy failed. */
			if (b->destroyed)
				uverbs_uobject_remove_locked(uobj);
			else
				uverbs_uobject_unlock(uobj, access);
			break;
		default:
			uverbs_uobject_unlock(uobj, access);
		}
	}
}

/*
 * Copies the outputs the handler wrote: all of them after success (an
 * unwritable one fails the command, rule 14), only copy_on_error ones
 * after a failure (best effort: the command's errno stays).
 */
static int copy_outputs(struct bundle *b, bool failed)
{
	unsigned int i;

	for (i = 0; i < b->num_attrs; i++) {
		struct uverbs_attr *e = b->where[i];

		if (attr_is_obj(e) || !e->cmd_attr.written)
			continue;
		if (failed && !e->spec->copy_on_error)
			continue;
		if (copy_to_user(u64_to_user_ptr(b->uattrs[i].ptr_idr),
				 e->cmd_attr.data, e->cmd_attr.len)) {
			attr_error(b, i, e->spec, "PTR_OUT not writable");
			return -EFAULT;
		}
	}
	return 0;
}

void uverbs_ucontext_reserved(struct ib_ucontext *uctx)
{
	struct uverbs_cmd *cmd = current_cmd;

	if (WARN_ON(!cmd || cmd->new_ucontext))
		return;
	cmd->new_ucontext = uctx;
}

int uverbs_copy_to(struct uverbs_attr_array *arr, u16 idx, const void *src,
		   size_t size)
{
	struct uverbs_attr *e = uverbs_attr_get(arr, idx);

	if (!e)
		return -ENOENT;
	memcpy(e->cmd_attr.data, src, min_t(size_t, size, e->cmd_attr.len));
	e->cmd_attr.written = true;
	return 0;
}

static int run_action(struct bundle *b, struct ib_device *ib_dev,
		      const struct uverbs_action *action)
{
	unsigned int i, fetched = 0;
	u8 *data;
	int ret;

	ret = bundle_alloc_attrs(b);
	if (ret)
		return ret;
	ret = parse_attrs(b);
	if (ret)
		goto out;
	data = bundle_alloc_data(b);
	if (!data) {
		uverbs_set_error("out of memory for %zu bytes of PTR buffers",
				 b->data_len);
		ret = -ENOMEM;
		goto out;
	}
	for (; fetched < b->num_attrs; fetched++) {
		ret = fetch_attr(b, fetched, &data);
		if (ret)
			goto out_finalize;
	}

	/* A removed device's objects are gone already: DESTROY only
	 * forgets the handle. */
	if (!b->removed || action->after_removal)
		ret = action->handler(ib_dev, b->ufile, b->arrays,
				      b->spec->num_chains, action->priv);
	if (!ret && b->destroy) {
		ret = uverbs_uobject_destroy_locked(b->destroy->obj_attr.uobject);
		if (ret && !uverbs_error_is_set())
			uverbs_set_error("%s: destroy refused by the driver: %d",
					 b->name, ret);
		b->destroyed = !ret;
	}
	if (!ret) {
		ret = copy_outputs(b, false);
	} else {
		if (!uverbs_error_is_set())
			uverbs_set_error("%s: the handler failed: %d", b->name,
					 ret);
		copy_outputs(b, true);
	}

out_finalize:
	finalize_attrs(b, fetched, ret);
	if (b->cmd->new_ucontext)
		uverbs_ucontext_finalize(b->cmd->new_ucontext, ret);
out:
	for (i = 0; i < ARRAY_SIZE(b->heap); i++)
		kfree(b->heap[i]);
	return ret;
}

static bool action_destroys(const struct action_spec *spec)
{
	unsigned int c, id;

	for (c = 0; c < spec->num_chains; c++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[c];

		for (id = 0; id < chain->num_attrs; id++)
			if (chain->attrs[id].idr.access == UVERBS_ACCESS_DESTROY)
				return true;
	}
	return false;
}

/* Rules 6 and 7. */
static const struct uverbs_action *
find_action(const struct ib_uverbs_device *udev,
	    const struct ib_uverbs_ioctl_hdr *hdr, int *err)
{
	const struct uverbs_type *type;
	const struct uverbs_action *action;
	const char *tname;

	*err = -EINVAL;
	if (hdr->driver_id != udev->driver_id) {
		uverbs_set_error("driver_id %u, device has %u (%s)",
				 hdr->driver_id, udev->driver_id,
				 udev->types->name);
		return NULL;
	}
	/* The seed compared with '<', letting object_type == num_types in. */
	if (hdr->object_type >= udev->types->num_types) {
		uverbs_set_error("object_type %u >= %u types", hdr->object_type,
				 udev->types->num_types);
		return NULL;
	}
	*err = -EOPNOTSUPP;
	type = udev->types->types[hdr->object_type];
	if (!type) {
		uverbs_set_error("object_type %u not supported (an empty slot)",
				 hdr->object_type);
		return NULL;
	}
	tname = type->name ? type->name : "???";
	if (hdr->action >= type->num_actions) {
		uverbs_set_error("%s: action %u not supported (%s has %u actions)",
				 tname, hdr->action, tname, type->num_actions);
		return NULL;
	}
	if (!type->actions[hdr->action].handler) {
		uverbs_set_error("%s: action %u not supported (an empty slot)",
				 tname, hdr->action);
		return NULL;
	}
	action = &type->actions[hdr->action];
	*err = 0;
	return action;
}

/* Rules 3 and 4. */
static int check_hdr(const struct ib_uverbs_ioctl_hdr *hdr)
{
	if (hdr->length > IB_UVERBS_MAX_CMD_SZ || hdr->length <= sizeof(*hdr) ||
	    hdr->length != sizeof(*hdr) +
				   hdr->num_attrs * sizeof(struct ib_uverbs_attr)) {
		uverbs_set_error("length %u does not fit %u attributes",
				 hdr->length, hdr->num_attrs);
		return -EINVAL;
	}
	if (hdr->flags) {
		uverbs_set_error("flags 0x%x: none are supported", hdr->flags);
		return -EOPNOTSUPP;
	}
	if (hdr->reserved) {
		uverbs_set_error("header reserved is not zero");
		return -EINVAL;
	}
	return 0;
}

static long cmd_verbs(struct uverbs_cmd *cmd, struct ib_uverbs_file *ufile,
		      const struct ib_uverbs_ioctl_hdr *hdr, unsigned long arg)
{
	struct ib_uverbs_device *udev = ufile->device;
	const struct uverbs_action *action;
	struct ib_device *ib_dev;
	struct bundle b;
	int ret;

	ib_dev = srcu_dereference(udev->ib_dev, &udev->srcu);
	action = find_action(udev, hdr, &ret);
	if (!action)
		return ret;
	/* Rule 20: after removal only DESTROY is served. */
	if (!ib_dev && !action->after_removal &&
	    !action_destroys(&action->chain)) {
		uverbs_set_error("device removed");
		return -EIO;
	}

	b.cmd = cmd;
	/* Registration refused an action without a name; be safe anyway. */
	b.name = action->name ? action->name : "???";
	b.ufile = ufile;
	b.uctx = smp_load_acquire(&ufile->ucontext);
	b.udev = udev;
	b.spec = &action->chain;
	b.uattrs_addr = arg + sizeof(*hdr);
	b.num_attrs = hdr->num_attrs;
	b.newobj = NULL;
	b.destroy = NULL;
	b.destroyed = false;
	b.removed = !ib_dev;
	b.data_len = 0;
	b.stack_used = 0;
	b.heap[0] = NULL;
	b.heap[1] = NULL;

	if (b.num_attrs <= BUNDLE_STACK_ATTRS) {
		b.uattrs = b.stack_uattrs;
	} else {
		b.uattrs = kmalloc(b.num_attrs * sizeof(*b.uattrs));
		if (!b.uattrs) {
			uverbs_set_error("%u attributes: out of memory",
					 b.num_attrs);
			return -ENOMEM;
		}
	}
	/* Rule 2. */
	if (copy_from_user(b.uattrs, u64_to_user_ptr(b.uattrs_addr),
			   b.num_attrs * sizeof(*b.uattrs))) {
		uverbs_set_error("attribute array not readable");
		ret = -EFAULT;
	} else {
		ret = run_action(&b, ib_dev, action);
	}
	if (b.uattrs != b.stack_uattrs)
		kfree(b.uattrs);
	return ret;
}

static long cmd_run(struct uverbs_cmd *c, unsigned int cmd,
		    const struct ib_uverbs_ioctl_hdr *hdr, unsigned long arg)
{
	struct ib_uverbs_file *ufile = c->ufile;
	int srcu_idx;
	long ret;

	if (cmd == RDMA_DIRECT_IOCTL) {
		uverbs_set_error("RDMA_DIRECT_IOCTL: no direct commands");
		return -ENOSYS;
	}
	if (cmd != RDMA_VERBS_IOCTL) {
		uverbs_set_error("ioctl 0x%x is not RDMA_VERBS_IOCTL", cmd);
		return -ENOTTY;
	}
	ret = check_hdr(hdr);
	if (ret)
		return ret;

	/*
	 * Rule 5: the file is closing.  close_sem is also held for write by
	 * device removal while it cleans this file; a command then waits
	 * (removal is bounded) and finds the device gone, so that a DESTROY
	 * still succeeds.  The caller holds a file reference throughout.
	 */
	if (READ_ONCE(ufile->closing)) {
		uverbs_set_error("file is closing");
		return -EIO;
	}
	down_read(&ufile->close_sem);
	if (READ_ONCE(ufile->closing)) {
		uverbs_set_error("file is closing");
		ret = -EIO;
		goto out_up;
	}
	/*
	 * Device removal waits for this read section, which may sleep (a
	 * handler allocates, a copy may wait on the client's memory): SRCU
	 * of the device alone, so that a blocked command holds up nothing
	 * but its own device's removal.
	 */
	srcu_idx = srcu_read_lock(&ufile->device->srcu);
	ret = cmd_verbs(c, ufile, hdr, arg);
	srcu_read_unlock(&ufile->device->srcu, srcu_idx);
out_up:
	up_read(&ufile->close_sem);
	return ret;
}

/*
 * Every command passes here: it becomes this thread's current_cmd, so
 * that whatever refuses it can say why, and its reason is kept for the
 * caller when it fails (Rule 23).  @hdr NULL: still in the caller's
 * memory at @arg.
 */
static long cmd_serve(struct ib_uverbs_file *ufile, unsigned int cmd,
		      const struct ib_uverbs_ioctl_hdr *hdr, unsigned long arg)
{
	struct ib_uverbs_ioctl_hdr copy = { 0 };
	void *outer = current_cmd;
	struct uverbs_cmd c;
	long ret;

	/* Not zeroed whole: the reason is a string, empty until set. */
	c.ufile = ufile;
	c.new_ucontext = NULL;
	c.reason[0] = '\0';
	current_cmd = &c;
	/* Only a verbs command has a header; the rest is judged by cmd. */
	if (!hdr && cmd == RDMA_VERBS_IOCTL &&
	    copy_from_user(&copy, u64_to_user_ptr(arg), sizeof(copy))) {
		uverbs_set_error("header not readable");
		ret = -EFAULT;
	} else {
		ret = cmd_run(&c, cmd, hdr ? hdr : &copy, arg);
	}
	current_cmd = outer;
	uverbs_reason_done(&c, ret);
	return ret;
}

long ib_uverbs_ioctl_hdr(struct ib_uverbs_file *ufile, unsigned int cmd,
			 const struct ib_uverbs_ioctl_hdr *hdr,
			 unsigned long arg)
{
	return cmd_serve(ufile, cmd, hdr, arg);
}

const char *ib_uverbs_action_name(struct ib_uverbs_file *ufile,
				  const struct ib_uverbs_ioctl_hdr *hdr)
{
	const struct uverbs_types *types = ufile->device->types;
	const struct uverbs_type *type;

	if (hdr->driver_id != ufile->device->driver_id ||
	    hdr->object_type >= types->num_types)
		return NULL;
	type = types->types[hdr->object_type];
	if (!type || hdr->action >= type->num_actions ||
	    !type->actions[hdr->action].handler)
		return NULL;
	return type->actions[hdr->action].name;
}

bool ib_uverbs_cmd_user_memory(struct ib_uverbs_file *ufile,
			       const struct ib_uverbs_ioctl_hdr *hdr)
{
	const struct uverbs_action *action;
	int err;

	action = find_action(ufile->device, hdr, &err);
	return !action || action->user_memory;
}

long ib_uverbs_ioctl(struct ib_uverbs_file *ufile, unsigned int cmd,
		     unsigned long arg)
{
	return cmd_serve(ufile, cmd, NULL, arg);
}
