// SPDX-License-Identifier: MIT
/*
 * bench-kernel's baseline: QUERY_PORT, and PD alloc + dealloc, through
 * Linux's own ib_uverbs (here on rdma_rxe), as raw ioctls of upstream's
 * ABI (a 24-byte header, 0xc0181b01), and the legacy write() that
 * libibverbs itself uses to allocate a PD on this kernel.  Compiled
 * against the system's <rdma/> headers only: ours have the same names
 * (bench_kernel.c holds our side).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_ioctl.h>

#include "upstream.h"

struct up_cmd {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attrs[4];
};

static void up_init(struct up_cmd *c, __u16 object, __u16 method,
		    __u16 num_attrs)
{
	memset(c, 0, sizeof(*c));
	c->hdr.length = sizeof(c->hdr) + num_attrs * sizeof(c->attrs[0]);
	c->hdr.object_id = object;
	c->hdr.method_id = method;
	c->hdr.num_attrs = num_attrs;
	c->hdr.driver_id = RDMA_DRIVER_RXE;
}

int upstream_open(const char *path)
{
	__u32 vectors = 0;
	__u64 support = 0;
	struct up_cmd c;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	up_init(&c, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_GET_CONTEXT, 2);
	c.attrs[0].attr_id = UVERBS_ATTR_GET_CONTEXT_NUM_COMP_VECTORS;
	c.attrs[0].len = sizeof(vectors);
	c.attrs[0].data = (__u64)(unsigned long)&vectors;
	c.attrs[1].attr_id = UVERBS_ATTR_GET_CONTEXT_CORE_SUPPORT;
	c.attrs[1].len = sizeof(support);
	c.attrs[1].data = (__u64)(unsigned long)&support;
	if (ioctl(fd, RDMA_VERBS_IOCTL, &c)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int upstream_query_port(int fd, unsigned int port, unsigned int *state)
{
	struct ib_uverbs_query_port_resp_ex resp;
	struct up_cmd c;

	up_init(&c, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT, 2);
	c.attrs[0].attr_id = UVERBS_ATTR_QUERY_PORT_PORT_NUM;
	/* A "const" attribute: its value inline, in 8 bytes whatever its type. */
	c.attrs[0].len = sizeof(__u64);
	c.attrs[0].data = port;
	c.attrs[1].attr_id = UVERBS_ATTR_QUERY_PORT_RESP;
	c.attrs[1].len = sizeof(resp);
	c.attrs[1].data = (__u64)(unsigned long)&resp;
	if (ioctl(fd, RDMA_VERBS_IOCTL, &c))
		return -errno;
	*state = resp.legacy_resp.state;
	return 0;
}

int upstream_pd_alloc_dealloc(int fd)
{
	struct ib_uverbs_alloc_pd_resp resp;
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_alloc_pd cmd;
	} w = {
		.hdr = { .command = IB_USER_VERBS_CMD_ALLOC_PD,
			 .in_words = sizeof(w) / 4,
			 .out_words = sizeof(resp) / 4 },
		.cmd = { .response = (__u64)(unsigned long)&resp },
	};
	struct up_cmd c;

	if (write(fd, &w, sizeof(w)) != sizeof(w))
		return -errno;
	up_init(&c, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY, 1);
	c.attrs[0].attr_id = UVERBS_ATTR_DESTROY_PD_HANDLE;
	c.attrs[0].data = resp.pd_handle;
	if (ioctl(fd, RDMA_VERBS_IOCTL, &c))
		return -errno;
	return 0;
}
