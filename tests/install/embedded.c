// SPDX-License-Identifier: MIT
/*
 * An embedded-mode program of the installed tree, built by
 * tests/check_install.sh with nothing but
 * `pkg-config --cflags --libs ioverbs-embedded`: a soft device in this
 * process, a context and a PD on it, then nothing left alive.
 */
#include <stdio.h>

#include <ioverbs/embedded.h>

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "embedded: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                         \
			return 1;                                         \
		}                                                         \
	} while (0)

int main(void)
{
	struct ib_uverbs_get_context_resp resp;
	struct ib_uverbs_file *f;
	struct ib_device *dev;
	struct ioverbs_cmd c;
	u32 pd = ~0u;

	CHECK(ioverbs_init() == 0);
	dev = soft_device_create(NULL);
	CHECK(!IS_ERR(dev));
	f = ib_uverbs_open(dev, NULL, NULL);
	CHECK(!IS_ERR(f));

	ioverbs_cmd_init(&c, NULL, SOFT_DRIVER_ID, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_GET_CONTEXT);
	ioverbs_cmd_out(&c, UVERBS_GET_CONTEXT_RESP, &resp, sizeof(resp));
	CHECK(ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f) == 0);
	ioverbs_cmd_init(&c, NULL, SOFT_DRIVER_ID, UVERBS_TYPE_PD,
			 UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, &pd);
	CHECK(ioverbs_cmd_exec(&c, ioverbs_embedded_ioctl, f) == 0);
	CHECK(pd != ~0u);

	ib_uverbs_release(f);
	soft_device_destroy(dev);
	rcu_barrier();
	CHECK(ioverbs_live_objects() == 0);
	printf("embedded: context and PD %u on a soft device, nothing leaked\n",
	       pd);
	return 0;
}
