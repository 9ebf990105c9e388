// SPDX-License-Identifier: MIT
/*
 * The driver module unloaded under an open file, inside check-kernel's
 * guest (Rule 20 for real, as upstream's rdma_rxe under ib_uverbs):
 * `rmmod ioverbs_soft` while a file of its device holds objects
 * succeeds; the file's next command is EIO, its DESTROYs succeed (the
 * core parses them against its own copy of the spec tables: the
 * driver's are gone with its module), DEVICE_FATAL is readable through
 * GET_ASYNC_EVENT, a bound event file reads EIO, close works.  The core
 * module stays, pinned by the file (EAGAIN), and loading the driver
 * module again gives a working device with nothing leaked.
 *
 * The guest's init (scripts/kernel_guest.sh) has loaded both modules
 * from GUEST_MODULES; this test leaves them loaded again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "../harness.h"

#define SOFT "/dev/ioverbs-uverbs0"
#define CTL "/dev/ioverbs-ctl"
#define GUEST_MODULES "/lib/modules"

static int rmmod(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int insmod(const char *name)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), GUEST_MODULES "/%s.ko", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* The control node's live_objects. */
static long live_objects(void)
{
	static char out[1 << 16];
	ssize_t n, got = 0;
	char *p;
	int fd = open(CTL, O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	while ((n = read(fd, out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	out[got] = '\0';
	p = strstr(out, "live_objects ");
	ASSERT_TRUE(p);
	return strtol(p + strlen("live_objects "), NULL, 10);
}

static int open_ctx(struct ioverbs_client *v)
{
	int fd = open(SOFT, O_RDWR | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	ioverbs_client_init_fd(v, fd);
	ASSERT_OK(ioverbs_context_get(v));
	return fd;
}

TEST(kmod_rmmod_driver_under_an_open_file)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 1, .cqe = 16 };
	struct ib_uverbs_comp_event_desc desc;
	struct ib_uverbs_async_event_desc ad;
	struct ioverbs_client v;
	u32 pd, pd2, cq, cq2;
	char reason[UVERBS_REASON_MAX + 1];
	long base = live_objects();
	int fd, ev, ch;
	ssize_t n;

	fd = open_ctx(&v);
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd2));
	ev = open("/dev/ioverbs-event", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	ASSERT_TRUE(ev >= 0);
	ASSERT_OK(ioverbs_comp_channel_create(&v, ev, &ch));
	ASSERT_OK(ioverbs_cq_create_ex(&v, &ccmd, ch, &cq, NULL));
	ASSERT_OK(ioverbs_cq_create(&v, 16, &cq2, NULL));
	ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(&v, &ad));

	/* The core module is held by the driver module and by the file. */
	ASSERT_ERRNO(-EAGAIN, rmmod("ioverbs_core"));
	ASSERT_OK(rmmod("ioverbs_soft"));
	/* Its nodes went with it. */
	ASSERT_ERRNO(-ENOENT, open(SOFT, O_RDWR) < 0 ? -errno : 0);

	ASSERT_ERRNO(-EIO, ioverbs_pd_alloc(&v, &pd));
	n = read(fd, reason, sizeof(reason) - 1);
	ASSERT_TRUE(n > 0);
	reason[n] = '\0';
	ASSERT_EQ(strcmp(reason, "device removed\n"), 0);
	ASSERT_ERRNO(-EIO, read(ev, &desc, sizeof(desc)) < 0 ? -errno : 0);
	memset(&ad, 0xff, sizeof(ad));
	ASSERT_OK(ioverbs_async_event_get(&v, &ad));
	ASSERT_EQ(ad.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ASSERT_EQ(ad.element, 0);
	ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(&v, &ad));
	/* DESTROY only forgets the handles; pd2 and cq2 are left to close. */
	ASSERT_OK(ioverbs_cq_destroy(&v, cq, NULL));
	ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	ASSERT_ERRNO(-ENOENT, ioverbs_pd_dealloc(&v, pd));
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, ch));
	/* Unbound now. */
	ASSERT_ERRNO(-EINVAL, read(ev, &desc, sizeof(desc)) < 0 ? -errno : 0);

	ASSERT_ERRNO(-EAGAIN, rmmod("ioverbs_core"));
	ASSERT_OK(close(fd) ? -errno : 0);
	ASSERT_OK(close(ev) ? -errno : 0);

	/* Loaded again: a new uverbs0 that works, nothing left behind. */
	ASSERT_OK(insmod("ioverbs_soft"));
	fd = open_ctx(&v);
	ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
	ASSERT_EQ(pd, 0);
	ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	ASSERT_OK(close(fd) ? -errno : 0);
	ASSERT_EQ(live_objects(), base);
}
