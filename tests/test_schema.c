// SPDX-License-Identifier: MIT
/*
 * DEVICE's QUERY_SCHEMA (core/schema.c) and the library's schema
 * (lib/schema.c, lib/schema_print.c), embedded: the blob a device answers
 * parses back into exactly what the library builds from the same tables
 * in memory, field by field (the soft device, the test driver, and a
 * table with every kind of layout); it is read in pieces of any size;
 * the command needs no context and is served whatever the driver_id
 * (Rule 6's exception) but not after removal; garbage never parses into
 * a crash; and the soft device prints as the golden files say.
 */
#include <ioverbs/embedded.h>
#include <ioverbs/schema.h>
#include <rdma/ib_user_schema.h>
#include <rdma/ib_verbs_ops.h>

#include "harness.h"
#include "schema_check.h"
#include "test_driver.h"

/* One QUERY_SCHEMA on @f: 0 or -errno; NULL @data: no DATA attribute,
 * NULL @offset: no OFFSET attribute, NULL @size: no SIZE attribute. */
static long query(struct ib_uverbs_file *f, u16 driver_id, const u32 *offset,
		  void *data, size_t len, u32 *size)
{
	struct ioverbs_cmd c;

	ioverbs_cmd_init(&c, NULL, driver_id, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY_SCHEMA);
	if (offset)
		ioverbs_cmd_in(&c, UVERBS_QUERY_SCHEMA_OFFSET, offset,
			       sizeof(*offset));
	if (data)
		ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_DATA, data, len);
	if (size)
		ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_SIZE, size,
				sizeof(*size));
	return ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f);
}

/* The reason of @f's last failed command contains @what. */
static void reason_has(int line, struct ib_uverbs_file *f, const char *what)
{
	char buf[UVERBS_REASON_MAX + 1];
	ssize_t n = ib_uverbs_reason_read(f, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (!strstr(buf, what))
		harness_fail(__FILE__, line, "reason \"%s\" lacks \"%s\"", buf,
			     what);
}

/* The whole blob of @types, from the core's writer. */
static u8 *blob_of(const struct uverbs_types *types, u16 driver_id, u32 *len)
{
	u8 *blob;

	ASSERT_OK(uverbs_schema_copy(types, driver_id, NULL, 0, 0, len));
	blob = malloc(*len);
	ASSERT_TRUE(blob);
	ASSERT_OK(uverbs_schema_copy(types, driver_id, blob, 0, *len, len));
	return blob;
}

/*
 * The device's schema through the library (no context on @f) is the one
 * built from its tables, and the blob is the core's, byte for byte.
 */
static void assert_round_trip(struct ib_device *dev, struct ib_uverbs_file *f)
{
	struct ioverbs_schema *fetched, *built;
	struct ioverbs_client v;
	void *blob;
	size_t len;
	u32 want_len;
	u8 *want;

	ioverbs_client_init_embedded(&v, f);
	ASSERT_OK(ioverbs_schema_fetch_blob(&v, &blob, &len));
	want = blob_of(dev->types, dev->driver_id, &want_len);
	ASSERT_EQ(len, want_len);
	ASSERT_TRUE(!memcmp(blob, want, len));
	free(want);
	free(blob);

	ASSERT_OK(ioverbs_schema_fetch(&v, &fetched));
	ASSERT_OK(ioverbs_schema_from_types(dev->types, dev->driver_id,
					    &built));
	schema_assert_eq(fetched, built);
	ioverbs_schema_free(fetched);
	ioverbs_schema_free(built);
}

TEST(schema_soft_round_trip)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_file *f;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f) && f);
	assert_round_trip(dev, f);
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

