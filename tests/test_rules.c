// SPDX-License-Identifier: MIT
/*
 * The conformance contract: one or more tests per rule of DESIGN.md's
 * "Rules the core enforces", named ruleNN_<clause>, each asserting the
 * exact errno.  Commands are raw ABI buffers built with td_cmd_*(); bad
 * user pointers are pages mapped PROT_NONE or PROT_READ.  The harness
 * checks after every test that nothing leaked, so every test closes its
 * files and destroys its devices.
 *
 * The same program runs embedded (a device in this process) and, with
 * IOVERBS_TRANSPORT=daemon, through ioverbsd-test: every command is then
 * a real ioctl() on the FUSE file MOUNT/td0 (tests/transport.h), the
 * knobs and counters are shared with the daemon, and tx_dev_destroy()
 * checks the daemon's leaks.  What the daemon cannot do, a test skips
 * with the reason (skip_in_daemon()); where FUSE itself changes an errno,
 * the daemon-mode assertion says which and why (fuse_errno()).  FD
 * objects (the test driver's channels) run in both modes: through the
 * daemon each is bound to an event file this process created (see
 * new_fd_bind()), and where that binding gives other results than the
 * core's own descriptors, the test says which and why.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "harness.h"
#include "test_driver.h"
#include "transport.h"

/*
 * Helpers local to this file.  td_knobs.handler_calls counts every
 * handler, GET_CONTEXT's included.
 */

/* A fresh device, knobs reset. */
static struct tx_dev *dev_ok(void)
{
	return tx_dev_create();
}

/*
 * Tests that cannot run through the daemon say so, in daemon mode only,
 * before they start anything.
 */
#define skip_in_daemon(why)                                               \
	do {                                                              \
		if (tx_is_daemon())                                       \
			harness_skip("in-process only: %s", why);         \
	} while (0)

/*
 * FD objects (the test driver's channels).  Embedded, the core creates
 * the descriptor (an eventfd) and closes it when the object goes.  A FUSE
 * daemon cannot create a descriptor in its client: the client creates an
 * event file (MOUNT/events/NAME, tx_event_file()) and names it in the
 * NEW FD attribute, the daemon binds the new object to it and writes the
 * same number back (include/uapi/rdma/rdma_user_ioctl.h, ptr_idr).  So
 * through the daemon:
 *
 *  - the number written back is the one the command named, not a new one;
 *  - a command that fails, and DESTROY, and closing the uverbs file end
 *    the binding (the number is no object of the file any more: EBADF
 *    from commands), but the descriptor stays open: it is the client's,
 *    and the test closes it;
 *  - a NEW FD attribute must name an unbound event file of this mount,
 *    else the command fails before any handler: EBADF for no fd at all
 *    (-1) or a descriptor that is not such a file, EBUSY for one that is
 *    bound already.
 *
 * td_channel_create() makes and names an event file by itself in daemon
 * mode (td_fd_bind); the rule-10, 11, 13 and 14 tests of FD objects run in
 * both modes.  Tests of other rules that only mix channels in (rules 15,
 * 19 and 20) still leave them out in daemon mode (have_fd_objects()): not
 * adapted yet, as they check that the core closed the descriptors it
 * owned (fcntl()) and count on closing the file to clean up everything,
 * which the client's event files outlive.
 */
static bool have_fd_objects(void)
{
	return !tx_is_daemon();
}

/*
 * The value for a NEW FD attribute: 0 embedded (ignored: the core makes
 * the descriptor), a fresh unbound event file through the daemon, which
 * the caller closes.
 */
static u64 new_fd_bind(struct ib_uverbs_file *f)
{
	return tx_is_daemon() ? (u64)tx_event_file(f) : 0;
}

/* CHANNEL_CREATE whose NEW FD attribute carries @bind; *@fd written back. */
static long channel_create_bind(struct ib_uverbs_file *f, u64 bind, int *fd)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, bind);
	ret = td_cmd_exec(f, &c);
	if (fd)
		*fd = (int)td_cmd_handle(&c, TD_CHANNEL_FD);
	return ret;
}

/*
 * Daemon mode, once the channel on @fd is gone (DESTROY, abort, close of
 * its uverbs file): the event file is the client's and still open; the
 * client closes it.  Embedded the core closed it already: nothing to do.
 */
static void event_file_close(int fd)
{
	if (!tx_is_daemon())
		return;
	ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0);
	ASSERT_OK(close(fd) ? -errno : 0);
}

/*
 * The errno of a command that FUSE, not the core, answers in daemon
 * mode: @embedded from the core, @daemon as the caller sees it through
 * the FUSE file.  Each use says why they differ.
 */
static long fuse_errno(long embedded, long daemon)
{
	return tx_is_daemon() ? daemon : embedded;
}

/*
 * Why the lock-conflict tests cannot run through the daemon: they hold a
 * command inside its handler on one thread and run others meanwhile, but
 * ioverbsd serves one request at a time (libfuse's single-threaded
 * loop), so a held handler blocks every other command, and a lock
 * conflict (EBUSY) or a command racing a close or a removal cannot be
 * seen through it at all.
 */
#define WHY_SERIAL                                                        \
	"the daemon serves one request at a time (single-threaded FUSE "    \
	"loop): a command held in its handler blocks all others"

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* @n read-write pages. */
static u8 *pages_map(unsigned int n)
{
	void *p = mmap(NULL, n * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

static void pages_protect(void *p, unsigned int n, int prot)
{
	ASSERT_OK(mprotect(p, n * page_size(), prot) ? -errno : 0);
}

static void pages_unmap(void *p, unsigned int n)
{
	ASSERT_OK(munmap(p, n * page_size()) ? -errno : 0);
}

static long ioctl_raw(struct ib_uverbs_file *f, const void *p)
{
	return tx_ioctl(f, RDMA_VERBS_IOCTL, (unsigned long)p);
}

/* Open file descriptors of this process. */
static int count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* CHILD_CREATE with both parent attributes. */
static long child_create2(struct ib_uverbs_file *f, u32 p1, u32 p2, u32 *h)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, p1);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT2, p2);
	ret = td_cmd_exec(f, &c);
	if (!ret && h)
		*h = td_cmd_handle(&c, TD_CHILD_CREATE_HANDLE);
	return ret;
}

static u32 child_create2_ok(struct ib_uverbs_file *f, u32 p1, u32 p2)
{
	u32 h;

	ASSERT_OK(child_create2(f, p1, p2, &h));
	return h;
}

/* A thread that closes a file (ib_uverbs_release() blocks on commands). */
static void *release_thread(void *arg)
{
	ib_uverbs_release(arg);
	return NULL;
}

/* ---- Rule 1: ioctl numbers ---- */

TEST(rule01_unknown_ioctl_enotty)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, 0);
	ASSERT_ERRNO(-ENOTTY, tx_ioctl(f, 0, (unsigned long)&c));
	ASSERT_ERRNO(-ENOTTY, tx_ioctl(f, RDMA_VERBS_IOCTL + 2,
					      (unsigned long)&c));
	/* Upstream's later ABI: a 24-byte header, 0xc0181b01. */
	ASSERT_ERRNO(-ENOTTY, tx_ioctl(f, 0xc0181b01, (unsigned long)&c));
	/* Another magic with our number and size. */
	ASSERT_ERRNO(-ENOTTY, tx_ioctl(f, 0xc0101c01, (unsigned long)&c));
	/* Checked before the argument is touched. */
	ASSERT_ERRNO(-ENOTTY, tx_ioctl(f, 0, 0));
	/* The daemon's entry point, which FUSE reaches (in-process only). */
	if (!tx_is_daemon())
		ASSERT_ERRNO(-ENOTTY, ib_uverbs_ioctl_hdr(f, 0, &c.hdr,
							  (unsigned long)&c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* No direct commands are defined yet: RDMA_DIRECT_IOCTL is ENOSYS. */
TEST(rule01_direct_ioctl_enosys)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, 0);
	/*
	 * Through FUSE: the daemon answers ENOSYS, which the kernel's FUSE
	 * turns into ENOTTY (fs/fuse/ioctl.c: "Translate ENOSYS, which
	 * shouldn't be returned from fs").
	 */
	ASSERT_ERRNO(fuse_errno(-ENOSYS, -ENOTTY),
		     tx_ioctl(f, RDMA_DIRECT_IOCTL, (unsigned long)&c));
	/*
	 * Through FUSE the kernel first copies in the 16 bytes the number
	 * declares (_IOWR): from address 0 that is EFAULT, and the daemon
	 * never sees the command.
	 */
	ASSERT_ERRNO(fuse_errno(-ENOSYS, -EFAULT),
		     tx_ioctl(f, RDMA_DIRECT_IOCTL, 0));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 2: header and attribute array readable ---- */

TEST(rule02_header_unreadable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u8 *page = pages_map(1);

	pages_protect(page, 1, PROT_NONE);
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, page));
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, page + 100));
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, NULL));
	pages_unmap(page, 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* A valid header in the last 16 bytes of a page, its attributes beyond. */
TEST(rule02_attrs_unreadable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u8 *pages = pages_map(2);
	struct ib_uverbs_ioctl_hdr *hdr =
		(void *)(pages + page_size() - sizeof(*hdr));
	u32 p = td_parent_create_ok(f, 1);

	pages_protect(pages + page_size(), 1, PROT_NONE);
	memset(hdr, 0, sizeof(*hdr));
	hdr->length = sizeof(*hdr) + sizeof(struct ib_uverbs_attr);
	hdr->object_type = TD_TYPE_PARENT;
	hdr->driver_id = TD_DRIVER_ID;
	hdr->action = TD_PARENT_CREATE;
	hdr->num_attrs = 1;
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, hdr));
	hdr->action = TD_PARENT_DESTROY;
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, hdr));
	/* More attributes than the stack bundle holds: the heap copy. */
	hdr->num_attrs = 40;
	hdr->length = sizeof(*hdr) + 40 * sizeof(struct ib_uverbs_attr);
	ASSERT_ERRNO(-EFAULT, ioctl_raw(f, hdr));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	td_parent_read_ok(f, p, NULL);
	pages_unmap(pages, 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 3: length ---- */

TEST(rule03_length_too_big)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, 0);
	/* Consistent with num_attrs, but past 4096. */
	c.hdr.num_attrs = 256;
	c.hdr.length = 16 + 16 * 256;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.length = 0xffff;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.num_attrs = 1;
	c.hdr.length = 4097;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule03_length_too_small)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;

	/* A header alone: no attributes is not a command. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	ASSERT_EQ(c.hdr.length, 16);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.length = 0;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.length = 15;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule03_length_mismatch)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;
	u32 p = td_parent_create_ok(f, 1);

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &p, sizeof(p));
	ASSERT_EQ(c.hdr.length, 48);
	c.hdr.num_attrs = 1;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.num_attrs = 3;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.num_attrs = 2;
	c.hdr.length = 47;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.length = 56;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	c.hdr.length = 48;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* The largest command, 16 + 16 * 255 = 4096 bytes, passes rule 3. */
