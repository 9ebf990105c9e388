// SPDX-License-Identifier: MIT
/* File descriptors for FD objects in embedded mode; random numbers. */
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "compat.h"

int compat_event_fd_alloc(void)
{
	int fd;

	if (compat_should_fail(FAULT_ALLOC))
		return -EMFILE;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

void compat_event_fd_release(int fd)
{
	close(fd);
}

u32 get_random_u32(void)
{
	u32 v;

	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v;
}
