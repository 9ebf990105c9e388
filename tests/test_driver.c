// SPDX-License-Identifier: MIT
/*
 * The test driver (see test_driver.h).  Its tables are written as a real
 * driver's would be; its handlers do just enough to be observable.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/ib_verbs.h>
#include <rdma/uverbs_layouts.h>

#include "test_driver.h"

_Static_assert(sizeof(struct td_knobs) == TD_KNOBS_SIZE,
	       "td_knobs fills exactly one page");

struct td_knobs td_knobs;

void td_knobs_reset(void)
{
	memset(&td_knobs, 0, sizeof(td_knobs));
}

int td_knobs_share(int fd)
{
	void *p;

	if (sysconf(_SC_PAGESIZE) != TD_KNOBS_SIZE)
		return -EINVAL;
	p = mmap(&td_knobs, sizeof(td_knobs), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	return p == MAP_FAILED ? -errno : 0;
}

struct td_obj {
	u32 value;
	u64 tag;
	struct td_obj *parent;
};

struct td_context {
	u32 serial;
};

/* Every handler starts here: counts, holds, sleeps and fails on request. */
static int td_knob_enter(void)
{
	int err, held = 1;

	__atomic_add_fetch(&td_knobs.handler_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_compare_exchange_n(&td_knobs.hold_next, &held, 2, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		while (__atomic_load_n(&td_knobs.hold_next, __ATOMIC_SEQ_CST))
			usleep(100);
	if (__atomic_load_n(&td_knobs.sleep_us, __ATOMIC_RELAXED))
		usleep(__atomic_load_n(&td_knobs.sleep_us, __ATOMIC_RELAXED));
	err = __atomic_exchange_n(&td_knobs.fail_next, 0, __ATOMIC_RELAXED);
	if (err) {
		uverbs_set_error("test driver: fail_next is %d", err);
		return err;
	}
	err = __atomic_load_n(&td_knobs.fail_all, __ATOMIC_RELAXED);
	if (err)
		uverbs_set_error("test driver: fail_all is %d", err);
	return err;
}

static int td_obj_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	int left;

	__atomic_add_fetch(&td_knobs.destroy_calls, 1, __ATOMIC_RELAXED);
	if (why != RDMA_REMOVE_ABORT) {
		left = __atomic_load_n(&td_knobs.refuse_destroy, __ATOMIC_RELAXED);
		while (left > 0) {
			if (__atomic_compare_exchange_n(&td_knobs.refuse_destroy,
							&left, left - 1, false,
							__ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				uverbs_set_error("test driver: refuse_destroy (%d more)",
						 left - 1);
				return -EBUSY;
			}
		}
	}
	kfree(uobj->object);
	return 0;
}

static const struct uverbs_obj_type td_obj_type = {
	.destroy = td_obj_destroy,
};

static int td_channel_destroy(struct ib_uobject *uobj,
			      enum rdma_remove_reason why)
{
	return td_obj_destroy(uobj, why);
}

static const struct uverbs_obj_type td_channel_type = {
	.destroy = td_channel_destroy,
	.is_fd = true,
};

/* DEVICE */

static void td_dealloc_ucontext(struct ib_ucontext *uctx)
{
	kfree(uctx->driver_priv);
}

static int td_get_context_h(struct ib_device *ib_dev,
			    struct ib_uverbs_file *ufile,
			  struct uverbs_attr_array *common,
			  struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_context_resp resp = {
		.driver_id = ib_dev->driver_id,
		.num_types = TD_NUM_TYPES,
	};
	struct ib_ucontext *uctx;
	int ret;

	ret = td_knob_enter();
	if (ret)
		return ret;
	uctx = uverbs_ucontext_alloc(ib_dev, ufile);
	if (IS_ERR(uctx))
		return (int)PTR_ERR(uctx);
	uctx->driver_priv = kzalloc(sizeof(struct td_context));
	if (!uctx->driver_priv) {
		uverbs_set_error("test driver: GET_CONTEXT: out of memory");
		ret = -ENOMEM;
		goto err_abort;
	}
	ret = uverbs_ucontext_commit(uctx);
	if (ret)
		goto err_free;
	uverbs_copy_to(common, TD_GET_CONTEXT_RESP, &resp, sizeof(resp));
	return 0;

err_free:
	kfree(uctx->driver_priv);
err_abort:
	uverbs_ucontext_abort(uctx);
	return ret;
}

static const struct uverbs_field td_context_resp_fields[] = {
	UVERBS_FIELD(td_context_resp, driver_id, HEX),
	UVERBS_FIELD(td_context_resp, num_types, UINT),
};
static const struct uverbs_layout td_context_resp_layout =
	UVERBS_LAYOUT(td_context_resp, td_context_resp_fields);

static const struct uverbs_field td_read_buf_fields[] = {
	UVERBS_FIELD(td_read_buf, a, UINT),
	UVERBS_FIELD(td_read_buf, b, HEX),
};
static const struct uverbs_layout td_read_buf_layout =
	UVERBS_LAYOUT(td_read_buf, td_read_buf_fields);

static const struct uverbs_attr_spec td_get_context_attrs[] = {
	[TD_GET_CONTEXT_RESP] = { .type = UVERBS_ATTR_TYPE_PTR_OUT,
				  .name = "RESP",
				  .layout = &td_context_resp_layout,
				  .min_len = sizeof(struct td_context_resp),
				  .max_len = sizeof(struct td_context_resp) },
};

static const struct uverbs_action td_device_actions[] = {
	[TD_DEVICE_GET_CONTEXT] = UVERBS_CTX_ACTION("GET_CONTEXT",
						    td_get_context_h,
						    td_get_context_attrs),
	/* The core's, where every client looks for it (Rule 6). */
	[UVERBS_ACTION_DEVICE_QUERY_SCHEMA] = UVERBS_QUERY_SCHEMA_ACTION,
};

/* PARENT */

static int td_parent_create_h(struct ib_device *ib_dev,
			      struct ib_ucontext *uctx,
			      struct uverbs_attr_array *common,
			      struct uverbs_attr_array *vendor,
			      const void *priv)
{
	struct ib_uobject *uobj = uverbs_attr_obj(common, TD_PARENT_CREATE_HANDLE);
	const u32 *value = uverbs_attr_in(common, TD_PARENT_CREATE_VALUE);
	const u64 *tag = uverbs_attr_in(vendor, TD_PARENT_CREATE_VENDOR_TAG &
						~UVERBS_VENDOR_FLAG);
	struct td_obj *obj;

	obj = kzalloc(sizeof(*obj));
	if (!obj) {
		uverbs_set_error("test driver: PARENT_CREATE: out of memory");
		return -ENOMEM;
	}
	obj->value = value ? *value : 0;
	obj->tag = tag ? *tag : 0;
	/* Set before the knob: a failing handler must not leak it. */
	uobj->object = obj;
	uverbs_copy_to(common, TD_PARENT_CREATE_RESP, &obj->value,
		       sizeof(obj->value));
	return td_knob_enter();
}

static int td_parent_read_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_PARENT_READ_HANDLE)->object;
	const struct td_read_buf *in = uverbs_attr_in(common, TD_PARENT_READ_IN);
	struct td_read_buf out = { in->a + obj->value, in->b ^ obj->tag };
	int ret = td_knob_enter();

	if (ret)
		return ret;
	return uverbs_copy_to(common, TD_PARENT_READ_OUT, &out, sizeof(out));
}

