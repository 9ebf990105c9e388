// SPDX-License-Identifier: MIT
/*
 * Fail-nth sweeps through the kernel module, inside check-kernel's guest
 * (after iommufd's fail_nth test and tests/test_failnth.c, which sweeps
 * the same injection points in process).  Each scenario prepares its
 * files, then runs one command with its n-th injection point failing
 * (the control node's "fail_nth N", which arms this process's next
 * command), for n = 1, 2, ... until the command passes fewer than n
 * points and succeeds.  Every n whose point was reached must fail the
 * command with what that point produces -- ENOMEM for an allocation,
 * ENOENT (a handle) or EBADF (an fd) for a lookup -- with a reason to
 * read (Rule 23), and once the scenario's files are closed the module
 * must hold what it held before (no leak; Rules 17 and 22).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "../harness.h"
#include "../test_driver.h"

#define CTL "/dev/ioverbs-ctl"
#define SOFT "/dev/ioverbs-uverbs0"

/* Which failures a scenario's command may produce. */
#define MAY_ENOMEM 1
#define MAY_ENOENT 2
#define MAY_EBADF 4

struct scene {
	char td[32];		/* the test-driver device's name */
	int fd;			/* the file the command runs on */
	int ev;			/* an event file, or -1 */
	u32 a, b;		/* handles the setup made */
	struct ioverbs_client v;
	void *buf;		/* MR_REG's memory */
};

static void ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl(const char *fmt, ...)
{
	char cmd[80];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fd = open(CTL, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, cmd, (size_t)n), n);
	close(fd);
}

/* A "NAME N" line of the control node's list. */
static long ctl_value(const char *name)
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
	p = strstr(out, name);
	ASSERT_TRUE(p);
	return strtol(p + strlen(name) + 1, NULL, 10);
}

static long raw_ioctl(struct ib_uverbs_file *f, unsigned int cmd,
		      unsigned long arg)
{
	return ioctl((int)(long)f, cmd, arg) < 0 ? -errno : 0;
}

static struct ib_uverbs_file *as_file(int fd)
{
	return (struct ib_uverbs_file *)(long)fd;
}

static int open_node(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/ioverbs-%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	return fd;
}

/*
 * Sweeps @run (one command on @s->fd) after @setup, closing everything
 * with @teardown after each n.  Returns the points swept.
 */
static unsigned int sweep(struct scene *s, void (*setup)(struct scene *),
			  long (*run)(struct scene *),
			  void (*teardown)(struct scene *), int may)
{
	char why[UVERBS_REASON_MAX];
	unsigned int n;
	long base, ret, left;

	for (n = 1;; n++) {
		base = ctl_value("live_objects");
		setup(s);
		ctl("fail_nth %u", n);
		ret = run(s);
		left = ctl_value("fail_nth_left");
		if (left) {
			/* Fewer than n points: the command ran whole. */
			ASSERT_OK(ret);
		} else {
			if (!((ret == -ENOMEM && (may & MAY_ENOMEM)) ||
			      (ret == -ENOENT && (may & MAY_ENOENT)) ||
			      (ret == -EBADF && (may & MAY_EBADF))))
				harness_fail(__FILE__, __LINE__,
					     "point %u: the command returned %ld", n,
					     ret);
			ASSERT_TRUE(read(s->fd, why, sizeof(why)) > 0);
		}
		teardown(s);
		if (base != ctl_value("live_objects"))
			harness_fail(__FILE__, __LINE__,
				     "point %u: %ld live objects, %ld before", n,
				     ctl_value("live_objects"), base);
		if (left) {
			printf("# %u injection points swept\n", n - 1);
			return n - 1;
		}
	}
}

/* The test driver. */

static void td_setup(struct scene *s)
{
	s->fd = open_node(s->td);
	s->ev = -1;
}

static void td_setup_ctx(struct scene *s)
{
	td_setup(s);
	ASSERT_OK(td_get_context(as_file(s->fd)));
}

static void td_setup_parent(struct scene *s)
{
	td_setup_ctx(s);
	s->a = td_parent_create_ok(as_file(s->fd), 7);
}

static void td_teardown(struct scene *s)
{
	ASSERT_OK(close(s->fd) ? -errno : 0);
	if (s->ev >= 0)
		ASSERT_OK(close(s->ev) ? -errno : 0);
}

static long td_run_ctx(struct scene *s)
{
	return td_get_context(as_file(s->fd));
}

static long td_run_parent(struct scene *s)
{
	u32 value = 5, resp = 0;
	u64 tag = 9;
	u8 flex[40] = { 1 };
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	td_cmd_ptr(&c, TD_PARENT_CREATE_RESP, &resp, sizeof(resp));
	td_cmd_ptr(&c, TD_PARENT_CREATE_FLEX, flex, sizeof(flex));
	td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	return td_cmd_exec(as_file(s->fd), &c);
}

