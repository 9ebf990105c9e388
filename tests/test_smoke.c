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
