// SPDX-License-Identifier: MIT
/*
 * The registration-time spec checker (Rule 16 of docs/design.md and the
 * invariants the dispatcher relies on instead of checking per command).
 * Each test hands a malformed types table to uverbs_types_check() and to
 * ib_register_device(), which must both refuse it with EINVAL and leave
 * nothing registered; well-formed corner cases and the test driver's own
 * table must pass.
 *
 * Names and layouts: every slot named, names unique within their level,
 * layouts that fit their attributes; the built-in tables (standard, soft,
 * test driver) have a layout for every PTR attribute.
 *
 * Every table has the same types: SPEC_T_OBJ holds the action under test
 * and has objects, SPEC_T_EMPTY is an empty slot, SPEC_T_NOOBJ has
 * actions only, SPEC_T_FD is an fd type, SPEC_T_NODESTROY has object ops
 * without a destroy function.
 */
#include <unistd.h>

#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>
#include <rdma/uverbs_layouts.h>

#include "harness.h"
#include "test_driver.h"

enum {
	SPEC_T_OBJ,
	SPEC_T_EMPTY,
	SPEC_T_NOOBJ,
	SPEC_T_FD,
	SPEC_T_NODESTROY,
	SPEC_NUM_TYPES,
};

static int spec_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	return 0;
}

static int spec_handler(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			struct uverbs_attr_array *common,
			struct uverbs_attr_array *vendor, const void *priv)
{
	return 0;
}

static const struct uverbs_obj_type spec_obj = { .destroy = spec_destroy };
static const struct uverbs_obj_type spec_fd_obj = { .destroy = spec_destroy,
						    .is_fd = true };
static const struct uverbs_obj_type spec_nodestroy_obj = { .destroy = NULL };

/* For actions written out by hand. */
static const struct uverbs_action_std_handler spec_std = {
	.handler = spec_handler,
};

static const struct uverbs_action spec_no_actions[] = {};

