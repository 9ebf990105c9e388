// SPDX-License-Identifier: MIT
/*
 * What the module's device files do beyond the conformance suite, inside
 * check-kernel's guest: commands only from the address space that opened
 * the file (as through the daemon), and the reason of a failed command
 * read() from the file, per calling thread (Rule 23).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "../harness.h"

#define SOFT "/dev/ioverbs-uverbs0"

static int open_ctx(struct ioverbs_client *v)
{
	int fd = open(SOFT, O_RDWR | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	ioverbs_client_init_fd(v, fd);
	ASSERT_OK(ioverbs_context_get(v));
	return fd;
}

/* A child after fork() shares the descriptor, not the address space. */
TEST(kmod_command_from_another_address_space_eperm)
{
	struct ioverbs_client v;
	int fd = open_ctx(&v), status;
	u32 pd;
	pid_t pid;

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid)
		_exit(ioverbs_pd_alloc(&v, &pd) == -EPERM ? 0 : 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The opener's commands still work, and the child made nothing. */
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
	ASSERT_EQ(pd, 0);
	ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	close(fd);
}

/* Rule 23: read() takes the caller's reason once; a success clears it. */
TEST(kmod_read_reason)
{
	struct ioverbs_client v;
	struct ib_uverbs_ioctl_hdr hdr = {
		.length = sizeof(hdr) + sizeof(struct ib_uverbs_attr),
		.flags = 1,
		.num_attrs = 1,
	};
	char buf[UVERBS_REASON_MAX + 1];
	int fd = open_ctx(&v);
	ssize_t n;
	u32 pd;

	ASSERT_ERRNO(-EOPNOTSUPP,
		     ioctl(fd, RDMA_VERBS_IOCTL, &hdr) ? -errno : 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = '\0';
	ASSERT_EQ(strcmp(buf, "flags 0x1: none are supported\n"), 0);
	/* Taken: a second read() has nothing to tell. */
	ASSERT_EQ(read(fd, buf, sizeof(buf)), 0);
	ASSERT_ERRNO(-EOPNOTSUPP,
		     ioctl(fd, RDMA_VERBS_IOCTL, &hdr) ? -errno : 0);
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
	ASSERT_EQ(read(fd, buf, sizeof(buf)), 0);
	ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	close(fd);
}