TEST(rule03_length_4096_accepted)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_ioctl_hdr *hdr = calloc(1, 4096);

	ASSERT_TRUE(hdr);
	hdr->length = 4096;
	hdr->num_attrs = 255;
	hdr->driver_id = TD_DRIVER_ID;
	/* Rejected for its type, which is checked after the length. */
	hdr->object_type = TD_TYPE_EMPTY;
	ASSERT_ERRNO(-EOPNOTSUPP, ioctl_raw(f, hdr));
	hdr->length = 4096 + 16;
	hdr->num_attrs = 256;
	ASSERT_ERRNO(-EINVAL, ioctl_raw(f, hdr));
	free(hdr);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 4: flags and reserved ---- */

TEST(rule04_flags)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &p, sizeof(p));
	c.hdr.flags = 1;
	ASSERT_ERRNO(-EOPNOTSUPP, td_cmd_exec(f, &c));
	c.hdr.flags = 0x8000;
	ASSERT_ERRNO(-EOPNOTSUPP, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	c.hdr.flags = 0;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule04_reserved)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &p, sizeof(p));
	c.hdr.reserved = 1;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.reserved = 0x80000000u;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	c.hdr.reserved = 0;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 5: closing file, removed device ---- */

TEST(rule05_file_closing)
{
	skip_in_daemon("commands on a released file: through FUSE a closed "
		       "fd carries no command, and RELEASE comes after the "
		       "last command on the file returned");
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);

	ib_uverbs_file_get(f);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_parent_read_err(-EIO, f, p);
	td_parent_write_err(-EIO, f, p);
	td_parent_destroy_err(-EIO, f, p);
	td_parent_create_err(-EIO, f);
	ASSERT_ERRNO(-EIO, td_get_context(f));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	ib_uverbs_file_put(f);
	tx_dev_destroy(dev);
}

TEST(rule05_device_removed)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_file *g = tx_open_ok(dev);
	u32 p = td_parent_create_ok(f, 1);

	tx_dev_remove(dev);
	td_parent_read_err(-EIO, f, p);
	td_parent_write_err(-EIO, f, p);
	td_parent_create_err(-EIO, f);
	td_vendor_only_err(-EIO, f, 1);
	ASSERT_ERRNO(-EIO, td_get_context(g));
	tx_close(g);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* Commands issued while close waits for one in flight get EIO. */
TEST_TIMEOUT(rule05_racing_close, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 7;
	pthread_t closer;
	struct td_bg bg;
	long ret = 0;
	int i;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&bg.cmd, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&bg.cmd, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();

	ib_uverbs_file_get(f);
	ASSERT_OK(-pthread_create(&closer, NULL, release_thread, f));
	/* Until close starts, a missing handle is ENOENT; then EIO. */
	for (i = 0; i < 50000; i++) {
		ret = td_parent_read(f, p + 100, NULL);
		if (ret != -ENOENT)
			break;
		usleep(100);
	}
	ASSERT_ERRNO(-EIO, ret);
	td_parent_read_err(-EIO, f, p);
	ASSERT_ERRNO(-EIO, td_get_context(f));

	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	ASSERT_OK(-pthread_join(closer, NULL));
	td_parent_read_err(-EIO, f, p);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	ib_uverbs_file_put(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 6: driver_id ---- */

TEST(rule06_driver_id_mismatch)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &p, sizeof(p));
	c.hdr.driver_id = TD_DRIVER_ID + 1;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.driver_id = 0;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.driver_id = 0xffff;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* Before the type is looked at. */
	c.hdr.object_type = TD_TYPE_EMPTY;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.object_type = TD_TYPE_PARENT;
	c.hdr.driver_id = TD_DRIVER_ID;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 7: object type and action ---- */

static long exec_type_action(struct ib_uverbs_file *f, u16 type, u16 action)
{
	struct td_cmd c;

	td_cmd_init(&c, type, action);
	td_cmd_idr(&c, 0, 0);
	return td_cmd_exec(f, &c);
}

/* The driver's number of types, from GET_CONTEXT on a new file. */
static u32 num_types_ok(struct tx_dev *dev)
{
	struct ib_uverbs_file *g = tx_open_ok(dev);
	struct td_context_resp resp = { 0 };
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, &resp, sizeof(resp));
	ASSERT_OK(td_cmd_exec(g, &c));
	ASSERT_EQ(resp.driver_id, TD_DRIVER_ID);
	tx_close(g);
	return resp.num_types;
}

/* The seed's off-by-one: object_type == number of types. */
TEST(rule07_type_eq_num_types)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	if (tx_dev_ib(dev))
		ASSERT_EQ(tx_dev_ib(dev)->types->num_types, TD_NUM_TYPES);
	/* What GET_CONTEXT tells a client. */
	ASSERT_EQ(num_types_ok(dev), TD_NUM_TYPES);
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, TD_NUM_TYPES, 0));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule07_type_beyond)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	ASSERT_ERRNO(-EINVAL, exec_type_action(f, TD_NUM_TYPES + 1, 0));
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, 0x1000, 0));
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, 0xffff, 0));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule07_empty_type)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	ASSERT_ERRNO(-EOPNOTSUPP, exec_type_action(f, TD_TYPE_EMPTY, 0));
	ASSERT_ERRNO(-EOPNOTSUPP, exec_type_action(f, TD_TYPE_EMPTY, 5));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule07_action_eq_num_actions)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_PARENT, TD_PARENT_NUM_ACTIONS));
	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_CHILD, TD_CHILD_NUM_ACTIONS));
	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_CHANNEL, TD_CHANNEL_NUM_ACTIONS));
	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_VENDOR, TD_VENDOR_NUM_ACTIONS));
	ASSERT_ERRNO(-EOPNOTSUPP, exec_type_action(f, TD_TYPE_PARENT, 0xffff));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule07_empty_action)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	/* The last slot of DEVICE's table (past its end, in fact). */
	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_DEVICE, TD_DEVICE_EMPTY));
	/* A hole in VENDOR's table. */
	ASSERT_ERRNO(-EOPNOTSUPP,
		     exec_type_action(f, TD_TYPE_VENDOR, TD_VENDOR_EMPTY));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 8: attribute reserved, ids and chains ---- */

TEST(rule08_attr_reserved)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p)->reserved = 1;
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &p, sizeof(p));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[0].reserved = 0;
	c.attrs[1].reserved = 0x100;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[1].reserved = 0;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule08_attr_id_beyond_chain)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 1;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE + 1, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[2].attr_id = 0x7fff;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* In the vendor namespace, past PARENT_CREATE's vendor chain. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG + 1, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[1].attr_id = 0xffff;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule08_vendor_attr_without_vendor_chain)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_read_buf in = { 1, 2 }, out;
	u64 tag = 5;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, &out, sizeof(out));
	td_cmd_ptr(&c, UVERBS_VENDOR_FLAG | 0, &tag, sizeof(tag));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* The vendor bit on an id the common chain has. */
	c.attrs[3].attr_id = UVERBS_VENDOR_FLAG | TD_PARENT_READ_IN;
	c.attrs[3].len = sizeof(in);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.hdr.num_attrs = 3;
	c.hdr.length -= 16;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* PARENT_CREATE's vendor chain: the tag reaches the driver. */
TEST(rule08_vendor_attr_accepted)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_read_buf out;
	u64 tag = 0xf0f0;
	u32 v = 10, h;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	ASSERT_OK(td_cmd_exec(f, &c));
	h = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	td_parent_read_ok(f, h, &out);
	ASSERT_EQ(out.a, 1 + 10);
	ASSERT_EQ(out.b, 2 ^ 0xf0f0);
	/* Wrong length in the vendor chain is still rule 10. */
	c.attrs[0].len = 4;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule08_vendor_only_action)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 in = 21, out = 0;
	struct td_cmd c;

	ASSERT_EQ(td_vendor_only_ok(f, 21), 42);
	ASSERT_EQ(td_vendor_only_ok(f, 0x40000000), 0x80000000u);
	/* Its common chain is empty: any common id is outside it. */
	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_VENDOR_ONLY_OUT, &out, sizeof(out));
	td_cmd_ptr(&c, 0, &in, sizeof(in));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* The vendor ids without the vendor bit are common ids. */
	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN & ~UVERBS_VENDOR_FLAG, &in, sizeof(in));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* And past the vendor chain. */
	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_VENDOR_ONLY_OUT + 1, &out, sizeof(out));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 9: duplicates and mandatory attributes ---- */