static int td_parent_write_h(struct ib_device *ib_dev,
			     struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_PARENT_WRITE_HANDLE)->object;
	const u32 *value = uverbs_attr_in(common, TD_PARENT_WRITE_VALUE);
	int ret = td_knob_enter();

	if (ret)
		return ret;
	obj->value = *value;
	return 0;
}

static int td_parent_destroy_h(struct ib_device *ib_dev,
			       struct ib_ucontext *uctx,
			       struct uverbs_attr_array *common,
			       struct uverbs_attr_array *vendor,
			       const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_PARENT_DESTROY_HANDLE)->object;
	int ret = td_knob_enter();

	if (ret)
		return ret;
	uverbs_copy_to(common, TD_PARENT_DESTROY_RESP, &obj->value,
		       sizeof(obj->value));
	return 0;
}

static const struct uverbs_attr_spec td_parent_create_attrs[] = {
	[TD_PARENT_CREATE_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				      .name = "HANDLE",
				      .idr = { .type = TD_TYPE_PARENT,
					       .access = UVERBS_ACCESS_NEW } },
	[TD_PARENT_CREATE_VALUE]  = { .type = UVERBS_ATTR_TYPE_PTR_IN,
				      .name = "VALUE",
				      .layout = &uverbs_layout_u32,
				      .min_len = sizeof(u32), .max_len = sizeof(u32) },
	[TD_PARENT_CREATE_RESP]   = { .type = UVERBS_ATTR_TYPE_PTR_OUT,
				      .name = "RESP",
				      .layout = &uverbs_layout_u32,
				      .min_len = sizeof(u32), .max_len = sizeof(u32) },
	[TD_PARENT_CREATE_FLEX]   = { .type = UVERBS_ATTR_TYPE_PTR_IN,
				      .name = "FLEX",
				      .layout = &uverbs_layout_bytes,
				      .min_len = 1, .max_len = 64 },
};

