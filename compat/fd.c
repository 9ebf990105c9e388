// SPDX-License-Identifier: MIT
/* File descriptors for FD objects in embedded mode. */
#include <sys/eventfd.h>
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