TEST(rule09_duplicate)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 2;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* The NEW attribute twice. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* An object attribute twice, naming the same object. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* The same past the attributes the core handles on its stack. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p);
	while (c.hdr.num_attrs < 20)
		td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	td_parent_write_ok(f, p, 3);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule09_duplicate_vendor)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u64 tag = 1;
	u32 in = 1;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule09_missing_mandatory)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 2;
	struct td_read_buf in = { 0, 0 };
	struct td_cmd c;

	/* PARENT_READ without its mandatory output. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* PARENT_CREATE without its NEW handle. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* CHILD_CREATE without its mandatory parent. */
	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT2, p);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* PARENT_WRITE without its handle. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule09_missing_mandatory_vendor)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;
	u32 out;

	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_OUT, &out, sizeof(out));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 10: PTR lengths and user memory ---- */

TEST(rule10_fixed_len_mismatch)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u8 buf[64] = { 0 };
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, buf, 3);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[1].len = 8;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[1].len = 0;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* PTR_OUT too. */
	c.attrs[1].attr_id = TD_PARENT_CREATE_RESP;
	c.attrs[1].len = 2;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, buf, 15);
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, buf + 16, 16);
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[1].len = 16;
	c.attrs[2].len = 17;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[2].len = 0xffff;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	c.attrs[2].len = 16;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

/* TD_PARENT_CREATE_FLEX: a flexible PTR_IN of 1..64 bytes. */
TEST(rule10_flexible_len)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	static const u16 good[] = { 1, 2, 7, 63, 64 }, bad[] = { 0, 65, 4096 };
	u8 buf[4096] = { 0 };
	struct td_cmd c;
	unsigned int i;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_FLEX, buf, 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		c.attrs[1].len = bad[i];
		ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		c.attrs[1].len = good[i];
		ASSERT_OK(td_cmd_exec(f, &c));
	}
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 1 + ARRAY_SIZE(good));
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), ARRAY_SIZE(good));
	tx_dev_destroy(dev);
}

TEST(rule10_ptr_in_unreadable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u8 *pages = pages_map(2);
	struct td_read_buf out;
	struct td_cmd c;

	pages_protect(pages + page_size(), 1, PROT_NONE);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, pages + page_size(), 16);
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, &out, sizeof(out));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	/* Straddling into the unreadable page. */
	c.attrs[1].ptr_idr = (uintptr_t)(pages + page_size() - 8);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	c.attrs[1].ptr_idr = 0;
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	/* A NEW command's input. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, pages + page_size(), 4);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	/* The object was unlocked on the way out. */
	td_parent_write_ok(f, p, 2);
	pages_unmap(pages, 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule10_ptr_out_unwritable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u8 *page = pages_map(1);
	struct td_read_buf in = { 1, 2 }, out;
	struct td_cmd c;

	pages_protect(page, 1, PROT_READ);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, page, 16);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	c.attrs[2].ptr_idr = 0;
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	/* The object was unlocked and is unchanged. */
	td_parent_write_ok(f, p, 2);
	td_parent_read_ok(f, p, &out);
	ASSERT_EQ(out.a, 3);
	pages_unmap(page, 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/*
 * A DESTROY whose output cannot be written: the driver object is gone by
 * then, so the handle goes with it (the core's documented choice); the
 * command still reports EFAULT.
 */
TEST(rule10_destroy_ptr_out_unwritable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u8 *page = pages_map(1);
	struct td_cmd c;

	pages_protect(page, 1, PROT_READ);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_DESTROY_RESP, page, sizeof(u32));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_parent_read_err(-ENOENT, f, p);
	td_parent_destroy_err(-ENOENT, f, p);
	pages_unmap(page, 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	tx_dev_destroy(dev);
}

/* A NEW whose output cannot be copied out is aborted. */
TEST(rule10_new_ptr_out_unwritable_aborts)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u8 *page = pages_map(1);
	struct td_cmd c;
	u32 v = 9, h;

	pages_protect(page, 1, PROT_READ);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0xabcd);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	td_cmd_ptr(&c, TD_PARENT_CREATE_RESP, page, sizeof(u32));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	/* The handler ran and its object was destroyed by the abort. */
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	h = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	ASSERT_TRUE(h != 0xabcd);
	td_parent_read_err(-ENOENT, f, h);
	td_parent_destroy_err(-ENOENT, f, h);
	pages_unmap(page, 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	tx_dev_destroy(dev);
}

/*
 * The attribute array itself read-only: the NEW handle cannot be written
 * back.  The reserved object must be aborted: nothing leaks.
 */
TEST(rule10_new_handle_unwritable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u8 *page = pages_map(1);
	struct td_cmd *c = (struct td_cmd *)page;
	u32 p = td_parent_create_ok(f, 1);

	td_cmd_init(c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(c, TD_PARENT_CREATE_HANDLE, 0);
	pages_protect(page, 1, PROT_READ);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	pages_protect(page, 1, PROT_READ | PROT_WRITE);

	/* CHILD_CREATE: its parent is released too. */
	td_cmd_init(c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(c, TD_CHILD_CREATE_PARENT, p);
	td_cmd_idr(c, TD_CHILD_CREATE_HANDLE, 0);
	pages_protect(page, 1, PROT_READ);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, c));
	pages_protect(page, 1, PROT_READ | PROT_WRITE);
	td_parent_destroy_ok(f, p);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 3);
	pages_unmap(page, 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	tx_dev_destroy(dev);
}

/*
 * The same for an FD object: its descriptor is given back.  Through the
 * daemon the descriptor is the client's event file, made before the
 * command (count_fds() counts it) and left open by the abort: what is
 * given back is the binding, so the same file binds the next channel.
 */
TEST(rule10_new_fd_unwritable)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u8 *page = pages_map(1);
	struct td_cmd *c = (struct td_cmd *)page;
	int fds = count_fds(), ev = -1, fd;
	u64 bind = new_fd_bind(f);

	if (tx_is_daemon()) {
		ev = (int)bind;
		fds++;
	}
	td_cmd_init(c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(c, TD_CHANNEL_FD, bind);
	pages_protect(page, 1, PROT_READ);
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 1);
	ASSERT_EQ(count_fds(), fds);
	if (tx_is_daemon()) {
		/* Unbound by the abort: it binds again (not EBUSY). */
		ASSERT_OK(channel_create_bind(f, bind, &fd));
		ASSERT_EQ(fd, ev);
		td_channel_close_ok(f, fd);
		/* The uverbs file is a descriptor too, closed below. */
		fds--;
	}
	pages_unmap(page, 1);
	tx_close(f);
	ASSERT_EQ(count_fds(), fds);
	/* Through the daemon: the channel that bound the file again. */
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), tx_is_daemon() ? 1 : 0);
	if (tx_is_daemon())
		event_file_close(ev);
	tx_dev_destroy(dev);
}

/* ---- Rule 11: IDR attribute shape and context ---- */

TEST(rule11_idr_len)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 1;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, p)->len = 4;
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[0].len = 1;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* NEW too. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0)->len = 8;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* The same for FD attributes. */
TEST(rule11_fd_len)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;
	u64 bind;
	u32 out;
	int fd;

	fd = td_channel_create_ok(f);
	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_READ);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd)->len = 4;
	td_cmd_ptr(&c, TD_CHANNEL_READ_OUT, &out, sizeof(out));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	/* Through the daemon it names a good event file: only len is wrong. */
	bind = new_fd_bind(f);
	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, bind)->len = 4;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(td_channel_read_ok(f, fd), 1);
	tx_close(f);
	if (tx_is_daemon()) {
		event_file_close((int)bind);
		event_file_close(fd);
	}
	tx_dev_destroy(dev);
}

TEST(rule11_idr_high_bits)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 1;
	struct td_cmd c;

	/* The low 32 bits name a live object; the high ones do not count. */
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, (1ull << 32) | p);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[0].ptr_idr = (1ull << 63) | p;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	c.attrs[0].ptr_idr = ~0ull;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	c.attrs[0].ptr_idr = p;
	ASSERT_OK(td_cmd_exec(f, &c));
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule11_idr_before_context)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ok(dev);

	td_parent_create_err(-EINVAL, f);
	td_parent_read_err(-EINVAL, f, 0);
	td_parent_destroy_err(-EINVAL, f, 0);
	td_child_destroy_err(-EINVAL, f, 0);
	td_channel_create_err(-EINVAL, f);
	/* An action without objects needs the context too. */
	td_vendor_only_err(-EINVAL, f, 1);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 0);
	/* Once GET_CONTEXT ran, they work; a second one is refused. */
	ASSERT_OK(td_get_context(f));
	ASSERT_ERRNO(-EINVAL, td_get_context(f));
	td_parent_create_ok(f, 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 12: lookup and locking ---- */

TEST(rule12_no_such_handle)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_file *g = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u32 q = td_parent_create_ok(g, 1);

	td_parent_read_err(-ENOENT, f, p + 1);
	td_parent_read_err(-ENOENT, f, 1000);
	td_parent_read_err(-ENOENT, f, 0x7fffffff);
	td_parent_read_err(-ENOENT, f, 0xffffffff);
	td_parent_write_err(-ENOENT, f, 1000);
	td_parent_destroy_err(-ENOENT, f, 1000);
	td_child_create_err(-ENOENT, f, 1000);
	/* Destroyed. */
	td_parent_destroy_ok(f, p);
	td_parent_read_err(-ENOENT, f, p);
	td_parent_destroy_err(-ENOENT, f, p);
	/* Another file's handle means nothing here. */
	td_parent_destroy_ok(g, q);
	q = td_parent_create_ok(g, 1);
	td_parent_read_err(-ENOENT, f, q);
	td_parent_read_ok(g, q, NULL);
	tx_close(g);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule12_wrong_type)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u32 c = td_child_create_ok(f, p);

	td_parent_read_err(-EINVAL, f, c);
	td_parent_write_err(-EINVAL, f, c);
	td_parent_destroy_err(-EINVAL, f, c);
	td_child_create_err(-EINVAL, f, c);
	td_child_read_err(-EINVAL, f, p);
	td_child_write_err(-EINVAL, f, p);
	td_child_destroy_err(-EINVAL, f, p);
	/* Nothing was left locked. */
	td_child_write_ok(f, c, 5);
	ASSERT_EQ(td_child_read_ok(f, c), 5 + 1);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* A WRITE in progress excludes READ, WRITE and DESTROY: EBUSY. */
