/* SPDX-License-Identifier: MIT */
/*
 * legacy_abi.c: what libibverbs 44 sends by itself on its command
 * descriptor, from the installed kernel headers.  Each call returns 0 or
 * -errno (ioctls), or the bytes it built into @buf (writes).
 */
#ifndef _TESTS_DAEMON_LEGACY_ABI_H
#define _TESTS_DAEMON_LEGACY_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Upstream's 24-byte ioctl header (ours is 16). */
#define LEGACY_UPSTREAM_HDR 24

int legacy_probe_ioctl_write(int fd, uint32_t driver_id);
int legacy_probe_query_gid(int fd, uint32_t driver_id, void *entry,
			   size_t entry_size);
size_t legacy_create_comp_channel(void *buf, void *resp);
size_t legacy_comp_channel_resp_size(void);
int legacy_resp_fd(const void *resp);
size_t legacy_cmd(void *buf, uint32_t command, const void *payload,
		  size_t len, uint16_t out_words);
size_t legacy_cmd_ex(void *buf, uint32_t command, void *resp,
		     size_t resp_len, const void *payload, size_t len);

extern const unsigned int legacy_cmd_get_context;
extern const unsigned int legacy_cmd_query_device;
extern const unsigned int legacy_cmd_create_cq;
extern const unsigned int legacy_cmd_create_comp_channel;
extern const unsigned int legacy_cmd_mask;
extern const unsigned int legacy_cmd_flag_extended;

#endif /* _TESTS_DAEMON_LEGACY_ABI_H */
