// SPDX-License-Identifier: MIT
/*
 * ioverbsd's log: one line per event, saying what happened to whom (pid,
 * device, file, command, errno), at four levels.  It goes to a file
 * (--log-file), else to stderr in the foreground, else to syslog.
 *
 * Lines that clients cause go through ivd_log_client(), limited per uid
 * as the kernel's printk_ratelimited(): a burst, then nothing until the
 * interval ends; the next line written says how many were suppressed.
 * The states live in a small table (RL_SLOTS uids); when it is full, the
 * uid heard from least recently gives up its slot (and its suppressed
 * count is written then).  rl_lock protects the table and the budget;
 * lock order: rl_lock -> stdio's lock of the log file (or syslog's).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "syslog.h"

int ivd_log_level = IVD_LOG_INFO;
static FILE *log_fp;
static bool log_syslog;

#define RL_SLOTS 64
#define RL_BURST 10
#define RL_INTERVAL_S 5

/**
 * struct rl_state - one uid's budget
 * @begin_ns: start of the current interval (CLOCK_MONOTONIC)
 * @last_ns: the uid's last line, written or not (for eviction)
 * @printed: lines written in this interval
 * @missed: lines suppressed since the last "suppressed" line
 */
struct rl_state {
	bool used;
	uid_t uid;
	u64 begin_ns;
	u64 last_ns;
	unsigned int printed;
	unsigned long missed;
};

static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rl_state rl_slots[RL_SLOTS];
static unsigned int rl_burst = RL_BURST;
static u64 rl_interval_ns = RL_INTERVAL_S * 1000000000ULL;

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

static void log_suppressed(uid_t uid, unsigned long missed);

void ivd_log_close(void)
{
	unsigned int i;

	/* What the budgets held back, so that the log's last word is true. */
	pthread_mutex_lock(&rl_lock);
	for (i = 0; i < RL_SLOTS; i++)
		if (rl_slots[i].used && rl_slots[i].missed) {
			log_suppressed(rl_slots[i].uid, rl_slots[i].missed);
			rl_slots[i].missed = 0;
		}
	pthread_mutex_unlock(&rl_lock);

	if (log_fp && log_fp != stderr)
		fclose(log_fp);
	log_fp = NULL;
	if (log_syslog)
		ivd_syslog_close();
	log_syslog = false;
}

/* Writes one formatted line (@level is enabled). */
static void log_write(int level, const char *msg)
{
	struct timespec ts;
	struct tm tm;

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

static void log_vwrite(int level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_write(level, msg);
}

void ivd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > ivd_log_level || level < 0)
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

static void log_suppressed(uid_t uid, unsigned long missed)
{
	char msg[96];

	if (IVD_LOG_WARN > ivd_log_level)
		return;
	snprintf(msg, sizeof(msg), "uid %u: %lu lines suppressed",
		 (unsigned int)uid, missed);
	log_write(IVD_LOG_WARN, msg);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* @uid's slot, taken from the least recent uid if need be (rl_lock held). */
static struct rl_state *rl_slot(uid_t uid, u64 now)
{
	unsigned int i, start = (uid * 2654435761U) % RL_SLOTS;
	struct rl_state *s, *free_slot = NULL, *oldest = NULL;

	for (i = 0; i < RL_SLOTS; i++) {
		s = &rl_slots[(start + i) % RL_SLOTS];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->uid == uid)
			return s;
		if (!oldest || s->last_ns < oldest->last_ns)
			oldest = s;
	}
	s = free_slot;
	if (!s) {
		s = oldest;
		if (s->missed)
			log_suppressed(s->uid, s->missed);
	}
	*s = (struct rl_state){ .used = true, .uid = uid, .begin_ns = now };
	return s;
}

void ivd_log_client(uid_t uid, int level, const char *fmt, ...)
{
	struct rl_state *s;
	bool write = true;
	va_list ap;
	u64 now;

	if (level > ivd_log_level || level < 0)
		return;
	if (level < IVD_LOG_DEBUG) {
		now = now_ns();
		pthread_mutex_lock(&rl_lock);
		if (rl_burst) {
			s = rl_slot(uid, now);
			s->last_ns = now;
			if (now - s->begin_ns >= rl_interval_ns) {
				if (s->missed)
					log_suppressed(uid, s->missed);
				s->missed = 0;
				s->printed = 0;
				s->begin_ns = now;
			}
			if (s->printed < rl_burst)
				s->printed++;
			else {
				s->missed++;
				write = false;
			}
		}
		pthread_mutex_unlock(&rl_lock);
	}
	if (!write)
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void ivd_log_ratelimit(unsigned int burst, unsigned int interval_s)
{
	pthread_mutex_lock(&rl_lock);
	rl_burst = burst;
	rl_interval_ns = (u64)interval_s * 1000000000ULL;
	pthread_mutex_unlock(&rl_lock);
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