static long td_run_child(struct scene *s)
{
	u32 h;

	return td_child_create(as_file(s->fd), s->a, &h);
}

static long td_run_destroy(struct scene *s)
{
	return td_parent_destroy(as_file(s->fd), s->a);
}

static long td_run_channel(struct scene *s)
{
	struct td_cmd c;

	s->ev = open("/dev/ioverbs-event", O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(s->ev >= 0);
	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, (u64)s->ev);
	return td_cmd_exec(as_file(s->fd), &c);
}

static void td_begin(struct scene *s)
{
	static unsigned int serial;

	td_ioctl = raw_ioctl;
	snprintf(s->td, sizeof(s->td), "fn%d_%u", (int)getpid(), serial++);
	ctl("add td %s", s->td);
}

static void td_end(struct scene *s)
{
	ctl("destroy %s", s->td);
}

TEST(failnth_td_get_context)
{
	struct scene s;

	td_begin(&s);
	ASSERT_TRUE(sweep(&s, td_setup, td_run_ctx, td_teardown,
			  MAY_ENOMEM) > 0);
	td_end(&s);
}

TEST(failnth_td_parent_create)
{
	struct scene s;

	td_begin(&s);
	ASSERT_TRUE(sweep(&s, td_setup_ctx, td_run_parent, td_teardown,
			  MAY_ENOMEM) > 0);
	td_end(&s);
}

TEST(failnth_td_child_create)
{
	struct scene s;

	td_begin(&s);
	ASSERT_TRUE(sweep(&s, td_setup_parent, td_run_child, td_teardown,
			  MAY_ENOMEM | MAY_ENOENT) > 0);
	td_end(&s);
}

TEST(failnth_td_parent_destroy)
{
	struct scene s;

	td_begin(&s);
	ASSERT_TRUE(sweep(&s, td_setup_parent, td_run_destroy, td_teardown,
			  MAY_ENOENT) > 0);
	td_end(&s);
}

TEST(failnth_td_channel_create)
{
	struct scene s;

	td_begin(&s);
	ASSERT_TRUE(sweep(&s, td_setup_ctx, td_run_channel, td_teardown,
			  MAY_ENOMEM) > 0);
	td_end(&s);
}

/* The soft device. */

static void soft_setup(struct scene *s)
{
	s->fd = open(SOFT, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(s->fd >= 0);
	s->ev = -1;
	ioverbs_client_init_fd(&s->v, s->fd);
	ASSERT_OK(ioverbs_context_get(&s->v));
}

static void soft_setup_pd_cq(struct scene *s)
{
	soft_setup(s);
	ASSERT_OK(ioverbs_pd_alloc(&s->v, &s->a));
	ASSERT_OK(ioverbs_cq_create(&s->v, 16, &s->b, NULL));
}

static long soft_run_pd(struct scene *s)
{
	u32 pd;

	return ioverbs_pd_alloc(&s->v, &pd);
}

static long soft_run_cq(struct scene *s)
{
	u32 cq;

	return ioverbs_cq_create(&s->v, 64, &cq, NULL);
}

static long soft_run_mr(struct scene *s)
{
	u32 mr;

	return ioverbs_mr_reg(&s->v, s->a, s->buf, 8192,
			      IB_UVERBS_ACCESS_LOCAL_WRITE, &mr, NULL, NULL);
}

static long soft_run_qp(struct scene *s)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 8, .max_recv_wr = 8,
		.max_send_sge = 1, .max_recv_sge = 1,
	};
	u32 qp;

	return ioverbs_qp_create(&s->v, IB_UVERBS_QPT_RC, s->a, s->b, &cap,
				 &qp, NULL, NULL);
}

TEST(failnth_soft_pd_alloc)
{
	struct scene s;

	ASSERT_TRUE(sweep(&s, soft_setup, soft_run_pd, td_teardown,
			  MAY_ENOMEM) > 0);
}

TEST(failnth_soft_cq_create)
{
	struct scene s;

	ASSERT_TRUE(sweep(&s, soft_setup, soft_run_cq, td_teardown,
			  MAY_ENOMEM) > 0);
}

TEST(failnth_soft_mr_reg)
{
	struct scene s;

	s.buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(s.buf != MAP_FAILED);
	ASSERT_TRUE(sweep(&s, soft_setup_pd_cq, soft_run_mr, td_teardown,
			  MAY_ENOMEM | MAY_ENOENT) > 0);
	munmap(s.buf, 8192);
}

TEST(failnth_soft_qp_create)
{
	struct scene s;

	ASSERT_TRUE(sweep(&s, soft_setup_pd_cq, soft_run_qp, td_teardown,
			  MAY_ENOMEM | MAY_ENOENT) > 0);
}
