// SPDX-License-Identifier: MIT
/*
 * ioverbsd's log: one line per event, saying what happened to whom (pid,
 * device, file, command, errno), at four levels.  It goes to a file
 * (--log-file), else to stderr in the foreground, else to syslog.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "syslog.h"

int ivd_log_level = IVD_LOG_INFO;
static FILE *log_fp;
static bool log_syslog;

static const char *const level_names[] = {
	[IVD_LOG_ERR] = "error",
	[IVD_LOG_WARN] = "warn",
	[IVD_LOG_INFO] = "info",
	[IVD_LOG_DEBUG] = "debug",
};

int ivd_log_open(int level, const char *file, bool foreground)
{
	ivd_log_level = level;
	if (file) {
		log_fp = fopen(file, "ae");
		if (!log_fp)
			return -errno;
		setvbuf(log_fp, NULL, _IOLBF, 0);
	} else if (foreground) {
		log_fp = stderr;
	} else {
		ivd_syslog_open();
		log_syslog = true;
	}
	return 0;
}

void ivd_log_attach_stderr(void)
{
	if (log_fp && log_fp != stderr) {
		fflush(stderr);
		dup2(fileno(log_fp), STDERR_FILENO);
	}
}

void ivd_log_close(void)
{
	if (log_fp && log_fp != stderr)
		fclose(log_fp);
	log_fp = NULL;
	if (log_syslog)
		ivd_syslog_close();
	log_syslog = false;
}

void ivd_log(int level, const char *fmt, ...)
{
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > ivd_log_level || level < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		ivd_syslog(level, msg);
		return;
	}
	if (!log_fp)
		log_fp = stderr;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(log_fp,
		"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ioverbsd[%d] %s: %s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
		level_names[level], msg);
}

const char *ivd_errname(long err)
{
	const char *n;

	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	n = strerrorname_np((int)err);
	return n ? n : "E?";
}
