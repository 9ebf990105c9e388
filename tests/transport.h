/* SPDX-License-Identifier: MIT */
/*
 * How a test reaches the device under test: the conformance suite
 * (test_rules.c) runs unchanged over either transport, chosen at run time
 * by IOVERBS_TRANSPORT:
 *
 *   embedded (or unset)  a test-driver device in this process; files are
 *                        the core's own, commands ib_uverbs_ioctl()
 *   daemon               ioverbsd-test started for the device (one per
 *                        tx_dev_create(), on a fresh mount, see
 *                        tests/daemon/fixture.h); files are open()s of
 *                        MOUNT/td0, commands real ioctl(2)s with every
 *                        buffer in this process's memory
 *   kernel               ioverbs.ko loaded (kmod/main.c, inside the qemu
 *                        guest of make check-kernel): a test-driver
 *                        device added per tx_dev_create() on
 *                        /dev/ioverbs-ctl, files open()s of
 *                        /dev/ioverbs-NAME, the knobs the module's page
 *                        (/dev/ioverbs-td-knobs); it counts as "daemon"
 *                        for tx_is_daemon() (a file of another side, FD
 *                        objects bound to event files the client opens:
 *                        /dev/ioverbs-event), but answers its errnos
 *                        without FUSE (tx_fuse_errno())
 *
 * In daemon mode a "file" is a struct tx_file behind a struct
 * ib_uverbs_file pointer, so that the td_*() helpers serve both modes:
 * they only hand it to td_cmd_exec(), whose td_ioctl is then tx_ioctl().
 * Never pass one to the core.  The test driver's knobs and counters
 * (td_knobs) are shared with the daemon (td_knobs_share()), so tests
 * set and read them the same way in both modes.
 *
 * The daemon is $IOVERBSD, else ../daemon/ioverbsd-test next to the test
 * program ($(O)/asan/tests/ -> $(O)/asan/daemon/).
 */
#ifndef _TESTS_TRANSPORT_H
#define _TESTS_TRANSPORT_H

#include <stdbool.h>

#include <rdma/ib_verbs.h>

struct tx_dev;

/* Is IOVERBS_TRANSPORT=daemon or kernel (the device out of process)? */
bool tx_is_daemon(void);
/* Is IOVERBS_TRANSPORT=kernel? */
bool tx_is_kernel(void);

/*
 * A fresh test-driver device with its knobs reset (daemon: a daemon
 * started, serving it as td0); fails the test if it cannot be made.
 */
struct tx_dev *tx_dev_create(void);
/* The device itself in embedded mode; NULL in daemon mode. */
struct ib_device *tx_dev_ib(struct tx_dev *d);
/* Hot unplug (daemon: "remove td0" on the control file). */
void tx_dev_remove(struct tx_dev *d);
/*
 * Removes the device if still registered and frees it (daemon: checks
 * that the daemon holds no more objects than when it started, stops it
 * and checks its log: no sanitizer report, 0 live objects at exit).
 * Files may outlive it: in daemon mode the daemon releases them as it
 * exits, and tx_close() then only closes the descriptor.
 */
void tx_dev_destroy(struct tx_dev *d);

/* Opens a file of @d into *@f: 0 or -errno. */
long tx_open(struct tx_dev *d, struct ib_uverbs_file **f);
struct ib_uverbs_file *tx_open_ok(struct tx_dev *d);
/* Open + GET_CONTEXT. */
struct ib_uverbs_file *tx_open_ctx_ok(struct tx_dev *d);
/* One ioctl on @f: 0 or -errno. */
long tx_ioctl(struct ib_uverbs_file *f, unsigned int cmd, unsigned long arg);
/*
 * Closes @f; returns once its objects are destroyed (daemon: once the
 * daemon has handled the RELEASE, which close() does not wait for).
 */
void tx_close(struct ib_uverbs_file *f);

/*
 * Daemon mode: a new event file on @f's mount (MOUNT/events/NAME, a name
 * not used before), opened O_RDWR | O_CLOEXEC: its descriptor, which the
 * caller closes.  A NEW FD attribute naming it binds the new FD object
 * to it (include/uapi/rdma/rdma_user_ioctl.h); tx_dev_create() makes
 * td_channel_create() use one (td_fd_bind), tx_dev_destroy() stops it.
 * Fails the test if the file cannot be made.
 */
int tx_event_file(struct ib_uverbs_file *f);

/*
 * A file of a soft device that goes with @d, for the rules that need the
 * standard verbs (MR registration): embedded, a soft device of @d's own,
 * made on first use and destroyed by tx_dev_destroy(); daemon,
 * MOUNT/uverbs0 of @d's daemon.  Close it with tx_close().  Commands go
 * through tx_ioctl(), or through the verbs of <ioverbs/verbs.h> with
 * tx_client().
 */
struct ib_uverbs_file *tx_open_soft_ok(struct tx_dev *d);
struct ioverbs_client;
/* @v sends its commands to @f through tx_ioctl(). */
void tx_client(struct ioverbs_client *v, struct ib_uverbs_file *f);
/* The committed objects @f holds (daemon: the control file's "list"). */
int tx_file_objects(struct ib_uverbs_file *f);

/*
 * Daemon mode: how many of this process's files on @d have exactly
 * @events async events queued (the control file's "list").
 */
int tx_files_with_events(struct tx_dev *d, unsigned int events);

/*
 * What a test cannot do through the daemon, it says so: in daemon mode
 * only, ends the test as skipped, "in-process only: @why".
 */
void tx_skip_in_daemon(const char *why);

/*
 * The errno of a command that FUSE, not the core, answers in daemon
 * mode: @embedded from the core, @daemon as the caller sees it through
 * the FUSE file.  Each use says why they differ.
 */
long tx_fuse_errno(long embedded, long daemon);

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
 *    and the test closes it (tx_event_file_close());
 *  - a NEW FD attribute must name an unbound event file of this mount,
 *    else the command fails before any handler: EBADF for no fd at all
 *    (-1) or a descriptor that is not such a file, EBUSY for one that is
 *    bound already.
 *
 * td_channel_create() makes and names an event file by itself in daemon
 * mode (td_fd_bind).
 */

/*
 * The value for a NEW FD attribute: 0 embedded (ignored: the core makes
 * the descriptor), a fresh unbound event file through the daemon, which
 * the caller closes.
 */
u64 tx_new_fd_bind(struct ib_uverbs_file *f);

/*
 * Daemon mode, once the channel on @fd is gone (DESTROY, abort, close of
 * its uverbs file): the event file is the client's and still open; closes
 * it.  Embedded the core closed it already: nothing to do.
 */
void tx_event_file_close(int fd);

#endif /* _TESTS_TRANSPORT_H */