TEST(schema_td_round_trip)
{
	struct ib_device *dev = td_device_create();
	const struct ioverbs_schema_attr *a;
	struct ioverbs_schema *s;
	struct ib_uverbs_file *f;

	ASSERT_TRUE(dev);
	f = td_open_ok(dev);
	assert_round_trip(dev, f);

	/* What the test driver's tables say, through the walkers. */
	ASSERT_OK(ioverbs_schema_from_types(dev->types, TD_DRIVER_ID, &s));
	ASSERT_EQ(s->num_types, TD_NUM_TYPES);
	ASSERT_TRUE(!ioverbs_schema_type(s, TD_TYPE_EMPTY));
	ASSERT_TRUE(!ioverbs_schema_type(s, TD_NUM_TYPES));
	ASSERT_TRUE(ioverbs_schema_type(s, TD_TYPE_CHANNEL)->is_fd);
	ASSERT_TRUE(ioverbs_schema_type(s, TD_TYPE_CHANNEL)->has_objects);
	ASSERT_TRUE(!ioverbs_schema_type(s, TD_TYPE_VENDOR)->has_objects);
	ASSERT_TRUE(!ioverbs_schema_action(s, TD_TYPE_DEVICE, TD_DEVICE_EMPTY));
	ASSERT_TRUE(ioverbs_schema_action(s, TD_TYPE_DEVICE,
					  UVERBS_ACTION_DEVICE_QUERY_SCHEMA));
	a = ioverbs_schema_attr(s, TD_TYPE_PARENT, TD_PARENT_CREATE,
				TD_PARENT_CREATE_VENDOR_TAG);
	ASSERT_TRUE(a);
	ASSERT_EQ(a->id, TD_PARENT_CREATE_VENDOR_TAG & ~UVERBS_VENDOR_FLAG);
	ASSERT_EQ(a->type, UVERBS_ATTR_TYPE_PTR_IN);
	ASSERT_EQ(a->min_len, sizeof(u64));
	ASSERT_EQ(a->max_len, sizeof(u64));
	ASSERT_TRUE(!a->mandatory);
	a = ioverbs_schema_attr(s, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE,
				TD_CHANNEL_FD);
	ASSERT_TRUE(a);
	ASSERT_EQ(a->type, UVERBS_ATTR_TYPE_FD);
	ASSERT_EQ(a->idr_type, TD_TYPE_CHANNEL);
	ASSERT_EQ(a->idr_access, UVERBS_ACCESS_NEW);
	ASSERT_TRUE(a->mandatory);
	/* An id past the chain, and a vendor id where there is no chain. */
	ASSERT_TRUE(!ioverbs_schema_attr(s, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE,
					 TD_CHANNEL_FD + 40));
	ASSERT_TRUE(!ioverbs_schema_attr(s, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE,
					 UVERBS_VENDOR_FLAG));
	ioverbs_schema_free(s);

	ib_uverbs_release(f);
	td_device_destroy(dev);
}

/*
 * A table with every kind of layout: a struct nesting another (shared by
 * two attributes and a field), enum and flag names, an array field, a
 * scalar buffer, names left out.  Only written and read, never
 * registered: the registration checker would want a NEW for the parent.
 */
static const struct uverbs_value_name lx_states[] = {
	{ 0, "RESET" }, { 3, "RTS" }, { 0xffffffffffULL, "BIG" }, { 0, NULL },
};

static const struct uverbs_value_name lx_flags[] = {
	{ 0x1, "LOCAL_WRITE" }, { 0x8, "REMOTE_ATOMIC" }, { 0, NULL },
};

static const struct uverbs_field lx_inner_fields[] = {
	{ .name = "key", .offset = 0, .size = 4, .kind = UVERBS_FIELD_HEX },
	{ .name = "gid", .offset = 4, .size = 1, .count = 16,
	  .kind = UVERBS_FIELD_BYTES },
};

static const struct uverbs_layout lx_inner = {
	.name = "lx_inner", .size = 20, .fields = lx_inner_fields,
	.num_fields = ARRAY_SIZE(lx_inner_fields),
};

static const struct uverbs_field lx_outer_fields[] = {
	{ .name = "state", .offset = 0, .size = 4, .kind = UVERBS_FIELD_ENUM,
	  .values = lx_states },
	{ .name = "access", .offset = 4, .size = 4, .kind = UVERBS_FIELD_FLAGS,
	  .values = lx_flags },
	{ .name = "in", .offset = 8, .size = 20, .kind = UVERBS_FIELD_STRUCT,
	  .layout = &lx_inner },
	{ .offset = 28, .size = 2, .kind = UVERBS_FIELD_INT },
};

static const struct uverbs_layout lx_outer = {
	.name = "lx_outer", .size = 32, .fields = lx_outer_fields,
	.num_fields = ARRAY_SIZE(lx_outer_fields),
};

static const struct uverbs_field lx_u32_fields[] = {
	{ .size = 4, .kind = UVERBS_FIELD_UINT },
};

