// SPDX-License-Identifier: MIT
/*
 * A client of the installed library, built by tests/check_install.sh
 * with nothing but `pkg-config --cflags --libs ioverbs` (shared, then
 * static).  It needs no device: a transport of its own answers the
 * command, as a device file would, and checks what it was sent.
 */
#include <errno.h>
#include <stdio.h>

#include <ioverbs/cmd.h>
#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

/* PD_ALLOC with its one NEW attribute: the "device" assigns handle 7. */
static long answer(void *ctx, unsigned int cmd, void *arg)
{
	struct ib_uverbs_ioctl_hdr *hdr = arg;
	int *calls = ctx;

	(*calls)++;
	if (cmd != RDMA_VERBS_IOCTL || hdr->object_type != UVERBS_TYPE_PD ||
	    hdr->action != UVERBS_ACTION_PD_ALLOC || hdr->num_attrs != 1 ||
	    hdr->attrs[0].attr_id != UVERBS_PD_ALLOC_HANDLE)
		return -EINVAL;
	hdr->attrs[0].ptr_idr = 7;
	return 0;
}

int main(void)
{
	struct ioverbs_cmd c;
	u32 pd = 0;
	int calls = 0;
	long ret;

	ioverbs_cmd_init(&c, NULL, SOFT_DRIVER_ID, UVERBS_TYPE_PD,
			 UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, &pd);
	ret = ioverbs_cmd_exec(&c, answer, &calls);
	if (ret || calls != 1 || pd != 7 || ioverbs_cmd_error(&c)[0]) {
		fprintf(stderr, "client: exec %ld, %d calls, pd %u, error '%s'\n",
			ret, calls, pd, ioverbs_cmd_error(&c));
		return 1;
	}
	printf("client: PD_ALLOC built and answered: pd %u\n", pd);
	return 0;
}
