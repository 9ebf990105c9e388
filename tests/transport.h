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

/* Is IOVERBS_TRANSPORT=daemon? */
bool tx_is_daemon(void);

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

#endif /* _TESTS_TRANSPORT_H */