static const struct uverbs_layout lx_u32 = {
	.name = "u32", .size = 4, .fields = lx_u32_fields, .num_fields = 1,
};

static int lx_handler(struct ib_device *ib_dev, struct ib_ucontext *uctx,
		      struct uverbs_attr_array *common,
		      struct uverbs_attr_array *vendor, const void *priv)
{
	return 0;
}

static const struct uverbs_attr_spec lx_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = 32, .max_len = 64, .name = "OUTER",
		.layout = &lx_outer },
	[2] = { .type = UVERBS_ATTR_TYPE_PTR_OUT, .copy_on_error = true,
		.min_len = 4, .max_len = 4, .name = "COUNT",
		.layout = &lx_u32 },
	[3] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 20,
		.max_len = 20, .layout = &lx_inner },
	[4] = { .type = UVERBS_ATTR_TYPE_FD, .mandatory = true,
		.idr = { .type = 1, .access = UVERBS_ACCESS_READ,
			 .parent = true }, .name = "OBJ" },
};

static const struct uverbs_attr_spec lx_vendor_attrs[] = {
	[1] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 1, .max_len = 9,
		.name = "VTAG", .layout = &lx_outer },
};

static const struct uverbs_action lx_actions[] = {
	[1] = { .chain = UVERBS_ACTION_SPEC(UVERBS_CHAIN(lx_attrs),
					    UVERBS_CHAIN(lx_vendor_attrs)),
		.handler = uverbs_action_std_handle,
		.priv = &(const struct uverbs_action_std_handler){
			.handler = lx_handler },
		.user_memory = true, .after_removal = true, .name = "DO" },
};

static int lx_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	return 0;
}

static const struct uverbs_obj_type lx_obj = { .destroy = lx_destroy,
					       .is_fd = true };

static const struct uverbs_type *const lx_type_list[] = {
	[1] = &(const struct uverbs_type){ .actions = lx_actions,
		.num_actions = ARRAY_SIZE(lx_actions), .obj = &lx_obj,
		.name = "THING" },
	[3] = &(const struct uverbs_type){ .actions = lx_actions,
		.num_actions = ARRAY_SIZE(lx_actions) },
};

static const struct uverbs_types lx_types = {
	.types = lx_type_list, .num_types = ARRAY_SIZE(lx_type_list),
	.name = "lx",
};

