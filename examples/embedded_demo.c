// SPDX-License-Identifier: MIT
/*
 * Embedded mode in one page: the core and the test driver linked into this
 * program.  Registers a device, opens a file on it, creates a context, a
 * parent and a child object, reads the child back, shows a malformed
 * command and a busy parent being refused, cleans up and checks that
 * nothing leaked.  Every command is a raw RDMA_VERBS_IOCTL buffer built
 * with the test driver's td_cmd_*() helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>

#include "../tests/test_driver.h"

static struct ib_uverbs_file *f;

/* The device's reason for this thread's last failed command (Rule 23). */
static const char *reason(void)
{
	static char buf[IOVERBS_REASON_MAX];
	struct ioverbs_client v;

	buf[0] = '\0';
	if (f && !IS_ERR(f)) {
		ioverbs_client_embedded(&v, f);
		ioverbs_reason_get(&v, buf, sizeof(buf));
	}
	return buf;
}

static const char *err_name(long ret)
{
	const char *n = ret < 0 ? strerrorname_np((int)-ret) : NULL;

	return ret == 0 ? "success" : n ? n : "?";
}

/* One clear line and a non-zero exit when a step does not go as shown. */
static void expect(long want, long got, const char *what)
{
	if (got == want)
		return;
	fprintf(stderr, "embedded_demo: %s: got %s (%ld), expected %s: %s\n",
		what, err_name(got), got, err_name(want), reason());
	exit(1);
}

int main(void)
{
	struct td_context_resp ctx_resp;
	struct ib_device *dev;
	struct td_cmd c;
	u32 value = 40, child_value = 2, sum = 0;
	u32 parent, child;
	long ret, live;

	setvbuf(stdout, NULL, _IOLBF, 0);
	expect(0, ioverbs_init(), "ioverbs_init");

	dev = td_device_create();
	if (!dev) {
		fprintf(stderr,
			"embedded_demo: cannot register the test device\n");
		return 1;
	}
	printf("registered device %s, driver_id 0x%x\n", dev->name,
	       dev->driver_id);

	f = ib_uverbs_open(dev, NULL, NULL);
	expect(0, IS_ERR(f) ? PTR_ERR(f) : 0, "ib_uverbs_open");

	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, &ctx_resp, sizeof(ctx_resp));
	expect(0, td_cmd_exec(f, &c), "GET_CONTEXT");
	printf("GET_CONTEXT: driver_id 0x%x, %u object types\n",
	       ctx_resp.driver_id, ctx_resp.num_types);

	/* NEW: the core reserves a handle and writes it into the attribute. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	expect(0, td_cmd_exec(f, &c), "PARENT_CREATE");
	parent = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	printf("PARENT_CREATE: parent %u, value %u\n", parent, value);

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, parent);
	td_cmd_ptr(&c, TD_CHILD_CREATE_VALUE, &child_value,
		   sizeof(child_value));
	expect(0, td_cmd_exec(f, &c), "CHILD_CREATE");
	child = td_cmd_handle(&c, TD_CHILD_CREATE_HANDLE);
	printf("CHILD_CREATE: child %u of parent %u, value %u\n", child, parent,
	       child_value);

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_READ);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, child);
	td_cmd_ptr(&c, TD_CHILD_READ_OUT, &sum, sizeof(sum));
	expect(0, td_cmd_exec(f, &c), "CHILD_READ");
	printf("CHILD_READ: child %u reads %u (its value + its parent's)\n",
	       child, sum);

	/* Malformed: the same attribute twice.  Nothing runs. */
	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_READ);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, child);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, child);
	ret = td_cmd_exec(f, &c);
	expect(-EINVAL, ret, "CHILD_READ with a duplicate attribute");
	printf("CHILD_READ with a duplicate attribute: %s (%s)\n",
	       err_name(ret), reason());

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, parent);
	ret = td_cmd_exec(f, &c);
	expect(-EBUSY, ret, "PARENT_DESTROY with a live child");
	printf("PARENT_DESTROY while child %u lives: %s (%s)\n", child,
	       err_name(ret), reason());

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_DESTROY);
	td_cmd_idr(&c, TD_CHILD_DESTROY_HANDLE, child);
	expect(0, td_cmd_exec(f, &c), "CHILD_DESTROY");
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, parent);
	expect(0, td_cmd_exec(f, &c), "PARENT_DESTROY");
	printf("CHILD_DESTROY, then PARENT_DESTROY: success\n");

	ib_uverbs_release(f);
	td_device_destroy(dev);
	rcu_barrier(); /* deferred frees */
	live = ioverbs_live_objects();
	printf("file released, device removed: %ld live objects%s\n", live,
	       live ? " (a leak)" : "");
	return live ? 1 : 0;
}
