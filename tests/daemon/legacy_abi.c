// SPDX-License-Identifier: MIT
/*
 * The bytes libibverbs (rdma-core 44) sends by itself on its command
 * descriptor, built from the installed kernel headers
 * (/usr/include/rdma), not from ours: include/uapi has headers of the
 * same names for the seed ABI, so this file is compiled without it
 * (daemon/daemon.mk) and the tests call it (legacy_abi.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#include "legacy_abi.h"

_Static_assert(RDMA_VERBS_IOCTL == 0xc0181b01u, "the upstream ioctl number");
_Static_assert(sizeof(struct ib_uverbs_ioctl_hdr) == LEGACY_UPSTREAM_HDR,
	       "the upstream header");

/*
 * One upstream command of the DEVICE object with @n attributes, as
 * libibverbs' execute_ioctl() finalizes it: every attribute mandatory,
 * values of up to 8 bytes inline.
 */
static int upstream_device_cmd(int fd, uint16_t method, uint32_t driver_id,
			       const struct ib_uverbs_attr *attrs,
			       unsigned int n)
{
	uint64_t c[(sizeof(struct ib_uverbs_ioctl_hdr) +
		    4 * sizeof(struct ib_uverbs_attr)) / sizeof(uint64_t)];
	struct ib_uverbs_ioctl_hdr *hdr = (struct ib_uverbs_ioctl_hdr *)c;

	memset(c, 0, sizeof(c));
	hdr->length = (uint16_t)(sizeof(*hdr) + n * sizeof(*attrs));
	hdr->object_id = UVERBS_OBJECT_DEVICE;
	hdr->method_id = method;
	hdr->num_attrs = (uint16_t)n;
	hdr->driver_id = driver_id;
	memcpy(hdr->attrs, attrs, n * sizeof(*attrs));
	return ioctl(fd, RDMA_VERBS_IOCTL, hdr) ? -errno : 0;
}

/* verbs_init_context()'s has_ioctl_write(): INVOKE_WRITE(QUERY_DEVICE). */
int legacy_probe_ioctl_write(int fd, uint32_t driver_id)
{
	struct ib_uverbs_attr a = {
		.attr_id = UVERBS_ATTR_WRITE_CMD,
		.len = sizeof(uint64_t),
		.flags = UVERBS_ATTR_F_MANDATORY,
		.data = IB_USER_VERBS_CMD_QUERY_DEVICE,
	};

	return upstream_device_cmd(fd, UVERBS_METHOD_INVOKE_WRITE, driver_id,
				   &a, 1);
}

/* __ibv_query_gid_ex() (ibv_query_gid and friends): QUERY_GID_ENTRY. */
int legacy_probe_query_gid(int fd, uint32_t driver_id, void *entry,
			   size_t entry_size)
{
	uint32_t flags = 0;
	struct ib_uverbs_attr a[4] = {
		{ .attr_id = UVERBS_ATTR_QUERY_GID_ENTRY_PORT, .len = 8,
		  .flags = UVERBS_ATTR_F_MANDATORY, .data = 1 },
		{ .attr_id = UVERBS_ATTR_QUERY_GID_ENTRY_GID_INDEX, .len = 8,
		  .flags = UVERBS_ATTR_F_MANDATORY, .data = 0 },
		{ .attr_id = UVERBS_ATTR_QUERY_GID_ENTRY_FLAGS, .len = 4,
		  .flags = UVERBS_ATTR_F_MANDATORY },
		{ .attr_id = UVERBS_ATTR_QUERY_GID_ENTRY_RESP_ENTRY,
		  .len = (uint16_t)entry_size,
		  .flags = UVERBS_ATTR_F_MANDATORY,
		  .data = (uintptr_t)entry },
	};

	memcpy(&a[2].data, &flags, sizeof(flags));
	return upstream_device_cmd(fd, UVERBS_METHOD_QUERY_GID_ENTRY,
				   driver_id, a, 4);
}

/*
 * ibv_create_comp_channel(): execute_cmd_write() of struct
 * ibv_create_comp_channel (header + struct ib_uverbs_create_comp_channel)
 * with a struct ib_uverbs_create_comp_channel_resp.
 */
size_t legacy_create_comp_channel(void *buf, void *resp)
{
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_create_comp_channel core_payload;
	} req;

	_Static_assert(sizeof(req) == 16, "16 bytes, in_words 4");
	memset(&req, 0, sizeof(req));
	req.core_payload.response = (uintptr_t)resp;
	req.hdr.command = IB_USER_VERBS_CMD_CREATE_COMP_CHANNEL;
	req.hdr.in_words = sizeof(req) / 4;
	req.hdr.out_words =
		sizeof(struct ib_uverbs_create_comp_channel_resp) / 4;
	memcpy(buf, &req, sizeof(req));
	return sizeof(req);
}

size_t legacy_comp_channel_resp_size(void)
{
	return sizeof(struct ib_uverbs_create_comp_channel_resp);
}

int legacy_resp_fd(const void *resp)
{
	struct ib_uverbs_create_comp_channel_resp r;

	memcpy(&r, resp, sizeof(r));
	return (int)r.fd;
}

/*
 * A legacy command as _execute_cmd_write() writes it: the header then
 * @payload (@len bytes, its first 8 the response pointer).
 */
size_t legacy_cmd(void *buf, uint32_t command, const void *payload,
		  size_t len, uint16_t out_words)
{
	struct ib_uverbs_cmd_hdr hdr = {
		.command = command,
		.in_words = (uint16_t)((sizeof(hdr) + len) / 4),
		.out_words = out_words,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy((char *)buf + sizeof(hdr), payload, len);
	return sizeof(hdr) + len;
}

/*
 * An extended one as _execute_cmd_write_ex() writes it: the header, the
 * ex header, @len bytes of core payload.
 */
size_t legacy_cmd_ex(void *buf, uint32_t command, void *resp,
		     size_t resp_len, const void *payload, size_t len)
{
	struct ib_uverbs_cmd_hdr hdr = {
		.command = IB_USER_VERBS_CMD_FLAG_EXTENDED | command,
		.in_words = (uint16_t)(len / 8),
		.out_words = (uint16_t)(resp_len / 8),
	};
	struct ib_uverbs_ex_cmd_hdr ex = { .response = (uintptr_t)resp };

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy((char *)buf + sizeof(hdr), &ex, sizeof(ex));
	memcpy((char *)buf + sizeof(hdr) + sizeof(ex), payload, len);
	return sizeof(hdr) + sizeof(ex) + len;
}

const unsigned int legacy_cmd_get_context = IB_USER_VERBS_CMD_GET_CONTEXT;
const unsigned int legacy_cmd_query_device = IB_USER_VERBS_CMD_QUERY_DEVICE;
const unsigned int legacy_cmd_create_cq = IB_USER_VERBS_CMD_CREATE_CQ;
const unsigned int legacy_cmd_create_comp_channel =
	IB_USER_VERBS_CMD_CREATE_COMP_CHANNEL;
const unsigned int legacy_cmd_mask = IB_USER_VERBS_CMD_COMMAND_MASK;
const unsigned int legacy_cmd_flag_extended = IB_USER_VERBS_CMD_FLAG_EXTENDED;