TEST(schema_layouts_round_trip)
{
	struct ioverbs_schema *parsed, *built;
	const struct ioverbs_schema_attr *a;
	const struct ioverbs_schema_layout *l;
	u32 len;
	u8 *blob;

	blob = blob_of(&lx_types, 0x1234, &len);
	ASSERT_OK(ioverbs_schema_parse(blob, len, &parsed));
	ASSERT_OK(ioverbs_schema_from_types(&lx_types, 0x1234, &built));
	schema_assert_eq(parsed, built);
	free(blob);

	/* First use, depth first: outer, inner (nested), u32. */
	ASSERT_EQ(parsed->num_layouts, 3);
	SCHEMA_STR_EQ(__FILE__, __LINE__, "l0", parsed->layouts[0].name, "lx_outer");
	SCHEMA_STR_EQ(__FILE__, __LINE__, "l1", parsed->layouts[1].name, "lx_inner");
	SCHEMA_STR_EQ(__FILE__, __LINE__, "l2", parsed->layouts[2].name, "u32");
	SCHEMA_STR_EQ(__FILE__, __LINE__, "driver", parsed->driver, "lx");
	ASSERT_EQ(parsed->driver_id, 0x1234);
	ASSERT_TRUE(!ioverbs_schema_type(parsed, 0));
	ASSERT_TRUE(!ioverbs_schema_type(parsed, 3)->name);
	ASSERT_TRUE(ioverbs_schema_type(parsed, 1)->is_fd);
	ASSERT_TRUE(ioverbs_schema_action(parsed, 1, 1)->user_memory);
	ASSERT_TRUE(ioverbs_schema_action(parsed, 1, 1)->after_removal);
	ASSERT_TRUE(!ioverbs_schema_action(parsed, 1, 0));
	a = ioverbs_schema_attr(parsed, 1, 1, 2);
	ASSERT_TRUE(a && a->copy_on_error && a->layout == &parsed->layouts[2]);
	a = ioverbs_schema_attr(parsed, 1, 1, 3);
	ASSERT_TRUE(a && !a->name && a->layout == &parsed->layouts[1]);
	ASSERT_TRUE(!ioverbs_schema_attr(parsed, 1, 1, 1));
	a = ioverbs_schema_attr(parsed, 1, 1, 4);
	ASSERT_TRUE(a && a->idr_parent && a->idr_access == UVERBS_ACCESS_READ);
	a = ioverbs_schema_attr(parsed, 1, 1, UVERBS_VENDOR_FLAG | 1);
	ASSERT_TRUE(a && a->max_len == 9 && a->layout == &parsed->layouts[0]);
	l = &parsed->layouts[0];
	ASSERT_EQ(l->num_fields, 4);
	ASSERT_EQ(l->fields[0].num_values, 3);
	ASSERT_EQ(l->fields[0].values[2].value, 0xffffffffffULL);
	SCHEMA_STR_EQ(__FILE__, __LINE__, "v", l->fields[1].values[1].name,
		      "REMOTE_ATOMIC");
	ASSERT_TRUE(l->fields[2].layout == &parsed->layouts[1]);
	ASSERT_TRUE(!l->fields[3].name);
	ASSERT_EQ(parsed->layouts[1].fields[1].count, 16);

	/* Both print the same, and the JSON parses. */
	{
		char *t1 = schema_printed(parsed, false);
		char *t2 = schema_printed(built, false);
		char *j1 = schema_printed(parsed, true);
		char *j2 = schema_printed(built, true);

		ASSERT_TRUE(!strcmp(t1, t2));
		ASSERT_TRUE(!strcmp(j1, j2));
		ASSERT_TRUE(json_parses(j1));
		ASSERT_TRUE(strstr(t1, "    attr 0x8001 VTAG PTR_IN len 1..9 layout 0 lx_outer vendor\n"));
		ASSERT_TRUE(strstr(t1, "    attr 0x0004 OBJ FD object 1 THING READ mandatory parent\n"));
		ASSERT_TRUE(strstr(t1, "  +8 in struct 20 layout 1 lx_inner\n"));
		ASSERT_TRUE(strstr(t1, "    0x8 REMOTE_ATOMIC\n"));
		ASSERT_TRUE(strstr(t1, "    1099511627775 BIG\n"));
		ASSERT_TRUE(strstr(t1, "type 3 ??? actions 2\n"));
		free(t1);
		free(t2);
		free(j1);
		free(j2);
	}
	ioverbs_schema_free(parsed);
	ioverbs_schema_free(built);
}

/* Every allocation of the core's writer may fail: -ENOMEM, nothing leaks. */
TEST(schema_copy_fail_nth)
{
	unsigned int n, left;
	u32 total, good;
	int ret;

	ASSERT_OK(uverbs_schema_copy(&lx_types, 1, NULL, 0, 0, &good));
	for (n = 1; n < 100; n++) {
		total = 0;
		compat_fail_nth_set(n);
		ret = uverbs_schema_copy(&lx_types, 1, NULL, 0, 0, &total);
		left = compat_fail_nth_left();
		compat_fail_nth_set(0);
		if (left) {
			ASSERT_OK(ret);
			ASSERT_EQ(total, good);
			break;
		}
		ASSERT_ERRNO(-ENOMEM, ret);
	}
	/* The layouts' list is the one allocation. */
	ASSERT_EQ(n, 2);
}

