/* SPDX-License-Identifier: MIT */
/* legacy.c's FUSE write on a device file (after <fuse_lowlevel.h>). */
#ifndef _DAEMON_LEGACY_H
#define _DAEMON_LEGACY_H

/**
 * ivd_legacy_write() - a write() on a device file: a legacy command
 * @req: the FUSE request, answered here or by a worker
 * @f: the file
 * @buf: the bytes written, @size of them
 *
 * Serves CREATE_COMP_CHANNEL (libibverbs writes it by itself) with a
 * spare event file of the caller's; refuses the rest (legacy.c).
 */
void ivd_legacy_write(fuse_req_t req, struct ivd_file *f, const char *buf,
		      size_t size);

#endif /* _DAEMON_LEGACY_H */