TEST_TIMEOUT(rule12_busy_while_write, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), other = td_parent_create_ok(f, 2);
	u32 v = 7;
	struct td_read_buf out;
	struct td_bg bg;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&bg.cmd, TD_PARENT_WRITE_HANDLE, p);
	td_cmd_ptr(&bg.cmd, TD_PARENT_WRITE_VALUE, &v, sizeof(v));
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();
	td_parent_read_err(-EBUSY, f, p);
	td_parent_write_err(-EBUSY, f, p);
	td_parent_destroy_err(-EBUSY, f, p);
	/* Other objects are not affected. */
	td_parent_read_ok(f, other, NULL);
	/* Last: the aborted child is freed after a grace period, which the
	 * TSan build's lock-based RCU makes later readers wait for. */
	td_child_create_err(-EBUSY, f, p);
	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	td_parent_read_ok(f, p, &out);
	ASSERT_EQ(out.a, 1 + 7);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* READ is shared: two at once both succeed; WRITE and DESTROY wait out. */
TEST_TIMEOUT(rule12_reads_shared, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 3);
	struct td_read_buf in = { 10, 0 }, bg_out, out;
	struct td_bg bg;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&bg.cmd, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&bg.cmd, TD_PARENT_READ_IN, &in, sizeof(in));
	td_cmd_ptr(&bg.cmd, TD_PARENT_READ_OUT, &bg_out, sizeof(bg_out));
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();
	/* While the first READ holds the object. */
	td_parent_read_ok(f, p, &out);
	ASSERT_EQ(out.a, 1 + 3);
	td_child_create_ok(f, p);
	td_parent_write_err(-EBUSY, f, p);
	td_parent_destroy_err(-EBUSY, f, p);
	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	ASSERT_EQ(bg_out.a, 10 + 3);
	td_parent_write_ok(f, p, 4);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* A DESTROY in progress: the others are busy; after it, the handle is gone. */
TEST_TIMEOUT(rule12_busy_while_destroy, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	struct td_bg bg;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&bg.cmd, TD_PARENT_DESTROY_HANDLE, p);
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();
	td_parent_read_err(-EBUSY, f, p);
	td_parent_write_err(-EBUSY, f, p);
	td_parent_destroy_err(-EBUSY, f, p);
	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	td_parent_read_err(-ENOENT, f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 13: FD attributes ---- */

TEST(rule13_fd_not_ours)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int mine, theirs, pipefd[2], calls;
	struct ib_uverbs_file *g;

	g = tx_open_ctx_ok(dev);
	mine = td_channel_create_ok(f);
	theirs = td_channel_create_ok(g);
	ASSERT_OK(pipe(pipefd) ? -errno : 0);
	td_channel_read_err(-EBADF, f, 0);
	td_channel_read_err(-EBADF, f, pipefd[0]);
	td_channel_read_err(-EBADF, f, pipefd[1]);
	td_channel_close_err(-EBADF, f, pipefd[0]);
	td_channel_read_err(-EBADF, f, theirs);
	td_channel_close_err(-EBADF, f, theirs);
	td_channel_read_err(-EBADF, g, mine);
	td_channel_read_err(-EBADF, f, 0x7fffffff);
	td_channel_read_err(-EBADF, f, 0x80000000u);
	td_channel_read_err(-EBADF, f, 1ull << 32);
	td_channel_read_err(-EBADF, f, ~0ull);
	td_channel_close_err(-EBADF, f, ~0ull);
	/* A handle of the same number as an IDR object is no fd either. */
	td_channel_read_err(-EBADF, f, td_parent_create_ok(f, 1));
	ASSERT_EQ(td_channel_read_ok(f, mine), 1);
	ASSERT_EQ(td_channel_read_ok(g, theirs), 1);
	if (tx_is_daemon()) {
		/*
		 * A NEW FD attribute names a descriptor too, through the
		 * daemon (embedded the value is ignored): an unbound event
		 * file of this mount, else no handler runs.  None (-1), or
		 * not an event file (a pipe, stdin, no such descriptor),
		 * EBADF; one bound already, by this file or another, EBUSY.
		 */
		calls = TD_KNOB_GET(handler_calls);
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, ~0ull, NULL));
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, pipefd[0], NULL));
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, 0, NULL));
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, 0x7fffffff, NULL));
		ASSERT_ERRNO(-EBUSY, channel_create_bind(f, mine, NULL));
		ASSERT_ERRNO(-EBUSY, channel_create_bind(f, theirs, NULL));
		ASSERT_ERRNO(-EBUSY, channel_create_bind(g, mine, NULL));
		ASSERT_EQ(TD_KNOB_GET(handler_calls), calls);
		ASSERT_EQ(td_channel_read_ok(f, mine), 1);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	tx_close(g);
	tx_close(f);
	event_file_close(theirs);
	event_file_close(mine);
	tx_dev_destroy(dev);
}

/*
 * A NEW FD attribute whose value no descriptor has -- high 32 bits set,
 * or negative other than -1 (none: the transport makes one) -- is EBADF
 * before any handler, in both modes.  High bits never select the fd in
 * the low ones.
 */
TEST(rule13_new_fd_not_an_fd)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int ev = tx_is_daemon() ? tx_event_file(f) : 3;
	const u64 bad[] = {
		1ull << 32, (1ull << 32) | (u64)ev, 0x80000000u, 0xffffffffu,
		~0ull - 1, 1ull << 63,
	};
	int calls = TD_KNOB_GET(handler_calls), fd;
	unsigned int i;
	long ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = channel_create_bind(f, bad[i], NULL);
		if (ret != -EBADF)
			harness_fail(__FILE__, __LINE__,
				     "NEW FD 0x%llx: %s, expected EBADF",
				     (unsigned long long)bad[i],
				     errno_name(ret));
	}
	ASSERT_EQ(TD_KNOB_GET(handler_calls), calls);
	ASSERT_EQ(tx_file_objects(f), 0);
	/* -1: no descriptor to bind.  The daemon cannot make one. */
	if (tx_is_daemon()) {
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, ~0ull, NULL));
		ASSERT_EQ(TD_KNOB_GET(handler_calls), calls);
		/* The event file is still free to bind. */
		ASSERT_OK(channel_create_bind(f, (u64)ev, &fd));
		ASSERT_EQ(fd, ev);
	} else {
		ASSERT_OK(channel_create_bind(f, ~0ull, &fd));
	}
	ASSERT_EQ(tx_file_objects(f), 1);
	tx_close(f);
	event_file_close(fd);
	tx_dev_destroy(dev);
}

TEST(rule13_channel_lifecycle)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int a, b, c;

	a = td_channel_create_ok(f);
	b = td_channel_create_ok(f);
	ASSERT_TRUE(a != b);
	ASSERT_TRUE(fcntl(a, F_GETFD) >= 0);
	ASSERT_EQ(td_channel_read_ok(f, a), 1);
	ASSERT_EQ(td_channel_read_ok(f, b), 2);
	td_channel_close_ok(f, a);
	td_channel_read_err(-EBADF, f, a);
	td_channel_close_err(-EBADF, f, a);
	ASSERT_EQ(td_channel_read_ok(f, b), 2);
	if (tx_is_daemon()) {
		/*
		 * DESTROY ended the binding only: a is still the client's
		 * open event file, and binds the next channel (its number
		 * again, a new serial) until the client closes it.
		 */
		ASSERT_TRUE(fcntl(a, F_GETFD) >= 0);
		ASSERT_OK(channel_create_bind(f, a, &c));
		ASSERT_EQ(c, a);
		ASSERT_EQ(td_channel_read_ok(f, a), 3);
		td_channel_close_ok(f, a);
		event_file_close(a);
		td_channel_read_err(-EBADF, f, a);
	}
	tx_close(f);
	/* Through the daemon: a's second channel too. */
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), tx_is_daemon() ? 3 : 2);
	/* Closing the uverbs file unbound b; its descriptor stays open. */
	event_file_close(b);
	tx_dev_destroy(dev);
}

/* ---- Rule 14: NEW handles ---- */

TEST(rule14_handle_written_before_handler)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_cmd c;
	u32 v = 3, h;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0xdeadbeef);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	TD_KNOB_SET(fail_next, -ECANCELED);
	ASSERT_ERRNO(-ECANCELED, td_cmd_exec(f, &c));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	h = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	ASSERT_TRUE(h != 0xdeadbeef);
	ASSERT_EQ(c.attrs[0].ptr_idr >> 32, 0);
	/* The abort destroyed the handler's object and freed the handle. */
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_parent_read_err(-ENOENT, f, h);
	td_parent_write_err(-ENOENT, f, h);
	td_parent_destroy_err(-ENOENT, f, h);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	tx_dev_destroy(dev);
}

/* A reserved handle is invisible to other commands until commit. */
TEST_TIMEOUT(rule14_invisible_until_commit, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct td_read_buf out;
	struct td_bg bg;
	u32 v = 5, h;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&bg.cmd, TD_PARENT_CREATE_HANDLE, 0xffffffff);
	td_cmd_ptr(&bg.cmd, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();
	/* Written back before the handler runs. */
	h = (u32)__atomic_load_n(&bg.cmd.attrs[0].ptr_idr, __ATOMIC_SEQ_CST);
	ASSERT_TRUE(h != 0xffffffff);
	td_parent_read_err(-ENOENT, f, h);
	td_parent_write_err(-ENOENT, f, h);
	td_parent_destroy_err(-ENOENT, f, h);
	td_child_create_err(-ENOENT, f, h);
	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	ASSERT_EQ(td_cmd_handle(&bg.cmd, TD_PARENT_CREATE_HANDLE), h);
	td_parent_read_ok(f, h, &out);
	ASSERT_EQ(out.a, 1 + 5);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* A child whose create fails holds nothing on its parent. */
TEST(rule14_abort_releases_parents)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), q = td_parent_create_ok(f, 2);

	TD_KNOB_SET(fail_next, -ECANCELED);
	ASSERT_ERRNO(-ECANCELED, child_create2(f, p, q, NULL));
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_parent_destroy_ok(f, p);
	td_parent_destroy_ok(f, q);
	tx_close(f);
	tx_dev_destroy(dev);
}