/* Pieces of any size, from any offset, make the blob. */
TEST(schema_read_in_pieces)
{
	static const u32 pieces[] = { 1, 7, 8, 100, 4096 };
	struct ib_device *dev = td_device_create();
	struct ib_uverbs_file *f;
	u32 total = 0, size, off, i, want_len;
	u8 *want, *got, *piece;

	ASSERT_TRUE(dev);
	f = td_open_ok(dev);
	want = blob_of(dev->types, TD_DRIVER_ID, &want_len);
	/* SIZE alone. */
	ASSERT_OK(query(f, TD_DRIVER_ID, NULL, NULL, 0, &total));
	ASSERT_EQ(total, want_len);
	got = calloc(1, total);
	piece = malloc(4096 + 16);
	ASSERT_TRUE(got && piece);
	for (i = 0; i < ARRAY_SIZE(pieces); i++) {
		memset(got, 0, total);
		for (off = 0; off < total; off += pieces[i]) {
			u32 n = total - off < pieces[i] ? total - off : pieces[i];

			/* Bytes past the end come back zero. */
			memset(piece, 0xa5, pieces[i]);
			size = 0;
			ASSERT_OK(query(f, TD_DRIVER_ID, &off, piece, pieces[i],
					&size));
			ASSERT_EQ(size, total);
			memcpy(got + off, piece, n);
			if (n < pieces[i])
				ASSERT_EQ(piece[n], 0);
		}
		ASSERT_TRUE(!memcmp(got, want, total));
	}
	/* At the very end: nothing left, not an error. */
	memset(piece, 0xa5, 8);
	ASSERT_OK(query(f, TD_DRIVER_ID, &total, piece, 8, &size));
	ASSERT_EQ(piece[0], 0);
	ASSERT_EQ(size, total);
	/* Beyond it: EINVAL, and the reason says so; DATA untouched. */
	off = total + 1;
	memset(piece, 0xa5, 8);
	ASSERT_ERRNO(-EINVAL, query(f, TD_DRIVER_ID, &off, piece, 8, &size));
	reason_has(__LINE__, f, "beyond the schema's");
	ASSERT_EQ(piece[0], 0xa5);
	/* Rule 10: DATA of 0 bytes; rule 9: SIZE missing. */
	ASSERT_ERRNO(-EINVAL, query(f, TD_DRIVER_ID, NULL, piece, 0, &size));
	ASSERT_ERRNO(-EINVAL, query(f, TD_DRIVER_ID, NULL, piece, 8, NULL));
	reason_has(__LINE__, f, "missing");
	free(piece);
	free(got);
	free(want);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}

/*
 * Rule 6's one exception: QUERY_SCHEMA is served whatever the driver_id
 * (and tells the right one); every other command still is not.  No
 * context is needed.
 */
TEST(schema_rule06_any_driver_id)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_query_device_resp resp;
	struct ib_uverbs_schema_hdr h;
	struct ib_uverbs_file *f;
	struct ioverbs_cmd c;
	u32 size;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f) && f);
	ASSERT_OK(query(f, 0x1234, NULL, &h, sizeof(h), &size));
	ASSERT_EQ(h.magic, IB_UVERBS_SCHEMA_MAGIC);
	ASSERT_EQ(h.version, IB_UVERBS_SCHEMA_VERSION);
	ASSERT_EQ(h.driver_id, SOFT_DRIVER_ID);
	ASSERT_EQ(h.total_len, size);
	ASSERT_EQ(h.hdr_len, sizeof(h));
	ASSERT_EQ(h.num_types, dev->types->num_types);

	/* The same wrong id on another DEVICE action: refused. */
	ASSERT_OK(query(f, SOFT_DRIVER_ID, NULL, NULL, 0, &size));
	ioverbs_cmd_init(&c, NULL, 0x1234, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY);
	ioverbs_cmd_out(&c, UVERBS_QUERY_DEVICE_RESP, &resp, sizeof(resp));
	ASSERT_ERRNO(-EINVAL, ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f));
	reason_has(__LINE__, f, "driver_id");
	/* And an action out of DEVICE's range with the wrong id. */
	ioverbs_cmd_init(&c, NULL, 0x1234, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY_SCHEMA + 1);
	ioverbs_cmd_out(&c, 0, &size, sizeof(size));
	ASSERT_ERRNO(-EINVAL, ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f));
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

/* A driver whose slot holds some other action gets no exception. */
static const struct uverbs_attr_spec fake_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_PTR_OUT, .min_len = 4, .max_len = 4,
		.name = "OUT" },
};

static int fake_handler(struct ib_device *ib_dev, struct ib_uverbs_file *ufile,
			struct uverbs_attr_array *common,
			struct uverbs_attr_array *vendor, const void *priv)
{
	return 0;
}

static const struct uverbs_action fake_device_actions[] = {
	[UVERBS_ACTION_DEVICE_QUERY_SCHEMA] =
		UVERBS_CTX_ACTION("FAKE", fake_handler, fake_attrs),
};

static const struct uverbs_type *const fake_type_list[] = {
	[UVERBS_TYPE_DEVICE] = UVERBS_TYPE("DEVICE", fake_device_actions, NULL),
};

static const struct uverbs_types fake_types = {
	.types = fake_type_list, .num_types = ARRAY_SIZE(fake_type_list),
	.name = "fake",
};

