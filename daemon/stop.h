/* SPDX-License-Identifier: MIT */
/* Stopping on SIGTERM/SIGINT/SIGHUP whatever the loop is doing (stop.c). */
#ifndef _DAEMON_STOP_H
#define _DAEMON_STOP_H

struct fuse_session;

int ivd_stop_init(void);
int ivd_stop_start(struct fuse_session *se);
void ivd_stop_loop_enter(void);
void ivd_stop_loop_leave(void);
int ivd_stop_signal(void);
void ivd_stop_exit(void);

#endif /* _DAEMON_STOP_H */