/* A types table whose SPEC_T_OBJ type has @_actions. */
#define SPEC_TYPES(_name, _actions)                                          \
	static const struct uverbs_type *const _name##_list[] = {            \
		[SPEC_T_OBJ] = UVERBS_TYPE("OBJ", _actions, &spec_obj),      \
		[SPEC_T_NOOBJ] = UVERBS_TYPE("NOOBJ", spec_no_actions, NULL), \
		[SPEC_T_FD] =                                                \
			UVERBS_TYPE("FD", spec_no_actions, &spec_fd_obj),    \
		[SPEC_T_NODESTROY] = UVERBS_TYPE("NODESTROY",                \
			spec_no_actions, &spec_nodestroy_obj),               \
	};                                                                   \
	static const struct uverbs_types _name = {                           \
		.types = _name##_list,                                       \
		.num_types = ARRAY_SIZE(_name##_list),                       \
		.name = "spec",                                              \
	}

/* A types table whose one action has the common chain @_attrs. */
#define SPEC_ONE_ACTION(_name, _attrs)                                       \
	static const struct uverbs_action _name##_actions[] = {              \
		UVERBS_STD_ACTION("OBJ_ACT", spec_handler, _attrs),          \
	};                                                                   \
	SPEC_TYPES(_name, _name##_actions)

/* Attribute spec shorthands; the first argument is the attribute's name. */
#define IDR(_n, _type, _access) \
	{ .name = (_n), .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true, \
	  .idr = { .type = (_type), .access = (_access) } }
#define PARENT(_n, _type, _access) \
	{ .name = (_n), .type = UVERBS_ATTR_TYPE_IDR, \
	  .idr = { .type = (_type), .access = (_access), .parent = true } }
#define PTR_IN(_n, _min, _max) \
	{ .name = (_n), .type = UVERBS_ATTR_TYPE_PTR_IN, \
	  .min_len = (_min), .max_len = (_max) }
#define PTR_OUT(_n, _min, _max) \
	{ .name = (_n), .type = UVERBS_ATTR_TYPE_PTR_OUT, \
	  .min_len = (_min), .max_len = (_max) }

/* Registers a device on @types; unregisters it again if that worked. */
static long spec_register(const struct uverbs_types *types)
{
	struct ib_device *dev = kzalloc(sizeof(*dev));
	long ret;

	ASSERT_TRUE(dev);
	snprintf(dev->name, sizeof(dev->name), "spec");
	dev->driver_id = 1;
	dev->types = types;
	ret = ib_register_device(dev);
	if (!ret) {
		ib_unregister_device(dev);
	} else {
		ASSERT_TRUE(dev->uverbs_dev == NULL);
		ASSERT_TRUE(ib_device_find("spec") == NULL);
	}
	kfree(dev);
	return ret;
}

/*
 * The checker's messages go to stderr; a test captures them to check that
 * a table was refused for the reason it was built to show, not another.
 */
struct capture {
	int saved;
	FILE *file;
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	ASSERT_TRUE(c->file);
	c->saved = dup(STDERR_FILENO);
	ASSERT_TRUE(c->saved >= 0);
	ASSERT_TRUE(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

/* Ends the capture, echoes what was captured, and returns whether it
 * contains @what. */
static bool capture_end(struct capture *c, const char *what)
{
	char buf[4096];
	size_t n;

	fflush(stderr);
	ASSERT_TRUE(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	rewind(c->file);
	n = fread(buf, 1, sizeof(buf) - 1, c->file);
	buf[n] = '\0';
	fclose(c->file);
	fputs(buf, stderr);
	return strstr(buf, what) != NULL;
}

/* Both the checker and registration refuse @types, saying @why. */
static void spec_err(const struct uverbs_types *types, const char *why)
{
	struct capture c;
	long ret;

	capture_start(&c);
	ret = uverbs_types_check(types, "spec");
	if (!capture_end(&c, why))
		harness_fail(__FILE__, __LINE__, "no message \"%s\"", why);
	ASSERT_ERRNO(-EINVAL, ret);
	capture_start(&c);
	ret = spec_register(types);
	if (!capture_end(&c, why))
		harness_fail(__FILE__, __LINE__, "no message \"%s\"", why);
	ASSERT_ERRNO(-EINVAL, ret);
}

static void spec_ok(const struct uverbs_types *types)
{
	ASSERT_OK(uverbs_types_check(types, "spec"));
	ASSERT_OK(spec_register(types));
}

/* ---- Well-formed tables ---- */

static const struct uverbs_attr_spec good_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[2] = PTR_IN("A2", 0, 1),
	[3] = PTR_OUT("A3", 8, 8),
	[5] = { .name = "A5", .type = UVERBS_ATTR_TYPE_FD,
		.idr = { .type = SPEC_T_FD, .access = UVERBS_ACCESS_READ } },
	[6] = IDR("A6", SPEC_T_OBJ, UVERBS_ACCESS_WRITE),
};
SPEC_ONE_ACTION(good_types, good_attrs);

/* Exactly UVERBS_MAX_PARENTS parents. */
static const struct uverbs_attr_spec max_parents_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[2] = PARENT("A2", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[3] = PARENT("A3", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[4] = PARENT("A4", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(max_parents_types, max_parents_attrs);

/* An empty action slot and an action without attributes. */
static const struct uverbs_attr_spec no_attrs[] = {};
static const struct uverbs_action holes_actions[] = {
	[1] = UVERBS_STD_ACTION("OBJ_A1", spec_handler, no_attrs),
	[3] = UVERBS_STD_VENDOR_ACTION("OBJ_A3", spec_handler, no_attrs,
				       good_attrs),
};
SPEC_TYPES(holes_types, holes_actions);

TEST(spec_check_good_tables_pass)
{
	struct ib_device *dev;

	spec_ok(&good_types);
	spec_ok(&max_parents_types);
	spec_ok(&holes_types);
	/* The test driver's table: empty type and action slots, vendor
	 * chains, an FD type, a vendor-only action. */
	dev = td_device_create();
	ASSERT_TRUE(dev);
	ASSERT_OK(uverbs_types_check(dev->types, "td"));
	td_device_destroy(dev);
}

/* ---- Rule 16: at most one NEW or DESTROY per action ---- */

static const struct uverbs_attr_spec two_new_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = IDR("A1", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
};
SPEC_ONE_ACTION(two_new_types, two_new_attrs);

static const struct uverbs_attr_spec new_destroy_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = IDR("A1", SPEC_T_OBJ, UVERBS_ACCESS_DESTROY),
};
SPEC_ONE_ACTION(new_destroy_types, new_destroy_attrs);

static const struct uverbs_attr_spec two_destroy_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_DESTROY),
	[2] = IDR("A2", SPEC_T_OBJ, UVERBS_ACCESS_DESTROY),
};
SPEC_ONE_ACTION(two_destroy_types, two_destroy_attrs);

/* One NEW in the common chain, one in the vendor chain. */
static const struct uverbs_attr_spec one_new_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
};
static const struct uverbs_action new_in_both_actions[] = {
	UVERBS_STD_VENDOR_ACTION("OBJ_ACT", spec_handler, one_new_attrs,
				 one_new_attrs),
};
SPEC_TYPES(new_in_both_types, new_in_both_actions);

/* An FD NEW and an IDR NEW. */
static const struct uverbs_attr_spec fd_new_idr_new_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = SPEC_T_FD, .access = UVERBS_ACCESS_NEW } },
	[1] = IDR("A1", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
};
SPEC_ONE_ACTION(fd_new_idr_new_types, fd_new_idr_new_attrs);

TEST(spec_check_two_new)
{
	spec_err(&two_new_types, "2 NEW and 0 DESTROY");
}

TEST(spec_check_new_and_destroy)
{
	spec_err(&new_destroy_types, "1 NEW and 1 DESTROY");
}

TEST(spec_check_two_destroy)
{
	spec_err(&two_destroy_types, "0 NEW and 2 DESTROY");
}

TEST(spec_check_new_in_both_chains)
{
	spec_err(&new_in_both_types, "2 NEW and 0 DESTROY");
}

TEST(spec_check_fd_new_and_idr_new)
{
	spec_err(&fd_new_idr_new_types, "2 NEW and 0 DESTROY");
}