static const struct uverbs_attr_spec td_parent_create_vendor_attrs[] = {
	[TD_PARENT_CREATE_VENDOR_TAG & ~UVERBS_VENDOR_FLAG] = {
		.name = "VENDOR_TAG",
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.layout = &uverbs_layout_u64,
		.min_len = sizeof(u64), .max_len = sizeof(u64) },
};

static const struct uverbs_attr_spec td_parent_read_attrs[] = {
	[TD_PARENT_READ_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				    .name = "HANDLE",
				    .idr = { .type = TD_TYPE_PARENT,
					     .access = UVERBS_ACCESS_READ } },
	[TD_PARENT_READ_IN]     = { .type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
				    .name = "IN",
				    .layout = &td_read_buf_layout,
				    .min_len = sizeof(struct td_read_buf),
				    .max_len = sizeof(struct td_read_buf) },
	[TD_PARENT_READ_OUT]    = { .type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
				    .name = "OUT",
				    .layout = &td_read_buf_layout,
				    .min_len = sizeof(struct td_read_buf),
				    .max_len = sizeof(struct td_read_buf) },
};

static const struct uverbs_attr_spec td_parent_write_attrs[] = {
	[TD_PARENT_WRITE_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				     .name = "HANDLE",
				     .idr = { .type = TD_TYPE_PARENT,
					      .access = UVERBS_ACCESS_WRITE } },
	[TD_PARENT_WRITE_VALUE]  = { .type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
				     .name = "VALUE",
				     .layout = &uverbs_layout_u32,
				     .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_attr_spec td_parent_destroy_attrs[] = {
	[TD_PARENT_DESTROY_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				       .name = "HANDLE",
				       .idr = { .type = TD_TYPE_PARENT,
						.access = UVERBS_ACCESS_DESTROY } },
	[TD_PARENT_DESTROY_RESP]   = { .type = UVERBS_ATTR_TYPE_PTR_OUT,
				       .name = "RESP",
				       .layout = &uverbs_layout_u32,
				       .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_action td_parent_actions[] = {
	[TD_PARENT_CREATE]  = UVERBS_STD_VENDOR_ACTION("PARENT_CREATE",
						       td_parent_create_h,
						       td_parent_create_attrs,
						       td_parent_create_vendor_attrs),
	[TD_PARENT_READ]    = UVERBS_STD_ACTION("PARENT_READ", td_parent_read_h,
						td_parent_read_attrs),
	[TD_PARENT_WRITE]   = UVERBS_STD_ACTION("PARENT_WRITE",
						td_parent_write_h,
						td_parent_write_attrs),
	[TD_PARENT_DESTROY] = UVERBS_STD_ACTION("PARENT_DESTROY",
						td_parent_destroy_h,
						td_parent_destroy_attrs),
};

/* CHILD */

static int td_child_create_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj = uverbs_attr_obj(common, TD_CHILD_CREATE_HANDLE);
	struct ib_uobject *parent = uverbs_attr_obj(common, TD_CHILD_CREATE_PARENT);
	const u32 *value = uverbs_attr_in(common, TD_CHILD_CREATE_VALUE);
	struct td_obj *obj;

	obj = kzalloc(sizeof(*obj));
	if (!obj) {
		uverbs_set_error("test driver: CHILD_CREATE: out of memory");
		return -ENOMEM;
	}
	obj->value = value ? *value : 0;
	obj->parent = parent->object;
	uobj->object = obj;
	return td_knob_enter();
}

static int td_child_read_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			   struct uverbs_attr_array *common,
			   struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_CHILD_READ_HANDLE)->object;
	/* The parent cannot go while the child holds it (rule 18). */
	u32 sum = obj->value + obj->parent->value;
	int ret = td_knob_enter();

	if (ret)
		return ret;
	uverbs_copy_to(common, TD_CHILD_READ_OUT, &sum, sizeof(sum));
	return 0;
}

static int td_child_write_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_CHILD_WRITE_HANDLE)->object;
	struct ib_uobject *other = uverbs_attr_obj(common, TD_CHILD_WRITE_PARENT);
	const u32 *value = uverbs_attr_in(common, TD_CHILD_WRITE_VALUE);
	int ret = td_knob_enter();

	if (ret)
		return ret;
	obj->value = *value;
	if (other)
		((struct td_obj *)other->object)->value = *value;
	return 0;
}

