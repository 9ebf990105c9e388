/* SPDX-License-Identifier: MIT */
/* <unistd.h> for the test driver built into the module: page size, sleep. */
#ifndef _COMPAT_KERNEL_UNISTD_H
#define _COMPAT_KERNEL_UNISTD_H

#include <compat.h>

#define _SC_PAGESIZE 30

static inline long sysconf(int name)
{
	return name == _SC_PAGESIZE ? (long)PAGE_SIZE : -1;
}

/* Sleeps (the test driver's handler knobs); may take a little longer. */
static inline int usleep(unsigned long us)
{
	usleep_range(us, us + us / 8 + 10);
	return 0;
}

#endif /* _COMPAT_KERNEL_UNISTD_H */