/* Only an output can be copied on error. */
static const struct uverbs_attr_spec copy_on_error_in_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .copy_on_error = true,
		.min_len = 4, .max_len = 4 },
};
SPEC_ONE_ACTION(copy_on_error_in_types, copy_on_error_in_attrs);

TEST(spec_check_copy_on_error_needs_ptr_out)
{
	spec_err(&copy_on_error_in_types, "copy_on_error on a type 1");
}

/* NEW and DESTROY are what the command is about: they cannot be optional. */
static const struct uverbs_attr_spec optional_new_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_NEW } },
};
SPEC_ONE_ACTION(optional_new_types, optional_new_attrs);

static const struct uverbs_attr_spec optional_destroy_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_DESTROY } },
};
SPEC_ONE_ACTION(optional_destroy_types, optional_destroy_attrs);

TEST(spec_check_optional_new_or_destroy)
{
	spec_err(&optional_new_types, "must be mandatory");
	spec_err(&optional_destroy_types, "must be mandatory");
}

/* ---- IDR / FD attributes and their object types ---- */

static const struct uverbs_attr_spec idr_out_of_range_attrs[] = {
	[0] = IDR("A0", SPEC_NUM_TYPES, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(idr_out_of_range_types, idr_out_of_range_attrs);

static const struct uverbs_attr_spec idr_far_out_of_range_attrs[] = {
	[0] = IDR("A0", 0xffff, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(idr_far_out_of_range_types, idr_far_out_of_range_attrs);

TEST(spec_check_idr_type_out_of_range)
{
	spec_err(&idr_out_of_range_types, "object type 5 is not a type with objects");
	spec_err(&idr_far_out_of_range_types, "object type 65535 is not a type with objects");
}

static const struct uverbs_attr_spec idr_empty_slot_attrs[] = {
	[0] = IDR("A0", SPEC_T_EMPTY, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(idr_empty_slot_types, idr_empty_slot_attrs);

TEST(spec_check_idr_type_empty_slot)
{
	spec_err(&idr_empty_slot_types, "object type 1 is not a type with objects");
}

static const struct uverbs_attr_spec idr_noobj_attrs[] = {
	[0] = IDR("A0", SPEC_T_NOOBJ, UVERBS_ACCESS_NEW),
};
SPEC_ONE_ACTION(idr_noobj_types, idr_noobj_attrs);

static const struct uverbs_attr_spec idr_nodestroy_attrs[] = {
	[0] = IDR("A0", SPEC_T_NODESTROY, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(idr_nodestroy_types, idr_nodestroy_attrs);

TEST(spec_check_idr_type_without_objects)
{
	spec_err(&idr_noobj_types, "object type 2 is not a type with objects");
	spec_err(&idr_nodestroy_types, "object type 4 is not a type with objects");
}

static const struct uverbs_attr_spec fd_for_idr_type_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_READ } },
};
SPEC_ONE_ACTION(fd_for_idr_type_types, fd_for_idr_type_attrs);

static const struct uverbs_attr_spec idr_for_fd_type_attrs[] = {
	[0] = IDR("A0", SPEC_T_FD, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(idr_for_fd_type_types, idr_for_fd_type_attrs);

TEST(spec_check_fd_attr_for_idr_type)
{
	spec_err(&fd_for_idr_type_types, "FD attribute for a handle type");
}

TEST(spec_check_idr_attr_for_fd_type)
{
	spec_err(&idr_for_fd_type_types, "IDR attribute for an fd type");
}

static const struct uverbs_attr_spec access_none_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NONE),
};
SPEC_ONE_ACTION(access_none_types, access_none_attrs);

static const struct uverbs_attr_spec access_unknown_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_DESTROY + 1),
};
SPEC_ONE_ACTION(access_unknown_types, access_unknown_attrs);

static const struct uverbs_attr_spec fd_access_none_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_FD,
		.idr = { .type = SPEC_T_FD, .access = UVERBS_ACCESS_NONE } },
};
SPEC_ONE_ACTION(fd_access_none_types, fd_access_none_attrs);

TEST(spec_check_access_none)
{
	spec_err(&access_none_types, "access 0");
	spec_err(&fd_access_none_types, "access 0");
	spec_err(&access_unknown_types, "access 5");
}

/* ---- PTR lengths ---- */

static const struct uverbs_attr_spec ptr_in_max_zero_attrs[] = {
	[0] = PTR_IN("A0", 0, 0),
};
SPEC_ONE_ACTION(ptr_in_max_zero_types, ptr_in_max_zero_attrs);

static const struct uverbs_attr_spec ptr_out_max_zero_attrs[] = {
	[0] = PTR_OUT("A0", 0, 0),
};
SPEC_ONE_ACTION(ptr_out_max_zero_types, ptr_out_max_zero_attrs);

TEST(spec_check_ptr_max_len_zero)
{
	spec_err(&ptr_in_max_zero_types, "PTR lengths 0..0");
	spec_err(&ptr_out_max_zero_types, "PTR lengths 0..0");
}

static const struct uverbs_attr_spec ptr_in_min_gt_max_attrs[] = {
	[0] = PTR_IN("A0", 8, 4),
};
SPEC_ONE_ACTION(ptr_in_min_gt_max_types, ptr_in_min_gt_max_attrs);

static const struct uverbs_attr_spec ptr_out_min_gt_max_attrs[] = {
	[0] = PTR_OUT("A0", 5, 4),
};
SPEC_ONE_ACTION(ptr_out_min_gt_max_types, ptr_out_min_gt_max_attrs);

TEST(spec_check_ptr_min_len_above_max)
{
	spec_err(&ptr_in_min_gt_max_types, "PTR lengths 8..4");
	spec_err(&ptr_out_min_gt_max_types, "PTR lengths 5..4");
}

static const struct uverbs_attr_spec unknown_type_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_FD + 1, .min_len = 4, .max_len = 4 },
};
SPEC_ONE_ACTION(unknown_type_types, unknown_type_attrs);