/*
 * An FD object's descriptor is written back, and closed on abort.
 * Through the daemon the descriptor written back is the event file the
 * command named, and the abort unbinds it but leaves it open (the
 * client's): the next channel can bind it again.
 */
TEST(rule14_fd_abort)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u64 bind = 0xfffffff;
	struct td_cmd c;
	int fd;

	if (tx_is_daemon()) {
		/* No descriptor of ours: refused before the handler. */
		ASSERT_ERRNO(-EBADF, channel_create_bind(f, bind, NULL));
		ASSERT_EQ(TD_KNOB_GET(handler_calls), 1);
		bind = new_fd_bind(f);
	}
	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, bind);
	TD_KNOB_SET(fail_next, -ECANCELED);
	ASSERT_ERRNO(-ECANCELED, td_cmd_exec(f, &c));
	fd = (int)td_cmd_handle(&c, TD_CHANNEL_FD);
	if (tx_is_daemon())
		ASSERT_EQ(fd, (int)bind);
	else
		ASSERT_TRUE(fd != 0xfffffff && fd > 2);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_channel_read_err(-EBADF, f, fd);
	if (tx_is_daemon()) {
		ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0);
		/* The next channel binds the same file, serials moved on. */
		ASSERT_OK(channel_create_bind(f, bind, &fd));
		ASSERT_EQ(fd, (int)bind);
		ASSERT_EQ(td_channel_read_ok(f, fd), 2);
		tx_close(f);
		event_file_close(fd);
		tx_dev_destroy(dev);
		return;
	}
	ASSERT_EQ(fcntl(fd, F_GETFD), -1);
	ASSERT_EQ(errno, EBADF);
	/* The next channel works, and serials moved on. */
	fd = td_channel_create_ok(f);
	ASSERT_EQ(td_channel_read_ok(f, fd), 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 15: DESTROY that fails ---- */

TEST(rule15_destroy_handler_fails)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), got = 0;
	struct td_read_buf out;
	struct td_cmd c;

	TD_KNOB_SET(fail_next, -ECANCELED);
	td_parent_destroy_err(-ECANCELED, f, p);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 0);
	td_parent_read_ok(f, p, &out);
	ASSERT_EQ(out.a, 2);
	td_parent_write_ok(f, p, 6);
	td_child_destroy_ok(f, td_child_create_ok(f, p));
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, p);
	td_cmd_ptr(&c, TD_PARENT_DESTROY_RESP, &got, sizeof(got));
	ASSERT_OK(td_cmd_exec(f, &c));
	ASSERT_EQ(got, 6);
	td_parent_read_err(-ENOENT, f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule15_destroy_refused_by_driver)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	int fd = have_fd_objects() ? td_channel_create_ok(f) : -1;
	/* Two refused destroys, two done; a channel's too (FD objects). */
	int destroys = have_fd_objects() ? 6 : 4;

	TD_KNOB_SET(refuse_destroy, 1);
	td_child_destroy_err(-EBUSY, f, c);
	ASSERT_EQ(td_child_read_ok(f, c), 1);
	td_child_write_ok(f, c, 2);
	td_child_destroy_ok(f, c);

	TD_KNOB_SET(refuse_destroy, 1);
	td_parent_destroy_err(-EBUSY, f, p);
	td_parent_read_ok(f, p, NULL);
	td_parent_write_ok(f, p, 2);
	td_parent_destroy_ok(f, p);

	if (have_fd_objects()) {
		TD_KNOB_SET(refuse_destroy, 1);
		td_channel_close_err(-EBUSY, f, fd);
		ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0);
		ASSERT_EQ(td_channel_read_ok(f, fd), 1);
		td_channel_close_ok(f, fd);
	}
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), destroys);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), destroys);
	tx_dev_destroy(dev);
}

/* CHILD_DESTROY has no handler: the core's destroy is the whole action. */
TEST(rule15_core_only_destroy)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	int calls = TD_KNOB_GET(handler_calls);

	/* No handler runs, so a pending handler failure does not apply. */
	TD_KNOB_SET(fail_next, -ECANCELED);
	td_child_destroy_ok(f, c);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), calls);
	ASSERT_EQ(TD_KNOB_GET(fail_next), -ECANCELED);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	TD_KNOB_SET(fail_next, 0);
	td_child_read_err(-ENOENT, f, c);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 16: at most one NEW or DESTROY, checked at registration ---- */

static int rule16_destroy(struct ib_uobject *uobj, enum rdma_remove_reason why)
{
	return 0;
}

static const struct uverbs_obj_type rule16_obj = { .destroy = rule16_destroy };

static const struct uverbs_attr_spec rule16_two_new_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = 0, .access = UVERBS_ACCESS_NEW } },
	[1] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = 0, .access = UVERBS_ACCESS_NEW } },
};

static const struct uverbs_action rule16_actions[] = {
	[0] = UVERBS_STD_ACTION(NULL, rule16_two_new_attrs),
};

static const struct uverbs_type *const rule16_type_list[] = {
	[0] = UVERBS_TYPE(rule16_actions, &rule16_obj),
};

static const struct uverbs_types rule16_types = {
	.types = rule16_type_list,
	.num_types = ARRAY_SIZE(rule16_type_list),
};

/* test_spec_check.c has the whole checker; this is the rule itself. */
TEST(rule16_two_new_rejected_at_registration)
{
	skip_in_daemon("ib_register_device() of a malformed spec: no device "
		       "file or command is involved");
	struct ib_device *dev = kzalloc(sizeof(*dev));

	ASSERT_TRUE(dev);
	snprintf(dev->name, sizeof(dev->name), "rule16");
	dev->driver_id = TD_DRIVER_ID;
	dev->types = &rule16_types;
	ASSERT_ERRNO(-EINVAL, ib_register_device(dev));
	ASSERT_TRUE(dev->uverbs_dev == NULL);
	ASSERT_TRUE(ib_device_find("rule16") == NULL);
	ASSERT_ERRNO(-EINVAL, uverbs_types_check(&rule16_types, "rule16"));
	kfree(dev);
}

/* ---- Rule 17: every lock released on every path ---- */

/* CHILD_WRITE locks the child WRITE, then its parent attribute fails. */
TEST(rule17_unlock_after_lookup_failure)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	u32 v = 4;
	struct td_cmd cmd;

	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, c);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, 1000);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-ENOENT, td_cmd_exec(f, &cmd));
	/* Of another type, half way. */
	cmd.attrs[1].ptr_idr = c;
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &cmd));
	/* The child's WRITE lock was not left behind. */
	td_child_write_ok(f, c, 3);
	ASSERT_EQ(td_child_read_ok(f, c), 3 + 1);
	cmd.attrs[1].ptr_idr = p;
	ASSERT_OK(td_cmd_exec(f, &cmd));
	ASSERT_EQ(td_child_read_ok(f, c), 4 + 4);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* The parent is locked first, then the child lookup fails. */
TEST(rule17_unlock_first_of_two)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), v = 4;
	struct td_cmd cmd;

	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, p);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, 1000);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-ENOENT, td_cmd_exec(f, &cmd));
	td_parent_write_ok(f, p, 2);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* PTR_IN unreadable after an IDR attribute was locked. */
TEST(rule17_unlock_after_efault)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	u8 *page = pages_map(1);
	struct td_cmd cmd;

	pages_protect(page, 1, PROT_NONE);
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, c);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, p);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, page, sizeof(u32));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &cmd));
	td_child_write_ok(f, c, 1);
	td_parent_write_ok(f, p, 1);
	/* The same for a READ lock (PARENT_READ) and a DESTROY lock. */
	td_cmd_init(&cmd, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&cmd, TD_PARENT_READ_HANDLE, p);
	td_cmd_ptr(&cmd, TD_PARENT_READ_IN, page, sizeof(struct td_read_buf));
	td_cmd_ptr(&cmd, TD_PARENT_READ_OUT, page, sizeof(struct td_read_buf));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &cmd));
	td_parent_write_ok(f, p, 1);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 7);
	pages_unmap(page, 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* A NEW reserved, then a later attribute fails: the handle is aborted. */
TEST(rule17_new_aborted_half_way)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), h;
	u8 *page = pages_map(1);
	struct td_cmd cmd;

	pages_protect(page, 1, PROT_NONE);
	td_cmd_init(&cmd, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&cmd, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&cmd, TD_PARENT_CREATE_VALUE, page, sizeof(u32));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &cmd));
	h = td_cmd_handle(&cmd, TD_PARENT_CREATE_HANDLE);
	td_parent_read_err(-ENOENT, f, h);

	/* CHILD_CREATE: NEW and the first parent, then the second fails. */
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_PARENT, p);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_PARENT2, 1000);
	ASSERT_ERRNO(-ENOENT, td_cmd_exec(f, &cmd));
	h = td_cmd_handle(&cmd, TD_CHILD_CREATE_HANDLE);
	td_child_read_err(-ENOENT, f, h);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 0);
	td_parent_write_ok(f, p, 2);
	td_parent_destroy_ok(f, p);
	pages_unmap(page, 1);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 18: dependencies ---- */

