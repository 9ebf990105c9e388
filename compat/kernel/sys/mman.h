/* SPDX-License-Identifier: MIT */
/*
 * <sys/mman.h> for the one file of tests/ the module builds, the test
 * driver: td_knobs_share() maps a shared page over td_knobs in a process.
 * A module cannot map a file over its own data; its knobs are shared the
 * other way round (kmod/main.c maps the module's td_knobs page into the
 * test process), so mmap() here fails.
 */
#ifndef _COMPAT_KERNEL_SYS_MMAN_H
#define _COMPAT_KERNEL_SYS_MMAN_H

#include <compat.h>

#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define MAP_SHARED 0x01
#define MAP_FIXED 0x10
#define MAP_FAILED ((void *)-1)

/* What a failed call leaves in errno: the module has no mmap of its own. */
#define errno ENOSYS

static inline void *mmap(void *addr, size_t len, int prot, int flags, int fd,
			 long off)
{
	return MAP_FAILED;
}

#endif /* _COMPAT_KERNEL_SYS_MMAN_H */