static const struct uverbs_attr_spec unknown_type_ff_attrs[] = {
	[0] = { .type = 0xff },
};
SPEC_ONE_ACTION(unknown_type_ff_types, unknown_type_ff_attrs);

TEST(spec_check_unknown_attr_type)
{
	spec_err(&unknown_type_types, "unknown attribute type 5");
	spec_err(&unknown_type_ff_types, "unknown attribute type 255");
}

/* ---- Parents ---- */

static const struct uverbs_attr_spec parent_write_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_WRITE),
};
SPEC_ONE_ACTION(parent_write_types, parent_write_attrs);

static const struct uverbs_attr_spec parent_destroy_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_DESTROY,
			 .parent = true } },
};
SPEC_ONE_ACTION(parent_destroy_types, parent_destroy_attrs);

static const struct uverbs_attr_spec parent_new_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_NEW,
			 .parent = true } },
};
SPEC_ONE_ACTION(parent_new_types, parent_new_attrs);

TEST(spec_check_parent_not_read)
{
	spec_err(&parent_write_types, "attr 0x1: a parent must be READ");
	spec_err(&parent_destroy_types, "a parent must be READ");
	spec_err(&parent_new_types, "a parent must be READ");
}

static const struct uverbs_attr_spec parent_without_new_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_WRITE),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(parent_without_new_types, parent_without_new_attrs);

static const struct uverbs_attr_spec parent_with_destroy_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_DESTROY),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(parent_with_destroy_types, parent_with_destroy_attrs);

TEST(spec_check_parent_without_new)
{
	spec_err(&parent_without_new_types, "parent attributes without a NEW one");
	spec_err(&parent_with_destroy_types, "parent attributes without a NEW one");
}

