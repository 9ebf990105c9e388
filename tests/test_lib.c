// SPDX-License-Identifier: MIT
/* The command builder (lib/cmd.c) against the test driver's spec. */
#include <ioverbs/cmd.h>

#include "harness.h"
#include "test_driver.h"

static unsigned int sent;

/* The embedded transport: the core in this process. */
static long embedded_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	sent++;
	return ib_uverbs_ioctl(ctx, cmd, (unsigned long)arg);
}

struct fixture {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
};

static void setup(struct fixture *fx)
{
	fx->dev = td_device_create();
	ASSERT_TRUE(fx->dev);
	fx->f = td_open_ctx_ok(fx->dev);
	sent = 0;
}

static void teardown(struct fixture *fx)
{
	ib_uverbs_release(fx->f);
	td_device_destroy(fx->dev);
}

static void init(struct ioverbs_cmd *c, struct fixture *fx, u16 obj, u16 act)
{
	ioverbs_cmd_init(c, fx->dev->types, TD_DRIVER_ID, obj, act);
}

/* Asserts a sticky error: nothing was sent, the message says @what. */
static void assert_sticky(struct ioverbs_cmd *c, struct fixture *fx, long err,
			  const char *what)
{
	ASSERT_ERRNO(err, ioverbs_cmd_exec(c, embedded_ioctl, fx->f));
	ASSERT_EQ(sent, 0);
	if (!strstr(ioverbs_cmd_error(c), what))
		harness_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"",
			     ioverbs_cmd_error(c), what);
}

TEST(lib_create_read_destroy)
{
	struct td_read_buf in = { 5, 0xf0 }, out;
	struct fixture fx;
	struct ioverbs_cmd c;
	u32 value = 7, got = 0, h = ~0u;
	u64 tag = 0x0f;

	setup(&fx);
	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_CREATE);
	ioverbs_cmd_new(&c, TD_PARENT_CREATE_HANDLE, &h);
	ioverbs_cmd_in(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	ioverbs_cmd_out(&c, TD_PARENT_CREATE_RESP, &got, sizeof(got));
	ioverbs_cmd_in(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	ASSERT_OK(ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_EQ(got, 7);
	ASSERT_TRUE(h != ~0u);

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_READ);
	ioverbs_cmd_idr(&c, TD_PARENT_READ_HANDLE, h);
	ioverbs_cmd_in(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	ioverbs_cmd_out(&c, TD_PARENT_READ_OUT, &out, sizeof(out));
	ASSERT_OK(ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_EQ(out.a, 12);
	ASSERT_EQ(out.b, 0xff);

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	ioverbs_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, h);
	ASSERT_OK(ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_EQ(sent, 3);
	teardown(&fx);
}

TEST(lib_new_fd)
{
	struct fixture fx;
	struct ioverbs_cmd c;
	u32 serial = 0;
	int fd = -1;

	setup(&fx);
	init(&c, &fx, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	ioverbs_cmd_new_fd(&c, TD_CHANNEL_FD, &fd);
	ASSERT_OK(ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_TRUE(fd >= 0);

	init(&c, &fx, TD_TYPE_CHANNEL, TD_CHANNEL_READ);
	ioverbs_cmd_fd(&c, TD_CHANNEL_FD, fd);
	ioverbs_cmd_out(&c, TD_CHANNEL_READ_OUT, &serial, sizeof(serial));
	ASSERT_OK(ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_EQ(serial, 1);
	teardown(&fx);
}

TEST(lib_sticky_unknown_action)
{
	struct fixture fx;
	struct ioverbs_cmd c;

	setup(&fx);
	init(&c, &fx, TD_TYPE_EMPTY, 0);
	assert_sticky(&c, &fx, -EOPNOTSUPP, "object 3 action 0: not in the spec");
	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_NUM_ACTIONS);
	assert_sticky(&c, &fx, -EOPNOTSUPP, "PARENT: action 4: not in the spec");
	teardown(&fx);
}

TEST(lib_sticky_wrong_type)
{
	struct fixture fx;
	struct ioverbs_cmd c;
	u32 v = 0;

	setup(&fx);
	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_in(&c, TD_PARENT_WRITE_HANDLE, &v, sizeof(v));
	/* The first mistake sticks; later calls change nothing. */
	ioverbs_cmd_idr(&c, 0x77, 1);
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_WRITE: attr HANDLE (id 0x0): is IDR, not PTR_IN");
	teardown(&fx);
}

TEST(lib_sticky_length_unknown_duplicate)
{
	struct fixture fx;
	struct ioverbs_cmd c;
	u8 buf[65] = { 0 };
	u32 v = 0;

	setup(&fx);
	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, 0);
	ioverbs_cmd_in(&c, TD_PARENT_WRITE_VALUE, &v, 2);
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_WRITE: attr VALUE (id 0x1): length 2 outside 4..4");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_CREATE);
	ioverbs_cmd_in(&c, TD_PARENT_CREATE_FLEX, buf, sizeof(buf));
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_CREATE: attr FLEX (id 0x3): length 65 outside 1..64");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_idr(&c, 9, 0);
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_WRITE: attr ??? (id 0x9): not in the action's spec");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_READ);
	ioverbs_cmd_in(&c, UVERBS_VENDOR_FLAG | 1, &v, sizeof(v));
	assert_sticky(&c, &fx, -EINVAL, "not in the action's spec");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, 0);
	ioverbs_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, 0);
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_WRITE: attr HANDLE (id 0x0): given twice");
	teardown(&fx);
}

TEST(lib_sticky_mandatory_and_new)
{
	struct fixture fx;
	struct ioverbs_cmd c;
	u32 h;

	setup(&fx);
	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, 0);
	assert_sticky(&c, &fx, -EINVAL,
		      "PARENT_WRITE: attr VALUE (id 0x1): mandatory, not given");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_CREATE);
	ioverbs_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	assert_sticky(&c, &fx, -EINVAL, "creates an object (NEW)");

	init(&c, &fx, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	ioverbs_cmd_new(&c, TD_PARENT_DESTROY_HANDLE, &h);
	assert_sticky(&c, &fx, -EINVAL, "does not create an object");
	teardown(&fx);
}

TEST(lib_unchecked_reaches_core)
{
	struct fixture fx;
	struct ioverbs_cmd c;
	u32 v = 0;

	/* Without a spec the builder sends what it is given; the core
	 * still rejects it. */
	setup(&fx);
	ioverbs_cmd_init(&c, NULL, TD_DRIVER_ID, TD_TYPE_PARENT, TD_PARENT_WRITE);
	ioverbs_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, 0);
	ioverbs_cmd_in(&c, TD_PARENT_WRITE_VALUE, &v, 2);
	ASSERT_ERRNO(-EINVAL, ioverbs_cmd_exec(&c, embedded_ioctl, fx.f));
	ASSERT_EQ(sent, 1);
	teardown(&fx);
}
