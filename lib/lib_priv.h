/* SPDX-License-Identifier: MIT */
/* What lib/'s files share and do not export. */
#ifndef _LIB_LIB_PRIV_H
#define _LIB_LIB_PRIV_H

#include <stddef.h>

/* Not exported from libioverbs.so, whatever their names. */
#pragma GCC visibility push(hidden)

/*
 * A memfd called @name of @len bytes, sealed against shrinking (the
 * daemon maps it and must never fault on it), mapped shared: 0 and *@map,
 * *@fd set, or -errno.
 */
int ioverbs_shm_map(const char *name, size_t len, void **map, int *fd);

#pragma GCC visibility pop

#endif /* _LIB_LIB_PRIV_H */