static const struct uverbs_attr_spec too_many_parents_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[2] = PARENT("A2", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[3] = PARENT("A3", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[4] = PARENT("A4", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[5] = PARENT("A5", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
SPEC_ONE_ACTION(too_many_parents_types, too_many_parents_attrs);

/* Parents counted across both chains. */
static const struct uverbs_attr_spec three_parents_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[2] = PARENT("A2", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[3] = PARENT("A3", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
static const struct uverbs_attr_spec two_vendor_parents_attrs[] = {
	[0] = PARENT("A0", SPEC_T_OBJ, UVERBS_ACCESS_READ),
	[1] = PARENT("A1", SPEC_T_OBJ, UVERBS_ACCESS_READ),
};
static const struct uverbs_action split_parents_actions[] = {
	UVERBS_STD_VENDOR_ACTION("OBJ_ACT", spec_handler, three_parents_attrs,
				 two_vendor_parents_attrs),
};
SPEC_TYPES(split_parents_types, split_parents_actions);

TEST(spec_check_too_many_parents)
{
	ASSERT_EQ(UVERBS_MAX_PARENTS, 4);
	spec_err(&too_many_parents_types, "5 parents, at most 4");
	spec_err(&split_parents_types, "5 parents, at most 4");
}

/* ---- Actions: handler, chains, distribution ---- */

static const struct uverbs_attr_spec one_ptr_attrs[] = {
	[0] = PTR_IN("A0", 4, 4),
};

static const struct uverbs_action chains_no_handler_actions[] = {
	{ .chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(one_ptr_attrs)) },
};
SPEC_TYPES(chains_no_handler_types, chains_no_handler_actions);

TEST(spec_check_chains_without_handler)
{
	spec_err(&chains_no_handler_types, "attributes but no handler");
}

static const struct uverbs_action zero_chains_actions[] = {
	{ .chain = { .validator_chains =
			     (const struct uverbs_attr_chain_spec *const[]){
				     UVERBS_CHAIN(one_ptr_attrs) },
		     .num_chains = 0,
		     .dist = ib_uverbs_std_dist },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(zero_chains_types, zero_chains_actions);

static const struct uverbs_action three_chains_actions[] = {
	{ .chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(one_ptr_attrs),
				      UVERBS_CHAIN(one_ptr_attrs),
				      UVERBS_CHAIN(one_ptr_attrs)),
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(three_chains_types, three_chains_actions);

TEST(spec_check_num_chains)
{
	ASSERT_EQ(three_chains_actions[0].chain.num_chains, 3);
	spec_err(&zero_chains_types, "needs 1 or 2 chains");
	spec_err(&three_chains_types, "needs 1 or 2 chains");
}

static const struct uverbs_action no_dist_actions[] = {
	{ .chain = { .validator_chains =
			     (const struct uverbs_attr_chain_spec *const[]){
				     UVERBS_CHAIN(one_ptr_attrs) },
		     .num_chains = 1,
		     .dist = NULL },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(no_dist_types, no_dist_actions);

TEST(spec_check_missing_dist)
{
	spec_err(&no_dist_types, "needs 1 or 2 chains and a distribution function");
}

static const struct uverbs_action null_chains_actions[] = {
	{ .chain = { .validator_chains = NULL,
		     .num_chains = 1,
		     .dist = ib_uverbs_std_dist },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(null_chains_types, null_chains_actions);

static const struct uverbs_action null_chain_actions[] = {
	{ .chain = { .validator_chains =
			     (const struct uverbs_attr_chain_spec *const[]){
				     UVERBS_CHAIN(one_ptr_attrs), NULL },
		     .num_chains = 2,
		     .dist = ib_uverbs_std_dist },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(null_chain_types, null_chain_actions);

/* A chain with ids but no specs, and one wider than the id namespace. */
static const struct uverbs_action chain_no_attrs_actions[] = {
	{ .chain = { .validator_chains =
			     (const struct uverbs_attr_chain_spec *const[]){
				     &(const struct uverbs_attr_chain_spec){
					     .attrs = NULL, .num_attrs = 3 } },
		     .num_chains = 1,
		     .dist = ib_uverbs_std_dist },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(chain_no_attrs_types, chain_no_attrs_actions);

static const struct uverbs_action chain_too_wide_actions[] = {
	{ .chain = { .validator_chains =
			     (const struct uverbs_attr_chain_spec *const[]){
				     &(const struct uverbs_attr_chain_spec){
					     .attrs = one_ptr_attrs,
					     .num_attrs = UVERBS_VENDOR_FLAG + 1 } },
		     .num_chains = 1,
		     .dist = ib_uverbs_std_dist },
	  .handler = uverbs_action_std_handle,
	  .priv = &spec_std },
};
SPEC_TYPES(chain_too_wide_types, chain_too_wide_actions);

TEST(spec_check_bad_chains)
{
	spec_err(&null_chains_types, "needs 1 or 2 chains");
	spec_err(&null_chain_types, "chain 1 is empty");
	spec_err(&chain_no_attrs_types, "chain 0 is empty");
	spec_err(&chain_too_wide_types, "more ids than the namespace");
}

/* ---- The types table itself ---- */

static const struct uverbs_type *const one_type_list[] = {
	UVERBS_TYPE("OBJ", spec_no_actions, &spec_obj),
};

static const struct uverbs_types null_list_types = {
	.types = NULL,
	.num_types = 1,
};

static const struct uverbs_types zero_types = {
	.types = one_type_list,
	.num_types = 0,
};

static const struct uverbs_type *const null_actions_list[] = {
	&(const struct uverbs_type){ .actions = NULL, .num_actions = 2,
				     .obj = &spec_obj },
};

static const struct uverbs_types null_actions_types = {
	.types = null_actions_list,
	.num_types = ARRAY_SIZE(null_actions_list),
};

TEST(spec_check_null_types_table)
{
	spec_err(NULL, "no types table");
	spec_err(&null_list_types, "no types table");
	spec_err(&zero_types, "no types table");
	spec_err(&null_actions_types, "type 0: actions missing");
}

/* Bad actions are found wherever they sit, not only in the first type. */
static const struct uverbs_type *const late_bad_list[] = {
	[0] = UVERBS_TYPE("OBJ", spec_no_actions, &spec_obj),
	[7] = UVERBS_TYPE("T7", two_new_types_actions, &spec_obj),
};

static const struct uverbs_types late_bad_types = {
	.types = late_bad_list,
	.num_types = ARRAY_SIZE(late_bad_list),
};

static const struct uverbs_action late_bad_action_actions[] = {
	[0] = UVERBS_STD_ACTION("OBJ_A0", spec_handler, no_attrs),
	[5] = UVERBS_STD_ACTION("OBJ_A5", spec_handler,
				ptr_in_min_gt_max_attrs),
};
SPEC_TYPES(late_bad_action_types, late_bad_action_actions);

TEST(spec_check_finds_late_errors)
{
	spec_err(&late_bad_types, "type 7 action 0: 2 NEW");
	spec_err(&late_bad_action_types, "type 0 action 5 attr 0x0: PTR lengths 8..4");
}

/* ---- Names ---- */

static const struct uverbs_attr_spec unnamed_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[1] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 4, .max_len = 4 },
};
SPEC_ONE_ACTION(unnamed_attr_types, unnamed_attrs);

static const struct uverbs_attr_spec twice_named_attrs[] = {
	[0] = IDR("A0", SPEC_T_OBJ, UVERBS_ACCESS_NEW),
	[2] = PTR_IN("A0", 4, 4),
};
SPEC_ONE_ACTION(twice_named_attr_types, twice_named_attrs);

/* A vendor attribute may not take a common attribute's name. */
static const struct uverbs_attr_spec vendor_a0_attrs[] = {
	[1] = PTR_IN("A0", 4, 4),
};
static const struct uverbs_action vendor_twice_actions[] = {
	UVERBS_STD_VENDOR_ACTION("OBJ_ACT", spec_handler, one_ptr_attrs,
				 vendor_a0_attrs),
};
SPEC_TYPES(vendor_twice_types, vendor_twice_actions);

static const struct uverbs_action unnamed_action_actions[] = {
	[0] = UVERBS_STD_ACTION("OBJ_A0", spec_handler, no_attrs),
	[1] = UVERBS_STD_ACTION(NULL, spec_handler, no_attrs),
};
SPEC_TYPES(unnamed_action_types, unnamed_action_actions);

static const struct uverbs_action twice_named_action_actions[] = {
	[0] = UVERBS_STD_ACTION("OBJ_A0", spec_handler, no_attrs),
	[2] = UVERBS_STD_ACTION("OBJ_A0", spec_handler, no_attrs),
};
SPEC_TYPES(twice_named_action_types, twice_named_action_actions);

static const struct uverbs_action spaced_name_actions[] = {
	UVERBS_STD_ACTION("OBJ A0", spec_handler, no_attrs),
};
SPEC_TYPES(spaced_name_types, spaced_name_actions);

static const struct uverbs_type *const type_names_list[] = {
	[0] = UVERBS_TYPE("OBJ", spec_no_actions, &spec_obj),
	[1] = UVERBS_TYPE(NULL, spec_no_actions, &spec_obj),
};
static const struct uverbs_types unnamed_type_types = {
	.types = type_names_list, .num_types = 2, .name = "spec",
};

static const struct uverbs_type *const twice_named_type_list[] = {
	[0] = UVERBS_TYPE("OBJ", spec_no_actions, &spec_obj),
	[3] = UVERBS_TYPE("OBJ", spec_no_actions, &spec_obj),
};
static const struct uverbs_types twice_named_type_types = {
	.types = twice_named_type_list,
	.num_types = ARRAY_SIZE(twice_named_type_list), .name = "spec",
};

static const struct uverbs_types unnamed_driver_types = {
	.types = type_names_list, .num_types = 1,
};

TEST(spec_check_names)
{
	spec_err(&unnamed_attr_types, "spec: OBJ_ACT: attr 0x1: no name");
	spec_err(&twice_named_attr_types,
		 "spec: OBJ_ACT: attr 0x2: name A0 taken by attr 0x0");
	spec_err(&vendor_twice_types,
		 "spec: OBJ_ACT: attr vendor 0x1: name A0 taken by attr 0x0");
	spec_err(&unnamed_action_types, "spec: OBJ: action 1: no name");
	spec_err(&twice_named_action_types,
		 "spec: OBJ: action 2: name OBJ_A0 taken by action 0");
	spec_err(&spaced_name_types, "spec: OBJ: action 0: no name");
	spec_err(&unnamed_type_types, "spec: type 1: no name");
	spec_err(&twice_named_type_types,
		 "spec: type 3: name OBJ taken by type 0");
	spec_err(&unnamed_driver_types,
		 "spec: the types table has no driver name");
}

/* ---- Layouts ---- */

struct spec_pair {
	__u32 a;
	__u32 b;
};

static const struct uverbs_field pair_fields[] = {
	UVERBS_FIELD(spec_pair, a, UINT),
	UVERBS_FIELD(spec_pair, b, HEX),
};
static const struct uverbs_layout pair_layout =
	UVERBS_LAYOUT(spec_pair, pair_fields);

/* Fixed 8 bytes, flexible 8..64, and a scalar: all fit. */
static const struct uverbs_attr_spec layouts_ok_attrs[] = {
	[0] = { .name = "FIXED", .type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = 8, .max_len = 8, .layout = &pair_layout },
	[1] = { .name = "ARRAY", .type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = 8, .max_len = 64, .layout = &pair_layout },
	[2] = { .name = "COUNT", .type = UVERBS_ATTR_TYPE_PTR_OUT,
		.min_len = 4, .max_len = 4, .layout = &uverbs_layout_u32 },
	[3] = { .name = "WR", .type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct ib_uverbs_send_wr),
		.max_len = 4 * sizeof(struct ib_uverbs_send_wr),
		.layout = &uverbs_layout_send_wr },
};
SPEC_ONE_ACTION(layouts_ok_types, layouts_ok_attrs);

static const struct uverbs_attr_spec fixed_misfit_attrs[] = {
	[0] = { .name = "FIXED", .type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = 12, .max_len = 12, .layout = &pair_layout },
};
SPEC_ONE_ACTION(fixed_misfit_types, fixed_misfit_attrs);

static const struct uverbs_attr_spec flex_misfit_attrs[] = {
	[0] = { .name = "ARRAY", .type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = 8, .max_len = 60, .layout = &pair_layout },
};
SPEC_ONE_ACTION(flex_misfit_types, flex_misfit_attrs);

static const struct uverbs_attr_spec idr_layout_attrs[] = {
	[0] = { .name = "H", .type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = SPEC_T_OBJ, .access = UVERBS_ACCESS_READ },
		.layout = &uverbs_layout_u32 },
};
SPEC_ONE_ACTION(idr_layout_types, idr_layout_attrs);

/* Broken layouts, each on an 8-byte attribute. */
static const struct uverbs_field overlap_fields[] = {
	{ .name = "a", .offset = 0, .size = 4, .kind = UVERBS_FIELD_UINT },
	{ .name = "b", .offset = 2, .size = 4, .kind = UVERBS_FIELD_UINT },
};
static const struct uverbs_field outside_fields[] = {
	{ .name = "a", .offset = 4, .size = 8, .kind = UVERBS_FIELD_UINT },
};
static const struct uverbs_field odd_size_fields[] = {
	{ .name = "a", .offset = 0, .size = 3, .kind = UVERBS_FIELD_UINT },
};
static const struct uverbs_field enum_no_values_fields[] = {
	{ .name = "a", .offset = 0, .size = 4, .kind = UVERBS_FIELD_ENUM },
};
static const struct uverbs_field unnamed_fields[] = {
	{ .name = "a", .offset = 0, .size = 4, .kind = UVERBS_FIELD_UINT },
	{ .offset = 4, .size = 4, .kind = UVERBS_FIELD_UINT },
};
static const struct uverbs_field nested_misfit_fields[] = {
	{ .name = "p", .offset = 0, .size = 4, .kind = UVERBS_FIELD_STRUCT,
	  .layout = &pair_layout },
};
static const struct uverbs_field unknown_kind_fields[] = {
	{ .name = "a", .offset = 0, .size = 4, .kind = 42 },
};
/* Two members of a union at offset 0, then a field after the longer. */
static const struct uverbs_field union_fields[] = {
	{ .name = "u.x", .offset = 0, .size = 4, .kind = UVERBS_FIELD_UINT },
	{ .name = "u.y", .offset = 0, .size = 2, .kind = UVERBS_FIELD_HEX,
	  .count = 2 },
	{ .name = "c", .offset = 4, .size = 4, .kind = UVERBS_FIELD_UINT },
};
/* ... and one that starts inside the union's longer member. */
static const struct uverbs_field union_overlap_fields[] = {
	{ .name = "u.x", .offset = 0, .size = 8, .kind = UVERBS_FIELD_UINT },
	{ .name = "u.y", .offset = 0, .size = 4, .kind = UVERBS_FIELD_UINT },
	{ .name = "c", .offset = 4, .size = 4, .kind = UVERBS_FIELD_UINT },
};

#define BAD_LAYOUT(_name, _fields)                                           \
	static const struct uverbs_layout _name##_layout = {                 \
		.name = #_name, .size = 8, .fields = _fields,                \
		.num_fields = ARRAY_SIZE(_fields) };                         \
	static const struct uverbs_attr_spec _name##_attrs[] = {             \
		[0] = { .name = "BUF", .type = UVERBS_ATTR_TYPE_PTR_IN,      \
			.min_len = 8, .max_len = 8,                          \
			.layout = &_name##_layout },                         \
	};                                                                   \
	SPEC_ONE_ACTION(_name##_types, _name##_attrs)

BAD_LAYOUT(overlap, overlap_fields);
BAD_LAYOUT(outside, outside_fields);
BAD_LAYOUT(odd_size, odd_size_fields);
BAD_LAYOUT(enum_no_values, enum_no_values_fields);
BAD_LAYOUT(unnamed_field, unnamed_fields);
BAD_LAYOUT(nested_misfit, nested_misfit_fields);
BAD_LAYOUT(unknown_kind, unknown_kind_fields);
BAD_LAYOUT(union, union_fields);
BAD_LAYOUT(union_overlap, union_overlap_fields);

TEST(spec_check_layouts)
{
	spec_ok(&layouts_ok_types);
	spec_ok(&union_types);
	spec_err(&fixed_misfit_types,
		 "attr 0x0: lengths 12..12 do not fit layout spec_pair of 8 bytes");
	spec_err(&flex_misfit_types,
		 "attr 0x0: lengths 8..60 do not fit layout spec_pair of 8 bytes");
	spec_err(&idr_layout_types, "attr 0x0: a layout on an object attribute");
	spec_err(&overlap_types,
		 "layout overlap: field b at 2..6 overlaps or leaves the struct (8 bytes)");
	spec_err(&outside_types,
		 "layout outside: field a at 4..12 overlaps or leaves the struct (8 bytes)");
	spec_err(&odd_size_types, "layout odd_size: field a: size 3 for kind 0");
	spec_err(&enum_no_values_types,
		 "layout enum_no_values: field a: no value names");
	spec_err(&unnamed_field_types,
		 "layout unnamed_field: field 1 has no name");
	spec_err(&nested_misfit_types,
		 "layout nested_misfit: field p: nested layout missing or not 4 bytes");
	spec_err(&unknown_kind_types,
		 "layout unknown_kind: field a: unknown kind 42");
	spec_err(&union_overlap_types,
		 "layout union_overlap: field c at 4..8 overlaps or leaves the struct (8 bytes)");
}

/* ---- The built-in tables ---- */

/*
 * Every slot named, and every PTR attribute with a layout (the checker
 * has proven that they fit); returns the PTR attributes seen.
 */
static unsigned int builtin_layouts(const struct uverbs_types *types)
{
	unsigned int t, a, c, id, num_ptr = 0;

	ASSERT_OK(uverbs_types_check(types, types->name));
	for (t = 0; t < types->num_types; t++) {
		const struct uverbs_type *type = types->types[t];

		if (!type)
			continue;
		ASSERT_TRUE(type->name);
		for (a = 0; a < type->num_actions; a++) {
			const struct action_spec *spec =
				&type->actions[a].chain;

			if (!type->actions[a].handler)
				continue;
			ASSERT_TRUE(type->actions[a].name);
			for (c = 0; c < spec->num_chains; c++) {
				const struct uverbs_attr_chain_spec *ch =
					spec->validator_chains[c];

				for (id = 0; id < ch->num_attrs; id++) {
					const struct uverbs_attr_spec *as =
						&ch->attrs[id];

					if (as->type != UVERBS_ATTR_TYPE_PTR_IN &&
					    as->type != UVERBS_ATTR_TYPE_PTR_OUT)
						continue;
					if (!as->layout)
						harness_fail(__FILE__, __LINE__,
							     "%s: %s: attr %s has no layout",
							     types->name,
							     type->actions[a].name,
							     as->name);
					num_ptr++;
				}
			}
		}
	}
	return num_ptr;
}

TEST(spec_check_builtin_tables_named_and_laid_out)
{
	struct soft_device_config cfg = { 0 };
	struct ib_device *dev;

	/* 42, and QUERY_SCHEMA's 3. */
	ASSERT_EQ(builtin_layouts(&uverbs_std_types), 45);
	ASSERT_TRUE(!strcmp(uverbs_std_types.name, "std"));
	dev = soft_device_create(&cfg);
	ASSERT_TRUE(!IS_ERR(dev));
	/*
	 * The standard 45, the soft vendor actions' 10 (VENDOR_ROCE_COUNTERS'
	 * PORT and RESP the last two), CQ_CREATE's RING.
	 */
	ASSERT_EQ(builtin_layouts(dev->types), 45 + 10 + 1);
	ASSERT_TRUE(!strcmp(dev->types->name, "soft"));
	ASSERT_TRUE(!strcmp(dev->types->types[UVERBS_TYPE_CQ]->name, "CQ"));
	ASSERT_TRUE(!strcmp(dev->types->types[SOFT_TYPE_VENDOR]->name,
			    "VENDOR"));
	soft_device_destroy(dev);
	dev = td_device_create();
	ASSERT_TRUE(dev);
	/* 15, and the core's QUERY_SCHEMA's 3. */
	ASSERT_EQ(builtin_layouts(dev->types), 15 + 3);
	ASSERT_TRUE(!strcmp(dev->types->name, "test"));
	td_device_destroy(dev);
}

/* Value names come from the ABI's identifiers; an unknown value has none. */
TEST(spec_check_value_names)
{
	ASSERT_TRUE(!strcmp(uverbs_value_name(uverbs_values_wc_status,
					      IB_UVERBS_WC_WR_FLUSH_ERR),
			    "WR_FLUSH_ERR"));
	ASSERT_TRUE(!strcmp(uverbs_value_name(uverbs_values_qp_attr_mask,
					      IB_UVERBS_QP_DEST_QPN),
			    "DEST_QPN"));
	ASSERT_TRUE(!strcmp(uverbs_value_name(uverbs_values_mtu,
					      IB_UVERBS_MTU_4096), "4096"));
	ASSERT_TRUE(!strcmp(uverbs_value_name(uverbs_values_event_type,
					      IB_UVERBS_EVENT_GID_CHANGE),
			    "GID_CHANGE"));
	ASSERT_TRUE(uverbs_value_name(uverbs_values_qp_type, 0) == NULL);
	ASSERT_TRUE(uverbs_value_name(uverbs_values_wc_opcode, 5) == NULL);
	ASSERT_TRUE(uverbs_value_name(NULL, 0) == NULL);
}

/*
 * Rule 20 after the driver is gone: registration copies the types table,
 * so a file parses its commands after removal against the core's copy
 * alone.  The driver's table here is a heap copy freed right after
 * removal: a read of it is a use after free (ASan).
 */
TEST(spec_copy_outlives_the_drivers_table)
{
	struct ib_uverbs_async_event_desc desc;
	struct uverbs_types *types;
	struct ib_uverbs_file *f;
	struct ib_device *dev;
	u32 p, c;

	dev = td_device_create();
	ASSERT_TRUE(dev);
	types = uverbs_types_dup(dev->types);
	td_device_destroy(dev);
	ASSERT_TRUE(types);
	ASSERT_TRUE(!strcmp(types->name, "test"));
	ASSERT_TRUE(!strcmp(types->types[TD_TYPE_PARENT]->name, "PARENT"));
	dev = td_device_create_types("td_copy", types);
	ASSERT_TRUE(dev);
	f = td_open_ctx_ok(dev);
	p = td_parent_create_ok(f, 5);
	c = td_child_create_ok(f, p);
	td_device_remove(dev);
	kfree(types);

	td_parent_write_err(-EIO, f, p);
	td_child_create_err(-EIO, f, p);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	td_parent_destroy_err(-ENOENT, f, p);
	ASSERT_OK(ib_uverbs_read_async_event(f, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ib_uverbs_release(f);
	kfree(dev);
}
