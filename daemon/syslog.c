// SPDX-License-Identifier: MIT
/*
 * syslog for the log (log.c), kept apart: <syslog.h> defines LOG_ERR and
 * friends, which compat.h's log levels also name.
 */
#include <syslog.h>

#include "syslog.h"

static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void ivd_syslog_open(void)
{
	openlog("ioverbsd", LOG_PID, LOG_DAEMON);
}

void ivd_syslog_close(void)
{
	closelog();
}

void ivd_syslog(int level, const char *msg)
{
	if (level < 0 || level > 3)
		level = 3;
	syslog(prio[level], "%s", msg);
}
