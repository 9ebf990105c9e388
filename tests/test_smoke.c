// SPDX-License-Identifier: MIT
/* The embedded core end to end: context, objects, a rejected command. */
#include "harness.h"
#include "test_driver.h"

TEST(smoke_create_read_destroy)
{
	struct ib_device *dev = td_device_create();
	struct ib_uverbs_file *f;
	struct td_read_buf out;
	u32 p, c;

	ASSERT_TRUE(dev);
	f = td_open_ctx_ok(dev);
	p = td_parent_create_ok(f, 40);
	td_parent_read_ok(f, p, &out);
	ASSERT_EQ(out.a, 41);
	ASSERT_EQ(out.b, 2);
	c = td_child_create_ok(f, p);
	td_parent_destroy_err(-EBUSY, f, p);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	td_parent_read_err(-ENOENT, f, p);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}

TEST(smoke_close_with_objects)
{
	struct ib_device *dev = td_device_create();
	struct ib_uverbs_file *f = td_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);

	td_child_create_ok(f, p);
	td_child_create_ok(f, p);
	td_channel_create_ok(f);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}

static int count_dev(struct ib_device *dev, void *arg)
{
	unsigned int *n = arg;

	(*n)++;
	return 0;
}

TEST(registry_indexes_and_names)
{
	struct ib_device *a = td_device_create(), *b = td_device_create(), *c;
	unsigned int n = 0;

	ASSERT_TRUE(a && b);
	ASSERT_EQ(a->index, 0);
	ASSERT_EQ(b->index, 1);
	ASSERT_TRUE(ib_device_find(a->name) == a);
	ASSERT_TRUE(ib_device_find("no-such-device") == NULL);
	ASSERT_OK(ib_device_for_each(count_dev, &n));
	ASSERT_EQ(n, 2);

	/* A freed index is reused; a name is never registered twice. */
	td_device_remove(a);
	ASSERT_TRUE(ib_device_find(a->name) == NULL);
	ASSERT_TRUE(IS_ERR(ib_uverbs_open(a, NULL, NULL)));
	ASSERT_EQ(PTR_ERR(ib_uverbs_open(a, NULL, NULL)), -ENODEV);
	c = td_device_create();
	ASSERT_TRUE(c);
	ASSERT_EQ(c->index, 0);
	memcpy(a->name, b->name, sizeof(a->name));
	ASSERT_ERRNO(-EEXIST, ib_register_device(a));
	td_device_destroy(a);
	td_device_destroy(b);
	td_device_destroy(c);
}