static const struct uverbs_attr_spec td_child_create_attrs[] = {
	[TD_CHILD_CREATE_HANDLE]  = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				      .name = "HANDLE",
				      .idr = { .type = TD_TYPE_CHILD,
					       .access = UVERBS_ACCESS_NEW } },
	[TD_CHILD_CREATE_PARENT]  = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				      .name = "PARENT",
				      .idr = { .type = TD_TYPE_PARENT,
					       .access = UVERBS_ACCESS_READ,
					       .parent = true } },
	[TD_CHILD_CREATE_PARENT2] = { .type = UVERBS_ATTR_TYPE_IDR,
				      .name = "PARENT2",
				      .idr = { .type = TD_TYPE_PARENT,
					       .access = UVERBS_ACCESS_READ,
					       .parent = true } },
	[TD_CHILD_CREATE_VALUE]   = { .type = UVERBS_ATTR_TYPE_PTR_IN,
				      .name = "VALUE",
				      .layout = &uverbs_layout_u32,
				      .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_attr_spec td_child_read_attrs[] = {
	[TD_CHILD_READ_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				   .name = "HANDLE",
				   .idr = { .type = TD_TYPE_CHILD,
					    .access = UVERBS_ACCESS_READ } },
	[TD_CHILD_READ_OUT]    = { .type = UVERBS_ATTR_TYPE_PTR_OUT,
				   .name = "OUT",
				   .layout = &uverbs_layout_u32,
				   .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_attr_spec td_child_write_attrs[] = {
	[TD_CHILD_WRITE_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				    .name = "HANDLE",
				    .idr = { .type = TD_TYPE_CHILD,
					     .access = UVERBS_ACCESS_WRITE } },
	[TD_CHILD_WRITE_PARENT] = { .type = UVERBS_ATTR_TYPE_IDR,
				    .name = "PARENT",
				    .idr = { .type = TD_TYPE_PARENT,
					     .access = UVERBS_ACCESS_WRITE } },
	[TD_CHILD_WRITE_VALUE]  = { .type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
				    .name = "VALUE",
				    .layout = &uverbs_layout_u32,
				    .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_attr_spec td_child_destroy_attrs[] = {
	[TD_CHILD_DESTROY_HANDLE] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
				      .name = "HANDLE",
				      .idr = { .type = TD_TYPE_CHILD,
					       .access = UVERBS_ACCESS_DESTROY } },
};

static const struct uverbs_action td_child_actions[] = {
	[TD_CHILD_CREATE]  = UVERBS_STD_ACTION("CHILD_CREATE",
					       td_child_create_h,
					       td_child_create_attrs),
	[TD_CHILD_READ]    = UVERBS_STD_ACTION("CHILD_READ", td_child_read_h,
					       td_child_read_attrs),
	[TD_CHILD_WRITE]   = UVERBS_STD_ACTION("CHILD_WRITE", td_child_write_h,
					       td_child_write_attrs),
	/* No handler: the core's destroy is all there is to it. */
	[TD_CHILD_DESTROY] = UVERBS_STD_ACTION("CHILD_DESTROY", NULL,
					       td_child_destroy_attrs),
};

/* VENDOR: a vendor-only action. */

static int td_vendor_only_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			    struct uverbs_attr_array *common,
			    struct uverbs_attr_array *vendor, const void *priv)
{
	const u32 *in = uverbs_attr_in(vendor, TD_VENDOR_ONLY_IN & ~UVERBS_VENDOR_FLAG);
	u32 out = *in * 2;
	int ret = td_knob_enter();

	if (ret)
		return ret;
	uverbs_copy_to(vendor, TD_VENDOR_ONLY_OUT & ~UVERBS_VENDOR_FLAG, &out,
		       sizeof(out));
	return 0;
}

static const struct uverbs_attr_spec td_vendor_only_common_attrs[] = {};

static const struct uverbs_attr_spec td_vendor_only_vendor_attrs[] = {
	[TD_VENDOR_ONLY_IN & ~UVERBS_VENDOR_FLAG] = {
		.name = "IN",
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.layout = &uverbs_layout_u32,
		.min_len = sizeof(u32), .max_len = sizeof(u32) },
	[TD_VENDOR_ONLY_OUT & ~UVERBS_VENDOR_FLAG] = {
		.name = "OUT",
		.type = UVERBS_ATTR_TYPE_PTR_OUT,
		.layout = &uverbs_layout_u32,
		.min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_action td_vendor_actions[] = {
	[TD_VENDOR_ONLY] = UVERBS_STD_VENDOR_ACTION("VENDOR_ONLY",
						    td_vendor_only_h,
						    td_vendor_only_common_attrs,
						    td_vendor_only_vendor_attrs),
};

/* CHANNEL: an FD type. */

static int td_channel_create_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			       struct uverbs_attr_array *common,
			       struct uverbs_attr_array *vendor, const void *priv)
{
	struct ib_uobject *uobj = uverbs_attr_obj(common, TD_CHANNEL_FD);
	struct td_context *tctx = uctx->driver_priv;
	struct td_obj *obj;

	obj = kzalloc(sizeof(*obj));
	if (!obj) {
		uverbs_set_error("test driver: CHANNEL_CREATE: out of memory");
		return -ENOMEM;
	}
	obj->value = __atomic_add_fetch(&tctx->serial, 1, __ATOMIC_RELAXED);
	uobj->object = obj;
	return td_knob_enter();
}

static int td_channel_read_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			     struct uverbs_attr_array *common,
			     struct uverbs_attr_array *vendor, const void *priv)
{
	struct td_obj *obj = uverbs_attr_obj(common, TD_CHANNEL_FD)->object;
	int ret = td_knob_enter();

	if (ret)
		return ret;
	uverbs_copy_to(common, TD_CHANNEL_READ_OUT, &obj->value,
		       sizeof(obj->value));
	return 0;
}

static const struct uverbs_attr_spec td_channel_create_attrs[] = {
	[TD_CHANNEL_FD] = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
			    .name = "FD",
			    .idr = { .type = TD_TYPE_CHANNEL,
				     .access = UVERBS_ACCESS_NEW } },
};

static const struct uverbs_attr_spec td_channel_read_attrs[] = {
	[TD_CHANNEL_FD]       = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
				  .name = "FD",
				  .idr = { .type = TD_TYPE_CHANNEL,
					   .access = UVERBS_ACCESS_READ } },
	[TD_CHANNEL_READ_OUT] = { .type = UVERBS_ATTR_TYPE_PTR_OUT,
				  .name = "OUT",
				  .layout = &uverbs_layout_u32,
				  .min_len = sizeof(u32), .max_len = sizeof(u32) },
};

static const struct uverbs_attr_spec td_channel_destroy_attrs[] = {
	[TD_CHANNEL_FD] = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
			    .name = "FD",
			    .idr = { .type = TD_TYPE_CHANNEL,
				     .access = UVERBS_ACCESS_DESTROY } },
};

