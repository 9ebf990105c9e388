// SPDX-License-Identifier: MIT
/* Test helpers over the test driver: _x() / x_ok() / x_err(). */
#include <unistd.h>

#include "harness.h"
#include "test_driver.h"

struct ib_uverbs_file *td_open_ok(struct ib_device *dev)
{
	struct ib_uverbs_file *f = ib_uverbs_open(dev, NULL, NULL);

	ASSERT_TRUE(!IS_ERR(f));
	return f;
}

long td_get_context(struct ib_uverbs_file *f)
{
	struct td_cmd c;

	struct td_context_resp resp;

	/* With its optional response: a command has at least one attribute. */
	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, &resp, sizeof(resp));
	return td_cmd_exec(f, &c);
}

struct ib_uverbs_file *td_open_ctx_ok(struct ib_device *dev)
{
	struct ib_uverbs_file *f = td_open_ok(dev);

	ASSERT_OK(td_get_context(f));
	return f;
}

long td_parent_create(struct ib_uverbs_file *f, u32 value, u32 *handle)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	ret = td_cmd_exec(f, &c);
	if (!ret && handle)
		*handle = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	return ret;
}

u32 td_parent_create_ok(struct ib_uverbs_file *f, u32 value)
{
	u32 h;

	ASSERT_OK(td_parent_create(f, value, &h));
	return h;
}

void td_parent_create_err(long err, struct ib_uverbs_file *f)
{
	ASSERT_ERRNO(err, td_parent_create(f, 0, NULL));
}

long td_parent_read(struct ib_uverbs_file *f, u32 handle,
		    struct td_read_buf *out)
{
	struct td_read_buf in = { 1, 2 }, tmp;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, handle);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, out ? out : &tmp, sizeof(tmp));
	return td_cmd_exec(f, &c);
}

void td_parent_read_ok(struct ib_uverbs_file *f, u32 handle,
		       struct td_read_buf *out)
{
	ASSERT_OK(td_parent_read(f, handle, out));
}

void td_parent_read_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_parent_read(f, handle, NULL));
}

long td_parent_write(struct ib_uverbs_file *f, u32 handle, u32 value)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, handle);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &value, sizeof(value));
	return td_cmd_exec(f, &c);
}

void td_parent_write_ok(struct ib_uverbs_file *f, u32 handle, u32 value)
{
	ASSERT_OK(td_parent_write(f, handle, value));
}

void td_parent_write_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_parent_write(f, handle, 0));
}

long td_parent_destroy(struct ib_uverbs_file *f, u32 handle)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, handle);
	return td_cmd_exec(f, &c);
}

void td_parent_destroy_ok(struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_OK(td_parent_destroy(f, handle));
}

void td_parent_destroy_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_parent_destroy(f, handle));
}

long td_child_create(struct ib_uverbs_file *f, u32 parent, u32 *handle)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, parent);
	ret = td_cmd_exec(f, &c);
	if (!ret && handle)
		*handle = td_cmd_handle(&c, TD_CHILD_CREATE_HANDLE);
	return ret;
}

u32 td_child_create_ok(struct ib_uverbs_file *f, u32 parent)
{
	u32 h;

	ASSERT_OK(td_child_create(f, parent, &h));
	return h;
}

void td_child_create_err(long err, struct ib_uverbs_file *f, u32 parent)
{
	ASSERT_ERRNO(err, td_child_create(f, parent, NULL));
}

long td_child_destroy(struct ib_uverbs_file *f, u32 handle)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_DESTROY);
	td_cmd_idr(&c, TD_CHILD_DESTROY_HANDLE, handle);
	return td_cmd_exec(f, &c);
}

void td_child_destroy_ok(struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_OK(td_child_destroy(f, handle));
}

void td_child_destroy_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_child_destroy(f, handle));
}

int (*td_fd_bind)(struct ib_uverbs_file *f);

long td_channel_create(struct ib_uverbs_file *f, int *fd)
{
	int bind = td_fd_bind ? td_fd_bind(f) : -1;
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, bind >= 0 ? (u64)bind : 0);
	ret = td_cmd_exec(f, &c);
	if (!ret && fd)
		*fd = (int)td_cmd_handle(&c, TD_CHANNEL_FD);
	/* Nothing was bound to it: the descriptor is ours to close. */
	if (ret && bind >= 0)
		close(bind);
	return ret;
}

int td_channel_create_ok(struct ib_uverbs_file *f)
{
	int fd;

	ASSERT_OK(td_channel_create(f, &fd));
	return fd;
}

