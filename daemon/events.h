/* SPDX-License-Identifier: MIT */
/*
 * events.c's FUSE operations on MOUNT/events and its files (after
 * <fuse_lowlevel.h>).
 */
#ifndef _DAEMON_EVENTS_H
#define _DAEMON_EVENTS_H

void ivd_event_lookup(fuse_req_t req, const char *name);
void ivd_event_create(fuse_req_t req, const char *name,
		      struct fuse_file_info *fi);
void ivd_event_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ivd_event_read(fuse_req_t req, size_t size, struct fuse_file_info *fi);
void ivd_event_poll(fuse_req_t req, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph);

#endif /* _DAEMON_EVENTS_H */