static const struct uverbs_action td_channel_actions[] = {
	[TD_CHANNEL_CREATE]  = UVERBS_STD_ACTION("CHANNEL_CREATE",
						 td_channel_create_h,
						 td_channel_create_attrs),
	[TD_CHANNEL_READ]    = UVERBS_STD_ACTION("CHANNEL_READ",
						 td_channel_read_h,
						 td_channel_read_attrs),
	[TD_CHANNEL_DESTROY] = UVERBS_STD_ACTION("CHANNEL_DESTROY", NULL,
						 td_channel_destroy_attrs),
};

static const struct uverbs_type *const td_type_list[] = {
	[TD_TYPE_DEVICE]  = UVERBS_TYPE("DEVICE", td_device_actions, NULL),
	[TD_TYPE_PARENT]  = UVERBS_TYPE("PARENT", td_parent_actions, &td_obj_type),
	[TD_TYPE_CHILD]   = UVERBS_TYPE("CHILD", td_child_actions, &td_obj_type),
	[TD_TYPE_VENDOR]  = UVERBS_TYPE("VENDOR", td_vendor_actions, NULL),
	[TD_TYPE_CHANNEL] = UVERBS_TYPE("CHANNEL", td_channel_actions,
					&td_channel_type),
};

static const struct uverbs_types td_types = {
	.types = td_type_list,
	.num_types = ARRAY_SIZE(td_type_list),
	.name = "test",
};