/* Added for the conformance suite (test_rules.c and friends). */

long td_child_read(struct ib_uverbs_file *f, u32 handle, u32 *sum)
{
	struct td_cmd c;
	u32 tmp;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_READ);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, handle);
	td_cmd_ptr(&c, TD_CHILD_READ_OUT, sum ? sum : &tmp, sizeof(tmp));
	return td_cmd_exec(f, &c);
}

u32 td_child_read_ok(struct ib_uverbs_file *f, u32 handle)
{
	u32 sum;

	ASSERT_OK(td_child_read(f, handle, &sum));
	return sum;
}

void td_child_read_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_child_read(f, handle, NULL));
}

long td_child_write(struct ib_uverbs_file *f, u32 handle, u32 value)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&c, TD_CHILD_WRITE_HANDLE, handle);
	td_cmd_ptr(&c, TD_CHILD_WRITE_VALUE, &value, sizeof(value));
	return td_cmd_exec(f, &c);
}

void td_child_write_ok(struct ib_uverbs_file *f, u32 handle, u32 value)
{
	ASSERT_OK(td_child_write(f, handle, value));
}

void td_child_write_err(long err, struct ib_uverbs_file *f, u32 handle)
{
	ASSERT_ERRNO(err, td_child_write(f, handle, 0));
}

void td_channel_create_err(long err, struct ib_uverbs_file *f)
{
	ASSERT_ERRNO(err, td_channel_create(f, NULL));
}

long td_channel_read(struct ib_uverbs_file *f, u64 fd, u32 *serial)
{
	struct td_cmd c;
	u32 tmp;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_READ);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	td_cmd_ptr(&c, TD_CHANNEL_READ_OUT, serial ? serial : &tmp,
		   sizeof(tmp));
	return td_cmd_exec(f, &c);
}

u32 td_channel_read_ok(struct ib_uverbs_file *f, u64 fd)
{
	u32 serial;

	ASSERT_OK(td_channel_read(f, fd, &serial));
	return serial;
}

void td_channel_read_err(long err, struct ib_uverbs_file *f, u64 fd)
{
	ASSERT_ERRNO(err, td_channel_read(f, fd, NULL));
}

long td_channel_close(struct ib_uverbs_file *f, u64 fd)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_DESTROY);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	return td_cmd_exec(f, &c);
}

void td_channel_close_ok(struct ib_uverbs_file *f, u64 fd)
{
	ASSERT_OK(td_channel_close(f, fd));
}

void td_channel_close_err(long err, struct ib_uverbs_file *f, u64 fd)
{
	ASSERT_ERRNO(err, td_channel_close(f, fd));
}

long td_vendor_only(struct ib_uverbs_file *f, u32 in, u32 *out)
{
	struct td_cmd c;
	u32 tmp;

	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_VENDOR_ONLY_OUT, out ? out : &tmp, sizeof(tmp));
	return td_cmd_exec(f, &c);
}

u32 td_vendor_only_ok(struct ib_uverbs_file *f, u32 in)
{
	u32 out;

	ASSERT_OK(td_vendor_only(f, in, &out));
	return out;
}

void td_vendor_only_err(long err, struct ib_uverbs_file *f, u32 in)
{
	ASSERT_ERRNO(err, td_vendor_only(f, in, NULL));
}

void td_wait_handler_calls(int n)
{
	int i;

	for (i = 0; i < 50000; i++) {
		if (TD_KNOB_GET(handler_calls) >= n)
			return;
		usleep(100);
	}
	harness_fail(__FILE__, __LINE__, "no handler %d after 5 s (%d seen)",
		     n, TD_KNOB_GET(handler_calls));
}

void td_hold_wait(void)
{
	int i;

	for (i = 0; i < 50000; i++) {
		if (TD_KNOB_GET(hold_next) == 2)
			return;
		usleep(100);
	}
	harness_fail(__FILE__, __LINE__, "no handler held after 5 s");
}

void td_hold_release(void)
{
	TD_KNOB_SET(hold_next, 0);
}

static void *td_bg_run(void *arg)
{
	struct td_bg *bg = arg;

	bg->ret = td_cmd_exec(bg->f, &bg->cmd);
	return NULL;
}

void td_bg_start(struct td_bg *bg, struct ib_uverbs_file *f)
{
	bg->f = f;
	bg->ret = 1;
	ASSERT_OK(-pthread_create(&bg->thread, NULL, td_bg_run, bg));
}

long td_bg_join(struct td_bg *bg)
{
	ASSERT_OK(-pthread_join(bg->thread, NULL));
	return bg->ret;
}