TEST(rule18_parent_busy_with_child)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 10);
	u32 c1 = td_child_create_ok(f, p), c2 = td_child_create_ok(f, p);

	td_parent_destroy_err(-EBUSY, f, p);
	/* Busy is not locked: the parent is still usable. */
	td_parent_write_ok(f, p, 11);
	ASSERT_EQ(td_child_read_ok(f, c1), 11);
	td_child_destroy_ok(f, c1);
	td_parent_destroy_err(-EBUSY, f, p);
	td_child_destroy_ok(f, c2);
	td_parent_destroy_ok(f, p);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 3);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule18_two_parents)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), q = td_parent_create_ok(f, 2);
	u32 c = child_create2_ok(f, p, q);

	td_parent_destroy_err(-EBUSY, f, p);
	td_parent_destroy_err(-EBUSY, f, q);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, q);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* The same parent named twice is held twice, and released twice. */
TEST(rule18_same_parent_twice)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1);
	u32 c = child_create2_ok(f, p, p);

	td_parent_destroy_err(-EBUSY, f, p);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 19: close ---- */

/*
 * Parents, children (one with two parents) and channels: 9 objects (7
 * without FD objects, through the daemon).
 */
static int make_zoo(struct ib_uverbs_file *f)
{
	u32 p1 = td_parent_create_ok(f, 1), p2 = td_parent_create_ok(f, 2);
	u32 p3 = td_parent_create_ok(f, 3);

	td_child_create_ok(f, p1);
	if (have_fd_objects())
		td_channel_create_ok(f);
	td_child_create_ok(f, p1);
	td_child_create_ok(f, p2);
	child_create2_ok(f, p2, p3);
	if (have_fd_objects())
		td_channel_create_ok(f);
	return have_fd_objects() ? 9 : 7;
}

TEST(rule19_close_destroys_all)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int n = make_zoo(f);

	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 0);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	tx_dev_destroy(dev);
}

/* A driver refusing a destroy on close gets another round. */
TEST(rule19_close_retries_refused)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int n = make_zoo(f);

	TD_KNOB_SET(refuse_destroy, 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(refuse_destroy), 0);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n + 1);
	tx_dev_destroy(dev);
}

/* A round without progress ends in a last round that must succeed. */
TEST(rule19_close_retries_single_refusal)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);

	td_parent_create_ok(f, 1);
	TD_KNOB_SET(refuse_destroy, 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 2);
	tx_dev_destroy(dev);
}

TEST(rule19_close_without_context)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ok(dev);
	struct ib_uverbs_file *g = tx_open_ctx_ok(dev);

	tx_close(f);
	tx_close(g);
	tx_dev_destroy(dev);
}

/* Closing one file leaves another's objects alone. */
TEST(rule19_close_is_per_file)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_file *g = tx_open_ctx_ok(dev);
	u32 q = td_parent_create_ok(g, 5);
	int fd = have_fd_objects() ? td_channel_create_ok(g) : -1;
	int n = make_zoo(f);

	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	td_parent_read_ok(g, q, NULL);
	if (have_fd_objects())
		ASSERT_EQ(td_channel_read_ok(g, fd), 1);
	tx_close(g);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n + 1 + have_fd_objects());
	tx_dev_destroy(dev);
}

/* ---- Rule 20: device removal ---- */

TEST(rule20_remove_then_eio)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	int fd = have_fd_objects() ? td_channel_create_ok(f) : -1;
	int n = 2 + have_fd_objects();

	tx_dev_remove(dev);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	td_parent_read_err(-EIO, f, p);
	td_parent_write_err(-EIO, f, p);
	td_parent_create_err(-EIO, f);
	td_child_read_err(-EIO, f, c);
	td_child_write_err(-EIO, f, c);
	td_child_create_err(-EIO, f, p);
	if (have_fd_objects())
		td_channel_read_err(-EIO, f, fd);
	/* Through the daemon: EIO, though it names a good event file. */
	td_channel_create_err(-EIO, f);
	td_vendor_only_err(-EIO, f, 1);
	ASSERT_ERRNO(-EIO, td_get_context(f));
	/* Rules 1, 3, 4, 6 and 7 still come first. */
	ASSERT_ERRNO(-EOPNOTSUPP, exec_type_action(f, TD_TYPE_EMPTY, 0));
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, TD_NUM_TYPES, 0));
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	tx_dev_destroy(dev);
}

TEST(rule20_remove_destroy_succeeds)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	u32 q = td_parent_create_ok(f, 2);
	int fd = have_fd_objects() ? td_channel_create_ok(f) : -1;
	int calls = TD_KNOB_GET(handler_calls);
	int n = 3 + have_fd_objects();

	tx_dev_remove(dev);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	/* The parent first: its child's hold went with the child's object. */
	td_parent_destroy_ok(f, p);
	td_parent_destroy_err(-ENOENT, f, p);
	td_child_destroy_ok(f, c);
	td_child_destroy_err(-ENOENT, f, c);
	if (have_fd_objects()) {
		td_channel_close_ok(f, fd);
		td_channel_close_err(-EBADF, f, fd);
		ASSERT_EQ(fcntl(fd, F_GETFD), -1);
	}
	/* Other DESTROY errors are unchanged. */
	td_child_destroy_err(-EINVAL, f, q);
	td_parent_destroy_err(-ENOENT, f, 1000);
	/* No handler ran, no driver destroy either: the objects were gone. */
	ASSERT_EQ(TD_KNOB_GET(handler_calls), calls);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule20_device_fatal_event)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_file *g = tx_open_ok(dev);
	struct ib_uverbs_async_event_desc desc;

	if (tx_is_daemon()) {
		/*
		 * A client cannot read a file's async events from the
		 * daemon (yet: read() of MOUNT/td0 is EINVAL; only event
		 * files give completion events): count them in the control
		 * file's "list", one per file, the file without a context
		 * included.
		 */
		ASSERT_EQ(tx_files_with_events(dev, 0), 2);
		tx_dev_remove(dev);
		ASSERT_EQ(tx_files_with_events(dev, 1), 2);
		tx_close(g);
		tx_close(f);
		tx_dev_destroy(dev);
		return;
	}
	ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(f, &desc));
	tx_dev_remove(dev);
	memset(&desc, 0xff, sizeof(desc));
	ASSERT_OK(ib_uverbs_read_async_event(f, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ASSERT_EQ(desc.element, 0);
	ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(f, &desc));
	/* A file without a context gets it too. */
	ASSERT_OK(ib_uverbs_read_async_event(g, &desc));
	ASSERT_EQ(desc.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	tx_close(g);
	tx_close(f);
	tx_dev_destroy(dev);
}

TEST(rule20_open_after_remove)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = NULL;

	tx_dev_remove(dev);
	ASSERT_ERRNO(-ENODEV, tx_open(dev, &f));
	ASSERT_TRUE(f == NULL);
	tx_dev_destroy(dev);
}

/* Files outlive the device; their events stay queued until they close. */
TEST(rule20_release_after_remove)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_file *g = tx_open_ctx_ok(dev);
	int n = make_zoo(f) + make_zoo(g);

	tx_dev_remove(dev);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
	/*
	 * The driver's device may go before the files (through the daemon:
	 * the daemon stops with them open, and releases them itself).
	 */
	tx_dev_destroy(dev);
	tx_close(f);
	tx_close(g);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n);
}

/* A driver refusing on removal gets another round, as on close. */
TEST(rule20_remove_retries_refused)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	int n = make_zoo(f);

	TD_KNOB_SET(refuse_destroy, 1);
	tx_dev_remove(dev);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n + 1);
	tx_close(f);
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), n + 1);
	tx_dev_destroy(dev);
}

struct remover {
	pthread_t thread;
	struct tx_dev *dev;
	int done;
};

