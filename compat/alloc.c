// SPDX-License-Identifier: MIT
/*
 * Counted allocation, fail-nth fault injection, WARN_ON and logging.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"

static atomic_long_t live_objects;
__thread unsigned int compat_fail_nth;

int compat_log_level = LOG_WARN;
bool compat_warn_abort;

void compat_log(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_ERR] = "error", [LOG_WARN] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	va_list ap;

	if (level > compat_log_level)
		return;
	fprintf(stderr, "ioverbs: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool compat_warn(bool cond, const char *file, int line, const char *what)
{
	if (likely(!cond))
		return false;
	fprintf(stderr, "ioverbs: WARNING at %s:%d: %s\n", file, line, what);
	if (compat_warn_abort)
		abort();
	return true;
}

void compat_fail_nth_set(unsigned int n)
{
	compat_fail_nth = n;
}

unsigned int compat_fail_nth_left(void)
{
	return compat_fail_nth;
}

bool __compat_should_fail(enum compat_fault_site site)
{
	(void)site;
	return --compat_fail_nth == 0;
}

long compat_live_objects(void)
{
	return atomic_long_read(&live_objects);
}

void *kmalloc(size_t size)
{
	void *p;

	if (compat_should_fail(FAULT_ALLOC))
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		atomic_long_add_return(1, &live_objects);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void kfree(const void *p)
{
	if (!p)
		return;
	atomic_long_add_return(-1, &live_objects);
	free((void *)p);
}
