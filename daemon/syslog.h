/* SPDX-License-Identifier: MIT */
/* syslog for log.c; @level is an enum ivd_log_level. */
#ifndef _DAEMON_SYSLOG_H
#define _DAEMON_SYSLOG_H

void ivd_syslog_open(void);
void ivd_syslog_close(void);
void ivd_syslog(int level, const char *msg);

#endif /* _DAEMON_SYSLOG_H */