static void *remover_thread(void *arg)
{
	struct remover *r = arg;

	tx_dev_remove(r->dev);
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A command in flight finishes before removal cleans up; later ones EIO. */
TEST_TIMEOUT(rule20_inflight_command_finishes, 20)
{
	skip_in_daemon(WHY_SERIAL);
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct remover r = { .dev = dev };
	struct td_bg bg;
	u32 v = 1, h;

	td_cmd_init(&bg.cmd, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&bg.cmd, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&bg.cmd, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	TD_KNOB_SET(hold_next, 1);
	td_bg_start(&bg, f);
	td_hold_wait();
	ASSERT_OK(-pthread_create(&r.thread, NULL, remover_thread, &r));
	/* Removal waits for the command (not a proof, but a fair chance). */
	usleep(20000);
	ASSERT_EQ(__atomic_load_n(&r.done, __ATOMIC_SEQ_CST), 0);
	td_hold_release();
	ASSERT_OK(td_bg_join(&bg));
	ASSERT_OK(-pthread_join(r.thread, NULL));
	h = td_cmd_handle(&bg.cmd, TD_PARENT_CREATE_HANDLE);
	/* It committed, then removal destroyed it. */
	ASSERT_EQ(TD_KNOB_GET(destroy_calls), 1);
	td_parent_read_err(-EIO, f, h);
	td_parent_destroy_ok(f, h);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* ---- Rule 21: MR registration refuses what page pinning would ---- */

/*
 * The rules of the standard verbs run on a soft device next to the test
 * driver (tx_open_soft_ok()): a context and a PD on it.
 */
struct soft_ctx {
	struct ib_uverbs_file *f;
	struct ioverbs_client v;
	u32 pd;
};

static void soft_ctx_open(struct soft_ctx *s, struct tx_dev *dev)
{
	s->f = tx_open_soft_ok(dev);
	tx_client(&s->v, s->f);
	ASSERT_OK(ioverbs_context_get(&s->v));
	ASSERT_OK(ioverbs_pd_alloc(&s->v, &s->pd));
}

#define ACC_LW IB_UVERBS_ACCESS_LOCAL_WRITE
#define ACC_ALL                                                           \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE |   \
	 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)

/* MR_REG of [@start, @start + @len): 0 or -errno; keys into @resp. */
static long mr_reg(struct soft_ctx *s, u64 start, u64 len, u32 access,
		   u32 *mr, struct ib_uverbs_mr_reg_resp *resp)
{
	struct ib_uverbs_mr_reg_cmd cmd = {
		.start = start, .length = len, .hca_va = start,
		.access_flags = access,
	};
	struct ib_uverbs_mr_reg_resp dummy;
	struct ioverbs_cmd c;

	ioverbs_client_cmd_init(&s->v, &c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_REG);
	ioverbs_cmd_new(&c, UVERBS_MR_REG_HANDLE, mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_REG_PD_HANDLE, s->pd);
	ioverbs_cmd_in(&c, UVERBS_MR_REG_CMD, &cmd, sizeof(cmd));
	ioverbs_cmd_out(&c, UVERBS_MR_REG_RESP, resp ? resp : &dummy,
			sizeof(dummy));
	return ioverbs_client_exec(&s->v, &c);
}

static u32 mr_reg_ok(struct soft_ctx *s, const void *p, u64 len, u32 access,
		     struct ib_uverbs_mr_reg_resp *resp)
{
	u32 mr = 0;

	ASSERT_OK(mr_reg(s, (uintptr_t)p, len, access, &mr, resp));
	return mr;
}

/*
 * MR_REG refused with exactly @err, nothing created; embedded (where the
 * caller can read it) the reason names @what at @bad.
 */
#define mr_reg_err(err, s, start, len, access, what, bad)                 \
	mr_reg_err_at(__LINE__, err, s, (u64)(uintptr_t)(start), len,     \
		      access, what, (u64)(uintptr_t)(bad))

static void mr_reg_err_at(int line, long err, struct soft_ctx *s, u64 start,
			  u64 len, u32 access, const char *what, u64 bad)
{
	int before = tx_file_objects(s->f);
	char want[160];
	long ret;
	u32 mr;

	ret = mr_reg(s, start, len, access, &mr, NULL);
	if (ret != err)
		harness_fail(__FILE__, line, "MR_REG [0x%llx, +0x%llx) access 0x%x: %s, expected %s",
			     (unsigned long long)start,
			     (unsigned long long)len, access, errno_name(ret),
			     errno_name(err));
	if (tx_file_objects(s->f) != before)
		harness_fail(__FILE__, line, "a refused MR_REG left an object");
	if (tx_is_daemon() || !what)
		return;
	snprintf(want, sizeof(want), "MR_REG: [0x%llx, +0x%llx) is not %s at 0x%llx",
		 (unsigned long long)start, (unsigned long long)len, what,
		 (unsigned long long)bad);
	if (strncmp(ib_uverbs_last_error(), want, strlen(want)))
		harness_fail(__FILE__, line, "reason \"%s\", expected \"%s...\"",
			     ib_uverbs_last_error(), want);
}

static long mr_dereg(struct soft_ctx *s, u32 mr)
{
	return ioverbs_object_destroy(&s->v, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG,
			       UVERBS_MR_DEREG_HANDLE, mr);
}

/* Holes and PROT_NONE anywhere in the range: EFAULT, nothing created. */
TEST(rule21_mr_unmapped_efault)
{
	struct tx_dev *dev = dev_ok();
	size_t ps = page_size();
	struct soft_ctx s;
	u8 *m = pages_map(4);
	u32 a, b;

	soft_ctx_open(&s, dev);
	/* Pages: 0 mapped, 1 a hole, 2 mapped, 3 PROT_NONE. */
	pages_protect(m + 3 * ps, 1, PROT_NONE);
	a = mr_reg_ok(&s, m, ps, ACC_LW, NULL);
	b = mr_reg_ok(&s, m + 2 * ps, ps, ACC_ALL, NULL);
	ASSERT_EQ(tx_file_objects(s.f), 3);
	/* Last, so that nothing the setup maps can land in the hole. */
	pages_unmap(m + ps, 1);
	/* The hole: all of it, its first and last byte, a range across it. */
	mr_reg_err(-EFAULT, &s, m + ps, ps, 0, "mapped", m + ps);
	mr_reg_err(-EFAULT, &s, m + ps, 1, 0, "mapped", m + ps);
	mr_reg_err(-EFAULT, &s, m + 2 * ps - 1, 1, 0, "mapped", m + 2 * ps - 1);
	mr_reg_err(-EFAULT, &s, m, 2 * ps, ACC_LW, "mapped", m + ps);
	mr_reg_err(-EFAULT, &s, m + ps - 8, 16, 0, "mapped", m + ps);
	mr_reg_err(-EFAULT, &s, m + 2 * ps - 8, 16, 0, "mapped",
		   m + 2 * ps - 8);
	mr_reg_err(-EFAULT, &s, m, 3 * ps, 0, "mapped", m + ps);
	/* PROT_NONE, even for an MR nobody writes. */
	mr_reg_err(-EFAULT, &s, m + 3 * ps, ps, 0, "readable", m + 3 * ps);
	mr_reg_err(-EFAULT, &s, m + 2 * ps, 2 * ps, 0, "readable",
		   m + 3 * ps);
	mr_reg_err(-EFAULT, &s, m + 4 * ps - 1, 1, IB_UVERBS_ACCESS_REMOTE_READ,
		   "readable", m + 4 * ps - 1);
	/* Addresses no process maps. */
	mr_reg_err(-EFAULT, &s, 0, 8, 0, "mapped", 0);
	mr_reg_err(-EFAULT, &s, 1ull << 47, 8, 0, "mapped", 1ull << 47);
	mr_reg_err(-EFAULT, &s, ~0ull - 8191, 4096, 0, "mapped",
		   ~0ull - 8191);
	/* The shape checks come first: a wrap is EINVAL. */
	ASSERT_ERRNO(-EINVAL, mr_reg(&s, ~0ull - 4, 8, 0, &a, NULL));
	ASSERT_EQ(tx_file_objects(s.f), 3);
	ASSERT_OK(mr_dereg(&s, b));
	ASSERT_OK(mr_dereg(&s, a));
	tx_close(s.f);
	pages_unmap(m, 1);
	pages_unmap(m + 2 * ps, 2);
	tx_dev_destroy(dev);
}

/*
 * What page pinning accepts, MR_REG accepts: a range across several
 * mappings that all have the access, static data, the stack.
 */
static void mappings_accepted(struct soft_ctx *s)
{
	size_t ps = page_size();
	static u64 data[64];
	u64 stack[8];
	u8 *m = pages_map(3);
	u32 mr;
	int fd;

	/* Page 1 becomes a shared file mapping: three mappings in a row. */
	fd = memfd_create("rule21", MFD_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, (off_t)ps) ? -errno : 0);
	ASSERT_TRUE(mmap(m + ps, ps, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0) == m + ps);
	close(fd);
	mr = mr_reg_ok(s, m, 3 * ps, ACC_ALL, NULL);
	ASSERT_OK(mr_dereg(s, mr));
	mr = mr_reg_ok(s, m + ps - 1, ps + 2, ACC_LW, NULL);
	ASSERT_OK(mr_dereg(s, mr));
	mr = mr_reg_ok(s, data, sizeof(data), ACC_ALL, NULL);
	ASSERT_OK(mr_dereg(s, mr));
	mr = mr_reg_ok(s, stack, sizeof(stack), ACC_ALL, NULL);
	ASSERT_OK(mr_dereg(s, mr));
	pages_unmap(m, 3);
}

/* Read-only memory: fine to read, refused to anything that may write. */
TEST(rule21_mr_read_only_refused_for_write)
{
	struct tx_dev *dev = dev_ok();
	size_t ps = page_size();
	struct soft_ctx s;
	u8 *m = pages_map(3);
	u32 mr[3];

	soft_ctx_open(&s, dev);
	mappings_accepted(&s);
	pages_protect(m + ps, 1, PROT_READ);
	mr[0] = mr_reg_ok(&s, m + ps, ps, 0, NULL);
	mr[1] = mr_reg_ok(&s, m + ps, ps, IB_UVERBS_ACCESS_REMOTE_READ, NULL);
	/* Three mappings (rw, r, rw), none of them writable throughout. */
	mr[2] = mr_reg_ok(&s, m, 3 * ps, IB_UVERBS_ACCESS_REMOTE_READ, NULL);
	mr_reg_err(-EFAULT, &s, m + ps, ps, ACC_LW, "writable", m + ps);
	mr_reg_err(-EFAULT, &s, m + ps, 8,
		   ACC_LW | IB_UVERBS_ACCESS_REMOTE_WRITE, "writable", m + ps);
	mr_reg_err(-EFAULT, &s, m + ps, 8,
		   ACC_LW | IB_UVERBS_ACCESS_REMOTE_ATOMIC, "writable", m + ps);
	mr_reg_err(-EFAULT, &s, m, 3 * ps, ACC_ALL, "writable", m + ps);
	mr_reg_err(-EFAULT, &s, m + ps - 1, 2, ACC_LW, "writable", m + ps);
	mr_reg_err(-EFAULT, &s, m + 2 * ps - 1, 2, ACC_LW, "writable",
		   m + 2 * ps - 1);
	ASSERT_EQ(tx_file_objects(s.f), 4);
	ASSERT_OK(mr_dereg(&s, mr[2]));
	ASSERT_OK(mr_dereg(&s, mr[1]));
	ASSERT_OK(mr_dereg(&s, mr[0]));
	tx_close(s.f);
	pages_unmap(m, 3);
	tx_dev_destroy(dev);
}

/*
 * The data path after the memory went: a loopback RC QP on @s, one
 * signaled RDMA op of 8 bytes from (or, for READ, into) @local, to (or
 * from) @remote; returns the completion's status.  The QP is destroyed.
 */
static u32 rdma_status(struct soft_ctx *s, u32 cq, u16 lid, u32 opcode,
		       const void *local, u32 lkey, const void *remote,
		       u32 rkey)
{
	static const struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 4, .max_recv_wr = 4,
		.max_send_sge = 1, .max_recv_sge = 1,
	};
	struct ib_uverbs_send_wr wr = {
		.wr_id = 21, .num_sge = 1, .opcode = opcode,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)local, .length = 8, .lkey = lkey,
	};
	struct ib_uverbs_qp_cap got;
	struct ib_uverbs_wc wc;
	struct ioverbs_cmd c;
	u32 qp, qpn, bad, status, n = 0;
	int i;

	ASSERT_OK(ioverbs_qp_create(&s->v, IB_UVERBS_QPT_RC, s->pd, cq, &cap,
				    &qp, &qpn, &got));
	ASSERT_OK(ioverbs_qp_connect_rc(&s->v, qp, lid, qpn, 1));
	wr.wr.rdma.remote_addr = (uintptr_t)remote;
	wr.wr.rdma.rkey = rkey;
	ioverbs_client_cmd_init(&s->v, &c, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND);
	ioverbs_cmd_idr(&c, UVERBS_QP_POST_SEND_HANDLE, qp);
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_WR, &wr, sizeof(wr));
	ioverbs_cmd_in(&c, UVERBS_QP_POST_SEND_SGE, &sge, sizeof(sge));
	ioverbs_cmd_out(&c, UVERBS_QP_POST_SEND_BAD_WR, &bad, sizeof(bad));
	ASSERT_OK(ioverbs_client_exec(&s->v, &c));
	for (i = 0; i < 2000 && !n; i++) {
		ioverbs_client_cmd_init(&s->v, &c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
		ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, cq);
		ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, &wc, sizeof(wc));
		ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, &n, sizeof(n));
		ASSERT_OK(ioverbs_client_exec(&s->v, &c));
		if (!n)
			usleep(1000);
	}
	ASSERT_EQ(n, 1);
	ASSERT_EQ(wc.wr_id, 21);
	status = wc.status;
	ASSERT_OK(ioverbs_object_destroy(&s->v, UVERBS_TYPE_QP,
				  UVERBS_ACTION_QP_DESTROY,
				  UVERBS_QP_DESTROY_HANDLE, qp));
	/* The QP went to ERR: nothing else may be queued. */
	ioverbs_client_cmd_init(&s->v, &c, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_POLL);
	ioverbs_cmd_idr(&c, UVERBS_CQ_POLL_HANDLE, cq);
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_WC, &wc, sizeof(wc));
	ioverbs_cmd_out(&c, UVERBS_CQ_POLL_COUNT, &n, sizeof(n));
	ASSERT_OK(ioverbs_client_exec(&s->v, &c));
	ASSERT_EQ(n, 0);
	return status;
}