static long fake_query(struct ib_uverbs_file *f, u16 driver_id, u32 *out)
{
	struct ioverbs_cmd c;

	ioverbs_cmd_init(&c, NULL, driver_id, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY_SCHEMA);
	ioverbs_cmd_out(&c, 0, out, sizeof(*out));
	return ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f);
}

TEST(schema_rule06_only_the_cores_action)
{
	struct ib_device dev = { .name = "fake", .driver_id = 0x77,
				 .types = &fake_types };
	struct ib_uverbs_file *f;
	u32 out;

	ASSERT_OK(ib_register_device(&dev));
	f = ib_uverbs_open(&dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f) && f);
	ASSERT_OK(fake_query(f, 0x77, &out));
	ASSERT_ERRNO(-EINVAL, fake_query(f, 0x78, &out));
	reason_has(__LINE__, f, "driver_id");
	ib_uverbs_release(f);
	ib_unregister_device(&dev);
}

/* Rule 20: after removal QUERY_SCHEMA is refused like any other. */
TEST(schema_after_removal_eio)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ib_uverbs_file *f;
	u32 size;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f) && f);
	ASSERT_OK(query(f, SOFT_DRIVER_ID, NULL, NULL, 0, &size));
	ib_unregister_device(dev);
	ASSERT_ERRNO(-EIO, query(f, SOFT_DRIVER_ID, NULL, NULL, 0, &size));
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

/* Cut anywhere, or with any byte changed: an errno or a schema, no crash. */
TEST(schema_parse_garbage)
{
	struct ioverbs_schema *s, *ref;
	struct ib_uverbs_schema_hdr *h;
	struct ib_device *dev = td_device_create();
	u32 len, i;
	u8 *blob, *copy;
	int ret;

	ASSERT_TRUE(dev);
	blob = blob_of(dev->types, TD_DRIVER_ID, &len);
	copy = malloc(len + 64);
	ASSERT_TRUE(copy);
	for (i = 0; i < len; i++) {
		memcpy(copy, blob, i);
		ret = ioverbs_schema_parse(copy, i, &s);
		if (ret != -EPROTO)
			harness_fail(__FILE__, __LINE__, "cut at %u: %s", i,
				     errno_name(ret));
		ASSERT_TRUE(!s);
	}
	for (i = 0; i < len; i++) {
		memcpy(copy, blob, len);
		copy[i] ^= 0x5a;
		ret = ioverbs_schema_parse(copy, len, &s);
		ASSERT_TRUE(ret == 0 || ret == -EPROTO ||
			    ret == -EPROTONOSUPPORT || ret == -ENOMEM);
		ioverbs_schema_free(s);
	}
	memcpy(copy, blob, len);
	h = (struct ib_uverbs_schema_hdr *)copy;
	h->version++;
	ASSERT_ERRNO(-EPROTONOSUPPORT, ioverbs_schema_parse(copy, len, &s));
	h->version--;
	h->magic++;
	ASSERT_ERRNO(-EPROTONOSUPPORT, ioverbs_schema_parse(copy, len, &s));
	h->magic--;

	/* A chain longer than 15-bit ids reach: refused. */
	{
		struct ib_uverbs_schema_chain *ch = NULL;
		struct ib_uverbs_schema_rec r;
		u32 pos;

		for (pos = h->hdr_len; pos < len && !ch;
		     pos += IB_UVERBS_SCHEMA_REC_SIZE(r.body_len, r.name_len)) {
			memcpy(&r, copy + pos, sizeof(r));
			if (r.kind == IB_UVERBS_SCHEMA_CHAIN)
				ch = (void *)(copy + pos + sizeof(r));
		}
		ASSERT_TRUE(ch);
		ch->num_attrs = UVERBS_VENDOR_FLAG + 1;
		ASSERT_ERRNO(-EPROTO, ioverbs_schema_parse(copy, len, &s));
		ch->num_attrs = UVERBS_VENDOR_FLAG;
		ASSERT_OK(ioverbs_schema_parse(copy, len, &s));
		ioverbs_schema_free(s);
		memcpy(copy, blob, len);
	}

	/* A record kind of a later writer, at the end: skipped. */
	{
		struct ib_uverbs_schema_rec r = { .kind = 99, .body_len = 3,
						  .name_len = 5 };

		memcpy(copy + len, &r, sizeof(r));
		memcpy(copy + len + 8, "abcdefgh", 8);
		h->total_len = len + IB_UVERBS_SCHEMA_REC_SIZE(3, 5);
		ASSERT_OK(ioverbs_schema_parse(copy, h->total_len, &s));
		ASSERT_OK(ioverbs_schema_parse(blob, len, &ref));
		schema_assert_eq(s, ref);
		ioverbs_schema_free(s);
		ioverbs_schema_free(ref);
		/* Its length runs past the end: refused. */
		h->total_len -= 8;
		ASSERT_ERRNO(-EPROTO, ioverbs_schema_parse(copy, len + 64, &s));
	}
	free(copy);
	free(blob);
	td_device_destroy(dev);
}