struct ib_device *td_device_create(void)
{
	static unsigned int serial;
	char name[sizeof(((struct ib_device *)0)->name)];

	/* Registered names are unique: td0, td1, ... */
	snprintf(name, sizeof(name), "td%u",
		 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	return td_device_create_named(name);
}

struct ib_device *td_device_create_named(const char *name)
{
	return td_device_create_types(name, &td_types);
}

struct ib_device *td_device_create_types(const char *name,
					 const struct uverbs_types *types)
{
	struct ib_device *dev = kzalloc(sizeof(*dev));

	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->driver_id = TD_DRIVER_ID;
	dev->types = types;
	dev->dealloc_ucontext = td_dealloc_ucontext;
	if (ib_register_device(dev)) {
		kfree(dev);
		return NULL;
	}
	return dev;
}

void td_device_remove(struct ib_device *dev)
{
	if (dev->uverbs_dev)
		ib_unregister_device(dev);
}

void td_device_destroy(struct ib_device *dev)
{
	td_device_remove(dev);
	kfree(dev);
}

void td_cmd_init(struct td_cmd *c, u16 type, u16 action)
{
	memset(c, 0, sizeof(*c));
	c->hdr.object_type = type;
	c->hdr.driver_id = TD_DRIVER_ID;
	c->hdr.action = action;
	c->hdr.length = sizeof(c->hdr);
}

static struct ib_uverbs_attr *td_cmd_add(struct td_cmd *c, u16 id)
{
	struct ib_uverbs_attr *a = &c->attrs[c->hdr.num_attrs++];

	c->hdr.length += sizeof(*a);
	a->attr_id = id;
	return a;
}

struct ib_uverbs_attr *td_cmd_ptr(struct td_cmd *c, u16 id, const void *p,
				  u16 len)
{
	struct ib_uverbs_attr *a = td_cmd_add(c, id);

	a->len = len;
	a->ptr_idr = (uintptr_t)p;
	return a;
}

struct ib_uverbs_attr *td_cmd_idr(struct td_cmd *c, u16 id, u64 handle)
{
	struct ib_uverbs_attr *a = td_cmd_add(c, id);

	a->ptr_idr = handle;
	return a;
}

long (*td_ioctl)(struct ib_uverbs_file *f, unsigned int cmd,
		 unsigned long arg) = ib_uverbs_ioctl;

long td_cmd_exec(struct ib_uverbs_file *f, struct td_cmd *c)
{
	return td_ioctl(f, RDMA_VERBS_IOCTL, (unsigned long)c);
}

u32 td_cmd_handle(const struct td_cmd *c, u16 id)
{
	unsigned int i;

	for (i = 0; i < c->hdr.num_attrs; i++)
		if (c->attrs[i].attr_id == id)
			return (u32)c->attrs[i].ptr_idr;
	return ~0u;
}