/* Is @p's page unmapped (mincore: ENOMEM)? */
static bool page_is_hole(const void *p)
{
	unsigned char vec;

	return mincore((void *)((uintptr_t)p & ~(page_size() - 1)),
		       page_size(), &vec) && errno == ENOMEM;
}

/*
 * Memory unmapped after registration fails the operations that touch it
 * with an access error, on the side that touches it: LOC_PROT_ERR for
 * the requester's own SGE, REM_ACCESS_ERR for the responder's memory
 * behind an rkey.  The device (the daemon) serves on.
 */
TEST(rule21_unmapped_after_reg_error_completions)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_mr_reg_resp good, gone;
	size_t ps = page_size();
	u8 *m = pages_map(2);
	struct soft_ctx s;
	u32 mr[2], cq, cqe;
	u16 lid;

	soft_ctx_open(&s, dev);
	ASSERT_OK(ioverbs_port_query_lid(&s.v, &lid));
	ASSERT_OK(ioverbs_cq_create(&s.v, 16, &cq, &cqe));
	mr[0] = mr_reg_ok(&s, m, ps, ACC_ALL, &good);
	mr[1] = mr_reg_ok(&s, m + ps, ps, ACC_ALL, &gone);
	/* Works while mapped. */
	memcpy(m, "rule--21", 8);
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_WRITE, m,
			      good.lkey, m + ps, gone.rkey),
		  IB_UVERBS_WC_SUCCESS);
	ASSERT_TRUE(!memcmp(m + ps, "rule--21", 8));
	pages_unmap(m + ps, 1);
	ASSERT_TRUE(page_is_hole(m + ps));
	/* The requester's own memory. */
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_WRITE, m + ps,
			      gone.lkey, m + 64, good.rkey),
		  IB_UVERBS_WC_LOC_PROT_ERR);
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_READ, m + ps,
			      gone.lkey, m + 64, good.rkey),
		  IB_UVERBS_WC_LOC_PROT_ERR);
	/* The responder's memory. */
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_WRITE, m,
			      good.lkey, m + ps + 8, gone.rkey),
		  IB_UVERBS_WC_REM_ACCESS_ERR);
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_READ, m + 64,
			      good.lkey, m + ps, gone.rkey),
		  IB_UVERBS_WC_REM_ACCESS_ERR);
	/* Nothing else moved meanwhile, and nothing landed in the hole. */
	ASSERT_TRUE(page_is_hole(m + ps));
	ASSERT_TRUE(!memcmp(m, "rule--21", 8));
	/* Still serving, the rest of the memory as before. */
	ASSERT_EQ(rdma_status(&s, cq, lid, IB_UVERBS_WR_RDMA_WRITE, m,
			      good.lkey, m + 128, good.rkey),
		  IB_UVERBS_WC_SUCCESS);
	ASSERT_TRUE(!memcmp(m + 128, "rule--21", 8));
	ASSERT_OK(mr_dereg(&s, mr[1]));
	ASSERT_OK(mr_dereg(&s, mr[0]));
	ASSERT_OK(ioverbs_object_destroy(&s.v, UVERBS_TYPE_CQ,
				  UVERBS_ACTION_CQ_DESTROY,
				  UVERBS_CQ_DESTROY_HANDLE, cq));
	tx_close(s.f);
	pages_unmap(m, 1);
	tx_dev_destroy(dev);
}

/* ---- Rule 22: a failed command leaves nothing behind, at any layer ---- */

/*
 * @c copied so that its header is the last 16 bytes of @pages' first
 * page and its attributes start the second; returns the header.
 */
static struct ib_uverbs_ioctl_hdr *cmd_at_page_end(u8 *pages,
						   const struct td_cmd *c)
{
	struct ib_uverbs_ioctl_hdr *hdr =
		(void *)(pages + page_size() - sizeof(*hdr));

	memcpy(hdr, c, c->hdr.length);
	return hdr;
}

/*
 * The header is input only: on a read-only page a command succeeds,
 * its object is made once, and the header is left as written.  (Through
 * FUSE, a transport that copied the header back after the core committed
 * would turn the success into EFAULT and leave the object behind.)
 */
TEST(rule22_header_read_only_create_and_destroy)
{
	struct tx_dev *dev = dev_ok();
	struct ib_uverbs_file *f = tx_open_ctx_ok(dev);
	struct ib_uverbs_ioctl_hdr *hdr, before;
	u8 *pages = pages_map(2);
	struct td_read_buf out;
	struct td_cmd c;
	u32 v = 7, h;
	int calls;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &v, sizeof(v));
	hdr = cmd_at_page_end(pages, &c);
	before = *hdr;
	pages_protect(pages, 1, PROT_READ);
	calls = TD_KNOB_GET(handler_calls);
	ASSERT_OK(ioctl_raw(f, hdr));
	ASSERT_EQ(TD_KNOB_GET(handler_calls), calls + 1);
	ASSERT_EQ(tx_file_objects(f), 1);
	ASSERT_TRUE(!memcmp(hdr, &before, sizeof(before)));
	h = (u32)hdr->attrs[0].ptr_idr;
	memset(&out, 0, sizeof(out));
	td_parent_read_ok(f, h, &out);
	ASSERT_EQ(out.a, 1 + 7); /* in.a + the value it was made with */

	/* DESTROY: done once it says so. */
	pages_protect(pages, 1, PROT_READ | PROT_WRITE);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, h);
	hdr = cmd_at_page_end(pages, &c);
	pages_protect(pages, 1, PROT_READ);
	ASSERT_OK(ioctl_raw(f, hdr));
	ASSERT_EQ(tx_file_objects(f), 0);
	td_parent_read_err(-ENOENT, f, h);

	/* A handler's failure is its own errno, and leaves nothing. */
	pages_protect(pages, 1, PROT_READ | PROT_WRITE);
	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	hdr = cmd_at_page_end(pages, &c);
	pages_protect(pages, 1, PROT_READ);
	TD_KNOB_SET(fail_next, -ENOSPC);
	ASSERT_ERRNO(-ENOSPC, ioctl_raw(f, hdr));
	ASSERT_EQ(tx_file_objects(f), 0);
	pages_unmap(pages, 2);
	tx_close(f);
	tx_dev_destroy(dev);
}

/* The same for a standard verb on the soft device: PD_ALLOC. */
TEST(rule22_header_read_only_soft_pd)
{
	struct tx_dev *dev = dev_ok();
	u8 *pages = pages_map(2);
	struct ib_uverbs_ioctl_hdr *hdr;
	struct ioverbs_cmd c;
	struct soft_ctx s;
	u32 pd = 0;

	soft_ctx_open(&s, dev);
	ASSERT_EQ(tx_file_objects(s.f), 1);
	ioverbs_client_cmd_init(&s.v, &c, UVERBS_TYPE_PD, UVERBS_ACTION_PD_ALLOC);
	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, &pd);
	hdr = (void *)(pages + page_size() - sizeof(*hdr));
	memcpy(hdr, &c.hdr, c.hdr.length);
	pages_protect(pages, 1, PROT_READ);
	ASSERT_OK(ioctl_raw(s.f, hdr));
	ASSERT_EQ(tx_file_objects(s.f), 2);
	pd = (u32)hdr->attrs[0].ptr_idr;
	ASSERT_TRUE(pd != s.pd);
	ASSERT_OK(ioverbs_object_destroy(&s.v, UVERBS_TYPE_PD,
				  UVERBS_ACTION_PD_DEALLOC,
				  UVERBS_PD_DEALLOC_HANDLE, pd));
	ASSERT_EQ(tx_file_objects(s.f), 1);
	tx_close(s.f);
	pages_unmap(pages, 2);
	tx_dev_destroy(dev);
}
