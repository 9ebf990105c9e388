/* SPDX-License-Identifier: MIT */
/* What lib/'s files share and do not export. */
#ifndef _LIB_LIB_PRIV_H
#define _LIB_LIB_PRIV_H

#include <stddef.h>
#include <time.h>

#include <linux/types.h>

/* Not exported from libioverbs.so, whatever their names. */
#pragma GCC visibility push(hidden)

/*
 * A memfd called @name of @len bytes, sealed against shrinking (the
 * daemon maps it and must never fault on it), mapped shared: 0 and *@map,
 * *@fd set, or -errno.
 */
int ioverbs_shm_map(const char *name, size_t len, void **map, int *fd);

/* CLOCK_MONOTONIC in milliseconds, for the waits' timeouts. */
static inline __u64 lib_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

#pragma GCC visibility pop

#endif /* _LIB_LIB_PRIV_H */