struct walk_count {
	unsigned int types, actions, attrs, vendor, layouts, stop_at;
};

static int count_type(void *arg, const struct ioverbs_schema_type *t)
{
	struct walk_count *w = arg;

	return ++w->types == w->stop_at ? 42 : 0;
}

static int count_action(void *arg, const struct ioverbs_schema_type *t,
			const struct ioverbs_schema_action *a)
{
	((struct walk_count *)arg)->actions++;
	return 0;
}

static int count_attr(void *arg, const struct ioverbs_schema_type *t,
		      const struct ioverbs_schema_action *a, unsigned int chain,
		      const struct ioverbs_schema_attr *at)
{
	struct walk_count *w = arg;

	w->attrs++;
	w->vendor += chain;
	return 0;
}

static int count_layout(void *arg, const struct ioverbs_schema_layout *l)
{
	((struct walk_count *)arg)->layouts++;
	return 0;
}

TEST(schema_walk)
{
	static const struct ioverbs_schema_walker w = {
		.type = count_type, .action = count_action,
		.attr = count_attr, .layout = count_layout,
	};
	struct walk_count n = { 0 };
	struct ioverbs_schema *s;

	ASSERT_OK(ioverbs_schema_from_types(&lx_types, 1, &s));
	ASSERT_OK(ioverbs_schema_walk(s, &w, &n));
	/* Types 1 and 3, one action each, 4 + 1 attributes each. */
	ASSERT_EQ(n.types, 2);
	ASSERT_EQ(n.actions, 2);
	ASSERT_EQ(n.attrs, 10);
	ASSERT_EQ(n.vendor, 2);
	ASSERT_EQ(n.layouts, 3);
	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	ASSERT_EQ(ioverbs_schema_walk(s, &w, &n), 42);
	ASSERT_EQ(n.actions, 1);
	ioverbs_schema_free(s);
}

/*
 * The soft device as the tool prints it: text and JSON, the golden files
 * (tests/golden/), from the device and from its tables alike.
 */
TEST(schema_soft_golden)
{
	struct ib_device *dev = soft_device_create(NULL);
	struct ioverbs_schema *fetched, *built;
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	char *text, *json;

	ASSERT_TRUE(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	ASSERT_TRUE(!IS_ERR(f) && f);
	ioverbs_client_init_embedded(&v, f);
	ASSERT_OK(ioverbs_schema_fetch(&v, &fetched));
	ASSERT_OK(ioverbs_schema_from_types(dev->types, dev->driver_id,
					    &built));

	text = schema_printed(built, false);
	json = schema_printed(built, true);
	ASSERT_TRUE(json_parses(json));
	schema_golden_eq("schema-soft.txt", text, true);
	schema_golden_eq("schema-soft.json", json, true);
	free(text);
	free(json);
	text = schema_printed(fetched, false);
	json = schema_printed(fetched, true);
	schema_golden_eq("schema-soft.txt", text, false);
	schema_golden_eq("schema-soft.json", json, false);
	free(text);
	free(json);

	ioverbs_schema_free(fetched);
	ioverbs_schema_free(built);
	ib_uverbs_release(f);
	soft_device_destroy(dev);
}

/* The JSON check itself refuses what is not JSON. */
TEST(schema_json_check)
{
	ASSERT_TRUE(json_parses("{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\"]}"));
	ASSERT_TRUE(!json_parses("{\"a\": [1, 2,]}"));
	ASSERT_TRUE(!json_parses("{\"a\" 1}"));
	ASSERT_TRUE(!json_parses("[01]"));
	ASSERT_TRUE(!json_parses("{} {}"));
	ASSERT_TRUE(!json_parses("\"\\q\""));
}
